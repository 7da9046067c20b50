/* bench_util.h — timing helpers shared by the benchmark programs. */
#ifndef LP_BENCH_UTIL_H
#define LP_BENCH_UTIL_H

#include <time.h>

/* Monotonic wall time in seconds. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort comparator for doubles (to take best and median of runs). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
