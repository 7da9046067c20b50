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
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cli.h"
#include "commands.h"
#include "lp_file.h"
#include "map_gemm.h"
#include "run.h"
#include "tc.h"

static const cli_opt run_opts[] = {
    {"arch", "ARCH", "architecture: a preset (lpsim arch --list) or a YAML file"},
    {"workload", "SPEC", "what to run, in the inline form (docs/workloads.md), e.g. 'gemm M=4096 N=4096 K=4096'"},
    {"timing-only", NULL, "skip the values (same cycles, faster); outputs are not checked"},
    {"json", NULL, "print the report as one JSON object"},
    {"emit-asm", "FILE.s", "write the generated program as assembly that `lpsim exec` runs to the same cycles"},
    {"emit-lpt", "FILE.lpt", "write the generated program as a binary program"},
    {"seed", "N", "seed of the random inputs (default 1)"},
    {"cores", "N", "cores to use (default: as many as the work has tiles, up to the chip's)"},
    {"all-cores", NULL, "simulate every core, not one per group of identical cores (the reference; slower)"},
    {"trace", "FILE.csv", "write each simulated instruction's issue, start and end cycle"},
};
static const cli_cmd run_cmd = {
    "run",
    "--arch ARCH --workload SPEC [--timing-only] [--json] [--emit-asm FILE.s] [--emit-lpt FILE.lpt] [--seed N]",
    "Maps a workload onto the architecture, generates its program of the tile ISA and simulates it.\n"
    "Workloads (docs/workloads.md lists every key, its range and default):\n"
    "  gemm M= N= K= [in= | in_a= in_b=] [out=] [layout=nk|kn] [batch=]\n"
    "  gemv N= K= [in=] [out=]\n"
    "  attention kind=prefill|decode batch= heads= kv_heads= head_dim= seq=|ctx= [causal=] [in= kv= out=]\n"
    "  layer model=M phase=prefill|decode tokens=|ctx= [batch=] [w= a= kv=]\n"
    "  model model=M phase=prefill|decode tokens=|ctx= [batch=] [w= a= kv=]\n"
    "Models: llama-3-8b, llama-2-7b, gpt2, tiny. Mapped and simulated today: gemm and gemv\n"
    "(bf16 or fp8_e4m3fn inputs, or mxfp8_e4m3 for both; fp32 or bf16 out; batch=1), on one core\n"
    "or dealt over the chip's cores; the others are parsed and counted, and refused with a message.\n"
    "Functional mode (the default) fills the inputs with seeded random values and checks the\n"
    "outputs against the dot model's exact reference. The report adds to `lpsim exec`'s\n"
    "statistics the workload's own counts (MACs, vector operations, minimum DRAM bytes), the\n"
    "mapping (tiles, loop order, cores, waves), each kernel, and each operation's bound.",
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

/* What bounds an operation: its MACs at the peak of the cores it ran on, or its
** DRAM bytes at the chip's bandwidth, whichever takes longer. */
static const char *bound(const arch_cfg *a, const char *fmt, uint64_t macs, uint64_t dram_bytes, double *compute_ns,
                         double *memory_ns)
{
    const arch_unit *u = arch_unit_of_class(a, UNIT_CLASS_MATRIX);
    double peak = 0;
    if (u && u->kind == UNIT_KIND_TC) {
        const tc_cfg *tc = u->cfg;
        const tc_rate *r = tc_rate_of(tc->formats, tc->formats_count, fmt);
        if (r) peak = r->macs_per_cycle * a->clock_ghz * (double)a->cores; /* MACs per ns */
    }
    *compute_ns = peak > 0 ? (double)macs / peak : 0;
    *memory_ns = (double)dram_bytes / a->dram.bw_gbps;
    return *compute_ns >= *memory_ns ? "compute" : "memory";
}

typedef struct report {
    const wl_spec *s;
    char spec[512];
    const wl_counts *c;
    const wl_gemm_map *m;
    const lp_run *r;
    bool timing_only;
} report;

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

static json_t *json_mapping(const wl_gemm_map *m)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I}", "tm", (json_int_t)m->tm, "tn", (json_int_t)m->tn, "tk",
                     (json_int_t)m->tk, "order", m->order == WL_ORDER_MN ? "mn" : "nm", "cores", (json_int_t)m->cores,
                     "tiles", (json_int_t)m->tiles, "waves", (json_int_t)m->waves, "traffic_bytes_per_core_model",
                     (json_int_t)m->traffic_bytes);
}

