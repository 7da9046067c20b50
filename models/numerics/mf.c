/*
** mf.c — element formats: parsing format names, and bit-exact conversion
** between float32 and every format.
**
** One algorithm serves every float format. A value is carried exactly as
** (sign, integer significand m, exponent e), value = m * 2^e. Rounding picks
** the quantum 2^q of the target (q = max(floor(log2 v), emin) - mbits), rounds
** m / 2^(q-e) to an integer with the chosen mode, renormalises once if the
** rounding carried into a new binade, and only then looks at the exponent
** range; so subnormals, overflow and every rounding mode share one path and
** no libm call or floating-point operation is involved.
**
** ml_dtypes quirks that are reproduced on purpose (and tested against its
** output in ../shared/data/formats):
**  - fp6/fp4 (policy FINITE) saturate on overflow and on inf; a NaN input gives
**    the -0 code with its sign bit flipped by the NaN's sign;
**  - e8m0 has no zero: 0 and negatives give NaN, values below 2^-127 give
**    code 0, and float32 subnormals are rounded between 0 and 2^-126 as if
**    code 0 were zero (so 1.25*2^-127 gives code 1);
**  - float16 keeps NaN payloads both ways (numpy), bfloat16 only when decoding.
** Leaves out: formats wider than float32 and values beyond float32's range.
*/
#include "mf.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_rng.h"

