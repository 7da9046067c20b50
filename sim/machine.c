/*
** machine.c — the functional face of the simulated accelerator (see
** machine.h). Each instruction reads its operands from the memories, asks
** models/ for the values and writes the result; operand tiles are dense and
** row-major, DRAM tiles use their buffer's row pitch. Scratch arrays for an
** instruction are allocated per instruction: this is the functional face,
** not the timing-only path that sweeps run.
*/
#define _POSIX_C_SOURCE 200809L
#include "machine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "lp_bits.h"
#include "mx.h"

lp_status machine_init(machine *m, const isa_prog *p, const arch_cfg *a)
{
    memset(m, 0, sizeof *m);
    m->prog = p;
    m->dram_bytes = p->dram_bytes;
    m->spm_bytes = a->spm.size_bytes;
    m->acc_bytes = a->acc.size_bytes;
    m->dram = calloc(p->dram_bytes ? p->dram_bytes : 1, 1);
    m->spm = calloc(m->spm_bytes, 1);
    m->acc = calloc(m->acc_bytes, 1);
    if (!m->dram || !m->spm || !m->acc) {
        machine_free(m);
        return LP_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->nbufs; i++)
        if (p->bufs[i].has_data)
            memcpy(m->dram + p->bufs[i].addr, p->data + p->bufs[i].data_off, isa_buffer_bytes(&p->bufs[i]));
    return LP_OK;
}

void machine_free(machine *m)
{
    free(m->dram);
    free(m->spm);
    free(m->acc);
    for (int i = 0; i < m->npim; i++) free(m->pim[i].w);
    free(m->pim);
    memset(m, 0, sizeof *m);
}

/* ---- memory access ------------------------------------------------------------ */

/* Space and address of operand k (spm, acc or mem kinds). */
static uint8_t *operand_ptr(machine *m, const isa_insn *in, int k)
{
    const isa_operand_info *o = &isa_get(in->op)->ops[k];
    uint64_t v = in->v[k];
    if (o->kind == ISA_K_SPM) return m->spm + v;
    if (o->kind == ISA_K_ACC) return m->acc + v;
    if (o->kind == ISA_K_MEM) return (v & ISA_MEM_ACC) ? m->acc + (v & (ISA_MEM_ACC - 1)) : m->spm + v;
    if (o->kind == ISA_K_DRAM) return m->dram + (v & ((UINT64_C(1) << ISA_DRAM_ADDR_BITS) - 1));
    return NULL;
}

static uint32_t get_code(const uint8_t *p, size_t i, int eb)
{
    uint32_t v = 0;
    for (int b = eb - 1; b >= 0; b--) v = v << 8 | p[i * (size_t)eb + (size_t)b];
    return v;
}

static void put_code(uint8_t *p, size_t i, int eb, uint32_t v)
{
    for (int b = 0; b < eb; b++) p[i * (size_t)eb + (size_t)b] = (uint8_t)(v >> (8 * b));
}

static float get_f32(const uint8_t *p, size_t i)
{
    float v;
    memcpy(&v, p + 4 * i, 4);
    return v;
}

static void put_f32(uint8_t *p, size_t i, float v) { memcpy(p + 4 * i, &v, 4); }

static mf_format fmt_of(uint64_t code)
{
    mf_format f;
    if (isa_fmt_decode((uint32_t)code, &f) != LP_OK) mf_get(MF_FP32, &f);
    return f;
}

lp_status machine_check_ranges(uint64_t spm_bytes, uint64_t acc_bytes, const isa_insn *in, char *err, size_t errlen)
{
    isa_range r[ISA_MAX_RANGES];
    int n = isa_ranges(in, r);
    for (int i = 0; i < n; i++) {
        uint64_t size = r[i].space == ISA_SPACE_SPM ? spm_bytes : acc_bytes;
        if (r[i].space != ISA_SPACE_SPM && r[i].space != ISA_SPACE_ACC) continue;
        uint64_t end = r[i].addr + (r[i].rows - 1) * r[i].pitch + r[i].row_bytes;
        if (end > size) {
            snprintf(err, errlen, "%s touches %s bytes 0x%llx..0x%llx, past the architecture's %llu bytes",
                     isa_get(in->op)->mnemonic, r[i].space == ISA_SPACE_SPM ? "scratchpad" : "accumulator",
                     (unsigned long long)r[i].addr, (unsigned long long)end - 1, (unsigned long long)size);
            return LP_ERR_RANGE;
        }
    }
    return LP_OK;
}

