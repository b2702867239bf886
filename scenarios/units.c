/* Quantities with units -> SI doubles.  See scenarios/units.h. */
#include "scenarios/units.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenarios/numparse.h"
#include "sim/error.h"

/* Longest number we accept, in characters (a double needs at most ~25 significant ones). */
#define NUMBER_MAX 128

/* ---------------------------------------------------------------------------------------------
 * Unit tables.  A unit is a base symbol, optionally preceded by a prefix from one prefix set.
 * Decimal prefixes: BIPM SI brochure (9th ed., 2019) Table 7; binary: IEC 80000-13:2008.
 */
struct prefix {
    const char *symbol;
    double factor;
};

static const struct prefix no_prefix[] = {{"", 1.0}, {NULL, 0}};
static const struct prefix dec_prefix[] = {{"", 1.0},   {"k", 1e3},  {"M", 1e6},
                                           {"G", 1e9},  {"T", 1e12}, {"P", 1e15},
                                           {"E", 1e18}, {"Z", 1e21}, {NULL, 0}};
static const struct prefix dec_bin_prefix[] = {
    {"", 1.0},      {"k", 1e3},     {"M", 1e6},     {"G", 1e9},     {"T", 1e12},
    {"P", 1e15},    {"E", 1e18},    {"Z", 1e21},    {"Ki", 0x1p10}, {"Mi", 0x1p20},
    {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60}, {NULL, 0}};
static const struct prefix kilo_prefix[] = {{"", 1.0}, {"k", 1e3}, {NULL, 0}};

struct unit {
    enum cpn_quantity q;
    const char *base;
    double factor; /* SI value of one base unit */
    const struct prefix *prefixes;
};

static const struct unit units[] = {
    {CPN_Q_TIME, "ns", 1e-9, no_prefix},
    {CPN_Q_TIME, "us", 1e-6, no_prefix},
    {CPN_Q_TIME, "\xc2\xb5s", 1e-6, no_prefix}, /* U+00B5 MICRO SIGN */
    {CPN_Q_TIME, "\xce\xbcs", 1e-6, no_prefix}, /* U+03BC GREEK SMALL LETTER MU */
    {CPN_Q_TIME, "ms", 1e-3, no_prefix},
    {CPN_Q_TIME, "s", 1.0, no_prefix},
    {CPN_Q_TIME, "min", 60.0, no_prefix},
    {CPN_Q_TIME, "h", 3600.0, no_prefix},
    {CPN_Q_TIME, "d", 86400.0, no_prefix},
    {CPN_Q_SIZE, "B", 1.0, dec_bin_prefix},
    /* Bit rates: 1 B = 8 bit. */
    {CPN_Q_RATE, "bps", 1.0 / 8, dec_prefix},
    {CPN_Q_RATE, "bit/s", 1.0 / 8, dec_prefix},
    {CPN_Q_RATE, "b/s", 1.0 / 8, dec_prefix},
    {CPN_Q_RATE, "Bps", 1.0, dec_prefix},
    {CPN_Q_RATE, "B/s", 1.0, dec_bin_prefix},
    {CPN_Q_FLOP, "FLOP", 1.0, dec_prefix},
    {CPN_Q_FLOPS, "FLOPS", 1.0, dec_prefix},
    {CPN_Q_FLOPS, "FLOP/s", 1.0, dec_prefix},
    {CPN_Q_POWER, "W", 1.0, dec_prefix},
    {CPN_Q_ENERGY, "J", 1.0, dec_prefix},
    {CPN_Q_ENERGY, "Wh", 3600.0, dec_prefix},
    {CPN_Q_LENGTH, "m", 1.0, kilo_prefix},
    {CPN_Q_EVENT_RATE, "/s", 1.0, no_prefix},
    {CPN_Q_EVENT_RATE, "/min", 1.0 / 60, no_prefix},
    {CPN_Q_EVENT_RATE, "/h", 1.0 / 3600, no_prefix},
    {CPN_Q_EVENT_RATE, "/d", 1.0 / 86400, no_prefix},
    {CPN_Q_EVENT_RATE, "Hz", 1.0, dec_prefix},
};

