/*
** gen_layer.c — transformer layers and whole models as programs
** (docs/workloads.md, "Layers and models"): one kernel per operation, in the
** order a pre-norm block runs them, each dealt over the chip's cores, over
** DRAM tensors laid out as a model keeps them (token-major activations,
** nn.Linear weights [out, in] loaded transposed by the GEMMs, or stored with
** E8M0 scales along `in` for MX, the KV cache [batch * ctx, kv_heads * head_dim]).
**
** A model is the embedding, one layer standing for all of its identical
** layers (its operations repeat `layers` times in the report), the final norm
** and the vocabulary projection: its functional check is that of the
** program it simulates, a one-layer model (layer_ref.c).
**
** Activations narrower than 16 bits (gen_layer_int.h): the norms and the
** activation write an element format `a` directly (their store converts);
** MX inputs, and the attention output in any narrow `a`, go through a
** conversion kernel of their own (NAME_quant), simulated like any other.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_layer_int.h"
#include "gen_vec.h"
#include "lp_rng.h"
#include "map_attn.h"
#include "map_gemm.h"
#include "mx.h"

/* ---- buffers ------------------------------------------------------------------------- */

/* The element format of f (MX: its element's) into *mf, and its MX type. */
static lp_status elem_of(layer *L, const wl_fmt *f, mf_format *mf, mx_elem_id *id)
{
    if (!f->mx) return mf_parse(f->name, mf, L->d);
    lp_status st = mx_elem_find(f->name + 2, id, L->d); /* "mxfp4_e2m1" is MX element "fp4_e2m1" */
    if (!st) *mf = mx_elem_table(*id)->fmt;
    return st;
}

static lp_status add_buffer(layer *L, const char *name, const mf_format *mf, uint64_t rows, uint64_t cols, int *idx)
{
    if (rows > ISA_MAX_DIM || cols > ISA_MAX_DIM)
        return lp_diag_msg(L->d, LP_ERR_RANGE, "buffer %s of %llu x %llu is beyond the ISA's %u rows or columns", name,
                           (unsigned long long)rows, (unsigned long long)cols, (unsigned)ISA_MAX_DIM);
    if (L->p->nbufs >= LAYER_MAX_BUFFERS)
        return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d buffers", LAYER_MAX_BUFFERS);
    *idx = (int)L->p->nbufs;
    lp_status st = isa_prog_add_buffer(L->p, name, isa_fmt_code(mf), (uint32_t)rows, (uint32_t)cols);
    return st ? lp_diag_msg(L->d, st, "buffer %s of %llu x %llu: %s", name, (unsigned long long)rows,
                            (unsigned long long)cols, lp_status_text(st))
              : LP_OK;
}

/* A DRAM buffer of format f; MX: its codes, and NAME_S its E8M0 scales, one
** per 32 elements along the rows (L->sc). */
/* Whether the attention computes in a rather than the stream format: a
** narrow element format (not MX) that the matrix unit runs while it does not
** run the stream format (an FPGA datapath of one format, docs/fpga.md). */
static bool attention_in_a(const layer *L)
{
    tc_cfg view;
    const tc_cfg *m = L->narrow && !L->s->a.mx && !L->pim ? wl_matrix_tc(L->a, &view) : NULL;
    return m && !tc_rate_of(m->formats, m->formats_count, L->fi.name) &&
           tc_rate_of(m->formats, m->formats_count, L->s->a.name);
}

static lp_status buffer(layer *L, const char *name, const wl_fmt *f, uint64_t rows, uint64_t cols, int *idx)
{
    mf_format mf, e8;
    mx_elem_id id;
    lp_status st = elem_of(L, f, &mf, &id);
    if (!st) st = add_buffer(L, name, &mf, rows, cols, idx);
    if (st || !f->mx) return st;
    if (cols % 32)
        return lp_diag_msg(L->d, LP_ERR_ARG, "%s: an MX tensor needs rows of a multiple of 32 elements, not %llu", name,
                           (unsigned long long)cols);
    char sn[ISA_NAME_MAX];
    int s;
    snprintf(sn, sizeof sn, "%s_S", name);
    mf_get(MF_E8M0FNU, &e8);
    if (!(st = add_buffer(L, sn, &e8, rows, cols / 32, &s))) L->sc[*idx] = s;
    return st;
}

/* MX codes and scales of values uniform in [lo, hi) from seed, quantised
** along the rows (to nearest even). */
static lp_status seed_mx(layer *L, int b, uint64_t seed, double lo, double hi)
{
    mx_elem_id id;
    mf_format mf;
    const isa_buffer *x = &L->p->bufs[b];
    size_t n = (size_t)x->rows * x->cols;
    lp_status st = elem_of(L, &L->s->w, &mf, &id);
    float *v = malloc(sizeof *v * (n ? n : 1));
    uint8_t *c8 = malloc(n ? n : 1), *s8 = malloc(n / 32 + 1);
    uint32_t *codes = malloc(sizeof *codes * (n ? n : 1)), *scales = malloc(sizeof *scales * (n / 32 + 1));
    if (!st && !(v && c8 && s8 && codes && scales)) st = LP_ERR_NOMEM;
    for (size_t i = 0; !st && i < n; i++)
        v[i] = (float)(lo + (hi - lo) * (double)(lp_rng_u64(seed, i) >> 11) * 0x1p-53);
    if (!st) st = mx_quantize(mx_elem_table(id), v, n, 32, MF_RNE, c8, s8);
    for (size_t i = 0; !st && i < n; i++) codes[i] = c8[i];
    for (size_t i = 0; !st && i < n / 32; i++) scales[i] = s8[i];
    if (!st) st = isa_prog_put_codes(L->p, b, codes, n, false, 0, 0);
    if (!st) st = isa_prog_put_codes(L->p, L->sc[b], scales, n / 32, false, 0, 0);
    free(v), free(c8), free(s8), free(codes), free(scales);
    return st;
}

