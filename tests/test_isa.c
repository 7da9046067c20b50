/*
** test_isa.c — the tile ISA (isa/): table, encoding, .lpt files, assembler,
** disassembler, example kernels and the reference page.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asm.h"
#include "dot.h"
#include "lp_rng.h"
#include "lp_test.h"
#include "mx.h"

/* ---- helpers ------------------------------------------------------------------------ */

static char *memtext(void (*fn)(const isa_prog *, FILE *), const isa_prog *p, size_t *len)
{
    char *t = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&t, &n);
    fn(p, f);
    fclose(f);
    if (len) *len = n;
    return t;
}

/* Assemble text; returns the status; diagnostics printed into *diag (malloc'd). */
static lp_status assemble(const char *path, const char *src, isa_prog *p, char **diag)
{
    asm_opts o = {path, 20, false, 0, 0, 0};
    asm_diags dg = {0};
    lp_status st = asm_assemble(src, strlen(src), &o, p, &dg);
    char *t = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&t, &n);
    asm_diags_print(&dg, f);
    fclose(f);
    asm_diags_free(&dg);
    if (diag)
        *diag = t;
    else
        free(t);
    return st;
}

static bool same_bytes(const isa_prog *a, const isa_prog *b)
{
    uint8_t *x, *y;
    size_t nx, ny;
    CU_ASSERT_FATAL(isa_prog_serialize(a, &x, &nx) == LP_OK && isa_prog_serialize(b, &y, &ny) == LP_OK);
    bool same = nx == ny && !memcmp(x, y, nx);
    free(x), free(y);
    return same;
}

/* ---- the table ------------------------------------------------------------------------- */

static void test_table_opcodes_unique_and_fields_fit(void)
{
    CU_ASSERT(ISA_OP_COUNT >= 25);
    int units[UNIT_CLASS_COUNT] = {0};
    for (int i = 0; i < ISA_OP_COUNT; i++) {
        const isa_info *a = isa_get((isa_op)i);
        int bits = 8;
        for (int k = 0; k < a->nops; k++) bits += isa_kind_bits(a->ops[k].kind);
        CU_ASSERT(bits <= ISA_WORD_BYTES * 8);
        CU_ASSERT_EQUAL(isa_by_opcode(a->opcode), i);
        CU_ASSERT_EQUAL(isa_lookup(a->mnemonic), i);
        units[a->cls]++;
        CU_ASSERT_EQUAL(a->cls, unit_op_class(a->op)); /* the class of the unit operation it performs */
        for (int j = 0; j < i; j++) CU_ASSERT_NOT_EQUAL(isa_get((isa_op)j)->opcode, a->opcode);
        for (int k = 0; k < a->nops; k++) /* every memory operand has a footprint */
            if (a->ops[k].kind == ISA_K_SPM || a->ops[k].kind == ISA_K_ACC || a->ops[k].kind == ISA_K_MEM ||
                a->ops[k].kind == ISA_K_DRAM || a->ops[k].kind == ISA_K_PIM)
                CU_ASSERT(a->ops[k].has_foot);
    }
    for (int u = 0; u < UNIT_CLASS_COUNT; u++) CU_ASSERT(units[u] > 0); /* control, DMA, matrix, vector, PIM */
    CU_ASSERT_EQUAL(isa_lookup("mma_mx"), ISA_MMA_MX);                  /* mnemonics in any case */
    CU_ASSERT_EQUAL(isa_lookup("MMAX"), -1);
}

/* ---- every instruction round-trips ----------------------------------------------------------- */

static const char *const fmt_pool[] = {"fp8_e4m3fn", "bf16", "fp32", "int4", "e3m2_b5_ieee", "fp4_e2m1fn", "fp16"};

/* A random valid instance of op; buffers it needs are added to p. */
static void random_insn(isa_op op, uint64_t seed, isa_prog *p, isa_insn *in)
{
    const isa_info *info = isa_get(op);
    uint64_t r = 0;
    memset(in, 0, sizeof *in);
    in->op = op;
    int dram_op = -1;
    for (int k = 0; k < info->nops; k++) {
        const isa_operand_info *o = &info->ops[k];
        r = lp_rng_u64(seed, (uint64_t)k);
        switch (o->kind) {
        case ISA_K_DIM: in->v[k] = o->multiple > 1 ? (uint64_t)o->multiple * (1 + r % 3) : 1 + r % 70; break;
        case ISA_K_BITS: in->v[k] = 1 + r % 16; break;
        case ISA_K_FMT: {
            mf_format f;
            mf_parse(fmt_pool[r % 7], &f, NULL);
            in->v[k] = isa_fmt_code(&f);
            break;
        }
        case ISA_K_MX: in->v[k] = r % MX_ELEM_COUNT; break;
        case ISA_K_PRESET: in->v[k] = r % (uint64_t)dot_preset_count(); break;
        case ISA_K_ACCMODE:
        case ISA_K_GEMV: in->v[k] = r & 1; break;
        case ISA_K_ROUND: in->v[k] = op == ISA_MXQ ? (r % 2 ? MF_RNE : MF_RHA) : r % MF_ROUND_COUNT; break;
        case ISA_K_F32: in->v[k] = (uint32_t)(r >> 7); break;
        case ISA_K_PIM: in->v[k] = r % 65536; break;
        default: break;
        }
    }
    for (int k = 0; k < info->nops; k++) { /* addresses once the tile sizes are known */
        const isa_operand_info *o = &info->ops[k];
        r = lp_rng_u64(seed ^ 0x55, (uint64_t)k);
        if (o->kind == ISA_K_SPM || o->kind == ISA_K_ACC || o->kind == ISA_K_MEM) {
            uint64_t bytes = isa_foot_bytes(in, k), align = 4;
            uint64_t addr = (r % ((UINT64_C(1) << 24) - bytes)) / align * align;
            in->v[k] = addr | (o->kind == ISA_K_MEM && (r >> 40) & 1 ? ISA_MEM_ACC : 0);
        }
        if (o->kind == ISA_K_DRAM) dram_op = k;
    }
    if (dram_op >= 0) { /* a buffer of the tile's format with the tile inside */
        const isa_operand_info *o = &info->ops[dram_op];
        uint32_t rows = (uint32_t)in->v[o->foot.rows_op], cols = (uint32_t)in->v[o->foot.cols_op];
        uint32_t fcode = (uint32_t)in->v[o->foot.type_op];
        uint32_t r0 = (uint32_t)(r % 5), c0 = (uint32_t)((r >> 8) % 7);
        char name[16];
        snprintf(name, sizeof name, "B%zu", p->nbufs);
        CU_ASSERT_FATAL(isa_prog_add_buffer(p, name, fcode, rows + r0 + 1, cols + c0 + 2) == LP_OK);
        const isa_buffer *b = &p->bufs[p->nbufs - 1];
        mf_format f;
        isa_buffer_format(b, &f);
        in->v[dram_op] = (b->addr + ((uint64_t)r0 * b->cols + c0) * (uint64_t)isa_elem_bytes(&f)) |
                         (uint64_t)b->cols << ISA_DRAM_ADDR_BITS;
    }
}

