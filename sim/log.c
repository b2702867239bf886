/* Per-module logging with the simulated time in the prefix (see log.h). */
#include "sim/log.h"

#include <stdarg.h>
#include <string.h>

#include "sim/error.h"

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
#define N_LEVELS (int)(sizeof level_names / sizeof level_names[0])

void cpn_log_init(struct cpn_log *lg, FILE *out, const double *now)
{
    memset(lg, 0, sizeof *lg);
    lg->out = out;
    lg->now = now;
    lg->default_level = CPN_LOG_WARN;
    lg->max_level = CPN_LOG_WARN;
}

static int level_from(const char *s, size_t n)
{
    for (int i = 0; i < N_LEVELS; i++)
        if (strlen(level_names[i]) == n && strncmp(level_names[i], s, n) == 0)
            return i;
    return -1;
}

static void recompute_max(struct cpn_log *lg)
{
    lg->max_level = lg->default_level;
    for (unsigned i = 0; i < lg->n_modules; i++)
        if (lg->modules[i].level > lg->max_level)
            lg->max_level = lg->modules[i].level;
}

int cpn_log_parse(struct cpn_log *lg, const char *spec)
{
    struct cpn_log next = *lg;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        if (!colon) {
            int lv = level_from(p, n);
            if (lv < 0)
                return CPN_ERROR(CPN_EINVAL,
                                 "log level \"%.*s\" is unknown (use error, warn, info, debug or "
                                 "trace, optionally as MODULE:LEVEL)",
                                 (int)n, p);
            next.default_level = lv;
        } else {
            size_t mn = (size_t)(colon - p);
            int lv = level_from(colon + 1, n - mn - 1);
            if (mn == 0 || mn >= sizeof next.modules[0].name)
                return CPN_ERROR(CPN_EINVAL,
                                 "log item \"%.*s\": module name must be 1 to %zu "
                                 "characters",
                                 (int)n, p, sizeof next.modules[0].name - 1);
            if (lv < 0)
                return CPN_ERROR(CPN_EINVAL,
                                 "log item \"%.*s\": level is unknown (use error, warn, info, "
                                 "debug or trace)",
                                 (int)n, p);
            unsigned i;
            for (i = 0; i < next.n_modules; i++)
                if (strlen(next.modules[i].name) == mn && strncmp(next.modules[i].name, p, mn) == 0)
                    break;
            if (i == next.n_modules) {
                if (next.n_modules == CPN_LOG_MAX_MODULES)
                    return CPN_ERROR(CPN_ERANGE, "more than %d modules in a log spec",
                                     CPN_LOG_MAX_MODULES);
                memcpy(next.modules[i].name, p, mn);
                next.modules[i].name[mn] = '\0';
                next.n_modules++;
            }
            next.modules[i].level = lv;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    recompute_max(&next);
    *lg = next;
    return CPN_OK;
}

int cpn_log_enabled(const struct cpn_log *lg, const char *module, int level)
{
    for (unsigned i = 0; i < lg->n_modules; i++)
        if (strcmp(lg->modules[i].name, module) == 0)
            return level <= lg->modules[i].level;
    return level <= lg->default_level;
}

void cpn_log_write(const struct cpn_log *lg, const char *module, int level, const char *fmt, ...)
{
    FILE *out = lg->out ? lg->out : stderr;
    if (lg->now)
        fprintf(out, "[%14.6f s] ", *lg->now);
    fprintf(out, "%s: %s: ", module, (level >= 0 && level < N_LEVELS) ? level_names[level] : "?");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}
