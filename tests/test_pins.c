/*
** test_pins.c — pins on the assembler's and the architecture loader's
** diagnostics: the exact FILE:LINE:COL and message for typos a user makes in
** every kind of operand, expression and directive (data files, NUL bytes and
** long lines included) and in every section of an architecture file, and the
** spellings accepted right at each limit. Each row is one realistic mistake;
** its column was counted from its source text by the rule of isa/asm.c (the
** column where the offending operand, token or byte starts). Values and
** encodings are pinned in test_pins_numerics.c.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "asm.h"
#include "lp_file.h"
#include "lp_test.h"
#include "mx.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* Assemble len bytes; returns the status, *diag the printed diagnostics (malloc'd). */
static lp_status assemble_with(const asm_opts *o, const char *src, size_t len, isa_prog *p, char **diag)
{
    asm_diags dg = {0};
    lp_status st = asm_assemble(src, len, o, p, &dg);
    size_t n = 0;
    FILE *f = open_memstream(diag, &n);
    asm_diags_print(&dg, f);
    fclose(f);
    asm_diags_free(&dg);
    return st;
}

static lp_status assemble(const char *src, isa_prog *p, char **diag)
{
    asm_opts o = {"k.s", 20, false, 0, 0, 0};
    return assemble_with(&o, src, strlen(src), p, diag);
}

/* A kernel with one mistake and its exact diagnostic (without the file name). */
typedef struct bad_src {
    const char *src, *want;
} bad_src;

/* Three buffers on lines 1-3: A and C square, R 3 x 5 so that rows and columns differ. */
#define HDR ".buffer A, bf16, 64, 64\n.buffer C, fp32, 64, 64\n.buffer R, fp8_e4m3fn, 3, 5\n"

/* Every row must fail with exactly its one diagnostic; returns the mismatches. */
static int check_bad_srcs(const bad_src *t, size_t n, const char *table)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        isa_prog p;
        char *diag, want[600];
        lp_status st = assemble(t[i].src, &p, &diag);
        snprintf(want, sizeof want, "k.s:%s\n", t[i].want);
        if (st != LP_ERR_PARSE || strcmp(diag, want))
            lpt_mismatch(&bad, "%s row %zu:\n    got:  %s    want: %s", table, i, diag, want);
        if (st == LP_OK) isa_prog_free(&p);
        free(diag);
    }
    return bad;
}

/* Instruction i of an assembled program, decoded (and valid). */
static isa_insn insn_at(const isa_prog *p, size_t i)
{
    isa_insn in;
    CU_ASSERT_FATAL(i < p->ninsns);
    CU_ASSERT_FATAL(isa_decode(p->code + i * ISA_WORD_BYTES, &in, NULL) == LP_OK);
    return in;
}

/* ---- DRAM operands: [ROW, COL] one past the end --------------------------------------------- */

/* A[ROW, COL] indexes elements of a 64 x 64 buffer: 0..63 each. One past the
** last column must not wrap into the next row (A[0, 64] is not A[1, 0]). */
static void test_dram_column_past_the_buffer(void)
{
    static const bad_src rows[] = {
        {HDR "    DMA_LD spm:0, A[0, 64], 1, 1, bf16\n", "4:24: error: the column must be between 0 and 63, got 64"},
        {HDR "    DMA_LD spm:0, A[64, 0], 1, 1, bf16\n", "4:21: error: the row must be between 0 and 63, got 64"},
        {HDR "    DMA_LD spm:0, A[0, -1], 1, 1, bf16\n", "4:24: error: the column must be between 0 and 63, got -1"},
        {HDR "    DMA_LD spm:0, A[-1, 0], 1, 1, bf16\n", "4:21: error: the row must be between 0 and 63, got -1"},
        {HDR "    DMA_ST A[0, 2*32], spm:0, 1, 1, bf16\n", "4:17: error: the column must be between 0 and 63, got 64"},
        {HDR "    DMA_LD spm:0, R[0, 5], 1, 1, fp8_e4m3fn\n", "4:24: error: the column must be between 0 and 4, got 5"},
        {HDR "    DMA_LD spm:0, R[3, 0], 1, 1, fp8_e4m3fn\n", "4:21: error: the row must be between 0 and 2, got 3"},
    };
    CU_ASSERT_EQUAL(check_bad_srcs(rows, sizeof rows / sizeof rows[0], "dram"), 0);
    /* the last element of each is accepted: A at 0 (bf16), R after A and C
    ** (8192 + 16384 bytes, both 64-byte aligned); address | row pitch << 40 */
    isa_prog p;
    char *diag;
    CU_ASSERT_EQUAL_FATAL(assemble(HDR "    DMA_LD spm:0, A[0, 63], 1, 1, bf16\n"
                                       "    DMA_LD spm:0, A[63, 0], 1, 1, bf16\n"
                                       "    DMA_LD spm:0, R[2, 4], 1, 1, fp8_e4m3fn\n",
                                   &p, &diag),
                          LP_OK);
    CU_ASSERT_EQUAL(insn_at(&p, 0).v[1], (63 * 2) | UINT64_C(64) << ISA_DRAM_ADDR_BITS);
    CU_ASSERT_EQUAL(insn_at(&p, 1).v[1], (63 * 64 * 2) | UINT64_C(64) << ISA_DRAM_ADDR_BITS);
    CU_ASSERT_EQUAL(insn_at(&p, 2).v[1], (24576 + 2 * 5 + 4) | UINT64_C(5) << ISA_DRAM_ADDR_BITS);
    isa_prog_free(&p);
    free(diag);
}

/* ---- operands of every kind --------------------------------------------------------------- */

