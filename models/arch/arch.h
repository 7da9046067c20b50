/*
** arch.h — architecture files: the chip lpsim simulates (clock, DRAM,
** scratchpad and accumulator buffers, issue queues) and the units it has,
** read from YAML with libcyaml against the key tables (arch.def for the chip,
** each unit kind's own keys for its units; see cfg.h).
**
** Units are declared by sections named after them, `dma:`, `matrix:` and
** `vector:`, each one unit whose `kind` (default dma, tensor_core and vector)
** selects its model and keys; `dma` and `vector` exist with their defaults
** when absent, `matrix` only when declared. Further units, of any kind, go in a
** `units:` list, each with a name and a kind. A chip may thus hold several
** matrix-unit kinds (a tensor core beside PIM arrays).
**
** Strict: an unknown key, a duplicate, a value of the wrong type or out of its
** range, a kind a section cannot hold or that is not modelled yet is an error
** at FILE:LINE:COL. Absent keys take their defaults. Presets (the YAML files of
** models/arch/presets) are compiled in, named like files: "b200-mx" loads the
** preset, anything with a '/' or ".yaml" a file.
*/
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"
#include "unit_kinds.h"

typedef struct arch_dram {
    double bw_gbps, lat_ns, energy_pj_per_bit;
} arch_dram;

typedef struct arch_mem {
    uint64_t size_bytes, banks, bank_bytes, ports;
    double energy_pj_per_byte;
} arch_mem;

/* The level the cores share between their DMA and DRAM (size_bytes 0: none). */
typedef struct arch_l2 {
    uint64_t size_bytes;
    double bw_gbps, lat_ns, energy_pj_per_byte;
} arch_l2;

/* The power model: a kernel's clock under the cap (arch_power_clock). */
typedef struct arch_power {
    double cap_w, static_w, min_clock_ghz, rated_clock_ghz;
} arch_power;

typedef struct arch_queues {
    uint64_t depth;
} arch_queues;

#define ARCH_UNIT_NAME_MAX 24
#define ARCH_MAX_UNITS 16

/* One unit of the chip. */
typedef struct arch_unit {
    char name[ARCH_UNIT_NAME_MAX]; /* its section's name, or its name in units: */
    unit_kind kind;
    void *cfg; /* the kind's configuration struct (owned), or NULL for kinds without keys */
} arch_unit;

typedef struct arch_cfg {
    char *name;
    double clock_ghz;
    double launch_ns, kernel_gap_ns; /* per run, and between two kernels, besides their cycles */
    double host_dispatch_ns;         /* host time per call of a graph (lpsim predict's wall_ns) */
    double conv_call_ns;             /* host time per convolution called outside the graph (wall_ns too) */
    uint64_t fuse_after_products;    /* 1: fused composition joins elementwise consumers to a product */
    uint64_t cores;                  /* identical cores sharing l2 and dram */
    arch_dram dram;
    arch_l2 l2;
    arch_mem spm, acc;
    arch_power power;
    arch_queues queues;
    arch_unit *units; /* in declaration order: dma, matrix, vector sections, then units: */
    int nunits;
} arch_cfg;

/* Load an architecture from a preset name or a file. On success *out is a
** configuration owned by the caller (free with arch_free); on failure NULL
** and d holds FILE:LINE:COL and the message (LP_ERR_PARSE, LP_ERR_RANGE,
** LP_ERR_UNIT for a kind that is not modelled), or, when the name is neither
** a preset nor a readable file, the message unplaced (line 0, d->file the
** name_or_path pointer; LP_ERR_ARG no such preset or file, LP_ERR_IO) for the
** caller to place at the argument. Files over LP_MAX_ARCH_BYTES are refused. */
lp_status arch_load(const char *name_or_path, arch_cfg **out, lp_diag *d);

/* The same from text in memory; file names the text in diagnostics. */
lp_status arch_load_text(const char *text, size_t len, const char *file, arch_cfg **out, lp_diag *d);

void arch_free(arch_cfg *a);

/* The first unit that executes instructions of class cls, or NULL. */
const arch_unit *arch_unit_of_class(const arch_cfg *a, unit_class cls);

/* Print the effective configuration as YAML that loads back to the same
** values (every key, defaults included). */
void arch_print(const arch_cfg *a, FILE *f);

/* Print every key with type, default, range, unit and help (Markdown). */
void arch_print_keys(FILE *f);

/* Names of the compiled-in presets; NULL past the end. */
const char *arch_preset_name(int i);

/* The YAML text of the compiled-in preset `name`, or NULL. */
const char *arch_preset_text(const char *name);

/* The name is a file's to arch_load, not a preset's: it has a '/' or a .yaml or .yml in it. */
bool arch_name_is_file(const char *name_or_path);

#endif
