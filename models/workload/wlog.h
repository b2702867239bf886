/**
 * @file models/workload/wlog.h
 * @brief Readers of workload logs (SWF, Philly CSV, Alibaba GPU 2023 pods, Azure LLM
 *        inference) into arrays of plain records, and the mapping of records to origins.
 *
 * Formats and field rules (docs/models-workload.md has the long form; the field lists are in
 * shared/reference/traces.md):
 *
 * - **SWF** (Standard Workload Format v2.2, Parallel Workloads Archive,
 *   www.cs.huji.ac.il/labs/parallel/workload/swf.html): 18 whitespace-separated numeric fields,
 *   `;` header lines (`MaxProcs`, `UnixStartTime`, `Partition: N name` are kept).  `.swf` and
 *   `.swf.gz` are read by one code path (zlib gzopen/gzgets read plain files transparently).
 *   Job kind "batch".  submit = field 2; runtime = field 4; walltime estimate = field 9;
 *   units = field 8 (requested processors) when > 0, else field 5 (allocated processors)
 *   (Assumption: the request is what a scheduler sees when the job is submitted; many PWA logs
 *   leave field 8 at -1, and allocated may exceed requested through node rounding, swf.html
 *   fields 5 and 8; CloudSim Plus reads the same two fields); memory = field 10 (requested KB per
 * processor) when > 0 else field 7 (used KB per processor), times units, times 1024 B (Assumption:
 * the PWA "KB" is the kibibyte); status = field 11; group = field 16 (partition), named from the
 * header's `Partition:` lines or by its number.  -1 means unknown: runtime, walltime and memory
 * become NAN, status CPN_WLOG_UNKNOWN, group CPN_NONE; a job whose submit time or both processor
 * fields are unknown is malformed.  Every one of the 18 fields must be a number (integers for the
 *   count/id fields 1, 5, 8, 11-17).
 * - **Philly** (`timestamp,duration,num_gpus,gpu_time,cluster`; the Pollux reduction of the
 *   Microsoft Philly workload log, Jeon et al., ATC'19; Qiao et al., OSDI'21): kind "training";
 *   submit = timestamp (UTC date-time "YYYY-MM-DD hh:mm:ss"), runtime = duration [s],
 *   units = num_gpus, group = cluster (virtual-cluster hash); status unknown.
 * - **Alibaba** GPU 2023 `openb_pod_list_*.csv` (Weng et al., ATC'23): kind "training";
 *   submit = creation_time [s], runtime = deletion_time - scheduled_time when both are given,
 *   else NAN; units = num_gpu (0 for CPU-only pods), unit_share = gpu_milli / 1000,
 *   cpus = cpu_milli / 1000, memory = memory_mib x 2^20 B, group = qos class (LS, BE, ...),
 *   status from pod_phase (Succeeded, Failed, Running, Pending).  gpu_spec is not kept.
 * - **Azure** LLM inference (`TIMESTAMP,ContextTokens,GeneratedTokens`, Azure Public Dataset
 *   2023): requests, kind "inference"; time = TIMESTAMP (date-time with fractional seconds);
 *   FLOP = 2 x parameters x (context + generated tokens): the forward pass costs about 2N FLOP
 *   per token for N non-embedding parameters (Kaplan et al., "Scaling Laws for Neural Language
 *   Models", arXiv:2001.08361, 2020, §2.1, Table 1).  Approximation: ignores the attention
 *   term 2 n_layer n_ctx d_attn, small against 2N for contexts much shorter than 12 d_model.
 *
 * Times ("time bases"): workload log time 0 is the earliest well-formed record of the file, in
 * every format, so a replay covers the log's own span (a cleaned SWF log whose first job comes a
 * year after its header's start does not replay a year of nothing).  cpn_wlog.unix_start is the
 * epoch time of log time 0: SWF UnixStartTime (when given and not 0) plus the first submit time,
 * or the first submit time itself when the submit times are epoch seconds (no UnixStartTime or
 * 0, first submit >= CPN_WLOG_EPOCH_FLOOR: the ALCF Theta conversions); the first date-time of
 * Philly and Azure (read as UTC); unknown (NaN) for Alibaba and relative SWF logs without a
 * start.  Then the mapping options apply: a window given as dates (t0_date, t1_date) is made
 * log time through unix_start; records with t0 <= time < t1 are kept and moved to
 * offset + time_scale x (time - t0);
 * filters (units, completed only) and max_records follow; records are sorted by time (ties by
 * source line), so the result is ready to be replayed in order.
 *
 * Errors: a malformed data line is a located error reported through a struct cpn_diag, e.g.
 * `cpnsim: LCG.swf:12: field 5 "procs": "x1" is not an integer (use a whole number or -1 for
 * unknown)`.  All malformed lines of a file are reported (then CPN_ESCENARIO is returned),
 * unless on_error is CPN_WLOG_SKIP: then malformed lines are dropped, counted in the stats,
 * and one warning gives the count.  Blank lines are ignored everywhere.  A wrong CSV header is
 * always an error.
 *
 * Names: this module's prefix is `cpn_wlog_` (for "workload log"), distinct from the
 * HDF5 output writer's `cpn_trace_` (output/trace.h); both can be included together.
 *
 * Streamed job logs: cpn_wlog_scan() reads a log without keeping its records, and a
 * cpn_wlog_stream gives them during the run, one line in memory (docs/models-workload.md §3.6).
 *
 * Speed: one fixed line buffer, fields parsed in place with strtol/strtod (C locale: cpnsim
 * never sets LC_NUMERIC), no allocation per line but the amortised growth of the record array.
 */
