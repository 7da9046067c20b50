/*
** test_calib.c — the calibrated whole-chip h100 preset (issue 11): its
** structure against NVIDIA's published figures, wave quantisation over its
** 132 SMs, the clock under the power cap (the arithmetic of power.h and what
** `lpsim run` reports for a large and a small GEMM).
*/
#define _POSIX_C_SOURCE 200809L
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_test.h"
#include "map_gemm.h"
#include "power.h"
#include "tc.h"
#include "arch.h"
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

/* The banded tile order: bands of `band` rows, column by column inside a
** band, the last band shorter; every tile once. */
static void test_band_order(void)
{
    wl_gemm_map m;
    memset(&m, 0, sizeof m);
    m.m = 5 * 64, m.n = 3 * 64, m.tm = 64, m.tn = 64, m.order = WL_ORDER_MN, m.band = 2;
    static const int want[15][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 2}, {1, 2}, {2, 0}, {3, 0},
                                    {2, 1}, {3, 1}, {2, 2}, {3, 2}, {4, 0}, {4, 1}, {4, 2}};
    for (uint64_t t = 0; t < 15; t++) {
        uint64_t mi, ni;
        wl_gemm_tile_at(&m, t, &mi, &ni);
        CU_ASSERT(mi == (uint64_t)want[t][0] && ni == (uint64_t)want[t][1]);
    }
    m.order = WL_ORDER_NM; /* the roles swap: bands of columns */
    for (uint64_t t = 0; t < 15; t++) {
        uint64_t mi, ni;
        wl_gemm_tile_at(&m, t, &mi, &ni);
        uint64_t n_t = t < 10 ? t % 2 + t / 10 * 2 : 2, m_t = t < 10 ? t / 2 : t - 10;
        CU_ASSERT(ni == n_t && mi == m_t);
    }
    m.band = 0, m.order = WL_ORDER_MN; /* no band: row by row */
    for (uint64_t t = 0; t < 15; t++) {
        uint64_t mi, ni;
        wl_gemm_tile_at(&m, t, &mi, &ni);
        CU_ASSERT(mi == t / 3 && ni == t % 3);
    }
}

/* Causal prefill's items, longer for later query tiles, are dealt so that
** the cores' work is level: per core, the instructions of its section. */
static void test_attention_work_level(void)
{
    char dir[] = "/tmp/lpt_lvl_XXXXXX", cmd[400];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "run --arch h100 --timing-only --workload 'attention kind=prefill batch=1 heads=8 kv_heads=8 head_dim=64 "
             "seq=1024 causal=1 cores=8' --emit-asm %s/a.s",
             dir);
    char *j = NULL, *e = NULL, path[300];
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
    free(j), free(e);
    snprintf(path, sizeof path, "%s/a.s", dir);
    char *a = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    long n[8] = {0}, core = -1;
    for (char *l = a; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!strncmp(l, ".core ", 6))
            core = strtol(l + 6, NULL, 10);
        else if (core >= 0 && core < 8 && !strncmp(l, "    ", 4))
            n[core]++;
    }
    long lo = n[0], hi = n[0];
    for (int c = 1; c < 8; c++) lo = n[c] < lo ? n[c] : lo, hi = n[c] > hi ? n[c] : hi;
    if (hi > lo * 11 / 10) fprintf(stderr, "\n  instructions per core from %ld to %ld\n", lo, hi);
    CU_ASSERT(lo > 0 && hi <= lo * 11 / 10);
    free(a);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A batch too large for one program runs as a slice, counted: the report
** says so, and the latency is the slice's work that many times. */
static void test_attention_slice(void)
{
    char *j = run_json("attention kind=prefill batch=16 heads=32 kv_heads=32 head_dim=64 seq=4096 causal=0");
    CU_ASSERT_EQUAL(lpt_json_num(j, "operations.0.repeat"), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "simulated for batch 4 of 16 and counted 4 times"));
    double cycles = lpt_json_num(j, "kernels.0.cycles"), f = lpt_json_num(j, "kernels.0.clock_ghz");
    arch_cfg *a = lpt_arch("h100");
    double ns = lpt_json_num(j, "latency_ns"), want = a->launch_ns + 4 * cycles / (f > 0 ? f : a->clock_ghz);
    if (fabs(ns - want) > 1e-6 * want) fprintf(stderr, "\n  latency %.3f, expected %.3f\n", ns, want);
    CU_ASSERT(fabs(ns - want) <= 1e-6 * want);
    CU_ASSERT_EQUAL(lpt_json_num(j, "cycles"), 4 * cycles);
    arch_free(a);
    free(j);
}

