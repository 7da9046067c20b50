/*
** fuzz_trace.c — libFuzzer harness for the .lpt reader: any bytes as a
** program file. What parses must serialise back to the same bytes and
** disassemble without trouble.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    isa_prog p;
    lp_diag err;
    if (isa_prog_parse(data, size, &p, &err) == LP_OK) {
        uint8_t *b;
        size_t n;
        if (isa_prog_serialize(&p, &b, &n)) abort();
        if (n != size || memcmp(b, data, n)) abort(); /* one meaning, one spelling */
        free(b);
        FILE *f = fopen("/dev/null", "w");
        asm_disassemble(&p, f);
        fclose(f);
        for (size_t i = 0; i < p.ninsns; i++) {
            isa_insn in;
            mem_range r[ISA_MAX_RANGES];
            if (isa_decode(p.code + i * ISA_WORD_BYTES, &in, NULL)) abort();
            isa_ranges(&in, r);
        }
        isa_prog_free(&p);
    }
    return 0;
}
