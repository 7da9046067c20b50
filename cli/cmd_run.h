/*
** cmd_run.h — `lpsim run`'s prediction as a function, for commands that
** predict many workloads (`lpsim validate`): the number `lpsim run --arch
** ARCH --workload SPEC --timing-only --json` prints as latency_ns, with the
** clock and the average power of the run.
**
** SystemC simulates once per process: a command calls cmd_run_predict at
** most once, in a process of its own (validate forks one per prediction).
*/
#ifndef LP_CMD_RUN_H
#define LP_CMD_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "run.h"
#include "workload.h"

typedef struct lp_run_pred {
    double latency_ns;       /* the run's latency_ns statistic */
    double clock_ghz;        /* the clock it ran at */
    double power_w;          /* its average power */
    double busy_ns;          /* latency_ns without the launch and the gaps between kernels */
    double energy_pj;        /* the run's energy */
    double matrix_energy_pj; /* of which the matrix unit's */
    double macs;             /* its MACs */
    int kernels;             /* kernels simulated */
} lp_run_pred;

/* Parse spec (the inline form of --workload), load arch (a preset or a YAML
** file), generate the program, simulate it timing-only with seed 1 and the
** post-processing of `lpsim run` (a model's repeated operations scaled in),
** and fill *out. LP_OK, or the failing step's status with d filled (the
** spec's errors at "<workload>":1:COL, the architecture's at its file or
** unplaced, the generator's and the simulator's unplaced or at the program's
** line). Prints nothing. */
lp_status cmd_run_predict(const char *arch, const char *spec, lp_run_pred *out, lp_diag *d);

/* `lpsim run --json`'s report of spec on arch (taken: freed here, whatever
** happens), simulated with seed (functional unless timing_only), printing
** nothing. LP_OK with *out (a new reference; its "failed" counts mismatching
** outputs); else the failing step's status with d filled as
** cmd_run_predict's. SystemC: at most once per process. */
lp_status cmd_run_report(arch_cfg *arch, const wl_spec *spec, uint64_t seed, bool timing_only, json_t **out,
                         lp_diag *d);

/* The reference the error report compares with (docs/workloads.md,
** "Numerical error"): the text of the JSON field error.reference. */
#define CMD_RUN_REFERENCE "float64 of the unquantised inputs"

/* The JSON object `error` of a functional run whose program carries a
** float64 reference (sqnr_db, max_rel_err: numbers, or null when undefined;
** dist (NULL: null); reference; exact; nonfinite; output: the buffer), or
** JSON null when it carries none (timing-only runs, programs from files).
** A new reference; NULL out of memory. */
json_t *cmd_run_error_json(const lp_run *r, const char *dist);

/* The text report's line of the same (nothing without a reference). */
void cmd_run_error_print(const lp_run *r, const char *dist, FILE *f);

#endif
