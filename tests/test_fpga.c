/*
** test_fpga.c — the FPGA datapath (models/units/fpga/, docs/fpga.md): the
** resource formulas against their sources (FINN-R's multiplier, Aggarwal's
** accumulator widths, Damsgaard's minifloat/integer ratio band), resources
** monotone in every bit width, fmax calibrated into the 300-550 MHz band,
** DSP packing, designs refused over their budget or clock with their
** numbers; the functional face bit for bit against the dot model's exact
** preset and against plain references of fixed and float accumulators on
** random and adversarial data; the timing and cost faces exactly; lpsim run,
** exec and fpga-cost on the vck190 and u250 presets.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dot.h"
#include "fpga.h"
#include "lp_bits.h"
#include "lp_rng.h"
#include "lp_test.h"

__extension__ typedef __int128 i128;

/* ---- helpers ------------------------------------------------------------------------------- */

/* A copy of the preset's fpga unit with formats, lanes and DSP policy set and
** the design prepared (the copy borrows the preset's strings; never freed). */
static fpga_cfg design_of(const arch_cfg *a, const char *afmt, const char *wfmt, uint64_t simd, const char *dsp)
{
    fpga_cfg c = {0};
    for (int i = 0; i < a->nunits; i++)
        if (a->units[i].kind == UNIT_KIND_FPGA) c = *(const fpga_cfg *)a->units[i].cfg;
    CU_ASSERT_FATAL(c.family != NULL);
    c.afmt = (char *)afmt, c.wfmt = (char *)wfmt, c.simd = simd, c.dsp = (char *)dsp;
    const char *key;
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = fpga_prepare(&c, &key, &d);
    if (st) fprintf(stderr, "\n  %s x %s: %s\n", afmt, wfmt, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    return c;
}

static double mac_luts(const arch_cfg *a, const char *f, uint64_t simd, const char *dsp)
{
    return design_of(a, f, f, simd, dsp).x.mac.luts;
}

static mf_format fmt(const char *name)
{
    mf_format f;
    CU_ASSERT_FATAL(mf_parse(name, &f, NULL) == LP_OK);
    return f;
}

/* ---- resources ------------------------------------------------------------------------------ */

/* FINN-R's LUT multiplier (FACTS C.4): (2 ceil((W+A)/6) - 1)(W+A): 4b x 4b
** is 24 LUTs, 8b x 8b 80; and it is what an integer MAC's multiplier costs. */
static void test_finn_multiplier(void)
{
    CU_ASSERT_EQUAL(fpga_finn_mul_luts(4, 4), 24);
    CU_ASSERT_EQUAL(fpga_finn_mul_luts(8, 8), 80);
    CU_ASSERT_EQUAL(fpga_finn_mul_luts(2, 2), 4);
    CU_ASSERT_EQUAL(fpga_finn_mul_luts(3, 4), 21);
    arch_cfg *a = lpt_arch("vck190");
    CU_ASSERT_EQUAL(design_of(a, "int8", "int8", 1, "none").x.mac.mul, 80);
    CU_ASSERT_EQUAL(design_of(a, "int4", "int4", 1, "none").x.mac.mul, 24);
    /* a minifloat's multiplier takes the significands, m + 1 bits: E4M3 4 x 4 */
    CU_ASSERT_EQUAL(design_of(a, "e4m3", "e4m3", 1, "none").x.mac.mul, 24);
    CU_ASSERT_EQUAL(design_of(a, "e2m1", "e2m1", 1, "none").x.mac.mul, 4);
    arch_free(a);
}

/* Aggarwal et al.'s exact accumulator widths (FACTS C.1, C.5b), n = 4608:
** E4M3 50, E2M3 26, INT8 30 and the other worked widths; and the design's
** exact register takes them, its fraction the products' last bit (E4M3:
** 2^-9 x 2^-9). */
static void test_aggarwal_accumulator_widths(void)
{
    static const struct {
        const char *f;
        unsigned bits;
    } w[] = {{"int3", 20}, {"int4", 22}, {"int6", 26}, {"int8", 30}, {"e1m2", 20}, {"e2m1", 22},
             {"e2m3", 26}, {"e3m2", 32}, {"e3m3", 34}, {"e4m3", 50}, {"e5m2", 80}};
    arch_cfg *a = lpt_arch("vck190");
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        mf_format f = fmt(w[i].f);
        unsigned got = fpga_acc_width(&f, &f, 4608);
        if (got != w[i].bits) fprintf(stderr, "\n  %s: %u bits, want %u\n", w[i].f, got, w[i].bits);
        CU_ASSERT_EQUAL(got, w[i].bits);
        CU_ASSERT_EQUAL(design_of(a, w[i].f, w[i].f, 1, "none").x.acc_bits, w[i].bits);
    }
    /* the OCP names cost as the parametric ones; the growth is ceil(log2 n) */
    mf_format fn = fmt("fp8_e4m3fn"), e2 = fmt("fp6_e2m3fn"), i8 = fmt("int8");
    CU_ASSERT_EQUAL(fpga_acc_width(&fn, &fn, 4608), 50);
    CU_ASSERT_EQUAL(fpga_acc_width(&e2, &e2, 4608), 26);
    CU_ASSERT_EQUAL(fpga_acc_width(&i8, &i8, 4096), 29);
    CU_ASSERT_EQUAL(fpga_acc_width(&i8, &i8, 4097), 30);
    CU_ASSERT_EQUAL(fpga_acc_frac(&fn, &fn), 18);
    CU_ASSERT_EQUAL(fpga_acc_frac(&i8, &i8), 0);
    CU_ASSERT_EQUAL(design_of(a, "fp8_e4m3fn", "fp8_e4m3fn", 1, "none").x.acc_frac, 18);
    arch_free(a);
}

/* Damsgaard et al. (FACTS C.2): minifloat MACs take 20%-180% more resources
** than integer MACs of the same size, without the conversion back. At each
** width 4..8 the minifloat is the one with the most fraction bits among those
** in use (the OCP elements E2M1, E2M3 and E4M3 at 4, 6 and 8 bits; E2M2 and
** E3M3, the balanced ones, at 5 and 7): ratio of LUTs per MAC in [1.2, 2.8]
** for LUT multipliers at 1 to 16 lanes. E5M2, whose exponent range needs an
** 80-bit accumulator, falls outside (above): the band is not for it. */
static void test_minifloat_integer_ratio_in_band(void)
{
    static const char *const mini[] = {"e2m1", "e2m2", "e2m3", "e3m3", "e4m3"}, *const ints[] = {"int4", "int5", "int6",
                                                                                                 "int7", "int8"};
    arch_cfg *a = lpt_arch("vck190");
    for (uint64_t q = 1; q <= 16; q *= 2)
        for (int i = 0; i < 5; i++) {
            double r = mac_luts(a, mini[i], q, "none") / mac_luts(a, ints[i], q, "none");
            if (!(r >= 1.2 && r <= 2.8)) fprintf(stderr, "\n  %s / %s at simd %d: %g\n", mini[i], ints[i], (int)q, r);
            CU_ASSERT(r >= 1.2 && r <= 2.8);
        }
    CU_ASSERT(mac_luts(a, "e5m2", 1, "none") / mac_luts(a, "int8", 1, "none") > 2.8);
    arch_free(a);
}

