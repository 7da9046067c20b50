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
static double json_num(const char *json, const char *key) { return lpt_json_num(json, key); }

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
            CU_ASSERT_EQUAL(lpt_json_size(j1, "macs_by_format"), 1);
            CU_ASSERT_EQUAL(json_num(j1, k == 0 ? "macs_by_format.fp8_e4m3fn" : "macs_by_format.bf16"),
                            k == 0 ? 1048576 : 524288);
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
    /* the kernel goes to a temporary folder (never into the source tree), its
    ** data paths made absolute */
    char edir[1024], *text = malloc(strlen(src) * 2 + 8192), *o = text, *out, *err;
    snprintf(edir, sizeof edir, "%s/examples/mx_gemm/", LPSIM_SOURCE_DIR);
    for (const char *q = src; *q;) {
        if (!strncmp(q, "hex \"", 5)) {
            o += sprintf(o, "hex \"%s", edir);
            q += 5;
        } else {
            *o++ = *q++;
        }
    }
    *o = 0;
    char dir[] = "/tmp/lpt_wrong_XXXXXX", kpath[64], cmd[128];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(kpath, sizeof kpath, "%s/wrong.s", dir);
    FILE *f = fopen(kpath, "w");
    fputs(text, f);
    fclose(f);
    free(text);
    snprintf(cmd, sizeof cmd, "exec --arch edge-mx '%s'", kpath);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 1);
    unlink(kpath);
    rmdir(dir);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C: 2048 of 4096 elements differ (bitexact"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  C[0, 32]: expected "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ulp apart"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "outputs         1 expectation: MISMATCH"));
    free(src), free(out), free(err);
}

