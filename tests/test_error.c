/*
** test_error.c — the numerical error of functional runs (docs/workloads.md,
** "Numerical error"): SQNR and the max relative error on hand-computed
** cases, alone and through the functional machine with a program's
** reference; seeded GEMMs against the rounding theory of their formats and
** in order of precision on one set of real values (h100, b200-mx); int8
** above int4 in sail-like's arrays, and the same figures on its host;
** outliers against a per-tensor scale; layers and attention; the reports'
** fields; a sweep with a dist axis into the database and the Pareto front
** of SQNR against energy.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "machine.h"
#include "qerr.h"
#include "test_results_int.h"

static qerr measure(const double *out, const double *ref, size_t n)
{
    qerr_acc a = {0};
    qerr e;
    for (size_t i = 0; i < n; i++) qerr_add(&a, out[i], ref[i]);
    qerr_finish(&a, &e);
    return e;
}

/* By hand: ref (1, 2, 3, 4), out (1, 2, 3, 5): signal 30, noise 1, SQNR
** 10 log10 30 = 14.7712 dB, the largest error 1 of max |ref| 4. */
static void test_hand_computed(void)
{
    double ref[] = {1, 2, 3, 4}, out[] = {1, 2, 3, 5};
    qerr e = measure(out, ref, 4);
    CU_ASSERT_DOUBLE_EQUAL(e.sqnr_db, 14.771212547196624, 1e-12);
    CU_ASSERT_EQUAL(e.max_rel_err, 0.25);
    CU_ASSERT_FALSE(e.exact);
    CU_ASSERT_EQUAL(e.n, 4);
    /* signs: ref (-2, 1), out (-1, 1): signal 5, noise 1 (an error of +1 on -2); 1 of max |ref| 2 */
    double r2[] = {-2, 1}, o2[] = {-1, 1};
    e = measure(o2, r2, 2);
    CU_ASSERT_DOUBLE_EQUAL(e.sqnr_db, 6.9897000433601880, 1e-12);
    CU_ASSERT_EQUAL(e.max_rel_err, 0.5);
    /* exact: the cap, and exact says so */
    e = measure(ref, ref, 4);
    CU_ASSERT_EQUAL(e.sqnr_db, QERR_SQNR_CAP_DB);
    CU_ASSERT_EQUAL(e.max_rel_err, 0);
    CU_ASSERT_TRUE(e.exact);
    /* an error of 1e-12 of the signal (240 dB) reads as the cap, but not exact */
    double r3[] = {1}, o3[] = {1 + 1e-12};
    e = measure(o3, r3, 1);
    CU_ASSERT_EQUAL(e.sqnr_db, QERR_SQNR_CAP_DB);
    CU_ASSERT_FALSE(e.exact);
    /* outputs that overflowed: no figure, and how many */
    double o4[] = {1, INFINITY, 3, NAN};
    e = measure(o4, ref, 4);
    CU_ASSERT_TRUE(isnan(e.sqnr_db) && isnan(e.max_rel_err));
    CU_ASSERT_EQUAL(e.nonfinite, 2);
    CU_ASSERT_FALSE(e.exact);
    /* a reference of zeros: exact is the cap; an error has no ratio */
    double z[] = {0, 0}, o5[] = {0, 1};
    e = measure(z, z, 2);
    CU_ASSERT_EQUAL(e.sqnr_db, QERR_SQNR_CAP_DB);
    e = measure(o5, z, 2);
    CU_ASSERT_TRUE(isnan(e.sqnr_db) && isnan(e.max_rel_err));
}

