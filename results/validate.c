/*
** validate.c — the measured latencies of the shared layout, read into shapes
** (see validate.h), the fixed fit / held-out split, and a group's error
** figures. Rows are read with lp_csv, every field checked where it stands:
** a bad file is one FILE:LINE:COL error, never a shape left out quietly.
** Shapes are found by sorting the rows (group, dimensions, run, file, line)
** and merging neighbours, so that a shape measured twice in one run is
** reported at its later row.
*/
#define _POSIX_C_SOURCE 200809L
#include "validate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lp_csv.h"
#include "lp_file.h"
#include "lp_num.h"

/* The report's groups, in its order. fp8_e4m3 in the data is torch's
** float8_e4m3fn, lpsim's fp8_e4m3fn (lpsim's fp8_e4m3 is the IEEE-style
** format with infinities). fast_accum rows run the same workload: lpsim
** models one accumulation per format; the group shows what it costs.
**  name                               kind            dtype_in    dtype_out fast backend      in            out */
static const lp_val_group groups[] = {
    {"gemm bf16->bf16", LP_VAL_GEMM, "bf16", "bf16", 0, "", "bf16", "bf16"},
    {"gemm fp16->fp16", LP_VAL_GEMM, "fp16", "fp16", 0, "", "fp16", "fp16"},
    {"gemm fp8_e4m3->bf16", LP_VAL_GEMM, "fp8_e4m3", "bf16", 0, "", "fp8_e4m3fn", "bf16"},
    {"gemm fp8_e4m3->bf16 fast_accum", LP_VAL_GEMM, "fp8_e4m3", "bf16", 1, "", "fp8_e4m3fn", "bf16"},
    {"gemm fp8_e4m3->fp32", LP_VAL_GEMM, "fp8_e4m3", "fp32", 0, "", "fp8_e4m3fn", "fp32"},
    {"attention prefill default", LP_VAL_PREFILL, "bf16", "bf16", 0, "default", "bf16", "bf16"},
    {"attention prefill flash", LP_VAL_PREFILL, "bf16", "bf16", 0, "flash", "bf16", "bf16"},
    {"attention prefill cudnn", LP_VAL_PREFILL, "bf16", "bf16", 0, "cudnn", "bf16", "bf16"},
    {"attention prefill efficient", LP_VAL_PREFILL, "bf16", "bf16", 0, "efficient", "bf16", "bf16"},
    {"attention decode default", LP_VAL_DECODE, "bf16", "bf16", 0, "default", "bf16", "bf16"},
    {"attention decode flash", LP_VAL_DECODE, "bf16", "bf16", 0, "flash", "bf16", "bf16"},
    {"attention decode cudnn", LP_VAL_DECODE, "bf16", "bf16", 0, "cudnn", "bf16", "bf16"},
    {"attention decode efficient", LP_VAL_DECODE, "bf16", "bf16", 0, "efficient", "bf16", "bf16"},
};
#define NGROUPS (int)(sizeof groups / sizeof groups[0])

const lp_val_group *lp_val_groups(int *n)
{
    *n = NGROUPS;
    return groups;
}

uint64_t lp_val_fnv1a64(const char *s) { return lp_fnv1a64(s, strlen(s)); }

bool lp_val_fit_half(const char *shape_key) { return (lp_val_fnv1a64(shape_key) & 1) == 0; }

int lp_val_shape_key(const lp_val_shape *s, char *buf, size_t n)
{
    if (s->kind == LP_VAL_GEMM) return snprintf(buf, n, "gemm %ld %ld %ld", s->m, s->n, s->k);
    return snprintf(buf, n, "attention %s %ld %ld %ld %ld %ld %ld", s->kind == LP_VAL_PREFILL ? "prefill" : "decode",
                    s->batch, s->heads, s->q_len, s->kv_len, s->head_dim, s->causal);
}

int lp_val_shape_spec(const lp_val_shape *s, char *buf, size_t n)
{
    const lp_val_group *g = &groups[s->group];
    if (s->kind == LP_VAL_GEMM)
        return snprintf(buf, n, "gemm M=%ld N=%ld K=%ld in=%s out=%s", s->m, s->n, s->k, g->in, g->out);
    if (s->kind == LP_VAL_PREFILL)
        return snprintf(buf, n,
                        "attention kind=prefill batch=%ld heads=%ld kv_heads=%ld head_dim=%ld seq=%ld causal=%ld in=%s",
                        s->batch, s->heads, s->heads, s->head_dim, s->q_len, s->causal, g->in);
    return snprintf(buf, n, "attention kind=decode batch=%ld heads=%ld kv_heads=%ld head_dim=%ld ctx=%ld in=%s",
                    s->batch, s->heads, s->heads, s->head_dim, s->kv_len, g->in);
}

