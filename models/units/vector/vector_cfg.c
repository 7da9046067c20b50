/* vector_cfg.c — the architecture keys of a vector unit (vector_keys.def). */
#include "vector.h"

#define CFG_STRUCT vector_cfg
#define CFG_KEYS "vector_keys.def"
#define CFG_PREFIX vector
#include "cfg_expand.h"

static const char *const vector_other_names[] = {"kind", NULL};

const cfg_section vector_section = {
    "vector", sizeof(vector_cfg), vector_keys, vector_nkeys, &vector_schema, vector_other_names, NULL, NULL, NULL, NULL,
    NULL};
