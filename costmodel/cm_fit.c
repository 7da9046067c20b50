/*
** cm_fit.c — the fitted cost model (cm_fit.h): features, coefficients,
** the terms of lpsim's own operations, the least-squares fit (GSL), k-fold
** cross validation and the model file.
*/
#include "cm_fit.h"

#include <gsl/gsl_multifit.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "dma.h"
#include "map_attn.h"
#include "map_gemm.h"
#include "lp_file.h"
#include "fpga.h"
#include "pim.h"
#include "units.h"

static const char *const class_names[] = {"matrix", "pim",      "attention", "vector", "norm",      "rotary",
                                          "act",    "residual", "convert",   "copy",   "layernorm", "gelu"};
_Static_assert(sizeof class_names / sizeof *class_names == CM_NCLS, "a name for each class");

static bool vector_family(int c) { return c == CM_CLS_VECTOR || c >= CM_CLS_NORM; }

static int effective(const cm_coefs *c, int cls) { return cls >= CM_CLS_NORM && !c->fitted[cls] ? CM_CLS_VECTOR : cls; }
static const char *const lat_names[] = {"const_ns", "overhead", "compute",  "memory",     "overlap",
                                        "mapped",   "step_lat", "step_mma", "step_load",  "step_max",
                                        "item_lat", "red_lat",  "red_mem",  "step_bound", "pipe"};
