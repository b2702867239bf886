/* The shortest round-trip text of a double (see numtext.h): the C++ standard library's shortest
 * digits, laid out as "%g" lays out numbers. */
#include <charconv>
#include <cmath>
#include <cstring>

#include "cli/numtext.h"

size_t cpn_numtext(double x, char *buf)
{
    if (std::isnan(x)) { /* printf's text, whatever the sign */
        std::memcpy(buf, "nan", 4);
        return 3;
    }
    if (std::isinf(x)) {
        const char *t = x < 0 ? "-inf" : "inf";
        size_t len = std::strlen(t);
        std::memcpy(buf, t, len + 1);
        return len;
    }
    /* The shortest digits that read back exactly (of those, the nearest), in scientific layout:
     * [-]d[.ddd]e(+|-)dd[d], at most 24 characters, so that the buffer always holds it. */
    char sci[CPN_NUMTEXT_MAX];
    std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, x, std::chars_format::scientific);
    const char *p = sci, *end = r.ptr;
    size_t n = 0;
    if (*p == '-')
        buf[n++] = *p++;
    char digits[CPN_NUMTEXT_MAX]; /* (at most 17) */
    int nd = 0;
    digits[nd++] = *p++;
    if (*p == '.')
        for (p++; *p != 'e'; p++)
            digits[nd++] = *p;
    p++; /* the 'e' */
    int negative = *p++ == '-', e = 0;
    for (; p < end; p++)
        e = 10 * e + (*p - '0');
    if (negative)
        e = -e;
    if (e >= -4 && e < 17) { /* decimal notation */
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                buf[n++] = i < nd ? digits[i] : '0';
            if (nd > e + 1) {
                buf[n++] = '.';
                for (int i = e + 1; i < nd; i++)
                    buf[n++] = digits[i];
            }
        } else {
            buf[n++] = '0';
            buf[n++] = '.';
            for (int i = 0; i < -e - 1; i++)
                buf[n++] = '0';
            for (int i = 0; i < nd; i++)
                buf[n++] = digits[i];
        }
    } else { /* exponent notation, the exponent without leading zeros */
        buf[n++] = digits[0];
        if (nd > 1) {
            buf[n++] = '.';
            for (int i = 1; i < nd; i++)
                buf[n++] = digits[i];
        }
        buf[n++] = 'e';
        buf[n++] = e < 0 ? '-' : '+';
        int a = e < 0 ? -e : e;
        if (a >= 100)
            buf[n++] = (char)('0' + a / 100);
        if (a >= 10)
            buf[n++] = (char)('0' + a / 10 % 10);
        buf[n++] = (char)('0' + a % 10);
    }
    buf[n] = '\0';
    return n;
}
