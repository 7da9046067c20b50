/*
** test_pins_numerics.c — pins on values and encodings: each operand kind's
** limit in isa_check_values and isa_decode (at the limit and one past), the
** expectation records and header counts of .lpt files, OCP MX NaN scales
** (quantisation, dequantisation, MX dot products), and the dot-product
** model's alignment, seeding, promotion, split-K and rounding rules, each on a
** hand-built case whose expected bits are derived in its comment from the
** rules of dot.h.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "dot.h"
#include "lp_bits.h"
#include "lp_test.h"
#include "mx.h"

/* ---- operand limits ------------------------------------------------------------------------- */

/* Format codes of named formats are their mf.def row + 1 (checked below). */
#define BF16 ((uint64_t)MF_BF16 + 1)
#define FP8 ((uint64_t)MF_FP8_E4M3FN + 1)
#define PITCH(n) ((uint64_t)(n) << ISA_DRAM_ADDR_BITS)

typedef struct limit_case {
    isa_insn in;
    const char *want; /* NULL: accepted */
} limit_case;

/* Operands: VFILL dst rows cols v; MMA c a b m n k fa fb preset mode; VCVT dst
** src rows cols dfmt sfmt round; MXQ dst scales src rows cols elem round;
** PIM_GEMV y arr x rows cols fmt abits wbits mode; DMA_LD dst src rows cols fmt.
** Addresses are 24 bits (mem: bit 24 selects ACC); a tile ends at 16 MiB at
** most; an address is a multiple of its tile's element bytes (f32 4, bf16 2,
** fp8 and scales 1). */
static const limit_case limits[] = {
    {{ISA_VFILL, {0xfffff0, 1, 4, 0}}, NULL}, /* 16 bytes end at 2^24 */
    {{ISA_VFILL, {0xfffff4, 1, 4, 0}},
     "VFILL operand 1 (dst): tile of 16 bytes at 0xfffff4 runs past the 16 MiB address space"},
    {{ISA_VFILL, {ISA_MEM_ACC | 0xfffff0, 1, 4, 0}}, NULL},
    {{ISA_VFILL, {ISA_MEM_ACC | 0xfffff4, 1, 4, 0}},
     "VFILL operand 1 (dst): tile of 16 bytes at 0xfffff4 runs past the 16 MiB address space"},
    {{ISA_VFILL, {ISA_MEM_ACC << 1, 1, 4, 0}}, "VFILL operand 1 (dst): address does not fit 24 bits"},
    {{ISA_VFILL, {2, 1, 1, 0}}, "VFILL operand 1 (dst): address 0x2 is not aligned to the 4-byte elements of its tile"},
    {{ISA_MMA, {0, 0x100, 0x201, 65535, 1, 1, BF16, FP8, 0, 1}}, NULL},
    {{ISA_MMA, {ISA_MEM_ACC, 0x100, 0x200, 1, 1, 1, BF16, FP8, 0, 0}},
     "MMA operand 1 (c): address does not fit 24 bits"},
    {{ISA_MMA, {0, ISA_MEM_ACC, 0x200, 1, 1, 1, BF16, FP8, 0, 0}}, "MMA operand 2 (a): address does not fit 24 bits"},
    {{ISA_MMA, {2, 0x100, 0x200, 1, 1, 1, BF16, FP8, 0, 0}},
     "MMA operand 1 (c): address 0x2 is not aligned to the 4-byte elements of its tile"},
    {{ISA_MMA, {0, 0x101, 0x200, 1, 1, 1, BF16, FP8, 0, 0}},
     "MMA operand 2 (a): address 0x101 is not aligned to the 2-byte elements of its tile"},
    {{ISA_MMA, {0, 0x100, 0x200, 65536, 1, 1, BF16, FP8, 0, 0}},
     "MMA operand 4 (m): dimension 65536 is outside 1..65535"},
    {{ISA_MMA, {0, 0x100, 0x200, 1, 1, 0, BF16, FP8, 0, 0}}, "MMA operand 6 (k): dimension 0 is outside 1..65535"},
    {{ISA_MMA, {0, 0x100, 0x200, 1, 1, 1, 0, FP8, 0, 0}}, "MMA operand 7 (fa): format code 0x0 names no format"},
    {{ISA_MMA, {0, 0x100, 0x200, 1, 1, 1, BF16 | UINT64_C(1) << 32, FP8, 0, 0}}, /* bf16's code in the low 32 bits */
     "MMA operand 7 (fa): format code 0x10000000c names no format"},
    {{ISA_MMA, {0, 0x100, 0x200, 1, 1, 1, BF16, FP8, 0, 2}}, "MMA operand 10 (mode): value 2 is not 0 or 1"},
    {{ISA_VCVT, {0xffffff, 0, 1, 1, FP8, BF16, MF_RSR}}, NULL}, /* one byte at the last address */
    {{ISA_VCVT, {0xffffff, 0, 1, 2, FP8, BF16, MF_RNE}},
     "VCVT operand 1 (dst): tile of 2 bytes at 0xffffff runs past the 16 MiB address space"},
    {{ISA_VCVT, {0, 0, 1, 1, FP8, BF16, MF_ROUND_COUNT}}, "VCVT operand 7 (round): rounding mode 4 not allowed here"},
    {{ISA_MXQ, {0, 0x401, 0x800, 1, 32, MX_ELEM_COUNT - 1, MF_RTZ}}, NULL},
    {{ISA_MXQ, {0, 0x400, 0x800, 1, 32, MX_FP4_E2M1, MF_RHA}}, NULL},
    {{ISA_MXQ, {0, 0x400, 0x800, 1, 32, MX_FP4_E2M1, MF_RSR}},
     "MXQ operand 7 (round): rounding mode 3 not allowed here (MXQ rounds nearest-even, toward-zero or half-away)"},
    {{ISA_MXQ, {0, 0x400, 0x800, 1, 32, MX_ELEM_COUNT, MF_RNE}}, "MXQ operand 6 (elem): MX element type 6 unknown"},
    {{ISA_MXQ, {0, 0x400, 0x800, 1, 48, MX_INT8, MF_RNE}},
     "MXQ operand 5 (cols): cols must be a multiple of 32, got 48"},
    {{ISA_MXQ, {0, 0x400, 0x802, 1, 32, MX_INT8, MF_RNE}},
     "MXQ operand 3 (src): address 0x802 is not aligned to the 4-byte elements of its tile"},
    {{ISA_PIM_GEMV, {0, 65535, 0x100, 4, 4, FP8, 16, 1, 1}}, NULL},
    {{ISA_PIM_GEMV, {0, 65536, 0x100, 4, 4, FP8, 8, 8, 0}},
     "PIM_GEMV operand 2 (arr): PIM array 65536 does not fit 16 bits"},
    {{ISA_PIM_GEMV, {0, 0, 0x100, 4, 4, FP8, 17, 8, 0}}, "PIM_GEMV operand 7 (abits): bit width 17 is outside 1..16"},
    {{ISA_PIM_GEMV, {0, 0, 0x100, 4, 4, FP8, 8, 0, 0}}, "PIM_GEMV operand 8 (wbits): bit width 0 is outside 1..16"},
    {{ISA_PIM_GEMV, {0, 0, 0x100, 4, 4, FP8, 8, 8, 2}}, "PIM_GEMV operand 9 (mode): value 2 is not 0 or 1"},
    {{ISA_DMA_LD, {0, 0x40 | PITCH(1), 1, 1, BF16}}, NULL},
    {{ISA_DMA_LD, {0, 0x40, 1, 1, BF16}}, "DMA_LD operand 2 (src): DRAM row pitch is 0"},
};

