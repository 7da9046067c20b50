/*
** power.c — the clock under the power cap (power.h).
*/
#include "power.h"

double arch_power_clock(const arch_cfg *a, double energy_pj, uint64_t cycles)
{
    double f = a->clock_ghz;
    if (a->power.cap_w <= 0 || cycles == 0) return f;
    double ns = (double)cycles / f;
    double dynamic_w = energy_pj / ns * 1e-3; /* pJ/ns = mW */
    double room = a->power.cap_w - a->power.static_w;
    if (a->power.static_w + dynamic_w <= a->power.cap_w) return f;
    double g = room > 0 ? f * room / dynamic_w : 0;
    return g < a->power.min_clock_ghz ? a->power.min_clock_ghz : g;
}

double arch_kernel_ns(const arch_cfg *a, size_t index, uint64_t cycles, double clock_ghz)
{
    return (index ? a->kernel_gap_ns : a->launch_ns) + (double)cycles / clock_ghz;
}

double arch_power_w(const arch_cfg *a, double energy_pj, double ns)
{
    return ns > 0 ? a->power.static_w + energy_pj / ns * 1e-3 : a->power.static_w;
}
