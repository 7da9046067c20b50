/*
** run.c — the one run path (see run.h): architecture, kernel, simulation,
** statistics, expected outputs.
*/
#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "lp_file.h"
#include "machine.h"
#include "system.h"

/* A kernel: a .lpt program, or a .s source assembled against the chip's
** scratchpad and accumulator sizes. The assembler may report several errors:
** all but the last go to o->diags, the last into d. */
static lp_status load_kernel(const char *path, const arch_cfg *a, const lp_run_opts *o, isa_prog *p, lp_diag *d)
{
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".lpt")) return isa_prog_read(path, p, d);
    lp_diag why;
    char *src;
    size_t len;
    lp_diag_init(d, path);
    if (lp_read_file(path, LP_MAX_SOURCE_BYTES, &src, &len, &why)) /* unplaced: the caller knows the argument */
        return lp_diag_msg(d, why.status, "cannot read: %s", why.msg);
    asm_opts ao = {path, 20, false, a->spm.size_bytes, a->acc.size_bytes, 0};
    asm_diags dg = {0};
    lp_status st = asm_assemble(src, len, &ao, p, &dg);
    free(src);
    if (st) {
        if (dg.n > 1 && o->diags) { /* all but the last; the caller prints that one */
            asm_diags one = dg;
            one.n--;
            one.truncated = false;
            asm_diags_print(&one, o->diags);
        }
        if (dg.n) *d = dg.items[dg.n - 1];
        /* d->file points into dg, freed below: keep the name of a data file the
        ** error lies in with the (failed, empty) program, which the caller frees
        ** with lp_run_free after printing d; the kernel's own name is path */
        if (dg.n && strcmp(d->file, path) && (p->src_path = strdup(d->file)))
            d->file = p->src_path;
        else
            d->file = path;
        if (!dg.n) lp_diag_set(d, st, 1, 1, "cannot assemble: %s", lp_status_text(st));
    }
    asm_diags_free(&dg);
    return st;
}

lp_status lp_run_kernel(const char *arch, const char *kernel, const lp_run_opts *o, lp_run *r, lp_diag *d)
{
    memset(r, 0, sizeof *r);
    isa_prog_init(&r->prog);
    lp_status st = arch_load(arch, &r->arch, d);
    if (!st) st = load_kernel(kernel, r->arch, o, &r->prog, d);
    if (!st) st = lp_run_program(r, kernel, o, d);
    return st;
}

lp_status lp_run_program(lp_run *r, const char *kernel, const lp_run_opts *o, lp_diag *d)
{
    machine m;
    size_t at = 0;
    lp_diag_init(d, kernel);
    if (!o->timing_only && machine_init(&m, &r->prog, r->arch) != LP_OK)
        return lp_diag_set(d, LP_ERR_NOMEM, 1, 1,
                           "out of memory for the simulated memories: DRAM %llu bytes (the kernel's buffers), "
                           "scratchpad %llu, accumulators %llu",
                           (unsigned long long)r->prog.dram_bytes, (unsigned long long)r->arch->spm.size_bytes,
                           (unsigned long long)r->arch->acc.size_bytes);
    free(r->kernels);
    r->nkernels = 0;
    size_t nk = isa_prog_nkernels(&r->prog);
    r->kernels = calloc(nk, sizeof *r->kernels);
    if (!r->kernels) {
        if (!o->timing_only) machine_free(&m);
        return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory for %zu kernels' statistics", nk);
    }
    r->nkernels = nk;
    lp_sim_opts so = {o->trace, o->all_cores};
    lp_status st = lp_sim_run_ex(&r->prog, r->arch, o->timing_only ? NULL : &m, &so, &r->stats, r->kernels, &at, d);
    if (st) {
        isa_prog_locate(&r->prog, at, kernel, d);
    } else if (!o->timing_only) {
        r->expectations = r->prog.nexpects;
        r->failed = machine_check(&m, o->report, o->max_report);
        r->has_err = machine_error(&m, &r->err);
    }
    if (!o->timing_only) machine_free(&m);
    return st;
}

void lp_run_free(lp_run *r)
{
    free(r->kernels);
    arch_free(r->arch);
    isa_prog_free(&r->prog);
    memset(r, 0, sizeof *r);
}
