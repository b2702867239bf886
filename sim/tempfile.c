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

int cpn_tempfile_reader_open(struct cpn_tempfile_reader *r, int fd, uint64_t size)
{
    *r = (struct cpn_tempfile_reader){.fd = fd, .size = size};
    if (!(r->buf = malloc(CPN_TEMPFILE_BUF)))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    r->cap = CPN_TEMPFILE_BUF;
    return CPN_OK;
}

int cpn_tempfile_reader_fill(struct cpn_tempfile_reader *r, size_t need)
{
    if (r->len - r->pos >= need)
        return 0;
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    if (need > r->cap) {
        char *grown = realloc(r->buf, need);
        if (!grown)
            return ENOMEM;
        r->buf = grown;
        r->cap = need;
    }
    while (r->len < need && r->off < r->size) { /* (a read may return less than asked) */
        ssize_t got = pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)r->off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? errno : -1;
        r->len += (size_t)got;
        r->off += (uint64_t)got;
    }
    return 0;
}

void cpn_tempfile_reader_close(struct cpn_tempfile_reader *r)
{
    free(r->buf);
    *r = (struct cpn_tempfile_reader){.fd = -1};
}
