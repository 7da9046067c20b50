/*
** gen_attn.c — the program of the single-core attention mapping
** (map_attn.h): per work item a Q tile, the key tiles it sees (K loaded
** transposed with DMA_LDT, V with DMA_LD, MMA, the online softmax on the
** vector unit, MMA), the final 1/l and
** the store; in functional mode seeded inputs and the expected O.
**
** The first key tile of an item starts the running state directly (m and l
** from its rows, O = P V with mode set) instead of filling -inf and 0, which
** saves five vector instructions per item. The first tile always holds key 0,
** which every query sees, so m is finite from then on and exp(m_old - m_new)
** never meets -inf - -inf. The reference is float64 softmax attention by
** plain loops over the decoded inputs: it shares nothing with the schedule.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "lp_rng.h"
#include "map_attn.h"

typedef struct gen {
    isa_prog *p;
    const wl_attn_map *m;
    const wl_attn_bufs *b;
    uint64_t step; /* key tiles so far in this call: the slot of Kt, V, S, P */
    int mc;        /* the slot of m that holds the running maximum */
    lp_status st;
} gen;

static void emit(gen *g, isa_op op, const uint64_t *v, int n)
{
    isa_insn in = {op, {0}};
    memcpy(in.v, v, sizeof *v * (size_t)n);
    if (!g->st) g->st = isa_prog_add_insn(g->p, &in);
}

/* A dram operand: element (r, c) of buffer b with its row pitch. */
static uint64_t dram(const gen *g, int b, uint64_t r, uint64_t c) { return isa_prog_dram(g->p, b, r, c); }

static void load(gen *g, uint64_t dst, int b, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    uint64_t v[] = {dst, dram(g, b, r, c), rows, cols, g->p->bufs[b].fmt};
    emit(g, ISA_DMA_LD, v, 5);
}

/* A rows x cols DRAM tile into a dense cols x rows tile, transposed. */
static void load_t(gen *g, uint64_t dst, int b, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    uint64_t v[] = {dst, dram(g, b, r, c), rows, cols, g->p->bufs[b].fmt};
    emit(g, ISA_DMA_LDT, v, 5);
}

static void mma(gen *g, uint32_t c, uint32_t a, uint32_t b, uint64_t m, uint64_t n, uint64_t k, const mf_format *fa,
                const mf_format *fb, bool acc)
{
    uint64_t v[] = {c, a, b, m, n, k, isa_fmt_code(fa), isa_fmt_code(fb), (uint64_t)dot_preset_code(g->m->preset), acc};
    emit(g, ISA_MMA, v, 10);
}

/* Vector instructions on r x c tiles: three operands, two, or a broadcast. */
static void v3(gen *g, isa_op op, uint64_t dst, uint64_t a, uint64_t b, uint64_t r, uint64_t c)
{
    uint64_t v[] = {dst, a, b, r, c};
    emit(g, op, v, 5);
}
static void v2(gen *g, isa_op op, uint64_t dst, uint64_t src, uint64_t r, uint64_t c)
{
    uint64_t v[] = {dst, src, r, c};
    emit(g, op, v, 4);
}
static void vscale(gen *g, uint64_t dst, uint64_t src, uint64_t r, uint64_t c, float s)
{
    uint32_t bits;
    memcpy(&bits, &s, sizeof bits);
    uint64_t v[] = {dst, src, r, c, bits};
    emit(g, ISA_VSCALE, v, 5);
}
static void vcvt(gen *g, uint64_t dst, uint64_t src, uint64_t r, uint64_t c, const mf_format *to)
{
    mf_format f32;
    mf_get(MF_FP32, &f32);
    uint64_t v[] = {dst, src, r, c, isa_fmt_code(to), isa_fmt_code(&f32), (uint64_t)mf_round_code(MF_RNE)};
    emit(g, ISA_VCVT, v, 7);
}

static uint64_t part(uint64_t i, uint64_t t, uint64_t n) { return i * t + t <= n ? t : n - i * t; }

