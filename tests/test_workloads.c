/*
** test_workloads.c — workloads/: counts of every kind against closed forms
** written out here (not calls into wl_count), the inline form's round trip
** through wl_print, its diagnostics (message, column and status, exactly),
** workload files (each inline diagnostic's twin at its line and column, the
** YAML-only errors, equal specs from a file and its inline twin, reading),
** the largest workloads without overflow, the reference page listing
** every key, and plans without programs (wl_gen_opts.plan_only) equal to
** those of full generations, refusals included, over every kind and path.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_test.h"
#include "wl_gen.h"
#include "workload.h"

static bool parse(const char *text, wl_spec *s)
{
    lp_diag d;
    lp_status st = wl_parse_inline(text, "<t>", 1, 1, s, &d);
    if (st) fprintf(stderr, "\n  '%s': %s (col %d)", text, d.msg, d.col);
    CU_ASSERT_EQUAL(st, LP_OK);
    return st == LP_OK;
}

static bool count(const char *text, wl_counts *c)
{
    wl_spec s;
    memset(c, 0, sizeof *c);
    if (!parse(text, &s)) return false;
    wl_count(&s, c);
    CU_ASSERT_EQUAL(c->bytes, c->read_bytes + c->write_bytes);
    uint64_t v = 0, m = 0;
    for (int i = 0; i < WL_VEC_COUNT; i++) v += c->vec[i];
    for (int i = 0; i < c->n_pairs; i++) m += c->pair[i].macs;
    CU_ASSERT_EQUAL(c->vec_ops, v);
    CU_ASSERT_EQUAL(c->macs, m);
    return true;
}

static void expect_pair(const wl_counts *c, int i, const char *a, const char *b, uint64_t macs)
{
    CU_ASSERT_FATAL(i < c->n_pairs);
    CU_ASSERT_STRING_EQUAL(c->pair[i].a.name, a);
    CU_ASSERT_STRING_EQUAL(c->pair[i].b.name, b);
    CU_ASSERT_EQUAL(c->pair[i].macs, macs);
}

static void test_gemm_and_gemv(void)
{
    wl_counts c;
    if (count("gemm M=64 N=48 K=80 batch=3 in=bf16 out=fp32", &c)) {
        CU_ASSERT_EQUAL(c.n_pairs, 1);
        expect_pair(&c, 0, "bf16", "bf16", 3ull * 64 * 48 * 80);
        CU_ASSERT_EQUAL(c.read_bytes, 3ull * 64 * 80 * 2 + 3ull * 48 * 80 * 2);
        CU_ASSERT_EQUAL(c.write_bytes, 3ull * 64 * 48 * 4);
        CU_ASSERT_EQUAL(c.vec_ops, 0);
    }
    /* MX: packed elements plus one scale byte per 32 along K, ceil(80/32) = 3 per row */
    if (count("gemm M=64 N=48 K=80 batch=3 in_a=mxfp4_e2m1 in_b=mxfp8_e4m3 out=mxfp6_e3m2 layout=kn", &c)) {
        expect_pair(&c, 0, "mxfp4_e2m1", "mxfp8_e4m3", 3ull * 64 * 48 * 80);
        CU_ASSERT_EQUAL(c.read_bytes, (3ull * 64 * 80 / 2 + 3ull * 64 * 3) + (3ull * 48 * 80 + 3ull * 48 * 3));
        /* the output quantised along N: 48 / 32 -> 2 blocks per row */
        CU_ASSERT_EQUAL(c.write_bytes, 3ull * 64 * 48 * 6 / 8 + 3ull * 64 * 2);
    }
    if (count("gemm M=2 N=2 K=32 in=mxint8", &c))
        CU_ASSERT_EQUAL(c.read_bytes, 2 * (2 * 32 + 2)); /* mxint8: 8-bit elements, one scale per row */
    /* int4 packed two per byte, an odd count rounding up: y[3] = x[5] . B[5][3] */
    if (count("gemv N=3 K=5 in_a=bf16 in_b=int4 out=fp32", &c)) {
        expect_pair(&c, 0, "bf16", "int4", 15);
        CU_ASSERT_EQUAL(c.read_bytes, 5 * 2 + 8);
        CU_ASSERT_EQUAL(c.write_bytes, 3 * 4);
    }
    if (count("gemv N=4096 K=4096 in=fp8_e4m3fn", &c)) {
        expect_pair(&c, 0, "fp8_e4m3fn", "fp8_e4m3fn", 4096ull * 4096);
        CU_ASSERT_EQUAL(c.bytes, 4096 + 4096ull * 4096 + 4096 * 2);
    }
}

static void test_attention(void)
{
    wl_counts c;
    /* causal: the lower triangle with its diagonal, 10*11/2 = 55 scores per head */
    if (count("attention kind=prefill batch=2 heads=4 kv_heads=2 head_dim=16 seq=10 causal=1", &c)) {
        uint64_t scores = 2 * 4 * 55;
        expect_pair(&c, 0, "bf16", "bf16", 2 * scores * 16);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_SOFTMAX], 6 * scores);
        CU_ASSERT_EQUAL(c.vec_ops, 6 * scores);
        CU_ASSERT_EQUAL(c.read_bytes, 2 * 4 * 10 * 16 * 2 + 2 * (2 * 2 * 10 * 16 * 2));
        CU_ASSERT_EQUAL(c.write_bytes, 2 * 4 * 10 * 16 * 2);
    }
    if (count("attention kind=prefill batch=2 heads=4 kv_heads=2 head_dim=16 seq=10 causal=0", &c)) {
        expect_pair(&c, 0, "bf16", "bf16", 2 * (2 * 4 * 100) * 16);
        CU_ASSERT_EQUAL(c.vec_ops, 6 * 2 * 4 * 100);
    }
    if (count("attention kind=prefill heads=1 head_dim=1 seq=1", &c)) /* causal by default: one score */
        CU_ASSERT_EQUAL(c.macs, 2);
    /* decode: one query against ctx keys; K and V of kv_heads heads */
    if (count("attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096 in=fp16 kv=fp8_e4m3fn", &c)) {
        expect_pair(&c, 0, "fp16", "fp8_e4m3fn", 2ull * 8 * 32 * 4096 * 128);
        CU_ASSERT_EQUAL(c.vec_ops, 6ull * 8 * 32 * 4096);
        CU_ASSERT_EQUAL(c.read_bytes, 8 * 32 * 128 * 2 + 2ull * 8 * 8 * 4096 * 128);
        CU_ASSERT_EQUAL(c.write_bytes, 8 * 32 * 128 * 2);
    }
    /* GQA: the same MACs as multi-head attention, K and V bytes divided by heads/kv_heads */
    wl_counts mha, gqa;
    if (count("attention kind=prefill heads=32 kv_heads=32 head_dim=128 seq=512", &mha) &&
        count("attention kind=prefill heads=32 kv_heads=8 head_dim=128 seq=512", &gqa)) {
        CU_ASSERT_EQUAL(mha.macs, gqa.macs);
        uint64_t q_o = 2 * (32ull * 512 * 128 * 2), kv = 2 * (32ull * 512 * 128 * 2);
        CU_ASSERT_EQUAL(mha.bytes, q_o + kv);
        CU_ASSERT_EQUAL(gqa.bytes, q_o + kv / 4);
    }
    /* MX K and V: quantised along head_dim, 128 / 32 = 4 scales per row */
    if (count("attention kind=decode heads=2 head_dim=128 ctx=3 kv=mxfp8_e5m2", &c))
        CU_ASSERT_EQUAL(c.read_bytes, 2 * 128 * 2 + 2 * (2 * 3 * 128 + 2 * 3 * 4));
}

