/**
 * @file sim/diag.h
 * @brief Located diagnostics for the user's input: `cpnsim: FILE:LINE: message`.
 *
 * A diagnostic sink counts errors and warnings and prints each as one GNU-style line
 * (`cpnsim: national.xml:42: link "sh-nx": capacity "-1Gbps" is negative (use a positive rate
 * such as "100Gbps")`).  Input readers report every error they find into one sink, so the user
 * sees all the mistakes of a file at once; after `max_errors` errors further ones are counted
 * but not printed, and one line says how many were suppressed.
 *
 * A sink is a plain struct embedded by its owner (`_init`/`_release`); it never exits.
 */
#ifndef CPN_SIM_DIAG_H
#define CPN_SIM_DIAG_H

#include <stdarg.h>
#include <stdio.h>

/** Default number of errors printed before the rest are only counted. */
#define CPN_DIAG_MAX_ERRORS 50

/** A diagnostic sink.  Fields are read-only for users except through the functions below. */
struct cpn_diag {
    FILE *out;           /**< where lines go (borrowed; stderr by default) */
    const char *program; /**< prefix, "cpnsim" by default (borrowed) */
    unsigned errors;     /**< errors reported so far */
    unsigned warnings;   /**< warnings reported so far */
    unsigned max_errors; /**< errors printed at most; later ones are counted only */
    int quiet_warnings;  /**< nonzero: count warnings but do not print them */
};

/**
 * Initialise a sink writing to @p out (NULL means stderr), counting from zero.
 * @param d the sink to initialise (caller-owned storage).
 * @param out destination stream (borrowed; must outlive the sink) or NULL for stderr.
 */
void cpn_diag_init(struct cpn_diag *d, FILE *out);

/**
 * Report a located error: prints `PROGRAM: FILE:LINE: MESSAGE` and counts it.
 * @param d the sink.
 * @param file the user's file name as the user gave it (borrowed); NULL prints no location.
 * @param line 1-based line in @p file; 0 prints only the file name.
 * @param fmt printf-style message: name the entity, the bad value and what would be accepted.
 */
void cpn_diag_error(struct cpn_diag *d, const char *file, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** Like cpn_diag_error() but for a warning: prints `PROGRAM: FILE:LINE: warning: MESSAGE`. */
void cpn_diag_warning(struct cpn_diag *d, const char *file, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** va_list form of cpn_diag_error(). */
void cpn_diag_verror(struct cpn_diag *d, const char *file, long line, const char *fmt, va_list ap);

/**
 * Print the "N more errors not shown" line if errors were suppressed.  Idempotent.
 * @param d the sink.
 */
void cpn_diag_flush(struct cpn_diag *d);

#endif /* CPN_SIM_DIAG_H */
