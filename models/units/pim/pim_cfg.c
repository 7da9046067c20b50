/* pim_cfg.c — the architecture keys of PIM arrays (pim_keys.def), the mode
** check and the capacity. */
#include <string.h>

#include "pim.h"

static lp_status pim_check(void *cfg, const cfg_where *w, lp_diag *d)
{
    pim_cfg *c = cfg;
    if (strcmp(c->mode, "lut") && strcmp(c->mode, "bitserial")) {
        const cfg_loc *l = cfg_find(w->ix, "mode", 0);
        return lp_diag_set(d, LP_ERR_RANGE, l ? l->vl : w->line, l ? l->vc : w->col,
                           "%s.mode must be lut or bitserial, got '%s'", w->path, c->mode);
    }
    return LP_OK;
}

uint64_t pim_capacity_bits(const pim_cfg *c) { return c->array_rows * c->array_cols * c->arrays; }

#define CFG_STRUCT pim_cfg
#define CFG_KEYS "pim_keys.def"
#define CFG_PREFIX pim
#include "cfg_expand.h"

static const char *const pim_other_names[] = {"kind", NULL};

const cfg_section pim_section = {
    "pim", sizeof(pim_cfg), pim_keys, pim_nkeys, &pim_schema, pim_other_names, pim_check, NULL, NULL, NULL, NULL};
