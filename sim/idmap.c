/* Id -> index map (sim/idmap.h). */
#include "sim/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "sim/error.h"

/* Hash of a key, 8 bytes at a time (a multiply-xorshift mix per word, the splitmix64 finaliser
 * at the end): about 8 times fewer dependent multiplications than byte-wise FNV-1a on the long
 * keys of path columns.  Only the table's slot order depends on it; nothing iterates the table.
 * Never 0 (a hash of 0 is taken as 1), so that a token of cpn_idmap_prefetch() is the hash
 * itself and 0 can mean none. */
static uint64_t key_hash(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h + (h == 0);
}

uint32_t cpn_idmap_find(const struct cpn_idmap *m, const char *key)
{
    return cpn_idmap_find_token(m, key, 0);
}

uint32_t cpn_idmap_find_token(const struct cpn_idmap *m, const char *key, uint64_t token)
{
    if (!m->cap || !key)
        return CPN_NONE;
    size_t mask = m->cap - 1;
    uint64_t h = token ? token : key_hash(key);
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (!m->slots[i].key)
            return CPN_NONE;
        if (m->slots[i].tag == tag && strcmp(m->slots[i].key, key) == 0)
            return m->slots[i].index;
    }
}

uint64_t cpn_idmap_prefetch(const struct cpn_idmap *m, const char *key)
{
    if (!m->cap || !key)
        return 0;
    uint64_t h = key_hash(key);
    __builtin_prefetch(&m->slots[h & (m->cap - 1)]);
    return h;
}

uint32_t cpn_idmap_prefetch_key(const struct cpn_idmap *m, uint64_t token)
{
    if (!m->cap || !token)
        return CPN_NONE;
    size_t mask = m->cap - 1;
    uint32_t tag = (uint32_t)(token >> 32);
    for (size_t i = (size_t)token & mask; m->slots[i].key; i = (i + 1) & mask)
        if (m->slots[i].tag == tag) {
            __builtin_prefetch(m->slots[i].key);
            return m->slots[i].index;
        }
    return CPN_NONE;
}

static void place(struct cpn_idmap_slot *slots, size_t cap, const char *key, uint32_t index)
{
    size_t mask = cap - 1;
    uint64_t h = key_hash(key);
    size_t i = (size_t)h & mask;
    while (slots[i].key)
        i = (i + 1) & mask;
    slots[i] = (struct cpn_idmap_slot){key, index, (uint32_t)(h >> 32)};
}

int cpn_idmap_insert(struct cpn_idmap *m, const char *key, uint32_t index)
{
    if (2 * (m->len + 1) > m->cap) {
        size_t ncap = m->cap ? 2 * m->cap : 16;
        struct cpn_idmap_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return CPN_ERROR(CPN_ENOMEM, "out of memory growing the id table");
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                place(ns, ncap, m->slots[i].key, m->slots[i].index);
        free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    place(m->slots, m->cap, key, index);
    m->len++;
    return CPN_OK;
}

void cpn_idmap_release(struct cpn_idmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}
