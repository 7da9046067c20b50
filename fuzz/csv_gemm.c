/*
** csv_gemm.c — the gemm-bits case reader (cli/cmd_gemm.c, its static
** functions included) behind one entry point for fuzz_csv.c.
*/
#include "../cli/cmd_gemm.c"

#include "fuzz_csv.h"

lp_status fuzz_gemm_csv(const uint8_t *data, size_t size, int pick, lp_diag *d)
{
    static const char *const presets[] = {"exact", "h100-bf16", "h100-fp8", "fp32-seq"};
    static const char *const formats[] = {"bf16", "bf16", "fp8_e4m3", "fp16"};
    dot_cfg cfg;
    mf_format fmt;
    lp_diag err;
    if (dot_preset(presets[pick & 3], &cfg, &err) || mf_parse(formats[pick & 3], &fmt, &err)) abort();
    FILE *in = fmemopen((void *)data, size, "rb");
    if (!in) return LP_OK; /* fmemopen refuses size 0 */
    lp_csv c;
    lp_csv_init(&c, in, "fuzz.csv", FUZZ_MAX_LINE_BYTES);
    lp_diag_init(d, "fuzz.csv");
    lp_status st = gemm_cases(&c, &cfg, &fmt, d);
    lp_csv_free(&c);
    fclose(in);
    return st;
}
