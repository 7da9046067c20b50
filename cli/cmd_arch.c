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

int cmd_arch(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&arch_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&arch_cmd, stdout);
        return 0;
    }
    if (cli_alone(&arch_cmd, &a, "keys", &d) || cli_alone(&arch_cmd, &a, "list", &d)) return cli_fail(&d);
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
    arch_cfg *cfg;
    if (arch_load(a.pos[0], &cfg, &d)) return cli_fail_arg(&arch_cmd, &a, NULL, 0, &d);
    arch_print(cfg, stdout);
    arch_free(cfg);
    return 0;
}
