/*
** gen_gemm.c — the program of a GEMM mapping (map_gemm.h): the tile loops as
** DMA_LD (DMA_LDT for the tiles of a B stored N x K) / MMA (or MMA_MX) /
** DMA_ST, and in functional mode seeded inputs with the expected output.
**
** The expected C comes from the dot model, a reference that shares nothing
** with the mapping: bitexact where the matrix unit's preset is "exact" or
** "fp32-seq" (then that preset, accumulated K tile by K tile with float32
** rounding in between, as the program does), else the "exact" sum over all
** of K, compared normwise. Inputs are uniform in [-2, 2), encoded to
** nearest; MX blocks are scaled by 2^-3 to 2^4 before quantisation so that
** the scales differ. With dist= they are real values of that distribution
** quantised by wl_dist.h's rule. Either way the program also carries C's
** float64 reference of the real inputs before their encoding (the error
** report's, prog.h).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "lp_rng.h"
#include "map_gemm.h"
#include "mx.h"
#include "wl_dist.h"

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

typedef struct gen {
    const char *name; /* the kernel's name (several cores or split-K) */
    isa_prog *p;
    const wl_gemm_map *m;
    int A, B, SA, SB, C, P; /* buffer indices (-1: none) */
    lp_status st;
} gen;

static void emit(gen *g, isa_op op, const uint64_t *v, int n)
{
    isa_insn in = {op, {0}};
    if (n) memcpy(in.v, v, sizeof *v * (size_t)n); /* HALT has no operands (and v may be NULL) */
    if (!g->st) g->st = isa_prog_add_insn(g->p, &in);
}

/* A dram operand: element (r, c) of buffer b with its row pitch. */
static uint64_t dram(const gen *g, int b, uint64_t r, uint64_t c) { return isa_prog_dram(g->p, b, r, c); }

/* The rows x cols tile at (r, c) of buffer b into the dense tile at spm, as
** it is (DMA_LD) or transposed, cols x rows (DMA_LDT). */
static void load_as(gen *g, isa_op op, uint32_t spm, int b, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    uint64_t v[] = {spm, dram(g, b, r, c), rows, cols, g->p->bufs[b].fmt};
    emit(g, op, v, 5);
}

static void load(gen *g, uint32_t spm, int b, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    load_as(g, ISA_DMA_LD, spm, b, r, c, rows, cols);
}

/* The A tile (rows m0.., K from k0) into slot s, with its scales for MX. */
static void load_a(gen *g, int s, uint64_t m0, uint64_t mm, uint64_t k0, uint64_t kk)
{
    load(g, g->m->spm_a[s], g->A, m0, k0, mm, kk);
    if (g->m->mx) load(g, g->m->spm_sa[s], g->SA, m0, k0 / 32, mm, kk / 32);
}

/* The B tile of problem bi of a batch: K x N (kk x nn) for MMA, from a K x N
** buffer as it is or from an N x K buffer transposed (its nn x kk tile);
** N x K with scales for MMA_MX. */
static void load_bb(gen *g, int s, uint64_t bi, uint64_t n0, uint64_t nn, uint64_t k0, uint64_t kk)
{
    uint64_t bn = bi * g->m->n, bk = bi * g->m->k; /* the problem's first row of B: N x K or K x N */
    if (!g->m->mx) {
        if (g->m->b_nk)
            load_as(g, ISA_DMA_LDT, g->m->spm_b[s], g->B, bn + n0, k0, nn, kk);
        else
            load(g, g->m->spm_b[s], g->B, bk + k0, n0, kk, nn);
        return;
    }
    load(g, g->m->spm_b[s], g->B, bn + n0, k0, nn, kk);
    load(g, g->m->spm_sb[s], g->SB, bn + n0, k0 / 32, nn, kk / 32);
}

/* The B tile of an unbatched GEMM. */
static void load_b(gen *g, int s, uint64_t n0, uint64_t nn, uint64_t k0, uint64_t kk)
{
    load_bb(g, s, 0, n0, nn, k0, kk);
}

