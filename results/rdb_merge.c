/*
** rdb_merge.c — `lpsim merge`: the runs of one database copied into another.
** The input is checked as any database lpsim opens (rdb_open, which also
** brings an older schema up to date), then attached to the output's
** connection; runs are copied by named columns (the column order of a
** migrated table differs from a new one's) with fresh ids, their child rows
** following. A run the output holds (same run_uuid) is skipped, and so is a
** sweep point it holds finished (the unique index refuses the second row).
*/
#define _POSIX_C_SOURCE 200809L
#include "rdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lp_status merge_error(sqlite3 *db, lp_diag *d)
{
    return lp_diag_msg(d, LP_ERR_IO, "cannot merge: %s", sqlite3_errmsg(db));
}

/* "a, b, c": the runs columns but id, from the output's table. */
static lp_status run_columns(sqlite3 *db, char *buf, size_t n, lp_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('runs', 'main') WHERE name <> 'id' ORDER BY cid", -1,
                           &st, NULL) != SQLITE_OK)
        return merge_error(db, d);
    size_t k = 0;
    buf[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW && k < n)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? ", " : "", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return k && k < n ? LP_OK : lp_diag_msg(d, LP_ERR_IO, "cannot merge: the runs table has no columns");
}

static lp_status prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, lp_diag *d)
{
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? LP_OK : merge_error(db, d);
}

/* Copy each source run the output lacks; children by the new id. */
static lp_status copy_runs(sqlite3 *db, const char *cols, size_t *added, size_t *skipped, lp_diag *d)
{
    static const char *const children[] = {
        "INSERT INTO main.run_energy SELECT ?1, component, energy_pj FROM src.run_energy WHERE run_id = ?2",
        "INSERT INTO main.run_macs SELECT ?1, format, macs FROM src.run_macs WHERE run_id = ?2",
        "INSERT INTO main.run_units SELECT ?1, unit, busy_cycles FROM src.run_units WHERE run_id = ?2",
        "INSERT INTO main.run_ops SELECT ?1, seq, op, kind, shape, repeat, cycles, latency_ns, energy_pj, macs, "
        "dram_bytes, bound, mapping_json FROM src.run_ops WHERE run_id = ?2",
    };
    enum { NCHILD = 4 };
    char sql[2048];
    sqlite3_stmt *list = NULL, *copy = NULL, *child[NCHILD] = {0};
    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO main.runs (%s) SELECT %s FROM src.runs WHERE id = ?1 AND run_uuid NOT IN (SELECT "
             "run_uuid FROM main.runs)",
             cols, cols);
    lp_status s = prep(db, "SELECT id FROM src.runs ORDER BY id", &list, d);
    if (!s) s = prep(db, sql, &copy, d);
    for (int i = 0; !s && i < NCHILD; i++) s = prep(db, children[i], &child[i], d);
    int rc = SQLITE_DONE;
    while (!s && (rc = sqlite3_step(list)) == SQLITE_ROW) {
        sqlite3_int64 old = sqlite3_column_int64(list, 0);
        sqlite3_reset(copy);
        sqlite3_bind_int64(copy, 1, old);
        if (sqlite3_step(copy) != SQLITE_DONE) {
            s = merge_error(db, d);
            break;
        }
        if (!sqlite3_changes(db)) {
            (*skipped)++;
            continue;
        }
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        for (int i = 0; i < NCHILD && !s; i++) {
            sqlite3_reset(child[i]);
            sqlite3_bind_int64(child[i], 1, id);
            sqlite3_bind_int64(child[i], 2, old);
            if (sqlite3_step(child[i]) != SQLITE_DONE) s = merge_error(db, d);
        }
        (*added)++;
    }
    if (!s && rc != SQLITE_DONE) s = merge_error(db, d);
    sqlite3_finalize(list);
    sqlite3_finalize(copy);
    for (int i = 0; i < NCHILD; i++) sqlite3_finalize(child[i]);
    return s;
}

lp_status rdb_merge(rdb *r, const char *in_path, size_t *added, size_t *skipped, lp_diag *d)
{
    *added = *skipped = 0;
    rdb *in;
    lp_status s = rdb_open(in_path, RDB_READ, &in, d);
    if (s) return s;
    rdb_close(in);
    sqlite3 *db = rdb_sqlite(r);
    sqlite3_stmt *st;
    if ((s = prep(db, "ATTACH ? AS src", &st, d))) return s;
    sqlite3_bind_text(st, 1, in_path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return merge_error(db, d);
    char cols[1536];
    if ((s = run_columns(db, cols, sizeof cols, d))) goto detach;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        s = merge_error(db, d);
        goto detach;
    }
    if (sqlite3_exec(db, "INSERT OR IGNORE INTO main.sweeps SELECT * FROM src.sweeps", NULL, NULL, NULL) != SQLITE_OK)
        s = merge_error(db, d);
    if (!s) s = copy_runs(db, cols, added, skipped, d);
    if (!s && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) s = merge_error(db, d);
    if (s) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), *added = 0;
detach:
    sqlite3_exec(db, "DETACH src", NULL, NULL, NULL);
    return s;
}