/* The machine decodes the output buffer (bf16 codes here) and multiplies it
** by the program's ref_scale: bf16 (2, 4, 6, 10) at scale 1/2 against the
** reference (1, 2, 3, 4) is the hand-computed case above. */
static void test_machine_reads_the_output(void)
{
    arch_cfg *a = lpt_arch("edge-mx");
    isa_prog p;
    isa_prog_init(&p);
    mf_format bf16;
    mf_get(MF_BF16, &bf16);
    uint32_t codes[] = {0x4000, 0x4080, 0x40c0, 0x4120}; /* 2, 4, 6, 10 */
    isa_insn halt = {ISA_HALT, {0}};
    CU_ASSERT_FATAL(isa_prog_add_buffer(&p, "C", isa_fmt_code(&bf16), 2, 2) == LP_OK);
    CU_ASSERT_FATAL(isa_prog_put_codes(&p, 0, codes, 4, false, 0, 0) == LP_OK);
    CU_ASSERT_FATAL(isa_prog_add_insn(&p, &halt) == LP_OK);
    machine m;
    qerr e;
    CU_ASSERT_FATAL(machine_init(&m, &p, a) == LP_OK);
    CU_ASSERT_FALSE(machine_error(&m, &e)); /* no reference: nothing to report */
    double *ref = malloc(4 * sizeof *ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    ref[0] = 1, ref[1] = 2, ref[2] = 3, ref[3] = 4;
    isa_prog_set_ref(&p, 0, ref, 0.5);
    size_t at;
    lp_diag d;
    CU_ASSERT_EQUAL(machine_run(&m, &at, &d), LP_OK);
    CU_ASSERT_TRUE(machine_error(&m, &e));
    CU_ASSERT_DOUBLE_EQUAL(e.sqnr_db, 14.771212547196624, 1e-12);
    CU_ASSERT_EQUAL(e.max_rel_err, 0.25);
    CU_ASSERT_EQUAL(e.n, 4);
    machine_free(&m);
    isa_prog_free(&p);
    arch_free(a);
}

/* `lpsim run --json --arch ARCH --workload W`: the report (exit 0 or 1). */
static char *run_json(const char *arch, const char *w)
{
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "run --json --arch '%s' --workload '%s'", arch, w);
    int rc = lpt_run(cmd, "", 0, &out, &err);
    if (rc != 0) fprintf(stderr, "\n  lpsim %s: exit %d: %s", cmd, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    free(err);
    return out;
}

/* error.sqnr_db of a functional run (NAN when absent). */
static double sqnr(const char *arch, const char *w)
{
    char *j = run_json(arch, w);
    double v = j ? lpt_json_num(j, "error.sqnr_db") : NAN;
    free(j);
    return v;
}

/* The SQNR of one format pair of a GEMM of normal data with fp32 C. */
static double gemm_sqnr(const char *arch, const char *fmts, const char *dist)
{
    char w[256];
    snprintf(w, sizeof w, "gemm M=32 N=32 K=512 out=fp32 dist=%s %s", dist, fmts);
    return sqnr(arch, w);
}

/* Rounding to p significant bits leaves a relative error of variance
** 2^-2p / 6 (uniform over the last place, values spread over a binade);
** two rounded inputs per product double it: SQNR = 6.02 p + 7.78 - 3.01 dB.
** bf16 (p = 8) 52.9 dB, fp8_e4m3fn (p = 4, a per-tensor scale keeps normal
** values out of its subnormals) 28.8 dB. fp4 is coarser still: in order,
** and at least 6 dB apart (one bit more of precision is 6 dB). */
static void test_gemm_in_order_of_precision(void)
{
    static const struct {
        const char *arch, *fmts[3];
    } chains[] = {
        {"h100", {"in=bf16", "in=fp8_e4m3fn", "in_a=fp8_e4m3fn in_b=fp4_e2m1fn"}},
        {"b200-mx", {"in=bf16", "in=fp8_e4m3fn", "in=mxfp4_e2m1"}},
    };
    for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++) {
        double s[3];
        for (int i = 0; i < 3; i++) s[i] = gemm_sqnr(chains[c].arch, chains[c].fmts[i], "normal");
        bool ok = fabs(s[0] - 52.9) < 2.5 && fabs(s[1] - 28.8) < 2.5 && s[0] > s[1] + 6 && s[1] > s[2] + 6;
        if (!ok) fprintf(stderr, "\n  %s: %.2f > %.2f > %.2f dB?", chains[c].arch, s[0], s[1], s[2]);
        CU_ASSERT(ok);
    }
    /* the same values on both chips: bf16 and fp8 inputs give the same error on h100 and b200-mx */
    CU_ASSERT_DOUBLE_EQUAL(gemm_sqnr("h100", "in=bf16", "normal"), gemm_sqnr("b200-mx", "in=bf16", "normal"), 0.05);
}

