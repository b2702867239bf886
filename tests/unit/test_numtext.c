/* Suite "numtext": the shortest round-trip text of a double (cli/numtext.h), and decimal text to
 * the nearest double (scenarios/numparse.h). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli/numtext.h"
#include "scenarios/numparse.h"
#include "tests/unit/suites.h"

/* Expected texts: the digits are Python's repr() of the same double (an independent shortest
 * round-trip algorithm, David Gay's), in "%g"'s layout (decimal for exponents -4 to 16). */
static void test_texts_are_the_shortest_digits_in_g_layout(void)
{
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {0.0, "0"},
        {-0.0, "-0"},
        {100.0, "100"},
        {0.1, "0.1"}, /* "%.17g": 0.10000000000000001 */
        {1.0 / 3.0, "0.3333333333333333"},
        {3874361.7823981242, "3874361.782398124"}, /* "%.17g": 3874361.7823981242 */
        {0.0001, "0.0001"},
        {1e-5, "1e-5"},
        {-2.5e-7, "-2.5e-7"},
        {1e16, "10000000000000000"},
        {1e17, "1e+17"},
        {5e-324, "5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[CPN_NUMTEXT_MAX];
        size_t n = cpn_numtext(cases[i].x, buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
        CU_ASSERT_EQUAL(n, strlen(cases[i].text));
    }
}

/* 200,000 doubles of random bit patterns (all exponents) and 200,000 in [0, 1e5) (times and
 * sizes): strtod reads each text back to the same bits, and no text is longer than "%.17g"'s. */
static void test_random_doubles_read_back_exactly(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    long bad = 0, longer = 0;
    for (int i = 0; i < 400000; i++) {
        double x;
        if (i % 2) {
            uint64_t bits = (uint64_t)gsl_rng_get(rng) << 32 | (uint64_t)gsl_rng_get(rng);
            memcpy(&x, &bits, sizeof x);
            if (isnan(x))
                continue;
        } else {
            x = gsl_rng_uniform(rng) * 1e5;
        }
        char buf[CPN_NUMTEXT_MAX], g[40];
        size_t n = cpn_numtext(x, buf);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &x, sizeof x) != 0)
            bad++;
        if (n > (size_t)snprintf(g, sizeof g, "%.17g", x))
            longer++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(longer, 0);
    gsl_rng_free(rng);
}

/* cpn_numparse() of @p text (all of it) equals glibc's strtod(), bit for bit. */
static int same_as_strtod(const char *text)
{
    double got = -7, want = strtod(text, NULL);
    if (cpn_numparse(text, strlen(text), &got) != 0)
        return 0;
    return memcmp(&got, &want, sizeof got) == 0;
}

/* The independent method is glibc's strtod (correctly rounded, ties to even): edge cases
 * (overflow to inf, underflow to subnormals and zero, halfway cases, DBL_MAX, 95 digits, a
 * leading '+'), then 400,000 random texts: every double's "%.Ng" for N = 1..17 over random bit
 * patterns and over [0, 1e5), and random digit strings of up to 40 digits with exponents. */
static void test_numbers_read_as_strtod_reads_them(void)
{
    static const char *const edge[] = {
        "0",
        "-0",
        "+5",
        ".5",
        "5.",
        "00012",
        "-.5e-3",
        "1e400",
        "-1e400",
        "1e-400",
        "4.9e-324",
        "2.4e-324",
        "2.5e-324",
        "1e-320",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "2.2250738585072011e-308",
        "9007199254740993",
        "9007199254740995",
        "0.1",
        "3874361.7823981242",
        "123456789012345678901234567890123456789012345678901234567890.12345678901234567890123456789"
        "0e-10"};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        CU_ASSERT(same_as_strtod(edge[i]));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    long bad = 0;
    char text[96];
    for (int i = 0; i < 400000; i++) {
        if (i % 3 == 2) { /* digits, a point somewhere, an exponent */
            int nd = 1 + (int)gsl_rng_uniform_int(rng, 40),
                point = (int)gsl_rng_uniform_int(rng, nd);
            size_t k = 0;
            if (gsl_rng_uniform(rng) < 0.3)
                text[k++] = '-';
            for (int d = 0; d < nd; d++) {
                if (d == point && d)
                    text[k++] = '.';
                text[k++] = (char)('0' + gsl_rng_uniform_int(rng, 10));
            }
            snprintf(text + k, sizeof text - k, "e%d", (int)gsl_rng_uniform_int(rng, 700) - 350);
        } else {
            double x;
            if (i % 3) {
                uint64_t bits = (uint64_t)gsl_rng_get(rng) << 32 | (uint64_t)gsl_rng_get(rng);
                memcpy(&x, &bits, sizeof x);
                if (!isfinite(x))
                    continue;
            } else {
                x = gsl_rng_uniform(rng) * 1e5;
            }
            snprintf(text, sizeof text, "%.*g", 1 + i % 17, x);
        }
        bad += !same_as_strtod(text);
    }
    gsl_rng_free(rng);
    CU_ASSERT_EQUAL(bad, 0);
    /* Not numbers, or not only a number: refused, the value left alone. */
    static const char *const no[] = {"", "+", "-", "+-5", "++5", "5x", "e5", "1e5 "};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        double v = 42;
        CU_ASSERT_EQUAL(cpn_numparse(no[i], strlen(no[i]), &v), -1);
        CU_ASSERT_EQUAL(v, 42);
    }
}

int cpn_test_register_numtext(void)
{
    static const struct cpn_test tests[] = {
        {"texts are the shortest digits (Python's repr) in %g's layout",
         test_texts_are_the_shortest_digits_in_g_layout},
        {"400,000 random doubles read back to the same bits, never longer than %.17g",
         test_random_doubles_read_back_exactly},
        {"numbers are read as strtod reads them: edge cases and 400,000 random texts",
         test_numbers_read_as_strtod_reads_them},
    };
    return CPN_TEST_SUITE("numtext", tests);
}
