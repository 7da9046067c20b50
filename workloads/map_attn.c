/*
** map_attn.c — the tile choice of the single-core attention mapping
** (map_attn.h).
**
** K and V are read once per query tile, so the DRAM traffic falls as Bq
** grows and does not depend on Bk: the choice is the largest Bq with any
** fitting Bk, then the largest Bk (fewer, larger MMAs and vector
** instructions). Fitting is monotone in Bq, so that scan stops at the first
** Bq that does not fit; not in Bk (a causal mask's rows before the diagonal
** depend on how Bk divides Bq), so every Bk is tried.
*/
#include <math.h>
#include <string.h>

#include "dot.h"
#include "map_attn.h"
#include "map_gemm.h"
#include "tc.h"

#define ALIGN 64u
#define DIM_MAX 65535u /* a dim operand's 16 bits */

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
static uint64_t al(uint64_t x) { return (x + ALIGN - 1) / ALIGN * ALIGN; }

/* Rows of MASK before the first one of the diagonal tile at k0 = q0. */
static uint64_t mask_t0(uint64_t bq, uint64_t bk) { return (cdiv(bq, bk) - 1) * bk; }

/* Scratchpad and accumulator layout of tiles bq x bk into m. */
static void layout(wl_attn_map *m, uint64_t bq, uint64_t bk)
{
    uint64_t D = m->head_dim, ein = (uint64_t)isa_elem_bytes(&m->fin), ekv = (uint64_t)isa_elem_bytes(&m->fkv);
    uint64_t off = 0, row = al(bq * 4);
    for (int i = 0; i < 2; i++) m->spm_q[i] = (uint32_t)off, off += al(bq * D * ein);
    for (int i = 0; i < 2; i++) m->spm_k[i] = (uint32_t)off, off += al(D * bk * ekv);
    for (int i = 0; i < 2; i++) m->spm_v[i] = (uint32_t)off, off += al(bk * D * ekv);
    for (int i = 0; i < 2; i++) m->spm_p[i] = (uint32_t)off, off += al(bq * bk * ein);
    m->spm_mask = (uint32_t)off, off += m->causal ? al((mask_t0(bq, bk) + bq) * bk * 4) : 0;
    for (int i = 0; i < 2; i++) m->spm_m[i] = (uint32_t)off, off += row;
    m->spm_l = (uint32_t)off, off += row;
    for (int i = 0; i < 2; i++) m->spm_alpha[i] = (uint32_t)off, off += row;
    m->spm_rsum = (uint32_t)off, off += row;
    m->spm_tmax = (uint32_t)off, off += row;
    /* bf16 O is staged in the item's Q slot (dead after its last S = Q Kt) when it fits */
    uint64_t eo = m->fout.bits < 32 ? (uint64_t)isa_elem_bytes(&m->fout) : 0;
    m->spm_o = eo && eo > ein ? (uint32_t)off : UINT32_MAX, off += eo > ein ? al(bq * D * eo) : 0;
    m->spm_bytes = off;
    m->acc_s[0] = 0, m->acc_s[1] = (uint32_t)al(bq * bk * 4);
    m->acc_o = (uint32_t)(2 * al(bq * bk * 4));
    m->acc_bytes = 2 * al(bq * bk * 4) + al(bq * D * 4);
}

/* Causal prefill needs every query tile to start on a key-tile boundary. */
static bool aligned(const wl_attn_map *m, uint64_t bq, uint64_t bk)
{
    return !m->causal || bq >= m->rows || bq % bk == 0;
}

static bool fits(wl_attn_map *m, const arch_cfg *a, uint64_t bq, uint64_t bk)
{
    if (bq > DIM_MAX || bk > DIM_MAX || bq > m->rows || bk > m->keys) return false;
    layout(m, bq, bk);
    return m->spm_bytes <= a->spm.size_bytes && m->acc_bytes <= a->acc.size_bytes &&
           m->spm_bytes < (UINT64_C(1) << ISA_ADDR_BITS) && m->acc_bytes < (UINT64_C(1) << ISA_ADDR_BITS);
}

