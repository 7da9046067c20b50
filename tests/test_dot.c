/*
** test_dot.c — the dot-product / accumulator model (models/numerics/dot.c).
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
    int id, M, N, K; /* M, N, K as run on the GPU */
    int rows, cols;  /* size of the recorded block (16 x 16, or M x N) */
    char pattern[32];
    uint16_t *a, *b; /* rows x K and K x cols codes */
    char *out[8];    /* output columns, hex */
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
    CU_ASSERT_FATAL(mf_parse(fmt, &t->fmt, NULL) == LP_OK);
    if (!lpt_csv_open(&c, rel)) return false;
    int ci = lpt_csv_col(&c, "case"), cp = lpt_csv_col(&c, "pattern"), cm = lpt_csv_col(&c, "M"),
        cn = lpt_csv_col(&c, "N"), ck = lpt_csv_col(&c, "K"), ca = lpt_csv_col(&c, "A_hex"),
        cb = lpt_csv_col(&c, "B_hex");
    int cr = -1, cc = -1;
    for (int i = 0; i < c.nhdr; i++) {
        if (!strcmp(c.hdr[i], "rows")) cr = i;
        if (!strcmp(c.hdr[i], "cols")) cc = i;
    }
    CU_ASSERT(c.nhdr - (cb + 1) <= 8); /* every output column is checked */
    for (int i = cb + 1; i < c.nhdr && t->ncols < 8; i++) snprintf(t->colname[t->ncols++], 64, "%s", c.hdr[i]);
    int digits = t->fmt.hex_digits;
    while (lpt_csv_next(&c)) {
        if (t->ncases == 128) { /* never drop cases silently */
            CU_FAIL("more cases than the test holds (128)");
            break;
        }
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
    CU_ASSERT_FATAL(strlen(k->out[j]) == (size_t)n * 8); /* one float32 per output, no more, no fewer */
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
    CU_ASSERT_FATAL(dot_preset(preset, &cfg, NULL) == LP_OK);
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
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8", "cublas_scaled_mm", -1),
                    0);
    CU_ASSERT_EQUAL(
        replay("tensorcore_bits/gemm_bits_big_fp8_e4m3.csv", "fp8_e4m3fn", "h100-fp8", "cublas_scaled_mm", -1), 0);
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

/* torch.mm with bf16 output: the float32 result rounded to bf16 (nearest even), NaN as 0x7fff */
static void test_h100_bf16_with_bf16_output(void)
{
    tc_file *t = malloc(sizeof *t);
    dot_cfg cfg;
    int bad = 0, outs = 0;
    CU_ASSERT_FATAL(dot_preset("h100-bf16", &cfg, NULL) == LP_OK);
    CU_ASSERT_FATAL(mf_parse("bf16", &cfg.out, NULL) == LP_OK);
    if (tc_load(t, "tensorcore_bits/gemm_bits_bf16.csv", "bf16")) {
        int j = tc_col(t, "cublas_mm_bf16_out_as_f32");
        for (int i = 0; j >= 0 && i < t->ncases; i++) {
            bad += tc_run(t, &t->cases[i], &cfg, j, true);
            outs += t->cases[i].rows * t->cases[i].cols;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(outs >= 16 * 16 * 70);
    tc_free(t);
    free(t);
}

static void test_h100_bf16_equals_cublas_and_wmma(void)
{
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "cublas_mm_out_f32", -1), 0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_big_bf16.csv", "bf16", "h100-bf16", "cublas_mm_out_f32", -1), 0);
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "wmma_m16n16k16_mode0", -1), 0);
    /* mode 1: every 16-step from a zero accumulator, added in float32: promotion every group */
    CU_ASSERT_EQUAL(replay("tensorcore_bits/gemm_bits_bf16.csv", "bf16", "h100-bf16", "wmma_m16n16k16_mode1", 1), 0);
}

/* ---- a slow exact reference ------------------------------------------------
** Sums of products held as one counter per bit position (positive and
** negative parts apart), carried at the end, then rounded to float32 by
** looking at the bits: no code shared with dot.c. */

