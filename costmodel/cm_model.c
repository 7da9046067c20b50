/*
** cm_model.c — the default analytical model (terms and formulas in
** cm_model.h and docs/costmodel.md): per kernel, compute time from the
** matrix unit's rate per format with tile padding and waves over the cores,
** or from the vector units' lanes, slowed by the power cap; memory time from
** the bytes at the L2's or DRAM's bandwidth; the larger plus the kernel's
** launch or gap; energy from MACs, vector operations, bytes and static power.
** Fusion groups ops with a union-find; a group's bytes lose the tensors that
** stay inside it.
**
** The model looks at the matrix unit's kind once, in cm_target_of: a tensor
** core has an array shape, an ideal unit none (rows 0); both list a rate per
** format (tc_rate).
*/
#include "cm_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cm_count.h"
#include "cm_fit.h"
#include "cm_lower.h"
#include "map_gemm.h"
#include "ideal.h"
#include "units.h"
#include "vector.h"

void cm_target_of(const arch_cfg *a, cm_target *t)
{
    memset(t, 0, sizeof *t);
    t->name = a->name;
    t->arch = a;
    t->clock_ghz = a->clock_ghz;
    t->cores = a->cores ? a->cores : 1;
    t->dram_gbps = a->dram.bw_gbps, t->dram_pj_per_byte = a->dram.energy_pj_per_bit * 8;
    t->l2_bytes = a->l2.size_bytes, t->l2_gbps = a->l2.bw_gbps, t->l2_pj_per_byte = a->l2.energy_pj_per_byte;
    t->static_w = a->power.static_w, t->cap_w = a->power.cap_w, t->min_clock_ghz = a->power.min_clock_ghz;
    t->launch_ns = a->launch_ns, t->gap_ns = a->kernel_gap_ns, t->host_dispatch_ns = a->host_dispatch_ns;
    t->conv_call_ns = a->conv_call_ns, t->fuse_after_products = a->fuse_after_products != 0;
    const tc_cfg *c = wl_matrix_tc(a, &t->view);
    if (c) {
        t->rates = c->formats, t->nrates = c->formats_count, t->rows = c->array_rows, t->cols = c->array_cols;
        const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
        if (u && u->kind == UNIT_KIND_IDEAL) t->rows = t->cols = 0;
    }
    mf_format tf32;
    if (t->rates && mf_parse("e8m10_ieee", &tf32, NULL) == LP_OK) t->tf32 = tc_rate_of(t->rates, t->nrates, tf32.name);
    const arch_unit *v = arch_unit_of_class(a, UNIT_CLASS_VECTOR);
    const vector_cfg *vc = v && v->kind == UNIT_KIND_VECTOR ? v->cfg : NULL;
    t->lanes = vc && vc->lanes ? vc->lanes : 1;
    t->exp_cycles = vc ? vc->exp_cycles : 1, t->reduce_cycles = vc ? vc->reduce_cycles : 1;
    t->vec_pj_per_op = vc ? vc->energy_pj_per_op : 0;
}

/* The lpsim format of an MLIR element type (NULL: none the model knows): the
** lowering's table (cm_lower.h). */
static const char *lp_format_of(const char *elem) { return cm_lower_format(elem); }

/* The matrix unit's rate for a format, remembered for the last format seen. */
typedef struct rate_cache {
    const char *fmt;
    const tc_rate *rate;
} rate_cache;

static const tc_rate *rate_of(const cm_target *t, const char *fmt, rate_cache *c)
{
    if (!t->rates || !fmt) return NULL;
    if (c->fmt == fmt) return c->rate;
    c->fmt = fmt, c->rate = tc_rate_of(t->rates, t->nrates, fmt);
    return c->rate;
}

/* The format of a product: its first operand's; a float32 product the unit has no fp32 rate for
** runs as TF32 (e8m10) when the unit lists it, unless its precision_config asks for HIGHEST: the
** frameworks' default on tensor cores (JAX and XLA: DEFAULT and HIGH float32 dots and
** convolutions in TF32 on NVIDIA GPUs since Ampere). */
static const char *product_format(const cm_target *t, const cm_op *op)
{
    const char *f = lp_format_of(op->elem);
    if (!op->macs || !t->tf32 || !op->elem || strcmp(op->elem, "f32") ||
        (t->rates && f && tc_rate_of(t->rates, t->nrates, f)))
        return f;
    const char *p = cm_op_attr(op, "precision_config");
    return p && strstr(p, "HIGHEST") ? f : t->tf32->format;
}

