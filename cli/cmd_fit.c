/*
** cmd_fit.c — `lpsim fit`: the cost model's coefficients (costmodel/cm_fit.h)
** fitted on the operations of one architecture's simulator runs in a results
** database, k-fold cross-validated, stored in the database (table models)
** and in a model file; with --test-db, the model checked on runs it never
** saw (held-out sweep points), per unit kind, with a scatter plot.
**
** A training sample is one row of run_ops (an operation of a run of status
** done by the simulator, engine 'sim', arch_name the one asked): its kind
** and shape, the run's workload (its formats) and effective architecture
** (arch_json) give the default model's terms; its latency and energy over
** its repeat are what the simulator measured. Operations of repeat 0 (set-up
** a workload assumes done) are left out.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "cm_fit.h"
#include "commands.h"
#include "lp_file.h"
#include "lp_num.h"
#include "lp_version.h"
#include "plot.h"
#include "rdb.h"

static const cli_opt fit_opts[] = {
    {"db", "RUNS.db", "the results database whose runs train the model (the model is stored in it)"},
    {"arch", "NAME", "the architecture whose runs (arch_name) to fit on"},
    {"out", "MODEL.json", "write the model file (for lpsim predict --model, lpsim sweep --engine model)"},
    {"folds", "K", "folds of the cross validation, over runs (default 5; 2..100)"},
    {"ridge", "W", "weight of the pull of each latency coefficient toward its prior (default 0.001; 0: none)"},
    {"test-db", "HELD.db", "check the model on the runs of this database (held-out points): errors per unit kind"},
    {"png", "OUT.png", "with --test-db: draw predicted against simulated latency, log-log"},
    {"csv", "OUT.csv", "with --test-db: one row per held-out run, simulated and predicted"},
    {"json", NULL, "print the report as JSON"},
};
static const cli_cmd fit_cmd = {
    "fit",
    "--db RUNS.db --arch NAME [--out MODEL.json] [--folds K] [--ridge W] [--test-db HELD.db [--png OUT.png] "
    "[--csv OUT.csv]] "
    "[--json]",
    "Fits the cost model's coefficients on the operations of the architecture's simulator runs in\n"
    "RUNS.db, per class of operation (matrix, pim, attention, vector, and each kind of lpsim's\n"
    "vector kernels): latency from the default model's terms and those of how lpsim maps and\n"
    "runs the operation (its mapping's tiles and cores, a pipeline of loads and compute as the\n"
    "memory system serves them, the PIM unit's own timing), energy from events and static power;\n"
    "weighted least squares on relative errors (GSL) with a ridge toward the pipeline term.\n"
    "Reports the k-fold cross-validated mean absolute percentage error of latency and energy per\n"
    "operation kind and per run, stores the model with its training set's identity in RUNS.db\n"
    "(table models) and in MODEL.json. --test-db predicts the runs of another database (sweep\n"
    "points not used for fitting): errors per unit kind and per operation kind. docs/costmodel.md.",
    fit_opts,
    CLI_NOPTS(fit_opts),
    0,
    0};

#define MAX_KINDS 64

typedef struct runinfo {
    int64_t id;
    char unit_kind[32], wl_kind[32];
    double latency_ns, energy_pj; /* the simulator's */
    size_t first, n;              /* its samples */
} runinfo;

typedef struct dataset {
    cm_sample *s;
    size_t n, cap;
    runinfo *runs;
    size_t nruns, capruns;
    char kinds[MAX_KINDS][24];
    int nkinds;
    size_t skipped; /* operations without terms */
    uint64_t uuid_hash;
    int64_t first_id, last_id;
    json_t *sweeps;
} dataset;

static void dataset_free(dataset *ds)
{
    free(ds->s), free(ds->runs);
    json_decref(ds->sweeps);
    memset(ds, 0, sizeof *ds);
}

static int kind_index(dataset *ds, const char *k)
{
    for (int i = 0; i < ds->nkinds; i++)
        if (!strcmp(ds->kinds[i], k)) return i;
    if (ds->nkinds == MAX_KINDS) return -1;
    snprintf(ds->kinds[ds->nkinds], sizeof ds->kinds[0], "%s", k);
    return ds->nkinds++;
}

