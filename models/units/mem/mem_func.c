/*
** mem_func.c — the memories' functional face and their names (see mem.h):
** zeroed byte images of DRAM, scratchpad and accumulator buffer, and range
** checks against their sizes.
*/
#include <stdlib.h>

#include "mem.h"

static const struct {
    const char *name, *text;
} spaces[MEM_SPACE_COUNT] = {
#define MEM_SPACE(id, name, text, help) [MEM_##id] = {name, text},
#include "mem_spaces.def"
#undef MEM_SPACE
};

const char *mem_space_name(mem_space s) { return (unsigned)s < MEM_SPACE_COUNT ? spaces[s].name : "?"; }
const char *mem_space_text(mem_space s) { return (unsigned)s < MEM_SPACE_COUNT ? spaces[s].text : "?"; }

bool mem_ranges_conflict(const mem_range *a, const mem_range *b)
{
    if (a->space != b->space || !(a->write || b->write)) return false;
    return a->addr < mem_range_end(b) && b->addr < mem_range_end(a);
}

lp_status mem_image_init(mem_image *m, uint64_t dram_bytes, uint64_t spm_bytes, uint64_t acc_bytes)
{
    memset(m, 0, sizeof *m);
    m->size[MEM_DRAM] = dram_bytes;
    m->size[MEM_SPM] = spm_bytes;
    m->size[MEM_ACC] = acc_bytes;
    for (int s = 0; s < MEM_LEVEL_COUNT; s++) {
        m->base[s] = calloc(m->size[s] ? m->size[s] : 1, 1);
        if (!m->base[s]) {
            mem_image_free(m);
            return LP_ERR_NOMEM;
        }
    }
    return LP_OK;
}

void mem_image_free(mem_image *m)
{
    for (int s = 0; s < MEM_LEVEL_COUNT; s++) free(m->base[s]);
    memset(m, 0, sizeof *m);
}

lp_status mem_check_range(const mem_range *r, uint64_t size) { return mem_range_end(r) > size ? LP_ERR_RANGE : LP_OK; }