/* y = W x with W streaming through three scratchpad buffers (deep enough for
** two DMA engines to keep DRAM busy across its latency): DRAM-bound on one SM
** of h100 alone (tests/golden/arch/h100-sm.yaml: the SM's share of HBM,
** 25.4 GB/s, far below what its tensor cores eat). */
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
    char args[512];
    snprintf(args, sizeof args, "--arch '%s/tests/golden/arch/h100-sm.yaml' --timing-only", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL_FATAL(exec_text(args, k, &j, &e), 0);
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

/* edge-mx with a scratchpad of two 16-byte banks of `ports` ports each (32 B/cycle
** per port, an eighth of the preset's), written to a temporary YAML file;
** returns its path (static). */
static const char *narrow_spm_arch(int ports)
{
    static char path[64];
    char src[512], *text;
    snprintf(src, sizeof src, "%s/models/arch/presets/edge-mx.yaml", LPSIM_SOURCE_DIR);
    FILE *f = fopen(src, "r");
    CU_ASSERT_FATAL(f != NULL);
    text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    CU_ASSERT_FATAL(n > 0);
    char *spm = strstr(text, "\nspm:"), *banks = spm ? strstr(spm, "banks: 16") : NULL;
    CU_ASSERT_FATAL(banks != NULL);
    memcpy(banks, "banks:  2", 9);
    char *eol = strchr(banks, '\n');
    CU_ASSERT_FATAL(eol != NULL);
    snprintf(path, sizeof path, "/tmp/lpt_narrow_%d.yaml", (int)getpid());
    f = fopen(path, "w");
    fprintf(f, "%.*s\n  ports: %d%s", (int)(eol - text), text, ports, eol);
    fclose(f);
    free(text);
    return path;
}

/* An MMA whose operands stream faster than the scratchpad's banks deliver
** them runs at the scratchpad's rate; FP4 operands, stored packed, need half
** the bytes of FP8 and so half the time. */
static void test_scratchpad_bandwidth_bounds_a_starved_mma(void)
{
    const char *arch = narrow_spm_arch(1);
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
    if (!(cyc[0] >= bytes8 / 32 && cyc[0] < bytes8 / 32 * 1.05 && cyc[1] >= bytes4 / 32 && cyc[1] < bytes4 / 32 * 1.05))
        fprintf(stderr, "\n  narrow scratchpad: fp8 %.0f (%.0f), fp4 %.0f (%.0f)", cyc[0], bytes8 / 32, cyc[1],
                bytes4 / 32);
    CU_ASSERT(cyc[0] >= bytes8 / 32 && cyc[0] < bytes8 / 32 * 1.05);
    CU_ASSERT(cyc[1] >= bytes4 / 32 && cyc[1] < bytes4 / 32 * 1.05);
    CU_ASSERT(wide8 < 4096 * 1.05); /* the preset's 256 B/cycle keeps up */
    /* a 64 KiB DMA into another part of the scratchpad at the same time: the banks
    ** serve both, so the two together take their bytes at 32 B/cycle */
    char kd[1024];
    snprintf(kd, sizeof kd,
             ".buffer D, fp8_e4m3fn, 32, 2048\n    DMA_LD spm:0x60000, D[0, 0], 32, 2048, fp8_e4m3fn\n%s", k);
    snprintf(args, sizeof args, "--arch '%s' --timing-only", arch);
    CU_ASSERT_EQUAL_FATAL(exec_text(args, kd, &j, &e), 0);
    double both = json_num(j, "cycles"), bytes_both = bytes8 + 32 * 2048;
    free(j), free(e);
    if (!(both >= bytes_both / 32 && both < bytes_both / 32 * 1.05))
        fprintf(stderr, "\n  DMA beside the MMA: %.0f (%.0f)", both, bytes_both / 32);
    CU_ASSERT(both >= bytes_both / 32 && both < bytes_both / 32 * 1.05);
    unlink(arch);
    /* two ports per bank: twice the rate, so the FP8 MMA takes half as long */
    arch = narrow_spm_arch(2);
    snprintf(args, sizeof args, "--arch '%s' --timing-only", arch);
    CU_ASSERT_EQUAL_FATAL(exec_text(args, k, &j, &e), 0);
    double two = json_num(j, "cycles");
    free(j), free(e);
    unlink(arch);
    if (!(two >= bytes8 / 64 && two < bytes8 / 64 * 1.05)) fprintf(stderr, "\n  two ports: fp8 %.0f", two);
    CU_ASSERT(two >= bytes8 / 64 && two < bytes8 / 64 * 1.05);
}

/* Most DMA instructions in flight at once in a trace, by a sweep over their
** start and end cycles (independent of the timeline's lane assignment). */
static int max_dma_overlap(const char *csv)
{
    long long ev[4096][2];
    int n = 0, best = 0, cur = 0;
    for (const char *l = strchr(csv, '\n'); l && l[1] && n < 4094; l = strchr(l + 1, '\n')) {
        long long idx, issue, start, end;
        char insn[32], unit[16];
        if (sscanf(l + 1, "%lld,%31[^,],%15[^,],%lld,%lld,%lld", &idx, insn, unit, &issue, &start, &end) != 6) continue;
        if (strcmp(unit, "dma")) continue;
        ev[n][0] = start, ev[n++][1] = 1;
        ev[n][0] = end, ev[n++][1] = -1;
    }
    for (int i = 0; i < n; i++) /* sort by cycle, ends before starts at the same cycle */
        for (int k = i + 1; k < n; k++)
            if (ev[k][0] < ev[i][0] || (ev[k][0] == ev[i][0] && ev[k][1] < ev[i][1])) {
                long long t0 = ev[i][0], t1 = ev[i][1];
                ev[i][0] = ev[k][0], ev[i][1] = ev[k][1], ev[k][0] = t0, ev[k][1] = t1;
            }
    for (int i = 0; i < n; i++) {
        cur += (int)ev[i][1];
        if (cur > best) best = cur;
    }
    return best;
}

/* A real trace drawn as a timeline: a PNG, and as many DMA lanes as DMA
** instructions overlap at most (no more than the engines). */
static void test_timeline_draws_a_trace_on_the_fewest_lanes(void)
{
    static const char *const kernels[] = {"mx_gemm", "flash_attention"};
    for (int k = 0; k < 2; k++) {
        char csv[64], png[64], cmd[1024], *out, *err;
        snprintf(csv, sizeof csv, "/tmp/lpt_tl_%d_%d.csv", (int)getpid(), k);
        snprintf(png, sizeof png, "/tmp/lpt_tl_%d_%d.png", (int)getpid(), k);
        snprintf(cmd, sizeof cmd, "exec --arch edge-mx --trace %s '%s/examples/%s/%s.s'", csv, LPSIM_SOURCE_DIR,
                 kernels[k], kernels[k]);
        CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
        free(out), free(err);
        char *trace = lpt_read_file(csv, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(trace);
        int lanes = max_dma_overlap(trace);
        free(trace);
        CU_ASSERT(lanes >= 1 && lanes <= 2); /* edge-mx has two DMA engines */
        snprintf(cmd, sizeof cmd, "timeline %s --out %s", csv, png);
        int rc = lpt_run(cmd, "", 0, &out, &err);
        if (rc) fprintf(stderr, "\n  %s", err);
        CU_ASSERT_EQUAL(rc, 0);
        char want[128];
        snprintf(want, sizeof want, "lanes: dma 0,%s matrix, vector -> %s\n", lanes == 2 ? " dma 1," : "", png);
        if (!strstr(out, want)) fprintf(stderr, "\n  %s: got '%s', want '...%s'", kernels[k], out, want);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        size_t len = 0;
        char *img = lpt_read_file(png, &len);
        CU_ASSERT(img && len > 1000 && !memcmp(img, "\x89PNG\r\n\x1a\n", 8));
        free(img), free(out), free(err);
        unlink(csv), unlink(png);
    }
}

/* Bad traces and arguments: FILE:LINE:COL, exit 2, and no picture. */
static void test_timeline_rejects_bad_traces(void)
{
    static const struct {
        const char *csv, *err;
    } cases[] = {
        {"index,insn,unit,issue_cycle,start_cycle,end_cycle\n",
         "T:1:10: error: expected the header 'index,instruction,unit,issue_cycle,start_cycle,end_cycle'\n"},
        {"", "T:1:1: error: empty trace: expected the header"},
        /* units are named by the architecture (dma, matrix, vector, or names of its units: list) */
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,MMA,Tensor,0,0,5\n",
         "T:2:7: error: expected a unit name (a lower-case letter, then letters, digits or _)\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,MMA,matrix,0,9,5\n",
         "T:2:18: error: end cycle 5 is before start cycle 9\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,MMA,matrix,4,3,5\n",
         "T:2:16: error: start cycle 3 is before issue cycle 4\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,MMA,matrix,0,x,5\n",
         "T:2:16: error: expected the start cycle (a whole number of at most 19 digits)\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,DMA_LD,dma,0,0,5,7\n",
         "T:2:20: error: expected the end of the row after 6 fields\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,DMA_LD,dma,0,0,5,\n",
         "T:2:19: error: expected the end of the row after 6 fields\n"},
        {"index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,mma,matrix,0,0,5\n",
         "T:2:3: error: expected an instruction mnemonic\n"},
    };
    char csv[64], png[64], cmd[256], *out, *err;
    snprintf(csv, sizeof csv, "/tmp/lpt_tlbad_%d.csv", (int)getpid());
    snprintf(png, sizeof png, "/tmp/lpt_tlbad_%d.png", (int)getpid());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(csv, "w");
        fputs(cases[i].csv, f);
        fclose(f);
        unlink(png);
        snprintf(cmd, sizeof cmd, "timeline %s --out %s", csv, png);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
        char want[256];
        snprintf(want, sizeof want, "%s%s", csv, cases[i].err + 1); /* T -> the file's name */
        if (strncmp(err, want, strlen(want))) fprintf(stderr, "\n  case %zu: got '%s', want '%s'", i, err, want);
        CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
        CU_ASSERT_EQUAL(access(png, F_OK), -1);
        free(out), free(err);
    }
    snprintf(cmd, sizeof cmd, "timeline %s --out %s.gif", csv, png);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: the picture must end in .png or .svg"));
    free(out), free(err);
    FILE *f = fopen(csv, "w"); /* a good trace, so that the output is what fails */
    fputs("index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,DMA_LD,dma,0,0,5\n", f);
    fclose(f);
    /* any name is drawn to: gnuplot's script names only lpsim's private folder */
    char quoted[80];
    snprintf(quoted, sizeof quoted, "/tmp/lpt_a'b\"`c_%d.png", (int)getpid());
    snprintf(cmd, sizeof cmd, "timeline %s --out \"/tmp/lpt_a'b\\\"\\`c_%d.png\"", csv, (int)getpid());
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(access(quoted, F_OK), 0);
    unlink(quoted);
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "timeline %s --out /nonexistent_lpsim_dir/t.png", csv);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(err, "error: '/nonexistent_lpsim_dir/t.png': cannot create: No such file or directory"));
    CU_ASSERT_EQUAL(out[0], 0); /* nothing on stdout */
    free(out), free(err);
    unlink(csv);
}

