/**
 * @file scenarios/units.h
 * @brief Quantities with units ("100Gbps", "3ms", "30TB", "312TFLOPS") -> SI doubles.
 *
 * The only place where cpnsim converts units (STYLE.md "Units").  Every function parses one
 * attribute value: a decimal number (optional sign, digits, optional fraction, optional
 * exponent; no hex, no "inf", no "nan"), optional blanks, then a unit symbol from the tables
 * below.  Leading and trailing blanks are ignored.  The number is parsed with strtod_l() in the
 * C locale, so a program that called setlocale() still reads "1.5" the same way.
 *
 * Results are SI: s, B, B/s, FLOP, FLOP/s, W, J, m, events/s, kg/J, currency per unit-second or
 * currency per J.  Decimal prefixes are powers of 10 (kB = 1000 B, Gbps = 1e9 bit/s =
 * 1.25e8 B/s), binary ones powers of 2 (KiB = 1024 B); source: BIPM, The International
 * System of Units (SI brochure, 9th ed., 2019) §3 for decimal prefixes, IEC 80000-13:2008 for
 * the binary ones.  Bit rates are divided by 8 (1 B = 8 bit).
 *
 * A number without a unit is an error, except the number 0 (any form: "0", "0.0", "-0").
 * Unit-less attributes (counts, ratios, coordinates) use cpn_units_parse_number() or
 * cpn_units_parse_ratio().
 *
 * Error messages are written into a caller buffer `why` (they are also recorded with
 * CPN_ERROR, so cpn_error_message() returns the same text).  They name the bad value and what
 * is accepted, and carry no file or line: the caller prefixes those (sim/diag.h).  Examples:
 * `"10G" has no unit (use e.g. "10Gbps" or "1.25GB/s")`,
 * `unit "furlong" is not a length (use m, km)`, `"-3ms" is negative`,
 * `"abc" is not a number`.
 *
 * All functions are reentrant and thread-safe; none allocates memory that outlives the call.
 */
#ifndef CPN_SCENARIOS_UNITS_H
#define CPN_SCENARIOS_UNITS_H

#include <stddef.h>

/** The kinds of quantity an attribute can hold, with the SI unit of the parsed value. */
enum cpn_quantity {
    CPN_Q_TIME,             /**< [s]: ns, us (also µs, μs), ms, s, min, h, d */
    CPN_Q_SIZE,             /**< [B]: B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB */
    CPN_Q_RATE,             /**< data rate [B/s]: bps, kbps, Mbps, Gbps, Tbps, Pbps and bit/s,
                                 kbit/s .. Pbit/s, b/s, kb/s .. Pb/s (bits, divided by 8);
                                 Bps, kBps .. PBps and B/s, kB/s .. PB/s, KiB/s .. PiB/s (bytes) */
    CPN_Q_FLOP,             /**< amount of computation [FLOP]: FLOP, kFLOP, MFLOP, GFLOP, TFLOP,
                                 PFLOP, EFLOP, ZFLOP */
    CPN_Q_FLOPS,            /**< compute speed [FLOP/s]: FLOPS, kFLOPS .. ZFLOPS and FLOP/s,
                                 kFLOP/s .. ZFLOP/s */
    CPN_Q_POWER,            /**< [W]: W, kW, MW, GW */
    CPN_Q_ENERGY,           /**< [J]: J, kJ, MJ, GJ, Wh, kWh, MWh, GWh (1 Wh = 3600 J) */
    CPN_Q_LENGTH,           /**< [m]: m, km */
    CPN_Q_EVENT_RATE,       /**< events per second [1/s]: /s, /min, /h, /d ("12/h"), Hz */
    CPN_Q_CARBON,           /**< carbon intensity [kg/J]: MASS/ENERGY with MASS one of g, kg, t
                                 optionally followed by CO2 or CO2e ("0.35kg/kWh",
                                 "350gCO2/kWh") and ENERGY an energy unit above */
    CPN_Q_PRICE,            /**< price per unit-time [currency/(unit*s)]: CUR/[RESOURCE][-]TIME
                                 with CUR an ISO 4217 code of three capital letters, RESOURCE an
                                 optional word of letters (GPU, core, node...), TIME one of s,
                                 min, h, d ("1.8CNY/GPUh", "0.1USD/core-h", "5CNY/h") */
    CPN_Q_ENERGY_PRICE,     /**< price of energy [currency/J]: CUR/ENERGY ("0.5CNY/kWh") */
    CPN_Q_DELAY_PER_LENGTH, /**< propagation delay per length [s/m]: TIME/LENGTH with the units
                                 above ("4.9us/km", "5ns/m") */
    CPN_Q_NQUANTITY         /**< number of quantities (not a quantity) */
};

