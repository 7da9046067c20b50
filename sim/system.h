/*
** system.h — the door from C into the SystemC system (sim/system.cpp).
**
** The system: a controller issues the program's instructions in order into
** per-unit queues (DMA engines, matrix, vector), stalling only while a queue is
** full; a unit starts an instruction once every earlier, unfinished one that
** touches an overlapping memory range with a write on either side has finished
** (a scoreboard over isa_ranges, recorded at issue), so the DMA of the next
** tile proceeds while the current one multiplies.
** DMA engines are TLM-2.0 initiators; DRAM is a TLM target that shares its
** bandwidth between them (loosely timed: each burst reserves the channel);
** the scratchpad and the accumulator buffer are TLM targets of interleaved
** banks, each access occupying the banks it touches after the work queued on
** them, so that DMA bursts and operand streams contend where they meet and a
** unit whose operands outrun the banks runs at the buffer's rate (a range
** counts as one contiguous span: strided bank mapping is not modelled).
** Units take the cycles of models/timing.c and, in functional mode, compute
** the values through the functional machine when an instruction completes;
** the scoreboard makes that order equivalent to program order, and since
** timing never looks at values, timing-only runs give the same cycles.
**
** SystemC elaborates once per process: lp_sim_run may be called once; a sweep
** runs one process per simulation. Not modelled yet: PIM arrays (their
** instructions are refused).
*/
#ifndef LP_SYSTEM_H
#define LP_SYSTEM_H

#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "machine.h"
#include "prog.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { LP_SIM_DMA, LP_SIM_MATRIX, LP_SIM_VECTOR, LP_SIM_NUNITS };

/* The --trace CSV, as written here and read by `lpsim timeline`: this header,
** then one row per instruction; the unit column names LP_SIM_* by this table. */
#define LP_SIM_TRACE_HEADER "index,instruction,unit,issue_cycle,start_cycle,end_cycle"
static const char *const lp_sim_unit_names[LP_SIM_NUNITS] = {"dma", "matrix", "vector"};

typedef struct lp_sim_stats {
    uint64_t cycles;
    double latency_ns;
    uint64_t instructions;
    uint64_t macs;
    uint64_t dram_bytes, spm_bytes, acc_bytes;
    double utilization;                  /* matrix unit: time at its peak rate / total time */
    uint64_t busy_cycles[LP_SIM_NUNITS]; /* summed over a unit kind's instances */
    uint64_t stall_dep_dma;              /* controller cycles waiting on an unfinished DMA */
    uint64_t stall_dep_compute;          /* ... on an unfinished matrix or vector instruction */
    uint64_t stall_queue;                /* ... for space in a unit queue */
    double energy_pj, energy_matrix_pj, energy_vector_pj, energy_dram_pj, energy_spm_pj, energy_acc_pj;
    struct {
        char format[MF_NAME_MAX];
        uint64_t macs;
    } macs_by_format[16]; /* MACs per operand format, in order of first use */
    int nformats;
} lp_sim_stats;

/* Run program p on architecture a. m is the functional machine (values
** computed) or NULL (timing only). trace, if not NULL, receives one CSV line
** per instruction: index, mnemonic, unit, issue, start and end cycle.
** LP_OK, or LP_ERR_ARG with a message (an instruction the architecture
** cannot execute, a tile outside its memories). Call at most once. */
lp_status lp_sim_run(const isa_prog *p, const arch_cfg *a, machine *m, FILE *trace, lp_sim_stats *st, char *err,
                     size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
