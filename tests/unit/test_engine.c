/* PLACEHOLDER: to be replaced by the real suite for module "engine". */
#include "tests/unit/suites.h"
int cpn_test_register_engine(void)
{
    return CUE_SUCCESS;
}
