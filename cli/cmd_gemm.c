/*
** cmd_gemm.c — `lpsim gemm-bits`: run the dot-product model over GEMM cases
** in the layout of the tensorcore_bits CSV files and print the float32
** output bits of each case. Cases stream: each is printed when computed, and a
** bad line stops the run with FILE:LINE:COL and exit status 2.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dot.h"
#include "lp_csv.h"
#include "mf.h"

static const cli_opt gemm_opts[] = {
    {"preset", "NAME", "accumulation preset (see 'lpsim gemm-bits --list')"},
    {"split", "S:T", "split-K: S parts of ceil(ceil(K/T)/S)*T elements, added in float32 (default none)"},
    {"in", "FMT", "input element format (default: from the file name, fp8_e4m3 or bf16)"},
    {"promote", "P", "override the preset's promotion interval in groups (0 = never)"},
    {"out", "FMT", "output format: results rounded to it (nearest even), printed widened to float32"},
    {"list", NULL, "list the presets with their parameters and sources"},
};
static const cli_cmd gemm_cmd = {
    "gemm-bits",
    "--preset NAME [--split S:T] [--in FMT] [--out FMT] [--promote P] FILE.csv | --list",
    "Reads GEMM cases in the layout of tensorcore_bits/*.csv (a header naming the columns;\n"
    "case, M, N, K, A_hex, B_hex, and for sub-blocks of large GEMMs rows and cols) and\n"
    "prints 'case,out_hex': the float32 outputs of each case, row-major, 8 hex digits\n"
    "each, concatenated. A (rows x K) and B (K x cols) are row-major codes of the input\n"
    "format, 2 hex digits per fp8 element, 4 per bf16 element.",
    gemm_opts,
    CLI_NOPTS(gemm_opts),
    0,
    1};

static void list_presets(void)
{
    printf("%-20s %5s %6s %5s %5s %3s  %-10s %s\n", "preset", "F", "B", "round", "width", "P", "checked", "source");
    for (int i = 0; i < dot_preset_count(); i++) {
        dot_cfg c;
        char f[16], b[16];
        dot_preset_get(i, &c);
        snprintf(f, sizeof f, c.group ? "%d" : "all", c.group);
        snprintf(b, sizeof b, c.frac_bits == DOT_EXACT ? "exact" : "%d", c.frac_bits);
        printf("%-20s %5s %6s %5s %5s %3d  %-10s %s\n", c.name, f, b, c.sum_round == MF_RTZ ? "rz" : "rne",
               c.width == DOT_W_F32 ? "fp32" : "B", c.promote,
               c.tested == DOT_MEASURED ? "H100 bits"
               : c.tested == DOT_MATH   ? "exact ref"
                                        : "literature",
               c.source);
    }
}

static int count_list(const char *s)
{
    int n = 1;
    for (; *s; s++) n += *s == ';';
    return n;
}

/* Parse n codes of `digits` hex digits from field i. */
static lp_status get_codes(const lp_csv *fl, int i, const char *what, int digits, const mf_format *f, size_t n,
                           uint16_t *out, lp_diag *d)
{
    const char *s = fl->field[i];
    int line = fl->line;
    size_t len = strlen(s);
    if (len != n * (size_t)digits)
        return lp_diag_set(d, LP_ERR_PARSE, line, fl->col[i], "%s holds %zu hex digits, expected %zu (%zu %s codes)",
                           what, len, n * (size_t)digits, n, f->name);
    for (size_t k = 0; k < n; k++) {
        uint32_t v = 0;
        for (int j = 0; j < digits; j++) {
            char c = s[k * (size_t)digits + (size_t)j];
            int h = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (h < 0)
                return lp_diag_set(d, LP_ERR_PARSE, line, fl->col[i] + (int)(k * (size_t)digits) + j,
                                   "invalid hex digit in %s", what);
            v = v << 4 | (uint32_t)h;
        }
        if (v & ~f->mask)
            return lp_diag_set(d, LP_ERR_RANGE, line, fl->col[i] + (int)(k * (size_t)digits),
                               "%s code %x does not fit %s", what, v, f->name);
        out[k] = (uint16_t)v;
    }
    return LP_OK;
}

