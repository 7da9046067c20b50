/* fuzz_csv.h — entry points of the CSV readers for fuzz_csv.c. */
#ifndef LP_FUZZ_CSV_H
#define LP_FUZZ_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"

#define FUZZ_MAX_LINE_BYTES 65536 /* libFuzzer inputs are shorter (-max_len) */

/* gemm-bits' cases from data, with preset and input format number pick (0-3). */
lp_status fuzz_gemm_csv(const uint8_t *data, size_t size, int pick, lp_diag *d);

/* timeline's trace from the regular file path. */
lp_status fuzz_timeline_csv(const char *path, lp_diag *d);

#endif