/* S (r x w, slot s) of the key tile at k0 against the query tile at q0:
** masked where it crosses the diagonal. A narrow (edge) tile takes its mask
** from DRAM into the other S slot, free since the previous P was converted. */
static void mask(gen *g, int s, uint64_t q0, uint64_t k0, uint64_t r, uint64_t w)
{
    const wl_attn_map *m = g->m;
    if (!m->causal || k0 + w - 1 <= q0) return;
    uint64_t t0 = m->mask_t0 - (k0 - q0), S = m->acc_s[s] | ISA_MEM_ACC, M;
    if (w == m->bk) {
        M = m->spm_mask + t0 * m->bk * 4;
    } else {
        M = m->acc_s[1 - s] | ISA_MEM_ACC;
        load(g, M, g->b->mask, t0, 0, r, w);
    }
    v3(g, ISA_VADD, S, S, M, r, w);
}

/* A key tile in flight: its S slot, whether it is the item's first, its
** width, and the scratchpad row of its rescaling factor alpha. */
typedef struct pending {
    int s;
    bool first;
    uint64_t w, alpha;
} pending;

/* A key tile's scores, S = Q Kt into slot s (K and V rows from kvrow, the
** sequence's first key, columns from kvcol, its head). The program runs
** FlashAttention's software pipeline: the scores of tile j+1, then the
** values of tile j (O = alpha O + P V), then the softmax of tile j+1, so
** that the matrix unit computes S of j+1 and P V of j while the vector unit
** runs the softmax of j+1. */
static pending scores(gen *g, int qs, uint64_t r, uint64_t kvrow, uint64_t kvcol, uint64_t k0, bool first)
{
    const wl_attn_map *m = g->m;
    uint64_t D = m->head_dim, w = part(k0 / m->bk, m->bk, m->keys);
    int s = (int)(g->step++ % 2);
    load_t(g, m->spm_k[s], g->b->k, kvrow + k0, kvcol, w, D);
    load(g, m->spm_v[s], g->b->v, kvrow + k0, kvcol, w, D);
    mma(g, m->acc_s[s], m->spm_q[qs], m->spm_k[s], r, w, D, &m->fin, &m->fkv, false);
    return (pending){s, first, w, m->spm_alpha[s]};
}

/* Its softmax: scale, mask, the online softmax of S into P. */
static void softmax(gen *g, const pending *t, uint64_t q0, uint64_t k0, uint64_t r)
{
    const wl_attn_map *m = g->m;
    uint64_t w = t->w, S = m->acc_s[t->s] | ISA_MEM_ACC, alpha = t->alpha;
    vscale(g, S, S, r, w, m->scale);
    mask(g, t->s, q0, k0, r, w);
    uint64_t mo = m->spm_m[g->mc], mn = m->spm_m[1 - g->mc];
    if (t->first) {
        v2(g, ISA_VRMAX, mo, S, r, w);
        v3(g, ISA_VBSUB, S, S, mo, r, w);
        v2(g, ISA_VEXP, S, S, r, w);
        v2(g, ISA_VRSUM, m->spm_l, S, r, w);
    } else {
        v2(g, ISA_VRMAX, m->spm_tmax, S, r, w);
        v3(g, ISA_VMAX, mn, mo, m->spm_tmax, r, 1);
        v3(g, ISA_VSUB, alpha, mo, mn, r, 1);
        v2(g, ISA_VEXP, alpha, alpha, r, 1);
        v3(g, ISA_VBSUB, S, S, mn, r, w);
        v2(g, ISA_VEXP, S, S, r, w);
        v2(g, ISA_VRSUM, m->spm_rsum, S, r, w);
        v3(g, ISA_VMUL, m->spm_l, m->spm_l, alpha, r, 1);
        v3(g, ISA_VADD, m->spm_l, m->spm_l, m->spm_rsum, r, 1);
        g->mc = 1 - g->mc;
    }
    vcvt(g, m->spm_p[t->s], S, r, w, &m->fin);
}

/* Its values: O = alpha O (after the first), then O += P V. */
static void values(gen *g, const pending *t, uint64_t r)
{
    const wl_attn_map *m = g->m;
    uint64_t D = m->head_dim, O = m->acc_o | ISA_MEM_ACC;
    if (!t->first) v3(g, ISA_VBMUL, O, O, t->alpha, r, D);
    mma(g, m->acc_o, m->spm_p[t->s], m->spm_v[t->s], r, D, t->w, &m->fin, &m->fkv, !t->first);
}

