/*
** asm.c — the assembler (see asm.h for the contract, docs/isa.md for the
** language).
**
** Source is split into lines once; run() walks a range of lines, so a .for
** loop re-runs its body with the loop variable bound, and the program is
** straight-line code. Operands are split at top-level commas and parsed by the
** kind the instruction table gives them. Each diagnostic is recorded once
** (a loop body repeats its errors otherwise); after max_errors the assembler
** stops. All text handling goes by explicit lengths: NUL bytes and any other
** byte are reported, never trusted.
*/
#define _POSIX_C_SOURCE 200809L
#include "asm.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dot.h"
#include "lp_file.h"
#include "mx.h"

#define LINE_MAX_BYTES 4096
#define MAX_SYMS 1024
#define MAX_OPERANDS 16
#define MAX_FOR_DEPTH 16
#define DEFAULT_SPACE (UINT64_C(1) << ISA_ADDR_BITS)
#define MAX_WORK (UINT64_C(1) << 27) /* lines + iterations: .for expansion cannot run away */

typedef struct line {
    const char *s;
    size_t len;
    int no;
} line;

typedef struct sym {
    char name[ISA_NAME_MAX];
    int64_t value;
    bool loop; /* a .for variable (scoped) */
} sym;

/* An operand (or directive argument): text and its 1-based column. */
typedef struct arg {
    const char *s;
    size_t len;
    int col;
} arg;

typedef struct as {
    const asm_opts *o;
    asm_diags *dg;
    isa_prog *p;
    line *lines;
    int nlines;
    sym syms[MAX_SYMS];
    int nsyms;
    int max_errors;
    bool stop, nomem;
    uint64_t spm_bytes, acc_bytes;
    char dir[1024];
    uint64_t n_emitted; /* instructions emitted, to bound .for expansion */
    uint64_t work;      /* lines and loop iterations processed, to bound it too */
    uint64_t max_work;
    bool *errored; /* per line: reported an error already (loop bodies are not re-checked) */
    int depth;
} as;

/* The directives, for the "unknown directive" message and the reference page.
**  name        arguments                                    meaning */
static const struct {
    const char *name, *args, *doc;
} directives[] = {
    {".buffer", "NAME, FORMAT, ROWS, COLS",
     "declare a DRAM buffer of ROWS x COLS elements (zero unless .data fills it)"},
    {".data", "NAME, hex \"FILE\" | bin \"FILE\" | inline",
     "initial contents: hex codes (whitespace-separated, # comments), raw little-endian elements, or hex lines up to "
     ".enddata"},
    {".expect", "NAME, hex \"FILE\" | bin \"FILE\" | inline [, bitexact | maxulp N | relerr X]",
     "expected contents of NAME after the run: bitexact (default) every code equal; maxulp N float elements at most "
     "N units in the last place apart, NaN only against NaN; relerr X normwise, max abs(got - want) <= X * max "
     "abs(want)"},
    {".enddata", "", "end of inline contents"},
    {".equ", "NAME, EXPR", "a named integer constant"},
    {".for", "VAR = START, END [, STEP]", "repeat the lines up to .endfor with VAR = START, START+STEP, ... < END"},
    {".endfor", "", "end of a .for body"},
    {".spm", "BYTES", "scratchpad size for the assembler's tile checks (default 16 MiB)"},
    {".acc", "BYTES", "accumulator-buffer size for the tile checks (default 16 MiB)"},
};
#define NDIRECTIVES (int)(sizeof directives / sizeof directives[0])

/* ---- diagnostics --------------------------------------------------------------- */

static const char *own_name(asm_diags *dg, const char *name)
{
    for (int i = 0; i < dg->nnames; i++)
        if (!strcmp(dg->names[i], name)) return dg->names[i];
    char **q = realloc(dg->names, sizeof *q * (size_t)(dg->nnames + 1));
    if (!q) return "<file>";
    dg->names = q;
    q[dg->nnames] = strdup(name);
    return q[dg->nnames] ? q[dg->nnames++] : "<file>";
}

static void verr_at(as *a, const char *file, int lineno, int col, const char *fmt, va_list ap)
{
    if (a->stop) return;
    lp_diag d;
    lp_diag_init(&d, file);
    vsnprintf(d.msg, sizeof d.msg, fmt, ap);
    d.status = LP_ERR_PARSE;
    d.line = lineno;
    d.col = col < 1 ? 1 : col;
    asm_diags *dg = a->dg;
    for (int i = 0; i < dg->n; i++) /* once per place and message */
        if (dg->items[i].line == d.line && dg->items[i].col == d.col && !strcmp(dg->items[i].file, file) &&
            !strcmp(dg->items[i].msg, d.msg))
            return;
    if (dg->n >= a->max_errors) {
        dg->truncated = true;
        a->stop = true;
        return;
    }
    if (dg->n == dg->cap) {
        int nc = dg->cap ? dg->cap * 2 : 8;
        lp_diag *q = realloc(dg->items, sizeof *q * (size_t)nc);
        if (!q) {
            a->stop = a->nomem = true;
            return;
        }
        dg->items = q;
        dg->cap = nc;
    }
    d.file = own_name(dg, file);
    dg->items[dg->n++] = d;
}

static void err(as *a, const line *l, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void err(as *a, const line *l, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(a, a->o->path, l->no, col, fmt, ap);
    va_end(ap);
    if (a->errored && l->no >= 1 && l->no <= a->nlines) a->errored[l->no - 1] = true;
}

static void err_file(as *a, const char *file, int lineno, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void err_file(as *a, const char *file, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(a, file, lineno, col, fmt, ap);
    va_end(ap);
}

void asm_diags_print(const asm_diags *dg, FILE *f)
{
    for (int i = 0; i < dg->n; i++) lp_diag_print(&dg->items[i], f);
    if (dg->truncated) fprintf(f, "too many errors; stopped after %d\n", dg->n);
}

void asm_diags_free(asm_diags *dg)
{
    for (int i = 0; i < dg->nnames; i++) free(dg->names[i]);
    free(dg->names);
    free(dg->items);
    memset(dg, 0, sizeof *dg);
}

/* ---- text helpers ----------------------------------------------------------------- */

static bool is_ident_start(int c) { return isalpha(c) || c == '_'; }
static bool is_ident(int c) { return isalnum(c) || c == '_'; }

/* Quote an argument for a message (at most 40 characters, printable). */
static const char *quote(const arg *x, char *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < x->len && k + 4 < n && i < 40; i++) {
        unsigned char c = (unsigned char)x->s[i];
        buf[k++] = isprint(c) ? (char)c : '?';
    }
    if (x->len > 40 && k + 4 < n) buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
    buf[k] = 0;
    return buf;
}

static bool arg_is(const arg *x, const char *word)
{
    size_t n = strlen(word);
    if (x->len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)x->s[i]) != word[i]) return false;
    return true;
}

/* Copy an argument into a NUL-terminated buffer; false if too long. */
static bool arg_str(const arg *x, char *buf, size_t n)
{
    if (x->len >= n) return false;
    memcpy(buf, x->s, x->len);
    buf[x->len] = 0;
    return true;
}

static void trim(arg *x)
{
    while (x->len && (x->s[0] == ' ' || x->s[0] == '\t')) x->s++, x->len--, x->col++;
    while (x->len && (x->s[x->len - 1] == ' ' || x->s[x->len - 1] == '\t')) x->len--;
}

