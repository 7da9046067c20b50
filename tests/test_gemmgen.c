/*
** test_gemmgen.c — the single-core GEMM mapping and generator
** (workloads/map_gemm.h): tiles that fit and minimise the traffic model,
** generated programs run through `lpsim exec` (one process per simulation,
** as SystemC elaborates once) against their expectations on every preset,
** cycles that scale with K, disassembly that reassembles to the same bytes,
** and the formats it refuses.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "lp_test.h"
#include "map_gemm.h"
#include "tc.h"

static const char *const presets[] = {"edge-mx", "b200-mx", "h100"};

/* Generate, write to a temporary .lpt and run `lpsim exec --json ARGS`
** (arch_arg: a preset or a file); returns the exit status, JSON in *json. */
static int gen_and_exec(const char *text, const char *arch_arg, const wl_gemm_over *o, const char *args, char **json)
{
    wl_spec s = lpt_spec(text);
    arch_cfg *a = lpt_arch(arch_arg);
    wl_gemm_map m;
    lp_diag d = {0};
    isa_prog p;
    lp_status st = wl_map_gemm_over(&s, a, o, &m, &d);
    if (st) fprintf(stderr, "\n  map %s on %s: %s\n", text, arch_arg, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    st = wl_gen_gemm(&s, a, &m, 42, strstr(args, "timing-only") == NULL, &p, &d);
    CU_ASSERT_FATAL(st == LP_OK);
    CU_ASSERT_EQUAL(p.ninsns, m.insns);
    char dir[] = "/tmp/lpt_gemmgen_XXXXXX", path[128], cmd[512], *err = NULL;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/g.lpt", dir);
    CU_ASSERT_FATAL(isa_prog_write(&p, path, &d) == LP_OK);
    snprintf(cmd, sizeof cmd, "exec --json --arch '%s' %s '%s'", arch_arg, args, path);
    int rc = lpt_run(cmd, "", 0, json, &err);
    if (rc) fprintf(stderr, "\n  %s on %s (%ux%ux%u): rc %d\n%s", text, arch_arg, m.tm, m.tn, m.tk, rc, err);
    free(err);
    unlink(path);
    rmdir(dir);
    isa_prog_free(&p);
    arch_free(a);
    return rc;
}

static void expect_match(const char *text, const char *arch_arg, const wl_gemm_over *o)
{
    char *json = NULL;
    CU_ASSERT_EQUAL(gen_and_exec(text, arch_arg, o, "", &json), 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "failed"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "expectations"), 1);
    free(json);
}

static const char *const shapes[] = {
    "gemm M=64 N=64 K=64 in=bf16 out=fp32",          "gemm M=100 N=70 K=50 in=bf16 out=bf16",
    "gemm M=128 N=256 K=512 in=fp8_e4m3fn out=fp32", "gemm M=100 N=70 K=50 in_a=fp8_e4m3fn in_b=bf16 out=fp32",
    "gemm M=64 N=64 K=64 in=mxfp8_e4m3 out=fp32",    "gemm M=100 N=70 K=96 in=mxfp8_e4m3 out=bf16",
};

/* B's layouts: nk (the default: N x K, plain tiles loaded by DMA_LDT) and kn. */
static const char *const layouts[] = {" layout=nk", " layout=kn"};

static void test_programs_match_on_every_preset(void)
{
    char text[160];
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
            for (int l = 0; l < 2; l++) {
                snprintf(text, sizeof text, "%s%s", shapes[i], layouts[l]);
                expect_match(text, presets[p], NULL);
            }
}

/* Small tiles force edge tiles in M, N and K, several K tiles, both orders,
** and the resident-operand case (one K tile), in both layouts of B. */
static void test_edge_tiles_and_orders_match(void)
{
    static const wl_gemm_over over[] = {{32, 32, 32, WL_ORDER_MN, 1},
                                        {32, 32, 32, WL_ORDER_NM, 1},
                                        {64, 32, 0, WL_ORDER_MN, 1},
                                        {32, 64, 0, WL_ORDER_NM, 1}};
    char text[160];
    for (int i = 0; i < 4; i++)
        for (int l = 0; l < 2; l++) {
            snprintf(text, sizeof text, "gemm M=100 N=70 K=50 in=bf16 out=bf16%s", layouts[l]);
            expect_match(text, "edge-mx", &over[i]);
            snprintf(text, sizeof text, "gemm M=100 N=70 K=50 in_a=bf16 in_b=fp8_e4m3fn out=fp32%s", layouts[l]);
            expect_match(text, "b200-mx", &over[i]);
            snprintf(text, sizeof text, "gemm M=100 N=70 K=96 in=mxfp8_e4m3 out=fp32%s", layouts[l]);
            expect_match(text, "h100", &over[i]);
        }
}