/* The operand number in a message "MNEMONIC operand N (...)", or 0. */
/* The library reports through lp_diag; these tests read its message as text. */
static lp_status check_values(const isa_insn *in, int *op, char *msg, size_t n)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = isa_check_values(in, op, &d);
    if (st) snprintf(msg, n, "%s", d.msg);
    return st;
}

static lp_status decode(const uint8_t *w, isa_insn *out, char *msg, size_t n)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = isa_decode(w, out, &d);
    if (st) snprintf(msg, n, "%s", d.msg);
    return st;
}

static lp_status check_dram(const isa_prog *p, const isa_insn *in, int *op, char *msg, size_t n)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = isa_prog_check_dram(p, in, op, &d);
    if (st) snprintf(msg, n, "%s", d.msg);
    return st;
}

static lp_status parse(const uint8_t *b, size_t len, isa_prog *p, char *msg, size_t n)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    lp_status st = isa_prog_parse(b, len, p, &d);
    if (st) snprintf(msg, n, "%s", d.msg);
    return st;
}

static int operand_in(const char *msg)
{
    const char *p = msg ? strstr(msg, " operand ") : NULL;
    return p ? atoi(p + 9) : 0;
}

static void test_check_values_at_each_limit(void)
{
    mf_format f;
    mf_get(MF_BF16, &f);
    CU_ASSERT_EQUAL_FATAL(isa_fmt_code(&f), BF16);
    mf_get(MF_FP8_E4M3FN, &f);
    CU_ASSERT_EQUAL_FATAL(isa_fmt_code(&f), FP8);
    int bad = 0;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        char msg[LP_DIAG_MSG_MAX] = "";
        int op = 99;
        lp_status st = check_values(&limits[i].in, &op, msg, sizeof msg);
        const char *want = limits[i].want;
        if (!want && (st != LP_OK || op != -1)) lpt_mismatch(&bad, "limit row %zu refused: %s", i, msg);
        if (want && (st != LP_ERR_RANGE || strcmp(msg, want) || op + 1 != operand_in(want)))
            lpt_mismatch(&bad, "limit row %zu:\n    got:  %s (operand %d)\n    want: %s", i, msg, op + 1, want);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* the preset index: the last preset is accepted, the count is not */
    isa_insn mma = {ISA_MMA, {0, 0x100, 0x200, 1, 1, 1, BF16, FP8, (uint64_t)dot_preset_count() - 1, 0}};
    char msg[LP_DIAG_MSG_MAX], want[300];
    CU_ASSERT_EQUAL(check_values(&mma, NULL, msg, sizeof msg), LP_OK);
    mma.v[8]++;
    snprintf(want, sizeof want, "MMA operand 9 (preset): preset %d unknown", dot_preset_count());
    CU_ASSERT_EQUAL(check_values(&mma, NULL, msg, sizeof msg), LP_ERR_RANGE);
    CU_ASSERT_STRING_EQUAL(msg, want);
}

/* A word holding a value past a limit that still fits its field decodes to the
** same verdict and message as isa_check_values gives. */
static void test_decode_agrees_with_check_values_at_each_limit(void)
{
    int bad = 0, refused = 0;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        const isa_insn *in = &limits[i].in;
        const isa_info *info = isa_get(in->op);
        bool fits = true;
        for (int k = 0; k < info->nops; k++) {
            int bits = isa_kind_bits(info->ops[k].kind);
            fits &= bits >= 64 || in->v[k] >> bits == 0;
        }
        if (!fits) continue;
        uint8_t w[ISA_WORD_BYTES];
        isa_insn out;
        char msg[LP_DIAG_MSG_MAX] = "";
        isa_encode(in, w);
        lp_status st = decode(w, &out, msg, sizeof msg);
        const char *want = limits[i].want;
        if (want ? st != LP_ERR_PARSE || strcmp(msg, want) : st != LP_OK)
            lpt_mismatch(&bad, "decode row %zu: %s, want %s", i, msg, want ? want : "accepted");
        refused += want != NULL;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(refused >= 15); /* most rejections are encodable: decoding must check values */
}

/* ---- DRAM operands against their buffers ----------------------------------------------------------- */

/* R: fp8_e4m3fn 3 x 5 at 0 (15 bytes); Y: bf16 2 x 2 at 64 (the next 64-byte
** boundary). A tile fits when row + rows <= 3 and col + cols <= 5; R[r, c] is
** byte 5r + c. A format mismatch points at the format operand. */
static void test_check_dram_at_the_buffer_edges(void)
{
    static const struct {
        isa_insn in;
        int bad_op;
        const char *want;
    } rows[] = {
        {{ISA_DMA_LD, {0, 6 | PITCH(5), 2, 4, FP8}}, -1, NULL},    /* R[1, 1], 2 x 4: ends at R[2, 4] */
        {{ISA_PIM_LD, {0, 0 | PITCH(5), 3, 5, FP8, 8}}, -1, NULL}, /* all of R */
        {{ISA_DMA_LD, {0, 7 | PITCH(5), 2, 4, FP8}}, 1, "tile 2 x 4 at R[1, 2] runs past the buffer's 3 x 5 elements"},
        {{ISA_DMA_LD, {0, 10 | PITCH(5), 2, 1, FP8}}, 1, "tile 2 x 1 at R[2, 0] runs past the buffer's 3 x 5 elements"},
        {{ISA_DMA_ST, {4 | PITCH(5), 0, 1, 1, BF16}}, 4, "format bf16 does not match buffer R (fp8_e4m3fn)"},
        {{ISA_DMA_LD, {0, 0 | PITCH(6), 1, 1, FP8}}, 1, "row pitch 6 is not the width 5 of buffer R"},
        {{ISA_DMA_LD, {0, 15 | PITCH(5), 1, 1, FP8}}, 1, "DRAM address 0xf lies in no buffer"},
        {{ISA_DMA_LD, {0, 66 | PITCH(2), 1, 1, BF16}}, -1, NULL}, /* Y[0, 1] */
        {{ISA_DMA_LD, {0, 65 | PITCH(2), 1, 1, BF16}}, 1, "DRAM address 0x41 is not on an element of buffer Y"},
        {{ISA_DMA_LD, {0, 70 | PITCH(2), 1, 1, BF16}}, -1, NULL}, /* Y[1, 1], the last byte pair */
        {{ISA_DMA_LD, {0, 72 | PITCH(2), 1, 1, BF16}}, 1, "DRAM address 0x48 lies in no buffer"},
    };
    isa_prog p;
    isa_prog_init(&p);
    CU_ASSERT_FATAL(isa_prog_add_buffer(&p, "R", (uint32_t)FP8, 3, 5) == LP_OK);
    CU_ASSERT_FATAL(isa_prog_add_buffer(&p, "Y", (uint32_t)BF16, 2, 2) == LP_OK);
    CU_ASSERT_EQUAL_FATAL(p.bufs[1].addr, 64);
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char msg[LP_DIAG_MSG_MAX] = "";
        int op = 99;
        lp_status st = check_dram(&p, &rows[i].in, &op, msg, sizeof msg);
        bool ok = rows[i].want ? st == LP_ERR_RANGE && !strcmp(msg, rows[i].want) : st == LP_OK;
        if (!ok || op != rows[i].bad_op)
            lpt_mismatch(&bad, "dram row %zu: '%s' (operand %d), want '%s' (operand %d)", i, msg, op,
                         rows[i].want ? rows[i].want : "accepted", rows[i].bad_op);
    }
    CU_ASSERT_EQUAL(bad, 0);
    isa_prog_free(&p);
}

