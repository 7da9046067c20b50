/*
** map_gemm.c — the tile search of the single-core GEMM mapping (map_gemm.h).
**
** Exhaustive over TM and TN (multiples of the array, bounded by the
** accumulator buffer, which holds two float32 C tiles), with TK the largest
** multiple of 32 that fits the scratchpad for that pair: traffic does not
** depend on TK except through the single-K-tile case, which the largest TK
** reaches first, and a larger TK never adds instructions. The score is the
** modelled DRAM traffic, then the instruction count, for each loop order.
*/
#include <math.h>
#include <string.h>

#include "dot.h"
#include "mx.h"
#include "map_gemm.h"
#include "dma.h"
#include "fpga.h"
#include "ideal.h"
#include "tc.h"

#define ALIGN 64u
#define DIM_MAX 65535u /* a dim operand's 16 bits */

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
static uint64_t al(uint64_t x) { return (x + ALIGN - 1) / ALIGN * ALIGN; }

/* Bytes an element takes in DRAM and on its way (sub-byte formats packed, as
** the simulator moves them: isa_packed_bits); the buffers' layout keeps
** isa_elem_bytes, the functional face's one element per byte. */
static double moved(const mf_format *f) { return isa_elem_bytes(f) * isa_packed_bits(f) / 8.0; }

/* Scratchpad and accumulator layout of tiles tm x tn x tk into m (addresses
** and totals). Two of everything so that the next tile's DMA overlaps. */
static void layout(wl_gemm_map *m, uint64_t tm, uint64_t tn, uint64_t tk)
{
    uint64_t a = al(tm * tk * (uint64_t)isa_elem_bytes(&m->fa)), b = al(tk * tn * (uint64_t)isa_elem_bytes(&m->fb));
    uint64_t sa = m->mx ? al(tm * tk / 32) : 0, sb = m->mx ? al(tn * tk / 32) : 0;
    uint64_t c = m->fout.bits < 32 ? al(tm * tn * (uint64_t)isa_elem_bytes(&m->fout)) : 0, off = 0;
    for (int i = 0; i < 2; i++) m->spm_a[i] = (uint32_t)off, off += a;
    for (int i = 0; i < 2; i++) m->spm_b[i] = (uint32_t)off, off += b;
    for (int i = 0; i < 2; i++) m->spm_sa[i] = (uint32_t)off, off += sa;
    for (int i = 0; i < 2; i++) m->spm_sb[i] = (uint32_t)off, off += sb;
    for (int i = 0; i < 2; i++) m->spm_c[i] = (uint32_t)off, off += c;
    m->spm_bytes = off;
    m->acc_c[0] = 0, m->acc_c[1] = (uint32_t)al(tm * tn * 4);
    m->acc_bytes = 2 * al(tm * tn * 4);
}

static bool fits(wl_gemm_map *m, const arch_cfg *a, uint64_t tm, uint64_t tn, uint64_t tk)
{
    if (tm > DIM_MAX || tn > DIM_MAX || tk > DIM_MAX || (m->mx && tk % 32)) return false;
    if (2 * al(tm * tn * 4) > a->acc.size_bytes) return false;
    layout(m, tm, tn, tk);
    return m->spm_bytes <= a->spm.size_bytes && m->spm_bytes < (UINT64_C(1) << ISA_ADDR_BITS);
}

/* DRAM bytes of the loop nest (map_gemm.h): A read once per column of C
** tiles, B once per row, C written once; one K tile keeps the outer operand.
** Each matrix packed as a whole (isa_packed_bytes). */
static uint64_t traffic(const wl_gemm_map *m, uint64_t tm, uint64_t tn, uint64_t tk, wl_gemm_order o)
{
    uint64_t A = isa_packed_bytes(&m->fa, m->m * m->k) + (m->mx ? m->m * m->k / 32 : 0);
    uint64_t B = isa_packed_bytes(&m->fb, m->n * m->k) + (m->mx ? m->n * m->k / 32 : 0);
    uint64_t C = isa_packed_bytes(&m->fout, m->m * m->n);
    uint64_t ra = cdiv(m->n, tn), rb = cdiv(m->m, tm);
    if (cdiv(m->k, tk) == 1) {
        if (o == WL_ORDER_MN)
            ra = 1;
        else
            rb = 1;
    }
    return A * ra + B * rb + C;
}

