/*
** dma.h — DMA engines (unit kind dma): `engines` engines, each moving at most
** bytes_per_cycle bytes per cycle between DRAM and a buffer, in bursts of
** burst_bytes, after the DRAM latency.
**
** Functional face (dma_func.c): LOAD copies a tile of a DRAM buffer (its row
** pitch) into a dense buffer tile, STORE the reverse, LOAD_T copies a rows x
** cols DRAM tile into a dense cols x rows tile transposed (dst[c][r] =
** src[r][c]). Timing face (dma_timing.c): the latency in whole cycles and one
** engine's cycles for a number of bytes; the simulator adds the DRAM
** channel's bandwidth shared between engines and the buffer banks. The bytes
** moved are the tile's as stored: FP4 and int4 elements two to a byte, FP6
** four to three bytes (mem_range_bytes), while the functional face copies
** one element per byte. LOAD_T is
** timed as LOAD of the same bytes: the bursts read DRAM row by row, and the
** buffer side is written as the one contiguous span of the dense transposed
** tile, group by group in address order, as LOAD writes its tile (the
** engine's transposing buffer is not modelled, nor the bank pattern of
** writing a column at a time). No cost face: the energy of the bytes the
** engines move is the memories' (DRAM bits, buffer bytes).
*/
#ifndef LP_DMA_H
#define LP_DMA_H

#include "units.h"

typedef struct dma_cfg {
    uint64_t engines, bytes_per_cycle, burst_bytes;
} dma_cfg;

extern const cfg_section dma_section;
extern const unit_faces dma_faces;

/* Cycles of the DRAM latency before a transfer's first byte (whole cycles). */
uint64_t dma_latency_cycles(const arch_cfg *chip);

/* Cycles one engine needs to move bytes (at least one byte's worth). */
uint64_t dma_engine_cycles(const dma_cfg *c, uint64_t bytes);

/* The timing face: latency plus one engine's cycles for the operation's
** DRAM tile as stored (sub-byte elements packed: mem_range_bytes), burst by
** burst, alone (no contention for DRAM or banks): what the simulator takes
** when nothing else moves. */
lp_status dma_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);

/* The DRAM side of a DMA operation: its range (the src of a LOAD or LOAD_T,
** the dst of a STORE). */
const mem_range *dma_dram_range(const unit_op *op);

#endif
