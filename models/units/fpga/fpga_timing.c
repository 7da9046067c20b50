/*
** fpga_timing.c — the FPGA datapath's timing face (fpga.h): an m x n x k MMA
** runs ceil(m / pe_rows) x ceil(n / pe_cols) passes over the PE grid, each
** ceil(k / simd) cycles at an initiation interval of 1, plus the pipeline's
** fill and drain once (pipeline_cycles, or the datapath's stages and the
** grid's systolic skew, pe_rows + pe_cols - 2). Cycles are the chip's
** (clock_ghz): the fabric runs at that clock, which must not exceed the
** design's fmax; the unit refuses formats other than its own, MX, and a
** chip whose buffers do not fit its device's URAM and BRAM.
*/
#include <string.h>

#include "fpga.h"

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

lp_status fpga_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    const fpga_cfg *c = cfg;
    const fpga_design *x = &c->x;
    if (op->what != UNIT_OP_MMA)
        return lp_diag_msg(d, LP_ERR_UNIT, "runs MMA on plain elements, not %s", unit_op_name(op->what));
    if (strcmp(op->fa.name, x->fa.name) || strcmp(op->fb.name, x->fw.name))
        return lp_diag_msg(d, LP_ERR_UNIT, "is built for %s x %s (afmt x wfmt), not %s x %s", x->fa.name, x->fw.name,
                           op->fa.name, op->fb.name);
    if (chip->clock_ghz * 1000 > x->fmax_mhz * (1 + 1e-9))
        return lp_diag_msg(d, LP_ERR_UNIT, "misses timing: the chip's clock %g MHz is above the design's fmax %.1f MHz",
                           chip->clock_ghz * 1000, x->fmax_mhz);
    fpga_buffers b;
    lp_diag bd;
    lp_diag_init(&bd, NULL);
    if (fpga_buffers_of(chip, c, &b, &bd)) return lp_diag_msg(d, LP_ERR_UNIT, "does not fit its device: %s", bd.msg);
    uint64_t R = c->pe_rows, C = c->pe_cols, Q = c->simd;
    uint64_t passes = ceil_div(op->m, R) * ceil_div(op->n, C), kcyc = ceil_div(op->k, Q);
    if (kcyc == 0) kcyc = 1;
    uint64_t fill = c->pipeline_cycles ? c->pipeline_cycles : x->stages + R + C - 2;
    out->cycles = fill + passes * kcyc;
    out->macs = op->m * op->n * op->k;
    out->peak_cycles = (double)out->macs / (double)x->macs;
    out->utilization = (double)out->macs / ((double)passes * (double)kcyc * (double)x->macs);
    return LP_OK;
}
