/*
** isa.h — lpsim's tile instruction set: the instructions of isa.def, their
** 32-byte binary encoding, and their decoding into unit operations (the
** operation each performs, its operands by name, the memory it touches).
**
** An instruction word is 32 bytes: byte 0 the opcode, then the operand fields
** of the instruction's signature packed least-significant bit first at the
** widths of isa_kinds.def; every unused bit is zero (a decoder rejects words
** where it is not, so a binary has one meaning and one spelling). Formats,
** MX element types, presets and rounding modes are stored as the stable codes
** of their tables.
**
** Memory spaces (mem.h): DRAM (named buffers, byte addresses), SPM
** (scratchpad), ACC (float32 accumulator buffer), PIM (arrays, by index).
** Dependencies between instructions are implicit in the ranges they touch.
*/
#ifndef ISA_H
#define ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"
#include "lp_status.h"
#include "mf.h"
#include "units.h"

typedef enum isa_op {
#define ISA_OP(mn, opcode, op, operands, doc) ISA_##mn,
#include "isa.def"
#undef ISA_OP
    ISA_OP_COUNT
} isa_op;

typedef enum isa_kind {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) ISA_##id,
#include "isa_kinds.def"
#undef ISA_KIND
    ISA_KIND_COUNT
} isa_kind;

#define ISA_WORD_BYTES 32
#define ISA_MAX_OPERANDS 12
#define ISA_MAX_RANGES UNIT_MAX_RANGES
#define ISA_ADDR_BITS 24 /* SPM and ACC addresses: 16 MiB */
#define ISA_DRAM_ADDR_BITS 40
#define ISA_MEM_ACC (UINT64_C(1) << 24) /* bit of a mem operand that selects ACC */

/* A footprint: the tile an operand reads and/or writes (see isa.def). */
typedef struct isa_foot {
    bool read, write;
    int rows_op, cols_op;   /* operand index of the dimension, or -1 for the constant 1 */
    int rows_div, cols_div; /* 1 or 32 */
    int type_op;            /* operand index of a fmt or mx operand, or -1 */
    int type_bytes;         /* when type_op is -1: 4 (f32) or 1 (u8) */
} isa_foot;

typedef struct isa_operand_info {
    char name[16];
    isa_kind kind;
    int multiple; /* a dim that must be a multiple of this (1 = any) */
    bool has_foot;
    isa_foot foot;
    size_t field; /* offset of the unit_op field the operand fills */
} isa_operand_info;

typedef struct isa_info {
    const char *mnemonic;
    uint8_t opcode;
    unit_op_id op;         /* the unit operation it performs */
    unit_class cls;        /* the class of unit that executes it */
    const char *signature; /* the operand string of isa.def */
    const char *doc;
    int nops;
    isa_operand_info ops[ISA_MAX_OPERANDS];
} isa_info;

/* An instruction as encoded. Operand values by kind: spm/acc/pim byte address
** or index; mem: address | ISA_MEM_ACC for ACC; dram: byte address | pitch
** (elements) << 40; dim/bits: the number; fmt: isa_fmt_code(); mx, preset,
** round: the stable code of the type, preset or mode; accmode: 1 acc, 0 set;
** f32: bits; gemv: 0 lut, 1 bitserial. */
typedef struct isa_insn {
    isa_op op;
    uint64_t v[ISA_MAX_OPERANDS];
} isa_insn;

/* Table access; the signatures are parsed once (thread-safe). */
const isa_info *isa_get(isa_op op);
/* Instruction by mnemonic, any case; -1 if none. */
int isa_lookup(const char *mnemonic);
/* Instruction by opcode; -1 if none. */
int isa_by_opcode(uint8_t opcode);
const char *isa_kind_name(isa_kind k);
const char *isa_kind_syntax(isa_kind k);
const char *isa_kind_help(isa_kind k);
int isa_kind_bits(isa_kind k);
/* The word of value v (0 or 1) of a two-valued kind (accmode, gemv), or NULL. */
const char *isa_kind_choice(isa_kind k, uint64_t v);

/* Format codes of fmt operands (24 bits): the stable codes of named formats
** (mf.def), intN, or the fields of a parametric minifloat. isa_fmt_decode
** fills f and returns LP_OK, or LP_ERR_FORMAT for a code that names no format. */
uint32_t isa_fmt_code(const mf_format *f);
lp_status isa_fmt_decode(uint32_t code, mf_format *f);
/* Bytes one element takes in memory: 1 (<= 8 bits), 2 (<= 16) or 4. */
int isa_elem_bytes(const mf_format *f);
/* Bits one element takes as the timing and cost faces store it: its width
** when narrower than a byte (packed: FP4 and int4 two to a byte, FP6 four to
** three bytes), else 8 (its isa_elem_bytes bytes as they are). What
** mem_range.packed_bits holds. */
int isa_packed_bits(const mf_format *f);
/* Bytes n elements take so stored: ceil(n * bits / 8) when packed, else
** n * isa_elem_bytes. */
uint64_t isa_packed_bytes(const mf_format *f, uint64_t n);

/* Encode into a 32-byte word. Values must fit their fields (asserted; the
** assembler checks them first). */
void isa_encode(const isa_insn *in, uint8_t out[ISA_WORD_BYTES]);

/* Decode and validate a word: known opcode, zero unused bits, every operand a
** valid value of its kind. LP_OK, or LP_ERR_PARSE with d's message (no
** position; d may be NULL). */
lp_status isa_decode(const uint8_t word[ISA_WORD_BYTES], isa_insn *out, lp_diag *d);

/* The word with the byte address of every DRAM operand zeroed (its row pitch
** kept): two instructions with equal keys take the same cycles, as timing
** never depends on where in DRAM a tile lies. A word with an unknown opcode
** is its own key. */
void isa_word_timing_key(const uint8_t word[ISA_WORD_BYTES], uint8_t key[ISA_WORD_BYTES]);

/* Check the operand values of a decoded or assembled instruction (ranges,
** multiples, known codes); LP_OK, or LP_ERR_RANGE naming the operand index in
** *bad_op (may be NULL) with d's message (no position; d may be NULL). */
lp_status isa_check_values(const isa_insn *in, int *bad_op, lp_diag *d);

/* The unit operation of a checked instruction: op->what, every operand in the
** field of its name (codes resolved to formats, element types, presets), and
** op->r the ranges it reads and writes, in operand order. */
void isa_to_op(const isa_insn *in, unit_op *op);

/* The memory ranges the instruction reads and writes (pim and dram included),
** from the footprints of its operands; returns their number. */
int isa_ranges(const isa_insn *in, mem_range out[ISA_MAX_RANGES]);

/* Bytes of an operand's footprint tile (rows x cols x element bytes), or 0. */
uint64_t isa_foot_bytes(const isa_insn *in, int operand);

#endif