/* Split s (column col) at top-level commas into out; returns the count, or
** -1 with an error (unbalanced brackets, too many). */
static int split_args(as *a, const line *l, const char *s, size_t len, int col, arg *out, int max)
{
    int n = 0, depth = 0;
    size_t start = 0, open_at[64];
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (c == '"') { /* strings may hold commas */
            size_t j = i + 1;
            while (j < len && s[j] != '"') j++;
            if (j >= len) {
                err(a, l, col + (int)i, "unterminated string");
                return -1;
            }
            i = j;
            continue;
        }
        if (c == '(' || c == '[') {
            if (depth == 64) {
                err(a, l, col + (int)i, "brackets nest too deeply");
                return -1;
            }
            open_at[depth++] = i;
        }
        if (c == ')' || c == ']') {
            if (--depth < 0) {
                err(a, l, col + (int)i, "unbalanced '%c'", c);
                return -1;
            }
        }
        if (i == len && depth) {
            err(a, l, col + (int)open_at[depth - 1], "'%c' is never closed", s[open_at[depth - 1]]);
            return -1;
        }
        if (c == ',' && depth == 0) {
            if (n == max) {
                err(a, l, col + (int)i, "too many operands");
                return -1;
            }
            out[n].s = s + start;
            out[n].len = i - start;
            out[n].col = col + (int)start;
            trim(&out[n]);
            if (out[n].len == 0 && !(n == 0 && i == len)) {
                err(a, l, out[n].col, "missing operand");
                return -1;
            }
            n++;
            start = i + 1;
        }
    }
    if (n == 1 && out[0].len == 0) n = 0;
    return n;
}

/* ---- symbols and expressions --------------------------------------------------------- */

static sym *find_sym(as *a, const char *s, size_t len)
{
    for (int i = a->nsyms - 1; i >= 0; i--)
        if (strlen(a->syms[i].name) == len && !strncmp(a->syms[i].name, s, len)) return &a->syms[i];
    return NULL;
}

typedef struct ex {
    as *a;
    const line *l;
    const char *s;
    size_t len, pos;
    int col;
    bool bad;
} ex;

static void ex_skip(ex *e)
{
    while (e->pos < e->len && (e->s[e->pos] == ' ' || e->s[e->pos] == '\t')) e->pos++;
}

static void ex_err(ex *e, const char *fmt, const char *detail)
{
    if (!e->bad) err(e->a, e->l, e->col + (int)e->pos, fmt, detail);
    e->bad = true;
}

static int64_t ex_or(ex *e);

static int64_t ex_primary(ex *e)
{
    ex_skip(e);
    if (e->bad) return 0;
    if (e->pos >= e->len) {
        ex_err(e, "expected a number or a name%s", "");
        return 0;
    }
    char c = e->s[e->pos];
    if (c == '(') {
        e->pos++;
        int64_t v = ex_or(e);
        ex_skip(e);
        if (e->pos >= e->len || e->s[e->pos] != ')') {
            ex_err(e, "expected ')'%s", "");
            return 0;
        }
        e->pos++;
        return v;
    }
    if (c == '-' || c == '~' || c == '+') {
        e->pos++;
        int64_t v = ex_primary(e);
        return c == '-' ? (int64_t)(0u - (uint64_t)v) : c == '~' ? ~v : v;
    }
    if (isdigit((unsigned char)c)) {
        size_t start = e->pos;
        int base = 10;
        if (c == '0' && e->pos + 1 < e->len && (e->s[e->pos + 1] == 'x' || e->s[e->pos + 1] == 'X'))
            base = 16, e->pos += 2;
        else if (c == '0' && e->pos + 1 < e->len && (e->s[e->pos + 1] == 'b' || e->s[e->pos + 1] == 'B'))
            base = 2, e->pos += 2;
        uint64_t v = 0;
        size_t digits = 0;
        while (e->pos < e->len && isalnum((unsigned char)e->s[e->pos])) {
            int d = isdigit((unsigned char)e->s[e->pos]) ? e->s[e->pos] - '0'
                                                         : tolower((unsigned char)e->s[e->pos]) - 'a' + 10;
            if (d >= base) {
                ex_err(e, "invalid digit in a number%s", "");
                return 0;
            }
            if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base || v * (uint64_t)base + (uint64_t)d > INT64_MAX) {
                e->pos = start;
                ex_err(e, "number too large%s", "");
                return 0;
            }
            v = v * (uint64_t)base + (uint64_t)d;
            e->pos++;
            digits++;
        }
        if (!digits) ex_err(e, "expected digits%s", "");
        return (int64_t)v;
    }
    if (is_ident_start((unsigned char)c)) {
        size_t start = e->pos;
        while (e->pos < e->len && is_ident((unsigned char)e->s[e->pos])) e->pos++;
        sym *sy = find_sym(e->a, e->s + start, e->pos - start);
        if (!sy) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(e->pos - start < 40 ? e->pos - start : 40), e->s + start);
            e->pos = start;
            ex_err(e, "undefined symbol '%s'", name);
            return 0;
        }
        return sy->value;
    }
    char what[16];
    snprintf(what, sizeof what, isprint((unsigned char)c) ? "'%c'" : "byte 0x%02x",
             isprint((unsigned char)c) ? c : (unsigned char)c);
    ex_err(e, "unexpected %s in expression", what);
    return 0;
}

static int64_t ex_mul(ex *e)
{
    int64_t v = ex_primary(e);
    for (;;) {
        ex_skip(e);
        if (e->bad || e->pos >= e->len) return v;
        char c = e->s[e->pos];
        if (c != '*' && c != '/' && c != '%') return v;
        size_t at = e->pos++;
        int64_t r = ex_primary(e), out;
        if (e->bad) return 0;
        if (c == '*') {
            if (__builtin_mul_overflow(v, r, &out)) {
                e->pos = at;
                ex_err(e, "overflow in multiplication%s", "");
                return 0;
            }
            v = out;
        } else {
            if (r == 0 || (v == INT64_MIN && r == -1)) {
                e->pos = at;
                ex_err(e, "division by zero%s", "");
                return 0;
            }
            v = c == '/' ? v / r : v % r;
        }
    }
}

static int64_t ex_add(ex *e)
{
    int64_t v = ex_mul(e);
    for (;;) {
        ex_skip(e);
        if (e->bad || e->pos >= e->len) return v;
        char c = e->s[e->pos];
        if (c != '+' && c != '-') return v;
        size_t at = e->pos++;
        int64_t r = ex_mul(e), out;
        if (e->bad) return 0;
        if (c == '+' ? __builtin_add_overflow(v, r, &out) : __builtin_sub_overflow(v, r, &out)) {
            e->pos = at;
            ex_err(e, "overflow%s", "");
            return 0;
        }
        v = out;
    }
}

static int64_t ex_shift(ex *e)
{
    int64_t v = ex_add(e);
    for (;;) {
        ex_skip(e);
        if (e->bad || e->pos + 1 >= e->len) return v;
        const char *p = e->s + e->pos;
        if (!((p[0] == '<' && p[1] == '<') || (p[0] == '>' && p[1] == '>'))) return v;
        size_t at = e->pos;
        e->pos += 2;
        int64_t r = ex_add(e);
        if (e->bad) return 0;
        if (r < 0 || r > 62 || (p[0] == '<' && (v < 0 || v > (INT64_MAX >> r)))) {
            e->pos = at;
            ex_err(e, "shift out of range%s", "");
            return 0;
        }
        v = p[0] == '<' ? v << r : v >> r;
    }
}

static int64_t ex_or(ex *e)
{
    int64_t v = ex_shift(e);
    for (;;) {
        ex_skip(e);
        if (e->bad || e->pos >= e->len) return v;
        char c = e->s[e->pos];
        if (c != '&' && c != '|' && c != '^') return v;
        e->pos++;
        int64_t r = ex_shift(e);
        v = c == '&' ? v & r : c == '|' ? v | r : v ^ r;
    }
}

/* Evaluate an argument as an integer expression; false after an error. */
static bool eval(as *a, const line *l, const arg *x, int64_t *out)
{
    ex e = {a, l, x->s, x->len, 0, x->col, false};
    int64_t v = ex_or(&e);
    ex_skip(&e);
    if (!e.bad && e.pos < e.len) {
        char c = e.s[e.pos];
        char what[16];
        snprintf(what, sizeof what, isprint((unsigned char)c) ? "'%c'" : "byte 0x%02x",
                 isprint((unsigned char)c) ? c : (unsigned char)c);
        ex_err(&e, "unexpected %s after the expression", what);
    }
    if (e.bad) return false;
    *out = v;
    return true;
}

