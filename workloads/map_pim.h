/*
** map_pim.h — matrix products mapped onto SRAM processing-in-memory arrays
** (docs/workloads.md, "PIM mapping"): y = W x with the weights W (N x K, as
** nn.Linear holds them) placed in the arrays by PIM_LD and the activations
** streamed through PIM_GEMV (one activation row) or PIM_GEMM (several rows,
** the arrays' tables reused across them).
**
** Placement: one core's arrays hold capacity_bits = array_rows * array_cols *
** arrays weight bits (pim_capacity_bits). A row of W takes K * wbits bits, so
** a pass places rows_per_pass = capacity_bits / (K * wbits) rows (fewer when
** the results of a pass would not fit the scratchpad); a matrix larger than
** that is split into row slices placed one after another, each a reload
** (passes). On several cores the rows are dealt in equal contiguous blocks,
** one per core (each core has arrays of its own), each block in its passes.
**
** What goes in memory: integer weights (int1..int8, wbits = their bits) with
** integer activations (int1..int8, abits = their bits). Anything else (float
** or minifloat weights or activations, MX) runs on the host's matrix unit as
** without arrays. A row of W that does not fit the arrays is refused.
**
** The program of a pass on a core: PIM_LD of the slice, then per chunk of
** activation rows DMA_LD of the rows, PIM_GEMV (or PIM_GEMM) into float32
** results in the scratchpad (exact integer sums, rounded once to float32),
** VCVT into the output format when it is not float32, DMA_ST. Every pass
** reloads its activations. No global state; programs are the caller's.
*/
#ifndef WL_MAP_PIM_H
#define WL_MAP_PIM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "prog.h"
#include "workload.h"

/* The arrays of one core as the mapping sees them. */
typedef struct wl_pim_geom {
    uint64_t array_rows, array_cols, arrays;
    bool bitserial; /* the unit's mode: bit-serial, else LUT */
} wl_pim_geom;

/* Whether chip a has a PIM unit with arrays (arrays > 0): true with *g
** filled, else false (then every matmul runs on the host). */
bool wl_pim_of_arch(const arch_cfg *a, wl_pim_geom *g);

/* Whether a product of activations fa and weights fw goes into the arrays:
** both integer formats (int1..int8). */
bool wl_pim_takes(const mf_format *fa, const mf_format *fw);

typedef struct wl_pim_map {
    uint64_t m, n, k;       /* activation rows, weight rows (outputs), reduction */
    mf_format fa, fw, fout; /* activations, weights, results */
    int abits, wbits;
    bool bitserial;
    uint64_t capacity_bits;       /* weight bits one core's arrays hold */
    uint32_t cores;               /* cores the rows are dealt to */
    uint64_t rows_per_core;       /* the block of weight rows of each core (the last one's may be smaller) */
    uint64_t rows_per_pass;       /* weight rows placed at once */
    uint64_t passes;              /* placements of the busiest core: ceil(rows_per_core / rows_per_pass) */
    uint64_t arrays_used;         /* arrays a full pass occupies: ceil(rows_per_pass * k * wbits / array bits) */
    uint64_t chunk_m;             /* activation rows per PIM_GEMM (1: PIM_GEMV) */
    uint32_t spm_x, spm_y, spm_o; /* scratchpad: activations, float32 results, converted results */
    uint64_t insns;               /* instructions of the kernel (no HALT; resident: the place kernel's
                                  ** PIM_LD in place of the passes' own) */
    bool resident;                /* the weights placed in a kernel "place" of their own, before the product's */
} wl_pim_map;

/* The placement of an N x K weight matrix of wbits-bit elements over g's
** arrays on `cores` cores with at most max_rows rows a pass: fills
** rows_per_core, rows_per_pass, passes, arrays_used, capacity_bits and cores
** of *m (the other fields untouched). LP_OK, or LP_ERR_ARG with d's message
** when a row (K * wbits bits) exceeds the capacity or max_rows is 0. */
lp_status wl_pim_place(const wl_pim_geom *g, uint64_t n, uint64_t k, int wbits, uint64_t cores, uint64_t max_rows,
                       wl_pim_map *m, lp_diag *d);

/* Map an M x N x K product (activations fa, weights fw, results fout) onto
** g's arrays over `cores` cores and a scratchpad of spm_bytes: placement,
** activation chunks and scratchpad layout. LP_OK, or LP_ERR_ARG (formats
** the arrays do not take, a row that does not fit the arrays or an
** activation row and its results that do not fit the scratchpad) with d's
** message. */
lp_status wl_map_pim(const wl_pim_geom *g, uint64_t m, uint64_t n, uint64_t k, const mf_format *fa, const mf_format *fw,
                     const mf_format *fout, uint64_t cores, uint64_t spm_bytes, wl_pim_map *out, lp_diag *d);

/* Append kernel `name` of mapping m to p over the caller's buffers: A (M x
** K, fa), W (N x K, fw), C (M x N, fout); no HALT, no data. LP_OK,
** LP_ERR_NOMEM, LP_ERR_RANGE with d's message. */
lp_status wl_gen_pim_kernels(isa_prog *p, const wl_pim_map *m, int A, int W, int C, const char *name, lp_diag *d);

/* A gemm or gemv spec s (batch problems stacked by rows, as the GEMM
** mapping does) on g as a whole program into p (initialised here; the
** caller frees it): buffers A, W, C, the kernel, HALT. When functional, A
** and W hold seeded integer codes over their whole range (extremes
** included; with s->dist, real values of that distribution quantised with
** per-tensor scales, wl_dist.h) and C the exact integer products rounded to
** float32 then to out, bit-exact, and the program C's float64 reference
** (isa_prog_set_ref). LP_OK, LP_ERR_ARG, LP_ERR_NOMEM, LP_ERR_RANGE with
** d's message; *m filled. */
lp_status wl_gen_pim_gemm(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, uint64_t seed, bool functional,
                          isa_prog *p, wl_pim_map *m, lp_diag *d);

/* What wl_gen_pim_gemm does before its first instruction, for a plan
** without its program (wl_gen_opts.plan_only): the mapping into *m (the
** program would have m->insns * batch + 1 instructions), its refusals,
** and p initialised with the buffers A, W, C; the same statuses and
** messages; no instructions, no data. */
lp_status wl_pim_gemm_buffers(const wl_spec *s, const arch_cfg *a, const wl_pim_geom *g, isa_prog *p, wl_pim_map *m,
                              lp_diag *d);

#endif