/* Item i: its Q tile (slot qs) against every key tile it sees, then O / l. */
/* Item i's rows: batch b, head (group) h, query tile rows from q0, r of them. */
typedef struct rows {
    uint64_t b, kvh, q0, r, qrow, qcol, qr, qc;
} rows;

static rows rows_of(const wl_attn_map *m, uint64_t i)
{
    uint64_t D = m->head_dim, hh = m->decode ? m->kv_heads : m->heads;
    uint64_t qt = i % m->qtiles, h = i / m->qtiles % hh, b = i / m->qtiles / hh;
    uint64_t q0 = qt * m->bq, r = part(qt, m->bq, m->rows);
    /* token-major: Q and O rows are tokens, columns heads x D; in decode the
    ** r stacked heads of one token are r * D consecutive columns, one row */
    return (rows){b,
                  m->decode ? h : h / m->group,
                  q0,
                  r,
                  m->decode ? b : b * m->seq + q0,
                  m->decode ? (h * m->group + q0) * D : h * D,
                  m->decode ? 1 : r,
                  m->decode ? r * D : D};
}

/* O (r x D float32 in the accumulator buffer, at o) times the row vector 1/l,
** converted to the output format, stored to O at the item's place. */
static void store_o(gen *g, const rows *w, uint64_t o, uint64_t l, int qs)
{
    const wl_attn_map *m = g->m;
    uint64_t O = o | ISA_MEM_ACC, src = O, code = isa_fmt_code(&m->fout);
    v2(g, ISA_VRCP, m->spm_alpha[0], l, w->r, 1);
    v3(g, ISA_VBMUL, O, O, m->spm_alpha[0], w->r, m->head_dim);
    if (m->fout.bits < 32) {
        src = m->spm_o == UINT32_MAX ? m->spm_q[qs] : m->spm_o;
        vcvt(g, src, O, w->r, m->head_dim, &m->fout);
    }
    uint64_t v[] = {dram(g, g->b->o, w->qrow, w->qcol), src, w->qr, w->qc, code};
    emit(g, ISA_DMA_ST, v, 5);
}

/* Item i over its key tiles [t0, t1) (of bk keys): from its Q load to its O
** store; with a split of the keys (split >= 0, decode), its O / l, m and l
** go to OP, MP and LP (rows (i * splits + split) * r ...) for the combining
** kernel instead. */
static void item_part(gen *g, uint64_t i, int qs, uint64_t t0, uint64_t t1, int64_t split)
{
    const wl_attn_map *m = g->m;
    uint64_t D = m->head_dim;
    rows w = rows_of(m, i);
    uint64_t kend = m->causal && w.q0 + w.r < m->keys ? w.q0 + w.r : m->keys,
             k1 = t1 * m->bk < kend ? t1 * m->bk : kend;
    load(g, m->spm_q[qs], g->b->q, w.qrow, w.qcol, w.qr, w.qc);
    pending prev = {0, false, 0, 0};
    for (uint64_t k0 = t0 * m->bk; k0 < k1; k0 += m->bk) {
        pending t = scores(g, qs, w.r, w.b * m->keys, w.kvh * D, k0, k0 == t0 * m->bk);
        if (k0 > t0 * m->bk) values(g, &prev, w.r);
        softmax(g, &t, w.q0, k0, w.r);
        prev = t;
    }
    if (k1 > t0 * m->bk) values(g, &prev, w.r);
    if (split < 0) {
        store_o(g, &w, m->acc_o, m->spm_l, qs);
        return;
    }
    uint64_t O = m->acc_o | ISA_MEM_ACC, row = (i * m->splits + (uint64_t)split) * w.r, code = isa_fmt_code(&m->fin);
    v2(g, ISA_VRCP, m->spm_alpha[0], m->spm_l, w.r, 1);
    v3(g, ISA_VBMUL, O, O, m->spm_alpha[0], w.r, D);
    mf_format f32;
    mf_get(MF_FP32, &f32);
    code = isa_fmt_code(&f32);
    uint64_t vo[] = {dram(g, g->b->op, row, 0), O, w.r, D, code};
    uint64_t vm[] = {dram(g, g->b->mp, row, 0), m->spm_m[g->mc], w.r, 1, code};
    uint64_t vl[] = {dram(g, g->b->lp, row, 0), m->spm_l, w.r, 1, code};
    emit(g, ISA_DMA_ST, vo, 5), emit(g, ISA_DMA_ST, vm, 5), emit(g, ISA_DMA_ST, vl, 5);
}