static bool eval_range(as *a, const line *l, const arg *x, int64_t lo, int64_t hi, const char *what, int64_t *out)
{
    if (!eval(a, l, x, out)) return false;
    if (*out < lo || *out > hi) {
        err(a, l, x->col, "%s must be between %lld and %lld, got %lld", what, (long long)lo, (long long)hi,
            (long long)*out);
        return false;
    }
    return true;
}

/* ---- operands ------------------------------------------------------------------------ */

/* "space:EXPR" with one of the given prefixes; returns the prefix index or -1. */
static int prefixed(const arg *x, const char *const *prefixes, int n, arg *rest)
{
    for (int i = 0; i < n; i++) {
        size_t k = strlen(prefixes[i]);
        if (x->len > k && !strncasecmp(x->s, prefixes[i], k) && x->s[k] == ':') {
            *rest = (arg){x->s + k + 1, x->len - k - 1, x->col + (int)k + 1};
            trim(rest);
            return i;
        }
    }
    return -1;
}

static void kind_error(as *a, const line *l, const isa_info *info, int i, const arg *x)
{
    char q[64];
    const isa_operand_info *o = &info->ops[i];
    err(a, l, x->col, "operand %d of %s (%s) must be %s %s (%s), got '%s'", i + 1, info->mnemonic, o->name,
        o->kind == ISA_K_ACC || o->kind == ISA_K_ACCMODE || o->kind == ISA_K_MEM ? "an" : "a", isa_kind_help(o->kind),
        isa_kind_syntax(o->kind), quote(x, q, sizeof q));
}

static int preset_index(const char *name)
{
    for (int i = 0; i < dot_preset_count(); i++) {
        dot_cfg c;
        dot_preset_get(i, &c);
        if (!strcmp(c.name, name)) return i;
    }
    return -1;
}

/* Parse operand i of info from x into *v; false after an error. */
static bool parse_operand(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    const isa_operand_info *o = &info->ops[i];
    static const char *const spaces[] = {"spm", "acc", "pim"};
    char word[64];
    arg rest;
    int64_t n;
    switch (o->kind) {
    case ISA_K_SPM:
    case ISA_K_ACC:
    case ISA_K_MEM:
    case ISA_K_PIM: {
        int sp = prefixed(x, spaces, 3, &rest);
        bool ok = (o->kind == ISA_K_SPM && sp == 0) || (o->kind == ISA_K_ACC && sp == 1) ||
                  (o->kind == ISA_K_MEM && (sp == 0 || sp == 1)) || (o->kind == ISA_K_PIM && sp == 2);
        if (!ok) {
            kind_error(a, l, info, i, x);
            return false;
        }
        if (!eval_range(a, l, &rest, 0, o->kind == ISA_K_PIM ? 65535 : (int64_t)DEFAULT_SPACE - 1,
                        o->kind == ISA_K_PIM ? "a PIM array index" : "an address", &n))
            return false;
        *v = (uint64_t)n | (o->kind == ISA_K_MEM && sp == 1 ? ISA_MEM_ACC : 0);
        return true;
    }
    case ISA_K_DRAM: {
        size_t k = 0;
        while (k < x->len && is_ident((unsigned char)x->s[k])) k++;
        if (k == 0 || !is_ident_start((unsigned char)x->s[0])) {
            kind_error(a, l, info, i, x);
            return false;
        }
        char name[ISA_NAME_MAX + 8];
        snprintf(name, sizeof name, "%.*s", (int)(k < ISA_NAME_MAX ? k : ISA_NAME_MAX), x->s);
        int bi = k < ISA_NAME_MAX ? isa_prog_find(a->p, name) : -1;
        if (bi < 0) {
            if (find_sym(a, x->s, k))
                err(a, l, x->col, "'%s' is a constant, not a DRAM buffer", name);
            else if (prefixed(x, spaces, 3, &rest) >= 0)
                kind_error(a, l, info, i, x);
            else
                err(a, l, x->col, "undefined buffer '%s'", name);
            return false;
        }
        const isa_buffer *b = &a->p->bufs[bi];
        int64_t r = 0, c = 0;
        arg idx = {x->s + k, x->len - k, x->col + (int)k};
        trim(&idx);
        if (idx.len) {
            if (idx.s[0] != '[' || idx.s[idx.len - 1] != ']') {
                err(a, l, idx.col, "expected '[ROW, COL]' after the buffer name");
                return false;
            }
            arg two[2];
            int before = a->dg->n, got = split_args(a, l, idx.s + 1, idx.len - 2, idx.col + 1, two, 2);
            if (got != 2) {
                if (a->dg->n == before) /* not already explained */
                    err(a, l, idx.col, "expected '[ROW, COL]', a row and a column separated by a comma");
                return false;
            }
            if (!eval_range(a, l, &two[0], 0, (int64_t)b->rows - 1, "the row", &r) ||
                !eval_range(a, l, &two[1], 0, (int64_t)b->cols - 1, "the column", &c))
                return false;
        }
        mf_format f;
        isa_buffer_format(b, &f);
        uint64_t addr = b->addr + ((uint64_t)r * b->cols + (uint64_t)c) * (uint64_t)isa_elem_bytes(&f);
        *v = addr | (uint64_t)b->cols << ISA_DRAM_ADDR_BITS;
        return true;
    }
    case ISA_K_DIM:
    case ISA_K_BITS:
        if (!eval_range(a, l, x, 1, o->kind == ISA_K_DIM ? 65535 : 16,
                        o->kind == ISA_K_DIM ? "a dimension" : "a bit width", &n))
            return false;
        if (n % o->multiple) {
            err(a, l, x->col, "operand %d of %s (%s) must be a multiple of %d, got %lld", i + 1, info->mnemonic,
                o->name, o->multiple, (long long)n);
            return false;
        }
        *v = (uint64_t)n;
        return true;
    case ISA_K_FMT: {
        mf_format f;
        lp_diag pd;
        lp_diag_init(&pd, NULL);
        if (!arg_str(x, word, sizeof word) || mf_parse(word, &f, &pd) != LP_OK) {
            err(a, l, x->col, "%s", x->len >= sizeof word ? "format name too long" : pd.msg);
            return false;
        }
        if (f.bits > 32) {
            err(a, l, x->col, "format %s is wider than 32 bits", f.name);
            return false;
        }
        *v = isa_fmt_code(&f);
        return true;
    }
    case ISA_K_MX: {
        mx_elem e;
        lp_diag pd;
        lp_diag_init(&pd, NULL);
        if (!arg_str(x, word, sizeof word) || mx_elem_parse(word, &e, &pd) != LP_OK) {
            err(a, l, x->col, "%s", x->len >= sizeof word ? "MX element type too long" : pd.msg);
            return false;
        }
        for (int k = 0; k < MX_ELEM_COUNT; k++)
            if (!strcmp(mx_elem_id_name((mx_elem_id)k), e.name)) *v = (uint64_t)k;
        return true;
    }
    case ISA_K_PRESET: {
        int pi = arg_str(x, word, sizeof word) ? preset_index(word) : -1;
        if (pi < 0) {
            dot_cfg c;
            lp_diag pd;
            lp_diag_init(&pd, NULL);
            dot_preset(arg_str(x, word, sizeof word) ? word : "?", &c, &pd);
            err(a, l, x->col, "%s", pd.msg);
            return false;
        }
        *v = (uint64_t)pi;
        return true;
    }
    case ISA_K_ACCMODE:
    case ISA_K_GEMV: {
        const char *w0 = o->kind == ISA_K_ACCMODE ? "set" : "lut", *w1 = o->kind == ISA_K_ACCMODE ? "acc" : "bitserial";
        if (arg_is(x, w0) || arg_is(x, w1)) {
            *v = arg_is(x, w1);
            return true;
        }
        kind_error(a, l, info, i, x);
        return false;
    }
    case ISA_K_ROUND: {
        mf_round r;
        if (!arg_str(x, word, sizeof word) || mf_round_parse(word, &r) != LP_OK) {
            kind_error(a, l, info, i, x);
            return false;
        }
        *v = (uint64_t)r;
        return true;
    }
    case ISA_K_F32: {
        uint32_t bits = 0;
        char *end;
        if (!arg_str(x, word, sizeof word)) {
            kind_error(a, l, info, i, x);
            return false;
        }
        if (!strncasecmp(word, "nan:0x", 6)) {
            errno = 0;
            unsigned long b = strtoul(word + 6, &end, 16);
            if (*end || errno || b > 0xffffffffu || (b & 0x7fffffffu) <= 0x7f800000u) {
                err(a, l, x->col, "'%s' is not a float32 NaN bit pattern (nan:0x7fc00000)", word);
                return false;
            }
            bits = (uint32_t)b;
        } else {
            if (!word[0] || isspace((unsigned char)word[0]) || strchr(word, 'x') || strchr(word, 'X') ||
                !strcasecmp(word, "nan") || !strcasecmp(word, "-nan")) {
                kind_error(a, l, info, i, x);
                return false;
            }
            float f = strtof(word, &end);
            if (*end) {
                kind_error(a, l, info, i, x);
                return false;
            }
            memcpy(&bits, &f, 4);
        }
        *v = bits;
        return true;
    }
    default: kind_error(a, l, info, i, x); return false;
    }
}