struct quantity_info {
    const char *name;    /* "data rate" */
    const char *article; /* "a" or "an" */
    const char *si;      /* SI unit of the parsed value */
    const char *list;    /* accepted units, for messages */
};

static const struct quantity_info quantities[CPN_Q_NQUANTITY] = {
    [CPN_Q_TIME] = {"time", "a", "s", "ns, us, ms, s, min, h or d"},
    [CPN_Q_SIZE] = {"size", "a", "B", "B, kB, MB, GB, TB, PB, EB or KiB, MiB, GiB, TiB, PiB, EiB"},
    [CPN_Q_RATE] = {"data rate", "a", "B/s",
                    "bps, kbps, Mbps, Gbps, Tbps (or kbit/s, Gbit/s, Gb/s...) for bits; Bps, "
                    "kBps, MBps, GBps (or kB/s, GB/s, GiB/s...) for bytes"},
    [CPN_Q_FLOP] = {"amount of computation", "an", "FLOP",
                    "FLOP, kFLOP, MFLOP, GFLOP, TFLOP, PFLOP, EFLOP or ZFLOP"},
    [CPN_Q_FLOPS] = {"compute speed", "a", "FLOP/s",
                     "FLOPS, GFLOPS, TFLOPS, PFLOPS, EFLOPS (or GFLOP/s, TFLOP/s...)"},
    [CPN_Q_POWER] = {"power", "a", "W", "W, kW, MW or GW"},
    [CPN_Q_ENERGY] = {"energy", "an", "J", "J, kJ, MJ, GJ, Wh, kWh, MWh or GWh"},
    [CPN_Q_LENGTH] = {"length", "a", "m", "m or km"},
    [CPN_Q_EVENT_RATE] = {"event rate", "an", "1/s", "/s, /min, /h, /d or Hz"},
    [CPN_Q_CARBON] = {"carbon intensity", "a", "kg/J",
                      "MASS/ENERGY: g, kg or t (optionally gCO2, kgCO2e...) per J, kWh, MWh..."},
    [CPN_Q_PRICE] = {"price per unit-time", "a", "currency/(unit s)",
                     "CUR/RESOURCE-TIME with an ISO 4217 currency code and TIME s, min, h or d, "
                     "e.g. CNY/GPUh, USD/core-h, CNY/h"},
    [CPN_Q_ENERGY_PRICE] = {"energy price", "an", "currency/J",
                            "CUR/ENERGY with an ISO 4217 currency code, e.g. CNY/kWh"},
    [CPN_Q_DELAY_PER_LENGTH] = {"delay per length", "a", "s/m", "TIME/LENGTH, e.g. us/km or ns/m"},
};

/* Mass units of carbon intensities [kg]. */
static const struct prefix masses[] = {{"g", 1e-3}, {"kg", 1.0}, {"t", 1e3}, {NULL, 0}};

/* Time units of prices per unit-time, longest first so that "hour" wins over "h"... */
static const struct prefix price_times[] = {{"hours", 3600.0}, {"hour", 3600.0}, {"min", 60.0},
                                            {"s", 1.0},        {"h", 3600.0},    {"d", 86400.0},
                                            {NULL, 0}};

/* ------------------------------------------------------------------------------------------ */

/* Clear why and return CPN_OK. */
static int ok(char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    return CPN_OK;
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Look up unit u (length n) among the units of quantity q (q = CPN_Q_NQUANTITY: any).
 * Returns the SI factor (> 0) and sets *found_q, or returns 0 when not found. */
static double lookup(const char *u, size_t n, enum cpn_quantity q, enum cpn_quantity *found_q)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        const struct unit *un = &units[i];
        if (q != CPN_Q_NQUANTITY && un->q != q)
            continue;
        size_t bl = strlen(un->base);
        if (n < bl || memcmp(u + n - bl, un->base, bl) != 0)
            continue;
        size_t pl = n - bl;
        for (const struct prefix *p = un->prefixes; p->symbol; p++)
            if (strlen(p->symbol) == pl && memcmp(u, p->symbol, pl) == 0) {
                if (found_q)
                    *found_q = un->q;
                return p->factor * un->factor;
            }
    }
    return 0;
}

