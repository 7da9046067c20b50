/*
** mem_cost.c — the memories' cost face (see mem.h): energy per bit moved
** across DRAM, per byte read or written in a buffer.
*/
#include "mem.h"

double mem_dram_energy_pj(const arch_dram *d, uint64_t bytes) { return (double)bytes * 8.0 * d->energy_pj_per_bit; }

double mem_buffer_energy_pj(const arch_mem *m, uint64_t bytes) { return (double)bytes * m->energy_pj_per_byte; }

double mem_dram_energy_pj_f(const arch_dram *d, double bytes) { return bytes * 8.0 * d->energy_pj_per_bit; }

double mem_l2_energy_pj(const arch_l2 *l, double bytes) { return bytes * l->energy_pj_per_byte; }
