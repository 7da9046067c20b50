/*
** test_validate.c — `lpsim validate`: on hand-made measurement files in a
** scratch folder, the measured time of a shape is the lower median of its
** runs, each prediction is the latency `lpsim run --timing-only --json`
** prints for the same workload, and the errors, MAPE, median and halves in
** the JSON summary, the text table and the CSV follow from them; a failed
** prediction, a missing folder and a bad row are errors at their place; the
** held-out rule is pinned and splits the shared data in two.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "validate.h"

#define ARCH "edge-mx" /* small: each prediction takes milliseconds */

static const char gemm_header[] = "run,op,dtype_in,dtype_out,fast_accum,M,N,K,reps,median_us,min_us,p90_us,"
                                  "warm_mean_us,tflops_median,tflops_best,gbps_median,sm_mhz,power_w,note\n";
/* Shape A (held out) measured 10 then 8: the lower is the second run's;
** shape B (fit) 3 then 4: the first run's; shape C (fit) once, 2. */
static const char gemm_rows[] = "1,matmul,bf16,bf16,0,64,512,512,25,10.0,9,11,5,1,1,1,1500,600,\n"
                                "1,matmul,bf16,bf16,0,64,1024,512,25,3.0,2.9,3.3,2,1,1,1,1500,600,\n"
                                "2,matmul,bf16,bf16,0,64,512,512,25,8.0,7.5,8.8,5,1,1,1,1500,600,\n"
                                "2,matmul,bf16,bf16,0,64,1024,512,25,4.0,3.9,4.2,2,1,1,1,1500,600,\n"
                                "1,matmul,bf16,bf16,0,128,512,512,25,2.0,1.9,2.2,2,1,1,1,1500,600,\n";
static const char attn_file[] =
    "run,kind,backend,batch,heads,q_len,kv_len,head_dim,causal,dtype,reps,median_us,min_us,p90_us,warm_mean_us,"
    "tflops_median,gbps_median,sm_mhz,power_w,note\n"
    "1,prefill,default,1,2,128,128,64,1,bf16,25,20.0,19,21,18,1,1,1980,100,\n"
    "1,prefill,flash,1,2,128,128,64,1,bf16,25,25.0,24,26,23,1,1,1980,100,\n";
static const char *const spec_a = "gemm M=64 N=512 K=512 in=bf16 out=bf16";
static const char *const spec_b = "gemm M=64 N=1024 K=512 in=bf16 out=bf16";
static const char *const spec_c = "gemm M=128 N=512 K=512 in=bf16 out=bf16";
static const char *const spec_att =
    "attention kind=prefill batch=1 heads=2 kv_heads=2 head_dim=64 seq=128 causal=1 in=bf16";

