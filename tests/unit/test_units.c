/* Suite "units": every accepted unit form and every rejection message of scenarios/units.h. */
#include <locale.h>
#include <math.h>
#include <string.h>

#include "scenarios/units.h"
#include "sim/error.h"
#include "tests/unit/suites.h"

/* Relative tolerance of conversions: factors are exact decimal or binary constants, so only
 * one or two roundings of double arithmetic separate result and expectation. */
#define REL 1e-15

struct accepted {
    const char *text;
    enum cpn_quantity q;
    double si; /* expected SI value, computed by hand from the unit's definition */
};

static const struct accepted accepted[] = {
    /* time [s] */
    {"1ns", CPN_Q_TIME, 1e-9},
    {"1us", CPN_Q_TIME, 1e-6},
    {"1\xc2\xb5s", CPN_Q_TIME, 1e-6}, /* micro sign */
    {"1\xce\xbcs", CPN_Q_TIME, 1e-6}, /* Greek mu */
    {"3ms", CPN_Q_TIME, 3e-3},
    {"2s", CPN_Q_TIME, 2},
    {"1.5min", CPN_Q_TIME, 90},
    {"2h", CPN_Q_TIME, 7200},
    {"7d", CPN_Q_TIME, 7 * 86400},
    {"1e3ms", CPN_Q_TIME, 1},
    {"2.5E-3s", CPN_Q_TIME, 2.5e-3},
    {" 20 ms ", CPN_Q_TIME, 0.02}, /* blanks around and between */
    {"+4s", CPN_Q_TIME, 4},
    {".5s", CPN_Q_TIME, 0.5},
    /* size [B]: decimal prefixes 10^3n, binary 2^10n */
    {"1B", CPN_Q_SIZE, 1},
    {"1kB", CPN_Q_SIZE, 1e3},
    {"1MB", CPN_Q_SIZE, 1e6},
    {"80GB", CPN_Q_SIZE, 80e9},
    {"30TB", CPN_Q_SIZE, 30e12},
    {"1PB", CPN_Q_SIZE, 1e15},
    {"1EB", CPN_Q_SIZE, 1e18},
    {"1KiB", CPN_Q_SIZE, 1024},
    {"1MiB", CPN_Q_SIZE, 1048576},
    {"4GiB", CPN_Q_SIZE, 4294967296.0},
    {"1TiB", CPN_Q_SIZE, 1099511627776.0},
    {"1PiB", CPN_Q_SIZE, 1125899906842624.0},
    {"1EiB", CPN_Q_SIZE, 1152921504606846976.0},
    /* data rate [B/s]: bits / 8 */
    {"1bps", CPN_Q_RATE, 0.125},
    {"1kbps", CPN_Q_RATE, 125},
    {"100Mbps", CPN_Q_RATE, 12.5e6},
    {"10Gbps", CPN_Q_RATE, 1.25e9},
    {"1Tbps", CPN_Q_RATE, 1.25e11},
    {"1Pbps", CPN_Q_RATE, 1.25e14},
    {"10Gbit/s", CPN_Q_RATE, 1.25e9},
    {"800Gbit/s", CPN_Q_RATE, 1e11},
    {"1kbit/s", CPN_Q_RATE, 125},
    {"10Gb/s", CPN_Q_RATE, 1.25e9},
    {"1Bps", CPN_Q_RATE, 1},
    {"1kBps", CPN_Q_RATE, 1e3},
    {"1MBps", CPN_Q_RATE, 1e6},
    {"2GBps", CPN_Q_RATE, 2e9},
    {"1TBps", CPN_Q_RATE, 1e12},
    {"1.25GB/s", CPN_Q_RATE, 1.25e9},
    {"1B/s", CPN_Q_RATE, 1},
    {"1MiB/s", CPN_Q_RATE, 1048576},
    /* computation [FLOP] and speed [FLOP/s] */
    {"1FLOP", CPN_Q_FLOP, 1},
    {"5GFLOP", CPN_Q_FLOP, 5e9},
    {"3PFLOP", CPN_Q_FLOP, 3e15},
    {"1EFLOP", CPN_Q_FLOP, 1e18},
    {"2ZFLOP", CPN_Q_FLOP, 2e21},
    {"1FLOPS", CPN_Q_FLOPS, 1},
    {"19.5GFLOPS", CPN_Q_FLOPS, 19.5e9},
    {"312TFLOPS", CPN_Q_FLOPS, 312e12},
    {"1PFLOPS", CPN_Q_FLOPS, 1e15},
    {"300EFLOPS", CPN_Q_FLOPS, 300e18},
    {"989TFLOP/s", CPN_Q_FLOPS, 989e12},
    {"1GFLOP/s", CPN_Q_FLOPS, 1e9},
    /* power [W], energy [J] (1 Wh = 3600 J), length [m] */
    {"700W", CPN_Q_POWER, 700},
    {"1.5kW", CPN_Q_POWER, 1500},
    {"30MW", CPN_Q_POWER, 30e6},
    {"1GW", CPN_Q_POWER, 1e9},
    {"1J", CPN_Q_ENERGY, 1},
    {"2kJ", CPN_Q_ENERGY, 2000},
    {"1Wh", CPN_Q_ENERGY, 3600},
    {"1kWh", CPN_Q_ENERGY, 3.6e6},
    {"2MWh", CPN_Q_ENERGY, 7.2e9},
    {"1m", CPN_Q_LENGTH, 1},
    {"3000km", CPN_Q_LENGTH, 3e6},
    /* events per second */
    {"12/h", CPN_Q_EVENT_RATE, 12.0 / 3600},
    {"3/s", CPN_Q_EVENT_RATE, 3},
    {"2/min", CPN_Q_EVENT_RATE, 2.0 / 60},
    {"24/d", CPN_Q_EVENT_RATE, 24.0 / 86400},
    {"5Hz", CPN_Q_EVENT_RATE, 5},
    /* carbon intensity [kg/J]: 0.35 kg per 3.6e6 J */
    {"0.35kg/kWh", CPN_Q_CARBON, 0.35 / 3.6e6},
    {"350g/kWh", CPN_Q_CARBON, 0.35 / 3.6e6},
    {"350gCO2/kWh", CPN_Q_CARBON, 0.35 / 3.6e6},
    {"0.35kgCO2e/kWh", CPN_Q_CARBON, 0.35 / 3.6e6},
    {"0.5t/MWh", CPN_Q_CARBON, 500 / 3.6e9},
    /* prices: per unit-second and per joule */
    {"1.8CNY/GPUh", CPN_Q_PRICE, 1.8 / 3600},
    {"0.1USD/core-h", CPN_Q_PRICE, 0.1 / 3600},
    {"5CNY/h", CPN_Q_PRICE, 5.0 / 3600},
    {"3EUR/node-hour", CPN_Q_PRICE, 3.0 / 3600},
    {"60CNY/GPUmin", CPN_Q_PRICE, 1},
    {"86400CNY/A100d", CPN_Q_PRICE, 1},
    {"0.5CNY/kWh", CPN_Q_ENERGY_PRICE, 0.5 / 3.6e6},
    {"2USD/J", CPN_Q_ENERGY_PRICE, 2},
    /* zero needs no unit */
    {"0", CPN_Q_RATE, 0},
    {"0.0", CPN_Q_TIME, 0},
    {"0s", CPN_Q_TIME, 0},
};

