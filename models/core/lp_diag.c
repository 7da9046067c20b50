/* lp_diag.c — user-facing diagnostics in the compiler format (see lp_diag.h). */
#include "lp_diag.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void lp_diag_init(lp_diag *d, const char *file)
{
    memset(d, 0, sizeof *d);
    d->file = file ? file : "<input>";
    d->status = LP_OK;
}

lp_status lp_diag_set(lp_diag *d, lp_status st, int line, int col, const char *fmt, ...)
{
    va_list ap;
    if (!d) return st;
    d->status = st;
    d->line = line;
    d->col = col;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return st;
}

lp_status lp_diag_msg(lp_diag *d, lp_status st, const char *fmt, ...)
{
    va_list ap;
    if (!d) return st;
    if (!d->file) d->file = "<input>";
    d->status = st;
    d->line = d->col = 0;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return st;
}

lp_status lp_diag_at(lp_diag *d, const char *file, int line, int col)
{
    if (file) d->file = file;
    d->line = line;
    d->col = col;
    return d->status;
}

void lp_diag_put_escaped(const char *s, FILE *out)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

void lp_diag_print(const lp_diag *d, FILE *out)
{
    lp_diag_put_escaped(d->file, out);
    /* a diagnostic nobody placed still prints in the format, at the start of its file */
    fprintf(out, ":%d:%d: error: ", d->line > 0 ? d->line : 1, d->line > 0 && d->col > 0 ? d->col : 1);
    lp_diag_put_escaped(d->msg, out);
    fputc('\n', out);
}

int lp_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int prev[64], cur[64];
    if (la > 63 || lb > 63) return 99;
    for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}