/* Instructions wl_gen_gemm emits for these tiles, HALT included. */
static uint64_t insns(const wl_gemm_map *m, uint64_t tm, uint64_t tn, uint64_t tk, wl_gemm_order o)
{
    uint64_t mt = cdiv(m->m, tm), nt = cdiv(m->n, tn), kt = cdiv(m->k, tk);
    uint64_t ld = m->mx ? 2 : 1, st = m->fout.bits < 32 ? 2 : 1;
    if (kt > 1) return mt * nt * (kt * (2 * ld + 1) + st) + 1;
    return (o == WL_ORDER_MN ? mt : nt) * ld + mt * nt * (ld + 1 + st) + 1;
}

/* The largest TK (a multiple of 32, or K) that fits with tm x tn, or 0. */
static uint64_t best_tk(wl_gemm_map *m, const arch_cfg *a, uint64_t tm, uint64_t tn, uint64_t want)
{
    if (want) return fits(m, a, tm, tn, want) ? want : 0;
    uint64_t lo = 1, hi = cdiv(m->k, 32), best = 0;
    while (lo <= hi) { /* fitting is monotone in TK */
        uint64_t j = lo + (hi - lo) / 2, tk = j * 32 < m->k ? j * 32 : m->k;
        if (fits(m, a, tm, tn, tk))
            best = tk, lo = j + 1;
        else
            hi = j - 1;
    }
    return best;
}

/* The chip as the multi-core search models it: the unit's MAC rate, a core's
** load rate (its DMA engines, or its share of the L2 or DRAM bandwidth when
** every core at work loads at once), the DRAM bytes per cycle, a load's
** latency. */
typedef struct chip_model {
    double rate, dma_bpc, l2_bpc, dram_bpc, lat;
    uint64_t rows, cols; /* the array: an MMA's passes cover whole rows x cols blocks */
    uint64_t cores;
    double gap; /* cycles between two kernels (kernel_gap_ns): split-K's reduction adds one */
} chip_model;

/* Modelled cycles of tiles tm x tn x tk with K split in `split` parts over
** the chip's cores (map_gemm.h): the busiest core's items, each K step the
** longest of its MMA, its loads, and half of a load with its latency (double
** buffering hides a latency behind one step), plus a latency per item; or the
** chip's DRAM bytes (A, B, C once: the L2 keeps what cores share; plus the
** float32 partial sums written and read back) at the DRAM bandwidth,
** whichever is longer; a split adds the gap before its reduction kernel.
** Sub-byte elements count a byte each here, not packed as the simulator moves
** them: the model leaves out the reduction kernel's own time, and with packed
** bytes it prefers deep splits (16 on b200-mx's decode projections) whose
** reductions cost more than they gain (mxfp6 and mxfp4 layers 4-6% slower).
** Until that kernel is modelled, the unpacked bytes keep the splits apart. */
static double model_parts(const wl_gemm_map *m, const chip_model *c, uint64_t tm, uint64_t tn, uint64_t tk,
                          uint64_t split, wl_gemm_cost *parts)
{
    uint64_t tiles = m->batch * cdiv(m->m, tm) * cdiv(m->n, tn), items = tiles * split;
    uint64_t active = c->cores < items ? c->cores : items, per_core = cdiv(items, active);
    uint64_t steps = cdiv(cdiv(m->k, tk), split);
    double share = c->l2_bpc / (double)active, load_bpc = c->dma_bpc < share ? c->dma_bpc : share;
    double step_bytes = (double)tm * tk * isa_elem_bytes(&m->fa) + (double)tk * tn * isa_elem_bytes(&m->fb);
    if (m->mx) step_bytes += (double)(tm + tn) * tk / 32;
    /* double buffering hides a load's latency behind one step */
    double mma = (double)(cdiv(tm, c->rows) * c->rows) * (double)(cdiv(tn, c->cols) * c->cols) * tk / c->rate,
           load = step_bytes / load_bpc, lat = (c->lat + load) / 2;
    double step = mma > load ? mma : load;
    if (lat > step) step = lat;
    double item = (double)steps * step + c->lat;
    double bytes = (double)m->m * m->k * isa_elem_bytes(&m->fa) + (double)m->n * m->k * isa_elem_bytes(&m->fb) +
                   (double)m->m * m->n * isa_elem_bytes(&m->fout);
    if (split > 1) bytes += 2.0 * (double)split * m->m * m->n * 4;
    double core = (double)per_core * item, dram = (double)m->batch * bytes / c->dram_bpc;
    if (parts) {
        parts->items = (double)per_core, parts->steps = (double)per_core * (double)steps;
        parts->mma = mma, parts->load = load, parts->lat = c->lat, parts->step = step;
        parts->dram = dram, parts->dram_bpc = c->dram_bpc, parts->l2_bpc = c->l2_bpc;
    }
    /* where DRAM bounds both, the tiles that keep more loads in flight win */
    return (core > dram ? core : dram) + 1e-3 * core + (split > 1 ? c->gap : 0);
}

