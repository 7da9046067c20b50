/*
** cmd_calibrate.c — `lpsim calibrate`: the physical parameters of a
** whole-chip preset fitted to measured latencies of the shared layout
** (results/validate.h reads them), by least squares (GSL) against `lpsim
** run`'s own model, and the preset written back with each fitted value and
** the data that fixed it (docs/validation.md).
**
** Only GEMM shapes of the chosen half (by default the fit half of the fixed
** split; the held-out half and every attention shape stay unseen) take part:
**   static_w      the median board power of the idle nvidia-smi samples
**                 (utilisation 0 %) beside the measurements;
**   dram.bandwidth_gbps  the achievable bandwidth: the best median of the
**                 device-to-device copies in peak_bandwidth.csv;
**   l2.bandwidth_gbps, launch_ns (and kernel_gap_ns when some shape runs
**                 two kernels)  for each L2 bandwidth of a grid (8 to 28
**                 TB/s): the launch by weighted least squares (relative
**                 residuals) over the memory-bound GEMMs (M <= 16), measured
**                 - the model's time without launches = launch + gap *
**                 (kernels - 1); the pair whose predictions of the GEMMs with
**                 M >= 512 that ran below the cap (sm_mhz read after them >=
**                 1900) have the least MAPE wins;
**   energy_pj_per_mac of each format  least squares through the origin over
**                 the GEMMs that ran at the cap (sm_mhz < 1900 and at least
**                 300 us): at the cap a kernel's time is its energy over
**                 (cap_w - static_w), so (measured - launch - gaps) * (cap -
**                 static) - the model's other energy = e * MACs.
** The energies and the rest depend on each other: both fits run twice (the
** second pass from the first's values).
** Each model evaluation is a prediction per shape in a child process
** (predict.h), --jobs at a time. Lines of values the data did not fix stay
** as they were.
*/
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkstemps */
#include <errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "cli.h"
#include "commands.h"
#include "lp_csv.h"
#include "lp_file.h"
#include "predict.h"
#include "tc.h"
#include "units.h"
#include "validate.h"

#define CAP_MHZ 1900  /* a clock read below this after a measurement: the GPU was at its power cap */
#define CAP_US 300    /* and the measurement long enough for the cap to act */
#define MEM_M 16      /* GEMMs with M at most this are memory-bound */
#define L2_M 512      /* GEMMs with M at least this weigh the L2 */
#define MAX_FORMATS 8 /* matrix formats fitted */

static const cli_opt calibrate_opts[] = {
    {"data", "DIR", "folder of the measurements (default: h100_latency in the reference data)"},
    {"arch", "ARCH", "architecture to start from: a preset or a YAML file (default: the preset named)"},
    {"subset", "fit|all", "GEMM shapes fitted on: the fit half of the fixed split (default) or all"},
    {"out", "FILE.yaml", "write the calibrated architecture here (default: standard output)"},
    {"jobs", "N", "predictions run at once (default: the online CPUs)"},
};
static const cli_cmd calibrate_cmd = {
    "calibrate",
    "PRESET [--data DIR] [--arch ARCH] [--subset fit|all] [--out FILE.yaml] [--jobs N]",
    "Fits the physical parameters of a whole-chip architecture (PRESET, or --arch) to the GEMM\n"
    "latencies measured on it (DIR/gemm_latency.csv, as `lpsim validate` reads) and writes the\n"
    "architecture back with the fitted values, each line saying what data fixed it: the static\n"
    "power (idle nvidia-smi samples in DIR), the achievable DRAM bandwidth (the copies of\n"
    "DIR/peak_bandwidth.csv), the launch time (least squares over memory-bound GEMMs), the L2's\n"
    "effective bandwidth (grid search), the energy per MAC of each format (least squares over\n"
    "GEMMs at the power cap).\n"
    "Every fit compares measurements with `lpsim run`'s model itself, simulated in child\n"
    "processes. Only the fit half of the shapes is used unless --subset all, so that\n"
    "`lpsim validate --subset held-out` reports an error on shapes the fit never saw; attention\n"
    "shapes are never used. docs/validation.md gives the method. The architecture needs a\n"
    "power: section with cap_w (the cap the measurements ran under).",
    calibrate_opts,
    CLI_NOPTS(calibrate_opts),
    1,
    1};