static const char *const en_names[] = {"compute", "memory", "static", "partials", "loads", "acc", "unit_static"};
static const double lat_default[] = {0, 1, 1, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
_Static_assert(sizeof lat_names / sizeof *lat_names == CM_NLAT, "a name for each latency feature");
_Static_assert(sizeof en_names / sizeof *en_names == CM_NEN, "a name for each energy feature");
_Static_assert(sizeof lat_default / sizeof *lat_default == CM_NLAT, "a default for each latency feature");
static const double en_default[] = {1, 1, 1, 0, 0, 0, 0};
_Static_assert(sizeof en_default / sizeof *en_default == CM_NEN, "a default for each energy feature");

const char *cm_lat_name(int i) { return i >= 0 && i < CM_NLAT ? lat_names[i] : "?"; }
const char *cm_en_name(int i) { return i >= 0 && i < CM_NEN ? en_names[i] : "?"; }

const char *cm_class_name(int c) { return c >= 0 && c < CM_NCLS ? class_names[c] : "?"; }

int cm_class_parse(const char *name)
{
    for (int c = 0; name && c < CM_NCLS; c++)
        if (!strcmp(name, class_names[c])) return c;
    return -1;
}

void cm_coefs_default(cm_coefs *c)
{
    memset(c, 0, sizeof *c);
    for (int k = 0; k < CM_NCLS; k++) {
        memcpy(c->lat[k], lat_default, sizeof lat_default);
        memcpy(c->en[k], en_default, sizeof en_default);
    }
}

void cm_lat_features(double overhead_ns, const cm_terms *x, double f[CM_NLAT])
{
    f[0] = 1, f[1] = overhead_ns, f[2] = x->compute_ns, f[3] = x->memory_ns;
    f[4] = fmin(x->compute_ns, x->memory_ns);
    for (int i = 0; i < CM_NMAP; i++) f[5 + i] = x->map_ns[i];
}

void cm_en_features(double static_w, double latency_ns, const cm_terms *x, double f[CM_NEN])
{
    f[0] = x->compute_pj, f[1] = x->memory_pj, f[2] = static_w * latency_ns * 1e3; /* W x ns = nJ */
    f[3] = x->traffic_pj, f[4] = x->load_pj, f[5] = x->acc_pj, f[6] = x->unit_static_pj;
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

double cm_fit_latency(const cm_coefs *c, int cls, double overhead_ns, const cm_terms *x)
{
    double f[CM_NLAT];
    cm_lat_features(overhead_ns, x, f);
    return fmax(0, dot(c->lat[effective(c, cls)], f, CM_NLAT));
}

double cm_fit_energy(const cm_coefs *c, int cls, double static_w, double latency_ns, const cm_terms *x)
{
    double f[CM_NEN];
    cm_en_features(static_w, latency_ns, x, f);
    return fmax(0, dot(c->en[effective(c, cls)], f, CM_NEN));
}

int cm_class_of_row(const cm_graph *g, const cm_row *r)
{
    /* an attention in a graph runs as XLA runs it (cm_model.h): its products as products, its softmax as
    ** a vector kernel; the attention class is lpsim's flash-style kernel */
    cm_kind b = g->ops[r->op].base;
    return b == CM_KIND_MATMUL || b == CM_KIND_BATCH_MATMUL || b == CM_KIND_CONV ? CM_CLS_MATRIX : CM_CLS_VECTOR;
}

/* ---- lpsim's own operations ------------------------------------------------------------ */

/* The format a matrix unit lists for a workload format: MX formats run at
** their element format's rate (tc_op_format), mxint8 as itself. */
static const char *rate_format(const wl_fmt *f)
{
    static const struct {
        const char *mx, *elem;
    } mx[] = {{"mxfp8_e4m3", "fp8_e4m3fn"},
              {"mxfp8_e5m2", "fp8_e5m2"},
              {"mxfp6_e2m3", "fp6_e2m3fn"},
              {"mxfp6_e3m2", "fp6_e3m2fn"},
              {"mxfp4_e2m1", "fp4_e2m1fn"}};
    for (size_t i = 0; f->mx && i < sizeof mx / sizeof mx[0]; i++)
        if (!strcmp(f->name, mx[i].mx)) return mx[i].elem;
    return f->name;
}

/* Bytes of a rows x cols tensor of f (packed, with MX scales). */
static double tbytes(const wl_fmt *f, double rows, double cols)
{
    double b = ceil(rows * cols * f->bits / 8);
    return f->mx ? b + rows * ceil(cols / 32) : b;
}

/* Up to 3 numbers of a shape "AxBxC" or "AxB". */
static int dims_of(const char *shape, uint64_t v[3])
{
    int n = 0;
    const char *p = shape;
    while (*p && n < 3) {
        char *end;
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p) return -1;
        v[n++] = x, p = end;
        if (*p == 'x')
            p++;
        else if (*p)
            return -1;
    }
    return *p ? -1 : n;
}

/* The attention shape "b1 h32 kv8 d128 q512 k512". */
static bool attn_of(const char *shape, uint64_t *b, uint64_t *h, uint64_t *kv, uint64_t *dh, uint64_t *q, uint64_t *k)
{
    unsigned long long B, H, G, D, Q, K;
    int used = 0;
    if (sscanf(shape, "b%llu h%llu kv%llu d%llu q%llu k%llu%n", &B, &H, &G, &D, &Q, &K, &used) != 6 || shape[used])
        return false;
    *b = B, *h = H, *kv = G, *dh = D, *q = Q, *k = K;
    return true;
}

static bool layerish(const wl_spec *s) { return s->kind == WL_LAYER || s->kind == WL_MODEL; }

/* A PIM product of M x N x K with b-bit weights and a-bit activations as
** the mapping runs it (map_pim.h): each core holds rows_per_core weight rows
** and takes the activations batch_rows at a time, one PIM_GEMM each, timed
** by the PIM unit's own timing face (pim_events_of: LUT, bit-serial or
** adder-tree cycles, passes, the host interface); the weights stream from
** DRAM over the shared channel. map_ns: STEP_MMA the arrays' time,
** STEP_LOAD the weights' DRAM time, PIPE the longer plus a latency; without
** the mapping's figures a proportional estimate (lookups per array). */
static void pim_terms(const arch_cfg *a, double M, double N, double K, int wbits, int abits, const cm_wl_map *mp,
                      cm_terms *x)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_PIM);
    if (!u || u->kind != UNIT_KIND_PIM || !u->cfg) return;
    const pim_cfg *c = u->cfg;
    double ck = a->clock_ghz, dram = N * K * wbits / 8 / a->dram.bw_gbps;
    if (!mp || !(mp->rows_per_core > 0) || !(mp->batch_rows > 0) || !c->arrays) {
        double arrays = (double)(c->arrays ? c->arrays : 1) * (double)(a->cores ? a->cores : 1);
        double g = (double)(c->lut_group ? c->lut_group : 1);
        x->compute_ns = M * N * K * wbits / g * c->t_read_cycles / arrays / ck;
        return;
    }
    unit_op op;
    memset(&op, 0, sizeof op);
    op.what = UNIT_OP_PIM_GEMM, op.rows = (uint64_t)mp->rows_per_core, op.cols = (uint64_t)K;
    op.m = (uint64_t)mp->batch_rows, op.wbits = (uint64_t)wbits, op.abits = (uint64_t)abits;
    op.bitserial = c->mode && !strcmp(c->mode, "bitserial");
    pim_events ev;
    if (pim_events_of(a, c, &op, &ev, NULL)) return;
    double calls = ceil(M / mp->batch_rows), arrays_ns = calls * (double)ev.cycles / ck;
    x->compute_ns = arrays_ns;
    /* energy: the events of every core's calls at the unit's energies (its cost face's events) */
    double cores = ceil(N / mp->rows_per_core);
    x->compute_pj = calls * cores * (ev.reads * c->e_read_pj + ev.writes * c->e_write_pj + ev.logic * c->e_logic_pj);
    x->unit_static_pj = c->static_w * cores * calls * (double)ev.cycles / ck * 1e3;
    x->load_pj = calls * cores * ev.host_bytes * (a->l2.energy_pj_per_byte + a->spm.energy_pj_per_byte);
    /* every core reads the whole activation matrix (and writes its rows of the result) through the L2 */
    double bw = a->l2.size_bytes ? a->l2.bw_gbps : a->dram.bw_gbps;
    double act = cores * M * (K * abits / 8 + mp->rows_per_core * 4) / bw;
    x->map_ns[CM_MAP_STEP_MMA] = arrays_ns;
    x->map_ns[CM_MAP_STEP_LOAD] = dram;
    x->map_ns[CM_MAP_RED_MEM] = act;
    x->map_ns[CM_MAP_PIPE] = fmax(fmax(arrays_ns, dram), act) + (a->l2.size_bytes ? a->l2.lat_ns : 0) + a->dram.lat_ns;
    x->map_ns[CM_MAP_ITEM_LAT] = calls * c->host_lat_ns;
}

