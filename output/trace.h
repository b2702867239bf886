/**
 * @file output/trace.h
 * @brief The HDF5 trace writer: an observer (models/observer.h) that writes one run to one
 *        HDF5 file (layout: docs/output-format.md).
 *
 * Safety rules:
 * - A writer holds an exclusive lock on `OUT.h5.lock` (flock) from open to end or free, taken
 *   before anything is created or replaced: a second run on the same output fails at once
 *   (CPN_EOUTPUT) and touches nothing of the first one's files.  The lock file is removed when
 *   the writer lets go of it.
 * - The file is written as `OUT.h5.partial`, created exclusively (never a file another process
 *   may hold), and renamed to `OUT.h5` by end(complete = 1).
 * - An existing `OUT.h5` (or a leftover `OUT.h5.partial` of an interrupted run) is never
 *   overwritten unless `force` is set, and even then only once the lock is held.
 * - The counts of rows of every record table are written as root attributes (`rows_jobs`,
 *   `rows_flows`, `rows_requests`, `rows_events`, `rows_compute`) with `complete`, so that a
 *   reader can verify the file (output/report.h, cpn_result_verify()).
 * - end(complete = 0) (an interrupted run) and cpn_trace_free() before end() flush what was
 *   recorded, set the root attribute `complete = 0`, close the file, and leave it readable under
 *   the name `OUT.h5.partial`, so that a later complete run never mistakes it for a result;
 *   cpn_trace_free() before begin() (the run failed while it was being set up) removes the
 *   file: nothing was recorded.
 * - Closed (complete or not), the file gets its checksum in its user block (cpn_trace_stamp():
 *   CRC-32 and length of the HDF5 bytes), which readers check before HDF5 reads the file
 *   (cpn_trace_check()).
 * - Every HDF5 failure (full disk included) is returned as CPN_EIO with the file name and
 *   HDF5's innermost message (the system's reason when there is one), in one line; HDF5's
 *   automatic error printing is turned off (on with hdf5_debug).  A file whose writing failed
 *   is removed: it is no result.  A program must make
 *   cpn_trace_open() (or cpn_h5_quiet() of output/h5util.h) its first HDF5 call: that also turns
 *   off HDF5's clean-up at exit, which crashes HDF5 1.10 after a close failed on a full disk.
 * - Same records in, same bytes out: object timestamps are disabled and the library format
 *   bounds fixed, so two runs with the same seed give byte-identical datasets (the root
 *   attributes `wall_clock_start` and `command_line` excepted).
 *
 * Speed: at levels `jobs` and above, full chunks of records are compressed and written by a
 * writer thread started at begin(), beside the simulation (at most 8 chunks per trace queued;
 * a full queue makes the run wait).  The HDF5 library is never entered by two threads at once:
 * the calling thread writes the series, events and attributes only after the queue is drained,
 * in the order a synchronous writer would, so the file is the same.  An HDF5 failure in the
 * writer thread is returned (CPN_EIO) by the next call that queues a chunk, and by end().
 * Measured with tests/bench/trace.sh on scenarios/national.xml (878,656 flows, 1.75e6
 * inference requests, 1e5 jobs; median of 3 runs on this 2-core machine): 2.03 s at level
 * `summary`, 2.07 s at level `flows` (+2.0%) on a quiet machine, 3.72 s and 4.05 s (+9.0%)
 * with other jobs on both cores; 16.8 B per /flows record on disk.  The same writer without
 * the thread cost +45.6% (loaded machine).
 */
#ifndef CPN_OUTPUT_TRACE_H
#define CPN_OUTPUT_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "models/observer.h"
#include "output/summary.h"

/** Version of the file layout written in the root attribute `format_version`. */
#define CPN_TRACE_FORMAT_VERSION 2

/** Default number of records buffered in memory and written per chunk. */
#define CPN_TRACE_CHUNK 4096

/** Default deflate (zlib) level.  tests/bench/bench_trace, 1e6 flows, shuffle on: level 1 gives
 *  23.2 B per flow record on disk against 22.7 B for level 6, at 15-50% less writing time
 *  (three runs on the shared 2-core machine). */
#define CPN_TRACE_DEFLATE 1

