/*
** fpga_func.c — the FPGA datapath's functional face: MMA as the PE grid
** computes it with its accumulator, bit for bit (fpga.h), and the binding
** of the three faces.
**
** Products of two elements of 8 bits or fewer are exact (significands of at
** most 8 bits). They are summed in a wide two's-complement integer (`wide`:
** 32-bit digits held in int64 so that additions carry lazily, normalised
** once per output or per group) on the grid the accumulator defines:
**   exact  the products' own grid (and float32's, for C): the exact sum,
**          rounded once to float32 to nearest even, which is the dot model's
**          "exact" preset;
**   fixed  a grid of 2^-F (F acc_frac_bits, or the derived fraction): each
**          term (product, and C) rounded onto it by acc_round as a sign and
**          magnitude, the register wrapping modulo 2^W at the end or
**          saturating to [-2^(W-1), 2^(W-1)-1] after each group of simd
**          products (the adder tree's sum enters the register once a cycle);
**          the register's value rounded to float32 to nearest even;
**   float  each group of simd products summed exactly (the adder tree) and
**          added to the register with one rounding (acc_round) in the
**          accumulator's format; C enters rounded the same way.
** Special values as in the dot model (dot.h): a NaN input, inf x 0, or +inf
** and -inf together give the NaN 0x7fffffff; otherwise an infinite product
** (or a float register that overflowed to infinity) gives that infinity;
** exact zeros are +0. The preset an MMA names is not read: the unit computes
** with the accumulator it was built with. Scratch arrays are allocated per
** operation (functional runs, not the timing-only path).
*/
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fpga.h"

/* ---- decoded elements ------------------------------------------------------------------- */

/* (-1)^neg m 2^e, or a special (cls). */
typedef struct elem {
    uint8_t cls, neg;
    uint16_t m;
    int16_t e;
} elem;

/* Every code of a format of at most 8 bits, decoded; *top is the largest
** e + bitlen(m) of its finite values. */
static void decode_all(const mf_format *f, elem t[256], int *top)
{
    *top = -100000;
    for (uint32_t c = 0; c < 256; c++) {
        bool neg;
        uint32_t m;
        int e;
        mf_class k = mf_decode_parts(f, c, &neg, &m, &e);
        t[c] = (elem){(uint8_t)k, neg, (uint16_t)m, (int16_t)e};
        if (k == MF_FINITE) {
            int b = e;
            for (uint32_t v = m; v; v >>= 1) b++;
            if (b > *top) *top = b;
        }
    }
}

/* ---- the wide accumulator ------------------------------------------------------------------ */

/* 768 bits. The widest span: products of two formats of lpsim (each value
** within [2^-149, 2^128), mf.h) and a float32 C, from 2^-298 to 2^(256 + 17)
** for K < 2^16: 572 bits; a fixed grid of at most 200 (acc_frac_bits) or
** 298 (derived) fraction bits and a register of at most 512 bits stay
** inside too. wide_init asserts it. */
#define WIDE_DIGITS 24

/* value = sum of d[i] 2^(base + 32 i). Between normalisations the digits
** hold lazy carries; normalised, d[0..nd-2] are in [0, 2^32) and d[nd-1]
** carries the sign and the rest. */
typedef struct wide {
    int64_t d[WIDE_DIGITS];
    int nd, base;
} wide;

