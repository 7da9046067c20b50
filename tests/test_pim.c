/*
** test_pim.c — the PIM unit's three faces (models/units/pim/, docs/pim.md):
** PIMeval's bit-serial step counts exactly, LUT time linear in weight bits,
** a batch amortising the tables, the dcim-macro preset giving back its
** macro's TOPS/W and TOPS/mm^2, the accumulator's wrap against an integer
** reference, and the PIM example run by lpsim exec on sail-like.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "lp_rng.h"
#include "lp_test.h"
#include "machine.h"
#include "pim.h"

/* The PIM unit of a, for the faces (const dropped: tests vary its keys). */
static pim_cfg *pim_of(const arch_cfg *a)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_PIM);
    CU_ASSERT_FATAL(u != NULL && u->kind == UNIT_KIND_PIM);
    return (pim_cfg *)u->cfg;
}

static unit_op gemm_op(uint64_t m, uint64_t rows, uint64_t cols, uint64_t abits, uint64_t wbits, bool bitserial)
{
    unit_op op = {.what = m ? UNIT_OP_PIM_GEMM : UNIT_OP_PIM_GEMV, .m = m, .rows = rows, .cols = cols};
    op.abits = abits, op.wbits = wbits, op.bitserial = bitserial;
    return op;
}

static uint64_t cycles_of(const arch_cfg *a, const pim_cfg *c, const unit_op *op)
{
    unit_timing t;
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_FATAL(pim_timing(a, c, op, &t, &d) == LP_OK);
    return t.cycles;
}

/* ---- timing ------------------------------------------------------------------------------------ */

/* PIMeval's bitSIMD table (FACTS D.4): add 2n/n/3n+1, multiply n(n+1),
** n(n+1)/2, 2n^2+n (INT8 72/36/136, INT16 272/136/528, INT32 1056/528/2080),
** int conversion min(s,d)/d/0; and a bit-serial GEMV costs those steps per
** weight column exactly: one 64-lane array, 64 rows x 10 columns, 8-bit
** operands, 32-bit accumulator: 10 x (8 broadcast writes + 244 + 193) = 4450
** cycles. Its cost is quadratic in bits: the second difference over n is
** 7 cycles per column (3.5 n^2 from the multiply). */
static void test_bitserial_counts_are_pimevals(void)
{
    static const struct {
        uint64_t n, r, w, l;
    } mul[] = {{8, 72, 36, 136}, {16, 272, 136, 528}, {32, 1056, 528, 2080}},
      add[] = {{8, 16, 8, 25}, {16, 32, 16, 49}, {32, 64, 32, 97}};
    for (int i = 0; i < 3; i++) {
        pim_steps m = pim_steps_mul(mul[i].n), s = pim_steps_add(add[i].n);
        CU_ASSERT(m.reads == mul[i].r && m.writes == mul[i].w && m.logic == mul[i].l);
        CU_ASSERT(s.reads == add[i].r && s.writes == add[i].w && s.logic == add[i].l);
    }
    pim_steps cv = pim_steps_convert(8, 16);
    CU_ASSERT(cv.reads == 8 && cv.writes == 16 && cv.logic == 0);
    arch_cfg *a = lpt_arch("sail-like");
    pim_cfg *c = pim_of(a);
    c->arrays = 1, c->array_cols = 64, c->acc_bits = 32, c->host_lat_ns = 0;
    unit_op op = gemm_op(0, 64, 10, 8, 8, true);
    CU_ASSERT_EQUAL(cycles_of(a, c, &op), 4450);
    uint64_t cyc[17];
    for (uint64_t n = 1; n <= 16; n++) {
        op.abits = op.wbits = n;
        cyc[n] = cycles_of(a, c, &op);
    }
    for (uint64_t n = 3; n <= 16; n++) CU_ASSERT_EQUAL(cyc[n] - 2 * cyc[n - 1] + cyc[n - 2], 7 * 10);
    /* PIM_CVT int4 -> int8 of 64 x 64 elements on 64 lanes: 64 passes of 4 reads and 8 writes */
    unit_op cvt = {.what = UNIT_OP_PIM_CONVERT, .rows = 64, .cols = 64};
    CU_ASSERT_FATAL(mf_parse("int4", &cvt.sfmt, NULL) == LP_OK && mf_parse("int8", &cvt.dfmt, NULL) == LP_OK);
    CU_ASSERT_EQUAL(cycles_of(a, c, &cvt), 64 * 12);
    arch_free(a);
}

/* T-MAC: latency linear in weight bits. One core's share of a 4096 x 4096
** GEMV on sail-like (512 x 4096, int8 activations; at 4 bits it fills the
** core's 8 Mbit of arrays) at 1..4-bit weights: T(b) / T(1) within 10% of b. */
static void test_lut_time_linear_in_weight_bits(void)
{
    arch_cfg *a = lpt_arch("sail-like");
    pim_cfg *c = pim_of(a);
    unit_op op = gemm_op(0, 512, 4096, 8, 1, false);
    double t1 = (double)cycles_of(a, c, &op);
    for (uint64_t b = 2; b <= 4; b++) {
        op.wbits = b;
        double r = (double)cycles_of(a, c, &op) / t1;
        if (!(r > 0.9 * (double)b && r < 1.1 * (double)b)) fprintf(stderr, "\n  T(%d)/T(1) = %g\n", (int)b, r);
        CU_ASSERT(r > 0.9 * (double)b && r < 1.1 * (double)b);
    }
    arch_free(a);
}

