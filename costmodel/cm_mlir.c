/*
** cm_mlir.c — the MLIR reader: text to cm_graph through the MLIR C API. Built
** as a module of its own (liblpsim_mlir.so, loaded by cm_read.c), the only
** code of lpsim that sees MLIR.
**
** Choices. Every upstream dialect is registered (linalg, tosa, tensor, arith,
** math, func, ...) and unregistered ones are allowed, so StableHLO in generic
** op form parses; its attributes (#stablehlo.dot<...>) are kept as MLIR
** prints them and read by the counter. The pretty form of an unregistered
** dialect cannot parse; its diagnostic is turned into a refusal that says how
** to print the generic form. Named linalg ops are generalised with upstream's
** linalg-generalize-named-ops pass on clones in a scratch module (the
** original IR is never rewritten: the greedy driver would also fold and
** erase dead ops), so that every linalg structured op reaches the counter as
** loops, iterator types and indexing maps; each clone is followed by an
** unregistered "lpsim.keep" op that uses its results (nothing is erased) and
** marks its place. Calls are inlined: each call walks its callee again,
** binding its arguments to the call's operands; one map from values to
** tensors serves every call, since SSA order binds each value before its
** uses and a recursive call is not inlined (a function is never walked
** twice at once).
**
** Left out: ops in regions are not graph ops (a loop's body is not unrolled;
** the loop is unmodelled by the counter); blocks after a function's first are
** read in order, their arguments taken as inputs.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Linalg.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"

#include "cm_graph.h"
#include "cm_mlir.h"

#define MAX_CALL_DEPTH 64
#define MAX_BODY_NAMES 256 /* op names of a body kept (a linalg body, a reduce body) */
#define TYPE_CACHE 64      /* element types and op names remembered by their uniqued pointer */

/* A growing text buffer for the C API's print callbacks, bounded at max bytes. */
typedef struct sbuf {
    char *p;
    size_t n, cap, max;
    bool cut, nomem;
} sbuf;

static void sbuf_cb(MlirStringRef s, void *user)
{
    sbuf *b = user;
    size_t k = s.length;
    if (b->n + k > b->max) k = b->max - b->n, b->cut = true;
    if (!k) return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + k + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->nomem = true;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, s.data, k);
    b->n += k;
    b->p[b->n] = 0;
}

static void sbuf_reset(sbuf *b, size_t max) { b->n = 0, b->cut = false, b->max = max; }

typedef struct vslot {
    const void *ptr; /* the value; NULL: free slot */
    int32_t tensor;
} vslot;

typedef struct fn_entry {
    const char *name;
    MlirOperation op;
    bool body, pub, active;
} fn_entry;

typedef struct gen_entry {
    const void *orig;  /* a named linalg op */
    MlirOperation gen; /* its linalg.generic in the scratch module */
} gen_entry;

typedef struct cache_slot {
    const void *key;
    const char *str;
    int bits;
} cache_slot;

typedef struct reader {
    cm_graph *g;
    lp_diag *d;
    MlirContext ctx;
    vslot *vmap;
    size_t vcap, vn;
    fn_entry *fns;
    int nfns;
    gen_entry *gens;
    size_t ngens;
    MlirModule scratch;
    bool have_scratch;
    int depth;
    cache_slot types[TYPE_CACHE], names[TYPE_CACHE];
    bool listen; /* record error diagnostics (off while the scratch pass runs) */
    bool err;
    int eline, ecol;
    char emsg[LP_DIAG_MSG_MAX];
    sbuf tmp;
    lp_status st; /* LP_OK until something fails */
} reader;

/* ---- errors ------------------------------------------------------------------------ */

static lp_status fail(reader *r, lp_status st, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static lp_status fail(reader *r, lp_status st, int line, int col, const char *fmt, ...)
{
    if (r->st) return r->st; /* the first failure stays */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->d->msg, sizeof r->d->msg, fmt, ap);
    va_end(ap);
    r->d->line = line, r->d->col = col, r->d->status = st;
    return r->st = st;
}

static lp_status nomem(reader *r) { return fail(r, LP_ERR_NOMEM, 0, 0, "out of memory reading the graph"); }

