/*
** arch.c — architecture files (see arch.h).
**
** libcyaml does the loading: it matches keys against the schema, converts
** values, rejects unknown and duplicate keys. Its error log names the problem
** but places it one parse event late, so a libyaml pass over the same text
** first builds an index of where every key and value sits (and reports YAML
** syntax errors itself, exactly); lpsim's message then points at the key or
** value libcyaml complained about. Ranges and defaults come from arch.def.
*/
#define _POSIX_C_SOURCE 200809L
#include "arch.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dot.h"
#include "lp_file.h"
#include "mf.h"

/* ---- the schema, expanded from arch.def ------------------------------------------ */

static const cyaml_strval_t kind_strings[] = {
    {"tensor_core", ARCH_TENSOR_CORE},
    {"pim", ARCH_PIM},
    {"fpga", ARCH_FPGA},
};

#define FLD_F64(key, T, m) CYAML_FIELD_FLOAT(key, CYAML_FLAG_OPTIONAL, T, m),
#define FLD_U64(key, T, m) CYAML_FIELD_UINT(key, CYAML_FLAG_OPTIONAL, T, m),
#define FLD_STR(key, T, m) CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, m, 0, 127),
#define FLD_KIND(key, T, m) CYAML_FIELD_ENUM(key, CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, T, m, kind_strings, 3),
#define NONE(key, kind, m, def, lo, hi, unit, help)

static const cyaml_schema_field_t rate_fields[] = {
    CYAML_FIELD_STRING_PTR("format", CYAML_FLAG_POINTER, arch_rate, format, 1, 63),
    CYAML_FIELD_FLOAT("macs_per_cycle", CYAML_FLAG_DEFAULT, arch_rate, macs_per_cycle),
    CYAML_FIELD_FLOAT("energy_pj_per_mac", CYAML_FLAG_OPTIONAL, arch_rate, energy_pj_per_mac),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t rate_entry = {CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, arch_rate, rate_fields)};

/* One array per section: that section's macro emits fields, the others none. */
static const cyaml_schema_field_t dram_fields[] = {
#define ARCH_TOP NONE
#define ARCH_DRAM(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_dram, m)
#define ARCH_SPM NONE
#define ARCH_ACC NONE
#define ARCH_DMA NONE
#define ARCH_MATRIX NONE
#define ARCH_VECTOR NONE
#define ARCH_QUEUES NONE
#include "arch.def"
#undef ARCH_DRAM
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t mem_fields[] = {
/* spm and acc share the keys of spm */
#define ARCH_DRAM NONE
#undef ARCH_SPM
#define ARCH_SPM(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_mem, m)
#include "arch.def"
#undef ARCH_SPM
#define ARCH_SPM NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t dma_fields[] = {
#undef ARCH_DMA
#define ARCH_DMA(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_dma, m)
#include "arch.def"
#undef ARCH_DMA
#define ARCH_DMA NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t matrix_fields[] = {
#undef ARCH_MATRIX
#define ARCH_MATRIX(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_matrix, m)
#include "arch.def"
#undef ARCH_MATRIX
#define ARCH_MATRIX NONE
    CYAML_FIELD_SEQUENCE("formats", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, arch_matrix, formats, &rate_entry, 0, 64),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t vector_fields[] = {
#undef ARCH_VECTOR
#define ARCH_VECTOR(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_vector, m)
#include "arch.def"
#undef ARCH_VECTOR
#define ARCH_VECTOR NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t queues_fields[] = {
#undef ARCH_QUEUES
#define ARCH_QUEUES(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_queues, m)
#include "arch.def"
#undef ARCH_QUEUES
#define ARCH_QUEUES NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
#undef ARCH_TOP
#define ARCH_TOP(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_cfg, m)
#include "arch.def"
#undef ARCH_TOP
#define ARCH_TOP NONE
    CYAML_FIELD_MAPPING("dram", CYAML_FLAG_OPTIONAL, arch_cfg, dram, dram_fields),
    CYAML_FIELD_MAPPING("spm", CYAML_FLAG_OPTIONAL, arch_cfg, spm, mem_fields),
    CYAML_FIELD_MAPPING("acc", CYAML_FLAG_OPTIONAL, arch_cfg, acc, mem_fields),
    CYAML_FIELD_MAPPING("dma", CYAML_FLAG_OPTIONAL, arch_cfg, dma, dma_fields),
    CYAML_FIELD_MAPPING("matrix", CYAML_FLAG_OPTIONAL, arch_cfg, matrix, matrix_fields),
    CYAML_FIELD_MAPPING("vector", CYAML_FLAG_OPTIONAL, arch_cfg, vector, vector_fields),
    CYAML_FIELD_MAPPING("queues", CYAML_FLAG_OPTIONAL, arch_cfg, queues, queues_fields),
    CYAML_FIELD_END,
};
#undef ARCH_TOP
#undef ARCH_DRAM
#undef ARCH_SPM
#undef ARCH_ACC
#undef ARCH_DMA
#undef ARCH_MATRIX
#undef ARCH_VECTOR
#undef ARCH_QUEUES

static const cyaml_schema_value_t top_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, arch_cfg, top_fields)};

