/*
** test_calib.c — the calibrated whole-chip h100 preset (issue 11): its
** structure against NVIDIA's published figures, wave quantisation over its
** 132 SMs, the clock under the power cap (the arithmetic of power.h and what
** `lpsim run` reports for a large and a small GEMM).
*/
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_test.h"
#include "power.h"
#include "tc.h"
#include "units.h"

/* 132 SMs; the dense peaks per format at the rated clock equal NVIDIA's
** (../shared/FACTS.md E.4: 989.4 TF BF16 and FP16, 1978.9 TF FP8 and TOPS
** INT8), to the 0.1 TF the figures are given in. */
static void test_preset_peaks(void)
{
    static const struct {
        const char *fmt;
        double tflops;
    } peaks[] = {{"bf16", 989.4}, {"fp16", 989.4}, {"fp8_e4m3fn", 1978.9}, {"fp8_e5m2", 1978.9}, {"int8", 1978.9}};
    arch_cfg *a = lpt_arch("h100");
    CU_ASSERT_EQUAL(a->cores, 132);
    CU_ASSERT(a->power.cap_w == 700);
    CU_ASSERT(a->power.rated_clock_ghz > 0 && a->power.rated_clock_ghz <= a->clock_ghz);
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    CU_ASSERT_FATAL(u && u->kind == UNIT_KIND_TC);
    const tc_cfg *tc = u->cfg;
    for (size_t i = 0; i < sizeof peaks / sizeof peaks[0]; i++) {
        const tc_rate *r = tc_rate_of(tc->formats, tc->formats_count, peaks[i].fmt);
        CU_ASSERT_FATAL(r != NULL);
        double tf = 2.0 * r->macs_per_cycle * (double)a->cores * a->power.rated_clock_ghz * 1e-3;
        if (fabs(tf - peaks[i].tflops) > 0.05) fprintf(stderr, "\n  %s: %.2f TF\n", peaks[i].fmt, tf);
        CU_ASSERT(fabs(tf - peaks[i].tflops) <= 0.05);
    }
    arch_free(a);
}

/* `lpsim run --timing-only --json` of spec on h100: its JSON (freed by the caller). */
static char *run_json(const char *spec)
{
    char cmd[512], *j = NULL, *e = NULL;
    snprintf(cmd, sizeof cmd, "run --arch h100 --workload '%s' --timing-only --json", spec);
    int rc = lpt_run(cmd, "", 0, &j, &e);
    if (rc) fprintf(stderr, "\n  %s: %s\n", cmd, e ? e : "");
    CU_ASSERT_EQUAL(rc, 0);
    free(e);
    return j;
}

/* 133 equal tiles take a second wave on 132 SMs: clearly longer than 132,
** while 131 take no longer than 132. */
static void test_wave_quantisation(void)
{
    double ns[3];
    for (int i = 0; i < 3; i++) {
        char spec[160];
        snprintf(spec, sizeof spec, "gemm M=128 N=%d K=4096 in=bf16 out=bf16 tm=128 tn=128 split_k=1", 128 * (131 + i));
        char *j = run_json(spec);
        CU_ASSERT_EQUAL(lpt_json_num(j, "operations.0.mapping.tiles"), 131 + i);
        CU_ASSERT_EQUAL(lpt_json_num(j, "operations.0.mapping.waves"), i == 2 ? 2 : 1);
        ns[i] = lpt_json_num(j, "latency_ns");
        free(j);
    }
    arch_cfg *a = lpt_arch("h100");
    double launch = a->launch_ns;
    arch_free(a);
    CU_ASSERT(ns[1] <= ns[0] * 1.02);
    CU_ASSERT(ns[2] - launch > 1.6 * (ns[1] - launch)); /* the second wave nearly doubles the work's time */
}

/* The arithmetic of the cap: a kernel over it runs at the clock where its
** power equals the cap, and keeps its cycles. */
static void test_power_clock(void)
{
    arch_cfg *a = lpt_arch("h100");
    double f0 = a->clock_ghz, cap = a->power.cap_w, st = a->power.static_w;
    uint64_t cycles = 1000000;
    double ns = (double)cycles / f0;
    /* an energy that draws exactly the cap: the clock stays */
    double e_at = (cap - st) * ns * 1e3;
    CU_ASSERT_DOUBLE_EQUAL(arch_power_clock(a, e_at, cycles), f0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(arch_power_clock(a, e_at / 2, cycles), f0, 1e-12);
    /* twice that: half the clock, and the power at it is the cap */
    double f = arch_power_clock(a, 2 * e_at, cycles);
    CU_ASSERT_DOUBLE_EQUAL(f, f0 / 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(arch_power_w(a, 2 * e_at, (double)cycles / f), cap, 1e-9);
    /* never below the lowest clock */
    CU_ASSERT_DOUBLE_EQUAL(arch_power_clock(a, 1e6 * e_at, cycles), a->power.min_clock_ghz, 1e-12);
    /* the first kernel pays the launch, later ones the gap */
    CU_ASSERT_DOUBLE_EQUAL(arch_kernel_ns(a, 0, cycles, f0), a->launch_ns + ns, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(arch_kernel_ns(a, 1, cycles, f0), a->kernel_gap_ns + ns, 1e-9);
    a->power.cap_w = 0; /* no cap: the clock whatever the energy */
    CU_ASSERT_DOUBLE_EQUAL(arch_power_clock(a, 1e6 * e_at, cycles), f0, 1e-12);
    arch_free(a);
}

/* A large fp8 GEMM runs below the top clock at the cap; a small one at it. */
static void test_power_cap(void)
{
    arch_cfg *a = lpt_arch("h100");
    double top = a->clock_ghz, cap = a->power.cap_w;
    arch_free(a);
    char *j = run_json("gemm M=8192 N=8192 K=8192 in=fp8_e4m3fn out=bf16");
    double f = lpt_json_num(j, "clock_ghz"), w = lpt_json_num(j, "power_w");
    if (!(f < 0.9 * top)) fprintf(stderr, "\n  large fp8 GEMM at %.3f GHz, %.1f W\n", f, w);
    CU_ASSERT(f < 0.9 * top);
    CU_ASSERT(w <= cap * (1 + 1e-9) && w > 0.95 * cap);
    free(j);
    j = run_json("gemm M=64 N=512 K=512 in=fp8_e4m3fn out=bf16");
    CU_ASSERT_DOUBLE_EQUAL(lpt_json_num(j, "clock_ghz"), top, 1e-12);
    CU_ASSERT(lpt_json_num(j, "power_w") < cap);
    free(j);
}

CU_TestInfo lpt_calib_tests[] = {
    {"preset/peaks_are_nvidias", test_preset_peaks},
    {"timing/wave_quantisation", test_wave_quantisation},
    {"power/clock_arithmetic", test_power_clock},
    {"power/large_gemm_capped_small_not", test_power_cap},
    CU_TEST_INFO_NULL,
};
