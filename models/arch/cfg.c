/*
** cfg.c — configuration sections (see cfg.h).
**
** libcyaml does the loading: it matches keys against the schema, converts
** values, rejects unknown and duplicate keys. Its error log names the problem
** but places it one parse event late, so a libyaml pass over the same text
** first builds an index of where every key and value sits (and reports YAML
** syntax errors itself, exactly); the message then points at the key or value
** libcyaml complained about. Defaults and ranges come from the key table.
*/
#define _POSIX_C_SOURCE 200809L
#include "cfg.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lp_num.h"

/* ---- the index: a libyaml pass ------------------------------------------------- */

static cfg_loc *index_add(cfg_index *x, const char *path, int kl, int kc, int vl, int vc)
{
    if (x->n == x->cap) {
        int nc = x->cap ? x->cap * 2 : 64;
        cfg_loc *q = realloc(x->e, sizeof *q * (size_t)nc);
        if (!q) {
            x->nomem = true;
            return NULL;
        }
        x->e = q;
        x->cap = nc;
    }
    cfg_loc *l = &x->e[x->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->path, sizeof l->path, "%s", path);
    l->kl = kl, l->kc = kc, l->vl = vl, l->vc = vc;
    return l;
}

const cfg_loc *cfg_find(const cfg_index *x, const char *path, int k)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->e[i].path, path) && k-- == 0) return &x->e[i];
    return NULL;
}

void cfg_index_free(cfg_index *ix)
{
    free(ix->e);
    memset(ix, 0, sizeof *ix);
}

/* libyaml's marks count characters; byte offsets come from walking the UTF-8
** text (after a byte order mark, which libyaml skips). Marks arrive in order,
** so a cursor walks forward, starting over when asked for an earlier one. */
typedef struct char_cursor {
    const unsigned char *text;
    size_t len, chr, byte, base;
} char_cursor;

static size_t byte_of(char_cursor *c, size_t chr)
{
    if (chr < c->chr) c->chr = 0, c->byte = c->base;
    while (c->chr < chr && c->byte < c->len) {
        unsigned char b = c->text[c->byte];
        c->byte += b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
        c->chr++;
    }
    return c->byte < c->len ? c->byte : c->len;
}

typedef struct frame {
    bool map;
    bool want_key;
    int index;
    int loc; /* index entry of this node, or -1 for the document */
    char path[96];
    char key[64];
    int kl, kc;
} frame;

/* The path of the node an event opens, from the frame it lies in. */
static void node_path(const frame *top, char *path, size_t n)
{
    path[0] = 0;
    if (top && top->map && !top->want_key) /* paths are short; the precisions only bound them */
        snprintf(path, n, "%.30s%s%.60s", top->path, top->path[0] ? "." : "", top->key);
    else if (top && !top->map)
        snprintf(path, n, "%.80s[%d]", top->path, top->index % 1000000);
}

/* A scalar or alias event: a key, a value in a mapping, or a sequence entry. */
static void index_scalar(cfg_index *out, frame *top, const yaml_event_t *ev, const char *path, int line, int col,
                         char_cursor *cc)
{
    const char *v = (const char *)ev->data.scalar.value;
    cfg_loc *l = NULL;
    if (top && top->map && top->want_key) {
        snprintf(top->key, sizeof top->key, "%s", v);
        top->kl = line, top->kc = col;
        top->want_key = false;
        return;
    }
    if (top && top->map) {
        l = index_add(out, path, top->kl, top->kc, line, col);
        top->want_key = true;
    } else if (top) {
        l = index_add(out, path, line, col, line, col);
        top->index++;
    }
    if (!l) return;
    snprintf(l->val, sizeof l->val, "%s", v);
    l->val_len = ev->data.scalar.length;
    l->node = CFG_NODE_SCALAR;
    l->null = ev->data.scalar.length == 0 && ev->data.scalar.plain_implicit;
    l->start = byte_of(cc, ev->start_mark.index);
    l->end = byte_of(cc, ev->end_mark.index);
}

