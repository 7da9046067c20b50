/*
** cmd_run.c — `lpsim run`: a workload (docs/workloads.md) mapped onto an
** architecture, generated as a program of the tile ISA, simulated through the
** one run path, and reported as `lpsim exec` reports (the same statistics and
** JSON keys) plus the workload's own counts, the mapping, each kernel and each
** operation with what bounds it.
**
** Exit status 0 when the outputs match their reference (or with
** --timing-only), 1 on a mismatch, 2 on bad input or a workload the mapping
** does not take yet.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asm.h"
#include "cli.h"
#include "cmd_run.h"
#include "commands.h"
#include "lp_file.h"
#include "fpga.h"
#include "map_gemm.h"
#include "wl_gen.h"
#include "rdb.h"
#include "run.h"
#include "runs_log.h"
#include "tc.h"

static const cli_opt run_opts[] = {
    {"arch", "ARCH", "architecture: a preset (lpsim arch --list) or a YAML file"},
    {"workload", "SPEC",
     "what to run: a workload YAML file, or the inline form (docs/workloads.md), e.g. 'gemm M=4096 N=4096 K=4096'"},
    {"timing-only", NULL, "skip the values (same cycles, faster); outputs are not checked"},
    {"json", NULL, "print the report as one JSON object"},
    {"emit-asm", "FILE.s", "write the generated program as assembly that `lpsim exec` runs to the same cycles"},
    {"emit-lpt", "FILE.lpt", "write the generated program as a binary program"},
    {"seed", "N", "seed of the random inputs (default 1)"},
    {"cores", "N", "cores to use (default: as many as the work has tiles, up to the chip's)"},
    {"all-cores", NULL, "simulate every core, not one per group of identical cores (the reference; slower)"},
    {"trace", "FILE.csv", "write each simulated instruction's issue, start and end cycle"},
    {"db", "FILE", "log the run to this results database (docs/results.md; created when absent)"},
};
static const cli_cmd run_cmd = {
    "run",
    "--arch ARCH --workload SPEC [--timing-only] [--json] [--emit-asm FILE.s] [--emit-lpt FILE.lpt] [--seed N]",
    "Maps a workload onto the architecture, generates its program of the tile ISA and simulates it.\n"
    "SPEC is a workload in the inline form below, or a YAML file of the same keys (kind: gemm,\n"
    "M: 4096, ...; attention's kind= is phase: in a file). Workloads (every key is listed below;\n"
    "docs/workloads.md says what each means and counts):\n"
    "  gemm M= N= K= [in= | in_a= in_b=] [out=] [layout=nk|kn] [batch=] [dist=]\n"
    "  gemv N= K= [in=] [out=] [dist=]\n"
    "  attention kind=prefill|decode batch= heads= kv_heads= head_dim= seq=|ctx= [causal=] [in= kv= out=]\n"
    "  layer model=M phase=prefill|decode tokens=|ctx= [batch=] [w= a= kv=]\n"
    "  model model=M phase=prefill|decode tokens=|ctx= [batch=] [w= a= kv=]\n"
    "Work is dealt over the chip's cores (docs/multicore.md); one core is simulated per group of\n"
    "cores doing the same work elsewhere (--all-cores simulates each). Functional mode (the\n"
    "default) fills the inputs with seeded random values and checks the outputs against an\n"
    "independent reference (GEMM: the dot model's exact preset; attention, layers, models:\n"
    "float64), exit 1 on a mismatch, and measures the output's error (SQNR, max relative error)\n"
    "against a float64 reference of the unquantised inputs (dist=normal|outliers|uniform: GEMM\n"
    "inputs drawn from a distribution, the same for every unit and format). The report adds to\n"
    "`lpsim exec`'s statistics the workload's own counts (MACs, vector operations, minimum DRAM\n"
    "bytes) and roofline position, each kernel, and each operation with its mapping (tiles,\n"
    "order, split-K, cores, waves) and what bounds it.",
    run_opts,
    CLI_NOPTS(run_opts),
    0,
    0};

static int opt_index(const char *name)
{
    for (int i = 0; i < CLI_NOPTS(run_opts); i++)
        if (!strcmp(run_opts[i].name, name)) return i;
    return -1;
}

/* --workload SPEC: a workload file when SPEC names an existing path or ends in
** .yaml or .yml, else the inline form, its columns those of the command line. */
static lp_status parse_workload(const cli_args *a, const char *spec, wl_spec *s, lp_diag *d)
{
    struct stat sb;
    size_t n = strlen(spec);
    bool file =
        lstat(spec, &sb) == 0 || (n > 5 && !strcmp(spec + n - 5, ".yaml")) || (n > 4 && !strcmp(spec + n - 4, ".yml"));
    if (file) return wl_parse_file(spec, s, d);
    int wi = opt_index("workload");
    return wl_parse_inline(spec, "<command-line>", 1, cli_arg_col(a->argv, a->val_arg[wi]) + a->val_off[wi], s, d);
}

