/*
** cmd_lower.c — `lpsim lower`: an MLIR graph's products and attentions as
** lpsim workloads in a sweep file (or JSON), so that `lpsim sweep` and
** `lpsim run` simulate what `lpsim predict` costs; and the comparison of
** the two behind `lpsim predict --compare-sim` (lower.h).
**
** The graph is read in a child process, as predict reads it
** (reader_child.h). The lowering itself is cm_lower.h's; this file writes
** it: the sweep file's one design point is the architecture as it is (a
** sweep needs axes or points), each workload under comments that name the
** ops it stands for, and the ops not lowered as comments at the end. -o
** writes through lp_out (a temporary file renamed into place), so an error
** leaves no partial file.
*/
#define _XOPEN_SOURCE 700 /* realpath */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "cm_lower.h"
#include "cm_read.h"
#include "commands.h"
#include "lower.h"
#include "lp_file.h"
#include "plot.h"
#include "predict.h"
#include "reader_child.h"
#include "runs_log.h"

static const cli_opt lower_opts[] = {
    {"arch", "ARCH", "the architecture the sweep file names: a preset (lpsim arch --list) or a YAML file"},
    {"output", "FILE", "write here (atomically: nothing is written on an error) instead of to stdout"},
    {"json", NULL, "print the lowering as JSON (keys in docs/costmodel.md) instead of a sweep file"},
};
static const cli_cmd lower_cmd = {
    "lower",
    "GRAPH.mlir --arch ARCH [-o FILE] [--json]",
    "Reads an MLIR graph as lpsim predict does and lowers its matrix products (dot_general,\n"
    "linalg.matmul, ...), convolutions (as GEMMs by im2col) and attentions into lpsim workloads:\n"
    "a sweep file with `arch: ARCH`, one inline spec per distinct workload under comments that\n"
    "name the ops it stands for (line:col, kind, shapes) and its repeat (the runs of it the graph\n"
    "makes), and the ops not lowered with the reason. `lpsim sweep FILE --timing-only` simulates\n"
    "it; `lpsim run --arch ARCH --workload 'SPEC'` runs one of its specs. Elementwise ops,\n"
    "reductions and data movement have no workload kind and are counted, not lowered. Formats\n"
    "and rules: docs/costmodel.md, \"Lowering\". Exit status 0; 2 on bad input or when nothing\n"
    "in the graph can be lowered.",
    lower_opts,
    CLI_NOPTS(lower_opts),
    0,
    1};

#define SHAPES_MAX 512
#define ULL(x) ((unsigned long long)(x))

/* The kind a lowered or skipped op is reported as. */
static const char *kind_of(const cm_graph *g, int32_t op, int32_t pattern)
{
    const cm_op *o = &g->ops[op];
    return pattern >= 0 ? "attention" : cm_kind_name(o->kind == CM_KIND_UNMODELLED ? o->kind : o->base);
}

