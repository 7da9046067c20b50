/*
** cm_pattern.c — patterns found across ops, after every op is counted.
**
** Softmax: a division (or a product with a reciprocal) of an exp by a
** broadcast sum of that same exp, where the exp's argument may be x minus a
** broadcast maximum of x (the stable form JAX and PyTorch emit). Attention: a
** softmax whose x comes from a product (Q K^T) through elementwise ops (the
** scale, a mask's select or add: ops with one operand on the path and the
** others constants, masks or broadcasts), and whose result feeds, through
** conversions, the first operand of another product (with V). Views,
** broadcasts and conversions between the ops are looked through and join the
** pattern. An op belongs to one pattern at most; the ops of a pattern are
** reported with its kind, and --fuse costs them as one kernel.
**
** Left out: softmax written as exp(x - logsumexp(x)), attention whose scores
** pass through a reduction (ALiBi computed inline is fine), and attention
** whose softmax is a single op (linalg.softmax stays a softmax).
*/
#include <stdlib.h>
#include <string.h>

#include "cm_count.h"

#define MAX_CHAIN 64 /* ops looked through in one chain */
#define QK_DEPTH 12  /* elementwise ops between the product Q K^T and the softmax */

typedef struct pctx {
    cm_graph *g;
    int32_t *cstart, *clist; /* consumers of tensor t: clist[cstart[t] .. cstart[t + 1]) */
    int32_t *mark;           /* per op: the attempt that took it */
    int32_t attempt;
    int32_t *mem; /* members of the current attempt */
    int32_t nmem, cap;
    int budget; /* producers find_qk may still visit in this attempt */
    bool nomem;
} pctx;

static const char *const exps[] = {"stablehlo.exponential", "math.exp", "tosa.exp", NULL};
static const char *const divs[] = {"stablehlo.divide", "arith.divf", "chlo.broadcast_divide", NULL};
static const char *const muls[] = {"stablehlo.multiply", "arith.mulf", "tosa.mul", NULL};
static const char *const recips[] = {"tosa.reciprocal", NULL};
static const char *const subs[] = {"stablehlo.subtract", "arith.subf", "tosa.sub", NULL};
static const char *const sum_ops[] = {"stablehlo.add", "arith.addf", "tosa.reduce_sum", NULL};
static const char *const max_ops[] = {"stablehlo.maximum", "arith.maximumf", "arith.maxnumf", "tosa.reduce_max", NULL};

static bool named(const cm_op *op, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(op->name, *names)) return true;
    return false;
}

static cm_op *producer(pctx *c, int32_t t)
{
    int32_t p = c->g->tensors[t].producer;
    return p >= 0 ? &c->g->ops[p] : NULL;
}

static int32_t index_of(pctx *c, const cm_op *op) { return (int32_t)(op - c->g->ops); }

static void take(pctx *c, const cm_op *op)
{
    int32_t i = index_of(c, op);
    if (c->mark[i] == c->attempt) return;
    if (c->nmem == c->cap) {
        int32_t cap = c->cap ? 2 * c->cap : 64;
        int32_t *p = realloc(c->mem, (size_t)cap * sizeof *p);
        if (!p) {
            c->nomem = true;
            return;
        }
        c->mem = p, c->cap = cap;
    }
    c->mark[i] = c->attempt;
    c->mem[c->nmem++] = i;
}

/* Views, broadcasts and conversions pass a value on unchanged in substance. */
static bool transparent(const cm_op *op)
{
    return (op->base == CM_KIND_FREE && op->nin >= 1) || op->fuse_consumer ||
           (op->base == CM_KIND_ELEMENTWISE && op->nin == 1 && op->flops == 0);
}

/* t looked through transparent ops (each taken when keep). */
static int32_t strip(pctx *c, int32_t t, bool keep)
{
    for (int n = 0; n < MAX_CHAIN; n++) {
        cm_op *p = producer(c, t);
        if (!p || !transparent(p) || p->pattern >= 0) return t;
        if (keep) take(c, p);
        t = p->in[0];
    }
    return t;
}

/* A constant, seen through transparent ops. */
static bool constant(pctx *c, int32_t t)
{
    cm_op *p = producer(c, strip(c, t, false));
    return p && p->base == CM_KIND_FREE && p->nin == 0;
}

