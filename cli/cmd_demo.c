/*
** cmd_demo.c — `lpsim demo`, a demonstration on built-in defaults (the main job is
** the default sweep, ./run.sh): a short tour of what lpsim computes. It converts a few values into every
** named format, quantises 2^20 normally distributed values (with outliers)
** into each OCP MX element type and reports the signal-to-quantisation-noise
** ratio, saturation and speed, shows that stochastic rounding is unbiased
** where round-to-nearest is not, and compares tensor-core accumulation presets
** on an FP8 GEMM, then simulates one tiled GEMM kernel in the SystemC system. Everything is seeded: the output figures,
** apart from the speeds, are the same on every run.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "asm.h"
#include "commands.h"
#include "dot.h"
#include "dma.h"
#include "run.h"
#include "lp_bits.h"
#include "lp_rng.h"
#include "mf.h"
#include "mx.h"

static const cli_opt demo_opts[] = {
    {"n", "N", "values quantised per MX element type (default 1048576, a multiple of 32)"},
    {"seed", "N", "seed of the generated data (default 1)"},
};
static const cli_cmd demo_cmd = {"demo",
                                 "[--n N] [--seed N]",
                                 "A short tour of lpsim: conversions into every named element format, OCP MX block\n"
                                 "quantisation of normally distributed data with outliers (quality and speed per\n"
                                 "element type), stochastic against nearest rounding, one FP8 GEMM under each\n"
                                 "accumulation preset, and a tiled FP8 GEMM simulated in the SystemC system.",
                                 demo_opts,
                                 CLI_NOPTS(demo_opts),
                                 0,
                                 0};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Uniform in (0, 1) from the counter-based generator. */
static double unif(uint64_t seed, uint64_t ctr) { return ((double)(lp_rng_u64(seed, ctr) >> 11) + 0.5) * 0x1p-53; }

/* Standard normal by Box-Muller; one value in 64 scaled by 2^6 as an outlier,
** the way activations of large language models look. */
static float sample(uint64_t seed, uint64_t i)
{
    double u1 = unif(seed, 2 * i), u2 = unif(seed, 2 * i + 1);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    if ((lp_rng_u64(seed ^ 0x5eed, i) & 63) == 0) z *= 64.0;
    return (float)z;
}

static void demo_formats(void)
{
    static const float xs[] = {0.1f, 3.14159265f, 300.0f, -1e-3f};
    printf("1. One value, every named format (round to nearest even, ml_dtypes semantics)\n\n");
    printf("   %-16s", "format");
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) printf(" %22.8g", (double)xs[k]);
    printf("\n");
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format f;
        mf_get((mf_id)i, &f);
        printf("   %-16s", f.name);
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
            uint32_t c = mf_encode_f32(&f, lp_bits(xs[k]), NULL, 0);
            char cell[40];
            double v = lp_f32(mf_decode_f32(&f, c));
            if (isnan(v))
                snprintf(cell, sizeof cell, "%0*x=NaN", f.hex_digits, c);
            else
                snprintf(cell, sizeof cell, "%0*x=%.6g", f.hex_digits, c, v);
            printf(" %22s", cell);
        }
        printf("\n");
    }
    printf("\n");
}

static int demo_mx(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint8_t *codes = malloc(n), *scales = malloc(n / MX_BLOCK_DEFAULT);
    if (!x || !y || !codes || !scales) {
        free(x), free(y), free(codes), free(scales);
        fprintf(stderr, "lpsim demo: out of memory for %zu values\n", n);
        return 1;
    }
    double sig = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = sample(seed, i);
        sig += (double)x[i] * x[i];
    }
    printf("2. OCP MX block quantisation of %zu values: N(0,1) with 1 in 64 scaled by 64\n", n);
    printf("   (block 32, E8M0 scale; SQNR = signal / quantisation noise power)\n\n");
    printf("   %-9s %-8s %9s %9s %11s %11s\n", "element", "round", "bits/val", "SQNR dB", "at +-max", "MB/s in");
    static const struct {
        mf_round r;
        const char *name;
    } modes[] = {{MF_RHA, "nearest"}, {MF_RNE, "even"}};
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        mx_elem_get((mx_elem_id)ei, &e);
        for (int m = 0; m < 2; m++) {
            double t0 = now_s();
            mx_quantize(&e, x, n, MX_BLOCK_DEFAULT, modes[m].r, codes, scales);
            double t1 = now_s();
            mx_dequantize(&e, codes, scales, n, MX_BLOCK_DEFAULT, y);
            double noise = 0;
            size_t sat = 0;
            for (size_t i = 0; i < n; i++) {
                double dv = (double)x[i] - y[i];
                noise += dv * dv;
                sat += (codes[i] & ~e.fmt.sign_bit) == e.fmt.max_mag;
            }
            printf("   %-9s %-8s %9.2f %9.2f %10.4f%% %11.0f\n", e.name, modes[m].name,
                   e.fmt.bits + 8.0 / MX_BLOCK_DEFAULT, 10 * log10(sig / noise), 100.0 * (double)sat / (double)n,
                   (double)n * 4 / 1e6 / (t1 - t0));
        }
    }
    printf("\n");
    free(x), free(y), free(codes), free(scales);
    return 0;
}

