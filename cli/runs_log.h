/*
** runs_log.h — `lpsim run --db FILE` and `lpsim exec --db FILE`: one run
** logged to a results database (docs/results.md), as a sweep logs its points.
*/
#ifndef LP_RUNS_LOG_H
#define LP_RUNS_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "rdb.h"

/* The command line as a JSON array (malloc'd; NULL out of memory). */
char *runs_argv_json(int argc, char **argv);

/* Log one finished run of workload (kind "program" for exec: workload is the
** kernel's path) on arch with its JSON report (NULL with error when it
** failed). wall_s from the command's start. LP_OK, or d unplaced. */
lp_status runs_log_one(rdb *db, int argc, char **argv, const arch_cfg *arch, const char *workload_kind,
                       const char *workload, uint64_t seed, bool timing_only, json_t *report, const char *error,
                       double wall_s, lp_diag *d);

/* Seconds since an arbitrary start, for wall_s. */
double runs_now_s(void);

#endif
