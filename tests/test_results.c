/*
** test_results.c — the results database with real files and the real
** lpsim: the schema (STRICT, versioned, WAL), refusals that never write (a
** foreign, newer or corrupt database, a FIFO), the migrations from versions 1
** and 2,
** runs logged by run/exec, two sweeps writing one database at once, a sweep
** killed with SIGKILL and resumed (one done row per point, integrity_check
** ok), shards merged equal to the unsharded sweep (whatever -j), merging
** twice, and the Slurm job array on a real one-node cluster.
*/
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lp_test.h"
#include "rdb.h"
#include "test_results_int.h"

static char dir[64];

static const char *at(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void scratch(void)
{
    strcpy(dir, "/tmp/lpt_rdb_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

void lpt_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* lpsim with args; exit status, stderr kept in *err when err. */
static int lpsim(const char *args, char **err)
{
    char *out, *e;
    int rc = lpt_run(args, "", 0, &out, &e);
    free(out);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

static int64_t query_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return v;
}

int64_t lpt_db_int(const char *db, const char *sql) { return query_int(db, sql); }

static void exec_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc) fprintf(stderr, "\n  sqlite: %s\n", msg);
    sqlite3_free(msg);
    CU_ASSERT_EQUAL(rc, SQLITE_OK);
    sqlite3_close(h);
}

/* Every row of a query as text, one line each. */
static char *rows_text(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "\n  sqlite: %s\n", sqlite3_errmsg(h));
        CU_FAIL("query");
    } else {
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++)
                fprintf(m, "%s|",
                        sqlite3_column_type(st, c) == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, c));
            fputc('\n', m);
        }
        sqlite3_finalize(st);
    }
    fclose(m);
    return buf;
}

/* What two runs of one sweep must share: every column but the run's own
** (id, run_uuid, started_at, host, wall_s, command_line), and the child rows,
** by point. */
char *lpt_db_digest(const char *db)
{
    static const char *const q[] = {
        "SELECT sweep_hash, point_index, engine, lpsim_version, git_revision, arch_name, arch_json, unit_kind, "
        "workload_kind, workload, workload_json, formats, seed, mode, status, error, point_json, cycles, latency_ns, "
        "clock_ghz, power_w, energy_pj, macs, utilization, instructions, dram_bytes, spm_bytes, acc_bytes, l2_bytes, "
        "area_mm2, expectations, sqnr_db, max_rel_err FROM runs ORDER BY sweep_hash, point_index, mode",
        "SELECT r.point_index, c.component, c.energy_pj FROM run_energy c JOIN runs r ON r.id = c.run_id ORDER BY 1, 2",
        "SELECT r.point_index, c.format, c.macs FROM run_macs c JOIN runs r ON r.id = c.run_id ORDER BY 1, 2",
        "SELECT r.point_index, c.unit, c.busy_cycles FROM run_units c JOIN runs r ON r.id = c.run_id ORDER BY 1, 2",
        "SELECT r.point_index, c.seq, c.op, c.kind, c.shape, c.repeat, c.cycles, c.latency_ns, c.energy_pj, c.macs, "
        "c.dram_bytes, c.bound, c.mapping_json FROM run_ops c JOIN runs r ON r.id = c.run_id ORDER BY 1, 2",
        "SELECT sweep_hash, file, text, points FROM sweeps ORDER BY 1",
    };
    sqlite3 *h;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    size_t len = 0;
    char *all = NULL;
    FILE *m = open_memstream(&all, &len);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char *t = rows_text(h, q[i]);
        fprintf(m, "-- %zu\n%s", i, t ? t : "");
        free(t);
    }
    fclose(m);
    sqlite3_close(h);
    return all;
}

static bool same_bytes(const char *path, const char *text, size_t n)
{
    size_t len;
    char *now = lpt_read_file(path, &len);
    bool same = now && len == n && !memcmp(now, text, n);
    free(now);
    return same;
}

/* A sweep of tiny layers and small GEMMs on edge-mx: points ms each. */
const char lpt_sweep_text[] = "arch: edge-mx\n"
                              "workloads:\n"
                              "  - layer model=tiny phase=decode ctx=64\n"
                              "  - gemm M=64 N=128 K=64\n"
                              "axes:\n"
                              "  - {key: matrix.array_rows, values: [16, 32, 64]}\n"
                              "  - {key: spm.banks, values: [4, 8]}\n"
                              "  - {name: fmt, set: ['w=bf16 in_b=bf16', 'w=fp8_e4m3fn in_b=fp8_e4m3fn']}\n";