/* sail-like with its arrays disabled: the CPU baseline, whose host SIMD unit
** multiplies the same integer codes (written into dir/cpu.yaml). */
static void cpu_baseline(const char *dir, char *path, size_t n)
{
    lpt_preset_variant("sail-like", dir, "cpu", "arrays: 128", "    arrays: 0\n", path, n);
}

/* Integers with a per-tensor scale (qmax / max |x|): int8 weights and
** activations in sail-like's arrays above int8 x int4 above int4 x int4,
** and the host computing from the same codes gets the same figure: the
** data and its quantisation do not depend on the unit. */
static void test_pim_int8_above_int4(void)
{
    char dir[] = "/tmp/lpt_error_XXXXXX", cpu[128];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    cpu_baseline(dir, cpu, sizeof cpu);
    static const char *const fmts[] = {"in_a=int8 in_b=int8", "in_a=int8 in_b=int4", "in_a=int4 in_b=int4"};
    double s[3];
    for (int i = 0; i < 3; i++) s[i] = gemm_sqnr("sail-like", fmts[i], "normal");
    for (int i = 0; i < 2; i++) /* the host's SIMD unit takes int8 activations only */
        CU_ASSERT_EQUAL(gemm_sqnr(cpu, fmts[i], "normal"), s[i]);
    /* int8: a step of max|x| / 127 on values of unit variance, 4 sigma at most: 40.8 dB an operand, 37.8 both */
    bool ok = s[0] > s[1] + 10 && s[1] > s[2] && fabs(s[0] - 37.8) < 2;
    if (!ok) fprintf(stderr, "\n  sail-like: %.2f > %.2f > %.2f dB?", s[0], s[1], s[2]);
    CU_ASSERT(ok);
    char *j = run_json("sail-like", "gemm M=8 N=32 K=256 in_a=int8 in_b=int8 out=fp32 dist=normal");
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"unit\": \"pim\""));
    free(j);
    unlink(cpu);
    rmdir(dir);
}

/* A few activation channels 32 times larger set a per-tensor scale that
** leaves the rest a coarse grid: int8's SQNR falls by more than 10 dB,
** bf16's (no scale, relative rounding) hardly moves, and neither does that
** of int8 weights under bf16 activations (the outliers are the
** activations'; the weights' error scales with the signal, channel by
** channel). */
static void test_outliers_against_a_per_tensor_scale(void)
{
    double n8 = gemm_sqnr("sail-like", "in_a=int8 in_b=int8", "normal");
    double o8 = gemm_sqnr("sail-like", "in_a=int8 in_b=int8", "outliers");
    double nb = gemm_sqnr("b200-mx", "in=bf16", "normal"), ob = gemm_sqnr("b200-mx", "in=bf16", "outliers");
    double nw = gemm_sqnr("h100", "in_a=bf16 in_b=int8", "normal"),
           ow = gemm_sqnr("h100", "in_a=bf16 in_b=int8", "outliers");
    bool ok = o8 < n8 - 10 && fabs(ob - nb) < 2 && fabs(ow - nw) < 2;
    if (!ok)
        fprintf(stderr, "\n  int8 %.2f -> %.2f dB, bf16 %.2f -> %.2f dB, int8 weights %.2f -> %.2f dB?", n8, o8, nb, ob,
                nw, ow);
    CU_ASSERT(ok);
    /* uniform data: the same unit variance, a smaller largest value, a finer int8 grid than normal's */
    CU_ASSERT(gemm_sqnr("sail-like", "in_a=int8 in_b=int8", "uniform") > n8);
}

