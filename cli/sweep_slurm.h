/*
** sweep_slurm.h — `lpsim sweep --slurm`: a sweep as a Slurm job array
** (docs/sweeps.md, docs/slurm.md). An sbatch script is written beside the
** database (DB.sbatch, kept for users to edit and resubmit) whose task I of N
** runs `lpsim sweep SWEEP --shard I/N --db DB.shard-I.db`; it is submitted
** with sbatch (run directly, no shell), and with --wait the shards are
** merged into DB when the array is done. Nothing is scheduled by lpsim.
*/
#ifndef LP_SWEEP_SLURM_H
#define LP_SWEEP_SLURM_H

#include <stdbool.h>

#include "cli.h"
#include "sweep.h"

typedef struct sweep_slurm_opts {
    const char *sweep_path, *db_path;
    int array;                    /* tasks */
    const char *partition, *time; /* NULL: Slurm's defaults */
    bool wait, timing_only, resume;
    int jobs; /* workers per task (its --cpus-per-task) */
} sweep_slurm_opts;

/* Write the script, submit it, and with wait merge the shards. Returns the
** command's exit status (errors printed, at the argument they concern). */
int sweep_slurm(const cli_cmd *cmd, const cli_args *a, const sw_sweep *sw, const sweep_slurm_opts *o);

#endif
