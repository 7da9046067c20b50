/*
** gen_vec.c — the layer kernels of gen_vec.h: tile choice, the instructions
** of each kernel, float64 references and expectations.
**
** A kernel's buffers are a list of regions (float32 tiles TR x CW, one staging
** tile of codes for loads and stores, float32 row vectors TR x 1) packed
** first-fit, 64-byte aligned, into the scratchpad budget then the
** accumulator's; the tile is the widest CW (whole rows first), then the
** tallest TR, whose regions fit. Constants that the vector unit has no
** immediate form for (eps, the 1 of 1 + exp(-x), GELU's sqrt(2/pi)) are row
** vectors filled once per call and applied with VBSUB (x - (-1) = x + 1), so
** they cost no tile. A norm's weight (and bias) is replicated across the TR
** rows of a tile by TR one-row loads, once per call when rows fit in one chunk
** (per chunk and tile otherwise). Conversions round to nearest even.
**
** Left out: double buffering (loads, vector work and stores of one tile follow
** each other; the simulator overlaps only what the dependencies allow), MX
** formats (a buffer of an MX element format is refused by the ISA's DMA).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vec.h"
#include "lp_rng.h"

static const struct {
    const char *name;
    unsigned doc_ops, isa_ops;
} kernels[WL_VK_COUNT] = {
#define WL_VEC_KERNEL(id, name, doc_ops, isa_ops) [id] = {name, doc_ops, isa_ops},
#include "wl_vec.def"
#undef WL_VEC_KERNEL
};

const char *wl_vec_name(wl_vec_kind k) { return kernels[k].name; }
unsigned wl_vec_doc_ops(wl_vec_kind k) { return kernels[k].doc_ops; }
unsigned wl_vec_isa_ops(wl_vec_kind k) { return kernels[k].isa_ops; }

#define MAX_REGIONS 24
#define WL_PI 3.14159265358979323846
#define MAX_TILE_DIM 65535u /* an ISA dim operand */

/* Regions of a kernel: NRAW staging tiles for conversions, used in turn, so
** that a tile's load need not wait for the previous tile's store to leave the
** staging tile; then the float32 tiles; then the row vectors. */
#define NRAW 2
enum { R_RAW, R_T0 = R_RAW + NRAW, R_ROW0 = R_T0 + 10 };

typedef struct gen {
    isa_prog *p;
    const wl_vec_args *a;
    wl_vec_kind k;
    uint64_t tr, cw;          /* tile rows and columns */
    uint64_t at[MAX_REGIONS]; /* mem operand of each region (ISA_MEM_ACC set for the accumulator buffer) */
    unsigned raw;             /* staging tiles taken so far */
    lp_status st;
} gen;

/* The next staging tile. */
static uint64_t raw_tile(gen *g) { return g->at[R_RAW + g->raw++ % NRAW]; }

/* ---- operands and their checks ------------------------------------------------------- */

static bool uses(wl_vec_kind k, int which)
{
    switch (which) {
    case 0: return k != WL_VK_EMBED;                           /* x */
    case 1: return k == WL_VK_SWIGLU || k == WL_VK_RESIDUAL;   /* x2 */
    case 2: return k == WL_VK_RMSNORM || k == WL_VK_LAYERNORM; /* w */
    case 3: return k == WL_VK_LAYERNORM;                       /* b */
    case 4: return k == WL_VK_ROTARY || k == WL_VK_EMBED;      /* table */
    default: return false;
    }
}

static void fmt_of(const isa_prog *p, int b, mf_format *f) { isa_buffer_format(&p->bufs[b], f); }

static bool is_f32(const isa_prog *p, int b)
{
    mf_format f;
    fmt_of(p, b, &f);
    return f.bits == 32;
}

static int eb_of(const isa_prog *p, int b)
{
    mf_format f;
    fmt_of(p, b, &f);
    return isa_elem_bytes(&f);
}

/* View v of rows x cols lies inside its buffer. */
static lp_status view_ok(const isa_prog *p, const wl_vec_view *v, const char *what, uint64_t rows, uint64_t cols,
                         lp_diag *d)
{
    if (v->buf < 0 || (size_t)v->buf >= p->nbufs)
        return lp_diag_msg(d, LP_ERR_ARG, "vector kernel: %s names no buffer (%d)", what, v->buf);
    const isa_buffer *b = &p->bufs[v->buf];
    if (v->row0 > b->rows || rows > b->rows - v->row0 || v->col0 > b->cols || cols > b->cols - v->col0)
        return lp_diag_msg(d, LP_ERR_ARG, "vector kernel: %s (%llu x %llu at %llu, %llu) is not inside %s (%u x %u)",
                           what, (unsigned long long)rows, (unsigned long long)cols, (unsigned long long)v->row0,
                           (unsigned long long)v->col0, b->name, b->rows, b->cols);
    return LP_OK;
}

