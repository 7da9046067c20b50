/*
** fpga_cfg.c — the architecture keys of an FPGA datapath (fpga_keys.def):
** their texts and combinations checked and the design derived
** (fpga_prepare), the design held against its device (fpga_fits, and the
** chip's buffers in URAM and BRAM), and the dot-model preset whose values
** its accumulator gives. A design over its budget or missing its clock is
** refused where the architecture is loaded, with its numbers.
*/
#include <math.h>
#include <string.h>

#include "fpga.h"

/* Designs the check names are written with their PE grid. */
static lp_status grid_msg(const fpga_cfg *c, lp_diag *d, const char *what, uint64_t need, uint64_t have,
                          const char *per)
{
    return lp_diag_msg(d, LP_ERR_INFEASIBLE,
                       "the fpga design needs %llu %s, more than the device's %llu (%.1f%%): %llu x %llu PEs x %llu "
                       "lane%s of %s x %s%s",
                       (unsigned long long)need, what, (unsigned long long)have, 100.0 * (double)need / (double)have,
                       (unsigned long long)c->pe_rows, (unsigned long long)c->pe_cols, (unsigned long long)c->simd,
                       c->simd == 1 ? "" : "s", c->x.fa.name, c->x.fw.name, per);
}

lp_status fpga_format(const char *name, mf_format *out, lp_diag *d)
{
    lp_status st = mf_parse(name, out, d);
    if (st) return st;
    if (out->kind == MF_KIND_INT && out->bits < 2)
        return lp_diag_msg(d, LP_ERR_RANGE, "%s: the datapath takes int2 to int8", out->name);
    if (out->kind == MF_KIND_INT) return LP_OK;
    if (out->bits > 8)
        return lp_diag_msg(d, LP_ERR_RANGE, "%s has %d bits; the datapath takes formats of 8 bits or fewer", out->name,
                           out->bits);
    if (out->flags & (MF_F_UNSIGNED | MF_F_NOSUB))
        return lp_diag_msg(d, LP_ERR_RANGE, "%s is unsigned; the datapath takes signed minifloats and integers",
                           out->name);
    if (out->ebits == 0)
        return lp_diag_msg(d, LP_ERR_RANGE, "%s has no exponent bits; the datapath takes minifloats or intN",
                           out->name);
    return LP_OK;
}

