/*
** cmd_pareto.c — `lpsim pareto`: the energy/latency Pareto front of the runs
** of a results database, as a table, CSV and a gnuplot picture
** (docs/results.md).
**
** Points are compared only with points of the same workload (the runs'
** canonical `workload`): a decode step is not a better design than a
** prefill. Each workload gets its front, its part of the table and its panel
** of the picture. Only finished runs (status done) with both metrics count.
** The metrics and the group key name columns or sweep parameters; they are
** checked against the columns and bound as values, never spliced as SQL.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "pareto.h"
#include "rdb.h"
#include "runs_query.h"

static const cli_opt pareto_opts[] = {
    {"db", "FILE", "the results database"},
    {"x", "METRIC", "the x metric (default latency_ns)"},
    {"y", "METRIC", "the y metric (default energy_pj)"},
    {"max-x", NULL, "larger x is better (default: smaller)"},
    {"max-y", NULL, "larger y is better (default: smaller)"},
    {"group-by", "KEY", "colour and marker by a column (unit_kind, formats, arch_name, ...) or a sweep parameter"},
    {"where", "EXPR", "only the runs for which this SQL expression over the runs columns holds"},
    {"png", "OUT.png", "draw the points and the fronts (gnuplot; the script is kept as OUT.gp)"},
    {"svg", "OUT.svg", "the same as SVG"},
    {"csv", NULL, "print every point as CSV (workload, group, on_front, x, y, design) instead of the table"},
};
static const cli_cmd pareto_cmd = {
    "pareto",
    "--db FILE [--x METRIC] [--y METRIC] [--group-by KEY] [--where EXPR] [--png OUT.png] [--svg OUT.svg] [--csv]",
    "Computes the Pareto front (the designs no other design beats in both metrics; smaller is\n"
    "better unless --max-x/--max-y) of the finished runs of a results database, one front per\n"
    "workload, and prints it as a table of the design parameters (a sweep point's axes) and the\n"
    "two metrics. --png/--svg draw every point, one colour and marker per group, the fronts\n"
    "highlighted and labelled, one panel per workload, log axes where the data spans a decade.\n"
    "METRIC is a numeric column: latency_ns, energy_pj, cycles, power_w, clock_ghz, macs,\n"
    "utilization, instructions, dram_bytes, l2_bytes, spm_bytes, acc_bytes, area_mm2, wall_s, or\n"
    "a functional run's numerical error: sqnr_db (larger is better, with or without --max-x/--max-y)\n"
    "and max_rel_err (docs/workloads.md, \"Numerical error\"; timing-only runs have neither), or an\n"
    "fpga unit's design: fpga_luts, fpga_ffs, fpga_dsps, fpga_fmax_mhz (larger is better; docs/fpga.md).",
    pareto_opts,
    CLI_NOPTS(pareto_opts),
    0,
    0};

/* The metrics, and whether larger is better by nature (--max-x/--max-y make
** any metric so). */
static const struct metric {
    const char *col, *axis;
    bool larger;
} metrics[] = {
    {"latency_ns", "latency (ns)", false},
    {"energy_pj", "energy (pJ)", false},
    {"cycles", "cycles", false},
    {"power_w", "power (W)", false},
    {"clock_ghz", "clock (GHz)", false},
    {"macs", "MACs", false},
    {"utilization", "utilization", false},
    {"instructions", "instructions", false},
    {"dram_bytes", "DRAM traffic (bytes)", false},
    {"l2_bytes", "L2 traffic (bytes)", false},
    {"spm_bytes", "scratchpad traffic (bytes)", false},
    {"acc_bytes", "accumulator traffic (bytes)", false},
    {"area_mm2", "area (mm^2)", false},
    {"wall_s", "simulation time (s)", false},
    {"sqnr_db", "SQNR (dB)", true},
    {"max_rel_err", "max relative error", false},
    {"fpga_luts", "LUTs", false},
    {"fpga_ffs", "flip-flops", false},
    {"fpga_dsps", "DSPs", false},
    {"fpga_fmax_mhz", "fmax (MHz)", true},
};
#define NMETRICS (int)(sizeof metrics / sizeof metrics[0])