lp_status cfg_yaml_reader_error(const char *text, size_t len, const yaml_parser_t *p, lp_diag *d)
{
    size_t off = p->problem_offset < len ? p->problem_offset : len;
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n')
            line++, col = 1;
        else if ((c & 0xc0) != 0x80)
            col++;
    }
    const char *what = p->problem ? p->problem : "unreadable text";
    if (p->problem_value >= 0)
        return lp_diag_set(d, LP_ERR_PARSE, line, col, "%s (byte 0x%02x)", what, (unsigned)p->problem_value & 0xffu);
    return lp_diag_set(d, LP_ERR_PARSE, line, col, "%s", what);
}

lp_status cfg_index_yaml(const char *text, size_t len, const char *file, cfg_index *out, lp_diag *d)
{
    yaml_parser_t p;
    yaml_event_t ev;
    frame st[32];
    int depth = 0, docs = 0;
    lp_status rc = LP_OK;
    char_cursor cc = {(const unsigned char *)text, len, 0, 0, 0};
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) cc.byte = cc.base = 3;
    memset(out, 0, sizeof *out);
    out->root = -1;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (bool done = false; !done;) {
        if (!yaml_parser_parse(&p, &ev)) {
            if (p.error == YAML_READER_ERROR) /* bad bytes: libyaml gives their offset, not a mark */
                rc = cfg_yaml_reader_error(text, len, &p, d);
            else
                rc = lp_diag_set(d, LP_ERR_PARSE, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1,
                                 "%s%s%s", p.problem ? p.problem : "YAML syntax error", p.context ? " " : "",
                                 p.context ? p.context : "");
            lp_diag_at(d, file, d->line, d->col);
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        frame *top = depth ? &st[depth - 1] : NULL;
        if (!top && out->root < 0 &&
            (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
             ev.type == YAML_SEQUENCE_START_EVENT)) {
            out->root = ev.type == YAML_SCALAR_EVENT          ? CFG_NODE_SCALAR
                        : ev.type == YAML_MAPPING_START_EVENT ? CFG_NODE_MAPPING
                                                              : CFG_NODE_SEQUENCE;
            if (ev.type == YAML_SCALAR_EVENT)
                snprintf(out->root_val, sizeof out->root_val, "%s", (const char *)ev.data.scalar.value);
        }
        char path[96];
        node_path(top, path, sizeof path);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                rc = lp_diag_set(d, LP_ERR_PARSE, line, col, "an architecture file holds one YAML document");
                lp_diag_at(d, file, line, col);
                done = true;
            }
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (depth == 32 || (top && top->map && top->want_key)) {
                rc = lp_diag_set(d, LP_ERR_PARSE, line, col, "%s",
                                 depth == 32 ? "nesting too deep"
                                             : "a key must be a plain word, not a mapping or sequence");
                lp_diag_at(d, file, line, col);
                done = true;
                break;
            }
            int at = -1;
            if (top) {
                cfg_loc *l = index_add(out, path, top->map ? top->kl : line, top->map ? top->kc : col, line, col);
                if (l) {
                    l->node = ev.type == YAML_MAPPING_START_EVENT ? CFG_NODE_MAPPING : CFG_NODE_SEQUENCE;
                    l->start = byte_of(&cc, ev.start_mark.index);
                    at = out->n - 1;
                }
            }
            if (top && !top->map) top->index++;
            st[depth] = (frame){ev.type == YAML_MAPPING_START_EVENT, true, 0, at, "", "", 0, 0};
            snprintf(st[depth].path, sizeof st[depth].path, "%s", path);
            depth++;
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (st[depth].loc >= 0) out->e[st[depth].loc].end = byte_of(&cc, ev.end_mark.index);
            if (depth && st[depth - 1].map) st[depth - 1].want_key = true;
            break;
        case YAML_ALIAS_EVENT: /* a node used twice would be loaded twice but reported once: refused */
            rc = lp_diag_set(d, LP_ERR_PARSE, line, col,
                             "aliases (*%.40s) are not allowed in an architecture file: write the value out",
                             (const char *)ev.data.alias.anchor);
            lp_diag_at(d, file, line, col);
            done = true;
            break;
        case YAML_SCALAR_EVENT:
            /* an escape ("\0", "\u0000") can put a NUL inside a string, which C would cut there: refused */
            if (memchr(ev.data.scalar.value, 0, ev.data.scalar.length)) {
                bool key = top && top->map && top->want_key;
                rc = lp_diag_set(d, LP_ERR_PARSE, line, col, "%s%sa NUL character (\\0) cannot be part of a %s",
                                 key ? "" : path, key || !path[0] ? "" : ": ", key ? "key" : "value");
                lp_diag_at(d, file, line, col);
                done = true;
                break;
            }
            index_scalar(out, top, &ev, path, line, col, &cc);
            break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (!rc && out->nomem) rc = lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
    return rc;
}

