/*
** cmd_exec.c — `lpsim exec`: run a kernel on an architecture through the one
** run path (sim/run.c), print the statistics (the table of stats.def, as text
** or one JSON object), and check the kernel's expected outputs.
** Exit status 0 when every expectation matches (or with --timing-only), 1 on
** a mismatch, 2 on bad input.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_run.h"
#include "rdb.h"
#include "runs_log.h"
#include "commands.h"
#include "lp_file.h"
#include "run.h"

static const cli_opt exec_opts[] = {
    {"arch", "ARCH", "architecture: a preset (lpsim arch --list) or a YAML file"},
    {"timing-only", NULL, "skip the values (same cycles, faster); expected outputs are not checked"},
    {"trace", "FILE.csv", "write each instruction's issue, start and end cycle"},
    {"json", NULL, "print the statistics as one JSON object"},
    {"db", "FILE", "log the run to this results database (docs/results.md; created when absent)"},
    {"all-cores", NULL, "simulate every core of a multi-core program, not one per group of identical cores"},
};
static const cli_cmd exec_cmd = {"exec",
                                 "--arch ARCH KERNEL.s|KERNEL.lpt [--timing-only] [--trace FILE.csv] [--json] "
                                 "[--all-cores]",
                                 "Runs a kernel on the simulated accelerator: cycles, energy, traffic, unit busy time\n"
                                 "and stalls; in functional mode also the values, bit-exactly, checked against the\n"
                                 "kernel's .expect outputs (mismatches list element, expected, got and ULP distance).",
                                 exec_opts,
                                 CLI_NOPTS(exec_opts),
                                 0,
                                 1};

static json_t *report_json(const lp_run *r, const char *kernel, bool timing_only)
{
    json_t *o = json_object(), *stats = lp_stats_json(&r->stats);
    int ok = o && stats && !json_object_set_new(o, "kernel", cli_json_text(kernel)) &&
             !json_object_set_new(o, "arch", cli_json_text(r->arch->name)) &&
             !json_object_set_new(o, "mode", json_string(timing_only ? "timing-only" : "functional")) &&
             !json_object_update(o, stats) &&
             !json_object_set_new(o, "expectations", json_integer((json_int_t)r->expectations)) &&
             !json_object_set_new(o, "failed", json_integer(r->failed)) &&
             (!r->has_err || !json_object_set_new(o, "error", cmd_run_error_json(r, NULL)));
    json_decref(stats);
    if (!ok) json_decref(o);
    return ok ? o : NULL;
}

static int print_json(json_t *o)
{
    int ok = o && !json_dumpf(o, stdout, 0);
    putchar('\n');
    return ok ? 0 : -1;
}

static void print_text(const lp_run *r, const char *kernel, bool timing_only)
{
    /* the kernel's path and the architecture's name are the user's text: escaped as diagnostics are */
    fputs("lpsim exec: ", stdout);
    lp_diag_put_escaped(kernel, stdout);
    fputs(" on ", stdout);
    lp_diag_put_escaped(r->arch->name, stdout);
    printf(" (%s)\n\n", timing_only ? "timing only" : "functional and timing");
    lp_stats_print(&r->stats, stdout);
    if (timing_only)
        printf("  outputs         not computed (--timing-only)\n");
    else if (!r->expectations)
        printf("  outputs         the kernel declares no expected outputs\n");
    else
        printf("  outputs         %zu expectation%s: %s\n", r->expectations, r->expectations == 1 ? "" : "s",
               r->failed ? "MISMATCH (see above)" : "all match");
    cmd_run_error_print(r, NULL, stdout);
}

int cmd_exec(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&exec_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&exec_cmd, stdout);
        return 0;
    }
    const char *av = cli_get(&exec_cmd, &a, "arch");
    if (!av) {
        cli_value_error(&exec_cmd, &a, NULL, -1, &d, "'lpsim exec' needs --arch ARCH");
        return cli_fail(&d);
    }
    if (a.npos != 1) {
        cli_value_error(&exec_cmd, &a, NULL, -1, &d, "'lpsim exec' needs one kernel (.s or .lpt)");
        return cli_fail(&d);
    }
    bool timing_only = cli_get(&exec_cmd, &a, "timing-only") != NULL, json = cli_get(&exec_cmd, &a, "json") != NULL;
    const char *tv = cli_get(&exec_cmd, &a, "trace");
    lp_out trace = {0};
    if (tv && lp_out_open(&trace, tv, &d)) return cli_fail_arg(&exec_cmd, &a, "trace", -1, &d);
    double t0 = runs_now_s();
    rdb *db = NULL;
    const char *dbv = cli_get(&exec_cmd, &a, "db");
    if (dbv && rdb_open(dbv, RDB_WRITE, &db, &d)) {
        lp_out_discard(&trace);
        return cli_fail_arg(&exec_cmd, &a, "db", -1, &d);
    }
    lp_run r;
    lp_run_opts o = {timing_only, trace.f, json ? stderr : stdout,
                     stderr,      8,       cli_get(&exec_cmd, &a, "all-cores") != NULL};
    lp_status st = lp_run_kernel(av, a.pos[0], &o, &r, &d);
    if (st) {
        lp_out_discard(&trace); /* no trace of a run that failed; a trace file already there stays */
        /* an input that could not be opened (no position) is placed at its argument; d may point into r */
        int rc = d.line > 0 || (d.file != av && d.file != a.pos[0])
                     ? cli_fail(&d)
                     : cli_fail_arg(&exec_cmd, &a, d.file == av ? "arch" : NULL, 0, &d);
        lp_run_free(&r);
        rdb_close(db);
        return rc;
    }
    int rc = 2;
    json_t *rep = NULL;
    if (tv && lp_out_commit(&trace, &d)) {
        rc = cli_fail_arg(&exec_cmd, &a, "trace", -1, &d);
        goto done;
    }
    rep = json || db ? report_json(&r, a.pos[0], timing_only) : NULL;
    if (db && (!rep || runs_log_one(db, argc, argv, r.arch, "program", a.pos[0], 0, timing_only, rep, NULL,
                                    runs_now_s() - t0, &d))) {
        if (!rep) lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail_arg(&exec_cmd, &a, "db", -1, &d);
        goto done;
    }
    if (json ? print_json(rep) : (print_text(&r, a.pos[0], timing_only), 0)) {
        lp_diag_init(&d, "<stdout>");
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write the JSON report (out of memory?)");
        cli_fail(&d);
    } else {
        rc = r.failed ? 1 : 0;
    }
done:
    json_decref(rep);
    lp_run_free(&r);
    rdb_close(db);
    return rc;
}
