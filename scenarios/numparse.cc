/* Decimal text to the nearest double (see numparse.h), by fast_float.  Built without exceptions
 * or RTTI: fast_float is header-only, so the object needs nothing of the C++ runtime and links
 * into C programs (the benchmarks) as well. */
#include <fast_float/fast_float.h>

#include "scenarios/numparse.h"

int cpn_numparse(const char *text, size_t len, double *out)
{
    const char *end = text + len;
    if (text < end && *text == '+') { /* from_chars takes a minus sign only */
        text++;
        if (text < end && (*text == '+' || *text == '-'))
            return -1; /* "+-5" */
    }
    double v;
    fast_float::from_chars_result r = fast_float::from_chars(text, end, v);
    if (r.ec != std::errc() || r.ptr != end) /* (an empty text is an error of from_chars) */
        return -1;
    *out = v;
    return 0;
}