/* ---- instructions ------------------------------------------------------------- */

static lp_status do_dma(machine *m, const isa_insn *in, bool load)
{
    mf_format f = fmt_of(in->v[4]);
    int eb = isa_elem_bytes(&f);
    uint64_t rows = in->v[2], cols = in->v[3], row_bytes = cols * (uint64_t)eb;
    int dram_op = load ? 1 : 0, tile_op = load ? 0 : 1;
    uint64_t pitch = (in->v[dram_op] >> ISA_DRAM_ADDR_BITS) * (uint64_t)eb;
    uint8_t *d = operand_ptr(m, in, dram_op), *t = operand_ptr(m, in, tile_op);
    for (uint64_t r = 0; r < rows; r++) {
        if (load)
            memcpy(t + r * row_bytes, d + r * pitch, row_bytes);
        else
            memcpy(d + r * pitch, t + r * row_bytes, row_bytes);
    }
    return LP_OK;
}

static lp_status do_mma(machine *m, const isa_insn *in, char *err, size_t errlen)
{
    int M = (int)in->v[3], N = (int)in->v[4], K = (int)in->v[5];
    mf_format fa = fmt_of(in->v[6]), fb = fmt_of(in->v[7]);
    if (fa.bits > 16 || fb.bits > 16) {
        snprintf(err, errlen, "MMA multiplies formats of at most 16 bits, not %s x %s", fa.name, fb.name);
        return LP_ERR_RANGE;
    }
    dot_cfg c;
    dot_preset_get((int)in->v[8], &c);
    uint16_t *a = malloc(sizeof *a * (size_t)M * (size_t)K), *b = malloc(sizeof *b * (size_t)K * (size_t)N);
    float *acc = malloc(sizeof *acc * (size_t)M * (size_t)N);
    lp_status st = LP_ERR_NOMEM;
    if (a && b && acc) {
        const uint8_t *pa = operand_ptr(m, in, 1), *pb = operand_ptr(m, in, 2);
        uint8_t *pc = operand_ptr(m, in, 0);
        for (size_t i = 0; i < (size_t)M * (size_t)K; i++) a[i] = (uint16_t)get_code(pa, i, isa_elem_bytes(&fa));
        for (size_t i = 0; i < (size_t)K * (size_t)N; i++) b[i] = (uint16_t)get_code(pb, i, isa_elem_bytes(&fb));
        memcpy(acc, pc, sizeof *acc * (size_t)M * (size_t)N);
        dot_matrix A = {&fa, a, K, NULL, 0, 0}, B = {&fb, b, N, NULL, 0, 0};
        st = dot_gemm(&c, M, N, K, &A, &B, in->v[9] ? acc : NULL, acc);
        if (st == LP_OK) memcpy(pc, acc, sizeof *acc * (size_t)M * (size_t)N);
    }
    free(a), free(b), free(acc);
    if (st) snprintf(err, errlen, "MMA failed: %s", lp_status_text(st));
    return st;
}

