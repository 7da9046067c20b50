/*
** workload.h — workload specifications and their operation counts, apart from
** any mapping onto a machine (docs/workloads.md).
**
** A workload is one line of text, the inline form:
**     gemm M=4096 N=4096 K=4096 in=bf16 out=bf16      (in_a=, in_b=, layout=nk|kn, batch=)
**     gemv N=4096 K=4096 in=bf16                       (y[N] = x[K] . B: gemm with M=1)
**     attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=4096 causal=1
**     attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096
**     layer model=llama-3-8b phase=prefill tokens=2048     (w=, a=, kv=: formats, bf16 by default)
**     model model=llama-3-8b phase=decode ctx=4096 batch=1
** or a workload file, a YAML mapping of the same keys with kind: naming the
** workload (attention's kind= is written phase: there):
**     kind: layer
**     model: llama-3-8b
**     phase: prefill
**     tokens: 2048
** Its keys are the rows of wl_keys.def; the model presets are the rows of
** wl_models.def. A format is an element format of mf_parse ("bf16",
** "fp8_e4m3fn", "int4", "e3m2", ...) or an MX name ("mxfp8_e4m3", "mxfp8_e5m2",
** "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4_e2m1", "mxint8": the elements of mx.def
** with one E8M0 scale byte per 32 elements along the reduction dimension).
**
** Counts (wl_count) are what any mapping must do at least:
**   MACs      multiply-accumulates, by pair of input formats.
**   vec_ops   elementwise operations, by class, at a fixed cost per element
**             (WL_VEC_* below; docs/workloads.md lists each).
**   bytes     minimum DRAM traffic: each input read once, each output written
**             once, intermediates of one layer on chip. A tensor of E elements
**             of b bits takes ceil(E*b/8) bytes (sub-byte elements packed); an
**             MX tensor adds one scale byte per block of 32 along its rows
**             (rows * ceil(cols/32)).
** A model is embedding lookup, L identical layers (counts L x one layer, each
** layer reading its input and writing its output activations), a final norm
** and the projection to the vocabulary: for every token in prefill, for the
** one new token in decode. Decode is one new token per sequence at context
** ctx: ctx counts the keys it attends to, itself included, so a layer reads
** ctx-1 cached tokens of K and V and writes the new token's.
**
** Overflow: the key ranges bound every count below 2^64 (the largest, the
** MACs of a non-causal attention at batch=256 heads=256 head_dim=1024
** seq=262144, is exactly 2^63; a llama-3-8b model prefill at tokens=262144
** batch=256 is below 2^62). The tests count the largest workloads in double.
**
** Left out: biases of linear layers, tied embeddings, dropout, sampling,
** prefill after a cached prefix, paged or sliding-window caches, MoE.
** No allocation, no global state.
*/
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"
#include "mf.h"

typedef enum wl_kind { WL_GEMM, WL_GEMV, WL_ATTENTION, WL_LAYER, WL_MODEL, WL_KIND_COUNT } wl_kind;
typedef enum wl_phase { WL_PREFILL, WL_DECODE } wl_phase;
typedef enum wl_layout { WL_LAYOUT_NK, WL_LAYOUT_KN } wl_layout;

typedef enum wl_key_id {
#define WL_KEY(id, kinds, when, name, type, lo, hi, choices, def, field, doc) id,
#include "wl_keys.def"
#undef WL_KEY
    WL_KEY_COUNT
} wl_key_id;

typedef enum wl_model_id {
#define WL_MODEL(id, name, hidden, layers, heads, kv_heads, head_dim, mlp, act, norm, pos, positions, vocab, theta) id,
#include "wl_models.def"
#undef WL_MODEL
    WL_MODEL_COUNT
} wl_model_id;

typedef enum wl_act { WL_ACT_SWIGLU, WL_ACT_GELU } wl_act;
typedef enum wl_norm { WL_NORM_RMS, WL_NORM_LN } wl_norm;
typedef enum wl_pos { WL_POS_ROTARY, WL_POS_LEARNED } wl_pos;

/* A model preset (a row of wl_models.def). */
typedef struct wl_model {
    const char *name;
    uint64_t hidden, layers, heads, kv_heads, head_dim, mlp;
    wl_act act;
    wl_norm norm;
    wl_pos pos;
    uint64_t positions, vocab;
    double rope_theta; /* the RoPE base (0 without rotary) */
} wl_model;

