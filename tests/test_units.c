/*
** test_units.c — units as first-class parts: the unit table's invariants,
** the stable codes every .lpt file relies on, architecture files that declare
** units (sections, kinds, the units: list), the refusal of instructions a
** chip has no unit for (at the instruction's source line), the ideal matrix
** unit (the worked example of docs/units.md), and statistics per unit, in
** the JSON and in the text report.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "isa.h"
#include "lp_test.h"
#include "prog.h"
#include "tc.h"
#include "units.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* Write text to a fresh temporary file whose name ends in suffix; returns its
** path (static, one per slot). */
static const char *temp_file(int slot, const char *suffix, const char *text)
{
    static char paths[4][64];
    snprintf(paths[slot], sizeof paths[slot], "/tmp/lpt_units_%d_%d%s", (int)getpid(), slot, suffix);
    FILE *f = fopen(paths[slot], "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
    return paths[slot];
}

/* `lpsim exec --json --timing-only --arch A K`; exit status, JSON and errors. */
static int exec_json(const char *arch, const char *kernel, bool timing_only, char **out, char **err)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "exec --json %s--arch '%s' '%s'", timing_only ? "--timing-only " : "", arch, kernel);
    return lpt_run(cmd, "", 0, out, err);
}

/* ---- the table ----------------------------------------------------------------------- */

