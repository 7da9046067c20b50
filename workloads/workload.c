/*
** workload.c — the inline workload form: parser, printer and comparison, all
** expanded from the key table wl_keys.def, and the model presets.
**
** The parser reads every KEY=VALUE token first (unknown keys, duplicates and
** values of the wrong type or range fail at their own token), then walks the
** table in row order: a key of the other phase is an error, a missing
** required key is an error at the kind word, a default is parsed as if typed
** (or copied from the key that "=KEY" names). Cross-key rules come last.
** Columns are byte columns: col0 plus the token's offset in the text.
*/
#include "workload.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "lp_num.h"
#include "mx.h"

#define WL_G (1u << WL_GEMM)
#define WL_V (1u << WL_GEMV)
#define WL_A (1u << WL_ATTENTION)
#define WL_L (1u << WL_LAYER)
#define WL_M (1u << WL_MODEL)

typedef enum key_type { T_NUM, T_BOOL, T_FMT, T_ENUM } key_type;
enum { W_PREFILL = WL_PREFILL, W_DECODE = WL_DECODE, W_ANY, W_MAP };

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
    return r->when == W_ANY || r->when == W_MAP || (phase_key(s->kind) && (uint64_t)r->when == s->phase);
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

/* ---- values ----------------------------------------------------------------------- */

/* A format name: an MX name ("mx" and an element of mx.def), else mf_parse's. */
static lp_status parse_fmt(const char *v, wl_fmt *f, lp_diag *d)
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

static lp_status parse_enum(const key_row *r, const char *v, uint64_t *out, lp_diag *d, int line, int col)
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
        return lp_diag_set(d, LP_ERR_PARSE, line, col, "unknown %s '%.*s' (did you mean '%.*s'?)", r->name, QUOTE, v,
                           (int)bestn, best);
    return lp_diag_set(d, LP_ERR_PARSE, line, col, "unknown %s '%.*s' (expected one of: %s)", r->name, QUOTE, v, list);
}

/* Set key r from value text v (NUL-terminated) typed at col. */
static lp_status set_value(const key_row *r, const char *v, wl_spec *s, lp_diag *d, int line, int col)
{
    const char *why = "not a whole number";
    uint64_t u = 0;
    lp_status st;
    switch (r->type) {
    case T_FMT:
        st = parse_fmt(v, fmt_at(s, r), d);
        if (st && d) lp_diag_at(d, NULL, line, col);
        return st;
    case T_ENUM: return parse_enum(r, v, num_at(s, r), d, line, col);
    case T_NUM:
    case T_BOOL:
        st = lp_parse_u64(v, strlen(v), &u, &why);
        if (st == LP_ERR_PARSE) {
            bool plain = !strcmp(why, "not a whole number");
            return lp_diag_set(d, LP_ERR_PARSE, line, col, "%s must be %s, got '%.*s'%s%s", r->name,
                               r->type == T_BOOL ? "0 or 1" : "a whole number", QUOTE, v, plain ? "" : ": ",
                               plain ? "" : why);
        }
        if (st || u < r->lo || u > r->hi) {
            if (r->type == T_BOOL)
                return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s must be 0 or 1, got %.*s", r->name, QUOTE, v);
            return lp_diag_set(d, LP_ERR_RANGE, line, col, "%s must be between %" PRIu64 " and %" PRIu64 ", got %.*s",
                               r->name, r->lo, r->hi, QUOTE, v);
        }
        *num_at(s, r) = u;
        return LP_OK;
    }
    return LP_OK;
}

/* ---- parsing ---------------------------------------------------------------------- */

typedef struct parser {
    const char *text, *file;
    int line, col0, kind_col;
    lp_diag *d;
    wl_spec *s;
    int key_col[WL_KEY_COUNT], val_col[WL_KEY_COUNT]; /* 0: not given */
} parser;

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static const key_row *near_key(wl_kind k, const char *key)
{
    const key_row *best = NULL;
    int bestd = 3;
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        if (!(keys[i].kinds & (1u << k))) continue;
        int dd = lp_edit_distance(key, keys[i].name);
        if (dd < bestd && dd < (int)strlen(key)) bestd = dd, best = &keys[i];
    }
    return best;
}

static lp_status unknown_key(parser *p, const char *key, int col)
{
    wl_kind k = p->s->kind;
    const key_row *hint = near_key(k, key);
    if (hint)
        return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col, "unknown key '%.*s' for %s (did you mean '%s'?)", QUOTE,
                           key, kind_names[k], hint->name);
    char list[200] = "";
    for (int i = 0; i < WL_KEY_COUNT; i++) {
        size_t u = strlen(list);
        if (keys[i].kinds & (1u << k)) snprintf(list + u, sizeof list - u, "%s%s", u ? ", " : "", keys[i].name);
    }
    return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col, "unknown key '%.*s' for %s (keys: %s)", QUOTE, key,
                       kind_names[k], list);
}