#ifndef CPN_MODELS_WORKLOAD_WLOG_H
#define CPN_MODELS_WORKLOAD_WLOG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/diag.h"

/** Longest accepted line of a workload log file [characters, newline excluded]. */
#define CPN_WLOG_MAX_LINE 4095

/** Largest accepted SWF partition number (partitions index a table). */
#define CPN_WLOG_MAX_PARTITION 1000000

/** Workload log file formats. */
enum cpn_wlog_format {
    CPN_WLOG_SWF,     /**< Standard Workload Format, plain or gzip */
    CPN_WLOG_PHILLY,  /**< Philly job CSV (Pollux reduction) */
    CPN_WLOG_ALIBABA, /**< Alibaba GPU 2023 openb pod list CSV */
    CPN_WLOG_AZURE,   /**< Azure LLM inference CSV (requests) */
    CPN_WLOG_CSV,     /**< any CSV of jobs, its columns named by cpn_wlog_options.columns */
    CPN_WLOG_NFORMATS /**< number of formats (not a format) */
};

/** How the time columns of a column-mapped CSV are written. */
enum cpn_wlog_time_format {
    CPN_WLOG_TIME_DATETIME, /**< UTC "YYYY-MM-DD hh:mm:ss[.fff]" (or 'T' between) */
    CPN_WLOG_TIME_EPOCH,    /**< seconds since 1970-01-01 UTC (a number) */
    CPN_WLOG_TIME_SECONDS   /**< seconds from some origin of the log's own (a number) */
};

/**
 * The columns of a column-mapped CSV (format CPN_WLOG_CSV): each field is the header name of
 * the column that gives it, or NULL when the log has none.  Rules: submit is required; the run
 * time is the duration column when given, else end - start (both needed); units default to 1;
 * status values are matched against the comma-separated lists completed, failed and cancelled
 * (case-sensitive; anything else is "other"; no status column: unknown).  An empty cell is
 * unknown (a run time unknown is skipped at replay and counted).  Fields are split by libcsv
 * (quotes allowed; a quoted field may not span lines).
 */
struct cpn_wlog_columns {
    const char *submit, *start, *end, *duration; /**< time columns (duration in seconds) */
    const char *units;                           /**< count of the job's units (GPUs, cores) */
    const char *group;                           /**< queue, virtual cluster, partition */
    const char *status;                          /**< job state */
    const char *completed, *failed, *cancelled;  /**< status values, comma-separated */
    enum cpn_wlog_time_format time_format;       /**< how submit, start and end are written */
};

