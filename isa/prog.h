/*
** prog.h — a program of the tile ISA with its data: instructions (32-byte
** words), DRAM buffers (name, format, shape, address, initial contents) and
** expected outputs with a comparison rule. The assembler builds one, a .lpt
** file stores one, the simulator runs one.
**
** .lpt layout, little-endian: a 64-byte header ("LPSIMTRC", version, header
** size, instruction count, buffer count, expectation count, data bytes, DRAM
** bytes; in version 3 kernel and section counts), the instruction words,
** 64-byte buffer records, 32-byte expectation records, the data blob, then
** (version 3 only) 40-byte kernel records and 24-byte section records. A
** reader checks every count, offset, name, code and operand against the file
** before anything is used.
**
** Elements are stored in isa_elem_bytes() bytes each, little-endian, row-major;
** buffers are laid out in declaration order at 64-byte aligned addresses.
*/
#ifndef ISA_PROG_H
#define ISA_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "lp_diag.h"

#define ISA_TRACE_MAGIC "LPSIMTRC"
/* Version 2: formats, MX element types, presets and rounding modes are
** stored as the stable codes of their tables (version 1 stored row numbers,
** which a new row would have silently changed; it is refused). */
#define ISA_TRACE_VERSION 2u
/* Version 3: version 2 plus kernel and section tables after the data, written
** only for programs that declare kernels (nkernels > 0); programs without
** keep version 2, byte for byte. */
#define ISA_TRACE_VERSION_KERNELS 3u
#define ISA_NAME_MAX 32
#define ISA_MAX_INSNS (UINT64_C(1) << 24) /* 16 Mi instructions, 512 MiB of code */
#define ISA_MAX_DATA (UINT64_C(1) << 31)  /* 2 GiB of buffer contents */
#define ISA_MAX_BUFFERS 4096
#define ISA_BUFFER_ALIGN 64
#define ISA_MAX_DIM (UINT32_C(1) << 24)          /* rows or columns of a buffer */
#define ISA_MAX_BUFFER_BYTES (UINT64_C(1) << 32) /* 4 GiB */

/* Comparison rules of expected outputs; the values are their stable codes in
** .lpt expectation records (pinned by a test). */
typedef enum isa_rule { ISA_RULE_BITEXACT = 0, ISA_RULE_MAXULP = 1, ISA_RULE_RELERR = 2, ISA_RULE_COUNT } isa_rule;

/* "bitexact", "maxulp" or "relerr" (as the assembler spells them). */
const char *isa_rule_name(isa_rule r);

typedef struct isa_buffer {
    char name[ISA_NAME_MAX];
    uint32_t fmt; /* isa_fmt_code */
    uint32_t rows, cols;
    uint64_t addr; /* DRAM byte address */
    bool has_data; /* else zero-initialised */
    uint64_t data_off;
    uint64_t bytes; /* rows * cols * element bytes (derived, not stored in files) */
} isa_buffer;

/* How an expected output is compared with what the run left in its buffer:
** BITEXACT every code equal; MAXULP float elements at most tol units in the
** last place of the format apart (NaN only against NaN); RELERR normwise,
** |got - want| <= tol * max |want| (the maximum over the buffer's finite
** values), NaN only against NaN, an infinity only against itself. */
typedef struct isa_expect {
    uint32_t buf;
    isa_rule rule;
    double tol; /* ULPs (maxulp) or relative error (relerr); 0 for bitexact */
    uint64_t data_off;
} isa_expect;

/* Kernels and cores. A program is a sequence of kernels (one operation each:
** a GEMM, an attention, a norm); kernel k+1 starts on every core once every
** core has finished kernel k. Within a kernel each core runs its own stream of
** instructions, a section: instructions [first, first + count) of the
** program. Sections lie in program order, back to back, covering every
** instruction; a core has at most one section per kernel. A program that
** declares none (nsecs == 0) is one kernel named ISA_KERNEL_DEFAULT whose
** only section, on core 0, holds every instruction: what single-core
** programs have always been. */
#define ISA_KERNEL_DEFAULT "main"
#define ISA_MAX_CORES 65536u
#define ISA_MAX_KERNELS 65536u

