/* Suite "rng": named GSL streams seeded from (scenario seed, stream name). */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <string.h>

#include "sim/error.h"
#include "sim/rng.h"
#include "tests/unit/suites.h"

enum { DRAWS = 1000 };

/* Fill xs with DRAWS raw outputs of stream @p name of a fresh set seeded @p seed. */
static void draw_fresh(uint64_t seed, const char *name, unsigned long *xs)
{
    struct cpn_rng *r = cpn_rng_new(seed);
    gsl_rng *g = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, name, &g), CPN_OK);
    for (int i = 0; i < DRAWS; i++)
        xs[i] = gsl_rng_get(g);
    cpn_rng_free(r);
}

static void test_same_seed_and_name_give_the_same_sequence(void)
{
    unsigned long a[DRAWS], b[DRAWS];
    draw_fresh(42, "workload/ai-train", a);
    draw_fresh(42, "workload/ai-train", b);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
}

/* An owned stream (cpn_rng_stream_new) gives the sequence of the set's stream of that name, and
 * is not added to the set. */
static void test_an_owned_stream_gives_the_named_sequence(void)
{
    unsigned long a[DRAWS];
    draw_fresh(42, "jobs/inference/7", a);
    struct cpn_rng *r = cpn_rng_new(42);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    gsl_rng *g = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream_new(r, "jobs/inference/7", &g), CPN_OK);
    int same = 1;
    for (int i = 0; i < DRAWS; i++)
        same &= gsl_rng_get(g) == a[i];
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(cpn_rng_count(r), 0);
    gsl_rng_free(g);
    CU_ASSERT_EQUAL(cpn_rng_stream_new(r, "", &g), CPN_EINVAL);
    cpn_rng_free(r);
}

static void test_another_seed_or_name_gives_another_sequence(void)
{
    unsigned long base[DRAWS], other_seed[DRAWS], other_name[DRAWS];
    draw_fresh(42, "workload/ai-train", base);
    draw_fresh(43, "workload/ai-train", other_seed);
    draw_fresh(42, "workload/ai-trains", other_name);
    /* Independent 32-bit streams agree on a draw with probability 2^-32: count agreements. */
    int same_seed = 0, same_name = 0;
    for (int i = 0; i < DRAWS; i++) {
        same_seed += base[i] == other_seed[i];
        same_name += base[i] == other_name[i];
    }
    CU_ASSERT_EQUAL(same_seed, 0);
    CU_ASSERT_EQUAL(same_name, 0);
}

static void test_a_stream_does_not_depend_on_streams_created_or_used_in_between(void)
{
    unsigned long alone[DRAWS];
    draw_fresh(7, "a", alone);
    struct cpn_rng *r = cpn_rng_new(7);
    gsl_rng *a = NULL, *b = NULL, *c = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "b", &b), CPN_OK); /* created before "a" */
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "a", &a), CPN_OK);
    int same = 0;
    for (int i = 0; i < DRAWS; i++) {
        gsl_rng_get(b); /* interleaved use of another stream */
        if (i == DRAWS / 2)
            CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "0-sorts-first", &c), CPN_OK);
        same += gsl_rng_get(a) == alone[i];
    }
    CU_ASSERT_EQUAL(same, DRAWS);
    CU_ASSERT_EQUAL(cpn_rng_count(r), 3);
    cpn_rng_free(r);
}

static void test_looking_a_stream_up_again_continues_it(void)
{
    unsigned long alone[DRAWS];
    draw_fresh(1, "policy/random", alone);
    struct cpn_rng *r = cpn_rng_new(1);
    gsl_rng *first = NULL, *again = NULL;
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "policy/random", &first), CPN_OK);
    CU_ASSERT_EQUAL(gsl_rng_get(first), alone[0]);
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "policy/random", &again), CPN_OK);
    CU_ASSERT_PTR_EQUAL(again, first);
    CU_ASSERT_EQUAL(gsl_rng_get(again), alone[1]); /* not restarted */
    CU_ASSERT_EQUAL(cpn_rng_count(r), 1);
    cpn_rng_free(r);
}

