/* PLACEHOLDER: to be replaced by the real suite for module "rng". */
#include "tests/unit/suites.h"
int cpn_test_register_rng(void)
{
    return CUE_SUCCESS;
}
