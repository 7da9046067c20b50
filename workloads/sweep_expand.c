/*
** sweep_expand.c — a sweep file's axes, listed points and constraints turned
** into points (sweep.h says the order and the rules).
**
** Architectures: a point's keys replace values in its base's effective text;
** the result is loaded once per distinct text (a hash table on the text),
** which checks every value against its range before anything runs.
** Workloads: a key replaces its token in the listed spec or is appended; the
** spec is parsed and kept in its canonical form (wl_print).
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "lp_num.h"
#include "sweep_int.h"
#include "workload.h"

#define MAX_RANGE 100000 /* values of one range */

/* ---- keys and values ----------------------------------------------------------------- */

static bool arch_key_in(const sw_base *b, const char *key)
{
    const cfg_loc *l = cfg_find(&b->ix, key, 0);
    return l && l->node == CFG_NODE_SCALAR;
}

/* Whether name is the name of a named set axis (a listed point may give it a label). */
static bool axis_name(const sw_expander *x, const char *name)
{
    const sw_file *f = x->c->f;
    for (unsigned i = 0; i < f->axes_count; i++)
        if (f->axes[i].name && f->axes[i].set && !strcmp(f->axes[i].name, name)) return true;
    return false;
}

/* Fill set from "name" and value text at line:col; classify the key against
** base architecture `base` (the sweep's, or the point's own arch=). A listed
** point (labels) may name a named set axis: its value is the point's label
** on that axis (a parameter, as the axis's own points have). */
static lp_status make_set(sw_expander *x, size_t base, bool labels, sw_set *set, const char *name, size_t nlen,
                          const char *val, size_t vlen, int line, int col, int vcol)
{
    memset(set, 0, sizeof *set);
    if (nlen >= sizeof set->name || !nlen)
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col, nlen ? "key longer than 95 characters" : "an empty key");
    if (vlen >= sizeof set->val) return lp_diag_set(x->d, LP_ERR_PARSE, line, vcol, "value longer than 127 characters");
    if (!vlen) return lp_diag_set(x->d, LP_ERR_PARSE, line, vcol, "'%.*s' has an empty value", (int)nlen, name);
    memcpy(set->name, name, nlen);
    memcpy(set->val, val, vlen);
    set->line = line, set->col = vcol;
    const char *k = set->name;
    if (!strcmp(k, "arch")) {
        set->kind = SW_BASE;
    } else if (!strncmp(k, "workload.", 9) && wl_key_known(k + 9)) {
        set->kind = SW_WL_KEY, k += 9;
    } else if (arch_key_in(&x->c->bases[base], k)) {
        set->kind = SW_ARCH_KEY;
    } else if (wl_key_known(k)) {
        set->kind = SW_WL_KEY;
    } else if (labels && axis_name(x, k)) {
        set->kind = SW_LABEL;
    } else {
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col,
                           "unknown key '%s': neither an architecture key of %s (lpsim arch --keys; list entries "
                           "as matrix.formats[0].macs_per_cycle) nor a workload key (docs/workloads.md)%s",
                           set->name, x->c->bases[base].name, labels ? ", nor the name of a set axis (a label)" : "");
    }
    snprintf(set->key, sizeof set->key, "%s", k);
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
            return lp_diag_set(x->d, LP_ERR_PARSE, line, vcol + (int)i, "a control character in a value");
    return LP_OK;
}

