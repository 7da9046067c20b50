/*
** asm_expr.c — the assembler's arguments, names and expressions: splitting a
** line at top-level commas, symbols (.equ constants, .for variables) and
** buffer names found through one hash table, and integer expressions with
** C precedence (| ^ & below << >> below + - below * / %), overflow checked.
** All text handling goes by explicit lengths: a NUL or any other byte is
** reported, never trusted.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "asm_int.h"

/* ---- arguments ---------------------------------------------------------------------- */

bool asm_is_ident_start(int c) { return isalpha(c) || c == '_'; }
bool asm_is_ident(int c) { return isalnum(c) || c == '_'; }

/* Length of the valid UTF-8 sequence at s (1 to 4 bytes, its code point in
** *cp), or 0 when the bytes there are not one (overlong forms, surrogates and
** code points past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c < 0x80) return *cp = c, 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, v = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, v = c & 0x0fu, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, v = c & 0x07u, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (len < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3fu);
    }
    *cp = v;
    return n;
}

/* Characters shown as they are: printable ASCII but the backslash (which
** starts an escape), and code points from U+00A0 on, except those that move
** or hide text on a terminal (bidirectional controls, line and paragraph
** separators, the byte-order mark). */
static bool shown_as_is(uint32_t cp)
{
    if (cp < 0x80) return cp >= 0x20 && cp < 0x7f && cp != '\\';
    if (cp < 0xa0 || cp == 0x061c || cp == 0x200e || cp == 0x200f || cp == 0xfeff) return false;
    return !(cp >= 0x2028 && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069);
}

size_t asm_char_len(const char *s, size_t len)
{
    uint32_t cp;
    size_t k = len ? utf8_seq((const unsigned char *)s, len, &cp) : 0;
    return k ? k : len ? 1 : 0;
}

const char *asm_quote_text(const char *s, size_t len, size_t max_chars, char *buf, size_t n)
{
    size_t k = 0, chars = 0, i = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (i < len && chars < max_chars) {
        uint32_t cp;
        size_t sl = utf8_seq(u + i, len - i, &cp), take = sl ? sl : 1;
        char piece[20];
        size_t pl;
        if (sl && shown_as_is(cp)) {
            memcpy(piece, s + i, sl);
            pl = sl;
        } else if (sl == 1 && cp == '\\') {
            memcpy(piece, "\\\\", 2);
            pl = 2;
        } else { /* every byte of it escaped */
            pl = 0;
            for (size_t b = 0; b < take; b++)
                pl += (size_t)snprintf(piece + pl, sizeof piece - pl, "\\x%02x", u[i + b]);
        }
        if (k + pl + 4 > n) break; /* room for "..." and the NUL */
        memcpy(buf + k, piece, pl);
        k += pl;
        i += take;
        chars++;
    }
    if (i < len && k + 4 <= n) memcpy(buf + k, "...", 3), k += 3;
    if (n) buf[k < n ? k : n - 1] = 0;
    return buf;
}

const char *asm_quote(const arg *x, char *buf, size_t n) { return asm_quote_text(x->s, x->len, 40, buf, n); }

size_t asm_word_len(const char *s, size_t len)
{
    size_t k = 0;
    while (k < len && (asm_is_ident((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80)) k++;
    return k;
}

bool asm_arg_is(const arg *x, const char *word)
{
    size_t n = strlen(word);
    if (x->len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)x->s[i]) != word[i]) return false;
    return true;
}

/* Copy an argument into a NUL-terminated buffer; false if too long. */
bool asm_arg_str(const arg *x, char *buf, size_t n)
{
    if (x->len >= n) return false;
    memcpy(buf, x->s, x->len);
    buf[x->len] = 0;
    return true;
}

bool asm_arg_word(const arg *x, char *buf, size_t n)
{
    for (size_t k = 0; k < x->len; k++)
        if ((unsigned char)x->s[k] <= 0x20 || (unsigned char)x->s[k] >= 0x7f) return false;
    return asm_arg_str(x, buf, n);
}