/** What the trace holds; each level adds to the previous one. */
enum cpn_trace_level {
    CPN_TRACE_SUMMARY = 0, /**< provenance, /nodes, /links, /centers, /pools, /summary */
    CPN_TRACE_JOBS = 1,    /**< + /jobs, /requests, /series (utilisation samples) */
    CPN_TRACE_FLOWS = 2,   /**< + /flows */
    CPN_TRACE_FULL = 3,    /**< + /events (decisions, failures, reroutes) */
    CPN_TRACE_NLEVELS      /**< number of levels (not a level) */
};

/** Bytes of the user block at the start of every trace file (HDF5's H5Pset_userblock(): the
 *  HDF5 data follow it, and HDF5 readers skip it).  It holds the trace's checksum, written when
 *  the file is closed (cpn_trace_stamp()), then zeros. */
#define CPN_TRACE_USERBLOCK 512

/** The first line of a user block that holds a checksum: then "crc32 XXXXXXXX" (8 lowercase hex
 *  digits: CRC-32 of zlib, the polynomial of ISO 3309 / ITU-T V.42) and "bytes N" (the file's
 *  length after the user block), one per line, then NUL bytes to CPN_TRACE_USERBLOCK. */
#define CPN_TRACE_CHECKSUM_MAGIC "cpnsim-trace-checksum 1\n"

/**
 * Write the checksum of the closed trace file @p path into its user block: the CRC-32 and the
 * length of everything after the block.  Called by the writer after HDF5 closed the file
 * (complete or not); a program that changes a trace afterwards (h5py in "r+" mode, say) makes
 * the checksum wrong, and readers refuse the file (cpn_trace_check()).
 * Assumption: CRC-32 finds the damage of storage and transfer (any burst of up to 32 bits, any
 * odd number of flipped bits, other damage with probability 1 - 2^-32); it is no defence against
 * a deliberate change, which is not what it is for.
 * @param path the file (borrowed).
 * @return CPN_OK; CPN_EOUTPUT when the file cannot be read or written back (the message names
 *         it and the system's reason) or is shorter than its user block.  O(file size).
 */
int cpn_trace_stamp(const char *path);

/**
 * Read the checksum written in the user block of the trace file @p path (nothing is computed).
 * @param path the file (borrowed).
 * @param has receives 1 when the block holds a checksum, 0 when it holds none (a trace of an
 *        older cpnsim, or a file shorter than the block).
 * @param crc receives its CRC-32 when there is one.
 * @param bytes receives the length it covers [B] when there is one.
 * @return CPN_OK; CPN_ENOINPUT when the file cannot be read or is not a regular file (a folder,
 *         a device or a FIFO: refused before it is opened); CPN_EINVAL for NULL arguments.
 */
int cpn_trace_checksum(const char *path, int *has, uint32_t *crc, uint64_t *bytes);

/**
 * Check the checksum of the trace file @p path, before an HDF5 library reads it: HDF5 1.10 can
 * crash, loop or read wrong values on a damaged file.  A file whose user block holds no checksum
 * (written before cpnsim stamped its traces, or not by cpnsim) passes unchecked.
 * @param path the file (borrowed).
 * @return CPN_OK (the checksum matches, or there is none); CPN_EIO when the file is damaged
 *         (as for a table HDF5 cannot read, cpn_result_verify()): its length after the user
 *         block or its CRC-32 differs from the ones written (the message gives both, and says
 *         that the file changed after cpnsim wrote it: a fault, a cut copy, or another
 *         program); CPN_ENOINPUT when it cannot be read or is not a regular file (a folder, a
 *         device or a FIFO: refused before it is opened, so that a FIFO is not waited on).
 *         O(file size).
 */
int cpn_trace_check(const char *path);

/** Options of cpn_trace_open(). */
struct cpn_trace_options {
    const char *path;            /**< final file name, e.g. "out.h5" (copied) */
    enum cpn_trace_level level;  /**< what to write */
    int force;                   /**< nonzero: overwrite an existing file */
    size_t chunk_records;        /**< records per chunk and append; 0 = CPN_TRACE_CHUNK */
    int deflate;                 /**< zlib level 1..9, 0 = no compression, -1 = default */
    struct cpn_summary *summary; /**< borrowed, may be NULL: receives every record through the
                                      trace's observer, and its table is written to /summary at
                                      end (do not attach it to the models separately) */
    int hdf5_debug;              /**< nonzero: print HDF5's own error stacks (--log=hdf5:debug);
                                      otherwise every failure is one line with its reason */
};

