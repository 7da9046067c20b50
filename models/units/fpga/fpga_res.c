/*
** fpga_res.c — the FPGA datapath's resources and clock (fpga.h): LUTs, FFs
** and DSPs of one MAC from its parts, of the array with FINN-R's control
** overhead, and fmax from the delay of the slowest pipeline stage.
**
** Every formula cites its source (../shared/FACTS.md section C); [D] marks
** first-principles counts derived here, [assumed] constants that no source
** gives. docs/fpga.md shows them worked for E4M3 and INT8.
**
** A MAC (one product per cycle) is, for an integer pair, a FINN-R multiplier
** of the two widths whose two's-complement product enters the PE's adder
** tree directly; for a pair with a minifloat, a multiplier of the
** significands (m+1 bits, FACTS C.6), an exponent adder, an alignment shifter
** that places the product in the fixed-point window of Aggarwal's
** accumulator, and a negation to two's complement (the naive "sign
** inversion" Damsgaard et al. fold into their compressor trees). Per PE
** (simd MACs): FINN-R's adder tree and the accumulator register. Integer
** arithmetic throughout; no libm.
*/
#include <math.h>

#include "fpga.h"

/* ---- constants ------------------------------------------------------------------------- */

/* FINN-R's control overhead: 300 LUTs per layer and a factor 1.1 on the PEs
** (FACTS C.4); the factor is applied to FFs too [assumed]. */
#define CTRL_LUTS 300.0
#define CTRL_FACTOR 1.1

/* The stage delay model: t = T0 + levels x T_LUT + carry bits x T_CARRY.
** T_LUT (a LUT and its local route) is [assumed] for 16 nm and 7 nm fabric.
** T0 and T_CARRY are calibrated on two anchors so that the exact-accumulator
** MACs of FACTS C.5b's formats (int3..int8, E1M2..E5M2; n = 4608, simd 1,
** LUT multipliers) span FACTS C.5's 300-550 MHz band: E2M1 x E2M1 at 550
** MHz and E5M2 x E5M2 at 300 MHz, both limited by their accumulator (one LUT
** level and a carry chain of 22 and 80 bits). Solving the two:
** T_CARRY = (1000/300 - 1000/550) / (80 - 22) = 0.0261 ns per bit and
** T0 = 1000/550 - T_LUT - 22 T_CARRY = 0.743 ns. */
#define FMAX_HI_MHZ 550.0
#define FMAX_LO_MHZ 300.0
#define ANCHOR_HI_BITS 22.0 /* E2M1 x E2M1 at n = 4608: 4 + 1 + 4 + 1 + 13 - 1 */
#define ANCHOR_LO_BITS 80.0 /* E5M2 x E5M2: 32 + 2 + 32 + 2 + 13 - 1 */
#define T_LUT_NS 0.5        /* [assumed] */
static const double T_CARRY_NS = (1000.0 / FMAX_LO_MHZ - 1000.0 / FMAX_HI_MHZ) / (ANCHOR_LO_BITS - ANCHOR_HI_BITS);
static const double T0_NS = 1000.0 / FMAX_HI_MHZ - T_LUT_NS - ANCHOR_HI_BITS * T_CARRY_NS;

/* A fully pipelined DSP's period [assumed: not in FACTS]. */
#define T_DSP48E2_NS 1.6
#define T_DSP58_NS 1.4
/* DSP ports (FACTS C.5, AMD-DSP): a 27-bit A port, B 18 (DSP48E2) or 24 (DSP58). */
#define DSP_A_BITS 27u
#define DSP48E2_B_BITS 18u
#define DSP58_B_BITS 24u
/* DSP58's INT8 mode: a three-term dot product of 8-bit lanes (FACTS C.5). */
#define DSP58_INT8_LANES 3u
/* Pipeline registers inside a DSP used as a multiplier (A/B, M, P) [assumed]. */
#define DSP_STAGES 3u
/* Mux levels the alignment shifter puts between two registers [assumed]. */
#define SHIFT_LEVELS_PER_STAGE 2u
/* A BRAM36 port in simple dual-port mode is 72 bits wide [assumed]. */
#define BRAM_PORT_BITS 72.0