static void test_every_instruction_round_trips(void)
{
    int bad = 0;
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        isa_prog p;
        isa_prog_init(&p);
        for (int t = 0; t < 40; t++) {
            isa_insn in, out;
            uint8_t w[ISA_WORD_BYTES];
            random_insn((isa_op)op, (uint64_t)(op * 1000 + t), &p, &in);
            lp_diag msg;
            if (isa_check_values(&in, NULL, &msg) != LP_OK) {
                lpt_mismatch(&bad, "%s: generated instance invalid: %s", isa_get((isa_op)op)->mnemonic, msg.msg);
                continue;
            }
            isa_encode(&in, w);
            CU_ASSERT_EQUAL_FATAL(isa_decode(w, &out, &msg), LP_OK);
            /* fields, not memcmp: the struct has padding after op */
            bool same = in.op == out.op;
            for (int k = 0; k < ISA_MAX_OPERANDS; k++) same &= in.v[k] == out.v[k];
            if (!same) lpt_mismatch(&bad, "%s: decode differs", isa_get((isa_op)op)->mnemonic);
            CU_ASSERT_FATAL(isa_prog_add_insn(&p, &in) == LP_OK);
        }
        /* disassemble, assemble: the identical program; and the .lpt bytes parse back */
        size_t len;
        char *text = memtext(asm_disassemble, &p, &len), *diag;
        isa_prog q, r;
        if (assemble("rt.s", text, &q, &diag) != LP_OK) {
            lpt_mismatch(&bad, "%s: disassembly does not assemble:\n%s", isa_get((isa_op)op)->mnemonic, diag);
        } else {
            if (!same_bytes(&p, &q)) lpt_mismatch(&bad, "%s: reassembly differs", isa_get((isa_op)op)->mnemonic);
            isa_prog_free(&q);
        }
        uint8_t *bytes;
        size_t n;
        CU_ASSERT_FATAL(isa_prog_serialize(&p, &bytes, &n) == LP_OK);
        lp_diag msg;
        if (isa_prog_parse(bytes, n, &r, &msg) != LP_OK)
            lpt_mismatch(&bad, "%s: .lpt does not parse: %s", isa_get((isa_op)op)->mnemonic, msg.msg);
        else
            isa_prog_free(&r);
        free(bytes), free(text), free(diag);
        isa_prog_free(&p);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_decoder_rejects_bad_words(void)
{
    uint8_t w[ISA_WORD_BYTES];
    isa_insn in = {ISA_MMA, {0}}, out;
    lp_diag msg;
    mf_format f;
    mf_parse("bf16", &f, NULL);
    in.v[3] = in.v[4] = in.v[5] = 16;
    in.v[6] = in.v[7] = isa_fmt_code(&f);
    isa_encode(&in, w);
    CU_ASSERT_EQUAL(isa_decode(w, &out, &msg), LP_OK);
    uint8_t x[ISA_WORD_BYTES];
    memcpy(x, w, sizeof x);
    x[0] = 0xee; /* no such opcode */
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, "unknown opcode 0xee"));
    memcpy(x, w, sizeof x);
    x[31] = 0x80; /* an unused bit */
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, "unused bit 255 is set"));
    /* the opcode and MMA's fields take 8 + 3 x 24 + 3 x 16 + 2 x 24 + 8 + 1 =
    ** 185 bits: the first unused bit, 185 (byte 23, bit 1), lies inside the
    ** third 64-bit limb (bits 128..191) */
    memcpy(x, w, sizeof x);
    x[23] |= 0x02;
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(msg.msg, "MMA: unused bit 185 is set");
    in.v[3] = 0; /* m = 0 */
    isa_encode(&in, x);
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_EQUAL(msg.status, LP_ERR_PARSE); /* a bad value in a word: the word does not parse */
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, "MMA operand 4 (m): dimension 0 is outside 1..65535"));
    in.v[3] = 16;
    in.v[6] = 0x7777; /* a format code naming nothing */
    isa_encode(&in, x);
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    in.v[6] = isa_fmt_code(&f);
    in.v[8] = 250; /* preset */
    isa_encode(&in, x);
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, "preset 250 unknown"));
    in.v[8] = 0;
    in.v[1] = 0x2; /* bf16 tile at an odd address */
    isa_encode(&in, x);
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_OK);
    in.v[1] = 0x3;
    isa_encode(&in, x);
    CU_ASSERT_EQUAL(isa_decode(x, &out, &msg), LP_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, "not aligned to the 2-byte elements"));
}

/* ---- .lpt files ------------------------------------------------------------------------------ */

static bool example(const char *name, isa_prog *p)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s/%s.s", LPSIM_SOURCE_DIR, name, name);
    char *src = lpt_read_file(path, NULL), *diag = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    lp_status st = assemble(path, src, p, &diag);
    if (st) fprintf(stderr, "\n%s", diag);
    free(src), free(diag);
    return st == LP_OK;
}

static void test_trace_rejects_every_truncation_and_damage(void)
{
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    lp_diag msg;
    CU_ASSERT_FATAL(example("pim_gemv", &p));
    CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
    CU_ASSERT_EQUAL(isa_prog_parse(b, n, &q, &msg), LP_OK);
    CU_ASSERT(same_bytes(&p, &q));
    isa_prog_free(&q);
    int accepted = 0;
    for (size_t len = 0; len < n; len += len < 4096 ? 1 : 97) /* every prefix (then a sample) */
        accepted += isa_prog_parse(b, len, &q, &msg) == LP_OK;
    CU_ASSERT_EQUAL(accepted, 0);
    static const struct {
        size_t at;
        uint8_t val;
        const char *why;
    } damage[] = {
        {0, 'X', "not an lpsim program"},
        {8, 3, "version 3 without kernels (byte 48 is 0; a program without kernels is version 2)"},
        {8, 4, "version 4, this lpsim reads versions 2 and 3"},
        {8, 0, "version 0, this lpsim reads versions 2 and 3"},
        {48, 1, "byte 48 of the header is reserved and must be 0"}, /* kernel counts are version 3's */
        {52, 1, "byte 52 of the header is reserved and must be 0"},
        {8, 1, "version 1 (written before lpsim stored stable codes): assemble the kernel again"},
        {12, 65, "header of 65 bytes"},
        {50, 1, "reserved"},
        {16, 6, "the header describes"},
        {64, 0xee, "instruction 0 (byte 64): unknown opcode 0xee"},
    };
    for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        c[damage[i].at] = damage[i].val;
        CU_ASSERT_EQUAL(isa_prog_parse(c, n, &q, &msg), LP_ERR_PARSE);
        if (!strstr(msg.msg, damage[i].why))
            fprintf(stderr, "\n  damage %zu: '%s' lacks '%s'", i, msg.msg, damage[i].why);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, damage[i].why));
        free(c);
    }
    /* random bit flips: rejected, or a valid program that serialises to the same bytes */
    int flips_ok = 0, bad = 0;
    for (int t = 0; t < 3000; t++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        uint64_t r = lp_rng_u64(31, (uint64_t)t);
        size_t at = (size_t)(r % (t % 2 ? 64 + 5 * 32 : n));
        c[at] ^= (uint8_t)(1u << ((r >> 32) % 8));
        if (isa_prog_parse(c, n, &q, &msg) == LP_OK) {
            uint8_t *d;
            size_t dn;
            isa_prog_serialize(&q, &d, &dn);
            if (dn != n || memcmp(c, d, n)) lpt_mismatch(&bad, "flip at %zu accepted but does not round-trip", at);
            free(d);
            isa_prog_free(&q);
            flips_ok++;
        }
        free(c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(flips_ok > 0 && flips_ok < 3000); /* data bytes may flip freely; structure may not */
    free(b);
    isa_prog_free(&p);
    /* instructions whose DRAM operands do not match the buffers */
    mf_format bf;
    mf_parse("bf16", &bf, NULL);
    static const struct {
        uint64_t dram;
        const char *why;
    } wrong[] = {
        {0x10000 | (UINT64_C(8) << ISA_DRAM_ADDR_BITS), "lies in no buffer"},
        {0x0 | (UINT64_C(9) << ISA_DRAM_ADDR_BITS), "row pitch 9 is not the width 8 of buffer X"},
        {0x1 | (UINT64_C(8) << ISA_DRAM_ADDR_BITS), "is not on an element of buffer X"},
        {(7 * 8 * 2) | (UINT64_C(8) << ISA_DRAM_ADDR_BITS), "tile 2 x 2 at X[7, 0] runs past"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        isa_prog_init(&p);
        CU_ASSERT_FATAL(isa_prog_add_buffer(&p, "X", isa_fmt_code(&bf), 8, 8) == LP_OK);
        isa_insn in = {ISA_DMA_LD, {0, wrong[i].dram, 2, 2, isa_fmt_code(&bf)}};
        CU_ASSERT_FATAL(isa_prog_add_insn(&p, &in) == LP_OK);
        CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
        CU_ASSERT_EQUAL(isa_prog_parse(b, n, &q, &msg), LP_ERR_PARSE);
        if (!strstr(msg.msg, wrong[i].why))
            fprintf(stderr, "\n  dram case %zu: '%s' lacks '%s'", i, msg.msg, wrong[i].why);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg.msg, wrong[i].why));
        free(b);
        isa_prog_free(&p);
    }
}

