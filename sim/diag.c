/* Located user diagnostics (see diag.h). */
#include "sim/diag.h"

void cpn_diag_init(struct cpn_diag *d, FILE *out)
{
    d->out = out;
    d->program = "cpnsim";
    d->errors = 0;
    d->warnings = 0;
    d->max_errors = CPN_DIAG_MAX_ERRORS;
    d->quiet_warnings = 0;
}

static void emit(struct cpn_diag *d, const char *kind, const char *file, long line, const char *fmt,
                 va_list ap)
{
    FILE *out = d->out ? d->out : stderr;
    fprintf(out, "%s: ", d->program ? d->program : "cpnsim");
    if (file && line > 0)
        fprintf(out, "%s:%ld: ", file, line);
    else if (file)
        fprintf(out, "%s: ", file);
    if (kind)
        fprintf(out, "%s: ", kind);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
}

void cpn_diag_verror(struct cpn_diag *d, const char *file, long line, const char *fmt, va_list ap)
{
    d->errors++;
    if (d->errors <= d->max_errors)
        emit(d, NULL, file, line, fmt, ap);
}

void cpn_diag_error(struct cpn_diag *d, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cpn_diag_verror(d, file, line, fmt, ap);
    va_end(ap);
}

void cpn_diag_warning(struct cpn_diag *d, const char *file, long line, const char *fmt, ...)
{
    d->warnings++;
    if (d->quiet_warnings)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "warning", file, line, fmt, ap);
    va_end(ap);
}

void cpn_diag_flush(struct cpn_diag *d)
{
    if (d->errors > d->max_errors) {
        FILE *out = d->out ? d->out : stderr;
        fprintf(out, "%s: %u more errors not shown\n", d->program ? d->program : "cpnsim",
                d->errors - d->max_errors);
        d->max_errors = d->errors; /* print the line once */
    }
}
