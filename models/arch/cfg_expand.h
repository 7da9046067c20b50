/*
** cfg_expand.h — expands a unit kind's key table into its cfg_section parts.
** Include it after defining
**     CFG_STRUCT  the configuration struct (e.g. tc_cfg)
**     CFG_KEYS    the .def file of its keys (e.g. "tc_keys.def"), rows
**                 CFG_KEY(key, type F64|U64, member, default, min, max, unit, help)
**                 CFG_STR(key, member, default text, help)
**     CFG_PREFIX  the prefix of the generated names (e.g. tc)
** and optionally CFG_EXTRA_FIELDS (more libcyaml fields, comma-terminated:
** lists the keys do not describe). It defines
**     static const cfg_key PREFIX_keys[], PREFIX_nkeys
**     static const cyaml_schema_value_t PREFIX_schema
** The schema also accepts `kind` and `name`, which the architecture loader
** reads itself (the kind picks the section; the name names the unit).
*/
#include <stddef.h>

#include "cfg.h"

#define CFG_CAT_(a, b) a##b
#define CFG_CAT(a, b) CFG_CAT_(a, b)

#define CFG_KEY(key, type, m, def, lo, hi, unit, help)                                                                 \
    {key, CFG_##type, offsetof(CFG_STRUCT, m), def, lo, hi, NULL, unit, help},
#define CFG_STR(key, m, def, help) {key, CFG_STR, offsetof(CFG_STRUCT, m), 0, 0, 0, def, "", help},
static const cfg_key CFG_CAT(CFG_PREFIX, _keys)[] = {
#include CFG_KEYS
};
#undef CFG_KEY
#undef CFG_STR
static const int CFG_CAT(CFG_PREFIX,
                         _nkeys) = (int)(sizeof CFG_CAT(CFG_PREFIX, _keys) / sizeof CFG_CAT(CFG_PREFIX, _keys)[0]);

#define CFG_FIELD_F64(key, m) CYAML_FIELD_FLOAT(key, CYAML_FLAG_OPTIONAL, CFG_STRUCT, m),
#define CFG_FIELD_U64(key, m) CYAML_FIELD_UINT(key, CYAML_FLAG_OPTIONAL, CFG_STRUCT, m),
#define CFG_KEY(key, type, m, def, lo, hi, unit, help) CFG_FIELD_##type(key, m)
#define CFG_STR(key, m, def, help)                                                                                     \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, CFG_STRUCT, m, 0, 127),
#ifndef CFG_EXTRA_FIELDS
#define CFG_EXTRA_FIELDS
#endif
static const cyaml_schema_field_t CFG_CAT(CFG_PREFIX, _fields)[] = {
#include CFG_KEYS
    CFG_EXTRA_FIELDS CYAML_FIELD_IGNORE("kind", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_IGNORE("name", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_END,
};
#undef CFG_KEY
#undef CFG_STR
#undef CFG_FIELD_F64
#undef CFG_FIELD_U64
#undef CFG_EXTRA_FIELDS

static const cyaml_schema_value_t CFG_CAT(CFG_PREFIX, _schema) = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, CFG_STRUCT, CFG_CAT(CFG_PREFIX, _fields))};

#undef CFG_CAT
#undef CFG_CAT_
