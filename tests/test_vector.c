/*
** test_vector.c — what every vector-unit instruction computes, pinned bit for
** bit through `lpsim exec`, so that the pins hold across refactorings of the
** machine's internals. Each case is a kernel written to a temporary folder:
** inputs as inline .data, DMA into the scratchpad and the accumulator buffer,
** the instruction, the result stored to a buffer whose `.expect ... bitexact`
** holds the bits of a plain reference computed here: float32 C arithmetic
** (expf, 1.0f / sqrtf, 1.0f / x, in-order sums from +0.0f, max with the NaN
** rule), and for VCVT and MX a search over the narrow format's codes. Outputs
** carry one guard row that must come back untouched (nothing written past the
** tile). For every instruction one expected bit is also flipped and the run
** must exit 1 with a report line naming that element, so each check can fail.
** The rules of .expect (bitexact, maxulp N, relerr X) are pinned at their
** boundaries the same way. Inputs: special values, crafted rows, and values of
** lp_rng_u64 streams in seven magnitude ranges, in shapes that are not
** multiples of the vector unit's 32 lanes. Not here: MMA, PIM, timing.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_rng.h"
#include "lp_test.h"

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float f32_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- kernels -------------------------------------------------------------------- */

/* A kernel under construction: declarations, program and final stores. */
typedef struct kern {
    FILE *decl, *prog, *tail;
    char *dtext, *ptext, *ttext;
    size_t dlen, plen, tlen;
    int nbuf;
    char flip_line[96], flip_sum[64]; /* what the report must say when an expected bit is flipped */
} kern;

static void k_open(kern *k)
{
    memset(k, 0, sizeof *k);
    k->decl = open_memstream(&k->dtext, &k->dlen);
    k->prog = open_memstream(&k->ptext, &k->plen);
    k->tail = open_memstream(&k->ttext, &k->tlen);
    CU_ASSERT_FATAL(k->decl && k->prog && k->tail);
}

static int hex_digits(const char *fmt) { return !strcmp(fmt, "fp32") ? 8 : !strcmp(fmt, "bf16") ? 4 : 2; }

/* A .data or .expect directive (head) with n inline codes. */
static void k_codes(FILE *f, const char *head, const uint32_t *c, size_t n, int dig)
{
    fprintf(f, "%s\n", head);
    for (size_t i = 0; i < n; i++) fprintf(f, "%0*x%c", dig, (unsigned)c[i], i % 16 == 15 || i + 1 == n ? '\n' : ' ');
    fprintf(f, ".enddata\n");
}

/* Input buffer B<n>: rows x cols codes of fmt, loaded to addr ("spm:0x100"). */
static void k_in(kern *k, const char *addr, const char *fmt, int rows, int cols, const uint32_t *codes)
{
    char head[64];
    int b = k->nbuf++;
    fprintf(k->decl, ".buffer B%d, %s, %d, %d\n", b, fmt, rows, cols);
    snprintf(head, sizeof head, ".data B%d, inline", b);
    k_codes(k->decl, head, codes, (size_t)rows * (size_t)cols, hex_digits(fmt));
    fprintf(k->prog, "    DMA_LD %s, B%d[0, 0], %d, %d, %s\n", addr, b, rows, cols, fmt);
}

/* Output buffer B<n>: the rows x cols tile at addr, stored after the program
** and expected to hold want under rule. With guard, one more row of guard
** codes is loaded there first and must come back unchanged. flip >= 0: the
** low bit of expected element flip is flipped, so the run must fail on it. */
static void k_out(kern *k, const char *addr, const char *fmt, int rows, int cols, const uint32_t *want,
                  const char *rule, bool guard, int flip)
{
    int b = k->nbuf++, dig = hex_digits(fmt), r = rows + guard;
    size_t n = (size_t)r * (size_t)cols;
    uint32_t *w = malloc(sizeof *w * n), g = dig == 8 ? 0xdeadbeefu : dig == 4 ? 0xbeefu : 0x0du;
    char head[64];
    CU_ASSERT_FATAL(w != NULL);
    fprintf(k->decl, ".buffer B%d, %s, %d, %d\n", b, fmt, r, cols);
    for (size_t i = 0; i < n; i++) w[i] = g;
    if (guard) {
        snprintf(head, sizeof head, ".data B%d, inline", b);
        k_codes(k->decl, head, w, n, dig);
        fprintf(k->prog, "    DMA_LD %s, B%d[0, 0], %d, %d, %s\n", addr, b, r, cols, fmt);
    }
    memcpy(w, want, sizeof *w * (size_t)rows * (size_t)cols);
    if (flip >= 0) {
        w[flip] ^= 1;
        snprintf(k->flip_line, sizeof k->flip_line, "  B%d[%d, %d]: expected %0*x ", b, flip / cols, flip % cols, dig,
                 (unsigned)w[flip]);
        snprintf(k->flip_sum, sizeof k->flip_sum, "B%d: 1 of %zu elements differ", b, n);
    }
    snprintf(head, sizeof head, ".expect B%d, inline, %s", b, rule);
    k_codes(k->decl, head, w, n, dig);
    fprintf(k->tail, "    DMA_ST B%d[0, 0], %s, %d, %d, %s\n", b, addr, r, cols, fmt);
    free(w);
}

/* Write the kernel to a temporary folder and run `lpsim exec --arch edge-mx`
** on it; returns the exit status, the report in *out (malloc'd). */
static int k_run(kern *k, char **out)
{
    fputs("    HALT\n", k->tail);
    fclose(k->decl), fclose(k->prog), fclose(k->tail);
    char dir[] = "/tmp/lpt_vector_XXXXXX", path[64], cmd[128], *err;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/k.s", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(k->dtext, f), fputs(k->ptext, f), fputs(k->ttext, f);
    CU_ASSERT_FATAL(fclose(f) == 0);
    free(k->dtext), free(k->ptext), free(k->ttext);
    snprintf(cmd, sizeof cmd, "exec --arch edge-mx '%s'", path);
    int rc = lpt_run(cmd, "", 0, out, &err);
    if (rc != 0 && rc != 1) fprintf(stderr, "\n  lpsim exec: status %d: %.1000s", rc, err);
    free(err);
    unlink(path);
    rmdir(dir);
    return rc;
}

