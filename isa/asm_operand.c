/*
** asm_operand.c — the assembler's operands: one parser per kind group (the
** fn column of isa_kinds.def), bound from the table. Each reports its own
** mistakes at the operand's column and leaves value checks that the decoder
** also makes (alignment, multiples, known codes) to isa_check_values.
*/
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asm_int.h"
#include "dot.h"
#include "mx.h"

typedef bool (*parse_fn)(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v);

static const char *const spaces[] = {"spm", "acc", "pim"};

/* "space:EXPR" with one of the given prefixes; returns the prefix index or -1. */
static int prefixed(const arg *x, const char *const *prefixes, int n, arg *rest)
{
    for (int i = 0; i < n; i++) {
        size_t k = strlen(prefixes[i]);
        if (x->len > k && !strncasecmp(x->s, prefixes[i], k) && x->s[k] == ':') {
            *rest = (arg){x->s + k + 1, x->len - k - 1, x->col + (int)k + 1};
            asm_trim(rest);
            return i;
        }
    }
    return -1;
}

static bool kind_error(as *a, const line *l, const isa_info *info, int i, const arg *x)
{
    char q[ASM_QUOTE_BYTES];
    const isa_operand_info *o = &info->ops[i];
    asm_err(a, l, x->col, "operand %d of %s (%s) must be %s %s (%s), got '%s'", i + 1, info->mnemonic, o->name,
            o->kind == ISA_K_ACC || o->kind == ISA_K_ACCMODE || o->kind == ISA_K_MEM ? "an" : "a",
            isa_kind_help(o->kind), isa_kind_syntax(o->kind), asm_quote(x, q, sizeof q));
    return false;
}

/* spm:EXPR, acc:EXPR (and either for mem). */
static bool parse_space(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    const isa_operand_info *o = &info->ops[i];
    arg rest;
    int64_t n;
    int sp = prefixed(x, spaces, 3, &rest);
    bool ok = (o->kind == ISA_K_SPM && sp == 0) || (o->kind == ISA_K_ACC && sp == 1) ||
              (o->kind == ISA_K_MEM && (sp == 0 || sp == 1));
    if (!ok) return kind_error(a, l, info, i, x);
    if (!asm_eval_range(a, l, &rest, 0, (int64_t)ASM_DEFAULT_SPACE - 1, "an address", &n)) return false;
    *v = (uint64_t)n | (o->kind == ISA_K_MEM && sp == 1 ? ISA_MEM_ACC : 0);
    return true;
}

static bool parse_pim(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    arg rest;
    int64_t n;
    if (prefixed(x, spaces, 3, &rest) != 2) return kind_error(a, l, info, i, x);
    if (!asm_eval_range(a, l, &rest, 0, 65535, "a PIM array index", &n)) return false;
    *v = (uint64_t)n;
    return true;
}

/* NAME or NAME[ROW, COL]: the element's byte address and the buffer's width. */
static bool parse_dram(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    arg rest;
    size_t k = asm_word_len(x->s, x->len); /* the name as written, non-ASCII letters included */
    if (k == 0 || !asm_is_ident_start((unsigned char)x->s[0])) return kind_error(a, l, info, i, x);
    char name[ASM_QUOTE_BYTES];
    asm_quote_text(x->s, k, 40, name, sizeof name);
    int bi = asm_find_buffer(a, x->s, k);
    if (bi < 0) {
        if (asm_find_sym(a, x->s, k))
            asm_err(a, l, x->col, "'%s' is a constant, not a DRAM buffer", name);
        else if (prefixed(x, spaces, 3, &rest) >= 0)
            kind_error(a, l, info, i, x);
        else
            asm_err(a, l, x->col, "undefined buffer '%s'", name);
        return false;
    }
    const isa_buffer *b = &a->p->bufs[bi];
    int64_t r = 0, c = 0;
    arg idx = {x->s + k, x->len - k, x->col + (int)k};
    asm_trim(&idx);
    if (idx.len) {
        if (idx.s[0] != '[' || idx.s[idx.len - 1] != ']') {
            asm_err(a, l, idx.col, "expected '[ROW, COL]' after the buffer name");
            return false;
        }
        arg two[2];
        int before = a->dg->n, got = asm_split_args(a, l, idx.s + 1, idx.len - 2, idx.col + 1, two, 2);
        if (got != 2) {
            if (a->dg->n == before) /* not already explained */
                asm_err(a, l, idx.col, "expected '[ROW, COL]', a row and a column separated by a comma");
            return false;
        }
        if (!asm_eval_range(a, l, &two[0], 0, (int64_t)b->rows - 1, "the row", &r) ||
            !asm_eval_range(a, l, &two[1], 0, (int64_t)b->cols - 1, "the column", &c))
            return false;
    }
    *v = isa_prog_dram(a->p, bi, (uint64_t)r, (uint64_t)c);
    return true;
}

