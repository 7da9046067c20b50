/*
** wl_count.c — operation counts of a workload apart from any mapping: MACs by
** pair of input formats, elementwise operations by class, minimum DRAM bytes
** (workload.h states the rules; docs/workloads.md writes every formula out).
**
** Tensors are counted as (rows, cols) with cols the dimension an MX format
** quantises along: K for GEMM operands, head_dim for Q, K, V and O, the input
** width for weights (an nn.Linear weight is out rows of in), hidden for
** activations. Each tensor is packed on its own: ceil(rows*cols*bits/8) bytes
** plus rows*ceil(cols/32) scale bytes when MX.
*/
#include "workload.h"

#include <string.h>

static uint64_t tensor_bytes(const wl_fmt *f, uint64_t rows, uint64_t cols)
{
    uint64_t b = (rows * cols * (uint64_t)f->bits + 7) / 8;
    return f->mx ? b + rows * ((cols + 31) / 32) : b;
}

static void add_macs(wl_counts *c, const wl_fmt *a, const wl_fmt *b, uint64_t macs)
{
    int i = 0;
    while (i < c->n_pairs && (strcmp(c->pair[i].a.name, a->name) || strcmp(c->pair[i].b.name, b->name))) i++;
    if (i == c->n_pairs) {
        c->pair[i].a = *a;
        c->pair[i].b = *b;
        c->n_pairs++;
    }
    c->pair[i].macs += macs;
    c->macs += macs;
}

static void add_vec(wl_counts *c, wl_vec v, uint64_t ops)
{
    c->vec[v] += ops;
    c->vec_ops += ops;
}

static void add_read(wl_counts *c, uint64_t bytes) { c->read_bytes += bytes, c->bytes += bytes; }
static void add_write(wl_counts *c, uint64_t bytes) { c->write_bytes += bytes, c->bytes += bytes; }

/* C[batch][M][N] = A[batch][M][K] . B[batch][K][N] (B stored N x K or K x N:
** the same bytes). gemv is the same with batch 1 and M 1. */
static void count_gemm(const wl_spec *s, uint64_t batch, uint64_t m, wl_counts *c)
{
    add_macs(c, &s->in_a, &s->in_b, batch * m * s->n * s->k);
    add_read(c, tensor_bytes(&s->in_a, batch * m, s->k));
    add_read(c, tensor_bytes(&s->in_b, batch * s->n, s->k));
    add_write(c, tensor_bytes(&s->out, batch * m, s->n));
}

/* Score elements of the attention core: causal prefill the lower triangle
** with its diagonal, otherwise every pair; decode one query against ctx keys. */
static uint64_t score_elems(uint64_t batch, uint64_t heads, wl_phase ph, uint64_t seq, uint64_t ctx, bool causal)
{
    if (ph == WL_DECODE) return batch * heads * ctx;
    return batch * heads * (causal ? seq * (seq + 1) / 2 : seq * seq);
}

/* The attention core: QK^T and PV, 2 * head_dim MACs per score element, at
** (q format, kv format); softmax per score element. */
static void count_core(wl_counts *c, const wl_fmt *q, const wl_fmt *kv, uint64_t scores, uint64_t head_dim)
{
    add_macs(c, q, kv, 2 * scores * head_dim);
    add_vec(c, WL_VEC_SOFTMAX, WL_OPS_SOFTMAX * scores);
}

static void count_attention(const wl_spec *s, wl_counts *c)
{
    wl_phase ph = (wl_phase)s->phase;
    uint64_t q_rows = s->batch * s->heads * (ph == WL_PREFILL ? s->seq : 1);
    uint64_t kv_rows = s->batch * s->kv_heads * (ph == WL_PREFILL ? s->seq : s->ctx);
    count_core(c, &s->in, &s->kv, score_elems(s->batch, s->heads, ph, s->seq, s->ctx, s->causal), s->head_dim);
    add_read(c, tensor_bytes(&s->in, q_rows, s->head_dim));
    add_read(c, 2 * tensor_bytes(&s->kv, kv_rows, s->head_dim));
    add_write(c, tensor_bytes(&s->out, q_rows, s->head_dim));
}

void wl_layer_stream(const wl_fmt *a, wl_fmt *out)
{
    static const wl_fmt bf16 = {"bf16", 16, false};
    *out = a->mx || a->bits < 16 ? bf16 : *a;
}

/* Rows (tokens over the batch) a layer or model works on. */
static uint64_t rows_of(const wl_spec *s) { return s->batch * (s->phase == WL_PREFILL ? s->seq : 1); }

static uint64_t norm_ops(const wl_model *m) { return m->norm == WL_NORM_RMS ? WL_OPS_RMSNORM : WL_OPS_LAYERNORM; }
static uint64_t norm_vectors(const wl_model *m) { return m->norm == WL_NORM_RMS ? 1 : 2; }

