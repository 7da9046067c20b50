/*
** test_costmodel.c — the MLIR reader and the cost model: FLOPs, multiply-adds
** and bytes of every op kind on the small graphs of tests/costmodel/ against
** hand counts (written next to each check); matmul_flops of every shared
** StableHLO graph against ../shared/data/mlir/mlir_index.csv; the attention
** in the shared llama layers; the pretty form refused; the default model's
** latency and energy against the formulas on a hand-made architecture;
** lpsim predict's JSON keys and its diagnostics.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "arch.h"
#include "cm_count.h"
#include "cm_fit.h"
#include "cm_model.h"
#include "cm_read.h"
#include "lp_test.h"
#include "rdb.h"

/* A graph of tests/costmodel/; a reading error fails the test (printed). */
static cm_graph *read_test(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/costmodel/%s", LPSIM_SOURCE_DIR, name);
    cm_graph *g = NULL;
    lp_diag d;
    if (cm_read_file(path, &g, &d)) lp_diag_print(&d, stderr);
    CU_ASSERT_PTR_NOT_NULL(g);
    return g;
}

/* The ops at a line (several for one inlined many times). */
static const cm_op *op_at(const cm_graph *g, int line, int nth)
{
    for (int32_t i = 0; i < g->nops; i++)
        if (g->ops[i].line == line && nth-- == 0) return &g->ops[i];
    fprintf(stderr, "\n  no op at line %d", line);
    return NULL;
}

typedef struct want {
    int line;
    cm_kind kind;
    uint64_t flops, macs, bytes_read, bytes_written;
    uint64_t b, m, n, k; /* products only */
} want;

