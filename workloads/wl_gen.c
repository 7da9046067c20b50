/*
** wl_gen.c — one entry point from a workload to its program (wl_gen.h): the
** kind's mapping, its generator, and the operations' descriptions.
*/
#include "wl_gen.h"

#include <stdio.h>
#include <string.h>

#include "gen_layer.h"
#include "map_attn.h"
#include "map_gemm.h"
#include "map_pim.h"

static void kv_num(wl_op *op, const char *key, uint64_t v)
{
    if (op->nkv == WL_MAX_KV) return;
    wl_kv *k = &op->kv[op->nkv++];
    snprintf(k->key, sizeof k->key, "%s", key);
    k->num = v;
    k->str[0] = 0;
}

static void kv_str(wl_op *op, const char *key, const char *v)
{
    if (op->nkv == WL_MAX_KV) return;
    wl_kv *k = &op->kv[op->nkv++];
    snprintf(k->key, sizeof k->key, "%s", key);
    k->num = 0;
    snprintf(k->str, sizeof k->str, "%s", v);
}

static wl_op *new_op(wl_plan *plan, const char *name, const char *kind, const isa_prog *p)
{
    wl_op *op = &plan->op[plan->nops++];
    memset(op, 0, sizeof *op);
    snprintf(op->name, sizeof op->name, "%s", name);
    snprintf(op->kind, sizeof op->kind, "%s", kind);
    op->first_kernel = (uint32_t)(p->nkernels ? p->nkernels - 1 : 0);
    op->repeat = 1;
    return op;
}

/* A gemm or gemv in the PIM arrays (map_pim.h). */
static lp_status gen_pim(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, const wl_gen_opts *o, isa_prog *p,
                         wl_plan *plan, lp_diag *d)
{
    wl_pim_map m;
    lp_status st = o->plan_only ? wl_pim_gemm_buffers(s, a, g, p, &m, d)
                                : wl_gen_pim_gemm(s, a, g, o->seed, o->functional, p, &m, d);
    if (st) return st;
    plan->insns = o->plan_only ? m.insns * (s->batch ? s->batch : 1) + 1 : p->ninsns;
    char shape[96];
    snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)m.m, (unsigned long long)m.n,
             (unsigned long long)m.k);
    if (m.resident) { /* placed before the timed run: it ran (the values need it) but counts 0 times */
        wl_op *pl = new_op(plan, "place", "pim_place", p);
        pl->first_kernel = 0, pl->nkernels = o->plan_only ? 0 : 1, pl->repeat = 0;
        snprintf(pl->shape, sizeof pl->shape, "%llux%llu", (unsigned long long)m.n, (unsigned long long)m.k);
        kv_str(pl, "unit", "pim"), kv_num(pl, "wbits", (uint64_t)m.wbits), kv_num(pl, "cores", m.cores);
        snprintf(plan->note, sizeof plan->note,
                 "resident weights: placed by kernel 'place' before the run, not counted in the totals (the "
                 "per-unit energy and busy figures still include it)");
    }
    wl_op *op = new_op(plan, "gemm", wl_kind_name(s->kind), p);
    op->first_kernel = m.resident && !o->plan_only ? 1 : 0;
    op->nkernels = (uint32_t)p->nkernels - op->first_kernel;
    snprintf(op->shape, sizeof op->shape, "%s", shape);
    snprintf(op->fmt, sizeof op->fmt, "%s", m.fa.name);
    kv_str(op, "unit", "pim"), kv_num(op, "passes", m.passes), kv_num(op, "rows_per_pass", m.rows_per_pass);
    kv_num(op, "arrays", m.arrays_used), kv_num(op, "cores", m.cores), kv_num(op, "rows_per_core", m.rows_per_core);
    kv_num(op, "batch_rows", m.chunk_m), kv_num(op, "wbits", (uint64_t)m.wbits), kv_num(op, "abits", (uint64_t)m.abits);
    return LP_OK;
}

static lp_status gen_gemm(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                          lp_diag *d)
{
    wl_pim_geom g;
    mf_format fa, fw;
    bool pim = wl_pim_of_arch(a, &g);
    if (pim && !mf_parse(s->in_a.name, &fa, NULL) && !mf_parse(s->in_b.name, &fw, NULL) && wl_pim_takes(&fa, &fw))
        return gen_pim(s, a, &g, o, p, plan, d);
    if (s->resident)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "resident=1 keeps weights in PIM arrays, but this product runs on the host (%s: integer "
                           "in_a and in_b on a chip with PIM arrays go there)",
                           pim ? "its formats" : "no PIM arrays");
    wl_gemm_map m;
    lp_status st = wl_map_gemm(s, a, &m, d);
    if (!st) st = o->plan_only ? wl_gen_gemm_buffers(&m, p, d) : wl_gen_gemm(s, a, &m, o->seed, o->functional, p, d);
    if (st) return st;
    plan->insns = o->plan_only ? m.insns : p->ninsns;
    wl_op *op = new_op(plan, "gemm", wl_kind_name(s->kind), p);
    op->first_kernel = 0;
    op->nkernels = o->plan_only ? 0 : m.cores > 1 || m.split > 1 ? (uint32_t)p->nkernels : 1;
    snprintf(op->shape, sizeof op->shape, "%llux%llux%llu", (unsigned long long)m.m, (unsigned long long)m.n,
             (unsigned long long)m.k);
    snprintf(op->fmt, sizeof op->fmt, "%s", m.fa.name);
    kv_num(op, "tm", m.tm), kv_num(op, "tn", m.tn), kv_num(op, "tk", m.tk);
    kv_str(op, "order", m.order == WL_ORDER_MN ? "mn" : "nm");
    kv_num(op, "split_k", m.split), kv_num(op, "cores", m.cores), kv_num(op, "tiles", m.tiles);
    kv_num(op, "waves", m.waves);
    if (m.band) kv_num(op, "band", m.band);
    if (pim) kv_str(op, "unit", "host");
    return LP_OK;
}

