/*
** timing.h — the timing and cost faces of the units: cycles and energy of one
** instruction on an architecture, from shapes and formats only (never operand
** values). The SystemC system adds what only it can see: queues, overlap,
** dependencies and shared DRAM bandwidth.
**
** Matrix unit: an m x n x k MMA runs ceil(m/rows) x ceil(n/cols) passes over
** the MAC array, each taking ceil(k * rows * cols / rate) cycles at the
** format's rate (MACs per cycle for the whole array), plus the pipeline's fill
** and drain once. A tile smaller than the array still takes a full pass (its
** idle MACs are the under-utilisation a kernel writer wants to see); halving
** the element width doubles the rate where the architecture lists it so.
** Vector unit: ceil(elements / lanes) groups of 1, exp or reduce cycles.
** DMA: one engine moves bytes_per_cycle, after the DRAM latency.
*/
#ifndef LP_TIMING_H
#define LP_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

typedef struct unit_cost {
    uint64_t cycles;    /* cycles the unit is busy */
    double energy_pj;   /* energy of the operation itself (memories apart) */
    uint64_t macs;      /* multiply-accumulates performed (matrix unit) */
    double utilization; /* useful MACs / MAC slots of the passes (matrix unit) */
} unit_cost;

typedef enum vec_kind { VEC_SIMPLE, VEC_EXP, VEC_REDUCE } vec_kind;

/* Cost of an MMA of m x n x k with operand format fmt (an lpsim format name;
** for MX operands the element format). LP_OK, or LP_ERR_ARG with a message
** in err when the architecture's matrix unit does not run fmt. */
lp_status timing_mma(const arch_cfg *a, const char *fmt, uint64_t m, uint64_t n, uint64_t k, unit_cost *out, char *err,
                     size_t errlen);

/* Cost of a vector operation over n float32 elements. */
void timing_vector(const arch_cfg *a, vec_kind kind, uint64_t n, unit_cost *out);

/* Cycles one DMA engine needs to move bytes, latency included (no contention). */
uint64_t timing_dma_cycles(const arch_cfg *a, uint64_t bytes);

/* Energy of moving bytes across DRAM, and of reading or writing bytes of
** the scratchpad or accumulator buffer. */
double timing_dram_energy_pj(const arch_cfg *a, uint64_t bytes);
double timing_spm_energy_pj(const arch_cfg *a, uint64_t bytes);
double timing_acc_energy_pj(const arch_cfg *a, uint64_t bytes);

#endif