static void item(gen *g, uint64_t i, int qs) { item_part(g, i, qs, 0, UINT64_MAX / 2 / g->m->bk, -1); }

/* The combining kernel's work for item i: its splits' O / l, m and l merged
** as the online softmax merges key tiles, O = sum exp(m_s - m) l_s O_s /
** sum exp(m_s - m) l_s (m the largest m_s), stored as item() stores O. The
** parts' m and l load at once (into the K slots, free here), their O
** alternately into the two S slots, so that a part loads while the one
** before merges. */
static void combine(gen *g, uint64_t i)
{
    const wl_attn_map *m = g->m;
    rows w = rows_of(m, i);
    uint64_t D = m->head_dim, r = w.r, S = m->splits, O = m->acc_o | ISA_MEM_ACC, row0 = i * S * r;
    uint64_t M = m->spm_k[0], L = m->spm_k[1], mo = m->spm_m[0], l = m->spm_l, a = m->spm_alpha[0],
             bb = m->spm_alpha[1], mn = m->spm_tmax;
    load(g, M, g->b->mp, row0, 0, S * r, 1);
    load(g, L, g->b->lp, row0, 0, S * r, 1);
    for (uint64_t s = 0; s < S; s++) {
        uint64_t ms = M + s * r * 4, ls = L + s * r * 4, Os = (s ? m->acc_s[s % 2] : m->acc_o) | ISA_MEM_ACC;
        load(g, Os, g->b->op, row0 + s * r, 0, r, D);
        if (!s) {
            v3(g, ISA_VMAX, mo, ms, ms, r, 1);
            v3(g, ISA_VADD, l, ls, ls, r, 1);
            v3(g, ISA_VBMUL, O, O, ls, r, D); /* O_0 l_0; l = 2 l_0, halved below */
            v3(g, ISA_VSUB, l, l, ls, r, 1);
            continue;
        }
        v3(g, ISA_VMAX, mn, mo, ms, r, 1);
        v3(g, ISA_VSUB, a, mo, mn, r, 1);
        v2(g, ISA_VEXP, a, a, r, 1);
        v3(g, ISA_VSUB, bb, ms, mn, r, 1);
        v2(g, ISA_VEXP, bb, bb, r, 1);
        v3(g, ISA_VMUL, bb, bb, ls, r, 1);
        v3(g, ISA_VBMUL, O, O, a, r, D);
        v3(g, ISA_VBMUL, Os, Os, bb, r, D);
        v3(g, ISA_VADD, O, O, Os, r, D);
        v3(g, ISA_VMUL, l, l, a, r, 1);
        v3(g, ISA_VADD, l, l, bb, r, 1);
        v3(g, ISA_VMAX, mo, mo, ms, r, 1);
    }
    store_o(g, &w, m->acc_o, l, 0);
}

lp_status wl_gen_attn_items(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t first, uint64_t count,
                            lp_diag *d)
{
    return wl_gen_attn_strided(p, m, b, first, 1, count, d);
}

lp_status wl_gen_attn_strided(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t first, uint64_t stride,
                              uint64_t count, lp_diag *d)
{
    uint64_t n = wl_attn_items(m);
    if (!stride || first > n || (count && (count - 1) > (n - 1 - first) / stride) || (count && first == n))
        return lp_diag_msg(
            d, LP_ERR_ARG, "attention items from %llu by %llu, %llu of them, beyond the %llu of the mapping",
            (unsigned long long)first, (unsigned long long)stride, (unsigned long long)count, (unsigned long long)n);
    gen g = {p, m, b, 0, 0, LP_OK};
    if (m->causal && count) load(&g, m->spm_mask, b->mask, 0, 0, m->mask_t0 + m->bq, m->bk);
    for (uint64_t i = 0; i < count; i++) item(&g, first + i * stride, (int)(i % 2));
    if (g.st) return lp_diag_msg(d, g.st, "attention program: %s", lp_status_text(g.st));
    return LP_OK;
}