/* tiny: hidden 64, heads 4, kv_heads 2, head_dim 16 (Q 64 wide, K and V 32), MLP 128 SwiGLU, RMSNorm, rotary */
static void test_tiny_layer(void)
{
    wl_counts c;
    if (count("layer model=tiny phase=prefill tokens=8", &c)) {
        expect_pair(&c, 0, "bf16", "bf16",
                    8 * 64 * 64 + 2 * 8 * 64 * 32 + 8 * 64 * 64 + 3 * 8 * 64 * 128 + 2 * (4 * 36) * 16);
        CU_ASSERT_EQUAL(c.n_pairs, 1);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_SOFTMAX], 6 * 4 * 36);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_NORM], 2 * 4 * 8 * 64);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ACT], 5 * 8 * 128);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ROTARY], 3 * 8 * (64 + 32));
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ADD], 2 * 8 * 64);
        /* x; Q, K, V, O; gate, up, down; two norm weights */
        CU_ASSERT_EQUAL(c.read_bytes, 8 * 64 * 2 + (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 128 * 64) * 2 + 2 * 64 * 2);
        CU_ASSERT_EQUAL(c.write_bytes, 2 * 8 * 32 * 2 + 8 * 64 * 2); /* new K and V, the output */
    }
    /* decode at ctx 10, two sequences: 9 cached tokens read, the new one written */
    if (count("layer model=tiny phase=decode ctx=10 batch=2 w=int4 a=bf16 kv=fp8_e4m3fn", &c)) {
        CU_ASSERT_EQUAL(c.n_pairs, 2);
        expect_pair(&c, 0, "bf16", "int4", 2 * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128));
        expect_pair(&c, 1, "bf16", "fp8_e4m3fn", 2 * (2 * 4 * 10) * 16);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_SOFTMAX], 6 * 2 * 4 * 10);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ROTARY], 3 * 2 * 96);
        CU_ASSERT_EQUAL(c.read_bytes, 2 * 64 * 2 + (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 128 * 64) / 2 + 2 * 64 * 2 +
                                          2 * (2 * 9 * 2 * 16));
        CU_ASSERT_EQUAL(c.write_bytes, 2 * (2 * 2 * 16) + 2 * 64 * 2);
    }
}

/* Activations narrower than 16 bits: the projections take them (MX names
** parsed with their element widths), everything else stays bf16: the
** attention core, the input and output, the norm weights; a model's
** embedding table is bf16 when the weights are MX. */
static void test_narrow_activations(void)
{
    wl_spec s;
    if (parse("layer model=tiny phase=prefill tokens=8 w=mxfp4_e2m1 a=mxfp8_e4m3", &s)) {
        CU_ASSERT(s.w.mx && s.w.bits == 4 && s.a.mx && s.a.bits == 8);
        CU_ASSERT_STRING_EQUAL(s.a.name, "mxfp8_e4m3");
    }
    wl_counts c;
    if (count("layer model=tiny phase=prefill tokens=8 w=mxfp4_e2m1 a=mxfp8_e4m3", &c)) {
        CU_ASSERT_EQUAL(c.n_pairs, 2);
        expect_pair(&c, 0, "mxfp8_e4m3", "mxfp4_e2m1", 8 * 64 * 64 + 2 * 8 * 64 * 32 + 8 * 64 * 64 + 3 * 8 * 64 * 128);
        expect_pair(&c, 1, "bf16", "bf16", 2 * (4 * 36) * 16);
        /* weights: 4-bit elements plus a scale per 32 along `in` (64: 2, 128: 4) */
        uint64_t w = (64 * 64 / 2 + 64 * 2) * 2 + (32 * 64 / 2 + 32 * 2) * 2 + (128 * 64 / 2 + 128 * 2) * 2 +
                     (64 * 128 / 2 + 64 * 4);
        CU_ASSERT_EQUAL(c.read_bytes, 8 * 64 * 2 + w + 2 * 64 * 2);
        CU_ASSERT_EQUAL(c.write_bytes, 2 * 8 * 32 * 2 + 8 * 64 * 2);
    }
    wl_counts e;
    if (count("layer model=tiny phase=decode ctx=10 w=fp8_e4m3fn a=fp8_e4m3fn", &c) &&
        count("layer model=tiny phase=decode ctx=10 w=fp8_e4m3fn a=bf16", &e)) {
        expect_pair(&c, 0, "fp8_e4m3fn", "fp8_e4m3fn", 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128);
        expect_pair(&c, 1, "bf16", "bf16", 2 * 4 * 10 * 16);
        CU_ASSERT_EQUAL(c.bytes, e.bytes); /* the same tensors stored: only the projections' A differs */
    }
    if (count("model model=tiny phase=decode ctx=10 w=mxfp8_e4m3 a=mxfp8_e4m3", &c) &&
        count("model model=tiny phase=decode ctx=10 w=bf16 a=bf16", &e)) {
        uint64_t wq = 64 * 64 + 64 * 2, wk = 32 * 64 + 32 * 2, wu = 128 * 64 + 128 * 2, wd = 64 * 128 + 64 * 4;
        uint64_t mx_w = 2 * (wq * 2 + wk * 2 + wu * 2 + wd) + 256 * 64 + 256 * 2; /* 2 layers, vocabulary */
        uint64_t bf_w = 2 * 2 * (64 * 64 * 2 + 32 * 64 * 2 + 128 * 64 * 2 + 64 * 128) + 256 * 64 * 2;
        CU_ASSERT_EQUAL(c.read_bytes + bf_w, e.read_bytes + mx_w); /* the embedding row stays bf16 */
        CU_ASSERT_EQUAL(c.write_bytes, e.write_bytes);
    }
}

