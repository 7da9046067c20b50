/*
** test_run.c — `lpsim run`: generated programs checked against their
** references on every preset (one core and many), the representative cores
** against the simulation of every core, wave quantisation and split-K in the
** cycles of hand-checkable cases, the report's counts and kernels, emitted
** programs replayed by `lpsim exec`, and the command's diagnostics.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "workload.h"

static const char *const presets[] = {"edge-mx", "b200-mx", "h100"};

/* `lpsim run --json ARGS --workload 'W'`: exit status, stdout in *json. */
static int run_json(const char *args, const char *w, char **json)
{
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd, "run --json %s --workload '%s'", args, w);
    int rc = lpt_run(cmd, "", 0, json, &err);
    if (rc != 0 && rc != 1) fprintf(stderr, "\n  lpsim %s: %d: %s", cmd, rc, err);
    free(err);
    return rc;
}

/* A functional run matches its reference. */
static void expect_match(const char *arch, const char *w)
{
    char args[256], *j = NULL;
    snprintf(args, sizeof args, "--arch '%s'", arch);
    int rc = run_json(args, w, &j);
    if (rc != 0) fprintf(stderr, "\n  %s on %s: exit %d\n", w, arch, rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(lpt_json_num(j, "expectations"), 1);
    CU_ASSERT_EQUAL(lpt_json_num(j, "failed"), 0);
    free(j);
}

static void test_gemm_matches_on_every_preset(void)
{
    static const char *const w[] = {
        "gemm M=96 N=160 K=256 in=bf16 out=bf16",
        "gemm M=100 N=70 K=300 in=fp8_e4m3fn out=fp32",
        "gemm M=64 N=128 K=256 in=mxfp8_e4m3 out=bf16",
        "gemv N=200 K=96 in=bf16 out=fp32",
        "gemm M=70 N=50 K=320 in=bf16 out=bf16 tm=32 tn=32 tk=64 split_k=3",
        "gemm M=64 N=64 K=512 in=fp8_e4m3fn out=fp32 tk=64 split_k=4",
        "gemm M=64 N=64 K=512 in=bf16 out=fp32 tk=64 split_k=2 cores=1",
        "gemm M=70 N=50 K=96 batch=3 in=bf16 out=bf16",
        "gemm M=64 N=64 K=512 batch=2 in=fp8_e4m3fn out=fp32 tk=64 split_k=3",
        "gemm M=64 N=96 K=128 batch=2 in=mxfp8_e4m3 out=bf16",
        "gemm M=33 N=64 K=256 in_a=bf16 in_b=int4 out=fp32",
        "gemm M=33 N=64 K=256 in_a=bf16 in_b=fp4_e2m1fn out=bf16 batch=2 layout=kn",
    };
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect_match(presets[p], w[i]);
}

/* Every MX element type, on the chips whose tensor cores run it (h100 runs
** no FP4, FP6 or MXINT8 and says so). */
static void test_mx_formats_match(void)
{
    static const char *const w[] = {
        "gemm M=64 N=96 K=256 in=mxfp4_e2m1 out=bf16",
        "gemm M=64 N=96 K=256 in=mxfp6_e2m3 out=fp32",
        "gemm M=70 N=50 K=128 in=mxfp6_e3m2 out=bf16 batch=2",
        "gemm M=64 N=96 K=256 in=mxint8 out=fp32",
        "gemm M=64 N=96 K=256 in_a=mxfp8_e4m3 in_b=mxfp4_e2m1 out=bf16",
        "gemm M=64 N=64 K=1024 in=mxfp8_e5m2 out=fp32 tk=64 split_k=4",
    };
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect_match(presets[p], w[i]);
    char *j = NULL, *err = NULL;
    CU_ASSERT_EQUAL(lpt_run("run --arch h100 --workload 'gemm M=64 N=96 K=256 in=mxfp4_e2m1'", "", 0, &j, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: the matrix unit of h100 does not run fp4_e2m1fn"));
    free(j), free(err);
}

static void test_attention_matches_on_every_preset(void)
{
    static const char *const w[] = {
        "attention kind=prefill batch=1 heads=4 kv_heads=2 head_dim=32 seq=80 causal=1",
        "attention kind=prefill batch=2 heads=2 head_dim=16 seq=50 causal=0",
        "attention kind=decode batch=2 heads=8 kv_heads=2 head_dim=64 ctx=100",
        "attention kind=decode batch=1 heads=4 kv_heads=4 head_dim=32 ctx=33 kv=fp8_e4m3fn out=fp32",
    };
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect_match(presets[p], w[i]);
}

/* A tiny layer (prefill with more tokens than a tile, decode with a batch and
** a KV cache), a gpt2 layer (LayerNorm, GELU, learned positions) and a tiny
** model (embedding, layer, final norm, vocabulary) against their float64
** references, on every preset. */
static void test_layers_match_on_every_preset(void)
{
    static const char *const w[] = {
        "layer model=tiny phase=prefill tokens=40",
        "layer model=tiny phase=decode ctx=37 batch=3",
        "layer model=gpt2 phase=prefill tokens=6",
        "layer model=tiny phase=prefill tokens=24 batch=2 w=fp8_e4m3fn",
        "model model=tiny phase=decode ctx=20 batch=2",
        "layer model=tiny phase=decode ctx=9 w=int4",
        "layer model=tiny phase=prefill tokens=40 kv=fp8_e4m3fn",
        "layer model=tiny phase=decode ctx=37 batch=3 w=int4 a=bf16 kv=fp8_e4m3fn",
    };
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) expect_match(presets[p], w[i]);
}

/* Activations narrower than 16 bits (fp8, MX with MX weights) on the MX
** chips: the output within its tolerance and, bit for bit, the first
** projection input as converted (its codes, and its scales for MX): two
** expectations for an element format, three for MX. Dropping xn_quant or
** quantising its blocks along the columns fails them (docs/workloads.md). */
static void test_narrow_activations_match(void)
{
    static const struct {
        const char *w;
        int expectations;
    } cases[] = {
        {"layer model=tiny phase=prefill tokens=64 w=mxfp4_e2m1 a=mxfp8_e4m3", 3},
        {"layer model=tiny phase=decode ctx=37 batch=3 w=mxfp4_e2m1 a=mxfp8_e4m3", 3},
        {"layer model=tiny phase=prefill tokens=64 w=fp8_e4m3fn a=fp8_e4m3fn", 2},
        {"layer model=tiny phase=decode ctx=37 batch=3 w=fp8_e4m3fn a=fp8_e4m3fn kv=fp8_e4m3fn", 2},
        {"layer model=gpt2 phase=prefill tokens=6 w=mxfp6_e2m3 a=mxfp6_e3m2", 3},
        {"model model=tiny phase=decode ctx=20 batch=2 w=mxfp4_e2m1 a=mxfp8_e4m3", 3},
        {"model model=tiny phase=prefill tokens=16 w=fp8_e4m3fn a=fp8_e4m3fn", 2},
    };
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char args[256], *j = NULL;
            snprintf(args, sizeof args, "--arch '%s'", presets[p]);
            int rc = run_json(args, cases[i].w, &j);
            if (rc != 0) fprintf(stderr, "\n  %s on %s: exit %d\n", cases[i].w, presets[p], rc);
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(lpt_json_num(j, "expectations"), cases[i].expectations);
            CU_ASSERT_EQUAL(lpt_json_num(j, "failed"), 0);
            free(j);
        }
}

/* Operations of a run's JSON: whether one is named name. */
static bool has_op(const char *json, const char *name)
{
    json_error_t e;
    json_t *root = json_loads(json ? json : "", 0, &e), *ops = json_object_get(root, "operations");
    bool found = false;
    for (size_t i = 0; i < json_array_size(ops) && !found; i++) {
        const char *op = json_string_value(json_object_get(json_array_get(ops, i), "op"));
        found = op && !strcmp(op, name);
    }
    json_decref(root);
    return found;
}

/* llama-3-8b decode on b200-mx, timing only: fp8 and MX activations and
** weights move fewer bytes than bf16, so a memory-bound layer takes less
** time and energy; MX runs its conversion kernels, fp8 only o_quant. */
static void test_narrow_decode_is_cheaper(void)
{
    static const char *const fmts[][2] = {{"bf16", "bf16"},
                                          {"fp8_e4m3fn", "fp8_e4m3fn"},
                                          {"mxfp8_e4m3", "mxfp8_e4m3"},
                                          {"mxfp6_e2m3", "mxfp8_e4m3"},
                                          {"mxfp4_e2m1", "mxfp4_e2m1"}};
    double lat0 = 0, e0 = 0;
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        char w[160], *j = NULL;
        snprintf(w, sizeof w, "layer model=llama-3-8b phase=decode ctx=4096 w=%s a=%s", fmts[i][0], fmts[i][1]);
        CU_ASSERT_EQUAL(run_json("--arch b200-mx --timing-only", w, &j), 0);
        double lat = lpt_json_num(j, "latency_ns"), e = lpt_json_num(j, "energy_pj");
        if (i == 0) lat0 = lat, e0 = e;
        if (i > 0 && !(lat < 0.8 * lat0 && e < 0.6 * e0))
            fprintf(stderr, "\n  %s: %.0f ns, %.3g pJ against bf16 %.0f ns, %.3g pJ", w, lat, e, lat0, e0);
        CU_ASSERT(i == 0 || (lat < 0.8 * lat0 && e < 0.6 * e0));
        CU_ASSERT_EQUAL(has_op(j, "xn_quant"), fmts[i][1][0] == 'm');
        CU_ASSERT_EQUAL(has_op(j, "o_quant"), i > 0);
        CU_ASSERT_EQUAL(has_op(j, "a_quant"), fmts[i][1][0] == 'm');
        CU_ASSERT_PTR_NOT_NULL(strstr(j ? j : "", fmts[i][1]));
        free(j);
    }
}

