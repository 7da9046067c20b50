/*
** workload.c — workloads in the inline form and in files: parser, printer and
** comparison, all expanded from the key table wl_keys.def, and the model
** presets.
**
** Both forms feed one key at a time to set_key (unknown keys, duplicates and
** values of the wrong type or range fail at their own key or value), then
** walk the table in row order: a key of the other phase is an error, a
** missing required key is an error at the kind word (kind:'s value in a
** file), a default is parsed as if typed (or copied from the key that "=KEY"
** names). Cross-key rules come last. Inline columns are byte columns: col0
** plus the token's offset in the text. A file is read with libyaml directly
** (a flat mapping of scalars: libcyaml would add nothing, and its positions
** lag, cfg.h): every key and value comes with its own line and column.
*/
#include "workload.h"

#include "cfg.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lp_file.h"
#include "lp_num.h"
#include "mx.h"

#define WL_G (1u << WL_GEMM)
#define WL_V (1u << WL_GEMV)
#define WL_A (1u << WL_ATTENTION)
#define WL_L (1u << WL_LAYER)
#define WL_M (1u << WL_MODEL)

typedef enum key_type { T_NUM, T_BOOL, T_FMT, T_ENUM } key_type;
enum { W_PREFILL = WL_PREFILL, W_DECODE = WL_DECODE, W_ANY, W_MAP, W_DATA };

typedef struct key_row {
    unsigned kinds;
    int when;
    const char *name;
    key_type type;
    uint64_t lo, hi;
    const char *choices; /* "a|b"; NULL for ENUM: the model presets */
    const char *def;     /* NULL: required; "=KEY": KEY's value */
    size_t off;          /* of the field in wl_spec */
    const char *doc;
} key_row;

