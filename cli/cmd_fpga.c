/*
** cmd_fpga.c — `lpsim fpga-cost`: the resources, clock, peak rate and energy
** of an architecture's FPGA datapath (models/units/fpga, docs/fpga.md), its
** formats and lanes optionally replaced: one MAC part by part, the array
** against the device's budget. A design over its budget or missing its
** clock is an error with its numbers (exit status 2).
*/
#include <jansson.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "commands.h"
#include "fpga.h"

static const cli_opt fpga_opts[] = {
    {"arch", "ARCH", "architecture with an fpga unit: a preset (vck190, u250) or a YAML file"},
    {"wfmt", "FMT", "weight format instead of the unit's wfmt (e4m3, fp8_e4m3fn, e2m1, int8, ...)"},
    {"afmt", "FMT", "activation format instead of the unit's afmt"},
    {"lanes", "N", "lanes per PE (simd) instead of the unit's"},
    {"json", NULL, "print the figures as one JSON object"},
};
static const cli_cmd fpga_cmd = {
    "fpga-cost",
    "--arch ARCH [--wfmt FMT] [--afmt FMT] [--lanes N] [--json]",
    "Prints the FPGA datapath of the architecture's fpga unit: the LUTs, FFs and DSPs of one\n"
    "MAC by part (multiplier, exponent adder, alignment shifter, negation, its share of the\n"
    "adder tree and of the accumulator), the array's totals against the device's budget, the\n"
    "buffers in URAM and BRAM, fmax and its critical stage, the peak MAC rate at clock_mhz and\n"
    "the energy per MAC. Formats are lpsim's names: e4m3 is the parametric minifloat\n"
    "e4m3_b7_finite (bias 7, no inf or NaN: Aggarwal et al.'s), fp8_e4m3fn the OCP one; both\n"
    "cost the same. A design over its budget or below its clock: exit status 2.",
    fpga_opts,
    CLI_NOPTS(fpga_opts),
    0,
    0};

static const fpga_cfg *fpga_of(const arch_cfg *a)
{
    for (int i = 0; i < a->nunits; i++)
        if (a->units[i].kind == UNIT_KIND_FPGA) return a->units[i].cfg;
    return NULL;
}

static double pct(double used, double have) { return have > 0 ? 100.0 * used / have : 0; }

/* The figures fpga-cost prints, from the design. */
typedef struct figures {
    const fpga_cfg *c;
    const fpga_buffers *b;
    double peak, e_bram, e_static;
} figures;

static json_t *report_json(const char *arch, const figures *f)
{
    const fpga_cfg *c = f->c;
    const fpga_design *x = &c->x;
    const fpga_mac *m = &x->mac;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:b}", "arch", arch, "family",
                          c->family, "afmt", x->fa.name, "wfmt", x->fw.name, "acc", c->acc, "acc_bits",
                          (int)x->acc_bits, "acc_frac_bits", x->acc_frac, "per_dsp", (int)x->per_dsp, "pe_rows",
                          (json_int_t)c->pe_rows, "pe_cols", (json_int_t)c->pe_cols, "simd", (json_int_t)c->simd,
                          "macs", (json_int_t)x->macs, "dsp_pack", x->pack);
    json_t *mac = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "multiplier", m->mul, "exponent",
                            m->exp, "shifter", m->shift, "negation", m->negate, "tree", m->tree, "accumulator", m->acc,
                            "dsp_unpack", m->pack, "luts", m->luts, "ffs", m->ffs, "dsps", m->dsps);
    json_t *arr = json_pack("{s:I, s:I, s:I, s:f, s:f, s:I, s:I}", "luts", (json_int_t)x->luts, "ffs",
                            (json_int_t)x->ffs, "dsps", (json_int_t)x->dsps, "uram_kb", f->b->uram_kb, "bram_kb",
                            f->b->bram_kb, "urams", (json_int_t)f->b->urams, "brams", (json_int_t)f->b->brams);
    json_t *dev = json_pack("{s:I, s:I, s:I, s:f, s:f}", "luts", (json_int_t)c->luts, "ffs", (json_int_t)c->ffs, "dsps",
                            (json_int_t)c->dsps, "uram_kb", c->uram_kb, "bram_kb", c->bram_kb);
    json_t *frac = json_pack("{s:f, s:f, s:f, s:f, s:f}", "luts", pct((double)x->luts, (double)c->luts), "ffs",
                             pct((double)x->ffs, (double)c->ffs), "dsps", pct((double)x->dsps, (double)c->dsps), "uram",
                             pct(f->b->uram_kb, c->uram_kb), "bram", pct(f->b->bram_kb, c->bram_kb));
    json_t *en = json_pack("{s:f, s:f, s:f, s:f}", "logic", x->e_mac_pj, "bram", f->e_bram, "static", f->e_static,
                           "total", x->e_mac_pj + f->e_bram + f->e_static);
    int bad = !o || !mac || !arr || !dev || !frac || !en || json_object_set_new(o, "per_mac", mac) ||
              json_object_set_new(o, "array", arr) || json_object_set_new(o, "device", dev) ||
              json_object_set_new(o, "fraction_pct", frac) || json_object_set_new(o, "energy_pj_per_mac", en) ||
              json_object_set_new(o, "fmax_mhz", json_real(x->fmax_mhz)) ||
              json_object_set_new(o, "critical_stage", json_string(x->critical)) ||
              json_object_set_new(o, "critical_ns", json_real(x->critical_ns)) ||
              json_object_set_new(o, "clock_mhz", json_real(c->clock_mhz)) ||
              json_object_set_new(o, "pipeline_stages", json_integer((json_int_t)x->stages)) ||
              json_object_set_new(o, "peak_macs_per_s", json_real(f->peak)) ||
              json_object_set_new(o, "static_w", json_real(c->static_w));
    if (bad) json_decref(o);
    return bad ? NULL : o;
}

