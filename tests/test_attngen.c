/*
** test_attngen.c — the single-core attention mapping and generator
** (workloads/map_attn.h): tiles that fit the buffers exactly and are the
** largest that do, generated programs run through `lpsim exec` (one process
** per simulation, as SystemC elaborates once) against their float64
** references on every preset, MACs against wl_count, items split over two
** calls giving the same O bit for bit (on the in-process functional
** machine), timing-only cycles equal to functional ones, and refusals.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "lp_test.h"
#include "machine.h"
#include "map_attn.h"
#include "tc.h"

static const char *const presets[] = {"edge-mx", "b200-mx", "h100"};

/* MACs of the masked part of the diagonal tiles, counted key by key: what
** the program does beyond wl_count in a causal prefill. */
static uint64_t masked_macs(const wl_attn_map *m)
{
    uint64_t n = 0;
    for (uint64_t q0 = 0; q0 < m->rows; q0 += m->bq) {
        uint64_t r = q0 + m->bq <= m->rows ? m->bq : m->rows - q0;
        for (uint64_t k0 = 0; k0 < q0 + r; k0 += m->bk)
            for (uint64_t i = q0; i < q0 + r; i++)
                for (uint64_t k = k0; k < k0 + m->bk && k < m->keys; k++) n += k > i;
    }
    return 2 * m->head_dim * m->batch * m->heads * n;
}

