/*
** asm_data.c — the assembler's DRAM buffers and their contents: .buffer
** declares one; .data gives its initial contents and .expect the contents a
** run must leave, from a hex file (codes separated by blanks, commas or new
** lines, # and ; comments), a raw little-endian file, or hex lines inline up
** to .enddata. A mistake inside a data file is reported at that file's line
** and column.
*/
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"
#include "lp_file.h"
#include "lp_num.h"

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
                char what[ASM_QUOTE_BYTES];
                asm_char_desc(text + i, len - i, what, sizeof what);
                asm_err_file(a, file, lineno, (int)(i - col0) + 1, "invalid hex digit %s in element %zu", what, count);
                *ok = false;
                return count;
            }
            if ((int)(i - start) >= f->hex_digits) {
                asm_err_file(a, file, lineno, (int)(start - col0) + 1, "element %zu has more than %d hex digits for %s",
                             count, f->hex_digits, f->name);
                *ok = false;
                return count;
            }
            v = v << 4 | (uint64_t)h;
            i++;
        }
        if (v & ~(uint64_t)f->mask) {
            asm_err_file(a, file, lineno, (int)(start - col0) + 1, "element %zu: code %llx does not fit %s (%d bits)",
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

/* The codes of a raw little-endian file (n elements in data) fit the format:
** the bits above its width are zero in every element, as the hex sources
** require (a code that does not fit would have no spelling in a
** disassembly). Errors name the element and its byte offset in file. */
static bool bin_codes_fit(as *a, const char *file, const uint8_t *data, size_t n, const mf_format *f)
{
    int eb = isa_elem_bytes(f);
    if (f->bits == 8 * eb) return true;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int b = 0; b < eb; b++) v |= (uint32_t)data[i * (size_t)eb + (size_t)b] << (8 * b);
        if (v & ~f->mask) {
            asm_err_file(a, file, 1, 1, "element %zu (byte %zu): code %x does not fit %s (%d bits)", i, i * (size_t)eb,
                         v, f->name, f->bits);
            return false;
        }
    }
    return true;
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
            asm_err(a, l, how->col, "inline data holds %zu elements, buffer %s needs %zu (%u x %u)", count, b->name, n,
                    b->rows, b->cols);
        ok = lok && count == n;
    } else {
        char p[1024], full[2200], qp[600];
        lp_diag why;
        const char *close = path->len > 1 && path->s[0] == '"' ? memchr(path->s + 1, '"', path->len - 1) : NULL;
        if (close && close + 1 < path->s + path->len) { /* the name has no escapes: its first '"' ends it */
            size_t k = (size_t)(close + 1 - path->s);
            while (k < path->len && (path->s[k] == ' ' || path->s[k] == '\t')) k++;
            arg junk = {path->s + k, path->len - k, path->col + (int)k};
            asm_err(a, l, junk.col, "unexpected '%s' after the file name", asm_quote(&junk, qp, sizeof qp));
            free(tmp);
            return false;
        }
        if (path->len < 2 || path->s[0] != '"' || path->s[path->len - 1] != '"' || path->len - 2 >= sizeof p) {
            asm_err(a, l, path->col, "expected a file name in double quotes");
            free(tmp);
            return false;
        }
        memcpy(p, path->s + 1, path->len - 2);
        p[path->len - 2] = 0;
        asm_quote_text(p, path->len - 2, 120, qp, sizeof qp);
        if (memchr(p, 0, path->len - 2)) { /* a NUL would cut the name the system sees */
            asm_err(a, l, path->col, "NUL byte in the file name '%s'", qp);
            free(tmp);
            return false;
        }
        if (a->o->no_files) {
            asm_err(a, l, path->col, "reading data files is disabled");
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
            asm_err(a, l, path->col, "cannot read '%s': %s", qp, why.msg);
            free(tmp);
            return false;
        }
        if (asm_arg_is(how, "bin")) {
            if (flen != bytes)
                asm_err(a, l, path->col, "'%s' holds %zu bytes, buffer %s needs %zu (%u x %u %s, %d bytes each)", qp,
                        flen, b->name, bytes, b->rows, b->cols, f.name, isa_elem_bytes(&f));
            else
                memcpy(tmp, text, bytes), ok = bin_codes_fit(a, full, tmp, n, &f);
        } else {
            bool hok;
            size_t count = parse_hex_elems(a, full, 1, text, flen, &f, tmp, n, &hok);
            if (hok && count != n)
                asm_err(a, l, path->col, "'%s' holds %zu elements, buffer %s needs %zu (%u x %u)", qp, count, b->name,
                        n, b->rows, b->cols);
            ok = hok && count == n;
        }
        free(text);
    }
    if (ok) {
        lp_status st = isa_prog_add_data(a->p, tmp, bytes, off);
        if (st == LP_ERR_NOMEM) a->stop = a->nomem = true;
        if (st == LP_ERR_RANGE)
            asm_err(a, l, how->col, "the program's data exceed %llu bytes", (unsigned long long)ISA_MAX_DATA);
        ok = st == LP_OK;
    }
    free(tmp);
    return ok;
}

