/*
** cmd_isa.c — `lpsim asm` (kernel source to .lpt) and `lpsim disasm` (.lpt
** to source that assembles to the identical file).
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cli.h"
#include "commands.h"
#include "lp_file.h"

static const cli_opt asm_opts_[] = {
    {"o", "FILE.lpt", "output file (default: the input name with .lpt)"},
    {"help-isa", NULL, "print the instruction-set reference (Markdown) and exit"},
    {"max-errors", "N", "stop after N errors (default 20)"},
};
static const cli_cmd asm_cmd = {"asm",
                                "FILE.s [-o FILE.lpt] | --help-isa",
                                "Assembles a kernel file: DRAM buffers with their contents and expected outputs, and\n"
                                "the program. Errors are reported as FILE:LINE:COL: error: ... (exit status 2);\n"
                                "nothing is written then.",
                                asm_opts_,
                                CLI_NOPTS(asm_opts_),
                                0,
                                1};

/* "-o" is handed to the parser as "--o", one character longer: a column past
** it, as cli.c counts them, is one too many for the line as typed. */
static const char dash_o[] = "--o";

static int asm_fail(lp_diag *d, char **argv, int argc)
{
    if (d->file && !strcmp(d->file, "<command-line>")) {
        int col = 1, shift = 0;
        for (int i = 0; i < argc && col < d->col; i++) {
            shift += argv[i] == dash_o;
            col += (int)strlen(argv[i]) + 1;
        }
        d->col -= shift;
    }
    return cli_fail(d);
}

int cmd_asm(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    /* accept the customary single-dash -o where cli_parse reads an option:
    ** not after "--", not as the value of an option (-o -o writes a file "-o") */
    for (int i = first; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "-o")) argv[i] = (char *)dash_o;
        if (argv[i][0] != '-' || argv[i][1] != '-' || strchr(argv[i], '=')) continue;
        for (int k = 0; k < (int)CLI_NOPTS(asm_opts_); k++)
            if (!strcmp(argv[i] + 2, asm_opts_[k].name)) {
                i += asm_opts_[k].value != NULL; /* its value follows */
                break;
            }
    }
    if (cli_parse(&asm_cmd, argc, argv, first, &a, &d)) return asm_fail(&d, argv, argc);
    if (a.help) {
        cli_print_help(&asm_cmd, stdout);
        return 0;
    }
    if (cli_alone(&asm_cmd, &a, "help-isa", &d)) return asm_fail(&d, argv, argc);
    if (cli_get(&asm_cmd, &a, "help-isa")) {
        asm_print_reference(stdout);
        return 0;
    }
    long maxerr;
    if (cli_get_long(&asm_cmd, &a, "max-errors", 1, 1000, 20, &maxerr, &d)) return asm_fail(&d, argv, argc);
    if (a.npos != 1) {
        cli_value_error(&asm_cmd, &a, NULL, -1, &d, "'lpsim asm' needs one kernel file");
        return asm_fail(&d, argv, argc);
    }
    const char *path = a.pos[0], *outp = cli_get(&asm_cmd, &a, "o");
    char defout[1024];
    if (!outp) {
        const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
        size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
        snprintf(defout, sizeof defout, "%.*s.lpt", (int)stem, path);
        outp = defout;
    }
    size_t len;
    lp_diag why;
    char *src;
    lp_diag_init(&why, path);
    if (lp_read_file(path, LP_MAX_SOURCE_BYTES, &src, &len, &why) != LP_OK) {
        char reason[LP_DIAG_MSG_MAX];
        snprintf(reason, sizeof reason, "%s", why.msg);
        lp_diag_msg(&why, why.status, "cannot read: %s", reason);
        cli_place_arg(&asm_cmd, &a, NULL, 0, &why);
        return asm_fail(&why, argv, argc);
    }
    asm_opts o = {path, (int)maxerr, false, 0, 0, 0};
    asm_diags dg = {0};
    isa_prog p;
    lp_status st = asm_assemble(src, len, &o, &p, &dg);
    free(src);
    if (st != LP_OK) {
        asm_diags_print(&dg, stderr);
        if (st == LP_ERR_NOMEM && !dg.n) fprintf(stderr, "%s:1:1: error: out of memory\n", path);
        asm_diags_free(&dg);
        return CLI_EXIT_USAGE;
    }
    asm_diags_free(&dg);
    st = isa_prog_write(&p, outp, &d);
    isa_prog_free(&p);
    if (st) { /* placed at -o, or at the kernel when the output's name is derived from it */
        snprintf(why.msg, sizeof why.msg, "%s", d.msg);
        cli_value_error(&asm_cmd, &a, cli_get(&asm_cmd, &a, "o") ? "o" : NULL, 0, &d, "'%s': %s", outp, why.msg);
        return asm_fail(&d, argv, argc);
    }
    return 0;
}

static const cli_opt disasm_opts[] = {
    {"listing", NULL, "print a listing instead: buffers, and each instruction's index, word and assembly"},
};
static const cli_cmd disasm_cmd = {"disasm",
                                   "FILE.lpt [--listing]",
                                   "Prints a binary program as assembly that 'lpsim asm' turns into the identical\n"
                                   "file (buffer contents and expected outputs inline).",
                                   disasm_opts,
                                   CLI_NOPTS(disasm_opts),
                                   0,
                                   1};

int cmd_disasm(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&disasm_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&disasm_cmd, stdout);
        return 0;
    }
    if (a.npos != 1) {
        cli_value_error(&disasm_cmd, &a, NULL, -1, &d, "'lpsim disasm' needs one .lpt file");
        return cli_fail(&d);
    }
    isa_prog p;
    if (isa_prog_read(a.pos[0], &p, &d)) return cli_fail_arg(&disasm_cmd, &a, NULL, 0, &d);
    if (cli_get(&disasm_cmd, &a, "listing"))
        asm_listing(&p, stdout);
    else
        asm_disassemble(&p, stdout);
    isa_prog_free(&p);
    return 0;
}
