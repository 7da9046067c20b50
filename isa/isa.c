/*
** isa.c — expansions of isa.def: operand signatures parsed into tables,
** format codes and the 32-byte encoding. Operand checks, ranges and the
** decoding into unit operations are isa_operands.c's.
**
** The signature strings of isa.def are parsed once into isa_info; a broken
** signature (an unknown kind, an operand whose name names no field of
** unit_op) is our bug and asserts. Everything else (encoder, decoder,
** checker, ranges, the assembler's operand parsing and the reference page)
** reads those tables, so adding an instruction is adding a row.
*/
#include "isa.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "dot.h"
#include "mx.h"

static const struct {
    const char *mnemonic;
    uint8_t opcode;
    unit_op_id op;
    const char *operands, *doc;
} rows[ISA_OP_COUNT] = {
#define ISA_OP(mn, opcode, op, operands, doc) [ISA_##mn] = {#mn, opcode, UNIT_OP_##op, operands, doc},
#include "isa.def"
#undef ISA_OP
};

static const struct {
    const char *name;
    int bits;
    const char *syntax, *help;
} kinds[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = {name, bits, syntax, help},
#include "isa_kinds.def"
#undef ISA_KIND
};

/* The words of the two-valued kinds, by value. */
static const char *const choices[ISA_KIND_COUNT][2] = {
    [ISA_K_ACCMODE] = {"set", "acc"}, [ISA_K_GEMV] = {"lut", "bitserial"}};

/* The unit_op field of each operand name, by the kind of value it holds
** (tiles for memory operands; numbers; formats; ...). An operand of isa.def
** fills the field of its name and type. */
enum field_type { F_TILE, F_U64, F_FMT, F_MX, F_PRESET, F_ACC, F_SERIAL, F_ROUND, F_IMM };
static const struct {
    const char *name;
    enum field_type type;
    size_t off;
} fields[] = {
#define FIELD(name, type)                                                                                              \
    {                                                                                                                  \
#name, type, offsetof(unit_op, name)                                                                           \
    }
    FIELD(dst, F_TILE),
    FIELD(src, F_TILE),
    FIELD(a, F_TILE),
    FIELD(b, F_TILE),
    FIELD(c, F_TILE),
    FIELD(sa, F_TILE),
    FIELD(sb, F_TILE),
    FIELD(scales, F_TILE),
    FIELD(x, F_TILE),
    FIELD(y, F_TILE),
    FIELD(v, F_TILE),
    FIELD(arr, F_U64),
    FIELD(rows, F_U64),
    FIELD(cols, F_U64),
    FIELD(m, F_U64),
    FIELD(n, F_U64),
    FIELD(k, F_U64),
    FIELD(abits, F_U64),
    FIELD(wbits, F_U64),
    FIELD(fmt, F_FMT),
    FIELD(fa, F_FMT),
    FIELD(fb, F_FMT),
    FIELD(dfmt, F_FMT),
    FIELD(sfmt, F_FMT),
    FIELD(elem, F_MX),
    FIELD(ea, F_MX),
    FIELD(eb, F_MX),
    FIELD(preset, F_PRESET),
    {"mode", F_ACC, offsetof(unit_op, acc)},          /* accmode */
    {"mode", F_SERIAL, offsetof(unit_op, bitserial)}, /* gemv */
    FIELD(round, F_ROUND),
    {"s", F_IMM, offsetof(unit_op, imm)},
    {"v", F_IMM, offsetof(unit_op, imm)},
#undef FIELD
};

/* The type of field each kind fills (isa_kinds.def's field column). */
static const enum field_type kind_fields[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = F_##field,
#include "isa_kinds.def"
#undef ISA_KIND
};

/* The field an operand fills: by its name and its kind's field type. */
static size_t field_of(const isa_operand_info *o)
{
    enum field_type t = kind_fields[o->kind];
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].type == t && !strcmp(fields[i].name, o->name)) return fields[i].off;
    assert(!"an operand of isa.def names no field of unit_op");
    return 0;
}

static isa_info infos[ISA_OP_COUNT];
static int16_t by_opcode[256]; /* opcode -> row, -1 if none */
static once_flag infos_once = ONCE_FLAG_INIT;

static int find_operand(const isa_info *in, const char *name, size_t len)
{
    for (int i = 0; i < in->nops; i++)
        if (strlen(in->ops[i].name) == len && !strncmp(in->ops[i].name, name, len)) return i;
    return -1;
}

