/*
** test_timing.c — the timing and cost faces (models/timing.c) on the presets.
*/
#include <math.h>
#include <string.h>

#include "lp_test.h"
#include "timing.h"

static arch_cfg *load(const char *name)
{
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load(name, &a, &d) == LP_OK);
    return a;
}

static void test_tile_filling_half_the_array_takes_a_full_pass(void)
{
    arch_cfg *a = load("edge-mx"); /* 32 x 32 */
    unit_cost full, half, third, over;
    CU_ASSERT_FATAL(timing_mma(a, "fp8_e4m3fn", 32, 32, 256, &full, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "fp8_e4m3fn", 16, 32, 256, &half, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "fp8_e4m3fn", 32, 11, 256, &third, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "fp8_e4m3fn", 33, 32, 256, &over, NULL, 0) == LP_OK);
    CU_ASSERT_EQUAL(half.cycles, full.cycles);
    CU_ASSERT_EQUAL(third.cycles, full.cycles);
    CU_ASSERT_EQUAL(over.cycles - a->matrix.pipeline_cycles, 2 * (full.cycles - a->matrix.pipeline_cycles));
    CU_ASSERT_DOUBLE_EQUAL(half.utilization, 0.5, 1e-12);
    CU_ASSERT_EQUAL(half.macs * 2, full.macs);
    arch_free(a);
}

static void test_halving_element_width_doubles_the_rate_where_listed(void)
{
    arch_cfg *a = load("b200-mx");
    unit_cost f8, f4, f6, bf;
    const uint64_t m = 128, n = 64, k = 4096;
    CU_ASSERT_FATAL(timing_mma(a, "fp8_e4m3fn", m, n, k, &f8, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "fp4_e2m1fn", m, n, k, &f4, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "fp6_e2m3fn", m, n, k, &f6, NULL, 0) == LP_OK);
    CU_ASSERT_FATAL(timing_mma(a, "bf16", m, n, k, &bf, NULL, 0) == LP_OK);
    uint64_t p = a->matrix.pipeline_cycles;
    CU_ASSERT_EQUAL((f8.cycles - p), 2 * (f4.cycles - p)); /* FP4 twice FP8 */
    CU_ASSERT_EQUAL(f6.cycles, f8.cycles);                 /* FP6 at the FP8 rate */
    CU_ASSERT_EQUAL((bf.cycles - p), 2 * (f8.cycles - p)); /* BF16 half */
    CU_ASSERT(f4.energy_pj < f8.energy_pj && f8.energy_pj < bf.energy_pj);
    arch_free(a);
}

static void test_large_gemm_reaches_the_peak_rate(void)
{
    arch_cfg *a = load("h100");
    unit_cost c;
    CU_ASSERT_FATAL(timing_mma(a, "bf16", 4096, 4096, 4096, &c, NULL, 0) == LP_OK);
    double ideal = 4096.0 * 4096 * 4096 / arch_rate_of(a, "bf16")->macs_per_cycle;
    CU_ASSERT(c.cycles >= ideal && c.cycles < ideal * 1.0001);
    CU_ASSERT_DOUBLE_EQUAL(c.energy_pj, 4096.0 * 4096 * 4096 * arch_rate_of(a, "bf16")->energy_pj_per_mac, 1);
    char err[200];
    CU_ASSERT_EQUAL(timing_mma(a, "fp4_e2m1fn", 16, 16, 16, &c, err, sizeof err), LP_ERR_ARG); /* no FP4 on H100 */
    CU_ASSERT_STRING_EQUAL(err, "the matrix unit of h100 does not run fp4_e2m1fn");
    arch_free(a);
}

static void test_vector_and_dma(void)
{
    arch_cfg *a = load("edge-mx"); /* 32 lanes, exp 4, reduce 2, 32 B/cycle, 120 ns at 1 GHz */
    unit_cost s, e, r;
    timing_vector(a, VEC_SIMPLE, 32 * 64, &s);
    timing_vector(a, VEC_EXP, 32 * 64, &e);
    timing_vector(a, VEC_REDUCE, 33, &r);
    CU_ASSERT_EQUAL(s.cycles, 64);
    CU_ASSERT_EQUAL(e.cycles, 256);
    CU_ASSERT_EQUAL(r.cycles, 4); /* two groups of 32 lanes */
    CU_ASSERT_EQUAL(timing_dma_cycles(a, 4096), 120 + 128);
    CU_ASSERT_DOUBLE_EQUAL(timing_dram_energy_pj(a, 1000), 1000 * 8 * 7.0, 1e-9);
    arch_free(a);
}

CU_TestInfo lpt_timing_tests[] = {
    {"mma/tile_filling_half_the_array_takes_a_full_pass", test_tile_filling_half_the_array_takes_a_full_pass},
    {"mma/halving_element_width_doubles_the_rate_where_listed",
     test_halving_element_width_doubles_the_rate_where_listed},
    {"mma/large_gemm_reaches_the_peak_rate", test_large_gemm_reaches_the_peak_rate},
    {"vector_and_dma/cycles_and_energy", test_vector_and_dma},
    CU_TEST_INFO_NULL,
};