/* A seeded input (functional runs only): uniform in [lo, hi). */
static lp_status seeded(layer *L, const char *name, const wl_fmt *f, uint64_t rows, uint64_t cols, double lo, double hi,
                        int *idx)
{
    lp_status st = buffer(L, name, f, rows, cols, idx);
    if (st || !L->functional) return st;
    uint64_t seed = L->seed + L->p->nbufs;
    L->src[*idx] = (struct layer_src){true, seed, lo, hi};
    st = f->mx ? seed_mx(L, *idx, seed, lo, hi) : wl_vec_seed(L->p, *idx, seed, lo, hi);
    return st ? lp_diag_msg(L->d, st, "data of %s: %s", name, lp_status_text(st)) : LP_OK;
}

/* A weight [out][in] as nn.Linear holds it, uniform in +-1/sqrt(in) (its
** default initialisation), so that activations stay near 1. */
static lp_status weight(layer *L, const char *name, uint64_t out, uint64_t in, int *idx)
{
    /* integer weights in the arrays: -1, 0, 1 (and -2 for int2), since +-1/sqrt(in) rounds to 0 */
    double r = L->pim ? 1.5 : 1.0 / sqrt((double)in);
    return seeded(L, name, &L->s->w, out, in, -r, r, idx);
}

/* The tables the embedding gathers from: w's format, or the stream format
** when w is MX (the gather reads element formats). */
static const wl_fmt *table_fmt(const layer *L) { return L->s->w.mx ? &L->fi : &L->s->w; }

static lp_status norm_weights(layer *L, const char *w, const char *b, int *wi, int *bi)
{
    lp_status st = seeded(L, w, &L->fi, 1, L->h, 0.5, 1.5, wi);
    *bi = -1;
    if (!st && L->ln) st = seeded(L, b, &L->fi, 1, L->h, -0.25, 0.25, bi);
    return st;
}

/* A projection input produced by a norm or the activation: the producer's
** output `name` (in a for an element format, which its store converts to;
** else in the stream format) and, for MX, its converted copy NAME + "Q". */
static lp_status input(layer *L, const char *name, uint64_t cols, int *out, int *in)
{
    bool fused = !L->narrow || !L->s->a.mx;
    lp_status st = buffer(L, name, fused ? &L->s->a : &L->fi, L->R, cols, out);
    char qn[ISA_NAME_MAX];
    snprintf(qn, sizeof qn, "%sQ", name);
    *in = *out;
    if (!st && !fused) st = buffer(L, qn, &L->s->a, L->R, cols, in);
    return st;
}

static lp_status buffers(layer *L)
{
    const wl_fmt *fi = &L->fi, *fkv = &L->s->kv;
    lp_status st = LP_OK;
    if (L->model) {
        if (!st)
            st = seeded(L, "E", table_fmt(L), L->md->vocab, L->h, -1 / sqrt((double)L->h), 1 / sqrt((double)L->h),
                        &L->E);
        if (!st && L->md->pos == WL_POS_LEARNED)
            st = seeded(L, "PE", table_fmt(L), L->md->positions, L->h, -1, 1, &L->PE);
        if (!st) st = buffer(L, "X", fi, L->R, L->h, &L->X);
    } else if (!st) {
        st = seeded(L, "X", fi, L->R, L->h, -1, 1, &L->X);
    }
    if (!st) st = norm_weights(L, "WN1", "BN1", &L->Wn1, &L->Bn1);
    if (!st) st = input(L, "XN", L->h, &L->Xn, &L->Xnq);
    if (!st) st = weight(L, "WQ", L->q, L->h, &L->Wq);
    if (!st) st = weight(L, "WK", L->k, L->h, &L->Wk);
    if (!st) st = weight(L, "WV", L->k, L->h, &L->Wv);
    if (!st) st = buffer(L, "Q", fi, L->R, L->q, &L->Q);
    L->Qa = L->Q, L->fattn = *fi;
    if (!st && attention_in_a(L)) {
        st = buffer(L, "QA", &L->s->a, L->R, L->q, &L->Qa);
        L->fattn = L->s->a;
    }
    /* the KV cache: in decode its ctx - 1 earlier tokens are inputs, the new one's K and V land in Kn, Vn first */
    if (!st && L->decode) st = seeded(L, "K", fkv, L->B * L->C, L->k, -1, 1, &L->K);
    if (!st && L->decode) st = seeded(L, "V", fkv, L->B * L->C, L->k, -1, 1, &L->V);
    /* the projections write K and V in the stream format: into the cache itself in prefill when kv is that
    ** format, else into KN and VN, which kv_append (decode) or kv_store (prefill) copy into the cache */
    bool same = !strcmp(fkv->name, fi->name);
    if (!st && (L->decode || !same)) st = buffer(L, "KN", fi, L->R, L->k, &L->Kn);
    if (!st && (L->decode || !same)) st = buffer(L, "VN", fi, L->R, L->k, &L->Vn);
    if (!st && !L->decode) st = buffer(L, "K", fkv, L->R, L->k, &L->K);
    if (!st && !L->decode) st = buffer(L, "V", fkv, L->R, L->k, &L->V);
    if (!st && L->rotary)
        st = L->plan_only
                 ? wl_vec_rope_declare(L->p, "ROPE", L->decode ? L->C : L->T, L->D, &L->ROPE, L->d)
                 : wl_vec_rope_table(L->p, "ROPE", L->decode ? L->C : L->T, L->D, L->md->rope_theta, &L->ROPE, L->d);
    if (!st) st = buffer(L, "O", fi, L->R, L->q, &L->O);
    L->Oq = L->O;
    if (!st && L->narrow) st = buffer(L, "OQ", &L->s->a, L->R, L->q, &L->Oq);
    if (!st) st = weight(L, "WO", L->h, L->q, &L->Wo);
    if (!st) st = buffer(L, "Y", fi, L->R, L->h, &L->Y);
    if (!st) st = buffer(L, "H1", fi, L->R, L->h, &L->H1);
    if (!st) st = norm_weights(L, "WN2", "BN2", &L->Wn2, &L->Bn2);
    if (!st) st = input(L, "H1N", L->h, &L->H1n, &L->H1nq);
    if (!st && L->swiglu) st = weight(L, "WG", L->f, L->h, &L->Wg);
    if (!st) st = weight(L, "WU", L->f, L->h, &L->Wu);
    if (!st && L->swiglu) st = buffer(L, "G", fi, L->R, L->f, &L->Gt);
    if (!st) st = buffer(L, "U", fi, L->R, L->f, &L->U);
    if (!st) st = input(L, "A", L->f, &L->A, &L->Aq);
    if (!st) st = weight(L, "WD", L->h, L->f, &L->Wd);
    if (!st) st = buffer(L, "DN", fi, L->R, L->h, &L->Dn);
    if (!st) st = buffer(L, "OUT", fi, L->R, L->h, &L->OUT);
    if (L->model) {
        if (!st) st = norm_weights(L, "WNF", "BNF", &L->Wnf, &L->Bnf);
        if (!st) st = input(L, "XF", L->h, &L->XF, &L->XFq);
        if (!st) st = weight(L, "WLM", L->md->vocab, L->h, &L->Wlm);
        if (!st) st = buffer(L, "LOGITS", fi, L->R, L->md->vocab, &L->LOG);
    }
    return st;
}