char *cfg_blank_outside(const char *text, size_t len, size_t start, size_t end)
{
    char *b = malloc(len + 1);
    if (!b) return NULL;
    for (size_t i = 0; i < len; i++) {
        bool keep = (i >= start && i < end) || text[i] == '\n' || text[i] == '\r';
        b[i] = keep ? text[i] : ' ';
    }
    b[len] = 0;
    return b;
}

/* ---- keys ------------------------------------------------------------------------ */

static const char *type_name(cfg_type t)
{
    return t == CFG_F64 ? "a number" : t == CFG_U64 ? "a whole number" : "text";
}

static const cfg_key *find_key(const cfg_section *s, const char *path)
{
    for (int i = 0; i < s->nkeys; i++)
        if (!strcmp(s->keys[i].key, path)) return &s->keys[i];
    return NULL;
}

/* The closest known name under parent (a relative path, "" for the section's
** top), for "did you mean". */
static const char *near_key(const cfg_section *s, const char *parent, const char *key)
{
    const char *best = NULL;
    int bestd = 4;
    size_t pl = strlen(parent);
    for (int i = 0; i < s->nkeys; i++) {
        const char *k = s->keys[i].key;
        if (pl ? strncmp(k, parent, pl) || k[pl] != '.' : strchr(k, '.') != NULL) continue;
        int dd = lp_edit_distance(key, k + (pl ? pl + 1 : 0));
        if (dd < bestd) bestd = dd, best = k + (pl ? pl + 1 : 0);
    }
    for (int i = 0; !pl && s->other_names && s->other_names[i]; i++) {
        int dd = lp_edit_distance(key, s->other_names[i]);
        if (dd < bestd) bestd = dd, best = s->other_names[i];
    }
    return best;
}

static void *at(void *cfg, const cfg_key *k) { return (char *)cfg + k->off; }

/* "prefix.rel" (or either alone) into buf. */
static const char *join(char *buf, size_t n, const char *prefix, const char *rel)
{
    bool dot = prefix[0] && rel[0] && rel[0] != '[';
    snprintf(buf, n, "%.60s%s%.90s", prefix, dot ? "." : "", rel);
    return buf;
}

/* ---- libcyaml's errors, placed ----------------------------------------------------- */

typedef struct logbuf {
    char text[2048];
    size_t n;
} logbuf;

/* Each message is cut to 200 bytes (it may quote a whole value) so that the
** backtrace after it still fits. */
static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    logbuf *b = ctx;
    char one[256];
    if (level < CYAML_LOG_ERROR || b->n >= sizeof b->text - 1) return;
    int k = vsnprintf(one, sizeof one, fmt, args);
    if (k <= 0) return;
    bool nl = one[strlen(one) - 1] == '\n';
    if ((size_t)k >= 200) snprintf(one + 196, sizeof one - 196, "...%s", nl ? "\n" : "");
    int w = snprintf(b->text + b->n, sizeof b->text - b->n, "%s", one);
    if (w > 0) b->n = b->n + (size_t)w < sizeof b->text ? b->n + (size_t)w : sizeof b->text - 1;
}