/* ---- .lpt expectation records -------------------------------------------------------------- */

/* Buffers X and Z (fp32 1 x 2) and Y (bf16 1 x 2); expectations maxulp 3 on X
** (data at 0, 8 bytes), relerr 0.1 on Y (at 8, 4 bytes), bitexact on Z (at 12);
** one expectation per buffer, as the assembler and the reader require. */
static const char expect_src[] = ".buffer X, fp32, 1, 2\n.buffer Y, bf16, 1, 2\n.buffer Z, fp32, 1, 2\n"
                                 ".expect X, inline, maxulp 3\n3f800000 40000000\n.enddata\n"
                                 ".expect Y, inline, relerr 0.1\n3f80 4000\n.enddata\n"
                                 ".expect Z, inline\n3f800000 40000000\n.enddata\n";
#define EXPECT_AT 256 /* 64-byte header, no instructions, three 64-byte buffer records */

static void assemble_expectations(isa_prog *p, uint8_t **bytes, size_t *n)
{
    asm_opts o = {"e.s", 20, false, 0, 0, 0};
    asm_diags dg = {0};
    CU_ASSERT_EQUAL_FATAL(asm_assemble(expect_src, strlen(expect_src), &o, p, &dg), LP_OK);
    asm_diags_free(&dg);
    CU_ASSERT_FATAL(isa_prog_serialize(p, bytes, n) == LP_OK);
}

static void test_expectation_rule_and_tolerance_round_trip(void)
{
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    char msg[LP_DIAG_MSG_MAX];
    assemble_expectations(&p, &b, &n);
    /* the records on disk: buffer u32, rule u32 (0 bitexact, 1 maxulp, 2 relerr), tolerance f64 bits */
    static const uint8_t rec[3][16] = {
        {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x40},                   /* 3.0 = 0x4008000000000000 */
        {1, 0, 0, 0, 2, 0, 0, 0, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}, /* 0.1 = 0x3fb999999999999a */
        {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    CU_ASSERT_EQUAL_FATAL(n, EXPECT_AT + 3 * 32 + 20);
    for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(memcmp(b + EXPECT_AT + 32 * i, rec[i], 16), 0);
    CU_ASSERT_EQUAL_FATAL(parse(b, n, &q, msg, sizeof msg), LP_OK);
    CU_ASSERT_EQUAL_FATAL(q.nexpects, 3);
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT(q.expects[i].buf == p.expects[i].buf && q.expects[i].rule == p.expects[i].rule);
        CU_ASSERT_EQUAL(memcmp(&q.expects[i].tol, &p.expects[i].tol, sizeof(double)), 0);
        CU_ASSERT_EQUAL(q.expects[i].data_off, p.expects[i].data_off);
    }
    /* the disassembly spells each rule and reassembles to the same bytes */
    char *text = NULL;
    size_t tn = 0;
    FILE *f = open_memstream(&text, &tn);
    asm_disassemble(&q, f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ".expect X, inline, maxulp 3\n3f800000 40000000\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ".expect Y, inline, relerr 0.10000000000000001\n3f80 4000\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ".expect Z, inline, bitexact\n"));
    isa_prog r;
    asm_opts o = {"rt.s", 20, false, 0, 0, 0};
    asm_diags dg = {0};
    uint8_t *b2;
    size_t n2;
    CU_ASSERT_EQUAL_FATAL(asm_assemble(text, tn, &o, &r, &dg), LP_OK);
    CU_ASSERT_FATAL(isa_prog_serialize(&r, &b2, &n2) == LP_OK);
    CU_ASSERT(n2 == n && !memcmp(b, b2, n));
    asm_diags_free(&dg);
    free(text), free(b), free(b2);
    isa_prog_free(&p), isa_prog_free(&q), isa_prog_free(&r);
}

static void put_u64(uint8_t *at, uint64_t v)
{
    for (int i = 0; i < 8; i++) at[i] = (uint8_t)(v >> (8 * i));
}

/* One byte patch of a .lpt file: v written little-endian in `bytes` bytes at
** offset `at`, and the reader's message for the damaged file. */
typedef struct damage {
    size_t at;
    uint64_t v;
    int bytes;
    const char *want;
} damage;

/* Each damage of t applied alone to a copy of the good file b: refused with its message. */
static void expect_damage_refused(const uint8_t *b, size_t n, const damage *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++) {
        isa_prog q;
        uint8_t *c = malloc(n);
        char msg[LP_DIAG_MSG_MAX] = "";
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        memcpy(c, b, n);
        if (t[i].bytes == 8)
            put_u64(c + t[i].at, t[i].v);
        else
            for (int k = 0; k < t[i].bytes; k++) c[t[i].at + (size_t)k] = (uint8_t)(t[i].v >> (8 * k));
        CU_ASSERT_EQUAL(parse(c, n, &q, msg, sizeof msg), LP_ERR_PARSE);
        if (strcmp(msg, t[i].want)) fprintf(stderr, "\n  damage %zu: '%s', want '%s'", i, msg, t[i].want);
        CU_ASSERT_STRING_EQUAL(msg, t[i].want);
        free(c);
    }
}

/* Each damaged expectation record is refused with its message; through a file
** the message comes as FILE:1:1 (a binary has no lines). */
static void test_damaged_expectations_are_refused(void)
{
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    assemble_expectations(&p, &b, &n);
    static const damage damages[] = {
        {EXPECT_AT + 0, 3, 4, "expectation 0 names buffer 3 of 3"},
        {EXPECT_AT + 32 + 4, 3, 4, "expectation 1: unknown rule 3"},
        {EXPECT_AT + 64 + 8, 0x3ff0000000000000, 8, "expectation 2: bad tolerance"}, /* bitexact with 1.0 */
        {EXPECT_AT + 8, 0xbff0000000000000, 8, "expectation 0: bad tolerance"},      /* maxulp -1.0 */
        {EXPECT_AT + 32 + 8, 0x7ff0000000000000, 8, "expectation 1: bad tolerance"}, /* relerr inf */
        {EXPECT_AT + 24, 1, 8, "expectation 0: reserved bytes must be 0"},
        {EXPECT_AT + 16, 16, 8, "expectation 0: data outside the data section"}, /* 8 bytes at 16 of 20 */
    };
    expect_damage_refused(b, n, damages, sizeof damages / sizeof damages[0]);
    char path[] = "/tmp/lpt_pins_XXXXXX", want[300], *text = NULL;
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    b[EXPECT_AT] = 3;
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(b, 1, n, f), n);
    CU_ASSERT_EQUAL(fclose(f), 0);
    lp_diag d;
    size_t tn = 0;
    CU_ASSERT_EQUAL(isa_prog_read(path, &q, &d), LP_ERR_PARSE);
    f = open_memstream(&text, &tn);
    lp_diag_print(&d, f);
    fclose(f);
    snprintf(want, sizeof want, "%s:1:1: error: expectation 0 names buffer 3 of 3\n", path);
    CU_ASSERT_STRING_EQUAL(text, want);
    unlink(path);
    free(text), free(b);
    isa_prog_free(&p);
}