/* Return the factor of u when it is a bare prefix ("G", "Ki"), else 0. */
static const struct prefix *bare_prefix(const char *u, size_t n)
{
    for (const struct prefix *p = dec_bin_prefix + 1; p->symbol; p++)
        if (strlen(p->symbol) == n && memcmp(u, p->symbol, n) == 0)
            return p;
    return NULL;
}

/* Currency code: three capital ASCII letters (ISO 4217). */
static int is_currency(const char *u, size_t n)
{
    return n == 3 && isupper((unsigned char)u[0]) && isupper((unsigned char)u[1]) &&
           isupper((unsigned char)u[2]);
}

/* Carbon intensity MASS[CO2|CO2e]/ENERGY -> factor [kg/J], 0 when u is not one. */
static double parse_carbon(const char *u, size_t n)
{
    const char *slash = memchr(u, '/', n);
    if (!slash)
        return 0;
    size_t ml = (size_t)(slash - u);
    if (ml >= 5 && memcmp(slash - 4, "CO2e", 4) == 0)
        ml -= 4;
    else if (ml >= 4 && memcmp(slash - 3, "CO2", 3) == 0)
        ml -= 3;
    double mass = 0;
    for (const struct prefix *p = masses; p->symbol; p++)
        if (strlen(p->symbol) == ml && memcmp(u, p->symbol, ml) == 0)
            mass = p->factor;
    const char *e = slash + 1;
    size_t el = n - (size_t)(e - u);
    double energy = lookup(e, el, CPN_Q_ENERGY, NULL);
    return mass > 0 && energy > 0 ? mass / energy : 0;
}

/* Delay per length TIME/LENGTH -> factor [s/m], 0 when u is not one. */
static double parse_delay_per_length(const char *u, size_t n)
{
    const char *slash = memchr(u, '/', n);
    if (!slash || slash == u)
        return 0;
    double time = lookup(u, (size_t)(slash - u), CPN_Q_TIME, NULL);
    double length = lookup(slash + 1, n - (size_t)(slash - u) - 1, CPN_Q_LENGTH, NULL);
    return time > 0 && length > 0 ? time / length : 0;
}

/* Price CUR/DENOMINATOR: returns the quantity it is (CPN_Q_PRICE or CPN_Q_ENERGY_PRICE) and
 * the factor from "value" to SI, or CPN_Q_NQUANTITY when u is not a price.  *bad_currency is
 * set when the denominator is fine but the currency is not a code. */
static enum cpn_quantity parse_price(const char *u, size_t n, double *factor, char *currency,
                                     int *bad_currency)
{
    *bad_currency = 0;
    const char *slash = memchr(u, '/', n);
    if (!slash || slash == u)
        return CPN_Q_NQUANTITY;
    size_t cl = (size_t)(slash - u);
    const char *d = slash + 1;
    size_t dl = n - cl - 1;
    enum cpn_quantity kind = CPN_Q_NQUANTITY;
    double energy = lookup(d, dl, CPN_Q_ENERGY, NULL);
    if (energy > 0) {
        kind = CPN_Q_ENERGY_PRICE;
        *factor = 1.0 / energy;
    } else {
        for (const struct prefix *t = price_times; t->symbol; t++) {
            size_t tl = strlen(t->symbol);
            if (dl < tl || memcmp(d + dl - tl, t->symbol, tl) != 0)
                continue;
            size_t rl = dl - tl; /* resource word, optionally followed by '-' */
            if (rl > 0 && d[rl - 1] == '-')
                rl--;
            int good = rl == 0 || isalpha((unsigned char)d[0]);
            for (size_t i = 0; good && i < rl; i++)
                good = isalnum((unsigned char)d[i]) != 0;
            if (good && !(rl == 0 && dl > tl)) {
                kind = CPN_Q_PRICE;
                *factor = 1.0 / t->factor;
                break;
            }
        }
    }
    if (kind == CPN_Q_NQUANTITY)
        return kind;
    if (!is_currency(u, cl)) {
        *bad_currency = 1;
        return kind;
    }
    if (currency) {
        memcpy(currency, u, 3);
        currency[3] = '\0';
    }
    return kind;
}

/* Case-insensitive test whether s (length n) spells inf, infinity or nan, with optional sign. */
static int is_nonfinite_word(const char *s, size_t n)
{
    if (n && (*s == '+' || *s == '-'))
        s++, n--;
    static const char *const words[] = {"inf", "infinity", "nan"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(words[i]) == n && strncasecmp(s, words[i], n) == 0)
            return 1;
    return 0;
}

