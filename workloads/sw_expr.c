/*
** sw_expr.c — constraint expressions compiled by recursive descent into a
** postfix program, run on a stack of doubles. The program is at most as long
** as the text, so it and the stack are sized once at compile time.
*/
#define _POSIX_C_SOURCE 200809L
#include "sw_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lp_num.h"

typedef enum op {
    OP_NUM,
    OP_VAR,
    OP_NEG,
    OP_NOT,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_AND,
    OP_OR,
} op;

typedef struct ins {
    op op;
    double num; /* OP_NUM */
    size_t var; /* OP_VAR */
} ins;

typedef struct var {
    char name[96];
    int col;
} var;

struct sw_expr {
    ins *code;
    size_t n, cap;
    var *vars;
    size_t nvars;
    double *stack;
};

typedef struct parser {
    const char *s;
    size_t pos;
    const char *file;
    int line, col0;
    sw_expr *e;
    lp_diag *d;
    int depth;
} parser;

static void skip(parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t') p->pos++;
}

static lp_status fail(parser *p, size_t at, const char *msg)
{
    return lp_diag_set(p->d, LP_ERR_PARSE, p->line, p->col0 + (int)at, "%s", msg);
}

static void emit(parser *p, op o, double num, size_t v)
{
    p->e->code[p->e->n++] = (ins){o, num, v}; /* capacity: one per character, checked at compile */
}

static bool is_name_char(int c) { return isalnum(c) || c == '_' || c == '.' || c == '[' || c == ']'; }

static lp_status parse_or(parser *p);

static lp_status primary(parser *p)
{
    skip(p);
    size_t at = p->pos;
    char c = p->s[at];
    if (c == '(') {
        if (++p->depth > 64) return fail(p, at, "expression nested too deeply");
        p->pos++;
        lp_status s = parse_or(p);
        if (s) return s;
        skip(p);
        if (p->s[p->pos] != ')') return fail(p, p->pos, "unbalanced parenthesis: expected ')'");
        p->pos++;
        p->depth--;
        return LP_OK;
    }
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->s[at + 1]))) {
        size_t end = at;
        while (isalnum((unsigned char)p->s[end]) || p->s[end] == '.' ||
               ((p->s[end] == '+' || p->s[end] == '-') && (p->s[end - 1] == 'e' || p->s[end - 1] == 'E') &&
                !(p->s[at] == '0' && (p->s[at + 1] == 'x' || p->s[at + 1] == 'X'))))
            end++;
        double v;
        const char *why = "not a number";
        if (lp_parse_f64(p->s + at, end - at, &v, &why))
            return lp_diag_set(p->d, LP_ERR_PARSE, p->line, p->col0 + (int)at, "'%.*s' is not a number (%s)",
                               (int)(end - at > 40 ? 40 : end - at), p->s + at, why);
        emit(p, OP_NUM, v, 0);
        p->pos = end;
        return LP_OK;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t end = at;
        while (is_name_char((unsigned char)p->s[end])) end++;
        if (end - at >= sizeof p->e->vars[0].name) return fail(p, at, "name longer than 95 characters");
        size_t k = 0;
        while (k < p->e->nvars &&
               (strlen(p->e->vars[k].name) != end - at || strncmp(p->e->vars[k].name, p->s + at, end - at)))
            k++;
        if (k == p->e->nvars) {
            memcpy(p->e->vars[k].name, p->s + at, end - at);
            p->e->vars[k].name[end - at] = 0;
            p->e->vars[k].col = p->col0 + (int)at;
            p->e->nvars++;
        }
        emit(p, OP_VAR, 0, k);
        p->pos = end;
        return LP_OK;
    }
    if (!c) return fail(p, at, "expected a number, a name or '(' at the end of the constraint");
    return lp_diag_set(p->d, LP_ERR_PARSE, p->line, p->col0 + (int)at, "expected a number, a name or '(', got '%c'",
                       isprint((unsigned char)c) ? c : '?');
}

static lp_status unary(parser *p)
{
    skip(p);
    if (p->s[p->pos] == '-' || (p->s[p->pos] == '!' && p->s[p->pos + 1] != '=')) {
        op o = p->s[p->pos] == '-' ? OP_NEG : OP_NOT;
        if (++p->depth > 64) return fail(p, p->pos, "expression nested too deeply");
        p->pos++;
        lp_status s = unary(p);
        p->depth--;
        if (!s) emit(p, o, 0, 0);
        return s;
    }
    return primary(p);
}