/* Length of the mismatch lines at the start of an exec report (the figures after them are noise here). */
static int report_len(const char *out)
{
    const char *end = strstr(out, "lpsim exec:");
    return end ? (int)(end - out) : (int)strlen(out);
}

/* Every expectation holds (status 0); or, with a flipped expected bit, status
** 1 and a report naming exactly that element. */
static void k_check(kern *k, const char *what)
{
    char *out;
    bool flipped = k->flip_line[0] != 0;
    int rc = k_run(k, &out);
    bool ok = flipped ? rc == 1 && strstr(out, k->flip_line) && strstr(out, k->flip_sum) : rc == 0;
    if (!ok)
        fprintf(stderr, "\n  %s%s: status %d, report:\n%.*s", what, flipped ? " (one expected bit flipped)" : "", rc,
                report_len(out), out);
    CU_ASSERT(ok);
    free(out);
}

/* ---- inputs --------------------------------------------------------------------- */

/* Special values; one NaN only, so that no operation meets two different NaNs
** (which one IEEE 754 propagates is not specified). */
static const uint32_t SPECIALS[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc0beef, /* +-0, +-inf, quiet NaN with a payload */
    0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, /* subnormals, smallest normal, +-max */
    0x3f800000, 0xbf800000, 0x40490fdb, 0xc0490fdb, 0x3effffff, /* +-1, +-pi, just below 0.5 */
    0x42b17217, 0x42b17218, 0xc2aeac50, 0xc2ce8ed0, /* exp: largest finite, overflow, ~min normal, subnormal */
    0x5f800000, 0x1f800000, 0xb3800000,             /* 2^64, 2^-64 (squares overflow, underflow), -2^-24 */
};
#define NSPEC (int)(sizeof SPECIALS / sizeof SPECIALS[0])
#define NEG_NAN 0xffc0deadu /* a second NaN (negative, another payload), never met with the first */

/* Exponent ranges of the random values: subnormals, small, around 1, where
** exp overflows and underflows, large, near the top, everything. */
static const int CLASS_LO[] = {-149, -60, -4, 5, 20, 100, -149}, CLASS_HI[] = {-127, -20, 4, 6, 60, 127, 127};
#define NCLASS 7

/* Value i of stream seed: random sign and fraction, exponent in range cls. */
static uint32_t rnd_bits(uint64_t seed, uint64_t i, int cls)
{
    uint64_t u = lp_rng_u64(seed, i);
    int e = CLASS_LO[cls] + (int)(u % (uint64_t)(CLASS_HI[cls] - CLASS_LO[cls] + 1)), field = e < -126 ? 0 : e + 127;
    return (uint32_t)(u >> 63) << 31 | (uint32_t)field << 23 | ((uint32_t)(u >> 20) & 0x7fffffu);
}

/* ---- elementwise and row instructions -------------------------------------------- */

enum shape { SH_BIN, SH_BCAST, SH_UN, SH_IMM, SH_FILL, SH_ROW };

static float ref_add(float x, float y) { return x + y; }
static float ref_sub(float x, float y) { return x - y; }
static float ref_mul(float x, float y) { return x * y; }
/* the machine's max: the quiet NaN 0x7fc00000 if either is NaN, else the larger (y on ties) */
static float ref_max(float x, float y) { return isnan(x) || isnan(y) ? f32_of(0x7fc00000u) : x > y ? x : y; }
static float ref_exp(float x, float y) { return (void)y, expf(x); }
static float ref_rsqrt(float x, float y) { return (void)y, 1.0f / sqrtf(x); }
static float ref_rcp(float x, float y) { return (void)y, 1.0f / x; }
static float ref_fill(float x, float y) { return (void)x, y; }

/* Row maximum from -inf; the first NaN met is the result. */
static float ref_rmax(const uint32_t *x, int n)
{
    float m = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (isnan(f32_of(x[i]))) return f32_of(x[i]);
        if (f32_of(x[i]) > m) m = f32_of(x[i]);
    }
    return m;
}

/* Row sum in order from +0.0f. */
static float ref_rsum(const uint32_t *x, int n)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += f32_of(x[i]);
    return s;
}

static const struct vop {
    const char *mn;
    enum shape sh;
    float (*f)(float, float);
    float (*row)(const uint32_t *, int);
} OPS[] = {
    {"VADD", SH_BIN, ref_add, NULL},    {"VSUB", SH_BIN, ref_sub, NULL},   {"VMUL", SH_BIN, ref_mul, NULL},
    {"VMAX", SH_BIN, ref_max, NULL},    {"VEXP", SH_UN, ref_exp, NULL},    {"VRSQRT", SH_UN, ref_rsqrt, NULL},
    {"VRCP", SH_UN, ref_rcp, NULL},     {"VSCALE", SH_IMM, ref_mul, NULL}, {"VFILL", SH_FILL, ref_fill, NULL},
    {"VRMAX", SH_ROW, NULL, ref_rmax},  {"VRSUM", SH_ROW, NULL, ref_rsum}, {"VBSUB", SH_BCAST, ref_sub, NULL},
    {"VBMUL", SH_BCAST, ref_mul, NULL},
};

static const struct vop *op_named(const char *mn)
{
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
        if (!strcmp(OPS[i].mn, mn)) return &OPS[i];
    CU_FAIL_FATAL("unknown vector op");
    return NULL;
}

