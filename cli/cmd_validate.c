/*
** cmd_validate.c — `lpsim validate`: measured latencies (results/validate.h
** reads them) against `lpsim run`'s predictions, per group: count, mean and
** median absolute percentage error, the fit and held-out halves, shapes off
** by more than 2x, the worst five; a CSV of every shape, a JSON summary, a
** log-log scatter plot with gnuplot (results/plot.c).
**
** SystemC elaborates and simulates once per process, so every prediction
** runs in a child process forked for it (cmd_run_predict, the code path of
** `lpsim run --timing-only`), --jobs at a time; the parent never simulates.
** A child sends its result through a pipe as one fixed-size message (under
** PIPE_BUF: written at once). Identical workloads are predicted once. A
** child that fails, exits without a result or dies of a signal makes the
** command report the first such shape in report order (deterministic
** whatever the --jobs: predictions start in that order and none starts
** after a failure) and exit 2.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "cli.h"
#include "predict.h"
#include "commands.h"
#include "lp_file.h"
#include "plot.h"
#include "val_graphs.h"
#include "validate.h"

static const cli_opt validate_opts[] = {
    {"data", "DIR",
     "the folder of gemm_latency.csv and attention_latency.csv (default: the build's " LP_PREDICT_DEFAULT_DATA ")"},
    {"arch", "ARCH", "the architecture to predict with: a preset or a YAML file (default: the preset named first)"},
    {"subset", "all|fit|held-out", "the shapes to predict and report: all (default), or one half of the split"},
    {"jobs", "N", "predictions at once, each in a process of its own (default: the online CPUs)"},
    {"csv", "OUT.csv", "write one row per shape: measured and predicted times, error, clock and power"},
    {"png", "OUT.png", "draw predicted against measured times, log-log, with the y=x line and the +-10% band"},
    {"json", NULL, "print the summary per group as one JSON object instead of the tables"},
    {"keep-going", NULL, "a failed prediction leaves its shapes out (the report names them) instead of stopping"},
    {"graphs", NULL,
     "whole graphs instead: DIR (default: the build's " LP_PREDICT_DEFAULT_GRAPHS ") holds mlir_index.csv and the "
     "graphs; each is predicted by lpsim predict, sequential and fused, against its measured median_us"},
};
static const cli_cmd validate_cmd = {
    "validate",
    "PRESET [--data DIR] [--arch ARCH] [--subset all|fit|held-out] [--jobs N] [--csv OUT.csv] [--png OUT.png] [--json] "
    "[--keep-going] [--graphs]",
    "Predicts measured latencies with `lpsim run`'s model and reports the errors. DIR holds\n"
    "gemm_latency.csv and attention_latency.csv (the layout of ../shared/data/h100_latency; either\n"
    "may be absent). A shape is what the rows of a group agree on apart from the run and the\n"
    "measured columns; its measured time is the lowest median_us of its rows. Each shape is\n"
    "predicted as `lpsim run --arch ARCH --workload SPEC --timing-only` would (gemm M= N= K= in=\n"
    "out=; attention kind=prefill seq= or kind=decode ctx=), identical workloads once. The report\n"
    "gives per group (gemm per format, attention per phase and backend) the shapes, the mean\n"
    "(MAPE) and median absolute percentage error, the largest, the shapes off by more than 2x,\n"
    "the MAPE of the fit and held-out halves (FNV-1a 64 of the shape's key: even fit, odd\n"
    "held out; docs/validation.md), and the five worst shapes. PRESET names the preset the data\n"
    "measure (h100); --arch predicts with another architecture, e.g. a calibrated copy.\n"
    "With --graphs, DIR holds mlir_index.csv (the layout of ../shared/data/mlir): each graph\n"
    "is predicted as `lpsim predict --arch ARCH FILE --json [--fuse]` would, and the report gives\n"
    "per graph the measured median_us and min_us, the predicted wall time sequential and fused\n"
    "with their errors, the fused wall time with the host terms (host_dispatch_ns, conv_call_ns)\n"
    "fitted on the other graphs (left out), the MAPE over the graphs measured above 200 us, and\n"
    "the host terms fitted on all graphs beside the architecture's (docs/costmodel.md).\n"
    "Exit status 0; 2 on bad input or a failed prediction (the shape's row and the error), or,\n"
    "with --keep-going, 1 when some shapes could not be predicted.",
    validate_opts,
    CLI_NOPTS(validate_opts),
    1,
    1};

/* ---- reports ----------------------------------------------------------------------------- */

