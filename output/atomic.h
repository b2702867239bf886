/**
 * @file output/atomic.h
 * @brief Output text files that appear whole or not at all: written to a file without a name
 *        in the final one's folder (Linux's O_TMPFILE), or where that cannot be, under a
 *        temporary name beside it, then given the final name (linkat(2) or rename(2), atomic
 *        within a file system).  A run killed without a chance to clean up (SIGKILL) leaves no
 *        file behind in the first case, `PATH.tmp.XXXXXX` in the second.
 *
 * A failure (a full disk, an I/O error) removes the temporary file and leaves the final name as
 * it was: never a truncated file under the final name.  Used for `--summary-out`,
 * `--flows-out` and `cpnsim report -o`.  A name that is a character device or a FIFO
 * (`/dev/stdout`, `/dev/null`, a named pipe) is written straight to instead, without `--force`:
 * nothing is replaced there (cpn_output_check()).
 */
#ifndef CPN_OUTPUT_ATOMIC_H
#define CPN_OUTPUT_ATOMIC_H

#include <stdio.h>

/** A file being written: its stream and names. */
struct cpn_atomic {
    FILE *f;     /**< the stream to write to */
    char *tmp;   /**< the temporary name, PATH.tmp.XXXXXX (malloc), or NULL when the file has
                  *   none (@p unnamed) or is a device or FIFO */
    char *path;  /**< the final name (malloc) */
    int force;   /**< nonzero: the final name may be replaced */
    int fd;      /**< the temporary file's descriptor, or the stream's (private) */
    int direct;  /**< nonzero: @p path is a character device or FIFO written straight to (no
                  * temporary file; private) */
    int unnamed; /**< nonzero: the file has no name until the commit (O_TMPFILE; private) */
    int err;     /**< the first write error's errno, 0 when none (private) */
    unsigned long long written; /**< bytes written to @p fd so far (private) */
    unsigned long long started; /**< of those, the bytes whose write-back was started (private) */
};

/**
 * May an output be written to @p path?  Checked before anything is written (stat(2), following
 * symbolic links):
 * - nothing there: when its folder exists and a file can be created in it (a text output is
 *   written at the end of a run, which must not find out only there), else refused, naming the
 *   folder and why;
 * - a regular file: only with @p force (it is replaced when the output is complete);
 * - a character device or a FIFO (`/dev/stdout`, `/dev/null`, a named pipe): when @p stream_ok
 *   (a text output, written straight to it, since nothing there can be replaced), and *@p stream
 *   is set; refused otherwise (the HDF5 trace needs a file it can seek in);
 * - anything else (a directory, a socket, a block device): refused.
 * Assumption: a device or FIFO named as an output is where the user wants the text, so it needs
 * no --force; renaming a file onto it, as for a regular file, would replace the device node
 * itself (as root) or fail.
 * @param stream  set to 1 for a character device or FIFO, else 0 (may be NULL)
 * @return CPN_OK; CPN_EOUTPUT when refused, the message naming @p path and what it is, and what
 *         to do (use --force; give a file name; create the folder); CPN_ENOMEM.
 */
int cpn_output_check(const char *path, int force, int stream_ok, int *stream);

/**
 * Where an output named @p path is written: @p path itself, or, when @p path is a symbolic link
 * to an existing regular file, that file (realpath(3)), so that the link stays and its target
 * gets the result.  Assumption: a link to a file is where the user keeps that file, as a shell's
 * `>` and cp(1) take it; renaming onto the link would replace the link and leave the old result
 * at its target.
 * @return a malloc'd path, or NULL when out of memory.
 */
char *cpn_output_target(const char *path);

/**
 * Do @p a and @p b name the same file?  When both exist: the same device and inode (through
 * links, "./x" and "x", hard links); when neither does: the same canonical name (realpath(3) of
 * the folder, then the last component); when only one does: no.
 * @return 1 when the same, else 0.
 */
int cpn_output_same(const char *a, const char *b);

/**
 * Start writing @p path: open a file without a name in its folder (O_TMPFILE; where the kernel,
 * the file system or a missing /proc do not allow it, a temporary file beside it, by mkstemp, so
 * two writers never share one), or open @p path itself when it is a character device or FIFO
 * (cpn_output_check()).
 * Without @p force, an existing regular file at @p path is refused now.
 * @return CPN_OK; CPN_EOUTPUT when cpn_output_check() refuses @p path, or the temporary file (or
 *         the stream) cannot be opened (the message names it and gives the system's reason);
 *         CPN_ENOMEM.
 */
int cpn_atomic_open(struct cpn_atomic *a, const char *path, int force);

/**
 * Finish: flush and close the stream, then give the file the final name: an unnamed file by
 * linkat(2) through /proc/self/fd (with force: to a name of its own beside it, `PATH.tmp.PID.N`,
 * then renamed onto the final name), a temporary file by rename(2) (without force: link() then
 * unlink()); without force, never replacing a file that appeared meanwhile.  A character device
 * or FIFO is only flushed and closed.  Frees @p a.
 * @return CPN_OK; CPN_EIO when a write or the close failed (the message gives the system's
 *         reason, e.g. "No space left on device"): the temporary file is removed and the final
 *         name untouched; CPN_EOUTPUT when the final name appeared meanwhile without force.
 */
int cpn_atomic_commit(struct cpn_atomic *a);

/** Give up: close and remove the temporary file (a device or FIFO: close it), free @p a (accepts
 * an unopened one). */
void cpn_atomic_abort(struct cpn_atomic *a);

#endif /* CPN_OUTPUT_ATOMIC_H */
