/*
** fpga.h — the FPGA minifloat datapath (unit kind fpga): a grid of pe_rows x
** pe_cols processing elements on FPGA fabric, each multiplying simd pairs of
** elements per cycle (consecutive k), summing them in an adder tree and
** adding the sum into its output's accumulator (output stationary,
** initiation interval 1). One bitstream runs one pair of formats: activations
** (A, afmt) times weights (B, wfmt), each an ExMy minifloat or an integer of
** 8 bits or fewer. docs/fpga.md gives every formula and its source.
**
** Faces:
**   resources (fpga_res.c)  LUTs, FFs and DSPs per MAC from its parts (FINN-R
**       multiplier, exponent adder, alignment shifter, negation, FINN-R adder
**       tree, accumulator of Aggarwal's width), per array with FINN-R's
**       control overhead, DSP packing per DSP48E2/DSP58 geometry, buffers in
**       URAM/BRAM, and fmax from the critical stage's logic depth (calibrated
**       into FACTS C.5's 300-550 MHz band).
**   functional (fpga_func.c) MMA bit for bit with the configured accumulator:
**       exact (Kulisch: the exact sum, rounded once to float32), fixed
**       (acc_bits, acc_frac_bits: each term rounded onto the grid, the
**       register wrapping or saturating after each group of simd products)
**       or float (each group's exact sum added with one rounding).
**   timing (fpga_timing.c)  passes of the PE grid, ceil(k / simd) cycles each,
**       plus the pipeline once, at the chip's clock, which must not exceed
**       fmax.
**   cost (fpga_cost.c)      LUT toggles and DSP operations per MAC, the BRAM
**       re-reads of the operands, static power over the operation's time.
** Left out: the conversion of the accumulator back to float (not costed, as
** in Aggarwal et al.), routing congestion, MX block scales (MMA_MX refused).
**
** The configuration's derived part (c->x) is filled by fpga_prepare(), which
** the architecture loader calls through the section's check; a caller that
** changes a key calls it again before using the faces.
*/
#ifndef LP_FPGA_H
#define LP_FPGA_H

#include <stdio.h>

#include "tc.h"

typedef enum fpga_acc { FPGA_ACC_EXACT, FPGA_ACC_FIXED, FPGA_ACC_FLOAT } fpga_acc;
typedef enum fpga_family { FPGA_VERSAL, FPGA_ULTRASCALE } fpga_family;

/* One MAC's resources, its share of per-PE parts (tree, accumulator) included. */
typedef struct fpga_mac {
    double mul, exp, shift, negate, tree, acc, pack; /* LUTs of each part */
    double luts, ffs, dsps;                          /* totals; dsps: its share of a DSP */
} fpga_mac;

/* What fpga_prepare derives from the keys. Field names are an interface
** (the command fpga-cost prints them): add, never rename. */
typedef struct fpga_design {
    mf_format fa, fw;      /* activation (A) and weight (B) formats */
    fpga_acc acc;          /* accumulator kind */
    fpga_family family;    /* device family */
    bool pack;             /* multipliers packed into DSPs */
    bool saturate;         /* a fixed accumulator saturates (else wraps) */
    mf_round round;        /* rounding of terms into the accumulator */
    mf_format accf;        /* the float accumulator's format (acc float) */
    unsigned sig_a, sig_w; /* multiplier operand widths: m+1 (minifloat) or the integer's bits */
    unsigned shift_w;      /* alignment shifter output: 2^ea + 2^ew + ma + mw (0 for integers) */
    unsigned shift_sel;    /* select bits of the shifter: ceil(log2(2^ea + 2^ew - 1)) */
    unsigned tree_w;       /* width of one adder-tree input (a signed product) */
    unsigned acc_bits;     /* register width (fixed, exact); float: 1 + e + m */
    int acc_frac;          /* fraction bits of the fixed or exact register */
    unsigned per_dsp;      /* MACs per DSP when packed */
    fpga_mac mac;          /* one MAC */
    uint64_t macs, pes;    /* MAC units and PEs of the array */
    uint64_t luts, ffs;    /* the array, control included */
    uint64_t dsps;         /* the array's DSPs */
    double fmax_mhz;       /* 1000 / critical_ns */
    const char *critical;  /* the critical stage's name */
    double critical_ns;    /* its delay */
    uint64_t stages;       /* pipeline stages of the datapath (the fill latency in cycles) */
    double e_mac_pj;       /* dynamic energy of one MAC: LUT toggles and DSP operations */
    double e_bram_bit_pj;  /* energy of one operand bit read from BRAM (72-bit port) */
} fpga_design;