static const char *kind_name(lp_val_kind k)
{
    return k == LP_VAL_GEMM ? "gemm" : k == LP_VAL_PREFILL ? "prefill" : "decode";
}

/* The group's format column: gemm "bf16->bf16" (with " fast_accum"), attention its dtype. */
static const char *format_of(const lp_val_group *g) { return g->kind == LP_VAL_GEMM ? g->name + 5 : g->in; }

static void print_pct(double v, int width)
{
    if (isnan(v))
        printf(" %*s", width, "-");
    else
        printf(" %*.2f", width, v);
}

static void print_summary_row(const char *name, const lp_val_summary *s)
{
    printf("  %-32s %6zu", name, s->n);
    print_pct(s->mape_pct, 8), print_pct(s->median_pct, 9), print_pct(s->max_pct, 8);
    printf(" %7zu %5zu", s->off_2x, s->n_fit);
    print_pct(s->fit_mape_pct, 10);
    printf(" %8zu", s->n_held_out);
    print_pct(s->held_out_mape_pct, 15);
    putchar('\n');
}

static void print_text(const lp_val_set *set, const lp_val_summary *sum, const lp_val_summary *all)
{
    int ng;
    const lp_val_group *g = lp_val_groups(&ng);
    printf("\n  %-32s %6s %8s %9s %8s %7s %5s %10s %8s %15s\n", "group", "shapes", "MAPE %", "median %", "max %",
           "off 2x", "fit", "fit MAPE %", "held-out", "held-out MAPE %");
    for (int i = 0; i < ng; i++)
        if (sum[i].n) print_summary_row(g[i].name, &sum[i]);
    print_summary_row("all", all);
    for (int i = 0; i < ng; i++) {
        if (!sum[i].n) continue;
        printf("\n  worst of %s:\n  %-44s %-8s %14s %14s %9s\n", g[i].name, "shape", "half", "predicted us",
               "measured us", "error %");
        for (int k = 0; k < sum[i].nworst; k++) {
            const lp_val_shape *sh = &set->shape[sum[i].worst[k]];
            printf("  %-44s %-8s %14.4f %14.4f %+9.2f\n", sh->key, sh->fit ? "fit" : "held-out", sh->predicted_us,
                   sh->measured_us, lp_val_error_pct(sh));
        }
    }
}

/* With --keep-going: per group, the shapes not predicted and the first one's
** workload and error. */
typedef struct failed_group {
    size_t n, first;
} failed_group;

static void failed_of(const lp_val_set *set, const lp_pred *p, const size_t *pred_of, const bool *sel, int group,
                      failed_group *f)
{
    f->n = 0, f->first = SIZE_MAX;
    for (size_t i = 0; i < set->n; i++)
        if (sel[i] && set->shape[i].group == group && p[pred_of[i]].failed) {
            if (!f->n++) f->first = i;
        }
}

static void print_failed(const lp_val_set *set, const lp_pred *p, const size_t *pred_of, const bool *sel)
{
    int ng;
    const lp_val_group *g = lp_val_groups(&ng);
    for (int i = 0; i < ng; i++) {
        failed_group f;
        failed_of(set, p, pred_of, sel, i, &f);
        if (!f.n) continue;
        const lp_val_shape *sh = &set->shape[f.first];
        printf("\n  not predicted: %s, %zu shape%s, the first (%s:%d) '%s': %s\n", g[i].name, f.n, f.n == 1 ? "" : "s",
               sh->file, sh->line, sh->spec, p[pred_of[f.first]].why);
    }
}

static json_t *json_pct(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *json_summary(const lp_val_set *set, const lp_val_summary *s)
{
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:I, s:o}", "shapes", (json_int_t)s->n, "mape_pct",
                          json_pct(s->mape_pct), "median_pct", json_pct(s->median_pct), "max_pct", json_pct(s->max_pct),
                          "off_2x", (json_int_t)s->off_2x, "fit_shapes", (json_int_t)s->n_fit, "fit_mape_pct",
                          json_pct(s->fit_mape_pct), "held_out_shapes", (json_int_t)s->n_held_out, "held_out_mape_pct",
                          json_pct(s->held_out_mape_pct));
    json_t *w = json_array();
    for (int k = 0; o && w && k < s->nworst; k++) {
        const lp_val_shape *sh = &set->shape[s->worst[k]];
        json_t *e = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "shape", sh->key, "spec", sh->spec, "half",
                              sh->fit ? "fit" : "held-out", "predicted_us", sh->predicted_us, "measured_us",
                              sh->measured_us, "error_pct", lp_val_error_pct(sh));
        if (!e || json_array_append_new(w, e)) return json_decref(o), json_decref(w), NULL;
    }
    if (!o || !w || json_object_set_new(o, "worst", w)) return json_decref(o), NULL;
    return o;
}