static double model_cycles(const wl_gemm_map *m, const chip_model *c, uint64_t tm, uint64_t tn, uint64_t tk,
                           uint64_t split)
{
    return model_parts(m, c, tm, tn, tk, split, NULL);
}

typedef struct cand {
    uint64_t tm, tn, tk, traffic, insns, split;
    double cycles; /* modelled, several cores only (else 0) */
    wl_gemm_order order;
} cand;

/* One core: least traffic, then fewest instructions. Several: least modelled
** cycles (a split having to gain 5%, to pay for its second kernel), then
** least traffic, fewest instructions. */
static bool better(const cand *x, const cand *best)
{
    if (!best->tm) return true;
    if (x->cycles * (x->split > best->split ? 1.05 : 1) < best->cycles) return true;
    if (x->cycles > best->cycles * (best->split > x->split ? 1.05 : 1)) return false;
    if (x->traffic != best->traffic) return x->traffic < best->traffic;
    return x->insns < best->insns;
}

/* Next candidate tile size after t along a dimension of size n at multiples
** of r (the last one is n itself), or 0 past the end. */
static uint64_t next_dim(uint64_t t, uint64_t n, uint64_t r)
{
    if (t >= n) return 0;
    uint64_t u = (t / r + 1) * r;
    return u < n ? u : n;
}

/* Splits tried for tiles tm x tn: the given one, 1 on one core, else 1 ..
** min(cores / tiles, K tiles). */
static uint64_t most_split(const wl_gemm_map *m, const chip_model *c, uint64_t given, uint64_t tm, uint64_t tn,
                           uint64_t tk)
{
    if (given || c->cores == 1) return given ? given : 1;
    uint64_t tiles = cdiv(m->m, tm) * cdiv(m->n, tn), kt = cdiv(m->k, tk),
             most = tiles < c->cores ? c->cores / tiles : 1;
    return most < kt ? most : kt;
}

static void search(wl_gemm_map *m, const arch_cfg *a, const wl_gemm_over *o, const chip_model *c, uint64_t given_split,
                   uint64_t R, uint64_t C, cand *best)
{
    memset(best, 0, sizeof *best);
    for (uint64_t tm = o->tm ? o->tm : next_dim(0, m->m, R); tm; tm = o->tm ? 0 : next_dim(tm, m->m, R)) {
        for (uint64_t tn = o->tn ? o->tn : next_dim(0, m->n, C); tn; tn = o->tn ? 0 : next_dim(tn, m->n, C)) {
            if (2 * al(tm * tn * 4) > a->acc.size_bytes) break; /* larger tn only grows */
            uint64_t tk = best_tk(m, a, tm, tn, o->tk);
            if (!tk) continue;
            uint64_t most = most_split(m, c, given_split, tm, tn, tk);
            for (uint64_t sp = given_split ? given_split : 1; sp <= most; sp++) {
                double cyc = c->cores > 1 ? model_cycles(m, c, tm, tn, tk, sp) : 0; /* the same in either order */
                for (int ord = WL_ORDER_MN; ord <= WL_ORDER_NM; ord++) {
                    if (o->order != WL_GEMM_ORDER_AUTO && o->order != ord) continue;
                    cand x = {tm,
                              tn,
                              tk,
                              traffic(m, tm, tn, tk, ord),
                              insns(m, tm, tn, tk, ord),
                              sp,
                              cyc,
                              (wl_gemm_order)ord};
                    if (better(&x, best)) *best = x;
                }
            }
        }
    }
}

