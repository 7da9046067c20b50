/*
** mem.h — the chip's memories as a unit folder: memory spaces and the tiles
** (ranges) instructions touch, their functional face (the contents: a byte
** image per space, element access), timing face (interleaved banks with
** ports, and the DRAM channel) and cost face (energy per byte or bit).
**
** A range is rows rows of row_bytes bytes, pitch bytes apart, from addr. Bank
** timing is integer arithmetic on time ticks (the caller's unit, e.g. SystemC
** picoseconds): a range is treated as one contiguous span of its banks
** (strided bank mapping is not modelled).
*/
#ifndef LP_MEM_H
#define LP_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "lp_status.h"

typedef enum mem_space {
#define MEM_SPACE(id, name, text, help) MEM_##id,
#include "mem_spaces.def"
#undef MEM_SPACE
    MEM_SPACE_COUNT
} mem_space;

/* Memory levels reported by the statistics: DRAM, scratchpad, accumulators. */
#define MEM_LEVEL_COUNT 3

/* Short name ("spm") and text ("scratchpad") of a space. */
const char *mem_space_name(mem_space s);
const char *mem_space_text(mem_space s);

/* A tile an operation reads and/or writes. packed_bits: the width of one
** element as hardware stores it when narrower than a byte (FP4, FP6, int4:
** packed), else 8 (bytes stored as they are). The addresses and sizes are
** those of the functional face's images (one sub-byte element per byte);
** the timing and cost faces move and count the packed bytes
** (mem_range_bytes). */
typedef struct mem_range {
    mem_space space;
    bool read, write;
    uint64_t addr;
    uint64_t rows, row_bytes, pitch;
    int packed_bits;
} mem_range;

/* One past the last byte of a range. */
static inline uint64_t mem_range_end(const mem_range *r) { return r->addr + (r->rows - 1) * r->pitch + r->row_bytes; }

/* Two ranges conflict when they share a space and bytes, and one writes. */
bool mem_ranges_conflict(const mem_range *a, const mem_range *b);

/* Bytes of a range as stored (packed where its elements are narrower than a
** byte): (bytes * packed_bits + 7) / 8. */
static inline uint64_t mem_packed(uint64_t bytes, int packed_bits) { return (bytes * (uint64_t)packed_bits + 7) / 8; }

/* Bytes a range's tile takes as stored: its rows * row_bytes packed as one
** run (ceil(elements * bits / 8) for sub-byte elements, as docs/workloads.md
** counts a tensor). What DMA moves through DRAM and the L2 for it, and what
** the statistics and the energy count. */
static inline uint64_t mem_range_bytes(const mem_range *r)
{
    return mem_packed(r->rows * r->row_bytes, r->packed_bits);
}

/* Bytes of a stream packed at from_bits an element, as bytes of the same
** elements packed at to_bits: ceil(bytes * to_bits / from_bits), bytes itself
** when the two agree. Monotone, so that the images of consecutive pieces of a
** stream are consecutive pieces of the other. */
static inline uint64_t mem_repack(uint64_t bytes, int from_bits, int to_bits)
{
    if (from_bits == to_bits) return bytes;
    return (bytes * (uint64_t)to_bits + (uint64_t)from_bits - 1) / (uint64_t)from_bits;
}

/* ---- functional face: the contents -------------------------------------------- */

/* The bytes of DRAM, scratchpad and accumulator buffer (PIM arrays belong to
** the PIM unit's state). */
typedef struct mem_image {
    uint8_t *base[MEM_LEVEL_COUNT];
    uint64_t size[MEM_LEVEL_COUNT];
} mem_image;

/* Zeroed memories of the given sizes; LP_OK or LP_ERR_NOMEM. */
lp_status mem_image_init(mem_image *m, uint64_t dram_bytes, uint64_t spm_bytes, uint64_t acc_bytes);
void mem_image_free(mem_image *m);

/* First byte of a range (its space must be one of the levels; the range is
** inside the memory: checked by mem_check_range). */
static inline uint8_t *mem_ptr(const mem_image *m, const mem_range *r) { return m->base[r->space] + r->addr; }

