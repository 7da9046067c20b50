/* dma_cfg.c — the architecture keys of DMA engines (dma_keys.def). */
#include "dma.h"

#define CFG_STRUCT dma_cfg
#define CFG_KEYS "dma_keys.def"
#define CFG_PREFIX dma
#include "cfg_expand.h"

static const char *const dma_other_names[] = {"kind", NULL};

const cfg_section dma_section = {
    "dma", sizeof(dma_cfg), dma_keys, dma_nkeys, &dma_schema, dma_other_names, NULL, NULL, NULL, NULL, NULL};
