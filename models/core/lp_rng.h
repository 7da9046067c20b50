/*
** lp_rng.h — counter-based random numbers: the n-th output of a stream is a
** pure function of (seed, n), so results do not depend on evaluation order,
** thread count or how a stream is split. Output n is SplitMix64's finaliser
** (Steele, Lea & Flood, OOPSLA 2014) applied to key(seed) + (n+1)*gamma, with
** the key itself a finalised seed so that nearby seeds give unrelated streams.
** Header-only, no state, a few multiplies per value.
*/
#ifndef LP_RNG_H
#define LP_RNG_H

#include <stdint.h>

static inline uint64_t lp_rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform 64-bit value number ctr of stream seed. */
static inline uint64_t lp_rng_u64(uint64_t seed, uint64_t ctr)
{
    uint64_t key = lp_rng_mix64(seed ^ UINT64_C(0x6A09E667F3BCC909));
    return lp_rng_mix64(key + (ctr + 1u) * UINT64_C(0x9E3779B97F4A7C15));
}

#endif
