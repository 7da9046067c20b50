/*
** cmd_numeric.c — the numeric subcommands: formats, convert, decode,
** mx-quantize. They stream stdin line by line, print each result as soon as
** its line is done, and stop at the first bad line with a
** "<stdin>:LINE:COL: error:" diagnostic and exit status 2 (nothing is printed
** for that line or later ones); a read error is such a line too, never the
** end of the input. Hex tokens have exactly the digits of what they encode
** (8 for a float32: "3f80000" is a typo, not 0x03f80000), so that a dropped
** digit cannot shift a value silently.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lp_file.h"
#include "mf.h"
#include "mx.h"

#define STDIN_NAME "<stdin>"

/* --to/--from/--elem value into a format, with the error at its column. */
static lp_status get_format(const cli_cmd *cmd, const cli_args *a, const char *opt, mf_format *f, lp_diag *d)
{
    lp_diag err;
    const char *v = cli_get(cmd, a, opt);
    if (!v) return cli_value_error(cmd, a, NULL, -1, d, "'lpsim %s' needs --%s FORMAT", cmd->name, opt);
    if (mf_parse(v, f, &err) != LP_OK) return cli_value_error(cmd, a, opt, -1, d, "%s", err.msg);
    return LP_OK;
}

static void print_code(const mf_format *f, uint32_t code) { printf("%0*x\n", f->hex_digits, code); }

/* The argv index of option name (the "--name" itself, not its value), or -1
** when it is absent. */
static int opt_arg(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    for (int k = 0; k < cmd->nopts; k++)
        if (!strcmp(cmd->opts[k].name, name))
            return !a->val[k] ? -1 : a->val_arg[k] - (cmd->opts[k].value && !a->val_off[k]);
    return -1;
}

/* An error at argument i of the command line, columns counted as cli.h says. */
static lp_status arg_error(const cli_args *a, int i, lp_diag *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static lp_status arg_error(const cli_args *a, int i, lp_diag *d, const char *fmt, ...)
{
    char msg[LP_DIAG_MSG_MAX];
    va_list ap;
    int col = 1;
    for (int j = 0; j < i; j++) col += (int)strlen(a->argv[j]) + 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lp_diag_init(d, "<command-line>");
    return lp_diag_set(d, LP_ERR_ARG, 1, col, "%s", msg);
}

/* A hex token of exactly `digits` digits, or of `alt` digits (alt == digits
** when one width is allowed), from line[*pos] on, leading blanks skipped; the
** error at the token's first character. */
static lp_status hex_exact(const char *line, size_t len, size_t *pos, int digits, int alt, const char *what, int lineno,
                           uint32_t *out, lp_diag *d)
{
    size_t p = *pos;
    while (p < len && (line[p] == ' ' || line[p] == '\t')) p++;
    size_t start = p;
    lp_status st = cli_hex_token(line, len, &p, digits > alt ? digits : alt, what, lineno, out, d);
    if (st) return st;
    int n = (int)(p - start);
    if (n != digits && n != alt) {
        if (digits == alt)
            return lp_diag_set(d, LP_ERR_PARSE, lineno, (int)start + 1, "%s has %d hex digit%s, expected %d", what, n,
                               n == 1 ? "" : "s", digits);
        return lp_diag_set(d, LP_ERR_PARSE, lineno, (int)start + 1, "%s has %d hex digit%s, expected %d or %d", what, n,
                           n == 1 ? "" : "s", alt < digits ? alt : digits, alt < digits ? digits : alt);
    }
    *pos = p;
    return LP_OK;
}

/* ---- formats ----------------------------------------------------------- */

static const cli_opt formats_opts[] = {
    {"values", NULL, "list every code of the format with its value (formats of 8 bits or fewer)"},
};
static const cli_cmd formats_cmd = {
    "formats",
    "[FORMAT] [--values]",
    "Without FORMAT: list the named element formats (ml_dtypes names are accepted as\n"
    "aliases), the parametric forms and the rounding modes. With FORMAT: describe it.\n\n"
    "Parametric minifloats: [u]eXmY[_bB][_ieee|_fn|_fnuz|_finite][_sat], X 1..8 exponent\n"
    "bits, Y 0..10 fraction bits, bias B (default 2^(X-1)-1), special values (default\n"
    "finite: no inf/NaN, overflow saturates), _sat to saturate instead of inf/NaN, a\n"
    "leading u for unsigned. Integers: int1 .. int8 (two's complement, saturating).",
    formats_opts,
    CLI_NOPTS(formats_opts),
    0,
    1};

static void fmt_value(uint32_t bits, char *buf, size_t n)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    snprintf(buf, n, "%.9g", (double)v);
}