/* Several cores (the multi-core path, one section a core): C tiles dealt
** over 3 and 5 cores of h100 and b200-mx, edge tiles included, each layout. */
static void test_cores_match_in_both_layouts(void)
{
    static const wl_gemm_over over[] = {{32, 32, 32, WL_ORDER_MN, 3}, {64, 32, 0, WL_ORDER_NM, 5}};
    char text[160];
    for (int i = 0; i < 2; i++)
        for (int l = 0; l < 2; l++) {
            snprintf(text, sizeof text, "gemm M=100 N=70 K=50 in=bf16 out=bf16%s", layouts[l]);
            expect_match(text, "h100", &over[i]);
            snprintf(text, sizeof text, "gemm M=100 N=70 K=64 in=fp8_e4m3fn out=fp32%s", layouts[l]);
            expect_match(text, "b200-mx", &over[i]);
        }
}

/* Instructions of each DMA kind in p. */
static void count_dma(const isa_prog *p, uint64_t *ld, uint64_t *ldt)
{
    *ld = *ldt = 0;
    for (size_t i = 0; i < p->ninsns; i++) {
        uint8_t op = p->code[i * ISA_WORD_BYTES];
        *ld += op == isa_get(ISA_DMA_LD)->opcode;
        *ldt += op == isa_get(ISA_DMA_LDT)->opcode;
    }
}

/* layout=nk stores a plain B as N x K and loads each of its tiles with one
** DMA_LDT in place of kn's DMA_LD: the same mapping (tiles, traffic,
** instruction count), the same number of loads, the same expected C for a
** seed (B is the same matrix, stored transposed), and the same cycles. MX
** keeps B N x K with DMA_LD whatever the layout. On one core and on 4. */
static void test_layouts_differ_only_in_how_b_is_stored(void)
{
    static const char *const texts[] = {"gemm M=100 N=70 K=50 in=bf16 out=bf16",
                                        "gemm M=100 N=70 K=96 in=mxfp8_e4m3 out=fp32"};
    static const wl_gemm_over over[] = {{32, 32, 32, WL_ORDER_MN, 1}, {32, 32, 32, WL_ORDER_NM, 4}};
    char text[160];
    for (int t = 0; t < 2; t++)
        for (int o = 0; o < 2; o++) {
            arch_cfg *a = lpt_arch("h100");
            wl_gemm_map m[2];
            isa_prog p[2];
            uint64_t ld[2], ldt[2];
            double cycles[2];
            for (int l = 0; l < 2; l++) {
                snprintf(text, sizeof text, "%s%s", texts[t], layouts[l]);
                wl_spec s = lpt_spec(text);
                CU_ASSERT_FATAL(wl_map_gemm_over(&s, a, &over[o], &m[l], NULL) == LP_OK);
                CU_ASSERT_FATAL(wl_gen_gemm(&s, a, &m[l], 11, true, &p[l], NULL) == LP_OK);
                count_dma(&p[l], &ld[l], &ldt[l]);
                char *json = NULL;
                CU_ASSERT_EQUAL(gen_and_exec(text, "h100", &over[o], "--timing-only", &json), 0);
                cycles[l] = lpt_json_num(json, "cycles");
                free(json);
            }
            bool mx = t == 1;
            CU_ASSERT(m[0].b_nk && m[1].b_nk == mx);
            CU_ASSERT(m[0].tm == m[1].tm && m[0].tn == m[1].tn && m[0].tk == m[1].tk && m[0].order == m[1].order);
            CU_ASSERT(m[0].traffic_bytes == m[1].traffic_bytes && m[0].insns == m[1].insns);
            CU_ASSERT_EQUAL(p[0].ninsns, p[1].ninsns);
            CU_ASSERT_EQUAL(ld[0] + ldt[0], ld[1] + ldt[1]);
            CU_ASSERT_EQUAL(ldt[1], 0);
            /* nk plain: one B tile per K step of each C tile (4 x 3 C tiles, 2 K tiles) */
            CU_ASSERT_EQUAL(ldt[0], mx ? 0 : 4 * 3 * 2);
            const isa_buffer *b0 = &p[0].bufs[1], *b1 = &p[1].bufs[1];
            CU_ASSERT(!strcmp(b0->name, "B") && b0->rows == 70 && b0->cols == m[0].k);
            CU_ASSERT(b1->rows == (mx ? 70 : m[1].k) && b1->cols == (mx ? m[1].k : 70));
            /* C's expectation: the same bytes */
            CU_ASSERT_FATAL(p[0].nexpects == 1 && p[1].nexpects == 1);
            const isa_buffer *c0 = &p[0].bufs[p[0].expects[0].buf];
            size_t cbytes = (size_t)c0->rows * c0->cols * (m[0].fout.bits < 32 ? 2 : 4);
            CU_ASSERT(!memcmp(p[0].data + p[0].expects[0].data_off, p[1].data + p[1].expects[0].data_off, cbytes));
            CU_ASSERT(cycles[0] == cycles[1] && cycles[0] > 0);
            isa_prog_free(&p[0]), isa_prog_free(&p[1]);
            arch_free(a);
        }
}