/* Each count of the header may reach its limit, not pass it. This program
** (372 bytes: header 64, 0 instructions, 3 buffer records of 64, 3
** expectations of 32, 20 bytes of data) with one count set to its limit only
** disagrees with the size the header then describes; one more exceeds
** lpsim's limits. Counts: instructions (u64 at 16, 2^24 of 32 bytes), buffers
** (u32 at 24, 4096 of 64), expectations (u32 at 28, 4096 of 32), data (u64 at
** 32, 2^31 bytes). */
static void test_header_counts_at_their_limits(void)
{
    static const struct {
        int at, bytes;
        uint64_t limit, described;
    } counts[] = {
        {16, 8, ISA_MAX_INSNS, 372 + (UINT64_C(1) << 24) * 32},
        {24, 4, ISA_MAX_BUFFERS, 372 + (4096 - 3) * 64},
        {28, 4, ISA_MAX_BUFFERS, 372 + (4096 - 3) * 32},
        {32, 8, ISA_MAX_DATA, 372 - 20 + (UINT64_C(1) << 31)},
    };
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    char msg[LP_DIAG_MSG_MAX] = "", want[200];
    assemble_expectations(&p, &b, &n);
    CU_ASSERT_EQUAL_FATAL(n, 372);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint8_t c[372];
        for (uint64_t v = counts[i].limit; v <= counts[i].limit + 1; v++) {
            memcpy(c, b, n);
            for (int k = 0; k < counts[i].bytes; k++) c[counts[i].at + k] = (uint8_t)(v >> (8 * k));
            CU_ASSERT_EQUAL(parse(c, n, &q, msg, sizeof msg), LP_ERR_PARSE);
            if (v == counts[i].limit)
                snprintf(want, sizeof want, "the header describes %llu bytes, the file has 372",
                         (unsigned long long)counts[i].described);
            else
                snprintf(want, sizeof want, "counts in the header exceed lpsim's limits");
            if (strcmp(msg, want))
                fprintf(stderr, "\n  count at %d = %llu: '%s'", counts[i].at, (unsigned long long)v, msg);
            CU_ASSERT_STRING_EQUAL(msg, want);
        }
    }
    free(b);
    isa_prog_free(&p);
    /* a program holds ISA_MAX_BUFFERS buffers, no more */
    mf_format f8;
    mf_get(MF_FP8_E4M3FN, &f8);
    isa_prog_init(&p);
    int added = 0;
    for (int i = 0; i <= ISA_MAX_BUFFERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        added += isa_prog_add_buffer(&p, name, isa_fmt_code(&f8), 1, 1) == LP_OK;
    }
    CU_ASSERT_EQUAL(added, ISA_MAX_BUFFERS);
    isa_prog_free(&p);
}

/* A buffer's initial data and an expectation that share their bytes (the
** assembler never writes that) are refused: the disassembly would print the
** block twice and reassemble into a larger file. (A name may start with _, as
** in the assembler.) */
static void test_shared_data_is_refused(void)
{
    static const uint8_t v[8] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}; /* 1.0, 2.0 */
    isa_prog p, q;
    mf_format f32;
    uint64_t off;
    uint8_t *b;
    size_t n;
    char msg[LP_DIAG_MSG_MAX] = "";
    isa_prog_init(&p);
    mf_parse("fp32", &f32, NULL);
    CU_ASSERT_FATAL(isa_prog_add_buffer(&p, "_x", isa_fmt_code(&f32), 1, 2) == LP_OK);
    CU_ASSERT_FATAL(isa_prog_add_data(&p, v, sizeof v, &off) == LP_OK);
    p.bufs[0].has_data = true, p.bufs[0].data_off = off;
    p.expects = malloc(sizeof *p.expects);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.expects);
    p.expects[0] = (isa_expect){0, ISA_RULE_BITEXACT, 0, off};
    p.nexpects = p.cap_expects = 1;
    CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
    CU_ASSERT_EQUAL(parse(b, n, &q, msg, sizeof msg), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(msg, "expectation 0 (buffer _x): its data at byte 160 overlap those of buffer _x");
    free(b);
    isa_prog_free(&p);
}

/* The reader takes only what the assembler could have written, so that every
** program it accepts disassembles into source that assembles again. The
** program: S (fp6_e2m3fn 1 x 4) and T (int4 1 x 2) at bytes 64 and 128, the
** expectations on T and on S at 192 and 224, the data at 256: S's contents
** (4 bytes), T's expected (2), S's expected (4). */
static void test_reader_takes_only_what_the_assembler_writes(void)
{
    static const char src[] = ".buffer S, fp6_e2m3fn, 1, 4\n.buffer T, int4, 1, 2\n"
                              ".data S, inline\n00 3f 01 02\n.enddata\n"
                              ".expect T, inline\n0f 07\n.enddata\n"
                              ".expect S, inline, maxulp 2\n00 01 02 03\n.enddata\n";
    static const damage damages[] = {
        {257, 0x40, 1, "buffer S: element 1 (byte 257): code 40 does not fit fp6_e2m3fn (6 bits)"},
        {261, 0x10, 1, "expectation 0 (buffer T): element 1 (byte 261): code 10 does not fit int4 (4 bits)"},
        {265, 0x80, 1, "expectation 1 (buffer S): element 3 (byte 265): code 80 does not fit fp6_e2m3fn (6 bits)"},
        {224, 1, 4, "expectation 1: buffer T has expectation 0 already"},
        {224 + 8, 0x3ff8000000000000, 8, "expectation 1: bad tolerance"}, /* maxulp 1.5 */
        {64, 0x504f4e, 4, "buffer 0 (byte 64): invalid name"},            /* "NOP" */
        {128, 0x616d6d, 4, "buffer 1 (byte 128): invalid name"},          /* "mma" */
        {64 + 36, 0x1000001, 4,
         "buffer S: 16777217 x 4 elements exceed lpsim's limits (16777216 rows or columns, 4 GiB)"},
        /* the data section laid out otherwise than the assembler lays it out */
        {64 + 44, 0, 4, "data bytes 0..3 (byte 256) belong to no buffer and no expectation"}, /* S's flag cleared */
        {128 + 44, 1, 4, "buffer T: its data at byte 256 overlap those of buffer S"},         /* T's flag set */
        {64 + 56, 1, 8, "data bytes 0..0 (byte 256) belong to no buffer and no expectation"}, /* S's data at 1 */
        {192 + 16, 2, 8, "expectation 0 (buffer T): its data at byte 258 overlap those of buffer S"},
        {224 + 16, 4, 8,
         "expectation 1 (byte 260): its data lie before those of expectation 0 (the assembler writes them in order)"},
        {192 + 16, 5, 8, "data bytes 4..4 (byte 260) belong to no buffer and no expectation"}, /* T's expected at 5 */
        /* tolerances the assembler cannot write: a sign, or any bits for bitexact */
        {192 + 8, 0x8000000000000000, 8, "expectation 0: bad tolerance"}, /* bitexact -0 */
        {224 + 8, 0x8000000000000000, 8, "expectation 1: bad tolerance"}, /* maxulp -0 */
        {192 + 8, 1, 8, "expectation 0: bad tolerance"},                  /* bitexact, the least subnormal */
    };
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    asm_opts o = {"r.s", 20, false, 0, 0, 0};
    asm_diags dg = {0};
    CU_ASSERT_EQUAL_FATAL(asm_assemble(src, strlen(src), &o, &p, &dg), LP_OK);
    asm_diags_free(&dg);
    CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 266);
    char msg[LP_DIAG_MSG_MAX] = "";
    CU_ASSERT_EQUAL_FATAL(parse(b, n, &q, msg, sizeof msg), LP_OK);
    isa_prog_free(&q);
    expect_damage_refused(b, n, damages, sizeof damages / sizeof damages[0]);
    /* a last buffer of 2^31 x 2^31 float32s: 2^64 bytes, 0 once wrapped, would
    ** have passed every check of its place and size (and been read past its end) */
    static const char wide[] = ".buffer W, fp32, 1, 1\n";
    CU_ASSERT_EQUAL_FATAL(asm_assemble(wide, strlen(wide), &o, &q, &dg), LP_OK);
    asm_diags_free(&dg);
    uint8_t *w;
    size_t wn;
    CU_ASSERT_FATAL(isa_prog_serialize(&q, &w, &wn) == LP_OK);
    isa_prog_free(&q);
    for (int k = 0; k < 4; k++) w[64 + 36 + k] = w[64 + 40 + k] = (uint8_t)(UINT32_C(0x80000000) >> (8 * k));
    put_u64(w + 40, 0); /* the DRAM size the wrapped layout gives */
    CU_ASSERT_EQUAL(parse(w, wn, &q, msg, sizeof msg), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(
        msg, "buffer W: 2147483648 x 2147483648 elements exceed lpsim's limits (16777216 rows or columns, 4 GiB)");
    free(w), free(b);
    isa_prog_free(&p);
}