void asm_trim(arg *x)
{
    while (x->len && (x->s[0] == ' ' || x->s[0] == '\t')) x->s++, x->len--, x->col++;
    while (x->len && (x->s[x->len - 1] == ' ' || x->s[x->len - 1] == '\t')) x->len--;
}

/* Split s (column col) at top-level commas into out; returns the count, or
** -1 with an error (unbalanced brackets, too many). */
int asm_split_args(as *a, const line *l, const char *s, size_t len, int col, arg *out, int max)
{
    int n = 0, depth = 0;
    size_t start = 0, open_at[64];
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (c == '"') { /* strings may hold commas */
            size_t j = i + 1;
            while (j < len && s[j] != '"') j++;
            if (j >= len) {
                asm_err(a, l, col + (int)i, "unterminated string");
                return -1;
            }
            i = j;
            continue;
        }
        if (c == '(' || c == '[') {
            if (depth == 64) {
                asm_err(a, l, col + (int)i, "brackets nest too deeply");
                return -1;
            }
            open_at[depth++] = i;
        }
        if (c == ')' || c == ']') {
            if (--depth < 0) {
                asm_err(a, l, col + (int)i, "unbalanced '%c'", c);
                return -1;
            }
        }
        if (i == len && depth) {
            asm_err(a, l, col + (int)open_at[depth - 1], "'%c' is never closed", s[open_at[depth - 1]]);
            return -1;
        }
        if (c == ',' && depth == 0) {
            if (n == max) {
                asm_err(a, l, col + (int)i, "too many operands");
                return -1;
            }
            out[n].s = s + start;
            out[n].len = i - start;
            out[n].col = col + (int)start;
            asm_trim(&out[n]);
            if (out[n].len == 0 && !(n == 0 && i == len)) {
                asm_err(a, l, out[n].col, "missing operand");
                return -1;
            }
            n++;
            start = i + 1;
        }
    }
    if (n == 1 && out[0].len == 0) n = 0;
    return n;
}

/* ---- names: symbols and buffers through one hash table ------------------------------- */

#define SLOT_EMPTY INT32_MIN
#define SLOT_GONE (INT32_MIN + 1)

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The name an entry stands for. */
static const char *slot_name(const as *a, int32_t e) { return e >= 0 ? a->syms[e].name : a->p->bufs[-1 - e].name; }

/* The slot holding the name, or the first free one on its probe path (-1 when
** the table is full, which the limits on symbols and buffers rule out). */
static int find_slot(const as *a, const char *s, size_t len, bool *found)
{
    int free_at = -1;
    uint32_t h = name_hash(s, len);
    *found = false;
    for (int probe = 0; probe < ASM_HASH_SLOTS; probe++) {
        int k = (int)((h + (uint32_t)probe) % ASM_HASH_SLOTS);
        int32_t e = a->names[k];
        if (e == SLOT_EMPTY) return free_at >= 0 ? free_at : k;
        if (e == SLOT_GONE) {
            if (free_at < 0) free_at = k;
            continue;
        }
        const char *n = slot_name(a, e);
        if (strlen(n) == len && !strncmp(n, s, len)) {
            *found = true;
            return k;
        }
    }
    return free_at;
}

void asm_names_reset(as *a)
{
    for (int i = 0; i < ASM_HASH_SLOTS; i++) a->names[i] = SLOT_EMPTY;
}

sym *asm_find_sym(as *a, const char *s, size_t len)
{
    bool found;
    int k = find_slot(a, s, len, &found);
    return found && a->names[k] >= 0 ? &a->syms[a->names[k]] : NULL;
}

int asm_find_buffer(as *a, const char *s, size_t len)
{
    bool found;
    int k = find_slot(a, s, len, &found);
    return found && a->names[k] < 0 ? -1 - a->names[k] : -1;
}

