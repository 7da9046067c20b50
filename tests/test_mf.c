/*
** test_mf.c — element formats (models/mf.c).
**
** Against ml_dtypes: every row of ../shared/data/formats (decode of every code,
** encode of every sampled input). Against a dumb reference: a sorted table of
** every value of the format, searched for the two neighbours of the input, for
** every rounding mode on random inputs, midpoints and their float32
** neighbours. Plus exhaustive round trips, stochastic-rounding statistics,
** name parsing and the overflow options.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_rng.h"
#include "lp_test.h"
#include "mf.h"

/* The formats with reference files (ml_dtypes names, as the files are named). */
static const char *const data_formats[] = {
    "float8_e4m3fn",  "float8_e5m2",        "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e4m3",
    "float8_e3m4",    "float8_e4m3b11fnuz", "float6_e2m3fn",   "float6_e3m2fn",   "float4_e2m1fn",
    "float8_e8m0fnu", "bfloat16",           "float16",
};
#define NDATA (int)(sizeof data_formats / sizeof data_formats[0])

static mf_format get(const char *name)
{
    mf_format f;
    lp_diag err;
    lp_diag_init(&err, NULL);
    lp_status st = mf_parse(name, &f, &err);
    if (st != LP_OK) fprintf(stderr, "\nmf_parse(%s): %s\n", name, err.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    return f;
}

static double f32d(uint32_t b)
{
    float v;
    memcpy(&v, &b, sizeof v);
    return (double)v;
}

static uint32_t f32b(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* ---- against ml_dtypes --------------------------------------------------- */

static void test_decode_every_code_matches_ml_dtypes(void)
{
    for (int i = 0; i < NDATA; i++) {
        char rel[128];
        lpt_csv c;
        int bad = 0, rows = 0;
        mf_format f = get(data_formats[i]);
        snprintf(rel, sizeof rel, "formats/conv_%s_decode.csv", data_formats[i]);
        if (!lpt_csv_open(&c, rel)) continue;
        int cb = lpt_csv_col(&c, "bits_hex"), cv = lpt_csv_col(&c, "f32_hex_mldtypes");
        if (cb < 0 || cv < 0) continue;
        while (lpt_csv_next(&c)) {
            uint32_t code = lpt_hex(c.f[cb]), want = lpt_hex(c.f[cv]), got = mf_decode_f32(&f, code);
            rows++;
            if (got != want) lpt_mismatch(&bad, "%s decode %s: want %08x got %08x", f.name, c.f[cb], want, got);
        }
        lpt_csv_close(&c);
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(rows, 1 << f.bits); /* every code is in the file */
    }
}

static void test_encode_rows_match_ml_dtypes(void)
{
    for (int i = 0; i < NDATA; i++) {
        char rel[128];
        lpt_csv c;
        int bad = 0, rows = 0;
        mf_format f = get(data_formats[i]);
        snprintf(rel, sizeof rel, "formats/conv_%s_encode.csv", data_formats[i]);
        if (!lpt_csv_open(&c, rel)) continue;
        int ci = lpt_csv_col(&c, "in_f32_hex"), co = lpt_csv_col(&c, "out_mldtypes_hex"),
            cc = lpt_csv_col(&c, "category");
        if (ci < 0 || co < 0 || cc < 0) continue;
        while (lpt_csv_next(&c)) {
            uint32_t x = lpt_hex(c.f[ci]), want = lpt_hex(c.f[co]), got = mf_encode_f32(&f, x, NULL, 0);
            bool nan_in = (x & 0x7fffffffu) > 0x7f800000u;
            rows++;
            /* a NaN input may become any NaN of the format (the rule);
            ** where ml_dtypes gives a number (fp6/fp4), the number must match */
            if (nan_in && mf_is_nan(&f, want) ? !mf_is_nan(&f, got) : got != want)
                lpt_mismatch(&bad, "%s encode %08x (%s): want %s got %0*x", f.name, x, c.f[cc], c.f[co], f.hex_digits,
                             got);
        }
        lpt_csv_close(&c);
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT(rows > 1000);
    }
}

/* NaN inputs: lpsim reproduces even ml_dtypes' choice of NaN code. */
static void test_encode_nan_bits_match_ml_dtypes(void)
{
    for (int i = 0; i < NDATA; i++) {
        char rel[128];
        lpt_csv c;
        int bad = 0;
        mf_format f = get(data_formats[i]);
        snprintf(rel, sizeof rel, "formats/conv_%s_encode.csv", data_formats[i]);
        if (!lpt_csv_open(&c, rel)) continue;
        int ci = lpt_csv_col(&c, "in_f32_hex"), co = lpt_csv_col(&c, "out_mldtypes_hex");
        while (lpt_csv_next(&c)) {
            uint32_t x = lpt_hex(c.f[ci]), want = lpt_hex(c.f[co]);
            if ((x & 0x7fffffffu) > 0x7f800000u && mf_encode_f32(&f, x, NULL, 0) != want)
                lpt_mismatch(&bad, "%s NaN %08x: want %s", f.name, x, c.f[co]);
        }
        lpt_csv_close(&c);
        CU_ASSERT_EQUAL(bad, 0);
    }
}

/* ---- exhaustive round trips ------------------------------------------------ */

static const char *const extra_formats[] = {
    "fp32",         "mxint8",       "int1",       "int2",      "int4",          "int8",
    "e3m2_b5_ieee", "e5m3_fn",      "e2m0",       "ue4m3",     "e4m3_b11_fnuz", "e6m4_ieee_sat",
    "e1m2",         "e8m2_b130_fn", "ue5m2_ieee", "e4m0_fnuz", "e7m10",         "e8m0_b127_fn",
};
#define NEXTRA (int)(sizeof extra_formats / sizeof extra_formats[0])

static void roundtrip(const mf_format *f, int *bad)
{
    for (uint32_t c = 0; c <= f->mask; c++) {
        uint32_t v = mf_decode_f32(f, c), back = mf_encode_f32(f, v, NULL, 0);
        uint32_t mag = c & ~f->sign_bit;
        if (mf_is_nan(f, c)) {
            if (!mf_is_nan(f, back)) lpt_mismatch(bad, "%s NaN code %x came back as %x", f->name, c, back);
        } else if ((f->flags & MF_F_SAT) && mag == f->inf_mag) {
            /* a saturating format clamps inf to its largest finite value (CUDA's SATFINITE) */
            if (back != ((c & f->sign_bit) | f->max_mag)) lpt_mismatch(bad, "%s inf code %x gave %x", f->name, c, back);
        } else if (back != c) {
            lpt_mismatch(bad, "%s code %x -> %08x -> %x", f->name, c, v, back);
        }
    }
}

static void test_every_code_round_trips(void)
{
    int bad = 0, formats = 0;
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format f;
        mf_get((mf_id)i, &f);
        if (f.bits > 16) continue;
        roundtrip(&f, &bad);
        formats++;
    }
    for (int i = 0; i < NEXTRA; i++) {
        mf_format f = get(extra_formats[i]);
        if (f.bits > 16) continue;
        roundtrip(&f, &bad);
        formats++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(formats >= 25);
}

/* float32 to itself: identity on 2^22 random patterns and the specials. */
static void test_fp32_is_identity(void)
{
    mf_format f = get("fp32");
    int bad = 0;
    for (uint64_t i = 0; i < (1u << 22); i++) {
        uint32_t x = (uint32_t)lp_rng_u64(3, i);
        if (i < 4) x = (uint32_t[]){0, 0x80000000u, 0x7f800000u, 0x00000001u}[i];
        if (mf_encode_f32(&f, x, NULL, 0) != x || mf_decode_f32(&f, x) != x) lpt_mismatch(&bad, "fp32 %08x", x);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- against a dumb reference ------------------------------------------------ */

/* Every non-negative finite magnitude of f in increasing order, with its code;
** one more slot holds the value the next code would have (for overflow). */
typedef struct ref_table {
    int n;
    double *v;
    uint32_t *code;
} ref_table;

static ref_table ref_build(const mf_format *f, bool neg_int)
{
    ref_table t;
    size_t cap = (size_t)f->mask + 3;
    t.v = malloc(cap * sizeof *t.v);
    t.code = malloc(cap * sizeof *t.code);
    t.n = 0;
    if (f->kind == MF_KIND_INT) {
        uint32_t top = f->max_mag + (neg_int ? 1 : 0);
        for (uint32_t m = 0; m <= top; m++) t.v[t.n] = m, t.code[t.n++] = m;
        t.v[t.n] = top + 1.0;
        t.code[t.n] = MF_NO_CODE;
        return t;
    }
    for (uint32_t c = 0; c <= f->max_mag; c++) {
        bool neg;
        uint32_t m;
        int e;
        mf_class k = mf_decode_parts(f, c, &neg, &m, &e);
        if (k == MF_NAN || k == MF_INF) continue;
        t.v[t.n] = ldexp((double)m, e);
        t.code[t.n++] = c;
    }
    /* the next value after the largest: one quantum of the top binade more */
    int step_e = (f->max_mag >> f->mbits) == 0 && !(f->flags & MF_F_NOSUB) ? f->emin - f->mbits : f->emax - f->mbits;
    t.v[t.n] = t.v[t.n - 1] + ldexp(1.0, step_e);
    t.code[t.n] = MF_NO_CODE;
    return t;
}

static void ref_free(ref_table *t)
{
    free(t->v);
    free(t->code);
}

/* Index of the table entry |x| rounds to (t->n: past the largest value;
** -1: below the smallest value of a format without zero). For stochastic
** rounding *alt receives the other candidate, else -2. */
static int ref_pick(const mf_format *f, const ref_table *t, double a, mf_round r, int *alt)
{
    int lo = -1;
    *alt = -2;
    for (int b = 0, e = t->n + 1; b < e;) { /* largest index with v <= a */
        int m = (b + e) / 2;
        if (t->v[m] <= a)
            lo = m, b = m + 1;
        else
            e = m;
    }
    if (lo < 0 || lo == t->n || t->v[lo] == a) return lo;
    double dl = a - t->v[lo], dh = t->v[lo + 1] - a;
    switch (r) {
    case MF_RTZ: return lo;
    case MF_RHA: return dl >= dh ? lo + 1 : lo;
    case MF_RNE:
        if (dl != dh) return dl < dh ? lo : lo + 1;
        /* a tie goes to the even significand: zero is even; with no stored
        ** fraction bit the upper power of two is (significand 2 against 1);
        ** otherwise the code's last bit is the significand's */
        if (t->v[lo] == 0) return lo;
        if (f->kind == MF_KIND_FLOAT && f->mbits == 0) return lo + 1;
        return (t->code[lo] & 1) ? lo + 1 : lo;
    default: *alt = lo + 1; return lo;
    }
}

/* The code the reference expects for x rounded to table entry i. */
static uint32_t ref_code(const mf_format *f, const ref_table *t, bool neg, int i, mf_round r, bool sat)
{
    uint32_t s = neg ? f->sign_bit : 0;
    if (f->kind == MF_KIND_INT) {
        uint32_t m = i >= t->n ? t->code[t->n - 1] : t->code[i]; /* integers saturate */
        return (neg ? 0u - m : m) & f->mask;
    }
    if (i < 0) return t->code[0];
    if (i >= t->n) { /* overflow */
        if (sat || f->policy == MF_POLICY_FINITE || (f->flags & MF_F_SAT) || r == MF_RTZ) return s | f->max_mag;
        if (f->policy == MF_POLICY_IEEE) return s | f->inf_mag;
        return f->policy == MF_POLICY_FNUZ ? f->nan_code : s | f->nan_code;
    }
    if (t->code[i] == 0 && f->policy == MF_POLICY_FNUZ) return 0;
    return s | t->code[i];
}

/* Inputs: random magnitudes across the format's range, every midpoint between
** neighbours, and the float32 values just around each midpoint. */
static int ref_inputs(const mf_format *f, const ref_table *t, uint64_t seed, uint32_t *xs, int max)
{
    int n = 0;
    for (int i = 0; i + 1 <= t->n && n + 3 < max / 2; i++) {
        float mid = (float)((t->v[i] + t->v[i + 1]) / 2);
        uint32_t b = f32b(mid);
        xs[n++] = b;
        xs[n++] = b + 1;
        if (b & 0x7fffffffu) xs[n++] = b - 1;
    }
    int lo_e = f->emin - f->mbits - 3, hi_e = f->emax + 2;
    if (f->kind == MF_KIND_INT) lo_e = -4, hi_e = f->bits;
    if (lo_e < -149) lo_e = -149;
    if (hi_e > 127) hi_e = 127;
    for (uint64_t k = 0; n < max; k++) {
        uint64_t r = lp_rng_u64(seed, k);
        int e = lo_e + (int)((r >> 40) % (uint64_t)(hi_e - lo_e + 1));
        float v = ldexpf(1.0f + (float)(r & 0x7fffff) / 8388608.0f, e);
        xs[n++] = f32b(v);
    }
    for (int i = 0; i < n; i++)
        if (lp_rng_u64(seed + 1, (uint64_t)i) & 1) xs[i] ^= 0x80000000u;
    return n;
}

static void check_against_reference(const mf_format *f, int *bad)
{
    enum { NX = 60000 };
    uint32_t *xs = malloc(NX * sizeof *xs);
    ref_table tp = ref_build(f, false), tn = ref_build(f, true);
    int n = ref_inputs(f, &tp, 11, xs, NX);
    for (int r = 0; r < MF_ROUND_COUNT; r++) {
        for (int sat = 0; sat < 2; sat++) {
            mf_opts o = {(mf_round)r, sat, 99};
            for (int i = 0; i < n; i++) {
                uint32_t x = xs[i];
                bool neg = x >> 31;
                double xv = f32d(x);
                if ((f->flags & MF_F_UNSIGNED) && neg) continue;                 /* covered by the data tests */
                if ((f->flags & MF_F_E8M0Q) && (x & 0x7f800000u) == 0) continue; /* likewise */
                const ref_table *t = (f->kind == MF_KIND_INT && neg) ? &tn : &tp;
                int alt, k = ref_pick(f, t, fabs(xv), (mf_round)r, &alt);
                uint32_t want = ref_code(f, t, neg, k, (mf_round)r, sat);
                uint32_t got = mf_encode_f32(f, x, &o, (uint64_t)i);
                bool ok = got == want || (alt != -2 && got == ref_code(f, t, neg, alt, (mf_round)r, sat));
                if (!ok)
                    lpt_mismatch(bad, "%s %s%s x=%08x (%.9g): want %x got %x", f->name, mf_round_name((mf_round)r),
                                 sat ? " sat" : "", x, xv, want, got);
            }
        }
    }
    ref_free(&tp);
    ref_free(&tn);
    free(xs);
}

static void test_rounding_modes_match_reference(void)
{
    int bad = 0, formats = 0;
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format f;
        mf_get((mf_id)i, &f);
        if (f.bits > 16) continue;
        check_against_reference(&f, &bad);
        formats++;
    }
    for (int i = 0; i < NEXTRA; i++) {
        mf_format f = get(extra_formats[i]);
        if (f.bits > 16) continue;
        check_against_reference(&f, &bad);
        formats++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(formats >= 25);
}

/* ---- stochastic rounding ------------------------------------------------------ */

static void test_stochastic_same_seed_same_bits(void)
{
    mf_format f = get("fp8_e4m3fn");
    mf_opts a = {MF_RSR, false, 1234}, b = {MF_RSR, false, 1234}, c = {MF_RSR, false, 1235};
    int differ_seed = 0;
    for (uint64_t i = 0; i < 4096; i++) {
        uint32_t x = f32b(0.3f + (float)(i % 97) * 0.01f);
        uint32_t ca = mf_encode_f32(&f, x, &a, i);
        CU_ASSERT_EQUAL(ca, mf_encode_f32(&f, x, &b, i));
        differ_seed += ca != mf_encode_f32(&f, x, &c, i);
    }
    /* another seed is another stream: many results change */
    CU_ASSERT(differ_seed > 500);
}

/* Over 10^6 samples of one value the mean error is below 1e-3 of the step
** and the upper neighbour occurs with probability (x - lo) / step. */
static void check_unbiased(const char *fmt, float xv, uint64_t seed)
{
    mf_format f = get(fmt);
    const int n = 1000000;
    uint32_t x = f32b(xv);
    mf_opts lo_o = {MF_RTZ, false, 0}, sr = {MF_RSR, false, seed};
    double lo = f32d(mf_decode_f32(&f, mf_encode_f32(&f, x, &lo_o, 0)));
    uint32_t up_code = mf_encode_f32(&f, x, &(mf_opts){MF_RTZ, false, 0}, 0) + 1;
    double hi = f32d(mf_decode_f32(&f, up_code));
    double step = hi - lo, p = ((double)xv - lo) / step, sum = 0;
    long ups = 0, other = 0;
    for (int i = 0; i < n; i++) {
        double v = f32d(mf_decode_f32(&f, mf_encode_f32(&f, x, &sr, (uint64_t)i)));
        sum += v;
        ups += v == hi;
        other += v != hi && v != lo;
    }
    double mean_err = fabs(sum / n - (double)xv) / step, freq = (double)ups / n;
    double sigma = sqrt(p * (1 - p) / n);
    if (!(mean_err < 1e-3) || fabs(freq - p) > 5 * sigma || other)
        fprintf(stderr, "\n  %s x=%.9g: p=%.6f freq=%.6f mean err=%.2e step, %ld outside", fmt, (double)xv, p, freq,
                mean_err, other);
    CU_ASSERT(p > 0.05 && p < 0.95);
    CU_ASSERT(mean_err < 1e-3);
    CU_ASSERT(fabs(freq - p) <= 5 * sigma);
    CU_ASSERT_EQUAL(other, 0);
}

static void test_stochastic_unbiased_over_1e6_samples(void)
{
    check_unbiased("fp8_e4m3fn", 0.1f, 1); /* p = 0.6 */
    check_unbiased("fp4_e2m1fn", 2.7f, 2); /* p = 0.7 */
    check_unbiased("bf16", 1.00048828125f + 0.0001f, 3);
    check_unbiased("fp8_e5m2", -3.3e-5f, 4); /* subnormal range */
    check_unbiased("int4", 2.25f, 5);        /* p = 0.25 */
}

/* Few discarded bits: exact values never move, a one-bit remainder splits
** evenly. (A comparison off by one, u <= rem, biases by 2^-s: invisible in
** the 10^6-sample statistics above at s = 20, obvious here at s = 1.) */
static void test_stochastic_exact_values_stay_and_halves_split(void)
{
    mf_format i4 = get("int4"), e2 = get("fp4_e2m1fn");
    mf_opts sr = {MF_RSR, false, 77};
    int ups = 0, moved = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        moved += mf_encode_parts(&i4, false, 6, -1, &sr, (uint64_t)i) != 3;   /* 3.0 with one zero bit dropped */
        moved += mf_encode_parts(&e2, true, 12, -2, &sr, (uint64_t)i) != 0xd; /* -3.0, two zero bits dropped */
        ups += mf_encode_parts(&i4, false, 5, -1, &sr, (uint64_t)i) == 3;     /* 2.5 -> 2 or 3 */
    }
    CU_ASSERT_EQUAL(moved, 0);
    CU_ASSERT(fabs((double)ups / n - 0.5) < 5 * sqrt(0.25 / n));
}

/* ---- names ---------------------------------------------------------------- */

static void test_names_and_aliases_parse(void)
{
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format a, b, c;
        mf_get((mf_id)i, &a);
        CU_ASSERT_EQUAL(mf_parse(mf_id_name((mf_id)i), &b, NULL), LP_OK);
        CU_ASSERT_EQUAL(mf_parse(mf_id_alias((mf_id)i), &c, NULL), LP_OK);
        CU_ASSERT_STRING_EQUAL(b.name, a.name);
        CU_ASSERT_STRING_EQUAL(c.name, a.name);
    }
}

/* A parametric spelling of a named format behaves identically on every code
** and on 2^18 random inputs (NaN payload handling aside). */
static void same_format(const char *named, const char *param, bool compare_nan_bits)
{
    mf_format a = get(named), b = get(param);
    int bad = 0;
    CU_ASSERT_EQUAL(a.bits, b.bits);
    for (uint32_t c = 0; c <= a.mask; c++) {
        uint32_t da = mf_decode_f32(&a, c), db = mf_decode_f32(&b, c);
        if (da != db && (compare_nan_bits || !mf_is_nan(&a, c))) lpt_mismatch(&bad, "%s/%s decode %x", named, param, c);
    }
    for (uint64_t i = 0; i < (1u << 18); i++) {
        uint32_t x = (uint32_t)lp_rng_u64(21, i);
        if (!compare_nan_bits && (x & 0x7fffffffu) > 0x7f800000u) continue;
        if (mf_encode_f32(&a, x, NULL, 0) != mf_encode_f32(&b, x, NULL, 0))
            lpt_mismatch(&bad, "%s/%s encode %08x", named, param, x);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_parametric_spellings_equal_named(void)
{
    same_format("fp8_e4m3fn", "e4m3_fn", true);
    same_format("fp8_e5m2", "e5m2_ieee", true);
    same_format("fp8_e4m3fnuz", "e4m3_b8_fnuz", true);
    same_format("fp8_e5m2fnuz", "e5m2_b16_fnuz", true);
    same_format("fp8_e4m3b11fnuz", "e4m3_b11_fnuz", true);
    same_format("fp8_e3m4", "e3m4_ieee", true);
    same_format("fp4_e2m1fn", "e2m1", true);
    same_format("fp6_e3m2fn", "e3m2_finite", true);
    same_format("bf16", "e8m7_ieee", false);
    same_format("fp16", "e5m10_ieee", false);
}

static void expect_parse_error(const char *name, const char *fragment)
{
    mf_format f;
    lp_diag err;
    lp_diag_init(&err, NULL);
    CU_ASSERT_EQUAL(mf_parse(name, &f, &err), LP_ERR_FORMAT);
    if (!strstr(err.msg, fragment)) fprintf(stderr, "\n  mf_parse(%s): '%s' lacks '%s'", name, err.msg, fragment);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, fragment));
}

static void test_bad_names_are_explained(void)
{
    expect_parse_error("fp8_e4m3f", "did you mean 'fp8_e4m3fn'?");
    expect_parse_error("bfloat61", "did you mean 'bfloat16'?");
    expect_parse_error("BFLOAT16", "did you mean 'bfloat16'?"); /* names are exact; suggestions ignore case */
    expect_parse_error("zzz", "unknown format 'zzz'");
    expect_parse_error("e9m2", "1 <= X <= 8");
    expect_parse_error("e4m11", "0 <= Y <= 10");
    expect_parse_error("e8m3", "exceeds float32's range");
    expect_parse_error("e8m10_b2", "exceeds float32's range");
    expect_parse_error("e8m10_b250", "below float32's range");
    /* at the edge: e8m7_b143's smallest step 2^(1 - 143 - 7) is float32's 2^-149 */
    CU_ASSERT_EQUAL(get("e8m7_b143").bits, 16);
    expect_parse_error("e8m7_b144", "below float32's range");
    expect_parse_error("e1m0_ieee", "ieee policy");
    expect_parse_error("ue4m3_fnuz", "sign bit");
    expect_parse_error("int9", "int1 to int8");
    expect_parse_error("int0", "int1 to int8");
    expect_parse_error("e4m3_xyz", "unknown format");
    expect_parse_error("", "empty");
    /* bytes no name has are shown escaped, never raw (a terminal would run \x1b[...) */
    expect_parse_error("fp8_\xff", "unknown format 'fp8_\\xff' (format names are printable ASCII, no blanks)");
    expect_parse_error("\x1b[2J\\", "unknown format '\\x1b[2J\\\\'");
    expect_parse_error("e9m2_\xc3\xa9", "unknown format 'e9m2_\\xc3\\xa9'");
    expect_parse_error("int9 ", "unknown format 'int9 '");
    /* numbers in a name have no leading 0: not a second spelling of e4m3, int8 or bias 7 */
    expect_parse_error("e04m3", "'e04m3': '04' has a leading 0 (write 4)");
    expect_parse_error("ue4m03", "'ue4m03': '03' has a leading 0 (write 3)");
    expect_parse_error("e4m3_b07", "'e4m3_b07': '07' has a leading 0 (write 7)");
    expect_parse_error("e4m3_b00", "'e4m3_b00': '00' has a leading 0 (write 0)");
    expect_parse_error("int08", "'int08': '08' has a leading 0 (write 8)");
    CU_ASSERT_EQUAL(get("e4m3_b0").bias, 0); /* a lone 0 is a number */
    CU_ASSERT_EQUAL(get("e4m0").mbits, 0);
}

/* Each kind of suffix (bias, policy, _sat) comes at most once, in any order:
** a second would silently replace the first. The message names both. */
static void test_conflicting_suffixes_are_refused(void)
{
    static const struct {
        const char *name, *msg;
    } bad[] = {
        {"e4m3_fn_fnuz", "'e4m3_fn_fnuz': '_fnuz' conflicts with '_fn': a format has one overflow policy (_ieee, _fn, "
                         "_fnuz or _finite)"},
        {"e4m3_b7_b8", "'e4m3_b7_b8': '_b8' conflicts with '_b7': a format has one bias"},
        {"e4m3_b8_sat_b8", "'e4m3_b8_sat_b8': '_b8' is given twice"},
        {"e4m3_b7_b07", "'e4m3_b7_b07': '07' has a leading 0 (write 7)"},
        {"e4m3_sat_sat", "'e4m3_sat_sat': '_sat' is given twice"},
        {"e4m3_fn_fn", "'e4m3_fn_fn': '_fn' is given twice"},
        {"ue5m2_finite_sat_ieee",
         "'ue5m2_finite_sat_ieee': '_ieee' conflicts with '_finite': a format has one overflow "
         "policy (_ieee, _fn, _fnuz or _finite)"},
        {"e5m2_ieee_b15_fnuz_sat",
         "'e5m2_ieee_b15_fnuz_sat': '_fnuz' conflicts with '_ieee': a format has one overflow "
         "policy (_ieee, _fn, _fnuz or _finite)"},
    };
    int mismatches = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mf_format f;
        lp_diag err;
        lp_diag_init(&err, NULL);
        lp_status st = mf_parse(bad[i].name, &f, &err);
        if (st != LP_ERR_FORMAT || strcmp(err.msg, bad[i].msg))
            lpt_mismatch(&mismatches, "%s: status %d, '%s'", bad[i].name, (int)st, err.msg);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    /* one of each, in any order, names the same format as the canonical order */
    static const char *const same[][2] = {
        {"e4m3_sat_fn_b8", "e4m3_b8_fn_sat"},
        {"e4m3_fnuz_b8", "e4m3_b8_fnuz"},
        {"ue4m3_sat_b6", "ue4m3_b6_finite_sat"},
        {"e5m2_ieee_sat", "e5m2_b15_ieee_sat"},
        {"e3m2_fn", "e3m2_b3_fn"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        mf_format a = get(same[i][0]), b = get(same[i][1]);
        CU_ASSERT_STRING_EQUAL(a.name, b.name);
        CU_ASSERT(a.policy == b.policy && a.flags == b.flags && a.bias == b.bias && a.bits == b.bits);
    }
}

/* e8m0fnu has no zero and no sign: zeros and negative values, negative
** float32 subnormals included, give its NaN 0xff; a positive subnormal goes by
** the quirk in mf.c's header (1.25 * 2^-127 gives code 1, 2^-126). */
static void test_e8m0_zeros_and_negatives_are_nan(void)
{
    mf_format e = get("e8m0fnu");
    static const uint32_t nan_in[] = {0x00000000u, 0x80000000u, 0x80000001u, 0x80500000u, 0xbf800000u};
    for (size_t i = 0; i < sizeof nan_in / sizeof nan_in[0]; i++)
        CU_ASSERT_EQUAL(mf_encode_f32(&e, nan_in[i], NULL, 0), 0xff);
    CU_ASSERT_EQUAL(mf_encode_f32(&e, 0x00500000u, NULL, 0), 1);
}

/* ---- overflow options ----------------------------------------------------------- */

static void test_saturate_clamps_overflow_and_inf(void)
{
    int bad = 0;
    const uint32_t inputs[] = {0x7f800000u, 0xff800000u, 0x7f7fffffu, 0xff7fffffu, 0x4f000000u, 0xcf000000u};
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format f;
        mf_get((mf_id)i, &f);
        if (i == MF_FP32) continue; /* nothing overflows float32 except inf, which it has */
        mf_opts o = {MF_RNE, true, 0};
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
            uint32_t x = inputs[k], got = mf_encode_f32(&f, x, &o, 0);
            bool neg = x >> 31;
            if (neg && (f.flags & MF_F_UNSIGNED)) continue;
            bool too_big = f32d(x) > 1e30 || f32d(x) < -1e30 || f.emax < 31;
            if (!too_big) continue;
            uint32_t want = (neg ? f.sign_bit : 0) | f.max_mag;
            if (got != want) lpt_mismatch(&bad, "%s saturate %08x: want %x got %x", f.name, x, want, got);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_toward_zero_never_overflows_finite(void)
{
    mf_opts rz = {MF_RTZ, false, 0};
    mf_format e5 = get("fp8_e5m2"), h = get("fp16"), e4 = get("fp8_e4m3fn");
    CU_ASSERT_EQUAL(mf_encode_f32(&e5, f32b(70000.0f), &rz, 0), 0x7b);
    CU_ASSERT_EQUAL(mf_encode_f32(&e5, f32b(-1e30f), &rz, 0), 0xfb);
    CU_ASSERT_EQUAL(mf_encode_f32(&h, f32b(1e6f), &rz, 0), 0x7bff);
    CU_ASSERT_EQUAL(mf_encode_f32(&e4, f32b(479.0f), &rz, 0), 0x7e);
    /* inf stays inf where the format has it, and is NaN where it has not */
    CU_ASSERT_EQUAL(mf_encode_f32(&e5, 0x7f800000u, &rz, 0), 0x7c);
    CU_ASSERT_EQUAL(mf_encode_f32(&e4, 0x7f800000u, &rz, 0), 0x7f);
}

static void test_integers(void)
{
    mf_format i4 = get("int4"), i8 = get("int8");
    mf_opts ha = {MF_RHA, false, 0};
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(7.6f), NULL, 0), 0x7);  /* saturates */
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(-8.5f), NULL, 0), 0x8); /* tie to even: -8 */
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(-100.0f), NULL, 0), 0x8);
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(2.5f), NULL, 0), 0x2);
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(2.5f), &ha, 0), 0x3);
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, f32b(-2.5f), &ha, 0), 0xd);
    CU_ASSERT_EQUAL(mf_encode_f32(&i4, 0x7fc00000u, NULL, 0), 0x0);  /* NaN -> 0 */
    CU_ASSERT_EQUAL(mf_encode_f32(&i8, 0xff800000u, NULL, 0), 0x80); /* -inf -> -128 */
    for (uint32_t c = 0; c < 16; c++) {
        int v = c < 8 ? (int)c : (int)c - 16;
        CU_ASSERT_EQUAL(mf_decode_f32(&i4, c), f32b((float)v));
    }
    /* int1: two's complement of one bit, {-1, 0} (the sign plane alone; 1-bit weights in PIM arrays) */
    mf_format i1 = get("int1");
    CU_ASSERT_EQUAL(i1.bits, 1);
    CU_ASSERT_EQUAL(mf_decode_f32(&i1, 0), f32b(0.0f));
    CU_ASSERT_EQUAL(mf_decode_f32(&i1, 1), f32b(-1.0f));
    CU_ASSERT_EQUAL(mf_encode_f32(&i1, f32b(1.0f), NULL, 0), 0x0);   /* saturates at 0 */
    CU_ASSERT_EQUAL(mf_encode_f32(&i1, f32b(-0.75f), NULL, 0), 0x1); /* -1 */
    CU_ASSERT_EQUAL(mf_encode_f32(&i1, f32b(-0.5f), NULL, 0), 0x0);  /* tie to even: 0 */
    CU_ASSERT_EQUAL(mf_encode_f32(&i1, f32b(-7.0f), NULL, 0), 0x1);
}