/* An exact matrix unit: the expectation is bitexact, K tile by K tile. */
static void test_exact_unit_is_bitexact(void)
{
    static const char yaml[] = "name: exact-unit\nclock_ghz: 1.0\nspm:\n  size_bytes: 65536\nacc:\n  size_bytes: "
                               "32768\nmatrix:\n  kind: tensor_core\n  array_rows: 16\n  array_cols: 16\n  preset: "
                               "exact\n  formats:\n    - {format: bf16, macs_per_cycle: 256, energy_pj_per_mac: 0.1}\n"
                               "    - {format: fp8_e4m3fn, macs_per_cycle: 512, energy_pj_per_mac: 0.1}\n";
    char dir[] = "/tmp/lpt_gemmgen_XXXXXX", path[128];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/exact.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(yaml, f);
    fclose(f);
    static const wl_gemm_over small = {32, 32, 32, WL_GEMM_ORDER_AUTO, 0};
    wl_spec s = lpt_spec("gemm M=100 N=70 K=200 in=bf16 out=fp32");
    arch_cfg *a = lpt_arch(path);
    wl_gemm_map m;
    isa_prog p;
    CU_ASSERT_FATAL(wl_map_gemm_over(&s, a, &small, &m, NULL) == LP_OK);
    CU_ASSERT_FATAL(wl_gen_gemm(&s, a, &m, 7, true, &p, NULL) == LP_OK);
    CU_ASSERT_EQUAL(p.nexpects, 1);
    CU_ASSERT_EQUAL(p.expects[0].rule, ISA_RULE_BITEXACT);
    isa_prog_free(&p);
    arch_free(a);
    expect_match("gemm M=100 N=70 K=200 in=bf16 out=fp32", path, &small);
    expect_match("gemm M=100 N=70 K=200 in=fp8_e4m3fn out=bf16", path, &small);
    expect_match("gemm M=64 N=48 K=128 in=mxfp8_e4m3 out=fp32", path, &small);
    unlink(path);
    rmdir(dir);
}