/* "k=v k=v" at line:col0 into choice ch. */
lp_status sw_parse_assignments(sw_expander *x, const char *text, int line, int col0, bool listed, sw_choice *ch)
{
    size_t n = strlen(text), cap = n / 2 + 1, base = 0;
    ch->sets = calloc(cap, sizeof *ch->sets);
    ch->nsets = 0;
    if (!ch->sets) return lp_diag_set(x->d, LP_ERR_NOMEM, line, col0, "out of memory");
    /* an arch= among them: the other keys are that base's */
    bool arch_seen = false;
    for (size_t i = 0; i < n;) {
        while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
        size_t a = i;
        while (i < n && text[i] != ' ' && text[i] != '\t') i++;
        if (i - a > 5 && !strncmp(text + a, "arch=", 5)) {
            if (arch_seen) return lp_diag_set(x->d, LP_ERR_PARSE, line, col0 + (int)a + 5, "'arch' is set twice here");
            arch_seen = true;
            char name[128];
            if (i - a - 5 >= sizeof name)
                return lp_diag_set(x->d, LP_ERR_PARSE, line, col0 + (int)a + 5, "value longer than 127 characters");
            memcpy(name, text + a + 5, i - a - 5);
            name[i - a - 5] = 0;
            lp_status s = sw_get_base(x, name, line, col0 + (int)a + 5, &base);
            if (s) return s;
        }
    }
    size_t i = 0;
    while (i < n) {
        while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
        if (i == n) break;
        size_t a = i;
        while (i < n && text[i] != ' ' && text[i] != '\t') i++;
        const char *eq = memchr(text + a, '=', i - a);
        if (!eq)
            return lp_diag_set(x->d, LP_ERR_PARSE, line, col0 + (int)a, "expected KEY=VALUE, got '%.*s'",
                               (int)(i - a > 40 ? 40 : i - a), text + a);
        size_t k = (size_t)(eq - text);
        lp_status s = make_set(x, base, listed, &ch->sets[ch->nsets], text + a, k - a, eq + 1, i - k - 1, line,
                               col0 + (int)a, col0 + (int)k + 1);
        if (s) return s;
        ch->nsets++;
    }
    if (!ch->nsets) return lp_diag_set(x->d, LP_ERR_PARSE, line, col0, "no KEY=VALUE here");
    return LP_OK;
}

/* The values of a range, exactly as written (re-read from the text). */
static lp_status range_values(sw_expander *x, unsigned ai, const sw_axis *ax, sw_axis_vals *out)
{
    char path[64];
    int line, col;
    double v[4] = {0, 0, 0, 0};
    static const char *const names[] = {"from", "to", "step", "factor"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "axes[%u].range.%s", ai, names[i]);
        const cfg_loc *l = cfg_find(&x->c->ix, path, 0);
        const char *why = "not a number";
        if (l && (l->val_len >= sizeof l->val || lp_parse_f64(l->val, l->val_len, &v[i], &why) || !isfinite(v[i])))
            return lp_diag_set(x->d, LP_ERR_PARSE, l->vl, l->vc, "axes[%u].range.%s must be a finite number, got '%s'",
                               ai, names[i], l->val);
    }
    snprintf(path, sizeof path, "axes[%u].range", ai);
    sw_place(x->c, path, &line, &col);
    bool factor = v[3] != 0;
    if ((v[2] != 0) == factor)
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col, "a range needs one of 'step' (> 0) or 'factor' (> 1)");
    if (v[2] < 0 || (factor && (v[3] <= 1 || v[0] <= 0)))
        return lp_diag_set(x->d, LP_ERR_RANGE, line, col,
                           factor ? "a range by factor needs factor > 1 and from > 0" : "a range needs step > 0");
    if (v[1] < v[0]) return lp_diag_set(x->d, LP_ERR_RANGE, line, col, "a range needs from <= to");
    double n = factor ? floor(log(v[1] / v[0]) / log(v[3]) + 1e-9) + 1 : floor((v[1] - v[0]) / v[2] + 1e-9) + 1;
    if (n > MAX_RANGE) return lp_diag_set(x->d, LP_ERR_RANGE, line, col, "a range of more than %d values", MAX_RANGE);
    out->n = (size_t)n;
    out->v = calloc(out->n, sizeof *out->v);
    if (!out->v) return lp_diag_set(x->d, LP_ERR_NOMEM, line, col, "out of memory");
    for (size_t i = 0; i < out->n; i++) {
        double val = factor ? v[0] * pow(v[3], (double)i) : v[0] + v[2] * (double)i;
        if (fabs(val - nearbyint(val)) < 1e-9 * fabs(val)) val = nearbyint(val);
        char buf[40];
        cfg_num(val, buf, sizeof buf);
        sw_choice *ch = &out->v[i];
        ch->sets = calloc(1, sizeof *ch->sets);
        if (!ch->sets) return lp_diag_set(x->d, LP_ERR_NOMEM, line, col, "out of memory");
        snprintf(path, sizeof path, "axes[%u].key", ai);
        int kl, kc;
        sw_place(x->c, path, &kl, &kc);
        lp_status s = make_set(x, 0, false, ch->sets, ax->key, strlen(ax->key), buf, strlen(buf), kl, kc, col);
        if (s) return s;
        ch->sets->line = line;
        ch->nsets = 1;
    }
    return LP_OK;
}