static const char *const group_cols[] = {"arch_name", "unit_kind",     "formats",      "workload_kind", "mode",
                                         "engine",    "lpsim_version", "git_revision", "host",          "status"};

typedef struct pt {
    double x, y;
    char *workload, *group, *design;
    long long id;
} pt;

static int find_metric(const char *name)
{
    for (int i = 0; i < NMETRICS; i++)
        if (!strcmp(metrics[i].col, name)) return i;
    return -1;
}

/* The design of a run: its sweep parameters but arch and workload, as
** "k=v k=v"; a run outside a sweep: its architecture and formats. */
static char *design_of(const char *point_json, const char *arch, const char *formats)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    json_t *p = point_json ? json_loads(point_json, 0, NULL) : NULL;
    if (json_is_object(p)) {
        const char *k;
        json_t *v;
        int n = 0;
        json_object_foreach(p, k, v)
        {
            if (!strcmp(k, "workload") || (!strcmp(k, "arch") && json_object_size(p) > 2)) continue;
            char *t = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
            fprintf(m, "%s%s=%s", n++ ? " " : "", k, t ? t : "?");
            free(t);
        }
    } else {
        fprintf(m, "%s %s", arch, formats);
    }
    json_decref(p);
    fclose(m);
    return buf;
}

/* A run's workload for its front (malloc'd): the sweep's listed workload
** (the axes are design choices) or the run's canonical one; a sweep point's
** data distribution (dist=, set by an axis) is part of it, not a design
** choice: formats are compared on the same data. */
static char *workload_of(const char *wl, const char *dist)
{
    if (!dist || strstr(wl, " dist=")) return strdup(wl);
    size_t n = strlen(wl) + strlen(dist) + 8;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s dist=%s", wl, dist);
    return s;
}

/* A sweep parameter's name as a JSON path: letters, digits and ._[]- only. */
static bool param_name_ok(const char *k)
{
    if (!k[0] || strlen(k) > 96) return false;
    for (; *k; k++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._[]-", *k)) return false;
    return true;
}

static lp_status load_points(const cli_args *a, rdb *db, const char *xc, const char *yc, const char *group, pt **out,
                             size_t *n, lp_diag *d)
{
    bool col = false;
    for (size_t i = 0; group && i < sizeof group_cols / sizeof group_cols[0]; i++) col |= !strcmp(group, group_cols[i]);
    char sel[512], path[128] = "";
    if (group && !col) snprintf(path, sizeof path, "$.\"%s\"", group);
    snprintf(
        sel, sizeof sel,
        "SELECT id, coalesce(json_extract(point_json, '$.workload'), workload), %s, %s, %s, point_json, arch_name, "
        "formats, json_extract(workload_json, '$.dist') FROM runs WHERE status = 'done' AND %s IS "
        "NOT NULL AND %s IS NOT NULL",
        xc, yc,
        !group ? "''"
        : col  ? group
               : "json_extract(point_json, ?1)",
        xc, yc);
    sqlite3_stmt *st;
    const char *where = cli_get(&pareto_cmd, a, "where");
    lp_status s = runs_prepare(db, sel, where, "ORDER BY id", &st, d);
    if (s) return s;
    if (path[0]) sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    size_t cap = 0;
    *out = NULL, *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            pt *np = realloc(*out, (cap = cap ? 2 * cap : 256) * sizeof *np);
            if (!np) break;
            *out = np;
        }
        pt *p = &(*out)[(*n)++];
        p->id = sqlite3_column_int64(st, 0);
        p->workload = workload_of((const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 8));
        p->x = sqlite3_column_double(st, 2);
        p->y = sqlite3_column_double(st, 3);
        const char *g = (const char *)sqlite3_column_text(st, 4);
        p->group = strdup(g ? g : "(none)");
        p->design = design_of((const char *)sqlite3_column_text(st, 5), (const char *)sqlite3_column_text(st, 6),
                              (const char *)sqlite3_column_text(st, 7));
        if (!p->workload || !p->group || !p->design) break;
    }
    if (rc != SQLITE_DONE)
        s = rc == SQLITE_ROW ? lp_diag_msg(d, LP_ERR_NOMEM, "out of memory")
                             : lp_diag_msg(d, LP_ERR_ARG, "cannot read the runs: %s", sqlite3_errmsg(rdb_sqlite(db)));
    sqlite3_finalize(st);
    return s;
}