/* The instruction mn on x (R x C at spm:0) and y (R x C, or R x 1 for the
** broadcasts, at acc:0) or the immediate imm, checked bit for bit against the
** reference; flip as for k_out. */
static void run_op(const char *mn, int R, int C, const uint32_t *x, const uint32_t *y, uint32_t imm, int flip)
{
    const struct vop *op = op_named(mn);
    int oc = op->sh == SH_ROW ? 1 : C;
    uint32_t *want = malloc(sizeof *want * (size_t)R * (size_t)C);
    CU_ASSERT_FATAL(want != NULL);
    for (int r = 0; r < R; r++)
        for (int c = 0; c < oc; c++) {
            size_t i = (size_t)r * (size_t)C + (size_t)c;
            float a = x ? f32_of(x[i]) : 0, b = f32_of(op->sh == SH_BIN ? y[i] : op->sh == SH_BCAST ? y[r] : imm);
            want[(size_t)r * (size_t)oc + (size_t)c] = bits_of(op->sh == SH_ROW ? op->row(x + i, C) : op->f(a, b));
        }
    kern k;
    k_open(&k);
    if (op->sh != SH_FILL) k_in(&k, "spm:0", "fp32", R, C, x);
    if (op->sh == SH_BIN || op->sh == SH_BCAST) k_in(&k, "acc:0", "fp32", R, op->sh == SH_BIN ? C : 1, y);
    const char *dst = op->sh == SH_UN || op->sh == SH_IMM || op->sh == SH_FILL ? "acc:0x8000" : "spm:0x40000";
    k_out(&k, dst, "fp32", R, oc, want, "bitexact", true, flip);
    fprintf(k.prog, "    %s %s%s%s, %d, %d", mn, dst, op->sh == SH_FILL ? "" : ", spm:0",
            op->sh == SH_BIN || op->sh == SH_BCAST ? ", acc:0" : "", R, C);
    if (op->sh == SH_IMM || op->sh == SH_FILL) {
        if (isnan(f32_of(imm)))
            fprintf(k.prog, ", nan:0x%08x", (unsigned)imm);
        else
            fprintf(k.prog, ", %.9g", (double)f32_of(imm));
    }
    fprintf(k.prog, "\n");
    char what[96];
    snprintf(what, sizeof what, "%s %d x %d, immediate %08x", mn, R, C, (unsigned)imm);
    k_check(&k, what);
    free(want);
}

/* Special values: every pair (x by column, y by row) for two operands, all
** of them and their negations for one; then the same with one bit flipped. */
static void check_specials(const char *mn)
{
    enum { N = NSPEC };
    uint32_t x[N * N], y[N * N];
    const struct vop *op = op_named(mn);
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++) x[r * N + c] = SPECIALS[c], y[r * N + c] = SPECIALS[op->sh == SH_BCAST ? c : r];
    for (int c = 0; c < N && op->sh == SH_UN; c++) x[N + c] ^= 0x80000000u; /* row 1 negated: -NaN too */
    int rows = op->sh == SH_UN ? 2 : N;
    run_op(mn, rows, N, x, y, 0, -1);
    run_op(mn, rows, N, x, y, 0, N - 3);
}

/* Seeded random values in every magnitude range, in two shapes that are not
** multiples of the 32 lanes. */
static void check_random(const char *mn, uint64_t seed)
{
    static const int shapes[][2] = {{14, 45}, {33, 1}};
    uint32_t x[14 * 45], y[14 * 45];
    for (int s = 0; s < 2; s++) {
        int R = shapes[s][0], C = shapes[s][1];
        for (int i = 0; i < R * C; i++) {
            x[i] = rnd_bits(seed, (uint64_t)i, (i / C) % NCLASS);
            y[i] = rnd_bits(seed + 1, (uint64_t)i, (int)(lp_rng_u64(seed + 2, (uint64_t)i) % NCLASS));
        }
        run_op(mn, R, C, x, y, 0, -1);
    }
}

static void test_vadd(void) { check_specials("VADD"), check_random("VADD", 1); }
static void test_vsub(void) { check_specials("VSUB"), check_random("VSUB", 2); }
static void test_vmul(void) { check_specials("VMUL"), check_random("VMUL", 3); }
static void test_vmax(void) { check_specials("VMAX"), check_random("VMAX", 4); }
static void test_vexp(void) { check_specials("VEXP"), check_random("VEXP", 5); }
static void test_vrsqrt(void) { check_specials("VRSQRT"), check_random("VRSQRT", 6); }
static void test_vrcp(void) { check_specials("VRCP"), check_random("VRCP", 7); }
static void test_vbsub(void) { check_specials("VBSUB"), check_random("VBSUB", 8); }
static void test_vbmul(void) { check_specials("VBMUL"), check_random("VBMUL", 9); }

/* Immediates of every kind: they must reach the unit as written. */
static const uint32_t IMMEDIATES[] = {0x3e000000, 0xc0600000, 0x00000001, 0x80000000, 0x7f800000, 0xff800000,
                                      0x7fc0beef, 0x7f7fffff, 0x3e99999a, 0x80800000, 0x4b800001};
#define NIMM (int)(sizeof IMMEDIATES / sizeof IMMEDIATES[0])

static void test_vscale_immediates(void)
{
    enum { R = 3, C = NSPEC };
    uint32_t x[R * C];
    for (int i = 0; i < R * C; i++) x[i] = i < C ? SPECIALS[i] : rnd_bits(10, (uint64_t)i, i % NCLASS);
    for (int k = 0; k < NIMM; k++) run_op("VSCALE", R, C, x, NULL, IMMEDIATES[k], -1);
    run_op("VSCALE", R, C, x, NULL, IMMEDIATES[0], 5);
}

static void test_vfill_immediates_and_odd_shapes(void)
{
    static const int shapes[][2] = {{1, 1}, {5, 33}, {3, 37}, {2, 64}, {1, 31}};
    for (int k = 0; k < NIMM; k++) run_op("VFILL", shapes[k % 5][0], shapes[k % 5][1], NULL, NULL, IMMEDIATES[k], -1);
    run_op("VFILL", 3, 37, NULL, NULL, IMMEDIATES[1], 40);
}