/* ---- functional data ------------------------------------------------------------------- */

/* Key tiles of item i. */
static uint64_t key_tiles(const wl_attn_map *m, uint64_t i)
{
    uint64_t q0 = i % m->qtiles * m->bq, r = part(i % m->qtiles, m->bq, m->rows);
    uint64_t kend = m->causal && q0 + r < m->keys ? q0 + r : m->keys;
    return (kend + m->bk - 1) / m->bk;
}

/* Unit u's item (in launch order) and its split's key tiles [*t0, *t1). */
static uint64_t unit_item(const wl_attn_map *m, uint64_t u, uint64_t *t0, uint64_t *t1)
{
    uint64_t k = u / m->splits, s = u % m->splits;
    uint64_t qt = m->causal ? m->qtiles - 1 - k % m->qtiles : k % m->qtiles, i = k - k % m->qtiles + qt;
    uint64_t n = key_tiles(m, i);
    *t0 = s * n / m->splits, *t1 = (s + 1) * n / m->splits;
    return i;
}

lp_status wl_gen_attn_cores(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t cores, bool sections,
                            lp_diag *d)
{
    uint64_t n = wl_attn_items(m) * m->splits, t0, t1;
    if (!cores || cores > n)
        return lp_diag_msg(d, LP_ERR_ARG, "%llu cores for %llu attention work items", (unsigned long long)cores,
                           (unsigned long long)n);
    uint32_t *owner = malloc(sizeof *owner * n);
    uint64_t *busy = calloc(cores, sizeof *busy);
    lp_status st = owner && busy ? LP_OK : LP_ERR_NOMEM;
    /* list scheduling: each unit, in launch order, to the core that is free
    ** first (the lowest-numbered among equals), by its key tiles plus one */
    for (uint64_t u = 0; !st && u < n; u++) {
        uint64_t c = 0;
        unit_item(m, u, &t0, &t1);
        for (uint64_t x = 1; x < cores; x++)
            if (busy[x] < busy[c]) c = x;
        owner[u] = (uint32_t)c;
        busy[c] += t1 - t0 + 1;
    }
    for (uint64_t c = 0; !st && c < cores; c++) {
        if (sections && (st = isa_prog_begin_core(p, (uint32_t)c))) break;
        gen g = {p, m, b, 0, 0, LP_OK};
        uint64_t mine = 0;
        for (uint64_t u = 0; u < n && !g.st; u++) {
            if (owner[u] != c) continue;
            uint64_t i = unit_item(m, u, &t0, &t1);
            if (m->causal && !mine) load(&g, m->spm_mask, b->mask, 0, 0, m->mask_t0 + m->bq, m->bk);
            item_part(&g, i, (int)(mine++ % 2), t0, t1, m->splits > 1 ? (int64_t)(u % m->splits) : -1);
        }
        st = g.st;
    }
    free(owner), free(busy);
    if (!st && m->splits > 1) { /* the combining kernel: items round robin */
        uint64_t items = wl_attn_items(m), cc = cores < items ? cores : items;
        st = isa_prog_begin_kernel(p, "attention_combine");
        for (uint64_t c = 0; !st && c < cc; c++) {
            if ((st = isa_prog_begin_core(p, (uint32_t)c))) break;
            gen g = {p, m, b, 0, 0, LP_OK};
            for (uint64_t i = c; i < items && !g.st; i += cc) combine(&g, i);
            st = g.st;
        }
    }
    if (st) return lp_diag_msg(d, st, "attention program: %s", lp_status_text(st));
    return LP_OK;
}

/* ---- instruction counts ------------------------------------------------------------- */

