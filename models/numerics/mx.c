/*
** mx.c — OCP MX v1.0 block quantisation (see mx.h for the rule).
**
** The hot loop never leaves integer arithmetic. Per block: the largest
** magnitude is the largest of the sign-cleared float32 bit patterns (they
** order like the values), X comes from its exponent field. Per element, with
** t the element's biased exponent x would have after scaling by 2^-X (float32
** subnormals normalised first) and
** tt = max(t, 1), the 24-bit significand is shifted right by
** 23 - mbits + (tt - t) bits with the rounding mode's increment; the element
** code magnitude is then ((tt - 1) << mbits) + that quotient, which carries
** into the exponent field by itself when rounding crosses a binade, and
** saturation is a min() because codes order like magnitudes. No log2, pow,
** division or table lookup per element.
**
** The slow, obviously-right reference (mf_encode_parts with an exponent
** offset) lives in the tests, which compare the two on every data row and on
** random blocks.
*/
#include "mx.h"

#include <assert.h>
#include <threads.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *fmt;
    int code;
} mx_rows[MX_ELEM_COUNT] = {
#define MX_ELEM(id, code, name, fmt) [id] = {name, fmt, code},
#include "mx.def"
#undef MX_ELEM
};

static void elem_init(mx_elem *out, int row, const mf_format *f)
{
    memset(out, 0, sizeof *out);
    out->name = mx_rows[row].name;
    out->fmt = *f;
    out->emax = f->emax;
    for (uint32_t c = 0; c <= f->mask && c < 256; c++) {
        uint32_t b = mf_decode_f32(f, c);
        memcpy(&out->value[c], &b, sizeof b);
    }
}

void mx_elem_get(mx_elem_id id, mx_elem *out)
{
    mf_format f;
    assert((unsigned)id < MX_ELEM_COUNT);
    lp_status st = mf_parse(mx_rows[id].fmt, &f, NULL);
    assert(st == LP_OK);
    (void)st;
    elem_init(out, id, &f);
}

const char *mx_elem_id_name(mx_elem_id id) { return (unsigned)id < MX_ELEM_COUNT ? mx_rows[id].name : "?"; }
int mx_elem_code(mx_elem_id id) { return (unsigned)id < MX_ELEM_COUNT ? mx_rows[id].code : -1; }

int mx_elem_by_code(int code)
{
    for (int i = 0; i < MX_ELEM_COUNT; i++)
        if (mx_rows[i].code == code) return i;
    return -1;
}

/* Every element type, built once: mx_elem_get decodes all codes of a format. */
static mx_elem elem_table[MX_ELEM_COUNT];
static once_flag elem_once = ONCE_FLAG_INIT;

static void elem_table_init(void)
{
    for (int i = 0; i < MX_ELEM_COUNT; i++) mx_elem_get((mx_elem_id)i, &elem_table[i]);
}

const mx_elem *mx_elem_table(mx_elem_id id)
{
    assert((unsigned)id < MX_ELEM_COUNT);
    call_once(&elem_once, elem_table_init);
    return &elem_table[id];
}

lp_status mx_elem_parse(const char *name, mx_elem *out, lp_diag *d)
{
    mx_elem_id id;
    lp_status st = mx_elem_find(name, &id, d);
    if (st == LP_OK) mx_elem_get(id, out);
    return st;
}

lp_status mx_elem_find(const char *name, mx_elem_id *out, lp_diag *d)
{
    mf_format f;
    for (int i = 0; i < MX_ELEM_COUNT; i++) {
        if (name && !strcmp(name, mx_rows[i].name)) {
            *out = (mx_elem_id)i;
            return LP_OK;
        }
    }
    if (name && mf_parse(name, &f, NULL) == LP_OK) {
        for (int i = 0; i < MX_ELEM_COUNT; i++) {
            if (!strcmp(f.name, mx_rows[i].fmt)) {
                *out = (mx_elem_id)i;
                return LP_OK;
            }
        }
    }
    return lp_diag_msg(
        d, LP_ERR_FORMAT,
        "unknown MX element type '%s' (expected fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 or int8)",
        name ? name : "");
}