/* s as a YAML double-quoted scalar. */
static void put_quoted(const char *s, FILE *f)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* s in a comment of the sweep file: printable UTF-8 as it is, every other byte (a control character, a byte
** that is not UTF-8, which the sweep file's reader refuses even in a comment) as \xNN. */
static void put_comment(const char *s, FILE *f)
{
    while (*s) {
        size_t n = lp_plot_text_ok(s);
        fwrite(s, 1, n, f);
        if (!s[n]) break;
        fprintf(f, "\\x%02x", (unsigned char)s[n]);
        s += n + 1;
    }
}

/* The architecture as the sweep file names it: a preset by its name, a file
** by its absolute path (a relative one would be read from the sweep file's
** folder). malloc'd; NULL out of memory. */
static char *sweep_arch(const char *arg)
{
    if (!arch_name_is_file(arg) && arch_preset_text(arg)) return strdup(arg);
    char *real = realpath(arg, NULL);
    return real ? real : strdup(arg);
}

/* One op's comment line: "LINE:COL OP (KIND) SHAPES" through put_comment (an op's name is the graph's
** text: a newline in it must not end the comment). */
static void put_op(const cm_graph *g, int32_t op, int32_t pattern, FILE *f)
{
    const cm_op *o = &g->ops[op];
    char sh[SHAPES_MAX], line[SHAPES_MAX + 1024];
    if (pattern >= 0) {
        const cm_pattern *p = &g->patterns[pattern];
        snprintf(line, sizeof line,
                 "%d:%d attention of %d ops, lines %d-%d (Q K^T %s %s): batch x heads %llu, q %llu, kv %llu, head %llu",
                 o->line, o->col, (int)p->nops, g->ops[p->ops[0]].line, g->ops[p->ops[p->nops - 1]].line, o->name,
                 cm_op_shapes(g, o, sh, sizeof sh), ULL(p->batch), ULL(p->q_len), ULL(p->kv_len), ULL(p->head_dim));
    } else {
        snprintf(line, sizeof line, "%d:%d %s (%s) %s", o->line, o->col, o->name, kind_of(g, op, pattern),
                 cm_op_shapes(g, o, sh, sizeof sh));
    }
    put_comment(line, f);
}

static void write_yaml(const cm_graph *g, const cm_lowering *l, const char *arch, const char *arch_arg, FILE *f)
{
    fputs("# lpsim lower: ", f);
    put_comment(g->file, f);
    fputs(" (@", f);
    put_comment(g->func ? g->func : "", f);
    int att = 0;
    for (int32_t i = 0; i < l->nitems; i++) att += l->items[i].pattern >= 0;
    fprintf(f, "), %d ops: %d product%s and %d attention%s (of %d ops) lowered into %d workload%s, %d not lowered\n",
            (int)g->nops, (int)l->nitems - att, l->nitems - att == 1 ? "" : "s", att, att == 1 ? "" : "s",
            (int)l->covered, (int)l->nentries, l->nentries == 1 ? "" : "s", (int)l->nskipped);
    fputs("# Each workload follows the ops it stands for and its repeat: the runs of it the graph makes.\n"
          "# lpsim sweep FILE --timing-only simulates each once; lpsim run --arch ARCH --workload 'SPEC' one.\n"
          "# Rules and formats: docs/costmodel.md, \"Lowering\".\n",
          f);
    fputs("arch: ", f);
    put_quoted(arch, f);
    fputs("\nworkloads:\n", f);
    for (int32_t e = 0; e < l->nentries; e++) {
        const cm_lower_entry *en = &l->entries[e];
        for (int32_t i = en->first; i >= 0; i = l->items[i].next) {
            const cm_lowered *it = &l->items[i];
            fputs("  # ", f);
            put_op(g, it->op, it->pattern, f);
            if (it->repeat > 1) fprintf(f, " x%llu", ULL(it->repeat));
            if (it->note[0]) fprintf(f, " (%s)", it->note);
            fputc('\n', f);
        }
        fprintf(f, "  # repeat %llu\n  - %s\n", ULL(en->repeat), l->items[en->first].spec);
    }
    /* a sweep needs a point: the architecture itself, unless its path has a blank (a point splits at blanks) or
    ** another control character (a sweep file holds none) */
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)arch; *p; p++) plain &= *p > 0x20 && *p != 0x7f;
    fputs("points:\n  - ", f);
    if (!plain) {
        arch_cfg *a = NULL;
        lp_diag d;
        unsigned long long cores = arch_load(arch_arg, &a, &d) == LP_OK ? ULL(a->cores) : 1;
        arch_free(a);
        fprintf(f,
                "\"cores=%llu\"    # the architecture as it is (its path has a blank or a control character, which a "
                "point cannot hold)\n",
                cores);
    } else {
        size_t n = strlen(arch) + 6;
        char *pt = malloc(n);
        if (pt) snprintf(pt, n, "arch=%s", arch), put_quoted(pt, f);
        free(pt);
        fputs("    # the one design point: the architecture as it is\n", f);
    }
    if (l->nskipped) fprintf(f, "# not lowered (%d):\n", (int)l->nskipped);
    for (int32_t i = 0; i < l->nskipped; i++) {
        fputs("#   ", f);
        put_op(g, l->skipped[i].op, l->skipped[i].pattern, f);
        fputs(": ", f);
        put_comment(l->skipped[i].reason, f);
        fputc('\n', f);
    }
    bool any = false;
    for (int k = 0; k < CM_KIND_COUNT; k++)
        if (l->by_design[k]) {
            fprintf(f, "%s %d %s", any ? "," : "# not lowered, no workload kind for them:", (int)l->by_design[k],
                    cm_kind_name((cm_kind)k));
            any = true;
        }
    if (any) fputc('\n', f);
}

