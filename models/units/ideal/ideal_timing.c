/*
** ideal_timing.c — the ideal matrix unit's timing face (see ideal.h): the
** MACs at the format's rate, rounded up to whole cycles.
*/
#include <math.h>

#include "ideal.h"

lp_status ideal_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    const ideal_cfg *c = cfg;
    const char *fmt = tc_op_format(op)->name;
    const tc_rate *r = tc_rate_of(c->formats, c->formats_count, fmt);
    (void)chip;
    if (!r) return tc_rate_missing(c->formats, c->formats_count, fmt, d);
    out->macs = op->m * op->n * op->k;
    out->peak_cycles = (double)out->macs / r->macs_per_cycle;
    out->cycles = (uint64_t)ceil(out->peak_cycles - 1e-9);
    if (out->cycles == 0) out->cycles = 1;
    out->utilization = 1;
    return LP_OK;
}