static void demo_stochastic(void)
{
    mf_format f;
    mf_get(MF_FP8_E4M3FN, &f);
    const float v = 0.1f;
    const int n = 100000;
    mf_opts sr = {MF_RSR, false, 42};
    double sum_sr = 0;
    for (int i = 0; i < n; i++) sum_sr += lp_f32(mf_decode_f32(&f, mf_encode_f32(&f, lp_bits(v), &sr, (uint64_t)i)));
    double rne = lp_f32(mf_decode_f32(&f, mf_encode_f32(&f, lp_bits(v), NULL, 0)));
    printf("3. Rounding %.8g to fp8_e4m3fn %d times\n\n", (double)v, n);
    printf("   nearest-even: every result %.8g (error %+.3e)\n", rne, rne - v);
    printf("   stochastic:   mean %.8g (error %+.3e), seed 42\n\n", sum_sr / n, sum_sr / n - v);
}

/* K = 4096 FP8 GEMM of normal data: how far each accumulation preset lands
** from the exact sum (DeepSeek-V3 reports errors near 2% without promotion). */
static int demo_gemm(uint64_t seed)
{
    enum { M = 16, N = 16, K = 4096 };
    mf_format f;
    mf_get(MF_FP8_E4M3FN, &f);
    uint16_t *a = malloc(sizeof *a * M * K), *b = malloc(sizeof *b * K * N);
    float ex[M * N], d[M * N];
    if (!a || !b) {
        free(a), free(b);
        fprintf(stderr, "lpsim demo: out of memory\n");
        return 1;
    }
    for (int i = 0; i < M * K; i++)
        a[i] = (uint16_t)mf_encode_f32(&f, lp_bits(sample(seed + 1, (uint64_t)i) / 8), NULL, 0);
    for (int i = 0; i < K * N; i++)
        b[i] = (uint16_t)mf_encode_f32(&f, lp_bits(sample(seed + 2, (uint64_t)i) / 8), NULL, 0);
    dot_matrix A = {&f, a, K, NULL, 0, 0}, B = {&f, b, N, NULL, 0, 0};
    dot_cfg c;
    dot_preset("exact", &c, NULL);
    dot_gemm(&c, M, N, K, &A, &B, NULL, ex);
    printf("4. A %dx%dx%d fp8_e4m3fn GEMM, bit-exact per accumulation preset (lpsim gemm-bits --list)\n\n", M, N, K);
    printf("   %-20s %14s %14s  %s\n", "preset", "max rel. err", "mean rel. err", "checked");
    static const char *const names[] = {"exact", "h100-fp8", "h100-fp8-fastaccum", "ada-fp8", "b200-fp8", "fp32-seq"};
    for (size_t p = 0; p < sizeof names / sizeof names[0]; p++) {
        dot_preset(names[p], &c, NULL);
        dot_gemm(&c, M, N, K, &A, &B, NULL, d);
        double mx = 0, mean = 0, scale = 0;
        for (int i = 0; i < M * N; i++) scale = fmax(scale, fabs((double)ex[i]));
        for (int i = 0; i < M * N; i++) {
            double e = fabs((double)d[i] - ex[i]) / fmax(fabs((double)ex[i]), 1e-3 * scale);
            mx = fmax(mx, e);
            mean += e / (M * N);
        }
        printf("   %-20s %13.3e %14.3e  %s\n", names[p], mx, mean,
               c.tested == DOT_MEASURED ? "H100 bits"
               : c.tested == DOT_MATH   ? "exact reference"
                                        : "literature");
    }
    printf("\n");
    free(a), free(b);
    return 0;
}

