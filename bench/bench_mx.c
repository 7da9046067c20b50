/*
** bench_mx.c — MX quantisation throughput: GB/s of float32 input for a 64 MiB
** array (16 Mi values), one core, every element type and rounding mode, and
** dequantisation for comparison. Each figure is the best and the median of
** --reps runs (default 7); the first, cold run is not counted.
**
** usage: bench_mx [--mib N] [--reps N]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "lp_rng.h"
#include "mx.h"

static void cpu_name(char *buf, size_t n)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    snprintf(buf, n, "unknown CPU");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 2;
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, n, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    size_t mib = 64;
    int reps = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mib") && i + 1 < argc)
            mib = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_mx [--mib N] [--reps N]\n");
            return 2;
        }
    }
    if (mib == 0 || reps < 1 || reps > 100) {
        fprintf(stderr, "bench_mx: --mib must be >= 1 and --reps 1..100\n");
        return 2;
    }
    size_t n = mib * 1024 * 1024 / sizeof(float);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint8_t *codes = malloc(n), *scales = malloc(n / MX_BLOCK_DEFAULT);
    if (!x || !y || !codes || !scales) {
        fprintf(stderr, "bench_mx: out of memory\n");
        return 1;
    }
    /* data: random signs, magnitudes over 2^-20..2^20 with random fractions */
    for (size_t i = 0; i < n; i++) {
        uint64_t r = lp_rng_u64(7, i);
        uint32_t b = (uint32_t)(r >> 63) << 31 | (uint32_t)(107 + (r >> 32) % 41) << 23 | ((uint32_t)r & 0x7fffff);
        memcpy(&x[i], &b, sizeof b);
    }
    char cpu[128];
    cpu_name(cpu, sizeof cpu);
    printf("bench_mx: %zu MiB of float32 (%zu values), block 32, one thread, %d timed runs\n", mib, n, reps);
    printf("cpu: %s\n\n", cpu);
    printf("%-9s %-8s %-10s %10s %10s\n", "element", "round", "operation", "best GB/s", "median");
    static const struct {
        mf_round r;
        const char *name;
    } modes[] = {{MF_RHA, "nearest"}, {MF_RNE, "even"}};
    double *t = malloc(sizeof(double) * (size_t)reps);
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        mx_elem_get((mx_elem_id)ei, &e);
        for (int m = 0; m < 2; m++) {
            mx_quantize(&e, x, n, MX_BLOCK_DEFAULT, modes[m].r, codes, scales); /* warm */
            for (int k = 0; k < reps; k++) {
                double t0 = bench_now_s();
                mx_quantize(&e, x, n, MX_BLOCK_DEFAULT, modes[m].r, codes, scales);
                t[k] = bench_now_s() - t0;
            }
            qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
            double gb = (double)n * sizeof(float) / 1e9;
            printf("%-9s %-8s %-10s %10.2f %10.2f\n", e.name, modes[m].name, "quantise", gb / t[0], gb / t[reps / 2]);
        }
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now_s();
            mx_dequantize(&e, codes, scales, n, MX_BLOCK_DEFAULT, y);
            t[k] = bench_now_s() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
        double gb = (double)n * sizeof(float) / 1e9;
        printf("%-9s %-8s %-10s %10.2f %10.2f\n", e.name, "-", "dequantise", gb / t[0], gb / t[reps / 2]);
    }
    free(t);
    free(x), free(y), free(codes), free(scales);
    return 0;
}