/* Room for one more element of size sz in *arr (n used of *cap): false when out of memory. */
static bool grow(void **arr, size_t n, size_t *cap, size_t sz, size_t first)
{
    if (n < *cap) return true;
    size_t c = *cap ? 2 * *cap : first;
    void *p = realloc(*arr, c * sz);
    if (!p) return false;
    *arr = p, *cap = c;
    return true;
}

static const char *col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

/* The samples of arch's finished simulator runs in db. */
static lp_status collect(sqlite3 *db, const char *path, const char *arch, dataset *ds, lp_diag *d)
{
    memset(ds, 0, sizeof *ds);
    ds->uuid_hash = LP_FNV1A64_BASIS;
    ds->sweeps = json_array();
    static const char sql[] =
        "SELECT r.id, r.arch_json, r.workload, r.unit_kind, r.workload_kind, r.latency_ns, r.energy_pj, r.run_uuid, "
        "r.sweep_hash, o.kind, o.shape, o.repeat, o.latency_ns, o.energy_pj, o.mapping_json "
        "FROM runs r JOIN run_ops o ON o.run_id = r.id "
        "WHERE r.arch_name = ?1 AND r.status = 'done' AND r.engine = 'sim' ORDER BY r.arch_json, r.id, o.seq";
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return lp_diag_msg(d, LP_ERR_IO, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, arch, -1, SQLITE_TRANSIENT);
    lp_status st = LP_OK;
    arch_cfg *a = NULL;
    char *arch_text = NULL;
    cm_target t;
    wl_spec spec;
    int64_t run = -1;
    int rc;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        const char *aj = col(q, 1);
        if (!arch_text || strcmp(arch_text, aj)) {
            arch_free(a), a = NULL;
            free(arch_text);
            if (!(arch_text = strdup(aj))) {
                st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
                break;
            }
            lp_diag ad;
            lp_diag_init(&ad, "<arch_json>");
            if (arch_load_text(aj, strlen(aj), "<arch_json>", &a, &ad)) {
                st = lp_diag_msg(d, LP_ERR_ARG, "%s: run %lld: its architecture does not load: %s", path, (long long)id,
                                 ad.msg);
                break;
            }
            cm_target_of(a, &t);
            run = -1;
        }
        bool first = id != run;
        if (first) {
            lp_diag wd;
            if (wl_parse_inline(col(q, 2), "<workload>", 1, 1, &spec, &wd)) {
                st = lp_diag_msg(d, LP_ERR_ARG, "%s: run %lld: its workload does not parse: %s", path, (long long)id,
                                 wd.msg);
                break;
            }
            if (!grow((void **)&ds->runs, ds->nruns, &ds->capruns, sizeof *ds->runs, 256)) {
                st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
                break;
            }
            runinfo *ri = &ds->runs[ds->nruns++];
            memset(ri, 0, sizeof *ri);
            ri->id = id, ri->first = ds->n;
            snprintf(ri->unit_kind, sizeof ri->unit_kind, "%s", col(q, 3));
            snprintf(ri->wl_kind, sizeof ri->wl_kind, "%s", col(q, 4));
            ri->latency_ns = sqlite3_column_double(q, 5), ri->energy_pj = sqlite3_column_double(q, 6);
            ds->uuid_hash = lp_fnv1a64_more(ds->uuid_hash, col(q, 7), strlen(col(q, 7)));
            if (!ds->first_id || id < ds->first_id) ds->first_id = id;
            if (id > ds->last_id) ds->last_id = id;
            const char *sh = col(q, 8);
            bool seen = !*sh;
            for (size_t i = 0; !seen && i < json_array_size(ds->sweeps); i++)
                seen = !strcmp(json_string_value(json_array_get(ds->sweeps, i)), sh);
            if (!seen) json_array_append_new(ds->sweeps, json_string(sh));
            run = id;
        }
        int64_t repeat = sqlite3_column_int64(q, 11);
        if (repeat <= 0) continue;
        const char *kind = col(q, 9);
        cm_sample s;
        memset(&s, 0, sizeof s);
        lp_diag od;
        cm_wl_map mp = {0};
        json_t *mj = json_loads(col(q, 14), 0, NULL);
        const char *unit = json_string_value(json_object_get(mj, "unit"));
        bool pim = unit && !strcmp(unit, "pim");
        mp.core_insns = json_number_value(json_object_get(mj, "core_insns"));
        mp.rows_per_core = json_number_value(json_object_get(mj, "rows_per_core"));
        mp.batch_rows = json_number_value(json_object_get(mj, "batch_rows"));
        json_decref(mj);
        if (cm_wl_terms(&t, a, &spec, kind, col(q, 10), pim, &mp, &s.cls, &s.x, &od) ||
            (s.kind = kind_index(ds, kind)) < 0) {
            ds->skipped++;
            continue;
        }
        s.group = id, s.repeat = (double)repeat;
        s.overhead_ns = ds->runs[ds->nruns - 1].n == 0 ? a->launch_ns : a->kernel_gap_ns;
        s.static_w = a->power.static_w;
        s.latency_ns = sqlite3_column_double(q, 12) / (double)repeat;
        s.energy_pj = sqlite3_column_double(q, 13) / (double)repeat;
        if (!grow((void **)&ds->s, ds->n, &ds->cap, sizeof *ds->s, 1024)) {
            st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
            break;
        }
        ds->s[ds->n++] = s;
        ds->runs[ds->nruns - 1].n++;
    }
    if (!st && rc != SQLITE_DONE)
        st = lp_diag_msg(d, LP_ERR_IO, "%s: cannot read its runs: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    arch_free(a);
    free(arch_text);
    if (st) dataset_free(ds);
    return st;
}