/* The time of mapping m (M x N x K, formats fa, fb -> fo) as lpsim's memory
** system serves it (sim/system.cpp, mem_share_of): per kernel, the active
** cores share the L2 and DRAM bandwidth; of the loaded bytes the unique ones
** miss the L2 (fraction f), so a load waits the L2's latency plus f times
** DRAM's, then moves at the slower of its share and its engine's rate; the
** engines take a step's loads (A and B, and their scales with MX) between
** them, each one after another; double buffering overlaps a step's loads
** with the previous step's MMA, so a step takes the longer of the two; a
** work item adds a first load and the store of its C tile; the busiest core
** runs its items in turn. Split-K adds the reduction kernel: per tile of rr
** rows, the float32 parts loaded one after another and C stored. */
static double gemm_pipe(const cm_target *t, const arch_cfg *a, const wl_gemm_map *m, double M, double N, double K,
                        const wl_fmt *fa, const wl_fmt *fb, const wl_fmt *fo)
{
    const arch_unit *du = arch_unit_of_class(a, UNIT_CLASS_DMA);
    const dma_cfg *dc = du ? du->cfg : NULL;
    double E = dc && dc->engines ? (double)dc->engines : 1, ck = a->clock_ghz;
    double eng_ns = dc && dc->bytes_per_cycle ? 1 / ((double)dc->bytes_per_cycle * ck) : 0;
    double ktiles = ceil(K / m->tk), steps = ceil(ktiles / m->split), tiles = (double)m->tiles;
    double items = tiles * m->split, active = m->cores ? m->cores : 1, per_core = ceil(items / active);
    double ab = tbytes(fa, m->tm, m->tk), bb = tbytes(fb, m->tk, m->tn);
    double loads = tbytes(fa, M, K) * ceil(N / m->tn) + tbytes(fb, N, K) * ceil(M / m->tm);
    double unique = tbytes(fa, M, K) + tbytes(fb, N, K);
    double f = a->l2.size_bytes && unique < loads ? unique / loads : 1;
    double l2 = a->l2.size_bytes ? active / a->l2.bw_gbps : 0, dram = active / a->dram.bw_gbps;
    double nspb = a->l2.size_bytes ? fmax(l2, f * dram) : dram;
    double lat = (a->l2.size_bytes ? a->l2.lat_ns : 0) + f * a->dram.lat_ns;
    double L = m->mx ? 4 : 2; /* loads per step */
    /* the engines wait their latencies side by side; the bytes share the core's one channel */
    double step_bytes = ab + bb + (m->mx ? (m->tm + m->tn) * m->tk / 32.0 : 0);
    double load_step = ceil(L / E) * lat + fmax(step_bytes * nspb, step_bytes / E * eng_ns);
    const tc_rate *r = t->rates ? tc_rate_of(t->rates, t->nrates, m->fa.name) : NULL;
    double R = t->rows ? (double)t->rows : 1, C = t->cols ? (double)t->cols : 1;
    double mma = r ? ceil(m->tm / R) * R * ceil(m->tn / C) * C * m->tk / r->macs_per_cycle / ck : 0;
    double c_bytes = m->split > 1 ? m->tm * m->tn * 4.0 : tbytes(fo, m->tm, m->tn);
    double store_xfer = a->l2.size_bytes ? fmax(l2, dram) : dram;
    double item = load_step + (steps - 1) * fmax(mma, load_step) + mma +
                  (a->l2.size_bytes ? a->l2.lat_ns : a->dram.lat_ns) + c_bytes * fmax(store_xfer, eng_ns);
    double main = per_core * item;
    main = fmax(main, (unique + tbytes(fo, M, N)) / a->dram.bw_gbps);
    if (m->split <= 1) return main;
    double rr = m->rr ? m->rr : 1, red_tiles = ceil(M / rr) * ceil(N / m->tn);
    double ra = fmin(active, red_tiles), part = rr * m->tn * 4.0;
    double rl2 = a->l2.size_bytes ? ra / a->l2.bw_gbps : 0, rdram = ra / a->dram.bw_gbps;
    double rlat = (a->l2.size_bytes ? a->l2.lat_ns : 0) + a->dram.lat_ns; /* the parts were stored: f = 1 */
    double rx = fmax(a->l2.size_bytes ? fmax(rl2, rdram) : rdram, eng_ns);
    double red =
        ceil(red_tiles / ra) * (ceil(m->split / E) * (rlat + part * rx) + rlat + rr * m->tn * fo->bits / 8.0 * rx);
    return main + red + a->kernel_gap_ns;
}

void cm_gemm_mapped(const cm_target *t, const arch_cfg *a, uint64_t M, uint64_t N, uint64_t K, const wl_fmt *fa,
                    const wl_fmt *fb, const wl_fmt *fo, uint64_t layout, uint64_t cores, cm_terms *x)
{
    wl_spec gs;
    memset(&gs, 0, sizeof gs);
    gs.kind = WL_GEMM, gs.m = M, gs.n = N, gs.k = K, gs.batch = 1, gs.layout = layout, gs.cores = cores;
    gs.in = gs.in_a = *fa, gs.in_b = *fb, gs.out = *fo;
    wl_gemm_map m;
    if (wl_map_gemm(&gs, a, &m, NULL)) return;
    const wl_gemm_cost *c = &m.cost;
    double ck = t->clock_ghz, lat = c->lat / ck, mxf = m.mx ? 2 : 1;
    x->map_ns[CM_MAP_MAPPED] += m.cost_cycles / ck;
    x->map_ns[CM_MAP_STEP_LAT] += c->steps * lat * mxf;
    x->map_ns[CM_MAP_STEP_MMA] += c->steps * c->mma / ck;
    x->map_ns[CM_MAP_STEP_LOAD] += c->steps * c->load / ck;
    x->map_ns[CM_MAP_STEP_MAX] += c->steps * c->step / ck;
    x->map_ns[CM_MAP_ITEM_LAT] += c->items * lat;
    x->map_ns[CM_MAP_STEP_BOUND] += c->steps * fmax(fmax(c->mma, c->load), c->lat * mxf) / ck + c->items * lat;
    x->map_ns[CM_MAP_PIPE] += gemm_pipe(t, a, &m, (double)M, (double)N, (double)K, fa, fb, fo);
    if (m.split > 1) { /* the reduction kernel: per tile of rr x tn the parts loaded one after another, C stored */
        double red_tiles = ceil((double)M / (m.rr ? m.rr : 1)) * ceil((double)N / m.tn);
        x->map_ns[CM_MAP_RED_LAT] += ceil(red_tiles / (m.cores ? m.cores : 1)) * (m.split + 1) * lat;
        double red = (double)m.split * (double)M * (double)N * 4 + tbytes(fo, (double)M, (double)N);
        x->map_ns[CM_MAP_RED_MEM] += red / c->dram_bpc / ck;
        x->traffic_pj += 2.0 * m.split * (double)M * (double)N * 4 * t->dram_pj_per_byte;
    }
    double loads = tbytes(fa, (double)M, (double)K) * ceil((double)N / m.tn) +
                   tbytes(fb, (double)N, (double)K) * ceil((double)M / m.tm);
    x->load_pj += loads * (a->l2.energy_pj_per_byte + a->spm.energy_pj_per_byte);
    x->acc_pj += (double)M * (double)N * 4 * ceil((double)K / m.tk) * a->acc.energy_pj_per_byte;
}

