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
#include "lp_file.h"
#include "lp_num.h"
#include "mf.h"

/* A case holds at most 2^26 codes of A and of B, and 2^24 outputs;
** of at most 4 hex digits each, its line stays under 2^29 + 2^28 bytes. */
#define GEMM_MAX_CASE_CODES (1L << 26)
#define GEMM_MAX_CASE_OUTPUTS (1L << 24)
#define GEMM_MAX_LINE_BYTES ((size_t)1 << 30)

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
        const char *colon = strchr(sv, ':'), *why;
        uint64_t s = 0, t = 0;
        if (!colon || lp_parse_u64(sv, (size_t)(colon - sv), &s, &why) ||
            lp_parse_u64(colon + 1, strlen(colon + 1), &t, &why) || s < 1 || t < 1 || s > 4096 || t > (1u << 20)) {
            cli_value_error(&gemm_cmd, a, "split", -1, d,
                            "--split expects S:T with 1 <= S <= 4096 parts and a tile 1 <= T <= 1048576, got '%s'", sv);
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
        if (guess && strstr(base, "fp8_e4m3") && strstr(base, "bf16")) {
            cli_value_error(&gemm_cmd, a, NULL, 0, d, "the file name '%s' names both fp8_e4m3 and bf16; give --in FMT",
                            base);
            return d->status;
        }
        if (!guess) {
            cli_value_error(&gemm_cmd, a, NULL, 0, d,
                            "cannot tell the input format from the file name '%s'; give --in FMT", base);
            return d->status;
        }
        mf_parse(guess, fmt, NULL);
    }
    return LP_OK;
}

/* The case ids seen so far (ids key the output, so each is given once): an
** open-addressing hash set of copies, with the line of each. */
typedef struct case_ids {
    char **name;
    int *line;
    size_t cap, n;
} case_ids;

static void case_ids_free(case_ids *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->name[i]);
    free(s->name), free(s->line);
    memset(s, 0, sizeof *s);
}

static size_t case_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* Add id (line line); 0 added, the line of the earlier one when it was seen,
** -1 out of memory. */
static int case_ids_add(case_ids *s, const char *id, int line)
{
    if (2 * (s->n + 1) > s->cap) {
        case_ids g = {calloc(s->cap ? 2 * s->cap : 64, sizeof(char *)), NULL, s->cap ? 2 * s->cap : 64, s->n};
        if (!g.name || !(g.line = calloc(g.cap, sizeof(int)))) {
            free(g.name);
            return -1;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->name[i]) continue;
            size_t k = case_hash(s->name[i]) & (g.cap - 1);
            while (g.name[k]) k = (k + 1) & (g.cap - 1);
            g.name[k] = s->name[i], g.line[k] = s->line[i];
        }
        free(s->name), free(s->line);
        *s = g;
    }
    size_t k = case_hash(id) & (s->cap - 1);
    for (; s->name[k]; k = (k + 1) & (s->cap - 1))
        if (!strcmp(s->name[k], id)) return s->line[k];
    if (!(s->name[k] = strdup(id))) return -1;
    s->line[k] = line;
    s->n++;
    return 0;
}

/* The rows (or cols) field of a sub-block case: the indices of its rows in the
** whole GEMM, ';'-separated whole numbers, increasing, below lim (M or N).
** Their number in *n. */
static lp_status get_indices(const lp_csv *c, int i, const char *what, const char *limname, long lim, long *n,
                             lp_diag *d)
{
    const char *s = c->field[i];
    long prev = -1, count = 0;
    for (size_t p = 0;; p++) {
        size_t q = p;
        long v = 0;
        for (; s[q] >= '0' && s[q] <= '9'; q++) v = v > lim ? v : v * 10 + (s[q] - '0');
        if (q == p || (s[q] && s[q] != ';'))
            return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i] + (int)q,
                               "expected an index in %s (whole numbers separated by ';')", what);
        if (v >= lim)
            return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[i] + (int)p, "index %.*s in %s is not below %s = %ld",
                               (int)(q - p), s + p, what, limname, lim);
        if (v <= prev)
            return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i] + (int)p,
                               "index %ld in %s does not follow %ld: indices increase", v, what, prev);
        prev = v, count++, p = q;
        if (!s[q]) break;
    }
    *n = count;
    return LP_OK;
}

