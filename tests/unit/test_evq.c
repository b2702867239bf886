/* PLACEHOLDER: to be replaced by the real suite for module "evq". */
#include "tests/unit/suites.h"
int cpn_test_register_evq(void)
{
    return CUE_SUCCESS;
}