/* Line and column from a printed location: the first `":L:C` in it. */
static void loc_line_col(const char *s, int *line, int *col)
{
    *line = *col = 0;
    for (const char *p = s ? strstr(s, "\":") : NULL; p; p = strstr(p + 1, "\":")) {
        char *e1, *e2;
        long l = strtol(p + 2, &e1, 10);
        if (e1 == p + 2 || *e1 != ':') continue;
        long c = strtol(e1 + 1, &e2, 10);
        if (e2 == e1 + 1) continue;
        *line = l > 0 && l < INT32_MAX ? (int)l : 0;
        *col = c > 0 && c < INT32_MAX ? (int)c : 0;
        return;
    }
}

static void print_loc(reader *r, MlirLocation loc, int *line, int *col)
{
    sbuf_reset(&r->tmp, 4096);
    mlirLocationPrint(loc, sbuf_cb, &r->tmp);
    loc_line_col(r->tmp.n ? r->tmp.p : NULL, line, col);
}

static MlirLogicalResult on_diag(MlirDiagnostic diag, void *user)
{
    reader *r = user;
    if (r->listen && !r->err && mlirDiagnosticGetSeverity(diag) == MlirDiagnosticError) {
        r->err = true;
        print_loc(r, mlirDiagnosticGetLocation(diag), &r->eline, &r->ecol);
        sbuf_reset(&r->tmp, sizeof r->emsg - 1);
        mlirDiagnosticPrint(diag, sbuf_cb, &r->tmp);
        snprintf(r->emsg, sizeof r->emsg, "%s", r->tmp.n ? r->tmp.p : "");
        size_t n = strlen(r->emsg);
        while (n && (r->emsg[n - 1] == ' ' || r->emsg[n - 1] == '\n')) r->emsg[--n] = 0;
    }
    return mlirLogicalResultSuccess();
}

/* The parse failed: MLIR's first error, or the refusal of a pretty form. */
static lp_status parse_error(reader *r)
{
    if (!r->err) return fail(r, LP_ERR_PARSE, 1, 1, "MLIR could not parse the file and said nothing");
    /* "Dialect `stablehlo' not found for custom op 'stablehlo.dot_general'" */
    const char *q = strstr(r->emsg, "not found for custom op '");
    if (q) {
        q += strlen("not found for custom op '");
        const char *e = strchr(q, '\'');
        int n = e ? (int)(e - q) : (int)strlen(q);
        return fail(r, LP_ERR_PARSE, r->eline, r->ecol,
                    "'%.*s' is in the pretty (custom) form of a dialect lpsim does not load; give it the generic op "
                    "form: in JAX lowered.compiler_ir(\"stablehlo\").operation.get_asm(print_generic_op_form=True), "
                    "or mlir-opt --mlir-print-op-generic",
                    n > 64 ? 64 : n, q);
    }
    return fail(r, LP_ERR_PARSE, r->eline, r->ecol, "%s", r->emsg);
}

/* ---- names and types ------------------------------------------------------------------ */

static cache_slot *cache_find(cache_slot *c, const void *key)
{
    size_t h = ((uintptr_t)key >> 4) % TYPE_CACHE;
    return &c[h];
}

static const char *op_name(reader *r, MlirOperation op)
{
    MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
    cache_slot *c = cache_find(r->names, s.data);
    if (c->key == s.data) return c->str;
    const char *str = cm_strndup(r->g, s.data, s.length);
    if (!str) return nomem(r), NULL;
    c->key = s.data, c->str = str;
    return str;
}

static bool is(MlirStringRef s, const char *lit) { return s.length == strlen(lit) && !memcmp(s.data, lit, s.length); }

static int scalar_bits(MlirType t)
{
    if (mlirTypeIsAInteger(t)) {
        unsigned w = mlirIntegerTypeGetWidth(t);
        return w == 1 ? 8 : (int)w;
    }
    if (mlirTypeIsAFloat(t)) return (int)mlirFloatTypeGetWidth(t);
    if (mlirTypeIsAIndex(t)) return 64;
    if (mlirTypeIsAComplex(t)) return 2 * scalar_bits(mlirComplexTypeGetElementType(t));
    return 0;
}

