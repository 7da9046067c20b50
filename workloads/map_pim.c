/*
** map_pim.c — the PIM mapping and its program (map_pim.h).
**
** The key choice: passes are the capacity of one core's arrays divided by a
** row's bits, and nothing cleverer (no column split of K, no packing of two
** slices per pass), because decode GEMV streams every weight from DRAM once
** per token anyway and a slice's reload is what the arrays' timing face
** charges. The expectation of a functional program is a plain int64 loop,
** sharing nothing with the arrays' functional face.
*/
#include "map_pim.h"

#include <stdlib.h>
#include <string.h>

#include "lp_rng.h"
#include "pim.h"
#include "units.h"
#include "wl_dist.h"

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
static uint64_t al64(uint64_t x) { return (x + 63) / 64 * 64; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

#define DIM_MAX 65535u /* a dim operand */

bool wl_pim_of_arch(const arch_cfg *a, wl_pim_geom *g)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_PIM);
    const pim_cfg *c = u ? u->cfg : NULL;
    if (!c || !c->arrays || !c->array_rows || !c->array_cols) return false;
    g->array_rows = c->array_rows, g->array_cols = c->array_cols, g->arrays = c->arrays;
    g->bitserial = c->mode && !strcmp(c->mode, "bitserial");
    return true;
}

bool wl_pim_takes(const mf_format *fa, const mf_format *fw)
{
    return fa->kind == MF_KIND_INT && fw->kind == MF_KIND_INT && fa->bits <= 8 && fw->bits <= 8;
}

lp_status wl_pim_place(const wl_pim_geom *g, uint64_t n, uint64_t k, int wbits, uint64_t cores, uint64_t max_rows,
                       wl_pim_map *m, lp_diag *d)
{
    uint64_t cap = g->array_rows * g->array_cols * g->arrays, row_bits = k * (uint64_t)wbits;
    if (!row_bits || row_bits > cap)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "a weight row of %llu x %d bits does not fit the PIM arrays (%llu bits a core); a column "
                           "split of K is not mapped",
                           (unsigned long long)k, wbits, (unsigned long long)cap);
    if (!max_rows) return lp_diag_msg(d, LP_ERR_ARG, "the results of one weight row do not fit the scratchpad");
    cores = cores < 1 ? 1 : cores > n ? n : cores;
    uint64_t block = cdiv(n, cores);
    m->capacity_bits = cap;
    m->cores = (uint32_t)cdiv(n, block);
    m->rows_per_core = block;
    m->rows_per_pass = min64(min64(cap / row_bits, max_rows), min64(block, DIM_MAX));
    m->passes = cdiv(block, m->rows_per_pass);
    m->arrays_used = cdiv(m->rows_per_pass * row_bits, g->array_rows * g->array_cols);
    return LP_OK;
}

lp_status wl_map_pim(const wl_pim_geom *g, uint64_t m, uint64_t n, uint64_t k, const mf_format *fa, const mf_format *fw,
                     const mf_format *fout, uint64_t cores, uint64_t spm_bytes, wl_pim_map *out, lp_diag *d)
{
    memset(out, 0, sizeof *out);
    if (!wl_pim_takes(fa, fw))
        return lp_diag_msg(d, LP_ERR_ARG, "PIM arrays take integer activations and weights (int1..int8), not %s x %s",
                           fa->name, fw->name);
    if (k > DIM_MAX) return lp_diag_msg(d, LP_ERR_ARG, "PIM: K=%llu beyond %u", (unsigned long long)k, DIM_MAX);
    out->m = m, out->n = n, out->k = k, out->fa = *fa, out->fw = *fw, out->fout = *fout;
    out->abits = fa->bits, out->wbits = fw->bits, out->bitserial = g->bitserial;
    /* scratchpad per activation row: its codes, its float32 results, their conversion */
    uint64_t eo = fout->bits < 32 ? (uint64_t)isa_elem_bytes(fout) : 0, xa = al64(k * (uint64_t)isa_elem_bytes(fa));
    uint64_t room = spm_bytes > xa + 192 ? spm_bytes - xa - 192 : 0, max_rows = room / (4 + eo);
    lp_status st = wl_pim_place(g, n, k, fw->bits, cores, max_rows, out, d);
    if (st) return st;
    uint64_t r = out->rows_per_pass, per_row = xa + al64(r * 4) + al64(r * eo);
    out->chunk_m = min64(min64(m, (spm_bytes - 128) / per_row), DIM_MAX);
    out->spm_x = 0;
    out->spm_y = (uint32_t)al64(out->chunk_m * k * (uint64_t)isa_elem_bytes(fa));
    out->spm_o = (uint32_t)(out->spm_y + al64(out->chunk_m * r * 4));
    /* per pass: PIM_LD, then per chunk DMA_LD, PIM_GEMV (one row) or PIM_GEMM, VCVT, DMA_ST */
    uint64_t chunks = cdiv(m, out->chunk_m), per_chunk = 3 + (eo ? 1 : 0);
    out->insns = 0;
    for (uint64_t c = 0; c < out->cores; c++) {
        uint64_t rows = min64(out->rows_per_core, n - c * out->rows_per_core);
        out->insns += cdiv(rows, r) * (1 + chunks * per_chunk);
    }
    return LP_OK;
}

