/*
** dot.c — the dot-product / accumulator model (see dot.h).
**
** Operands are decoded once per GEMM into terms: a signed integer significand
** and the exponent e(a) the hardware compares (MX scale exponents already
** added), B transposed so that both walk K contiguously. A product is then
** sa*sb at exponent ea+eb, exact.
**
** Finite B (every measured preset) runs in 64-bit integers: aligned terms are
** below 2^(B+3) and a group has at most a few thousand of them, so the sum
** never overflows for B <= DOT_MAX_FRAC. No frexp/ldexp, no floating point
** inside a group: shifts and adds only. B = DOT_EXACT uses a two's-complement
** fixed-point accumulator of 1280 bits (a Kulisch accumulator) covering every
** product of two 16-bit-format values with MX scales, plus float32 C.
**
** Promotion and split-K adds are float32 additions, which C performs with
** round-to-nearest-even exactly as the hardware does (FLT_EVAL_METHOD 0).
*/
#include "dot.h"
#include "lp_bits.h"

#include <assert.h>
#include <threads.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FLT_EVAL_METHOD != 0
#error "dot.c relies on float arithmetic being evaluated in float (x86-64 SSE, AArch64)"
#endif

#define XZERO (-(1 << 24)) /* exponent given to zero terms: below everything */

static const struct preset_row {
    const char *name;
    int code;
    int group, frac;
    mf_round round;
    dot_width width;
    int promote;
    dot_tested tested;
    const char *source;
} presets[] = {
#define EXACT DOT_EXACT
#define RTZ MF_RTZ
#define RNE MF_RNE
#define F32 DOT_W_F32
#define B DOT_W_B
#define MEASURED DOT_MEASURED
#define LITERATURE DOT_LITERATURE
#define MATH DOT_MATH
#define DOT_PRESET(name, code, f, b, round, width, p, tested, source)                                                  \
    {name, code, f, b, round, width, p, tested, source},
#include "dot.def"
#undef DOT_PRESET
#undef EXACT
#undef RTZ
#undef RNE
#undef F32
#undef B
#undef MEASURED
#undef LITERATURE
#undef MATH
};
#define NPRESETS (int)(sizeof presets / sizeof presets[0])

int dot_preset_count(void) { return NPRESETS; }
int dot_preset_code(int i) { return i >= 0 && i < NPRESETS ? presets[i].code : -1; }

int dot_preset_by_code(int code)
{
    for (int i = 0; i < NPRESETS; i++)
        if (presets[i].code == code) return i;
    return -1;
}

static dot_cfg preset_table[NPRESETS];
static once_flag preset_once = ONCE_FLAG_INIT;

static void preset_table_init(void)
{
    for (int i = 0; i < NPRESETS; i++) dot_preset_get(i, &preset_table[i]);
}

const dot_cfg *dot_preset_at(int i)
{
    assert(i >= 0 && i < NPRESETS);
    call_once(&preset_once, preset_table_init);
    return &preset_table[i];
}

void dot_preset_get(int i, dot_cfg *out)
{
    assert(i >= 0 && i < NPRESETS);
    const struct preset_row *r = &presets[i];
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", r->name);
    out->group = r->group;
    out->frac_bits = r->frac;
    out->sum_round = r->round;
    out->width = r->width;
    out->promote = r->promote;
    out->split = 1;
    out->split_tile = 1;
    out->tested = r->tested;
    out->source = r->source;
    mf_get(MF_FP32, &out->out);
}

lp_status dot_preset(const char *name, dot_cfg *out, lp_diag *d)
{
    int i = dot_preset_find(name, d);
    if (i < 0) return LP_ERR_ARG;
    dot_preset_get(i, out);
    return LP_OK;
}

