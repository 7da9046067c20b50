/*
** cli.c — option parsing and line/hex reading shared by the subcommands.
** Strict by design: an unknown option, a missing value, a stray character in
** a hex token are errors with a column, never silently ignored. Numbers go
** through lp_num (the parser of architecture files too).
*/
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <jansson.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lp_num.h"

#define CMDLINE "<command-line>"

int cli_arg_col(char **argv, int i)
{
    int col = 1;
    for (int j = 0; j < i; j++) col += (int)strlen(argv[j]) + 1;
    return col;
}

static int find_opt(const cli_cmd *cmd, const char *name, size_t len)
{
    for (int i = 0; i < cmd->nopts; i++)
        if (strlen(cmd->opts[i].name) == len && !strncmp(cmd->opts[i].name, name, len)) return i;
    return -1;
}

static const struct {
    char c;
    const char *name;
} shorts[] = {CLI_SHORT_OPTS};

/* The option of short form -c, or -1. */
static int short_opt(const cli_cmd *cmd, char c)
{
    for (int j = 0; j < (int)(sizeof shorts / sizeof shorts[0]); j++)
        if (shorts[j].c == c) return find_opt(cmd, shorts[j].name, strlen(shorts[j].name));
    return -1;
}

/* Closest option name for a "did you mean" hint (edit distance <= 2). */
static const char *near_opt(const cli_cmd *cmd, const char *name, size_t len)
{
    char buf[64];
    const char *best = NULL;
    int bestd = 3;
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), name);
    for (int i = 0; i < cmd->nopts; i++) {
        int d = lp_edit_distance(buf, cmd->opts[i].name);
        if (d < bestd) bestd = d, best = cmd->opts[i].name;
    }
    return best;
}

lp_status cli_parse(const cli_cmd *cmd, int argc, char **argv, int first, cli_args *out, lp_diag *d)
{
    memset(out, 0, sizeof *out);
    out->argc = argc;
    out->argv = argv;
    out->first = first;
    lp_diag_init(d, CMDLINE);
    bool only_pos = false;
    for (int i = first; i < argc; i++) {
        const char *s = argv[i];
        if (!only_pos && !strcmp(s, "--")) {
            only_pos = true;
            continue;
        }
        if (!only_pos && (!strcmp(s, "--help") || !strcmp(s, "-h"))) {
            out->help = true;
            continue;
        }
        if (!only_pos && s[0] == '-' && s[1] == '-' && s[2]) {
            const char *name = s + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int k = find_opt(cmd, name, len);
            if (k < 0) {
                const char *hint = near_opt(cmd, name, len);
                if (hint)
                    return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i),
                                       "unknown option '--%.*s' for 'lpsim %s' (did you mean '--%s'?)", (int)len, name,
                                       cmd->name, hint);
                return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i),
                                   "unknown option '--%.*s' for 'lpsim %s' (see 'lpsim %s --help')", (int)len, name,
                                   cmd->name, cmd->name);
            }
            if (out->val[k])
                return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i), "option '--%s' given twice",
                                   cmd->opts[k].name);
            if (!cmd->opts[k].value) {
                if (eq)
                    return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i) + (int)(eq - s),
                                       "option '--%s' takes no value", cmd->opts[k].name);
                out->val[k] = "";
                out->val_arg[k] = i;
                continue;
            }
            if (eq) {
                out->val[k] = eq + 1;
                out->val_arg[k] = i;
                out->val_off[k] = (int)(eq + 1 - s);
            } else {
                if (i + 1 >= argc)
                    return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i), "option '--%s' needs a value (%s)",
                                       cmd->opts[k].name, cmd->opts[k].value);
                out->val[k] = argv[++i];
                out->val_arg[k] = i;
            }
            continue;
        }
        if (!only_pos && s[0] == '-' && s[1] && !isdigit((unsigned char)s[1])) {
            int k = short_opt(cmd, s[1]);
            if (k < 0)
                return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i),
                                   "unknown option '%s' for 'lpsim %s' (options are spelt --name)", s, cmd->name);
            if (out->val[k])
                return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i), "option '--%s' given twice",
                                   cmd->opts[k].name);
            if (!cmd->opts[k].value) {
                if (s[2])
                    return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i) + 2, "option '-%c' takes no value", s[1]);
                out->val[k] = "", out->val_arg[k] = i;
            } else if (s[2]) {
                out->val[k] = s + 2, out->val_arg[k] = i, out->val_off[k] = 2;
            } else {
                if (i + 1 >= argc)
                    return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i), "option '-%c' needs a value (%s)", s[1],
                                       cmd->opts[k].value);
                out->val[k] = argv[++i], out->val_arg[k] = i;
            }
            continue;
        }
        if (out->npos >= cmd->max_pos || out->npos >= CLI_MAX_POS)
            return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, i), "unexpected argument '%s' for 'lpsim %s'", s,
                               cmd->name);
        out->pos[out->npos] = s;
        out->pos_arg[out->npos] = i;
        out->npos++;
    }
    if (!out->help && out->npos < cmd->min_pos)
        return lp_diag_set(d, LP_ERR_ARG, 1, cli_arg_col(argv, argc - 1) + (int)strlen(argv[argc - 1]),
                           "'lpsim %s' needs %d argument%s: lpsim %s %s", cmd->name, cmd->min_pos,
                           cmd->min_pos == 1 ? "" : "s", cmd->name, cmd->usage);
    return LP_OK;
}

