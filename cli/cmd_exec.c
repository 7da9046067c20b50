/*
** cmd_exec.c — `lpsim exec`: run a kernel on an architecture in the SystemC
** system, print the statistics, and check the kernel's expected outputs.
** Exit status 0 when every expectation matches (or with --timing-only), 1 on
** a mismatch, 2 on bad input.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cli.h"
#include "commands.h"
#include "lp_file.h"
#include "system.h"

static const cli_opt exec_opts[] = {
    {"arch", "ARCH", "architecture: a preset (lpsim arch --list) or a YAML file"},
    {"timing-only", NULL, "skip the values (same cycles, faster); expected outputs are not checked"},
    {"trace", "FILE.csv", "write each instruction's issue, start and end cycle"},
    {"json", NULL, "print the statistics as one JSON object"},
};
static const cli_cmd exec_cmd = {"exec",
                                 "--arch ARCH KERNEL.s|KERNEL.lpt [--timing-only] [--trace FILE.csv] [--json]",
                                 "Runs a kernel on the simulated accelerator: cycles, energy, traffic, unit busy time\n"
                                 "and stalls; in functional mode also the values, bit-exactly, checked against the\n"
                                 "kernel's .expect outputs (mismatches list element, expected, got and ULP distance).",
                                 exec_opts,
                                 CLI_NOPTS(exec_opts),
                                 0,
                                 1};

static lp_status load_kernel(const char *path, const arch_cfg *a, isa_prog *p, lp_diag *d)
{
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".lpt")) return isa_prog_read(path, p, d);
    lp_diag why;
    char *src;
    size_t len;
    lp_diag_init(d, path);
    if (lp_read_file(path, UINT64_C(1) << 32, &src, &len, &why))
        return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot read: %s", why.msg);
    asm_opts o = {path, 20, false, a->spm.size_bytes, a->acc.size_bytes, 0};
    asm_diags dg = {0};
    lp_status st = asm_assemble(src, len, &o, p, &dg);
    free(src);
    if (st) {
        if (dg.n > 1) { /* print all but the last; the caller prints that one */
            asm_diags one = dg;
            one.n--;
            one.truncated = false;
            asm_diags_print(&one, stderr);
        }
        if (dg.n) *d = dg.items[dg.n - 1];
        d->file = path;
        if (!dg.n) lp_diag_set(d, st, 1, 1, "cannot assemble: %s", lp_status_text(st));
    }
    asm_diags_free(&dg);
    return st;
}