#define REF_LSB (-720)
#define REF_BITS 1500

typedef struct ref_sum {
    int64_t pos[REF_BITS], neg[REF_BITS];
} ref_sum;

/* Add (-1)^neg * m * 2^e. */
static void ref_add(ref_sum *r, bool neg, uint64_t m, int e)
{
    for (int b = 0; m; b++, m >>= 1) {
        if (!(m & 1)) continue;
        int at = e + b - REF_LSB;
        CU_ASSERT_FATAL(at >= 0 && at < REF_BITS - 80);
        (neg ? r->neg : r->pos)[at]++;
    }
}

static void ref_carry(int64_t *c)
{
    for (int i = 0; i < REF_BITS - 1; i++) {
        c[i + 1] += c[i] >> 1;
        c[i] &= 1;
    }
}

/* Correctly rounded (nearest even) float32 bits of the sum. */
static uint32_t ref_round(ref_sum *r)
{
    static uint8_t d[REF_BITS];
    ref_carry(r->pos);
    ref_carry(r->neg);
    int cmp = 0;
    for (int i = REF_BITS - 1; i >= 0 && !cmp; i--) cmp = (r->pos[i] > r->neg[i]) - (r->pos[i] < r->neg[i]);
    if (!cmp) return 0;
    const int64_t *big = cmp > 0 ? r->pos : r->neg, *small = cmp > 0 ? r->neg : r->pos;
    int borrow = 0;
    for (int i = 0; i < REF_BITS; i++) { /* magnitude = big - small, bit by bit */
        int v = (int)big[i] - (int)small[i] - borrow;
        borrow = v < 0;
        d[i] = (uint8_t)(v & 1);
    }
    int top = REF_BITS - 1;
    while (!d[top]) top--;
    int ue = top + REF_LSB;
    uint32_t sign = cmp < 0 ? 0x80000000u : 0;
    if (ue > 127) return sign | 0x7f800000u;
    int lsb = (ue >= -126 ? ue - 23 : -149) - REF_LSB; /* bit index of the last kept bit */
    uint64_t q = 0;
    for (int i = top; i >= lsb; i--) q = q << 1 | (i >= 0 ? d[i] : 0);
    bool half = lsb - 1 >= 0 && d[lsb - 1], rest = false;
    for (int i = lsb - 2; i >= 0 && !rest; i--) rest = d[i];
    if (half && (rest || (q & 1))) q++;
    int e = lsb + REF_LSB; /* value q * 2^e */
    if (q >> 24) q >>= 1, e++;
    if (q >= (1u << 23) && e + 23 > 127) return sign | 0x7f800000u;
    if (q < (1u << 23)) return sign | (uint32_t)q; /* subnormal (e == -149) */
    return sign | (uint32_t)(e + 150) << 23 | ((uint32_t)q & 0x7fffff);
}

/* Exact dot product of row m of A and column n of B (codes, optional scales). */
static uint32_t ref_dot(const mf_format *fa, const uint16_t *a, const uint8_t *sa, const mf_format *fb,
                        const uint16_t *b, size_t bstride, const uint8_t *sb, int K, int blk)
{
    static ref_sum r;
    memset(&r, 0, sizeof r);
    for (int k = 0; k < K; k++) {
        bool na, nb;
        uint32_t ma, mb;
        int ea, eb;
        mf_class ka = mf_decode_parts(fa, a[k], &na, &ma, &ea),
                 kb = mf_decode_parts(fb, b[(size_t)k * bstride], &nb, &mb, &eb);
        if (ka == MF_NAN || kb == MF_NAN || (sa && sa[k / blk] == 0xff) || (sb && sb[k / blk] == 0xff)) return DOT_NAN;
        CU_ASSERT_FATAL(ka != MF_INF && kb != MF_INF);
        int sx = (sa ? sa[k / blk] - 127 : 0) + (sb ? sb[k / blk] - 127 : 0);
        ref_add(&r, na != nb, (uint64_t)ma * mb, ea + eb + sx);
    }
    return ref_round(&r);
}