static json_t *json_kernels(const report *rp)
{
    const lp_run *r = rp->r;
    const isa_kernel *ks;
    const isa_section *ss;
    size_t nk, ns;
    isa_kernel k1;
    isa_section s1;
    isa_prog_layout(&r->prog, &ks, &nk, &ss, &ns, &k1, &s1);
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < nk && k < r->nkernels; k++) {
        const lp_kernel_stats *x = &r->kernels[k];
        json_t *o = json_pack("{s:s, s:b, s:i, s:i, s:I, s:I, s:f, s:I, s:I, s:I, s:f}", "name", ks[k].name, "ran",
                              x->ran, "cores", (int)x->cores, "simulated", (int)x->simulated, "start_cycle",
                              (json_int_t)x->start_cycle, "cycles", (json_int_t)x->cycles, "energy_pj", x->energy_pj,
                              "macs", (json_int_t)x->macs, "dram_bytes", (json_int_t)x->dram_bytes, "l2_bytes",
                              (json_int_t)x->l2_bytes, "dram_fraction", x->dram_fraction);
        if (!o || json_array_append_new(arr, o)) return json_decref(arr), NULL;
    }
    return arr;
}

/* One operation per kernel name, in order of first appearance (a GEMM is one). */
static json_t *json_ops(const report *rp)
{
    const lp_run *r = rp->r;
    double cns, mns;
    const char *b = bound(r->arch, rp->m->fa.name, r->stats.macs, r->stats.bytes[MEM_DRAM], &cns, &mns);
    char shape[96];
    snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)rp->m->m, (unsigned long long)rp->m->n,
             (unsigned long long)rp->m->k);
    json_t *arr = json_array(),
           *o = json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:s, s:f, s:f}", "op", "gemm", "kind",
                          wl_kind_name(rp->s->kind), "shape", shape, "cycles", (json_int_t)r->stats.cycles,
                          "latency_ns", r->stats.latency_ns, "energy_pj", r->stats.energy_pj, "bound", b, "compute_ns",
                          cns, "memory_ns", mns);
    if (!arr || !o || json_array_append_new(arr, o)) return json_decref(arr), NULL;
    return arr;
}

static int print_json(const report *rp)
{
    const lp_run *r = rp->r;
    json_t *o = json_object(), *stats = lp_stats_json(&r->stats);
    int ok = o && stats && !json_object_set_new(o, "workload", json_string(rp->spec)) &&
             !json_object_set_new(o, "arch", json_string(r->arch->name)) &&
             !json_object_set_new(o, "mode", json_string(rp->timing_only ? "timing-only" : "functional")) &&
             !json_object_update(o, stats) &&
             !json_object_set_new(o, "expectations", json_integer((json_int_t)r->expectations)) &&
             !json_object_set_new(o, "failed", json_integer(r->failed)) &&
             !json_object_set_new(o, "counts", json_counts(rp->c)) &&
             !json_object_set_new(o, "mapping", json_mapping(rp->m)) &&
             !json_object_set_new(o, "kernels", json_kernels(rp)) &&
             !json_object_set_new(o, "operations", json_ops(rp)) && !json_dumpf(o, stdout, 0);
    putchar('\n');
    json_decref(o), json_decref(stats);
    return ok ? 0 : -1;
}

