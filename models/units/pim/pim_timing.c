/*
** pim_timing.c — the PIM arrays' timing face (see pim.h, docs/pim.md): the
** events an operation causes in the arrays (row reads, row writes, logic
** steps) and the cycles they take, from shapes and configuration only.
**
** Three ways of computing y = W x, W rows x cols of b-bit weights, x of
** a-bit activations, m activation rows (1 for PIM_GEMV):
**   LUT (T-MAC, FACTS D.2; SAIL, D.1): W as b one-bit planes; for each group
**     of g activations a table of its 2^g subset sums (2^(g-1) with the sign
**     trick); one lookup per weight bit plane, group and output row, indexed
**     by the plane's g weight bits, shift-added into the row's accumulator.
**     Lookups are linear in b (T-MAC's "linear scaling ... relative to the
**     number of bits"). The tables are built from the activations, as T-MAC
**     builds them (from the weights, as SAIL's are, lookups would go per
**     activation bit and not scale with b), but in the arrays, bit-serially,
**     one lane per (group, activation row): the build of the whole batch
**     takes the row operations of one row while the batch's tables fit the
**     columns, and each lookup reads the entries of all m rows side by side
**     (array_cols / entry bits of them per row read): SAIL's batched
**     LUT-GEMV, where a batch amortises the build and the weight-index reads.
**   bit-serial (Neural Cache, D.3; PIMeval's counts, D.4): one element per
**     bitline, all columns of all arrays in parallel; per weight column x[c]
**     is broadcast (a row writes), multiplied (an n-bit multiply, n =
**     max(a, b)) and added (an acc_bits add); columns split over spare lanes
**     and reduced at the end. No amortisation over a batch.
**   adder tree (digital CIM macros, D.5): weights stationary, inputs
**     bit-serial; each array evaluates its adder trees once per activation
**     bit (t_logic), all arrays in parallel.
** A matrix larger than the arrays takes passes: each extra pass reloads a
** capacity of weights over the host interface. Activations in and results
** out stream over the host interface while the arrays compute (double
** buffered): a GEMV takes the longer of the two, plus one latency.
*/
#include <assert.h>
#include <math.h>

#include "pim.h"

static uint64_t ceil_div(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 0; }

static uint64_t ceil_log2(uint64_t x)
{
    uint64_t n = 0;
    while ((UINT64_C(1) << n) < x) n++;
    return n;
}

pim_steps pim_steps_add(uint64_t n) { return (pim_steps){2 * n, n, 3 * n + 1}; }
pim_steps pim_steps_mul(uint64_t n) { return (pim_steps){n * (n + 1), n * (n + 1) / 2, 2 * n * n + n}; }
pim_steps pim_steps_convert(uint64_t s, uint64_t d) { return (pim_steps){s < d ? s : d, d, 0}; }

static double step_cycles(const pim_cfg *c, pim_steps s)
{
    return (double)s.reads * c->t_read_cycles + (double)s.writes * c->t_write_cycles +
           (double)s.logic * c->t_logic_cycles;
}

/* k times the steps s happen in each of n arrays (events) */
static void add_events(pim_events *ev, pim_steps s, double k, double n)
{
    ev->reads += k * n * (double)s.reads;
    ev->writes += k * n * (double)s.writes;
    ev->logic += k * n * (double)s.logic;
}

static uint64_t acc_width(const pim_cfg *c) { return c->acc_bits ? c->acc_bits : 32; }

/* Cycles of moving bytes over the host interface (without its latency). */
static double host_cycles(const arch_cfg *chip, const pim_cfg *c, double bytes)
{
    return bytes / (c->host_bw_gbps / chip->clock_ghz);
}

/* Placing bits of weights: their transfer and the row writes, arrays in parallel. */
static double place_cycles(const arch_cfg *chip, const pim_cfg *c, uint64_t bits, pim_events *ev)
{
    uint64_t rows = ceil_div(bits, c->array_cols);
    ev->writes += (double)rows;
    ev->host_bytes += (double)ceil_div(bits, 8);
    return host_cycles(chip, c, (double)ceil_div(bits, 8)) + (double)ceil_div(rows, c->arrays) * c->t_write_cycles;
}

static double lut_cycles(const pim_cfg *c, const unit_op *op, uint64_t m, pim_events *ev)
{
    uint64_t g = c->lut_group, a = op->abits, b = op->wbits, R = op->rows, C = op->cols;
    uint64_t lanes = c->array_cols * c->arrays, A = c->arrays;
    uint64_t entries = c->lut_sign ? UINT64_C(1) << (g - 1) : UINT64_C(1) << g;
    uint64_t groups = ceil_div(C, g), eb = a + ceil_log2(g) + 1;
    /* build: write the g activations of each lane, then each entry from an
    ** earlier one by one add (Gray order); the sign trick first forms
    ** -x0-...-x(g-1) with g-1 more adds */
    uint64_t adds = entries - 1 + (c->lut_sign ? g - 1 : 0);
    uint64_t bpasses = ceil_div(groups * m, lanes);
    double bcyc = (double)(g * a) * c->t_write_cycles + (double)adds * step_cycles(c, pim_steps_add(eb));
    double barrays = (double)ceil_div(groups * m, c->array_cols);
    ev->writes += barrays * (double)(g * a);
    add_events(ev, pim_steps_add(eb), (double)adds, barrays);
    /* weight indices: the b planes' bits, a row of array_cols at a time, once for the batch */
    uint64_t ireads = ceil_div(R * b * C, c->array_cols);
    ev->reads += (double)ireads;
    /* lookups: one per plane, group and row; a row read holds per_row activation rows' entries */
    uint64_t per_row = c->array_cols / eb ? c->array_cols / eb : 1;
    uint64_t rounds = R * b * groups * ceil_div(m, per_row);
    ev->reads += (double)rounds;
    ev->logic += (double)rounds;
    /* reduction across the arrays a row spans when there are fewer rows than arrays */
    uint64_t span = R < A ? ceil_div(A, R) : 1;
    double rcyc = (double)ceil_log2(span) * step_cycles(c, pim_steps_add(acc_width(c)));
    add_events(ev, pim_steps_add(acc_width(c)), (double)(span - 1), (double)ceil_div(R * m, c->array_cols));
    return (double)bpasses * bcyc + (double)ceil_div(ireads, A) * c->t_read_cycles +
           (double)ceil_div(rounds, A) * (c->t_read_cycles + c->t_logic_cycles) + rcyc;
}

