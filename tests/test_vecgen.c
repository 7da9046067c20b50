/*
** test_vecgen.c — the layer kernels (workloads/gen_vec.h): each kernel
** generated as a whole single-section program (buffers, seeded data, the
** kernel over every row, HALT) and run through `lpsim exec --json` on every
** preset against its float64 reference; whole rows and rows in chunks (small
** budgets), odd row counts, bf16 and fp32 activations, views inside wider
** buffers, in place; rows split over two calls giving the same bytes (on the
** in-process functional machine); the instructions of every call as many as
** wl_vec_insns counts; the element work of the instructions against
** docs/workloads.md's counts; the rotary table; refusals.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "gen_vec.h"
#include "lp_test.h"
#include "machine.h"
#include "workload.h"

static const char *const presets[] = {"edge-mx", "b200-mx", "h100"};

/* One test program: kernel k over rows x width of format fa. */
typedef struct vcase {
    wl_vec_kind k;
    const char *fa;
    uint64_t rows, width;
    uint64_t spm_bytes, acc_bytes; /* 0: the architecture's */
    bool view;                     /* views inside wider buffers, at offsets */
    bool in_place;
    bool learned; /* embed: learned positions */
    double xr;    /* x uniform in [-xr, xr) (0: the kernel's default) */
} vcase;

typedef struct built {
    isa_prog p;
    wl_vec_args a;
    uint32_t ids[64];
} built;

static int buffer(isa_prog *p, const char *name, const char *fmt, uint64_t rows, uint64_t cols)
{
    mf_format f;
    lp_diag d = {0};
    CU_ASSERT_FATAL(mf_parse(fmt, &f, &d) == LP_OK);
    int i = (int)p->nbufs;
    CU_ASSERT_FATAL(isa_prog_add_buffer(p, name, isa_fmt_code(&f), (uint32_t)rows, (uint32_t)cols) == LP_OK);
    return i;
}

/* Buffers, data and arguments of case c (no instructions yet). */
static void build(const vcase *c, const arch_cfg *ar, uint64_t seed, built *b)
{
    isa_prog *p = &b->p;
    wl_vec_args *a = &b->a;
    isa_prog_init(p);
    uint64_t R = c->rows, W = c->width, er = c->view ? 3 : 0, ec = c->view ? 24 : 0;
    *a = (wl_vec_args){.rows = R, .width = W, .eps = 1e-5, .head_dim = 16, .tokens = 5, .pos0 = 3};
    a->x = a->x2 = a->w = a->b = a->table = a->pos = a->y = (wl_vec_view){-1, 0, 0};
    a->spm_bytes = c->spm_bytes ? c->spm_bytes : ar->spm.size_bytes;
    a->acc_bytes = c->spm_bytes ? c->acc_bytes : ar->acc.size_bytes;
    if (c->k != WL_VK_EMBED)
        a->x = (wl_vec_view){buffer(p, "X", c->fa, R + er, W + ec), c->view ? 1 : 0, c->view ? 8 : 0};
    if (c->k == WL_VK_SWIGLU || c->k == WL_VK_RESIDUAL)
        a->x2 = (wl_vec_view){buffer(p, "R", c->fa, R + er, W + ec), c->view ? 3 : 0, c->view ? 24 : 0};
    if (c->k == WL_VK_RMSNORM || c->k == WL_VK_LAYERNORM) a->w = (wl_vec_view){buffer(p, "W", c->fa, 1, W), 0, 0};
    if (c->k == WL_VK_LAYERNORM) a->b = (wl_vec_view){buffer(p, "B", c->fa, 1, W), 0, 0};
    if (c->k == WL_VK_EMBED) {
        a->table = (wl_vec_view){buffer(p, "EMB", c->fa, 40, W), 0, 0};
        wl_vec_token_ids(seed + 7, R, 40, b->ids);
        a->ids = b->ids;
        if (c->learned) a->pos = (wl_vec_view){buffer(p, "POS", c->fa, 8, W), 0, 0};
    }
    if (c->in_place)
        a->y = a->x;
    else
        a->y = (wl_vec_view){buffer(p, "Y", c->fa, R + er, W + ec), c->view ? 2 : 0, c->view ? 4 : 0};
    for (size_t i = 0; i < p->nbufs; i++) {
        double lo = -2, hi = 2;
        if (!strcmp(p->bufs[i].name, "W")) lo = 0.5, hi = 1.5;
        if (!strcmp(p->bufs[i].name, "X") && c->k == WL_VK_GELU) lo = -5, hi = 5;
        if (!strcmp(p->bufs[i].name, "X") && c->k == WL_VK_SWIGLU) lo = -8, hi = 8;
        if (!strcmp(p->bufs[i].name, "X") && c->xr > 0) lo = -c->xr, hi = c->xr;
        CU_ASSERT_FATAL(wl_vec_seed(p, (int)i, seed + i, lo, hi) == LP_OK);
    }
    if (c->k == WL_VK_ROTARY) {
        lp_diag d = {0};
        int t;
        CU_ASSERT_FATAL(wl_vec_rope_table(p, "ROPE", 8, 16, 10000.0, &t, &d) == LP_OK);
        a->table = (wl_vec_view){t, 0, 0};
    }
}

