/*
 * cadenza/rng.h - the seeded random generator every module must use.
 *
 * Determinism is a product promise: same prompt, seed and modules give
 * bit-identical files. So no rand(), no time(), no addresses as entropy:
 * a module derives its own stream from the job seed and a stream name
 * (cz_rng_init(&r, cz_job_seed(job), "melody")), which keeps streams
 * independent: adding a draw in one place does not shift another.
 *
 * xoshiro256** seeded through splitmix64; header-only so it inlines.
 */
#ifndef CADENZA_RNG_H
#define CADENZA_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cz_rng {
    uint64_t s[4];
} cz_rng;

static inline uint64_t cz_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* FNV-1a 64 of a string: stable names for streams and hashes. */
static inline uint64_t cz_hash_str(uint64_t h, const char *s)
{
    if (!h)
        h = 0xcbf29ce484222325ULL;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Seed a stream from the job seed and a stream name (may be NULL). */
static inline void cz_rng_init(cz_rng *r, uint64_t seed, const char *stream)
{
    uint64_t x = seed ^ cz_hash_str(0, stream);
    for (int i = 0; i < 4; i++)
        r->s[i] = cz_splitmix64(&x);
}

static inline uint64_t cz_rng_next(cz_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform double in [0, 1). */
static inline double cz_rng_unit(cz_rng *r)
{
    return (double)(cz_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n) (n > 0), without modulo bias worth noticing. */
static inline uint32_t cz_rng_below(cz_rng *r, uint32_t n)
{
    return (uint32_t)(((cz_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform double in [lo, hi). */
static inline double cz_rng_range(cz_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * cz_rng_unit(r);
}

/* True with probability p. */
static inline int cz_rng_chance(cz_rng *r, double p)
{
    return cz_rng_unit(r) < p;
}

/* Index drawn from n non-negative weights (returns 0 when all are zero). */
static inline uint32_t cz_rng_pick(cz_rng *r, const double *w, uint32_t n)
{
    double total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += w[i] > 0 ? w[i] : 0;
    if (total <= 0)
        return 0;
    double x = cz_rng_unit(r) * total;
    for (uint32_t i = 0; i < n; i++) {
        double wi = w[i] > 0 ? w[i] : 0;
        if (x < wi)
            return i;
        x -= wi;
    }
    return n - 1;
}

#ifdef __cplusplus
}
#endif
#endif
