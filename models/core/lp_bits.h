/*
** lp_bits.h — a float32 and its bit pattern, without aliasing: memcpy, which
** compilers turn into a register move. Header-only.
*/
#ifndef LP_BITS_H
#define LP_BITS_H

#include <stdint.h>
#include <string.h>

static inline float lp_f32(uint32_t bits)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline uint32_t lp_bits(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

#endif