static void halt(isa_prog *p)
{
    isa_insn h = {ISA_HALT, {0}};
    CU_ASSERT_FATAL(isa_prog_add_insn(p, &h) == LP_OK);
}

/* wl_gen_vec of rows [row0, row0 + n); the instructions it appends are as
** many as wl_vec_insns counts without generating them. */
static lp_status gen_counted(built *b, const vcase *c, uint64_t row0, uint64_t n, lp_diag *d)
{
    uint64_t tr = 0, cw = 0, before = b->p.ninsns;
    lp_status st = wl_gen_vec(&b->p, c->k, &b->a, row0, n, d);
    CU_ASSERT_FATAL(st || wl_vec_tile(c->k, &b->p, &b->a, n, &tr, &cw, NULL) == LP_OK);
    if (!st) CU_ASSERT_EQUAL(b->p.ninsns - before, wl_vec_insns(c->k, &b->p, &b->a, row0, n, tr, cw));
    return st;
}

/* The whole program of c: the kernel over [0, rows) in one call, or split. */
static void program(const vcase *c, const arch_cfg *ar, uint64_t seed, uint64_t split, built *b)
{
    build(c, ar, seed, b);
    lp_diag d = {0};
    lp_status st = split ? gen_counted(b, c, 0, split, &d) : LP_OK;
    if (!st) st = gen_counted(b, c, split, c->rows - split, &d);
    if (st) fprintf(stderr, "\n  %s: %s\n", wl_vec_name(c->k), d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    halt(&b->p);
    mf_format fy;
    isa_buffer_format(&b->p.bufs[b->a.y.buf], &fy);
    st = wl_vec_expect(&b->p, c->k, &b->a, wl_vec_tol(&fy), &d);
    if (st) fprintf(stderr, "\n  %s expect: %s\n", wl_vec_name(c->k), d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
}

/* Run c through `lpsim exec --json` on preset; it meets its expectation. */
static void expect_match(const vcase *c, const char *preset)
{
    arch_cfg *ar = lpt_arch(preset);
    built b;
    program(c, ar, 11, 0, &b);
    char dir[] = "/tmp/lpt_vecgen_XXXXXX", path[128], cmd[512], *json = NULL, *err = NULL;
    lp_diag d = {0};
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/v.lpt", dir);
    CU_ASSERT_FATAL(isa_prog_write(&b.p, path, &d) == LP_OK);
    snprintf(cmd, sizeof cmd, "exec --json --arch '%s' '%s'", preset, path);
    int rc = lpt_run(cmd, "", 0, &json, &err);
    uint64_t tr = 0, cw = 0;
    wl_vec_tile(c->k, &b.p, &b.a, c->rows, &tr, &cw, NULL);
    if (rc || lpt_json_num(json, "failed") != 0)
        fprintf(stderr, "\n  %s %s %llux%llu on %s (tile %llu x %llu): rc %d\n%s%s", wl_vec_name(c->k), c->fa,
                (unsigned long long)c->rows, (unsigned long long)c->width, preset, (unsigned long long)tr,
                (unsigned long long)cw, rc, err ? err : "", json ? json : "");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "failed"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "expectations"), 1);
    free(json), free(err);
    unlink(path);
    rmdir(dir);
    isa_prog_free(&b.p);
    arch_free(ar);
}