/* A decimal number at the start of s: [+-]digits[.digits][(e|E)[+-]digits].  Returns its
 * length, or 0 when there is none. */
static size_t scan_number(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (isdigit((unsigned char)s[i]))
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* The parts of an attribute value. */
struct parsed {
    const char *text; /* whole value, trimmed at the start */
    size_t text_len;  /* trimmed length */
    const char *num;  /* the number */
    size_t num_len;
    double value;
    const char *unit; /* what follows the number and blanks, up to the trailing blanks */
    size_t unit_len;
};

/* Split text into number and unit; checks emptiness, number syntax and finiteness. */
static int split(const char *text, const char *expect, struct parsed *p, char *why, size_t whylen)
{
    while (is_blank((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && is_blank((unsigned char)text[n - 1]))
        n--;
    p->text = text;
    p->text_len = n;
    int tl = n > 200 ? 200 : (int)n;
    if (!n)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "empty value (expected %s)", expect);
    p->num = text;
    p->num_len = scan_number(text);
    if (!p->num_len) {
        size_t w = 0;
        while (w < n && !is_blank((unsigned char)text[w]) && !isdigit((unsigned char)text[w]))
            w++;
        if (is_nonfinite_word(text, w))
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" is not a finite number", tl,
                                 text);
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" is not a number", tl, text);
    }
    if (p->num_len >= NUMBER_MAX)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" is too long to be a number", tl,
                             text);
    /* (strtod's value, in a fifth of its time: numparse.h) */
    if (cpn_numparse(text, p->num_len, &p->value) != 0)
        return CPN_ERROR(CPN_EINTERNAL, "\"%.*s\": scanned as a number but not read as one", tl,
                         text);
    if (!isfinite(p->value)) /* beyond DBL_MAX (an underflow is a subnormal or zero) */
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is out of range (numbers go up to %.2g)", tl, text, DBL_MAX);
    const char *u = text + p->num_len;
    while (u < text + n && is_blank((unsigned char)*u))
        u++;
    p->unit = u;
    p->unit_len = n - (size_t)(u - text);
    return CPN_OK;
}

/* Suggest units for a number written without one: "10Gbps" or "1.25GB/s". */
static int no_unit(const struct parsed *p, enum cpn_quantity q, char *why, size_t whylen)
{
    int tl = p->text_len > 200 ? 200 : (int)p->text_len;
    int nl = (int)p->num_len;
    const char *num = p->num;
    const struct prefix *pre = p->unit_len ? bare_prefix(p->unit, p->unit_len) : NULL;
    int binary = pre && pre->symbol[1] == 'i';
    const char *ps = pre ? pre->symbol : NULL;
    char ex[160];
    switch (q) {
    case CPN_Q_RATE:
        if (binary)
            snprintf(ex, sizeof ex, "\"%.*s%sB/s\"", nl, num, ps);
        else
            snprintf(ex, sizeof ex, "\"%.*s%sbps\" or \"%g%sB/s\"", nl, num, ps ? ps : "G",
                     p->value / 8, ps ? ps : "G");
        break;
    case CPN_Q_SIZE:
        if (ps)
            snprintf(ex, sizeof ex, "\"%.*s%sB\"", nl, num, ps);
        else
            snprintf(ex, sizeof ex, "\"%.*sGB\" or \"%.*sGiB\"", nl, num, nl, num);
        break;
    case CPN_Q_FLOP:
        snprintf(ex, sizeof ex, "\"%.*s%sFLOP\"", nl, num, ps && !binary ? ps : "");
        break;
    case CPN_Q_FLOPS:
        snprintf(ex, sizeof ex, "\"%.*s%sFLOPS\" or \"%.*s%sFLOP/s\"", nl, num,
                 ps && !binary ? ps : "T", nl, num, ps && !binary ? ps : "T");
        break;
    case CPN_Q_POWER:
        snprintf(ex, sizeof ex, "\"%.*s%sW\"", nl, num, ps && !binary ? ps : "k");
        break;
    case CPN_Q_ENERGY:
        snprintf(ex, sizeof ex, "\"%.*s%sJ\" or \"%.*s%sWh\"", nl, num, ps && !binary ? ps : "M",
                 nl, num, ps && !binary ? ps : "k");
        break;
    case CPN_Q_TIME:
        snprintf(ex, sizeof ex, "\"%.*ss\" or \"%.*sms\"", nl, num, nl, num);
        break;
    case CPN_Q_LENGTH:
        snprintf(ex, sizeof ex, "\"%.*skm\" or \"%.*sm\"", nl, num, nl, num);
        break;
    case CPN_Q_EVENT_RATE:
        snprintf(ex, sizeof ex, "\"%.*s/h\" or \"%.*s/s\"", nl, num, nl, num);
        break;
    case CPN_Q_CARBON:
        snprintf(ex, sizeof ex, "\"%.*skg/kWh\"", nl, num);
        break;
    case CPN_Q_PRICE:
        snprintf(ex, sizeof ex, "\"%.*sCNY/GPUh\"", nl, num);
        break;
    case CPN_Q_DELAY_PER_LENGTH:
        snprintf(ex, sizeof ex, "\"%.*sus/km\"", nl, num);
        break;
    case CPN_Q_ENERGY_PRICE:
    default:
        snprintf(ex, sizeof ex, "\"%.*sCNY/kWh\"", nl, num);
        break;
    }
    return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" has no unit (use e.g. %s)", tl,
                         p->text, ex);
}