/* Positions of rows [0, min(rows, tokens)) needed of a table: pos0 + that. */
static uint64_t positions_needed(const wl_vec_args *a) { return a->pos0 + (a->rows < a->tokens ? a->rows : a->tokens); }

static lp_status check(const isa_prog *p, wl_vec_kind k, const wl_vec_args *a, lp_diag *d)
{
    if ((unsigned)k >= WL_VK_COUNT) return lp_diag_msg(d, LP_ERR_ARG, "vector kernel: unknown kind %d", (int)k);
    if (!a->rows || !a->width)
        return lp_diag_msg(d, LP_ERR_ARG, "%s: rows and width must be positive", kernels[k].name);
    lp_status st = view_ok(p, &a->y, "y", a->rows, a->width, d);
    if (!st && uses(k, 0)) st = view_ok(p, &a->x, "x", a->rows, a->width, d);
    if (!st && uses(k, 1)) st = view_ok(p, &a->x2, k == WL_VK_SWIGLU ? "u" : "r", a->rows, a->width, d);
    if (!st && uses(k, 2)) st = view_ok(p, &a->w, "w", 1, a->width, d);
    if (!st && uses(k, 3)) st = view_ok(p, &a->b, "b", 1, a->width, d);
    if (st) return st;
    if ((k == WL_VK_ROTARY || (k == WL_VK_EMBED && a->pos.buf >= 0)) && !a->tokens)
        return lp_diag_msg(d, LP_ERR_ARG, "%s: tokens must be positive", kernels[k].name);
    if (k == WL_VK_ROTARY) {
        uint64_t D = a->head_dim;
        if (!D || D % 2 || a->width % D)
            return lp_diag_msg(d, LP_ERR_ARG, "rotary: head_dim %llu must be even and divide the width %llu",
                               (unsigned long long)D, (unsigned long long)a->width);
        return view_ok(p, &a->table, "the rotary table (positions x head_dim)", positions_needed(a), D, d);
    }
    if (k == WL_VK_EMBED) {
        if (!a->ids) return lp_diag_msg(d, LP_ERR_ARG, "embed: no token ids");
        uint32_t top = 0;
        for (uint64_t r = 0; r < a->rows; r++) top = a->ids[r] > top ? a->ids[r] : top;
        if ((st = view_ok(p, &a->table, "the embedding table (up to the largest id)", (uint64_t)top + 1, a->width, d)))
            return st;
        if (a->pos.buf >= 0) return view_ok(p, &a->pos, "the position table", positions_needed(a), a->width, d);
    }
    return LP_OK;
}

/* ---- regions and the tile ------------------------------------------------------------ */

/* Bytes of each region for a tile tr x cw; 0: unused. */
static int regions(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t tr, uint64_t cw, uint64_t *bytes)
{
    int eb = 0, nt = 0, nrow = 0;
    bool raw = false;
    const wl_vec_view *in[] = {&a->x, &a->x2, &a->w, &a->b, &a->table};
    for (int i = 0; i < 5; i++)
        if (uses(k, i) && !is_f32(p, in[i]->buf))
            raw = true, eb = eb_of(p, in[i]->buf) > eb ? eb_of(p, in[i]->buf) : eb;
    if (k == WL_VK_EMBED && a->pos.buf >= 0 && !is_f32(p, a->pos.buf))
        raw = true, eb = eb_of(p, a->pos.buf) > eb ? eb_of(p, a->pos.buf) : eb;
    if (!is_f32(p, a->y.buf)) raw = true, eb = eb_of(p, a->y.buf) > eb ? eb_of(p, a->y.buf) : eb;
    if (k == WL_VK_EMBED) raw = true, eb = eb > eb_of(p, a->table.buf) ? eb : eb_of(p, a->table.buf);
    switch (k) {
    case WL_VK_RMSNORM: nt = 3, nrow = 3; break;                     /* X T W; ss tmp eps */
    case WL_VK_LAYERNORM: nt = 4, nrow = 5; break;                   /* X T W B; s tmp mean var eps */
    case WL_VK_ROTARY: nt = 10, nrow = 0; break;                     /* X1 X2 T U C S X1' X2' T' U' (TR x D/2) */
    case WL_VK_SWIGLU: nt = 3, nrow = 1; break;                      /* G T U; -1 */
    case WL_VK_GELU: nt = 2, nrow = 2; break;                        /* X T; -1, 2c */
    case WL_VK_RESIDUAL: nt = 2, nrow = 0; break;                    /* X R */
    case WL_VK_EMBED: nt = a->pos.buf >= 0 ? 2 : 1, nrow = 0; break; /* X P */
    default: break;
    }
    int n = 0;
    for (int i = 0; i < NRAW; i++) bytes[n++] = raw ? tr * cw * (uint64_t)eb : 0;
    for (int i = 0; i < nt; i++) bytes[n++] = tr * cw * 4;
    for (; n < R_ROW0; n++) bytes[n] = 0;
    for (int i = 0; i < nrow; i++) bytes[n++] = tr * 4;
    return n;
}

