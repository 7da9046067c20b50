/*
** test_machine.c — the functional face of the simulated accelerator
** (sim/machine.c): the example kernels compute what their independent
** references say, a kernel with a planted mistake is caught, and the PIM
** arrays (run by the functional machine only) load, multiply and convert as
** pim.h says, on small kernels whose expected outputs are derived by hand;
** DMA_LDT transposes tiles of every element width bit for bit through
** `lpsim exec`, against a plain reference loop.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "lp_rng.h"
#include "lp_test.h"
#include "machine.h"

/* Assemble an example (optionally with one text substitution), run it on
** edge-mx, return the number of failed expectations (-1 if it did not run). */
static int run_example(const char *name, const char *from, const char *to, char **report)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s/%s.s", LPSIM_SOURCE_DIR, name, name);
    char *src = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    if (from) { /* plant a mistake */
        char *at = strstr(src, from);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        size_t n = strlen(src) + strlen(to) + 1;
        char *s2 = malloc(n);
        snprintf(s2, n, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
        free(src);
        src = s2;
    }
    asm_opts o = {path, 20, false, 0, 0, 0};
    asm_diags dg = {0};
    isa_prog p;
    lp_status st = asm_assemble(src, strlen(src), &o, &p, &dg);
    if (st) asm_diags_print(&dg, stderr);
    asm_diags_free(&dg);
    free(src);
    CU_ASSERT_EQUAL_FATAL(st, LP_OK);
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load("edge-mx", &a, &d) == LP_OK);
    machine m;
    CU_ASSERT_FATAL(machine_init(&m, &p, a) == LP_OK);
    size_t at;
    lp_diag err;
    int failed = -1;
    if (machine_run(&m, &at, &err) == LP_OK) {
        char *t = NULL;
        size_t tn = 0;
        FILE *f = open_memstream(&t, &tn);
        failed = machine_check(&m, f, 3);
        fclose(f);
        if (report)
            *report = t;
        else
            free(t);
    } else {
        fprintf(stderr, "\n  %s: instruction %zu: %s", name, at, err.msg);
    }
    machine_free(&m);
    arch_free(a);
    isa_prog_free(&p);
    return failed;
}

static void test_examples_compute_their_expected_outputs(void)
{
    static const char *const names[] = {"mx_gemm", "flash_attention", "pim_gemv"};
    for (int i = 0; i < 3; i++) {
        char *rep = NULL;
        int failed = run_example(names[i], NULL, NULL, &rep);
        if (failed) fprintf(stderr, "\n  %s:\n%s", names[i], rep ? rep : "");
        CU_ASSERT_EQUAL(failed, 0);
        free(rep);
    }
}

/* Swapped operands, a wrong stride, a wrong scale tile: each is caught, with
** a report naming the element, the expected and the got value. */
static void test_planted_mistakes_are_caught(void)
{
    static const struct {
        const char *kernel, *from, *to;
    } cases[] = {
        /* W tile from the wrong rows */
        {"mx_gemm", "W[ni*TN, 0], TN, K, fp8_e4m3fn", "W[(1-ni)*TN, 0], TN, K, fp8_e4m3fn"},
        /* scales of the other block */
        {"mx_gemm", "SA[mi*TM, 0], TM, K/32", "SA[(1-mi)*TM, 0], TM, K/32"},
        /* swapped operands of the second attention MMA (V and P) */
        {"flash_attention", "MMA acc:0x1000, spm:0x5000, spm:0x3000 + (j%2)*0x1000, 32, D, T,",
         "MMA acc:0x1000, spm:0x3000 + (j%2)*0x1000, spm:0x5000, 32, D, T,"},
        /* forgotten rescaling of the running output */
        {"flash_attention", "VBMUL acc:0x1000, acc:0x1000, spm:alpha, 32, D\n    VCVT", "VCVT"},
        /* activations loaded one element off */
        {"pim_gemv", "DMA_LD spm:0x0000, X[0, 0], C, 1, int8", "DMA_LD spm:0x0001, X[0, 0], C, 1, int8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *rep = NULL;
        int failed = run_example(cases[i].kernel, cases[i].from, cases[i].to, &rep);
        if (failed != 1) fprintf(stderr, "\n  planted mistake %zu not caught (%d)", i, failed);
        CU_ASSERT_EQUAL(failed, 1);
        CU_ASSERT_PTR_NOT_NULL(rep && strstr(rep, "expected "));
        CU_ASSERT_PTR_NOT_NULL(rep && strstr(rep, " elements differ ("));
        free(rep);
    }
}

/* ---- PIM arrays -------------------------------------------------------------------------------- */

/* Assemble kernel text and run it on edge-mx; returns the number of failed
** expectations (their report, at most 3 elements each, in *report when not
** NULL), or -1 when the run stops with an error (its message in err). */
static int run_kernel(const char *src, lp_diag *err, char **report)
{
    isa_prog p;
    lpt_assemble("pim.s", src, &p);
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load("edge-mx", &a, &d) == LP_OK);
    machine m;
    CU_ASSERT_FATAL(machine_init(&m, &p, a) == LP_OK);
    size_t at, n = 0;
    char *text = NULL;
    FILE *f = open_memstream(&text, &n);
    int failed = machine_run(&m, &at, err) == LP_OK ? machine_check(&m, f, 3) : -1;
    fclose(f);
    if (report)
        *report = text;
    else
        fputs(text, stderr), free(text);
    machine_free(&m);
    arch_free(a);
    isa_prog_free(&p);
    return failed;
}

