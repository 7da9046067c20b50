/*
** test_sweep.c — sweep files expanded into points (workloads/sweep.h): the
** cross product in its order, ranges, listed points, constraints (derived
** names included), workload keys set only where the workload takes them,
** the architecture each point loads, the identity (hash) of a sweep, and
** every class of error at its line and column.
*/
#define _DEFAULT_SOURCE /* mkstemps */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "lp_num.h"
#include "lp_test.h"
#include "sweep.h"

static sw_sweep *load(const char *text)
{
    sw_sweep *s = NULL;
    lp_diag d;
    lp_status st = sw_load_text(text, strlen(text), "t.yaml", &s, &d);
    if (st) fprintf(stderr, "\n  unexpected: %s:%d:%d: %s\n", d.file, d.line, d.col, d.msg);
    CU_ASSERT_EQUAL_FATAL(st, LP_OK);
    return s;
}

/* A number of a point's parameters (NAN when absent). */
static double param(const sw_sweep *s, size_t i, const char *key)
{
    json_t *j = json_loads(s->points[i].params_json, 0, NULL);
    json_t *v = json_object_get(j, key);
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    json_decref(j);
    return x;
}

static void test_cross_product_order(void)
{
    sw_sweep *s = load("arch: edge-mx\n"
                       "workloads:\n"
                       "  - gemm M=64 N=64 K=64\n"
                       "  - gemm M=128 N=64 K=64\n"
                       "axes:\n"
                       "  - {key: cores, values: [1, 2, 4]}\n"
                       "  - {key: matrix.array_rows, values: [16, 32]}\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 12);
    /* the workloads outermost, then the first axis; the last axis turns fastest */
    static const double cores[6] = {1, 1, 2, 2, 4, 4}, rows[6] = {16, 32, 16, 32, 16, 32};
    for (size_t i = 0; i < 12; i++) {
        CU_ASSERT_EQUAL(param(s, i, "cores"), cores[i % 6]);
        CU_ASSERT_EQUAL(param(s, i, "matrix.array_rows"), rows[i % 6]);
        CU_ASSERT_PTR_NOT_NULL(strstr(s->points[i].workload, i < 6 ? "M=64 " : "M=128 "));
    }
    CU_ASSERT_EQUAL(s->narch, 6); /* the two workloads share architectures */
    CU_ASSERT_EQUAL(s->dropped, 0);
    /* each point's architecture loads with its values */
    arch_cfg *a;
    lp_diag d;
    const sw_point *p = &s->points[3]; /* cores 2, rows 32 */
    CU_ASSERT_EQUAL_FATAL(arch_load_text(s->arch_texts[p->arch], strlen(s->arch_texts[p->arch]), "p", &a, &d), LP_OK);
    CU_ASSERT_EQUAL(a->cores, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s->arch_texts[p->arch], "array_rows: 32\n"));
    CU_ASSERT_STRING_EQUAL(a->name, "edge-mx");
    arch_free(a);
    sw_free(s);
}