int mx_scale_exp(const mx_elem *e, uint32_t amax)
{
    int x = (int)(amax >> 23) - 127 - e->emax; /* float32 subnormals and 0 count as 2^-127 */
    return x < -127 ? -127 : x > 127 ? 127 : x;
}

/* Quantise one block whose scale exponent is x; mode is a compile-time
** constant after inlining, so each rounding mode gets its own loop.
**
** With plain_sub set, the caller guarantees base = bias - 127 - x <= 0: then a
** float32 subnormal (or zero) always lands in the element's subnormal range,
** where reading it as significand a with exponent field 1 is exact; the loop
** needs no count-leading-zeros and vectorises (variable shifts: AVX2). Blocks
** with a smaller x (a maximum below about 2^-110) take the general loop, which
** normalises subnormal inputs first. */
static inline __attribute__((always_inline)) void quantize_block(const mx_elem *e, const uint32_t *xb, size_t blk,
                                                                 int x, mf_round mode, int plain_sub, uint8_t *codes)
{
    const int mb = e->fmt.mbits, base = e->fmt.bias - 127 - x;
    const uint32_t max_mag = e->fmt.max_mag, sign_shift = (uint32_t)e->fmt.bits - 1;
    for (size_t i = 0; i < blk; i++) {
        uint32_t a = xb[i] & 0x7fffffffu, f = a >> 23, sig;
        int t;
        if (plain_sub) {
            sig = (a & 0x7fffffu) | (f ? 0x800000u : 0);
            t = (f ? (int)f : 1) + base;
        } else {
            uint32_t lz = (uint32_t)__builtin_clz(a | 1) - 8;
            sig = f ? (a & 0x7fffffu) | 0x800000u : a << lz;
            t = (f ? (int)f : 1 - (int)lz) + base;
        }
        int tt = t > 1 ? t : 1;
        int sh = 23 - mb + (tt - t);
        sh = sh > 31 ? 31 : sh;
        uint32_t q;
        if (mode == MF_RNE)
            q = (sig + (1u << (sh - 1)) - 1 + ((sig >> sh) & 1)) >> sh;
        else if (mode == MF_RHA)
            q = (sig + (1u << (sh - 1))) >> sh;
        else
            q = sig >> sh;
        uint32_t mag = ((uint32_t)(tt - 1) << mb) + q;
        mag = mag < max_mag ? mag : max_mag;
        codes[i] = (uint8_t)(mag ? ((xb[i] >> 31) << sign_shift) | mag : 0);
    }
}

static inline __attribute__((always_inline)) void quantize_all(const mx_elem *e, const float *x, size_t n, size_t blk,
                                                               mf_round mode, uint8_t *codes, uint8_t *scales)
{
    uint32_t buf[256];
    const int plain_from = e->fmt.bias - 127; /* smallest x whose blocks take the fast loop */
    for (size_t b0 = 0, k = 0; b0 < n; b0 += blk, k++) {
        uint32_t amax = 0;
        for (size_t c0 = 0; c0 < blk; c0 += 256) {
            size_t len = blk - c0 < 256 ? blk - c0 : 256;
            memcpy(buf, &x[b0 + c0], len * sizeof(uint32_t));
            for (size_t i = 0; i < len; i++) {
                uint32_t v = buf[i] & 0x7fffffffu;
                amax = v > amax ? v : amax;
            }
        }
        if (amax >= 0x7f800000u) { /* inf or NaN in the block */
            scales[k] = MX_SCALE_NAN;
            memset(codes + b0, 0, blk);
            continue;
        }
        int xe = mx_scale_exp(e, amax);
        scales[k] = (uint8_t)(xe + 127);
        /* blocks larger than buf (MX uses 32) are read in chunks */
        for (size_t c0 = 0; c0 < blk; c0 += 256) {
            size_t len = blk - c0 < 256 ? blk - c0 : 256;
            memcpy(buf, &x[b0 + c0], len * sizeof(uint32_t));
            if (xe >= plain_from)
                quantize_block(e, buf, len, xe, mode, 1, codes + b0 + c0);
            else
                quantize_block(e, buf, len, xe, mode, 0, codes + b0 + c0);
        }
    }
}

