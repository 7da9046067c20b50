/*
** rdb.h — lpsim's results database: one SQLite file of runs (the schema is
** results/schema.sql, documented in docs/results.md).
**
** A database is lpsim's when its application_id says so; its user_version is
** the schema version. Opening refuses, before any write: a path that is not
** a regular file, a file that is not SQLite or fails SQLite's quick_check, a
** database that is not lpsim's, and one written by a newer lpsim. An empty
** file (or none, when writing) gets the schema; an older schema is brought up
** to date by the migrations, in one transaction.
**
** Writers use WAL mode and a busy timeout, so several processes (the workers
** of a sweep, concurrent sweeps, shards) write one file at once; each run is
** logged in one transaction, so a process killed at any moment leaves the
** database consistent and loses only the runs it had not logged. No global
** state; one rdb per thread.
*/
#ifndef LP_RDB_H
#define LP_RDB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"

#define RDB_VERSION 5                 /* PRAGMA user_version of schema.sql */
#define RDB_APPLICATION_ID 1819308905 /* PRAGMA application_id: 'lpsi' */
#define RDB_BUSY_TIMEOUT_MS 120000

typedef struct rdb rdb;

typedef enum rdb_mode {
    RDB_READ, /* the file must exist; queries only (PRAGMA query_only) */
    RDB_WRITE /* created when absent */
} rdb_mode;

/* Open the database at path. LP_OK with *out (close with rdb_close); else
** LP_ERR_IO with the reason in d, unplaced (the caller names the file), and
** the file unchanged. A reader migrates an older schema too (the one write it
** makes) and then refuses every write. */
lp_status rdb_open(const char *path, rdb_mode mode, rdb **out, lp_diag *d);

/* Close; NULL is fine. */
void rdb_close(rdb *db);

/* The connection, for queries (results/rdb_query.c, the commands). */
sqlite3 *rdb_sqlite(rdb *db);

/* A run's identity and context; the metrics come from its report. Text is
** UTF-8 as given (never interpreted); NULL text columns are stored as NULL
** where the schema allows it and as "" where it does not. */
typedef struct rdb_run {
    const char *uuid;         /* NULL: a new one */
    const char *started_at;   /* NULL: now */
    const char *host;         /* NULL: this host */
    const char *command_line; /* JSON array of the arguments */
    const char *engine;       /* NULL: "sim" */
    const char *arch_name, *arch_json, *unit_kind;
    const char *workload_kind, *workload, *workload_json, *formats;
    uint64_t seed;
    bool timing_only;
    const char *status; /* "done", "mismatch", "failed" or "crashed" */
    const char *error;  /* NULL when none */
    double wall_s;
    double area_mm2; /* 0: not known (stored as NULL) */
    const char *sweep_hash;
    int64_t point_index; /* -1: not a sweep point */
    const char *point_json;
} rdb_run;

/* Log run r with the metrics of report (the object `lpsim run --json` or
** `lpsim exec --json` prints; NULL for a run that did not finish) and its
** child rows, in one transaction. LP_OK with *id its row (0 when the sweep
** point was already logged as finished: the run is dropped); LP_ERR_IO with
** SQLite's message in d. */
lp_status rdb_log_run(rdb *db, const rdb_run *r, json_t *report, int64_t *id, lp_diag *d);

/* Record a sweep (INSERT OR IGNORE: the first record of a hash stays). */
lp_status rdb_log_sweep(rdb *db, const char *hash, const char *file, const char *text, size_t points, lp_diag *d);

/* Set finished[i] for each point i < n of sweep hash in mode already logged
** with a finished status (done, mismatch or failed; not crashed). */
lp_status rdb_points_finished(rdb *db, const char *hash, bool timing_only, size_t n, bool *finished, lp_diag *d);

/* Copy into db every run of the database at in_path that db lacks (by
** run_uuid; a sweep point db holds finished is skipped too), with its child
** rows and its sweep, in one transaction. LP_OK with the counts; errors as
** rdb_open's for in_path (unplaced) or SQLite's. */
lp_status rdb_merge(rdb *db, const char *in_path, size_t *added, size_t *skipped, lp_diag *d);

/* UTC now as ISO 8601 with milliseconds, "2026-12-02T04:05:06.789Z" (n >= 32). */
void rdb_now(char *buf, size_t n);

/* An architecture's effective configuration (YAML) as JSON: plain scalars
** that read as numbers become numbers. NULL on malformed YAML or no memory. */
json_t *rdb_yaml_json(const char *text, size_t len);

/* The sum of every number under key anywhere in j (area_mm2 of every unit). */
double rdb_json_sum(const json_t *j, const char *key);

/* What a run row says of its architecture (its effective configuration as
** JSON, rdb_yaml_json's): the matrix unit's kind into kind (n bytes; "" when
** none) and the declared area, every unit's area_mm2 times the cores. */
double rdb_arch_facts(const json_t *arch, char *kind, size_t n);

/* An inline workload ("layer model=tiny w=bf16 ...") as an object of its keys
** (the first word as "kind"; numbers as numbers), and its format keys as
** "w=bf16 a=bf16 kv=bf16" into formats (n bytes). NULL out of memory. */
json_t *rdb_spec_json(const char *spec, char *formats, size_t n);

/* The schema as one string (malloc'd; NULL out of memory). */
char *rdb_schema_text(void);

#endif