static void test_ranges(void)
{
    sw_sweep *s = load("arch: edge-mx\nworkloads: [gemm M=64 N=64 K=64]\naxes:\n"
                       "  - {key: matrix.array_cols, range: {from: 8, to: 64, factor: 2}}\n"
                       "  - {key: clock_ghz, range: {from: 1, to: 2, step: 0.5}}\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 12);
    static const double cols[4] = {8, 16, 32, 64}, clk[3] = {1, 1.5, 2};
    for (size_t i = 0; i < 12; i++) {
        CU_ASSERT_EQUAL(param(s, i, "matrix.array_cols"), cols[i / 3]);
        CU_ASSERT_EQUAL(param(s, i, "clock_ghz"), clk[i % 3]);
    }
    sw_free(s);
}

static void test_listed_points_and_sets(void)
{
    sw_sweep *s = load("arch: edge-mx\n"
                       "workloads: ['layer model=tiny phase=decode ctx=64']\n"
                       "axes:\n"
                       "  - {name: fmt, set: ['w=bf16 a=bf16', 'w=fp8_e4m3fn kv=fp8_e4m3fn'], labels: [b, f]}\n"
                       "points:\n"
                       "  - 'arch=b200-mx cores=4 w=int4'\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[0].workload, " w=bf16 a=bf16 kv=bf16"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[1].workload, " w=fp8_e4m3fn a=bf16 kv=fp8_e4m3fn"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[2].workload, " w=int4 "));
    CU_ASSERT_STRING_EQUAL(s->arch_names[s->points[0].arch], "edge-mx");
    CU_ASSERT_STRING_EQUAL(s->arch_names[s->points[2].arch], "b200-mx");
    CU_ASSERT_PTR_NOT_NULL(strstr(s->arch_texts[s->points[2].arch], "cores: 4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[2].params_json, "\"arch\":\"b200-mx\""));
    /* a named set axis is one parameter, its label; listed keys are each their own */
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[1].params_json, "\"fmt\":\"f\""));
    CU_ASSERT_PTR_NULL(strstr(s->points[1].params_json, "\"kv\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[2].params_json, "\"cores\":4,\"w\":\"int4\""));
    sw_free(s);
    /* a listed point's keys are its own arch='s (sail-like's PIM arrays are no key of edge-mx), it may
    ** label itself on a named set axis (a parameter, nothing set), and tile_bytes is 0 without an array */
    s = load("arch: edge-mx\n"
             "workloads: ['layer model=tiny phase=decode ctx=64']\n"
             "axes:\n"
             "  - {name: fmt, set: ['w=bf16 a=bf16'], labels: [b]}\n"
             "points:\n"
             "  - 'units[0].arrays=0 arch=sail-like fmt=cpu w=int4 a=int8'\n"
             "constraints: ['spm.size_bytes >= 2*tile_bytes']\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 2);
    CU_ASSERT_STRING_EQUAL(s->arch_names[s->points[1].arch], "sail-like");
    CU_ASSERT_PTR_NOT_NULL(strstr(s->arch_texts[s->points[1].arch], "arrays: 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[1].params_json, "\"fmt\":\"cpu\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[1].workload, " w=int4 a=int8 "));
    CU_ASSERT_PTR_NULL(strstr(s->points[1].workload, "cpu"));
    sw_free(s);
}

/* tokens= is a prefill key: set in the prefill workload, left out of the decode one. */
static void test_workload_key_where_taken(void)
{
    sw_sweep *s = load("arch: edge-mx\n"
                       "workloads:\n"
                       "  - layer model=tiny phase=prefill tokens=16\n"
                       "  - layer model=tiny phase=decode ctx=64\n"
                       "axes: [{key: tokens, values: [32, 64]}]\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[0].workload, "tokens=32"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s->points[1].workload, "tokens=64"));
    CU_ASSERT_STRING_EQUAL(s->points[2].workload, s->points[3].workload);
    CU_ASSERT_PTR_NULL(strstr(s->points[2].workload, "tokens"));
    CU_ASSERT(isnan(param(s, 2, "tokens")));
    sw_free(s);
}

static void test_constraints(void)
{
    /* edge-mx: array 64 x 64; tile_bytes = (rows + cols) x 32 x bytes of the widest input */
    sw_sweep *s = load("arch: edge-mx\nworkloads: [gemm M=64 N=64 K=64]\naxes:\n"
                       "  - {key: matrix.array_rows, values: [64, 1024, 2048]}\n"
                       "  - {key: spm.size_bytes, values: [65536, 524288]}\n"
                       "  - {key: cores, values: [1, 8]}\n"
                       "constraints:\n"
                       "  - spm.size_bytes >= 2*tile_bytes\n"
                       "  - '!(cores > 4 && matrix.array_rows >= 2048) || area_mm2 > 1e9'\n");
    /* rows 64: tile (64+64)*32*2 = 8 KiB, both sizes pass; rows 1024: 68 KiB: 512 KiB passes;
    ** rows 2048: 132 KiB: 512 KiB passes, and only with 1 core (area 0) */
    CU_ASSERT_EQUAL(s->npoints, 4 + 2 + 1);
    CU_ASSERT_EQUAL(s->dropped, 12 - 7);
    for (size_t i = 0; i < s->npoints; i++) {
        double r = param(s, i, "matrix.array_rows"), spm = param(s, i, "spm.size_bytes");
        CU_ASSERT(spm >= 2 * (r + 64) * 32 * 2);
    }
    CU_ASSERT_EQUAL(param(s, 6, "matrix.array_rows"), 2048);
    CU_ASSERT_EQUAL(param(s, 6, "cores"), 1);
    sw_free(s);
    /* workload keys and the area: matrix.area_mm2 x cores */
    s = load("arch: edge-mx\nworkloads: ['gemm M=64 N=64 K=64 in=fp8_e4m3fn out=bf16', 'gemm M=512 N=64 K=64']\n"
             "axes: [{key: matrix.area_mm2, values: [1, 3]}, {key: cores, values: [1, 2]}]\n"
             "constraints: ['area_mm2 <= 3 && M * in_a <= 4096']\n");
    CU_ASSERT_EQUAL_FATAL(s->npoints, 3); /* areas 1, 2, 3 of the first workload; M*16 = 8192 drops the second */
    for (size_t i = 0; i < 3; i++) CU_ASSERT(param(s, i, "matrix.area_mm2") * param(s, i, "cores") <= 3);
    sw_free(s);
}

static void test_identity(void)
{
    static const char t[] = "arch: edge-mx\nworkloads: [gemm M=64 N=64 K=64]\naxes: [{key: cores, values: [1, 2]}]\n";
    sw_sweep *a = load(t), *b = load(t);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)lp_fnv1a64(t, strlen(t)));
    CU_ASSERT_STRING_EQUAL(a->hash, hex);
    CU_ASSERT_EQUAL_FATAL(a->npoints, b->npoints);
    for (size_t i = 0; i < a->npoints; i++) {
        CU_ASSERT_STRING_EQUAL(a->points[i].workload, b->points[i].workload);
        CU_ASSERT_STRING_EQUAL(a->points[i].params_json, b->points[i].params_json);
        CU_ASSERT_STRING_EQUAL(a->arch_texts[a->points[i].arch], b->arch_texts[b->points[i].arch]);
    }
    sw_free(a);
    sw_free(b);
}

/* Each bad file: the line, column and a piece of the message. */
static const struct bad {
    const char *text;
    int line, col;
    const char *msg;
} bad[] = {
    {"arch: edge-mx\nworkload: [gemm M=1 N=1 K=1]\n", 2, 1, "unknown key 'workload' (did you mean 'workloads'?)"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\n", 1, 1, "needs 'axes' or 'points'"},
    {"arch: edge-mx\naxes: [{key: cores, values: [1]}]\n", 1, 1, "needs 'workloads'"},
    {"arch: nosuch\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\n", 1, 7, "arch 'nosuch'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: corse, values: [1]}]\n", 3, 14, "unknown key 'corse'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes:\n  - {key: cores, values: [1, 0]}\n", 4, 30,
     "cores must be between 1 and 65536"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes:\n  - {key: spm.size_bytes, values: [1e3x]}\n", 4, 36,
     "spm.size_bytes must be a whole number"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes:\n  - {set: ['cores=2 in=fp9']}\n", 4, 24,
     "unknown format 'fp9'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1 Q=2]\naxes: [{key: cores, values: [1]}]\n", 2, 30,
     "unknown key 'Q' for gemm"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1], range: {from: 1, to: 2, step: "
     "1}}]\n",
     3, 8, "exactly one of"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, range: {from: 4, to: 2, step: 1}}]\n", 3, 28,
     "from <= to"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: tokens, values: [1]}]\n", 3, 31,
     "no workload of the sweep takes 'tokens'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\nconstraints: ['cores >= = 2']\n",
     4, 25, "expected a number, a name or '('"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\nconstraints: ['cores = 2']\n", 4,
     22, "did you mean '=='"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\nconstraints: ['(cores > 1']\n",
     4, 26, "unbalanced parenthesis"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\nconstraints: ['2 * wat > 1']\n",
     4, 20, "unknown name 'wat'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{key: cores, values: [1]}]\nconstraints: ['cores > 5']\n", 1,
     1, "the constraints dropped all 1"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['cores']\n", 3, 11, "expected KEY=VALUE"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['cores=2 cores=3']\n", 3, 25, "set twice"},
    /* a label names a set axis, in a listed point only; an arch='s keys are its own */
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['fmt=x']\n", 3, 11, "nor the name of a set axis"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{name: f, set: ['f=x']}]\n", 3, 25, "unknown key 'f'"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['units[0].arrays=0']\n", 3, 11,
     "unknown key 'units[0].arrays'"},
    {"arch: sail-like\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['arch=edge-mx units[0].arrays=0']\n", 3, 24,
     "architecture key of edge-mx"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['arch=nope cores=2']\n", 3, 16, "nope"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['arch=h100 cores=2 arch=h100']\n", 3, 34, "set twice"},
    {"arch: edge-mx\nseed: -1\nworkloads: [gemm M=1 N=1 K=1]\npoints: ['cores=2']\n", 2, 7, "seed"},
    {"- a\n- b\n", 1, 1, "a sweep file is a mapping"},
    {"arch: edge-mx\nworkloads: [gemm M=1 N=1 K=1]\naxes: [{name: f, set: ['in=bf16'], labels: [a, b]}]\n", 3, 8,
     "one label per value"},
    {"arch: edge-mx\narch: h100\n", 2, 1, "duplicate key 'arch'"},
};

