/*
** test_sim_timing.c — pins the timing and cost formulas with exact numbers:
** the units' timing and cost faces called directly, and the SystemC composition
** of sim/system.cpp through `lpsim exec --json --timing-only` on one- to
** four-instruction kernels.
**
** Every expected number is derived by hand from the documented model, with
** the derivation next to it. The architecture (written to a temporary YAML
** file) makes every ratio non-whole, so that a ceiling turned into a floor,
** an unaligned bank access counted as aligned or a ports division rounded the
** wrong way changes a figure: 77.7 ns of latency, an 8 x 6 array whose rates
** (36, 40, 60, 90 MACs/cycle) do not divide k x 48, exp 2.5 and reduce 1.75
** cycles per group, 12-byte scratchpad banks, 15.625 GB/s of DRAM.
**
** The system tests run at 1.25 GHz: a period of exactly 800 ps (SystemC's
** resolution is 1 ps), so cycle counts carry no rounding of their own. The
** composition they rely on, from sim/system.cpp ("c" is a cycle):
** - the controller issues one instruction per cycle (instruction i at cycle i
**   when nothing stalls); FENCE waits until every earlier one has finished;
**   "cycles" is when the last unit finishes, llround(time / period);
** - a unit takes an instruction from its queue, waits for the earlier
**   unfinished ones whose ranges conflict (the wait counts under the unit of
**   the last blocker: "dma" or "dependency"), then runs; its busy cycles are
**   llround((end - start) / period);
** - DMA: latency ceil(77.7 ns x 1.25 GHz = 97.125) = 98 c; then the tile goes
**   in bursts of 80 bytes, each lasting the longer of its DRAM time (64 ps a
**   byte after the channel is free, shared by the engines) and its engine time
**   (ceil(bytes / bytes_per_cycle) c); bursts go in groups of 16 (1280 bytes)
**   and each group makes one bank access for its bytes, which the next group
**   and the end of the instruction wait for;
** - a bank access of len bytes at address a touches chunks a/12 ..
**   (a+len-1)/12 (bank_bytes 12), chunk c in bank c mod banks; each bank it
**   touches is busy ceil(chunks there / ports) c after its earlier work, and
**   the access ends when its last bank is free;
** - matrix and vector units run in 8 slices; slice s of a range of L bytes
**   covers bytes [L*s/8, L*(s+1)/8) (floored) and is read and/or written
**   (read first) in operand order; a slice lasts the longer of an eighth of
**   the unit's cycles and its accesses.
** Sub-byte elements (FP4, FP6, int4) count packed bytes everywhere: in DRAM,
** the bursts, the banks, the statistics and the energy.
**
** Energies are compared exactly, computed here in the order the model adds
** them (each range's bytes x pJ/byte, in instruction and operand order).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "asm.h"
#include "dma.h"
#include "units.h"

/* Costs, written into the YAML with every digit (%.17g), so that the test
** computes with the very doubles the loader reads. */
#define DRAM_PJ_PER_BIT 3.7
#define SPM_PJ_PER_BYTE 0.37
#define ACC_PJ_PER_BYTE 0.23
#define VEC_PJ_PER_OP 0.29
#define BF16_PJ_PER_MAC 0.41
#define FP8_PJ_PER_MAC 0.13
#define FP6_PJ_PER_MAC 0.11
#define FP4_PJ_PER_MAC 0.07

/* What the tests vary; everything else is fixed in the YAML below. */
typedef struct knobs {
    const char *clock_ghz;
    int spm_banks, spm_ports, engines, bytes_per_cycle, lanes, depth;
    const char *extra; /* YAML lines appended (an l2: section), or NULL */
} knobs;

/* The system tests' default: 1.25 GHz, 4 scratchpad banks of 1 port, one
** DMA engine of 7 bytes a cycle (below DRAM's 12.5), 5 vector lanes. */
static const knobs SYS = {"1.25", 4, 1, 1, 7, 5, 8, NULL};

static const char ARCH_YAML[] =
    "name: pin\n"
    "clock_ghz: %s\n"
    "dram: {bandwidth_gbps: 15.625, latency_ns: 77.7, energy_pj_per_bit: %.17g}\n"
    "spm: {size_bytes: 65536, banks: %d, bank_bytes: 12, ports: %d, energy_pj_per_byte: %.17g}\n"
    "acc: {size_bytes: 16384, banks: 2, bank_bytes: 20, ports: 1, energy_pj_per_byte: %.17g}\n"
    "dma: {engines: %d, bytes_per_cycle: %d, burst_bytes: 80}\n"
    "matrix:\n"
    "  array_rows: 8\n"
    "  array_cols: 6\n"
    "  pipeline_cycles: 5\n"
    "  formats:\n"
    "    - {format: bf16, macs_per_cycle: 36, energy_pj_per_mac: %.17g}\n"
    "    - {format: fp8_e4m3fn, macs_per_cycle: 40, energy_pj_per_mac: %.17g}\n"
    "    - {format: fp6_e2m3fn, macs_per_cycle: 60, energy_pj_per_mac: %.17g}\n"
    "    - {format: fp4_e2m1fn, macs_per_cycle: 90, energy_pj_per_mac: %.17g}\n"
    "vector: {lanes: %d, exp_cycles: 2.5, reduce_cycles: 1.75, energy_pj_per_op: %.17g}\n"
    "queues: {depth: %d}\n";

static void arch_yaml(const knobs *k, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, ARCH_YAML, k->clock_ghz, DRAM_PJ_PER_BIT, k->spm_banks, k->spm_ports, SPM_PJ_PER_BYTE,
                     ACC_PJ_PER_BYTE, k->engines, k->bytes_per_cycle, BF16_PJ_PER_MAC, FP8_PJ_PER_MAC, FP6_PJ_PER_MAC,
                     FP4_PJ_PER_MAC, k->lanes, VEC_PJ_PER_OP, k->depth);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < cap);
    if (k->extra) CU_ASSERT_FATAL(snprintf(buf + n, cap - (size_t)n, "%s", k->extra) < (int)(cap - (size_t)n));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fputs(text, f) >= 0);
    CU_ASSERT(fclose(f) == 0);
}