/* The fitted values. */
typedef struct params {
    double launch_ns, gap_ns, dram_gbps, l2_gbps, static_w;
    int nfmt;
    char fmt[MAX_FORMATS][24];
    double e_mac[MAX_FORMATS];
    char why[5 + MAX_FORMATS][160]; /* what fixed each: launch, gap, dram, l2, static, formats */
    bool fitted[5 + MAX_FORMATS];   /* the data fixed it (else its line stays as it was) */
} params;

enum { W_LAUNCH, W_GAP, W_DRAM, W_L2, W_STATIC, W_FMT };

/* ---- the architecture's text with the values set ------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static bool put(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n + 1) cap *= 2;
        char *g = realloc(t->s, cap);
        if (!g) return false;
        t->s = g, t->cap = cap;
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = 0;
    return true;
}

/* Where line [b, e) sets key of section sec ("" at the top; cur: the
** section the line is in): the key's column, or -1. */
static int key_at(const char *b, const char *e, const char *cur, const char *sec, const char *key)
{
    size_t kl = strlen(key);
    const char *p = b;
    while (p < e && *p == ' ') p++;
    bool top = p == b;
    if (*sec ? top || strcmp(cur, sec) : !top) return -1;
    return (size_t)(e - p) > kl && !strncmp(p, key, kl) && p[kl] == ':' ? (int)(p - b) : -1;
}

/* The format a "- {format: NAME, ...}" line names into f (empty if none). */
static void format_of_line(const char *b, const char *e, char *f, size_t n)
{
    f[0] = 0;
    const char *p = b;
    while (p < e && (*p == ' ' || *p == '-' || *p == '{')) p++;
    if ((size_t)(e - p) < 8 || strncmp(p, "format:", 7)) return;
    p += 7;
    while (p < e && *p == ' ') p++;
    size_t k = 0;
    while (p < e && *p != ',' && *p != '}' && *p != ' ' && k + 1 < n) f[k++] = *p++;
    f[k] = 0;
}

