/*
** sweep_model.c — `lpsim sweep --engine model`: the points of a sweep
** evaluated with a fitted cost model (costmodel/cm_fit.h) instead of the
** simulator, in this process, and logged as the simulator's runs are (engine
** 'model', mode timing-only): the same rows, the same operations (run_ops),
** with the model's latency and energy.
**
** Each point's operations are the plan of its workload on its architecture
** (wl_generate: the same mapping decisions the simulator runs); each
** operation's terms (cm_wl_terms) weighed by the model, times its repeat.
** Its MACs are the operation's; its DRAM bytes are its tensors' (what the
** model's memory term moves once), not the simulator's count of transfers.
** A point the mappings refuse is logged failed with the reason, an FPGA
** design over its budget infeasible, as the simulator's sweep does.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch.h"
#include "cm_fit.h"
#include "prog.h"
#include "rdb.h"
#include "sweep_run.h"
#include "wl_gen.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The model's report of workload s on a: the keys rdb_log_run reads. */
static lp_status model_report(const arch_cfg *a, const cm_target *t, const wl_spec *s, const cm_coefs *c, json_t **out,
                              lp_diag *d)
{
    isa_prog p;
    wl_plan plan;
    memset(&plan, 0, sizeof plan);
    wl_gen_opts go;
    memset(&go, 0, sizeof go);
    go.seed = 1, go.functional = false;
    go.plan_only = true;
    lp_status st = wl_generate(s, a, &go, &p, &plan, d);
    isa_prog_free(&p);
    if (st) return st;
    json_t *ops = json_array();
    double lat = 0, en = 0, macs = 0, bytes = 0;
    bool first = true;
    for (int i = 0; i < plan.nops && !st; i++) {
        const wl_op *op = &plan.op[i];
        bool pim = false;
        cm_wl_map mp = {0};
        json_t *map = json_object();
        for (int k = 0; k < op->nkv; k++) {
            const wl_kv *kv = &op->kv[k];
            json_object_set_new(map, kv->key, kv->str[0] ? json_string(kv->str) : json_integer((json_int_t)kv->num));
            pim |= !strcmp(kv->key, "unit") && !strcmp(kv->str, "pim");
            if (!strcmp(kv->key, "core_insns")) mp.core_insns = (double)kv->num;
            if (!strcmp(kv->key, "rows_per_core")) mp.rows_per_core = (double)kv->num;
            if (!strcmp(kv->key, "batch_rows")) mp.batch_rows = (double)kv->num;
        }
        int cls;
        cm_terms x;
        if ((st = cm_wl_terms(t, a, s, op->kind, op->shape, pim, &mp, &cls, &x, d))) {
            json_decref(map);
            break;
        }
        double ov = first ? a->launch_ns : a->kernel_gap_ns;
        first = false;
        double l = cm_fit_latency(c, cls, ov, &x), e = cm_fit_energy(c, cls, a->power.static_w, l, &x);
        double r = (double)op->repeat;
        lat += r * l, en += r * e, macs += r * x.macs, bytes += r * x.bytes;
        json_array_append_new(ops,
                              json_pack("{s:s,s:s,s:s,s:I,s:I,s:f,s:f,s:I,s:I,s:s,s:o}", "op", op->name, "kind",
                                        op->kind, "shape", op->shape, "repeat", (json_int_t)op->repeat, "cycles",
                                        (json_int_t)(r * l * a->clock_ghz), "latency_ns", r * l, "energy_pj", r * e,
                                        "macs", (json_int_t)(r * x.macs), "dram_bytes", (json_int_t)(r * x.bytes),
                                        "bound", x.compute_ns >= x.memory_ns ? "compute" : "memory", "mapping", map));
    }
    if (st) {
        json_decref(ops);
        return st;
    }
    *out = json_pack("{s:f,s:f,s:f,s:f,s:I,s:I,s:I,s:o}", "latency_ns", lat, "energy_pj", en, "clock_ghz", a->clock_ghz,
                     "power_w", lat > 0 ? en / lat * 1e-3 : 0.0, "cycles", (json_int_t)(lat * a->clock_ghz), "macs",
                     (json_int_t)macs, "dram_bytes", (json_int_t)bytes, "operations", ops);
    return *out ? LP_OK : lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
}