/* Run the kernel text on the architecture of k, timing only; the JSON line
** (malloc'd). The two files live in a temporary folder, removed here. */
static char *exec_sim(const knobs *k, const char *kernel)
{
    char dir[] = "/tmp/lpt_simtiming_XXXXXX", arch[64], src[64], cmd[256], yaml[2048], *json, *err;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(arch, sizeof arch, "%s/pin.yaml", dir);
    snprintf(src, sizeof src, "%s/k.s", dir);
    arch_yaml(k, yaml, sizeof yaml);
    write_text(arch, yaml);
    write_text(src, kernel);
    snprintf(cmd, sizeof cmd, "exec --json --timing-only --arch '%s' '%s'", arch, src);
    int rc = lpt_run(cmd, "", 0, &json, &err);
    unlink(arch), unlink(src), rmdir(dir);
    if (rc) fprintf(stderr, "\n  lpsim exec exited %d: %s", rc, err);
    free(err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return json;
}

/* A field of the JSON output and its expected value. */
typedef struct want {
    const char *path;
    double value;
} want;

static void check_fields(const char *what, const char *json, const want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double got = lpt_json_num(json, w[i].path);
        if (got != w[i].value) fprintf(stderr, "\n  %s: %s = %.17g, want %.17g", what, w[i].path, got, w[i].value);
        CU_ASSERT(got == w[i].value);
    }
}
#define CHECK(what, json, w) check_fields(what, json, w, sizeof w / sizeof w[0])

/* ---- the timing face, called directly (1.3 GHz, 24 B/cycle, 12 lanes) ---- */

static arch_cfg *load_face(void)
{
    static const knobs face = {"1.3", 4, 1, 1, 24, 12, 8, NULL};
    char yaml[2048];
    arch_yaml(&face, yaml, sizeof yaml);
    arch_cfg *a = NULL;
    lp_diag d;
    lp_status st = arch_load_text(yaml, strlen(yaml), "pin.yaml", &a, &d);
    if (st != LP_OK) fprintf(stderr, "\n  pin.yaml:%d:%d: %s", d.line, d.col, d.msg);
    CU_ASSERT_EQUAL_FATAL(st, LP_OK);
    return a;
}

/* ---- the faces, called as a cost model calls them ---------------------------------- */

typedef struct unit_cost {
    uint64_t cycles;
    double energy_pj;
    uint64_t macs;
    double utilization;
} unit_cost;

/* The timing and cost faces of the chip's unit of op's class. */
static lp_status face(const arch_cfg *a, const unit_op *op, unit_cost *c, lp_diag *err)
{
    const arch_unit *u = arch_unit_of_class(a, unit_op_class(op->what));
    CU_ASSERT_FATAL(u != NULL);
    const unit_faces *f = unit_kind_get(u->kind)->faces;
    unit_timing t = {0};
    lp_status st = f->timing(a, u->cfg, op, &t, err);
    c->cycles = t.cycles, c->macs = t.macs, c->utilization = t.utilization;
    c->energy_pj = !st && f->energy_pj ? f->energy_pj(a, u->cfg, op, &t) : 0;
    return st;
}

static lp_status mma_face(const arch_cfg *a, const char *fmt, uint64_t m, uint64_t n, uint64_t k, unit_cost *c,
                          lp_diag *err)
{
    unit_op op = {.what = UNIT_OP_MMA, .m = m, .n = n, .k = k};
    CU_ASSERT_FATAL(mf_parse(fmt, &op.fa, NULL) == LP_OK);
    op.fb = op.fa;
    return face(a, &op, c, err);
}

static void vector_face(const arch_cfg *a, unit_op_id what, uint64_t n, unit_cost *c)
{
    unit_op op = {.what = what, .rows = n, .cols = 1};
    CU_ASSERT_FATAL(face(a, &op, c, NULL) == LP_OK);
}

/* One engine, alone: the DRAM latency and its bytes per cycle. */
static uint64_t dma_face(const arch_cfg *a, uint64_t bytes)
{
    return dma_latency_cycles(a) + dma_engine_cycles(arch_unit_of_class(a, UNIT_CLASS_DMA)->cfg, bytes);
}

static void test_mma_face_non_whole_k_ratio_rounds_up(void)
{
    arch_cfg *a = load_face();
    unit_cost c;
    lp_diag err;
    lp_diag_init(&err, NULL);
    /* bf16 13 x 7 x 10 on 8 x 6: ceil(13/8) x ceil(7/6) = 4 passes of
    ** ceil(10 x 48 / 36 = 13.33) = 14 cycles, + 5 of pipeline = 61 */
    CU_ASSERT_FATAL(mma_face(a, "bf16", 13, 7, 10, &c, &err) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 61);
    CU_ASSERT_EQUAL(c.macs, 910);                            /* 13 x 7 x 10 */
    CU_ASSERT(c.energy_pj == 910.0 * BF16_PJ_PER_MAC);       /* MACs x pJ/MAC */
    CU_ASSERT(c.utilization == (double)(13 * 7) / (4 * 48)); /* outputs / MAC slots of the passes */
    /* fp8 8 x 6 x 7: one pass of ceil(7 x 48 / 40 = 8.4) = 9, + 5 = 14 */
    CU_ASSERT_FATAL(mma_face(a, "fp8_e4m3fn", 8, 6, 7, &c, &err) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 14);
    CU_ASSERT(c.utilization == 1.0);
    /* one row past the array: 2 passes of 9, + 5 = 23; 54 of 96 slots used */
    CU_ASSERT_FATAL(mma_face(a, "fp8_e4m3fn", 9, 6, 7, &c, &err) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 23);
    CU_ASSERT(c.utilization == 54.0 / 96.0);
    CU_ASSERT(c.energy_pj == 378.0 * FP8_PJ_PER_MAC); /* 9 x 6 x 7 MACs */
    /* a whole ratio stays whole: fp8 k = 5, 5 x 48 / 40 = 6 exactly, + 5 = 11 */
    CU_ASSERT_FATAL(mma_face(a, "fp8_e4m3fn", 8, 6, 5, &c, &err) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 11);
    /* a format the unit does not list */
    CU_ASSERT_EQUAL(mma_face(a, "int8", 8, 6, 5, &c, &err), LP_ERR_UNIT);
    CU_ASSERT_STRING_EQUAL(err.msg, "does not run int8 (it runs bf16, fp8_e4m3fn, fp6_e2m3fn, fp4_e2m1fn)");
    arch_free(a);
}

