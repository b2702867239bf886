/**
 * @file sim/error.h
 * @brief Status codes, the one error funnel, and internal assertions.
 *
 * Every fallible function in cpnsim returns an `int` status: `CPN_OK` (0) or one of the
 * `CPN_E*` codes below; results travel through out-parameters (STYLE.md "Errors").  Each error
 * is raised through CPN_ERROR(), which records the C source location and a message and funnels
 * into cpn_error_at(): one breakpoint there catches every error of the program.
 *
 * The last error message is kept per thread (like errno), so two simulations in two threads do
 * not mix their messages; it is diagnostic text only and never part of a simulation's state.
 */
#ifndef CPN_SIM_ERROR_H
#define CPN_SIM_ERROR_H

#include <stddef.h>
#include <stdint.h>

/** Index meaning "no entity" for every dense uint32_t index (STYLE.md "Names"). */
#define CPN_NONE UINT32_MAX

/** Status codes.  Keep cpn_strerror() and cpn_exit_code() in step when adding one. */
enum cpn_status {
    CPN_OK = 0,          /**< success */
    CPN_EINVAL = 1,      /**< invalid argument from the calling code (a programming error) */
    CPN_ENOMEM = 2,      /**< memory allocation failed */
    CPN_ERANGE = 3,      /**< a value is outside its documented range */
    CPN_ENOENT = 4,      /**< a named entity, handle, file or stream does not exist */
    CPN_ESCENARIO = 5,   /**< the user's scenario or input data is invalid (exit 65) */
    CPN_ENOINPUT = 6,    /**< an input file cannot be opened (exit 66) */
    CPN_EIO = 7,         /**< reading or writing output failed (exit 74) */
    CPN_ESTATE = 8,      /**< the operation is not valid in the object's current state */
    CPN_EUNREACH = 9,    /**< no route exists between two nodes */
    CPN_EPLUGIN = 10,    /**< a policy plug-in cannot be loaded or has the wrong ABI */
    CPN_EINTERRUPT = 11, /**< the run was stopped by a signal or a stop request */
    CPN_EOUTPUT = 12,    /**< an output file cannot be created or already exists (exit 73) */
    CPN_EINTERNAL = 13,  /**< an internal invariant failed (a bug in cpnsim) */
    CPN_EPOLICY = 14,    /**< an external policy process died, hung past its timeout or broke
                              the protocol (docs/policy-protocol.md; exit 70) */
    CPN_NSTATUS          /**< number of status codes (not a code) */
};

/**
 * Return a short English description of a status code.
 * @param code any int; codes outside the enum give "unknown status code".
 * @return a static string; never NULL.
 */
const char *cpn_strerror(int code);

/**
 * Map a status code to a sysexits(3) process exit status.
 * CPN_OK -> 0, CPN_ESCENARIO -> 65 (EX_DATAERR), CPN_ENOINPUT -> 66 (EX_NOINPUT),
 * CPN_EOUTPUT -> 73 (EX_CANTCREAT), CPN_EIO -> 74 (EX_IOERR), CPN_EINTERRUPT -> 130,
 * CPN_EUNREACH -> 65 (an unreachable pair is a scenario defect), CPN_EPLUGIN -> 66,
 * everything else -> 70 (EX_SOFTWARE).
 * @param code a status code.
 * @return the exit status.
 */
int cpn_exit_code(int code);

/**
 * Record an error and return its code: the single funnel of every error in cpnsim.
 * Formats the message (printf-style) into the calling thread's last-error buffer, prefixed
 * by nothing; the C location is kept separately for debugging.
 * @param file C source file (from __FILE__); borrowed, must be a string literal.
 * @param line C source line (from __LINE__).
 * @param code the status code to return (CPN_OK is allowed and clears the message).
 * @param fmt printf format of the message, may be NULL for "no message".
 * @return @p code, so that `return CPN_ERROR(...)` reads naturally.
 */
int cpn_error_at(const char *file, int line, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/**
 * Return the message of the last error raised on this thread ("" when none).
 * @return a pointer into thread-local storage, valid until the next CPN_ERROR on this thread.
 */
const char *cpn_error_message(void);

/**
 * Return the C source location "file:line" of the last error raised on this thread.
 * @return a pointer into thread-local storage, valid until the next CPN_ERROR on this thread.
 */
const char *cpn_error_where(void);

/**
 * Record an error like cpn_error_at() and also copy its message into a caller's buffer: for
 * parsers whose callers print the reason themselves (scenarios/units.h,
 * models/workload/workload.h).
 * @param why buffer of @p whylen bytes receiving the message (may be NULL or 0: not copied).
 * @return @p code.
 */
int cpn_error_why_at(const char *file, int line, int code, char *why, size_t whylen,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/** Raise @p code with a message, also copied into @p why (@p whylen bytes); evaluates to code. */
#define CPN_ERROR_WHY(code, why, whylen, ...)                                                      \
    cpn_error_why_at(__FILE__, __LINE__, (code), (why), (whylen), __VA_ARGS__)

/** Raise @p code with a printf-style message; evaluates to @p code. */
#define CPN_ERROR(code, ...) cpn_error_at(__FILE__, __LINE__, (code), __VA_ARGS__)

/**
 * Report a failed internal invariant on stderr and abort.  Never returns.
 * Use only through CPN_ASSERT, and only for cpnsim's own invariants, never for user input.
 */
void cpn_assert_fail(const char *file, int line, const char *expr)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/** Check an internal invariant (always on: a simulator that is silently wrong is worse than none).
 */
#define CPN_ASSERT(expr) ((expr) ? (void)0 : cpn_assert_fail(__FILE__, __LINE__, #expr))

#endif /* CPN_SIM_ERROR_H */