/* The instructions item_part appends for item i over key tiles [t0, t1): as
** it emits them, tile by tile. */
static uint64_t item_insns(const wl_attn_map *m, uint64_t i, uint64_t t0, uint64_t t1, bool split)
{
    rows w = rows_of(m, i);
    uint64_t kend = m->causal && w.q0 + w.r < m->keys ? w.q0 + w.r : m->keys,
             k1 = t1 * m->bk < kend ? t1 * m->bk : kend, lo = t0 * m->bk;
    uint64_t n = 1 + (split ? 5 : 3 + (m->fout.bits < 32)); /* the Q load; O / l and its stores */
    uint64_t nt = k1 > lo ? (k1 - lo + m->bk - 1) / m->bk : 0;
    if (!nt) return n;
    /* scores 3 a tile; values 2 (the first 1); softmax: scale, conversion, 4 (the first) or 9 */
    n += 3 * nt + 2 * nt - 1 + 2 * nt + 4 + 9 * (nt - 1);
    for (uint64_t j = nt; m->causal && j-- > 0;) { /* the masked tiles: the last ones, past the diagonal */
        uint64_t k0 = lo + j * m->bk, w1 = part(k0 / m->bk, m->bk, m->keys);
        if (k0 + w1 - 1 <= w.q0) break;
        n += w1 == m->bk ? 1 : 2;
    }
    return n;
}

uint64_t wl_attn_cores_insns(const wl_attn_map *m, uint64_t cores)
{
    /* the items of one query tile count alike (decode: every item); the list
    ** scheduling of wl_gen_attn_cores deals the first `cores` units one to
    ** each core, so that every core loads the causal mask once */
    uint64_t per_qt = wl_attn_items(m) / m->qtiles, n = m->causal ? cores : 0, t0, t1;
    for (uint64_t qt = 0; qt < m->qtiles; qt++)
        for (uint64_t s = 0; s < m->splits; s++) {
            uint64_t k = key_tiles(m, qt);
            t0 = s * k / m->splits, t1 = (s + 1) * k / m->splits;
            n += per_qt * item_insns(m, qt, t0, t1, m->splits > 1);
        }
    if (m->splits > 1) /* combine: m and l loads, per part an O load and the merge, then O / l and its store */
        n += wl_attn_items(m) * (2 + m->splits + 4 + 12 * (m->splits - 1) + 3 + (m->fout.bits < 32));
    return n;
}

static float uniform(uint64_t seed, uint64_t i) { return (float)(lp_rng_u64(seed, i) >> 40) * 0x1p-24f * 4.0f - 2.0f; }

static uint32_t f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double decode(const mf_format *f, uint32_t code)
{
    uint32_t u = mf_decode_f32(f, code);
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Buffer b's contents (or, expect, its expectation) from n codes. */
static lp_status put(isa_prog *p, int b, const uint32_t *codes, size_t n, bool expect, double tol)
{
    return isa_prog_put_codes(p, b, codes, n, expect, ISA_RULE_RELERR, tol);
}

/* n seeded codes of format f, their values, and the real values they
** were encoded from (uniform in [-2, 2): float32, exact in double). */
static void codes(const mf_format *f, uint64_t seed, size_t n, uint32_t *c, double *x, double *real)
{
    for (size_t i = 0; i < n; i++) {
        float u = uniform(seed, i);
        c[i] = mf_encode_f32(f, f32_bits(u), NULL, 0);
        x[i] = decode(f, c[i]);
        real[i] = u;
    }
}

/* O in float64 by the definition: for each (batch, head, query) the scores
** against the keys it sees, softmax, and the weighted sum of V. */
static void reference(const wl_attn_map *m, const double *q, const double *k, const double *v, double *o)
{
    size_t B = m->batch, H = m->heads, G = m->kv_heads, D = m->head_dim, S = m->seq, L = m->keys;
    double *sc = malloc(sizeof *sc * L);
    if (!sc) return;
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t t = 0; t < S; t++) {
                /* token-major: (b, h, t, e) at row b * S + t, column h * D + e */
                size_t g = h / (H / G), n = m->causal ? t + 1 : L;
                const double *qq = q + (b * S + t) * H * D + h * D;
                const double *kk = k + b * L * G * D + g * D, *vv = v + b * L * G * D + g * D;
                double *oo = o + (b * S + t) * H * D + h * D, mx = -INFINITY, sum = 0;
                for (size_t j = 0; j < n; j++) {
                    double acc = 0;
                    for (size_t e = 0; e < D; e++) acc += qq[e] * kk[j * G * D + e];
                    sc[j] = acc / sqrt((double)D);
                    mx = fmax(mx, sc[j]);
                }
                for (size_t j = 0; j < n; j++) sum += (sc[j] = exp(sc[j] - mx));
                for (size_t e = 0; e < D; e++) {
                    double acc = 0;
                    for (size_t j = 0; j < n; j++) acc += sc[j] * vv[j * G * D + e];
                    oo[e] = acc / sum;
                }
            }
    free(sc);
}

