/* lp_file.c — whole-file reads (see lp_file.h). */
#include "lp_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lp_status lp_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len, lp_diag *d)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return lp_diag_msg(d, LP_ERR_IO, "%s", strerror(errno));
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    lp_status st = LP_OK;
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n > max_bytes) {
            st = lp_diag_msg(d, LP_ERR_IO, "larger than %llu bytes", (unsigned long long)max_bytes);
            break;
        }
        if (n == cap) {
            char *q = realloc(b, cap * 2 + 1);
            if (!q) break;
            b = q;
            cap *= 2;
        }
    }
    if (st == LP_OK && (!b || n == cap)) { /* realloc failed */
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    } else if (st == LP_OK && ferror(f)) {
        st = lp_diag_msg(d, LP_ERR_IO, "read error");
    }
    fclose(f);
    if (st) {
        free(b);
        return st;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return LP_OK;
}