/* The summary: {"arch", "data", "subset", "predictions", "groups": {NAME:
** figures, ...} in report order, "all": figures, "not_predicted": {NAME:
** {"shapes", "first_spec", "error"}, ...}}. */
static int print_json(const lp_val_set *set, const lp_val_summary *sum, const lp_val_summary *all, const lp_pred *p,
                      const size_t *pred_of, const bool *sel, const char *arch, const char *dir, const char *subset,
                      size_t npred)
{
    int ng;
    const lp_val_group *g = lp_val_groups(&ng);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "arch", arch, "data", dir, "subset", subset, "predictions",
                          (json_int_t)npred),
           *groups = json_object();
    bool ok = o && groups;
    for (int i = 0; ok && i < ng; i++)
        if (sum[i].n) ok = !json_object_set_new(groups, g[i].name, json_summary(set, &sum[i]));
    ok = ok && !json_object_set_new(o, "groups", groups);
    groups = NULL;
    ok = ok && !json_object_set_new(o, "all", json_summary(set, all));
    json_t *nf = json_object();
    ok = ok && nf && !json_object_set_new(o, "not_predicted", nf);
    for (int i = 0; ok && i < ng; i++) {
        failed_group f;
        failed_of(set, p, pred_of, sel, i, &f);
        if (f.n)
            ok = !json_object_set_new(nf, g[i].name,
                                      json_pack("{s:I, s:s, s:s}", "shapes", (json_int_t)f.n, "first_spec",
                                                set->shape[f.first].spec, "error", p[pred_of[f.first]].why));
    }
    ok = ok && !json_dumpf(o, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(o), json_decref(groups);
    return ok ? 0 : -1;
}

static lp_status write_csv(const lp_val_set *set, const char *path, lp_diag *d)
{
    int ng;
    const lp_val_group *g = lp_val_groups(&ng);
    lp_out o = {0};
    lp_status st = lp_out_open(&o, path, d);
    if (st) return st;
    fprintf(o.f,
            "group,kind,format,backend,shape_key,spec,half,measured_us,predicted_us,error_pct,clock_ghz,power_w\n");
    for (size_t i = 0; i < set->n; i++) {
        const lp_val_shape *sh = &set->shape[i];
        if (isnan(sh->predicted_us)) continue;
        const lp_val_group *gr = &g[sh->group];
        fprintf(o.f, "%s,%s,%s,%s,%s,%s,%s,%.10g,%.10g,%.6f,%.6g,%.6g\n", gr->name, kind_name(sh->kind), format_of(gr),
                gr->backend, sh->key, sh->spec, sh->fit ? "fit" : "held-out", sh->measured_us, sh->predicted_us,
                lp_val_error_pct(sh), sh->clock_ghz, sh->power_w);
    }
    return lp_out_commit(&o, d);
}

