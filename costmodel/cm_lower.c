/*
** cm_lower.c — a counted graph into lpsim workloads (cm_lower.h).
**
** The contraction view the counter already gives every product (b, m, n, k;
** a convolution's by im2col) is the gemm's shape, so a product lowers
** without looking at its dialect again; only an attention's split of its
** batch into batch and heads reads Q K^T's dimension numbers. Sizes past a
** key's range (wl_keys.def, read here so that the two never disagree) are
** split into runs of the largest divisor that fits: exact, where rounding
** up would simulate work the graph does not do. Identical specs are found
** by a hash on their text.
**
** Left out: the layout of B (layout=): no cycle of the GEMM mapping depends
** on it; grouped-query attention as such (the products see K and V already
** broadcast to every query head); masks other than causal.
*/
#include "cm_lower.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_num.h"
#include "workload.h"

/* MLIR element types and the lpsim formats (lpsim formats) they lower to. */
static const struct {
    const char *elem, *fmt;
} formats[] = {
    /* MLIR             lpsim */
    {"bf16", "bf16"},
    {"f16", "fp16"},
    {"f32", "fp32"},
    {"f8E4M3FN", "fp8_e4m3fn"},
    {"f8E5M2", "fp8_e5m2"},
    {"f8E4M3FNUZ", "fp8_e4m3fnuz"},
    {"f8E5M2FNUZ", "fp8_e5m2fnuz"},
    {"f8E4M3B11FNUZ", "fp8_e4m3b11fnuz"},
    {"f8E4M3", "fp8_e4m3"},
    {"f8E3M4", "fp8_e3m4"},
    {"f6E2M3FN", "fp6_e2m3fn"},
    {"f6E3M2FN", "fp6_e3m2fn"},
    {"f4E2M1FN", "fp4_e2m1fn"},
    {"i8", "int8"},
    {"si8", "int8"},
    {"i4", "int4"},
    {"si4", "int4"},
    {"i2", "int2"},
    {"i1", "int1"},
};

/* The input format the mappings are given in place of f32, which none takes. */
#define F32_INPUT "bf16"

/* The ranges of the keys written, from their rows. */
static const struct {
    const char *name;
    uint64_t lo, hi;
} keys[] = {
#define WL_KEY(id, kinds, when, name, type, lo, hi, choices, def, field, doc) {name, lo, hi},
#include "wl_keys.def"
#undef WL_KEY
};

static uint64_t key_max(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(keys[i].name, name)) return keys[i].hi;
    return 0;
}

const char *cm_lower_format_at(int i, const char **elem)
{
    if (i < 0 || (size_t)i >= sizeof formats / sizeof formats[0]) return NULL;
    *elem = formats[i].elem;
    return formats[i].fmt;
}

const char *cm_lower_format(const char *elem)
{
    for (size_t i = 0; elem && i < sizeof formats / sizeof formats[0]; i++)
        if (!strcmp(formats[i].elem, elem)) return formats[i].fmt;
    return NULL;
}

const char *cm_op_shapes(const cm_graph *g, const cm_op *op, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    int i = 0;
    for (; i < op->nin + op->nout && at + 8 < n; i++) {
        const char *sep = i == 0 ? "" : i == op->nin ? " -> " : ", ";
        if (i == 0 && op->nin == 0) sep = "-> ";
        char t[256];
        cm_tensor_str(&g->tensors[i < op->nin ? op->in[i] : op->out[i - op->nin]], t, sizeof t);
        int w = snprintf(buf + at, n - at, "%s%s", sep, t);
        at += w > 0 ? (size_t)w : 0;
    }
    if ((i < op->nin + op->nout || at >= n) && n >= 4) strcpy(buf + n - 4, "..."); /* cut short */
    return buf;
}

typedef struct lctx {
    const cm_graph *g;
    cm_lowering *l;
    int32_t icap, scap, ecap;
    int32_t *slot; /* open addressing over entries by spec; -1 free */
    size_t nslot;
    bool nomem;
} lctx;

static const cm_tensor *T(const cm_graph *g, int32_t t) { return &g->tensors[t]; }

static uint64_t fnv1a(const char *s) { return lp_fnv1a64(s, strlen(s)); }

