/*
** map_gemm.h — one GEMM (C = A * B, M x N x K) mapped onto one core and
** generated as a program of the tile ISA (docs/workloads.md, "GEMM mapping").
**
** The mapping chooses tiles TM x TN x TK by an exhaustive analytical search:
** every candidate whose double-buffered A and B tiles (and MX scales, and a
** bf16 staging tile for C) fit the scratchpad and whose two float32 C tiles
** fit the accumulator buffer; TM and TN multiples of the matrix array's rows
** and columns (or the whole of M or N when smaller), TK a multiple of 32 (or
** the whole of K). It minimises modelled DRAM traffic (A read once per column
** of C tiles, B once per row of C tiles, C written once; with a single K tile
** the operand of the outer loop stays resident and is read once), then the
** number of instructions. The program runs the chosen loop order with the A and
** B tiles double-buffered, the C tile accumulated over K in the accumulator
** buffer, and smaller edge tiles where M, N or K is not a multiple.
**
** Supported: in_a and in_b each bf16 or fp8_e4m3fn (MMA; B stored as layout=
** says: nk, N x K as nn.Linear weights, its tiles loaded transposed by
** DMA_LDT into the K x N tiles MMA takes, or kn, K x N loaded by DMA_LD), or
** both mxfp8_e4m3 (MMA_MX, B stored N x K with E8M0 scales per 32 along K
** whatever layout= says, as MMA_MX multiplies by B^T; K a multiple of 32);
** out fp32 or bf16; batch 1. On an fpga unit: in_a and in_b its afmt and
** wfmt (any formats of 8 bits or fewer, not MX), checked against the dot
** preset its accumulator matches (fpga_dot_preset), or refused.
**
** On a chip of several cores the work items are dealt round robin (item i
** to core i % cores), each core running its items in a section of its own
** (kernel "gemm"): the same tile sizes as on one core, so ceil(items / cores)
** waves, the last one partly idle. An item is a C tile with its whole K loop,
** or, with split-K, a C tile over one of `split` parts of the K tiles (item i:
** tile i / split, part i % split), whose float32 partial sum goes to a DRAM
** buffer P (split * M x N); a second kernel "reduce" sums the parts of each
** tile (rr x tn at a time, dealt over the cores likewise) and stores C.
** On several cores the search ranks tiles, order and split by modelled
** cycles (docs/workloads.md): the busiest core's items, each K step the
** longer of its MMA and its loads at the core's share of the bandwidth, or
** the chip's DRAM bytes at the DRAM bandwidth; split-K (splits 1 ..
** min(cores / tiles, K tiles)) must gain 5% to be chosen. The spec's
** split_k=, tm=, tn=, tk=, order=, cores= override the search.
** Left out: other formats. No global state; the program is the caller's.
*/
#ifndef WL_MAP_GEMM_H
#define WL_MAP_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "prog.h"
#include "tc.h"
#include "workload.h"

/* Loop order over the C tiles: MN walks the N tiles inside each row of M
** tiles (an A tile can stay resident), NM the M tiles inside each column. */
typedef enum wl_gemm_order { WL_ORDER_MN, WL_ORDER_NM } wl_gemm_order;

/* Optional overrides of the search (0 or WL_GEMM_ORDER_AUTO: choose). */
#define WL_GEMM_ORDER_AUTO (-1)
typedef struct wl_gemm_over {
    uint32_t tm, tn, tk;
    int order;      /* WL_GEMM_ORDER_AUTO, WL_ORDER_MN or WL_ORDER_NM */
    uint32_t cores; /* cores to use (0: min(the chip's cores, C tiles)) */
} wl_gemm_over;

/* The parts of the search's model for the chosen tiles (cycles; the cost
** model's terms, costmodel/cm_fit.h): on the busiest core its work items
** and K steps; a step's MMA, its loads at the core's share of the bandwidth,
** its longest of those and half a load with its latency; a load's latency;
** the chip's DRAM bytes at DRAM's bandwidth; the bytes per cycle of DRAM and
** of the level the loads come from. */
typedef struct wl_gemm_cost {
    double items, steps, mma, load, step, lat, dram, dram_bpc, l2_bpc;
} wl_gemm_cost;

typedef struct wl_gemm_map {
    uint64_t m, n, k;              /* the problem */
    uint64_t batch;                /* independent problems: A, B, C, their scales and P stacked by rows */
    uint32_t tm, tn, tk;           /* tile sizes (edge tiles are smaller) */
    wl_gemm_order order;           /* loop order over the C tiles */
    bool mx;                       /* MMA_MX with E8M0 scales, else MMA */
    int ea, eb;                    /* MX element types of A and B (mx_elem_id), with mx */
    bool b_nk;                     /* B stored N x K in DRAM (MX, or layout=nk), else K x N */
    mf_format fa, fb, fout;        /* element formats of A, B, C */
    int preset;                    /* the matrix unit's accumulation preset (dot.def row) */
    uint32_t spm_a[2], spm_b[2];   /* scratchpad addresses of the double-buffered tiles */
    uint32_t spm_sa[2], spm_sb[2]; /* their MX scales (MX only) */
    uint32_t spm_c[2];             /* bf16 staging of C tiles (bf16 out only) */
    uint32_t acc_c[2];             /* accumulator-buffer addresses of the C tiles */
    uint64_t spm_bytes, acc_bytes; /* buffer bytes the program uses */
    uint64_t traffic_bytes;        /* modelled DRAM bytes read and written (one core; sub-byte elements packed) */
    uint64_t insns;                /* instructions of the program, HALT included */
    uint32_t cores;                /* cores the work items are dealt to: item i to core i % cores */
    uint64_t tiles, waves;         /* C tiles; ceil(items / cores) rounds of work items */
    uint32_t split;                /* split-K: parts of K (1: none); items = tiles * split */
    uint32_t rr;                   /* split-K: rows of a tile of the reduction kernel */
    uint32_t band;                 /* several cores: tiles taken in bands of this many tiles across the
                                   ** order's outer dimension (0: none), see wl_gemm_tile_at */
    double model_cycles;           /* the search's modelled cycles (several cores; 0 on one) */
    double cost_cycles;            /* the same model's cycles of the chosen tiles, on any number of cores
                                   ** (the cost model's term, costmodel/cm_fit.h) */
    wl_gemm_cost cost;             /* its parts */
} wl_gemm_map;