static const key_row keys[] = {
#define WL_KEY(id, kinds, when, name, type, lo, hi, choices, def, field, doc)                                          \
    {kinds, W_##when, name, T_##type, lo, hi, choices, def, offsetof(wl_spec, field), doc},
#include "wl_keys.def"
#undef WL_KEY
};

static const wl_model models[] = {
#define WL_MODEL(id, name, hidden, layers, heads, kv_heads, head_dim, mlp, act, norm, pos, positions, vocab, theta)    \
    {name,         hidden,         layers,       heads,     kv_heads, head_dim, mlp,                                   \
     WL_ACT_##act, WL_NORM_##norm, WL_POS_##pos, positions, vocab,    theta},
#include "wl_models.def"
#undef WL_MODEL
};

static const char *const kind_names[WL_KIND_COUNT] = {"gemm", "gemv", "attention", "layer", "model"};

#define VAL_MAX 64 /* longest value text */
#define QUOTE 40   /* longest user text quoted in a message */

const wl_model *wl_model_get(wl_model_id id)
{
    assert((unsigned)id < WL_MODEL_COUNT);
    return &models[id];
}

const char *wl_kind_name(wl_kind k) { return (unsigned)k < WL_KIND_COUNT ? kind_names[k] : "?"; }
const char *wl_key_name(wl_key_id k) { return (unsigned)k < WL_KEY_COUNT ? keys[k].name : "?"; }

static uint64_t *num_at(wl_spec *s, const key_row *r) { return (uint64_t *)((char *)s + r->off); }
static wl_fmt *fmt_at(wl_spec *s, const key_row *r) { return (wl_fmt *)((char *)s + r->off); }
static const uint64_t *cnum_at(const wl_spec *s, const key_row *r)
{
    return (const uint64_t *)((const char *)s + r->off);
}
static const wl_fmt *cfmt_at(const wl_spec *s, const key_row *r) { return (const wl_fmt *)((const char *)s + r->off); }

/* The key that sets the phase of kind k (attention kind=, layer phase=), or NULL. */
static const key_row *phase_key(wl_kind k)
{
    for (int i = 0; i < WL_KEY_COUNT; i++)
        if ((keys[i].kinds & (1u << k)) && keys[i].off == offsetof(wl_spec, phase)) return &keys[i];
    return NULL;
}

static bool applies(const key_row *r, const wl_spec *s)
{
    if (!(r->kinds & (1u << s->kind))) return false;
    return r->when == W_ANY || r->when == W_MAP || r->when == W_DATA ||
           (phase_key(s->kind) && (uint64_t)r->when == s->phase);
}

/* The i-th choice of an enum key, or NULL past the last. */
static const char *choice(const key_row *r, unsigned i, size_t *len)
{
    if (!r->choices) {
        if (i >= WL_MODEL_COUNT) return NULL;
        *len = strlen(models[i].name);
        return models[i].name;
    }
    const char *p = r->choices;
    for (; i && p; i--) p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
    if (!p) return NULL;
    *len = strcspn(p, "|");
    return p;
}

/* The names of wl_dist, the choices of the dist= key (asserted equal, so
** that the table stays the one definition). */
const char *wl_dist_name(uint64_t d)
{
    static const char *const names[WL_DIST_COUNT] = {"default", "normal", "outliers", "uniform"};
    if (d >= WL_DIST_COUNT) return "?";
    size_t n = 0;
    const char *c = choice(&keys[WL_KEY_DIST], (unsigned)d, &n);
    assert(c && strlen(names[d]) == n && !strncmp(c, names[d], n));
    (void)c;
    return names[d];
}

/* ---- values ----------------------------------------------------------------------- */

/* A format name: an MX name ("mx" and an element of mx.def), else mf_parse's. */
lp_status wl_fmt_parse(const char *v, wl_fmt *f, lp_diag *d)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < MX_ELEM_COUNT; i++) {
        if (strncmp(v, "mx", 2) || strcmp(v + 2, mx_elem_id_name((mx_elem_id)i))) continue;
        snprintf(f->name, sizeof f->name, "%s", v);
        f->bits = mx_elem_table((mx_elem_id)i)->fmt.bits;
        f->mx = true;
        return LP_OK;
    }
    mf_format mf;
    lp_status st = mf_parse(v, &mf, d);
    if (st) return st;
    snprintf(f->name, sizeof f->name, "%s", mf.name);
    f->bits = mf.bits;
    return LP_OK;
}

static lp_status parse_enum(const key_row *r, const char *name, const char *v, uint64_t *out, lp_diag *d, int line,
                            int col)
{
    size_t n;
    const char *c;
    for (unsigned i = 0; (c = choice(r, i, &n)); i++)
        if (strlen(v) == n && !strncmp(v, c, n)) return *out = i, LP_OK;
    char list[160] = "";
    const char *best = NULL;
    size_t bestn = 0;
    int bestd = 3;
    for (unsigned i = 0; (c = choice(r, i, &n)); i++) {
        size_t u = strlen(list);
        snprintf(list + u, sizeof list - u, "%s%.*s", i ? ", " : "", (int)n, c);
        char one[VAL_MAX];
        snprintf(one, sizeof one, "%.*s", (int)n, c);
        int dd = lp_edit_distance(v, one);
        if (dd < bestd) bestd = dd, best = c, bestn = n;
    }
    if (best)
        return lp_diag_set(d, LP_ERR_PARSE, line, col, "unknown %s '%.*s' (did you mean '%.*s'?)", name, QUOTE, v,
                           (int)bestn, best);
    return lp_diag_set(d, LP_ERR_PARSE, line, col, "unknown %s '%.*s' (expected one of: %s)", name, QUOTE, v, list);
}

