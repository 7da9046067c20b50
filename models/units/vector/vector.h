/*
** vector.h — the vector unit (kind vector): lanes float32 elements per
** cycle for simple operations, exp_cycles per lane-wide group for exp, 1/sqrt
** and 1/x, reduce_cycles per group for row maxima and sums (unit_ops.def's
** vcost column says which operation costs what).
**
** Functional face (vector_func.c): float32 arithmetic rounded to nearest even;
** exp, 1/sqrt and 1/x from the C library (expf, 1.0f / sqrtf(x), 1.0f / x:
** correctly rounded or within one ulp as glibc documents); max is NaN when
** either operand is; a row maximum starts at -inf and a NaN in the row makes
** it NaN; a row sum adds in order from +0. Conversions through the format
** module (stochastic rounding with seed 0 and the element's index), MX
** quantisation through the MX module in blocks of 32 along each row.
** Timing face (vector_timing.c): ceil(elements / lanes) groups at the
** operation's cycles per group. Cost face (vector_cost.c): energy per element.
*/
#ifndef LP_VECTOR_H
#define LP_VECTOR_H

#include "units.h"

typedef struct vector_cfg {
    uint64_t lanes;
    double exp_cycles, reduce_cycles, energy_pj_per_op;
} vector_cfg;

extern const cfg_section vector_section;
extern const unit_faces vector_faces;

lp_status vector_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
double vector_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);

#endif