/* Append "KEY: VALUE  # fitted (lpsim calibrate): WHY" at the line's indent. */
static bool put_value(text *t, int indent, const char *key, double v, const char *why)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%*s%s: %.6g", indent, "", key, v);
    int pad = n < 32 ? 32 - n : 1;
    n += snprintf(line + n, sizeof line - (size_t)n, "%*s# lpsim calibrate: %s\n", pad, "", why);
    return put(t, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* base with the values of p: every value (for the model to run on it), or
** when final only those the data fixed (the others' lines as they were).
** NULL (*missing: the key not found) or out of memory (*missing NULL). */
static char *render(const char *base, const params *p, bool final, const char **missing)
{
    static const struct {
        const char *sec, *key;
        int why;
    } keys[] = {{"", "launch_ns", W_LAUNCH},
                {"", "kernel_gap_ns", W_GAP},
                {"dram", "bandwidth_gbps", W_DRAM},
                {"l2", "bandwidth_gbps", W_L2},
                {"power", "static_w", W_STATIC}};
    enum { NKEYS = 5 };
    bool done[NKEYS + MAX_FORMATS] = {0};
    text t = {0};
    char cur[64] = "";
    *missing = NULL;
    for (const char *b = base; *b;) {
        const char *e = strchr(b, '\n'), *next = e ? e + 1 : b + strlen(b);
        if (!e) e = next;
        if (*b != ' ' && *b != '#' && *b != '\n') { /* a top-level key: the section it opens */
            size_t k = 0;
            while (b + k < e && b[k] != ':' && k + 1 < sizeof cur) k++;
            memcpy(cur, b, k), cur[k] = 0;
        }
        bool set = false;
        for (int i = 0; i < NKEYS && !set; i++) {
            int col = key_at(b, e, cur, keys[i].sec, keys[i].key);
            double v = i == 0   ? p->launch_ns
                       : i == 1 ? p->gap_ns
                       : i == 2 ? p->dram_gbps
                       : i == 3 ? p->l2_gbps
                                : p->static_w;
            if (col >= 0 && !done[i]) {
                bool fit = !final || p->fitted[keys[i].why]; /* else the line stays as it is */
                if (fit && !put_value(&t, col, keys[i].key, v, p->why[keys[i].why])) goto nomem;
                set = fit;
                done[i] = true;
            }
        }
        char f[24];
        format_of_line(b, e, f, sizeof f);
        for (int k = 0; k < p->nfmt && !set && !strcmp(cur, "matrix"); k++) {
            const char *at = strstr(b, "energy_pj_per_mac:");
            if (strcmp(f, p->fmt[k]) || !at || at >= e || done[NKEYS + k]) continue;
            if (final && !p->fitted[W_FMT + k]) {
                done[NKEYS + k] = true;
                continue;
            }
            const char *close = memchr(at, '}', (size_t)(e - at));
            if (!close) continue;
            char mid[96], line[512];
            snprintf(mid, sizeof mid, "energy_pj_per_mac: %.4g", p->e_mac[k]);
            int n = snprintf(line, sizeof line, "%.*s%s%.*s  # lpsim calibrate: %s\n", (int)(at - b), b, mid, 1, close,
                             p->why[W_FMT + k]);
            if (!put(&t, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1)) goto nomem;
            done[NKEYS + k] = set = true;
        }
        if (!set && !put(&t, b, (size_t)(next - b))) goto nomem;
        b = next;
    }
    for (int i = 0; i < NKEYS; i++)
        if (!done[i]) *missing = keys[i].key;
    for (int k = 0; k < p->nfmt; k++)
        if (!done[NKEYS + k]) *missing = p->fmt[k];
    if (*missing) {
        free(t.s);
        return NULL;
    }
    return t.s;
nomem:
    free(t.s);
    return NULL;
}

/* ---- the model over a selection of shapes ------------------------------------------------- */

typedef struct ctx {
    lp_val_set *set;
    const char *base; /* the architecture's text */
    char path[288];   /* a temporary file holding the architecture being fitted */
    long jobs;
    size_t *pred_of;
    lp_run_pred *r; /* per shape, after evaluate() */
    lp_diag *d;
} ctx;

/* Predict the selected shapes with the architecture of p into c->r. */
static lp_status evaluate(ctx *c, const params *p, const bool *sel)
{
    const char *missing;
    char *yaml = render(c->base, p, false, &missing);
    if (!yaml)
        return missing ? lp_diag_msg(c->d, LP_ERR_ARG, "the architecture has no line setting %s to calibrate", missing)
                       : lp_diag_msg(c->d, LP_ERR_NOMEM, "out of memory");
    FILE *f = fopen(c->path, "w");
    bool ok = f && fputs(yaml, f) >= 0;
    if (f && fclose(f)) ok = false;
    free(yaml);
    if (!ok) return lp_diag_msg(c->d, LP_ERR_IO, "cannot write %s: %s", c->path, strerror(errno));
    size_t npred = 0;
    lp_pred *pr = lp_pred_distinct(c->set, sel, c->pred_of, &npred);
    if (!pr) return lp_diag_msg(c->d, LP_ERR_NOMEM, "out of memory");
    size_t bad = lp_predict_all(c->path, pr, npred, c->jobs, false);
    lp_status st = LP_OK;
    if (bad < npred) {
        const lp_val_shape *sh = &c->set->shape[pr[bad].shape];
        lp_diag_init(c->d, sh->file);
        st = lp_diag_set(c->d, LP_ERR_ARG, sh->line, 1, "predicting '%s' failed: %s", sh->spec, pr[bad].why);
    }
    for (size_t i = 0; !st && i < c->set->n; i++)
        if (sel[i]) c->r[i] = pr[c->pred_of[i]].res.run;
    free(pr);
    return st;
}

static bool is_gemm(const lp_val_shape *s) { return s->kind == LP_VAL_GEMM; }
static bool capped(const lp_val_shape *s) { return s->sm_mhz < CAP_MHZ && s->measured_us >= CAP_US; }

/* MAPE (percent) of the selected shapes' predictions. */
static double mape(const ctx *c, const bool *sel)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->set->n; i++)
        if (sel[i]) {
            double us = c->set->shape[i].measured_us;
            sum += fabs(c->r[i].latency_ns / 1000 - us) / us, n++;
        }
    return n ? 100 * sum / (double)n : NAN;
}