CU_TestInfo lpt_formats_tests[] = {
    {"decode/every_code_matches_ml_dtypes", test_decode_every_code_matches_ml_dtypes},
    {"encode/rows_match_ml_dtypes", test_encode_rows_match_ml_dtypes},
    {"encode/nan_bits_match_ml_dtypes", test_encode_nan_bits_match_ml_dtypes},
    {"roundtrip/every_code_of_16_bits_or_fewer", test_every_code_round_trips},
    {"roundtrip/fp32_is_identity", test_fp32_is_identity},
    {"rounding/all_modes_match_sorted_table_reference", test_rounding_modes_match_reference},
    {"stochastic/same_seed_same_bits", test_stochastic_same_seed_same_bits},
    {"stochastic/unbiased_over_1e6_samples", test_stochastic_unbiased_over_1e6_samples},
    {"stochastic/exact_values_stay_and_halves_split", test_stochastic_exact_values_stay_and_halves_split},
    {"names/table_names_and_aliases_parse", test_names_and_aliases_parse},
    {"names/parametric_spellings_equal_named", test_parametric_spellings_equal_named},
    {"e8m0/zeros_and_negatives_are_nan", test_e8m0_zeros_and_negatives_are_nan},
    {"names/bad_names_are_explained", test_bad_names_are_explained},
    {"names/conflicting_suffixes_are_refused", test_conflicting_suffixes_are_refused},
    {"overflow/saturate_clamps_overflow_and_inf", test_saturate_clamps_overflow_and_inf},
    {"overflow/toward_zero_never_overflows_finite", test_toward_zero_never_overflows_finite},
    {"int/encode_decode", test_integers},
    CU_TEST_INFO_NULL,
};