/* x small enough that eps matters in two norms. Budgets: 0 the architecture's; else that many bytes of scratchpad and none
** of accumulator buffer, so few that a row needs chunks (rotary: several tiles
** of two rows). */
static const vcase cases[] = {
    {WL_VK_RMSNORM, "bf16", 7, 96, 0, 0, false, false, false, 0},
    {WL_VK_RMSNORM, "fp32", 5, 96, 1000, 0, true, false, false, 0},
    {WL_VK_RMSNORM, "bf16", 3, 96, 1000, 0, false, true, false, 0},
    {WL_VK_RMSNORM, "bf16", 5, 64, 0, 0, false, false, false, 0.004}, /* mean(x^2) ~ eps */
    {WL_VK_LAYERNORM, "bf16", 9, 64, 0, 0, true, false, false, 0},
    {WL_VK_LAYERNORM, "fp32", 3, 96, 1000, 0, false, false, false, 0.004},
    {WL_VK_LAYERNORM, "fp32", 5, 96, 1000, 0, false, false, false, 0},
    {WL_VK_LAYERNORM, "bf16", 3, 96, 1000, 0, false, false, false, 0},
    {WL_VK_ROTARY, "bf16", 11, 48, 0, 0, false, false, false, 0},
    {WL_VK_ROTARY, "fp32", 7, 32, 0, 0, true, true, false, 0},
    {WL_VK_ROTARY, "bf16", 9, 32, 1000, 0, false, false, false, 0},
    {WL_VK_SWIGLU, "bf16", 7, 80, 0, 0, true, false, false, 0},
    {WL_VK_SWIGLU, "fp32", 5, 96, 800, 0, false, false, false, 0},
    {WL_VK_GELU, "bf16", 13, 64, 0, 0, false, true, false, 0},
    {WL_VK_GELU, "fp32", 3, 96, 600, 0, true, false, false, 0},
    {WL_VK_RESIDUAL, "bf16", 5, 96, 0, 0, true, false, false, 0},
    {WL_VK_RESIDUAL, "fp32", 7, 96, 600, 0, false, true, false, 0},
    {WL_VK_EMBED, "bf16", 9, 64, 0, 0, false, false, false, 0},
    {WL_VK_EMBED, "bf16", 9, 64, 0, 0, false, false, true, 0},
    {WL_VK_EMBED, "fp32", 7, 96, 1000, 0, true, false, true, 0},
};
#define NCASES (sizeof cases / sizeof *cases)

static void test_kernels_match_on_every_preset(void)
{
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < NCASES; i++) expect_match(&cases[i], presets[p]);
}

/* The small budgets do split rows into chunks (and the others do not). */
static void test_small_budgets_chunk(void)
{
    arch_cfg *ar = lpt_arch("edge-mx");
    for (size_t i = 0; i < NCASES; i++) {
        built b;
        build(&cases[i], ar, 1, &b);
        uint64_t tr, cw;
        CU_ASSERT_FATAL(wl_vec_tile(cases[i].k, &b.p, &b.a, cases[i].rows, &tr, &cw, NULL) == LP_OK);
        uint64_t whole = cases[i].k == WL_VK_ROTARY ? 8 : cases[i].width;
        if (cases[i].spm_bytes && cases[i].k != WL_VK_ROTARY) CU_ASSERT(cw < whole);
        if (!cases[i].spm_bytes) CU_ASSERT(cw == whole && tr == cases[i].rows);
        isa_prog_free(&b.p);
    }
    arch_free(ar);
}