/* A run's predicted latency and energy with c. */
static void predict_run(const dataset *ds, const runinfo *r, const cm_coefs *c, double *lat, double *en)
{
    *lat = *en = 0;
    for (size_t i = r->first; i < r->first + r->n; i++) {
        const cm_sample *s = &ds->s[i];
        double l = cm_fit_latency(c, s->cls, s->overhead_ns, &s->x);
        *lat += s->repeat * l;
        *en += s->repeat * cm_fit_energy(c, s->cls, s->static_w, l, &s->x);
    }
}

typedef struct held {
    char unit_kind[32];
    size_t n;
    double mape_l, mape_e, max_l, max_e;
} held;

static lp_status draw(const dataset *ds, const cm_coefs *c, const char *arch, const char *out, lp_diag *d)
{
    static const char *const colours[] = {"#4477aa", "#cc6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"};
    char kinds[4][32];
    int nk = 0;
    bool mixed = false; /* the fourth colour holds more than one workload kind: "other" */
    lp_plot pl;
    const char *data[4] = {NULL, NULL, NULL, NULL};
    FILE *f[4] = {NULL, NULL, NULL, NULL};
    double lo = INFINITY, hi = 0;
    if (lp_plot_open(&pl, ".png", d)) return d->status;
    for (size_t i = 0; i < ds->nruns; i++) {
        const runinfo *r = &ds->runs[i];
        int k = 0;
        while (k < nk && strcmp(kinds[k], r->wl_kind)) k++;
        if (k == nk && nk < 4) snprintf(kinds[nk++], sizeof kinds[0], "%s", r->wl_kind);
        if (k >= 4) k = 3, mixed = true;
        double l, e;
        predict_run(ds, r, c, &l, &e);
        if (!(l > 0) || !(r->latency_ns > 0)) continue;
        if (!f[k] && !(f[k] = lp_plot_data(&pl, &data[k], d))) {
            for (int q = 0; q < 4; q++)
                if (f[q]) fclose(f[q]);
            return lp_plot_discard(&pl), d->status;
        }
        fprintf(f[k], "%.10g %.10g\n", r->latency_ns / 1e3, l / 1e3);
        lo = fmin(lo, fmin(r->latency_ns, l) / 1e3), hi = fmax(hi, fmax(r->latency_ns, l) / 1e3);
    }
    bool bad = false;
    for (int q = 0; q < 4; q++)
        if (f[q]) bad |= (ferror(f[q]) | fclose(f[q])) != 0;
    if (bad || !(hi > 0)) {
        lp_plot_discard(&pl);
        return lp_diag_msg(d, bad ? LP_ERR_IO : LP_ERR_ARG, bad ? "cannot write a temporary file" : "no run to draw");
    }
    lo = pow(10, floor(log10(lo))), hi = pow(10, ceil(log10(hi)));
    if (hi <= lo) hi = 10 * lo;
    FILE *gp = pl.script;
    char title[300];
    snprintf(title, sizeof title, "lpsim fit: %s, held-out runs, model against simulator", arch);
    lp_plot_loglog(&pl, title, "simulated latency (us)", "predicted latency (us)", lo, hi);
    for (int k = 0; k < 4; k++) {
        if (!data[k]) continue;
        lp_plot_quote(gp, data[k]);
        fprintf(gp, " using 1:2 with points pt 7 ps 0.8 lc rgb '%s' title ", colours[k]);
        lp_plot_quote(gp, k == 3 && mixed ? "other" : kinds[k]);
        fputs(", ", gp);
    }
    fprintf(gp, "x with lines lc rgb '#333333' dt 1 title 'y = x', 1.05*x with lines lc rgb '#999999' dt 2 "
                "title '+-5%%', 0.95*x with lines lc rgb '#999999' dt 2 notitle\n");
    return lp_plot_run(&pl, out, d);
}

