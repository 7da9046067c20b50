/*
** test_arch.c — architecture files (models/arch.c): presets, defaults, the
** printed configuration reloading to itself, and diagnostics at the key or
** value they are about.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "lp_test.h"
#include "tc.h"

/* The chip's tensor core (its matrix unit), asserted present. */
static const tc_cfg *tensor_core(const arch_cfg *a)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    CU_ASSERT_FATAL(u != NULL && u->kind == UNIT_KIND_TC);
    return u->cfg;
}

/* The rate of a format (any of its names) in the chip's tensor core, or NULL. */
static const tc_rate *rate_of(const arch_cfg *a, const char *format)
{
    mf_format f;
    const tc_cfg *c = tensor_core(a);
    return mf_parse(format, &f, NULL) == LP_OK ? tc_rate_of(c->formats, c->formats_count, f.name) : NULL;
}

static char *print_text(const arch_cfg *a)
{
    char *t = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&t, &n);
    arch_print(a, f);
    fclose(f);
    return t;
}

static void test_presets_load_and_keep_the_datasheet_ratios(void)
{
    int n = 0;
    for (int i = 0; arch_preset_name(i); i++, n++) {
        arch_cfg *a;
        lp_diag d;
        if (arch_load(arch_preset_name(i), &a, &d) != LP_OK) lp_diag_print(&d, stderr);
        CU_ASSERT_FATAL(a != NULL);
        CU_ASSERT_STRING_EQUAL(a->name, arch_preset_name(i));
        const arch_unit *mu = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
        if (mu && mu->kind == UNIT_KIND_TC) CU_ASSERT(tensor_core(a)->formats_count >= 3);
        arch_free(a);
    }
    CU_ASSERT_EQUAL(n, 7); /* h100, b200-mx, edge-mx, sail-like, dcim-macro, vck190, u250 */
    arch_cfg *b;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load("b200-mx", &b, &d) == LP_OK);
    const tc_rate *f4 = rate_of(b, "fp4_e2m1fn"), *f6 = rate_of(b, "fp6_e2m3fn"), *f8 = rate_of(b, "float8_e4m3fn"),
                  *bf = rate_of(b, "bf16");
    CU_ASSERT_FATAL(f4 && f6 && f8 && bf);
    CU_ASSERT_EQUAL(f4->macs_per_cycle, 2 * f8->macs_per_cycle); /* FP4 twice FP8 */
    CU_ASSERT_EQUAL(f6->macs_per_cycle, f8->macs_per_cycle);     /* FP6 = FP8 */
    CU_ASSERT_EQUAL(bf->macs_per_cycle * 2, f8->macs_per_cycle);
    /* 148 SMs at the preset's clock reach the datasheet's 4.5 PF dense FP8 (within 0.1%) */
    double pf = 148 * f8->macs_per_cycle * 2 * b->clock_ghz * 1e9 / 1e15;
    CU_ASSERT(pf > 4.495 && pf < 4.505);
    CU_ASSERT_PTR_NULL(rate_of(b, "fp16")); /* not listed: not supported */
    arch_free(b);
}

static void test_printed_configuration_reloads_to_itself(void)
{
    for (int i = 0; arch_preset_name(i); i++) {
        arch_cfg *a, *b;
        lp_diag d;
        CU_ASSERT_FATAL(arch_load(arch_preset_name(i), &a, &d) == LP_OK);
        char *t1 = print_text(a);
        CU_ASSERT_FATAL(arch_load_text(t1, strlen(t1), "printed.yaml", &b, &d) == LP_OK);
        char *t2 = print_text(b);
        CU_ASSERT_STRING_EQUAL(t1, t2);
        CU_ASSERT_EQUAL(memcmp(&a->dram, &b->dram, sizeof a->dram), 0);
        free(t1), free(t2);
        arch_free(a), arch_free(b);
    }
    /* a number that needs all 17 significant digits (0.1 + 0.2, one step
    ** above the double nearest 0.3) prints with them and reloads to itself; a
    ** name with a quote and a backslash prints escaped and reloads to itself */
    const char *y = "name: 'q\"b\\s'\nclock_ghz: 0.30000000000000004\n";
    arch_cfg *a, *b;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(y, strlen(y), "odd.yaml", &a, &d) == LP_OK);
    CU_ASSERT_EQUAL(a->clock_ghz, 0.1 + 0.2);
    char *t = print_text(a);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nclock_ghz: 0.30000000000000004\n"));
    CU_ASSERT_FATAL(arch_load_text(t, strlen(t), "printed.yaml", &b, &d) == LP_OK);
    CU_ASSERT_EQUAL(b->clock_ghz, a->clock_ghz);
    CU_ASSERT_STRING_EQUAL(b->name, "q\"b\\s"); /* printed "q\"b\\s", escaped */
    free(t);
    arch_free(a), arch_free(b);
}

