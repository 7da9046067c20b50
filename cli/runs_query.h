/*
** runs_query.h — the queries `lpsim runs` and `lpsim pareto` share: a select
** over the runs table narrowed by the user's --where expression.
*/
#ifndef LP_RUNS_QUERY_H
#define LP_RUNS_QUERY_H

#include "cli.h"
#include "rdb.h"

/* Prepare "SELECT_PART WHERE (where) TAIL" (no WHERE when where is NULL; AND
** when the select has a WHERE of its own).
** LP_OK with *st; else LP_ERR_ARG with SQLite's message in d, unplaced,
** when the expression is not one valid expression. */
lp_status runs_prepare(rdb *db, const char *select, const char *where, const char *tail, sqlite3_stmt **st, lp_diag *d);

/* Write s to stdout as one CSV field (RFC 4180: quoted when it holds a
** comma, a quote or a line break; quotes doubled). */
void runs_csv_cell(const char *s);

/* Print d at the --where argument and return the exit status. */
int runs_where_fail(const cli_cmd *cmd, const cli_args *a, lp_diag *d);

#endif