/* Sub-byte MX elements move packed (OCP MX: FP4 two to a byte, FP6 four to
** three bytes): llama-3-8b decode at batch 8 on b200-mx, timing only, moves
** fewer DRAM bytes with mxfp6 than with mxfp8 and fewer still with mxfp4,
** spends less energy, and mxfp4 takes less time than mxfp8; none moves less
** than the workload's minimum, which counts packed bytes. */
static void test_packed_decode_moves_fewer_bytes(void)
{
    static const char *const fmts[] = {"mxfp8_e4m3", "mxfp6_e2m3", "mxfp4_e2m1"};
    double dram[3], lat[3], e[3];
    for (int i = 0; i < 3; i++) {
        char w[160], *j = NULL;
        snprintf(w, sizeof w, "layer model=llama-3-8b phase=decode ctx=4096 batch=8 w=%s a=%s", fmts[i], fmts[i]);
        CU_ASSERT_EQUAL(run_json("--arch b200-mx --timing-only", w, &j), 0);
        dram[i] = lpt_json_num(j, "dram_bytes"), lat[i] = lpt_json_num(j, "latency_ns"),
        e[i] = lpt_json_num(j, "energy_pj");
        double min = lpt_json_num(j, "counts.min_dram_bytes");
        fprintf(stderr, "\n  %s: DRAM %.0f bytes (minimum %.0f), %.0f ns, %.4g pJ", fmts[i], dram[i], min, lat[i],
                e[i]);
        CU_ASSERT(dram[i] >= min);
        free(j);
    }
    CU_ASSERT(dram[1] < dram[0] && dram[2] < dram[1]);
    CU_ASSERT(e[1] < e[0] && e[2] < e[1]);
    CU_ASSERT(lat[2] < lat[0]);
}