/* --preset, --split, --promote, --out and the input format (--in, or the
** file name); the CSV file's path in *path. */
static lp_status gemm_options(const cli_args *a, dot_cfg *cfg, mf_format *fmt, const char **path, lp_diag *d)
{
    lp_diag err;
    const char *pv = cli_get(&gemm_cmd, a, "preset");
    if (!pv) {
        cli_value_error(&gemm_cmd, a, NULL, -1, d, "'lpsim gemm-bits' needs --preset NAME");
        return d->status;
    }
    if (dot_preset(pv, cfg, &err)) {
        cli_value_error(&gemm_cmd, a, "preset", -1, d, "%s", err.msg);
        return d->status;
    }
    const char *sv = cli_get(&gemm_cmd, a, "split");
    if (sv) {
        char *end;
        long s = strtol(sv, &end, 10), t = 0;
        if (*end == ':') t = strtol(end + 1, &end, 10);
        if (*end || s < 1 || t < 1 || s > 4096 || t > (1L << 20)) {
            cli_value_error(&gemm_cmd, a, "split", -1, d,
                            "--split expects S:T with S >= 1 parts and a tile T >= 1, got '%s'", sv);
            return d->status;
        }
        cfg->split = (int)s;
        cfg->split_tile = (int)t;
    }
    long promote;
    if (cli_get_long(&gemm_cmd, a, "promote", 0, 1L << 20, cfg->promote, &promote, d)) return d->status;
    cfg->promote = (int)promote;
    const char *ov = cli_get(&gemm_cmd, a, "out");
    if (ov) {
        if (mf_parse(ov, &cfg->out, &err)) {
            cli_value_error(&gemm_cmd, a, "out", -1, d, "%s", err.msg);
            return d->status;
        }
        if (cfg->out.kind != MF_KIND_FLOAT) {
            cli_value_error(&gemm_cmd, a, "out", -1, d, "the output format must be a float format, not %s",
                            cfg->out.name);
            return d->status;
        }
    }
    if (a->npos != 1) {
        cli_value_error(&gemm_cmd, a, NULL, -1, d, "'lpsim gemm-bits' needs one FILE.csv");
        return d->status;
    }
    *path = a->pos[0];
    const char *iv = cli_get(&gemm_cmd, a, "in");
    if (iv) {
        if (mf_parse(iv, fmt, &err)) {
            cli_value_error(&gemm_cmd, a, "in", -1, d, "%s", err.msg);
            return d->status;
        }
        if (fmt->bits > 16) {
            cli_value_error(&gemm_cmd, a, "in", -1, d, "input formats are at most 16 bits wide, %s has %d", fmt->name,
                            fmt->bits);
            return d->status;
        }
    } else {
        const char *base = strrchr(*path, '/') ? strrchr(*path, '/') + 1 : *path;
        const char *guess = strstr(base, "fp8_e4m3") ? "fp8_e4m3fn" : strstr(base, "bf16") ? "bf16" : NULL;
        if (!guess) {
            cli_value_error(&gemm_cmd, a, NULL, 0, d,
                            "cannot tell the input format from the file name '%s'; give --in FMT", base);
            return d->status;
        }
        mf_parse(guess, fmt, NULL);
    }
    return LP_OK;
}