static void test_models(void)
{
    wl_counts layer, c;
    /* tiny model prefill: 2 layers, then embedding (ids, rows; output written), final norm and vocabulary */
    if (count("layer model=tiny phase=prefill tokens=8", &layer) &&
        count("model model=tiny phase=prefill tokens=8", &c)) {
        expect_pair(&c, 0, "bf16", "bf16", 2 * layer.macs + 8 * 64 * 256);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_NORM], 2 * layer.vec[WL_VEC_NORM] + 4 * 8 * 64);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ADD], 2 * layer.vec[WL_VEC_ADD]);
        CU_ASSERT_EQUAL(c.read_bytes,
                        2 * layer.read_bytes + (8 * 4 + 8 * 64 * 2) + (8 * 64 * 2 + 64 * 2) + 256 * 64 * 2);
        CU_ASSERT_EQUAL(c.write_bytes, 2 * layer.write_bytes + 8 * 64 * 2 + 8 * 256 * 2);
    }
    /* decode: the vocabulary projection for the one new token per sequence */
    if (count("layer model=tiny phase=decode ctx=5 batch=3", &layer) &&
        count("model model=tiny phase=decode ctx=5 batch=3", &c))
        CU_ASSERT_EQUAL(c.macs, 2 * layer.macs + 3 * 64 * 256);
    /* gpt2: GELU (2 matrices, 8 ops), LayerNorm (7 ops, weight and bias), learned positions, no rotary */
    if (count("layer model=gpt2 phase=prefill tokens=4", &layer) &&
        count("model model=gpt2 phase=prefill tokens=4", &c)) {
        CU_ASSERT_EQUAL(layer.macs, 4ull * 768 * 768 * 4 + 2ull * 4 * 768 * 3072 + 2 * (12 * 10) * 64);
        CU_ASSERT_EQUAL(layer.vec[WL_VEC_ACT], 8 * 4 * 3072);
        CU_ASSERT_EQUAL(layer.vec[WL_VEC_NORM], 2 * 7 * 4 * 768);
        CU_ASSERT_EQUAL(layer.vec[WL_VEC_ROTARY], 0);
        CU_ASSERT_EQUAL(c.vec[WL_VEC_ADD], 12 * layer.vec[WL_VEC_ADD] + 4 * 768);
        CU_ASSERT_EQUAL(c.read_bytes, 12 * layer.read_bytes + (4 * 4 + 2 * 4 * 768 * 2) + (4 * 768 * 2 + 2 * 768 * 2) +
                                          50257ull * 768 * 2);
    }
    /* llama-3-8b, one layer, prefill of 2048 tokens, by hand:
    **   Q, O      2 x 2048 x 4096 x 4096       =  68,719,476,736
    **   K, V      2 x 2048 x 4096 x 1024       =  17,179,869,184
    **   MLP       3 x 2048 x 4096 x 14336      = 360,777,252,864
    **   QK^T, PV  2 x 32 x (2048 x 2049 / 2) x 128 =  17,188,257,792
    **   total                                   = 463,864,856,576 */
    if (count("layer model=llama-3-8b phase=prefill tokens=2048", &c)) CU_ASSERT_EQUAL(c.macs, 463864856576ull);
    const wl_model *m = wl_model_get(WL_LLAMA_3_8B);
    CU_ASSERT(m->hidden == 4096 && m->layers == 32 && m->heads == 32 && m->kv_heads == 8 && m->head_dim == 128 &&
              m->mlp == 14336 && m->vocab == 128256 && m->act == WL_ACT_SWIGLU && m->pos == WL_POS_ROTARY);
    m = wl_model_get(WL_LLAMA_2_7B);
    CU_ASSERT(m->hidden == 4096 && m->layers == 32 && m->kv_heads == 32 && m->mlp == 11008 && m->vocab == 32000);
    m = wl_model_get(WL_GPT2);
    CU_ASSERT(m->hidden == 768 && m->layers == 12 && m->heads == 12 && m->mlp == 3072 && m->vocab == 50257 &&
              m->norm == WL_NORM_LN && m->pos == WL_POS_LEARNED && m->positions == 1024);
}

/* The largest values of each kind, counted again in double: a wrapped count would be far off. */
static void test_largest_without_overflow(void)
{
    wl_counts c;
    double n = 262144.0;
    if (count("attention kind=prefill batch=256 heads=256 head_dim=1024 seq=262144 causal=0 in=fp32 kv=fp32 out=fp32",
              &c)) {
        CU_ASSERT_EQUAL(c.macs, 1ull << 63);
        CU_ASSERT_DOUBLE_EQUAL((double)c.bytes, 4.0 * 4 * 256 * 256 * n * 1024, 1.0);
    }
    if (count("gemm M=262144 N=262144 K=262144 batch=256 in=fp32 out=fp32", &c)) CU_ASSERT_EQUAL(c.macs, 1ull << 62);
    if (count("model model=llama-3-8b phase=prefill tokens=262144 batch=256 w=fp32 a=fp32 kv=fp32", &c)) {
        double r = 256 * n, h = 4096,
               layer = r * h * (2 * 4096 + 2 * 1024) + 3 * r * h * 14336 + 256 * 32 * 128 * n * (n + 1);
        double macs = 32 * layer + r * h * 128256;
        CU_ASSERT(fabs((double)c.macs - macs) <= macs * 1e-12);
        CU_ASSERT(macs < 4.7e18); /* below 2^62 */
    }
}

static char *print_to_string(const wl_spec *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    wl_print(s, f);
    fclose(f);
    return buf;
}

static void test_print_parse_round_trip(void)
{
    static const char *texts[] = {
        "gemm M=4096 N=4096 K=4096 in=bf16 out=bf16",
        "gemm M=3 N=5 K=7 batch=4 in=fp8_e4m3fn in_b=mxfp4_e2m1 out=fp32 layout=kn",
        "gemm M=1 N=1 K=1 in_a=float8_e5m2 in_b=e3m2_b5 out=mxint8",
        "gemv N=4096 K=4096 in=int4",
        "gemm M=8 N=8 K=64 in=int8 dist=normal",
        "gemv N=64 K=64 in=int4 dist=uniform",
        "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=4096 causal=1",
        "attention kind=prefill heads=12 head_dim=64 seq=7 causal=0 in=fp16 kv=mxfp6_e2m3",
        "attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096",
        "layer model=llama-3-8b phase=prefill tokens=2048",
        "layer model=tiny phase=decode ctx=3 w=int4 a=bf16 kv=fp8_e4m3fn",
        "model model=llama-3-8b phase=decode ctx=4096 batch=1",
        "model model=gpt2 phase=prefill tokens=1024 w=mxfp8_e5m2 a=mxfp8_e4m3",
        "layer model=tiny phase=decode ctx=3 w=mxfp4_e2m1 a=mxfp6_e3m2",
        "model model=llama-2-7b phase=prefill tokens=16 batch=2",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        wl_spec a, b;
        if (!parse(texts[i], &a)) continue;
        char *p = print_to_string(&a);
        if (parse(p, &b)) {
            if (!wl_spec_equal(&a, &b)) fprintf(stderr, "\n  '%s' printed as '%s'", texts[i], p);
            CU_ASSERT_TRUE(wl_spec_equal(&a, &b));
        }
        free(p);
    }
    /* every key explicit, aliases canonical, keys of the other phase left out */
    static const char *exact[][2] = {
        {"gemm K=3 N=2 M=1 in=float8_e4m3fn", "gemm M=1 N=2 K=3 batch=1 in=fp8_e4m3fn in_a=fp8_e4m3fn "
                                              "in_b=fp8_e4m3fn out=bf16 layout=nk"},
        {"attention head_dim=8 ctx=9 heads=4 kind=decode",
         "attention kind=decode batch=1 heads=4 kv_heads=4 head_dim=8 ctx=9 in=bf16 kv=bf16 out=bf16"},
        {"model phase=prefill model=tiny tokens=5",
         "model model=tiny phase=prefill batch=1 tokens=5 w=bf16 a=bf16 kv=bf16"},
        /* dist= printed only when not the default: specs from before the key print as they did */
        {"gemv dist=outliers K=8 N=2", "gemv N=2 K=8 in=bf16 in_a=bf16 in_b=bf16 out=bf16 dist=outliers"},
        {"gemm M=1 N=2 K=3 dist=default", "gemm M=1 N=2 K=3 batch=1 in=bf16 in_a=bf16 in_b=bf16 out=bf16 layout=nk"},
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        wl_spec a;
        if (!parse(exact[i][0], &a)) continue;
        char *p = print_to_string(&a);
        CU_ASSERT_STRING_EQUAL(p, exact[i][1]);
        free(p);
    }
    wl_spec a, b;
    if (parse("gemm M=1 N=2 K=3", &a) && parse("gemm M=1 N=2 K=3 in_b=int8", &b))
        CU_ASSERT_FALSE(wl_spec_equal(&a, &b));
    if (parse("gemm M=1 N=2 K=3", &a) && parse("gemm M=1 N=2 K=3 dist=normal", &b))
        CU_ASSERT_FALSE(wl_spec_equal(&a, &b));
    for (int i = 0; i < WL_DIST_COUNT; i++) {
        char t[64];
        snprintf(t, sizeof t, "gemv N=1 K=1 dist=%s", wl_dist_name((uint64_t)i));
        if (parse(t, &a)) CU_ASSERT_EQUAL(a.dist, (uint64_t)i);
    }
}