static double bitserial_cycles(const pim_cfg *c, const unit_op *op, uint64_t m, pim_events *ev)
{
    uint64_t a = op->abits, n = op->abits > op->wbits ? op->abits : op->wbits, R = op->rows, C = op->cols;
    uint64_t lanes = c->array_cols * c->arrays;
    uint64_t k = R < lanes ? lanes / R : 1; /* column chunks side by side */
    if (k > C) k = C;
    uint64_t rpasses = ceil_div(R, lanes), steps = ceil_div(C, k);
    double active = (double)ceil_div((R < lanes ? R : lanes) * k, c->array_cols);
    pim_steps mul = pim_steps_mul(n), add = pim_steps_add(acc_width(c));
    double col = (double)a * c->t_write_cycles + step_cycles(c, mul) + step_cycles(c, add);
    double per_row = (double)(rpasses * steps) * col + (double)ceil_log2(k) * step_cycles(c, add);
    double k_steps = (double)(m * rpasses * steps);
    ev->writes += k_steps * active * (double)a;
    add_events(ev, mul, k_steps, active);
    add_events(ev, add, k_steps + (double)(m * ceil_log2(k)), active);
    return (double)m * per_row;
}

static double adder_tree_cycles(const pim_cfg *c, const unit_op *op, uint64_t m, pim_events *ev)
{
    uint64_t per_array = c->array_rows * (c->array_cols / op->wbits ? c->array_cols / op->wbits : 1);
    uint64_t used = ceil_div(op->rows * op->cols, per_array), passes = ceil_div(used, c->arrays);
    ev->logic += (double)(used * m * op->abits);
    return (double)(passes * m * op->abits) * c->t_logic_cycles;
}

lp_status pim_events_of(const arch_cfg *chip, const pim_cfg *c, const unit_op *op, pim_events *ev, lp_diag *d)
{
    *ev = (pim_events){0};
    if (!c->arrays) return lp_diag_msg(d, LP_ERR_UNIT, "has its PIM arrays disabled (arrays: 0)");
    uint64_t cap = pim_capacity_bits(c), R = op->rows, C = op->cols;
    double lat = c->host_lat_ns * chip->clock_ghz, cyc = 0;
    ev->passes = 1;
    switch (op->what) {
    case UNIT_OP_PIM_LOAD: { /* what fits; a larger matrix streams the rest with each GEMV */
        uint64_t bits = R * C * op->wbits;
        cyc = lat + place_cycles(chip, c, bits < cap ? bits : cap, ev);
        break;
    }
    case UNIT_OP_PIM_GEMV:
    case UNIT_OP_PIM_GEMM: {
        uint64_t m = op->what == UNIT_OP_PIM_GEMM ? op->m : 1;
        ev->passes = ceil_div(R * C * op->wbits, cap);
        if (ev->passes > 1) cyc += place_cycles(chip, c, (ev->passes - 1) * cap, ev);
        double compute = c->adder_tree   ? adder_tree_cycles(c, op, m, ev)
                         : op->bitserial ? bitserial_cycles(c, op, m, ev)
                                         : lut_cycles(c, op, m, ev);
        double bytes = (double)(m * ceil_div(C * op->abits, 8) + m * R * ceil_div(acc_width(c), 8));
        double host = host_cycles(chip, c, bytes);
        ev->host_bytes += bytes;
        cyc += lat + (compute > host ? compute : host);
        break;
    }
    case UNIT_OP_PIM_CONVERT: { /* PIMeval's int conversion, one element per lane */
        pim_steps s = pim_steps_convert((uint64_t)op->sfmt.bits, (uint64_t)op->dfmt.bits);
        cyc = (double)ceil_div(R * C, c->array_cols * c->arrays) * step_cycles(c, s);
        add_events(ev, s, 1, (double)ceil_div(R * C, c->array_cols));
        break;
    }
    default: assert(0 && "not a PIM operation");
    }
    ev->cycles = (uint64_t)ceil(cyc - 1e-9);
    if (ev->cycles == 0) ev->cycles = 1;
    return LP_OK;
}

lp_status pim_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d)
{
    pim_events ev;
    lp_status st = pim_events_of(chip, cfg, op, &ev, d);
    if (st) return st;
    out->cycles = ev.cycles;
    out->macs = op->what == UNIT_OP_PIM_GEMV   ? op->rows * op->cols
                : op->what == UNIT_OP_PIM_GEMM ? op->m * op->rows * op->cols
                                               : 0;
    out->peak_cycles = (double)ev.cycles;
    out->utilization = 1;
    return LP_OK;
}