/* dims and bit widths: expressions in range, dims a multiple where asked. */
static bool parse_dim(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    const isa_operand_info *o = &info->ops[i];
    int64_t n;
    bool dim = o->kind == ISA_K_DIM;
    if (!asm_eval_range(a, l, x, 1, dim ? 65535 : 16, dim ? "a dimension" : "a bit width", &n)) return false;
    if (n % o->multiple) {
        asm_err(a, l, x->col, "operand %d of %s (%s) must be a multiple of %d, got %lld", i + 1, info->mnemonic,
                o->name, o->multiple, (long long)n);
        return false;
    }
    *v = (uint64_t)n;
    return true;
}

static bool parse_fmt(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    char word[64], q[ASM_QUOTE_BYTES];
    mf_format f;
    lp_diag pd;
    (void)info, (void)i;
    lp_diag_init(&pd, NULL);
    if (!asm_arg_word(x, word, sizeof word)) {
        asm_err(a, l, x->col, "unknown format '%s' (see 'lpsim formats')", asm_quote(x, q, sizeof q));
        return false;
    }
    if (mf_parse(word, &f, &pd) != LP_OK) {
        asm_err(a, l, x->col, "%s", pd.msg);
        return false;
    }
    if (f.bits > 32) {
        asm_err(a, l, x->col, "format %s is wider than 32 bits", f.name);
        return false;
    }
    *v = isa_fmt_code(&f);
    return true;
}

static bool parse_mx(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    char word[64], q[ASM_QUOTE_BYTES];
    mx_elem_id id;
    lp_diag pd;
    (void)info, (void)i;
    lp_diag_init(&pd, NULL);
    if (!asm_arg_word(x, word, sizeof word)) {
        asm_err(a, l, x->col, "unknown MX element type '%s' (see 'lpsim asm --help-isa')", asm_quote(x, q, sizeof q));
        return false;
    }
    if (mx_elem_find(word, &id, &pd) != LP_OK) {
        asm_err(a, l, x->col, "%s", pd.msg);
        return false;
    }
    *v = (uint64_t)mx_elem_code(id);
    return true;
}

static bool parse_preset(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    char word[64], q[ASM_QUOTE_BYTES];
    lp_diag pd;
    (void)info, (void)i;
    lp_diag_init(&pd, NULL);
    if (!asm_arg_word(x, word, sizeof word)) {
        asm_err(a, l, x->col, "unknown preset '%s' (see 'lpsim gemm-bits --list')", asm_quote(x, q, sizeof q));
        return false;
    }
    int pi = dot_preset_find(word, &pd);
    if (pi < 0) {
        asm_err(a, l, x->col, "%s", pd.msg);
        return false;
    }
    *v = (uint64_t)dot_preset_code(pi);
    return true;
}