/* Metadata of every key: where it lives in arch_cfg, its default and range. */
enum { K_F64, K_U64, K_STR, K_KIND };
static const struct key_info {
    const char *sect; /* "" for the document, else the mapping's name */
    const char *key;
    int kind;
    size_t off; /* offset of the value in arch_cfg */
    double def, lo, hi;
    const char *unit, *help;
} keys[] = {
#define ARCH_TOP(key, kind, m, def, lo, hi, unit, help)                                                                \
    {"", key, K_##kind, offsetof(arch_cfg, m), def, lo, hi, unit, help},
#define ARCH_DRAM(key, kind, m, def, lo, hi, unit, help)                                                               \
    {"dram", key, K_##kind, offsetof(arch_cfg, dram) + offsetof(arch_dram, m), def, lo, hi, unit, help},
#define ARCH_SPM(key, kind, m, def, lo, hi, unit, help)                                                                \
    {"spm", key, K_##kind, offsetof(arch_cfg, spm) + offsetof(arch_mem, m), def, lo, hi, unit, help},
#define ARCH_ACC(key, kind, m, def, lo, hi, unit, help)                                                                \
    {"acc", key, K_##kind, offsetof(arch_cfg, acc) + offsetof(arch_mem, m), def, lo, hi, unit, help},
#define ARCH_DMA(key, kind, m, def, lo, hi, unit, help)                                                                \
    {"dma", key, K_##kind, offsetof(arch_cfg, dma) + offsetof(arch_dma, m), def, lo, hi, unit, help},
#define ARCH_MATRIX(key, kind, m, def, lo, hi, unit, help)                                                             \
    {"matrix", key, K_##kind, offsetof(arch_cfg, matrix) + offsetof(arch_matrix, m), def, lo, hi, unit, help},
#define ARCH_VECTOR(key, kind, m, def, lo, hi, unit, help)                                                             \
    {"vector", key, K_##kind, offsetof(arch_cfg, vector) + offsetof(arch_vector, m), def, lo, hi, unit, help},
#define ARCH_QUEUES(key, kind, m, def, lo, hi, unit, help)                                                             \
    {"queues", key, K_##kind, offsetof(arch_cfg, queues) + offsetof(arch_queues, m), def, lo, hi, unit, help},
#include "arch.def"
#undef ARCH_TOP
#undef ARCH_DRAM
#undef ARCH_SPM
#undef ARCH_ACC
#undef ARCH_DMA
#undef ARCH_MATRIX
#undef ARCH_VECTOR
#undef ARCH_QUEUES
};
#define NKEYS (int)(sizeof keys / sizeof keys[0])

static const char *const sections[] = {"dram", "spm", "acc", "dma", "matrix", "vector", "queues"};

/* ---- where every key sits: a libyaml pass ------------------------------------------ */

typedef struct loc {
    char path[96]; /* "dram.bandwidth_gbps", "matrix.formats[1].format" */
    int kl, kc;    /* key position (1-based) */
    int vl, vc;    /* value position */
    char val[64];  /* the value's text (scalars) */
} loc;

typedef struct locs {
    loc *e;
    int n, cap;
} locs;

static void locs_add(locs *x, const char *path, int kl, int kc, int vl, int vc, const char *val)
{
    if (x->n == x->cap) {
        int nc = x->cap ? x->cap * 2 : 64;
        loc *q = realloc(x->e, sizeof *q * (size_t)nc);
        if (!q) return;
        x->e = q;
        x->cap = nc;
    }
    loc *l = &x->e[x->n++];
    snprintf(l->path, sizeof l->path, "%s", path);
    l->kl = kl, l->kc = kc, l->vl = vl, l->vc = vc;
    snprintf(l->val, sizeof l->val, "%s", val ? val : "");
}

/* The k-th (0-based) entry with this path, or NULL. */
static const loc *locs_find(const locs *x, const char *path, int k)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->e[i].path, path) && k-- == 0) return &x->e[i];
    return NULL;
}

typedef struct frame {
    bool map;
    bool want_key;
    int index;
    char path[96];
    char key[64];
    int kl, kc;
} frame;

/* Index the document; on a YAML syntax error fill d and return it. */
static lp_status index_yaml(const char *text, size_t len, locs *out, lp_diag *d)
{
    yaml_parser_t p;
    yaml_event_t ev;
    frame st[32];
    int depth = 0, docs = 0;
    lp_status rc = LP_OK;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (bool done = false; !done;) {
        if (!yaml_parser_parse(&p, &ev)) {
            lp_diag_set(d, LP_ERR_PARSE, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1, "%s%s%s",
                        p.problem ? p.problem : "YAML syntax error", p.context ? " " : "", p.context ? p.context : "");
            rc = LP_ERR_PARSE;
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        frame *top = depth ? &st[depth - 1] : NULL;
        char path[96] = "";
        if (top && top->map && !top->want_key) /* paths are short; the precisions only bound them */
            snprintf(path, sizeof path, "%.30s%s%.60s", top->path, top->path[0] ? "." : "", top->key);
        else if (top && !top->map)
            snprintf(path, sizeof path, "%.80s[%d]", top->path, top->index % 1000000);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                lp_diag_set(d, LP_ERR_PARSE, line, col, "an architecture file holds one YAML document");
                rc = LP_ERR_PARSE;
                done = true;
            }
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == 32) {
                lp_diag_set(d, LP_ERR_PARSE, line, col, "nesting too deep");
                rc = LP_ERR_PARSE;
                done = true;
                break;
            }
            if (top && top->map && top->want_key) {
                lp_diag_set(d, LP_ERR_PARSE, line, col, "a key must be a plain word, not a mapping or sequence");
                rc = LP_ERR_PARSE;
                done = true;
                break;
            }
            if (top) locs_add(out, path, top->map ? top->kl : line, top->map ? top->kc : col, line, col, NULL);
            if (top && !top->map) top->index++;
            st[depth] = (frame){ev.type == YAML_MAPPING_START_EVENT, true, 0, "", "", 0, 0};
            snprintf(st[depth].path, sizeof st[depth].path, "%s", path);
            depth++;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (depth && st[depth - 1].map) st[depth - 1].want_key = true;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT: {
            const char *v = ev.type == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value : "*alias";
            if (top && top->map && top->want_key) {
                snprintf(top->key, sizeof top->key, "%s", v);
                top->kl = line, top->kc = col;
                top->want_key = false;
            } else if (top && top->map) {
                locs_add(out, path, top->kl, top->kc, line, col, v);
                top->want_key = true;
            } else if (top) {
                locs_add(out, path, line, col, line, col, v);
                top->index++;
            }
            break;
        }
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* ---- loading -------------------------------------------------------------------------- */

typedef struct logbuf {
    char text[2048];
    size_t n;
} logbuf;

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    logbuf *b = ctx;
    if (level < CYAML_LOG_ERROR || b->n >= sizeof b->text - 1) return;
    int k = vsnprintf(b->text + b->n, sizeof b->text - b->n, fmt, args);
    if (k > 0) b->n = b->n + (size_t)k < sizeof b->text ? b->n + (size_t)k : sizeof b->text - 1;
}

static const char *kind_name(int k)
{
    return k == K_F64 ? "a number" : k == K_U64 ? "a whole number" : k == K_KIND ? "tensor_core, pim or fpga" : "text";
}

static const struct key_info *find_key(const char *sect, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].sect, sect) && !strcmp(keys[i].key, key)) return &keys[i];
    return NULL;
}

/* The closest known key of a section (for "did you mean"). */
static const char *near_key(const char *sect, const char *key)
{
    const char *best = NULL;
    int bestd = 4;
    for (int i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].sect, sect)) continue;
        int dd = lp_edit_distance(key, keys[i].key);
        if (dd < bestd) bestd = dd, best = keys[i].key;
    }
    if (!sect[0])
        for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
            int dd = lp_edit_distance(key, sections[i]);
            if (dd < bestd) bestd = dd, best = sections[i];
        }
    if (!strcmp(sect, "matrix") && lp_edit_distance(key, "formats") < bestd) best = "formats";
    return best;
}

