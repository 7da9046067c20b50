/*
** lp_csv.c — comma-separated files (see lp_csv.h), read through lp_file's
** bounded line reader: no line grows past its limit, a NUL byte is reported at
** its column and nothing after it is read.
*/
#include "lp_csv.h"

#include "lp_num.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lp_csv_init(lp_csv *c, FILE *in, const char *path, size_t max_line)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    lp_lines_init(&c->lines, in, max_line);
}

void lp_csv_free(lp_csv *c)
{
    lp_lines_free(&c->lines);
    c->buf = NULL;
    c->len = 0;
}

bool lp_csv_next(lp_csv *c, lp_diag *d)
{
    lp_diag_init(d, c->path);
    c->nfields = 0;
    bool ok = lp_lines_next(&c->lines, d);
    c->buf = c->lines.buf;
    c->len = ok ? c->lines.len : 0;
    c->line = c->lines.lineno;
    if (ok && c->lines.nul) {
        lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len, "NUL byte in the line");
        return false;
    }
    return ok;
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
    const char *s = c->field[i], *why = "";
    int64_t v = 0;
    lp_status st = lp_parse_i64(s, strlen(s), &v, &why);
    if (st == LP_ERR_PARSE) /* the reason where the text looks like a number but is not taken ("017") */
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i], "%s must be an integer, got '%s'%s%s", what, s,
                           strcmp(why, "not a whole number") ? ": " : "", strcmp(why, "not a whole number") ? why : "");
    if (st || v < lo || v > hi)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[i], "%s must be between %ld and %ld, got %s", what, lo, hi,
                           s);
    *out = (long)v;
    return LP_OK;
}

lp_status lp_csv_number(const lp_csv *c, int i, const char *what, const char *unit, double *out, lp_diag *d)
{
    const char *s = c->field[i], *why = "";
    size_t skip = strspn(s, " "), n = strcspn(s + skip, " ");
    double v = 0;
    bool ok = n && !lp_parse_f64(s + skip, n, &v, &why) && v >= 0;
    if (ok && unit)
        ok = s[skip + n] == ' ' && !strcmp(s + skip + n + 1, unit);
    else if (ok)
        ok = !s[skip + n];
    if (!ok)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i], "%s must be a number >= 0%s%s%s, got '%.40s%s'", what,
                           unit ? " followed by ' " : "", unit ? unit : "", unit ? "'" : "", s,
                           strlen(s) > 40 ? "..." : "");
    *out = v;
    return LP_OK;
}
