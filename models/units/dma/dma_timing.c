/*
** dma_timing.c — the DMA engines' timing face (see dma.h): the DRAM latency
** rounded up to whole cycles, and an engine's bytes per cycle, each burst
** taking whole cycles. The bytes are the DRAM tile's as stored: sub-byte
** elements packed (mem_range_bytes), half an FP8 tile's for FP4.
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
    const dma_cfg *c = cfg;
    const mem_range *r = dma_dram_range(op);
    uint64_t bytes = mem_range_bytes(r), whole = bytes / c->burst_bytes, rest = bytes % c->burst_bytes;
    (void)d;
    /* burst by burst, as an engine moves them */
    out->cycles = dma_latency_cycles(chip) + whole * dma_engine_cycles(c, c->burst_bytes) +
                  (rest || !bytes ? dma_engine_cycles(c, rest) : 0);
    out->macs = 0;
    out->peak_cycles = 0;
    out->utilization = 0;
    return LP_OK;
}
