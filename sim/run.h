/*
** run.h — the one run path: load an architecture and a kernel, simulate it
** (functional and timing, or timing only), collect the statistics and check
** the kernel's expected outputs. `lpsim exec` calls it; `run`, `sweep` and
** `validate` will too.
**
** Every error is a status plus a diagnostic placed where the user can act:
** the architecture file's line, the kernel's line, or, for what goes wrong
** while simulating, the line of the instruction's source (FILE.lpt:1:1 for a
** binary program, which keeps no source lines). An input that cannot be
** opened or named (no such preset, no such file) is left unplaced (line 0)
** with d->file the very pointer passed for it (arch or kernel), so that the
** command line can point at its argument.
*/
#ifndef LP_RUN_H
#define LP_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "arch.h"
#include "prog.h"
#include "qerr.h"
#include "stats.h"
#include "system.h"

typedef struct lp_run_opts {
    bool timing_only; /* skip the values: same cycles, faster; expectations not checked */
    FILE *trace;      /* receives the per-instruction trace CSV, or NULL */
    FILE *report;     /* receives the mismatches of failed expectations, or NULL */
    FILE *diags;      /* receives the assembler's diagnostics but the last, or NULL */
    int max_report;   /* mismatching elements reported per expectation */
    bool all_cores;   /* simulate every core, not one per group of timing twins (system.h) */
} lp_run_opts;

typedef struct lp_run {
    arch_cfg *arch; /* owned */
    isa_prog prog;
    lp_stats stats;
    lp_kernel_stats *kernels; /* one per kernel of the program (owned) */
    size_t nkernels;
    size_t expectations; /* checked (0 in timing-only runs) */
    int failed;          /* expectations that failed */
    bool has_err;        /* functional run of a program that carries a float64 reference (prog.h) */
    qerr err;            /* its output's error against that reference (qerr.h) */
} lp_run;

/* Load the architecture (a preset or file) and the kernel (.s assembled
** against the architecture's buffer sizes, or .lpt), then lp_run_program.
** r is initialised here and must be freed with lp_run_free in every case. */
lp_status lp_run_kernel(const char *arch, const char *kernel, const lp_run_opts *o, lp_run *r, lp_diag *d);

/* Simulate r->prog on r->arch (both set by the caller and owned by r). kernel
** names the program in diagnostics when it keeps no source lines. LP_OK when
** the run completed (r->failed says whether its outputs matched). */
lp_status lp_run_program(lp_run *r, const char *kernel, const lp_run_opts *o, lp_diag *d);

void lp_run_free(lp_run *r);

#endif
