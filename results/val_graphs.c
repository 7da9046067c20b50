/*
** val_graphs.c — the graph index read row by row (lp_csv, every field checked
** where it stands: a bad index is one FILE:LINE:COL error, never a graph left
** out quietly), the two host terms fitted as medians, leave-one-out, and the
** error figures (val_graphs.h).
*/
#define _POSIX_C_SOURCE 200809L
#include "val_graphs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_csv.h"
#include "lp_file.h"
#include "lp_num.h"

/* The columns the index must name; the rest are read past. */
static const char *const cols[] = {"file_generic", "model", "sizes", "dtype", "median_us", "min_us"};
enum { C_FILE, C_MODEL, C_SIZES, C_DTYPE, C_MEDIAN, C_MIN, C_NCOLS };

static lp_status field_us(const lp_csv *c, int i, const char *what, double *out, lp_diag *d)
{
    const char *s = c->field[i], *why = "";
    double v = 0;
    if (lp_parse_f64(s, strlen(s), &v, &why) || !(v > 0) || v > LP_GRAPH_MAX_MEASURED_US)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i],
                           "%s must be a positive number of microseconds (at most %g), got '%.40s%s'", what,
                           LP_GRAPH_MAX_MEASURED_US, s, strlen(s) > 40 ? "..." : "");
    *out = v;
    return LP_OK;
}

static lp_status row(const lp_csv *c, const int *col, lp_graph *g, lp_diag *d)
{
    lp_status st;
    if (!c->field[col[C_FILE]][0])
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[C_FILE]], "file_generic is empty: it names the graph");
    if ((st = field_us(c, col[C_MEDIAN], "median_us", &g->median_us, d)) ||
        (st = field_us(c, col[C_MIN], "min_us", &g->min_us, d)))
        return st;
    if (g->min_us > g->median_us)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[col[C_MIN]], "min_us %g is above median_us %g", g->min_us,
                           g->median_us);
    g->file = strdup(c->field[col[C_FILE]]), g->model = strdup(c->field[col[C_MODEL]]);
    g->sizes = strdup(c->field[col[C_SIZES]]), g->dtype = strdup(c->field[col[C_DTYPE]]);
    if (!g->file || !g->model || !g->sizes || !g->dtype)
        return lp_diag_set(d, LP_ERR_NOMEM, c->line, 1, "out of memory");
    g->line = c->line;
    g->seq_ns = g->fused_ns = g->seq_wall_ns = g->fused_wall_ns = NAN;
    g->convs = -1;
    return LP_OK;
}

static lp_status read_rows(lp_csv *c, lp_graph_set *out, lp_diag *d)
{
    int col[C_NCOLS];
    if (!lp_csv_next(c, d))
        return d->status ? d->status
                         : lp_diag_set(d, LP_ERR_PARSE, 1, 1,
                                       "empty file: expected a header naming at least file_generic, model, sizes, "
                                       "dtype, median_us, min_us");
    lp_status st = lp_csv_header(c, d);
    if (st) return st;
    int nheader = c->nfields;
    for (int k = 0; k < C_NCOLS; k++)
        if ((col[k] = lp_csv_find(c, cols[k])) < 0)
            return lp_diag_set(d, LP_ERR_PARSE, 1, (int)c->len + 1, "the header has no column '%s'", cols[k]);
    size_t cap = 0;
    while (lp_csv_next(c, d)) {
        if (!c->len) continue; /* a blank line, e.g. at the end */
        if (out->n == LP_GRAPH_MAX_ROWS)
            return lp_diag_set(d, LP_ERR_RANGE, c->line, 1, "more than %d rows", LP_GRAPH_MAX_ROWS);
        if ((st = lp_csv_split(c, d))) return st;
        if (c->nfields != nheader) {
            int at = c->nfields < nheader ? (int)c->len + 1 : c->col[nheader] - 1;
            return lp_diag_set(d, LP_ERR_PARSE, c->line, at, "expected %d fields as in the header, found %d", nheader,
                               c->nfields);
        }
        if (out->n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            lp_graph *g = realloc(out->g, ncap * sizeof *g);
            if (!g) return lp_diag_set(d, LP_ERR_NOMEM, c->line, 1, "out of memory");
            out->g = g, cap = ncap;
        }
        lp_graph *g = &out->g[out->n];
        memset(g, 0, sizeof *g);
        out->n++; /* counted now: a half-filled row is freed with the rest */
        if ((st = row(c, col, g, d))) return st;
        for (size_t i = 0; i + 1 < out->n; i++)
            if (!strcmp(out->g[i].file, g->file))
                return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[C_FILE]],
                                   "'%.60s' is listed twice (also on line %d)", g->file, out->g[i].line);
    }
    if (d->status) return d->status;
    if (!out->n) return lp_diag_set(d, LP_ERR_PARSE, c->line + 1, 1, "no graphs after the header");
    return LP_OK;
}

