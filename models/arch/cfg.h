/*
** cfg.h — configuration sections declared once. A section (the chip's own
** keys; the keys of a unit kind) is a table of keys, each with its type,
** default, range, unit and one line of help (a .def file expanded by
** cfg_expand.h). From it come the libcyaml schema that loads the section,
** the defaults of absent keys, the range checks, `lpsim arch --keys` and the
** printed effective configuration.
**
** Loading is strict: an unknown key, a duplicate, a value of the wrong type or
** out of its range is an error at FILE:LINE:COL. libcyaml's own positions lag
** by one parse event, so a libyaml pass over the same text (cfg_index) first
** records where every key and value sits and what node each is; messages point
** there. A unit's section is loaded from the whole document with every byte
** outside its node blanked (lines kept), so positions stay the document's.
*/
#ifndef LP_CFG_H
#define LP_CFG_H

#include <cyaml/cyaml.h>
#include <yaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"

typedef enum cfg_type { CFG_F64, CFG_U64, CFG_STR } cfg_type;

/* One key. Paths may be dotted ("dram.latency_ns") for keys of nested
** mappings; off is the offset of the value in the section's struct. */
typedef struct cfg_key {
    const char *key;
    cfg_type type;
    size_t off;
    double def, lo, hi;  /* numbers */
    const char *str_def; /* text: the default, or NULL for the file's name */
    const char *unit, *help;
} cfg_key;

/* ---- where things sit in a document ----------------------------------------- */

enum { CFG_NODE_SCALAR, CFG_NODE_MAPPING, CFG_NODE_SEQUENCE };

typedef struct cfg_loc {
    char path[96];     /* "dram.bandwidth_gbps", "matrix.formats[1].format" */
    int kl, kc;        /* key position (1-based); for sequence entries the entry's */
    int vl, vc;        /* value position */
    char val[64];      /* the value's text (scalars), cut to 63 bytes */
    size_t val_len;    /* its whole length in bytes */
    int node;          /* CFG_NODE_* */
    bool null;         /* a scalar with no text (an empty value) */
    size_t start, end; /* byte range of the value's node */
} cfg_loc;

typedef struct cfg_index {
    cfg_loc *e;
    int n, cap;
    bool nomem;
    int root;          /* the document's node: CFG_NODE_*, or -1 when it has none */
    char root_val[32]; /* its text when it is a scalar */
} cfg_index;

/* Index a document (one at most); on a YAML syntax error fill d (at its
** position, file as given) and return LP_ERR_PARSE. Free with cfg_index_free. */
/* A libyaml reader error (a control character, invalid UTF-8) of text at its
** line and column, which counts characters as libyaml's marks do (the reader
** gives a byte offset, not a mark). Returns LP_ERR_PARSE. */
lp_status cfg_yaml_reader_error(const char *text, size_t len, const yaml_parser_t *p, lp_diag *d);

lp_status cfg_index_yaml(const char *text, size_t len, const char *file, cfg_index *ix, lp_diag *d);
void cfg_index_free(cfg_index *ix);

/* The k-th (0-based) entry with this path, or NULL. */
const cfg_loc *cfg_find(const cfg_index *ix, const char *path, int k);

/* A copy of text (NUL-terminated, malloc'd) where every byte outside
** [start, end) is a blank, line breaks kept; NULL out of memory. */
char *cfg_blank_outside(const char *text, size_t len, size_t start, size_t end);

/* ---- sections ------------------------------------------------------------------ */

/* What a section's check function knows of where the section sits. */
typedef struct cfg_where {
    const char *file;
    const char *path;    /* the section's path in messages: "matrix", "units[2]" */
    const cfg_index *ix; /* paths relative to the section ("formats[0].format") */
    int line, col;       /* the section's key */
} cfg_where;

typedef struct cfg_section {
    const char *name; /* for messages and --keys: "tensor_core", or "" for the chip */
    size_t size;      /* of the struct the keys fill */
    const cfg_key *keys;
    int nkeys;
    const cyaml_schema_value_t *schema; /* a pointer-to-mapping value */
    /* names besides the keys that may appear (sections, lists), for "did you mean" */
    const char *const *other_names;
    /* checks that span keys or lists, after defaults and ranges (NULL: none) */
    lp_status (*check)(void *cfg, const cfg_where *w, lp_diag *d);
    /* print what the keys do not hold (lists), indented (NULL: none) */
    void (*print_extra)(const void *cfg, FILE *f, const char *indent);
    /* --keys rows for what the keys do not hold; "%1$s" stands for the path,
    ** "%2$s" for "(kind) " where the rows belong to another kind than the default */
    const char *doc_extra;
    /* what the file is and where its keys are listed, for messages (NULL: an
    ** architecture file, 'lpsim arch --keys') */
    const char *what, *keys_help;
} cfg_section;

/* Load section s from text (a document, or one blanked outside the section's
** node), whose own index is ix. path prefixes key paths in messages ("" for
** the chip). On success *out is the struct (free with cfg_free), absent keys
** at their defaults (text keys without a default take file's base name). */
lp_status cfg_load(const cfg_section *s, const char *text, size_t len, const cfg_index *ix, const cfg_where *w,
                   void **out, lp_diag *d);

/* The struct of a section with every key at its default, as if loaded from an
** empty mapping. */
lp_status cfg_load_defaults(const cfg_section *s, const char *file, void **out, lp_diag *d);

void cfg_free(const cfg_section *s, void *cfg);

/* Print every key at indent as YAML that loads back to the same values. */
void cfg_print(const cfg_section *s, const void *cfg, FILE *f, const char *indent);

/* Print --keys table rows (Markdown) of a section, key paths prefixed by
** path ("" for none); kind, if not NULL, prefixes each meaning "(kind) ". */
void cfg_print_key_rows(const cfg_section *s, const char *path, const char *kind, FILE *f);

/* The shortest decimal that reads back as the same double (buf of n bytes). */
const char *cfg_num(double v, char *buf, size_t n);

#endif