/* LUTs, FFs and DSPs never fall when a bit is added to either operand's
** exponent, fraction or integer width (each operand alone and both), for
** LUT multipliers and DSP packing, at 1 and 4 lanes. */
static void test_resources_monotone_in_bit_widths(void)
{
    arch_cfg *a = lpt_arch("vck190");
    char f0[16], f1[16];
    static const char *const dsps[] = {"none", "pack"};
    static const uint64_t lanes[] = {1, 4};
    int bad = 0;
    for (int di = 0; di < 2; di++)
        for (int li = 0; li < 2; li++) {
            /* (e, m) -> (e + 1, m) and (e, m + 1) within 8 bits */
            for (int e = 1; e <= 6; e++)
                for (int m = 0; e + m <= 7; m++)
                    for (int step = 0; step < 2; step++) {
                        int e1 = e + (step == 0), m1 = m + (step == 1);
                        if (e1 + m1 > 7) continue;
                        snprintf(f0, sizeof f0, "e%dm%d", e, m);
                        snprintf(f1, sizeof f1, "e%dm%d", e1, m1);
                        for (int side = 0; side < 3; side++) {
                            fpga_cfg x = design_of(a, side != 1 ? f0 : "e4m3", side != 0 ? f0 : "e4m3", lanes[li],
                                                   dsps[di]),
                                     y = design_of(a, side != 1 ? f1 : "e4m3", side != 0 ? f1 : "e4m3", lanes[li],
                                                   dsps[di]);
                            if (y.x.mac.luts < x.x.mac.luts || y.x.mac.ffs < x.x.mac.ffs || y.x.dsps < x.x.dsps) {
                                if (bad++ < 5)
                                    fprintf(stderr, "\n  %s -> %s (side %d, %s, simd %d): LUTs %g -> %g\n", f0, f1,
                                            side, dsps[di], (int)lanes[li], x.x.mac.luts, y.x.mac.luts);
                            }
                        }
                    }
            for (int b = 2; b < 8; b++) {
                snprintf(f0, sizeof f0, "int%d", b);
                snprintf(f1, sizeof f1, "int%d", b + 1);
                fpga_cfg x = design_of(a, f0, f0, lanes[li], dsps[di]), y = design_of(a, f1, f1, lanes[li], dsps[di]);
                if (y.x.mac.luts < x.x.mac.luts || y.x.mac.ffs < x.x.mac.ffs || y.x.dsps < x.x.dsps) bad++;
            }
        }
    /* a wrapping fixed register: its window's LUTs grow with its bits, up to the exact one's */
    fpga_cfg c = design_of(a, "e4m3", "e4m3", 2, "none"), e = c;
    double prev = 0;
    for (uint64_t w = 8; w <= 50; w++) {
        const char *key;
        c.acc = (char *)"fixed", c.acc_bits = w, c.acc_frac_bits = w / 2;
        CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
        CU_ASSERT(c.x.mac.luts >= prev && c.x.mac.luts <= e.x.mac.luts);
        prev = c.x.mac.luts;
    }
    CU_ASSERT_EQUAL(prev, e.x.mac.luts);
    CU_ASSERT_EQUAL(bad, 0);
    arch_free(a);
}

/* fmax: the two anchors land on the band's ends (E2M1 550 MHz, E5M2 300 MHz,
** both limited by their accumulators), every format of FACTS C.5b's set
** between them; E6M1's 142-bit accumulator falls below; a wider accumulator
** (larger n) never runs faster. */
static void test_fmax_calibrated_into_band(void)
{
    static const char *const set[] = {"int3", "int4", "int6", "int8", "e1m2", "e2m1",
                                      "e2m3", "e3m2", "e3m3", "e4m3", "e5m2"};
    arch_cfg *a = lpt_arch("vck190");
    fpga_cfg hi = design_of(a, "e2m1", "e2m1", 1, "none"), lo = design_of(a, "e5m2", "e5m2", 1, "none");
    CU_ASSERT(fabs(hi.x.fmax_mhz - 550) < 1e-6 && fabs(lo.x.fmax_mhz - 300) < 1e-6);
    CU_ASSERT_STRING_EQUAL(hi.x.critical, "accumulator");
    CU_ASSERT_STRING_EQUAL(lo.x.critical, "accumulator");
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        double f = design_of(a, set[i], set[i], 1, "none").x.fmax_mhz;
        if (!(f >= 300 - 1e-6 && f <= 550 + 1e-6)) fprintf(stderr, "\n  %s: fmax %g MHz\n", set[i], f);
        CU_ASSERT(f >= 300 - 1e-6 && f <= 550 + 1e-6);
    }
    CU_ASSERT(design_of(a, "e6m1", "e6m1", 1, "none").x.fmax_mhz < 300);
    fpga_cfg c = design_of(a, "e4m3", "e4m3", 1, "none");
    double prev = 1e9;
    for (uint64_t n = 16; n <= (UINT64_C(1) << 30); n *= 16) {
        const char *key;
        c.acc_len = n;
        CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
        CU_ASSERT(c.x.fmax_mhz <= prev);
        prev = c.x.fmax_mhz;
    }
    arch_free(a);
}

/* DSP packing by geometry: DSP48E2 (27 x 18) takes two int8 products at a
** stride of 18 (AMD's INT8 packing), DSP58 in INT8 mode a three-term dot
** product; E4M3 significands (4 x 4, unsigned) three per DSP at a stride of
** 8; E2M1's (2 x 2) seven, capped by the PEs that share the activation. */
static void test_dsp_packing_geometry(void)
{
    arch_cfg *v = lpt_arch("vck190"), *u = lpt_arch("u250");
    CU_ASSERT_EQUAL(design_of(u, "int8", "int8", 4, "pack").x.per_dsp, 2);
    CU_ASSERT_EQUAL(design_of(v, "int8", "int8", 4, "pack").x.per_dsp, 3);
    CU_ASSERT_EQUAL(design_of(v, "int8", "int8", 1, "pack").x.per_dsp, 2); /* no INT8 mode without 3 lanes */
    CU_ASSERT_EQUAL(design_of(v, "e4m3", "e4m3", 1, "pack").x.per_dsp, 3);
    CU_ASSERT_EQUAL(design_of(u, "e4m3", "e4m3", 1, "pack").x.per_dsp, 3);
    CU_ASSERT_EQUAL(design_of(v, "e2m1", "e2m1", 1, "pack").x.per_dsp, 7);
    CU_ASSERT_EQUAL(design_of(u, "int2", "int2", 1, "pack").x.per_dsp, 5); /* signed: a stride of 2 + 2 + 2 */
    CU_ASSERT_EQUAL(design_of(u, "int4", "int4", 1, "pack").x.per_dsp, 3);
    fpga_cfg c = design_of(u, "int8", "int8", 4, "pack");
    CU_ASSERT_EQUAL(c.x.dsps, 64 * 64 * 4 / 2);
    CU_ASSERT_EQUAL(c.x.mac.mul, 0);
    CU_ASSERT(c.x.mac.pack > 0); /* signed packing pays a correction */
    CU_ASSERT_EQUAL(design_of(v, "e4m3", "e4m3", 1, "pack").x.mac.pack, 0);
    arch_free(v), arch_free(u);
}

