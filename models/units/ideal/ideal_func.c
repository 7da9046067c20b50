/* ideal_func.c — the ideal matrix unit's functional face: the values a tensor
** core computes (tc_ops: MMA and MMA_MX through the dot-product model), and
** the binding of its three faces. */
#include "ideal.h"

const unit_faces ideal_faces = {tc_ops, NULL, ideal_timing, ideal_energy_pj};