/* One KEY=VALUE token of n bytes at offset at. */
static lp_status parse_token(parser *p, size_t at, size_t n)
{
    const char *t = p->text + at;
    int col = p->col0 + (int)at;
    const char *eq = memchr(t, '=', n);
    if (!eq || eq == t)
        return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col, "expected KEY=VALUE, got '%.*s'",
                           (int)(n < QUOTE ? n : QUOTE), t);
    char key[VAL_MAX], val[VAL_MAX];
    size_t kn = (size_t)(eq - t), vn = n - kn - 1;
    snprintf(key, sizeof key, "%.*s", (int)(kn < VAL_MAX - 1 ? kn : VAL_MAX - 1), t);
    int id = -1;
    for (int i = 0; i < WL_KEY_COUNT && id < 0; i++)
        if ((keys[i].kinds & (1u << p->s->kind)) && kn == strlen(keys[i].name) && !strncmp(t, keys[i].name, kn)) id = i;
    if (id < 0) return unknown_key(p, key, col);
    if (p->key_col[id])
        return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col, "key '%s' given twice (first at column %d)", key,
                           p->key_col[id]);
    if (vn == 0) return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col, "key '%s' has no value", key);
    if (vn >= VAL_MAX) return lp_diag_set(p->d, LP_ERR_PARSE, p->line, col + (int)kn + 1, "value too long");
    snprintf(val, sizeof val, "%.*s", (int)vn, eq + 1);
    p->key_col[id] = col;
    p->val_col[id] = col + (int)kn + 1;
    return set_value(&keys[id], val, p->s, p->d, p->line, p->val_col[id]);
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
            return lp_diag_set(p->d, LP_ERR_ARG, p->line, p->key_col[i], "'%s' does not apply to %s %s=%.*s", r->name,
                               kind_names[s->kind], ph->name, (int)n, pn);
        if (p->key_col[i] || !applies(r, s)) continue;
        if (!r->def) {
            if (r->when == W_ANY || r->when == W_MAP)
                return lp_diag_set(p->d, LP_ERR_PARSE, p->line, p->kind_col, "missing key '%s' for %s", r->name,
                                   kind_names[s->kind]);
            return lp_diag_set(p->d, LP_ERR_PARSE, p->line, p->kind_col, "missing key '%s' for %s %s=%.*s", r->name,
                               kind_names[s->kind], ph->name, (int)n, pn);
        }
        if (r->def[0] != '=') {
            lp_status st = set_value(r, r->def, s, p->d, p->line, p->kind_col);
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
        return lp_diag_set(p->d, LP_ERR_ARG, p->line, p->val_col[WL_KEY_KV_HEADS],
                           "heads=%" PRIu64 " is not a multiple of kv_heads=%" PRIu64, s->heads, s->kv_heads);
    if (s->kind == WL_LAYER || s->kind == WL_MODEL) {
        const wl_model *m = &models[s->model];
        uint64_t pos = s->phase == WL_PREFILL ? s->seq : s->ctx;
        wl_key_id k = s->phase == WL_PREFILL ? WL_KEY_TOKENS : WL_KEY_CTX;
        if (m->pos == WL_POS_LEARNED && pos > m->positions)
            return lp_diag_set(p->d, LP_ERR_ARG, p->line, p->val_col[k],
                               "%s=%" PRIu64 " exceeds the %" PRIu64 " learned positions of %s", keys[k].name, pos,
                               m->positions, m->name);
    }
    return LP_OK;
}

lp_status wl_parse_inline(const char *text, const char *file, int line, int col0, wl_spec *out, lp_diag *d)
{
    parser p = {.text = text, .file = file, .line = line, .col0 = col0, .d = d, .s = out};
    memset(out, 0, sizeof *out);
    if (d) lp_diag_init(d, file);
    size_t i = 0, n;
    while (is_blank(text[i])) i++;
    for (n = 0; text[i + n] && !is_blank(text[i + n]);) n++;
    p.kind_col = col0 + (int)i;
    int kind = -1, bestd = 3;
    for (int k = 0; k < WL_KIND_COUNT; k++)
        if (n == strlen(kind_names[k]) && !strncmp(text + i, kind_names[k], n)) kind = k;
    if (n == 0)
        return lp_diag_set(d, LP_ERR_PARSE, line, p.kind_col,
                           "empty workload (expected gemm, gemv, attention, layer or model)");
    if (kind < 0) {
        char word[VAL_MAX];
        const char *best = NULL;
        snprintf(word, sizeof word, "%.*s", (int)(n < VAL_MAX - 1 ? n : VAL_MAX - 1), text + i);
        for (int k = 0; k < WL_KIND_COUNT; k++) {
            int dd = lp_edit_distance(word, kind_names[k]);
            if (dd < bestd) bestd = dd, best = kind_names[k];
        }
        if (best)
            return lp_diag_set(d, LP_ERR_PARSE, line, p.kind_col, "unknown workload '%.*s' (did you mean '%s'?)", QUOTE,
                               word, best);
        return lp_diag_set(d, LP_ERR_PARSE, line, p.kind_col,
                           "unknown workload '%.*s' (expected gemm, gemv, attention, layer or model)", QUOTE, word);
    }
    out->kind = (wl_kind)kind;
    for (i += n;;) {
        while (is_blank(text[i])) i++;
        if (!text[i]) break;
        for (n = 0; text[i + n] && !is_blank(text[i + n]);) n++;
        lp_status st = parse_token(&p, i, n);
        if (st) return st;
        i += n;
    }
    lp_status st = complete(&p);
    return st ? st : cross_check(&p);
}

/* ---- printing and comparison ------------------------------------------------------ */

void wl_print_keys(FILE *f)
{
    static const char *const when[] = {"prefill", "decode", "", "mapping"};
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
        if (r->when == W_MAP && r->type != T_FMT && !*cnum_at(s, r)) continue; /* left to the mapping */
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