/* The relative path of the node libcyaml's backtrace names ("in mapping field
** 'F'", "in sequence entry 'N'", innermost first) into parent. */
static void backtrace_path(const char *t, bool missing, char *parent, size_t n)
{
    char fields[8][64];
    int nf = 0;
    for (const char *q = t; (q = strstr(q, "  in ")) && nf < 8; q += 5) {
        const char *a = strchr(q, '\''), *b = a ? strchr(a + 1, '\'') : NULL;
        if (!strncmp(q, "  in mapping field '", 20) && a && b)
            snprintf(fields[nf++], 64, "%.*s", (int)(b - a - 1), a + 1);
        else if (!strncmp(q, "  in sequence entry '", 21) && a && b) /* libcyaml counts entries from 1 */
            snprintf(fields[nf++], 64, "[%ld]", strtol(a + 1, NULL, 10) - 1);
    }
    /* a missing key belongs to the mapping, not to the last field libcyaml read */
    if (missing && nf && fields[0][0] != '[') {
        for (int i = 1; i < nf; i++) memcpy(fields[i - 1], fields[i], 64);
        nf--;
    }
    parent[0] = 0;
    for (int i = nf - 1; i >= 0; i--) { /* outermost field first */
        size_t u = strlen(parent);
        bool idx = fields[i][0] == '[';
        snprintf(parent + u, n - u, "%s%s", (u && !idx) ? "." : "", fields[i]);
    }
}

static void explain_unknown_key(const cfg_section *s, const cfg_where *w, const char *rel, const char *key, lp_diag *d)
{
    char relkey[160], full[160];
    join(relkey, sizeof relkey, rel, key);
    const cfg_loc *l = cfg_find(w->ix, relkey, 0);
    join(full, sizeof full, w->path, rel);
    const char *hint = strchr(rel, '[') ? NULL : near_key(s, rel, key);
    if (hint)
        lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : w->line, l ? l->kc : w->col,
                    "unknown key '%s'%s%s (did you mean '%s'?)", key, full[0] ? " in " : "", full, hint);
    else
        lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : w->line, l ? l->kc : w->col, "unknown key '%s'%s%s (see %s)", key,
                    full[0] ? " in " : "", full, s->keys_help ? s->keys_help : "'lpsim arch --keys'");
}

/* Turn libcyaml's error log into a diagnostic at the key or value it means. */
static void explain_cyaml(const cfg_section *s, const logbuf *lb, const cfg_where *w, lp_diag *d)
{
    char what[256] = "", rel[96], full[160], key[64], type[16] = "";
    const char *load = strstr(lb->text, "Load: ");
    if (load) {
        const char *nl = strchr(load, '\n');
        snprintf(what, sizeof what, "%.*s", (int)(nl ? nl - load - 6 : (long)strlen(load + 6)), load + 6);
    }
    backtrace_path(lb->text, strstr(what, "Missing required mapping field") != NULL, rel, sizeof rel);
    join(full, sizeof full, w->path, rel);
    if (sscanf(what, "Unexpected key: %63s", key) == 1) {
        explain_unknown_key(s, w, rel, key, d); /* the key is unknown, so it lies in the mapping named */
        return;
    }
    if (sscanf(what, "Mapping field already seen: %63s", key) == 1) {
        const cfg_loc *l = cfg_find(w->ix, rel, 1);
        lp_diag_set(d, LP_ERR_PARSE, l ? l->kl : w->line, l ? l->kc : w->col, "duplicate key '%s'", key);
        return;
    }
    const cfg_loc *l = cfg_find(w->ix, rel, 0);
    int line = l ? l->vl : w->line, col = l ? l->vc : w->col;
    const cfg_key *k = find_key(s, rel);
    if (sscanf(what, "Invalid %15s value", type) == 1) {
        const char *want = k                                               ? type_name(k->type)
                           : !strcmp(type, "FLOAT")                        ? "a number"
                           : !strcmp(type, "UINT") || !strcmp(type, "INT") ? "a whole number"
                                                                           : "text";
        lp_diag_set(d, LP_ERR_PARSE, line, col, "%s must be %s, got '%s'", full, want, l ? l->val : "?");
    } else if (sscanf(what, "Expecting %15[A-Z], got event: %63[A-Z_]", type, key) == 2) {
        const char *got = !strcmp(key, "SEQUENCE_START")  ? "a list"
                          : !strcmp(key, "MAPPING_START") ? "a mapping"
                                                          : "a single value";
        const char *want = k                           ? type_name(k->type)
                           : !strcmp(type, "MAPPING")  ? "a mapping of keys"
                           : !strcmp(type, "SEQUENCE") ? "a list"
                                                       : "a single value";
        lp_diag_set(d, LP_ERR_PARSE, line, col, "%s must be %s, got %s",
                    full[0]   ? full
                    : s->what ? s->what
                              : "an architecture file",
                    want, got);
    } else if (sscanf(what, "STRING length > %15[0-9]", type) == 1) {
        lp_diag_set(d, LP_ERR_PARSE, line, col, "%s is longer than %s bytes", full, type);
    } else if (sscanf(what, "Missing required mapping field: %63s", key) == 1) {
        lp_diag_set(d, LP_ERR_PARSE, line, col, "%s needs '%s'", full[0] ? full : "the document", key);
    } else {
        lp_diag_set(d, LP_ERR_PARSE, line, col, "%s%s%s", full, full[0] ? ": " : "",
                    what[0] ? what : "invalid architecture file");
    }
}

