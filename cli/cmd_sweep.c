/*
** cmd_sweep.c — `lpsim sweep` (design points of a sweep file run on worker
** processes, or as a Slurm job array) and `lpsim merge` (shard databases
** into one). docs/sweeps.md is the user's page.
**
** Exit status: 0 when every point ran (failed points are logged, and counted
** in the summary, but do not fail the sweep), 1 when some point failed or
** crashed, 2 on bad input (the sweep file, the arguments, a database lpsim
** refuses).
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "rdb.h"
#include "runs_log.h"
#include "sweep.h"
#include "cm_fit.h"
#include "sweep_run.h"
#include "sweep_slurm.h"

static const cli_opt sweep_opts_tab[] = {
    {"db", "FILE", "the results database (default runs.db; created when absent)"},
    {"jobs", "N", "worker processes at once (default: the machine's processors)"},
    {"shard", "I/N", "run only the points i with i % N == I (0 <= I < N)"},
    {"resume", NULL, "skip the points the database already holds finished"},
    {"timing-only", NULL, "skip the values (same cycles, faster); outputs are not checked"},
    {"dry-run", NULL, "print the points and run nothing"},
    {"slurm", NULL, "run the sweep as a Slurm job array: write FILE.sbatch beside the database and submit it"},
    {"array", "N", "with --slurm: tasks of the array, one shard each (default 4)"},
    {"partition", "P", "with --slurm: the partition"},
    {"time", "T", "with --slurm: each task's time limit (Slurm's format, e.g. 30:00)"},
    {"wait", NULL, "with --slurm: wait for the array and merge the shards into the database"},
    {"engine", "sim|model", "evaluate each point with the simulator (default) or a fitted cost model (--model)"},
    {"model", "MODEL.json", "with --engine model: the model, from lpsim fit"},
};
static const cli_cmd sweep_cmd = {
    "sweep",
    "SWEEP.yaml [--db FILE] [-j N] [--shard I/N] [--resume] [--timing-only] [--dry-run] [--slurm ...] "
    "[--engine sim|model --model MODEL.json]",
    "Runs every design point of a sweep file (docs/sweeps.md): a base architecture, workloads and\n"
    "axes of architecture or workload keys to vary, listed points, constraints. Each point is\n"
    "simulated as `lpsim run` would, in a process of its own, and logged to the database the\n"
    "moment it finishes (docs/results.md); a point that fails is logged with its error and the\n"
    "sweep goes on. A progress bar shows on a terminal, plain lines otherwise. Killed, a sweep\n"
    "continues with --resume. --shard splits it into disjoint slices (lpsim merge joins their\n"
    "databases); --slurm runs the slices as a Slurm job array. --engine model evaluates the\n"
    "points with a model fitted by lpsim fit instead (in this process, logged with engine\n"
    "'model', docs/costmodel.md).",
    sweep_opts_tab,
    CLI_NOPTS(sweep_opts_tab),
    1,
    1};

static lp_status parse_shard(const cli_args *a, unsigned *si, unsigned *sn, lp_diag *d)
{
    const char *v = cli_get(&sweep_cmd, a, "shard");
    *si = 0, *sn = 1;
    if (!v) return LP_OK;
    unsigned long i, n;
    char *e1, *e2;
    i = strtoul(v, &e1, 10);
    if (e1 == v || *e1 != '/' || !(e1[1] >= '0' && e1[1] <= '9'))
        return cli_value_error(&sweep_cmd, a, "shard", 0, d, "--shard takes I/N (0 <= I < N), not '%s'", v);
    n = strtoul(e1 + 1, &e2, 10);
    if (*e2 || v[0] < '0' || v[0] > '9' || n < 1 || n > 1000000 || i >= n)
        return cli_value_error(&sweep_cmd, a, "shard", 0, d, "--shard takes I/N with 0 <= I < N <= 1000000, not '%s'",
                               v);
    *si = (unsigned)i, *sn = (unsigned)n;
    return LP_OK;
}

static void print_points(const sw_sweep *sw, const sweep_opts *o)
{
    size_t n = 0;
    for (size_t i = 0; i < sw->npoints; i++) {
        if (!sweep_in_shard(o, i)) continue;
        n++;
        printf("%6zu  %-10s  %s  %s\n", i, sw->arch_names[sw->points[i].arch], sw->points[i].workload,
               sw->points[i].params_json);
    }
    printf("%zu point%s", n, n == 1 ? "" : "s");
    if (o->shard_n > 1) printf(" in shard %u/%u of %zu", o->shard_i, o->shard_n, sw->npoints);
    printf(" (%zu dropped by the constraints), %zu distinct architecture%s; sweep %s\n", sw->dropped, sw->narch,
           sw->narch == 1 ? "" : "s", sw->hash);
}

/* Refuse a second run of the same sweep into a database that holds it,
** unless resumed: its points would be simulated again and dropped. */
static lp_status check_fresh(rdb *db, const sw_sweep *sw, const sweep_opts *o, lp_diag *d)
{
    bool *fin = calloc(sw->npoints, sizeof *fin);
    if (!fin) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    lp_status s = rdb_points_finished(db, sw->hash, o->timing_only, sw->npoints, fin, d);
    size_t k = 0;
    for (size_t i = 0; i < sw->npoints; i++) k += fin[i] && sweep_in_shard(o, i);
    free(fin);
    if (!s && k)
        s = lp_diag_msg(d, LP_ERR_ARG,
                        "holds %zu finished point%s of this sweep already: add --resume to run the others, or use "
                        "another database",
                        k, k == 1 ? "" : "s");
    return s;
}