/* relerr: NaN matches NaN, an infinity matches itself, and the norm is that of
** the finite values (an inf in the expected outputs does not excuse the
** others). Y is X copied through the scratchpad; its expectation is written
** here. X = {1, 2, NaN, +inf}, so max |want| over finite values is 2. */
static void test_relerr_treats_nan_and_inf_as_values(void)
{
    static const struct {
        const char *want;
        int failed;
    } cases[] = {
        {"3f800000 40000000 7fc00000 7f800000", 0}, /* identical, NaN and inf included */
        {"3f800000 40000000 7fc00001 7f800000", 0}, /* another NaN is still NaN */
        {"3f800000 40000000 3f800000 7f800000", 1}, /* a number for the NaN */
        {"7fc00000 40000000 7fc00000 7f800000", 1}, /* NaN expected, a number got */
        {"3f800000 40000000 7fc00000 ff800000", 1}, /* -inf for +inf */
        {"3f800000 40000000 7fc00000 47000000", 1}, /* a finite value for +inf */
        {"3f8ccccd 40000000 7fc00000 7f800000", 0}, /* 1.1 for 1: error 0.1 <= 0.1 x 2 */
        {"3fcccccd 40000000 7fc00000 7f800000", 1}, /* 1.6 for 1: error 0.6 > 0.2, although max |want| holds an inf */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 ".buffer X, fp32, 1, 4\n.buffer Y, fp32, 1, 4\n"
                 ".data X, inline\n3f800000 40000000 7fc00000 7f800000\n.enddata\n"
                 ".expect Y, inline, relerr 0.1\n%s\n.enddata\n"
                 "    DMA_LD spm:0, X[0, 0], 1, 4, fp32\n    DMA_ST Y[0, 0], spm:0, 1, 4, fp32\n",
                 cases[i].want);
        lp_diag err;
        char *report = NULL;
        int failed = run_kernel(src, &err, &report);
        if (failed != cases[i].failed) fprintf(stderr, "\n  relerr case %zu: %d failed\n%s", i, failed, report);
        free(report);
        CU_ASSERT_EQUAL(failed, cases[i].failed);
    }
}

/* GEMV sums in double, then rounds once to float32: W = [2^24, 1, 1] (bf16
** 0x4b80, 0x3f80, 0x3f80) times x = [1, 1, 1] is 2^24 + 2, a float32 (the
** step at 2^24 is 2): 0x4b800001. Summed in float32, 2^24 + 1 would tie to
** 2^24 twice and give 0x4b800000. (Hex digits may be in either case.) */
static void test_pim_gemv_sums_in_double(void)
{
    lp_diag err;
    CU_ASSERT_EQUAL(run_kernel(".buffer W, bf16, 1, 3\n.buffer X, bf16, 3, 1\n.buffer Y, fp32, 1, 1\n"
                               ".data W, inline\n4B80 3F80 3f80\n.enddata\n"
                               ".data X, inline\n3f80 3f80 3f80\n.enddata\n"
                               ".expect Y, inline\n4b800001\n.enddata\n"
                               "    PIM_LD pim:0, W[0, 0], 1, 3, bf16, 16\n"
                               "    DMA_LD spm:0, X[0, 0], 3, 1, bf16\n"
                               "    PIM_GEMV spm:0x100, pim:0, spm:0, 1, 3, bf16, 16, 16, lut\n"
                               "    DMA_ST Y[0, 0], spm:0x100, 1, 1, fp32\n",
                               &err, NULL),
                    0);
}