/* The printed name and bits of an element type, remembered by its pointer. */
static const char *type_name(reader *r, MlirType t, int *bits)
{
    cache_slot *c = cache_find(r->types, t.ptr);
    if (c->key == t.ptr) return *bits = c->bits, c->str;
    sbuf_reset(&r->tmp, 64);
    mlirTypePrint(t, sbuf_cb, &r->tmp);
    const char *str = cm_strndup(r->g, r->tmp.n ? r->tmp.p : "?", r->tmp.n ? r->tmp.n : 1);
    if (!str) return nomem(r), NULL;
    c->key = t.ptr, c->str = str, c->bits = scalar_bits(t);
    *bits = c->bits;
    return str;
}

/* A new tensor of type t, produced by result res of op prod (-1: an input). */
static int32_t new_tensor(reader *r, MlirType t, int32_t prod, int32_t res)
{
    int32_t id = cm_graph_add_tensor(r->g);
    if (id < 0) return nomem(r), -1;
    int rank = CM_RANK_OPAQUE, bits = 0;
    int64_t *dims = NULL;
    const char *elem;
    if (mlirTypeIsAShaped(t)) {
        elem = type_name(r, mlirShapedTypeGetElementType(t), &bits);
        if (mlirShapedTypeHasRank(t)) {
            int64_t n = mlirShapedTypeGetRank(t);
            if (n > INT32_MAX / 16) return fail(r, LP_ERR_RANGE, 0, 0, "a tensor of rank %lld", (long long)n), -1;
            rank = (int)n;
            dims = cm_alloc(r->g, (size_t)(rank ? rank : 1) * sizeof *dims);
            if (!dims) return nomem(r), -1;
            for (int i = 0; i < rank; i++)
                dims[i] = mlirShapedTypeIsDynamicDim(t, i) ? CM_DYN : mlirShapedTypeGetDimSize(t, i);
        } else {
            rank = CM_RANK_UNRANKED;
        }
    } else {
        elem = type_name(r, t, &bits);
        if (bits) rank = 0;
    }
    if (!elem) return -1;
    cm_tensor *ts = &r->g->tensors[id];
    ts->rank = rank, ts->dims = dims, ts->elem = elem, ts->elem_bits = bits;
    ts->producer = prod, ts->result = res;
    return id;
}

/* ---- the value map: value -> tensor ------------------------------------------------------ */

static size_t vhash(const void *p, size_t cap)
{
    uint64_t h = ((uint64_t)(uintptr_t)p >> 3) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static bool vput(reader *r, MlirValue v, int32_t tensor)
{
    if (2 * (r->vn + 1) > r->vcap) {
        size_t cap = r->vcap ? 2 * r->vcap : 1024;
        vslot *m = calloc(cap, sizeof *m);
        if (!m) return nomem(r), false;
        for (size_t i = 0; i < r->vcap; i++)
            if (r->vmap[i].ptr) {
                size_t h = vhash(r->vmap[i].ptr, cap);
                while (m[h].ptr) h = (h + 1) & (cap - 1);
                m[h] = r->vmap[i];
            }
        free(r->vmap);
        r->vmap = m, r->vcap = cap;
    }
    size_t h = vhash(v.ptr, r->vcap);
    while (r->vmap[h].ptr && r->vmap[h].ptr != v.ptr) h = (h + 1) & (r->vcap - 1);
    if (!r->vmap[h].ptr) r->vn++;
    r->vmap[h] = (vslot){v.ptr, tensor};
    return true;
}

/* The tensor of value v; a value defined where the walk has not
** been (a block argument past the first block) becomes an input. */
static int32_t vget(reader *r, MlirValue v)
{
    if (r->vcap) {
        for (size_t h = vhash(v.ptr, r->vcap); r->vmap[h].ptr; h = (h + 1) & (r->vcap - 1))
            if (r->vmap[h].ptr == v.ptr) return r->vmap[h].tensor;
    }
    int32_t t = new_tensor(r, mlirValueGetType(v), -1, 0);
    if (t < 0 || !vput(r, v, t)) return -1;
    return t;
}

/* ---- linalg: generalised named ops, loops and maps ------------------------------------------ */

static bool starts(MlirStringRef s, const char *lit)
{
    size_t n = strlen(lit);
    return s.length >= n && !memcmp(s.data, lit, n);
}

/* A linalg op that the pass may turn into linalg.generic. */
static bool named_linalg(MlirOperation op)
{
    MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
    return starts(s, "linalg.") && !is(s, "linalg.generic") && !is(s, "linalg.yield") && !is(s, "linalg.index");
}

static int by_orig(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const gen_entry *)a)->orig, y = (uintptr_t)((const gen_entry *)b)->orig;
    return x < y ? -1 : x > y;
}