typedef struct isa_section {
    uint32_t kernel;       /* index into kernels */
    uint32_t core;         /* the core that runs it, < ISA_MAX_CORES */
    uint64_t first, count; /* its instructions */
} isa_section;

typedef struct isa_kernel {
    char name[ISA_NAME_MAX];   /* the operation, e.g. "q_proj"; names may repeat */
    uint32_t first_sec, nsecs; /* its sections: secs[first_sec .. first_sec + nsecs) */
} isa_kernel;

typedef struct isa_prog {
    uint8_t *code; /* ninsns words of ISA_WORD_BYTES */
    size_t ninsns, cap_insns;
    isa_buffer *bufs;
    size_t nbufs, cap_bufs;
    isa_expect *expects;
    size_t nexpects, cap_expects;
    uint8_t *data;
    size_t ndata, cap_data;
    uint64_t dram_bytes; /* end of the last buffer */
    isa_kernel *kernels; /* none, or every kernel (see above) */
    size_t nkernels, cap_kernels;
    isa_section *secs;
    size_t nsecs, cap_secs;
    /* where each instruction came from when the program was assembled (not
    ** stored in .lpt files): its line and column in src_path; NULL otherwise */
    char *src_path;
    uint32_t *src_line, *src_col;
    size_t cap_src;
    /* a float64 reference of one output buffer for the error report (qerr.h;
    ** not stored in .lpt files, so a program read from one has none): the
    ** values of buffer ref_buf computed from the workload's unquantised
    ** inputs, one per element; an output decoded from the buffer times
    ** ref_scale is in the reference's units (undoing per-tensor input
    ** scales). NULL when the program carries none. */
    double *ref;
    uint32_t ref_buf;
    double ref_scale;
} isa_prog;

void isa_prog_init(isa_prog *p);
void isa_prog_free(isa_prog *p);

/* Bytes of a buffer's contents (rows * cols * element bytes). */
uint64_t isa_buffer_bytes(const isa_buffer *b);
/* The format of a buffer (its code is valid in any program that passed checks). */
void isa_buffer_format(const isa_buffer *b, mf_format *f);
/* The value of a dram operand naming element (r, c) of buffer b: its byte
** address with the buffer's width as the row pitch (isa.def). r and c within
** the buffer (the caller's contract). */
uint64_t isa_prog_dram(const isa_prog *p, int b, uint64_t r, uint64_t c);
/* Index of the buffer named name, or -1. */
int isa_prog_find(const isa_prog *p, const char *name);
/* Index of the buffer holding DRAM byte address addr, or -1. */
int isa_prog_buffer_at(const isa_prog *p, uint64_t addr);

/* Begin a kernel named name (truncated to ISA_NAME_MAX - 1 bytes): the
** instructions added after it belong to it, on core 0 until
** isa_prog_begin_core says otherwise. The first call puts the instructions
** added before it, if any, in a kernel ISA_KERNEL_DEFAULT on core 0. LP_OK,
** LP_ERR_RANGE (more than ISA_MAX_KERNELS) or LP_ERR_NOMEM. */
lp_status isa_prog_begin_kernel(isa_prog *p, const char *name);
/* The instructions added after this run on core `core` of the current kernel
** (one begun with isa_prog_begin_kernel, or else ISA_KERNEL_DEFAULT begun
** here, holding the instructions added so far on core 0). An empty last
** section is reused, not kept: only a kernel's last section can be empty.
** LP_OK, LP_ERR_RANGE (core >= ISA_MAX_CORES) or LP_ERR_ARG (the core already
** has a section in this kernel), LP_ERR_NOMEM. */
lp_status isa_prog_begin_core(isa_prog *p, uint32_t core);
/* The program's kernels and sections, the implicit ones of a program that
** declares none included (then kernels and secs point at k1 and s1: use the
** layout where it was filled, never a copy; valid until p changes). */
typedef struct isa_layout {
    const isa_kernel *kernels;
    size_t nkernels;
    const isa_section *secs;
    size_t nsecs;
    isa_kernel k1;
    isa_section s1;
} isa_layout;
void isa_prog_layout(const isa_prog *p, isa_layout *l);
/* The number of kernels, the implicit one included. */
size_t isa_prog_nkernels(const isa_prog *p);
/* The highest core any section names, plus one (1 for a program without sections). */
uint32_t isa_prog_cores(const isa_prog *p);