/* PIM_LD reads rows of its tile the buffer's width apart: the 2 x 2 tile at
** W[0, 1] of W = [[1, 2, 3], [4, 5, 6]] (int8) is [[2, 3], [5, 6]]; times x =
** [1, 10]: y = [32, 65] = 0x42000000, 0x42820000. (Rows 2 bytes apart would
** read [4, 5] as the second row: 54.) */
static void test_pim_load_follows_the_buffer_pitch(void)
{
    lp_diag err;
    CU_ASSERT_EQUAL(run_kernel(".buffer W, int8, 2, 3\n.buffer X, int8, 2, 1\n.buffer Y, fp32, 2, 1\n"
                               ".data W, inline\n01 02 03 04 05 06\n.enddata\n"
                               ".data X, inline\n01 0a\n.enddata\n"
                               ".expect Y, inline\n42000000 42820000\n.enddata\n"
                               "    PIM_LD pim:2, W[0, 1], 2, 2, int8, 8\n"
                               "    DMA_LD spm:0, X[0, 0], 2, 1, int8\n"
                               "    PIM_GEMV spm:0x100, pim:2, spm:0, 2, 2, int8, 8, 8, bitserial\n"
                               "    DMA_ST Y[0, 0], spm:0x100, 2, 1, fp32\n",
                               &err, NULL),
                    0);
}

/* PIM_GEMM multiplies each of the m rows of x by the held W: W = [[1, 2],
** [3, -4]] (int8), x = [[1, 1], [2, -1], [-3, 5]]: y = [[3, -1], [0, 10],
** [7, -29]] = 40400000 bf800000, 00000000 41200000, 40e00000 c1e80000. The
** 3 x 2 result rows sit 8 bytes apart in the scratchpad, as its footprint
** (m, rows, f32) says. */
static void test_pim_gemm_multiplies_each_row_of_the_batch(void)
{
    lp_diag err;
    CU_ASSERT_EQUAL(run_kernel(".buffer W, int8, 2, 2\n.buffer X, int8, 3, 2\n.buffer Y, fp32, 3, 2\n"
                               ".data W, inline\n01 02 03 fc\n.enddata\n"
                               ".data X, inline\n01 01 02 ff fd 05\n.enddata\n"
                               ".expect Y, inline\n40400000 bf800000 00000000 41200000 40e00000 c1e80000\n.enddata\n"
                               "    PIM_LD pim:1, W[0, 0], 2, 2, int8, 8\n"
                               "    DMA_LD spm:0, X[0, 0], 3, 2, int8\n"
                               "    PIM_GEMM spm:0x100, pim:1, spm:0, 3, 2, 2, int8, 8, 8, lut\n"
                               "    DMA_ST Y[0, 0], spm:0x100, 3, 2, fp32\n",
                               &err, NULL),
                    0);
}

