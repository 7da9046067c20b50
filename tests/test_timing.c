/*
** test_timing.c — the timing and cost faces of the units (models/units/) on
** the presets, called directly as a cost model would, without simulating.
*/
#include <math.h>
#include <string.h>

#include "dma.h"
#include "lp_test.h"
#include "tc.h"
#include "units.h"

static arch_cfg *load(const char *name)
{
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load(name, &a, &d) == LP_OK);
    return a;
}

/* What the faces of a chip's unit of the op's class say about it. */
typedef struct cost {
    unit_timing t;
    double energy_pj;
} cost;

static lp_status price(const arch_cfg *a, const unit_op *op, cost *c, lp_diag *d)
{
    const arch_unit *u = arch_unit_of_class(a, unit_op_class(op->what));
    CU_ASSERT_FATAL(u != NULL);
    const unit_faces *f = unit_kind_get(u->kind)->faces;
    memset(c, 0, sizeof *c);
    lp_status st = f->timing(a, u->cfg, op, &c->t, d);
    if (!st && f->energy_pj) c->energy_pj = f->energy_pj(a, u->cfg, op, &c->t);
    return st;
}

static lp_status mma(const arch_cfg *a, const char *fmt, uint64_t m, uint64_t n, uint64_t k, cost *c, lp_diag *d)
{
    unit_op op = {.what = UNIT_OP_MMA, .m = m, .n = n, .k = k};
    CU_ASSERT_FATAL(mf_parse(fmt, &op.fa, NULL) == LP_OK);
    op.fb = op.fa;
    return price(a, &op, c, d);
}

static cost vector(const arch_cfg *a, unit_op_id what, uint64_t n)
{
    unit_op op = {.what = what, .rows = n, .cols = 1};
    cost c;
    CU_ASSERT_FATAL(price(a, &op, &c, NULL) == LP_OK);
    return c;
}

static const tc_cfg *tensor_core(const arch_cfg *a) { return arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg; }

static void test_tile_filling_half_the_array_takes_a_full_pass(void)
{
    arch_cfg *a = load("edge-mx"); /* 32 x 32 */
    cost full, half, third, over;
    CU_ASSERT_FATAL(mma(a, "fp8_e4m3fn", 32, 32, 256, &full, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "fp8_e4m3fn", 16, 32, 256, &half, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "fp8_e4m3fn", 32, 11, 256, &third, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "fp8_e4m3fn", 33, 32, 256, &over, NULL) == LP_OK);
    uint64_t p = tensor_core(a)->pipeline_cycles;
    CU_ASSERT_EQUAL(half.t.cycles, full.t.cycles);
    CU_ASSERT_EQUAL(third.t.cycles, full.t.cycles);
    CU_ASSERT_EQUAL(over.t.cycles - p, 2 * (full.t.cycles - p));
    CU_ASSERT_DOUBLE_EQUAL(half.t.utilization, 0.5, 1e-12);
    CU_ASSERT_EQUAL(half.t.macs * 2, full.t.macs);
    arch_free(a);
}

static void test_halving_element_width_doubles_the_rate_where_listed(void)
{
    arch_cfg *a = load("b200-mx");
    cost f8, f4, f6, bf;
    const uint64_t m = 128, n = 64, k = 4096;
    CU_ASSERT_FATAL(mma(a, "fp8_e4m3fn", m, n, k, &f8, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "fp4_e2m1fn", m, n, k, &f4, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "fp6_e2m3fn", m, n, k, &f6, NULL) == LP_OK);
    CU_ASSERT_FATAL(mma(a, "bf16", m, n, k, &bf, NULL) == LP_OK);
    uint64_t p = tensor_core(a)->pipeline_cycles;
    CU_ASSERT_EQUAL((f8.t.cycles - p), 2 * (f4.t.cycles - p)); /* FP4 twice FP8 */
    CU_ASSERT_EQUAL(f6.t.cycles, f8.t.cycles);                 /* FP6 at the FP8 rate */
    CU_ASSERT_EQUAL((bf.t.cycles - p), 2 * (f8.t.cycles - p)); /* BF16 half */
    CU_ASSERT(f4.energy_pj < f8.energy_pj && f8.energy_pj < bf.energy_pj);
    arch_free(a);
}

