/*
** map_attn.h — attention (prefill, causal or not, and decode against a KV
** cache) mapped flash-style onto one core and generated as a program of the
** tile ISA (docs/workloads.md, "Attention mapping").
**
** Schedule (FlashAttention 2, FuseMax): a tile of Bq query rows stays in the
** scratchpad while the keys stream past it in tiles of Bk: S = Q Kt (float32,
** accumulator buffer), scaled by 1/sqrt(head_dim), masked on diagonal tiles,
** then the online softmax on the vector unit (running row maximum m, running
** row sum l, rescale alpha = exp(m_old - m_new) of l and of the output
** accumulator O), P = exp(S - m_new) rounded to `in`, O += P V. The full
** score matrix never exists: one Bq x Bk tile of it at a time (two, double
** buffered). O is divided by l once at the end of the tile and stored.
**
** Work items are independent: one item is one query tile of one (batch, head)
** in prefill, of one (batch, kv head) in decode, where the query rows are the
** heads/kv_heads query heads that share the KV head (FlashDecoding-style
** grouped-query decode: K and V read once per group). Prefill iterates the
** query heads (each reads its group's K and V). Items are numbered
** ((b * HH + h) * qtiles + qt), HH = heads (prefill) or kv_heads (decode).
**
** DRAM layout, token-major as a model's projections write it ([batch, tokens,
** heads, head_dim]): Q and O are (batch * S) x (heads * head_dim), element
** (b, h, s, d) at row b * S + s, column h * head_dim + d (S = seq in prefill,
** 1 in decode); K and V are (batch * L) x (kv_heads * head_dim) likewise (L =
** seq in prefill, ctx in decode: the KV cache). K tiles load transposed
** (DMA_LDT) so that S = Q Kt is a plain MMA. Query head h reads kv head
** h / (heads / kv_heads). A causal prefill adds MASK, a float32 constant of
** 0 and -inf (see wl_attn_map.mask_t0).
**
** Supported: in (Q, P) bf16 or fp8_e4m3fn; kv bf16 or fp8_e4m3fn; out fp32
** or bf16. No global state; programs are the caller's.
*/
#ifndef WL_MAP_ATTN_H
#define WL_MAP_ATTN_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "lp_diag.h"
#include "prog.h"
#include "workload.h"

/* Optional overrides of the tile choice (0: choose). */
typedef struct wl_attn_over {
    uint32_t bq, bk;
} wl_attn_over;

typedef struct wl_attn_map {
    bool decode, causal;
    uint64_t batch, heads, kv_heads, group; /* group = heads / kv_heads */
    uint64_t head_dim;                      /* D */
    uint64_t seq;                           /* S: queries per (batch, head): seq, or 1 in decode */
    uint64_t keys;                          /* L: seq, or ctx in decode */
    uint64_t rows;                          /* query rows of one item group: seq, or group in decode */
    uint64_t qtiles;                        /* ceil(rows / bq) */
    uint32_t bq, bk;                        /* tile sizes (edge tiles are smaller) */
    uint32_t splits;                        /* decode: parts of the keys each item is split into (1: none),
                                            ** merged by a second kernel (wl_attn_split) */
    mf_format fin, fkv, fout;               /* Q and P; K and V; O */
    int preset;                             /* the matrix unit's accumulation preset (dot.def row) */
    float scale;                            /* 1/sqrt(D) rounded to float32 */
    /* Causal mask: MASK is (mask_t0 + bq) x bk float32, MASK[t][c] = 0 where
    ** c <= t - mask_t0, else -inf; mask_t0 = (ceil(bq/bk) - 1) * bk. The
    ** diagonal tile at keys k0 of the query tile at q0 (bq a multiple of bk,
    ** or a single query tile, so that k0 - q0 is a multiple of bk in
    ** [0, mask_t0]) is masked by its rows from mask_t0 - (k0 - q0). */
    uint32_t mask_t0;
    /* scratchpad: double-buffered Q, Kt, V and P tiles, the whole MASK,
    ** row vectors (m twice: old and new alternate), bf16 staging of O
    ** (UINT32_MAX: in the item's Q slot, when in is bf16) */
    uint32_t spm_q[2], spm_k[2], spm_v[2], spm_p[2], spm_mask;
    uint32_t spm_m[2], spm_l, spm_alpha[2], spm_rsum, spm_tmax, spm_o;
    uint32_t acc_s[2], acc_o;      /* accumulator buffer: two S tiles, one O tile */
    uint64_t spm_bytes, acc_bytes; /* buffer bytes the program uses */
    uint64_t macs;                 /* MACs of the whole program (full diagonal tiles) */
    uint64_t traffic_bytes;        /* modelled DRAM bytes read and written */
} wl_attn_map;

/* Buffer indices in the program (-1: none). */
typedef struct wl_attn_bufs {
    int q, k, v, mask, o;
    int op, mp, lp; /* split keys (splits > 1): each split's O / l, m and l, float32 */
} wl_attn_bufs;