/* Generalise clones of the named linalg ops of every function in one scratch
** module; r->gens maps each op to its linalg.generic (none where the pass
** left the clone as it was). A failing pass leaves them all unmapped. */
static void generalize(reader *r, MlirBlock mod_body)
{
    size_t n = 0, cap = 0;
    const void **orig = NULL;
    for (MlirOperation f = mlirBlockGetFirstOperation(mod_body); !mlirOperationIsNull(f);
         f = mlirOperationGetNextInBlock(f)) {
        if (!is(mlirIdentifierStr(mlirOperationGetName(f)), "func.func") || mlirOperationGetNumRegions(f) < 1) continue;
        for (MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0)); !mlirBlockIsNull(b);
             b = mlirBlockGetNextInRegion(b))
            for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op);
                 op = mlirOperationGetNextInBlock(op)) {
                if (!named_linalg(op)) continue;
                if (!r->have_scratch) {
                    r->scratch = mlirModuleCreateEmpty(mlirLocationUnknownGet(r->ctx));
                    r->have_scratch = true;
                }
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    const void **p = realloc(orig, cap * sizeof *orig);
                    if (!p) {
                        free(orig);
                        nomem(r);
                        return;
                    }
                    orig = p;
                }
                orig[n++] = op.ptr;
                MlirBlock body = mlirModuleGetBody(r->scratch);
                MlirOperation clone = mlirOperationClone(op);
                mlirBlockAppendOwnedOperation(body, clone);
                MlirOperationState st =
                    mlirOperationStateGet(mlirStringRefCreateFromCString("lpsim.keep"), mlirOperationGetLocation(op));
                intptr_t nres = mlirOperationGetNumResults(clone);
                for (intptr_t i = 0; i < nres; i++) {
                    MlirValue v = mlirOperationGetResult(clone, i);
                    mlirOperationStateAddOperands(&st, 1, &v);
                }
                mlirBlockAppendOwnedOperation(body, mlirOperationCreate(&st));
            }
    }
    if (!n) return;
    MlirPassManager pm = mlirPassManagerCreate(r->ctx);
    mlirPassManagerEnableVerifier(pm, false);
    mlirPassManagerAddOwnedPass(pm, mlirCreateLinalgLinalgGeneralizeNamedOpsPass());
    r->listen = false;
    MlirLogicalResult ok = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(r->scratch));
    r->listen = true;
    mlirPassManagerDestroy(pm);
    if (mlirLogicalResultIsSuccess(ok) && (r->gens = calloc(n, sizeof *r->gens))) {
        size_t k = 0;
        MlirOperation prev = {NULL};
        for (MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(r->scratch));
             !mlirOperationIsNull(op) && k < n; op = mlirOperationGetNextInBlock(op)) {
            MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
            if (is(s, "lpsim.keep")) {
                if (!mlirOperationIsNull(prev) && is(mlirIdentifierStr(mlirOperationGetName(prev)), "linalg.generic"))
                    r->gens[r->ngens++] = (gen_entry){orig[k], prev};
                k++;
            }
            prev = op;
        }
        qsort(r->gens, r->ngens, sizeof *r->gens, by_orig);
    }
    free(orig);
}

static MlirOperation generic_of(reader *r, MlirOperation op)
{
    gen_entry key = {op.ptr, {NULL}};
    gen_entry *e = r->ngens ? bsearch(&key, r->gens, r->ngens, sizeof key, by_orig) : NULL;
    return e ? e->gen : (MlirOperation){NULL};
}

static uint64_t expr_mask(MlirAffineExpr e, int depth)
{
    if (mlirAffineExprIsADim(e)) {
        intptr_t p = mlirAffineDimExprGetPosition(e);
        return p >= 0 && p < CM_MAX_LOOPS ? UINT64_C(1) << p : 0;
    }
    if (depth < 64 && mlirAffineExprIsABinary(e))
        return expr_mask(mlirAffineBinaryOpExprGetLHS(e), depth + 1) |
               expr_mask(mlirAffineBinaryOpExprGetRHS(e), depth + 1);
    return 0;
}