static void test_table_invariants_hold(void)
{
    units_check(); /* asserts: every kind with values has a body for each operation of its class, codes unique */
    for (int op = 0; op < ISA_OP_COUNT; op++) { /* every instruction has a body wherever it can run */
        const isa_info *in = isa_get((isa_op)op);
        if (in->cls == UNIT_CLASS_CTRL) continue;
        unit_kind k = unit_reference_kind(in->cls);
        CU_ASSERT_PTR_NOT_NULL(unit_kind_get(k)->faces->ops[in->op]);
        for (int j = 0; j < UNIT_KIND_COUNT; j++) {
            const unit_kind_info *ki = unit_kind_get((unit_kind)j);
            if (ki->cls == in->cls && ki->faces && ki->faces->ops) CU_ASSERT_PTR_NOT_NULL(ki->faces->ops[in->op]);
        }
    }
    for (int k = 0; k < UNIT_KIND_COUNT; k++) { /* names round-trip; what is simulated has keys and timing */
        const unit_kind_info *ki = unit_kind_get((unit_kind)k);
        CU_ASSERT_EQUAL(unit_kind_lookup(ki->name), k);
        if (unit_kind_simulated((unit_kind)k)) CU_ASSERT(ki->section != NULL && ki->faces->timing != NULL);
    }
    CU_ASSERT_EQUAL(unit_kind_lookup("tpu"), -1);
    /* an operation on a kind without a body for it is refused, not run */
    unit_op op = {.what = UNIT_OP_MMA};
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(unit_exec(UNIT_KIND_VECTOR, NULL, &op, &d), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(d.msg, "a vector unit cannot perform MMA");
}

/* The codes .lpt files hold: changing one changes what every existing binary
** means. A failure here means: bump ISA_TRACE_VERSION, refuse the old files,
** and pin the new code. */
static void test_stable_codes_are_pinned(void)
{
    static const struct {
        const char *name;
        int code;
    } formats[] = {{"fp8_e4m3fn", 1}, {"fp8_e5m2", 2},    {"fp8_e4m3fnuz", 3},    {"fp8_e5m2fnuz", 4},
                   {"fp8_e4m3", 5},   {"fp8_e3m4", 6},    {"fp8_e4m3b11fnuz", 7}, {"fp6_e2m3fn", 8},
                   {"fp6_e3m2fn", 9}, {"fp4_e2m1fn", 10}, {"e8m0fnu", 11},        {"bf16", 12},
                   {"fp16", 13},      {"fp32", 14},       {"mxint8", 15}},
      presets[] = {{"exact", 0},     {"fp32-seq", 1},  {"h100-bf16", 2}, {"h100-fp8", 3},  {"h100-fp8-fastaccum", 4},
                   {"v100-fp16", 5}, {"a100-fp16", 6}, {"ada-fp8", 7},   {"b200-bf16", 8}, {"b200-fp8", 9},
                   {"b200-mx", 10}},
      mx[] = {{"fp8_e4m3", 0}, {"fp8_e5m2", 1}, {"fp6_e3m2", 2}, {"fp6_e2m3", 3}, {"fp4_e2m1", 4}, {"int8", 5}},
      rounds[] = {{"nearest-even", 0}, {"toward-zero", 1}, {"half-away", 2}, {"stochastic", 3}},
      units[] = {{"control", 0}, {"dma", 1}, {"tensor_core", 2}, {"vector", 3}, {"pim", 4}, {"fpga", 5}, {"ideal", 6}},
      rules[] = {{"bitexact", 0}, {"maxulp", 1}, {"relerr", 2}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        mf_format f;
        CU_ASSERT_FATAL(mf_parse(formats[i].name, &f, NULL) == LP_OK);
        CU_ASSERT_EQUAL(isa_fmt_code(&f), (uint32_t)formats[i].code);
        CU_ASSERT_EQUAL(mf_id_by_code(formats[i].code) >= 0, 1);
    }
    CU_ASSERT_EQUAL(MF_ID_COUNT, 15); /* a new format needs a new code, pinned here */
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        CU_ASSERT_EQUAL(dot_preset_code(dot_preset_find(presets[i].name, NULL)), presets[i].code);
    CU_ASSERT_EQUAL(dot_preset_count(), 11);
    for (size_t i = 0; i < sizeof mx / sizeof mx[0]; i++) {
        mx_elem_id id;
        CU_ASSERT_FATAL(mx_elem_find(mx[i].name, &id, NULL) == LP_OK);
        CU_ASSERT_EQUAL(mx_elem_code(id), mx[i].code);
    }
    CU_ASSERT_EQUAL(MX_ELEM_COUNT, 6);
    for (size_t i = 0; i < sizeof rounds / sizeof rounds[0]; i++) {
        mf_round r;
        CU_ASSERT_FATAL(mf_round_parse(rounds[i].name, &r) == LP_OK);
        CU_ASSERT_EQUAL(mf_round_code(r), rounds[i].code);
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        CU_ASSERT_EQUAL(unit_kind_get((unit_kind)unit_kind_lookup(units[i].name))->code, units[i].code);
    CU_ASSERT_EQUAL(UNIT_KIND_COUNT, 7);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        CU_ASSERT_STRING_EQUAL(isa_rule_name((isa_rule)rules[i].code), rules[i].name);
    /* opcodes: the first byte of every instruction word */
    static const struct {
        const char *name;
        int code;
    } opcodes[] = {{"NOP", 0x00},      {"HALT", 0x01},    {"FENCE", 0x02},   {"DMA_LD", 0x10}, {"DMA_ST", 0x11},
                   {"DMA_LDT", 0x12},  {"MMA", 0x20},     {"MMA_MX", 0x21},  {"MXQ", 0x30},    {"MXDQ", 0x31},
                   {"VCVT", 0x32},     {"VADD", 0x40},    {"VSUB", 0x41},    {"VMUL", 0x42},   {"VMAX", 0x43},
                   {"VEXP", 0x44},     {"VRSQRT", 0x45},  {"VRCP", 0x46},    {"VSCALE", 0x47}, {"VFILL", 0x48},
                   {"VRMAX", 0x49},    {"VRSUM", 0x4a},   {"VBSUB", 0x4b},   {"VBMUL", 0x4c},  {"PIM_LD", 0x50},
                   {"PIM_GEMV", 0x51}, {"PIM_CVT", 0x52}, {"PIM_GEMM", 0x53}};
    for (size_t i = 0; i < sizeof opcodes / sizeof opcodes[0]; i++) {
        int op = isa_lookup(opcodes[i].name);
        CU_ASSERT_FATAL(op >= 0);
        CU_ASSERT_EQUAL(isa_get((isa_op)op)->opcode, opcodes[i].code);
    }
    CU_ASSERT_EQUAL(ISA_OP_COUNT, 28); /* a new instruction needs its opcode pinned here */
    CU_ASSERT_EQUAL(ISA_TRACE_VERSION, 2);
    CU_ASSERT_EQUAL(ISA_TRACE_VERSION_KERNELS, 3); /* version 2 plus kernel and section tables */
}

/* ---- architecture files ------------------------------------------------------------------ */

static void expect_arch_error(const char *yaml, const char *want)
{
    arch_cfg *a = NULL;
    lp_diag d;
    char got[512];
    lp_status st = arch_load_text(yaml, strlen(yaml), "u.yaml", &a, &d);
    snprintf(got, sizeof got, "%d:%d: error: %s", d.line, d.col, d.msg);
    if (st == LP_OK || strcmp(got, want)) fprintf(stderr, "\n  got:  %s\n  want: %s", got, want);
    CU_ASSERT(st != LP_OK && a == NULL);
    CU_ASSERT_STRING_EQUAL(got, want);
    arch_free(a);
}

static void test_kind_selects_the_keys(void)
{
    /* an ideal unit has formats but no array: the array's keys belong to tensor cores */
    expect_arch_error("matrix:\n  kind: ideal\n  array_rows: 4\n",
                      "3:3: error: unknown key 'array_rows' in matrix (see 'lpsim arch --keys')");
    expect_arch_error("matrix:\n  kind: fpga\n  array_rows: 4\n",
                      "3:3: error: unknown key 'array_rows' in matrix (see 'lpsim arch --keys')");
    expect_arch_error("vector:\n  kind: tensor_core\n", "2:9: error: vector.kind must be vector, got 'tensor_core'");
    expect_arch_error("matrix: 3\n", "1:9: error: matrix must be a mapping of keys (see 'lpsim arch --keys')");
    expect_arch_error("matrix:\n  name: tc\n",
                      "2:3: error: the unit of section 'matrix' is named matrix; name units in "
                      "'units:'");
    expect_arch_error("units:\n  - {kind: vector}\n", "2:5: error: units[0] needs 'name'");
    expect_arch_error("units:\n  - {name: v2}\n", "2:5: error: units[0] needs 'kind'");
    expect_arch_error("units:\n  - {name: v2, kind: tpu}\n",
                      "2:22: error: units[0].kind must be dma, tensor_core, vector, pim, fpga or ideal, got 'tpu'");
    /* a kind is named in full: the start of a name is no kind */
    expect_arch_error("units:\n  - {name: t2, kind: tensor}\n",
                      "2:22: error: units[0].kind must be dma, tensor_core, vector, pim, fpga or ideal, got 'tensor'");
    expect_arch_error("units:\n  - {name: V2, kind: vector}\n",
                      "2:12: error: a unit name is a lower-case letter, then letters, digits or _ (at most 23), got "
                      "'V2'");
    expect_arch_error("units:\n  - {name: vector, kind: vector}\n",
                      "2:12: error: 'vector' names the unit of the vector section; choose another name");
    expect_arch_error("units:\n  - {name: v2, kind: vector}\n  - {name: v2, kind: vector}\n",
                      "3:12: error: the chip already has a unit named 'v2'");
    expect_arch_error("units:\n  - {name: abcdefghijklmnopqrstuvwx, kind: vector}\n", /* 24 characters */
                      "2:12: error: a unit name is a lower-case letter, then letters, digits or _ (at most 23), got "
                      "'abcdefghijklmnopqrstuvwx'");
    expect_arch_error("units:\n  - {name: v2, kind: vector, lanes: 0}\n",
                      "2:37: error: units[0].lanes must be between 1 and 65536, got 0");
    expect_arch_error("units:\n  - {name: t2, kind: tensor_core}\n",
                      "2:5: error: units[0].formats must list at least one format with its macs_per_cycle");
    expect_arch_error("vector:\n  lanes: 4\nvector:\n  lanes: 5\n", "3:1: error: duplicate key 'vector'");
    expect_arch_error("units: []\nunits: []\n", "2:1: error: duplicate key 'units'");
    expect_arch_error("units: {name: v}\n",
                      "1:8: error: units must be a list of units, each {name: NAME, kind: KIND, ...}");
}

/* A chip holds ARCH_MAX_UNITS = 16 units: dma and vector (present by default)
** and 14 more; a 15th in the list is refused where it starts (line 2 + 14). A
** name of 23 characters is the longest. */
static void test_sixteen_units_at_most(void)
{
    char yaml[1024] = "units:\n";
    for (int i = 0; i < 14; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml),
                 "  - {name: v%02d_abcdefghijklmnopqrs, kind: vector}\n", i);
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "u.yaml", &a, &d) == LP_OK);
    CU_ASSERT_EQUAL(a->nunits, ARCH_MAX_UNITS);
    CU_ASSERT_STRING_EQUAL(a->units[15].name, "v13_abcdefghijklmnopqrs");
    arch_free(a);
    strcat(yaml, "  - {name: v14, kind: vector}\n");
    expect_arch_error(yaml, "16:5: error: a chip has at most 16 units");
}