/* Pack the regions of tr x cw; true if they fit (addresses into at). */
static bool place(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t tr, uint64_t cw, uint64_t *at)
{
    uint64_t bytes[MAX_REGIONS], used[2] = {0, 0}, size[2] = {a->spm_bytes, a->acc_bytes};
    uint64_t base[2] = {a->spm_base, a->acc_base};
    int n = regions(k, p, a, tr, cw, bytes);
    for (int i = 0; i < n; i++) {
        if (!bytes[i]) continue;
        int s = 0;
        for (; s < 2; s++)
            if (used[s] + bytes[i] <= size[s]) break;
        if (s == 2) return false;
        if (at) at[i] = (base[s] + used[s]) | (s ? ISA_MEM_ACC : 0);
        used[s] += (bytes[i] + 63) / 64 * 64;
    }
    return true;
}

lp_status wl_vec_tile(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t nrows, uint64_t *tr,
                      uint64_t *cw, lp_diag *d)
{
    lp_status st = check(p, k, a, d);
    if (st) return st;
    uint64_t w = k == WL_VK_ROTARY ? a->head_dim / 2 : a->width, lo = 1, hi;
    if (w > MAX_TILE_DIM) w = MAX_TILE_DIM;
    if (!place(k, p, a, 1, 1, NULL) || (k == WL_VK_ROTARY && !place(k, p, a, 1, w, NULL)))
        return lp_diag_msg(d, LP_ERR_ARG,
                           "%s: not even one row of %s fits %llu bytes of scratchpad and %llu of "
                           "accumulator buffer",
                           kernels[k].name, k == WL_VK_ROTARY ? "half a head" : "one column",
                           (unsigned long long)a->spm_bytes, (unsigned long long)a->acc_bytes);
    for (hi = w; lo < hi;) { /* the widest chunk that fits one row */
        uint64_t mid = hi - (hi - lo) / 2;
        if (place(k, p, a, 1, mid, NULL))
            lo = mid;
        else
            hi = mid - 1;
    }
    *cw = lo;
    uint64_t top = nrows < MAX_TILE_DIM ? nrows : MAX_TILE_DIM;
    for (lo = 1, hi = top ? top : 1; lo < hi;) {
        uint64_t mid = hi - (hi - lo) / 2;
        if (place(k, p, a, mid, *cw, NULL))
            lo = mid;
        else
            hi = mid - 1;
    }
    *tr = lo;
    return LP_OK;
}

/* ---- instructions -------------------------------------------------------------------- */

static void emit(gen *g, isa_op op, const uint64_t *v, int n)
{
    isa_insn in = {op, {0}};
    memcpy(in.v, v, sizeof *v * (size_t)n);
    if (!g->st) g->st = isa_prog_add_insn(g->p, &in);
}

static uint64_t dram(const gen *g, const wl_vec_view *v, uint64_t r, uint64_t c)
{
    return isa_prog_dram(g->p, v->buf, v->row0 + r, v->col0 + c);
}

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
static uint64_t f32_imm(float s)
{
    uint32_t bits;
    memcpy(&bits, &s, sizeof bits);
    return bits;
}
static void vscale(gen *g, uint64_t dst, uint64_t src, uint64_t r, uint64_t c, float s)
{
    uint64_t v[] = {dst, src, r, c, f32_imm(s)};
    emit(g, ISA_VSCALE, v, 5);
}
static void vfill(gen *g, uint64_t dst, uint64_t r, uint64_t c, float s)
{
    uint64_t v[] = {dst, r, c, f32_imm(s)};
    emit(g, ISA_VFILL, v, 4);
}
static void vcvt(gen *g, uint64_t dst, uint64_t src, uint64_t r, uint64_t c, uint32_t dfmt, uint32_t sfmt)
{
    uint64_t v[] = {dst, src, r, c, dfmt, sfmt, (uint64_t)mf_round_code(MF_RNE)};
    emit(g, ISA_VCVT, v, 7);
}

static uint32_t f32_code(void)
{
    mf_format f;
    mf_get(MF_FP32, &f);
    return isa_fmt_code(&f);
}

static void dma_ld(gen *g, uint64_t dst, const wl_vec_view *v, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    uint64_t x[] = {dst, dram(g, v, r, c), rows, cols, g->p->bufs[v->buf].fmt};
    emit(g, ISA_DMA_LD, x, 5);
}
static void dma_st(gen *g, const wl_vec_view *v, uint64_t r, uint64_t c, uint64_t src, uint64_t rows, uint64_t cols)
{
    uint64_t x[] = {dram(g, v, r, c), src, rows, cols, g->p->bufs[v->buf].fmt};
    emit(g, ISA_DMA_ST, x, 5);
}

