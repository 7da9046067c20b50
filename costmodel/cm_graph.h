/*
** cm_graph.h — the op graph of an MLIR function as the cost model sees it:
** ops in program order with their operand and result tensors (shape, element
** type, the op that produced each), the few attributes the cost rules read,
** the op names of their bodies, and for linalg structured ops the loops and
** indexing maps. Calls of func.func are inlined (each call's ops appear once
** per call); the ops of regions (reduce bodies, linalg bodies, loops) are not
** ops of the graph, only named in their op's body list.
**
** Two halves fill it. The reader (cm_mlir.c, a module loaded on demand, the
** only code that sees the MLIR C API) fills the structure: names, positions,
** tensors, attributes as MLIR prints them, linalg loops. The counter
** (cm_count.c) then derives what the model needs: each op's kind, FLOPs,
** multiply-adds, bytes, contraction sizes, and the patterns found across ops
** (softmax, attention; cm_pattern.c).
**
** Memory: everything a graph points to lives in its arena and goes with
** cm_graph_free; op and tensor arrays grow by realloc, so hold indexes, not
** pointers, while ops are added. No MLIR, no lpsim library in this half:
** it is compiled into both the reader module and the cost model.
*/
#ifndef LP_CM_GRAPH_H
#define LP_CM_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cm_kind {
#define CM_KIND(id, name, help) CM_KIND_##id,
#include "cm_kinds.def"
#undef CM_KIND
    CM_KIND_COUNT
} cm_kind;

/* How an op occupies a vector unit per element (as unit_vcost: simple, exp, reduce). */
typedef enum cm_vcost { CM_VEC_NONE, CM_VEC_SIMPLE, CM_VEC_EXP, CM_VEC_REDUCE } cm_vcost;

#define CM_DYN (-1) /* a dynamic dimension */
#define CM_RANK_UNRANKED (-1)
#define CM_RANK_OPAQUE (-2)   /* not a shaped type nor a scalar (a token, a tuple): no bytes */
#define CM_MAX_LOOPS 64       /* loops of a linalg op the counter reads (a bit mask each) */
#define CM_MAX_OPS (1 << 19)  /* ops of a graph, calls inlined (the reader refuses more) */
#define CM_ATTR_TEXT_MAX 4096 /* characters of an attribute's printed form kept */

/* The attributes the cost rules read, by name; the reader keeps these only. */
#define CM_ATTR_NAMES                                                                                                  \
    "dot_dimension_numbers", "dimension_numbers", "feature_group_count", "batch_group_count", "dimensions",            \
        "window_dimensions", "kernel", "axis", "dimension", "precision_config"

typedef struct cm_tensor {
    int rank;            /* >= 0, or CM_RANK_UNRANKED, CM_RANK_OPAQUE */
    const int64_t *dims; /* rank sizes, CM_DYN where dynamic */
    const char *elem;    /* element type as MLIR prints it: "bf16", "f32", "i1", "f8E4M3FN"; "" when none */
    int elem_bits;       /* bits an element occupies in memory (i1: 8; sub-byte types packed); 0 unknown */
    int32_t producer;    /* the op that produced it, or -1 (an argument of the entry function) */
    int32_t result;      /* its index among the producer's results */
    bool output;         /* returned by the entry function */
} cm_tensor;

typedef struct cm_attr {
    const char *name, *text; /* text: mlirAttributePrint's, cut at CM_ATTR_TEXT_MAX */
} cm_attr;

/* One operand's indexing map of a linalg structured op: per result
** expression the loop it is (pure[i] >= 0) or -1 (a sum, a product, a
** constant), and the loops it reads (mask[i], bit j for loop j). */
typedef struct cm_map {
    int nres;
    const int16_t *pure;
    const uint64_t *mask;
} cm_map;

/* A linalg structured op as linalg.generic sees it (named ops generalised). */
typedef struct cm_linalg {
    int nloops;
    uint64_t reduction; /* bit j: loop j is a reduction */
    int ninputs, noutputs;
    const cm_map *maps; /* ninputs + noutputs */
    bool out_read;      /* the body reads an output's value (it accumulates) */
} cm_linalg;

