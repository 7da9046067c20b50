/*
** cli.h — the pieces every lpsim subcommand shares: option parsing with
** diagnostics in the compiler format (errors in arguments are reported as
** "<command-line>:1:COL", COL counting characters of the command line as
** typed, arguments joined by single spaces), and a strict reader of hex
** tokens (lines come from lp_lines, lp_file.h). Exit status convention: 0 ok, 1 a check failed,
** 2 bad input.
*/
#ifndef LP_CLI_H
#define LP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
#define CLI_MAX_OPTS 16
#define CLI_MAX_POS 1024

/* One option of a command: "--name VALUE" (value names the argument) or a
** flag (value NULL). Written "--name VALUE" or "--name=VALUE". */
typedef struct cli_opt {
    const char *name;  /* without the dashes */
    const char *value; /* placeholder shown in help, NULL for a flag */
    const char *help;
} cli_opt;

/* Short forms, the same for every command that has the long option:
** -j N (or -jN) is --jobs N, -o FILE is --output FILE. */
#define CLI_SHORT_OPTS                                                                                                 \
    {'j', "jobs"}, { 'o', "output" }

/* Number of options in a static table, for cli_cmd.nopts. */
#define CLI_NOPTS(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* A command's description, used for parsing and for --help. */
typedef struct cli_cmd {
    const char *name;  /* "convert" */
    const char *usage; /* "--to FMT [--round MODE] < in > out" */
    const char *about; /* paragraph(s) printed by --help */
    const cli_opt *opts;
    int nopts;
    int min_pos, max_pos; /* positional arguments allowed */
} cli_cmd;

typedef struct cli_args {
    int argc;
    char **argv;                   /* the whole command line; argv[0] is the program */
    int first;                     /* index of the first argument after the command */
    const char *val[CLI_MAX_OPTS]; /* value of option i, "" for a set flag, NULL if absent */
    int val_arg[CLI_MAX_OPTS];     /* argv index where that value is */
    int val_off[CLI_MAX_OPTS];     /* offset of the value inside argv[val_arg] */
    const char *pos[CLI_MAX_POS];
    int pos_arg[CLI_MAX_POS];
    int npos;
    bool help;
} cli_args;

/* 1-based column where argv[i] starts when the command line is written with
** single spaces between arguments (argv[0..i-1] must be strings). */
int cli_arg_col(char **argv, int i);

/* Parse argv[first..] against cmd. LP_OK, or LP_ERR_ARG with d filled. */
lp_status cli_parse(const cli_cmd *cmd, int argc, char **argv, int first, cli_args *out, lp_diag *d);

/* Value of option name, or NULL when absent. */
const char *cli_get(const cli_cmd *cmd, const cli_args *a, const char *name);

/* Record an error about the value of option name (or about positional
** argument k when name is NULL) at its column. Returns LP_ERR_ARG. */
lp_status cli_value_error(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d, const char *fmt,
                          ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Parse an integer option in [lo, hi] (lp_num: decimal or 0x hex); absent
** gives def. */
lp_status cli_get_long(const cli_cmd *cmd, const cli_args *a, const char *name, long lo, long hi, long def, long *out,
                       lp_diag *d);

/* A JSON string of text that may not be UTF-8 (a file name, a name in an
** input): when it is not, bytes that are not printable ASCII become '?'.
** NULL only when out of memory. */
struct json_t;
struct json_t *cli_json_text(const char *s);

/* Parse a real option in [lo, hi] (lp_num's reals); absent gives def. */
lp_status cli_get_double(const cli_cmd *cmd, const cli_args *a, const char *name, double lo, double hi, double def,
                         double *out, lp_diag *d);

/* Parse a non-negative 64-bit integer option (lp_num: decimal or 0x hex);
** absent gives def. */
lp_status cli_get_u64(const cli_cmd *cmd, const cli_args *a, const char *name, uint64_t def, uint64_t *out, lp_diag *d);

/* Flush stdout (results before the error stay), print d to stderr, and
** return CLI_EXIT_USAGE for the command to return. */
int cli_fail(const lp_diag *d);

/* cli_fail for an error about an input named on the command line (option
** name, or positional argument k when name is NULL): a diagnostic that its
** reader left unplaced (line 0: the file could not be opened, a preset name
** is unknown) is placed at the argument ("<command-line>:1:COL: error:
** 'NAME': MESSAGE"); one with a position prints as it is. */
int cli_fail_arg(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d);
/* Option name (a flag that does its job alone: --list, --keys, --help-isa)
** given with any other argument: LP_ERR_ARG at the later of the flag and the
** first other argument (columns as for cli_value_error), else LP_OK. */
lp_status cli_alone(const cli_cmd *cmd, const cli_args *a, const char *name, lp_diag *d);
/* The placing half of cli_fail_arg alone. */
void cli_place_arg(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d);

/* Print the command's help to out. */
void cli_print_help(const cli_cmd *cmd, FILE *out);

/* Parse a hex token of 1..maxdigits digits starting at s[*pos] (leading
** blanks skipped); on success *out holds the value and *pos is past the token.
** On failure fills d for line lineno and returns LP_ERR_PARSE. what names the
** expected thing for the message ("float32 bit pattern"). */
lp_status cli_hex_token(const char *s, size_t len, size_t *pos, int maxdigits, const char *what, int lineno,
                        uint32_t *out, lp_diag *d);

/* True if only blanks remain from s[pos]. */
bool cli_rest_blank(const char *s, size_t len, size_t pos);

#endif