/* A rows x cols float32 tile at dst from view (r, c): through the staging tile
** and a conversion unless the buffer is fp32. */
static void load_f32(gen *g, uint64_t dst, const wl_vec_view *v, uint64_t r, uint64_t c, uint64_t rows, uint64_t cols)
{
    if (is_f32(g->p, v->buf)) {
        dma_ld(g, dst, v, r, c, rows, cols);
        return;
    }
    uint64_t t = raw_tile(g);
    dma_ld(g, t, v, r, c, rows, cols);
    vcvt(g, dst, t, rows, cols, f32_code(), g->p->bufs[v->buf].fmt);
}

static void store_f32(gen *g, const wl_vec_view *v, uint64_t r, uint64_t c, uint64_t src, uint64_t rows, uint64_t cols)
{
    if (!is_f32(g->p, v->buf)) {
        uint64_t t = raw_tile(g);
        vcvt(g, t, src, rows, cols, g->p->bufs[v->buf].fmt, f32_code());
        src = t;
    }
    dma_st(g, v, r, c, src, rows, cols);
}

/* Row 0 of view v, columns [c, c + cols), replicated into rows x cols float32. */
static void load_rep(gen *g, uint64_t dst, const wl_vec_view *v, uint64_t c, uint64_t rows, uint64_t cols)
{
    bool f32 = is_f32(g->p, v->buf);
    uint64_t to = f32 ? dst : raw_tile(g), row_bytes = cols * (uint64_t)eb_of(g->p, v->buf);
    for (uint64_t i = 0; i < rows; i++) dma_ld(g, to + i * row_bytes, v, 0, c, 1, cols);
    if (!f32) vcvt(g, dst, to, rows, cols, f32_code(), g->p->bufs[v->buf].fmt);
}

/* Rows [r, r + rows) of the kernel at their positions pos0 + row % tokens:
** rows x cols float32 of view v from column c, one load per run of
** consecutive positions. */
static void load_positions(gen *g, uint64_t dst, const wl_vec_view *v, uint64_t r, uint64_t c, uint64_t rows,
                           uint64_t cols)
{
    const wl_vec_args *a = g->a;
    for (uint64_t i = 0; i < rows;) {
        uint64_t t = (r + i) % a->tokens, n = a->tokens - t < rows - i ? a->tokens - t : rows - i;
        load_f32(g, dst + i * cols * 4, v, a->pos0 + t, c, n, cols);
        i += n;
    }
}

static uint64_t row_at(const gen *g, int i) { return g->at[R_ROW0 + i]; }

/* RMSNorm and LayerNorm over rows [r, r + tr): chunk sums, the row scale,
** then the normalised chunks (LayerNorm's variance from x - mean, a second
** pass). One chunk keeps X on chip between the passes. */
static void norm_tile(gen *g, uint64_t r, uint64_t tr)
{
    const wl_vec_args *a = g->a;
    bool ln = g->k == WL_VK_LAYERNORM, one = g->cw == a->width;
    uint64_t X = g->at[R_T0], T = g->at[R_T0 + 1], W = g->at[R_T0 + 2], B = g->at[R_T0 + 3];
    uint64_t S = row_at(g, 0), TMP = row_at(g, 1), EPS = row_at(g, 2), M = ln ? row_at(g, 3) : 0;
    uint64_t V = ln ? row_at(g, 4) : S;
    float inv_w = (float)(1.0 / (double)a->width);
    for (int pass = 0; pass < (ln ? 2 : 1); pass++) { /* RMS: sum of squares; LN: sum, then of squares */
        uint64_t acc = pass == 0 ? S : V;
        for (uint64_t c = 0; c < a->width; c += g->cw) {
            uint64_t w = a->width - c < g->cw ? a->width - c : g->cw;
            if (pass == 0 || !one) load_f32(g, X, &a->x, r, c, tr, w);
            uint64_t src = X;
            if (ln && pass == 1) v3(g, ISA_VBSUB, X, X, M, tr, w);
            if (!ln || pass == 1) v3(g, ISA_VMUL, T, X, X, tr, w), src = T;
            v2(g, ISA_VRSUM, c ? TMP : acc, src, tr, w);
            if (c) v3(g, ISA_VADD, acc, acc, TMP, tr, 1);
        }
        if (ln && pass == 0) vscale(g, M, S, tr, 1, inv_w);
    }
    vscale(g, V, V, tr, 1, inv_w);
    v3(g, ISA_VADD, V, V, EPS, tr, 1);
    v2(g, ISA_VRSQRT, V, V, tr, 1);
    for (uint64_t c = 0; c < a->width; c += g->cw) {
        uint64_t w = a->width - c < g->cw ? a->width - c : g->cw;
        if (!one) {
            load_f32(g, X, &a->x, r, c, tr, w);
            if (ln) v3(g, ISA_VBSUB, X, X, M, tr, w);
            load_rep(g, W, &a->w, c, tr, w);
            if (ln) load_rep(g, B, &a->b, c, tr, w);
        }
        v3(g, ISA_VBMUL, X, X, V, tr, w);
        v3(g, ISA_VMUL, X, X, W, tr, w);
        if (ln) v3(g, ISA_VADD, X, X, B, tr, w);
        store_f32(g, &a->y, r, c, X, tr, w);
    }
}