static void expect(const cm_graph *g, const want *w)
{
    const cm_op *op = op_at(g, w->line, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    bool ok = op->kind == w->kind && op->flops == w->flops && op->macs == w->macs && op->bytes_read == w->bytes_read &&
              op->bytes_written == w->bytes_written &&
              (!w->macs || (op->b == w->b && op->m == w->m && op->n == w->n && op->k == w->k));
    if (!ok)
        fprintf(stderr,
                "\n  line %d %s: kind %s flops %llu macs %llu read %llu written %llu bmnk %llu %llu %llu %llu (%s)",
                w->line, op->name, cm_kind_name(op->kind), (unsigned long long)op->flops, (unsigned long long)op->macs,
                (unsigned long long)op->bytes_read, (unsigned long long)op->bytes_written, (unsigned long long)op->b,
                (unsigned long long)op->m, (unsigned long long)op->n, (unsigned long long)op->k,
                op->reason ? op->reason : "");
    CU_ASSERT(ok);
}

static void test_linalg(void)
{
    cm_graph *g = read_test("linalg.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    static const want w[] = {
        /* fill: reads the f32 scalar, writes 64x16 f32 */
        {15, CM_KIND_DATA_MOVEMENT, 0, 0, 4, 64 * 16 * 4, 0, 0, 0, 0},
        /* matmul 64x32 @ 32x16 bf16 into f32: 2 x 64 x 16 x 32 FLOPs; reads A, B and C (it accumulates) */
        {16, CM_KIND_MATMUL, 2 * 64 * 16 * 32, 64 * 16 * 32, 64 * 32 * 2 + 32 * 16 * 2 + 64 * 16 * 4, 64 * 16 * 4, 1,
         64, 16, 32},
        /* batch_matmul 4 x (8x16 @ 16x24) f32 */
        {18, CM_KIND_BATCH_MATMUL, 2 * 4 * 8 * 24 * 16, 4 * 8 * 24 * 16, (4 * 8 * 16 + 4 * 16 * 24 + 4 * 8 * 24) * 4,
         4 * 8 * 24 * 4, 4, 8, 24, 16},
        /* conv_2d_nhwc_hwcf 2x10x12x3 * 3x3x3x8 -> 2x8x10x8: each output 3 x 3 x 3 multiply-adds */
        {20, CM_KIND_CONV, 2 * 1280 * 27, 1280 * 27, (2 * 10 * 12 * 3 + 3 * 3 * 3 * 8 + 1280) * 4, 1280 * 4, 1,
         2 * 8 * 10, 8, 27},
        /* generic, x read transposed ((d0, d1) -> (d1, d0)): add then exp per element, 2 FLOPs x 64 x 16 */
        {23, CM_KIND_ELEMENTWISE, 2 * 64 * 16, 0, (16 * 64 + 64 * 16) * 4, 64 * 16 * 4, 0, 0, 0, 0},
        /* generic with a sliding window (d0 + d2, d1): out[i, j] += s[i + t, j] w[t, j], t < 5; j is in
        ** both operands (batch 16), i in the first only (rows 16), t the depth (5): 16 x 16 x 5 MACs */
        {31, CM_KIND_CONV, 2 * 16 * 16 * 5, 16 * 16 * 5, (20 * 16 + 5 * 16 + 16 * 16) * 4, 16 * 16 * 4, 16, 16, 1, 5},
        /* generic reduction over rows of 16x64: one add per input element; reads its output (accumulates) */
        {39, CM_KIND_REDUCTION, 16 * 64, 0, (16 * 64 + 64) * 4, 64 * 4, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect(g, &w[i]);
    CU_ASSERT_EQUAL(g->count[CM_KIND_FREE], 7); /* the constant and six tensor.empty */
    CU_ASSERT_EQUAL(g->count[CM_KIND_UNMODELLED], 0);
    CU_ASSERT_STRING_EQUAL(op_at(g, 16, 0)->name, "linalg.matmul"); /* the named op keeps its name */
    CU_ASSERT_STRING_EQUAL(op_at(g, 16, 0)->elem, "bf16");
    cm_graph_free(g);
}

static void test_tosa(void)
{
    cm_graph *g = read_test("tosa.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    static const want w[] = {
        /* matmul [2,8,16] x [2,16,4]: batch 2 */
        {5, CM_KIND_BATCH_MATMUL, 2 * 2 * 8 * 4 * 16, 2 * 8 * 4 * 16, (2 * 8 * 16 + 2 * 16 * 4) * 4, 2 * 8 * 4 * 4, 2,
         8, 4, 16},
        /* conv2d NHWC 1x8x8x4, OHWI 6x3x3x4, no padding -> 1x6x6x6: 216 outputs x 36; reads the bias too */
        {6, CM_KIND_CONV, 2 * 216 * 36, 216 * 36, (256 + 216 + 6) * 4, 216 * 4, 1, 36, 6, 36},
        {8, CM_KIND_ELEMENTWISE, 216, 0, 216 * 4, 216 * 4, 0, 0, 0, 0},
        {9, CM_KIND_REDUCTION, 216, 0, 216 * 4, 36 * 4, 0, 0, 0, 0},
        /* fully_connected [3,10] x [5,10]^T (+ bias, not counted in FLOPs) */
        {10, CM_KIND_MATMUL, 2 * 3 * 5 * 10, 3 * 5 * 10, (30 + 50 + 5) * 4, 15 * 4, 1, 3, 5, 10},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect(g, &w[i]);
    cm_graph_free(g);
}

static void test_stablehlo(void)
{
    cm_graph *g = read_test("stablehlo.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    static const want w[] = {
        /* dot_general with batching [0, 1] (2 x 3), contracting 3 x 2 (5), free 4 and 6, bf16 */
        {4, CM_KIND_BATCH_MATMUL, 2 * 6 * 4 * 6 * 5, 6 * 4 * 6 * 5, (120 + 180) * 2, 144 * 2, 6, 4, 6, 5},
        /* contracting the middle dimension: rows 7 x 3, columns 2, depth 5 */
        {5, CM_KIND_MATMUL, 2 * 21 * 2 * 5, 21 * 2 * 5, (105 + 10) * 4, 42 * 4, 1, 21, 2, 5},
        /* convolution with feature_group_count 2: 16 outputs x 4 features x 3 x 3 x 2 (the kernel's i) */
        {6, CM_KIND_CONV, 2 * 64 * 18, 64 * 18, (144 + 72) * 4, 64 * 4, 2, 16, 2, 18},
        /* reduce of 4x8 with an add body: 32 FLOPs; reads the input and the initial value */
        {8, CM_KIND_REDUCTION, 32, 0, (32 + 1) * 4, 4 * 4, 0, 0, 0, 0},
        /* reduce_window 2x2 max of 1x4x4x1: 4 outputs x 4 */
        {13, CM_KIND_REDUCTION, 16, 0, (16 + 1) * 4, 4 * 4, 0, 0, 0, 0},
        {18, CM_KIND_DATA_MOVEMENT, 0, 0, 4 * 4, 32 * 4, 0, 0, 0, 0},
        {19, CM_KIND_ELEMENTWISE, 32, 0, 64 * 4, 32 * 4, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect(g, &w[i]);
    cm_graph_free(g);
}

static void test_elementwise(void)
{
    cm_graph *g = read_test("ew.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    static const want w[] = {
        {3, CM_KIND_ELEMENTWISE, 32, 0, 64 * 4, 32 * 4, 0, 0, 0, 0},
        {4, CM_KIND_ELEMENTWISE, 32, 0, 32 * 4, 32 * 4, 0, 0, 0, 0},
        {5, CM_KIND_DATA_MOVEMENT, 0, 0, 16 * 4, 16 * 4, 0, 0, 0, 0}, /* a slice moves what it keeps */
        {6, CM_KIND_ELEMENTWISE, 0, 0, 32 * 4, 32 * 2, 0, 0, 0, 0},   /* a conversion: no FLOPs */
        {7, CM_KIND_DATA_MOVEMENT, 0, 0, 64 * 4, 64 * 4, 0, 0, 0, 0},
        {8, CM_KIND_FREE, 0, 0, 0, 0, 0, 0, 0, 0},
        {9, CM_KIND_ELEMENTWISE, 64, 0, 96 * 4, 32 * 4, 0, 0, 0, 0}, /* fma: 2 FLOPs */
        {10, CM_KIND_ELEMENTWISE, 32, 0, 64 * 4, 32, 0, 0, 0, 0},    /* a comparison: a byte per i1 */
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect(g, &w[i]);
    cm_graph_free(g);
}

static void test_calls_and_unmodelled(void)
{
    cm_graph *g = read_test("calls.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    /* @act called twice: its exp twice; @loop once, its recursive call unmodelled; @extern has no body */
    CU_ASSERT_PTR_NOT_NULL(op_at(g, 2, 1));
    CU_ASSERT_EQUAL(g->nops, 6);
    CU_ASSERT_STRING_EQUAL(op_at(g, 7, 0)->reason, "a recursive call");
    CU_ASSERT_STRING_EQUAL(op_at(g, 15, 0)->reason, "a call of a function without a body in this file");
    CU_ASSERT_EQUAL(g->count[CM_KIND_UNMODELLED], 2);
    /* the product reads the second call's result: the first exp's output */
    const cm_op *mul = op_at(g, 16, 0);
    CU_ASSERT_EQUAL(g->tensors[mul->in[1]].producer, (int32_t)(op_at(g, 2, 0) - g->ops));
    cm_graph_free(g);

    g = read_test("unmodelled.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(g->count[CM_KIND_UNMODELLED], 3);
    CU_ASSERT_STRING_EQUAL(op_at(g, 3, 0)->reason, "no cost rule for this op");
    CU_ASSERT_STRING_EQUAL(op_at(g, 4, 0)->reason, "a dynamic shape");
    CU_ASSERT_TRUE(op_at(g, 4, 0)->dynamic);
    CU_ASSERT_STRING_EQUAL(op_at(g, 5, 0)->reason, "a custom call: its cost is unknown");
    CU_ASSERT_EQUAL(op_at(g, 6, 0)->kind, CM_KIND_ELEMENTWISE);
    cm_graph_free(g);
    /* through the command: listed in JSON and in the text, never costed */
    char cmd[1200], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "predict --arch h100 --json '%s/tests/costmodel/unmodelled.mlir'", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_size(out, "unmodelled"), 3);
    CU_ASSERT_EQUAL(lpt_json_num(out, "unmodelled.1.line"), 4);
    CU_ASSERT_EQUAL(lpt_json_num(out, "counts.unmodelled"), 3);
    CU_ASSERT_EQUAL(lpt_json_num(out, "ops.0.latency_ns"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "kernels"), 1);
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "predict --arch h100 '%s/tests/costmodel/unmodelled.mlir'", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  unmodelled: 3 ops, not costed\n    3:8 foo.bar: no cost rule for this op\n"));
    free(out), free(err);
}

static void test_softmax(void)
{
    cm_graph *g = read_test("softmax.mlir");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL_FATAL(g->npatterns, 1);
    CU_ASSERT_EQUAL(g->patterns[0].kind, CM_KIND_SOFTMAX);
    CU_ASSERT_EQUAL(g->patterns[0].nops, 7); /* two reduces, two broadcasts, subtract, exp, divide */
    CU_ASSERT_EQUAL(g->count[CM_KIND_SOFTMAX], 7);
    CU_ASSERT_EQUAL(op_at(g, 5, 0)->base, CM_KIND_REDUCTION);
    cm_graph_free(g);
}

/* A size of mlir_index.csv's sizes column ("B=1;T=128;..."), 0 if absent. */
static uint64_t size_of(const char *sizes, const char *key)
{
    char k[16];
    snprintf(k, sizeof k, "%s=", key);
    for (const char *p = sizes; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
        if (!strncmp(p, k, strlen(k))) return strtoull(p + strlen(k), NULL, 10);
    return 0;
}

static void test_shared_graphs(void)
{
    lpt_csv c;
    CU_ASSERT_FATAL(lpt_csv_open(&c, "mlir/mlir_index.csv"));
    int cg = lpt_csv_col(&c, "file_generic"), cp = lpt_csv_col(&c, "file_pretty"), cf = lpt_csv_col(&c, "matmul_flops"),
        cm = lpt_csv_col(&c, "model"), cs = lpt_csv_col(&c, "sizes");
    CU_ASSERT_FATAL(cg >= 0 && cp >= 0 && cf >= 0 && cm >= 0 && cs >= 0);
    int rows = 0, llamas = 0;
    while (lpt_csv_next(&c)) {
        rows++;
        char rel[600];
        snprintf(rel, sizeof rel, "mlir/%s", c.f[cg]);
        cm_graph *g = NULL;
        lp_diag d;
        if (cm_read_file(lpt_data(rel), &g, &d)) lp_diag_print(&d, stderr);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        uint64_t flops = 0;
        for (int32_t i = 0; i < g->nops; i++) flops += 2 * g->ops[i].macs;
        uint64_t want = strtoull(c.f[cf], NULL, 10);
        if (flops != want)
            fprintf(stderr, "\n  %s: %llu matmul FLOPs, the index says %llu", c.f[cg], (unsigned long long)flops,
                    (unsigned long long)want);
        CU_ASSERT_EQUAL(flops, want);
        CU_ASSERT_EQUAL(g->count[CM_KIND_UNMODELLED], 0);
        /* the llama layers hold one attention: batch x heads, T queries and keys, D / H wide */
        int attention = 0;
        for (int32_t i = 0; i < g->npatterns; i++) attention += g->patterns[i].kind == CM_KIND_ATTENTION;
        if (!strcmp(c.f[cm], "llama_layer")) {
            llamas++;
            uint64_t B = size_of(c.f[cs], "B"), T = size_of(c.f[cs], "T"), D = size_of(c.f[cs], "D"),
                     H = size_of(c.f[cs], "H");
            CU_ASSERT_EQUAL_FATAL(attention, 1);
            const cm_pattern *p = &g->patterns[0];
            CU_ASSERT_EQUAL(p->kind, CM_KIND_ATTENTION);
            CU_ASSERT(p->batch == B * H && p->q_len == T && p->kv_len == T && p->head_dim == D / H);
            CU_ASSERT_STRING_EQUAL(g->ops[p->qk].name, "stablehlo.dot_general");
            CU_ASSERT_STRING_EQUAL(g->ops[p->pv].name, "stablehlo.dot_general");
            /* the exp, both reductions, the mask's select and the scale are in it; the projections are not */
            int exps = 0, reduces = 0, selects = 0;
            for (int32_t k = 0; k < p->nops; k++) {
                const char *n = g->ops[p->ops[k]].name;
                exps += !strcmp(n, "stablehlo.exponential");
                reduces += !strcmp(n, "stablehlo.reduce");
                selects += !strcmp(n, "stablehlo.select");
            }
            CU_ASSERT(exps == 1 && reduces == 2 && selects == 1);
            CU_ASSERT_EQUAL(g->count[CM_KIND_MATMUL], 7); /* q, k, v, o, gate, up, down */
        } else {
            CU_ASSERT_EQUAL(attention, 0);
        }
        cm_graph_free(g);
        /* the pretty form is refused, saying how to print the generic form */
        snprintf(rel, sizeof rel, "mlir/%s", c.f[cp]);
        CU_ASSERT_EQUAL(cm_read_file(lpt_data(rel), &g, &d), LP_ERR_PARSE);
        CU_ASSERT_PTR_NULL(g);
        CU_ASSERT_EQUAL(d.line, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "is in the pretty (custom) form of a dialect lpsim does not load"));
        CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "get_asm(print_generic_op_form=True)"));
        CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "mlir-opt --mlir-print-op-generic"));
    }
    lpt_csv_close(&c);
    CU_ASSERT_EQUAL(rows, 13);
    CU_ASSERT_EQUAL(llamas, 4);
}

/* A chip whose every term is a round number: 4 cores at 1 GHz, a 16x16 array at 256 bf16 MACs
** a cycle (1 pJ each), 8 vector lanes (exp 4 cycles, 0.5 pJ an op), 100 GB/s of DRAM at
** 1 pJ/bit, launch 1000 ns, gap 100 ns, static 2 W, host dispatch 5000 ns. */
static const char model_arch[] = "name: round\n"
                                 "clock_ghz: 1\n"
                                 "cores: 4\n"
                                 "launch_ns: 1000\n"
                                 "kernel_gap_ns: 100\n"
                                 "host_dispatch_ns: 5000\n"
                                 "power:\n  static_w: 2\n"
                                 "dram:\n  bandwidth_gbps: 100\n  energy_pj_per_bit: 1\n"
                                 "matrix:\n  kind: tensor_core\n  array_rows: 16\n  array_cols: 16\n"
                                 "  formats:\n    - {format: bf16, macs_per_cycle: 256, energy_pj_per_mac: 1}\n"
                                 "vector:\n  lanes: 8\n  exp_cycles: 4\n  reduce_cycles: 2\n  energy_pj_per_op: 0.5\n";

static bool near(double got, double want)
{
    bool ok = fabs(got - want) <= 1e-9 * fmax(1, fabs(want));
    if (!ok) fprintf(stderr, "\n  got %.12g, expected %.12g", got, want);
    return ok;
}

/* g predicted on the architecture of YAML text arch (a copy of the target in *t, its arch kept in *a). */
static void predict_on(const cm_graph *g, const char *arch, bool fuse, arch_cfg **a, cm_target *t, cm_prediction *p)
{
    lp_diag d;
    CU_ASSERT_EQUAL_FATAL(arch_load_text(arch, strlen(arch), "round.yaml", a, &d), LP_OK);
    cm_target_of(*a, t);
    CU_ASSERT_EQUAL_FATAL(cm_predict(g, t, fuse, p, &d), LP_OK);
}

/* The graph of tests/costmodel/name (the caller frees it), predicted as predict_on does. */
static cm_graph *predict_file(const char *name, const char *arch, bool fuse, arch_cfg **a, cm_target *t,
                              cm_prediction *p)
{
    cm_graph *g = read_test(name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    predict_on(g, arch, fuse, a, t, p);
    return g;
}

static void test_model_by_hand(void)
{
    arch_cfg *a;
    lp_diag d;
    cm_target t;
    cm_prediction p;
    cm_graph *g = predict_file("model.mlir", model_arch, false, &a, &t, &p);
    CU_ASSERT_EQUAL_FATAL(p.nrows, 2);
    /* the product 40x64 @ 64x20: 3 x 2 tiles of 16x16 over 4 cores, 2 waves of 64 x 256 / 256
    ** cycles = 128 ns; 9280 bytes at 100 GB/s = 92.8 ns; compute-bound, plus the launch */
    const cm_row *mm = &p.rows[0], *ex = &p.rows[1];
    CU_ASSERT(near(mm->compute_ns, 128) && near(mm->memory_ns, 92.8) && mm->compute_bound && mm->on_matrix);
    CU_ASSERT(near(mm->latency_ns, 1128));
    /* 51200 MACs x 1 pJ + 9280 bytes x 8 pJ + 2 W x 1128 ns */
    CU_ASSERT(near(mm->energy_pj, 51200 + 9280 * 8 + 2 * 1128e3));
    /* exp of 800 elements: ceil(800 / 32) groups x 4 cycles = 100 ns; 3200 bytes = 32 ns; plus the gap */
    CU_ASSERT(near(ex->compute_ns, 100) && near(ex->memory_ns, 32) && near(ex->latency_ns, 200));
    CU_ASSERT(near(ex->energy_pj, 800 * 0.5 + 3200 * 8 + 2 * 200e3));
    CU_ASSERT(near(p.latency_ns, 1328) && near(p.wall_ns, 6328));
    CU_ASSERT(near(p.energy_pj, mm->energy_pj + ex->energy_pj));
    cm_prediction_free(&p);
    /* fused: the exp joins the product; the product's result (1600 bytes) is neither written nor read again */
    CU_ASSERT_EQUAL_FATAL(cm_predict(g, &t, true, &p, &d), LP_OK);
    CU_ASSERT_EQUAL_FATAL(p.nrows, 1);
    CU_ASSERT_EQUAL(p.rows[0].nfused, 1);
    CU_ASSERT_EQUAL(p.rows[0].bytes, 9280 + 3200 - 2 * 1600);
    CU_ASSERT(near(p.rows[0].compute_ns, 228) && near(p.latency_ns, 1228));
    cm_prediction_free(&p);
    /* an L2 that holds the bytes serves them: 1000 GB/s at 1 pJ a byte */
    arch_free(a);
    char text[2048];
    snprintf(text, sizeof text, "%sl2:\n  size_bytes: 1048576\n  bandwidth_gbps: 1000\n  energy_pj_per_byte: 1\n",
             model_arch);
    predict_on(g, text, false, &a, &t, &p);
    CU_ASSERT(p.rows[0].l2 && near(p.rows[0].memory_ns, 9.28));
    CU_ASSERT(near(p.rows[0].energy_pj, 51200 + 9280 + 2 * 1128e3));
    cm_prediction_free(&p);
    arch_free(a);
    cm_graph_free(g);
}

/* A product in a format the matrix unit lacks runs on the vector lanes, one MAC per lane and cycle;
** an ideal unit keeps every MAC slot busy. */
static void test_model_vector_fallback(void)
{
    arch_cfg *a;
    cm_target t;
    cm_prediction p;
    cm_graph *g = predict_file("stablehlo.mlir", model_arch, false, &a, &t, &p);
    const cm_row *bf = &p.rows[0], *f32 = &p.rows[1];
    /* bf16 batch 6 of 4x6 (one tile each): ceil(6 / 4) = 2 waves x 5 cycles */
    CU_ASSERT(bf->on_matrix && near(bf->compute_ns, 10));
    /* f32 210 MACs on 32 lanes: 7 cycles */
    CU_ASSERT(!f32->on_matrix && near(f32->compute_ns, 7));
    cm_prediction_free(&p);
    arch_free(a);
    cm_graph_free(g);
    /* an ideal unit has no array: 51200 MACs over 4 cores at 100 a cycle, ceil(12800 / 100) cycles */
    g = predict_file("model.mlir",
                     "name: ideal4\ncores: 4\nmatrix:\n  kind: ideal\n  formats:\n"
                     "    - {format: bf16, macs_per_cycle: 100, energy_pj_per_mac: 1}\n",
                     false, &a, &t, &p);
    CU_ASSERT(p.rows[0].on_matrix && near(p.rows[0].compute_ns, 128));
    cm_prediction_free(&p);
    arch_free(a);
    cm_graph_free(g);
}

static void test_cli_json_and_diagnostics(void)
{
    char dir[] = "/tmp/lpt_cm_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[256], cmd[1400], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/round.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(model_arch, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "predict --arch '%s' --json '%s/tests/costmodel/model.mlir'", path, LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT(near(lpt_json_num(out, "latency_ns"), 1328) && near(lpt_json_num(out, "wall_ns"), 6328));
    CU_ASSERT(near(lpt_json_num(out, "host_dispatch_ns"), 5000));
    CU_ASSERT(lpt_json_num(out, "energy_pj") > 0);
    CU_ASSERT_EQUAL(lpt_json_size(out, "ops"), 2);
    CU_ASSERT_EQUAL(lpt_json_size(out, "unmodelled"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "ops.0.flops"), 2 * 51200);
    CU_ASSERT_EQUAL(lpt_json_num(out, "ops.0.bytes"), 9280);
    CU_ASSERT(near(lpt_json_num(out, "ops.1.latency_ns"), 200));
    CU_ASSERT(lpt_json_num(out, "ops.1.energy_pj") > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"op\": \"stablehlo.dot_general\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"kind\": \"matmul\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"shapes\": \"40x64xbf16, 64x20xbf16 -> 40x20xbf16\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"bound\": \"compute\""));
    free(out), free(err);
    /* a malformed file: MLIR's message at its line and column, exit 2, nothing on stdout */
    snprintf(path, sizeof path, "%s/bad.mlir", dir);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("func.func @f(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {\n"
          "  %0 = arith.addf %a, %a : tensor<4x8xf32\n"
          "  return %0 : tensor<4x8xf32>\n}\n",
          f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "predict --arch h100 '%s'", path);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    char want[400];
    snprintf(want, sizeof want, "%s:2:42: error: expected '>' in tensor type\n", path);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out), free(err);
    /* a verifier's error: the op's position */
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("func.func @f(%a: tensor<4x8xf32>, %b: tensor<5x8xf32>) -> tensor<4x8xf32> {\n"
          "  %e = tensor.empty() : tensor<4x8xf32>\n"
          "  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<5x8xf32>) outs(%e : tensor<4x8xf32>) -> "
          "tensor<4x8xf32>\n"
          "  return %0 : tensor<4x8xf32>\n}\n",
          f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    snprintf(want, sizeof want, "%s:3:8: error: ", path);
    CU_ASSERT_NSTRING_EQUAL(err, want, strlen(want));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("help predict", "", 0, &out, &err), 0);
    CU_ASSERT(strstr(out, "--arch ARCH [--model MODEL.json] GRAPH.mlir") && strstr(out, "--fuse") &&
              strstr(out, "--json"));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- fit and predict on a synthetic database ---------------------------------------- */

/* The coefficients the synthetic runs are made with: latency from every term,
** energy likewise (the b200-mx preset has no launch or static power, so
** those features are zero and keep their defaults). */
static const double true_lat[CM_NLAT] = {700, 1, 0.6, 1.4, -0.3, 0.25, 0.15, 0.35, 0.2, 0.1, 0.3, 0.05, 0.5, 0.8, 0.9};
static const double true_en[CM_NEN] = {1.3, 0.7, 1, 0.4, 0.9, 1.1, 0.6};

/* text with the line that starts with key (after a newline) replaced by
** repl (no newline), in a new string. */
static char *with_line(const char *text, const char *key, const char *repl)
{
    const char *at = strstr(text, key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    const char *end = strchr(at + strlen(key), '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    size_t n = strlen(text) + strlen(repl) + 1;
    char *out = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, repl, end);
    return out;
}

/* The b200-mx preset with cores and the scratchpad changed (YAML text). */
static char *b200_variant(unsigned cores, unsigned spm)
{
    const char *text = arch_preset_text("b200-mx");
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char c[64], sp[64];
    snprintf(c, sizeof c, "\ncores: %u", cores);
    snprintf(sp, sizeof sp, "\nspm:\n  size_bytes: %u", spm);
    char *t1 = with_line(text, "\ncores:", c), *t2 = with_line(t1, "\nspm:\n  size_bytes:", sp);
    free(t1);
    return t2;
}

/* The synthetic latency and energy of a gemm op on arch text. */
static void synthetic(const char *arch_text, const char *workload, const char *shape, double *lat, double *en)
{
    arch_cfg *a = NULL;
    lp_diag d;
    lp_diag_init(&d, "<t>");
    CU_ASSERT_EQUAL_FATAL(arch_load_text(arch_text, strlen(arch_text), "<t>", &a, &d), LP_OK);
    wl_spec s = lpt_spec(workload);
    cm_target t;
    cm_target_of(a, &t);
    int cls;
    cm_terms x;
    CU_ASSERT_EQUAL_FATAL(cm_wl_terms(&t, a, &s, "gemm", shape, false, NULL, &cls, &x, &d), LP_OK);
    CU_ASSERT_EQUAL(cls, CM_CLS_MATRIX);
    CU_ASSERT(x.map_ns[CM_MAP_MAPPED] > 0 && x.map_ns[CM_MAP_STEP_LAT] > 0 && x.load_pj > 0 && x.acc_pj > 0);
    double f[CM_NLAT], g[CM_NEN];
    cm_lat_features(a->launch_ns, &x, f);
    *lat = 0;
    for (int i = 0; i < CM_NLAT; i++) *lat += true_lat[i] * f[i];
    cm_en_features(a->power.static_w, *lat, &x, g);
    *en = 0;
    for (int i = 0; i < CM_NEN; i++) *en += true_en[i] * g[i];
    arch_free(a);
}

static const unsigned syn_cores[] = {16, 37, 64, 100, 148}, syn_spm[] = {65536, 131072, 233472};

static void gemm_point(unsigned i, char *wl, size_t n, char *shape, size_t ns)
{
    static const unsigned dims[] = {64, 96, 256, 512, 1024, 2048, 4096};
    unsigned M = dims[(i * 5 + 1) % 7], N = dims[(i * 3 + 2) % 7], K = dims[(i * 11 + 3) % 7];
    snprintf(wl, n, "gemm M=%u N=%u K=%u in_a=%s in_b=%s out=bf16", M, N, K, i % 2 ? "bf16" : "fp8_e4m3fn",
             i % 2 ? "bf16" : "fp8_e4m3fn");
    snprintf(shape, ns, "%ux%ux%u", M, N, K);
}

/* lpsim fit on runs made from known coefficients: the cross validation finds
** no error, and the model file predicts new points (other shapes, cores and
** scratchpads, through lpsim sweep --engine model) as the coefficients do. */
static void test_fit_synthetic(void)
{
    char dir[] = "/tmp/lpt_fit_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[300], cmd[1200], wl[160], shape[64], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/syn.db", dir);
    rdb *db;
    lp_diag d;
    lp_diag_init(&d, "<t>");
    CU_ASSERT_EQUAL_FATAL(rdb_open(path, RDB_WRITE, &db, &d), LP_OK);
    for (unsigned i = 0; i < 60; i++) {
        char *text = b200_variant(syn_cores[i % 5], syn_spm[i % 3]);
        gemm_point(i, wl, sizeof wl, shape, sizeof shape);
        double lat, en;
        synthetic(text, wl, shape, &lat, &en);
        json_t *aj = rdb_yaml_json(text, strlen(text));
        char *ajs = json_dumps(aj, JSON_COMPACT);
        json_t *rep = json_pack("{s:f,s:f,s:[{s:s,s:s,s:s,s:i,s:f,s:f,s:{}}]}", "latency_ns", lat, "energy_pj", en,
                                "operations", "op", "gemm", "kind", "gemm", "shape", shape, "repeat", 1, "latency_ns",
                                lat, "energy_pj", en, "mapping");
        rdb_run run;
        memset(&run, 0, sizeof run);
        run.arch_name = "b200-mx", run.arch_json = ajs, run.unit_kind = "tensor_core", run.workload_kind = "gemm";
        run.workload = wl, run.workload_json = "{}", run.formats = "", run.timing_only = true, run.status = "done";
        run.command_line = "[]", run.point_index = -1;
        int64_t id;
        lp_status ls = rdb_log_run(db, &run, rep, &id, &d);
        if (ls) fprintf(stderr, "%s\n", d.msg);
        CU_ASSERT_EQUAL(ls, LP_OK);
        CU_ASSERT(id > 0);
        json_decref(rep), json_decref(aj);
        free(ajs), free(text);
    }
    rdb_close(db);
    snprintf(cmd, sizeof cmd, "fit --db '%s' --arch b200-mx --out '%s/m.json' --ridge 0 --json", path, dir);
    int rc = lpt_run(cmd, "", 0, &out, &err);
    if (rc) fprintf(stderr, "%s\n", err); /* why, when it fails */
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "training.runs"), 60);
    CU_ASSERT(lpt_json_num(out, "cross_validation.runs.mape_latency") < 1e-6);
    CU_ASSERT(lpt_json_num(out, "cross_validation.runs.mape_energy") < 1e-6);
    CU_ASSERT(lpt_json_num(out, "coefficients.matrix.fitted") != 0);
    free(out), free(err);
    /* stored in the database too */
    snprintf(cmd, sizeof cmd, "runs --db '%s' --json", path);
    sqlite3 *q;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &q, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(q, "SELECT count(*), max(arch_name) FROM models", -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 1);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 1), "b200-mx");
    sqlite3_finalize(st);
    sqlite3_close(q);
    /* new points through the model engine: the true coefficients' values */
    snprintf(path, sizeof path, "%s/new.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("arch: b200-mx\nworkloads:\n", f);
    for (unsigned i = 100; i < 106; i++) {
        gemm_point(i * 7, wl, sizeof wl, shape, sizeof shape);
        fprintf(f, "  - %s\n", wl);
    }
    fputs("axes:\n  - {key: cores, values: [24, 120]}\n  - {key: spm.size_bytes, values: [98304]}\n", f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "sweep '%s' --engine model --model '%s/m.json' --db '%s/new.db'", path, dir, dir);
    rc = lpt_run(cmd, "", 0, &out, &err);
    if (rc) fprintf(stderr, "%s\n", err);
    CU_ASSERT_EQUAL(rc, 0);
    free(out), free(err);
    snprintf(path, sizeof path, "%s/new.db", dir);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &q, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(q,
                                             "SELECT workload, arch_json, latency_ns, energy_pj, engine, status "
                                             "FROM runs ORDER BY point_index",
                                             -1, &st, NULL),
                          SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        const char *w = (const char *)sqlite3_column_text(st, 0), *aj = (const char *)sqlite3_column_text(st, 1);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 4), "model");
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 5), "done");
        unsigned M, N, K;
        CU_ASSERT_EQUAL(sscanf(w, "gemm M=%u N=%u K=%u", &M, &N, &K), 3);
        snprintf(shape, sizeof shape, "%ux%ux%u", M, N, K);
        double lat, en;
        synthetic(aj, w, shape, &lat, &en);
        CU_ASSERT(fabs(sqlite3_column_double(st, 2) - lat) <= 1e-6 * lat);
        CU_ASSERT(fabs(sqlite3_column_double(st, 3) - en) <= 1e-6 * en);
    }
    CU_ASSERT_EQUAL(rows, 12);
    sqlite3_finalize(st);
    sqlite3_close(q);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Simulate examples/sweeps/fit/PRESET-train.yaml and -heldout.yaml into