static lp_status do_mma_mx(machine *m, const isa_insn *in, char *err, size_t errlen)
{
    int M = (int)in->v[5], N = (int)in->v[6], K = (int)in->v[7], KB = K / 32;
    mx_elem ea, eb;
    mx_elem_get((mx_elem_id)in->v[8], &ea);
    mx_elem_get((mx_elem_id)in->v[9], &eb);
    dot_cfg c;
    dot_preset_get((int)in->v[10], &c);
    uint16_t *a = malloc(sizeof *a * (size_t)M * (size_t)K), *bt = malloc(sizeof *bt * (size_t)K * (size_t)N);
    uint8_t *sbt = malloc((size_t)KB * (size_t)N);
    float *acc = malloc(sizeof *acc * (size_t)M * (size_t)N);
    lp_status st = LP_ERR_NOMEM;
    if (a && bt && sbt && acc) {
        const uint8_t *pa = operand_ptr(m, in, 1), *psa = operand_ptr(m, in, 2), *pb = operand_ptr(m, in, 3),
                      *psb = operand_ptr(m, in, 4);
        uint8_t *pc = operand_ptr(m, in, 0);
        for (size_t i = 0; i < (size_t)M * (size_t)K; i++) a[i] = pa[i];
        for (int n = 0; n < N; n++) /* B is stored n x k (as weights are); the model wants k x n */
            for (int k = 0; k < K; k++) bt[(size_t)k * (size_t)N + (size_t)n] = pb[(size_t)n * (size_t)K + (size_t)k];
        for (int n = 0; n < N; n++)
            for (int q = 0; q < KB; q++)
                sbt[(size_t)q * (size_t)N + (size_t)n] = psb[(size_t)n * (size_t)KB + (size_t)q];
        memcpy(acc, pc, sizeof *acc * (size_t)M * (size_t)N);
        dot_matrix A = {&ea.fmt, a, K, psa, 32, KB}, B = {&eb.fmt, bt, N, sbt, 32, N};
        st = dot_gemm(&c, M, N, K, &A, &B, in->v[11] ? acc : NULL, acc);
        if (st == LP_OK) memcpy(pc, acc, sizeof *acc * (size_t)M * (size_t)N);
    }
    free(a), free(bt), free(sbt), free(acc);
    if (st) snprintf(err, errlen, "MMA_MX failed: %s", lp_status_text(st));
    return st;
}

static lp_status do_mx(machine *m, const isa_insn *in, bool quantize)
{
    size_t rows = in->v[3], cols = in->v[4], n = rows * cols;
    mx_elem e;
    mx_elem_get((mx_elem_id)in->v[5], &e);
    float *x = malloc(sizeof *x * n);
    if (!x) return LP_ERR_NOMEM;
    lp_status st = LP_OK;
    if (quantize) { /* dst codes, scales, src float32 */
        memcpy(x, operand_ptr(m, in, 2), sizeof *x * n);
        st = mx_quantize(&e, x, n, 32, (mf_round)in->v[6], operand_ptr(m, in, 0), operand_ptr(m, in, 1));
    } else { /* dst float32, src codes, scales */
        mx_dequantize(&e, operand_ptr(m, in, 1), operand_ptr(m, in, 2), n, 32, x);
        memcpy(operand_ptr(m, in, 0), x, sizeof *x * n);
    }
    free(x);
    return st;
}

static void do_vcvt(machine *m, const isa_insn *in)
{
    size_t n = in->v[2] * in->v[3];
    mf_format df = fmt_of(in->v[4]), sf = fmt_of(in->v[5]);
    mf_opts o = {(mf_round)in->v[6], false, 0};
    int deb = isa_elem_bytes(&df), seb = isa_elem_bytes(&sf);
    const uint8_t *s = operand_ptr(m, in, 1);
    uint8_t *d = operand_ptr(m, in, 0);
    uint8_t *tmp = malloc((size_t)deb * n); /* dst may overlap src */
    if (!tmp) return;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = mf_decode_f32(&sf, get_code(s, i, seb));
        put_code(tmp, i, deb, mf_encode_f32(&df, x, &o, i));
    }
    memcpy(d, tmp, (size_t)deb * n);
    free(tmp);
}

