/*
** bench_run.c — speed and memory of `lpsim run`, whole process (generation,
** planning, simulation, report), timing only: a Llama-3-8B prefill layer of
** 2048 tokens and a decode step at context 4096 on h100 (132 cores), and a
** 1024^3 bf16 GEMM on edge-mx (one core with a 32 x 32 array, SCALE-Sim's
** standard configuration). For each: best and median wall time of --reps
** runs, the simulated cycles, instructions, and the peak resident set; also
** the whole decode model and the layer at 512 and 8192 tokens (one run each),
** to show how memory grows with the program (smallest first, as the peak
** RSS reported is the largest of the runs so far); last, a Llama-3-8B decode layer and the whole
** decode step (every layer and the lm_head) on sail-like with int4 weights in its PIM arrays, and a
** 4096^3 FP8 GEMM on vck190's FPGA datapath (aim 0.1 s). Aims (docs/workloads.md, docs/pim.md): under 1 s for each layer,
** under 0.1 s for the GEMM.
**
** usage: bench_run [--reps R]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_util.h"

/* Run lpsim with argv, stdout to path; the largest peak RSS of the children
** so far in KiB into *rss_kib (getrusage of RUSAGE_CHILDREN: runs go from
** small to large within a benchmark, and each line reports its own maximum
** only when it is the largest yet, which the order below ensures). Returns
** the exit status, -1 if it could not run. */
static int run(char *const *argv, const char *path, long *rss_kib)
{
    fflush(stdout); /* or the child's copy of the buffer prints again */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen(path, "w", stdout)) _exit(127);
        execv(LPSIM_BIN, argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (waitpid(pid, &status, 0) != pid || getrusage(RUSAGE_CHILDREN, &ru)) return -1;
    *rss_kib = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* aim_s 0: no aim (the runs that show memory growing) */
static int bench(const char *arch, const char *workload, int reps, double aim_s)
{
    char out[] = "/tmp/bench_run_XXXXXX";
    int fd = mkstemp(out);
    if (fd < 0) return 1;
    close(fd);
    char *argv[] = {"lpsim",          "run",           "--arch", (char *)arch, "--workload",
                    (char *)workload, "--timing-only", "--json", NULL};
    double t[20];
    long rss = 0;
    for (int r = 0; r < reps; r++) {
        long k;
        double t0 = bench_now_s();
        int rc = run(argv, out, &k);
        t[r] = bench_now_s() - t0;
        if (rc) {
            fprintf(stderr, "bench_run: lpsim run --arch %s --workload '%s' exited %d\n", arch, workload, rc);
            unlink(out);
            return 1;
        }
        if (k > rss) rss = k;
    }
    qsort(t, (size_t)reps, sizeof t[0], bench_cmp_double);
    json_error_t e;
    json_t *j = json_load_file(out, 0, &e);
    unlink(out);
    double cycles = json_number_value(json_object_get(j, "cycles"));
    double insns = json_number_value(json_object_get(j, "instructions"));
    double lat = json_number_value(json_object_get(j, "latency_ns"));
    char aim[48] = "";
    if (aim_s > 0) snprintf(aim, sizeof aim, " (aim %.2f s: %s)", aim_s, t[reps / 2] < aim_s ? "met" : "MISSED");
    printf("%-8s %-50s best %.3f s, median %.3f s%s; %.0f cycles (%.1f us), %.0f instructions over all cores; "
           "peak RSS %.1f MiB\n",
           arch, workload, t[0], t[reps / 2], aim, cycles, lat / 1e3, insns, (double)rss / 1024);
    json_decref(j);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_run [--reps R]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 20) {
        fprintf(stderr, "bench_run: --reps takes 1..20\n");
        return 2;
    }
    int bad = 0;
    bad |= bench("edge-mx", "gemm M=1024 N=1024 K=1024", reps, 0.1);
    bad |= bench("h100", "layer model=llama-3-8b phase=decode ctx=4096", reps, 1.0);
    bad |= bench("h100", "model model=llama-3-8b phase=decode ctx=4096", 1, 0);
    bad |= bench("h100", "layer model=llama-3-8b phase=prefill tokens=512", 1, 0);
    bad |= bench("h100", "layer model=llama-3-8b phase=prefill tokens=2048", reps, 1.0);
    bad |= bench("h100", "layer model=llama-3-8b phase=prefill tokens=8192", 1, 0);
    /* SRAM PIM (docs/pim.md): the projections in sail-like's arrays, the rest on its host */
    bad |= bench("sail-like", "layer model=llama-3-8b phase=decode ctx=4096 w=int4 a=int8", reps, 1.0);
    bad |= bench("sail-like", "model model=llama-3-8b phase=decode ctx=4096 w=int4 a=int8", reps, 1.0);
    /* the FPGA datapath (docs/fpga.md): a 4096^3 FP8 GEMM on vck190's 32 x 32 x 2 grid */
    bad |= bench("vck190", "gemm M=4096 N=4096 K=4096 in=fp8_e4m3fn", reps, 0.1);
    return bad;
}