static json_t *op_json(const cm_graph *g, int32_t op, int32_t pattern)
{
    const cm_op *o = &g->ops[op];
    char sh[SHAPES_MAX];
    json_t *j = json_pack("{s:o,s:i,s:i,s:s,s:o}", "op", cli_json_text(o->name), "line", o->line, "col", o->col, "kind",
                          kind_of(g, op, pattern), "shapes", cli_json_text(cm_op_shapes(g, o, sh, sizeof sh)));
    if (j && pattern >= 0) {
        const cm_pattern *p = &g->patterns[pattern];
        if (json_object_update_new(j, json_pack("{s:i,s:i,s:i}", "pattern_ops", p->nops, "first_line",
                                                g->ops[p->ops[0]].line, "last_line", g->ops[p->ops[p->nops - 1]].line)))
            json_decref(j), j = NULL;
    }
    return j;
}

static json_t *lowering_json(const cm_graph *g, const cm_lowering *l, const char *arch)
{
    json_t *o = json_pack("{s:o,s:o,s:o,s:i,s:i}", "file", cli_json_text(g->file), "function",
                          cli_json_text(g->func ? g->func : ""), "arch", cli_json_text(arch), "graph_ops", g->nops,
                          "covered", l->covered);
    json_t *low = json_array(), *wl = json_array(), *un = json_array(), *bd = json_object();
    bool ok = o && low && wl && un && bd;
    for (int32_t i = 0; ok && i < l->nitems; i++) {
        const cm_lowered *it = &l->items[i];
        json_t *j = op_json(g, it->op, it->pattern);
        ok = j &&
             !json_object_update_new(j, json_pack("{s:s,s:I,s:s,s:i}", "workload", it->spec, "repeat",
                                                  (json_int_t)it->repeat, "note", it->note, "entry", it->entry)) &&
             !json_array_append_new(low, j);
    }
    for (int32_t e = 0; ok && e < l->nentries; e++)
        ok = !json_array_append_new(wl,
                                    json_pack("{s:s,s:I,s:i}", "workload", l->items[l->entries[e].first].spec, "repeat",
                                              (json_int_t)l->entries[e].repeat, "ops", l->entries[e].nitems));
    for (int32_t i = 0; ok && i < l->nskipped; i++) {
        json_t *j = op_json(g, l->skipped[i].op, l->skipped[i].pattern);
        ok = j && !json_object_set_new(j, "reason", cli_json_text(l->skipped[i].reason)) &&
             !json_array_append_new(un, j);
    }
    for (int k = 0; ok && k < CM_KIND_COUNT; k++)
        if (l->by_design[k]) ok = !json_object_set_new(bd, cm_kind_name((cm_kind)k), json_integer(l->by_design[k]));
    if (ok)
        ok = !json_object_set_new(o, "lowered", low) && !json_object_set_new(o, "workloads", wl) &&
             !json_object_set_new(o, "not_lowered", un) && !json_object_set_new(o, "by_design", bd);
    else
        json_decref(low), json_decref(wl), json_decref(un), json_decref(bd);
    if (!ok) json_decref(o);
    return ok ? o : NULL;
}

typedef struct lower_job {
    const char *path, *arch_arg;
    const cli_args *a;
    bool json;
} lower_job;