/* A design over its budget is refused with its numbers: where the file is
** loaded (at the section), by fpga_fits, and by lpsim fpga-cost (at the
** option that made it so); below its clock likewise. */
static void test_over_budget_rejected_with_numbers(void)
{
    arch_cfg *a = lpt_arch("vck190");
    fpga_cfg c = design_of(a, "fp8_e4m3fn", "fp8_e4m3fn", 8, "pack");
    const char *key;
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(fpga_fits(&c, &key, &d), LP_ERR_INFEASIBLE);
    CU_ASSERT_PTR_NULL(key);
    CU_ASSERT_STRING_EQUAL(d.msg, "the fpga design needs 1995155 LUTs, more than the device's 899840 (221.7%): 32 x 32 "
                                  "PEs x 8 lanes of fp8_e4m3fn x fp8_e4m3fn, 221.4 LUTs per MAC");
    c = design_of(a, "e5m2", "e5m2", 2, "pack");
    c.pe_rows = c.pe_cols = 8;
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_EQUAL(fpga_fits(&c, &key, &d), LP_ERR_INFEASIBLE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(key);
    CU_ASSERT_STRING_EQUAL(key, "clock_mhz");
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "misses timing: fmax 300.0 MHz (critical stage: accumulator"));
    c = design_of(a, "int8", "int8", 1, "pack");
    c.dsps = 100;
    CU_ASSERT_EQUAL(fpga_fits(&c, &key, &d), LP_ERR_INFEASIBLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "needs 512 DSPs, more than the device's 100 (512.0%)"));
    arch_free(a);
    const char *y = "name: big\nmatrix:\n  kind: fpga\n  pe_rows: 64\n  pe_cols: 64\n  simd: 2\n";
    arch_cfg *b;
    CU_ASSERT_EQUAL(arch_load_text(y, strlen(y), "big.yaml", &b, &d),
                    LP_ERR_INFEASIBLE); /* a sweep logs it, not stops */
    CU_ASSERT_EQUAL(d.line, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "matrix: the fpga design needs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "more than the device's 899840"));
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("fpga-cost --arch vck190 --lanes 8", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: the fpga design needs 1995155 LUTs, more than the device's 899840"));
    free(out), free(err);
}

/* The presets: within their budgets and clocks, the chip clocked at the
** design's clock_mhz, and the figures docs/fpga.md quotes. */
static void test_presets_fit_their_devices(void)
{
    static const char *const names[] = {"vck190", "u250"};
    for (int i = 0; i < 2; i++) {
        arch_cfg *a = lpt_arch(names[i]);
        const fpga_cfg *c = arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg;
        const char *key;
        lp_diag d;
        lp_diag_init(&d, NULL);
        CU_ASSERT_EQUAL(fpga_fits(c, &key, &d), LP_OK);
        CU_ASSERT(fabs(a->clock_ghz * 1000 - c->clock_mhz) < 1e-9);
        CU_ASSERT(c->x.fmax_mhz >= c->clock_mhz);
        fpga_buffers b;
        CU_ASSERT_EQUAL(fpga_buffers_of(a, c, &b, &d), LP_OK);
        arch_free(a);
    }
    arch_cfg *v = lpt_arch("vck190");
    const fpga_cfg *c = arch_unit_of_class(v, UNIT_CLASS_MATRIX)->cfg;
    CU_ASSERT_EQUAL(c->x.macs, 2048);
    CU_ASSERT_EQUAL(c->x.luts, 508307);
    CU_ASSERT_EQUAL(c->x.dsps, 683);
    CU_ASSERT(fabs(c->x.fmax_mhz - 392.2) < 0.05);
    arch_free(v);
}

/* ---- values --------------------------------------------------------------------------------- */

/* Run the functional face: D (float32 bits) = A B (+ C) on unit c. */
static lp_status run_face(const fpga_cfg *c, int M, int N, int K, const uint8_t *A, const uint8_t *B, const uint32_t *C,
                          uint32_t *D)
{
    mem_image mem;
    CU_ASSERT_FATAL(mem_image_init(&mem, 64, (uint64_t)(M * K + K * N), (uint64_t)(4 * M * N)) == LP_OK);
    memcpy(mem.base[MEM_SPM], A, (size_t)(M * K));
    memcpy(mem.base[MEM_SPM] + M * K, B, (size_t)(K * N));
    for (int i = 0; C && i < M * N; i++) mem_put_code(mem.base[MEM_ACC], (size_t)i, 4, C[i]);
    unit_op op = {.what = UNIT_OP_MMA, .m = (uint64_t)M, .n = (uint64_t)N, .k = (uint64_t)K};
    op.fa = c->x.fa, op.fb = c->x.fw, op.acc = C != NULL;
    op.a = (mem_range){MEM_SPM, true, false, 0, (uint64_t)M, (uint64_t)K, (uint64_t)K, 8};
    op.b = (mem_range){MEM_SPM, true, false, (uint64_t)(M * K), (uint64_t)K, (uint64_t)N, (uint64_t)N, 8};
    op.c = (mem_range){MEM_ACC, true, true, 0, (uint64_t)M, (uint64_t)(4 * N), (uint64_t)(4 * N), 8};
    void *state = NULL;
    unit_ctx u = {&mem, c, &state};
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = unit_exec(UNIT_KIND_FPGA, &u, &op, &d);
    for (int i = 0; i < M * N; i++) D[i] = mem_get_code(mem.base[MEM_ACC], (size_t)i, 4);
    mem_image_free(&mem);
    return st;
}

/* Operand data of one kind. */
enum { DATA_RANDOM, DATA_CANCEL, DATA_EXTREME, DATA_KINDS };
static const char *const data_names[] = {"random", "cancellation", "extremes"};

/* The code of -v for a code of f (integers: -v, saturated for the most negative). */
static uint8_t negate(const mf_format *f, uint8_t v)
{
    if (f->kind == MF_KIND_FLOAT) return (uint8_t)(v ^ f->sign_bit);
    int s = (int)(int8_t)(uint8_t)(v << (8 - f->bits)) >> (8 - f->bits);
    int n = -s > (int)f->max_mag ? (int)f->max_mag : -s;
    return (uint8_t)((unsigned)n & f->mask);
}

/* A (M x K) and B (K x N) codes of the kind, seeded; specials kept when
** finite_only is false. Cancellation: pairs of k whose products are equal
** and opposite, then one small product; extremes: the largest magnitude, the
** smallest non-zero and both in turn, signs mixed. */
static void make_data(int kind, const mf_format *fa, const mf_format *fb, int M, int N, int K, uint64_t seed,
                      bool finite_only, uint8_t *A, uint8_t *B)
{
    uint64_t ctr = 0;
    for (int i = 0; i < M * K; i++) A[i] = (uint8_t)(lp_rng_u64(seed, ctr++) & fa->mask);
    for (int i = 0; i < K * N; i++) B[i] = (uint8_t)(lp_rng_u64(seed + 1, ctr++) & fb->mask);
    if (finite_only) {
        for (int i = 0; i < M * K; i++)
            while (mf_is_nan(fa, A[i]) || (fa->inf_mag != MF_NO_CODE && (A[i] & ~fa->sign_bit) == fa->inf_mag))
                A[i] = (uint8_t)((A[i] + 1) & fa->mask);
        for (int i = 0; i < K * N; i++)
            while (mf_is_nan(fb, B[i]) || (fb->inf_mag != MF_NO_CODE && (B[i] & ~fb->sign_bit) == fb->inf_mag))
                B[i] = (uint8_t)((B[i] + 1) & fb->mask);
    }
    if (kind == DATA_CANCEL) {
        for (int i = 0; i < M; i++)
            for (int k = 0; k + 1 < K; k += 2) A[i * K + k + 1] = A[i * K + k];
        for (int n = 0; n < N; n++)
            for (int k = 0; k + 1 < K; k += 2) B[(k + 1) * N + n] = negate(fb, B[k * N + n]);
        for (int n = 0; n < N; n++) B[(K - 1) * N + n] = (uint8_t)(n & 1 ? 1 : 1 | fb->sign_bit);
    } else if (kind == DATA_EXTREME) {
        uint8_t amax = (uint8_t)fa->max_mag, bmax = (uint8_t)fb->max_mag;
        for (int i = 0; i < M; i++)
            for (int k = 0; k < K; k++) {
                int sel = (i + k) % 4;
                uint8_t v = sel == 0 ? amax : sel == 1 ? 1 : sel == 2 ? amax : (uint8_t)(amax | fa->sign_bit);
                A[i * K + k] = i < M / 2 ? amax : v;
            }
        for (int k = 0; k < K; k++)
            for (int n = 0; n < N; n++)
                B[k * N + n] = n == 0 ? bmax : n == 1 ? (uint8_t)(bmax | fb->sign_bit) : k & 1 ? 1 : bmax;
    }
}

/* C values: random float32s of every magnitude, and the extremes. */
static void make_c(int M, int N, uint64_t seed, uint32_t *C)
{
    static const uint32_t ext[] = {0x7f7fffffu, 0xff7fffffu, 0x00000001u, 0x80000000u, 0x7fc00000u,
                                   0x7f800000u, 0xff800000u, 0x3f800000u, 0x00800000u, 0x4b800001u};
    for (int i = 0; i < M * N; i++) {
        uint32_t r = (uint32_t)lp_rng_u64(seed, (uint64_t)i);
        C[i] = i < 10 ? ext[i] : (r & 0x7f800000u) == 0x7f800000u ? r ^ 0x40000000u : r;
    }
}

static int compare(const char *what, const uint32_t *got, const uint32_t *want, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (got[i] != want[i] && bad++ < 3)
            fprintf(stderr, "\n  %s: output %d is %08x, want %08x\n", what, i, got[i], want[i]);
    return bad;
}

/* An exact accumulator gives the dot model's "exact" preset, bit for bit:
** formats with and without inf and NaN, integers, a mixed pair, the widest
** spans (E7M0 of biases 63 and 0: products over 250 bits apart), random
** codes (specials included), cancellation and extremes, with and without C
** (every float32 magnitude, NaN and the infinities), K from 1 to 300. */
static void test_exact_equals_the_dot_model(void)
{
    static const char *const pairs[][2] = {{"fp8_e4m3fn", "fp8_e4m3fn"},
                                           {"fp8_e5m2", "fp8_e5m2"},
                                           {"fp8_e4m3", "fp8_e5m2"},
                                           {"e4m3", "e4m3"},
                                           {"fp6_e2m3fn", "fp6_e3m2fn"},
                                           {"fp4_e2m1fn", "fp4_e2m1fn"},
                                           {"int8", "int8"},
                                           {"int4", "int2"},
                                           {"int8", "fp4_e2m1fn"},
                                           {"e1m6", "e6m1"},
                                           {"e7m0", "e7m0_b0"},
                                           {"e3m4_b2", "e5m2_b30"}};
    static const int ks[] = {1, 7, 64, 300};
    enum { M = 6, N = 5, KMAX = 300 };
    arch_cfg *a = lpt_arch("vck190");
    static uint8_t A[M * KMAX], B[KMAX * N];
    static uint16_t A16[M * KMAX], B16[KMAX * N];
    uint32_t C[M * N], D[M * N], R[M * N];
    float Cf[M * N], Rf[M * N];
    dot_cfg exact;
    CU_ASSERT_FATAL(dot_preset("exact", &exact, NULL) == LP_OK);
    int bad = 0;
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        fpga_cfg c = design_of(a, pairs[p][0], pairs[p][1], 1, "none");
        for (int kind = 0; kind < DATA_KINDS; kind++)
            for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
                for (int withc = 0; withc < 2; withc++) {
                    int K = ks[ki];
                    uint64_t seed = 1000 * p + 100 * (uint64_t)kind + 10 * ki + (uint64_t)withc;
                    make_data(kind, &c.x.fa, &c.x.fw, M, N, K, seed, false, A, B);
                    make_c(M, N, seed + 7, C);
                    for (int i = 0; i < M * K; i++) A16[i] = A[i];
                    for (int i = 0; i < K * N; i++) B16[i] = B[i];
                    for (int i = 0; i < M * N; i++) memcpy(&Cf[i], &C[i], 4);
                    dot_matrix dA = {&c.x.fa, A16, K, NULL, 0, 0}, dB = {&c.x.fw, B16, N, NULL, 0, 0};
                    CU_ASSERT_FATAL(dot_gemm(&exact, M, N, K, &dA, &dB, withc ? Cf : NULL, Rf) == LP_OK);
                    for (int i = 0; i < M * N; i++) memcpy(&R[i], &Rf[i], 4);
                    CU_ASSERT_FATAL(run_face(&c, M, N, K, A, B, withc ? C : NULL, D) == LP_OK);
                    char what[96];
                    snprintf(what, sizeof what, "%s x %s, %s, K=%d%s", pairs[p][0], pairs[p][1], data_names[kind], K,
                             withc ? ", C" : "");
                    bad += compare(what, D, R, M * N);
                }
    }
    CU_ASSERT_EQUAL(bad, 0);
    arch_free(a);
}