static void mma(gen *g, int c, int sa, int sb, uint64_t mm, uint64_t nn, uint64_t kk, bool acc)
{
    const wl_gemm_map *m = g->m;
    uint64_t pre = (uint64_t)dot_preset_code(m->preset);
    if (m->mx) {
        uint64_t ea = (uint64_t)mx_elem_code((mx_elem_id)m->ea), eb = (uint64_t)mx_elem_code((mx_elem_id)m->eb);
        uint64_t v[] = {m->acc_c[c], m->spm_a[sa], m->spm_sa[sa], m->spm_b[sb], m->spm_sb[sb], mm, nn, kk,
                        ea,          eb,           pre,           acc};
        emit(g, ISA_MMA_MX, v, 12);
    } else {
        uint64_t v[] = {m->acc_c[c], m->spm_a[sa],         m->spm_b[sb],         mm,  nn,
                        kk,          isa_fmt_code(&m->fa), isa_fmt_code(&m->fb), pre, acc};
        emit(g, ISA_MMA, v, 10);
    }
}

/* Store C tile slot c to C[m0, n0], through a bf16 staging tile if need be. */
static void store(gen *g, int c, uint64_t m0, uint64_t n0, uint64_t mm, uint64_t nn)
{
    const wl_gemm_map *m = g->m;
    uint64_t src = m->acc_c[c] | ISA_MEM_ACC, code = isa_fmt_code(&m->fout);
    if (m->fout.bits < 32) {
        mf_format f32;
        mf_get(MF_FP32, &f32);
        uint64_t v[] = {m->spm_c[c], src, mm, nn, code, isa_fmt_code(&f32), (uint64_t)mf_round_code(MF_RNE)};
        emit(g, ISA_VCVT, v, 7);
        src = m->spm_c[c];
    }
    uint64_t v[] = {dram(g, g->C, m0, n0), src, mm, nn, code};
    emit(g, ISA_DMA_ST, v, 5);
}

static uint64_t part(uint64_t i, uint64_t t, uint64_t n) { return i * t + t <= n ? t : n - i * t; }

/* The loop nest: C tiles in the mapping's order, K innermost. With one K
** tile the outer loop's operand is loaded once per outer step and kept. */
static void loops(gen *g)
{
    const wl_gemm_map *m = g->m;
    bool mn = m->order == WL_ORDER_MN;
    uint64_t mt = cdiv(m->m, m->tm), nt = cdiv(m->n, m->tn), kt = cdiv(m->k, m->tk);
    uint64_t outer = mn ? mt : nt, inner = mn ? nt : mt, tile = 0, step = 0;
    for (uint64_t o = 0; o < outer; o++) {
        uint64_t mi0 = mn ? o : 0, ni0 = mn ? 0 : o;
        if (kt == 1 && mn) load_a(g, (int)(o % 2), mi0 * m->tm, part(mi0, m->tm, m->m), 0, m->k);
        if (kt == 1 && !mn) load_b(g, (int)(o % 2), ni0 * m->tn, part(ni0, m->tn, m->n), 0, m->k);
        for (uint64_t i = 0; i < inner; i++, tile++) {
            uint64_t mi = mn ? o : i, ni = mn ? i : o;
            uint64_t m0 = mi * m->tm, n0 = ni * m->tn, mm = part(mi, m->tm, m->m), nn = part(ni, m->tn, m->n);
            for (uint64_t kq = 0; kq < kt; kq++, step++) {
                uint64_t k0 = kq * m->tk, kk = part(kq, m->tk, m->k);
                int sa = (int)(step % 2), sb = sa;
                if (kt > 1) {
                    load_a(g, sa, m0, mm, k0, kk);
                    load_b(g, sb, n0, nn, k0, kk);
                } else if (mn) {
                    sa = (int)(o % 2), sb = (int)(i % 2);
                    load_b(g, sb, n0, nn, 0, kk);
                } else {
                    sb = (int)(o % 2), sa = (int)(i % 2);
                    load_a(g, sa, m0, mm, 0, kk);
                }
                mma(g, (int)(tile % 2), sa, sb, mm, nn, kk, kq > 0);
            }
            store(g, (int)(tile % 2), m0, n0, mm, nn);
        }
    }
}