lp_status sw_axis_values(sw_expander *x, unsigned ai, sw_axis_vals *out)
{
    const sw_axis *ax = &x->c->f->axes[ai];
    char path[64];
    int line, col;
    snprintf(path, sizeof path, "axes[%u]", ai);
    const cfg_loc *al = cfg_find(&x->c->ix, path, 0);
    line = al ? al->vl : 1, col = al ? al->vc : 1;
    int forms = (ax->values != NULL) + (ax->range != NULL) + (ax->set != NULL);
    if (forms != 1)
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col,
                           "an axis needs exactly one of 'values' or 'range' (with 'key'), or 'set'");
    if (!ax->set && !ax->key) return lp_diag_set(x->d, LP_ERR_PARSE, line, col, "an axis of values needs 'key'");
    if (ax->set && ax->key)
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col, "an axis of 'set' names its keys in each value: no 'key'");
    if (ax->labels && (!ax->set || !ax->name || ax->labels_count != ax->set_count))
        return lp_diag_set(x->d, LP_ERR_PARSE, line, col,
                           "'labels' go with a named 'set' axis, one label per value (%u values, %u labels)",
                           ax->set ? ax->set_count : 0, ax->labels_count);
    if (ax->range) return range_values(x, ai, ax, out);
    unsigned n = ax->values ? ax->values_count : ax->set_count;
    if (!n) return lp_diag_set(x->d, LP_ERR_PARSE, line, col, "an axis with no values");
    out->v = calloc(n, sizeof *out->v);
    if (!out->v) return lp_diag_set(x->d, LP_ERR_NOMEM, line, col, "out of memory");
    out->n = n;
    for (unsigned i = 0; i < n; i++) {
        lp_status s;
        int vl, vc;
        snprintf(path, sizeof path, "axes[%u].%s[%u]", ai, ax->values ? "values" : "set", i);
        sw_place(x->c, path, &vl, &vc);
        if (ax->set) {
            s = sw_parse_assignments(x, ax->set[i], vl, vc, false, &out->v[i]);
            out->v[i].name = ax->name;
            out->v[i].label = ax->name ? (ax->labels ? ax->labels[i] : ax->set[i]) : NULL;
        } else {
            int kl, kc;
            snprintf(path, sizeof path, "axes[%u].key", ai);
            sw_place(x->c, path, &kl, &kc);
            out->v[i].sets = calloc(1, sizeof *out->v[i].sets);
            if (!out->v[i].sets) return lp_diag_set(x->d, LP_ERR_NOMEM, vl, vc, "out of memory");
            out->v[i].nsets = 1;
            s = make_set(x, 0, false, out->v[i].sets, ax->key, strlen(ax->key), ax->values[i], strlen(ax->values[i]),
                         kl, kc, vc);
            out->v[i].sets->line = vl;
        }
        if (s) return s;
    }
    return LP_OK;
}

/* ---- base architectures ------------------------------------------------------------------ */