/* Next candidate after t along n at multiples of r (the last is n), or 0. */
static uint64_t next_dim(uint64_t t, uint64_t n, uint64_t r)
{
    if (t >= n) return 0;
    uint64_t u = (t / r + 1) * r;
    return u < n ? u : n;
}

/* The largest bk (aligned with bq, at most `most`) that fits with bq, or 0. */
static uint64_t best_bk(wl_attn_map *m, const arch_cfg *a, uint64_t bq, uint64_t want, uint64_t C, uint64_t most)
{
    if (want) return fits(m, a, bq, want) && aligned(m, bq, want) ? want : 0;
    uint64_t best = 0;
    /* every candidate: with a causal mask the fit is not monotone in bk (the
    ** mask has ceil(bq/bk) - 1 tiles of rows before its diagonal, none when
    ** bk divides bq) */
    for (uint64_t bk = next_dim(0, m->keys, C); bk && bk <= most; bk = next_dim(bk, m->keys, C))
        if (aligned(m, bq, bk) && fits(m, a, bq, bk)) best = bk;
    return best;
}

/* MACs and DRAM bytes of the schedule: per item, the key tiles it visits. */
static void figures(wl_attn_map *m)
{
    uint64_t D = m->head_dim, ekv = (uint64_t)isa_elem_bytes(&m->fkv), macs = 0, kv = 0;
    for (uint64_t qt = 0; qt < m->qtiles; qt++) {
        uint64_t q0 = qt * m->bq, r = q0 + m->bq <= m->rows ? m->bq : m->rows - q0;
        uint64_t kend = m->causal && q0 + r < m->keys ? q0 + r : m->keys;
        for (uint64_t k0 = 0; k0 < kend; k0 += m->bk) {
            uint64_t w = k0 + m->bk <= m->keys ? m->bk : m->keys - k0;
            macs += 2 * r * w * D, kv += 2 * w * D * ekv;
        }
    }
    uint64_t groups = m->batch * (m->decode ? m->kv_heads : m->heads);
    uint64_t qo = m->batch * m->heads * m->seq * D;
    m->macs = groups * macs;
    m->traffic_bytes = groups * kv + qo * (uint64_t)isa_elem_bytes(&m->fin) + qo * (uint64_t)isa_elem_bytes(&m->fout) +
                       (m->causal ? (uint64_t)(m->mask_t0 + m->bq) * m->bk * 4 : 0);
}

static bool is(const wl_fmt *f, const char *name) { return !f->mx && !strcmp(f->name, name); }

static lp_status formats(const wl_spec *s, wl_attn_map *m, lp_diag *d)
{
    bool ok = (is(&s->in, "bf16") || is(&s->in, "fp8_e4m3fn")) && (is(&s->kv, "bf16") || is(&s->kv, "fp8_e4m3fn")) &&
              (is(&s->out, "fp32") || is(&s->out, "bf16"));
    if (!ok)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "the attention mapping supports in and kv each bf16 or fp8_e4m3fn, with out fp32 or bf16 "
                           "(not in=%s kv=%s out=%s)",
                           s->in.name, s->kv.name, s->out.name);
    if (mf_parse(s->in.name, &m->fin, d) || mf_parse(s->kv.name, &m->fkv, d)) return LP_ERR_ARG;
    mf_get(strcmp(s->out.name, "bf16") ? MF_FP32 : MF_BF16, &m->fout);
    return LP_OK;
}

