/*
** bench_plan.c — how fast wl_generate plans a workload without its program
** (wl_gen_opts.plan_only, for a cost model's sweeps) against a full
** generation (timing only, no values), on b200-mx: a Llama-3-8B prefill
** layer of 512 tokens, a decode layer at context 4096 with batch 8, and a
** 512 x 4096 x 4096 bf16 GEMM. For each: the best and median time per call
** of --reps rounds (each round repeats plan-only calls for at least 50 ms),
** the program's instructions, and the share of a plan spent in the GEMM
** mapping (wl_map_gemm of each of the layer's projections, timed apart).
**
** Aim (docs/workloads.md, "Plans without programs"): well under 0.5 ms per
** plan for a layer, i.e. 100,000 sweep points a minute with room for the
** cost model itself.
**
** usage: bench_plan [--reps R]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "bench_util.h"
#include "map_gemm.h"
#include "wl_gen.h"

/* Seconds per wl_generate of s in mode o: best and median of reps rounds,
** each the mean of as many calls as fill min_s (at least one). */
static int per_call(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, int reps, double min_s, double *best,
                    double *median, uint64_t *insns)
{
    double t[20];
    for (int r = 0; r < reps; r++) {
        long n = 0;
        double t0 = bench_now_s(), el;
        do {
            isa_prog p;
            wl_plan plan;
            lp_diag d;
            lp_status st = wl_generate(s, a, o, &p, &plan, &d);
            isa_prog_free(&p);
            if (st) {
                lp_diag_print(&d, stderr);
                return 1;
            }
            *insns = plan.insns;
            n++;
        } while ((el = bench_now_s() - t0) < min_s);
        t[r] = el / (double)n;
    }
    qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
    *best = t[0], *median = t[reps / 2];
    return 0;
}

/* Seconds of wl_map_gemm for each GEMM of plan (the shapes "MxNxK" of its
** gemm ops, with the spec's formats as the layer passes them), summed: mean
** over calls filling min_s. */
static double gemm_mapping_s(const wl_spec *s, const arch_cfg *a, const wl_plan *plan, double min_s)
{
    long n = 0;
    double t0 = bench_now_s(), el;
    do {
        for (int i = 0; i < plan->nops; i++) {
            const wl_op *op = &plan->op[i];
            unsigned long long m, nn, k;
            if (strcmp(op->kind, "gemm") || sscanf(op->shape, "%llux%llux%llu", &m, &nn, &k) != 3) continue;
            wl_spec g;
            memset(&g, 0, sizeof g);
            g.kind = WL_GEMM, g.m = m, g.n = nn, g.k = k, g.batch = 1, g.cores = s->cores;
            g.in = g.in_a = s->a, g.in_b = s->w;
            wl_layer_stream(&s->a, &g.out);
            wl_gemm_map map;
            if (wl_map_gemm(&g, a, &map, NULL)) return -1;
        }
        n++;
    } while ((el = bench_now_s() - t0) < min_s);
    return el / (double)n;
}

int main(int argc, char **argv)
{
    int reps = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_plan [--reps R]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 20) {
        fprintf(stderr, "bench_plan: --reps 1..20\n");
        return 2;
    }
    static const char *const work[] = {"layer model=llama-3-8b phase=prefill tokens=512",
                                       "layer model=llama-3-8b phase=decode ctx=4096 batch=8",
                                       "gemm M=512 N=4096 K=4096 in=bf16 out=bf16"};
    lp_diag d;
    arch_cfg *a;
    if (arch_load("b200-mx", &a, &d)) {
        lp_diag_print(&d, stderr);
        return 1;
    }
    printf("b200-mx, per wl_generate call, best / median of %d rounds (timing only):\n", reps);
    for (size_t w = 0; w < sizeof work / sizeof *work; w++) {
        wl_spec s;
        if (wl_parse_inline(work[w], "<bench>", 1, 1, &s, &d)) {
            lp_diag_print(&d, stderr);
            return 1;
        }
        double pb, pm, fb, fm;
        uint64_t insns = 0;
        wl_gen_opts plan_only = {1, false, true}, full = {1, false, false};
        if (per_call(&s, a, &plan_only, reps, 0.05, &pb, &pm, &insns) ||
            per_call(&s, a, &full, reps < 3 ? reps : 3, 0, &fb, &fm, &insns))
            return 1;
        wl_plan plan;
        isa_prog p;
        if (wl_generate(&s, a, &plan_only, &p, &plan, &d)) return 1;
        isa_prog_free(&p);
        double map = gemm_mapping_s(&s, a, &plan, 0.05);
        printf("  %s\n    plan only %.4f / %.4f ms (%.0f plans/min), full %.2f / %.2f ms (%.0fx), %llu instructions",
               work[w], pb * 1e3, pm * 1e3, 60 / pm, fb * 1e3, fm * 1e3, fm / pm, (unsigned long long)insns);
        if (s.kind == WL_LAYER && map >= 0)
            printf(";\n    wl_map_gemm of its GEMMs %.4f ms (%.0f%% of the plan)", map * 1e3, 100 * map / pm);
        printf("\n");
    }
    arch_free(a);
    return 0;
}
