/*
** test_lower.c — lpsim lower and predict --compare-sim: the workloads of a
** hand-written graph (tests/costmodel/lower.mlir) against specs worked out
** by hand beside each check; attentions (prefill, decode, without a mask, of
** lengths the workload cannot take, f32, more than 256 heads) and sizes
** past a key's range on graphs written here; the sweep file through lpsim
** sweep; compare-sim's simulated figures against lpsim run of the same
** specs.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_lower.h"
#include "cm_read.h"
#include "lp_test.h"
#include "mf.h"

static cm_graph *read_text(const char *text)
{
    cm_graph *g = NULL;
    lp_diag d;
    if (cm_read_text(text, strlen(text), "t.mlir", &g, &d)) lp_diag_print(&d, stderr);
    CU_ASSERT_PTR_NOT_NULL(g);
    return g;
}

static void lower_of(const cm_graph *g, cm_lowering *l)
{
    lp_diag d;
    CU_ASSERT_EQUAL_FATAL(cm_lower(g, l, &d), LP_OK);
}

/* The item at an op's line, or NULL. */
static const cm_lowered *item_at(const cm_graph *g, const cm_lowering *l, int line)
{
    for (int32_t i = 0; i < l->nitems; i++)
        if (g->ops[l->items[i].op].line == line) return &l->items[i];
    fprintf(stderr, "\n  nothing lowered at line %d", line);
    return NULL;
}

