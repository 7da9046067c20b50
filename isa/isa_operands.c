/*
** isa_operands.c — what an instruction's operands mean: value checks, the
** memory ranges of their footprints, and the decoding of an instruction into
** its unit operation (isa.h). Each operand kind's group (the fn column of
** isa_kinds.def) has a check_FN and a fill_FN here, bound from the table; an
** instruction's operands are walked once, in order.
*/
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "isa.h"

/* ---- footprints ------------------------------------------------------------------ */

static uint64_t foot_dim(const isa_insn *in, int op, int div) { return op < 0 ? 1 : in->v[op] / (uint64_t)div; }

/* Bytes of one element of the footprint's type, and its width as stored
** (packed when narrower than a byte, else 8). */
static int foot_type_bytes(const isa_insn *in, const isa_foot *f, int *packed_bits)
{
    const isa_info *info = isa_get(in->op);
    *packed_bits = 8;
    if (f->type_op < 0) return f->type_bytes;
    if (info->ops[f->type_op].kind == ISA_K_MX) {
        int id = mx_elem_by_code((int)in->v[f->type_op]);
        if (id >= 0) *packed_bits = isa_packed_bits(&mx_elem_table((mx_elem_id)id)->fmt);
        return 1;
    }
    mf_format fm;
    if (isa_fmt_decode((uint32_t)in->v[f->type_op], &fm) != LP_OK) return 1;
    *packed_bits = isa_packed_bits(&fm);
    return isa_elem_bytes(&fm);
}

uint64_t isa_foot_bytes(const isa_insn *in, int operand)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[operand];
    int pb;
    if (!o->has_foot || o->kind == ISA_K_PIM) return 0;
    return foot_dim(in, o->foot.rows_op, o->foot.rows_div) * foot_dim(in, o->foot.cols_op, o->foot.cols_div) *
           (uint64_t)foot_type_bytes(in, &o->foot, &pb);
}

/* The range of operand i (which has a footprint). */
static void operand_range(const isa_insn *in, int i, mem_range *r)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[i];
    uint64_t v = in->v[i];
    memset(r, 0, sizeof *r);
    r->read = o->foot.read;
    r->write = o->foot.write;
    r->packed_bits = 8;
    if (o->kind == ISA_K_PIM) {
        r->space = MEM_PIM;
        r->addr = v;
        r->rows = r->row_bytes = r->pitch = 1;
        return;
    }
    int eb = foot_type_bytes(in, &o->foot, &r->packed_bits);
    r->rows = foot_dim(in, o->foot.rows_op, o->foot.rows_div);
    r->row_bytes = foot_dim(in, o->foot.cols_op, o->foot.cols_div) * (uint64_t)eb;
    r->pitch = r->row_bytes;
    switch (o->kind) {
    case ISA_K_SPM: r->space = MEM_SPM, r->addr = v; break;
    case ISA_K_ACC: r->space = MEM_ACC, r->addr = v; break;
    case ISA_K_MEM:
        r->space = (v & ISA_MEM_ACC) ? MEM_ACC : MEM_SPM;
        r->addr = v & (ISA_MEM_ACC - 1);
        break;
    default: /* dram */
        r->space = MEM_DRAM;
        r->addr = v & ((UINT64_C(1) << ISA_DRAM_ADDR_BITS) - 1);
        r->pitch = (v >> ISA_DRAM_ADDR_BITS) * (uint64_t)eb;
        break;
    }
}

int isa_ranges(const isa_insn *in, mem_range out[ISA_MAX_RANGES])
{
    const isa_info *info = isa_get(in->op);
    int n = 0;
    for (int i = 0; i < info->nops && n < ISA_MAX_RANGES; i++)
        if (info->ops[i].has_foot) operand_range(in, i, &out[n++]);
    return n;
}

/* ---- checks: a message in msg (n bytes) when the value is bad ----------------------- */

typedef bool (*check_fn)(const isa_insn *in, int i, char *msg, size_t n);

static bool check_space(const isa_insn *in, int i, char *msg, size_t n)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[i];
    uint64_t v = in->v[i], addr = v & ((UINT64_C(1) << ISA_ADDR_BITS) - 1), bytes = isa_foot_bytes(in, i);
    int pb, eb = o->has_foot ? foot_type_bytes(in, &o->foot, &pb) : 1;
    if (v >> (o->kind == ISA_K_MEM ? 25 : 24))
        snprintf(msg, n, "address does not fit %d bits", ISA_ADDR_BITS);
    else if (addr % (uint64_t)eb)
        snprintf(msg, n, "address 0x%llx is not aligned to the %d-byte elements of its tile", (unsigned long long)addr,
                 eb);
    else if (addr + bytes > (UINT64_C(1) << ISA_ADDR_BITS))
        snprintf(msg, n, "tile of %llu bytes at 0x%llx runs past the 16 MiB address space", (unsigned long long)bytes,
                 (unsigned long long)addr);
    else
        return true;
    return false;
}

static bool check_dram(const isa_insn *in, int i, char *msg, size_t n)
{
    if ((in->v[i] >> 40) != 0) return true;
    snprintf(msg, n, "DRAM row pitch is 0");
    return false;
}

static bool check_dim(const isa_insn *in, int i, char *msg, size_t n)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[i];
    uint64_t v = in->v[i], hi = o->kind == ISA_K_BITS ? 16 : 65535;
    if (v < 1 || v > hi)
        snprintf(msg, n, "%s %llu is outside 1..%llu", o->kind == ISA_K_BITS ? "bit width" : "dimension",
                 (unsigned long long)v, (unsigned long long)hi);
    else if (v % (uint64_t)o->multiple)
        snprintf(msg, n, "%s must be a multiple of %d, got %llu", o->name, o->multiple, (unsigned long long)v);
    else
        return true;
    return false;
}

