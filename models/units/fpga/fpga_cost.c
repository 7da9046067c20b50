/*
** fpga_cost.c — the FPGA datapath's cost face: the MACs at the design's
** dynamic energy per MAC (its LUTs times toggle_rate times e_lut_pj, plus
** e_dsp_pj per DSP operation shared by the MACs packed in it), the operands'
** re-reads from BRAM, and static power over the operation's time.
**
** The simulator charges each operand tile's first read from the scratchpad
** (spm.energy_pj_per_byte, which the presets set to e_bram_pj / 9 bytes);
** the grid reads A again for every further pass over the columns of C and B
** for every further pass over its rows: those re-reads, bit by bit at
** e_bram_pj per 72-bit read, are this face's.
*/
#include "fpga.h"

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

double fpga_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t)
{
    const fpga_cfg *c = cfg;
    const fpga_design *x = &c->x;
    uint64_t pm = ceil_div(op->m, c->pe_rows), pn = ceil_div(op->n, c->pe_cols);
    double reread_bits = (double)(pn - 1) * (double)(op->m * op->k) * x->fa.bits +
                         (double)(pm - 1) * (double)(op->k * op->n) * x->fw.bits;
    return (double)t->macs * x->e_mac_pj + reread_bits * x->e_bram_bit_pj +
           c->static_w * (double)t->cycles / chip->clock_ghz * 1e3; /* W x ns = 1e3 pJ */
}