/* Rotary over rows [r, r + tr), one head at a time (two sets of tiles in
** turn); cos and sin of the rows' positions loaded once per tile. */
static void rotary_tile(gen *g, uint64_t r, uint64_t tr)
{
    const wl_vec_args *a = g->a;
    uint64_t h2 = a->head_dim / 2, C = g->at[R_T0 + 4], S = g->at[R_T0 + 5];
    load_positions(g, C, &a->table, r, 0, tr, h2);
    load_positions(g, S, &a->table, r, h2, tr, h2);
    for (uint64_t c = 0; c < a->width; c += a->head_dim) {
        /* heads alternate between two sets of tiles, so that one's loads overlap the other's work */
        int set = (int)(c / a->head_dim % 2) * 6;
        uint64_t X1 = g->at[R_T0 + set], X2 = g->at[R_T0 + set + 1], T = g->at[R_T0 + set + 2];
        uint64_t U = g->at[R_T0 + set + 3];
        load_f32(g, X1, &a->x, r, c, tr, h2);
        load_f32(g, X2, &a->x, r, c + h2, tr, h2);
        v3(g, ISA_VMUL, T, X1, C, tr, h2); /* y1 = x1 cos - x2 sin */
        v3(g, ISA_VMUL, U, X2, S, tr, h2);
        v3(g, ISA_VSUB, T, T, U, tr, h2);
        v3(g, ISA_VMUL, U, X2, C, tr, h2); /* y2 = x2 cos + x1 sin */
        v3(g, ISA_VMUL, X1, X1, S, tr, h2);
        v3(g, ISA_VADD, U, U, X1, tr, h2);
        store_f32(g, &a->y, r, c, T, tr, h2);
        store_f32(g, &a->y, r, c + h2, U, tr, h2);
    }
}

/* Elementwise kernels and the gather, chunk by chunk. */
static void elem_tile(gen *g, uint64_t r, uint64_t tr)
{
    const wl_vec_args *a = g->a;
    uint64_t X = g->at[R_T0], T = g->at[R_T0 + 1], U = g->at[R_T0 + 2];
    for (uint64_t c = 0; c < a->width; c += g->cw) {
        uint64_t w = a->width - c < g->cw ? a->width - c : g->cw;
        switch (g->k) {
        case WL_VK_SWIGLU: /* t = 1 / (1 + exp(-g)); y = g t u */
            load_f32(g, X, &a->x, r, c, tr, w);
            load_f32(g, U, &a->x2, r, c, tr, w);
            vscale(g, T, X, tr, w, -1.0f);
            v2(g, ISA_VEXP, T, T, tr, w);
            v3(g, ISA_VBSUB, T, T, row_at(g, 0), tr, w);
            v2(g, ISA_VRCP, T, T, tr, w);
            v3(g, ISA_VMUL, X, X, T, tr, w);
            v3(g, ISA_VMUL, X, X, U, tr, w);
            break;
        case WL_VK_GELU: { /* 0.5 (1 + tanh z) = 1 / (1 + exp(-2z)): y = x / (1 + exp(x (-2c - 2c k x^2))) */
            double c2 = 2.0 * sqrt(2.0 / WL_PI);
            load_f32(g, X, &a->x, r, c, tr, w);
            v3(g, ISA_VMUL, T, X, X, tr, w);
            vscale(g, T, T, tr, w, (float)(-c2 * 0.044715));
            v3(g, ISA_VBSUB, T, T, row_at(g, 1), tr, w); /* - 2c */
            v3(g, ISA_VMUL, T, T, X, tr, w);
            v2(g, ISA_VEXP, T, T, tr, w);
            v3(g, ISA_VBSUB, T, T, row_at(g, 0), tr, w); /* + 1 */
            v2(g, ISA_VRCP, T, T, tr, w);
            v3(g, ISA_VMUL, X, X, T, tr, w);
            break;
        }
        case WL_VK_RESIDUAL:
            load_f32(g, X, &a->x, r, c, tr, w);
            load_f32(g, T, &a->x2, r, c, tr, w);
            v3(g, ISA_VADD, X, X, T, tr, w);
            break;
        case WL_VK_EMBED: {
            const wl_vec_view *tb = &a->table;
            bool direct = a->pos.buf < 0 && g->p->bufs[tb->buf].fmt == g->p->bufs[a->y.buf].fmt;
            uint64_t to = direct || !is_f32(g->p, tb->buf) ? raw_tile(g) : X;
            for (uint64_t i = 0; i < tr; i++)
                dma_ld(g, to + i * w * (uint64_t)eb_of(g->p, tb->buf), tb, a->ids[r + i], c, 1, w);
            if (direct) {
                dma_st(g, &a->y, r, c, to, tr, w);
                continue;
            }
            if (to != X) vcvt(g, X, to, tr, w, f32_code(), g->p->bufs[tb->buf].fmt);
            if (a->pos.buf >= 0) {
                load_positions(g, T, &a->pos, r, c, tr, w);
                v3(g, ISA_VADD, X, X, T, tr, w);
            }
            break;
        }
        default: break;
        }
        store_f32(g, &a->y, r, c, X, tr, w);
    }
}

