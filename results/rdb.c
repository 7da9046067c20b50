/*
** rdb.c — the results database: opening with its refusals, the schema and
** its migrations, logging a run from its JSON report, sweeps' bookkeeping
** and merging. The metrics are read from the report `lpsim run --json` and
** `lpsim exec --json` print (their keys are a contract already), so the
** database and the JSON never disagree.
**
** Why quick_check on every open: a database that SQLite can open may still
** hold corrupt pages, found only by the query that reads them; a sweep would
** then fail half-way or write beside the damage. quick_check reads every page
** once (milliseconds for thousands of runs).
*/
#define _POSIX_C_SOURCE 200809L
#include "rdb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lp_file.h"
#include "lp_version.h"

struct rdb {
    sqlite3 *db;
    sqlite3_stmt *insert_run; /* prepared once: a sweep logs thousands */
};

extern const char *const rdb_schema_lines[];

static lp_status allow_infeasible(sqlite3 *db, lp_diag *d);

/* Each migration takes a database from version `from` to from + 1: its SQL,
** after its function when it has one. */
static const struct migration {
    int from;
    const char *sql;
    lp_status (*fn)(sqlite3 *db, lp_diag *d);
} migrations[] = {
    {1, "ALTER TABLE runs ADD COLUMN engine TEXT NOT NULL DEFAULT 'sim';", NULL},
    {2, "ALTER TABLE runs ADD COLUMN sqnr_db REAL; ALTER TABLE runs ADD COLUMN max_rel_err REAL;", NULL},
    {3,
     "ALTER TABLE runs ADD COLUMN fpga_luts INTEGER; ALTER TABLE runs ADD COLUMN fpga_ffs INTEGER; "
     "ALTER TABLE runs ADD COLUMN fpga_dsps INTEGER; ALTER TABLE runs ADD COLUMN fpga_fmax_mhz REAL;",
     allow_infeasible},
    {4,
     "CREATE TABLE models (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, lpsim_version TEXT NOT NULL, "
     "arch_name TEXT NOT NULL, training_json TEXT NOT NULL, model_json TEXT NOT NULL) STRICT;",
     NULL},
};

char *rdb_schema_text(void)
{
    size_t n = 1;
    for (int i = 0; rdb_schema_lines[i]; i++) n += strlen(rdb_schema_lines[i]);
    char *s = malloc(n), *p = s;
    if (!s) return NULL;
    for (int i = 0; rdb_schema_lines[i]; i++) p = stpcpy(p, rdb_schema_lines[i]);
    return s;
}

void rdb_now(char *buf, size_t n)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", base, (int)(tv.tv_usec / 1000));
}

sqlite3 *rdb_sqlite(rdb *db) { return db->db; }

void rdb_close(rdb *db)
{
    if (!db) return;
    sqlite3_finalize(db->insert_run);
    sqlite3_close(db->db);
    free(db);
}

static lp_status sql_error(sqlite3 *db, lp_diag *d, const char *what)
{
    int e = sqlite3_system_errno(db); /* the system's reason behind "disk I/O error" (a full disk, ulimit -f) */
    return lp_diag_msg(d, LP_ERR_IO, "%s: %s%s%s%s", what, sqlite3_errmsg(db), e ? " (" : "", e ? strerror(e) : "",
                       e ? ")" : "");
}

/* One integer of a query with one row ("PRAGMA user_version"). */
static lp_status query_int(sqlite3 *db, const char *sql, int64_t *out, lp_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return sql_error(db, d, "cannot read it");
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? LP_OK : sql_error(db, d, "cannot read it");
}

static lp_status exec_sql(sqlite3 *db, const char *sql, lp_diag *d, const char *what)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? LP_OK : sql_error(db, d, what);
}