** dir's t.db and h.db and fit arch on them with extra options: the fit's
** JSON report (malloc'd), or NULL after a failed assertion. */
static char *fit_examples(const char *dir, const char *preset, const char *arch, const char *extra)
{
    char cmd[2000], *out = NULL, *err = NULL;
    const char *ex = LPSIM_SOURCE_DIR "/examples/sweeps/fit";
    static const char *const sets[][2] = {{"train", "t"}, {"heldout", "h"}};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "sweep '%s/%s-%s.yaml' --db '%s/%s.db' --timing-only -j 2", ex, preset, sets[i][0],
                 dir, sets[i][1]);
        int rc = lpt_run(cmd, "", 0, &out, &err);
        free(out), free(err);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc) return NULL;
    }
    snprintf(cmd, sizeof cmd, "fit --db '%s/t.db' --arch %s --test-db '%s/h.db' --json %s", dir, arch, dir, extra);
    int rc = lpt_run(cmd, "", 0, &out, &err);
    free(err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) free(out), out = NULL;
    return out;
}

/* The fit on real simulator runs (vck190, the example training sweep: fast to
** simulate) predicts the held-out example sweep's runs within a bound (the
** README's table: 3.4% latency, 0.7% energy), and lpsim sweep --engine model
** gives each held-out point what the fit's check predicted for its run: the
** plans' operations are the simulated runs' operations (their MACs too). */
static void test_fit_vck190_heldout(void)
{
    char dir[] = "/tmp/lpt_fitv_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char cmd[2000], extra[700], *out = NULL, *err = NULL;
    const char *ex = LPSIM_SOURCE_DIR "/examples/sweeps/fit";
    snprintf(extra, sizeof extra, "--out '%s/m.json' --csv '%s/h.csv'", dir, dir);
    out = fit_examples(dir, "vck190", "vck190", extra);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    double l = lpt_json_num(out, "held_out.all.mape_latency"), e = lpt_json_num(out, "held_out.all.mape_energy");
    if (!(l < 6 && e < 3)) fprintf(stderr, "\n  held-out MAPE: latency %.2f%%, energy %.2f%%\n", l, e);
    CU_ASSERT(l < 6);
    CU_ASSERT(e < 3);
    CU_ASSERT_EQUAL(lpt_json_num(out, "held_out.all.runs"), 12);
    CU_ASSERT(lpt_json_num(out, "coefficients.matrix.fitted") != 0);
    free(out);
    snprintf(cmd, sizeof cmd, "sweep '%s/vck190-heldout.yaml' --engine model --model '%s/m.json' --db '%s/m.db'", ex,
             dir, dir);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    free(out), free(err);
    /* the engine's latency of each point against the check's prediction of its run */
    char path[300];
    snprintf(path, sizeof path, "%s/h.csv", dir);
    char *csv = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    sqlite3 *q;
    snprintf(path, sizeof path, "%s/m.db", dir);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &q, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    snprintf(cmd, sizeof cmd, "ATTACH '%s/h.db' AS h", dir);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(q, cmd, NULL, NULL, NULL), SQLITE_OK);
    int n = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        long long id;
        double sim, model;
        if (sscanf(line + 1, "%lld,%*[^,],%*[^,],%lf,%lf", &id, &sim, &model) != 3) continue;
        sqlite3_stmt *st;
        CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(q,
                                                 "SELECT m.latency_ns, m.engine FROM runs m JOIN h.runs r ON "
                                                 "r.point_index = m.point_index WHERE r.id = ?1",
                                                 -1, &st, NULL),
                              SQLITE_OK);
        sqlite3_bind_int64(st, 1, id);
        CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
        double got = sqlite3_column_double(st, 0);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 1), "model");
        if (!(fabs(got - model) <= 1e-6 * model))
            fprintf(stderr, "\n  run %lld: engine %.3f, check %.3f\n", id, got, model);
        CU_ASSERT(fabs(got - model) <= 1e-6 * model);
        sqlite3_finalize(st);
        n++;
    }
    CU_ASSERT_EQUAL(n, 12);
    /* the engine's operations are the simulated runs' operations, with their MACs, and a product's or an
    ** attention's DRAM bytes are its tensors' as the simulator moves them */
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(
        sqlite3_prepare_v2(q,
                           "SELECT count(*), sum(o.kind = ho.kind AND o.macs = ho.macs), "
                           "sum(o.kind IN ('gemm', 'attention')), sum(o.kind IN ('gemm', 'attention') "
                           "AND o.dram_bytes = ho.dram_bytes), sum(o.macs > 0) FROM run_ops o JOIN "
                           "runs m ON m.id = o.run_id JOIN h.runs r ON r.point_index = m.point_index "
                           "JOIN h.run_ops ho ON ho.run_id = r.id AND ho.seq = o.seq",
                           -1, &st, NULL),
        SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
    int nops = sqlite3_column_int(st, 0), nprod = sqlite3_column_int(st, 2);
    CU_ASSERT(nops > 12 && sqlite3_column_int(st, 1) == nops);
    CU_ASSERT(nprod > 0 && sqlite3_column_int(st, 3) == nprod && sqlite3_column_int(st, 4) == nprod);
    sqlite3_finalize(st);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(q,
                                             "SELECT count(*), sum(m.macs = r.macs AND abs(m.power_w - m.energy_pj / "
                                             "m.latency_ns * 1e-3) < 1e-9 * m.power_w) FROM runs m JOIN h.runs r ON "
                                             "r.point_index = m.point_index",
                                             -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT(sqlite3_column_int(st, 0) == 12 && sqlite3_column_int(st, 1) == 12);
    sqlite3_finalize(st);
    sqlite3_close(q);
    free(csv);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* The GEMM pipeline term alone (cm_fit.c's gemm_pipe, no coefficient fitted)
** against the simulator: b200-mx GEMMs, decode-like and prefill-like, bf16
** and MXFP4 (4 loads a step on 2 engines), 37 and 148 cores, two
** scratchpads. Within 15% each and 5% on average (3.8% and 10.5% measured). */
static void test_gemm_pipe_against_sim(void)
{
    char dir[] = "/tmp/lpt_pipe_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[300], cmd[1000], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/g.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("arch: b200-mx\nworkloads: ['gemm M=8 N=1024 K=1024 in_a=bf16 in_b=bf16 out=bf16']\naxes:\n"
          "  - {key: M, values: [8, 512]}\n  - {key: N, values: [1024, 4096]}\n  - {key: K, values: [1024, 4096]}\n"
          "  - {key: cores, values: [37, 148]}\n  - {key: spm.size_bytes, values: [65536, 233472]}\n"
          "  - {name: format, set: ['in_a=bf16 in_b=bf16', 'in_a=mxfp4_e2m1 in_b=mxfp4_e2m1']}\n",
          f);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "sweep '%s' --db '%s/g.db' --timing-only -j 2", path, dir);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    free(out), free(err);
    snprintf(path, sizeof path, "%s/g.db", dir);
    sqlite3 *q;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &q, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(q,
                                             "SELECT r.arch_json, r.workload, o.shape, o.latency_ns FROM runs r JOIN "
                                             "run_ops o ON o.run_id = r.id WHERE o.kind = 'gemm'",
                                             -1, &st, NULL),
                          SQLITE_OK);
    int n = 0;
    double sum = 0, worst = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *aj = (const char *)sqlite3_column_text(st, 0);
        arch_cfg *a = NULL;
        lp_diag d;
        lp_diag_init(&d, "<t>");
        CU_ASSERT_EQUAL_FATAL(arch_load_text(aj, strlen(aj), "<t>", &a, &d), LP_OK);
        wl_spec s = lpt_spec((const char *)sqlite3_column_text(st, 1));
        cm_target t;
        cm_target_of(a, &t);
        int cls;
        cm_terms x;
        CU_ASSERT_EQUAL(
            cm_wl_terms(&t, a, &s, "gemm", (const char *)sqlite3_column_text(st, 2), false, NULL, &cls, &x, &d), LP_OK);
        double sim = sqlite3_column_double(st, 3), dev = fabs(x.map_ns[CM_MAP_PIPE] / sim - 1);
        sum += dev, worst = fmax(worst, dev), n++;
        arch_free(a);
    }
    sqlite3_finalize(st);
    sqlite3_close(q);
    CU_ASSERT_EQUAL(n, 64);
    if (!(sum / n < 0.05 && worst < 0.15))
        fprintf(stderr, "\n  pipe term: mean deviation %.3f, worst %.3f over %d GEMMs\n", sum / n, worst, n);
    CU_ASSERT(sum / n < 0.05);
    CU_ASSERT(worst < 0.15);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* The same on sail-like (PIM arrays, the CPU's vector units, Llama-2 and
** Llama-3 layers: different KV widths): the held-out runs within a bound
** (3.4% latency, 0.25% energy measured) and rotary's energy per operation
** (0.9% measured: its K part, which its shape does not name, counted). */
static void test_fit_sail_heldout(void)
{
    char dir[] = "/tmp/lpt_fits_XXXXXX", cmd[400];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char *out = fit_examples(dir, "sail", "sail-like", "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    double l = lpt_json_num(out, "held_out.all.mape_latency"), e = lpt_json_num(out, "held_out.all.mape_energy");
    double re = lpt_json_num(out, "held_out_kinds.rotary.mape_energy");
    if (!(l < 6 && e < 2 && re < 5))
        fprintf(stderr, "\n  sail-like held out: latency %.2f%%, energy %.2f%%, rotary energy %.2f%%\n", l, e, re);
    CU_ASSERT(l < 6);
    CU_ASSERT(e < 2);
    CU_ASSERT(re < 5);
    CU_ASSERT(lpt_json_num(out, "coefficients.pim.fitted") != 0);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* --fuse on a shared graph: fewer kernels, fewer bytes, the same FLOPs. */
static void test_fusion_on_shared(void)
{
    char cmd[800], *a = NULL, *b = NULL, *e1 = NULL, *e2 = NULL;
    snprintf(cmd, sizeof cmd, "predict --arch h100 --json '%s'",
             lpt_data("mlir/llama_layer_B1_T128_D256_H4_KVH4_F688_bf16.generic.mlir"));
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &a, &e1), 0);
    strcat(cmd, " --fuse");
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &b, &e2), 0);
    CU_ASSERT(lpt_json_num(b, "kernels") < lpt_json_num(a, "kernels"));
    CU_ASSERT(lpt_json_num(b, "bytes") < lpt_json_num(a, "bytes"));
    CU_ASSERT(lpt_json_num(b, "latency_ns") < lpt_json_num(a, "latency_ns"));
    CU_ASSERT_EQUAL(lpt_json_num(b, "flops"), lpt_json_num(a, "flops"));
    CU_ASSERT_EQUAL(lpt_json_num(a, "kernels"), lpt_json_size(a, "ops") - lpt_json_num(a, "counts.free"));
    CU_ASSERT_EQUAL(lpt_json_size(a, "patterns"), 1);
    CU_ASSERT_EQUAL(lpt_json_num(a, "patterns.0.head_dim"), 64);
    free(a), free(b), free(e1), free(e2);
}

