/* Status codes and the single error funnel (see error.h). */
#include "sim/error.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#define CPN_ERROR_MESSAGE_MAX 1024

static _Thread_local char last_message[CPN_ERROR_MESSAGE_MAX];
static _Thread_local char last_where[256];

static const char *const status_text[CPN_NSTATUS] = {
    [CPN_OK] = "success",
    [CPN_EINVAL] = "invalid argument",
    [CPN_ENOMEM] = "out of memory",
    [CPN_ERANGE] = "value out of range",
    [CPN_ENOENT] = "no such entity",
    [CPN_ESCENARIO] = "invalid scenario or input data",
    [CPN_ENOINPUT] = "cannot open input",
    [CPN_EIO] = "input/output error",
    [CPN_ESTATE] = "operation not valid in the current state",
    [CPN_EUNREACH] = "destination unreachable",
    [CPN_EPLUGIN] = "plug-in error",
    [CPN_EINTERRUPT] = "interrupted",
    [CPN_EOUTPUT] = "cannot create output",
    [CPN_EINTERNAL] = "internal error",
    [CPN_EPOLICY] = "external policy process failed",
};

const char *cpn_strerror(int code)
{
    if (code < 0 || code >= CPN_NSTATUS)
        return "unknown status code";
    return status_text[code];
}

int cpn_exit_code(int code)
{
    switch (code) {
    case CPN_OK:
        return 0;
    case CPN_ESCENARIO:
    case CPN_EUNREACH:
        return EX_DATAERR;
    case CPN_ENOINPUT:
    case CPN_EPLUGIN:
        return EX_NOINPUT;
    case CPN_EOUTPUT:
        return EX_CANTCREAT;
    case CPN_EIO:
        return EX_IOERR;
    case CPN_EINTERRUPT:
        return 128 + SIGINT; /* the shell's status for a SIGINT death */
    default:
        return EX_SOFTWARE;
    }
}

int cpn_error_at(const char *file, int line, int code, const char *fmt, ...)
{
    snprintf(last_where, sizeof last_where, "%s:%d", file ? file : "?", line);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(last_message, sizeof last_message, fmt, ap);
        va_end(ap);
    } else {
        snprintf(last_message, sizeof last_message, "%s", code == CPN_OK ? "" : cpn_strerror(code));
    }
    return code;
}

int cpn_error_why_at(const char *file, int line, int code, char *why, size_t whylen,
                     const char *fmt, ...)
{
    char msg[CPN_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (why && whylen)
        snprintf(why, whylen, "%s", msg);
    return cpn_error_at(file, line, code, "%s", msg);
}

const char *cpn_error_message(void)
{
    return last_message;
}

const char *cpn_error_where(void)
{
    return last_where;
}

void cpn_assert_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "cpnsim: internal error: %s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}