/* A chip with several matrix-unit kinds: units in declaration order, each with
** its kind's configuration; the printed form loads back to itself. */
static void test_units_list_declares_more_units(void)
{
    const char *yaml = "name: two\n"
                       "matrix:\n"
                       "  kind: ideal\n"
                       "  formats:\n"
                       "    - {format: fp8_e4m3fn, macs_per_cycle: 1024, energy_pj_per_mac: 0.0625}\n"
                       "units:\n"
                       "  - name: tc2\n"
                       "    kind: tensor_core\n"
                       "    array_rows: 8\n"
                       "    formats:\n"
                       "      - {format: bf16, macs_per_cycle: 512, energy_pj_per_mac: 0.125}\n"
                       "  - {name: vec2, kind: vector, lanes: 7}\n";
    arch_cfg *a, *b;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "two.yaml", &a, &d) == LP_OK);
    CU_ASSERT_EQUAL_FATAL(a->nunits, 5); /* dma, matrix, vector, tc2, vec2 */
    static const char *const names[] = {"dma", "matrix", "vector", "tc2", "vec2"};
    static const unit_kind kinds[] = {UNIT_KIND_DMA, UNIT_KIND_IDEAL, UNIT_KIND_VECTOR, UNIT_KIND_TC, UNIT_KIND_VECTOR};
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_STRING_EQUAL(a->units[i].name, names[i]);
        CU_ASSERT_EQUAL(a->units[i].kind, kinds[i]);
    }
    CU_ASSERT_EQUAL(((const tc_cfg *)a->units[3].cfg)->array_rows, 8);
    CU_ASSERT_EQUAL(((const tc_cfg *)a->units[3].cfg)->array_cols, 32);      /* its default */
    CU_ASSERT_EQUAL(arch_unit_of_class(a, UNIT_CLASS_MATRIX), &a->units[1]); /* the first of its class */
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;
    FILE *f = open_memstream(&t1, &n1);
    arch_print(a, f);
    fclose(f);
    CU_ASSERT_FATAL(arch_load_text(t1, n1, "printed.yaml", &b, &d) == LP_OK);
    f = open_memstream(&t2, &n2);
    arch_print(b, f);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(t1, t2);
    CU_ASSERT_PTR_NOT_NULL(strstr(t1, "units:\n  - name: tc2\n    kind: tensor_core\n    array_rows: 8\n"));
    free(t1), free(t2);
    arch_free(a), arch_free(b);
}

