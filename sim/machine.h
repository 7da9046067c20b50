/*
** machine.h — the functional face of the simulated chip: its memories (DRAM
** image, scratchpad, accumulator buffer) and the state of its units, on which
** every instruction's unit operation computes its values, bit-exactly, in
** program order. No cycles here: the SystemC system composes this with the
** timing faces.
**
** An operation runs on the chip's unit of its class (the functional face of
** that unit's kind, with its configuration); when the chip has no unit of the
** class, on the class's reference kind (units.h), so that the functional
** machine gives every instruction its ISA semantics. The simulator, not this
** machine, refuses instructions for units a chip lacks.
*/
#ifndef LP_MACHINE_H
#define LP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "prog.h"
#include "qerr.h"
#include "units.h"

typedef struct machine {
    const isa_prog *prog;
    const arch_cfg *arch;
    mem_image mem;
    void *state[UNIT_KIND_COUNT]; /* the current core's units' functional state (PIM arrays), or NULL */
    /* Several cores: each has its own scratchpad, accumulator buffer and
    ** units' state (its PIM arrays: weights a core placed stay in its arrays
    ** across kernels), allocated when first used; mem and state hold the
    ** current core's. DRAM is shared. */
    uint8_t *(*core_mem)[2];              /* [core][0 spm, 1 acc], NULL until a core other than 0 runs */
    void *(*core_state)[UNIT_KIND_COUNT]; /* [core]: the units' state of cores not current */
    uint32_t ncore_mem, core;
} machine;

/* Memories sized by the architecture, DRAM filled from the program's buffers.
** LP_OK or LP_ERR_NOMEM. */
lp_status machine_init(machine *m, const isa_prog *p, const arch_cfg *a);
void machine_free(machine *m);

/* Every scratchpad and accumulator range of an operation inside the chip's
** sizes: LP_OK, or LP_ERR_RANGE with d's message naming the instruction's
** mnemonic. The functional machine and the SystemC controller (timing-only
** runs too) both check with it. */
lp_status machine_check_ranges(const arch_cfg *a, const char *mnemonic, const unit_op *op, lp_diag *d);

/* Make core the one whose scratchpad and accumulator buffer instructions use
** (core 0 at first). LP_OK or LP_ERR_NOMEM. */
lp_status machine_set_core(machine *m, uint32_t core);

/* Compute the values of one operation (checked ranges). LP_OK, or what the
** unit's functional face reports (d's message, no position). */
lp_status machine_exec(machine *m, const unit_op *op, lp_diag *d);

/* Decode, check and execute instruction i of the program. */
lp_status machine_step(machine *m, size_t i, lp_diag *d);

/* Execute the whole program (up to HALT): kernels in order, each core's
** section in turn (cores of a kernel write disjoint data in any program whose
** result does not depend on their timing). On error *at is the instruction. */
lp_status machine_run(machine *m, size_t *at, lp_diag *d);

/* Compare every expected output with the DRAM buffer it names; print up to
** max_report mismatches (index, expected, got, ULP distance) to out. Returns
** the number of expectations that failed. */
int machine_check(const machine *m, FILE *out, int max_report);

/* The error of the buffer the program's float64 reference names (prog.h,
** isa_prog.ref) against that reference, each output decoded from its
** format and multiplied by ref_scale (qerr.h). false, *e untouched, when
** the program carries no reference. */
bool machine_error(const machine *m, qerr *e);

#endif