/* One layer: norm, Q K V projections, rotary, attention core (causal in
** prefill), O projection, residual add, norm, MLP, residual add. */
static void count_layer(const wl_spec *s, wl_counts *c)
{
    const wl_model *m = wl_model_get((wl_model_id)s->model);
    uint64_t r = rows_of(s), h = m->hidden, f = m->mlp;
    uint64_t qd = m->heads * m->head_dim, kvd = m->kv_heads * m->head_dim;
    uint64_t mats = m->act == WL_ACT_SWIGLU ? 3 : 2; /* gate, up, down or up, down */
    wl_phase ph = (wl_phase)s->phase;
    wl_fmt fi; /* the stream format: activations between the kernels */
    wl_layer_stream(&s->a, &fi);

    add_macs(c, &s->a, &s->w, r * h * qd + 2 * r * h * kvd + r * qd * h + mats * r * h * f);
    count_core(c, &fi, &s->kv, score_elems(s->batch, m->heads, ph, s->seq, s->ctx, true), m->head_dim);
    add_vec(c, WL_VEC_NORM, 2 * norm_ops(m) * r * h);
    add_vec(c, WL_VEC_ACT, (m->act == WL_ACT_SWIGLU ? WL_OPS_SWIGLU : WL_OPS_GELU) * r * f);
    if (m->pos == WL_POS_ROTARY) add_vec(c, WL_VEC_ROTARY, WL_OPS_ROTARY * r * (qd + kvd));
    add_vec(c, WL_VEC_ADD, 2 * r * h);

    add_read(c, tensor_bytes(&fi, r, h));
    add_read(c, tensor_bytes(&s->w, qd, h) + 2 * tensor_bytes(&s->w, kvd, h) + tensor_bytes(&s->w, h, qd));
    add_read(c, (mats - 1) * tensor_bytes(&s->w, f, h) + tensor_bytes(&s->w, h, f));
    add_read(c, tensor_bytes(&fi, 2 * norm_vectors(m), h));
    if (ph == WL_DECODE) add_read(c, 2 * tensor_bytes(&s->kv, s->batch * (s->ctx - 1) * m->kv_heads, m->head_dim));
    add_write(c, 2 * tensor_bytes(&s->kv, r * m->kv_heads, m->head_dim));
    add_write(c, tensor_bytes(&fi, r, h));
}

static void scale(wl_counts *c, uint64_t k)
{
    for (int i = 0; i < c->n_pairs; i++) c->pair[i].macs *= k;
    for (int i = 0; i < WL_VEC_COUNT; i++) c->vec[i] *= k;
    c->macs *= k, c->vec_ops *= k;
    c->read_bytes *= k, c->write_bytes *= k, c->bytes *= k;
}

/* Embedding lookup (token ids as 4-byte integers, one row of the table per
** token, learned positions added), L layers, final norm, projection to the
** vocabulary for every token of rows_of (all tokens in prefill, the new one
** in decode), logits written in the stream format. The embedding tables are
** in w's format, or in the stream format when w is MX (the gather reads
** element formats). */
static void count_model(const wl_spec *s, wl_counts *c)
{
    const wl_model *m = wl_model_get((wl_model_id)s->model);
    uint64_t r = rows_of(s), h = m->hidden;
    wl_fmt fi;
    wl_layer_stream(&s->a, &fi);
    const wl_fmt *table = s->w.mx ? &fi : &s->w;
    count_layer(s, c);
    scale(c, m->layers);

    add_read(c, 4 * r + tensor_bytes(table, r, h));
    if (m->pos == WL_POS_LEARNED) {
        add_read(c, tensor_bytes(table, r, h));
        add_vec(c, WL_VEC_ADD, r * h);
    }
    add_write(c, tensor_bytes(&fi, r, h));

    add_read(c, tensor_bytes(&fi, r, h) + tensor_bytes(&fi, norm_vectors(m), h));
    add_vec(c, WL_VEC_NORM, norm_ops(m) * r * h);
    add_macs(c, &s->a, &s->w, r * h * m->vocab);
    add_read(c, tensor_bytes(&s->w, m->vocab, h));
    add_write(c, tensor_bytes(&fi, r, m->vocab));
}

void wl_count(const wl_spec *s, wl_counts *c)
{
    memset(c, 0, sizeof *c);
    switch (s->kind) {
    case WL_GEMM: count_gemm(s, s->batch, s->m, c); break;
    case WL_GEMV: count_gemm(s, 1, 1, c); break;
    case WL_ATTENTION: count_attention(s, c); break;
    case WL_LAYER: count_layer(s, c); break;
    case WL_MODEL: count_model(s, c); break;
    case WL_KIND_COUNT: break;
    }
}