/* Set key r, called name in messages, from value text v (NUL-terminated) at line:col. */
static lp_status set_value(const key_row *r, const char *name, const char *v, wl_spec *s, lp_diag *d, int line, int col)
{
    const char *why = "not a whole number";
    uint64_t u = 0;
    lp_status st;
    switch (r->type) {
    case T_FMT:
        st = wl_fmt_parse(v, fmt_at(s, r), d);
        if (st && d) lp_diag_at(d, NULL, line, col);
        return st;
    case T_ENUM: return parse_enum(r, name, v, num_at(s, r), d, line, col);
    case T_NUM:
    case T_BOOL:
        st = lp_parse_u64(v, strlen(v), &u, &why);
        if (st == LP_ERR_PARSE) {
            bool plain = !strcmp(why, "not a whole number");
            return lp_diag_set(d, LP_ERR_PARSE, line, col, "%s must be %s, got '%.*s'%s%s", name,
                               r->type == T_BOOL ? "0 or 1" : "a whole number", QUOTE, v, plain ? "" : ": ",
                               plain ? "" : why);
        }
        if (st || u < r->lo || u > r->hi) {
            if (r->type == T_BOOL)
                return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s must be 0 or 1, got %.*s", name, QUOTE, v);
            return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s must be between %" PRIu64 " and %" PRIu64 ", got %.*s",
                               name, r->lo, r->hi, QUOTE, v);
        }
        *num_at(s, r) = u;
        return LP_OK;
    }
    return LP_OK;
}

/* ---- parsing: one key at a time, from either form ---------------------------------- */

/* Where each key sits; both forms fill it through set_kind and set_key. */
typedef struct parser {
    lp_diag *d;
    wl_spec *s;
    bool yaml;               /* the file form: attention's kind= is written phase: (kind: names the workload) */
    int kind_line, kind_col; /* the kind word (inline) or the value of kind: (file) */
    int key_line[WL_KEY_COUNT], key_col[WL_KEY_COUNT]; /* key_col 0: not given */
    int val_line[WL_KEY_COUNT], val_col[WL_KEY_COUNT];
} parser;

/* The name of key r in this form's messages and lookups. */
static const char *key_name(const parser *p, const key_row *r)
{
    return p->yaml && r == &keys[WL_KEY_KIND] ? "phase" : r->name;
}

static const key_row *near_key(const parser *p, const char *key)
{
    const key_row *best = NULL;
    int bestd = 3;
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        if (!(keys[i].kinds & (1u << p->s->kind))) continue;
        int dd = lp_edit_distance(key, key_name(p, &keys[i]));
        if (dd < bestd && dd < (int)strlen(key)) bestd = dd, best = &keys[i];
    }
    return best;
}

static lp_status unknown_key(parser *p, const char *key, int line, int col)
{
    wl_kind k = p->s->kind;
    const key_row *hint = near_key(p, key);
    if (hint)
        return lp_diag_set(p->d, LP_ERR_PARSE, line, col, "unknown key '%.*s' for %s (did you mean '%s'?)", QUOTE, key,
                           kind_names[k], key_name(p, hint));
    char list[200] = "";
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        size_t u = strlen(list);
        if (keys[i].kinds & (1u << k))
            snprintf(list + u, sizeof list - u, "%s%s", u ? ", " : "", key_name(p, &keys[i]));
    }
    return lp_diag_set(p->d, LP_ERR_PARSE, line, col, "unknown key '%.*s' for %s (keys: %s)", QUOTE, key, kind_names[k],
                       list);
}

/* The workload kind from its word (n bytes) at line:col. */
static lp_status set_kind(parser *p, const char *word, size_t n, int line, int col)
{
    p->kind_line = line, p->kind_col = col;
    for (int k = 0; k < WL_KIND_COUNT; k++)
        if (n == strlen(kind_names[k]) && !strncmp(word, kind_names[k], n)) return p->s->kind = (wl_kind)k, LP_OK;
    if (n == 0)
        return lp_diag_set(p->d, LP_ERR_PARSE, line, col,
                           "empty workload (expected gemm, gemv, attention, layer or model)");
    char w[VAL_MAX];
    const char *best = NULL;
    int bestd = 3;
    snprintf(w, sizeof w, "%.*s", (int)(n < VAL_MAX - 1 ? n : VAL_MAX - 1), word);
    for (int k = 0; k < WL_KIND_COUNT; k++) {
        int dd = lp_edit_distance(w, kind_names[k]);
        if (dd < bestd) bestd = dd, best = kind_names[k];
    }
    if (best)
        return lp_diag_set(p->d, LP_ERR_PARSE, line, col, "unknown workload '%.*s' (did you mean '%s'?)", QUOTE, w,
                           best);
    return lp_diag_set(p->d, LP_ERR_PARSE, line, col,
                       "unknown workload '%.*s' (expected gemm, gemv, attention, layer or model)", QUOTE, w);
}