const char *cli_get(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int k = find_opt(cmd, name, strlen(name));
    return k < 0 ? NULL : a->val[k];
}

lp_status cli_value_error(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d, const char *fmt,
                          ...)
{
    int col = 1;
    if (name) {
        int o = find_opt(cmd, name, strlen(name));
        if (o >= 0 && a->val[o]) col = cli_arg_col(a->argv, a->val_arg[o]) + a->val_off[o];
    } else if (k >= 0 && k < a->npos) {
        col = cli_arg_col(a->argv, a->pos_arg[k]);
    }
    va_list ap;
    char msg[LP_DIAG_MSG_MAX];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lp_diag_init(d, CMDLINE);
    return lp_diag_set(d, LP_ERR_ARG, 1, col, "%s", msg);
}

/* The message for a rejected number: the plain one, or with the reason when
** the text looks like a number but is not taken (octal, too large). */
static lp_status number_error(const cli_cmd *cmd, const cli_args *a, const char *name, const char *want, const char *v,
                              const char *why, lp_diag *d)
{
    bool plain = !strcmp(why, "not a whole number");
    return cli_value_error(cmd, a, name, -1, d, "--%s expects %s, got '%s'%s%s", name, want, v, plain ? "" : ": ",
                           plain ? "" : why);
}

lp_status cli_get_long(const cli_cmd *cmd, const cli_args *a, const char *name, long lo, long hi, long def, long *out,
                       lp_diag *d)
{
    const char *v = cli_get(cmd, a, name), *why;
    int64_t x;
    if (!v) {
        *out = def;
        return LP_OK;
    }
    if (lp_parse_i64(v, strlen(v), &x, &why)) return number_error(cmd, a, name, "an integer", v, why, d);
    if (x < lo || x > hi)
        return cli_value_error(cmd, a, name, -1, d, "--%s must be between %ld and %ld, got %s", name, lo, hi, v);
    *out = (long)x;
    return LP_OK;
}

lp_status cli_get_double(const cli_cmd *cmd, const cli_args *a, const char *name, double lo, double hi, double def,
                         double *out, lp_diag *d)
{
    const char *v = cli_get(cmd, a, name), *why;
    if (!v) {
        *out = def;
        return LP_OK;
    }
    if (lp_parse_f64(v, strlen(v), out, &why)) return number_error(cmd, a, name, "a number", v, why, d);
    if (*out < lo || *out > hi)
        return cli_value_error(cmd, a, name, -1, d, "--%s must be between %g and %g, got %s", name, lo, hi, v);
    return LP_OK;
}