/* ---- instructions ----------------------------------------------------------------------- */

static void instruction(as *a, const line *l, const char *s, size_t len, int col)
{
    size_t k = 0;
    while (k < len && is_ident((unsigned char)s[k])) k++;
    char mn[40], q[64];
    arg mna = {s, k, col};
    if (k == 0 || k >= sizeof mn || !is_ident_start((unsigned char)s[0])) {
        arg bad = {s, len, col};
        err(a, l, col, "expected an instruction or a directive, got '%s'", quote(&bad, q, sizeof q));
        return;
    }
    arg_str(&mna, mn, sizeof mn);
    int op = isa_lookup(mn);
    if (op < 0) {
        const char *best = NULL;
        int bestd = 3;
        for (int i = 0; i < ISA_OP_COUNT; i++) {
            int d = lp_edit_distance(mn, isa_get((isa_op)i)->mnemonic);
            if (d < bestd) bestd = d, best = isa_get((isa_op)i)->mnemonic;
        }
        if (best)
            err(a, l, col, "unknown instruction '%s' (did you mean '%s'?)", mn, best);
        else
            err(a, l, col, "unknown instruction '%s' (see 'lpsim asm --help-isa')", mn);
        return;
    }
    const isa_info *info = isa_get((isa_op)op);
    if (k < len && s[k] != ' ' && s[k] != '\t') {
        err(a, l, col + (int)k, "expected a space after the instruction name");
        return;
    }
    arg args[MAX_OPERANDS];
    int n = split_args(a, l, s + k, len - k, col + (int)k, args, MAX_OPERANDS);
    if (n < 0) return;
    if (n != info->nops) {
        char names[200] = "";
        for (int i = 0; i < info->nops; i++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", info->ops[i].name);
        }
        err(a, l, n > info->nops ? args[info->nops].col : col, "%s takes %d operand%s (%s), got %d", info->mnemonic,
            info->nops, info->nops == 1 ? "" : "s", names, n);
        return;
    }
    isa_insn in = {(isa_op)op, {0}};
    for (int i = 0; i < n; i++)
        if (!parse_operand(a, l, info, i, &args[i], &in.v[i])) return;
    lp_diag msg;
    int bad;
    if (isa_check_values(&in, &bad, &msg) != LP_OK || isa_prog_check_dram(a->p, &in, &bad, &msg) != LP_OK) {
        err(a, l, args[bad].col, "%s", msg.msg);
        return;
    }
    for (int i = 0; i < n; i++) { /* tiles within the declared SPM / ACC */
        const isa_operand_info *o = &info->ops[i];
        if (!o->has_foot || (o->kind != ISA_K_SPM && o->kind != ISA_K_ACC && o->kind != ISA_K_MEM)) continue;
        bool acc = o->kind == ISA_K_ACC || (o->kind == ISA_K_MEM && (in.v[i] & ISA_MEM_ACC));
        uint64_t addr = in.v[i] & (ISA_MEM_ACC - 1), bytes = isa_foot_bytes(&in, i);
        uint64_t size = acc ? a->acc_bytes : a->spm_bytes;
        if (addr + bytes > size) {
            err(a, l, args[i].col, "tile of %llu bytes at %s:0x%llx runs past the %s (%llu bytes)",
                (unsigned long long)bytes, acc ? "acc" : "spm", (unsigned long long)addr,
                acc ? "accumulator buffer" : "scratchpad", (unsigned long long)size);
            return;
        }
    }
    if (a->n_emitted >= ISA_MAX_INSNS) {
        err(a, l, col, "the program exceeds %llu instructions", (unsigned long long)ISA_MAX_INSNS);
        a->stop = true;
        return;
    }
    lp_status st = isa_prog_add_insn(a->p, &in);
    if (st == LP_ERR_NOMEM) a->stop = a->nomem = true;
    a->n_emitted++;
}

/* ---- data ------------------------------------------------------------------------------- */

/* Separators in data text. (Not strchr: it would match a NUL byte.) */
static bool is_data_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == '#' || c == ';';
}

/* Parse hex element codes from text (len bytes) into out (n elements of eb
** bytes). Errors point into file at line0 (first line of text). Returns the
** number of elements found (stops counting past n). */
static size_t parse_hex_elems(as *a, const char *file, int line0, const char *text, size_t len, const mf_format *f,
                              uint8_t *out, size_t n, bool *ok)
{
    int eb = isa_elem_bytes(f), lineno = line0;
    size_t count = 0, col0 = 0;
    *ok = true;
    for (size_t i = 0; i < len && *ok && !a->stop;) {
        char c = text[i];
        if (c == '\n') {
            lineno++;
            col0 = ++i;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
            i++;
            continue;
        }
        if (c == '#' || c == ';') {
            while (i < len && text[i] != '\n') i++;
            continue;
        }
        size_t start = i;
        uint64_t v = 0;
        while (i < len && !is_data_delim(text[i])) {
            int h = isdigit((unsigned char)text[i]) ? text[i] - '0'
                    : (tolower((unsigned char)text[i]) >= 'a' && tolower((unsigned char)text[i]) <= 'f')
                        ? tolower((unsigned char)text[i]) - 'a' + 10
                        : -1;
            if (h < 0) {
                char what[16];
                unsigned char bc = (unsigned char)text[i];
                snprintf(what, sizeof what, isprint(bc) ? "'%c'" : "byte 0x%02x", isprint(bc) ? bc : bc);
                err_file(a, file, lineno, (int)(i - col0) + 1, "invalid hex digit %s in element %zu", what, count);
                *ok = false;
                return count;
            }
            if ((int)(i - start) >= f->hex_digits) {
                err_file(a, file, lineno, (int)(start - col0) + 1, "element %zu has more than %d hex digits for %s",
                         count, f->hex_digits, f->name);
                *ok = false;
                return count;
            }
            v = v << 4 | (uint64_t)h;
            i++;
        }
        if (v & ~(uint64_t)f->mask) {
            err_file(a, file, lineno, (int)(start - col0) + 1, "element %zu: code %llx does not fit %s (%d bits)",
                     count, (unsigned long long)v, f->name, f->bits);
            *ok = false;
            return count;
        }
        if (count < n)
            for (int b = 0; b < eb; b++) out[count * (size_t)eb + (size_t)b] = (uint8_t)(v >> (8 * b));
        count++;
    }
    return count;
}