static void test_absent_keys_take_their_defaults(void)
{
    const char *y = "matrix:\n  formats:\n    - {format: int8, macs_per_cycle: 256}\n";
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(y, strlen(y), "dir/mini.yaml", &a, &d) == LP_OK);
    CU_ASSERT_STRING_EQUAL(a->name, "mini.yaml"); /* the file name */
    CU_ASSERT_EQUAL(a->clock_ghz, 1.0);
    CU_ASSERT_EQUAL(a->dram.bw_gbps, 50);
    CU_ASSERT_EQUAL(a->spm.size_bytes, 262144);
    CU_ASSERT_EQUAL(a->acc.size_bytes, 65536);
    CU_ASSERT_EQUAL(tensor_core(a)->array_rows, 32);
    CU_ASSERT_STRING_EQUAL(tensor_core(a)->preset, "exact");
    CU_ASSERT_EQUAL(a->queues.depth, 8);
    CU_ASSERT_EQUAL(tensor_core(a)->formats[0].energy_pj_per_mac, 0);
    arch_free(a);
}

typedef struct bad_yaml {
    const char *text, *want;
} bad_yaml;

#define FMTS "  formats:\n    - {format: int8, macs_per_cycle: 256}\n"

static const bad_yaml bad[] = {
    {"name: x\nmatrix:\n  array_rows: 32\n  arry_cols: 32\n" FMTS,
     "4:3: error: unknown key 'arry_cols' in matrix (did you mean 'array_cols'?)"},
    {"matrx:\n  kind: pim\n", "1:1: error: unknown key 'matrx' (did you mean 'matrix'?)"},
    {"dram:\n  bandwith_gbps: 5\n", "2:3: error: unknown key 'bandwith_gbps' in dram (did you mean 'bandwidth_gbps'?)"},
    {"dram:\n  zzzzzzzzzz: 5\n", "2:3: error: unknown key 'zzzzzzzzzz' in dram (see 'lpsim arch --keys')"},
    {"dram:\n  bndwdth_gps: 5\n", /* three letters missing: still a suggestion */
     "2:3: error: unknown key 'bndwdth_gps' in dram (did you mean 'bandwidth_gbps'?)"},
    {"matrix:\n  array_rows: 3\n  array_cols: 32\n  array_cols: 4\n" FMTS, "4:3: error: duplicate key 'array_cols'"},
    {"matrix:\n  array_rows: -3\n" FMTS, "2:15: error: matrix.array_rows must be between 1 and 65536, got -3"},
    {"matrix:\n  array_rows: many\n" FMTS, "2:15: error: matrix.array_rows must be a whole number, got 'many'"},
    {"clock_ghz: 50\n", "1:12: error: clock_ghz must be between 0.01 and 10 GHz, got 50"},
    {"clock_ghz: fast\n", "1:12: error: clock_ghz must be a number, got 'fast'"},
    {"name: [x\n", "2:1: error: did not find expected ',' or ']' while parsing a flow sequence"},
    {"matrix:\n  kind: tpu\n" FMTS, "2:9: error: matrix.kind must be tensor_core, pim, fpga or ideal, got 'tpu'"},
    {"matrix:\n  preset: h300\n" FMTS,
     "2:11: error: matrix.preset: unknown preset 'h300' (presets: exact, fp32-seq, h100-bf16, h100-fp8, "
     "h100-fp8-fastaccum, v100-fp16, a100-fp16, ada-fp8, b200-bf16, b200-fp8, b200-mx)"},
    {"matrix:\n  formats:\n    - {format: fp9, macs_per_cycle: 64}\n",
     "3:16: error: matrix.formats[0].format: unknown format 'fp9' (did you mean 'fp16'?)"},
    {"matrix:\n  formats:\n    - {format: fp32, macs_per_cycle: 64}\n",
     "3:16: error: matrix.formats[0].format: fp32 is wider than 19 bits"},
    {"matrix:\n  formats:\n    - {format: bf16, macs_per_cycle: 1}\n    - {format: bfloat16, macs_per_cycle: 2}\n",
     "4:16: error: matrix.formats[1].format: bf16 is listed twice"},
    {"matrix:\n  formats:\n    - {format: fp8_e4m3fn}\n", "3:7: error: matrix.formats[0] needs 'macs_per_cycle'"},
    {"matrix:\n  formats:\n    - {format: bf16, macs_per_cycle: 0}\n",
     "3:38: error: matrix.formats[0]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0"},
    {"matrix:\n  kind: tensor_core\n",
     "1:1: error: matrix.formats must list at least one format with its macs_per_cycle"},
    /* the kind selects the model and its keys: a PIM unit's mode is lut or bitserial */
    {"matrix:\n  kind: pim\n  mode: lutt\n", "3:9: error: matrix.mode must be lut or bitserial, got 'lutt'"},
    {"", "1:1: error: empty architecture file (see 'lpsim arch --keys')"},
    {"a: 1\n---\nb: 2\n", "2:1: error: an architecture file holds one YAML document"},
};