/* Predicted against measured, log-log: one data file (and colour) per kind,
** y = x and the +-10% band as lines. d holds an unplaced message on failure. */
static lp_status draw(const lp_val_set *set, const char *arch, const char *out, lp_diag *d)
{
    static const char *const titles[] = {"gemm", "attention prefill", "attention decode"};
    static const char *const colours[] = {"#4477aa", "#cc6677", "#228833"};
    lp_plot pl;
    const char *data[3] = {NULL, NULL, NULL};
    double lo = INFINITY, hi = 0;
    if (lp_plot_open(&pl, ".png", d)) return d->status;
    for (int k = 0; k < 3; k++) {
        FILE *f = NULL;
        for (size_t i = 0; i < set->n; i++) {
            const lp_val_shape *sh = &set->shape[i];
            if ((int)sh->kind != k || isnan(sh->predicted_us) || !(sh->predicted_us > 0)) continue;
            if (!f && !(f = lp_plot_data(&pl, &data[k], d))) return lp_plot_discard(&pl), d->status;
            fprintf(f, "%.10g %.10g\n", sh->measured_us, sh->predicted_us);
            lo = fmin(lo, fmin(sh->measured_us, sh->predicted_us));
            hi = fmax(hi, fmax(sh->measured_us, sh->predicted_us));
        }
        if (f && (ferror(f) | fclose(f))) {
            lp_plot_discard(&pl);
            return lp_diag_msg(d, LP_ERR_IO, "cannot write a temporary file");
        }
    }
    if (!(hi > 0)) {
        lp_plot_discard(&pl);
        return lp_diag_msg(d, LP_ERR_ARG, "no positive prediction to draw");
    }
    lo = pow(10, floor(log10(lo))), hi = pow(10, ceil(log10(hi))); /* whole decades */
    if (hi <= lo) hi = 10 * lo;
    FILE *gp = pl.script;
    char title[300];
    snprintf(title, sizeof title, "lpsim validate: %s predicted against measured", arch);
    lp_plot_loglog(&pl, title, "measured (us)", "predicted (us)", lo, hi);
    for (int k = 0; k < 3; k++) {
        if (!data[k]) continue;
        lp_plot_quote(gp, data[k]);
        fprintf(gp, " using 1:2 with points pt 7 ps 0.8 lc rgb '%s' title '%s', ", colours[k], titles[k]);
    }
    fprintf(gp, "x with lines lc rgb '#333333' dt 1 title 'y = x', 1.1*x with lines lc rgb '#999999' dt 2 "
                "title '+-10%%', 0.9*x with lines lc rgb '#999999' dt 2 notitle\n");
    return lp_plot_run(&pl, out, d);
}

/* ---- the command ------------------------------------------------------------------------ */

/* The positional argument names a preset; --arch (or it) loads. */
static lp_status check_arch(const cli_args *a, const char **arch, char *name, size_t n, lp_diag *d)
{
    const char *preset = a->pos[0], *p;
    bool known = false;
    char list[200] = "";
    size_t len = 0;
    for (int i = 0; (p = arch_preset_name(i)) != NULL; i++) {
        known = known || !strcmp(p, preset);
        if (len < sizeof list) len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", p);
    }
    if (!known)
        return cli_value_error(&validate_cmd, a, NULL, 0, d,
                               "'%s' is not a preset (%s); an architecture file goes in --arch FILE", preset, list);
    *arch = cli_get(&validate_cmd, a, "arch");
    if (!*arch) *arch = preset;
    arch_cfg *cfg;
    if (arch_load(*arch, &cfg, d)) {
        if (d->line == 0) cli_place_arg(&validate_cmd, a, cli_get(&validate_cmd, a, "arch") ? "arch" : NULL, 0, d);
        return d->status;
    }
    snprintf(name, n, "%s", cfg->name);
    arch_free(cfg);
    return LP_OK;
}