/* The exact accumulator rounds once, with every bit of the sum: 1 + 2^-24
** (half an ulp of 1) + 2^-62 (e5m2 with bias 30 holds 2^-12 and 2^-31)
** rounds up, as the dot model says; without the last bit it would tie to 1. */
static void test_exact_rounds_once_with_every_bit(void)
{
    arch_cfg *a = lpt_arch("vck190");
    fpga_cfg c = design_of(a, "e5m2_b30", "e5m2_b30", 1, "none");
    mf_format f = c.x.fa;
    uint8_t h = (uint8_t)mf_encode_f32(&f, lp_bits(0x1p-12f), NULL, 0), t = 1; /* 2^-12; 2^-31 the least */
    CU_ASSERT_FATAL(lp_f32(mf_decode_f32(&f, t)) == 0x1p-31f);
    uint8_t A[2] = {h, t}, B[2] = {h, t}, An[2] = {(uint8_t)(h | f.sign_bit), t},
            Bn[2] = {h, (uint8_t)(t | f.sign_bit)};
    uint32_t C = 0x3f800000u, Cn = 0xbf800000u, D;
    CU_ASSERT_FATAL(run_face(&c, 1, 1, 2, A, B, &C, &D) == LP_OK);
    CU_ASSERT_EQUAL(D, 0x3f800001u);
    CU_ASSERT_FATAL(run_face(&c, 1, 1, 2, An, Bn, &Cn, &D) == LP_OK);
    CU_ASSERT_EQUAL(D, 0xbf800001u);
    uint16_t A16[2] = {h, t}, B16[2] = {h, t};
    float Cf = 1.0f, R;
    dot_cfg exact;
    CU_ASSERT_FATAL(dot_preset("exact", &exact, NULL) == LP_OK);
    dot_matrix dA = {&f, A16, 2, NULL, 0, 0}, dB = {&f, B16, 1, NULL, 0, 0};
    CU_ASSERT_FATAL(dot_gemm(&exact, 1, 1, 2, &dA, &dB, &Cf, &R) == LP_OK);
    CU_ASSERT_EQUAL(lp_bits(R), 0x3f800001u);
    arch_free(a);
}