/* A data line's fields against the header's number, the case id (given, and
** once), and its shape: rows x cols outputs of a sum over K. */
static lp_status case_shape(const lp_csv *c, int nhdr, const int *ci, int crow, int ccol, case_ids *ids, long *rows,
                            long *cols, long *K, lp_diag *d)
{
    long M, N;
    if (c->nfields > nhdr) /* at the comma that starts the first field too many */
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[nhdr] - 1, "line has %d fields, the header %d", c->nfields,
                           nhdr);
    if (c->nfields < nhdr)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "line has %d fields, the header %d", c->nfields,
                           nhdr);
    if (!c->field[ci[0]][0]) return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[ci[0]], "empty case id");
    int seen = case_ids_add(ids, c->field[ci[0]], c->line);
    if (seen < 0) return lp_diag_set(d, LP_ERR_NOMEM, c->line, c->col[ci[0]], "out of memory for the case ids");
    if (seen > 0)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[ci[0]], "case '%s' given twice (first on line %d)",
                           c->field[ci[0]], seen);
    if (lp_csv_long(c, ci[1], "M", 1, 1L << 20, &M, d) || lp_csv_long(c, ci[2], "N", 1, 1L << 20, &N, d) ||
        lp_csv_long(c, ci[3], "K", 1, 1L << 22, K, d))
        return d->status;
    *rows = M, *cols = N;
    if ((crow >= 0 && get_indices(c, crow, "rows", "M", M, rows, d)) ||
        (ccol >= 0 && get_indices(c, ccol, "cols", "N", N, cols, d)))
        return d->status;
    if (*rows * *K > GEMM_MAX_CASE_CODES || *cols * *K > GEMM_MAX_CASE_CODES || *rows * *cols > GEMM_MAX_CASE_OUTPUTS)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[ci[1]], "case too large: %ld x %ld x %ld", *rows, *cols,
                           *K);
    return LP_OK;
}

/* Every case of the file: its float32 outputs, printed as each is computed
** (the output's header with the first). A file without cases is an error. */
static lp_status gemm_cases(lp_csv *c, const dot_cfg *cfg, const mf_format *fmt, lp_diag *d)
{
    static const char *const need[] = {"case", "M", "N", "K", "A_hex", "B_hex"};
    uint16_t *A = NULL, *B = NULL;
    float *D = NULL;
    case_ids ids = {0};
    int digits = fmt->hex_digits, ci[6], nhdr, crow, ccol;
    long ncases = 0;
    if (!lp_csv_next(c, d)) {
        if (!d->status) lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty file: expected a header line");
        goto done;
    }
    if (lp_csv_header(c, d)) goto done;
    nhdr = c->nfields;
    for (int i = 0; i < 6; i++) {
        if ((ci[i] = lp_csv_find(c, need[i])) < 0) {
            lp_diag_set(d, LP_ERR_PARSE, 1, 1, "header has no column '%s'", need[i]);
            goto done;
        }
    }
    crow = lp_csv_find(c, "rows"), ccol = lp_csv_find(c, "cols");
    while (lp_csv_next(c, d)) {
        if (!c->len) continue; /* a blank line, e.g. at the end */
        long rows, cols, K;
        if (lp_csv_split(c, d) || case_shape(c, nhdr, ci, crow, ccol, &ids, &rows, &cols, &K, d)) break;
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
        if (!ncases++) printf("case,out_hex\n");
        printf("%s,", c->field[ci[0]]);
        for (long i = 0; i < rows * cols; i++) {
            uint32_t b;
            memcpy(&b, &D[i], 4);
            printf("%08x", b);
        }
        putchar('\n');
    }
    if (!d->status && !ncases) lp_diag_set(d, LP_ERR_PARSE, c->line + 1, 1, "no cases after the header");
done:
    free(A), free(B), free(D);
    case_ids_free(&ids);
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
    if (cli_alone(&gemm_cmd, &a, "list", &d)) return cli_fail(&d);
    if (cli_get(&gemm_cmd, &a, "list")) {
        list_presets();
        return 0;
    }
    if (gemm_options(&a, &cfg, &fmt, &path, &d)) return cli_fail(&d);
    FILE *in;
    uint64_t size;
    lp_diag why;
    lp_diag_init(&d, path);
    if (lp_open_input(path, &in, &size, &why)) {
        lp_diag_msg(&d, why.status, "cannot read: %s", why.msg);
        return cli_fail_arg(&gemm_cmd, &a, NULL, 0, &d);
    }
    lp_csv c;
    lp_csv_init(&c, in, path, GEMM_MAX_LINE_BYTES);
    lp_diag_init(&d, path);
    int rc = gemm_cases(&c, &cfg, &fmt, &d) ? cli_fail(&d) : 0;
    lp_csv_free(&c);
    fclose(in);
    return rc;
}
