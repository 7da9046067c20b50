/*
** sweep.c — sweep files read and expanded into points (sweep.h).
**
** The file loads through cfg.h like an architecture file (libcyaml, with a
** libyaml index for positions). Each point's architecture is the base's
** effective configuration (arch_print: every key present) with the point's
** keys replaced in the text, byte range by byte range as the index records
** them, so a replaced value sits on the same line as the key it sets: an
** error the loader reports at that line is reported at the sweep value
** that put it there. Distinct architectures are loaded and kept once.
*/
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cfg.h"
#include "lp_file.h"
#include "lp_num.h"
#include "sw_expr.h"
#include "sweep_int.h"
#include "workload.h"

/* ---- the file's schema -------------------------------------------------------------- */

static const cyaml_schema_value_t str_entry = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, 4095)};

static const cyaml_schema_field_t range_fields[] = {
    CYAML_FIELD_FLOAT("from", CYAML_FLAG_DEFAULT, sw_range, from),
    CYAML_FIELD_FLOAT("to", CYAML_FLAG_DEFAULT, sw_range, to),
    CYAML_FIELD_FLOAT("step", CYAML_FLAG_OPTIONAL, sw_range, step),
    CYAML_FIELD_FLOAT("factor", CYAML_FLAG_OPTIONAL, sw_range, factor),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t axis_fields[] = {
    CYAML_FIELD_STRING_PTR("key", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, key, 1, 95),
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, name, 1, 95),
    CYAML_FIELD_SEQUENCE("values", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, values, &str_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("range", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, range, range_fields),
    CYAML_FIELD_SEQUENCE("set", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, set, &str_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("labels", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, sw_axis, labels, &str_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t axis_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, sw_axis, axis_fields)};

#define SW_LISTS(T)                                                                                                    \
    CYAML_FIELD_SEQUENCE("workloads", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, workloads, &str_entry, 0,           \
                         CYAML_UNLIMITED),                                                                             \
        CYAML_FIELD_SEQUENCE("axes", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, axes, &axis_entry, 0,                \
                             CYAML_UNLIMITED),                                                                         \
        CYAML_FIELD_SEQUENCE("points", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, points, &str_entry, 0,             \
                             CYAML_UNLIMITED),                                                                         \
        CYAML_FIELD_SEQUENCE("constraints", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, constraints, &str_entry, 0,   \
                             CYAML_UNLIMITED),

#define CFG_STRUCT sw_file
#define CFG_KEYS "sweep_keys.def"
#define CFG_PREFIX sw
#define CFG_EXTRA_FIELDS SW_LISTS(sw_file)
#include "cfg_expand.h"

static const char *const sw_other_names[] = {"workloads", "axes", "points", "constraints", NULL};

static const cfg_section sw_section = {
    "",   sizeof(sw_file), sw_keys,         sw_nkeys, &sw_schema, sw_other_names, NULL, NULL,
    NULL, "a sweep file",  "docs/sweeps.md"};

/* ---- positions ----------------------------------------------------------------------- */

/* Where the text of the value at path begins (inside its quotes). */
void sw_place(const sw_ctx *c, const char *path, int *line, int *col)
{
    const cfg_loc *l = cfg_find(&c->ix, path, 0);
    *line = l ? l->vl : 1;
    *col = l ? l->vc : 1;
    if (l && l->start < c->len && (c->text[l->start] == '"' || c->text[l->start] == '\'')) (*col)++;
}

/* ---- loading --------------------------------------------------------------------------- */

static lp_status check_lists(sw_ctx *c, lp_diag *d)
{
    const sw_file *f = c->f;
    int line, col;
    if (!f->arch || !f->arch[0])
        return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "a sweep file needs 'arch': the base architecture");
    if (!f->workloads_count) {
        sw_place(c, "workloads", &line, &col);
        return lp_diag_set(d, LP_ERR_PARSE, line, col, "a sweep file needs 'workloads': at least one workload");
    }
    if (!f->axes_count && !f->points_count) {
        sw_place(c, "workloads", &line, &col);
        return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "a sweep file needs 'axes' or 'points' (or both)");
    }
    return LP_OK;
}

lp_status sw_load_text(const char *text, size_t len, const char *file, sw_sweep **out, lp_diag *d)
{
    *out = NULL;
    lp_diag_init(d, file);
    sw_ctx c = {0};
    c.text = text, c.len = len, c.file = file;
    sw_sweep *s = calloc(1, sizeof *s);
    if (!s) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    lp_status st = cfg_index_yaml(text, len, file, &c.ix, d);
    if (st) goto fail;
    if (c.ix.root != CFG_NODE_MAPPING) {
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1, "a sweep file is a mapping of keys (see docs/sweeps.md)");
        goto fail;
    }
    cfg_where w = {file, "", &c.ix, 1, 1};
    void *f = NULL;
    if ((st = cfg_load(&sw_section, text, len, &c.ix, &w, &f, d))) goto fail;
    c.f = f;
    s->path = strdup(file);
    s->text = malloc(len + 1);
    if (!s->path || !s->text) {
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(s->text, text, len);
    s->text[len] = 0;
    s->len = len;
    snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)lp_fnv1a64(text, len));
    s->seed = c.f->seed;
    if ((st = check_lists(&c, d)) || (st = sw_expand(&c, s, d))) goto fail;
    sw_ctx_free(&c);
    *out = s;
    return LP_OK;
fail:
    sw_ctx_free(&c);
    sw_free(s);
    if (d && d->line) lp_diag_at(d, file, d->line, d->col);
    return st;
}

lp_status sw_load(const char *path, sw_sweep **out, lp_diag *d)
{
    char *text;
    size_t len;
    *out = NULL;
    lp_status st = lp_read_file(path, SW_MAX_BYTES, &text, &len, d);
    if (st) return st;
    if (memchr(text, 0, len)) {
        free(text);
        lp_diag_init(d, path);
        return lp_diag_set(d, LP_ERR_PARSE, 1, 1, "a NUL byte in the file: a sweep file is YAML text");
    }
    st = sw_load_text(text, len, path, out, d);
    free(text);
    return st;
}

void sw_ctx_free(sw_ctx *c)
{
    if (c->f) cfg_free(&sw_section, c->f);
    c->f = NULL;
    cfg_index_free(&c->ix);
    sw_bases_free(c);
    for (size_t i = 0; i < c->nexpr; i++) sw_expr_free(c->expr[i].e);
    free(c->expr);
    c->expr = NULL;
    c->nexpr = 0;
}

void sw_free(sw_sweep *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->npoints; i++) {
        free(s->points[i].workload);
        free(s->points[i].params_json);
    }
    for (size_t i = 0; i < s->narch; i++) {
        free(s->arch_texts[i]);
        free(s->arch_names[i]);
    }
    free(s->points);
    free(s->arch_texts);
    free(s->arch_names);
    free(s->path);
    free(s->text);
    free(s);
}