/* Generate, write to a temporary .lpt and run `lpsim exec --json ARGS`;
** returns the exit status, the JSON in *json. */
static int gen_and_exec(const char *text, const char *arch_arg, const wl_attn_over *o, const char *args, char **json,
                        wl_attn_map *mp)
{
    wl_spec s = lpt_spec(text);
    arch_cfg *a = lpt_arch(arch_arg);
    wl_attn_map m;
    lp_diag d = {0};
    isa_prog p;
    lp_status st = wl_map_attn(&s, a, o, &m, &d);
    if (st) fprintf(stderr, "\n  map %s on %s: %s\n", text, arch_arg, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    st = wl_gen_attn(&s, a, &m, 42, strstr(args, "timing-only") == NULL, &p, &d);
    if (st) fprintf(stderr, "\n  gen %s on %s: %s\n", text, arch_arg, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    char dir[] = "/tmp/lpt_attngen_XXXXXX", path[128], cmd[512], *err = NULL;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/a.lpt", dir);
    CU_ASSERT_FATAL(isa_prog_write(&p, path, &d) == LP_OK);
    snprintf(cmd, sizeof cmd, "exec --json --arch '%s' %s '%s'", arch_arg, args, path);
    int rc = lpt_run(cmd, "", 0, json, &err);
    if (rc) fprintf(stderr, "\n  %s on %s (bq %u bk %u): rc %d\n%s", text, arch_arg, m.bq, m.bk, rc, err);
    free(err);
    unlink(path);
    rmdir(dir);
    isa_prog_free(&p);
    arch_free(a);
    if (mp) *mp = m;
    return rc;
}

/* The program matches its reference, and its MACs are wl_count's plus,
** for causal prefill, exactly the masked part of the diagonal tiles. */
static void expect_match(const char *text, const char *arch_arg, const wl_attn_over *o)
{
    char *json = NULL;
    wl_attn_map m;
    CU_ASSERT_EQUAL(gen_and_exec(text, arch_arg, o, "", &json, &m), 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "failed"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(json, "expectations"), 1);
    wl_spec s = lpt_spec(text);
    wl_counts c;
    wl_count(&s, &c);
    double macs = lpt_json_num(json, "macs");
    CU_ASSERT_EQUAL(macs, (double)m.macs);
    CU_ASSERT_EQUAL(m.macs, c.macs + (m.causal ? masked_macs(&m) : 0));
    if (macs != (double)m.macs || m.macs != c.macs + (m.causal ? masked_macs(&m) : 0))
        fprintf(stderr, "\n  %s on %s: macs %.0f, map %llu, count %llu\n", text, arch_arg, macs,
                (unsigned long long)m.macs, (unsigned long long)c.macs);
    free(json);
}

static const char *const shapes[] = {
    "attention kind=prefill heads=2 head_dim=64 seq=80 causal=1 out=fp32",
    "attention kind=prefill batch=2 heads=4 kv_heads=2 head_dim=16 seq=50 causal=0 out=bf16",
    "attention kind=prefill heads=2 kv_heads=1 head_dim=128 seq=40 causal=1 kv=fp8_e4m3fn out=fp32",
    "attention kind=decode batch=2 heads=8 kv_heads=2 head_dim=128 ctx=100 out=fp32",
    "attention kind=decode heads=4 head_dim=64 ctx=70 in=fp8_e4m3fn kv=fp8_e4m3fn out=bf16",
};

static void test_programs_match_on_every_preset(void)
{
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) expect_match(shapes[i], presets[p], NULL);
}

/* Small tiles force several query tiles, diagonal tiles at mask offsets
** other than 0 (bq = 2 bk), narrow edge tiles on the diagonal, and decode
** groups split over query tiles. */
static void test_small_tiles_match(void)
{
    static const wl_attn_over o32 = {32, 32}, o64 = {64, 32}, o3 = {3, 32}, o32x64 = {32, 64};
    expect_match("attention kind=prefill heads=2 head_dim=16 seq=100 causal=1 out=bf16", "edge-mx", &o32);
    expect_match("attention kind=prefill heads=2 kv_heads=1 head_dim=64 seq=100 causal=1 out=fp32", "edge-mx", &o64);
    expect_match("attention kind=prefill heads=2 head_dim=16 seq=100 causal=0 kv=fp8_e4m3fn", "h100", &o32x64);
    expect_match("attention kind=decode batch=2 heads=16 kv_heads=2 head_dim=16 ctx=100 out=fp32", "edge-mx", &o3);
}

/* Items [0, n/2) then [n/2, n) in one program give the O of the whole, bit
** for bit (other slots of the double buffers, the same values). */
static void test_split_items_equal_whole(void)
{
    static const struct {
        const char *text, *arch;
        wl_attn_over o;
    } cases[] = {
        {"attention kind=prefill batch=2 heads=2 kv_heads=1 head_dim=16 seq=70 causal=1 out=bf16", "edge-mx", {32, 32}},
        {"attention kind=decode batch=3 heads=4 kv_heads=2 head_dim=64 ctx=90 out=fp32", "h100", {0, 0}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        wl_spec s = lpt_spec(cases[c].text);
        arch_cfg *a = lpt_arch(cases[c].arch);
        wl_attn_map m;
        wl_attn_bufs b;
        isa_prog whole, split;
        CU_ASSERT_FATAL(wl_map_attn(&s, a, cases[c].o.bq ? &cases[c].o : NULL, &m, NULL) == LP_OK);
        uint64_t n = wl_attn_items(&m);
        CU_ASSERT_FATAL(n >= 3);
        CU_ASSERT_FATAL(wl_gen_attn(&s, a, &m, 9, true, &whole, NULL) == LP_OK);
        isa_prog_init(&split);
        CU_ASSERT_FATAL(wl_gen_attn_buffers(&s, a, &m, 9, true, &split, &b, NULL) == LP_OK);
        CU_ASSERT_FATAL(wl_gen_attn_items(&split, &m, &b, 0, n / 2, NULL) == LP_OK);
        CU_ASSERT_FATAL(wl_gen_attn_items(&split, &m, &b, n / 2, n - n / 2, NULL) == LP_OK);
        isa_insn halt = {ISA_HALT, {0}};
        CU_ASSERT_FATAL(isa_prog_add_insn(&split, &halt) == LP_OK);
        CU_ASSERT_EQUAL(wl_gen_attn_items(&split, &m, &b, n - 1, 2, NULL), LP_ERR_ARG);
        uint8_t *o1, *o2;
        size_t n1, n2;
        o1 = lpt_run_machine(&whole, a, b.o), n1 = whole.bufs[b.o].bytes;
        o2 = lpt_run_machine(&split, a, b.o), n2 = split.bufs[b.o].bytes;
        CU_ASSERT(n1 == n2 && !memcmp(o1, o2, n1));
        free(o1), free(o2);
        isa_prog_free(&whole), isa_prog_free(&split);
        arch_free(a);
    }
}

/* Cycles do not depend on the values. */
static void test_timing_only_same_cycles(void)
{
    static const wl_attn_over o32 = {32, 32};
    const char *text = "attention kind=prefill heads=2 kv_heads=1 head_dim=64 seq=100 causal=1 out=bf16";
    for (int p = 0; p < 3; p += 2) {
        char *j1 = NULL, *j2 = NULL;
        CU_ASSERT_EQUAL(gen_and_exec(text, presets[p], p ? NULL : &o32, "", &j1, NULL), 0);
        CU_ASSERT_EQUAL(gen_and_exec(text, presets[p], p ? NULL : &o32, "--timing-only", &j2, NULL), 0);
        double c1 = lpt_json_num(j1, "cycles"), c2 = lpt_json_num(j2, "cycles");
        CU_ASSERT(c1 > 0 && c1 == c2);
        if (c1 != c2) fprintf(stderr, "\n  %s: cycles %.0f functional, %.0f timing-only\n", presets[p], c1, c2);
        free(j1), free(j2);
    }
}

/* The chosen tiles fit, Bq follows the array (or covers the rows) and is the
** largest that fits with any Bk, and Bk the largest with that Bq. */
static void test_tiles_are_the_largest_that_fit(void)
{
    static const char *const texts[] = {
        "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=4096 causal=1",
        "attention kind=prefill batch=1 heads=32 kv_heads=8 head_dim=128 seq=4096 causal=0 in=fp8_e4m3fn",
        "attention kind=decode batch=8 heads=32 kv_heads=8 head_dim=128 ctx=4096",
        "attention kind=prefill heads=12 head_dim=64 seq=1000 causal=1 out=fp32",
    };
    for (int p = 0; p < 3; p++) {
        arch_cfg *a = lpt_arch(presets[p]);
        const tc_cfg *tc = arch_unit_of_class(a, UNIT_CLASS_MATRIX)->cfg;
        for (int t = 0; t < 4; t++) {
            wl_spec s = lpt_spec(texts[t]);
            wl_attn_map m, x;
            lp_diag d = {0};
            lp_status st = wl_map_attn(&s, a, NULL, &m, &d);
            if (st) fprintf(stderr, "\n  %s on %s: %s\n", texts[t], presets[p], d.msg);
            CU_ASSERT_FATAL(st == LP_OK);
            CU_ASSERT(m.spm_bytes <= a->spm.size_bytes && m.acc_bytes <= a->acc.size_bytes);
            CU_ASSERT(m.bq % tc->array_rows == 0 || m.bq == m.rows);
            CU_ASSERT(m.bk % tc->array_cols == 0 || m.bk == m.keys);
            CU_ASSERT(!m.causal || m.bq % m.bk == 0 || m.bq == m.rows);
            /* on many cores within FlashAttention's tile sizes: 2 x array rows, 128 keys */
            uint64_t qmax = a->cores > 1 ? 2 * (uint64_t)tc->array_rows : UINT64_MAX,
                     kmax = a->cores > 1 ? 128 : UINT64_MAX;
            CU_ASSERT(m.bq <= qmax && m.bk <= kmax);
            uint64_t nq = m.bq + tc->array_rows < m.rows ? m.bq + tc->array_rows : m.rows;
            for (uint64_t bk = tc->array_cols; nq > m.bq && nq <= qmax && bk < m.keys + tc->array_cols && bk <= kmax;
                 bk += tc->array_cols) {
                wl_attn_over o = {(uint32_t)nq, (uint32_t)(bk < m.keys ? bk : m.keys)};
                if (!m.causal || nq % o.bk == 0 || nq == m.rows) CU_ASSERT(wl_map_attn(&s, a, &o, &x, NULL) != LP_OK);
            }
            /* no larger Bk fits with this Bq, however far (a causal mask's fit is not monotone in Bk) */
            for (uint64_t bk = m.bk + tc->array_cols; bk <= m.keys && bk <= kmax; bk += tc->array_cols) {
                wl_attn_over o = {m.bq, (uint32_t)bk};
                if (!m.causal || m.bq % o.bk == 0) CU_ASSERT(wl_map_attn(&s, a, &o, &x, NULL) != LP_OK);
            }
        }
        arch_free(a);
    }
}

/* The fit is exact, to the byte, in both buffers. 32 x 32 tiles, D = 64,
** bf16 Q, K, V and P, fp32 O, causal: scratchpad 2 x 4 KiB of each of Q, Kt
** and V, 2 x 2 KiB of P, 4 KiB of MASK and 7 row vectors of 128 bytes (m
** and alpha twice) = 33664; accumulator 2 x 4 KiB of S and 8 KiB of O = 16384. */
static void test_tiles_fit_exactly(void)
{
    wl_spec s = lpt_spec("attention kind=prefill heads=1 head_dim=64 seq=64 causal=1 out=fp32");
    wl_attn_over ov = {32, 32};
    for (int i = 0; i < 3; i++) {
        int spm = i == 1 ? 33663 : 33664, acc = i == 2 ? 16383 : 16384;
        char yaml[200];
        snprintf(yaml, sizeof yaml,
                 "matrix:\n  kind: tensor_core\n  formats:\n    - {format: bf16, macs_per_cycle: 256}\nspm:\n  "
                 "size_bytes: %d\nacc:\n  size_bytes: %d\n",
                 spm, acc);
        arch_cfg *a = NULL;
        lp_diag d = {0};
        CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "fit.yaml", &a, &d) == LP_OK);
        wl_attn_map m;
        lp_status st = wl_map_attn(&s, a, &ov, &m, &d);
        if (i == 0) {
            if (st) fprintf(stderr, "\n  exact fit: %s", d.msg);
            CU_ASSERT_EQUAL(st, LP_OK);
            CU_ASSERT_EQUAL(m.spm_bytes, 33664);
            CU_ASSERT_EQUAL(m.acc_bytes, 16384);
        } else {
            CU_ASSERT_EQUAL(st, LP_ERR_ARG);
            CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "with the given tile overrides"));
        }
        arch_free(a);
    }
}