static void print_text(const report *rp)
{
    const lp_run *r = rp->r;
    const wl_gemm_map *m = rp->m;
    fputs("lpsim run: ", stdout);
    fputs(rp->spec, stdout);
    fputs(" on ", stdout);
    lp_diag_put_escaped(r->arch->name, stdout);
    printf(" (%s)\n\n", rp->timing_only ? "timing only" : "functional and timing");
    printf("  workload        %llu MACs, %llu vector operations, at least %llu DRAM bytes\n",
           (unsigned long long)rp->c->macs, (unsigned long long)rp->c->vec_ops, (unsigned long long)rp->c->bytes);
    printf("  mapping         tiles %u x %u x %u, order %s, %llu C tiles on %u core%s (%llu wave%s)\n", m->tm, m->tn,
           m->tk, m->order == WL_ORDER_MN ? "mn" : "nm", (unsigned long long)m->tiles, m->cores,
           m->cores == 1 ? "" : "s", (unsigned long long)m->waves, m->waves == 1 ? "" : "s");
    lp_stats_print(&r->stats, stdout);
    double cns, mns;
    const char *b = bound(r->arch, m->fa.name, r->stats.macs, r->stats.bytes[MEM_DRAM], &cns, &mns);
    printf("  bound           %s (MACs at peak %.6g ns, DRAM bytes at full bandwidth %.6g ns)\n", b, cns, mns);
    if (r->nkernels && r->kernels[0].cores > r->kernels[0].simulated)
        printf("  cores           %u at work, %u simulated (each of the others repeats one of them exactly)\n",
               r->kernels[0].cores, r->kernels[0].simulated);
    if (rp->timing_only)
        printf("  outputs         not computed (--timing-only)\n");
    else
        printf("  outputs         %zu expectation%s: %s\n", r->expectations, r->expectations == 1 ? "" : "s",
               r->failed ? "MISMATCH (see above)" : "all match");
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
    bool timing_only = cli_get(&run_cmd, &a, "timing-only") != NULL, json = cli_get(&run_cmd, &a, "json") != NULL;
    int wi = opt_index("workload");
    wl_spec s;
    if (wl_parse_inline(wv, "<command-line>", 1, cli_arg_col(a.argv, a.val_arg[wi]) + a.val_off[wi], &s, &d))
        return cli_fail(&d);
    lp_run r;
    memset(&r, 0, sizeof r);
    isa_prog_init(&r.prog);
    int rc = 2;
    lp_status st = arch_load(av, &r.arch, &d);
    if (st) {
        rc = d.line > 0 ? cli_fail(&d) : cli_fail_arg(&run_cmd, &a, "arch", 0, &d);
        goto free_run;
    }
    wl_gemm_map m;
    wl_gemm_over over = {0, 0, 0, WL_GEMM_ORDER_AUTO, (uint32_t)(cores > UINT32_MAX ? UINT32_MAX : cores)};
    if (s.kind != WL_GEMM && s.kind != WL_GEMV) {
        cli_value_error(&run_cmd, &a, "workload", 0, &d,
                        "lpsim run maps gemm and gemv so far; %s is parsed and counted but not mapped yet",
                        wl_kind_name(s.kind));
        rc = cli_fail(&d);
        goto free_run;
    }
    if (wl_map_gemm_over(&s, r.arch, &over, &m, &d) || wl_gen_gemm(&s, r.arch, &m, seed, !timing_only, &r.prog, &d)) {
        char why[LP_DIAG_MSG_MAX];
        snprintf(why, sizeof why, "%s", d.msg);
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
        rc = cli_fail(&d);
        goto free_run;
    }
    if (tv && lp_out_commit(&trace, &d)) {
        rc = cli_fail_arg(&run_cmd, &a, "trace", -1, &d);
        goto free_run;
    }
    wl_counts c;
    wl_count(&s, &c);
    report rp = {&s, "", &c, &m, &r, timing_only};
    FILE *mem = fmemopen(rp.spec, sizeof rp.spec - 1, "w");
    if (mem) {
        wl_print(&s, mem);
        fclose(mem);
    }
    if (json ? print_json(&rp) : (print_text(&rp), 0)) {
        lp_diag_init(&d, "<stdout>");
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write the JSON report (out of memory?)");
        cli_fail(&d);
    } else {
        rc = r.failed ? 1 : 0;
    }
free_run:
    lp_run_free(&r);
    return rc;
}
