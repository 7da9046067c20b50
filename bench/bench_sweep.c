/*
** bench_sweep.c — design points per minute of `lpsim sweep`, timing only, on
** --jobs workers (default 2), each sweep into a fresh database:
**   tiny    layers of the tiny model (prefill and decode) on edge-mx across
**           cores, scratchpad banks and arrays (aim: 5,000 points a minute
**           on 2 cores);
**   llama   Llama-3-8B layers (prefill 512 tokens, decode at 4096) on
**           b200-mx across cores and formats;
**   floor   a 1x1x1 GEMM per point: what every point costs whatever it
**           simulates (process, SystemC elaboration, report, database);
**   model   100,000 GEMM points on b200-mx (shapes, cores, scratchpads)
**           evaluated by a cost model (--engine model, the default
**           coefficients) in the sweep's own process (aim: under a minute);
**   model-layers  1,200 Llama-3-8B layer points by the model likewise.
** For each: points, wall time of the whole command, points per minute, and
** the per-point split the sweep reports (inside the child's simulation,
** fork to reap, the database write), so the fixed cost per run is plain.
**
** usage: bench_sweep [--jobs N] [--only tiny|llama|floor|model|model-layers]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_util.h"
#include "cm_fit.h"

static const struct sweep {
    const char *name, *text, *aim;
} sweeps[] = {
    {"tiny",
     "arch: edge-mx\n"
     "workloads: ['layer model=tiny phase=prefill tokens=16', 'layer model=tiny phase=decode ctx=64']\n"
     "axes:\n"
     "  - {key: cores, values: [1, 2, 4, 8]}\n"
     "  - {key: matrix.array_rows, values: [16, 32, 64]}\n"
     "  - {key: spm.banks, range: {from: 1, to: 128, factor: 2}}\n"
     "  - {key: dram.bandwidth_gbps, range: {from: 25.6, to: 102.4, factor: 2}}\n"
     "  - {name: format, set: ['w=bf16 a=bf16', 'w=fp8_e4m3fn a=fp8_e4m3fn', 'w=int4 a=bf16']}\n"
     "  - {key: dma.engines, values: [1, 2]}\n",
     "aim: 5000 points per minute on 2 cores"},
    {"llama",
     "arch: b200-mx\n"
     "workloads: ['layer model=llama-3-8b phase=prefill tokens=512', 'layer model=llama-3-8b phase=decode ctx=4096']\n"
     "axes:\n"
     "  - {key: cores, values: [37, 74, 148]}\n"
     "  - {name: format, set: ['w=bf16 a=bf16', 'w=fp8_e4m3fn a=fp8_e4m3fn', 'w=mxfp4_e2m1 a=mxfp4_e2m1']}\n",
     "no aim"},
    {"floor",
     "arch: edge-mx\n"
     "workloads: ['gemm M=1 N=1 K=1']\n"
     "axes: [{key: spm.banks, range: {from: 1, to: 1024, step: 1}}]\n",
     "the fixed cost of a point"},
    {"model",
     "arch: b200-mx\n"
     "workloads: ['gemm M=256 N=256 K=256 in_a=bf16 in_b=bf16 out=bf16']\n"
     "axes:\n"
     "  - {key: M, values: [1, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192]}\n"
     "  - {key: N, values: [256, 512, 768, 1024, 2048, 3072, 4096, 8192, 11008, 14336]}\n"
     "  - {key: K, values: [256, 512, 768, 1024, 2048, 3072, 4096, 8192, 11008, 14336]}\n"
     "  - {key: cores, values: [8, 16, 24, 32, 48, 64, 80, 96, 128, 148]}\n"
     "  - {key: spm.size_bytes, values: [65536, 81920, 98304, 114688, 131072, 163840, 196608, 212992, 229376, "
     "233472]}\n",
     "aim: 100,000 points in under a minute"},
    {"model-layers",
     "arch: b200-mx\n"
     "workloads: ['layer model=llama-3-8b phase=prefill tokens=512', 'layer model=llama-3-8b phase=decode ctx=4096 "
     "batch=8']\n"
     "axes:\n"
     "  - {key: cores, values: [16, 32, 37, 48, 64, 74, 96, 112, 128, 148]}\n"
     "  - {key: spm.size_bytes, values: [65536, 98304, 131072, 163840, 196608, 233472]}\n"
     "  - {name: format, set: ['w=bf16 a=bf16', 'w=fp8_e4m3fn a=fp8_e4m3fn', 'w=mxfp8_e4m3 a=mxfp8_e4m3', "
     "'w=mxfp6_e2m3 a=mxfp6_e2m3', 'w=mxfp4_e2m1 a=mxfp4_e2m1', 'w=mxfp4_e2m1 a=mxfp8_e4m3', "
     "'w=fp8_e4m3fn a=bf16', 'w=mxfp6_e3m2 a=mxfp6_e3m2', 'w=int4 a=bf16', 'w=mxfp6_e2m3 a=mxfp8_e4m3']}\n",
     "no aim: the plans of layers"},
};

static bool is_model(const struct sweep *s) { return !strncmp(s->name, "model", 5); }

/* A model file with the default coefficients (what a model's evaluation costs does not depend on them). */
static int write_model(const char *path)
{
    cm_coefs c;
    cm_coefs_default(&c);
    json_t *m = json_pack("{s:i,s:s,s:o}", "lpsim_model", 1, "arch", "b200-mx", "coefficients", cm_coefs_json(&c));
    int rc = m ? json_dump_file(m, path, 0) : -1;
    json_decref(m);
    return rc;
}