/* Rows [0, s) then [s, rows) in two calls give the bytes of one call. */
static void test_split_rows_equal_whole(void)
{
    arch_cfg *ar = lpt_arch("h100");
    for (size_t i = 0; i < NCASES; i++) {
        built w, s;
        program(&cases[i], ar, 5, 0, &w);
        program(&cases[i], ar, 5, cases[i].rows / 2, &s);
        uint8_t *y1 = lpt_run_machine(&w.p, ar, w.a.y.buf), *y2 = lpt_run_machine(&s.p, ar, s.a.y.buf);
        CU_ASSERT(!memcmp(y1, y2, w.p.bufs[w.a.y.buf].bytes));
        free(y1), free(y2);
        isa_prog_free(&w.p), isa_prog_free(&s.p);
    }
    arch_free(ar);
}

/* Element work of the vector instructions other than VCVT and VFILL: on
** tiles (more than one column) and on row vectors (one column). */
static void work(const isa_prog *p, uint64_t *tiles, uint64_t *rowvecs)
{
    *tiles = *rowvecs = 0;
    for (size_t i = 0; i < p->ninsns; i++) {
        isa_insn in;
        CU_ASSERT_FATAL(isa_decode(p->code + i * ISA_WORD_BYTES, &in, NULL) == LP_OK);
        uint64_t r, c;
        switch (in.op) {
        case ISA_VADD:
        case ISA_VSUB:
        case ISA_VMUL:
        case ISA_VMAX:
        case ISA_VBSUB:
        case ISA_VBMUL: r = in.v[3], c = in.v[4]; break;
        case ISA_VEXP:
        case ISA_VRSQRT:
        case ISA_VRCP:
        case ISA_VSCALE:
        case ISA_VRMAX:
        case ISA_VRSUM: r = in.v[2], c = in.v[3]; break;
        default: continue;
        }
        *(c > 1 ? tiles : rowvecs) += r * c;
    }
}

/* Per element: docs/workloads.md's count where the ISA allows it (SwiGLU
** takes one more: the negation before exp; LayerNorm in chunks one more:
** x - mean again in its last pass; embed without learned positions none);
** per row: the row-scale work plus one add per further chunk and sum. */
static void test_element_work_matches_closed_forms(void)
{
    arch_cfg *ar = lpt_arch("edge-mx");
    for (size_t i = 0; i < NCASES; i++) {
        const vcase *c = &cases[i];
        built b;
        program(c, ar, 2, 0, &b);
        uint64_t tiles, rowvecs, tr, cw, R = c->rows, W = c->width;
        work(&b.p, &tiles, &rowvecs);
        CU_ASSERT_FATAL(wl_vec_tile(c->k, &b.p, &b.a, R, &tr, &cw, NULL) == LP_OK);
        uint64_t chunks = (W + cw - 1) / cw, ops = wl_vec_isa_ops(c->k), per_row = 0;
        if (c->k == WL_VK_EMBED && !c->learned) ops = 0;
        if (c->k == WL_VK_LAYERNORM && chunks > 1) ops++;
        if (c->k == WL_VK_RMSNORM) per_row = 3 + (chunks - 1);
        if (c->k == WL_VK_LAYERNORM) per_row = 4 + 2 * (chunks - 1);
        CU_ASSERT_EQUAL(tiles, ops * R * W);
        CU_ASSERT_EQUAL(rowvecs, per_row * R);
        if (tiles != ops * R * W || rowvecs != per_row * R)
            fprintf(stderr, "\n  %s %llu chunks: %llu on tiles (want %llu), %llu on rows\n", wl_vec_name(c->k),
                    (unsigned long long)chunks, (unsigned long long)tiles, (unsigned long long)(ops * R * W),
                    (unsigned long long)rowvecs);
        isa_prog_free(&b.p);
    }
    for (int k = 0; k < WL_VK_COUNT; k++)
        CU_ASSERT_EQUAL(wl_vec_isa_ops((wl_vec_kind)k), wl_vec_doc_ops((wl_vec_kind)k) + (k == WL_VK_SWIGLU));
    CU_ASSERT_EQUAL(wl_vec_doc_ops(WL_VK_RMSNORM), WL_OPS_RMSNORM);
    CU_ASSERT_EQUAL(wl_vec_doc_ops(WL_VK_LAYERNORM), WL_OPS_LAYERNORM);
    CU_ASSERT_EQUAL(wl_vec_doc_ops(WL_VK_SWIGLU), WL_OPS_SWIGLU);
    CU_ASSERT_EQUAL(wl_vec_doc_ops(WL_VK_GELU), WL_OPS_GELU);
    CU_ASSERT_EQUAL(wl_vec_doc_ops(WL_VK_ROTARY), WL_OPS_ROTARY);
    arch_free(ar);
}