/* Contents of buffer bi from a source: file (hex or bin) or inline lines.
** Returns true and the data offset on success. */
static bool load_contents(as *a, const line *l, int bi, const arg *how, const arg *path, int inline_from, int inline_to,
                          uint64_t *off)
{
    const isa_buffer *b = &a->p->bufs[bi];
    mf_format f;
    isa_buffer_format(b, &f);
    size_t n = (size_t)b->rows * b->cols, bytes = (size_t)isa_buffer_bytes(b);
    uint8_t *tmp = calloc(bytes ? bytes : 1, 1);
    bool ok = false;
    if (!tmp) {
        a->stop = a->nomem = true;
        return false;
    }
    if (inline_from >= 0) {
        size_t count = 0;
        bool lok = true;
        for (int i = inline_from; i < inline_to && lok; i++) {
            size_t c = parse_hex_elems(a, a->o->path, a->lines[i].no, a->lines[i].s, a->lines[i].len, &f,
                                       count < n ? tmp + count * (size_t)isa_elem_bytes(&f) : tmp,
                                       count < n ? n - count : 0, &lok);
            count += c;
        }
        if (lok && count != n)
            err(a, l, how->col, "inline data holds %zu elements, buffer %s needs %zu (%u x %u)", count, b->name, n,
                b->rows, b->cols);
        ok = lok && count == n;
    } else {
        char p[1024], full[2200];
        lp_diag why;
        if (path->len < 2 || path->s[0] != '"' || path->s[path->len - 1] != '"' || path->len - 2 >= sizeof p) {
            err(a, l, path->col, "expected a file name in double quotes");
            free(tmp);
            return false;
        }
        memcpy(p, path->s + 1, path->len - 2);
        p[path->len - 2] = 0;
        if (a->o->no_files) {
            err(a, l, path->col, "reading data files is disabled");
            free(tmp);
            return false;
        }
        if (p[0] == '/' || !a->dir[0])
            snprintf(full, sizeof full, "%s", p);
        else
            snprintf(full, sizeof full, "%s/%s", a->dir, p);
        size_t flen;
        char *text;
        if (lp_read_file(full, ISA_MAX_DATA * 3, &text, &flen, &why) != LP_OK) {
            err(a, l, path->col, "cannot read '%s': %s", p, why.msg);
            free(tmp);
            return false;
        }
        if (arg_is(how, "bin")) {
            if (flen != bytes)
                err(a, l, path->col, "'%s' holds %zu bytes, buffer %s needs %zu (%u x %u %s, %d bytes each)", p, flen,
                    b->name, bytes, b->rows, b->cols, f.name, isa_elem_bytes(&f));
            else
                memcpy(tmp, text, bytes), ok = true;
        } else {
            bool hok;
            size_t count = parse_hex_elems(a, full, 1, text, flen, &f, tmp, n, &hok);
            if (hok && count != n)
                err(a, l, path->col, "'%s' holds %zu elements, buffer %s needs %zu (%u x %u)", p, count, b->name, n,
                    b->rows, b->cols);
            ok = hok && count == n;
        }
        free(text);
    }
    if (ok) {
        lp_status st = isa_prog_add_data(a->p, tmp, bytes, off);
        if (st == LP_ERR_NOMEM) a->stop = a->nomem = true;
        if (st == LP_ERR_RANGE)
            err(a, l, how->col, "the program's data exceed %llu bytes", (unsigned long long)ISA_MAX_DATA);
        ok = st == LP_OK;
    }
    free(tmp);
    return ok;
}

/* ---- directives ----------------------------------------------------------------------- */

static bool new_name(as *a, const line *l, const arg *x, char *name)
{
    if (!x->len || !is_ident_start((unsigned char)x->s[0]) || x->len >= ISA_NAME_MAX) {
        char q[64];
        err(a, l, x->col, "expected a name (letters, digits, _; at most %d characters), got '%s'", ISA_NAME_MAX - 1,
            quote(x, q, sizeof q));
        return false;
    }
    for (size_t i = 0; i < x->len; i++)
        if (!is_ident((unsigned char)x->s[i])) {
            err(a, l, x->col + (int)i, "unexpected character in a name");
            return false;
        }
    arg_str(x, name, ISA_NAME_MAX);
    if (isa_prog_find(a->p, name) >= 0) {
        err(a, l, x->col, "'%s' is already a buffer", name);
        return false;
    }
    if (find_sym(a, x->s, x->len)) {
        err(a, l, x->col, "'%s' is already a constant", name);
        return false;
    }
    if (isa_lookup(name) >= 0) {
        err(a, l, x->col, "'%s' is an instruction name", name);
        return false;
    }
    return true;
}

static int buffer_arg(as *a, const line *l, const arg *x)
{
    char name[ISA_NAME_MAX], q[64];
    int bi = arg_str(x, name, sizeof name) ? isa_prog_find(a->p, name) : -1;
    if (bi < 0) err(a, l, x->col, "undefined buffer '%s'", quote(x, q, sizeof q));
    return bi;
}

/* Index of the line holding the directive `word` that closes a block opened
** at line i (nesting on `open`), or -1. */
static int find_close(as *a, int i, int to, const char *open, const char *close)
{
    int depth = 0;
    for (int j = i + 1; j < to; j++) {
        const char *s = a->lines[j].s;
        size_t n = a->lines[j].len, k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        size_t ol = strlen(open), cl = strlen(close);
        if (n - k >= cl && !strncasecmp(s + k, close, cl) && (n - k == cl || !is_ident((unsigned char)s[k + cl]))) {
            if (depth-- == 0) return j;
        } else if (open[0] && n - k >= ol && !strncasecmp(s + k, open, ol) &&
                   (n - k == ol || !is_ident((unsigned char)s[k + ol]))) {
            depth++;
        }
    }
    return -1;
}

static void run(as *a, int from, int to);