/* Read, lower and write (in the child). */
static int lower(void *job)
{
    const lower_job *j = job;
    lp_diag d;
    cm_graph *g;
    if (cm_read_file(j->path, &g, &d)) return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&lower_cmd, j->a, NULL, 0, &d);
    int rc = 0;
    cm_lowering l = {0};
    char *arch = sweep_arch(j->arch_arg);
    lp_out out = {0};
    json_t *o = NULL;
    const char *ov = cli_get(&lower_cmd, j->a, "output");
    if (!arch || cm_lower(g, &l, &d)) {
        if (!arch) lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail(&d);
        goto free_all;
    }
    if (!l.nitems) {
        lp_diag_init(&d, j->path);
        if (l.nskipped) {
            const cm_op *op = &g->ops[l.skipped[0].op];
            lp_diag_set(&d, LP_ERR_ARG, op->line, op->col, "nothing in @%s can be lowered (%d candidate%s), here: %s",
                        g->func ? g->func : "", (int)l.nskipped, l.nskipped == 1 ? "" : "s", l.skipped[0].reason);
        } else {
            lp_diag_set(&d, LP_ERR_ARG, 1, 1,
                        "nothing to lower: @%s has no matrix product, convolution or attention (lpsim lower makes "
                        "workloads of those)",
                        g->func ? g->func : "");
        }
        rc = cli_fail(&d);
        goto free_all;
    }
    if (j->json && !(o = lowering_json(g, &l, arch))) {
        lp_diag_init(&d, "<stdout>");
        lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail(&d);
        goto free_all;
    }
    FILE *f = stdout;
    if (ov) {
        if (lp_out_open(&out, ov, &d)) {
            rc = cli_fail_arg(&lower_cmd, j->a, "output", 0, &d);
            goto free_all;
        }
        f = out.f;
    }
    if (o) {
        if (json_dumpf(o, f, 0) == 0) fputc('\n', f);
    } else {
        write_yaml(g, &l, arch, j->arch_arg, f);
    }
    if (ov && lp_out_commit(&out, &d)) rc = cli_fail_arg(&lower_cmd, j->a, "output", 0, &d);
free_all:
    json_decref(o);
    free(arch);
    cm_lowering_free(&l);
    cm_graph_free(g);
    return rc;
}

int cmd_lower(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&lower_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&lower_cmd, stdout);
        return 0;
    }
    const char *av = cli_get(&lower_cmd, &a, "arch");
    if (!av || a.npos != 1) {
        cli_value_error(&lower_cmd, &a, NULL, -1, &d, "'lpsim lower' needs a GRAPH.mlir and --arch ARCH");
        return cli_fail(&d);
    }
    arch_cfg *arch;
    if (arch_load(av, &arch, &d)) return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&lower_cmd, &a, "arch", 0, &d);
    arch_free(arch);
    lower_job j = {a.pos[0], av, &a, cli_get(&lower_cmd, &a, "json") != NULL};
    return cli_reader_child(&lower_cmd, &a, a.pos[0], lower, &j);
}

/* ---- lpsim predict --compare-sim ------------------------------------------------------- */

typedef struct cmp_row {
    int32_t item;
    double pred_ns, pred_pj, row_ns, row_pj, sim_ns, sim_pj;
    const char *refused; /* the simulator's reason, or NULL */
} cmp_row;

/* The model's figures for item: its rows (each once), as a run of its own. */
static void predicted(const cm_graph *g, const cm_target *t, const cm_prediction *p, const int32_t *row_of,
                      int32_t *seen, const cm_lowered *it, int32_t stamp, cmp_row *r)
{
    int32_t one = it->op, n = 1;
    const int32_t *ops = &one;
    if (it->pattern >= 0) ops = g->patterns[it->pattern].ops, n = g->patterns[it->pattern].nops;
    double busy = 0;
    int kernels = 0;
    for (int32_t k = 0; k < n; k++) {
        int32_t ri = row_of[ops[k]];
        if (ri < 0 || seen[ri] == stamp) continue;
        seen[ri] = stamp;
        const cm_row *row = &p->rows[ri];
        r->row_ns += row->latency_ns, r->row_pj += row->energy_pj;
        if (!row->kernel) continue;
        busy +=
            row->latency_ns - row->overhead_ns; /* the default model's max(compute, memory), or a fitted model's time */
        kernels++;
    }
    r->pred_ns = busy + (kernels ? t->launch_ns + (kernels - 1) * t->gap_ns : 0);
    r->pred_pj = r->row_pj - t->static_w * r->row_ns * 1e3; /* W x ns = 1e3 pJ */
}