static void describe_format(const mf_format *f, bool values)
{
    char maxs[32], mins[32], subs[32];
    fmt_value(mf_decode_f32(f, f->max_mag), maxs, sizeof maxs);
    static const char *const pol[] = {"ieee (inf and NaN)", "fn (NaN only, all-ones)", "fnuz (NaN = 0x80, no -0)",
                                      "finite (no inf or NaN)"};
    printf("format     %s\n", f->name);
    if (f->kind == MF_KIND_INT) {
        printf("kind       signed integer, two's complement, %d bits\nrange      %d .. %u\n", f->bits,
               -(int)f->max_mag - 1, f->max_mag);
    } else {
        uint32_t minnorm = (f->flags & MF_F_NOSUB) ? 0 : (1u << f->mbits);
        fmt_value(mf_decode_f32(f, minnorm), mins, sizeof mins);
        fmt_value(mf_decode_f32(f, 1), subs, sizeof subs);
        printf("kind       %sfloat, %d bits: %d exponent, %d fraction, bias %d\n",
               (f->flags & MF_F_UNSIGNED) ? "unsigned " : "", f->bits, f->ebits, f->mbits, f->bias);
        printf("specials   %s%s\n", pol[f->policy], (f->flags & MF_F_SAT) ? ", saturating" : "");
        printf("max        %s (code %0*x)\n", maxs, f->hex_digits, f->max_mag);
        if (f->ebits > 0) printf("min normal %s\n", mins);
        if (!(f->flags & MF_F_NOSUB)) printf("min subn.  %s\n", subs);
        printf("emax       %d\n", f->emax);
    }
    if (values) {
        for (uint32_t c = 0; c <= f->mask; c++) {
            char v[32];
            fmt_value(mf_decode_f32(f, c), v, sizeof v);
            printf("%0*x %s\n", f->hex_digits, c, v);
        }
    }
}

int cmd_formats(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&formats_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&formats_cmd, stdout);
        return 0;
    }
    int values = opt_arg(&formats_cmd, &a, "values");
    if (values >= 0 && a.npos == 0) {
        arg_error(&a, values, &d, "--values lists the codes of one format: lpsim formats FORMAT --values");
        return cli_fail(&d);
    }
    if (a.npos == 1) {
        mf_format f;
        lp_diag err;
        if (mf_parse(a.pos[0], &f, &err)) {
            cli_value_error(&formats_cmd, &a, NULL, 0, &d, "%s", err.msg);
            return cli_fail(&d);
        }
        if (values >= 0 && f.bits > 8) { /* 65536 lines or more: never what was meant */
            arg_error(&a, values > a.pos_arg[0] ? values : a.pos_arg[0], &d,
                      "--values lists formats of 8 bits or fewer; %s has %d", f.name, f.bits);
            return cli_fail(&d);
        }
        describe_format(&f, values >= 0);
        return 0;
    }
    printf("%-16s %-20s %4s %2s %2s %4s %-7s %12s  %s\n", "name", "ml_dtypes alias", "bits", "e", "m", "bias",
           "special", "max", "about");
    for (int i = 0; i < MF_ID_COUNT; i++) {
        mf_format f;
        char maxs[32];
        static const char *const pol[] = {"ieee", "fn", "fnuz", "finite"};
        mf_get((mf_id)i, &f);
        fmt_value(mf_decode_f32(&f, f.max_mag), maxs, sizeof maxs);
        printf("%-16s %-20s %4d %2d %2d %4d %-7s %12s  %s\n", f.name, mf_id_alias((mf_id)i), f.bits, f.ebits, f.mbits,
               f.bias, pol[f.policy], maxs, mf_id_help((mf_id)i));
    }
    printf("\nparametric: [u]eXmY[_bB][_ieee|_fn|_fnuz|_finite][_sat] (X 1..8, Y 0..10, numbers without a leading 0); "
           "int1 .. int8\n");
    printf("\nrounding modes (--round):\n");
    for (int r = 0; r < MF_ROUND_COUNT; r++)
        printf("  %-13s %s\n", mf_round_name((mf_round)r), mf_round_help((mf_round)r));
    printf("\nMX element types (mx-quantize --elem):");
    for (int e = 0; e < MX_ELEM_COUNT; e++) printf(" %s", mx_elem_id_name((mx_elem_id)e));
    printf("\n");
    return 0;
}