static void print_stats(const lp_sim_stats *s, const char *kernel, const arch_cfg *a, bool timing_only, bool json,
                        int failed, size_t nexpects)
{
    char byfmt[16 * (MF_NAME_MAX + 32)] = "";
    for (int i = 0; i < s->nformats; i++) {
        size_t u = strlen(byfmt);
        snprintf(byfmt + u, sizeof byfmt - u, "%s%s %llu", i ? ", " : "", s->macs_by_format[i].format,
                 (unsigned long long)s->macs_by_format[i].macs);
    }
    if (json) {
        json_t *o = json_object(), *busy = json_object(), *stall = json_object(), *energy = json_object(),
               *byfmt_o = json_object();
        json_object_set_new(o, "kernel", json_string(kernel));
        json_object_set_new(o, "arch", json_string(a->name));
        json_object_set_new(o, "mode", json_string(timing_only ? "timing-only" : "functional"));
        json_object_set_new(o, "cycles", json_integer((json_int_t)s->cycles));
        json_object_set_new(o, "latency_ns", json_real(s->latency_ns));
        json_object_set_new(o, "energy_pj", json_real(s->energy_pj));
        json_object_set_new(o, "macs", json_integer((json_int_t)s->macs));
        json_object_set_new(o, "dram_bytes", json_integer((json_int_t)s->dram_bytes));
        json_object_set_new(o, "spm_bytes", json_integer((json_int_t)s->spm_bytes));
        json_object_set_new(o, "acc_bytes", json_integer((json_int_t)s->acc_bytes));
        json_object_set_new(o, "utilization", json_real(s->utilization));
        json_object_set_new(o, "instructions", json_integer((json_int_t)s->instructions));
        json_object_set_new(busy, "dma", json_integer((json_int_t)s->busy_cycles[LP_SIM_DMA]));
        json_object_set_new(busy, "matrix", json_integer((json_int_t)s->busy_cycles[LP_SIM_MATRIX]));
        json_object_set_new(busy, "vector", json_integer((json_int_t)s->busy_cycles[LP_SIM_VECTOR]));
        json_object_set_new(o, "busy_cycles", busy);
        json_object_set_new(stall, "dma", json_integer((json_int_t)s->stall_dep_dma));
        json_object_set_new(stall, "dependency", json_integer((json_int_t)s->stall_dep_compute));
        json_object_set_new(stall, "queue", json_integer((json_int_t)s->stall_queue));
        json_object_set_new(o, "stall_cycles", stall);
        json_object_set_new(energy, "matrix", json_real(s->energy_matrix_pj));
        json_object_set_new(energy, "vector", json_real(s->energy_vector_pj));
        json_object_set_new(energy, "dram", json_real(s->energy_dram_pj));
        json_object_set_new(energy, "spm", json_real(s->energy_spm_pj));
        json_object_set_new(energy, "acc", json_real(s->energy_acc_pj));
        json_object_set_new(o, "energy_breakdown_pj", energy);
        for (int i = 0; i < s->nformats; i++)
            json_object_set_new(byfmt_o, s->macs_by_format[i].format,
                                json_integer((json_int_t)s->macs_by_format[i].macs));
        json_object_set_new(o, "macs_by_format", byfmt_o);
        json_object_set_new(o, "expectations", json_integer(timing_only ? 0 : (json_int_t)nexpects));
        json_object_set_new(o, "failed", json_integer(failed));
        json_dumpf(o, stdout, 0);
        putchar('\n');
        json_decref(o);
        return;
    }
    double c = s->cycles ? (double)s->cycles : 1;
    printf("lpsim exec: %s on %s (%s)\n\n", kernel, a->name, timing_only ? "timing only" : "functional and timing");
    printf("  cycles          %llu (%.6g ns at %g GHz)\n", (unsigned long long)s->cycles, s->latency_ns, a->clock_ghz);
    printf("  instructions    %llu\n", (unsigned long long)s->instructions);
    printf("  MACs            %llu (%s), matrix unit at %.1f%% of its peak rate\n", (unsigned long long)s->macs,
           s->nformats ? byfmt : "none", 100 * s->utilization);
    printf("  traffic         DRAM %llu B, scratchpad %llu B, accumulators %llu B\n", (unsigned long long)s->dram_bytes,
           (unsigned long long)s->spm_bytes, (unsigned long long)s->acc_bytes);
    printf("  energy          %.6g pJ: matrix %.3g, vector %.3g, DRAM %.3g, scratchpad %.3g, accumulators %.3g\n",
           s->energy_pj, s->energy_matrix_pj, s->energy_vector_pj, s->energy_dram_pj, s->energy_spm_pj,
           s->energy_acc_pj);
    printf("  busy            DMA engines %.1f%% (average of %llu), matrix %.1f%%, vector %.1f%%\n",
           100 * (double)s->busy_cycles[LP_SIM_DMA] / c / (double)a->dma.engines, (unsigned long long)a->dma.engines,
           100 * (double)s->busy_cycles[LP_SIM_MATRIX] / c, 100 * (double)s->busy_cycles[LP_SIM_VECTOR] / c);
    printf("  issue stalls    on DMA %llu, on compute %llu, on queue space %llu cycles\n",
           (unsigned long long)s->stall_dep_dma, (unsigned long long)s->stall_dep_compute,
           (unsigned long long)s->stall_queue);
    if (timing_only)
        printf("  outputs         not computed (--timing-only)\n");
    else if (!nexpects)
        printf("  outputs         the kernel declares no expected outputs\n");
    else
        printf("  outputs         %zu expectation%s: %s\n", nexpects, nexpects == 1 ? "" : "s",
               failed ? "MISMATCH (see above)" : "all match");
}

int cmd_exec(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&exec_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&exec_cmd, stdout);
        return 0;
    }
    const char *av = cli_get(&exec_cmd, &a, "arch");
    if (!av) {
        cli_value_error(&exec_cmd, &a, NULL, -1, &d, "'lpsim exec' needs --arch ARCH");
        return cli_fail(&d);
    }
    if (a.npos != 1) {
        cli_value_error(&exec_cmd, &a, NULL, -1, &d, "'lpsim exec' needs one kernel (.s or .lpt)");
        return cli_fail(&d);
    }
    bool timing_only = cli_get(&exec_cmd, &a, "timing-only") != NULL, json = cli_get(&exec_cmd, &a, "json") != NULL;
    arch_cfg *arch;
    if (arch_load(av, &arch, &d)) return cli_fail(&d);
    isa_prog p;
    if (load_kernel(a.pos[0], arch, &p, &d)) {
        arch_free(arch);
        return cli_fail(&d);
    }
    const char *tv = cli_get(&exec_cmd, &a, "trace");
    FILE *trace = NULL;
    if (tv && !(trace = fopen(tv, "w"))) {
        cli_value_error(&exec_cmd, &a, "trace", -1, &d, "cannot write '%s': %s", tv, strerror(errno));
        isa_prog_free(&p), arch_free(arch);
        return cli_fail(&d);
    }
    machine m;
    int rc = 0;
    if (!timing_only && machine_init(&m, &p, arch) != LP_OK) {
        fprintf(stderr, "lpsim exec: out of memory for the machine's memories\n");
        rc = 2;
        goto done_nomachine;
    }
    lp_sim_stats st;
    char err[400];
    if (lp_sim_run(&p, arch, timing_only ? NULL : &m, trace, &st, err, sizeof err) != LP_OK) {
        fflush(stdout);
        fprintf(stderr, "%s:1:1: error: %s\n", a.pos[0], err);
        rc = 2;
        goto done;
    }
    int failed = timing_only ? 0 : machine_check(&m, json ? stderr : stdout, 8);
    print_stats(&st, a.pos[0], arch, timing_only, json, failed, p.nexpects);
    rc = failed ? 1 : 0;
done:
    if (!timing_only) machine_free(&m);
done_nomachine:
    if (trace) fclose(trace);
    isa_prog_free(&p);
    arch_free(arch);
    return rc;
}