/* text with the value of the line `key:` set to val: the first such line
** after `after` (a section's line, or NULL: the top). A key absent fails. */
static char *set_key(char *text, const char *after, const char *key, const char *val)
{
    const char *from = text;
    if (after) {
        from = strstr(text, after);
        CU_ASSERT_PTR_NOT_NULL_FATAL(from);
    }
    char *at = strstr(from, key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    at += strlen(key);
    char *end = at + strspn(at, " ");
    end += strcspn(end, ",}\n #");
    size_t n = strlen(text) + strlen(val) + 2;
    char *out = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    snprintf(out, n, "%.*s %s%s", (int)(at - text), text, val, end);
    free(text);
    return out;
}

/* Write text to dir/name (the path into path, when not NULL). */
static void put_file(const char *dir, const char *name, const char *text, char *path, size_t n)
{
    char p[300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (path) snprintf(path, n, "%s", p);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* The L2 keeps what was loaded within its size: a GEMM whose cores share
** A and B panels reads DRAM once per panel on h100 (50 MiB), and several
** times with an L2 of 64 KiB, where the cores sharing a panel of A load it
** more than 64 KiB of other loads apart. */
static void test_l2_evicts(void)
{
    char dir[] = "/tmp/lpt_l2_XXXXXX", path[300], cmd[400];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char *t = set_key(strdup(arch_preset_text("h100")), "\nl2:", "size_bytes:", "65536");
    put_file(dir, "small.yaml", t, path, sizeof path);
    free(t);
    const char *spec = "gemm M=2048 N=2048 K=2048 in=bf16 out=bf16";
    char *big = run_json(spec), *j = NULL, *e = NULL;
    snprintf(cmd, sizeof cmd, "run --arch %s --workload '%s' --timing-only --json", path, spec);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
    double min = lpt_json_num(big, "counts.min_dram_bytes"), large = lpt_json_num(big, "dram_bytes");
    double small = lpt_json_num(j, "dram_bytes");
    if (!(large < 1.2 * min && small > 2 * large))
        fprintf(stderr, "\n  DRAM bytes: minimum %.0f, 50 MiB L2 %.0f, 64 KiB L2 %.0f\n", min, large, small);
    CU_ASSERT(large < 1.2 * min);
    CU_ASSERT(small > 2 * large);
    free(big), free(j), free(e);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Split-K pays the gap before its reduction kernel in the tile search: a
** small GEMM splits K over the idle SMs when kernels follow each other for
** free, and not when the gap is long. */
static void test_split_pays_the_gap(void)
{
    char dir[] = "/tmp/lpt_gap_XXXXXX", path[300], cmd[400];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    double split[2];
    for (int i = 0; i < 2; i++) {
        char *t = set_key(strdup(arch_preset_text("h100")), NULL, "\nkernel_gap_ns:", i ? "100000" : "0");
        put_file(dir, i ? "gap1.yaml" : "gap0.yaml", t, path, sizeof path);
        free(t);
        char *j = NULL, *e = NULL;
        snprintf(cmd, sizeof cmd, "run --arch %s --workload 'gemm M=64 N=512 K=4096' --timing-only --json", path);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
        split[i] = lpt_json_num(j, "operations.0.mapping.split_k");
        free(j), free(e);
    }
    CU_ASSERT(split[0] > 1);
    CU_ASSERT_EQUAL(split[1], 1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- lpsim calibrate recovers the parameters of data its own model made ------------------ */

/* h100 with the given launch, static power, DRAM and L2 bandwidths and bf16
** energy per MAC, written to dir/name. */
static void write_arch(const char *dir, const char *name, const char *launch, const char *st, const char *dram,
                       const char *l2, const char *e_bf16)
{
    char *t = strdup(arch_preset_text("h100"));
    t = set_key(t, NULL, "\nlaunch_ns:", launch);
    t = set_key(t, "\npower:", "static_w:", st);
    t = set_key(t, "\ndram:", "bandwidth_gbps:", dram);
    t = set_key(t, "\nl2:", "bandwidth_gbps:", l2);
    t = set_key(t, "{format: bf16,", "energy_pj_per_mac:", e_bf16);
    put_file(dir, name, t, NULL, 0);
    free(t);
}

/* A value of a calibrated file: the number after `key:` past `after`. */
static double value_of(const char *text, const char *after, const char *key)
{
    const char *from = after ? strstr(text, after) : text;
    const char *at = from ? strstr(from, key) : NULL;
    return at ? strtod(at + strlen(key), NULL) : NAN;
}

/* Measurements made by the model itself with known parameters (launch 7 us,
** static 100 W, L2 14 TB/s, 1.5 pJ per bf16 MAC, DRAM 2.9 TB/s in the
** copies): calibrate, started elsewhere, finds them again. The GEMMs with M
** >= 512 use 32 SMs (below the cap), the last one all of them at the cap. */
static void test_calibrate_recovers(void)
{
    char dir[] = "/tmp/lpt_cal_XXXXXX", path[300], cmd[600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    write_arch(dir, "truth.yaml", "7000", "100", "2900", "14000", "1.5");
    write_arch(dir, "start.yaml", "4000", "40", "3300", "8000", "1.0");
    static const struct {
        int m, n, k, mhz;
    } shapes[] = {{1, 1024, 1024, 1980}, {16, 1024, 2048, 1980},  {1, 2048, 2048, 1980},    {16, 4096, 1024, 1980},
                  {1, 4096, 4096, 1980}, {512, 2048, 1024, 1980}, {1024, 1024, 2048, 1980}, {4096, 4096, 8192, 1400}};
    snprintf(path, sizeof path, "%s/gemm_latency.csv", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "run,dtype_in,dtype_out,fast_accum,M,N,K,median_us,sm_mhz\n");
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char *j = NULL, *e = NULL;
        snprintf(cmd, sizeof cmd,
                 "run --arch %s/truth.yaml --workload 'gemm M=%d N=%d K=%d in=bf16 out=bf16' "
                 "--timing-only --json",
                 dir, shapes[i].m, shapes[i].n, shapes[i].k);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
        double us = lpt_json_num(j, "latency_ns") / 1000;
        if (shapes[i].mhz < 1900) CU_ASSERT(us >= 300 && lpt_json_num(j, "clock_ghz") < 1.9); /* at the cap */
        fprintf(f, "1,bf16,bf16,0,%d,%d,%d,%.9g,%d\n", shapes[i].m, shapes[i].n, shapes[i].k, us, shapes[i].mhz);
        free(j), free(e);
    }
    CU_ASSERT_EQUAL(fclose(f), 0);
    put_file(dir, "nvidia_smi_samples_run1.csv",
             "timestamp, clocks.current.sm [MHz], power.draw [W], utilization.gpu [%]\n"
             "t, 1980 MHz, 99.00 W, 0 %\nt, 1980 MHz, 650.00 W, 100 %\nt, 1980 MHz, 100.00 W, 0 %\n"
             "t, 1980 MHz, 101.00 W, 0 %\n",
             NULL, 0);
    put_file(dir, "peak_bandwidth.csv",
             "run,test,dtype,size,reps,median_us,min_us,warm_mean_us,value_median,value_best,unit,sm_mhz\n"
             "1,d2d_copy,uint8,268435456,25,181,179,180,2800.0,2990,GB/s(read+write),1980\n"
             "1,d2d_copy,uint8,1073741824,25,714,712,712,2900.0,3010,GB/s(read+write),1980\n"
             "1,gemm_square,bf16,4096,25,172,171,172,796.2,802.8,TFLOP/s,1980\n",
             NULL, 0);
    char *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "calibrate h100 --arch %s/start.yaml --data %s --subset all --jobs 2 --out %s/cal.yaml",
             dir, dir, dir);
    int rc = lpt_run(cmd, "", 0, &out, &err);
    if (rc) fprintf(stderr, "\n  %s", err ? err : "");
    CU_ASSERT_EQUAL(rc, 0);
    free(out), free(err);
    snprintf(path, sizeof path, "%s/cal.yaml", dir);
    char *cal = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cal);
    double launch = value_of(cal, NULL, "\nlaunch_ns:"), st = value_of(cal, "\npower:", "static_w:");
    double dram = value_of(cal, "\ndram:", "bandwidth_gbps:"), l2 = value_of(cal, "\nl2:", "bandwidth_gbps:");
    double e = value_of(cal, "{format: bf16,", "energy_pj_per_mac:");
    if (fabs(launch - 7000) > 1 || fabs(e - 1.5) > 1.5e-3 || l2 != 14000)
        fprintf(stderr, "\n  launch %g, static %g, DRAM %g, L2 %g, bf16 %g pJ\n", launch, st, dram, l2, e);
    CU_ASSERT_DOUBLE_EQUAL(st, 100, 1e-9);    /* the idle samples' median */
    CU_ASSERT_DOUBLE_EQUAL(dram, 2900, 1e-9); /* the best copy */
    CU_ASSERT_DOUBLE_EQUAL(l2, 14000, 1e-9);  /* on the grid */
    CU_ASSERT_DOUBLE_EQUAL(launch, 7000, 1);
    CU_ASSERT_DOUBLE_EQUAL(e, 1.5, 1.5e-3);
    CU_ASSERT_PTR_NOT_NULL(strstr(cal, "# lpsim calibrate: "));
    /* the calibrated file predicts the data as the truth does */
    free(cal);
    if (getenv("LPT_KEEP")) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

CU_TestInfo lpt_calib_tests[] = {
    {"preset/peaks_are_nvidias", test_preset_peaks},
    {"timing/wave_quantisation", test_wave_quantisation},
    {"power/clock_arithmetic", test_power_clock},
    {"power/large_gemm_capped_small_not", test_power_cap},
    {"timing/band_order", test_band_order},
    {"timing/l2_evicts_past_its_size", test_l2_evicts},
    {"timing/split_k_pays_the_gap", test_split_pays_the_gap},
    {"attention/work_is_level_over_the_cores", test_attention_work_level},
    {"attention/large_batch_as_a_counted_slice", test_attention_slice},
    {"calibrate/recovers_known_parameters", test_calibrate_recovers},
    CU_TEST_INFO_NULL,
};