typedef struct gen {
    isa_prog *p;
    const wl_pim_map *m;
    lp_status st;
} gen;

static void emit(gen *g, isa_op op, const uint64_t *v, int n)
{
    isa_insn in = {op, {0}};
    if (n) memcpy(in.v, v, sizeof *v * (size_t)n);
    if (!g->st) g->st = isa_prog_add_insn(g->p, &in);
}

/* Weight rows wr.. (rows of them) of W into the arrays from array 0. */
static void place(gen *g, int W, uint64_t wr, uint64_t rows)
{
    const wl_pim_map *m = g->m;
    uint64_t ld[] = {0, isa_prog_dram(g->p, W, wr, 0), rows, m->k, isa_fmt_code(&m->fw), (uint64_t)m->wbits};
    emit(g, ISA_PIM_LD, ld, 6);
}

/* One pass: the slice placed (unless resident: placed before), then every
** chunk of activation rows through it. */
static void pass(gen *g, int A, int W, int C, uint64_t arow0, uint64_t wr, uint64_t c0, uint64_t rows)
{
    const wl_pim_map *m = g->m;
    mf_format f32;
    mf_get(MF_FP32, &f32);
    if (!m->resident) place(g, W, wr, rows);
    for (uint64_t r0 = 0; r0 < m->m; r0 += m->chunk_m) {
        uint64_t mc = min64(m->chunk_m, m->m - r0);
        uint64_t x[] = {m->spm_x, isa_prog_dram(g->p, A, arow0 + r0, 0), mc, m->k, isa_fmt_code(&m->fa)};
        emit(g, ISA_DMA_LD, x, 5);
        if (mc == 1) {
            uint64_t v[] = {
                m->spm_y,           0,           m->spm_x, rows, m->k, isa_fmt_code(&m->fa), (uint64_t)m->abits,
                (uint64_t)m->wbits, m->bitserial};
            emit(g, ISA_PIM_GEMV, v, 9);
        } else {
            uint64_t v[] = {
                m->spm_y,           0,           m->spm_x, mc, rows, m->k, isa_fmt_code(&m->fa), (uint64_t)m->abits,
                (uint64_t)m->wbits, m->bitserial};
            emit(g, ISA_PIM_GEMM, v, 10);
        }
        uint64_t src = m->spm_y;
        if (m->fout.bits < 32) {
            uint64_t v[] = {m->spm_o,
                            m->spm_y,
                            mc,
                            rows,
                            isa_fmt_code(&m->fout),
                            isa_fmt_code(&f32),
                            (uint64_t)mf_round_code(MF_RNE)};
            emit(g, ISA_VCVT, v, 7);
            src = m->spm_o;
        }
        uint64_t st[] = {isa_prog_dram(g->p, C, arow0 + r0, c0), src, mc, rows, isa_fmt_code(&m->fout)};
        emit(g, ISA_DMA_ST, st, 5);
    }
}

/* The kernel over problems stacked by rows: problem bi's A and C rows from
** bi * M, its W rows from bi * N. */
static lp_status kernels(isa_prog *p, const wl_pim_map *m, uint64_t batch, int A, int W, int C, const char *name,
                         lp_diag *d)
{
    gen g = {p, m, LP_OK};
    if (m->resident) { /* one pass a core (wl_gen_pim_gemm checked): its slice, in a kernel of its own */
        g.st = isa_prog_begin_kernel(p, "place");
        for (uint32_t c = 0; c < m->cores && !g.st; c++) {
            g.st = isa_prog_begin_core(p, c);
            uint64_t lo = c * m->rows_per_core;
            place(&g, W, lo, min64(m->rows_per_core, m->n - lo));
        }
    }
    if (!g.st) g.st = isa_prog_begin_kernel(p, name);
    for (uint32_t c = 0; c < m->cores && !g.st; c++) {
        g.st = isa_prog_begin_core(p, c);
        uint64_t lo = c * m->rows_per_core, hi = min64(lo + m->rows_per_core, m->n);
        for (uint64_t bi = 0; bi < batch; bi++)
            for (uint64_t r = lo; r < hi; r += m->rows_per_pass)
                pass(&g, A, W, C, bi * m->m, bi * m->n + r, r, min64(m->rows_per_pass, hi - r));
    }
    return g.st ? lp_diag_msg(d, g.st, "PIM %s: %s", name, lp_status_text(g.st)) : LP_OK;
}