/* Special values, under every accumulator as in the dot model: inf x 0 and
** +inf with -inf give NaN, an infinite product or C its infinity, a NaN
** NaN; an exact zero sum is +0 (-0 + 1 - 1 too); a negative sum below
** float32's range (-2^-298: E7M0 of bias 150) rounds to -0. */
static void test_special_values(void)
{
    static const struct {
        uint8_t a[2], b[2];
        bool has_c;
        uint32_t c, want;
    } sp[] = {/* fp8_e5m2: 1 0x3c, -1 0xbc, inf 0x7c, -inf 0xfc, NaN 0x7e */
              {{0x7c, 0x3c}, {0x00, 0x3c}, false, 0, 0x7fffffffu},
              {{0x00, 0x3c}, {0xfc, 0x3c}, false, 0, 0x7fffffffu},
              {{0x7c, 0x3c}, {0x3c, 0x3c}, false, 0, 0x7f800000u},
              {{0x7c, 0x3c}, {0xbc, 0x3c}, false, 0, 0xff800000u},
              {{0x7c, 0xfc}, {0x3c, 0x3c}, false, 0, 0x7fffffffu},
              {{0x7e, 0x3c}, {0x3c, 0x3c}, false, 0, 0x7fffffffu},
              {{0x3c, 0x3c}, {0x3c, 0x3c}, true, 0x7f800000u, 0x7f800000u},
              {{0xfc, 0x3c}, {0x3c, 0x3c}, true, 0x7f800000u, 0x7fffffffu},
              {{0x3c, 0x3c}, {0x3c, 0x3c}, true, 0x7fc00000u, 0x7fffffffu},
              {{0x3c, 0x3c}, {0x3c, 0xbc}, false, 0, 0x00000000u},
              {{0x3c, 0x3c}, {0x3c, 0xbc}, true, 0x80000000u, 0x00000000u}};
    static const struct {
        const char *acc;
        uint64_t bits, frac, e, m;
        const char *round;
    } accs[] = {{"exact", 0, 0, 8, 23, "nearest-even"},
                {"fixed", 40, 16, 8, 23, "nearest-even"},
                {"float", 0, 0, 8, 23, "nearest-even"},
                {"float", 0, 0, 5, 10, "toward-zero"}};
    arch_cfg *a = lpt_arch("vck190");
    for (size_t i = 0; i < sizeof accs / sizeof accs[0]; i++) {
        fpga_cfg c = design_of(a, "fp8_e5m2", "fp8_e5m2", 1, "none"),
                 t = design_of(a, "e7m0_b150", "e7m0_b150", 1, "none");
        fpga_cfg *u[2] = {&c, &t};
        for (int k = 0; k < 2; k++) {
            const char *key;
            u[k]->acc = (char *)accs[i].acc, u[k]->acc_bits = accs[i].bits, u[k]->acc_frac_bits = accs[i].frac;
            u[k]->acc_exp_bits = accs[i].e, u[k]->acc_man_bits = accs[i].m, u[k]->acc_round = (char *)accs[i].round;
            CU_ASSERT_FATAL(fpga_prepare(u[k], &key, NULL) == LP_OK);
        }
        for (size_t j = 0; j < sizeof sp / sizeof sp[0]; j++) {
            uint32_t D;
            CU_ASSERT_FATAL(run_face(&c, 1, 1, 2, sp[j].a, sp[j].b, sp[j].has_c ? &sp[j].c : NULL, &D) == LP_OK);
            if (D != sp[j].want)
                fprintf(stderr, "\n  %s case %d: %08x, want %08x\n", accs[i].acc, (int)j, D, sp[j].want);
            CU_ASSERT_EQUAL(D, sp[j].want);
        }
        /* 2^-149 x -2^-149, below float32's least subnormal: -0 (a fixed grid of 16 bits holds 0: +0) */
        uint8_t ta[1] = {0x01}, tb[1] = {0x81};
        uint32_t D;
        CU_ASSERT_FATAL(run_face(&t, 1, 1, 1, ta, tb, NULL, &D) == LP_OK);
        CU_ASSERT_EQUAL(D, i == 1 ? 0x00000000u : 0x80000000u);
    }
    arch_free(a);
}

/* Which dot-model preset the GEMM mapping may check a unit against: exact
** for an exact accumulator and for a fixed one whose grid holds every
** product and whose width K of them (E4M3 at K = 512: 18 fraction, 28
** integer bits); fp32-seq for a float32 register of one lane rounding to
** nearest even; none otherwise. */
static void test_dot_preset_of_the_accumulator(void)
{
    arch_cfg *a = lpt_arch("vck190");
    fpga_cfg c = design_of(a, "fp8_e4m3fn", "fp8_e4m3fn", 1, "none");
    const char *key;
    CU_ASSERT_STRING_EQUAL(fpga_dot_preset(&c, 512, NULL), "exact");
    static const struct {
        uint64_t bits, frac, k;
        bool ok;
    } fx[] = {{46, 18, 512, true}, {45, 18, 512, false}, {46, 17, 512, false}, {60, 20, 512, true},
              {0, 0, 4608, true},  {0, 0, 8193, false},  {30, 18, 512, false}};
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        c.acc = (char *)"fixed", c.acc_bits = fx[i].bits, c.acc_frac_bits = fx[i].frac;
        CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
        const char *p = fpga_dot_preset(&c, fx[i].k, NULL);
        if ((p != NULL) != fx[i].ok)
            fprintf(stderr, "\n  fixed %d.%d at K=%d\n", (int)fx[i].bits, (int)fx[i].frac, (int)fx[i].k);
        CU_ASSERT((p != NULL) == fx[i].ok);
        if (p) CU_ASSERT_STRING_EQUAL(p, "exact");
    }
    c.acc = (char *)"float", c.acc_exp_bits = 8, c.acc_man_bits = 23;
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_STRING_EQUAL(fpga_dot_preset(&c, 512, NULL), "fp32-seq");
    c.simd = 2;
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_PTR_NULL(fpga_dot_preset(&c, 512, NULL));
    c.simd = 1, c.acc_round = (char *)"toward-zero";
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_PTR_NULL(fpga_dot_preset(&c, 512, NULL));
    c.acc_round = (char *)"nearest-even", c.acc_exp_bits = 5, c.acc_man_bits = 10;
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_PTR_NULL(fpga_dot_preset(&c, 512, NULL));
    arch_free(a);
}

/* ---- plain references of the narrow accumulators ------------------------------------------------ */

/* A finite code as an exact double (every value of these formats is one). */
static double value_of(const mf_format *f, uint8_t code) { return (double)lp_f32(mf_decode_f32(f, code)); }

/* x rounded to an integer as a magnitude: nearest-even, toward zero, half away. */
static double round_mode(double x, mf_round r)
{
    if (r == MF_RTZ) return trunc(x);
    if (r == MF_RHA) return round(x);
    return nearbyint(x); /* the default mode: to nearest, ties to even */
}

/* Special inputs seen (as the dot model treats them). */
typedef struct spec {
    bool nan, pinf, ninf;
} spec;

static bool is_special(const mf_format *f, uint8_t v)
{
    return mf_is_nan(f, v) || (f->inf_mag != MF_NO_CODE && (v & ~f->sign_bit) == f->inf_mag);
}

static uint32_t resolve(const spec *s, float v)
{
    if (s->nan || (s->pinf && s->ninf)) return 0x7fffffffu;
    if (s->pinf) return 0x7f800000u;
    if (s->ninf) return 0xff800000u;
    return lp_bits(v);
}

static void product_special(spec *s, double x, double y)
{
    if (isnan(x) || isnan(y) || (isinf(x) && y == 0) || (x == 0 && isinf(y)))
        s->nan = true;
    else if (isinf(x) || isinf(y))
        *((x < 0) != (y < 0) ? &s->ninf : &s->pinf) = true;
}

/* The fixed register: W-bit two's complement holding value x 2^-F. Terms
** are products (and C) times 2^F rounded as magnitudes; the register wraps
** modulo 2^W at the end or saturates after each group of simd products. */
static uint32_t ref_fixed(const fpga_cfg *c, const uint8_t *a, const uint8_t *b, int bstride, int K, const uint32_t *cp)
{
    const fpga_design *x = &c->x;
    int W = (int)x->acc_bits, F = x->acc_frac;
    i128 lim = (i128)1 << (W - 1), R = 0;
    spec s = {0};
    if (cp) {
        float cf = lp_f32(*cp);
        if (isnan(cf))
            s.nan = true;
        else if (isinf(cf))
            *(cf < 0 ? &s.ninf : &s.pinf) = true;
        else
            R = (i128)copysign(round_mode(fabs(ldexp(cf, F)), x->round), cf);
        if (x->saturate) R = R >= lim ? lim - 1 : R < -lim ? -lim : R;
    }
    for (int k0 = 0; k0 < K; k0 += (int)c->simd) {
        for (int k = k0; k < K && k < k0 + (int)c->simd; k++) {
            double p = value_of(&x->fa, a[k]), q = value_of(&x->fw, b[k * bstride]);
            if (is_special(&x->fa, a[k]) || is_special(&x->fw, b[k * bstride])) {
                product_special(&s, p, q);
                continue;
            }
            R += (i128)copysign(round_mode(fabs(ldexp(p * q, F)), x->round), p * q); /* p q exact in double */
        }
        if (x->saturate) R = R >= lim ? lim - 1 : R < -lim ? -lim : R;
    }
    if (!x->saturate) { /* the low W bits, sign-extended */
        i128 m = R & (((i128)1 << W) - 1);
        R = m >= lim ? m - 2 * lim : m;
    }
    return resolve(&s, (float)ldexp((double)R, -F)); /* R has at most 52 bits: one rounding, to nearest even */
}