static void test_bad_input_exits_2(void)
{
    char *j, *e;
    CU_ASSERT_EQUAL(exec_text("--arch nosuch", "    HALT\n", &j, &e), 2);
    /* neither a preset nor a file: placed at the argument */
    CU_ASSERT_EQUAL(strncmp(e, "<command-line>:1:", 17), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, ": error: 'nosuch': no preset or file of this name (presets: b200-mx, dcim-macro, "
                                     "edge-mx, h100, sail-like, u250, vck190)\n"));
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
    /* several assembler errors: each reported once, in source order */
    CU_ASSERT_EQUAL(exec_text("--arch edge-mx", "    VFILL spm:0, 0, 1, 0\n    VFILL spm:0, 1, 0, 0\n", &j, &e), 2);
    const char *e1 = strstr(e, "k.s:1:18: error: a dimension must be between 1 and 65535, got 0\n"),
               *e2 = strstr(e, "k.s:2:21: error: a dimension must be between 1 and 65535, got 0\n");
    CU_ASSERT(e1 && e2 && e1 < e2);
    int errors = 0;
    for (const char *p = e; (p = strstr(p, ": error: ")); p++) errors++;
    CU_ASSERT_EQUAL(errors, 2);
    free(j), free(e);
    /* a .lpt assembled without edge-mx's sizes: refused in both modes, as the
    ** assembler would have (timing-only must not run past the scratchpad) */
    char dir[] = "/tmp/lpt_oob_XXXXXX", s[64], t[64], cmd[256];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(s, sizeof s, "%s/k.s", dir);
    snprintf(t, sizeof t, "%s/k.lpt", dir);
    FILE *f = fopen(s, "w");
    fputs(".buffer A, fp8_e4m3fn, 32, 2048\n    DMA_LD spm:0x7c000, A[0, 0], 32, 2048, fp8_e4m3fn\n    HALT\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "asm %s -o %s", s, t);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &j, &e), 0);
    free(j), free(e);
    for (int mode = 0; mode < 2; mode++) {
        snprintf(cmd, sizeof cmd, "exec --arch edge-mx %s%s", mode ? "--timing-only " : "", t);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(e,
                                      ":1:1: error: instruction 0: DMA_LD touches scratchpad bytes 0x7c000..0x8bfff, "
                                      "past the architecture's 524288 bytes"));
        free(j), free(e);
    }
    unlink(s), unlink(t), rmdir(dir);
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
    {"timeline/draws_a_trace_on_the_fewest_lanes", test_timeline_draws_a_trace_on_the_fewest_lanes},
    {"timeline/rejects_bad_traces", test_timeline_rejects_bad_traces},
    {"exit/bad_input_exits_2", test_bad_input_exits_2},
    CU_TEST_INFO_NULL,
};