/* Key text key (kn bytes) at kl:kc with value text val (vn bytes) at vl:vc,
** for the kind already set: an unknown key (with the nearest of the kind), a
** key given twice, an empty or overlong value, then the key's type and range. */
static lp_status set_key(parser *p, const char *key, size_t kn, int kl, int kc, const char *val, size_t vn, int vl,
                         int vc)
{
    char k[VAL_MAX], v[VAL_MAX];
    snprintf(k, sizeof k, "%.*s", (int)(kn < VAL_MAX - 1 ? kn : VAL_MAX - 1), key);
    int id = -1;
    for (int i = 0; i < WL_KEY_COUNT && id < 0; i++) {
        const char *name = key_name(p, &keys[i]);
        if ((keys[i].kinds & (1u << p->s->kind)) && kn == strlen(name) && !strncmp(key, name, kn)) id = i;
    }
    if (id < 0) return unknown_key(p, k, kl, kc);
    if (p->key_col[id] && !p->yaml)
        return lp_diag_set(p->d, LP_ERR_PARSE, kl, kc, "key '%s' given twice (first at column %d)", k, p->key_col[id]);
    if (p->key_col[id])
        return lp_diag_set(p->d, LP_ERR_PARSE, kl, kc, "key '%s' given twice (first at line %d, column %d)", k,
                           p->key_line[id], p->key_col[id]);
    if (vn == 0) return lp_diag_set(p->d, LP_ERR_PARSE, kl, kc, "key '%s' has no value", k);
    if (vn >= VAL_MAX) return lp_diag_set(p->d, LP_ERR_PARSE, vl, vc, "value too long");
    snprintf(v, sizeof v, "%.*s", (int)vn, val);
    p->key_line[id] = kl, p->key_col[id] = kc;
    p->val_line[id] = vl, p->val_col[id] = vc;
    return set_value(&keys[id], k, v, p->s, p->d, vl, vc);
}

/* Check phases, fill defaults, report missing keys: the table in row order. */
static lp_status complete(parser *p)
{
    wl_spec *s = p->s;
    const key_row *ph = phase_key(s->kind);
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        const key_row *r = &keys[i];
        if (!(r->kinds & (1u << s->kind))) continue;
        size_t n = 0;
        const char *pn = ph ? choice(ph, (unsigned)s->phase, &n) : "";
        if (p->key_col[i] && !applies(r, s))
            return lp_diag_set(p->d, LP_ERR_ARG, p->key_line[i], p->key_col[i], "'%s' does not apply to %s %s=%.*s",
                               key_name(p, r), kind_names[s->kind], key_name(p, ph), (int)n, pn);
        if (p->key_col[i] || !applies(r, s)) continue;
        if (!r->def) {
            if (r->when == W_ANY || r->when == W_MAP || r->when == W_DATA)
                return lp_diag_set(p->d, LP_ERR_PARSE, p->kind_line, p->kind_col, "missing key '%s' for %s",
                                   key_name(p, r), kind_names[s->kind]);
            return lp_diag_set(p->d, LP_ERR_PARSE, p->kind_line, p->kind_col, "missing key '%s' for %s %s=%.*s",
                               key_name(p, r), kind_names[s->kind], key_name(p, ph), (int)n, pn);
        }
        if (r->def[0] != '=') {
            lp_status st = set_value(r, r->name, r->def, s, p->d, p->kind_line, p->kind_col);
            assert(st == LP_OK); /* the table's defaults are valid */
            (void)st;
            continue;
        }
        for (int j = 0; j < i; j++)
            if ((keys[j].kinds & (1u << s->kind)) && !strcmp(keys[j].name, r->def + 1))
                memcpy((char *)s + r->off, (char *)s + keys[j].off,
                       r->type == T_FMT ? sizeof(wl_fmt) : sizeof(uint64_t));
    }
    return LP_OK;
}

