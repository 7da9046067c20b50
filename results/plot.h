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
** A plot may also keep its script beside the picture (lp_plot_run_keep) so
** that users can restyle it: such a script holds its data inline (datablocks,
** their text columns written by lp_plot_quote_data) and names the picture by
** its base name, so that `cd DIR && gnuplot NAME.gp` draws it again.
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
    long output_at, output_end; /* the script's bytes of its set output line (lp_plot_set_output) */
    bool has_output;
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

/* Write text to f as one double-quoted text column of a data file or an
** inline datablock, which gnuplot's data reader takes as one column, escapes
** decoded: each of " ' ` @ # $ \ goes in as an octal escape ("\0047"), and
** every byte that lp_plot_text_ok() would stop at (a control character, a
** line break, a byte that is not UTF-8) as '?'. The line thus holds no
** quote, comment, macro or backquote character of the user's, and a line
** that starts with a number cannot end a datablock. (gnuplot 5.4 expands neither backquotes nor macros inside a
** datablock; the escapes keep the script safe to copy from all the same.) */
void lp_plot_quote_data(FILE *f, const char *text);

/* Start a square log-log PNG of predicted against measured values on both
** axes from lo to hi (whole decades): terminal, output, title, labels and
** ranges written to p's script, up to "plot ", for the caller's series. */
void lp_plot_loglog(lp_plot *p, const char *title, const char *xlabel, const char *ylabel, double lo, double hi);

/* Write the script's one "set output" line, naming the picture in the private
** folder (p->picture_path). A script to be kept (lp_plot_run_keep) sets its
** output through this and only this, once. */
void lp_plot_set_output(lp_plot *p);

/* The length of the longest prefix of text that gnuplot can show as it is:
** valid UTF-8 without control characters. strlen(text) when all of it. */
size_t lp_plot_text_ok(const char *text);

/* Close the script, run gnuplot on it, and copy the picture it drew to out;
** remove the temporary files. LP_ERR_IO with d's message (no position: the
** caller places it) when gnuplot cannot run, fails (its last line of errors
** quoted), draws nothing, or out cannot be written; out is then unchanged. */
lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d);

/* As lp_plot_run, and keep a copy of the script at script_out whose set
** output line (lp_plot_set_output) names the picture './BASE', BASE being
** out's last path component (every byte of it kept, through octal escapes;
** './' so that a name starting with '|' is no pipe to a command and '~' is no
** home folder to gnuplot), so that gnuplot run on the copy in out's folder
** draws out again. The
** script must have set its output with lp_plot_set_output and used no data
** file (lp_plot_data): it is self-contained. The copy is written to a
** temporary file beside script_out before the picture is copied, and renamed
** into place after it: when gnuplot fails or either path cannot be written,
** neither path changes (LP_ERR_IO with d's message naming the path). Only a
** failure of that last rename leaves a new picture with the old script (or
** none), and says so. */
lp_status lp_plot_run_keep(lp_plot *p, const char *out, const char *script_out, lp_diag *d);

/* Remove the temporary files without running (after an error). */
void lp_plot_discard(lp_plot *p);

#endif