/* The fusion rules on a hand-made graph (tests/costmodel/fuse.mlir; 64x64 bf16 tensors of 8192 bytes):
** exp and tanh read the first product's result, which only elementwise ops read: both join it, and
** the add that reads them; the negate reads the second product's result, which a third product also
** reads: it stays a kernel of its own. Without fusion after products, the first three join each
** other but not the product. */
static void test_fusion_rules(void)
{
    arch_cfg *a;
    cm_target t;
    cm_prediction p;
    cm_graph *g = predict_file("fuse.mlir", model_arch, true, &a, &t, &p);
    CU_ASSERT_EQUAL_FATAL(p.nrows, 4);
    const uint64_t T = 8192;
    /* product, exp, tanh, add: reads A, B; writes the add's result (the others stay inside) */
    CU_ASSERT(p.rows[0].op == 0 && p.rows[0].nfused == 3 && p.rows[0].bytes == 3 * T);
    CU_ASSERT(p.rows[1].op == 4 && p.rows[1].nfused == 0 && p.rows[1].bytes == 3 * T);
    CU_ASSERT(p.rows[2].op == 5 && p.rows[2].nfused == 0 && p.rows[2].bytes == 2 * T);
    CU_ASSERT(p.rows[3].op == 6 && p.rows[3].nfused == 0);
    CU_ASSERT_EQUAL(p.kernels, 4);
    cm_prediction_free(&p);
    arch_free(a);
    /* fuse_after_products: 0 (a library call per product, as XLA on GPUs): the product writes its result
    ** and exp, tanh and add are a kernel of their own that reads it (twice: once per reader) */
    char text[2048];
    snprintf(text, sizeof text, "%sfuse_after_products: 0\n", model_arch);
    predict_on(g, text, true, &a, &t, &p);
    CU_ASSERT_EQUAL_FATAL(p.nrows, 5);
    CU_ASSERT(p.rows[0].op == 0 && p.rows[0].nfused == 0 && p.rows[0].bytes == 3 * T);
    CU_ASSERT(p.rows[1].op == 1 && p.rows[1].nfused == 2 && p.rows[1].bytes == 3 * T);
    CU_ASSERT(p.rows[2].op == 4 && p.rows[3].op == 5 && p.rows[4].op == 6);
    CU_ASSERT_EQUAL(p.kernels, 5);
    cm_prediction_free(&p);
    arch_free(a);
    cm_graph_free(g);
}