static void test_large_gemm_reaches_the_peak_rate(void)
{
    arch_cfg *a = load("h100");
    cost c;
    const tc_cfg *tc = tensor_core(a);
    const tc_rate *bf = tc_rate_of(tc->formats, tc->formats_count, "bf16");
    CU_ASSERT_FATAL(bf != NULL);
    CU_ASSERT_FATAL(mma(a, "bf16", 4096, 4096, 4096, &c, NULL) == LP_OK);
    double ideal = 4096.0 * 4096 * 4096 / bf->macs_per_cycle;
    CU_ASSERT(c.t.cycles >= ideal && c.t.cycles < ideal * 1.0001);
    CU_ASSERT_DOUBLE_EQUAL(c.t.peak_cycles, ideal, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(c.energy_pj, 4096.0 * 4096 * 4096 * bf->energy_pj_per_mac, 1);
    lp_diag err;
    lp_diag_init(&err, NULL);
    CU_ASSERT_EQUAL(mma(a, "fp4_e2m1fn", 16, 16, 16, &c, &err), LP_ERR_UNIT); /* no FP4 on H100 */
    CU_ASSERT_STRING_EQUAL(err.msg,
                           "does not run fp4_e2m1fn (it runs bf16, fp16, fp8_e4m3fn, fp8_e5m2, int8, e8m10_b127_ieee)");
    arch_free(a);
}

static void test_vector_and_dma(void)
{
    arch_cfg *a = load("edge-mx"); /* 32 lanes, exp 4, reduce 2, 32 B/cycle, 120 ns at 1 GHz */
    cost s = vector(a, UNIT_OP_ADD, 32 * 64), e = vector(a, UNIT_OP_EXP, 32 * 64), r = vector(a, UNIT_OP_ROW_MAX, 33);
    CU_ASSERT_EQUAL(s.t.cycles, 64);
    CU_ASSERT_EQUAL(e.t.cycles, 256);
    CU_ASSERT_EQUAL(r.t.cycles, 4); /* two groups of 32 lanes */
    CU_ASSERT_DOUBLE_EQUAL(s.energy_pj, 32 * 64 * 0.11, 1e-9);
    const dma_cfg *dc = arch_unit_of_class(a, UNIT_CLASS_DMA)->cfg;
    CU_ASSERT_EQUAL(dma_latency_cycles(a) + dma_engine_cycles(dc, 4096), 120 + 128);
    CU_ASSERT_DOUBLE_EQUAL(mem_dram_energy_pj(&a->dram, 1000), 1000 * 8 * 7.0, 1e-9);
    arch_free(a);
}

/* The DMA face prices a tile burst by burst: 205 bytes in bursts of 80 at 24
** bytes a cycle are 80 + 80 + 45 bytes, ceil(80/24) + ceil(80/24) + ceil(45/24)
** = 4 + 4 + 2 = 10 cycles (not ceil(205/24) = 9), after ceil(77.7 ns x 1.3 GHz
** = 101.01) = 102 of latency; and a tile of whole bursts, 160 bytes, 8. */
static void test_dma_face_prices_each_burst(void)
{
    static const char yaml[] = "clock_ghz: 1.3\ndram:\n  latency_ns: 77.7\ndma:\n  bytes_per_cycle: 24\n"
                               "  burst_bytes: 80\n";
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, sizeof yaml - 1, "dma.yaml", &a, &d) == LP_OK);
    unit_op op = {.what = UNIT_OP_LOAD,
                  .src = {.space = MEM_DRAM, .rows = 5, .row_bytes = 41, .pitch = 100, .packed_bits = 8}};
    cost c;
    CU_ASSERT_FATAL(price(a, &op, &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.t.cycles, 102 + 10);
    CU_ASSERT_EQUAL(c.energy_pj, 0); /* the bytes cost energy at the memories, not in the engines */
    op.src.rows = 4, op.src.row_bytes = 40;
    CU_ASSERT_FATAL(price(a, &op, &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.t.cycles, 102 + 8);
    arch_free(a);
}

CU_TestInfo lpt_timing_tests[] = {
    {"mma/tile_filling_half_the_array_takes_a_full_pass", test_tile_filling_half_the_array_takes_a_full_pass},
    {"mma/halving_element_width_doubles_the_rate_where_listed",
     test_halving_element_width_doubles_the_rate_where_listed},
    {"mma/large_gemm_reaches_the_peak_rate", test_large_gemm_reaches_the_peak_rate},
    {"vector_and_dma/cycles_and_energy", test_vector_and_dma},
    {"dma/face_prices_each_burst", test_dma_face_prices_each_burst},
    CU_TEST_INFO_NULL,
};
