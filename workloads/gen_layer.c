/*
** gen_layer.c — transformer layers and whole models as programs
** (docs/workloads.md, "Layers and models"): one kernel per operation, in the
** order a pre-norm block runs them, each dealt over the chip's cores, over
** DRAM tensors laid out as a model keeps them (token-major activations,
** nn.Linear weights [out, in] loaded transposed by the GEMMs, the KV cache
** [batch * ctx, kv_heads * head_dim]).
**
** A model is the embedding, one layer standing for all of its identical
** layers (its operations repeat `layers` times in the report), the final norm
** and the vocabulary projection: its functional check is that of the
** program it simulates, a one-layer model. The reference is float64 by plain
** loops over the decoded inputs, sharing nothing with the kernels; the
** activations the program stores between kernels are rounded to `a`, which
** the normwise tolerance allows for (wl_layer_tol).
*/
#include "gen_layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vec.h"
#include "map_attn.h"
#include "map_gemm.h"

#define EPS 1e-5 /* rms_norm_eps and layer_norm_epsilon of the three presets */
#define PI 3.14159265358979323846

typedef struct layer {
    const wl_spec *s;
    const arch_cfg *a;
    const wl_model *md;
    isa_prog *p;
    wl_plan *plan;
    lp_diag *d;
    bool functional, decode, model, rotary, swiglu, ln;
    uint64_t seed;
    uint64_t B, T, C, R, h, q, k, f, H, G, D, cores;
    /* buffers (-1: none) */
    int E, PE, X, Wn1, Bn1, Xn, Wq, Wk, Wv, Q, K, V, Kn, Vn, ROPE, MASK, O, Wo, Y, H1, Wn2, Bn2, H1n;
    int Wg, Wu, Gt, U, A, Wd, Dn, OUT, Wnf, Bnf, XF, Wlm, LOG;
    uint32_t *ids; /* model: token ids of the R rows */
} layer;

/* ---- buffers ------------------------------------------------------------------------- */

static lp_status buffer(layer *L, const char *name, const wl_fmt *f, uint64_t rows, uint64_t cols, int *idx)
{
    mf_format mf;
    lp_status st = mf_parse(f->name, &mf, L->d);
    if (st) return st;
    if (rows > ISA_MAX_DIM || cols > ISA_MAX_DIM)
        return lp_diag_msg(L->d, LP_ERR_RANGE, "buffer %s of %llu x %llu is beyond the ISA's %u rows or columns", name,
                           (unsigned long long)rows, (unsigned long long)cols, (unsigned)ISA_MAX_DIM);
    *idx = (int)L->p->nbufs;
    st = isa_prog_add_buffer(L->p, name, isa_fmt_code(&mf), (uint32_t)rows, (uint32_t)cols);
    return st ? lp_diag_msg(L->d, st, "buffer %s of %llu x %llu: %s", name, (unsigned long long)rows,
                            (unsigned long long)cols, lp_status_text(st))
              : LP_OK;
}

/* A seeded input (functional runs only): uniform in [lo, hi). */
static lp_status seeded(layer *L, const char *name, const wl_fmt *f, uint64_t rows, uint64_t cols, double lo, double hi,
                        int *idx)
{
    lp_status st = buffer(L, name, f, rows, cols, idx);
    if (!st && L->functional && (st = wl_vec_seed(L->p, *idx, L->seed + L->p->nbufs, lo, hi)))
        return lp_diag_msg(L->d, st, "data of %s: %s", name, lp_status_text(st));
    return st;
}

/* A weight [out][in] as nn.Linear holds it, uniform in +-1/sqrt(in) (its
** default initialisation), so that activations stay near 1. */
static lp_status weight(layer *L, const char *name, uint64_t out, uint64_t in, int *idx)
{
    double r = 1.0 / sqrt((double)in);
    return seeded(L, name, &L->s->w, out, in, -r, r, idx);
}