/* One footprint dimension: "name", "name/32" or "1". */
static void parse_dim(isa_info *in, const char *s, size_t len, int *op, int *div)
{
    *div = 1;
    if (len == 1 && s[0] == '1') {
        *op = -1;
        return;
    }
    const char *slash = memchr(s, '/', len);
    if (slash) {
        assert(!strncmp(slash, "/32", 3) && (size_t)(slash - s) + 3 == len);
        *div = 32;
        len = (size_t)(slash - s);
    }
    *op = find_operand(in, s, len);
    assert(*op >= 0 && in->ops[*op].kind == ISA_K_DIM);
}

static void parse_signature(isa_info *in, const char *sig)
{
    /* pass 1: names and kinds; pass 2: footprints, which name later operands */
    const char *foot_src[ISA_MAX_OPERANDS] = {0};
    size_t foot_len[ISA_MAX_OPERANDS] = {0};
    const char *p = sig;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *tok = p;
        while (*p && *p != ' ') p++;
        size_t len = (size_t)(p - tok);
        const char *colon = memchr(tok, ':', len);
        assert(colon && in->nops < ISA_MAX_OPERANDS);
        isa_operand_info *o = &in->ops[in->nops];
        size_t nlen = (size_t)(colon - tok);
        assert(nlen < sizeof o->name);
        memcpy(o->name, tok, nlen);
        const char *k = colon + 1, *kend = k;
        while (kend < p && isalnum((unsigned char)*kend)) kend++;
        int kind = -1;
        for (int i = 0; i < ISA_KIND_COUNT; i++)
            if (strlen(kinds[i].name) == (size_t)(kend - k) && !strncmp(kinds[i].name, k, (size_t)(kend - k))) kind = i;
        assert(kind >= 0);
        o->kind = (isa_kind)kind;
        o->multiple = 1;
        if (kend < p && *kend == '%') o->multiple = atoi(kend + 1);
        const char *bang = memchr(kend, '!', (size_t)(p - kend));
        if (bang) {
            foot_src[in->nops] = bang + 1;
            foot_len[in->nops] = (size_t)(p - bang - 1);
        }
        o->field = field_of(o);
        in->nops++;
    }
    for (int i = 0; i < in->nops; i++) {
        if (!foot_src[i]) continue;
        isa_operand_info *o = &in->ops[i];
        const char *f = foot_src[i], *end = f + foot_len[i];
        o->has_foot = true;
        while (f < end && (*f == 'r' || *f == 'w')) {
            if (*f == 'r') o->foot.read = true;
            if (*f == 'w') o->foot.write = true;
            f++;
        }
        o->foot.rows_op = o->foot.cols_op = -1;
        o->foot.rows_div = o->foot.cols_div = 1;
        o->foot.type_op = -1;
        o->foot.type_bytes = 1;
        if (f == end) { /* a PIM operand: no tile */
            assert(o->kind == ISA_K_PIM);
            continue;
        }
        assert(*f == '(' && end[-1] == ')');
        const char *c1 = memchr(f, ',', (size_t)(end - f)),
                   *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(end - c1 - 1)) : NULL;
        assert(c1 && c2);
        parse_dim(in, f + 1, (size_t)(c1 - f - 1), &o->foot.rows_op, &o->foot.rows_div);
        parse_dim(in, c1 + 1, (size_t)(c2 - c1 - 1), &o->foot.cols_op, &o->foot.cols_div);
        const char *t = c2 + 1;
        size_t tl = (size_t)(end - 1 - t);
        if (tl == 3 && !strncmp(t, "f32", 3)) {
            o->foot.type_bytes = 4;
        } else if (tl == 2 && !strncmp(t, "u8", 2)) {
            o->foot.type_bytes = 1;
        } else {
            o->foot.type_op = find_operand(in, t, tl);
            assert(o->foot.type_op >= 0 &&
                   (in->ops[o->foot.type_op].kind == ISA_K_FMT || in->ops[o->foot.type_op].kind == ISA_K_MX));
        }
    }
    /* the operand fields must fit the 248 payload bits */
    int bits = 0;
    for (int i = 0; i < in->nops; i++) bits += kinds[in->ops[i].kind].bits;
    assert(bits <= (ISA_WORD_BYTES - 1) * 8);
    (void)bits;
}

static void init_infos(void)
{
    for (int i = 0; i < 256; i++) by_opcode[i] = -1;
    for (int i = 0; i < ISA_OP_COUNT; i++) by_opcode[rows[i].opcode] = (int16_t)i;
    for (int i = 0; i < ISA_OP_COUNT; i++) {
        isa_info *in = &infos[i];
        memset(in, 0, sizeof *in);
        in->mnemonic = rows[i].mnemonic;
        in->opcode = rows[i].opcode;
        in->op = rows[i].op;
        in->cls = unit_op_class(rows[i].op);
        in->signature = rows[i].operands;
        in->doc = rows[i].doc;
        parse_signature(in, rows[i].operands);
        for (int j = 0; j < i; j++) assert(rows[j].opcode != rows[i].opcode); /* opcodes are unique */
    }
}