/* The C tile (row mi, column ni) that the loop order visits t-th. In the
** order MN without a band: row t / nt, column t % nt. With a band of b rows,
** the rows go by bands of b, and within a band the tiles column by column,
** so that the tiles the cores run at once (one wave) cover a near-square
** block of C and share their rows of A and columns of B through the L2 (the
** rasterisation GPU GEMM libraries use). NM swaps the roles of M and N. */
void wl_gemm_tile_at(const wl_gemm_map *m, uint64_t t, uint64_t *mi, uint64_t *ni);

/* Map a gemm (or gemv, M = 1) spec onto the architecture's first matrix unit
** (a tensor core). Fills *m and returns LP_OK, or LP_ERR_ARG with d's message
** (no position; d may be NULL): a kind other than gemm or gemv, batch > 1,
** formats outside the supported set (named in the message), MX with K not a
** multiple of 32, no tensor core, a preset or format the unit lacks, or no
** tile that fits the buffers. wl_map_gemm_over takes overrides (over may be
** NULL); an override that does not fit is LP_ERR_ARG. */
lp_status wl_map_gemm(const wl_spec *s, const arch_cfg *a, wl_gemm_map *m, lp_diag *d);
lp_status wl_map_gemm_over(const wl_spec *s, const arch_cfg *a, const wl_gemm_over *over, wl_gemm_map *m, lp_diag *d);

/* The tensor-core view of a's matrix unit that the GEMM and attention
** mappings plan with: a tensor core's own configuration, or for an ideal
** unit (kind ideal: a rate per format, no array shape) view filled with its
** formats, the "exact" preset (the values the ideal unit computes with the
** preset the instructions name) and tiles in multiples of WL_IDEAL_TILE, or
** for an fpga unit its PE grid as the array, its fill as the pipeline, its
** afmt at pe_rows x pe_cols x simd MACs a cycle and the preset its
** accumulator matches ("exact" where none does: the GEMM mapping refuses
** those); NULL for any other kind or none. view is caller-owned; the result
** points into a's configuration or to view. */
#define WL_IDEAL_TILE 16
const tc_cfg *wl_matrix_tc(const arch_cfg *a, tc_cfg *view);

/* Build the program of mapping m (from wl_map_gemm with the same s and a) into
** p (initialised here; the caller frees it with isa_prog_free in every case):
** DRAM buffers A, B, C (and SA, SB for MX), the tile loops, HALT. When
** functional, A and B hold random valid codes from seed (the same matrix B for
** a given seed whichever layout stores it) and C an expectation
** from the exact dot model: bitexact (K tile by K tile, as the program
** accumulates) when the unit's preset is "exact", else the exact sum over all
** of K compared normwise (relerr 1e-5 for fp32 out, 1e-2 for bf16 out).
** Functional generation holds every matrix in memory and computes the
** reference in O(M*N*K): meant for shapes of tests, not 4096^3. s and a are
** those of the mapping (all the program needs of them is in m). Returns
** LP_OK, LP_ERR_NOMEM, or LP_ERR_RANGE (a buffer beyond the ISA's limits)
** with d's message. */
lp_status wl_gen_gemm(const wl_spec *s, const arch_cfg *a, const wl_gemm_map *m, uint64_t seed, bool functional,
                      isa_prog *p, lp_diag *d);

/* Buffer indices of a GEMM inside a larger program (-1: none): A (M x K), B
** (N x K when the mapping's b_nk, else K x N), their MX scales, C (M x N), and
** P (split * M x N, float32) for split-K. */
typedef struct wl_gemm_bufs {
    int a, b, sa, sb, c, p;
} wl_gemm_bufs;

/* Append the kernels of mapping m over the caller's buffers b to p: kernel
** `name` (its items dealt over m->cores cores) and, with split-K, kernel
** `name`_reduce; no HALT, no data. LP_OK, LP_ERR_ARG (split-K without P),
** LP_ERR_NOMEM, LP_ERR_RANGE with d's message. */
lp_status wl_gen_gemm_kernels(isa_prog *p, const wl_gemm_map *m, const wl_gemm_bufs *b, const char *name, lp_diag *d);

/* The instructions wl_gen_gemm_kernels appends for m (its items and, with
** split-K, the reduction), counted without generating them. */
uint64_t wl_gemm_kernel_insns(const wl_gemm_map *m);

/* What wl_gen_gemm does before its first instruction, for a plan without its
** program (wl_gen_opts.plan_only): p initialised, the program's size checked
** against ISA_MAX_INSNS and the buffers declared, with the same refusals and
** messages; no instructions, no data. */
lp_status wl_gen_gemm_buffers(const wl_gemm_map *m, isa_prog *p, lp_diag *d);

#endif