/* ---- diagnostics --------------------------------------------------------------------------- */

/* A kernel with one mistake and the exact diagnostic (without the file name). */
typedef struct bad_src {
    const char *src, *want;
} bad_src;

#define HDR ".buffer A, bf16, 64, 64\n.buffer C, fp32, 64, 64\n"

static const bad_src bad_srcs[] = {
    {HDR "    MMX acc:0, spm:0, spm:0, 8, 8, 8, bf16, bf16, h100-bf16, set\n",
     "3:5: error: unknown instruction 'MMX' (did you mean 'MMA'?)"},
    {HDR "    FROB\n", "3:5: error: unknown instruction 'FROB' (see 'lpsim asm --help-isa')"},
    {HDR "    MMA acc:0, spm:0, spm:0, 8, 8, 8, bf16, bf16, h100-bf16\n",
     "3:5: error: MMA takes 10 operands (c, a, b, m, n, k, fa, fb, preset, mode), got 9"},
    {HDR "    HALT 3\n", "3:10: error: HALT takes 0 operands (), got 1"},
    {HDR "    MMA acc:0, spm:0, acc:0x40, 8, 8, 8, bf16, bf16, h100-bf16, set\n",
     "3:23: error: operand 3 of MMA (b) must be a scratchpad byte address (spm:EXPR), got 'acc:0x40'"},
    {HDR "    MMA spm:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h100-bf16, set\n",
     "3:9: error: operand 1 of MMA (c) must be an accumulator-buffer byte address (float32 elements) (acc:EXPR), got "
     "'spm:0'"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 0, 8, 8, bf16, bf16, h100-bf16, set\n",
     "3:33: error: a dimension must be between 1 and 65535, got 0"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 70000, 8, bf16, bf16, h100-bf16, set\n",
     "3:36: error: a dimension must be between 1 and 65535, got 70000"},
    {HDR "    MMA acc:2, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h100-bf16, set\n",
     "3:9: error: MMA operand 1 (c): address 0x2 is not aligned to the 4-byte elements of its tile"},
    {HDR ".spm 1024\n    MMA acc:0, spm:0, spm:0x300, 8, 8, 64, bf16, bf16, h100-bf16, set\n",
     "4:23: error: tile of 1024 bytes at spm:0x300 runs past the scratchpad (1024 bytes)"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 8, 8, bf17, bf16, h100-bf16, set\n",
     "3:42: error: unknown format 'bf17' (did you mean 'bf16'?)"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h200, set\n",
     "3:54: error: unknown preset 'h200' (presets: exact, fp32-seq, h100-bf16, h100-fp8, h100-fp8-fastaccum, "
     "v100-fp16, a100-fp16, ada-fp8, b200-bf16, b200-fp8, b200-mx)"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h100-bf16, add\n",
     "3:65: error: operand 10 of MMA (mode) must be an add to the accumulator tile, or overwrite it (acc | set), got "
     "'add'"},
    {HDR "    DMA_LD spm:0, B[0, 0], 8, 8, bf16\n", "3:19: error: undefined buffer 'B'"},
    {HDR "    DMA_LD spm:0, A[60, 0], 8, 8, bf16\n",
     "3:19: error: tile 8 x 8 at A[60, 0] runs past the buffer's 64 x 64 elements"},
    {HDR "    DMA_LD spm:0, A[64, 0], 8, 8, bf16\n", "3:21: error: the row must be between 0 and 63, got 64"},
    {HDR "    DMA_LD spm:0, A[0, 0], 8, 8, fp16\n", "3:34: error: format fp16 does not match buffer A (bf16)"},
    {HDR "    DMA_LD spm:0, A[0 0], 8, 8, bf16\n",
     "3:20: error: expected '[ROW, COL]', a row and a column separated by a comma"},
    {HDR "    DMA_LD spm:0, A[0, 0], 8, 8 bf16\n",
     "3:5: error: DMA_LD takes 5 operands (dst, src, rows, cols, fmt), got 4"},
    {HDR "    DMA_LD spm:0, A[0, 0], 8, , bf16\n", "3:31: error: missing operand"},
    {HDR "    DMA_LD spm:(3, A[0, 0], 8, 8, bf16\n", "3:16: error: '(' is never closed"},
    {HDR "    DMA_LD spm:K, A[0, 0], 8, 8, bf16\n", "3:16: error: undefined symbol 'K'"},
    {HDR "    DMA_LD spm:4/0, A[0, 0], 8, 8, bf16\n", "3:17: error: division by zero"},
    {HDR "    DMA_LD spm:0x1g, A[0, 0], 8, 8, bf16\n", "3:19: error: invalid digit in a number"},
    {HDR ".buffer A, fp8_e4m3fn, 4, 4\n", "3:9: error: 'A' is already a buffer"},
    {HDR ".equ A, 3\n", "3:6: error: 'A' is already a buffer"},
    {HDR ".equ K, 3\n.equ K, 4\n", "4:6: error: 'K' is already a constant"},
    {HDR ".buffer X, fp9, 4, 4\n", "3:12: error: unknown format 'fp9' (did you mean 'fp16'?)"},
    {HDR ".buffer X, bf16, 0, 4\n", "3:18: error: the number of rows must be between 1 and 16777216, got 0"},
    {HDR ".bufer X, bf16, 4, 4\n", "3:1: error: unknown directive '.bufer' (directives: .buffer .data .expect .enddata "
                                   ".equ .for .endfor .spm .acc .kernel .core)"},
    {HDR ".for i = 0, 4\n    NOP\n", "3:1: error: '.for' without '.endfor'"},
    {HDR "    NOP\n.endfor\n", "4:1: error: '.endfor' without '.for'"},
    {HDR ".for i = 0, 4, 0\n.endfor\n", "3:16: error: the step must be positive, got 0"},
    {HDR ".data A, inline\n3f80 3f80\n.enddata\n",
     "3:10: error: inline data holds 2 elements, buffer A needs 4096 (64 x 64)"},
    {HDR ".data A, inline\n3f80 3g80\n.enddata\n", "4:7: error: invalid hex digit 'g' in element 1"},
    {HDR ".data A, inline\n3f800\n.enddata\n", "4:1: error: element 0 has more than 4 hex digits for bf16"},
    {HDR ".data A, inline\n3f80\n", "3:10: error: inline data without '.enddata'"},
    {HDR ".data A, hex \"nosuch.hex\"\n", "3:14: error: cannot read 'nosuch.hex': No such file or directory"},
    {HDR ".data A, text \"a.hex\"\n",
     "3:10: error: expected hex \"FILE\", bin \"FILE\" or inline, got 'text \"a.hex\"'"},
    {HDR ".data A, hex a.hex\n", "3:14: error: expected a file name in double quotes"},
    {HDR ".expect C, inline, maxulp -1\n.enddata\n", "3:27: error: maxulp needs a whole number of ULPs >= 0, got '-1'"},
    {HDR ".expect C, inline, nearly\n.enddata\n",
     "3:20: error: expected a rule: bitexact, maxulp N or relerr X; got 'nearly'"},
    {HDR "    VSCALE acc:0, acc:0, 4, 4, half\n",
     "3:32: error: operand 5 of VSCALE (s) must be a float32 immediate (FLOAT | nan:0xBITS), got 'half'"},
    {HDR "    MXQ spm:0, spm:0x400, acc:0, 4, 48, fp4_e2m1, nearest-even\n",
     "3:37: error: operand 5 of MXQ (cols) must be a multiple of 32, got 48"},
    {HDR "    MXQ spm:0, spm:0x400, acc:0, 4, 32, fp9_e2m1, nearest-even\n",
     "3:41: error: unknown MX element type 'fp9_e2m1' (expected fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 or "
     "int8)"},
    {HDR "    PIM_GEMV spm:0, pim:0, spm:0x100, 4, 4, int8, 8, 17, lut\n",
     "3:54: error: a bit width must be between 1 and 16, got 17"},
    {HDR "    DMA_LD spm:0, K, 8, 8, bf16\n.equ K, 1\n", "3:19: error: undefined buffer 'K'"},
    {".equ K, 1\n    DMA_LD spm:0, K, 8, 8, bf16\n", "2:19: error: 'K' is a constant, not a DRAM buffer"},
    {HDR "    NOP ; fine\n    \x01\n", "4:5: error: expected an instruction or a directive, got '\\x01'"},
};

