/*
** cmd_predict.c — `lpsim predict`: the latency and energy of an MLIR graph
** on an architecture with the default analytical model (costmodel/), per op
** (or per fused kernel) and in total, as a table or JSON.
**
** The graph is read in a child process (reader_child.h): a file that makes
** MLIR's parser crash is reported as unreadable (exit status 2) instead of
** crashing lpsim. The child prints the whole report, or nothing.
** --compare-sim adds the simulation of the graph's lowered workloads (lower.h).
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "cm_fit.h"
#include "cm_model.h"
#include "cm_read.h"
#include "commands.h"
#include "lower.h"
#include "reader_child.h"

static const cli_opt predict_opts[] = {
    {"arch", "ARCH", "the architecture: a preset (lpsim arch --list) or a YAML file"},
    {"json", NULL, "print the report as JSON (keys in docs/costmodel.md)"},
    {"fuse", NULL,
     "fuse as XLA does: elementwise ops into their producer (not into a product where the architecture says "
     "fuse_after_products: 0; they join each other), broadcasts into their consumer, a softmax into one kernel (an "
     "attention: its two products and its softmax)"},
    {"model", "MODEL.json", "a model fitted by lpsim fit (default: the architecture's default coefficients)"},
    {"compare-sim", NULL,
     "also lower the graph (lpsim lower), simulate each workload timing-only and compare per op (lower.h)"},
};
static const cli_cmd predict_cmd = {
    "predict",
    "--arch ARCH [--model MODEL.json] GRAPH.mlir [--json] [--fuse] [--compare-sim]",
    "Reads an MLIR graph through the MLIR C API (linalg on tensors, tosa, tensor/arith/math,\n"
    "func calls inlined, StableHLO in generic op form) and predicts its latency and energy on\n"
    "the architecture with the default analytical model (or a model fitted by lpsim fit, --model):\n"
    "per op its kind, shapes, FLOPs, bytes,\n"
    "latency, energy and bound (compute or memory), then the totals; wall_ns adds the\n"
    "architecture's host_dispatch_ns. Ops lpsim has no rule for are listed as unmodelled,\n"
    "never costed. Formulas and fields: docs/costmodel.md. Exit status 0; 2 on bad input\n"
    "(FILE:LINE:COL and MLIR's message).",
    predict_opts,
    CLI_NOPTS(predict_opts),
    0,
    1};

#define SHAPES_MAX 512

/* "1x128xbf16, 128x64xbf16 -> 1x64xbf16" (cut at SHAPES_MAX with "..."). */
static void shapes(const cm_graph *g, const cm_op *op, char *buf)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < op->nin + op->nout && n < SHAPES_MAX - 8; i++) {
        const char *sep = i == 0 ? "" : i == op->nin ? " -> " : ", ";
        if (i == 0 && op->nin == 0) sep = "-> ";
        char t[SHAPES_MAX];
        cm_tensor_str(&g->tensors[i < op->nin ? op->in[i] : op->out[i - op->nin]], t, sizeof t);
        int w = snprintf(buf + n, SHAPES_MAX - n, "%s%s", sep, t);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n >= SHAPES_MAX - 8) strcpy(buf + SHAPES_MAX - 4, "...");
}

static const char *unit_of(const cm_row *r)
{
    return !r->kernel || r->compute_ns == 0 ? "-" : r->on_matrix ? "matrix" : "vector";
}

static json_t *row_json(const cm_graph *g, const cm_row *r)
{
    const cm_op *op = &g->ops[r->op];
    char sh[SHAPES_MAX];
    shapes(g, op, sh);
    json_t *o = json_pack("{s:o,s:i,s:i,s:s,s:o,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:s,s:s}", "op", cli_json_text(op->name),
                          "line", op->line, "col", op->col, "kind", cm_kind_name(r->kind), "shapes", cli_json_text(sh),
                          "flops", (json_int_t)r->flops, "macs", (json_int_t)r->macs, "bytes", (json_int_t)r->bytes,
                          "compute_ns", r->compute_ns, "memory_ns", r->memory_ns, "latency_ns", r->latency_ns,
                          "energy_pj", r->energy_pj, "bound", cm_row_bound(r), "unit", unit_of(r));
    if (o && r->nfused) {
        json_t *f = json_array();
        for (int32_t k = 0; f && k < r->nfused; k++) {
            const cm_op *m = &g->ops[r->fused[k]];
            json_array_append_new(f, json_pack("{s:o,s:i,s:s}", "op", cli_json_text(m->name), "line", m->line, "kind",
                                               cm_kind_name(m->kind)));
        }
        if (!f || json_object_set_new(o, "fused", f)) json_decref(o), o = NULL;
    }
    return o;
}

