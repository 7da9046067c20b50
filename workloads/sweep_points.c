/*
** sweep_points.c — the expansion loop of a sweep (sweep.h): workloads, the
** cross product of the axes, the listed points, the constraints.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_num.h"
#include "sweep_int.h"
#include "workload.h"

#define MAX_PRODUCT 16777216.0 /* points before the constraints */
#define MAX_TOKENS 64

/* ---- workloads --------------------------------------------------------------------------- */

/* The workload of a point: listed spec wi with the sets that apply to it;
** its canonical text in *text (malloc'd) and parsed in *spec. */
static lp_status point_spec(sw_expander *x, size_t wi, sw_set **ws, int nw, wl_spec *spec, char **text)
{
    const char *base = x->c->f->workloads[wi];
    struct tok {
        const char *p;
        size_t n;
        const sw_set *from; /* NULL: the listed spec's own, at offset p - base */
    } tok[MAX_TOKENS];
    int nt = 0;
    for (size_t i = 0, n = strlen(base); i < n;) {
        while (i < n && (base[i] == ' ' || base[i] == '\t')) i++;
        size_t a = i;
        while (i < n && base[i] != ' ' && base[i] != '\t') i++;
        if (i > a && nt < MAX_TOKENS) tok[nt++] = (struct tok){base + a, i - a, NULL};
    }
    char kv[MAX_TOKENS][240];
    for (int j = 0; j < nw; j++) {
        if (!wl_key_applies(&x->specs[wi], ws[j]->key)) continue;
        ws[j]->applied = true;
        size_t kl = strlen(ws[j]->key);
        int t = 1;
        while (t < nt && !(tok[t].n > kl && !strncmp(tok[t].p, ws[j]->key, kl) && tok[t].p[kl] == '=')) t++;
        if (t == nt && nt == MAX_TOKENS)
            return lp_diag_set(x->d, LP_ERR_RANGE, ws[j]->line, ws[j]->col, "a workload of more than %d keys",
                               MAX_TOKENS);
        snprintf(kv[j], sizeof kv[j], "%s=%s", ws[j]->key, ws[j]->val);
        tok[t] = (struct tok){kv[j], strlen(kv[j]), ws[j]};
        if (t == nt) nt++;
    }
    char line[4096] = "";
    size_t k = 0;
    int start[MAX_TOKENS];
    for (int t = 0; t < nt && k + tok[t].n + 2 < sizeof line; t++) {
        start[t] = (int)k + (t > 0);
        k += (size_t)snprintf(line + k, sizeof line - k, "%s%.*s", t ? " " : "", (int)tok[t].n, tok[t].p);
    }
    lp_diag wd;
    lp_status st = wl_parse_inline(line, "<point>", 1, 1, spec, &wd);
    if (st) {
        int t = nt - 1;
        while (t > 0 && start[t] > wd.col - 1) t--;
        const sw_set *from = tok[t].from;
        int off = wd.col - 1 - start[t];
        if (from) { /* in a set's token: at its key, or into its value */
            int kl = (int)strlen(from->key) + 1;
            return lp_diag_set(x->d, st, from->line, off >= kl ? from->col + off - kl : from->col, "%s", wd.msg);
        }
        char path[48];
        int wl, wc;
        snprintf(path, sizeof path, "workloads[%zu]", wi);
        sw_place(x->c, path, &wl, &wc);
        return lp_diag_set(x->d, st, wl, wc + (int)(tok[t].p - base) + (off > 0 ? off : 0), "%s", wd.msg);
    }
    FILE *m = open_memstream(text, &k);
    if (!m) return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    wl_print(spec, m);
    if (fclose(m) || !*text) return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    return LP_OK;
}

/* ---- constraints ----------------------------------------------------------------------------- */

/* A number of the point's architecture: set by the point or the base's. */
static bool arch_number(const sw_base *b, sw_set **as, int na, const char *path, double *v)
{
    const char *text = NULL;
    for (int i = 0; i < na; i++)
        if (!strcmp(as[i]->key, path)) text = as[i]->val;
    const cfg_loc *l = text ? NULL : cfg_find(&b->ix, path, 0);
    if (l && l->node == CFG_NODE_SCALAR && l->val_len < sizeof l->val) text = l->val;
    const char *why;
    return text && !lp_parse_f64(text, strlen(text), v, &why);
}