/* Elementwise float32 operations: dst[i] = f(a[i], b[i]) or f(src[i]). */
static void do_vector(machine *m, const isa_insn *in)
{
    const isa_op op = in->op;
    bool binary = op == ISA_VADD || op == ISA_VSUB || op == ISA_VMUL || op == ISA_VMAX;
    bool bcast = op == ISA_VBSUB || op == ISA_VBMUL;
    int rows_op = binary || bcast ? 3 : op == ISA_VFILL ? 1 : 2;
    size_t rows = in->v[rows_op], cols = in->v[rows_op + 1], n = rows * cols;
    uint8_t *d = operand_ptr(m, in, 0);
    const uint8_t *a = op == ISA_VFILL ? NULL : operand_ptr(m, in, 1),
                  *b = binary || bcast ? operand_ptr(m, in, 2) : NULL;
    if (op == ISA_VRMAX || op == ISA_VRSUM) {
        float *out = malloc(sizeof *out * rows);
        if (!out) return;
        for (size_t r = 0; r < rows; r++) {
            float acc = op == ISA_VRMAX ? -INFINITY : 0.0f;
            for (size_t c = 0; c < cols; c++) {
                float x = get_f32(a, r * cols + c);
                acc = op == ISA_VRMAX ? (x > acc || isnan(x) ? x : acc) : acc + x;
            }
            out[r] = acc;
        }
        memcpy(d, out, sizeof *out * rows);
        free(out);
        return;
    }
    float s = 0;
    if (op == ISA_VSCALE) s = lp_f32((uint32_t)in->v[4]);
    if (op == ISA_VFILL) s = lp_f32((uint32_t)in->v[3]);
    for (size_t i = 0; i < n; i++) {
        float x = a ? get_f32(a, i) : 0, y = 0, r;
        if (b) y = bcast ? get_f32(b, i / cols) : get_f32(b, i);
        switch (op) {
        case ISA_VADD: r = x + y; break;
        case ISA_VSUB:
        case ISA_VBSUB: r = x - y; break;
        case ISA_VMUL:
        case ISA_VBMUL: r = x * y; break;
        case ISA_VMAX: r = isnan(x) || isnan(y) ? NAN : (x > y ? x : y); break;
        case ISA_VEXP: r = expf(x); break;
        case ISA_VRSQRT: r = 1.0f / sqrtf(x); break;
        case ISA_VRCP: r = 1.0f / x; break;
        case ISA_VSCALE: r = x * s; break;
        default: r = s; break; /* VFILL */
        }
        put_f32(d, i, r); /* elementwise: dst may alias a source */
    }
}

static struct pim_array *pim_at(machine *m, uint64_t idx, bool create)
{
    if (idx < (uint64_t)m->npim && m->pim[idx].w) return &m->pim[idx];
    if (!create) return NULL;
    if (idx >= (uint64_t)m->npim) {
        struct pim_array *q = realloc(m->pim, sizeof *q * (size_t)(idx + 1));
        if (!q) return NULL;
        memset(q + m->npim, 0, sizeof *q * (size_t)(idx + 1 - (uint64_t)m->npim));
        m->pim = q;
        m->npim = (int)idx + 1;
    }
    return &m->pim[idx];
}

static lp_status do_pim(machine *m, const isa_insn *in, char *err, size_t errlen)
{
    if (in->op == ISA_PIM_LD) {
        uint32_t rows = (uint32_t)in->v[2], cols = (uint32_t)in->v[3];
        mf_format f = fmt_of(in->v[4]);
        int eb = isa_elem_bytes(&f);
        uint64_t pitch = (in->v[1] >> ISA_DRAM_ADDR_BITS) * (uint64_t)eb;
        const uint8_t *src = operand_ptr(m, in, 1);
        struct pim_array *p = pim_at(m, in->v[0], true);
        float *w = p ? malloc(sizeof *w * rows * cols) : NULL;
        if (!w) return LP_ERR_NOMEM;
        for (uint32_t r = 0; r < rows; r++)
            for (uint32_t c = 0; c < cols; c++)
                w[r * cols + c] = lp_f32(mf_decode_f32(&f, get_code(src + r * pitch, c, eb)));
        free(p->w);
        p->w = w;
        p->rows = rows;
        p->cols = cols;
        return LP_OK;
    }
    struct pim_array *p = pim_at(m, in->v[in->op == ISA_PIM_GEMV ? 1 : 0], false);
    uint64_t rows = in->v[in->op == ISA_PIM_GEMV ? 3 : 1], cols = in->v[in->op == ISA_PIM_GEMV ? 4 : 2];
    if (!p || p->rows != rows || p->cols != cols) {
        snprintf(err, errlen, "%s: PIM array %llu holds no %llu x %llu matrix", isa_get(in->op)->mnemonic,
                 (unsigned long long)in->v[in->op == ISA_PIM_GEMV ? 1 : 0], (unsigned long long)rows,
                 (unsigned long long)cols);
        return LP_ERR_RANGE;
    }
    if (in->op == ISA_PIM_CVT) { /* re-round the held weights to dfmt */
        mf_format df = fmt_of(in->v[3]);
        for (uint64_t i = 0; i < rows * cols; i++)
            p->w[i] = lp_f32(mf_decode_f32(&df, mf_encode_f32(&df, lp_bits(p->w[i]), NULL, 0)));
        return LP_OK;
    }
    mf_format xf = fmt_of(in->v[5]);
    const uint8_t *x = operand_ptr(m, in, 2);
    uint8_t *y = operand_ptr(m, in, 0);
    int eb = isa_elem_bytes(&xf);
    for (uint64_t r = 0; r < rows; r++) {
        double acc = 0; /* exact for integer operands: |sum| < 2^53 */
        for (uint64_t c = 0; c < cols; c++)
            acc += (double)p->w[r * cols + c] * (double)lp_f32(mf_decode_f32(&xf, get_code(x, c, eb)));
        put_f32(y, r, (float)acc);
    }
    return LP_OK;
}