/* ---- kernels ------------------------------------------------------------------------- */

static wl_op *op_begin(layer *L, const char *name, const char *kind, const char *shape, const char *fmt)
{
    if (L->plan->nops == WL_MAX_OPS) return NULL;
    wl_op *op = &L->plan->op[L->plan->nops++];
    memset(op, 0, sizeof *op);
    snprintf(op->name, sizeof op->name, "%s", name);
    snprintf(op->kind, sizeof op->kind, "%s", kind);
    snprintf(op->shape, sizeof op->shape, "%s", shape);
    snprintf(op->fmt, sizeof op->fmt, "%s", fmt);
    op->first_kernel = (uint32_t)L->p->nkernels;
    op->repeat = 1;
    return op;
}

static void op_end(layer *L, wl_op *op, bool in_layer)
{
    op->nkernels = (uint32_t)L->p->nkernels - op->first_kernel;
    if (L->model && in_layer) op->repeat = L->md->layers;
}

static void op_num(wl_op *op, const char *key, uint64_t v)
{
    if (op->nkv == WL_MAX_KV) return;
    snprintf(op->kv[op->nkv].key, sizeof op->kv[op->nkv].key, "%s", key);
    op->kv[op->nkv].num = v;
    op->kv[op->nkv++].str[0] = 0;
}

static void op_str(wl_op *op, const char *key, const char *v)
{
    if (op->nkv == WL_MAX_KV) return;
    snprintf(op->kv[op->nkv].key, sizeof op->kv[op->nkv].key, "%s", key);
    op->kv[op->nkv].num = 0;
    snprintf(op->kv[op->nkv++].str, sizeof op->kv[0].str, "%s", v);
}

/* Plan only: the n instructions of a kernel counted in L->insns, or refused
** where generating them would pass ISA_MAX_INSNS, with the message its
** generator gives ("PREFIXNAME: value out of range"). */
static lp_status count(layer *L, uint64_t n, const char *prefix, const char *name)
{
    if (n > ISA_MAX_INSNS - L->insns)
        return lp_diag_msg(L->d, LP_ERR_RANGE, "%s%s: %s", prefix, name, lp_status_text(LP_ERR_RANGE));
    L->insns += n;
    return LP_OK;
}

static wl_vec_args vec_args(const layer *L, uint64_t rows, uint64_t width)
{
    wl_vec_args v;
    memset(&v, 0, sizeof v);
    v.x.buf = v.x2.buf = v.w.buf = v.b.buf = v.table.buf = v.pos.buf = v.y.buf = -1;
    v.rows = rows, v.width = width, v.eps = LAYER_EPS, v.head_dim = L->D;
    v.tokens = L->decode ? 1 : L->T, v.pos0 = L->decode ? L->C - 1 : 0;
    v.spm_bytes = L->a->spm.size_bytes, v.acc_bytes = L->a->acc.size_bytes;
    return v;
}

static wl_vec_view view(int b) { return (wl_vec_view){b, 0, 0}; }

/* Plan only: the instructions of wl_gen_vec's calls for the blocks of rows
** of v over `cores` cores into *n, the tile of each size of block taken once
** (its refusals do not depend on the size). */
static lp_status vec_count(layer *L, wl_vec_kind k, const wl_vec_args *v, uint64_t cores, uint64_t block, uint64_t *n)
{
    uint64_t tr = 0, cw = 0, tiled = 0; /* the tile of blocks of `tiled` rows */
    for (uint64_t c = 0; c < cores && c * block < v->rows; c++) {
        uint64_t r0 = c * block, m = r0 + block <= v->rows ? block : v->rows - r0;
        lp_status st = m == tiled ? LP_OK : wl_vec_tile(k, L->p, v, m, &tr, &cw, L->d);
        if (st) return st;
        tiled = m;
        *n += wl_vec_insns(k, L->p, v, r0, m, tr, cw);
    }
    return LP_OK;
}