/* A vector kernel of R rows and `bytes` moved as lpsim generates it
** (gen_vec.c): rows in equal blocks over min(cores, R) cores, each core's
** block in tiles that fit half the scratchpad, each tile loaded, computed
** and stored in turn (no double buffering): per tile a load's latency (the
** data are read once: from DRAM) and a store's, the bytes at the core's
** share of the bandwidth or its engines' rate, the operations on its lanes.
** map_ns: STEP_LAT the tiles' latencies, STEP_LOAD their bytes' time,
** STEP_MMA their operations' time, PIPE the sum. */
static void vec_pipe(const cm_target *t, const arch_cfg *a, double R, double bytes, double ops, cm_vcost vc,
                     cm_terms *x)
{
    if (!(R > 0)) return;
    const arch_unit *du = arch_unit_of_class(a, UNIT_CLASS_DMA);
    const dma_cfg *dc = du ? du->cfg : NULL;
    double E = dc && dc->engines ? (double)dc->engines : 1, ck = a->clock_ghz;
    double eng_ns = dc && dc->bytes_per_cycle ? 1 / ((double)dc->bytes_per_cycle * E * ck) : 0;
    double active = fmin((double)(a->cores ? a->cores : 1), R), rows = ceil(R / active);
    double core_bytes = bytes * rows / R, half = a->spm.size_bytes / 2.0;
    double tiles = half > 0 ? ceil(core_bytes / half) : 1;
    double l2 = a->l2.size_bytes ? active / a->l2.bw_gbps : 0, dram = active / a->dram.bw_gbps;
    double lat = (a->l2.size_bytes ? a->l2.lat_ns : 0) + a->dram.lat_ns;
    double st_lat = a->l2.size_bytes ? a->l2.lat_ns : a->dram.lat_ns;
    double cpg = vc == CM_VEC_EXP ? t->exp_cycles : vc == CM_VEC_REDUCE ? t->reduce_cycles : 1;
    x->map_ns[CM_MAP_STEP_LAT] = tiles * (lat + st_lat);
    x->map_ns[CM_MAP_STEP_LOAD] = core_bytes * fmax(fmax(l2, dram), eng_ns);
    x->map_ns[CM_MAP_STEP_MMA] = ceil(ops * rows / R / (double)t->lanes) * cpg / ck;
    x->map_ns[CM_MAP_PIPE] = x->map_ns[CM_MAP_STEP_LAT] + x->map_ns[CM_MAP_STEP_LOAD] + x->map_ns[CM_MAP_STEP_MMA];
    /* energy: the bytes through the L2 into the scratchpad and back; float32 working tiles in the accumulators */
    x->load_pj = bytes * (a->l2.energy_pj_per_byte + a->spm.energy_pj_per_byte);
    x->acc_pj = ops * 4 * a->acc.energy_pj_per_byte;
}