static bool check_fmt(const isa_insn *in, int i, char *msg, size_t n)
{
    mf_format f;
    if (isa_fmt_decode((uint32_t)in->v[i], &f) == LP_OK && !(in->v[i] >> 24)) return true;
    snprintf(msg, n, "format code 0x%llx names no format", (unsigned long long)in->v[i]);
    return false;
}

static bool check_mx(const isa_insn *in, int i, char *msg, size_t n)
{
    if (in->v[i] < 256 && mx_elem_by_code((int)in->v[i]) >= 0) return true;
    snprintf(msg, n, "MX element type %llu unknown", (unsigned long long)in->v[i]);
    return false;
}

static bool check_preset(const isa_insn *in, int i, char *msg, size_t n)
{
    if (in->v[i] < 256 && dot_preset_by_code((int)in->v[i]) >= 0) return true;
    snprintf(msg, n, "preset %llu unknown", (unsigned long long)in->v[i]);
    return false;
}

static bool check_choice(const isa_insn *in, int i, char *msg, size_t n)
{
    if (in->v[i] <= 1) return true;
    snprintf(msg, n, "value %llu is not 0 or 1", (unsigned long long)in->v[i]);
    return false;
}

static bool check_f32(const isa_insn *in, int i, char *msg, size_t n)
{
    (void)in, (void)i, (void)msg, (void)n;
    return true; /* every bit pattern is a float32 */
}

/* MXQ rounds to nearest (even or away) or toward zero: not stochastically. */
static bool check_round(const isa_insn *in, int i, char *msg, size_t n)
{
    int r = in->v[i] < 256 ? mf_round_by_code((int)in->v[i]) : -1;
    bool mxq = isa_get(in->op)->op == UNIT_OP_MX_QUANT;
    if (r >= 0 && !(mxq && r == MF_RSR)) return true;
    snprintf(msg, n, "rounding mode %llu not allowed here%s", (unsigned long long)in->v[i],
             mxq ? " (MXQ rounds nearest-even, toward-zero or half-away)" : "");
    return false;
}

static bool check_pim(const isa_insn *in, int i, char *msg, size_t n)
{
    if (in->v[i] <= 65535) return true;
    snprintf(msg, n, "PIM array %llu does not fit 16 bits", (unsigned long long)in->v[i]);
    return false;
}

static const check_fn checks[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = check_##fn,
#include "isa_kinds.def"
#undef ISA_KIND
};

lp_status isa_check_values(const isa_insn *in, int *bad_op, lp_diag *d)
{
    const isa_info *info = isa_get(in->op);
    char msg[200];
    for (int i = 0; i < info->nops; i++) {
        if (checks[info->ops[i].kind](in, i, msg, sizeof msg)) continue;
        if (bad_op) *bad_op = i;
        return lp_diag_msg(d, LP_ERR_RANGE, "%s operand %d (%s): %s", info->mnemonic, i + 1, info->ops[i].name, msg);
    }
    if (bad_op) *bad_op = -1;
    return LP_OK;
}

/* ---- decoding into a unit operation --------------------------------------------------- */

typedef void (*fill_fn)(const isa_insn *in, int i, void *field);

static void fill_space(const isa_insn *in, int i, void *field) { operand_range(in, i, field); }
static void fill_dram(const isa_insn *in, int i, void *field) { operand_range(in, i, field); }
static void fill_dim(const isa_insn *in, int i, void *field) { *(uint64_t *)field = in->v[i]; }
static void fill_pim(const isa_insn *in, int i, void *field) { *(uint64_t *)field = in->v[i]; }
static void fill_choice(const isa_insn *in, int i, void *field) { *(bool *)field = in->v[i] != 0; }
static void fill_f32(const isa_insn *in, int i, void *field) { *(uint32_t *)field = (uint32_t)in->v[i]; }

static void fill_fmt(const isa_insn *in, int i, void *field)
{
    lp_status st = isa_fmt_decode((uint32_t)in->v[i], field);
    assert(st == LP_OK); /* checked instructions only */
    (void)st;
}

static void fill_mx(const isa_insn *in, int i, void *field)
{
    *(const mx_elem **)field = mx_elem_table((mx_elem_id)mx_elem_by_code((int)in->v[i]));
}

static void fill_preset(const isa_insn *in, int i, void *field)
{
    *(const dot_cfg **)field = dot_preset_at(dot_preset_by_code((int)in->v[i]));
}

static void fill_round(const isa_insn *in, int i, void *field)
{
    *(mf_round *)field = (mf_round)mf_round_by_code((int)in->v[i]);
}

static const fill_fn fills[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = fill_##fn,
#include "isa_kinds.def"
#undef ISA_KIND
};

void isa_to_op(const isa_insn *in, unit_op *op)
{
    const isa_info *info = isa_get(in->op);
    memset(op, 0, sizeof *op);
    op->what = info->op;
    for (int i = 0; i < info->nops; i++) {
        const isa_operand_info *o = &info->ops[i];
        void *field = (char *)op + o->field;
        fills[o->kind](in, i, field);
        if (o->has_foot && op->nr < UNIT_MAX_RANGES) {
            if (o->kind == ISA_K_PIM)
                operand_range(in, i, &op->r[op->nr++]);
            else
                op->r[op->nr++] = *(const mem_range *)field;
        }
    }
}