/* MX element formats take the rate of their element format. */
static void test_mma_face_fp4_fp6_rates(void)
{
    arch_cfg *a = load_face();
    unit_cost c;
    /* fp4 8 x 6 x 384: ceil(384 x 48 / 90 = 204.8) = 205, + 5 = 210 */
    CU_ASSERT_FATAL(mma_face(a, "fp4_e2m1fn", 8, 6, 384, &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 210);
    CU_ASSERT_EQUAL(c.macs, 18432);
    CU_ASSERT(c.energy_pj == 18432.0 * FP4_PJ_PER_MAC);
    /* fp6: ceil(384 x 48 / 60 = 307.2) = 308, + 5 = 313 */
    CU_ASSERT_FATAL(mma_face(a, "fp6_e2m3fn", 8, 6, 384, &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 313);
    CU_ASSERT(c.energy_pj == 18432.0 * FP6_PJ_PER_MAC);
    /* fp4 3 x 13 x 64 (partial rows, 3 column passes): 3 x ceil(64 x 48 / 90 =
    ** 34.13) = 3 x 35 = 105, + 5 = 110; 39 outputs of 144 slots */
    CU_ASSERT_FATAL(mma_face(a, "fp4_e2m1fn", 3, 13, 64, &c, NULL) == LP_OK);
    CU_ASSERT_EQUAL(c.cycles, 110);
    CU_ASSERT(c.utilization == 39.0 / 144.0);
    arch_free(a);
}

static void test_vector_face_fractional_cycles_round_up(void)
{
    arch_cfg *a = load_face(); /* 12 lanes */
    unit_cost c;
    /* 50 elements: ceil(50/12) = 5 groups */
    vector_face(a, UNIT_OP_ADD, 50, &c);
    CU_ASSERT_EQUAL(c.cycles, 5);
    CU_ASSERT(c.energy_pj == 50.0 * VEC_PJ_PER_OP);
    CU_ASSERT(c.utilization == 50.0 / 60.0);
    vector_face(a, UNIT_OP_EXP, 50, &c);
    CU_ASSERT_EQUAL(c.cycles, 13); /* ceil(5 x 2.5 = 12.5) */
    vector_face(a, UNIT_OP_ROW_SUM, 50, &c);
    CU_ASSERT_EQUAL(c.cycles, 9); /* ceil(5 x 1.75 = 8.75) */
    vector_face(a, UNIT_OP_EXP, 61, &c);
    CU_ASSERT_EQUAL(c.cycles, 15); /* 6 groups x 2.5 = 15 exactly */
    vector_face(a, UNIT_OP_ROW_SUM, 1, &c);
    CU_ASSERT_EQUAL(c.cycles, 2); /* one group: ceil(1.75) */
    arch_free(a);
}

static void test_dma_face_latency_and_bytes_round_up(void)
{
    arch_cfg *a = load_face(); /* 1.3 GHz, 24 bytes a cycle */
    /* ceil(77.7 x 1.3 = 101.01) = 102 of latency, + ceil(205 / 24 = 8.54) = 9 */
    CU_ASSERT_EQUAL(dma_face(a, 205), 111);
    CU_ASSERT_EQUAL(dma_face(a, 240), 112); /* 240 / 24 = 10 exactly */
    CU_ASSERT_EQUAL(dma_face(a, 1), 103);
    /* the DMA unit's timing face counts the tile's bytes, not its rows at the
    ** buffer's pitch: 3 rows of 10 bytes from a 40-byte-wide buffer are 30
    ** bytes, 102 + ceil(30 / 24) = 104 cycles, loading, storing, or loading
    ** transposed into a dense 10 x 3 tile */
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_DMA);
    mem_range dram = {.space = MEM_DRAM, .rows = 3, .row_bytes = 10, .pitch = 40, .packed_bits = 8},
              tile = {.space = MEM_SPM, .rows = 3, .row_bytes = 10, .pitch = 10, .packed_bits = 8},
              tile_t = {.space = MEM_SPM, .rows = 10, .row_bytes = 3, .pitch = 3, .packed_bits = 8};
    unit_op ops[3] = {{.what = UNIT_OP_LOAD, .dst = tile, .src = dram},
                      {.what = UNIT_OP_STORE, .dst = dram, .src = tile},
                      {.what = UNIT_OP_LOAD_T, .dst = tile_t, .src = dram, .rows = 3, .cols = 10}};
    for (int i = 0; i < 3; i++) {
        unit_timing t;
        CU_ASSERT_FATAL(unit_kind_get(u->kind)->faces->timing(a, u->cfg, &ops[i], &t, NULL) == LP_OK);
        CU_ASSERT_EQUAL(t.cycles, 104);
    }
    arch_free(a);
}

/* The DMA face moves a tile's bytes as DRAM stores them, decoded from the
** instruction: 5 x 40 elements are 200 bytes of fp8, 100 of fp4 (two to a
** byte), 150 of fp6 (four to three bytes); bf16 400. In bursts of 80 at 24
** bytes a cycle after 102 c of latency: 200 = 80 + 80 + 40, 102 + 4 + 4 + 2 =
** 112; 100 = 80 + 20, 102 + 4 + 1 = 107; 150 = 80 + 70, 102 + 4 + 3 = 109;
** 400 = 5 x 80, 102 + 20 = 122. The same for the MX elements (their codes
** one per byte in the buffers, as the plain formats'). */
static void test_dma_face_moves_packed_bytes(void)
{
    arch_cfg *a = load_face();
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_DMA);
    static const struct {
        const char *fmt;
        uint64_t bytes, cycles;
    } cases[] = {{"fp8_e4m3fn", 200, 112}, {"fp4_e2m1fn", 100, 107}, {"fp6_e2m3fn", 150, 109},
                 {"fp6_e3m2fn", 150, 109}, {"int4", 100, 107},       {"bf16", 400, 122}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[256];
        snprintf(src, sizeof src, ".buffer D, %s, 5, 40\n    DMA_LD spm:8, D[0, 0], 5, 40, %s\n", cases[i].fmt,
                 cases[i].fmt);
        asm_opts o = {"face.s", 20, false, 0, 0, 0};
        asm_diags dg = {0};
        isa_prog p;
        CU_ASSERT_FATAL(asm_assemble(src, strlen(src), &o, &p, &dg) == LP_OK);
        asm_diags_free(&dg);
        isa_insn in;
        unit_op op;
        CU_ASSERT_FATAL(isa_decode(p.code, &in, NULL) == LP_OK);
        isa_to_op(&in, &op);
        unit_timing t;
        CU_ASSERT_FATAL(unit_kind_get(u->kind)->faces->timing(a, u->cfg, &op, &t, NULL) == LP_OK);
        if (mem_range_bytes(dma_dram_range(&op)) != cases[i].bytes || t.cycles != cases[i].cycles)
            fprintf(stderr, "\n  %s: %llu bytes, %llu cycles", cases[i].fmt,
                    (unsigned long long)mem_range_bytes(dma_dram_range(&op)), (unsigned long long)t.cycles);
        CU_ASSERT_EQUAL(mem_range_bytes(dma_dram_range(&op)), cases[i].bytes);
        CU_ASSERT_EQUAL(mem_range_bytes(&op.dst), cases[i].bytes); /* the buffer side, packed alike */
        CU_ASSERT_EQUAL(t.cycles, cases[i].cycles);
        isa_prog_free(&p);
    }
    arch_free(a);
}