/* An unplaced error about the data folder: at --data, or, for the default,
** just past the command line with the folder named. */
static int fail_data(const cli_args *a, const char *dir, lp_diag *d)
{
    if (d->line > 0) return cli_fail(d);
    if (cli_get(&validate_cmd, a, "data")) return cli_fail_arg(&validate_cmd, a, "data", 0, d);
    char msg[LP_DIAG_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", d->msg);
    lp_diag_init(d, "<command-line>");
    int col = cli_arg_col(a->argv, a->argc - 1) + (int)strlen(a->argv[a->argc - 1]);
    lp_diag_set(d, LP_ERR_IO, 1, col, "'%s' (the default --data): %s", dir, msg);
    return cli_fail(d);
}

static lp_status parse_options(const cli_args *a, long *jobs, int *subset, lp_diag *d)
{
    if (cli_get_long(&validate_cmd, a, "jobs", 1, LP_PREDICT_MAX_JOBS, lp_predict_default_jobs(), jobs, d))
        return d->status;
    const char *sv = cli_get(&validate_cmd, a, "subset");
    *subset = !sv || !strcmp(sv, "all") ? 0 : !strcmp(sv, "fit") ? 1 : !strcmp(sv, "held-out") ? 2 : -1;
    if (*subset < 0)
        return cli_value_error(&validate_cmd, a, "subset", 0, d, "--subset takes all, fit or held-out, not '%s'", sv);
    const char *png = cli_get(&validate_cmd, a, "png");
    size_t pl = png ? strlen(png) : 0;
    if (png && !(pl > 4 && !strcmp(png + pl - 4, ".png")))
        return cli_value_error(&validate_cmd, a, "png", 0, d, "the picture must end in .png");
    return LP_OK;
}

/* ---- whole graphs (--graphs) ------------------------------------------------------------ */

/* "model sizes dtype" of a graph, as the index writes them. */
static void graph_name(const lp_graph *g, char *buf, size_t n)
{
    snprintf(buf, n, "%s %s %s", g->model, g->sizes, g->dtype);
}

static double num_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Predict graph g of the index in dir on arch, sequential and fused; false with why on failure. */
static bool predict_graph(const char *arch, const char *dir, lp_graph *g, char *why, size_t n)
{
    bool absolute = g->file[0] == '/';
    size_t len = strlen(dir) + strlen(g->file) + 2;
    char *path = malloc(len);
    if (!path) return snprintf(why, n, "out of memory"), false;
    snprintf(path, len, "%s%s%s", absolute ? "" : dir, absolute ? "" : "/", g->file);
    json_t *seq = lp_predict_graph(arch, path, false, why, n),
           *fused = seq ? lp_predict_graph(arch, path, true, why, n) : NULL;
    free(path);
    bool ok = seq && fused;
    if (ok) {
        g->seq_ns = num_at(seq, "latency_ns"), g->seq_wall_ns = num_at(seq, "wall_ns");
        g->fused_ns = num_at(fused, "latency_ns"), g->fused_wall_ns = num_at(fused, "wall_ns");
        double convs = num_at(json_object_get(fused, "counts"), "conv");
        g->convs = isnan(convs) ? -1 : (int)convs;
        ok = !isnan(g->seq_ns) && !isnan(g->seq_wall_ns) && !isnan(g->fused_ns) && !isnan(g->fused_wall_ns) &&
             g->convs >= 0;
        if (!ok) snprintf(why, n, "its JSON report lacks latency_ns, wall_ns or counts.conv");
    }
    json_decref(seq), json_decref(fused);
    if (!ok) g->seq_ns = g->fused_ns = g->seq_wall_ns = g->fused_wall_ns = NAN, g->convs = -1;
    return ok;
}

static void print_graph_pct(double v) { isnan(v) ? printf(" %8s", "-") : printf(" %+8.1f", v); }

/* A figure with its format, or "-" when it is NAN (nothing fixes it). */
static const char *fig(double v, const char *fmt, char *buf, size_t n)
{
    if (isnan(v)) return "-";
    snprintf(buf, n, fmt, v);
    return buf;
}

static void print_graphs(const lp_graph_set *s, const double *loo, const lp_graph_fit *fit, const arch_cfg *cfg,
                         const lp_graph_summary *sum)
{
    char b[6][32];
    printf("  host terms of %s: host_dispatch_ns %.0f, conv_call_ns %.0f; fitted on these graphs: %s (median of %zu "
           "graphs), %s (median of %zu)\n\n",
           cfg->name, cfg->host_dispatch_ns, cfg->conv_call_ns, fig(fit->host_dispatch_ns, "%.0f", b[0], 32),
           fit->n_host, fig(fit->conv_call_ns, "%.0f", b[1], 32), fit->n_conv);
    printf("  %-52s %9s %9s %5s | %10s %8s | %10s %8s %10s | %10s %8s\n", "graph", "measured", "min", "convs",
           "sequential", "error %", "fused", "error %", "device", "left out", "error %");
    for (size_t i = 0; i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        char name[200];
        graph_name(g, name, sizeof name);
        printf("  %-52.52s %9.2f %9.2f", name, g->median_us, g->min_us);
        if (isnan(g->fused_ns)) {
            printf(" %5s | not predicted\n", "-");
            continue;
        }
        printf(" %5d | %10.1f", g->convs, g->seq_wall_ns / 1e3);
        print_graph_pct(lp_graph_error_pct(g->seq_wall_ns, g->median_us));
        printf(" | %10.1f", g->fused_wall_ns / 1e3);
        print_graph_pct(lp_graph_error_pct(g->fused_wall_ns, g->median_us));
        printf(" %10.1f | ", g->fused_ns / 1e3);
        isnan(loo[i]) ? printf("%10s", "-") : printf("%10.1f", loo[i] / 1e3);
        print_graph_pct(lp_graph_error_pct(loo[i], g->median_us));
        putchar('\n');
    }
    printf("\n  (microseconds: wall times; device: the fused latency without the host terms)\n");
    printf("  MAPE over the %zu graphs measured above %.0f us: sequential %s %%, fused %s %% (largest %s %%), fused "
           "with the host terms left out %s %%\n",
           sum->big, LP_GRAPH_BIG_US, fig(sum->seq_mape_pct, "%.1f", b[2], 32),
           fig(sum->fused_mape_pct, "%.1f", b[3], 32), fig(sum->fused_max_pct, "%.1f", b[4], 32),
           fig(sum->loo_mape_pct, "%.1f", b[5], 32));
}

static json_t *json_num(double v) { return isnan(v) ? json_null() : json_real(v); }

/* The report as one object: {"arch", "data" (the index), "predicted", "above_200us": {"graphs",
** "sequential_mape_pct", "fused_mape_pct", "fused_max_pct", "left_out_mape_pct"}, "fit":
** {"host_dispatch_ns", "host_graphs", "conv_call_ns", "conv_graphs"}, "arch_terms":
** {"host_dispatch_ns", "conv_call_ns"}, "graphs": [one per row of the index]}; null where
** nothing fixes a figure. */
static int print_graphs_json(const lp_graph_set *s, const double *loo, const lp_graph_fit *fit, const arch_cfg *cfg,
                             const lp_graph_summary *sum)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:o, s:o, s:o}", "arch", cfg->name, "data", s->path, "predicted", (json_int_t)sum->predicted,
        "above_200us",
        json_pack("{s:I, s:o, s:o, s:o, s:o}", "graphs", (json_int_t)sum->big, "sequential_mape_pct",
                  json_num(sum->seq_mape_pct), "fused_mape_pct", json_num(sum->fused_mape_pct), "fused_max_pct",
                  json_num(sum->fused_max_pct), "left_out_mape_pct", json_num(sum->loo_mape_pct)),
        "fit",
        json_pack("{s:o, s:I, s:o, s:I}", "host_dispatch_ns", json_num(fit->host_dispatch_ns), "host_graphs",
                  (json_int_t)fit->n_host, "conv_call_ns", json_num(fit->conv_call_ns), "conv_graphs",
                  (json_int_t)fit->n_conv),
        "arch_terms",
        json_pack("{s:f, s:f}", "host_dispatch_ns", cfg->host_dispatch_ns, "conv_call_ns", cfg->conv_call_ns));
    json_t *gs = json_array();
    bool ok = o && gs && !json_object_set_new(o, "graphs", gs);
    for (size_t i = 0; ok && i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        json_t *e = json_pack(
            "{s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:b, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "file", g->file,
            "model", g->model, "sizes", g->sizes, "dtype", g->dtype, "line", g->line, "measured_us", g->median_us,
            "min_us", g->min_us, "predicted", !isnan(g->fused_ns), "convs", g->convs, "device_seq_us",
            json_num(g->seq_ns / 1e3), "device_fused_us", json_num(g->fused_ns / 1e3), "sequential_us",
            json_num(g->seq_wall_ns / 1e3), "sequential_error_pct",
            json_num(lp_graph_error_pct(g->seq_wall_ns, g->median_us)), "fused_us", json_num(g->fused_wall_ns / 1e3),
            "fused_error_pct", json_num(lp_graph_error_pct(g->fused_wall_ns, g->median_us)), "left_out_us",
            json_num(loo[i] / 1e3), "left_out_error_pct", json_num(lp_graph_error_pct(loo[i], g->median_us)));
        ok = e && !json_array_append_new(gs, e);
    }
    if (!o && gs) json_decref(gs);
    ok = ok && !json_dumpf(o, stdout, JSON_INDENT(1)) && putchar('\n') != EOF;
    json_decref(o);
    return ok ? 0 : -1;
}