/* PIM_CVT re-rounds the held weights to dfmt: 1.0625 (bf16 0x3f88) lies
** halfway between fp8_e4m3fn's 1 and 1.125 and goes to the even 1; 3 (0x4040)
** stays. Times x = [1, 1]: 4 = 0x40800000 (unconverted: 4.0625). Then a GEMV
** over a shape the array does not hold is refused. */
static void test_pim_convert_rounds_the_held_weights(void)
{
    static const char kernel[] = ".buffer W, bf16, 1, 2\n.buffer X, bf16, 2, 1\n.buffer Y, fp32, 1, 1\n"
                                 ".data W, inline\n3f88 4040\n.enddata\n"
                                 ".data X, inline\n3f80 3f80\n.enddata\n"
                                 ".expect Y, inline\n40800000\n.enddata\n"
                                 "    PIM_LD pim:0, W[0, 0], 1, 2, bf16, 16\n"
                                 "    PIM_CVT pim:0, 1, 2, fp8_e4m3fn, bf16\n"
                                 "    DMA_LD spm:0, X[0, 0], 2, 1, bf16\n"
                                 "    PIM_GEMV spm:0x100, pim:0, spm:0, 1, 2, bf16, 16, 8, lut\n"
                                 "    DMA_ST Y[0, 0], spm:0x100, 1, 1, fp32\n";
    lp_diag err;
    CU_ASSERT_EQUAL(run_kernel(kernel, &err, NULL), 0);
    /* the same rows, one column fewer: array 0 holds a 1 x 2 matrix, not 1 x 1 */
    char bad[sizeof kernel + 8];
    snprintf(bad, sizeof bad, "%s", kernel);
    char *gemv = strstr(bad, "spm:0, 1, 2, bf16, 16, 8");
    CU_ASSERT_PTR_NOT_NULL_FATAL(gemv);
    memcpy(gemv, "spm:0, 1, 1", 11); /* rows 1, cols 1 */
    CU_ASSERT_EQUAL(run_kernel(bad, &err, NULL), -1);
    CU_ASSERT_EQUAL(err.status, LP_ERR_RANGE);
    CU_ASSERT_STRING_EQUAL(err.msg, "PIM_GEMV: PIM array 0 holds no 1 x 1 matrix");
}

/* The tensor core reads each operand with its own element width: A fp8
** [1, 2] (0x38 0x40, one byte each) times B bf16 [3, 4] (0x4040 0x4080, two
** bytes each) is 11 = 0x41300000. */
static void test_mma_reads_each_operand_in_its_format(void)
{
    lp_diag err;
    CU_ASSERT_EQUAL(run_kernel(".buffer A, fp8_e4m3fn, 1, 2\n.buffer B, bf16, 2, 1\n.buffer C, fp32, 1, 1\n"
                               ".data A, inline\n38 40\n.enddata\n"
                               ".data B, inline\n4040 4080\n.enddata\n"
                               ".expect C, inline\n41300000\n.enddata\n"
                               "    DMA_LD spm:0, A[0, 0], 1, 2, fp8_e4m3fn\n"
                               "    DMA_LD spm:0x10, B[0, 0], 2, 1, bf16\n"
                               "    MMA acc:0, spm:0, spm:0x10, 1, 1, 2, fp8_e4m3fn, bf16, exact, set\n"
                               "    DMA_ST C[0, 0], acc:0, 1, 1, fp32\n",
                               &err, NULL),
                    0);
}

/* ---- DMA_LDT through lpsim exec -------------------------------------------------------------- */

/* One transposing load: a rows x cols tile at X[r0, c0] of an R x C buffer of
** fmt (eb bytes an element, codes below 2^bits) into a dense cols x rows tile
** at dst. */
typedef struct ldt_case {
    const char *fmt;
    int eb, bits;
    int R, C, r0, c0, rows, cols;
    const char *dst;
} ldt_case;

static const ldt_case ldt_cases[] = {
    {"bf16", 2, 16, 3, 5, 0, 0, 3, 5, "spm:0x40"},       /* the whole of a 3 x 5 buffer */
    {"bf16", 2, 16, 9, 11, 2, 3, 5, 3, "acc:0x100"},     /* an inner tile: the pitch is 11, not 3 */
    {"fp8_e4m3fn", 1, 8, 1, 37, 0, 0, 1, 37, "spm:0x3"}, /* 1 x N: an unaligned byte address */
    {"fp8_e4m3fn", 1, 8, 6, 40, 1, 7, 1, 33, "spm:0"},   /* 1 x N inside a wider buffer */
    {"fp8_e5m2", 1, 8, 7, 13, 1, 2, 6, 11, "spm:0x201"}, /* odd both ways */
    {"fp32", 4, 32, 29, 1, 0, 0, 29, 1, "acc:0"},        /* N x 1 */
    {"fp32", 4, 32, 20, 9, 3, 4, 17, 1, "spm:0x80"},     /* N x 1 inside a buffer */
    {"fp32", 4, 32, 8, 8, 1, 1, 7, 6, "spm:0x400"},      /* float32 elements, 7 x 6 */
    {"fp4_e2m1fn", 1, 4, 5, 9, 0, 1, 4, 7, "spm:0x11"},  /* sub-byte: one element a byte in memory */
    {"int4", 1, 4, 3, 70, 0, 2, 3, 67, "spm:0"},         /* sub-byte, wider than a bank row */
    {"fp6_e3m2fn", 1, 6, 4, 4, 0, 0, 4, 4, "acc:0x10"},  /* sub-byte, square */
};