lp_status wl_gen_pim_kernels(isa_prog *p, const wl_pim_map *m, int A, int W, int C, const char *name, lp_diag *d)
{
    return kernels(p, m, 1, A, W, C, name, d);
}

/* n integer codes of f, uniform over its whole range, each row of n / rows
** opening with the extremes so that every product's range is exercised: the
** default seeding, whose real values are the integers themselves. */
static void int_codes(const mf_format *f, uint64_t seed, size_t n, size_t cols, int64_t *v, uint32_t *codes)
{
    int64_t lo = -((int64_t)1 << (f->bits - 1)), span = (int64_t)1 << f->bits;
    for (size_t i = 0; i < n; i++) {
        int64_t x = lo + (int64_t)(lp_rng_u64(seed, i) % (uint64_t)span);
        if (i % cols == 0) x = lo;
        if (i % cols == 1) x = lo + span - 1;
        float fx = (float)x;
        uint32_t u;
        memcpy(&u, &fx, sizeof u);
        v[i] = x;
        codes[i] = mf_encode_f32(f, u, NULL, 0);
    }
}

/* n real values x quantised into integer codes of f with the per-tensor
** scale (wl_dist.h), and the integers they hold. */
static void dist_codes(const mf_format *f, const double *x, size_t n, double scale, int64_t *v, uint32_t *codes)
{
    for (size_t i = 0; i < n; i++) {
        codes[i] = wl_dist_encode(f, x[i], scale);
        uint32_t u = mf_decode_f32(f, codes[i]);
        float fx;
        memcpy(&fx, &u, sizeof fx);
        v[i] = (int64_t)fx;
    }
}

/* Seeded A and W, C = A W^T per problem: int64 sums, rounded to float32 (to
** nearest even: (float) of an exact int64 below 2^53 rounds once), then to
** out; and C's float64 reference of the real inputs (the integers
** themselves by default; dist= data as the GEMM generator draws it, so that
** the arrays and the host see the same real values). */
static lp_status data(isa_prog *p, const wl_pim_map *m, uint64_t batch, uint64_t seed, wl_dist dist, int A, int W,
                      int C)
{
    size_t M = batch * m->m, N = batch * m->n, K = m->k, NO = m->n;
    int64_t *a = malloc(sizeof *a * M * K), *w = malloc(sizeof *w * N * K);
    uint32_t *ca = malloc(sizeof *ca * M * K), *cw = malloc(sizeof *cw * N * K), *cc = malloc(sizeof *cc * M * NO);
    double *ra = malloc(sizeof *ra * M * K), *rw = malloc(sizeof *rw * N * K), *ref = malloc(sizeof *ref * M * NO);
    double sa = 1, sw = 1;
    lp_status st = LP_ERR_NOMEM;
    if (!a || !w || !ca || !cw || !cc || !ra || !rw || !ref) goto free_all;
    if (dist == WL_DIST_DEFAULT) {
        int_codes(&m->fa, seed, M * K, K, a, ca);
        int_codes(&m->fw, seed + 1, N * K, K, w, cw);
        for (size_t i = 0; i < M * K; i++) ra[i] = (double)a[i];
        for (size_t i = 0; i < N * K; i++) rw[i] = (double)w[i];
    } else {
        wl_dist_operands(dist, seed, batch, m->m, m->n, K, ra, rw);
        sa = wl_dist_scale(&m->fa, ra, M * K), sw = wl_dist_scale(&m->fw, rw, N * K);
        dist_codes(&m->fa, ra, M * K, sa, a, ca);
        dist_codes(&m->fw, rw, N * K, sw, w, cw);
    }
    for (size_t bi = 0; bi < batch; bi++) {
        wl_dist_matmul(ra + bi * m->m * K, rw + bi * NO * K, m->m, NO, K, ref + bi * m->m * NO);
        for (size_t i = 0; i < m->m; i++)
            for (size_t j = 0; j < NO; j++) {
                int64_t s = 0;
                const int64_t *x = a + (bi * m->m + i) * K, *y = w + (bi * NO + j) * K;
                for (size_t q = 0; q < K; q++) s += x[q] * y[q];
                float f = (float)s;
                uint32_t u;
                memcpy(&u, &f, sizeof u);
                cc[(bi * m->m + i) * NO + j] = mf_encode_f32(&m->fout, u, NULL, 0);
            }
    }
    if (!(st = isa_prog_put_codes(p, A, ca, M * K, false, 0, 0)) &&
        !(st = isa_prog_put_codes(p, W, cw, N * K, false, 0, 0)))
        st = isa_prog_put_codes(p, C, cc, M * NO, true, ISA_RULE_BITEXACT, 0);
    if (!st) isa_prog_set_ref(p, C, ref, 1 / (sa * sw)), ref = NULL;
free_all:
    free(a), free(w), free(ca), free(cw), free(cc), free(ra), free(rw), free(ref);
    return st;
}