/* The figures of a run, and the cores simulated in each kernel. */
typedef struct figs {
    double cycles, macs, dram, l2, energy;
    int kernels, simulated[32], cores[32];
} figs;

static figs figures(const char *arch, const char *w, const char *mode)
{
    char args[512], *j = NULL;
    figs f;
    memset(&f, 0, sizeof f);
    snprintf(args, sizeof args, "--arch '%s' %s", arch, mode);
    CU_ASSERT_EQUAL(run_json(args, w, &j), 0);
    f.cycles = lpt_json_num(j, "cycles"), f.macs = lpt_json_num(j, "macs"), f.dram = lpt_json_num(j, "dram_bytes");
    f.l2 = lpt_json_num(j, "l2_bytes"), f.energy = lpt_json_num(j, "energy_pj");
    json_error_t e;
    json_t *root = json_loads(j ? j : "", 0, &e), *ks = json_object_get(root, "kernels");
    f.kernels = (int)json_array_size(ks);
    for (int k = 0; k < f.kernels && k < 32; k++) {
        f.simulated[k] = (int)json_integer_value(json_object_get(json_array_get(ks, (size_t)k), "simulated"));
        f.cores[k] = (int)json_integer_value(json_object_get(json_array_get(ks, (size_t)k), "cores"));
    }
    json_decref(root);
    free(j);
    return f;
}

