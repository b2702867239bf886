/* Output text files that appear whole or not at all (see atomic.h). */
#include "output/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/error.h"

enum { WRITEBACK = 8 << 20 }; /* bytes written between two starts of the write-back [B] */

/* Start writing to the disk what @p a holds beyond what was started last, every WRITEBACK bytes,
 * without waiting (Linux's sync_file_range(2), SYNC_FILE_RANGE_WRITE): the fsync() of the commit
 * then waits only for the last bytes instead of all of them (an 80 MB --flows-out table: its
 * fsync took about 0.1 s of wall time here).  A hint: its failure changes nothing, and the
 * commit's fsync() reports any write error.  Not for a device or FIFO written straight to. */
static void writeback(struct cpn_atomic *a)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (a->direct || a->written - a->started < WRITEBACK)
        return;
    (void)sync_file_range(a->fd, (off_t)a->started, (off_t)(a->written - a->started),
                          SYNC_FILE_RANGE_WRITE);
    a->started = a->written;
#else
    (void)a;
#endif
}

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
    a->written += size;
    writeback(a);
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

/* What a file that is not regular is, in words. */
static const char *kind_words(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISBLK(mode)  ? "a block device"
                            : "not a regular file";
}

/* The folder part of @p path ("." for none, "/" for a file at the root; malloc), or NULL when
 * out of memory. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
}

/* An output @p path that does not exist yet (stat(2) failed with @p err): its folder must be
 * one that a file can be created in, checked now, so that a run does not find out at its end (a
 * text output is written then). */
static int folder_check(const char *path, int err)
{
    char *dir = folder_of(path);
    if (!dir)
        return CPN_ERROR(CPN_ENOMEM, "out of memory");
    struct stat st;
    int rc = CPN_OK;
    if (err != ENOENT && err != ENOTDIR) /* (a folder on the way that cannot be searched...) */
        rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s", path, strerror(err));
    else if (stat(dir, &st) != 0)
        rc = CPN_ERROR(CPN_EOUTPUT,
                       "%s: cannot create: its folder %s %s (create the folder, or give "
                       "another path)",
                       path, dir,
                       errno == ENOENT || errno == ENOTDIR ? "does not exist" : strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s is %s, not a folder", path, dir,
                       S_ISREG(st.st_mode) ? "a file" : kind_words(st.st_mode));
    else if (access(dir, W_OK | X_OK) != 0)
        rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: its folder %s: %s", path, dir,
                       strerror(errno));
    free(dir);
    return rc;
}

int cpn_output_check(const char *path, int force, int stream_ok, int *stream)
{
    struct stat st;
    if (stream)
        *stream = 0;
    if (stat(path, &st) != 0)
        return folder_check(path, errno); /* nothing there yet: it is created where it goes */
    if (S_ISREG(st.st_mode))
        return force ? CPN_OK
                     : CPN_ERROR(CPN_EOUTPUT, "%s: already exists (use --force to overwrite it)",
                                 path);
    int device = S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode); /* (nothing there to replace) */
    if (device && stream_ok) {
        if (stream)
            *stream = 1;
        return CPN_OK;
    }
    if (device)
        return CPN_ERROR(CPN_EOUTPUT,
                         "%s: is %s, not a file (the HDF5 trace needs a regular file: give a file "
                         "name)",
                         path, kind_words(st.st_mode));
    return CPN_ERROR(CPN_EOUTPUT, "%s: is %s, not a file (give a file name)", path,
                     kind_words(st.st_mode));
}

/* The canonical name of a path that need not exist: realpath(3) of its folder, "/", its last
 * component (malloc), or NULL when the folder cannot be resolved. */
static char *canonical(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = folder_of(path);
    char *real = dir ? realpath(dir, NULL) : NULL, *out = NULL;
    if (real && asprintf(&out, "%s/%s", real, slash ? slash + 1 : path) < 0)
        out = NULL;
    free(dir);
    free(real);
    return out;
}

int cpn_output_same(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea || eb)
        return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *ca = canonical(a), *cb = canonical(b);
    int same = ca && cb ? strcmp(ca, cb) == 0 : strcmp(a, b) == 0;
    free(ca);
    free(cb);
    return same;
}

char *cpn_output_target(const char *path)
{
    struct stat ls, st;
    if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode) && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode)) {
        char *real = realpath(path, NULL);
        if (real || errno == ENOMEM)
            return real;
    }
    return strdup(path);
}

/* Open character device or FIFO @p path to write straight to it. */
static int open_direct(struct cpn_atomic *a, const char *path)
{
    cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
    a->direct = 1;
    a->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (a->fd < 0 || !(a->path = strdup(path)) || !(a->f = fopencookie(a, "w", io))) {
        int err = errno, oom = a->fd >= 0;
        if (a->fd >= 0)
            close(a->fd);
        free(a->path);
        *a = (struct cpn_atomic){0};
        return oom ? CPN_ERROR(CPN_ENOMEM, NULL)
                   : CPN_ERROR(CPN_EOUTPUT, "%s: cannot open: %s", path, strerror(err));
    }
    return CPN_OK;
}

