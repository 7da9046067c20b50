/*
** test_dot.c — the dot-product / accumulator model (models/dot.c).
**
** Replays every case of ../shared/data/tensorcore_bits: real H100 outputs of
** cuBLAS and one-warp MMA kernels must come out bit for bit from the presets,
** with cuBLAS's split-K where ../shared/data/README.md says it split. The MX
** block-scaled dot product is compared with a slow exact reference.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "lp_rng.h"
#include "lp_test.h"
#include "mx.h"

/* ---- the tensor-core reference files ---------------------------------------- */

typedef struct tc_case {
    int id, M, N, K;       /* M, N, K as run on the GPU */
    int rows, cols;        /* size of the recorded block (16 x 16, or M x N) */
    char pattern[32];
    uint16_t *a, *b;       /* rows x K and K x cols codes */
    char *out[8];          /* output columns, hex */
} tc_case;

typedef struct tc_file {
    mf_format fmt;
    int ncases;
    tc_case cases[128];
    char colname[8][64];
    int ncols;
} tc_file;

static void parse_codes(const char *hex, int digits, uint16_t *out, size_t n)
{
    char buf[8] = {0};
    CU_ASSERT_FATAL(strlen(hex) == n * (size_t)digits);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, hex + i * (size_t)digits, (size_t)digits);
        out[i] = (uint16_t)strtoul(buf, NULL, 16);
    }
}

static int count_list(const char *s)
{
    int n = 1;
    for (; *s; s++) n += *s == ';';
    return n;
}

/* Load a file; output columns are those after B_hex. */
static bool tc_load(tc_file *t, const char *rel, const char *fmt)
{
    lpt_csv c;
    memset(t, 0, sizeof *t);
    CU_ASSERT_FATAL(mf_parse(fmt, &t->fmt, NULL, 0) == LP_OK);
    if (!lpt_csv_open(&c, rel)) return false;
    int ci = lpt_csv_col(&c, "case"), cp = lpt_csv_col(&c, "pattern"), cm = lpt_csv_col(&c, "M"),
        cn = lpt_csv_col(&c, "N"), ck = lpt_csv_col(&c, "K"), ca = lpt_csv_col(&c, "A_hex"),
        cb = lpt_csv_col(&c, "B_hex");
    int cr = -1, cc = -1;
    for (int i = 0; i < c.nhdr; i++) {
        if (!strcmp(c.hdr[i], "rows")) cr = i;
        if (!strcmp(c.hdr[i], "cols")) cc = i;
    }
    for (int i = cb + 1; i < c.nhdr && t->ncols < 8; i++) snprintf(t->colname[t->ncols++], 64, "%s", c.hdr[i]);
    int digits = t->fmt.hex_digits;
    while (lpt_csv_next(&c) && t->ncases < 128) {
        tc_case *k = &t->cases[t->ncases++];
        k->id = atoi(c.f[ci]);
        snprintf(k->pattern, sizeof k->pattern, "%s", c.f[cp]);
        k->M = atoi(c.f[cm]);
        k->N = atoi(c.f[cn]);
        k->K = atoi(c.f[ck]);
        k->rows = cr >= 0 ? count_list(c.f[cr]) : k->M;
        k->cols = cc >= 0 ? count_list(c.f[cc]) : k->N;
        k->a = malloc(sizeof(uint16_t) * (size_t)k->rows * (size_t)k->K);
        k->b = malloc(sizeof(uint16_t) * (size_t)k->K * (size_t)k->cols);
        parse_codes(c.f[ca], digits, k->a, (size_t)k->rows * (size_t)k->K);
        parse_codes(c.f[cb], digits, k->b, (size_t)k->K * (size_t)k->cols);
        for (int j = 0; j < t->ncols; j++) k->out[j] = strdup(c.f[cb + 1 + j]);
    }
    lpt_csv_close(&c);
    return t->ncases > 0;
}

static void tc_free(tc_file *t)
{
    for (int i = 0; i < t->ncases; i++) {
        free(t->cases[i].a);
        free(t->cases[i].b);
        for (int j = 0; j < t->ncols; j++) free(t->cases[i].out[j]);
    }
}

static int tc_col(const tc_file *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (!strcmp(t->colname[j], name)) return j;
    fprintf(stderr, "\n  no column %s", name);
    CU_FAIL("missing output column");
    return -1;
}

