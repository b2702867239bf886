/* Suite "array": the growable-array helper and the id map. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/error.h"
#include "sim/idmap.h"
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

/* 20,000 ids, half short node names and half route texts of a path column (long keys sharing
 * long prefixes), inserted through every growth of the table: each is found with the index it
 * was given (as is a key's prefix that is another key); the absent ones (a prefix, an
 * extension, a changed character, "") are not; the prefetch hints before each look-up change
 * none of that. */
static void test_id_map_finds_every_key_and_no_other(void)
{
    enum { N = 20000 };
    char **keys = calloc(N, sizeof *keys);
    CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
    struct cpn_idmap m = {0};
    uint64_t early[64]; /* tokens of the first keys, taken while the table was small */
    CU_ASSERT_EQUAL(cpn_idmap_find(&m, "h1"), CPN_NONE); /* empty */
    CU_ASSERT_EQUAL(cpn_idmap_prefetch(&m, "h1"), 0);    /* (a hint: nothing to fetch) */
    CU_ASSERT_EQUAL(cpn_idmap_prefetch_key(&m, 12345), CPN_NONE);
    for (int i = 0; i < N; i++) {
        char buf[96];
        if (i % 2)
            snprintf(buf, sizeof buf, "h%d", i);
        else
            snprintf(buf, sizeof buf, "h21 c4 c26 c37 c5 c13 c36 c18 c17 c8 c38 c20 c3 c9 h%d", i);
        keys[i] = strdup(buf);
        CU_ASSERT_PTR_NOT_NULL_FATAL(keys[i]);
        CU_ASSERT_EQUAL_FATAL(cpn_idmap_insert(&m, keys[i], (uint32_t)(N - i)), CPN_OK);
        if (i < 64)
            early[i] = cpn_idmap_prefetch(&m, keys[i]);
    }
    CU_ASSERT_EQUAL(m.len, N);
    int wrong = 0, found = 0;
    for (int i = 0; i < N; i++) {
        char buf[100];
        /* The hints before the look-up (they read the slots: ASan checks the probe stays in
         * the table) change nothing it finds. */
        uint64_t token = cpn_idmap_prefetch(&m, keys[i]);
        wrong += token == 0;
        /* (The probe's index is unverified in general; with these keys no two share a tag
         * along a probe, so it is the key's own.) */
        wrong += cpn_idmap_prefetch_key(&m, token) != (uint32_t)(N - i);
        cpn_idmap_prefetch_key(&m, ~token);
        wrong += cpn_idmap_find(&m, keys[i]) != (uint32_t)(N - i);
        snprintf(buf, sizeof buf, "%s", keys[i]); /* a copy: found by its text, not its address */
        wrong += cpn_idmap_find(&m, buf) != (uint32_t)(N - i);
        /* By the hint's token (the hash: valid after the table grew), or 0 (hashed here). */
        wrong += cpn_idmap_find_token(&m, buf, token) != (uint32_t)(N - i);
        wrong += cpn_idmap_find_token(&m, buf, 0) != (uint32_t)(N - i);
        wrong += i < 64 && (early[i] != token ||
                            cpn_idmap_find_token(&m, buf, early[i]) != (uint32_t)(N - i));
        snprintf(buf, sizeof buf, "%s ", keys[i]);
        found += cpn_idmap_find(&m, buf) != CPN_NONE;
        found += cpn_idmap_find_token(&m, buf, cpn_idmap_prefetch(&m, buf)) != CPN_NONE;
        /* Without its last digit, key i reads as key i / 10 when that has i's form. */
        snprintf(buf, sizeof buf, "%.*s", (int)strlen(keys[i]) - 1, keys[i]);
        uint32_t want = i >= 10 && i / 10 % 2 == i % 2 ? (uint32_t)(N - i / 10) : CPN_NONE;
        wrong += cpn_idmap_find(&m, buf) != want;
        snprintf(buf, sizeof buf, "%sx", keys[i]);
        buf[strlen(buf) - 2] = 'x';
        found += cpn_idmap_find(&m, buf) != CPN_NONE;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(found, 0);
    CU_ASSERT_EQUAL(cpn_idmap_find(&m, ""), CPN_NONE);
    CU_ASSERT_EQUAL(cpn_idmap_find(&m, NULL), CPN_NONE);
    CU_ASSERT_EQUAL(cpn_idmap_prefetch(&m, NULL), 0);
    CU_ASSERT_EQUAL(m.len, N);
    cpn_idmap_release(&m);
    CU_ASSERT_EQUAL(cpn_idmap_find(&m, "h1"), CPN_NONE);
    for (int i = 0; i < N; i++)
        free(keys[i]);
    free(keys);
}

int cpn_test_register_array(void)
{
    CU_pSuite s = CU_add_suite("array", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "push grows geometrically and keeps values",
                     test_push_grows_geometrically_and_keeps_values) ||
        !CU_add_test(s, "an oversized reservation fails cleanly",
                     test_oversized_reservation_fails_cleanly) ||
        !CU_add_test(s, "the id map finds every key and no other",
                     test_id_map_finds_every_key_and_no_other))
        return CU_get_error();
    return CUE_SUCCESS;
}