/* x (exact) rounded to the float format e (exponent bits) m (fraction bits),
** IEEE (bias 2^(e-1)-1, inf on overflow to nearest, the largest finite
** value toward zero), with rounding r. */
static double round_float(double x, int e, int m, mf_round r, bool *inf)
{
    int bias = (1 << (e - 1)) - 1, emin = 1 - bias, emax = bias;
    double maxv = ldexp(2 - ldexp(1, -m), emax);
    *inf = false;
    if (x == 0) return 0;
    int ex;
    frexp(x, &ex);
    ex -= 1; /* floor(log2 |x|) */
    if (ex < emin) ex = emin;
    double qn = ldexp(1, ex - m), y = copysign(round_mode(fabs(x) / qn, r), x) * qn;
    if (fabs(y) > maxv) {
        if (r == MF_RTZ) return copysign(maxv, x);
        *inf = true;
        return copysign(INFINITY, x);
    }
    return y == 0 ? copysign(0.0, x) : y;
}

/* The float register: each group of simd products summed exactly (in
** double: exact for the formats and sizes used here) and added with one
** rounding; C enters rounded. */
static uint32_t ref_float(const fpga_cfg *c, const uint8_t *a, const uint8_t *b, int bstride, int K, const uint32_t *cp)
{
    const fpga_design *x = &c->x;
    int e = x->accf.ebits, m = x->accf.mbits;
    double r = 0;
    bool inf = false, rinf = false;
    spec s = {0};
    if (cp) {
        float cf = lp_f32(*cp);
        if (isnan(cf))
            s.nan = true;
        else
            r = isinf(cf) ? (double)cf : round_float(cf, e, m, x->round, &inf), rinf = isinf(r);
    }
    for (int k0 = 0; k0 < K; k0 += (int)c->simd) {
        double g = 0;
        for (int k = k0; k < K && k < k0 + (int)c->simd; k++) {
            double p = value_of(&x->fa, a[k]), q = value_of(&x->fw, b[k * bstride]);
            if (is_special(&x->fa, a[k]) || is_special(&x->fw, b[k * bstride]))
                product_special(&s, p, q);
            else
                g += p * q;
        }
        if (rinf) continue;
        double sum = r + g;
        r = sum == 0 ? 0 : round_float(sum, e, m, x->round, &inf);
        rinf = inf;
    }
    if (rinf) *(r < 0 ? &s.ninf : &s.pinf) = true;
    return resolve(&s, (float)r);
}

/* A plain reference of one output: row a of A, column b of B (stride
** bstride), K products, C's bits or NULL. */
typedef uint32_t (*ref_fn)(const fpga_cfg *c, const uint8_t *a, const uint8_t *b, int bstride, int K,
                           const uint32_t *cp);

/* The face (outputs into D, M x N at most 64) against ref on the same data;
** the mismatches, reported under what. */
static int face_vs_ref(const fpga_cfg *c, ref_fn ref, int M, int N, int K, const uint8_t *A, const uint8_t *B,
                       const uint32_t *C, const char *what, uint32_t *D)
{
    uint32_t R[64];
    CU_ASSERT_FATAL(M * N <= 64);
    CU_ASSERT_FATAL(run_face(c, M, N, K, A, B, C, D) == LP_OK);
    for (int mi = 0; mi < M; mi++)
        for (int ni = 0; ni < N; ni++) R[mi * N + ni] = ref(c, A + mi * K, B + ni, N, K, C ? &C[mi * N + ni] : NULL);
    return compare(what, D, R, M * N);
}

/* Fixed accumulators against ref_fixed: E4M3 (fraction bits 4 and 18, so
** that small products round onto the grid) and int8 (a 16-bit register the
** extremes overflow), wrapping and saturating, each rounding, 1 and 3 lanes,
** random, cancelling and extreme data, with and without C (moderate C:
** the reference holds it in 128 bits). And acc_bits 0 is the exact one. */
static void test_fixed_against_a_plain_reference(void)
{
    static const struct {
        const char *f;
        uint64_t bits, frac;
    } regs[] = {{"e4m3", 24, 4}, {"e4m3", 40, 18}, {"fp8_e4m3fn", 20, 0},
                {"int8", 16, 0}, {"int8", 20, 2},  {"e2m1", 8, 1}};
    static const char *const ovf[] = {"wrap", "saturate"}, *const rnd[] = {"nearest-even", "toward-zero", "half-away"};
    enum { M = 4, N = 4, K = 150 };
    static uint8_t A[M * K], B[K * N];
    uint32_t C[M * N], D[M * N], R[M * N];
    arch_cfg *a = lpt_arch("vck190");
    int bad = 0, wrapped = 0, saturated = 0;
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        for (int o = 0; o < 2; o++)
            for (int r = 0; r < 3; r++)
                for (uint64_t q = 1; q <= 3; q += 2)
                    for (int kind = 0; kind < DATA_KINDS; kind++)
                        for (int withc = 0; withc < 2; withc++) {
                            fpga_cfg c = design_of(a, regs[i].f, regs[i].f, q, "none");
                            const char *key;
                            c.acc = (char *)"fixed", c.acc_bits = regs[i].bits, c.acc_frac_bits = regs[i].frac;
                            c.acc_overflow = (char *)ovf[o], c.acc_round = (char *)rnd[r];
                            CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
                            uint64_t seed = 7000 + 100 * i + 10 * (uint64_t)kind + (uint64_t)withc;
                            make_data(kind, &c.x.fa, &c.x.fw, M, N, K, seed, kind == DATA_RANDOM && r == 1, A, B);
                            for (int j = 0; j < M * N; j++) /* C: multiples of 2^-19 below 2^12, and -0 */
                                C[j] = j == 0 ? 0x80000000u
                                              : lp_bits((float)ldexp((double)(int32_t)lp_rng_u64(seed + 9, (uint64_t)j),
                                                                     -19));
                            char what[128];
                            snprintf(what, sizeof what, "%s acc %llu.%llu %s %s simd %d, %s%s", regs[i].f,
                                     (unsigned long long)regs[i].bits, (unsigned long long)regs[i].frac, ovf[o], rnd[r],
                                     (int)q, data_names[kind], withc ? ", C" : "");
                            bad += face_vs_ref(&c, ref_fixed, M, N, K, A, B, withc ? C : NULL, what, D);
                            if (kind == DATA_EXTREME && regs[i].bits == 16) {
                                /* the extremes leave the 16-bit register: results differ from the exact sum */
                                fpga_cfg e = design_of(a, regs[i].f, regs[i].f, q, "none");
                                uint32_t X[M * N];
                                CU_ASSERT_FATAL(run_face(&e, M, N, K, A, B, withc ? C : NULL, X) == LP_OK);
                                for (int j = 0; j < M * N; j++) *(o ? &saturated : &wrapped) += X[j] != D[j];
                            }
                        }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(wrapped > 0 && saturated > 0);
    /* acc_bits 0: the derived width and fraction, which is exact */
    fpga_cfg c = design_of(a, "fp8_e4m3fn", "fp8_e4m3fn", 1, "none"), e = c;
    const char *key;
    c.acc = (char *)"fixed", c.acc_bits = 0, c.acc_frac_bits = 3;
    CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.x.acc_bits, 50);
    CU_ASSERT_EQUAL(c.x.acc_frac, 18);
    make_data(DATA_EXTREME, &c.x.fa, &c.x.fw, M, N, K, 5, true, A, B);
    CU_ASSERT_FATAL(run_face(&c, M, N, K, A, B, NULL, D) == LP_OK);
    CU_ASSERT_FATAL(run_face(&e, M, N, K, A, B, NULL, R) == LP_OK);
    CU_ASSERT_EQUAL(compare("fixed, acc_bits 0", D, R, M * N), 0);
    arch_free(a);
}