static void test_every_accepted_form_gives_its_si_value(void)
{
    char why[256];
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        double v = -1;
        int rc = cpn_units_parse(accepted[i].text, accepted[i].q, &v, why, sizeof why);
        if (rc != CPN_OK || fabs(v - accepted[i].si) > REL * fabs(accepted[i].si))
            printf("\n  %s as %s: rc %d, %.17g (expected %.17g) %s", accepted[i].text,
                   cpn_units_name(accepted[i].q), rc, v, accepted[i].si, why);
        CU_ASSERT_EQUAL(rc, CPN_OK);
        CU_ASSERT_STRING_EQUAL(why, "");
        CPN_ASSERT_REL(v, accepted[i].si, REL);
    }
}

struct rejected {
    const char *text;
    enum cpn_quantity q;
    const char *why; /* the exact message */
};

static const struct rejected rejected[] = {
    {"10G", CPN_Q_RATE, "\"10G\" has no unit (use e.g. \"10Gbps\" or \"1.25GB/s\")"},
    {"100", CPN_Q_RATE, "\"100\" has no unit (use e.g. \"100Gbps\" or \"12.5GB/s\")"},
    {"8Gi", CPN_Q_RATE, "\"8Gi\" has no unit (use e.g. \"8GiB/s\")"},
    {"5", CPN_Q_TIME, "\"5\" has no unit (use e.g. \"5s\" or \"5ms\")"},
    {"30T", CPN_Q_SIZE, "\"30T\" has no unit (use e.g. \"30TB\")"},
    {"30", CPN_Q_SIZE, "\"30\" has no unit (use e.g. \"30GB\" or \"30GiB\")"},
    {"1e18", CPN_Q_FLOP, "\"1e18\" has no unit (use e.g. \"1e18FLOP\")"},
    {"3P", CPN_Q_FLOP, "\"3P\" has no unit (use e.g. \"3PFLOP\")"},
    {"312T", CPN_Q_FLOPS, "\"312T\" has no unit (use e.g. \"312TFLOPS\" or \"312TFLOP/s\")"},
    {"700", CPN_Q_POWER, "\"700\" has no unit (use e.g. \"700kW\")"},
    {"3", CPN_Q_ENERGY, "\"3\" has no unit (use e.g. \"3MJ\" or \"3kWh\")"},
    {"300", CPN_Q_LENGTH, "\"300\" has no unit (use e.g. \"300km\" or \"300m\")"},
    {"12", CPN_Q_EVENT_RATE, "\"12\" has no unit (use e.g. \"12/h\" or \"12/s\")"},
    {"0.35", CPN_Q_CARBON, "\"0.35\" has no unit (use e.g. \"0.35kg/kWh\")"},
    {"1.8", CPN_Q_PRICE, "\"1.8\" has no unit (use e.g. \"1.8CNY/GPUh\")"},
    {"0.5", CPN_Q_ENERGY_PRICE, "\"0.5\" has no unit (use e.g. \"0.5CNY/kWh\")"},
    {"3furlong", CPN_Q_LENGTH, "unit \"furlong\" is not a length (use m or km)"},
    {"3ms", CPN_Q_LENGTH, "unit \"ms\" is a time, not a length (use m or km)"},
    {"10m", CPN_Q_TIME, "unit \"m\" is a length, not a time (use ns, us, ms, s, min, h or d)"},
    {"1KB", CPN_Q_SIZE,
     "unit \"KB\" is not a size (use B, kB, MB, GB, TB, PB, EB or KiB, MiB, GiB, TiB, PiB, EiB)"},
    {"10GB", CPN_Q_RATE,
     "unit \"GB\" is a size, not a data rate (use bps, kbps, Mbps, Gbps, Tbps (or kbit/s, "
     "Gbit/s, Gb/s...) for bits; Bps, kBps, MBps, GBps (or kB/s, GB/s, GiB/s...) for bytes)"},
    {"0.35kg/kWh", CPN_Q_ENERGY,
     "unit \"kg/kWh\" is a carbon intensity, not an energy (use J, kJ, MJ, GJ, Wh, kWh, MWh or "
     "GWh)"},
    {"0.5CNY/kWh", CPN_Q_PRICE,
     "unit \"CNY/kWh\" is an energy price, not a price per unit-time (use CUR/RESOURCE-TIME "
     "with an ISO 4217 currency code and TIME s, min, h or d, e.g. CNY/GPUh, USD/core-h, "
     "CNY/h)"},
    {"1.8yuan/GPUh", CPN_Q_PRICE,
     "currency \"yuan\" in \"1.8yuan/GPUh\" is not an ISO 4217 code (use e.g. CNY or USD)"},
    {"-3ms", CPN_Q_TIME, "\"-3ms\" is negative"},
    {"abc", CPN_Q_TIME, "\"abc\" is not a number"},
    {"ms", CPN_Q_TIME, "\"ms\" is not a number"},
    {"-", CPN_Q_TIME, "\"-\" is not a number"},
    {"0x10s", CPN_Q_TIME, "unit \"x10s\" is not a time (use ns, us, ms, s, min, h or d)"},
    {"inf", CPN_Q_TIME, "\"inf\" is not a finite number"},
    {"-Infinity", CPN_Q_TIME, "\"-Infinity\" is not a finite number"},
    {"NaN", CPN_Q_RATE, "\"NaN\" is not a finite number"},
    {"1e999s", CPN_Q_TIME, "\"1e999s\" is out of range (numbers go up to 1.8e+308)"},
    {"1e306EB", CPN_Q_SIZE, "\"1e306EB\" is out of range (numbers go up to 1.8e+308 B)"},
    {"10ms junk", CPN_Q_TIME, "unit \"ms junk\" is not a time (use ns, us, ms, s, min, h or d)"},
    {"", CPN_Q_TIME, "empty value (expected a time in ns, us, ms, s, min, h or d)"},
    {"  \t", CPN_Q_LENGTH, "empty value (expected a length in m or km)"},
};