/* An attention as lpsim maps it (map_attn.h) and its memory system serves
** it: work items (a query tile of a head, or of a KV group in decode, its
** keys split over idle cores in decode) dealt over the cores; per key tile
** its K and V loads (a load's latency, the L2's plus DRAM's times the share
** of loaded bytes that miss, the engines side by side, the bytes through the
** core's channel), overlapped with the previous tile's work: S = Q Kt, the
** online softmax on the vector lanes, O += P V, one after another; per item
** Q loaded and O stored; a split decode's combining kernel. map_ns: PIPE that
** time, STEP_LAT the key tiles' latencies, STEP_MMA their products, STEP_MAX
** their vector work, STEP_LOAD their loads' bytes. */
static void attn_pipe(const cm_target *t, const arch_cfg *a, const wl_spec *as, cm_terms *x)
{
    wl_attn_map m;
    if (wl_map_attn(as, a, NULL, &m, NULL)) return;
    const arch_unit *du = arch_unit_of_class(a, UNIT_CLASS_DMA);
    const dma_cfg *dc = du ? du->cfg : NULL;
    double E = dc && dc->engines ? (double)dc->engines : 1, ck = a->clock_ghz;
    double eng_ns = dc && dc->bytes_per_cycle ? 1 / ((double)dc->bytes_per_cycle * ck) : 0;
    double cores = (double)(as->cores ? as->cores : a->cores ? a->cores : 1);
    double items = (double)wl_attn_items(&m), tiles = ceil((double)m.keys / m.bk), D = (double)m.head_dim;
    double splits = 1;
    if (m.decode && items < cores && tiles >= 2 && (double)m.rows * D <= (double)m.bq * m.bk)
        splits = fmin(fmax(2, floor(cores / items)), tiles);
    double units = items * splits, active = fmin(cores, units), per_core = ceil(units / active);
    /* key tiles per unit: a causal query tile reads up to its diagonal */
    double kt = m.causal ? (ceil((double)m.keys / m.bk) + ceil((double)m.bq / m.bk)) / 2 : ceil(tiles / splits);
    double kvb = (double)m.bk * D * m.fkv.bits / 8;
    double reads = m.decode ? 1 : (double)m.qtiles * (double)m.group; /* K and V read per query tile and head */
    double f = a->l2.size_bytes ? 1 / fmax(1, reads) : 1;
    double l2 = a->l2.size_bytes ? active / a->l2.bw_gbps : 0, dram = active / a->dram.bw_gbps;
    double nspb = a->l2.size_bytes ? fmax(l2, f * dram) : dram;
    double lat = (a->l2.size_bytes ? a->l2.lat_ns : 0) + f * a->dram.lat_ns;
    double load = ceil(2 / E) * lat + fmax(2 * kvb * nspb, kvb * eng_ns);
    const tc_rate *r = t->rates ? tc_rate_of(t->rates, t->nrates, m.fin.name) : NULL;
    double R = t->rows ? (double)t->rows : 1, C = t->cols ? (double)t->cols : 1, rate = r ? r->macs_per_cycle : 1;
    double bq = fmin((double)m.bq, (double)m.rows);
    double mma = (ceil(bq / R) * R * ceil(m.bk / C) * C * D + ceil(bq / R) * R * ceil(D / C) * C * m.bk) / rate / ck;
    double vec = (ceil(bq * m.bk * (5 + t->exp_cycles) / (double)t->lanes) + ceil(bq * D * 2 / (double)t->lanes) +
                  2 * bq * t->reduce_cycles) /
                 ck;
    double step = fmax(load, mma + vec);
    double qo = 2 * ((a->l2.size_bytes ? a->l2.lat_ns : 0) + a->dram.lat_ns) + 2 * bq * D * 2 * fmax(nspb, eng_ns);
    double main = per_core * (load + (kt - 1) * step + mma + vec + qo);
    if (splits > 1) /* the combining kernel: per item its parts' O, m and l loaded, merged, O stored */
        main +=
            ceil(items / fmin(cores, items)) * ((splits + 3) * (lat + (double)m.rows * D * 4 * fmax(nspb, eng_ns))) +
            a->kernel_gap_ns;
    x->map_ns[CM_MAP_PIPE] = main;
    x->map_ns[CM_MAP_STEP_LAT] = per_core * kt * lat;
    x->map_ns[CM_MAP_STEP_MMA] = per_core * kt * mma;
    x->map_ns[CM_MAP_STEP_MAX] = per_core * kt * vec;
    x->map_ns[CM_MAP_STEP_LOAD] = per_core * kt * 2 * kvb * nspb;
}