/* Each case: the text, col0, the status, the marker (the error's column is
** col0 plus the offset of the marker's first occurrence in the text; "" is
** the end) and the exact message; then the message of the file twin (see
** yaml_twin) where it differs (NULL: the same; "": the case has no twin: an
** empty text, a token without '='). */
static const struct {
    const char *text;
    int col0;
    lp_status st;
    const char *at, *msg, *file_msg;
} diag_cases[] = {
    {"gem M=1", 1, LP_ERR_PARSE, "gem", "unknown workload 'gem' (did you mean 'gemm'?)", NULL},
    {"  ", 1, LP_ERR_PARSE, "", "empty workload (expected gemm, gemv, attention, layer or model)", ""},
    {"conv x=1", 1, LP_ERR_PARSE, "conv", "unknown workload 'conv' (expected gemm, gemv, attention, layer or model)",
     NULL},
    {"attention kind=prefill heads=32 hed_dim=128 seq=4", 1, LP_ERR_PARSE, "hed_dim",
     "unknown key 'hed_dim' for attention (did you mean 'head_dim'?)", NULL},
    {"gemm m=1 N=1 K=1", 1, LP_ERR_PARSE, "m=", "unknown key 'm' for gemm (did you mean 'M'?)", NULL},
    {"gemv N=1 K=1 M=1", 1, LP_ERR_PARSE, "M=",
     "unknown key 'M' for gemv (keys: N, K, in, in_a, in_b, out, tm, tn, tk, order, split_k, cores, resident, dist)",
     NULL},
    {"gemv N=1 K=1 dist=foo", 1, LP_ERR_PARSE, "foo",
     "unknown dist 'foo' (expected one of: default, normal, outliers, uniform)", NULL},
    {"gemm M=1 N=1 K=1 dist=outlier", 1, LP_ERR_PARSE, "outlier", "unknown dist 'outlier' (did you mean 'outliers'?)",
     NULL},
    {"gemm M=1 N=2 M=3 K=1", 1, LP_ERR_PARSE, "M=3", "key 'M' given twice (first at column 6)",
     "key 'M' given twice (first at line 2, column 1)"},
    {"gemm M=1 N 1", 1, LP_ERR_PARSE, "N 1", "expected KEY=VALUE, got 'N'", ""},
    {"gemm M= N=1 K=1", 1, LP_ERR_PARSE, "M=", "key 'M' has no value", NULL},
    {"  gemm M=1 N=2", 5, LP_ERR_PARSE, "gemm", "missing key 'K' for gemm", NULL},
    {"attention kind=prefill heads=4 head_dim=8", 1, LP_ERR_PARSE, "attention",
     "missing key 'seq' for attention kind=prefill", "missing key 'seq' for attention phase=prefill"},
    {"layer phase=decode ctx=4", 1, LP_ERR_PARSE, "layer", "missing key 'model' for layer", NULL},
    {"gemm M=0 N=1 K=1", 1, LP_ERR_RANGE, "0 N", "M must be between 1 and 262144, got 0", NULL},
    {"gemm M=99999999999999999999 N=1 K=1", 1, LP_ERR_RANGE, "999",
     "M must be between 1 and 262144, got 99999999999999999999", NULL},
    {"attention kind=decode heads=4 head_dim=2048 ctx=1", 1, LP_ERR_RANGE, "2048",
     "head_dim must be between 1 and 1024, got 2048", NULL},
    {"gemm M=4k N=1 K=1", 1, LP_ERR_PARSE, "4k", "M must be a whole number, got '4k'", NULL},
    {"gemm M=010 N=1 K=1", 1, LP_ERR_PARSE, "010",
     "M must be a whole number, got '010': a leading 0 (octal?): write it in decimal or 0x hex", NULL},
    {"gemm M=1 N=1 K=1 in=bf61", 1, LP_ERR_FORMAT, "bf61", "unknown format 'bf61' (did you mean 'bf16'?)", NULL},
    {"attention kind=prefill heads=4 head_dim=8 seq=4 causal=2", 1, LP_ERR_RANGE, "2", "causal must be 0 or 1, got 2",
     NULL},
    {"attention kind=prefil heads=4 head_dim=8 seq=4", 1, LP_ERR_PARSE, "prefil",
     "unknown kind 'prefil' (did you mean 'prefill'?)", "unknown phase 'prefil' (did you mean 'prefill'?)"},
    {"layer model=llama3 phase=prefill tokens=4", 1, LP_ERR_PARSE, "llama3",
     "unknown model 'llama3' (expected one of: llama-3-8b, llama-2-7b, gpt2, tiny)", NULL},
    {"attention kind=prefill heads=32 kv_heads=5 head_dim=8 seq=4", 1, LP_ERR_ARG, "5 ",
     "heads=32 is not a multiple of kv_heads=5", NULL},
    {"attention kind=decode heads=4 head_dim=8 seq=4 ctx=4", 1, LP_ERR_ARG, "seq",
     "'seq' does not apply to attention kind=decode", "'seq' does not apply to attention phase=decode"},
    {"attention kind=decode heads=4 head_dim=8 ctx=4 causal=1", 1, LP_ERR_ARG, "causal",
     "'causal' does not apply to attention kind=decode", "'causal' does not apply to attention phase=decode"},
    {"layer model=tiny phase=prefill tokens=4 ctx=8", 1, LP_ERR_ARG, "ctx",
     "'ctx' does not apply to layer phase=prefill", NULL},
    {"model model=gpt2 phase=prefill tokens=2048", 1, LP_ERR_ARG, "2048",
     "tokens=2048 exceeds the 1024 learned positions of gpt2", NULL},
    {"gemm M=1 N=1 K=x", 20, LP_ERR_PARSE, "x", "K must be a whole number, got 'x'", NULL},
    {"layer model=tiny phase=decode ctx=4 w=mxfp4_e2m1", 1, LP_ERR_ARG, "mxfp4",
     "w=mxfp4_e2m1 needs MX activations too (a=mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, ...), not a=bf16: the MX tensor "
     "cores multiply two MX operands",
     NULL},
    {"model model=tiny phase=prefill tokens=4 a=mxfp8_e4m3 w=int4", 1, LP_ERR_ARG, "mxfp8",
     "a=mxfp8_e4m3 needs MX weights too (w=mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, ...), not w=int4: the MX tensor cores "
     "multiply two MX operands",
     NULL},
    {"layer model=tiny phase=prefill tokens=4 w=fp8_e4m3fn a=mxfp6_e3m2", 1, LP_ERR_ARG, "mxfp6",
     "a=mxfp6_e3m2 needs MX weights too (w=mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, ...), not w=fp8_e4m3fn: the MX "
     "tensor cores multiply two MX operands",
     NULL},
};
#define N_DIAG_CASES (sizeof diag_cases / sizeof diag_cases[0])

