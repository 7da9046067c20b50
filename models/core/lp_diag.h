/*
** lp_diag.h — lpsim's one error channel: a status code plus a diagnostic,
** printed in the compiler format
**     FILE:LINE:COL: error: MESSAGE
** so that editors and logs can jump to it. Every library function that can
** fail returns an lp_status and fills an lp_diag (which may be NULL when the
** caller wants no message). Readers of user input (hex streams, YAML,
** assembly, MLIR, CSV, command-line arguments) place it at the offending
** line and column; functions that know what is wrong but not where (a format
** name, a preset name, a file that cannot be read) record the message only,
** and their caller places it with lp_diag_at. No allocation.
*/
#ifndef LP_DIAG_H
#define LP_DIAG_H

#include <stdio.h>
#include "lp_status.h"

#define LP_DIAG_MSG_MAX 320

typedef struct lp_diag {
    const char *file; /* name shown to the user, e.g. "<stdin>"; not owned */
    int line;         /* 1-based; 0 when the input has no lines */
    int col;          /* 1-based column (bytes) */
    lp_status status; /* LP_OK while no error has been recorded */
    char msg[LP_DIAG_MSG_MAX];
} lp_diag;

/* Start an empty diagnostic for input named file (kept by pointer). */
void lp_diag_init(lp_diag *d, const char *file);

/* Record an error at line:col with a printf-style message; returns st so that
** callers can write `return lp_diag_set(d, LP_ERR_PARSE, ...)`. d may be NULL
** (nothing recorded). */
lp_status lp_diag_set(lp_diag *d, lp_status st, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Record an error without a position (line and column 0): the message says
** what is wrong; the caller, who knows where, places it with lp_diag_at or
** quotes d->msg in a message of its own. d may be NULL. Returns st. */
lp_status lp_diag_msg(lp_diag *d, lp_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Place a recorded diagnostic at file:line:col (file kept by pointer; NULL
** keeps the file it has). Returns its status. */
lp_status lp_diag_at(lp_diag *d, const char *file, int line, int col);

/* Edit (Levenshtein) distance between two short names, case-insensitive;
** for "did you mean" hints. Names over 63 characters count as far apart. */
int lp_edit_distance(const char *a, const char *b);

/* Write s to out with its control characters escaped (\n, \t, \xNN for the
** others below 0x20 and 0x7f), so that text from a user (a file name, a name
** in an input) stays on its line and sends no terminal escape; other bytes,
** UTF-8 included, pass as they are. The caller checks out for errors. */
void lp_diag_put_escaped(const char *s, FILE *out);

/* Print "file:line:col: error: msg" and a newline to out, control characters
** of file and msg escaped (\n, \t, \xNN) so that it stays one line; an
** unplaced diagnostic (line 0) prints at 1:1. */
void lp_diag_print(const lp_diag *d, FILE *out);

#endif
