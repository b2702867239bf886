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
     * [-]d[.ddd]e(+|-)dd[d], at most 24 characters, so that the buffer always holds it.  Laid
     * out again by whole runs of digits (memcpy), not digit by digit. */
    char sci[CPN_NUMTEXT_MAX];
    std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, x, std::chars_format::scientific);
    const char *p = sci, *end = r.ptr;
    size_t n = 0;
    if (*p == '-')
        buf[n++] = *p++;
    /* The exponent has two digits or three ("e+05", "e-308"), so its 'e' is 4 or 5 from the end
     * (found without a call of memchr(): 10% of --flows-out's time was that call). */
    const char *mark = end[-4] == 'e' ? end - 4 : end - 5;
    char first = p[0];                              /* the first digit */
    const char *frac = p[1] == '.' ? p + 2 : p + 1; /* the other digits, */
    size_t nf = (size_t)(mark - frac);              /* nf of them */
    int negative = mark[1] == '-', e = 0;
    for (const char *q = mark + 2; q < end; q++)
        e = 10 * e + (*q - '0');
    if (negative)
        e = -e;
    if (e >= 0 && e < 17) { /* decimal notation: e + 1 digits before the point */
        size_t ue = (size_t)e, k = nf < ue ? nf : ue;
        buf[n++] = first;
        std::memcpy(buf + n, frac, k);
        n += k;
        if (ue > nf) {
            std::memset(buf + n, '0', ue - nf);
            n += ue - nf;
        } else if (nf > ue) {
            buf[n++] = '.';
            std::memcpy(buf + n, frac + ue, nf - ue);
            n += nf - ue;
        }
    } else if (e < 0 && e >= -4) { /* decimal notation: "0." and -e - 1 zeros first */
        size_t z = (size_t)(-e - 1);
        buf[n++] = '0';
        buf[n++] = '.';
        std::memset(buf + n, '0', z);
        n += z;
        buf[n++] = first;
        std::memcpy(buf + n, frac, nf);
        n += nf;
    } else { /* exponent notation, the exponent without leading zeros */
        std::memcpy(buf + n, p, (size_t)(mark - p));
        n += (size_t)(mark - p);
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
