/*
** test_cli.c — the lpsim command line, run as a user runs it.
**
** The reference data goes through `lpsim convert`, `decode` and `mx-quantize`
** and must come out bit for bit. Diagnostics are asserted as output: the exact
** "FILE:LINE:COL: error: ..." line, exit status 2, and nothing printed for the
** bad line or after it.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "mf.h"
#include "mx.h"

static const char *const data_formats[] = {
    "float8_e4m3fn",  "float8_e5m2",        "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e4m3",
    "float8_e3m4",    "float8_e4m3b11fnuz", "float6_e2m3fn",   "float6_e3m2fn",   "float4_e2m1fn",
    "float8_e8m0fnu", "bfloat16",           "float16",
};
#define NDATA (int)(sizeof data_formats / sizeof data_formats[0])

/* A growable text buffer. */
typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n + k + 1 > b->cap) {
        b->cap = (b->n + k + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

/* Next line of *p (modified in place), NULL at the end. */
static char *next_line(char **p)
{
    if (!*p || !**p) return NULL;
    char *s = *p, *nl = strchr(s, '\n');
    if (nl) {
        *nl = 0;
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

/* ---- the reference data through the commands --------------------------------- */

static void test_convert_every_encode_row(void)
{
    for (int i = 0; i < NDATA; i++) {
        lpt_csv c;
        char rel[128], args[128];
        buf in = {0};
        uint32_t want[8000], xs[8000];
        int n = 0, bad = 0;
        mf_format f;
        CU_ASSERT_FATAL(mf_parse(data_formats[i], &f, NULL) == LP_OK);
        snprintf(rel, sizeof rel, "formats/conv_%s_encode.csv", data_formats[i]);
        if (!lpt_csv_open(&c, rel)) continue;
        int ci = lpt_csv_col(&c, "in_f32_hex"), co = lpt_csv_col(&c, "out_mldtypes_hex");
        while (lpt_csv_next(&c)) {
            if (n == 8000) { /* never drop rows silently */
                CU_FAIL("more rows than the test holds (8000)");
                break;
            }
            buf_add(&in, c.f[ci]);
            buf_add(&in, "\n");
            xs[n] = lpt_hex(c.f[ci]);
            want[n++] = lpt_hex(c.f[co]);
        }
        lpt_csv_close(&c);
        char *out, *err;
        snprintf(args, sizeof args, "convert --to %s", data_formats[i]);
        int rc = lpt_run(args, in.s, in.n, &out, &err);
        CU_ASSERT_EQUAL(rc, 0);
        char *p = out, *line;
        int k = 0;
        while ((line = next_line(&p)) && k < n) {
            uint32_t got = (uint32_t)strtoul(line, NULL, 16);
            bool nan_in = (xs[k] & 0x7fffffffu) > 0x7f800000u;
            if ((int)strlen(line) != f.hex_digits)
                lpt_mismatch(&bad, "%s: '%s' is not %d digits", args, line, f.hex_digits);
            if (nan_in && mf_is_nan(&f, want[k]) ? !mf_is_nan(&f, got) : got != want[k])
                lpt_mismatch(&bad, "%s line %d: in %08x want %x got %s", args, k + 1, xs[k], want[k], line);
            k++;
        }
        CU_ASSERT_EQUAL(k, n);
        CU_ASSERT_EQUAL(bad, 0);
        free(out);
        free(err);
        free(in.s);
    }
}

static void test_decode_every_code(void)
{
    for (int i = 0; i < NDATA; i++) {
        lpt_csv c;
        char rel[128], args[128];
        buf in = {0}, want = {0};
        snprintf(rel, sizeof rel, "formats/conv_%s_decode.csv", data_formats[i]);
        if (!lpt_csv_open(&c, rel)) continue;
        int cb = lpt_csv_col(&c, "bits_hex"), cv = lpt_csv_col(&c, "f32_hex_mldtypes");
        while (lpt_csv_next(&c)) {
            buf_add(&in, c.f[cb]); /* fp4 codes are one digit in the files: accepted */
            buf_add(&in, "\n");
            buf_add(&want, c.f[cv]);
            buf_add(&want, "\n");
        }
        lpt_csv_close(&c);
        char *out, *err;
        snprintf(args, sizeof args, "decode --from %s", data_formats[i]);
        CU_ASSERT_EQUAL(lpt_run(args, in.s, in.n, &out, &err), 0);
        CU_ASSERT_STRING_EQUAL(out, want.s);
        CU_ASSERT_STRING_EQUAL(err, "");
        free(out), free(err), free(in.s), free(want.s);
    }
}

static void test_mx_quantize_every_block(void)
{
    static const char *const elems[] = {"fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "int8"};
    static const char *const rounds[] = {"nearest", "even"};
    for (int e = 0; e < 6; e++) {
        for (int r = 0; r < 2; r++) {
            lpt_csv c;
            char rel[128], args[128];
            buf in = {0}, want = {0};
            snprintf(rel, sizeof rel, "mx/mx_%s_%s.csv", elems[e], rounds[r]);
            if (!lpt_csv_open(&c, rel)) continue;
            int ci = lpt_csv_col(&c, "in_hex"), co = lpt_csv_col(&c, "out_ext_hex");
            /* two blocks per line, so blocks run along the line */
            int row = 0;
            while (lpt_csv_next(&c)) {
                buf_add(&in, c.f[ci]);
                buf_add(&in, row % 2 ? "\n" : " ");
                buf_add(&want, c.f[co]);
                buf_add(&want, row % 2 ? "\n" : " ");
                row++;
            }
            lpt_csv_close(&c);
            CU_ASSERT_EQUAL(row % 2, 0);
            char *out, *err;
            snprintf(args, sizeof args, "mx-quantize --elem %s --round %s", elems[e], rounds[r]);
            CU_ASSERT_EQUAL(lpt_run(args, in.s, in.n, &out, &err), 0);
            if (strcmp(out, want.s)) fprintf(stderr, "\n  %s: output differs from %s out_ext_hex", args, rel);
            CU_ASSERT_STRING_EQUAL(out, want.s);
            free(out), free(err), free(in.s), free(want.s);
        }
    }
}

/* --codes prints "SS:" and the packed codes of each block, as the library packs them. */
static void test_mx_quantize_codes_output(void)
{
    float x[64];
    uint8_t codes[64], scales[2], packed[32];
    char in[64 * 9 + 2] = "", want[256] = "", *out, *err;
    mx_elem e;
    mx_elem_get(MX_FP4_E2M1, &e);
    for (int i = 0; i < 64; i++) {
        char tok[16];
        uint32_t b;
        x[i] = (float)(i - 20) * 0.37f;
        memcpy(&b, &x[i], 4);
        snprintf(tok, sizeof tok, i ? " %08x" : "%08x", b);
        strcat(in, tok);
    }
    strcat(in, "\n");
    CU_ASSERT_EQUAL(mx_quantize(&e, x, 64, 32, MF_RHA, codes, scales), LP_OK);
    for (int b = 0; b < 2; b++) {
        char tok[8];
        mx_pack(&e, codes + 32 * b, 32, packed);
        snprintf(tok, sizeof tok, b ? " %02x:" : "%02x:", scales[b]);
        strcat(want, tok);
        for (int k = 0; k < 16; k++) {
            snprintf(tok, sizeof tok, "%02x", packed[k]);
            strcat(want, tok);
        }
    }
    strcat(want, "\n");
    CU_ASSERT_EQUAL(lpt_run("mx-quantize --elem fp4_e2m1 --codes", in, strlen(in), &out, &err), 0);
    CU_ASSERT_STRING_EQUAL(out, want);
    free(out), free(err);
}

static void test_stochastic_seed_through_the_command(void)
{
    char in[20 * 9 + 1] = "", *o1, *o2, *o3, *e1, *e2, *e3;
    for (int i = 0; i < 20; i++) strcat(in, "3dcccccd\n"); /* 0.1, twenty times */
    CU_ASSERT_EQUAL(lpt_run("convert --to fp8_e4m3fn --round stochastic --seed 7", in, strlen(in), &o1, &e1), 0);
    CU_ASSERT_EQUAL(lpt_run("convert --to fp8_e4m3fn --round stochastic --seed 7", in, strlen(in), &o2, &e2), 0);
    CU_ASSERT_EQUAL(lpt_run("convert --to fp8_e4m3fn --round stochastic --seed 8", in, strlen(in), &o3, &e3), 0);
    CU_ASSERT_STRING_EQUAL(o1, o2);
    CU_ASSERT_STRING_NOT_EQUAL(o1, o3);
    /* the counter is the line index: twenty equal inputs give both neighbours */
    CU_ASSERT_PTR_NOT_NULL(strstr(o1, "1c\n")); /* 0.09375 */
    CU_ASSERT_PTR_NOT_NULL(strstr(o1, "1d\n")); /* 0.1015625 */
    free(o1), free(o2), free(o3), free(e1), free(e2), free(e3);
}

/* ---- diagnostics ---------------------------------------------------------------- */

/* One malformed input: the command, its stdin, the exact stdout before the
** error, and the exact diagnostic. In the diagnostic "@" stands for the column
** of the first occurrence of `at` in the command line (argv[0] included). */
typedef struct diag_case {
    const char *args, *in, *out, *err, *at;
} diag_case;

static const diag_case diag_cases[] = {
    {"convert --to fp8_e4m3fn", "3f800000\n3fz00000\n3f800000\n", "38\n",
     "<stdin>:2:3: error: invalid hex digit 'z' in float32 bit pattern\n", NULL},
    {"convert --to fp8_e4m3fn", "3f800000\n3f8000000\n", "38\n",
     "<stdin>:2:1: error: float32 bit pattern has more than 8 hex digits\n", NULL},
    {"convert --to fp8_e4m3fn", "3f800000\n3f80000\n", "38\n",
     "<stdin>:2:1: error: float32 bit pattern has 7 hex digits, expected 8\n", NULL},
    {"decode --from fp8_e4m3fn", "38\n8\n", "3f800000\n", "<stdin>:2:1: error: code has 1 hex digit, expected 2\n",
     NULL},
    {"convert --to fp8_e4m3fn --seed 1", "3f800000\n", "",
     "<command-line>:1:@: error: --seed applies to --round stochastic only\n", "--seed"},
    {"convert --to fp8_e4m3fn", "3f800000 3f800000\n", "",
     "<stdin>:1:10: error: expected one float32 bit pattern per line\n", NULL},
    {"convert --to bf16", "3f800000\n\n3f800000\n", "3f80\n",
     "<stdin>:2:1: error: expected a float32 bit pattern (8 hex digits), found end of line\n", NULL},
    {"convert --to bf16", "  -3f800000\n", "", "<stdin>:1:3: error: invalid hex digit '-' in float32 bit pattern\n",
     NULL},
    {"convert --to fp9", "3f800000\n", "", "<command-line>:1:@: error: unknown format 'fp9' (did you mean 'fp16'?)\n",
     "fp9"},
    {"convert --to e9m2", "", "",
     "<command-line>:1:@: error: 'e9m2': eXmY needs 1 <= X <= 8 exponent and 0 <= Y <= 10 fraction bits\n", "e9m2"},
    {"convert --to e8m3", "", "",
     "<command-line>:1:@: error: 'e8m3': its largest value exceeds float32's range (raise the bias)\n", "e8m3"},
    {"convert", "3f800000\n", "", "<command-line>:1:1: error: 'lpsim convert' needs --to FORMAT\n", NULL},
    {"convert --to", "", "", "<command-line>:1:@: error: option '--to' needs a value (FMT)\n", "--to"},
    {"convert --to fp16 --round up", "", "",
     "<command-line>:1:@: error: unknown rounding mode 'up' (expected nearest-even, toward-zero, half-away or "
     "stochastic)\n",
     "up"},
    {"convert --to fp16 --rund up", "", "",
     "<command-line>:1:@: error: unknown option '--rund' for 'lpsim convert' (did you mean '--round'?)\n", "--rund"},
    {"convert --to fp16 --to bf16", "", "", "<command-line>:1:@: error: option '--to' given twice\n", "--to bf16"},
    {"convert --to fp16 --saturate=yes", "", "", "<command-line>:1:@: error: option '--saturate' takes no value\n",
     "=yes"},
    {"convert --to fp16 --seed -3", "", "",
     "<command-line>:1:@: error: --seed expects a non-negative integer, got '-3'\n", "-3"},
    {"convert --to fp16 extra", "", "", "<command-line>:1:@: error: unexpected argument 'extra' for 'lpsim convert'\n",
     "extra"},
    {"decode --from fp6_e3m2fn", "1f\n40\n", "41e00000\n",
     "<stdin>:2:1: error: code 40 does not fit fp6_e3m2fn (6 bits)\n", NULL},
    {"decode --from fp4_e2m1fn", "7\n 7g\n", "40c00000\n", "<stdin>:2:3: error: invalid hex digit 'g' in code\n", NULL},
    {"decode --from bf16", "3f800\n", "", "<stdin>:1:1: error: code has more than 4 hex digits\n", NULL},
    {"mx-quantize --elem fp4_e2m1 --block 2", "3f800000 3f800000\n3f800000 3f800000 3f800000\n", "3f800000 3f800000\n",
     "<stdin>:2:19: error: line holds 3 values, not a multiple of the block size 2 (the incomplete block starts "
     "here)\n",
     NULL},
    {"mx-quantize --elem fp4_e2m1 --block 2", "3f800000 3f80000q\n", "",
     "<stdin>:1:17: error: invalid hex digit 'q' in float32 bit pattern\n", NULL},
    {"mx-quantize --elem fp4_e2m1 --block 2", "\n", "",
     "<stdin>:1:1: error: empty line: expected float32 bit patterns\n", NULL},
    {"mx-quantize --elem bf16", "", "",
     "<command-line>:1:@: error: unknown MX element type 'bf16' (expected fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, "
     "fp4_e2m1 or int8)\n",
     "bf16"},
    {"mx-quantize --elem int8 --block 31", "", "", "<command-line>:1:@: error: --block must be even, got 31\n", "31"},
    {"mx-quantize --elem int8 --block 1", "", "",
     "<command-line>:1:@: error: --block must be between 2 and 4096, got 1\n", "1"},
    {"mx-quantize --elem int8 --block 3x", "", "", "<command-line>:1:@: error: --block expects an integer, got '3x'\n",
     "3x"},
    {"mx-quantize --elem int8 --round up", "", "",
     "<command-line>:1:@: error: unknown MX rounding 'up' (expected nearest, even or toward-zero)\n", "up"},
    {"mx-quantize --round even", "", "", "<command-line>:1:1: error: 'lpsim mx-quantize' needs --elem TYPE\n", NULL},
    {"frobnicate", "", "", "<command-line>:1:@: error: unknown command 'frobnicate' (see 'lpsim --help')\n",
     "frobnicate"},
    {"formats nosuch", "", "", "<command-line>:1:@: error: unknown format 'nosuch' (see 'lpsim formats')\n", "nosuch"},
    {"version --bogus", "", "",
     "<command-line>:1:@: error: unknown option '--bogus' for 'lpsim version' (see 'lpsim version --help')\n",
     "--bogus"},
    {"help formats extra", "", "", "<command-line>:1:@: error: unexpected argument 'extra' for 'lpsim help'\n",
     "extra"},
};

static void test_diagnostics_name_line_and_column(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof diag_cases / sizeof diag_cases[0]; i++) {
        const diag_case *d = &diag_cases[i];
        char want[512], *out, *err;
        size_t inlen = strlen(d->in);
        if (d->at) {
            const char *at = strstr(d->args, d->at);
            CU_ASSERT_PTR_NOT_NULL_FATAL(at);
            int col = (int)strlen(LPSIM_BIN) + 2 + (int)(at - d->args);
            const char *mark = strchr(d->err, '@');
            snprintf(want, sizeof want, "%.*s%d%s", (int)(mark - d->err), d->err, col, mark + 1);
        } else {
            snprintf(want, sizeof want, "%s", d->err);
        }
        int rc = lpt_run(d->args, d->in, inlen, &out, &err);
        if (rc != 2 || strcmp(err, want) || strcmp(out, d->out))
            lpt_mismatch(&bad, "lpsim %s: rc %d\n    stderr: %s    want:   %s    stdout: '%s' want '%s'", d->args, rc,
                         err, want, out, d->out);
        free(out), free(err);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* A NUL byte (binary garbage) is reported, not read as the end of the line. */
static void test_nul_byte_is_an_error(void)
{
    static const char in[] = {'3', 'f', '8', '0', 0, '0', '0', '0', '\n'};
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("convert --to bf16", in, sizeof in, &out, &err), 2);
    CU_ASSERT_STRING_EQUAL(err, "<stdin>:1:5: error: invalid hex digit byte 0x00 in float32 bit pattern\n");
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out), free(err);
}

static void test_help_for_every_command(void)
{
    static const char *const cmds[] = {"demo", "formats", "convert", "decode", "mx-quantize", "gemm-bits"};
    char args[64], *out, *err;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char want[64];
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        snprintf(want, sizeof want, "usage: lpsim %s ", cmds[i]);
        CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        free(out), free(err);
        snprintf(args, sizeof args, "help %s", cmds[i]);
        CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        free(out), free(err);
    }
    CU_ASSERT_EQUAL(lpt_run("--help", "", 0, &out, &err), 0);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) CU_ASSERT_PTR_NOT_NULL(strstr(out, cmds[i]));
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("", "", 0, &out, &err), 2); /* no command: an error where it goes, then usage */
    char want[128];
    snprintf(want, sizeof want, "<command-line>:1:%d: error: no command given (see 'lpsim help')\n",
             (int)strlen(LPSIM_BIN) + 1);
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "usage: lpsim COMMAND"));
    free(out), free(err);
    /* version has a help of its own, by either spelling */
    CU_ASSERT_EQUAL(lpt_run("version --help", "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(strncmp(out, "usage: lpsim version\n", 21), 0);
    free(out), free(err);
    CU_ASSERT_EQUAL(lpt_run("help version", "", 0, &out, &err), 0);
    CU_ASSERT_EQUAL(strncmp(out, "usage: lpsim version\n", 21), 0);
    free(out), free(err);
}

/* `lpsim formats NAME` describes parametric formats from their parsed values. */
static void test_formats_describes_a_format(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(lpt_run("formats e3m2_b5_ieee --values", "", 0, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "format     e3m2_b5_ieee"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "3 exponent, 2 fraction, bias 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "max        3.5 (code 1b)")); /* 1.75 * 2^(6-5) */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1c inf\n"));
    free(out), free(err);
}

/* ---- gemm-bits -------------------------------------------------------------- */

/* Run gemm-bits on a data file; compare each case's out_hex with column col. */
static int gemm_bits_vs(const char *args_fmt, const char *rel, const char *col, const char *only_case)
{
    char args[1024], *out, *err;
    snprintf(args, sizeof args, args_fmt, lpt_data(rel));
    int rc = lpt_run(args, "", 0, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "\n  lpsim %s: %s", args, err);
    lpt_csv c;
    int bad = 0, cases = 0;
    char *p = out, *line = next_line(&p);
    CU_ASSERT_STRING_EQUAL(line ? line : "", "case,out_hex");
    if (lpt_csv_open(&c, rel)) {
        int cc = lpt_csv_col(&c, "case"), co = lpt_csv_col(&c, col);
        for (;;) { /* one output line per row of the file, no more, no fewer */
            bool row = lpt_csv_next(&c);
            line = next_line(&p);
            if (!row || !line) {
                if (row || line) fprintf(stderr, "\n  lpsim %s: %s", args, row ? "output ends early" : "extra output");
                CU_ASSERT(!row && !line);
                break;
            }
            char *comma = strchr(line, ',');
            CU_ASSERT_FATAL(comma != NULL);
            *comma = 0;
            CU_ASSERT_STRING_EQUAL(line, c.f[cc]);
            if (only_case && strcmp(c.f[cc], only_case)) continue;
            cases++;
            if (strcmp(comma + 1, c.f[co])) lpt_mismatch(&bad, "lpsim %s: case %s differs from %s", args, line, col);
        }
        lpt_csv_close(&c);
    }
    free(out), free(err);
    CU_ASSERT(only_case ? cases == 1 : cases > 0);
    return bad;
}

static void test_gemm_bits_reproduces_h100(void)
{
    CU_ASSERT_EQUAL(gemm_bits_vs("gemm-bits --preset h100-fp8 %s", "tensorcore_bits/gemm_bits_fp8_e4m3.csv",
                                 "cublas_scaled_mm", NULL),
                    0);
    CU_ASSERT_EQUAL(gemm_bits_vs("gemm-bits --preset h100-fp8-fastaccum %s", "tensorcore_bits/gemm_bits_fp8_e4m3.csv",
                                 "cublas_scaled_mm_fastaccum", NULL),
                    0);
    CU_ASSERT_EQUAL(gemm_bits_vs("gemm-bits --preset h100-bf16 %s", "tensorcore_bits/gemm_bits_bf16.csv",
                                 "cublas_mm_out_f32", NULL),
                    0);
    CU_ASSERT_EQUAL(gemm_bits_vs("gemm-bits --preset h100-bf16 --promote 1 %s", "tensorcore_bits/gemm_bits_bf16.csv",
                                 "wmma_m16n16k16_mode1", NULL),
                    0);
    /* cuBLAS split (16, 4096, 14336) bf16 in 2 parts of a multiple of 64 */
    CU_ASSERT_EQUAL(gemm_bits_vs("gemm-bits --preset h100-bf16 --split 2:64 %s",
                                 "tensorcore_bits/gemm_bits_big_bf16.csv", "cublas_mm_out_f32", "10"),
                    0);
}

/* A temporary CSV; returns its path (static buffer, one at a time). */
static const char *temp_csv(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/lpt_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

static void expect_gemm_error(const char *name, const char *text, const char *extra, const char *want_suffix)
{
    char args[512], want[512], *out, *err;
    const char *path = temp_csv(name, text);
    snprintf(args, sizeof args, "gemm-bits --preset h100-bf16 %s %s", extra, path);
    snprintf(want, sizeof want, "%s:%s", path, want_suffix);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    if (strcmp(err, want)) fprintf(stderr, "\n  lpsim %s\n    got:  %s    want: %s", args, err, want);
    CU_ASSERT_STRING_EQUAL(err, want);
    free(out), free(err);
    unlink(path);
}

static void test_gemm_bits_diagnostics(void)
{
    const char *hdr = "case,pattern,M,N,K,A_hex,B_hex\n";
    char text[512];
    expect_gemm_error("a_bf16.csv", "", "", "1:1: error: empty file: expected a header line\n");
    expect_gemm_error("b_bf16.csv", "case,M,N,K,A_hex\n", "", "1:1: error: header has no column 'B_hex'\n");
    snprintf(text, sizeof text, "%s1,x,1,1,2,3f803f80,3f80\n", hdr);
    expect_gemm_error("c_bf16.csv", text, "", "2:20: error: B_hex holds 4 hex digits, expected 8 (2 bf16 codes)\n");
    snprintf(text, sizeof text, "%s1,x,1,1,1,3f8g,3f80\n", hdr);
    expect_gemm_error("d_bf16.csv", text, "", "2:14: error: invalid hex digit in A_hex\n");
    snprintf(text, sizeof text, "%s1,x,1,one,1,3f80,3f80\n", hdr);
    expect_gemm_error("e_bf16.csv", text, "", "2:7: error: N must be an integer, got 'one'\n");
    snprintf(text, sizeof text, "%s1,x,1,1,0,,\n", hdr);
    expect_gemm_error("f_bf16.csv", text, "", "2:9: error: K must be between 1 and 4194304, got 0\n");
    snprintf(text, sizeof text, "%s1,x,1,1,1,3f80\n", hdr);
    expect_gemm_error("g_bf16.csv", text, "", "2:15: error: line has 6 fields, the header 7\n");
    snprintf(text, sizeof text, "%s1,x,1,1,1,3f80,3f80\n2,x,1,1,1,3f80,3f80,9\n", hdr);
    /* the first case is printed before the error on line 3 */
    char args[512], *out, *err;
    const char *path = temp_csv("h_bf16.csv", text);
    snprintf(args, sizeof args, "gemm-bits --preset h100-bf16 %s", path);
    CU_ASSERT_EQUAL(lpt_run(args, "", 0, &out, &err), 2);
    CU_ASSERT_STRING_EQUAL(out, "case,out_hex\n1,3f800000\n");
    free(out), free(err);
    unlink(path);
    /* arguments */
    static const diag_case arg_cases[] = {
        {"gemm-bits --preset h200 x_bf16.csv", "", "",
         "<command-line>:1:@: error: unknown preset 'h200' (presets: exact, fp32-seq, h100-bf16, h100-fp8, "
         "h100-fp8-fastaccum, v100-fp16, a100-fp16, ada-fp8, b200-bf16, b200-fp8, b200-mx)\n",
         "h200"},
        {"gemm-bits --preset exact --split 3 x_bf16.csv", "", "",
         "<command-line>:1:@: error: --split expects S:T with 1 <= S <= 4096 parts and a tile 1 <= T <= 1048576, got "
         "'3'\n",
         "3"},
        {"gemm-bits --preset exact /nonexistent/x_bf16.csv", "", "",
         "<command-line>:1:@: error: '/nonexistent/x_bf16.csv': cannot read: No such file or directory\n",
         "/nonexistent"},
        {"gemm-bits --preset exact data.csv", "", "",
         "<command-line>:1:@: error: cannot tell the input format from the file name 'data.csv'; give --in FMT\n",
         "data.csv"},
        {"gemm-bits --preset exact --in fp32 data.csv", "", "",
         "<command-line>:1:@: error: input formats are at most 16 bits wide, fp32 has 32\n", "fp32"},
        {"gemm-bits data_bf16.csv", "", "", "<command-line>:1:1: error: 'lpsim gemm-bits' needs --preset NAME\n", NULL},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof arg_cases / sizeof arg_cases[0]; i++) {
        const diag_case *dc = &arg_cases[i];
        char want[512];
        if (dc->at) {
            int col = (int)strlen(LPSIM_BIN) + 2 + (int)(strstr(dc->args, dc->at) - dc->args);
            const char *mark = strchr(dc->err, '@');
            snprintf(want, sizeof want, "%.*s%d%s", (int)(mark - dc->err), dc->err, col, mark + 1);
        } else {
            snprintf(want, sizeof want, "%s", dc->err);
        }
        int rc = lpt_run(dc->args, "", 0, &out, &err);
        if (rc != 2 || strcmp(err, want))
            lpt_mismatch(&bad, "lpsim %s: rc %d\n    got:  %s    want: %s", dc->args, rc, err, want);
        free(out), free(err);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

CU_TestInfo lpt_cli_tests[] = {
    {"gemm_bits/reproduces_h100_through_the_command", test_gemm_bits_reproduces_h100},
    {"gemm_bits/diagnostics", test_gemm_bits_diagnostics},
    {"convert/every_encode_row_of_ml_dtypes", test_convert_every_encode_row},
    {"decode/every_code_of_ml_dtypes", test_decode_every_code},
    {"mx_quantize/every_block_of_microxcaling", test_mx_quantize_every_block},
    {"mx_quantize/codes_output_is_the_packed_library_codes", test_mx_quantize_codes_output},
    {"convert/stochastic_seed_reproducible", test_stochastic_seed_through_the_command},
    {"diag/name_line_column_and_exit_2", test_diagnostics_name_line_and_column},
    {"diag/nul_byte_is_an_error", test_nul_byte_is_an_error},
    {"help/every_command", test_help_for_every_command},
    {"formats/describes_a_parametric_format", test_formats_describes_a_format},
    CU_TEST_INFO_NULL,
};