lp_status cm_wl_terms(const cm_target *t, const arch_cfg *a, const wl_spec *s, const char *kind, const char *shape,
                      bool pim, const cm_wl_map *mp, int *cls, cm_terms *x, lp_diag *d)
{
    memset(x, 0, sizeof *x);
    wl_fmt stream;
    wl_layer_stream(&s->a, &stream);
    const wl_fmt *fa = layerish(s) ? &s->a : &s->in_a, *fb = layerish(s) ? &s->w : &s->in_b;
    const wl_fmt *fo = layerish(s) ? &stream : &s->out;
    uint64_t v[3];
    int nd;
    double bytes = 0;
    if (!strcmp(kind, "gemm") || !strcmp(kind, "gemv")) {
        if ((nd = dims_of(shape, v)) < 2) return lp_diag_msg(d, LP_ERR_ARG, "%s: cannot read shape '%s'", kind, shape);
        uint64_t M = nd == 3 ? v[0] : 1, N = nd == 3 ? v[1] : v[0], K = nd == 3 ? v[2] : v[1];
        cm_work w = {M * N * K, 1, M, N, K, rate_format(fa), 0, CM_VEC_NONE, 0};
        x->macs = (double)w.macs;
        bytes = tbytes(fa, (double)M, (double)K) + tbytes(fb, (double)N, (double)K) + tbytes(fo, (double)M, (double)N);
        if (pim) {
            *cls = CM_CLS_PIM;
            pim_terms(a, (double)M, (double)N, (double)K, fb->bits, fa->bits, mp, x);
        } else {
            *cls = CM_CLS_MATRIX;
            cm_work_compute(t, &w, x);
            cm_gemm_mapped(t, a, M, N, K, fa, fb, fo, layerish(s) ? 0 : s->layout, s->cores, x);
            const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
            if (u && u->kind == UNIT_KIND_FPGA && u->cfg) /* the grid's static power while it computes */
                x->unit_static_pj = ((const fpga_cfg *)u->cfg)->static_w * x->compute_ns * 1e3;
        }
    } else if (!strcmp(kind, "attention")) {
        uint64_t b, h, g, dh, q, k;
        if (!attn_of(shape, &b, &h, &g, &dh, &q, &k))
            return lp_diag_msg(d, LP_ERR_ARG, "attention: cannot read shape '%s'", shape);
        bool causal = q > 1 && (layerish(s) || s->causal);
        double pairs = causal && q == k ? (double)q * (double)(q + 1) / 2 : (double)q * (double)k;
        const wl_fmt *fq = layerish(s) ? &stream : &s->in, *fkv = &s->kv, *fout = layerish(s) ? &stream : &s->out;
        if (layerish(s) && t->rates && !tc_rate_of(t->rates, t->nrates, rate_format(&stream))) fq = &s->a;
        double bh = (double)b * (double)h;
        cm_work qk = {(uint64_t)(2 * bh * pairs * (double)dh), 1, 0, 0, 0, rate_format(fq), 0, CM_VEC_NONE, 0};
        /* the products as one stream of MACs over every core (their tiles are small and many) */
        qk.m = (uint64_t)(bh * (double)q), qk.n = k, qk.k = 2 * dh;
        cm_work sm = {0, 0, 0, 0, 0, NULL, (uint64_t)(WL_OPS_SOFTMAX * bh * pairs), CM_VEC_EXP, 0};
        cm_work_compute(t, &qk, x);
        cm_work_compute(t, &sm, x);
        x->macs = (double)qk.macs;
        bytes = tbytes(fq, bh * (double)q, (double)dh) + tbytes(fout, bh * (double)q, (double)dh) +
                2 * tbytes(fkv, (double)b * (double)g * (double)k, (double)dh);
        *cls = CM_CLS_ATTENTION;
        wl_spec as;
        memset(&as, 0, sizeof as);
        as.kind = WL_ATTENTION, as.phase = q > 1 ? WL_PREFILL : WL_DECODE, as.batch = b, as.heads = h;
        as.kv_heads = g, as.head_dim = dh, as.seq = q > 1 ? q : 0, as.ctx = q > 1 ? 0 : k, as.causal = causal;
        as.in = *fq, as.kv = *fkv, as.out = *fout, as.cores = s->cores;
        attn_pipe(t, a, &as, x);
    } else {
        if ((nd = dims_of(shape, v)) != 2 && !(nd < 0 && !*shape))
            return lp_diag_msg(d, LP_ERR_ARG, "%s: cannot read shape '%s'", kind, shape);
        double R = nd == 2 ? (double)v[0] : 0, C = nd == 2 ? (double)v[1] : 0, e = R * C;
        double sb = stream.bits / 8.0;
        unsigned ops = 1;
        cm_vcost vc = CM_VEC_SIMPLE;
        *cls = CM_CLS_VECTOR;
        if (!strcmp(kind, "rmsnorm"))
            ops = WL_OPS_RMSNORM, vc = CM_VEC_REDUCE, bytes = 2 * e * sb + C * sb, *cls = CM_CLS_NORM;
        else if (!strcmp(kind, "layernorm"))
            ops = WL_OPS_LAYERNORM, vc = CM_VEC_REDUCE, bytes = 2 * e * sb + 2 * C * sb, *cls = CM_CLS_LAYERNORM;
        else if (!strcmp(kind, "rotary")) { /* Q (the shape) and K, of the model's kv heads, with cos and sin */
            const wl_model *md = layerish(s) ? wl_model_get((wl_model_id)s->model) : NULL;
            e += md ? R * (double)(md->kv_heads * md->head_dim) : 0;
            ops = WL_OPS_ROTARY, bytes = 2 * e * sb + R * C * sb, *cls = CM_CLS_ROTARY;
        } else if (!strcmp(kind, "swiglu"))
            ops = WL_OPS_SWIGLU, vc = CM_VEC_EXP, bytes = 3 * e * sb, *cls = CM_CLS_ACT;
        else if (!strcmp(kind, "gelu"))
            ops = WL_OPS_GELU, vc = CM_VEC_EXP, bytes = 2 * e * sb, *cls = CM_CLS_GELU;
        else if (!strcmp(kind, "residual"))
            bytes = 3 * e * sb, *cls = CM_CLS_RESIDUAL;
        else if (!strcmp(kind, "embed"))
            bytes = 2 * e * sb, *cls = CM_CLS_RESIDUAL;
        else if (!strcmp(kind, "convert"))
            bytes = e * sb + tbytes(&s->a, R, C), *cls = CM_CLS_CONVERT;
        else if (!strcmp(kind, "copy"))
            ops = 0, bytes = e * sb + tbytes(&s->kv, R, C), *cls = CM_CLS_COPY;
        else
            return lp_diag_msg(d, LP_ERR_ARG, "an operation of kind '%s' has no terms", kind);
        cm_work w = {0, 0, 0, 0, 0, NULL, (uint64_t)(ops * e), vc, 0};
        cm_work_compute(t, &w, x);
        vec_pipe(t, a, R, bytes, (double)ops * e, vc, x);
        if (mp && mp->core_insns > 0) { /* the busiest core's instructions, in turn: a latency and an issue each */
            x->map_ns[CM_MAP_ITEM_LAT] = mp->core_insns * (a->l2.size_bytes ? a->l2.lat_ns : a->dram.lat_ns);
            x->map_ns[CM_MAP_RED_LAT] = mp->core_insns / a->clock_ghz;
        }
    }
    /* lpsim's workloads start with their operands in DRAM (the L2 is cold) */
    x->l2 = false, x->bytes = bytes, x->memory_ns = bytes / t->dram_gbps, x->memory_pj = bytes * t->dram_pj_per_byte;
    return LP_OK;
}

/* ---- fitting ---------------------------------------------------------------------------- */

/* Weighted least squares on relative residuals of y = f . c over the rows
** of one class; columns zero in every row keep def. */
_Static_assert(CM_NLAT <= 16 && CM_NEN <= 16, "lsq keeps 16 features at most");

