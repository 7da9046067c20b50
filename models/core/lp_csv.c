/*
** lp_csv.c — comma-separated files (see lp_csv.h). Lines are taken from a
** read buffer with memchr, so a line may hold any byte (a NUL is reported,
** not mistaken for its end) and no line grows past its limit.
*/
#include "lp_csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lp_csv_init(lp_csv *c, FILE *in, const char *path, size_t max_line)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->path = path;
    c->max_line = max_line;
}

void lp_csv_free(lp_csv *c)
{
    free(c->buf);
    c->buf = NULL;
    c->cap = c->len = 0;
}

/* Append n bytes to the line; false (d filled) past the limit or out of memory. */
static bool append(lp_csv *c, const char *s, size_t n, lp_diag *d)
{
    if (c->len + n > c->max_line) {
        lp_diag_set(d, LP_ERR_PARSE, c->line, (int)(c->max_line + 1 < 2147483647u ? c->max_line + 1 : 2147483647),
                    "line longer than %zu bytes", c->max_line);
        return false;
    }
    if (c->len + n + 1 > c->cap) {
        size_t nc = c->cap ? c->cap : 256;
        while (nc < c->len + n + 1) nc *= 2;
        char *q = realloc(c->buf, nc);
        if (!q) {
            lp_diag_set(d, LP_ERR_NOMEM, c->line, 1, "out of memory for a line of %zu bytes", c->len + n);
            return false;
        }
        c->buf = q;
        c->cap = nc;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    c->buf[c->len] = 0;
    return true;
}

bool lp_csv_next(lp_csv *c, lp_diag *d)
{
    lp_diag_init(d, c->path);
    c->len = 0;
    c->nfields = 0;
    if (c->buf) c->buf[0] = 0;
    bool any = false;
    for (;;) {
        if (c->rd_pos == c->rd_len) {
            if (c->eof) break;
            c->rd_len = fread(c->rd, 1, sizeof c->rd, c->in);
            c->rd_pos = 0;
            if (c->rd_len == 0) {
                if (ferror(c->in)) {
                    lp_diag_set(d, LP_ERR_IO, c->line + 1, 1, "read error: %s", strerror(errno));
                    return false;
                }
                c->eof = true;
                break;
            }
        }
        if (!any) c->line++;
        any = true;
        const char *s = c->rd + c->rd_pos, *nl = memchr(s, '\n', c->rd_len - c->rd_pos);
        size_t n = nl ? (size_t)(nl - s) : c->rd_len - c->rd_pos;
        if (!append(c, s, n, d)) return false;
        c->rd_pos += n + (nl != NULL);
        if (nl) break;
    }
    if (!any) return false;
    if (c->len && c->buf[c->len - 1] == '\r') c->buf[--c->len] = 0;
    const char *nul = memchr(c->buf, 0, c->len);
    if (nul) {
        lp_diag_set(d, LP_ERR_PARSE, c->line, (int)(nul - c->buf) + 1, "NUL byte in the line");
        return false;
    }
    return true;
}

lp_status lp_csv_split(lp_csv *c, lp_diag *d)
{
    char *s = c->buf ? c->buf : (char *)"";
    c->nfields = 0;
    c->field[c->nfields] = s;
    c->col[c->nfields++] = 1;
    for (char *p = s; *p; p++) {
        if (*p != ',') continue;
        if (c->nfields == LP_CSV_MAX_FIELDS)
            return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)(p - s) + 1, "more than %d fields", LP_CSV_MAX_FIELDS);
        *p = 0;
        c->field[c->nfields] = p + 1;
        c->col[c->nfields++] = (int)(p + 1 - s) + 1;
    }
    return LP_OK;
}

lp_status lp_csv_header(lp_csv *c, lp_diag *d)
{
    lp_status st = lp_csv_split(c, d);
    for (int i = 0; i < c->nfields && !st; i++) {
        if (!c->field[i][0]) return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i], "empty column name in the header");
        for (int j = 0; j < i; j++)
            if (!strcmp(c->field[i], c->field[j]))
                return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i],
                                   "column '%s' appears twice in the header (first at column %d)", c->field[i],
                                   c->col[j]);
    }
    return st;
}

int lp_csv_find(const lp_csv *c, const char *name)
{
    for (int i = 0; i < c->nfields; i++)
        if (!strcmp(c->field[i], name)) return i;
    return -1;
}

lp_status lp_csv_long(const lp_csv *c, int i, const char *what, long lo, long hi, long *out, lp_diag *d)
{
    const char *s = c->field[i], *p = s + (s[0] == '-');
    char *end = (char *)s;
    long v = 0;
    errno = 0;
    if (*p >= '0' && *p <= '9') v = strtol(s, &end, 10); /* strtol alone would take blanks and '+' */
    if (end == s || *end)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i], "%s must be an integer, got '%s'", what, s);
    if (errno == ERANGE || v < lo || v > hi)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[i], "%s must be between %ld and %ld, got %s", what, lo, hi,
                           s);
    *out = v;
    return LP_OK;
}