/* What bounds an operation: its MACs at the peak of the cores it ran on, or its
** DRAM bytes at the chip's bandwidth, whichever takes longer. The peak is the
** matrix unit's rate for the format as the GEMM mapping sees it (a tensor
** core, an ideal unit, an fpga datapath's grid: wl_matrix_tc). */
static const char *bound(const arch_cfg *a, const char *fmt, uint64_t macs, uint64_t dram_bytes, double *compute_ns,
                         double *memory_ns)
{
    tc_cfg view;
    const tc_cfg *tc = wl_matrix_tc(a, &view);
    double peak = 0;
    const tc_rate *r = tc ? tc_rate_of(tc->formats, tc->formats_count, fmt) : NULL;
    if (r) peak = r->macs_per_cycle * a->clock_ghz * (double)a->cores; /* MACs per ns */
    *compute_ns = peak > 0 ? (double)macs / peak : 0;
    *memory_ns = (double)dram_bytes / a->dram.bw_gbps;
    return *compute_ns >= *memory_ns ? "compute" : "memory";
}

/* The workload's canonical inline form (wl_print) into buf of n bytes, cut
** to fit ("" when it cannot be written). */
static void spec_text(const wl_spec *s, char *buf, size_t n)
{
    memset(buf, 0, n);
    FILE *mem = fmemopen(buf, n - 1, "w");
    if (mem) {
        wl_print(s, mem);
        fclose(mem);
    }
}

typedef struct report {
    const wl_spec *s;
    char spec[512];
    const wl_counts *c;
    const wl_plan *plan;
    const lp_run *r;
    bool timing_only;
} report;

/* An operation's figures: its kernels' statistics summed, times its repeat. */
typedef struct op_figures {
    uint64_t cycles, macs, dram_bytes, l2_bytes;
    double energy_pj, latency_ns, compute_ns, memory_ns;
    const char *bound;
} op_figures;

static void op_figures_of(const report *rp, const wl_op *op, op_figures *f)
{
    const lp_run *r = rp->r;
    memset(f, 0, sizeof *f);
    for (uint32_t k = op->first_kernel; k < op->first_kernel + op->nkernels && k < r->nkernels; k++) {
        const lp_kernel_stats *x = &r->kernels[k];
        f->cycles += x->cycles, f->macs += x->macs, f->dram_bytes += x->dram_bytes, f->l2_bytes += x->l2_bytes;
        f->energy_pj += x->energy_pj, f->latency_ns += x->latency_ns;
    }
    f->cycles *= op->repeat, f->macs *= op->repeat, f->dram_bytes *= op->repeat, f->l2_bytes *= op->repeat;
    f->energy_pj *= (double)op->repeat, f->latency_ns *= (double)op->repeat;
    f->bound = bound(r->arch, op->fmt, f->macs, f->dram_bytes, &f->compute_ns, &f->memory_ns);
}