static void test_diagnostics(void)
{
    for (size_t i = 0; i < N_DIAG_CASES; i++) {
        wl_spec s;
        lp_diag d;
        const char *text = diag_cases[i].text;
        lp_status st = wl_parse_inline(text, "<command-line>", 1, diag_cases[i].col0, &s, &d);
        const char *at = diag_cases[i].at[0] ? strstr(text, diag_cases[i].at) : text + strlen(text);
        int col = diag_cases[i].col0 + (int)(at - text);
        if (st != diag_cases[i].st || d.col != col || strcmp(d.msg, diag_cases[i].msg))
            fprintf(stderr, "\n  '%s': status %d col %d (want %d) '%s'", text, (int)st, d.col, col, d.msg);
        CU_ASSERT_EQUAL(st, diag_cases[i].st);
        CU_ASSERT_EQUAL(d.line, 1);
        CU_ASSERT_EQUAL(d.col, col);
        CU_ASSERT_STRING_EQUAL(d.msg, diag_cases[i].msg);
        CU_ASSERT_EQUAL(wl_parse_inline(text, "x", 1, 1, &s, NULL), diag_cases[i].st); /* d may be NULL */
    }
}

/* ---- workload files ------------------------------------------------------------------ */

/* The file twin of inline text, written here by hand rather than by the
** library: "kind: WORD", then "KEY: VALUE" for each token on a line of its
** own (attention's kind= written phase:). *line and *col receive the place
** of the text's byte at offset at in the twin. */
static void yaml_twin(const char *text, size_t at, char *out, size_t n, int *line, int *col)
{
    size_t o = 0, u = 0;
    bool attention = false;
    *line = *col = 0;
    for (int ti = 0;; ti++) {
        while (text[o] == ' ' || text[o] == '\t') o++;
        if (!text[o]) break;
        size_t len = strcspn(text + o, " \t");
        const char *t = text + o;
        if (ti == 0) {
            attention = len == 9 && !strncmp(t, "attention", 9);
            u += (size_t)snprintf(out + u, n - u, "kind: %.*s\n", (int)len, t);
            if (at >= o && at <= o + len) *line = 1, *col = 7 + (int)(at - o);
        } else {
            const char *eq = memchr(t, '=', len);
            CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
            size_t kn = (size_t)(eq - t);
            const char *key = attention && kn == 4 && !strncmp(t, "kind", 4) ? "phase" : NULL;
            int fk = key ? 5 : (int)kn;
            u += (size_t)snprintf(out + u, n - u, "%.*s: %.*s\n", fk, key ? key : t, (int)(len - kn - 1), eq + 1);
            if (at >= o && at <= o + kn) *line = ti + 1, *col = 1 + (int)(at - o);
            if (at > o + kn && at <= o + len) *line = ti + 1, *col = fk + 3 + (int)(at - o - kn - 1);
        }
        CU_ASSERT_FATAL(u < n);
        o += len;
    }
}

static lp_status parse_yaml(const char *y, wl_spec *s, lp_diag *d)
{
    return wl_parse_yaml_text(y, strlen(y), "w.yaml", s, d);
}

/* Every inline diagnostic has its twin in a file, at the key's or the value's
** line and column, with the same status and message (or the one given). */
static void test_file_diagnostics_twins(void)
{
    int twins = 0;
    for (size_t i = 0; i < N_DIAG_CASES; i++) {
        const char *text = diag_cases[i].text, *fm = diag_cases[i].file_msg;
        if (fm && !fm[0]) continue;
        char y[512];
        int line, col;
        const char *at = strstr(text, diag_cases[i].at);
        yaml_twin(text, (size_t)(at - text), y, sizeof y, &line, &col);
        CU_ASSERT_FATAL(line > 0);
        wl_spec s;
        lp_diag d;
        lp_status st = parse_yaml(y, &s, &d);
        const char *want = fm ? fm : diag_cases[i].msg;
        if (st != diag_cases[i].st || d.line != line || d.col != col || strcmp(d.msg, want))
            fprintf(stderr, "\n  twin of '%s': status %d at %d:%d (want %d:%d) '%s'", text, (int)st, d.line, d.col,
                    line, col, d.msg);
        CU_ASSERT_EQUAL(st, diag_cases[i].st);
        CU_ASSERT_EQUAL(d.line, line);
        CU_ASSERT_EQUAL(d.col, col);
        CU_ASSERT_STRING_EQUAL(d.msg, want);
        CU_ASSERT_STRING_EQUAL(d.file, "w.yaml");
        CU_ASSERT_EQUAL(parse_yaml(y, &s, NULL), diag_cases[i].st); /* d may be NULL */
        twins++;
    }
    CU_ASSERT_EQUAL(twins, (int)N_DIAG_CASES - 2);
}

