/* Suite "array": the growable-array helper. */
#include "sim/array.h"
#include "tests/unit/suites.h"

static void test_push_grows_geometrically_and_keeps_values(void)
{
    CPN_ARRAY(int) a = {0};
    size_t reallocations = 0, last_cap = 0;
    for (int i = 0; i < 100000; i++) {
        CU_ASSERT_EQUAL_FATAL(cpn_array_push(&a, i), CPN_OK);
        if (a.cap != last_cap) {
            reallocations++;
            last_cap = a.cap;
        }
    }
    CU_ASSERT_EQUAL(a.len, 100000);
    /* Doubling from 8: 8 * 2^14 = 131072 >= 1e5, so 15 capacities in all. */
    CU_ASSERT_EQUAL(reallocations, 15);
    CU_ASSERT_EQUAL(a.cap, 131072);
    int ok = 1;
    for (int i = 0; i < 100000; i++)
        ok &= a.items[i] == i;
    CU_ASSERT_TRUE(ok);
    cpn_array_release(&a);
    CU_ASSERT_PTR_NULL(a.items);
    CU_ASSERT_EQUAL(a.len, 0);
}

static void test_oversized_reservation_fails_cleanly(void)
{
    CPN_ARRAY(double) a = {0};
    CU_ASSERT_EQUAL(cpn_array_push(&a, 1.0), CPN_OK);
    CU_ASSERT_EQUAL(cpn_array_reserve(&a, SIZE_MAX / 4), CPN_ENOMEM);
    CU_ASSERT_EQUAL(a.len, 1);
    CU_ASSERT_EQUAL(a.items[0], 1.0);
    cpn_array_release(&a);
}

int cpn_test_register_array(void)
{
    CU_pSuite s = CU_add_suite("array", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "push grows geometrically and keeps values",
                     test_push_grows_geometrically_and_keeps_values) ||
        !CU_add_test(s, "an oversized reservation fails cleanly",
                     test_oversized_reservation_fails_cleanly))
        return CU_get_error();
    return CUE_SUCCESS;
}
