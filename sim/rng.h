/**
 * @file sim/rng.h
 * @brief Named, independent random streams (GSL generators) seeded from (seed, stream name).
 *
 * Every model component draws from its own stream, looked up by name ("workload/ai-train",
 * "policy/random", ...).  The stream's seed is a hash of the scenario seed and the name, so
 * adding a component (a new stream) does not change the draws of any other stream, and the same
 * (seed, name) always gives the same sequence.
 */
#ifndef CPN_SIM_RNG_H
#define CPN_SIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

struct cpn_rng;

/**
 * Create an empty set of streams for scenario seed @p seed.
 * @return the set (caller frees with cpn_rng_free()) or NULL when out of memory.
 */
struct cpn_rng *cpn_rng_new(uint64_t seed);

/** Free the set and all its streams; accepts NULL. */
void cpn_rng_free(struct cpn_rng *r);

/**
 * Return the stream named @p name, creating it on first use.
 * @param name non-empty stream name (copied).
 * @param out receives the generator (owned by the set; valid until cpn_rng_free()).
 * @return CPN_OK; CPN_EINVAL for an empty name; CPN_ENOMEM.
 */
int cpn_rng_stream(struct cpn_rng *r, const char *name, gsl_rng **out);

/**
 * Derive the 64-bit seed of stream @p name under scenario seed @p seed (exposed for tests and
 * documentation).  Deterministic across platforms.
 */
uint64_t cpn_rng_derive_seed(uint64_t seed, const char *name);

#endif /* CPN_SIM_RNG_H */
