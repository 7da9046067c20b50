/*
** bench_trace.c — how fast a large binary program loads: writes a .lpt of
** --n instructions (default 4 Mi, a mix of DMA, MMA and vector instructions on
** one DRAM buffer), then reads it back with full validation (every word
** decoded, every DRAM operand checked against the buffers) and prints the
** time. Best of --reps runs (default 3); the file is removed afterwards.
**
** usage: bench_trace [--n N] [--reps R]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "prog.h"

int main(int argc, char **argv)
{
    long n = 4L << 20;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_trace [--n N] [--reps R]\n");
            return 2;
        }
    }
    if (n < 1 || n > (long)ISA_MAX_INSNS || reps < 1 || reps > 20) {
        fprintf(stderr, "bench_trace: --n 1..%llu, --reps 1..20\n", (unsigned long long)ISA_MAX_INSNS);
        return 2;
    }
    isa_prog p;
    isa_prog_init(&p);
    mf_format bf;
    mf_parse("bf16", &bf, NULL);
    uint32_t fc = isa_fmt_code(&bf);
    if (isa_prog_add_buffer(&p, "A", fc, 1024, 1024) != LP_OK) return 1;
    for (long i = 0; i < n; i++) {
        isa_insn in = {ISA_NOP, {0}};
        switch (i % 4) {
        case 0:
            in = (isa_insn){
                ISA_DMA_LD,
                {(uint64_t)(i % 64) * 2048, (uint64_t)((i % 512) * 2048) | UINT64_C(1024) << 40, 32, 32, fc}};
            break;
        case 1: in = (isa_insn){ISA_MMA, {0x1000, 0, 0x8000, 32, 32, 32, fc, fc, 2, 1}}; break;
        case 2: in = (isa_insn){ISA_VADD, {ISA_MEM_ACC, ISA_MEM_ACC, 0x100, 32, 32}}; break;
        default: in = (isa_insn){ISA_VEXP, {0x400, 0x400, 16, 16}}; break;
        }
        if (isa_prog_add_insn(&p, &in) != LP_OK) return 1;
    }
    char path[] = "/tmp/bench_trace_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    close(fd);
    lp_diag d;
    double t0 = bench_now_s();
    if (isa_prog_write(&p, path, &d) != LP_OK) {
        lp_diag_print(&d, stderr);
        return 1;
    }
    double tw = bench_now_s() - t0, best = 1e30;
    for (int r = 0; r < reps; r++) {
        isa_prog q;
        t0 = bench_now_s();
        if (isa_prog_read(path, &q, &d) != LP_OK) {
            lp_diag_print(&d, stderr);
            return 1;
        }
        double t = bench_now_s() - t0;
        best = t < best ? t : best;
        isa_prog_free(&q);
    }
    double mib = (double)(n * ISA_WORD_BYTES) / (1 << 20);
    printf("bench_trace: %ld instructions (%.0f MiB)\n", n, mib);
    printf("write  %.3f s\n", tw);
    printf("read   %.3f s best of %d (%.3g instructions/s, every word decoded and checked)\n", best, reps,
           (double)n / best);
    unlink(path);
    isa_prog_free(&p);
    return 0;
}