#define ATTN_SLICE_INSNS 4000000 /* instructions of an attention program before it is simulated as a slice */

static lp_status gen_attention(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                               lp_diag *d)
{
    wl_attn_map m;
    wl_attn_over over = {(uint32_t)s->bq, (uint32_t)s->bk};
    wl_attn_bufs b;
    isa_prog_init(p);
    lp_status st = wl_map_attn(s, a, &over, &m, d);
    /* a batch whose program would pass ATTN_SLICE_INSNS instructions runs as
    ** a slice of batch / k (k the least divisor of the batch that fits),
    ** counted k times: the items of a batch are alike */
    uint64_t k = 1, per_item = st ? 0 : (m.keys + m.bk - 1) / m.bk * 20 + 10;
    wl_spec sl = *s;
    while (!st && !o->functional && wl_attn_items(&m) / k * per_item > ATTN_SLICE_INSNS && k < s->batch)
        for (k++; s->batch % k; k++) continue;
    if (!st && k > 1) {
        sl.batch = s->batch / k;
        s = &sl;
        st = wl_map_attn(s, a, &over, &m, d);
    }
    if (!st)
        st = o->plan_only ? wl_attn_declare(&m, p, &b, d)
                          : wl_gen_attn_buffers(s, a, &m, o->seed, o->functional, p, &b, d);
    uint64_t items = wl_attn_items(&m), want = s->cores ? s->cores : a->cores;
    if (!st && want > 1) st = wl_attn_split(p, &m, want, &b, d);
    if (st) return st;
    uint64_t units = items * m.splits, cores = want < units ? want : units;
    if (o->plan_only) { /* the instructions counted, HALT included; refused where they would not fit */
        plan->insns = wl_attn_cores_insns(&m, cores) + 1;
        if (plan->insns > ISA_MAX_INSNS)
            return lp_diag_msg(d, LP_ERR_RANGE, "attention program: %s", lp_status_text(LP_ERR_RANGE));
    } else {
        if (cores > 1 && (st = isa_prog_begin_kernel(p, m.splits > 1 ? "attention_split" : "attention")))
            return lp_diag_msg(d, st, "attention program: %s", lp_status_text(st));
        if ((st = wl_gen_attn_cores(p, &m, &b, cores, cores > 1, d))) return st;
        isa_insn halt = {ISA_HALT, {0}};
        if ((st = isa_prog_add_insn(p, &halt))) return lp_diag_msg(d, st, "attention program: %s", lp_status_text(st));
        plan->insns = p->ninsns;
    }
    wl_op *op = new_op(plan, "attention", "attention", p);
    op->first_kernel = 0;
    op->nkernels = o->plan_only ? 0 : m.splits > 1 ? (uint32_t)p->nkernels : 1;
    snprintf(op->shape, sizeof op->shape, "b%llu h%llu kv%llu d%llu q%llu k%llu", (unsigned long long)m.batch,
             (unsigned long long)m.heads, (unsigned long long)m.kv_heads, (unsigned long long)m.head_dim,
             (unsigned long long)m.seq, (unsigned long long)m.keys);
    snprintf(op->fmt, sizeof op->fmt, "%s", m.fin.name);
    kv_num(op, "bq", m.bq), kv_num(op, "bk", m.bk), kv_num(op, "items", items), kv_num(op, "cores", cores);
    kv_num(op, "waves", (units + cores - 1) / cores);
    if (m.splits > 1) kv_num(op, "kv_splits", m.splits);
    if (k > 1) {
        op->repeat = k, op->slice = true;
        snprintf(plan->note, sizeof plan->note,
                 "simulated for batch %llu of %llu and counted %llu times (a program of the whole batch would be too "
                 "large)",
                 (unsigned long long)sl.batch, (unsigned long long)sl.batch * k, (unsigned long long)k);
    }
    kv_str(op, "causal", m.causal ? "yes" : "no");
    return LP_OK;
}

lp_status wl_generate(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan, lp_diag *d)
{
    memset(plan, 0, sizeof *plan);
    if (s->cores > a->cores) {
        isa_prog_init(p);
        return lp_diag_msg(d, LP_ERR_ARG, "cores=%llu: %s has %llu cores", (unsigned long long)s->cores, a->name,
                           (unsigned long long)a->cores);
    }
    switch (s->kind) {
    case WL_GEMM:
    case WL_GEMV: return gen_gemm(s, a, o, p, plan, d);
    case WL_ATTENTION: return gen_attention(s, a, o, p, plan, d);
    case WL_LAYER:
    case WL_MODEL: return wl_gen_layer(s, a, o, p, plan, d);
    default:
        isa_prog_init(p);
        return lp_diag_msg(d, LP_ERR_ARG, "%s workloads are parsed and counted but not mapped yet",
                           wl_kind_name(s->kind));
    }
}