/* Float accumulators against ref_float: float32, a binary16-like e5m10
** and a tiny e5m2 (rounding on nearly every addition; overflows to inf on
** the extremes), each rounding, 1 and 4 lanes, E4M3 products, with and
** without C (multiples of 2^-22 below 2^9, -0, NaN, -inf). */
static void test_float_against_a_plain_reference(void)
{
    static const int accs[][2] = {{8, 23}, {5, 10}, {5, 2}, {4, 3}};
    static const char *const rnd[] = {"nearest-even", "toward-zero", "half-away"};
    enum { M = 4, N = 4, K = 120 };
    static uint8_t A[M * K], B[K * N];
    uint32_t C[M * N], D[M * N];
    arch_cfg *a = lpt_arch("vck190");
    int bad = 0;
    for (size_t i = 0; i < sizeof accs / sizeof accs[0]; i++)
        for (int r = 0; r < 3; r++)
            for (uint64_t q = 1; q <= 4; q *= 4)
                for (int kind = 0; kind < DATA_KINDS; kind++)
                    for (int withc = 0; withc < 2; withc++) {
                        fpga_cfg c = design_of(a, "e4m3", "fp8_e4m3fn", q, "none");
                        const char *key;
                        c.acc = (char *)"float", c.acc_exp_bits = (uint64_t)accs[i][0];
                        c.acc_man_bits = (uint64_t)accs[i][1], c.acc_round = (char *)rnd[r];
                        CU_ASSERT_FATAL(fpga_prepare(&c, &key, NULL) == LP_OK);
                        uint64_t seed = 9000 + 100 * i + 10 * (uint64_t)kind + (uint64_t)withc;
                        make_data(kind, &c.x.fa, &c.x.fw, M, N, K, seed, kind != DATA_RANDOM, A, B);
                        for (int j = 0; j < M * N; j++)
                            C[j] = j == 0   ? 0x80000000u
                                   : j == 1 ? 0x7fc00000u
                                   : j == 2
                                       ? 0xff800000u
                                       : lp_bits((float)ldexp((double)(int32_t)lp_rng_u64(seed + 9, (uint64_t)j), -22));
                        char what[128];
                        snprintf(what, sizeof what, "e%dm%d %s simd %d, %s%s", accs[i][0], accs[i][1], rnd[r], (int)q,
                                 data_names[kind], withc ? ", C" : "");
                        bad += face_vs_ref(&c, ref_float, M, N, K, A, B, withc ? C : NULL, what, D);
                    }
    CU_ASSERT_EQUAL(bad, 0);
    arch_free(a);
}

/* ---- timing and cost ------------------------------------------------------------------------- */

/* An m x n x k MMA: fill (the datapath's stages and the grid's skew, or
** pipeline_cycles) plus ceil(m/rows) ceil(n/cols) passes of ceil(k/simd)
** cycles; other formats, MX, a chip clocked above fmax and buffers beyond
** the device's URAM and BRAM are refused. */
static void test_timing_passes_and_refusals(void)
{
    arch_cfg *a = lpt_arch("vck190");
    const fpga_cfg *c = arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg;
    unit_op op = {.what = UNIT_OP_MMA, .m = 100, .n = 64, .k = 513, .fa = c->x.fa, .fb = c->x.fw};
    unit_timing t;
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_FATAL(fpga_timing(a, c, &op, &t, &d) == LP_OK);
    uint64_t fill = c->x.stages + 32 + 32 - 2;
    CU_ASSERT_EQUAL(t.cycles, fill + 4 * 2 * 257);
    CU_ASSERT_EQUAL(t.macs, 100 * 64 * 513);
    CU_ASSERT(fabs(t.utilization - 100.0 * 64 * 513 / (4 * 2 * 257 * 2048.0)) < 1e-12);
    fpga_cfg p = *c;
    p.pipeline_cycles = 7;
    CU_ASSERT_FATAL(fpga_timing(a, &p, &op, &t, &d) == LP_OK);
    CU_ASSERT_EQUAL(t.cycles, 7 + 4 * 2 * 257);
    op.fa = fmt("int8");
    CU_ASSERT_EQUAL(fpga_timing(a, c, &op, &t, &d), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(d.msg, "is built for fp8_e4m3fn x fp8_e4m3fn (afmt x wfmt), not int8 x fp8_e4m3fn");
    op.fa = c->x.fa;
    a->clock_ghz = 0.4;
    CU_ASSERT_EQUAL(fpga_timing(a, c, &op, &t, &d), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(d.msg, "misses timing: the chip's clock 400 MHz is above the design's fmax 392.2 MHz");
    a->clock_ghz = 0.375;
    a->spm.size_bytes = 16 << 20, a->acc.size_bytes = 8 << 20; /* 24 MiB: more than URAM and BRAM hold */
    CU_ASSERT_EQUAL(fpga_timing(a, c, &op, &t, &d), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(d.msg, "does not fit its device: the chip's buffers (spm 16384 KiB + acc 8192 KiB) exceed "
                                  "the device's URAM 16668 KiB and BRAM 4351.5 KiB");
    op.what = UNIT_OP_MMA_MX;
    CU_ASSERT_EQUAL(fpga_timing(a, c, &op, &t, &d), LP_ERR_UNIT);
    arch_free(a);
}

/* Energy: MACs at the dynamic energy per MAC (LUTs x toggle_rate x
** e_lut_pj + e_dsp_pj per DSP shared by its MACs), the operands re-read for
** passes after the first at e_bram_pj per 72 bits, static power over the
** time. */
static void test_energy_from_its_parts(void)
{
    arch_cfg *a = lpt_arch("vck190");
    const fpga_cfg *c = arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg;
    CU_ASSERT(fabs(c->x.e_mac_pj - (0.125 * 0.08 * c->x.mac.luts + 3.0 / 3)) < 1e-12);
    unit_op op = {.what = UNIT_OP_MMA, .m = 64, .n = 96, .k = 200, .fa = c->x.fa, .fb = c->x.fw};
    unit_timing t;
    CU_ASSERT_FATAL(fpga_timing(a, c, &op, &t, NULL) == LP_OK);
    double rereads = 2.0 * 64 * 200 * 8 + 1.0 * 200 * 96 * 8; /* 3 column passes, 2 row passes */
    double want = (double)t.macs * c->x.e_mac_pj + rereads * 4.0 / 72 + 10.0 * (double)t.cycles / 0.375 * 1e3;
    CU_ASSERT(fabs(fpga_energy_pj(a, c, &op, &t) - want) < 1e-6 * want);
    arch_free(a);
}

/* ---- the command line --------------------------------------------------------------------------- */

/* lpsim run maps GEMMs onto the presets and the outputs match bit for bit:
** OCP FP8 on vck190; int8 x int8 to bf16 on u250; a float32 accumulator
** of one lane checked against fp32-seq; a narrow fixed accumulator and a
** format the unit is not built for refused with what to do. lpsim exec runs
** the programs run emits. */
static void test_run_maps_gemms_bit_exactly(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("run --arch vck190 --workload 'gemm M=256 N=256 K=512 in=fp8_e4m3fn'", "", 0, &out, &err),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "outputs         1 expectation: all match"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "MACs by format  fp8_e4m3fn 33554432 MACs"));
    free(out), free(err);
    CU_ASSERT_EQUAL(
        lpt_run("run --arch u250 --workload 'gemm M=200 N=130 K=300 in_a=int8 in_b=int8 out=bf16'", "", 0, &out, &err),
        0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "all match"));
    free(out), free(err);
    CU_ASSERT_EQUAL(
        lpt_run("run --arch vck190 --workload 'gemm M=64 N=64 K=64 in_a=int8 in_b=int8'", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: the fpga unit of vck190 is built for in_a=fp8_e4m3fn in_b=fp8_e4m3fn"));
    free(out), free(err);
    /* a float32 accumulator of one lane (fp32-seq), a fixed one too narrow
    ** for the dot model, a mixed E2M1 x int4 pair (exact) */
    static const struct {
        const char *unit, *workload;
        int rc;
    } v[] = {{"acc: float, simd: 1, clock_mhz: 125", "gemm M=96 N=64 K=160 in=fp8_e4m3fn out=fp32", 0},
             {"acc: fixed, acc_bits: 24, acc_frac_bits: 8, clock_mhz: 125", "gemm M=64 N=64 K=512 in=fp8_e4m3fn", 2},
             {"afmt: e2m1, wfmt: int4, simd: 3, clock_mhz: 125", "gemm M=64 N=80 K=96 in_a=e2m1 in_b=int4", 0}};
    char dir[] = "/tmp/lpt_fpga_XXXXXX", path[128], cmd[512];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/f.yaml", dir);
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(path, "w");
        CU_ASSERT_FATAL(f != NULL);
        fprintf(f,
                "name: fvar\nclock_ghz: 0.125\nspm: {size_bytes: 1048576, banks: 16, bank_bytes: 8}\n"
                "acc: {size_bytes: 262144}\nmatrix: {kind: fpga, pe_rows: 16, pe_cols: 16, %s}\n",
                v[i].unit);
        CU_ASSERT_FATAL(fclose(f) == 0);
        snprintf(cmd, sizeof cmd, "run --arch %s --workload '%s'", path, v[i].workload);
        int rc = lpt_run(cmd, "", 0, &out, &err);
        if (rc != v[i].rc) fprintf(stderr, "\n  %s: %s", cmd, err);
        CU_ASSERT_EQUAL(rc, v[i].rc);
        if (v[i].rc == 0) CU_ASSERT_PTR_NOT_NULL(strstr(out, "all match"));
        if (i == 1) {
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "fixed accumulator (24 bits, 8 fraction) rounds or overflows"));
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "(acc_bits 46, acc_frac_bits 18)"));
        }
        free(out), free(err);
    }
    /* lpsim exec runs the MMA program a mapping emits, on both presets */
    static const char *const ex[][2] = {{"vck190", "in=fp8_e4m3fn out=fp32"}, {"u250", "in_a=int8 in_b=int8"}};
    snprintf(path, sizeof path, "%s/g.s", dir);
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "run --arch %s --workload 'gemm M=64 N=96 K=200 %s' --emit-asm %s", ex[i][0],
                 ex[i][1], path);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
        free(out), free(err);
        snprintf(cmd, sizeof cmd, "exec --json --arch %s %s", ex[i][0], path);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
        CU_ASSERT_EQUAL(lpt_json_num(out, "failed"), 0);
        CU_ASSERT_EQUAL(lpt_json_num(out, "expectations"), 1);
        CU_ASSERT(lpt_json_num(out, "busy_cycles.matrix") > 0);
        CU_ASSERT(lpt_json_num(out, "energy_breakdown_pj.matrix") > 0);
        free(out), free(err);
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/f.yaml", dir);
    unlink(path);
    rmdir(dir);
}