/* ---- reading ------------------------------------------------------------------------ */

/* The columns a file must name; the rest (op, reps, min_us, ...) are read
** past. Indices into these lists are the C_* / A_* below. */
static const char *const gemm_cols[] = {"run", "dtype_in", "dtype_out", "fast_accum", "M", "N", "K", "median_us"};
enum { G_RUN, G_IN, G_OUT, G_FAST, G_M, G_N, G_K, G_MEDIAN, G_NCOLS };
static const char *const attn_cols[] = {"run",    "kind",     "backend", "batch", "heads",    "q_len",
                                        "kv_len", "head_dim", "causal",  "dtype", "median_us"};
enum { A_RUN, A_KIND, A_BACKEND, A_BATCH, A_HEADS, A_Q, A_KV, A_D, A_CAUSAL, A_DTYPE, A_MEDIAN, A_NCOLS };

/* Ranges of the workload keys (docs/workloads.md): a row outside them is an
** error here, at its field, rather than a failed prediction. */
#define DIM_MAX 262144L
#define HEADS_MAX 256L
#define HEAD_DIM_MAX 1024L

typedef struct vrow {
    lp_val_shape s;
    long run;
    int run_col, file;
} vrow;

typedef struct rows {
    vrow *v;
    size_t n, cap;
} rows;

/* Field i one of the names in list (n of them), its index in *out. */
static lp_status field_name(const lp_csv *c, int i, const char *what, const char *const *list, int n, int *out,
                            lp_diag *d)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(c->field[i], list[k])) return *out = k, LP_OK;
    char expected[160] = "";
    size_t len = 0;
    for (int k = 0; k < n && len < sizeof expected; k++)
        len += (size_t)snprintf(expected + len, sizeof expected - len, "%s%s", k ? (k + 1 == n ? " or " : ", ") : "",
                                list[k]);
    return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i], "unknown %s '%.40s%s' (expected %s)", what, c->field[i],
                       strlen(c->field[i]) > 40 ? "..." : "", expected);
}

static lp_status field_us(const lp_csv *c, int i, double *out, lp_diag *d)
{
    const char *s = c->field[i], *why = "";
    double v = 0;
    if (lp_parse_f64(s, strlen(s), &v, &why) || !(v > 0))
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i],
                           "median_us must be a positive number of microseconds, got '%.40s%s'", s,
                           strlen(s) > 40 ? "..." : "");
    *out = v;
    return LP_OK;
}

static const char *const dtype_in_names[] = {"bf16", "fp16", "fp8_e4m3"};
static const char *const dtype_out_names[] = {"bf16", "fp16", "fp32"};
static const char *const kind_names[] = {"prefill", "decode"};
static const char *const backend_names[] = {"default", "flash", "cudnn", "efficient"};
static const char *const attn_dtype_names[] = {"bf16"};

static lp_status gemm_row(const lp_csv *c, const int *col, vrow *r, lp_diag *d)
{
    int in = 0, out = 0;
    long fast = 0;
    lp_status st;
    if ((st = field_name(c, col[G_IN], "dtype_in", dtype_in_names, 3, &in, d)) ||
        (st = field_name(c, col[G_OUT], "dtype_out", dtype_out_names, 3, &out, d)) ||
        (st = lp_csv_long(c, col[G_FAST], "fast_accum", 0, 1, &fast, d)) ||
        (st = lp_csv_long(c, col[G_M], "M", 1, DIM_MAX, &r->s.m, d)) ||
        (st = lp_csv_long(c, col[G_N], "N", 1, DIM_MAX, &r->s.n, d)) ||
        (st = lp_csv_long(c, col[G_K], "K", 1, DIM_MAX, &r->s.k, d)))
        return st;
    r->s.kind = LP_VAL_GEMM;
    r->s.group = -1;
    for (int g = 0; g < NGROUPS; g++)
        if (groups[g].kind == LP_VAL_GEMM && !strcmp(groups[g].dtype_in, dtype_in_names[in]) &&
            !strcmp(groups[g].dtype_out, dtype_out_names[out]) && groups[g].fast_accum == fast)
            r->s.group = g;
    if (r->s.group < 0)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[G_IN]],
                           "gemm %s->%s with fast_accum %ld is not a group of the report (gemm bf16->bf16, "
                           "fp16->fp16, fp8_e4m3->bf16 with fast_accum 0 or 1, fp8_e4m3->fp32)",
                           dtype_in_names[in], dtype_out_names[out], fast);
    return LP_OK;
}

