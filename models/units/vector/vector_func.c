/*
** vector_func.c — the vector unit's functional face (see vector.h): one body
** per vector operation. Elementwise bodies write each result as they go (the
** destination may alias a source); row reductions, conversions and MX
** quantisation work through a scratch copy.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_bits.h"
#include "vector.h"

static int elem_bytes(const mf_format *f) { return f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : 4; }

/* dst = f(a, b), elementwise. */
static lp_status binary(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t n = op->rows * op->cols;
    uint8_t *dst = mem_ptr(u->mem, &op->dst);
    const uint8_t *a = mem_ptr(u->mem, &op->a), *b = mem_ptr(u->mem, &op->b);
    for (size_t i = 0; i < n; i++) {
        float x = mem_get_f32(a, i), y = mem_get_f32(b, i), r;
        switch (op->what) {
        case UNIT_OP_ADD: r = x + y; break;
        case UNIT_OP_SUB: r = x - y; break;
        case UNIT_OP_MUL: r = x * y; break;
        case UNIT_OP_MAX: r = isnan(x) || isnan(y) ? NAN : (x > y ? x : y); break;
        default:
            return lp_diag_msg(d, LP_ERR_UNIT, "%s is not an elementwise binary operation", unit_op_name(op->what));
        }
        mem_put_f32(dst, i, r);
    }
    return LP_OK;
}

/* dst = f(src), elementwise; FILL reads no source. */
static lp_status unary(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t n = op->rows * op->cols;
    uint8_t *dst = mem_ptr(u->mem, &op->dst);
    const uint8_t *src = op->what == UNIT_OP_FILL ? NULL : mem_ptr(u->mem, &op->src);
    float s = lp_f32(op->imm);
    for (size_t i = 0; i < n; i++) {
        float x = src ? mem_get_f32(src, i) : 0, r;
        switch (op->what) {
        case UNIT_OP_EXP: r = expf(x); break;
        case UNIT_OP_RSQRT: r = 1.0f / sqrtf(x); break;
        case UNIT_OP_RCP: r = 1.0f / x; break;
        case UNIT_OP_SCALE: r = x * s; break;
        case UNIT_OP_FILL: r = s; break;
        default: return lp_diag_msg(d, LP_ERR_UNIT, "%s is not an elementwise unary operation", unit_op_name(op->what));
        }
        mem_put_f32(dst, i, r);
    }
    return LP_OK;
}

/* dst[r] = max or sum over row r of src. */
static lp_status row_reduce(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t rows = op->rows, cols = op->cols;
    const uint8_t *src = mem_ptr(u->mem, &op->src);
    float *out = malloc(sizeof *out * rows);
    if (!out) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    bool max = op->what == UNIT_OP_ROW_MAX;
    for (size_t r = 0; r < rows; r++) {
        float acc = max ? -INFINITY : 0.0f;
        for (size_t c = 0; c < cols; c++) {
            float x = mem_get_f32(src, r * cols + c);
            acc = max ? (x > acc || isnan(x) ? x : acc) : acc + x;
        }
        out[r] = acc;
    }
    memcpy(mem_ptr(u->mem, &op->dst), out, sizeof *out * rows);
    free(out);
    return LP_OK;
}

/* dst[r][c] = src[r][c] - or * v[r]. */
static lp_status row_broadcast(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t n = op->rows * op->cols;
    uint8_t *dst = mem_ptr(u->mem, &op->dst);
    const uint8_t *src = mem_ptr(u->mem, &op->src), *v = mem_ptr(u->mem, &op->v);
    (void)d;
    for (size_t i = 0; i < n; i++) {
        float x = mem_get_f32(src, i), y = mem_get_f32(v, i / op->cols);
        mem_put_f32(dst, i, op->what == UNIT_OP_ROW_SUB ? x - y : x * y);
    }
    return LP_OK;
}

static lp_status convert(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t n = op->rows * op->cols;
    mf_opts o = {op->round, false, 0};
    int deb = elem_bytes(&op->dfmt), seb = elem_bytes(&op->sfmt);
    const uint8_t *s = mem_ptr(u->mem, &op->src);
    uint8_t *tmp = malloc((size_t)deb * n); /* dst may overlap src */
    if (!tmp) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        uint32_t x = mf_decode_f32(&op->sfmt, mem_get_code(s, i, seb));
        mem_put_code(tmp, i, deb, mf_encode_f32(&op->dfmt, x, &o, i));
    }
    memcpy(mem_ptr(u->mem, &op->dst), tmp, (size_t)deb * n);
    free(tmp);
    return LP_OK;
}

/* MX_QUANT: float32 src to codes (dst) and scales; MX_DEQUANT the reverse. */
static lp_status mx(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t n = op->rows * op->cols;
    float *x = malloc(sizeof *x * n);
    lp_status st = LP_OK;
    if (!x) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    if (op->what == UNIT_OP_MX_QUANT) {
        memcpy(x, mem_ptr(u->mem, &op->src), sizeof *x * n);
        st = mx_quantize(op->elem, x, n, 32, op->round, mem_ptr(u->mem, &op->dst), mem_ptr(u->mem, &op->scales));
    } else {
        mx_dequantize(op->elem, mem_ptr(u->mem, &op->src), mem_ptr(u->mem, &op->scales), n, 32, x);
        memcpy(mem_ptr(u->mem, &op->dst), x, sizeof *x * n);
    }
    free(x);
    return st ? lp_diag_msg(d, st, "%s failed: %s", unit_op_name(op->what), lp_status_text(st)) : LP_OK;
}

static const unit_body vector_ops[UNIT_OP_COUNT] = {
    [UNIT_OP_ADD] = binary,
    [UNIT_OP_SUB] = binary,
    [UNIT_OP_MUL] = binary,
    [UNIT_OP_MAX] = binary,
    [UNIT_OP_EXP] = unary,
    [UNIT_OP_RSQRT] = unary,
    [UNIT_OP_RCP] = unary,
    [UNIT_OP_SCALE] = unary,
    [UNIT_OP_FILL] = unary,
    [UNIT_OP_ROW_MAX] = row_reduce,
    [UNIT_OP_ROW_SUM] = row_reduce,
    [UNIT_OP_ROW_SUB] = row_broadcast,
    [UNIT_OP_ROW_MUL] = row_broadcast,
    [UNIT_OP_CONVERT] = convert,
    [UNIT_OP_MX_QUANT] = mx,
    [UNIT_OP_MX_DEQUANT] = mx,
};

const unit_faces vector_faces = {vector_ops, NULL, vector_timing, vector_energy_pj};
