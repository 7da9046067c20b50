/*
** ideal.h — an ideal matrix unit (unit kind ideal): every MAC slot busy, at
** the rate its formats list gives, with no array shape, no partial passes and
** no pipeline. An m x n x k multiply takes ceil(m n k / rate) cycles: the
** bound a roofline draws, against which a real array's under-utilisation is
** measured. It computes the values a tensor core does (tc_ops) and costs the
** tensor core's energy per MAC.
**
** It is also the worked example of docs/units.md: a kind added with its folder,
** one row of units.def and its keys.
*/
#ifndef LP_IDEAL_H
#define LP_IDEAL_H

#include "tc.h"

typedef struct ideal_cfg {
    double area_mm2;
    tc_rate *formats;
    unsigned formats_count;
} ideal_cfg;

extern const cfg_section ideal_section;
extern const unit_faces ideal_faces;

lp_status ideal_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
double ideal_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);

#endif