static void print_text(const char *arch, const figures *f)
{
    const fpga_cfg *c = f->c;
    const fpga_design *x = &c->x;
    const fpga_mac *m = &x->mac;
    fputs("lpsim fpga-cost: ", stdout);
    lp_diag_put_escaped(arch, stdout);
    printf(" (%s, %s)\n\n", c->family, x->family == FPGA_VERSAL ? "DSP58 27x24" : "DSP48E2 27x18");
    printf("  formats       A %s x B %s\n", x->fa.name, x->fw.name);
    if (x->acc == FPGA_ACC_FLOAT)
        printf("  accumulator   float %s, %s\n", x->accf.name, mf_round_name(x->round));
    else
        printf("  accumulator   %s: %u bits, %d fraction (n = %llu)\n", c->acc, x->acc_bits, x->acc_frac,
               (unsigned long long)c->acc_len);
    printf("  array         %llu x %llu PEs x %llu lane%s = %llu MACs, multipliers %s\n\n",
           (unsigned long long)c->pe_rows, (unsigned long long)c->pe_cols, (unsigned long long)c->simd,
           c->simd == 1 ? "" : "s", (unsigned long long)x->macs, x->pack ? "packed in DSPs" : "in LUTs");
    printf("  per MAC            LUTs\n");
    printf("    multiplier   %8.1f  (%u x %u%s)\n", m->mul, x->sig_w, x->sig_a, x->pack ? ", in a DSP" : "");
    printf("    exponent     %8.1f\n", m->exp);
    printf("    shifter      %8.1f  (%u bits out, %u select)\n", m->shift, x->shift_w, x->shift_sel);
    printf("    negation     %8.1f\n", m->negate);
    printf("    adder tree   %8.1f  (share of %llu lane%s, %u-bit inputs)\n", m->tree, (unsigned long long)c->simd,
           c->simd == 1 ? "" : "s", x->tree_w);
    printf("    accumulator  %8.1f  (share)\n", m->acc);
    if (x->pack) printf("    DSP unpack   %8.1f  (%u MACs per DSP)\n", m->pack, x->per_dsp);
    printf("    total        %8.1f LUTs, %.1f FFs, %.4f DSPs\n\n", m->luts, m->ffs, m->dsps);
    printf("  per array           used      device   share\n");
    printf("    LUTs       %10llu  %10llu  %5.1f%%\n", (unsigned long long)x->luts, (unsigned long long)c->luts,
           pct((double)x->luts, (double)c->luts));
    printf("    FFs        %10llu  %10llu  %5.1f%%\n", (unsigned long long)x->ffs, (unsigned long long)c->ffs,
           pct((double)x->ffs, (double)c->ffs));
    printf("    DSPs       %10llu  %10llu  %5.1f%%\n", (unsigned long long)x->dsps, (unsigned long long)c->dsps,
           pct((double)x->dsps, (double)c->dsps));
    printf("    URAM KiB   %10.1f  %10.1f  %5.1f%%  (%llu blocks)\n", f->b->uram_kb, c->uram_kb,
           pct(f->b->uram_kb, c->uram_kb), (unsigned long long)f->b->urams);
    printf("    BRAM KiB   %10.1f  %10.1f  %5.1f%%  (%llu blocks)\n\n", f->b->bram_kb, c->bram_kb,
           pct(f->b->bram_kb, c->bram_kb), (unsigned long long)f->b->brams);
    printf("  fmax          %.1f MHz (critical stage: %s, %.3f ns); clock_mhz %g; %llu pipeline stages\n", x->fmax_mhz,
           x->critical, x->critical_ns, c->clock_mhz, (unsigned long long)x->stages);
    printf("  peak          %.4g MAC/s at %g MHz\n", f->peak, c->clock_mhz);
    printf("  energy        %.3f pJ/MAC: logic %.3f, BRAM %.3f, static %.3f (%g W at peak)\n",
           x->e_mac_pj + f->e_bram + f->e_static, x->e_mac_pj, f->e_bram, f->e_static, c->static_w);
}

