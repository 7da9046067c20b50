/*
** plot.h — gnuplot, run so that nothing a user typed is ever interpreted:
** the data, the script and the picture itself live in a private temporary
** folder, so the script names only paths lpsim made; the one kind of user
** text it holds (titles, labels) goes in as single-quoted gnuplot strings,
** which gnuplot takes literally (no backquote command substitution, no
** macros, no escapes; a quote is doubled), with control characters and bytes
** that are not UTF-8 shown as '?'. gnuplot runs on the script file without a
** shell and with its default settings (-d: no ~/.gnuplot). Only a picture
** gnuplot finished is copied to the user's path, through a temporary file
** beside it renamed into place: a failed plot leaves that path as it was.
*/
#ifndef LP_PLOT_H
#define LP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lp_diag.h"

typedef struct lp_plot {
    char dir[256];          /* the private temporary folder, in $TMPDIR or /tmp */
    char script_path[288];  /* its script */
    char picture_path[288]; /* where the script must have gnuplot draw (set output) */
    FILE *script;           /* write gnuplot commands here */
    char data_path[4][288];
    int ndata;
} lp_plot;

/* A temporary folder and an open script; the picture will have extension ext
** (".png", ".svg"). LP_OK, or LP_ERR_IO with d's message (no position). */
lp_status lp_plot_open(lp_plot *p, const char *ext, lp_diag *d);

/* A new data file in the folder (at most 4), open for writing; its path in
** *path (owned by p). NULL with d's message on failure. */
FILE *lp_plot_data(lp_plot *p, const char **path, lp_diag *d);

/* Write text to f as a single-quoted gnuplot string, every byte that
** lp_plot_text_ok() would stop at shown as '?'. */
void lp_plot_quote(FILE *f, const char *text);

/* The length of the longest prefix of text that gnuplot can show as it is:
** valid UTF-8 without control characters. strlen(text) when all of it. */
size_t lp_plot_text_ok(const char *text);

/* Close the script, run gnuplot on it, and copy the picture it drew to out;
** remove the temporary files. LP_ERR_IO with d's message (no position: the
** caller places it) when gnuplot cannot run, fails (its last line of errors
** quoted), draws nothing, or out cannot be written; out is then unchanged. */
lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d);

/* Remove the temporary files without running (after an error). */
void lp_plot_discard(lp_plot *p);

#endif