/* exact_f64_hex is the float64 of the exact sum (math.fsum); rounded to
** float32 it must equal the "exact" preset: the correctly rounded float32. */
/* True if the double v lies exactly halfway between two float32 values. */
static bool is_f32_midpoint(double v)
{
    float lo = (float)v;
    if ((double)lo == v) return false;
    float hi = nextafterf(lo, (double)lo < v ? INFINITY : -INFINITY);
    return ((double)lo + (double)hi) / 2 == v;
}

static int replay_exact(const char *rel, const char *fmt)
{
    tc_file *t = malloc(sizeof *t);
    dot_cfg cfg;
    int bad = 0, outs = 0, hazards = 0;
    CU_ASSERT_FATAL(dot_preset("exact", &cfg, NULL) == LP_OK);
    if (tc_load(t, rel, fmt)) {
        int j = tc_col(t, "exact_f64_hex");
        for (int i = 0; j >= 0 && i < t->ncases; i++) {
            const tc_case *k = &t->cases[i];
            dot_matrix A = {&t->fmt, k->a, k->K, NULL, 0, 0}, B = {&t->fmt, k->b, k->cols, NULL, 0, 0};
            int n = k->rows * k->cols;
            float *d = malloc(sizeof(float) * (size_t)n);
            CU_ASSERT_FATAL(dot_gemm(&cfg, k->rows, k->cols, k->K, &A, &B, NULL, d) == LP_OK);
            CU_ASSERT_FATAL(strlen(k->out[j]) == (size_t)n * 16); /* one float64 per output */
            for (int o = 0; o < n; o++) {
                char h[17] = {0};
                memcpy(h, k->out[j] + (size_t)o * 16, 16);
                uint64_t u = strtoull(h, NULL, 16);
                double v;
                memcpy(&v, &u, sizeof v);
                float want = (float)v; /* the C conversion rounds to nearest even */
                uint32_t wb, gb;
                memcpy(&wb, &want, 4);
                memcpy(&gb, &d[o], 4);
                if (isnan(v)) wb = DOT_NAN;
                if (!isnan(v) && (double)want != v && is_f32_midpoint(v)) {
                    /* the float64 is itself a float32 tie: rounding it again can
                    ** differ from rounding the exact sum once (double rounding);
                    ** the slow exact reference decides */
                    wb = ref_dot(&t->fmt, k->a + (size_t)(o / k->cols) * (size_t)k->K, NULL, &t->fmt,
                                 k->b + o % k->cols, (size_t)k->cols, NULL, k->K, 1);
                    hazards++;
                }
                if (wb != gb) {
                    if (bad < 3) fprintf(stderr, "\n  exact case %d out %d: want %08x got %08x", k->id, o, wb, gb);
                    bad++;
                }
                outs++;
            }
            free(d);
        }
    }
    CU_ASSERT(outs >= 16 * 16 * 8);
    if (hazards) fprintf(stderr, "\n  %s: %d output(s) at a float32 tie in float64, checked exactly", rel, hazards);
    tc_free(t);
    free(t);
    return bad;
}

static void test_exact_equals_fsum_rounded_to_float32(void)
{
    CU_ASSERT_EQUAL(replay_exact("tensorcore_bits/gemm_bits_fp8_e4m3.csv", "fp8_e4m3fn"), 0);
    CU_ASSERT_EQUAL(replay_exact("tensorcore_bits/gemm_bits_bf16.csv", "bf16"), 0);
    CU_ASSERT_EQUAL(replay_exact("tensorcore_bits/gemm_bits_big_fp8_e4m3.csv", "fp8_e4m3fn"), 0);
    CU_ASSERT_EQUAL(replay_exact("tensorcore_bits/gemm_bits_big_bf16.csv", "bf16"), 0);
}

/* ---- MX block-scaled dot products ---------------------------------------- */

