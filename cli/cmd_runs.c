/*
** cmd_runs.c — `lpsim runs`: the runs of a results database as a table, CSV
** or JSON (docs/results.md).
**
** --where is an SQL expression over the columns of the runs table, as a
** pandas or sqlite3 user would write it; the database is opened for queries
** only (PRAGMA query_only), so no expression can change it, and the
** expression must be one expression (no second statement after it).
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "rdb.h"
#include "runs_query.h"

static const cli_opt runs_opts[] = {
    {"db", "FILE", "the results database"},
    {"where", "EXPR", "only the runs for which this SQL expression over the runs columns holds"},
    {"csv", NULL, "every column, as CSV (RFC 4180)"},
    {"json", NULL, "every column, as a JSON array of objects (the _json columns as JSON)"},
};
static const cli_cmd runs_cmd = {
    "runs",
    "--db FILE [--where EXPR] [--csv|--json]",
    "Lists the runs of a results database, oldest first. The columns are those of the runs table\n"
    "(docs/results.md); --where takes an SQL expression over them, e.g.\n"
    "  --where \"status = 'done' AND unit_kind = 'tensor_core' AND latency_ns < 1e6\"\n"
    "  --where \"json_extract(point_json, '$.cores') = 148\"",
    runs_opts,
    CLI_NOPTS(runs_opts),
    0,
    0};

static json_t *cell_json(sqlite3_stmt *st, int c)
{
    const char *name = sqlite3_column_name(st, c);
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, c));
    case SQLITE_NULL: return json_null();
    default: break;
    }
    const char *t = (const char *)sqlite3_column_text(st, c);
    size_t n = strlen(name);
    if (n > 5 && !strcmp(name + n - 5, "_json")) {
        json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
        if (j) return j;
    }
    return json_string(t);
}

/* One row in the text table's columns. */
static void text_row(sqlite3_stmt *st)
{
    static const char *const cols[] = {"id", "status", "arch_name", "workload", "latency_ns", "energy_pj"};
    char cell[6][200];
    for (int k = 0; k < 6; k++) {
        cell[k][0] = 0;
        for (int c = 0; c < sqlite3_column_count(st); c++)
            if (!strcmp(sqlite3_column_name(st, c), cols[k]) && sqlite3_column_type(st, c) != SQLITE_NULL)
                snprintf(cell[k], sizeof cell[k], "%s", (const char *)sqlite3_column_text(st, c));
    }
    printf("%6s  %-8s  %-10s  %14s  %14s  ", cell[0], cell[1], cell[2], cell[4], cell[5]);
    lp_diag_put_escaped(cell[3], stdout);
    putchar('\n');
}

int cmd_runs(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&runs_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) return cli_print_help(&runs_cmd, stdout), 0;
    const char *dbp = cli_get(&runs_cmd, &a, "db");
    bool csv = cli_get(&runs_cmd, &a, "csv") != NULL, json = cli_get(&runs_cmd, &a, "json") != NULL;
    if (!dbp) return cli_value_error(&runs_cmd, &a, NULL, -1, &d, "'lpsim runs' needs --db FILE"), cli_fail(&d);
    if (csv && json) return cli_value_error(&runs_cmd, &a, "json", -1, &d, "--csv or --json, not both"), cli_fail(&d);
    rdb *db;
    if (rdb_open(dbp, RDB_READ, &db, &d)) return cli_fail_arg(&runs_cmd, &a, "db", -1, &d);
    sqlite3_stmt *st;
    int rc = 0;
    if (runs_prepare(db, "SELECT * FROM runs", cli_get(&runs_cmd, &a, "where"), "ORDER BY id", &st, &d)) {
        rdb_close(db);
        return runs_where_fail(&runs_cmd, &a, &d);
    }
    json_t *arr = json ? json_array() : NULL;
    int ncol = sqlite3_column_count(st), step;
    size_t n = 0;
    if (csv)
        for (int c = 0; c < ncol; c++) printf("%s%s", c ? "," : "", sqlite3_column_name(st, c));
    if (csv) putchar('\n');
    if (!csv && !json)
        printf("%6s  %-8s  %-10s  %14s  %14s  %s\n", "id", "status", "arch", "latency_ns", "energy_pj", "workload");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        if (csv) {
            for (int c = 0; c < ncol; c++) {
                if (c) putchar(',');
                if (sqlite3_column_type(st, c) != SQLITE_NULL) runs_csv_cell((const char *)sqlite3_column_text(st, c));
            }
            putchar('\n');
        } else if (json) {
            json_t *o = json_object();
            for (int c = 0; o && c < ncol; c++) json_object_set_new(o, sqlite3_column_name(st, c), cell_json(st, c));
            json_array_append_new(arr, o);
        } else {
            text_row(st);
        }
    }
    if (step != SQLITE_DONE) {
        lp_diag_init(&d, dbp);
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot read the runs: %s", sqlite3_errmsg(rdb_sqlite(db)));
        rc = cli_fail(&d);
    } else if (json) {
        if (json_dumpf(arr, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) rc = 2;
        putchar('\n');
    } else if (!csv) {
        printf("%zu run%s\n", n, n == 1 ? "" : "s");
    }
    json_decref(arr);
    sqlite3_finalize(st);
    rdb_close(db);
    return rc;
}