/* One simulated core per group of identical cores gives what simulating every
** core gives (timing only), and what the functional run (which always
** simulates every core) gives; with fewer cores simulated than at work. */
static void test_representatives_equal_every_core(void)
{
    static const char *const w[] = {
        "gemm M=1000 N=700 K=300 in=fp8_e4m3fn out=fp32",
        "gemm M=130 N=90 K=1024 in=bf16 out=bf16 tm=64 tn=32 tk=64 split_k=4",
        "attention kind=prefill batch=2 heads=4 kv_heads=2 head_dim=32 seq=100 causal=1",
        "attention kind=decode batch=3 heads=8 kv_heads=2 head_dim=64 ctx=200",
        "layer model=tiny phase=prefill tokens=300",
        "model model=tiny phase=decode ctx=50 batch=4",
    };
    int fewer = 0;
    for (int p = 1; p < 3; p++)
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
            figs rep = figures(presets[p], w[i], "--timing-only");
            figs all = figures(presets[p], w[i], "--timing-only --all-cores");
            figs fun = figures(presets[p], w[i], "");
            if (rep.cycles != all.cycles || rep.cycles != fun.cycles)
                fprintf(stderr, "\n  %s on %s: cycles %.0f (representatives), %.0f (all), %.0f (functional)", w[i],
                        presets[p], rep.cycles, all.cycles, fun.cycles);
            CU_ASSERT(rep.cycles > 0 && rep.cycles == all.cycles && rep.cycles == fun.cycles);
            CU_ASSERT(rep.macs == all.macs && rep.dram == all.dram && rep.l2 == all.l2 && rep.macs == fun.macs);
            CU_ASSERT(fabs(rep.energy - all.energy) <= 1e-9 * all.energy);
            CU_ASSERT_EQUAL(rep.kernels, all.kernels);
            for (int k = 0; k < rep.kernels && k < 32; k++) {
                CU_ASSERT_EQUAL(all.simulated[k], all.cores[k]);
                CU_ASSERT(rep.simulated[k] <= rep.cores[k]);
                fewer += rep.simulated[k] < rep.cores[k];
            }
        }
    CU_ASSERT(fewer >= 4); /* the grouping did group */
}

/* A four-core chip without an L2 whose DRAM keeps up with every core: a
** C tile's time is its MMAs'. */
static const char quad[] = "name: quad\ncores: 4\nclock_ghz: 1.0\n"
                           "dram: {bandwidth_gbps: 100000, latency_ns: 0}\n"
                           "spm: {size_bytes: 262144, banks: 16, bank_bytes: 64}\n"
                           "acc: {size_bytes: 65536, banks: 4, bank_bytes: 256}\n"
                           "dma: {engines: 2, bytes_per_cycle: 4096, burst_bytes: 4096}\n"
                           "matrix: {kind: tensor_core, array_rows: 32, array_cols: 32, pipeline_cycles: 0, preset: "
                           "exact, formats: [{format: bf16, macs_per_cycle: 1024, energy_pj_per_mac: 0.1}]}\n";

static char *quad_path(char *dir, size_t n)
{
    char tmpl[] = "/tmp/lpt_run_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
    snprintf(dir, n, "%s", tmpl);
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/quad.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(quad, f);
    fclose(f);
    return path;
}

/* 4 tiles of 64 x 64 x 1024 on 4 cores: one wave; 5 tiles: core 0 takes two
** (two waves, twice the time); 8 tiles: every core two, the same cycles as 5.
** Each tile is 64 * 64 * 1024 / 1024 = 4096 MMA cycles. */
static void test_wave_quantisation_in_cycles(void)
{
    char dir[64];
    char *arch = quad_path(dir, sizeof dir);
    const char *fmt = "gemm M=%d N=64 K=1024 in=bf16 out=fp32 tm=64 tn=64 tk=256 split_k=1";
    char w[128];
    double c[3];
    int rows[] = {256, 320, 512};
    for (int i = 0; i < 3; i++) {
        snprintf(w, sizeof w, fmt, rows[i]);
        c[i] = figures(arch, w, "--timing-only").cycles;
    }
    fprintf(stderr, "\n  waves: 4 tiles %.0f, 5 tiles %.0f, 8 tiles %.0f cycles", c[0], c[1], c[2]);
    CU_ASSERT(c[0] >= 4096 && c[0] < 4096 * 1.15);
    CU_ASSERT(c[1] > 1.85 * c[0] && c[1] < 2.1 * c[0]);
    CU_ASSERT_EQUAL(c[1], c[2]);
    unlink(arch);
    rmdir(dir);
    free(arch);
}