/* ---- the simulator ------------------------------------------------------------------------ */

/* An instruction for a unit the chip lacks: LP_ERR_UNIT, exit 2, at its line. */
static void test_instruction_without_its_unit_is_refused_at_its_line(void)
{
    const char *arch = temp_file(0, ".yaml", "name: nomatrix\n");
    const char *k =
        temp_file(1, ".s",
                  "; no matrix unit here\n    VFILL spm:0, 4, 4, 1\n    MMA acc:0, spm:0, spm:0x100, 4, 4, 4,"
                  " bf16, bf16, exact, set\n");
    char *out, *err, want[512];
    CU_ASSERT_EQUAL(exec_json(arch, k, true, &out, &err), 2);
    snprintf(want, sizeof want,
             "%s:3:5: error: instruction 1 (MMA) needs a matrix unit: nomatrix has none (its units: dma, vector)\n", k);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(out[0], 0);
    free(out), free(err);
    /* PIM instructions on a chip without PIM arrays, functional mode too */
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/pim_gemv/pim_gemv.s", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(exec_json("edge-mx", path, false, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(err, "pim_gemv.s:16:5: error: instruction 0 (PIM_LD) needs a pim unit: edge-mx has none (its units: "
                    "dma, matrix, vector)\n"));
    free(out), free(err);
    /* a format the unit does not run: the unit, the chip and what it runs */
    k = temp_file(1, ".s", "    MMA acc:0, spm:0, spm:0x100, 4, 4, 4, fp16, fp16, exact, set\n");
    CU_ASSERT_EQUAL(exec_json("b200-mx", k, true, &out, &err), 2);
    snprintf(want, sizeof want,
             "%s:1:5: error: instruction 0 (MMA): the matrix unit of b200-mx does not run fp16 (it runs", k);
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    free(out), free(err);
    unlink(arch), unlink(k);
}

