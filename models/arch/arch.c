/*
** arch.c — architecture files (see arch.h).
**
** The chip's own keys load in one libcyaml pass over the document, whose
** schema ignores the unit sections. Each unit then loads from the same text
** with every byte outside its node blanked, against its kind's schema, so
** that one document can hold units of different kinds with different keys and
** every message still points at the document's line and column (cfg.c).
*/
#define _POSIX_C_SOURCE 200809L
#include "arch.h"

#include <stddef.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "cfg.h"
#include "lp_file.h"
#include "units.h"

/* ---- the chip's schema, expanded from arch.def ------------------------------------ */

#define FLD_F64(key, T, m) CYAML_FIELD_FLOAT(key, CYAML_FLAG_OPTIONAL, T, m),
#define FLD_U64(key, T, m) CYAML_FIELD_UINT(key, CYAML_FLAG_OPTIONAL, T, m),
#define FLD_STR(key, T, m) CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, T, m, 0, 127),
#define NONE(key, kind, m, def, lo, hi, unit, help)

/* One array per mapping: that mapping's macro emits fields, the others none. */
#define ARCH_TOP NONE
#define ARCH_DRAM NONE
#define ARCH_SPM NONE
#define ARCH_ACC NONE
#define ARCH_L2 NONE
#define ARCH_POWER NONE
#define ARCH_QUEUES NONE