/** Job status as the workload log records it. */
enum cpn_wlog_status {
    CPN_WLOG_UNKNOWN,   /**< not recorded (-1 in SWF; all Philly jobs) */
    CPN_WLOG_COMPLETED, /**< SWF 1; Alibaba Succeeded */
    CPN_WLOG_FAILED,    /**< SWF 0; Alibaba Failed */
    CPN_WLOG_CANCELLED, /**< SWF 5 */
    CPN_WLOG_RUNNING,   /**< Alibaba Running (still running when the workload log was cut) */
    CPN_WLOG_PENDING,   /**< Alibaba Pending (never scheduled) */
    CPN_WLOG_OTHER      /**< any other SWF code (2, 3, 4: checkpointing) */
};

/** What to do with a malformed data line. */
enum cpn_wlog_on_error {
    CPN_WLOG_FAIL, /**< report every malformed line as an error; the read fails */
    CPN_WLOG_SKIP  /**< drop malformed lines; one warning with the count */
};

/** One job of a batch or training workload log (plain data). */
struct cpn_wlog_job {
    double submit;     /**< submit time [s], after the mapping options */
    double runtime;    /**< actual run time [s], or NAN when unknown */
    double walltime;   /**< requested (estimated) run time [s], or NAN when unknown */
    double memory;     /**< memory of the whole job [B], or NAN when unknown */
    double cpus;       /**< CPU cores (Alibaba cpu_milli / 1000) [cores], or NAN */
    double unit_share; /**< fraction of each unit used (Alibaba gpu_milli / 1000), else 1 */
    uint32_t units;    /**< processors (SWF) or GPUs (Philly, Alibaba) [count] */
    uint32_t group;    /**< partition / cluster / qos: index into cpn_wlog.groups, or CPN_NONE */
    uint32_t line;     /**< 1-based source line in the file */
    uint32_t id;       /**< SWF job number; otherwise the record's ordinal in the file (1-based) */
    enum cpn_wlog_status status; /**< as recorded */
};

/** One inference request (plain data). */
struct cpn_wlog_request {
    double time;             /**< arrival time [s], after the mapping options */
    double flop;             /**< work: 2 x parameters x (context + generated) [FLOP], NAN when the
                                  model size was not given */
    uint32_t context_tokens; /**< prompt length [tokens] */
    uint32_t generated_tokens; /**< output length [tokens] */
    uint32_t line;             /**< 1-based source line in the file */
};

/** Counts of one read. */
struct cpn_wlog_stats {
    size_t lines;       /**< lines read, headers and blank lines included */
    size_t records;     /**< well-formed data records */
    size_t malformed;   /**< malformed data lines (skipped under CPN_WLOG_SKIP) */
    size_t filtered;    /**< well-formed records dropped by the filters (min/max units,
                             completed-only) */
    size_t outside;     /**< well-formed records outside the window, or beyond max_records */
    size_t cancelled;   /**< SWF: records of jobs cancelled before they ran (status 5 with no
                             processor count or no positive run time), skipped and counted */
    size_t kept;        /**< records returned */
    double span;        /**< time from the first to the last well-formed record, before the
                             window [s] (log time: the first record is at 0) */
    int dates_unplaced; /**< 1 when the window was given as dates (t0_date, t1_date) but the
                             log's start is unknown (unix_start NaN): nothing is kept, and the
                             caller says why */
};

/** Mapping options (the scenario gives them).  Start from cpn_wlog_options_default(). */
struct cpn_wlog_options {
    double t0;          /**< window start [s] in workload log time (inclusive); default 0 */
    double t1;          /**< window end [s] in workload log time (exclusive); default +INFINITY */
    double offset;      /**< simulated time of workload log time t0 [s]; default 0 */
    double time_scale;  /**< factor on times relative to t0 (0.5 doubles the arrival rate;
                             run times are not scaled), > 0; default 1 */
    uint32_t min_units; /**< drop jobs with fewer units; default 0 */
    uint32_t max_units; /**< drop jobs with more units; default UINT32_MAX */
    int completed_only; /**< nonzero: drop jobs whose status is known and not COMPLETED */
    size_t max_records; /**< keep at most this many (the earliest); 0 = no limit */
    enum cpn_wlog_on_error on_error; /**< default CPN_WLOG_FAIL */
    double parameters; /**< Azure: model parameters N [count] for FLOP = 2N tokens; NAN or 0
                            leaves flop NAN; default NAN */
    double t0_date;    /**< window start as an epoch time [s since 1970-01-01 UTC], replacing
                            t0 when not NaN (needs the log's start: cpn_wlog.unix_start);
                            default NaN */
    double t1_date;    /**< window end likewise, replacing t1; default NaN */
    const struct cpn_wlog_columns *columns; /**< the column map of format CPN_WLOG_CSV (needed
                                                 there, borrowed); default NULL */
    int no_copy; /**< cpn_wlog_scan(): make no checked copy of the kept jobs (a check alone);
                      default 0 */
};