/* Rules between keys. */
static lp_status cross_check(parser *p)
{
    wl_spec *s = p->s;
    if (s->kind == WL_ATTENTION && s->heads % s->kv_heads)
        return lp_diag_set(p->d, LP_ERR_ARG, p->val_line[WL_KEY_KV_HEADS], p->val_col[WL_KEY_KV_HEADS],
                           "heads=%" PRIu64 " is not a multiple of kv_heads=%" PRIu64, s->heads, s->kv_heads);
    if (s->kind == WL_LAYER || s->kind == WL_MODEL) {
        const wl_model *m = &models[s->model];
        uint64_t pos = s->phase == WL_PREFILL ? s->seq : s->ctx;
        wl_key_id k = s->phase == WL_PREFILL ? WL_KEY_TOKENS : WL_KEY_CTX;
        if (m->pos == WL_POS_LEARNED && pos > m->positions)
            return lp_diag_set(p->d, LP_ERR_ARG, p->val_line[k], p->val_col[k],
                               "%s=%" PRIu64 " exceeds the %" PRIu64 " learned positions of %s", keys[k].name, pos,
                               m->positions, m->name);
        /* MMA_MX multiplies two MX operands: MX weights need MX activations and the converse */
        if (s->w.mx != s->a.mx) {
            wl_key_id bad = s->w.mx ? WL_KEY_W : WL_KEY_A;
            const wl_fmt *f = s->w.mx ? &s->w : &s->a, *o = s->w.mx ? &s->a : &s->w;
            return lp_diag_set(p->d, LP_ERR_ARG, p->val_line[bad], p->val_col[bad],
                               "%s=%s needs MX %s too (%s=mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, ...), not %s=%s: the MX "
                               "tensor cores multiply two MX operands",
                               keys[bad].name, f->name, s->w.mx ? "activations" : "weights", s->w.mx ? "a" : "w",
                               s->w.mx ? "a" : "w", o->name);
        }
    }
    return LP_OK;
}

/* ---- the inline form ---------------------------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

lp_status wl_parse_inline(const char *text, const char *file, int line, int col0, wl_spec *out, lp_diag *d)
{
    parser p = {.d = d, .s = out};
    memset(out, 0, sizeof *out);
    if (d) lp_diag_init(d, file);
    size_t i = 0, n;
    while (is_blank(text[i])) i++;
    for (n = 0; text[i + n] && !is_blank(text[i + n]);) n++;
    lp_status st = set_kind(&p, text + i, n, line, col0 + (int)i);
    if (st) return st;
    for (i += n;;) {
        while (is_blank(text[i])) i++;
        if (!text[i]) break;
        for (n = 0; text[i + n] && !is_blank(text[i + n]);) n++;
        const char *t = text + i, *eq = memchr(t, '=', n);
        int col = col0 + (int)i;
        if (!eq || eq == t)
            return lp_diag_set(d, LP_ERR_PARSE, line, col, "expected KEY=VALUE, got '%.*s'",
                               (int)(n < QUOTE ? n : QUOTE), t);
        size_t kn = (size_t)(eq - t);
        st = set_key(&p, t, kn, line, col, eq + 1, n - kn - 1, line, col + (int)kn + 1);
        if (st) return st;
        i += n;
    }
    st = complete(&p);
    return st ? st : cross_check(&p);
}

/* ---- the file form ------------------------------------------------------------------ */