/* One 64 x 64 C tile, K = 4096: unsplit, one core does 64 K steps of 64
** (4096 MMA cycles... times 16); split in 4, each core a quarter, then a
** reduction: well under half the time, and a second kernel "reduce". */
static void test_split_k_in_cycles(void)
{
    char dir[64], *j = NULL;
    char *arch = quad_path(dir, sizeof dir);
    figs one = figures(arch, "gemm M=64 N=64 K=4096 in=bf16 out=fp32 tm=64 tn=64 tk=256 split_k=1", "--timing-only");
    figs four = figures(arch, "gemm M=64 N=64 K=4096 in=bf16 out=fp32 tm=64 tn=64 tk=256 split_k=4", "--timing-only");
    fprintf(stderr, "\n  split-K: 1 part %.0f, 4 parts %.0f cycles", one.cycles, four.cycles);
    CU_ASSERT(one.cycles >= 16384);
    CU_ASSERT(four.cycles < 0.35 * one.cycles);
    CU_ASSERT(one.kernels == 1 && four.kernels == 2);
    CU_ASSERT(four.cores[0] == 4 && four.cores[1] == 1);
    char args[256];
    snprintf(args, sizeof args, "--arch '%s' --timing-only", arch);
    CU_ASSERT_EQUAL(run_json(args, "gemm M=64 N=64 K=4096 in=bf16 out=fp32 tm=64 tn=64 tk=256 split_k=4", &j), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"name\": \"reduce\""));
    free(j);
    unlink(arch);
    rmdir(dir);
    free(arch);
}