static lp_status attention_row(const lp_csv *c, const int *col, vrow *r, lp_diag *d)
{
    int kind = 0, backend = 0, dtype = 0;
    lp_status st;
    lp_val_shape *s = &r->s;
    if ((st = field_name(c, col[A_KIND], "kind", kind_names, 2, &kind, d)) ||
        (st = field_name(c, col[A_BACKEND], "backend", backend_names, 4, &backend, d)) ||
        (st = lp_csv_long(c, col[A_BATCH], "batch", 1, HEADS_MAX, &s->batch, d)) ||
        (st = lp_csv_long(c, col[A_HEADS], "heads", 1, HEADS_MAX, &s->heads, d)) ||
        (st = lp_csv_long(c, col[A_Q], "q_len", 1, DIM_MAX, &s->q_len, d)) ||
        (st = lp_csv_long(c, col[A_KV], "kv_len", 1, DIM_MAX, &s->kv_len, d)) ||
        (st = lp_csv_long(c, col[A_D], "head_dim", 1, HEAD_DIM_MAX, &s->head_dim, d)) ||
        (st = lp_csv_long(c, col[A_CAUSAL], "causal", 0, 1, &s->causal, d)) ||
        (st = field_name(c, col[A_DTYPE], "dtype", attn_dtype_names, 1, &dtype, d)))
        return st;
    s->kind = kind ? LP_VAL_DECODE : LP_VAL_PREFILL;
    if (s->kind == LP_VAL_PREFILL && s->kv_len != s->q_len)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[A_KV]],
                           "a prefill row has kv_len = q_len (%ld), got %ld: lpsim's prefill attends seq queries to "
                           "seq keys",
                           s->q_len, s->kv_len);
    if (s->kind == LP_VAL_DECODE && s->q_len != 1)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[A_Q]], "a decode row has q_len 1, got %ld", s->q_len);
    if (s->kind == LP_VAL_DECODE && s->causal)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[col[A_CAUSAL]],
                           "a decode row has causal 0 (one query sees every key)");
    s->group = -1;
    for (int g = 0; g < NGROUPS; g++)
        if (groups[g].kind == s->kind && !strcmp(groups[g].backend, backend_names[backend])) s->group = g;
    return LP_OK;
}

/* Read one file's rows onto rs; path is kept in the diagnostics. */
static lp_status read_file(const char *path, bool gemm, int file, rows *rs, lp_diag *d)
{
    const char *const *names = gemm ? gemm_cols : attn_cols;
    int ncols = gemm ? G_NCOLS : A_NCOLS, col[A_NCOLS];
    FILE *f;
    uint64_t size;
    lp_diag why;
    lp_diag_init(d, path);
    lp_diag_init(&why, path);
    if (lp_open_input(path, &f, &size, &why)) return lp_diag_set(d, why.status, 1, 1, "cannot read: %s", why.msg);
    lp_csv c;
    lp_status st = LP_OK;
    lp_csv_init(&c, f, path, LP_VAL_MAX_LINE_BYTES);
    if (!lp_csv_next(&c, d)) {
        char list[200] = "";
        for (int k = 0, len = 0; k < ncols && len < (int)sizeof list; k++)
            len += snprintf(list + len, sizeof list - (size_t)len, "%s%s", k ? ", " : "", names[k]);
        st = d->status ? d->status
                       : lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty file: expected a header naming at least %s", list);
        goto close;
    }
    if ((st = lp_csv_header(&c, d))) goto close;
    int nheader = c.nfields, mhz = lp_csv_find(&c, "sm_mhz"); /* optional: the clock read after the measurement */
    for (int k = 0; k < ncols; k++)
        if ((col[k] = lp_csv_find(&c, names[k])) < 0) {
            st = lp_diag_set(d, LP_ERR_PARSE, 1, (int)c.len + 1, "the header has no column '%s'", names[k]);
            goto close;
        }
    size_t nrows = 0;
    while (lp_csv_next(&c, d)) {
        if (!c.len) continue; /* a blank line, e.g. at the end */
        if (++nrows > LP_VAL_MAX_ROWS) {
            st = lp_diag_set(d, LP_ERR_RANGE, c.line, 1, "more than %d rows", LP_VAL_MAX_ROWS);
            goto close;
        }
        if ((st = lp_csv_split(&c, d))) goto close;
        if (c.nfields != nheader) {
            int at = c.nfields < nheader ? (int)c.len + 1 : c.col[nheader] - 1;
            st = lp_diag_set(d, LP_ERR_PARSE, c.line, at, "expected %d fields as in the header, found %d", nheader,
                             c.nfields);
            goto close;
        }
        if (rs->n == rs->cap) {
            size_t cap = rs->cap ? 2 * rs->cap : 512;
            vrow *g = realloc(rs->v, cap * sizeof *g);
            if (!g) {
                st = lp_diag_set(d, LP_ERR_NOMEM, c.line, 1, "out of memory");
                goto close;
            }
            rs->v = g, rs->cap = cap;
        }
        vrow *r = &rs->v[rs->n];
        memset(r, 0, sizeof *r);
        int run = gemm ? col[G_RUN] : col[A_RUN];
        if ((st = lp_csv_long(&c, run, "run", 1, 1000000, &r->run, d)) ||
            (st = gemm ? gemm_row(&c, col, r, d) : attention_row(&c, col, r, d)) ||
            (st = field_us(&c, gemm ? col[G_MEDIAN] : col[A_MEDIAN], &r->s.measured_us, d)))
            goto close;
        r->s.sm_mhz = NAN;
        long clk;
        if (mhz >= 0 && (st = lp_csv_long(&c, mhz, "sm_mhz", 0, 100000, &clk, d))) goto close;
        if (mhz >= 0) r->s.sm_mhz = (double)clk;
        r->run_col = c.col[run];
        r->file = file;
        r->s.file = path;
        r->s.line = c.line;
        r->s.runs = 1;
        rs->n++;
    }
    st = d->status;
    if (!st && !nrows) st = lp_diag_set(d, LP_ERR_PARSE, c.line + 1, 1, "no measurements after the header");
close:
    lp_csv_free(&c);
    fclose(f);
    return st;
}

