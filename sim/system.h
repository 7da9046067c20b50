/*
** system.h — the door from C into the SystemC system (sim/system.cpp).
**
** The system: a controller issues the program's instructions in order into
** the queues of the chip's units (one per unit; a DMA unit has one per
** engine), stalling only while a queue is full; an instruction goes to the
** chip's first unit of its class (units.h), and one the chip has no unit for
** is refused. A unit starts an instruction once every earlier, unfinished one
** that touches an overlapping memory range with a write on either side has
** finished (a scoreboard over the operation's ranges, recorded at issue), so
** the DMA of the next tile proceeds while the current one multiplies.
** DMA engines are TLM-2.0 initiators; DRAM is a TLM target that shares its
** bandwidth between them (loosely timed: each burst reserves the channel);
** the scratchpad and the accumulator buffer are TLM targets of interleaved
** banks (models/units/mem), each access occupying the banks it touches after
** the work queued on them, so that DMA bursts and operand streams contend
** where they meet and a unit whose operands outrun the banks runs at the
** buffer's rate. Units take their cycles from their kind's timing face and
** energy from its cost face and, in functional mode, compute the values
** through the functional machine when an instruction completes; the
** scoreboard makes that order equivalent to program order, and since timing
** never looks at values, timing-only runs give the same cycles.
**
** SystemC elaborates once per process: lp_sim_run may be called once; a sweep
** runs one process per simulation.
*/
#ifndef LP_SYSTEM_H
#define LP_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "machine.h"
#include "prog.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The --trace CSV, as written here and read by `lpsim timeline`: this header,
** then one row per instruction; the unit column names the unit (its name in
** the architecture: dma, matrix, vector, or a name of its units: list). */
#define LP_SIM_TRACE_HEADER "index,instruction,unit,issue_cycle,start_cycle,end_cycle"

/* Options of lp_sim_run_ex. all_cores: simulate every core, not one per
** group of timing twins (the reference the grouping is checked against;
** functional runs always simulate every core). */
typedef struct lp_sim_opts {
    FILE *trace;
    bool all_cores;
} lp_sim_opts;

/* What one kernel of the program did (ran false: it did not run, as an
** earlier error or HALT stopped the program). Cycles from the kernel's start
** (when every core finished the previous one) to its last completion. */
typedef struct lp_kernel_stats {
    bool ran;
    uint64_t start_cycle, cycles;
    uint32_t cores;     /* cores with instructions in it */
    uint32_t simulated; /* cores simulated for them (groups of timing twins) */
    uint64_t macs, dram_bytes, l2_bytes;
    double energy_pj;
    double clock_ghz;     /* under the power cap (power.h) */
    double latency_ns;    /* at that clock, the launch included */
    double dram_fraction; /* of loaded bytes, those read from DRAM (1 without an L2) */
} lp_kernel_stats;

/* Run program p, of one or more kernels on one or more cores, on
** architecture a (docs/multicore.md): kernels in order, each starting when
** every core finished the previous one; within a kernel, each group of
** timing twins (cores.h) simulated once and counted for all. ks, if not
** NULL, receives one entry per kernel (isa_prog_layout's count). A program
** naming a core beyond a's `cores` is LP_ERR_RANGE. Otherwise as lp_sim_run.
** Call at most once per process. */
lp_status lp_sim_run_ex(const isa_prog *p, const arch_cfg *a, machine *m, const lp_sim_opts *o, lp_stats *st,
                        lp_kernel_stats *ks, size_t *at, lp_diag *d);

/* Run program p on architecture a. m is the functional machine (values
** computed) or NULL (timing only). trace, if not NULL, receives one CSV line
** per instruction. LP_OK, or an error (LP_ERR_UNIT: the chip has no unit for
** an instruction or its unit cannot run it; LP_ERR_RANGE: a tile outside the
** chip's memories; or what a functional face reports) with d's message and
** *at the instruction's index. Call at most once per process. */
lp_status lp_sim_run(const isa_prog *p, const arch_cfg *a, machine *m, FILE *trace, lp_stats *st, size_t *at,
                     lp_diag *d);

#ifdef __cplusplus
}
#endif

#endif