/* Loops, iterator types and maps of linalg.generic op; NULL when it lacks
** them or has more than CM_MAX_LOOPS loops (the counter then says so). */
static const cm_linalg *linalg_info(reader *r, MlirOperation op)
{
    MlirAttribute maps = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("indexing_maps"));
    MlirAttribute iters = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("iterator_types"));
    MlirAttribute seg = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("operandSegmentSizes"));
    if (mlirAttributeIsNull(maps) || mlirAttributeIsNull(iters) || mlirAttributeIsNull(seg) ||
        !mlirAttributeIsAArray(maps) || !mlirAttributeIsAArray(iters) || !mlirAttributeIsADenseI32Array(seg) ||
        mlirDenseArrayGetNumElements(seg) != 2)
        return NULL;
    intptr_t nmaps = mlirArrayAttrGetNumElements(maps), nloops = mlirArrayAttrGetNumElements(iters);
    int32_t nin = mlirDenseI32ArrayGetElement(seg, 0), nout = mlirDenseI32ArrayGetElement(seg, 1);
    if (nin < 0 || nout < 0 || nin + nout != nmaps || nloops > CM_MAX_LOOPS) return NULL;
    cm_linalg *li = cm_alloc(r->g, sizeof *li);
    cm_map *m = cm_alloc(r->g, (size_t)(nmaps ? nmaps : 1) * sizeof *m);
    if (!li || !m) return nomem(r), NULL;
    li->nloops = (int)nloops, li->ninputs = nin, li->noutputs = nout, li->maps = m;
    for (intptr_t i = 0; i < nloops; i++) {
        sbuf_reset(&r->tmp, 128);
        mlirAttributePrint(mlirArrayAttrGetElement(iters, i), sbuf_cb, &r->tmp);
        if (r->tmp.n && strstr(r->tmp.p, "reduction")) li->reduction |= UINT64_C(1) << i;
    }
    for (intptr_t i = 0; i < nmaps; i++) {
        MlirAttribute a = mlirArrayAttrGetElement(maps, i);
        if (!mlirAttributeIsAAffineMap(a)) return NULL;
        MlirAffineMap am = mlirAffineMapAttrGetValue(a);
        if (mlirAffineMapGetNumDims(am) != nloops) return NULL;
        intptr_t nres = mlirAffineMapGetNumResults(am);
        int16_t *pure = cm_alloc(r->g, (size_t)(nres ? nres : 1) * sizeof *pure);
        uint64_t *mask = cm_alloc(r->g, (size_t)(nres ? nres : 1) * sizeof *mask);
        if (!pure || !mask) return nomem(r), NULL;
        for (intptr_t j = 0; j < nres; j++) {
            MlirAffineExpr e = mlirAffineMapGetResult(am, j);
            pure[j] = mlirAffineExprIsADim(e) ? (int16_t)mlirAffineDimExprGetPosition(e) : -1;
            mask[j] = expr_mask(e, 0);
        }
        m[i] = (cm_map){(int)nres, pure, mask};
    }
    if (mlirOperationGetNumRegions(op) > 0) {
        MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
        if (!mlirBlockIsNull(b))
            for (intptr_t i = nin; i < nin + nout && i < mlirBlockGetNumArguments(b); i++)
                if (!mlirOpOperandIsNull(mlirValueGetFirstUse(mlirBlockGetArgument(b, i)))) li->out_read = true;
    }
    return li;
}

/* ---- ops ------------------------------------------------------------------------------- */

