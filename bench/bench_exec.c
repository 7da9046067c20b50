/*
** bench_exec.c — speed of the simulator: writes a tiled MXFP8 GEMM of
** --n (default 4096) cubed for b200-mx (128 x 64 output tiles, K in chunks of
** 512, operand tiles double-buffered), runs `lpsim exec --timing-only` on it
** (one process per simulation) and prints the wall time, simulated
** instructions per second and simulated MACs per second. Best of --reps.
**
** usage: bench_exec [--n N] [--reps R]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
    long n = 4096;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_exec [--n N] [--reps R]\n");
            return 2;
        }
    }
    if (n < 512 || n % 512 || reps < 1 || reps > 20) {
        fprintf(stderr, "bench_exec: --n must be a multiple of 512, --reps 1..20\n");
        return 2;
    }
    char dir[] = "/tmp/bench_exec_XXXXXX", src[128], out[160], cmd[512];
    if (!mkdtemp(dir)) return 1;
    snprintf(src, sizeof src, "%s/gemm.s", dir);
    snprintf(out, sizeof out, "%s/out.json", dir);
    FILE *f = fopen(src, "w");
    if (!f) return 1;
    fprintf(f,
            "; %ld^3 MXFP8 GEMM for b200-mx, written by bench_exec\n"
            ".equ N, %ld\n.equ KC, 512\n"
            ".buffer A, fp8_e4m3fn, N, N\n.buffer SA, e8m0fnu, N, N/32\n"
            ".buffer W, fp8_e4m3fn, N, N\n.buffer SW, e8m0fnu, N, N/32\n.buffer C, fp32, N, N\n"
            ".for mi = 0, N/128\n.for ni = 0, N/64\n.for kc = 0, N/KC\n"
            "    DMA_LD spm:(kc%%2)*0x18000, A[mi*128, kc*KC], 128, KC, fp8_e4m3fn\n"
            "    DMA_LD spm:(kc%%2)*0x18000 + 0x10000, SA[mi*128, kc*KC/32], 128, KC/32, e8m0fnu\n"
            "    DMA_LD spm:(kc%%2)*0x18000 + 0x10800, W[ni*64, kc*KC], 64, KC, fp8_e4m3fn\n"
            "    DMA_LD spm:(kc%%2)*0x18000 + 0x18800 - 0x400, SW[ni*64, kc*KC/32], 64, KC/32, e8m0fnu\n"
            "    MMA_MX acc:(ni%%2)*0x8000, spm:(kc%%2)*0x18000, spm:(kc%%2)*0x18000 + 0x10000, spm:(kc%%2)*0x18000 + "
            "0x10800, spm:(kc%%2)*0x18000 + 0x18800 - 0x400, 128, 64, KC, fp8_e4m3, fp8_e4m3, b200-mx, acc\n"
            ".endfor\n"
            "    DMA_ST C[mi*128, ni*64], acc:(ni%%2)*0x8000, 128, 64, fp32\n"
            ".endfor\n.endfor\n    HALT\n",
            n, n);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' exec --arch b200-mx --timing-only --json '%s' > '%s'", LPSIM_BIN, src, out);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_s();
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_exec: lpsim exec failed: %s\n", cmd);
            return 1;
        }
        double t = bench_now_s() - t0;
        best = t < best ? t : best;
    }
    json_error_t je;
    json_t *j = json_load_file(out, 0, &je);
    double insns = json_number_value(json_object_get(j, "instructions")),
           cycles = json_number_value(json_object_get(j, "cycles")),
           util = json_number_value(json_object_get(j, "utilization"));
    json_decref(j);
    double macs = (double)n * n * n;
    printf("bench_exec: %ld^3 MXFP8 GEMM on b200-mx, timing only, best of %d runs (lpsim exec, whole process)\n", n,
           reps);
    printf("wall time            %.3f s\n", best);
    printf("simulated            %.0f instructions, %.0f cycles, matrix unit at %.1f%% of peak\n", insns, cycles,
           100 * util);
    printf("instructions/s       %.3g\n", insns / best);
    printf("simulated MAC/s      %.3g\n", macs / best);
    unlink(src);
    unlink(out);
    rmdir(dir);
    return 0;
}