static void test_diagnostics_name_file_line_and_column(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof bad_srcs / sizeof bad_srcs[0]; i++) {
        isa_prog p;
        char *diag, want[512];
        lp_status st = assemble("k.s", bad_srcs[i].src, &p, &diag);
        snprintf(want, sizeof want, "k.s:%s\n", bad_srcs[i].want);
        if (st != LP_ERR_PARSE || strcmp(diag, want))
            lpt_mismatch(&bad, "case %zu:\n    got:  %s    want: %s", i, diag, want);
        free(diag);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(sizeof bad_srcs / sizeof bad_srcs[0] >= 25);
}

/* Several errors are all reported, each once even inside a loop, up to the limit. */
static void test_several_errors_reported_once_each(void)
{
    isa_prog p;
    char *diag;
    const char *src = HDR ".for i = 0, 8\n    FOO\n    DMA_LD spm:0, A[i*9, 0], 8, 8, bf16\n.endfor\n    BAR\n";
    CU_ASSERT_EQUAL(assemble("k.s", src, &p, &diag), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(diag, "k.s:4:5: error: unknown instruction 'FOO' (did you mean 'NOP'?)\n"
                                 "k.s:5:19: error: tile 8 x 8 at A[63, 0] runs past the buffer's 64 x 64 elements\n"
                                 "k.s:7:5: error: unknown instruction 'BAR' (see 'lpsim asm --help-isa')\n");
    free(diag);
    char big[4096] = HDR;
    for (int i = 0; i < 30; i++) strcat(big, "    XYZ\n");
    CU_ASSERT_EQUAL(assemble("k.s", big, &p, &diag), LP_ERR_PARSE);
    int lines = 0;
    for (char *c = diag; *c; c++) lines += *c == '\n';
    CU_ASSERT_EQUAL(lines, 21); /* 20 errors and "too many errors" */
    CU_ASSERT_PTR_NOT_NULL(strstr(diag, "too many errors; stopped after 20"));
    free(diag);
}

/* Data files: hex (with comments) and raw binary; errors point into the data file. */
static void test_data_files(void)
{
    char dir[] = "/tmp/lpt_isa_XXXXXX", path[256], src[1024];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/a.hex", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# four bf16 values\n3f80 4000\n  c040 ; comment\n0000\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/b.bin", dir);
    f = fopen(path, "wb");
    uint8_t raw[8] = {0x80, 0x3f, 0, 0x40, 0x40, 0xc0, 0, 0};
    fwrite(raw, 1, 8, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/bad.hex", dir);
    f = fopen(path, "w");
    fprintf(f, "3f80\n40z0\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/k.s", dir);
    isa_prog p;
    char *diag;
    snprintf(src, sizeof src,
             ".buffer A, bf16, 2, 2\n.buffer B, bf16, 2, 2\n.data A, hex \"a.hex\"\n.data B, bin \"b.bin\"\n");
    CU_ASSERT_EQUAL_FATAL(assemble(path, src, &p, &diag), LP_OK);
    CU_ASSERT_EQUAL(memcmp(p.data + p.bufs[0].data_off, raw, 8), 0); /* hex and bin give the same bytes */
    CU_ASSERT_EQUAL(memcmp(p.data + p.bufs[1].data_off, raw, 8), 0);
    isa_prog_free(&p);
    free(diag);
    snprintf(src, sizeof src, ".buffer A, bf16, 2, 2\n.data A, hex \"bad.hex\"\n");
    CU_ASSERT_EQUAL(assemble(path, src, &p, &diag), LP_ERR_PARSE);
    char want[512];
    snprintf(want, sizeof want, "%s/bad.hex:2:3: error: invalid hex digit 'z' in element 1\n", dir);
    CU_ASSERT_STRING_EQUAL(diag, want);
    free(diag);
    snprintf(src, sizeof src, ".buffer A, fp32, 2, 2\n.data A, bin \"b.bin\"\n");
    CU_ASSERT_EQUAL(assemble(path, src, &p, &diag), LP_ERR_PARSE);
    snprintf(want, sizeof want, "%s:2:14: error: 'b.bin' holds 8 bytes, buffer A needs 16 (2 x 2 fp32, 4 bytes each)\n",
             path);
    CU_ASSERT_STRING_EQUAL(diag, want);
    free(diag);
    snprintf(path, sizeof path, "%s/a.hex", dir), unlink(path);
    snprintf(path, sizeof path, "%s/b.bin", dir), unlink(path);
    snprintf(path, sizeof path, "%s/bad.hex", dir), unlink(path);
    rmdir(dir);
}

static void test_expressions_and_loops(void)
{
    isa_prog p;
    char *diag;
    const char *src = "# comments start with # or ;\n"
                      ".equ K, 2 + 3 * 4 # fourteen\n"                         /* 14 */
                      ".equ S, (1 << 4) | 0B1\n"                               /* 17 */
                      ".equ Q, -7 / 2 + 7 % 3 + (~5 + 6)\n"                    /* -3 + 1 + 0 = -2 */
                      ".equ R, (6 | 3) - (6 ^ 3) + (6 & 3) + (-16 >> 2) + 4\n" /* 7 - 5 + 2 - 4 + 4 = 4 */
                      ".for i = 0, 3\n"
                      ".for j = i, 6, 2\n"
                      "    VFILL\tspm:(i*8 + j)*4, R, K + S + Q, 0\n" /* a tab after the name; dims 4 x 29 */
                      ".endfor\n"
                      ".endfor\n";
    CU_ASSERT_EQUAL_FATAL(assemble("k.s", src, &p, &diag), LP_OK);
    /* i=0: j=0,2,4; i=1: j=1,3,5; i=2: j=2,4 */
    CU_ASSERT_EQUAL(p.ninsns, 8);
    static const uint64_t addrs[] = {0, 8, 16, 36, 44, 52, 72, 80};
    for (size_t k = 0; k < p.ninsns && k < 8; k++) {
        isa_insn in;
        CU_ASSERT_EQUAL(isa_decode(p.code + k * ISA_WORD_BYTES, &in, NULL), LP_OK);
        CU_ASSERT_EQUAL(in.v[0], addrs[k]);
        CU_ASSERT_EQUAL(in.v[1], 4);
        CU_ASSERT_EQUAL(in.v[2], 29);
    }
    isa_prog_free(&p);
    free(diag);
}

/* ---- the examples -------------------------------------------------------------------------- */

static const char *const examples[] = {"mx_gemm", "flash_attention", "pim_gemv"};

static void test_examples_match_golden_listings(void)
{
    for (int i = 0; i < 3; i++) {
        isa_prog p;
        char path[1024];
        CU_ASSERT_FATAL(example(examples[i], &p));
        char *got = memtext(asm_listing, &p, NULL);
        snprintf(path, sizeof path, "%s/examples/%s/%s.lst", LPSIM_SOURCE_DIR, examples[i], examples[i]);
        char *golden = lpt_read_file(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(golden);
        char *body = strchr(golden, '\n'); /* line 1 says how to regenerate */
        CU_ASSERT_PTR_NOT_NULL_FATAL(body);
        if (strcmp(body + 1, got)) fprintf(stderr, "\n  %s: listing differs from %s", examples[i], path);
        CU_ASSERT_STRING_EQUAL(body + 1, got);
        /* and the example round-trips through disassembly */
        char *text = memtext(asm_disassemble, &p, NULL), *diag;
        isa_prog q;
        CU_ASSERT_EQUAL_FATAL(assemble("rt.s", text, &q, &diag), LP_OK);
        CU_ASSERT(same_bytes(&p, &q));
        free(got), free(golden), free(text), free(diag);
        isa_prog_free(&q);
        isa_prog_free(&p);
    }
}

/* The committed inputs and expected outputs are what tools/gen_examples writes
** (examples/sweeps holds sweep files, which it does not write). */
static void test_example_data_regenerates(void)
{
    char dir[] = "/tmp/lpt_gen_XXXXXX", cmd[2048];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", dir, examples[i]);
        mkdir(cmd, 0755);
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s'", LPSIM_GEN_EXAMPLES, dir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "diff -r -x '*.s' -x '*.lst' -x '*.md' -x sweeps '%s' '%s/examples' >/dev/null", dir,
             LPSIM_SOURCE_DIR);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Two independent exact implementations agree: the generator's 128-bit sums
** (C.hex) and the dot model's exact preset on the same MX operands. */
static void test_mx_gemm_expected_equals_exact_model(void)
{
    isa_prog p;
    CU_ASSERT_FATAL(example("mx_gemm", &p));
    int ia = isa_prog_find(&p, "A"), isa_ = isa_prog_find(&p, "SA"), iw = isa_prog_find(&p, "W"),
        isw = isa_prog_find(&p, "SW");
    CU_ASSERT_FATAL(ia >= 0 && isa_ >= 0 && iw >= 0 && isw >= 0 && p.nexpects == 1);
    enum { M = 64, N = 64, K = 256 };
    static uint16_t a[M * K], wt[K * N];
    static uint8_t sa[M * K / 32], swt[K / 32 * N];
    for (int i = 0; i < M * K; i++) a[i] = p.data[p.bufs[ia].data_off + (size_t)i];
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++) wt[k * N + n] = p.data[p.bufs[iw].data_off + (size_t)(n * K + k)]; /* W^T */
    memcpy(sa, p.data + p.bufs[isa_].data_off, sizeof sa);
    for (int n = 0; n < N; n++)
        for (int q = 0; q < K / 32; q++) swt[q * N + n] = p.data[p.bufs[isw].data_off + (size_t)(n * (K / 32) + q)];
    mx_elem e;
    mx_elem_get(MX_FP8_E4M3, &e);
    dot_cfg c;
    dot_preset("exact", &c, NULL);
    dot_matrix A = {&e.fmt, a, K, sa, 32, K / 32}, B = {&e.fmt, wt, N, swt, 32, N};
    static float d[M * N];
    CU_ASSERT_FATAL(dot_gemm(&c, M, N, K, &A, &B, NULL, d) == LP_OK);
    CU_ASSERT_EQUAL(memcmp(d, p.data + p.expects[0].data_off, sizeof d), 0);
    isa_prog_free(&p);
}

/* ---- reference page, ranges ---------------------------------------------------------------- */

static void test_reference_page_is_generated(void)
{
    char path[1024], *t = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&t, &n);
    asm_print_reference(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/docs/isa.md", LPSIM_SOURCE_DIR);
    char *doc = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    if (strcmp(doc, t)) fprintf(stderr, "\n  docs/isa.md is stale: regenerate with lpsim asm --help-isa > docs/isa.md");
    CU_ASSERT_STRING_EQUAL(doc, t);
    for (int i = 0; i < ISA_OP_COUNT; i++) { /* every instruction is documented */
        char key[64];
        snprintf(key, sizeof key, "| `%s` |", isa_get((isa_op)i)->mnemonic);
        CU_ASSERT_PTR_NOT_NULL(strstr(t, key));
    }
    free(t), free(doc);
}

static void test_ranges_follow_footprints(void)
{
    mf_format bf, f8;
    mf_parse("bf16", &bf, NULL);
    mf_parse("fp8_e4m3fn", &f8, NULL);
    isa_insn mma = {ISA_MMA, {0x100, 0x2000, 0x4000, 16, 8, 32, isa_fmt_code(&f8), isa_fmt_code(&bf), 2, 1}};
    mem_range r[ISA_MAX_RANGES];
    CU_ASSERT_EQUAL_FATAL(isa_ranges(&mma, r), 3);
    CU_ASSERT(r[0].space == MEM_ACC && r[0].read && r[0].write && r[0].addr == 0x100 && r[0].rows == 16 &&
              r[0].row_bytes == 32);
    CU_ASSERT(r[1].space == MEM_SPM && r[1].read && !r[1].write && r[1].rows == 16 && r[1].row_bytes == 32);
    CU_ASSERT(r[2].space == MEM_SPM && r[2].rows == 32 && r[2].row_bytes == 16); /* k x n bf16 */
    isa_insn ld = {ISA_DMA_LD,
                   {ISA_MEM_ACC | 0x40, 0x1000 | (UINT64_C(100) << ISA_DRAM_ADDR_BITS), 4, 10, isa_fmt_code(&bf)}};
    CU_ASSERT_EQUAL_FATAL(isa_ranges(&ld, r), 2);
    CU_ASSERT(r[0].space == MEM_ACC && r[0].write && !r[0].read && r[0].addr == 0x40 && r[0].row_bytes == 20);
    CU_ASSERT(r[1].space == MEM_DRAM && r[1].read && r[1].addr == 0x1000 && r[1].rows == 4 && r[1].row_bytes == 20 &&
              r[1].pitch == 200);
    /* DMA_LDT: the same DRAM tile, written as a dense 10 x 4 tile */
    isa_insn ldt = {ISA_DMA_LDT,
                    {ISA_MEM_ACC | 0x40, 0x1000 | (UINT64_C(100) << ISA_DRAM_ADDR_BITS), 4, 10, isa_fmt_code(&bf)}};
    CU_ASSERT_EQUAL_FATAL(isa_ranges(&ldt, r), 2);
    CU_ASSERT(r[0].space == MEM_ACC && r[0].write && !r[0].read && r[0].addr == 0x40 && r[0].rows == 10 &&
              r[0].row_bytes == 8 && r[0].pitch == 8);
    CU_ASSERT(r[1].space == MEM_DRAM && r[1].read && r[1].addr == 0x1000 && r[1].rows == 4 && r[1].row_bytes == 20 &&
              r[1].pitch == 200);
    unit_op op;
    isa_to_op(&ldt, &op);
    CU_ASSERT(op.what == UNIT_OP_LOAD_T && op.rows == 4 && op.cols == 10 && op.dst.rows == 10 && op.src.rows == 4);
    isa_insn q = {ISA_MXQ, {0, 0x800, ISA_MEM_ACC, 8, 64, MX_FP4_E2M1, MF_RNE}};
    CU_ASSERT_EQUAL_FATAL(isa_ranges(&q, r), 3);
    CU_ASSERT(r[1].rows == 8 && r[1].row_bytes == 2); /* scales: 64/32 per row */
    CU_ASSERT(r[2].space == MEM_ACC && r[2].row_bytes == 256);
    isa_insn g = {ISA_PIM_GEMV, {0, 3, 0x100, 64, 32, isa_fmt_code(&f8), 8, 4, 0}};
    CU_ASSERT_EQUAL_FATAL(isa_ranges(&g, r), 3);
    CU_ASSERT(r[1].space == MEM_PIM && r[1].addr == 3 && r[1].read && !r[1].write);
    /* elements narrower than a byte are stored packed (a byte each in the
    ** range, packed_bits wide in the banks): fp6 and int4 tiles, not fp8 */
    static const struct {
        const char *fmt;
        int bits;
    } packed[] = {{"fp6_e2m3fn", 6}, {"fp6_e3m2fn", 6}, {"int4", 4}, {"fp4_e2m1fn", 4}, {"fp8_e4m3fn", 8}};
    for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++) {
        mf_format pf, f32;
        mf_parse(packed[i].fmt, &pf, NULL);
        mf_parse("fp32", &f32, NULL);
        isa_insn cv = {ISA_VCVT, {0, 0x1000, 2, 16, isa_fmt_code(&pf), isa_fmt_code(&f32), 0}};
        CU_ASSERT_EQUAL_FATAL(isa_ranges(&cv, r), 2);
        CU_ASSERT(r[0].packed_bits == packed[i].bits && r[0].row_bytes == 16);
        CU_ASSERT(r[1].packed_bits == 8 && r[1].row_bytes == 64);
    }
}