const isa_info *isa_get(isa_op op)
{
    call_once(&infos_once, init_infos);
    assert((unsigned)op < ISA_OP_COUNT);
    return &infos[op];
}

/* Upper-cased once, then compared whole: the assembler asks for every name
** it defines and every instruction line, .for bodies again on each pass. */
int isa_lookup(const char *mnemonic)
{
    char up[32];
    size_t n = 0;
    for (; mnemonic[n]; n++) {
        if (n + 1 >= sizeof up) return -1; /* longer than any mnemonic */
        up[n] = (char)toupper((unsigned char)mnemonic[n]);
    }
    up[n] = 0;
    for (int i = 0; i < ISA_OP_COUNT; i++)
        if (rows[i].mnemonic[0] == up[0] && !strcmp(rows[i].mnemonic, up)) return i;
    return -1;
}

int isa_by_opcode(uint8_t opcode)
{
    call_once(&infos_once, init_infos);
    return by_opcode[opcode];
}

const char *isa_kind_name(isa_kind k) { return (unsigned)k < ISA_KIND_COUNT ? kinds[k].name : "?"; }
const char *isa_kind_syntax(isa_kind k) { return (unsigned)k < ISA_KIND_COUNT ? kinds[k].syntax : "?"; }
const char *isa_kind_help(isa_kind k) { return (unsigned)k < ISA_KIND_COUNT ? kinds[k].help : "?"; }
int isa_kind_bits(isa_kind k) { return (unsigned)k < ISA_KIND_COUNT ? kinds[k].bits : 0; }

const char *isa_kind_choice(isa_kind k, uint64_t v)
{
    return (unsigned)k < ISA_KIND_COUNT && v < 2 ? choices[k][v] : NULL;
}

/* ---- format codes ------------------------------------------------------------ */

#define FMT_PARAM 0x800000u
#define FMT_INT 0x100u

uint32_t isa_fmt_code(const mf_format *f)
{
    for (int i = 0; i < MF_ID_COUNT; i++)
        if (!strcmp(f->name, mf_id_name((mf_id)i))) return (uint32_t)mf_id_code((mf_id)i);
    if (f->kind == MF_KIND_INT) return FMT_INT | (uint32_t)f->bits;
    return FMT_PARAM | ((f->flags & MF_F_UNSIGNED) ? 1u << 22 : 0) | ((f->flags & MF_F_SAT) ? 1u << 21 : 0) |
           (uint32_t)f->policy << 19 | (uint32_t)(f->ebits - 1) << 16 | (uint32_t)f->mbits << 12 |
           ((uint32_t)f->bias & 0x1ff);
}

/* The last formats decoded, per thread: decoding a program looks up the same
** few codes again and again. */
static _Thread_local struct {
    uint32_t code;
    bool valid;
    mf_format f;
} fmt_cache[4];
static _Thread_local int fmt_cache_next;

static lp_status fmt_decode_uncached(uint32_t code, mf_format *f);

lp_status isa_fmt_decode(uint32_t code, mf_format *f)
{
    for (int i = 0; i < 4; i++) {
        if (fmt_cache[i].valid && fmt_cache[i].code == code) {
            *f = fmt_cache[i].f;
            return LP_OK;
        }
    }
    lp_status st = fmt_decode_uncached(code, f);
    if (st == LP_OK) {
        int k = fmt_cache_next++ & 3;
        fmt_cache[k].code = code;
        fmt_cache[k].f = *f;
        fmt_cache[k].valid = true;
    }
    return st;
}

static lp_status fmt_decode_uncached(uint32_t code, mf_format *f)
{
    char name[48];
    static const char *const pol[] = {"ieee", "fn", "fnuz", "finite"};
    int id = code < 256 ? mf_id_by_code((int)code) : -1;
    if (id >= 0) {
        mf_get((mf_id)id, f);
        return LP_OK;
    }
    if ((code & ~0xfu) == FMT_INT && (code & 0xf) >= 1 && (code & 0xf) <= 8) {
        snprintf(name, sizeof name, "int%u", code & 0xf);
    } else if ((code & FMT_PARAM) && !(code & 0xe00) && code < 0x1000000u) {
        snprintf(name, sizeof name, "%se%um%u_b%u_%s%s", (code >> 22) & 1 ? "u" : "", ((code >> 16) & 7) + 1,
                 (code >> 12) & 0xf, code & 0x1ff, pol[(code >> 19) & 3], (code >> 21) & 1 ? "_sat" : "");
    } else {
        return LP_ERR_FORMAT;
    }
    if (mf_parse(name, f, NULL) != LP_OK) return LP_ERR_FORMAT;
    return isa_fmt_code(f) == code ? LP_OK : LP_ERR_FORMAT;
}