/* A float32 DMA between the accumulator or scratchpad and the partial sums P. */
static void partial(gen *g, bool st, uint64_t buf, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    mf_format f32;
    mf_get(MF_FP32, &f32);
    uint64_t v[] = {st ? dram(g, g->P, r, c) : buf, st ? buf : dram(g, g->P, r, c), rows, cols, isa_fmt_code(&f32)};
    emit(g, st ? ISA_DMA_ST : ISA_DMA_LD, v, 5);
}

static void vop(gen *g, isa_op op, uint64_t dst, uint64_t a, uint64_t b, uint64_t rows, uint64_t cols)
{
    uint64_t v[] = {dst, a, b, rows, cols};
    emit(g, op, v, 5);
}

/* Split-K's second kernel: tile (rr x tn) j of C to core j % cores: the
** parts of P loaded and added in order (part 0 into the accumulator buffer,
** the others through two scratchpad slots), then C stored. */
static void reduce(gen *g)
{
    const wl_gemm_map *m = g->m;
    uint64_t rows = m->batch * m->m; /* the problems' C tiles stacked: the sum is elementwise */
    uint64_t rt = cdiv(rows, m->rr), nt = cdiv(m->n, m->tn), tiles = rt * nt;
    uint64_t slot = (uint64_t)m->rr * m->tn * 4, cores = m->cores < tiles ? m->cores : tiles;
    char name[ISA_NAME_MAX];
    snprintf(name, sizeof name, "%s%s", g->name, strcmp(g->name, "gemm") ? "_reduce" : "reduce");
    if (!g->st) g->st = isa_prog_begin_kernel(g->p, strcmp(g->name, "gemm") ? name : "reduce");
    for (uint32_t c = 0; c < cores && !g->st; c++) {
        g->st = isa_prog_begin_core(g->p, c);
        uint64_t n = 0;
        for (uint64_t t = c; t < tiles; t += cores) {
            uint64_t ri = t / nt, ni = t % nt, m0 = ri * m->rr, n0 = ni * m->tn;
            uint64_t mm = part(ri, m->rr, rows), nn = part(ni, m->tn, m->n), acc = m->acc_c[0] | ISA_MEM_ACC;
            partial(g, false, acc, m0, n0, mm, nn);
            for (uint32_t p = 1; p < m->split; p++, n++) {
                uint64_t spm = (n % 2) * slot;
                partial(g, false, spm, (uint64_t)p * rows + m0, n0, mm, nn);
                vop(g, ISA_VADD, acc, acc, spm, mm, nn);
            }
            uint64_t src = acc, code = isa_fmt_code(&m->fout);
            if (m->fout.bits < 32) {
                mf_format f32;
                mf_get(MF_FP32, &f32);
                uint64_t v[] = {2 * slot, acc, mm, nn, code, isa_fmt_code(&f32), (uint64_t)mf_round_code(MF_RNE)};
                emit(g, ISA_VCVT, v, 7);
                src = 2 * slot;
            }
            uint64_t v[] = {dram(g, g->C, m0, n0), src, mm, nn, code};
            emit(g, ISA_DMA_ST, v, 5);
        }
    }
}

