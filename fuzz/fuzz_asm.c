/*
** fuzz_asm.c — libFuzzer harness for the assembler: any bytes as kernel
** source. Reading data files is disabled (inputs could name any path);
** everything else runs, including the disassembly of what assembles and its
** re-assembly, which must give the identical binary.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* data files off; a smaller expansion budget than the default 2^26: with 2^20,
    ** inputs that loop near the budget took ~1 s each under ASan and a grown corpus
    ** ran at 10 inputs/s; the budget's own error is reached either way */
    asm_opts o = {"fuzz.s", 20, true, 0, 0, 1u << 16};
    asm_diags dg = {0};
    isa_prog p;
    if (asm_assemble((const char *)data, size, &o, &p, &dg) == LP_OK) {
        char *text = NULL;
        size_t tlen = 0;
        FILE *f = open_memstream(&text, &tlen);
        asm_disassemble(&p, f);
        fclose(f);
        asm_diags dg2 = {0};
        isa_prog q;
        if (asm_assemble(text, tlen, &o, &q, &dg2) != LP_OK) abort(); /* disassembly must assemble */
        uint8_t *b1, *b2;
        size_t n1, n2;
        if (isa_prog_serialize(&p, &b1, &n1) || isa_prog_serialize(&q, &b2, &n2)) abort();
        if (n1 != n2 || memcmp(b1, b2, n1)) abort(); /* ... to the identical binary */
        free(b1), free(b2), free(text);
        isa_prog_free(&q);
        asm_diags_free(&dg2);
        isa_prog_free(&p);
    } else {
        char *text = NULL;
        size_t tlen = 0;
        FILE *f = open_memstream(&text, &tlen);
        asm_diags_print(&dg, f);
        fclose(f);
        free(text);
    }
    asm_diags_free(&dg);
    return 0;
}