/* Attributes the counter reads (CM_ATTR_NAMES), as MLIR prints them. */
static bool read_attrs(reader *r, MlirOperation op, int32_t idx)
{
    static const char *const names[] = {CM_ATTR_NAMES};
    enum { N = sizeof names / sizeof names[0] };
    cm_attr found[N];
    int n = 0;
    for (int i = 0; i < N; i++) {
        MlirAttribute a = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(names[i]));
        if (mlirAttributeIsNull(a)) continue;
        sbuf_reset(&r->tmp, CM_ATTR_TEXT_MAX);
        mlirAttributePrint(a, sbuf_cb, &r->tmp);
        if (r->tmp.nomem) return nomem(r), false;
        const char *text = cm_strndup(r->g, r->tmp.n ? r->tmp.p : "", r->tmp.n);
        if (!text) return nomem(r), false;
        found[n++] = (cm_attr){names[i], text};
    }
    if (!n) return true;
    cm_attr *a = cm_alloc(r->g, (size_t)n * sizeof *a);
    if (!a) return nomem(r), false;
    memcpy(a, found, (size_t)n * sizeof *a);
    r->g->ops[idx].attr = a, r->g->ops[idx].nattr = n;
    return true;
}

/* The op names of op's first region's first block (at most MAX_BODY_NAMES). */
static bool read_body(reader *r, MlirOperation op, int32_t idx)
{
    if (mlirOperationGetNumRegions(op) < 1) return true;
    MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
    if (mlirBlockIsNull(b)) return true;
    const char *names[MAX_BODY_NAMES];
    int n = 0;
    for (MlirOperation o = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(o) && n < MAX_BODY_NAMES;
         o = mlirOperationGetNextInBlock(o))
        if (!(names[n++] = op_name(r, o))) return false;
    if (!n) return true;
    const char **body = cm_alloc(r->g, (size_t)n * sizeof *body);
    if (!body) return nomem(r), false;
    memcpy(body, names, (size_t)n * sizeof *body);
    r->g->ops[idx].body = body, r->g->ops[idx].nbody = n;
    return true;
}

/* Add op to the graph; note: the reader's reason to leave it unmodelled. */
static lp_status add_op(reader *r, MlirOperation op, const char *note)
{
    const char *name = op_name(r, op);
    if (!name) return r->st;
    int line, col;
    print_loc(r, mlirOperationGetLocation(op), &line, &col);
    int32_t idx = cm_graph_add_op(r->g);
    if (idx < 0) {
        if (r->g->nops >= CM_MAX_OPS)
            return fail(r, LP_ERR_RANGE, line, col, "more than %d ops with the calls inlined (lpsim's limit)",
                        CM_MAX_OPS);
        return nomem(r);
    }
    intptr_t nin = mlirOperationGetNumOperands(op), nout = mlirOperationGetNumResults(op);
    if (nin > INT32_MAX / 8 || nout > INT32_MAX / 8)
        return fail(r, LP_ERR_RANGE, line, col, "an op of too many values");
    int32_t *in = cm_alloc(r->g, (size_t)(nin + nout + 1) * sizeof *in), *out = in + nin;
    if (!in) return nomem(r);
    for (intptr_t i = 0; i < nin; i++)
        if ((in[i] = vget(r, mlirOperationGetOperand(op, i))) < 0) return r->st;
    for (intptr_t i = 0; i < nout; i++) {
        MlirValue v = mlirOperationGetResult(op, i);
        if ((out[i] = new_tensor(r, mlirValueGetType(v), idx, (int32_t)i)) < 0 || !vput(r, v, out[i])) return r->st;
    }
    cm_op *o = &r->g->ops[idx];
    o->name = name, o->line = line, o->col = col, o->note = note;
    o->nin = (int)nin, o->nout = (int)nout, o->in = in, o->out = out;
    if (!read_attrs(r, op, idx)) return r->st;
    MlirOperation gen = is(mlirIdentifierStr(mlirOperationGetName(op)), "linalg.generic") ? op : generic_of(r, op);
    if (!read_body(r, mlirOperationIsNull(gen) ? op : gen, idx)) return r->st;
    if (!mlirOperationIsNull(gen)) {
        const cm_linalg *li = linalg_info(r, gen);
        if (r->st) return r->st;
        r->g->ops[idx].linalg = li;
        if (!li) r->g->ops[idx].note = "its indexing maps or iterator types cannot be read";
    }
    return LP_OK;
}

static fn_entry *find_fn(reader *r, MlirStringRef name)
{
    for (int i = 0; i < r->nfns; i++)
        if (strlen(r->fns[i].name) == name.length && !memcmp(r->fns[i].name, name.data, name.length)) return &r->fns[i];
    return NULL;
}