static json_t *report_json(const cm_graph *g, const cm_target *t, const cm_prediction *p, bool fuse, const char *model)
{
    json_t *o = json_pack(
        "{s:o,s:o,s:o,s:o?,s:s,s:f,s:f,s:f,s:f,s:i,s:f,s:I,s:I,s:I,s:i,s:i}", "file", cli_json_text(g->file),
        "function", cli_json_text(g->func ? g->func : ""), "arch", cli_json_text(t->name), "model",
        model ? cli_json_text(model) : NULL, "composition", fuse ? "fused" : "sequential", "latency_ns", p->latency_ns,
        "wall_ns", p->wall_ns, "host_dispatch_ns", t->host_dispatch_ns, "conv_call_ns", t->conv_call_ns, "conv_calls",
        p->convs, "energy_pj", p->energy_pj, "flops", (json_int_t)p->flops, "macs", (json_int_t)p->macs, "bytes",
        (json_int_t)p->bytes, "kernels", p->kernels, "graph_ops", g->nops);
    json_t *counts = json_object(), *ops = json_array(), *un = json_array(), *pats = json_array();
    bool ok = o && counts && ops && un && pats;
    for (int k = 0; ok && k < CM_KIND_COUNT; k++)
        ok = !json_object_set_new(counts, cm_kind_name((cm_kind)k), json_integer(g->count[k]));
    for (int32_t i = 0; ok && i < p->nrows; i++) ok = !json_array_append_new(ops, row_json(g, &p->rows[i]));
    for (int32_t i = 0; ok && i < g->nops; i++) {
        const cm_op *op = &g->ops[i];
        if (op->kind != CM_KIND_UNMODELLED) continue;
        char sh[SHAPES_MAX];
        shapes(g, op, sh);
        ok = !json_array_append_new(un, json_pack("{s:o,s:i,s:i,s:o,s:o}", "op", cli_json_text(op->name), "line",
                                                  op->line, "col", op->col, "shapes", cli_json_text(sh), "reason",
                                                  cli_json_text(op->reason ? op->reason : "")));
    }
    for (int32_t i = 0; ok && i < g->npatterns; i++) {
        const cm_pattern *pt = &g->patterns[i];
        json_t *po = json_pack("{s:s,s:i,s:i,s:i}", "kind", cm_kind_name(pt->kind), "ops", pt->nops, "first_line",
                               g->ops[pt->ops[0]].line, "last_line", g->ops[pt->ops[pt->nops - 1]].line);
        if (po && pt->kind == CM_KIND_ATTENTION &&
            json_object_update_new(po, json_pack("{s:I,s:I,s:I,s:I,s:i,s:i}", "batch", (json_int_t)pt->batch, "q_len",
                                                 (json_int_t)pt->q_len, "kv_len", (json_int_t)pt->kv_len, "head_dim",
                                                 (json_int_t)pt->head_dim, "qk_line", g->ops[pt->qk].line, "pv_line",
                                                 g->ops[pt->pv].line)))
            json_decref(po), po = NULL;
        ok = !json_array_append_new(pats, po);
    }
    if (ok)
        ok = !json_object_set_new(o, "counts", counts) && !json_object_set_new(o, "ops", ops) &&
             !json_object_set_new(o, "unmodelled", un) && !json_object_set_new(o, "patterns", pats);
    else
        json_decref(counts), json_decref(ops), json_decref(un), json_decref(pats);
    if (!ok) json_decref(o);
    return ok ? o : NULL;
}

static void print_text(const cm_graph *g, const cm_target *t, const cm_prediction *p, bool fuse, const char *model)
{
    fputs("lpsim predict: ", stdout);
    lp_diag_put_escaped(g->file, stdout);
    fputs(" (@", stdout);
    lp_diag_put_escaped(g->func ? g->func : "", stdout);
    fputs(") on ", stdout);
    lp_diag_put_escaped(t->name, stdout);
    printf(", %s", fuse ? "fused" : "sequential");
    if (model) fputs(", model ", stdout), lp_diag_put_escaped(model, stdout);
    printf("\n\n  ops          %d:", (int)g->nops);
    for (int k = 0, sep = 0; k < CM_KIND_COUNT; k++)
        if (g->count[k]) printf("%s %d %s", sep++ ? "," : "", (int)g->count[k], cm_kind_name((cm_kind)k));
    putchar('\n');
    for (int32_t i = 0; i < g->npatterns; i++) {
        const cm_pattern *pt = &g->patterns[i];
        printf("  pattern      %s of %d ops, lines %d-%d", cm_kind_name(pt->kind), (int)pt->nops,
               g->ops[pt->ops[0]].line, g->ops[pt->ops[pt->nops - 1]].line);
        if (pt->kind == CM_KIND_ATTENTION)
            printf(": batch x heads %llu, q %llu, kv %llu, head %llu", (unsigned long long)pt->batch,
                   (unsigned long long)pt->q_len, (unsigned long long)pt->kv_len, (unsigned long long)pt->head_dim);
        putchar('\n');
    }
    printf("  work         %llu FLOPs (%llu MACs), %llu bytes\n", (unsigned long long)p->flops,
           (unsigned long long)p->macs, (unsigned long long)p->bytes);
    printf("  latency      %.1f ns on the device, %d kernels\n", p->latency_ns, (int)p->kernels);
    printf("  wall         %.1f ns with the host's dispatch of %.1f ns", p->wall_ns, t->host_dispatch_ns);
    if (p->convs)
        printf(" and %d convolution call%s of %.1f ns", (int)p->convs, p->convs == 1 ? "" : "s", t->conv_call_ns);
    putchar('\n');
    printf("  energy       %.6g pJ\n\n", p->energy_pj);
    printf("  %-9s %-26s %-13s %14s %12s %12s %12s %-7s %-6s  %s\n", "line:col", "op", "kind", "flops", "bytes",
           "latency_ns", "energy_pj", "bound", "unit", "shapes");
    for (int32_t i = 0; i < p->nrows; i++) {
        const cm_row *r = &p->rows[i];
        const cm_op *op = &g->ops[r->op];
        char sh[SHAPES_MAX], at[24];
        shapes(g, op, sh);
        snprintf(at, sizeof at, "%d:%d", op->line, op->col);
        printf("  %-9s %-26s %-13s %14llu %12llu %12.1f %12.6g %-7s %-6s  %s", at, op->name, cm_kind_name(r->kind),
               (unsigned long long)r->flops, (unsigned long long)r->bytes, r->latency_ns, r->energy_pj, cm_row_bound(r),
               unit_of(r), sh);
        if (r->nfused) printf("  (+%d fused)", (int)r->nfused);
        putchar('\n');
    }
    int un = g->count[CM_KIND_UNMODELLED];
    if (!un) return;
    printf("\n  unmodelled: %d op%s, not costed\n", un, un == 1 ? "" : "s");
    for (int32_t i = 0; i < g->nops; i++) {
        const cm_op *op = &g->ops[i];
        if (op->kind != CM_KIND_UNMODELLED) continue;
        printf("    %d:%d %s: %s\n", op->line, op->col, op->name, op->reason ? op->reason : "");
    }
}