static int buffer_arg(as *a, const line *l, const arg *x)
{
    char q[ASM_QUOTE_BYTES];
    int bi = asm_find_buffer(a, x->s, x->len);
    if (bi < 0) asm_err(a, l, x->col, "undefined buffer '%s'", asm_quote(x, q, sizeof q));
    return bi;
}

void asm_dir_buffer(as *a, const line *l, int col, arg *args, int n)
{
    char name[ISA_NAME_MAX], word[64];
    int64_t rows, cols;
    mf_format f;
    lp_diag pd;
    lp_diag_init(&pd, NULL);
    if (n != 4) {
        asm_err(a, l, col, ".buffer takes 4 arguments (name, format, rows, cols), got %d", n);
        return;
    }
    if (!asm_new_name(a, l, &args[0], name)) return;
    if (!asm_arg_word(&args[1], word, sizeof word)) {
        char q[ASM_QUOTE_BYTES];
        asm_err(a, l, args[1].col, "unknown format '%s' (see 'lpsim formats')", asm_quote(&args[1], q, sizeof q));
        return;
    }
    if (mf_parse(word, &f, &pd) != LP_OK) {
        asm_err(a, l, args[1].col, "%s", pd.msg);
        return;
    }
    if (!asm_eval_range(a, l, &args[2], 1, ISA_MAX_DIM, "the number of rows", &rows) ||
        !asm_eval_range(a, l, &args[3], 1, ISA_MAX_DIM, "the number of columns", &cols))
        return;
    if ((uint64_t)rows * (uint64_t)cols * (uint64_t)isa_elem_bytes(&f) > ISA_MAX_BUFFER_BYTES) {
        asm_err(a, l, args[2].col, "buffer %s would hold more than 4 GiB", name);
        return;
    }
    lp_status st = isa_prog_add_buffer(a->p, name, isa_fmt_code(&f), (uint32_t)rows, (uint32_t)cols);
    if (st == LP_ERR_NOMEM || (st == LP_OK && !asm_add_buffer_name(a, (int)a->p->nbufs - 1))) a->stop = a->nomem = true;
    if (st == LP_ERR_RANGE) asm_err(a, l, col, "too many buffers or too much DRAM");
}

/* The tolerance of maxulp or relerr (text x): lp_num.h's real without a sign
** (so never -0), no leading 0 before a digit (the one number rule), whole for
** maxulp. A value that is not 0 as written but rounds to 0 is refused; one that
** rounds to a subnormal double is kept, as the .lpt reader keeps it, so that a
** disassembly always assembles again. False after an error. */
static bool parse_tol(as *a, const line *l, const arg *x, isa_rule rule, double *tol)
{
    const char *what = rule == ISA_RULE_MAXULP ? "maxulp" : "relerr", *why = NULL;
    char q[ASM_QUOTE_BYTES];
    size_t i = 0;
    while (i < x->len && x->s[i] == '0') i++;
    if (i > 1 || (i == 1 && i < x->len && isdigit((unsigned char)x->s[i]))) {
        asm_err(a, l, x->col, "%s '%s': a leading 0 (octal?): write it in decimal", what, asm_quote(x, q, sizeof q));
        return false;
    }
    lp_status st = x->len && (isdigit((unsigned char)x->s[0]) || x->s[0] == '.') ? lp_parse_f64(x->s, x->len, tol, &why)
                                                                                 : LP_ERR_PARSE;
    if (st == LP_ERR_PARSE || (st == LP_OK && rule == ISA_RULE_MAXULP && *tol != floor(*tol))) {
        asm_err(a, l, x->col, "%s needs a %s, got '%s'", what,
                rule == ISA_RULE_MAXULP ? "whole number of ULPs >= 0" : "relative error >= 0",
                asm_quote(x, q, sizeof q));
        return false;
    }
    if (st != LP_OK) { /* lp_num says why: too large, rounds to 0, subnormal (the .lpt reader refuses those too) */
        asm_err(a, l, x->col, "%s %s: %s", what, asm_quote(x, q, sizeof q), why);
        return false;
    }
    return true;
}