/* A vector kernel over rows split in equal blocks over the cores; a second
** call (rotary's K) is split likewise on the same cores. */
static lp_status vec_kernel(layer *L, const char *name, wl_vec_kind k, const wl_vec_args *va, const wl_vec_args *vb,
                            bool in_layer)
{
    char shape[64];
    snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)va->rows, (unsigned long long)va->width);
    wl_op *op = op_begin(L, name, wl_vec_name(k), shape, "");
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    lp_status st = L->plan_only ? LP_OK : isa_prog_begin_kernel(L->p, name);
    uint64_t cores = L->cores < va->rows ? L->cores : va->rows, block = (va->rows + cores - 1) / cores;
    cores = (va->rows + block - 1) / block;
    uint64_t bblock = vb ? (vb->rows + cores - 1) / cores : 0, insns = 0;
    if (L->plan_only) { /* the tile checks as the first core's calls make them, then the count */
        if (!(st = vec_count(L, k, va, cores, block, &insns)) && vb) st = vec_count(L, k, vb, cores, bblock, &insns);
        if (!st) st = count(L, insns, "", name);
    }
    for (uint64_t c = 0; c < cores && !st && !L->plan_only; c++) {
        st = isa_prog_begin_core(L->p, (uint32_t)c);
        uint64_t r0 = c * block, n = r0 + block <= va->rows ? block : va->rows - r0;
        if (!st) st = wl_gen_vec(L->p, k, va, r0, n, L->d);
        if (!st && vb && c * bblock < vb->rows) {
            uint64_t r1 = c * bblock, m = r1 + bblock <= vb->rows ? bblock : vb->rows - r1;
            st = wl_gen_vec(L->p, k, vb, r1, m, L->d);
        }
    }
    op_end(L, op, in_layer);
    op_num(op, "cores", cores), op_num(op, "rows_per_core", block);
    /* the first (busiest) core's instructions: the cost model's count of its tiles' steps */
    uint64_t tr = 0, cw = 0, core = 0;
    if (!st && !wl_vec_tile(k, L->p, va, block, &tr, &cw, NULL)) core = wl_vec_insns(k, L->p, va, 0, block, tr, cw);
    if (!st && vb && bblock && !wl_vec_tile(k, L->p, vb, bblock, &tr, &cw, NULL))
        core += wl_vec_insns(k, L->p, vb, 0, bblock < vb->rows ? bblock : vb->rows, tr, cw);
    op_num(op, "core_insns", core);
    return st == LP_ERR_NOMEM || st == LP_ERR_RANGE ? lp_diag_msg(L->d, st, "%s: %s", name, lp_status_text(st)) : st;
}

static lp_status norm_kernel(layer *L, const char *name, int x, int w, int b, int y, bool in_layer)
{
    wl_vec_args v = vec_args(L, L->R, L->h);
    v.x = view(x), v.w = view(w), v.b = view(b), v.y = view(y);
    return vec_kernel(L, name, L->ln ? WL_VK_LAYERNORM : WL_VK_RMSNORM, &v, NULL, in_layer);
}

/* C [M][N] = A [M][K] x W^T, W [N][K] as nn.Linear holds it: A in a, W in w
** (MX: with their scales), C in the stream format. */
static lp_status pim_op(layer *L, const char *name, int A, int W, int C, uint64_t M, uint64_t N, uint64_t K,
                        bool in_layer);

static lp_status gemm_op(layer *L, const char *name, int A, int W, int C, uint64_t M, uint64_t N, uint64_t K,
                         bool in_layer)
{
    if (L->pim) return pim_op(L, name, A, W, C, M, N, K, in_layer);
    wl_spec gs;
    memset(&gs, 0, sizeof gs);
    gs.kind = WL_GEMM, gs.m = M, gs.n = N, gs.k = K, gs.batch = 1, gs.layout = 0 /* nk */, gs.cores = L->s->cores;
    gs.in = gs.in_a = L->s->a, gs.in_b = L->s->w, gs.out = L->fi;
    wl_gemm_map m;
    char why[LP_DIAG_MSG_MAX];
    lp_status st = wl_map_gemm(&gs, L->a, &m, L->d);
    if (st) {
        snprintf(why, sizeof why, "%s", L->d->msg);
        return lp_diag_msg(L->d, st, "%s (%llu x %llu x %llu): %s", name, (unsigned long long)M, (unsigned long long)N,
                           (unsigned long long)K, why);
    }
    int P = -1;
    if (m.split > 1) {
        char pn[ISA_NAME_MAX];
        wl_fmt f32 = {"fp32", 32, false};
        snprintf(pn, sizeof pn, "%s_P", name);
        if ((st = buffer(L, pn, &f32, (uint64_t)m.split * M, N, &P))) return st;
    }
    char shape[64];
    snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)M, (unsigned long long)N,
             (unsigned long long)K);
    wl_op *op = op_begin(L, name, "gemm", shape, m.fa.name);
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    wl_gemm_bufs b = {A, W, L->sc[A], L->sc[W], C, P};
    st = L->plan_only ? count(L, wl_gemm_kernel_insns(&m), "GEMM ", name)
                      : wl_gen_gemm_kernels(L->p, &m, &b, name, L->d);
    op_end(L, op, in_layer);
    op_num(op, "tm", m.tm), op_num(op, "tn", m.tn), op_num(op, "tk", m.tk), op_num(op, "split_k", m.split);
    op_num(op, "cores", m.cores), op_num(op, "tiles", m.tiles), op_num(op, "waves", m.waves);
    if (m.band) op_num(op, "band", m.band);
    return st;
}

