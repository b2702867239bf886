/**
 * @file sim/tempfile.h
 * @brief Unlinked temporary files for data a run keeps out of memory: the checked copies of
 *        streamed inputs (docs/scenario-format.md, "Streamed flow files" and "Streamed workload
 *        logs"), written once in order, then read back by position, by any number of readers.
 */
#ifndef CPN_SIM_TEMPFILE_H
#define CPN_SIM_TEMPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Bytes a struct cpn_tempfile buffers between writes, and a struct cpn_tempfile_reader's
 *  first buffer.  Assumption: 256 KiB, as the zlib buffer of models/workload/wlog.c: large
 *  enough that the system calls are a small share of the copying, small beside a run's memory. */
#define CPN_TEMPFILE_BUF (256 << 10)

/** A temporary file being written.  Fields are read-only for users. */
struct cpn_tempfile {
    int fd;         /**< its descriptor, -1 when there is none (not made, or closed) */
    int err;        /**< errno of the first failure (creating or writing it), else 0 */
    char *buf;      /**< CPN_TEMPFILE_BUF bytes not yet written (owned) */
    size_t used;    /**< bytes in buf */
    uint64_t bytes; /**< bytes written to fd: after cpn_tempfile_finish(), its size */
};

/**
 * The folder of temporary files: the one $TMPDIR names, or /tmp when it is unset or empty.
 * @return the folder (borrowed from the environment or a literal; valid until the environment
 *         changes).  No errors.
 */
const char *cpn_tempfile_dir(void);

/**
 * Create a temporary file in cpn_tempfile_dir() and remove its name at once: the file lives as
 * long as its descriptor (it is gone when the process exits, however it exits).  The
 * descriptor is close-on-exec (a policy process started by the run does not inherit it).
 * A file that cannot be created (the folder missing or not writable: mkostemp(3)'s errors) is
 * no error of this call: t->fd is -1 and t->err says why, and writes do nothing.
 * @return CPN_OK; CPN_ENOMEM when the buffer cannot be allocated (*t then owns nothing).
 */
int cpn_tempfile_open(struct cpn_tempfile *t);

/** Append @p len bytes at @p data (buffered).  A failure is kept in t->err; later writes then
 *  do nothing.  O(len). */
void cpn_tempfile_write(struct cpn_tempfile *t, const void *data, size_t len);

/** Write what is buffered.  @return t->err: 0 when every byte is in the file. */
int cpn_tempfile_finish(struct cpn_tempfile *t);

/** Close the file (unless t->fd is -1: its descriptor was taken) and free the buffer. */
void cpn_tempfile_close(struct cpn_tempfile *t);

/**
 * One reader of a temporary file, from its first byte, in order, buffered; it reads by position
 * (pread(2)), so any number of readers may read one file at once.  Fields are read-only for
 * users.
 */
struct cpn_tempfile_reader {
    int fd;             /**< the file (borrowed: the reader does not close it) */
    uint64_t off, size; /**< the next byte to fetch from the file; the file's size [bytes] */
    char *buf;          /**< the fetched bytes not yet taken: [pos, len) (owned) */
    size_t cap, pos, len;
};

/**
 * Start reading file @p fd of @p size bytes (cpn_tempfile.bytes after cpn_tempfile_finish()).
 * @return CPN_OK; CPN_ENOMEM (*r then owns nothing).
 */
int cpn_tempfile_reader_open(struct cpn_tempfile_reader *r, int fd, uint64_t size);

/**
 * Make at least @p need bytes available at r->buf + r->pos (fewer only at the file's end:
 * r->len - r->pos says how many), reading as many as the buffer holds; the buffer grows when
 * @p need exceeds it.  The caller takes what it used by advancing r->pos.
 * @return 0; -1 when the file ends before its size (it was cut); ENOMEM; or the errno of a
 *         failed read.  O(bytes read).
 */
int cpn_tempfile_reader_fill(struct cpn_tempfile_reader *r, size_t need);

/** Free the reader's buffer (not the file); accepts a reader that owns nothing. */
void cpn_tempfile_reader_close(struct cpn_tempfile_reader *r);

#endif /* CPN_SIM_TEMPFILE_H */