static const cyaml_schema_field_t power_fields[] = {
#undef ARCH_POWER
#define ARCH_POWER(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_power, m)
#include "arch.def"
#undef ARCH_POWER
#define ARCH_POWER NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t l2_fields[] = {
#undef ARCH_L2
#define ARCH_L2(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_l2, m)
#include "arch.def"
#undef ARCH_L2
#define ARCH_L2 NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t dram_fields[] = {
#undef ARCH_DRAM
#define ARCH_DRAM(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_dram, m)
#include "arch.def"
#undef ARCH_DRAM
#define ARCH_DRAM NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t mem_fields[] = {
/* spm and acc share the keys of spm */
#undef ARCH_SPM
#define ARCH_SPM(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_mem, m)
#include "arch.def"
#undef ARCH_SPM
#define ARCH_SPM NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t queues_fields[] = {
#undef ARCH_QUEUES
#define ARCH_QUEUES(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_queues, m)
#include "arch.def"
#undef ARCH_QUEUES
#define ARCH_QUEUES NONE
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
#undef ARCH_TOP
#define ARCH_TOP(key, kind, m, def, lo, hi, unit, help) FLD_##kind(key, arch_cfg, m)
#include "arch.def"
#undef ARCH_TOP
#define ARCH_TOP NONE
    CYAML_FIELD_MAPPING("dram", CYAML_FLAG_OPTIONAL, arch_cfg, dram, dram_fields),
    CYAML_FIELD_MAPPING("spm", CYAML_FLAG_OPTIONAL, arch_cfg, spm, mem_fields),
    CYAML_FIELD_MAPPING("acc", CYAML_FLAG_OPTIONAL, arch_cfg, acc, mem_fields),
    CYAML_FIELD_MAPPING("l2", CYAML_FLAG_OPTIONAL, arch_cfg, l2, l2_fields),
    CYAML_FIELD_MAPPING("power", CYAML_FLAG_OPTIONAL, arch_cfg, power, power_fields),
    CYAML_FIELD_MAPPING("queues", CYAML_FLAG_OPTIONAL, arch_cfg, queues, queues_fields),
    /* the units load apart, each against its kind's schema */
    CYAML_FIELD_IGNORE("dma", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_IGNORE("matrix", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_IGNORE("vector", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_IGNORE("units", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_END,
};
#undef ARCH_TOP
#undef ARCH_DRAM
#undef ARCH_SPM
#undef ARCH_ACC
#undef ARCH_L2
#undef ARCH_POWER
#undef ARCH_QUEUES

static const cyaml_schema_value_t top_schema = {CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, arch_cfg, top_fields)};

/* Every chip key, with its path and place in arch_cfg. */
static const cfg_key chip_keys[] = {
#define KEY(path, kind, off, def, lo, hi, unit, help) {path, CFG_##kind, off, def, lo, hi, NULL, unit, help},
#define ARCH_TOP(key, kind, m, def, lo, hi, unit, help) KEY(key, kind, offsetof(arch_cfg, m), def, lo, hi, unit, help)
#define ARCH_DRAM(key, kind, m, def, lo, hi, unit, help)                                                               \
    KEY("dram." key, kind, offsetof(arch_cfg, dram) + offsetof(arch_dram, m), def, lo, hi, unit, help)
#define ARCH_SPM(key, kind, m, def, lo, hi, unit, help)                                                                \
    KEY("spm." key, kind, offsetof(arch_cfg, spm) + offsetof(arch_mem, m), def, lo, hi, unit, help)
#define ARCH_ACC(key, kind, m, def, lo, hi, unit, help)                                                                \
    KEY("acc." key, kind, offsetof(arch_cfg, acc) + offsetof(arch_mem, m), def, lo, hi, unit, help)
#define ARCH_L2(key, kind, m, def, lo, hi, unit, help)                                                                 \
    KEY("l2." key, kind, offsetof(arch_cfg, l2) + offsetof(arch_l2, m), def, lo, hi, unit, help)
#define ARCH_POWER(key, kind, m, def, lo, hi, unit, help)                                                              \
    KEY("power." key, kind, offsetof(arch_cfg, power) + offsetof(arch_power, m), def, lo, hi, unit, help)
#define ARCH_QUEUES(key, kind, m, def, lo, hi, unit, help)                                                             \
    KEY("queues." key, kind, offsetof(arch_cfg, queues) + offsetof(arch_queues, m), def, lo, hi, unit, help)
#include "arch.def"
#undef ARCH_TOP
#undef ARCH_DRAM
#undef ARCH_SPM
#undef ARCH_ACC
#undef ARCH_L2
#undef ARCH_POWER
#undef ARCH_QUEUES
#undef KEY
};

static const char *const chip_sections[] = {"dram", "spm",    "acc",    "l2",    "power", "queues",
                                            "dma",  "matrix", "vector", "units", NULL};

static const cfg_section chip_section = {"",          sizeof(arch_cfg),
                                         chip_keys,   (int)(sizeof chip_keys / sizeof chip_keys[0]),
                                         &top_schema, chip_sections,
                                         NULL,        NULL,
                                         NULL,        NULL,
                                         NULL};

/* Sections that declare one unit each, named after the section: the kind it
** has when `kind` is absent, whether it exists when the section is absent, and
** the classes of kinds it may hold. */
static const struct unit_section {
    const char *name;
    unit_kind def;
    bool implicit;
    unsigned classes;
} unit_sections[] = {
    {"dma", UNIT_KIND_DMA, true, 1u << UNIT_CLASS_DMA},
    {"matrix", UNIT_KIND_TC, false, 1u << UNIT_CLASS_MATRIX | 1u << UNIT_CLASS_PIM},
    {"vector", UNIT_KIND_VECTOR, true, 1u << UNIT_CLASS_VECTOR},
};
#define NSECTIONS (int)(sizeof unit_sections / sizeof unit_sections[0])

/* ---- units ------------------------------------------------------------------------ */

/* "a, b or c": the kinds whose class is in classes. */
static void kind_list(unsigned classes, char *buf, size_t n)
{
    int count = 0, total = 0;
    for (int k = 0; k < UNIT_KIND_COUNT; k++) total += (classes >> unit_kind_get((unit_kind)k)->cls) & 1;
    buf[0] = 0;
    for (int k = 0; k < UNIT_KIND_COUNT; k++) {
        const unit_kind_info *ki = unit_kind_get((unit_kind)k);
        if (!((classes >> ki->cls) & 1)) continue;
        size_t u = strlen(buf);
        count++;
        snprintf(buf + u, n - u, "%s%s", count == 1 ? "" : count == total ? " or " : ", ", ki->name);
    }
}

/* The kind named at path.kind (or def when absent), checked against the
** classes a place may hold and against what lpsim simulates. */
static lp_status unit_kind_at(const cfg_index *ix, const char *file, const char *path, int def, unsigned classes,
                              unit_kind *out, lp_diag *d)
{
    char kp[128], list[200];
    snprintf(kp, sizeof kp, "%s.kind", path);
    const cfg_loc *l = cfg_find(ix, kp, 0);
    int k = l ? (l->node == CFG_NODE_SCALAR ? unit_kind_lookup(l->val) : -1) : def;
    if (k < 0 && !l) {
        const cfg_loc *u = cfg_find(ix, path, 0);
        lp_diag_set(d, LP_ERR_PARSE, u ? u->kl : 1, u ? u->kc : 1, "%s needs 'kind'", path);
        return lp_diag_at(d, file, d->line, d->col);
    }
    if (k < 0 || !((classes >> unit_kind_get((unit_kind)k)->cls) & 1)) {
        kind_list(classes, list, sizeof list);
        lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc, "%s must be %s, got '%s'", kp, list, l->val);
        return lp_diag_at(d, file, d->line, d->col);
    }
    if (!unit_kind_simulated((unit_kind)k)) { /* only a present kind can lack a model: the defaults have one */
        const unit_faces *f = unit_kind_get((unit_kind)k)->faces;
        lp_diag_set(d, LP_ERR_UNIT, l->vl, l->vc, "%s: %s units %s", kp, l->val,
                    f && f->ops ? "compute values, but their cycles and energy are not modelled yet"
                                : "are not modelled yet");
        return lp_diag_at(d, file, d->line, d->col);
    }
    *out = (unit_kind)k;
    return LP_OK;
}

/* Load one unit whose node is at path (or its defaults when absent). */
static lp_status load_unit(arch_cfg *a, const char *text, size_t len, const cfg_index *ix, const char *file,
                           const char *path, const char *name, unit_kind kind, lp_diag *d)
{
    const cfg_loc *l = cfg_find(ix, path, 0);
    const unit_kind_info *ki = unit_kind_get(kind);
    arch_unit *u = &a->units[a->nunits];
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->kind = kind;
    if (l && l->node != CFG_NODE_MAPPING && !l->null) {
        lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc, "%s must be a mapping of keys (see 'lpsim arch --keys')", path);
        return lp_diag_at(d, file, d->line, d->col);
    }
    if (!ki->section) {
        a->nunits++;
        return LP_OK;
    }
    lp_status st;
    if (!l || l->null) {
        st = cfg_load_defaults(ki->section, file, &u->cfg, d);
    } else {
        char *sub = cfg_blank_outside(text, len, l->start, l->end);
        cfg_index six;
        cfg_where w = {file, path, NULL, l->kl, l->kc};
        if (!sub) return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
        st = cfg_index_yaml(sub, len, file, &six, d);
        if (!st) st = cfg_load(ki->section, sub, len, &six, &w, &u->cfg, d);
        cfg_index_free(&six);
        free(sub);
    }
    if (st) return lp_diag_at(d, file, d->line, d->col);
    a->nunits++;
    return LP_OK;
}

/* The section named name, or NULL: a unit's name says where it is declared. */
static const struct unit_section *section_named(const char *name)
{
    for (int s = 0; s < NSECTIONS; s++)
        if (!strcmp(name, unit_sections[s].name)) return &unit_sections[s];
    return NULL;
}

/* A unit name: a letter, then letters, digits and _, unique in the chip. */
static lp_status check_unit_name(const arch_cfg *a, const cfg_loc *l, const char *file, lp_diag *d)
{
    bool ok = l->node == CFG_NODE_SCALAR && l->val[0] >= 'a' && l->val[0] <= 'z' &&
              strlen(l->val) < ARCH_UNIT_NAME_MAX &&
              strspn(l->val, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(l->val);
    if (!ok) {
        lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc,
                    "a unit name is a lower-case letter, then letters, digits or _ (at most %d), got '%s'",
                    ARCH_UNIT_NAME_MAX - 1, l->val);
        return lp_diag_at(d, file, d->line, d->col);
    }
    if (section_named(l->val)) {
        lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc, "'%s' names the unit of the %s section; choose another name", l->val,
                    l->val);
        return lp_diag_at(d, file, d->line, d->col);
    }
    for (int i = 0; i < a->nunits; i++)
        if (!strcmp(a->units[i].name, l->val)) {
            lp_diag_set(d, LP_ERR_PARSE, l->vl, l->vc, "the chip already has a unit named '%s'", l->val);
            return lp_diag_at(d, file, d->line, d->col);
        }
    return LP_OK;
}

