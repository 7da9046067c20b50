/*
** test_exec.c — the SystemC system through `lpsim exec`, one process per
** simulation (SystemC elaborates once per process): example kernels, timing
** behaviour a hardware architect relies on, and exit statuses.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"

/* A field of the JSON line, as a number (NAN if absent). */
static double json_num(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* Run `lpsim exec --json ARGS KERNEL` on kernel text; returns the exit
** status and the JSON line in *json (malloc'd). */
static int exec_text(const char *args, const char *text, char **json, char **err)
{
    char dir[] = "/tmp/lpt_exec_XXXXXX", path[128], cmd[512];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/k.s", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "exec --json %s '%s'", args, path);
    int rc = lpt_run(cmd, "", 0, json, err);
    unlink(path);
    rmdir(dir);
    return rc;
}

static int exec_example(const char *args, const char *name, char **json, char **err)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "exec --json %s '%s/examples/%s/%s.s'", args, LPSIM_SOURCE_DIR, name, name);
    return lpt_run(cmd, "", 0, json, err);
}

static void test_examples_run_and_match_on_every_preset(void)
{
    static const char *const presets[] = {"edge-mx", "b200-mx", "h100"};
    static const char *const kernels[] = {"mx_gemm", "flash_attention"};
    for (int p = 0; p < 3; p++) {
        for (int k = 0; k < 2; k++) {
            char args[64], *j1, *e1, *j2, *e2;
            snprintf(args, sizeof args, "--arch %s", presets[p]);
            int rc = exec_example(args, kernels[k], &j1, &e1);
            if (rc) fprintf(stderr, "\n  %s on %s: rc %d\n%s", kernels[k], presets[p], rc, e1);
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(json_num(j1, "failed"), 0);
            CU_ASSERT_EQUAL(json_num(j1, "expectations"), 1);
            /* MACs per format: the MX GEMM's fp8, the attention's bf16, and nothing else */
            CU_ASSERT_PTR_NOT_NULL(strstr(j1, k == 0 ? "\"macs_by_format\": {\"fp8_e4m3fn\": 1048576}"
                                                     : "\"macs_by_format\": {\"bf16\": 524288}"));
            /* timing-only: the same cycles */
            snprintf(args, sizeof args, "--arch %s --timing-only", presets[p]);
            CU_ASSERT_EQUAL(exec_example(args, kernels[k], &j2, &e2), 0);
            CU_ASSERT(json_num(j1, "cycles") > 0);
            CU_ASSERT_EQUAL(json_num(j1, "cycles"), json_num(j2, "cycles"));
            free(j1), free(e1), free(j2), free(e2);
        }
    }
}

