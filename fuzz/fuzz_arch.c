/*
** fuzz_arch.c — libFuzzer harness for the architecture loader: any bytes as
** an architecture file. What loads must print as YAML that loads back and
** prints the same (the effective configuration is its own fixed point).
*/
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* arch_print of a into a malloc'd string. */
static char *printed(const arch_cfg *a, size_t *n)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, n);
    if (!f) abort();
    arch_print(a, f);
    if (fclose(f)) abort();
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arch_cfg *a, *b;
    lp_diag d;
    if (arch_load_text((const char *)data, size, "fuzz.yaml", &a, &d) != LP_OK) {
        if (d.status == LP_OK || !d.msg[0] || d.line < 1 || d.col < 1) abort(); /* an error says what and where */
        return 0;
    }
    size_t n1, n2;
    char *t1 = printed(a, &n1);
    if (arch_load_text(t1, n1, "fuzz.yaml", &b, &d) != LP_OK) {
        fprintf(stderr, "printed configuration does not load: %s:%d:%d: %s\n%s", d.file, d.line, d.col, d.msg, t1);
        abort();
    }
    char *t2 = printed(b, &n2);
    if (n1 != n2 || memcmp(t1, t2, n1)) {
        fprintf(stderr, "printed configuration changes when loaded again:\n%s---\n%s", t1, t2);
        abort();
    }
    free(t1), free(t2);
    arch_free(a), arch_free(b);
    return 0;
}