/* The entry of spec (a new one for a new spec, first item first). -1 out of memory. */
static int32_t entry_of(lctx *c, const char *spec, int32_t item)
{
    cm_lowering *l = c->l;
    if ((size_t)l->nentries * 2 + 2 > c->nslot) {
        size_t ns = c->nslot ? 2 * c->nslot : 256;
        int32_t *s = malloc(ns * sizeof *s);
        if (!s) return -1;
        for (size_t i = 0; i < ns; i++) s[i] = -1;
        for (int32_t e = 0; e < l->nentries; e++) {
            size_t h = (size_t)fnv1a(l->items[l->entries[e].first].spec) & (ns - 1);
            while (s[h] >= 0) h = (h + 1) & (ns - 1);
            s[h] = e;
        }
        free(c->slot);
        c->slot = s, c->nslot = ns;
    }
    size_t h = (size_t)fnv1a(spec) & (c->nslot - 1);
    while (c->slot[h] >= 0 && strcmp(l->items[l->entries[c->slot[h]].first].spec, spec)) h = (h + 1) & (c->nslot - 1);
    if (c->slot[h] >= 0) return c->slot[h];
    if (!cm_grow((void **)&l->entries, &c->ecap, l->nentries, sizeof *l->entries)) return -1;
    l->entries[l->nentries] = (cm_lower_entry){item, item, 0, 0};
    c->slot[h] = l->nentries;
    return l->nentries++;
}

static void skip(lctx *c, int32_t op, int32_t pattern, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void skip(lctx *c, int32_t op, int32_t pattern, const char *fmt, ...)
{
    cm_lowering *l = c->l;
    if (!cm_grow((void **)&l->skipped, &c->scap, l->nskipped, sizeof *l->skipped)) {
        c->nomem = true;
        return;
    }
    cm_unlowered *u = &l->skipped[l->nskipped++];
    u->op = op, u->pattern = pattern;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->reason, sizeof u->reason, fmt, ap);
    va_end(ap);
}

/* Append the item it (spec, note, op, pattern, repeat filled) to its entry. */
static void add(lctx *c, const cm_lowered *it)
{
    wl_spec s;
    lp_diag d;
    lp_diag_init(&d, "<workload>");
    if (wl_parse_inline(it->spec, "<workload>", 1, 1, &s, &d)) {
        skip(c, it->op, it->pattern, "lpsim lower wrote '%.100s', which the parser refuses (a bug): %.60s", it->spec,
             d.msg);
        return;
    }
    cm_lowering *l = c->l;
    if (!cm_grow((void **)&l->items, &c->icap, l->nitems, sizeof *l->items)) {
        c->nomem = true;
        return;
    }
    int32_t i = l->nitems;
    l->items[i] = *it;
    l->items[i].next = -1;
    int32_t e = entry_of(c, it->spec, i);
    if (e < 0) {
        c->nomem = true;
        return;
    }
    cm_lower_entry *en = &l->entries[e];
    if (en->nitems) l->items[en->last].next = i, en->last = i;
    l->items[i].entry = e;
    en->nitems++, en->repeat += it->repeat;
    l->nitems++;
}

/* The input format of elem: f32 as F32_INPUT (*sub set), NULL when none. */
static const char *fmt_in(const char *elem, bool *sub)
{
    if (elem && !strcmp(elem, "f32")) return *sub = true, F32_INPUT;
    return cm_lower_format(elem);
}

/* x as runs of per <= max, per the largest divisor of x that fits: false
** when there is none of at least a quarter of max (a prime x past max, say:
** thousands of runs of a sliver, each with its launch, would stand for x
** badly) or none within a million runs of the fewest. */
static bool split(uint64_t x, uint64_t max, uint64_t *per, uint64_t *runs)
{
    if (x <= max) return *per = x, *runs = 1, true;
    uint64_t r0 = (x + max - 1) / max, least = (max + 3) / 4;
    for (uint64_t r = r0; r < r0 + 1000000 && x / r >= least; r++)
        if (x % r == 0) return *per = x / r, *runs = r, true;
    return false;
}

/* Append ", "-separated text to a note. */
static void note_add(char *note, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note_add(char *note, const char *fmt, ...)
{
    size_t n = strlen(note);
    if (n && n + 2 < CM_NOTE_MAX) strcpy(note + n, "; "), n += 2;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note + n, CM_NOTE_MAX - n, fmt, ap);
    va_end(ap);
}