/* Every case of the file: its float32 outputs, printed as each is computed. */
static lp_status gemm_cases(lp_csv *c, const dot_cfg *cfg, const mf_format *fmt, lp_diag *d)
{
    /* a case's A_hex holds up to 2^26 codes of 4 hex digits; lines stop there */
    static const char *const need[] = {"case", "M", "N", "K", "A_hex", "B_hex"};
    uint16_t *A = NULL, *B = NULL;
    float *D = NULL;
    int digits = fmt->hex_digits, ci[6], nhdr;
    if (!lp_csv_next(c, d)) {
        if (!d->status) lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty file: expected a header line");
        goto done;
    }
    if (lp_csv_split(c, d)) goto done;
    nhdr = c->nfields;
    for (int i = 0; i < 6; i++) {
        if ((ci[i] = lp_csv_find(c, need[i])) < 0) {
            lp_diag_set(d, LP_ERR_PARSE, 1, 1, "header has no column '%s'", need[i]);
            goto done;
        }
    }
    int crow = lp_csv_find(c, "rows"), ccol = lp_csv_find(c, "cols");
    printf("case,out_hex\n");
    while (lp_csv_next(c, d)) {
        if (!c->len) continue; /* a blank line, e.g. at the end */
        if (lp_csv_split(c, d)) break;
        if (c->nfields != nhdr) {
            lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[c->nfields - 1], "line has %d fields, the header %d",
                        c->nfields, nhdr);
            break;
        }
        long M, N, K, rows, cols;
        if (lp_csv_long(c, ci[1], "M", 1, 1L << 20, &M, d) || lp_csv_long(c, ci[2], "N", 1, 1L << 20, &N, d) ||
            lp_csv_long(c, ci[3], "K", 1, 1L << 22, &K, d))
            break;
        rows = crow >= 0 ? count_list(c->field[crow]) : M;
        cols = ccol >= 0 ? count_list(c->field[ccol]) : N;
        if (rows * K > (1L << 26) || cols * K > (1L << 26) || rows * cols > (1L << 24)) {
            lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[ci[1]], "case too large: %ld x %ld x %ld", rows, cols, K);
            break;
        }
        uint16_t *nA = realloc(A, sizeof *A * (size_t)(rows * K)),
                 *nB = nA ? realloc(B, sizeof *B * (size_t)(K * cols)) : NULL;
        float *nD = nB ? realloc(D, sizeof *D * (size_t)(rows * cols)) : NULL;
        if (nA) A = nA;
        if (nB) B = nB;
        if (!nD) {
            lp_diag_set(d, LP_ERR_NOMEM, c->line, 1, "out of memory for a %ld x %ld x %ld case", rows, cols, K);
            break;
        }
        D = nD;
        if (get_codes(c, ci[4], "A_hex", digits, fmt, (size_t)(rows * K), A, d) ||
            get_codes(c, ci[5], "B_hex", digits, fmt, (size_t)(K * cols), B, d))
            break;
        dot_matrix ma = {fmt, A, (int)K, NULL, 0, 0}, mb = {fmt, B, (int)cols, NULL, 0, 0};
        lp_status st = dot_gemm(cfg, (int)rows, (int)cols, (int)K, &ma, &mb, NULL, D);
        if (st) {
            lp_diag_set(d, st, c->line, 1, "cannot compute this case: %s", lp_status_text(st));
            break;
        }
        printf("%s,", c->field[ci[0]]);
        for (long i = 0; i < rows * cols; i++) {
            uint32_t b;
            memcpy(&b, &D[i], 4);
            printf("%08x", b);
        }
        putchar('\n');
    }
done:
    free(A), free(B), free(D);
    return d->status;
}

int cmd_gemm_bits(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    dot_cfg cfg;
    mf_format fmt;
    const char *path = NULL;
    if (cli_parse(&gemm_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&gemm_cmd, stdout);
        return 0;
    }
    if (cli_get(&gemm_cmd, &a, "list")) {
        list_presets();
        return 0;
    }
    if (gemm_options(&a, &cfg, &fmt, &path, &d)) return cli_fail(&d);
    FILE *in = fopen(path, "r");
    if (!in) {
        cli_value_error(&gemm_cmd, &a, NULL, 0, &d, "cannot open '%s': %s", path, strerror(errno));
        return cli_fail(&d);
    }
    lp_csv c; /* a case's A_hex holds up to 2^26 codes of 4 hex digits; lines stop there */
    lp_csv_init(&c, in, path, (size_t)1 << 30);
    lp_diag_init(&d, path);
    int rc = gemm_cases(&c, &cfg, &fmt, &d) ? cli_fail(&d) : 0;
    lp_csv_free(&c);
    fclose(in);
    return rc;
}
