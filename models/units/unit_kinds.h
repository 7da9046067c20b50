/*
** unit_kinds.h — the enums of the unit table (units.def) and of the unit
** operations (unit_ops.def), apart from units.h so that the architecture's
** own header can name them.
*/
#ifndef LP_UNIT_KINDS_H
#define LP_UNIT_KINDS_H

typedef enum unit_class {
#define UNIT_CLASS(id, name, help) UNIT_CLASS_##id,
#define UNIT(id, code, name, prefix, cls, faces, keys, help)
#include "units.def"
#undef UNIT
#undef UNIT_CLASS
    UNIT_CLASS_COUNT
} unit_class;

typedef enum unit_kind {
#define UNIT_CLASS(id, name, help)
#define UNIT(id, code, name, prefix, cls, faces, keys, help) UNIT_KIND_##id,
#include "units.def"
#undef UNIT
#undef UNIT_CLASS
    UNIT_KIND_COUNT
} unit_kind;

typedef enum unit_op_id {
#define UNIT_OP(id, cls, vcost, help) UNIT_OP_##id,
#include "unit_ops.def"
#undef UNIT_OP
    UNIT_OP_COUNT
} unit_op_id;

typedef enum unit_vcost { UNIT_VCOST_NONE, UNIT_VCOST_SIMPLE, UNIT_VCOST_EXP, UNIT_VCOST_REDUCE } unit_vcost;

#endif
