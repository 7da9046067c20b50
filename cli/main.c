/*
** main.c — the lpsim command line: git-style subcommands dispatched from the
** table in commands.def. Only this file and the command functions decide exit
** statuses; the libraries return statuses and diagnostics.
*/
#include <stdio.h>
#include <string.h>

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
                 "Today: MX-format tensor cores in a SystemC system; the SRAM processing-in-memory and\n"
                 "FPGA minifloat units are not modelled yet.\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'lpsim COMMAND --help' or 'lpsim help COMMAND' describes a command.\n");
}

int cmd_version(int argc, char **argv, int first)
{
    (void)argv;
    if (argc > first) {
        fprintf(stderr, "<command-line>:1:1: error: 'lpsim version' takes no arguments\n");
        return 2;
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

static int dispatch(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(2, argv, 2);
    if (!strcmp(argv[1], "help")) {
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
        fprintf(stderr, "<command-line>:1:%d: error: unknown command '%s'\n", (int)strlen(argv[0]) + 7, argv[2]);
        return 2;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc, argv, 2);
    fprintf(stderr, "<command-line>:1:%d: error: unknown command '%s' (see 'lpsim --help')\n", (int)strlen(argv[0]) + 2,
            argv[1]);
    return 2;
}

int main(int argc, char **argv) { return finish(dispatch(argc, argv)); }
