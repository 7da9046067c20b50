/*
** units.h — units as first-class parts. The unit table (units.def) names
** every kind of unit; each kind lives in its own folder under models/units/
** with three faces kept apart, bound in its p_faces (unit_faces below):
**   functional  ops[]: one body per operation of its class, computing the
**               values bit-exactly on the memories (and its own state);
**   timing      timing(): the cycles an operation keeps the unit busy, from
**               shapes, formats and the configuration, never values;
**   cost        energy_pj(): the energy of an operation;
** and its architecture keys in its p_section (cfg.h). docs/units.md shows
** how a kind is added.
** An operation (unit_op) is what an instruction asks of a unit, its operands
** by name; isa/ decodes instructions into operations, sim/ composes the faces
** in time, the cost model calls the timing and cost faces directly.
**
** Invariants: every kind with a functional face has a body for every
** operation of its class (units_check() asserts it; a test runs it); kinds
** whose timing is not modelled are refused by the architecture loader.
*/
#ifndef LP_UNITS_H
#define LP_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "cfg.h"
#include "dot.h"
#include "lp_diag.h"
#include "mem.h"
#include "mf.h"
#include "mx.h"
#include "unit_kinds.h"

#define UNIT_MAX_RANGES 6

/* One operation for a unit, with its operands by the names isa.def gives
** them. Memory operands are ranges (space, address, rows of row_bytes bytes
** pitch apart); r[] holds every one in operand order (the scoreboard's and the
** banks' view). Fields an operation does not use are zero. */
typedef struct unit_op {
    unit_op_id what;
    mem_range dst, src, a, b, c, sa, sb, scales, x, y, v;
    uint64_t arr;                      /* first PIM array */
    uint64_t rows, cols, m, n, k;      /* shapes */
    uint64_t abits, wbits;             /* PIM operand widths */
    mf_format fmt, fa, fb, dfmt, sfmt; /* element formats */
    const mx_elem *elem, *ea, *eb;     /* MX element types */
    const dot_cfg *preset;             /* accumulation preset */
    bool acc;                          /* accumulate into c (else overwrite) */
    bool bitserial;                    /* PIM GEMV algorithm (else LUT-based) */
    mf_round round;
    uint32_t imm; /* float32 immediate, as bits */
    mem_range r[UNIT_MAX_RANGES];
    int nr;
} unit_op;

/* What a functional face works on: the memories, the unit's configuration
** (NULL when no unit of the chip declares the kind) and its own state, which
** a body may create (*state) and the kind's state_free releases. */
typedef struct unit_ctx {
    mem_image *mem;
    const void *cfg;
    void **state;
} unit_ctx;

typedef lp_status (*unit_body)(unit_ctx *u, const unit_op *op, lp_diag *d);

/* Cycles of an operation on one unit, alone (no queues, no contention). */
typedef struct unit_timing {
    uint64_t cycles;    /* cycles the unit is busy */
    uint64_t macs;      /* multiply-accumulates performed (matrix units) */
    double peak_cycles; /* cycles those MACs take at the unit's peak rate */
    double utilization; /* useful MAC slots / MAC slots of the passes */
} unit_timing;

/* The faces of a kind (defined in its folder as p_faces). */
typedef struct unit_faces {
    const unit_body *ops;            /* functional face, indexed by unit_op_id */
    void (*state_free)(void *state); /* NULL when the kind keeps no state */
    /* timing face: LP_OK, or LP_ERR_UNIT with d's message when the unit cannot
    ** perform the operation (a format it does not run). NULL: not modelled. */
    lp_status (*timing)(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
    /* cost face: energy of an operation whose timing is t. NULL: the kind has
    ** no energy of its own (DMA engines: what they move is charged to the
    ** memories), and the statistics list no energy for its units. */
    double (*energy_pj)(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);
} unit_faces;

typedef struct unit_kind_info {
    const char *name; /* as architecture files spell it */
    int code;         /* stable */
    unit_class cls;
    const char *help;
    const cfg_section *section; /* its architecture keys, or NULL */
    const unit_faces *faces;    /* NULL: not modelled at all */
} unit_kind_info;

const unit_kind_info *unit_kind_get(unit_kind k);
/* Kind by its name in architecture files; -1 if none. */
int unit_kind_lookup(const char *name);
/* True when the simulator can run the kind (functional and timing faces). */
bool unit_kind_simulated(unit_kind k);

const char *unit_class_name(unit_class c);
const char *unit_op_name(unit_op_id op);
unit_class unit_op_class(unit_op_id op);
unit_vcost unit_op_vcost(unit_op_id op);

/* The kind that computes an operation's values when the chip declares no unit
** of its class: the first kind of the class with a functional face. */
unit_kind unit_reference_kind(unit_class c);

/* Run the body of an operation on a unit of kind k. LP_OK, or what the body
** reports. */
lp_status unit_exec(unit_kind k, unit_ctx *u, const unit_op *op, lp_diag *d);

/* Assert the table's invariants (every kind with a functional face has a body
** for each operation of its class); our bug if one fails. */
void units_check(void);

#endif
