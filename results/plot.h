/*
** plot.h — gnuplot, run so that nothing a user typed is ever interpreted:
** the data go to files in a private temporary folder, the script to a file
** there, text (titles, labels, paths) into the script only as single-quoted
** gnuplot strings (which gnuplot takes literally: no backquote command
** substitution, no macros, no escapes; a quote is doubled, control
** characters become blanks), and gnuplot runs on the script file without a
** shell. A failed plot removes its half-written picture.
*/
#ifndef LP_PLOT_H
#define LP_PLOT_H

#include <stdbool.h>
#include <stdio.h>

#include "lp_diag.h"

typedef struct lp_plot {
    char dir[64];         /* the private temporary folder */
    char script_path[96]; /* its script */
    FILE *script;         /* write gnuplot commands here */
    char data_path[4][96];
    int ndata;
} lp_plot;

/* A temporary folder and an open script. LP_OK or LP_ERR_IO with d. */
lp_status lp_plot_open(lp_plot *p, lp_diag *d);

/* A new data file in the folder (at most 4), open for writing; its path in
** *path (owned by p). NULL with d filled on failure. */
FILE *lp_plot_data(lp_plot *p, const char **path, lp_diag *d);

/* Write text to f as a single-quoted gnuplot string. */
void lp_plot_quote(FILE *f, const char *text);

/* Close the script, run gnuplot on it (its output to /dev/null), remove the
** temporary files. On failure remove out (the half-written picture) and fill
** d: LP_ERR_IO. */
lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d);

/* Remove the temporary files without running (after an error). */
void lp_plot_discard(lp_plot *p);

#endif