/* Turn libcyaml's error log into a diagnostic at the key or value it means. */
static void explain_cyaml(const logbuf *lb, const locs *ix, lp_diag *d)
{
    char what[256] = "", fields[8][64];
    int nf = 0;
    const char *t = lb->text, *nl;
    const char *load = strstr(t, "Load: ");
    if (load) {
        nl = strchr(load, '\n');
        snprintf(what, sizeof what, "%.*s", (int)(nl ? nl - load - 6 : (long)strlen(load + 6)), load + 6);
    }
    /* innermost first: "in mapping field 'F'" and "in sequence entry 'N'" */
    for (const char *q = t; (q = strstr(q, "  in ")) && nf < 8; q += 5) {
        const char *a = strchr(q, '\''), *b = a ? strchr(a + 1, '\'') : NULL;
        if (!strncmp(q, "  in mapping field '", 20) && a && b)
            snprintf(fields[nf++], 64, "%.*s", (int)(b - a - 1), a + 1);
        else if (!strncmp(q, "  in sequence entry '", 21) && a && b) /* libcyaml counts entries from 1 */
            snprintf(fields[nf++], 64, "[%ld]", strtol(a + 1, NULL, 10) - 1);
    }
    char parent[96] = "", full[160];
    /* a missing key belongs to the mapping, not to the last field libcyaml read */
    if (strstr(what, "Missing required mapping field") && nf && fields[0][0] != '[') {
        for (int i = 1; i < nf; i++) memcpy(fields[i - 1], fields[i], 64);
        nf--;
    }
    for (int i = nf - 1; i >= 0; i--) { /* outermost field first */
        size_t u = strlen(parent);
        bool idx = fields[i][0] == '[';
        snprintf(parent + u, sizeof parent - u, "%s%s", (u && !idx) ? "." : "", fields[i]);
    }
    const loc *l = NULL;
    char key[64];
    if (sscanf(what, "Unexpected key: %63s", key) == 1) {
        /* the key is unknown, so it lies in the mapping the backtrace names */
        snprintf(full, sizeof full, "%s%s%s", parent, parent[0] ? "." : "", key);
        l = locs_find(ix, full, 0);
        const char *sect = strchr(parent, '[') ? "" : parent, *hint = near_key(sect, key);
        if (hint)
            lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : 1, l ? l->kc : 1, "unknown key '%s'%s%s (did you mean '%s'?)", key,
                        parent[0] ? " in " : "", parent, hint);
        else
            lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : 1, l ? l->kc : 1, "unknown key '%s'%s%s (see 'lpsim arch --keys')",
                        key, parent[0] ? " in " : "", parent);
        return;
    }
    if (sscanf(what, "Mapping field already seen: %63s", key) == 1) {
        snprintf(full, sizeof full, "%s", parent);
        l = locs_find(ix, full, 1);
        lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : 1, l ? l->kc : 1, "duplicate key '%s'", key);
        return;
    }
    l = locs_find(ix, parent, 0);
    const char *dot = strrchr(parent, '.');
    char sect[32] = "";
    if (dot) snprintf(sect, sizeof sect, "%.*s", (int)(dot - parent), parent);
    const struct key_info *k = find_key(dot ? sect : "", dot ? dot + 1 : parent);
    char type[16] = "";
    if (sscanf(what, "Invalid %15s value", type) == 1) {
        const char *want = k                                               ? kind_name(k->kind)
                           : !strcmp(type, "FLOAT")                        ? "a number"
                           : !strcmp(type, "UINT") || !strcmp(type, "INT") ? "a whole number"
                                                                           : "text";
        lp_diag_set(d, LP_ERR_PARSE, l ? l->vl : 1, l ? l->vc : 1, "%s must be %s, got '%s'", parent, want,
                    l ? l->val : "?");
    } else if (sscanf(what, "Missing required mapping field: %63s", key) == 1)
        lp_diag_set(d, LP_ERR_PARSE, l ? l->vl : 1, l ? l->vc : 1, "%s needs '%s'", parent[0] ? parent : "the document",
                    key);
    else
        lp_diag_set(d, LP_ERR_PARSE, l ? l->vl : 1, l ? l->vc : 1, "%s%s%s", parent, parent[0] ? ": " : "",
                    what[0] ? what : "invalid architecture file");
}

