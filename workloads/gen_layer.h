/*
** gen_layer.h — transformer layers and whole models (layer= and model=
** workloads) generated as programs of kernels over the chip's cores
** (docs/workloads.md, "Layers and models"). Internal to workloads/: `lpsim
** run` reaches it through wl_generate.
**
** Supported: a= the projections' A: bf16 or fp16 (every activation in it),
** fp8_e4m3fn or MX (the stream in bf16, each projection input converted into
** a); w= any format the GEMM mapping takes for B with that A (int4, fp4:
** weight-only quantisation; MX with MX a), kv= an element format the
** attention mapping takes (bf16, fp8_e4m3fn); K and V are projected in the
** stream format and converted into the cache. On a chip with PIM arrays,
** integer w and a (int1..int8) put the projections in the arrays
** (map_pim.h), the rest on the host (docs/workloads.md, "PIM mapping").
*/
#ifndef WL_GEN_LAYER_H
#define WL_GEN_LAYER_H

#include "map_pim.h"
#include "wl_gen.h"

/* The program of a layer or model spec s on a into p (initialised here; the
** caller frees it), its operations into plan (appended) and its instruction
** count into plan->insns. o->functional: seeded inputs and weights (from
** o->seed), and the expected output (OUT, or a model's LOGITS) from the
** float64 reference, compared normwise with wl_layer_tol. o->plan_only: the
** plan alone (wl_gen.h): p holds the buffers only. LP_OK, or LP_ERR_ARG (a
** format the mappings refuse; the core count is wl_generate's to check),
** LP_ERR_RANGE, LP_ERR_NOMEM with d's message (no position). */
lp_status wl_gen_layer(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                       lp_diag *d);

/* wl_gen_layer with the PIM arrays g (NULL: none) in place of those of a:
** with g, and integer w and a, the projections run in the arrays
** (map_pim.h) and the rest on the host. wl_gen_layer passes a's own arrays
** (wl_pim_of_arch); tests pass others. */
lp_status wl_gen_layer_pim(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, const wl_gen_opts *o, isa_prog *p,
                           wl_plan *plan, lp_diag *d);

/* The relerr tolerance of a layer's (model: of its logits') output with
** projection inputs of format a: 2e-2 when the activations are stored in 16
** bits (each of the about ten stored intermediates adds up to half a unit of
** 2^-8 of its own size, and the residual adds and norms carry them to the
** output; 3.3e-3 to 7.6e-3 observed on tiny and gpt2 layers and the tiny
** model), 1e-3 in float32. With a narrower a (the reference rounds where the
** program does, but the attention's own bf16 rounding of P moves values
** across a's coarse steps, one unit of 2^-3 or 2^-4 each): 2e-2 for a layer
** (the residual dilutes it: 0.26% to 1.1% observed), 1e-1 for a model's
** logits (a sum of `hidden` such products, no residual: 4.0% to 4.3%
** observed on the tiny model). gen_layer also checks the first projection
** input bit for bit there (docs/workloads.md). */
double wl_layer_tol(const wl_fmt *a, bool model);

#endif