/* lpsim fpga-cost prints the breakdown; --json carries the same figures;
** --wfmt, --afmt and --lanes replace the unit's; e4m3 (Brevitas's
** minifloat) costs as fp8_e4m3fn. */
/* Layers on vck190's one-format FP8 datapath: the attention computes in a
** (q_quant converts Q after the rotary; the reference rounds Q alike), so a
** tiny decode and prefill layer match their float64 reference; a Llama-3-8B
** decode and prefill layer run timing-only with every projection and the
** attention on the datapath; the same layer on h100 keeps its bf16 attention
** (no q_quant). */
static void test_layers_on_the_datapath(void)
{
    static const char *const f[] = {"layer model=tiny phase=decode ctx=9 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn",
                                    "layer model=tiny phase=prefill tokens=16 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn"};
    char cmd[400], *out = NULL, *err = NULL;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        snprintf(cmd, sizeof cmd, "run --json --arch vck190 --workload '%s'", f[i]);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
        CU_ASSERT(lpt_json_num(out, "expectations") >= 1);
        CU_ASSERT_EQUAL(lpt_json_num(out, "failed"), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"op\": \"q_quant\""));
        free(out), free(err);
    }
    CU_ASSERT_EQUAL(lpt_run("run --json --timing-only --arch vck190 --workload 'layer model=llama-3-8b phase=decode "
                            "ctx=4096 batch=8 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn'",
                            "", 0, &out, &err),
                    0);
    /* 218 MB of FP8 weights through one 25.6 GB/s DDR4 channel: at least 8.5 ms */
    CU_ASSERT(lpt_json_num(out, "latency_ns") > 8.5e6);
    CU_ASSERT(lpt_json_num(out, "macs") > 8 * 2.1e8);
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("run --json --timing-only --arch h100 --workload 'layer model=tiny phase=decode ctx=9 "
                            "w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn'",
                            "", 0, &out, &err),
                    0);
    CU_ASSERT_PTR_NULL(strstr(out, "q_quant"));
    free(out), free(err);
}

static void test_fpga_cost_command(void)
{
    char *out, *err, *jo, *je;
    CU_ASSERT_EQUAL(lpt_run("fpga-cost --arch vck190 --wfmt e4m3 --afmt e4m3", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "formats       A e4m3_b7_finite x B e4m3_b7_finite"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "accumulator   exact: 50 bits, 18 fraction (n = 4608)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "shifter          95.0  (38 bits out, 5 select)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "LUTs           508307      899840   56.5%"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "fmax          392.2 MHz (critical stage: accumulator"));
    CU_ASSERT_EQUAL(lpt_run("fpga-cost --arch vck190 --json --lanes 4 --wfmt int8 --afmt int8", "", 0, &jo, &je), 0);
    CU_ASSERT_EQUAL(lpt_json_num(jo, "simd"), 4);
    CU_ASSERT_EQUAL(lpt_json_num(jo, "acc_bits"), 30);
    CU_ASSERT_EQUAL(lpt_json_num(jo, "per_dsp"), 3);
    CU_ASSERT_EQUAL(lpt_json_num(jo, "macs"), 4096);
    CU_ASSERT(lpt_json_num(jo, "fmax_mhz") > 300);
    CU_ASSERT(lpt_json_num(jo, "per_mac.luts") > 0);
    free(out), free(err), free(jo), free(je);
    CU_ASSERT_EQUAL(lpt_run("fpga-cost --arch h100", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: h100 has no fpga unit"));
    free(out), free(err);
}

CU_TestInfo lpt_fpga_tests[] = {
    {"res/finn_multiplier_4x4_24_8x8_80", test_finn_multiplier},
    {"res/aggarwal_accumulator_widths", test_aggarwal_accumulator_widths},
    {"res/minifloat_integer_ratio_in_band", test_minifloat_integer_ratio_in_band},
    {"res/monotone_in_bit_widths", test_resources_monotone_in_bit_widths},
    {"res/fmax_calibrated_into_band", test_fmax_calibrated_into_band},
    {"res/dsp_packing_geometry", test_dsp_packing_geometry},
    {"res/over_budget_rejected_with_numbers", test_over_budget_rejected_with_numbers},
    {"res/presets_fit_their_devices", test_presets_fit_their_devices},
    {"func/exact_equals_the_dot_model", test_exact_equals_the_dot_model},
    {"func/exact_rounds_once_with_every_bit", test_exact_rounds_once_with_every_bit},
    {"func/special_values", test_special_values},
    {"func/dot_preset_of_the_accumulator", test_dot_preset_of_the_accumulator},
    {"func/fixed_against_a_plain_reference", test_fixed_against_a_plain_reference},
    {"func/float_against_a_plain_reference", test_float_against_a_plain_reference},
    {"timing/passes_and_refusals", test_timing_passes_and_refusals},
    {"cost/energy_from_its_parts", test_energy_from_its_parts},
    {"cli/run_maps_gemms_bit_exactly", test_run_maps_gemms_bit_exactly},
    {"run/layers_on_the_datapath", test_layers_on_the_datapath},
    {"cli/fpga_cost_command", test_fpga_cost_command},
    CU_TEST_INFO_NULL,
};