/* Rows for the reductions (C >= 12): negative random values with crafted
** changes; returns the number of rows. */
static int crafted_rows(uint32_t *x, int C)
{
    enum { NR = 17 };
    const uint32_t nan = SPECIALS[4], max = 0x7f7fffff;
    for (int i = 0; i < NR * C; i++) x[i] = rnd_bits(11, (uint64_t)i, i % NCLASS) | 0x80000000u;
    uint32_t *row[NR];
    for (int r = 0; r < NR; r++) row[r] = x + r * C;
    /* row 0: all negative, every magnitude */
    for (int c = 0; c < C; c++) row[1][c] = 0xff800000; /* all -inf */
    row[2][0] = nan;                                    /* NaN first, middle among positives, last */
    for (int c = 0; c < C; c += 2) row[3][c] &= 0x7fffffffu;
    row[3][C / 2] = nan;
    row[4][C - 1] = nan;
    row[5][7] = 0x7f800000; /* +inf; then +inf and -inf */
    row[6][3] = 0x7f800000, row[6][9] = 0xff800000;
    for (int c = 0; c < C; c++) row[7][c] = row[8][c] = row[9][c] = 0x80000000; /* -0s, and a +0 among them */
    row[8][1] = 0, row[9][0] = 0;
    for (int c = 0; c < C; c++) row[10][c] = row[11][c] = row[13][c] = 0;
    static const uint32_t order[4] = {0x4cbebc20, 0x3f800000, 0xccbebc20,
                                      0x3f800000}; /* 1e8 1 -1e8 1: sum 1, 0 reversed */
    memcpy(row[10], order, sizeof order);
    row[11][0] = row[11][1] = max; /* sum overflows */
    row[13][0] = row[13][1] = max | 0x80000000u;
    for (int c = 0; c < C; c++) row[12][c] = rnd_bits(12, (uint64_t)c, 0) & 0x7fffffffu; /* positive subnormals */
    row[14][5] = NEG_NAN;
    for (int c = 0; c < C; c++) row[15][c] = rnd_bits(13, (uint64_t)c, 0) | 0x80000000u; /* negative subnormals */
    for (int c = 0; c < C; c++) row[16][c] = rnd_bits(14, (uint64_t)c, c % NCLASS);      /* mixed signs and sizes */
    return NR;
}

static void test_vrmax_crafted_rows(void)
{
    uint32_t x[17 * 37];
    int R = crafted_rows(x, 37);
    run_op("VRMAX", R, 37, x, NULL, 0, -1);
    run_op("VRMAX", R, 37, x, NULL, 0, 3);
}

static void test_vrsum_crafted_rows(void)
{
    uint32_t x[17 * 37];
    int R = crafted_rows(x, 37);
    run_op("VRSUM", R, 37, x, NULL, 0, -1);
    run_op("VRSUM", R, 37, x, NULL, 0, 10);
}

/* Rows entirely negative, of every magnitude down to subnormals and -inf: the
** maximum is the least negative element, never 0. */
static void test_vrmax_all_negative_row_is_not_zero(void)
{
    enum { R = NCLASS + 1, C = 70 };
    uint32_t x[R * C];
    for (int i = 0; i < R * C; i++) x[i] = rnd_bits(15, (uint64_t)i, (i / C) % NCLASS) | 0x80000000u;
    for (int c = 0; c < C; c++) x[NCLASS * C + c] = c % 3 ? 0xff800000u : 0xff7fffffu;
    run_op("VRMAX", R, C, x, NULL, 0, -1);
    for (int r = 0; r < R; r++) CU_ASSERT(ref_rmax(x + r * C, C) < 0); /* the reference itself */
}

/* Odd shapes, from one element to rows of 100. */
static void test_vrmax_vrsum_random_odd_shapes(void)
{
    static const int shapes[][2] = {{1, 1}, {33, 1}, {1, 33}, {7, 100}, {31, 65}};
    uint32_t *x = malloc(sizeof *x * 31 * 65);
    CU_ASSERT_FATAL(x != NULL);
    for (int s = 0; s < 5; s++) {
        int R = shapes[s][0], C = shapes[s][1];
        for (int i = 0; i < R * C; i++) x[i] = rnd_bits(16 + (uint64_t)s, (uint64_t)i, (i / C + i) % NCLASS);
        run_op("VRMAX", R, C, x, NULL, 0, -1);
        run_op("VRSUM", R, C, x, NULL, 0, -1);
    }
    free(x);
}

/* Flash attention's pattern: VBSUB, VEXP and VBMUL writing over their source
** in the accumulator buffer, the row vector in the scratchpad. */
static void test_vbsub_vbmul_in_place_like_flash_attention(void)
{
    enum { R = 9, C = 35 };
    uint32_t x[R * C], v[R], u[R], want[R * C];
    for (int r = 0; r < R; r++) v[r] = rnd_bits(20, (uint64_t)r, 2), u[r] = rnd_bits(21, (uint64_t)r, 2);
    for (int i = 0; i < R * C; i++) {
        x[i] = rnd_bits(22, (uint64_t)i, 2);
        want[i] = bits_of(expf(f32_of(x[i]) - f32_of(v[i / C])) * f32_of(u[i / C]));
    }
    kern k;
    k_open(&k);
    k_in(&k, "acc:0x1000", "fp32", R, C, x);
    k_in(&k, "spm:0x100", "fp32", R, 1, v);
    k_in(&k, "spm:0x200", "fp32", R, 1, u);
    k_out(&k, "acc:0x1000", "fp32", R, C, want, "bitexact", false, -1);
    fprintf(k.prog,
            "    VBSUB acc:0x1000, acc:0x1000, spm:0x100, %d, %d\n    VEXP acc:0x1000, acc:0x1000, %d, %d\n"
            "    VBMUL acc:0x1000, acc:0x1000, spm:0x200, %d, %d\n",
            R, C, R, C, R, C);
    k_check(&k, "VBSUB, VEXP, VBMUL in place");
}

/* ---- VCVT and MX: narrow formats ------------------------------------------------- */

/* A narrow float format: exponent and fraction bits, bias, and its special
** values: 'i' IEEE (inf, NaN), 'n' NaN at the all-ones magnitude and no inf,
** 'f' every code finite. */
typedef struct mini {
    const char *name;
    int e, m, bias;
    char kind;
} mini;
static const mini BF16 = {"bf16", 8, 7, 127, 'i'}, E4M3 = {"fp8_e4m3fn", 4, 3, 7, 'n'},
                  E5M2 = {"fp8_e5m2", 5, 2, 15, 'i'}, E2M1 = {"fp4_e2m1fn", 2, 1, 1, 'f'};