/* Handles one directive at line i; returns the last line it consumed. */
static int directive(as *a, int i, int to, const char *s, size_t len, int col)
{
    const line *l = &a->lines[i];
    size_t k = 1;
    while (k < len && is_ident((unsigned char)s[k])) k++;
    arg dname = {s, k, col};
    arg args[MAX_OPERANDS];
    int n = split_args(a, l, s + k, len - k, col + (int)k, args, MAX_OPERANDS);
    if (n < 0) return i;
    char name[ISA_NAME_MAX];
    int64_t v1, v2, v3;
    if (arg_is(&dname, ".buffer")) {
        mf_format f;
        char word[64];
        lp_diag pd;
        lp_diag_init(&pd, NULL);
        if (n != 4) {
            err(a, l, col, ".buffer takes 4 arguments (name, format, rows, cols), got %d", n);
            return i;
        }
        if (!new_name(a, l, &args[0], name)) return i;
        if (!arg_str(&args[1], word, sizeof word) || mf_parse(word, &f, &pd) != LP_OK) {
            err(a, l, args[1].col, "%s", args[1].len >= sizeof word ? "format name too long" : pd.msg);
            return i;
        }
        if (!eval_range(a, l, &args[2], 1, 1 << 24, "the number of rows", &v1) ||
            !eval_range(a, l, &args[3], 1, 1 << 24, "the number of columns", &v2))
            return i;
        if ((uint64_t)v1 * (uint64_t)v2 * (uint64_t)isa_elem_bytes(&f) > (UINT64_C(1) << 32)) {
            err(a, l, args[2].col, "buffer %s would hold more than 4 GiB", name);
            return i;
        }
        lp_status st = isa_prog_add_buffer(a->p, name, isa_fmt_code(&f), (uint32_t)v1, (uint32_t)v2);
        if (st == LP_ERR_NOMEM) a->stop = a->nomem = true;
        if (st == LP_ERR_RANGE) err(a, l, col, "too many buffers or too much DRAM");
        return i;
    }
    if (arg_is(&dname, ".data") || arg_is(&dname, ".expect")) {
        bool expect = arg_is(&dname, ".expect");
        if (n < 2) {
            err(a, l, col, "%s takes a buffer, a source (hex \"FILE\", bin \"FILE\" or inline)%s",
                expect ? ".expect" : ".data", expect ? " and a rule (bitexact, maxulp N, relerr X)" : "");
            return i;
        }
        /* the source: inline, or hex "FILE", or bin "FILE" */
        arg how = args[1], path = {NULL, 0, 0};
        size_t w = 0;
        while (w < how.len && is_ident((unsigned char)how.s[w])) w++;
        if (w < how.len) {
            path = (arg){how.s + w, how.len - w, how.col + (int)w};
            trim(&path);
            how.len = w;
        }
        bool inl = arg_is(&how, "inline");
        int last = i, first_rule = 2;
        int close = inl ? find_close(a, i, a->nlines, "", ".enddata") : -1;
        if (inl) {
            if (close < 0) {
                err(a, l, args[1].col, "inline data without '.enddata'");
                return a->nlines - 1;
            }
            last = close;
        }
        int bi = buffer_arg(a, l, &args[0]);
        if (bi < 0) return last;
        if ((!inl && !arg_is(&how, "hex") && !arg_is(&how, "bin")) || (inl && path.len)) {
            char q[64];
            err(a, l, args[1].col, "expected hex \"FILE\", bin \"FILE\" or inline, got '%s'",
                quote(&args[1], q, sizeof q));
            return last;
        }
        if (!inl && !path.len) {
            err(a, l, args[1].col + (int)how.len, "expected a file name in double quotes after '%.*s'", (int)how.len,
                how.s);
            return last;
        }
        isa_rule rule = ISA_RULE_BITEXACT;
        double tol = 0;
        if (!expect && n > first_rule) {
            err(a, l, args[first_rule].col, "unexpected argument to .data");
            return last;
        }
        if (expect && n > first_rule) {
            arg r = args[first_rule];
            char word[64];
            size_t w = 0;
            while (w < r.len && is_ident((unsigned char)r.s[w])) w++;
            arg rw = {r.s, w, r.col}, rv = {r.s + w, r.len - w, r.col + (int)w};
            trim(&rv);
            if (arg_is(&rw, "bitexact") && !rv.len) {
                rule = ISA_RULE_BITEXACT;
            } else if ((arg_is(&rw, "maxulp") || arg_is(&rw, "relerr")) && rv.len && arg_str(&rv, word, sizeof word)) {
                char *end;
                rule = arg_is(&rw, "maxulp") ? ISA_RULE_MAXULP : ISA_RULE_RELERR;
                tol = strtod(word, &end);
                if (*end || !isfinite(tol) || tol < 0 || (rule == ISA_RULE_MAXULP && tol != floor(tol))) {
                    err(a, l, rv.col, "%s needs a %s, got '%s'", rule == ISA_RULE_MAXULP ? "maxulp" : "relerr",
                        rule == ISA_RULE_MAXULP ? "whole number of ULPs >= 0" : "relative error >= 0", word);
                    return last;
                }
            } else {
                char q[64];
                err(a, l, r.col, "expected a rule: bitexact, maxulp N or relerr X; got '%s'", quote(&r, q, sizeof q));
                return last;
            }
            if (n > first_rule + 1) {
                err(a, l, args[first_rule + 1].col, "unexpected argument to .expect");
                return last;
            }
        }
        if (!expect && a->p->bufs[bi].has_data) {
            err(a, l, args[0].col, "buffer %s already has contents", a->p->bufs[bi].name);
            return last;
        }
        uint64_t off;
        if (!load_contents(a, l, bi, &how, inl ? NULL : &path, inl ? i + 1 : -1, inl ? close : -1, &off)) return last;
        if (expect) {
            isa_prog *p = a->p;
            if (p->nexpects == p->cap_expects) {
                size_t nc = p->cap_expects ? p->cap_expects * 2 : 8;
                isa_expect *q = realloc(p->expects, sizeof *q * nc);
                if (!q) {
                    a->stop = a->nomem = true;
                    return last;
                }
                p->expects = q;
                p->cap_expects = nc;
            }
            p->expects[p->nexpects++] = (isa_expect){(uint32_t)bi, rule, tol, off};
        } else {
            a->p->bufs[bi].has_data = true;
            a->p->bufs[bi].data_off = off;
        }
        return last;
    }
    if (arg_is(&dname, ".equ")) {
        if (n != 2) {
            err(a, l, col, ".equ takes a name and a value, got %d argument%s", n, n == 1 ? "" : "s");
            return i;
        }
        if (!new_name(a, l, &args[0], name) || !eval(a, l, &args[1], &v1)) return i;
        if (a->nsyms >= MAX_SYMS) {
            err(a, l, col, "too many constants");
            return i;
        }
        sym *sy = &a->syms[a->nsyms++];
        snprintf(sy->name, sizeof sy->name, "%s", name);
        sy->value = v1;
        sy->loop = false;
        return i;
    }
    if (arg_is(&dname, ".spm") || arg_is(&dname, ".acc")) {
        if (n != 1) {
            err(a, l, col, "%.*s takes one size in bytes", (int)dname.len, dname.s);
            return i;
        }
        if (!eval_range(a, l, &args[0], 1, (int64_t)DEFAULT_SPACE, "the size", &v1)) return i;
        if (arg_is(&dname, ".spm"))
            a->spm_bytes = (uint64_t)v1;
        else
            a->acc_bytes = (uint64_t)v1;
        return i;
    }
    if (arg_is(&dname, ".for")) {
        int close = find_close(a, i, to, ".for", ".endfor");
        if (close < 0) {
            err(a, l, col, "'.for' without '.endfor'");
            return to - 1;
        }
        if (n < 2 || n > 3) {
            err(a, l, col, ".for takes VAR = START, END [, STEP], got %d argument%s", n, n == 1 ? "" : "s");
            return close;
        }
        const char *eq = memchr(args[0].s, '=', args[0].len);
        if (!eq) {
            err(a, l, args[0].col, "expected 'VAR = START'");
            return close;
        }
        arg var = {args[0].s, (size_t)(eq - args[0].s), args[0].col},
            start = {eq + 1, args[0].len - (size_t)(eq - args[0].s) - 1, args[0].col + (int)(eq - args[0].s) + 1};
        trim(&var);
        trim(&start);
        if (!new_name(a, l, &var, name)) return close;
        v3 = 1;
        if (!eval(a, l, &start, &v1) || !eval(a, l, &args[1], &v2) || (n == 3 && !eval(a, l, &args[2], &v3)))
            return close;
        if (v3 <= 0) {
            err(a, l, args[2].col, "the step must be positive, got %lld", (long long)v3);
            return close;
        }
        if (a->depth >= MAX_FOR_DEPTH || a->nsyms >= MAX_SYMS) {
            err(a, l, col, ".for loops nest deeper than %d", MAX_FOR_DEPTH);
            return close;
        }
        sym *sy = &a->syms[a->nsyms++];
        snprintf(sy->name, sizeof sy->name, "%s", name);
        sy->loop = true;
        a->depth++;
        for (int64_t it = v1; it < v2 && !a->stop; it += v3) {
            if (++a->work > a->max_work) {
                err(a, l, col, "the .for loops expand past %llu lines and iterations", (unsigned long long)a->max_work);
                a->stop = true;
                break;
            }
            a->syms[a->nsyms - 1].value = it;
            run(a, i + 1, close);
            if (v2 - it <= v3) break;
        }
        a->depth--;
        a->nsyms--;
        return close;
    }
    if (arg_is(&dname, ".endfor")) {
        err(a, l, col, "'.endfor' without '.for'");
        return i;
    }
    if (arg_is(&dname, ".enddata")) {
        err(a, l, col, "'.enddata' without inline '.data' or '.expect'");
        return i;
    }
    char q[64], list[200] = "";
    for (int d = 0; d < NDIRECTIVES; d++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", d ? " " : "", directives[d].name);
    }
    err(a, l, col, "unknown directive '%s' (directives: %s)", quote(&dname, q, sizeof q), list);
    return i;
}

