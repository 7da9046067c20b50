/*
** main.c — the lpsim command line: git-style subcommands dispatched from the
** table in commands.def. Only this file and the command functions decide exit
** statuses; the libraries return statuses and diagnostics.
*/
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lp_file.h"
#include "lp_version.h"

typedef int (*cmd_fn)(int, char **, int);

static const struct {
    const char *name;
    cmd_fn fn;
    const char *summary;
} commands[] = {
#define LP_CMD(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef LP_CMD
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: lpsim COMMAND [options]\n\n"
                 "lpsim simulates low-precision accelerators bit-exactly, with their cycles and energy.\n"
                 "Today: MX-format tensor cores, SRAM processing-in-memory arrays and FPGA minifloat\n"
                 "datapaths in a SystemC system, design-space sweeps logged to SQLite with their Pareto\n"
                 "fronts. The main job is the default sweep (./run.sh, README.md).\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'lpsim COMMAND --help' or 'lpsim help COMMAND' describes a command.\n");
}

static const cli_cmd version_cmd = {
    "version", "", "Prints lpsim's version and the git revision it was built from.", NULL, 0, 0, 0};

int cmd_version(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&version_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&version_cmd, stdout);
        return 0;
    }
    printf("lpsim %s (git %s)\n", LP_VERSION, LP_GIT_REV);
    return 0;
}

/* Every command's output is checked once it is done: a write to standard
** output that failed (a full disk, /dev/full, a closed pipe's EPIPE) turns
** the exit status into 2 with a message, never a success with less output. */
static int finish(int rc)
{
    lp_diag d;
    lp_diag_init(&d, "<stdout>");
    if (lp_stdout_check(&d)) {
        lp_diag_print(&d, stderr);
        return 2;
    }
    return rc;
}

/* An error in the command line at argument i (argc when none is there: the
** column just past the last one); message text is escaped as it prints. */
static int arg_error(int argc, char **argv, int i, const char *fmt, const char *arg)
{
    lp_diag d;
    lp_diag_init(&d, "<command-line>");
    int col = i < argc ? cli_arg_col(argv, i) : cli_arg_col(argv, argc - 1) + (int)strlen(argv[argc - 1]);
    lp_diag_set(&d, LP_ERR_ARG, 1, col, fmt, arg);
    return cli_fail(&d);
}

static int dispatch(int argc, char **argv)
{
    char prog[] = "lpsim", *none[] = {prog, NULL};
    if (argc < 1) argc = 1, argv = none; /* started with no argv[0] at all */
    if (argc < 2) {                      /* at the end of the line, where the command goes, as for a missing argument */
        int rc = arg_error(argc, argv, 1, "no command given (see '%s help')", "lpsim");
        fputc('\n', stderr);
        usage(stderr);
        return rc;
    }
    /* "lpsim help CMD", "lpsim --help CMD": the command's help */
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (argc > 3) return arg_error(argc, argv, 3, "unexpected argument '%s' for 'lpsim help'", argv[3]);
        if (argc == 2) {
            usage(stdout);
            return 0;
        }
        for (int i = 0; i < NCOMMANDS; i++) {
            if (!strcmp(argv[2], commands[i].name)) {
                char help[] = "--help";
                char *av[] = {argv[0], argv[2], help, NULL};
                return commands[i].fn(3, av, 2);
            }
        }
        return arg_error(argc, argv, 2, "unknown command '%s' (see 'lpsim --help')", argv[2]);
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(argc, argv, 2);
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc, argv, 2);
    return arg_error(argc, argv, 1, "unknown command '%s' (see 'lpsim --help')", argv[1]);
}

int main(int argc, char **argv)
{
    /* A file size limit (ulimit -f) makes a write fail with EFBIG, reported as
    ** any failed write is, instead of killing lpsim half-way through a file or
    ** a database transaction. */
    signal(SIGXFSZ, SIG_IGN);
    return finish(dispatch(argc, argv));
}
