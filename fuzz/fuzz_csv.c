/*
** fuzz_csv.c — libFuzzer harness for lpsim's CSV readers: the first byte
** picks the reader (even: timeline's trace; odd: gemm-bits' cases, with one
** of four presets and input formats), the rest is the file. An error must say
** what and where (a status, a message, a line and column of at least 1);
** no input may crash, leak, hang or allocate without bound.
*/
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_csv.h"

static int trace_fd = -1;
static char trace_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!freopen("/dev/null", "w", stdout)) abort(); /* gemm-bits prints its outputs */
    /* the trace is read by path, as a regular file: a memory file, rewritten for each input */
    if ((trace_fd = memfd_create("fuzz_trace.csv", 0)) < 0) abort();
    snprintf(trace_path, sizeof trace_path, "/proc/self/fd/%d", trace_fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    lp_diag d;
    lp_status st;
    if (data[0] & 1) {
        st = fuzz_gemm_csv(data + 1, size - 1, data[0] >> 1, &d);
    } else {
        if (ftruncate(trace_fd, 0) || pwrite(trace_fd, data + 1, size - 1, 0) != (ssize_t)(size - 1)) abort();
        st = fuzz_timeline_csv(trace_path, &d);
    }
    if (st != LP_OK && (d.status != st || !d.msg[0] || d.line < 1 || d.col < 1)) {
        fprintf(stderr, "an error without a place: status %d, %s:%d:%d: %s\n", (int)st, d.file ? d.file : "(null)",
                d.line, d.col, d.msg);
        abort();
    }
    return 0;
}