lp_status wl_gen_vec(isa_prog *p, wl_vec_kind k, const wl_vec_args *a, uint64_t row0, uint64_t nrows, lp_diag *d)
{
    uint64_t tr, cw;
    lp_status st = wl_vec_tile(k, p, a, nrows, &tr, &cw, d);
    if (st) return st;
    if (row0 > a->rows || nrows > a->rows - row0)
        return lp_diag_msg(d, LP_ERR_ARG, "%s: rows [%llu, %llu) beyond the %llu of the view", kernels[k].name,
                           (unsigned long long)row0, (unsigned long long)(row0 + nrows), (unsigned long long)a->rows);
    if (!nrows) return LP_OK;
    gen g = {p, a, k, tr, cw, {0}, 0, LP_OK};
    place(k, p, a, tr, cw, g.at);
    bool norm = k == WL_VK_RMSNORM || k == WL_VK_LAYERNORM;
    if (norm) {
        vfill(&g, row_at(&g, 2), tr, 1, (float)a->eps);
        if (cw == a->width) {
            load_rep(&g, g.at[R_T0 + 2], &a->w, 0, tr, cw);
            if (k == WL_VK_LAYERNORM) load_rep(&g, g.at[R_T0 + 3], &a->b, 0, tr, cw);
        }
    }
    if (k == WL_VK_SWIGLU || k == WL_VK_GELU) vfill(&g, row_at(&g, 0), tr, 1, -1.0f);
    if (k == WL_VK_GELU) vfill(&g, row_at(&g, 1), tr, 1, (float)(2.0 * sqrt(2.0 / WL_PI)));
    for (uint64_t r = row0; r < row0 + nrows; r += tr) {
        uint64_t n = row0 + nrows - r < tr ? row0 + nrows - r : tr;
        if (norm)
            norm_tile(&g, r, n);
        else if (k == WL_VK_ROTARY)
            rotary_tile(&g, r, n);
        else
            elem_tile(&g, r, n);
    }
    if (g.st) return lp_diag_msg(d, g.st, "%s program: %s", kernels[k].name, lp_status_text(g.st));
    return LP_OK;
}

/* ---- instruction counts ------------------------------------------------------------- */

/* Instructions of load_f32 or store_f32 on view v: through the staging tile
** and a conversion unless its buffer is fp32. */
static uint64_t io(const isa_prog *p, const wl_vec_view *v) { return is_f32(p, v->buf) ? 1 : 2; }

/* load_rep's: a load per row, and the conversion. */
static uint64_t rep(const isa_prog *p, const wl_vec_view *v, uint64_t rows) { return rows + !is_f32(p, v->buf); }

/* load_positions': a load per run of consecutive positions. */
static uint64_t positions(const isa_prog *p, const wl_vec_args *a, const wl_vec_view *v, uint64_t r, uint64_t rows)
{
    return ((r + rows - 1) / a->tokens - r / a->tokens + 1) * io(p, v);
}

/* The instructions of one tile of n rows at row r, as norm_tile,
** rotary_tile and elem_tile emit them. */
static uint64_t tile_insns(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t cw, uint64_t r, uint64_t n)
{
    uint64_t nc = (a->width + cw - 1) / cw, x = uses(k, 0) ? io(p, &a->x) : 0, y = io(p, &a->y);
    bool ln = k == WL_VK_LAYERNORM, one = cw == a->width;
    switch (k) {
    case WL_VK_RMSNORM:
    case WL_VK_LAYERNORM: {
        /* the sums (LayerNorm: of x, then of (x - mean)^2 with x again unless one chunk), the row scale, the output */
        uint64_t c = nc * (x + !ln + 1) + nc - 1 + 3;
        if (ln) c += 1 + nc * (one ? 3 : x + 3) + nc - 1;
        uint64_t out = 2 + (ln ? 1 : 0) + y;
        if (!one) out += x + rep(p, &a->w, n) + (ln ? 1 + rep(p, &a->b, n) : 0);
        return c + nc * out;
    }
    case WL_VK_ROTARY: return 2 * positions(p, a, &a->table, r, n) + a->width / a->head_dim * (2 * x + 6 + 2 * y);
    case WL_VK_SWIGLU: return nc * (x + io(p, &a->x2) + 6 + y);
    case WL_VK_GELU: return nc * (x + 8 + y);
    case WL_VK_RESIDUAL: return nc * (x + io(p, &a->x2) + 1 + y);
    case WL_VK_EMBED: {
        const isa_buffer *tb = &p->bufs[a->table.buf];
        if (a->pos.buf < 0 && tb->fmt == p->bufs[a->y.buf].fmt)
            return nc * (n + 1); /* gathered and stored as they are */
        uint64_t pos = a->pos.buf >= 0 ? positions(p, a, &a->pos, r, n) + 1 : 0;
        return nc * (n + !is_f32(p, a->table.buf) + pos + y);
    }
    default: return 0;
    }
}