/* Open a file without a name in the folder of @p path (Linux's O_TMPFILE, open(2)): it gets a
 * name only at the commit (name_unnamed()), so a run that cannot clean up (killed by SIGKILL,
 * the machine lost) leaves nothing behind, where a named temporary file would stay.  The commit
 * names it through /proc/self/fd, as open(2) describes for unprivileged users, so /proc must be
 * there.  Returns the descriptor, or -1 when the kernel, the folder's file system (NFS, say) or
 * a missing /proc do not allow it: the caller then makes a named temporary file. */
static int open_unnamed(const char *path)
{
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) != 0)
        return -1;
    char *dir = folder_of(path);
    int fd = dir ? open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666) : -1; /* (umask applies) */
    free(dir);
    return fd;
#else
    (void)path;
    return -1;
#endif
}

int cpn_atomic_open(struct cpn_atomic *a, const char *path, int force)
{
    *a = (struct cpn_atomic){.force = force, .fd = -1};
    int stream = 0, rc = cpn_output_check(path, force, 1, &stream);
    if (rc != CPN_OK)
        return rc;
    if (stream)
        return open_direct(a, path);
    if (!(a->path = cpn_output_target(path))) {
        *a = (struct cpn_atomic){0};
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    int fd = open_unnamed(a->path);
    a->unnamed = fd >= 0;
    if (!a->unnamed && asprintf(&a->tmp, "%s.tmp.XXXXXX", a->path) < 0) {
        free(a->path);
        *a = (struct cpn_atomic){0};
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (!a->unnamed && (fd = mkstemp(a->tmp)) >= 0) {
        /* mkstemp makes it 0600: give it the mode fopen would (0666 & ~umask) */
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
            if (a->tmp)
                unlink(a->tmp);
        }
        rc = CPN_ERROR(CPN_EOUTPUT, "%s: cannot create: %s", path, strerror(err));
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

/* Give the unnamed file open as @p fd (open_unnamed()) a name of its own beside @p a->path,
 * `PATH.tmp.PID.N` (no other writer has it), in @p a->tmp, so that the commit with force renames
 * it onto the final name as it renames a named temporary file (atomic; the name is left behind
 * only when killed between the two calls). */
static int name_unnamed(struct cpn_atomic *a, const char *proc)
{
    for (unsigned i = 0;; i++) {
        if (asprintf(&a->tmp, "%s.tmp.%ld.%u", a->path, (long)getpid(), i) < 0) {
            a->tmp = NULL;
            return CPN_ERROR(CPN_ENOMEM, NULL);
        }
        if (linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp, AT_SYMLINK_FOLLOW) == 0)
            return CPN_OK;
        int rc = errno != EEXIST || i == 1000 ? CPN_ERROR(CPN_EIO, "%s: cannot create %s: %s",
                                                          a->path, a->tmp, strerror(errno))
                                              : CPN_OK;
        free(a->tmp);
        a->tmp = NULL;
        if (rc != CPN_OK)
            return rc;
    }
}

int cpn_atomic_commit(struct cpn_atomic *a)
{
    int bad = fflush(a->f) != 0 || ferror(a->f);
    if (!bad && fsync(a->fd) != 0 && errno != EINVAL && !a->err)
        a->err = errno;
    /* An unnamed file is gone with its last descriptor: one is kept past the stream's close. */
    int keep = a->unnamed ? fcntl(a->fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (a->unnamed && keep < 0 && !a->err)
        a->err = errno;
    bad |= fclose(a->f) != 0;
    a->f = NULL;
    int err = a->err ? a->err : bad ? EIO : 0; /* the first write error (ENOSPC), when one */
    /* What gets the final name: the temporary name, or the unnamed file through /proc (linkat(2)
     * with AT_SYMLINK_FOLLOW, as open(2) describes for O_TMPFILE). */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", keep);
    const char *from = a->unnamed ? proc : a->tmp;
    int rc = CPN_OK;
    if (err) {
        rc = CPN_ERROR(CPN_EIO, "%s: cannot write: %s", a->path, strerror(err));
    } else if (a->direct) {
        /* written straight to the device or FIFO: nothing to move */
    } else if (a->force) {
        if ((!a->unnamed || (rc = name_unnamed(a, proc)) == CPN_OK) && rename(a->tmp, a->path) != 0)
            rc = CPN_ERROR(CPN_EIO, "%s: cannot rename %s to it: %s", a->path, a->tmp,
                           strerror(errno));
    } else if (linkat(AT_FDCWD, from, AT_FDCWD, a->path, AT_SYMLINK_FOLLOW) != 0) {
        rc = errno == EEXIST
                 ? CPN_ERROR(CPN_EOUTPUT,
                             "%s: appeared during the run (use --force to overwrite "
                             "it)",
                             a->path)
                 : CPN_ERROR(CPN_EIO, "%s: cannot create: %s", a->path, strerror(errno));
    }
    if (keep >= 0)
        close(keep);
    if (a->tmp)
        unlink(a->tmp); /* after a rename it is gone already; after a link it is a second name */
    free(a->tmp);
    free(a->path);
    *a = (struct cpn_atomic){0};
    return rc;
}