/* A reduction whose body (or name) combines with one of names; its input stripped. */
static bool reduction_of(pctx *c, const cm_op *op, const char *const *names, int32_t *input)
{
    if (!op || op->base != CM_KIND_REDUCTION || op->nin < 1 || op->pattern >= 0) return false;
    bool ok = named(op, names);
    for (int i = 0; i < op->nbody && !ok; i++)
        for (const char *const *n = names; *n && !ok; n++) ok = !strcmp(op->body[i], *n);
    if (ok) *input = strip(c, op->in[0], false);
    return ok;
}

/* The softmax whose last op is d: its members taken, *src its x. */
static bool softmax_at(pctx *c, const cm_op *d, int32_t *src)
{
    int32_t e = -1, s = -1;
    int r_at = -1; /* the operand of d that is the reciprocal of the sum, in e * (1 / sum) */
    if (named(d, divs) && d->nin == 2) {
        e = d->in[0], s = d->in[1];
    } else if (named(d, muls) && d->nin == 2) {
        for (int a = 0; a < 2 && s < 0; a++) {
            cm_op *r = producer(c, strip(c, d->in[1 - a], false));
            if (r && named(r, recips) && r->nin == 1 && r->pattern < 0) e = d->in[a], s = r->in[0], r_at = 1 - a;
        }
    }
    if (s < 0) return false;
    int32_t et = strip(c, e, false);
    cm_op *exp = producer(c, et), *sum = producer(c, strip(c, s, false));
    int32_t in;
    if (!exp || !named(exp, exps) || exp->nin != 1 || exp->pattern >= 0 || !reduction_of(c, sum, sum_ops, &in) ||
        in != et)
        return false;
    strip(c, e, true), strip(c, s, true);
    if (r_at >= 0) take(c, producer(c, strip(c, d->in[r_at], true)));
    take(c, d), take(c, exp), take(c, sum);
    int32_t x = strip(c, exp->in[0], true);
    cm_op *sub = producer(c, x);
    *src = x;
    if (sub && named(sub, subs) && sub->nin == 2 && sub->pattern < 0) {
        int32_t a = strip(c, sub->in[0], false), b = strip(c, sub->in[1], false);
        /* the maximum, through ops that combine it with a constant (max(-inf, m)) */
        cm_op *mx = producer(c, b);
        for (int n = 0; n < MAX_CHAIN && mx && mx->base == CM_KIND_ELEMENTWISE && mx->nin == 2 && mx->pattern < 0;
             n++) {
            int k = constant(c, mx->in[0]) ? 1 : constant(c, mx->in[1]) ? 0 : -1;
            if (k < 0) break;
            b = strip(c, mx->in[k], false);
            mx = producer(c, b);
        }
        int32_t m_in;
        if (reduction_of(c, mx, max_ops, &m_in) && m_in == a) {
            take(c, sub);
            strip(c, sub->in[0], true);
            /* the ops between the maximum and the subtraction */
            for (int32_t t = strip(c, sub->in[1], true); producer(c, t) && producer(c, t) != mx;) {
                cm_op *p = producer(c, t);
                take(c, p);
                int k = constant(c, p->in[0]) ? 1 : 0;
                t = strip(c, p->in[k], true);
            }
            take(c, mx);
            *src = a;
        }
    }
    return !c->nomem;
}

/* A product reached back from t through elementwise ops (the path taken). */
static cm_op *find_qk(pctx *c, int32_t t, int depth)
{
    t = strip(c, t, false);
    cm_op *p = producer(c, t);
    if (!p || p->pattern >= 0 || depth > QK_DEPTH || --c->budget < 0) return NULL;
    if (p->base == CM_KIND_MATMUL || p->base == CM_KIND_BATCH_MATMUL) return p;
    if (p->base != CM_KIND_ELEMENTWISE) return NULL;
    for (int i = 0; i < p->nin; i++) {
        if (constant(c, p->in[i])) continue;
        cm_op *q = find_qk(c, p->in[i], depth + 1);
        if (q) {
            take(c, p);
            strip(c, p->in[i], true);
            return q;
        }
    }
    return NULL;
}

