/*
** asm_expr.c — the assembler's arguments, names and expressions: splitting a
** line at top-level commas, symbols (.equ constants, .for variables) and
** buffer names found through one hash table, and integer expressions with
** C precedence (| ^ & below << >> below + - below * / %), overflow checked.
** All text handling goes by explicit lengths: a NUL or any other byte is
** reported, never trusted.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "asm_int.h"

/* ---- arguments ---------------------------------------------------------------------- */

bool asm_is_ident_start(int c) { return isalpha(c) || c == '_'; }
bool asm_is_ident(int c) { return isalnum(c) || c == '_'; }

/* Quote an argument for a message (at most 40 characters, printable). */
const char *asm_quote(const arg *x, char *buf, size_t n)
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
    snprintf(sy->name, sizeof sy->name, "%s", name);
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
    if (!e->bad) asm_err(e->a, e->l, e->col + (int)e->pos, fmt, detail);
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
    if (asm_is_ident_start((unsigned char)c)) {
        size_t start = e->pos;
        while (e->pos < e->len && asm_is_ident((unsigned char)e->s[e->pos])) e->pos++;
        sym *sy = asm_find_sym(e->a, e->s + start, e->pos - start);
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
bool asm_eval(as *a, const line *l, const arg *x, int64_t *out)
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
