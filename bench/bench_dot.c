/*
** bench_dot.c — emulated MACs per second of wall time for a bit-exact GEMM on
** one core: 512x512x512 by default, with h100-fp8 on e4m3 operands and with
** b200-mx on MX fp4 (e2m1 elements, E8M0 scales per 32 along K), plus the
** other presets for comparison. Each figure is the best and median of --reps
** runs (default 3).
**
** usage: bench_dot [--n N] [--reps R] [--all]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dot.h"
#include "bench_util.h"
#include "lp_rng.h"
#include "mx.h"

typedef struct run {
    const char *preset, *elem;
    bool mx;
} run;

int main(int argc, char **argv)
{
    int n = 512, reps = 3;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--all"))
            all = true;
        else {
            fprintf(stderr, "usage: bench_dot [--n N] [--reps R] [--all]\n");
            return 2;
        }
    }
    if (n < 32 || n % 32 || n > 4096 || reps < 1 || reps > 50) {
        fprintf(stderr, "bench_dot: --n must be a multiple of 32 in 32..4096, --reps 1..50\n");
        return 2;
    }
    size_t nn = (size_t)n * (size_t)n;
    uint16_t *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    uint8_t *sa = malloc(nn / 32), *sb = malloc(nn / 32);
    float *d = malloc(nn * sizeof *d);
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!a || !b || !sa || !sb || !d || !t) return 1;
    static const run runs[] = {
        {"h100-fp8", "fp8_e4m3", false}, {"b200-mx", "fp4_e2m1", true}, {"h100-fp8-fastaccum", "fp8_e4m3", false},
        {"h100-bf16", "bf16", false},    {"b200-mx", "fp8_e4m3", true}, {"exact", "fp8_e4m3", false},
        {"fp32-seq", "fp8_e4m3", false},
    };
    printf("bench_dot: %dx%dx%d GEMM (%.3g MACs), one thread, best and median of %d runs\n\n", n, n, n, (double)nn * n,
           reps);
    printf("%-20s %-16s %14s %14s\n", "preset", "operands", "best MAC/s", "median MAC/s");
    for (size_t r = 0; r < (all ? sizeof runs / sizeof runs[0] : 2); r++) {
        mf_format f;
        mx_elem e;
        if (runs[r].mx) {
            mx_elem_parse(runs[r].elem, &e, NULL);
            f = e.fmt;
        } else {
            mf_parse(!strcmp(runs[r].elem, "fp8_e4m3") ? "fp8_e4m3fn" : runs[r].elem, &f, NULL);
        }
        for (size_t i = 0; i < nn; i++) { /* random finite codes */
            uint32_t ca = (uint32_t)lp_rng_u64(1, i) & f.mask, cb = (uint32_t)lp_rng_u64(2, i) & f.mask;
            a[i] = (uint16_t)(mf_is_nan(&f, ca) || (ca & ~f.sign_bit) > f.max_mag ? 0 : ca);
            b[i] = (uint16_t)(mf_is_nan(&f, cb) || (cb & ~f.sign_bit) > f.max_mag ? 0 : cb);
        }
        for (size_t i = 0; i < nn / 32; i++) {
            sa[i] = (uint8_t)(120 + lp_rng_u64(3, i) % 16);
            sb[i] = (uint8_t)(120 + lp_rng_u64(4, i) % 16);
        }
        dot_cfg c;
        dot_preset(runs[r].preset, &c, NULL);
        dot_matrix A = {&f, a, n, runs[r].mx ? sa : NULL, 32, n / 32};
        dot_matrix B = {&f, b, n, runs[r].mx ? sb : NULL, 32, n};
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now_s();
            if (dot_gemm(&c, n, n, n, &A, &B, NULL, d) != LP_OK) {
                fprintf(stderr, "bench_dot: dot_gemm failed\n");
                return 1;
            }
            t[k] = bench_now_s() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
        char ops[32];
        snprintf(ops, sizeof ops, "%s%s", runs[r].mx ? "MX " : "", runs[r].elem);
        printf("%-20s %-16s %14.3g %14.3g\n", runs[r].preset, ops, (double)nn * n / t[0], (double)nn * n / t[reps / 2]);
    }
    free(a), free(b), free(sa), free(sb), free(d), free(t);
    return 0;
}
