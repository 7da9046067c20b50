/* ideal_cfg.c — the architecture keys of an ideal matrix unit: ideal_keys.def
** and the tensor core's `formats` list. */
#include "ideal.h"

static lp_status ideal_check(void *cfg, const cfg_where *w, lp_diag *d)
{
    ideal_cfg *c = cfg;
    return tc_rates_check(c->formats, c->formats_count, w, d);
}

static void ideal_print_extra(const void *cfg, FILE *f, const char *indent)
{
    const ideal_cfg *c = cfg;
    tc_rates_print(c->formats, c->formats_count, f, indent);
}

#define CFG_STRUCT ideal_cfg
#define CFG_KEYS "ideal_keys.def"
#define CFG_PREFIX ideal
#define CFG_EXTRA_FIELDS TC_RATES_FIELD(ideal_cfg)
#include "cfg_expand.h"

static const char *const ideal_other_names[] = {"formats", "kind", NULL};

const cfg_section ideal_section = {
    "ideal",     sizeof(ideal_cfg), ideal_keys,   ideal_nkeys, &ideal_schema, ideal_other_names,
    ideal_check, ideal_print_extra, TC_RATES_DOC, NULL,        NULL};