static size_t count(const bool *sel, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += sel[i];
    return k;
}

/* launch (and gap, when some shape ran two kernels) from the memory-bound
** shapes mem (n of them) as predicted in c->r with p: weighted least squares
** (relative residuals, so that small shapes count as much as large ones) of
** measured - the model's time without launches = launch + gap * (kernels - 1). */
static lp_status launch_of(const ctx *c, const params *p, const bool *mem, size_t n, double *launch, double *gap,
                           bool *two)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    if (!x || !y || !w) {
        free(x), free(y), free(w);
        return lp_diag_msg(c->d, LP_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    *two = false;
    for (size_t i = 0; i < c->set->n; i++) {
        if (!mem[i]) continue;
        double t = c->set->shape[i].measured_us * 1000;
        x[k] = c->r[i].kernels - 1, *two = *two || x[k] > 0;
        y[k] = t - c->r[i].busy_ns, w[k++] = 1 / (t * t);
    }
    double c0, c1 = p->gap_ns, cov00, cov01, cov11, chisq;
    if (*two) {
        gsl_fit_wlinear(x, 1, w, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &chisq);
    } else {
        for (size_t i = 0; i < n; i++) y[i] -= p->gap_ns * x[i];
        c0 = gsl_stats_wmean(w, 1, y, 1, n);
    }
    free(x), free(y), free(w);
    *launch = fmax(0, c0), *gap = *two ? fmax(0, c1) : p->gap_ns;
    return LP_OK;
}

/* The L2 bandwidth and the launch together (the memory-bound shapes' time
** depends a little on the L2 too): for each bandwidth of a grid, the launch
** (launch_of) that the memory-bound shapes give with it, and the MAPE of
** the L2's shapes (M >= 512 below the cap) with both; the pair of least
** MAPE wins. A shape's time is linear in the launch and the gap, so one
** simulation per grid point serves. */
static lp_status fit_l2_launch(ctx *c, params *p, const bool *mem, size_t nmem, const bool *l2, size_t nl2,
                               const bool *both)
{
    static const double grid[] = {8000, 11000, 14000, 20000, 28000};
    double best = INFINITY;
    params won = *p;
    for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++) {
        params q = *p;
        q.l2_gbps = grid[g];
        double launch = q.launch_ns, gap = q.gap_ns;
        bool two = false;
        lp_status st = evaluate(c, &q, both);
        if (!st) st = launch_of(c, &q, mem, nmem, &launch, &gap, &two);
        if (st) return st;
        double sum = 0;
        for (size_t i = 0; i < c->set->n; i++)
            if (l2[i]) {
                double us = c->set->shape[i].measured_us, k = c->r[i].kernels - 1;
                double pred = (c->r[i].latency_ns + launch - q.launch_ns + (gap - q.gap_ns) * k) / 1000;
                sum += fabs(pred - us) / us;
            }
        double e = 100 * sum / (double)nl2;
        fprintf(stderr, "lpsim calibrate: l2.bandwidth_gbps %.0f: launch %.0f ns, MAPE %.2f%% over %zu GEMMs\n",
                grid[g], launch, e, nl2);
        if (e < best) {
            best = e, won = q;
            won.launch_ns = launch, won.gap_ns = gap, won.fitted[W_GAP] = two;
        }
    }
    *p = won;
    p->fitted[W_L2] = p->fitted[W_LAUNCH] = true;
    snprintf(p->why[W_L2], sizeof p->why[W_L2],
             "grid 8-28 TB/s with the launch, least MAPE (%.1f%%) over %zu GEMMs, M >= %d, below the cap", best, nl2,
             L2_M);
    snprintf(p->why[W_LAUNCH], sizeof p->why[W_LAUNCH],
             "measured - model over %zu memory-bound GEMMs (M <= %d), weighted least squares", nmem, MEM_M);
    snprintf(p->why[W_GAP], sizeof p->why[W_GAP], "per extra kernel, same least squares");
    return LP_OK;
}

