/*
 * Shared by the libFuzzer targets of job workload logs: the differential check of a streamed
 * log against the same log read whole.
 */
#ifndef CPN_TESTS_FUZZ_FUZZ_WLOG_H
#define CPN_TESTS_FUZZ_FUZZ_WLOG_H

#include <math.h>
#include <stdlib.h>

#include "models/workload/wlog.h"
#include "sim/diag.h"
#include "sim/error.h"

/* Equal values, NaN equal to NaN. */
static inline int cpn_fuzz_same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/*
 * Scan @p path (cpn_wlog_scan(), as a streamed <trace> is loaded) and, when the log is in file
 * order, replay it (cpn_wlog_stream_*, from its checked copy); abort unless they agree with
 * cpn_wlog_read()'s result @p rc and log @p a of the same file and options: the scan accepts
 * what the read accepts, and the stream gives the read's jobs, record by record (an abort is a
 * fuzzing failure).
 */
static inline void cpn_fuzz_stream_equals_read(const char *path, enum cpn_wlog_format format,
                                               const struct cpn_wlog_options *opt,
                                               struct cpn_diag *diag, int rc,
                                               const struct cpn_wlog *a)
{
    struct cpn_wlog *b = NULL;
    int rb = cpn_wlog_scan(path, format, opt, diag, &b);
    if ((rb == CPN_OK) != (rc == CPN_OK))
        abort();
    if (rb == CPN_OK && b->file_order) {
        if (!a->file_order || b->njobs != a->njobs)
            abort();
        struct cpn_wlog_stream *st = NULL;
        if (cpn_wlog_stream_open(path, b, opt, diag, &st) != CPN_OK)
            abort();
        struct cpn_wlog_job j;
        size_t n = 0;
        int more = 1;
        while ((rb = cpn_wlog_stream_next(st, &j, &more)) == CPN_OK && more) {
            const struct cpn_wlog_job *r = n < a->njobs ? &a->jobs[n++] : NULL;
            if (!r || j.line != r->line || j.units != r->units || j.group != r->group ||
                j.id != r->id || j.status != r->status || !cpn_fuzz_same(j.submit, r->submit) ||
                !cpn_fuzz_same(j.runtime, r->runtime) || !cpn_fuzz_same(j.walltime, r->walltime))
                abort();
        }
        if (rb != CPN_OK || n != a->njobs)
            abort();
        cpn_wlog_stream_free(st);
    }
    cpn_wlog_free(b);
}

#endif /* CPN_TESTS_FUZZ_FUZZ_WLOG_H */