static int bitlen(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

/* A wide for values whose bits lie in [base, top), with headroom. */
static void wide_init(wide *w, int base, int top)
{
    int nd = (top - base + 31) / 32 + 3;
    assert(nd <= WIDE_DIGITS); /* every span fits: see WIDE_DIGITS */
    w->nd = nd, w->base = base;
    memset(w->d, 0, sizeof w->d[0] * (size_t)nd);
}

/* Add (-1)^neg m 2^e, m < 2^32, e >= base: two digits touched. */
static void wide_add(wide *w, bool neg, uint64_t m, int e)
{
    int pos = e - w->base, k = pos >> 5;
    uint64_t v = m << (pos & 31);
    int64_t lo = (int64_t)(v & 0xffffffffu), hi = (int64_t)(v >> 32);
    if (neg) lo = -lo, hi = -hi;
    w->d[k] += lo;
    w->d[k + 1] += hi;
}

/* Carries into place (see wide). Returns true when the value is negative. */
static bool wide_norm(wide *w)
{
    int64_t carry = 0;
    for (int i = 0; i < w->nd - 1; i++) {
        int64_t t = w->d[i] + carry, lo = (int64_t)((uint64_t)t & 0xffffffffu);
        carry = (t - lo) / 4294967296; /* exact: t - lo is a multiple of 2^32 */
        w->d[i] = lo;
    }
    w->d[w->nd - 1] += carry;
    return w->d[w->nd - 1] < 0;
}

/* Bit b (b >= 0) of a normalised value's two's complement. */
static unsigned wide_bit(const wide *w, int b)
{
    int k = b >> 5, top = w->nd - 1;
    if (k < top) return (unsigned)(w->d[k] >> (b & 31)) & 1;
    int s = b - 32 * top;
    return (unsigned)(((uint64_t)w->d[top] >> (s < 63 ? s : 63)) & 1);
}

/* Set bits b and up of a normalised value to s (0 or 1): the value becomes
** its low b bits, extended by s. */
static void wide_fill_from(wide *w, int b, unsigned s)
{
    int k = b >> 5, top = w->nd - 1;
    if (k >= top) {
        uint64_t low = (UINT64_C(1) << (b - 32 * top)) - 1, t = (uint64_t)w->d[top];
        w->d[top] = (int64_t)(s ? t | ~low : t & low);
        return;
    }
    int r = b & 31;
    int64_t low = w->d[k] & ((INT64_C(1) << r) - 1);
    w->d[k] = s ? low | (int64_t)(0xffffffffu & (0xffffffffu << r)) : low;
    for (int i = k + 1; i < top; i++) w->d[i] = s ? 0xffffffff : 0;
    w->d[top] = s ? -1 : 0;
}

/* Wrap a normalised value to a two's-complement integer of W bits. */
static void wide_wrap(wide *w, unsigned W) { wide_fill_from(w, (int)W, wide_bit(w, (int)W - 1)); }

/* Clamp a normalised value to [-2^(W-1), 2^(W-1) - 1]: it is in range when
** wrapping leaves it as it is. */
static void wide_saturate(wide *w, unsigned W)
{
    wide t = *w;
    wide_wrap(&t, W);
    if (!memcmp(t.d, w->d, sizeof w->d[0] * (size_t)w->nd)) return;
    bool neg = w->d[w->nd - 1] < 0;
    for (int i = 0; i < w->nd - 1; i++) w->d[i] = neg ? 0 : 0xffffffff; /* the low W - 1 bits */
    wide_fill_from(w, (int)W - 1, neg);
}

/* The normalised value as (-1)^*neg *m 2^*e with m < 2^62: exact when it
** has 62 significant bits or fewer, else its top 62 bits with a sticky bit
** for the rest, which any rounding to 60 bits or fewer rounds as the exact
** value. Normalises w further (its magnitude). */
static void wide_parts(wide *w, bool *neg, uint64_t *m, int *e)
{
    *neg = w->d[w->nd - 1] < 0;
    if (*neg) {
        for (int i = 0; i < w->nd; i++) w->d[i] = -w->d[i];
        wide_norm(w);
    }
    int t = w->nd - 1;
    while (t >= 0 && !w->d[t]) t--;
    *m = 0, *e = w->base;
    if (t < 0) return;
    int top = 32 * t + bitlen((uint64_t)w->d[t]), lo = top > 62 ? top - 62 : 0, k = lo >> 5, r = lo & 31;
    uint64_t v = 0;
    for (int j = 0; j < 3 && k + j <= t; j++) { /* digits k..k+2 hold bits [lo, lo + 62) */
        int sh = 32 * j - r;
        uint64_t dj = (uint64_t)w->d[k + j];
        v |= sh >= 0 ? (sh < 64 ? dj << sh : 0) : dj >> -sh;
    }
    v &= (UINT64_C(1) << 62) - 1;
    bool sticky = (w->d[k] & ((INT64_C(1) << r) - 1)) != 0;
    for (int i = 0; i < k && !sticky; i++) sticky = w->d[i] != 0;
    *m = v | sticky, *e = w->base + lo;
}

/* ---- rounding a term onto a fixed grid --------------------------------------------------- */

/* m / 2^s (s >= 1) rounded as a magnitude by r (nearest-even, toward zero,
** half away). m < 2^32. */
static uint64_t shift_round(uint64_t m, int s, mf_round r)
{
    if (s > 40) return 0; /* m < 2^32 lies below half a step */
    uint64_t q = m >> s, rem = m & ((UINT64_C(1) << s) - 1), half = UINT64_C(1) << (s - 1);
    if (r == MF_RTZ) return q;
    if (r == MF_RHA) return q + (rem >= half);
    return q + (rem > half || (rem == half && (q & 1)));
}

/* Add (-1)^neg m 2^e to a wide whose base is the grid, rounded onto it. */
static void wide_add_rounded(wide *w, bool neg, uint64_t m, int e, mf_round r)
{
    if (e >= w->base)
        wide_add(w, neg, m, e);
    else
        wide_add(w, neg, shift_round(m, w->base - e, r), w->base);
}

/* ---- one output -------------------------------------------------------------------------- */

/* What one MMA needs of the unit and its operands. */
typedef struct job {
    const fpga_design *x;
    elem ta[256], tb[256];
    int top_a, top_b; /* bit just above each format's largest value */
    int q_ab;         /* exponent of the smallest product's last bit */
    unsigned clog_k;  /* ceil(log2 K) + 1: the sum's growth */
    uint64_t simd;
    bool has_c;
    mf_format f32;
    mf_opts rne, acc_opts;
} job;

/* Specials seen so far. */
typedef struct specials {
    bool nan, pinf, ninf;
} specials;

static void special(specials *s, const elem *a, const elem *b)
{
    if (a->cls == MF_NAN || b->cls == MF_NAN || (a->cls == MF_INF && b->cls == MF_ZERO) ||
        (a->cls == MF_ZERO && b->cls == MF_INF)) {
        s->nan = true;
    } else if (a->cls == MF_INF || b->cls == MF_INF) {
        if (a->neg != b->neg)
            s->ninf = true;
        else
            s->pinf = true;
    }
}

/* C's float32 bits as a term: true with (-1)^*neg *m 2^*e when finite; a
** NaN or an infinity is recorded in s. */
static bool c_term(const job *j, uint32_t c, specials *s, bool *neg, uint32_t *m, int *e)
{
    mf_class k = mf_decode_parts(&j->f32, c, neg, m, e);
    if (k == MF_NAN) s->nan = true;
    if (k == MF_INF) *(*neg ? &s->ninf : &s->pinf) = true;
    return k == MF_FINITE;
}

/* float32 bits of a wide's value, to nearest even (+0 for zero). */
static uint32_t wide_f32(const job *j, wide *w)
{
    bool neg;
    uint64_t m;
    int e;
    wide_norm(w);
    wide_parts(w, &neg, &m, &e);
    return mf_encode_parts(&j->f32, neg && m, m, e, &j->rne, 0);
}

static uint32_t resolve(const specials *s, uint32_t finite)
{
    if (s->nan || (s->pinf && s->ninf)) return DOT_NAN;
    if (s->pinf) return 0x7f800000u;
    if (s->ninf) return 0xff800000u;
    return finite;
}

/* Output (row of A a, column of B b: K codes each) with C's bits c. */
static uint32_t output_exact(const job *j, const uint8_t *a, const uint8_t *b, size_t K, uint32_t c)
{
    specials s = {0};
    wide w;
    int base = j->q_ab, top = j->top_a + j->top_b + (int)j->clog_k;
    if (j->has_c) base = base < -149 ? base : -149, top = top > 129 ? top : 129;
    wide_init(&w, base, top);
    for (size_t k = 0; k < K; k++) {
        const elem *x = &j->ta[a[k]], *y = &j->tb[b[k]];
        if (x->cls == MF_FINITE && y->cls == MF_FINITE)
            wide_add(&w, x->neg != y->neg, (uint64_t)x->m * y->m, x->e + y->e);
        else if (x->cls >= MF_INF || y->cls >= MF_INF)
            special(&s, x, y);
    }
    bool neg;
    uint32_t m;
    int e;
    if (j->has_c && c_term(j, c, &s, &neg, &m, &e)) wide_add(&w, neg, m, e);
    return resolve(&s, wide_f32(j, &w));
}

static uint32_t output_fixed(const job *j, const uint8_t *a, const uint8_t *b, size_t K, uint32_t c)
{
    const fpga_design *x = j->x;
    specials s = {0};
    wide w;
    int F = x->acc_frac, top = j->top_a + j->top_b + (int)j->clog_k;
    if (top < -F + (int)x->acc_bits) top = -F + (int)x->acc_bits;
    if (j->has_c && top < 129) top = 129;
    wide_init(&w, -F, top + 1);
    bool neg;
    uint32_t m;
    int e;
    if (j->has_c && c_term(j, c, &s, &neg, &m, &e)) wide_add_rounded(&w, neg, m, e, x->round);
    if (j->has_c && x->saturate) wide_norm(&w), wide_saturate(&w, x->acc_bits);
    for (size_t k0 = 0; k0 < K; k0 += j->simd) {
        size_t k1 = K - k0 < j->simd ? K : k0 + j->simd;
        for (size_t k = k0; k < k1; k++) {
            const elem *p = &j->ta[a[k]], *q = &j->tb[b[k]];
            if (p->cls == MF_FINITE && q->cls == MF_FINITE)
                wide_add_rounded(&w, p->neg != q->neg, (uint64_t)p->m * q->m, p->e + q->e, x->round);
            else if (p->cls >= MF_INF || q->cls >= MF_INF)
                special(&s, p, q);
        }
        if (x->saturate) wide_norm(&w), wide_saturate(&w, x->acc_bits);
    }
    wide_norm(&w);
    if (!x->saturate) wide_wrap(&w, x->acc_bits);
    return resolve(&s, wide_f32(j, &w));
}

static uint32_t output_float(const job *j, const uint8_t *a, const uint8_t *b, size_t K, uint32_t c)
{
    const fpga_design *x = j->x;
    specials s = {0};
    bool rneg = false, rinf = false;
    uint32_t rm = 0;
    int re = 0;
    if (j->has_c) { /* C enters the register rounded to its format */
        bool cneg;
        uint32_t cm;
        int ce;
        if (mf_decode_parts(&j->f32, c, &cneg, &cm, &ce) == MF_NAN) {
            s.nan = true;
        } else {
            mf_class k = mf_decode_parts(&x->accf, mf_encode_f32(&x->accf, c, &j->acc_opts, 0), &rneg, &rm, &re);
            if (k == MF_INF) rinf = true;
            if (k != MF_FINITE) rm = 0;
        }
    }
    for (size_t k0 = 0; k0 < K; k0 += j->simd) {
        size_t k1 = K - k0 < j->simd ? K : k0 + j->simd;
        int base = j->q_ab, top = j->top_a + j->top_b + (int)j->clog_k;
        if (rm && re < base) base = re;
        if (rm && re + 25 > top) top = re + 25;
        wide w;
        wide_init(&w, base, top);
        if (rm) wide_add(&w, rneg, rm, re);
        for (size_t k = k0; k < k1; k++) {
            const elem *p = &j->ta[a[k]], *q = &j->tb[b[k]];
            if (p->cls == MF_FINITE && q->cls == MF_FINITE)
                wide_add(&w, p->neg != q->neg, (uint64_t)p->m * q->m, p->e + q->e);
            else if (p->cls >= MF_INF || q->cls >= MF_INF)
                special(&s, p, q);
        }
        if (rinf) continue; /* an infinite register stays so */
        bool neg;
        uint64_t m;
        int e;
        wide_norm(&w);
        wide_parts(&w, &neg, &m, &e);
        uint32_t code = mf_encode_parts(&x->accf, neg && m, m, e, &j->acc_opts, 0);
        mf_class k = mf_decode_parts(&x->accf, code, &rneg, &rm, &re);
        if (k == MF_INF) rinf = true;
        if (k != MF_FINITE) rm = 0;
    }
    if (rinf) *(rneg ? &s.ninf : &s.pinf) = true;
    /* a register that rounded a tiny negative sum to zero holds -0 */
    return resolve(&s, rm ? mf_f32_from_parts(rneg, rm, re) : rneg ? 0x80000000u : 0);
}

/* ---- the operations ---------------------------------------------------------------------- */

static lp_status mma(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    const fpga_cfg *c = u->cfg;
    if (!c) return lp_diag_msg(d, LP_ERR_UNIT, "MMA on an fpga unit without its configuration");
    const fpga_design *x = &c->x;
    if (strcmp(op->fa.name, x->fa.name) || strcmp(op->fb.name, x->fw.name))
        return lp_diag_msg(d, LP_ERR_UNIT, "the fpga unit multiplies %s x %s (afmt x wfmt), not %s x %s", x->fa.name,
                           x->fw.name, op->fa.name, op->fb.name);
    size_t M = op->m, N = op->n, K = op->k;
    job *j = malloc(sizeof *j);
    uint8_t *a = malloc(M * K + 1), *bt = malloc(N * K + 1);
    lp_status st = LP_ERR_NOMEM;
    if (!j || !a || !bt) goto free_all;
    j->x = x;
    decode_all(&x->fa, j->ta, &j->top_a);
    decode_all(&x->fw, j->tb, &j->top_b);
    j->q_ab = (x->fa.kind == MF_KIND_FLOAT ? x->fa.emin - x->fa.mbits : 0) +
              (x->fw.kind == MF_KIND_FLOAT ? x->fw.emin - x->fw.mbits : 0);
    j->clog_k = 1;
    while ((UINT64_C(1) << j->clog_k) < 2 * (uint64_t)K) j->clog_k++;
    j->simd = c->simd;
    j->has_c = op->acc;
    mf_get(MF_FP32, &j->f32);
    j->rne = (mf_opts){MF_RNE, false, 0};
    j->acc_opts = (mf_opts){x->round, false, 0};
    const uint8_t *pa = mem_ptr(u->mem, &op->a), *pb = mem_ptr(u->mem, &op->b);
    uint8_t *pc = mem_ptr(u->mem, &op->c);
    for (size_t i = 0; i < M * K; i++) a[i] = pa[i] & (uint8_t)x->fa.mask;
    for (size_t k = 0; k < K; k++) /* B is k x n; each output reads a column: k contiguous */
        for (size_t n = 0; n < N; n++) bt[n * K + k] = pb[k * N + n] & (uint8_t)x->fw.mask;
    for (size_t i = 0; i < M; i++)
        for (size_t n = 0; n < N; n++) {
            uint32_t cb = mem_get_code(pc, i * N + n, 4), r;
            if (x->acc == FPGA_ACC_EXACT)
                r = output_exact(j, a + i * K, bt + n * K, K, cb);
            else if (x->acc == FPGA_ACC_FIXED)
                r = output_fixed(j, a + i * K, bt + n * K, K, cb);
            else
                r = output_float(j, a + i * K, bt + n * K, K, cb);
            mem_put_code(pc, i * N + n, 4, r);
        }
    st = LP_OK;
free_all:
    free(j), free(a), free(bt);
    return st ? lp_diag_msg(d, st, "MMA failed: %s", lp_status_text(st)) : LP_OK;
}

static lp_status mma_mx(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    (void)u, (void)op;
    return lp_diag_msg(d, LP_ERR_UNIT,
                       "an fpga unit multiplies plain elements; MMA_MX (OCP MX block scales) is not in "
                       "its datapath");
}

static const unit_body fpga_ops[UNIT_OP_COUNT] = {[UNIT_OP_MMA] = mma, [UNIT_OP_MMA_MX] = mma_mx};

const unit_faces fpga_faces = {fpga_ops, NULL, fpga_timing, fpga_energy_pj};