/* One KEY: VALUE pair of a workload file, its texts cut to VAL_MAX - 1 bytes. */
typedef struct ypair {
    char key[VAL_MAX], val[VAL_MAX];
    size_t kn, vn; /* whole lengths */
    int kl, kc, vl, vc;
} ypair;

typedef struct ypairs {
    ypair *e;
    int n, cap;
} ypairs;

static const char *node_name(yaml_event_type_t t) { return t == YAML_MAPPING_START_EVENT ? "a mapping" : "a list"; }

/* Read the one document of text into pairs: a flat mapping of scalars, or
** nothing (*empty set) when the document is empty. */
static lp_status read_pairs(const char *text, size_t len, ypairs *ps, bool *empty, lp_diag *d)
{
    yaml_parser_t y;
    yaml_event_t ev;
    int depth = 0, docs = 0;
    bool want_key = true, done = false;
    ypair cur = {0};
    lp_status st = LP_OK;
    *empty = true;
    if (!yaml_parser_initialize(&y)) return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
    yaml_parser_set_input_string(&y, (const unsigned char *)text, len);
    while (!done && !st) {
        if (!yaml_parser_parse(&y, &ev)) {
            if (y.error == YAML_READER_ERROR)
                st = cfg_yaml_reader_error(text, len, &y, d);
            else if (y.error == YAML_MEMORY_ERROR)
                st = lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
            else
                st = lp_diag_set(d, LP_ERR_PARSE, (int)y.problem_mark.line + 1, (int)y.problem_mark.column + 1,
                                 "%s%s%s", y.problem ? y.problem : "YAML syntax error", y.context ? " " : "",
                                 y.context ? y.context : "");
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        const char *sv = (const char *)ev.data.scalar.value;
        size_t sn = ev.data.scalar.length;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) st = lp_diag_set(d, LP_ERR_PARSE, line, col, "a workload file holds one YAML document");
            break;
        case YAML_ALIAS_EVENT: /* a value written once and used twice: refused, as in architecture files */
            st = lp_diag_set(d, LP_ERR_PARSE, line, col,
                             "aliases (*%.40s) are not allowed in a workload file: write the value out",
                             (const char *)ev.data.alias.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == 0 && ev.type == YAML_MAPPING_START_EVENT) {
                depth = 1, *empty = false;
            } else if (depth == 0) {
                st = lp_diag_set(d, LP_ERR_PARSE, line, col,
                                 "a workload file is a mapping of keys (kind: gemm, M: 4096, ...), got a list");
            } else if (want_key) {
                st = lp_diag_set(d, LP_ERR_PARSE, line, col, "a key must be a plain word, not %s", node_name(ev.type));
            } else {
                st = lp_diag_set(d, LP_ERR_PARSE, line, col, "%s must be a single value, got %s", cur.key,
                                 node_name(ev.type));
            }
            break;
        case YAML_MAPPING_END_EVENT: depth = 0; break;
        case YAML_SCALAR_EVENT:
            /* an escape ("\0", "\u0000") can put a NUL inside a string, which C would cut there: refused */
            if (memchr(sv, 0, sn)) {
                st = lp_diag_set(d, LP_ERR_PARSE, line, col, "a NUL character (\\0) cannot be part of a %s",
                                 depth && want_key ? "key" : "value");
                break;
            }
            if (depth == 0) {
                if (sn == 0) break; /* an empty document ("---", "~" aside, nothing) */
                *empty = false;
                st = lp_diag_set(d, LP_ERR_PARSE, line, col,
                                 "a workload file is a mapping of keys (kind: gemm, M: 4096, ...), got the value "
                                 "'%.*s'",
                                 QUOTE, sv);
                break;
            }
            if (want_key) {
                cur = (ypair){.kn = sn, .kl = line, .kc = col};
                snprintf(cur.key, sizeof cur.key, "%.*s", VAL_MAX - 1, sv);
                want_key = false;
                break;
            }
            cur.vn = sn, cur.vl = line, cur.vc = col;
            snprintf(cur.val, sizeof cur.val, "%.*s", VAL_MAX - 1, sv);
            want_key = true;
            if (ps->n == ps->cap) {
                int nc = ps->cap ? 2 * ps->cap : 32;
                ypair *q = realloc(ps->e, sizeof *q * (size_t)nc);
                if (!q) {
                    st = lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
                    break;
                }
                ps->e = q, ps->cap = nc;
            }
            ps->e[ps->n++] = cur;
            break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&y);
    return st;
}

