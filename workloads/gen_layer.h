/*
** gen_layer.h — transformer layers and whole models (layer= and model=
** workloads) generated as programs of kernels over the chip's cores
** (docs/workloads.md, "Layers and models"). Internal to workloads/: `lpsim
** run` reaches it through wl_generate.
**
** Supported: a= bf16 or fp8_e4m3fn (the GEMMs' A), w= any format the GEMM
** mapping takes for B (int4, fp4: weight-only quantisation), kv= an element
** format the attention mapping takes (bf16, fp8_e4m3fn); K and V are
** projected in a's format and converted into the cache.
*/
#ifndef WL_GEN_LAYER_H
#define WL_GEN_LAYER_H

#include "wl_gen.h"

/* The program of a layer or model spec s on a into p (initialised here; the
** caller frees it) and its operations into plan (appended). functional:
** seeded inputs and weights, and the expected output (OUT, or a model's
** LOGITS) from the float64 reference, compared normwise with wl_layer_tol.
** LP_OK, or LP_ERR_ARG (a format the mappings refuse; the core count is
** wl_generate's to check),
** LP_ERR_RANGE, LP_ERR_NOMEM with d's message (no position). */
lp_status wl_gen_layer(const wl_spec *s, const arch_cfg *a, uint64_t seed, bool functional, isa_prog *p, wl_plan *plan,
                       lp_diag *d);

/* The relerr tolerance of a layer's output with activations of format a:
** 2e-2 when they are rounded to 16 bits or fewer between kernels (each of
** the about ten stored intermediates adds up to half a unit of 2^-8 of its
** own size, and the residual adds and norms carry them to the output; 3.3e-3
** to 7.6e-3 observed on tiny and gpt2 layers and the tiny model), 1e-3
** in float32. */
double wl_layer_tol(const wl_fmt *a);

#endif
