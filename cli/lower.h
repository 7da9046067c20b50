/*
** lower.h — `lpsim predict --compare-sim`: the graph lowered as `lpsim
** lower` lowers it (cm_lower.h), each distinct workload simulated
** timing-only as `lpsim run` simulates it, in processes forked for them
** (predict.h: SystemC simulates once per process), and compared op by op
** with the model's prediction (docs/costmodel.md, "Prediction against
** simulation").
**
** Both sides are on `lpsim run`'s terms, so that they compare: the
** simulated side is lpsim run's latency_ns and energy_pj of the workload
** times the op's repeat; the predicted side is the model's rows for the op
** (an attention's: its ops' rows, or its fused kernel) charged as a run of
** its own: their max(compute, memory) summed, launch_ns once and
** kernel_gap_ns between its kernels (in the graph's report the op pays
** kernel_gap_ns, the first op launch_ns), and their energy without the
** static power (lpsim run's energy_pj has none). The report's row figures
** are kept beside them in JSON.
*/
#ifndef LP_LOWER_H
#define LP_LOWER_H

#include <jansson.h>
#include <stdbool.h>

#include "cm_graph.h"
#include "cm_model.h"

/* Compare p (g on t, fused or not, t the terms of architecture arch, a
** preset name or a file as given to lpsim) with the simulation of g's
** lowered workloads on arch, --jobs at a time (the online processors). With
** report NULL print the comparison as text to stdout; else add the keys
** compare_sim (one object per lowered op) and compare_sim_summary to
** report. Workloads the simulator refuses are listed with its reason, not
** errors. Returns 0, or 2 with the error printed (out of memory). */
int lower_compare_sim(const cm_graph *g, const cm_target *t, const cm_prediction *p, bool fuse, const char *arch,
                      json_t *report);

#endif
