/*
** gen_vec.h — the elementwise and row kernels of a transformer layer, generated
** as instructions of the tile ISA for a range of rows (docs/workloads.md,
** "Layer kernels"): RMSNorm, LayerNorm, rotary embedding, SwiGLU, GELU (tanh
** form), residual add and the embedding gather (with learned positions).
**
** Operands are views of DRAM buffers: element (0, 0) of a view is element
** (row0, col0) of its buffer, so that a kernel can work on part of a wider
** matrix; a view of `rows` x `width` must lie inside its buffer. Formats are
** the buffers' own: loads convert to float32 (VCVT) where a buffer is not
** fp32, the vector unit computes in float32, results are converted (to
** nearest even) before the store.
**
** Tiles: TR rows x CW columns, CW = width when one row of every tile fits the
** budget, else the largest CW that does (the width in chunks; a norm's row
** sums accumulate across chunks in order, and the row is loaded again for each
** later pass); TR the largest that fits with that CW (at most the rows of the
** call). Rotary works one head at a time (TR x head_dim/2 tiles). Regions are
** packed first-fit into the scratchpad budget, then the accumulator buffer's.
** Every row is computed by the same instructions whatever TR and the row range
** of a call are, so any split of the rows over calls or cores gives the same
** bytes.
**
** Each kernel has a float64 reference (plain loops over the decoded inputs,
** independent of the tiling) and an expectation helper. No global state; the
** program is the caller's.
*/
#ifndef WL_GEN_VEC_H
#define WL_GEN_VEC_H

#include <stdint.h>

#include "lp_diag.h"
#include "prog.h"

typedef enum wl_vec_kind {
#define WL_VEC_KERNEL(id, name, doc_ops, isa_ops) id,
#include "wl_vec.def"
#undef WL_VEC_KERNEL
    WL_VK_COUNT
} wl_vec_kind;

/* A view of a DRAM buffer (buf -1: none). */
typedef struct wl_vec_view {
    int buf;             /* index in the program's buffers */
    uint64_t row0, col0; /* where the view's element (0, 0) lies in the buffer */
} wl_vec_view;

/* The operands of a kernel. Views a kernel does not use are ignored. Row r of
** the kernel is row r of x, x2 and y (0 <= r < rows). */
typedef struct wl_vec_args {
    wl_vec_view x;     /* input: x; g for SwiGLU; the embedding: unused */
    wl_vec_view x2;    /* second input: the residual r; SwiGLU's up u */
    wl_vec_view w, b;  /* norms: weight and (LayerNorm) bias, one row of width */
    wl_vec_view table; /* rotary: [positions][head_dim] float32 cos | sin (wl_vec_rope_table);
                          embed: the embedding [vocab][width] */
    wl_vec_view pos;   /* embed: learned positions [positions][width], or buf -1 */
    wl_vec_view y;     /* output; may be x's view (in place), never overlap it otherwise */
    uint64_t rows, width;
    double eps;                   /* norms: 1e-5 for llama and gpt2 (rms_norm_eps, layer_norm_epsilon) */
    uint64_t head_dim;            /* rotary: D, even; width a multiple of it */
    uint64_t tokens, pos0;        /* rotary, embed: row r is at position pos0 + r % tokens */
    const uint32_t *ids;          /* embed: ids[r] the table row of row r (rows of them; not kept) */
    uint64_t spm_base, spm_bytes; /* the scratchpad bytes the kernel may use: [base, base + bytes) */
    uint64_t acc_base, acc_bytes; /* likewise in the accumulator buffer (0 bytes: none) */
} wl_vec_args;

/* Append kernel k's instructions for rows [row0, row0 + nrows) to p's current
** section (no HALT). Returns LP_OK, or with d's message (d may be NULL):
** LP_ERR_ARG for a view outside its buffer or missing, rows beyond a, a
** head_dim that does not divide width or is odd, an id or a position beyond
** its table, a budget where not even one row of one column fits;
** LP_ERR_NOMEM or LP_ERR_RANGE from the program. nrows 0 appends nothing. */
lp_status wl_gen_vec(isa_prog *p, wl_vec_kind k, const wl_vec_args *a, uint64_t row0, uint64_t nrows, lp_diag *d);