static lp_status norm_weights(layer *L, const char *w, const char *b, int *wi, int *bi)
{
    lp_status st = seeded(L, w, &L->s->a, 1, L->h, 0.5, 1.5, wi);
    *bi = -1;
    if (!st && L->ln) st = seeded(L, b, &L->s->a, 1, L->h, -0.25, 0.25, bi);
    return st;
}

static lp_status buffers(layer *L)
{
    const wl_fmt *fa = &L->s->a, *fkv = &L->s->kv;
    lp_status st = LP_OK;
    if (L->model) {
        if (!st) st = weight(L, "E", L->md->vocab, L->h, &L->E);
        if (!st && L->md->pos == WL_POS_LEARNED) st = seeded(L, "PE", &L->s->w, L->md->positions, L->h, -1, 1, &L->PE);
        if (!st) st = buffer(L, "X", fa, L->R, L->h, &L->X);
    } else if (!st) {
        st = seeded(L, "X", fa, L->R, L->h, -1, 1, &L->X);
    }
    if (!st) st = norm_weights(L, "WN1", "BN1", &L->Wn1, &L->Bn1);
    if (!st) st = buffer(L, "XN", fa, L->R, L->h, &L->Xn);
    if (!st) st = weight(L, "WQ", L->q, L->h, &L->Wq);
    if (!st) st = weight(L, "WK", L->k, L->h, &L->Wk);
    if (!st) st = weight(L, "WV", L->k, L->h, &L->Wv);
    if (!st) st = buffer(L, "Q", fa, L->R, L->q, &L->Q);
    /* the KV cache: in decode its ctx - 1 earlier tokens are inputs, the new one's K and V land in Kn, Vn first */
    if (!st && L->decode) st = seeded(L, "K", fkv, L->B * L->C, L->k, -1, 1, &L->K);
    if (!st && L->decode) st = seeded(L, "V", fkv, L->B * L->C, L->k, -1, 1, &L->V);
    /* the projections write K and V in a's format: into the cache itself in prefill when kv is a,
    ** else into KN and VN, which kv_append (decode) or kv_store (prefill) copy into the cache */
    bool same = !strcmp(fkv->name, fa->name);
    if (!st && (L->decode || !same)) st = buffer(L, "KN", fa, L->R, L->k, &L->Kn);
    if (!st && (L->decode || !same)) st = buffer(L, "VN", fa, L->R, L->k, &L->Vn);
    if (!st && !L->decode) st = buffer(L, "K", fkv, L->R, L->k, &L->K);
    if (!st && !L->decode) st = buffer(L, "V", fkv, L->R, L->k, &L->V);
    if (!st && L->rotary)
        st = wl_vec_rope_table(L->p, "ROPE", L->decode ? L->C : L->T, L->D, L->md->rope_theta, &L->ROPE, L->d);
    if (!st) st = buffer(L, "O", fa, L->R, L->q, &L->O);
    if (!st) st = weight(L, "WO", L->h, L->q, &L->Wo);
    if (!st) st = buffer(L, "Y", fa, L->R, L->h, &L->Y);
    if (!st) st = buffer(L, "H1", fa, L->R, L->h, &L->H1);
    if (!st) st = norm_weights(L, "WN2", "BN2", &L->Wn2, &L->Bn2);
    if (!st) st = buffer(L, "H1N", fa, L->R, L->h, &L->H1n);
    if (!st && L->swiglu) st = weight(L, "WG", L->f, L->h, &L->Wg);
    if (!st) st = weight(L, "WU", L->f, L->h, &L->Wu);
    if (!st && L->swiglu) st = buffer(L, "G", fa, L->R, L->f, &L->Gt);
    if (!st) st = buffer(L, "U", fa, L->R, L->f, &L->U);
    if (!st) st = buffer(L, "A", fa, L->R, L->f, &L->A);
    if (!st) st = weight(L, "WD", L->h, L->f, &L->Wd);
    if (!st) st = buffer(L, "DN", fa, L->R, L->h, &L->Dn);
    if (!st) st = buffer(L, "OUT", fa, L->R, L->h, &L->OUT);
    if (L->model) {
        if (!st) st = norm_weights(L, "WNF", "BNF", &L->Wnf, &L->Bnf);
        if (!st) st = buffer(L, "XF", fa, L->R, L->h, &L->XF);
        if (!st) st = weight(L, "WLM", L->md->vocab, L->h, &L->Wlm);
        if (!st) st = buffer(L, "LOGITS", fa, L->R, L->md->vocab, &L->LOG);
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

static wl_vec_args vec_args(const layer *L, uint64_t rows, uint64_t width)
{
    wl_vec_args v;
    memset(&v, 0, sizeof v);
    v.x.buf = v.x2.buf = v.w.buf = v.b.buf = v.table.buf = v.pos.buf = v.y.buf = -1;
    v.rows = rows, v.width = width, v.eps = EPS, v.head_dim = L->D;
    v.tokens = L->decode ? 1 : L->T, v.pos0 = L->decode ? L->C - 1 : 0;
    v.spm_bytes = L->a->spm.size_bytes, v.acc_bytes = L->a->acc.size_bytes;
    return v;
}

static wl_vec_view view(int b) { return (wl_vec_view){b, 0, 0}; }

/* A vector kernel over rows split in equal blocks over the cores; a second
** call (rotary's K) is split likewise on the same cores. */
static lp_status vec_kernel(layer *L, const char *name, wl_vec_kind k, const wl_vec_args *va, const wl_vec_args *vb,
                            bool in_layer)
{
    char shape[64];
    snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)va->rows, (unsigned long long)va->width);
    wl_op *op = op_begin(L, name, wl_vec_name(k), shape, "");
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    lp_status st = isa_prog_begin_kernel(L->p, name);
    uint64_t cores = L->cores < va->rows ? L->cores : va->rows, block = (va->rows + cores - 1) / cores;
    cores = (va->rows + block - 1) / block;
    uint64_t bblock = vb ? (vb->rows + cores - 1) / cores : 0;
    for (uint64_t c = 0; c < cores && !st; c++) {
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
    return st == LP_ERR_NOMEM || st == LP_ERR_RANGE ? lp_diag_msg(L->d, st, "%s: %s", name, lp_status_text(st)) : st;
}

static lp_status norm_kernel(layer *L, const char *name, int x, int w, int b, int y, bool in_layer)
{
    wl_vec_args v = vec_args(L, L->R, L->h);
    v.x = view(x), v.w = view(w), v.b = view(b), v.y = view(y);
    return vec_kernel(L, name, L->ln ? WL_VK_LAYERNORM : WL_VK_RMSNORM, &v, NULL, in_layer);
}

/* C [M][N] = A [M][K] x W^T, W [N][K] as nn.Linear holds it. */
static lp_status gemm_op(layer *L, const char *name, int A, int W, int C, uint64_t M, uint64_t N, uint64_t K,
                         const wl_fmt *fo, bool in_layer)
{
    wl_spec gs;
    memset(&gs, 0, sizeof gs);
    gs.kind = WL_GEMM, gs.m = M, gs.n = N, gs.k = K, gs.batch = 1, gs.layout = 0 /* nk */, gs.cores = L->s->cores;
    gs.in = gs.in_a = L->s->a, gs.in_b = L->s->w, gs.out = *fo;
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
    wl_gemm_bufs b = {A, W, -1, -1, C, P};
    st = wl_gen_gemm_kernels(L->p, &m, &b, name, L->d);
    op_end(L, op, in_layer);
    op_num(op, "tm", m.tm), op_num(op, "tn", m.tn), op_num(op, "tk", m.tk), op_num(op, "split_k", m.split);
    op_num(op, "cores", m.cores), op_num(op, "tiles", m.tiles), op_num(op, "waves", m.waves);
    if (m.band) op_num(op, "band", m.band);
    return st;
}

static lp_status attention_op(layer *L)
{
    wl_spec as;
    memset(&as, 0, sizeof as);
    as.kind = WL_ATTENTION, as.phase = L->decode ? WL_DECODE : WL_PREFILL, as.batch = L->B, as.heads = L->H;
    as.kv_heads = L->G, as.head_dim = L->D, as.seq = L->decode ? 0 : L->T, as.ctx = L->decode ? L->C : 0;
    as.causal = !L->decode, as.in = L->s->a, as.kv = L->s->kv, as.out = L->s->a, as.cores = L->s->cores;
    wl_attn_map m;
    char why[LP_DIAG_MSG_MAX];
    lp_status st = wl_map_attn(&as, L->a, NULL, &m, L->d);
    if (st) {
        snprintf(why, sizeof why, "%s", L->d->msg);
        return lp_diag_msg(L->d, st, "attention: %s", why);
    }
    if ((st = wl_gen_attn_mask(L->p, &m, &L->MASK, L->d))) return st;
    wl_attn_bufs b = {L->Q, L->K, L->V, L->MASK, L->O, -1, -1, -1};
    char shape[96];
    snprintf(shape, sizeof shape, "b%llu h%llu kv%llu d%llu q%llu k%llu", (unsigned long long)L->B,
             (unsigned long long)L->H, (unsigned long long)L->G, (unsigned long long)L->D,
             (unsigned long long)(L->decode ? 1 : L->T), (unsigned long long)L->C);
    wl_op *op = op_begin(L, "attention", "attention", shape, m.fin.name);
    if (!op) return lp_diag_msg(L->d, LP_ERR_RANGE, "more than %d operations", WL_MAX_OPS);
    uint64_t items = wl_attn_items(&m), cores = L->cores < items ? L->cores : items;
    st = isa_prog_begin_kernel(L->p, "attention");
    if (!st) st = wl_gen_attn_cores(L->p, &m, &b, cores, true, L->d);
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
    lp_status st = isa_prog_begin_kernel(L->p, name);
    const isa_buffer *bufs = L->p->bufs;
    mf_format fa, fkv;
    isa_buffer_format(&bufs[ksrc], &fa);
    isa_buffer_format(&bufs[L->K], &fkv);
    bool cvt = isa_fmt_code(&fa) != isa_fmt_code(&fkv);
    uint64_t rows = L->decode ? L->B : L->R, row_bytes = L->k * (uint64_t)(isa_elem_bytes(&fa) + isa_elem_bytes(&fkv));
    uint64_t tr = L->decode ? 1 : L->a->spm.size_bytes / (2 * row_bytes + 128);
    if (!tr) return lp_diag_msg(L->d, LP_ERR_ARG, "%s: a row of K does not fit the scratchpad", name);
    if (tr > 65535) tr = 65535;
    uint64_t cores = L->cores < rows ? L->cores : rows, block = (rows + cores - 1) / cores;
    cores = (rows + block - 1) / block;
    for (uint64_t c = 0; c < cores && !st; c++) {
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
    return st ? lp_diag_msg(L->d, st, "%s: %s", name, lp_status_text(st)) : LP_OK;
}

static lp_status kernels(layer *L)
{
    lp_status st = LP_OK;
    const wl_fmt *fa = &L->s->a;
    if (L->model) {
        wl_vec_args v = vec_args(L, L->R, L->h);
        v.table = view(L->E), v.pos = view(L->PE), v.y = view(L->X), v.ids = L->ids;
        if ((st = vec_kernel(L, "embed", WL_VK_EMBED, &v, NULL, false))) return st;
    }
    if ((st = norm_kernel(L, "norm1", L->X, L->Wn1, L->Bn1, L->Xn, true))) return st;
    if ((st = gemm_op(L, "q_proj", L->Xn, L->Wq, L->Q, L->R, L->q, L->h, fa, true))) return st;
    int kout = L->Kn >= 0 ? L->Kn : L->K, vout = L->Vn >= 0 ? L->Vn : L->V;
    if ((st = gemm_op(L, "k_proj", L->Xn, L->Wk, kout, L->R, L->k, L->h, fa, true))) return st;
    if ((st = gemm_op(L, "v_proj", L->Xn, L->Wv, vout, L->R, L->k, L->h, fa, true))) return st;
    if (L->rotary) {
        wl_vec_args vq = vec_args(L, L->R, L->q), vk = vec_args(L, L->R, L->k);
        vq.x = vq.y = view(L->Q), vq.table = view(L->ROPE);
        vk.x = vk.y = view(kout), vk.table = view(L->ROPE);
        if ((st = vec_kernel(L, "rotary", WL_VK_ROTARY, &vq, &vk, true))) return st;
    }
    if (kout != L->K && (st = kv_copy(L, L->decode ? "kv_append" : "kv_store", kout, vout))) return st;
    if ((st = attention_op(L))) return st;
    if ((st = gemm_op(L, "o_proj", L->O, L->Wo, L->Y, L->R, L->h, L->q, fa, true))) return st;
    wl_vec_args r1 = vec_args(L, L->R, L->h);
    r1.x = view(L->X), r1.x2 = view(L->Y), r1.y = view(L->H1);
    if ((st = vec_kernel(L, "residual1", WL_VK_RESIDUAL, &r1, NULL, true))) return st;
    if ((st = norm_kernel(L, "norm2", L->H1, L->Wn2, L->Bn2, L->H1n, true))) return st;
    if (L->swiglu && (st = gemm_op(L, "gate_proj", L->H1n, L->Wg, L->Gt, L->R, L->f, L->h, fa, true))) return st;
    if ((st = gemm_op(L, "up_proj", L->H1n, L->Wu, L->U, L->R, L->f, L->h, fa, true))) return st;
    wl_vec_args act = vec_args(L, L->R, L->f);
    act.x = view(L->swiglu ? L->Gt : L->U), act.x2 = view(L->U), act.y = view(L->A);
    if ((st = vec_kernel(L, "act", L->swiglu ? WL_VK_SWIGLU : WL_VK_GELU, &act, NULL, true))) return st;
    if ((st = gemm_op(L, "down_proj", L->A, L->Wd, L->Dn, L->R, L->h, L->f, fa, true))) return st;
    wl_vec_args r2 = vec_args(L, L->R, L->h);
    r2.x = view(L->H1), r2.x2 = view(L->Dn), r2.y = view(L->OUT);
    if ((st = vec_kernel(L, "residual2", WL_VK_RESIDUAL, &r2, NULL, true))) return st;
    if (L->model) {
        if ((st = norm_kernel(L, "norm_f", L->OUT, L->Wnf, L->Bnf, L->XF, false))) return st;
        if ((st = gemm_op(L, "lm_head", L->XF, L->Wlm, L->LOG, L->R, L->md->vocab, L->h, fa, false))) return st;
    }
    isa_insn halt = {ISA_HALT, {0}};
    return isa_prog_add_insn(L->p, &halt);
}

/* ---- the float64 reference ----------------------------------------------------------- */

/* The decoded initial contents of buffer b (n = rows x cols values). */
static double *values(const layer *L, int b)
{
    const isa_buffer *x = &L->p->bufs[b];
    size_t n = (size_t)x->rows * x->cols;
    double *v = calloc(n ? n : 1, sizeof *v);
    if (!v || !x->has_data) return v;
    mf_format f;
    isa_buffer_format(x, &f);
    int eb = isa_elem_bytes(&f);
    const uint8_t *q = L->p->data + x->data_off;
    for (size_t i = 0; i < n; i++) {
        uint32_t code = 0;
        for (int j = eb - 1; j >= 0; j--) code = code << 8 | q[i * (size_t)eb + (size_t)j];
        uint32_t u = mf_decode_f32(&f, code);
        float fl;
        memcpy(&fl, &u, sizeof fl);
        v[i] = fl;
    }
    return v;
}

/* x rounded to format f (to nearest even), as a store in f keeps it. */
static double to_format(const mf_format *f, double x)
{
    float v = (float)x;
    uint32_t u, code;
    memcpy(&u, &v, sizeof u);
    code = mf_encode_f32(f, u, NULL, 0);
    u = mf_decode_f32(f, code);
    memcpy(&v, &u, sizeof v);
    return v;
}

/* y [R][N] = x [R][K] W^T, W [N][K]. */
static void linear(const double *x, const double *w, size_t R, size_t N, size_t K, double *y)
{
    for (size_t r = 0; r < R; r++)
        for (size_t n = 0; n < N; n++) {
            double s = 0;
            for (size_t k = 0; k < K; k++) s += x[r * K + k] * w[n * K + k];
            y[r * N + n] = s;
        }
}

static void norm(const layer *L, const double *x, const double *w, const double *b, double *y)
{
    for (size_t r = 0; r < L->R; r++) {
        const double *xr = x + r * L->h;
        double mean = 0, var = 0;
        for (size_t i = 0; i < L->h; i++) mean += xr[i];
        mean /= (double)L->h;
        for (size_t i = 0; i < L->h; i++) {
            double c = L->ln ? xr[i] - mean : xr[i];
            var += c * c;
        }
        double inv = 1.0 / sqrt(var / (double)L->h + EPS);
        for (size_t i = 0; i < L->h; i++)
            y[r * L->h + i] = ((L->ln ? xr[i] - mean : xr[i]) * inv) * w[i] + (L->ln ? b[i] : 0);
    }
}

/* RoPE in place on rows of heads x D at position pos(r) (rotate-half form). */
static void rope(const layer *L, double *x, size_t rows, size_t width)
{
    size_t D = L->D, half = D / 2;
    for (size_t r = 0; r < rows; r++) {
        double pos = (double)(L->decode ? L->C - 1 : r % L->T);
        for (size_t h0 = 0; h0 < width; h0 += D)
            for (size_t i = 0; i < half; i++) {
                double th = pos * pow(L->md->rope_theta, -2.0 * (double)i / (double)D), c = cos(th), s = sin(th);
                double *x1 = x + r * width + h0 + i, *x2 = x1 + half, a = *x1, b = *x2;
                *x1 = a * c - b * s, *x2 = b * c + a * s;
            }
    }
}

/* o [R][q]: softmax(q k^T / sqrt(D)) v over each sequence's keys (kc, vc:
** [B * C][k]), causal in prefill. */
static void attend(const layer *L, const double *qm, const double *kc, const double *vc, double *o)
{
    size_t D = L->D, grp = L->H / L->G;
    double *sc = malloc(sizeof *sc * L->C);
    if (!sc) return;
    for (size_t r = 0; r < L->R; r++) {
        size_t b = r / L->T, t = r % L->T, n = L->decode ? L->C : t + 1;
        for (size_t hh = 0; hh < L->H; hh++) {
            size_t g = hh / grp;
            double mx = -INFINITY, sum = 0;
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t e = 0; e < D; e++) s += qm[r * L->q + hh * D + e] * kc[(b * L->C + j) * L->k + g * D + e];
                sc[j] = s / sqrt((double)D);
                mx = fmax(mx, sc[j]);
            }
            for (size_t j = 0; j < n; j++) sum += (sc[j] = exp(sc[j] - mx));
            for (size_t e = 0; e < D; e++) {
                double s = 0;
                for (size_t j = 0; j < n; j++) s += sc[j] * vc[(b * L->C + j) * L->k + g * D + e];
                o[r * L->q + hh * D + e] = s / sum;
            }
        }
    }
    free(sc);
}