sym *asm_add_sym(as *a, const char *name, int64_t value, bool loop)
{
    bool found;
    int k = find_slot(a, name, strlen(name), &found);
    if (a->nsyms >= ASM_MAX_SYMS || found || k < 0) return NULL;
    sym *sy = &a->syms[a->nsyms];
    size_t n = strlen(name) < sizeof sy->name ? strlen(name) : sizeof sy->name - 1;
    memcpy(sy->name, name, n); /* not snprintf: .for variables come and go on each pass */
    sy->name[n] = 0;
    sy->value = value;
    sy->loop = loop;
    a->names[k] = a->nsyms++;
    return sy;
}

void asm_drop_sym(as *a)
{
    bool found;
    sym *sy = &a->syms[a->nsyms - 1];
    int k = find_slot(a, sy->name, strlen(sy->name), &found);
    if (found) a->names[k] = SLOT_GONE;
    a->nsyms--;
}

bool asm_add_buffer_name(as *a, int index)
{
    bool found;
    const char *n = a->p->bufs[index].name;
    int k = find_slot(a, n, strlen(n), &found);
    if (found || k < 0) return false;
    a->names[k] = -1 - index;
    return true;
}

/* ---- expressions ------------------------------------------------------------------------ */

/* Every operator computes the exact result or reports that it does not fit
** 64-bit signed integers, at the operator; nothing wraps. */

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

/* Report at byte at of the expression (the first error only). */
static void ex_err(ex *e, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ex_err(ex *e, size_t at, const char *fmt, ...)
{
    if (!e->bad) {
        char msg[LP_DIAG_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        asm_err(e->a, e->l, e->col + (int)at, "%s", msg);
    }
    e->bad = true;
}

const char *asm_char_desc(const char *s, size_t len, char *buf, size_t n)
{
    size_t k = asm_char_len(s, len);
    unsigned char c = (unsigned char)s[0];
    char q[ASM_QUOTE_BYTES];
    if (k == 1 && (c < 0x20 || c >= 0x7f))
        snprintf(buf, n, "byte 0x%02x", c);
    else
        snprintf(buf, n, "'%s'", asm_quote_text(s, k, 1, q, sizeof q));
    return buf;
}

static int64_t ex_or(ex *e);

static int64_t ex_number(ex *e)
{
    size_t start = e->pos;
    int base = 10;
    if (e->s[e->pos] == '0' && e->pos + 1 < e->len && (e->s[e->pos + 1] == 'x' || e->s[e->pos + 1] == 'X'))
        base = 16, e->pos += 2;
    else if (e->s[e->pos] == '0' && e->pos + 1 < e->len && (e->s[e->pos + 1] == 'b' || e->s[e->pos + 1] == 'B'))
        base = 2, e->pos += 2;
    /* the one number rule (lp_num.h): "010" is octal in C, decimal in YAML 1.2 */
    if (base == 10 && e->s[e->pos] == '0' && e->pos + 1 < e->len && isdigit((unsigned char)e->s[e->pos + 1])) {
        size_t k = e->pos;
        while (k < e->len && isalnum((unsigned char)e->s[k])) k++;
        char q[ASM_QUOTE_BYTES];
        ex_err(e, start, "'%s': a leading 0 (octal?): write it in decimal or 0x hex",
               asm_quote_text(e->s + start, k - start, 40, q, sizeof q));
        return 0;
    }
    uint64_t v = 0;
    size_t digits = 0;
    while (e->pos < e->len && isalnum((unsigned char)e->s[e->pos])) {
        int d =
            isdigit((unsigned char)e->s[e->pos]) ? e->s[e->pos] - '0' : tolower((unsigned char)e->s[e->pos]) - 'a' + 10;
        if (d >= base) {
            ex_err(e, e->pos, "invalid digit in a number");
            return 0;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base || v * (uint64_t)base + (uint64_t)d > INT64_MAX) {
            ex_err(e, start, "number too large");
            return 0;
        }
        v = v * (uint64_t)base + (uint64_t)d;
        e->pos++;
        digits++;
    }
    if (!digits) ex_err(e, e->pos, "expected digits");
    return (int64_t)v;
}

static int64_t ex_primary(ex *e)
{
    ex_skip(e);
    if (e->bad) return 0;
    if (e->pos >= e->len) {
        ex_err(e, e->pos, "expected a number or a name");
        return 0;
    }
    const char *p = e->s + e->pos;
    char c = *p;
    if (c == '(') {
        e->pos++;
        int64_t v = ex_or(e);
        ex_skip(e);
        if (e->pos >= e->len || e->s[e->pos] != ')') {
            ex_err(e, e->pos, "expected ')'");
            return 0;
        }
        e->pos++;
        return v;
    }
    if (c == '-' || c == '~' || c == '+') {
        size_t at = e->pos++;
        int64_t v = ex_primary(e);
        if (e->bad) return 0;
        if (c == '-' && v == INT64_MIN) {
            ex_err(e, at, "negation overflows a 64-bit integer");
            return 0;
        }
        return c == '-' ? -v : c == '~' ? ~v : v;
    }
    if (isdigit((unsigned char)c)) return ex_number(e);
    if (asm_is_ident_start((unsigned char)c) || asm_char_len(p, e->len - e->pos) > 1) {
        size_t k = asm_word_len(p, e->len - e->pos);
        sym *sy = asm_find_sym(e->a, p, k);
        if (!sy) {
            char q[ASM_QUOTE_BYTES];
            ex_err(e, e->pos, "undefined symbol '%s'", asm_quote_text(p, k, 40, q, sizeof q));
            return 0;
        }
        e->pos += k;
        return sy->value;
    }
    char what[ASM_QUOTE_BYTES];
    ex_err(e, e->pos, "unexpected %s in expression", asm_char_desc(p, e->len - e->pos, what, sizeof what));
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
        if (c == '*' && __builtin_mul_overflow(v, r, &out)) {
            ex_err(e, at, "multiplication overflows a 64-bit integer");
            return 0;
        }
        if (c != '*' && r == 0) {
            ex_err(e, at, "division by zero");
            return 0;
        }
        if (c == '/' && v == INT64_MIN && r == -1) { /* the one quotient that does not fit */
            ex_err(e, at, "division overflows a 64-bit integer");
            return 0;
        }
        /* x % -1 is 0 for every x (C leaves INT64_MIN % -1 undefined) */
        v = c == '*' ? out : c == '/' ? v / r : r == -1 ? 0 : v % r;
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
            ex_err(e, at, "%s overflows a 64-bit integer", c == '+' ? "addition" : "subtraction");
            return 0;
        }
        v = out;
    }
}

