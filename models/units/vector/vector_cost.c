/* vector_cost.c — the vector unit's cost face: energy per element operated on. */
#include "vector.h"

double vector_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t)
{
    const vector_cfg *c = cfg;
    (void)chip, (void)t;
    return (double)(op->rows * op->cols) * c->energy_pj_per_op;
}