/* Twins keep their dependencies through DRAM: core 0 stores a tile and loads
** another (the load overlaps the store on the second DMA engine), core 1 stores
** the tile and loads it back (the load waits for the store). Equal timing keys,
** different dependencies: two groups, and the grouped run takes the slower
** core's cycles, as the run of every core does. */
static void test_twins_keep_dependencies_through_dram(void)
{
    char dir[64];
    char *arch = quad_path(dir, sizeof dir);
    char k[128], cmd[512], *j = NULL, *e = NULL;
    /* quad with DMA engines of 16 bytes a cycle and a DRAM latency: a tile takes its time */
    FILE *f = fopen(arch, "w");
    CU_ASSERT_FATAL(f != NULL);
    const char *q = strstr(quad, "dram:"), *qe = strchr(q, '\n'), *dm = strstr(quad, "dma:"), *de = strchr(dm, '\n');
    fprintf(f,
            "%.*sdram: {bandwidth_gbps: 100000, latency_ns: 100}%.*sdma: {engines: 2, bytes_per_cycle: 16, "
            "burst_bytes: 256}%s",
            (int)(q - quad), quad, (int)(dm - qe), qe, de);
    fclose(f);
    snprintf(k, sizeof k, "%s/k.s", dir);
    f = fopen(k, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(".buffer X, bf16, 128, 64\n.kernel k\n"
          ".core 0\n    DMA_ST X[0, 0], spm:0, 64, 64, bf16\n    DMA_LD spm:0x4000, X[64, 0], 64, 64, bf16\n"
          ".core 1\n    DMA_ST X[0, 0], spm:0, 64, 64, bf16\n    DMA_LD spm:0x4000, X[0, 0], 64, 64, bf16\n",
          f);
    fclose(f);
    double c[2];
    for (int all = 0; all < 2; all++) {
        snprintf(cmd, sizeof cmd, "exec --json --timing-only --arch '%s' '%s'%s", arch, k, all ? " --all-cores" : "");
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
        c[all] = lpt_json_num(j, "cycles");
        free(j), free(e);
    }
    /* the same program on one core each: the fast and the slow section alone */
    double alone[2];
    for (int core = 0; core < 2; core++) {
        f = fopen(k, "w");
        CU_ASSERT_FATAL(f != NULL);
        fprintf(f,
                ".buffer X, bf16, 128, 64\n    DMA_ST X[0, 0], spm:0, 64, 64, bf16\n"
                "    DMA_LD spm:0x4000, X[%d, 0], 64, 64, bf16\n",
                core ? 0 : 64);
        fclose(f);
        snprintf(cmd, sizeof cmd, "exec --json --timing-only --arch '%s' '%s'", arch, k);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
        alone[core] = lpt_json_num(j, "cycles");
        free(j), free(e);
    }
    fprintf(stderr, "\n  twins: grouped %.0f, every core %.0f, core 0 alone %.0f, core 1 alone %.0f", c[0], c[1],
            alone[0], alone[1]);
    CU_ASSERT(alone[1] > alone[0]); /* the dependency costs time */
    CU_ASSERT_EQUAL(c[0], c[1]);
    CU_ASSERT(c[0] > alone[0]);
    unlink(k);
    unlink(arch);
    rmdir(dir);
    free(arch);
}

/* Each core keeps its own scratchpad across kernels: core 1 loads B in kernel
** one, core 0 then loads A at the same address of its own, and in kernel two
** core 1 stores what its scratchpad holds: B. */
static void test_each_core_keeps_its_scratchpad(void)
{
    char dir[] = "/tmp/lpt_cores_XXXXXX", k[64], cmd[160], *j = NULL, *e = NULL;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(k, sizeof k, "%s/k.s", dir);
    FILE *f = fopen(k, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(".buffer A, fp32, 1, 4\n.buffer B, fp32, 1, 4\n.buffer C, fp32, 1, 4\n"
          ".data A, inline\n3f800000 40000000 40400000 40800000\n.enddata\n"
          ".data B, inline\nc0a00000 c0c00000 c0e00000 c1000000\n.enddata\n"
          ".expect C, inline, bitexact\nc0a00000 c0c00000 c0e00000 c1000000\n.enddata\n"
          ".kernel one\n.core 1\n    DMA_LD spm:0, B[0, 0], 1, 4, fp32\n"
          ".core 0\n    DMA_LD spm:0, A[0, 0], 1, 4, fp32\n"
          ".kernel two\n.core 1\n    DMA_ST C[0, 0], spm:0, 1, 4, fp32\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "exec --json --arch h100 '%s'", k);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &j, &e), 0);
    CU_ASSERT_EQUAL(lpt_json_num(j, "failed"), 0);
    free(j), free(e);
    unlink(k);
    rmdir(dir);
}

/* The cores at work share DRAM: a GEMV streaming its matrix from a slow DRAM
** (10 GB/s, the four-core chip otherwise) takes about as long on four cores
** as on one, not a quarter of it. */
static void test_dram_bandwidth_is_shared(void)
{
    char dir[64];
    char *arch = quad_path(dir, sizeof dir);
    FILE *f = fopen(arch, "a");
    CU_ASSERT_FATAL(f != NULL);
    fputs("l2: {size_bytes: 0}\n", f);
    fclose(f);
    /* a second file: quad with a slow DRAM (the key given twice would be refused) */
    char slow[128];
    snprintf(slow, sizeof slow, "%s/slow.yaml", dir);
    f = fopen(slow, "w");
    CU_ASSERT_FATAL(f != NULL);
    const char *q = strstr(quad, "dram:"), *e = strchr(q, '\n');
    fprintf(f, "%.*sdram: {bandwidth_gbps: 10, latency_ns: 0}%s", (int)(q - quad), quad, e);
    fclose(f);
    const char *w4 = "gemm M=1 N=256 K=4096 in=bf16 out=fp32 tm=1 tn=64 split_k=1";
    const char *w1 = "gemm M=1 N=256 K=4096 in=bf16 out=fp32 tm=1 tn=64 split_k=1 cores=1";
    figs four = figures(slow, w4, "--timing-only"), one = figures(slow, w1, "--timing-only");
    fprintf(stderr, "\n  shared DRAM: 1 core %.0f, 4 cores %.0f cycles", one.cycles, four.cycles);
    CU_ASSERT(four.cores[0] == 4 && one.cores[0] == 1);
    CU_ASSERT(four.cycles > 0.9 * one.cycles && four.cycles < 1.1 * one.cycles);
    /* 2 MiB of B at 10 bytes per cycle: at least 209715 cycles either way */
    CU_ASSERT(one.cycles >= 256.0 * 4096 * 2 / 10);
    unlink(slow);
    unlink(arch);
    rmdir(dir);
    free(arch);
}

/* The L2 serves the loads the cores repeat: a 1024^3 GEMM on h100 reads its
** A and B panels many times over the L2 but DRAM much less, never below the
** workload's minimum. */
static void test_l2_serves_repeated_loads(void)
{
    char *j = NULL;
    CU_ASSERT_EQUAL(run_json("--arch h100 --timing-only", "gemm M=1024 N=1024 K=1024 split_k=1", &j), 0);
    double dram = lpt_json_num(j, "dram_bytes"), l2 = lpt_json_num(j, "l2_bytes"),
           min = lpt_json_num(j, "counts.min_dram_bytes");
    fprintf(stderr, "\n  L2 %.0f, DRAM %.0f, minimum %.0f bytes", l2, dram, min);
    CU_ASSERT(dram >= min && l2 > 2 * dram);
    free(j);
}

/* The report's counts are wl_count's; a GEMM's simulated MACs are its count. */
static void test_report_counts_and_operations(void)
{
    char *j = NULL;
    const char *w = "gemm M=300 N=200 K=100 in=bf16 out=bf16";
    CU_ASSERT_EQUAL(run_json("--arch h100 --timing-only", w, &j), 0);
    wl_spec s;
    wl_counts c;
    CU_ASSERT_FATAL(wl_parse_inline(w, "t", 1, 1, &s, NULL) == LP_OK);
    wl_count(&s, &c);
    CU_ASSERT_EQUAL(lpt_json_num(j, "counts.macs"), (double)c.macs);
    CU_ASSERT_EQUAL(lpt_json_num(j, "counts.min_dram_bytes"), (double)c.bytes);
    CU_ASSERT_EQUAL(lpt_json_num(j, "macs"), (double)c.macs);
    CU_ASSERT_EQUAL(lpt_json_size(j, "operations"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"bound\": \""));
    /* the roofline: intensity from the counts, h100's ridge for bf16 (2048 MACs per cycle per SM) */
    CU_ASSERT_DOUBLE_EQUAL(lpt_json_num(j, "roofline.macs_per_byte"), (double)c.macs / (double)c.bytes, 1e-9);
    arch_cfg *h = lpt_arch("h100");
    CU_ASSERT_DOUBLE_EQUAL(lpt_json_num(j, "roofline.ridge_macs_per_byte"),
                           2048 * h->clock_ghz * (double)h->cores / h->dram.bw_gbps, 1e-6);
    arch_free(h);
    free(j);
}

/* `lpsim run --help` lists every key of the table and every model. */
static void test_help_lists_every_key(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(lpt_run("run --help", "", 0, &out, &err), 0);
    for (int k = 0; k < WL_KEY_COUNT; k++) {
        char line[64];
        snprintf(line, sizeof line, "\n  %-9s ", wl_key_name((wl_key_id)k));
        if (!strstr(out, line)) fprintf(stderr, "\n  lpsim run --help lacks key %s", wl_key_name((wl_key_id)k));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    }
    for (int m = 0; m < WL_MODEL_COUNT; m++) CU_ASSERT_PTR_NOT_NULL(strstr(out, wl_model_get((wl_model_id)m)->name));
    free(out), free(err);
}

/* `lpsim exec` of the emitted assembly and binary gives the run's cycles
** (timing only; functional for the .lpt, which carries the data). */
static void test_emitted_programs_replay(void)
{
    static const char *const cases[][2] = {
        {"edge-mx", "gemm M=96 N=64 K=128 in=bf16 out=bf16"},
        {"h100", "gemm M=300 N=200 K=256 in=bf16 out=fp32"},
        {"h100", "gemm M=64 N=64 K=1024 in=bf16 out=fp32 tk=64 split_k=4"},
        {"b200-mx", "attention kind=decode batch=2 heads=8 kv_heads=2 head_dim=64 ctx=100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[] = "/tmp/lpt_emit_XXXXXX", args[512], cmd[512], *j = NULL, *x = NULL, *err = NULL;
        CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
        snprintf(args, sizeof args, "--arch %s --emit-asm %s/k.s --emit-lpt %s/k.lpt", cases[i][0], dir, dir);
        CU_ASSERT_EQUAL(run_json(args, cases[i][1], &j), 0);
        double cycles = lpt_json_num(j, "cycles");
        snprintf(cmd, sizeof cmd, "exec --json --timing-only --arch %s %s/k.s", cases[i][0], dir);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &x, &err), 0);
        if (lpt_json_num(x, "cycles") != cycles)
            fprintf(stderr, "\n  %s: run %.0f cycles, exec of the .s %.0f (%s)", cases[i][1], cycles,
                    lpt_json_num(x, "cycles"), err);
        CU_ASSERT_EQUAL(lpt_json_num(x, "cycles"), cycles);
        free(x), free(err);
        snprintf(cmd, sizeof cmd, "exec --json --arch %s %s/k.lpt", cases[i][0], dir);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &x, &err), 0);
        CU_ASSERT_EQUAL(lpt_json_num(x, "cycles"), cycles);
        CU_ASSERT_EQUAL(lpt_json_num(x, "failed"), 0);
        free(x), free(err), free(j);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
}

/* Diagnostics at the token of the workload (@: the column of `at` in the
** command line as the program sees it), exit status 2. */
static void test_diagnostics(void)
{
    static const struct {
        const char *workload, *at, *want;
    } cases[] = {
        {"gemm M=4 N=4 K=4 tk=8 hed=1", "hed=", "<command-line>:1:@: error: unknown key 'hed' for gemm"},
        {"attention kind=decode heads=4 hed_dim=8 ctx=4", "hed_dim",
         "<command-line>:1:@: error: unknown key 'hed_dim' for attention (did you mean 'head_dim'?)"},
        {"gemm M=4 N=4 K=4 cores=200", "gemm", "<command-line>:1:@: error: cores=200: h100 has 132 cores"},
        {"layer model=tiny phase=decode ctx=8 a=fp8_e5m2 kv=fp8_e5m2", "layer",
         "<command-line>:1:@: error: q_proj (1 x 64 x 64): the GEMM mapping supports in_a bf16, fp16, fp8_e4m3fn or "
         "int8"},
        {"layer model=tiny phase=decode ctx=8 w=mxfp4_e2m1", "mxfp4",
         "<command-line>:1:@: error: w=mxfp4_e2m1 needs MX activations too (a=mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, "
         "...), "
         "not a=bf16"},
        {"layer model=tiny phase=prefill tokens=8 kv=mxfp8_e4m3", "layer",
         "<command-line>:1:@: error: kv=mxfp8_e4m3: the KV cache takes an element format, not MX"},
        {"gemm M=4 N=4 K=64 split_k=9", "gemm", "<command-line>:1:@: error: split_k=9 exceeds the 1 K tiles"},
        {"gemm M=4 N=4 K=4 in=fp9", "fp9", "<command-line>:1:@: error: unknown format 'fp9'"},
        {"gemm M=0 N=4 K=4", "0 N", "<command-line>:1:@: error: M must be between 1 and 262144, got 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char plain[256], args[256], want[256], *out = NULL, *err = NULL;
        snprintf(plain, sizeof plain, "run --arch h100 --workload %s", cases[i].workload);
        snprintf(args, sizeof args, "run --arch h100 --workload '%s'", cases[i].workload);
        int col = (int)strlen(LPSIM_BIN) + 2 + (int)(strstr(plain, cases[i].at) - plain);
        const char *at = strchr(cases[i].want, '@');
        snprintf(want, sizeof want, "%.*s%d%s", (int)(at - cases[i].want), cases[i].want, col, at + 1);
        CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
        if (!strstr(err, want)) fprintf(stderr, "\n  lpsim %s:\n  got  %s  want %s", args, err, want);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
        free(out), free(err);
    }
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(lpt_run("run --workload 'gemm M=4 N=4 K=4'", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'lpsim run' needs --arch ARCH and --workload SPEC"));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("run --arch nosuch --workload 'gemm M=4 N=4 K=4'", "", 0, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "error: 'nosuch': no preset or file of this name"));
    free(out), free(err);
}

CU_TestInfo lpt_run_tests[] = {
    {"gemm/matches_on_every_preset", test_gemm_matches_on_every_preset},
    {"gemm/mx_formats_match", test_mx_formats_match},
    {"attention/matches_on_every_preset", test_attention_matches_on_every_preset},
    {"layer/matches_on_every_preset", test_layers_match_on_every_preset},
    {"layer/narrow_activations_match", test_narrow_activations_match},
    {"layer/narrow_decode_is_cheaper", test_narrow_decode_is_cheaper},
    {"layer/packed_decode_moves_fewer_bytes", test_packed_decode_moves_fewer_bytes},
    {"cores/representatives_equal_every_core", test_representatives_equal_every_core},
    {"cores/wave_quantisation_in_cycles", test_wave_quantisation_in_cycles},
    {"cores/split_k_in_cycles", test_split_k_in_cycles},
    {"cores/dram_bandwidth_is_shared", test_dram_bandwidth_is_shared},
    {"cores/each_core_keeps_its_scratchpad", test_each_core_keeps_its_scratchpad},
    {"cores/twins_keep_dependencies_through_dram", test_twins_keep_dependencies_through_dram},
    {"cores/l2_serves_repeated_loads", test_l2_serves_repeated_loads},
    {"report/counts_and_operations", test_report_counts_and_operations},
    {"emit/programs_replay_in_exec", test_emitted_programs_replay},
    {"cli/diagnostics", test_diagnostics},
    {"cli/help_lists_every_key", test_help_lists_every_key},
    CU_TEST_INFO_NULL,
};