#define ULL(x) ((unsigned long long)(x))

static void lower_product(lctx *c, int32_t i, const char *extra)
{
    const cm_graph *g = c->g;
    const cm_op *op = &g->ops[i];
    if (op->nin < 2 || op->nout < 1) {
        skip(c, i, -1, "a product without two operands and a result");
        return;
    }
    const char *ea = T(g, op->in[0])->elem, *eb = T(g, op->in[1])->elem, *eo = T(g, op->out[0])->elem;
    bool sub = false;
    const char *fa = fmt_in(ea, &sub), *fb = fmt_in(eb, &sub), *fo = cm_lower_format(eo);
    if (!fa || !fb || !fo) {
        skip(c, i, -1, "element type %s has no lpsim format", !fa ? ea : !fb ? eb : eo);
        return;
    }
    if (!op->b || !op->m || !op->n || !op->k) {
        skip(c, i, -1, "an empty product (a size of 0)");
        return;
    }
    if (op->k > key_max("K")) {
        skip(c, i, -1, "K = %llu is past the gemm workload's %llu (a split reduction is not lowered)", ULL(op->k),
             ULL(key_max("K")));
        return;
    }
    uint64_t b, m, n, rb, rm, rn;
    if (!split(op->b, key_max("batch"), &b, &rb) || !split(op->m, key_max("M"), &m, &rm) ||
        !split(op->n, key_max("N"), &n, &rn)) {
        skip(c, i, -1, "a size past its key's range without a divisor that fits (b %llu, m %llu, n %llu)", ULL(op->b),
             ULL(op->m), ULL(op->n));
        return;
    }
    cm_lowered it = {.op = i, .pattern = -1, .repeat = rb * rm * rn, .f32_inputs = sub};
    if (op->base == CM_KIND_CONV)
        note_add(it.note, "im2col: M = batch x output positions, N = output features, K = window x input features%s",
                 op->b > 1 ? ", per group; the groups as batch" : "");
    if (sub) note_add(it.note, "f32 inputs run as " F32_INPUT " (the GEMM mapping takes no f32 inputs)");
    if (rb > 1) note_add(it.note, "batch %llu as %llu runs of batch=%llu", ULL(op->b), ULL(rb), ULL(b));
    if (rm > 1) note_add(it.note, "M %llu as %llu runs of M=%llu", ULL(op->m), ULL(rm), ULL(m));
    if (rn > 1) note_add(it.note, "N %llu as %llu runs of N=%llu", ULL(op->n), ULL(rn), ULL(n));
    if (extra) note_add(it.note, "%s", extra);
    if (m == 1 && b == 1)
        snprintf(it.spec, sizeof it.spec, "gemv N=%llu K=%llu in_a=%s in_b=%s out=%s", ULL(n), ULL(op->k), fa, fb, fo);
    else if (b == 1)
        snprintf(it.spec, sizeof it.spec, "gemm M=%llu N=%llu K=%llu in_a=%s in_b=%s out=%s", ULL(m), ULL(n),
                 ULL(op->k), fa, fb, fo);
    else
        snprintf(it.spec, sizeof it.spec, "gemm M=%llu N=%llu K=%llu batch=%llu in_a=%s in_b=%s out=%s", ULL(m), ULL(n),
                 ULL(op->k), ULL(b), fa, fb, fo);
    add(c, &it);
}

static bool named_any(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(name, *names)) return true;
    return false;
}

/* A mask on the scores: an elementwise member (not a product) that selects
** or adds, by name or in a linalg body. */
static bool has_mask(const cm_graph *g, const cm_pattern *p)
{
    static const char *const masks[] = {"stablehlo.select", "stablehlo.add", "arith.select",       "arith.addf",
                                        "tosa.select",      "tosa.add",      "chlo.broadcast_add", NULL};
    static const char *const body[] = {"arith.select", "arith.addf", NULL};
    for (int32_t k = 0; k < p->nops; k++) {
        const cm_op *op = &g->ops[p->ops[k]];
        if (p->ops[k] == p->qk || p->ops[k] == p->pv || op->base != CM_KIND_ELEMENTWISE) continue;
        if (named_any(op->name, masks)) return true;
        for (int j = 0; op->linalg && j < op->nbody; j++)
            if (named_any(op->body[j], body)) return true;
    }
    return false;
}