static void test_energy_face_per_byte_and_bit(void)
{
    arch_cfg *a = load_face();
    CU_ASSERT(mem_dram_energy_pj(&a->dram, 205) == 205.0 * 8.0 * DRAM_PJ_PER_BIT); /* bytes x 8 bits x pJ/bit */
    CU_ASSERT(mem_buffer_energy_pj(&a->spm, 205) == 205.0 * SPM_PJ_PER_BYTE);
    CU_ASSERT(mem_buffer_energy_pj(&a->acc, 205) == 205.0 * ACC_PJ_PER_BYTE);
    CU_ASSERT(mem_buffer_energy_pj(&a->spm, 0) == 0.0);
    arch_free(a);
}

/* ---- the system (1.25 GHz: 800 ps a cycle) ---- */

/* One MMA alone, bf16 13 x 7 x 10 (61 cycles, as the face says): issued at
** cycle 0, it runs 8 slices of 61 x 800 / 8 = 6100 ps (7.625 c) of compute.
** Its operands never take that long: a slice of C (364 / 8 = 45-46 bytes at
** acc:0) spans at most 4 chunks of 20 bytes, 2 per bank of 2, read then
** written: 4 c; A (260 / 8 = 32-33 bytes) and B (140 / 8 = 17-18 bytes) at
** most 1 chunk per scratchpad bank each: 2 c. So it ends at 61 c. */
static void test_mma_system_partial_tiles_non_whole_k(void)
{
    char *j = exec_sim(&SYS, "    MMA acc:0, spm:0, spm:260, 13, 7, 10, bf16, bf16, exact, set\n    HALT\n");
    const want w[] = {
        {"cycles", 61},
        {"busy_cycles.matrix", 61},
        {"busy_cycles.dma", 0},
        {"busy_cycles.vector", 0},
        {"macs", 910},
        {"macs_by_format.bf16", 910},
        {"spm_bytes", 400}, /* A 13 x 10 x 2 = 260, B 10 x 7 x 2 = 140 */
        {"acc_bytes", 364}, /* C 13 x 7 x 4, counted once though read and written */
        {"dram_bytes", 0},
        {"energy_breakdown_pj.matrix", 0.0 + 910.0 * BF16_PJ_PER_MAC},
        {"energy_breakdown_pj.spm", 0.0 + 260.0 * SPM_PJ_PER_BYTE + 140.0 * SPM_PJ_PER_BYTE},
        {"energy_breakdown_pj.acc", 0.0 + 364.0 * ACC_PJ_PER_BYTE},
        {"energy_breakdown_pj.dram", 0},
        /* time at the peak rate over the whole run: (910 / 36) / 61 */
        {"utilization", (0.0 + 910.0 / 36.0) / 61.0},
    };
    CHECK("mma", j, w);
    free(j);
}

/* MMA 8 x 6 x 1 in bf16: 5 + ceil(1 x 48 / 36 = 1.33) = 7 c, 0.875 c a slice.
** C (192 bytes at acc:0) is read then written, 24 bytes a slice: bytes 24s to
** 24s+23 span 2 chunks of 20, one on each of the 2 banks, 1 c a bank for
** the read and 1 more for the write: 2 c. A (16 bytes at spm:0) and B (12
** bytes at spm:16) move 1 or 2 bytes a slice, never on the same bank in the
** same slice: 1 c. So the accumulator bounds it: 8 x 2 = 16 c. */
static void test_mma_system_accumulator_read_and_write_bound_a_short_k(void)
{
    char *j = exec_sim(&SYS, "    MMA acc:0, spm:0, spm:16, 8, 6, 1, bf16, bf16, exact, acc\n    HALT\n");
    const want w[] = {
        {"cycles", 16},     {"busy_cycles.matrix", 16}, {"macs", 48},
        {"acc_bytes", 192}, {"spm_bytes", 28},          {"utilization", (0.0 + 48.0 / 36.0) / 16.0},
    };
    CHECK("short k", j, w);
    free(j);
}

/* MMA_MX 8 x 6 x 384 with packed FP4 (then FP6) operands on a scratchpad of
** one bank, so that every scratchpad access queues on it. Ranges: C acc:0 (192
** bytes f32), A spm:0 (8 x 384 codes), sa spm:3072 (8 x 12 scales), B
** spm:3168 (6 x 384), sb spm:5472 (6 x 12); every address a multiple of 12.
** Per slice on the bank, one after the other:
**   FP4: A 3072 x 4/8 = 1536 bytes / 8 = 192 = 16 chunks; sa 12 = 1; B 1152 / 8
**        = 144 = 12; sb 9 bytes at 9s: 1, 2, 2, 1, 1, 2, 2, 1 chunks over the
**        slices (offsets 0-8, 9-17, 18-26, 27-35, 36-44, 45-53, 54-62, 63-71)
**        = 30 or 31 c a slice, against 210 x 800 / 8 = 21000 ps (26.25 c) of
**        compute: bank-bound, 8 x 29 + 12 = 244 c.
**   FP6: A 2304 / 8 = 288 = 24 chunks; B 1728 / 8 = 216 = 18; + sa and sb =
**        44 or 45 c against 313 / 8 = 39.125 c: 8 x 43 + 12 = 356 c.
** C (24 bytes a slice at acc:0, 2 chunks of 20 on the 2 banks, read then
** written) takes 2 c. */
static void test_mma_mx_system_packed_operands_at_bank_rate(void)
{
    knobs k = SYS;
    k.spm_banks = 1;
    static const char *const elems[2] = {"fp4_e2m1", "fp6_e2m3"};
    static const double cycles[2] = {244, 356}, rate[2] = {90, 60}, pj[2] = {FP4_PJ_PER_MAC, FP6_PJ_PER_MAC};
    /* the scratchpad bytes the banks move, counted alike: A (8 x 384 codes),
    ** its scales (8 x 12, u8), B (6 x 384), its scales (6 x 12); packed FP4
    ** 3072 / 2 and 2304 / 2, FP6 3072 x 3/4 and 2304 x 3/4 */
    static const double spm[2][4] = {{1536, 96, 1152, 72}, {2304, 96, 1728, 72}};
    for (int e = 0; e < 2; e++) {
        char src[256];
        snprintf(src, sizeof src,
                 "    MMA_MX acc:0, spm:0, spm:3072, spm:3168, spm:5472, 8, 6, 384, %s, %s, exact, set\n    HALT\n",
                 elems[e], elems[e]);
        char *j = exec_sim(&k, src);
        const want w[] = {
            {"cycles", cycles[e]},
            {"busy_cycles.matrix", cycles[e]},
            {"macs", 18432}, /* 8 x 6 x 384 */
            {e ? "macs_by_format.fp6_e2m3fn" : "macs_by_format.fp4_e2m1fn", 18432},
            {"acc_bytes", 192},
            {"spm_bytes", spm[e][0] + spm[e][1] + spm[e][2] + spm[e][3]},
            {"energy_breakdown_pj.matrix", 0.0 + 18432.0 * pj[e]},
            {"energy_breakdown_pj.acc", 0.0 + 192.0 * ACC_PJ_PER_BYTE},
            {"energy_breakdown_pj.spm", 0.0 + spm[e][0] * SPM_PJ_PER_BYTE + spm[e][1] * SPM_PJ_PER_BYTE +
                                            spm[e][2] * SPM_PJ_PER_BYTE + spm[e][3] * SPM_PJ_PER_BYTE},
            {"utilization", (0.0 + 18432.0 / rate[e]) / cycles[e]},
        };
        CHECK(elems[e], j, w);
        free(j);
    }
}