/* ---- kernels and cores ----------------------------------------------------------------------- */

/* Several kernels and cores: instructions before the first .kernel (kernel
** main), a repeated name, .core in a .for body, an empty kernel and an empty
** last section. */
static const char kernels_src[] = ".buffer A, bf16, 4, 4\n"
                                  ".buffer C, fp32, 4, 4\n"
                                  "    DMA_LD spm:0, A, 4, 4, bf16\n"
                                  ".kernel q_proj\n"
                                  ".core 1\n"
                                  "    DMA_LD spm:0, A, 4, 4, bf16\n"
                                  "    FENCE\n"
                                  ".core 0\n"
                                  "    NOP\n"
                                  ".kernel q_proj ; names repeat\n"
                                  ".for c = 0, 3\n"
                                  ".core c + 4\n"
                                  "    VFILL spm:c*64, 1, 4, 1\n"
                                  ".endfor\n"
                                  ".kernel empty\n"
                                  ".kernel norm\n"
                                  "    VFILL acc:0, 4, 4, 0\n"
                                  "    DMA_ST C, acc:0, 4, 4, fp32\n"
                                  ".core 7\n";

/* What lpsim disasm prints for it: .kernel at each kernel, .core at every section. */
static const char kernels_disasm[] = "; lpsim program: 9 instructions, 2 buffers, 0 expectations\n"
                                     ".buffer A, bf16, 4, 4\n"
                                     ".buffer C, fp32, 4, 4\n"
                                     ".kernel main\n"
                                     ".core 0\n"
                                     "    DMA_LD spm:0x0, A[0, 0], 4, 4, bf16\n"
                                     ".kernel q_proj\n"
                                     ".core 1\n"
                                     "    DMA_LD spm:0x0, A[0, 0], 4, 4, bf16\n"
                                     "    FENCE\n"
                                     ".core 0\n"
                                     "    NOP\n"
                                     ".kernel q_proj\n"
                                     ".core 4\n"
                                     "    VFILL spm:0x0, 1, 4, 1\n"
                                     ".core 5\n"
                                     "    VFILL spm:0x40, 1, 4, 1\n"
                                     ".core 6\n"
                                     "    VFILL spm:0x80, 1, 4, 1\n"
                                     ".kernel empty\n"
                                     ".core 0\n"
                                     ".kernel norm\n"
                                     ".core 0\n"
                                     "    VFILL acc:0x0, 4, 4, 0\n"
                                     "    DMA_ST C[0, 0], acc:0x0, 4, 4, fp32\n"
                                     ".core 7\n";

