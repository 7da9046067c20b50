/*
** dma_timing.c — the DMA engines' timing face (see dma.h): the DRAM latency
** rounded up to whole cycles, and an engine's bytes per cycle.
*/
#include <math.h>

#include "dma.h"

uint64_t dma_latency_cycles(const arch_cfg *chip) { return (uint64_t)ceil(chip->dram.lat_ns * chip->clock_ghz - 1e-9); }

uint64_t dma_engine_cycles(const dma_cfg *c, uint64_t bytes)
{
    return ((bytes ? bytes : 1) + c->bytes_per_cycle - 1) / c->bytes_per_cycle;
}

lp_status dma_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    const mem_range *r = dma_dram_range(op);
    (void)d;
    out->cycles = dma_latency_cycles(chip) + dma_engine_cycles(cfg, r->rows * r->row_bytes);
    out->macs = 0;
    out->peak_cycles = 0;
    out->utilization = 0;
    return LP_OK;
}