static void test_every_rejection_gives_its_message(void)
{
    char why[512];
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        double v = 42;
        int rc = cpn_units_parse(rejected[i].text, rejected[i].q, &v, why, sizeof why);
        if (rc != CPN_ESCENARIO || strcmp(why, rejected[i].why) != 0)
            printf("\n  \"%s\": rc %d, got: %s\n  expected: %s", rejected[i].text, rc, why,
                   rejected[i].why);
        CU_ASSERT_EQUAL(rc, CPN_ESCENARIO);
        CU_ASSERT_STRING_EQUAL(why, rejected[i].why);
        CU_ASSERT_STRING_EQUAL(cpn_error_message(), rejected[i].why);
        CU_ASSERT_EQUAL(v, 42); /* untouched */
    }
}

static void test_negative_values_pass_only_with_the_flag(void)
{
    double v = 0;
    char why[128];
    CU_ASSERT_EQUAL(
        cpn_units_parse_ex("-3ms", CPN_Q_TIME, CPN_UNITS_ALLOW_NEGATIVE, &v, NULL, why, sizeof why),
        CPN_OK);
    CPN_ASSERT_REL(v, -3e-3, REL);
    CU_ASSERT_EQUAL(cpn_units_parse_ex("-3ms", CPN_Q_TIME, 0, &v, NULL, why, sizeof why),
                    CPN_ESCENARIO);
    /* "-0" is zero, not negative, and comes out as +0. */
    CU_ASSERT_EQUAL(cpn_units_parse("-0", CPN_Q_TIME, &v, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_FALSE(signbit(v));
}

static void test_price_returns_its_currency_code(void)
{
    double v = 0;
    char cur[CPN_CURRENCY_LEN] = "xx";
    char why[128];
    CU_ASSERT_EQUAL(cpn_units_parse_ex("1.8CNY/GPUh", CPN_Q_PRICE, 0, &v, cur, why, sizeof why),
                    CPN_OK);
    CU_ASSERT_STRING_EQUAL(cur, "CNY");
    CPN_ASSERT_REL(v, 0.0005, REL); /* 1.8 CNY per 3600 GPU-seconds */
    CU_ASSERT_EQUAL(
        cpn_units_parse_ex("0.5USD/MWh", CPN_Q_ENERGY_PRICE, 0, &v, cur, why, sizeof why), CPN_OK);
    CU_ASSERT_STRING_EQUAL(cur, "USD");
    CPN_ASSERT_REL(v, 0.5 / 3.6e9, REL);
    CU_ASSERT_EQUAL(cpn_units_parse_ex("0", CPN_Q_PRICE, 0, &v, cur, why, sizeof why), CPN_OK);
    CU_ASSERT_STRING_EQUAL(cur, "");
    /* cpn_units_parse() accepts prices and drops the currency. */
    CU_ASSERT_EQUAL(cpn_units_parse("2EUR/core-h", CPN_Q_PRICE, &v, why, sizeof why), CPN_OK);
    CPN_ASSERT_REL(v, 2.0 / 3600, REL);
}

static void test_bad_arguments_are_einval(void)
{
    double v;
    char why[64];
    CU_ASSERT_EQUAL(cpn_units_parse(NULL, CPN_Q_TIME, &v, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse("1s", CPN_Q_TIME, NULL, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse("1s", CPN_Q_NQUANTITY, &v, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse_ex("1s", CPN_Q_TIME, 8, &v, NULL, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse_number(NULL, 0, &v, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse_number("1", 4, &v, why, sizeof why), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("1", NULL, why, sizeof why), CPN_EINVAL);
}

static void test_message_fits_any_buffer_and_why_may_be_null(void)
{
    double v;
    char small[8];
    CU_ASSERT_EQUAL(cpn_units_parse("abc", CPN_Q_TIME, &v, small, sizeof small), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(small, "\"abc\" i"); /* truncated to 7 chars + NUL */
    CU_ASSERT_EQUAL(cpn_units_parse("abc", CPN_Q_TIME, &v, NULL, 0), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(cpn_error_message(), "\"abc\" is not a number");
    CU_ASSERT_EQUAL(cpn_units_parse("1s", CPN_Q_TIME, &v, NULL, 0), CPN_OK);
}

static void test_numbers_are_read_in_the_c_locale(void)
{
    /* A locale with a decimal comma would make plain strtod() read "1.5" as 1. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    const char *used = NULL;
    for (size_t i = 0; i < 4 && !used; i++)
        if (setlocale(LC_NUMERIC, names[i]))
            used = names[i];
    if (!used) {
        cpn_test_skip("no locale with a decimal comma installed; checked the C locale only");
    }
    double v = 0;
    CU_ASSERT_EQUAL(cpn_units_parse("1.5s", CPN_Q_TIME, &v, NULL, 0), CPN_OK);
    CU_ASSERT_EQUAL(v, 1.5);
    setlocale(LC_NUMERIC, "C");
}

static void test_plain_numbers_take_no_unit(void)
{
    double v = 0;
    char why[128];
    CU_ASSERT_EQUAL(cpn_units_parse_number("4096", 0, &v, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(v, 4096);
    CU_ASSERT_EQUAL(cpn_units_parse_number("-33.5", CPN_UNITS_ALLOW_NEGATIVE, &v, why, sizeof why),
                    CPN_OK);
    CU_ASSERT_EQUAL(v, -33.5);
    CU_ASSERT_EQUAL(cpn_units_parse_number("-33.5", 0, &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, "\"-33.5\" is negative");
    CU_ASSERT_EQUAL(cpn_units_parse_number("3x", 0, &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, "\"3x\" is not a plain number (no unit expected here)");
    CU_ASSERT_EQUAL(cpn_units_parse_number("", 0, &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, "empty value (expected a number)");
    CU_ASSERT_EQUAL(cpn_units_parse_number("nan", 0, &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, "\"nan\" is not a finite number");
}

static void test_ratios_accept_fractions_and_percentages_in_0_1(void)
{
    double v = 0;
    char why[128];
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("0.95", &v, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(v, 0.95);
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("95%", &v, why, sizeof why), CPN_OK);
    CPN_ASSERT_REL(v, 0.95, REL);
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("0", &v, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("100 %", &v, why, sizeof why), CPN_OK);
    CU_ASSERT_EQUAL(v, 1);
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("120%", &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why,
                           "\"120%\" is not a ratio between 0 and 1 (use e.g. \"0.5\" or \"50%\")");
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("-0.1", &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why,
                           "\"-0.1\" is not a ratio between 0 and 1 (use e.g. \"0.5\" or \"50%\")");
    CU_ASSERT_EQUAL(cpn_units_parse_ratio("0.5x", &v, why, sizeof why), CPN_ESCENARIO);
    CU_ASSERT_STRING_EQUAL(why, "\"0.5x\" is not a ratio (use e.g. \"0.5\" or \"50%\")");
}

static void test_quantity_names_lists_and_si_units(void)
{
    CU_ASSERT_STRING_EQUAL(cpn_units_name(CPN_Q_RATE), "data rate");
    CU_ASSERT_STRING_EQUAL(cpn_units_name(CPN_Q_NQUANTITY), "unknown quantity");
    CU_ASSERT_STRING_EQUAL(cpn_units_list(CPN_Q_LENGTH), "m or km");
    CU_ASSERT_STRING_EQUAL(cpn_units_list(CPN_Q_NQUANTITY), "");
    CU_ASSERT_STRING_EQUAL(cpn_units_si(CPN_Q_CARBON), "kg/J");
    CU_ASSERT_STRING_EQUAL(cpn_units_si(CPN_Q_NQUANTITY), "");
    for (int q = 0; q < CPN_Q_NQUANTITY; q++) {
        CU_ASSERT(strlen(cpn_units_name((enum cpn_quantity)q)) > 0);
        CU_ASSERT(strlen(cpn_units_list((enum cpn_quantity)q)) > 0);
        CU_ASSERT(strlen(cpn_units_si((enum cpn_quantity)q)) > 0);
    }
}

int cpn_test_register_units(void)
{
    CU_pSuite s = CU_add_suite("units", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "every accepted unit form gives its SI value",
                     test_every_accepted_form_gives_its_si_value) ||
        !CU_add_test(s, "every rejection gives its exact message",
                     test_every_rejection_gives_its_message) ||
        !CU_add_test(s, "negative values pass only with CPN_UNITS_ALLOW_NEGATIVE",
                     test_negative_values_pass_only_with_the_flag) ||
        !CU_add_test(s, "a price returns its currency code",
                     test_price_returns_its_currency_code) ||
        !CU_add_test(s, "bad arguments are CPN_EINVAL", test_bad_arguments_are_einval) ||
        !CU_add_test(s, "messages are truncated to the buffer; why may be NULL",
                     test_message_fits_any_buffer_and_why_may_be_null) ||
        !CU_add_test(s, "numbers are read in the C locale",
                     test_numbers_are_read_in_the_c_locale) ||
        !CU_add_test(s, "plain numbers take no unit", test_plain_numbers_take_no_unit) ||
        !CU_add_test(s, "ratios accept fractions and percentages in [0, 1]",
                     test_ratios_accept_fractions_and_percentages_in_0_1) ||
        !CU_add_test(s, "quantities have names, unit lists and SI units",
                     test_quantity_names_lists_and_si_units))
        return CU_get_error();
    return CUE_SUCCESS;
}
