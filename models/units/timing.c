/*
** timing.c — timing and cost faces of the units (see timing.h). Integer
** arithmetic for cycles (ceilings of exact ratios), doubles for energy.
*/
#include "timing.h"

#include <math.h>
#include <stdio.h>

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

lp_status timing_mma(const arch_cfg *a, const char *fmt, uint64_t m, uint64_t n, uint64_t k, unit_cost *out, char *err,
                     size_t errlen)
{
    const arch_rate *r = arch_rate_of(a, fmt);
    if (!r) {
        if (err && errlen) snprintf(err, errlen, "the matrix unit of %s does not run %s", a->name, fmt);
        return LP_ERR_ARG;
    }
    uint64_t R = a->matrix.array_rows, C = a->matrix.array_cols;
    uint64_t passes = ceil_div(m, R) * ceil_div(n, C);
    /* cycles of one pass: k MACs for each of the R x C outputs at rate MACs/cycle */
    uint64_t kcyc = (uint64_t)ceil((double)k * (double)(R * C) / r->macs_per_cycle - 1e-9);
    if (kcyc == 0) kcyc = 1;
    out->cycles = a->matrix.pipeline_cycles + passes * kcyc;
    out->macs = m * n * k;
    out->energy_pj = (double)out->macs * r->energy_pj_per_mac;
    out->utilization = (double)(m * n) / (double)(passes * R * C);
    return LP_OK;
}

void timing_vector(const arch_cfg *a, vec_kind kind, uint64_t n, unit_cost *out)
{
    double per = kind == VEC_EXP ? a->vector.exp_cycles : kind == VEC_REDUCE ? a->vector.reduce_cycles : 1.0;
    uint64_t groups = ceil_div(n ? n : 1, a->vector.lanes);
    out->cycles = (uint64_t)ceil((double)groups * per - 1e-9);
    if (out->cycles == 0) out->cycles = 1;
    out->energy_pj = (double)n * a->vector.energy_pj_per_op;
    out->macs = 0;
    out->utilization = (double)n / (double)(groups * a->vector.lanes);
}

uint64_t timing_dma_cycles(const arch_cfg *a, uint64_t bytes)
{
    uint64_t lat = (uint64_t)ceil(a->dram.lat_ns * a->clock_ghz - 1e-9);
    return lat + ceil_div(bytes ? bytes : 1, a->dma.bytes_per_cycle);
}

double timing_dram_energy_pj(const arch_cfg *a, uint64_t bytes)
{
    return (double)bytes * 8.0 * a->dram.energy_pj_per_bit;
}
double timing_spm_energy_pj(const arch_cfg *a, uint64_t bytes) { return (double)bytes * a->spm.energy_pj_per_byte; }
double timing_acc_energy_pj(const arch_cfg *a, uint64_t bytes) { return (double)bytes * a->acc.energy_pj_per_byte; }