static json_t *json_counts(const wl_counts *c)
{
    json_t *o = json_object(), *pairs = json_array();
    for (int i = 0; o && pairs && i < c->n_pairs; i++) {
        json_t *p = json_pack("{s:s, s:s, s:I}", "a", c->pair[i].a.name, "b", c->pair[i].b.name, "macs",
                              (json_int_t)c->pair[i].macs);
        if (!p || json_array_append_new(pairs, p)) return json_decref(o), json_decref(pairs), NULL;
    }
    if (!o || !pairs || json_object_set_new(o, "macs", json_integer((json_int_t)c->macs)) ||
        json_object_set_new(o, "macs_by_pair", pairs) ||
        json_object_set_new(o, "vec_ops", json_integer((json_int_t)c->vec_ops)) ||
        json_object_set_new(o, "min_dram_bytes", json_integer((json_int_t)c->bytes))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *roofline(const report *rp, double *intensity, double *ridge);

static json_t *json_roof(const report *rp)
{
    double in, ridge;
    const char *b = roofline(rp, &in, &ridge);
    return json_pack("{s:f, s:f, s:s}", "macs_per_byte", in, "ridge_macs_per_byte", ridge, "bound", b);
}

static json_t *json_mapping(const wl_op *op)
{
    json_t *o = json_object();
    for (int i = 0; o && i < op->nkv; i++) {
        const wl_kv *k = &op->kv[i];
        if (json_object_set_new(o, k->key, k->str[0] ? json_string(k->str) : json_integer((json_int_t)k->num)))
            return json_decref(o), NULL;
    }
    return o;
}

static json_t *json_kernels(const report *rp)
{
    const lp_run *r = rp->r;
    isa_layout lay;
    isa_prog_layout(&r->prog, &lay);
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < lay.nkernels && k < r->nkernels; k++) {
        const lp_kernel_stats *x = &r->kernels[k];
        json_t *o =
            json_pack("{s:s, s:b, s:i, s:i, s:I, s:I, s:f, s:I, s:I, s:I, s:f, s:f, s:f}", "name", lay.kernels[k].name,
                      "ran", x->ran, "cores", (int)x->cores, "simulated", (int)x->simulated, "start_cycle",
                      (json_int_t)x->start_cycle, "cycles", (json_int_t)x->cycles, "energy_pj", x->energy_pj, "macs",
                      (json_int_t)x->macs, "dram_bytes", (json_int_t)x->dram_bytes, "l2_bytes", (json_int_t)x->l2_bytes,
                      "dram_fraction", x->dram_fraction, "clock_ghz", x->clock_ghz, "latency_ns", x->latency_ns);
        if (!o || json_array_append_new(arr, o)) return json_decref(arr), NULL;
    }
    return arr;
}

static json_t *json_ops(const report *rp)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < rp->plan->nops; i++) {
        const wl_op *op = &rp->plan->op[i];
        op_figures f;
        op_figures_of(rp, op, &f);
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:I, s:I, s:s, s:f, s:f, s:o}", "op", op->name,
                              "kind", op->kind, "shape", op->shape, "repeat", (json_int_t)op->repeat, "cycles",
                              (json_int_t)f.cycles, "latency_ns", f.latency_ns, "energy_pj", f.energy_pj, "macs",
                              (json_int_t)f.macs, "dram_bytes", (json_int_t)f.dram_bytes, "bound", f.bound,
                              "compute_ns", f.compute_ns, "memory_ns", f.memory_ns, "mapping", json_mapping(op));
        if (!o || json_array_append_new(arr, o)) return json_decref(arr), NULL;
    }
    return arr;
}

/* The workload's roofline position: its minimum DRAM bytes against its MACs
** (wl_count, independent of the mapping), and the chip's ridge for the MAC
** format of its first operation that has one. */
static const char *roofline(const report *rp, double *intensity, double *ridge)
{
    const char *fmt = "";
    for (int i = 0; i < rp->plan->nops && !fmt[0]; i++) fmt = rp->plan->op[i].fmt;
    double cns, mns;
    const char *b = bound(rp->r->arch, fmt, rp->c->macs, rp->c->bytes, &cns, &mns);
    *intensity = rp->c->bytes ? (double)rp->c->macs / (double)rp->c->bytes : 0;
    *ridge = cns > 0 && rp->c->macs ? (double)rp->c->macs / cns / rp->r->arch->dram.bw_gbps : 0;
    return b;
}

/* A figure of the error report: a number, or null when undefined (NaN). */
static json_t *json_figure(double v) { return isnan(v) ? json_null() : json_real(v); }

json_t *cmd_run_error_json(const lp_run *r, const char *dist)
{
    if (!r->has_err) return json_null();
    const qerr *e = &r->err;
    return json_pack("{s:o, s:o, s:o, s:s, s:b, s:I, s:s}", "sqnr_db", json_figure(e->sqnr_db), "max_rel_err",
                     json_figure(e->max_rel_err), "dist", dist ? json_string(dist) : json_null(), "reference",
                     CMD_RUN_REFERENCE, "exact", e->exact, "nonfinite", (json_int_t)e->nonfinite, "output",
                     r->prog.bufs[r->prog.ref_buf].name);
}