static lp_status load_units(arch_cfg *a, const char *text, size_t len, const cfg_index *ix, const char *file,
                            lp_diag *d)
{
    lp_status st = LP_OK;
    a->units = calloc(ARCH_MAX_UNITS, sizeof *a->units);
    if (!a->units) return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
    static const char *const sections[] = {"dma", "matrix", "vector", "units"};
    for (int s = 0; s < 4; s++) { /* the chip's schema ignores these keys, so it cannot see them twice */
        const cfg_loc *dup = cfg_find(ix, sections[s], 1);
        if (dup) {
            lp_diag_set(d, LP_ERR_PARSE, dup->kl, dup->kc, "duplicate key '%s'", sections[s]);
            return lp_diag_at(d, file, d->line, d->col);
        }
    }
    for (int s = 0; s < NSECTIONS && !st; s++) {
        const struct unit_section *us = &unit_sections[s];
        unit_kind kind;
        const cfg_loc *l = cfg_find(ix, us->name, 0);
        if (!l && !us->implicit) continue;
        char np[64];
        snprintf(np, sizeof np, "%s.name", us->name);
        const cfg_loc *nl = cfg_find(ix, np, 0);
        if (nl) {
            lp_diag_set(d, LP_ERR_PARSE, nl->kl, nl->kc, "the unit of section '%s' is named %s; name units in 'units:'",
                        us->name, us->name);
            return lp_diag_at(d, file, d->line, d->col);
        }
        st = unit_kind_at(ix, file, us->name, us->def, us->classes, &kind, d);
        if (!st) st = load_unit(a, text, len, ix, file, us->name, us->name, kind, d);
    }
    const cfg_loc *ul = cfg_find(ix, "units", 0);
    if (!st && ul && ul->node != CFG_NODE_SEQUENCE && !ul->null) {
        lp_diag_set(d, LP_ERR_PARSE, ul->vl, ul->vc,
                    "units must be a list of units, each {name: NAME, kind: KIND, ...}");
        return lp_diag_at(d, file, d->line, d->col);
    }
    for (int i = 0; !st && ul; i++) {
        char path[32], np[48];
        snprintf(path, sizeof path, "units[%d]", i);
        const cfg_loc *el = cfg_find(ix, path, 0);
        if (!el) break;
        snprintf(np, sizeof np, "%s.name", path);
        const cfg_loc *nl = cfg_find(ix, np, 0);
        unit_kind kind;
        if (a->nunits == ARCH_MAX_UNITS) {
            lp_diag_set(d, LP_ERR_RANGE, el->vl, el->vc, "a chip has at most %d units", ARCH_MAX_UNITS);
            return lp_diag_at(d, file, d->line, d->col);
        }
        if (el->node != CFG_NODE_MAPPING || !nl) {
            lp_diag_set(d, LP_ERR_PARSE, el->vl, el->vc, "%s needs 'name'", path);
            return lp_diag_at(d, file, d->line, d->col);
        }
        st = check_unit_name(a, nl, file, d);
        if (!st) st = unit_kind_at(ix, file, path, -1, ~0u & ~(1u << UNIT_CLASS_CTRL), &kind, d);
        if (!st) st = load_unit(a, text, len, ix, file, path, nl->val, kind, d);
    }
    return st;
}