/* The unit's keys (fpga_keys.def) and what is derived from them. Field names
** are an interface: add, never rename. */
typedef struct fpga_cfg {
    char *family;             /* "versal" or "ultrascale+" */
    uint64_t luts, ffs, dsps; /* device budget */
    double bram_kb, uram_kb;  /* device budget, KiB */
    uint64_t pe_rows, pe_cols, simd;
    char *afmt, *wfmt; /* format names, canonical once prepared */
    char *acc;         /* "exact", "fixed" or "float" */
    uint64_t acc_len;  /* n the derived width is sized for */
    uint64_t acc_bits, acc_frac_bits, acc_exp_bits, acc_man_bits;
    char *acc_round, *acc_overflow, *dsp;
    double clock_mhz;
    uint64_t pipeline_cycles; /* 0: the model's stage count */
    double e_lut_pj, toggle_rate, e_dsp_pj, e_bram_pj, static_w;
    /* derived by fpga_prepare (not keys) */
    fpga_design x;
    tc_rate rate; /* the tensor-core view's rate entry (workload mappings): afmt at the array's MACs per cycle */
} fpga_cfg;

extern const cfg_section fpga_section;
extern const unit_faces fpga_faces;

/* ---- formulas (fpga_res.c), exported for the tests --------------------------------------- */

/* FINN-R's LUTs of a W x A multiplier: (2 ceil((W+A)/6) - 1)(W+A) (FACTS C.4). */
unsigned fpga_finn_mul_luts(unsigned w, unsigned a);

/* Aggarwal et al.'s exact accumulator width for n products of a and w
** (FACTS C.1): integers r_a + r_w + ceil(log2 n) + 1, minifloats
** 2^e_a + m_a + 2^e_w + m_w + ceil(log2 n) - 1: both are span_a + span_w +
** ceil(log2 n) + 1 with a minifloat's span 2^e + m - 1 and an integer's r,
** which also sizes a mixed pair (docs/fpga.md). */
unsigned fpga_acc_width(const mf_format *a, const mf_format *w, uint64_t n);

/* Fraction bits of the exact accumulator: the exponent of the smallest
** product's last bit, negated (0 for integers). */
int fpga_acc_frac(const mf_format *a, const mf_format *w);

/* A format the datapath takes (signed minifloats of 8 bits or fewer with at
** least one exponent bit, int2..int8) into *out. LP_OK, or LP_ERR_FORMAT /
** LP_ERR_RANGE with d's message (no position). */
lp_status fpga_format(const char *name, mf_format *out, lp_diag *d);

/* ---- the design ------------------------------------------------------------------------- */

/* Check the keys' texts and combinations and derive c->x and c->rate
** (canonical format names replace afmt and wfmt). LP_OK, or LP_ERR_RANGE with
** d's message (no position) and *key the key at fault. No budget check. */
lp_status fpga_prepare(fpga_cfg *c, const char **key, lp_diag *d);

/* Fill the resources, clock and energy of c->x from its parsed keys (the
** formats, accumulator, family, DSP policy: fpga_prepare's first half, which
** calls it). */
void fpga_resources(fpga_cfg *c);

/* The design against its device: LUTs, FFs and DSPs within the budget, fmax
** at least clock_mhz. LP_OK, or LP_ERR_ARG with d's message giving the
** numbers (no position); *key "clock_mhz" for timing, NULL for the budget. */
lp_status fpga_fits(const fpga_cfg *c, const char **key, lp_diag *d);

/* The chip's buffers (scratchpad and accumulator buffer) placed in URAM
** first, then BRAM. */
typedef struct fpga_buffers {
    double need_kb;          /* spm + acc */
    double uram_kb, bram_kb; /* used of each */
    uint64_t urams, brams;   /* blocks: URAM 288 Kb (36 KiB), BRAM 36 Kb (4.5 KiB) */
} fpga_buffers;
/* LP_OK, or LP_ERR_ARG with d's message when they exceed bram_kb + uram_kb. */
lp_status fpga_buffers_of(const arch_cfg *chip, const fpga_cfg *c, fpga_buffers *out, lp_diag *d);

/* The dot-model preset whose values an m x n x k GEMM on this unit computes,
** K tile by K tile (the GEMM mapping's expectations): "exact" for an exact
** accumulator, or a fixed one whose grid holds every product and whose width
** holds k of them; "fp32-seq" for a float32 accumulator adding one product
** per cycle (simd 1) to nearest even. NULL with d's message otherwise. */
const char *fpga_dot_preset(const fpga_cfg *c, uint64_t k, lp_diag *d);

/* ---- the faces ------------------------------------------------------------------------- */

lp_status fpga_timing(const arch_cfg *chip, const void *cfg, const unit_op *op, unit_timing *out, lp_diag *d);
double fpga_energy_pj(const arch_cfg *chip, const void *cfg, const unit_op *op, const unit_timing *t);

#endif
