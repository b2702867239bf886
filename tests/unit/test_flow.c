/* PLACEHOLDER: to be replaced by the real suite for module "flow". */
#include "tests/unit/suites.h"
int cpn_test_register_flow(void)
{
    return CUE_SUCCESS;
}