void cmd_run_error_print(const lp_run *r, const char *dist, FILE *f)
{
    if (!r->has_err) return;
    const qerr *e = &r->err;
    const char *out = r->prog.bufs[r->prog.ref_buf].name;
    fputs("  error           ", f);
    if (e->nonfinite)
        fprintf(f, "no SQNR: %zu of %zu outputs of %s are not finite", e->nonfinite, e->n, out);
    else if (isnan(e->sqnr_db))
        fprintf(f, "no SQNR: the reference of %s is zero, its output is not", out);
    else if (e->exact)
        fprintf(f, "none: %s equals its reference, SQNR reported as %g dB", out, e->sqnr_db);
    else
        fprintf(f, "SQNR %.2f dB, max relative error %.3g in %s", e->sqnr_db, e->max_rel_err, out);
    fprintf(f, " (against the %s%s%s)\n", CMD_RUN_REFERENCE, dist ? ", dist=" : "", dist ? dist : "");
}

/* The JSON report (new reference; NULL out of memory). */
/* The fpga matrix unit's design (docs/fpga.md; `lpsim fpga-cost` has it
** all), or null for other unit kinds. */
static json_t *json_fpga(const arch_cfg *a)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    if (!u || u->kind != UNIT_KIND_FPGA) return json_null();
    const fpga_design *x = &((const fpga_cfg *)u->cfg)->x;
    return json_pack("{s:I, s:I, s:I, s:f, s:s}", "luts", (json_int_t)x->luts, "ffs", (json_int_t)x->ffs, "dsps",
                     (json_int_t)x->dsps, "fmax_mhz", x->fmax_mhz, "critical_stage", x->critical ? x->critical : "");
}

static json_t *report_json(const report *rp)
{
    const lp_run *r = rp->r;
    json_t *o = json_object(), *stats = lp_stats_json(&r->stats);
    int ok =
        o && stats && !json_object_set_new(o, "workload", json_string(rp->spec)) &&
        !json_object_set_new(o, "arch", json_string(r->arch->name)) &&
        !json_object_set_new(o, "mode", json_string(rp->timing_only ? "timing-only" : "functional")) &&
        !json_object_update(o, stats) &&
        !json_object_set_new(o, "expectations", json_integer((json_int_t)r->expectations)) &&
        !json_object_set_new(o, "failed", json_integer(r->failed)) &&
        !json_object_set_new(o, "counts", json_counts(rp->c)) && !json_object_set_new(o, "roofline", json_roof(rp)) &&
        !json_object_set_new(o, "error", cmd_run_error_json(r, wl_dist_name(rp->s->dist))) &&
        !json_object_set_new(o, "fpga", json_fpga(r->arch)) && !json_object_set_new(o, "kernels", json_kernels(rp)) &&
        !json_object_set_new(o, "operations", json_ops(rp)) &&
        (!rp->plan->note[0] || !json_object_set_new(o, "note", json_string(rp->plan->note)));
    json_decref(stats);
    if (!ok) json_decref(o);
    return ok ? o : NULL;
}

static int print_json(json_t *o)
{
    int ok = o && !json_dumpf(o, stdout, 0);
    putchar('\n');
    return ok ? 0 : -1;
}