/* An operand format: an element format of mf_parse, or MX (mx set) with the
** element of mx.def named by name without its "mx" prefix. */
typedef struct wl_fmt {
    char name[MF_NAME_MAX]; /* canonical: mf_parse's name, or "mxfp8_e4m3", ... */
    int bits;               /* bits per element, scale excluded */
    bool mx;                /* one E8M0 scale byte per 32 elements */
} wl_fmt;

/* A parsed workload. Fields that the kind (or its phase) does not take are
** zero; every other field holds the given value or its default. */
typedef struct wl_spec {
    wl_kind kind;
    uint64_t phase; /* wl_phase: attention kind=, layer and model phase= */
    uint64_t model; /* wl_model_id */
    uint64_t m, n, k, batch, layout;
    uint64_t heads, kv_heads, head_dim;
    uint64_t seq; /* attention seq=, layer and model tokens= */
    uint64_t ctx, causal;
    wl_fmt in, in_a, in_b, w, a, kv, out;
    /* mapping overrides, 0 (order: WL_ORDER_KEY_AUTO) letting the mapping choose */
    uint64_t tm, tn, tk, order, split_k, bq, bk, cores;
    uint64_t resident; /* PIM: the weights placed before the timed run (map_pim.h) */
    uint64_t dist;     /* wl_dist: the functional run's input data (wl_dist.h) */
} wl_spec;

/* Values of the dist= key, in the order of its choices (wl_keys.def). */
typedef enum wl_dist { WL_DIST_DEFAULT, WL_DIST_NORMAL, WL_DIST_OUTLIERS, WL_DIST_UNIFORM, WL_DIST_COUNT } wl_dist;

/* The name of a dist= value ("default", "normal", ...; "?" out of range). */
const char *wl_dist_name(uint64_t d);

/* Values of the order= key. */
enum { WL_ORDER_KEY_AUTO, WL_ORDER_KEY_MN, WL_ORDER_KEY_NM };

/* Elementwise operation classes and their cost in operations per element:
**   SOFTMAX  6 per score element computed (scale by 1/sqrt(head_dim), max,
**            subtract, exp, sum, multiply by the reciprocal of the sum)
**   NORM     RMSNorm 4 per element (square, sum, scale, weight);
**            LayerNorm 7 (sum, subtract mean, square, sum, scale, weight, bias)
**   ACT      SwiGLU 5 per MLP element (silu = x*sigmoid(x): exp, add,
**            reciprocal, multiply; times up: 1); GELU 8 (tanh form)
**   ROTARY   3 per element of Q and K (x*cos, y*sin, add)
**   ADD      1 per element: residual adds (2 per layer), learned positions */
typedef enum wl_vec { WL_VEC_SOFTMAX, WL_VEC_NORM, WL_VEC_ACT, WL_VEC_ROTARY, WL_VEC_ADD, WL_VEC_COUNT } wl_vec;
#define WL_OPS_SOFTMAX 6u
#define WL_OPS_RMSNORM 4u
#define WL_OPS_LAYERNORM 7u
#define WL_OPS_SWIGLU 5u
#define WL_OPS_GELU 8u
#define WL_OPS_ROTARY 3u

#define WL_MAC_PAIRS_MAX 4

typedef struct wl_mac_pair {
    wl_fmt a, b; /* a: activations or queries; b: weights, B or K/V */
    uint64_t macs;
} wl_mac_pair;

typedef struct wl_counts {
    int n_pairs; /* pairs in order of first use, each pair once */
    wl_mac_pair pair[WL_MAC_PAIRS_MAX];
    uint64_t macs;                           /* sum over the pairs */
    uint64_t vec[WL_VEC_COUNT];              /* operations by class */
    uint64_t vec_ops;                        /* sum over the classes */
    uint64_t read_bytes, write_bytes, bytes; /* minimum DRAM traffic; bytes = read + write */
} wl_counts;