/** Flags of cpn_units_parse_ex(). */
enum cpn_units_flags {
    CPN_UNITS_ALLOW_NEGATIVE = 1 /**< accept a negative value (default: rejected) */
};

/** Size of a buffer that holds any currency code plus its terminating NUL. */
#define CPN_CURRENCY_LEN 4

/**
 * Parse a non-negative quantity with a unit into its SI value.
 * Same as cpn_units_parse_ex(text, q, 0, out, NULL, why, whylen): negative values are
 * rejected; zero is accepted (positivity, when required, is the caller's check).
 * Prices are accepted and their currency is dropped (use cpn_units_parse_ex() to get it).
 * @param text the attribute value, NUL-terminated (borrowed).
 * @param q the quantity expected.
 * @param out receives the value in the SI unit of @p q (see enum cpn_quantity); untouched on error.
 * @param why buffer for the error message (may be NULL when @p whylen is 0); "" on success.
 * @param whylen size of @p why [bytes]; the message is truncated to fit.
 * @return CPN_OK; CPN_ESCENARIO when @p text is empty, is not a number, is not finite or
 *   overflows a double, has no unit (and is not 0), has a unit that is unknown or belongs to
 *   another quantity, or is negative; CPN_EINVAL when @p text or @p out is NULL or @p q is not
 *   a quantity.  Complexity O(length of text + number of units).
 */
int cpn_units_parse(const char *text, enum cpn_quantity q, double *out, char *why, size_t whylen);

/**
 * Parse a quantity with a unit, with flags, and return a price's currency.
 * @param text the attribute value (borrowed).
 * @param q the quantity expected.
 * @param flags 0 or CPN_UNITS_ALLOW_NEGATIVE.
 * @param out receives the SI value; untouched on error.
 * @param currency when @p q is CPN_Q_PRICE or CPN_Q_ENERGY_PRICE and not NULL: receives the
 *   three-letter currency code ("CNY"), a buffer of CPN_CURRENCY_LEN bytes; for a bare "0"
 *   it receives "".  Ignored for other quantities (may be NULL).
 * @param why, whylen as in cpn_units_parse().
 * @return as cpn_units_parse(); also CPN_EINVAL for unknown flag bits.
 */
int cpn_units_parse_ex(const char *text, enum cpn_quantity q, unsigned flags, double *out,
                       char *currency, char *why, size_t whylen);

/**
 * Parse a unit-less number (a count, a coordinate in degrees, a plain factor).
 * Accepts the same number syntax as the other functions and nothing after it.
 * @param text the attribute value (borrowed).
 * @param flags 0 or CPN_UNITS_ALLOW_NEGATIVE.
 * @param out receives the number; untouched on error.
 * @param why, whylen as in cpn_units_parse().
 * @return CPN_OK; CPN_ESCENARIO when empty, not a number, not finite, followed by anything
 *   (`"3x" is not a plain number (no unit expected here)`), or negative without the flag;
 *   CPN_EINVAL on NULL arguments or unknown flags.
 */
int cpn_units_parse_number(const char *text, unsigned flags, double *out, char *why, size_t whylen);

/**
 * Parse a ratio: a plain number ("0.95") or a percentage ("95%", divided by 100).
 * The value must lie in [0, 1] (the caller checks narrower ranges such as [0, 1)).
 * @param text the attribute value (borrowed).
 * @param out receives the ratio (dimensionless, 0..1); untouched on error.
 * @param why, whylen as in cpn_units_parse().
 * @return CPN_OK; CPN_ESCENARIO when empty, not a number, not finite, followed by anything
 *   but "%", or outside [0, 1] (`"120%" is not a ratio between 0 and 1 (use e.g. "0.5" or
 *   "50%")`); CPN_EINVAL on NULL arguments.
 */
int cpn_units_parse_ratio(const char *text, double *out, char *why, size_t whylen);

/**
 * Return the English name of a quantity, as used in messages ("time", "data rate").
 * @param q any value; out-of-range values give "unknown quantity".
 * @return a static string, never NULL.
 */
const char *cpn_units_name(enum cpn_quantity q);

/**
 * Return the accepted units of a quantity as a list for messages
 * ("ns, us, ms, s, min, h or d").
 * @param q any value; out-of-range values give "".
 * @return a static string, never NULL.
 */
const char *cpn_units_list(enum cpn_quantity q);

/**
 * Return the SI unit of the parsed value of a quantity ("s", "B/s", "kg/J").
 * @param q any value; out-of-range values give "".
 * @return a static string, never NULL.
 */
const char *cpn_units_si(enum cpn_quantity q);

#endif /* CPN_SCENARIOS_UNITS_H */