/* LP_OK when the range lies inside the space's size, else LP_ERR_RANGE. */
lp_status mem_check_range(const mem_range *r, uint64_t size);

/* Element i of eb bytes (1, 2 or 4), little-endian, as a code. */
static inline uint32_t mem_get_code(const uint8_t *p, size_t i, int eb)
{
    uint32_t v = 0;
    for (int b = eb - 1; b >= 0; b--) v = v << 8 | p[i * (size_t)eb + (size_t)b];
    return v;
}

static inline void mem_put_code(uint8_t *p, size_t i, int eb, uint32_t v)
{
    for (int b = 0; b < eb; b++) p[i * (size_t)eb + (size_t)b] = (uint8_t)(v >> (8 * b));
}

static inline float mem_get_f32(const uint8_t *p, size_t i)
{
    float v;
    memcpy(&v, p + 4 * i, 4);
    return v;
}

static inline void mem_put_f32(uint8_t *p, size_t i, float v) { memcpy(p + 4 * i, &v, 4); }

/* ---- timing face: banks and the DRAM channel ---------------------------------- */

/* Banks interleaved every bank_bytes; each serves `ports` chunks per period. */
typedef struct mem_banks {
    uint64_t banks, bank_bytes, ports, period;
    uint64_t *free_at; /* per bank: tick when its queued work is done */
} mem_banks;

/* Banks of a buffer's configuration, with period ticks per cycle. LP_OK or
** LP_ERR_NOMEM. */
lp_status mem_banks_init(mem_banks *b, const arch_mem *cfg, uint64_t period);
void mem_banks_free(mem_banks *b);

/* An access of len bytes from addr, arriving at tick now: each bank it
** touches is busy for one period per `ports` chunks after the work already
** queued on it. Returns the tick at which the access completes (now when
** len is 0). */
uint64_t mem_banks_access(mem_banks *b, uint64_t addr, uint64_t len, uint64_t now);

/* The DRAM channel: transfers reserve it one after another. ns per byte at
** its bandwidth (the caller turns it into ticks), and the reservation. */
double mem_dram_ns_per_byte(const arch_dram *d);
/* A transfer of dur ticks arriving at now starts when the channel is free;
** returns its end and moves *free_at there. */
static inline uint64_t mem_channel_reserve(uint64_t *free_at, uint64_t now, uint64_t dur)
{
    uint64_t start = now > *free_at ? now : *free_at;
    *free_at = start + dur;
    return *free_at;
}

/* The shared levels as one core's DMA sees them during a kernel
** (docs/multicore.md). The `active` cores at work share the L2 and DRAM
** bandwidth equally and statically (a core that finishes early leaves its
** share unused). Of the loaded bytes, the fraction miss / total comes from
** DRAM, the misses counted by the kernel's plan (sim/cores.h: first loads,
** and reloads after more than the L2's size was loaded in between). Stores
** go through to DRAM. Without an L2 every byte
** is a DRAM byte, and one core alone sees the whole channel, as before cores
** existed. */
typedef struct mem_share {
    double load_ns_per_byte, store_ns_per_byte; /* channel time per byte moved */
    double dram_fraction;                       /* of loaded bytes, those read from DRAM */
    uint64_t load_lat_cycles, store_lat_cycles; /* before a transfer's first byte */
} mem_share;

void mem_share_of(const arch_cfg *a, uint64_t active, uint64_t load_bytes, uint64_t miss_bytes, mem_share *s);

/* ---- cost face ------------------------------------------------------------------ */

/* Energy of moving bytes across DRAM, and of reading or writing bytes of a
** buffer. */
double mem_dram_energy_pj(const arch_dram *d, uint64_t bytes);
double mem_buffer_energy_pj(const arch_mem *m, uint64_t bytes);
/* Energy of bytes (possibly fractional: the DRAM part of loads) in DRAM and the L2. */
double mem_dram_energy_pj_f(const arch_dram *d, double bytes);
double mem_l2_energy_pj(const arch_l2 *l, double bytes);

#endif