/* ---- MX: inf or NaN makes the NaN scale ----------------------------------------------------------- */

/* Two blocks of 1.0; one element of block 0 replaced by each kind of inf and
** NaN, first or last: block 0 gets scale 0xff, zero codes and dequantises to
** 0xffffffff everywhere; block 1 keeps scale 127 - emax (1.0 = 2^X * 2^emax,
** a power of two every element format holds) and dequantises to 1.0 exactly. */
static void test_mx_inf_or_nan_anywhere_gives_the_nan_scale(void)
{
    static const uint32_t specials[] = {0x7f800000u, 0xff800000u, 0x7f800001u, 0x7fc00000u, 0xffffffffu};
    static const mf_round modes[] = {MF_RNE, MF_RHA, MF_RTZ};
    int bad = 0;
    for (int ei = 0; ei < MX_ELEM_COUNT; ei++) {
        mx_elem e;
        mx_elem_get((mx_elem_id)ei, &e);
        for (size_t s = 0; s < 5; s++) {
            for (int pos = 0; pos < 32; pos += 31) {
                for (int m = 0; m < 3; m++) {
                    float x[64], y[64];
                    uint8_t codes[64], scales[2];
                    for (int i = 0; i < 64; i++) x[i] = 1.0f;
                    x[pos] = lp_f32(specials[s]);
                    CU_ASSERT_EQUAL_FATAL(mx_quantize(&e, x, 64, 32, modes[m], codes, scales), LP_OK);
                    mx_dequantize(&e, codes, scales, 64, 32, y);
                    bool ok = scales[0] == MX_SCALE_NAN && scales[1] == 127 - e.emax;
                    for (int i = 0; i < 32; i++) ok &= codes[i] == 0 && lp_bits(y[i]) == 0xffffffffu;
                    for (int i = 32; i < 64; i++) ok &= lp_bits(y[i]) == 0x3f800000u;
                    if (!ok)
                        lpt_mismatch(&bad, "%s %08x at %d (%s): scales %02x %02x, y[0] %08x y[32] %08x", e.name,
                                     specials[s], pos, mf_round_name(modes[m]), scales[0], scales[1], lp_bits(y[0]),
                                     lp_bits(y[32]));
                }
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* The largest finite float32 (2 - 2^-23) * 2^127 is not inf: X = 127 - emax.
** fp8_e4m3 (emax 8): scale 246 = 0xf6, x / 2^119 = 511.99... saturates to 448
** (code 0x7e), 448 * 2^119 = 1.75 * 2^127 = 0x7f600000. fp4_e2m1 (emax 2):
** scale 252 = 0xfc, saturates to 6 (code 0x7), 6 * 2^125 = 1.5 * 2^127 =
** 0x7f400000. Negative: the sign bit of each. */
static void test_mx_largest_finite_block_is_not_nan(void)
{
    static const struct {
        mx_elem_id id;
        uint8_t scale, code;
        uint32_t back;
    } rows[] = {{MX_FP8_E4M3, 0xf6, 0x7e, 0x7f600000u}, {MX_FP4_E2M1, 0xfc, 0x7, 0x7f400000u}};
    for (size_t r = 0; r < 2; r++) {
        mx_elem e;
        mx_elem_get(rows[r].id, &e);
        float x[2] = {lp_f32(0x7f7fffffu), lp_f32(0xff7fffffu)}, y[2];
        uint8_t codes[2], scale;
        CU_ASSERT_EQUAL_FATAL(mx_quantize(&e, x, 2, 2, MF_RNE, codes, &scale), LP_OK);
        mx_dequantize(&e, codes, &scale, 2, 2, y);
        CU_ASSERT_EQUAL(scale, rows[r].scale);
        CU_ASSERT_EQUAL(codes[0], rows[r].code);
        CU_ASSERT_EQUAL(codes[1], rows[r].code | e.fmt.sign_bit);
        CU_ASSERT_EQUAL(lp_bits(y[0]), rows[r].back);
        CU_ASSERT_EQUAL(lp_bits(y[1]), rows[r].back | 0x80000000u);
    }
}

/* Under the NaN scale every code dequantises to 0xffffffff, the element
** format's own inf and NaN codes included; under a finite scale those stay inf
** and NaN. fp8_e5m2 codes: 0, -0, 1.0, max 57344 = 1.75 * 2^15 (0x47600000),
** +inf, -inf, NaN, NaN. Scales 254 and 0 are finite: 2^127 and 2^-127 (the
** float32 subnormal 0x00400000). */
static void test_mx_nan_scale_dequantises_every_code_to_nan(void)
{
    mx_elem e5, e4, e2;
    mx_elem_get(MX_FP8_E5M2, &e5);
    mx_elem_get(MX_FP8_E4M3, &e4);
    mx_elem_get(MX_FP4_E2M1, &e2);
    const uint8_t codes[16] = {0x00, 0x80, 0x3c, 0x7b, 0x7c, 0xfc, 0x7d, 0xff,
                               0x00, 0x80, 0x3c, 0x7b, 0x7c, 0xfc, 0x7d, 0xff};
    const uint8_t scales[2] = {MX_SCALE_NAN, 127};
    static const uint32_t finite[8] = {0, 0x80000000u, 0x3f800000u, 0x47600000u, 0x7f800000u, 0xff800000u};
    float y[16];
    mx_dequantize(&e5, codes, scales, 16, 8, y);
    for (int i = 0; i < 8; i++) CU_ASSERT_EQUAL(lp_bits(y[i]), 0xffffffffu);
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(lp_bits(y[8 + i]), finite[i]);
    CU_ASSERT(isnan(y[14]) && isnan(y[15]));
    /* fp8_e4m3: S.1111.111 is NaN (no inf); fp4_e2m1: all 16 codes */
    const uint8_t c4[4] = {0x7f, 0xff, 0x38, 0x38}, s4[2] = {MX_SCALE_NAN, 254}, s0[1] = {0};
    mx_dequantize(&e4, c4, s4, 4, 2, y);
    CU_ASSERT(lp_bits(y[0]) == 0xffffffffu && lp_bits(y[1]) == 0xffffffffu);
    CU_ASSERT(lp_bits(y[2]) == 0x7f000000u && lp_bits(y[3]) == 0x7f000000u);
    mx_dequantize(&e4, c4 + 2, s0, 2, 2, y);
    CU_ASSERT(lp_bits(y[0]) == 0x00400000u && lp_bits(y[1]) == 0x00400000u);
    uint8_t all[16];
    for (int i = 0; i < 16; i++) all[i] = (uint8_t)i;
    mx_dequantize(&e2, all, s4, 16, 16, y);
    for (int i = 0; i < 16; i++) CU_ASSERT_EQUAL(lp_bits(y[i]), 0xffffffffu);
}

/* ---- MX dot products with NaN scales ----------------------------------------------------------------- */

/* Every element 1.0 (fp8_e4m3 0x38), K = 64 (two blocks). A's scales: row 0
** {127, 128} (x1, x2), row 1 {127, NaN}; B's: block 0 {127, 126, NaN}, block 1
** {127, 126, 127} for columns 0..2 (x1, x0.5). D[0][0] = 32 + 32 * 2 = 96,
** D[0][1] = 32 * 0.5 + 32 * 2 * 0.5 = 48; D[0][2] and row 1 meet a NaN scale.
** Small integers: every preset gives the same. */
static void test_mx_nan_scale_touches_only_its_outputs(void)
{
    static const char *const presets[] = {"exact", "fp32-seq", "b200-mx", "h100-fp8"};
    static const uint32_t want[6] = {0x42c00000u, 0x42400000u, DOT_NAN, DOT_NAN, DOT_NAN, DOT_NAN};
    mx_elem e;
    mx_elem_get(MX_FP8_E4M3, &e);
    uint16_t a[2 * 64], b[64 * 3];
    for (int i = 0; i < 2 * 64; i++) a[i] = 0x38;
    for (int i = 0; i < 64 * 3; i++) b[i] = 0x38;
    const uint8_t sa[4] = {127, 128, 127, 0xff}, sb[6] = {127, 126, 0xff, 127, 126, 127};
    dot_matrix A = {&e.fmt, a, 64, sa, 32, 2}, B = {&e.fmt, b, 3, sb, 32, 3};
    for (int p = 0; p < 4; p++) {
        dot_cfg c;
        float d[6];
        CU_ASSERT_FATAL(dot_preset(presets[p], &c, NULL) == LP_OK);
        CU_ASSERT_FATAL(dot_gemm(&c, 2, 3, 64, &A, &B, NULL, d) == LP_OK);
        for (int o = 0; o < 6; o++) {
            if (lp_bits(d[o]) != want[o]) fprintf(stderr, "\n  %s D[%d]: %08x", presets[p], o, lp_bits(d[o]));
            CU_ASSERT_EQUAL(lp_bits(d[o]), want[o]);
        }
    }
}

/* fp8_e5m2 (has inf 0x7c / -inf 0xfc); A one row of K elements 1.0 (0x3c)
** with element 0 replaced, B a column of 1.0 with scale 127. A NaN scale wins
** over the inf it scales; with a finite scale the inf decides the sum. */
static void test_mx_inf_element_under_nan_scale_is_nan(void)
{
    static const struct {
        int K;
        uint16_t a0, b0;
        uint8_t sa0, sa1;
        uint32_t want;
    } rows[] = {
        {1, 0x7c, 0x3c, 0xff, 0, DOT_NAN},       /* a block whose only element is +inf, NaN scale */
        {1, 0xfc, 0x3c, 0xff, 0, DOT_NAN},       /* the same with -inf */
        {32, 0x7c, 0x3c, 0xff, 0, DOT_NAN},      /* +inf under the NaN scale */
        {32, 0xfc, 0x3c, 0xff, 0, DOT_NAN},      /* -inf under the NaN scale */
        {32, 0x7c, 0x3c, 127, 0, 0x7f800000u},   /* +inf, finite scale: +inf */
        {32, 0xfc, 0x3c, 127, 0, 0xff800000u},   /* -inf, finite scale: -inf */
        {32, 0x7c, 0x00, 127, 0, DOT_NAN},       /* inf * 0 */
        {32, 0x00, 0x7c, 127, 0, DOT_NAN},       /* 0 * inf */
        {64, 0x7c, 0x3c, 127, 0xff, DOT_NAN},    /* inf in block 0, NaN scale on block 1 */
        {64, 0x7c, 0x3c, 127, 127, 0x7f800000u}, /* the same with block 1 finite */
    };
    mx_elem e;
    mx_elem_get(MX_FP8_E5M2, &e);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        uint16_t a[64], b[64];
        for (int i = 0; i < 64; i++) a[i] = b[i] = 0x3c;
        a[0] = rows[r].a0;
        b[0] = rows[r].b0;
        const uint8_t sa[2] = {rows[r].sa0, rows[r].sa1}, sb[2] = {127, 127};
        dot_matrix A = {&e.fmt, a, rows[r].K, sa, 32, 2}, B = {&e.fmt, b, 1, sb, 32, 1};
        for (int p = 0; p < 2; p++) {
            dot_cfg c;
            float d;
            CU_ASSERT_FATAL(dot_preset(p ? "b200-mx" : "exact", &c, NULL) == LP_OK);
            CU_ASSERT_FATAL(dot_gemm(&c, 1, 1, rows[r].K, &A, &B, NULL, &d) == LP_OK);
            if (lp_bits(d) != rows[r].want) fprintf(stderr, "\n  inf row %zu %s: %08x", r, c.name, lp_bits(d));
            CU_ASSERT_EQUAL(lp_bits(d), rows[r].want);
        }
    }
}

/* ---- the dot-product model on hand-built cases ------------------------------------------------------- */

/* One output D = sum a[k] * b[k] (+ C) over K codes, zero except at the terms. */
typedef struct dot_pin {
    const char *preset, *fmt;
    int K, split, tile; /* split 0: the preset's (none) */
    uint32_t c;         /* float32 bits of C; 0 passes no C (the same value, +0) */
    struct {
        int k;
        uint16_t a, b;
    } t[3];
    uint32_t want;
} dot_pin;

/* Codes. fp8_e4m3fn (e(x) = field - 7; subnormals 0x01 = 2^-9, 0x02 = 2^-8,
** 0x03 = 3 * 2^-9, all at e = -6): 0x08 2^-6, 0x0c 1.5 * 2^-6, 0x18 2^-4,
** 0x38 1, 0x58 16, 0x7e 448 = 1.75 * 2^8. bf16 (e(x) = field - 127,
** subnormal 0x0001 = 2^-133 at e = -126): 0x3f80 1, 0xbf80 -1, 0x3400 2^-23,
** 0x3380 2^-24, 0x33c0 1.5 * 2^-24, 0xb3c0 -1.5 * 2^-24, 0xb300 -2^-25,
** 0x2400 2^-55, 0x7180 2^100, 0x19c0 1.5 * 2^-76, 0x1a00 2^-75, 0x1a20 1.25 * 2^-75.
**
** h100-fp8: groups of F = 32, B = 13 bits below the group's E, toward zero,
** width B, promoted into float32 every P = 4 groups (fastaccum: never).
** h100-bf16: F = 16, B = 25, toward zero to float32, no promotion. Units of a
** group are 2^(E - B); every aligned term is truncated toward zero to them. */
static const dot_pin subnormal_pins[] = {
    /* fp8 subnormal at emin: 2^-9 * 448 has E = -6 + 8 = 2 (2^-1 * 1.75 if
    ** renormalised), units 2^-11: 0.875 = 1792 units, 2^-6 * 2^-6 = 2^-12 is
    ** half a unit, truncated: 0.875 = 0x3f600000; exact: 0.875 + 2^-12 */
    {"h100-fp8", "fp8_e4m3fn", 2, 0, 0, 0, {{0, 0x01, 0x7e}, {1, 0x08, 0x08}}, 0x3f600000u},
    {"exact", "fp8_e4m3fn", 2, 0, 0, 0, {{0, 0x01, 0x7e}, {1, 0x08, 0x08}}, 0x3f601000u},
    /* bf16 subnormal at emin: 2^-133 * 2^100 has E = -126 + 100 = -26, units
    ** 2^-51; 2^-55 is 1/16 unit, truncated: 2^-33 = 0x2f000000; exact 2^-33 + 2^-55 */
    {"h100-bf16", "bf16", 2, 0, 0, 0, {{0, 0x0001, 0x7180}, {1, 0x2400, 0x3f80}}, 0x2f000000u},
    {"exact", "bf16", 2, 0, 0, 0, {{0, 0x0001, 0x7180}, {1, 0x2400, 0x3f80}}, 0x2f000002u},
    /* a subnormal float32 accumulator counts at -126 too: C = 2^-149 makes E =
    ** -126, units 2^-151: C = 4 units, 1.5 * 2^-76 * 2^-75 = 1.5 units and 1.25
    ** * 2^-75 * 2^-75 = 2.5 units truncate to 1 and 2: 7 units, toward zero
    ** 2^-149; exact (and E = -149 from C's own exponent) 8 units = 2^-148 */
    {"h100-bf16", "bf16", 2, 0, 0, 0x00000001u, {{0, 0x19c0, 0x1a00}, {1, 0x1a20, 0x1a00}}, 0x00000001u},
    {"exact", "bf16", 2, 0, 0, 0x00000001u, {{0, 0x19c0, 0x1a00}, {1, 0x1a20, 0x1a00}}, 0x00000002u},
};

static const dot_pin seed_pins[] = {
    /* without promotion C seeds the group accumulator: C = 1 gives E = 0, units
    ** 2^-25; 1 + 3 * 2^-25 rounds toward zero to 1; exact rounds to 1 + 2^-23 */
    {"h100-bf16", "bf16", 1, 0, 0, 0x3f800000u, {{0, 0x33c0, 0x3f80}}, 0x3f800000u},
    {"exact", "bf16", 1, 0, 0, 0x3f800000u, {{0, 0x33c0, 0x3f80}}, 0x3f800001u},
    /* with promotion C seeds the float32 accumulator: the group sums 3 * 2^-9 *
    ** 2^-8 = 3 * 2^-17 exactly (E = -12), then 256 + 3 * 2^-17 is 256 + 0.75 ulp,
    ** nearest-even: 0x43800001. Chained (fastaccum) C = 256 makes E = 8, units
    ** 2^-5, and the product truncates away: 0x43800000 */
    {"h100-fp8", "fp8_e4m3fn", 1, 0, 0, 0x43800000u, {{0, 0x03, 0x02}}, 0x43800001u},
    {"h100-fp8-fastaccum", "fp8_e4m3fn", 1, 0, 0, 0x43800000u, {{0, 0x03, 0x02}}, 0x43800000u},
};

static const dot_pin promotion_pins[] = {
    /* promotion after group 3 (k 96..127, 16 * 16 = 256), so group 4 (2^-4 *
    ** 2^-4 = 2^-8) starts from zero: 256 + 2^-8 = 0x43800080. Chained, or
    ** promoted every 3 or 5 groups, 2^-8 meets 256 in one group: units 2^-5 */
    {"h100-fp8", "fp8_e4m3fn", 160, 0, 0, 0, {{96, 0x58, 0x58}, {128, 0x18, 0x18}}, 0x43800080u},
    {"h100-fp8-fastaccum", "fp8_e4m3fn", 160, 0, 0, 0, {{96, 0x58, 0x58}, {128, 0x18, 0x18}}, 0x43800000u},
};

static const dot_pin split_pins[] = {
    /* split-K 2 parts of tiles of 16: parts k 0..15 (1) and 16..31 (3 * 2^-25),
    ** each from zero, added nearest-even: 1 + 2^-23; unsplit, the second group
    ** starts from 1 and truncates: 1 */
    {"h100-bf16", "bf16", 32, 2, 16, 0, {{0, 0x3f80, 0x3f80}, {16, 0x33c0, 0x3f80}}, 0x3f800001u},
    {"h100-bf16", "bf16", 32, 0, 0, 0, {{0, 0x3f80, 0x3f80}, {16, 0x33c0, 0x3f80}}, 0x3f800000u},
    /* C is added before the parts: (1 + 2^-24) + 2^-24, each a tie to even: 1
    ** (the parts first would give 1 + 2^-23) */
    {"h100-bf16", "bf16", 32, 2, 16, 0x3f800000u, {{0, 0x3380, 0x3f80}, {16, 0x3380, 0x3f80}}, 0x3f800000u},
    /* K = 48 is 3 tiles: parts of ceil(3 / 2) * 16 = 32, so k 16 and 28 share
    ** a part and a group and truncate to 1 (parts of 24 would give 1 + 2^-23) */
    {"h100-bf16", "bf16", 48, 2, 16, 0, {{16, 0x3f80, 0x3f80}, {28, 0x33c0, 0x3f80}}, 0x3f800000u},
};

static const dot_pin rounding_pins[] = {
    /* group sums toward zero: 1 + 2^-23 + 2^-24 is a tie above an odd
    ** significand (nearest-even: 1 + 2^-22); 2 - 2^-25 stays below 2; -(1 + 3 *
    ** 2^-25) goes toward zero to -1 */
    {"h100-bf16", "bf16", 3, 0, 0, 0, {{0, 0x3f80, 0x3f80}, {1, 0x3400, 0x3f80}, {2, 0x3380, 0x3f80}}, 0x3f800001u},
    {"exact", "bf16", 3, 0, 0, 0, {{0, 0x3f80, 0x3f80}, {1, 0x3400, 0x3f80}, {2, 0x3380, 0x3f80}}, 0x3f800002u},
    {"h100-bf16", "bf16", 3, 0, 0, 0, {{0, 0x3f80, 0x3f80}, {1, 0x3f80, 0x3f80}, {2, 0xb300, 0x3f80}}, 0x3fffffffu},
    {"exact", "bf16", 3, 0, 0, 0, {{0, 0x3f80, 0x3f80}, {1, 0x3f80, 0x3f80}, {2, 0xb300, 0x3f80}}, 0x40000000u},
    {"h100-bf16", "bf16", 2, 0, 0, 0, {{0, 0xbf80, 0x3f80}, {1, 0xb3c0, 0x3f80}}, 0xbf800000u},
    {"exact", "bf16", 2, 0, 0, 0, {{0, 0xbf80, 0x3f80}, {1, 0xb3c0, 0x3f80}}, 0xbf800001u},
    /* 2^127 + 2^127 (bf16 0x7f00) = 2^128 overflows float32: toward zero it
    ** stays at the largest finite (2 - 2^-23) * 2^127; to nearest it is inf */
    {"h100-bf16", "bf16", 2, 0, 0, 0, {{0, 0x7f00, 0x3f80}, {1, 0x7f00, 0x3f80}}, 0x7f7fffffu},
    {"exact", "bf16", 2, 0, 0, 0, {{0, 0x7f00, 0x3f80}, {1, 0x7f00, 0x3f80}}, 0x7f800000u},
    {"h100-bf16", "bf16", 2, 0, 0, 0, {{0, 0xff00, 0x3f80}, {1, 0xff00, 0x3f80}}, 0xff7fffffu},
    /* width B: 1 + 1 + 1.5 * 2^-6 * 2^-6 = 2 + 3 * 2^-13 (E = 0, units 2^-13:
    ** 16387); the sum keeps 13 bits below e(sum) = 1, toward zero: 8193 * 2^-12
    ** = 2 + 2^-12 = 0x40000400; exact 2 + 3 * 2^-13 = 0x40000600 */
    {"h100-fp8", "fp8_e4m3fn", 3, 0, 0, 0, {{0, 0x38, 0x38}, {1, 0x38, 0x38}, {2, 0x0c, 0x08}}, 0x40000400u},
    {"exact", "fp8_e4m3fn", 3, 0, 0, 0, {{0, 0x38, 0x38}, {1, 0x38, 0x38}, {2, 0x0c, 0x08}}, 0x40000600u},
};

/* Runs every row; returns the mismatches. */
static int run_dot_pins(const dot_pin *t, size_t n, const char *table)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const dot_pin *q = &t[i];
        dot_cfg c;
        mf_format f;
        CU_ASSERT_FATAL(dot_preset(q->preset, &c, NULL) == LP_OK);
        CU_ASSERT_FATAL(mf_parse(q->fmt, &f, NULL) == LP_OK);
        if (q->split) c.split = q->split, c.split_tile = q->tile;
        uint16_t *a = calloc((size_t)q->K, sizeof *a), *b = calloc((size_t)q->K, sizeof *b);
        CU_ASSERT_FATAL(a && b);
        for (int k = 0; k < 3 && q->t[k].a; k++) a[q->t[k].k] = q->t[k].a, b[q->t[k].k] = q->t[k].b;
        dot_matrix A = {&f, a, q->K, NULL, 0, 0}, B = {&f, b, 1, NULL, 0, 0};
        float cv = lp_f32(q->c), d;
        CU_ASSERT_FATAL(dot_gemm(&c, 1, 1, q->K, &A, &B, q->c ? &cv : NULL, &d) == LP_OK);
        if (lp_bits(d) != q->want)
            lpt_mismatch(&bad, "%s row %zu (%s, K=%d): got %08x want %08x", table, i, q->preset, q->K, lp_bits(d),
                         q->want);
        free(a), free(b);
    }
    return bad;
}

#define RUN_PINS(t) run_dot_pins(t, sizeof t / sizeof t[0], #t)

static void test_dot_subnormals_align_at_the_minimum_exponent(void) { CU_ASSERT_EQUAL(RUN_PINS(subnormal_pins), 0); }
static void test_dot_c_seeds_the_group_or_the_float32_accumulator(void) { CU_ASSERT_EQUAL(RUN_PINS(seed_pins), 0); }
static void test_dot_promotion_every_four_groups(void) { CU_ASSERT_EQUAL(RUN_PINS(promotion_pins), 0); }
static void test_dot_split_k_parts_and_order(void) { CU_ASSERT_EQUAL(RUN_PINS(split_pins), 0); }
static void test_dot_group_sums_round_toward_zero(void) { CU_ASSERT_EQUAL(RUN_PINS(rounding_pins), 0); }

/* Width-B sums rounded to nearest even (h100-fp8-fastaccum with RNE: F =
** 32, B = 13, no promotion), fp8_e4m3fn codes as above plus 0x04 = 2^-7
** (subnormal). 1 + 1 + 2^-6 * 2^-7 = 2 + 2^-13 (E = 0, units 2^-13: 16385)
** keeps 13 bits below e(sum) = 1, so one unit is dropped: a tie above 8192,
** even, stays 2 = 0x40000000. 1 + 1 + 1.5 * 2^-6 * 2^-6 = 2 + 3 * 2^-13
** (16387) ties above the odd 8193 and goes up to 8194 * 2^-12 = 2 + 2^-11 =
** 0x40000800 (toward zero, as in rounding_pins: 0x40000400). */
static void test_dot_width_b_sums_round_to_nearest_even(void)
{
    static const struct {
        uint16_t a2, b2;
        uint32_t want;
    } rows[] = {{0x08, 0x04, 0x40000000u}, {0x0c, 0x08, 0x40000800u}};
    dot_cfg c;
    mf_format f;
    CU_ASSERT_FATAL(dot_preset("h100-fp8-fastaccum", &c, NULL) == LP_OK);
    CU_ASSERT_FATAL(mf_parse("fp8_e4m3fn", &f, NULL) == LP_OK);
    c.sum_round = MF_RNE;
    CU_ASSERT_FATAL(dot_cfg_check(&c, NULL) == LP_OK);
    c.frac_bits = DOT_MAX_FRAC; /* B ranges over 1..48 */
    CU_ASSERT_EQUAL(dot_cfg_check(&c, NULL), LP_OK);
    c.frac_bits = DOT_MAX_FRAC + 1;
    CU_ASSERT_EQUAL(dot_cfg_check(&c, NULL), LP_ERR_ARG);
    c.frac_bits = 13;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        uint16_t a[3] = {0x38, 0x38, rows[r].a2}, b[3] = {0x38, 0x38, rows[r].b2};
        dot_matrix A = {&f, a, 3, NULL, 0, 0}, B = {&f, b, 1, NULL, 0, 0};
        float d;
        CU_ASSERT_FATAL(dot_gemm(&c, 1, 1, 3, &A, &B, NULL, &d) == LP_OK);
        if (lp_bits(d) != rows[r].want) fprintf(stderr, "\n  width-B RNE row %zu: %08x", r, lp_bits(d));
        CU_ASSERT_EQUAL(lp_bits(d), rows[r].want);
    }
}