static void test_diagnostics_point_at_the_key_or_value(void)
{
    int n_bad = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arch_cfg *a = NULL;
        lp_diag d;
        char got[512], want[512];
        lp_status st = arch_load_text(bad[i].text, strlen(bad[i].text), "a.yaml", &a, &d);
        snprintf(got, sizeof got, "%s:%d:%d: error: %s", d.file, d.line, d.col, d.msg);
        snprintf(want, sizeof want, "a.yaml:%s", bad[i].want);
        if (st == LP_OK || a || strcmp(got, want))
            lpt_mismatch(&n_bad, "case %zu:\n    got:  %s\n    want: %s", i, got, want);
        arch_free(a);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
}

/* libyaml places nodes by characters; a unit section is cut out of the text by
** bytes. Characters of 2, 3 and 4 bytes before the section (e, euro sign,
** eight emoji) move neither its keys nor an error's place. */
#define UTF8_NAME "name: \"\xc3\xa9\xe2\x82\xac" EMOJI4 EMOJI4 "\"\n"
#define EMOJI4 "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
static void test_multibyte_text_before_a_unit_section(void)
{
    static const char ok[] = UTF8_NAME "matrix:\n  array_rows: 4\n" FMTS,
                      bad_rows[] = UTF8_NAME "matrix:\n  array_rows: 0\n" FMTS;
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(ok, strlen(ok), "u.yaml", &a, &d) == LP_OK);
    CU_ASSERT_EQUAL(tensor_core(a)->array_rows, 4);
    CU_ASSERT_EQUAL(tensor_core(a)->formats[0].macs_per_cycle, 256);
    arch_free(a);
    CU_ASSERT_EQUAL(arch_load_text(bad_rows, strlen(bad_rows), "u.yaml", &a, &d), LP_ERR_RANGE);
    CU_ASSERT(d.line == 3 && d.col == 15);
    CU_ASSERT_STRING_EQUAL(d.msg, "matrix.array_rows must be between 1 and 65536, got 0");
}

static void test_arch_command(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("arch nosuch", "", 0, &out, &err), 2);
    char want[1200]; /* at the argument: after the program's path, " arch " */
    snprintf(want, sizeof want,
             "<command-line>:1:%d: error: 'nosuch': no preset or file of this name (presets: b200-mx, dcim-macro, "
             "edge-mx, h100, sail-like, u250, vck190)\n",
             (int)strlen(LPSIM_BIN) + 7);
    CU_ASSERT_STRING_EQUAL(err, want);
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("arch --keys", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| `dram.bandwidth_gbps` | a number | 50 | 0.1 .. 100000 | GB/s |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "| `matrix.formats` |"));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("arch edge-mx", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "name: \"edge-mx\"\nclock_ghz: 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "    - {format: fp4_e2m1fn, macs_per_cycle: 2048, energy_pj_per_mac: 0.055}\n"));
    free(out), free(err);
}

/* docs/arch.md is the key table as `lpsim arch --keys` prints it. */
static void test_docs_list_every_key(void)
{
    char path[1024], *t = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/docs/arch.md", LPSIM_SOURCE_DIR);
    char *doc = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    FILE *f = open_memstream(&t, &n);
    arch_print_keys(f);
    fclose(f);
    if (!strstr(doc, t)) fprintf(stderr, "\n  docs/arch.md is stale: regenerate it (its line 1 says how)");
    CU_ASSERT_PTR_NOT_NULL(strstr(doc, t));
    free(doc), free(t);
}

CU_TestInfo lpt_arch_tests[] = {
    {"docs/list_every_key", test_docs_list_every_key},
    {"presets/load_and_keep_the_datasheet_ratios", test_presets_load_and_keep_the_datasheet_ratios},
    {"print/reloads_to_itself", test_printed_configuration_reloads_to_itself},
    {"defaults/absent_keys_take_their_defaults", test_absent_keys_take_their_defaults},
    {"diag/point_at_the_key_or_value", test_diagnostics_point_at_the_key_or_value},
    {"diag/multibyte_text_before_a_unit_section", test_multibyte_text_before_a_unit_section},
    {"command/arch", test_arch_command},
    CU_TEST_INFO_NULL,
};