/* The tables of a batch are built once and its lookups read side by side:
** PIM_GEMM's cycles per activation row fall as m grows (1 to 16), PIM_GEMM of
** one row costs what PIM_GEMV does, and bit-serial arrays amortise nothing.
** The matrix is one core's share of a 4096 x 4096 int4 GEMV (512 x 4096). */
static void test_batch_amortises_table_construction(void)
{
    arch_cfg *a = lpt_arch("sail-like");
    pim_cfg *c = pim_of(a);
    unit_op v = gemm_op(0, 512, 4096, 8, 4, false), g = gemm_op(1, 512, 4096, 8, 4, false);
    CU_ASSERT_EQUAL(cycles_of(a, c, &g), cycles_of(a, c, &v));
    double prev = (double)cycles_of(a, c, &g);
    for (uint64_t m = 2; m <= 16; m *= 2) {
        g.m = m;
        double per_row = (double)cycles_of(a, c, &g) / (double)m;
        CU_ASSERT(per_row < prev);
        prev = per_row;
    }
    CU_ASSERT(prev < 0.25 * (double)cycles_of(a, c, &v));
    unit_op s1 = gemm_op(1, 512, 4096, 8, 4, true), s8 = gemm_op(8, 512, 4096, 8, 4, true);
    CU_ASSERT(cycles_of(a, c, &s8) > 7 * cycles_of(a, c, &s1));
    arch_free(a);
}

/* The arrays disabled (arrays: 0, the CPU baseline) refuse PIM work. */
static void test_disabled_arrays_refuse(void)
{
    arch_cfg *a = lpt_arch("sail-like");
    pim_cfg *c = pim_of(a);
    CU_ASSERT_EQUAL(pim_capacity_bits(c), UINT64_C(256) * 256 * 128);
    c->arrays = 0;
    CU_ASSERT_EQUAL(pim_capacity_bits(c), 0);
    unit_op op = gemm_op(0, 64, 64, 8, 4, false);
    unit_timing t;
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(pim_timing(a, c, &op, &t, &d), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(d.msg, "has its PIM arrays disabled (arrays: 0)");
    arch_free(a);
}

/* ---- cost -------------------------------------------------------------------------------------- */

/* dcim-macro gives back Chih et al.'s 89 TOPS/W and 16.3 TOPS/mm^2 at 4b x
** 4b (FACTS D.5) within 10%: a batch of 1024 rows on a 512 x 512 matrix
** that fills its 16 macros, ops = 2 MACs, through both faces. */
static void test_dcim_macro_reproduces_its_macro(void)
{
    arch_cfg *a = lpt_arch("dcim-macro");
    pim_cfg *c = pim_of(a);
    unit_op op = gemm_op(1024, 512, 512, 4, 4, true);
    unit_timing t;
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_FATAL(pim_timing(a, c, &op, &t, &d) == LP_OK);
    double ops = 2.0 * (double)t.macs, s = (double)t.cycles / (a->clock_ghz * 1e9);
    double pj = pim_energy_pj(a, c, &op, &t);
    double tops_w = ops / (pj * 1e-12) / 1e12, tops_mm2 = ops / s / 1e12 / c->area_mm2;
    if (tops_w < 80.1 || tops_w > 97.9 || tops_mm2 < 14.67 || tops_mm2 > 17.93)
        fprintf(stderr, "\n  dcim-macro: %g TOPS/W, %g TOPS/mm^2\n", tops_w, tops_mm2);
    CU_ASSERT(tops_w > 89 * 0.9 && tops_w < 89 * 1.1);
    CU_ASSERT(tops_mm2 > 16.3 * 0.9 && tops_mm2 < 16.3 * 1.1);
    arch_free(a);
}

/* ---- values ------------------------------------------------------------------------------------ */

/* Run kernel text on the architecture text yaml; failed expectations, or -1. */
static int run_on(const char *yaml, const char *src)
{
    isa_prog p;
    lpt_assemble("pim.s", src, &p);
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "acc.yaml", &a, &d) == LP_OK);
    machine m;
    CU_ASSERT_FATAL(machine_init(&m, &p, a) == LP_OK);
    size_t at;
    int failed = machine_run(&m, &at, &d) == LP_OK ? machine_check(&m, stderr, 3) : -1;
    machine_free(&m);
    arch_free(a);
    isa_prog_free(&p);
    return failed;
}