#define SWEEP_POINTS 24

static void test_schema_of_a_new_database(void)
{
    scratch();
    lpt_write_file(at("s.yaml"), lpt_sweep_text);
    char args[512];
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --timing-only", at("s.yaml"), at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "PRAGMA user_version"), RDB_VERSION);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "PRAGMA application_id"), RDB_APPLICATION_ID);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 7);
    CU_ASSERT_EQUAL(
        query_int(at("r.db"), "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%STRICT'"), 7);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'done'"), SWEEP_POINTS);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(DISTINCT point_index) FROM runs"), SWEEP_POINTS);
    /* the metrics of a run are those of `lpsim run --json` for its workload */
    CU_ASSERT_EQUAL(query_int(at("r.db"),
                              "SELECT count(*) FROM runs WHERE cycles > 0 AND latency_ns > 0 AND energy_pj > 0 "
                              "AND macs > 0 AND dram_bytes > 0 AND arch_json LIKE '{\"name\":\"edge-mx\"%'"),
                    SWEEP_POINTS);
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("run --arch edge-mx --workload 'gemm M=64 N=128 K=64 in_b=fp8_e4m3fn' --timing-only --json",
                            "", 0, &out, &err),
                    0);
    double cyc = lpt_json_num(out, "cycles");
    free(out), free(err);
    CU_ASSERT_EQUAL(query_int(at("r.db"),
                              "SELECT cycles FROM runs WHERE workload LIKE 'gemm%' AND formats LIKE "
                              "'%in_b=fp8_e4m3fn%' AND json_extract(point_json, '$.\"matrix.array_rows\"') = 64 "
                              "AND json_extract(point_json, '$.\"spm.banks\"') = 8"),
                    (int64_t)cyc);
    CU_ASSERT(query_int(at("r.db"), "SELECT count(*) FROM run_ops") >= SWEEP_POINTS);
    CU_ASSERT(query_int(at("r.db"), "SELECT count(*) FROM run_energy") >= SWEEP_POINTS);
    /* a second run of the same sweep needs --resume; with it, nothing is run again */
    char *e;
    CU_ASSERT_EQUAL(lpsim(args, &e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "add --resume"));
    free(e);
    snprintf(args, sizeof args, "sweep %s --db %s --timing-only --resume", at("s.yaml"), at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs"), SWEEP_POINTS);
    cleanup();
}

/* run --db and exec --db log their runs, failures included. */
static void test_run_and_exec_log(void)
{
    scratch();
    char args[512];
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=64 N=64 K=64' --db %s", at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    snprintf(args, sizeof args,
             "run --arch edge-mx --workload 'gemm M=64 N=64 K=64 in=fp8_e4m3fn out=fp8_e4m3fn' --db %s", at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 2);
    snprintf(args, sizeof args, "exec --arch edge-mx %s/examples/mx_gemm/mx_gemm.s --db %s", LPSIM_SOURCE_DIR,
             at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'done' AND mode = 'functional' AND "
                                          "expectations = 1 AND sweep_hash IS NULL"),
                    2);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'failed' AND error LIKE "
                                          "'%GEMM mapping supports%' AND cycles IS NULL"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE workload_kind = 'program' AND workload LIKE "
                                          "'%mx_gemm.s' AND macs > 0"),
                    1);
    /* the numerical error: a functional run's; none for a failed run or a program file, which carries no reference */
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE workload_kind = 'gemm' AND status = 'done' "
                                          "AND sqnr_db > 40 AND max_rel_err > 0 AND max_rel_err < 0.01"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE sqnr_db IS NULL AND max_rel_err IS NULL"),
                    2);
    /* the declared area (the units' area_mm2 times the cores) and the matrix unit's kind */
    lpt_write_file(at("a.yaml"),
                   "arch: edge-mx\nworkloads: [gemm M=8 N=8 K=8]\npoints: ['matrix.area_mm2=2.5 cores=2']\n");
    snprintf(args, sizeof args, "sweep %s --db %s --timing-only", at("a.yaml"), at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE sweep_hash IS NOT NULL AND area_mm2 = 5.0 "
                                          "AND unit_kind = 'tensor_core'"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE sweep_hash IS NULL AND area_mm2 IS NULL"),
                    3);
    cleanup();
}