static int run_local(const cli_args *a, const sw_sweep *sw, sweep_opts *o, const char *dbp, lp_diag *d)
{
    rdb *db;
    lp_status s = rdb_open(dbp, RDB_WRITE, &db, d);
    if (s) return cli_fail_arg(&sweep_cmd, a, "db", -1, d);
    if ((!o->resume && (s = check_fresh(db, sw, o, d))) ||
        (s = rdb_log_sweep(db, sw->hash, sw->path, sw->text, sw->npoints, d))) {
        rdb_close(db);
        return cli_fail_arg(&sweep_cmd, a, "db", -1, d);
    }
    sweep_tally t;
    s = o->model ? sweep_run_model(sw, db, o, &t, d) : sweep_run(sw, db, o, &t, d);
    rdb_close(db);
    if (s) {
        lp_diag_at(d, dbp, 1, 1);
        return cli_fail(d);
    }
    size_t ran = t.done + t.failed + t.crashed + t.duplicate + t.infeasible;
    printf("sweep %s: %zu point%s run in %.1f s (%.0f per minute): %zu done, %zu failed, %zu crashed", sw->hash, ran,
           ran == 1 ? "" : "s", t.wall_s, t.wall_s > 0 ? 60.0 * (double)ran / t.wall_s : 0.0, t.done, t.failed,
           t.crashed);
    if (t.infeasible) printf(", %zu infeasible (logged with why, not run)", t.infeasible);
    if (t.skipped) printf(", %zu already done", t.skipped);
    if (t.duplicate) printf(", %zu logged meanwhile by another process", t.duplicate);
    if (o->model)
        printf("\n  per point: %.3f ms evaluating the model, %.3f ms logging (engine model)\n",
               ran ? 1e3 * t.run_s / (double)ran : 0.0, ran ? 1e3 * t.log_s / (double)ran : 0.0);
    else
        printf("\n  per point: %.1f ms simulating, %.1f ms whole (process, simulation, report), %.2f ms logging\n",
               ran ? 1e3 * t.run_s / (double)ran : 0.0, ran ? 1e3 * t.point_s / (double)ran : 0.0,
               ran ? 1e3 * t.log_s / (double)ran : 0.0);
    printf("  database %s\n", dbp);
    return t.failed || t.crashed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cmd_sweep(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&sweep_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) return cli_print_help(&sweep_cmd, stdout), 0;
    long jobs, array;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (cli_get_long(&sweep_cmd, &a, "jobs", 1, 256, ncpu > 0 ? (ncpu < 256 ? ncpu : 256) : 1, &jobs, &d) ||
        cli_get_long(&sweep_cmd, &a, "array", 1, 100000, 4, &array, &d))
        return cli_fail(&d);
    sweep_opts o = {(int)jobs,
                    0,
                    1,
                    cli_get(&sweep_cmd, &a, "resume") != NULL,
                    cli_get(&sweep_cmd, &a, "timing-only") != NULL,
                    NULL,
                    stderr,
                    isatty(2) == 1,
                    NULL};
    if (parse_shard(&a, &o.shard_i, &o.shard_n, &d)) return cli_fail(&d);
    bool slurm = cli_get(&sweep_cmd, &a, "slurm") != NULL;
    static const char *const slurm_only[] = {"array", "partition", "time", "wait"};
    for (int i = 0; i < 4; i++)
        if (!slurm && cli_get(&sweep_cmd, &a, slurm_only[i])) {
            cli_value_error(&sweep_cmd, &a, slurm_only[i], -1, &d, "--%s goes with --slurm", slurm_only[i]);
            return cli_fail(&d);
        }
    const char *engine = cli_get(&sweep_cmd, &a, "engine"), *model = cli_get(&sweep_cmd, &a, "model");
    if (engine && strcmp(engine, "sim") && strcmp(engine, "model")) {
        cli_value_error(&sweep_cmd, &a, "engine", 0, &d, "--engine takes sim or model, not '%s'", engine);
        return cli_fail(&d);
    }
    bool use_model = engine && !strcmp(engine, "model");
    if (use_model != (model != NULL)) {
        cli_value_error(&sweep_cmd, &a, use_model ? "engine" : "model", 0, &d,
                        use_model ? "--engine model needs --model MODEL.json (from lpsim fit)"
                                  : "--model goes with --engine model");
        return cli_fail(&d);
    }
    if (use_model && slurm) {
        cli_value_error(&sweep_cmd, &a, "engine", 0, &d, "--engine model runs in this process: no --slurm");
        return cli_fail(&d);
    }
    cm_coefs coefs;
    char model_arch[128];
    if (use_model) {
        if (cm_model_load(model, &coefs, model_arch, sizeof model_arch, &d))
            return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&sweep_cmd, &a, "model", 0, &d);
        o.model = &coefs, o.timing_only = true;
    }
    if (slurm && cli_get(&sweep_cmd, &a, "shard")) {
        cli_value_error(&sweep_cmd, &a, "shard", -1, &d, "--slurm makes the shards itself: no --shard");
        return cli_fail(&d);
    }
    sw_sweep *sw;
    if (sw_load(a.pos[0], &sw, &d)) return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&sweep_cmd, &a, NULL, 0, &d);
    const char *dbp = cli_get(&sweep_cmd, &a, "db");
    if (!dbp) dbp = "runs.db";
    int rc;
    if (cli_get(&sweep_cmd, &a, "dry-run")) {
        print_points(sw, &o);
        rc = 0;
    } else if (slurm) {
        sweep_slurm_opts so = {a.pos[0],
                               dbp,
                               (int)array,
                               cli_get(&sweep_cmd, &a, "partition"),
                               cli_get(&sweep_cmd, &a, "time"),
                               cli_get(&sweep_cmd, &a, "wait") != NULL,
                               o.timing_only,
                               o.resume,
                               (int)jobs};
        rc = sweep_slurm(&sweep_cmd, &a, sw, &so);
    } else {
        char *cl = runs_argv_json(argc, argv);
        o.command_line = cl;
        rc = run_local(&a, sw, &o, dbp, &d);
        free(cl);
    }
    sw_free(sw);
    return rc;
}