static lp_status write_graphs_csv(const lp_graph_set *s, const double *loo, const char *path, lp_diag *d)
{
    lp_out o = {0};
    lp_status st = lp_out_open(&o, path, d);
    if (st) return st;
    fprintf(o.f, "file,model,sizes,dtype,measured_us,min_us,convs,device_seq_us,device_fused_us,sequential_us,"
                 "sequential_error_pct,fused_us,fused_error_pct,left_out_us,left_out_error_pct\n");
    for (size_t i = 0; i < s->n; i++) {
        const lp_graph *g = &s->g[i];
        if (isnan(g->fused_ns)) continue;
        fprintf(o.f, "%s,%s,%s,%s,%.10g,%.10g,%d,%.10g,%.10g,%.10g,%.6f,%.10g,%.6f,%.10g,%.6f\n", g->file, g->model,
                g->sizes, g->dtype, g->median_us, g->min_us, g->convs, g->seq_ns / 1e3, g->fused_ns / 1e3,
                g->seq_wall_ns / 1e3, lp_graph_error_pct(g->seq_wall_ns, g->median_us), g->fused_wall_ns / 1e3,
                lp_graph_error_pct(g->fused_wall_ns, g->median_us), loo[i] / 1e3,
                lp_graph_error_pct(loo[i], g->median_us));
    }
    return lp_out_commit(&o, d);
}

