/* Named, independent GSL random streams seeded from (scenario seed, stream name) (see rng.h). */
#include "sim/rng.h"

#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/error.h"

struct stream {
    char *name;   /* owned copy of the stream name */
    gsl_rng *gen; /* owned generator */
};

struct cpn_rng {
    uint64_t seed;                    /* scenario seed */
    CPN_ARRAY(struct stream) streams; /* sorted by name (strcmp) for binary search */
};

/* FNV-1a, 64-bit (Fowler, Noll, Vo; IETF draft-eastlake-fnv, offset basis and prime of §2). */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* SplitMix64 output function (Steele, Lea, Flood, OOPSLA 2014; constants of java.util.
 * SplittableRandom): a bijective 64-bit mixer whose every output bit depends on every input bit. */
static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t cpn_rng_derive_seed(uint64_t seed, const char *name)
{
    /* Mixing the seed before combining makes (seed, name) pairs that differ in either part land
     * on unrelated values (a plain seed ^ hash(name) would collide whenever the XORs match). */
    uint64_t golden = UINT64_C(0x9e3779b97f4a7c15);
    return splitmix64_mix(splitmix64_mix(seed + golden) ^ fnv1a64(name));
}

unsigned long cpn_rng_gsl_seed(uint64_t derived)
{
    return (unsigned long)((derived ^ (derived >> 32)) & UINT64_C(0xffffffff));
}

struct cpn_rng *cpn_rng_new(uint64_t seed)
{
    struct cpn_rng *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->seed = seed;
    return r;
}

void cpn_rng_free(struct cpn_rng *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->streams.len; i++) {
        free(r->streams.items[i].name);
        gsl_rng_free(r->streams.items[i].gen);
    }
    cpn_array_release(&r->streams);
    free(r);
}

/* Index of the first stream whose name is >= name (binary search). */
static size_t lower_bound(const struct cpn_rng *r, const char *name)
{
    size_t lo = 0, hi = r->streams.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->streams.items[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t cpn_rng_count(const struct cpn_rng *r)
{
    return r->streams.len;
}

int cpn_rng_stream_new(const struct cpn_rng *r, const char *name, gsl_rng **out)
{
    if (!name || !*name)
        return CPN_ERROR(CPN_EINVAL, "random stream: the name must be a non-empty string");
    if (!(*out = gsl_rng_alloc(gsl_rng_mt19937)))
        return CPN_ERROR(CPN_ENOMEM, "random stream \"%s\": out of memory", name);
    gsl_rng_set(*out, cpn_rng_gsl_seed(cpn_rng_derive_seed(r->seed, name)));
    return CPN_OK;
}

int cpn_rng_stream(struct cpn_rng *r, const char *name, gsl_rng **out)
{
    if (!name || !*name)
        return CPN_ERROR(CPN_EINVAL, "random stream: the name must be a non-empty string");
    size_t i = lower_bound(r, name);
    if (i < r->streams.len && strcmp(r->streams.items[i].name, name) == 0) {
        *out = r->streams.items[i].gen;
        return CPN_OK;
    }
    struct stream st = {strdup(name), gsl_rng_alloc(gsl_rng_mt19937)};
    if (!st.name || !st.gen || cpn_array_reserve(&r->streams, r->streams.len + 1) != CPN_OK) {
        free(st.name);
        if (st.gen)
            gsl_rng_free(st.gen);
        return CPN_ERROR(CPN_ENOMEM, "random stream \"%s\": out of memory", name);
    }
    gsl_rng_set(st.gen, cpn_rng_gsl_seed(cpn_rng_derive_seed(r->seed, name)));
    memmove(&r->streams.items[i + 1], &r->streams.items[i],
            (r->streams.len - i) * sizeof r->streams.items[0]);
    r->streams.items[i] = st;
    r->streams.len++;
    *out = st.gen;
    return CPN_OK;
}
