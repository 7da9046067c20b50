/*
** predict.h — predictions of `lpsim run`'s model in child processes, for
** commands that predict many workloads (validate, calibrate), and of `lpsim
** predict`'s cost model for graphs (validate --graphs). SystemC
** elaborates and simulates once per process, so each prediction runs in a
** process forked for it (cmd_run_predict), --jobs at a time; the parent
** never simulates. A child sends its result through a pipe as one
** fixed-size message (under PIPE_BUF: written at once).
*/
#ifndef LP_PREDICT_H
#define LP_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "cmd_run.h"
#include "lp_diag.h"
#include "validate.h"

#ifndef LPSIM_DATA_DIR
#define LPSIM_DATA_DIR "../shared/data"
/* `lpsim predict --arch ARCH FILE --json [--fuse]` run as that command runs
** (cmd_predict, in a process forked for it, which forks again to read the
** MLIR), its standard output captured: the report's JSON object (the
** caller's, json_decref), or NULL with why[0..n) saying what failed (the
** command's first line of errors, or how its process ended). */
json_t *lp_predict_graph(const char *arch, const char *file, bool fuse, char *why, size_t n);

#endif
/* The measurements `lpsim validate` and `lpsim calibrate` read by default. */
#define LP_PREDICT_DEFAULT_DATA LPSIM_DATA_DIR "/h100_latency"
/* The graphs and their measured runtimes `lpsim validate --graphs` reads by default. */
#define LP_PREDICT_DEFAULT_GRAPHS LPSIM_DATA_DIR "/mlir"
#define LP_PREDICT_MAX_JOBS 1024 /* predictions at once, at most */

/* The default of --jobs: the online CPUs, 1 .. LP_PREDICT_MAX_JOBS. */
long lp_predict_default_jobs(void);

/* What a child sends back: one write of under PIPE_BUF bytes. */
typedef struct lp_pred_msg {
    int status; /* lp_status of cmd_run_predict */
    int line, col;
    lp_run_pred run;
    char file[96];
    char msg[LP_DIAG_MSG_MAX];
} lp_pred_msg;

typedef struct lp_pred {
    const char *spec;
    size_t shape; /* the first shape (report order) with this workload */
    lp_pred_msg res;
    pid_t pid;
    int fd;
    bool failed;
    char why[512]; /* a failure, in words */
} lp_pred;

/* Run every prediction of p[0..n) on arch, at most jobs at once, in index
** order; after a failure none starts unless keep_going. Returns the index
** of the first that failed (its why says how), or n when none did. */
size_t lp_predict_all(const char *arch, lp_pred *p, size_t n, long jobs, bool keep_going);

/* The distinct workloads of the selected shapes (sel[i]), in report order;
** pred_of[i] the prediction of shape i. NULL when out of memory. */
lp_pred *lp_pred_distinct(const lp_val_set *set, const bool *sel, size_t *pred_of, size_t *npred);

/* `lpsim predict --arch ARCH FILE --json [--fuse]` run as that command runs
** (cmd_predict, in a process forked for it, which forks again to read the
** MLIR), its standard output captured: the report's JSON object (the
** caller's, json_decref), or NULL with why[0..n) saying what failed (the
** command's first line of errors, or how its process ended). */
json_t *lp_predict_graph(const char *arch, const char *file, bool fuse, char *why, size_t n);

#endif
