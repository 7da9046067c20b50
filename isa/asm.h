/*
** asm.h — the assembler of lpsim's tile ISA: kernel source text in, a program
** (instructions, DRAM buffers with contents, expected outputs) out.
**
** Every mistake is reported as FILE:LINE:COL: error: ... (data files report
** their own line and column); after an error the assembler goes on with the
** next line, up to max_errors diagnostics. It never crashes on any input.
** Syntax: docs/isa.md, or `lpsim asm --help-isa`.
*/
#ifndef ISA_ASM_H
#define ISA_ASM_H

#include <stdbool.h>
#include <stdio.h>

#include "lp_diag.h"
#include "prog.h"

typedef struct asm_opts {
    const char *path;   /* shown in diagnostics; data file paths are relative to its folder */
    int max_errors;     /* 0: 20 */
    bool no_files;      /* refuse to read data files (fuzzing) */
    uint64_t spm_bytes; /* limits for tile checks; 0: 16 MiB, or the .spm directive */
    uint64_t acc_bytes;
    uint64_t max_lines; /* lines and .for iterations processed at most; 0: 2^26 */
} asm_opts;

typedef struct asm_diags {
    lp_diag *items;
    int n, cap;
    char **names; /* file names the diagnostics point into (owned) */
    int nnames;
    bool truncated; /* more errors than max_errors */
} asm_diags;

/* Assemble len bytes of src. On success (LP_OK) *out holds the program; on
** failure (LP_ERR_PARSE, or LP_ERR_NOMEM) the diagnostics say why and *out is
** freed. out is initialised here; dg must be zeroed by the caller and freed
** with asm_diags_free. */
lp_status asm_assemble(const char *src, size_t len, const asm_opts *o, isa_prog *out, asm_diags *dg);

void asm_diags_print(const asm_diags *dg, FILE *f);
void asm_diags_free(asm_diags *dg);

/* Print a program as assembly that assembles to the identical binary
** (buffer contents and expectations inline; .kernel and .core lines in a
** program with kernels). */
void asm_disassemble(const isa_prog *p, FILE *f);

/* A listing: buffers, expectations, then each instruction's index, 32-byte
** word in hex and assembly (the golden files of examples/ are listings); in a
** program with kernels a comment line "; kernel K NAME, core C" where each
** section begins. */
void asm_listing(const isa_prog *p, FILE *f);

/* The reference page of the instruction set and directives (Markdown). */
void asm_print_reference(FILE *f);

#endif