/* The table holds cos and sin of t base^(-2i/D) rounded to float32: llama-3's
** base 500000 at its last position. */
static void test_rope_table_values(void)
{
    isa_prog p;
    isa_prog_init(&p);
    int t;
    CU_ASSERT_FATAL(wl_vec_rope_table(&p, "ROPE", 8192, 128, 500000.0, &t, NULL) == LP_OK);
    const float *v = (const float *)(const void *)(p.data + p.bufs[t].data_off);
    for (size_t pos = 0; pos < 8192; pos += 8191)
        for (size_t i = 0; i < 64; i += 9) {
            double th = (double)pos * pow(500000.0, -(double)(2 * i) / 128.0);
            CU_ASSERT_EQUAL(v[pos * 128 + i], (float)cos(th));
            CU_ASSERT_EQUAL(v[pos * 128 + 64 + i], (float)sin(th));
        }
    CU_ASSERT_EQUAL(v[0], 1.0f);
    CU_ASSERT_EQUAL(v[64], 0.0f);
    CU_ASSERT_EQUAL(wl_vec_rope_table(&p, "ODD", 8, 7, 10000.0, &t, NULL), LP_ERR_ARG);
    isa_prog_free(&p);
}

static void expect_refused(const vcase *c, void (*spoil)(wl_vec_args *), uint64_t row0, uint64_t n, const char *needle)
{
    arch_cfg *ar = lpt_arch("edge-mx");
    built b;
    build(c, ar, 1, &b);
    spoil(&b.a);
    lp_diag d = {0};
    CU_ASSERT_EQUAL(wl_gen_vec(&b.p, c->k, &b.a, row0, n, &d), LP_ERR_ARG);
    if (!strstr(d.msg, needle)) fprintf(stderr, "\n  '%s' lacks '%s'\n", d.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, needle));
    isa_prog_free(&b.p);
    arch_free(ar);
}

static void keep(wl_vec_args *a) { (void)a; }
static void odd_head(wl_vec_args *a) { a->head_dim = 12; }
static void wide(wl_vec_args *a) { a->width = 97; }
static void tiny_budget(wl_vec_args *a) { a->spm_bytes = 8, a->acc_bytes = 0; }
static void far_position(wl_vec_args *a) { a->pos0 = 5; }

static void test_refusals(void)
{
    static const vcase rms = {WL_VK_RMSNORM, "bf16", 4, 96, 0, 0, false, false, false, 0};
    static const vcase rot = {WL_VK_ROTARY, "bf16", 4, 32, 0, 0, false, false, false, 0};
    expect_refused(&rot, odd_head, 0, 4, "rotary: head_dim 12 must be even and divide the width 32");
    expect_refused(&rms, wide, 0, 4, "vector kernel: y (4 x 97 at 0, 0) is not inside Y (4 x 96)");
    expect_refused(&rms, tiny_budget, 0, 4, "rmsnorm: not even one row of one column fits 8 bytes of scratchpad");
    expect_refused(&rms, keep, 2, 3, "rmsnorm: rows [2, 5) beyond the 4 of the view");
    expect_refused(&rot, far_position, 0, 4,
                   "the rotary table (positions x head_dim) (9 x 16 at 0, 0) is not inside ROPE (8 x 16)");
}

CU_TestInfo lpt_vecgen_tests[] = {
    {"gen/kernels_match_on_every_preset", test_kernels_match_on_every_preset},
    {"gen/small_budgets_chunk", test_small_budgets_chunk},
    {"gen/split_rows_equal_whole", test_split_rows_equal_whole},
    {"gen/element_work_matches_closed_forms", test_element_work_matches_closed_forms},
    {"gen/rope_table_values", test_rope_table_values},
    {"gen/refusals", test_refusals},
    CU_TEST_INFO_NULL,
};