typedef struct predict_job {
    const char *path;
    const cli_args *a;
    const arch_cfg *arch;
    bool json, fuse, compare;
    const cm_coefs *coefs; /* --model, or NULL */
    const char *model;
} predict_job;

/* Read, predict and print (in the child). */
static int predict(void *job)
{
    const predict_job *j = job;
    const char *path = j->path;
    const cli_args *a = j->a;
    bool json = j->json, fuse = j->fuse;
    lp_diag d;
    cm_graph *g;
    if (cm_read_file(path, &g, &d)) return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&predict_cmd, a, NULL, 0, &d);
    cm_target t;
    cm_target_of(j->arch, &t);
    t.coefs = j->coefs;
    cm_prediction p;
    int rc = 0;
    if (cm_predict(g, &t, fuse, &p, &d)) {
        rc = cli_fail(&d);
    } else if (json) {
        json_t *o = report_json(g, &t, &p, fuse, j->model);
        if (o && j->compare && lower_compare_sim(g, &t, &p, fuse, cli_get(&predict_cmd, a, "arch"), o))
            json_decref(o), o = NULL;
        if (!o || json_dumpf(o, stdout, 0) || putchar('\n') == EOF) {
            lp_diag_init(&d, "<stdout>");
            lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write the JSON report (out of memory?)");
            rc = cli_fail(&d);
        }
        json_decref(o);
    } else {
        print_text(g, &t, &p, fuse, j->model);
        if (j->compare && lower_compare_sim(g, &t, &p, fuse, cli_get(&predict_cmd, a, "arch"), NULL)) rc = 2;
    }
    cm_prediction_free(&p);
    cm_graph_free(g);
    return rc;
}

int cmd_predict(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&predict_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&predict_cmd, stdout);
        return 0;
    }
    const char *av = cli_get(&predict_cmd, &a, "arch");
    if (!av || a.npos != 1) {
        cli_value_error(&predict_cmd, &a, NULL, -1, &d, "'lpsim predict' needs --arch ARCH and a GRAPH.mlir");
        return cli_fail(&d);
    }
    bool json = cli_get(&predict_cmd, &a, "json") != NULL, fuse = cli_get(&predict_cmd, &a, "fuse") != NULL;
    arch_cfg *arch;
    const char *model = cli_get(&predict_cmd, &a, "model");
    cm_coefs coefs;
    char model_arch[128];
    if (model && cm_model_load(model, &coefs, model_arch, sizeof model_arch, &d))
        return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&predict_cmd, &a, "model", 0, &d);
    if (arch_load(av, &arch, &d)) return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&predict_cmd, &a, "arch", 0, &d);
    if (model && strcmp(model_arch, arch->name)) {
        fputs("lpsim predict: warning: the model was fitted on runs of '", stderr);
        lp_diag_put_escaped(model_arch, stderr);
        fputs("', not of '", stderr);
        lp_diag_put_escaped(arch->name, stderr);
        fputs("'\n", stderr);
    }
    predict_job j = {
        a.pos[0], &a, arch, json, fuse, cli_get(&predict_cmd, &a, "compare-sim") != NULL, model ? &coefs : NULL, model};
    int rc = cli_reader_child(&predict_cmd, &a, a.pos[0], predict, &j);
    arch_free(arch);
    return rc;
}
