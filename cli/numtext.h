/**
 * @file cli/numtext.h
 * @brief The shortest text of a double that reads back to the same double, for the program's
 *        large tables (`--flows-out`).
 *
 * printf's "%.17g" also round-trips but takes about 340 ns a number here (glibc formats it
 * with multi-precision arithmetic); the shortest digits come from the C++ standard library's
 * std::to_chars (C++17; libstdc++ uses the Ryu algorithm, Adams 2018: of the shortest, the
 * nearest) in about 50 ns with the layout below (Google's double-conversion, used before, took
 * about 95 ns and wrote the same texts: 1.6e8 doubles compared), and are never longer.  The
 * layout is that of "%g": decimal notation for decimal exponents from -4 to 16, exponent
 * notation with a sign ("1e-05" is written "1e-5", "1e+17") beyond; "inf", "-inf" and "nan"
 * as printf writes them.
 */
#ifndef CPN_CLI_NUMTEXT_H
#define CPN_CLI_NUMTEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Room for the text of any double, its terminating NUL included [bytes]. */
#define CPN_NUMTEXT_MAX 32

/**
 * Write the shortest text of @p x that strtod() reads back as exactly @p x (see the file's
 * description for its layout) into @p buf, NUL-terminated.
 * @param buf at least CPN_NUMTEXT_MAX bytes.
 * @return the text's length [bytes], without the NUL.  Never fails.
 */
size_t cpn_numtext(double x, char *buf);

#ifdef __cplusplus
}
#endif

#endif /* CPN_CLI_NUMTEXT_H */
