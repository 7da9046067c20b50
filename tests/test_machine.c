/*
** test_machine.c — the functional face of the simulated accelerator
** (sim/machine.c): the example kernels compute what their independent
** references say, and a kernel with a planted mistake is caught.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
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

/* Assemble src (its .expect rules checking a DMA round trip of X into Y),
** run it on edge-mx, return the number of failed expectations. */
static int run_text(const char *src)
{
    asm_opts o = {"relerr.s", 20, true, 0, 0, 0};
    asm_diags dg = {0};
    isa_prog p;
    lp_status st = asm_assemble(src, strlen(src), &o, &p, &dg);
    if (st) asm_diags_print(&dg, stderr);
    asm_diags_free(&dg);
    CU_ASSERT_EQUAL_FATAL(st, LP_OK);
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load("edge-mx", &a, &d) == LP_OK);
    machine m;
    size_t at;
    CU_ASSERT_FATAL(machine_init(&m, &p, a) == LP_OK);
    CU_ASSERT_FATAL(machine_run(&m, &at, &d) == LP_OK);
    int failed = machine_check(&m, NULL, 0);
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
        int failed = run_text(src);
        if (failed != cases[i].failed) fprintf(stderr, "\n  relerr case %zu: %d failed", i, failed);
        CU_ASSERT_EQUAL(failed, cases[i].failed);
    }
}

CU_TestInfo lpt_machine_tests[] = {
    {"examples/compute_their_expected_outputs", test_examples_compute_their_expected_outputs},
    {"examples/planted_mistakes_are_caught", test_planted_mistakes_are_caught},
    {"expect/relerr_treats_nan_and_inf_as_values", test_relerr_treats_nan_and_inf_as_values},
    CU_TEST_INFO_NULL,
};