/* Assemble lines [from, to). */
static void run(as *a, int from, int to)
{
    for (int i = from; i < to && !a->stop; i++) {
        const line *l = &a->lines[i];
        const char *s = l->s;
        if (++a->work > a->max_work) {
            err(a, l, 1, "the .for loops expand past %llu lines and iterations", (unsigned long long)a->max_work);
            a->stop = true;
            return;
        }
        size_t len = l->len;
        const char *nul = memchr(s, 0, len);
        if (nul) {
            err(a, l, (int)(nul - s) + 1, "NUL byte in the source");
            continue;
        }
        if (len > LINE_MAX_BYTES) {
            err(a, l, LINE_MAX_BYTES + 1, "line longer than %d bytes", LINE_MAX_BYTES);
            continue;
        }
        /* strip the comment (outside strings) and blanks */
        bool str = false;
        for (size_t k = 0; k < len; k++) {
            if (s[k] == '"') str = !str;
            if (!str && (s[k] == ';' || s[k] == '#')) {
                len = k;
                break;
            }
        }
        size_t k = 0;
        while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
        while (len > k && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
        if (k == len) continue;
        if (s[k] == '.')
            i = directive(a, i, to, s + k, len - k, (int)k + 1);
        else if (!a->errored[i]) /* once wrong, a line inside a loop is not checked again */
            instruction(a, l, s + k, len - k, (int)k + 1);
    }
}

lp_status asm_assemble(const char *src, size_t len, const asm_opts *o, isa_prog *out, asm_diags *dg)
{
    as *a = calloc(1, sizeof *a);
    isa_prog_init(out);
    if (!a) return LP_ERR_NOMEM;
    a->o = o;
    a->dg = dg;
    a->p = out;
    a->max_errors = o->max_errors > 0 ? o->max_errors : 20;
    a->spm_bytes = o->spm_bytes ? o->spm_bytes : DEFAULT_SPACE;
    a->acc_bytes = o->acc_bytes ? o->acc_bytes : DEFAULT_SPACE;
    const char *slash = o->path ? strrchr(o->path, '/') : NULL;
    if (slash && (size_t)(slash - o->path) < sizeof a->dir)
        snprintf(a->dir, sizeof a->dir, "%.*s", (int)(slash - o->path), o->path);
    if (slash == o->path && slash) snprintf(a->dir, sizeof a->dir, "/");
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += src[i] == '\n';
    a->lines = malloc(sizeof *a->lines * nl);
    if (!a->lines) {
        free(a);
        return LP_ERR_NOMEM;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || src[i] == '\n') {
            if (i == len && start == len) break;
            a->lines[a->nlines] = (line){src + start, i - start, a->nlines + 1};
            a->nlines++;
            start = i + 1;
        }
    }
    a->max_work = o->max_lines ? o->max_lines : MAX_WORK;
    a->errored = calloc((size_t)a->nlines + 1, sizeof *a->errored);
    if (!a->errored) a->nomem = true;
    if (a->errored) run(a, 0, a->nlines);
    lp_status st = a->nomem ? LP_ERR_NOMEM : dg->n ? LP_ERR_PARSE : LP_OK;
    if (st) isa_prog_free(out);
    free(a->errored);
    free(a->lines);
    free(a);
    return st;
}

/* ---- disassembly ---------------------------------------------------------------------- */

static void print_operand(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[i];
    uint64_t v = in->v[i];
    mf_format fm;
    switch (o->kind) {
    case ISA_K_SPM: fprintf(f, "spm:0x%llx", (unsigned long long)v); break;
    case ISA_K_ACC: fprintf(f, "acc:0x%llx", (unsigned long long)v); break;
    case ISA_K_MEM:
        fprintf(f, "%s:0x%llx", (v & ISA_MEM_ACC) ? "acc" : "spm", (unsigned long long)(v & (ISA_MEM_ACC - 1)));
        break;
    case ISA_K_PIM: fprintf(f, "pim:%llu", (unsigned long long)v); break;
    case ISA_K_DRAM: {
        uint64_t addr = v & ((UINT64_C(1) << ISA_DRAM_ADDR_BITS) - 1);
        int bi = isa_prog_buffer_at(p, addr);
        if (bi < 0) { /* only in programs that failed their checks */
            fprintf(f, "dram?0x%llx", (unsigned long long)addr);
            break;
        }
        const isa_buffer *b = &p->bufs[bi];
        isa_buffer_format(b, &fm);
        uint64_t idx = (addr - b->addr) / (uint64_t)isa_elem_bytes(&fm);
        fprintf(f, "%s[%llu, %llu]", b->name, (unsigned long long)(idx / b->cols), (unsigned long long)(idx % b->cols));
        break;
    }
    case ISA_K_DIM:
    case ISA_K_BITS: fprintf(f, "%llu", (unsigned long long)v); break;
    case ISA_K_FMT: fprintf(f, "%s", isa_fmt_decode((uint32_t)v, &fm) == LP_OK ? fm.name : "?"); break;
    case ISA_K_MX: fprintf(f, "%s", mx_elem_id_name((mx_elem_id)v)); break;
    case ISA_K_PRESET: {
        dot_cfg c;
        if (v < (uint64_t)dot_preset_count()) dot_preset_get((int)v, &c);
        fprintf(f, "%s", v < (uint64_t)dot_preset_count() ? c.name : "?");
        break;
    }
    case ISA_K_ACCMODE: fprintf(f, "%s", v ? "acc" : "set"); break;
    case ISA_K_GEMV: fprintf(f, "%s", v ? "bitserial" : "lut"); break;
    case ISA_K_ROUND: fprintf(f, "%s", mf_round_name((mf_round)v)); break;
    case ISA_K_F32: {
        uint32_t b = (uint32_t)v;
        float x;
        memcpy(&x, &b, 4);
        if (isnan(x))
            fprintf(f, "nan:0x%08x", b);
        else
            fprintf(f, "%.9g", (double)x);
        break;
    }
    default: fprintf(f, "?"); break;
    }
}

static void print_elems(const isa_prog *p, const isa_buffer *b, uint64_t off, FILE *f)
{
    mf_format fm;
    isa_buffer_format(b, &fm);
    int eb = isa_elem_bytes(&fm);
    uint64_t n = (uint64_t)b->rows * b->cols;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int k = 0; k < eb; k++) v |= (uint32_t)p->data[off + i * (uint64_t)eb + (uint64_t)k] << (8 * k);
        fprintf(f, "%s%0*x", i % 16 ? " " : "", fm.hex_digits, v);
        if (i % 16 == 15 || i + 1 == n) fputc('\n', f);
    }
}