/* The instructions wl_gen_vec appends for rows [row0, row0 + nrows) with
** the tile tr x cw that wl_vec_tile gives for nrows, counted without
** generating them (a's views as wl_gen_vec checks them). */
uint64_t wl_vec_insns(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t row0, uint64_t nrows,
                      uint64_t tr, uint64_t cw);

/* The kernels (k):
**   rmsnorm    y = x / sqrt(mean(x^2) + eps) * w
**   layernorm  y = (x - mean) / sqrt(var + eps) * w + b   (biased variance)
**   rotary     per head, x1 | x2 its halves: y1 = x1 cos - x2 sin, y2 = x2 cos + x1 sin
**   swiglu     y = g / (1 + exp(-g)) * u
**   gelu       y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
**   residual   y = x + r
**   embed      y[r] = table[ids[r]] (+ pos[pos0 + r % tokens]) */

/* The kernel's name ("rmsnorm", ...) and its vector operations per element:
** docs/workloads.md's figure, and the generated program's (whole rows in one
** chunk; see the "Layer kernels" section for chunks and per-row work). */
const char *wl_vec_name(wl_vec_kind k);
unsigned wl_vec_doc_ops(wl_vec_kind k);
unsigned wl_vec_isa_ops(wl_vec_kind k);

/* The tile a kernel uses for a call of nrows rows: *tr rows by *cw columns
** (see above). LP_OK or LP_ERR_ARG (nothing fits). */
lp_status wl_vec_tile(wl_vec_kind k, const isa_prog *p, const wl_vec_args *a, uint64_t nrows, uint64_t *tr,
                      uint64_t *cw, lp_diag *d);

/* y's rows x width in float64 into out (caller's, rows * width, row-major),
** from the decoded initial contents of the input buffers (zero where a buffer
** has none): the definitions above by plain loops. LP_OK or LP_ERR_ARG (as
** wl_gen_vec). */
lp_status wl_vec_reference(const isa_prog *p, wl_vec_kind k, const wl_vec_args *a, double *out, lp_diag *d);

/* Declare y's buffer's expected contents: its initial contents with the view
** replaced by the reference rounded to nearest in its format, compared
** normwise (relerr) with tolerance tol. Appends data: call after every
** buffer's initial data. LP_OK, LP_ERR_ARG, LP_ERR_NOMEM. */
lp_status wl_vec_expect(isa_prog *p, wl_vec_kind k, const wl_vec_args *a, double tol, lp_diag *d);

/* The relerr tolerance for an output of format f: 1.25 units in the last place
** at the largest magnitude, 1.25 * 2^-mbits (bf16 9.8e-3), plus 2^-13 for the
** float32 arithmetic (fp32 1.2e-4). The expectation is rounded as the output
** is, so the two may be one unit apart. */
double wl_vec_tol(const mf_format *f);

/* Helpers for programs that run the kernels on seeded data. */
/* Fill buffer b (no data yet) with codes of values uniform in [lo, hi) from
** seed, encoded to nearest. LP_OK or LP_ERR_NOMEM. */
lp_status wl_vec_seed(isa_prog *p, int b, uint64_t seed, double lo, double hi);
/* Declare a float32 buffer `name` of positions x head_dim with row t holding
** cos(t theta_i) for i < D/2, then sin(t theta_i), theta_i = base^(-2i/D)
** (base 10000 for llama-2, 500000 for llama-3: rope_theta), computed in
** float64 and rounded to float32. Its index into *idx. LP_OK, LP_ERR_RANGE,
** LP_ERR_NOMEM, LP_ERR_ARG (head_dim odd). */
lp_status wl_vec_rope_table(isa_prog *p, const char *name, uint64_t positions, uint64_t head_dim, double base, int *idx,
                            lp_diag *d);
/* The same buffer declared without its values (a plan without its program):
** the same index, statuses and messages. */
lp_status wl_vec_rope_declare(isa_prog *p, const char *name, uint64_t positions, uint64_t head_dim, int *idx,
                              lp_diag *d);
/* n token ids uniform in [0, vocab) from seed. */
void wl_vec_token_ids(uint64_t seed, uint64_t n, uint64_t vocab, uint32_t *ids);

#endif
