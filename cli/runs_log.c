/*
** runs_log.c — one run of `lpsim run` or `lpsim exec` logged (runs_log.h).
*/
#define _POSIX_C_SOURCE 200809L
#include "runs_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double runs_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *runs_argv_json(int argc, char **argv)
{
    json_t *a = json_array();
    for (int i = 0; a && i < argc; i++) json_array_append_new(a, json_string(argv[i]));
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

lp_status runs_log_one(rdb *db, int argc, char **argv, const arch_cfg *arch, const char *workload_kind,
                       const char *workload, uint64_t seed, bool timing_only, json_t *report, const char *error,
                       double wall_s, lp_diag *d)
{
    char *text = NULL, *cl = runs_argv_json(argc, argv), *aj = NULL, *wj = NULL, formats[160] = "";
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m) {
        arch_print(arch, m);
        fclose(m);
    }
    json_t *arch_j = text ? rdb_yaml_json(text, len) : NULL;
    json_t *wl_j = strcmp(workload_kind, "program") ? rdb_spec_json(workload, formats, sizeof formats) : NULL;
    aj = arch_j ? json_dumps(arch_j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    wj = wl_j ? json_dumps(wl_j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char kind[32];
    double area = rdb_arch_facts(arch_j, kind, sizeof kind);
    rdb_run r = {0};
    r.command_line = cl;
    r.arch_name = arch->name;
    r.arch_json = aj;
    r.unit_kind = kind;
    r.workload_kind = workload_kind;
    r.workload = workload;
    r.workload_json = wj;
    r.formats = formats;
    r.seed = seed;
    r.timing_only = timing_only;
    r.status = !report ? "failed" : json_integer_value(json_object_get(report, "failed")) ? "mismatch" : "done";
    r.error = error;
    r.wall_s = wall_s;
    r.area_mm2 = area;
    r.point_index = -1;
    int64_t id;
    lp_status s = !cl || !aj ? lp_diag_msg(d, LP_ERR_NOMEM, "out of memory") : rdb_log_run(db, &r, report, &id, d);
    json_decref(arch_j), json_decref(wl_j);
    free(text), free(cl), free(aj), free(wj);
    return s;
}