static double pct(double pred, double sim) { return sim > 0 ? 100.0 * (pred - sim) / sim : NAN; }

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int lower_compare_sim(const cm_graph *g, const cm_target *t, const cm_prediction *p, bool fuse, const char *arch,
                      json_t *report)
{
    lp_diag d;
    lp_diag_init(&d, "<compare-sim>");
    cm_lowering l = {0};
    int32_t *row_of = malloc(((size_t)g->nops + 1) * sizeof *row_of);
    int32_t *seen = malloc(((size_t)p->nrows + 1) * sizeof *seen);
    lp_pred *pred = NULL;
    cmp_row *rows = NULL;
    int rc = 0;
    if (cm_lower(g, &l, &d) || !row_of || !seen) goto nomem;
    pred = calloc((size_t)l.nentries + 1, sizeof *pred);
    rows = calloc((size_t)l.nitems + 1, sizeof *rows);
    if (!pred || !rows) goto nomem;
    for (int32_t i = 0; i < g->nops; i++) row_of[i] = -1;
    for (int32_t r = 0; r < p->nrows; r++) {
        seen[r] = -1;
        row_of[p->rows[r].op] = r;
        for (int32_t k = 0; k < p->rows[r].nfused; k++) row_of[p->rows[r].fused[k]] = r;
    }
    for (int32_t e = 0; e < l.nentries; e++) pred[e].spec = l.items[l.entries[e].first].spec;
    long jobs = lp_predict_default_jobs();
    double t0 = runs_now_s();
    lp_predict_all(arch, pred, (size_t)l.nentries, jobs, true);
    double wall_s = runs_now_s() - t0;
    double sp_ns = 0, ss_ns = 0, sp_pj = 0, ss_pj = 0, ape_ns = 0, ape_pj = 0;
    int compared = 0, refused = 0, f32 = 0;
    for (int32_t i = 0; i < l.nitems; i++) {
        const cm_lowered *it = &l.items[i];
        cmp_row *r = &rows[i];
        r->item = i;
        f32 += it->f32_inputs;
        predicted(g, t, p, row_of, seen, it, i, r);
        const lp_pred *q = &pred[it->entry];
        if (q->failed) {
            r->refused = q->why, r->sim_ns = r->sim_pj = NAN;
            refused++;
            continue;
        }
        r->sim_ns = q->res.run.latency_ns * (double)it->repeat;
        r->sim_pj = q->res.run.energy_pj * (double)it->repeat;
        sp_ns += r->pred_ns, ss_ns += r->sim_ns, sp_pj += r->pred_pj, ss_pj += r->sim_pj;
        ape_ns += fabs(pct(r->pred_ns, r->sim_ns)), ape_pj += fabs(pct(r->pred_pj, r->sim_pj));
        compared++;
    }
    double mape_ns = compared ? ape_ns / compared : NAN, mape_pj = compared ? ape_pj / compared : NAN;
    if (report) {
        json_t *arr = json_array();
        bool ok = arr != NULL;
        for (int32_t i = 0; ok && i < l.nitems; i++) {
            const cmp_row *r = &rows[i];
            const cm_lowered *it = &l.items[r->item];
            const cm_op *op = &g->ops[it->op];
            json_t *o = json_pack(
                "{s:o,s:i,s:i,s:s,s:s,s:I,s:f,s:f,s:f,s:f,s:o,s:o,s:o,s:o}", "op", cli_json_text(op->name), "line",
                op->line, "col", op->col, "kind", kind_of(g, it->op, it->pattern), "workload", it->spec, "repeat",
                (json_int_t)it->repeat, "predicted_latency_ns", r->pred_ns, "predicted_energy_pj", r->pred_pj,
                "row_latency_ns", r->row_ns, "row_energy_pj", r->row_pj, "sim_latency_ns", num_or_null(r->sim_ns),
                "sim_energy_pj", num_or_null(r->sim_pj), "err_latency_pct", num_or_null(pct(r->pred_ns, r->sim_ns)),
                "err_energy_pct", num_or_null(pct(r->pred_pj, r->sim_pj)));
            if (o && (json_object_set_new(o, "f32_inputs_as_bf16", json_boolean(it->f32_inputs)) ||
                      (r->refused && json_object_set_new(o, "refused", json_string(r->refused)))))
                json_decref(o), o = NULL;
            ok = o && !json_array_append_new(arr, o);
        }
        json_t *sum = json_pack("{s:i,s:i,s:i,s:i,s:o,s:o,s:f,s:f,s:f,s:f,s:f,s:i,s:s}", "ops", compared, "refused",
                                refused, "not_lowered", l.nskipped, "workloads", l.nentries, "mape_latency",
                                num_or_null(mape_ns), "mape_energy", num_or_null(mape_pj), "predicted_latency_ns",
                                sp_ns, "sim_latency_ns", ss_ns, "predicted_energy_pj", sp_pj, "sim_energy_pj", ss_pj,
                                "sim_wall_s", wall_s, "jobs", (int)jobs, "composition", fuse ? "fused" : "sequential");
        if (!ok || !sum) {
            json_decref(arr), json_decref(sum);
            goto nomem;
        }
        /* each set takes its value, failing or not */
        int bad = json_object_set_new(report, "compare_sim", arr);
        bad |= json_object_set_new(report, "compare_sim_summary", sum);
        if (bad) goto nomem;
        goto out;
    }
    printf("\n  compare-sim: %d ops lowered into %d workloads, simulated timing-only in %.2f s (%ld jobs);\n"
           "  both sides as lpsim run runs the op alone: launch_ns once, energy without the static power\n\n",
           (int)l.nitems, (int)l.nentries, wall_s, jobs);
    printf("  %-9s %-26s %6s %14s %14s %8s %14s %14s %8s  %s\n", "line:col", "op", "repeat", "pred_ns", "sim_ns", "err",
           "pred_pj", "sim_pj", "err", "workload");
    for (int32_t i = 0; i < l.nitems; i++) {
        const cmp_row *r = &rows[i];
        const cm_lowered *it = &l.items[i];
        const cm_op *op = &g->ops[it->op];
        char at[24], name[128] = "";
        snprintf(at, sizeof at, "%d:%d", op->line, op->col);
        FILE *nf = fmemopen(name, sizeof name - 1, "w"); /* the op's name with its control characters escaped */
        if (nf) lp_diag_put_escaped(it->pattern >= 0 ? "attention" : op->name, nf), fclose(nf);
        printf("  %-9s %-26s %6llu %14.1f ", at, name, ULL(it->repeat), r->pred_ns);
        if (r->refused)
            printf("%14s %8s %14.6g %14s %8s  %s", "refused", "", r->pred_pj, "refused", "", it->spec);
        else
            printf("%14.1f %+7.1f%% %14.6g %14.6g %+7.1f%%  %s", r->sim_ns, pct(r->pred_ns, r->sim_ns), r->pred_pj,
                   r->sim_pj, pct(r->pred_pj, r->sim_pj), it->spec);
        puts(it->f32_inputs ? " *" : "");
    }
    if (compared)
        printf("  %-9s %-26s %6s %14.1f %14.1f %+7.1f%% %14.6g %14.6g %+7.1f%%\n", "total", "(simulated ops)", "",
               sp_ns, ss_ns, pct(sp_ns, ss_ns), sp_pj, ss_pj, pct(sp_pj, ss_pj));
    if (f32)
        printf("\n  * f32 inputs simulated as bf16 (the mappings take no f32 inputs); the model costs them as f32\n");
    if (compared)
        printf("\n  MAPE         latency %.1f %%, energy %.1f %% over %d ops\n", mape_ns, mape_pj, compared);
    else
        printf("\n  MAPE         none: no op was simulated\n");
    if (refused) {
        printf("  refused by the simulator: %d op%s\n", refused, refused == 1 ? "" : "s");
        for (int32_t i = 0; i < l.nitems; i++)
            if (rows[i].refused)
                printf("    %d:%d %s: %s\n", g->ops[l.items[i].op].line, g->ops[l.items[i].op].col, l.items[i].spec,
                       rows[i].refused);
    }
    if (l.nskipped) {
        printf("  not lowered: %d\n", (int)l.nskipped);
        for (int32_t i = 0; i < l.nskipped; i++) {
            printf("    %d:%d ", g->ops[l.skipped[i].op].line, g->ops[l.skipped[i].op].col);
            lp_diag_put_escaped(g->ops[l.skipped[i].op].name, stdout);
            fputs(": ", stdout);
            lp_diag_put_escaped(l.skipped[i].reason, stdout);
            putchar('\n');
        }
    }
    goto out;
nomem:
    lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory comparing with the simulation");
    rc = cli_fail(&d);
out:
    free(pred), free(rows), free(row_of), free(seen);
    cm_lowering_free(&l);
    return rc;
}