/* Seeded Q, K and V, O's expectation (the reference on the decoded
** inputs) and O's float64 reference on the real values they were encoded
** from (the error report's, prog.h) into the program. */
static lp_status data(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *bf, uint64_t seed)
{
    size_t nq = m->batch * m->heads * m->seq * m->head_dim, nk = m->batch * m->kv_heads * m->keys * m->head_dim;
    uint32_t *cq = malloc(sizeof *cq * nq), *ck = malloc(sizeof *ck * nk), *cv = malloc(sizeof *cv * nk);
    uint32_t *co = malloc(sizeof *co * nq);
    double *q = malloc(sizeof *q * nq), *k = malloc(sizeof *k * nk), *v = malloc(sizeof *v * nk);
    double *rq = malloc(sizeof *rq * nq), *rk = malloc(sizeof *rk * nk), *rv = malloc(sizeof *rv * nk);
    double *o = malloc(sizeof *o * nq), *ro = malloc(sizeof *ro * nq);
    lp_status st = LP_ERR_NOMEM;
    if (!cq || !ck || !cv || !co || !q || !k || !v || !rq || !rk || !rv || !o || !ro) goto free_all;
    codes(&m->fin, seed, nq, cq, q, rq);
    codes(&m->fkv, seed + 1, nk, ck, k, rk); /* in stored order, token-major */
    codes(&m->fkv, seed + 2, nk, cv, v, rv);
    reference(m, q, k, v, o);
    reference(m, rq, rk, rv, ro);
    for (size_t i = 0; i < nq; i++) co[i] = mf_encode_f32(&m->fout, f32_bits((float)o[i]), NULL, 0);
    if (!(st = put(p, bf->q, cq, nq, false, 0)) && !(st = put(p, bf->k, ck, nk, false, 0)) &&
        !(st = put(p, bf->v, cv, nk, false, 0)))
        st = put(p, bf->o, co, nq, true, wl_attn_tol(m));
    if (!st) isa_prog_set_ref(p, bf->o, ro, 1), ro = NULL;
free_all:
    free(cq), free(ck), free(cv), free(co), free(q), free(k), free(v), free(rq), free(rk), free(rv), free(o), free(ro);
    return st;
}

/* MASK[t][c] = 0 where key c is visible to row t - mask_t0, else -inf. */
static lp_status mask_data(isa_prog *p, const wl_attn_map *m, int b)
{
    size_t rows = (size_t)m->mask_t0 + m->bq, n = rows * m->bk;
    uint32_t *c = malloc(sizeof *c * n);
    if (!c) return LP_ERR_NOMEM;
    for (size_t t = 0; t < rows; t++)
        for (size_t j = 0; j < m->bk; j++) c[t * m->bk + j] = j + m->mask_t0 <= t ? 0 : f32_bits(-INFINITY);
    lp_status st = put(p, b, c, n, false, 0);
    free(c);
    return st;
}

/* Declare buffer name (rows and columns checked before they narrow). */
static lp_status add(isa_prog *p, const char *name, const mf_format *f, uint64_t rows, uint64_t cols, int *idx)
{
    if (rows > ISA_MAX_DIM || cols > ISA_MAX_DIM) return LP_ERR_RANGE;
    *idx = (int)p->nbufs;
    return isa_prog_add_buffer(p, name, isa_fmt_code(f), (uint32_t)rows, (uint32_t)cols);
}