/* Feed the pairs to the parser: kind: first, wherever it stands, then the
** others in the order written. */
static lp_status parse_pairs(parser *p, const ypairs *ps)
{
    int ki = -1;
    for (int i = 0; i < ps->n && ki < 0; i++)
        if (!strcmp(ps->e[i].key, "kind") && ps->e[i].kn == 4) ki = i;
    if (ki < 0) {
        for (int i = 0; i < ps->n; i++) /* a misspelt kind: is the likely cause */
            if (ps->e[i].kn < VAL_MAX && lp_edit_distance(ps->e[i].key, "kind") <= 1)
                return lp_diag_set(p->d, LP_ERR_PARSE, ps->e[i].kl, ps->e[i].kc,
                                   "unknown key '%.*s' (did you mean 'kind'?)", QUOTE, ps->e[i].key);
        return lp_diag_set(p->d, LP_ERR_PARSE, 1, 1, "missing key 'kind' (gemm, gemv, attention, layer or model)");
    }
    const ypair *k = &ps->e[ki];
    if (k->vn == 0)
        return lp_diag_set(p->d, LP_ERR_PARSE, k->kl, k->kc,
                           "key 'kind' has no value (expected gemm, gemv, attention, layer or model)");
    lp_status st = set_kind(p, k->val, k->vn, k->vl, k->vc);
    if (st) return st;
    for (int i = 0; i < ps->n; i++) {
        const ypair *e = &ps->e[i];
        if (i == ki) continue;
        if (!strcmp(e->key, "kind") && e->kn == 4)
            return lp_diag_set(
                p->d, LP_ERR_PARSE, e->kl, e->kc, "key 'kind' given twice (first at line %d, column %d)%s", k->kl,
                k->kc, p->s->kind == WL_ATTENTION ? "; attention's kind=prefill|decode is phase: in a file" : "");
        st = set_key(p, e->key, e->kn, e->kl, e->kc, e->val, e->vn, e->vl, e->vc);
        if (st) return st;
    }
    st = complete(p);
    return st ? st : cross_check(p);
}

lp_status wl_parse_yaml_text(const char *text, size_t len, const char *file, wl_spec *out, lp_diag *d)
{
    parser p = {.d = d, .s = out, .yaml = true};
    ypairs ps = {0};
    bool empty;
    memset(out, 0, sizeof *out);
    if (d) lp_diag_init(d, file);
    lp_status st = read_pairs(text, len, &ps, &empty, d);
    if (!st && empty)
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1,
                         "empty workload file (expected kind: gemm, gemv, attention, layer or model, and its keys)");
    if (!st) st = parse_pairs(&p, &ps);
    free(ps.e);
    return st;
}

lp_status wl_parse_file(const char *path, wl_spec *out, lp_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    lp_diag why;
    memset(out, 0, sizeof *out);
    if (d) lp_diag_init(d, path);
    lp_status st = lp_read_file(path, WL_MAX_FILE_BYTES, &text, &len, &why);
    /* unplaced (line 0): the name came from the caller, who places it */
    if (st) return lp_diag_msg(d, st, "cannot read: %s", why.msg);
    st = wl_parse_yaml_text(text, len, path, out, d);
    free(text);
    return st;
}

/* ---- printing and comparison ------------------------------------------------------ */