/* What only a file can get wrong: its shape, YAML itself, kind: (line, column, message, exactly). */
static void test_file_diagnostics_yaml(void)
{
    static const struct {
        const char *y;
        lp_status st;
        int line, col;
        const char *msg;
    } cases[] = {
        {"", LP_ERR_PARSE, 1, 1,
         "empty workload file (expected kind: gemm, gemv, attention, layer or model, and its keys)"},
        {"# nothing\n---\n...\n", LP_ERR_PARSE, 1, 1,
         "empty workload file (expected kind: gemm, gemv, attention, layer or model, and its keys)"},
        {"gemm M=1 N=1 K=1\n", LP_ERR_PARSE, 1, 1,
         "a workload file is a mapping of keys (kind: gemm, M: 4096, ...), got the value 'gemm M=1 N=1 K=1'"},
        {"- kind: gemm\n", LP_ERR_PARSE, 1, 1,
         "a workload file is a mapping of keys (kind: gemm, M: 4096, ...), got a list"},
        {"kind: gemm\n---\nkind: gemv\n", LP_ERR_PARSE, 2, 1, "a workload file holds one YAML document"},
        {"M: 1\nN: 2\n", LP_ERR_PARSE, 1, 1, "missing key 'kind' (gemm, gemv, attention, layer or model)"},
        {"{}", LP_ERR_PARSE, 1, 1, "missing key 'kind' (gemm, gemv, attention, layer or model)"},
        {"M: 1\nknd: gemm\n", LP_ERR_PARSE, 2, 1, "unknown key 'knd' (did you mean 'kind'?)"},
        {"kind:\nM: 1\n", LP_ERR_PARSE, 1, 1,
         "key 'kind' has no value (expected gemm, gemv, attention, layer or model)"},
        {"kind: [gemm]\n", LP_ERR_PARSE, 1, 7, "kind must be a single value, got a list"},
        {"kind: gemm\nM: 1\nN: {a: 1}\nK: 1\n", LP_ERR_PARSE, 3, 4, "N must be a single value, got a mapping"},
        {"kind: gemm\nM:\n  - 1\n", LP_ERR_PARSE, 3, 3, "M must be a single value, got a list"},
        {"kind: gemm\n[M]: 1\n", LP_ERR_PARSE, 2, 1, "a key must be a plain word, not a list"},
        {"kind: gemm\nM: &m 1\nN: *m\nK: 1\n", LP_ERR_PARSE, 3, 4,
         "aliases (*m) are not allowed in a workload file: write the value out"},
        {"kind: gemm\nM: \"1\\0\"\n", LP_ERR_PARSE, 2, 4, "a NUL character (\\0) cannot be part of a value"},
        {"kind: gemm\n\tM: 1\n", LP_ERR_PARSE, 2, 1,
         "found a tab character that violates indentation while scanning a plain scalar"},
        {"kind: gemm\nM: \"1\n", LP_ERR_PARSE, 3, 1, "found unexpected end of stream while scanning a quoted scalar"},
        {"kind: gemm\nM: 1\x01\n", LP_ERR_PARSE, 2, 5, "control characters are not allowed (byte 0x01)"},
        {"kind: gemm\nM: 1\nkind: gemv\n", LP_ERR_PARSE, 3, 1, "key 'kind' given twice (first at line 1, column 1)"},
        {"kind: attention\nkind: prefill\n", LP_ERR_PARSE, 2, 1,
         "key 'kind' given twice (first at line 1, column 1); attention's kind=prefill|decode is phase: in a file"},
        {"kind: attention\nphse: decode\n", LP_ERR_PARSE, 2, 1,
         "unknown key 'phse' for attention (did you mean 'phase'?)"},
        /* kind: may stand anywhere; a missing key is reported at its value */
        {"M: 1\nN: 2\n# gemm\nkind:   gemm\n", LP_ERR_PARSE, 4, 9, "missing key 'K' for gemm"},
        {"kind: gemm\nM: -1\n", LP_ERR_RANGE, 2, 4, "M must be between 1 and 262144, got -1"},
        {"kind: gemm\nM: 1\nN: 1\nK: 1\nin: \"bf16 \"\n", LP_ERR_FORMAT, 5, 5,
         "unknown format 'bf16 ' (format names are printable ASCII, no blanks)"},
        /* columns count characters: 'é' is two bytes, one column */
        {"# é\nkind: gemm\nM: 1\nN: 1\nK: 1\nout: \"é\"\n", LP_ERR_FORMAT, 6, 6, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wl_spec s;
        lp_diag d;
        lp_status st = parse_yaml(cases[i].y, &s, &d);
        if (st != cases[i].st || d.line != cases[i].line || d.col != cases[i].col ||
            (cases[i].msg && strcmp(d.msg, cases[i].msg)))
            fprintf(stderr, "\n  case %zu: status %d at %d:%d '%s'", i, (int)st, d.line, d.col, d.msg);
        CU_ASSERT_EQUAL(st, cases[i].st);
        CU_ASSERT_EQUAL(d.line, cases[i].line);
        CU_ASSERT_EQUAL(d.col, cases[i].col);
        if (cases[i].msg) CU_ASSERT_STRING_EQUAL(d.msg, cases[i].msg);
    }
}

/* A file and its inline twin give equal specs; so do the other ways of
** writing YAML (comments, quotes, flow style, kind: last, a BOM, CRLF). */
static void test_file_round_trip(void)
{
    static const char *texts[] = {
        "gemm M=4096 N=4096 K=4096 in=bf16 out=bf16",
        "gemm M=3 N=5 K=7 batch=4 in=fp8_e4m3fn in_b=mxfp4_e2m1 out=fp32 layout=kn tm=64 order=nm split_k=2",
        "gemv N=4096 K=4096 in=int4 cores=3",
        "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=4096 causal=0 bq=64",
        "attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096",
        "layer model=llama-3-8b phase=prefill tokens=2048 w=bf16",
        "layer model=tiny phase=decode ctx=3 w=int4 a=bf16 kv=fp8_e4m3fn",
        "model model=gpt2 phase=prefill tokens=1024 w=mxfp8_e5m2 a=mxfp8_e4m3",
        "layer model=tiny phase=decode ctx=3 w=mxfp4_e2m1 a=mxfp6_e3m2",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        wl_spec a, b;
        char y[512];
        int line, col;
        lp_diag d;
        if (!parse(texts[i], &a)) continue;
        yaml_twin(texts[i], 0, y, sizeof y, &line, &col);
        lp_status st = parse_yaml(y, &b, &d);
        if (st) fprintf(stderr, "\n  twin of '%s': %d:%d %s", texts[i], d.line, d.col, d.msg);
        CU_ASSERT_EQUAL(st, LP_OK);
        CU_ASSERT_TRUE(st == LP_OK && wl_spec_equal(&a, &b));
    }
    static const char *same[][2] = {
        {"# one Llama-3-8B decoder layer, prefill of 2048 tokens\nkind: layer\nmodel: llama-3-8b\nphase: prefill\n"
         "tokens: 2048\nw: bf16\n",
         "layer model=llama-3-8b phase=prefill tokens=2048"},
        {"{kind: gemm, M: 1, N: 2, K: 3}", "gemm M=1 N=2 K=3"},
        {"M: \"1\"\nN: '2'  # two\nK: 0x3\nkind: gemm\n", "gemm M=1 N=2 K=3"},
        {"\xef\xbb\xbfkind: gemv\r\nN: 8\r\nK: 8\r\n", "gemv N=8 K=8"},
        {"---\nkind: attention\nphase: decode\nheads: 4\nhead_dim: 8\nctx: 4\n...\n",
         "attention kind=decode heads=4 head_dim=8 ctx=4"},
        {"kind: gemm\nM: &m 5\nN: 6\nK: 7\n", "gemm M=5 N=6 K=7"}, /* an anchor alone is harmless */
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        wl_spec a, b;
        lp_diag d;
        if (!parse(same[i][1], &a)) continue;
        lp_status st = parse_yaml(same[i][0], &b, &d);
        if (st) fprintf(stderr, "\n  file %zu: %d:%d %s", i, d.line, d.col, d.msg);
        CU_ASSERT_EQUAL(st, LP_OK);
        CU_ASSERT_TRUE(st == LP_OK && wl_spec_equal(&a, &b));
    }
}

/* wl_parse_file: what cannot be read is an unplaced LP_ERR_IO; a file is
** read as its text is. */
static void test_file_reading(void)
{
    char dir[] = "/tmp/lpt_wlXXXXXX", path[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    wl_spec a, b;
    lp_diag d;
    snprintf(path, sizeof path, "%s/k.yaml", dir);
    CU_ASSERT_EQUAL(wl_parse_file(path, &a, &d), LP_ERR_IO);
    CU_ASSERT_EQUAL(d.line, 0);
    CU_ASSERT_STRING_EQUAL(d.msg, "cannot read: No such file or directory");
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("kind: gemm\nM: 2\nN: 3\nK: 4\n", f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    CU_ASSERT_EQUAL(wl_parse_file(path, &a, &d), LP_OK);
    CU_ASSERT_TRUE(parse("gemm M=2 N=3 K=4", &b) && wl_spec_equal(&a, &b));
    CU_ASSERT_EQUAL(wl_parse_file(dir, &a, &d), LP_ERR_IO);
    CU_ASSERT_EQUAL(d.line, 0);
    CU_ASSERT_STRING_EQUAL(d.msg, "cannot read: is a folder, not a regular file");
    f = fopen(path, "w"); /* one byte over the limit */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (uint64_t i = 0; i <= WL_MAX_FILE_BYTES; i++) fputc(i % 64 == 63 ? '\n' : '#', f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    CU_ASSERT_EQUAL(wl_parse_file(path, &a, &d), LP_ERR_IO);
    CU_ASSERT_EQUAL(d.line, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "larger than the limit of 65536 bytes"));
    remove(path);
    remove(dir);
}

/* docs/workloads.md has a table row "| `KEY` |" for every key of wl_keys.def. */
static void test_reference_page_lists_every_key(void)
{
    char *doc = lpt_read_file(LPSIM_SOURCE_DIR "/docs/workloads.md", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (int k = 0; k < WL_KEY_COUNT; k++) {
        char row[64];
        snprintf(row, sizeof row, "| `%s` |", wl_key_name((wl_key_id)k));
        if (!strstr(doc, row)) fprintf(stderr, "\n  docs/workloads.md lacks %s", row);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, row));
    }
    for (int m = 0; m < WL_MODEL_COUNT; m++) {
        char row[64];
        snprintf(row, sizeof row, "| `%s` |", wl_model_get((wl_model_id)m)->name);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, row));
    }
    free(doc);
}

