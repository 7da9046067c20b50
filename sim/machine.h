/*
** machine.h — the functional face of the simulated accelerator: its memories
** (DRAM image, scratchpad, accumulator buffer, PIM arrays) and what every
** instruction of the tile ISA computes, bit-exactly, in program order. No
** cycles here: the SystemC system composes this with the timing faces.
**
** Values: MMA and MMA_MX through the dot-product model with the instruction's
** preset; MXQ/MXDQ through the MX module; VCVT through the format module
** (stochastic rounding uses seed 0 and the element index); vector ops in
** float32 with round-to-nearest-even (exp, 1/sqrt and 1/x from the C library,
** each correctly rounded or within 1 ulp as glibc documents); PIM GEMV in
** exact integer arithmetic for integer weights and activations.
*/
#ifndef LP_MACHINE_H
#define LP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "prog.h"

typedef struct machine {
    const isa_prog *prog;
    uint8_t *dram;
    uint64_t dram_bytes;
    uint8_t *spm, *acc;
    uint64_t spm_bytes, acc_bytes;
    /* PIM arrays: each placed matrix keeps its values (rows x cols floats) */
    struct pim_array {
        uint32_t rows, cols;
        float *w;
    } * pim;
    int npim;
} machine;

/* Memories sized by the architecture, DRAM filled from the program's buffers.
** LP_OK or LP_ERR_NOMEM. */
lp_status machine_init(machine *m, const isa_prog *p, const arch_cfg *a);
void machine_free(machine *m);

/* Every scratchpad and accumulator range of the instruction inside the given
** sizes: LP_OK, or LP_ERR_RANGE with a message in err. The functional machine
** and the SystemC controller (timing-only runs too) both check with it. */
lp_status machine_check_ranges(uint64_t spm_bytes, uint64_t acc_bytes, const isa_insn *in, char *err, size_t errlen);

/* Execute instruction i of the program. LP_OK, or LP_ERR_RANGE with a message
** in err when the instruction touches memory outside the architecture's
** scratchpad or accumulator buffer. */
lp_status machine_step(machine *m, size_t i, char *err, size_t errlen);

/* Execute the whole program (up to HALT). On error *at is the instruction. */
lp_status machine_run(machine *m, size_t *at, char *err, size_t errlen);

/* Compare every expected output with the DRAM buffer it names; print up to
** max_report mismatches (index, expected, got, ULP distance) to out. Returns
** the number of expectations that failed. */
int machine_check(const machine *m, FILE *out, int max_report);

#endif
