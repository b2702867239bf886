/**
 * @file models/workload/wlog_reader.h
 * @brief Internal to the workload log readers (workload logs.c, trace_swf.c, trace_csv.c): the
 * state of one read and the per-format line parsers.  Not part of the models/ API; include
 *        models/workload/wlog.h instead.
 */
#ifndef CPN_MODELS_WORKLOAD_WLOG_READER_H
#define CPN_MODELS_WORKLOAD_WLOG_READER_H

#include <stdint.h>

#include <zlib.h>

#include "models/workload/wlog.h"
#include "sim/array.h"

/** The header line of the Philly job CSV (Pollux reduction). */
#define CPN_WLOG_PHILLY_HEADER "timestamp,duration,num_gpus,gpu_time,cluster"
/** The header line of the Alibaba GPU 2023 pod list CSV. */
#define CPN_WLOG_ALIBABA_HEADER                                                                    \
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"            \
    "deletion_time,scheduled_time"
/** The header line of the Azure LLM inference CSV. */
#define CPN_WLOG_AZURE_HEADER "TIMESTAMP,ContextTokens,GeneratedTokens"

/** One read in progress (owned by cpn_wlog_read()). */
struct cpn_wlog_reader {
    gzFile gz;                          /**< the open file (plain or gzip) */
    const char *path;                   /**< file name for messages (borrowed) */
    struct cpn_diag *diag;              /**< located errors (borrowed) */
    const struct cpn_wlog_options *opt; /**< mapping options (borrowed) */
    struct cpn_wlog *t;                 /**< the workload log being filled */
    long line;                          /**< current 1-based line */
    long first_bad;    /**< first malformed line (for the skip warning), 0 if none */
    int header_seen;   /**< CSV: header line read */
    int have_base;     /**< date-time formats: base set */
    long long base;    /**< epoch time of the first date-time record [s] */
    size_t last_group; /**< cache: index of the last group found by name */
    CPN_ARRAY(struct cpn_wlog_job) jobs;         /**< jobs read so far */
    CPN_ARRAY(struct cpn_wlog_request) requests; /**< requests read so far */
    CPN_ARRAY(char *) groups;                    /**< group names (owned) */
    CPN_ARRAY(uint32_t) partition;   /**< SWF partition number -> group index + 1 (0: none) */
    char buf[CPN_WLOG_MAX_LINE + 2]; /**< the current line, line end removed */
    int count_only;    /**< cpn_wlog_scan(): jobs are counted and their times bounded, not kept */
    double tmin, tmax; /**< count_only: the earliest and latest submit time of the records
                            pushed (cancelled records that never ran are not) [s]; INFINITY and
                            -INFINITY before the first */
    /* Column-mapped CSV (wlog_map.c): the column index of each mapped field (-1: none), the
     * cells of the current row (malloc'd by the libcsv callbacks) and their count. */
    int col[8];
    char **cells;
    size_t n_cells, cap_cells;
};

/**
 * Report the current line as malformed (printf-style reason without location) in the diag
 * sink under CPN_WLOG_FAIL, or only count it under CPN_WLOG_SKIP.
 * @return 1, so that parsers can `return cpn_wlog_bad(...)`.
 */
int cpn_wlog_bad(struct cpn_wlog_reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Parse a whole token as a decimal long (strtol); 0 on success, -1 otherwise. */
int cpn_wlog_parse_long(const char *s, long *out);

/** Parse a whole token as a finite double (strtod); 0 on success, -1 otherwise. */
int cpn_wlog_parse_double(const char *s, double *out);

/** Append a job and count it; CPN_OK or CPN_ENOMEM. */
int cpn_wlog_push_job(struct cpn_wlog_reader *r, const struct cpn_wlog_job *j);

/**
 * Line parsers.  The header parser reads one `;` line (CPN_OK or CPN_ENOMEM).  The data-line
 * parsers parse r->buf in place; they return 0 when the line was handled and 1 when it is
 * malformed (already reported); a fatal error (CPN_ENOMEM) is stored in *rc.
 */
int cpn_wlog_swf_header(struct cpn_wlog_reader *r, const char *s);
/** See cpn_wlog_swf_header(). */
int cpn_wlog_swf_line(struct cpn_wlog_reader *r, int *rc);
/** See cpn_wlog_swf_header(). */
int cpn_wlog_philly_line(struct cpn_wlog_reader *r, int *rc);
/** See cpn_wlog_swf_header(). */
int cpn_wlog_alibaba_line(struct cpn_wlog_reader *r, int *rc);
/** See cpn_wlog_swf_header(). */
int cpn_wlog_azure_line(struct cpn_wlog_reader *r, int *rc);

/**
 * One line of a column-mapped CSV (wlog_map.c): the header (maps the named columns; a missing
 * one is an error listing the header) or a data row.
 * @return CPN_OK (a malformed row is reported or counted); CPN_ESCENARIO for a bad header;
 *         CPN_ENOMEM.
 */
int cpn_wlog_mapped_line(struct cpn_wlog_reader *r, const char *line);

/** Give a CSV job its group (by name, added when new; "" for none), line and ordinal, and
 *  append it; CPN_OK or CPN_ENOMEM. */
int cpn_wlog_push_csv_job(struct cpn_wlog_reader *r, struct cpn_wlog_job *j, const char *group);

/** Release what the column-mapped reader keeps in @p r. */
void cpn_wlog_mapped_release(struct cpn_wlog_reader *r);

/**
 * A UTC date-time "YYYY-MM-DD hh:mm:ss[.fff]" ('T' allowed between) made relative to the first
 * one of the file (r->base) [s]; 0, or 1 when malformed (reported with the column's name).
 */
int cpn_wlog_datetime(struct cpn_wlog_reader *r, int col, const char *name, const char *s,
                      double *out);

#endif /* CPN_MODELS_WORKLOAD_WLOG_READER_H */