/* ---- plans without programs (wl_gen_opts.plan_only) ------------------------------------ */

/* wl_generate of `text` on a, in full and plan-only: the status `want` in
** both, the same message when refused; else the same plan field by field
** (first_kernel and nkernels 0 in plan-only), the same instruction count,
** the same buffers, and nothing else in the plan-only program. */
static void plan_twins(const arch_cfg *a, const char *text, bool functional, lp_status want)
{
    wl_spec s;
    if (!parse(text, &s)) return;
    isa_prog p, q;
    wl_plan *full = malloc(sizeof *full), *plan = malloc(sizeof *plan);
    lp_diag df = {0}, dp = {0};
    CU_ASSERT_FATAL(full && plan);
    lp_status sf = wl_generate(&s, a, &(wl_gen_opts){3, functional, false}, &p, full, &df);
    lp_status sp = wl_generate(&s, a, &(wl_gen_opts){3, functional, true}, &q, plan, &dp);
    bool same = sf == want && sp == sf && (!sf ? full->insns == p.ninsns : !strcmp(df.msg, dp.msg));
    if (!sf) {
        same = same && plan->insns == full->insns && plan->nops == full->nops && !strcmp(plan->note, full->note);
        same = same && !q.ninsns && !q.ndata && !q.nkernels && !q.nexpects && q.nbufs == p.nbufs;
        for (size_t i = 0; same && i < q.nbufs; i++) {
            const isa_buffer *x = &p.bufs[i], *y = &q.bufs[i];
            same = !strcmp(x->name, y->name) && x->fmt == y->fmt && x->rows == y->rows && x->cols == y->cols &&
                   x->addr == y->addr;
        }
        for (int i = 0; same && i < plan->nops; i++) {
            const wl_op *x = &full->op[i], *y = &plan->op[i];
            same = !strcmp(x->name, y->name) && !strcmp(x->kind, y->kind) && !strcmp(x->shape, y->shape) &&
                   !strcmp(x->fmt, y->fmt) && x->repeat == y->repeat && x->slice == y->slice && x->nkv == y->nkv &&
                   !y->first_kernel && !y->nkernels;
            for (int k = 0; same && k < x->nkv; k++)
                same = !strcmp(x->kv[k].key, y->kv[k].key) && x->kv[k].num == y->kv[k].num &&
                       !strcmp(x->kv[k].str, y->kv[k].str);
            if (!same) fprintf(stderr, "\n  op %d (%s) differs", i, x->name);
        }
    }
    if (!same)
        fprintf(stderr, "\n  %s on %s: full %d '%s' (%llu instructions), plan only %d '%s' (%llu)", text, a->name, sf,
                sf ? df.msg : "", (unsigned long long)(sf ? 0 : full->insns), sp, sp ? dp.msg : "",
                (unsigned long long)(sp ? 0 : plan->insns));
    CU_ASSERT(same);
    isa_prog_free(&p), isa_prog_free(&q);
    free(full), free(plan);
}

typedef struct plan_case {
    const char *arch, *text;
    lp_status want;
} plan_case;