static const struct mf_row {
    const char *name, *alias, *help;
    int code;
    int ebits, mbits, bias;
    mf_policy policy;
    unsigned flags;
} mf_rows[MF_ID_COUNT] = {
#define MF_FORMAT(id, code, name, alias, e, m, bias, policy, flags, help)                                              \
    [id] = {name, alias, help, code, e, m, bias, MF_POLICY_##policy, flags},
#include "mf.def"
#undef MF_FORMAT
};

static const struct {
    const char *name, *help;
    int code;
} mf_round_rows[MF_ROUND_COUNT] = {
#define MF_ROUND(id, code, name, help) [id] = {name, help, code},
#include "mf_round.def"
#undef MF_ROUND
};

static const char *const policy_names[] = {"ieee", "fn", "fnuz", "finite"};

/* ---- small helpers ---------------------------------------------------- */

static int bitlen64(uint64_t m) { return m ? 64 - __builtin_clzll(m) : 0; }

/* ---- deriving a format's constants ------------------------------------ */

/* Fill the derived fields and check that every value fits float32 exactly.
** Returns NULL or a message. */
static const char *derive(mf_format *f)
{
    int sign = (f->flags & MF_F_UNSIGNED) ? 0 : 1;
    f->bits = sign + f->ebits + f->mbits;
    f->sign_bit = sign ? 1u << (f->bits - 1) : 0;
    f->mask = (f->bits >= 32) ? 0xffffffffu : (1u << f->bits) - 1;
    f->hex_digits = f->bits <= 8 ? 2 : f->bits <= 16 ? 4 : 8;
    f->inf_mag = MF_NO_CODE;
    f->nan_code = MF_NO_CODE;
    if (f->kind == MF_KIND_INT) {
        f->max_mag = (1u << (f->bits - 1)) - 1;
        f->emin = 0;
        f->emax = bitlen64(f->max_mag) - 1;
        return NULL;
    }
    uint32_t all_mag = (1u << (f->ebits + f->mbits)) - 1;
    uint32_t max_field = (1u << f->ebits) - 1;
    switch (f->policy) {
    case MF_POLICY_IEEE:
        if (f->ebits < 2 || f->mbits < 1) return "the ieee policy needs at least 2 exponent and 1 fraction bit";
        f->max_mag = (max_field << f->mbits) - 1;
        f->inf_mag = max_field << f->mbits;
        f->nan_code = f->inf_mag | (1u << (f->mbits - 1));
        break;
    case MF_POLICY_FN:
        if (all_mag == 0) return "the fn policy needs at least one exponent or fraction bit";
        f->max_mag = all_mag - 1;
        f->nan_code = all_mag;
        break;
    case MF_POLICY_FNUZ:
        if (!sign) return "the fnuz policy needs a sign bit";
        f->max_mag = all_mag;
        f->nan_code = f->sign_bit;
        break;
    case MF_POLICY_FINITE:
        f->max_mag = all_mag;
        /* ml_dtypes: quiet_NaN() of fp6/fp4 is the -0 code */
        f->nan_code = f->sign_bit;
        break;
    }
    f->emin = (f->flags & MF_F_NOSUB) ? -f->bias : 1 - f->bias;
    uint32_t me = f->max_mag >> f->mbits, mm = f->max_mag & ((1u << f->mbits) - 1);
    if (me == 0 && !(f->flags & MF_F_NOSUB))
        f->emax = f->emin - f->mbits + bitlen64(mm) - 1;
    else
        f->emax = (int)me - f->bias;
    (void)mm;
    /* range check: the largest finite value and the smallest step must be float32s */
    if (f->emax > 127) return "its largest value exceeds float32's range (raise the bias)";
    int min_q = (f->flags & MF_F_NOSUB) ? f->emin : f->emin - f->mbits;
    if (min_q < -149) return "its smallest value is below float32's range (lower the bias)";
    if (f->mbits > 23) return "more fraction bits than float32";
    return NULL;
}

void mf_get(mf_id id, mf_format *out)
{
    assert((unsigned)id < MF_ID_COUNT);
    const struct mf_row *r = &mf_rows[id];
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", r->name);
    out->kind = MF_KIND_FLOAT;
    out->policy = r->policy;
    out->flags = r->flags;
    out->ebits = r->ebits;
    out->mbits = r->mbits;
    out->bias = r->bias;
    const char *msg = derive(out);
    assert(msg == NULL);
    (void)msg;
}

const char *mf_id_name(mf_id id) { return (unsigned)id < MF_ID_COUNT ? mf_rows[id].name : "?"; }
int mf_id_code(mf_id id) { return (unsigned)id < MF_ID_COUNT ? mf_rows[id].code : -1; }

int mf_id_by_code(int code)
{
    for (int i = 0; i < MF_ID_COUNT; i++)
        if (mf_rows[i].code == code) return i;
    return -1;
}
const char *mf_id_alias(mf_id id) { return (unsigned)id < MF_ID_COUNT ? mf_rows[id].alias : "?"; }
const char *mf_id_help(mf_id id) { return (unsigned)id < MF_ID_COUNT ? mf_rows[id].help : "?"; }

/* Read a decimal number at *p (advancing it); -1 if none or too large, -2
** (*p left on it) if it has a leading 0: "e04m3" is not a second spelling of
** e4m3, as "010" is not of 10 anywhere else lpsim reads a number. */
static int read_uint(const char **p)
{
    int v = 0, n = 0;
    if (**p == '0' && isdigit((unsigned char)(*p)[1])) return -2;
    while (isdigit((unsigned char)**p) && n < 4) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return (n == 0 || isdigit((unsigned char)**p)) ? -1 : v;
}

/* The message for the number at num in name, which has a leading 0. */
static lp_status leading_zero(const char *name, const char *num, lp_diag *d)
{
    size_t n = strspn(num, "0123456789"), z = strspn(num, "0");
    if (z == n) z = n - 1;
    return lp_diag_msg(d, LP_ERR_FORMAT, "'%s': '%.*s' has a leading 0 (write %.*s)", name, (int)n, num, (int)(n - z),
                       num + z);
}

static lp_status parse_param(const char *name, mf_format *out, lp_diag *d)
{
    const char *p = name;
    memset(out, 0, sizeof *out);
    out->kind = MF_KIND_FLOAT;
    out->policy = MF_POLICY_FINITE;
    if (*p == 'u') {
        out->flags |= MF_F_UNSIGNED;
        p++;
    }
    if (*p++ != 'e') return LP_ERR_FORMAT;
    int x = read_uint(&p);
    if (x == -2) return leading_zero(name, p, d);
    if (x < 0 || *p++ != 'm') return LP_ERR_FORMAT;
    int y = read_uint(&p);
    if (y == -2) return leading_zero(name, p, d);
    if (y < 0) return LP_ERR_FORMAT;
    if (x < 1 || x > 8 || y > 10) {
        return lp_diag_msg(d, LP_ERR_RANGE, "'%s': eXmY needs 1 <= X <= 8 exponent and 0 <= Y <= 10 fraction bits",
                           name);
    }
    int bias = (1 << (x - 1)) - 1;
    /* each kind of suffix at most once: a second bias or policy would
    ** silently replace the first, and a repeated one is a typo */
    const char *seen[3] = {NULL, NULL, NULL}; /* bias, policy, _sat: where each was given */
    while (*p == '_') {
        const char *at = p++;
        int kind;
        if (*p == 'b' && isdigit((unsigned char)p[1])) {
            p++;
            bias = read_uint(&p);
            if (bias == -2) return leading_zero(name, p, d);
            if (bias < 0) return LP_ERR_FORMAT;
            kind = 0;
        } else if (!strncmp(p, "ieee", 4) && (p[4] == '_' || !p[4])) {
            out->policy = MF_POLICY_IEEE;
            p += 4, kind = 1;
        } else if (!strncmp(p, "fnuz", 4) && (p[4] == '_' || !p[4])) {
            out->policy = MF_POLICY_FNUZ;
            p += 4, kind = 1;
        } else if (!strncmp(p, "fn", 2) && (p[2] == '_' || !p[2])) {
            out->policy = MF_POLICY_FN;
            p += 2, kind = 1;
        } else if (!strncmp(p, "finite", 6) && (p[6] == '_' || !p[6])) {
            out->policy = MF_POLICY_FINITE;
            p += 6, kind = 1;
        } else if (!strncmp(p, "sat", 3) && (p[3] == '_' || !p[3])) {
            out->flags |= MF_F_SAT;
            p += 3, kind = 2;
        } else {
            return LP_ERR_FORMAT;
        }
        if (seen[kind]) {
            int first = (int)strcspn(seen[kind] + 1, "_") + 1, now = (int)(p - at);
            static const char *const what[] = {"bias", "overflow policy (_ieee, _fn, _fnuz or _finite)", ""};
            if (first == now && !strncmp(seen[kind], at, (size_t)now))
                return lp_diag_msg(d, LP_ERR_RANGE, "'%s': '%.*s' is given twice", name, now, at);
            return lp_diag_msg(d, LP_ERR_RANGE, "'%s': '%.*s' conflicts with '%.*s': a format has one %s", name, now,
                               at, first, seen[kind], what[kind]);
        }
        seen[kind] = at;
    }
    if (*p) return LP_ERR_FORMAT;
    out->ebits = x;
    out->mbits = y;
    out->bias = bias;
    const char *msg = derive(out);
    if (msg) return lp_diag_msg(d, LP_ERR_RANGE, "'%s': %s", name, msg);
    snprintf(out->name, sizeof out->name, "%se%dm%d_b%d_%s%s", (out->flags & MF_F_UNSIGNED) ? "u" : "", x, y, bias,
             policy_names[out->policy], (out->flags & MF_F_SAT) ? "_sat" : "");
    return LP_OK;
}

/* A name that no format has because of a byte outside printable ASCII,
** quoted for a message with those bytes (and backslashes) escaped, so that a
** hostile name never reaches a terminal raw: at most 48 bytes, then "...". */
static const char *quote_odd_name(const char *name, char *buf, size_t n)
{
    size_t k = 0, i = 0;
    for (; name[i] && i < 48 && k + 8 < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '\\')
            buf[k++] = '\\', buf[k++] = '\\';
        else if (c >= 0x20 && c < 0x7f)
            buf[k++] = (char)c;
        else
            k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
    }
    if (name[i] && k + 4 <= n) memcpy(buf + k, "...", 3), k += 3;
    buf[k] = 0;
    return buf;
}