/* The compiled-in presets (generated by CMake from models/arch/presets/). */
struct arch_preset_text {
    const char *name, *text;
};
extern const struct arch_preset_text arch_preset_texts[];

const char *arch_preset_name(int i)
{
    for (int k = 0; arch_preset_texts[k].name; k++)
        if (k == i) return arch_preset_texts[k].name;
    return NULL;
}

static double *f64_at(arch_cfg *a, const struct key_info *k) { return (double *)(void *)((char *)a + k->off); }
static uint64_t *u64_at(arch_cfg *a, const struct key_info *k) { return (uint64_t *)(void *)((char *)a + k->off); }
static char **str_at(arch_cfg *a, const struct key_info *k) { return (char **)(void *)((char *)a + k->off); }

lp_status arch_load_text(const char *text, size_t len, const char *file, arch_cfg **out, lp_diag *d)
{
    locs ix = {0};
    logbuf lb = {{0}, 0};
    arch_cfg *a = NULL;
    lp_diag_init(d, file);
    *out = NULL;
    lp_status st = index_yaml(text, len, &ix, d);
    if (st) goto fail;
    cyaml_config_t cfg = {.log_fn = capture_log,
                          .log_ctx = &lb,
                          .mem_fn = cyaml_mem,
                          .log_level = CYAML_LOG_ERROR,
                          .flags = CYAML_CFG_DEFAULT};
    if (len == 0 || ix.n == 0) {
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty architecture file (see 'lpsim arch --keys')");
        goto fail;
    }
    cyaml_err_t ce = cyaml_load_data((const uint8_t *)text, len, &cfg, &top_schema, (cyaml_data_t **)&a, NULL);
    if (ce != CYAML_OK) {
        explain_cyaml(&lb, &ix, d);
        st = d->status ? d->status : lp_diag_set(d, LP_ERR_PARSE, 1, 1, "%s", cyaml_strerror(ce));
        a = NULL;
        goto fail;
    }
    for (int i = 0; i < NKEYS && !st; i++) { /* defaults, then ranges */
        const struct key_info *k = &keys[i];
        char path[96];
        snprintf(path, sizeof path, "%s%s%s", k->sect, k->sect[0] ? "." : "", k->key);
        const loc *l = locs_find(&ix, path, 0);
        if (!l) {
            if (k->kind == K_F64) *f64_at(a, k) = k->def;
            if (k->kind == K_U64) *u64_at(a, k) = (uint64_t)k->def;
            if (k->kind == K_STR && !*str_at(a, k)) {
                const char *def = !strcmp(k->key, "preset") ? "exact" : file;
                const char *base = strrchr(def, '/');
                *str_at(a, k) = strdup(base ? base + 1 : def);
                if (!*str_at(a, k)) st = lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
            }
            continue;
        }
        double v = k->kind == K_F64 ? *f64_at(a, k) : k->kind == K_U64 ? (double)*u64_at(a, k) : 0;
        if ((k->kind == K_F64 || k->kind == K_U64) && (!isfinite(v) || v < k->lo || v > k->hi))
            st = lp_diag_set(d, LP_ERR_RANGE, l->vl, l->vc, "%s must be between %g and %g%s%s, got %s", path, k->lo,
                             k->hi, k->unit[0] ? " " : "", k->unit, l->val);
    }
    if (st) goto fail;
    {
        dot_cfg dc;
        lp_diag pd;
        lp_diag_init(&pd, NULL);
        const loc *l = locs_find(&ix, "matrix.preset", 0);
        if (dot_preset(a->matrix.preset, &dc, &pd) != LP_OK) {
            st = lp_diag_set(d, LP_ERR_RANGE, l ? l->vl : 1, l ? l->vc : 1, "matrix.preset: %s", pd.msg);
            goto fail;
        }
        if (!a->matrix.formats_count) {
            l = locs_find(&ix, "matrix", 0);
            st = lp_diag_set(d, LP_ERR_RANGE, l ? l->kl : 1, l ? l->kc : 1,
                             "matrix.formats must list at least one format with its macs_per_cycle");
            goto fail;
        }
        for (unsigned i = 0; i < a->matrix.formats_count; i++) {
            const arch_rate *r = &a->matrix.formats[i];
            char path[96];
            mf_format f;
            snprintf(path, sizeof path, "matrix.formats[%u].format", i);
            l = locs_find(&ix, path, 0);
            lp_status fs = mf_parse(r->format, &f, &pd);
            if (fs != LP_OK || f.bits > 16) {
                if (fs == LP_OK) lp_diag_msg(&pd, LP_ERR_RANGE, "%s is wider than 16 bits", f.name);
                st = lp_diag_set(d, LP_ERR_RANGE, l ? l->vl : 1, l ? l->vc : 1, "%s: %s", path, pd.msg);
                goto fail;
            }
            for (unsigned j = 0; j < i; j++) {
                mf_format g;
                if (mf_parse(a->matrix.formats[j].format, &g, NULL) == LP_OK && !strcmp(g.name, f.name)) {
                    st = lp_diag_set(d, LP_ERR_RANGE, l ? l->vl : 1, l ? l->vc : 1, "%s: %s is listed twice", path,
                                     f.name);
                    goto fail;
                }
            }
            snprintf(path, sizeof path, "matrix.formats[%u].macs_per_cycle", i);
            l = locs_find(&ix, path, 0);
            if (!(r->macs_per_cycle > 0) || !(r->macs_per_cycle <= 1e9) || !(r->energy_pj_per_mac >= 0) ||
                !isfinite(r->energy_pj_per_mac)) {
                st =
                    lp_diag_set(d, LP_ERR_RANGE, l ? l->vl : 1, l ? l->vc : 1,
                                "matrix.formats[%u]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0", i);
                goto fail;
            }
        }
    }
    free(ix.e);
    *out = a;
    return LP_OK;
fail:
    free(ix.e);
    arch_free(a);
    return st ? st : LP_ERR_PARSE;
}