/* A binary level: operands by next, operators from ops (longest first). */
typedef struct binop {
    const char *text;
    op op;
} binop;

static lp_status level(parser *p, lp_status (*next)(parser *), const binop *ops, int nops)
{
    lp_status s = next(p);
    for (;;) {
        if (s) return s;
        skip(p);
        int k = 0;
        while (k < nops && strncmp(p->s + p->pos, ops[k].text, strlen(ops[k].text))) k++;
        if (k == nops) return LP_OK;
        p->pos += strlen(ops[k].text);
        s = next(p);
        if (!s) emit(p, ops[k].op, 0, 0);
    }
}

static lp_status mul(parser *p)
{
    static const binop ops[] = {{"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD}};
    return level(p, unary, ops, 3);
}
static lp_status add(parser *p)
{
    static const binop ops[] = {{"+", OP_ADD}, {"-", OP_SUB}};
    return level(p, mul, ops, 2);
}
static lp_status cmp(parser *p)
{
    static const binop ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT}};
    lp_status s = level(p, add, ops, 6);
    skip(p);
    if (!s && p->s[p->pos] == '=') return fail(p, p->pos, "'=' is not an operator: did you mean '=='?");
    return s;
}
static lp_status and_(parser *p)
{
    static const binop ops[] = {{"&&", OP_AND}};
    return level(p, cmp, ops, 1);
}
static lp_status parse_or(parser *p)
{
    static const binop ops[] = {{"||", OP_OR}};
    return level(p, and_, ops, 1);
}

lp_status sw_expr_parse(const char *text, const char *file, int line, int col0, sw_expr **out, lp_diag *d)
{
    *out = NULL;
    size_t len = strlen(text);
    sw_expr *e = calloc(1, sizeof *e);
    if (e) {
        e->cap = len + 1;
        e->code = calloc(e->cap, sizeof *e->code);
        e->vars = calloc(e->cap, sizeof *e->vars);
        e->stack = calloc(e->cap, sizeof *e->stack);
    }
    if (!e || !e->code || !e->vars || !e->stack) {
        sw_expr_free(e);
        return lp_diag_set(d, LP_ERR_NOMEM, line, col0, "out of memory");
    }
    lp_diag_init(d, file);
    parser p = {text, 0, file, line, col0, e, d, 0};
    lp_status s = parse_or(&p);
    skip(&p);
    if (!s && text[p.pos])
        s = p.s[p.pos] == ')' ? fail(&p, p.pos, "unbalanced parenthesis: no '(' for this ')'")
                              : fail(&p, p.pos, "expected an operator or the end of the constraint");
    if (s) {
        sw_expr_free(e);
        return s;
    }
    *out = e;
    return LP_OK;
}

void sw_expr_free(sw_expr *e)
{
    if (!e) return;
    free(e->code);
    free(e->vars);
    free(e->stack);
    free(e);
}

size_t sw_expr_nvars(const sw_expr *e) { return e->nvars; }

const char *sw_expr_var(const sw_expr *e, size_t i, int *col)
{
    if (col) *col = e->vars[i].col;
    return e->vars[i].name;
}

double sw_expr_eval(const sw_expr *e, const double *vars)
{
    double *st = e->stack;
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        const ins *x = &e->code[i];
        double a = n >= 2 ? st[n - 2] : 0, b = n ? st[n - 1] : 0, r;
        switch (x->op) {
        case OP_NUM: st[n++] = x->num; continue;
        case OP_VAR: st[n++] = vars[x->var]; continue;
        case OP_NEG: st[n - 1] = -b; continue;
        case OP_NOT: st[n - 1] = b == 0; continue;
        case OP_ADD: r = a + b; break;
        case OP_SUB: r = a - b; break;
        case OP_MUL: r = a * b; break;
        case OP_DIV: r = a / b; break;
        case OP_MOD: r = fmod(a, b); break;
        case OP_LT: r = a < b; break;
        case OP_LE: r = a <= b; break;
        case OP_GT: r = a > b; break;
        case OP_GE: r = a >= b; break;
        case OP_EQ: r = a == b; break;
        case OP_NE: r = a != b; break;
        case OP_AND: r = a != 0 && b != 0; break;
        case OP_OR: r = a != 0 || b != 0; break;
        default: r = NAN; break;
        }
        st[--n - 1] = r;
    }
    return n ? st[0] : NAN;
}