int dot_preset_find(const char *name, lp_diag *d)
{
    for (int i = 0; i < NPRESETS; i++)
        if (name && !strcmp(name, presets[i].name)) return i;
    char list[LP_DIAG_MSG_MAX] = "";
    size_t n = 0;
    for (int i = 0; i < NPRESETS && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s %s", i ? "," : "", presets[i].name);
    lp_diag_msg(d, LP_ERR_ARG, "unknown preset '%s' (presets:%s)", name ? name : "", list);
    return -1;
}

lp_status dot_cfg_check(const dot_cfg *c, lp_diag *d)
{
    const char *msg = NULL;
    if (c->group < 0)
        msg = "group size F must be >= 0 (0 = all of K)";
    else if (c->frac_bits != DOT_EXACT && (c->frac_bits < 1 || c->frac_bits > DOT_MAX_FRAC))
        msg = "kept fraction bits B must be 1..48 or exact";
    else if (c->frac_bits == DOT_EXACT && c->width != DOT_W_F32)
        msg = "exact accumulation rounds to float32 (width B needs a finite B)";
    else if (c->sum_round != MF_RTZ && c->sum_round != MF_RNE)
        msg = "the group sum rounds toward zero or to nearest even";
    else if (c->promote < 0)
        msg = "promotion interval P must be >= 0 (0 = never)";
    else if (c->split < 1 || c->split_tile < 1)
        msg = "split-K needs S >= 1 parts and a tile T >= 1";
    return msg ? lp_diag_msg(d, LP_ERR_ARG, "%s", msg) : LP_OK;
}

/* ---- operand terms -------------------------------------------------------- */

enum { CLS_FINITE = 0, CLS_PINF = 1, CLS_NINF = 2, CLS_NAN = 3 };

typedef struct terms {
    int32_t *sig;          /* signed significand */
    int32_t *x;            /* exponent e(a) (+ scale exponent); XZERO for zeros */
    uint8_t *cls;          /* CLS_* */
    uint8_t *special_line; /* per row of A / column of B: any non-finite */
} terms;

/* Decode n elements of a line (a row of A or a column of B) into terms.
** code(i) and scale(i) are read through strides. */
static void decode_line(const mf_format *f, const uint16_t *codes, size_t stride, const uint8_t *scales, size_t sstride,
                        int blk, int n, int32_t *sig, int32_t *x, uint8_t *cls, uint8_t *special)
{
    *special = 0;
    for (int i = 0; i < n; i++) {
        bool neg;
        uint32_t m;
        int e;
        int sx = 0;
        uint8_t c = CLS_FINITE;
        if (scales) {
            uint8_t s = scales[(size_t)(i / blk) * sstride];
            if (s == 0xff)
                c = CLS_NAN;
            else
                sx = (int)s - 127;
        }
        switch (mf_decode_parts(f, codes[(size_t)i * stride], &neg, &m, &e)) {
        case MF_NAN: c = CLS_NAN; break;
        case MF_INF: c = c == CLS_NAN ? CLS_NAN : (neg ? CLS_NINF : CLS_PINF); break;
        default: break;
        }
        if (c != CLS_FINITE || m == 0) {
            sig[i] = 0;
            x[i] = XZERO;
        } else {
            sig[i] = neg ? -(int32_t)m : (int32_t)m;
            x[i] = e + f->mbits + sx; /* e(a): the stored exponent, emin for subnormals */
        }
        cls[i] = c;
        *special |= c != CLS_FINITE;
    }
}

/* Result of a row/column pair of which one holds a non-finite value: every
** such value makes its product NaN (NaN, inf*0) or infinite, and infinite
** products decide the sum. Returns float32 bits: DOT_NAN or +-inf. */
static uint32_t special_result(int K, const int32_t *sa, const uint8_t *ca, const int32_t *sb, const uint8_t *cb)
{
    bool pinf = false, ninf = false;
    for (int k = 0; k < K; k++) {
        if (ca[k] == CLS_NAN || cb[k] == CLS_NAN) return DOT_NAN;
        bool ia = ca[k] != CLS_FINITE, ib = cb[k] != CLS_FINITE;
        if (!ia && !ib) continue;
        if ((ia && !ib && sb[k] == 0) || (ib && !ia && sa[k] == 0)) return DOT_NAN; /* inf * 0 */
        bool na = ia ? ca[k] == CLS_NINF : sa[k] < 0, nb = ib ? cb[k] == CLS_NINF : sb[k] < 0;
        if (na != nb)
            ninf = true;
        else
            pinf = true;
    }
    if (pinf && ninf) return DOT_NAN;
    return pinf ? 0x7f800000u : ninf ? 0xff800000u : DOT_NAN;
}

/* Fold a non-finite result r (or a finite C seed's own non-finite value) with
** C: NaN wins, opposite infinities give NaN. */
static uint32_t combine_special(uint32_t r, uint32_t seed)
{
    uint32_t as = seed & 0x7fffffffu;
    if (r == DOT_NAN || as > 0x7f800000u) return DOT_NAN;
    if (as == 0x7f800000u && seed != r) return DOT_NAN;
    return r;
}

/* ---- the accumulator state ------------------------------------------------- */

/* Exact value sig * 2^e; sig == 0 means zero (negz: -0, from a negative
** value rounded to zero). inf marks an overflowed float32. */
typedef struct acc {
    int64_t sig;
    int e;
    uint32_t inf; /* 0, or the float32 bits of +-inf */
    bool negz;
} acc;

static int bitlen64(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }
static uint64_t mag64(int64_t v) { return v < 0 ? 0u - (uint64_t)v : (uint64_t)v; }

/* Round |v| * 2^e (sign neg) to float32 with mode; result as exact parts. */
static acc round_f32(bool neg, uint64_t v, int e, mf_round mode)
{
    acc r = {0, 0, 0, false};
    if (!v) return r;
    int n = bitlen64(v), ue = e + n - 1;
    int lsb = ue >= -126 ? ue - 23 : -149; /* exponent of float32's last bit here */
    if (lsb > e) {
        int s = lsb - e;
        uint64_t q = s >= 64 ? 0 : v >> s, rem = s >= 64 ? v : v & ((UINT64_C(1) << s) - 1);
        if (mode == MF_RNE) {
            uint64_t half = s >= 65 ? 0 : UINT64_C(1) << (s - 1);
            if (s <= 64 && (rem > half || (rem == half && (q & 1)))) q++;
        }
        v = q;
        e = lsb;
        if (bitlen64(v) > 24) { /* carried into the next binade */
            v >>= 1;
            e++;
        }
    }
    if (v && e + bitlen64(v) - 1 > 127) { /* overflow */
        if (mode == MF_RTZ) {
            r.sig = neg ? -(int64_t)0xffffff : 0xffffff;
            r.e = 104;
        } else {
            r.inf = neg ? 0xff800000u : 0x7f800000u;
        }
        return r;
    }
    r.sig = neg ? -(int64_t)v : (int64_t)v;
    r.e = e;
    r.negz = neg && !v; /* IEEE: a negative value rounded to zero is -0 */
    return r;
}

/* float32 bits of an accumulator value (exact when it came from round_f32;
** rounded to nearest even otherwise, e.g. after width-B rounding). */
static uint32_t acc_bits(acc a)
{
    if (a.inf) return a.inf;
    if (!a.sig) return a.negz ? 0x80000000u : 0;
    acc r = round_f32(a.sig < 0, mag64(a.sig), a.e, MF_RNE);
    if (r.inf) return r.inf;
    return mf_f32_from_parts(r.sig < 0, mag64(r.sig), r.e);
}

/* Exact parts of a finite float32. */
static acc acc_from_bits(uint32_t b)
{
    acc a = {0, 0, 0, false};
    uint32_t f = (b >> 23) & 0xff, frac = b & 0x7fffff;
    assert(f != 0xff);
    uint32_t m = f ? frac | 0x800000u : frac;
    a.sig = (b >> 31) ? -(int64_t)m : (int64_t)m;
    a.e = f ? (int)f - 150 : -149;
    return a;
}

/* ---- one group, finite B ----------------------------------------------------- */

/* Accumulate products k in [k0,k1) into *a with the group model. pp is
** ma+mb, the fraction bits of a product's significand.
**
** Every product is below 2^(pp+2), so shifting it left by the constant
** L = max(0, B-pp) keeps it below 2^(B+2) <= 2^50; the alignment is then one
** clamped right shift, without branches, which vectorises (AVX2). */
static inline __attribute__((always_inline)) void group_fast(const dot_cfg *c, const int32_t *sa, const int32_t *xa,
                                                             const int32_t *sb, const int32_t *xb, int k0, int k1,
                                                             int pp, acc *a)
{
    const int B = c->frac_bits;
    int E = XZERO;
    for (int k = k0; k < k1; k++) {
        int xp = xa[k] + xb[k];
        E = xp > E ? xp : E;
    }
    int ea = XZERO;
    if (a->sig) {
        ea = bitlen64(mag64(a->sig)) - 1 + a->e;
        /* a float32 subnormal accumulator counts at its exponent field's -126,
        ** as subnormal inputs count at emin (the data do not tell the two apart) */
        if (c->width == DOT_W_F32 && ea < -126) ea = -126;
        E = ea > E ? ea : E;
    }
    if (E < XZERO / 2) return; /* all products zero and no accumulator */
    const int base = E - B;    /* exponent of one unit of the sum */
    const int L = B - pp > 0 ? B - pp : 0;
    const int r0 = L + pp + base; /* right shift of a product = r0 - (xa + xb) */
    int64_t S = 0;
    for (int k = k0; k < k1; k++) {
        int64_t p = (int64_t)sa[k] * sb[k], sgn = p >> 63;
        int rs = r0 - xa[k] - xb[k];
        rs = rs < 63 ? rs : 63;
        uint64_t m = ((uint64_t)((p ^ sgn) - sgn) << L) >> rs;
        S += ((int64_t)m ^ sgn) - sgn;
    }
    if (a->sig) {
        int sh = a->e - base;
        uint64_t m = mag64(a->sig);
        if (sh >= 0)
            m <<= sh;
        else
            m = sh <= -63 ? 0 : m >> -sh;
        S += a->sig < 0 ? -(int64_t)m : (int64_t)m;
    }
    bool neg = S < 0;
    uint64_t v = mag64(S);
    if (!v) { /* exact cancellation: +0 */
        a->sig = 0;
        a->negz = false;
        return;
    }
    if (c->width == DOT_W_F32) {
        *a = round_f32(neg, v, base, c->sum_round);
        return;
    }
    /* B fraction bits below max(E, e(sum)) */
    int drop = bitlen64(v) - 1 - B;
    if (drop > 0) {
        uint64_t q = v >> drop, rem = v & ((UINT64_C(1) << drop) - 1), half = UINT64_C(1) << (drop - 1);
        if (c->sum_round == MF_RNE && (rem > half || (rem == half && (q & 1)))) q++;
        v = q;
    } else {
        drop = 0;
    }
    a->sig = neg ? -(int64_t)v : (int64_t)v;
    a->e = base + drop;
}

/* ---- exact accumulation -------------------------------------------------------- */

#define KUL_LIMBS 20
#define KUL_LSB (-640) /* exponent of bit 0; the top is 2^639 */

typedef struct kul {
    uint64_t w[KUL_LIMBS]; /* two's complement, little-endian limbs */
    int lo, hi;            /* limbs touched since the last clear */
} kul;

static void kul_clear(kul *k)
{
    if (k->hi >= k->lo) memset(&k->w[k->lo], 0, sizeof(uint64_t) * (size_t)(k->hi - k->lo + 1));
    k->lo = KUL_LIMBS;
    k->hi = -1;
}

/* Add sig * 2^e exactly. Every product of two formats of at most 16 bits, with
** scale exponents in [-127, 127], lies far inside the window (asserted). */
static void kul_add(kul *k, int64_t sig, int e)
{
    if (!sig) return;
    int pos = e - KUL_LSB;
    assert(pos >= 0 && pos + 64 < (KUL_LIMBS - 1) * 64);
    int li = pos / 64, off = pos % 64;
    uint64_t m = mag64(sig), w0 = m << off, w1 = off ? m >> (64 - off) : 0;
    if (li < k->lo) k->lo = li;
    if (sig > 0) {
        uint64_t s = k->w[li] + w0, carry = s < w0;
        k->w[li] = s;
        int i = li + 1;
        s = k->w[i] + w1;
        uint64_t c2 = s < w1;
        s += carry;
        c2 |= s < carry;
        k->w[i] = s;
        for (i++; c2 && i < KUL_LIMBS; i++) c2 = ++k->w[i] == 0;
        if (i - 1 > k->hi) k->hi = i - 1 < KUL_LIMBS ? i - 1 : KUL_LIMBS - 1;
    } else {
        uint64_t d = k->w[li], borrow = d < w0;
        k->w[li] = d - w0;
        int i = li + 1;
        d = k->w[i];
        uint64_t b2 = d < w1;
        d -= w1;
        b2 |= d < borrow;
        d -= borrow;
        k->w[i] = d;
        for (i++; b2 && i < KUL_LIMBS; i++) b2 = k->w[i]-- == 0;
        if (b2 || i - 1 > k->hi) k->hi = KUL_LIMBS - 1; /* sign extension reached the top */
        if (i - 1 > k->hi) k->hi = i - 1;
    }
}

/* The accumulator rounded to float32 with mode, as exact parts. */
static acc kul_round(kul *k, mf_round mode)
{
    uint64_t w[KUL_LIMBS] = {0}; /* limbs outside [lo, hi] are zero */
    acc r = {0, 0, 0, false};
    if (k->hi < k->lo) return r;
    bool neg = k->w[KUL_LIMBS - 1] >> 63;
    int lo = k->lo, hi = neg ? KUL_LIMBS - 1 : k->hi;
    memcpy(&w[lo], &k->w[lo], sizeof(uint64_t) * (size_t)(hi - lo + 1));
    if (neg) { /* negate: invert and add one */
        uint64_t carry = 1;
        for (int i = lo; i <= hi; i++) {
            w[i] = ~w[i] + carry;
            carry = carry && w[i] == 0;
        }
    }
    int top = hi;
    while (top >= lo && !w[top]) top--;
    if (top < lo) return r;
    int tb = top * 64 + 63 - __builtin_clzll(w[top]); /* index of the leading bit */
    /* 62 bits from the leading one down (value m * 2^(from + KUL_LSB)), then a
    ** sticky bit for everything below: far below float32's rounding point */
    int from = tb - 61;
    uint64_t m = 0;
    bool sticky = false;
    for (int b = tb; b >= from; b--) m = m << 1 | (b >= 0 ? (w[b / 64] >> (b % 64)) & 1 : 0);
    for (int i = 0; from > 0 && i <= (from - 1) / 64 && !sticky; i++) {
        int top_bit = i < (from - 1) / 64 ? 63 : (from - 1) % 64; /* bits 0..top_bit of limb i lie below from */
        uint64_t mask = top_bit == 63 ? ~UINT64_C(0) : (UINT64_C(1) << (top_bit + 1)) - 1;
        sticky = (w[i] & mask) != 0;
    }
    m = m << 1 | sticky;
    return round_f32(neg, m, from - 1 + KUL_LSB, mode);
}

/* ---- a dot product over a range of K ----------------------------------------- */

typedef struct line_ctx {
    const dot_cfg *c;
    const int32_t *sa, *xa, *sb, *xb;
    int pp; /* fraction bits of a product's significand */
    kul *k;
} line_ctx;

static void group_exact(const line_ctx *L, int k0, int k1, acc *a)
{
    kul_clear(L->k);
    if (a->sig) kul_add(L->k, a->sig, a->e);
    for (int k = k0; k < k1; k++) {
        int64_t p = (int64_t)L->sa[k] * L->sb[k];
        if (p) kul_add(L->k, p, L->xa[k] + L->xb[k] - L->pp);
    }
    *a = kul_round(L->k, L->c->sum_round);
}

/* Accumulate k in [k0,k1) from a seed value (float32 bits); returns float32 bits. */
static inline __attribute__((always_inline)) uint32_t dot_range(const line_ctx *L, int k0, int k1, uint32_t seed)
{
    const dot_cfg *c = L->c;
    int F = c->group > 0 ? c->group : (k1 > k0 ? k1 - k0 : 1);
    bool promote = c->promote > 0;
    float outer = promote ? lp_f32(seed) : 0.0f;
    acc a = promote ? (acc){0, 0, 0, false} : acc_from_bits(seed);
    int groups = 0;
    for (int g0 = k0; g0 < k1; g0 += F) {
        int g1 = g0 + F < k1 ? g0 + F : k1;
        if (c->frac_bits == DOT_EXACT)
            group_exact(L, g0, g1, &a);
        else
            group_fast(c, L->sa, L->xa, L->sb, L->xb, g0, g1, L->pp, &a);
        if (a.inf) return a.inf;
        if (promote && ++groups % c->promote == 0) {
            outer += lp_f32(acc_bits(a));
            a = (acc){0, 0, 0, false};
        }
    }
    if (promote) return lp_bits(outer + lp_f32(acc_bits(a)));
    return acc_bits(a);
}

static inline __attribute__((always_inline)) uint32_t dot_one(const line_ctx *L, int K, uint32_t seed)
{
    const dot_cfg *c = L->c;
    if (c->split <= 1) return dot_range(L, 0, K, seed);
    long tiles = (K + c->split_tile - 1) / c->split_tile;
    long part = ((tiles + c->split - 1) / c->split) * c->split_tile;
    float total = lp_f32(seed);
    for (long k0 = 0; k0 < K; k0 += part) {
        long k1 = k0 + part < K ? k0 + part : K;
        total += lp_f32(dot_range(L, (int)k0, (int)k1, 0));
    }
    return lp_bits(total);
}

/* A float32 result in the output format, widened back to float32 bits. */
static inline uint32_t narrow_output(const mf_format *o, uint32_t r)
{
    if (o->bits >= 32) return r;
    if ((r & 0x7fffffffu) > 0x7f800000u) return mf_decode_f32(o, o->mask & ~o->sign_bit); /* all-ones NaN */
    return mf_decode_f32(o, mf_encode_f32(o, r, NULL, 0));
}

/* The output loop; on x86-64 built for AVX2 and for the baseline, the loader
** picks one (the group loop vectorises with AVX2's 64-bit variable shifts). */
#if defined(__GNUC__) && defined(__x86_64__)
#define DOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOT_CLONES
#endif

DOT_CLONES static void gemm_loop(const dot_cfg *c, int M, int N, int K, size_t nk, const int32_t *sa, const int32_t *xa,
                                 const uint8_t *ca, const uint8_t *spa, const int32_t *sb, const int32_t *xb,
                                 const uint8_t *cb, const uint8_t *spb, int pp, kul *kacc, const float *C, float *out)
{
    for (int m = 0; m < M; m++) {
        for (int n = 0; n < N; n++) {
            const int32_t *ra = sa + (size_t)m * nk, *rxa = xa + (size_t)m * nk;
            const int32_t *rb = sb + (size_t)n * nk, *rxb = xb + (size_t)n * nk;
            uint32_t seed = C ? lp_bits(C[(size_t)m * (size_t)N + n]) : 0, r;
            if (spa[m] || spb[n] || (seed & 0x7fffffffu) >= 0x7f800000u) {
                r = spa[m] || spb[n] ? special_result(K, ra, ca + (size_t)m * nk, rb, cb + (size_t)n * nk) : seed;
                r = combine_special(r, seed);
            } else {
                line_ctx L = {c, ra, rxa, rb, rxb, pp, kacc};
                r = dot_one(&L, K, seed);
            }
            out[(size_t)m * (size_t)N + n] = lp_f32(narrow_output(&c->out, r));
        }
    }
}

lp_status dot_gemm(const dot_cfg *c, int M, int N, int K, const dot_matrix *A, const dot_matrix *B, const float *C,
                   float *D)
{
    if (M < 0 || N < 0 || K < 0 || !A || !B || !A->fmt || !B->fmt) return LP_ERR_ARG;
    if (A->fmt->bits > 16 || B->fmt->bits > 16) return LP_ERR_ARG;
    if ((A->scales && A->scale_block < 1) || (B->scales && B->scale_block < 1)) return LP_ERR_ARG;
    if (dot_cfg_check(c, NULL) != LP_OK || c->out.kind != MF_KIND_FLOAT) return LP_ERR_ARG;
    if (M == 0 || N == 0) return LP_OK;
    size_t nk = (size_t)K ? (size_t)K : 1;
    int32_t *sa = malloc(sizeof(int32_t) * nk * (size_t)M), *xa = malloc(sizeof(int32_t) * nk * (size_t)M);
    int32_t *sb = malloc(sizeof(int32_t) * nk * (size_t)N), *xb = malloc(sizeof(int32_t) * nk * (size_t)N);
    uint8_t *ca = malloc(nk * (size_t)M), *cb = malloc(nk * (size_t)N);
    uint8_t *spa = malloc((size_t)M), *spb = malloc((size_t)N);
    kul *kacc = calloc(1, sizeof *kacc);
    lp_status st = LP_ERR_NOMEM;
    if (!sa || !xa || !sb || !xb || !ca || !cb || !spa || !spb || !kacc) goto free_all;
    kacc->lo = KUL_LIMBS;
    kacc->hi = -1;
    for (int m = 0; m < M; m++)
        decode_line(A->fmt, A->codes + (size_t)m * (size_t)A->ld, 1,
                    A->scales ? A->scales + (size_t)m * (size_t)A->scale_ld : NULL, 1, A->scale_block, K,
                    sa + (size_t)m * nk, xa + (size_t)m * nk, ca + (size_t)m * nk, &spa[m]);
    for (int n = 0; n < N; n++)
        decode_line(B->fmt, B->codes + n, (size_t)B->ld, B->scales ? B->scales + n : NULL, (size_t)B->scale_ld,
                    B->scale_block, K, sb + (size_t)n * nk, xb + (size_t)n * nk, cb + (size_t)n * nk, &spb[n]);
    /* straight into D: each output reads its C element before writing, so C may be D */
    gemm_loop(c, M, N, K, nk, sa, xa, ca, spa, sb, xb, cb, spb, A->fmt->mbits + B->fmt->mbits, kacc, C, D);
    st = LP_OK;
free_all:
    free(sa), free(xa), free(sb), free(xb), free(ca), free(cb), free(spa), free(spb), free(kacc);
    return st;
}
