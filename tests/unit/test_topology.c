/* PLACEHOLDER: to be replaced by the real suite for module "topology". */
#include "tests/unit/suites.h"
int cpn_test_register_topology(void)
{
    return CUE_SUCCESS;
}
