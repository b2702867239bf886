/* PLACEHOLDER: to be replaced by the real suite for module "graphml". */
#include "tests/unit/suites.h"
int cpn_test_register_graphml(void)
{
    return CUE_SUCCESS;
}