/* The chosen tiles fit the buffers, follow the array where the problem is
** larger, and no other fitting tile pair has less modelled traffic (one
** core) or fewer modelled cycles, a split-K within the 5% it must gain
** (several cores). */
static void test_tiles_fit_and_minimise_traffic(void)
{
    static const char *const texts[] = {"gemm M=4096 N=4096 K=4096 in=bf16 out=bf16",
                                        "gemm M=100 N=70 K=50 in=bf16 out=fp32",
                                        "gemm M=512 N=384 K=1024 in=mxfp8_e4m3 out=fp32", "gemv N=4096 K=4096"};
    for (int p = 0; p < 3; p++) {
        arch_cfg *a = lpt_arch(presets[p]);
        const tc_cfg *tc = arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg;
        for (int t = 0; t < 4; t++) {
            wl_spec s = lpt_spec(texts[t]);
            wl_gemm_map m, o;
            CU_ASSERT_FATAL(wl_map_gemm(&s, a, &m, NULL) == LP_OK);
            CU_ASSERT(m.spm_bytes <= a->spm.size_bytes && m.acc_bytes <= a->acc.size_bytes);
            CU_ASSERT(m.tm % tc->array_rows == 0 || m.tm == m.m);
            CU_ASSERT(m.tn % tc->array_cols == 0 || m.tn == m.n);
            CU_ASSERT(m.tk % 32 == 0 || m.tk == m.k);
            for (uint64_t tm = tc->array_rows; tm <= m.m + tc->array_rows - 1 && tm <= 1024; tm += tc->array_rows)
                for (uint64_t tn = tc->array_cols; tn <= m.n + tc->array_cols - 1 && tn <= 1024; tn += tc->array_cols) {
                    wl_gemm_over ov = {(uint32_t)(tm < m.m ? tm : m.m), (uint32_t)(tn < m.n ? tn : m.n), 0,
                                       WL_GEMM_ORDER_AUTO, 0};
                    if (wl_map_gemm_over(&s, a, &ov, &o, NULL) != LP_OK) continue;
                    bool ok = a->cores == 1 ? o.traffic_bytes >= m.traffic_bytes
                                            : m.model_cycles > 0 && o.model_cycles * 1.05 >= m.model_cycles;
                    CU_ASSERT(ok);
                }
        }
        arch_free(a);
    }
}

/* The fit is exact: 32 x 32 x 32 bf16 tiles with an fp32 C need 2 x (2 KiB of
** A + 2 KiB of B) = 8192 bytes of scratchpad; one byte less refuses them. */
static void test_tiles_fit_exactly(void)
{
    wl_spec s = lpt_spec("gemm M=32 N=32 K=32 in=bf16 out=fp32");
    wl_gemm_over ov = {32, 32, 32, WL_GEMM_ORDER_AUTO, 0};
    for (int size = 8191; size <= 8192; size++) {
        char yaml[160];
        snprintf(yaml, sizeof yaml,
                 "matrix:\n  kind: tensor_core\n  formats:\n    - {format: bf16, macs_per_cycle: 256}\nspm:\n  "
                 "size_bytes: %d\n",
                 size);
        arch_cfg *a = NULL;
        lp_diag d = {0};
        CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "spm.yaml", &a, &d) == LP_OK);
        wl_gemm_map m;
        lp_status st = wl_map_gemm_over(&s, a, &ov, &m, &d);
        if (size == 8192) {
            if (st) fprintf(stderr, "\n  8192 bytes: %s", d.msg);
            CU_ASSERT_EQUAL(st, LP_OK);
            CU_ASSERT_EQUAL(m.spm_bytes, 8192);
        } else { /* refused for its size, not for anything else */
            CU_ASSERT_NOT_EQUAL(st, LP_OK);
            CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "scratchpad"));
            if (!strstr(d.msg, "scratchpad")) fprintf(stderr, "\n  8191 bytes: %s", d.msg);
        }
        arch_free(a);
    }
}

/* The traffic model by hand: 4096^3 bf16 with 128 x 128 x 128 tiles reads
** A 32 times and B 32 times and writes C once. */
static void test_traffic_model_by_hand(void)
{
    arch_cfg *a = lpt_arch("b200-mx");
    wl_spec s = lpt_spec("gemm M=4096 N=4096 K=4096 in=bf16 out=bf16");
    wl_gemm_map m;
    wl_gemm_over ov = {128, 128, 128, WL_ORDER_MN, 1};
    CU_ASSERT_FATAL(wl_map_gemm_over(&s, a, &ov, &m, NULL) == LP_OK);
    uint64_t mat = UINT64_C(4096) * 4096 * 2;
    CU_ASSERT_EQUAL(m.traffic_bytes, 32 * mat + 32 * mat + mat);
    /* 32 x 32 C tiles of 32 K steps (2 loads, 1 MMA), a VCVT and a DMA_ST each, HALT */
    CU_ASSERT_EQUAL(m.insns, 32 * 32 * (32 * 3 + 2) + 1);
    /* scratchpad: 2 x (A 32 KiB + B 32 KiB) + 2 bf16 C staging tiles of 32 KiB */
    CU_ASSERT_EQUAL(m.spm_bytes, 6 * 32768);
    CU_ASSERT_EQUAL(m.acc_bytes, 2 * 65536);
    arch_free(a);
}

