/* PLACEHOLDER: to be replaced by the real suite for module "load". */
#include "tests/unit/suites.h"
int cpn_test_register_load(void)
{
    return CUE_SUCCESS;
}