/* Version 3 to 4: the runs' status CHECK takes 'infeasible' too. SQLite
** alters no constraint; its documented procedure for loosening a CHECK
** (sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
** Changes") edits the table's text in sqlite_schema under writable_schema,
** bumps schema_version and checks integrity, inside the caller's transaction.
** Every existing row satisfies the looser CHECK, so no data moves. */
static lp_status allow_infeasible(sqlite3 *db, lp_diag *d)
{
    int64_t sv, ok;
    lp_status s = query_int(db, "PRAGMA schema_version", &sv, d);
    if (s || (s = exec_sql(db, "PRAGMA writable_schema = ON", d, "cannot migrate it"))) return s;
    s = exec_sql(db,
                 "UPDATE sqlite_schema SET sql = replace(sql, '''failed'', ''crashed'')', "
                 "'''failed'', ''crashed'', ''infeasible'')') WHERE type = 'table' AND name = 'runs'",
                 d, "cannot migrate it");
    if (!s && sqlite3_changes(db) != 1) s = lp_diag_msg(d, LP_ERR_IO, "cannot migrate it: no runs table to change");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %" PRId64, sv + 1);
    if (!s) s = exec_sql(db, sql, d, "cannot migrate it");
    lp_status off = exec_sql(db, "PRAGMA writable_schema = OFF", d, "cannot migrate it");
    if (s || (s = off)) return s;
    if ((s = query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'", &ok, d)))
        return s;
    return ok == 1 ? LP_OK : lp_diag_msg(d, LP_ERR_IO, "cannot migrate it: the integrity check fails afterwards");
}

/* quick_check's verdict: LP_OK, or its first complaint. */
static lp_status check_pages(sqlite3 *db, lp_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
        return lp_diag_msg(d, LP_ERR_IO, "not a readable SQLite database: %s", sqlite3_errmsg(db));
    lp_status s = LP_OK;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        s = lp_diag_msg(d, LP_ERR_IO, "not a readable SQLite database: %s", sqlite3_errmsg(db));
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
        s = lp_diag_msg(d, LP_ERR_IO, "corrupt database (SQLite's quick_check: %.160s)", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return s;
}

/* The schema's state, read inside the caller's transaction. */
static lp_status read_header(sqlite3 *db, int64_t *app, int64_t *version, int64_t *objects, lp_diag *d)
{
    lp_status s = query_int(db, "PRAGMA application_id", app, d);
    if (s) return lp_diag_msg(d, LP_ERR_IO, "not a SQLite database, or a corrupt one (%s)", sqlite3_errmsg(db));
    if ((s = query_int(db, "PRAGMA user_version", version, d))) return s;
    return query_int(db, "SELECT count(*) FROM sqlite_schema", objects, d);
}

/* Create the schema in an empty database, or migrate an older one; refuse
** what is not lpsim's or is newer. Runs in a write transaction when it may
** write (the check repeats inside it, so two processes creating one file
** at once create it once). */
static lp_status settle_schema(sqlite3 *db, bool may_write, lp_diag *d)
{
    int64_t app, version, objects;
    lp_status s = read_header(db, &app, &version, &objects, d);
    if (s) return s;
    if (app == 0 && objects == 0 && version == 0) {
        if (!may_write) return lp_diag_msg(d, LP_ERR_IO, "an empty database: it holds no lpsim runs");
    } else if (app != RDB_APPLICATION_ID) {
        return lp_diag_msg(d, LP_ERR_IO,
                           "not an lpsim results database (SQLite application_id %" PRId64 ", lpsim's is %d)", app,
                           RDB_APPLICATION_ID);
    } else if (version > RDB_VERSION) {
        return lp_diag_msg(d, LP_ERR_IO,
                           "written by a newer lpsim (schema version %" PRId64 "; this lpsim knows up to %d): use a "
                           "newer lpsim, or another database",
                           version, RDB_VERSION);
    } else if (version < 1) {
        return lp_diag_msg(d, LP_ERR_IO, "an lpsim database with an invalid schema version %" PRId64, version);
    } else if (version == RDB_VERSION) {
        return LP_OK;
    }
    if ((s = exec_sql(db, "BEGIN IMMEDIATE", d, "cannot lock it for writing"))) return s;
    if ((s = read_header(db, &app, &version, &objects, d))) goto rollback;
    if (app == 0 && objects == 0 && version == 0) {
        char *schema = rdb_schema_text();
        if (!schema) {
            s = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
            goto rollback;
        }
        s = exec_sql(db, schema, d, "cannot create the schema");
        free(schema);
        if (s) goto rollback;
    } else {
        for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
            if (migrations[i].from != version) continue;
            char sql[160];
            if (migrations[i].fn && (s = migrations[i].fn(db, d))) goto rollback;
            if ((s = exec_sql(db, migrations[i].sql, d, "cannot migrate it"))) goto rollback;
            version++;
            snprintf(sql, sizeof sql, "PRAGMA user_version = %" PRId64, version);
            if ((s = exec_sql(db, sql, d, "cannot migrate it"))) goto rollback;
        }
        if (version != RDB_VERSION) {
            s = lp_diag_msg(d, LP_ERR_IO, "no migration from schema version %" PRId64, version);
            goto rollback;
        }
    }
    return exec_sql(db, "COMMIT", d, "cannot write it");
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

lp_status rdb_open(const char *path, rdb_mode mode, rdb **out, lp_diag *d)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode))
            return lp_diag_msg(d, LP_ERR_IO, "is %s, not a regular file",
                               S_ISDIR(sb.st_mode)    ? "a folder"
                               : S_ISFIFO(sb.st_mode) ? "a FIFO"
                                                      : "a device or socket");
    } else if (errno != ENOENT || mode == RDB_READ) {
        return lp_diag_msg(d, LP_ERR_IO, "%s", strerror(errno));
    }
    rdb *r = calloc(1, sizeof *r);
    if (!r) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    int flags = SQLITE_OPEN_READWRITE | (mode == RDB_WRITE ? SQLITE_OPEN_CREATE : 0);
    lp_status s = LP_OK;
    if (sqlite3_open_v2(path, &r->db, flags, NULL) != SQLITE_OK) {
        int e = r->db ? sqlite3_system_errno(r->db) : 0;
        s = lp_diag_msg(d, LP_ERR_IO, "cannot open it: %s",
                        e       ? strerror(e)
                        : r->db ? sqlite3_errmsg(r->db)
                                : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(r->db, 1);
    sqlite3_busy_timeout(r->db, RDB_BUSY_TIMEOUT_MS);
    if (sb.st_size > 0 && stat(path, &sb) == 0 && (s = check_pages(r->db, d))) goto fail;
    if ((s = settle_schema(r->db, true, d))) goto fail;
    if (mode == RDB_WRITE) {
        /* WAL: readers and one writer at a time without blocking each other;
        ** NORMAL sync is safe in WAL against a killed process (the OS keeps
        ** the log), not against a power cut, where the last commits may go. */
        s = exec_sql(r->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", d,
                     "cannot set it up");
    } else {
        s = exec_sql(r->db, "PRAGMA query_only = 1", d, "cannot set it up");
    }
    if (s) goto fail;
    /* the database is an input of the command: no output (lp_out) may replace it */
    if (!lp_file_note_input(path)) {
        s = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    *out = r;
    return LP_OK;
fail:
    rdb_close(r);
    return s;
}

/* ---- logging ---------------------------------------------------------------------- */

/* 32 hex digits from the system's random source; the time and pid when it
** has none (the uuid need only be unique among runs). */
static void new_uuid(char buf[33])
{
    unsigned char b[16] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(b, 1, sizeof b, f) : 0;
    if (f) fclose(f);
    if (got != sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x[2] = {(uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, (uint64_t)getpid()};
        memcpy(b, x, sizeof b);
    }
    for (int i = 0; i < 16; i++) snprintf(buf + 2 * i, 3, "%02x", b[i]);
}

/* The runs columns a log fills, in the order of the INSERT's parameters. */
static const char *const run_cols[] = {
    "run_uuid",     "started_at",   "lpsim_version", "git_revision",  "host",      "command_line",  "engine",
    "arch_name",    "arch_json",    "unit_kind",     "workload_kind", "workload",  "workload_json", "formats",
    "seed",         "mode",         "status",        "error",         "wall_s",    "sweep_hash",    "point_index",
    "point_json",   "cycles",       "latency_ns",    "clock_ghz",     "power_w",   "energy_pj",     "macs",
    "utilization",  "instructions", "dram_bytes",    "spm_bytes",     "acc_bytes", "l2_bytes",      "area_mm2",
    "expectations", "sqnr_db",      "max_rel_err",   "fpga_luts",     "fpga_ffs",  "fpga_dsps",     "fpga_fmax_mhz",
};
#define NCOLS (int)(sizeof run_cols / sizeof run_cols[0])
#define FIRST_METRIC 22 /* cycles */

/* Metric columns whose report value is a whole number. */
static bool metric_is_int(const char *col)
{
    return !strcmp(col, "cycles") || !strcmp(col, "macs") || !strcmp(col, "instructions") ||
           !strcmp(col, "expectations") || strstr(col, "_bytes") || !strcmp(col, "fpga_luts") ||
           !strcmp(col, "fpga_ffs") || !strcmp(col, "fpga_dsps");
}

static lp_status prepare_insert(rdb *r, lp_diag *d)
{
    if (r->insert_run) return LP_OK;
    char sql[2048];
    size_t n = (size_t)snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO runs (");
    for (int i = 0; i < NCOLS; i++) n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s", i ? ", " : "", run_cols[i]);
    n += (size_t)snprintf(sql + n, sizeof sql - n, ") VALUES (");
    for (int i = 0; i < NCOLS; i++) n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?", i ? ", " : "");
    snprintf(sql + n, sizeof sql - n, ")");
    if (sqlite3_prepare_v2(r->db, sql, -1, &r->insert_run, NULL) != SQLITE_OK)
        return sql_error(r->db, d, "cannot log the run");
    return LP_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v, bool nullable)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else if (nullable)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
}

/* Metric columns read from the report's error object (a run's numerical
** error, docs/workloads.md), not from its top level. */
static bool metric_is_error(const char *col) { return !strcmp(col, "sqnr_db") || !strcmp(col, "max_rel_err"); }

/* A metric of the report: its value, or NULL when absent or not a number
** (the error figures of a timing-only run, or undefined ones, are null).
** The error columns come from its "error" object, fpga_KEY from KEY of its
** "fpga" object (null without an fpga unit). */
static void bind_metric(sqlite3_stmt *st, int i, const json_t *report, const char *col)
{
    bool fpga = !strncmp(col, "fpga_", 5);
    const json_t *src = report && metric_is_error(col) ? json_object_get(report, "error")
                        : report && fpga               ? json_object_get(report, "fpga")
                                                       : report;
    const json_t *v = json_is_object(src) ? json_object_get(src, fpga ? col + 5 : col) : NULL;
    if (!json_is_number(v))
        sqlite3_bind_null(st, i);
    else if (metric_is_int(col))
        sqlite3_bind_int64(st, i, json_is_integer(v) ? json_integer_value(v) : (sqlite3_int64)json_number_value(v));
    else
        sqlite3_bind_double(st, i, json_number_value(v));
}

static lp_status insert_run(rdb *r, const rdb_run *x, const json_t *report, const char *uuid, const char *now,
                            char *host, int64_t *id, lp_diag *d)
{
    sqlite3_stmt *st = r->insert_run;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    const char *text[FIRST_METRIC] = {uuid,
                                      x->started_at ? x->started_at : now,
                                      LP_VERSION,
                                      LP_GIT_REV,
                                      x->host ? x->host : host,
                                      x->command_line ? x->command_line : "[]",
                                      x->engine ? x->engine : "sim",
                                      x->arch_name,
                                      x->arch_json ? x->arch_json : "{}",
                                      x->unit_kind,
                                      x->workload_kind,
                                      x->workload,
                                      x->workload_json ? x->workload_json : "{}",
                                      x->formats,
                                      NULL,
                                      x->timing_only ? "timing-only" : "functional",
                                      x->status,
                                      x->error,
                                      NULL,
                                      x->sweep_hash,
                                      NULL,
                                      x->point_json};
    for (int i = 0; i < FIRST_METRIC; i++) bind_text(st, i + 1, text[i], i == 17 || i >= 19);
    sqlite3_bind_int64(st, 15, (sqlite3_int64)x->seed);
    sqlite3_bind_double(st, 19, x->wall_s);
    if (x->point_index >= 0) sqlite3_bind_int64(st, 21, x->point_index);
    for (int i = FIRST_METRIC; i < NCOLS; i++) bind_metric(st, i + 1, report, run_cols[i]);
    int ai = 0;
    for (int i = 0; i < NCOLS; i++)
        if (!strcmp(run_cols[i], "area_mm2")) ai = i + 1;
    if (x->area_mm2 > 0)
        sqlite3_bind_double(st, ai, x->area_mm2);
    else
        sqlite3_bind_null(st, ai);
    if (sqlite3_step(st) != SQLITE_DONE) return sql_error(r->db, d, "cannot log the run");
    *id = sqlite3_changes(r->db) ? sqlite3_last_insert_rowid(r->db) : 0;
    return LP_OK;
}

/* Child rows from an object of numbers: (run, key, value). */
static lp_status insert_pairs(rdb *r, const char *sql, int64_t id, const json_t *obj, bool as_int, lp_diag *d)
{
    if (!json_is_object(obj)) return LP_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) return sql_error(r->db, d, "cannot log the run");
    const char *k;
    json_t *v;
    lp_status s = LP_OK;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!json_is_number(v)) continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
        if (as_int)
            sqlite3_bind_int64(st, 3, json_is_integer(v) ? json_integer_value(v) : (sqlite3_int64)json_number_value(v));
        else
            sqlite3_bind_double(st, 3, json_number_value(v));
        if (sqlite3_step(st) != SQLITE_DONE) {
            s = sql_error(r->db, d, "cannot log the run");
            break;
        }
    }
    sqlite3_finalize(st);
    return s;
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double jnum(const json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static lp_status insert_ops(rdb *r, int64_t id, const json_t *ops, lp_diag *d)
{
    if (!json_is_array(ops)) return LP_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO run_ops (run_id, seq, op, kind, shape, repeat, cycles, latency_ns, energy_pj, "
                           "macs, dram_bytes, bound, mapping_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(r->db, d, "cannot log the run");
    lp_status s = LP_OK;
    size_t i;
    json_t *o;
    json_array_foreach(ops, i, o)
    {
        char *map = json_dumps(json_object_get(o, "mapping"), JSON_COMPACT | JSON_SORT_KEYS);
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, jstr(o, "op"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, jstr(o, "kind"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, jstr(o, "shape"), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)jnum(o, "repeat"));
        sqlite3_bind_int64(st, 7, (sqlite3_int64)jnum(o, "cycles"));
        sqlite3_bind_double(st, 8, jnum(o, "latency_ns"));
        sqlite3_bind_double(st, 9, jnum(o, "energy_pj"));
        sqlite3_bind_int64(st, 10, (sqlite3_int64)jnum(o, "macs"));
        sqlite3_bind_int64(st, 11, (sqlite3_int64)jnum(o, "dram_bytes"));
        sqlite3_bind_text(st, 12, jstr(o, "bound"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 13, map ? map : "{}", -1, SQLITE_TRANSIENT);
        free(map);
        if (sqlite3_step(st) != SQLITE_DONE) {
            s = sql_error(r->db, d, "cannot log the run");
            break;
        }
    }
    sqlite3_finalize(st);
    return s;
}

lp_status rdb_log_run(rdb *r, const rdb_run *x, json_t *report, int64_t *id, lp_diag *d)
{
    char uuid[33], now[32], host[256] = "";
    *id = 0;
    if (x->uuid)
        snprintf(uuid, sizeof uuid, "%s", x->uuid);
    else
        new_uuid(uuid);
    rdb_now(now, sizeof now);
    if (gethostname(host, sizeof host - 1)) snprintf(host, sizeof host, "unknown");
    lp_status s = prepare_insert(r, d);
    if (s || (s = exec_sql(r->db, "BEGIN IMMEDIATE", d, "cannot log the run"))) return s;
    if ((s = insert_run(r, x, report, uuid, now, host, id, d))) goto rollback;
    if (*id && report) {
        if ((s = insert_pairs(r, "INSERT INTO run_energy VALUES (?, ?, ?)", *id,
                              json_object_get(report, "energy_breakdown_pj"), false, d)) ||
            (s = insert_pairs(r, "INSERT INTO run_macs VALUES (?, ?, ?)", *id,
                              json_object_get(report, "macs_by_format"), true, d)) ||
            (s = insert_pairs(r, "INSERT INTO run_units VALUES (?, ?, ?)", *id, json_object_get(report, "busy_cycles"),
                              true, d)) ||
            (s = insert_ops(r, *id, json_object_get(report, "operations"), d)))
            goto rollback;
    }
    return exec_sql(r->db, "COMMIT", d, "cannot log the run");
rollback:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    *id = 0;
    return s;
}

lp_status rdb_log_sweep(rdb *r, const char *hash, const char *file, const char *text, size_t points, lp_diag *d)
{
    sqlite3_stmt *st;
    char now[32];
    rdb_now(now, sizeof now);
    if (sqlite3_prepare_v2(r->db, "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        return sql_error(r->db, d, "cannot log the sweep");
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)points);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? LP_OK : sql_error(r->db, d, "cannot log the sweep");
}

lp_status rdb_points_finished(rdb *r, const char *hash, bool timing_only, size_t n, bool *finished, lp_diag *d)
{
    sqlite3_stmt *st;
    memset(finished, 0, n * sizeof *finished);
    if (sqlite3_prepare_v2(r->db,
                           "SELECT point_index FROM runs WHERE sweep_hash = ? AND mode = ? AND status <> 'crashed'", -1,
                           &st, NULL) != SQLITE_OK)
        return sql_error(r->db, d, "cannot read the sweep's runs");
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, timing_only ? "timing-only" : "functional", -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 k = sqlite3_column_int64(st, 0);
        if (k >= 0 && (uint64_t)k < n) finished[k] = true;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? LP_OK : sql_error(r->db, d, "cannot read the sweep's runs");
}
