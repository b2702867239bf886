/**
 * @file sim/rng.h
 * @brief Named, independent random streams (GSL generators) seeded from (seed, stream name).
 *
 * Every model component draws from its own stream, looked up by name ("workload/ai-train",
 * "policy/random", ...).  The stream's seed is a hash of the scenario seed and the name, so
 * adding a component (a new stream) does not change the draws of any other stream, and the same
 * (seed, name) always gives the same sequence.
 *
 * Generator: gsl_rng_mt19937 (Matsumoto & Nishimura, ACM TOMACS 8(1), 1998), GSL's default and
 * the generator DESIGN.md §3 names; GSL has no counter-based generator to measure against.
 * Seeding (not a generator): the stream seed is SplitMix64's mixer (Steele, Lea & Flood, OOPSLA
 * 2014) applied to the mixed scenario seed XOR the 64-bit FNV-1a hash of the name
 * (cpn_rng_derive_seed()), folded to 32 bits because GSL's mt19937 uses only the low 32 bits of
 * its seed (cpn_rng_gsl_seed()).  Approximation: two names can therefore share a generator seed
 * with probability about k^2 / 2^33 for k streams (1e-4 for a thousand streams).
 */
#ifndef CPN_SIM_RNG_H
#define CPN_SIM_RNG_H

#include <stddef.h>
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
 * @return CPN_OK; CPN_EINVAL for an empty or NULL name; CPN_ENOMEM when the stream cannot be
 *         allocated.  O(log k) for an existing stream and O(k) to create one, k streams (streams
 *         are looked up at setup, not per event).
 */
int cpn_rng_stream(struct cpn_rng *r, const char *name, gsl_rng **out);

/**
 * Create a generator of stream @p name owned by the caller: the same sequence as the stream of
 * that name in the set (cpn_rng_stream()) would give, without keeping it in the set, for streams
 * of short-lived objects (one per inference service) whose memory must be returned when they end.
 * @param name non-empty stream name (not kept).
 * @param out receives the generator (caller frees with gsl_rng_free()).
 * @return CPN_OK; CPN_EINVAL for an empty or NULL name; CPN_ENOMEM.  O(1).
 */
int cpn_rng_stream_new(const struct cpn_rng *r, const char *name, gsl_rng **out);

/**
 * Derive the 64-bit seed of stream @p name under scenario seed @p seed (exposed for tests and
 * documentation).  Deterministic across platforms.
 */
uint64_t cpn_rng_derive_seed(uint64_t seed, const char *name);

/**
 * Fold a derived 64-bit seed to the 32-bit value given to gsl_rng_set() (high XOR low half), so
 * that every bit of the derived seed matters and the result is the same where unsigned long has
 * 32 bits.
 */
unsigned long cpn_rng_gsl_seed(uint64_t derived);

/** Number of streams created so far. */
size_t cpn_rng_count(const struct cpn_rng *r);

#endif /* CPN_SIM_RNG_H */