/* The kernel of case t: X holds seeded codes; Y (cols + 1) x rows is loaded
** to dst first (guard codes), then DMA_LDT writes its first cols rows and Y
** is stored back, so the guard row must come back untouched. Its expectation
** is the plain reference want[c][r] = X[r0 + r][c0 + c], with element flip
** (>= 0) off by one bit. Returns the kernel text (malloc'd). */
static char *ldt_kernel(const ldt_case *t, uint64_t seed, int flip)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    CU_ASSERT_FATAL(f != NULL);
    int dig = t->eb * 2, yr = t->cols + 1, yc = t->rows;
    uint32_t mask = t->bits == 32 ? 0xffffffffu : (1u << t->bits) - 1, guard = 0x5a5a5a5au & mask;
    uint32_t *x = malloc(sizeof *x * (size_t)(t->R * t->C));
    CU_ASSERT_FATAL(x != NULL);
    for (int i = 0; i < t->R * t->C; i++) x[i] = (uint32_t)lp_rng_u64(seed, (uint64_t)i) & mask;
    fprintf(f, ".buffer X, %s, %d, %d\n.buffer Y, %s, %d, %d\n.data X, inline\n", t->fmt, t->R, t->C, t->fmt, yr, yc);
    for (int i = 0; i < t->R * t->C; i++) fprintf(f, "%0*x%c", dig, (unsigned)x[i], i % 16 == 15 ? '\n' : ' ');
    fprintf(f, "\n.enddata\n.data Y, inline\n");
    for (int i = 0; i < yr * yc; i++) fprintf(f, "%0*x ", dig, (unsigned)guard);
    fprintf(f, "\n.enddata\n.expect Y, inline, bitexact\n");
    for (int c = 0; c < yr; c++) {
        for (int r = 0; r < yc; r++) {
            uint32_t w = c < t->cols ? x[(t->r0 + r) * t->C + t->c0 + c] : guard;
            if (c * yc + r == flip) w ^= 1;
            fprintf(f, "%0*x ", dig, (unsigned)w);
        }
        fputc('\n', f);
    }
    fprintf(f, ".enddata\n    DMA_LD %s, Y[0, 0], %d, %d, %s\n", t->dst, yr, yc, t->fmt);
    fprintf(f, "    DMA_LDT %s, X[%d, %d], %d, %d, %s\n", t->dst, t->r0, t->c0, t->rows, t->cols, t->fmt);
    fprintf(f, "    DMA_ST Y[0, 0], %s, %d, %d, %s\n    HALT\n", t->dst, yr, yc, t->fmt);
    CU_ASSERT_FATAL(fclose(f) == 0);
    free(x);
    return text;
}

/* Run kernel text with `lpsim exec --arch edge-mx`; the exit status, the
** report in *out (malloc'd). */
static int exec_text(const char *text, char **out)
{
    char dir[] = "/tmp/lpt_ldt_XXXXXX", path[64], cmd[128], *err;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/k.s", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fputs(text, f) >= 0);
    CU_ASSERT_FATAL(fclose(f) == 0);
    snprintf(cmd, sizeof cmd, "exec --arch edge-mx '%s'", path);
    int rc = lpt_run(cmd, "", 0, out, &err);
    if (rc != 0 && rc != 1) fprintf(stderr, "\n  lpsim exec: status %d: %.1000s", rc, err);
    free(err);
    unlink(path);
    rmdir(dir);
    return rc;
}