/* VEXP of 3 x 7 = 21 elements on 5 lanes: ceil(21/5) = 5 groups,
** ceil(5 x 2.5 = 12.5) = 13 c; then VRSUM of 3 x 7: ceil(5 x 1.75 = 8.75) =
** 9 c, queued behind it (no conflict: acc:0-83 and acc:128-139 written,
** spm:0-83 and spm:96-179 read). Destinations in the accumulator and sources in
** the scratchpad: a slice moves at most 11 bytes of each (84 / 8), 2 chunks on
** 2 banks, 1 c, under the 1.625 c (13/8) and 1.125 c (9/8) of compute. VEXP
** runs 0-13, VRSUM 13-22. */
static void test_vector_system_fractional_exp_and_reduce(void)
{
    char *j = exec_sim(&SYS, "    VEXP acc:0, spm:0, 3, 7\n    VRSUM acc:128, spm:96, 3, 7\n    HALT\n");
    const want w[] = {
        {"cycles", 22},
        {"busy_cycles.vector", 22},
        {"busy_cycles.matrix", 0},
        {"busy_cycles.dma", 0},
        {"stall_cycles.dependency", 0},
        {"spm_bytes", 168}, /* two sources of 84 */
        {"acc_bytes", 96},  /* 84 + the 3 row sums x 4 */
        {"energy_breakdown_pj.vector", 0.0 + 21.0 * VEC_PJ_PER_OP + 21.0 * VEC_PJ_PER_OP},
        /* ranges in operand order: VEXP dst (acc) and src (spm), then VRSUM's */
        {"energy_breakdown_pj.spm", 0.0 + 84.0 * SPM_PJ_PER_BYTE + 84.0 * SPM_PJ_PER_BYTE},
        {"energy_breakdown_pj.acc", 0.0 + 84.0 * ACC_PJ_PER_BYTE + 12.0 * ACC_PJ_PER_BYTE},
        {"macs", 0},
    };
    CHECK("vector", j, w);
    free(j);
}

/* DMA_LD of 5 x 41 fp8 = 205 bytes into spm:8, one engine of 7 bytes a cycle:
**   latency 98 c (ceil 97.125);
**   the one group's bank write, bytes 8-212: chunks 0-17 = 18 on 4 banks, 5 at
**   most: done at 103 c, long before the bursts;
**   bursts 80, 80, 45: engine ceil(80/7 = 11.4) = 12, 12, ceil(45/7 = 6.4) =
**   7 c, each above its DRAM time (80 x 64 ps = 6.4 c, 45 x 64 = 3.6 c);
**   end 98 + 12 + 12 + 7 = 129 c.
** (The face's 98 + ceil(205/7) = 128 rounds the whole tile once; the engine
** rounds each burst.) */
static void test_dma_system_latency_and_partial_bursts_round_up(void)
{
    char *j = exec_sim(&SYS, ".buffer D, fp8_e4m3fn, 5, 41\n    DMA_LD spm:8, D[0, 0], 5, 41, fp8_e4m3fn\n    HALT\n");
    const want w[] = {
        {"cycles", 129},
        {"busy_cycles.dma", 129},
        {"busy_cycles.matrix", 0},
        {"busy_cycles.vector", 0},
        {"dram_bytes", 205},
        {"spm_bytes", 205},
        {"energy_breakdown_pj.dram", 0.0 + 205.0 * 8.0 * DRAM_PJ_PER_BIT},
        {"energy_breakdown_pj.spm", 0.0 + 205.0 * SPM_PJ_PER_BYTE},
        {"energy_breakdown_pj.acc", 0},
        {"stall_cycles.dma", 0},
    };
    CHECK("dma", j, w);
    free(j);
}

/* DMA_LD of a 5 x 40 tile into spm:8 moves its bytes as DRAM stores them,
** through DRAM, the engine and the scratchpad's banks alike: fp8 200 bytes,
** fp4 100 (half), fp6 150 (three quarters); MX elements the same.
**   latency 98 c; the one group's bank write: fp8 bytes 8-207, chunks 0-17 =
**   18 on 4 banks, 5 c; fp4 8-107, 9 chunks, 3 c; fp6 8-157, 14 chunks, 4 c:
**   each done long before the bursts;
**   bursts of 80 at 7 bytes a cycle (each above its DRAM time, 64 ps a byte):
**   fp8 80 + 80 + 40 = 12 + 12 + 6 c, end 128; fp4 80 + 20 = 12 + 3, end 113;
**   fp6 80 + 70 = 12 + 10, end 120. */
static void test_dma_system_moves_packed_bytes(void)
{
    static const struct {
        const char *fmt;
        double bytes, cycles;
    } cases[] = {{"fp8_e4m3fn", 200, 128},
                 {"fp4_e2m1fn", 100, 113},
                 {"fp6_e2m3fn", 150, 120},
                 {"fp6_e3m2fn", 150, 120},
                 {"int4", 100, 113}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[256];
        snprintf(src, sizeof src, ".buffer D, %s, 5, 40\n    DMA_LD spm:8, D[0, 0], 5, 40, %s\n    HALT\n",
                 cases[i].fmt, cases[i].fmt);
        char *j = exec_sim(&SYS, src);
        const want w[] = {
            {"cycles", cases[i].cycles},
            {"busy_cycles.dma", cases[i].cycles},
            {"dram_bytes", cases[i].bytes},
            {"spm_bytes", cases[i].bytes},
            {"energy_breakdown_pj.dram", 0.0 + cases[i].bytes * 8.0 * DRAM_PJ_PER_BIT},
            {"energy_breakdown_pj.spm", 0.0 + cases[i].bytes * SPM_PJ_PER_BYTE},
        };
        CHECK(cases[i].fmt, j, w);
        free(j);
    }
    /* and a store moves them back alike: DMA_ST of the fp4 tile, 100 bytes */
    char *j = exec_sim(&SYS, ".buffer D, fp4_e2m1fn, 5, 40\n    DMA_ST D[0, 0], spm:8, 5, 40, fp4_e2m1fn\n    HALT\n");
    const want w[] = {{"dram_bytes", 100}, {"spm_bytes", 100}, {"cycles", 113}};
    CHECK("fp4 store", j, w);
    free(j);
}