/* One entry per rounding mode; on x86-64 each is built twice, for AVX2 and
** for the baseline (about 0.4-0.9 GB/s, no per-lane variable shifts), and the
** loader picks one for the running CPU. */
#if defined(__GNUC__) && defined(__x86_64__)
#define MX_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MX_CLONES
#endif

#define MX_QUANTIZE_MODE(fn, mode)                                                                                     \
    MX_CLONES static void fn(const mx_elem *e, const float *x, size_t n, size_t blk, uint8_t *codes, uint8_t *scales)  \
    {                                                                                                                  \
        quantize_all(e, x, n, blk, mode, codes, scales);                                                               \
    }
MX_QUANTIZE_MODE(quantize_rne, MF_RNE)
MX_QUANTIZE_MODE(quantize_rha, MF_RHA)
MX_QUANTIZE_MODE(quantize_rtz, MF_RTZ)

lp_status mx_quantize(const mx_elem *e, const float *x, size_t n, size_t blk, mf_round r, uint8_t *codes,
                      uint8_t *scales)
{
    if (blk == 0 || blk % 2 || n % blk) return LP_ERR_ARG;
    switch (r) {
    case MF_RNE: quantize_rne(e, x, n, blk, codes, scales); break;
    case MF_RHA: quantize_rha(e, x, n, blk, codes, scales); break;
    case MF_RTZ: quantize_rtz(e, x, n, blk, codes, scales); break;
    default: return LP_ERR_ARG;
    }
    return LP_OK;
}

void mx_dequantize(const mx_elem *e, const uint8_t *codes, const uint8_t *scales, size_t n, size_t blk, float *out)
{
    const uint32_t nan = 0xffffffffu;
    for (size_t b0 = 0, k = 0; b0 < n; b0 += blk, k++) {
        if (scales[k] == MX_SCALE_NAN) {
            for (size_t i = 0; i < blk; i++) memcpy(&out[b0 + i], &nan, sizeof nan);
            continue;
        }
        /* 2^X as a float32: normal for X >= -126, the subnormal 2^-127 for code 0.
        ** Multiplying by it is exact: every element value times 2^X is a float32. */
        uint32_t sb = scales[k] ? (uint32_t)scales[k] << 23 : 0x00400000u;
        float s;
        memcpy(&s, &sb, sizeof s);
        for (size_t i = 0; i < blk; i++) out[b0 + i] = e->value[codes[b0 + i]] * s;
    }
}

size_t mx_packed_bytes(const mx_elem *e, size_t n) { return (n * (size_t)e->fmt.bits + 7) / 8; }

void mx_pack(const mx_elem *e, const uint8_t *codes, size_t n, uint8_t *out)
{
    const unsigned w = (unsigned)e->fmt.bits;
    memset(out, 0, mx_packed_bytes(e, n));
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * w;
        unsigned v = (unsigned)codes[i] << (bit % 8);
        out[bit / 8] |= (uint8_t)v;
        if ((bit % 8) + w > 8) out[bit / 8 + 1] |= (uint8_t)(v >> 8);
    }
}

void mx_unpack(const mx_elem *e, const uint8_t *in, size_t n, uint8_t *codes)
{
    const unsigned w = (unsigned)e->fmt.bits;
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * w;
        unsigned v = in[bit / 8];
        if ((bit % 8) + w > 8) v |= (unsigned)in[bit / 8 + 1] << 8;
        codes[i] = (uint8_t)((v >> (bit % 8)) & ((1u << w) - 1));
    }
}