static void print_text(const report *rp)
{
    const lp_run *r = rp->r;
    fputs("lpsim run: ", stdout);
    fputs(rp->spec, stdout);
    fputs(" on ", stdout);
    lp_diag_put_escaped(r->arch->name, stdout);
    printf(" (%s)\n\n", rp->timing_only ? "timing only" : "functional and timing");
    printf("  workload        %llu MACs, %llu vector operations, at least %llu DRAM bytes\n",
           (unsigned long long)rp->c->macs, (unsigned long long)rp->c->vec_ops, (unsigned long long)rp->c->bytes);
    double in, ridge;
    const char *rb = roofline(rp, &in, &ridge);
    printf("  roofline        %.4g MACs per DRAM byte at least, the chip's ridge %.4g: %s-bound at best\n", in, ridge,
           rb);
    if (rp->plan->note[0]) printf("  note            %s\n", rp->plan->note);
    lp_stats_print(&r->stats, stdout);
    if (rp->timing_only)
        printf("  outputs         not computed (--timing-only)\n");
    else
        printf("  outputs         %zu expectation%s: %s\n", r->expectations, r->expectations == 1 ? "" : "s",
               r->failed ? "MISMATCH (see above)" : "all match");
    cmd_run_error_print(r, wl_dist_name(rp->s->dist), stdout);
    printf("\n  %-12s %-10s %-28s %12s %14s %-8s  mapping\n", "operation", "kind", "shape", "cycles", "energy_pj",
           "bound");
    for (int i = 0; i < rp->plan->nops; i++) {
        const wl_op *op = &rp->plan->op[i];
        op_figures f;
        op_figures_of(rp, op, &f);
        printf("  %-12s %-10s %-28s %12llu %14.6g %-8s ", op->name, op->kind, op->shape, (unsigned long long)f.cycles,
               f.energy_pj, f.bound);
        for (int k = 0; k < op->nkv; k++) {
            if (op->kv[k].str[0])
                printf(" %s=%s", op->kv[k].key, op->kv[k].str);
            else
                printf(" %s=%llu", op->kv[k].key, (unsigned long long)op->kv[k].num);
        }
        if (op->repeat > 1) printf(" (x%llu)", (unsigned long long)op->repeat);
        if (!op->repeat) printf(" (before the run: not counted)");
        putchar('\n');
    }
    if (r->nkernels == 1 && r->kernels[0].cores > r->kernels[0].simulated)
        printf("\n  %u cores at work, %u simulated: each of the others repeats one of them exactly\n",
               r->kernels[0].cores, r->kernels[0].simulated);
}

/* A model simulates one layer for all: each kernel of an operation that
** repeats adds its cycles, energy, MACs and DRAM and L2 bytes (repeat - 1)
** more times to the totals; an operation of repeat 0 (set-up the workload
** assumes done, as resident PIM weights) takes its kernels' out. The MACs'
** utilisation follows (one MAC format per model). Other statistics stay those
** of the simulated program (the note says so). */
static void scale_stats(lp_run *r, const wl_plan *plan)
{
    lp_stats *st = &r->stats;
    uint64_t cycles0 = st->cycles, macs0 = st->macs;
    double ns = st->latency_ns, busy = (double)st->cycles / st->clock_ghz;
    for (int i = 0; i < plan->nops; i++) {
        const wl_op *op = &plan->op[i];
        /* more times each kernel counts: unsigned arithmetic wraps, so repeat 0 (more = -1) subtracts */
        uint64_t more = op->repeat - 1;
        double fm = (double)op->repeat - 1;
        for (uint32_t k = op->first_kernel; more && k < op->first_kernel + op->nkernels && k < r->nkernels; k++) {
            const lp_kernel_stats *x = &r->kernels[k];
            st->cycles += more * x->cycles, st->macs += more * x->macs, st->energy_pj += fm * x->energy_pj;
            if (x->clock_ghz > 0) { /* each repeat follows another kernel, unless it is more of the same; a
                                    ** first kernel taken out leaves its launch to the next in place of a gap */
                ns += fm * ((double)x->cycles / x->clock_ghz + (op->slice ? 0 : r->arch->kernel_gap_ns));
                busy += fm * (double)x->cycles / x->clock_ghz;
            }
            st->bytes[MEM_DRAM] += more * x->dram_bytes, st->bytes[STATS_LEVEL_L2] += more * x->l2_bytes;
        }
    }
    if (macs0)
        for (int f = 0; f < st->nformats; f++)
            st->macs_by_format[f] = (uint64_t)((double)st->macs_by_format[f] * ((double)st->macs / (double)macs0));
    if (st->cycles && macs0)
        st->utilization *= ((double)st->macs / (double)macs0) * ((double)cycles0 / (double)st->cycles);
    lp_stats_set_time(st, r->arch, ns, busy);
}

/* The statistics of a finished run as `lpsim run` reports them: scaled when
** an operation repeats. */
static void finish_stats(lp_run *r, const wl_plan *plan)
{
    bool scaled = false;
    for (int i = 0; i < plan->nops; i++) scaled = scaled || plan->op[i].repeat != 1;
    if (scaled) scale_stats(r, plan);
}