/* Disassembly of a generated program (data and expectation inline)
** assembles to the identical .lpt bytes. */
static void test_disassembly_reassembles(void)
{
    wl_spec s = lpt_spec("attention kind=prefill heads=2 kv_heads=1 head_dim=16 seq=70 causal=1 out=bf16");
    arch_cfg *a = lpt_arch("edge-mx");
    wl_attn_map m;
    wl_attn_over ov = {64, 32};
    isa_prog p;
    CU_ASSERT_FATAL(wl_map_attn(&s, a, &ov, &m, NULL) == LP_OK);
    CU_ASSERT_FATAL(wl_gen_attn(&s, a, &m, 3, true, &p, NULL) == LP_OK);
    lpt_expect_reassembles(&p, a);
    isa_prog_free(&p);
    arch_free(a);
}

static void expect_refused(const char *text, const wl_attn_over *o, const char *needle)
{
    wl_spec s = lpt_spec(text);
    arch_cfg *a = lpt_arch("edge-mx");
    wl_attn_map m;
    lp_diag d = {0};
    CU_ASSERT_EQUAL(wl_map_attn(&s, a, o, &m, &d), LP_ERR_ARG);
    if (!strstr(d.msg, needle)) fprintf(stderr, "\n  %s: '%s' lacks '%s'\n", text, d.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, needle));
    arch_free(a);
}