/* The energy per MAC of each format from the shapes at the cap. */
static lp_status fit_energy(ctx *c, params *p, const arch_cfg *a, const bool *sel)
{
    lp_status st = evaluate(c, p, sel);
    if (st) return st;
    int ng;
    const lp_val_group *g = lp_val_groups(&ng);
    for (int f = 0; f < p->nfmt; f++) {
        double x[4096], y[4096];
        size_t n = 0;
        for (size_t i = 0; i < c->set->n && n < 4096; i++) {
            const lp_val_shape *s = &c->set->shape[i];
            if (!sel[i] || strcmp(g[s->group].in, p->fmt[f])) continue;
            double busy = s->measured_us * 1000 - p->launch_ns - p->gap_ns * (c->r[i].kernels - 1);
            x[n] = c->r[i].macs;
            y[n++] = busy * (a->power.cap_w - p->static_w) * 1e3 - (c->r[i].energy_pj - c->r[i].matrix_energy_pj);
        }
        if (!n) continue; /* not fixed by the data: its line stays */
        double e, cov, ss;
        gsl_fit_mul(x, 1, y, 1, n, &e, &cov, &ss);
        if (!(e > 0)) return lp_diag_msg(c->d, LP_ERR_RANGE, "the energy per MAC of %s came out %g", p->fmt[f], e);
        p->e_mac[f] = e, p->fitted[W_FMT + f] = true;
        snprintf(p->why[W_FMT + f], sizeof p->why[W_FMT + f], "least squares over %zu GEMMs at the %.0f W cap", n,
                 a->power.cap_w);
    }
    return LP_OK;
}

/* ---- the idle power and the copies: the side files of the data folder --------------------- */

#define SIDE_MAX_LINE 1024   /* bytes of a line of nvidia_smi_samples_run*.csv or peak_bandwidth.csv */
#define SIDE_MAX_ROWS 100000 /* rows of one */

/* Open path as a CSV with its header split (*c initialised, *f open), or
** *absent when the file does not exist (nothing open, LP_OK).
** Any other failure: d at FILE:LINE:COL. */
static lp_status side_open(const char *path, FILE **f, lp_csv *c, bool *absent, lp_diag *d)
{
    struct stat sb;
    uint64_t size;
    lp_diag why;
    *absent = lstat(path, &sb) && errno == ENOENT;
    if (*absent) return LP_OK;
    lp_diag_init(d, path);
    lp_diag_init(&why, path);
    if (lp_open_input(path, f, &size, &why)) return lp_diag_set(d, why.status, 1, 1, "cannot read: %s", why.msg);
    lp_csv_init(c, *f, path, SIDE_MAX_LINE);
    lp_status st = lp_csv_next(c, d) ? lp_csv_header(c, d)
                   : d->status       ? d->status
                                     : lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty file");
    if (st) lp_csv_free(c), fclose(*f);
    return st;
}

/* The column whose name, blanks skipped, starts with name; or LP_ERR_PARSE at the header's end. */
static lp_status side_col(const lp_csv *c, const char *name, int *col, lp_diag *d)
{
    for (int i = 0; i < c->nfields; i++)
        if (!strncmp(c->field[i] + strspn(c->field[i], " "), name, strlen(name))) return *col = i, LP_OK;
    return lp_diag_set(d, LP_ERR_PARSE, 1, (int)c->len + 1, "the header has no column '%s'", name);
}

