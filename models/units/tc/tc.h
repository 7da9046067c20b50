/*
** tc.h — the MX tensor core (unit kind tensor_core): a MAC array of
** array_rows x array_cols outputs per pass, taking elements of the formats it
** lists, each at its own rate (MACs per cycle for the whole array) and energy
** per MAC.
**
** Functional face (tc_func.c): MMA and MMA_MX through the dot-product model
** with the instruction's accumulation preset, bit-exact. Timing face
** (tc_timing.c): an m x n x k MMA runs ceil(m/rows) x ceil(n/cols) passes over
** the array, each taking ceil(k * rows * cols / rate) cycles at the operand
** format's rate, plus the pipeline's fill and drain once; a tile smaller than
** the array still takes a full pass (the under-utilisation a kernel writer
** wants to see). Cost face (tc_cost.c): energy per MAC of the format.
** The rate list is shared with other matrix kinds (ideal).
*/
#ifndef LP_TC_H
#define LP_TC_H

#include <stdio.h>

#include "units.h"

/* One entry of formats: the MAC rate and energy of an element format. */
typedef struct tc_rate {
    char *format;             /* lpsim format name (canonical once loaded) */
    double macs_per_cycle;    /* multiply-accumulates per cycle, whole unit */
    double energy_pj_per_mac; /* energy of one MAC */
} tc_rate;

typedef struct tc_cfg {
    uint64_t array_rows, array_cols, pipeline_cycles;
    char *preset;
    double area_mm2;
    tc_rate *formats;
    unsigned formats_count;
} tc_cfg;

extern const cfg_section tc_section;
extern const unit_faces tc_faces;

/* The bodies of MMA and MMA_MX, indexed by operation (other matrix kinds that
** compute the same values reuse them). */
extern const unit_body tc_ops[UNIT_OP_COUNT];

/* ---- the rate list, shared by matrix kinds ---------------------------------------- */

/* The libcyaml schema of one entry, and of the list as a field of struct T. */
extern const cyaml_schema_value_t tc_rate_entry;
#define TC_RATES_FIELD(T)                                                                                              \
    CYAML_FIELD_SEQUENCE("formats", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, formats, &tc_rate_entry, 0, 64),
#define TC_RATES_DOC                                                                                                   \
    "| `%1$s.formats` | list | (required) |  |  | %2$seach entry `{format: FMT, macs_per_cycle: N, "                   \
    "energy_pj_per_mac: "                                                                                              \
    "E}`: an element format the unit multiplies, its rate for the whole unit and its energy |\n"

/* The widest format a rate list names: 19 bits, TF32 (e8m10: NVIDIA's tensor
** cores since Ampere multiply float32 operands rounded to it, the frameworks'
** default for float32 products). The functional face multiplies formats of at
** most 16 bits (tc_func.c refuses wider operands); a wider rate serves timing
** and the cost model (lpsim predict). */
#define TC_RATE_MAX_BITS 19

/* Check a rate list (at least one entry, known formats of at most
** TC_RATE_MAX_BITS bits, no format twice, rates in (0, 1e9], energies >= 0)
** and make every format name canonical. Messages name w->path
** ("matrix.formats[1].format"). */
lp_status tc_rates_check(tc_rate *r, unsigned n, const cfg_where *w, lp_diag *d);

/* Print the list as YAML at indent. */
void tc_rates_print(const tc_rate *r, unsigned n, FILE *f, const char *indent);

/* The entry of a canonical format name, or NULL when the unit does not run it. */
const tc_rate *tc_rate_of(const tc_rate *r, unsigned n, const char *format);

/* The format whose rate an MMA runs at: A's format, or A's MX element format. */
const mf_format *tc_op_format(const unit_op *op);

/* LP_ERR_UNIT with d's message "does not run FMT (it runs ...)". */
lp_status tc_rate_missing(const tc_rate *r, unsigned n, const char *format, lp_diag *d);

/* ---- the faces ---------------------------------------------------------------------- */

lp_status tc_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
double tc_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);

#endif