typedef struct cm_op {
    /* ---- filled by the reader ---- */
    const char *name; /* MLIR op name, "stablehlo.dot_general"; a generalised linalg op keeps its own */
    int line, col;    /* where the op starts in the file (0 when unknown) */
    int nin, nout;
    const int32_t *in, *out; /* tensor indexes */
    int nattr;
    const cm_attr *attr;
    int nbody;
    const char *const *body; /* op names of its first region's first block, terminator included */
    const cm_linalg *linalg; /* NULL unless a linalg structured op */
    const char *note;        /* the reader's reason to leave it unmodelled (an unresolved call), or NULL */
    /* ---- derived by the counter ---- */
    cm_kind kind;       /* as reported: attention/softmax for the ops of a pattern */
    cm_kind base;       /* as costed alone: the op's own kind */
    cm_vcost vcost;     /* its vector work's cost class */
    bool dynamic;       /* a dynamic or unranked shape (then unmodelled) */
    bool fuse_producer; /* elementwise: --fuse merges it into the kernel of its producer */
    bool fuse_consumer; /* a broadcast: --fuse merges it into the kernel of its one consumer */
    uint64_t flops, macs, bytes_read, bytes_written;
    uint64_t b, m, n, k; /* contraction ops: batch, rows, columns, depth (macs = b m n k) */
    const char *elem;    /* contraction ops: the element type of the first operand */
    const char *reason;  /* UNMODELLED: why */
    int32_t pattern;     /* index in patterns, or -1 */
} cm_op;

/* A pattern found across ops. */
typedef struct cm_pattern {
    cm_kind kind; /* CM_KIND_SOFTMAX or CM_KIND_ATTENTION */
    int32_t nops;
    const int32_t *ops;                      /* member ops, in program order */
    int32_t qk, pv;                          /* attention: the two products; softmax: -1 */
    uint64_t batch, q_len, kv_len, head_dim; /* attention: batch (x heads), query rows, keys, head width */
} cm_pattern;

typedef struct cm_graph {
    const char *file; /* as given to the reader (not owned) */
    const char *func; /* the entry function's name */
    cm_op *ops;
    int32_t nops, ops_cap;
    cm_tensor *tensors;
    int32_t ntensors, tensors_cap;
    cm_pattern *patterns;
    int32_t npatterns;
    int32_t count[CM_KIND_COUNT]; /* ops of each kind (as reported) */
    struct cm_chunk *arena;
} cm_graph;

/* A new empty graph, or NULL when out of memory. */
cm_graph *cm_graph_new(void);
void cm_graph_free(cm_graph *g);

/* n bytes from g's arena (8-aligned, zeroed), or NULL when out of memory. */
void *cm_alloc(cm_graph *g, size_t n);
/* A copy of s[0..n) with a NUL after it, in g's arena; NULL when out of memory. */
const char *cm_strndup(cm_graph *g, const char *s, size_t n);

/* Append a zeroed op (pattern -1) or tensor (producer -1); its index, or -1
** when out of memory or past CM_MAX_OPS ops. */
int32_t cm_graph_add_op(cm_graph *g);
int32_t cm_graph_add_tensor(cm_graph *g);

/* The name of a kind; "?" out of range. */
const char *cm_kind_name(cm_kind k);

/* The attribute text of name on op, or NULL. */
const char *cm_op_attr(const cm_op *op, const char *name);

/* Elements of t (1 for a scalar); false when a size is dynamic, the tensor
** unranked or opaque, or the count passes 2^62. */
bool cm_tensor_elems(const cm_tensor *t, uint64_t *n);

/* Grow *arr (n elements of size sz used, room for *cap) to hold one more: false when out of memory
** (*arr and *cap unchanged). The graph's arrays and the lowering's (cm_lower.c) grow by it. */
bool cm_grow(void **arr, int32_t *cap, int32_t n, size_t sz);

/* Bytes t occupies (elements x bits, rounded up to bytes); 0 when unknown. */
uint64_t cm_tensor_bytes(const cm_tensor *t);

/* Write t as "1x128x256xbf16" ("?" for a dynamic size, "*xf32" unranked,
** "bf16" a scalar) into buf; returns the length it needs (snprintf's rule). */
int cm_tensor_str(const cm_tensor *t, char *buf, size_t n);

#endif