static uint32_t mini_sign(const mini *f) { return 1u << (f->e + f->m); }

/* Largest finite magnitude code. */
static uint32_t mini_max(const mini *f)
{
    uint32_t ones = mini_sign(f) - 1;
    return f->kind == 'i' ? ones - (1u << f->m) : f->kind == 'n' ? ones - 1 : ones;
}

/* Value of magnitude code c; for max + 1, the next value the exponent would give. */
static double mini_val(const mini *f, uint32_t c)
{
    int ex = (int)(c >> f->m);
    uint32_t fr = c & ((1u << f->m) - 1);
    return ex ? ldexp((double)((1u << f->m) | fr), ex - f->bias - f->m) : ldexp((double)fr, 1 - f->bias - f->m);
}

/* Code of x: nearest-even 'e', toward zero 'z', half away 'a', or stochastic
** 's' (up when u < the fraction of the step times 2^64); found by bisection
** over the magnitude codes. Overflow gives inf, or NaN without inf, or max
** (toward zero, sat, finite formats); a NaN gives the quiet NaN with its sign
** (finite formats: the -0 code with the sign flipped, as ml_dtypes). */
static uint32_t mini_enc(const mini *f, double x, char r, uint64_t u, bool sat)
{
    uint32_t sign = signbit(x) ? mini_sign(f) : 0, max = mini_max(f), lo = 0, hi = max;
    bool clamp = sat || f->kind == 'f';
    if (isnan(x))
        return f->kind == 'f' ? sign ^ mini_sign(f) : sign | (max + 1 + (f->kind == 'i' ? 1u << (f->m - 1) : 0));
    if (isinf(x)) return sign | (clamp ? max : max + 1);
    double a = fabs(x);
    while (lo < hi) {
        uint32_t mid = (lo + hi + 1) / 2;
        if (mini_val(f, mid) <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    double v0 = mini_val(f, lo), v1 = mini_val(f, lo + 1), half = (v0 + v1) / 2;
    bool up;
    if (a == v0 || r == 'z')
        up = false;
    else if (a >= v1)
        up = true;
    else if (r == 'e')
        up = a > half || (a == half && (lo & 1));
    else if (r == 'a')
        up = a >= half;
    else
        up = u < (uint64_t)ldexp((a - v0) / (v1 - v0), 64);
    uint32_t mag = lo + up;
    if (mag > max) mag = clamp ? max : max + 1;
    return sign | mag;
}

/* Float32 bits of code c (8-bit NaNs decode to the quiet NaN, bf16 keeps its payload). */
static uint32_t mini_dec(const mini *f, uint32_t c)
{
    uint32_t mag = c & (mini_sign(f) - 1), s = c & mini_sign(f) ? 0x80000000u : 0;
    if (mag > mini_max(f)) {
        if (f->kind == 'i' && mag == mini_max(f) + 1) return s | 0x7f800000u;
        return f->e + f->m == 15 ? c << 16 : s | 0x7fc00000u;
    }
    return s | (bits_of((float)mini_val(f, mag)) & 0x7fffffffu);
}

/* float32 inputs for VCVT: rounding edges of the formats, specials, random. */
static const uint32_t CVT_EDGES[] = {
    0x3f808000, 0x3f818000, 0x3f808001, 0x7f7f8000, 0x7f7f7fff, 0x00008000, /* bf16 ties, overflow tie, subnormal */
    0x43e80000, 0x43e80001, 0x43f00000, 0x3a800000, 0x3b400000, 0x3b000000, /* e4m3: 464 480, 2^-10 3*2^-10 2^-9 */
    0x47700000, 0x476fffff, 0x47800000, 0x37000000, 0x37c00000,             /* e5m2: 61440 65536, 2^-17 3*2^-17 */
    0x40c00000, 0x40e00000, 0x3e800000, 0x3f400000, 0x40200000, 0xc0a00000, /* e2m1: 6 7 0.25 0.75 2.5 -5 */
    NEG_NAN,
};

static void test_vcvt_fp32_to_bf16_fp8_fp4_in_every_rounding_mode(void)
{
    static const mini *const fmts[] = {&BF16, &E4M3, &E5M2, &E2M1};
    static const char modes[] = "ezas", *const mode_names[] = {"nearest-even", "toward-zero", "half-away",
                                                               "stochastic"};
    enum { R = 6, C = 47, NE = sizeof CVT_EDGES / sizeof CVT_EDGES[0] };
    uint32_t x[R * C], want[R * C];
    /* random magnitudes 2^-30..2^20: at most 64 bits below each format's step, all compared with random bits */
    for (int i = 0; i < R * C; i++)
        x[i] = i < NSPEC ? SPECIALS[i] : i < NSPEC + NE ? CVT_EDGES[i - NSPEC] : rnd_bits(30, (uint64_t)i, 2 + i % 2);
    for (int i = NSPEC + NE; i < R * C; i += 2) x[i] = (x[i] & 0x807fffffu) | (uint32_t)(97 + i % 50) << 23;
    for (int pass = 0; pass < 2; pass++) {
        kern k;
        k_open(&k);
        k_in(&k, "spm:0", "fp32", R, C, x);
        k_in(&k, "spm:0x8000", "fp32", R, C, x);
        for (int f = 0; f < 4; f++)
            for (int m = 0; m < 4; m++) {
                char addr[32];
                snprintf(addr, sizeof addr, "spm:0x%x", 0x10000 + (f * 4 + m) * 0x1000);
                for (int i = 0; i < R * C; i++)
                    want[i] = mini_enc(fmts[f], f32_of(x[i]), modes[m], lp_rng_u64(0, (uint64_t)i), false);
                k_out(&k, addr, fmts[f]->name, R, C, want, "bitexact", true, pass && f == 1 && m == 0 ? 7 : -1);
                fprintf(k.prog, "    VCVT %s, spm:0, %d, %d, %s, fp32, %s\n", addr, R, C, fmts[f]->name, mode_names[m]);
            }
        /* in place: bf16 codes over their float32 source, and float32 over a bf16 source (widening) */
        uint32_t codes[R * C];
        for (int i = 0; i < R * C; i++) codes[i] = mini_enc(&BF16, f32_of(x[i]), 'e', 0, false);
        k_out(&k, "spm:0x8000", "bf16", R, C, codes, "bitexact", false, -1);
        fprintf(k.prog, "    VCVT spm:0x8000, spm:0x8000, %d, %d, bf16, fp32, nearest-even\n", R, C);
        for (int i = 0; i < R * C; i++) want[i] = mini_dec(&BF16, codes[i]);
        k_in(&k, "spm:0xa000", "bf16", R, C, codes);
        k_out(&k, "spm:0xa000", "fp32", R, C, want, "bitexact", false, -1);
        fprintf(k.prog, "    VCVT spm:0xa000, spm:0xa000, %d, %d, fp32, bf16, nearest-even\n", R, C);
        k_check(&k, "VCVT fp32 to narrow formats");
    }
}

/* Every code of bf16 (65536), fp8_e4m3fn, fp8_e5m2 and fp4_e2m1fn to float32,
** and every bf16 code to fp8_e4m3fn: a narrow-to-narrow conversion. */
static void test_vcvt_every_narrow_code_to_fp32_and_bf16_to_fp8(void)
{
    static const mini *const fmts[] = {&E4M3, &E5M2, &E2M1};
    uint32_t *x = malloc(sizeof *x * 65536), *want = malloc(sizeof *want * 65536);
    CU_ASSERT_FATAL(x && want);
    for (int pass = 0; pass < 2; pass++) {
        kern k;
        k_open(&k);
        for (uint32_t c = 0; c < 65536; c++) x[c] = c, want[c] = mini_dec(&BF16, c);
        k_in(&k, "spm:0", "bf16", 256, 256, x);
        k_out(&k, "spm:0x20000", "fp32", 256, 256, want, "bitexact", true, pass ? 0x7fc1 : -1);
        fprintf(k.prog, "    VCVT spm:0x20000, spm:0, 256, 256, fp32, bf16, nearest-even\n");
        for (uint32_t c = 0; c < 65536; c++) want[c] = mini_enc(&E4M3, f32_of(mini_dec(&BF16, c)), 'e', 0, false);
        k_out(&k, "spm:0x61000", "fp8_e4m3fn", 256, 256, want, "bitexact", false, -1);
        fprintf(k.prog, "    VCVT spm:0x61000, spm:0, 256, 256, fp8_e4m3fn, bf16, nearest-even\n");
        for (int f = 0; f < 3; f++) {
            int n = (int)mini_sign(fmts[f]) * 2, C = n == 16 ? 4 : 16;
            char a[32];
            for (int c = 0; c < n; c++) x[c] = (uint32_t)c, want[c] = mini_dec(fmts[f], (uint32_t)c);
            snprintf(a, sizeof a, "acc:0x%x", f * 0x2000);
            k_in(&k, a, fmts[f]->name, n / C, C, x);
            snprintf(a, sizeof a, "acc:0x%x", 0x8000 + f * 0x2000);
            k_out(&k, a, "fp32", n / C, C, want, "bitexact", true, -1);
            fprintf(k.prog, "    VCVT %s, acc:0x%x, %d, %d, fp32, %s, nearest-even\n", a, f * 0x2000, n / C, C,
                    fmts[f]->name);
        }
        k_check(&k, "VCVT narrow codes to fp32");
    }
    free(x), free(want);
}

/* MX quantisation of n values (blocks of 32): E8M0 scales from the float32
** exponent field of the block maximum less the element's emax, clamped to
** [-127, 127]; elements x / 2^X rounded on the element grid, saturating; a
** zero result is the +0 code; inf or NaN in a block: scale 0xff and every
** dequantised value 0xffffffff (codes unspecified, not compared). */
static void ref_mx(const mini *f, int emax, const uint32_t *x, int n, char r, uint32_t *codes, uint32_t *scales,
                   uint32_t *deq)
{
    for (int b = 0; b < n / 32; b++) {
        uint32_t amax = 0;
        for (int i = b * 32; i < b * 32 + 32; i++) amax = (x[i] & 0x7fffffffu) > amax ? x[i] & 0x7fffffffu : amax;
        int X = (int)(amax >> 23) - 127 - emax;
        X = X < -127 ? -127 : X > 127 ? 127 : X;
        scales[b] = amax >= 0x7f800000u ? 0xff : (uint32_t)(X + 127);
        for (int i = b * 32; i < b * 32 + 32; i++) {
            uint32_t c = mini_enc(f, ldexp((double)f32_of(x[i]), -X), r, 0, true), mag = c & (mini_sign(f) - 1);
            codes[i] = mag ? c : 0;
            double v = ldexp(c & mini_sign(f) ? -mini_val(f, mag) : mini_val(f, mag), X);
            deq[i] = amax >= 0x7f800000u ? 0xffffffffu : mag ? bits_of((float)v) : 0;
        }
    }
}

/* MXQ then MXDQ for fp8_e4m3 and fp4_e2m1 elements, to even and half away:
** codes, scales and the dequantised tile; the last row holds inf and NaN blocks. */
static void test_mxq_mxdq_round_trip(void)
{
    static const struct {
        const mini *f;
        const char *mx;
        int emax;
    } elems[] = {{&E4M3, "fp8_e4m3", 8}, {&E2M1, "fp4_e2m1", 2}};
    static const float ties[] = {6, 0.25f, 0.75f, 1.25f, 2.5f, 5, -0.25f, -2.5f, -5, 6.5f, -7.9f, 0.125f, -0.0f, 3};
    enum { R = 4, C = 96, N = R * C };
    uint32_t x[N], codes[N], scales[N / 32], deq[N];
    for (int i = 0; i < N; i++) x[i] = rnd_bits(40, (uint64_t)i, (i / 32) % NCLASS); /* a range per block */
    for (int i = 0; i < 14; i++) x[32 + i] = bits_of(ties[i]);                       /* grid ties, block max 6.5 */
    for (int i = 64; i < 96; i++) x[i] = i % 3 ? 0x80000000u : 0;                    /* zeros */
    x[97] = 0x7f7fffff;                                                              /* float32's max */
    x[9 * 32 + 3] = 0x7f800000, x[10 * 32 + 30] = SPECIALS[4];                       /* inf, NaN blocks */
    for (int e = 0; e < 2; e++)
        for (int m = 0; m < 2; m++) {
            kern k;
            k_open(&k);
            ref_mx(elems[e].f, elems[e].emax, x, N, m ? 'a' : 'e', codes, scales, deq);
            k_in(&k, "acc:0", "fp32", R, C, x);
            k_out(&k, "spm:0x1000", elems[e].f->name, R - 1, C, codes, "bitexact", false, -1);
            k_out(&k, "spm:0x2000", "e8m0fnu", R, C / 32, scales, "bitexact", true, -1);
            k_out(&k, "spm:0x3000", "fp32", R, C, deq, "bitexact", true, e == 1 && m == 0 ? 40 : -1);
            fprintf(k.prog, "    MXQ spm:0x1000, spm:0x2000, acc:0, %d, %d, %s, %s\n", R, C, elems[e].mx,
                    m ? "half-away" : "nearest-even");
            fprintf(k.prog, "    MXDQ spm:0x3000, spm:0x1000, spm:0x2000, %d, %d, %s\n", R, C, elems[e].mx);
            k_check(&k, elems[e].mx);
        }
}

/* ---- the rules of .expect --------------------------------------------------------- */

/* A kernel that stores got (1 x n of fmt) into a buffer expected to hold want
** under rule: passes (bad < 0), or fails naming element bad alone, ulps apart
** in the report when ulps >= 0. */
static void expect_rule(const char *fmt, int n, const uint32_t *got, const uint32_t *want, const char *rule, int bad,
                        int ulps)
{
    kern k;
    char *out, line[96], sum[64];
    k_open(&k);
    k_in(&k, "spm:0", fmt, 1, n, got);
    k_out(&k, "spm:0", fmt, 1, n, want, rule, false, -1);
    int rc = k_run(&k, &out);
    bool ok = rc == 0;
    if (bad >= 0) {
        snprintf(line, sizeof line, "  B1[0, %d]: expected %0*x ", bad, hex_digits(fmt), (unsigned)want[bad]);
        snprintf(sum, sizeof sum, "B1: 1 of %d elements differ (%.*s", n, (int)strcspn(rule, " "), rule);
        ok = rc == 1 && strstr(out, line) && strstr(out, sum);
        snprintf(line, sizeof line, ", %d ulp apart\n", ulps);
        ok = ok && (ulps < 0 || strstr(out, line));
    }
    if (!ok)
        fprintf(stderr, "\n  %s %s, element %d: status %d, report:\n%.*s", fmt, rule, bad, rc, report_len(out), out);
    CU_ASSERT(ok);
    free(out);
}

/* fp32, bf16 and fp8_e4m3fn: sign bit, 1.0 and the largest finite code. */
static const struct {
    const char *fmt;
    uint32_t sign, one, max;
} RULE_FMTS[] = {{"fp32", 0x80000000u, 0x3f800000u, 0x7f7fffffu},
                 {"bf16", 0x8000, 0x3f80, 0x7f7f},
                 {"fp8_e4m3fn", 0x80, 0x38, 0x7e}};

/* Codes in the order of their values: sign-magnitude, -0 and +0 both 0. */
static int64_t ord(uint32_t c, uint32_t sign) { return c & sign ? -(int64_t)(c & ~sign) : (int64_t)c; }
static uint32_t unord(int64_t o, uint32_t sign) { return o < 0 ? sign | (uint32_t)-o : (uint32_t)o; }

static void test_bitexact_fails_on_one_ulp_a_zero_sign_or_a_nan_payload(void)
{
    for (int f = 0; f < 3; f++) {
        uint32_t s = RULE_FMTS[f].sign, nan = s == 0x80 ? 0x7f : s == 0x8000 ? 0x7fc1 : 0x7fc0beef;
        uint32_t want[4] = {RULE_FMTS[f].one, s | RULE_FMTS[f].one, s, nan}, got[4];
        expect_rule(RULE_FMTS[f].fmt, 4, want, want, "bitexact", -1, -1);
        for (int j = 0; j < 4; j++) { /* one code up, magnitude one code down, +0 for -0, another NaN */
            memcpy(got, want, sizeof got);
            got[j] = j == 0 ? want[j] + 1 : j == 1 ? want[j] - 1 : j == 2 ? 0 : want[j] ^ (s == 0x80 ? s : 1);
            expect_rule(RULE_FMTS[f].fmt, 4, got, want, "bitexact", j, j < 2 ? 1 : j == 2 ? 0 : -1);
        }
    }
}

/* maxulp N: pairs exactly N apart pass (around 1, around -1, across zero, at
** the largest finite value); each moved one further fails, N + 1 apart. */
static void test_maxulp_passes_at_n_and_fails_at_n_plus_1(void)
{
    static const int ns[] = {0, 1, 3};
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            uint32_t s = RULE_FMTS[f].sign, one = RULE_FMTS[f].one, max = RULE_FMTS[f].max, want[4], got[4];
            int n = ns[t], k = (n + 1) / 2;
            char rule[32];
            snprintf(rule, sizeof rule, "maxulp %d", n);
            want[0] = one, got[0] = one + (uint32_t)n;
            want[1] = s | one, got[1] = unord(ord(s | one, s) - n, s);
            want[2] = k ? unord(-k, s) : s, got[2] = unord(n - k, s); /* -0 against +0 when N = 0 */
            want[3] = max, got[3] = max - (uint32_t)n;
            expect_rule(RULE_FMTS[f].fmt, 4, got, want, rule, -1, -1);
            for (int j = 0; j < 4; j++) {
                static const int away[4] = {1, -1, 1, -1};
                uint32_t moved[4];
                memcpy(moved, got, sizeof moved);
                moved[j] = unord(ord(got[j], s) + away[j], s);
                expect_rule(RULE_FMTS[f].fmt, 4, moved, want, rule, j, n + 1);
            }
        }
}

/* Under maxulp a NaN matches any NaN and nothing else, however many ulps. */
static void test_maxulp_nan_matches_only_nan(void)
{
    uint32_t want[3] = {0x7fc00000, 0x3f800000, 0x7f7fffff}, got[3] = {0xffc0beef, 0x3f800000, 0x7f7fffff};
    expect_rule("fp32", 3, got, want, "maxulp 0", -1, -1);
    got[0] = 0x7f800000; /* inf for NaN: 0x400000 ulps in the code order */
    expect_rule("fp32", 3, got, want, "maxulp 100000000", 0, -1);
    got[0] = 0x7fc00000, got[2] = 0x7fc00000;
    expect_rule("fp32", 3, got, want, "maxulp 100000000", 2, -1);
    uint32_t w8[2] = {0x7f, 0x7e}, g8[2] = {0xff, 0x7e};
    expect_rule("fp8_e4m3fn", 2, g8, w8, "maxulp 0", -1, -1);
    g8[1] = 0x7f; /* one code above 448 is the NaN */
    expect_rule("fp8_e4m3fn", 2, g8, w8, "maxulp 100", 1, -1);
    uint32_t w16[2] = {0x7fc0, 0xff80}, g16[2] = {0x7f81, 0xff80};
    expect_rule("bf16", 2, g16, w16, "maxulp 0", -1, -1);
}

/* relerr X, normwise: passes at max |got - want| == X * max |want| (the error
** on any element, here 1 = 0.25 * 4), fails one code above. */
static void test_relerr_passes_at_its_bound_and_fails_just_above(void)
{
    static const struct {
        const char *fmt;
        uint32_t want[4], got[4], up; /* up: got[0] one code further from want[0] */
    } cases[] = {
        {"fp32", {0x40800000, 0xc0000000, 0x3f000000, 0x80000000}, {0x40a00000, 0xc0000000, 0x3fc00000, 0}, 0x40a00001},
        {"bf16", {0x4080, 0xc000, 0x3f00, 0x8000}, {0x40a0, 0xc000, 0x3fc0, 0}, 0x40a1},
        {"fp8_e4m3fn", {0x48, 0xc0, 0x30, 0x80}, {0x4a, 0xc0, 0x3c, 0}, 0x4b},
    };
    for (int f = 0; f < 3; f++) {
        uint32_t got[4];
        memcpy(got, cases[f].got, sizeof got);
        expect_rule(cases[f].fmt, 4, got, cases[f].want, "relerr 0.25", -1, -1); /* 5 for 4, 1.5 for 0.5, +0 for -0 */
        got[0] = cases[f].up;
        expect_rule(cases[f].fmt, 4, got, cases[f].want, "relerr 0.25", 0, -1);
        memcpy(got, cases[f].got, sizeof got);
        got[2]++; /* the small element just past the bound */
        expect_rule(cases[f].fmt, 4, got, cases[f].want, "relerr 0.25", 2, -1);
    }
    uint32_t want[2] = {0x40800000, 0x3f800000}, got[2] = {0x40800000, 0x7fc00000},
             nan_want[2] = {0x7fc00000, 0x3f800000};
    expect_rule("fp32", 2, got, want, "relerr 1000", 1, -1);      /* NaN for a number */
    expect_rule("fp32", 2, want, nan_want, "relerr 1000", 0, -1); /* a number for NaN */
}

CU_TestInfo lpt_vector_tests[] = {
    {"vadd/specials_and_random_values_bit_for_bit", test_vadd},
    {"vsub/specials_and_random_values_bit_for_bit", test_vsub},
    {"vmul/specials_and_random_values_bit_for_bit", test_vmul},
    {"vmax/nan_in_either_operand_gives_nan", test_vmax},
    {"vexp/is_expf_in_every_range", test_vexp},
    {"vrsqrt/is_one_over_sqrtf", test_vrsqrt},
    {"vrcp/is_one_over_x", test_vrcp},
    {"vscale/multiplies_by_every_kind_of_immediate", test_vscale_immediates},
    {"vfill/writes_the_immediate_and_nothing_past_the_tile", test_vfill_immediates_and_odd_shapes},
    {"vrmax/crafted_rows_nan_propagates_from_minus_inf", test_vrmax_crafted_rows},
    {"vrmax/all_negative_row_is_not_zero", test_vrmax_all_negative_row_is_not_zero},
    {"vrsum/crafted_rows_in_order_from_plus_zero", test_vrsum_crafted_rows},
    {"vrmax_vrsum/random_rows_in_odd_shapes", test_vrmax_vrsum_random_odd_shapes},
    {"vbsub/broadcasts_row_r_of_v_to_row_r", test_vbsub},
    {"vbmul/broadcasts_row_r_of_v_to_row_r", test_vbmul},
    {"vbsub_vbmul/in_place_like_flash_attention", test_vbsub_vbmul_in_place_like_flash_attention},
    {"vcvt/fp32_to_bf16_fp8_fp4_in_every_rounding_mode", test_vcvt_fp32_to_bf16_fp8_fp4_in_every_rounding_mode},
    {"vcvt/every_narrow_code_to_fp32_and_bf16_to_fp8", test_vcvt_every_narrow_code_to_fp32_and_bf16_to_fp8},
    {"mx/mxq_mxdq_round_trip_codes_scales_values", test_mxq_mxdq_round_trip},
    {"expect/bitexact_fails_on_one_ulp_a_zero_sign_or_a_nan_payload",
     test_bitexact_fails_on_one_ulp_a_zero_sign_or_a_nan_payload},
    {"expect/maxulp_passes_at_n_and_fails_at_n_plus_1", test_maxulp_passes_at_n_and_fails_at_n_plus_1},
    {"expect/maxulp_nan_matches_only_nan", test_maxulp_nan_matches_only_nan},
    {"expect/relerr_passes_at_its_bound_and_fails_just_above", test_relerr_passes_at_its_bound_and_fails_just_above},
    CU_TEST_INFO_NULL,
};