/* Map an attention spec onto the architecture's first matrix unit (a tensor
** core): the largest Bq (a multiple of matrix.array_rows, or all the rows;
** where none fits, of half the array, and so on), then the largest Bk (a
** multiple of matrix.array_cols, or all the keys; for
** causal prefill also dividing Bq unless one query tile covers the sequence)
** whose buffers fit spm.size_bytes and acc.size_bytes exactly. Fills *m and
** returns LP_OK, or LP_ERR_ARG with d's message (d may be NULL): a kind
** other than attention, formats outside the supported set (named), no tensor
** core, a preset or format the unit lacks, no tile that fits, or overrides
** (over may be NULL) that do not fit or break the causal alignment. */
lp_status wl_map_attn(const wl_spec *s, const arch_cfg *a, const wl_attn_over *over, wl_attn_map *m, lp_diag *d);

/* Split the keys of a decode over `cores` cores (FlashDecoding): when its
** items (batch x kv_heads) are fewer than the cores, each item's key tiles
** in floor(cores / items) parts (at most one per key tile), so that every
** core streams part of the KV cache; a second kernel merges the parts. Sets
** m->splits (1 when no split applies) and declares the float32 buffers OP,
** MP, LP for the parts in p (b's op, mp, lp). LP_OK or as
** wl_gen_attn_buffers. */
lp_status wl_attn_split(isa_prog *p, wl_attn_map *m, uint64_t cores, wl_attn_bufs *b, lp_diag *d);

/* Independent work items of m: batch * (heads or kv_heads) * qtiles. */
uint64_t wl_attn_items(const wl_attn_map *m);

/* Declare the DRAM buffers Q, K, V, MASK (causal prefill) and O in p
** (appended; p initialised by the caller) and their indices in *b; MASK's
** constant always, and when functional Q, K and V seeded random codes (uniform
** in [-2, 2), encoded to nearest) and O's expectation: float64 attention of
** the decoded inputs, compared normwise (relerr, wl_attn_tol). Functional generation holds every tensor in
** memory and computes the reference in O(B*H*S*L*D): test shapes. Returns
** LP_OK, LP_ERR_NOMEM or LP_ERR_RANGE (a buffer beyond the ISA's limits),
** with d's message. */
lp_status wl_gen_attn_buffers(const wl_spec *s, const arch_cfg *a, const wl_attn_map *m, uint64_t seed, bool functional,
                              isa_prog *p, wl_attn_bufs *b, lp_diag *d);

/* wl_gen_attn_buffers' buffers declared without their contents (no MASK
** constant, no data), for a plan without its program (wl_gen_opts.plan_only):
** the same indices, statuses and messages. */
lp_status wl_attn_declare(const wl_attn_map *m, isa_prog *p, wl_attn_bufs *b, lp_diag *d);

/* Append the instructions of items [first, first + count) to p's current
** section (no HALT): the causal mask loaded once, then each item from its
** Q load to its O store. Any split of the items over calls (and cores)
** computes the same O. b from wl_gen_attn_buffers on p. LP_OK, LP_ERR_ARG
** (items beyond wl_attn_items) or LP_ERR_NOMEM / LP_ERR_RANGE. */
lp_status wl_gen_attn_items(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t first, uint64_t count,
                            lp_diag *d);

/* Declare MASK (causal prefill only; else *idx = -1) with its constant
** (values; without, declared only: a plan without its program), for a
** program whose Q, K, V and O are the caller's buffers in the layout above.
** LP_OK, LP_ERR_NOMEM, LP_ERR_RANGE with d's message. */
lp_status wl_gen_attn_mask(isa_prog *p, const wl_attn_map *m, bool values, int *idx, lp_diag *d);

/* The same for items first, first + stride, ... (count of them): how the
** cores of a chip share the items round robin. */
lp_status wl_gen_attn_strided(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t first, uint64_t stride,
                              uint64_t count, lp_diag *d);

/* The items over `cores` cores, one section each (begun here when
** sections), dealt as a GPU's block scheduler hands thread blocks to SMs:
** in launch order (batch and head outer, query tiles inner; causal: the
** query tiles that see the most keys first), each to the core that will be
** free first by the key tiles it has so far, so that the cores' work stays
** level and the query tiles of one head run at once (their K and V shared
** through the L2). LP_OK, LP_ERR_ARG (no core, or more cores than items),
** LP_ERR_NOMEM, LP_ERR_RANGE. */
lp_status wl_gen_attn_cores(isa_prog *p, const wl_attn_map *m, const wl_attn_bufs *b, uint64_t cores, bool sections,
                            lp_diag *d);

/* The instructions wl_gen_attn_cores appends for m on `cores` cores (1 <=
** cores <= items x splits), the combining kernel's included, counted
** without generating them: O(query tiles x splits). */
uint64_t wl_attn_cores_insns(const wl_attn_map *m, uint64_t cores);

/* The whole single-core program into p (initialised here; the caller frees
** it with isa_prog_free in every case): buffers, every item, HALT. */
lp_status wl_gen_attn(const wl_spec *s, const arch_cfg *a, const wl_attn_map *m, uint64_t seed, bool functional,
                      isa_prog *p, lp_diag *d);

/* The relerr tolerance of O's expectation (docs/workloads.md): 1e-2 with
** in=bf16, 1e-1 with in=fp8_e4m3fn (P is rounded to `in` before O += P V). */
double wl_attn_tol(const wl_attn_map *m);

#endif