CU_TestInfo lpt_pins_numerics_tests[] = {
    {"isa/check_values_at_each_limit", test_check_values_at_each_limit},
    {"isa/decode_agrees_with_check_values_at_each_limit", test_decode_agrees_with_check_values_at_each_limit},
    {"lpt/check_dram_at_the_buffer_edges", test_check_dram_at_the_buffer_edges},
    {"lpt/expectation_rule_and_tolerance_round_trip", test_expectation_rule_and_tolerance_round_trip},
    {"lpt/damaged_expectations_are_refused", test_damaged_expectations_are_refused},
    {"lpt/header_counts_at_their_limits", test_header_counts_at_their_limits},
    {"lpt/reader_takes_only_what_the_assembler_writes", test_reader_takes_only_what_the_assembler_writes},
    {"lpt/shared_data_is_refused", test_shared_data_is_refused},
    {"mx/inf_or_nan_anywhere_gives_the_nan_scale", test_mx_inf_or_nan_anywhere_gives_the_nan_scale},
    {"mx/largest_finite_block_is_not_nan", test_mx_largest_finite_block_is_not_nan},
    {"mx/nan_scale_dequantises_every_code_to_nan", test_mx_nan_scale_dequantises_every_code_to_nan},
    {"dot/mx_nan_scale_touches_only_its_outputs", test_mx_nan_scale_touches_only_its_outputs},
    {"dot/mx_inf_element_under_nan_scale_is_nan", test_mx_inf_element_under_nan_scale_is_nan},
    {"dot/subnormals_align_at_the_minimum_exponent", test_dot_subnormals_align_at_the_minimum_exponent},
    {"dot/c_seeds_the_group_or_the_float32_accumulator", test_dot_c_seeds_the_group_or_the_float32_accumulator},
    {"dot/promotion_every_four_groups", test_dot_promotion_every_four_groups},
    {"dot/split_k_parts_and_order", test_dot_split_k_parts_and_order},
    {"dot/group_sums_round_toward_zero", test_dot_group_sums_round_toward_zero},
    {"dot/width_b_sums_round_to_nearest_even", test_dot_width_b_sums_round_to_nearest_even},
    CU_TEST_INFO_NULL,
};