/* v wrapped to a bits-wide two's-complement integer: the reference, by
** arithmetic on the exact sum rather than by masks. */
static long long wrap_ref(long long v, int bits)
{
    if (bits == 0 || bits >= 63) return v;
    long long mod = 1LL << bits, r = ((v % mod) + mod) % mod;
    return r >= mod / 2 ? r - mod : r;
}

/* int8 x int8 GEMM rows of 256 products, as the arrays compute them with a
** 16-, 24- and 32-bit accumulator and exactly (acc_bits 0), against a plain
** integer loop: random rows, and the extremes (-128 x -128 256 times = 2^22,
** 0 modulo 2^16; 127 x -128; alternating signs), which overflow 16 bits. */
static void test_accumulator_wraps_like_an_integer_reference(void)
{
    enum { R = 6, C = 256, M = 3 };
    static int8_t w[R][C], x[M][C];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) w[r][c] = (int8_t)lp_rng_u64(7, (uint64_t)(r * C + c));
    for (int c = 0; c < C; c++) {
        w[0][c] = -128, w[1][c] = 127, w[2][c] = (int8_t)(c & 1 ? -128 : 127);
        x[0][c] = -128, x[1][c] = (int8_t)lp_rng_u64(8, (uint64_t)c), x[2][c] = (int8_t)(c & 1 ? 127 : -128);
    }
    static const int widths[] = {16, 24, 32, 0};
    size_t cap = 64 * 1024;
    char *src = malloc(cap), yaml[256];
    CU_ASSERT_FATAL(src != NULL);
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        int wrapped = 0;
        size_t n = (size_t)snprintf(src, cap,
                                    ".buffer W, int8, %d, %d\n.buffer X, int8, %d, %d\n.buffer Y, fp32, %d, %d\n"
                                    ".data W, inline\n",
                                    R, C, M, C, M, R);
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++) n += (size_t)snprintf(src + n, cap - n, "%02x ", (uint8_t)w[r][c]);
        n += (size_t)snprintf(src + n, cap - n, "\n.enddata\n.data X, inline\n");
        for (int i = 0; i < M; i++)
            for (int c = 0; c < C; c++) n += (size_t)snprintf(src + n, cap - n, "%02x ", (uint8_t)x[i][c]);
        n += (size_t)snprintf(src + n, cap - n, "\n.enddata\n.expect Y, inline, bitexact\n");
        for (int i = 0; i < M; i++)
            for (int r = 0; r < R; r++) {
                long long s = 0;
                for (int c = 0; c < C; c++) s += (long long)w[r][c] * x[i][c];
                long long v = wrap_ref(s, widths[k]);
                wrapped += v != s;
                float f = (float)v;
                uint32_t b;
                memcpy(&b, &f, 4);
                n += (size_t)snprintf(src + n, cap - n, "%08x ", b);
            }
        snprintf(src + n, cap - n,
                 "\n.enddata\n    PIM_LD pim:0, W[0, 0], %d, %d, int8, 8\n    DMA_LD spm:0, X[0, 0], %d, %d, int8\n"
                 "    PIM_GEMM spm:0x1000, pim:0, spm:0, %d, %d, %d, int8, 8, 8, lut\n"
                 "    DMA_ST Y[0, 0], spm:0x1000, %d, %d, fp32\n",
                 R, C, M, C, M, R, C, M, R);
        snprintf(yaml, sizeof yaml, "name: acc\nmatrix:\n  kind: pim\n  acc_bits: %d\n", widths[k]);
        if (widths[k] == 16) CU_ASSERT(wrapped >= 3); /* the extremes overflow */
        if (widths[k] == 0) CU_ASSERT_EQUAL(wrapped, 0);
        CU_ASSERT_EQUAL(run_on(yaml, src), 0);
    }
    free(src);
}

/* lpsim exec runs the PIM example on sail-like: values bit for bit, the pim
** unit busy in its own lane, its energy listed. */
static void test_exec_runs_the_pim_example_on_sail_like(void)
{
    char cmd[1200], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "exec --json --arch sail-like '%s/examples/pim_gemv/pim_gemv.s'", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "failed"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "expectations"), 1);
    CU_ASSERT(lpt_json_num(out, "busy_cycles.pim") > 0);
    CU_ASSERT(lpt_json_num(out, "energy_breakdown_pj.pim") > 0);
    free(out), free(err);
}

CU_TestInfo lpt_pim_tests[] = {
    {"timing/bitserial_counts_are_pimevals", test_bitserial_counts_are_pimevals},
    {"timing/lut_time_linear_in_weight_bits", test_lut_time_linear_in_weight_bits},
    {"timing/batch_amortises_table_construction", test_batch_amortises_table_construction},
    {"timing/disabled_arrays_refuse", test_disabled_arrays_refuse},
    {"cost/dcim_macro_reproduces_its_macro", test_dcim_macro_reproduces_its_macro},
    {"func/accumulator_wraps_like_an_integer_reference", test_accumulator_wraps_like_an_integer_reference},
    {"exec/runs_the_pim_example_on_sail_like", test_exec_runs_the_pim_example_on_sail_like},
    CU_TEST_INFO_NULL,
};