/* Random MX operands: codes of every kind (zeros, subnormals, the maximum, NaN
** where the element format has one is left out: MX elements never hold NaN),
** scales anywhere in 0..254 with the extremes and NaN now and then. */
static void mx_operand(const mx_elem *e, uint64_t seed, int n, uint16_t *codes, uint8_t *scales, int nscales,
                       bool extremes)
{
    for (int i = 0; i < n; i++) {
        uint64_t r = lp_rng_u64(seed, (uint64_t)i);
        uint32_t c = (uint32_t)(r & e->fmt.mask);
        if ((r >> 20) % 9 == 0) c &= e->fmt.sign_bit | 3; /* zeros and subnormals */
        if ((r >> 20) % 9 == 1) c = (c & e->fmt.sign_bit) | e->fmt.max_mag;
        bool ng;
        uint32_t mm;
        int ee;
        mf_class k = mf_decode_parts(&e->fmt, c, &ng, &mm, &ee);
        if (k == MF_NAN || k == MF_INF) c = e->fmt.max_mag; /* MX quantisation saturates: no inf or NaN */
        codes[i] = (uint16_t)c;
    }
    for (int i = 0; i < nscales; i++) {
        uint64_t r = lp_rng_u64(seed ^ 0xabc, (uint64_t)i);
        int x = extremes ? (int)(r % 255) : 127 - 20 + (int)(r % 41);
        if (extremes && (r >> 32) % 7 == 0) x = (r >> 40) & 1 ? 0 : 254;
        if (extremes && (r >> 32) % 23 == 1) x = 0xff; /* NaN scale */
        scales[i] = (uint8_t)x;
    }
}

