/**
 * @file sim/log.h
 * @brief Logging by module with levels; the simulated time is the prefix of every line.
 *
 * A line reads `[  3600.000000 s] flow: debug: component 4 re-solved, 12 classes`.
 * Levels per module are set from a spec such as `flow:debug,engine:info` or just `debug`
 * (all modules), as given to `cpnsim --log=...`.  A disabled call costs one integer compare
 * (CPN_LOG checks the highest enabled level before anything else), so log calls may stay in
 * the event loop.
 *
 * A logger is a plain struct owned by the simulation (no globals).  Module names are free
 * strings chosen by the caller (the module word of STYLE.md: "evq", "engine", "flow", ...).
 */
#ifndef CPN_SIM_LOG_H
#define CPN_SIM_LOG_H

#include <stdio.h>

/** Log levels, from most to least severe. */
enum cpn_log_level {
    CPN_LOG_ERROR = 0,
    CPN_LOG_WARN = 1,
    CPN_LOG_INFO = 2,
    CPN_LOG_DEBUG = 3,
    CPN_LOG_TRACE = 4
};

/** Per-module overrides a logger holds at most. */
#define CPN_LOG_MAX_MODULES 32

/** A logger.  Initialise with cpn_log_init(); fields are read by the CPN_LOG macro. */
struct cpn_log {
    FILE *out;          /**< destination (borrowed); NULL means stderr */
    const double *now;  /**< simulated clock [s] shown in the prefix (borrowed) or NULL */
    int default_level;  /**< level of modules without an override */
    int max_level;      /**< highest level enabled anywhere (fast rejection) */
    unsigned n_modules; /**< number of overrides */
    struct {
        char name[24];
        int level;
    } modules[CPN_LOG_MAX_MODULES]; /**< per-module overrides */
};

/**
 * Initialise a logger at level WARN for every module.
 * @param lg storage to initialise.
 * @param out destination (borrowed) or NULL for stderr.
 * @param now simulated clock [s] to print (borrowed) or NULL for none.
 */
void cpn_log_init(struct cpn_log *lg, FILE *out, const double *now);

/**
 * Apply a spec: comma-separated `LEVEL` or `MODULE:LEVEL` items, LEVEL one of
 * error, warn, info, debug, trace.
 * @param lg the logger.
 * @param spec the spec text (borrowed).
 * @return CPN_OK; CPN_EINVAL when an item has an unknown level or an empty or too long module
 *         name (message says which item and what is accepted); CPN_ERANGE when more than
 *         CPN_LOG_MAX_MODULES modules are named.  On error the logger is unchanged.
 */
int cpn_log_parse(struct cpn_log *lg, const char *spec);

/**
 * Tell whether @p module logs at @p level.
 * @return nonzero when enabled.  O(number of overrides).
 */
int cpn_log_enabled(const struct cpn_log *lg, const char *module, int level);

/** Write one line (prefer the CPN_LOG macro, which checks the level first). */
void cpn_log_write(const struct cpn_log *lg, const char *module, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** Tell cheaply whether a CPN_LOG call would print: NULL logger or level above max_level is no. */
static inline int cpn_log_on(const struct cpn_log *lg, const char *module, int level)
{
    return lg && level <= lg->max_level && cpn_log_enabled(lg, module, level);
}

/** Log @p fmt at @p level for @p module when enabled; @p lg may be NULL (nothing logged). */
#define CPN_LOG(lg, level, module, ...)                                                            \
    do {                                                                                           \
        if (cpn_log_on((lg), (module), (level)))                                                   \
            cpn_log_write((lg), (module), (level), __VA_ARGS__);                                   \
    } while (0)

#endif /* CPN_SIM_LOG_H */
