/*
** sweep_run.h — the points of a sweep run on worker processes and logged to
** the results database as each finishes (`lpsim sweep`, docs/sweeps.md).
**
** Each point runs in a process of its own, forked from this one (SystemC
** elaborates once per process), at most jobs at a time; the child simulates
** and sends its report back through a pipe, and this process alone writes
** the database, one transaction per run, the moment a point finishes. A
** point that fails is logged with its error (status failed, or mismatch for
** outputs that differ), one whose process dies is logged as crashed, and the
** sweep goes on. Children die with this process (PR_SET_PDEATHSIG), so a
** killed sweep leaves no orphan simulating; the points in flight are lost and
** --resume runs them again.
**
** Rows depend only on the sweep file, the point and the mode, never on jobs
** or shards (apart from run_uuid, started_at, host, wall_s, command_line).
*/
#ifndef LP_SWEEP_RUN_H
#define LP_SWEEP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lp_diag.h"
#include "rdb.h"
#include "sweep.h"

typedef struct sweep_opts {
    int jobs;                  /* worker processes, >= 1 */
    unsigned shard_i, shard_n; /* run the points i with i % shard_n == shard_i */
    bool resume;               /* skip the points the database holds finished */
    bool timing_only;
    const char *command_line; /* JSON array, stored with each run */
    FILE *progress;           /* progress bar (a terminal) or lines; NULL: none */
    bool tty;
    const struct cm_coefs *model; /* non-NULL: --engine model (sweep_run_model) */
} sweep_opts;

typedef struct sweep_tally {
    size_t total;   /* points in this shard */
    size_t skipped; /* already finished (--resume) */
    size_t done, failed, crashed, duplicate;
    size_t infeasible; /* designs over their device's budget or below their clock: logged, not run */
    double wall_s;     /* the whole sweep */
    double run_s;      /* inside the children's simulations, summed */
    double log_s;      /* writing the database, summed */
    double point_s;    /* fork to reap of each point, summed */
} sweep_tally;

/* Run the points of sw (its shard) into db. LP_OK when every point was
** logged (whether it failed or not); an error only when the database cannot
** be written or no process can be started, with d unplaced. */
lp_status sweep_run(const sw_sweep *sw, rdb *db, const sweep_opts *o, sweep_tally *t, lp_diag *d);

/* sweep_run with o->model's cost model instead of the simulator
** (sweep_model.c): in this process, each point logged with engine 'model'
** and mode timing-only. */
lp_status sweep_run_model(const sw_sweep *sw, rdb *db, const sweep_opts *o, sweep_tally *t, lp_diag *d);

/* Whether point i belongs to shard o. */
bool sweep_in_shard(const sweep_opts *o, size_t i);

#endif