static bool is(const wl_fmt *f, const char *name) { return !f->mx && !strcmp(f->name, name); }

/* The supported formats (map_gemm.h) into m. An fpga unit takes any pair
** of plain formats; whether they are its own, problem() checks. */
static lp_status formats(const wl_spec *s, bool fpga, wl_gemm_map *m, lp_diag *d)
{
    bool mx = s->in_a.mx || s->in_b.mx;
    /* B (the weights) may be any element format of 16 bits or fewer: weight-only
    ** quantisation (int4, fp4 weights against bf16 activations), the MMA
    ** multiplying A's format by B's at A's rate */
    bool ok =
        mx     ? s->in_a.mx && s->in_b.mx && !fpga
        : fpga ? s->in_a.bits <= 8 && s->in_b.bits <= 8
               : (is(&s->in_a, "bf16") || is(&s->in_a, "fp16") || is(&s->in_a, "fp8_e4m3fn") || is(&s->in_a, "int8")) &&
                     s->in_b.bits <= 16;
    if (fpga && (!ok || !(is(&s->out, "fp32") || is(&s->out, "bf16") || is(&s->out, "fp16"))))
        return lp_diag_msg(d, LP_ERR_ARG,
                           "the GEMM mapping on an fpga unit takes in_a and in_b of 8 bits or fewer (not MX), with "
                           "out fp32, bf16 or fp16 (not in_a=%s in_b=%s out=%s)",
                           s->in_a.name, s->in_b.name, s->out.name);
    if (!ok || !(is(&s->out, "fp32") || is(&s->out, "bf16") || is(&s->out, "fp16")))
        return lp_diag_msg(
            d, LP_ERR_ARG,
            "the GEMM mapping supports in_a bf16, fp16, fp8_e4m3fn or int8 with in_b any element format of 16 "
            "bits or fewer, or both MX (mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, mxint8, ...), with out "
            "fp32, bf16 or fp16 (not in_a=%s in_b=%s out=%s)",
            s->in_a.name, s->in_b.name, s->out.name);
    m->mx = mx;
    m->b_nk = mx || s->layout == WL_LAYOUT_NK;
    if (mx) {
        mx_elem_id ea, eb; /* "mxfp4_e2m1" is MX element "fp4_e2m1" */
        if (mx_elem_find(s->in_a.name + 2, &ea, d) || mx_elem_find(s->in_b.name + 2, &eb, d)) return LP_ERR_ARG;
        m->ea = (int)ea, m->eb = (int)eb;
        m->fa = mx_elem_table(ea)->fmt, m->fb = mx_elem_table(eb)->fmt;
    } else if (mf_parse(s->in_a.name, &m->fa, d) || mf_parse(s->in_b.name, &m->fb, d)) {
        return LP_ERR_ARG;
    }
    mf_get(is(&s->out, "bf16") ? MF_BF16 : is(&s->out, "fp16") ? MF_FP16 : MF_FP32, &m->fout);
    if (mx && s->k % 32)
        return lp_diag_msg(d, LP_ERR_ARG, "an MX GEMM needs K a multiple of 32 (the scale block), not %llu",
                           (unsigned long long)s->k);
    return LP_OK;
}

