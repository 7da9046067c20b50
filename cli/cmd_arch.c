/*
** cmd_arch.c — `lpsim arch`: check an architecture file or preset and print
** its effective configuration (every key, defaults filled in), list the keys
** of the schema, or the presets.
*/
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "commands.h"

static const cli_opt arch_opts[] = {
    {"keys", NULL, "list every key: type, default, range, unit and meaning"},
    {"list", NULL, "list the compiled-in presets"},
};
static const cli_cmd arch_cmd = {
    "arch",
    "PRESET|FILE.yaml | --keys | --list",
    "Loads an architecture (a preset name, or a YAML file) and prints its effective\n"
    "configuration: every key, with the defaults of absent ones, as YAML that loads back\n"
    "to the same values. Errors are reported as FILE:LINE:COL: error: ... (exit status 2).",
    arch_opts,
    CLI_NOPTS(arch_opts),
    0,
    1};

/* Option name (a flag) does its job alone: an error at the later of it and the
** first other argument (columns as cli.h counts them). */
static lp_status opt_alone(const cli_cmd *cmd, const cli_args *a, const char *name, lp_diag *d)
{
    int at = -1, other = a->argc;
    for (int k = 0; k < cmd->nopts; k++) {
        if (!a->val[k]) continue;
        int i = a->val_arg[k] - (cmd->opts[k].value && !a->val_off[k]); /* the "--name" itself */
        if (!strcmp(cmd->opts[k].name, name))
            at = i;
        else if (i < other)
            other = i;
    }
    for (int k = 0; k < a->npos; k++)
        if (a->pos_arg[k] < other) other = a->pos_arg[k];
    if (at < 0 || other == a->argc) return LP_OK;
    int col = 1;
    for (int j = 0; j < (at > other ? at : other); j++) col += (int)strlen(a->argv[j]) + 1;
    lp_diag_init(d, "<command-line>");
    return lp_diag_set(d, LP_ERR_ARG, 1, col, "--%s takes no other arguments", name);
}

int cmd_arch(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&arch_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&arch_cmd, stdout);
        return 0;
    }
    if (opt_alone(&arch_cmd, &a, "keys", &d) || opt_alone(&arch_cmd, &a, "list", &d)) return cli_fail(&d);
    if (cli_get(&arch_cmd, &a, "keys")) {
        arch_print_keys(stdout);
        return 0;
    }
    if (cli_get(&arch_cmd, &a, "list")) {
        for (int i = 0; arch_preset_name(i); i++) printf("%s\n", arch_preset_name(i));
        return 0;
    }
    if (a.npos != 1) {
        cli_value_error(&arch_cmd, &a, NULL, -1, &d, "'lpsim arch' needs a preset name or an architecture file");
        return cli_fail(&d);
    }
    if (!a.pos[0][0]) { /* arch_load would report it as ":1:1:" */
        cli_value_error(&arch_cmd, &a, NULL, 0, &d, "empty preset or file name");
        return cli_fail(&d);
    }
    arch_cfg *cfg;
    if (arch_load(a.pos[0], &cfg, &d)) return cli_fail(&d);
    arch_print(cfg, stdout);
    arch_free(cfg);
    return 0;
}
