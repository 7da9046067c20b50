/*
** test_mx.c — OCP MX block quantisation (models/numerics/mx.c).
**
** Every block of ../shared/data/mx must dequantise to out_ext_hex bit for bit
** (signed zeros included). The fast integer path is compared with a slow
** reference written from the rule: X from frexp of the block maximum, each
** element encoded with mf_encode_parts at exponent offset -X with saturation.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_bits.h"
#include "lp_rng.h"
#include "lp_test.h"
#include "mx.h"

static const char *const round_names[] = {"nearest", "even"};
static const mf_round round_modes[] = {MF_RHA, MF_RNE};

/* Parse n space-separated float32 hex patterns; returns the count. */
static size_t parse_row(const char *s, uint32_t *out, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        char *end;
        out[n++] = (uint32_t)strtoul(s, &end, 16);
        CU_ASSERT_FATAL(end != s);
        s = end;
        while (*s == ' ') s++;
    }
    return n;
}

/* ---- the slow reference ---------------------------------------------------- */

static void ref_quantize(const mx_elem *e, const uint32_t *x, size_t blk, mf_round r, uint8_t *codes, uint8_t *scale)
{
    double amax = 0;
    for (size_t i = 0; i < blk; i++) {
        if ((x[i] & 0x7f800000u) == 0x7f800000u) { /* inf or NaN */
            *scale = 0xff;
            memset(codes, 0, blk);
            return;
        }
        amax = fmax(amax, fabs((double)lp_f32(x[i])));
    }
    int X = -127;
    if (amax > 0) {
        int ex;
        frexp(amax, &ex); /* amax = f * 2^ex, f in [0.5, 1): floor(log2) = ex - 1 */
        X = ex - 1 - e->emax;
        if (X < -127) X = -127;
    }
    *scale = (uint8_t)(X + 127);
    mf_opts o = {r, true, 0};
    for (size_t i = 0; i < blk; i++) {
        int ex;
        double fr = frexp(fabs((double)lp_f32(x[i])), &ex);
        uint64_t m = (uint64_t)ldexp(fr, 53); /* exact: float32 significands fit */
        uint32_t c = mf_encode_parts(&e->fmt, x[i] >> 31, m, ex - 53 - X, &o, 0);
        codes[i] = (uint8_t)((c & ~e->fmt.sign_bit) ? c : 0); /* zero is +0 */
    }
}

/* ---- against microxcaling ------------------------------------------------- */

static void test_every_block_matches_microxcaling_cuda(void)
{
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        for (int ri = 0; ri < 2; ri++) {
            mx_elem e;
            lpt_csv c;
            char rel[128];
            int bad = 0, bad_ref = 0, rows = 0;
            mx_elem_get((mx_elem_id)ei, &e);
            snprintf(rel, sizeof rel, "mx/mx_%s_%s.csv", e.name, round_names[ri]);
            if (!lpt_csv_open(&c, rel)) continue;
            int cin = lpt_csv_col(&c, "in_hex"), cout = lpt_csv_col(&c, "out_ext_hex"), cp = lpt_csv_col(&c, "pattern");
            if (cin < 0 || cout < 0 || cp < 0) continue;
            while (lpt_csv_next(&c)) {
                uint32_t in[40], want[40], got[32];
                uint8_t codes[32], scale, rcodes[32], rscale;
                float y[32];
                CU_ASSERT_FATAL(parse_row(c.f[cin], in, 40) == 32);
                CU_ASSERT_FATAL(parse_row(c.f[cout], want, 40) == 32);
                float xf[32];
                memcpy(xf, in, sizeof xf);
                CU_ASSERT_EQUAL(mx_quantize(&e, xf, 32, 32, round_modes[ri], codes, &scale), LP_OK);
                mx_dequantize(&e, codes, &scale, 32, 32, y);
                memcpy(got, y, sizeof got);
                rows++;
                for (int i = 0; i < 32; i++) {
                    if (got[i] != want[i]) {
                        lpt_mismatch(&bad, "%s row %d (%s) elem %d: in %08x want %08x got %08x", rel, c.lineno, c.f[cp],
                                     i, in[i], want[i], got[i]);
                        break;
                    }
                }
                ref_quantize(&e, in, 32, round_modes[ri], rcodes, &rscale);
                if (rscale != scale || memcmp(rcodes, codes, 32))
                    lpt_mismatch(&bad_ref, "%s row %d: fast path and reference differ", rel, c.lineno);
            }
            lpt_csv_close(&c);
            CU_ASSERT_EQUAL(bad, 0);
            CU_ASSERT_EQUAL(bad_ref, 0);
            CU_ASSERT_EQUAL(rows, 1024);
        }
    }
}