/* Group, then the dimensions: the shape; then run, file and line. */
static int shape_cmp(const vrow *a, const vrow *b)
{
    const lp_val_shape *x = &a->s, *y = &b->s;
    const long kx[] = {x->group, x->m, x->n, x->k, x->batch, x->heads, x->q_len, x->kv_len, x->head_dim, x->causal};
    const long ky[] = {y->group, y->m, y->n, y->k, y->batch, y->heads, y->q_len, y->kv_len, y->head_dim, y->causal};
    for (size_t i = 0; i < sizeof kx / sizeof kx[0]; i++)
        if (kx[i] != ky[i]) return kx[i] < ky[i] ? -1 : 1;
    return 0;
}

static int row_cmp(const void *p, const void *q)
{
    const vrow *a = p, *b = q;
    int c = shape_cmp(a, b);
    if (c) return c;
    if (a->run != b->run) return a->run < b->run ? -1 : 1;
    if (a->file != b->file) return a->file < b->file ? -1 : 1;
    return (a->s.line > b->s.line) - (a->s.line < b->s.line);
}

static int by_line(const void *p, const void *q)
{
    const vrow *a = *(const vrow *const *)p, *b = *(const vrow *const *)q;
    if (a->file != b->file) return a->file < b->file ? -1 : 1;
    return (a->s.line > b->s.line) - (a->s.line < b->s.line);
}

/* Merge the sorted rows into shapes (the lowest median; the first row's
** place). A shape with two rows of one run is an error at the later row. */
static lp_status merge(rows *rs, lp_val_set *out, lp_diag *d)
{
    qsort(rs->v, rs->n, sizeof *rs->v, row_cmp);
    /* the first of two rows of one shape and run, by position in the files */
    const vrow *dup[2] = {NULL, NULL};
    for (size_t i = 1; i < rs->n; i++)
        if (!shape_cmp(&rs->v[i - 1], &rs->v[i]) && rs->v[i - 1].run == rs->v[i].run) {
            const vrow *pair[2] = {&rs->v[i - 1], &rs->v[i]};
            if (!dup[1] || by_line(&pair[1], &dup[1]) < 0) dup[0] = pair[0], dup[1] = pair[1];
        }
    if (dup[1]) {
        lp_diag_init(d, dup[1]->s.file);
        return lp_diag_set(d, LP_ERR_PARSE, dup[1]->s.line, dup[1]->run_col,
                           "run %ld of this shape is measured twice (also on line %d)", dup[1]->run, dup[0]->s.line);
    }
    out->shape = calloc(rs->n ? rs->n : 1, sizeof *out->shape);
    if (!out->shape) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    int first_file = 0; /* the file of the current shape's first row */
    for (size_t i = 0; i < rs->n; i++) {
        const vrow *r = &rs->v[i];
        lp_val_shape *s = out->n ? &out->shape[out->n - 1] : NULL;
        if (s && !shape_cmp(&rs->v[i - 1], r)) {
            if (r->s.measured_us < s->measured_us) s->measured_us = r->s.measured_us, s->sm_mhz = r->s.sm_mhz;
            if (r->file < first_file || (r->file == first_file && r->s.line < s->line))
                s->file = r->s.file, s->line = r->s.line, first_file = r->file;
            s->runs++;
            continue;
        }
        first_file = r->file;
        s = &out->shape[out->n++];
        *s = r->s;
        lp_val_shape_key(s, s->key, sizeof s->key);
        lp_val_shape_spec(s, s->spec, sizeof s->spec);
        s->fit = lp_val_fit_half(s->key);
        s->predicted_us = s->clock_ghz = s->power_w = NAN;
    }
    return LP_OK;
}