/* Run one case with cfg; returns the number of outputs differing from column j. */
static int tc_run(const tc_file *t, const tc_case *k, const dot_cfg *cfg, int j, bool report)
{
    dot_matrix A = {&t->fmt, k->a, k->K, NULL, 0, 0}, B = {&t->fmt, k->b, k->cols, NULL, 0, 0};
    int n = k->rows * k->cols, bad = 0;
    float *d = malloc(sizeof(float) * (size_t)n);
    CU_ASSERT_FATAL(dot_gemm(cfg, k->rows, k->cols, k->K, &A, &B, NULL, d) == LP_OK);
    for (int i = 0; i < n; i++) {
        char want[9] = {0}, got[9];
        uint32_t b;
        memcpy(want, k->out[j] + (size_t)i * 8, 8);
        memcpy(&b, &d[i], 4);
        snprintf(got, sizeof got, "%08x", b);
        if (strcmp(want, got)) {
            if (report && bad < 3)
                fprintf(stderr, "\n  %s case %d (%s, %dx%dx%d) out %d: want %s got %s", cfg->name, k->id, k->pattern,
                        k->M, k->N, k->K, i, want, got);
            bad++;
        }
    }
    free(d);
    return bad;
}

/* cuBLAS split-K, as ../shared/data/README.md records it: (M, N, K) -> S, T. */
typedef struct split_rule {
    const char *column;
    int M, N, K, S, T;
} split_rule;

static const split_rule splits[] = {
    {"cublas_scaled_mm_fastaccum", 16, 4096, 14336, 2, 128},
    {"cublas_scaled_mm_fastaccum", 16, 16, 14336, 5, 128},
    {"cublas_mm_out_f32", 16, 4096, 14336, 2, 64},
    {"cublas_mm_out_f32", 16, 16, 4096, 3, 64},
    {"cublas_mm_out_f32", 128, 128, 4096, 3, 64},
    {"cublas_mm_out_f32", 16, 16, 14336, 11, 64},
};

static void apply_split(dot_cfg *cfg, const char *column, const tc_case *k)
{
    cfg->split = 1;
    cfg->split_tile = 1;
    for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
        const split_rule *s = &splits[i];
        if (!strcmp(s->column, column) && s->M == k->M && s->N == k->N && s->K == k->K) {
            cfg->split = s->S;
            cfg->split_tile = s->T;
        }
    }
}

/* Every output of every case of file rel: preset against column. */
static int replay(const char *rel, const char *fmt, const char *preset, const char *column, int promote_override)
{
    tc_file *t = malloc(sizeof *t);
    dot_cfg cfg;
    int bad = 0, outs = 0;
    CU_ASSERT_FATAL(dot_preset(preset, &cfg, NULL, 0) == LP_OK);
    if (promote_override >= 0) cfg.promote = promote_override;
    if (tc_load(t, rel, fmt)) {
        int j = tc_col(t, column);
        for (int i = 0; j >= 0 && i < t->ncases; i++) {
            apply_split(&cfg, column, &t->cases[i]);
            bad += tc_run(t, &t->cases[i], &cfg, j, true);
            outs += t->cases[i].rows * t->cases[i].cols;
        }
    }
    if (bad) fprintf(stderr, "\n  %s vs %s:%s: %d of %d outputs differ", preset, rel, column, bad, outs);
    CU_ASSERT(outs >= 16 * 16 * 8);
    tc_free(t);
    free(t);
    return bad;
}

static void test_h100_fp8_equals_cublas_scaled_mm(void)
{
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8", "cublas_scaled_mm", -1), 0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_big_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8", "cublas_scaled_mm", -1),
                    0);
}

static void test_h100_fp8_fastaccum_equals_cublas(void)
{
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8-fastaccum",
                           "cublas_scaled_mm_fastaccum", -1),
                    0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_big_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8-fastaccum",
                           "cublas_scaled_mm_fastaccum", -1),
                    0);
}

static void test_h100_bf16_equals_cublas_and_wmma(void)
{
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "cublas_mm_out_f32", -1), 0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_big_bf16.csv", "bf16", "h100-bf16", "cublas_mm_out_f32", -1), 0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "wmma_m16n16k16_mode0", -1), 0);
    /* mode 1: every 16-step from a zero accumulator, added in float32: promotion every group */
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "wmma_m16n16k16_mode1", 1), 0);
}

CU_TestInfo lpt_dot_tests[] = {
    {"h100/fp8_equals_cublas_scaled_mm", test_h100_fp8_equals_cublas_scaled_mm},
    {"h100/fp8_fastaccum_equals_cublas", test_h100_fp8_fastaccum_equals_cublas},
    {"h100/bf16_equals_cublas_and_wmma", test_h100_bf16_equals_cublas_and_wmma},
    CU_TEST_INFO_NULL,
};