/* Parse an inline workload from text (NUL-terminated, one line). file and
** line place diagnostics; col0 is the column of text[0], so an error in the
** token at offset i is reported at col0 + i. Fills *out and returns LP_OK, or
** returns with d filled (d may be NULL):
**   LP_ERR_PARSE   unknown kind, unknown key (with the nearest key of that
**                  kind), a key given twice, a token without '=', a missing
**                  required key, a value not of the key's type or choices
**   LP_ERR_RANGE   a number outside the key's range (quoted)
**   LP_ERR_FORMAT  a bad format name (mf_parse's message)
**   LP_ERR_ARG     inconsistent values: heads not a multiple of kv_heads, a
**                  key of the other phase (seq= or causal= with decode, ctx=
**                  with prefill), a context beyond a model's learned positions
** *out is unspecified after an error. text, file and d are not kept. */
lp_status wl_parse_inline(const char *text, const char *file, int line, int col0, wl_spec *out, lp_diag *d);

/* The largest workload file read (docs/limits.md): a few dozen keys and
** their comments fit many times over. */
#define WL_MAX_FILE_BYTES (UINT64_C(64) << 10)

/* Parse a workload file's text (len bytes, NULs refused): one YAML document,
** a mapping of scalars, kind: naming the workload (wherever it stands) and
** every other key as in the inline form, read by the same rules, with the
** same messages at the key's or the value's FILE:LINE:COL (columns count
** characters, as libyaml's marks do). Attention's kind=prefill|decode is
** written phase: (kind: names the workload), and its messages say phase.
** Besides wl_parse_inline's errors (LP_ERR_PARSE unless said):
**   an empty file (1:1), a document that is not a mapping, a second
**   document, a YAML syntax error or bad bytes (libyaml's message at its
**   position), an alias (*x), a key that is not a scalar, a value that is a
**   mapping or a list, a NUL escaped into a scalar, a missing kind: (1:1),
**   kind: given twice; a missing required key is reported at kind's value;
**   LP_ERR_NOMEM out of memory.
** file names the input in d (kept by pointer). *out is unspecified after an
** error. */
lp_status wl_parse_yaml_text(const char *text, size_t len, const char *file, wl_spec *out, lp_diag *d);

/* Read the workload file at path (a regular file of at most
** WL_MAX_FILE_BYTES, lp_read_file) and parse it as wl_parse_yaml_text does.
** A file that cannot be read (missing, a folder, a FIFO, a device, too
** large) gives LP_ERR_IO with an unplaced message (line 0, "cannot read:
** ..."), which the caller places at the argument that named the file. */
lp_status wl_parse_file(const char *path, wl_spec *out, lp_diag *d);

/* Print s in the inline form with every key of its kind and phase explicit,
** defaults included, and no newline; wl_parse_inline of the text gives back
** a spec equal to s (wl_spec_equal). */
void wl_print(const wl_spec *s, FILE *f);

/* True if a and b are the same workload (compared key by key). */
bool wl_spec_equal(const wl_spec *a, const wl_spec *b);

/* Count s (a spec from wl_parse_inline) into *c (overwritten). See above
** and docs/workloads.md for the exact definitions. Never overflows. (Named
** wl_count: a function cannot share the name of the type wl_counts in C.) */
void wl_count(const wl_spec *s, wl_counts *c);

/* The stream format of a layer or model whose projections take activations
** of format a: a itself when it has 16 bits or more, else bf16 (the residual
** stream, Q, K, V, the attention output and the MLP products stay bf16 and
** each projection input is converted into a; docs/workloads.md). */
void wl_layer_stream(const wl_fmt *a, wl_fmt *out);

/* A format name (mf_parse's, or an MX name such as mxfp8_e4m3) as an
** operand format. LP_OK, or LP_ERR_FORMAT with mf_parse's message in d. */
lp_status wl_fmt_parse(const char *v, wl_fmt *f, lp_diag *d);

/* Every key (workloads, phase, values, default, meaning), the models and the
** formats, as `lpsim run --help` lists them. */
void wl_print_keys(FILE *f);

/* A preset by id (asserted valid), the name of a kind, of a key. */
const wl_model *wl_model_get(wl_model_id id);
const char *wl_kind_name(wl_kind k);
const char *wl_key_name(wl_key_id k);

/* Whether name is a key of the inline form (of any kind). */
bool wl_key_known(const char *name);

/* Whether spec s takes key name (its kind does, in its phase): what a sweep's
** workload axis sets only where it applies. */
bool wl_key_applies(const wl_spec *s, const char *name);

/* The value of key name in s as a number (numbers and 0/1 keys; formats give
** their bits per element): true, or false when s does not take the key or
** it is an enum. */
bool wl_key_number(const wl_spec *s, const char *name, double *out);

#endif
