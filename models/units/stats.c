/*
** stats.c — the statistics table (stats.def) expanded: initialisation, the
** JSON object and the text report, each a walk over the rows. A row's scope
** says how many values it has and what names them (memory levels, units,
** formats).
*/
#include "stats.h"
#include "power.h"

#include <string.h>

#include "units.h"

enum stat_type { T_U64, T_F64 };
enum stat_scope { S_RUN, S_LEVEL, S_UNIT, S_ENERGY, S_FORMAT };

/* Each row, with the place of its values in lp_stats. */
static const struct stat_row {
    const char *json;
    enum stat_type type;
    enum stat_scope scope;
    const char *unit, *text;
    size_t off;
} rows[] = {
#define STAT(id, json, type, scope, unit, text, help) {json, T_##type, S_##scope, unit, text, offsetof(lp_stats, id)},
#include "stats.def"
#undef STAT
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

void lp_stats_set_time(lp_stats *s, const arch_cfg *a, double latency_ns, double busy_ns)
{
    s->latency_ns = latency_ns;
    s->clock_ghz = busy_ns > 0 ? (double)s->cycles / busy_ns : a->clock_ghz;
    s->power_w = arch_power_w(a, s->energy_pj, latency_ns);
}

void lp_stats_init(lp_stats *s, const arch_cfg *a)
{
    memset(s, 0, sizeof *s);
    s->nunits = a->nunits;
    for (int i = 0; i < a->nunits; i++) {
        snprintf(s->unit_names[i], sizeof s->unit_names[i], "%s", a->units[i].name);
        const unit_faces *f = unit_kind_get(a->units[i].kind)->faces;
        s->unit_energy[i] = f && f->energy_pj;
    }
}

int lp_stats_format(lp_stats *s, const char *format)
{
    for (int i = 0; i < s->nformats; i++)
        if (!strcmp(s->formats[i], format)) return i;
    if (s->nformats == STATS_MAX_FORMATS) return -1;
    snprintf(s->formats[s->nformats], MF_NAME_MAX, "%s", format);
    return s->nformats++;
}

/* ---- the values of a row, with their names ---------------------------------------- */

static const char *level_name(int lv, bool text)
{
    if (lv == STATS_LEVEL_L2) return text ? "L2" : "l2";
    return text ? mem_space_text((mem_space)lv) : mem_space_name((mem_space)lv);
}

typedef struct value {
    const char *name; /* NULL for a RUN row */
    double f;
    uint64_t u;
} value;

/* The values of row r, in order; returns their number (vals holds
** STATS_ENERGY_SLOTS at least). Memory levels are named as JSON keys
** ("dram") or, for text, as words ("DRAM"). */
static int row_values(const lp_stats *s, const struct stat_row *r, bool text, value *vals)
{
    const char *base = (const char *)s + r->off;
    int n = 0;
#define PUT(nm, idx)                                                                                                   \
    do {                                                                                                               \
        vals[n].name = nm;                                                                                             \
        if (r->type == T_U64)                                                                                          \
            vals[n].u = ((const uint64_t *)(const void *)base)[idx];                                                   \
        else                                                                                                           \
            vals[n].f = ((const double *)(const void *)base)[idx];                                                     \
        n++;                                                                                                           \
    } while (0)
    switch (r->scope) {
    case S_RUN: PUT(NULL, 0); break;
    case S_LEVEL:
        for (int lv = 0; lv < STATS_LEVELS; lv++) PUT(level_name(lv, text), lv);
        break;
    case S_UNIT:
        for (int u = 0; u < s->nunits; u++) PUT(s->unit_names[u], u);
        break;
    case S_ENERGY:
        for (int u = 0; u < s->nunits; u++)
            if (s->unit_energy[u]) PUT(s->unit_names[u], u);
        for (int lv = 0; lv < STATS_LEVELS; lv++) PUT(level_name(lv, text), ARCH_MAX_UNITS + lv);
        break;
    case S_FORMAT:
        for (int i = 0; i < s->nformats; i++) PUT(s->formats[i], i);
        break;
    }
#undef PUT
    return n;
}

static json_t *json_value(const struct stat_row *r, const value *v)
{
    return r->type == T_U64 ? json_integer((json_int_t)v->u) : json_real(v->f);
}

/* ---- JSON -------------------------------------------------------------------------- */

/* The object a dotted key lives in, created on first use; *leaf is the key. */
static json_t *parent_of(json_t *o, const char *key, const char **leaf)
{
    const char *dot = strchr(key, '.');
    *leaf = key;
    if (!dot) return o;
    char head[64];
    snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
    json_t *p = json_object_get(o, head);
    if (!p) {
        p = json_object();
        if (!p || json_object_set_new(o, head, p)) return NULL;
    }
    *leaf = dot + 1;
    return p;
}

json_t *lp_stats_json(const lp_stats *s)
{
    json_t *o = json_object();
    value vals[STATS_ENERGY_SLOTS];
    char key[96];
    bool ok = o != NULL;
    for (int i = 0; i < NROWS && ok; i++) {
        const struct stat_row *r = &rows[i];
        int n = row_values(s, r, false, vals);
        if (r->scope == S_LEVEL) { /* "dram_bytes", ... beside the other keys */
            for (int k = 0; k < n && ok; k++) {
                snprintf(key, sizeof key, "%s_%s", vals[k].name, r->json);
                ok = !json_object_set_new(o, key, json_value(r, &vals[k]));
            }
            continue;
        }
        const char *leaf;
        json_t *p = parent_of(o, r->json, &leaf);
        if (r->scope == S_RUN) {
            ok = p && !json_object_set_new(p, leaf, json_value(r, &vals[0]));
            continue;
        }
        json_t *obj = json_object();
        for (int k = 0; k < n && obj && ok; k++) ok = !json_object_set_new(obj, vals[k].name, json_value(r, &vals[k]));
        ok = ok && p && obj && !json_object_set_new(p, leaf, obj);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- text --------------------------------------------------------------------------- */

static void print_value(const struct stat_row *r, const value *v, FILE *f)
{
    if (r->type == T_U64)
        fprintf(f, "%llu", (unsigned long long)v->u);
    else
        fprintf(f, "%.6g", v->f);
}

/* Whether row i shares its text line with another row. */
static bool shared_line(int i)
{
    return (i > 0 && !strcmp(rows[i - 1].text, rows[i].text)) ||
           (i + 1 < NROWS && !strcmp(rows[i + 1].text, rows[i].text));
}

void lp_stats_print(const lp_stats *s, FILE *f)
{
    value vals[STATS_ENERGY_SLOTS];
    for (int i = 0; i < NROWS; i++) {
        const struct stat_row *r = &rows[i];
        if (i && !strcmp(rows[i - 1].text, r->text)) continue; /* printed with the line's first row */
        fprintf(f, "  %-16s", r->text);
        int items = 0;
        for (int j = i; j < NROWS && !strcmp(rows[j].text, r->text); j++) {
            const struct stat_row *q = &rows[j];
            int n = row_values(s, q, true, vals);
            if (q->scope == S_RUN && shared_line(j)) { /* "issue stalls  dma 3, dependency 5, queue 0" */
                const char *dot = strchr(q->json, '.');
                vals[0].name = dot ? dot + 1 : q->json;
            }
            for (int k = 0; k < n; k++) {
                fprintf(f, "%s%s%s", items++ ? ", " : "", vals[k].name ? vals[k].name : "", vals[k].name ? " " : "");
                print_value(q, &vals[k], f);
            }
            if (!n) fprintf(f, "%snone", items++ ? ", " : "");
        }
        fprintf(f, "%s%s\n", r->unit[0] ? " " : "", r->unit);
    }
}