/* Sub-byte elements count packed in the traffic model, as the simulator moves
** them (FP4 and int4 two to a byte, FP6 four to three bytes; MX scales a byte
** per 32 elements): 64 x 96 x 256 in one tile on one core of edge-mx (no L2)
** reads A and B once and writes the bf16 C (12288 bytes) once:
**   mxfp4 A 8192 + 512, B 12288 + 768: 34048;  mxfp6 A 12288 + 512, B 18432 +
**   768: 44288;  mxfp8 A 16384 + 512, B 24576 + 768: 54528;  bf16 x int4 A
**   32768, B 12288: 57344;  bf16 x fp4 the same.
** The simulated run moves exactly the modelled bytes, and its C matches. */
static void test_traffic_model_packs_sub_byte_elements(void)
{
    static const struct {
        const char *w;
        uint64_t bytes;
    } cases[] = {
        {"gemm M=64 N=96 K=256 in=mxfp4_e2m1 out=bf16", 34048},
        {"gemm M=64 N=96 K=256 in=mxfp6_e2m3 out=bf16", 44288},
        {"gemm M=64 N=96 K=256 in=mxfp8_e4m3 out=bf16", 54528},
        {"gemm M=64 N=96 K=256 in_a=bf16 in_b=int4 out=bf16", 57344},
        {"gemm M=64 N=96 K=256 in_a=bf16 in_b=fp4_e2m1fn out=bf16", 57344},
    };
    wl_gemm_over ov = {64, 96, 256, WL_ORDER_MN, 1};
    arch_cfg *a = lpt_arch("edge-mx");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wl_spec s = lpt_spec(cases[i].w);
        wl_gemm_map m;
        CU_ASSERT_FATAL(wl_map_gemm_over(&s, a, &ov, &m, NULL) == LP_OK);
        char *j = NULL;
        CU_ASSERT_EQUAL(gen_and_exec(cases[i].w, "edge-mx", &ov, "", &j), 0);
        CU_ASSERT_EQUAL(lpt_json_num(j, "failed"), 0); /* the values are the functional face's, unchanged */
        double sim = lpt_json_num(j, "dram_bytes");
        if (m.traffic_bytes != cases[i].bytes || sim != (double)cases[i].bytes)
            fprintf(stderr, "\n  %s: modelled %llu, simulated %.0f, want %llu", cases[i].w,
                    (unsigned long long)m.traffic_bytes, sim, (unsigned long long)cases[i].bytes);
        CU_ASSERT_EQUAL(m.traffic_bytes, cases[i].bytes);
        CU_ASSERT(sim == (double)cases[i].bytes);
        free(j);
    }
    arch_free(a);
}

/* Timing-only: 128 x 128 x K bf16 on edge-mx (512 bf16 MACs a cycle, so
** 32768 cycles of MACs per 1024 of K) with fixed 64 x 64 x 128 tiles is
** compute-bound: cycles at least the MAC time and under 1.5 times it, and
** doubling K about doubles them. */
static void test_cycles_scale_with_k(void)
{
    wl_gemm_over ov = {64, 64, 128, WL_ORDER_MN, 1};
    char *j1 = NULL, *j2 = NULL;
    CU_ASSERT_EQUAL(gen_and_exec("gemm M=128 N=128 K=1024 in=bf16 out=fp32", "edge-mx", &ov, "--timing-only", &j1), 0);
    CU_ASSERT_EQUAL(gen_and_exec("gemm M=128 N=128 K=2048 in=bf16 out=fp32", "edge-mx", &ov, "--timing-only", &j2), 0);
    double c1 = lpt_json_num(j1, "cycles"), c2 = lpt_json_num(j2, "cycles");
    CU_ASSERT(c1 >= 32768 && c1 < 1.5 * 32768);
    CU_ASSERT(c2 / c1 > 1.8 && c2 / c1 < 2.2);
    free(j1), free(j2);
}