void arch_free(arch_cfg *a)
{
    if (!a) return;
    cyaml_config_t cfg = {
        .log_fn = NULL, .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_DEFAULT};
    cyaml_free(&cfg, &top_schema, a, 0);
}

lp_status arch_load(const char *name, arch_cfg **out, lp_diag *d)
{
    *out = NULL;
    bool is_file = strchr(name, '/') || strstr(name, ".yaml") || strstr(name, ".yml");
    if (!is_file) {
        for (int k = 0; arch_preset_texts[k].name; k++)
            if (!strcmp(arch_preset_texts[k].name, name))
                return arch_load_text(arch_preset_texts[k].text, strlen(arch_preset_texts[k].text), name, out, d);
    }
    lp_diag why;
    char *text;
    size_t n;
    lp_diag_init(d, name);
    lp_status rs = lp_read_file(name, UINT64_C(1) << 24, &text, &n, &why);
    if (rs) {
        char list[256] = "";
        for (int k = 0; arch_preset_texts[k].name; k++) {
            size_t u = strlen(list);
            snprintf(list + u, sizeof list - u, "%s%s", k ? ", " : "", arch_preset_texts[k].name);
        }
        return lp_diag_set(d, rs, 1, 1, "cannot read: %s (presets: %s)", why.msg, list);
    }
    lp_status st = arch_load_text(text, n, name, out, d);
    free(text);
    return st;
}