static void expect_spec(const cm_graph *g, const cm_lowering *l, int line, const char *spec, uint64_t repeat)
{
    const cm_lowered *it = item_at(g, l, line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    if (strcmp(it->spec, spec) || it->repeat != repeat)
        fprintf(stderr, "\n  line %d: '%s' x%llu, want '%s' x%llu", line, it->spec, (unsigned long long)it->repeat,
                spec, (unsigned long long)repeat);
    CU_ASSERT_STRING_EQUAL(it->spec, spec);
    CU_ASSERT_EQUAL(it->repeat, repeat);
}

static void test_by_hand(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/costmodel/lower.mlir", LPSIM_SOURCE_DIR);
    cm_graph *g = NULL;
    lp_diag d;
    if (cm_read_file(path, &g, &d)) lp_diag_print(&d, stderr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    cm_lowering l;
    lower_of(g, &l);
    /* linalg.matmul 64x32 . 32x48 into f32: M 64, N 48, K 32 */
    expect_spec(g, &l, 16, "gemm M=64 N=48 K=32 in_a=bf16 in_b=bf16 out=fp32", 1);
    /* dot_general batching [0, 1] of 2x3x4x5 . 2x3x5x6: batch 2 x 3 = 6, M 4, N 6, K 5; twice: one workload */
    expect_spec(g, &l, 17, "gemm M=4 N=6 K=5 batch=6 in_a=bf16 in_b=bf16 out=bf16", 1);
    expect_spec(g, &l, 18, "gemm M=4 N=6 K=5 batch=6 in_a=bf16 in_b=bf16 out=bf16", 1);
    /* convolution 1x6x6x4 by 3x3x2x4 (HWIO), 2 feature groups, output 1x4x4x4: M = 1 x 4 x 4 = 16 positions,
    ** N = 4 features / 2 groups = 2, K = 3 x 3 window x 2 input features per group = 18, the groups as batch */
    expect_spec(g, &l, 19, "gemm M=16 N=2 K=18 batch=2 in_a=bf16 in_b=bf16 out=bf16", 1);
    /* 1x32 . 32x16: one row, a gemv of 16 outputs over 32 */
    expect_spec(g, &l, 20, "gemv N=16 K=32 in_a=bf16 in_b=bf16 out=bf16", 1);
    /* attention: Q K^T of 1x2x8x16 (batching [0, 1]: batch 1, heads 2), 8 queries against 8 keys of 16, a select
    ** on the scores: a causal prefill of seq 8 */
    expect_spec(g, &l, 21,
                "attention kind=prefill batch=1 heads=2 kv_heads=2 head_dim=16 seq=8 causal=1 in=bf16 kv=bf16 out=bf16",
                1);
    CU_ASSERT_EQUAL(l.items[5].pattern, 0);
    CU_ASSERT_EQUAL(l.covered, g->patterns[0].nops);
    /* f8E5M2 lowers (h100's GEMM mapping refuses it at simulation, compare-sim's test) */
    expect_spec(g, &l, 48, "gemm M=16 N=16 K=32 in_a=fp8_e5m2 in_b=fp8_e5m2 out=bf16", 1);
    /* dot_general batching [0] of 512x2x3 . 512x3x2: batch 512 past the key's 256, 2 runs of batch=256 */
    expect_spec(g, &l, 50, "gemm M=2 N=2 K=3 batch=256 in_a=bf16 in_b=bf16 out=bf16", 2);
    CU_ASSERT_EQUAL(l.nitems, 8);
    CU_ASSERT_EQUAL(l.nentries, 7);
    CU_ASSERT_EQUAL(l.entries[1].repeat, 2);
    CU_ASSERT_EQUAL(l.entries[1].nitems, 2);
    CU_ASSERT_EQUAL(l.items[l.entries[1].first].next, 2);
    /* f64: no format */
    CU_ASSERT_EQUAL_FATAL(l.nskipped, 1);
    CU_ASSERT_EQUAL(g->ops[l.skipped[0].op].line, 49);
    CU_ASSERT_STRING_EQUAL(l.skipped[0].reason, "element type f64 has no lpsim format");
    /* the PV product is covered by the attention, not lowered again */
    for (int32_t i = 0; i < l.nitems; i++) CU_ASSERT(g->ops[l.items[i].op].line != 47);
    CU_ASSERT_EQUAL(l.by_design[CM_KIND_FREE], 6); /* arith.constant, tensor.empty, 4 stablehlo.constant */
    cm_lowering_free(&l);
    cm_graph_free(g);
}

/* A graph of one attention: Q 1 x H x q x D, K and V 1 x H x kv x D of element type e, a causal select on
** the scores when mask. */
static void attention_text(char *buf, size_t n, int H, int q, int kv, int D, const char *e, bool mask)
{
    char Q[64], K[64], S[64], SF[64], R[64], M[64], x[512];
    snprintf(Q, sizeof Q, "tensor<1x%dx%dx%dx%s>", H, q, D, e);
    snprintf(K, sizeof K, "tensor<1x%dx%dx%dx%s>", H, kv, D, e);
    snprintf(S, sizeof S, "tensor<1x%dx%dx%dx%s>", H, q, kv, e);
    snprintf(SF, sizeof SF, "tensor<1x%dx%dx%dxf32>", H, q, kv);
    snprintf(R, sizeof R, "tensor<1x%dx%dxf32>", H, q);
    snprintf(M, sizeof M, "tensor<1x%dx%dx%dxi1>", H, q, kv);
    if (mask) /* the scores masked by a select, or passed on as they are */
        snprintf(x, sizeof x, "\"stablehlo.select\"(%%m, %%f, %%nb) : (%s, %s, %s) -> %s", M, SF, SF, SF);
    else
        snprintf(x, sizeof x, "\"stablehlo.convert\"(%%f) : (%s) -> %s", SF, SF);
    const char *dn =
        "<{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], "
        "rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = ";
    int w = snprintf(
        buf, n,
        "func.func @main(%%q: %s, %%k: %s, %%v: %s, %%m: %s) -> %s {\n"
        "  %%s = \"stablehlo.dot_general\"(%%q, %%k) %s[3]>}> : (%s, %s) -> %s\n"
        "  %%f = \"stablehlo.convert\"(%%s) : (%s) -> %s\n"
        "  %%n = \"stablehlo.constant\"() <{value = dense<-3.0e+38> : tensor<f32>}> : () -> tensor<f32>\n"
        "  %%nb = \"stablehlo.broadcast_in_dim\"(%%n) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> %s\n"
        "  %%x = %s\n"
        "  %%lo = \"stablehlo.constant\"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>\n"
        "  %%mx = \"stablehlo.reduce\"(%%x, %%lo) <{dimensions = array<i64: 3>}> ({\n"
        "  ^bb0(%%a: tensor<f32>, %%b: tensor<f32>):\n"
        "    %%t = \"stablehlo.maximum\"(%%a, %%b) : (tensor<f32>, tensor<f32>) -> tensor<f32>\n"
        "    \"stablehlo.return\"(%%t) : (tensor<f32>) -> ()\n"
        "  }) : (%s, tensor<f32>) -> %s\n"
        "  %%mb = \"stablehlo.broadcast_in_dim\"(%%mx) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (%s) -> %s\n"
        "  %%d = \"stablehlo.subtract\"(%%x, %%mb) : (%s, %s) -> %s\n"
        "  %%ex = \"stablehlo.exponential\"(%%d) : (%s) -> %s\n"
        "  %%z = \"stablehlo.constant\"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>\n"
        "  %%sm = \"stablehlo.reduce\"(%%ex, %%z) <{dimensions = array<i64: 3>}> ({\n"
        "  ^bb0(%%a: tensor<f32>, %%b: tensor<f32>):\n"
        "    %%t = \"stablehlo.add\"(%%a, %%b) : (tensor<f32>, tensor<f32>) -> tensor<f32>\n"
        "    \"stablehlo.return\"(%%t) : (tensor<f32>) -> ()\n"
        "  }) : (%s, tensor<f32>) -> %s\n"
        "  %%sb = \"stablehlo.broadcast_in_dim\"(%%sm) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (%s) -> %s\n"
        "  %%p = \"stablehlo.divide\"(%%ex, %%sb) : (%s, %s) -> %s\n"
        "  %%pe = \"stablehlo.convert\"(%%p) : (%s) -> %s\n"
        "  %%o = \"stablehlo.dot_general\"(%%pe, %%v) %s[2]>}> : (%s, %s) -> %s\n"
        "  return %%o : %s\n}\n",
        Q, K, K, M, Q, dn, Q, K, S, S, SF, SF, x, SF, R, R, SF, SF, SF, SF, SF, SF, SF, R, R, SF, SF, SF, SF, SF, S, dn,
        S, K, Q, Q);
    CU_ASSERT_FATAL(w > 0 && (size_t)w < n);
}

/* The one item of a graph of one attention, or its first two items and the reason when not lowered as one. */
static void expect_attention(int H, int q, int kv, int D, const char *e, bool mask, const char *spec, uint64_t repeat,
                             const char *why)
{
    static char text[16384];
    attention_text(text, sizeof text, H, q, kv, D, e, mask);
    cm_graph *g = read_text(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL_FATAL(g->npatterns, 1);
    cm_lowering l;
    lower_of(g, &l);
    if (!why) {
        CU_ASSERT_EQUAL_FATAL(l.nitems, 1);
        expect_spec(g, &l, 2, spec, repeat);
        CU_ASSERT_EQUAL(l.nskipped, 0);
        CU_ASSERT_EQUAL(l.items[0].f32_inputs, !strcmp(e, "f32"));
    } else {
        CU_ASSERT_EQUAL_FATAL(l.nskipped, 1);
        CU_ASSERT_EQUAL(l.skipped[0].pattern, 0);
        if (!strstr(l.skipped[0].reason, why)) fprintf(stderr, "\n  reason '%s'", l.skipped[0].reason);
        CU_ASSERT_PTR_NOT_NULL(strstr(l.skipped[0].reason, why));
        CU_ASSERT_EQUAL_FATAL(l.nitems, 2); /* its two products */
        CU_ASSERT_STRING_EQUAL(l.items[0].spec, spec);
    }
    cm_lowering_free(&l);
    cm_graph_free(g);
}

static void test_attentions(void)
{
    /* causal prefill, and without a mask causal=0 */
    expect_attention(4, 8, 8, 32, "bf16", true,
                     "attention kind=prefill batch=1 heads=4 kv_heads=4 head_dim=32 seq=8 causal=1 in=bf16 kv=bf16 "
                     "out=bf16",
                     1, NULL);
    expect_attention(4, 8, 8, 32, "bf16", false,
                     "attention kind=prefill batch=1 heads=4 kv_heads=4 head_dim=32 seq=8 causal=0 in=bf16 kv=bf16 "
                     "out=bf16",
                     1, NULL);
    /* one query: decode at ctx 8, no causal= (the mask changes nothing there) */
    expect_attention(2, 1, 8, 16, "bf16", true,
                     "attention kind=decode batch=1 heads=2 kv_heads=2 head_dim=16 ctx=8 in=bf16 kv=bf16 out=bf16", 1,
                     NULL);
    /* f32: inputs as bf16, O as fp32 */
    expect_attention(2, 4, 4, 8, "f32", true,
                     "attention kind=prefill batch=1 heads=2 kv_heads=2 head_dim=8 seq=4 causal=1 in=bf16 kv=bf16 "
                     "out=fp32",
                     1, NULL);
    /* 512 heads: the workload's 256 at most, the other factor 2 into batch */
    expect_attention(512, 2, 2, 2, "bf16", true,
                     "attention kind=prefill batch=2 heads=256 kv_heads=256 head_dim=2 seq=2 causal=1 in=bf16 kv=bf16 "
                     "out=bf16",
                     1, NULL);
    /* 2 queries against 8 keys: no workload; Q K^T as a gemm of batch 1 x 2 heads, M 2, N 8, K 16 */
    expect_attention(2, 2, 8, 16, "bf16", true, "gemm M=2 N=8 K=16 batch=2 in_a=bf16 in_b=bf16 out=bf16", 1,
                     "2 queries against 8 keys");
}

static void test_splits(void)
{
    /* batch 999 of 2x3 . 3x2: 4 runs of 250 would not make 999, 9 runs of batch=111 do; M 524288: 2 runs of
    ** M=262144; K 300000: past K's range */
    cm_graph *g = read_text(
        "func.func @main(%a: tensor<999x2x3xbf16>, %b: tensor<999x3x2xbf16>, %c: tensor<524288x2xbf16>,\n"
        "                %d: tensor<2x2xbf16>, %x: tensor<1x300000xbf16>, %y: tensor<300000x1xbf16>)\n"
        "    -> (tensor<999x2x2xbf16>, tensor<524288x2xbf16>, tensor<1x1xbf16>) {\n"
        "  %0 = \"stablehlo.dot_general\"(%a, %b) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = "
        "[0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>}> : "
        "(tensor<999x2x3xbf16>, tensor<999x3x2xbf16>) -> tensor<999x2x2xbf16>\n"
        "  %1 = \"stablehlo.dot\"(%c, %d) : (tensor<524288x2xbf16>, tensor<2x2xbf16>) -> tensor<524288x2xbf16>\n"
        "  %2 = \"stablehlo.dot\"(%x, %y) : (tensor<1x300000xbf16>, tensor<300000x1xbf16>) -> tensor<1x1xbf16>\n"
        "  return %0, %1, %2 : tensor<999x2x2xbf16>, tensor<524288x2xbf16>, tensor<1x1xbf16>\n}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    cm_lowering l;
    lower_of(g, &l);
    expect_spec(g, &l, 4, "gemm M=2 N=2 K=3 batch=111 in_a=bf16 in_b=bf16 out=bf16", 9);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.items[0].note, "batch 999 as 9 runs of batch=111"));
    expect_spec(g, &l, 5, "gemm M=262144 N=2 K=2 in_a=bf16 in_b=bf16 out=bf16", 2);
    CU_ASSERT_EQUAL_FATAL(l.nskipped, 1);
    CU_ASSERT_STRING_EQUAL(l.skipped[0].reason,
                           "K = 300000 is past the gemm workload's 262144 (a split reduction is not lowered)");
    cm_lowering_free(&l);
    cm_graph_free(g);
}

/* Every format of the table is one the workload parser takes, and is the MLIR type's format: its width,
** exponent and fraction bits read off the MLIR name (fNEaMb, bf16, f16, f32; iN and siN integers), FNUZ
** as the name says, FN without an infinity, B11 a bias of 11. */
static void test_formats(void)
{
    const char *elem, *fmt;
    int n = 0;
    for (int i = 0; (fmt = cm_lower_format_at(i, &elem)); i++, n++) {
        char spec[128];
        snprintf(spec, sizeof spec, "gemm M=1 N=1 K=1 in_a=%s in_b=%s out=%s", fmt, fmt, fmt);
        wl_spec s;
        lp_diag d;
        CU_ASSERT_EQUAL(wl_parse_inline(spec, "<t>", 1, 1, &s, &d), LP_OK);
        CU_ASSERT_STRING_EQUAL(cm_lower_format(elem), fmt);
        mf_format f;
        CU_ASSERT_EQUAL_FATAL(mf_parse(fmt, &f, &d), LP_OK);
        int bits = 0, e = 0, m = 0;
        bool integer = false;
        if (!strcmp(elem, "bf16"))
            bits = 16, e = 8, m = 7;
        else if (!strcmp(elem, "f16"))
            bits = 16, e = 5, m = 10;
        else if (!strcmp(elem, "f32"))
            bits = 32, e = 8, m = 23;
        else if (sscanf(elem, "f%dE%dM%d", &bits, &e, &m) == 3)
            ;
        else
            integer = sscanf(elem + (elem[0] == 's'), "i%d", &bits) == 1;
        if (f.bits != bits || (!integer && (f.ebits != e || f.mbits != m)) || (f.kind == MF_KIND_INT) != integer)
            fprintf(stderr, "\n  %s -> %s: %d bits (e%d m%d), want %d (e%d m%d)", elem, fmt, f.bits, f.ebits, f.mbits,
                    bits, e, m);
        CU_ASSERT(bits > 0 && f.bits == bits && (f.kind == MF_KIND_INT) == integer);
        CU_ASSERT(integer || (f.ebits == e && f.mbits == m));
        if (strstr(elem, "FNUZ")) {
            CU_ASSERT_EQUAL(f.policy, MF_POLICY_FNUZ);
        } else if (strstr(elem, "FN")) { /* finite: no infinity */
            CU_ASSERT_EQUAL(f.inf_mag, MF_NO_CODE);
        }
        if (strstr(elem, "B11")) CU_ASSERT_EQUAL(f.bias, 11);
    }
    CU_ASSERT(n >= 15);
    CU_ASSERT_STRING_EQUAL(cm_lower_format("f8E4M3FN"), "fp8_e4m3fn");
    CU_ASSERT_PTR_NULL(cm_lower_format("f64"));
}

/* The sweep file: lpsim sweep takes it as it is, and simulates it (the f8E5M2 point fails on h100). */
static void test_sweep_round_trip(void)
{
    char dir[] = "/tmp/lpt_lower_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "lower '%s/tests/costmodel/lower.mlir' --arch h100 -o '%s/l.yaml'", LPSIM_SOURCE_DIR,
             dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_STRING_EQUAL(err, "");
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "%s/l.yaml", dir);
    char *yaml = lpt_read_file(cmd, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(yaml);
    CU_ASSERT_PTR_NOT_NULL(strstr(yaml, "\narch: \"h100\"\nworkloads:\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(yaml, "  # 17:9 stablehlo.dot_general (batch_matmul) 2x3x4x5xbf16, 2x3x5x6xbf16 -> 2x3x4x6xbf16\n"
                     "  # 18:10 stablehlo.dot_general (batch_matmul) 2x3x4x5xbf16, 2x3x5x6xbf16 -> 2x3x4x6xbf16\n"
                     "  # repeat 2\n  - gemm M=4 N=6 K=5 batch=6 in_a=bf16 in_b=bf16 out=bf16\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(yaml, "#   49:10 stablehlo.dot_general (matmul) 4x8xf64, 8x2xf64 -> 4x2xf64: "
                                        "element type f64 has no lpsim format\n"));
    free(yaml);
    snprintf(cmd, sizeof cmd, "sweep '%s/l.yaml' --dry-run", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "7 points (0 dropped by the constraints), 1 distinct architecture"));
    CU_ASSERT_STRING_EQUAL(err, "");
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "sweep '%s/l.yaml' --db '%s/x.db' --timing-only -j 2", dir, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "7 points run"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "6 done, 1 failed"));
    free(out), free(err);
    /* a file architecture: named by its absolute path, in arch: and in the point */
    snprintf(cmd, sizeof cmd,
             "lower '%s/tests/costmodel/lower.mlir' --arch '%s/models/arch/presets/h100.yaml' --json -o '%s/l.json'",
             LPSIM_SOURCE_DIR, LPSIM_SOURCE_DIR, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "%s/l.json", dir);
    char *js = lpt_read_file(cmd, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(js);
    CU_ASSERT_EQUAL(lpt_json_size(js, "lowered"), 8);
    CU_ASSERT_EQUAL(lpt_json_size(js, "workloads"), 7);
    CU_ASSERT_EQUAL(lpt_json_num(js, "workloads.1.repeat"), 2);
    CU_ASSERT_EQUAL(lpt_json_num(js, "lowered.5.line"), 21);
    CU_ASSERT_EQUAL(lpt_json_size(js, "not_lowered"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"kind\": \"attention\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(js, "/models/arch/presets/h100.yaml\""));
    CU_ASSERT(strstr(js, "\"arch\": \"/") != NULL);
    free(js);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* compare-sim's simulated figures are lpsim run's for the same specs, times the repeat; the MAPE is the
** mean of the rows' errors; the spec the simulator refuses is listed. */
static void test_compare_equals_run(void)
{
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "predict --arch h100 '%s/tests/costmodel/lower.mlir' --compare-sim --json",
             LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    json_error_t je;
    json_t *o = json_loads(out, 0, &je);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    json_t *rows = json_object_get(o, "compare_sim"), *sum = json_object_get(o, "compare_sim_summary");
    CU_ASSERT_FATAL(json_is_array(rows) && json_is_object(sum));
    CU_ASSERT_EQUAL(json_array_size(rows), 8);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(sum, "ops")), 7);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(sum, "refused")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(sum, "not_lowered")), 1);
    double ape = 0;
    int refused = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        const char *spec = json_string_value(json_object_get(r, "workload"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
        if (json_object_get(r, "refused")) {
            refused++;
            CU_ASSERT_PTR_NOT_NULL(strstr(spec, "fp8_e5m2"));
            CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(r, "refused")), "the GEMM mapping"));
            CU_ASSERT(json_is_null(json_object_get(r, "sim_latency_ns")));
            continue;
        }
        char run[512], *rout = NULL, *rerr = NULL;
        snprintf(run, sizeof run, "run --arch h100 --workload '%s' --timing-only --json", spec);
        CU_ASSERT_EQUAL(lpt_run(run, "", 0, &rout, &rerr), 0);
        double rep = (double)json_integer_value(json_object_get(r, "repeat"));
        double sim = json_real_value(json_object_get(r, "sim_latency_ns"));
        double simj = json_real_value(json_object_get(r, "sim_energy_pj"));
        if (sim != lpt_json_num(rout, "latency_ns") * rep)
            fprintf(stderr, "\n  %s: compare-sim %.17g, lpsim run %.17g", spec, sim, lpt_json_num(rout, "latency_ns"));
        CU_ASSERT(sim == lpt_json_num(rout, "latency_ns") * rep && sim > 0);
        CU_ASSERT(simj == lpt_json_num(rout, "energy_pj") * rep && simj > 0);
        double pred = json_real_value(json_object_get(r, "predicted_latency_ns"));
        CU_ASSERT(fabs(json_real_value(json_object_get(r, "err_latency_pct")) - 100 * (pred - sim) / sim) < 1e-9);
        ape += fabs(100 * (pred - sim) / sim);
        free(rout), free(rerr);
    }
    CU_ASSERT_EQUAL(refused, 1);
    CU_ASSERT(fabs(json_real_value(json_object_get(sum, "mape_latency")) - ape / 7) < 1e-9);
    /* the predicted side by hand from the report's rows: the matmul at 16:9 alone, max(compute, memory) +
    ** launch_ns; the attention (kind attention in the report, sequential), its kernels' max(compute, memory)
    ** + launch_ns + kernel_gap_ns between them; energies less static_w x their rows' latency */
    arch_cfg *h = lpt_arch("h100");
    json_t *ops = json_object_get(o, "ops");
    double mm_ns = 0, mm_pj = 0, mm_row = 0, at_busy = 0, at_pj = 0, at_row = 0;
    int kernels = 0;
    for (size_t i = 0; i < json_array_size(ops); i++) {
        json_t *r = json_array_get(ops, i);
        double c = json_real_value(json_object_get(r, "compute_ns")),
               m = json_real_value(json_object_get(r, "memory_ns"));
        double lat = json_real_value(json_object_get(r, "latency_ns")),
               pj = json_real_value(json_object_get(r, "energy_pj"));
        if (json_integer_value(json_object_get(r, "line")) == 16)
            mm_ns = fmax(c, m) + h->launch_ns, mm_row = lat, mm_pj = pj - h->power.static_w * lat * 1e3;
        if (!strcmp(json_string_value(json_object_get(r, "kind")), "attention")) {
            at_row += lat, at_pj += pj - h->power.static_w * lat * 1e3;
            if (strcmp(json_string_value(json_object_get(r, "bound")), "none")) at_busy += fmax(c, m), kernels++;
        }
    }
    CU_ASSERT(kernels > 1);
    json_t *mm = json_array_get(rows, 0), *at = json_array_get(rows, 5);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(at, "kind")), "attention");
    CU_ASSERT(fabs(json_real_value(json_object_get(mm, "predicted_latency_ns")) - mm_ns) < 1e-6);
    CU_ASSERT(fabs(json_real_value(json_object_get(mm, "row_latency_ns")) - mm_row) < 1e-6);
    CU_ASSERT(fabs(json_real_value(json_object_get(mm, "predicted_energy_pj")) - mm_pj) < 1e-3);
    CU_ASSERT(fabs(json_real_value(json_object_get(at, "predicted_latency_ns")) -
                   (at_busy + h->launch_ns + (kernels - 1) * h->kernel_gap_ns)) < 1e-6);
    CU_ASSERT(fabs(json_real_value(json_object_get(at, "row_latency_ns")) - at_row) < 1e-6);
    CU_ASSERT(fabs(json_real_value(json_object_get(at, "predicted_energy_pj")) - at_pj) < 1e-3);
    arch_free(h);
    json_decref(o);
    free(out), free(err);
    /* the text table: one row per lowered op, the refusal with the mapping's reason */
    snprintf(cmd, sizeof cmd, "predict --arch h100 '%s/tests/costmodel/lower.mlir' --compare-sim", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  compare-sim: 8 ops lowered into 7 workloads"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  MAPE         latency "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  refused by the simulator: 1 op\n    48:9 gemm M=16 N=16 K=32 in_a=fp8_e5m2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  not lowered: 1\n    49:10 stablehlo.dot_general: element type f64"));
    free(out), free(err);
}