static lp_status problem(const wl_spec *s, const arch_cfg *a, wl_attn_map *m, tc_cfg *view, const tc_cfg **tc,
                         lp_diag *d)
{
    if (s->kind != WL_ATTENTION)
        return lp_diag_msg(d, LP_ERR_ARG, "the attention mapping takes attention, not %s", wl_kind_name(s->kind));
    m->decode = s->phase == WL_DECODE;
    m->causal = !m->decode && s->causal;
    m->batch = s->batch, m->heads = s->heads, m->kv_heads = s->kv_heads, m->group = s->heads / s->kv_heads;
    m->head_dim = s->head_dim;
    m->seq = m->decode ? 1 : s->seq;
    m->keys = m->decode ? s->ctx : s->seq;
    m->rows = m->decode ? m->group : s->seq;
    m->scale = (float)(1.0 / sqrt((double)s->head_dim));
    lp_status st = formats(s, m, d);
    if (st) return st;
    if (!(*tc = wl_matrix_tc(a, view)))
        return lp_diag_msg(d, LP_ERR_ARG, "the attention mapping needs a tensor_core matrix unit; %s has none",
                           a->name);
    m->preset = dot_preset_find((*tc)->preset, d);
    if (m->preset < 0) return LP_ERR_ARG;
    if (!tc_rate_of((*tc)->formats, (*tc)->formats_count, m->fin.name))
        return lp_diag_msg(d, LP_ERR_ARG, "the matrix unit of %s does not run %s", a->name, m->fin.name);
    return LP_OK;
}

lp_status wl_map_attn(const wl_spec *s, const arch_cfg *a, const wl_attn_over *over, wl_attn_map *m, lp_diag *d)
{
    static const wl_attn_over none = {0, 0};
    const wl_attn_over *o = over ? over : &none;
    const tc_cfg *tc = NULL;
    tc_cfg view;
    memset(m, 0, sizeof *m);
    lp_status st = problem(s, a, m, &view, &tc, d);
    if (st) return st;
    uint64_t bq = 0, bk = 0;
    /* on a chip of many cores, tiles of the size the FlashAttention kernels
    ** use on a GPU's SMs: 128 query rows (two 64-row passes of the array),
    ** up to 128 keys, so that the items spread over the cores and each key
    ** tile feeds the array whole MMAs */
    uint64_t qmax = a->cores > 1 ? 2 * (uint64_t)tc->array_rows : UINT64_MAX, kmax = a->cores > 1 ? 128 : UINT64_MAX;
    /* multiples of the array; where none fits, of half of it, and so on */
    for (uint64_t R = tc->array_rows, C = tc->array_cols; !bq && R; R /= 2, C = C > 1 ? C / 2 : 1)
        for (uint64_t q = o->bq ? o->bq : next_dim(0, m->rows, R); q && (o->bq || q <= qmax);
             q = o->bq ? 0 : next_dim(q, m->rows, R)) {
            uint64_t k = best_bk(m, a, q, o->bk, C, kmax);
            if (k)
                bq = q, bk = k;
            else if (!o->bk && !fits(m, a, q, next_dim(0, m->keys, C)))
                break; /* the smallest bk no longer fits: no larger bq will */
        }
    if (!bq)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "no attention tile fits %s: %llu bytes of scratchpad and %llu of accumulator buffer%s",
                           a->name, (unsigned long long)a->spm.size_bytes, (unsigned long long)a->acc.size_bytes,
                           over ? " with the given tile overrides" : "");
    fits(m, a, bq, bk); /* the winner's layout */
    m->bq = (uint32_t)bq, m->bk = (uint32_t)bk, m->splits = 1;
    m->qtiles = cdiv(m->rows, bq);
    m->mask_t0 = m->causal ? (uint32_t)mask_t0(bq, bk) : 0;
    figures(m);
    return LP_OK;
}

uint64_t wl_attn_items(const wl_attn_map *m) { return m->batch * (m->decode ? m->kv_heads : m->heads) * m->qtiles; }

double wl_attn_tol(const wl_attn_map *m) { return m->fin.bits > 8 ? 1e-2 : 1e-1; }
