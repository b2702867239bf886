/* Unlinked temporary files (see tempfile.h). */
#include "sim/tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/error.h"

const char *cpn_tempfile_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

int cpn_tempfile_open(struct cpn_tempfile *t)
{
    *t = (struct cpn_tempfile){.fd = -1};
    const char *d = cpn_tempfile_dir();
    size_t n = strlen(d) + sizeof "/cpnsim-XXXXXX";
    char *name = malloc(n);
    if (!name || !(t->buf = malloc(CPN_TEMPFILE_BUF))) {
        free(name);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    snprintf(name, n, "%s/cpnsim-XXXXXX", d);
    t->fd = mkostemp(name, O_CLOEXEC);
    if (t->fd >= 0)
        unlink(name);
    else
        t->err = errno;
    free(name);
    return CPN_OK;
}

/* Write @p len bytes at @p data to the file itself. */
static void put(struct cpn_tempfile *t, const char *data, size_t len)
{
    while (len && !t->err) {
        ssize_t w = write(t->fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            t->err = w < 0 ? errno : EIO;
            break;
        }
        data += w;
        len -= (size_t)w;
        t->bytes += (uint64_t)w;
    }
}

void cpn_tempfile_write(struct cpn_tempfile *t, const void *data, size_t len)
{
    if (t->fd < 0 || t->err)
        return;
    if (t->used + len > CPN_TEMPFILE_BUF) {
        put(t, t->buf, t->used);
        t->used = 0;
    }
    if (len > CPN_TEMPFILE_BUF) { /* (straight through) */
        put(t, data, len);
        return;
    }
    memcpy(t->buf + t->used, data, len);
    t->used += len;
}

int cpn_tempfile_finish(struct cpn_tempfile *t)
{
    if (t->fd >= 0 && !t->err)
        put(t, t->buf, t->used);
    t->used = 0;
    return t->err;
}

void cpn_tempfile_close(struct cpn_tempfile *t)
{
    if (t->fd >= 0)
        close(t->fd);
    free(t->buf);
    t->fd = -1;
    t->buf = NULL;
    t->used = 0;
}

ssize_t cpn_tempfile_pread(int fd, void *buf, size_t len, uint64_t off)
{
    for (;;) {
        ssize_t got = pread(fd, buf, len, (off_t)off);
        if (got >= 0 || errno != EINTR)
            return got;
    }
}