lp_status mf_parse(const char *name, mf_format *out, lp_diag *d)
{
    if (!name || !*name) return lp_diag_msg(d, LP_ERR_FORMAT, "empty format name");
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            char q[4 * 48 + 8];
            return lp_diag_msg(d, LP_ERR_FORMAT, "unknown format '%s' (format names are printable ASCII, no blanks)",
                               quote_odd_name(name, q, sizeof q));
        }
    for (int i = 0; i < MF_ID_COUNT; i++) {
        if (!strcmp(name, mf_rows[i].name) || !strcmp(name, mf_rows[i].alias)) {
            mf_get((mf_id)i, out);
            return LP_OK;
        }
    }
    if (!strncmp(name, "int", 3) && isdigit((unsigned char)name[3])) {
        const char *p = name + 3;
        int n = read_uint(&p);
        if (n == -2) return leading_zero(name, p, d);
        if (n < 1 || n > 8 || *p) return lp_diag_msg(d, LP_ERR_FORMAT, "'%s': integer formats are int1 to int8", name);
        memset(out, 0, sizeof *out);
        out->kind = MF_KIND_INT;
        out->policy = MF_POLICY_FINITE;
        out->flags = MF_F_SAT;
        out->mbits = n - 1;
        snprintf(out->name, sizeof out->name, "int%d", n);
        derive(out);
        return LP_OK;
    }
    if (name[0] == 'e' || (name[0] == 'u' && name[1] == 'e')) {
        lp_diag pd; /* a message means the name is a minifloat with bad fields */
        lp_diag_init(&pd, NULL);
        lp_status st = parse_param(name, out, &pd);
        if (st == LP_OK) return LP_OK;
        if (pd.status) return lp_diag_msg(d, LP_ERR_FORMAT, "%s", pd.msg);
    }
    /* unknown: suggest the closest name */
    const char *best = NULL;
    int bestd = 4;
    for (int i = 0; i < MF_ID_COUNT; i++) {
        int d1 = lp_edit_distance(name, mf_rows[i].name), d2 = lp_edit_distance(name, mf_rows[i].alias);
        if (d1 < bestd) bestd = d1, best = mf_rows[i].name;
        if (d2 < bestd) bestd = d2, best = mf_rows[i].alias;
    }
    if (best) return lp_diag_msg(d, LP_ERR_FORMAT, "unknown format '%s' (did you mean '%s'?)", name, best);
    return lp_diag_msg(d, LP_ERR_FORMAT, "unknown format '%s' (see 'lpsim formats')", name);
}

