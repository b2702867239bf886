/**
 * @file sim/idmap.h
 * @brief A map from id strings to dense indices (node, link, path ids): open addressing with
 *        linear probing, load factor at most 1/2.
 *
 * Keys are borrowed: they must stay valid and unchanged while in the map (the owners keep the id
 * strings of their objects).  A zeroed struct is an empty map.  Not thread-safe.
 * The hash reads a key 8 bytes at a time, each word mixed by a multiply and an xor-shift, and
 * ends with the splitmix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
 * number generators", OOPSLA): only the slots' order depends on it (nothing iterates the map).
 * Each slot keeps the high 32 bits of its key's hash, so that a probe compares the key's text
 * only when those agree: a key met on the way to another is not read (its text is a cache miss).
 */
#ifndef CPN_SIM_IDMAP_H
#define CPN_SIM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

/** One slot of the table. */
struct cpn_idmap_slot {
    const char *key; /**< borrowed id, NULL = empty slot */
    uint32_t index;  /**< its index */
    uint32_t tag;    /**< the high 32 bits of its hash */
};

/** The map; zero-initialise it. */
struct cpn_idmap {
    struct cpn_idmap_slot *slots; /**< cap slots */
    size_t cap;                   /**< power of two, or 0 */
    size_t len;                   /**< keys */
};

/** Return the index of @p key, or CPN_NONE when absent (or @p key is NULL).  O(1) expected. */
uint32_t cpn_idmap_find(const struct cpn_idmap *m, const char *key);

/**
 * cpn_idmap_find() with the key's hash already known: @p token is what cpn_idmap_prefetch()
 * returned for this same key text (on this map, before or after insertions: the hash does not
 * depend on the table's size), or 0 to hash @p key here.  Saves the second hash of a key that
 * was hinted (on the path column of a 1e6-row flow file, the hash of its long texts was 17% of
 * the load's samples, half of them the second hash).  A token of another text makes the
 * look-up probe the wrong slots: the key is then most likely reported absent.
 * @return the index of @p key, or CPN_NONE when absent (or @p key is NULL).  O(1) expected.
 */
uint32_t cpn_idmap_find_token(const struct cpn_idmap *m, const char *key, uint64_t token);

/**
 * Hint that @p key will be looked up soon: the processor starts fetching its slot of the table,
 * so that the cpn_idmap_find() to come need not wait for memory (in a table larger than the
 * cache).  A hint only: the map is not changed and every look-up finds the same.
 * @return a token for cpn_idmap_prefetch_key() and cpn_idmap_find_token(): the key's hash,
 *   never 0; 0 for an empty map or a NULL key, when nothing is fetched.  Costs one hash of
 *   @p key.
 */
uint64_t cpn_idmap_prefetch(const struct cpn_idmap *m, const char *key);

/**
 * The next step of that hint, a little later (once the slot has come in): probe the table with
 * @p token, cpn_idmap_prefetch()'s return for the key, reading its slots, and start fetching the
 * stored key's text that the look-up will compare.  A hint only; token 0: nothing.  Costs a
 * probe.
 * @return the index of the first key along the probe whose 32-bit hash tag matches: the key's
 *   own when it is in the map, unless another key of the same tag comes first (its text is not
 *   compared: unverified, so good only for more hints); CPN_NONE when no tag matches (the key
 *   is absent) or for token 0.
 */
uint32_t cpn_idmap_prefetch_key(const struct cpn_idmap *m, uint64_t token);

/**
 * Insert @p key (absent: the caller checks with cpn_idmap_find()) with @p index.
 * @return CPN_OK; CPN_ENOMEM when the table cannot grow.  O(1) amortised.
 */
int cpn_idmap_insert(struct cpn_idmap *m, const char *key, uint32_t index);

/** Free the table (not the keys); the map is empty again.  Accepts an empty map. */
void cpn_idmap_release(struct cpn_idmap *m);

#endif /* CPN_SIM_IDMAP_H */
