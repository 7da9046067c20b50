/* lp_diag.c — user-facing diagnostics in the compiler format (see lp_diag.h). */
#include "lp_diag.h"

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
    d->status = st;
    d->line = line;
    d->col = col;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return st;
}

void lp_diag_print(const lp_diag *d, FILE *out)
{
    fprintf(out, "%s:%d:%d: error: %s\n", d->file, d->line, d->col, d->msg);
}