/* Several cores (or split-K): work item i to core i % cores; an item is C
** tile i / split (in the loop order, wl_gemm_tile_at) over part i % split of the K tiles, with
** A and B loaded at every K step; one kernel, then the reduction. */
static void loops_cores(gen *g)
{
    const wl_gemm_map *m = g->m;
    uint64_t nt = cdiv(m->n, m->tn), mt = cdiv(m->m, m->tm), kt = cdiv(m->k, m->tk);
    uint64_t items = m->tiles * m->split, per_problem = mt * nt;
    if (!g->st) g->st = isa_prog_begin_kernel(g->p, g->name);
    for (uint32_t c = 0; c < m->cores && !g->st; c++) {
        g->st = isa_prog_begin_core(g->p, c);
        uint64_t step = 0, own = 0;
        for (uint64_t i = c; i < items; i += m->cores, own++) {
            uint64_t t = i / m->split % per_problem, bi = i / m->split / per_problem, p = i % m->split;
            uint64_t mi, ni;
            wl_gemm_tile_at(m, t, &mi, &ni);
            uint64_t m0 = mi * m->tm, n0 = ni * m->tn, mm = part(mi, m->tm, m->m), nn = part(ni, m->tn, m->n);
            uint64_t k_lo = p * kt / m->split, k_hi = (p + 1) * kt / m->split, row = bi * m->m + m0;
            for (uint64_t kq = k_lo; kq < k_hi; kq++, step++) {
                uint64_t k0 = kq * m->tk, kk = part(kq, m->tk, m->k);
                int sl = (int)(step % 2);
                load_a(g, sl, row, mm, k0, kk);
                load_bb(g, sl, bi, n0, nn, k0, kk);
                mma(g, (int)(own % 2), sl, sl, mm, nn, kk, kq > k_lo);
            }
            if (m->split > 1)
                partial(g, true, m->acc_c[own % 2] | ISA_MEM_ACC, p * m->batch * m->m + row, n0, mm, nn);
            else
                store(g, (int)(own % 2), row, n0, mm, nn);
        }
    }
    if (m->split > 1) reduce(g);
}

static float uniform(uint64_t seed, uint64_t i) { return (float)(lp_rng_u64(seed, i) >> 40) * 0x1p-24f * 4.0f - 2.0f; }

static uint32_t f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Value i of the default seeding's stream seed: uniform in [-2, 2), MX
** blocks of 32 scaled by 2^-3 to 2^4 so that their scales differ. */
static double seeded(const wl_gemm_map *m, uint64_t seed, size_t i)
{
    float x = uniform(seed, i);
    return m->mx ? ldexpf(x, (int)(lp_rng_u64(seed ^ 0x5ca1e, i / 32) % 8) - 3) : x;
}

/* The default seeding's real A (M x K, stream seed) and W = B^T (N x K,
** stream seed + 1). A plain B's stream runs in K x N order, an MX one's in
** N x K (blocks of 32 along K): so for a given seed a plain B is the same
** matrix in either layout, and C's expectation the same. */
static void default_reals(const wl_gemm_map *m, uint64_t seed, double *ra, double *rw)
{
    size_t M = m->m, N = m->n, K = m->k;
    for (size_t i = 0; i < M * K; i++) ra[i] = seeded(m, seed, i);
    for (size_t n = 0; n < N; n++)
        for (size_t k = 0; k < K; k++) rw[n * K + k] = seeded(m, seed + 1, m->mx ? n * K + k : k * N + n);
}

/* n real values x, rows of K, as codes of f (MX: mx_quantize in blocks of 32
** along the rows, with their scales): the default seeding encodes them to
** nearest as they are, dist= data with the per-tensor scale (wl_dist.h). */
static lp_status quantise(const wl_gemm_map *m, const mf_format *f, int mxe, bool dist, const double *x, size_t n,
                          double scale, uint16_t *out, uint8_t *scales)
{
    if (!m->mx) {
        for (size_t i = 0; i < n; i++)
            out[i] =
                (uint16_t)(dist ? wl_dist_encode(f, x[i], scale) : mf_encode_f32(f, f32_bits((float)x[i]), NULL, 0));
        return LP_OK;
    }
    float *t = malloc(sizeof *t * n);
    uint8_t *c8 = malloc(n);
    lp_status st = LP_ERR_NOMEM;
    if (t && c8) {
        for (size_t i = 0; i < n; i++) t[i] = (float)x[i];
        st = mx_quantize(mx_elem_table((mx_elem_id)mxe), t, n, 32, MF_RNE, c8, scales);
        for (size_t i = 0; i < n; i++) out[i] = c8[i];
    }
    free(t), free(c8);
    return st;
}