/** Submit times of an SWF log without UnixStartTime (or with 0) whose first job is at or after
 *  this many seconds are taken as epoch seconds (1e8 s: 1973-03-03; no log spans three years
 *  before its first job). */
#define CPN_WLOG_EPOCH_FLOOR 1e8

/** A read workload log.  Fields are read-only for users; free with cpn_wlog_free(). */
struct cpn_wlog {
    enum cpn_wlog_format format; /**< format read */
    const char *kind; /**< default job kind of the format: "batch", "training", "inference" */
    struct cpn_wlog_job *jobs;         /**< njobs jobs sorted by submit (owned) */
    size_t njobs;                      /**< number of jobs */
    struct cpn_wlog_request *requests; /**< nrequests requests sorted by time (owned) */
    size_t nrequests;                  /**< number of requests */
    char **groups;               /**< ngroups group names (partitions, clusters, qos) (owned) */
    size_t ngroups;              /**< number of group names */
    double unix_start;           /**< epoch time of log time 0 [s since 1970-01-01 UTC] (see "Times"
                                      above); NAN when unknown */
    long max_procs;              /**< SWF MaxProcs header [count], or -1 */
    struct cpn_wlog_stats stats; /**< counts of the read */
    double time_origin;          /**< the raw time of log time 0 (the earliest well-formed
                                      record as read) [s] (for cpn_wlog_stream_open()) */
    double window_t0, window_t1; /**< the window applied, in log time (dates resolved) [s] */
    int file_order;              /**< 1 when the kept job records were already in time order in
                                      the file (ties by line): the log can be streamed */
    int scanned;                 /**< 1 from cpn_wlog_scan(): jobs is NULL, njobs counted */
    int copy_fd;  /**< cpn_wlog_scan() of a log in file order: the checked copy of its kept jobs
                       (njobs struct cpn_wlog_job records, in order, in an unlinked temporary
                       file: sim/tempfile.h), which cpn_wlog_stream_open() reads instead of the
                       log; -1 when there is none (owned) */
    int copy_err; /**< the errno that kept cpn_wlog_scan() from making the copy, else 0 */
    double first_submit, last_submit; /**< submit times of the first and last kept job [s]
                                           (0 without jobs) */
    size_t cpu_only; /**< kept jobs that ask no unit but CPU cores (units 0, cpus > 0) */
    /* cpn_wlog_scan() only (NULL / 0 after cpn_wlog_read()): what the loader checks per record,
     * summarised since the records are not kept. */
    struct cpn_wlog_units *units; /**< the distinct unit counts of the kept jobs (0 read as 1),
                                       ascending, nunits of them (owned) */
    size_t nunits;                /**< length of @ref units */
    uint32_t *group_first;        /**< per group: line of its first kept job, 0 when none
                                       (owned; ngroups entries) */
    uint32_t nogroup_first;       /**< line of the first kept job without a group, 0 when none */
};

/** How many kept jobs ask for one unit count, and where the first is (cpn_wlog_scan()). */
struct cpn_wlog_units {
    uint32_t units;      /**< units asked (0 counted as 1) [count] */
    uint32_t first_line; /**< line of the first such job */
    size_t count;        /**< jobs that ask for it */
};

/**
 * Fill @p o with the defaults listed in struct cpn_wlog_options.
 * @param o options to initialise (caller storage).
 */
void cpn_wlog_options_default(struct cpn_wlog_options *o);