lp_status mf_round_parse(const char *name, mf_round *out)
{
    for (int i = 0; i < MF_ROUND_COUNT; i++) {
        if (name && !strcmp(name, mf_round_rows[i].name)) {
            *out = (mf_round)i;
            return LP_OK;
        }
    }
    return LP_ERR_ARG;
}

const char *mf_round_name(mf_round r) { return (unsigned)r < MF_ROUND_COUNT ? mf_round_rows[r].name : "?"; }
int mf_round_code(mf_round r) { return (unsigned)r < MF_ROUND_COUNT ? mf_round_rows[r].code : -1; }

int mf_round_by_code(int code)
{
    for (int i = 0; i < MF_ROUND_COUNT; i++)
        if (mf_round_rows[i].code == code) return i;
    return -1;
}
const char *mf_round_help(mf_round r) { return (unsigned)r < MF_ROUND_COUNT ? mf_round_rows[r].help : "?"; }

/* ---- encoding --------------------------------------------------------- */

static const mf_opts default_opts = {MF_RNE, false, 0};

/* m / 2^s rounded to an integer with mode r (s >= 1). For stochastic
** rounding the remainder is compared with s uniform random bits, so the
** result is unbiased exactly for s <= 64. */
static uint64_t round_shift(uint64_t m, int s, const mf_opts *o, uint64_t ctr)
{
    if (s >= 64) {
        /* every bit of m lies below the half-step: only RSR can round up */
        if (o->round != MF_RSR) return 0;
        uint64_t u = lp_rng_u64(o->seed, ctr);
        return s == 64 && u < m;
    }
    uint64_t q = m >> s, rem = m & ((UINT64_C(1) << s) - 1), half = UINT64_C(1) << (s - 1);
    switch (o->round) {
    case MF_RNE: return q + (rem > half || (rem == half && (q & 1)));
    case MF_RTZ: return q;
    case MF_RHA: return q + (rem >= half);
    case MF_RSR: return q + ((lp_rng_u64(o->seed, ctr) >> (64 - s)) < rem);
    default: assert(0); return q;
    }
}

static bool saturates(const mf_format *f, const mf_opts *o)
{
    return o->saturate || (f->flags & MF_F_SAT) || f->policy == MF_POLICY_FINITE;
}

/* Code of a value too large for the format. */
static uint32_t overflow_code(const mf_format *f, bool neg, const mf_opts *o, bool is_inf)
{
    uint32_t s = neg ? f->sign_bit : 0;
    if (saturates(f, o) || (!is_inf && o->round == MF_RTZ)) return s | f->max_mag;
    if (f->policy == MF_POLICY_IEEE) return s | f->inf_mag;
    if (f->policy == MF_POLICY_FNUZ) return f->nan_code;
    return s | f->nan_code; /* FN */
}

