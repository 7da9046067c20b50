/*
** tc_timing.c — the tensor core's timing face (see tc.h): passes over the MAC
** array at the operand format's rate. Integer arithmetic for cycles
** (ceilings of exact ratios, the 1e-9 absorbing the rounding of the division).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tc.h"

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

const mf_format *tc_op_format(const unit_op *op) { return op->what == UNIT_OP_MMA_MX ? &op->ea->fmt : &op->fa; }

lp_status tc_rate_missing(const tc_rate *r, unsigned n, const char *format, lp_diag *d)
{
    char list[200] = "";
    for (unsigned i = 0; i < n; i++) {
        size_t u = strlen(list);
        snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", r[i].format);
    }
    return lp_diag_msg(d, LP_ERR_UNIT, "does not run %s (it runs %s)", format, list);
}

lp_status tc_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    const tc_cfg *c = cfg;
    const char *fmt = tc_op_format(op)->name;
    const tc_rate *r = tc_rate_of(c->formats, c->formats_count, fmt);
    (void)chip;
    if (!r) return tc_rate_missing(c->formats, c->formats_count, fmt, d);
    uint64_t R = c->array_rows, C = c->array_cols;
    uint64_t passes = ceil_div(op->m, R) * ceil_div(op->n, C);
    /* cycles of one pass: k MACs for each of the R x C outputs at rate MACs/cycle */
    uint64_t kcyc = (uint64_t)ceil((double)op->k * (double)(R * C) / r->macs_per_cycle - 1e-9);
    if (kcyc == 0) kcyc = 1;
    out->cycles = c->pipeline_cycles + passes * kcyc;
    out->macs = op->m * op->n * op->k;
    out->peak_cycles = (double)out->macs / r->macs_per_cycle;
    out->utilization = (double)(op->m * op->n) / (double)(passes * R * C);
    return LP_OK;
}
