/*
** dma_func.c — the DMA engines' functional face: a tile copied row by row
** between a DRAM buffer (rows pitch bytes apart) and a dense buffer tile.
*/
#include <string.h>

#include "dma.h"

const mem_range *dma_dram_range(const unit_op *op) { return op->what == UNIT_OP_LOAD ? &op->src : &op->dst; }

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

static const unit_body dma_ops[UNIT_OP_COUNT] = {[UNIT_OP_LOAD] = copy, [UNIT_OP_STORE] = copy};

const unit_faces dma_faces = {dma_ops, NULL, dma_timing, NULL};