const tc_cfg *wl_matrix_tc(const arch_cfg *a, tc_cfg *view)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    if (u && u->kind == UNIT_KIND_TC) return u->cfg;
    if (u && u->kind == UNIT_KIND_FPGA) {
        const fpga_cfg *c = u->cfg;
        const char *preset = fpga_dot_preset(c, 0, NULL);
        memset(view, 0, sizeof *view);
        view->array_rows = c->pe_rows, view->array_cols = c->pe_cols;
        view->pipeline_cycles = c->pipeline_cycles ? c->pipeline_cycles : c->x.stages + c->pe_rows + c->pe_cols - 2;
        view->preset = (char *)(preset ? preset : "exact");
        view->formats = (tc_rate *)&c->rate, view->formats_count = 1;
        return view;
    }
    if (!u || u->kind != UNIT_KIND_IDEAL) return NULL;
    const ideal_cfg *c = u->cfg;
    memset(view, 0, sizeof *view);
    view->array_rows = view->array_cols = WL_IDEAL_TILE;
    view->preset = (char *)"exact";
    view->formats = c->formats, view->formats_count = c->formats_count;
    return view;
}

/* An fpga unit runs one pair of formats, and its accumulator must have a
** dot-model preset for the program's expectations (fpga_dot_preset). */
static lp_status fpga_problem(const arch_cfg *a, const fpga_cfg *c, wl_gemm_map *m, lp_diag *d)
{
    if (strcmp(m->fa.name, c->x.fa.name) || strcmp(m->fb.name, c->x.fw.name))
        return lp_diag_msg(d, LP_ERR_ARG,
                           "the fpga unit of %s is built for in_a=%s in_b=%s (afmt, wfmt), not in_a=%s in_b=%s",
                           a->name, c->x.fa.name, c->x.fw.name, m->fa.name, m->fb.name);
    const char *preset = fpga_dot_preset(c, m->k, d);
    if (!preset) return LP_ERR_ARG;
    m->preset = dot_preset_find(preset, d);
    return m->preset < 0 ? LP_ERR_ARG : LP_OK;
}

/* The problem, formats and matrix unit of s on a into m. */
static lp_status problem(const wl_spec *s, const arch_cfg *a, wl_gemm_map *m, tc_cfg *view, const tc_cfg **tc,
                         lp_diag *d)
{
    if (s->kind != WL_GEMM && s->kind != WL_GEMV)
        return lp_diag_msg(d, LP_ERR_ARG, "the GEMM mapping takes gemm or gemv, not %s", wl_kind_name(s->kind));
    m->batch = s->kind == WL_GEMV || !s->batch ? 1 : s->batch;
    m->m = s->kind == WL_GEMV || !s->m ? 1 : s->m;
    m->n = s->n, m->k = s->k;
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    bool fpga = u && u->kind == UNIT_KIND_FPGA;
    lp_status st = formats(s, fpga, m, d);
    if (st) return st;
    if (!(*tc = wl_matrix_tc(a, view)))
        return lp_diag_msg(d, LP_ERR_ARG, "the GEMM mapping needs a tensor_core matrix unit; %s has none", a->name);
    if (fpga) {
        if ((st = fpga_problem(a, u->cfg, m, d))) return st;
    } else {
        m->preset = dot_preset_find((*tc)->preset, d);
        if (m->preset < 0) return LP_ERR_ARG;
    }
    if (!tc_rate_of((*tc)->formats, (*tc)->formats_count, m->fa.name))
        return lp_diag_msg(d, LP_ERR_ARG, "the matrix unit of %s does not run %s", a->name, m->fa.name);
    return LP_OK;
}

