/*
** validate.h — measured latencies of the shared layout (../shared/data,
** h100_latency: gemm_latency.csv, attention_latency.csv) read into shapes,
** each with the workload `lpsim run` predicts it by, its group (operation
** kind and format, or attention phase and backend), and its half of the
** fixed fit / held-out split; and the error figures of a group once the
** shapes carry predictions. `lpsim validate` uses it; a calibration command
** takes the same split through lp_val_fit_half.
**
** A shape is what the rows of one group agree on apart from `run` and the
** measured columns; its measured time is the lowest median_us of its rows
** (two runs in the shared data: the lower median is the one least disturbed
** by clocks and neighbours). The split depends on the shape alone, never on
** the format or the backend, so that a GEMM shape falls in the same half in
** every format. No simulation here, no SystemC: results/ depends on models/
** only.
*/
#ifndef LP_VALIDATE_H
#define LP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"

typedef enum lp_val_kind { LP_VAL_GEMM, LP_VAL_PREFILL, LP_VAL_DECODE } lp_val_kind;

/* A group of the report: the rows of one kind in one format (GEMM) or with
** one backend (attention), in the order of the report. */
typedef struct lp_val_group {
    const char *name; /* "gemm fp8_e4m3->bf16 fast_accum", "attention prefill flash" */
    lp_val_kind kind;
    const char *dtype_in, *dtype_out; /* the data's names (gemm) */
    int fast_accum;                   /* gemm: fast_accum column, 0 or 1 */
    const char *backend;              /* attention: the backend column; "" for gemm */
    const char *in, *out;             /* lpsim's format names of the workload */
} lp_val_group;

/* The groups in report order; *n receives their number. */
const lp_val_group *lp_val_groups(int *n);

#define LP_VAL_KEY_MAX 96
#define LP_VAL_SPEC_MAX 192

typedef struct lp_val_shape {
    lp_val_kind kind;
    int group;                                          /* index into lp_val_groups() */
    long m, n, k;                                       /* gemm */
    long batch, heads, q_len, kv_len, head_dim, causal; /* attention */
    double measured_us;                                 /* the lowest median_us of its rows */
    double sm_mhz;                                      /* that row's sm_mhz (the clock read after it), or NAN */
    int runs;                                           /* rows merged into it */
    const char *file;                                   /* its first row: FILE (owned by the lp_val_set) */
    int line;                                           /* and LINE */
    char key[LP_VAL_KEY_MAX];                           /* lp_val_shape_key */
    char spec[LP_VAL_SPEC_MAX];                         /* lp_val_shape_spec */
    bool fit;                                           /* lp_val_fit_half(key) */
    /* filled by the caller: the prediction (NAN when not predicted) */
    double predicted_us, clock_ghz, power_w;
} lp_val_shape;

/* FNV-1a, 64 bits, of the bytes of s up to its NUL. */
uint64_t lp_val_fnv1a64(const char *s);

/* The canonical key of a shape (its kind and dimensions; never the format or
** the backend): "gemm M N K", "attention prefill|decode BATCH HEADS Q_LEN
** KV_LEN HEAD_DIM CAUSAL", decimal numbers, single spaces. Writes at most n
** bytes with the NUL; returns what snprintf returns. */
int lp_val_shape_key(const lp_val_shape *s, char *buf, size_t n);

/* True if the shape whose key this is belongs to the fit half: its FNV-1a
** 64 hash is even. The other half (odd) is held out. The rule is fixed: a
** key's half never changes. */
bool lp_val_fit_half(const char *shape_key);

/* The inline workload of `lpsim run` that predicts the shape (group formats;
** GEMM weights as nn.Linear's [N,K], lpsim's default layout=nk). Returns
** what snprintf returns. */
int lp_val_shape_spec(const lp_val_shape *s, char *buf, size_t n);

/* The shapes read from a folder, sorted by group, then dimensions. */
typedef struct lp_val_set {
    lp_val_shape *shape; /* owned */
    size_t n;
    char *path[2]; /* the files read (NULL when absent); owned, named in diagnostics */
} lp_val_set;

#define LP_VAL_GEMM_FILE "gemm_latency.csv"
#define LP_VAL_ATTENTION_FILE "attention_latency.csv"
#define LP_VAL_MAX_LINE_BYTES 4096 /* a row of the shared files is about 120 bytes */
#define LP_VAL_MAX_ROWS 1000000    /* rows of one file */

/* Read DIR/gemm_latency.csv and DIR/attention_latency.csv; either may be
** absent (ENOENT), not both. Every row is checked: the header names each
** column the kind needs; fields are numbers in the workload's ranges or
** names of the group table; prefill rows have q_len = kv_len, decode rows
** q_len = 1 and causal 0; a shape has at most one row per run. Errors:
** LP_ERR_PARSE / LP_ERR_RANGE at FILE:LINE:COL; LP_ERR_IO with an unplaced
** message (line 0, d->file = dir) when dir is not a readable folder or holds
** neither file; a file that is present but cannot be read (a folder, a
** device) at FILE:1:1. On success *out owns the shapes (lp_val_set_free);
** on failure *out is empty. */
lp_status lp_val_read(const char *dir, lp_val_set *out, lp_diag *d);

void lp_val_set_free(lp_val_set *s);

#define LP_VAL_WORST 5

/* The error figures of the shapes of one group (group < 0: all groups) that
** carry a prediction (predicted_us not NAN). Percentages are absolute
** relative errors |predicted - measured| / measured * 100. A half without
** shapes has its MAPE NAN. worst[] holds indices into the set, the largest
** errors first. */
typedef struct lp_val_summary {
    size_t n, n_fit, n_held_out;
    double mape_pct, median_pct, fit_mape_pct, held_out_mape_pct, max_pct;
    size_t off_2x; /* predicted more than twice or less than half the measured time */
    size_t worst[LP_VAL_WORST];
    int nworst;
} lp_val_summary;

/* LP_OK, or LP_ERR_NOMEM. */
lp_status lp_val_summarize(const lp_val_set *s, int group, lp_val_summary *out);

/* The signed relative error of a shape, in percent: (predicted - measured)
** / measured * 100. */
double lp_val_error_pct(const lp_val_shape *sh);

#endif
