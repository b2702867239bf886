/* Output text files that appear whole or not at all (see atomic.h). */
#include "output/atomic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/error.h"

/* The stream's writes: to the descriptor, keeping the first error's errno (a FILE forgets it). */
static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
    struct cpn_atomic *a = cookie;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(a->fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!a->err)
                a->err = n < 0 ? errno : EIO;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)size;
}

static int cookie_close(void *cookie)
{
    struct cpn_atomic *a = cookie;
    int rc = close(a->fd);
    if (rc != 0 && !a->err)
        a->err = errno;
    a->fd = -1;
    return rc;
}

int cpn_atomic_open(struct cpn_atomic *a, const char *path, int force)
{
    *a = (struct cpn_atomic){.force = force, .fd = -1};
    if (!force && access(path, F_OK) == 0)
        return CPN_ERROR(CPN_EOUTPUT, "%s: already exists (use --force to overwrite it)", path);
    if (!(a->path = strdup(path)) || asprintf(&a->tmp, "%s.tmp.XXXXXX", path) < 0) {
        free(a->path);
        *a = (struct cpn_atomic){0};
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    int fd = mkstemp(a->tmp);
    if (fd >= 0) { /* mkstemp makes it 0600: give it the mode fopen would (0666 & ~umask) */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    a->fd = fd;
    cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
    if (fd < 0 || !(a->f = fopencookie(a, "w", io))) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        int rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s", path, strerror(err));
        free(a->tmp);
        free(a->path);
        *a = (struct cpn_atomic){0};
        return rc;
    }
    return CPN_OK;
}

void cpn_atomic_abort(struct cpn_atomic *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    *a = (struct cpn_atomic){0};
}

int cpn_atomic_commit(struct cpn_atomic *a)
{
    int bad = fflush(a->f) != 0 || ferror(a->f);
    if (!bad && fsync(a->fd) != 0 && errno != EINVAL && !a->err)
        a->err = errno;
    bad |= fclose(a->f) != 0;
    a->f = NULL;
    int err = a->err ? a->err : bad ? EIO : 0; /* the first write error (ENOSPC), when one */
    int rc = CPN_OK;
    if (err) {
        rc = CPN_ERROR(CPN_EIO, "%s: cannot write: %s", a->path, strerror(err));
    } else if (a->force) {
        if (rename(a->tmp, a->path) != 0)
            rc = CPN_ERROR(CPN_EIO, "%s: cannot rename %s to it: %s", a->path, a->tmp,
                           strerror(errno));
    } else if (link(a->tmp, a->path) != 0) {
        rc = errno == EEXIST
                 ? CPN_ERROR(CPN_EOUTPUT,
                             "%s: appeared during the run (use --force to overwrite "
                             "it)",
                             a->path)
                 : CPN_ERROR(CPN_EIO, "%s: cannot create: %s", a->path, strerror(errno));
    }
    unlink(a->tmp); /* after a rename it is gone already; after a link it is a second name */
    free(a->tmp);
    free(a->path);
    *a = (struct cpn_atomic){0};
    return rc;
}
