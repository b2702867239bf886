/**
 * @file output/atomic.h
 * @brief Output text files that appear whole or not at all: written under a temporary name
 *        beside the final one, then renamed onto it (rename(2) is atomic within a file system).
 *
 * A failure (a full disk, an I/O error) removes the temporary file and leaves the final name as
 * it was: never a truncated file under the final name.  Used for `--summary-out`,
 * `--flows-out` and `cpnsim report -o`.
 */
#ifndef CPN_OUTPUT_ATOMIC_H
#define CPN_OUTPUT_ATOMIC_H

#include <stdio.h>

/** A file being written: its stream and names. */
struct cpn_atomic {
    FILE *f;    /**< the stream to write to */
    char *tmp;  /**< the temporary name, PATH.tmp.XXXXXX (malloc) */
    char *path; /**< the final name (malloc) */
    int force;  /**< nonzero: the final name may be replaced */
    int fd;     /**< the temporary file's descriptor (private) */
    int err;    /**< the first write error's errno, 0 when none (private) */
};

/**
 * Start writing @p path: create a temporary file beside it (mkstemp, so two writers never share
 * one).  Without @p force, an existing @p path is refused now.
 * @return CPN_OK; CPN_EOUTPUT when @p path exists without @p force, or the temporary file cannot
 *         be created (the message names it and gives the system's reason); CPN_ENOMEM.
 */
int cpn_atomic_open(struct cpn_atomic *a, const char *path, int force);

/**
 * Finish: flush and close the stream, then rename the temporary file onto the final name (without
 * force: link() then unlink(), which never replaces a file that appeared meanwhile).  Frees @p a.
 * @return CPN_OK; CPN_EIO when a write or the close failed (the message gives the system's
 *         reason, e.g. "No space left on device"): the temporary file is removed and the final
 *         name untouched; CPN_EOUTPUT when the final name appeared meanwhile without force.
 */
int cpn_atomic_commit(struct cpn_atomic *a);

/** Give up: close and remove the temporary file, free @p a (accepts an unopened one). */
void cpn_atomic_abort(struct cpn_atomic *a);

#endif /* CPN_OUTPUT_ATOMIC_H */