/* ---- convert / decode --------------------------------------------------- */

static const cli_opt convert_opts[] = {
    {"to", "FMT", "target format (see 'lpsim formats')"},
    {"round", "MODE", "nearest-even (default), toward-zero, half-away, stochastic"},
    {"seed", "N", "seed of stochastic rounding (default 0); value i of the input uses counter i"},
    {"saturate", NULL, "clamp overflow and inf to the largest finite value"},
};
static const cli_cmd convert_cmd = {
    "convert",
    "--to FMT [--round MODE] [--seed N] [--saturate] < in > out",
    "Reads one float32 bit pattern per line (8 hex digits, e.g. 3f800000; blanks around\n"
    "it are allowed, an empty line is an error) and prints its code in FMT, lower-case\n"
    "hex: 2 digits for formats of 8 bits or fewer, 4 for 9-16 bits, 8 above. Semantics\n"
    "are ml_dtypes' unless --round or --saturate say otherwise; --seed needs --round\n"
    "stochastic.",
    convert_opts,
    CLI_NOPTS(convert_opts),
    0,
    0};

int cmd_convert(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    mf_format f;
    mf_opts o = {MF_RNE, false, 0};
    if (cli_parse(&convert_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&convert_cmd, stdout);
        return 0;
    }
    if (get_format(&convert_cmd, &a, "to", &f, &d)) return cli_fail(&d);
    const char *rv = cli_get(&convert_cmd, &a, "round");
    if (rv && mf_round_parse(rv, &o.round)) {
        cli_value_error(&convert_cmd, &a, "round", -1, &d,
                        "unknown rounding mode '%s' (expected nearest-even, toward-zero, half-away or stochastic)", rv);
        return cli_fail(&d);
    }
    if (cli_get_u64(&convert_cmd, &a, "seed", 0, &o.seed, &d)) return cli_fail(&d);
    int seed_at = opt_arg(&convert_cmd, &a, "seed"), round_at = opt_arg(&convert_cmd, &a, "round");
    if (seed_at >= 0 && o.round != MF_RSR) {
        arg_error(&a, seed_at > round_at ? seed_at : round_at, &d, "--seed applies to --round stochastic only");
        return cli_fail(&d);
    }
    o.saturate = cli_get(&convert_cmd, &a, "saturate") != NULL;

    lp_lines r;
    const char *line;
    int rc = 0;
    lp_diag_init(&d, STDIN_NAME);
    lp_lines_init(&r, stdin, LP_MAX_LINE_BYTES);
    while (lp_lines_next(&r, &d)) {
        line = r.buf;
        size_t pos = 0;
        uint32_t x;
        if (hex_exact(line, r.len, &pos, 8, 8, "float32 bit pattern", r.lineno, &x, &d)) break;
        if (!cli_rest_blank(line, r.len, pos)) {
            lp_diag_set(&d, LP_ERR_PARSE, r.lineno, (int)pos + 2, "expected one float32 bit pattern per line");
            break;
        }
        print_code(&f, mf_encode_f32(&f, x, &o, (uint64_t)(r.lineno - 1)));
    }
    if (d.status) rc = cli_fail(&d);
    lp_lines_free(&r);
    return rc;
}

static const cli_opt decode_opts[] = {
    {"from", "FMT", "format of the codes (see 'lpsim formats')"},
};
static const cli_cmd decode_cmd = {"decode",
                                   "--from FMT < in > out",
                                   "Reads one code of FMT per line, in hex with exactly the digits 'lpsim convert'\n"
                                   "prints for FMT (2 for formats of 8 bits or fewer, 4 for 9-16 bits, 8 above) or\n"
                                   "exactly the fewest that hold its bits (1 for 4-bit formats such as fp4_e2m1fn, 3\n"
                                   "for 12-bit ones), and prints its value as a float32 bit pattern (8 hex digits).",
                                   decode_opts,
                                   CLI_NOPTS(decode_opts),
                                   0,
                                   0};