static void test_errors_at_their_place(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sw_sweep *s = NULL;
        lp_diag d;
        lp_status st = sw_load_text(bad[i].text, strlen(bad[i].text), "bad.yaml", &s, &d);
        bool ok = st != LP_OK && !s && d.line == bad[i].line && d.col == bad[i].col && strstr(d.msg, bad[i].msg) &&
                  d.file && !strcmp(d.file, "bad.yaml");
        if (!ok)
            fprintf(stderr, "\n  case %zu: want %d:%d '%s', got status %d %s:%d:%d: %s\n", i, bad[i].line, bad[i].col,
                    bad[i].msg, st, d.file ? d.file : "(null)", d.line, d.col, d.msg);
        CU_ASSERT(ok);
        sw_free(s);
    }
}

/* The command: --dry-run prints the points; a file error at FILE:LINE:COL, exit 2. */
static void test_dry_run(void)
{
    char path[] = "/tmp/lpt_sweep_XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    CU_ASSERT_FATAL(fd >= 0);
    static const char t[] =
        "arch: edge-mx\nworkloads: [gemm M=64 N=64 K=64]\naxes: [{key: cores, values: [1, 2, 3]}]\n";
    CU_ASSERT_EQUAL(write(fd, t, sizeof t - 1), (ssize_t)(sizeof t - 1));
    close(fd);
    char args[256], *out, *err;
    snprintf(args, sizeof args, "sweep %s --dry-run --shard 1/2", path);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "     1  edge-mx"));
    CU_ASSERT_PTR_NULL(strstr(out, "     0  edge-mx"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 point in shard 1/2 of 3"));
    free(out), free(err);
    FILE *f = fopen(path, "a");
    fputs("constraints: ['cores <']\n", f);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s --dry-run", path);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    char want[160];
    snprintf(want, sizeof want, "%s:4:23: error: expected a number", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    free(out), free(err);
    snprintf(args, sizeof args, "sweep %s --dry-run --shard 2/2", path);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--shard takes I/N"));
    free(out), free(err);
    remove(path);
}

CU_TestInfo lpt_sweep_tests[] = {
    {"expand/cross_product_in_order", test_cross_product_order},
    {"expand/ranges_by_step_and_factor", test_ranges},
    {"expand/listed_points_and_sets", test_listed_points_and_sets},
    {"expand/workload_key_only_where_taken", test_workload_key_where_taken},
    {"expand/constraints_and_derived_names", test_constraints},
    {"expand/same_file_same_points_and_hash", test_identity},
    {"errors/at_their_place", test_errors_at_their_place},
    {"cli/dry_run_and_shards", test_dry_run},
    CU_TEST_INFO_NULL,
};