static void free_points(pt *p, size_t n)
{
    for (size_t i = 0; i < n; i++) free(p[i].workload), free(p[i].group), free(p[i].design);
    free(p);
}

static int by_x(const void *a, const void *b)
{
    const pt *const *p = a, *const *q = b;
    return (*p)->x < (*q)->x ? -1 : (*p)->x > (*q)->x ? 1 : (*p)->y < (*q)->y ? -1 : (*p)->y > (*q)->y;
}

/* Distinct workloads in order of first appearance; each point's index. */
static size_t workloads_of(pt *p, size_t n, int *wl, const char ***names)
{
    size_t k = 0;
    *names = calloc(n + 1, sizeof **names);
    for (size_t i = 0; *names && i < n; i++) {
        size_t w = 0;
        while (w < k && strcmp((*names)[w], p[i].workload)) w++;
        if (w == k) (*names)[k++] = p[i].workload;
        wl[i] = (int)w;
    }
    return k;
}

/* A label for the picture: the design's values ("fp8 64x64 148"); the keys
** they belong to go in the panel's title (label_keys). */
static char *short_label(const char *design)
{
    char *out = malloc(strlen(design) + 1), *o = out;
    if (!out) return NULL;
    for (const char *p = design; *p;) {
        const char *end = strchr(p, ' '), *eq = strchr(p, '=');
        if (!end) end = p + strlen(p);
        const char *v = eq && eq < end ? eq + 1 : p;
        o += sprintf(o, "%s%.*s", o > out ? " " : "", (int)(end - v), v);
        p = *end ? end + 1 : end;
    }
    *o = 0;
    return out;
}

/* "WORKLOAD; labels: k1 k2 ..." from a design's keys (malloc'd). */
static char *panel_title(const char *workload, const char *design)
{
    size_t n = strlen(workload) + strlen(design) + 16;
    char *t = malloc(n), *o = t;
    if (!t) return NULL;
    o += sprintf(o, "%s; labels:", workload);
    for (const char *p = design; *p;) {
        const char *end = strchr(p, ' '), *eq = strchr(p, '=');
        if (!end) end = p + strlen(p);
        o += sprintf(o, " %.*s", (int)((eq && eq < end ? eq : end) - p), p);
        p = *end ? end + 1 : end;
    }
    return t;
}

/* A picture's axis: the metric in the unit its largest value reads best in
** (latency in ns, µs or ms; energy in pJ, nJ, µJ or mJ); others as stored. */
static double axis_scale(const struct metric *m, const pt *p, size_t n, bool is_x, char *name, size_t len)
{
    static const struct {
        const char *col, *what, *unit[4];
    } units[] = {{"latency_ns", "latency", {"ns", "\u00b5s", "ms", "s"}},
                 {"energy_pj", "energy", {"pJ", "nJ", "\u00b5J", "mJ"}}};
    double hi = 0;
    for (size_t i = 0; i < n; i++) hi = fmax(hi, fabs(is_x ? p[i].x : p[i].y));
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strcmp(units[u].col, m->col)) continue;
        int k = 0;
        double scale = 1;
        while (k < 3 && hi * scale >= 1e4) k++, scale /= 1e3;
        snprintf(name, len, "%s (%s)", units[u].what, units[u].unit[k]);
        return scale;
    }
    snprintf(name, len, "%s", m->axis);
    return 1;
}