static double cdiv(double a, double b) { return ceil(a / b); }

/* Compute time and energy of one piece of work (its bytes apart). */
static void work_compute(const cm_target *t, const cm_work *w, rate_cache *rc, cm_terms *x)
{
    double lanes = (double)t->lanes * (double)t->cores;
    if (w->macs) {
        const tc_rate *r = rate_of(t, w->fmt, rc);
        if (r && !t->rows) { /* no array: every MAC slot busy, the MACs dealt evenly over the cores */
            x->compute_pj += (double)w->macs * r->energy_pj_per_mac;
            x->on_matrix = true;
            x->compute_ns += cdiv(cdiv((double)w->macs, (double)t->cores), r->macs_per_cycle) / t->clock_ghz;
            return;
        }
        if (r) {
            double R = (double)t->rows, C = (double)t->cols;
            double tiles = (double)w->b * cdiv((double)w->m, R) * cdiv((double)w->n, C);
            double cycles = cdiv(tiles, (double)t->cores) * cdiv((double)w->k * R * C, r->macs_per_cycle);
            x->compute_pj += (double)w->macs * r->energy_pj_per_mac;
            x->on_matrix = true;
            x->compute_ns += cycles / t->clock_ghz;
            return;
        }
        x->compute_pj += (double)w->macs * t->vec_pj_per_op;
        x->compute_ns += cdiv((double)w->macs, lanes) / t->clock_ghz;
        return;
    }
    if (!w->flops) return;
    double cpg = w->vcost == CM_VEC_EXP ? t->exp_cycles : w->vcost == CM_VEC_REDUCE ? t->reduce_cycles : 1;
    x->compute_pj += (double)w->flops * t->vec_pj_per_op;
    x->compute_ns += cdiv((double)w->flops, lanes) * cpg / t->clock_ghz;
}

void cm_work_compute(const cm_target *t, const cm_work *w, cm_terms *x)
{
    rate_cache rc = {NULL, NULL};
    work_compute(t, w, &rc, x);
}

void cm_kernel_memory(const cm_target *t, uint64_t bytes, cm_terms *x)
{
    x->l2 = t->l2_bytes && bytes <= t->l2_bytes;
    double bw = x->l2 ? t->l2_gbps : t->dram_gbps; /* GB/s: bytes per ns */
    x->memory_ns = (double)bytes / bw;
    x->memory_pj = (double)bytes * (x->l2 ? t->l2_pj_per_byte : t->dram_pj_per_byte);
}

/* The GEMM-mapping terms of the last products seen in one prediction (a graph repeats its shapes;
** the mapping's search takes up to a tenth of a millisecond). */
#define MAP_CACHE 32
typedef struct map_cache {
    struct {
        uint64_t m, n, k;
        const char *fa, *fo;
        cm_terms x;
    } e[MAP_CACHE];
    int n, next;
} map_cache;

static void add_terms(cm_terms *x, const cm_terms *d)
{
    for (int i = 0; i < CM_NMAP; i++) x->map_ns[i] += d->map_ns[i];
    x->traffic_pj += d->traffic_pj, x->load_pj += d->load_pj, x->acc_pj += d->acc_pj;
}

static void mapped_cached(const cm_target *t, map_cache *mc, uint64_t M, uint64_t N, uint64_t K, const char *fa_name,
                          const char *fo_name, const wl_fmt *fa, const wl_fmt *fo, cm_terms *x)
{
    for (int i = 0; mc && i < mc->n; i++)
        if (mc->e[i].m == M && mc->e[i].n == N && mc->e[i].k == K && mc->e[i].fa == fa_name && mc->e[i].fo == fo_name) {
            add_terms(x, &mc->e[i].x);
            return;
        }
    cm_terms d;
    memset(&d, 0, sizeof d);
    cm_gemm_mapped(t, t->arch, M, N, K, fa, fa, fo, 0, 0, &d);
    add_terms(x, &d);
    if (!mc) return;
    int i = mc->n < MAP_CACHE ? mc->n++ : mc->next++ % MAP_CACHE;
    mc->e[i].m = M, mc->e[i].n = N, mc->e[i].k = K, mc->e[i].fa = fa_name, mc->e[i].fo = fo_name, mc->e[i].x = d;
}