lp_status wl_pim_gemm_buffers(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, isa_prog *p, wl_pim_map *m,
                              lp_diag *d)
{
    isa_prog_init(p);
    mf_format fa, fw, fo;
    lp_status st;
    if ((st = mf_parse(s->in_a.name, &fa, d)) || (st = mf_parse(s->in_b.name, &fw, d)) ||
        (st = mf_parse(s->out.name, &fo, d)))
        return st;
    uint64_t M = s->kind == WL_GEMV ? 1 : s->m, B = s->batch ? s->batch : 1, cores = s->cores ? s->cores : a->cores;
    if ((st = wl_map_pim(g, M, s->n, s->k, &fa, &fw, &fo, cores, a->spm.size_bytes, m, d))) return st;
    if (s->resident) {
        if (m->passes > 1 || B > 1)
            return lp_diag_msg(d, LP_ERR_ARG,
                               "resident=1: the weights must stay in the arrays, but %s (%llu weight rows a core, "
                               "%llu a pass)",
                               B > 1 ? "batch > 1 gives each problem weights of its own" : "they take several passes",
                               (unsigned long long)m->rows_per_core, (unsigned long long)m->rows_per_pass);
        m->resident = true; /* the place kernel's PIM_LD stand for the passes' own: as many instructions */
    }
    if (B * M > ISA_MAX_DIM || B * s->n > ISA_MAX_DIM)
        return lp_diag_msg(d, LP_ERR_RANGE, "PIM GEMM buffers beyond the ISA's %u rows", (unsigned)ISA_MAX_DIM);
    if (m->insns * B + 1 > ISA_MAX_INSNS)
        return lp_diag_msg(d, LP_ERR_RANGE,
                           "the PIM program would have %llu instructions; a program holds at most %llu",
                           (unsigned long long)(m->insns * B + 1), (unsigned long long)ISA_MAX_INSNS);
    if ((st = isa_prog_add_buffer(p, "A", isa_fmt_code(&fa), (uint32_t)(B * M), (uint32_t)s->k)) ||
        (st = isa_prog_add_buffer(p, "W", isa_fmt_code(&fw), (uint32_t)(B * s->n), (uint32_t)s->k)) ||
        (st = isa_prog_add_buffer(p, "C", isa_fmt_code(&fo), (uint32_t)(B * M), (uint32_t)s->n)))
        return lp_diag_msg(d, st, "PIM GEMM buffers: %s", lp_status_text(st));
    return LP_OK;
}

lp_status wl_gen_pim_gemm(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, uint64_t seed, bool functional,
                          isa_prog *p, wl_pim_map *m, lp_diag *d)
{
    int A = 0, W = 1, C = 2; /* wl_pim_gemm_buffers' */
    uint64_t B = s->batch ? s->batch : 1;
    lp_status st = wl_pim_gemm_buffers(s, a, g, p, m, d);
    if (st) return st;
    if ((st = kernels(p, m, B, A, W, C, "gemm", d))) return st;
    isa_insn halt = {ISA_HALT, {0}};
    if ((st = isa_prog_add_insn(p, &halt))) return lp_diag_msg(d, st, "PIM GEMM program: %s", lp_status_text(st));
    if (functional && (st = data(p, m, B, seed, (wl_dist)s->dist, A, W, C)))
        return lp_diag_msg(d, st, "PIM GEMM data: %s", lp_status_text(st));
    return LP_OK;
}
