/*
** lp_csv.h — comma-separated files, read line by line: a bounded line reader
** over a stream (no line longer than a stated limit, no NUL byte, CR LF taken
** as LF), fields split at commas with their columns (no quoting: lpsim's CSV
** files hold numbers, names and hex codes), and number fields parsed with
** FILE:LINE:COL errors. Used by the commands that read CSV (gemm-bits,
** timeline) and by results/.
*/
#ifndef LP_CSV_H
#define LP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"
#include "lp_file.h"

#define LP_CSV_MAX_FIELDS 64

typedef struct lp_csv {
    lp_lines lines;   /* the line reader (lp_file.h) */
    const char *path; /* shown in diagnostics; not owned */
    char *buf;        /* the current line, NUL-terminated; fields split in place */
    size_t len;
    int line; /* 1-based number of the current line */
    char *field[LP_CSV_MAX_FIELDS];
    int col[LP_CSV_MAX_FIELDS]; /* 1-based column of each field */
    int nfields;
} lp_csv;

/* Read from in (not owned; closed by the caller), naming it path. */
void lp_csv_init(lp_csv *c, FILE *in, const char *path, size_t max_line);
void lp_csv_free(lp_csv *c);

/* The next line into c->buf (c->len bytes). true; false at the end of input,
** or on an error (a line over max_line, a NUL byte, a read error, out of
** memory) with d filled at the line and column. */
bool lp_csv_next(lp_csv *c, lp_diag *d);

/* Split the current line at commas into c->field / c->col. LP_OK, or
** LP_ERR_PARSE when the line has more than LP_CSV_MAX_FIELDS fields. */
lp_status lp_csv_split(lp_csv *c, lp_diag *d);

/* Split the current line as a header: LP_OK, or LP_ERR_PARSE at the column of
** an empty name or of the second of two equal names. */
lp_status lp_csv_header(lp_csv *c, lp_diag *d);

/* The index of the field equal to name, or -1. */
int lp_csv_find(const lp_csv *c, const char *name);

/* Field i as an integer in [lo, hi], read by lp_num (decimal or 0x hex, an
** optional '-'; no blanks, no '+', no leading 0); what names it in messages
** ("K must be an integer, got 'x'", "K must be between 1 and 8, got 9"). */
lp_status lp_csv_long(const lp_csv *c, int i, const char *what, long lo, long hi, long *out, lp_diag *d);

/* Field i as a finite number >= 0 (lp_parse_f64), after any blanks; with
** unit, followed by one blank and that unit, as nvidia-smi writes its values
** ("71.65 W", "0 %"). what names it in messages ("power.draw must be a
** number >= 0 followed by ' W', got 'x'"). */
lp_status lp_csv_number(const lp_csv *c, int i, const char *what, const char *unit, double *out, lp_diag *d);

#endif