static int draw(const cli_args *a, pt *p, size_t n, const bool *on, const int *wl, const char **wnames, size_t nw,
                const char *const *gnames, int ng, const int *grp, const struct metric *mx, const struct metric *my,
                bool maxx, bool maxy, const char *out, lp_diag *d)
{
    size_t k = nw < PARETO_MAX_PANELS ? nw : PARETO_MAX_PANELS;
    pareto_plot_in *in = calloc(k, sizeof *in);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int *g = malloc(n * sizeof *g);
    bool *f = malloc(n * sizeof *f);
    char **lab = calloc(n, sizeof *lab), **titles = calloc(k, sizeof *titles);
    int rc = 0;
    if (!in || !x || !y || !g || !f || !lab || !titles) {
        lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail_arg(&pareto_cmd, a, strstr(out, ".svg") ? "svg" : "png", -1, d);
        goto done;
    }
    char xname[64], yname[64];
    double sx = axis_scale(mx, p, n, true, xname, sizeof xname), sy = axis_scale(my, p, n, false, yname, sizeof yname);
    size_t at = 0;
    for (size_t w = 0; w < k; w++) { /* each panel's points together */
        pareto_plot_in *q = &in[w];
        size_t first = at;
        for (size_t i = 0; i < n; i++) {
            if (wl[i] != (int)w) continue;
            if (!titles[w]) titles[w] = panel_title(wnames[w], p[i].design);
            x[at] = p[i].x * sx, y[at] = p[i].y * sy, g[at] = grp[i], f[at] = on[i], lab[at] = short_label(p[i].design);
            at++;
        }
        *q = (pareto_plot_in){at - first,
                              x + first,
                              y + first,
                              g + first,
                              f + first,
                              (const char *const *)lab + first,
                              ng,
                              gnames,
                              xname,
                              yname,
                              titles[w] ? titles[w] : wnames[w],
                              maxx,
                              maxy,
                              out};
    }
    if (pareto_plot_panels(in, (int)k, d))
        rc = cli_fail_arg(&pareto_cmd, a, strstr(out, ".svg") && cli_get(&pareto_cmd, a, "svg") ? "svg" : "png", -1, d);
done:
    for (size_t i = 0; lab && i < n; i++) free(lab[i]);
    for (size_t w = 0; titles && w < k; w++) free(titles[w]);
    free(titles), free(in), free(x), free(y), free(g), free(f), free(lab);
    return rc;
}

static void print_table(pt *p, size_t n, const bool *on, const int *wl, const char **wnames, size_t nw, const char *xc,
                        const char *yc)
{
    pt **front = malloc(n * sizeof *front);
    if (!front) return;
    for (size_t w = 0; w < nw; w++) {
        size_t k = 0, all = 0;
        for (size_t i = 0; i < n; i++)
            if (wl[i] == (int)w) {
                all++;
                if (on[i]) front[k++] = &p[i];
            }
        qsort(front, k, sizeof *front, by_x);
        printf("\n");
        lp_diag_put_escaped(wnames[w], stdout);
        printf(": %zu run%s, %zu on the front\n  %14s  %14s  design\n", all, all == 1 ? "" : "s", k, xc, yc);
        for (size_t i = 0; i < k; i++) {
            printf("  %14.7g  %14.7g  ", front[i]->x, front[i]->y);
            lp_diag_put_escaped(front[i]->design, stdout);
            putchar('\n');
        }
    }
    free(front);
}