/* The value of a constraint's name for a point (docs/sweeps.md lists the
** derived ones). */
static lp_status var_value(sw_expander *x, const char *name, int line, int col, const sw_base *b, sw_set **as, int na,
                           const wl_spec *spec, double *v)
{
    if (!strcmp(name, "area_mm2")) { /* the declared area: every unit's area_mm2, times the cores */
        double sum = 0, cores = 1, a;
        for (int i = 0; i < b->ix.n; i++) {
            const char *p = b->ix.e[i].path, *tail = strrchr(p, '.');
            if (tail && !strcmp(tail, ".area_mm2") && arch_number(b, as, na, p, &a)) sum += a;
        }
        arch_number(b, as, na, "cores", &cores);
        return *v = sum * cores, LP_OK;
    }
    if (!strcmp(name, "tile_bytes")) { /* A (rows x 32) and B (32 x cols) in the widest input format; no
                                        ** array (an ideal matrix unit: a CPU's SIMD), no tile: 0 */
        double r = 0, c = 0, bits = 0, f;
        if (!cfg_find(&b->ix, "matrix.array_rows", 0) && !cfg_find(&b->ix, "matrix.array_cols", 0))
            return *v = 0, LP_OK;
        static const char *const fmts[] = {"in_a", "in_b", "w", "a", "kv", "in"};
        for (int i = 0; i < 6; i++)
            if (wl_key_number(spec, fmts[i], &f) && f > bits) bits = f;
        if (!arch_number(b, as, na, "matrix.array_rows", &r) || !arch_number(b, as, na, "matrix.array_cols", &c))
            return lp_diag_set(x->d, LP_ERR_ARG, line, col,
                               "tile_bytes needs matrix.array_rows and array_cols, which '%s' has not", b->name);
        return *v = (r + c) * 32 * bits / 8, LP_OK;
    }
    const char *wk = !strncmp(name, "workload.", 9) ? name + 9 : NULL;
    if (!wk && arch_number(b, as, na, name, v)) return LP_OK;
    if (wl_key_number(spec, wk ? wk : name, v)) return LP_OK;
    if (!wk && cfg_find(&b->ix, name, 0))
        return lp_diag_set(x->d, LP_ERR_ARG, line, col, "'%s' is not a number in architecture '%s'", name, b->name);
    if (wl_key_applies(spec, wk ? wk : name)) /* an enum: layout, order, phase, model, dist */
        return lp_diag_set(x->d, LP_ERR_ARG, line, col,
                           "workload key '%s' is a choice, not a number: constraints compare numbers (give its axis "
                           "only the values wanted, or list the points)",
                           name);
    if (wl_key_known(wk ? wk : name))
        return lp_diag_set(x->d, LP_ERR_ARG, line, col, "workload '%s' has no number '%s'", x->c->f->workloads[0],
                           name);
    return lp_diag_set(x->d, LP_ERR_ARG, line, col,
                       "unknown name '%s': expected an architecture key, a workload key, area_mm2 or tile_bytes", name);
}

static lp_status passes(sw_expander *x, const sw_base *b, sw_set **as, int na, const wl_spec *spec, bool *ok)
{
    *ok = true;
    for (size_t i = 0; i < x->c->nexpr && *ok; i++) {
        const sw_expr *e = x->c->expr[i].e;
        for (size_t k = 0; k < sw_expr_nvars(e); k++) {
            int col;
            const char *name = sw_expr_var(e, k, &col);
            lp_status s = var_value(x, name, x->c->expr[i].line, col, b, as, na, spec, &x->vars[k]);
            if (s) return s;
        }
        *ok = sw_expr_eval(e, x->vars) != 0 && !isnan(sw_expr_eval(e, x->vars));
    }
    return LP_OK;
}

/* ---- points ----------------------------------------------------------------------------- */

/* A value as JSON: a number when it reads as one, else text. */
static json_t *json_value(const char *v)
{
    double d;
    const char *why;
    uint64_t u;
    if (!lp_parse_u64(v, strlen(v), &u, &why) && u <= (uint64_t)INT64_MAX) return json_integer((json_int_t)u);
    if (!lp_parse_f64(v, strlen(v), &d, &why) && isfinite(d)) return json_real(d);
    return json_string(v);
}