/* C [M][N] = A [M][K] x W^T in the PIM arrays (map_pim.h): W placed by
** slices, A streamed through, C converted to the stream format. */
static lp_status pim_op(layer *L, const char *name, int A, int W, int C, uint64_t M, uint64_t N, uint64_t K,
                        bool in_layer)
{
    mf_format fa, fw, fo;
    isa_buffer_format(&L->p->bufs[A], &fa), isa_buffer_format(&L->p->bufs[W], &fw);
    isa_buffer_format(&L->p->bufs[C], &fo);
    wl_pim_map m;
    char why[LP_DIAG_MSG_MAX];
    lp_status st = wl_map_pim(&L->pg, M, N, K, &fa, &fw, &fo, L->cores, L->a->spm.size_bytes, &m, L->d);
    if (st) {
        snprintf(why, sizeof why, "%s", L->d->msg);
        return lp_diag_msg(L->d, st, "%s (%llu x %llu x %llu): %s", name, (unsigned long long)M, (unsigned long long)N,
                           (unsigned long long)K, why);
    }
    char shape[64];
    snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)M, (unsigned long long)N,
             (unsigned long long)K);
    wl_op *op = op_begin(L, name, "gemm", shape, fa.name);
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    st = L->plan_only ? count(L, m.insns, "PIM ", name) : wl_gen_pim_kernels(L->p, &m, A, W, C, name, L->d);
    op_end(L, op, in_layer);
    op_str(op, "unit", "pim");
    op_num(op, "passes", m.passes), op_num(op, "rows_per_pass", m.rows_per_pass), op_num(op, "arrays", m.arrays_used);
    op_num(op, "cores", m.cores), op_num(op, "rows_per_core", m.rows_per_core), op_num(op, "batch_rows", m.chunk_m);
    op_num(op, "wbits", (uint64_t)m.wbits), op_num(op, "abits", (uint64_t)m.abits);
    return st;
}

static lp_status attention_op(layer *L)
{
    wl_spec as;
    memset(&as, 0, sizeof as);
    as.kind = WL_ATTENTION, as.phase = L->decode ? WL_DECODE : WL_PREFILL, as.batch = L->B, as.heads = L->H;
    as.kv_heads = L->G, as.head_dim = L->D, as.seq = L->decode ? 0 : L->T, as.ctx = L->decode ? L->C : 0;
    as.causal = !L->decode, as.in = L->fattn, as.kv = L->s->kv, as.out = L->fi, as.cores = L->s->cores;
    wl_attn_map m;
    char why[LP_DIAG_MSG_MAX];
    lp_status st = wl_map_attn(&as, L->a, NULL, &m, L->d);
    if (st) {
        snprintf(why, sizeof why, "%s", L->d->msg);
        return lp_diag_msg(L->d, st, "attention: %s", why);
    }
    if ((st = wl_gen_attn_mask(L->p, &m, !L->plan_only, &L->MASK, L->d))) return st;
    wl_attn_bufs b = {L->Qa, L->K, L->V, L->MASK, L->O, -1, -1, -1};
    char shape[96];
    snprintf(shape, sizeof shape, "b%llu h%llu kv%llu d%llu q%llu k%llu", (unsigned long long)L->B,
             (unsigned long long)L->H, (unsigned long long)L->G, (unsigned long long)L->D,
             (unsigned long long)(L->decode ? 1 : L->T), (unsigned long long)L->C);
    wl_op *op = op_begin(L, "attention", "attention", shape, m.fin.name);
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    uint64_t items = wl_attn_items(&m), cores = L->cores < items ? L->cores : items;
    if (L->plan_only) {
        st = count(L, wl_attn_cores_insns(&m, cores), "", "attention program");
    } else {
        st = isa_prog_begin_kernel(L->p, "attention");
        if (!st) st = wl_gen_attn_cores(L->p, &m, &b, cores, true, L->d);
    }
    op_end(L, op, true);
    op_num(op, "bq", m.bq), op_num(op, "bk", m.bk), op_num(op, "items", items), op_num(op, "cores", cores);
    return st;
}