/* ---- loading the chip ---------------------------------------------------------------- */

/* The compiled-in presets (generated by CMake from models/arch/presets/). */
struct arch_preset_text {
    const char *name, *text;
};
extern const struct arch_preset_text arch_preset_texts[];

const char *arch_preset_name(int i)
{
    for (int k = 0; arch_preset_texts[k].name; k++)
        if (k == i) return arch_preset_texts[k].name;
    return NULL;
}

const char *arch_preset_text(const char *name)
{
    for (int k = 0; arch_preset_texts[k].name; k++)
        if (!strcmp(arch_preset_texts[k].name, name)) return arch_preset_texts[k].text;
    return NULL;
}

lp_status arch_load_text(const char *text, size_t len, const char *file, arch_cfg **out, lp_diag *d)
{
    cfg_index ix;
    void *chip = NULL;
    *out = NULL;
    lp_diag_init(d, file);
    lp_status st = cfg_index_yaml(text, len, file, &ix, d);
    if (st) goto done;
    if ((ix.root == CFG_NODE_SCALAR && ix.root_val[0]) || ix.root == CFG_NODE_SEQUENCE) {
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1,
                         "an architecture file is a mapping of keys (see 'lpsim arch --keys'), "
                         "got %s%s%s",
                         ix.root == CFG_NODE_SCALAR ? "the value '" : "a list",
                         ix.root == CFG_NODE_SCALAR ? ix.root_val : "", ix.root == CFG_NODE_SCALAR ? "'" : "");
        lp_diag_at(d, file, 1, 1);
        goto done;
    } else if (len == 0 || ix.n == 0) {
        st = lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty architecture file (see 'lpsim arch --keys')");
        goto done;
    }
    cfg_where w = {file, "", &ix, 1, 1};
    st = cfg_load(&chip_section, text, len, &ix, &w, &chip, d);
    if (st) goto done;
    st = load_units(chip, text, len, &ix, file, d);
    if (st) {
        arch_free(chip);
        chip = NULL;
    }
done:
    cfg_index_free(&ix);
    lp_diag_at(d, file, d->line, d->col);
    *out = chip;
    return st;
}

void arch_free(arch_cfg *a)
{
    if (!a) return;
    for (int i = 0; a->units && i < a->nunits; i++) {
        const cfg_section *s = unit_kind_get(a->units[i].kind)->section;
        if (s) cfg_free(s, a->units[i].cfg);
    }
    free(a->units);
    a->units = NULL;
    cfg_free(&chip_section, a);
}