/* The report's fields: error in --json (null when timing only), the text
** line; a layer, a model and an attention against their float64 of the
** real inputs; exec of a program file has no reference. */
static void test_reports(void)
{
    char *j = run_json("edge-mx", "gemm M=16 N=16 K=64 in=bf16 out=fp32 dist=outliers");
    CU_ASSERT_EQUAL(lpt_json_size(j, "error"), 7);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"dist\": \"outliers\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"reference\": \"float64 of the unquantised inputs\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"output\": \"C\""));
    CU_ASSERT(lpt_json_num(j, "error.max_rel_err") > 0 && lpt_json_num(j, "error.max_rel_err") < 0.01);
    CU_ASSERT_EQUAL(lpt_json_num(j, "error.nonfinite"), 0);
    free(j);
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(
        lpt_run("run --json --timing-only --arch edge-mx --workload 'gemm M=16 N=16 K=64'", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"error\": null"));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("run --arch edge-mx --workload 'gemm M=16 N=16 K=64 dist=uniform'", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  error           SQNR "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "in C (against the float64 of the unquantised inputs, dist=uniform)\n"));
    free(out), free(err);
    /* a layer: every rounding the formats add, against the float64 layer of the real inputs */
    double lb = sqnr("edge-mx", "layer model=tiny phase=prefill tokens=8 w=bf16 a=bf16");
    double l8 = sqnr("b200-mx", "layer model=tiny phase=prefill tokens=8 w=fp8_e4m3fn a=fp8_e4m3fn");
    double l4 = sqnr("b200-mx", "layer model=tiny phase=prefill tokens=8 w=mxfp4_e2m1 a=mxfp4_e2m1");
    /* int4 weights without a scale: +-1/sqrt(64) rounds to 0 and the layer passes its residual on */
    double li = sqnr("b200-mx", "layer model=tiny phase=prefill tokens=8 w=int4 a=bf16");
    bool ok = lb > l8 + 6 && l8 > l4 + 6 && l4 > 5 && li < 15;
    if (!ok) fprintf(stderr, "\n  tiny layer: bf16 %.2f, fp8 %.2f, mxfp4 %.2f, int4 %.2f dB?", lb, l8, l4, li);
    CU_ASSERT(ok);
    j = run_json("edge-mx", "model model=tiny phase=decode ctx=8");
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"output\": \"LOGITS\""));
    CU_ASSERT(lpt_json_num(j, "error.sqnr_db") > 30);
    free(j);
    double ab = sqnr("edge-mx", "attention kind=prefill heads=2 head_dim=32 seq=64 kv=bf16");
    double a8 = sqnr("edge-mx", "attention kind=prefill heads=2 head_dim=32 seq=64 kv=fp8_e4m3fn");
    CU_ASSERT(ab > a8 + 6 && a8 > 20);
    /* lpsim exec of a program file: no reference, no error object */
    CU_ASSERT_EQUAL(
        lpt_run("exec --json --arch edge-mx " LPSIM_SOURCE_DIR "/examples/mx_gemm/mx_gemm.s", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "\"error\""));
    free(out), free(err);
}

/* `lpsim ARGS`: its exit status; stdout into *out when out (else freed), stderr freed. */
static int lpsim(const char *args, char **out)
{
    char *o = NULL, *e = NULL;
    int rc = lpt_run(args, "", 0, &o, &e);
    if (out)
        *out = o;
    else
        free(o);
    free(e);
    return rc;
}