lp_status cli_get_u64(const cli_cmd *cmd, const cli_args *a, const char *name, uint64_t def, uint64_t *out, lp_diag *d)
{
    const char *v = cli_get(cmd, a, name), *why;
    if (!v) {
        *out = def;
        return LP_OK;
    }
    if (v[0] == '-') return number_error(cmd, a, name, "a non-negative integer", v, "not a whole number", d);
    if (lp_parse_u64(v, strlen(v), out, &why)) return number_error(cmd, a, name, "a non-negative integer", v, why, d);
    return LP_OK;
}

lp_status cli_alone(const cli_cmd *cmd, const cli_args *a, const char *name, lp_diag *d)
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

void cli_place_arg(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d)
{
    if (d->line > 0) return;
    char msg[LP_DIAG_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", d->msg);
    const char *v = name ? cli_get(cmd, a, name) : (k >= 0 && k < a->npos ? a->pos[k] : "");
    cli_value_error(cmd, a, name, k, d, "'%s': %s", v ? v : "", msg);
}
int cli_fail_arg(const cli_cmd *cmd, const cli_args *a, const char *name, int k, lp_diag *d)
{
    cli_place_arg(cmd, a, name, k, d);
    return cli_fail(d);
}
int cli_fail(const lp_diag *d)
{
    fflush(stdout);
    lp_diag_print(d, stderr);
    return CLI_EXIT_USAGE;
}

void cli_print_help(const cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: lpsim %s%s%s\n\n%s\n", cmd->name, cmd->usage[0] ? " " : "", cmd->usage, cmd->about);
    if (cmd->nopts) fprintf(out, "\noptions:\n");
    for (int i = 0; i < cmd->nopts; i++) {
        char head[64];
        char sh[8] = "";
        for (int j = 0; j < (int)(sizeof shorts / sizeof shorts[0]); j++)
            if (!strcmp(shorts[j].name, cmd->opts[i].name)) snprintf(sh, sizeof sh, "-%c, ", shorts[j].c);
        snprintf(head, sizeof head, "%s--%s%s%s", sh, cmd->opts[i].name, cmd->opts[i].value ? " " : "",
                 cmd->opts[i].value ? cmd->opts[i].value : "");
        fprintf(out, "  %-22s %s\n", head, cmd->opts[i].help);
    }
    fprintf(out, "  %-22s %s\n", "--help", "show this help");
}

/* ---- token reading -------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void describe_char(int c, char *buf, size_t n)
{
    if (isprint(c))
        snprintf(buf, n, "'%c'", c);
    else
        snprintf(buf, n, "byte 0x%02x", (unsigned)c & 0xff);
}

lp_status cli_hex_token(const char *s, size_t len, size_t *pos, int maxdigits, const char *what, int lineno,
                        uint32_t *out, lp_diag *d)
{
    size_t p = *pos;
    while (p < len && (s[p] == ' ' || s[p] == '\t')) p++;
    if (p >= len)
        return lp_diag_set(d, LP_ERR_PARSE, lineno, (int)p + 1, "expected a %s (%d hex digits), found end of line",
                           what, maxdigits);
    size_t start = p;
    uint32_t v = 0;
    while (p < len && s[p] != ' ' && s[p] != '\t') {
        int h = hexval((unsigned char)s[p]);
        if (h < 0) {
            char c[16];
            describe_char((unsigned char)s[p], c, sizeof c);
            return lp_diag_set(d, LP_ERR_PARSE, lineno, (int)p + 1, "invalid hex digit %s in %s", c, what);
        }
        if ((int)(p - start) >= maxdigits)
            return lp_diag_set(d, LP_ERR_PARSE, lineno, (int)start + 1, "%s has more than %d hex digits", what,
                               maxdigits);
        v = (v << 4) | (uint32_t)h;
        p++;
    }
    *out = v;
    *pos = p;
    return LP_OK;
}

bool cli_rest_blank(const char *s, size_t len, size_t pos)
{
    while (pos < len && (s[pos] == ' ' || s[pos] == '\t')) pos++;
    return pos >= len;
}

json_t *cli_json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    char *c = strdup(s);
    if (!c) return NULL;
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
    j = json_string(c);
    free(c);
    return j;
}