int cpn_units_parse_ex(const char *text, enum cpn_quantity q, unsigned flags, double *out,
                       char *currency, char *why, size_t whylen)
{
    if (!text || !out || (unsigned)q >= CPN_Q_NQUANTITY || (flags & ~CPN_UNITS_ALLOW_NEGATIVE))
        return CPN_ERROR(CPN_EINVAL, "cpn_units_parse: bad argument");
    const struct quantity_info *qi = &quantities[q];
    char expect[128];
    snprintf(expect, sizeof expect, "%s %s in %s", qi->article, qi->name, qi->list);
    struct parsed p;
    int rc = split(text, expect, &p, why, whylen);
    if (rc != CPN_OK)
        return rc;
    int tl = p.text_len > 200 ? 200 : (int)p.text_len;
    int ul = p.unit_len > 200 ? 200 : (int)p.unit_len;
    int is_price = q == CPN_Q_PRICE || q == CPN_Q_ENERGY_PRICE;
    if (is_price && currency)
        currency[0] = '\0';

    if (p.unit_len == 0 || bare_prefix(p.unit, p.unit_len)) {
        if (p.value == 0 && p.unit_len == 0) {
            *out = 0.0; /* also turns -0 into +0 */
            return ok(why, whylen);
        }
        return no_unit(&p, q, why, whylen);
    }

    double factor = 0;
    enum cpn_quantity found = CPN_Q_NQUANTITY;
    char cur[CPN_CURRENCY_LEN] = "";
    int bad_currency = 0;
    if (q == CPN_Q_CARBON) {
        factor = parse_carbon(p.unit, p.unit_len);
        found = factor > 0 ? q : CPN_Q_NQUANTITY;
    } else if (q == CPN_Q_DELAY_PER_LENGTH) {
        factor = parse_delay_per_length(p.unit, p.unit_len);
        found = factor > 0 ? q : CPN_Q_NQUANTITY;
    } else if (is_price) {
        found = parse_price(p.unit, p.unit_len, &factor, cur, &bad_currency);
        if (found == q && bad_currency)
            return CPN_ERROR_WHY(
                CPN_ESCENARIO, why, whylen,
                "currency \"%.*s\" in \"%.*s\" is not an ISO 4217 code (use e.g. CNY or "
                "USD)",
                (int)(strchr(p.unit, '/') - p.unit), p.unit, tl, p.text);
    } else {
        factor = lookup(p.unit, p.unit_len, q, &found);
    }

    if (found != q) {
        /* Is it a unit of another quantity? */
        double f2;
        int bc;
        char c2[CPN_CURRENCY_LEN];
        if (lookup(p.unit, p.unit_len, CPN_Q_NQUANTITY, &found) == 0) {
            if (parse_carbon(p.unit, p.unit_len) > 0)
                found = CPN_Q_CARBON;
            else if (parse_delay_per_length(p.unit, p.unit_len) > 0)
                found = CPN_Q_DELAY_PER_LENGTH;
            else
                found = parse_price(p.unit, p.unit_len, &f2, c2, &bc);
        }
        if (found != CPN_Q_NQUANTITY && found != q)
            return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                                 "unit \"%.*s\" is %s %s, not %s %s (use %s)", ul, p.unit,
                                 quantities[found].article, quantities[found].name, qi->article,
                                 qi->name, qi->list);
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "unit \"%.*s\" is not %s %s (use %s)", ul,
                             p.unit, qi->article, qi->name, qi->list);
    }

    if (p.value < 0 && !(flags & CPN_UNITS_ALLOW_NEGATIVE))
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" is negative", tl, p.text);
    double v = p.value * factor;
    if (!isfinite(v))
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is out of range (numbers go up to %.2g %s)", tl, p.text,
                             DBL_MAX, qi->si);
    if (v != 0 && fabs(v) < DBL_MIN) /* a subnormal: it would lose its digits in arithmetic */
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is too small (%g %s, below %g: give 0 or a larger value)",
                             tl, p.text, v, qi->si, DBL_MIN);
    *out = v == 0 ? 0.0 : v;
    if (is_price && currency)
        memcpy(currency, cur, sizeof cur);
    return ok(why, whylen);
}