/* A functional sweep with dist as an axis: each run's error in the
** database; pareto's front of SQNR (larger is better) against energy, one
** front per distribution; fp8 beats MXFP8 in both here (more SQNR, less
** energy), so MXFP8 is off the front only if larger SQNR counts as better. */
static void test_sweep_db_and_pareto(void)
{
    char dir[] = "/tmp/lpt_error_XXXXXX", path[128], db[128], args[512], *out = NULL, *err = NULL;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    snprintf(db, sizeof db, "%s/r.db", dir);
    const char *text = "arch: b200-mx\nworkloads: ['gemm M=32 N=32 K=256 out=fp32']\naxes:\n"
                       "  - {key: dist, values: [normal, outliers]}\n"
                       "  - {key: in, values: [bf16, fp8_e4m3fn, mxfp8_e4m3, mxfp4_e2m1]}\n";
    lpt_write_file(path, text);
    for (int timing = 0; timing < 2; timing++) { /* functional, then the same sweep timing only: no error */
        snprintf(args, sizeof args, "sweep %s --db %s -j 2%s", path, db, timing ? " --timing-only" : "");
        CU_ASSERT_EQUAL(lpsim(args, NULL), 0);
    }
    CU_ASSERT_EQUAL(lpt_db_int(db, "SELECT count(*) FROM runs WHERE mode = 'functional' AND status = 'done' AND "
                                   "sqnr_db > 10 AND sqnr_db < 60 AND max_rel_err > 0 AND max_rel_err < 1"),
                    8);
    CU_ASSERT_EQUAL(lpt_db_int(db, "SELECT count(*) FROM runs WHERE workload LIKE '% dist=outliers'"), 8);
    CU_ASSERT_EQUAL(lpt_db_int(db, "SELECT count(*) FROM runs WHERE mode = 'timing-only' AND sqnr_db IS NULL AND "
                                   "max_rel_err IS NULL"),
                    8);
    for (int pass = 0; pass < 2; pass++) { /* with --max-x, and without: sqnr_db is larger-is-better by nature */
        snprintf(args, sizeof args, "pareto --db %s --x sqnr_db --y energy_pj --csv%s", db, pass ? "" : " --max-x");
        CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
        int rows = 0, on = 0;
        for (char *line = strchr(out, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
            char row[512]; /* id,workload,group,on_front,sqnr_db,energy_pj,design */
            snprintf(row, sizeof row, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
            rows++;
            bool front = strstr(row, ",tensor_core,1,") != NULL;
            on += front;
            if (strstr(row, "in=mxfp8_e4m3")) CU_ASSERT_FALSE(front);
            if (strstr(row, "in=bf16") || strstr(row, "in=fp8_e4m3fn")) CU_ASSERT_TRUE(front);
        }
        CU_ASSERT_EQUAL(rows, 8); /* the functional runs: timing-only ones have no SQNR */
        CU_ASSERT_EQUAL(on, 6);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "gemm M=32 N=32 K=256 out=fp32 dist=normal,"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "gemm M=32 N=32 K=256 out=fp32 dist=outliers,"));
        free(out), free(err);
    }
    snprintf(args, sizeof args, "pareto --db %s --x sqnr_db --y energy_pj", db);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(larger sqnr_db, smaller energy_pj are better)"));
    free(out), free(err);
    snprintf(args, sizeof args, "pareto --db %s --x max_rel_err --where \"mode = 'timing-only'\"", db);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no finished run with max_rel_err and energy_pj"));
    free(out), free(err);
    /* a constraint cannot compare a choice */
    char with[512];
    snprintf(with, sizeof with, "%sconstraints: ['dist == 1']\n", text);
    lpt_write_file(path, with);
    snprintf(args, sizeof args, "sweep %s --dry-run", path);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":6:16: error: workload key 'dist' is a choice, not a number"));
    free(out), free(err);
    /* the example of docs/sweeps.md expands */
    CU_ASSERT_EQUAL(lpsim("sweep " LPSIM_SOURCE_DIR "/examples/sweeps/formats-error.yaml --dry-run", &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "14 points"));
    free(out);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(args), 0);
}

CU_TestInfo lpt_error_tests[] = {
    {"sqnr/hand_computed", test_hand_computed},
    {"sqnr/machine_reads_the_output_buffer", test_machine_reads_the_output},
    {"gemm/in_order_of_precision_h100_b200", test_gemm_in_order_of_precision},
    {"pim/int8_above_int4_arrays_equal_host", test_pim_int8_above_int4},
    {"dist/outliers_against_a_per_tensor_scale", test_outliers_against_a_per_tensor_scale},
    {"report/json_text_layer_attention_exec", test_reports},
    {"sweep/dist_axis_database_pareto_max_x", test_sweep_db_and_pareto},
    CU_TEST_INFO_NULL,
};
