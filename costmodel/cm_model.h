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

/* The architecture's terms the model uses. */
typedef struct cm_target {
    const char *name;
    double clock_ghz;
    uint64_t cores;
    double dram_gbps, dram_pj_per_byte;
    uint64_t l2_bytes;
    double l2_gbps, l2_pj_per_byte;
    double static_w, launch_ns, gap_ns, host_dispatch_ns, conv_call_ns;
    double cap_w, min_clock_ghz; /* the power cap (0: none) and the lowest clock it may set */
    const tc_rate *rates;        /* the matrix unit's formats; NULL: no matrix unit */
    unsigned nrates;
    const tc_rate *tf32; /* its TF32 rate (e8m10, IEEE: float32 products by default), or NULL */
    uint64_t rows, cols; /* its array (0 x 0: an ideal unit, no array shape) */
    uint64_t lanes;      /* the vector unit's, per core */
    double exp_cycles, reduce_cycles, vec_pj_per_op;
} cm_target;

/* The terms of a (the architecture is borrowed: keep it while t is used). */
void cm_target_of(const arch_cfg *a, cm_target *t);

/* One kernel. */
typedef struct cm_row {
    int32_t op;           /* the op that leads it (the first in program order) */
    int32_t nfused;       /* ops merged into it */
    const int32_t *fused; /* their indexes, in program order */
    cm_kind kind;         /* the leading op's kind */
    uint64_t flops, macs, bytes;
    double compute_ns, memory_ns, latency_ns, energy_pj;
    double clock_ghz; /* the clock it ran at: clock_ghz, or lower under the power cap */
    bool kernel;      /* false for free and unmodelled ops: no time, no energy */
    bool on_matrix;   /* its products ran on the matrix unit */
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