/* Note: kind errors pick "a"/"an" by kind, which gives "an scratchpad" and
** "a element" below; pinned as printed today. */
static const bad_src operand_srcs[] = {
    {HDR "    DMA_LD spm:0, R[-1, 0], 1, 1, fp8_e4m3fn\n", "4:21: error: the row must be between 0 and 2, got -1"},
    {HDR "    DMA_LD spm:0, R[0, -1], 1, 1, fp8_e4m3fn\n", "4:24: error: the column must be between 0 and 4, got -1"},
    {HDR "    DMA_LD spm:0, R[1, 2], 2, 4, fp8_e4m3fn\n",
     "4:19: error: tile 2 x 4 at R[1, 2] runs past the buffer's 3 x 5 elements"},
    {HDR "    DMA_LD spm:0, R(0, 0), 1, 1, fp8_e4m3fn\n", "4:20: error: expected '[ROW, COL]' after the buffer name"},
    {HDR "    DMA_LD spm:0, R[0, 0]x, 1, 1, fp8_e4m3fn\n", "4:20: error: expected '[ROW, COL]' after the buffer name"},
    {HDR "    DMA_LD spm:0, R[0, 0, 0], 1, 1, fp8_e4m3fn\n", "4:28: error: too many operands"},
    {HDR "    DMA_LD spm:0, R[0, 0, 1, 1, fp8_e4m3fn\n", "4:20: error: '[' is never closed"},
    {HDR "    DMA_LD spm:0, R[r, 0], 1, 1, fp8_e4m3fn\n", "4:21: error: undefined symbol 'r'"},
    {HDR ".equ W, 3\n    DMA_LD spm:0, W[0, 0], 1, 1, fp8_e4m3fn\n",
     "5:19: error: 'W' is a constant, not a DRAM buffer"},
    {HDR "    DMA_ST spm:0, spm:0x40, 8, 8, bf16\n",
     "4:12: error: operand 1 of DMA_ST (dst) must be a element (ROW, COL) of a DRAM buffer (40-bit byte address and "
     "24-bit row pitch) (NAME | NAME[ROW, COL]), got 'spm:0'"},
    {HDR "    DMA_ST C[0, 0], acc:0, 4, 4, bf16\n", "4:34: error: format bf16 does not match buffer C (fp32)"},
    {HDR "    DMA_LD acc:0, C[61, 62], 4, 2, fp32\n",
     "4:19: error: tile 4 x 2 at C[61, 62] runs past the buffer's 64 x 64 elements"},
    /* DMA_LDT: the DRAM tile is rows x cols, the buffer tile cols x rows */
    {HDR "    DMA_LDT spm:0, R[1, 2], 2, 4, fp8_e4m3fn\n",
     "4:20: error: tile 2 x 4 at R[1, 2] runs past the buffer's 3 x 5 elements"},
    {HDR "    DMA_LDT spm:0, R[0, 1], 3, 5, fp8_e4m3fn\n",
     "4:20: error: tile 3 x 5 at R[0, 1] runs past the buffer's 3 x 5 elements"},
    {HDR "    DMA_LDT spm:0xffffe8, C[0, 0], 2, 4, fp32\n",
     "4:13: error: DMA_LDT operand 1 (dst): tile of 32 bytes at 0xffffe8 runs past the 16 MiB address space"},
    {HDR "    DMA_LDT acc:2, C[0, 0], 3, 1, fp32\n",
     "4:13: error: DMA_LDT operand 1 (dst): address 0x2 is not aligned to the 4-byte elements of its tile"},
    {HDR "    DMA_LDT spm:0, A[0, 0], 4, 4, fp32\n", "4:35: error: format fp32 does not match buffer A (bf16)"},
    {HDR "    DMA_LDT spm:0, A[0, 0], 4, 0, bf16\n", "4:32: error: a dimension must be between 1 and 65535, got 0"},
    {HDR "    VADD spm:0, spm:0x100, pim:0, 4, 4\n",
     "4:28: error: operand 3 of VADD (b) must be an scratchpad or accumulator-buffer byte address (spm:EXPR | "
     "acc:EXPR), got 'pim:0'"},
    {HDR "    VEXP acc:0, spm0x40, 4, 4\n", "4:17: error: operand 2 of VEXP (src) must be an scratchpad or "
                                            "accumulator-buffer byte address (spm:EXPR | acc:EXPR), got 'spm0x40'"},
    /* an operand quoted in a message is cut after 40 characters (here spm0x40 and 40 a's) */
    {HDR "    VEXP acc:0, spm0x40aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, 4, 4\n",
     "4:17: error: operand 2 of VEXP (src) must be an scratchpad or accumulator-buffer byte address (spm:EXPR | "
     "acc:EXPR), got 'spm0x40aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
    {HDR "    VFILL spm:0x1000000, 1, 1, 0\n", "4:15: error: an address must be between 0 and 16777215, got 16777216"},
    {HDR "    VFILL acc: -4, 1, 1, 0\n", "4:16: error: an address must be between 0 and 16777215, got -4"},
    {HDR "    PIM_CVT pim:65536, 4, 4, int8, bf16\n",
     "4:17: error: a PIM array index must be between 0 and 65535, got 65536"},
    {HDR "    PIM_LD spm:0, R, 3, 5, fp8_e4m3fn, 8\n",
     "4:12: error: operand 1 of PIM_LD (arr) must be a first processing-in-memory array (pim:EXPR), got 'spm:0'"},
    {HDR "    VFILL spm:0xfffffc, 2, 1, 0\n",
     "4:11: error: VFILL operand 1 (dst): tile of 8 bytes at 0xfffffc runs past the 16 MiB address space"},
    {HDR "    VEXP acc:2, spm:0, 4, 4\n",
     "4:10: error: VEXP operand 1 (dst): address 0x2 is not aligned to the 4-byte elements of its tile"},
    {HDR "    VCVT spm:1, spm:0x100, 4, 4, bf16, fp8_e4m3fn, nearest-even\n",
     "4:10: error: VCVT operand 1 (dst): address 0x1 is not aligned to the 2-byte elements of its tile"},
    {HDR ".acc 256\n    VFILL acc:0xc4, 4, 4, 0\n",
     "5:11: error: tile of 64 bytes at acc:0xc4 runs past the accumulator buffer (256 bytes)"},
    {HDR ".spm 1024\n    VFILL spm:0x3f0, 1, 8, 0\n",
     "5:11: error: tile of 32 bytes at spm:0x3f0 runs past the scratchpad (1024 bytes)"},
    {HDR "    MMA_MX acc:0, spm:0, spm:0x1000, spm:0x2000, spm:0x3000, 4, 4, 33, fp8_e4m3, fp8_e4m3, b200-mx, set\n",
     "4:68: error: operand 8 of MMA_MX (k) must be a multiple of 32, got 33"},
    {HDR "    MXDQ acc:0, spm:0, spm:0x100, 4, 16, fp4_e2m1\n",
     "4:38: error: operand 5 of MXDQ (cols) must be a multiple of 32, got 16"},
    {HDR "    VFILL spm:0, 1, 65536, 0\n", "4:21: error: a dimension must be between 1 and 65535, got 65536"},
    {HDR "    VFILL spm:0, -1, 4, 0\n", "4:18: error: a dimension must be between 1 and 65535, got -1"},
    {HDR "    VFILL spm:0, 2*, 4, 0\n", "4:20: error: expected a number or a name"},
    {HDR "    VCVT spm:0, spm:0x100, 4, 4, fp8-e4m3fn, bf16, nearest-even\n",
     "4:34: error: unknown format 'fp8-e4m3fn' (did you mean 'fp8_e4m3fn'?)"},
    {HDR "    VCVT spm:0, spm:0x100, 4, 4, int9, bf16, nearest-even\n",
     "4:34: error: 'int9': integer formats are int1 to int8"},
    {HDR "    VCVT spm:0, spm:0x100, 4, 4, e9m2, bf16, nearest-even\n",
     "4:34: error: 'e9m2': eXmY needs 1 <= X <= 8 exponent and 0 <= Y <= 10 fraction bits"},
    {HDR "    MXQ spm:0, spm:0x400, acc:0, 4, 32, bf16, nearest-even\n",
     "4:41: error: unknown MX element type 'bf16' (expected fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 or int8)"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, H100-bf16, set\n",
     "4:54: error: unknown preset 'H100-bf16' (presets: exact, fp32-seq, h100-bf16, h100-fp8, h100-fp8-fastaccum, "
     "v100-fp16, a100-fp16, ada-fp8, b200-bf16, b200-fp8, b200-mx)"},
    {HDR "    MMA acc:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h100-bf16, accumulate\n",
     "4:65: error: operand 10 of MMA (mode) must be an add to the accumulator tile, or overwrite it (acc | set), got "
     "'accumulate'"},
    {HDR "    MXQ spm:0, spm:0x400, acc:0, 4, 32, fp4_e2m1, nearest\n",
     "4:51: error: operand 7 of MXQ (round) must be a rounding mode (nearest-even|toward-zero|half-away|stochastic), "
     "got 'nearest'"},
    {HDR "    MXQ spm:0, spm:0x400, acc:0, 4, 32, fp4_e2m1, stochastic\n",
     "4:51: error: MXQ operand 7 (round): rounding mode 3 not allowed here (MXQ rounds nearest-even, toward-zero or "
     "half-away)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x7f800000\n",
     "4:24: error: 'nan:0x7f800000' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x1ffc00000\n",
     "4:24: error: 'nan:0x1ffc00000' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x7fc0000g\n",
     "4:24: error: 'nan:0x7fc0000g' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:7fc00000\n",
     "4:24: error: operand 4 of VFILL (v) must be a float32 immediate (FLOAT | nan:0xBITS), got 'nan:7fc00000'"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x+7fc00000\n",
     "4:24: error: 'nan:0x+7fc00000' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x0x7fc00000\n",
     "4:24: error: 'nan:0x0x7fc00000' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x 7fc00000\n",
     "4:24: error: 'nan:0x 7fc00000' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan:0x\n", "4:24: error: 'nan:0x' is not a float32 NaN bit pattern (nan:0x7fc00000)"},
    {HDR "    VFILL spm:0, 4, 4, nan(1)\n",
     "4:24: error: operand 4 of VFILL (v) must be a float32 immediate (FLOAT | nan:0xBITS), got 'nan(1)'"},
    {HDR "    VFILL spm:0, 4, 4, -NaN\n",
     "4:24: error: operand 4 of VFILL (v) must be a float32 immediate (FLOAT | nan:0xBITS), got '-NaN'"},
    {HDR "    VFILL spm:0, 4, 4, 1e39\n",
     "4:24: error: 1e39 is beyond float32's range (its largest value is 3.40282347e+38)"},
    {HDR "    VFILL spm:0, 4, 4, -3.4028236e38\n",
     "4:24: error: -3.4028236e38 is beyond float32's range (its largest value is 3.40282347e+38)"},
    {HDR "    VSCALE spm:0, spm:0, 4, 4, 1e999\n",
     "4:32: error: 1e999 is beyond float32's range (its largest value is 3.40282347e+38)"},
    {HDR "    VFILL spm:0, 4, 4, 1e-50\n",
     "4:24: error: 1e-50 rounds to 0 in float32 (its smallest value is 1.40129846e-45)"},
    {HDR "    VFILL spm:0, 4, 4, -0.000e-10000\n1\n", "5:1: error: expected an instruction or a directive, got '1'"},
    {HDR "    VFILL spm:0, 4, 4, 7e-46\n",
     "4:24: error: 7e-46 rounds to 0 in float32 (its smallest value is 1.40129846e-45)"},
    {HDR "    VFILL spm:0, 4, 4, 1e-45\n",
     "4:24: error: 1e-45 rounds to the float32 subnormal 1.40129846e-45, which is not within float32 precision of it "
     "(write 1.40129846e-45, or 0)"},
    {HDR "    VFILL spm:0, 4, 4, 1e-40\n",
     "4:24: error: 1e-40 rounds to the float32 subnormal 9.9999461e-41, which is not within float32 precision of it "
     "(write 9.9999461e-41, or 0)"},
    {HDR "    VFILL spm:0, 4, 4, 1.5f\n",
     "4:24: error: operand 4 of VFILL (v) must be a float32 immediate (FLOAT | nan:0xBITS), got '1.5f'"},
    {HDR "    VFILL spm:0, 4, 4, 0x3f800000\n",
     "4:24: error: operand 4 of VFILL (v) must be a float32 immediate (FLOAT | nan:0xBITS), got '0x3f800000'"},
    {HDR "    VSCALE acc:0, acc:0, 4, 4, nan\n",
     "4:32: error: operand 5 of VSCALE (s) must be a float32 immediate (FLOAT | nan:0xBITS), got 'nan'"},
    {HDR "    PIM_GEMV spm:0, pim:0, spm:0x100, 4, 4, int8, 0, 8, lut\n",
     "4:51: error: a bit width must be between 1 and 16, got 0"},
    {HDR "    PIM_GEMV spm:0, pim:0, spm:0x100, 4, 4, int8, 8, 8, bit-serial\n",
     "4:57: error: operand 9 of PIM_GEMV (mode) must be a PIM GEMV algorithm (lut | bitserial), got 'bit-serial'"},
    {HDR "    VEXP, acc:0, acc:0, 4, 4\n", "4:9: error: expected a space after the instruction name"},
    {HDR "    VEXP acc:0, acc:0, 4, 4, 4\n", "4:30: error: VEXP takes 4 operands (dst, src, rows, cols), got 5"},
    {HDR "    VEXP acc:0, acc:0, 4, 4,\n", "4:29: error: missing operand"},
    {HDR "    VFILL spm:0, 4, 4\n", "4:5: error: VFILL takes 4 operands (dst, rows, cols, v), got 3"},
};

static void test_operand_diagnostics(void)
{
    CU_ASSERT_EQUAL(check_bad_srcs(operand_srcs, sizeof operand_srcs / sizeof operand_srcs[0], "operands"), 0);
}

/* ---- expressions ---------------------------------------------------------------------------- */

/* Operators point at themselves, numbers at their first digit, bad digits at
** the digit, brackets at the unmatched one (the outer '(' when nested). */
static const bad_src expr_srcs[] = {
    {HDR ".equ BIG, 0x7fffffffffffffff * 2\n", "4:30: error: multiplication overflows a 64-bit integer"},
    {HDR ".equ BIG, 0x7fffffffffffffff + 1\n", "4:30: error: addition overflows a 64-bit integer"},
    {HDR ".equ BIG, -0x7fffffffffffffff - 2\n", "4:31: error: subtraction overflows a 64-bit integer"},
    {HDR ".equ BIG, -(-0x7fffffffffffffff - 1)\n", "4:11: error: negation overflows a 64-bit integer"},
    {HDR ".equ BIG, (-0x7fffffffffffffff - 1) * -1\n", "4:37: error: multiplication overflows a 64-bit integer"},
    {HDR ".equ BIG, (-0x7fffffffffffffff - 1) / -1\n", "4:37: error: division overflows a 64-bit integer"},
    {HDR ".equ BIG, (-0x7fffffffffffffff - 1) / 0\n", "4:37: error: division by zero"},
    {HDR ".equ BIG, (-0x7fffffffffffffff - 1) * 1 - 1\n", "4:41: error: subtraction overflows a 64-bit integer"},
    {HDR ".equ BIG, 9223372036854775808\n", "4:11: error: number too large"},
    {HDR ".equ BIG, 0x10000000000000000\n", "4:11: error: number too large"},
    {HDR ".equ S, 1 << 63\n", "4:11: error: left shift overflows a 64-bit integer"},
    {HDR ".equ S, 1 << -1\n", "4:11: error: shift count -1 is outside 0..63"},
    {HDR ".equ S, -2 << 63\n", "4:12: error: left shift overflows a 64-bit integer"},
    {HDR ".equ S, -0x4000000000000001 << 1\n", "4:29: error: left shift overflows a 64-bit integer"},
    {HDR ".equ S, 1 >> 64\n", "4:11: error: shift count 64 is outside 0..63"},
    {HDR ".equ S, (1 << 62) << 1\n", "4:19: error: left shift overflows a 64-bit integer"},
    {HDR ".equ S, 3 $ 4\n", "4:11: error: unexpected '$' after the expression"},
    {HDR ".equ S, $4\n", "4:9: error: unexpected '$' in expression"},
    {HDR ".equ S, 4 4\n", "4:11: error: unexpected '4' after the expression"},
    {HDR ".equ S, 2 ** 3\n", "4:12: error: unexpected '*' in expression"},
    {HDR ".equ S, 1 + \x01\n", "4:13: error: unexpected byte 0x01 in expression"},
    {HDR ".equ S, (1 + (2 * 3)\n", "4:9: error: '(' is never closed"},
    {HDR ".equ S, (1 + 2))\n", "4:16: error: unbalanced ')'"},
    {HDR ".equ S, ()\n", "4:10: error: unexpected ')' in expression"},
    {HDR ".equ S, 7 % 0\n", "4:11: error: division by zero"},
    {HDR ".equ S, 0b102\n", "4:13: error: invalid digit in a number"},
    {HDR ".equ S, 12abc\n", "4:11: error: invalid digit in a number"},
    {HDR ".equ S, 0x\n", "4:11: error: expected digits"},
    {HDR ".equ S, T + 1\n.equ T, 1\n", "4:9: error: undefined symbol 'T'"},
    {HDR ".equ S, 1 + caf\xc3\xa9\n", "4:13: error: undefined symbol 'caf\xc3\xa9'"},
    {HDR ".equ S, \xc3\xa9t\xc3\xa9 * 2\n", "4:9: error: undefined symbol '\xc3\xa9t\xc3\xa9'"},
    {HDR ".equ S, 2 \xe2\x88\x97 3\n", "4:11: error: unexpected '\xe2\x88\x97' after the expression"},
    {HDR ".equ S, 2 * \xff\n", "4:13: error: unexpected byte 0xff in expression"},
    {HDR ".equ S, 2 * \\1\n", "4:13: error: unexpected '\\\\' in expression"},
    {HDR ".equ S, A + 1\n", "4:9: error: undefined symbol 'A'"},
    {HDR ".equ S, "
         "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))"
         "))))))))))))))))))))))\n",
     "4:73: error: brackets nest too deeply"},
};

static void test_expression_diagnostics(void)
{
    CU_ASSERT_EQUAL(check_bad_srcs(expr_srcs, sizeof expr_srcs / sizeof expr_srcs[0], "expressions"), 0);
}

/* ---- directives ------------------------------------------------------------------------------ */

static const bad_src directive_srcs[] = {
    {HDR ".buffer X, bf16, 4\n", "4:1: error: .buffer takes 4 arguments (name, format, rows, cols), got 3"},
    {HDR ".buffer 2X, bf16, 4, 4\n",
     "4:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got '2X'"},
    {HDR ".buffer X-1, bf16, 4, 4\n", "4:10: error: unexpected character '-' in a name (ASCII letters, digits, _)"},
    {HDR ".buffer \xc3\x84, bf16, 4, 4\n",
     "4:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got '\xc3\x84'"},
    {HDR ".buffer X\xc3\x84, bf16, 4, 4\n",
     "4:10: error: unexpected character '\xc3\x84' in a name (ASCII letters, digits, _)"},
    {HDR ".equ X\xff, 1\n", "4:7: error: unexpected character byte 0xff in a name (ASCII letters, digits, _)"},
    {HDR ".equ X\xe2\x80\xae, 1\n",
     "4:7: error: unexpected character '\\xe2\\x80\\xae' in a name (ASCII letters, digits, _)"},
    {HDR ".buffer \xff\xfe\x01\\, bf16, 4, 4\n",
     "4:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got '\\xff\\xfe\\x01\\\\'"},
    /* 39 letters then \u00e9 twice: the 40 characters shown end on the first whole \u00e9 */
    {HDR ".buffer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9\xc3\xa9, bf16, 4, 4\n",
     "4:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got "
     "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9...'"},
    {HDR ".buffer X, fp8_\xc3\xa9"
         "4m3, 4, 4\n",
     "4:12: error: unknown format 'fp8_\xc3\xa9"
     "4m3' (see 'lpsim formats')"},
    {HDR ".buffer X, e4m3_fn_fnuz, 4, 4\n", "4:12: error: 'e4m3_fn_fnuz': '_fnuz' conflicts with '_fn': a format has "
                                            "one overflow policy (_ieee, _fn, _fnuz or "
                                            "_finite)"},
    {HDR ".data \xc3\xa9t\xc3\xa9, inline\n.enddata\n", "4:7: error: undefined buffer '\xc3\xa9t\xc3\xa9'"},
    {HDR ".data R, hex \"\x1b[2Jx.hex\"\n", "4:14: error: cannot read '\\x1b[2Jx.hex': No such file or directory"},
    {HDR ".\xc3\xa9quate X, 1\n", "4:1: error: unknown directive '.\xc3\xa9quate' (directives: .buffer .data .expect "
                                  ".enddata .equ .for .endfor .spm "
                                  ".acc .kernel .core)"},
    {HDR ".expect R, inline, relerr 1e-400\n.enddata\n",
     "4:27: error: relerr 1e-400: nonzero but rounds to 0 in a double"},
    {HDR ".expect R, inline, maxulp \xc3\xa9\n.enddata\n",
     "4:27: error: maxulp needs a whole number of ULPs >= 0, got '\xc3\xa9'"},
    {HDR ".buffer mma, bf16, 4, 4\n", "4:9: error: 'mma' is an instruction name"},
    {HDR ".buffer ABCDEFGHIJKLMNOPQRSTUVWXYZ012345, bf16, 4, 4\n",
     "4:9: error: expected a name (ASCII letters, digits, _; at most 31 characters), got "
     "'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'"},
    {HDR ".buffer X, bf16, 4, 0x1000001\n",
     "4:21: error: the number of columns must be between 1 and 16777216, got 16777217"},
    {HDR ".buffer X, fp32, 65536, 16385\n", "4:18: error: buffer X would hold more than 4 GiB"},
    {HDR ".buffer X, int9, 4, 4\n", "4:12: error: 'int9': integer formats are int1 to int8"},
    {HDR ".data A\n", "4:1: error: .data takes a buffer, a source (hex \"FILE\", bin \"FILE\" or inline)"},
    {HDR ".expect C\n", "4:1: error: .expect takes a buffer, a source (hex \"FILE\", bin \"FILE\" or inline) and a "
                        "rule (bitexact, maxulp N, relerr X)"},
    {HDR ".data B, inline\n3f80\n.enddata\n", "4:7: error: undefined buffer 'B'"},
    {HDR ".data A, bin\n", "4:13: error: expected a file name in double quotes after 'bin'"},
    {HDR ".data A, hex \"a.hex\n", "4:14: error: unterminated string"},
    {HDR ".data A, inline extra\n.enddata\n",
     "4:10: error: expected hex \"FILE\", bin \"FILE\" or inline, got 'inline extra'"},
    {HDR ".data R, inline, bitexact\n.enddata\n", "4:18: error: unexpected argument to .data"},
    {HDR ".data R, inline\n00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n.enddata\n.data R, inline\n00 01 02 03 04 05 "
         "06 07 08 09 0a 0b 0c 0d 0e\n.enddata\n",
     "7:7: error: buffer R already has contents (line 4)"},
    {HDR
     ".expect R, inline\n00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n.enddata\n.expect R, inline, maxulp 1\n00 01 02 "
     "03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n.enddata\n",
     "7:9: error: buffer R already has expected contents (line 4)"},
    {HDR ".for i = 0, 2\n.expect R, inline\n00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n.enddata\n.endfor\n",
     "5:9: error: buffer R already has expected contents (line 5)"},
    {HDR ".data R, inline\n00 01 02\n03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n.enddata\n",
     "4:10: error: inline data holds 16 elements, buffer R needs 15 (3 x 5)"},
    {HDR ".data R, inline\n1ff\n.enddata\n", "5:1: error: element 0 has more than 2 hex digits for fp8_e4m3fn"},
    {HDR ".buffer F, fp4_e2m1fn, 1, 2\n.data F, inline\n  0 1f\n.enddata\n",
     "6:5: error: element 1: code 1f does not fit fp4_e2m1fn (4 bits)"},
    {HDR ".expect C, inline, maxulp 1.5\n.enddata\n",
     "4:27: error: maxulp needs a whole number of ULPs >= 0, got '1.5'"},
    {HDR ".expect C, inline, relerr -0.1\n.enddata\n", "4:27: error: relerr needs a relative error >= 0, got '-0.1'"},
    {HDR ".expect C, inline, relerr nan\n.enddata\n", "4:27: error: relerr needs a relative error >= 0, got 'nan'"},
    {HDR ".expect C, inline, relerr\n.enddata\n",
     "4:20: error: expected a rule: bitexact, maxulp N or relerr X; got 'relerr'"},
    {HDR ".expect C, inline, bitexact 0\n.enddata\n",
     "4:20: error: expected a rule: bitexact, maxulp N or relerr X; got 'bitexact 0'"},
    {HDR ".expect C, inline, maxulp 2, relerr 0.1\n.enddata\n", "4:30: error: unexpected argument to .expect"},
    {HDR ".enddata\n", "4:1: error: '.enddata' without inline '.data' or '.expect'"},
    /* the one number rule (lp_num.h): no leading 0 before a digit */
    {HDR ".equ K, 010\n", "4:9: error: '010': a leading 0 (octal?): write it in decimal or 0x hex"},
    {HDR ".equ K, 1 + 00\n", "4:13: error: '00': a leading 0 (octal?): write it in decimal or 0x hex"},
    {HDR ".for i = 0, 010\n.endfor\n", "4:13: error: '010': a leading 0 (octal?): write it in decimal or 0x hex"},
    {HDR ".expect C, inline, maxulp 010\n.enddata\n",
     "4:27: error: maxulp '010': a leading 0 (octal?): write it in decimal"},
    {HDR ".expect C, inline, relerr 00.5\n.enddata\n",
     "4:27: error: relerr '00.5': a leading 0 (octal?): write it in decimal"},
    {HDR ".expect C, inline, relerr 0x1p-3\n.enddata\n",
     "4:27: error: relerr needs a relative error >= 0, got '0x1p-3'"},
    {HDR ".expect C, inline, maxulp -0\n.enddata\n", "4:27: error: maxulp needs a whole number of ULPs >= 0, got '-0'"},
    {HDR ".expect C, inline, relerr 1e999\n.enddata\n", "4:27: error: relerr 1e999: too large for a double"},
    /* nothing after a block's closing directive or a data file's name */
    {HDR ".data R, inline\n00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n.enddata junk\n",
     "6:10: error: unexpected 'junk' after .enddata"},
    {HDR ".for i = 0, 2\n.endfor x ; comment\n", "5:9: error: unexpected 'x' after .endfor"},
    {HDR ".for i = 0, 2\n.for j = 0, 2\n  .endfor: \n.endfor\n", "6:10: error: unexpected ':' after .endfor"},
    {HDR ".data R, bin \"r.bin\" junk\n", "4:22: error: unexpected 'junk' after the file name"},
    {HDR ".equ K\n", "4:1: error: .equ takes a name and a value, got 1 argument"},
    {HDR ".equ K, 1, 2\n", "4:1: error: .equ takes a name and a value, got 3 arguments"},
    {HDR ".equ K,\n", "4:8: error: missing operand"},
    {HDR ".equ NOP, 1\n", "4:6: error: 'NOP' is an instruction name"},
    {HDR ".for i = 0, 4, -1\n.endfor\n", "4:16: error: the step must be positive, got -1"},
    {HDR ".for i 0, 4\n.endfor\n", "4:6: error: expected 'VAR = START'"},
    {HDR ".for i = 0\n.endfor\n", "4:1: error: .for takes VAR = START, END [, STEP], got 1 argument"},
    {HDR ".for i = 0, 4, 1, 1\n.endfor\n", "4:1: error: .for takes VAR = START, END [, STEP], got 4 arguments"},
    {HDR ".for i = 0, 2\n  .for i = 0, 2\n  .endfor\n.endfor\n", "5:8: error: 'i' is already a constant"},
    {HDR ".for A = 0, 2\n.endfor\n", "4:6: error: 'A' is already a buffer"},
    {HDR ".for i = 0, n\n.endfor\n", "4:13: error: undefined symbol 'n'"},
    {HDR ".for i = 0, 2\n  .for j = 0, 2\n.endfor\n", "4:1: error: '.for' without '.endfor'"},
    {HDR ".spm 0\n", "4:6: error: the size must be between 1 and 16777216, got 0"},
    {HDR ".acc 0x1000001\n", "4:6: error: the size must be between 1 and 16777216, got 16777217"},
    {HDR ".SPM\n", "4:1: error: .SPM takes one size in bytes"},
    {HDR ".acc 1, 2\n", "4:1: error: .acc takes one size in bytes"},
    {HDR "  .fr i = 0, 4\n", "4:3: error: unknown directive '.fr' (directives: .buffer .data .expect .enddata .equ "
                             ".for .endfor .spm .acc .kernel .core)"},
};

static void test_directive_diagnostics(void)
{
    CU_ASSERT_EQUAL(check_bad_srcs(directive_srcs, sizeof directive_srcs / sizeof directive_srcs[0], "directives"), 0);
}

/* ---- data files ------------------------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const void *bytes, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(bytes, 1, n, f), n);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* A file may be as large as the reader's limit, not larger. */
static void test_read_file_limit_is_inclusive(void)
{
    char path[] = "/tmp/lpt_limit_XXXXXX", *text;
    size_t n;
    lp_diag d;
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "0123456789", 10), 10);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(lp_read_file(path, 10, &text, &n, &d), LP_OK);
    CU_ASSERT(n == 10 && !strcmp(text, "0123456789"));
    free(text);
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(lp_read_file(path, 9, &text, &n, &d), LP_ERR_IO);
    CU_ASSERT_STRING_EQUAL(d.msg, "larger than the limit of 9 bytes");
    unlink(path);
}

