/*
** machine.c — the functional face of the simulated chip (see machine.h):
** memories, the dispatch of each operation to the functional face of the unit
** that executes it, and the check of expected outputs.
*/
#define _POSIX_C_SOURCE 200809L
#include "machine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_bits.h"

lp_status machine_init(machine *m, const isa_prog *p, const arch_cfg *a)
{
    memset(m, 0, sizeof *m);
    m->prog = p;
    m->arch = a;
    lp_status st = mem_image_init(&m->mem, p->dram_bytes, a->spm.size_bytes, a->acc.size_bytes);
    if (st) return st;
    for (size_t i = 0; i < p->nbufs; i++)
        if (p->bufs[i].has_data)
            memcpy(m->mem.base[MEM_DRAM] + p->bufs[i].addr, p->data + p->bufs[i].data_off,
                   isa_buffer_bytes(&p->bufs[i]));
    return LP_OK;
}

lp_status machine_set_core(machine *m, uint32_t core)
{
    if (core == m->core) return LP_OK;
    if (core >= m->ncore_mem) {
        uint32_t n = core + 1;
        uint8_t *(*q)[2] = realloc(m->core_mem, n * sizeof *q);
        if (!q) return LP_ERR_NOMEM;
        m->core_mem = q;
        void *(*qs)[UNIT_KIND_COUNT] = realloc(m->core_state, n * sizeof *qs);
        if (!qs) return LP_ERR_NOMEM;
        m->core_state = qs;
        memset(q + m->ncore_mem, 0, (n - m->ncore_mem) * sizeof *q);
        memset(qs + m->ncore_mem, 0, (n - m->ncore_mem) * sizeof *qs);
        if (!m->ncore_mem) q[0][0] = m->mem.base[MEM_SPM], q[0][1] = m->mem.base[MEM_ACC];
        m->ncore_mem = n;
    }
    if (!m->core_mem[core][0]) {
        uint8_t *spm = calloc(m->mem.size[MEM_SPM] ? m->mem.size[MEM_SPM] : 1, 1),
                *acc = calloc(m->mem.size[MEM_ACC] ? m->mem.size[MEM_ACC] : 1, 1);
        if (!spm || !acc) {
            free(spm), free(acc);
            return LP_ERR_NOMEM;
        }
        m->core_mem[core][0] = spm, m->core_mem[core][1] = acc;
    }
    m->mem.base[MEM_SPM] = m->core_mem[core][0];
    m->mem.base[MEM_ACC] = m->core_mem[core][1];
    memcpy(m->core_state[m->core], m->state, sizeof m->state);
    memcpy(m->state, m->core_state[core], sizeof m->state);
    m->core = core;
    return LP_OK;
}

static void free_state(void *state[UNIT_KIND_COUNT])
{
    for (int k = 0; k < UNIT_KIND_COUNT; k++) {
        const unit_faces *f = unit_kind_get((unit_kind)k)->faces;
        if (state[k] && f && f->state_free) f->state_free(state[k]);
    }
}

void machine_free(machine *m)
{
    if (m->core_mem) { /* mem_image_free frees core 0's through mem */
        m->mem.base[MEM_SPM] = m->core_mem[0][0], m->mem.base[MEM_ACC] = m->core_mem[0][1];
        for (uint32_t c = 1; c < m->ncore_mem; c++) free(m->core_mem[c][0]), free(m->core_mem[c][1]);
        free(m->core_mem);
    }
    if (m->core_state) { /* the current core's state is in m->state */
        for (uint32_t c = 0; c < m->ncore_mem; c++)
            if (c != m->core) free_state(m->core_state[c]);
        free(m->core_state);
    }
    mem_image_free(&m->mem);
    free_state(m->state);
    memset(m, 0, sizeof *m);
}

lp_status machine_check_ranges(const arch_cfg *a, const char *mnemonic, const unit_op *op, lp_diag *d)
{
    for (int i = 0; i < op->nr; i++) {
        const mem_range *r = &op->r[i];
        if (r->space != MEM_SPM && r->space != MEM_ACC) continue;
        uint64_t size = r->space == MEM_SPM ? a->spm.size_bytes : a->acc.size_bytes;
        if (mem_check_range(r, size) != LP_OK)
            return lp_diag_msg(d, LP_ERR_RANGE,
                               "%s touches %s bytes 0x%llx..0x%llx, past the architecture's %llu bytes", mnemonic,
                               r->space == MEM_SPM ? "scratchpad" : "accumulator", (unsigned long long)r->addr,
                               (unsigned long long)mem_range_end(r) - 1, (unsigned long long)size);
    }
    return LP_OK;
}

lp_status machine_exec(machine *m, const unit_op *op, lp_diag *d)
{
    unit_class cls = unit_op_class(op->what);
    if (cls == UNIT_CLASS_CTRL) return LP_OK; /* NOP, HALT, FENCE: ordering only */
    const arch_unit *u = arch_unit_of_class(m->arch, cls);
    unit_kind k = u ? u->kind : unit_reference_kind(cls);
    unit_ctx ctx = {&m->mem, u ? u->cfg : NULL, &m->state[k]};
    return unit_exec(k, &ctx, op, d);
}

/* Check and execute a decoded instruction. */
static lp_status step_insn(machine *m, const isa_insn *in, lp_diag *d)
{
    unit_op op;
    isa_to_op(in, &op);
    lp_status st = machine_check_ranges(m->arch, isa_get(in->op)->mnemonic, &op, d);
    return st ? st : machine_exec(m, &op, d);
}