/* The read failed because there is no such file (the name is then most
** likely a mistyped preset). */
static bool errno_is_missing(const lp_diag *why) { return strstr(why->msg, strerror(ENOENT)) == why->msg; }

bool arch_name_is_file(const char *name) { return strchr(name, '/') || strstr(name, ".yaml") || strstr(name, ".yml"); }

lp_status arch_load(const char *name, arch_cfg **out, lp_diag *d)
{
    *out = NULL;
    bool is_file = arch_name_is_file(name);
    if (!is_file) {
        for (int k = 0; arch_preset_texts[k].name; k++)
            if (!strcmp(arch_preset_texts[k].name, name))
                return arch_load_text(arch_preset_texts[k].text, strlen(arch_preset_texts[k].text), name, out, d);
    }
    char list[256] = "";
    for (int k = 0; arch_preset_texts[k].name; k++) {
        size_t u = strlen(list);
        snprintf(list + u, sizeof list - u, "%s%s", k ? ", " : "", arch_preset_texts[k].name);
    }
    lp_diag why;
    char *text;
    size_t n;
    lp_diag_init(d, name);
    lp_diag_init(&why, name);
    if (!name[0]) return lp_diag_msg(d, LP_ERR_ARG, "an empty name: expected a preset (%s) or a YAML file", list);
    lp_status rs = lp_read_file(name, LP_MAX_ARCH_BYTES, &text, &n, &why);
    /* unplaced (line 0): the name came from the caller, who places it */
    if (rs == LP_ERR_IO && !is_file && errno_is_missing(&why))
        return lp_diag_msg(d, LP_ERR_ARG, "no preset or file of this name (presets: %s)", list);
    if (rs && is_file) return lp_diag_msg(d, rs, "cannot read: %s", why.msg);
    if (rs) return lp_diag_msg(d, rs, "cannot read: %s (presets: %s)", why.msg, list);
    lp_status st = arch_load_text(text, n, name, out, d);
    free(text);
    return st;
}

const arch_unit *arch_unit_of_class(const arch_cfg *a, unit_class cls)
{
    for (int i = 0; i < a->nunits; i++)
        if (unit_kind_get(a->units[i].kind)->cls == cls) return &a->units[i];
    return NULL;
}

/* ---- printing ------------------------------------------------------------------------ */

void arch_print(const arch_cfg *a, FILE *f)
{
    cfg_print(&chip_section, a, f, "");
    bool listed = false;
    for (int i = 0; i < a->nunits; i++) {
        const arch_unit *u = &a->units[i];
        const unit_kind_info *ki = unit_kind_get(u->kind);
        bool section = section_named(u->name) != NULL;
        if (section) {
            fprintf(f, "%s:\n  kind: %s\n", u->name, ki->name);
        } else {
            if (!listed) fprintf(f, "units:\n");
            listed = true;
            fprintf(f, "  - name: %s\n    kind: %s\n", u->name, ki->name);
        }
        if (ki->section) cfg_print(ki->section, u->cfg, f, section ? "  " : "    ");
    }
}

void arch_print_keys(FILE *f)
{
    char list[200];
    fprintf(f, "| key | type | default | range | unit | meaning |\n| --- | --- | --- | --- | --- | --- |\n");
    cfg_print_key_rows(&chip_section, "", NULL, f);
    for (int s = 0; s < NSECTIONS; s++) {
        const struct unit_section *us = &unit_sections[s];
        kind_list(us->classes, list, sizeof list);
        fprintf(f, "| `%s.kind` | %s | %s |  |  | the model of the chip's %s unit%s; its keys follow |\n", us->name,
                list, unit_kind_get(us->def)->name, us->name,
                us->implicit ? " (present with its defaults when absent)" : "");
        for (int k = 0; k < UNIT_KIND_COUNT; k++) {
            const unit_kind_info *ki = unit_kind_get((unit_kind)k);
            if (((us->classes >> ki->cls) & 1) && ki->section) /* keys of other kinds say whose they are */
                cfg_print_key_rows(ki->section, us->name, k == (int)us->def ? NULL : ki->name, f);
        }
    }
    kind_list(~0u & ~(1u << UNIT_CLASS_CTRL), list, sizeof list);
    fprintf(f,
            "| `units` | list | (none) |  |  | further units, each `{name: NAME, kind: KIND, ...}` with the keys of "
            "its kind (as under `dma`, `matrix` or `vector`); kinds: %s |\n",
            list);
}