/* The layer (and, for a model, the embedding before it and the head after)
** into out: OUT [R][h], or LOGITS [R][vocab]. */
static lp_status reference(layer *L, double **out)
{
    size_t R = L->R, h = L->h, q = L->q, k = L->k, f = L->f;
    double *x = L->model ? calloc(R * h, sizeof *x) : values(L, L->X);
    double *wn1 = values(L, L->Wn1), *bn1 = L->ln ? values(L, L->Bn1) : NULL, *wq = values(L, L->Wq);
    double *wk = values(L, L->Wk), *wv = values(L, L->Wv), *wo = values(L, L->Wo), *wn2 = values(L, L->Wn2);
    double *bn2 = L->ln ? values(L, L->Bn2) : NULL, *wg = L->swiglu ? values(L, L->Wg) : NULL, *wu = values(L, L->Wu);
    double *wd = values(L, L->Wd), *xn = malloc(sizeof *xn * R * h), *qm = malloc(sizeof *qm * R * q);
    double *kn = malloc(sizeof *kn * R * k), *vn = malloc(sizeof *vn * R * k);
    double *kc = L->decode ? values(L, L->K) : kn, *vc = L->decode ? values(L, L->V) : vn;
    double *o = malloc(sizeof *o * R * q), *y = malloc(sizeof *y * R * h), *g = malloc(sizeof *g * R * f);
    double *u = malloc(sizeof *u * R * f), *res = NULL;
    lp_status st = LP_ERR_NOMEM;
    if (!x || !wn1 || (L->ln && (!bn1 || !bn2)) || !wq || !wk || !wv || !wo || !wn2 || (L->swiglu && !wg) || !wu ||
        !wd || !xn || !qm || !kn || !vn || !kc || !vc || !o || !y || !g || !u)
        goto free_all;
    if (L->model) {
        double *e = values(L, L->E), *pe = L->PE >= 0 ? values(L, L->PE) : NULL;
        if (!e || (L->PE >= 0 && !pe)) {
            free(e), free(pe);
            goto free_all;
        }
        for (size_t r = 0; r < R; r++)
            for (size_t i = 0; i < h; i++)
                x[r * h + i] = e[(size_t)L->ids[r] * h + i] + (pe ? pe[(L->decode ? L->C - 1 : r % L->T) * h + i] : 0);
        free(e), free(pe);
    }
    norm(L, x, wn1, bn1, xn);
    linear(xn, wq, R, q, h, qm), linear(xn, wk, R, k, h, kn), linear(xn, wv, R, k, h, vn);
    if (L->rotary) rope(L, qm, R, q), rope(L, kn, R, k);
    /* the cache holds K and V in kv's format: the attention sees them rounded */
    mf_format fkv;
    if (mf_parse(L->s->kv.name, &fkv, NULL) == LP_OK)
        for (size_t i = 0; i < R * k; i++) kn[i] = to_format(&fkv, kn[i]), vn[i] = to_format(&fkv, vn[i]);
    if (L->decode)
        for (size_t b = 0; b < L->B; b++)
            for (size_t i = 0; i < k; i++) {
                kc[(b * L->C + L->C - 1) * k + i] = kn[b * k + i];
                vc[(b * L->C + L->C - 1) * k + i] = vn[b * k + i];
            }
    attend(L, qm, kc, vc, o);
    linear(o, wo, R, h, q, y);
    for (size_t i = 0; i < R * h; i++) x[i] += y[i]; /* x is now H1 */
    norm(L, x, wn2, bn2, xn);
    linear(xn, wu, R, f, h, u);
    if (L->swiglu) {
        linear(xn, wg, R, f, h, g);
        for (size_t i = 0; i < R * f; i++) u[i] *= g[i] / (1 + exp(-g[i]));
    } else {
        for (size_t i = 0; i < R * f; i++) {
            double z = u[i];
            u[i] = 0.5 * z * (1 + tanh(sqrt(2 / PI) * (z + 0.044715 * z * z * z)));
        }
    }
    linear(u, wd, R, h, f, y);
    for (size_t i = 0; i < R * h; i++) x[i] += y[i]; /* the layer's output */
    if (!L->model) {
        res = x, x = NULL, st = LP_OK;
        goto free_all;
    }
    double *wnf = values(L, L->Wnf), *bnf = L->ln ? values(L, L->Bnf) : NULL, *wlm = values(L, L->Wlm);
    res = malloc(sizeof *res * R * L->md->vocab);
    if (wnf && (!L->ln || bnf) && wlm && res) {
        norm(L, x, wnf, bnf, xn);
        linear(xn, wlm, R, L->md->vocab, h, res);
        st = LP_OK;
    } else {
        free(res), res = NULL;
    }
    free(wnf), free(bnf), free(wlm);
free_all:
    if (kc != kn) free(kc);
    if (vc != vn) free(vc);
    free(x), free(wn1), free(bn1), free(wq), free(wk), free(wv), free(wo), free(wn2), free(bn2), free(wg), free(wu);
    free(wd), free(xn), free(qm), free(kn), free(vn), free(o), free(y), free(g), free(u);
    *out = res;
    return st;
}