int cmd_decode(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    mf_format f;
    if (cli_parse(&decode_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&decode_cmd, stdout);
        return 0;
    }
    if (get_format(&decode_cmd, &a, "from", &f, &d)) return cli_fail(&d);
    lp_lines r;
    const char *line;
    int rc = 0;
    lp_diag_init(&d, STDIN_NAME);
    lp_lines_init(&r, stdin, LP_MAX_LINE_BYTES);
    while (lp_lines_next(&r, &d)) {
        line = r.buf;
        size_t pos = 0;
        uint32_t c;
        if (hex_exact(line, r.len, &pos, f.hex_digits, (f.bits + 3) / 4, "code", r.lineno, &c, &d)) break;
        if (!cli_rest_blank(line, r.len, pos)) {
            lp_diag_set(&d, LP_ERR_PARSE, r.lineno, (int)pos + 2, "expected one code per line");
            break;
        }
        if (c & ~f.mask) {
            size_t p0 = 0;
            while (line[p0] == ' ' || line[p0] == '\t') p0++;
            lp_diag_set(&d, LP_ERR_RANGE, r.lineno, (int)p0 + 1, "code %x does not fit %s (%d bits)", c, f.name,
                        f.bits);
            break;
        }
        printf("%08x\n", mf_decode_f32(&f, c));
    }
    if (d.status) rc = cli_fail(&d);
    lp_lines_free(&r);
    return rc;
}

/* ---- mx-quantize ------------------------------------------------------- */

static const cli_opt mxq_opts[] = {
    {"elem", "TYPE", "element type: fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, int8"},
    {"round", "MODE", "nearest (ties away from zero, default), even (ties to even), toward-zero"},
    {"block", "N", "block size, even, 2..4096 (default 32, as OCP MX)"},
    {"codes", NULL, "print the scale and packed element codes of each block instead of values"},
};
static const cli_cmd mxq_cmd = {
    "mx-quantize",
    "--elem TYPE [--round nearest|even] [--block 32] [--codes] < in > out",
    "Each input line holds space-separated float32 bit patterns (8 hex digits each), a\n"
    "multiple of the block size; blocks run along the line. Each output line holds the\n"
    "dequantised values (float32 bit patterns), or with --codes one 'SS:CCCC...' group\n"
    "per block: the E8M0 scale byte and the element codes packed little-endian at their\n"
    "width (FP4: low nibble first). OCP MX v1.0: scale exponent floor(log2(max|x|)) - emax\n"
    "from the float32 bits, clamped to [-127, 127]; elements saturate; inf or NaN makes\n"
    "the block NaN.",
    mxq_opts,
    CLI_NOPTS(mxq_opts),
    0,
    0};

/* Per-line buffers of mx-quantize, grown together (doubling). */
struct mxq_bufs {
    size_t cap;
    float *x, *y;
    uint8_t *codes, *scales, *packed;
    size_t *cols; /* column of each value, for diagnostics */
};

static void mxq_free(struct mxq_bufs *b)
{
    free(b->x);
    free(b->y);
    free(b->codes);
    free(b->scales);
    free(b->packed);
    free(b->cols);
    memset(b, 0, sizeof *b);
}

/* Double the capacity; false (buffers intact) when memory runs out. */
static bool mxq_grow(struct mxq_bufs *b)
{
    size_t nc = b->cap ? 2 * b->cap : 256;
    void *p;
    if (!(p = realloc(b->x, nc * sizeof(float)))) return false;
    b->x = p;
    if (!(p = realloc(b->y, nc * sizeof(float)))) return false;
    b->y = p;
    if (!(p = realloc(b->codes, nc))) return false;
    b->codes = p;
    if (!(p = realloc(b->scales, nc))) return false;
    b->scales = p;
    if (!(p = realloc(b->packed, nc))) return false;
    b->packed = p;
    if (!(p = realloc(b->cols, nc * sizeof(size_t)))) return false;
    b->cols = p;
    b->cap = nc;
    return true;
}

