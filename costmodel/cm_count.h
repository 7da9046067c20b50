/*
** cm_count.h — what each op of a graph costs in the units the model needs:
** its kind, FLOPs (2 per multiply-add of a product, the op table's FLOPs per
** element otherwise), multiply-adds, bytes read and written, and for
** products the contraction sizes (batch, rows, columns, depth); then the
** patterns found across ops (softmax, attention; cm_pattern.c). The rules
** are the rows of cm_ops.def; docs/costmodel.md gives every formula.
*/
#ifndef LP_CM_COUNT_H
#define LP_CM_COUNT_H

#include "cm_graph.h"
#include "lp_diag.h"

typedef enum cm_rule {
    CM_RULE_FREE,
    CM_RULE_EW,
    CM_RULE_BCAST,
    CM_RULE_MOVE,
    CM_RULE_SLICE,
    CM_RULE_UPDATE,
    CM_RULE_REDUCE,
    CM_RULE_WINDOW,
    CM_RULE_DOT_GENERAL,
    CM_RULE_DOT,
    CM_RULE_CONV,
    CM_RULE_TOSA_CONV,
    CM_RULE_TOSA_DWCONV,
    CM_RULE_TOSA_TCONV,
    CM_RULE_TOSA_MATMUL,
    CM_RULE_TOSA_FC,
    CM_RULE_LINALG,
    CM_RULE_SOFTMAX,
    CM_RULE_CONTROL,
    CM_RULE_CUSTOM,
} cm_rule;

/* One row of cm_ops.def. */
typedef struct cm_op_rule {
    const char *name;
    cm_kind kind;
    cm_rule rule;
    int flops; /* per element, or per multiply-add */
    cm_vcost vcost;
} cm_op_rule;

/* The row of an op name, or NULL. */
const cm_op_rule *cm_rule_of(const char *name);

/* The rows of the table, in its (sorted) order; NULL past the end. */
const cm_op_rule *cm_rule_at(int i);

/* Derive every op's counted fields (cm_graph.h, "derived by the counter"),
** the patterns and g->count. LP_OK, or LP_ERR_NOMEM. An op the rules cannot
** cost is UNMODELLED with its reason, never an error. */
lp_status cm_count(cm_graph *g, lp_diag *d);

/* Find the softmax and attention patterns (cm_pattern.c); called by cm_count
** once every op is counted. LP_OK or LP_ERR_NOMEM. */
lp_status cm_find_patterns(cm_graph *g, lp_diag *d);

/* The tensor t is a view of, through free ops of one operand (reshapes,
** casts of the type): the tensor whose bytes it is. */
int32_t cm_view_root(const cm_graph *g, int32_t t);

#endif
