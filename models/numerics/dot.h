/*
** dot.h — bit-exact dot products and GEMMs the way matrix units compute them
** (functional face only: values, no cycles).
**
** One accumulation model, parameterised as in dot.def. K is cut into groups of
** F consecutive products. For each group, E is the largest of the products'
** exponents e(a)+e(b) (input exponents as stored, not renormalised; subnormal
** inputs count at the minimum normal exponent; zero products ignored) and of
** the accumulator's exponent. Every product, exact, and the accumulator are
** truncated toward zero to a multiple of 2^(E-B) and added exactly; the sum is
** rounded (toward zero or to nearest even) to float32 or to B fraction bits
** below max(E, e(sum)), and becomes the accumulator of the next group. Every P
** groups the accumulator is added into a separate float32 accumulator with a
** round-to-nearest-even add and restarts from zero. Split-K cuts K into S parts
** of ceil(ceil(K/T)/S)*T elements, accumulated from zero and added in order
** with round-to-nearest-even. B = DOT_EXACT keeps every bit (a wide fixed-point
** accumulator), which gives the "exact" and "fp32-seq" presets.
**
** OCP MX operands carry one E8M0 scale per block of elements along K; a scale
** multiplies every product of its block exactly (it adds to the product's
** exponent), so the internal precision is whatever the preset says: exact,
** float32 (fp32-seq) or a tensor-core-like group model. A NaN scale makes the
** outputs it touches NaN.
**
** Special values: a NaN input, inf*0, or +inf and -inf together give the NaN
** 0x7fffffff (what NVIDIA GPUs produce); otherwise an infinite product gives
** that infinity. Zero sums are +0.
*/
#ifndef DOT_H
#define DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"
#include "mf.h"

#define DOT_EXACT (-1) /* frac_bits: keep every bit */
#define DOT_NAN 0x7fffffffu
#define DOT_MAX_FRAC 48 /* largest finite B the fast 64-bit path takes */

typedef enum dot_width { DOT_W_F32, DOT_W_B } dot_width;
typedef enum dot_tested { DOT_MEASURED, DOT_MATH, DOT_LITERATURE } dot_tested;

typedef struct dot_cfg {
    char name[40];
    int group;          /* F: products per group; 0 = all of K */
    int frac_bits;      /* B, or DOT_EXACT */
    mf_round sum_round; /* MF_RTZ or MF_RNE */
    dot_width width;    /* rounding target of the group sum */
    int promote;        /* P: groups between float32 promotions; 0 = never */
    int split;          /* S: parts of K (1 = none) */
    int split_tile;     /* T: parts are multiples of T elements */
    dot_tested tested;
    const char *source; /* where the parameters come from */
    mf_format out;      /* output format (presets: fp32); see dot_gemm */
} dot_cfg;

/* Preset by name (a row of dot.def). LP_OK, or LP_ERR_ARG with d's message
** (no position; d may be NULL) naming the presets. split is 1. */
lp_status dot_preset(const char *name, dot_cfg *out, lp_diag *d);
/* The number of the preset named name, or -1 with d's message as dot_preset. */
int dot_preset_find(const char *name, lp_diag *d);
int dot_preset_count(void);
/* Preset number i (0 <= i < dot_preset_count()). */
void dot_preset_get(int i, dot_cfg *out);
/* The same, from a table built once (thread-safe); never NULL. */
const dot_cfg *dot_preset_at(int i);
/* A preset's stable code (dot.def), and the preset of a code (-1 if none). */
int dot_preset_code(int i);
int dot_preset_by_code(int code);

/* Check a configuration: F >= 0, B in 1..DOT_MAX_FRAC or DOT_EXACT (then with
** float32 width), P >= 0, S >= 1, T >= 1, rounding RTZ or RNE. LP_OK or
** LP_ERR_ARG with d's message (no position; d may be NULL). */
lp_status dot_cfg_check(const dot_cfg *c, lp_diag *d);

/* A matrix operand of codes in an element format of at most 16 bits, with
** optional MX scales. A is M x K, element (m,k) at codes[m*ld + k], scale at
** scales[m*scale_ld + k/scale_block]. B is K x N, element (k,n) at
** codes[k*ld + n], scale at scales[(k/scale_block)*scale_ld + n]. */
typedef struct dot_matrix {
    const mf_format *fmt;
    const uint16_t *codes;
    int ld;
    const uint8_t *scales; /* E8M0 codes, or NULL */
    int scale_block;
    int scale_ld;
} dot_matrix;

/* D = A*B (+ C): M x N outputs, row-major, as float32 values; C may be NULL
** (zero) and may alias D. Where c->out is narrower than float32, each result
** is rounded to it to nearest even (a NaN becomes the format's positive
** all-ones code, 0x7fff for bf16, as NVIDIA GPUs write it) and D holds that
** value widened to float32. Where the model promotes, C seeds the float32 accumulator;
** otherwise it seeds the group accumulator; with split-K it is added before
** the parts. Returns LP_OK, LP_ERR_ARG (bad shape or configuration, format
** wider than 16 bits), or LP_ERR_NOMEM. Allocates O((M+N)K) scratch per call. */
lp_status dot_gemm(const dot_cfg *c, int M, int N, int K, const dot_matrix *A, const dot_matrix *B, const float *C,
                   float *D);

#endif
