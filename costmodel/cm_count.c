/*
** cm_count.c — the cost rules: each op's kind, FLOPs, multiply-adds and bytes
** from its tensors, its attributes (read from the text MLIR prints) and, for
** linalg, its loops and maps. One rule per row kind of cm_ops.def.
**
** Conventions (docs/costmodel.md): a product counts 2 FLOPs per multiply-add
** (mlir_index.csv's matmul_flops); an elementwise op its table FLOPs per
** result element; a reduction one FLOP per input element and body op. Bytes
** are the tensors an op reads and writes as if alone (no cache, no fusion:
** the model fuses). A dynamic or unranked shape makes an op unmodelled, as
** does an attribute that cannot be read: never a guess.
*/
#include "cm_count.h"

#include <stdlib.h>
#include <string.h>

static const cm_op_rule rules[] = {
#define CM_OP(name, kind, rule, flops, vcost) {name, CM_KIND_##kind, CM_RULE_##rule, flops, CM_VEC_##vcost},
#include "cm_ops.def"
#undef CM_OP
};
#define NRULES ((int)(sizeof rules / sizeof rules[0]))

static int by_name(const void *key, const void *row) { return strcmp(key, ((const cm_op_rule *)row)->name); }

const cm_op_rule *cm_rule_of(const char *name) { return bsearch(name, rules, NRULES, sizeof rules[0], by_name); }

const cm_op_rule *cm_rule_at(int i) { return i >= 0 && i < NRULES ? &rules[i] : NULL; }

/* ---- attribute text -------------------------------------------------------------------- */

#define MAX_DIMS 64

/* The integers of "1, 2, 3" up to close (p just past the opening bracket);
** an empty list is fine. false when malformed or longer than max. */
static bool ints(const char *p, char close, int64_t *out, int max, int *n)
{
    for (*n = 0;;) {
        while (*p == ' ') p++;
        if (*p == close && *n == 0) return true;
        char *e;
        long long v = strtoll(p, &e, 10);
        if (e == p || *n == max) return false;
        out[(*n)++] = v;
        for (p = e; *p == ' ';) p++;
        if (*p == close) return true;
        if (*p++ != ',') return false;
    }
}

/* The integers of the list after "key = [" in s. true with *n of them (0
** when key is absent); false when malformed or longer than max. */
static bool int_list(const char *s, const char *key, int64_t *out, int max, int *n)
{
    *n = 0;
    size_t kl = strlen(key);
    const char *p = strstr(s, key);
    while (p && !(p[kl] == ' ' || p[kl] == '=')) p = strstr(p + 1, key);
    if (!p) return true;
    if (!(p = strchr(p, '='))) return false;
    for (p++; *p == ' ';) p++;
    return *p == '[' && ints(p + 1, ']', out, max, n);
}

/* The integers of "array<i64: 1, 2>", "array<i64>", "[1, 2]" or "dense<[1, 2]> : ...". */
static bool int_array(const char *s, int64_t *out, int max, int *n)
{
    *n = 0;
    if (!strncmp(s, "array<", 6)) {
        const char *p = s + 6;
        while (*p && *p != ':' && *p != '>') p++;
        if (*p == '>') return true;
        return *p == ':' && ints(p + 1, '>', out, max, n);
    }
    if (!strncmp(s, "dense<", 6)) s += 6;
    return *s == '[' && ints(s + 1, ']', out, max, n);
}