/* Foreign, newer, corrupt databases and non-files: refused, exit 2, unchanged. */
static void test_refusals_never_write(void)
{
    scratch();
    lpt_write_file(at("s.yaml"), lpt_sweep_text);
    exec_sql(at("foreign.db"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    char args[512];
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=64 N=64 K=64' --db %s", at("new.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    exec_sql(at("new.db"), "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; PRAGMA user_version = 9;");
    /* corrupt: a valid database with page 2 overwritten */
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=64 N=64 K=64' --db %s", at("bad.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    exec_sql(at("bad.db"), "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");
    int fd = open(at("bad.db"), O_WRONLY);
    char junk[4096];
    memset(junk, 0xa5, sizeof junk);
    CU_ASSERT(pwrite(fd, junk, sizeof junk, 4096) == (ssize_t)sizeof junk);
    close(fd);
    lpt_write_file(at("text.db"), "not a database at all, just text\n");
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"foreign.db", "not an lpsim results database"},
        {"new.db", "written by a newer lpsim (schema version 9"},
        {"bad.db", "corrupt"},
        {"text.db", "not a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        char *before = lpt_read_file(at(cases[i].file), &n), *e;
        static const char *const cmds[] = {"sweep %s --db %s --timing-only", "runs --db %2$s", "merge %2$s.m.db %2$s"};
        for (int c = 0; c < 3; c++) {
            snprintf(args, sizeof args, cmds[c], at("s.yaml"), at(cases[i].file));
            CU_ASSERT_EQUAL(lpsim(args, &e), 2);
            if (!strstr(e, cases[i].msg)) fprintf(stderr, "\n  %s: %s", args, e);
            CU_ASSERT_PTR_NOT_NULL(strstr(e, cases[i].msg));
            free(e);
            CU_ASSERT(same_bytes(at(cases[i].file), before, n));
        }
        char mo[300];
        snprintf(mo, sizeof mo, "%s.m.db", at(cases[i].file));
        CU_ASSERT_NOT_EQUAL(access(mo, F_OK), 0); /* merge checks its inputs before making its output */
        free(before);
    }
    /* not a regular file: a FIFO is refused before anything opens it (no hang) */
    CU_ASSERT_EQUAL(mkfifo(at("fifo.db"), 0600), 0);
    char *e;
    snprintf(args, sizeof args, "sweep %s --db %s --timing-only", at("s.yaml"), at("fifo.db"));
    CU_ASSERT_EQUAL(lpsim(args, &e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "is a FIFO, not a regular file"));
    free(e);
    cleanup();
}

/* old.db in the scratch folder, made by tests/results/schema_vN.sql (an
** older version's schema, kept as history) with one run inserted by sql. */
static void old_database(int version, const char *sql)
{
    scratch();
    char path[512], *schema;
    snprintf(path, sizeof path, "%s/tests/results/schema_v%d.sql", LPSIM_SOURCE_DIR, version);
    CU_ASSERT_PTR_NOT_NULL_FATAL(schema = lpt_read_file(path, NULL));
    exec_sql(at("old.db"), schema);
    free(schema);
    exec_sql(at("old.db"), sql);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "PRAGMA user_version"), version);
}

static void test_migration_from_version_1(void)
{
    old_database(
        1,
        "INSERT INTO runs (run_uuid, started_at, lpsim_version, git_revision, host, command_line, arch_name, "
        "arch_json, "
        "unit_kind, workload_kind, workload, workload_json, formats, seed, mode, status, wall_s, latency_ns, "
        "energy_pj) "
        "VALUES ('00112233445566778899aabbccddeeff', '2026-01-01T00:00:00.000Z', '0.0.9', 'abc', 'h', '[]', 'edge-mx', "
        "'{}', 'tensor_core', 'gemm', 'gemm M=1 N=1 K=1', '{}', 'in=bf16', 1, 'timing-only', 'done', 0.5, 100, 200);");
    char args[512], *out, *err;
    snprintf(args, sizeof args, "runs --db %s --json", at("old.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"engine\": \"sim\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"run_uuid\": \"00112233445566778899aabbccddeeff\""));
    free(out), free(err);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "PRAGMA user_version"), RDB_VERSION);
    /* version 5's table of fitted models is there */
    CU_ASSERT_EQUAL(
        query_int(at("old.db"), "SELECT count(*) FROM sqlite_schema WHERE name = 'models' AND sql LIKE '%STRICT'"), 1);
    /* a migrated database takes new runs and merges like a new one */
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=64 N=64 K=64' --db %s --timing-only",
             at("old.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    snprintf(args, sizeof args, "merge %s %s", at("new.db"), at("old.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("new.db"), "SELECT count(*) FROM runs WHERE engine = 'sim'"), 2);
    cleanup();
}