static lp_status lsq(const double *F, const double *y, size_t n, int p, const double *def, const double *prior,
                     double ridge, double *c, bool *solved, lp_diag *d)
{
    if (solved) *solved = false;
    int free_[16], nf = 0;
    bool isfree[16] = {false};
    for (int j = 0; j < p; j++) {
        for (size_t i = 0; i < n && !isfree[j]; i++) isfree[j] = F[i * (size_t)p + (size_t)j] != 0;
        c[j] = def[j];
        if (isfree[j]) free_[nf++] = j;
    }
    if (nf == 0 || n < (size_t)(2 * nf)) return LP_OK;
    size_t rows = n + (prior ? (size_t)nf : 0);
    gsl_matrix *X = gsl_matrix_alloc(rows, (size_t)nf);
    gsl_vector *w = gsl_vector_alloc(rows), *yy = gsl_vector_alloc(rows), *cc = gsl_vector_alloc((size_t)nf);
    gsl_matrix *cov = gsl_matrix_alloc((size_t)nf, (size_t)nf);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(rows, (size_t)nf);
    lp_status st = LP_OK;
    if (!X || !w || !yy || !cc || !cov || !ws) {
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory fitting");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double fixed = 0;
        for (int j = 0; j < p; j++)
            if (!isfree[j]) fixed += def[j] * F[i * (size_t)p + (size_t)j];
        for (int q = 0; q < nf; q++) gsl_matrix_set(X, i, (size_t)q, F[i * (size_t)p + (size_t)free_[q]]);
        double yi = y[i] - fixed, ref = fabs(y[i]) > 1e-30 ? fabs(y[i]) : 1;
        gsl_vector_set(yy, i, yi);
        gsl_vector_set(w, i, 1 / (ref * ref));
    }
    /* ridge: each free coefficient pulled toward its prior, in units of its column's weighted size, so
    ** that few distinct shapes cannot buy large opposite coefficients of nearly parallel terms */
    for (int q = 0; prior && q < nf; q++) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += gsl_vector_get(w, i) * gsl_matrix_get(X, i, (size_t)q) * gsl_matrix_get(X, i, (size_t)q);
        double sq = sqrt(ss / (double)n);
        for (int r = 0; r < nf; r++) gsl_matrix_set(X, n + (size_t)q, (size_t)r, r == q ? sq : 0);
        gsl_vector_set(yy, n + (size_t)q, prior[free_[q]] * sq);
        gsl_vector_set(w, n + (size_t)q, ridge * (double)n);
    }
    double chisq;
    size_t rank;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int e = gsl_multifit_wlinear_tsvd(X, w, yy, 1e-12, cc, cov, &chisq, &rank, ws);
    gsl_set_error_handler(old);
    if (e) {
        st = lp_diag_msg(d, LP_ERR_RANGE, "the least-squares fit failed: %s", gsl_strerror(e));
        goto out;
    }
    bool finite = true;
    for (int q = 0; q < nf; q++) finite &= isfinite(gsl_vector_get(cc, (size_t)q));
    for (int q = 0; finite && q < nf; q++) c[free_[q]] = gsl_vector_get(cc, (size_t)q);
    if (solved) *solved = finite;
out:
    gsl_matrix_free(X), gsl_vector_free(w), gsl_vector_free(yy), gsl_vector_free(cc), gsl_matrix_free(cov);
    if (ws) gsl_multifit_linear_free(ws);
    return st;
}

lp_status cm_fit(const cm_sample *s, size_t n, double ridge, cm_coefs *c, lp_diag *d)
{
    cm_coefs_default(c);
    double *F = malloc(sizeof *F * (n ? n : 1) * CM_NLAT), *y = malloc(sizeof *y * (n ? n : 1));
    if (!F || !y) {
        free(F), free(y);
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory fitting");
    }
    lp_status st = LP_OK;
    for (int k = 0; k < CM_NCLS && !st; k++) {
        size_t m = 0;
#define MEMBER(i) (s[i].cls == k || (k == CM_CLS_VECTOR && vector_family(s[i].cls)))
        for (size_t i = 0; i < n; i++) {
            if (!MEMBER(i)) continue;
            cm_lat_features(s[i].overhead_ns, &s[i].x, F + m * CM_NLAT);
            y[m++] = s[i].latency_ns;
        }
        if (!m) continue;
        /* the prior: the pipeline term alone where the class has one, else the default model */
        double prior[CM_NLAT];
        bool pipe = false;
        for (size_t i = 0; i < m && !pipe; i++) pipe = F[i * CM_NLAT + 5 + CM_MAP_PIPE] != 0;
        for (int j = 0; j < CM_NLAT; j++) prior[j] = pipe ? (j == 1 || j == 5 + CM_MAP_PIPE ? 1 : 0) : lat_default[j];
        bool solved;
        if ((st = lsq(F, y, m, CM_NLAT, lat_default, ridge > 0 ? prior : NULL, ridge, c->lat[k], &solved, d))) break;
        m = 0;
        c->fitted[k] = true; /* for the energy's latency below */
        for (size_t i = 0; i < n; i++) {
            if (!MEMBER(i)) continue;
            cm_en_features(s[i].static_w, cm_fit_latency(c, k, s[i].overhead_ns, &s[i].x), &s[i].x, F + m * CM_NEN);
            y[m++] = s[i].energy_pj;
        }
        st = lsq(F, y, m, CM_NEN, en_default, NULL, 0, c->en[k], NULL, d);
        c->fitted[k] = solved; /* too few samples: the defaults, and a vector kernel's class falls back on vector */
#undef MEMBER
    }
    free(F), free(y);
    return st;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33, x *= 0xff51afd7ed558ccdULL, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL, x ^= x >> 33;
    return x;
}

static void acc(cm_cv *v, double pred, double meas, bool energy)
{
    double e = meas != 0 ? fabs(pred - meas) / fabs(meas) : 0;
    if (energy)
        v->mape_energy += e;
    else
        v->mape_latency += e, v->n++;
}

static void finish(cm_cv *v)
{
    if (v->n) v->mape_latency *= 100.0 / (double)v->n, v->mape_energy *= 100.0 / (double)v->n;
}