/* The base named by name (written at line:col), loaded and indexed once. */
lp_status sw_get_base(sw_expander *x, const char *name, int line, int col, size_t *out)
{
    sw_ctx *c = x->c;
    for (size_t i = 0; i < c->nbases; i++)
        if (!strcmp(c->bases[i].name, name)) return *out = i, LP_OK;
    /* a file is relative to the sweep file's folder */
    char path[4096];
    const char *slash = strrchr(c->file, '/');
    bool is_file = arch_name_is_file(name);
    if (is_file && name[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - c->file), c->file, name);
    else
        snprintf(path, sizeof path, "%s", name);
    arch_cfg *a;
    lp_diag ad;
    lp_status s = arch_load(path, &a, &ad);
    if (s) {
        if (ad.line) /* an error inside that architecture file: as the loader placed it */
            return *x->d = ad, s;
        return lp_diag_set(x->d, s, line, col, "arch '%s': %s", name, ad.msg);
    }
    sw_base *nb = realloc(c->bases, (c->nbases + 1) * sizeof *nb);
    if (!nb) return arch_free(a), lp_diag_set(x->d, LP_ERR_NOMEM, line, col, "out of memory");
    c->bases = nb;
    sw_base *b = &c->bases[c->nbases];
    memset(b, 0, sizeof *b);
    FILE *m = open_memstream(&b->text, &b->len);
    if (m) {
        arch_print(a, m);
        fclose(m);
    }
    arch_free(a);
    b->name = strdup(name);
    if (!m || !b->text || !b->name) {
        free(b->text), free(b->name);
        return lp_diag_set(x->d, LP_ERR_NOMEM, line, col, "out of memory");
    }
    lp_diag id;
    if ((s = cfg_index_yaml(b->text, b->len, name, &b->ix, &id))) {
        free(b->text), free(b->name);
        return lp_diag_set(x->d, s, line, col, "arch '%s': %s", name, id.msg);
    }
    *out = c->nbases++;
    return LP_OK;
}

void sw_bases_free(sw_ctx *c)
{
    for (size_t i = 0; i < c->nbases; i++) {
        free(c->bases[i].name);
        free(c->bases[i].text);
        cfg_index_free(&c->bases[i].ix);
    }
    free(c->bases);
    c->bases = NULL;
    c->nbases = 0;
}

/* ---- one point ------------------------------------------------------------------------ */