/* Q K^T's batch as (batch, heads): its last batching dimension the heads,
** the others the batch (stablehlo.dot_general); else (1, b). */
static void batch_heads(const cm_graph *g, const cm_op *qk, uint64_t *batch, uint64_t *heads)
{
    *batch = 1, *heads = qk->b;
    const char *dn = cm_op_attr(qk, "dot_dimension_numbers"), *s;
    if (!dn || !(s = strstr(dn, "lhs_batching_dimensions = ["))) return;
    s = strchr(s, '[') + 1;
    const cm_tensor *l = T(g, qk->in[0]);
    uint64_t prod = 1, last = 1;
    for (int n = 0; n < 16; n++) {
        char *e;
        long x = strtol(s, &e, 10);
        if (e == s || x < 0 || x >= l->rank || l->dims[x] < 1) return;
        prod *= last, last = (uint64_t)l->dims[x];
        s = e;
        while (*s == ' ') s++;
        if (*s == ']') break;
        if (*s++ != ',') return;
    }
    if (prod * last == qk->b) *batch = prod, *heads = last;
}

/* The attention workload of pattern p into *it; false with why filled when
** the workload cannot take it. */
static bool plan_attention(const cm_graph *g, const cm_pattern *p, cm_lowered *it, char *why, size_t nwhy)
{
    const cm_op *qk = &g->ops[p->qk], *pv = &g->ops[p->pv];
    uint64_t q = p->q_len, kv = p->kv_len, D = p->head_dim, BH = p->batch;
    if (qk->nin < 2 || pv->nin < 2 || pv->nout < 1) return snprintf(why, nwhy, "its products lack operands"), false;
    if (pv->b != BH || pv->m != q || pv->k != kv)
        return snprintf(why, nwhy, "its products do not make one attention (P V is %llu x (%llu x %llu)(%llu x %llu))",
                        ULL(pv->b), ULL(pv->m), ULL(pv->k), ULL(pv->k), ULL(pv->n)),
               false;
    if (pv->n != D)
        return snprintf(why, nwhy, "V's width %llu differs from Q's %llu: the attention workload has one head_dim",
                        ULL(pv->n), ULL(D)),
               false;
    if (q > 1 && q != kv)
        return snprintf(why, nwhy,
                        "%llu queries against %llu keys: the attention workload's prefill has as many queries as "
                        "keys, its decode one query",
                        ULL(q), ULL(kv)),
               false;
    uint64_t len = q > 1 ? q : kv, lmax = key_max(q > 1 ? "seq" : "ctx");
    if (D > key_max("head_dim") || len > lmax)
        return snprintf(why, nwhy, "head width %llu or length %llu past the attention workload's %llu and %llu", ULL(D),
                        ULL(len), ULL(key_max("head_dim")), ULL(lmax)),
               false;
    const char *eq = T(g, qk->in[0])->elem, *ek = T(g, qk->in[1])->elem, *ev = T(g, pv->in[1])->elem,
               *eo = T(g, pv->out[0])->elem;
    if (strcmp(ek, ev))
        return snprintf(why, nwhy, "K (%s) and V (%s) differ in element type: the workload has one kv format", ek, ev),
               false;
    bool sub = false;
    const char *fq = fmt_in(eq, &sub), *fk = fmt_in(ek, &sub), *fo = cm_lower_format(eo);
    if (!fq || !fk || !fo)
        return snprintf(why, nwhy, "element type %s has no lpsim format", !fq ? eq : !fk ? ek : eo), false;
    uint64_t batch, heads, hmax = key_max("heads"), bmax = key_max("batch"), per, runs;
    batch_heads(g, qk, &batch, &heads);
    if (q == 0 || kv == 0 || D == 0 || BH == 0) return snprintf(why, nwhy, "an empty attention (a size of 0)"), false;
    uint64_t heads0 = heads, hr = 1;
    if (heads > hmax) {
        uint64_t h;
        if (!split(heads, hmax, &h, &hr))
            return snprintf(why, nwhy, "heads %llu past the workload's %llu without a divisor that fits", ULL(heads),
                            ULL(hmax)),
                   false;
        heads = h, batch *= hr;
    }
    if (!split(batch, bmax, &per, &runs))
        return snprintf(why, nwhy, "batch x heads %llu has no split into the workload's ranges", ULL(BH)), false;
    it->repeat = runs, it->f32_inputs = sub;
    it->note[0] = 0;
    if (hr > 1)
        note_add(it->note, "heads %llu as %llu x %llu, the %llu into batch", ULL(heads0), ULL(hr), ULL(heads), ULL(hr));
    bool mask = has_mask(g, p);
    if (q > 1) {
        note_add(it->note, mask ? "a mask on the scores: causal" : "no mask: causal=0");
        snprintf(it->spec, sizeof it->spec,
                 "attention kind=prefill batch=%llu heads=%llu kv_heads=%llu head_dim=%llu seq=%llu causal=%d in=%s "
                 "kv=%s out=%s",
                 ULL(per), ULL(heads), ULL(heads), ULL(D), ULL(q), mask ? 1 : 0, fq, fk, fo);
    } else {
        snprintf(it->spec, sizeof it->spec,
                 "attention kind=decode batch=%llu heads=%llu kv_heads=%llu head_dim=%llu ctx=%llu in=%s kv=%s out=%s",
                 ULL(per), ULL(heads), ULL(heads), ULL(D), ULL(kv), fq, fk, fo);
    }
    if (sub) note_add(it->note, "f32 inputs run as " F32_INPUT " (the attention mapping takes no f32 inputs)");
    if (runs > 1) note_add(it->note, "batch %llu as %llu runs of batch=%llu", ULL(batch), ULL(runs), ULL(per));
    return true;
}