/* ---- small helpers ---------------------------------------------------------------------- */

/* ceil(log2 n), 0 for n <= 1. */
static unsigned clog2(uint64_t n)
{
    unsigned l = 0;
    while (l < 64 && (UINT64_C(1) << l) < n) l++;
    return l;
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
static unsigned umin(unsigned a, unsigned b) { return a < b ? a : b; }

/* What the datapath sees of a format: whether it is a minifloat, its
** exponent and fraction bits, the multiplier's width of it, Aggarwal's span
** (the bit positions its magnitudes occupy: 2^e + m - 1 for a minifloat, r
** for an r-bit integer) and the exponent of its last bit. */
typedef struct opnd {
    bool flt;
    unsigned e, m, sig, span;
    int q;
} opnd;

static opnd opnd_of(const mf_format *f)
{
    opnd o = {false, 0, 0, (unsigned)f->bits, (unsigned)f->bits, 0};
    if (f->kind == MF_KIND_FLOAT) {
        o.flt = true;
        o.e = (unsigned)f->ebits, o.m = (unsigned)f->mbits;
        o.sig = o.m + 1;
        o.span = (1u << o.e) + o.m - 1;
        o.q = f->emin - f->mbits;
    }
    return o;
}

unsigned fpga_finn_mul_luts(unsigned w, unsigned a) { return (2 * ((w + a + 5) / 6) - 1) * (w + a); }

unsigned fpga_acc_width(const mf_format *a, const mf_format *w, uint64_t n)
{
    return opnd_of(a).span + opnd_of(w).span + clog2(n) + 1;
}

int fpga_acc_frac(const mf_format *a, const mf_format *w) { return -(opnd_of(a).q + opnd_of(w).q); }

/* LUTs of a barrel shifter of w output bits and s select bits: s stages of
** 2:1 muxes, two per LUT6 (FACTS C.6, [U]). */
static double shifter_luts(unsigned w, unsigned s) { return ceil((double)w * s / 2.0); }

/* ---- the clock ---------------------------------------------------------------------------- */

typedef struct stage_walk {
    double worst_ns;
    const char *worst;
    uint64_t count;
} stage_walk;

static void stage(stage_walk *sw, const char *name, unsigned levels, unsigned carry, double fixed_ns)
{
    double t = fixed_ns > 0 ? fixed_ns : T0_NS + levels * T_LUT_NS + carry * T_CARRY_NS;
    sw->count++;
    if (t > sw->worst_ns) sw->worst_ns = t, sw->worst = name;
}

/* ---- the design ---------------------------------------------------------------------------- */

/* MACs one DSP serves. The packed products share one operand: the
** activation, which a row of PEs shares, on the B port; k weights sit on
** the 27-bit A port at a stride of both widths (two more for signed values,
** whose sign extensions must be corrected: AMD's INT8 packing puts two int8
** products in a DSP48E2 at a stride of 18). DSP58's INT8 mode computes a
** three-term dot product of consecutive k instead (FACTS C.5). [D] */
static unsigned per_dsp(const fpga_cfg *c, const opnd *a, const opnd *w, bool *native)
{
    bool dsp58 = c->x.family == FPGA_VERSAL, ints = !a->flt && !w->flt;
    *native = false;
    if (dsp58 && ints && a->sig <= 8 && w->sig <= 8 && c->simd >= DSP58_INT8_LANES) {
        *native = true;
        return DSP58_INT8_LANES;
    }
    unsigned stride = a->sig + w->sig + (ints ? 2 : 0), k = 1 + (DSP_A_BITS - w->sig) / stride;
    return (unsigned)(k < c->pe_cols ? k : c->pe_cols);
}

void fpga_resources(fpga_cfg *c)
{
    fpga_design *x = &c->x;
    opnd a = opnd_of(&x->fa), w = opnd_of(&x->fw);
    bool flt = a.flt || w.flt;
    unsigned L = clog2(c->acc_len), Q = (unsigned)c->simd, tl = clog2(Q);
    fpga_mac *mac = &x->mac;
    *mac = (fpga_mac){0};
    x->sig_a = a.sig, x->sig_w = w.sig;
    /* the product enters the tree as a signed number of its span plus a sign
    ** (integers: FINN-R's W + A); a minifloat's through the shifter, whose
    ** output is FACTS C.6's 2^ea + 2^ew + ma + mw, two more than the span */
    x->shift_w = flt ? a.span + w.span + 2 : 0;
    x->shift_sel = flt ? clog2((a.flt ? (1u << a.e) - 1 : 0) + (w.flt ? (1u << w.e) - 1 : 0) + 1) : 0;
    x->tree_w = flt ? x->shift_w + 1 : a.sig + w.sig;
    if (x->acc != FPGA_ACC_FLOAT) {
        x->acc_bits = c->acc_bits && x->acc == FPGA_ACC_FIXED ? (unsigned)c->acc_bits : a.span + w.span + L + 1;
        x->acc_frac = c->acc_bits && x->acc == FPGA_ACC_FIXED ? (int)c->acc_frac_bits : -(a.q + w.q);
    } else {
        x->acc_bits = 1 + (unsigned)x->accf.ebits + (unsigned)x->accf.mbits;
        x->acc_frac = 0;
    }
    /* a wrapping fixed register narrower than the products keeps only its
    ** window: the shifter's output and the tree need its W bits, a minifloat's
    ** two more for rounding (a guard and a sticky bit) [D]; a saturating one
    ** must see every bit to clamp, and keeps the full width */
    if (x->acc == FPGA_ACC_FIXED && c->acc_bits && !x->saturate) {
        if (flt && x->shift_w > x->acc_bits + 2) x->shift_w = x->acc_bits + 2, x->tree_w = x->shift_w + 1;
        if (!flt && x->tree_w > x->acc_bits) x->tree_w = x->acc_bits;
    }

    /* multiplier: FINN-R's formula on the significands or integers (FACTS
    ** C.4, C.6), or a share of a DSP */
    bool native = false;
    if (x->pack) {
        x->per_dsp = per_dsp(c, &a, &w, &native);
        mac->dsps = 1.0 / x->per_dsp;
        /* signed packing: a correction adder of the stride per extra product [D] */
        if (!native && !flt) mac->pack = (double)(x->per_dsp - 1) * (a.sig + w.sig + 2) / x->per_dsp;
    } else {
        x->per_dsp = 0;
        mac->mul = fpga_finn_mul_luts(w.sig, a.sig);
    }
    if (flt) {
        /* exponent: the sum of the two fields, max(ea, ew) + 1 bits (FACTS C.6), one
        ** LUT per bit, when both operands have one; the hidden bit (field != 0)
        ** one LUT per minifloat [D] */
        mac->exp = (a.flt && w.flt ? umax(a.e, w.e) + 1 : 0) + a.flt + w.flt;
        mac->shift = shifter_luts(x->shift_w, x->shift_sel);
        /* sign: XOR of the signs, an integer operand's magnitude (r LUTs), and
        ** the product's negation to two's complement, one LUT per bit (the
        ** +1 rides the next adder's carry-in) [D]; Damsgaard et al. save 17.7%
        ** of a MAC by folding it into the compressor tree (FACTS C.2) */
        mac->negate = 1 + (a.flt ? 0 : a.sig) + (w.flt ? 0 : w.sig) + x->tree_w;
    }
    /* adder tree: FINN-R's (W + A)(2Q - 1) per PE, here the tree's input width */
    double tree_pe = (double)x->tree_w * (2.0 * Q - 1);
    /* accumulator: one LUT per bit (FINN-R's acc_luts = acc_bits) for a fixed
    ** register; a float one is an FP adder fed by the tree's sum, normalised
    ** first (leading-zero count and shift), each shifter as above [D] */
    double acc_pe;
    unsigned tw = x->tree_w + tl, g = 0, p = 0;
    if (x->acc == FPGA_ACC_FLOAT) {
        p = (unsigned)x->accf.mbits + 1, g = p + 3; /* significand and its guard, round and sticky bits */
        double norm = tw + shifter_luts(tw, clog2(tw));
        double fpadd = 2 * shifter_luts(g, clog2(g)) + (g + 1) + g + (p + 1) + 2.0 * (unsigned)x->accf.ebits;
        acc_pe = norm + fpadd;
    } else {
        acc_pe = x->acc_bits + (x->saturate ? x->acc_bits : 0); /* a saturating register: a clamp mux per bit [D] */
    }
    mac->tree = tree_pe / Q;
    mac->acc = acc_pe / Q;
    mac->luts = mac->mul + mac->exp + mac->shift + mac->negate + mac->tree + mac->acc + mac->pack;

    /* FFs: registers between the stages [D]: operands, product (with exponent
    ** sum and sign), each shifter stage, the negated product, each tree level,
    ** the accumulator */
    unsigned sh_stages = (x->shift_sel + SHIFT_LEVELS_PER_STAGE - 1) / SHIFT_LEVELS_PER_STAGE;
    double ff_mac = (double)x->fa.bits + x->fw.bits + a.sig + w.sig;
    if (flt) ff_mac += (umax(a.e, w.e) + 2) + (double)sh_stages * x->shift_w + x->tree_w;
    double ff_pe = x->acc_bits + (x->acc == FPGA_ACC_FLOAT ? tw : 0);
    for (unsigned l = 1; l <= tl; l++) ff_pe += (double)((Q + (1u << l) - 1) >> l) * (x->tree_w + l);
    mac->ffs = ff_mac + ff_pe / Q;

    x->pes = c->pe_rows * c->pe_cols;
    x->macs = x->pes * Q;
    x->luts = (uint64_t)ceil(CTRL_LUTS + CTRL_FACTOR * (double)x->macs * mac->luts);
    x->ffs = (uint64_t)ceil(CTRL_FACTOR * (double)x->macs * mac->ffs);
    x->dsps = x->pack ? (x->macs + x->per_dsp - 1) / x->per_dsp : 0;

    /* the clock: every stage's delay; fill latency: the stages */
    stage_walk sw = {0, "none", 0};
    stage(&sw, "operand registers", 1, 0, 0);
    if (x->pack) {
        for (unsigned i = 0; i < DSP_STAGES; i++)
            stage(&sw, "DSP multiplier", 0, 0, x->family == FPGA_VERSAL ? T_DSP58_NS : T_DSP48E2_NS);
        if (mac->pack > 0) stage(&sw, "DSP unpacking", 1, a.sig + w.sig + 2, 0);
    } else {
        stage(&sw, "multiplier", umax(1, clog2(umin(a.sig, w.sig))), a.sig + w.sig, 0);
    }
    if (flt) {
        if (a.flt && w.flt) stage(&sw, "exponent adder", 1, umax(a.e, w.e) + 1, 0);
        for (unsigned s = x->shift_sel; s > 0; s -= umin(s, SHIFT_LEVELS_PER_STAGE))
            stage(&sw, "alignment shifter", umin(s, SHIFT_LEVELS_PER_STAGE), 0, 0);
        stage(&sw, "negation", 1, 0, 0);
    }
    for (unsigned l = 1; l <= tl; l++) stage(&sw, "adder tree", 1, x->tree_w + l, 0);
    if (x->acc == FPGA_ACC_FLOAT) {
        unsigned lz = (clog2(tw) + 1) / 2;
        stage(&sw, "normalisation", lz + lz, 0, 0);
        unsigned sl = (clog2(g) + 1) / 2; /* 4:1 mux levels of each shifter */
        stage(&sw, "float accumulator", sl + sl + sl + 2, (g + 1) + (p + 1), 0);
    } else {
        stage(&sw, "accumulator", 1 + x->saturate, x->acc_bits, 0);
    }
    x->critical = sw.worst;
    x->critical_ns = sw.worst_ns;
    x->fmax_mhz = 1000.0 / sw.worst_ns;
    x->stages = sw.count;

    /* energy: toggling LUTs and DSP operations per MAC [assumed rates] */
    x->e_mac_pj = c->toggle_rate * c->e_lut_pj * mac->luts + (x->pack ? c->e_dsp_pj / x->per_dsp : 0);
    x->e_bram_bit_pj = c->e_bram_pj / BRAM_PORT_BITS;
}
