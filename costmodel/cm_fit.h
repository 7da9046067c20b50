/*
** cm_fit.h — the fitted cost model: free coefficients over the default
** model's terms (cm_model.h), per class of operation, fitted by weighted
** least squares (GSL) on the operations of logged simulator runs
** (docs/costmodel.md, "Fitting").
**
** Per kernel of class c, with the default model's terms:
**   latency_ns = a0 + a1 overhead + a2 compute + a3 memory + a4 min(compute, memory)
**                + a5..a12 . map_ns (a product's GEMM-mapping terms, cm_model.h)
**   energy_pj  = b0 compute_pj + b1 memory_pj + b2 static_w x latency_ns + b3 traffic_pj
**                + b4 load_pj + b5 acc_pj + b6 unit_static_pj
** overhead is the architecture's launch (first kernel) or gap; mapped a
** product's time by the GEMM mapping's own model of its tiles (each K step
** the longest of its MMA, its loads and their latency, the busiest core's
** work items, or the DRAM bytes at DRAM's bandwidth), traffic_pj that
** mapping's DRAM traffic at DRAM's energy. The default coefficients (0, 1,
** 1, 1, -1, 0) and (1, 1, 1, 0) are the default model: overhead +
** max(compute, memory), and its energy. a4 measures how far the unit
** overlaps compute and memory (-1: fully, 0: not at all).
**
** Classes: matrix (products on a matrix unit: tensor core, ideal, FPGA
** datapath, or a product on the vector units), pim (products in PIM
** arrays), attention (an attention as one kernel), vector (everything else:
** norms, activations, residual adds, conversions, copies, elementwise,
** reductions, data movement).
**
** The same terms come from an MLIR graph's ops (cm_predict) and from the
** operations of lpsim's own workloads (cm_wl_terms: the rows `lpsim run`
** reports, or a plan of wl_generate), so a model fitted on simulator runs
** predicts graphs and sweep points alike.
*/
#ifndef LP_CM_FIT_H
#define LP_CM_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_model.h"
#include "workload.h"

typedef enum cm_class {
    CM_CLS_MATRIX,
    CM_CLS_PIM,
    CM_CLS_ATTENTION,
    CM_CLS_VECTOR, /* every vector operation: what an MLIR graph's elementwise ops use */
    /* lpsim's own vector kernels, each fitted apart (and all of them into vector) */
    CM_CLS_NORM,
    CM_CLS_ROTARY,
    CM_CLS_ACT,
    CM_CLS_RESIDUAL,
    CM_CLS_CONVERT,
    CM_CLS_COPY,
    CM_CLS_LAYERNORM,
    CM_CLS_GELU,
    CM_NCLS
} cm_class;

#define CM_NLAT (5 + CM_NMAP) /* latency features: 1, overhead, compute, memory, min(compute, memory), map_ns[] */
#define CM_NEN 7 /* energy features: compute_pj, memory_pj, static_w x latency, partials, loads, acc, unit static */

typedef struct cm_coefs {
    double lat[CM_NCLS][CM_NLAT];
    double en[CM_NCLS][CM_NEN];
    bool fitted[CM_NCLS]; /* false: the default coefficients */
} cm_coefs;

/* "matrix", "pim", "attention", "vector"; "?" out of range. */
const char *cm_class_name(int c);
/* The names of the latency and energy features (as in model files). */
const char *cm_lat_name(int i);
const char *cm_en_name(int i);
/* The class of a name, or -1. */
int cm_class_parse(const char *name);

/* The default coefficients (the default model). */
void cm_coefs_default(cm_coefs *c);

/* The features of a kernel. */
void cm_lat_features(double overhead_ns, const cm_terms *x, double f[CM_NLAT]);
void cm_en_features(double static_w, double latency_ns, const cm_terms *x, double f[CM_NEN]);

/* A kernel's latency and energy with c (never negative); a vector kernel's
** own class falls back on vector when it was not fitted. */
double cm_fit_latency(const cm_coefs *c, int cls, double overhead_ns, const cm_terms *x);
double cm_fit_energy(const cm_coefs *c, int cls, double static_w, double latency_ns, const cm_terms *x);

/* The class of a row of cm_predict. */
int cm_class_of_row(const cm_graph *g, const cm_row *r);