double wl_layer_tol(const wl_fmt *a) { return a->bits >= 32 ? 1e-3 : 2e-2; }

static lp_status expectation(layer *L)
{
    double *ref;
    lp_status st = reference(L, &ref);
    if (st) return lp_diag_msg(L->d, st, "layer reference: %s", lp_status_text(st));
    int b = L->model ? L->LOG : L->OUT;
    const isa_buffer *x = &L->p->bufs[b];
    size_t n = (size_t)x->rows * x->cols;
    mf_format f;
    isa_buffer_format(x, &f);
    uint32_t *codes = malloc(sizeof *codes * (n ? n : 1));
    st = codes ? LP_OK : LP_ERR_NOMEM;
    for (size_t i = 0; !st && i < n; i++) {
        float v = (float)ref[i];
        uint32_t u;
        memcpy(&u, &v, sizeof u);
        codes[i] = mf_encode_f32(&f, u, NULL, 0);
    }
    if (!st) st = isa_prog_put_codes(L->p, b, codes, n, true, ISA_RULE_RELERR, wl_layer_tol(&L->s->a));
    free(codes), free(ref);
    return st ? lp_diag_msg(L->d, st, "layer expectation: %s", lp_status_text(st)) : LP_OK;
}

/* ---- entry ----------------------------------------------------------------------------- */