/* The overrides: over's where set, else the spec's mapping keys. */
static lp_status overrides(const wl_spec *s, const wl_gemm_over *over, wl_gemm_over *e, lp_diag *d)
{
    static const wl_gemm_over none = {0, 0, 0, WL_GEMM_ORDER_AUTO, 0};
    if (!over) over = &none;
    uint64_t tm = over->tm ? over->tm : s->tm, tn = over->tn ? over->tn : s->tn, tk = over->tk ? over->tk : s->tk;
    const char *key = tm > DIM_MAX ? "tm" : tn > DIM_MAX ? "tn" : tk > DIM_MAX ? "tk" : NULL;
    if (key)
        return lp_diag_msg(d, LP_ERR_ARG, "%s=%llu: a tile dimension is at most %llu (an instruction's dim operand)",
                           key,
                           (unsigned long long)(tm > DIM_MAX   ? tm
                                                : tn > DIM_MAX ? tn
                                                               : tk),
                           (unsigned long long)DIM_MAX);
    e->tm = (uint32_t)tm, e->tn = (uint32_t)tn, e->tk = (uint32_t)tk;
    e->order = over->order != WL_GEMM_ORDER_AUTO ? over->order
               : s->order == WL_ORDER_KEY_MN     ? WL_ORDER_MN
               : s->order == WL_ORDER_KEY_NM     ? WL_ORDER_NM
                                                 : WL_GEMM_ORDER_AUTO;
    e->cores = over->cores ? over->cores : (uint32_t)s->cores;
    return LP_OK;
}

/* The reduction's tile rows of split-K: the largest rr <= tm whose two
** float32 partial tiles (and a staging tile of C when C is narrower) fit the
** scratchpad. */
static lp_status reduce_rows(const arch_cfg *a, wl_gemm_map *m, lp_diag *d)
{
    uint64_t per_row = m->tn * (2 * 4 + (m->fout.bits < 32 ? (uint64_t)isa_elem_bytes(&m->fout) : 0));
    uint64_t rr = a->spm.size_bytes / per_row;
    if (!rr)
        return lp_diag_msg(d, LP_ERR_ARG, "split-K: a reduction row of %u float32 columns does not fit the scratchpad",
                           m->tn);
    m->rr = (uint32_t)(rr < m->tm ? rr : m->tm);
    return LP_OK;
}

void wl_gemm_tile_at(const wl_gemm_map *m, uint64_t t, uint64_t *mi, uint64_t *ni)
{
    bool mn = m->order == WL_ORDER_MN;
    uint64_t outer = mn ? cdiv(m->m, m->tm) : cdiv(m->n, m->tn), inner = mn ? cdiv(m->n, m->tn) : cdiv(m->m, m->tm);
    uint64_t b = m->band && m->band < outer ? m->band : 0, o, i;
    if (!b) {
        o = t / inner, i = t % inner;
    } else {
        uint64_t first = t / (b * inner) * b, rows = outer - first < b ? outer - first : b, local = t % (b * inner);
        o = first + local % rows, i = local / rows;
    }
    *mi = mn ? o : i, *ni = mn ? i : o;
}

/* The band of a mapping on several cores: the power of two nearest the
** rows (of the outer dimension) of the most nearly square block of `active`
** tiles, weighing a tile row's bytes of A (or B) against a column's. */
static uint32_t band_of(const wl_gemm_map *m, uint64_t active)
{
    if (active < 2) return 0;
    bool mn = m->order == WL_ORDER_MN;
    double ra = (double)m->tm * moved(&m->fa), rb = (double)m->tn * moved(&m->fb);
    double want = sqrt((double)active * (mn ? rb / ra : ra / rb));
    uint32_t b = 1;
    while (b * 2 <= want * 1.41421356) b *= 2;
    return b;
}

