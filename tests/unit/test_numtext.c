/* Suite "numtext": the shortest round-trip text of a double (cli/numtext.h). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli/numtext.h"
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

int cpn_test_register_numtext(void)
{
    static const struct cpn_test tests[] = {
        {"texts are the shortest digits (Python's repr) in %g's layout",
         test_texts_are_the_shortest_digits_in_g_layout},
        {"400,000 random doubles read back to the same bits, never longer than %.17g",
         test_random_doubles_read_back_exactly},
    };
    return CPN_TEST_SUITE("numtext", tests);
}