/* A two-valued kind: its words by value (isa_kind_choice). */
static bool parse_choice(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    isa_kind k = info->ops[i].kind;
    for (uint64_t w = 0; w < 2; w++)
        if (asm_arg_is(x, isa_kind_choice(k, w))) {
            *v = w;
            return true;
        }
    return kind_error(a, l, info, i, x);
}

static bool parse_round(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    char word[64];
    mf_round r;
    if (!asm_arg_str(x, word, sizeof word) || mf_round_parse(word, &r) != LP_OK) return kind_error(a, l, info, i, x);
    *v = (uint64_t)mf_round_code(r);
    return true;
}

/* A NaN's bits after "nan:0x": 1 to 8 hex digits, nothing else (no sign, no
** blank, no second 0x, as strtoul would take); false if not a NaN. */
static bool nan_bits(const char *h, uint32_t *bits)
{
    uint32_t b = 0;
    size_t n = 0;
    for (; *h; h++, n++) {
        int d = isdigit((unsigned char)*h)    ? *h - '0'
                : isxdigit((unsigned char)*h) ? tolower((unsigned char)*h) - 'a' + 10
                                              : -1;
        if (d < 0 || n == 8) return false;
        b = b << 4 | (uint32_t)d;
    }
    *bits = b;
    return n > 0 && (b & 0x7fffffffu) > 0x7f800000u;
}

/* A decimal float, inf, or nan:0xBITS for a NaN with its payload. A decimal
** must hold as a float32: one past the largest finite float32 or so small
** that it rounds to zero is an error, and so is one that lands on a subnormal
** farther from it than float32's precision allows (a relative error over
** 2^-24, which rounding to a normal float32 never exceeds); a subnormal
** written to 9 significant digits, as the disassembler prints it, holds. */
static bool parse_f32(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    char word[64], *end, q[ASM_QUOTE_BYTES];
    uint32_t bits = 0;
    if (!asm_arg_str(x, word, sizeof word)) return kind_error(a, l, info, i, x);
    const char *body = word + (word[0] == '-' || word[0] == '+');
    if (!strncasecmp(word, "nan:0x", 6)) {
        if (!nan_bits(word + 6, &bits)) {
            asm_err(a, l, x->col, "'%s' is not a float32 NaN bit pattern (nan:0x7fc00000)", asm_quote(x, q, sizeof q));
            return false;
        }
        *v = bits;
        return true;
    }
    /* strtof's other spellings are not ours: hex floats, NaN, nan(...) */
    if (!word[0] || isspace((unsigned char)word[0]) || strpbrk(word, "xX") || !strncasecmp(body, "nan", 3))
        return kind_error(a, l, info, i, x);
    float f = strtof(word, &end);
    if (*end) return kind_error(a, l, info, i, x);
    if (strcasecmp(body, "inf") && strcasecmp(body, "infinity")) {
        double d = strtod(word, NULL);
        const char *mant_end = body + strcspn(body, "eE");
        bool nonzero = strpbrk(body, "123456789") && strpbrk(body, "123456789") < mant_end;
        if (isinf(f)) {
            asm_err(a, l, x->col, "%s is beyond float32's range (its largest value is 3.40282347e+38)", word);
            return false;
        }
        if (f == 0 && nonzero) {
            asm_err(a, l, x->col, "%s rounds to 0 in float32 (its smallest value is 1.40129846e-45)", word);
            return false;
        }
        if (fabs(d - (double)f) > ldexp(fabs(d), -24)) {
            asm_err(a, l, x->col,
                    "%s rounds to the float32 subnormal %.9g, which is not within float32 precision of it (write "
                    "%.9g, or 0)",
                    word, (double)f, (double)f);
            return false;
        }
    }
    memcpy(&bits, &f, 4);
    *v = bits;
    return true;
}

static const parse_fn parsers[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = parse_##fn,
#include "isa_kinds.def"
#undef ISA_KIND
};

bool asm_parse_operand(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v)
{
    return parsers[info->ops[i].kind](a, l, info, i, x, v);
}