/* Buffer b's contents from n codes of w bytes each in memory (1, 2 or 4),
** stored little-endian at its element bytes; or its expected output. */
static lp_status put(isa_prog *p, int b, const void *codes, int w, size_t n, bool expect, isa_rule rule, double tol)
{
    uint32_t *c = malloc(sizeof *c * (n ? n : 1));
    if (!c) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        c[i] = w == 1   ? ((const uint8_t *)codes)[i]
               : w == 2 ? ((const uint16_t *)codes)[i]
                        : ((const uint32_t *)codes)[i];
    lp_status st = isa_prog_put_codes(p, b, c, n, expect, rule, tol);
    free(c);
    return st;
}

/* C from the exact preset over all of K at once, or K tile by K tile from
** the mapping's preset (exact or fp32-seq, the units checked bit for bit). */
static lp_status reference(const wl_gemm_map *m, const uint16_t *a, const uint8_t *sa, const uint16_t *b,
                           const uint8_t *sb, bool by_tile, float *c)
{
    dot_cfg cfg;
    lp_status st = LP_OK;
    if (by_tile)
        dot_preset_get(m->preset, &cfg);
    else
        st = dot_preset("exact", &cfg, NULL);
    int M = (int)m->m, N = (int)m->n, K = (int)m->k, KB = K / 32, T = by_tile ? (int)m->tk : K;
    for (int k0 = 0; !st && k0 < K; k0 += T) {
        int kk = K - k0 < T ? K - k0 : T;
        dot_matrix A = {&m->fa, a + k0, K, sa ? sa + k0 / 32 : NULL, 32, KB};
        dot_matrix B = {&m->fb, b + (size_t)k0 * (size_t)N, N, sb ? sb + (size_t)(k0 / 32) * (size_t)N : NULL, 32, N};
        st = dot_gemm(&cfg, M, N, kk, &A, &B, k0 ? c : NULL, c);
    }
    return st;
}

/* The per-tensor scales of A and W (1 for MX and the default seeding), and
** whether the data is dist='s. */
typedef struct scales {
    bool dist;
    double a, w;
} scales;

/* Problem data from its real A (ra, M x K) and W (rw, N x K): the codes of A
** and B (B in DRAM as m->b_nk says) with their MX scales, and C's
** expectation from the codes. */
static lp_status problem_data(const wl_gemm_map *m, const scales *q, bool exact_hw, const double *ra, const double *rw,
                              uint16_t *a, uint8_t *sa, uint16_t *b_dram, uint8_t *sb, uint32_t *cc)
{
    size_t M = m->m, N = m->n, K = m->k, KB = K / 32;
    uint16_t *wnk = malloc(sizeof *wnk * K * N), *wkn = malloc(sizeof *wkn * K * N);
    uint8_t *sbt = malloc(N * KB + 1);
    float *c = malloc(sizeof *c * M * N);
    lp_status st = LP_ERR_NOMEM;
    if (!wnk || !wkn || !sbt || !c) goto free_all;
    /* B's codes come N x K; the reference takes K x N (MX scales KB x N) */
    if ((st = quantise(m, &m->fa, m->ea, q->dist, ra, M * K, q->a, a, sa)) ||
        (st = quantise(m, &m->fb, m->eb, q->dist, rw, K * N, q->w, wnk, sb)))
        goto free_all;
    for (size_t n = 0; n < N; n++)
        for (size_t k = 0; k < K; k++) wkn[k * N + n] = wnk[n * K + k];
    for (size_t n = 0; m->mx && n < N; n++)
        for (size_t k = 0; k < KB; k++) sbt[k * N + n] = sb[n * KB + k];
    memcpy(b_dram, m->mx || m->b_nk ? wnk : wkn, sizeof *b_dram * K * N);
    st = reference(m, a, m->mx ? sa : NULL, wkn, m->mx ? sbt : NULL, exact_hw, c);
    for (size_t i = 0; !st && i < M * N; i++) cc[i] = mf_encode_f32(&m->fout, f32_bits(c[i]), NULL, 0);
free_all:
    free(wnk), free(wkn), free(sbt), free(c);
    return st;
}