/* The MX GEMM with the W tiles of the other half: caught, exit 1, with a report. */
static void test_wrong_kernel_exits_1_with_a_report(void)
{
    char path[1024], *src;
    snprintf(path, sizeof path, "%s/examples/mx_gemm/mx_gemm.s", LPSIM_SOURCE_DIR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(src = lpt_read_file(path, NULL));
    char *at = strstr(src, "W[ni*TN, 0]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    memcpy(at, "W[0*TN, 0] ", 11); /* every tile from the first rows: a wrong stride */
    /* data paths are relative to the kernel: run it from the example's folder */
    char dir[1024], cmd[2048], *out, *err;
    snprintf(dir, sizeof dir, "%s/examples/mx_gemm/wrong_tmp.s", LPSIM_SOURCE_DIR);
    FILE *f = fopen(dir, "w");
    fputs(src, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "exec --arch edge-mx '%s'", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C: 2048 of 4096 elements differ (bitexact"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  C[0, 32]: expected "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ulp apart"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "outputs         1 expectation: MISMATCH"));
    unlink(dir);
    free(src), free(out), free(err);
}

/* y = W x with W streaming through three scratchpad buffers (deep enough for
** two DMA engines to keep DRAM busy across its latency): DRAM-bound on h100,
** whose SM's share of HBM (25.4 GB/s) is far below what its tensor cores eat. */
static void test_memory_bound_gemv_runs_at_dram_bandwidth(void)
{
    const char *k = ".equ N, 2048\n.equ K, 1024\n.equ T, 32\n"
                    ".buffer W, bf16, N, K\n.buffer X, bf16, K, 1\n.buffer Y, fp32, N, 1\n"
                    "    DMA_LD spm:0x30000, X[0, 0], K, 1, bf16\n"
                    ".for t = 0, N/T\n"
                    "    DMA_LD spm:(t%3)*0x10000, W[t*T, 0], T, K, bf16\n"
                    "    MMA acc:t*T*4, spm:(t%3)*0x10000, spm:0x30000, T, 1, K, bf16, bf16, h100-bf16, set\n"
                    ".endfor\n"
                    "    DMA_ST Y[0, 0], acc:0, N, 1, fp32\n    HALT\n";
    char *j, *e;
    CU_ASSERT_EQUAL_FATAL(exec_text("--arch h100 --timing-only", k, &j, &e), 0);
    double gbps = json_num(j, "dram_bytes") / json_num(j, "latency_ns");
    if (!(gbps > 0.95 * 25.38 && gbps <= 25.38 * 1.001)) fprintf(stderr, "\n  GEMV: %.3f GB/s of 25.38", gbps);
    CU_ASSERT(gbps > 0.95 * 25.38 && gbps <= 25.38 * 1.001);
    free(j), free(e);
}

/* A chain of large MMAs from the scratchpad: the array's peak, within 5%. */
static void test_compute_bound_gemm_reaches_peak(void)
{
    const char *k = ".for i = 0, 32\n"
                    "    MMA acc:0, spm:0, spm:0x20000, 32, 32, 4096, fp8_e4m3fn, fp8_e4m3fn, b200-mx, acc\n"
                    ".endfor\n    HALT\n";
    char *j, *e;
    CU_ASSERT_EQUAL_FATAL(exec_text("--arch edge-mx --timing-only", k, &j, &e), 0);
    double util = json_num(j, "utilization"), peak_cycles = 32.0 * 32 * 32 * 4096 / 1024;
    if (!(util > 0.95)) fprintf(stderr, "\n  GEMM: utilization %.4f", util);
    CU_ASSERT(util > 0.95 && util <= 1.0);
    CU_ASSERT(json_num(j, "cycles") >= peak_cycles && json_num(j, "cycles") < peak_cycles / 0.95);
    free(j), free(e);
}

/* The same tiles through one or two scratchpad buffers: with two, the DMA of
** the next tile overlaps the MMA of this one; with one it cannot. */
static void test_double_buffering_overlaps_dma_with_compute(void)
{
    const char *fmt =
        ".buffer A, fp8_e4m3fn, 512, 2048\n"
        ".for t = 0, 16\n"
        "    DMA_LD spm:(t%%%d)*0x10000, A[t*32, 0], 32, 2048, fp8_e4m3fn\n"
        "    MMA acc:0, spm:(t%%%d)*0x10000, spm:0x40000, 32, 32, 2048, fp8_e4m3fn, fp8_e4m3fn, b200-mx, acc\n"
        ".endfor\n    HALT\n";
    char k1[1024], k2[1024], *j1, *e1, *j2, *e2;
    snprintf(k1, sizeof k1, fmt, 1, 1);
    snprintf(k2, sizeof k2, fmt, 2, 2);
    CU_ASSERT_EQUAL_FATAL(exec_text("--arch edge-mx --timing-only", k1, &j1, &e1), 0);
    CU_ASSERT_EQUAL_FATAL(exec_text("--arch edge-mx --timing-only", k2, &j2, &e2), 0);
    double single = json_num(j1, "cycles"), dbl = json_num(j2, "cycles");
    /* per tile on edge-mx: DMA 120 latency + 65536 B / 32 B per engine cycle = 2168
    ** cycles (one engine, below DRAM's 51.2 B/cycle); MMA 16 + 2048 = 2064 cycles */
    double dma = 2168, mma = 2064, overlapped = 16 * fmax(dma, mma) + mma, serial = 16 * (dma + mma);
    if (!(dbl <= overlapped * 1.01 && single >= serial * 0.99))
        fprintf(stderr, "\n  single %.0f (serial %.0f), double %.0f (overlapped %.0f)", single, serial, dbl,
                overlapped);
    CU_ASSERT(dbl <= overlapped * 1.01); /* each DMA hidden behind the previous MMA */
    CU_ASSERT(single >= serial * 0.99);  /* nothing hidden */
    CU_ASSERT(dbl < 0.6 * single);
    free(j1), free(e1), free(j2), free(e2);
}

static double one_mma_cycles(const char *arch, const char *insn)
{
    char k[512], args[64], *j, *e;
    snprintf(k, sizeof k, "    %s\n    HALT\n", insn);
    snprintf(args, sizeof args, "--arch %s --timing-only", arch);
    int rc = exec_text(args, k, &j, &e);
    if (rc) fprintf(stderr, "\n  %s: %s", insn, e);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    double c = json_num(j, "cycles");
    free(j), free(e);
    return c;
}

static void test_half_array_tile_takes_as_long_as_a_full_one(void)
{
    double full =
        one_mma_cycles("edge-mx", "MMA acc:0, spm:0, spm:0x20000, 32, 32, 4096, fp8_e4m3fn, fp8_e4m3fn, exact, set");
    double half =
        one_mma_cycles("edge-mx", "MMA acc:0, spm:0, spm:0x20000, 16, 32, 4096, fp8_e4m3fn, fp8_e4m3fn, exact, set");
    CU_ASSERT_EQUAL(full, half);
}

static void test_halving_element_width_doubles_the_mma_rate(void)
{
    /* MX operands on b200-mx (128 x 64 array, FP8 8192 MACs/cycle, FP4 16384): the
    ** same 128 x 64 x 1024 MMA takes 1024 k-cycles in FP8, 512 in FP4, and the
    ** same fixed pipeline and issue cycles */
    const char *mma = "MMA_MX acc:0, spm:0, spm:0x20000, spm:0x21000, spm:0x31000, 128, 64, 1024, %s, %s, b200-mx, set";
    char i8[256], i4[256];
    snprintf(i8, sizeof i8, mma, "fp8_e4m3", "fp8_e4m3");
    snprintf(i4, sizeof i4, mma, "fp4_e2m1", "fp4_e2m1");
    double f8 = one_mma_cycles("b200-mx", i8), f4 = one_mma_cycles("b200-mx", i4);
    if (f8 - f4 != 512) fprintf(stderr, "\n  fp8 %.0f fp4 %.0f", f8, f4);
    CU_ASSERT_EQUAL(f8 - f4, 512);
    CU_ASSERT(f8 > 1024 && f4 > 512 && f8 - 1024 == f4 - 512);
}

/* edge-mx with a scratchpad of two 16-byte banks (32 B/cycle, an eighth of the
** preset's), written to a temporary YAML file; returns its path (static). */
static const char *narrow_spm_arch(void)
{
    static char path[64];
    char src[512], *text;
    snprintf(src, sizeof src, "%s/models/presets/edge-mx.yaml", LPSIM_SOURCE_DIR);
    FILE *f = fopen(src, "r");
    CU_ASSERT_FATAL(f != NULL);
    text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    CU_ASSERT_FATAL(n > 0);
    char *spm = strstr(text, "\nspm:"), *banks = spm ? strstr(spm, "banks: 16") : NULL;
    CU_ASSERT_FATAL(banks != NULL);
    memcpy(banks, "banks:  2", 9);
    snprintf(path, sizeof path, "/tmp/lpt_narrow_%d.yaml", (int)getpid());
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    free(text);
    return path;
}

/* An MMA whose operands stream faster than the scratchpad's banks deliver
** them runs at the scratchpad's rate; FP4 operands, stored packed, need half
** the bytes of FP8 and so half the time. */
static void test_scratchpad_bandwidth_bounds_a_starved_mma(void)
{
    const char *arch = narrow_spm_arch();
    /* 32 x 32 x 4096 on edge-mx: 4096 + 16 cycles of compute (FP8), 2048 + 16 (FP4);
    ** operands A 32 x 4096, B 4096 x 32 and two 32 x 128 scale blocks */
    const char *mma =
        "    MMA_MX acc:0, spm:0, spm:0x20000, spm:0x21000, spm:0x41000, 32, 32, 4096, %s, %s, b200-mx, set\n"
        "    HALT\n";
    double bytes8 = 2.0 * 32 * 4096 + 2 * 32 * 128, bytes4 = 2.0 * 32 * 4096 / 2 + 2 * 32 * 128;
    char k[512], args[128], *j, *e;
    double cyc[2], wide8;
    for (int w = 0; w < 2; w++) {
        snprintf(k, sizeof k, mma, w ? "fp4_e2m1" : "fp8_e4m3", w ? "fp4_e2m1" : "fp8_e4m3");
        snprintf(args, sizeof args, "--arch '%s' --timing-only", arch);
        int rc = exec_text(args, k, &j, &e);
        if (rc) fprintf(stderr, "\n  %s", e);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        cyc[w] = json_num(j, "cycles");
        free(j), free(e);
    }
    snprintf(k, sizeof k, mma, "fp8_e4m3", "fp8_e4m3");
    CU_ASSERT_EQUAL_FATAL(exec_text("--arch edge-mx --timing-only", k, &j, &e), 0);
    wide8 = json_num(j, "cycles");
    free(j), free(e);
    unlink(arch);
    if (!(cyc[0] >= bytes8 / 32 && cyc[0] < bytes8 / 32 * 1.05 && cyc[1] >= bytes4 / 32 && cyc[1] < bytes4 / 32 * 1.05))
        fprintf(stderr, "\n  narrow scratchpad: fp8 %.0f (%.0f), fp4 %.0f (%.0f)", cyc[0], bytes8 / 32, cyc[1],
                bytes4 / 32);
    CU_ASSERT(cyc[0] >= bytes8 / 32 && cyc[0] < bytes8 / 32 * 1.05);
    CU_ASSERT(cyc[1] >= bytes4 / 32 && cyc[1] < bytes4 / 32 * 1.05);
    CU_ASSERT(wide8 < 4096 * 1.05); /* the preset's 256 B/cycle keeps up */
}

static void test_bad_input_exits_2(void)
{
    char *j, *e;
    CU_ASSERT_EQUAL(exec_text("--arch nosuch", "    HALT\n", &j, &e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "nosuch:1:1: error: cannot read: No such file or directory"));
    free(j), free(e);
    CU_ASSERT_EQUAL(
        exec_text("--arch edge-mx", "    MMA acc:0, spm:0, spm:0x100000, 8, 8, 8, bf16, bf16, exact, set\n", &j, &e),
        2); /* past edge-mx's 512 KiB scratchpad, found by the assembler */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(e, "k.s:1:23: error: tile of 128 bytes at spm:0x100000 runs past the scratchpad (524288 bytes)"));
    free(j), free(e);
    CU_ASSERT_EQUAL(exec_text("--arch h100",
                              "    MMA acc:0, spm:0, spm:0x100, 8, 8, 8, fp4_e2m1fn, fp4_e2m1fn, exact, set\n", &j, &e),
                    2);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "error: instruction 0 (MMA): the matrix unit of h100 does not run fp4_e2m1fn"));
    free(j), free(e);
}

CU_TestInfo lpt_exec_tests[] = {
    {"examples/run_and_match_on_every_preset", test_examples_run_and_match_on_every_preset},
    {"examples/wrong_kernel_exits_1_with_a_report", test_wrong_kernel_exits_1_with_a_report},
    {"timing/memory_bound_gemv_runs_at_dram_bandwidth", test_memory_bound_gemv_runs_at_dram_bandwidth},
    {"timing/compute_bound_gemm_reaches_peak", test_compute_bound_gemm_reaches_peak},
    {"timing/double_buffering_overlaps_dma_with_compute", test_double_buffering_overlaps_dma_with_compute},
    {"timing/half_array_tile_takes_as_long_as_a_full_one", test_half_array_tile_takes_as_long_as_a_full_one},
    {"timing/halving_element_width_doubles_the_mma_rate", test_halving_element_width_doubles_the_mma_rate},
    {"timing/scratchpad_bandwidth_bounds_a_starved_mma", test_scratchpad_bandwidth_bounds_a_starved_mma},
    {"exit/bad_input_exits_2", test_bad_input_exits_2},
    CU_TEST_INFO_NULL,
};