lp_status sweep_run_model(const sw_sweep *sw, rdb *db, const sweep_opts *o, sweep_tally *t, lp_diag *d)
{
    memset(t, 0, sizeof *t);
    double t0 = now_s();
    bool *fin = calloc(sw->npoints + 1, sizeof *fin);
    arch_cfg **archs = calloc(sw->narch + 1, sizeof *archs);
    char **arch_json = calloc(sw->narch + 1, sizeof *arch_json);
    char(*unit_kind)[32] = calloc(sw->narch + 1, sizeof *unit_kind);
    double *area = calloc(sw->narch + 1, sizeof *area);
    lp_status *arch_st = calloc(sw->narch + 1, sizeof *arch_st);
    char(*arch_msg)[LP_DIAG_MSG_MAX] = calloc(sw->narch + 1, sizeof *arch_msg);
    lp_status st = LP_OK;
    if (!fin || !archs || !arch_json || !unit_kind || !area || !arch_st || !arch_msg) {
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (o->resume && (st = rdb_points_finished(db, sw->hash, true, sw->npoints, fin, d))) goto out;
    for (size_t i = 0; i < sw->npoints; i++) {
        if (!sweep_in_shard(o, i)) continue;
        t->total++;
        if (fin[i]) {
            t->skipped++;
            continue;
        }
        const sw_point *p = &sw->points[i];
        double p0 = now_s();
        char started[32];
        rdb_now(started, sizeof started);
        if (!archs[p->arch] && !arch_st[p->arch]) {
            const char *text = sw->arch_texts[p->arch];
            lp_diag ad;
            lp_diag_init(&ad, "<point>");
            arch_st[p->arch] = arch_load_text(text, strlen(text), "<point>", &archs[p->arch], &ad);
            if (arch_st[p->arch]) snprintf(arch_msg[p->arch], sizeof arch_msg[0], "%s", ad.msg);
            json_t *j = rdb_yaml_json(text, strlen(text));
            area[p->arch] = rdb_arch_facts(j, unit_kind[p->arch], sizeof unit_kind[0]);
            arch_json[p->arch] = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            json_decref(j);
        }
        lp_diag pd;
        lp_diag_init(&pd, "<point>");
        json_t *report = NULL;
        lp_status ps = arch_st[p->arch];
        if (ps)
            snprintf(pd.msg, sizeof pd.msg, "%s", arch_msg[p->arch]);
        else {
            wl_spec s;
            cm_target tg;
            cm_target_of(archs[p->arch], &tg);
            if (!(ps = wl_parse_inline(p->workload, "<workload>", 1, 1, &s, &pd)))
                ps = model_report(archs[p->arch], &tg, &s, o->model, &report, &pd);
        }
        const char *status = ps == LP_ERR_INFEASIBLE ? "infeasible" : ps ? "failed" : "done";
        char formats[160];
        json_t *wj = rdb_spec_json(p->workload, formats, sizeof formats);
        char *wjs = wj ? json_dumps(wj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        const char *kind = json_string_value(json_object_get(wj, "kind"));
        rdb_run run;
        memset(&run, 0, sizeof run);
        run.started_at = started;
        run.command_line = o->command_line;
        run.engine = "model";
        run.arch_name = sw->arch_names[p->arch];
        run.arch_json = arch_json[p->arch];
        run.unit_kind = unit_kind[p->arch];
        run.workload_kind = kind ? kind : "";
        run.workload = p->workload;
        run.workload_json = wjs;
        run.formats = formats;
        run.seed = sw->seed;
        run.timing_only = true;
        run.status = status;
        run.error = ps ? pd.msg : NULL;
        run.area_mm2 = area[p->arch];
        run.sweep_hash = sw->hash;
        run.point_index = (int64_t)i;
        run.point_json = p->params_json;
        double l0 = now_s();
        run.wall_s = l0 - p0;
        int64_t id;
        st = rdb_log_run(db, &run, report, &id, d);
        t->log_s += now_s() - l0;
        t->run_s += l0 - p0;
        json_decref(report), json_decref(wj);
        free(wjs);
        if (st) break;
        if (!id)
            t->duplicate++;
        else if (!ps)
            t->done++;
        else if (ps == LP_ERR_INFEASIBLE)
            t->infeasible++;
        else
            t->failed++;
        t->point_s += now_s() - p0;
    }
out:
    t->wall_s = now_s() - t0;
    for (size_t a = 0; archs && a < sw->narch; a++) arch_free(archs[a]);
    for (size_t a = 0; arch_json && a < sw->narch; a++) free(arch_json[a]);
    free(fin), free(archs), free(arch_json), free(unit_kind), free(area), free(arch_st), free(arch_msg);
    return st;
}
