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
} wl_plan;

typedef struct wl_gen_opts {
    uint64_t seed;
    bool functional; /* seeded inputs, expected outputs and the output's float64 reference (prog.h) */
} wl_gen_opts;

/* Map s onto a and generate its program into p (initialised here; the caller
** frees it with isa_prog_free in every case) and its plan. LP_OK, or
** LP_ERR_ARG (what the mapping refuses: unsupported formats, tiles that do
** not fit, a workload kind not generated yet), LP_ERR_NOMEM, LP_ERR_RANGE
** with d's message (no position). */
lp_status wl_generate(const wl_spec *s, const arch_cfg *a, const wl_gen_opts *o, isa_prog *p, wl_plan *plan,
                      lp_diag *d);

#endif