/* The shared graphs against their measured runtimes (lpsim validate h100 --graphs, the same
** predictions as lpsim predict --json): every graph predicted; the preset's host terms are what
** the fit on these graphs gives; on the graphs measured above 200 us, the MAPE of the fused wall
** time, with the host terms as fitted and with each graph left out of the fit, at most 16 % (14.0
** and 14.7 % reached; 17.0 and 17.7 % with products' consumers fused into them), and each graph
** within the aim of 25 % but two: mlp B8 T512 (-33 %) and the llama layer T1024 (-31 %),
** whose device time lpsim puts at 54 and 62 % of what the data imply (docs/costmodel.md), within
** 40 %. */
static const struct {
    const char *file;
    double limit_pct;
} graph_limits[] = {
    {"mlp_B8_T512_D1024_bf16.generic.mlir", 40},
    {"llama_layer_B1_T1024_D2048_H16_KVH4_F5632_bf16.generic.mlir", 40},
};

static void test_graphs_measured(void)
{
    char cmd[1400], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "validate h100 --graphs --json --data '%s'", lpt_data("mlir"));
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    json_t *o = json_loads(out, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    json_t *gs = json_object_get(o, "graphs");
    CU_ASSERT_EQUAL(json_array_size(gs), 13);
    CU_ASSERT_EQUAL(lpt_json_num(out, "predicted"), 13);
    CU_ASSERT_EQUAL(lpt_json_num(out, "above_200us.graphs"), 6);
    double fused = lpt_json_num(out, "above_200us.fused_mape_pct"),
           loo = lpt_json_num(out, "above_200us.left_out_mape_pct");
    if (!(fused <= 16 && loo <= 16))
        fprintf(stderr, "\n  MAPE above 200 us: fused %.1f %%, left out %.1f %%", fused, loo);
    CU_ASSERT(fused <= 16 && loo <= 16);
    /* the preset's terms are the fit's (within 100 ns: the preset rounds them) */
    CU_ASSERT(fabs(lpt_json_num(out, "fit.host_dispatch_ns") - lpt_json_num(out, "arch_terms.host_dispatch_ns")) < 100);
    CU_ASSERT(fabs(lpt_json_num(out, "fit.conv_call_ns") - lpt_json_num(out, "arch_terms.conv_call_ns")) < 100);
    CU_ASSERT(lpt_json_num(out, "arch_terms.host_dispatch_ns") > 0);
    for (size_t i = 0; i < json_array_size(gs); i++) {
        json_t *g = json_array_get(gs, i);
        const char *file = json_string_value(json_object_get(g, "file"));
        CU_ASSERT_FATAL(file != NULL);
        CU_ASSERT(json_is_true(json_object_get(g, "predicted")));
        double measured = json_number_value(json_object_get(g, "measured_us"));
        double e = json_number_value(json_object_get(g, "fused_error_pct"));
        double seq = json_number_value(json_object_get(g, "device_seq_us"));
        double dev = json_number_value(json_object_get(g, "device_fused_us"));
        CU_ASSERT(dev > 0 && seq > dev); /* fusion takes kernels and bytes away */
        if (!(measured > 200)) continue;
        double limit = 25;
        for (size_t k = 0; k < sizeof graph_limits / sizeof graph_limits[0]; k++)
            if (!strcmp(file, graph_limits[k].file)) limit = graph_limits[k].limit_pct;
        if (!(fabs(e) <= limit)) fprintf(stderr, "\n  %s: fused wall off by %+.1f %% (limit %.0f %%)", file, e, limit);
        CU_ASSERT(fabs(e) <= limit);
    }
    json_decref(o);
    free(out), free(err);
}