static void test_kernels_round_trip(void)
{
    isa_prog p, q, r;
    char *diag;
    CU_ASSERT_EQUAL_FATAL(assemble("k.s", kernels_src, &p, &diag), LP_OK);
    free(diag);
    static const struct {
        const char *name;
        uint32_t first_sec, nsecs;
    } ks[] = {{"main", 0, 1}, {"q_proj", 1, 2}, {"q_proj", 3, 3}, {"empty", 6, 1}, {"norm", 7, 2}};
    static const isa_section ss[] = {{0, 0, 0, 1}, {1, 1, 1, 2}, {1, 0, 3, 1}, {2, 4, 4, 1}, {2, 5, 5, 1},
                                     {2, 6, 6, 1}, {3, 0, 7, 0}, {4, 0, 7, 2}, {4, 7, 9, 0}};
    CU_ASSERT_EQUAL(p.ninsns, 9);
    CU_ASSERT_EQUAL_FATAL(p.nkernels, 5);
    CU_ASSERT_EQUAL_FATAL(p.nsecs, 9);
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_STRING_EQUAL(p.kernels[i].name, ks[i].name);
        CU_ASSERT(p.kernels[i].first_sec == ks[i].first_sec && p.kernels[i].nsecs == ks[i].nsecs);
    }
    for (size_t i = 0; i < 9; i++)
        CU_ASSERT(p.secs[i].kernel == ss[i].kernel && p.secs[i].core == ss[i].core && p.secs[i].first == ss[i].first &&
                  p.secs[i].count == ss[i].count);
    CU_ASSERT_EQUAL(isa_prog_cores(&p), 8);
    /* disassembly: pinned, and it assembles to the same bytes */
    char *text = memtext(asm_disassemble, &p, NULL);
    CU_ASSERT_STRING_EQUAL(text, kernels_disasm);
    CU_ASSERT_EQUAL_FATAL(assemble("d.s", text, &q, &diag), LP_OK);
    CU_ASSERT(same_bytes(&p, &q));
    free(diag), free(text);
    /* .lpt: version 3, counts in the header, parses back to the same bytes */
    uint8_t *b;
    size_t n;
    lp_diag msg;
    CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
    CU_ASSERT_EQUAL(b[8], 3);
    CU_ASSERT(b[48] == 5 && b[52] == 9);
    CU_ASSERT_EQUAL(n, 64 + 9 * 32 + 2 * 64 + 5 * 40 + 9 * 24);
    CU_ASSERT_EQUAL_FATAL(isa_prog_parse(b, n, &r, &msg), LP_OK);
    CU_ASSERT(same_bytes(&p, &r));
    text = memtext(asm_disassemble, &r, NULL); /* the file's program disassembles alike */
    CU_ASSERT_STRING_EQUAL(text, kernels_disasm);
    free(text);
    /* the listing marks each section */
    text = memtext(asm_listing, &r, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "; kernel 2 q_proj, core 5\n000005  "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "; kernel 3 empty, core 0\n; kernel 4 norm, core 0\n000007  "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "fp32\n; kernel 4 norm, core 7\n"));
    free(text), free(b);
    isa_prog_free(&p), isa_prog_free(&q), isa_prog_free(&r);
    /* a kernel alone, and .core alone: the empty section round-trips */
    static const char *const small[] = {".kernel a\n", ".core 3\n", ".kernel a\n.kernel b\n", "    NOP\n.core 2\n"};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(assemble("k.s", small[i], &p, &diag), LP_OK);
        free(diag);
        text = memtext(asm_disassemble, &p, NULL);
        CU_ASSERT_EQUAL_FATAL(assemble("d.s", text, &q, &diag), LP_OK);
        CU_ASSERT(p.nkernels > 0 && same_bytes(&p, &q));
        CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
        CU_ASSERT_EQUAL_FATAL(isa_prog_parse(b, n, &r, &msg), LP_OK);
        CU_ASSERT(same_bytes(&p, &r));
        free(diag), free(text), free(b);
        isa_prog_free(&p), isa_prog_free(&q), isa_prog_free(&r);
    }
}