/* A real database of version 2 (tests/results/schema_v2.sql, with a run)
** brought to version 3 when lpsim opens it: the error columns added, NULL
** for the old run; new runs log their error; merged like a new one. */
static void test_migration_from_version_2(void)
{
    old_database(
        2, "INSERT INTO runs (run_uuid, started_at, lpsim_version, git_revision, host, command_line, engine, "
           "arch_name, arch_json, unit_kind, workload_kind, workload, workload_json, formats, seed, mode, status, "
           "wall_s, latency_ns, energy_pj, expectations) VALUES ('ffeeddccbbaa99887766554433221100', "
           "'2026-06-01T00:00:00.000Z', '0.1.0', 'abc', 'h', '[]', 'sim', 'edge-mx', '{}', 'tensor_core', 'gemm', "
           "'gemm M=1 N=1 K=1', '{}', 'in=bf16', 1, 'functional', 'done', 0.5, 100, 200, 1);");
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'sqnr_db'"),
                    0);
    char args[512], *out, *err;
    snprintf(args, sizeof args, "runs --db %s --json", at("old.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sqnr_db\": null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"max_rel_err\": null"));
    free(out), free(err);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "PRAGMA user_version"), RDB_VERSION);

    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM pragma_table_info('runs') WHERE name IN ('sqnr_db', "
                                            "'max_rel_err') AND type = 'REAL'"),
                    2);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                    1);
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=16 N=16 K=64 out=fp32 dist=normal' --db %s",
             at("old.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs WHERE sqnr_db > 45 AND sqnr_db < 60"), 1);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs WHERE sqnr_db IS NULL"), 1);
    snprintf(args, sizeof args, "merge %s %s", at("new.db"), at("old.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("new.db"), "SELECT count(*) FROM runs WHERE sqnr_db > 45"), 1);
    CU_ASSERT_EQUAL(query_int(at("new.db"), "SELECT count(*) FROM runs"), 2);
    cleanup();
}

/* A real database of version 3 (tests/results/schema_v3.sql, with a run)
** brought to version 4: the runs' status CHECK takes 'infeasible' (SQLite's
** writable-schema procedure: the old row kept, the file intact, the CHECK
** still refusing other texts), the fpga columns added; then a sweep over a
** design too large for its device logs that point as infeasible, with its
** numbers, and runs the others (exit 0), whose fpga columns are filled. */
static void test_migration_from_version_3_infeasible(void)
{
    old_database(
        3, "INSERT INTO runs (run_uuid, started_at, lpsim_version, git_revision, host, command_line, engine, "
           "arch_name, arch_json, unit_kind, workload_kind, workload, workload_json, formats, seed, mode, status, "
           "wall_s, latency_ns, energy_pj) VALUES ('0123456789abcdef0123456789abcdef', "
           "'2026-11-01T00:00:00.000Z', '0.1.0', 'abc', 'h', '[]', 'sim', 'edge-mx', '{}', 'tensor_core', 'gemm', "
           "'gemm M=1 N=1 K=1', '{}', 'in=bf16', 1, 'timing-only', 'done', 0.5, 100, 200);");
    FILE *f = fopen(at("s.yaml"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("arch: vck190\n"
          "workloads: [gemm M=64 N=64 K=256 out=fp32]\n"
          "axes:\n"
          "  - name: fmt\n"
          "    set: ['matrix.afmt=e4m3 matrix.wfmt=e4m3 in=e4m3', 'matrix.dsp=none matrix.afmt=e5m2 matrix.wfmt=e5m2 "
          "in=e5m2', 'matrix.afmt=int8 matrix.wfmt=int8 in=int8']\n",
          f);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    char args[600], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "sweep %s --db %s --timing-only", at("s.yaml"), at("old.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "1 infeasible"));
    free(out), free(err);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "PRAGMA user_version"), RDB_VERSION);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs WHERE run_uuid = "
                                            "'0123456789abcdef0123456789abcdef' AND status = 'done' AND fpga_luts IS "
                                            "NULL"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs WHERE status = 'infeasible' AND point_index = 1 "
                                            "AND error LIKE '%needs 972384 LUTs, more than the device''s 899840%' AND "
                                            "latency_ns IS NULL"),
                    1);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs WHERE status = 'done' AND point_index IN (0, 2) "
                                            "AND fpga_luts > 100000 AND fpga_dsps > 0 AND fpga_fmax_mhz > 300"),
                    2);
    /* the CHECK still refuses other statuses */
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT sql LIKE '%''crashed'', ''infeasible'')%' FROM sqlite_schema "
                                            "WHERE name = 'runs'"),
                    1);
    /* --resume counts the infeasible point as finished: nothing runs again */
    snprintf(args, sizeof args, "sweep %s --db %s --timing-only --resume", at("s.yaml"), at("old.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "3 already done"));
    free(out), free(err);
    CU_ASSERT_EQUAL(query_int(at("old.db"), "SELECT count(*) FROM runs"), 4);
    cleanup();
}

/* Start lpsim with args in the background (output to /dev/null). */
static pid_t spawn(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1), dup2(null, 2);
        char *argv[16];
        int n = 0;
        argv[n++] = (char *)LPSIM_BIN;
        for (; args[n - 1] && n < 15; n++) argv[n] = (char *)args[n - 1];
        argv[n] = NULL;
        execv(LPSIM_BIN, argv);
        _exit(127);
    }
    return pid;
}

