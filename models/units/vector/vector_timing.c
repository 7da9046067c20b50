/*
** vector_timing.c — the vector unit's timing face (see vector.h): lane-wide
** groups at the operation's cycles per group, rounded up to whole cycles.
*/
#include <math.h>

#include "vector.h"

lp_status vector_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    const vector_cfg *c = cfg;
    unit_vcost vc = unit_op_vcost(op->what);
    uint64_t n = op->rows * op->cols;
    double per = vc == UNIT_VCOST_EXP ? c->exp_cycles : vc == UNIT_VCOST_REDUCE ? c->reduce_cycles : 1.0;
    uint64_t groups = ((n ? n : 1) + c->lanes - 1) / c->lanes;
    (void)chip, (void)d;
    out->cycles = (uint64_t)ceil((double)groups * per - 1e-9);
    if (out->cycles == 0) out->cycles = 1;
    out->macs = 0;
    out->peak_cycles = 0;
    out->utilization = (double)n / (double)(groups * c->lanes);
    return LP_OK;
}