/* The rows after the header, split, with as many fields as the header. */
static bool side_row(lp_csv *c, int nheader, lp_status *st, lp_diag *d)
{
    while (lp_csv_next(c, d)) {
        if (!c->len) continue;
        if (c->line > SIDE_MAX_ROWS + 1) {
            *st = lp_diag_set(d, LP_ERR_RANGE, c->line, 1, "more than %d rows", SIDE_MAX_ROWS);
            return false;
        }
        if ((*st = lp_csv_split(c, d))) return false;
        if (c->nfields != nheader) {
            *st = lp_diag_set(d, LP_ERR_PARSE, c->line, 1, "expected %d fields as in the header, found %d", nheader,
                              c->nfields);
            return false;
        }
        return true;
    }
    *st = d->status;
    return false;
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The median board power of the idle samples (utilization.gpu 0 %) of
** dir/nvidia_smi_samples_run1.csv ... run9.csv, absent files skipped:
** *watts NAN when there are none. path (pn bytes, the caller's: d names it)
** holds the file read last. */
static lp_status idle_power(const char *dir, char *path, size_t pn, double *watts, size_t *nsamples, lp_diag *d)
{
    double *v = NULL;
    size_t n = 0, cap = 0;
    lp_status st = LP_OK;
    for (int run = 1; run <= 9 && !st; run++) {
        snprintf(path, pn, "%s/nvidia_smi_samples_run%d.csv", dir, run);
        FILE *f;
        lp_csv c;
        bool absent;
        int pw = -1, ut = -1;
        if ((st = side_open(path, &f, &c, &absent, d)) || absent) continue;
        int nheader = c.nfields;
        if (!(st = side_col(&c, "power.draw", &pw, d)) && !(st = side_col(&c, "utilization.gpu", &ut, d)))
            while (side_row(&c, nheader, &st, d)) {
                double power, util;
                if ((st = lp_csv_number(&c, pw, "power.draw", "W", &power, d)) ||
                    (st = lp_csv_number(&c, ut, "utilization.gpu", "%", &util, d)))
                    break;
                if (util != 0) continue;
                if (n == cap) {
                    double *g = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *g);
                    if (!g) {
                        st = lp_diag_set(d, LP_ERR_NOMEM, c.line, 1, "out of memory");
                        break;
                    }
                    v = g;
                }
                v[n++] = power;
            }
        lp_csv_free(&c);
        fclose(f);
    }
    *nsamples = n;
    if (!st && n) qsort(v, n, sizeof *v, by_value);
    *watts = st || !n ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return st;
}

/* The achievable DRAM bandwidth: the largest value_median (GB/s, the read
** and the write counted) of the rows of dir/peak_bandwidth.csv whose test
** is d2d_copy; *gbps NAN when the file is absent or has none. path as for
** idle_power. */
static lp_status copy_bandwidth(const char *dir, char *path, size_t pn, double *gbps, size_t *ncopies, lp_diag *d)
{
    snprintf(path, pn, "%s/peak_bandwidth.csv", dir);
    FILE *f;
    lp_csv c;
    bool absent;
    int test = -1, val = -1;
    *gbps = NAN, *ncopies = 0;
    lp_status st = side_open(path, &f, &c, &absent, d);
    if (st || absent) return st;
    int nheader = c.nfields;
    if (!(st = side_col(&c, "test", &test, d)) && !(st = side_col(&c, "value_median", &val, d)))
        while (side_row(&c, nheader, &st, d)) {
            double v;
            if (strcmp(c.field[test], "d2d_copy")) continue;
            if ((st = lp_csv_number(&c, val, "value_median", NULL, &v, d))) break;
            ++*ncopies;
            if (!(v <= *gbps)) *gbps = v;
        }
    lp_csv_free(&c);
    fclose(f);
    return st;
}

/* ---- the command -------------------------------------------------------------------------- */

/* The starting values from the architecture, and its matrix formats. */
static void start_params(const arch_cfg *a, params *p)
{
    memset(p, 0, sizeof *p);
    p->launch_ns = a->launch_ns, p->gap_ns = a->kernel_gap_ns, p->dram_gbps = a->dram.bw_gbps;
    p->l2_gbps = a->l2.bw_gbps, p->static_w = a->power.static_w;
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    if (u && u->kind == UNIT_KIND_TC) {
        const tc_cfg *tc = u->cfg;
        for (unsigned i = 0; i < tc->formats_count && p->nfmt < MAX_FORMATS; i++) {
            snprintf(p->fmt[p->nfmt], sizeof p->fmt[0], "%s", tc->formats[i].format);
            p->e_mac[p->nfmt++] = tc->formats[i].energy_pj_per_mac;
        }
    }
    for (int i = 0; i < W_FMT + MAX_FORMATS; i++) snprintf(p->why[i], sizeof p->why[i], "not fitted; kept");
}

int cmd_calibrate(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&calibrate_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&calibrate_cmd, stdout);
        return 0;
    }
    const char *preset = a.pos[0], *archv = cli_get(&calibrate_cmd, &a, "arch");
    const char *base = arch_preset_text(preset);
    if (!base) {
        cli_value_error(&calibrate_cmd, &a, NULL, 0, &d, "'%s' is not a preset (lpsim arch --list)", preset);
        return cli_fail(&d);
    }
    char *file_text = NULL;
    if (archv && !arch_preset_text(archv)) {
        size_t len;
        lp_diag why;
        lp_diag_init(&why, archv);
        if (lp_read_file(archv, LP_MAX_ARCH_BYTES, &file_text, &len, &why)) {
            cli_value_error(&calibrate_cmd, &a, "arch", 0, &d, "cannot read: %s", why.msg);
            return cli_fail(&d);
        }
        base = file_text;
    } else if (archv) {
        base = arch_preset_text(archv);
    }
    arch_cfg *cfg = NULL;
    int rc = 2;
    if (arch_load_text(base, strlen(base), archv ? archv : preset, &cfg, &d)) {
        cli_fail(&d);
        free(file_text);
        return 2;
    }
    long jobs;
    const char *sv = cli_get(&calibrate_cmd, &a, "subset"), *dir = cli_get(&calibrate_cmd, &a, "data");
    const char *out = cli_get(&calibrate_cmd, &a, "out");
    lp_val_set set = {0};
    ctx c = {&set, base, "", 0, NULL, NULL, &d};
    bool *sel = NULL, *mem = NULL, *cap = NULL, *l2 = NULL, *both = NULL;
    char side[1100]; /* a side file's path: the diagnostics name it after the reader returns */
    if (cli_get_long(&calibrate_cmd, &a, "jobs", 1, LP_PREDICT_MAX_JOBS, lp_predict_default_jobs(), &jobs, &d))
        goto fail;
    if (sv && strcmp(sv, "fit") && strcmp(sv, "all")) {
        cli_value_error(&calibrate_cmd, &a, "subset", 0, &d, "--subset takes fit or all, not '%s'", sv);
        goto fail;
    }
    if (!(cfg->power.cap_w > 0)) {
        cli_value_error(&calibrate_cmd, &a, archv ? "arch" : NULL, 0, &d,
                        "%s has no power cap (power: cap_w): the energy per MAC cannot be fitted", cfg->name);
        goto fail;
    }
    if (!dir) dir = LP_PREDICT_DEFAULT_DATA;
    if (lp_val_read(dir, &set, &d)) {
        if (d.line > 0) goto fail;
        if (cli_get(&calibrate_cmd, &a, "data")) {
            cli_fail_arg(&calibrate_cmd, &a, "data", 0, &d);
            goto done;
        }
        goto fail;
    }
    bool all = sv && !strcmp(sv, "all");
    size_t n = set.n ? set.n : 1;
    sel = calloc(n, sizeof *sel), mem = calloc(n, sizeof *mem), cap = calloc(n, sizeof *cap);
    l2 = calloc(n, sizeof *l2), both = calloc(n, sizeof *both), c.pred_of = calloc(n, sizeof *c.pred_of),
    c.r = calloc(n, sizeof *c.r);
    if (!sel || !mem || !cap || !l2 || !both || !c.pred_of || !c.r) {
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < set.n; i++) {
        const lp_val_shape *s = &set.shape[i];
        sel[i] = is_gemm(s) && (all || s->fit);
        mem[i] = sel[i] && s->m <= MEM_M;
        cap[i] = sel[i] && capped(s);
        l2[i] = sel[i] && s->m >= L2_M && !capped(s);
        both[i] = mem[i] || l2[i];
    }
    size_t nmem = count(mem, set.n), ncap = count(cap, set.n), nl2 = count(l2, set.n);
    if (nmem < 4 || !ncap || !nl2) {
        lp_diag_init(&d, dir);
        lp_diag_msg(&d, LP_ERR_ARG,
                    "too few GEMM shapes to fit: %zu memory-bound (M <= %d, 4 needed), %zu at the cap, %zu with M >= "
                    "%d below it",
                    nmem, MEM_M, ncap, nl2, L2_M);
        goto fail;
    }
    const char *tmp = getenv("TMPDIR");
    /* the temporary file ends in .yaml for arch_load to take it as a file */
    int len = snprintf(c.path, sizeof c.path, "%s/lpsim-calibrate-XXXXXX.yaml", tmp && *tmp ? tmp : "/tmp");
    int fd = len > 0 && (size_t)len < sizeof c.path ? mkstemps(c.path, 5) : -1;
    if (fd < 0) {
        lp_diag_msg(&d, LP_ERR_IO, "cannot make a temporary file %s: %s", c.path,
                    len > 0 && (size_t)len < sizeof c.path ? strerror(errno) : "the name is too long ($TMPDIR)");
        c.path[0] = 0;
        goto fail;
    }
    close(fd);
    c.jobs = jobs;
    params p;
    start_params(cfg, &p);
    size_t nidle, ncopy;
    double idle, copy;
    if (idle_power(dir, side, sizeof side, &idle, &nidle, &d) ||
        copy_bandwidth(dir, side, sizeof side, &copy, &ncopy, &d))
        goto fail;
    if (!isnan(copy)) {
        p.dram_gbps = copy, p.fitted[W_DRAM] = true;
        snprintf(p.why[W_DRAM], sizeof p.why[W_DRAM],
                 "best median of %zu d2d copies, peak_bandwidth.csv (peak 3.35 TB/s, FACTS E.4)", ncopy);
    }
    if (!isnan(idle)) {
        p.static_w = idle, p.fitted[W_STATIC] = true;
        snprintf(p.why[W_STATIC], sizeof p.why[W_STATIC], "median of %zu idle nvidia-smi samples", nidle);
    } else {
        snprintf(p.why[W_STATIC], sizeof p.why[W_STATIC], "no idle nvidia-smi samples in the data; kept");
    }
    fprintf(stderr, "lpsim calibrate: %zu GEMM shapes (%s): %zu memory-bound, %zu at the cap, %zu for the L2\n",
            count(sel, set.n), all ? "all" : "fit half", nmem, ncap, nl2);
    for (int pass = 0; pass < 2; pass++) {
        if (fit_l2_launch(&c, &p, mem, nmem, l2, nl2, both) || fit_energy(&c, &p, cfg, cap)) goto fail;
        fprintf(stderr, "lpsim calibrate: pass %d: launch %.0f ns, gap %.0f ns, DRAM %.0f GB/s, L2 %.0f GB/s", pass + 1,
                p.launch_ns, p.gap_ns, p.dram_gbps, p.l2_gbps);
        for (int f = 0; f < p.nfmt; f++) fprintf(stderr, ", %s %.4g pJ/MAC", p.fmt[f], p.e_mac[f]);
        fputc('\n', stderr);
    }
    if (evaluate(&c, &p, sel)) goto fail;
    fprintf(stderr, "lpsim calibrate: MAPE over the %zu GEMM shapes fitted on: %.2f%%\n", count(sel, set.n),
            mape(&c, sel));
    const char *missing;
    char *yaml = render(base, &p, true, &missing);
    if (!yaml) {
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (out) {
        lp_out o = {0};
        lp_status st = lp_out_open(&o, out, &d);
        if (!st) {
            fputs(yaml, o.f);
            st = lp_out_commit(&o, &d);
        }
        free(yaml);
        if (st) {
            cli_fail_arg(&calibrate_cmd, &a, "out", 0, &d);
            goto done;
        }
    } else {
        fputs(yaml, stdout);
        free(yaml);
    }
    rc = 0;
    goto done;
fail:
    if (d.line > 0 || !d.file)
        cli_fail(&d);
    else
        cli_fail_arg(&calibrate_cmd, &a, NULL, 0, &d);
done:
    if (c.path[0]) unlink(c.path);
    free(sel), free(mem), free(cap), free(l2), free(both), free(c.pred_of), free(c.r), free(file_text);
    lp_val_set_free(&set);
    arch_free(cfg);
    return rc;
}