/* Seeded A and B, C's expectation and its float64 reference into the
** program: each problem of a batch from its own seeds (problem 0's are those
** of an unbatched GEMM); dist= data quantised with one scale per tensor
** (the whole batch's A, the whole batch's B). */
static lp_status data(gen *g, uint64_t seed, bool exact_hw, wl_dist dist)
{
    const wl_gemm_map *m = g->m;
    size_t M = m->m, N = m->n, K = m->k, KB = K / 32, B = m->batch;
    uint16_t *a = malloc(sizeof *a * B * M * K), *b = malloc(sizeof *b * B * K * N);
    uint8_t *sa = malloc(B * M * KB + 1), *sb = malloc(B * N * KB + 1);
    uint32_t *cc = malloc(sizeof *cc * B * M * N);
    double *ra = malloc(sizeof *ra * B * M * K), *rw = malloc(sizeof *rw * B * N * K);
    double *ref = malloc(sizeof *ref * B * M * N);
    lp_status st = LP_ERR_NOMEM;
    if (!a || !b || !sa || !sb || !cc || !ra || !rw || !ref) goto free_all;
    if (dist == WL_DIST_DEFAULT)
        for (size_t i = 0; i < B; i++) default_reals(m, seed + 2 * i, ra + i * M * K, rw + i * N * K);
    else
        wl_dist_operands(dist, seed, B, M, N, K, ra, rw);
    scales q = {dist != WL_DIST_DEFAULT, 1, 1};
    if (q.dist && !m->mx) q.a = wl_dist_scale(&m->fa, ra, B * M * K), q.w = wl_dist_scale(&m->fb, rw, B * N * K);
    st = LP_OK;
    for (size_t i = 0; i < B && !st; i++) {
        st = problem_data(m, &q, exact_hw, ra + i * M * K, rw + i * N * K, a + i * M * K, sa + i * M * KB,
                          b + i * K * N, sb + i * N * KB, cc + i * M * N);
        wl_dist_matmul(ra + i * M * K, rw + i * N * K, M, N, K, ref + i * M * N);
    }
    double tol = exact_hw ? 0 : m->fout.bits < 32 ? 1e-2 : 1e-5;
    if (st || (st = put(g->p, g->A, a, 2, B * M * K, false, 0, 0)) ||
        (st = put(g->p, g->B, b, 2, B * K * N, false, 0, 0)))
        goto free_all;
    if (m->mx && ((st = put(g->p, g->SA, sa, 1, B * M * KB, false, 0, 0)) ||
                  (st = put(g->p, g->SB, sb, 1, B * N * KB, false, 0, 0))))
        goto free_all;
    st = put(g->p, g->C, cc, 4, B * M * N, true, exact_hw ? ISA_RULE_BITEXACT : ISA_RULE_RELERR, tol);
    if (!st) isa_prog_set_ref(g->p, g->C, ref, 1 / (q.a * q.w)), ref = NULL;
free_all:
    free(a), free(b), free(sa), free(sb), free(cc), free(ra), free(rw), free(ref);
    return st;
}

static lp_status buffers(gen *g)
{
    const wl_gemm_map *m = g->m;
    mf_format e8;
    mf_get(MF_E8M0FNU, &e8);
    uint64_t B = m->batch;
    if (B * m->m > ISA_MAX_DIM || B * m->n > ISA_MAX_DIM || B * m->k > ISA_MAX_DIM ||
        (uint64_t)m->split * B * m->m > ISA_MAX_DIM)
        return LP_ERR_RANGE;
    uint32_t M = (uint32_t)(B * m->m), N = (uint32_t)m->n, K = (uint32_t)m->k, BN = (uint32_t)(B * m->n);
    g->A = 0, g->B = 1, g->SA = m->mx ? 2 : -1, g->SB = m->mx ? 3 : -1, g->C = m->mx ? 4 : 2;
    lp_status st = isa_prog_add_buffer(g->p, "A", isa_fmt_code(&m->fa), M, K);
    if (!st)
        st = isa_prog_add_buffer(g->p, "B", isa_fmt_code(&m->fb), m->b_nk ? BN : (uint32_t)(B * K), m->b_nk ? K : N);
    if (!st && m->mx) st = isa_prog_add_buffer(g->p, "SA", isa_fmt_code(&e8), M, K / 32);
    if (!st && m->mx) st = isa_prog_add_buffer(g->p, "SB", isa_fmt_code(&e8), BN, K / 32);
    if (!st) st = isa_prog_add_buffer(g->p, "C", isa_fmt_code(&m->fout), M, N);
    if (!st && m->split > 1) {
        mf_format f32;
        mf_get(MF_FP32, &f32);
        g->P = g->C + 1;
        st = isa_prog_add_buffer(g->p, "P", isa_fmt_code(&f32), m->split * M, N);
    }
    return st;
}