lp_status machine_step(machine *m, size_t i, char *err, size_t errlen)
{
    isa_insn in;
    lp_diag dd;
    lp_status st = isa_decode(m->prog->code + i * ISA_WORD_BYTES, &in, &dd);
    if (st) {
        snprintf(err, errlen, "%s", dd.msg);
        return st;
    }
    if ((st = machine_check_ranges(m->spm_bytes, m->acc_bytes, &in, err, errlen))) return st;
    switch (in.op) {
    case ISA_NOP:
    case ISA_HALT:
    case ISA_FENCE: return LP_OK;
    case ISA_DMA_LD: return do_dma(m, &in, true);
    case ISA_DMA_ST: return do_dma(m, &in, false);
    case ISA_MMA: return do_mma(m, &in, err, errlen);
    case ISA_MMA_MX: return do_mma_mx(m, &in, err, errlen);
    case ISA_MXQ: return do_mx(m, &in, true);
    case ISA_MXDQ: return do_mx(m, &in, false);
    case ISA_VCVT: do_vcvt(m, &in); return LP_OK;
    case ISA_PIM_LD:
    case ISA_PIM_GEMV:
    case ISA_PIM_CVT: return do_pim(m, &in, err, errlen);
    default: do_vector(m, &in); return LP_OK;
    }
}

lp_status machine_run(machine *m, size_t *at, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->prog->ninsns; i++) {
        isa_insn in;
        *at = i;
        if (isa_decode(m->prog->code + i * ISA_WORD_BYTES, &in, NULL) == LP_OK && in.op == ISA_HALT) return LP_OK;
        lp_status st = machine_step(m, i, err, errlen);
        if (st) return st;
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
        const uint8_t *got = m->dram + b->addr, *want = p->data + x->data_off;
        double maxw = 0, maxerr = 0;
        if (x->rule == ISA_RULE_RELERR) {
            for (size_t i = 0; i < n; i++) {
                double w = lp_f32(mf_decode_f32(&f, get_code(want, i, eb))),
                       g = lp_f32(mf_decode_f32(&f, get_code(got, i, eb)));
                maxw = fmax(maxw, fabs(w));
                maxerr = isnan(g) != isnan(w) ? INFINITY : fmax(maxerr, fabs(g - w));
            }
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t w = get_code(want, i, eb), g = get_code(got, i, eb);
            bool ok;
            int64_t ulps = 0;
            if (x->rule == ISA_RULE_BITEXACT) {
                ok = w == g;
            } else if (x->rule == ISA_RULE_MAXULP) {
                bool wn = mf_is_nan(&f, w), gn = mf_is_nan(&f, g);
                ulps = llabs(ordered(&f, w) - ordered(&f, g));
                ok = wn || gn ? wn && gn : ulps <= (int64_t)x->tol;
            } else {
                double wv = lp_f32(mf_decode_f32(&f, w)), gv = lp_f32(mf_decode_f32(&f, g));
                ok = fabs(gv - wv) <= x->tol * maxw && isnan(gv) == isnan(wv);
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
                static const char *const rules[] = {"bitexact", "maxulp", "relerr"};
                fprintf(out, "%s: %zu of %zu elements differ (%s %g", b->name, bad, n, rules[x->rule], x->tol);
                if (x->rule == ISA_RULE_RELERR) fprintf(out, "; max error %.3g of max |expected| %.3g", maxerr, maxw);
                fprintf(out, ")\n");
            }
        }
    }
    return failed;
}
