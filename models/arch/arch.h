/*
** arch.h — architecture files: the accelerator lpsim simulates (clock, DRAM,
** scratchpad and accumulator buffers, DMA engines, matrix and vector units),
** read from YAML with libcyaml against the one table of keys in arch.def.
**
** Strict: an unknown key, a duplicate, a value of the wrong type or out of its
** range is an error at FILE:LINE:COL (positions come from a libyaml pass over
** the same text, since libcyaml's own lag by one event). Absent keys take their
** defaults. Presets (the YAML files of models/arch/presets) are compiled in, named like
** files: "b200-mx" loads the preset, anything with a '/' or ".yaml" a file.
*/
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"

typedef enum arch_kind { ARCH_TENSOR_CORE, ARCH_PIM, ARCH_FPGA } arch_kind;

/* One entry of matrix.formats: the MAC rate and energy of an element format. */
typedef struct arch_rate {
    char *format;             /* lpsim format name */
    double macs_per_cycle;    /* multiply-accumulates per cycle, whole unit */
    double energy_pj_per_mac; /* energy of one MAC */
} arch_rate;

typedef struct arch_dram {
    double bw_gbps, lat_ns, energy_pj_per_bit;
} arch_dram;

typedef struct arch_mem {
    uint64_t size_bytes, banks, bank_bytes, ports;
    double energy_pj_per_byte;
} arch_mem;

typedef struct arch_dma {
    uint64_t engines, bytes_per_cycle, burst_bytes;
} arch_dma;

typedef struct arch_matrix {
    int kind; /* arch_kind */
    uint64_t array_rows, array_cols, pipeline_cycles;
    char *preset;
    double area_mm2;
    arch_rate *formats;
    unsigned formats_count;
} arch_matrix;

typedef struct arch_vector {
    uint64_t lanes;
    double exp_cycles, reduce_cycles, energy_pj_per_op;
} arch_vector;

typedef struct arch_queues {
    uint64_t depth;
} arch_queues;

typedef struct arch_cfg {
    char *name;
    double clock_ghz;
    arch_dram dram;
    arch_mem spm, acc;
    arch_dma dma;
    arch_matrix matrix;
    arch_vector vector;
    arch_queues queues;
} arch_cfg;

/* Load an architecture from a preset name or a file. On success *out is a
** configuration owned by the caller (free with arch_free); on failure NULL
** and d holds FILE:LINE:COL and the message (LP_ERR_PARSE, LP_ERR_RANGE,
** LP_ERR_IO). */
lp_status arch_load(const char *name_or_path, arch_cfg **out, lp_diag *d);

/* The same from text in memory; file names the text in diagnostics. */
lp_status arch_load_text(const char *text, size_t len, const char *file, arch_cfg **out, lp_diag *d);

void arch_free(arch_cfg *a);

/* The rate of a format in the matrix unit, or NULL if it does not run it. */
const arch_rate *arch_rate_of(const arch_cfg *a, const char *format);

/* Print the effective configuration as YAML that loads back to the same
** values (every key, defaults included). */
void arch_print(const arch_cfg *a, FILE *f);

/* Print every key with type, default, range, unit and help (Markdown table). */
void arch_print_keys(FILE *f);

/* Names of the compiled-in presets; NULL past the end. */
const char *arch_preset_name(int i);

#endif
