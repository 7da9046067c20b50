/*
** dma_func.c — the DMA engines' functional face: a tile copied row by row
** between a DRAM buffer (rows pitch bytes apart) and a dense buffer tile, or,
** for LOAD_T, element by element into the transposed dense tile.
**
** LOAD_T takes every element format: the memory images hold one element in
** 1, 2 or 4 bytes (isa_elem_bytes), sub-byte formats (fp4, fp6, int4) one per
** byte, so moving whole elements is exact for all of them. (Their packing is
** a timing matter: mem_range.packed_bits.)
*/
#include <string.h>

#include "dma.h"

const mem_range *dma_dram_range(const unit_op *op) { return op->what == UNIT_OP_STORE ? &op->dst : &op->src; }

static lp_status copy(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    bool load = op->what == UNIT_OP_LOAD;
    const mem_range *dram = dma_dram_range(op), *tile = load ? &op->dst : &op->src;
    uint8_t *pd = mem_ptr(u->mem, dram), *pt = mem_ptr(u->mem, tile);
    (void)d;
    for (uint64_t r = 0; r < tile->rows; r++) {
        if (load)
            memcpy(pt + r * tile->row_bytes, pd + r * dram->pitch, tile->row_bytes);
        else
            memcpy(pd + r * dram->pitch, pt + r * tile->row_bytes, tile->row_bytes);
    }
    return LP_OK;
}

/* dst[c][r] = src[r][c]: the source is rows x cols (op->rows, op->cols) at
** the DRAM pitch, the destination a dense cols x rows tile. Element bytes
** from the tile's row: cols x rows elements in cols rows of row_bytes. */
static lp_status copy_transposed(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    const mem_range *dram = &op->src, *tile = &op->dst;
    const uint8_t *ps = mem_ptr(u->mem, dram);
    uint8_t *pt = mem_ptr(u->mem, tile);
    uint64_t rows = op->rows, cols = op->cols, eb = tile->row_bytes / rows;
    (void)d;
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++) memcpy(pt + (c * rows + r) * eb, ps + r * dram->pitch + c * eb, eb);
    return LP_OK;
}

static const unit_body dma_ops[UNIT_OP_COUNT] = {
    [UNIT_OP_LOAD] = copy, [UNIT_OP_STORE] = copy, [UNIT_OP_LOAD_T] = copy_transposed};

const unit_faces dma_faces = {dma_ops, NULL, dma_timing, NULL};