/* lpsim validate PRESET --graphs: the index read, every graph predicted in index order (a
** failure stops the command at its row unless --keep-going), the report. */
static int validate_graphs(const cli_args *a, const char *arch)
{
    static const char *const refused[] = {"subset", "png", "jobs"};
    lp_diag d;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (cli_get(&validate_cmd, a, refused[i])) {
            cli_value_error(&validate_cmd, a, refused[i], -1, &d, "--%s applies to latencies, not to --graphs",
                            refused[i]);
            return cli_fail(&d);
        }
    arch_cfg *cfg;
    if (arch_load(arch, &cfg, &d)) return cli_fail(&d); /* check_arch loaded it already */
    const char *dir = cli_get(&validate_cmd, a, "data");
    if (!dir) dir = LP_PREDICT_DEFAULT_GRAPHS;
    lp_graph_set set;
    int rc = 2;
    double *loo = NULL;
    if (lp_graph_read(dir, &set, &d)) {
        rc = d.line > 0 ? cli_fail(&d) : fail_data(a, dir, &d);
        goto free_set;
    }
    bool keep_going = cli_get(&validate_cmd, a, "keep-going") != NULL, failed = false;
    for (size_t i = 0; i < set.n; i++) {
        char why[700];
        if (predict_graph(arch, dir, &set.g[i], why, sizeof why)) continue;
        lp_diag_init(&d, set.path);
        lp_diag_set(&d, LP_ERR_ARG, set.g[i].line, 1, "predicting '%s' on %s failed: %s", set.g[i].file, cfg->name,
                    why);
        cli_fail(&d);
        if (!keep_going) goto free_set;
        failed = true;
    }
    lp_graph_fit fit;
    lp_graph_summary sum;
    if (!(loo = malloc((set.n ? set.n : 1) * sizeof *loo)) || lp_graph_fit_terms(&set, SIZE_MAX, &fit) ||
        lp_graph_summarize(&set, &sum))
        goto nomem;
    for (size_t i = 0; i < set.n; i++)
        if (lp_graph_loo_ns(&set, i, &loo[i])) goto nomem;
    if (cli_get(&validate_cmd, a, "json")) {
        if (print_graphs_json(&set, loo, &fit, cfg, &sum)) goto nomem;
    } else {
        printf("lpsim validate: ");
        lp_diag_put_escaped(cfg->name, stdout);
        printf(" against ");
        lp_diag_put_escaped(set.path, stdout);
        printf(": %zu graphs, %zu predicted by lpsim predict, sequential and fused\n", set.n, sum.predicted);
        print_graphs(&set, loo, &fit, cfg, &sum);
    }
    const char *csv = cli_get(&validate_cmd, a, "csv");
    if (csv && write_graphs_csv(&set, loo, csv, &d)) {
        cli_fail_arg(&validate_cmd, a, "csv", 0, &d);
        goto free_set;
    }
    rc = failed ? 1 : 0;
    goto free_set;
nomem:
    lp_diag_init(&d, "<stdout>");
    lp_diag_set(&d, LP_ERR_NOMEM, 1, 1, "out of memory, or stdout cannot be written");
    cli_fail(&d);
free_set:
    free(loo);
    lp_graph_set_free(&set);
    arch_free(cfg);
    return rc;
}