/* K and V rows from the projections' buffers (format a) into the cache
** (format kv), converted (VCVT, to nearest even) where the formats differ:
** in decode the new token's row b to cache row b * ctx + ctx - 1 ("kv_append"),
** in prefill every row to the same row ("kv_store", only when kv differs from
** a). Tiles of rows over the cores in equal blocks. */
static lp_status kv_copy(layer *L, const char *name, int ksrc, int vsrc)
{
    wl_op *op = op_begin(L, name, "copy", "", "");
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    lp_status st = L->plan_only ? LP_OK : isa_prog_begin_kernel(L->p, name);
    const isa_buffer *bufs = L->p->bufs;
    mf_format fa, fkv;
    isa_buffer_format(&bufs[ksrc], &fa);
    isa_buffer_format(&bufs[L->K], &fkv);
    bool cvt = isa_fmt_code(&fa) != isa_fmt_code(&fkv);
    uint64_t rows = L->decode ? L->B : L->R, row_bytes = L->k * (uint64_t)(isa_elem_bytes(&fa) + isa_elem_bytes(&fkv));
    uint64_t tr = L->decode ? 1 : L->a->spm.size_bytes / (2 * row_bytes + 128);
    if (!tr) return lp_diag_msg(L->d, LP_ERR_ARG, "%s: a row of K does not fit the scratchpad", name);
    if (tr > 65535) tr = 65535;
    uint64_t cores = L->cores < rows ? L->cores : rows, block = (rows + cores - 1) / cores, insns = 0;
    cores = (rows + block - 1) / block;
    for (uint64_t c = 0; c < cores && L->plan_only; c++) { /* K and V: a load, a conversion, a store per tile */
        uint64_t end = (c + 1) * block < rows ? (c + 1) * block : rows;
        insns += (end - c * block + tr - 1) / tr * 2 * (cvt ? 3 : 2);
    }
    if (L->plan_only) st = count(L, insns, "", name);
    for (uint64_t c = 0; c < cores && !st && !L->plan_only; c++) {
        st = isa_prog_begin_core(L->p, (uint32_t)c);
        uint64_t end = (c + 1) * block < rows ? (c + 1) * block : rows;
        for (uint64_t r = c * block; r < end && !st; r += tr)
            for (int w = 0; w < 2 && !st; w++) {
                uint64_t n = end - r < tr ? end - r : tr, dr = L->decode ? r * L->C + L->C - 1 : r;
                const isa_buffer *src = &bufs[w ? vsrc : ksrc], *dst = &bufs[w ? L->V : L->K];
                uint64_t half = (L->a->spm.size_bytes / 2) / 64 * 64, in = w ? half : 0;
                uint64_t out = cvt ? in + ((n * L->k * (uint64_t)isa_elem_bytes(&fa) + 63) / 64 * 64) : in;
                isa_insn ld = {ISA_DMA_LD, {in, isa_prog_dram(L->p, w ? vsrc : ksrc, r, 0), n, L->k, src->fmt}};
                isa_insn cv = {ISA_VCVT, {out, in, n, L->k, dst->fmt, src->fmt, (uint64_t)mf_round_code(MF_RNE)}};
                isa_insn stq = {ISA_DMA_ST, {isa_prog_dram(L->p, w ? L->V : L->K, dr, 0), out, n, L->k, dst->fmt}};
                st = isa_prog_add_insn(L->p, &ld);
                if (!st && cvt) st = isa_prog_add_insn(L->p, &cv);
                if (!st) st = isa_prog_add_insn(L->p, &stq);
            }
    }
    op_end(L, op, true);
    snprintf(op->shape, sizeof op->shape, "%llux%llu", (unsigned long long)(2 * rows), (unsigned long long)L->k);
    op_num(op, "cores", cores), op_num(op, "rows_per_core", block);
    op_num(op, "core_insns", (block + tr - 1) / tr * 2 * (cvt ? 3 : 2));
    return st ? lp_diag_msg(L->d, st, "%s: %s", name, lp_status_text(st)) : LP_OK;
}

/* The tile of a conversion: tr rows x cw columns (the row, or the most
** columns that fit, a multiple of 32 for MX) of the staging tiles of one of
** two sets, each in half of the scratchpad; 0 when nothing fits. */
static void quant_tile(const layer *L, uint64_t rows, uint64_t width, uint64_t per_col, bool mx, uint64_t *tr,
                       uint64_t *cw)
{
    uint64_t half = L->a->spm.size_bytes / 2, room = half > 4 * 64 ? half - 4 * 64 : 0;
    uint64_t w = width < 65504 ? width : 65504; /* a dim operand, a multiple of 32 */
    if (w * per_col + (mx ? w / 32 : 0) > room) w = room / (per_col + 1) / (mx ? 32 : 1) * (mx ? 32 : 1);
    uint64_t t = w ? room / (w * per_col + (mx ? w / 32 : 0)) : 0;
    *cw = w, *tr = t < rows ? (t < 65535 ? t : 65535) : rows;
}

static uint64_t al64(uint64_t x) { return (x + 63) / 64 * 64; }

/* One tile of a conversion at row r, column c (n x w) through set base. */
static lp_status quant_step(layer *L, int src, int dst, uint64_t base, uint64_t tr, uint64_t cw, uint64_t r, uint64_t c,
                            uint64_t n, uint64_t w)
{
    const isa_buffer *sb = &L->p->bufs[src], *db = &L->p->bufs[dst];
    mf_format fs, fd, f32, fa;
    mx_elem_id id = MX_FP8_E4M3;
    isa_buffer_format(sb, &fs), isa_buffer_format(db, &fd), mf_get(MF_FP32, &f32);
    bool mx = L->sc[dst] >= 0;
    lp_status st = mx ? elem_of(L, &L->s->a, &fa, &id) : LP_OK;
    uint64_t raw = base, ft = raw + al64(tr * cw * (uint64_t)isa_elem_bytes(&fs)),
             codes = mx ? ft + al64(tr * cw * 4) : ft;
    uint64_t scl = codes + al64(tr * cw * (uint64_t)isa_elem_bytes(&fd)), rne = (uint64_t)mf_round_code(MF_RNE);
    isa_insn in[] = {
        {ISA_DMA_LD, {raw, isa_prog_dram(L->p, src, r, c), n, w, sb->fmt}},
        {ISA_VCVT, {mx ? ft : codes, raw, n, w, mx ? isa_fmt_code(&f32) : db->fmt, sb->fmt, rne}},
        {ISA_MXQ, {codes, scl, ft, n, w, (uint64_t)mx_elem_code(id), rne}},
        {ISA_DMA_ST, {isa_prog_dram(L->p, dst, r, c), codes, n, w, db->fmt}},
        {ISA_DMA_ST,
         {mx ? isa_prog_dram(L->p, L->sc[dst], r, c / 32) : 0, scl, n, w / 32, mx ? L->p->bufs[L->sc[dst]].fmt : 0}},
    };
    for (int i = 0; i < 5 && !st; i++)
        if (mx || (i != 2 && i != 4)) st = isa_prog_add_insn(L->p, &in[i]);
    return st;
}

