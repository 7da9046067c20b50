/*
** runs_query.c — the runs select with the user's --where (runs_query.h).
** The expression goes into the statement as SQL (that is what it is for);
** the connection is query-only (rdb_open RDB_READ) and a statement with text
** after it, or with a statement of its own inside, is refused, so it can only
** filter rows.
*/
#define _POSIX_C_SOURCE 200809L
#include "runs_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lp_status runs_prepare(rdb *db, const char *select, const char *where, const char *tail, sqlite3_stmt **st, lp_diag *d)
{
    *st = NULL;
    if (where && strlen(where) > 4096) return lp_diag_msg(d, LP_ERR_ARG, "the expression is longer than 4096 bytes");
    size_t n = strlen(select) + strlen(tail) + (where ? strlen(where) : 0) + 32;
    char *sql = malloc(n);
    if (!sql) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    const char *join = strstr(select, " WHERE ") ? " AND (" : " WHERE (";
    snprintf(sql, n, "%s%s%s%s %s", select, where ? join : "", where ? where : "", where ? "\n)" : "", tail);
    const char *rest = NULL;
    int rc = sqlite3_prepare_v2(rdb_sqlite(db), sql, -1, st, &rest);
    lp_status s = LP_OK;
    if (rc != SQLITE_OK)
        s = lp_diag_msg(d, LP_ERR_ARG, "not a valid SQL expression over the runs columns: %s",
                        sqlite3_errmsg(rdb_sqlite(db)));
    else if (rest && rest[strspn(rest, " \t\r\n;")])
        s = lp_diag_msg(d, LP_ERR_ARG, "one SQL expression only, not statements");
    if (s) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    free(sql);
    return s;
}

int runs_where_fail(const cli_cmd *cmd, const cli_args *a, lp_diag *d) { return cli_fail_arg(cmd, a, "where", -1, d); }

void runs_csv_cell(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}