int cmd_validate(int argc, char **argv, int first)
{
    static const char *const subsets[] = {"all", "fit", "held-out"};
    cli_args a;
    lp_diag d;
    if (cli_parse(&validate_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&validate_cmd, stdout);
        return 0;
    }
    const char *arch = NULL;
    char arch_name[128];
    long jobs = 1;
    int subset = 0;
    if (check_arch(&a, &arch, arch_name, sizeof arch_name, &d)) return cli_fail(&d);
    if (cli_get(&validate_cmd, &a, "graphs")) return validate_graphs(&a, arch);
    if (parse_options(&a, &jobs, &subset, &d)) return cli_fail(&d);
    const char *dir = cli_get(&validate_cmd, &a, "data");
    if (!dir) dir = LP_PREDICT_DEFAULT_DATA;
    lp_val_set set;
    if (lp_val_read(dir, &set, &d)) {
        int rc = fail_data(&a, dir, &d);
        lp_val_set_free(&set);
        return rc;
    }
    int rc = 2;
    bool *sel = calloc(set.n ? set.n : 1, sizeof *sel);
    size_t *pred_of = calloc(set.n ? set.n : 1, sizeof *pred_of), nsel = 0, npred = 0;
    lp_pred *p = NULL;
    lp_val_summary *sum = NULL;
    if (!sel || !pred_of) goto nomem;
    for (size_t i = 0; i < set.n; i++) nsel += sel[i] = subset == 0 || set.shape[i].fit == (subset == 1);
    if (!nsel) {
        cli_value_error(&validate_cmd, &a, "subset", 0, &d, "no shape of the data falls in the %s half",
                        subsets[subset]);
        cli_fail(&d);
        goto free_all;
    }
    if (!(p = lp_pred_distinct(&set, sel, pred_of, &npred))) goto nomem;
    bool keep_going = cli_get(&validate_cmd, &a, "keep-going") != NULL;
    size_t bad = lp_predict_all(arch, p, npred, jobs, keep_going);
    if (bad < npred && !keep_going) {
        const lp_val_shape *sh = &set.shape[p[bad].shape];
        lp_diag_init(&d, sh->file);
        lp_diag_set(&d, LP_ERR_ARG, sh->line, 1, "predicting '%s' on %s failed: %s", sh->spec, arch_name, p[bad].why);
        cli_fail(&d);
        goto free_all;
    }
    for (size_t i = 0; i < set.n; i++) {
        if (!sel[i] || p[pred_of[i]].failed) continue;
        const lp_pred_msg *m = &p[pred_of[i]].res;
        set.shape[i].predicted_us = m->run.latency_ns / 1000, set.shape[i].clock_ghz = m->run.clock_ghz;
        set.shape[i].power_w = m->run.power_w;
    }
    int ng;
    lp_val_groups(&ng);
    lp_val_summary all;
    if (!(sum = calloc((size_t)ng, sizeof *sum))) goto nomem;
    for (int i = 0; i < ng; i++)
        if (lp_val_summarize(&set, i, &sum[i])) goto nomem;
    if (lp_val_summarize(&set, -1, &all)) goto nomem;
    bool json = cli_get(&validate_cmd, &a, "json") != NULL;
    if (json) {
        if (print_json(&set, sum, &all, p, pred_of, sel, arch_name, dir, subsets[subset], npred)) goto nomem;
    } else {
        printf("lpsim validate: ");
        lp_diag_put_escaped(arch_name, stdout);
        printf(" against ");
        lp_diag_put_escaped(dir, stdout);
        printf(": %zu shapes (subset %s), %zu predictions\n", nsel, subsets[subset], npred);
        print_text(&set, sum, &all);
        print_failed(&set, p, pred_of, sel);
    }
    const char *csv = cli_get(&validate_cmd, &a, "csv"), *png = cli_get(&validate_cmd, &a, "png");
    if (csv && write_csv(&set, csv, &d)) {
        cli_fail_arg(&validate_cmd, &a, "csv", 0, &d);
        goto free_all;
    }
    lp_diag why;
    lp_diag_init(&why, NULL);
    if (png && draw(&set, arch_name, png, &why)) {
        cli_value_error(&validate_cmd, &a, "png", 0, &d, "%s", why.msg);
        cli_fail(&d);
        goto free_all;
    }
    rc = bad < npred ? 1 : 0;
    goto free_all;
nomem:
    lp_diag_init(&d, "<stdout>");
    lp_diag_set(&d, LP_ERR_NOMEM, 1, 1, "out of memory");
    cli_fail(&d);
free_all:
    free(p), free(sel), free(pred_of), free(sum);
    lp_val_set_free(&set);
    return rc;
}
