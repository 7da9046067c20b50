/*
** units.c — the unit table (units.def) and the unit operations
** (unit_ops.def) expanded: names, codes, classes, each kind's faces and keys
** bound by name from its row, and the dispatch of an operation to a kind's
** functional face.
*/
#include "units.h"

#include <assert.h>
#include <string.h>

/* The parts each row binds, declared from the rows themselves. */
#define UNIT_CLASS(id, name, help)
#define DECL_FACES(p) extern const unit_faces p##_faces;
#define DECL_NOFACES(p)
#define DECL_KEYS(p) extern const cfg_section p##_section;
#define DECL_NOKEYS(p)
#define UNIT(id, code, name, prefix, cls, faces, keys, help) DECL_##faces(prefix) DECL_##keys(prefix)
#include "units.def"
#undef UNIT

#define BIND_FACES(p) &p##_faces
#define BIND_NOFACES(p) NULL
#define BIND_KEYS(p) &p##_section
#define BIND_NOKEYS(p) NULL
static const unit_kind_info kinds[UNIT_KIND_COUNT] = {
#define UNIT(id, code, name, prefix, cls, faces, keys, help)                                                           \
    [UNIT_KIND_##id] = {name, code, UNIT_CLASS_##cls, help, BIND_##keys(prefix), BIND_##faces(prefix)},
#include "units.def"
#undef UNIT
};
#undef UNIT_CLASS

static const char *const class_names[UNIT_CLASS_COUNT] = {
#define UNIT_CLASS(id, name, help) [UNIT_CLASS_##id] = name,
#define UNIT(id, code, name, prefix, cls, faces, keys, help)
#include "units.def"
#undef UNIT
#undef UNIT_CLASS
};

static const struct {
    const char *name;
    unit_class cls;
    unit_vcost vcost;
} ops[UNIT_OP_COUNT] = {
#define UNIT_OP(id, cls, vcost, help) [UNIT_OP_##id] = {#id, UNIT_CLASS_##cls, UNIT_VCOST_##vcost},
#include "unit_ops.def"
#undef UNIT_OP
};

const unit_kind_info *unit_kind_get(unit_kind k)
{
    assert((unsigned)k < UNIT_KIND_COUNT);
    return &kinds[k];
}

int unit_kind_lookup(const char *name)
{
    for (int i = 0; i < UNIT_KIND_COUNT; i++)
        if (!strcmp(kinds[i].name, name)) return i;
    return -1;
}

bool unit_kind_simulated(unit_kind k)
{
    const unit_faces *f = unit_kind_get(k)->faces;
    return f && f->ops && f->timing;
}

const char *unit_class_name(unit_class c) { return (unsigned)c < UNIT_CLASS_COUNT ? class_names[c] : "?"; }
const char *unit_op_name(unit_op_id op) { return (unsigned)op < UNIT_OP_COUNT ? ops[op].name : "?"; }
unit_class unit_op_class(unit_op_id op) { return ops[op].cls; }
unit_vcost unit_op_vcost(unit_op_id op) { return ops[op].vcost; }

unit_kind unit_reference_kind(unit_class c)
{
    for (int i = 0; i < UNIT_KIND_COUNT; i++)
        if (kinds[i].cls == c && kinds[i].faces && kinds[i].faces->ops) return (unit_kind)i;
    return UNIT_KIND_CTRL; /* the control class has no functional face: nothing to compute */
}

lp_status unit_exec(unit_kind k, unit_ctx *u, const unit_op *op, lp_diag *d)
{
    const unit_kind_info *info = unit_kind_get(k);
    unit_body body = info->faces && info->faces->ops ? info->faces->ops[op->what] : NULL;
    if (!body) return lp_diag_msg(d, LP_ERR_UNIT, "a %s unit cannot perform %s", info->name, unit_op_name(op->what));
    return body(u, op, d);
}

void units_check(void)
{
    for (int k = 0; k < UNIT_KIND_COUNT; k++) {
        const unit_faces *f = kinds[k].faces;
        for (int i = 0; i < UNIT_KIND_COUNT; i++) assert(i == k || kinds[i].code != kinds[k].code);
        if (!f || !f->ops) continue;
        for (int op = 0; op < UNIT_OP_COUNT; op++)
            assert((ops[op].cls == kinds[k].cls) == (f->ops[op] != NULL)); /* a body for each op of its class only */
    }
}