lp_status wl_gen_layer(const wl_spec *s, const arch_cfg *a, uint64_t seed, bool functional, isa_prog *p, wl_plan *plan,
                       lp_diag *d)
{
    layer L;
    memset(&L, 0, sizeof L);
    L.s = s, L.a = a, L.md = wl_model_get((wl_model_id)s->model), L.p = p, L.plan = plan, L.d = d;
    L.functional = functional, L.seed = seed, L.model = s->kind == WL_MODEL, L.decode = s->phase == WL_DECODE;
    L.rotary = L.md->pos == WL_POS_ROTARY, L.swiglu = L.md->act == WL_ACT_SWIGLU, L.ln = L.md->norm == WL_NORM_LN;
    L.B = s->batch, L.T = L.decode ? 1 : s->seq, L.C = L.decode ? s->ctx : s->seq, L.R = L.B * L.T;
    L.h = L.md->hidden, L.H = L.md->heads, L.G = L.md->kv_heads, L.D = L.md->head_dim;
    L.q = L.H * L.D, L.k = L.G * L.D, L.f = L.md->mlp;
    L.cores = s->cores ? s->cores : a->cores;
    L.PE = L.Bn1 = L.Bn2 = L.Bnf = L.Wg = L.Gt = L.Kn = L.Vn = L.ROPE = L.MASK = L.E = -1;
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
    if (!st && functional) st = expectation(&L);
    if (L.model)
        snprintf(plan->note, sizeof plan->note,
                 "one layer simulated for the %llu identical layers of %s: its kernels count %llu times in the time, "
                 "energy, MACs and DRAM and L2 bytes; the other statistics are the simulated program's",
                 (unsigned long long)L.md->layers, L.md->name, (unsigned long long)L.md->layers);
    free(L.ids);
    return st;
}