/* Value text as YAML: plain when it is a plain word, else double-quoted. */
static void yaml_value(const char *v, char *buf, size_t n)
{
    bool plain = v[0] != 0;
    for (const char *p = v; *p; p++)
        plain = plain && (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-", *p) != NULL);
    if (plain) {
        snprintf(buf, n, "%s", v);
        return;
    }
    size_t k = 0;
    buf[k++] = '"';
    for (const char *p = v; *p && k + 6 < n; p++) {
        if (*p == '"' || *p == '\\') buf[k++] = '\\';
        buf[k++] = *p;
    }
    buf[k++] = '"';
    buf[k] = 0;
}

static int by_start(const void *a, const void *b)
{
    const cfg_loc *x = *(const cfg_loc *const *)a, *y = *(const cfg_loc *const *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The architecture of a point: base b with the arch sets applied; its index
** in s->arch_texts (loaded and checked when new). */
lp_status sw_point_arch(sw_expander *x, size_t bi, sw_set **as, int na, size_t *out)
{
    const sw_base *b = &x->c->bases[bi];
    const cfg_loc *loc[64];
    char vals[64][140];
    size_t extra = 0;
    if (na > 64) return lp_diag_set(x->d, LP_ERR_RANGE, as[0]->line, as[0]->col, "more than 64 architecture keys");
    for (int i = 0; i < na; i++) {
        loc[i] = cfg_find(&b->ix, as[i]->key, 0);
        if (!loc[i] || loc[i]->node != CFG_NODE_SCALAR)
            return lp_diag_set(x->d, LP_ERR_PARSE, as[i]->line, as[i]->col, "architecture '%s' has no key '%s'",
                               b->name, as[i]->key);
        for (int j = 0; j < i; j++)
            if (loc[j] == loc[i])
                return lp_diag_set(x->d, LP_ERR_PARSE, as[i]->line, as[i]->col, "'%s' is set twice in this point",
                                   as[i]->key);
        yaml_value(as[i]->val, vals[i], sizeof vals[i]);
        extra += strlen(vals[i]);
    }
    /* replace in text order; loc[] sorted with the values following */
    const cfg_loc *sorted[64];
    memcpy(sorted, loc, (size_t)na * sizeof *loc);
    qsort(sorted, (size_t)na, sizeof *sorted, by_start);
    char *t = malloc(b->len + extra + 1);
    if (!t) return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    size_t k = 0, from = 0;
    for (int i = 0; i < na; i++) {
        int j = 0;
        while (loc[j] != sorted[i]) j++;
        memcpy(t + k, b->text + from, sorted[i]->start - from);
        k += sorted[i]->start - from;
        k += (size_t)sprintf(t + k, "%s", vals[j]);
        from = sorted[i]->end;
    }
    memcpy(t + k, b->text + from, b->len - from);
    k += b->len - from;
    t[k] = 0;
    /* seen before? */
    uint64_t h = lp_fnv1a64(t, k) ^ bi;
    size_t i = (size_t)h & (x->nslots - 1);
    for (; x->slot[i]; i = (i + 1) & (x->nslots - 1)) {
        size_t a = x->slot[i] - 1;
        if (!strcmp(x->s->arch_texts[a], t) && !strcmp(x->s->arch_names[a], b->name)) {
            free(t);
            return *out = a, LP_OK;
        }
    }
    arch_cfg *cfg;
    lp_diag ad;
    lp_status st = arch_load_text(t, k, "<point>", &cfg, &ad);
    if (st == LP_ERR_INFEASIBLE) { /* a design its device cannot hold: a point all the same, logged as such */
        cfg = NULL;
        st = LP_OK;
    }
    if (st) {
        free(t);
        for (int j = 0; j < na; j++) /* the value on the line the loader names put it there */
            if (loc[j]->vl == ad.line) return lp_diag_set(x->d, st, as[j]->line, as[j]->col, "%s", ad.msg);
        return lp_diag_set(x->d, st, na ? as[0]->line : 1, na ? as[0]->col : 1,
                           "architecture '%s' with this point's keys: %s", b->name, ad.msg);
    }
    arch_free(cfg);
    sw_sweep *s = x->s;
    char **nt = realloc(s->arch_texts, (s->narch + 1) * sizeof *nt);
    if (nt) s->arch_texts = nt;
    char **nn = nt ? realloc(s->arch_names, (s->narch + 1) * sizeof *nn) : NULL;
    if (nn) s->arch_names = nn;
    char *name = strdup(b->name);
    if (!nt || !nn || !name) {
        free(t), free(name);
        return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    }
    s->arch_texts[s->narch] = t;
    s->arch_names[s->narch] = name;
    x->slot[i] = ++s->narch;
    if (2 * s->narch > x->nslots) { /* grow: rehash every text */
        size_t ns = x->nslots * 2, *sl = calloc(ns, sizeof *sl);
        if (!sl) return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
        for (size_t a = 0; a < s->narch; a++) {
            size_t bj = 0;
            while (strcmp(x->c->bases[bj].name, s->arch_names[a])) bj++;
            size_t q = (size_t)(lp_fnv1a64(s->arch_texts[a], strlen(s->arch_texts[a])) ^ bj) & (ns - 1);
            while (sl[q]) q = (q + 1) & (ns - 1);
            sl[q] = a + 1;
        }
        free(x->slot);
        x->slot = sl, x->nslots = ns;
    }
    *out = s->narch - 1;
    return LP_OK;
}