/* One simulation (SystemC allows one per process): a 256 x 32 x 2048 FP8 GEMM
** in the tile ISA, A streamed in 32-row tiles through two scratchpad buffers,
** on the edge-mx preset. */
static int demo_exec(void)
{
    static const char kernel[] = ".buffer A, fp8_e4m3fn, 256, 2048\n"
                                 ".buffer B, fp8_e4m3fn, 2048, 32\n"
                                 ".buffer C, fp32, 256, 32\n"
                                 "    DMA_LD spm:0x40000, B[0, 0], 2048, 32, fp8_e4m3fn\n"
                                 ".for t = 0, 8\n"
                                 "    DMA_LD spm:(t%2)*0x10000, A[t*32, 0], 32, 2048, fp8_e4m3fn\n"
                                 "    MMA acc:(t%2)*0x1000, spm:(t%2)*0x10000, spm:0x40000, 32, 32, 2048, fp8_e4m3fn, "
                                 "fp8_e4m3fn, b200-mx, set\n"
                                 "    DMA_ST C[t*32, 0], acc:(t%2)*0x1000, 32, 32, fp32\n"
                                 ".endfor\n"
                                 "    HALT\n";
    asm_opts o = {"demo.s", 20, true, 0, 0, 0};
    asm_diags dg = {0};
    lp_run r = {0};
    lp_diag d;
    lp_run_opts ro = {true, NULL, NULL, stderr, 0, false};
    if (asm_assemble(kernel, sizeof kernel - 1, &o, &r.prog, &dg) != LP_OK) {
        asm_diags_print(&dg, stderr);
        asm_diags_free(&dg);
        return 1;
    }
    asm_diags_free(&dg);
    lp_status rs = arch_load("edge-mx", &r.arch, &d);
    if (!rs) rs = lp_run_program(&r, "demo.s", &ro, &d);
    if (rs == LP_OK) {
        const lp_stats *st = &r.stats;
        const arch_unit *dma = arch_unit_of_class(r.arch, UNIT_CLASS_DMA);
        double engines = (double)((const dma_cfg *)dma->cfg)->engines;
        printf("5. A 256x32x2048 FP8 GEMM in lpsim's tile ISA on edge-mx (32x32 MACs, 1 GHz, LPDDR5),\n"
               "   A streamed in 32-row tiles through two scratchpad buffers (SystemC, timing only)\n\n");
        printf("   cycles %llu, matrix unit at %.1f%% of peak, DMA engines %.1f%% busy, DRAM %llu bytes, %.3g pJ\n\n",
               (unsigned long long)st->cycles, 100 * st->utilization,
               100.0 * (double)st->busy_cycles[dma - r.arch->units] / (double)(st->cycles ? st->cycles : 1) / engines,
               (unsigned long long)st->bytes[MEM_DRAM], st->energy_pj);
    } else {
        lp_diag_print(&d, stderr);
    }
    lp_run_free(&r);
    return rs == LP_OK ? 0 : 1;
}

int cmd_demo(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    long n;
    if (cli_parse(&demo_cmd, argc, argv, first, &a, &d)) goto bad;
    if (a.help) {
        cli_print_help(&demo_cmd, stdout);
        return 0;
    }
    if (cli_get_long(&demo_cmd, &a, "n", 32, 1L << 28, 1L << 20, &n, &d)) goto bad;
    if (n % MX_BLOCK_DEFAULT) {
        cli_value_error(&demo_cmd, &a, "n", -1, &d, "--n must be a multiple of %d, got %ld", MX_BLOCK_DEFAULT, n);
        goto bad;
    }
    long seed;
    if (cli_get_long(&demo_cmd, &a, "seed", 0, 1L << 62, 1, &seed, &d)) goto bad;
    printf("lpsim demo: bit-exact low-precision numerics\n\n");
    demo_formats();
    if (demo_mx((size_t)n, (uint64_t)seed)) return 1;
    demo_stochastic();
    if (demo_gemm((uint64_t)seed)) return 1;
    if (demo_exec()) return 1;
    printf(
        "Next: 'lpsim exec --arch edge-mx examples/mx_gemm/mx_gemm.s', 'lpsim formats', 'lpsim gemm-bits --help'.\n");
    return 0;
bad:
    return cli_fail(&d);
}