/* The scale_exp column is the library's Python path; it equals lpsim's scale
** except where the README documents that path's float32-log2 artefacts
** (maxima just below a power of two, and blocks near float32's maximum) and
** for all-zero blocks, where it uses 2^-126 in place of 0 (int8: -126). */
static void test_scale_matches_python_path_outside_its_artefacts(void)
{
    int bad = 0, compared = 0;
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        lpt_csv c;
        char rel[128];
        mx_elem_get((mx_elem_id)ei, &e);
        snprintf(rel, sizeof rel, "mx/mx_%s_even.csv", e.name);
        if (!lpt_csv_open(&c, rel)) continue;
        int cin = lpt_csv_col(&c, "in_hex"), cs = lpt_csv_col(&c, "scale_exp"), cp = lpt_csv_col(&c, "pattern");
        while (lpt_csv_next(&c)) {
            uint32_t in[40], amax = 0;
            parse_row(c.f[cin], in, 40);
            for (int i = 0; i < 32; i++) amax = (in[i] & 0x7fffffffu) > amax ? in[i] & 0x7fffffffu : amax;
            const char *p = c.f[cp];
            if (!strcmp(c.f[cs], "nan") || amax == 0 || !strcmp(p, "max_below_pow2") || !strcmp(p, "saturate_top") ||
                !strcmp(p, "huge"))
                continue;
            compared++;
            int want = atoi(c.f[cs]), got = mx_scale_exp(&e, amax);
            if (want != got) lpt_mismatch(&bad, "%s row %d (%s): scale %d, lpsim %d", rel, c.lineno, p, want, got);
        }
        lpt_csv_close(&c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(compared > 5000);
}

/* ---- fast path against the reference on random blocks --------------------------- */

/* Blocks of many kinds: random bit patterns, values on and between the element
** grid at random scales (ties exactly, and one float32 ulp around them),
** float32 subnormals, values near float32's maximum, zeros of both signs,
** lone inf/NaN. */
static void make_block(const mx_elem *e, uint64_t seed, uint64_t k, uint32_t *x, size_t blk)
{
    uint64_t kind = lp_rng_u64(seed, k * 1000) % 8;
    int X = (int)(lp_rng_u64(seed, k * 1000 + 1) % 240) - 120;
    for (size_t i = 0; i < blk; i++) {
        uint64_t r = lp_rng_u64(seed, k * 1000 + 2 + i);
        uint32_t b;
        switch (kind) {
        case 0: b = (uint32_t)r & 0x7f7fffffu; break;
        case 1: /* element grid values and midpoints at scale X */
        case 2: {
            uint32_t c1 = (uint32_t)(r % (e->fmt.max_mag + 1)), c2 = c1 + 1 > e->fmt.max_mag ? c1 : c1 + 1;
            double v = ((double)e->value[c1] + (double)e->value[c2]) / 2;
            if (kind == 1 && (r >> 20) % 3 == 0) v = e->value[c1];
            b = lp_bits((float)ldexp(v, X));
            if ((r >> 30) % 3 == 1) b += 1;
            if ((r >> 30) % 3 == 2 && (b & 0x7fffffffu)) b -= 1;
            break;
        }
        case 3: b = (uint32_t)r & 0x007fffffu; break;                 /* float32 subnormals */
        case 4: b = 0x7f000000u | ((uint32_t)r & 0x007fffffu); break; /* near float32 max */
        case 5: b = (r & 1) ? 0 : ((uint32_t)(r >> 8) & 0x3fffffffu); break;
        case 6: b = (uint32_t)((127 + X) & 0xff) << 23 | ((uint32_t)r & 0x7fffffu); break;
        default: b = (i == (r >> 40) % blk) ? ((r & 2) ? 0x7fc00000u : 0x7f800000u) : (uint32_t)r & 0x3fffffffu;
        }
        x[i] = b | (uint32_t)((r >> 63) << 31);
    }
}

static void test_fast_path_equals_reference_on_random_blocks(void)
{
    static const mf_round modes[] = {MF_RHA, MF_RNE, MF_RTZ};
    static const size_t blocks[] = {32, 2, 16, 64, 100};
    uint32_t x[128];
    uint8_t codes[128], scales[64], rc[128], rs;
    int bad = 0;
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        mx_elem_get((mx_elem_id)ei, &e);
        for (int m = 0; m < 3; m++) {
            for (size_t bi_ = 0; bi_ < sizeof blocks / sizeof blocks[0]; bi_++) {
                size_t blk = blocks[bi_];
                int nblocks = blk == 32 ? 20000 : 2000;
                for (int k = 0; k < nblocks; k++) {
                    make_block(&e, 77 + (uint64_t)ei, (uint64_t)k, x, blk);
                    float xf[128];
                    memcpy(xf, x, blk * sizeof(float));
                    CU_ASSERT_EQUAL_FATAL(mx_quantize(&e, xf, blk, blk, modes[m], codes, scales), LP_OK);
                    ref_quantize(&e, x, blk, modes[m], rc, &rs);
                    if (rs != scales[0] || memcmp(rc, codes, blk)) {
                        size_t j = 0;
                        while (j < blk && rc[j] == codes[j]) j++;
                        lpt_mismatch(&bad,
                                     "%s %s blk %zu block %d: scale %02x/%02x, elem %zu x=%08x ref %02x fast %02x",
                                     e.name, mf_round_name(modes[m]), blk, k, rs, scales[0], j, j < blk ? x[j] : 0,
                                     j < blk ? rc[j] : 0, j < blk ? codes[j] : 0);
                    }
                }
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- packing, NaN blocks, arguments ------------------------------------------ */

static void test_pack_layout_and_round_trip(void)
{
    mx_elem e4, e6, e8;
    mx_elem_get(MX_FP4_E2M1, &e4);
    mx_elem_get(MX_FP6_E3M2, &e6);
    mx_elem_get(MX_FP8_E4M3, &e8);
    uint8_t c4[] = {1, 2, 3, 4}, c6[] = {1, 2, 3, 4}, out[8] = {0};
    CU_ASSERT_EQUAL(mx_packed_bytes(&e4, 32), 16);
    CU_ASSERT_EQUAL(mx_packed_bytes(&e6, 32), 24);
    CU_ASSERT_EQUAL(mx_packed_bytes(&e8, 32), 32);
    mx_pack(&e4, c4, 4, out);
    CU_ASSERT(out[0] == 0x21 && out[1] == 0x43); /* low nibble first */
    mx_pack(&e6, c6, 4, out);
    CU_ASSERT(out[0] == 0x81 && out[1] == 0x30 && out[2] == 0x10); /* 1 | 2<<6 | 3<<12 | 4<<18 */
    int bad = 0;
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        uint8_t codes[96], packed[96], back[96];
        mx_elem_get((mx_elem_id)ei, &e);
        for (int t = 0; t < 200; t++) {
            size_t n = 1 + (size_t)(lp_rng_u64(5, (uint64_t)t) % 96);
            for (size_t i = 0; i < n; i++) codes[i] = (uint8_t)(lp_rng_u64(6, (uint64_t)(t * 100) + i) & e.fmt.mask);
            mx_pack(&e, codes, n, packed);
            mx_unpack(&e, packed, n, back);
            if (memcmp(codes, back, n)) lpt_mismatch(&bad, "%s pack/unpack of %zu codes", e.name, n);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_inf_or_nan_makes_the_whole_block_nan(void)
{
    mx_elem e;
    float x[64], y[64];
    uint8_t codes[64], scales[2];
    mx_elem_get(MX_FP8_E4M3, &e);
    /* 2, 2.25, ..., 3.5: three fraction bits, and the maximum 3.5 = 1.110b x 2
    ** scales to 448 exactly, so block 1 comes back unchanged */
    for (int i = 0; i < 64; i++) x[i] = (float)(i % 7 + 8) * 0.25f;
    x[5] = lp_f32(0xff800000u); /* -inf in block 0 only */
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 64, 32, MF_RNE, codes, scales), LP_OK);
    mx_dequantize(&e, codes, scales, 64, 32, y);
    CU_ASSERT_EQUAL(scales[0], MX_SCALE_NAN);
    CU_ASSERT_NOT_EQUAL(scales[1], MX_SCALE_NAN);
    for (int i = 0; i < 32; i++) CU_ASSERT_EQUAL(lp_bits(y[i]), 0xffffffffu);
    for (int i = 32; i < 64; i++) CU_ASSERT_EQUAL(lp_bits(y[i]), lp_bits(x[i]));
}

static void test_bad_arguments_are_refused(void)
{
    mx_elem e;
    float x[64] = {0};
    uint8_t codes[64], scales[64];
    mx_elem_get(MX_FP4_E2M1, &e);
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 33, 32, MF_RNE, codes, scales), LP_ERR_ARG);
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 63, 21, MF_RNE, codes, scales), LP_ERR_ARG);
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 64, 0, MF_RNE, codes, scales), LP_ERR_ARG);
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 64, 32, MF_RSR, codes, scales), LP_ERR_ARG);
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 64, 32, MF_RTZ, codes, scales), LP_OK);
    lp_diag err;
    lp_diag_init(&err, NULL);
    CU_ASSERT_EQUAL(mx_elem_parse("fp8_e4m3fn", &e, &err), LP_OK);
    CU_ASSERT_STRING_EQUAL(e.name, "fp8_e4m3");
    CU_ASSERT_EQUAL(mx_elem_parse("bf16", &e, &err), LP_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown MX element type 'bf16'"));
}

CU_TestInfo lpt_mx_tests[] = {
    {"data/every_block_matches_microxcaling_cuda", test_every_block_matches_microxcaling_cuda},
    {"data/scale_matches_python_path_outside_its_artefacts", test_scale_matches_python_path_outside_its_artefacts},
    {"random/fast_path_equals_reference", test_fast_path_equals_reference_on_random_blocks},
    {"pack/layout_and_round_trip", test_pack_layout_and_round_trip},
    {"nan/inf_or_nan_makes_the_whole_block_nan", test_inf_or_nan_makes_the_whole_block_nan},
    {"args/bad_arguments_are_refused", test_bad_arguments_are_refused},
    CU_TEST_INFO_NULL,
};