/* ---- lpsim merge --------------------------------------------------------------------------- */

static const cli_cmd merge_cmd = {"merge",
                                  "OUT.db IN.db [IN.db ...]",
                                  "Copies into OUT.db (created when absent) every run of the input databases that it\n"
                                  "lacks: the shards of a sweep (--shard, --slurm) become one database. A run already\n"
                                  "there (same run_uuid), or a sweep point already finished there, is skipped, so\n"
                                  "merging twice changes nothing. Each input is merged in one transaction.",
                                  NULL,
                                  0,
                                  2,
                                  CLI_MAX_POS};

int cmd_merge(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&merge_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) return cli_print_help(&merge_cmd, stdout), 0;
    rdb *db;
    struct stat so, si;
    bool out_exists = stat(a.pos[0], &so) == 0;
    for (int i = 1; i < a.npos; i++) { /* every input checked before the output is made */
        if (out_exists && stat(a.pos[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            lp_diag_msg(&d, LP_ERR_ARG, "is the output database itself");
            return cli_fail_arg(&merge_cmd, &a, NULL, i, &d);
        }
        if (rdb_open(a.pos[i], RDB_READ, &db, &d)) return cli_fail_arg(&merge_cmd, &a, NULL, i, &d);
        rdb_close(db);
    }
    if (rdb_open(a.pos[0], RDB_WRITE, &db, &d)) return cli_fail_arg(&merge_cmd, &a, NULL, 0, &d);
    int rc = 0;
    for (int i = 1; i < a.npos && !rc; i++) {
        size_t added, skipped;
        if (rdb_merge(db, a.pos[i], &added, &skipped, &d)) {
            rc = cli_fail_arg(&merge_cmd, &a, NULL, i, &d);
            break;
        }
        printf("%s: %zu run%s added, %zu already there\n", a.pos[i], added, added == 1 ? "" : "s", skipped);
    }
    rdb_close(db);
    return rc;
}