lp_status cmd_run_predict(const char *arch, const char *spec, lp_run_pred *out, lp_diag *d)
{
    wl_spec s;
    wl_plan plan;
    lp_run r;
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    isa_prog_init(&r.prog);
    lp_status st = wl_parse_inline(spec, "<workload>", 1, 1, &s, d);
    if (st || (st = arch_load(arch, &r.arch, d))) goto free_run;
    wl_gen_opts go = {1, false, false}; /* seed 1 as `lpsim run`'s default; timing only: no values */
    isa_prog_free(&r.prog);
    if ((st = wl_generate(&s, r.arch, &go, &r.prog, &plan, d))) goto free_run;
    lp_run_opts o = {true, NULL, NULL, NULL, 8, false};
    if ((st = lp_run_program(&r, "<workload>", &o, d))) goto free_run;
    finish_stats(&r, &plan);
    out->latency_ns = r.stats.latency_ns;
    out->clock_ghz = r.stats.clock_ghz;
    out->power_w = r.stats.power_w;
    out->busy_ns = r.stats.clock_ghz > 0 ? (double)r.stats.cycles / r.stats.clock_ghz : 0;
    out->energy_pj = r.stats.energy_pj;
    out->macs = (double)r.stats.macs;
    out->kernels = (int)r.nkernels;
    for (int u = 0; u < r.arch->nunits; u++)
        if (unit_kind_get(r.arch->units[u].kind)->cls == UNIT_CLASS_MATRIX)
            out->matrix_energy_pj += r.stats.energy_breakdown[u];
free_run:
    lp_run_free(&r);
    return st;
}

lp_status cmd_run_report(arch_cfg *arch, const wl_spec *spec, uint64_t seed, bool timing_only, json_t **out, lp_diag *d)
{
    wl_spec s = *spec;
    wl_plan plan;
    lp_run r;
    *out = NULL;
    memset(&r, 0, sizeof r);
    isa_prog_init(&r.prog);
    r.arch = arch;
    wl_gen_opts go = {seed, !timing_only, false};
    isa_prog_free(&r.prog);
    lp_status st = wl_generate(&s, r.arch, &go, &r.prog, &plan, d);
    if (st) goto free_run;
    lp_run_opts o = {timing_only, NULL, NULL, NULL, 8, false};
    if ((st = lp_run_program(&r, "<workload>", &o, d))) goto free_run;
    finish_stats(&r, &plan);
    wl_counts c;
    wl_count(&s, &c);
    report rp = {&s, "", &c, &plan, &r, timing_only};
    spec_text(&s, rp.spec, sizeof rp.spec);
    if (!(*out = report_json(&rp))) st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
free_run:
    lp_run_free(&r);
    return st;
}

/* Log a run that did not finish: its canonical spec and the error. */
static void log_failure(rdb *db, int argc, char **argv, const lp_run *r, const wl_spec *s, uint64_t seed,
                        bool timing_only, const char *why, double t0)
{
    char spec[512];
    spec_text(s, spec, sizeof spec);
    lp_diag d;
    if (runs_log_one(db, argc, argv, r->arch, wl_kind_name(s->kind), spec, seed, timing_only, NULL, why,
                     runs_now_s() - t0, &d))
        fprintf(stderr, "lpsim run: the failure could not be logged: %s\n", d.msg);
}

/* Write the program to path as assembly. */
static lp_status emit_asm(const isa_prog *p, const char *path, lp_diag *d)
{
    lp_out o = {0};
    lp_status st = lp_out_open(&o, path, d);
    if (st) return st;
    asm_disassemble(p, o.f);
    return lp_out_commit(&o, d);
}