/* Contents from hex and bin files: wrong sizes point at the file name in the
** kernel; a bad code points into the data file, at its own line and column
** (hex) or at 1:1 with the element and its byte offset (bin: a raw file has
** no lines), and a bin file is held to the codes a hex file may give. */
static void test_data_file_diagnostics(void)
{
    char dir[] = "/tmp/lpt_pins_XXXXXX", path[256], want[7][512];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    static const char few[] = "# three codes\n00 01\n02\n", six[] = "# fp6 codes\n00 3f\n40 01\n",
                      r15[] = "38 38 38 38 38\n38 38 38 38 38\n38 38 38 38 38\n";
    write_file(dir, "few.hex", few, strlen(few));
    write_file(dir, "six.hex", six, strlen(six));
    write_file(dir, "r15.hex", r15, strlen(r15));
    write_file(dir, "big.bin", "0123456789abcdef", 16);
    write_file(dir, "six.bin", "\x00\x3f\x40\x01", 4);  /* the codes of six.hex, raw */
    write_file(dir, "e5m7.bin", "\xff\x1f\x00\x20", 4); /* 1fff fits 13 bits, 2000 does not */
    write_file(dir, "int4.bin", "\x0f\x08\x07\x10", 4); /* int4: 10 has a fifth bit */
    snprintf(path, sizeof path, "%s/k.s", dir);
    snprintf(want[0], sizeof want[0], "%s:4:14: error: 'few.hex' holds 3 elements, buffer R needs 15 (3 x 5)\n", path);
    snprintf(want[1], sizeof want[1],
             "%s:4:14: error: 'big.bin' holds 16 bytes, buffer R needs 15 (3 x 5 fp8_e4m3fn, 1 bytes each)\n", path);
    snprintf(want[2], sizeof want[2], "%s/six.hex:3:1: error: element 2: code 40 does not fit fp6_e2m3fn (6 bits)\n",
             dir);
    snprintf(want[3], sizeof want[3],
             "%s:4:14: error: cannot read '/nonexistent-lpsim-pins/a.hex': No such file or directory\n", path);
    snprintf(want[4], sizeof want[4],
             "%s/six.bin:1:1: error: element 2 (byte 2): code 40 does not fit fp6_e2m3fn (6 bits)\n", dir);
    snprintf(want[5], sizeof want[5],
             "%s/e5m7.bin:1:1: error: element 1 (byte 2): code 2000 does not fit e5m7_b15_finite (13 bits)\n", dir);
    snprintf(want[6], sizeof want[6],
             "%s/int4.bin:1:1: error: element 3 (byte 3): code 10 does not fit int4 (4 bits)\n", dir);
    const char *srcs[7] = {HDR ".data R, hex \"few.hex\"\n",
                           HDR ".data R, bin \"big.bin\"\n",
                           ".buffer S, fp6_e2m3fn, 1, 4\n.data S, hex \"six.hex\"\n",
                           HDR ".data R, hex \"/nonexistent-lpsim-pins/a.hex\"\n",
                           ".buffer S, fp6_e2m3fn, 1, 4\n.data S, bin \"six.bin\"\n",
                           ".buffer H, e5m7, 1, 2\n.expect H, bin \"e5m7.bin\"\n",
                           ".buffer I, int4, 2, 2\n.data I, bin \"int4.bin\"\n"};
    asm_opts o = {path, 20, false, 0, 0, 0};
    isa_prog p;
    char *diag;
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(assemble_with(&o, srcs[i], strlen(srcs[i]), &p, &diag), LP_ERR_PARSE);
        if (strcmp(diag, want[i])) fprintf(stderr, "\n  data case %d:\n    got:  %s    want: %s", i, diag, want[i]);
        CU_ASSERT_STRING_EQUAL(diag, want[i]);
        free(diag);
    }
    /* the codes that fit are taken, bytes as they are */
    write_file(dir, "e5m7.bin", "\xff\x1f\x00\x10", 4);
    const char *fits = ".buffer H, e5m7, 1, 2\n.data H, bin \"e5m7.bin\"\n";
    CU_ASSERT_EQUAL_FATAL(assemble_with(&o, fits, strlen(fits), &p, &diag), LP_OK);
    CU_ASSERT_EQUAL(memcmp(p.data + p.bufs[0].data_off, "\xff\x1f\x00\x10", 4), 0);
    isa_prog_free(&p);
    free(diag);
    /* an expectation from a hex file keeps its rule: 15 codes 0x38 (1.0) */
    const char *ok = HDR ".expect R, hex \"r15.hex\", maxulp 1\n";
    CU_ASSERT_EQUAL_FATAL(assemble_with(&o, ok, strlen(ok), &p, &diag), LP_OK);
    CU_ASSERT(p.nexpects == 1 && p.expects[0].buf == 2 && p.expects[0].rule == ISA_RULE_MAXULP &&
              p.expects[0].tol == 1.0);
    for (int i = 0; i < 15; i++) CU_ASSERT_EQUAL(p.data[p.expects[0].data_off + (size_t)i], 0x38);
    isa_prog_free(&p);
    free(diag);
    static const char *const names[] = {"few.hex", "six.hex",  "r15.hex",  "big.bin",
                                        "six.bin", "e5m7.bin", "int4.bin", "k.s"};
    for (int i = 0; i < 8; i++) snprintf(path, sizeof path, "%s/%s", dir, names[i]), unlink(path);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* ---- NUL bytes and overlong lines -------------------------------------------------------------- */