/* Every kind and path of wl_generate: GEMMs (MX, split-K, batches, one core,
** kn), attention (causal or not, edge tiles, a batch sliced, decode split
** over the cores or on one), layers and models (rotary and learned
** positions, RMSNorm and LayerNorm, SwiGLU and GELU, fp8, MX and weight-only
** formats, kv_store and kv_append, conversion kernels), the PIM arrays
** (resident weights, batches, host fallbacks), FPGA datapaths, refusals. */
static const plan_case plan_cases[] = {
    {"b200-mx", "gemm M=512 N=4096 K=4096", LP_OK},
    {"b200-mx", "gemm M=4096 N=4096 K=4096 in=fp8_e4m3fn out=fp32", LP_OK},
    {"b200-mx", "gemm M=256 N=4096 K=4096 in=mxfp8_e4m3", LP_OK},
    {"b200-mx", "gemm M=128 N=8192 K=4096 in_a=mxfp8_e4m3 in_b=mxfp4_e2m1", LP_OK},
    {"b200-mx", "gemm M=16 N=1024 K=16384", LP_OK},
    {"b200-mx", "gemm M=64 N=512 K=8192 split_k=4", LP_OK},
    {"b200-mx", "gemm M=1000 N=1000 K=1000 batch=3 layout=kn cores=7", LP_OK},
    {"b200-mx", "gemm M=512 N=512 K=512 cores=1", LP_OK},
    {"b200-mx", "gemm M=512 N=512 K=512 cores=1 order=nm tk=32", LP_OK},
    {"b200-mx", "gemv N=4096 K=4096", LP_OK},
    {"b200-mx", "gemv N=14336 K=4096 in_a=bf16 in_b=int4", LP_OK},
    {"b200-mx", "gemm M=512 N=512 K=512 tm=100000", LP_ERR_ARG},
    {"b200-mx", "gemm M=64 N=64 K=64 cores=1000", LP_ERR_ARG},
    {"b200-mx", "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=2048", LP_OK},
    {"b200-mx", "attention kind=prefill batch=2 heads=12 head_dim=64 seq=1000 causal=0", LP_OK},
    {"b200-mx", "attention kind=prefill batch=4 heads=32 kv_heads=8 head_dim=128 seq=4096", LP_OK},
    {"b200-mx", "attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096", LP_OK},
    {"b200-mx", "attention kind=decode batch=1 heads=32 kv_heads=8 head_dim=128 ctx=4096 in=fp8_e4m3fn kv=fp8_e4m3fn",
     LP_OK},
    {"b200-mx", "attention kind=decode batch=2 heads=8 head_dim=64 ctx=1000 cores=1", LP_OK},
    {"b200-mx", "layer model=llama-3-8b phase=prefill tokens=512", LP_OK},
    {"b200-mx", "layer model=llama-3-8b phase=decode ctx=4096 batch=8", LP_OK},
    {"b200-mx", "model model=llama-3-8b phase=decode ctx=4096", LP_OK},
    {"b200-mx", "layer model=llama-3-8b phase=prefill tokens=256 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn", LP_OK},
    {"b200-mx", "layer model=llama-3-8b phase=decode ctx=2048 batch=4 w=mxfp4_e2m1 a=mxfp8_e4m3", LP_OK},
    {"b200-mx", "model model=llama-3-8b phase=prefill tokens=128 w=mxfp8_e4m3 a=mxfp8_e4m3", LP_OK},
    {"b200-mx", "layer model=llama-2-7b phase=prefill tokens=200 w=int4 kv=fp8_e4m3fn", LP_OK},
    {"b200-mx", "layer model=gpt2 phase=prefill tokens=256", LP_OK},
    {"b200-mx", "model model=gpt2 phase=prefill tokens=128 batch=2", LP_OK},
    {"b200-mx", "model model=gpt2 phase=decode ctx=512 batch=4 a=fp8_e4m3fn w=fp8_e4m3fn", LP_OK},
    {"b200-mx", "model model=tiny phase=prefill tokens=40 batch=3 a=mxfp6_e2m3 w=mxfp6_e2m3", LP_OK},
    {"b200-mx", "layer model=llama-3-8b phase=decode ctx=512 kv=mxfp8_e4m3", LP_ERR_ARG},
    {"b200-mx", "model model=llama-3-8b phase=prefill tokens=2048 batch=32", LP_ERR_RANGE},
    {"h100", "gemm M=512 N=4096 K=4096", LP_OK},
    {"h100", "gemm M=4096 N=4096 K=4096 in=fp8_e4m3fn out=fp32", LP_OK},
    {"h100", "gemm M=256 N=4096 K=4096 in=mxfp8_e4m3", LP_OK},
    {"h100", "gemm M=16 N=1024 K=16384", LP_OK},
    {"h100", "gemv N=14336 K=4096 in_a=bf16 in_b=int4", LP_OK},
    {"h100", "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=2048", LP_OK},
    {"h100", "attention kind=decode batch=1 heads=32 kv_heads=8 head_dim=128 ctx=4096", LP_OK},
    {"h100", "layer model=llama-3-8b phase=prefill tokens=512", LP_OK},
    {"h100", "layer model=llama-3-8b phase=decode ctx=4096 batch=8 w=int4 kv=fp8_e4m3fn", LP_OK},
    {"h100", "model model=gpt2 phase=prefill tokens=200", LP_OK},
    {"edge-mx", "layer model=llama-3-8b phase=prefill tokens=128 w=mxfp4_e2m1 a=mxfp8_e4m3", LP_OK},
    {"edge-mx", "model model=gpt2 phase=decode ctx=300 batch=3", LP_OK},
    {"sail-like", "layer model=llama-3-8b phase=decode ctx=1024 w=int4 a=int8", LP_OK},
    {"sail-like", "layer model=llama-3-8b phase=prefill tokens=64 w=int4 a=int8", LP_OK},
    {"sail-like", "model model=tiny phase=decode ctx=64 batch=2 w=int4 a=int8", LP_OK},
    {"sail-like", "layer model=gpt2 phase=decode ctx=128 w=int4", LP_OK},
    {"sail-like", "gemv N=4096 K=4096 in_a=int8 in_b=int4 resident=1", LP_OK},
    {"sail-like", "gemm M=5 N=300 K=512 in_a=int8 in_b=int3 resident=1", LP_OK},
    {"sail-like", "gemm M=4 N=300 K=512 batch=3 in_a=int8 in_b=int4", LP_OK},
    {"sail-like", "gemm M=64 N=512 K=512", LP_OK},
    {"sail-like", "gemm M=5 N=30000 K=4096 in_a=int8 in_b=int8 resident=1", LP_ERR_ARG},
    {"sail-like", "gemm M=5 N=300 K=512 in_a=bf16 in_b=int3 resident=1", LP_ERR_ARG},
    {"vck190", "gemm M=512 N=512 K=512 in=fp8_e4m3fn out=fp32", LP_OK},
    {"vck190", "gemm M=4096 N=4096 K=4096 in=fp8_e4m3fn", LP_OK},
    {"vck190", "layer model=llama-3-8b phase=decode ctx=1024 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn", LP_OK},
    {"vck190", "layer model=llama-3-8b phase=prefill tokens=128 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn", LP_OK},
    {"vck190", "gemm M=64 N=64 K=64", LP_ERR_ARG},
    {"u250", "gemm M=512 N=512 K=512 in=int8 out=fp32", LP_OK},
    {"u250", "gemm M=4096 N=4096 K=4096 in=int8 out=bf16", LP_OK},
    {"u250", "layer model=gpt2 phase=decode ctx=128 w=int8 a=int8", LP_ERR_ARG},
};

static void test_plan_only_equals_full(void)
{
    arch_cfg *a = NULL;
    for (size_t i = 0; i < sizeof plan_cases / sizeof *plan_cases; i++) {
        if (!a || strcmp(a->name, plan_cases[i].arch)) {
            arch_free(a);
            a = lpt_arch(plan_cases[i].arch);
        }
        plan_twins(a, plan_cases[i].text, false, plan_cases[i].want);
    }
    arch_free(a);
    /* functional generations (values made, no attention slices): the plan is the same without them */
    a = lpt_arch("b200-mx");
    plan_twins(a, "gemm M=64 N=96 K=128", true, LP_OK);
    plan_twins(a, "attention kind=prefill batch=2 heads=4 kv_heads=2 head_dim=32 seq=100", true, LP_OK);
    plan_twins(a, "model model=tiny phase=decode ctx=32 batch=2", true, LP_OK);
    arch_free(a);
    a = lpt_arch("sail-like");
    plan_twins(a, "gemm M=8 N=200 K=96 in_a=int8 in_b=int4 out=fp32", true, LP_OK);
    arch_free(a);
}

/* A program beyond ISA_MAX_INSNS is refused alike, where its generation
** reaches the limit: in the attention (a prefill of 32768 tokens) or in a
** GEMM (down_proj of 4 x 8192 tokens on h100). Each full generation makes
** 16 Mi instructions (512 MiB) before it fails; the plans count them. */
static void test_plan_only_refuses_beyond_the_isa(void)
{
    arch_cfg *a = lpt_arch("b200-mx");
    plan_twins(a, "layer model=llama-3-8b phase=prefill tokens=32768", false, LP_ERR_RANGE);
    arch_free(a);
    a = lpt_arch("h100");
    plan_twins(a, "layer model=llama-3-8b phase=prefill tokens=8192 batch=4", false, LP_ERR_RANGE);
    arch_free(a);
}

CU_TestInfo lpt_workloads_tests[] = {
    {"counts/gemm_and_gemv", test_gemm_and_gemv},
    {"counts/attention_causal_decode_gqa", test_attention},
    {"counts/tiny_layer_both_phases", test_tiny_layer},
    {"counts/models_and_llama3_layer_by_hand", test_models},
    {"counts/narrow_activations_keep_a_bf16_stream", test_narrow_activations},
    {"counts/largest_without_overflow", test_largest_without_overflow},
    {"inline/print_parse_round_trip", test_print_parse_round_trip},
    {"inline/diagnostics_exactly", test_diagnostics},
    {"file/diagnostics_twins_of_inline", test_file_diagnostics_twins},
    {"file/diagnostics_of_yaml", test_file_diagnostics_yaml},
    {"file/round_trip_with_inline", test_file_round_trip},
    {"file/reading", test_file_reading},
    {"docs/page_lists_every_key_and_model", test_reference_page_lists_every_key},
    {"plan/plan_only_equals_full_generation", test_plan_only_equals_full},
    {"plan/plan_only_refuses_beyond_the_isa_alike", test_plan_only_refuses_beyond_the_isa},
    CU_TEST_INFO_NULL,
};