static int wait_rc(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void test_concurrent_sweeps_lose_nothing(void)
{
    scratch();
    lpt_write_file(at("a.yaml"), lpt_sweep_text);
    lpt_write_file(at("b.yaml"), "arch: b200-mx\nworkloads: [gemm M=128 N=128 K=128]\n"
                                 "axes: [{key: cores, range: {from: 1, to: 30, step: 1}}]\n");
    const char *a[] = {"sweep", at("a.yaml"), "--db", at("r.db"), "-j", "2", "--timing-only", NULL};
    const char *b[] = {"sweep", at("b.yaml"), "--db", at("r.db"), "-j", "2", "--timing-only", NULL};
    pid_t pa = spawn(a), pb = spawn(b);
    CU_ASSERT_EQUAL(wait_rc(pa), 0);
    CU_ASSERT_EQUAL(wait_rc(pb), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'done'"), SWEEP_POINTS + 30);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM sweeps"), 2);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                    1);
    cleanup();
}

static void test_killed_and_resumed(void)
{
    scratch();
    /* 120 points of a few ms each */
    lpt_write_file(at("s.yaml"),
                   "arch: edge-mx\nworkloads: ['layer model=tiny phase=decode ctx=64']\n"
                   "axes: [{key: spm.banks, range: {from: 1, to: 40, step: 1}}, {key: cores, values: [1, 2, 4]}]\n");
    const char *args[] = {"sweep", at("s.yaml"), "--db", at("r.db"), "-j", "2", "--timing-only", NULL};
    pid_t p = spawn(args);
    int64_t n = 0;
    for (int i = 0; i < 3000 && n < 20; i++) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        n = query_int(at("r.db"), "SELECT count(*) FROM runs");
    }
    CU_ASSERT_EQUAL(kill(p, SIGKILL), 0);
    CU_ASSERT_EQUAL(wait_rc(p), -SIGKILL);
    int64_t logged = query_int(at("r.db"), "SELECT count(*) FROM runs");
    CU_ASSERT(logged >= 20 && logged < 120);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                    1);
    const char *resume[] = {"sweep", at("s.yaml"), "--db", at("r.db"), "-j", "2", "--timing-only", "--resume", NULL};
    CU_ASSERT_EQUAL(wait_rc(spawn(resume)), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'done'"), 120);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(DISTINCT point_index) FROM runs WHERE status = 'done'"), 120);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT max(point_index) FROM runs"), 119);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                    1);
    cleanup();
}