static void test_nul_bytes_and_overlong_lines(void)
{
    static const char nul_code[] = "    NOP\0\n    NOP\n", nul_comment[] = "    NOP ; a\0b\n",
                      nul_data[] = HDR ".data R, inline\n00 01\0 02\n.enddata\n";
    static const struct {
        const char *src;
        size_t len;
        const char *want;
    } rows[] = {
        {nul_code, sizeof nul_code - 1, "k.s:1:8: error: NUL byte in the source\n"},
        {nul_comment, sizeof nul_comment - 1, "k.s:1:12: error: NUL byte in the source\n"},
        {nul_data, sizeof nul_data - 1, "k.s:5:6: error: invalid hex digit byte 0x00 in element 1\n"},
    };
    asm_opts o = {"k.s", 20, false, 0, 0, 0};
    isa_prog p;
    char *diag;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CU_ASSERT_EQUAL(assemble_with(&o, rows[i].src, rows[i].len, &p, &diag), LP_ERR_PARSE);
        CU_ASSERT_STRING_EQUAL(diag, rows[i].want);
        free(diag);
    }
    /* a comment line of exactly 4096 bytes is read; one byte more is refused at column 4097 */
    char line[4100];
    memset(line, 'x', sizeof line);
    line[0] = ';';
    memcpy(line + 4096, "\n", 2);
    CU_ASSERT_EQUAL(assemble_with(&o, line, strlen(line), &p, &diag), LP_OK);
    CU_ASSERT_EQUAL(p.ninsns, 0);
    isa_prog_free(&p);
    free(diag);
    memcpy(line + 4096, "x\n", 3);
    CU_ASSERT_EQUAL(assemble_with(&o, line, strlen(line), &p, &diag), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(diag, "k.s:1:4097: error: line longer than 4096 bytes\n");
    free(diag);
}