const arch_rate *arch_rate_of(const arch_cfg *a, const char *format)
{
    mf_format want, f;
    if (mf_parse(format, &want, NULL) != LP_OK) return NULL;
    for (unsigned i = 0; i < a->matrix.formats_count; i++)
        if (mf_parse(a->matrix.formats[i].format, &f, NULL) == LP_OK && !strcmp(f.name, want.name))
            return &a->matrix.formats[i];
    return NULL;
}

/* The shortest decimal that reads back as the same double. */
static const char *num(double v, char *buf, size_t n)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

void arch_print(const arch_cfg *a, FILE *f)
{
    char b1[32], b2[32];
    const char *cur = "";
    for (int i = 0; i < NKEYS; i++) {
        const struct key_info *k = &keys[i];
        if (strcmp(cur, k->sect)) {
            fprintf(f, "%s:\n", k->sect);
            cur = k->sect;
        }
        const char *ind = k->sect[0] ? "  " : "";
        arch_cfg *m = (arch_cfg *)a;
        if (k->kind == K_F64) fprintf(f, "%s%s: %s\n", ind, k->key, num(*f64_at(m, k), b1, sizeof b1));
        if (k->kind == K_U64) fprintf(f, "%s%s: %llu\n", ind, k->key, (unsigned long long)*u64_at(m, k));
        if (k->kind == K_STR) fprintf(f, "%s%s: \"%s\"\n", ind, k->key, *str_at(m, k));
        if (k->kind == K_KIND) fprintf(f, "%s%s: %s\n", ind, k->key, kind_strings[a->matrix.kind].str);
        if (!strcmp(k->sect, "matrix") && (i + 1 == NKEYS || strcmp(keys[i + 1].sect, "matrix"))) {
            fprintf(f, "  formats:\n");
            for (unsigned r = 0; r < a->matrix.formats_count; r++)
                fprintf(f, "    - {format: %s, macs_per_cycle: %s, energy_pj_per_mac: %s}\n",
                        a->matrix.formats[r].format, num(a->matrix.formats[r].macs_per_cycle, b1, sizeof b1),
                        num(a->matrix.formats[r].energy_pj_per_mac, b2, sizeof b2));
        }
    }
}

void arch_print_keys(FILE *f)
{
    fprintf(f, "| key | type | default | range | unit | meaning |\n| --- | --- | --- | --- | --- | --- |\n");
    for (int i = 0; i < NKEYS; i++) {
        const struct key_info *k = &keys[i];
        char range[64] = "", def[32] = "";
        if (k->kind == K_F64 || k->kind == K_U64) {
            snprintf(range, sizeof range, "%g .. %g", k->lo, k->hi);
            snprintf(def, sizeof def, "%g", k->def);
        }
        if (k->kind == K_KIND) snprintf(def, sizeof def, "tensor_core");
        if (k->kind == K_STR) snprintf(def, sizeof def, "%s", !strcmp(k->key, "preset") ? "exact" : "(file name)");
        fprintf(f, "| `%s%s%s` | %s | %s | %s | %s | %s |\n", k->sect, k->sect[0] ? "." : "", k->key,
                kind_name(k->kind), def, range, k->unit, k->help);
    }
    fprintf(f, "| `matrix.formats` | list | (required) | | | each entry `{format: FMT, macs_per_cycle: N, "
               "energy_pj_per_mac: E}`: an element format the unit multiplies, its rate for the whole unit and its "
               "energy |\n");
}
