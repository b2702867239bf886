/* The shortest round-trip text of a double (see numtext.h), by double-conversion. */
#include <double-conversion/double-conversion.h>

#include "cli/numtext.h"

using double_conversion::DoubleToStringConverter;
using double_conversion::StringBuilder;

size_t cpn_numtext(double x, char *buf)
{
    /* Decimal notation for decimal exponents in [-4, 17), as "%g" (which would write 17 digits
     * at most); "e+NN" and "e-NN" beyond; inf and nan as printf writes them. */
    static const DoubleToStringConverter conv(DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN,
                                              "inf", "nan", 'e', -4, 17, 0, 0);
    StringBuilder sb(buf, CPN_NUMTEXT_MAX);
    if (!conv.ToShortest(x, &sb)) /* only for a NaN or infinity without a symbol: not here */
        sb.AddString("nan");
    int n = sb.position();
    sb.Finalize();
    return (size_t)n;
}