static uint32_t zero_code(const mf_format *f, bool neg, const mf_opts *o)
{
    if (f->flags & MF_F_NOSUB) return o->saturate ? 0 : f->nan_code; /* e8m0: no zero */
    if (f->policy == MF_POLICY_FNUZ) return 0;
    return neg ? f->sign_bit : 0;
}

/* A negative non-zero value into an unsigned format. */
static uint32_t negative_code(const mf_format *f, const mf_opts *o)
{
    if (o->saturate || f->nan_code == MF_NO_CODE || f->policy == MF_POLICY_FINITE) return 0;
    return f->nan_code;
}

static uint32_t int_encode(const mf_format *f, bool neg, uint64_t m, int e, const mf_opts *o, uint64_t ctr)
{
    uint64_t lim = neg ? (uint64_t)f->max_mag + 1 : f->max_mag;
    uint64_t r;
    if (m == 0) return 0;
    if (e >= 0)
        r = (bitlen64(m) + e > 16) ? lim : (m << e);
    else
        r = round_shift(m, -e, o, ctr);
    if (r > lim) r = lim;
    return (uint32_t)(neg ? (0u - (uint32_t)r) : (uint32_t)r) & f->mask;
}

uint32_t mf_encode_parts(const mf_format *f, bool neg, uint64_t m, int e, const mf_opts *o, uint64_t ctr)
{
    if (!o) o = &default_opts;
    if (f->kind == MF_KIND_INT) return int_encode(f, neg, m, e, o, ctr);
    if (m == 0) return zero_code(f, neg, o);
    if (neg && (f->flags & MF_F_UNSIGNED)) return negative_code(f, o);
    uint32_t s = neg ? f->sign_bit : 0;
    int ue = e + bitlen64(m) - 1; /* floor(log2 |v|) */
    int q;                        /* exponent of the quantum */
    if (ue < f->emin) {
        if (f->flags & MF_F_NOSUB) return 0; /* below the smallest value and no zero: code 0 */
        q = f->emin - f->mbits;
    } else {
        q = ue - f->mbits;
    }
    if (ue > f->emax + 2) return overflow_code(f, neg, o, false);
    int sh = q - e;
    uint64_t r = sh <= 0 ? m << -sh : round_shift(m, sh, o, ctr);
    if (r == 0) return zero_code(f, neg, o);
    if (r >> (f->mbits + 1)) { /* rounding carried into the next binade */
        r >>= 1;
        q++;
    }
    uint32_t mag;
    if (r < (UINT64_C(1) << f->mbits)) {
        mag = (uint32_t)r; /* subnormal: q == emin - mbits */
    } else {
        int field = q + f->mbits + f->bias;
        if (field >= (1 << f->ebits)) return overflow_code(f, neg, o, false);
        mag = ((uint32_t)field << f->mbits) | ((uint32_t)r - (1u << f->mbits));
    }
    if (mag > f->max_mag) return overflow_code(f, neg, o, false);
    return s | mag;
}

static uint32_t nan_encode(const mf_format *f, uint32_t x)
{
    bool neg = x >> 31;
    if (f->flags & MF_F_NANPAY) {
        /* numpy float16: payload truncated, kept non-zero so the NaN stays a NaN */
        uint32_t pay = (x & 0x7fffff) >> (23 - f->mbits);
        if (!pay) pay = 1;
        return (neg ? f->sign_bit : 0) | f->inf_mag | pay;
    }
    switch (f->policy) {
    case MF_POLICY_FINITE: return f->nan_code ^ (neg ? f->sign_bit : 0);
    case MF_POLICY_FNUZ: return f->nan_code;
    default: return (neg ? f->sign_bit : 0) | f->nan_code;
    }
}