static lp_status walk_fn(reader *r, MlirOperation fn, int32_t *ret, intptr_t nret);

/* A func.call: its callee's ops, its results theirs. */
static lp_status call(reader *r, MlirOperation op)
{
    MlirAttribute a = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("callee"));
    if (mlirAttributeIsNull(a) || !mlirAttributeIsAFlatSymbolRef(a))
        return add_op(r, op, "a call without a callee lpsim can read");
    MlirStringRef name = mlirFlatSymbolRefAttrGetValue(a);
    fn_entry *f = find_fn(r, name);
    if (!f || !f->body) return add_op(r, op, "a call of a function without a body in this file");
    if (f->active) return add_op(r, op, "a recursive call");
    if (r->depth >= MAX_CALL_DEPTH) return add_op(r, op, "calls nested more than 64 deep");
    MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(f->op, 0));
    intptr_t nargs = mlirOperationGetNumOperands(op), nres = mlirOperationGetNumResults(op);
    if (mlirBlockGetNumArguments(entry) != nargs)
        return add_op(r, op, "a call whose operands do not match its callee's arguments");
    for (intptr_t i = 0; i < nargs; i++) {
        int32_t t = vget(r, mlirOperationGetOperand(op, i));
        if (t < 0 || !vput(r, mlirBlockGetArgument(entry, i), t)) return r->st;
    }
    int32_t *ret = calloc((size_t)(nres ? nres : 1), sizeof *ret);
    if (!ret) return nomem(r);
    for (intptr_t i = 0; i < nres; i++) ret[i] = -1;
    f->active = true, r->depth++;
    lp_status st = walk_fn(r, f->op, ret, nres);
    f->active = false, r->depth--;
    for (intptr_t i = 0; !st && i < nres; i++) {
        MlirValue v = mlirOperationGetResult(op, i);
        /* a result the callee did not return (no func.return reached): an input from nowhere */
        int32_t t = ret[i] >= 0 ? ret[i] : new_tensor(r, mlirValueGetType(v), -1, 0);
        if (t < 0 || !vput(r, v, t)) st = r->st;
    }
    free(ret);
    return st;
}

/* The ops of function fn (its first block's arguments already bound in
** the map); the tensors its func.return gives into ret[0..nret). */
static lp_status walk_fn(reader *r, MlirOperation fn, int32_t *ret, intptr_t nret)
{
    for (MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(fn, 0)); !mlirBlockIsNull(b);
         b = mlirBlockGetNextInRegion(b))
        for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op);
             op = mlirOperationGetNextInBlock(op)) {
            MlirStringRef s = mlirIdentifierStr(mlirOperationGetName(op));
            lp_status st = LP_OK;
            if (is(s, "func.return")) {
                intptr_t n = mlirOperationGetNumOperands(op);
                for (intptr_t i = 0; i < n && i < nret; i++)
                    if ((ret[i] = vget(r, mlirOperationGetOperand(op, i))) < 0) return r->st;
            } else if (is(s, "func.call")) {
                st = call(r, op);
            } else {
                st = add_op(r, op, NULL);
            }
            if (st) return st;
        }
    return LP_OK;
}

/* The functions of the module; the entry's index, or -1. */
static int find_fns(reader *r, MlirBlock body)
{
    int n = 0;
    for (MlirOperation f = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(f);
         f = mlirOperationGetNextInBlock(f))
        if (is(mlirIdentifierStr(mlirOperationGetName(f)), "func.func")) n++;
    if (!n) return -1;
    if (!(r->fns = calloc((size_t)n, sizeof *r->fns))) return nomem(r), -1;
    for (MlirOperation f = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(f);
         f = mlirOperationGetNextInBlock(f)) {
        if (!is(mlirIdentifierStr(mlirOperationGetName(f)), "func.func")) continue;
        MlirAttribute sym = mlirOperationGetAttributeByName(f, mlirStringRefCreateFromCString("sym_name"));
        MlirAttribute vis = mlirOperationGetAttributeByName(f, mlirStringRefCreateFromCString("sym_visibility"));
        MlirStringRef nm = !mlirAttributeIsNull(sym) && mlirAttributeIsAString(sym) ? mlirStringAttrGetValue(sym)
                                                                                    : mlirStringRefCreate("", 0);
        fn_entry *e = &r->fns[r->nfns++];
        if (!(e->name = cm_strndup(r->g, nm.data, nm.length))) return nomem(r), -1;
        e->op = f;
        e->pub = mlirAttributeIsNull(vis) || !mlirAttributeIsAString(vis) || is(mlirStringAttrGetValue(vis), "public");
        e->body = mlirOperationGetNumRegions(f) > 0 &&
                  !mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(f, 0)));
    }
    int entry = -1;
    for (int i = 0; i < r->nfns && entry < 0; i++)
        if (r->fns[i].body && r->fns[i].pub && !strcmp(r->fns[i].name, "main")) entry = i;
    for (int i = 0; i < r->nfns && entry < 0; i++)
        if (r->fns[i].body && r->fns[i].pub) entry = i;
    for (int i = 0; i < r->nfns && entry < 0; i++)
        if (r->fns[i].body) entry = i;
    return entry;
}