void wl_print_keys(FILE *f)
{
    static const char *const when[] = {"prefill", "decode", "", "mapping", "data"};
    fprintf(f, "  (workloads: G gemm, V gemv, A attention, L layer, M model)\n");
    fprintf(f, "  %-9s %-10s %-8s %-16s %-9s %s\n", "key", "workloads", "phase", "value", "default", "meaning");
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        const key_row *r = &keys[i];
        char kinds[64] = "", value[64];
        for (int k = 0; k < WL_KIND_COUNT; k++)
            if (r->kinds & (1u << k))
                snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%c", kinds[0] ? " " : "", "GVALM"[k]);
        switch (r->type) {
        case T_NUM: snprintf(value, sizeof value, "%" PRIu64 "..%" PRIu64, r->lo, r->hi); break;
        case T_BOOL: snprintf(value, sizeof value, "0 or 1"); break;
        case T_FMT: snprintf(value, sizeof value, "a format"); break;
        case T_ENUM: snprintf(value, sizeof value, "%s", r->choices ? r->choices : "a model (below)"); break;
        }
        for (char *c = value; *c; c++)
            if (*c == '|') *c = ',';
        fprintf(f, "  %-9s %-10s %-8s %-16s %-9s %s\n", r->name, kinds, when[r->when], value,
                r->def ? r->def : "required", r->doc);
    }
    fprintf(f, "\n  models:");
    for (int m = 0; m < WL_MODEL_COUNT; m++) fprintf(f, " %s", models[m].name);
    fprintf(f, "\n  formats: lpsim formats, plus mxfp8_e4m3, mxfp8_e5m2, mxfp6_e2m3, mxfp6_e3m2, mxfp4_e2m1, mxint8\n");
}

void wl_print(const wl_spec *s, FILE *f)
{
    fputs(wl_kind_name(s->kind), f);
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        const key_row *r = &keys[i];
        if (!applies(r, s)) continue;
        if ((r->when == W_MAP || r->when == W_DATA) && r->type != T_FMT && !*cnum_at(s, r))
            continue; /* left to the mapping, or the default data */
        size_t n = 0;
        const char *c;
        switch (r->type) {
        case T_FMT: fprintf(f, " %s=%s", r->name, cfmt_at(s, r)->name); break;
        case T_ENUM:
            c = choice(r, (unsigned)*cnum_at(s, r), &n);
            fprintf(f, " %s=%.*s", r->name, (int)n, c ? c : "?");
            break;
        case T_NUM:
        case T_BOOL: fprintf(f, " %s=%" PRIu64, r->name, *cnum_at(s, r)); break;
        }
    }
}

bool wl_spec_equal(const wl_spec *a, const wl_spec *b)
{
    if (a->kind != b->kind) return false;
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        const key_row *r = &keys[i];
        if (!applies(r, a) || !applies(r, b)) {
            if (applies(r, a) != applies(r, b)) return false;
            continue;
        }
        if (r->type != T_FMT) {
            if (*cnum_at(a, r) != *cnum_at(b, r)) return false;
            continue;
        }
        const wl_fmt *fa = cfmt_at(a, r), *fb = cfmt_at(b, r);
        if (strcmp(fa->name, fb->name) || fa->bits != fb->bits || fa->mx != fb->mx) return false;
    }
    return true;
}

static const key_row *key_named(const char *name)
{
    for (int i = 0; i < WL_KEY_COUNT; i++)
        if (!strcmp(keys[i].name, name)) return &keys[i];
    return NULL;
}

bool wl_key_known(const char *name) { return key_named(name) != NULL; }

bool wl_key_applies(const wl_spec *s, const char *name)
{
    const key_row *r = key_named(name);
    return r && applies(r, s);
}

bool wl_key_number(const wl_spec *s, const char *name, double *out)
{
    const key_row *r = key_named(name);
    if (!r || !applies(r, s) || r->type == T_ENUM) return false;
    *out = r->type == T_FMT ? (double)cfmt_at(s, r)->bits : (double)*cnum_at(s, r);
    return true;
}