lp_status machine_step(machine *m, size_t i, lp_diag *d)
{
    isa_insn in;
    lp_status st = isa_decode(m->prog->code + i * ISA_WORD_BYTES, &in, d);
    return st ? st : step_insn(m, &in, d);
}

lp_status machine_run(machine *m, size_t *at, lp_diag *d)
{
    isa_layout lay;
    isa_prog_layout(m->prog, &lay);
    for (size_t s = 0; s < lay.nsecs; s++) {
        *at = lay.secs[s].first;
        if (machine_set_core(m, lay.secs[s].core))
            return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory for core %u", lay.secs[s].core);
        for (size_t i = lay.secs[s].first; i < lay.secs[s].first + lay.secs[s].count; i++) {
            isa_insn in;
            *at = i;
            lp_status st = isa_decode(m->prog->code + i * ISA_WORD_BYTES, &in, d);
            if (st) return st;
            if (in.op == ISA_HALT) return LP_OK;
            if ((st = step_insn(m, &in, d))) return st;
        }
    }
    return LP_OK;
}

/* ---- expected outputs --------------------------------------------------------- */

/* Position of a code in the order of the values it encodes (sign-magnitude). */
static int64_t ordered(const mf_format *f, uint32_t code)
{
    uint32_t mag = code & ~f->sign_bit & f->mask;
    return (code & f->sign_bit) ? -(int64_t)mag : (int64_t)mag;
}

int machine_check(const machine *m, FILE *out, int max_report)
{
    const isa_prog *p = m->prog;
    int failed = 0;
    for (size_t e = 0; e < p->nexpects; e++) {
        const isa_expect *x = &p->expects[e];
        const isa_buffer *b = &p->bufs[x->buf];
        mf_format f;
        isa_buffer_format(b, &f);
        int eb = isa_elem_bytes(&f);
        size_t n = (size_t)b->rows * b->cols, bad = 0;
        const uint8_t *got = m->mem.base[MEM_DRAM] + b->addr, *want = p->data + x->data_off;
        double maxw = 0, maxerr = 0;
        if (x->rule == ISA_RULE_RELERR) {
            for (size_t i = 0; i < n; i++) {
                double w = lp_f32(mf_decode_f32(&f, mem_get_code(want, i, eb))),
                       g = lp_f32(mf_decode_f32(&f, mem_get_code(got, i, eb)));
                if (isfinite(w)) maxw = fmax(maxw, fabs(w)); /* the norm of the finite values */
                if (isfinite(w) && isfinite(g))
                    maxerr = fmax(maxerr, fabs(g - w));
                else if (!(isnan(w) && isnan(g)) && w != g)
                    maxerr = INFINITY;
            }
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t w = mem_get_code(want, i, eb), g = mem_get_code(got, i, eb);
            bool ok;
            int64_t ulps = 0;
            if (x->rule == ISA_RULE_BITEXACT) {
                ok = w == g;
            } else if (x->rule == ISA_RULE_MAXULP) {
                bool wn = mf_is_nan(&f, w), gn = mf_is_nan(&f, g);
                ulps = llabs(ordered(&f, w) - ordered(&f, g));
                /* compared as doubles: a tolerance past 2^63 (maxulp 1e300) has no int64_t */
                ok = wn || gn ? wn && gn : (double)ulps <= x->tol;
            } else {
                double wv = lp_f32(mf_decode_f32(&f, w)), gv = lp_f32(mf_decode_f32(&f, g));
                if (isnan(wv) || isnan(gv)) /* NaN matches only NaN, an infinity only itself */
                    ok = isnan(wv) && isnan(gv);
                else if (isinf(wv) || isinf(gv))
                    ok = wv == gv;
                else
                    ok = fabs(gv - wv) <= x->tol * maxw;
                ulps = llabs(ordered(&f, w) - ordered(&f, g));
            }
            if (ok) continue;
            if ((int)bad < max_report && out)
                fprintf(out, "  %s[%zu, %zu]: expected %0*x (%.9g), got %0*x (%.9g), %lld ulp apart\n", b->name,
                        i / b->cols, i % b->cols, f.hex_digits, w, (double)lp_f32(mf_decode_f32(&f, w)), f.hex_digits,
                        g, (double)lp_f32(mf_decode_f32(&f, g)), (long long)llabs(ordered(&f, w) - ordered(&f, g)));
            bad++;
        }
        if (bad) {
            failed++;
            if (out) {
                fprintf(out, "%s: %zu of %zu elements differ (%s %g", b->name, bad, n, isa_rule_name(x->rule), x->tol);
                if (x->rule == ISA_RULE_RELERR) fprintf(out, "; max error %.3g of max |expected| %.3g", maxerr, maxw);
                fprintf(out, ")\n");
            }
        }
    }
    return failed;
}

bool machine_error(const machine *m, qerr *e)
{
    const isa_prog *p = m->prog;
    if (!p->ref) return false;
    const isa_buffer *b = &p->bufs[p->ref_buf];
    mf_format f;
    isa_buffer_format(b, &f);
    int eb = isa_elem_bytes(&f);
    const uint8_t *got = m->mem.base[MEM_DRAM] + b->addr;
    qerr_acc acc = {0};
    for (size_t i = 0, n = (size_t)b->rows * b->cols; i < n; i++)
        qerr_add(&acc, (double)lp_f32(mf_decode_f32(&f, mem_get_code(got, i, eb))) * p->ref_scale, p->ref[i]);
    qerr_finish(&acc, e);
    return true;
}
