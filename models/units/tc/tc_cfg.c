/*
** tc_cfg.c — the architecture keys of a tensor core (tc_keys.def and its
** `formats` list), and the rate list that other matrix kinds share.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tc.h"

static const cyaml_schema_field_t rate_fields[] = {
    CYAML_FIELD_STRING_PTR("format", CYAML_FLAG_POINTER, tc_rate, format, 1, 63),
    CYAML_FIELD_FLOAT("macs_per_cycle", CYAML_FLAG_DEFAULT, tc_rate, macs_per_cycle),
    CYAML_FIELD_FLOAT("energy_pj_per_mac", CYAML_FLAG_OPTIONAL, tc_rate, energy_pj_per_mac),
    CYAML_FIELD_END,
};
const cyaml_schema_value_t tc_rate_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, tc_rate, rate_fields)};

/* Where the key rel (relative to the section) sits, or the section's key. */
static void place(const cfg_where *w, const char *rel, bool value, int *line, int *col)
{
    const cfg_loc *l = cfg_find(w->ix, rel, 0);
    *line = l ? (value ? l->vl : l->kl) : w->line;
    *col = l ? (value ? l->vc : l->kc) : w->col;
}

lp_status tc_rates_check(tc_rate *r, unsigned n, const cfg_where *w, lp_diag *d)
{
    char rel[64];
    int line, col;
    lp_diag pd;
    lp_diag_init(&pd, NULL);
    if (!n)
        return lp_diag_set(d, LP_ERR_RANGE, w->line, w->col,
                           "%s.formats must list at least one format with its macs_per_cycle", w->path);
    for (unsigned i = 0; i < n; i++) {
        mf_format f;
        snprintf(rel, sizeof rel, "formats[%u].format", i);
        place(w, rel, true, &line, &col);
        lp_status fs = mf_parse(r[i].format, &f, &pd);
        if (fs != LP_OK || f.bits > TC_RATE_MAX_BITS) {
            if (fs == LP_OK) lp_diag_msg(&pd, LP_ERR_RANGE, "%s is wider than %d bits", f.name, TC_RATE_MAX_BITS);
            return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s.%s: %s", w->path, rel, pd.msg);
        }
        if (tc_rate_of(r, i, f.name))
            return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s.%s: %s is listed twice", w->path, rel, f.name);
        char *canon = strdup(f.name);
        if (!canon) return lp_diag_set(d, LP_ERR_NOMEM, line, col, "out of memory");
        free(r[i].format); /* libcyaml allocated it with the C library */
        r[i].format = canon;
        snprintf(rel, sizeof rel, "formats[%u].macs_per_cycle", i);
        place(w, rel, true, &line, &col);
        if (!(r[i].macs_per_cycle > 0) || !(r[i].macs_per_cycle <= 1e9) || !(r[i].energy_pj_per_mac >= 0) ||
            !isfinite(r[i].energy_pj_per_mac))
            return lp_diag_set(d, LP_ERR_RANGE, line, col,
                               "%s.formats[%u]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0", w->path,
                               i);
    }
    return LP_OK;
}

const tc_rate *tc_rate_of(const tc_rate *r, unsigned n, const char *format)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(r[i].format, format)) return &r[i];
    return NULL;
}

void tc_rates_print(const tc_rate *r, unsigned n, FILE *f, const char *indent)
{
    char b1[32], b2[32];
    fprintf(f, "%sformats:\n", indent);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s  - {format: %s, macs_per_cycle: %s, energy_pj_per_mac: %s}\n", indent, r[i].format,
                cfg_num(r[i].macs_per_cycle, b1, sizeof b1), cfg_num(r[i].energy_pj_per_mac, b2, sizeof b2));
}

/* ---- the tensor core's section ------------------------------------------------------ */

static lp_status tc_check(void *cfg, const cfg_where *w, lp_diag *d)
{
    tc_cfg *c = cfg;
    dot_cfg dc;
    lp_diag pd;
    int line, col;
    lp_diag_init(&pd, NULL);
    place(w, "preset", true, &line, &col);
    if (dot_preset(c->preset, &dc, &pd) != LP_OK)
        return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s.preset: %s", w->path, pd.msg);
    return tc_rates_check(c->formats, c->formats_count, w, d);
}

static void tc_print_extra(const void *cfg, FILE *f, const char *indent)
{
    const tc_cfg *c = cfg;
    tc_rates_print(c->formats, c->formats_count, f, indent);
}

#define CFG_STRUCT tc_cfg
#define CFG_KEYS "tc_keys.def"
#define CFG_PREFIX tc
#define CFG_EXTRA_FIELDS TC_RATES_FIELD(tc_cfg)
#include "cfg_expand.h"

static const char *const tc_other_names[] = {"formats", "kind", NULL};

const cfg_section tc_section = {"tensor_core", sizeof(tc_cfg), tc_keys,      tc_nkeys, &tc_schema, tc_other_names,
                                tc_check,      tc_print_extra, TC_RATES_DOC, NULL,     NULL};