static void test_refusals_name_what_is_supported(void)
{
    static const wl_attn_over big = {4096, 4096}, misaligned = {64, 48}, fine = {64, 64};
    expect_refused("attention kind=decode heads=8 head_dim=64 ctx=128 in=fp16", NULL,
                   "the attention mapping supports in and kv each bf16 or fp8_e4m3fn, with out fp32 or bf16 (not "
                   "in=fp16 kv=bf16 out=bf16)");
    expect_refused("attention kind=decode heads=8 head_dim=64 ctx=128 kv=mxfp8_e4m3", NULL,
                   "(not in=bf16 kv=mxfp8_e4m3");
    expect_refused("attention kind=decode heads=8 head_dim=64 ctx=128 out=fp8_e4m3fn", NULL, "out=fp8_e4m3fn)");
    expect_refused("gemm M=64 N=64 K=64", NULL, "the attention mapping takes attention, not gemm");
    expect_refused("attention kind=prefill heads=1 head_dim=64 seq=4096", &big,
                   "no attention tile fits edge-mx: 524288 bytes of scratchpad and 65536 of accumulator buffer with "
                   "the given tile overrides");
    expect_refused("attention kind=prefill heads=1 head_dim=64 seq=4096", &misaligned, "no attention tile fits");
    wl_spec s = lpt_spec("attention kind=prefill heads=1 head_dim=64 seq=4096 causal=0");
    arch_cfg *a = lpt_arch("edge-mx");
    wl_attn_map m;
    CU_ASSERT_EQUAL(wl_map_attn(&s, a, &misaligned, &m, NULL), LP_OK); /* no mask, no alignment */
    CU_ASSERT_EQUAL(wl_map_attn(&s, a, &fine, &m, NULL), LP_OK);
    arch_free(a);
}

