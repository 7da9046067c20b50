/*
** pim.h — SRAM processing-in-memory arrays (unit kind pim): C-SRAM arrays
** beside a cache slice (SAIL, Neural Cache) or a digital compute-in-memory
** macro, holding a weight matrix as bit planes and computing GEMV/GEMM on it.
**
** Faces (docs/pim.md gives the formulas and their sources):
**   functional (pim_func.c)  weights placed into arrays by index; GEMV and GEMM
**       as the arrays compute them: for integer operands, exact products summed
**       in an acc_bits-wide two's-complement accumulator that wraps on
**       overflow (acc_bits 0, or no pim unit declared: exact, summed in
**       double); other formats summed in double. Conversion of held weights.
**   timing (pim_timing.c)   cycles from step counts: LUT (T-MAC's lookups,
**       one per weight bit plane and group, tables of activation sums built
**       in the arrays once per GEMM for the whole batch), bit-serial
**       (PIMeval's row reads, writes and logic steps per add and multiply), or
**       a digital CIM macro's adder trees; placement passes, reloads and the
**       host interface.
**   cost (pim_cost.c)        row reads, row writes and logic steps times their
**       energies, plus static power over the operation's time.
** Left out: SAIL's pattern-reuse table (13.8% of cycles), bank conflicts
** between arrays, overlap of the host transfers with compute.
*/
#ifndef LP_PIM_H
#define LP_PIM_H

#include "units.h"

/* The arrays of one core. Field names are an interface (the mapping of
** workloads onto PIM codes against them): add, never rename. */
typedef struct pim_cfg {
    uint64_t array_rows, array_cols, arrays; /* bits per array; arrays 0: disabled (the CPU baseline) */
    char *mode;                              /* "lut" or "bitserial": what the mapping emits */
    uint64_t lut_group, lut_sign, acc_bits;
    double t_read_cycles, t_write_cycles, t_logic_cycles, host_bw_gbps, host_lat_ns, e_read_pj, e_write_pj, e_logic_pj,
        static_w, area_mm2;
    uint64_t adder_tree; /* 1: a digital CIM macro, adder trees under the columns (times every GEMV) */
} pim_cfg;

/* What an operation does in the arrays: events summed over all arrays (a row
** read in each of 8 arrays is 8 reads) and the cycles they take with the
** arrays in parallel. pim_events fills it from shapes and configuration. */
typedef struct pim_events {
    double reads, writes, logic; /* row reads, row writes, logic steps (array events) */
    double host_bytes;           /* bytes over the host interface */
    uint64_t passes;             /* placements of the weight matrix (1 when it fits) */
    uint64_t cycles;
} pim_events;

extern const cfg_section pim_section;
extern const unit_faces pim_faces;

/* Weight bits the arrays of one core hold: array_rows x array_cols x arrays. */
uint64_t pim_capacity_bits(const pim_cfg *c);

/* PIMeval's bit-serial step counts (FACTS D.4) for n-bit integers. */
typedef struct pim_steps {
    uint64_t reads, writes, logic;
} pim_steps;
pim_steps pim_steps_add(uint64_t n);                         /* 2n, n, 3n+1 */
pim_steps pim_steps_mul(uint64_t n);                         /* n(n+1), n(n+1)/2, 2n^2+n */
pim_steps pim_steps_convert(uint64_t sbits, uint64_t dbits); /* min(s,d), d, 0 */

/* Events and cycles of op on the arrays of c at chip's clock. LP_OK, or
** LP_ERR_UNIT with d's message when the arrays are disabled (arrays 0). */
lp_status pim_events_of(const arch_cfg *chip, const pim_cfg *c, const unit_op *op, pim_events *ev, lp_diag *d);

lp_status pim_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
double pim_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);

#endif