/* The values the point's axes (or its listed keys) gave it: a named set
** axis by its name and label, other keys one by one, a workload key only
** where the workload takes it. */
static char *params_json(const sw_expander *x, size_t wi, const char *base, const sw_choice *const *ch, int nch)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "arch", json_string(base));
    json_object_set_new(o, "workload", json_string(x->c->f->workloads[wi]));
    for (int c = 0; c < nch; c++) {
        if (ch[c]->label) {
            json_object_set_new(o, ch[c]->name, json_value(ch[c]->label));
            continue;
        }
        for (int i = 0; i < ch[c]->nsets; i++) {
            const sw_set *st = &ch[c]->sets[i];
            if (st->kind != SW_BASE && (st->kind != SW_WL_KEY || wl_key_applies(&x->specs[wi], st->key)))
                json_object_set_new(o, st->name, json_value(st->val));
        }
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* The point of workload wi with sets (in axis order); kept when it passes
** the constraints. */
static lp_status make_point(sw_expander *x, size_t wi, sw_set **sets, int n, const sw_choice *const *ch, int nch)
{
    sw_set *as[64], *ws[64];
    int na = 0, nw = 0;
    const sw_set *base_set = NULL;
    for (int i = 0; i < n; i++) {
        if (sets[i]->kind == SW_BASE) base_set = sets[i];
        if (sets[i]->kind == SW_ARCH_KEY && na < 64) as[na++] = sets[i];
        if (sets[i]->kind == SW_WL_KEY && nw < 64) ws[nw++] = sets[i];
    }
    size_t bi = 0, ai;
    lp_status s;
    if (base_set && (s = sw_get_base(x, base_set->val, base_set->line, base_set->col, &bi))) return s;
    if ((s = sw_point_arch(x, bi, as, na, &ai))) return s;
    wl_spec spec;
    char *text = NULL;
    if ((s = point_spec(x, wi, ws, nw, &spec, &text))) return s;
    bool ok;
    if ((s = passes(x, &x->c->bases[bi], as, na, &spec, &ok)) || !ok) {
        free(text);
        x->s->dropped += !s;
        return s;
    }
    sw_sweep *sw = x->s;
    if (sw->npoints == SW_MAX_POINTS) {
        free(text);
        return lp_diag_set(x->d, LP_ERR_RANGE, 1, 1, "more than %d points after the constraints", SW_MAX_POINTS);
    }
    if (sw->npoints == x->cap) {
        size_t nc = x->cap ? 2 * x->cap : 256;
        sw_point *np = realloc(sw->points, nc * sizeof *np);
        if (!np) return free(text), lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
        sw->points = np, x->cap = nc;
    }
    sw_point *p = &sw->points[sw->npoints];
    p->arch = ai;
    p->workload = text;
    p->params_json = params_json(x, wi, x->c->bases[bi].name, ch, nch);
    if (!p->params_json) return free(text), lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    sw->npoints++;
    return LP_OK;
}

/* ---- the loop ---------------------------------------------------------------------------- */

static lp_status prepare(sw_expander *x)
{
    sw_ctx *c = x->c;
    const sw_file *f = c->f;
    int line, col;
    size_t b0;
    sw_place(c, "arch", &line, &col);
    lp_status s = sw_get_base(x, f->arch, line, col, &b0);
    if (s) return s;
    x->specs = calloc(f->workloads_count, sizeof *x->specs);
    x->axes = calloc(f->axes_count + 1, sizeof *x->axes);
    c->expr = calloc(f->constraints_count + 1, sizeof *c->expr);
    x->listed.v = calloc(f->points_count + 1, sizeof *x->listed.v);
    if (!x->specs || !x->axes || !c->expr || !x->listed.v)
        return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    char path[48];
    size_t maxlen = 1;
    for (unsigned i = 0; i < f->workloads_count; i++) {
        snprintf(path, sizeof path, "workloads[%u]", i);
        sw_place(c, path, &line, &col);
        if ((s = wl_parse_inline(f->workloads[i], c->file, line, col, &x->specs[i], x->d))) return s;
    }
    for (unsigned i = 0; i < f->constraints_count; i++) {
        snprintf(path, sizeof path, "constraints[%u]", i);
        sw_place(c, path, &line, &col);
        if ((s = sw_expr_parse(f->constraints[i], c->file, line, col, &c->expr[i].e, x->d))) return s;
        c->expr[i].line = line;
        c->nexpr++;
        if (strlen(f->constraints[i]) > maxlen) maxlen = strlen(f->constraints[i]);
    }
    x->vars = calloc(maxlen + 1, sizeof *x->vars);
    if (!x->vars) return lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    for (unsigned i = 0; i < f->axes_count; i++, x->naxes++)
        if ((s = sw_axis_values(x, i, &x->axes[i]))) return s;
    x->listed.n = f->points_count; /* all freed on failure, the unfilled ones empty */
    for (unsigned i = 0; i < f->points_count; i++) {
        snprintf(path, sizeof path, "points[%u]", i);
        sw_place(c, path, &line, &col);
        if ((s = sw_parse_assignments(x, f->points[i], line, col, true, &x->listed.v[i]))) return s;
    }
    double product = f->axes_count ? 1 : 0;
    for (size_t i = 0; i < x->naxes; i++) product *= (double)x->axes[i].n;
    if ((product + (double)x->listed.n) * f->workloads_count > MAX_PRODUCT)
        return lp_diag_set(x->d, LP_ERR_RANGE, 1, 1, "%.0f points before the constraints: more than %.0f",
                           (product + (double)x->listed.n) * f->workloads_count, MAX_PRODUCT);
    x->nslots = 64;
    x->slot = calloc(x->nslots, sizeof *x->slot);
    return x->slot ? LP_OK : lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
}

/* A workload key no workload takes is a mistake, not an axis of one value. */
static lp_status check_applied(sw_expander *x)
{
    for (size_t i = 0; i <= x->naxes; i++) {
        const sw_axis_vals *av = i < x->naxes ? &x->axes[i] : &x->listed;
        for (size_t v = 0; v < av->n; v++)
            for (int k = 0; k < av->v[v].nsets; k++) {
                const sw_set *st = &av->v[v].sets[k];
                if (st->kind == SW_WL_KEY && !st->applied)
                    return lp_diag_set(x->d, LP_ERR_ARG, st->line, st->col,
                                       "no workload of the sweep takes '%s' (docs/workloads.md)", st->key);
            }
    }
    return LP_OK;
}

static lp_status expand_all(sw_expander *x)
{
    const sw_file *f = x->c->f;
    size_t maxsets = 1;
    for (size_t i = 0; i < x->naxes; i++)
        for (size_t v = 0; v < x->axes[i].n; v++) maxsets += (size_t)x->axes[i].v[v].nsets;
    for (size_t v = 0; v < x->listed.n; v++) maxsets += (size_t)x->listed.v[v].nsets;
    sw_set **sets = calloc(maxsets, sizeof *sets);
    size_t *odo = calloc(x->naxes + 1, sizeof *odo);
    const sw_choice **ch = calloc(x->naxes + 1, sizeof *ch);
    lp_status s = sets && odo && ch ? LP_OK : lp_diag_set(x->d, LP_ERR_NOMEM, 1, 1, "out of memory");
    for (size_t wi = 0; !s && wi < f->workloads_count; wi++) {
        if (x->naxes) {
            memset(odo, 0, (x->naxes + 1) * sizeof *odo);
            for (;;) {
                int n = 0;
                for (size_t i = 0; i < x->naxes; i++) {
                    ch[i] = &x->axes[i].v[odo[i]];
                    for (int k = 0; k < ch[i]->nsets; k++) sets[n++] = &ch[i]->sets[k];
                }
                if ((s = make_point(x, wi, sets, n, ch, (int)x->naxes))) break;
                size_t i = x->naxes; /* the last axis turns fastest */
                while (i > 0 && ++odo[i - 1] == x->axes[i - 1].n) odo[--i] = 0;
                if (i == 0) break;
            }
        }
        for (size_t v = 0; !s && v < x->listed.n; v++) {
            int n = 0;
            for (int k = 0; k < x->listed.v[v].nsets; k++) sets[n++] = &x->listed.v[v].sets[k];
            ch[0] = &x->listed.v[v];
            s = make_point(x, wi, sets, n, ch, 1);
        }
    }
    free(sets);
    free(odo);
    free(ch);
    return s ? s : check_applied(x);
}

static void free_vals(sw_axis_vals *av)
{
    for (size_t v = 0; av->v && v < av->n; v++) free(av->v[v].sets);
    free(av->v);
}

lp_status sw_expand(sw_ctx *c, sw_sweep *s, lp_diag *d)
{
    sw_expander x = {0};
    x.c = c, x.s = s, x.d = d;
    lp_status st = prepare(&x);
    if (!st) st = expand_all(&x);
    if (!st && !s->npoints)
        st = lp_diag_set(d, LP_ERR_ARG, 1, 1, "no points: the constraints dropped all %zu", s->dropped);
    for (size_t i = 0; x.axes && i < x.naxes; i++) free_vals(&x.axes[i]);
    if (x.axes && x.naxes < c->f->axes_count) free_vals(&x.axes[x.naxes]);
    free(x.axes);
    free_vals(&x.listed);
    free(x.specs);
    free(x.slot);
    free(x.vars);
    return st;
}