/* The program's size checked and its buffers declared into g->p (initialised here). */
static lp_status begin(gen *g, lp_diag *d)
{
    const wl_gemm_map *m = g->m;
    isa_prog_init(g->p);
    if (m->insns > ISA_MAX_INSNS)
        return lp_diag_msg(d, LP_ERR_RANGE,
                           "the GEMM program would have %llu instructions; a program holds at most %llu (larger "
                           "tiles, tm= tn= tk=, make fewer)",
                           (unsigned long long)m->insns, (unsigned long long)ISA_MAX_INSNS);
    lp_status st = buffers(g);
    if (st)
        return lp_diag_msg(d, st, "GEMM buffers of %llu x %llu x %llu (batch %llu): %s", (unsigned long long)m->m,
                           (unsigned long long)m->n, (unsigned long long)m->k, (unsigned long long)m->batch,
                           st == LP_ERR_RANGE ? "a buffer beyond the ISA's limits (16777216 rows or columns, 4 GiB "
                                                "each, 1 TiB of DRAM in all)"
                                              : lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_gemm_buffers(const wl_gemm_map *m, isa_prog *p, lp_diag *d)
{
    gen g = {"gemm", p, m, -1, -1, -1, -1, -1, -1, LP_OK};
    return begin(&g, d);
}

lp_status wl_gen_gemm(const wl_spec *s, const arch_cfg *a, const wl_gemm_map *m, uint64_t seed, bool functional,
                      isa_prog *p, lp_diag *d)
{
    (void)a; /* the mapping holds what the program needs of it */
    gen g = {"gemm", p, m, -1, -1, -1, -1, -1, -1, LP_OK};
    lp_status st = begin(&g, d);
    if (st) return st;
    if (m->cores > 1 || m->split > 1 || m->batch > 1)
        loops_cores(&g);
    else
        loops(&g);
    emit(&g, ISA_HALT, NULL, 0);
    if (g.st) return lp_diag_msg(d, g.st, "GEMM program: %s", lp_status_text(g.st));
    /* exact and fp32-seq units are checked bit for bit against the dot model
    ** (fp32-seq: an fpga unit's float32 accumulator, its own code); split-K
    ** adds the parts in another order than one accumulation: normwise */
    bool exact_hw = (m->preset == dot_preset_find("exact", NULL) || m->preset == dot_preset_find("fp32-seq", NULL)) &&
                    m->split == 1;
    if (functional && (st = data(&g, seed, exact_hw, (wl_dist)s->dist)))
        return lp_diag_msg(d, st, "GEMM data: %s", lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_gemm_kernels(isa_prog *p, const wl_gemm_map *m, const wl_gemm_bufs *b, const char *name, lp_diag *d)
{
    gen g = {name, p, m, b->a, b->b, b->sa, b->sb, b->c, b->p, LP_OK};
    if (m->split > 1 && b->p < 0)
        return lp_diag_msg(d, LP_ERR_ARG, "GEMM %s: split-K needs a partial-sum buffer", name);
    loops_cores(&g);
    if (g.st) return lp_diag_msg(d, g.st, "GEMM %s: %s", name, lp_status_text(g.st));
    return LP_OK;
}
