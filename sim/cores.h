/*
** cores.h — how the simulator covers a program of several kernels and cores
** (docs/multicore.md): for each kernel, its sections grouped into timing
** twins, so that one core of a group is simulated for all of them, and the
** bytes its loads read, in total and missing the L2, from which the L2's
** reuse follows.
**
** Two sections are twins when their instructions are equal apart from DRAM
** addresses (isa_word_timing_key) and neither writes DRAM where it also reads
** or writes: then no dependency goes through DRAM, timing never looks at a
** DRAM address, and the two take the same cycles (with the static share of
** the shared levels every core gets, see mem.h). Any other section is a group
** of its own. Pure logic: no SystemC.
*/
#ifndef LP_CORES_H
#define LP_CORES_H

#include <stdbool.h>
#include <stdint.h>

#include "prog.h"

typedef struct lp_core_group {
    uint32_t rep;   /* the section simulated (an index into the program's sections) */
    uint32_t count; /* sections it stands for, itself included */
} lp_core_group;

typedef struct lp_kernel_plan {
    uint32_t active;                 /* sections with at least one instruction: the cores at work */
    uint64_t load_bytes, miss_bytes; /* DRAM bytes its loads read, and of those the L2 misses */
    lp_core_group *groups;           /* owned */
    uint32_t ngroups;
} lp_kernel_plan;

/* Plan every kernel of p (isa_prog_layout's kernels, in order) into *plans
** (n entries, owned by the caller: lp_plan_free). all_cores: every section
** its own group (the reference that simulates every core). Sections without
** instructions are left out of every group. LP_OK or LP_ERR_NOMEM. The L2's
** misses: the cores' loads taken in step (the i-th of each core, then the
** (i+1)-th), a load missing when its tile (exact address, rows, row bytes,
** pitch: tiles that overlap without being equal are different) was never
** loaded or more than l2_bytes were loaded since it last was. Bytes are a
** tile's as stored, sub-byte elements packed (mem_range_bytes). */
lp_status lp_plan_kernels(const isa_prog *p, bool all_cores, uint64_t l2_bytes, lp_kernel_plan **plans, size_t *n);
void lp_plan_free(lp_kernel_plan *plans, size_t n);

#endif