/**
 * Look up a format by its scenario name: "swf", "philly", "alibaba", "azure", "csv".
 * @return CPN_OK; CPN_EINVAL for NULL pointers; CPN_ENOENT for an unknown name (the message
 *         lists the names).
 */
int cpn_wlog_format_parse(const char *name, enum cpn_wlog_format *out);

/** Return the scenario name of a format ("swf", ...), or "?" when out of range. */
const char *cpn_wlog_format_name(enum cpn_wlog_format f);

/** Return the job kind a format's records are by default (cpn_wlog.kind of a log read in it):
 *  "batch" (SWF, column-mapped CSV), "training" (Philly, Alibaba), "inference" (Azure); "batch"
 *  when out of range. */
const char *cpn_wlog_format_kind(enum cpn_wlog_format f);

/**
 * Read a whole workload log file.
 * @param path file to read (plain or gzip-compressed, any format) (borrowed).
 * @param format its format.
 * @param opt mapping options (borrowed), or NULL for the defaults.
 * @param diag sink for located errors and the skip warning (borrowed); messages name @p path.
 * @param out receives the workload log (caller frees with cpn_wlog_free()); NULL on failure.
 * @return CPN_OK; CPN_EINVAL for NULL pointers, a format out of range or invalid options
 *         (t1 <= t0, time_scale <= 0 or not finite, min_units > max_units);
 *         CPN_ENOINPUT when the file cannot be opened (one error in @p diag);
 *         CPN_ESCENARIO for a wrong or missing CSV header, a gzip stream error (e.g. a
 *         truncated file), or any malformed line (including one longer than
 *         CPN_WLOG_MAX_LINE) under CPN_WLOG_FAIL (each reported in @p diag);
 *         CPN_ENOMEM when memory runs out.
 *         O(n log n) for n records (the sort), one pass over the file.
 */
int cpn_wlog_read(const char *path, enum cpn_wlog_format format, const struct cpn_wlog_options *opt,
                  struct cpn_diag *diag, struct cpn_wlog **out);

/** Free a workload log and everything it owns; accepts NULL. */
void cpn_wlog_free(struct cpn_wlog *t);

/**
 * Read a job workload log without keeping its records: the same checks, messages, counts and
 * mapping as cpn_wlog_read() (njobs is the number it would keep), for a replay by
 * cpn_wlog_stream_open().  The file is read twice (the time base first, then the kept records
 * with the window and filters; memory: one line and a summary per group and unit count).  The
 * kept records go to a checked copy (copy_fd; 72 B a job in a temporary file of
 * sim/tempfile.h); when it cannot be made or written, copy_fd is -1 and copy_err says why (no
 * error: the stream then reads the file again).
 * @return as cpn_wlog_read(); CPN_EINVAL also for a request log (format azure: read it whole).
 *         On CPN_OK, (*out)->file_order is 0 when the kept records are not in time order in
 *         the file: then the log cannot be streamed (read it with cpn_wlog_read()), and its
 *         counts are not all known.
 */
int cpn_wlog_scan(const char *path, enum cpn_wlog_format format, const struct cpn_wlog_options *opt,
                  struct cpn_diag *diag, struct cpn_wlog **out);

/**
 * A job workload log replayed during the run, record by record (docs/models-workload.md,
 * "Streamed workload logs"): the same records, in the same order, as cpn_wlog_read() kept, read
 * from the log's checked copy (cpn_wlog_scan()'s copy_fd), else from the file again with
 * memory for one line at a time.  The file must be one cpn_wlog_read() or cpn_wlog_scan() read
 * with the same options into a log whose kept records were in file order (file_order).
 */
struct cpn_wlog_stream;

/**
 * Open @p path for a replay of @p log (read from it by cpn_wlog_read() with @p opt).
 * @param log the loaded log (borrowed; outlives the stream): its time base, window and counts.
 * @param opt the options of that read (borrowed, with its columns; outlive the stream).
 * @param diag sink for the located errors of rows that changed since the load (borrowed).
 * @return CPN_OK; CPN_EINVAL for NULL pointers, a request log, or a log not in file order;
 *         CPN_ENOINPUT when the file cannot be opened any more; CPN_ENOMEM.
 */