/* The worked example of docs/units.md: an ideal matrix unit computes the
** tensor core's values and takes ceil(MACs / rate) cycles per MMA. */
static void test_ideal_unit_computes_values_at_the_roofline(void)
{
    char yaml[512], path[1024], *out, *err;
    snprintf(yaml, sizeof yaml,
             "name: roof\nclock_ghz: 1\nmatrix:\n  kind: ideal\n  formats:\n"
             "    - {format: fp8_e4m3fn, macs_per_cycle: 1000, energy_pj_per_mac: 0.25}\n"
             "    - {format: bf16, macs_per_cycle: 500, energy_pj_per_mac: 0.5}\n");
    const char *arch = temp_file(0, ".yaml", yaml);
    /* the examples' values are the tensor core's, bit for bit */
    snprintf(path, sizeof path, "%s/examples/mx_gemm/mx_gemm.s", LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(exec_json(arch, path, false, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "failed"), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "expectations"), 1);
    free(out), free(err);
    /* the timing face: 7 x 9 x 11 = 693 MACs at bf16's 500 per cycle: ceil(1.386) = 2 cycles */
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "roof.yaml", &a, &d) == LP_OK);
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    unit_op op = {.what = UNIT_OP_MMA, .m = 7, .n = 9, .k = 11};
    mf_parse("bf16", &op.fa, NULL);
    unit_timing t;
    CU_ASSERT_FATAL(unit_kind_get(u->kind)->faces->timing(a, u->cfg, &op, &t, NULL) == LP_OK);
    CU_ASSERT_EQUAL(t.cycles, 2);
    CU_ASSERT_EQUAL(t.macs, 693);
    CU_ASSERT_EQUAL(t.peak_cycles, 693 / 500.0);
    CU_ASSERT_EQUAL(unit_kind_get(u->kind)->faces->energy_pj(a, u->cfg, &op, &t), 693 * 0.5);
    arch_free(a);
    /* in the system, a compute-bound MMA: 64 x 64 x 2048 fp8 = 8388608 MACs at
    ** 1000 per cycle = 8389 cycles, its operands (256 KiB) streaming in 2048 */
    const char *k = temp_file(1, ".s",
                              "    MMA acc:0, spm:0, spm:0x20000, 64, 64, 2048, fp8_e4m3fn, fp8_e4m3fn, exact, "
                              "set\n");
    CU_ASSERT_EQUAL_FATAL(exec_json(arch, k, true, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "busy_cycles.matrix"), 8389);
    CU_ASSERT_EQUAL(lpt_json_num(out, "energy_breakdown_pj.matrix"), 8388608 * 0.25);
    CU_ASSERT_DOUBLE_EQUAL(lpt_json_num(out, "utilization") * lpt_json_num(out, "cycles"), 8388.608, 1e-9);
    free(out), free(err);
    /* a second matrix unit, idle (the first of the class runs every MMA): the
    ** utilisation is that of both units' MAC slots, half of the above */
    strcat(yaml, "units:\n  - name: tc2\n    kind: tensor_core\n    formats:\n"
                 "      - {format: fp8_e4m3fn, macs_per_cycle: 256}\n");
    const char *arch2 = temp_file(2, ".yaml", yaml);
    CU_ASSERT_EQUAL_FATAL(exec_json(arch2, k, true, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "busy_cycles.matrix"), 8389);
    CU_ASSERT_EQUAL(lpt_json_num(out, "busy_cycles.tc2"), 0);
    CU_ASSERT_DOUBLE_EQUAL(lpt_json_num(out, "utilization") * lpt_json_num(out, "cycles"), 8388.608 / 2, 1e-9);
    free(out), free(err);
    unlink(arch), unlink(arch2), unlink(k);
}