/* x << n is x * 2^n (negative x too), x >> n divides by 2^n rounding toward
** minus infinity; n is 0..63. */
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
        int64_t r = ex_add(e), out = 0;
        if (e->bad) return 0;
        if (r < 0 || r > 63) {
            ex_err(e, at, "shift count %lld is outside 0..63", (long long)r);
            return 0;
        }
        if (p[0] == '<' && (r == 63 ? v != 0 && v != -1 : __builtin_mul_overflow(v, INT64_C(1) << r, &out))) {
            ex_err(e, at, "left shift overflows a 64-bit integer");
            return 0;
        }
        v = p[0] == '>' ? v >> r : r == 63 ? (v ? INT64_MIN : 0) : out;
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
bool asm_eval(as *a, const line *l, const arg *x, int64_t *out)
{
    ex e = {a, l, x->s, x->len, 0, x->col, false};
    int64_t v = ex_or(&e);
    ex_skip(&e);
    if (!e.bad && e.pos < e.len) {
        char what[ASM_QUOTE_BYTES];
        ex_err(&e, e.pos, "unexpected %s after the expression",
               asm_char_desc(e.s + e.pos, e.len - e.pos, what, sizeof what));
    }
    if (e.bad) return false;
    *out = v;
    return true;
}

bool asm_eval_range(as *a, const line *l, const arg *x, int64_t lo, int64_t hi, const char *what, int64_t *out)
{
    if (!asm_eval(a, l, x, out)) return false;
    if (*out < lo || *out > hi) {
        asm_err(a, l, x->col, "%s must be between %lld and %lld, got %lld", what, (long long)lo, (long long)hi,
                (long long)*out);
        return false;
    }
    return true;
}