/* ---- loading ---------------------------------------------------------------------- */

static lp_status defaults_and_ranges(const cfg_section *s, void *cfg, const cfg_where *w, lp_diag *d)
{
    for (int i = 0; i < s->nkeys; i++) {
        const cfg_key *k = &s->keys[i];
        char full[160];
        join(full, sizeof full, w->path, k->key);
        const cfg_loc *l = w->ix ? cfg_find(w->ix, k->key, 0) : NULL;
        if (!l) {
            if (k->type == CFG_F64) *(double *)at(cfg, k) = k->def;
            if (k->type == CFG_U64) *(uint64_t *)at(cfg, k) = (uint64_t)k->def;
            if (k->type == CFG_STR && !*(char **)at(cfg, k)) {
                const char *def = k->str_def ? k->str_def : w->file, *base = strrchr(def, '/');
                char **dst = at(cfg, k);
                *dst = strdup(base && !k->str_def ? base + 1 : def);
                if (!*dst) return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
            }
            continue;
        }
        if (k->type == CFG_STR) continue;
        /* libcyaml's reading of numbers is lenient (65_536 as 65, 64.5 as 64, 0x10 as a real): every
        ** number is read again, exactly, by the parser of the command line */
        const char *why = "too long for a number";
        lp_status ns = LP_ERR_PARSE;
        double v = 0;
        if (l->val_len < sizeof l->val && k->type == CFG_F64) {
            ns = lp_parse_f64(l->val, l->val_len, &v, &why);
            if (!ns) *(double *)at(cfg, k) = v;
        } else if (l->val_len < sizeof l->val) {
            uint64_t u = 0;
            ns = lp_parse_u64(l->val, l->val_len, &u, &why);
            if (!ns) *(uint64_t *)at(cfg, k) = u, v = (double)u;
        }
        if (ns == LP_ERR_PARSE)
            return lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc, "%s must be %s, got '%s'%s%s", full, type_name(k->type),
                               l->val, strstr(why, "not a") == why ? "" : ": ", strstr(why, "not a") == why ? "" : why);
        char lo[32], hi[32];
        bool dbl = ns && k->type == CFG_F64;
        /* a number no double holds says why ("1e-400" would be in [0, 1e5] but rounds to 0) */
        if (ns || v < k->lo || v > k->hi)
            return lp_diag_set(d, LP_ERR_RANGE, l->vl, l->vc, "%s must be between %s and %s%s%s, got %s%s%s%s", full,
                               cfg_num(k->lo, lo, sizeof lo), cfg_num(k->hi, hi, sizeof hi), k->unit[0] ? " " : "",
                               k->unit, l->val, dbl ? " (" : "", dbl ? why : "", dbl ? ")" : "");
    }
    return LP_OK;
}