static void op_compute(const cm_target *t, const cm_op *op, rate_cache *rc, cm_terms *x, const cm_graph *g,
                       map_cache *mc)
{
    cm_work w = {op->macs, op->b, op->m, op->n, op->k, product_format(t, op), op->flops, op->vcost, 0};
    bool before = x->on_matrix;
    x->on_matrix = false;
    work_compute(t, &w, rc, x);
    /* a fitted model weighs a product's GEMM-mapping terms too: its M (the batches stacked) x N x K as
    ** lpsim maps it, both operands in its first operand's format, C in its result's */
    wl_fmt fa, fo;
    const char *out = op->nout ? lp_format_of(g->tensors[op->out[0]].elem) : NULL;
    if (t->coefs && t->arch && x->on_matrix && w.fmt && !wl_fmt_parse(w.fmt, &fa, NULL) &&
        !wl_fmt_parse(out ? out : "fp32", &fo, NULL))
        mapped_cached(t, mc, op->b * op->m, op->n, op->k, w.fmt, out, &fa, &fo, x);
    x->on_matrix |= before;
}

static bool is_kernel(const cm_op *op) { return op->base != CM_KIND_FREE && op->base != CM_KIND_UNMODELLED; }

static int32_t find(int32_t *parent, int32_t i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* Union by the smaller index: a group's root is its first op. */
static void unite(int32_t *parent, int32_t a, int32_t b)
{
    a = find(parent, a), b = find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

typedef struct mctx {
    const cm_graph *g;
    bool after_products; /* elementwise consumers of a matrix product join its kernel */
    int32_t *parent;     /* per op */
    int32_t *uses;       /* per tensor (its view root): operands of ops that read it, +1 when returned */
    int32_t *user;       /* per tensor: the last op that reads it */
    int32_t *ew_uses;    /* per tensor: the reads of it by elementwise ops */
    int32_t *stamp;      /* per tensor: 1 + the group whose reads reads[] counts */
    int32_t *reads;      /* per tensor: reads of it by the group's members */
    int32_t *lead;       /* per tensor: 1 + the first elementwise reader of a product's result (not fused after it) */
} mctx;

static void groups(mctx *m)
{
    const cm_graph *g = m->g;
    for (int32_t i = 0; i < g->nops; i++) {
        const cm_op *op = &g->ops[i];
        if (!is_kernel(op) || !op->fuse_producer) continue;
        for (int k = 0; k < op->nin; k++) {
            int32_t r = cm_view_root(g, op->in[k]), p = g->tensors[r].producer;
            if (p < 0 || !is_kernel(&g->ops[p]) || g->ops[p].fuse_consumer) continue; /* broadcasts join later */
            if (op->pattern >= 0 && g->patterns[op->pattern].kind == CM_KIND_ATTENTION &&
                (g->patterns[op->pattern].qk == p || g->patterns[op->pattern].pv == p))
                break; /* XLA: the scores leave the product; the softmax is a kernel of its own */
            /* its only reader, or all its readers elementwise: they all join the producer's kernel; after a
            ** product that is a library call, they join each other in a loop kernel of their own */
            if (m->uses[r] != 1 && m->ew_uses[r] != m->uses[r] - g->tensors[r].output) break;
            if (m->after_products || (g->ops[p].base != CM_KIND_MATMUL && g->ops[p].base != CM_KIND_BATCH_MATMUL))
                unite(m->parent, i, p);
            else if (m->lead[r])
                unite(m->parent, i, m->lead[r] - 1);
            else
                m->lead[r] = i + 1;
            break;
        }
    }
    for (int32_t i = g->nops - 1; i >= 0; i--) {
        const cm_op *op = &g->ops[i];
        if (!is_kernel(op) || !op->fuse_consumer || op->nout != 1) continue;
        int32_t r = cm_view_root(g, op->out[0]);
        if (m->uses[r] == 1 && is_kernel(&g->ops[m->user[r]])) unite(m->parent, i, m->user[r]);
    }
    for (int32_t p = 0; p < g->npatterns; p++) {
        const cm_pattern *pt = &g->patterns[p];
        int32_t first = -1;
        for (int32_t k = 0; k < pt->nops; k++)
            if (is_kernel(&g->ops[pt->ops[k]]) && pt->ops[k] != pt->qk && pt->ops[k] != pt->pv) {
                if (first < 0)
                    first = pt->ops[k];
                else
                    unite(m->parent, first, pt->ops[k]);
            }
    }
}

lp_status cm_predict(const cm_graph *g, const cm_target *t, bool fuse, cm_prediction *p, lp_diag *d)
{
    memset(p, 0, sizeof *p);
    int32_t n = g->nops;
    mctx m = {g, t->fuse_after_products, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int32_t *start = NULL;
    map_cache *mc = NULL;
    lp_status st = LP_OK;
    p->rows = calloc((size_t)(n ? n : 1), sizeof *p->rows);
    p->fused_store = malloc((size_t)(n ? n : 1) * sizeof *p->fused_store);
    m.parent = malloc((size_t)(n ? n : 1) * sizeof *m.parent);
    start = calloc((size_t)n + 2, sizeof *start);
    if (!p->rows || !p->fused_store || !m.parent || !start) goto nomem;
    for (int32_t i = 0; i < n; i++) m.parent[i] = i;
    if (fuse) {
        m.uses = calloc((size_t)g->ntensors + 1, sizeof *m.uses);
        m.user = calloc((size_t)g->ntensors + 1, sizeof *m.user);
        m.ew_uses = calloc((size_t)g->ntensors + 1, sizeof *m.ew_uses);
        m.stamp = calloc((size_t)g->ntensors + 1, sizeof *m.stamp);
        m.reads = calloc((size_t)g->ntensors + 1, sizeof *m.reads);
        m.lead = calloc((size_t)g->ntensors + 1, sizeof *m.lead);
        if (!m.uses || !m.user || !m.ew_uses || !m.stamp || !m.reads || !m.lead) goto nomem;
        for (int32_t i = 0; i < n; i++) {
            const cm_op *op = &g->ops[i];
            if (op->base == CM_KIND_FREE) continue;
            for (int k = 0; k < op->nin; k++) {
                int32_t r = cm_view_root(g, op->in[k]);
                m.uses[r]++, m.user[r] = i;
                if (is_kernel(op) && op->fuse_producer) m.ew_uses[r]++;
            }
        }
        for (int32_t t2 = 0; t2 < g->ntensors; t2++)
            if (g->tensors[t2].output) m.uses[cm_view_root(g, t2)]++;
        groups(&m);
    }
    /* the members of each group, in program order, after its root: counting sort by root (the
    ** root is the group's smallest index, so it is final before any member asks) */
    for (int32_t i = 0; i < n; i++) m.parent[i] = find(m.parent, i);
    for (int32_t i = 0; i < n; i++) start[m.parent[i] + 1]++;
    for (int32_t i = 0; i < n; i++) start[i + 1] += start[i];
    for (int32_t i = 0; i < n; i++) p->fused_store[start[m.parent[i]]++] = i;
    for (int32_t i = n; i > 0; i--) start[i] = start[i - 1];
    start[0] = 0;
    rate_cache rc = {NULL, NULL};
    mc = t->coefs ? calloc(1, sizeof *mc) : NULL; /* without it the terms are computed each time */
    bool first = true;
    for (int32_t i = 0; i < n; i++) {
        if (m.parent[i] != i) continue;
        int32_t *mem = p->fused_store + start[i];
        int32_t nmem = start[i + 1] - start[i];
        /* the kernel is named after its first member that is not a broadcast merged into a consumer */
        int32_t lk = 0;
        while (lk + 1 < nmem && g->ops[mem[lk]].fuse_consumer) lk++;
        int32_t li = mem[lk];
        memmove(mem + 1, mem, (size_t)lk * sizeof *mem);
        mem[0] = li;
        cm_row *r = &p->rows[p->nrows++];
        const cm_op *lead = &g->ops[li];
        r->op = li, r->kind = lead->kind, r->fused = mem + 1, r->nfused = nmem - 1;
        r->kernel = is_kernel(lead);
        cm_terms x;
        memset(&x, 0, sizeof x);
        uint64_t bytes = 0, inside = 0;
        for (int32_t k = 0; k < nmem; k++) {
            const cm_op *op = &g->ops[mem[k]];
            r->flops += op->flops, r->macs += op->macs;
            bytes += op->bytes_read + op->bytes_written;
            op_compute(t, op, &rc, &x, g, mc);
            for (int q = 0; nmem > 1 && q < op->nin; q++) {
                int32_t root = cm_view_root(g, op->in[q]);
                if (m.stamp[root] != i + 1) m.stamp[root] = i + 1, m.reads[root] = 0;
                m.reads[root]++;
            }
        }
        /* a result read by members only, and not returned, stays inside the kernel: its write and reads go */
        for (int32_t k = 0; nmem > 1 && k < nmem; k++) {
            const cm_op *op = &g->ops[mem[k]];
            for (int o = 0; o < op->nout; o++) {
                int32_t root = op->out[o];
                if (m.stamp[root] != i + 1 || m.reads[root] != m.uses[root] || g->tensors[root].output) continue;
                inside += cm_tensor_bytes(&g->tensors[root]) * (uint64_t)(1 + m.reads[root]);
            }
        }
        r->bytes = bytes > inside ? bytes - inside : 0;
        if (!r->kernel) continue;
        cm_kernel_memory(t, r->bytes, &x);
        r->compute_ns = x.compute_ns, r->memory_ns = x.memory_ns, r->on_matrix = x.on_matrix, r->l2 = x.l2;
        r->compute_pj = x.compute_pj, r->memory_pj = x.memory_pj;
        /* the power cap: a kernel drawing more than cap_w at clock_ghz runs at the clock that meets it (as
        ** models/arch/power.h: its cycles and energy kept, so its power falls as the clock); its compute
        ** slows by clock_ghz / f, its memory time is the memory's */
        r->clock_ghz = t->clock_ghz;
        double pj = x.compute_pj + x.memory_pj, busy = fmax(r->compute_ns, r->memory_ns);
        if (t->cap_w > 0 && busy > 0 && t->static_w + pj / busy * 1e-3 > t->cap_w) {
            double room = t->cap_w - t->static_w, f = room > 0 ? t->clock_ghz * room / (pj / busy * 1e-3) : 0;
            r->clock_ghz = fmax(f, t->min_clock_ghz);
            r->compute_ns *= t->clock_ghz / r->clock_ghz;
            x.compute_ns = r->compute_ns;
        }
        r->compute_bound = r->compute_ns >= r->memory_ns;
        r->overhead_ns = first ? t->launch_ns : t->gap_ns;
        first = false;
        r->cls = cm_class_of_row(g, r);
        if (t->coefs) {
            r->latency_ns = cm_fit_latency(t->coefs, r->cls, r->overhead_ns, &x);
            r->energy_pj = cm_fit_energy(t->coefs, r->cls, t->static_w, r->latency_ns, &x);
        } else {
            r->latency_ns = fmax(r->compute_ns, r->memory_ns) + r->overhead_ns;
            r->energy_pj = x.compute_pj + x.memory_pj + t->static_w * r->latency_ns * 1e3; /* W x ns = nJ */
        }
        p->kernels++;
        for (int32_t k = 0; k < nmem; k++) p->convs += g->ops[mem[k]].base == CM_KIND_CONV;
        p->latency_ns += r->latency_ns, p->energy_pj += r->energy_pj;
        p->flops += r->flops, p->macs += r->macs, p->bytes += r->bytes;
    }
    p->wall_ns = p->latency_ns + t->host_dispatch_ns + p->convs * t->conv_call_ns;
    goto out;
nomem:
    cm_prediction_free(p);
    st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory predicting");
out:
    free(mc);
    free(m.parent);
    free(m.uses);
    free(m.user);
    free(m.ew_uses);
    free(m.stamp);
    free(m.reads);
    free(m.lead);
    free(start);
    return st;
}

void cm_prediction_free(cm_prediction *p)
{
    free(p->rows);
    free(p->fused_store);
    memset(p, 0, sizeof *p);
}

const char *cm_row_bound(const cm_row *r) { return !r->kernel ? "none" : r->compute_bound ? "compute" : "memory"; }