/* MACs by format keep the first 16 formats (STATS_MAX_FORMATS) a run uses; the
** MACs of a 17th still count in the total. One 1 x 1 x 1 MMA per format. */
static void test_macs_by_format_keep_sixteen_formats(void)
{
    static const char *const fmts[17] = {
        "fp8_e4m3fn", "fp8_e5m2",   "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp8_e4m3", "fp8_e3m4", "fp8_e4m3b11fnuz",
        "fp6_e2m3fn", "fp6_e3m2fn", "fp4_e2m1fn",   "bf16",         "fp16",     "int8",     "int4",
        "int2",       "e3m3",       "e2m2"};
    char yaml[4096] = "name: many\nmatrix:\n  kind: ideal\n  formats:\n", kernel[4096] = "";
    for (int i = 0; i < 17; i++) {
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "    - {format: %s, macs_per_cycle: 1}\n", fmts[i]);
        snprintf(kernel + strlen(kernel), sizeof kernel - strlen(kernel),
                 "    MMA acc:0, spm:0, spm:0x10, 1, 1, 1, %s, %s, exact, set\n", fmts[i], fmts[i]);
    }
    const char *arch = temp_file(0, ".yaml", yaml), *k = temp_file(1, ".s", kernel);
    char *out, *err;
    CU_ASSERT_EQUAL_FATAL(exec_json(arch, k, true, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_num(out, "macs"), 17);
    CU_ASSERT_EQUAL(lpt_json_size(out, "macs_by_format"), 16);
    CU_ASSERT_EQUAL(lpt_json_num(out, "macs_by_format.fp8_e4m3fn"), 1);
    CU_ASSERT_EQUAL(lpt_json_num(out, "macs_by_format.int2"), 1);
    free(out), free(err);
    unlink(arch), unlink(k);
}