/* The L2 counts packed bytes too: with an L2 of 600 bytes, fp4 tiles X and Y
** of 10 x 100 (500 bytes each) loaded as X, Y, X: the second X finds 500
** bytes (Y) loaded since its first load, no more than the L2 holds, and hits.
** Misses 1000 of 1500 loaded bytes: each load reads 2/3 of its bytes from
** DRAM, 1000 in all; the L2 moves 1500. (Counting a byte per element, 1000
** bytes would pass between the two loads of X, and every load would miss.) */
static void test_l2_counts_packed_bytes(void)
{
    knobs k = SYS;
    k.extra = "l2: {size_bytes: 600, bandwidth_gbps: 100, latency_ns: 10, energy_pj_per_byte: 0.75}\n";
    char *j = exec_sim(&k, ".buffer X, fp4_e2m1fn, 10, 100\n.buffer Y, fp4_e2m1fn, 10, 100\n"
                           "    DMA_LD spm:0, X[0, 0], 10, 100, fp4_e2m1fn\n"
                           "    DMA_LD spm:1024, Y[0, 0], 10, 100, fp4_e2m1fn\n"
                           "    DMA_LD spm:2048, X[0, 0], 10, 100, fp4_e2m1fn\n    HALT\n");
    double f = 1000.0 / 1500.0;
    const want w[] = {
        {"dram_bytes", 1000},
        {"l2_bytes", 1500},
        {"spm_bytes", 1500},
        {"energy_breakdown_pj.dram", 0.0 + 500.0 * f * 8.0 * DRAM_PJ_PER_BIT + 500.0 * f * 8.0 * DRAM_PJ_PER_BIT +
                                         500.0 * f * 8.0 * DRAM_PJ_PER_BIT},
        {"energy_breakdown_pj.l2", 0.0 + 500.0 * 0.75 + 500.0 * 0.75 + 500.0 * 0.75},
    };
    CHECK("l2 fp4", j, w);
    free(j);
}

/* DMA_LD of 21 x 80 = 1680 bytes (21 bursts) into spm:9 of a single 12-byte
** bank, at 24 bytes a cycle (DRAM-bound: 80 x 64 = 5120 ps a burst):
**   latency: 98 c = 78400 ps;
**   group 0 (bursts 0-15): bank write of bytes 9-1288, chunks 0-107 = 108 c
**     (1280 bytes aligned would be 107): done at 78400 + 86400 = 164800 ps;
**     the bursts end at 78400 + 16 x 5120 = 160320 ps;
**   group 1 waits for the bank until 164800: bytes 1289-1688, chunks 107-140 =
**     34 c: done at 192000 ps; its 5 bursts end at 164800 + 25600 = 190400;
**   the end waits for the bank: 192000 ps = 240 c.
** (Groups of 8 bursts would split at byte 649, inside chunk 54, and write it
** twice: 55 + 54 + 34 c, 241.) An fp4 tile of 21 x 160 packs into the same
** 1680 bytes, in the same bursts and bank writes: 240 c too. */
static void test_dma_system_groups_wait_for_unaligned_bank_writes(void)
{
    knobs k = SYS;
    k.spm_banks = 1, k.bytes_per_cycle = 24;
    char *j = exec_sim(&k, ".buffer E, fp8_e4m3fn, 21, 80\n    DMA_LD spm:9, E[0, 0], 21, 80, fp8_e4m3fn\n    HALT\n");
    const want w[] = {{"cycles", 240}, {"busy_cycles.dma", 240}, {"dram_bytes", 1680}, {"spm_bytes", 1680}};
    CHECK("dma groups", j, w);
    free(j);
    j = exec_sim(&k, ".buffer E, fp4_e2m1fn, 21, 160\n    DMA_LD spm:9, E[0, 0], 21, 160, fp4_e2m1fn\n    HALT\n");
    CHECK("dma groups fp4", j, w);
    free(j);
}

/* DMA_LDT is timed as DMA_LD of the same tile (dma.h): the same bursts, and
** the buffer side written as the one span of the dense transposed tile, which
** has the bytes and the address of DMA_LD's. Every figure of the run agrees,
** on the tiles of the two tests above (129 c and 240 c), an inner bf16 tile
** into the accumulator buffer, and packed fp4 (4 bits an element in the banks
** and in DRAM). */
static void test_dma_system_ldt_takes_the_cycles_of_ld(void)
{
    static const struct {
        int spm_banks, bytes_per_cycle;
        const char *decl, *dst, *tile, *fmt;
        double cycles; /* pinned where a test above derives it; 0: not pinned */
    } cases[] = {
        {4, 7, ".buffer D, fp8_e4m3fn, 5, 41\n", "spm:8", "D[0, 0], 5, 41", "fp8_e4m3fn", 129},
        {1, 24, ".buffer E, fp8_e4m3fn, 21, 80\n", "spm:9", "E[0, 0], 21, 80", "fp8_e4m3fn", 240},
        {4, 7, ".buffer B, bf16, 40, 30\n", "acc:0x24", "B[3, 5], 33, 17", "bf16", 0},
        {4, 7, ".buffer F, fp4_e2m1fn, 64, 100\n", "spm:0x101", "F[1, 2], 63, 97", "fp4_e2m1fn", 0},
    };
    static const char *const fields[] = {"cycles",
                                         "busy_cycles.dma",
                                         "stall_cycles.dma",
                                         "dram_bytes",
                                         "spm_bytes",
                                         "acc_bytes",
                                         "energy_breakdown_pj.dram",
                                         "energy_breakdown_pj.spm",
                                         "energy_breakdown_pj.acc",
                                         "energy_pj"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        knobs k = SYS;
        k.spm_banks = cases[i].spm_banks, k.bytes_per_cycle = cases[i].bytes_per_cycle;
        char src[2][512];
        for (int t = 0; t < 2; t++)
            snprintf(src[t], sizeof src[t], "%s    %s %s, %s, %s\n    HALT\n", cases[i].decl, t ? "DMA_LDT" : "DMA_LD",
                     cases[i].dst, cases[i].tile, cases[i].fmt);
        char *ld = exec_sim(&k, src[0]), *ldt = exec_sim(&k, src[1]);
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            double a = lpt_json_num(ld, fields[f]), b = lpt_json_num(ldt, fields[f]);
            if (a != b) fprintf(stderr, "\n  case %zu: %s: DMA_LD %.17g, DMA_LDT %.17g", i, fields[f], a, b);
            CU_ASSERT(a == b);
        }
        if (cases[i].cycles) CU_ASSERT(lpt_json_num(ldt, "cycles") == cases[i].cycles);
        CU_ASSERT(lpt_json_num(ldt, "dram_bytes") > 0);
        free(ld), free(ldt);
    }
}

