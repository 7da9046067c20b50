/*
** sw_expr.h — the constraint expressions of sweep files: arithmetic and
** comparisons over named numbers, evaluated in double precision.
**
**     spm.size_bytes >= 2*tile_bytes && cores <= 64
**
** Grammar (C's precedence): || below && below ! below comparisons (< <= > >=
** == !=) below + - below * / % below unary minus; parentheses; numbers in
** decimal (1e6, 0.5) or hex (0x40); names of letters, digits, '_', '.', '[' and
** ']' (architecture keys such as matrix.formats[0].macs_per_cycle). True is
** 1, false 0; a constraint holds when its value is non-zero. Division by zero
** gives inf or NaN as IEEE says (NaN compares false). No allocation during
** evaluation; no global state.
*/
#ifndef SW_EXPR_H
#define SW_EXPR_H

#include <stddef.h>

#include "lp_diag.h"

typedef struct sw_expr sw_expr;

/* Compile text (NUL-terminated) for file at line; col0 is the column of
** text[0]. LP_OK with *out (free with sw_expr_free), or LP_ERR_PARSE at the
** offending column ("expected a number, a name or '(' ...", "unbalanced
** parenthesis", "'=' is not an operator: did you mean '=='?"). */
lp_status sw_expr_parse(const char *text, const char *file, int line, int col0, sw_expr **out, lp_diag *d);

void sw_expr_free(sw_expr *e);

/* The names the expression uses, each once, in order of first use; *col
** (when not NULL) the column of its first use. */
size_t sw_expr_nvars(const sw_expr *e);
const char *sw_expr_var(const sw_expr *e, size_t i, int *col);

/* The value with vars[i] the value of name i. */
double sw_expr_eval(const sw_expr *e, const double *vars);

#endif