/* Rates range over (0, 1e9] MACs per cycle. At 1e9 one MAC takes 1e-9 cycles
** at the peak, and the unit still works one whole cycle: an operation takes at
** least one. A rate past 1e9 is refused at its value. */
static void test_ideal_rate_limit_and_the_one_cycle_floor(void)
{
    const char *yaml = "matrix:\n  kind: ideal\n  formats:\n    - {format: bf16, macs_per_cycle: 1e9}\n";
    arch_cfg *a;
    lp_diag d;
    CU_ASSERT_FATAL(arch_load_text(yaml, strlen(yaml), "fast.yaml", &a, &d) == LP_OK);
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    unit_op op = {.what = UNIT_OP_MMA, .m = 1, .n = 1, .k = 1};
    mf_parse("bf16", &op.fa, NULL);
    op.fb = op.fa;
    unit_timing t;
    CU_ASSERT_FATAL(unit_kind_get(u->kind)->faces->timing(a, u->cfg, &op, &t, NULL) == LP_OK);
    CU_ASSERT_EQUAL(t.macs, 1);
    CU_ASSERT_EQUAL(t.peak_cycles, 1e-9);
    CU_ASSERT_EQUAL(t.cycles, 1);
    arch_free(a);
    expect_arch_error("matrix:\n  kind: ideal\n  formats:\n    - {format: bf16, macs_per_cycle: 1.000001e9}\n",
                      "4:38: error: matrix.formats[0]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0");
}

/* Statistics per unit: busy cycles for every unit by its name, energy for the
** units with a cost face and the memory levels; traces name the units. */
static void test_statistics_and_traces_name_the_units(void)
{
    char yaml[1024], csv[64], png[64], cmd[512], *out, *err;
    snprintf(yaml, sizeof yaml, "name: twovec\nunits:\n  - {name: vec2, kind: vector, lanes: 4}\n");
    const char *arch = temp_file(0, ".yaml", yaml);
    const char *k = temp_file(1, ".s", "    VFILL spm:0, 8, 8, 2\n    VEXP spm:0x100, spm:0, 8, 8\n");
    snprintf(csv, sizeof csv, "/tmp/lpt_units_%d.csv", (int)getpid());
    snprintf(png, sizeof png, "/tmp/lpt_units_%d.png", (int)getpid());
    snprintf(cmd, sizeof cmd, "exec --json --timing-only --trace %s --arch '%s' '%s'", csv, arch, k);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(lpt_json_size(out, "busy_cycles"), 3);  /* dma, vector, vec2: every unit */
    CU_ASSERT(lpt_json_num(out, "busy_cycles.vector") > 0); /* the first vector unit runs vector instructions */
    CU_ASSERT_EQUAL(lpt_json_num(out, "busy_cycles.vec2"), 0);
    CU_ASSERT_EQUAL(lpt_json_size(out, "energy_breakdown_pj"),
                    6); /* vector, vec2, dram, spm, acc, l2: DMA has no own */
    CU_ASSERT_EQUAL(lpt_json_num(out, "energy_breakdown_pj.vector"), 128 * 0.5);
    free(out), free(err);
    char *trace = lpt_read_file(csv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(trace);
    CU_ASSERT_PTR_NOT_NULL(strstr(trace, "\n0,VFILL,vector,"));
    free(trace);
    snprintf(cmd, sizeof cmd, "timeline %s --out %s", csv, png);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "lanes: dma 0, matrix, vector -> "));
    free(out), free(err);
    /* a trace that names a unit of a units: list gets its own lane */
    const char *t = temp_file(2, ".csv",
                              "index,instruction,unit,issue_cycle,start_cycle,end_cycle\n0,VEXP,vec2,0,1,9\n"
                              "1,DMA_LD,dma,1,1,30\n2,DMA_LD,dma,2,2,40\n");
    snprintf(cmd, sizeof cmd, "timeline %s --out %s", t, png);
    CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "lanes: dma 0, dma 1, matrix, vector, vec2 -> "));
    free(out), free(err);
    unlink(arch), unlink(k), unlink(t), unlink(csv), unlink(png);
}