static void held_add(held *h, int *nh, const char *uk, double ep_l, double ep_e)
{
    int k = 0;
    while (k < *nh && strcmp(h[k].unit_kind, uk)) k++;
    if (k == *nh) {
        if (*nh == 7) return; /* h[7] is the total; lpsim has fewer unit kinds than that */
        memset(&h[k], 0, sizeof h[k]);
        snprintf(h[k].unit_kind, sizeof h[k].unit_kind, "%s", uk);
        (*nh)++;
    }
    held *x = &h[k];
    x->n++, x->mape_l += ep_l, x->mape_e += ep_e;
    x->max_l = fmax(x->max_l, ep_l), x->max_e = fmax(x->max_e, ep_e);
}

/* The model checked on the runs of ds (held out). h: per unit kind, the last the total. */
static int check_held(const dataset *ds, const cm_coefs *c, const char *csv, held *h, lp_diag *d)
{
    int nh = 0;
    FILE *f = NULL;
    lp_out o = {0};
    if (csv) {
        if (lp_out_open(&o, csv, d)) return -1;
        f = o.f;
        fputs("run_id,unit_kind,workload_kind,sim_latency_ns,model_latency_ns,sim_energy_pj,model_energy_pj\n", f);
    }
    memset(&h[7], 0, sizeof h[7]);
    snprintf(h[7].unit_kind, sizeof h[7].unit_kind, "all");
    for (size_t i = 0; i < ds->nruns; i++) {
        const runinfo *r = &ds->runs[i];
        double l, e;
        predict_run(ds, r, c, &l, &e);
        double el = r->latency_ns ? 100 * fabs(l - r->latency_ns) / r->latency_ns : 0;
        double ee = r->energy_pj ? 100 * fabs(e - r->energy_pj) / r->energy_pj : 0;
        held_add(h, &nh, r->unit_kind, el, ee);
        h[7].n++, h[7].mape_l += el, h[7].mape_e += ee;
        h[7].max_l = fmax(h[7].max_l, el), h[7].max_e = fmax(h[7].max_e, ee);
        if (f)
            fprintf(f, "%lld,%s,%s,%.10g,%.10g,%.10g,%.10g\n", (long long)r->id, r->unit_kind, r->wl_kind,
                    r->latency_ns, l, r->energy_pj, e);
    }
    for (int k = 0; k < 8; k++)
        if ((k < nh || k == 7) && h[k].n) h[k].mape_l /= (double)h[k].n, h[k].mape_e /= (double)h[k].n;
    if (f && lp_out_commit(&o, d)) return -1;
    return nh;
}

