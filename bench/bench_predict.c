/*
** bench_predict.c — how fast lpsim reads an MLIR graph and predicts it:
** generates a StableHLO graph (generic form) of --ops ops (default 10,000;
** layers of 8: a bf16 dot_general, a bias broadcast and add, exp, a row sum
** and its broadcast, a division, and a constant: a softmax whose scores are
** a product and whose result feeds the next layer's product, so that the
** attention search runs on every layer), reads it with the MLIR C API and
** counts it (best of --reps; the first read, which loads the reader module
** and MLIR's libraries, apart), then predicts it on h100 sequentially and
** fused, repeatedly, and prints ops per second; then with a fitted model,
** which adds each product's GEMM-mapping terms.
**
** Aims (issue 15): reading 10,000 ops in under a second; at least a million
** ops predicted per second once read.
**
** usage: bench_predict [--ops N] [--reps R]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "bench_util.h"
#include "cm_fit.h"
#include "cm_model.h"
#include "cm_read.h"

#define OPS_PER_LAYER 8

/* Append to a growing buffer. */
typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (w >= 0 && (size_t)w < t->cap - t->n) {
            t->n += (size_t)w;
            return;
        }
        t->cap = t->cap * 2 + (size_t)w + 1;
        if (!(t->p = realloc(t->p, t->cap))) {
            fprintf(stderr, "bench_predict: out of memory\n");
            exit(1);
        }
    }
}

static void graph(text *t, long layers)
{
    const char *x = "tensor<64x256xbf16>", *v = "tensor<64xbf16>", *s = "tensor<bf16>";
    put(t,
        "\"func.func\"() <{function_type = (%s, tensor<256x256xbf16>, tensor<256xbf16>) -> %s, sym_name = \"main\"}> "
        "({\n^bb0(%%x0: %s, %%w: tensor<256x256xbf16>, %%bias: tensor<256xbf16>):\n",
        x, x, x);
    for (long i = 0; i < layers; i++) {
        put(t,
            "  %%a%ld = \"stablehlo.dot_general\"(%%x%ld, %%w) <{dot_dimension_numbers = #stablehlo.dot<"
            "lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (%s, tensor<256x256xbf16>) -> "
            "%s\n",
            i, i, x, x);
        put(t,
            "  %%b%ld = \"stablehlo.broadcast_in_dim\"(%%bias) <{broadcast_dimensions = array<i64: 1>}> : "
            "(tensor<256xbf16>) -> %s\n",
            i, x);
        put(t, "  %%c%ld = \"stablehlo.add\"(%%a%ld, %%b%ld) : (%s, %s) -> %s\n", i, i, i, x, x, x);
        put(t, "  %%d%ld = \"stablehlo.exponential\"(%%c%ld) : (%s) -> %s\n", i, i, x, x);
        put(t, "  %%z%ld = \"stablehlo.constant\"() <{value = dense<0.0> : %s}> : () -> %s\n", i, s, s);
        put(t,
            "  %%e%ld = \"stablehlo.reduce\"(%%d%ld, %%z%ld) <{dimensions = array<i64: 1>}> ({\n"
            "  ^bb0(%%p: %s, %%q: %s):\n"
            "    %%r = \"stablehlo.add\"(%%p, %%q) : (%s, %s) -> %s\n"
            "    \"stablehlo.return\"(%%r) : (%s) -> ()\n"
            "  }) : (%s, %s) -> %s\n",
            i, i, i, s, s, s, s, s, s, x, s, v);
        put(t,
            "  %%f%ld = \"stablehlo.broadcast_in_dim\"(%%e%ld) <{broadcast_dimensions = array<i64: 0>}> : (%s) -> %s\n",
            i, i, v, x);
        put(t, "  %%x%ld = \"stablehlo.divide\"(%%d%ld, %%f%ld) : (%s, %s) -> %s\n", i + 1, i, i, x, x, x);
    }
    put(t, "  \"func.return\"(%%x%ld) : (%s) -> ()\n}) : () -> ()\n", layers, x);
}

int main(int argc, char **argv)
{
    long ops = 10000;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ops") && i + 1 < argc)
            ops = atol(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_predict [--ops N] [--reps R]\n");
            return 2;
        }
    }
    if (ops < OPS_PER_LAYER || ops > CM_MAX_OPS || reps < 1 || reps > 20) {
        fprintf(stderr, "bench_predict: --ops %d..%d, --reps 1..20\n", OPS_PER_LAYER, CM_MAX_OPS);
        return 2;
    }
    text t = {malloc(1 << 16), 0, 1 << 16};
    if (!t.p) return 1;
    graph(&t, ops / OPS_PER_LAYER);
    lp_diag d;
    cm_graph *g = NULL;
    double best = 1e30, first = 0;
    for (int r = 0; r <= reps; r++) {
        cm_graph_free(g);
        double t0 = bench_now_s();
        if (cm_read_text(t.p, t.n, "<generated>", &g, &d)) {
            lp_diag_print(&d, stderr);
            return 1;
        }
        double s = bench_now_s() - t0;
        if (r == 0)
            first = s;
        else if (s < best)
            best = s;
    }
    printf("read   %d ops (%zu bytes of StableHLO): %.3f s (best of %d; the first read, loading the reader and "
           "MLIR: %.3f s), %.0f ops/s; %d patterns found\n",
           (int)g->nops, t.n, best, reps, first, g->nops / best, (int)g->npatterns);
    arch_cfg *a;
    if (arch_load("h100", &a, &d)) {
        lp_diag_print(&d, stderr);
        return 1;
    }
    cm_target tg;
    cm_target_of(a, &tg);
    cm_coefs coefs; /* a fitted model's cost: its products' GEMM-mapping terms (the values do not matter) */
    cm_coefs_default(&coefs);
    for (int mode = 0; mode < 4; mode++) {
        int fuse = mode % 2;
        tg.coefs = mode >= 2 ? &coefs : NULL;
        cm_prediction p;
        long n = 0;
        double t0 = bench_now_s(), s;
        do {
            if (cm_predict(g, &tg, fuse, &p, &d)) {
                lp_diag_print(&d, stderr);
                return 1;
            }
            if (n == 0)
                printf("predict %s%s: %.1f us on h100, %d kernels\n", fuse ? "fused" : "sequential",
                       tg.coefs ? " with a model" : "", p.latency_ns / 1000, (int)p.kernels);
            cm_prediction_free(&p);
            n++;
        } while ((s = bench_now_s() - t0) < 1.0);
        printf("predict %s%s: %.3g ops/s (%ld predictions of %d ops in %.2f s)\n", fuse ? "fused" : "sequential",
               tg.coefs ? " with a model" : "", (double)n * g->nops / s, n, (int)g->nops, s);
    }
    arch_free(a);
    cm_graph_free(g);
    free(t.p);
    return 0;
}