int cpn_wlog_stream_open(const char *path, const struct cpn_wlog *log,
                         const struct cpn_wlog_options *opt, struct cpn_diag *diag,
                         struct cpn_wlog_stream **out);

/**
 * The next job record (mapped as cpn_wlog_read() maps it) into @p rec; *more = 0 after the
 * last.
 * @return CPN_OK; CPN_ESCENARIO when (read from the file, without a copy) the file changed since
 *         it was loaded: a malformed line, a record out of time order, or more or fewer records
 *         than the load kept (reported in the stream's diag at the line); CPN_EIO when the
 *         checked copy cannot be read back (a failed read, or it ends early: the message says
 *         which); CPN_ENOMEM.  After an error the stream gives nothing.
 */
int cpn_wlog_stream_next(struct cpn_wlog_stream *s, struct cpn_wlog_job *rec, int *more);

/** Close a stream; accepts NULL. */
void cpn_wlog_stream_free(struct cpn_wlog_stream *s);

/** Rules mapping workload log records to origins (the node or site a job comes from). */
enum cpn_wlog_origin_rule {
    CPN_WLOG_BY_GROUP,    /**< origin = group_origin[record's group] (partition/cluster) */
    CPN_WLOG_ROUND_ROBIN, /**< record i gets origin i mod norigins */
    CPN_WLOG_WEIGHTED     /**< independent draws with probabilities weights / sum */
};

/** How to map records to origins. */
struct cpn_wlog_origin_map {
    enum cpn_wlog_origin_rule rule; /**< the rule */
    uint32_t norigins;              /**< number of origins (> 0) */
    const uint32_t *group_origin;   /**< BY_GROUP: origin of each group, length ngroups; an entry
                                         CPN_NONE means "use default_origin" (borrowed) */
    size_t ngroups;                 /**< BY_GROUP: length of group_origin */
    uint32_t default_origin;        /**< BY_GROUP: origin of unmapped groups and of records
                                         without group; CPN_NONE makes them an error */
    const double *weights;          /**< WEIGHTED: norigins weights >= 0, sum > 0 (borrowed) */
};

/**
 * Assign an origin index to each of @p n records.
 * @param jobs the records (borrowed); may be NULL unless the rule is BY_GROUP (requests have no
 *        group: use ROUND_ROBIN or WEIGHTED with jobs NULL).
 * @param n number of records.
 * @param map the rule and its tables (borrowed).
 * @param rng generator for WEIGHTED (a named stream; n draws through gsl_ran_discrete);
 *        unused otherwise, may be NULL.
 * @param origins receives n origin indices, each < map->norigins (caller storage).
 * @return CPN_OK; CPN_EINVAL for NULL pointers that the rule needs, norigins 0, an unknown
 *         rule; CPN_ERANGE for an origin index >= norigins in group_origin/default_origin or
 *         invalid weights; CPN_ENOENT when a record's group has no origin and default_origin
 *         is CPN_NONE (the message names the group index and the record's line);
 *         CPN_ENOMEM when the alias table cannot be built.  O(n + norigins).
 */
int cpn_wlog_assign_origins(const struct cpn_wlog_job *jobs, size_t n,
                            const struct cpn_wlog_origin_map *map, gsl_rng *rng, uint32_t *origins);

/**
 * The origin of one record as cpn_wlog_assign_origins() gives it, for a replay that assigns
 * them one at a time in record order (a streamed log): the same rule, the same draws.
 * @param map a map cpn_wlog_assign_origins() accepted (borrowed).
 * @param job the record (BY_GROUP: its group).
 * @param i the record's index among the kept ones (ROUND_ROBIN).
 * @param rng, table WEIGHTED: the generator and gsl_ran_discrete_preproc(map->norigins,
 *        map->weights) (borrowed); one draw per call.  Unused otherwise (may be NULL).
 * @return the origin index (< map->norigins), or CPN_NONE when the record's group has no origin
 *         and there is no default.
 */
uint32_t cpn_wlog_origin_of(const struct cpn_wlog_origin_map *map, const struct cpn_wlog_job *job,
                            size_t i, gsl_rng *rng, const gsl_ran_discrete_t *table);

#endif /* CPN_MODELS_WORKLOAD_WLOG_H */