/* FNV-1a, 64 bits. */
static uint64_t fnv1a(const uint8_t *b, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* Programs without kernels are written as before kernels existed: version 2,
** the same bytes (hashes of the files lpsim asm wrote at commit 8b95c4b). */
static void test_kernels_none_keeps_version_2_bytes(void)
{
    static const struct {
        const char *name;
        size_t bytes;
        uint64_t fnv;
    } pins[] = {
        {"mx_gemm", 51264, UINT64_C(0x999db116d949c2b4)},
        {"flash_attention", 47840, UINT64_C(0x9e45fd604d575b2a)},
        {"pim_gemv", 133056, UINT64_C(0xc9f8f1c49aabaef9)},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        isa_prog p;
        uint8_t *b;
        size_t n;
        CU_ASSERT_FATAL(example(pins[i].name, &p));
        CU_ASSERT_EQUAL(p.nkernels, 0);
        CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
        CU_ASSERT_EQUAL(b[8], 2);
        if (n != pins[i].bytes || fnv1a(b, n) != pins[i].fnv)
            fprintf(stderr, "\n  %s: %zu bytes, FNV-1a 0x%016llx", pins[i].name, n, (unsigned long long)fnv1a(b, n));
        CU_ASSERT_EQUAL(n, pins[i].bytes);
        CU_ASSERT_EQUAL(fnv1a(b, n), pins[i].fnv);
        free(b);
        isa_prog_free(&p);
    }
}

/* Each mistake with .kernel and .core, with its exact diagnostic. */
static const bad_src kernel_srcs[] = {
    {HDR ".kernel\n", "3:1: error: .kernel takes a name"},
    {HDR ".kernel a, b\n", "3:12: error: .kernel takes one name, got 2 arguments"},
    {HDR ".kernel attn now ; a comment\n", "3:14: error: unexpected 'now' after the kernel name"},
    {HDR ".kernel 2attn\n",
     "3:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got '2attn'"},
    {HDR ".kernel q-proj\n", "3:10: error: unexpected character '-' in a name (ASCII letters, digits, _)"},
    {HDR ".kernel MMA\n", "3:9: error: 'MMA' is an instruction name"},
    {HDR ".kernel abcdefghijklmnopqrstuvwxyz_012345\n",
     "3:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got "
     "'abcdefghijklmnopqrstuvwxyz_012345'"},
    {HDR ".for i = 0, 65537\n.kernel k\n.endfor\n", "4:1: error: more than 65536 kernels"},
    {HDR ".core\n", "3:1: error: .core takes a core number"},
    {HDR ".core 65536\n", "3:7: error: a core must be between 0 and 65535, got 65536"},
    {HDR ".core 2 - 3\n", "3:7: error: a core must be between 0 and 65535, got -1"},
    {HDR ".core 1, 2\n", "3:10: error: .core takes one core number, got 2 arguments"},
    {HDR ".core 1 x\n", "3:9: error: unexpected 'x' after the expression"},
    {HDR ".core N\n", "3:7: error: undefined symbol 'N'"},
    {HDR ".kernel a\n    NOP\n.core 1\n    NOP\n.core 0\n",
     "7:7: error: core 0 already has a section in kernel 'a' (from line 4)"},
    {HDR "    NOP\n.core 0\n", "4:7: error: core 0 already has a section in kernel 'main' (from line 3)"},
    {HDR ".kernel a\n.for c = 0, 2\n.core 1\n    NOP\n.endfor\n",
     "5:7: error: core 1 already has a section in kernel 'a' (from line 6)"},
};

static void test_kernels_diagnostics(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof kernel_srcs / sizeof kernel_srcs[0]; i++) {
        isa_prog p;
        char *diag, want[512];
        lp_status st = assemble("k.s", kernel_srcs[i].src, &p, &diag);
        snprintf(want, sizeof want, "k.s:%s\n", kernel_srcs[i].want);
        if (st != LP_ERR_PARSE || strcmp(diag, want))
            lpt_mismatch(&bad, "case %zu:\n    got:  %s    want: %s", i, diag, want);
        free(diag);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* kernel names are a namespace of their own: a buffer's or a constant's name will do */
    isa_prog p;
    char *diag;
    CU_ASSERT_EQUAL(assemble("k.s", HDR ".equ K, 1\n.kernel A\n.kernel K\n.core K + 1\n", &p, &diag), LP_OK);
    CU_ASSERT(p.nkernels == 2 && !strcmp(p.kernels[0].name, "A") && p.secs[1].core == 2);
    isa_prog_free(&p);
    free(diag);
}

/* A version 3 file: every check of the kernel and section tables, by damage. */
static const char damage_src[] = ".buffer A, bf16, 4, 4\n"
                                 ".kernel a\n"
                                 "    NOP\n"
                                 ".core 1\n"
                                 "    NOP\n"
                                 "    NOP\n"
                                 ".kernel b\n"
                                 ".core 2\n"
                                 "    NOP\n"
                                 ".core 5\n";

/* Its layout: header 0-63, 4 instructions 64-191, buffer A 192-255, kernel
** records a at 256 (first section 288, count 292) and b at 296 (328, 332),
** section records at 336, 360, 384, 408 (kernel +0, core +4, first +8, count
** +16): sections 0 (a, core 0, [0,1)), 1 (a, core 1, [1,3)), 2 (b, core 2,
** [3,4)), 3 (b, core 5, empty). */
typedef struct patch {
    size_t at;
    const char *bytes;
    size_t n;
} patch;

#define P(at, s)                                                                                                       \
    {                                                                                                                  \
        at, s, sizeof s - 1                                                                                            \
    }

static const struct {
    patch p[3];
    const char *why; /* NULL: accepted, and it round-trips */
} v3_damage[] = {
    {{P(48, "\0\0\0\0")}, "version 3 without kernels (byte 48 is 0; a program without kernels is version 2)"},
    {{P(8, "\2")}, "byte 48 of the header is reserved and must be 0"},
    {{P(48, "\1\0\1\0")}, "65537 kernels (header byte 48), lpsim's limit is 65536"},
    {{P(52, "\1")}, "1 sections (header byte 52) for 2 kernels and 4 instructions: expected 2 to 6"},
    {{P(52, "\7")}, "7 sections (header byte 52) for 2 kernels and 4 instructions: expected 2 to 6"},
    {{P(52, "\3")}, "the header describes 408 bytes, the file has 432"},
    {{P(56, "\1")}, "byte 56 of the header is reserved and must be 0"},
    {{P(63, "\1")}, "byte 63 of the header is reserved and must be 0"},
    {{P(256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")}, "kernel 0 (byte 256): name not terminated"},
    {{P(257, "\0b")}, "kernel 0 (byte 256): bytes after the name must be 0"},
    {{P(287, "b")}, "kernel 0 (byte 256): bytes after the name must be 0"},
    {{P(296, "NOP")}, "kernel 1 (byte 296): invalid name"},
    {{P(296, "\0")}, "kernel 1 (byte 296): invalid name"},
    {{P(256, "1")}, "kernel 0 (byte 256): invalid name"},
    {{P(256, "\x80")}, "kernel 0 (byte 256): invalid name"},
    {{P(328, "\1")}, "kernel 1 (byte 328): its sections begin at 1, expected 2 (right after the previous kernel's)"},
    {{P(292, "\0")}, "kernel 0 (byte 292): 0 sections, expected 1 to 4"},
    {{P(332, "\3")}, "kernel 1 (byte 332): 3 sections, expected 1 to 2"},
    {{P(332, "\1")}, "the kernels hold 3 sections, the header (byte 52) counts 4"},
    {{P(360, "\1")}, "section 1 (byte 360): kernel 1, but it lies among kernel 0's sections"},
    {{P(384, "\0")}, "section 2 (byte 384): kernel 0, but it lies among kernel 1's sections"},
    {{P(340, "\0\0\1\0")}, "section 0 (byte 340): core 65536, lpsim has at most 65536 cores"},
    {{P(364, "\0")}, "section 1 (byte 364): core 0 has section 0 in kernel 0 already"},
    {{P(412, "\2")}, "section 3 (byte 412): core 2 has section 2 in kernel 1 already"},
    {{P(368, "\2")},
     "section 1 (byte 368): first instruction 2, expected 1 (sections lie back to back in program order)"},
    {{P(344, "\0\0\0\0\0\0\0\1")},
     "section 0 (byte 344): first instruction 72057594037927936, expected 0 (sections lie back to back in program "
     "order)"},
    {{P(400, "\2")}, "section 2 (byte 400): 2 instructions from 3 run past the program's 4"},
    {{P(376, "\xff\xff\xff\xff\xff\xff\xff\xff")},
     "section 1 (byte 376): 18446744073709551615 instructions from 1 run past the program's 4"},
    {{P(352, "\0"), P(368, "\0"), P(376, "\3")},
     "section 0 (byte 352): empty, but not the last section of kernel 0 (the assembler writes none such)"},
    {{P(376, "\1"), P(392, "\2"), P(416, "\3")}, "the sections end at instruction 3, the program has 4"},
    {{P(388, "\0")}, NULL},       /* a core has a section in each kernel */
    {{P(412, "\xff\xff")}, NULL}, /* core 65535, the last there is */
    {{P(296, "b_2")}, NULL},      /* another valid name */
};

static void test_kernels_lpt_damage(void)
{
    isa_prog p, q;
    uint8_t *b;
    size_t n;
    lp_diag msg;
    char *diag;
    CU_ASSERT_EQUAL_FATAL(assemble("k.s", damage_src, &p, &diag), LP_OK);
    free(diag);
    CU_ASSERT_FATAL(isa_prog_serialize(&p, &b, &n) == LP_OK);
    CU_ASSERT_EQUAL_FATAL(n, 432);
    CU_ASSERT_EQUAL_FATAL(isa_prog_parse(b, n, &q, &msg), LP_OK);
    isa_prog_free(&q);
    int bad = 0;
    for (size_t i = 0; i < sizeof v3_damage / sizeof v3_damage[0]; i++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        for (int k = 0; k < 3 && v3_damage[i].p[k].bytes; k++)
            memcpy(c + v3_damage[i].p[k].at, v3_damage[i].p[k].bytes, v3_damage[i].p[k].n);
        lp_status st = isa_prog_parse(c, n, &q, &msg);
        if (!v3_damage[i].why) {
            uint8_t *d;
            size_t dn;
            if (st != LP_OK) {
                lpt_mismatch(&bad, "case %zu: refused: %s", i, msg.msg);
            } else {
                CU_ASSERT_FATAL(isa_prog_serialize(&q, &d, &dn) == LP_OK);
                if (dn != n || memcmp(c, d, n)) lpt_mismatch(&bad, "case %zu: accepted but does not round-trip", i);
                free(d);
                isa_prog_free(&q);
            }
        } else if (st != LP_ERR_PARSE || strcmp(msg.msg, v3_damage[i].why)) {
            lpt_mismatch(&bad, "case %zu:\n    got:  %s\n    want: %s", i, st ? msg.msg : "(accepted)",
                         v3_damage[i].why);
            if (!st) isa_prog_free(&q);
        }
        free(c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* every prefix refused; random flips in the header and the tables refused or round-tripping */
    int accepted = 0, flips_ok = 0;
    for (size_t len = 0; len < n; len++) accepted += isa_prog_parse(b, len, &q, &msg) == LP_OK;
    CU_ASSERT_EQUAL(accepted, 0);
    for (int t = 0; t < 4000; t++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        uint64_t r = lp_rng_u64(77, (uint64_t)t);
        size_t at = t % 8 ? 256 + (size_t)(r % (n - 256)) : (size_t)(r % 64);
        c[at] ^= (uint8_t)(1u << ((r >> 32) % 8));
        if (isa_prog_parse(c, n, &q, &msg) == LP_OK) {
            uint8_t *d;
            size_t dn;
            CU_ASSERT_FATAL(isa_prog_serialize(&q, &d, &dn) == LP_OK);
            if (dn != n || memcmp(c, d, n)) lpt_mismatch(&bad, "flip at %zu accepted but does not round-trip", at);
            char *text = memtext(asm_disassemble, &q, NULL);
            isa_prog s;
            if (assemble("d.s", text, &s, &diag) != LP_OK || !same_bytes(&q, &s))
                lpt_mismatch(&bad, "flip at %zu: the disassembly does not reassemble alike", at);
            else
                isa_prog_free(&s);
            free(diag), free(text), free(d);
            isa_prog_free(&q);
            flips_ok++;
        }
        free(c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(flips_ok > 0 && flips_ok < 4000); /* names and cores may change; structure may not */
    free(b);
    isa_prog_free(&p);
}

/* ---- through the commands ------------------------------------------------------------------ */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void test_asm_disasm_commands_round_trip(void)
{
    char dir[] = "/tmp/lpt_rt_XXXXXX", lpt[128], src[128], lpt2[128], bad[128], args[2048], want[512], *out, *err;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(lpt, sizeof lpt, "%s/a.lpt", dir);
    snprintf(src, sizeof src, "%s/b.s", dir);
    snprintf(lpt2, sizeof lpt2, "%s/b.lpt", dir);
    snprintf(bad, sizeof bad, "%s/bad.s", dir);
    snprintf(args, sizeof args, "asm '%s/examples/flash_attention/flash_attention.s' -o '%s'", LPSIM_SOURCE_DIR, lpt);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    free(out), free(err);
    snprintf(args, sizeof args, "disasm '%s'", lpt);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    write_text(src, out);
    free(out), free(err);
    snprintf(args, sizeof args, "asm '%s' -o '%s'", src, lpt2);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
    free(out), free(err);
    size_t n1 = 0, n2 = 0;
    char *b1 = lpt_read_file(lpt, &n1), *b2 = lpt_read_file(lpt2, &n2);
    CU_ASSERT_FATAL(b1 && b2);
    CU_ASSERT(n1 == n2 && !memcmp(b1, b2, n1)); /* byte-identical */
    free(b1), free(b2);
    /* errors: exit 2, diagnostics on stderr, no output file */
    write_text(bad, "    NOP\n    JUMP 3\n");
    unlink(lpt2);
    snprintf(args, sizeof args, "asm '%s' -o '%s'", bad, lpt2);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    snprintf(want, sizeof want, "%s:2:5: error: unknown instruction 'JUMP' (see 'lpsim asm --help-isa')\n", bad);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(access(lpt2, F_OK), -1);
    free(out), free(err);
    /* a file that is not a program */
    snprintf(args, sizeof args, "disasm '%s'", bad);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    snprintf(want, sizeof want, "%s:1:1: error: not an lpsim program (no LPSIMTRC header)\n", bad);
    CU_ASSERT_STRING_EQUAL(err, want);
    free(out), free(err);
    unlink(lpt), unlink(src), unlink(bad);
    rmdir(dir);
}

CU_TestInfo lpt_isa_tests[] = {
    {"table/opcodes_unique_and_fields_fit", test_table_opcodes_unique_and_fields_fit},
    {"roundtrip/every_instruction", test_every_instruction_round_trips},
    {"decode/rejects_bad_words", test_decoder_rejects_bad_words},
    {"trace/rejects_every_truncation_and_damage", test_trace_rejects_every_truncation_and_damage},
    {"asm/diagnostics_name_file_line_and_column", test_diagnostics_name_file_line_and_column},
    {"asm/several_errors_reported_once_each", test_several_errors_reported_once_each},
    {"asm/data_files", test_data_files},
    {"asm/expressions_and_loops", test_expressions_and_loops},
    {"examples/match_golden_listings", test_examples_match_golden_listings},
    {"examples/data_regenerates", test_example_data_regenerates},
    {"examples/mx_gemm_expected_equals_exact_model", test_mx_gemm_expected_equals_exact_model},
    {"reference/page_is_generated", test_reference_page_is_generated},
    {"ranges/follow_footprints", test_ranges_follow_footprints},
    {"commands/asm_disasm_round_trip", test_asm_disasm_commands_round_trip},
    {"kernels/round_trip", test_kernels_round_trip},
    {"kernels/none_keeps_version_2_bytes", test_kernels_none_keeps_version_2_bytes},
    {"kernels/diagnostics", test_kernels_diagnostics},
    {"kernels/lpt_damage", test_kernels_lpt_damage},
    CU_TEST_INFO_NULL,
};