/* A projection input converted into a by a kernel of its own (nothing when
** dst is src): rows of src (the stream format) in equal blocks over the
** cores, tiles in two sets of staging tiles in turn (the next tile's load
** overlaps this one's work): DMA_LD, VCVT into a, or VCVT to float32 and
** MXQ into codes and E8M0 scales along the row (the projection's K), then
** DMA_ST of the codes and the scales. */
static lp_status quant_op(layer *L, const char *name, int src, int dst, bool in_layer)
{
    if (src == dst) return LP_OK;
    const isa_buffer *sb = &L->p->bufs[src], *db = &L->p->bufs[dst];
    mf_format fs, fd;
    isa_buffer_format(sb, &fs), isa_buffer_format(db, &fd);
    bool mx = L->sc[dst] >= 0;
    uint64_t rows = sb->rows, width = sb->cols, tr, cw;
    quant_tile(L, rows, width, (uint64_t)(isa_elem_bytes(&fs) + isa_elem_bytes(&fd) + (mx ? 4 : 0)), mx, &tr, &cw);
    if (!tr || !cw)
        return lp_diag_msg(L->d, LP_ERR_ARG, "%s: not even one row of %s fits half of %llu bytes of scratchpad", name,
                           mx ? "32 columns" : "one column", (unsigned long long)L->a->spm.size_bytes);
    char shape[64];
    snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)rows, (unsigned long long)width);
    wl_op *op = op_begin(L, name, "convert", shape, "");
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    lp_status st = L->plan_only ? LP_OK : isa_prog_begin_kernel(L->p, name);
    uint64_t cores = L->cores < rows ? L->cores : rows, block = (rows + cores - 1) / cores,
             half = L->a->spm.size_bytes / 2, insns = 0;
    cores = (rows + block - 1) / block;
    for (uint64_t k = 0; k < cores && L->plan_only; k++) { /* per tile: quant_step's 3 instructions, MX 5 */
        uint64_t end = (k + 1) * block < rows ? (k + 1) * block : rows;
        insns += (end - k * block + tr - 1) / tr * ((width + cw - 1) / cw) * (mx ? 5 : 3);
    }
    if (L->plan_only) st = count(L, insns, "", name);
    for (uint64_t k = 0, t = 0; k < cores && !st && !L->plan_only; k++) {
        st = isa_prog_begin_core(L->p, (uint32_t)k);
        uint64_t end = (k + 1) * block < rows ? (k + 1) * block : rows;
        for (uint64_t r = k * block; r < end && !st; r += tr)
            for (uint64_t c = 0; c < width && !st; c += cw, t++) {
                uint64_t n = end - r < tr ? end - r : tr, w = width - c < cw ? width - c : cw;
                st = quant_step(L, src, dst, t % 2 * half / 64 * 64, tr, cw, r, c, n, w);
            }
    }
    op_end(L, op, in_layer);
    op_num(op, "cores", cores), op_num(op, "rows_per_core", block);
    op_num(op, "core_insns", (block + tr - 1) / tr * ((width + cw - 1) / cw) * (mx ? 5 : 3));
    return st ? lp_diag_msg(L->d, st, "%s: %s", name, lp_status_text(st)) : LP_OK;
}

static lp_status kernels(layer *L)
{
    lp_status st = LP_OK;
    if (L->model) {
        wl_vec_args v = vec_args(L, L->R, L->h);
        v.table = view(L->E), v.pos = view(L->PE), v.y = view(L->X), v.ids = L->ids;
        if ((st = vec_kernel(L, "embed", WL_VK_EMBED, &v, NULL, false))) return st;
    }
    if ((st = norm_kernel(L, "norm1", L->X, L->Wn1, L->Bn1, L->Xn, true))) return st;
    if ((st = quant_op(L, "xn_quant", L->Xn, L->Xnq, true))) return st;
    if ((st = gemm_op(L, "q_proj", L->Xnq, L->Wq, L->Q, L->R, L->q, L->h, true))) return st;
    int kout = L->Kn >= 0 ? L->Kn : L->K, vout = L->Vn >= 0 ? L->Vn : L->V;
    if ((st = gemm_op(L, "k_proj", L->Xnq, L->Wk, kout, L->R, L->k, L->h, true))) return st;
    if ((st = gemm_op(L, "v_proj", L->Xnq, L->Wv, vout, L->R, L->k, L->h, true))) return st;
    if (L->rotary) {
        wl_vec_args vq = vec_args(L, L->R, L->q), vk = vec_args(L, L->R, L->k);
        vq.x = vq.y = view(L->Q), vq.table = view(L->ROPE);
        vk.x = vk.y = view(kout), vk.table = view(L->ROPE);
        if ((st = vec_kernel(L, "rotary", WL_VK_ROTARY, &vq, &vk, true))) return st;
    }
    if (kout != L->K && (st = kv_copy(L, L->decode ? "kv_append" : "kv_store", kout, vout))) return st;
    if ((st = quant_op(L, "q_quant", L->Q, L->Qa, true))) return st;
    if ((st = attention_op(L))) return st;
    if ((st = quant_op(L, "o_quant", L->O, L->Oq, true))) return st;
    if ((st = gemm_op(L, "o_proj", L->Oq, L->Wo, L->Y, L->R, L->h, L->q, true))) return st;
    wl_vec_args r1 = vec_args(L, L->R, L->h);
    r1.x = view(L->X), r1.x2 = view(L->Y), r1.y = view(L->H1);
    if ((st = vec_kernel(L, "residual1", WL_VK_RESIDUAL, &r1, NULL, true))) return st;
    if ((st = norm_kernel(L, "norm2", L->H1, L->Wn2, L->Bn2, L->H1n, true))) return st;
    if ((st = quant_op(L, "h1n_quant", L->H1n, L->H1nq, true))) return st;
    if (L->swiglu && (st = gemm_op(L, "gate_proj", L->H1nq, L->Wg, L->Gt, L->R, L->f, L->h, true))) return st;
    if ((st = gemm_op(L, "up_proj", L->H1nq, L->Wu, L->U, L->R, L->f, L->h, true))) return st;
    wl_vec_args act = vec_args(L, L->R, L->f);
    act.x = view(L->swiglu ? L->Gt : L->U), act.x2 = view(L->U), act.y = view(L->A);
    if ((st = vec_kernel(L, "act", L->swiglu ? WL_VK_SWIGLU : WL_VK_GELU, &act, NULL, true))) return st;
    if ((st = quant_op(L, "a_quant", L->A, L->Aq, true))) return st;
    if ((st = gemm_op(L, "down_proj", L->Aq, L->Wd, L->Dn, L->R, L->h, L->f, true))) return st;
    wl_vec_args r2 = vec_args(L, L->R, L->h);
    r2.x = view(L->H1), r2.x2 = view(L->Dn), r2.y = view(L->OUT);
    if ((st = vec_kernel(L, "residual2", WL_VK_RESIDUAL, &r2, NULL, true))) return st;
    if (L->model) {
        if ((st = norm_kernel(L, "norm_f", L->OUT, L->Wnf, L->Bnf, L->XF, false))) return st;
        if ((st = quant_op(L, "xf_quant", L->XF, L->XFq, false))) return st;
        if ((st = gemm_op(L, "lm_head", L->XFq, L->Wlm, L->LOG, L->R, L->md->vocab, L->h, false))) return st;
    }
    if (L->plan_only) return count(L, 1, "", "HALT");
    isa_insn halt = {ISA_HALT, {0}};
    if ((st = isa_prog_add_insn(L->p, &halt))) return lp_diag_msg(L->d, st, "HALT: %s", lp_status_text(st));
    return LP_OK;
}

