/*
** cm_model.h — the default analytical cost model: the latency and energy of
** a counted graph on an architecture, from the architecture's own terms
** (no fitted coefficients yet: `lpsim fit` comes later).
**
** Per kernel (an op, or with fusion an op and those merged into it):
**   compute_ns  products on the matrix unit: ceil(tiles / cores) waves of
**               ceil(k x rows x cols / rate) cycles, tiles = b x ceil(m /
**               rows) x ceil(n / cols) of the unit's array (padding and wave
**               quantisation included), rate the unit's MACs per cycle for
**               the first operand's format (float32: TF32, e8m10, when the
**               unit lists it and the op does not ask for HIGHEST precision;
**               an ideal unit, without an array: ceil(ceil(MACs / cores) /
**               rate)); a format the unit lacks (or no matrix unit) runs on
**               the vector units, one MAC per lane and cycle; other ops on
**               the vector units, ceil(flops / (lanes x cores)) groups of 1,
**               exp_cycles or reduce_cycles cycles. Under the power cap (as
**               models/arch/power.h): a kernel whose power, static_w plus
**               its dynamic energy over max(compute, memory) at clock_ghz,
**               passes cap_w runs at the clock f that meets it (not below
**               min_clock_ghz), its compute_ns x clock_ghz / f.
**   memory_ns   bytes at the L2's bandwidth when they fit the L2, else DRAM's.
**   latency_ns  max(compute, memory) + launch_ns for the graph's first
**               kernel, kernel_gap_ns for each other (as lpsim run does).
**   energy_pj   MACs x the format's energy_pj_per_mac (the vector unit's
**               energy_pj_per_op off the matrix unit) + vector ops x
**               energy_pj_per_op + bytes x the L2's or DRAM's energy per
**               byte + static_w x latency.
** The graph: kernels in sequence; wall_ns adds the host's time: host_dispatch_ns
** per call and conv_call_ns per convolution (a library call outside the
** framework's captured graph). Free and unmodelled ops cost nothing (the
** latter listed by the caller).
**
** Fusion (fuse), as XLA composes a graph: an elementwise op joins the kernel
** of its operand's producer when that result has no other consumer (or only
** elementwise ones); a broadcast joins the kernel of its one consumer; the
** ops of a softmax form one kernel, and so do those of an attention but its
** two products (XLA writes the scores: Q K^T, the softmax with its scale and
** mask, and the product with V are three kernels). A kernel's bytes are its
** ops' minus the tensors that stay inside it (written by one member, read
** only by members).
*/
#ifndef LP_CM_MODEL_H
#define LP_CM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "cm_graph.h"
#include "tc.h"

struct cm_coefs; /* cm_fit.h: fitted coefficients */

/* The architecture's terms the model uses. */
typedef struct cm_target {
    const char *name;
    double clock_ghz;
    uint64_t cores;
    double dram_gbps, dram_pj_per_byte;
    uint64_t l2_bytes;
    double l2_gbps, l2_pj_per_byte;
    double static_w, launch_ns, gap_ns, host_dispatch_ns, conv_call_ns;
    bool fuse_after_products;    /* fused: an elementwise consumer of a matrix product joins its kernel */
    double cap_w, min_clock_ghz; /* the power cap (0: none) and the lowest clock it may set */
    const tc_rate *rates;        /* the matrix unit's formats; NULL: no matrix unit */
    unsigned nrates;
    const tc_rate *tf32; /* its TF32 rate (e8m10, IEEE: float32 products by default), or NULL */
    uint64_t rows, cols; /* its array (0 x 0: an ideal unit, no array shape) */
    uint64_t lanes;      /* the vector unit's, per core */
    double exp_cycles, reduce_cycles, vec_pj_per_op;
    const arch_cfg *arch;         /* the architecture (borrowed) */
    tc_cfg view;                  /* the matrix unit's view when it is not a tensor core (wl_matrix_tc) */
    const struct cm_coefs *coefs; /* NULL: the default model; else a fitted model (cm_fit.h) */
} cm_target;

/* The terms of a (the architecture is borrowed: keep it while t is used).
** A matrix unit is seen as the GEMM mapping sees it (wl_matrix_tc): a
** tensor core, an ideal unit, or an FPGA datapath's PE grid and rate. */
void cm_target_of(const arch_cfg *a, cm_target *t);

/* One piece of work as the model costs it alone, however it was described
** (an MLIR op, an operation of lpsim's own plans: cm_fit.h). */
typedef struct cm_work {
    uint64_t macs, b, m, n, k; /* a product: multiply-adds, contraction sizes */
    const char *fmt;           /* the lpsim format of its first operand (NULL: none) */
    uint64_t flops;            /* other vector work */
    cm_vcost vcost;            /* its cost class */
    uint64_t bytes;            /* bytes moved */
} cm_work;