lp_status cfg_load(const cfg_section *s, const char *text, size_t len, const cfg_index *ix, const cfg_where *w,
                   void **out, lp_diag *d)
{
    logbuf lb = {{0}, 0};
    void *cfg = NULL;
    cyaml_config_t cc = {.log_fn = capture_log,
                         .log_ctx = &lb,
                         .mem_fn = cyaml_mem,
                         .log_level = CYAML_LOG_ERROR,
                         .flags = CYAML_CFG_DEFAULT};
    cfg_where wx = *w;
    wx.ix = ix;
    *out = NULL;
    lp_diag_init(d, w->file);
    cyaml_err_t ce = cyaml_load_data((const uint8_t *)text, len, &cc, s->schema, (cyaml_data_t **)&cfg, NULL);
    if (ce != CYAML_OK) {
        explain_cyaml(s, &lb, &wx, d);
        return d->status ? d->status : lp_diag_set(d, LP_ERR_PARSE, w->line, w->col, "%s", cyaml_strerror(ce));
    }
    lp_status st = defaults_and_ranges(s, cfg, &wx, d);
    if (!st && s->check) st = s->check(cfg, &wx, d);
    if (st) {
        cfg_free(s, cfg);
        return st;
    }
    *out = cfg;
    return LP_OK;
}

lp_status cfg_load_defaults(const cfg_section *s, const char *file, void **out, lp_diag *d)
{
    static const char empty[] = "{}";
    cfg_index ix = {0};
    cfg_where w = {file, s->name, &ix, 1, 1};
    return cfg_load(s, empty, sizeof empty - 1, &ix, &w, out, d);
}

void cfg_free(const cfg_section *s, void *cfg)
{
    if (!cfg) return;
    cyaml_config_t cc = {.log_fn = NULL, .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_DEFAULT};
    cyaml_free(&cc, s->schema, cfg, 0);
}

/* ---- printing ------------------------------------------------------------------------ */

const char *cfg_num(double v, char *buf, size_t n)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

/* A YAML double-quoted scalar. */
static void print_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cfg_print(const cfg_section *s, const void *cfg, FILE *f, const char *indent)
{
    char b[32], cur[64] = "";
    for (int i = 0; i < s->nkeys; i++) {
        const cfg_key *k = &s->keys[i];
        const char *dot = strchr(k->key, '.'), *leaf = dot ? dot + 1 : k->key;
        if (dot && (strlen(cur) != (size_t)(dot - k->key) || strncmp(cur, k->key, (size_t)(dot - k->key)))) {
            snprintf(cur, sizeof cur, "%.*s", (int)(dot - k->key), k->key);
            fprintf(f, "%s%s:\n", indent, cur);
        }
        const void *v = (const char *)cfg + k->off;
        fprintf(f, "%s%s%s: ", indent, dot ? "  " : "", leaf);
        if (k->type == CFG_F64) fputs(cfg_num(*(const double *)v, b, sizeof b), f);
        if (k->type == CFG_U64) fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)v);
        if (k->type == CFG_STR) print_quoted(f, *(char *const *)v ? *(char *const *)v : "");
        fputc('\n', f);
    }
    if (s->print_extra) s->print_extra(cfg, f, indent);
}

void cfg_print_key_rows(const cfg_section *s, const char *path, const char *kind, FILE *f)
{
    for (int i = 0; i < s->nkeys; i++) {
        const cfg_key *k = &s->keys[i];
        char range[64] = "", def[48] = "", full[160];
        if (k->type != CFG_STR) {
            snprintf(range, sizeof range, "%g .. %g", k->lo, k->hi);
            snprintf(def, sizeof def, "%g", k->def);
        } else {
            snprintf(def, sizeof def, "%s", k->str_def ? k->str_def : "(file name)");
        }
        fprintf(f, "| `%s` | %s | %s | %s | %s | %s%s%s%s |\n", join(full, sizeof full, path, k->key),
                type_name(k->type), def, range, k->unit, kind ? "(" : "", kind ? kind : "", kind ? ") " : "", k->help);
    }
    if (s->doc_extra) {
        /* the rows name the path where the text says %1$s, the kind where %2$s */
        for (const char *p = s->doc_extra; *p; p++) {
            if (p[0] == '%' && (!strncmp(p, "%1$s", 4) || !strncmp(p, "%2$s", 4))) {
                if (p[1] == '1')
                    fputs(path, f);
                else if (kind)
                    fprintf(f, "(%s) ", kind);
                p += 3;
            } else {
                fputc(*p, f);
            }
        }
    }
}