/* validate --graphs: the index's mistakes at FILE:LINE:COL, a graph that cannot be predicted at
** its row (exit 2; with --keep-going the others are reported, exit 1), options of the latencies
** refused. */
static void test_graphs_index_errors(void)
{
    char dir[] = "/tmp/lpt_cm_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    static const struct {
        const char *csv, *err; /* err: after "DIR/mlir_index.csv:" */
    } cases[] = {
        {"", "1:1: error: empty file: expected a header naming at least file_generic, model, sizes, dtype, median_us, "
             "min_us\n"},
        {"file_generic,model,sizes,dtype,median_us\n", "1:41: error: the header has no column 'min_us'\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\ng.mlir,mlp,B=1,bf16,fast,1\n",
         "2:21: error: median_us must be a positive number of microseconds (at most 1e+09), got 'fast'\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\ng.mlir,mlp,B=1,bf16,5,6\n",
         "2:23: error: min_us 6 is above median_us 5\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\ng.mlir,mlp,B=1,bf16,5\n",
         "2:22: error: expected 6 fields as in the header, found 5\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\n,mlp,B=1,bf16,5,4\n",
         "2:1: error: file_generic is empty: it names the graph\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\ng.mlir,mlp,B=1,bf16,5,4\ng.mlir,mlp,B=2,bf16,5,4\n",
         "3:1: error: 'g.mlir' is listed twice (also on line 2)\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\n", "2:1: error: no graphs after the header\n"},
        {"file_generic,model,sizes,dtype,median_us,min_us\nnone.mlir,mlp,B=1,bf16,5,4\n",
         "2:1: error: predicting 'none.mlir' on h100 failed: "},
    };
    char path[300], cmd[1200], want[600], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/mlir_index.csv", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(cases[i].csv, f);
        CU_ASSERT_EQUAL(fclose(f), 0);
        snprintf(cmd, sizeof cmd, "validate h100 --graphs --data '%s'", dir);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
        snprintf(want, sizeof want, "%s:%s", path, cases[i].err);
        bool ok = !strncmp(err, want, strlen(want));
        if (!ok) fprintf(stderr, "\n  case %zu: got '%s', expected '%s'", i, err, want);
        CU_ASSERT(ok);
        free(out), free(err);
    }
    /* --keep-going: the graph that reads is reported, the other named; exit 1 */
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "file_generic,model,sizes,dtype,median_us,min_us\nnone.mlir,mlp,B=1,bf16,5,4\n%s,t,x,bf16,5,4\n",
            lpt_data("mlir/mlp_B1_T128_D256_bf16.generic.mlir"));
    CU_ASSERT_EQUAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "validate h100 --graphs --keep-going --data '%s'", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "predicting 'none.mlir' on h100 failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 graphs, 1 predicted"));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "validate h100 --graphs --png x.png --data '%s'", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: --png applies to latencies, not to --graphs"));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_rule_table(void)
{
    /* sorted (the counter bisects it), and every row's kind costed as that kind */
    for (int i = 1; cm_rule_at(i); i++) CU_ASSERT(strcmp(cm_rule_at(i - 1)->name, cm_rule_at(i)->name) < 0);
    CU_ASSERT_PTR_NOT_NULL(cm_rule_of("stablehlo.dot_general"));
    CU_ASSERT_PTR_NULL(cm_rule_of("stablehlo.dot_generalx"));
    CU_ASSERT_EQUAL(cm_rule_of("stablehlo.exponential")->vcost, CM_VEC_EXP);
    CU_ASSERT_STRING_EQUAL(cm_kind_name(CM_KIND_BATCH_MATMUL), "batch_matmul");
}