/* Two engines of 24 bytes a cycle, each alone DRAM-bound (80 bytes: 5120 ps
** on the channel, 4 c = 3200 ps in the engine), two DMA_LD of 160 bytes (2
** bursts) to spm:0 and spm:480, issued at 0 and 800 ps:
**   engine 0: latency to 78400; burst: channel 78400-83520, waits to 83520;
**   engine 1: latency to 79200; burst: channel busy until 83520, so 83520-88640;
**   engine 0 at 83520: channel 88640-93760: ends at 93760 ps (117.2 c);
**   engine 1 at 88640: channel 93760-98880: ends at 98880 ps (123.6 c).
** Busy: llround(117.2) + llround((98880 - 800) / 800 = 122.6) = 117 + 123;
** cycles llround(123.6) = 124. (Their bank writes, 14 chunks each on the 4
** banks, end by 84800 ps, before their last bursts.) */
static void test_dma_system_engines_share_dram_bandwidth(void)
{
    knobs k = SYS;
    k.engines = 2, k.bytes_per_cycle = 24;
    char *j = exec_sim(&k, ".buffer D, fp8_e4m3fn, 2, 80\n"
                           "    DMA_LD spm:0, D[0, 0], 2, 80, fp8_e4m3fn\n"
                           "    DMA_LD spm:480, D[0, 0], 2, 80, fp8_e4m3fn\n    HALT\n");
    const want w[] = {
        {"cycles", 124},
        {"busy_cycles.dma", 240},
        {"dram_bytes", 320},
        {"energy_breakdown_pj.dram", 0.0 + 160.0 * 8.0 * DRAM_PJ_PER_BIT + 160.0 * 8.0 * DRAM_PJ_PER_BIT},
    };
    CHECK("two engines", j, w);
    free(j);
}

/* VADD of 1 x 96 float32 (384 bytes a range, 48 bytes a slice: 4 chunks when
** aligned to 12, 5 when not, the first bank taking 2) with 5 lanes:
** ceil(96/5) = 20 c of compute, 2.5 c a slice. Ranges in operand order:
**   dst spm:0   aligned, chunks on banks 0 1 2 3 (1 each), written;
**   a   spm:400 = 12 x 33 + 4: chunks 33+4s .. 37+4s on banks 1 2 3 0 1;
**   b   spm:796 = 12 x 66 + 4: chunks 66+4s .. 70+4s on banks 2 3 0 1 2.
** One port: after dst every bank is free at +1; a: bank 1 +3, others +2;
** b: bank 2 2+2 = +4, bank 3 +3, bank 0 +3, bank 1 3+1 = +4: 4 c a slice, 32 c.
** Two ports (ceil(chunks / 2), so 1 c for 1 or 2 chunks): +1, +2, +3: 3 c a
** slice, above the 2.5 of compute: 24 c. */
static void test_banks_system_unaligned_operands_with_one_and_two_ports(void)
{
    const char *src = "    VADD spm:0, spm:400, spm:796, 1, 96\n    HALT\n";
    for (int ports = 1; ports <= 2; ports++) {
        knobs k = SYS;
        k.spm_ports = ports;
        char *j = exec_sim(&k, src);
        const want w[] = {
            {"cycles", ports == 1 ? 32 : 24},
            {"busy_cycles.vector", ports == 1 ? 32 : 24},
            {"spm_bytes", 1152},
            {"energy_breakdown_pj.spm",
             0.0 + 384.0 * SPM_PJ_PER_BYTE + 384.0 * SPM_PJ_PER_BYTE + 384.0 * SPM_PJ_PER_BYTE},
            {"energy_breakdown_pj.vector", 0.0 + 96.0 * VEC_PJ_PER_OP},
        };
        CHECK(ports == 1 ? "banks, 1 port" : "banks, 2 ports", j, w);
        free(j);
    }
}

/* VADD of 1 x 144 (576 bytes a range, 72 bytes a slice) at spm:0, 1000 and
** 2000, one port: ceil(144/5) = 29 c of compute, 3.625 c a slice. Every bank
** starts the slice free, so it ends after as many cycles as the three slices
** have chunks on it (chunk c on bank c mod 4):
**   dst: chunks 6s .. 6s+5 (6);
**   a:   1000 = 12 x 83 + 4, chunks 83+6s .. 89+6s (7);
**   b:   2000 = 12 x 166 + 8, chunks 166+6s .. 172+6s (7).
** Even s, banks 0 1 2 3: dst 2 2 1 1, a 2 2 1 2, b 2 1 2 2: 6 5 4 5 chunks;
** odd s (every start 2 banks on): dst 1 1 2 2, a 1 2 2 2, b 2 2 2 1: 4 5 6 5.
** 6 c a slice: 48 c. */
static void test_banks_system_chunks_land_on_their_own_banks(void)
{
    char *j = exec_sim(&SYS, "    VADD spm:0, spm:1000, spm:2000, 1, 144\n    HALT\n");
    const want w[] = {{"cycles", 48}, {"busy_cycles.vector", 48}, {"spm_bytes", 1728}};
    CHECK("banks, wrapping slices", j, w);
    free(j);
}

/* DMA_LD of A (8 x 10 bf16 = 160 bytes) to spm:0, then an MMA reading it:
**   DMA: latency 98; bank write of 14 chunks, 4 c at most; bursts 80 and 80
**   bytes at ceil(80/7) = 12 c each: 0-122 c;
**   MMA: issued and taken by the matrix unit at 1 c, waits for the DMA until
**   122 c (121 c, counted as "dma"), then 5 + ceil(10 x 48 / 36) = 19 c (a
**   slice of compute is 2.375 c; C's 24-byte slices take 2 chunks of the 2
**   banks, read then written: 2 c; A's 20 and B's 15 bytes, at most 1 chunk
**   on each bank each: 2 c): 122-141 c. */
static void test_stalls_system_mma_waiting_on_dma_counts_dma(void)
{
    char *j = exec_sim(&SYS, ".buffer A, bf16, 8, 10\n"
                             "    DMA_LD spm:0, A[0, 0], 8, 10, bf16\n"
                             "    MMA acc:0, spm:0, spm:160, 8, 6, 10, bf16, bf16, exact, set\n    HALT\n");
    const want w[] = {
        {"cycles", 141},
        {"busy_cycles.dma", 122},
        {"busy_cycles.matrix", 19},
        {"busy_cycles.vector", 0},
        {"stall_cycles.dma", 121},
        {"stall_cycles.dependency", 0},
        {"stall_cycles.queue", 0},
        {"spm_bytes", 440}, /* DMA 160, then A 160 and B 10 x 6 x 2 = 120 */
        {"acc_bytes", 192},
        {"energy_breakdown_pj.spm", 0.0 + 160.0 * SPM_PJ_PER_BYTE + 160.0 * SPM_PJ_PER_BYTE + 120.0 * SPM_PJ_PER_BYTE},
    };
    CHECK("mma after dma", j, w);
    free(j);
}