/* The text report says what the JSON says, each line labelled as stats.def
** writes it: traffic by memory level in words, issue stalls by the last part
** of their JSON keys, busy cycles by unit. The kernel stalls both ways: VEXP
** waits for the DMA_LD it reads (dma), DMA_ST for the VEXP it stores
** (dependency). */
static void test_text_report_matches_the_json(void)
{
    const char *k = temp_file(1, ".s",
                              ".buffer A, fp32, 8, 8\n    DMA_LD spm:0, A[0, 0], 8, 8, fp32\n"
                              "    VEXP spm:0x100, spm:0, 8, 8\n    DMA_ST A[0, 0], spm:0x100, 8, 8, fp32\n"
                              "    HALT\n    NOP\n");
    char *json, *text, *err, cmd[512], line[256];
    CU_ASSERT_EQUAL_FATAL(exec_json("edge-mx", k, true, &json, &err), 0);
    free(err);
    snprintf(cmd, sizeof cmd, "exec --timing-only --arch edge-mx '%s'", k);
    CU_ASSERT_EQUAL_FATAL(lpt_run(cmd, "", 0, &text, &err), 0);
    free(err);
    CU_ASSERT(lpt_json_num(json, "stall_cycles.dma") > 0 && lpt_json_num(json, "stall_cycles.dependency") > 0);
    snprintf(line, sizeof line, "\n  issue stalls    dma %.0f, dependency %.0f, queue %.0f cycles\n",
             lpt_json_num(json, "stall_cycles.dma"), lpt_json_num(json, "stall_cycles.dependency"),
             lpt_json_num(json, "stall_cycles.queue"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    CU_ASSERT(lpt_json_num(json, "dram_bytes") == 512 &&
              lpt_json_num(json, "spm_bytes") == 1024); /* 256 in and out; 4 x 256 */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  traffic         DRAM 512, scratchpad 1024, accumulators 0, L2 0 B\n"));
    snprintf(line, sizeof line, "\n  busy            dma %.0f, matrix 0, vector %.0f cycles\n",
             lpt_json_num(json, "busy_cycles.dma"), lpt_json_num(json, "busy_cycles.vector"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    if (!strstr(text, line)) fprintf(stderr, "\n  text report:\n%s", text);
    CU_ASSERT_EQUAL(lpt_json_num(json, "instructions"), 4); /* HALT counts; nothing after it issues */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  instructions    4\n"));
    CU_ASSERT_EQUAL(lpt_json_size(json, "macs_by_format"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  MACs by format  none MACs\n"));
    /* numbers to six significant digits (this energy has more than three) */
    char three[32], six[32];
    snprintf(three, sizeof three, "%.3g", lpt_json_num(json, "energy_pj"));
    snprintf(six, sizeof six, "%.6g", lpt_json_num(json, "energy_pj"));
    CU_ASSERT(strcmp(three, six) != 0);
    snprintf(line, sizeof line, "\n  energy          %s pJ\n", six);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    free(json), free(text);
    unlink(k);
}

CU_TestInfo lpt_units_tests[] = {
    {"table/invariants_hold", test_table_invariants_hold},
    {"codes/stable_codes_are_pinned", test_stable_codes_are_pinned},
    {"arch/kind_selects_the_keys", test_kind_selects_the_keys},
    {"arch/units_list_declares_more_units", test_units_list_declares_more_units},
    {"arch/sixteen_units_at_most", test_sixteen_units_at_most},
    {"sim/instruction_without_its_unit_is_refused_at_its_line",
     test_instruction_without_its_unit_is_refused_at_its_line},
    {"sim/ideal_unit_computes_values_at_the_roofline", test_ideal_unit_computes_values_at_the_roofline},
    {"sim/statistics_and_traces_name_the_units", test_statistics_and_traces_name_the_units},
    {"sim/ideal_rate_limit_and_the_one_cycle_floor", test_ideal_rate_limit_and_the_one_cycle_floor},
    {"sim/text_report_matches_the_json", test_text_report_matches_the_json},
    {"sim/macs_by_format_keep_sixteen_formats", test_macs_by_format_keep_sixteen_formats},
    CU_TEST_INFO_NULL,
};