/* The leading integer of "1 : i64"; false if none. */
static bool int_attr(const char *s, int64_t *v)
{
    char *e;
    long long x = strtoll(s, &e, 10);
    if (e == s) return false;
    *v = x;
    return true;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const cm_tensor *T(const cm_graph *g, int32_t id) { return &g->tensors[id]; }

static uint64_t dim(const cm_tensor *t, int i) { return (uint64_t)t->dims[i]; }

static uint64_t elems(const cm_tensor *t)
{
    uint64_t n = 0;
    cm_tensor_elems(t, &n);
    return n;
}

/* Saturating products and sums: a hostile shape never wraps. */
static uint64_t mul(uint64_t a, uint64_t b)
{
    if (a && b > UINT64_MAX / 4 / a) return UINT64_MAX / 4;
    return a * b;
}
static uint64_t add(uint64_t a, uint64_t b) { return a + b > UINT64_MAX / 4 ? UINT64_MAX / 4 : a + b; }

static uint64_t bytes_of(const cm_graph *g, const int32_t *ids, int n)
{
    uint64_t s = 0;
    for (int i = 0; i < n; i++) s = add(s, cm_tensor_bytes(T(g, ids[i])));
    return s;
}

static bool unmodelled(cm_op *op, const char *why)
{
    op->base = CM_KIND_UNMODELLED;
    op->reason = why;
    op->flops = op->macs = op->bytes_read = op->bytes_written = 0;
    op->b = op->m = op->n = op->k = 0;
    return false;
}

static bool ranked(const cm_tensor *t, int rank) { return t->rank == rank; }

/* FLOPs of a body: its ops' table FLOPs (an unknown op counts 1; the terminator 0). */
static uint64_t body_flops(const cm_op *op, cm_vcost *vc)
{
    uint64_t f = 0;
    for (int i = 0; i < op->nbody; i++) {
        const cm_op_rule *r = cm_rule_of(op->body[i]);
        if (r && r->rule == CM_RULE_FREE) continue;
        f += r ? (uint64_t)r->flops : 1;
        if (vc && r && r->vcost > *vc) *vc = r->vcost;
    }
    return f;
}

static bool body_has(const cm_op *op, const char *const *names)
{
    for (int i = 0; i < op->nbody; i++)
        for (const char *const *n = names; *n; n++)
            if (!strcmp(op->body[i], *n)) return true;
    return false;
}

/* A contraction's view: kind from the batch, FLOPs 2 per multiply-add. */
static bool product(cm_op *op, const cm_graph *g, cm_kind kind, uint64_t b, uint64_t m, uint64_t n, uint64_t k)
{
    op->base = kind == CM_KIND_CONV ? CM_KIND_CONV : b > 1 ? CM_KIND_BATCH_MATMUL : CM_KIND_MATMUL;
    op->b = b, op->m = m, op->n = n, op->k = k;
    op->macs = mul(mul(b, m), mul(n, k));
    op->flops = mul(2, op->macs);
    op->elem = T(g, op->in[0])->elem;
    op->bytes_read = bytes_of(g, op->in, op->nin);
    op->bytes_written = bytes_of(g, op->out, op->nout);
    return true;
}

/* ---- StableHLO ---------------------------------------------------------------------------- */

static bool dot_general(cm_op *op, const cm_graph *g)
{
    const char *dn = cm_op_attr(op, "dot_dimension_numbers");
    if (op->nin < 2 || !dn) return unmodelled(op, "no dot_dimension_numbers");
    const cm_tensor *l = T(g, op->in[0]), *r = T(g, op->in[1]);
    int64_t lb[MAX_DIMS], rb[MAX_DIMS], lc[MAX_DIMS], rc[MAX_DIMS];
    int nlb, nrb, nlc, nrc;
    if (!int_list(dn, "lhs_batching_dimensions", lb, MAX_DIMS, &nlb) ||
        !int_list(dn, "rhs_batching_dimensions", rb, MAX_DIMS, &nrb) ||
        !int_list(dn, "lhs_contracting_dimensions", lc, MAX_DIMS, &nlc) ||
        !int_list(dn, "rhs_contracting_dimensions", rc, MAX_DIMS, &nrc) || nlb != nrb || nlc != nrc)
        return unmodelled(op, "dot_dimension_numbers cannot be read");
    uint64_t used_l = 0, used_r = 0, b = 1, k = 1, m = 1, n = 1;
    for (int i = 0; i < nlb + nlc; i++) {
        int64_t x = i < nlb ? lb[i] : lc[i - nlb], y = i < nlb ? rb[i] : rc[i - nlb];
        if (x < 0 || x >= l->rank || y < 0 || y >= r->rank || x >= 64 || y >= 64 || (used_l >> x & 1) ||
            (used_r >> y & 1) || l->dims[x] != r->dims[y])
            return unmodelled(op, "dot_dimension_numbers do not fit the operands");
        used_l |= UINT64_C(1) << x, used_r |= UINT64_C(1) << y;
        if (i < nlb)
            b = mul(b, dim(l, (int)x));
        else
            k = mul(k, dim(l, (int)x));
    }
    for (int i = 0; i < l->rank; i++)
        if (i >= 64 || !(used_l >> i & 1)) m = mul(m, dim(l, i));
    for (int i = 0; i < r->rank; i++)
        if (i >= 64 || !(used_r >> i & 1)) n = mul(n, dim(r, i));
    return product(op, g, CM_KIND_MATMUL, b, m, n, k);
}

static bool dot(cm_op *op, const cm_graph *g)
{
    if (op->nin < 2) return unmodelled(op, "a dot without two operands");
    const cm_tensor *l = T(g, op->in[0]), *r = T(g, op->in[1]);
    if (l->rank < 1 || l->rank > 2 || r->rank < 1 || r->rank > 2 || l->dims[l->rank - 1] != r->dims[0])
        return unmodelled(op, "a dot of operands that do not fit");
    return product(op, g, CM_KIND_MATMUL, 1, l->rank == 2 ? dim(l, 0) : 1, r->rank == 2 ? dim(r, 1) : 1,
                   dim(l, l->rank - 1));
}

/* A convolution's layout: for input, kernel and output, where batch /
** feature (input: b f; kernel: i o) and each spatial dimension sit. */
typedef struct conv_layout {
    int nsp;
    int in_b, in_f, k_i, k_o, out_b, out_f;
    int in_sp[MAX_DIMS], k_sp[MAX_DIMS], out_sp[MAX_DIMS];
} conv_layout;

/* One bracket of the compact form "[b, 0, 1, f]" into positions. */
static const char *conv_list(const char *p, char c1, char c2, int *p1, int *p2, int *sp, int *nsp)
{
    while (*p == ' ') p++;
    if (*p++ != '[') return NULL;
    *p1 = *p2 = -1;
    int pos = 0, n = 0;
    for (;; pos++) {
        while (*p == ' ') p++;
        if (*p == c1 || *p == c2) {
            *(*p == c1 ? p1 : p2) = pos;
            p++;
        } else {
            char *e;
            long v = strtol(p, &e, 10);
            if (e == p || v < 0 || v >= MAX_DIMS || sp[v] >= 0) return NULL;
            sp[v] = pos, n = v + 1 > n ? (int)v + 1 : n;
            p = e;
        }
        while (*p == ' ') p++;
        if (*p == ']') break;
        if (*p++ != ',') return NULL;
    }
    *nsp = n;
    return p + 1;
}

/* "[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]" (what #stablehlo.conv<...> holds). */
static bool conv_compact(const char *s, conv_layout *c)
{
    for (int i = 0; i < MAX_DIMS; i++) c->in_sp[i] = c->k_sp[i] = c->out_sp[i] = -1;
    int n1, n2, n3;
    const char *p = strchr(s, '[');
    if (!p || !(p = conv_list(p, 'b', 'f', &c->in_b, &c->in_f, c->in_sp, &n1)) || *p++ != 'x' ||
        !(p = conv_list(p, 'i', 'o', &c->k_i, &c->k_o, c->k_sp, &n2)) || strncmp(p, "->", 2) ||
        !(p = conv_list(p + 2, 'b', 'f', &c->out_b, &c->out_f, c->out_sp, &n3)))
        return false;
    if (n1 != n2 || n2 != n3 || c->in_b < 0 || c->in_f < 0 || c->k_i < 0 || c->k_o < 0 || c->out_b < 0 || c->out_f < 0)
        return false;
    c->nsp = n1;
    for (int i = 0; i < n1; i++)
        if (c->in_sp[i] < 0 || c->k_sp[i] < 0 || c->out_sp[i] < 0) return false;
    return true;
}

/* The convolution of op given its layout and group counts. */
static bool conv_of(cm_op *op, const cm_graph *g, const conv_layout *c, int64_t fgc, int64_t bgc)
{
    const cm_tensor *in = T(g, op->in[0]), *k = T(g, op->in[1]), *out = T(g, op->out[0]);
    int rank = c->nsp + 2;
    if (!ranked(in, rank) || !ranked(k, rank) || !ranked(out, rank) || fgc < 1 || bgc < 1)
        return unmodelled(op, "a convolution whose layout does not fit its operands");
    uint64_t sp = 1, spo = 1;
    for (int i = 0; i < c->nsp; i++) sp = mul(sp, dim(k, c->k_sp[i])), spo = mul(spo, dim(out, c->out_sp[i]));
    uint64_t F = dim(out, c->out_f), G = (uint64_t)fgc;
    if (F % G) return unmodelled(op, "feature_group_count does not divide the output features");
    if (bgc > 1) G = 1;
    return product(op, g, CM_KIND_CONV, G, mul(dim(out, c->out_b), spo), F / G, mul(sp, dim(k, c->k_i)));
}

static bool conv(cm_op *op, const cm_graph *g)
{
    const char *dn = cm_op_attr(op, "dimension_numbers");
    const char *fg = cm_op_attr(op, "feature_group_count"), *bg = cm_op_attr(op, "batch_group_count");
    int64_t fgc = 1, bgc = 1;
    conv_layout c;
    if (op->nin < 2 || op->nout < 1 || !dn || !conv_compact(dn, &c) || (fg && !int_attr(fg, &fgc)) ||
        (bg && !int_attr(bg, &bgc)))
        return unmodelled(op, "dimension_numbers cannot be read");
    return conv_of(op, g, &c, fgc, bgc);
}

static bool reduce(cm_op *op, const cm_graph *g)
{
    /* stablehlo.reduce: inputs then as many initial values; tosa: one input */
    int nin = op->nbody ? (op->nin + 1) / 2 : 1;
    uint64_t per = op->nbody ? body_flops(op, NULL) : 1, e = 0;
    for (int i = 0; i < nin && i < op->nin; i++) e = add(e, elems(T(g, op->in[i])));
    op->flops = mul(e, per ? per : 1);
    return true;
}

static bool window(cm_op *op, const cm_graph *g)
{
    const char *w = cm_op_attr(op, "window_dimensions");
    if (!w) w = cm_op_attr(op, "kernel");
    int64_t d[MAX_DIMS];
    int n;
    if (!w || !int_array(w, d, MAX_DIMS, &n)) return unmodelled(op, "its window cannot be read");
    uint64_t win = 1;
    for (int i = 0; i < n; i++) {
        if (d[i] < 0) return unmodelled(op, "a negative window");
        win = mul(win, (uint64_t)d[i]);
    }
    uint64_t per = op->nbody ? body_flops(op, NULL) : 1;
    op->flops = mul(mul(elems(T(g, op->out[0])), win), per ? per : 1);
    return true;
}

/* ---- TOSA ------------------------------------------------------------------------------ */

static bool tosa_product(cm_op *op, const cm_graph *g, cm_rule rule)
{
    if (op->nin < 2 || op->nout < 1) return unmodelled(op, "a product without its operands");
    const cm_tensor *a = T(g, op->in[0]), *w = T(g, op->in[1]), *o = T(g, op->out[0]);
    conv_layout c;
    switch (rule) {
    case CM_RULE_TOSA_CONV: /* input NHWC (NDHWC), weight OHWI (ODHWI) */
        if (a->rank != 4 && a->rank != 5) return unmodelled(op, "a convolution of rank other than 4 or 5");
        c.nsp = a->rank - 2;
        c.in_b = c.out_b = 0, c.in_f = c.out_f = a->rank - 1, c.k_o = 0, c.k_i = a->rank - 1;
        for (int i = 0; i < c.nsp; i++) c.in_sp[i] = c.k_sp[i] = c.out_sp[i] = i + 1;
        return conv_of(op, g, &c, 1, 1);
    case CM_RULE_TOSA_DWCONV: /* input NHWC, weight [KH, KW, C, M], output [N, OH, OW, C*M] */
        if (!ranked(a, 4) || !ranked(w, 4) || !ranked(o, 4))
            return unmodelled(op, "a depthwise convolution of rank other than 4");
        return product(op, g, CM_KIND_CONV, dim(w, 2), mul(mul(dim(o, 0), dim(o, 1)), dim(o, 2)), dim(w, 3),
                       mul(dim(w, 0), dim(w, 1)));
    case CM_RULE_TOSA_TCONV: /* input [N, IH, IW, IC], weight [OC, KH, KW, IC]: each input pixel scattered */
        if (!ranked(a, 4) || !ranked(w, 4)) return unmodelled(op, "a transposed convolution of rank other than 4");
        return product(op, g, CM_KIND_CONV, 1, mul(mul(dim(a, 0), dim(a, 1)), dim(a, 2)),
                       mul(mul(dim(w, 0), dim(w, 1)), dim(w, 2)), dim(a, 3));
    case CM_RULE_TOSA_MATMUL: /* [N, H, C] x [N, C, W] */
        if (!ranked(a, 3) || !ranked(w, 3) || a->dims[2] != w->dims[1])
            return unmodelled(op, "a matmul whose operands do not fit");
        return product(op, g, CM_KIND_MATMUL, dim(a, 0), dim(a, 1), dim(w, 2), dim(a, 2));
    default: /* TOSA_FC: [N, IC] x [OC, IC] (its bias adds not counted) */
        if (!ranked(a, 2) || !ranked(w, 2) || a->dims[1] != w->dims[1])
            return unmodelled(op, "a fully_connected whose operands do not fit");
        return product(op, g, CM_KIND_MATMUL, 1, dim(a, 0), dim(w, 0), dim(a, 1));
    }
}

/* ---- linalg --------------------------------------------------------------------------------- */

static const char *const muls[] = {"arith.mulf", "arith.muli", "complex.mul", NULL};
static const char *const adds[] = {"arith.addf", "arith.addi", "complex.add", NULL};

static bool linalg(cm_op *op, const cm_graph *g)
{
    const cm_linalg *li = op->linalg;
    if (!li) return unmodelled(op, op->note ? op->note : "a linalg op that is not structured");
    int nops = li->ninputs + li->noutputs;
    if (nops != op->nin) return unmodelled(op, "a linalg op whose maps do not match its operands");
    /* each loop's size from an operand dimension that is that loop alone */
    uint64_t size[CM_MAX_LOOPS];
    uint64_t known = 0;
    for (int i = 0; i < nops; i++) {
        const cm_tensor *t = T(g, op->in[i]);
        const cm_map *m = &li->maps[i];
        if (t->rank != m->nres && !(t->rank == 0 && m->nres == 0))
            return unmodelled(op, "an indexing map that does not fit its operand");
        for (int j = 0; j < m->nres; j++) {
            int l = m->pure[j];
            if (l >= 0 && l < li->nloops && !(known >> l & 1)) size[l] = dim(t, j), known |= UINT64_C(1) << l;
        }
    }
    uint64_t all = li->nloops == 64 ? UINT64_MAX : (UINT64_C(1) << li->nloops) - 1;
    if ((known & all) != all) return unmodelled(op, "a loop whose size no operand gives");
    uint64_t iters = 1;
    for (int l = 0; l < li->nloops; l++) iters = mul(iters, size[l]);
    op->bytes_read = bytes_of(g, op->in, li->ninputs);
    if (li->out_read) op->bytes_read = add(op->bytes_read, bytes_of(g, op->in + li->ninputs, li->noutputs));
    op->bytes_written = op->nout ? bytes_of(g, op->out, op->nout) : bytes_of(g, op->in + li->ninputs, li->noutputs);
    cm_vcost vc = CM_VEC_NONE;
    uint64_t per = body_flops(op, &vc);
    if (li->reduction && li->ninputs >= 2 && body_has(op, muls) && body_has(op, adds)) {
        /* a contraction: loops in both inputs are batch, in the first only rows, in the second only columns */
        uint64_t b = 1, m = 1, n = 1, k = 1, in0 = 0, in1 = 0;
        bool window = false;
        for (int j = 0; j < li->maps[0].nres; j++) in0 |= li->maps[0].mask[j], window |= li->maps[0].pure[j] < 0;
        for (int j = 0; j < li->maps[1].nres; j++) in1 |= li->maps[1].mask[j], window |= li->maps[1].pure[j] < 0;
        for (int l = 0; l < li->nloops; l++) {
            bool a = in0 >> l & 1, c = in1 >> l & 1;
            if (li->reduction >> l & 1)
                k = mul(k, size[l]);
            else if (a && c)
                b = mul(b, size[l]);
            else if (c)
                n = mul(n, size[l]);
            else
                m = mul(m, size[l]);
        }
        uint64_t rb = op->bytes_read, wb = op->bytes_written;
        product(op, g, window ? CM_KIND_CONV : CM_KIND_MATMUL, b, m, n, k);
        op->bytes_read = rb, op->bytes_written = wb;
        return true;
    }
    if (li->reduction) {
        op->base = CM_KIND_REDUCTION, op->vcost = CM_VEC_REDUCE;
        op->flops = mul(iters, per ? per : 1);
    } else if (per) {
        op->base = CM_KIND_ELEMENTWISE, op->vcost = vc ? vc : CM_VEC_SIMPLE;
        op->flops = mul(iters, per);
    } else {
        op->base = CM_KIND_DATA_MOVEMENT, op->vcost = CM_VEC_NONE;
    }
    return true;
}

/* ---- the counter ------------------------------------------------------------------------------ */

static bool has_dynamic(const cm_graph *g, const cm_op *op)
{
    for (int i = 0; i < op->nin + op->nout; i++) {
        const cm_tensor *t = T(g, i < op->nin ? op->in[i] : op->out[i - op->nin]);
        if (t->rank == CM_RANK_UNRANKED) return true;
        for (int j = 0; j < t->rank; j++)
            if (t->dims[j] < 0) return true;
    }
    return false;
}

/* A tensor of more than 2^54 elements: its bytes would not be exact in 64 bits. */
static bool has_huge(const cm_graph *g, const cm_op *op)
{
    for (int i = 0; i < op->nin + op->nout; i++) {
        const cm_tensor *t = T(g, i < op->nin ? op->in[i] : op->out[i - op->nin]);
        uint64_t n;
        if (t->rank >= 0 && (!cm_tensor_elems(t, &n) || n > (UINT64_C(1) << 54))) return true;
    }
    return false;
}

/* Largest operand's bytes. */
static uint64_t largest(const cm_graph *g, const cm_op *op)
{
    uint64_t m = 0;
    for (int i = 0; i < op->nin; i++) {
        uint64_t b = cm_tensor_bytes(T(g, op->in[i]));
        if (b > m) m = b;
    }
    return m;
}

static void count_op(cm_graph *g, cm_op *op)
{
    const cm_op_rule *r = cm_rule_of(op->name);
    if (!r && op->linalg) r = cm_rule_of("linalg.generic"); /* a named op, generalised by the reader */
    op->pattern = -1;
    op->reason = NULL;
    if (op->note && !(r && r->rule == CM_RULE_LINALG)) {
        unmodelled(op, op->note);
        return;
    }
    if (!r) {
        unmodelled(op, "no cost rule for this op");
        return;
    }
    op->base = r->kind, op->vcost = r->vcost;
    if (r->rule == CM_RULE_FREE) return;
    if (r->rule == CM_RULE_CONTROL) {
        unmodelled(op, "control flow: its regions are not unrolled");
        return;
    }
    if (r->rule == CM_RULE_CUSTOM) {
        unmodelled(op, "a custom call: its cost is unknown");
        return;
    }
    if (has_dynamic(g, op)) {
        op->dynamic = true;
        unmodelled(op, "a dynamic shape");
        return;
    }
    if (has_huge(g, op)) {
        unmodelled(op, "a tensor of more than 2^54 elements");
        return;
    }
    if (r->rule != CM_RULE_LINALG && (op->nout < 1 && r->rule != CM_RULE_UPDATE)) {
        unmodelled(op, "an op without results");
        return;
    }
    op->bytes_read = bytes_of(g, op->in, op->nin);
    op->bytes_written = bytes_of(g, op->out, op->nout);
    switch (r->rule) {
    case CM_RULE_EW:
    case CM_RULE_SOFTMAX: op->flops = mul(elems(T(g, op->out[0])), (uint64_t)r->flops); break;
    case CM_RULE_BCAST:
    case CM_RULE_MOVE: break;
    case CM_RULE_SLICE: op->bytes_read = op->bytes_written; break;
    case CM_RULE_UPDATE: op->bytes_read = op->bytes_written = op->bytes_read - largest(g, op); break;
    case CM_RULE_REDUCE: reduce(op, g); break;
    case CM_RULE_WINDOW: window(op, g); break;
    case CM_RULE_DOT_GENERAL: dot_general(op, g); break;
    case CM_RULE_DOT: dot(op, g); break;
    case CM_RULE_CONV: conv(op, g); break;
    case CM_RULE_LINALG: linalg(op, g); break;
    default: tosa_product(op, g, r->rule); break;
    }
    if (op->base == CM_KIND_UNMODELLED) return;
    op->fuse_producer = op->base == CM_KIND_ELEMENTWISE;
    op->fuse_consumer = r->rule == CM_RULE_BCAST;
}

int32_t cm_view_root(const cm_graph *g, int32_t t)
{
    for (int guard = 0; guard < 1 << 20; guard++) {
        int32_t p = g->tensors[t].producer;
        if (p < 0) return t;
        const cm_op *op = &g->ops[p];
        if (op->base != CM_KIND_FREE || op->nin < 1) return t;
        t = op->in[0];
    }
    return t;
}

lp_status cm_count(cm_graph *g, lp_diag *d)
{
    for (int32_t i = 0; i < g->nops; i++) count_op(g, &g->ops[i]);
    for (int32_t i = 0; i < g->nops; i++) g->ops[i].kind = g->ops[i].base;
    lp_status st = cm_find_patterns(g, d);
    if (st) return st;
    memset(g->count, 0, sizeof g->count);
    for (int32_t i = 0; i < g->nops; i++) g->count[g->ops[i].kind]++;
    return LP_OK;
}