/* Run lpsim sweep on text with jobs workers; its summary into out. */
static int run_sweep(const char *dir, const struct sweep *s, int jobs, double *wall, char *out, size_t n)
{
    char yaml[512], db[512], log[512], j[16], model[512];
    snprintf(model, sizeof model, "%s/model.json", dir);
    if (is_model(s) && write_model(model)) return -1;
    snprintf(yaml, sizeof yaml, "%s/%s.yaml", dir, s->name);
    snprintf(db, sizeof db, "%s/%s.db", dir, s->name);
    snprintf(log, sizeof log, "%s/%s.out", dir, s->name);
    snprintf(j, sizeof j, "%d", jobs);
    FILE *f = fopen(yaml, "w");
    if (!f || fputs(s->text, f) < 0 || fclose(f)) return -1;
    fflush(stdout);
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen(log, "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
        if (is_model(s))
            execl(LPSIM_BIN, "lpsim", "sweep", yaml, "--db", db, "--engine", "model", "--model", model, (char *)NULL);
        else
            execl(LPSIM_BIN, "lpsim", "sweep", yaml, "--db", db, "-j", j, "--timing-only", (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    *wall = bench_now_s() - t0;
    FILE *r = fopen(log, "r");
    size_t k = r ? fread(out, 1, n - 1, r) : 0;
    out[k] = 0;
    if (r) fclose(r);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    int jobs = 2;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_sweep [--jobs N] [--only tiny|llama|floor|model|model-layers]\n");
            return 2;
        }
    }
    char dir[] = "/tmp/bench_sweep_XXXXXX";
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    printf("lpsim sweep, timing only, %d worker%s, on %ld processors\n", jobs, jobs == 1 ? "" : "s",
           sysconf(_SC_NPROCESSORS_ONLN));
    int rc = 0;
    for (size_t i = 0; i < sizeof sweeps / sizeof sweeps[0]; i++) {
        const struct sweep *s = &sweeps[i];
        if (only && strcmp(only, s->name)) continue;
        char out[4096];
        double wall = 0, sim = 0, whole = 0, logging = 0, secs = 0;
        size_t points = 0;
        int st = run_sweep(dir, s, jobs, &wall, out, sizeof out);
        const char *p = strstr(out, "per point:");
        if (is_model(s)) {
            double ev = 0;
            /* exit status 1: some points failed (logged with why); the sweep ran */
            if (st > 1 || sscanf(out, "sweep %*[0-9a-f]: %zu points run in %lf s", &points, &secs) != 2 || !p ||
                sscanf(p, "per point: %lf ms evaluating the model, %lf ms logging", &ev, &logging) != 2) {
                printf("%-6s failed (exit status %d): %s\n", s->name, st, out);
                rc = 1;
                continue;
            }
            printf("%-6s %6zu points in %6.1f s: %9.0f points per minute (%s)\n", s->name, points, wall,
                   60.0 * (double)points / wall, s->aim);
            const char *fl = strstr(out, "done, ");
            printf("       per point: %.4f ms evaluating the model (arch, plan, terms), %.4f ms logging; %.*s\n", ev,
                   logging, fl ? (int)strcspn(fl, "\n") : 0, fl ? fl : "");
            continue;
        }
        if (st || sscanf(out, "sweep %*[0-9a-f]: %zu points run in %lf s", &points, &secs) != 2 || !p ||
            sscanf(p, "per point: %lf ms simulating, %lf ms whole (process, simulation, report), %lf ms logging", &sim,
                   &whole, &logging) != 3) {
            printf("%-6s failed (exit status %d): %s\n", s->name, st, out);
            rc = 1;
            continue;
        }
        printf("%-6s %5zu points in %6.1f s: %7.0f points per minute (%s)\n", s->name, points, wall,
               60.0 * (double)points / wall, s->aim);
        printf("       per point: %.2f ms simulating (arch, program, SystemC, report), %.2f ms fork to reap, "
               "%.2f ms logging\n",
               sim, whole, logging);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) rc = 1;
    return rc;
}