/** The trace writer (opaque). */
struct cpn_trace;

/**
 * Parse a trace level name: "summary", "jobs", "flows" or "full".
 * @return CPN_OK; CPN_EINVAL for an unknown name (the message lists the accepted names).
 */
int cpn_trace_level_parse(const char *name, enum cpn_trace_level *out);

/** Return the name of a level ("?" for an invalid value); a static string. */
const char *cpn_trace_level_name(enum cpn_trace_level level);

/**
 * Create `PATH.partial` and return a writer; the datasets are created by the observer's begin().
 * @param opt options (borrowed during the call).
 * @param out receives the writer (caller frees with cpn_trace_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments, an empty path, an invalid level, deflate
 *         outside -1..9; CPN_EOUTPUT when another writer holds PATH.lock, when PATH exists and
 *         force is 0, when PATH.partial exists and force is 0, or when PATH.lock or
 *         PATH.partial cannot be created (the message names the file and the system's reason:
 *         a missing folder, no permission, a full disk); CPN_ENOMEM.
 */
int cpn_trace_open(const struct cpn_trace_options *opt, struct cpn_trace **out);

/**
 * Fill @p obs with the writer's observer (ctx = @p t).  Callbacks return CPN_OK or:
 * CPN_EIO when HDF5 cannot write (the message names the file; later calls return CPN_EIO too);
 * CPN_ESTATE for a record before begin(), a second begin(), or any call after end();
 * CPN_EINVAL for an invalid record (job kind out of range, duplicate job kind names, a sample
 * whose lengths differ from 2 x links and centers); CPN_ENOMEM; and the summary's codes.
 * Records below the trace level are passed to the summary only.  Appends are buffered
 * (@c chunk_records per HDF5 write): amortised O(1) per record, no allocation per record.
 * end(1) renames PATH.partial to PATH (CPN_EOUTPUT if PATH appeared meanwhile and force is 0).
 * @param t the writer (borrowed; must outlive every use of @p obs).
 * @param obs receives the observer.
 */
void cpn_trace_observer(struct cpn_trace *t, struct cpn_observer *obs);

/**
 * How the run went on this machine (measurements, not results: they differ from run to run,
 * so they are kept out of the summary's rows, which stay bit-identical for the same scenario,
 * seed and program; docs/output-format.md, "Provenance").
 */
struct cpn_run_measures {
    double wall_time;      /**< from the start of the process to the end of the simulation [s] */
    double engine_time;    /**< of it, the simulation itself (the event loop) [s] */
    uint64_t events;       /**< events fired */
    double peak_memory;    /**< peak resident set size of the process [B] (getrusage) */
    double placement_time; /**< of engine_time, choosing centers (cpn_jobs_stats) [s] */
};

/**
 * Keep @p m to write at end() as root attributes `wall_time`, `engine_time`, `events`,
 * `events_per_second` (events / engine_time), `peak_memory` and `placement_time`, with their
 * units.  Call it
 * before the observer's end(); a later call replaces the values.
 */
void cpn_trace_set_measures(struct cpn_trace *t, const struct cpn_run_measures *m);

/** Return where the file is now: PATH.partial until a complete end(), then PATH. */
const char *cpn_trace_path(const struct cpn_trace *t);

/**
 * Free the writer; accepts NULL.  If end() was not called, flushes, writes `complete = 0` and
 * closes the file, leaving PATH.partial (errors are ignored: the caller is already failing).
 */
void cpn_trace_free(struct cpn_trace *t);

/**
 * Compute the SHA-256 (FIPS 180-4, through GNU Nettle) of @p len bytes as 64 lowercase hex digits.
 * @param data bytes (may be NULL when len is 0).
 * @param hex receives 64 digits and a NUL.
 */
void cpn_sha256_hex(const void *data, size_t len, char hex[65]);

struct sha256_ctx; /* (GNU Nettle's, <nettle/sha2.h>) */

/**
 * Finish the SHA-256 @p ctx (GNU Nettle's sha256_digest(), which resets it) as 64 lowercase hex
 * digits: the digest of data fed in pieces, as cpn_sha256_hex() gives that of one buffer.
 * @param hex receives 64 digits and a NUL.
 */
void cpn_sha256_hex_digest(struct sha256_ctx *ctx, char hex[65]);

#endif /* CPN_OUTPUT_TRACE_H */
