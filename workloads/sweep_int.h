/*
** sweep_int.h — what sweep.c (reading) and sweep_expand.c (points) share.
*/
#ifndef SW_SWEEP_INT_H
#define SW_SWEEP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "sweep.h"
#include "sw_expr.h"
#include "workload.h"

/* The file as libcyaml loads it. */
typedef struct sw_range {
    double from, to, step, factor;
} sw_range;

typedef struct sw_axis {
    char *key, *name;
    char **values;
    unsigned values_count;
    sw_range *range;
    char **set;
    unsigned set_count;
    char **labels;
    unsigned labels_count;
} sw_axis;

typedef struct sw_file {
    char *arch;
    uint64_t seed;
    char **workloads;
    unsigned workloads_count;
    sw_axis *axes;
    unsigned axes_count;
    char **points;
    unsigned points_count;
    char **constraints;
    unsigned constraints_count;
} sw_file;

enum { SW_BASE, SW_ARCH_KEY, SW_WL_KEY, SW_LABEL /* a listed point's label on a named set axis */ };

/* One key a point sets, with where its value is in the file. */
typedef struct sw_set {
    char key[96];  /* the key as the loader knows it (workload. stripped) */
    char name[96]; /* as written, for the point's parameters */
    char val[128];
    int line, col;
    int kind; /* SW_BASE, SW_ARCH_KEY, SW_WL_KEY, SW_LABEL */
    bool applied;
} sw_set;

/* One value of an axis, or one listed point: the keys it sets. */
typedef struct sw_choice {
    sw_set *sets;
    int nsets;
    const char *name, *label; /* a named set axis's name and this value's label (else NULL) */
} sw_choice;

/* A base architecture's effective configuration, indexed. */
typedef struct sw_base {
    char *name; /* as written */
    char *text;
    size_t len;
    cfg_index ix;
} sw_base;

typedef struct sw_cons {
    sw_expr *e;
    int line;
} sw_cons;

typedef struct sw_ctx {
    const char *text, *file;
    size_t len;
    cfg_index ix;
    sw_file *f;
    sw_base *bases;
    size_t nbases;
    sw_cons *expr;
    size_t nexpr;
} sw_ctx;

typedef struct sw_axis_vals {
    sw_choice *v;
    size_t n;
} sw_axis_vals;

/* Everything an expansion holds. */
typedef struct sw_expander {
    sw_ctx *c;
    sw_sweep *s;
    lp_diag *d;
    sw_axis_vals *axes;
    size_t naxes;
    sw_axis_vals listed;
    wl_spec *specs; /* the listed workloads, parsed */
    size_t cap;     /* of s->points */
    /* distinct architectures: open addressing on their text */
    size_t *slot;
    size_t nslots;
    double *vars;
} sw_expander;

/* Where the text of the value at path begins (inside its quotes). */
void sw_place(const sw_ctx *c, const char *path, int *line, int *col);

/* Expand c's file into s's points. */
lp_status sw_expand(sw_ctx *c, sw_sweep *s, lp_diag *d);

void sw_bases_free(sw_ctx *c);

/* sweep_expand.c: the pieces of a point. */
lp_status sw_get_base(sw_expander *x, const char *name, int line, int col, size_t *out);
lp_status sw_axis_values(sw_expander *x, unsigned ai, sw_axis_vals *out);
lp_status sw_parse_assignments(sw_expander *x, const char *text, int line, int col0, bool listed, sw_choice *ch);
lp_status sw_point_arch(sw_expander *x, size_t bi, sw_set **as, int na, size_t *out);
void sw_ctx_free(sw_ctx *c);

#endif