/* The terms of one operation of lpsim's workloads (a run_ops row, a
** wl_plan op): its kind and shape as `lpsim run` reports them
** ("gemm" "512x4096x4096", "attention" "b1 h32 kv8 d128 q512 k512",
** "rmsnorm" "512x4096", ...), whether it ran in PIM arrays, of workload s
** (its formats) on t (and a, for the PIM arrays), mp what its mapping adds
** (NULL: nothing). Fills *cls and *x;
** LP_OK, or LP_ERR_ARG for a kind or shape it cannot read (d's message).
** overhead is left to the caller (the target's gap). */
/* What an operation's mapping says that its kind and shape do not (0:
** not known): a vector kernel's instructions on its busiest core
** (`core_insns` of its mapping); a PIM product's `rows_per_core` and
** `batch_rows`. */
typedef struct cm_wl_map {
    double core_insns;
    double rows_per_core, batch_rows; /* a PIM product: weight rows a core holds, activation rows a call takes */
} cm_wl_map;

lp_status cm_wl_terms(const cm_target *t, const arch_cfg *a, const wl_spec *s, const char *kind, const char *shape,
                      bool pim, const cm_wl_map *mp, int *cls, cm_terms *x, lp_diag *d);

/* Add to x the GEMM mapping's terms (mapped_ns, traffic_pj) of an M x N x K
** product of formats fa, fb -> fo, B stored as layout (0: N x K), on at most
** cores cores (0: all); nothing when the mapping refuses it. */
void cm_gemm_mapped(const cm_target *t, const arch_cfg *a, uint64_t M, uint64_t N, uint64_t K, const wl_fmt *fa,
                    const wl_fmt *fb, const wl_fmt *fo, uint64_t layout, uint64_t cores, cm_terms *x);

/* One training sample: an operation's terms and what the simulator gave. */
typedef struct cm_sample {
    int cls;
    int kind;      /* index into the caller's list of operation kinds (for the report) */
    int64_t group; /* the run it came from: folds keep a run's operations together */
    double overhead_ns, static_w;
    cm_terms x;
    double latency_ns, energy_pj; /* measured per instance */
    double repeat;                /* instances in its run */
} cm_sample;

/* Fit c on the samples (weighted least squares on relative residuals, a
** class with fewer than 2 x its free coefficients samples keeps the default;
** features that are zero in every sample of a class keep their default
** coefficient). ridge > 0 pulls each latency coefficient toward a prior
** (the pipeline term alone, where the class has one: coefficient 1, the
** others 0; else the default model) with weight ridge per sample, in units
** of its feature's size: few distinct shapes then cannot buy large opposite
** coefficients of nearly parallel terms (CM_FIT_RIDGE, docs/costmodel.md).
** LP_OK, or LP_ERR_NOMEM / LP_ERR_RANGE (GSL failed) with d. */
#define CM_FIT_RIDGE 1e-3
lp_status cm_fit(const cm_sample *s, size_t n, double ridge, cm_coefs *c, lp_diag *d);

/* k-fold cross validation: fold of a sample = hash(group) % k; each fold
** predicted by a model fitted on the others. Per kind (kinds entries): the
** samples, mean absolute percentage error of latency and energy. */
typedef struct cm_cv {
    size_t n;
    double mape_latency, mape_energy;
} cm_cv;
lp_status cm_crossval(const cm_sample *s, size_t n, double ridge, int k, int kinds, cm_cv *per_kind, cm_cv *all,
                      cm_cv *runs, lp_diag *d);
/* runs: the same per group (a run's latency and energy: its operations x
** their repeats, summed). */

/* The model file: JSON (docs/costmodel.md, "Model files"). cm_coefs_json
** returns a new object {"class": {"latency": {...}, "energy": {...},
** "fitted": bool}}; cm_coefs_from_json reads one back, file and d placing an
** error (LP_ERR_PARSE). */
struct json_t;
struct json_t *cm_coefs_json(const cm_coefs *c);
lp_status cm_coefs_from_json(const struct json_t *j, const char *file, cm_coefs *c, lp_diag *d);

/* Read a model file (cm_model_json's object with "coefficients"), its
** architecture name into arch (n bytes). LP_OK, or LP_ERR_IO / LP_ERR_PARSE
** with d placed at the file. */
lp_status cm_model_load(const char *path, cm_coefs *c, char *arch, size_t n, lp_diag *d);

#endif