/* The index of text v among choices (NULL-terminated), or -1 with d's
** message. */
static int choice(const char *v, const char *const *choices, lp_diag *d)
{
    char list[160] = "";
    int n = 0;
    for (; choices[n]; n++)
        if (!strcmp(v, choices[n])) return n;
    for (int i = 0; i < n; i++) {
        size_t u = strlen(list);
        snprintf(list + u, sizeof list - u, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", choices[i]);
    }
    lp_diag_msg(d, LP_ERR_RANGE, "expected %s, got '%s'", list, v);
    return -1;
}

lp_status fpga_prepare(fpga_cfg *c, const char **key, lp_diag *d)
{
    static const char *const families[] = {"versal", "ultrascale+", NULL},
                             *const accs[] = {"exact", "fixed", "float", NULL},
                             *const overflows[] = {"wrap", "saturate", NULL}, *const dsps[] = {"none", "pack", NULL},
                             *const rounds[] = {"nearest-even", "toward-zero", "half-away", NULL};
    static const mf_round round_ids[] = {MF_RNE, MF_RTZ, MF_RHA};
    fpga_design *x = &c->x;
    int i;
    memset(x, 0, sizeof *x);
    *key = "family";
    if ((i = choice(c->family, families, d)) < 0) return LP_ERR_RANGE;
    x->family = i ? FPGA_ULTRASCALE : FPGA_VERSAL;
    *key = "afmt";
    if (fpga_format(c->afmt, &x->fa, d)) return LP_ERR_RANGE;
    *key = "wfmt";
    if (fpga_format(c->wfmt, &x->fw, d)) return LP_ERR_RANGE;
    *key = "acc";
    if ((i = choice(c->acc, accs, d)) < 0) return LP_ERR_RANGE;
    x->acc = (fpga_acc)i;
    *key = "acc_bits";
    if (x->acc == FPGA_ACC_FIXED && c->acc_bits == 1)
        return lp_diag_msg(d, LP_ERR_RANGE, "expected 0 (the derived exact width) or at least 2, got 1");
    *key = "acc_man_bits";
    if (x->acc == FPGA_ACC_FLOAT) {
        if (c->acc_man_bits == 23 && c->acc_exp_bits == 8) {
            mf_get(MF_FP32, &x->accf);
        } else if (c->acc_man_bits > 10) {
            return lp_diag_msg(d, LP_ERR_RANGE,
                               "a float accumulator has 1 to 10 fraction bits, or 23 with 8 exponent bits (float32), "
                               "got %llu with %llu",
                               (unsigned long long)c->acc_man_bits, (unsigned long long)c->acc_exp_bits);
        } else {
            char name[32];
            snprintf(name, sizeof name, "e%llum%llu_ieee", (unsigned long long)c->acc_exp_bits,
                     (unsigned long long)c->acc_man_bits);
            if (mf_parse(name, &x->accf, d)) return LP_ERR_RANGE;
        }
    }
    *key = "acc_round";
    if ((i = choice(c->acc_round, rounds, d)) < 0) return LP_ERR_RANGE;
    x->round = round_ids[i];
    *key = "acc_overflow";
    if ((i = choice(c->acc_overflow, overflows, d)) < 0) return LP_ERR_RANGE;
    x->saturate = x->acc == FPGA_ACC_FIXED && i == 1;
    *key = "dsp";
    if ((i = choice(c->dsp, dsps, d)) < 0) return LP_ERR_RANGE;
    x->pack = i == 1;
    *key = NULL;
    fpga_resources(c);
    c->rate = (tc_rate){x->fa.name, (double)x->macs, x->e_mac_pj};
    return LP_OK;
}

lp_status fpga_fits(const fpga_cfg *c, const char **key, lp_diag *d)
{
    const fpga_design *x = &c->x;
    char per[64];
    *key = NULL;
    snprintf(per, sizeof per, ", %.1f LUTs per MAC", x->mac.luts);
    if (x->luts > c->luts) return grid_msg(c, d, "LUTs", x->luts, c->luts, per);
    snprintf(per, sizeof per, ", %.1f FFs per MAC", x->mac.ffs);
    if (x->ffs > c->ffs) return grid_msg(c, d, "FFs", x->ffs, c->ffs, per);
    snprintf(per, sizeof per, ", %u MACs per DSP", x->per_dsp);
    if (x->dsps > c->dsps) return grid_msg(c, d, "DSPs", x->dsps, c->dsps, per);
    if (x->fmax_mhz < c->clock_mhz) {
        *key = "clock_mhz";
        return lp_diag_msg(d, LP_ERR_INFEASIBLE,
                           "the fpga design misses timing: fmax %.1f MHz (critical stage: %s, %.3f ns) is below "
                           "clock_mhz %g",
                           x->fmax_mhz, x->critical, x->critical_ns, c->clock_mhz);
    }
    return LP_OK;
}

#define URAM_KB 36.0 /* a 288 Kb UltraRAM block */
#define BRAM_KB 4.5  /* a 36 Kb block RAM */

lp_status fpga_buffers_of(const arch_cfg *chip, const fpga_cfg *c, fpga_buffers *out, lp_diag *d)
{
    out->need_kb = (double)(chip->spm.size_bytes + chip->acc.size_bytes) / 1024.0;
    double uram_cap = floor(c->uram_kb / URAM_KB) * URAM_KB;
    out->uram_kb = out->need_kb < uram_cap ? out->need_kb : uram_cap;
    out->urams = (uint64_t)ceil(out->uram_kb / URAM_KB);
    out->brams = (uint64_t)ceil((out->need_kb - out->uram_kb) / BRAM_KB);
    out->bram_kb = (double)out->brams * BRAM_KB;
    if (out->bram_kb > c->bram_kb)
        return lp_diag_msg(d, LP_ERR_ARG,
                           "the chip's buffers (spm %g KiB + acc %g KiB) exceed the device's URAM %g KiB and BRAM %g "
                           "KiB",
                           (double)chip->spm.size_bytes / 1024.0, (double)chip->acc.size_bytes / 1024.0, c->uram_kb,
                           c->bram_kb);
    return LP_OK;
}

const char *fpga_dot_preset(const fpga_cfg *c, uint64_t k, lp_diag *d)
{
    const fpga_design *x = &c->x;
    if (!k) k = c->acc_len;
    if (x->acc == FPGA_ACC_EXACT) return "exact";
    if (x->acc == FPGA_ACC_FIXED) {
        /* every product lands on the grid and k of them (C included: a
        ** float32 of earlier products, on the grid too) fit the register */
        int frac = fpga_acc_frac(&x->fa, &x->fw);
        unsigned need_int = fpga_acc_width(&x->fa, &x->fw, k) - (unsigned)frac;
        if (x->acc_frac >= frac && (int)x->acc_bits - x->acc_frac >= (int)need_int) return "exact";
        lp_diag_msg(
            d, LP_ERR_ARG,
            "the fpga unit's fixed accumulator (%u bits, %d fraction) rounds or overflows on %s x %s at K=%llu, "
            "and no dot-model preset computes its values to check them against: it needs at least %d fraction "
            "and %u integer bits (acc_bits %u, acc_frac_bits %d), or acc: exact",
            x->acc_bits, x->acc_frac, x->fa.name, x->fw.name, (unsigned long long)k, frac, need_int,
            need_int + (unsigned)frac, frac);
        return NULL;
    }
    if (x->accf.ebits == 8 && x->accf.mbits == 23 && x->round == MF_RNE && c->simd == 1) return "fp32-seq";
    lp_diag_msg(d, LP_ERR_ARG,
                "the fpga unit's float accumulator (%s, %s, simd %llu) has no dot-model preset to check its values "
                "against: fp32-seq is 8 exponent and 23 fraction bits, nearest-even, simd 1",
                x->accf.name, mf_round_name(x->round), (unsigned long long)c->simd);
    return NULL;
}

/* ---- the section ------------------------------------------------------------------------- */

static lp_status fpga_check(void *cfg, const cfg_where *w, lp_diag *d)
{
    fpga_cfg *c = cfg;
    const char *key = NULL;
    lp_diag pd;
    lp_diag_init(&pd, NULL);
    lp_status st = fpga_prepare(c, &key, &pd);
    if (!st) st = fpga_fits(c, &key, &pd);
    if (!st) return LP_OK;
    const cfg_loc *l = key && w->ix ? cfg_find(w->ix, key, 0) : NULL; /* NULL: the design as a whole, or a default */
    /* a design over its budget or below its clock stays LP_ERR_INFEASIBLE: a
    ** sweep logs such a point as infeasible instead of stopping */
    lp_status code = st == LP_ERR_INFEASIBLE ? st : LP_ERR_RANGE;
    if (key) return lp_diag_set(d, code, l ? l->vl : w->line, l ? l->vc : w->col, "%s.%s: %s", w->path, key, pd.msg);
    return lp_diag_set(d, code, w->line, w->col, "%s: %s", w->path, pd.msg);
}

#define CFG_STRUCT fpga_cfg
#define CFG_KEYS "fpga_keys.def"
#define CFG_PREFIX fpga
#include "cfg_expand.h"

static const char *const fpga_other_names[] = {"kind", NULL};

const cfg_section fpga_section = {
    "fpga", sizeof(fpga_cfg), fpga_keys, fpga_nkeys, &fpga_schema, fpga_other_names, fpga_check, NULL, NULL, NULL,
    NULL};
