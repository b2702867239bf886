/* PLACEHOLDER: to be replaced by the real suite for module "units". */
#include "tests/unit/suites.h"
int cpn_test_register_units(void)
{
    return CUE_SUCCESS;
}