static void test_shards_merge_to_the_unsharded_rows(void)
{
    scratch();
    lpt_write_file(at("s.yaml"), lpt_sweep_text);
    char args[768];
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --timing-only", at("s.yaml"), at("all.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "sweep %s --db %s/shard%d.db -j %d --timing-only --shard %d/3", at("s.yaml"), dir,
                 i, i + 1, i);
        CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
        char db[64];
        snprintf(db, sizeof db, "shard%d.db", i);
        CU_ASSERT_EQUAL(query_int(at(db), "SELECT count(*) FROM runs"), SWEEP_POINTS / 3);
        char q[96];
        snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE point_index %% 3 <> %d", i);
        CU_ASSERT_EQUAL(query_int(at(db), q), 0);
    }
    snprintf(args, sizeof args, "merge %s %s/shard0.db %s/shard1.db %s/shard2.db", at("m.db"), dir, dir, dir);
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    char *a = lpt_db_digest(at("all.db")), *m = lpt_db_digest(at("m.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT(strlen(a) > 1000);
    CU_ASSERT_STRING_EQUAL(a, m);
    /* merging again adds nothing */
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    char *m2 = lpt_db_digest(at("m.db"));
    CU_ASSERT_STRING_EQUAL(m, m2);
    CU_ASSERT_EQUAL(query_int(at("m.db"), "SELECT count(*) FROM runs"), SWEEP_POINTS);
    free(a), free(m), free(m2);
    cleanup();
}

/* Hand-made runs: pareto's fronts per workload (ties, duplicates, a single
** point, all on the front), its CSV, runs' CSV and JSON, the where filter. */
static void test_pareto_and_runs_commands(void)
{
    scratch();
    char args[512];
    snprintf(args, sizeof args, "run --arch edge-mx --workload 'gemm M=8 N=8 K=8' --timing-only --db %s", at("r.db"));
    CU_ASSERT_EQUAL_FATAL(lpsim(args, NULL), 0); /* the schema, and one run to copy */
    /* workload A: (1,5) (2,2) (2,2) (3,1) (4,4) (2,3) (5,1); B: one point; C: an anti-diagonal */
    static const struct {
        const char *wl;
        double x, y;
        int front;
    } pts[] = {{"A", 1, 5, 1}, {"A", 2, 2, 1}, {"A", 2, 2, 1}, {"A", 3, 1, 1}, {"A", 4, 4, 0}, {"A", 2, 3, 0},
               {"A", 5, 1, 0}, {"B", 7, 7, 1}, {"C", 1, 3, 1}, {"C", 2, 2, 1}, {"C", 3, 1, 1}};
    char sql[1024];
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO runs (run_uuid, started_at, lpsim_version, git_revision, host, command_line, arch_name, "
                 "arch_json, unit_kind, workload_kind, workload, workload_json, formats, seed, mode, status, wall_s, "
                 "latency_ns, energy_pj) SELECT 'u%zu', started_at, lpsim_version, git_revision, host, command_line, "
                 "arch_name, arch_json, 'k%zu', 'gemm', 'w %s', '{}', 'f', 1, mode, 'done', 0.1, %g, %g FROM runs "
                 "WHERE id = 1",
                 i, i % 2, pts[i].wl, pts[i].x, pts[i].y);
        exec_sql(at("r.db"), sql);
    }
    exec_sql(at("r.db"), "DELETE FROM runs WHERE id = 1");
    char *out, *err;
    snprintf(args, sizeof args, "pareto --db %s --csv", at("r.db"));
    CU_ASSERT_EQUAL_FATAL(lpt_run(args, "", 0, &out, &err), 0);
    /* id,workload,group,on_front,latency_ns,energy_pj,design: rows in id order (ids 2..12) */
    const char *line = strchr(out, '\n');
    for (size_t i = 0; i < sizeof pts / sizeof pts[0] && line; i++) {
        long long id;
        char wl[8], grp[8];
        int on;
        double x, y;
        CU_ASSERT_EQUAL(sscanf(line + 1, "%lld,w %7[A-C],%7[^,],%d,%lf,%lf", &id, wl, grp, &on, &x, &y), 6);
        CU_ASSERT_EQUAL(id, (long long)i + 2);
        CU_ASSERT_STRING_EQUAL(wl, pts[i].wl);
        CU_ASSERT_EQUAL(on, pts[i].front);
        CU_ASSERT_EQUAL(x, pts[i].x);
        CU_ASSERT_STRING_EQUAL(grp, i % 2 ? "k1" : "k0"); /* grouped by unit_kind by default */
        line = strchr(line + 1, '\n');
    }
    free(out), free(err);
    /* the table: each workload's front in order of x */
    snprintf(args, sizeof args, "pareto --db %s --where \"workload = 'w A'\"", at("r.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "w A: 7 runs, 4 on the front"));
    CU_ASSERT_PTR_NULL(strstr(out, "w B"));
    const char *a = strstr(out, "            1               5"), *b = strstr(out, "            3               1");
    CU_ASSERT(a && b && a < b);
    free(out), free(err);
    /* maximising y: (5,1)... no: the largest y at each x */
    snprintf(args, sizeof args, "pareto --db %s --max-y --csv --where \"workload = 'w C'\"", at("r.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, ",1,1,3,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, ",0,2,2,"));
    free(out), free(err);
    /* runs: CSV rows, JSON objects, where */
    snprintf(args, sizeof args, "runs --db %s --csv --where \"energy_pj >= 2\"", at("r.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    int lines = 0;
    for (const char *c = out; *c; c++) lines += *c == '\n';
    CU_ASSERT_EQUAL(lines, 1 + 8); /* the header and the runs with y >= 2 */
    free(out), free(err);
    snprintf(args, sizeof args, "runs --db %s --json", at("r.db"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_size(out, ""), 11);
    CU_ASSERT_EQUAL(lpt_json_num(out, "1.latency_ns"), 2);
    CU_ASSERT_EQUAL(lpt_json_num(out, "3.latency_ns"), 3);
    free(out), free(err);
    /* a picture of three panels, its script beside it */
    snprintf(args, sizeof args, "pareto --db %s --png %s", at("r.db"), at("p.png"));
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    size_t n = 0;
    char *png = lpt_read_file(at("p.png"), &n), *gp = lpt_read_file(at("p.gp"), NULL);
    CU_ASSERT(png && n > 1000 && gp && strstr(gp, "$front3 << EOD"));
    CU_ASSERT(gp && strstr(gp, "set xlabel 'latency (ns)'") && strstr(gp, "set ylabel 'energy (pJ)'"));
    free(png), free(gp), free(out), free(err);
    cleanup();
}

/* A point the mapping refuses is logged with its error and the sweep goes on; exit 1. */
static void test_failed_points_logged(void)
{
    scratch();
    lpt_write_file(at("s.yaml"),
                   "arch: edge-mx\n"
                   "workloads: ['gemm M=64 N=64 K=64 in=fp8_e4m3fn out=fp8_e4m3fn', 'gemm M=64 N=64 K=64']\n"
                   "axes: [{key: cores, values: [1, 2]}]\n");
    char args[512], *e;
    snprintf(args, sizeof args, "sweep %s --db %s -j 2", at("s.yaml"), at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, &e), 1);
    free(e);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'failed' AND point_index < 2 AND "
                                          "error LIKE '%GEMM mapping supports%' AND cycles IS NULL"),
                    2);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs WHERE status = 'done' AND point_index >= 2 AND "
                                          "mode = 'functional' AND expectations = 1"),
                    2);
    /* --resume does not run a failed point again */
    snprintf(args, sizeof args, "sweep %s --db %s --resume", at("s.yaml"), at("r.db"));
    CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    CU_ASSERT_EQUAL(query_int(at("r.db"), "SELECT count(*) FROM runs"), 4);
    cleanup();
}

CU_TestInfo lpt_results_tests[] = {
    {"schema/new_database_and_its_rows", test_schema_of_a_new_database},
    {"log/run_and_exec", test_run_and_exec_log},
    {"refuse/foreign_newer_corrupt_fifo_unchanged", test_refusals_never_write},
    {"migrate/from_version_1", test_migration_from_version_1},
    {"migrate/from_version_2_error_columns", test_migration_from_version_2},
    {"migrate/from_version_3_infeasible_and_fpga", test_migration_from_version_3_infeasible},
    {"sweep/two_at_once_lose_nothing", test_concurrent_sweeps_lose_nothing},
    {"sweep/sigkill_then_resume", test_killed_and_resumed},
    {"sweep/shards_merge_to_the_same_rows", test_shards_merge_to_the_unsharded_rows},
    {"cli/pareto_fronts_per_workload_and_runs", test_pareto_and_runs_commands},
    {"sweep/failed_points_logged_and_the_sweep_goes_on", test_failed_points_logged},
    CU_TEST_INFO_NULL,
};