uint32_t mf_encode_f32(const mf_format *f, uint32_t x, const mf_opts *o, uint64_t ctr)
{
    if (!o) o = &default_opts;
    bool neg = x >> 31;
    uint32_t a = x & 0x7fffffffu, field = a >> 23, frac = a & 0x7fffff;
    if (a > 0x7f800000u) {
        if (f->kind == MF_KIND_INT) return 0;
        return nan_encode(f, x);
    }
    if (a == 0x7f800000u) {
        if (f->kind == MF_KIND_INT) return int_encode(f, neg, 1, 64, o, ctr);
        if (neg && (f->flags & MF_F_UNSIGNED)) return negative_code(f, o);
        if (f->policy == MF_POLICY_IEEE && !o->saturate && !(f->flags & MF_F_SAT))
            return (neg ? f->sign_bit : 0) | f->inf_mag;
        return overflow_code(f, neg, o, true);
    }
    if (field == 0) {
        if ((f->flags & MF_F_E8M0Q) && frac && !neg) return (uint32_t)round_shift(frac, 23, o, ctr);
        return mf_encode_parts(f, neg, frac, -149, o, ctr);
    }
    return mf_encode_parts(f, neg, frac | 0x800000u, (int)field - 150, o, ctr);
}

/* ---- decoding --------------------------------------------------------- */

uint32_t mf_f32_from_parts(bool neg, uint64_t m, int e)
{
    uint32_t s = neg ? 0x80000000u : 0;
    if (m == 0) return s;
    int n = bitlen64(m), ue = e + n - 1;
    if (ue >= -126) {
        assert(ue <= 127);
        /* bring m to 24 bits; exactness asserted */
        if (n > 24) {
            assert((m & ((UINT64_C(1) << (n - 24)) - 1)) == 0);
            m >>= n - 24;
        } else {
            m <<= 24 - n;
        }
        return s | ((uint32_t)(ue + 127) << 23) | ((uint32_t)m & 0x7fffff);
    }
    int sh = e + 149; /* subnormal: bits are m * 2^(e+149) */
    if (sh >= 0) return s | (uint32_t)(m << sh);
    assert((m & ((UINT64_C(1) << -sh) - 1)) == 0);
    return s | (uint32_t)(m >> -sh);
}

bool mf_is_nan(const mf_format *f, uint32_t code)
{
    code &= f->mask;
    uint32_t mag = code & ~f->sign_bit;
    switch (f->kind == MF_KIND_INT ? MF_POLICY_FINITE : f->policy) {
    case MF_POLICY_IEEE: return mag > f->inf_mag;
    case MF_POLICY_FN: return mag == f->nan_code;
    case MF_POLICY_FNUZ: return code == f->nan_code;
    default: return false;
    }
}

mf_class mf_decode_parts(const mf_format *f, uint32_t code, bool *neg, uint32_t *m, int *e)
{
    code &= f->mask;
    *m = 0;
    *e = 0;
    if (f->kind == MF_KIND_INT) {
        int32_t v = (int32_t)(code << (32 - f->bits)) >> (32 - f->bits);
        *neg = v < 0;
        *m = (uint32_t)(v < 0 ? -v : v);
        return *m ? MF_FINITE : MF_ZERO;
    }
    *neg = (code & f->sign_bit) != 0;
    if (mf_is_nan(f, code)) return MF_NAN;
    uint32_t mag = code & ~f->sign_bit;
    if (f->inf_mag != MF_NO_CODE && mag == f->inf_mag) return MF_INF;
    uint32_t field = mag >> f->mbits, frac = mag & ((1u << f->mbits) - 1);
    if (field == 0 && !(f->flags & MF_F_NOSUB)) {
        *m = frac;
        *e = f->emin - f->mbits;
        return frac ? MF_FINITE : MF_ZERO;
    }
    *m = frac | (1u << f->mbits);
    *e = (int)field - f->bias - f->mbits;
    return MF_FINITE;
}

uint32_t mf_decode_f32(const mf_format *f, uint32_t code)
{
    bool neg;
    uint32_t m;
    int e;
    code &= f->mask;
    switch (mf_decode_parts(f, code, &neg, &m, &e)) {
    case MF_NAN:
        if (f->flags & (MF_F_NANPAY | MF_F_NANPAYDEC))
            return (neg ? 0x80000000u : 0) | 0x7f800000u | ((code & ((1u << f->mbits) - 1)) << (23 - f->mbits));
        return neg ? 0xffc00000u : 0x7fc00000u;
    case MF_INF: return (neg ? 0x80000000u : 0) | 0x7f800000u;
    default: return mf_f32_from_parts(neg, m, e);
    }
}