/* Append; LP_ERR_NOMEM or LP_ERR_RANGE (limits above: rows and columns
** 1..ISA_MAX_DIM, at most ISA_MAX_BUFFER_BYTES a buffer) on failure. */
lp_status isa_prog_add_insn(isa_prog *p, const isa_insn *in);
lp_status isa_prog_add_buffer(isa_prog *p, const char *name, uint32_t fmt, uint32_t rows, uint32_t cols);
/* Reserve n bytes of data; *off receives their offset. */
lp_status isa_prog_add_data(isa_prog *p, const void *bytes, size_t n, uint64_t *off);

/* Buffer b's initial contents (expect false), or its expected output compared
** by rule with tolerance tol (expect true; one expectation per buffer), from
** n element codes stored at the buffer format's element bytes, little-endian,
** after the data so far. Generators' one way to put data. LP_OK or
** LP_ERR_NOMEM. */
lp_status isa_prog_put_codes(isa_prog *p, int b, const uint32_t *codes, size_t n, bool expect, isa_rule rule,
                             double tol);

/* Give the program the float64 reference of buffer b (see isa_prog.ref):
** ref, malloc'd, holds rows x cols values and becomes the program's (freed
** by isa_prog_free; a reference set before is freed). b is a buffer of p
** (the caller's contract). */
void isa_prog_set_ref(isa_prog *p, int b, double *ref, double scale);

/* Record that instruction i was assembled from path:line:col (the arrays
** grow with the program). LP_OK or LP_ERR_NOMEM. */
lp_status isa_prog_set_source(isa_prog *p, size_t i, const char *path, uint32_t line, uint32_t col);

/* Place d at instruction i's source position (or FILE:1:1 of fallback, for a
** program read from a .lpt file) and return its status. */
lp_status isa_prog_locate(const isa_prog *p, size_t i, const char *fallback, lp_diag *d);

/* Check an instruction's DRAM operands against the buffers: the address lies
** in a buffer, the row pitch is its width, the tile fits, the format matches.
** LP_OK, or LP_ERR_RANGE with the operand index in *bad_op and d's message
** (no position; d may be NULL). */
lp_status isa_prog_check_dram(const isa_prog *p, const isa_insn *in, int *bad_op, lp_diag *d);

/* Serialise to .lpt bytes (malloc'd, caller frees): version 2 for a program
** without kernels, version 3 (with the kernel and section tables) otherwise. */
lp_status isa_prog_serialize(const isa_prog *p, uint8_t **out, size_t *len);
/* Parse .lpt bytes into *p (initialised here). LP_OK, or LP_ERR_PARSE with
** d's message (no position; d may be NULL) naming the byte offset of the
** problem. Never trusts the input, and accepts only what the assembler could
** have written, so that every program read disassembles into source that
** assembles again: buffer names that are not instruction names, shapes within
** the assembler's limits, element codes that fit their format, at most one
** expectation per buffer, tolerances it can spell (+0 for bitexact; no sign;
** whole numbers of ULPs), and a data section laid out as it lays it out (one
** block per initialised buffer and per expectation, each of its buffer's
** size, back to back, expectations in record order); in version 3 kernels
** and sections as isa_prog_begin_kernel and isa_prog_begin_core lay them out
** (valid names; sections back to back in program order covering every
** instruction, each kernel's contiguous, one per core per kernel, cores below
** ISA_MAX_CORES, empty only as a kernel's last). */
lp_status isa_prog_parse(const uint8_t *buf, size_t len, isa_prog *p, lp_diag *d);

/* File versions; diagnostics "FILE:1:1: error: ..." (a binary has no lines). */
lp_status isa_prog_write(const isa_prog *p, const char *path, lp_diag *d);
lp_status isa_prog_read(const char *path, isa_prog *p, lp_diag *d);

#endif