/* The rule of an .expect: bitexact, maxulp N or relerr X; false after an error. */
static bool parse_rule(as *a, const line *l, const arg *r, isa_rule *rule, double *tol)
{
    size_t w = 0;
    while (w < r->len && asm_is_ident((unsigned char)r->s[w])) w++;
    arg rw = {r->s, w, r->col}, rv = {r->s + w, r->len - w, r->col + (int)w};
    asm_trim(&rv);
    if (asm_arg_is(&rw, "bitexact") && !rv.len) {
        *rule = ISA_RULE_BITEXACT;
        return true;
    }
    if ((asm_arg_is(&rw, "maxulp") || asm_arg_is(&rw, "relerr")) && rv.len) {
        *rule = asm_arg_is(&rw, "maxulp") ? ISA_RULE_MAXULP : ISA_RULE_RELERR;
        return parse_tol(a, l, &rv, *rule, tol);
    }
    char q[ASM_QUOTE_BYTES];
    asm_err(a, l, r->col, "expected a rule: bitexact, maxulp N or relerr X; got '%s'", asm_quote(r, q, sizeof q));
    return false;
}

/* Record the contents at off as buffer bi's initial data or expected output. */
static void store_contents(as *a, int bi, bool expect, isa_rule rule, double tol, uint64_t off)
{
    isa_prog *p = a->p;
    if (!expect) {
        p->bufs[bi].has_data = true;
        p->bufs[bi].data_off = off;
        return;
    }
    if (p->nexpects == p->cap_expects) {
        size_t nc = p->cap_expects ? p->cap_expects * 2 : 8;
        isa_expect *q = realloc(p->expects, sizeof *q * nc);
        if (!q) {
            a->stop = a->nomem = true;
            return;
        }
        p->expects = q;
        p->cap_expects = nc;
    }
    p->expects[p->nexpects++] = (isa_expect){(uint32_t)bi, rule, tol, off};
}

int asm_dir_contents(as *a, int i, int col, bool expect, arg *args, int n)
{
    const line *l = &a->lines[i];
    if (n < 2) {
        asm_err(a, l, col, "%s takes a buffer, a source (hex \"FILE\", bin \"FILE\" or inline)%s",
                expect ? ".expect" : ".data", expect ? " and a rule (bitexact, maxulp N, relerr X)" : "");
        return i;
    }
    /* the source: inline, or hex "FILE", or bin "FILE" */
    arg how = args[1], path = {NULL, 0, 0};
    size_t w = 0;
    while (w < how.len && asm_is_ident((unsigned char)how.s[w])) w++;
    if (w < how.len) {
        path = (arg){how.s + w, how.len - w, how.col + (int)w};
        asm_trim(&path);
        how.len = w;
    }
    bool inl = asm_arg_is(&how, "inline");
    int last = i, close = inl ? asm_find_close(a, i, a->nlines, "", ".enddata") : -1;
    if (inl && close < 0) {
        asm_err(a, l, args[1].col, "inline data without '.enddata'");
        return a->nlines - 1;
    }
    if (inl) last = close;
    if (inl && !asm_close_is_bare(a, close, ".enddata")) return last;
    int bi = buffer_arg(a, l, &args[0]);
    if (bi < 0) return last;
    if ((!inl && !asm_arg_is(&how, "hex") && !asm_arg_is(&how, "bin")) || (inl && path.len)) {
        char q[ASM_QUOTE_BYTES];
        asm_err(a, l, args[1].col, "expected hex \"FILE\", bin \"FILE\" or inline, got '%s'",
                asm_quote(&args[1], q, sizeof q));
        return last;
    }
    if (!inl && !path.len) {
        asm_err(a, l, args[1].col + (int)how.len, "expected a file name in double quotes after '%.*s'", (int)how.len,
                how.s);
        return last;
    }
    isa_rule rule = ISA_RULE_BITEXACT;
    double tol = 0;
    if (n > 2 && !expect) {
        asm_err(a, l, args[2].col, "unexpected argument to .data");
        return last;
    }
    if (n > 2 && !parse_rule(a, l, &args[2], &rule, &tol)) return last;
    if (n > 3) {
        asm_err(a, l, args[3].col, "unexpected argument to .expect");
        return last;
    }
    /* one of each per buffer: a second would silently replace the first */
    int *first = expect ? &a->expect_line[bi] : &a->data_line[bi];
    if (*first) {
        asm_err(a, l, args[0].col, "buffer %s already has %s (line %d)", a->p->bufs[bi].name,
                expect ? "expected contents" : "contents", *first);
        return last;
    }
    uint64_t off;
    if (load_contents(a, l, bi, &how, inl ? NULL : &path, inl ? i + 1 : -1, inl ? close : -1, &off)) {
        store_contents(a, bi, expect, rule, tol, off);
        *first = l->no;
    }
    return last;
}