int cmd_pareto(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&pareto_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) return cli_print_help(&pareto_cmd, stdout), 0;
    const char *dbp = cli_get(&pareto_cmd, &a, "db"), *xv = cli_get(&pareto_cmd, &a, "x"),
               *yv = cli_get(&pareto_cmd, &a, "y"), *gv = cli_get(&pareto_cmd, &a, "group-by");
    if (!dbp) return cli_value_error(&pareto_cmd, &a, NULL, -1, &d, "'lpsim pareto' needs --db FILE"), cli_fail(&d);
    int mxi = find_metric(xv ? xv : "latency_ns"), myi = find_metric(yv ? yv : "energy_pj");
    if (mxi < 0 || myi < 0) {
        cli_value_error(&pareto_cmd, &a, mxi < 0 ? "x" : "y", 0, &d, "not a metric: %s (see lpsim pareto --help)",
                        mxi < 0 ? xv : yv);
        return cli_fail(&d);
    }
    if (!gv) gv = "unit_kind";
    if (!param_name_ok(gv)) {
        cli_value_error(&pareto_cmd, &a, "group-by", 0, &d,
                        "--group-by takes a column or a sweep parameter (letters, digits and ._[]-)");
        return cli_fail(&d);
    }
    rdb *db;
    if (rdb_open(dbp, RDB_READ, &db, &d)) return cli_fail_arg(&pareto_cmd, &a, "db", -1, &d);
    pt *p = NULL;
    size_t n = 0;
    int rc = 0;
    if (load_points(&a, db, metrics[mxi].col, metrics[myi].col, gv, &p, &n, &d)) {
        rc = runs_where_fail(&pareto_cmd, &a, &d);
        goto done;
    }
    if (!n) {
        lp_diag_init(&d, dbp);
        lp_diag_set(&d, LP_ERR_ARG, 1, 1, "no finished run with %s and %s%s", metrics[mxi].col, metrics[myi].col,
                    cli_get(&pareto_cmd, &a, "where") ? " where the expression holds" : "");
        rc = cli_fail(&d);
        goto done;
    }
    bool maxx = cli_get(&pareto_cmd, &a, "max-x") || metrics[mxi].larger,
         maxy = cli_get(&pareto_cmd, &a, "max-y") || metrics[myi].larger;
    int *wl = malloc(n * sizeof *wl), *grp = malloc(n * sizeof *grp);
    bool *on = calloc(n, sizeof *on);
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    const char **wnames = NULL, **gnames = calloc(n + 1, sizeof *gnames);
    size_t nw = wl && grp && on && xs && ys && gnames ? workloads_of(p, n, wl, &wnames) : 0;
    int ng = 0;
    for (size_t i = 0; nw && i < n; i++) { /* groups in order of first appearance */
        int g = 0;
        while (g < ng && strcmp(gnames[g], p[i].group)) g++;
        if (g == ng) gnames[ng++] = p[i].group;
        grp[i] = g;
    }
    for (size_t w = 0; nw && w < nw; w++) { /* each workload its own front */
        size_t k = 0;
        size_t *ix = malloc(n * sizeof *ix);
        bool *f = malloc(n * sizeof *f);
        if (!ix || !f) {
            free(ix), free(f);
            nw = 0;
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (wl[i] == (int)w) xs[k] = p[i].x, ys[k] = p[i].y, ix[k++] = i;
        pareto_front(xs, ys, k, maxx, maxy, f, NULL);
        for (size_t j = 0; j < k; j++) on[ix[j]] = f[j];
        free(ix), free(f);
    }
    if (!nw) {
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail_arg(&pareto_cmd, &a, "db", -1, &d);
    } else if (cli_get(&pareto_cmd, &a, "csv")) {
        printf("id,workload,group,on_front,%s,%s,design\n", metrics[mxi].col, metrics[myi].col);
        for (size_t i = 0; i < n; i++) {
            printf("%lld,", p[i].id);
            runs_csv_cell(wnames[wl[i]]);
            putchar(',');
            runs_csv_cell(p[i].group);
            printf(",%d,%.17g,%.17g,", on[i], p[i].x, p[i].y);
            runs_csv_cell(p[i].design);
            putchar('\n');
        }
    } else {
        printf("lpsim pareto: %zu run%s, %s against %s (", n, n == 1 ? "" : "s", metrics[myi].col, metrics[mxi].col);
        if (maxx == maxy)
            printf("%s is better", maxx ? "larger" : "smaller");
        else
            printf("%s %s, %s %s are better", maxx ? "larger" : "smaller", metrics[mxi].col,
                   maxy ? "larger" : "smaller", metrics[myi].col);
        printf("), one front per workload\n");
        print_table(p, n, on, wl, wnames, nw, metrics[mxi].col, metrics[myi].col);
    }
    static const char *const pics[] = {"png", "svg"};
    for (int k = 0; !rc && nw && k < 2; k++) {
        const char *out = cli_get(&pareto_cmd, &a, pics[k]);
        if (!out) continue;
        rc = draw(&a, p, n, on, wl, wnames, nw, gnames, ng, grp, &metrics[mxi], &metrics[myi], maxx, maxy, out, &d);
        if (!rc && nw > PARETO_MAX_PANELS)
            fprintf(stderr, "lpsim pareto: %zu workloads, the picture shows the first %d (use --where)\n", nw,
                    PARETO_MAX_PANELS);
        if (!rc && !cli_get(&pareto_cmd, &a, "csv")) printf("\npicture: %s\n", out);
    }
    free(wl), free(grp), free(on), free(xs), free(ys), free(wnames), free(gnames);
done:
    free_points(p, n);
    rdb_close(db);
    return rc;
}
