/*
** tc_cost.c — the tensor core's cost face: the energy per MAC of the operand
** format (set per format in the architecture file), times the MACs.
*/
#include "tc.h"

double tc_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t)
{
    const tc_cfg *c = cfg;
    const tc_rate *r = tc_rate_of(c->formats, c->formats_count, tc_op_format(op)->name);
    (void)chip;
    return r ? (double)t->macs * r->energy_pj_per_mac : 0;
}