int cmd_fpga_cost(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&fpga_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&fpga_cmd, stdout);
        return 0;
    }
    const char *av = cli_get(&fpga_cmd, &a, "arch");
    if (!av) {
        cli_value_error(&fpga_cmd, &a, NULL, -1, &d, "'lpsim fpga-cost' needs --arch ARCH");
        return cli_fail(&d);
    }
    long lanes = 0;
    if (cli_get_long(&fpga_cmd, &a, "lanes", 1, 1024, 0, &lanes, &d)) return cli_fail(&d);
    arch_cfg *chip;
    if (arch_load(av, &chip, &d)) return cli_fail_arg(&fpga_cmd, &a, "arch", -1, &d);
    int rc = CLI_EXIT_USAGE;
    const fpga_cfg *unit = fpga_of(chip);
    if (!unit) {
        cli_value_error(&fpga_cmd, &a, "arch", -1, &d, "%s has no fpga unit (matrix: {kind: fpga, ...})", chip->name);
        goto fail;
    }
    fpga_cfg c = *unit; /* the overrides replace keys of a copy; its strings stay the unit's or argv's */
    const char *wv = cli_get(&fpga_cmd, &a, "wfmt"), *fv = cli_get(&fpga_cmd, &a, "afmt"), *key = NULL;
    if (wv) c.wfmt = (char *)wv;
    if (fv) c.afmt = (char *)fv;
    if (lanes) c.simd = (uint64_t)lanes;
    lp_diag pd;
    lp_diag_init(&pd, NULL);
    /* where an error goes: the option that set the key at fault, else the first of --lanes, --wfmt and
    ** --afmt given, else --arch */
    const char *at = lanes ? "lanes" : wv ? "wfmt" : fv ? "afmt" : "arch";
    if (fpga_prepare(&c, &key, &pd) || fpga_fits(&c, &key, &pd)) {
        if (key && (!strcmp(key, "wfmt") || !strcmp(key, "afmt"))) at = key;
        cli_value_error(&fpga_cmd, &a, at, -1, &d, "%s%s%s", key && strcmp(key, at) ? key : "",
                        key && strcmp(key, at) ? ": " : "", pd.msg);
        goto fail;
    }
    fpga_buffers b;
    if (fpga_buffers_of(chip, &c, &b, &pd)) {
        cli_value_error(&fpga_cmd, &a, "arch", -1, &d, "%s", pd.msg);
        goto fail;
    }
    figures f = {&c, &b, (double)c.x.macs * c.clock_mhz * 1e6, 0, 0};
    /* BRAM per MAC with the grid's reuse: an A element feeds a row of pe_cols
    ** PEs, a B element a column of pe_rows; static power spread over the peak */
    f.e_bram = ((double)c.x.fa.bits / (double)c.pe_cols + (double)c.x.fw.bits / (double)c.pe_rows) * c.x.e_bram_bit_pj;
    f.e_static = c.static_w / f.peak * 1e12;
    if (cli_get(&fpga_cmd, &a, "json")) {
        json_t *o = report_json(chip->name, &f);
        int ok = o && !json_dumpf(o, stdout, JSON_REAL_PRECISION(6));
        putchar('\n');
        json_decref(o);
        if (!ok) {
            lp_diag_init(&d, "<stdout>");
            lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write the JSON report (out of memory?)");
            goto fail;
        }
    } else {
        print_text(chip->name, &f);
    }
    rc = CLI_EXIT_OK;
    arch_free(chip);
    return rc;
fail:
    arch_free(chip);
    return cli_fail(&d);
}