/* Every case matches its reference bit for bit, guard row included; with one
** expected bit flipped (an element whose row and column differ where the tile
** has both, so that a swapped r and c cannot pass either) the run exits 1 and
** the report names that element. */
static void test_dma_ldt_transposes_bit_for_bit(void)
{
    for (size_t i = 0; i < sizeof ldt_cases / sizeof ldt_cases[0]; i++) {
        const ldt_case *t = &ldt_cases[i];
        for (int flipped = 0; flipped < 2; flipped++) {
            int flip = flipped ? (t->rows > 1 && t->cols > 1 ? t->rows + 1 : 0) : -1; /* Y[1, 1] or Y[0, 0] */
            char *k = ldt_kernel(t, 0x1d7 + i, flip), *out = NULL, line[64];
            int rc = exec_text(k, &out);
            snprintf(line, sizeof line, "  Y[%d, %d]: expected ", flip < 0 ? 0 : flip / t->rows,
                     flip < 0 ? 0 : flip % t->rows);
            bool ok = flipped ? rc == 1 && strstr(out, line) && strstr(out, "Y: 1 of ") : rc == 0;
            if (!ok)
                fprintf(stderr, "\n  DMA_LDT case %zu (%s %d x %d)%s: status %d:\n%.2000s", i, t->fmt, t->rows, t->cols,
                        flipped ? ", one bit flipped" : "", rc, out);
            CU_ASSERT(ok);
            free(k), free(out);
        }
    }
}

/* ---- the check of expected outputs ------------------------------------------------------------ */

/* No instructions: the buffers keep their initial data. Y = [-4, -2, 1, 0]
** against [-4, -2.5, 1, 0]: the error 0.5 is relerr 0.125 of max |expected|
** = 4 (a magnitude: the largest expected value is 1), so relerr 0.125 passes
** and 0.1 fails. Z = 0 against [1, 2, 3, 4, 5] bitexact: five elements differ,
** three are reported. Element lines give the codes, the values (%.9g) and the
** distance in codes (sign-magnitude: 0x40200000 - 0x40000000 = 2097152). */
static void test_check_reports_relerr_against_the_largest_magnitude(void)
{
    static const char kernel[] = ".buffer Y, fp32, 1, 4\n.buffer Z, fp32, 1, 5\n"
                                 ".data Y, inline\nc0800000 c0000000 3f800000 00000000\n.enddata\n"
                                 ".expect Y, inline, relerr 0.1\nc0800000 c0200000 3f800000 00000000\n.enddata\n"
                                 ".expect Z, inline\n3f800000 40000000 40400000 40800000 40a00000\n.enddata\n";
    static const char want[] = "  Y[0, 1]: expected c0200000 (-2.5), got c0000000 (-2), 2097152 ulp apart\n"
                               "Y: 1 of 4 elements differ (relerr 0.1; max error 0.5 of max |expected| 4)\n"
                               "  Z[0, 0]: expected 3f800000 (1), got 00000000 (0), 1065353216 ulp apart\n"
                               "  Z[0, 1]: expected 40000000 (2), got 00000000 (0), 1073741824 ulp apart\n"
                               "  Z[0, 2]: expected 40400000 (3), got 00000000 (0), 1077936128 ulp apart\n"
                               "Z: 5 of 5 elements differ (bitexact 0)\n";
    lp_diag err;
    char *report = NULL;
    CU_ASSERT_EQUAL(run_kernel(kernel, &err, &report), 2);
    CU_ASSERT_STRING_EQUAL(report, want);
    if (strcmp(report, want)) fprintf(stderr, "\n  report:\n%s", report);
    free(report);
}

CU_TestInfo lpt_machine_tests[] = {
    {"examples/compute_their_expected_outputs", test_examples_compute_their_expected_outputs},
    {"examples/planted_mistakes_are_caught", test_planted_mistakes_are_caught},
    {"expect/relerr_treats_nan_and_inf_as_values", test_relerr_treats_nan_and_inf_as_values},
    {"tc/mma_reads_each_operand_in_its_format", test_mma_reads_each_operand_in_its_format},
    {"dma/ldt_transposes_bit_for_bit", test_dma_ldt_transposes_bit_for_bit},
    {"pim/gemv_sums_in_double", test_pim_gemv_sums_in_double},
    {"pim/load_follows_the_buffer_pitch", test_pim_load_follows_the_buffer_pitch},
    {"pim/gemm_multiplies_each_row_of_the_batch", test_pim_gemm_multiplies_each_row_of_the_batch},
    {"pim/convert_rounds_the_held_weights", test_pim_convert_rounds_the_held_weights},
    {"check/reports_relerr_against_the_largest_magnitude", test_check_reports_relerr_against_the_largest_magnitude},
    CU_TEST_INFO_NULL,
};