/* Splits that would stand for a size badly are refused: a prime M past its key's range (262147 runs of
** M=1, or none), a prime number of heads (257: no divisor of at least a quarter of 256), an attention of
** head width 0; 300 heads run as batch 2 x 150 heads, said in the note. An op name holding newlines stays
** in its comment line of the sweep file, and invalid UTF-8 in a name reaches the JSON as '?'. */
static void test_split_limits_and_names(void)
{
    cm_graph *g = read_text(
        "func.func @main(%c: tensor<262147x2xbf16>, %d: tensor<2x2xbf16>) -> tensor<262147x2xbf16> {\n"
        "  %1 = \"stablehlo.dot\"(%c, %d) : (tensor<262147x2xbf16>, tensor<2x2xbf16>) -> tensor<262147x2xbf16>\n"
        "  return %1 : tensor<262147x2xbf16>\n}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    cm_lowering l;
    lower_of(g, &l);
    CU_ASSERT_EQUAL(l.nitems, 0);
    CU_ASSERT_EQUAL_FATAL(l.nskipped, 1);
    CU_ASSERT_STRING_EQUAL(l.skipped[0].reason,
                           "a size past its key's range without a divisor that fits (b 1, m 262147, n 2)");
    cm_lowering_free(&l);
    cm_graph_free(g);
    static char text[16384];
    static const struct {
        int H, D;
        const char *spec, *note, *why;
    } cases[] = {
        {300, 2,
         "attention kind=prefill batch=2 heads=150 kv_heads=150 head_dim=2 seq=2 causal=1 in=bf16 kv=bf16 out=bf16",
         "heads 300 as 2 x 150, the 2 into batch", NULL},
        {257, 2, NULL, NULL, "heads 257 past the workload's 256 without a divisor that fits"},
        {2, 0, NULL, NULL, "an empty attention (a size of 0)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        attention_text(text, sizeof text, cases[k].H, 2, 2, cases[k].D, "bf16", true);
        g = read_text(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL_FATAL(g->npatterns, 1);
        lower_of(g, &l);
        if (cases[k].spec) {
            expect_spec(g, &l, 2, cases[k].spec, 1);
            CU_ASSERT_PTR_NOT_NULL(strstr(l.items[0].note, cases[k].note));
        } else {
            CU_ASSERT_FATAL(l.nskipped >= 1);
            if (!strstr(l.skipped[0].reason, cases[k].why)) fprintf(stderr, "\n  reason '%s'", l.skipped[0].reason);
            CU_ASSERT_PTR_NOT_NULL(strstr(l.skipped[0].reason, cases[k].why));
            for (int32_t i = 0; i < l.nitems; i++) CU_ASSERT(strncmp(l.items[i].spec, "attention", 9) != 0);
        }
        cm_lowering_free(&l);
        cm_graph_free(g);
    }
    /* names: a newline and a byte that is not UTF-8 in an op's name */
    char dir[] = "/tmp/lpt_lown_XXXXXX", path[256], cmd[1024], *out = NULL, *err = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/n.mlir", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("func.func @main(%a: tensor<4x4xbf16>, %b: tensor<4x4xbf16>) -> tensor<4x4xbf16> {\n"
          "  %0 = \"stablehlo.dot\"(%a, %b) : (tensor<4x4xbf16>, tensor<4x4xbf16>) -> tensor<4x4xbf16>\n"
          "  %1 = \"x.y\\0Aaxes: [{key: cores, values: [1, 2]}]\\0A#\\FF\"(%0) : (tensor<4x4xbf16>) -> "
          "tensor<4x4xbf16>\n"
          "  return %1 : tensor<4x4xbf16>\n}\n",
          f);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "lower '%s' --arch h100 -o '%s/n.yaml'", path, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "sweep '%s/n.yaml' --dry-run", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 point (0 dropped by the constraints), 1 distinct architecture"));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "lower '%s' --arch h100 --json", path);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"op\": \"x.y?axes: [{key: cores, values: [1, 2]}]?#?\""));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "predict --arch h100 '%s' --json", path);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"op\": \"x.y?axes: [{key: cores, values: [1, 2]}]?#?\""));
    free(out), free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

CU_TestInfo lpt_lower_tests[] = {
    {"lower/specs_by_hand", test_by_hand},
    {"lower/attentions_prefill_decode_mask_f32_heads_lengths", test_attentions},
    {"lower/splits_past_key_ranges", test_splits},
    {"lower/split_limits_and_names", test_split_limits_and_names},
    {"lower/formats_table_parses", test_formats},
    {"lower/sweep_file_round_trip", test_sweep_round_trip},
    {"compare_sim/simulated_equals_lpsim_run", test_compare_equals_run},
    CU_TEST_INFO_NULL,
};