lp_status cm_lower(const cm_graph *g, cm_lowering *out, lp_diag *d)
{
    memset(out, 0, sizeof *out);
    lctx c = {.g = g, .l = out};
    bool *ok = calloc((size_t)g->npatterns + 1, sizeof *ok);
    cm_lowered *plan = calloc((size_t)g->npatterns + 1, sizeof *plan);
    char(*why)[CM_NOTE_MAX] = calloc((size_t)g->npatterns + 1, sizeof *why);
    if (!ok || !plan || !why) goto nomem;
    for (int32_t p = 0; p < g->npatterns; p++)
        if (g->patterns[p].kind == CM_KIND_ATTENTION) {
            ok[p] = plan_attention(g, &g->patterns[p], &plan[p], why[p], sizeof why[p]);
            plan[p].op = g->patterns[p].qk, plan[p].pattern = p;
        }
    for (int32_t i = 0; i < g->nops && !c.nomem; i++) {
        const cm_op *op = &g->ops[i];
        int32_t p = op->pattern;
        bool product = op->base == CM_KIND_MATMUL || op->base == CM_KIND_BATCH_MATMUL || op->base == CM_KIND_CONV;
        if (p >= 0 && g->patterns[p].kind == CM_KIND_ATTENTION) {
            if (ok[p]) {
                out->covered++;
                if (i == g->patterns[p].qk) add(&c, &plan[p]);
                continue;
            }
            if (i == g->patterns[p].qk) skip(&c, i, p, "%s; its two products are lowered as GEMMs", why[p]);
            if (product) {
                char note[80];
                snprintf(note, sizeof note, "a product of the attention at line %d, not lowered as one",
                         g->ops[g->patterns[p].qk].line);
                lower_product(&c, i, note);
            } else {
                out->by_design[op->kind]++;
            }
        } else if (op->kind == CM_KIND_UNMODELLED) {
            skip(&c, i, -1, "unmodelled: %s", op->reason ? op->reason : "");
        } else if (product) {
            lower_product(&c, i, NULL);
        } else {
            out->by_design[op->kind]++;
        }
    }
    if (c.nomem) goto nomem;
    free(ok), free(plan), free(why), free(c.slot);
    return LP_OK;
nomem:
    free(ok), free(plan), free(why), free(c.slot);
    return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory lowering the graph");
}

void cm_lowering_free(cm_lowering *l)
{
    free(l->items), free(l->skipped), free(l->entries);
    memset(l, 0, sizeof *l);
}