CU_TestInfo lpt_costmodel_tests[] = {
    {"counts/linalg_named_and_generic", test_linalg},
    {"counts/tosa", test_tosa},
    {"counts/stablehlo_dot_general_batch_conv_groups", test_stablehlo},
    {"counts/arith_math_tensor_elementwise", test_elementwise},
    {"graph/calls_inlined_unmodelled_listed", test_calls_and_unmodelled},
    {"patterns/softmax_alone", test_softmax},
    {"shared/matmul_flops_attention_pretty_refused", test_shared_graphs},
    {"model/terms_by_hand", test_model_by_hand},
    {"model/ideal_unit_and_vector_fallback", test_model_vector_fallback},
    {"model/fusion_rules", test_fusion_rules},
    {"model/fusion_on_llama", test_fusion_on_shared},
    {"shared/graphs_against_measured", test_graphs_measured},
    {"cli/validate_graphs_index_errors", test_graphs_index_errors},
    {"cli/json_and_diagnostics", test_cli_json_and_diagnostics},
    {"fit/synthetic_database_round_trip", test_fit_synthetic},
    {"fit/vck190_heldout_and_model_engine", test_fit_vck190_heldout},
    {"fit/gemm_pipeline_term_against_the_simulator", test_gemm_pipe_against_sim},
    {"fit/sail_like_heldout", test_fit_sail_heldout},
    {"table/sorted", test_rule_table},
    CU_TEST_INFO_NULL,
};