static void test_mx_exact_dot_equals_slow_reference(void)
{
    enum { M = 4, N = 3, KMAX = 256 };
    static uint16_t a[M * KMAX], b[KMAX * N];
    static uint8_t sa[M * KMAX / 32], sb[KMAX / 32 * N];
    dot_cfg cfg;
    int bad = 0, nans = 0, infs = 0, finite = 0;
    CU_ASSERT_FATAL(dot_preset("exact", &cfg, NULL) == LP_OK);
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        for (int ej = 0; ej < MX_ELEM_COUNT; ej += 5) { /* same type, and mixed with fp8_e4m3/int8 */
            mx_elem e, f;
            mx_elem_get((mx_elem_id)ei, &e);
            mx_elem_get((mx_elem_id)(ej == 0 ? ei : (ei + ej) % MX_ELEM_COUNT), &f);
            for (int t = 0; t < 40; t++) {
                int K = 32 * (1 + (int)(lp_rng_u64(9, (uint64_t)t) % (KMAX / 32)));
                bool extremes = t % 2;
                uint64_t seed = (uint64_t)(ei * 1000 + ej * 100 + t);
                mx_operand(&e, seed, M * K, a, sa, M * K / 32, extremes);
                mx_operand(&f, seed + 7, K * N, b, sb, K / 32 * N, extremes);
                dot_matrix A = {&e.fmt, a, K, sa, 32, K / 32}, B = {&f.fmt, b, N, sb, 32, N};
                float d[M * N];
                CU_ASSERT_FATAL(dot_gemm(&cfg, M, N, K, &A, &B, NULL, d) == LP_OK);
                for (int m = 0; m < M; m++) {
                    for (int n = 0; n < N; n++) {
                        /* the reference reads B's column with stride N and its scales per row of blocks */
                        uint8_t sbc[KMAX / 32];
                        for (int q = 0; q < K / 32; q++) sbc[q] = sb[q * N + n];
                        uint32_t want = ref_dot(&e.fmt, a + m * K, sa + m * (K / 32), &f.fmt, b + n, N, sbc, K, 32);
                        uint32_t got;
                        memcpy(&got, &d[m * N + n], 4);
                        nans += want == DOT_NAN;
                        infs += (want & 0x7fffffffu) == 0x7f800000u;
                        finite += (want & 0x7fffffffu) < 0x7f800000u;
                        if (want != got)
                            lpt_mismatch(&bad, "%s x %s K=%d (%d,%d): want %08x got %08x", e.name, f.name, K, m, n,
                                         want, got);
                    }
                }
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(nans > 50 && infs > 50 && finite > 1000); /* every kind of result was exercised */
}

/* With float32 internal precision (fp32-seq) the MX dot product is a float32
** fused multiply-add loop over the dequantised values: checked against fmaf
** where every scaled value is a float32. */
static void test_mx_fp32_seq_equals_fmaf_loop(void)
{
    enum { K = 128 };
    uint16_t a[K], b[K];
    uint8_t sa[K / 32], sb[K / 32];
    dot_cfg cfg;
    int bad = 0;
    CU_ASSERT_FATAL(dot_preset("fp32-seq", &cfg, NULL) == LP_OK);
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        mx_elem_get((mx_elem_id)ei, &e);
        for (int t = 0; t < 300; t++) {
            mx_operand(&e, (uint64_t)(ei * 7919 + t), K, a, sa, K / 32, false);
            mx_operand(&e, (uint64_t)(ei * 7919 + t + 3), K, b, sb, K / 32, false);
            float acc = 0;
            for (int k = 0; k < K; k++) {
                float va = ldexpf(e.value[a[k]], sa[k / 32] - 127), vb = ldexpf(e.value[b[k]], sb[k / 32] - 127);
                acc = fmaf(va, vb, acc);
            }
            dot_matrix A = {&e.fmt, a, K, sa, 32, K / 32}, B = {&e.fmt, b, 1, sb, 32, 1};
            float d;
            CU_ASSERT_FATAL(dot_gemm(&cfg, 1, 1, K, &A, &B, NULL, &d) == LP_OK);
            if (memcmp(&d, &acc, 4)) lpt_mismatch(&bad, "%s fp32-seq t=%d: want %a got %a", e.name, t, acc, d);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- model contracts --------------------------------------------------------- */

static void random_codes(const mf_format *f, uint64_t seed, uint16_t *c, int n, bool positive)
{
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)lp_rng_u64(seed, (uint64_t)i) & f->mask;
        if (positive) v &= ~f->sign_bit;
        bool ng;
        uint32_t mm;
        int ee;
        mf_class k = mf_decode_parts(f, v, &ng, &mm, &ee);
        if (k == MF_NAN || k == MF_INF || (f->bits > 8 && ((v >> f->mbits) & 0xff) > 0x8a))
            v &= 0x3f; /* finite, moderate */
        c[i] = (uint16_t)v;
    }
}

/* For a chained preset, accumulating K1 then feeding the result as C to the
** remaining K2 is the same as one accumulation over K1 + K2 (K1 a multiple of
** F, or of F*P where the preset promotes). */
static void test_c_input_continues_the_accumulation(void)
{
    static const char *const presets_[] = {"h100-bf16", "h100-fp8-fastaccum", "h100-fp8", "b200-fp8", "v100-fp16"};
    static const char *const fmts[] = {"bf16", "fp8_e4m3fn", "fp8_e4m3fn", "fp8_e4m3fn", "fp16"};
    enum { M = 3, N = 4, K = 512 };
    static uint16_t a[M * K], b[K * N], b2[K * N];
    int bad = 0;
    for (int p = 0; p < 5; p++) {
        dot_cfg c;
        mf_format f;
        CU_ASSERT_FATAL(dot_preset(presets_[p], &c, NULL) == LP_OK);
        CU_ASSERT_FATAL(mf_parse(fmts[p], &f, NULL) == LP_OK);
        random_codes(&f, (uint64_t)p, a, M * K, false);
        random_codes(&f, (uint64_t)p + 100, b, K * N, false);
        int K1 = c.group * (c.promote ? c.promote : 1) * 2;
        float full[M * N], part[M * N];
        dot_matrix A = {&f, a, K, NULL, 0, 0}, B = {&f, b, N, NULL, 0, 0};
        CU_ASSERT_FATAL(dot_gemm(&c, M, N, K, &A, &B, NULL, full) == LP_OK);
        CU_ASSERT_FATAL(dot_gemm(&c, M, N, K1, &A, &B, NULL, part) == LP_OK);
        memcpy(b2, b + K1 * N, sizeof(uint16_t) * (size_t)(K - K1) * N);
        dot_matrix A2 = {&f, a + K1, K, NULL, 0, 0}, B2 = {&f, b2, N, NULL, 0, 0};
        CU_ASSERT_FATAL(dot_gemm(&c, M, N, K - K1, &A2, &B2, part, part) == LP_OK); /* C aliases D */
        if (memcmp(full, part, sizeof full)) lpt_mismatch(&bad, "%s: K1=%d then C differs from one pass", c.name, K1);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Truncating presets never exceed the exact sum when every product is >= 0,
** and stay within K * 2^-(B-2) of it relatively (each term loses < 1 unit). */
static void test_truncating_presets_stay_below_exact(void)
{
    enum { M = 4, N = 4, K = 256 };
    static uint16_t a[M * K], b[K * N];
    int bad = 0, presets_checked = 0;
    dot_cfg ex;
    CU_ASSERT_FATAL(dot_preset("exact", &ex, NULL) == LP_OK);
    for (int i = 0; i < dot_preset_count(); i++) {
        dot_cfg c;
        dot_preset_get(i, &c);
        if (c.frac_bits == DOT_EXACT || c.sum_round != MF_RTZ) continue;
        for (int fi = 0; fi < 3; fi++) {
            mf_format f;
            CU_ASSERT_FATAL(mf_parse((const char *[]){"bf16", "fp16", "fp8_e4m3fn"}[fi], &f, NULL) == LP_OK);
            random_codes(&f, (uint64_t)(i * 10 + fi), a, M * K, true);
            random_codes(&f, (uint64_t)(i * 10 + fi + 5), b, K * N, true);
            dot_matrix A = {&f, a, K, NULL, 0, 0}, B = {&f, b, N, NULL, 0, 0};
            float d[M * N], e[M * N];
            CU_ASSERT_FATAL(dot_gemm(&c, M, N, K, &A, &B, NULL, d) == LP_OK);
            CU_ASSERT_FATAL(dot_gemm(&ex, M, N, K, &A, &B, NULL, e) == LP_OK);
            for (int o = 0; o < M * N; o++) {
                double tol = (double)K * ldexp(1.0, 2 - c.frac_bits) * e[o] + 1e-37;
                bool promoted_round_up = c.promote > 0 && d[o] <= e[o] * (1 + ldexp(1.0, -23));
                if ((d[o] > e[o] && !promoted_round_up) || e[o] - d[o] > tol)
                    lpt_mismatch(&bad, "%s on %s: %a vs exact %a", c.name, f.name, d[o], e[o]);
            }
        }
        presets_checked++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(presets_checked >= 8);
}

static void test_nan_and_inf_rules(void)
{
    mf_format f;
    dot_cfg c;
    CU_ASSERT_FATAL(mf_parse("bf16", &f, NULL) == LP_OK);
    CU_ASSERT_FATAL(dot_preset("h100-bf16", &c, NULL) == LP_OK);
    /* one row of A against columns of B: 1, inf, -inf, NaN, 0 */
    const uint16_t one = 0x3f80, pinf = 0x7f80, ninf = 0xff80, nan = 0x7fc0, zero = 0;
    struct {
        uint16_t a0, a1, b0, b1;
        float cval;
        uint32_t want;
    } cases[] = {
        {one, one, one, one, 0, 0x40000000u},        /* 1 + 1 */
        {pinf, one, one, one, 0, 0x7f800000u},       /* inf + 1 */
        {pinf, one, ninf, one, 0, 0xff800000u},      /* inf * -inf + 1 */
        {pinf, ninf, one, one, 0, DOT_NAN},          /* inf - inf */
        {pinf, one, zero, one, 0, DOT_NAN},          /* inf * 0 */
        {nan, one, one, one, 0, DOT_NAN},            /* NaN input */
        {one, one, one, one, INFINITY, 0x7f800000u}, /* C = inf */
        {pinf, one, one, one, -INFINITY, DOT_NAN},   /* inf + C = -inf */
        {one, one, one, one, NAN, DOT_NAN},          /* C = NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t a[2] = {cases[i].a0, cases[i].a1}, b[2] = {cases[i].b0, cases[i].b1};
        dot_matrix A = {&f, a, 2, NULL, 0, 0}, B = {&f, b, 1, NULL, 0, 0};
        float d, cv = cases[i].cval;
        uint32_t got;
        CU_ASSERT_FATAL(dot_gemm(&c, 1, 1, 2, &A, &B, &cv, &d) == LP_OK);
        memcpy(&got, &d, 4);
        if (got != cases[i].want) fprintf(stderr, "\n  special case %zu: want %08x got %08x", i, cases[i].want, got);
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
    /* a NaN scale makes its row NaN, the other rows are untouched */
    mx_elem e;
    mx_elem_get(MX_FP8_E4M3, &e);
    uint16_t a[64], b[32];
    uint8_t sa[2] = {127, 0xff}, sb[1] = {127};
    for (int i = 0; i < 64; i++) a[i] = 0x38;
    for (int i = 0; i < 32; i++) b[i] = 0x38;
    dot_matrix A = {&e.fmt, a, 32, sa, 32, 1}, B = {&e.fmt, b, 1, sb, 32, 1};
    float d[2];
    CU_ASSERT_FATAL(dot_gemm(&c, 2, 1, 32, &A, &B, NULL, d) == LP_OK);
    CU_ASSERT_EQUAL(d[0], 32.0f);
    uint32_t g1;
    memcpy(&g1, &d[1], 4);
    CU_ASSERT_EQUAL(g1, DOT_NAN);
}

static void test_bad_configurations_are_refused(void)
{
    dot_cfg c;
    lp_diag err;
    lp_diag_init(&err, NULL);
    CU_ASSERT_EQUAL(dot_preset("h200", &c, &err), LP_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown preset 'h200' (presets: exact, fp32-seq, h100-bf16"));
    CU_ASSERT_FATAL(dot_preset("h100-fp8", &c, NULL) == LP_OK);
    c.frac_bits = 0;
    CU_ASSERT_EQUAL(dot_cfg_check(&c, &err), LP_ERR_ARG);
    c.frac_bits = DOT_EXACT; /* exact with width B */
    CU_ASSERT_EQUAL(dot_cfg_check(&c, &err), LP_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "exact accumulation rounds to float32"));
    CU_ASSERT_FATAL(dot_preset("h100-fp8", &c, NULL) == LP_OK);
    c.sum_round = MF_RHA;
    CU_ASSERT_EQUAL(dot_cfg_check(&c, &err), LP_ERR_ARG);
    mf_format f32;
    mf_parse("fp32", &f32, NULL);
    uint16_t x = 0;
    float d;
    dot_matrix A = {&f32, &x, 1, NULL, 0, 0};
    CU_ASSERT_FATAL(dot_preset("exact", &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(dot_gemm(&c, 1, 1, 1, &A, &A, NULL, &d), LP_ERR_ARG); /* 32-bit inputs */
}

CU_TestInfo lpt_dot_tests[] = {
    {"c/input_continues_the_accumulation", test_c_input_continues_the_accumulation},
    {"presets/truncating_presets_stay_below_exact", test_truncating_presets_stay_below_exact},
    {"special/nan_and_inf_rules", test_nan_and_inf_rules},
    {"config/bad_configurations_are_refused", test_bad_configurations_are_refused},
    {"mx/exact_dot_equals_slow_reference", test_mx_exact_dot_equals_slow_reference},
    {"mx/fp32_seq_equals_fmaf_loop", test_mx_fp32_seq_equals_fmaf_loop},
    {"exact/equals_fsum_rounded_to_float32", test_exact_equals_fsum_rounded_to_float32},
    {"h100/fp8_equals_cublas_scaled_mm", test_h100_fp8_equals_cublas_scaled_mm},
    {"h100/fp8_fastaccum_equals_cublas", test_h100_fp8_fastaccum_equals_cublas},
    {"h100/bf16_equals_cublas_and_wmma", test_h100_bf16_equals_cublas_and_wmma},
    {"h100/bf16_with_bf16_output", test_h100_bf16_with_bf16_output},
    CU_TEST_INFO_NULL,
};