/* Disassembly of a generated program (data and expectation inline)
** assembles to the identical .lpt bytes. */
static void test_disassembly_reassembles(void)
{
    for (int i = 0; i < 2; i++) {
        wl_spec s =
            lpt_spec(i ? "gemm M=100 N=70 K=96 in=mxfp8_e4m3 out=bf16" : "gemm M=100 N=70 K=50 in=bf16 out=fp32");
        arch_cfg *a = lpt_arch("edge-mx");
        wl_gemm_map m;
        wl_gemm_over ov = {32, 32, 32, WL_GEMM_ORDER_AUTO, 0};
        isa_prog p;
        CU_ASSERT_FATAL(wl_map_gemm_over(&s, a, &ov, &m, NULL) == LP_OK);
        CU_ASSERT_FATAL(wl_gen_gemm(&s, a, &m, 3, true, &p, NULL) == LP_OK);
        lpt_expect_reassembles(&p, a);
        isa_prog_free(&p);
        arch_free(a);
    }
}

static void expect_refused(const char *text, const char *needle)
{
    wl_spec s = lpt_spec(text);
    arch_cfg *a = lpt_arch("edge-mx");
    wl_gemm_map m;
    lp_diag d = {0};
    CU_ASSERT_EQUAL(wl_map_gemm(&s, a, &m, &d), LP_ERR_ARG);
    if (!strstr(d.msg, needle)) fprintf(stderr, "\n  %s: '%s' lacks '%s'\n", text, d.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, needle));
    arch_free(a);
}

static void test_refusals_name_what_is_supported(void)
{
    expect_refused(
        "gemm M=64 N=64 K=64 in=fp8_e5m2",
        "the GEMM mapping supports in_a bf16, fp16, fp8_e4m3fn or int8 with in_b any element format of 16 bits "
        "or fewer, or both MX (mxfp8_e4m3, mxfp6_e2m3, mxfp4_e2m1, mxint8, ...), with out fp32, bf16 or "
        "fp16 (not in_a=fp8_e5m2 in_b=fp8_e5m2 out=bf16)");
    expect_refused("gemm M=64 N=64 K=64 in_a=bf16 in_b=fp32", "(not in_a=bf16 in_b=fp32 out=bf16)");
    expect_refused("gemm M=64 N=64 K=64 in=bf16 out=fp8_e4m3fn", "(not in_a=bf16 in_b=bf16 out=fp8_e4m3fn)");
    expect_refused("gemm M=64 N=64 K=64 in_a=mxfp8_e4m3 in_b=bf16", "or both MX");
    expect_refused("gemm M=64 N=64 K=50 in=mxfp8_e4m3",
                   "an MX GEMM needs K a multiple of 32 (the scale block), not 50");
    expect_refused("attention kind=decode heads=8 head_dim=64 ctx=128", "takes gemm or gemv, not attention");
}

CU_TestInfo lpt_gemmgen_tests[] = {
    {"map/tiles_fit_and_minimise_traffic", test_tiles_fit_and_minimise_traffic},
    {"map/traffic_model_by_hand", test_traffic_model_by_hand},
    {"map/traffic_model_packs_sub_byte_elements", test_traffic_model_packs_sub_byte_elements},
    {"map/tiles_fit_exactly", test_tiles_fit_exactly},
    {"map/refusals_name_what_is_supported", test_refusals_name_what_is_supported},
    {"gen/programs_match_on_every_preset", test_programs_match_on_every_preset},
    {"gen/edge_tiles_and_orders_match", test_edge_tiles_and_orders_match},
    {"gen/cores_match_in_both_layouts", test_cores_match_in_both_layouts},
    {"gen/layouts_differ_only_in_how_b_is_stored", test_layouts_differ_only_in_how_b_is_stored},
    {"gen/exact_unit_is_bitexact", test_exact_unit_is_bitexact},
    {"gen/cycles_scale_with_k", test_cycles_scale_with_k},
    {"gen/disassembly_reassembles", test_disassembly_reassembles},
    CU_TEST_INFO_NULL,
};
