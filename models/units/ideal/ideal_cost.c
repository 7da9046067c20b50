/* ideal_cost.c — the ideal matrix unit's cost face: energy per MAC of the
** operand format, as the tensor core's. */
#include "ideal.h"

double ideal_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t)
{
    const ideal_cfg *c = cfg;
    const tc_rate *r = tc_rate_of(c->formats, c->formats_count, tc_op_format(op)->name);
    (void)chip;
    return r ? (double)t->macs * r->energy_pj_per_mac : 0;
}