int cmd_mx_quantize(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    mx_elem e;
    lp_diag err;
    long blk;
    mf_round mode = MF_RHA;
    if (cli_parse(&mxq_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&mxq_cmd, stdout);
        return 0;
    }
    const char *ev = cli_get(&mxq_cmd, &a, "elem");
    if (!ev) {
        cli_value_error(&mxq_cmd, &a, NULL, -1, &d, "'lpsim mx-quantize' needs --elem TYPE");
        return cli_fail(&d);
    }
    if (mx_elem_parse(ev, &e, &err)) {
        cli_value_error(&mxq_cmd, &a, "elem", -1, &d, "%s", err.msg);
        return cli_fail(&d);
    }
    const char *rv = cli_get(&mxq_cmd, &a, "round");
    if (rv) {
        if (!strcmp(rv, "nearest"))
            mode = MF_RHA;
        else if (!strcmp(rv, "even"))
            mode = MF_RNE;
        else if (!strcmp(rv, "toward-zero"))
            mode = MF_RTZ;
        else {
            cli_value_error(&mxq_cmd, &a, "round", -1, &d,
                            "unknown MX rounding '%s' (expected nearest, even or toward-zero)", rv);
            return cli_fail(&d);
        }
    }
    if (cli_get_long(&mxq_cmd, &a, "block", 2, 4096, MX_BLOCK_DEFAULT, &blk, &d)) return cli_fail(&d);
    if (blk % 2) {
        cli_value_error(&mxq_cmd, &a, "block", -1, &d, "--block must be even, got %ld", blk);
        return cli_fail(&d);
    }
    bool codes_out = cli_get(&mxq_cmd, &a, "codes") != NULL;

    lp_lines r;
    const char *line;
    struct mxq_bufs b = {0};
    int rc = 0;
    lp_diag_init(&d, STDIN_NAME);
    lp_lines_init(&r, stdin, LP_MAX_LINE_BYTES);
    while (lp_lines_next(&r, &d)) {
        line = r.buf;
        size_t pos = 0, n = 0;
        while (!cli_rest_blank(line, r.len, pos)) {
            uint32_t v;
            if (n == b.cap && !mxq_grow(&b)) {
                lp_diag_set(&d, LP_ERR_NOMEM, r.lineno, (int)pos + 1, "out of memory at value %zu of the line", n);
                break;
            }
            while (line[pos] == ' ' || line[pos] == '\t') pos++;
            b.cols[n] = pos;
            if (hex_exact(line, r.len, &pos, 8, 8, "float32 bit pattern", r.lineno, &v, &d)) break;
            memcpy(&b.x[n++], &v, sizeof v);
        }
        if (d.status) break;
        if (n == 0) {
            lp_diag_set(&d, LP_ERR_PARSE, r.lineno, 1, "empty line: expected float32 bit patterns");
            break;
        }
        if (n % (size_t)blk) {
            size_t last = n - n % (size_t)blk;
            lp_diag_set(&d, LP_ERR_PARSE, r.lineno, (int)b.cols[last] + 1,
                        "line holds %zu values, not a multiple of the block size %ld (the incomplete block starts "
                        "here)",
                        n, blk);
            break;
        }
        lp_status st = mx_quantize(&e, b.x, n, (size_t)blk, mode, b.codes, b.scales);
        if (st) { /* arguments were validated above; this is our bug */
            lp_diag_set(&d, st, r.lineno, 1, "internal error: mx_quantize failed (%s)", lp_status_text(st));
            break;
        }
        if (codes_out) {
            /* n >= blk here, and the buffers hold n codes, so one block fits in packed */
            size_t pb = mx_packed_bytes(&e, (size_t)blk);
            for (size_t k = 0; k < n / (size_t)blk; k++) {
                mx_pack(&e, b.codes + k * (size_t)blk, (size_t)blk, b.packed);
                printf("%s%02x:", k ? " " : "", b.scales[k]);
                for (size_t j = 0; j < pb; j++) printf("%02x", b.packed[j]);
            }
        } else {
            mx_dequantize(&e, b.codes, b.scales, n, (size_t)blk, b.y);
            for (size_t i = 0; i < n; i++) {
                uint32_t v;
                memcpy(&v, &b.y[i], sizeof v);
                printf(i ? " %08x" : "%08x", v);
            }
        }
        putchar('\n');
    }
    if (d.status) rc = cli_fail(&d);
    lp_lines_free(&r);
    mxq_free(&b);
    return rc;
}