uint64_t wl_vec_insns(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t row0, uint64_t nrows,
                      uint64_t tr, uint64_t cw)
{
    if (!nrows) return 0;
    uint64_t n = 0;
    if (k == WL_VK_RMSNORM || k == WL_VK_LAYERNORM) {
        n = 1; /* eps */
        if (cw == a->width) n += rep(p, &a->w, tr) + (k == WL_VK_LAYERNORM ? rep(p, &a->b, tr) : 0);
    }
    n += k == WL_VK_SWIGLU ? 1 : k == WL_VK_GELU ? 2 : 0; /* the constants' row vectors */
    for (uint64_t r = row0; r < row0 + nrows; r += tr)
        n += tile_insns(k, p, a, cw, r, row0 + nrows - r < tr ? row0 + nrows - r : tr);
    return n;
}

/* ---- references and data ------------------------------------------------------------- */

static double f32_value(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Element (r, c) of view v from its buffer's initial contents (0 without). */
static double get(const isa_prog *p, const wl_vec_view *v, uint64_t r, uint64_t c)
{
    const isa_buffer *b = &p->bufs[v->buf];
    if (!b->has_data) return 0;
    mf_format f;
    fmt_of(p, v->buf, &f);
    int eb = isa_elem_bytes(&f);
    const uint8_t *at = p->data + b->data_off + ((v->row0 + r) * b->cols + v->col0 + c) * (uint64_t)eb;
    uint32_t code = 0;
    for (int j = 0; j < eb; j++) code |= (uint32_t)at[j] << (8 * j);
    return f32_value(mf_decode_f32(&f, code));
}

lp_status wl_vec_reference(const isa_prog *p, wl_vec_kind k, const wl_vec_args *a, double *out, lp_diag *d)
{
    lp_status st = check(p, k, a, d);
    if (st) return st;
    uint64_t W = a->width;
    for (uint64_t r = 0; r < a->rows; r++) {
        double *y = out + r * W, s1 = 0, s2 = 0;
        switch (k) {
        case WL_VK_RMSNORM:
            for (uint64_t c = 0; c < W; c++) s2 += get(p, &a->x, r, c) * get(p, &a->x, r, c);
            for (uint64_t c = 0; c < W; c++)
                y[c] = get(p, &a->x, r, c) / sqrt(s2 / (double)W + a->eps) * get(p, &a->w, 0, c);
            break;
        case WL_VK_LAYERNORM:
            for (uint64_t c = 0; c < W; c++) s1 += get(p, &a->x, r, c);
            s1 /= (double)W;
            for (uint64_t c = 0; c < W; c++) s2 += (get(p, &a->x, r, c) - s1) * (get(p, &a->x, r, c) - s1);
            for (uint64_t c = 0; c < W; c++)
                y[c] = (get(p, &a->x, r, c) - s1) / sqrt(s2 / (double)W + a->eps) * get(p, &a->w, 0, c) +
                       get(p, &a->b, 0, c);
            break;
        case WL_VK_ROTARY: {
            uint64_t D = a->head_dim, t = a->pos0 + r % a->tokens;
            for (uint64_t h = 0; h < W; h += D)
                for (uint64_t i = 0; i < D / 2; i++) {
                    double x1 = get(p, &a->x, r, h + i), x2 = get(p, &a->x, r, h + D / 2 + i);
                    double cs = get(p, &a->table, t, i), sn = get(p, &a->table, t, D / 2 + i);
                    y[h + i] = x1 * cs - x2 * sn;
                    y[h + D / 2 + i] = x2 * cs + x1 * sn;
                }
            break;
        }
        case WL_VK_SWIGLU:
            for (uint64_t c = 0; c < W; c++) {
                double x = get(p, &a->x, r, c);
                y[c] = x / (1 + exp(-x)) * get(p, &a->x2, r, c);
            }
            break;
        case WL_VK_GELU:
            for (uint64_t c = 0; c < W; c++) {
                double x = get(p, &a->x, r, c);
                y[c] = 0.5 * x * (1 + tanh(sqrt(2 / WL_PI) * (x + 0.044715 * x * x * x)));
            }
            break;
        case WL_VK_RESIDUAL:
            for (uint64_t c = 0; c < W; c++) y[c] = get(p, &a->x, r, c) + get(p, &a->x2, r, c);
            break;
        case WL_VK_EMBED:
            for (uint64_t c = 0; c < W; c++)
                y[c] = get(p, &a->table, a->ids[r], c) +
                       (a->pos.buf >= 0 ? get(p, &a->pos, a->pos0 + r % a->tokens, c) : 0);
            break;
        default: break;
        }
    }
    return LP_OK;
}

static uint32_t f32_bits(double x)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* n codes into the program's data as buffer b's contents or, expect, its
** expectation with tolerance tol. */
static lp_status put(isa_prog *p, int b, const uint32_t *codes, size_t n, bool expect, double tol)
{
    return isa_prog_put_codes(p, b, codes, n, expect, ISA_RULE_RELERR, tol);
}

lp_status wl_vec_expect(isa_prog *p, wl_vec_kind k, const wl_vec_args *a, double tol, lp_diag *d)
{
    lp_status st = check(p, k, a, d);
    if (st) return st;
    const isa_buffer *yb = &p->bufs[a->y.buf];
    size_t n = (size_t)yb->rows * yb->cols;
    uint32_t *codes = malloc(sizeof *codes * n);
    double *ref = malloc(sizeof *ref * a->rows * a->width);
    mf_format f;
    fmt_of(p, a->y.buf, &f);
    int eb = isa_elem_bytes(&f);
    st = LP_ERR_NOMEM;
    if (!codes || !ref) goto free_all;
    if ((st = wl_vec_reference(p, k, a, ref, d))) goto free_all;
    for (size_t i = 0; i < n; i++) {
        codes[i] = 0;
        for (int j = 0; yb->has_data && j < eb; j++)
            codes[i] |= (uint32_t)p->data[yb->data_off + i * (size_t)eb + (size_t)j] << (8 * j);
    }
    for (uint64_t r = 0; r < a->rows; r++)
        for (uint64_t c = 0; c < a->width; c++)
            codes[(a->y.row0 + r) * yb->cols + a->y.col0 + c] =
                mf_encode_f32(&f, f32_bits(ref[r * a->width + c]), NULL, 0);
    st = put(p, a->y.buf, codes, n, true, tol);
free_all:
    free(codes), free(ref);
    if (st && st != LP_ERR_ARG) return lp_diag_msg(d, st, "%s expectation: %s", kernels[k].name, lp_status_text(st));
    return st;
}

double wl_vec_tol(const mf_format *f) { return 1.25 * ldexp(1.0, -f->mbits) + 0x1p-13; }

lp_status wl_vec_seed(isa_prog *p, int b, uint64_t seed, double lo, double hi)
{
    mf_format f;
    fmt_of(p, b, &f);
    size_t n = (size_t)p->bufs[b].rows * p->bufs[b].cols;
    uint32_t *c = malloc(sizeof *c * n);
    if (!c) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(lp_rng_u64(seed, i) >> 11) * 0x1p-53;
        c[i] = mf_encode_f32(&f, f32_bits(lo + (hi - lo) * u), NULL, 0);
    }
    lp_status st = put(p, b, c, n, false, 0);
    free(c);
    return st;
}