int cpn_units_parse(const char *text, enum cpn_quantity q, double *out, char *why, size_t whylen)
{
    return cpn_units_parse_ex(text, q, 0, out, NULL, why, whylen);
}

int cpn_units_parse_number(const char *text, unsigned flags, double *out, char *why, size_t whylen)
{
    if (!text || !out || (flags & ~CPN_UNITS_ALLOW_NEGATIVE))
        return CPN_ERROR(CPN_EINVAL, "cpn_units_parse_number: bad argument");
    struct parsed p;
    int rc = split(text, "a number", &p, why, whylen);
    if (rc != CPN_OK)
        return rc;
    int tl = p.text_len > 200 ? 200 : (int)p.text_len;
    if (p.unit_len)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is not a plain number (no unit expected here)", tl, p.text);
    if (p.value < 0 && !(flags & CPN_UNITS_ALLOW_NEGATIVE))
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen, "\"%.*s\" is negative", tl, p.text);
    if (p.value != 0 && fabs(p.value) < DBL_MIN)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is too small (below %g: give 0 or a larger value)", tl,
                             p.text, DBL_MIN);
    *out = p.value == 0 ? 0.0 : p.value;
    return ok(why, whylen);
}

int cpn_units_parse_ratio(const char *text, double *out, char *why, size_t whylen)
{
    if (!text || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_units_parse_ratio: bad argument");
    struct parsed p;
    int rc = split(text, "a ratio such as \"0.5\" or \"50%\"", &p, why, whylen);
    if (rc != CPN_OK)
        return rc;
    int tl = p.text_len > 200 ? 200 : (int)p.text_len;
    double v = p.value;
    if (p.unit_len == 1 && p.unit[0] == '%')
        v /= 100.0;
    else if (p.unit_len)
        return CPN_ERROR_WHY(CPN_ESCENARIO, why, whylen,
                             "\"%.*s\" is not a ratio (use e.g. \"0.5\" or \"50%%\")", tl, p.text);
    if (!(v >= 0.0 && v <= 1.0))
        return CPN_ERROR_WHY(
            CPN_ESCENARIO, why, whylen,
            "\"%.*s\" is not a ratio between 0 and 1 (use e.g. \"0.5\" or \"50%%\")", tl, p.text);
    *out = v == 0 ? 0.0 : v;
    return ok(why, whylen);
}

const char *cpn_units_name(enum cpn_quantity q)
{
    return (unsigned)q < CPN_Q_NQUANTITY ? quantities[q].name : "unknown quantity";
}

const char *cpn_units_list(enum cpn_quantity q)
{
    return (unsigned)q < CPN_Q_NQUANTITY ? quantities[q].list : "";
}

const char *cpn_units_si(enum cpn_quantity q)
{
    return (unsigned)q < CPN_Q_NQUANTITY ? quantities[q].si : "";
}
