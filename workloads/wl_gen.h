/*
** wl_gen.h — a workload of any kind mapped onto an architecture and generated
** as one program of the tile ISA, with the description of its operations
** that `lpsim run` reports: which kernels each operation owns, its shape, the
** mapping chosen, and how many times it counts in the workload (the layers of
** a model that one simulated layer stands for).
**
** Today: gemm and gemv (map_gemm.h: tiles dealt over the cores, split-K) and
** attention (map_attn.h: work items dealt round robin over the cores, one
** kernel), layers and models (gen_layer.h). On a chip with PIM arrays,
** products of integer operands run in them (map_pim.h; the plan's operations
** say unit=pim or unit=host). No global state.
**
** A plan alone (wl_gen_opts.plan_only) makes every mapping decision and
** counts the instructions in closed form (map_gemm.h, map_attn.h, gen_vec.h)
** instead of generating them: 0.04 ms for a Llama-3-8B prefill layer of 512
** tokens, 0.16 ms for a decode layer (nearly all GEMM mapping) on b200-mx,
** where their programs take 12 to 21 ms (bench/bench_plan.c).
*/
#ifndef WL_GEN_H
#define WL_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "prog.h"
#include "workload.h"

#define WL_MAX_OPS 32
#define WL_MAX_KV 10

/* One figure of a mapping: a number, or text when str is not empty. */
typedef struct wl_kv {
    char key[24];
    uint64_t num;
    char str[16];
} wl_kv;

typedef struct wl_op {
    char name[ISA_NAME_MAX];         /* the operation, e.g. "q_proj" */
    char kind[16];                   /* gemm, attention, norm, ... */
    char shape[96];                  /* e.g. "2048x4096x4096" (M x N x K) */
    char fmt[MF_NAME_MAX];           /* the operand format whose MAC rate bounds it ("" without MACs) */
    uint32_t first_kernel, nkernels; /* its kernels in the program */
    uint64_t repeat;                 /* times it counts in the workload (1 unless scaled; 0: it ran, as set-up
                                     ** the workload assumes done before, e.g. resident PIM weights) */
    bool slice;                      /* the repeats are more of the same kernels' work (a slice of a batch too
                                     ** large for one program), not kernels of their own: no gap between them */
    int nkv;
    wl_kv kv[WL_MAX_KV]; /* the mapping: tiles, order, cores, waves, split ... */
} wl_op;

typedef struct wl_plan {
    int nops;
    wl_op op[WL_MAX_OPS];
    char note[200]; /* what the simulated program stands for, when it is not the whole workload */
    uint64_t insns; /* instructions of the program, HALT included (plan_only: those it would have) */
} wl_plan;

typedef struct wl_gen_opts {
    uint64_t seed;
    bool functional; /* seeded inputs, expected outputs and the output's float64 reference (prog.h) */
    /* The plan without its program, for a cost model (docs/workloads.md, "Plans without programs"): the same
    ** mappings, the same plan (ops, names, kinds, shapes, formats, repeats, slices, every mapping figure, the
    ** note, insns) and the same refusals with the same messages as a full generation, but no instructions and
    ** no data: p holds only the buffers the program would declare. first_kernel and nkernels of every op are 0
    ** (no kernels are made). functional still decides what depends on it (an attention batch too large for
    ** one program is sliced only in timing runs), but no values are made, so the errors of making them (out
    ** of memory, beyond ISA_MAX_DATA) are not reported. */
    bool plan_only;
} wl_gen_opts;

/* Map s onto a and generate its program into p (initialised here; the caller
** frees it with isa_prog_free in every case, plan_only too) and its plan.
** LP_OK, or LP_ERR_ARG (what the mapping refuses: unsupported formats, tiles
** that do not fit, a workload kind not generated yet), LP_ERR_NOMEM,
** LP_ERR_RANGE (a program beyond the ISA's limits: ISA_MAX_INSNS
** instructions, buffers) with d's message (no position); then the plan is
** incomplete. */
lp_status wl_generate(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                      lp_diag *d);

#endif