__attribute__((visibility("default"))) lp_status lpsim_mlir_read_v1(const char *text, size_t len, cm_graph *g,
                                                                    lp_diag *d)
{
    reader r = {.g = g, .d = d, .listen = true};
    r.ctx = mlirContextCreateWithThreading(false);
    MlirDialectRegistry reg = mlirDialectRegistryCreate();
    mlirRegisterAllDialects(reg);
    mlirContextAppendDialectRegistry(r.ctx, reg);
    mlirDialectRegistryDestroy(reg);
    mlirContextSetAllowUnregisteredDialects(r.ctx, true);
    mlirContextAttachDiagnosticHandler(r.ctx, on_diag, &r, NULL);
    MlirModule mod = mlirModuleCreateParse(r.ctx, mlirStringRefCreate(text, len));
    if (mlirModuleIsNull(mod)) {
        parse_error(&r);
        goto out_ctx;
    }
    MlirBlock body = mlirModuleGetBody(mod);
    if (mlirOperationIsNull(mlirBlockGetFirstOperation(body))) {
        fail(&r, LP_ERR_PARSE, 1, 1, "the module is empty: no function to predict");
        goto out_mod;
    }
    int entry = find_fns(&r, body);
    if (r.st) goto out_mod;
    if (entry < 0) {
        fail(&r, LP_ERR_PARSE, 1, 1, "no func.func with a body in the module: lpsim predicts a function");
        goto out_mod;
    }
    generalize(&r, body);
    if (r.st) goto out_scratch;
    fn_entry *f = &r.fns[entry];
    g->func = f->name;
    MlirBlock eb = mlirRegionGetFirstBlock(mlirOperationGetRegion(f->op, 0));
    for (intptr_t i = 0; i < mlirBlockGetNumArguments(eb); i++) {
        MlirValue v = mlirBlockGetArgument(eb, i);
        int32_t t = new_tensor(&r, mlirValueGetType(v), -1, 0);
        if (t < 0 || !vput(&r, v, t)) goto out_scratch;
    }
    MlirOperation fop = f->op;
    MlirAttribute ft = mlirOperationGetAttributeByName(fop, mlirStringRefCreateFromCString("function_type"));
    intptr_t nret =
        !mlirAttributeIsNull(ft) && mlirAttributeIsAType(ft) && mlirTypeIsAFunction(mlirTypeAttrGetValue(ft))
            ? mlirFunctionTypeGetNumResults(mlirTypeAttrGetValue(ft))
            : 0;
    int32_t *ret = calloc((size_t)(nret ? nret : 1), sizeof *ret);
    if (!ret) {
        nomem(&r);
        goto out_scratch;
    }
    for (intptr_t i = 0; i < nret; i++) ret[i] = -1;
    f->active = true;
    if (!walk_fn(&r, fop, ret, nret))
        for (intptr_t i = 0; i < nret; i++)
            if (ret[i] >= 0) g->tensors[ret[i]].output = true;
    free(ret);
out_scratch:
    if (r.have_scratch) mlirModuleDestroy(r.scratch);
out_mod:
    mlirModuleDestroy(mod);
out_ctx:
    mlirContextDestroy(r.ctx);
    free(r.vmap);
    free(r.fns);
    free(r.gens);
    free(r.tmp.p);
    return r.st;
}