lp_status wl_map_gemm_over(const wl_spec *s, const arch_cfg *a, const wl_gemm_over *over, wl_gemm_map *m, lp_diag *d)
{
    const tc_cfg *tc = NULL;
    tc_cfg view;
    wl_gemm_over eff = {0, 0, 0, WL_GEMM_ORDER_AUTO, 0};
    memset(m, 0, sizeof *m);
    lp_status st = problem(s, a, m, &view, &tc, d);
    if (!st) st = overrides(s, over, &eff, d);
    if (st) return st;
    over = eff.tm || eff.tn || eff.tk || eff.order != WL_GEMM_ORDER_AUTO ? &eff : NULL;
    uint64_t want = eff.cores ? eff.cores : a->cores;
    if (want > a->cores)
        return lp_diag_msg(d, LP_ERR_ARG, "cores=%llu: %s has %llu cores", (unsigned long long)want, a->name,
                           (unsigned long long)a->cores);
    const arch_unit *du = arch_unit_of_class(a, UNIT_CLASS_DMA);
    const dma_cfg *dc = du ? du->cfg : NULL;
    double bw = a->l2.size_bytes && a->l2.bw_gbps > a->dram.bw_gbps ? a->l2.bw_gbps : a->dram.bw_gbps;
    chip_model cm = {.rate = tc_rate_of(tc->formats, tc->formats_count, m->fa.name)->macs_per_cycle,
                     .dma_bpc = dc ? (double)(dc->engines * dc->bytes_per_cycle) : 1e30,
                     .l2_bpc = bw / a->clock_ghz,
                     .dram_bpc = a->dram.bw_gbps / a->clock_ghz,
                     .lat = (a->dram.lat_ns + (a->l2.size_bytes ? a->l2.lat_ns : 0)) * a->clock_ghz,
                     .rows = tc->array_rows,
                     .cols = tc->array_cols,
                     .cores = want,
                     .gap = a->kernel_gap_ns * a->clock_ghz};
    cand best;
    search(m, a, &eff, &cm, s->split_k, tc->array_rows, tc->array_cols, &best);
    if (!best.tm)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "no GEMM tile fits %s: %llu bytes of scratchpad and %llu of accumulator buffer%s", a->name,
                           (unsigned long long)a->spm.size_bytes, (unsigned long long)a->acc.size_bytes,
                           over ? " with the given tile overrides" : "");
    fits(m, a, best.tm, best.tn, best.tk); /* the winner's layout */
    m->tm = (uint32_t)best.tm, m->tn = (uint32_t)best.tn, m->tk = (uint32_t)best.tk;
    m->order = best.order;
    m->traffic_bytes = best.traffic;
    m->insns = best.insns;
    m->tiles = m->batch * cdiv(m->m, m->tm) * cdiv(m->n, m->tn);
    m->traffic_bytes *= m->batch;
    m->split = (uint32_t)best.split;
    m->model_cycles = best.cycles;
    m->cost_cycles = model_parts(m, &cm, best.tm, best.tn, best.tk, best.split, &m->cost);
    uint64_t kt = cdiv(m->k, m->tk);
    if (s->split_k > kt)
        return lp_diag_msg(d, LP_ERR_ARG, "split_k=%llu exceeds the %llu K tiles of %u (K=%llu)",
                           (unsigned long long)s->split_k, (unsigned long long)kt, m->tk, (unsigned long long)m->k);
    if (m->split > 1 && (st = reduce_rows(a, m, d))) return st;
    uint64_t items = m->tiles * m->split;
    m->cores = (uint32_t)(want < items ? want : items);
    m->waves = cdiv(items, m->cores);
    m->band = m->cores > 1 ? band_of(m, m->cores) : 0;
    if (m->cores > 1 || m->split > 1 || m->batch > 1) m->insns = wl_gemm_kernel_insns(m) + 1; /* HALT */
    return LP_OK;
}

uint64_t wl_gemm_kernel_insns(const wl_gemm_map *m)
{
    /* each item loads A and B for each K step */
    uint64_t kt = cdiv(m->k, m->tk), per_k = (m->mx ? 4 : 2) + 1, store = m->fout.bits < 32 ? 2 : 1;
    if (m->split == 1) return m->tiles * (kt * per_k + store);
    /* partial stores; then per reduction tile: split loads, split - 1 adds, the store */
    uint64_t red = cdiv(m->batch * m->m, m->rr) * cdiv(m->n, m->tn);
    return m->tiles * (kt * per_k + m->split) + red * (2 * (uint64_t)m->split - 1 + store);
}

lp_status wl_map_gemm(const wl_spec *s, const arch_cfg *a, wl_gemm_map *m, lp_diag *d)
{
    return wl_map_gemm_over(s, a, NULL, m, d);
}
