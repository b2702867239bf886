/**
 * @file scenarios/numparse.h
 * @brief The double nearest a decimal number's text, as strtod() gives it, in about a fifth of
 *        its time: every number of a scenario and of its flow files goes through it.
 *
 * glibc's strtod_l takes about 90 ns a number of 17 significant digits here (the flow files'
 * sizes and times); fast_float (Lemire 2021, "Number Parsing at a Gigabyte per Second",
 * Software: Practice and Experience 51(8); Debian's libfast-float-dev, the algorithm of
 * libstdc++'s std::from_chars) takes about 19 ns and is exact like strtod: the nearest double,
 * ties to even, with big-integer arithmetic where its fast paths cannot decide.  Out of range,
 * both give ±inf (overflow) or a subnormal or zero (underflow).
 */
#ifndef CPN_SCENARIOS_NUMPARSE_H
#define CPN_SCENARIOS_NUMPARSE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Read the decimal number of exactly @p len bytes at @p text: [+-]digits[.digits][(e|E)[+-]
 * digits] with at least one digit (scenarios/units.c delimits it), C locale.
 * @param out receives the double nearest its value (ties to even); ±inf beyond DBL_MAX.
 * @return 0; -1 when the @p len bytes are not such a number (*out unchanged).
 */
int cpn_numparse(const char *text, size_t len, double *out);

#ifdef __cplusplus
}
#endif

#endif /* CPN_SCENARIOS_NUMPARSE_H */