/* The product fed by t through conversions and views (each taken). */
static cm_op *find_pv(pctx *c, int32_t t)
{
    for (int n = 0; n < MAX_CHAIN; n++) {
        int32_t n0 = c->cstart[t], n1 = c->cstart[t + 1];
        if (n1 - n0 != 1) return NULL;
        cm_op *u = &c->g->ops[c->clist[n0]];
        if (u->pattern >= 0) return NULL;
        if ((u->base == CM_KIND_MATMUL || u->base == CM_KIND_BATCH_MATMUL) && u->nin >= 2 && u->in[0] == t) return u;
        if (!transparent(u) || u->nout != 1 || u->in[0] != t) return NULL;
        take(c, u);
        t = u->out[0];
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static bool record(pctx *c, cm_kind kind, const cm_op *qk, const cm_op *pv)
{
    cm_graph *g = c->g;
    cm_pattern *p = realloc(g->patterns, (size_t)(g->npatterns + 1) * sizeof *p);
    int32_t *ops = cm_alloc(g, (size_t)c->nmem * sizeof *ops);
    if (!p || !ops) {
        if (p) g->patterns = p;
        return false;
    }
    g->patterns = p;
    memcpy(ops, c->mem, (size_t)c->nmem * sizeof *ops);
    qsort(ops, (size_t)c->nmem, sizeof *ops, by_value);
    cm_pattern *pt = &g->patterns[g->npatterns];
    memset(pt, 0, sizeof *pt);
    pt->kind = kind, pt->nops = c->nmem, pt->ops = ops, pt->qk = pt->pv = -1;
    if (qk) {
        pt->qk = index_of(c, qk), pt->pv = index_of(c, pv);
        pt->batch = qk->b, pt->q_len = qk->m, pt->kv_len = qk->n, pt->head_dim = qk->k;
    }
    for (int32_t i = 0; i < c->nmem; i++) {
        g->ops[c->mem[i]].pattern = g->npatterns;
        g->ops[c->mem[i]].kind = kind;
    }
    g->npatterns++;
    return true;
}

static bool consumers(pctx *c)
{
    cm_graph *g = c->g;
    size_t uses = 0;
    for (int32_t i = 0; i < g->nops; i++) uses += (size_t)g->ops[i].nin;
    c->cstart = calloc((size_t)g->ntensors + 1, sizeof *c->cstart);
    c->clist = malloc((uses ? uses : 1) * sizeof *c->clist);
    if (!c->cstart || !c->clist) return false;
    for (int32_t i = 0; i < g->nops; i++)
        for (int k = 0; k < g->ops[i].nin; k++) c->cstart[g->ops[i].in[k] + 1]++;
    for (int32_t t = 0; t < g->ntensors; t++) c->cstart[t + 1] += c->cstart[t];
    int32_t *fill = malloc(((size_t)g->ntensors + 1) * sizeof *fill);
    if (!fill) return false;
    memcpy(fill, c->cstart, ((size_t)g->ntensors + 1) * sizeof *fill);
    for (int32_t i = 0; i < g->nops; i++)
        for (int k = 0; k < g->ops[i].nin; k++) c->clist[fill[g->ops[i].in[k]]++] = i;
    free(fill);
    return true;
}

lp_status cm_find_patterns(cm_graph *g, lp_diag *d)
{
    pctx c = {.g = g};
    lp_status st = LP_OK;
    c.mark = malloc(((size_t)g->nops + 1) * sizeof *c.mark);
    if (!c.mark || !consumers(&c)) goto nomem;
    for (int32_t i = 0; i < g->nops; i++) c.mark[i] = -1;
    for (int32_t i = 0; i < g->nops; i++) {
        const cm_op *op = &g->ops[i];
        if (op->pattern >= 0 || !(named(op, divs) || named(op, muls))) continue;
        c.attempt = i, c.nmem = 0, c.budget = 4096;
        int32_t src;
        if (!softmax_at(&c, op, &src)) {
            if (c.nomem) goto nomem;
            continue;
        }
        int32_t soft = c.nmem;
        cm_op *qk = find_qk(&c, src, 0), *pv = qk ? find_pv(&c, op->out[0]) : NULL;
        if (c.nomem) goto nomem;
        if (qk && pv) {
            take(&c, qk), take(&c, pv);
        } else {
            /* a softmax alone: forget what the search for Q K^T and V took */
            for (int32_t k = soft; k < c.nmem; k++) c.mark[c.mem[k]] = -1;
            c.nmem = soft, qk = pv = NULL;
        }
        if (c.nomem || !record(&c, qk ? CM_KIND_ATTENTION : CM_KIND_SOFTMAX, qk, pv)) goto nomem;
    }
    goto out;
nomem:
    st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory finding patterns");
out:
    free(c.mark);
    free(c.cstart);
    free(c.clist);
    free(c.mem);
    return st;
}