int cmd_run(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&run_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&run_cmd, stdout);
        printf("\nworkload keys (KEY=VALUE, any order; =KEY: that key's value):\n");
        wl_print_keys(stdout);
        return 0;
    }
    const char *av = cli_get(&run_cmd, &a, "arch"), *wv = cli_get(&run_cmd, &a, "workload");
    if (!av || !wv) {
        cli_value_error(&run_cmd, &a, NULL, -1, &d, "'lpsim run' needs --arch ARCH and --workload SPEC");
        return cli_fail(&d);
    }
    uint64_t seed, cores;
    if (cli_get_u64(&run_cmd, &a, "seed", 1, &seed, &d) || cli_get_u64(&run_cmd, &a, "cores", 0, &cores, &d))
        return cli_fail(&d);
    if (cores > 65536) {
        cli_value_error(&run_cmd, &a, "cores", 0, &d, "--cores takes 0 to 65536, not %llu", (unsigned long long)cores);
        return cli_fail(&d);
    }
    bool timing_only = cli_get(&run_cmd, &a, "timing-only") != NULL, json = cli_get(&run_cmd, &a, "json") != NULL;
    wl_spec s;
    if (parse_workload(&a, wv, &s, &d))
        return d.line > 0 ? cli_fail(&d) : cli_fail_arg(&run_cmd, &a, "workload", 0, &d);
    double t0 = runs_now_s();
    rdb *db = NULL;
    const char *dbv = cli_get(&run_cmd, &a, "db");
    if (dbv && rdb_open(dbv, RDB_WRITE, &db, &d)) return cli_fail_arg(&run_cmd, &a, "db", -1, &d);
    lp_run r;
    memset(&r, 0, sizeof r);
    isa_prog_init(&r.prog);
    int rc = 2;
    json_t *rep = NULL;
    lp_status st = arch_load(av, &r.arch, &d);
    if (st) {
        rc = d.line > 0 ? cli_fail(&d) : cli_fail_arg(&run_cmd, &a, "arch", 0, &d);
        goto free_run;
    }
    if (cores) s.cores = cores; /* --cores overrides the spec's cores= */
    wl_plan plan;
    wl_gen_opts go = {seed, !timing_only, false};
    isa_prog_free(&r.prog);
    if (wl_generate(&s, r.arch, &go, &r.prog, &plan, &d)) {
        char why[LP_DIAG_MSG_MAX];
        snprintf(why, sizeof why, "%s", d.msg);
        if (db) log_failure(db, argc, argv, &r, &s, seed, timing_only, why, t0);
        cli_value_error(&run_cmd, &a, "workload", 0, &d, "%s", why);
        rc = cli_fail(&d);
        goto free_run;
    }
    const char *ea = cli_get(&run_cmd, &a, "emit-asm"), *el = cli_get(&run_cmd, &a, "emit-lpt");
    if (ea && emit_asm(&r.prog, ea, &d)) {
        rc = cli_fail_arg(&run_cmd, &a, "emit-asm", -1, &d);
        goto free_run;
    }
    if (el && isa_prog_write(&r.prog, el, &d)) {
        rc = cli_fail_arg(&run_cmd, &a, "emit-lpt", -1, &d);
        goto free_run;
    }
    const char *tv = cli_get(&run_cmd, &a, "trace");
    lp_out trace = {0};
    if (tv && lp_out_open(&trace, tv, &d)) {
        rc = cli_fail_arg(&run_cmd, &a, "trace", -1, &d);
        goto free_run;
    }
    lp_run_opts o = {timing_only, trace.f, json ? stderr : stdout,
                     stderr,      8,       cli_get(&run_cmd, &a, "all-cores") != NULL};
    if ((st = lp_run_program(&r, "<workload>", &o, &d))) {
        lp_out_discard(&trace);
        if (db) log_failure(db, argc, argv, &r, &s, seed, timing_only, d.msg, t0);
        rc = cli_fail(&d);
        goto free_run;
    }
    if (tv && lp_out_commit(&trace, &d)) {
        rc = cli_fail_arg(&run_cmd, &a, "trace", -1, &d);
        goto free_run;
    }
    finish_stats(&r, &plan);
    wl_counts c;
    wl_count(&s, &c);
    report rp = {&s, "", &c, &plan, &r, timing_only};
    spec_text(&s, rp.spec, sizeof rp.spec);
    rep = json || db ? report_json(&rp) : NULL;
    if (db && (!rep || runs_log_one(db, argc, argv, r.arch, wl_kind_name(s.kind), rp.spec, seed, timing_only, rep, NULL,
                                    runs_now_s() - t0, &d))) {
        if (!rep) lp_diag_msg(&d, LP_ERR_NOMEM, "out of memory");
        rc = cli_fail_arg(&run_cmd, &a, "db", -1, &d);
        goto free_run;
    }
    if (json ? print_json(rep) : (print_text(&rp), 0)) {
        lp_diag_init(&d, "<stdout>");
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write the JSON report (out of memory?)");
        cli_fail(&d);
    } else {
        rc = r.failed ? 1 : 0;
    }
free_run:
    json_decref(rep);
    lp_run_free(&r);
    rdb_close(db);
    return rc;
}