static void write_text(const char *dir, const char *name, const char *a, const char *b)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(a, f);
    if (b) fputs(b, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* A scratch folder holding the hand-made files (the attention file when attn). */
static void scratch(char *dir, bool attn)
{
    strcpy(dir, "/tmp/lpt_val_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    write_text(dir, LP_VAL_GEMM_FILE, gemm_header, gemm_rows);
    if (attn) write_text(dir, LP_VAL_ATTENTION_FILE, attn_file, NULL);
}

static void remove_scratch(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* What `lpsim run --arch ARCH --workload SPEC --timing-only --json` prints as latency_ns, in us. */
static double run_us(const char *spec)
{
    char cmd[512], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "run --arch %s --workload '%s' --timing-only --json", ARCH, spec);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    double ns = lpt_json_num(out, "latency_ns");
    free(out), free(err);
    CU_ASSERT_FALSE(isnan(ns));
    return ns / 1000;
}

/* The middle of three values. */
static double mid3(double a, double b, double c) { return fmax(fmin(a, b), fmin(fmax(a, b), c)); }

static bool close_rel(double got, double want, double rel)
{
    bool ok = fabs(got - want) <= rel * fabs(want);
    if (!ok) fprintf(stderr, "\n  got %.12g, expected %.12g", got, want);
    return ok;
}

/* The CSV row of a shape (by group and key): its measured, predicted, error and half. */
static bool csv_row(const char *csv, const char *group, const char *key, double *meas, double *pred, double *err,
                    char *half, char *spec)
{
    char prefix[200];
    snprintf(prefix, sizeof prefix, "\n%s,", group);
    for (const char *p = strstr(csv, prefix); p; p = strstr(p + 1, prefix)) {
        char line[600];
        const char *e = strchr(p + 1, '\n');
        size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
        snprintf(line, sizeof line, "%.*s", (int)n, p + 1);
        char *f[16]; /* 12 fields, none holding a comma */
        int nf = 0;
        f[nf++] = line;
        for (char *c = line; *c && nf < 16; c++)
            if (*c == ',') *c = 0, f[nf++] = c + 1;
        if (nf != 12 || strcmp(f[4], key)) continue;
        *meas = strtod(f[7], NULL), *pred = strtod(f[8], NULL), *err = strtod(f[9], NULL);
        strcpy(half, f[6]);
        strcpy(spec, f[5]);
        return true;
    }
    fprintf(stderr, "\n  no CSV row for %s / %s", group, key);
    return false;
}

/* The CSV row of a shape holds the measured time, the prediction, the signed
** error from them, the half and the workload. */
static void expect_csv_row(const char *csv, const char *group, const char *key, double meas, double pred,
                           const char *half, const char *spec)
{
    double m = 0, p = 0, e = 0;
    char h[16] = "", sp[200] = "";
    CU_ASSERT_FATAL(csv_row(csv, group, key, &m, &p, &e, h, sp));
    CU_ASSERT_EQUAL(m, meas);
    CU_ASSERT(close_rel(p, pred, 1e-9));
    CU_ASSERT(fabs(e - (pred - meas) / meas * 100) < 1e-5);
    CU_ASSERT_STRING_EQUAL(h, half);
    CU_ASSERT_STRING_EQUAL(sp, spec);
}

static void test_errors_from_run_and_lower_median(void)
{
    char dir[32], cmd[512], *out = NULL, *err = NULL;
    scratch(dir, true);
    double pa = run_us(spec_a), pb = run_us(spec_b), pc = run_us(spec_c), pt = run_us(spec_att);
    double ea = fabs(pa - 8) / 8 * 100, eb = fabs(pb - 3) / 3 * 100, ec = fabs(pc - 2) / 2 * 100; /* lower medians */
    snprintf(cmd, sizeof cmd, "validate h100 --arch %s --data '%s' --csv '%s/o.csv' --json --jobs 2", ARCH, dir, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    const char *g = "groups.gemm bf16->bf16.";
    char k[128];
#define G(name) (snprintf(k, sizeof k, "%s%s", g, name), lpt_json_num(out, k))
    CU_ASSERT_EQUAL(G("shapes"), 3);
    CU_ASSERT(close_rel(G("mape_pct"), (ea + eb + ec) / 3, 1e-12));
    CU_ASSERT(close_rel(G("median_pct"), mid3(ea, eb, ec), 1e-12));
    CU_ASSERT(close_rel(G("max_pct"), fmax(ea, fmax(eb, ec)), 1e-12));
    CU_ASSERT_EQUAL(G("fit_shapes"), 2);
    CU_ASSERT(close_rel(G("fit_mape_pct"), (eb + ec) / 2, 1e-12)); /* gemm 64 1024 512 and 128 512 512 are fit */
    CU_ASSERT(close_rel(G("held_out_mape_pct"), ea, 1e-12));
    CU_ASSERT_EQUAL(G("off_2x"), (pa > 16 || pa < 4) + (pb > 6 || pb < 1.5) + (pc > 4 || pc < 1));
#undef G
    /* both backends of the prefill shape share one prediction: 4 workloads for 5 shapes */
    CU_ASSERT_EQUAL(lpt_json_num(out, "predictions"), 4);
    CU_ASSERT_EQUAL(lpt_json_num(out, "all.shapes"), 5);
    CU_ASSERT(close_rel(lpt_json_num(out, "groups.attention prefill flash.mape_pct"), fabs(pt - 25) / 25 * 100, 1e-12));
    free(out), free(err);

    char path[64];
    snprintf(path, sizeof path, "%s/o.csv", dir);
    char *csv = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(
        strncmp(csv, "group,kind,format,backend,shape_key,spec,half,measured_us,predicted_us,error_pct,", 80), 0);
    const char *key_att = "attention prefill 1 2 128 128 64 1";
    expect_csv_row(csv, "gemm bf16->bf16", "gemm 64 512 512", 8.0, pa, "held-out", spec_a);
    expect_csv_row(csv, "gemm bf16->bf16", "gemm 64 1024 512", 3.0, pb, "fit", spec_b);
    expect_csv_row(csv, "attention prefill default", key_att, 20.0, pt, "held-out", spec_att);
    expect_csv_row(csv, "attention prefill flash", key_att, 25.0, pt, "held-out", spec_att);
    free(csv);

    /* the text table: the group's line, the worst shape first */
    snprintf(cmd, sizeof cmd, "validate h100 --arch %s --data '%s'", ARCH, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    const char *line = strstr(out, "\n  gemm bf16->bf16 ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    unsigned shapes = 0;
    double mape = 0, median = 0, max = 0;
    CU_ASSERT_EQUAL(sscanf(line + strlen("\n  gemm bf16->bf16 "), "%u %lf %lf %lf", &shapes, &mape, &median, &max), 4);
    CU_ASSERT_EQUAL(shapes, 3);
    CU_ASSERT(fabs(mape - (ea + eb + ec) / 3) <= 0.005 + 1e-9);
    CU_ASSERT(fabs(median - mid3(ea, eb, ec)) <= 0.005 + 1e-9);
    CU_ASSERT(fabs(max - fmax(ea, fmax(eb, ec))) <= 0.005 + 1e-9);
    const char *worst = strstr(out, "worst of gemm bf16->bf16:");
    CU_ASSERT_PTR_NOT_NULL_FATAL(worst);
    const char *first = strstr(worst, ea >= eb ? "gemm 64 512 512 " : "gemm 64 1024 512 "),
               *second = strstr(worst, ea >= eb ? "gemm 64 1024 512 " : "gemm 64 512 512 ");
    CU_ASSERT(first && second && first < second); /* the larger error first */
    free(out), free(err);
    remove_scratch(dir);
}

/* The halves partition the shapes; a half without shapes is an error at --subset. */
static void test_subsets_partition(void)
{
    char dir[32], cmd[512], *out = NULL, *err = NULL;
    scratch(dir, true);
    double n[2], pb = run_us(spec_b), pc = run_us(spec_c);
    for (int h = 0; h < 2; h++) {
        snprintf(cmd, sizeof cmd, "validate h100 --arch %s --data '%s' --json --subset %s", ARCH, dir,
                 h ? "held-out" : "fit");
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
        n[h] = lpt_json_num(out, "all.shapes");
        if (!h) /* two shapes: the median is their mean */
            CU_ASSERT(close_rel(lpt_json_num(out, "groups.gemm bf16->bf16.median_pct"),
                                (fabs(pb - 3) / 3 * 100 + fabs(pc - 2) / 2 * 100) / 2, 1e-12));
        CU_ASSERT_EQUAL(lpt_json_num(out, h ? "all.fit_shapes" : "all.held_out_shapes"), 0);
        free(out), free(err);
    }
    CU_ASSERT_EQUAL(n[0], 2); /* gemm 64 1024 512 and 128 512 512 */
    CU_ASSERT_EQUAL(n[1], 3);
    /* only the fit shape's rows: no held-out shape */
    write_text(dir, LP_VAL_GEMM_FILE, gemm_header, "1,matmul,bf16,bf16,0,64,1024,512,25,3.0,2.9,3.3,2,1,1,1,1,1,\n");
    snprintf(cmd, sizeof cmd, "rm '%s/%s'", dir, LP_VAL_ATTENTION_FILE);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "validate h100 --arch %s --data '%s' --subset held-out", ARCH, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: no shape of the data falls in the held-out half"));
    free(out), free(err);
    remove_scratch(dir);
}

static void test_diagnostics(void)
{
    char dir[32], cmd[1024], want[512], *out = NULL, *err = NULL;
    scratch(dir, false);
    /* a folder that is not there: named, at --data */
    snprintf(cmd, sizeof cmd, "validate h100 --data '%s/none'", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    snprintf(want, sizeof want, "'%s/none': cannot read the folder: No such file or directory\n", dir);
    CU_ASSERT(strstr(err, "<command-line>:1:") == err && strstr(err, want) != NULL);
    free(out), free(err);
    /* a folder without either file */
    snprintf(cmd, sizeof cmd, "validate h100 --data /");
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'/': holds neither gemm_latency.csv nor attention_latency.csv"));
    free(out), free(err);
    /* a bad M on line 3: at its column */
    write_text(dir, LP_VAL_GEMM_FILE, gemm_header,
               "1,matmul,bf16,bf16,0,64,512,512,25,10.0,9,11,5,1,1,1,1500,600,\n"
               "2,matmul,bf16,bf16,0,6x4,512,512,25,10.0,9,11,5,1,1,1,1500,600,\n");
    snprintf(cmd, sizeof cmd, "validate h100 --data '%s'", dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    snprintf(want, sizeof want, "%s/gemm_latency.csv:3:22: error: M must be an integer, got '6x4'\n", dir);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out), free(err);
    /* a prediction that fails (an architecture without FP8): the shape's row and the run's error */
    write_text(dir, LP_VAL_GEMM_FILE, gemm_header,
               "1,matmul,bf16,bf16,0,64,512,512,25,10.0,9,11,5,1,1,1,1500,600,\n"
               "1,scaled_mm,fp8_e4m3,bf16,0,64,512,512,25,6.0,5,7,5,1,1,1,1500,600,\n");
    snprintf(cmd, sizeof cmd,
             "sed -e '/fp8_e4m3fn/d' -e 's/^name: edge-mx/name: nofp8/' '%s/models/arch/presets/edge-mx.yaml' > "
             "'%s/nofp8.yaml'",
             LPSIM_SOURCE_DIR, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "validate h100 --arch '%s/nofp8.yaml' --data '%s'", dir, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 2);
    snprintf(want, sizeof want,
             "%s/gemm_latency.csv:3:1: error: predicting 'gemm M=64 N=512 K=512 in=fp8_e4m3fn out=bf16' on nofp8 "
             "failed: the matrix unit of nofp8 does not run fp8_e4m3fn\n",
             dir);
    CU_ASSERT_STRING_EQUAL(err, want);
    free(out), free(err);
    /* --keep-going: the other shapes are reported, the failed one named, exit 1 */
    snprintf(cmd, sizeof cmd, "validate h100 --arch '%s/nofp8.yaml' --data '%s' --keep-going --json", dir, dir);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 1);
    CU_ASSERT_EQUAL(lpt_json_num(out, "groups.gemm bf16->bf16.shapes"), 1);
    CU_ASSERT_EQUAL(lpt_json_num(out, "not_predicted.gemm fp8_e4m3->bf16.shapes"), 1);
    free(out), free(err);
    /* the positional argument names a preset */
    CU_ASSERT_EQUAL(lpt_run("validate edge-mx.yaml", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: 'edge-mx.yaml' is not a preset ("));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("help validate", "", 0, &out, &err), 0);
    CU_ASSERT(strstr(out, "--subset") && strstr(out, "--keep-going") && strstr(out, "--jobs"));
    free(out), free(err);
    remove_scratch(dir);
}

static void test_held_out_rule_is_fixed(void)
{
    /* FNV-1a 64's published vectors, then the rule on keys pinned once */
    CU_ASSERT_EQUAL(lp_val_fnv1a64(""), UINT64_C(0xcbf29ce484222325));
    CU_ASSERT_EQUAL(lp_val_fnv1a64("a"), UINT64_C(0xaf63dc4c8601ec8c));
    CU_ASSERT_EQUAL(lp_val_fnv1a64("foobar"), UINT64_C(0x85944171f73967e8));
    CU_ASSERT_EQUAL(lp_val_fnv1a64("gemm 4096 14336 4096"), UINT64_C(0xaaedab8e0302eb5c));
    CU_ASSERT_TRUE(lp_val_fit_half("gemm 4096 14336 4096"));
    CU_ASSERT_FALSE(lp_val_fit_half("gemm 64 512 512"));
    CU_ASSERT_FALSE(lp_val_fit_half("attention prefill 1 32 4096 4096 128 1"));
    lp_val_shape g = {.kind = LP_VAL_GEMM, .m = 4096, .n = 14336, .k = 4096};
    lp_val_shape a = {.kind = LP_VAL_DECODE, .batch = 1, .heads = 32, .q_len = 1, .kv_len = 8192, .head_dim = 128};
    char key[LP_VAL_KEY_MAX];
    lp_val_shape_key(&g, key, sizeof key);
    CU_ASSERT_STRING_EQUAL(key, "gemm 4096 14336 4096");
    lp_val_shape_key(&a, key, sizeof key);
    CU_ASSERT_STRING_EQUAL(key, "attention decode 1 32 1 8192 128 0");

    /* the shared data: every shape measured in both runs, both halves filled in each kind */
    lp_val_set set;
    lp_diag d;
    CU_ASSERT_EQUAL_FATAL(lp_val_read(lpt_data("h100_latency"), &set, &d), LP_OK);
    size_t half[3][2] = {{0}}, gemm_fit[5] = {0};
    for (size_t i = 0; i < set.n; i++) {
        const lp_val_shape *s = &set.shape[i];
        CU_ASSERT_EQUAL(s->runs, 2);
        half[s->kind][s->fit]++;
        if (s->kind == LP_VAL_GEMM && s->fit) gemm_fit[s->group]++;
    }
    for (int k = 0; k < 3; k++) CU_ASSERT(half[k][0] > 0 && half[k][1] > 0);
    for (int gi = 1; gi < 5; gi++) CU_ASSERT_EQUAL(gemm_fit[gi], gemm_fit[0]); /* same shapes, same halves */
    CU_ASSERT_EQUAL(set.n, 1620 / 2 + 772 / 2);                                /* the files' rows, two runs each */
    lp_val_set_free(&set);
}

CU_TestInfo lpt_validate_tests[] = {
    {"errors/from_run_and_the_lower_median", test_errors_from_run_and_lower_median},
    {"subsets/partition_the_shapes", test_subsets_partition},
    {"cli/diagnostics", test_diagnostics},
    {"split/held_out_rule_is_fixed", test_held_out_rule_is_fixed},
    CU_TEST_INFO_NULL,
};
