/*
** gen_layer_int.h — what the two files of the layer generator share
** (gen_layer.c: buffers and kernels; layer_ref.c: the float64 reference and
** the expectation). Internal to workloads/.
**
** Formats: `a` is the format of the projections' A operands. When it has 16
** bits or more it is also the format of every stored activation (the stream
** format fi = a). When it is narrower (an 8-bit element format or MX) the
** residual stream and the other intermediates stay fi = bf16 and each
** projection input is converted into `a`: in the norm or activation kernel
** that produces it for an element format (its store converts), by a kernel of
** its own (NAME_quant: VCVT, or VCVT to float32 and MXQ) for MX and for the
** attention output.
*/
#ifndef WL_GEN_LAYER_INT_H
#define WL_GEN_LAYER_INT_H

#include "gen_layer.h"
#include "map_pim.h"

#define LAYER_EPS 1e-5        /* rms_norm_eps and layer_norm_epsilon of the three presets */
#define LAYER_MAX_BUFFERS 160 /* a layer's buffers: about 40, with MX scales and split-K partial sums */

typedef struct layer {
    const wl_spec *s;
    const arch_cfg *a;
    const wl_model *md;
    isa_prog *p;
    wl_plan *plan;
    lp_diag *d;
    bool functional, decode, model, rotary, swiglu, ln;
    bool plan_only; /* the plan alone (wl_gen_opts.plan_only): buffers declared, instructions counted in insns */
    uint64_t insns; /* plan_only: the instructions the program would have so far */
    bool narrow;    /* a narrower than 16 bits: the projection inputs are converted into it */
    bool pim;       /* the projections run in the PIM arrays pg (integer w and a, map_pim.h) */
    wl_pim_geom pg;
    wl_fmt fi; /* the stream format: a, or bf16 when a is narrow */
    uint64_t seed;
    uint64_t B, T, C, R, h, q, k, f, H, G, D, cores;
    /* buffers (-1: none) */
    int E, PE, X, Wn1, Bn1, Xn, Wq, Wk, Wv, Q, K, V, Kn, Vn, ROPE, MASK, O, Wo, Y, H1, Wn2, Bn2, H1n;
    int Wg, Wu, Gt, U, A, Wd, Dn, OUT, Wnf, Bnf, XF, Wlm, LOG;
    /* the projection inputs in a: the producer's buffer itself, or its converted copy */
    int Xnq, Oq, H1nq, Aq, XFq;
    /* the attention's Q in its format fattn: Q itself (fattn = fi), or, on a
    ** matrix unit that does not run fi but runs a (an FPGA datapath of one
    ** narrow format), Q converted into a by q_quant after the rotary */
    int Qa;
    wl_fmt fattn;
    int sc[LAYER_MAX_BUFFERS]; /* the E8M0 scales of each MX buffer (-1: none) */
    /* where each seeded input's real values come from (functional runs):
    ** value i of buffer b is lo + (hi - lo) * u, u value i of stream seed in
    ** [0, 1) (53 bits), before it is encoded into the buffer's format */
    struct layer_src {
        bool seeded;
        uint64_t seed;
        double lo, hi;
    } src[LAYER_MAX_BUFFERS];
    bool real;     /* the reference reads the real values and rounds nothing (the error report's) */
    uint32_t *ids; /* model: token ids of the R rows */
} layer;

/* Declare the expected output (OUT, or a model's LOGITS) from the float64
** reference (layer_ref.c), and give the program the float64 reference of
** the same output from the real inputs, rounding nothing (the error
** report's, prog.h). LP_OK or LP_ERR_NOMEM with d's message. */
lp_status wl_layer_expect(layer *L);

#endif