lp_status lp_val_read(const char *dir, lp_val_set *out, lp_diag *d)
{
    static const char *const files[2] = {LP_VAL_GEMM_FILE, LP_VAL_ATTENTION_FILE};
    struct stat sb;
    memset(out, 0, sizeof *out);
    lp_diag_init(d, dir);
    if (stat(dir, &sb)) return lp_diag_msg(d, LP_ERR_IO, "cannot read the folder: %s", strerror(errno));
    if (!S_ISDIR(sb.st_mode)) return lp_diag_msg(d, LP_ERR_IO, "is not a folder");
    rows rs = {0};
    lp_status st = LP_OK;
    for (int f = 0; f < 2 && !st; f++) {
        size_t len = strlen(dir) + strlen(files[f]) + 2;
        char *path = malloc(len);
        if (!path) {
            st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(path, len, "%s/%s", dir, files[f]);
        if (lstat(path, &sb) && errno == ENOENT) {
            free(path);
            continue;
        }
        out->path[f] = path;
        st = read_file(path, f == 0, f, &rs, d);
    }
    if (!st && !out->path[0] && !out->path[1]) {
        lp_diag_init(d, dir);
        st = lp_diag_msg(d, LP_ERR_IO, "holds neither %s nor %s", files[0], files[1]);
    }
    if (!st) st = merge(&rs, out, d);
    free(rs.v);
    if (st) { /* the paths stay: d may name one */
        free(out->shape);
        out->shape = NULL, out->n = 0;
    }
    return st;
}

void lp_val_set_free(lp_val_set *s)
{
    free(s->shape);
    free(s->path[0]);
    free(s->path[1]);
    memset(s, 0, sizeof *s);
}

/* ---- error figures ------------------------------------------------------------------- */

double lp_val_error_pct(const lp_val_shape *sh) { return (sh->predicted_us - sh->measured_us) / sh->measured_us * 100; }

typedef struct ape {
    double pct;
    size_t i;
} ape;

static int by_error_desc(const void *p, const void *q)
{
    const ape *a = p, *b = q;
    if (a->pct != b->pct) return a->pct > b->pct ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static double mean_or_nan(double sum, size_t n) { return n ? sum / (double)n : NAN; }

lp_status lp_val_summarize(const lp_val_set *s, int group, lp_val_summary *out)
{
    memset(out, 0, sizeof *out);
    ape *e = malloc((s->n ? s->n : 1) * sizeof *e);
    if (!e) return LP_ERR_NOMEM;
    double sum = 0, sum_fit = 0, sum_held = 0;
    for (size_t i = 0; i < s->n; i++) {
        const lp_val_shape *sh = &s->shape[i];
        if ((group >= 0 && sh->group != group) || isnan(sh->predicted_us)) continue;
        double pct = fabs(lp_val_error_pct(sh));
        e[out->n++] = (ape){pct, i};
        sum += pct;
        if (sh->fit)
            sum_fit += pct, out->n_fit++;
        else
            sum_held += pct, out->n_held_out++;
        if (sh->predicted_us > 2 * sh->measured_us || 2 * sh->predicted_us < sh->measured_us) out->off_2x++;
    }
    out->mape_pct = mean_or_nan(sum, out->n);
    out->fit_mape_pct = mean_or_nan(sum_fit, out->n_fit);
    out->held_out_mape_pct = mean_or_nan(sum_held, out->n_held_out);
    qsort(e, out->n, sizeof *e, by_error_desc);
    out->median_pct = !out->n ? NAN : out->n % 2 ? e[out->n / 2].pct : (e[out->n / 2 - 1].pct + e[out->n / 2].pct) / 2;
    out->max_pct = out->n ? e[0].pct : NAN;
    for (size_t k = 0; k < out->n && k < LP_VAL_WORST; k++) out->worst[out->nworst++] = e[k].i;
    free(e);
    return LP_OK;
}
