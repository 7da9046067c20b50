/*
** cm_lower.h — a counted graph (cm_count.h) lowered into lpsim workloads
** (docs/workloads.md), so that `lpsim run` and `lpsim sweep` simulate the
** graph's products that `lpsim predict` costs (docs/costmodel.md, "Lowering").
**
** What is lowered:
**   matmul, batch_matmul, conv   one gemm each, from the op's contraction
**                 b x (m x k)(k x n): M=m N=n K=k, batch=b (a convolution by
**                 im2col: b the feature groups, m output batch x output
**                 positions, n output features and k kernel window x input
**                 features per group); gemv N=n K=k when m = b = 1. A size
**                 past its key's range is split into runs of a divisor that
**                 fits (the repeat); K past its range is not lowered.
**   attention     one attention workload per pattern: prefill (seq = q_len)
**                 when q_len > 1 and q_len = kv_len, causal when a select or
**                 an add (a mask) lies on its scores; decode (ctx = kv_len)
**                 when q_len = 1; batch and heads from Q K^T's batching
**                 dimensions (the last one the heads), kv_heads = heads (the
**                 products see K and V per query head). Its ops are covered;
**                 an attention the workload cannot take is lowered as its
**                 two products.
** Formats: an MLIR element type by the table in cm_lower.c (bf16, f16 as
** fp16, f8E4M3FN as fp8_e4m3fn, ...); f32 inputs as bf16 (the GEMM and
** attention mappings take no f32 inputs; the note says so), f32 results as
** fp32. Other element types, and everything else (elementwise ops,
** reductions, data movement), are not lowered: the former listed with the
** reason, the latter counted by kind.
**
** Identical workloads share one entry whose repeat is the sum of its ops'.
** Every spec written parses (wl_parse_inline); one that would not is listed
** as not lowered (a bug of the lowering, said so). No I/O.
*/
#ifndef LP_CM_LOWER_H
#define LP_CM_LOWER_H

#include <stdint.h>

#include "cm_graph.h"
#include "lp_diag.h"

#define CM_SPEC_MAX 256 /* an inline spec, NUL included */
#define CM_NOTE_MAX 200 /* a note or a reason */

/* One op (or attention pattern) lowered. */
typedef struct cm_lowered {
    int32_t op;      /* the op; an attention's product Q K^T */
    int32_t pattern; /* the attention pattern it stands for, or -1 */
    int32_t entry;   /* its workload, in cm_lowering.entries */
    int32_t next;    /* the next item of the same entry, or -1 */
    uint64_t repeat; /* runs of the workload that make the op (a split past a key's range; else 1) */
    bool f32_inputs; /* its f32 inputs run as bf16 (the note says so) */
    char spec[CM_SPEC_MAX];
    char note[CM_NOTE_MAX]; /* what the lowering chose ("" when nothing): a format, a split, the mask */
} cm_lowered;

/* An op (or attention pattern) that a workload could stand for, not lowered. */
typedef struct cm_unlowered {
    int32_t op, pattern; /* pattern -1 unless an attention's */
    char reason[CM_NOTE_MAX];
} cm_unlowered;

/* One distinct workload. */
typedef struct cm_lower_entry {
    int32_t first;   /* its first item; the others follow by next */
    int32_t last;    /* its last item (where the next one is linked) */
    int32_t nitems;  /* ops (and patterns) it stands for */
    uint64_t repeat; /* the sum of their repeats: runs of the workload the graph makes */
} cm_lower_entry;

typedef struct cm_lowering {
    cm_lowered *items; /* in program order (an attention at its Q K^T) */
    int32_t nitems;
    cm_unlowered *skipped; /* in program order */
    int32_t nskipped;
    cm_lower_entry *entries; /* in order of first use */
    int32_t nentries;
    int32_t covered;                  /* ops of the lowered attention patterns */
    int32_t by_design[CM_KIND_COUNT]; /* ops no workload kind stands for, by reported kind (unmodelled listed) */
} cm_lowering;

/* Lower g (counted). LP_OK with *out filled (free it with
** cm_lowering_free, also after an error), or LP_ERR_NOMEM. */
lp_status cm_lower(const cm_graph *g, cm_lowering *out, lp_diag *d);

void cm_lowering_free(cm_lowering *l);

/* The lpsim format of an MLIR element type ("f8E4M3FN" -> "fp8_e4m3fn"), or
** NULL when lpsim has none. */
const char *cm_lower_format(const char *elem);

/* Row i of the table of formats: its MLIR type into *elem, its lpsim format
** returned; NULL past the end. */
const char *cm_lower_format_at(int i, const char **elem);

/* "1x128xbf16, 128x64xbf16 -> 1x64xbf16": op's operand and result types
** into buf of n bytes, cut with "..." when longer; returns buf. */
const char *cm_op_shapes(const cm_graph *g, const cm_op *op, char *buf, size_t n);

#endif