void asm_disassemble(const isa_prog *p, FILE *f)
{
    fprintf(f, "; lpsim program: %zu instructions, %zu buffers, %zu expectations\n", p->ninsns, p->nbufs, p->nexpects);
    for (size_t i = 0; i < p->nbufs; i++) {
        mf_format fm;
        isa_buffer_format(&p->bufs[i], &fm);
        fprintf(f, ".buffer %s, %s, %u, %u\n", p->bufs[i].name, fm.name, p->bufs[i].rows, p->bufs[i].cols);
    }
    /* contents in the order of their data offsets, so the data section comes out identical */
    size_t nb = p->nbufs, ne = p->nexpects, bi = 0, ei = 0;
    size_t *order = malloc(sizeof *order * (nb + 1));
    size_t nd = 0;
    for (size_t i = 0; order && i < nb; i++)
        if (p->bufs[i].has_data) order[nd++] = i;
    for (size_t i = 1; order && i < nd; i++) /* insertion sort by offset */
        for (size_t j = i; j > 0 && p->bufs[order[j - 1]].data_off > p->bufs[order[j]].data_off; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t *eorder = malloc(sizeof *eorder * (ne + 1));
    for (size_t i = 0; eorder && i < ne; i++) eorder[i] = i;
    for (size_t i = 1; eorder && i < ne; i++)
        for (size_t j = i; j > 0 && p->expects[eorder[j - 1]].data_off > p->expects[eorder[j]].data_off; j--) {
            size_t t = eorder[j];
            eorder[j] = eorder[j - 1];
            eorder[j - 1] = t;
        }
    while (order && eorder && (bi < nd || ei < ne)) {
        bool take_buf = ei >= ne || (bi < nd && p->bufs[order[bi]].data_off < p->expects[eorder[ei]].data_off);
        if (take_buf) {
            const isa_buffer *b = &p->bufs[order[bi++]];
            fprintf(f, ".data %s, inline\n", b->name);
            print_elems(p, b, b->data_off, f);
        } else {
            const isa_expect *e = &p->expects[eorder[ei++]];
            const isa_buffer *b = &p->bufs[e->buf];
            fprintf(f, ".expect %s, inline", b->name);
            if (e->rule == ISA_RULE_MAXULP) fprintf(f, ", maxulp %.17g", e->tol);
            if (e->rule == ISA_RULE_RELERR) fprintf(f, ", relerr %.17g", e->tol);
            if (e->rule == ISA_RULE_BITEXACT) fprintf(f, ", bitexact");
            fputc('\n', f);
            print_elems(p, b, e->data_off, f);
        }
        fprintf(f, ".enddata\n");
    }
    free(order);
    free(eorder);
    for (size_t i = 0; i < p->ninsns; i++) {
        isa_insn in;
        if (isa_decode(p->code + i * ISA_WORD_BYTES, &in, NULL) != LP_OK) {
            fprintf(f, "; invalid instruction %zu\n", i);
            continue;
        }
        const isa_info *info = isa_get(in.op);
        fprintf(f, "    %s", info->mnemonic);
        for (int k = 0; k < info->nops; k++) {
            fputs(k ? ", " : " ", f);
            print_operand(p, &in, k, f);
        }
        fputc('\n', f);
    }
}

void asm_listing(const isa_prog *p, FILE *f)
{
    fprintf(f, "; %zu instructions, %zu buffers (%llu bytes of DRAM), %zu expectations\n", p->ninsns, p->nbufs,
            (unsigned long long)p->dram_bytes, p->nexpects);
    for (size_t i = 0; i < p->nbufs; i++) {
        const isa_buffer *b = &p->bufs[i];
        mf_format fm;
        isa_buffer_format(b, &fm);
        fprintf(f, "; buffer %-12s %-12s %6u x %-6u at 0x%08llx %10llu bytes%s\n", b->name, fm.name, b->rows, b->cols,
                (unsigned long long)b->addr, (unsigned long long)isa_buffer_bytes(b),
                b->has_data ? ", initialised" : "");
    }
    for (size_t i = 0; i < p->nexpects; i++) {
        const isa_expect *e = &p->expects[i];
        static const char *const rules[] = {"bitexact", "maxulp", "relerr"};
        fprintf(f, "; expect %-12s %s %.17g\n", p->bufs[e->buf].name, rules[e->rule], e->tol);
    }
    for (size_t i = 0; i < p->ninsns; i++) {
        const uint8_t *w = p->code + i * ISA_WORD_BYTES;
        isa_insn in;
        fprintf(f, "%06zu  ", i);
        for (int k = 0; k < ISA_WORD_BYTES; k++) fprintf(f, "%02x", w[k]);
        if (isa_decode(w, &in, NULL) != LP_OK) {
            fprintf(f, "  ; invalid\n");
            continue;
        }
        const isa_info *info = isa_get(in.op);
        fprintf(f, "  %s", info->mnemonic);
        for (int k = 0; k < info->nops; k++) {
            fputs(k ? ", " : " ", f);
            print_operand(p, &in, k, f);
        }
        fputc('\n', f);
    }
}

/* ---- the reference page -------------------------------------------------------------- */

void asm_print_reference(FILE *f)
{
    fprintf(f, "<!-- generated by `lpsim asm --help-isa` from isa/isa.def and isa/isa_kinds.def; do not edit -->\n");
    fprintf(f, "# lpsim tile ISA\n\n");
    fprintf(f, "Programs move tiles between DRAM buffers, the scratchpad (SPM), the float32 accumulator\n"
               "buffer (ACC) and processing-in-memory arrays (PIM), and compute on them. Instructions\n"
               "issue in order; an instruction waits only for earlier ones whose memory ranges it\n"
               "touches (reads after writes, writes after reads or writes), so DMA of the next tile\n"
               "overlaps the multiplication of the current one. Tiles are dense and row-major; an\n"
               "element of 8 bits or fewer takes one byte, of 9-16 bits two, float32 four.\n\n");
    fprintf(f,
            "## Instructions\n\n| mnemonic | opcode | unit | operands | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (int i = 0; i < ISA_OP_COUNT; i++) {
        const isa_info *in = isa_get((isa_op)i);
        fprintf(f, "| `%s` | 0x%02x | %s | ", in->mnemonic, in->opcode, isa_unit_name(in->unit));
        for (int k = 0; k < in->nops; k++) {
            const isa_operand_info *o = &in->ops[k];
            fprintf(f, "%s%s:%s", k ? ", " : "", o->name, isa_kind_name(o->kind));
            if (o->multiple > 1) fprintf(f, " (multiple of %d)", o->multiple);
            if (o->has_foot) fprintf(f, " %s%s", o->foot.read ? "r" : "", o->foot.write ? "w" : "");
        }
        fprintf(f, " | %s |\n", in->doc);
    }
    fprintf(f, "\nr / w: the operand's tile (or PIM arrays) is read / written. Full footprints, in\n"
               "isa/isa.def: e.g. `a:spm!r(m,k,fa)` reads an m x k tile of fa elements.\n\n");
    fprintf(f, "## Operand kinds\n\n| kind | written as | bits | meaning |\n| --- | --- | --- | --- |\n");
    for (int k = 0; k < ISA_KIND_COUNT; k++)
        fprintf(f, "| %s | `%s` | %d | %s |\n", isa_kind_name((isa_kind)k), isa_kind_syntax((isa_kind)k),
                isa_kind_bits((isa_kind)k), isa_kind_help((isa_kind)k));
    fprintf(f, "\nEXPR: integers (decimal, 0x hex, 0b binary), .equ constants and .for variables with\n"
               "`+ - * / %% << >> & | ^ ~` and parentheses. FORMAT: any name of `lpsim formats`.\n"
               "PRESET: any name of `lpsim gemm-bits --list`.\n\n");
    fprintf(f, "## Directives\n\n| directive | arguments | meaning |\n| --- | --- | --- |\n");
    for (int d = 0; d < NDIRECTIVES; d++)
        fprintf(f, "| `%s` | `%s` | %s |\n", directives[d].name, directives[d].args, directives[d].doc);
    fprintf(f, "\nComments start with `;` or `#`. Mnemonics are case-insensitive. Data file paths are\n"
               "relative to the kernel file. A kernel file is a complete test: inputs (.data),\n"
               "program, expected outputs (.expect).\n\n");
    fprintf(f, "## Binary programs (.lpt)\n\n"
               "Little-endian. A 64-byte header: `LPSIMTRC`, version (u32, 1), header size (u32, 64),\n"
               "instruction count (u64), buffer count (u32), expectation count (u32), data bytes (u64),\n"
               "DRAM bytes (u64), 16 zero bytes. Then 32-byte instruction words (byte 0 the opcode, the\n"
               "operand fields packed from bit 8 on, least-significant bit first, at the widths above;\n"
               "unused bits zero), 64-byte buffer records (name[32], format code u32, rows u32, cols\n"
               "u32, has-data u32, address u64, data offset u64), 32-byte expectation records (buffer\n"
               "u32, rule u32, tolerance f64, data offset u64, 8 zero bytes), and the data. Buffers lie\n"
               "at 64-byte aligned addresses in declaration order.\n");
}