/* ---- entry ----------------------------------------------------------------------------- */

lp_status wl_gen_layer(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                       lp_diag *d)
{
    wl_pim_geom g;
    return wl_gen_layer_pim(s, a, wl_pim_of_arch(a, &g) ? &g : NULL, o, p, plan, d);
}

lp_status wl_gen_layer_pim(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, const wl_gen_opts *o, isa_prog *p,
                           wl_plan *plan, lp_diag *d)
{
    uint64_t seed = o->seed;
    bool functional = o->functional && !o->plan_only; /* a plan alone has no values */
    layer L;
    memset(&L, 0, sizeof L);
    L.s = s, L.a = a, L.md = wl_model_get((wl_model_id)s->model), L.p = p, L.plan = plan, L.d = d;
    L.functional = functional, L.plan_only = o->plan_only, L.seed = seed, L.model = s->kind == WL_MODEL,
    L.decode = s->phase == WL_DECODE;
    L.rotary = L.md->pos == WL_POS_ROTARY, L.swiglu = L.md->act == WL_ACT_SWIGLU, L.ln = L.md->norm == WL_NORM_LN;
    L.B = s->batch, L.T = L.decode ? 1 : s->seq, L.C = L.decode ? s->ctx : s->seq, L.R = L.B * L.T;
    L.h = L.md->hidden, L.H = L.md->heads, L.G = L.md->kv_heads, L.D = L.md->head_dim;
    L.q = L.H * L.D, L.k = L.G * L.D, L.f = L.md->mlp;
    L.cores = s->cores ? s->cores : a->cores;
    L.PE = L.Bn1 = L.Bn2 = L.Bnf = L.Wg = L.Gt = L.Kn = L.Vn = L.ROPE = L.MASK = L.E = -1;
    L.Xnq = L.Oq = L.H1nq = L.Aq = L.XF = L.XFq = L.Qa = -1;
    for (int i = 0; i < LAYER_MAX_BUFFERS; i++) L.sc[i] = -1;
    wl_layer_stream(&s->a, &L.fi);
    L.narrow = strcmp(L.fi.name, s->a.name) != 0;
    mf_format fa, fw;
    L.pim = g && !s->a.mx && !s->w.mx && !mf_parse(s->a.name, &fa, NULL) && !mf_parse(s->w.name, &fw, NULL) &&
            wl_pim_takes(&fa, &fw);
    if (L.pim) L.pg = *g;
    int first_op = plan->nops;
    isa_prog_init(p);
    if (s->kv.mx) return lp_diag_msg(d, LP_ERR_ARG, "kv=%s: the KV cache takes an element format, not MX", s->kv.name);
    lp_status st = LP_OK;
    if (L.model) {
        L.ids = malloc(sizeof *L.ids * (L.R ? L.R : 1));
        if (!L.ids) return lp_diag_msg(d, LP_ERR_NOMEM, "token ids: out of memory");
        wl_vec_token_ids(seed ^ 0x1d5, L.R, L.md->vocab, L.ids);
    }
    if (!st) st = buffers(&L);
    if (!st) st = kernels(&L);
    if (!st && functional) st = wl_layer_expect(&L);
    plan->insns = L.plan_only ? L.insns : p->ninsns;
    /* on a chip with arrays, every operation not in them says it ran on the host */
    for (int i = first_op; g && i < plan->nops; i++) {
        wl_op *op = &plan->op[i];
        bool unit = false;
        for (int k = 0; k < op->nkv; k++) unit |= !strcmp(op->kv[k].key, "unit");
        if (!unit) op_str(op, "unit", "host");
    }
    if (L.model)
        snprintf(plan->note, sizeof plan->note,
                 "one layer simulated for the %llu identical layers of %s: its kernels count %llu times in the time, "
                 "energy, MACs and DRAM and L2 bytes; the other statistics are the simulated program's",
                 (unsigned long long)L.md->layers, L.md->name, (unsigned long long)L.md->layers);
    free(L.ids);
    return st;
}