lp_status wl_vec_rope_declare(isa_prog *p, const char *name, uint64_t positions, uint64_t head_dim, int *idx,
                              lp_diag *d)
{
    if (!head_dim || head_dim % 2)
        return lp_diag_msg(d, LP_ERR_ARG, "rotary table: head_dim %llu must be even", (unsigned long long)head_dim);
    if (!positions || positions > ISA_MAX_DIM || head_dim > ISA_MAX_DIM)
        return lp_diag_msg(d, LP_ERR_RANGE, "rotary table: %llu positions x %llu beyond the ISA's buffers",
                           (unsigned long long)positions, (unsigned long long)head_dim);
    mf_format f;
    mf_get(MF_FP32, &f);
    *idx = (int)p->nbufs;
    lp_status st = isa_prog_add_buffer(p, name, isa_fmt_code(&f), (uint32_t)positions, (uint32_t)head_dim);
    return st ? lp_diag_msg(d, st, "rotary table: %s", lp_status_text(st)) : LP_OK;
}

lp_status wl_vec_rope_table(isa_prog *p, const char *name, uint64_t positions, uint64_t head_dim, double base, int *idx,
                            lp_diag *d)
{
    lp_status st = wl_vec_rope_declare(p, name, positions, head_dim, idx, d);
    if (st) return st;
    size_t n = positions * head_dim, h2 = head_dim / 2;
    uint32_t *c = malloc(sizeof *c * n);
    if (!c) return lp_diag_msg(d, LP_ERR_NOMEM, "rotary table: out of memory");
    for (size_t t = 0; t < positions; t++)
        for (size_t i = 0; i < h2; i++) {
            double th = (double)t * pow(base, -2.0 * (double)i / (double)head_dim);
            c[t * head_dim + i] = f32_bits(cos(th));
            c[t * head_dim + h2 + i] = f32_bits(sin(th));
        }
    st = put(p, *idx, c, n, false, 0);
    free(c);
    return st ? lp_diag_msg(d, st, "rotary table: %s", lp_status_text(st)) : LP_OK;
}

void wl_vec_token_ids(uint64_t seed, uint64_t n, uint64_t vocab, uint32_t *ids)
{
    for (uint64_t i = 0; i < n; i++) ids[i] = (uint32_t)(lp_rng_u64(seed, i) % vocab);
}