static void test_the_derived_seed_matches_an_independent_computation(void)
{
    /* Expected values from an independent Python implementation of the documented formula
     * splitmix64_mix(splitmix64_mix(seed + 0x9e3779b97f4a7c15) ^ fnv1a64(name)); that FNV-1a
     * gave 0xaf63dc4c8601ec8c for "a", the published test vector. */
    CU_ASSERT_EQUAL(cpn_rng_derive_seed(42, "workload/ai-train"), UINT64_C(0xfa9a06bf08c69a93));
    CU_ASSERT_EQUAL(cpn_rng_derive_seed(0, "a"), UINT64_C(0x223510de0dd4615f));
    CU_ASSERT_EQUAL(cpn_rng_derive_seed(UINT64_MAX, "policy/random"), UINT64_C(0x3d75e93af05a803a));
    /* The fold to 32 bits: high half XOR low half. */
    CU_ASSERT_EQUAL(cpn_rng_gsl_seed(UINT64_C(0xfa9a06bf08c69a93)), 0xf25c9c2cUL);
    CU_ASSERT_EQUAL(cpn_rng_gsl_seed(UINT64_C(0x3d75e93af05a803a)), 0xcd2f6900UL);
}

static void test_a_stream_is_mt19937_seeded_with_the_folded_derived_seed(void)
{
    struct cpn_rng *r = cpn_rng_new(42);
    gsl_rng *g = NULL, *ref = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, "workload/ai-train", &g), CPN_OK);
    CU_ASSERT_STRING_EQUAL(gsl_rng_name(g), "mt19937");
    gsl_rng_set(ref, 0xf25c9c2cUL); /* the fold computed in the test above */
    int same = 0;
    for (int i = 0; i < DRAWS; i++)
        same += gsl_rng_get(g) == gsl_rng_get(ref);
    CU_ASSERT_EQUAL(same, DRAWS);
    gsl_rng_free(ref);
    cpn_rng_free(r);
}

static void test_many_streams_are_found_by_name(void)
{
    enum { K = 300 };
    struct cpn_rng *r = cpn_rng_new(5);
    gsl_rng *made[K];
    char name[32];
    /* Create in a scrambled order (i * 7 mod 300 visits every i once: gcd(7, 300) = 1). */
    for (int k = 0; k < K; k++) {
        snprintf(name, sizeof name, "center/%d", (k * 7) % K);
        CU_ASSERT_EQUAL_FATAL(cpn_rng_stream(r, name, &made[(k * 7) % K]), CPN_OK);
    }
    CU_ASSERT_EQUAL(cpn_rng_count(r), K);
    int found = 0, distinct = 1;
    for (int i = 0; i < K; i++) {
        gsl_rng *g = NULL;
        snprintf(name, sizeof name, "center/%d", i);
        found += cpn_rng_stream(r, name, &g) == CPN_OK && g == made[i];
        if (i > 0)
            distinct &= made[i] != made[i - 1];
    }
    CU_ASSERT_EQUAL(found, K);
    CU_ASSERT_TRUE(distinct);
    CU_ASSERT_EQUAL(cpn_rng_count(r), K); /* lookups created nothing */
    cpn_rng_free(r);
}

static void test_an_empty_or_null_name_is_einval(void)
{
    struct cpn_rng *r = cpn_rng_new(0);
    gsl_rng *g = NULL;
    CU_ASSERT_EQUAL(cpn_rng_stream(r, "", &g), CPN_EINVAL);
    CU_ASSERT_EQUAL(cpn_rng_stream(r, NULL, &g), CPN_EINVAL);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_EQUAL(cpn_rng_count(r), 0);
    cpn_rng_free(r);
    cpn_rng_free(NULL);
}

int cpn_test_register_rng(void)
{
    CU_pSuite s = CU_add_suite("rng", NULL, NULL);
    if (!s ||
        !CU_add_test(s, "the same seed and name give the same sequence",
                     test_same_seed_and_name_give_the_same_sequence) ||
        !CU_add_test(s, "an owned stream gives the named sequence and is not kept",
                     test_an_owned_stream_gives_the_named_sequence) ||
        !CU_add_test(s, "another seed or name gives another sequence",
                     test_another_seed_or_name_gives_another_sequence) ||
        !CU_add_test(s, "a stream does not depend on streams created or used in between",
                     test_a_stream_does_not_depend_on_streams_created_or_used_in_between) ||
        !CU_add_test(s, "looking a stream up again continues it",
                     test_looking_a_stream_up_again_continues_it) ||
        !CU_add_test(s, "the derived seed matches an independent computation",
                     test_the_derived_seed_matches_an_independent_computation) ||
        !CU_add_test(s, "a stream is mt19937 seeded with the folded derived seed",
                     test_a_stream_is_mt19937_seeded_with_the_folded_derived_seed) ||
        !CU_add_test(s, "many streams are found by name", test_many_streams_are_found_by_name) ||
        !CU_add_test(s, "an empty or NULL name is CPN_EINVAL",
                     test_an_empty_or_null_name_is_einval))
        return CU_get_error();
    return CUE_SUCCESS;
}