int isa_elem_bytes(const mf_format *f) { return f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : 4; }

int isa_packed_bits(const mf_format *f) { return f->bits < 8 ? f->bits : 8; }

uint64_t isa_packed_bytes(const mf_format *f, uint64_t n)
{
    return (n * (uint64_t)isa_elem_bytes(f) * (uint64_t)isa_packed_bits(f) + 7) / 8;
}

/* ---- encoding ------------------------------------------------------------------ */

/* The word as four little-endian 64-bit limbs; fields of up to 64 bits are
** read and written with two shifts (a field may straddle two limbs). */
static void load_limbs(const uint8_t *w, uint64_t l[4])
{
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--) v = v << 8 | w[i * 8 + b];
        l[i] = v;
    }
}

static void store_limbs(const uint64_t l[4], uint8_t *w)
{
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++) w[i * 8 + b] = (uint8_t)(l[i] >> (8 * b));
}

static uint64_t field_mask(int n) { return n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1; }

static void put_field(uint64_t l[4], int *pos, uint64_t v, int n)
{
    int i = *pos / 64, o = *pos % 64;
    v &= field_mask(n);
    l[i] |= v << o;
    if (o && o + n > 64) l[i + 1] |= v >> (64 - o);
    *pos += n;
}

static uint64_t get_field(const uint64_t l[4], int *pos, int n)
{
    int i = *pos / 64, o = *pos % 64;
    uint64_t v = l[i] >> o;
    if (o && o + n > 64) v |= l[i + 1] << (64 - o);
    *pos += n;
    return v & field_mask(n);
}

void isa_encode(const isa_insn *in, uint8_t out[ISA_WORD_BYTES])
{
    const isa_info *info = isa_get(in->op);
    uint64_t l[4] = {info->opcode, 0, 0, 0};
    int pos = 8;
    for (int i = 0; i < info->nops; i++) {
        int n = kinds[info->ops[i].kind].bits;
        assert(n == 64 || in->v[i] >> n == 0);
        put_field(l, &pos, in->v[i], n);
    }
    store_limbs(l, out);
}

void isa_word_timing_key(const uint8_t word[ISA_WORD_BYTES], uint8_t key[ISA_WORD_BYTES])
{
    int op = isa_by_opcode(word[0]);
    memcpy(key, word, ISA_WORD_BYTES);
    if (op < 0) return;
    const isa_info *info = isa_get((isa_op)op);
    uint64_t l[4], out[4] = {info->opcode, 0, 0, 0};
    load_limbs(word, l);
    int pos = 8, opos = 8;
    for (int i = 0; i < info->nops; i++) {
        int n = kinds[info->ops[i].kind].bits;
        uint64_t v = get_field(l, &pos, n);
        if (info->ops[i].kind == ISA_K_DRAM) v &= ~field_mask(ISA_DRAM_ADDR_BITS); /* the pitch stays */
        put_field(out, &opos, v, n);
    }
    store_limbs(out, key);
}

lp_status isa_decode(const uint8_t word[ISA_WORD_BYTES], isa_insn *out, lp_diag *d)
{
    int op = isa_by_opcode(word[0]);
    if (op < 0) {
        memset(out, 0, sizeof *out);
        return lp_diag_msg(d, LP_ERR_PARSE, "unknown opcode 0x%02x", word[0]);
    }
    const isa_info *info = isa_get((isa_op)op);
    uint64_t l[4];
    load_limbs(word, l);
    out->op = (isa_op)op;
    int pos = 8;
    for (int i = 0; i < info->nops; i++) out->v[i] = get_field(l, &pos, kinds[info->ops[i].kind].bits);
    for (int i = info->nops; i < ISA_MAX_OPERANDS; i++) out->v[i] = 0;
    /* every bit past the last field must be zero */
    for (int i = pos / 64; i < 4; i++) {
        uint64_t rest = i == pos / 64 ? l[i] >> (pos % 64) : l[i];
        if (rest) {
            int bit = i * 64 + (i == pos / 64 ? pos % 64 : 0) + __builtin_ctzll(rest);
            return lp_diag_msg(d, LP_ERR_PARSE, "%s: unused bit %d is set", info->mnemonic, bit);
        }
    }
    if (isa_check_values(out, NULL, d) != LP_OK) {
        if (d) d->status = LP_ERR_PARSE; /* a word that decodes to no valid instruction */
        return LP_ERR_PARSE;
    }
    return LP_OK;
}