/* The MMA of the test above (19 c, 0-19), then DMA_ST of its C (8 x 6 fp32 =
** 192 bytes from acc:0): the engine takes it at 1 c and waits until 19 c (18 c,
** counted as "dependency"); then latency 98 (to 117); bank read of 10 chunks
** of 20 on 2 banks, 5 c; bursts 80, 80, 32 bytes at ceil(80/7) = 12, 12,
** ceil(32/7 = 4.6) = 5 c: 117 + 29 = 146 c. */
static void test_stalls_system_dma_st_waiting_on_mma_counts_dependency(void)
{
    char *j = exec_sim(&SYS, ".buffer C, fp32, 8, 6\n"
                             "    MMA acc:0, spm:0, spm:160, 8, 6, 10, bf16, bf16, exact, set\n"
                             "    DMA_ST C[0, 0], acc:0, 8, 6, fp32\n    HALT\n");
    const want w[] = {
        {"cycles", 146},
        {"busy_cycles.dma", 127},
        {"busy_cycles.matrix", 19},
        {"stall_cycles.dma", 0},
        {"stall_cycles.dependency", 18},
        {"dram_bytes", 192},
        {"acc_bytes", 384}, /* C by the MMA, then by the DMA */
        {"energy_breakdown_pj.acc", 0.0 + 192.0 * ACC_PJ_PER_BYTE + 192.0 * ACC_PJ_PER_BYTE},
        {"energy_breakdown_pj.dram", 0.0 + 192.0 * 8.0 * DRAM_PJ_PER_BIT},
        {"energy_breakdown_pj.matrix", 0.0 + 480.0 * BF16_PJ_PER_MAC},
    };
    CHECK("dma_st after mma", j, w);
    free(j);
}

/* Three independent VEXP of 13 c each (as in the vector test) with queues one
** deep: #0 issued at 0 and taken at once; #1 issued at 1 c into the queue;
** #2 at 2 c finds it full and waits until the unit takes #1 at 13 c (11 c of
** queue stall). The unit runs 0-13, 13-26, 26-39. */
static void test_stalls_system_full_queue_stalls_the_controller(void)
{
    knobs k = SYS;
    k.depth = 1;
    char *j = exec_sim(&k, "    VEXP acc:0, spm:0, 3, 7\n"
                           "    VEXP acc:96, spm:96, 3, 7\n"
                           "    VEXP acc:192, spm:192, 3, 7\n    HALT\n");
    const want w[] = {
        {"cycles", 39},          {"busy_cycles.vector", 39},     {"stall_cycles.queue", 11},
        {"stall_cycles.dma", 0}, {"stall_cycles.dependency", 0}, {"instructions", 4},
    };
    CHECK("queue", j, w);
    free(j);
}

/* The 129-cycle DMA of the DMA test (to spm:512 here: 18 chunks, 5 c at most
** on a bank), a FENCE, then a VEXP that touches nothing of it (13 c): the
** controller drains at the FENCE until 129 c, issues the VEXP then, and it runs
** 129-142. Without the FENCE it would run 1-14 and the run end at 129. No stall
** counter sees the drain. */
static void test_fence_system_drains_before_the_next_issue(void)
{
    char *j = exec_sim(&SYS, ".buffer D, fp8_e4m3fn, 5, 41\n"
                             "    DMA_LD spm:512, D[0, 0], 5, 41, fp8_e4m3fn\n"
                             "    FENCE\n"
                             "    VEXP acc:0, spm:0, 3, 7\n    HALT\n");
    const want w[] = {
        {"cycles", 142},         {"busy_cycles.dma", 129},       {"busy_cycles.vector", 13},
        {"stall_cycles.dma", 0}, {"stall_cycles.dependency", 0}, {"stall_cycles.queue", 0},
        {"instructions", 4},
    };
    CHECK("fence", j, w);
    free(j);
}

CU_TestInfo lpt_simtiming_tests[] = {
    {"mma/face_non_whole_k_ratio_rounds_up", test_mma_face_non_whole_k_ratio_rounds_up},
    {"mma/face_fp4_fp6_rates", test_mma_face_fp4_fp6_rates},
    {"vector/face_fractional_cycles_round_up", test_vector_face_fractional_cycles_round_up},
    {"dma/face_latency_and_bytes_round_up", test_dma_face_latency_and_bytes_round_up},
    {"dma/face_moves_packed_bytes", test_dma_face_moves_packed_bytes},
    {"energy/face_per_byte_and_bit", test_energy_face_per_byte_and_bit},
    {"mma/system_partial_tiles_non_whole_k", test_mma_system_partial_tiles_non_whole_k},
    {"mma/system_accumulator_read_and_write_bound_a_short_k",
     test_mma_system_accumulator_read_and_write_bound_a_short_k},
    {"mma/system_mx_packed_operands_at_bank_rate", test_mma_mx_system_packed_operands_at_bank_rate},
    {"vector/system_fractional_exp_and_reduce", test_vector_system_fractional_exp_and_reduce},
    {"dma/system_latency_and_partial_bursts_round_up", test_dma_system_latency_and_partial_bursts_round_up},
    {"dma/system_groups_wait_for_unaligned_bank_writes", test_dma_system_groups_wait_for_unaligned_bank_writes},
    {"dma/system_moves_packed_bytes", test_dma_system_moves_packed_bytes},
    {"dma/system_l2_counts_packed_bytes", test_l2_counts_packed_bytes},
    {"dma/system_engines_share_dram_bandwidth", test_dma_system_engines_share_dram_bandwidth},
    {"dma/system_ldt_takes_the_cycles_of_ld", test_dma_system_ldt_takes_the_cycles_of_ld},
    {"banks/system_unaligned_operands_one_and_two_ports", test_banks_system_unaligned_operands_with_one_and_two_ports},
    {"banks/system_chunks_land_on_their_own_banks", test_banks_system_chunks_land_on_their_own_banks},
    {"stalls/system_mma_waiting_on_dma_counts_dma", test_stalls_system_mma_waiting_on_dma_counts_dma},
    {"stalls/system_dma_st_waiting_on_mma_counts_dependency",
     test_stalls_system_dma_st_waiting_on_mma_counts_dependency},
    {"stalls/system_full_queue_stalls_the_controller", test_stalls_system_full_queue_stalls_the_controller},
    {"fence/system_drains_before_the_next_issue", test_fence_system_drains_before_the_next_issue},
    CU_TEST_INFO_NULL,
};