/* The default model's terms of a kernel: the fitted model (cm_fit.h)
** weighs these. */
typedef struct cm_terms {
    double compute_ns, memory_ns;
    double compute_pj; /* MACs and vector operations */
    double memory_pj;  /* bytes at the level that serves them */
    /* a product's terms from its GEMM mapping (wl_gemm_map.cost; 0 without), in ns:
    ** CM_MAP_MAPPED   the mapping's model of the chosen tiles (cost_cycles)
    ** CM_MAP_STEP_LAT the busiest core's K steps x a load's latency (x 2 with MX scales)
    ** CM_MAP_STEP_MMA those steps x an MMA
    ** CM_MAP_STEP_LOAD those steps x a step's loads at the core's share of the bandwidth
    ** CM_MAP_STEP_MAX those steps x the longest of MMA, loads, half a load with its latency
    ** CM_MAP_ITEM_LAT the busiest core's work items x a load's latency
    ** CM_MAP_RED_LAT  split-K's reduction: its tiles on the busiest core x parts x a load's latency
    ** CM_MAP_RED_MEM  the reduction's bytes (float32 parts read, C written) at DRAM's bandwidth
    ** CM_MAP_STEP_BOUND those steps x the longest of MMA, loads, and a load's whole latency (twice
    **                 with MX scales: the latency not hidden), plus a latency per work item
    ** CM_MAP_PIPE     the kernels as the memory system serves them (cm_fit.c, gemm_pipe): a load's
    **                 latency is the L2's plus DRAM's times the share of loaded bytes that miss
    **                 the L2; each DMA engine moves its loads one after another; a K step takes
    **                 the longer of its MMA and its engine's loads; the busiest core's items in
    **                 turn; split-K's reduction kernel likewise */
    double map_ns[10];
    double traffic_pj;     /* split-K's float32 partial sums written and read back, at DRAM's energy (0 without) */
    double load_pj;        /* the tiles its mapping loads (A once per column of C tiles, B once per row of them)
                       ** through the L2 into the scratchpad, at their energies (0 without) */
    double acc_pj;         /* the C tiles accumulated in the accumulator buffer, once per K step (0 without) */
    double unit_static_pj; /* a matrix or PIM unit's own static power over its busy time (FPGA, PIM; 0 without) */
    double macs, bytes; /* cm_wl_terms: the operation's multiply-adds and its tensors' bytes (what memory_ns moves) */
    bool on_matrix, l2;
} cm_terms;

enum {
    CM_MAP_MAPPED,
    CM_MAP_STEP_LAT,
    CM_MAP_STEP_MMA,
    CM_MAP_STEP_LOAD,
    CM_MAP_STEP_MAX,
    CM_MAP_ITEM_LAT,
    CM_MAP_RED_LAT,
    CM_MAP_RED_MEM,
    CM_MAP_STEP_BOUND,
    CM_MAP_PIPE,
    CM_NMAP
};

/* Add w's compute time and energy to *x (a kernel adds its ops' compute). */
void cm_work_compute(const cm_target *t, const cm_work *w, cm_terms *x);

/* Set x's memory time and energy for bytes moved by one kernel. */
void cm_kernel_memory(const cm_target *t, uint64_t bytes, cm_terms *x);

/* One kernel. */
typedef struct cm_row {
    int32_t op;           /* the op that leads it (the first in program order) */
    int32_t nfused;       /* ops merged into it */
    const int32_t *fused; /* their indexes, in program order */
    cm_kind kind;         /* the leading op's kind */
    uint64_t flops, macs, bytes;
    double compute_ns, memory_ns, latency_ns, energy_pj;
    double compute_pj, memory_pj, overhead_ns; /* the terms a fitted model weighs (overhead: launch or gap) */
    int cls;                                   /* its class in a fitted model (cm_class of cm_fit.h) */
    double clock_ghz;                          /* the clock it ran at: clock_ghz, or lower under the power cap */
    bool kernel;                               /* false for free and unmodelled ops: no time, no energy */
    bool on_matrix;                            /* its products ran on the matrix unit */
    bool compute_bound;
    bool l2; /* its bytes fit the L2 */
} cm_row;

typedef struct cm_prediction {
    cm_row *rows;
    int32_t nrows, kernels;
    int32_t *fused_store;
    double latency_ns, energy_pj, wall_ns;
    int32_t convs; /* convolution kernels: each adds conv_call_ns to wall_ns */
    uint64_t flops, macs, bytes;
} cm_prediction;

/* Predict g on t, sequentially or with fusion. LP_OK with p filled (free it
** with cm_prediction_free), or LP_ERR_NOMEM. */
lp_status cm_predict(const cm_graph *g, const cm_target *t, bool fuse, cm_prediction *p, lp_diag *d);

void cm_prediction_free(cm_prediction *p);

/* "compute", "memory" or "none" (not a kernel). */
const char *cm_row_bound(const cm_row *r);

#endif