static double value(const mf_format *f, const uint8_t *b, int eb)
{
    uint32_t c = 0;
    for (int j = 0; j < eb; j++) c |= (uint32_t)b[j] << (8 * j);
    uint32_t u = mf_decode_f32(f, c);
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* The normwise error of O against its expectation (relerr's measure). */
static double observed_error(const char *text, const char *arch_arg, const wl_attn_over *o)
{
    wl_spec s = lpt_spec(text);
    arch_cfg *a = lpt_arch(arch_arg);
    wl_attn_map m;
    isa_prog p;
    CU_ASSERT_FATAL(wl_map_attn(&s, a, o, &m, NULL) == LP_OK);
    CU_ASSERT_FATAL(wl_gen_attn(&s, a, &m, 5, true, &p, NULL) == LP_OK);
    int ob = (int)p.expects[0].buf;
    uint8_t *got;
    size_t n;
    got = lpt_run_machine(&p, a, ob), n = p.bufs[ob].bytes;
    int eb = isa_elem_bytes(&m.fout);
    const uint8_t *want = p.data + p.expects[0].data_off;
    double err = 0, big = 0;
    for (size_t i = 0; i < n; i += (size_t)eb) {
        double w = value(&m.fout, want + i, eb), g = value(&m.fout, got + i, eb);
        err = fmax(err, fabs(g - w)), big = fmax(big, fabs(w));
    }
    free(got);
    isa_prog_free(&p);
    arch_free(a);
    return err / big;
}

/* The tolerances hold with a margin of at least 2 (docs/workloads.md). */
static void test_error_well_within_tolerance(void)
{
    static const struct {
        const char *text;
        double tol;
    } cases[] = {
        {"attention kind=prefill heads=2 head_dim=64 seq=100 causal=1 out=fp32", 1e-2},
        {"attention kind=prefill heads=2 head_dim=128 seq=100 causal=0 out=bf16", 1e-2},
        {"attention kind=decode heads=4 head_dim=64 ctx=300 kv=fp8_e4m3fn out=fp32", 1e-2},
        {"attention kind=prefill heads=2 head_dim=64 seq=100 causal=1 in=fp8_e4m3fn out=fp32", 1e-1},
        {"attention kind=decode heads=8 kv_heads=2 head_dim=16 ctx=300 in=fp8_e4m3fn out=bf16", 1e-1},
        {"attention kind=prefill heads=1 head_dim=128 seq=200 causal=0 in=fp8_e4m3fn kv=fp8_e4m3fn", 1e-1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int p = 0; p < 3; p++) {
            double e = observed_error(cases[i].text, presets[p], NULL);
            CU_ASSERT(e < cases[i].tol / 2);
            if (e >= cases[i].tol / 2) fprintf(stderr, "\n  %s on %s: error %.3g\n", cases[i].text, presets[p], e);
        }
}

CU_TestInfo lpt_attngen_tests[] = {
    {"map/tiles_are_the_largest_that_fit", test_tiles_are_the_largest_that_fit},
    {"map/tiles_fit_exactly", test_tiles_fit_exactly},
    {"map/refusals_name_what_is_supported", test_refusals_name_what_is_supported},
    {"gen/programs_match_on_every_preset", test_programs_match_on_every_preset},
    {"gen/small_tiles_match", test_small_tiles_match},
    {"gen/split_items_equal_whole", test_split_items_equal_whole},
    {"gen/error_well_within_tolerance", test_error_well_within_tolerance},
    {"gen/timing_only_same_cycles", test_timing_only_same_cycles},
    {"gen/disassembly_reassembles", test_disassembly_reassembles},
    CU_TEST_INFO_NULL,
};