lp_status lp_graph_read(const char *dir, lp_graph_set *out, lp_diag *d)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(dir) + sizeof LP_GRAPH_INDEX + 1;
    if (!(out->path = malloc(len))) {
        lp_diag_init(d, dir);
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    }
    snprintf(out->path, len, "%s/%s", dir, LP_GRAPH_INDEX);
    lp_diag why;
    lp_diag_init(d, out->path);
    lp_diag_init(&why, out->path);
    FILE *f;
    uint64_t size;
    if (lp_open_input(out->path, &f, &size, &why)) return lp_diag_set(d, why.status, 1, 1, "cannot read: %s", why.msg);
    lp_csv c;
    lp_csv_init(&c, f, out->path, LP_GRAPH_MAX_LINE_BYTES);
    lp_status st = read_rows(&c, out, d);
    lp_csv_free(&c);
    fclose(f);
    if (st) { /* the path stays: d names it */
        char *path = out->path;
        out->path = NULL;
        lp_graph_set_free(out);
        out->path = path;
    }
    return st;
}

void lp_graph_set_free(lp_graph_set *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->g[i].file), free(s->g[i].model), free(s->g[i].sizes), free(s->g[i].dtype);
    free(s->g);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* ---- the fit ------------------------------------------------------------------------- */

static int by_value(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

static double median(double *v, size_t n)
{
    if (!n) return NAN;
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool predicted(const lp_graph *g) { return !isnan(g->fused_ns) && g->convs >= 0; }

lp_status lp_graph_fit_terms(const lp_graph_set *s, size_t skip, lp_graph_fit *f)
{
    memset(f, 0, sizeof *f);
    double *v = malloc((s->n ? s->n : 1) * sizeof *v);
    if (!v) return LP_ERR_NOMEM;
    for (size_t i = 0; i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        if (i != skip && predicted(g) && g->convs == 0 && g->median_us < LP_GRAPH_BIG_US)
            v[f->n_host++] = g->median_us * 1e3 - g->fused_ns;
    }
    f->host_dispatch_ns = median(v, f->n_host);
    for (size_t i = 0; !isnan(f->host_dispatch_ns) && i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        if (i != skip && predicted(g) && g->convs > 0)
            v[f->n_conv++] = (g->median_us * 1e3 - f->host_dispatch_ns - g->fused_ns) / g->convs;
    }
    f->conv_call_ns = median(v, f->n_conv);
    free(v);
    return LP_OK;
}

lp_status lp_graph_loo_ns(const lp_graph_set *s, size_t i, double *out)
{
    *out = NAN;
    if (!predicted(&s->g[i])) return LP_OK;
    lp_graph_fit f;
    if (lp_graph_fit_terms(s, i, &f)) return LP_ERR_NOMEM;
    double conv = s->g[i].convs ? s->g[i].convs * f.conv_call_ns : 0;
    *out = s->g[i].fused_ns + f.host_dispatch_ns + conv;
    return LP_OK;
}

double lp_graph_error_pct(double predicted_ns, double measured_us)
{
    return (predicted_ns / 1e3 - measured_us) / measured_us * 100;
}

lp_status lp_graph_summarize(const lp_graph_set *s, lp_graph_summary *out)
{
    memset(out, 0, sizeof *out);
    double seq = 0, fused = 0, loo = 0, max = 0;
    size_t nloo = 0;
    for (size_t i = 0; i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        if (!predicted(g)) continue;
        out->predicted++;
        if (!(g->median_us > LP_GRAPH_BIG_US)) continue;
        out->big++;
        double l, ef = fabs(lp_graph_error_pct(g->fused_wall_ns, g->median_us));
        seq += fabs(lp_graph_error_pct(g->seq_wall_ns, g->median_us)), fused += ef, max = fmax(max, ef);
        if (lp_graph_loo_ns(s, i, &l)) return LP_ERR_NOMEM;
        if (!isnan(l)) loo += fabs(lp_graph_error_pct(l, g->median_us)), nloo++;
    }
    double n = (double)out->big;
    out->seq_mape_pct = out->big ? seq / n : NAN;
    out->fused_mape_pct = out->big ? fused / n : NAN;
    out->fused_max_pct = out->big ? max : NAN;
    out->loo_mape_pct = nloo == out->big && nloo ? loo / (double)nloo : NAN;
    return LP_OK;
}
