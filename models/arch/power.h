/*
** power.h — the chip's clock under its power cap (the power: section of an
** architecture, arch.def).
**
** A kernel simulated at clock_ghz for `cycles` cycles with `energy_pj` of
** dynamic energy draws static_w + energy / time. When that exceeds cap_w the
** chip lowers its clock until it fits, as a GPU's power management does over
** a kernel long enough to reach its limit: the kernel keeps its cycles (a
** compute-bound kernel's time scales as 1/f) and its energy (energy per
** operation taken as independent of the clock), so its power falls as f and
** the clock that meets the cap is f = clock_ghz * (cap_w - static_w) /
** (energy / time at clock_ghz), never below min_clock_ghz. A memory-bound
** kernel draws less and keeps clock_ghz; one that is both (rare: it would
** need the cap at a memory-bound rate) is charged as compute-bound, which
** overstates its slow-down (docs/validation.md).
*/
#ifndef LP_POWER_H
#define LP_POWER_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

/* The clock (GHz) a kernel of `cycles` cycles and `energy_pj` runs at. */
double arch_power_clock(const arch_cfg *a, double energy_pj, uint64_t cycles);

/* The time (ns) of a run's kernel at that clock: launch_ns before the first
** (index 0), kernel_gap_ns before any other. */
double arch_kernel_ns(const arch_cfg *a, size_t index, uint64_t cycles, double clock_ghz);

/* Average power (W) of `energy_pj` spread over `ns`, static power included. */
double arch_power_w(const arch_cfg *a, double energy_pj, double ns);

#endif
