/*
** val_graphs.h — whole graphs and their measured runtimes, in the layout of
** ../shared/data/mlir (mlir_index.csv beside the graph files), for `lpsim
** validate --graphs`: the index read and checked row by row; the predictions,
** which the caller fills in (lpsim predict's latency_ns and wall_ns,
** sequential and fused); the two host terms of an architecture that such
** graphs fix, fitted on all of them and again without each one (leave one
** graph out); and the error figures. No MLIR and no prediction here:
** results/ depends on models/ only.
**
** The fit reads the device time of the fused composition, dev = latency_ns
** of `lpsim predict --fuse` (XLA's composition, docs/costmodel.md):
**   host_dispatch_ns  the median, over the graphs without convolutions
**                     measured under LP_GRAPH_BIG_US, of median_us - dev;
**   conv_call_ns      the median, over the graphs with convolutions, of
**                     (median_us - host_dispatch_ns - dev) / convolutions.
** A graph's leave-one-out wall time is its dev plus both terms fitted on the
** other graphs: what the graph's error would be had it not been seen.
*/
#ifndef LP_VAL_GRAPHS_H
#define LP_VAL_GRAPHS_H

#include <stdbool.h>
#include <stddef.h>

#include "lp_diag.h"

#define LP_GRAPH_INDEX "mlir_index.csv"
#define LP_GRAPH_BIG_US 200.0        /* the aim is on graphs measured above it */
#define LP_GRAPH_MAX_LINE_BYTES 4096 /* a row of the shared index is about 250 bytes */
#define LP_GRAPH_MAX_ROWS 10000      /* rows of the index */
#define LP_GRAPH_MAX_MEASURED_US 1e9 /* a measured time above it is an error */

typedef struct lp_graph {
    char *file; /* file_generic: the graph's file, relative to the index's folder or absolute (owned) */
    char *model, *sizes, *dtype; /* as the index writes them (owned) */
    double median_us, min_us;    /* the measured wall times of one call */
    int line;                    /* its row in the index */
    /* filled by the caller; NAN (convs -1) when not predicted */
    double seq_ns, fused_ns;           /* latency_ns of lpsim predict, sequential and with --fuse */
    double seq_wall_ns, fused_wall_ns; /* their wall_ns */
    int convs;                         /* its convolutions (the JSON's counts.conv) */
} lp_graph;

typedef struct lp_graph_set {
    lp_graph *g; /* owned, in the index's order */
    size_t n;
    char *path; /* the index read (owned), named in diagnostics */
} lp_graph_set;

/* Read DIR/mlir_index.csv. The header names file_generic, model, sizes,
** dtype, median_us and min_us (other columns are read past); every row has
** the header's number of fields, a file name that is not empty and not
** listed before, median_us and min_us positive numbers of microseconds (at
** most LP_GRAPH_MAX_MEASURED_US) with min_us <= median_us. Errors at
** FILE:LINE:COL (LP_ERR_PARSE, LP_ERR_RANGE); a missing or unreadable index
** at FILE:1:1 (LP_ERR_IO). On success *out owns the rows (lp_graph_set_free),
** their predictions NAN; on failure it is empty. */
lp_status lp_graph_read(const char *dir, lp_graph_set *out, lp_diag *d);

void lp_graph_set_free(lp_graph_set *s);

/* The two host terms, ns; NAN when no graph of the set fixes one (then the
** other is fitted without it: conv_call_ns needs host_dispatch_ns). */
typedef struct lp_graph_fit {
    double host_dispatch_ns, conv_call_ns;
    size_t n_host, n_conv; /* the graphs each median is over */
} lp_graph_fit;

/* Fit both terms on the predicted graphs of s, leaving out graph skip
** (SIZE_MAX: none). LP_OK, or LP_ERR_NOMEM. */
lp_status lp_graph_fit_terms(const lp_graph_set *s, size_t skip, lp_graph_fit *f);

/* The leave-one-out wall time of graph i, ns (its fused device time plus the
** terms fitted without it); NAN when it is not predicted or a term it needs
** cannot be fitted without it. LP_OK, or LP_ERR_NOMEM. */
lp_status lp_graph_loo_ns(const lp_graph_set *s, size_t i, double *out);

/* (predicted - measured) / measured x 100, the prediction in ns. */
double lp_graph_error_pct(double predicted_ns, double measured_us);

/* Figures over the predicted graphs measured above LP_GRAPH_BIG_US: the mean
** absolute percentage error of the sequential and fused wall times and of
** the leave-one-out wall time, and the largest fused one. NAN without such
** a graph. */
typedef struct lp_graph_summary {
    size_t predicted, big; /* graphs predicted; of them, measured above LP_GRAPH_BIG_US */
    double seq_mape_pct, fused_mape_pct, loo_mape_pct, fused_max_pct;
} lp_graph_summary;

/* LP_OK, or LP_ERR_NOMEM. */
lp_status lp_graph_summarize(const lp_graph_set *s, lp_graph_summary *out);

#endif
