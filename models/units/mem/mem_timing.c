/*
** mem_timing.c — the memories' timing face (see mem.h): banks interleaved
** every bank_bytes, each serving `ports` chunks per cycle, so that accesses
** that meet on a bank queue behind each other; and the DRAM channel's rate.
** Integer arithmetic on ticks.
*/
#include <math.h>
#include <stdlib.h>

#include "mem.h"

lp_status mem_banks_init(mem_banks *b, const arch_mem *cfg, uint64_t period)
{
    b->banks = cfg->banks;
    b->bank_bytes = cfg->bank_bytes;
    b->ports = cfg->ports;
    b->period = period;
    b->free_at = calloc(cfg->banks, sizeof *b->free_at);
    return b->free_at ? LP_OK : LP_ERR_NOMEM;
}

void mem_banks_free(mem_banks *b)
{
    free(b->free_at);
    b->free_at = NULL;
}

uint64_t mem_banks_access(mem_banks *b, uint64_t addr, uint64_t len, uint64_t now)
{
    uint64_t end = now;
    if (!len) return end;
    /* the span covers n chunks of bank_bytes, dealt round robin from the bank
    ** of the first chunk: each bank gets base or base + 1 of them */
    uint64_t c0 = addr / b->bank_bytes, n = (addr + len - 1) / b->bank_bytes - c0 + 1;
    uint64_t touched = n < b->banks ? n : b->banks, base = n / b->banks, extra = n % b->banks;
    for (uint64_t i = 0, k = c0 % b->banks; i < touched; i++, k = k + 1 == b->banks ? 0 : k + 1) {
        uint64_t chunks = base + (i < extra ? 1 : 0);
        uint64_t start = now > b->free_at[k] ? now : b->free_at[k];
        b->free_at[k] = start + b->period * ((chunks + b->ports - 1) / b->ports);
        if (b->free_at[k] > end) end = b->free_at[k];
    }
    return end;
}

double mem_dram_ns_per_byte(const arch_dram *d) { return 1.0 / d->bw_gbps; }

static uint64_t lat_cycles(double ns, double ghz) { return (uint64_t)ceil(ns * ghz - 1e-9); }

void mem_share_of(const arch_cfg *a, uint64_t active, uint64_t load_bytes, uint64_t miss_bytes, mem_share *s)
{
    double n = (double)(active ? active : 1), dram = mem_dram_ns_per_byte(&a->dram) * n;
    if (!a->l2.size_bytes) {
        *s = (mem_share){dram, dram, 1.0, lat_cycles(a->dram.lat_ns, a->clock_ghz),
                         lat_cycles(a->dram.lat_ns, a->clock_ghz)};
        return;
    }
    double f = load_bytes && miss_bytes < load_bytes ? (double)miss_bytes / (double)load_bytes : 1.0;
    double l2 = 1.0 / a->l2.bw_gbps * n;
    s->load_ns_per_byte = fmax(l2, f * dram);
    s->store_ns_per_byte = fmax(l2, dram);
    s->dram_fraction = f;
    s->load_lat_cycles = lat_cycles(a->l2.lat_ns + f * a->dram.lat_ns, a->clock_ghz);
    s->store_lat_cycles = lat_cycles(a->l2.lat_ns, a->clock_ghz); /* posted: the write-back L2 takes it */
}