/* The model's error on each operation of ds, per operation kind (per has ds->nkinds entries). */
static void held_kinds(const dataset *ds, const cm_coefs *c, cm_cv *per)
{
    memset(per, 0, sizeof *per * (size_t)ds->nkinds);
    for (size_t i = 0; i < ds->n; i++) {
        const cm_sample *s = &ds->s[i];
        double l = cm_fit_latency(c, s->cls, s->overhead_ns, &s->x),
               e = cm_fit_energy(c, s->cls, s->static_w, l, &s->x);
        cm_cv *v = &per[s->kind];
        v->n++;
        if (s->latency_ns) v->mape_latency += 100 * fabs(l - s->latency_ns) / s->latency_ns;
        if (s->energy_pj) v->mape_energy += 100 * fabs(e - s->energy_pj) / s->energy_pj;
    }
    for (int k = 0; k < ds->nkinds; k++)
        if (per[k].n) per[k].mape_latency /= (double)per[k].n, per[k].mape_energy /= (double)per[k].n;
}

static json_t *cv_json(const cm_cv *v)
{
    return json_pack("{s:I,s:f,s:f}", "ops", (json_int_t)v->n, "mape_latency", v->mape_latency, "mape_energy",
                     v->mape_energy);
}

int cmd_fit(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&fit_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&fit_cmd, stdout);
        return 0;
    }
    const char *dbp = cli_get(&fit_cmd, &a, "db"), *arch = cli_get(&fit_cmd, &a, "arch");
    const char *out = cli_get(&fit_cmd, &a, "out"), *test = cli_get(&fit_cmd, &a, "test-db");
    const char *png = cli_get(&fit_cmd, &a, "png"), *csv = cli_get(&fit_cmd, &a, "csv");
    bool json = cli_get(&fit_cmd, &a, "json") != NULL;
    if (!dbp || !arch) {
        cli_value_error(&fit_cmd, &a, NULL, -1, &d, "'lpsim fit' needs --db RUNS.db and --arch NAME");
        return cli_fail(&d);
    }
    if ((png || csv) && !test) {
        cli_value_error(&fit_cmd, &a, png ? "png" : "csv", 0, &d, "--%s draws the held-out runs: it needs --test-db",
                        png ? "png" : "csv");
        return cli_fail(&d);
    }
    long folds;
    if (cli_get_long(&fit_cmd, &a, "folds", 2, 100, 5, &folds, &d)) return cli_fail(&d);
    double ridge;
    if (cli_get_double(&fit_cmd, &a, "ridge", 0, 1e6, CM_FIT_RIDGE, &ridge, &d)) return cli_fail(&d);
    rdb *db = NULL, *tdb = NULL;
    lp_diag_init(&d, "<command-line>");
    /* the database must exist and be lpsim's (a reader's checks), then it is opened to store the model */
    if (rdb_open(dbp, RDB_READ, &db, &d)) return cli_fail_arg(&fit_cmd, &a, "db", 0, &d);
    rdb_close(db), db = NULL;
    if (rdb_open(dbp, RDB_WRITE, &db, &d)) return cli_fail_arg(&fit_cmd, &a, "db", 0, &d);
    dataset ds, ts;
    memset(&ts, 0, sizeof ts);
    int rc = CLI_EXIT_USAGE;
    cm_cv *per = NULL, *tper = NULL;
    json_t *model = NULL, *report = NULL;
    char *mtext = NULL;
    if (collect(rdb_sqlite(db), dbp, arch, &ds, &d)) {
        rdb_close(db);
        return cli_fail(&d);
    }
    if (ds.n == 0) {
        lp_diag_msg(&d, LP_ERR_ARG, "no finished simulator run of '%s' with operations to fit on", arch);
        cli_fail_arg(&fit_cmd, &a, "arch", 0, &d);
        goto out;
    }
    cm_coefs c;
    cm_cv all, runs;
    per = calloc((size_t)ds.nkinds + 1, sizeof *per);
    if (!per) {
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        cli_fail(&d);
        goto out;
    }
    if (cm_fit(ds.s, ds.n, ridge, &c, &d) ||
        cm_crossval(ds.s, ds.n, ridge, (int)folds, ds.nkinds, per, &all, &runs, &d)) {
        cli_fail(&d);
        goto out;
    }
    char now[32], hash[20];
    rdb_now(now, sizeof now);
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)ds.uuid_hash);
    json_t *cvk = json_object();
    for (int k = 0; k < ds.nkinds; k++) json_object_set_new(cvk, ds.kinds[k], cv_json(&per[k]));
    json_t *training = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:O}", "db", dbp, "arch", arch, "runs",
                                 (json_int_t)ds.nruns, "operations", (json_int_t)ds.n, "operations_without_terms",
                                 (json_int_t)ds.skipped, "first_run_id", (json_int_t)ds.first_id, "last_run_id",
                                 (json_int_t)ds.last_id, "run_uuid_hash", hash, "sweeps", ds.sweeps);
    model = json_pack("{s:i,s:s,s:s,s:s,s:f,s:o,s:{s:i,s:o,s:o,s:o},s:o}", "lpsim_model", 1, "arch", arch, "created_at",
                      now, "lpsim_version", LP_VERSION, "ridge", ridge, "training", training, "cross_validation",
                      "folds", (int)folds, "kinds", cvk, "operations", cv_json(&all), "runs", cv_json(&runs),
                      "coefficients", cm_coefs_json(&c));
    mtext = model ? json_dumps(model, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (!mtext) {
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        cli_fail(&d);
        goto out;
    }
    /* the model file first (atomically), then the database row */
    if (out) {
        size_t len = strlen(mtext);
        char *text = malloc(len + 2);
        if (text) memcpy(text, mtext, len), text[len] = '\n', text[len + 1] = 0;
        lp_status ws = text ? lp_write_file(out, text, len + 1, &d) : lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        free(text);
        if (ws) {
            cli_fail_arg(&fit_cmd, &a, "out", 0, &d);
            goto out;
        }
    }
    sqlite3_stmt *ins = NULL;
    char *tj = json_dumps(json_object_get(model, "training"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    int64_t model_id = 0;
    if (tj && sqlite3_prepare_v2(rdb_sqlite(db),
                                 "INSERT INTO models (created_at, lpsim_version, arch_name, training_json, model_json) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5)",
                                 -1, &ins, NULL) == SQLITE_OK) {
        sqlite3_bind_text(ins, 1, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, LP_VERSION, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, arch, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, tj, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, mtext, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) == SQLITE_DONE) model_id = sqlite3_last_insert_rowid(rdb_sqlite(db));
    }
    sqlite3_finalize(ins);
    free(tj);
    if (!model_id) {
        lp_diag_msg(&d, LP_ERR_IO, "cannot store the model: %s", sqlite3_errmsg(rdb_sqlite(db)));
        cli_fail_arg(&fit_cmd, &a, "db", 0, &d);
        goto out;
    }
    held h[8];
    int nh = -1;
    if (test) {
        if (rdb_open(test, RDB_READ, &tdb, &d)) {
            cli_fail_arg(&fit_cmd, &a, "test-db", 0, &d);
            goto out;
        }
        if (collect(rdb_sqlite(tdb), test, arch, &ts, &d)) {
            cli_fail(&d);
            goto out;
        }
        if (ts.nruns == 0) {
            lp_diag_msg(&d, LP_ERR_ARG, "no finished simulator run of '%s' to check the model on", arch);
            cli_fail_arg(&fit_cmd, &a, "test-db", 0, &d);
            goto out;
        }
        if ((nh = check_held(&ts, &c, csv, h, &d)) < 0) {
            cli_fail_arg(&fit_cmd, &a, "csv", 0, &d);
            goto out;
        }
        if (!(tper = calloc((size_t)ts.nkinds + 1, sizeof *tper))) {
            lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
            cli_fail(&d);
            goto out;
        }
        held_kinds(&ts, &c, tper);
        lp_diag why;
        lp_diag_init(&why, "<command-line>");
        if (png && draw(&ts, &c, arch, png, &why)) { /* the plot's message names the picture */
            cli_value_error(&fit_cmd, &a, "png", 0, &d, "%s", why.msg);
            cli_fail(&d);
            goto out;
        }
    }
    if (json) {
        report = json_deep_copy(model);
        json_object_set_new(report, "model_id", json_integer(model_id));
        if (nh >= 0) {
            json_t *hj = json_object();
            for (int k = 0; k < 8; k++)
                if ((k < nh || k == 7) && h[k].n)
                    json_object_set_new(hj, h[k].unit_kind,
                                        json_pack("{s:I,s:f,s:f,s:f,s:f}", "runs", (json_int_t)h[k].n, "mape_latency",
                                                  h[k].mape_l, "mape_energy", h[k].mape_e, "max_latency_err",
                                                  h[k].max_l, "max_energy_err", h[k].max_e));
            json_object_set_new(report, "held_out", hj);
            json_t *hk = json_object();
            for (int k = 0; k < ts.nkinds; k++) json_object_set_new(hk, ts.kinds[k], cv_json(&tper[k]));
            json_object_set_new(report, "held_out_kinds", hk);
        }
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        printf("lpsim fit: %s, %zu runs (%zu operations", arch, ds.nruns, ds.n);
        if (ds.skipped) printf("; %zu without terms, left out", ds.skipped);
        printf(") of %s\n\n", dbp);
        printf("  cross validation, %ld folds over runs: mean absolute percentage error\n", folds);
        printf("  %-14s %8s %9s %9s\n", "kind", "ops", "latency", "energy");
        for (int k = 0; k < ds.nkinds; k++)
            printf("  %-14s %8zu %8.2f%% %8.2f%%\n", ds.kinds[k], per[k].n, per[k].mape_latency, per[k].mape_energy);
        printf("  %-14s %8zu %8.2f%% %8.2f%%\n", "all operations", all.n, all.mape_latency, all.mape_energy);
        printf("  %-14s %8zu %8.2f%% %8.2f%%\n\n", "runs", runs.n, runs.mape_latency, runs.mape_energy);
        printf("  coefficients (latency | energy)\n  %-10s", "class");
        for (int i = 0; i < CM_NLAT; i++) printf(" %9.9s", cm_lat_name(i));
        printf(" |");
        for (int i = 0; i < CM_NEN; i++) printf(" %8.8s", cm_en_name(i));
        putchar('\n');
        for (int k = 0; k < CM_NCLS; k++) {
            printf("  %-10s", cm_class_name(k));
            for (int i = 0; i < CM_NLAT; i++) printf(" %9.4g", c.lat[k][i]);
            printf(" |");
            for (int i = 0; i < CM_NEN; i++) printf(" %8.4g", c.en[k][i]);
            puts(c.fitted[k] ? "" : "  (default: too few samples)");
        }
        printf("\n  stored in %s as models.id %lld", dbp, (long long)model_id);
        if (out) printf("; model file %s", out);
        putchar('\n');
        if (nh >= 0) {
            printf("\n  held-out runs of %s in %s: mean (max) absolute percentage error\n", arch, test);
            printf("  %-14s %6s %18s %18s\n", "unit kind", "runs", "latency", "energy");
            for (int k = 0; k < 8; k++)
                if ((k < nh || k == 7) && h[k].n)
                    printf("  %-14s %6zu %8.2f%% (%6.2f%%) %8.2f%% (%6.2f%%)\n", h[k].unit_kind, h[k].n, h[k].mape_l,
                           h[k].max_l, h[k].mape_e, h[k].max_e);
            printf("  %-14s %6s %8s %9s  (held-out operations)\n", "kind", "ops", "latency", "energy");
            for (int k = 0; k < ts.nkinds; k++)
                printf("  %-14s %6zu %7.2f%% %8.2f%%\n", ts.kinds[k], tper[k].n, tper[k].mape_latency,
                       tper[k].mape_energy);
            if (png) printf("  picture: %s\n", png);
        }
    }
    rc = 0;
out:
    json_decref(model), json_decref(report);
    free(mtext), free(per), free(tper);
    dataset_free(&ds), dataset_free(&ts);
    rdb_close(db), rdb_close(tdb);
    return rc;
}