lp_status cm_crossval(const cm_sample *s, size_t n, double ridge, int k, int kinds, cm_cv *per_kind, cm_cv *all,
                      cm_cv *runs, lp_diag *d)
{
    memset(per_kind, 0, sizeof *per_kind * (size_t)kinds);
    memset(all, 0, sizeof *all), memset(runs, 0, sizeof *runs);
    cm_sample *train = malloc(sizeof *train * (n ? n : 1));
    double *pl = malloc(sizeof *pl * (n ? n : 1)), *pe = malloc(sizeof *pe * (n ? n : 1));
    lp_status st = LP_OK;
    if (!train || !pl || !pe) {
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory cross-validating");
        goto out;
    }
    for (int f = 0; f < k && !st; f++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (mix((uint64_t)s[i].group) % (uint64_t)k != (uint64_t)f) train[m++] = s[i];
        cm_coefs c;
        if ((st = cm_fit(train, m, ridge, &c, d))) break;
        for (size_t i = 0; i < n; i++) {
            if (mix((uint64_t)s[i].group) % (uint64_t)k != (uint64_t)f) continue;
            pl[i] = cm_fit_latency(&c, s[i].cls, s[i].overhead_ns, &s[i].x);
            pe[i] = cm_fit_energy(&c, s[i].cls, s[i].static_w, pl[i], &s[i].x);
        }
    }
    if (st) goto out;
    for (size_t i = 0; i < n; i++) {
        cm_cv *v = s[i].kind >= 0 && s[i].kind < kinds ? &per_kind[s[i].kind] : NULL;
        if (v) acc(v, pe[i], s[i].energy_pj, true), acc(v, pl[i], s[i].latency_ns, false);
        acc(all, pe[i], s[i].energy_pj, true), acc(all, pl[i], s[i].latency_ns, false);
    }
    /* runs: the samples of a group are consecutive */
    for (size_t i = 0; i < n;) {
        double ml = 0, me = 0, ql = 0, qe = 0;
        size_t j = i;
        for (; j < n && s[j].group == s[i].group; j++) {
            ml += s[j].repeat * s[j].latency_ns, me += s[j].repeat * s[j].energy_pj;
            ql += s[j].repeat * pl[j], qe += s[j].repeat * pe[j];
        }
        acc(runs, qe, me, true), acc(runs, ql, ml, false);
        i = j;
    }
    for (int q = 0; q < kinds; q++) finish(&per_kind[q]);
    finish(all), finish(runs);
out:
    free(train), free(pl), free(pe);
    return st;
}

/* ---- the model file --------------------------------------------------------------------- */

json_t *cm_coefs_json(const cm_coefs *c)
{
    json_t *o = json_object();
    for (int k = 0; o && k < CM_NCLS; k++) {
        json_t *lat = json_object(), *en = json_object();
        for (int j = 0; j < CM_NLAT; j++) json_object_set_new(lat, lat_names[j], json_real(c->lat[k][j]));
        for (int j = 0; j < CM_NEN; j++) json_object_set_new(en, en_names[j], json_real(c->en[k][j]));
        json_object_set_new(o, class_names[k],
                            json_pack("{s:b,s:o,s:o}", "fitted", c->fitted[k], "latency", lat, "energy", en));
    }
    return o;
}

static lp_status num(const json_t *o, const char *cls, const char *part, const char *key, const char *file, double *v,
                     lp_diag *d)
{
    const json_t *j = json_object_get(o, key);
    if (!json_is_number(j) || !isfinite(json_number_value(j)))
        return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "coefficients.%s.%s.%s: %s", cls, part, key,
                           j ? "not a finite number" : "missing"),
               lp_diag_at(d, file, 1, 1);
    *v = json_number_value(j);
    return LP_OK;
}

lp_status cm_coefs_from_json(const json_t *j, const char *file, cm_coefs *c, lp_diag *d)
{
    cm_coefs_default(c);
    if (!json_is_object(j))
        return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "coefficients: missing or not an object"), lp_diag_at(d, file, 1, 1);
    for (int k = 0; k < CM_NCLS; k++) {
        const json_t *o = json_object_get(j, class_names[k]);
        if (!json_is_object(o))
            return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "coefficients.%s: missing or not an object", class_names[k]),
                   lp_diag_at(d, file, 1, 1);
        const json_t *lat = json_object_get(o, "latency"), *en = json_object_get(o, "energy");
        c->fitted[k] = json_is_true(json_object_get(o, "fitted"));
        lp_status st;
        for (int q = 0; q < CM_NLAT; q++)
            if ((st = num(lat, class_names[k], "latency", lat_names[q], file, &c->lat[k][q], d))) return st;
        for (int q = 0; q < CM_NEN; q++)
            if ((st = num(en, class_names[k], "energy", en_names[q], file, &c->en[k][q], d))) return st;
    }
    return LP_OK;
}

lp_status cm_model_load(const char *path, cm_coefs *c, char *arch, size_t n, lp_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    lp_status st = lp_read_file(path, 16u << 20, &text, &len, d);
    if (st) return lp_diag_at(d, path, 0, 0);
    json_error_t e;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    free(text);
    if (!j)
        return lp_diag_set(d, LP_ERR_PARSE, e.line > 0 ? e.line : 1, e.column > 0 ? e.column : 1, "%s", e.text),
               lp_diag_at(d, path, e.line > 0 ? e.line : 1, e.column > 0 ? e.column : 1);
    const char *name = json_string_value(json_object_get(j, "arch"));
    if (!json_is_object(j) || !json_is_integer(json_object_get(j, "lpsim_model")) || !name)
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1, "not an lpsim model file (no \"lpsim_model\" and \"arch\")"),
        lp_diag_at(d, path, 1, 1);
    else if ((st = cm_coefs_from_json(json_object_get(j, "coefficients"), path, c, d)))
        ;
    else
        snprintf(arch, n, "%s", name);
    json_decref(j);
    return st;
}