lp_status wl_attn_declare(const wl_attn_map *m, isa_prog *p, wl_attn_bufs *b, lp_diag *d)
{
    mf_format f32;
    mf_get(MF_FP32, &f32);
    uint64_t D = m->head_dim, qrows = m->batch * m->seq, kvrows = m->batch * m->keys;
    *b = (wl_attn_bufs){-1, -1, -1, -1, -1, -1, -1, -1};
    lp_status st = add(p, "Q", &m->fin, qrows, m->heads * D, &b->q);
    if (!st) st = add(p, "K", &m->fkv, kvrows, m->kv_heads * D, &b->k);
    if (!st) st = add(p, "V", &m->fkv, kvrows, m->kv_heads * D, &b->v);
    if (!st && m->causal) st = add(p, "MASK", &f32, m->mask_t0 + m->bq, m->bk, &b->mask);
    if (!st) st = add(p, "O", &m->fout, qrows, m->heads * D, &b->o);
    if (st)
        return lp_diag_msg(d, st, "attention buffers (batch %llu, heads %llu, head_dim %llu, %llu keys): %s",
                           (unsigned long long)m->batch, (unsigned long long)m->heads, (unsigned long long)D,
                           (unsigned long long)m->keys, lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_attn_buffers(const wl_spec *s, const arch_cfg *a, const wl_attn_map *m, uint64_t seed, bool functional,
                              isa_prog *p, wl_attn_bufs *b, lp_diag *d)
{
    (void)s, (void)a; /* the mapping holds what the program needs of both */
    lp_status st = wl_attn_declare(m, p, b, d);
    if (st) return st;
    if (m->causal && (st = mask_data(p, m, b->mask)))
        return lp_diag_msg(d, st, "attention mask: %s", lp_status_text(st));
    if (functional && (st = data(p, m, b, seed))) return lp_diag_msg(d, st, "attention data: %s", lp_status_text(st));
    return LP_OK;
}

lp_status wl_attn_split(isa_prog *p, wl_attn_map *m, uint64_t cores, wl_attn_bufs *b, lp_diag *d)
{
    uint64_t items = wl_attn_items(m), tiles = (m->keys + m->bk - 1) / m->bk, D = m->head_dim;
    m->splits = 1;
    b->op = b->mp = b->lp = -1;
    /* the merge holds a part's O in an S slot, all parts' m and l in a K slot */
    if (!m->decode || items >= cores || tiles < 2 || m->rows * D > (uint64_t)m->bq * m->bk) return LP_OK;
    uint64_t want = cores / items < 2 ? 2 : cores / items; /* whole waves */
    m->splits = (uint32_t)(want < tiles ? want : tiles);
    mf_format f32;
    mf_get(MF_FP32, &f32);
    uint64_t rows = items * m->splits * m->rows;
    lp_status st = add(p, "OP", &f32, rows, D, &b->op);
    if (!st) st = add(p, "MP", &f32, rows, 1, &b->mp);
    if (!st) st = add(p, "LP", &f32, rows, 1, &b->lp);
    if (st) return lp_diag_msg(d, st, "attention program: %s", lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_attn(const wl_spec *s, const arch_cfg *a, const wl_attn_map *m, uint64_t seed, bool functional,
                      isa_prog *p, lp_diag *d)
{
    isa_prog_init(p);
    wl_attn_bufs b;
    lp_status st = wl_gen_attn_buffers(s, a, m, seed, functional, p, &b, d);
    if (!st) st = wl_gen_attn_items(p, m, &b, 0, wl_attn_items(m), d);
    if (st) return st;
    isa_insn halt = {ISA_HALT, {0}};
    if ((st = isa_prog_add_insn(p, &halt))) return lp_diag_msg(d, st, "attention program: %s", lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_attn_mask(isa_prog *p, const wl_attn_map *m, bool values, int *idx, lp_diag *d)
{
    mf_format f32;
    mf_get(MF_FP32, &f32);
    *idx = -1;
    if (!m->causal) return LP_OK;
    lp_status st = add(p, "MASK", &f32, m->mask_t0 + m->bq, m->bk, idx);
    if (!st && values) st = mask_data(p, m, *idx);
    return st ? lp_diag_msg(d, st, "attention mask: %s", lp_status_text(st)) : LP_OK;
}