/* ---- .for: nesting, steps, the expansion limit ---------------------------------------------------- */

static void test_for_loops_nest_step_and_stop(void)
{
    isa_prog p;
    char *diag, src[2048] = "";
    /* 16 nested loops of one iteration each are accepted; a 17th is refused where it opens */
    for (int d = 0; d < 16; d++) snprintf(src + strlen(src), sizeof src - strlen(src), ".for i%d = 0, 1\n", d);
    strcat(src, "    NOP\n");
    for (int d = 0; d < 16; d++) strcat(src, ".endfor\n");
    CU_ASSERT_EQUAL(assemble(src, &p, &diag), LP_OK);
    CU_ASSERT_EQUAL(p.ninsns, 1);
    isa_prog_free(&p);
    free(diag);
    src[0] = 0;
    for (int d = 0; d < 17; d++) snprintf(src + strlen(src), sizeof src - strlen(src), ".for i%d = 0, 1\n", d);
    for (int d = 0; d < 17; d++) strcat(src, ".endfor\n");
    CU_ASSERT_EQUAL(assemble(src, &p, &diag), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(diag, "k.s:17:1: error: .for loops nest deeper than 16\n");
    free(diag);
    /* i = 0, 3, 6, 9 (< 10); then 2^63-8 and 2^63-4: one more step would pass the
    ** end 2^63-1, and computing it must not overflow; then -2, -1, 0; START =
    ** END is an empty range: no iteration; directives in capitals work too */
    CU_ASSERT_EQUAL_FATAL(assemble(".for i = 0, 10, 3\n    VFILL spm:i*4, 1, 1, 0\n.endfor\n"
                                   ".FOR i = 4, 4\n    VFILL spm:0x400, 1, 1, 0\n.ENDFOR\n"
                                   ".equ T, 0x7ffffffffffffff8\n"
                                   ".for i = T, 0x7fffffffffffffff, 4\n    VFILL spm:(i - T) * 4, 1, 1, 0\n.endfor\n"
                                   ".for i = -2, 1\n    VFILL spm:-4 * i, 1, 1, 0\n.endfor\n",
                                   &p, &diag),
                          LP_OK);
    static const uint64_t addrs[] = {0, 12, 24, 36, 0, 16, 8, 4, 0};
    CU_ASSERT_EQUAL_FATAL(p.ninsns, 9);
    for (size_t i = 0; i < 9; i++) CU_ASSERT_EQUAL(insn_at(&p, i).v[0], addrs[i]);
    isa_prog_free(&p);
    free(diag);
    /* the expansion limit counts each line run and each iteration: with a
    ** limit of 100, iteration k of this loop brings the count to 2 + 2k and its
    ** body to 3 + 2k, so the body at k = 49 is the 101st (reported on line 2);
    ** with 101, the 51st iteration itself (count 102) is reported on line 1 */
    const char *loop = ".for i = 0, 1000\n    NOP\n.endfor\n";
    asm_opts o = {"k.s", 20, false, 0, 0, 100};
    CU_ASSERT_EQUAL(assemble_with(&o, loop, strlen(loop), &p, &diag), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(diag, "k.s:2:1: error: the .for loops expand past 100 lines and iterations\n");
    free(diag);
    o.max_lines = 101;
    CU_ASSERT_EQUAL(assemble_with(&o, loop, strlen(loop), &p, &diag), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(diag, "k.s:1:1: error: the .for loops expand past 101 lines and iterations\n");
    free(diag);
}

/* ---- spellings accepted at the limits --------------------------------------------------------------- */

static void test_operands_accepted_at_their_limits(void)
{
    isa_prog p;
    char *diag;
    const char *src = HDR ".equ BIG, 1 << 62\n"
                          ".equ MIN, -0x7fffffffffffffff - 1\n"
                          ".spm 0x1000000\n"
                          ".acc 256\n"
                          "    DMA_LD acc:0, C[60, 62], 4, 2, fp32\n"
                          "    DMA_LD spm:0, A [63, 63], 1, 1, bf16\n"
                          "    VFILL SPM:0xfffff0, 1, 4, -0.0\n"
                          "    VFILL acc:0xc0, 4, 4, nan:0xffc00001\n"
                          "    VFILL spm:(((BIG >> 60))), 1, 65535, NAN:0x7f800001\n"
                          "    PIM_GEMV spm:0, pim:65535, spm:0x100, 4, 4, int8, 16, 16, LUT\n"
                          "    MXQ spm:0, spm:0x400, spm:0x800, 4, 32, fp8_e4m3fn, toward-zero\n"
                          "    mma acc:0, spm:0, spm:0x40, 8, 8, 8, bf16, bf16, h100-bf16, ACC\n"
                          "    VFILL spm:MIN + 0x7fffffffffffffff + 1, 1, 1, 1.40129846e-45\n"
                          "    VCVT spm:0xffffff, spm:0, 1, 1, fp8_e4m3fn, bf16, stochastic\n";
    CU_ASSERT_EQUAL_FATAL(assemble(src, &p, &diag), LP_OK);
    CU_ASSERT_EQUAL_FATAL(p.ninsns, 10);
    /* instruction, operand, value: C[60, 62] is 8192 + (60 * 64 + 62) * 4 = 23800; A[63, 63] is
    ** (63 * 64 + 63) * 2 = 8190; 2^62 >> 60 = 4; MIN + MAX + 1 = 0; 1.40129846e-45 (9 digits) is 2^-149;
    ** fp8_e4m3fn names the MX element fp8_e4m3; h100-bf16 is preset 2 */
    static const struct {
        int insn, op;
        uint64_t v;
    } want[] = {
        {0, 0, ISA_MEM_ACC},
        {0, 1, 23800 | UINT64_C(64) << ISA_DRAM_ADDR_BITS},
        {1, 1, 8190 | UINT64_C(64) << ISA_DRAM_ADDR_BITS},
        {2, 0, 0xfffff0},
        {2, 3, 0x80000000},
        {3, 0, ISA_MEM_ACC | 0xc0},
        {3, 3, 0xffc00001},
        {4, 0, 4},
        {4, 2, 65535},
        {4, 3, 0x7f800001},
        {5, 1, 65535},
        {5, 6, 16},
        {5, 7, 16},
        {5, 8, 0},
        {6, 2, 0x800},
        {6, 5, MX_FP8_E4M3},
        {6, 6, MF_RTZ},
        {7, 8, 2},
        {7, 9, 1},
        {8, 0, 0},
        {8, 3, 0x00000001},
        {9, 0, 0xffffff},
        {9, 6, MF_RSR},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t got = insn_at(&p, (size_t)want[i].insn).v[want[i].op];
        if (got != want[i].v)
            lpt_mismatch(&bad, "insn %d operand %d: got 0x%llx want 0x%llx", want[i].insn, want[i].op,
                         (unsigned long long)got, (unsigned long long)want[i].v);
    }
    CU_ASSERT_EQUAL(bad, 0);
    isa_prog_free(&p);
    free(diag);
}

/* ---- exact arithmetic at the limits ------------------------------------------------------------- */

/* Results that fit 64 bits are exact, however they are reached: -1 << 63 is
** INT64_MIN, INT64_MIN % -1 is 0 (C leaves it undefined), >> rounds toward
** minus infinity, a negative value shifts left as a multiplication. A .for
** whose next value would pass INT64_MAX stops without computing it. Float
** immediates at float32's limits are taken exactly. */
static void test_arithmetic_exact_at_its_limits(void)
{
    isa_prog p;
    char *diag;
    const char *src = ".equ MIN, -0x7fffffffffffffff - 1\n"
                      "    VFILL spm:4 * -((-1 << 63) >> 63), 1, 1, 3.40282347e38\n"     /* 4 */
                      "    VFILL spm:MIN % -1, 1, 1, -3.4028235e38\n"                    /* 0; rounds to -FLT_MAX */
                      "    VFILL spm:-(-1 << 2) * 2, 1, 1, 1.17549435e-38\n"             /* 8; FLT_MIN */
                      "    VFILL spm:(1 >> 63) + 12, 1, 1, 1.17549421e-38\n"             /* 12; the largest subnormal */
                      "    VFILL spm:(MIN / -2) >> 58, 1, 1, -1.40129846e-45\n"          /* 2^62 >> 58 = 16; -2^-149 */
                      "    VFILL spm:(-7 >> 1) + 24, 1, 1, 2.80259693e-45\n"             /* -4 + 24 = 20; 2^-148 */
                      "    VFILL spm:-(MIN + 1) - 0x7fffffffffffffff + 24, 1, 1, -INF\n" /* 24 */
                      ".for i = -1, 0x7fffffffffffffff, 0x4000000000000000\n"            /* i = -1, 2^62 - 1 */
                      "    VFILL spm:(i & 0xff) * 4, 1, 1, 0\n"                          /* 0x3fc, 0x3fc */
                      ".endfor\n";
    static const uint64_t addrs[] = {4, 0, 8, 12, 16, 20, 24, 0x3fc, 0x3fc};
    static const uint32_t bits[] = {0x7f7fffff, 0xff7fffff, 0x00800000, 0x007fffff, 0x80000001, 0x00000002, 0xff800000};
    CU_ASSERT_EQUAL_FATAL(assemble(src, &p, &diag), LP_OK);
    CU_ASSERT_EQUAL_FATAL(p.ninsns, 9);
    for (size_t i = 0; i < 9; i++) {
        isa_insn in = insn_at(&p, i);
        CU_ASSERT_EQUAL(in.v[0], addrs[i]);
        if (i < 7) CU_ASSERT_EQUAL(in.v[3], bits[i]);
        if (in.v[0] != addrs[i] || (i < 7 && in.v[3] != bits[i]))
            fprintf(stderr, "\n  insn %zu: spm:0x%llx, 0x%08llx", i, (unsigned long long)in.v[0],
                    (unsigned long long)in.v[3]);
    }
    isa_prog_free(&p);
    free(diag);
}

/* ---- architecture files: every section --------------------------------------------------------------- */

typedef struct bad_yaml {
    const char *text, *want;
} bad_yaml;

/* Values point at the value, unknown and duplicate keys at the key. Columns:
** "  banks: 0" has its value at 10, "  exp_cycles: 0" at 15, and so on. */
static const bad_yaml bad_yamls[] = {
    {"spm:\n  bank_byts: 16\n", "2:3: error: unknown key 'bank_byts' in spm (did you mean 'bank_bytes'?)"},
    {"spm:\n  ports: 65\n", "2:10: error: spm.ports must be between 1 and 64, got 65"},
    {"spm:\n  banks: 4\n  banks: 8\n", "3:3: error: duplicate key 'banks'"},
    {"acc:\n  banks: 0\n", "2:10: error: acc.banks must be between 1 and 1024, got 0"},
    {"acc:\n  portz: 2\n", "2:3: error: unknown key 'portz' in acc (did you mean 'ports'?)"},
    {"acc:\n  energy_pj_per_byte: cheap\n", "2:23: error: acc.energy_pj_per_byte must be a number, got 'cheap'"},
    {"dma:\n  engines: 0\n", "2:12: error: dma.engines must be between 1 and 64, got 0"},
    {"dma:\n  engines: two\n", "2:12: error: dma.engines must be a whole number, got 'two'"},
    {"dma:\n  burst_byte: 64\n", "2:3: error: unknown key 'burst_byte' in dma (did you mean 'burst_bytes'?)"},
    {"dma:\n  egnines: 2\n", "2:3: error: unknown key 'egnines' in dma (did you mean 'engines'?)"},
    {"spm:\n  bank_bits: 16\n", "2:3: error: unknown key 'bank_bits' in spm (did you mean 'bank_bytes'?)"},
    {"queues:\n  size: 4\n", "2:3: error: unknown key 'size' in queues (see 'lpsim arch --keys')"},
    {"dram:\n  latency_ns: -5\n", "2:15: error: dram.latency_ns must be between 0 and 100000 ns, got -5"},
    {"vector:\n  exp_cycles: 0\n", "2:15: error: vector.exp_cycles must be between 0.01 and 1000 cycles, got 0"},
    {"vector:\n  reduce_cycles: 2000\n",
     "2:18: error: vector.reduce_cycles must be between 0.01 and 1000 cycles, got 2000"},
    {"vector:\n  lanes: wide\n", "2:10: error: vector.lanes must be a whole number, got 'wide'"},
    {"vector:\n  energy_pj_per_op: -1\n", "2:21: error: vector.energy_pj_per_op must be between 0 and 1000 pJ, got -1"},
    {"queues:\n  depth: 0\n", "2:10: error: queues.depth must be between 1 and 4096, got 0"},
    {"queues:\n  dept: 4\n", "2:3: error: unknown key 'dept' in queues (did you mean 'depth'?)"},
    {"queue:\n  depth: 4\n", "1:1: error: unknown key 'queue' (did you mean 'queues'?)"},
    {"matrix:\n  formats:\n    - {format: bf16, macs_per_cycle: 1, energy_pj_per_mac: -1}\n",
     "3:38: error: matrix.formats[0]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0"},
    {"matrix:\n  formats:\n    - {format: bf16, macs_per_cycle: 1}\n    - {format: int8, macs_per_cycle: 2e9}\n",
     "4:38: error: matrix.formats[1]: macs_per_cycle must be in (0, 1e9] and energy_pj_per_mac >= 0"},
    {"matrix:\n  formats:\n    - {format: bf16, macs_per_cycle: 1, energy: 2}\n",
     "3:41: error: unknown key 'energy' in matrix.formats[0] (see 'lpsim arch --keys')"},
    {"matrix:\n  formats:\n    - format: bf16\n      macs_per_cycle: lots\n",
     "4:23: error: matrix.formats[0].macs_per_cycle must be a number, got 'lots'"},
    {"matrix:\n  formats:\n    - {macs_per_cycle: 4}\n", "3:7: error: matrix.formats[0] needs 'format'"},
    {"matrix:\n  formats:\n    - {format: int8, macs_per_cycle: 4}\n    - {format: int9, macs_per_cycle: 4}\n",
     "4:16: error: matrix.formats[1].format: 'int9': integer formats are int1 to int8"},
};

static void test_arch_diagnostics_in_every_section(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof bad_yamls / sizeof bad_yamls[0]; i++) {
        arch_cfg *a = NULL;
        lp_diag d;
        char got[600], want[600];
        lp_status st = arch_load_text(bad_yamls[i].text, strlen(bad_yamls[i].text), "a.yaml", &a, &d);
        snprintf(got, sizeof got, "%s:%d:%d: error: %s", d.file, d.line, d.col, d.msg);
        snprintf(want, sizeof want, "a.yaml:%s", bad_yamls[i].want);
        if (st == LP_OK || a || strcmp(got, want))
            lpt_mismatch(&bad, "yaml row %zu:\n    got:  %s\n    want: %s", i, got, want);
        arch_free(a);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

CU_TestInfo lpt_pins_tests[] = {
    {"asm/dram_column_past_the_buffer", test_dram_column_past_the_buffer},
    {"asm/operand_diagnostics", test_operand_diagnostics},
    {"asm/expression_diagnostics", test_expression_diagnostics},
    {"asm/directive_diagnostics", test_directive_diagnostics},
    {"asm/data_file_diagnostics", test_data_file_diagnostics},
    {"asm/read_file_limit_is_inclusive", test_read_file_limit_is_inclusive},
    {"asm/nul_bytes_and_overlong_lines", test_nul_bytes_and_overlong_lines},
    {"asm/for_loops_nest_step_and_stop", test_for_loops_nest_step_and_stop},
    {"asm/operands_accepted_at_their_limits", test_operands_accepted_at_their_limits},
    {"asm/arithmetic_exact_at_its_limits", test_arithmetic_exact_at_its_limits},
    {"arch/diagnostics_in_every_section", test_arch_diagnostics_in_every_section},
    CU_TEST_INFO_NULL,
};
