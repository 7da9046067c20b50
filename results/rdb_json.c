/*
** rdb_json.c — what a run row stores as JSON: an architecture's effective
** configuration (its YAML read with libyaml: plain scalars that read as
** numbers become numbers, everything else text), and a workload's inline
** form as an object of its keys.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lp_num.h"
#include "rdb.h"

static json_t *scalar_json(const char *v, size_t n, bool plain)
{
    uint64_t u;
    double d;
    const char *why;
    if (plain && n && !lp_parse_u64(v, n, &u, &why) && u <= (uint64_t)INT64_MAX) return json_integer((json_int_t)u);
    if (plain && n && !lp_parse_f64(v, n, &d, &why) && isfinite(d)) return json_real(d);
    return json_stringn(v, n);
}

/* The node whose start event is ev (already taken), reading p on. */
static json_t *node_json(yaml_parser_t *p, yaml_event_t *ev, int depth)
{
    if (ev->type == YAML_SCALAR_EVENT)
        return scalar_json((const char *)ev->data.scalar.value, ev->data.scalar.length,
                           ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    if ((!map && ev->type != YAML_SEQUENCE_START_EVENT) || depth > 32) return NULL;
    json_t *o = map ? json_object() : json_array();
    yaml_event_t e;
    char *key = NULL;
    while (o && yaml_parser_parse(p, &e)) {
        if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            free(key);
            return o;
        }
        if (map && !key) {
            key = e.type == YAML_SCALAR_EVENT ? strndup((const char *)e.data.scalar.value, e.data.scalar.length) : NULL;
            yaml_event_delete(&e);
            if (!key) break;
            continue;
        }
        json_t *v = node_json(p, &e, depth + 1);
        yaml_event_delete(&e);
        if (!v || (map ? json_object_set_new(o, key, v) : json_array_append_new(o, v))) break;
        free(key);
        key = NULL;
    }
    free(key);
    json_decref(o);
    return NULL;
}

json_t *rdb_yaml_json(const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t e;
    json_t *out = NULL;
    if (!yaml_parser_initialize(&p)) return NULL;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!out && yaml_parser_parse(&p, &e)) {
        yaml_event_type_t t = e.type;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_SCALAR_EVENT)
            out = node_json(&p, &e, 0);
        yaml_event_delete(&e);
        if (t == YAML_STREAM_END_EVENT || (!out && t != YAML_STREAM_START_EVENT && t != YAML_DOCUMENT_START_EVENT))
            break;
    }
    yaml_parser_delete(&p);
    return out;
}

double rdb_json_sum(const json_t *j, const char *key)
{
    double s = 0;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v) s +=
            !strcmp(k, key) && json_is_number(v) ? json_number_value(v) : rdb_json_sum(v, key);
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) s += rdb_json_sum(v, key);
    }
    return s;
}

double rdb_arch_facts(const json_t *arch, char *kind, size_t n)
{
    const char *k = json_string_value(json_object_get(json_object_get(arch, "matrix"), "kind"));
    snprintf(kind, n, "%s", k ? k : "");
    double cores = json_number_value(json_object_get(arch, "cores"));
    return rdb_json_sum(arch, "area_mm2") * (cores > 0 ? cores : 1);
}

/* The format keys of the inline forms (docs/workloads.md). */
static bool is_format_key(const char *k, size_t n)
{
    static const char *const keys[] = {"in", "in_a", "in_b", "w", "a", "kv", "out"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == n && !strncmp(keys[i], k, n)) return true;
    return false;
}

json_t *rdb_spec_json(const char *spec, char *formats, size_t n)
{
    json_t *o = json_object();
    size_t fl = 0;
    if (n) formats[0] = 0;
    for (const char *p = spec; o && *p;) {
        while (*p == ' ') p++;
        const char *a = p;
        while (*p && *p != ' ') p++;
        if (p == a) break;
        const char *eq = memchr(a, '=', (size_t)(p - a));
        json_t *v = eq ? scalar_json(eq + 1, (size_t)(p - eq - 1), true) : json_stringn(a, (size_t)(p - a));
        char key[64];
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - a) : 4, eq ? a : "kind");
        if (json_object_set_new(o, key, v)) return json_decref(o), NULL;
        if (eq && is_format_key(a, (size_t)(eq - a)) && fl < n)
            fl += (size_t)snprintf(formats + fl, n - fl, "%s%.*s", fl ? " " : "", (int)(p - a), a);
    }
    return o;
}
