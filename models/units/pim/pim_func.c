/*
** pim_func.c — the PIM arrays' functional face (see pim.h). Each placed
** matrix keeps its values (rows x cols floats, exact for the integer and
** minifloat formats of at most 16 bits it is loaded from) in the unit's state,
** by array index. GEMV and GEMM multiply integer weights by integer
** activations exactly and sum in the unit's acc_bits-wide accumulator, which
** wraps in two's complement on overflow (the arrays' adders drop the carry
** out of the top bit; a wrapped sum does not depend on the order of the
** additions, so the LUT and bit-serial algorithms give the same bits); the
** sum then rounds to float32 (exact up to 24 bits). With acc_bits 0, with no
** pim unit declared (the reference machine), or with minifloat operands, the
** sum is taken in double: exact for integer operands, whose sums stay below
** 2^53.
*/
#include <stdlib.h>
#include <string.h>

#include "lp_bits.h"
#include "pim.h"

typedef struct pim_array {
    uint32_t rows, cols;
    bool integer; /* held as an integer format */
    float *w;
} pim_array;

typedef struct pim_state {
    pim_array *arr;
    int n;
} pim_state;

static void pim_state_free(void *p)
{
    pim_state *s = p;
    if (!s) return;
    for (int i = 0; i < s->n; i++) free(s->arr[i].w);
    free(s->arr);
    free(s);
}

/* The array at idx (created, empty, when create is set), or NULL. */
static pim_array *array_at(unit_ctx *u, uint64_t idx, bool create)
{
    pim_state *s = *u->state;
    if (s && idx < (uint64_t)s->n && s->arr[idx].w) return &s->arr[idx];
    if (!create) return NULL;
    if (!s && !(s = *u->state = calloc(1, sizeof *s))) return NULL;
    if (idx >= (uint64_t)s->n) {
        pim_array *q = realloc(s->arr, sizeof *q * (size_t)(idx + 1));
        if (!q) return NULL;
        memset(q + s->n, 0, sizeof *q * (size_t)(idx + 1 - (uint64_t)s->n));
        s->arr = q;
        s->n = (int)idx + 1;
    }
    return &s->arr[idx];
}

static int elem_bytes(const mf_format *f) { return f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : 4; }

static lp_status load(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    uint32_t rows = (uint32_t)op->rows, cols = (uint32_t)op->cols;
    int eb = elem_bytes(&op->fmt);
    const uint8_t *src = mem_ptr(u->mem, &op->src);
    pim_array *p = array_at(u, op->arr, true);
    float *w = p ? malloc(sizeof *w * rows * cols) : NULL;
    if (!w) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++)
            w[r * cols + c] = lp_f32(mf_decode_f32(&op->fmt, mem_get_code(src + r * op->src.pitch, c, eb)));
    free(p->w);
    p->w = w;
    p->rows = rows;
    p->cols = cols;
    p->integer = op->fmt.kind == MF_KIND_INT;
    return LP_OK;
}

/* The array holding the operation's rows x cols matrix, or an error. */
static pim_array *held(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    pim_array *p = array_at(u, op->arr, false);
    if (!p || p->rows != op->rows || p->cols != op->cols) {
        lp_diag_msg(d, LP_ERR_RANGE, "%s: PIM array %llu holds no %llu x %llu matrix",
                    op->what == UNIT_OP_PIM_GEMV   ? "PIM_GEMV"
                    : op->what == UNIT_OP_PIM_GEMM ? "PIM_GEMM"
                                                   : "PIM_CVT",
                    (unsigned long long)op->arr, (unsigned long long)op->rows, (unsigned long long)op->cols);
        return NULL;
    }
    return p;
}

/* v wrapped to a bits-wide two's-complement integer (1 <= bits <= 64). */
static int64_t wrap_bits(uint64_t v, uint64_t bits)
{
    if (bits >= 64) return (int64_t)v;
    uint64_t m = (UINT64_C(1) << bits) - 1, sign = UINT64_C(1) << (bits - 1);
    v &= m;
    return (int64_t)(v & sign ? v | ~m : v);
}

/* y = W x for one activation vector x (cols elements of op->fmt). */
static void gemv_row(const pim_array *p, const unit_op *op, uint64_t acc_bits, const uint8_t *x, uint8_t *y)
{
    int eb = elem_bytes(&op->fmt);
    if (acc_bits && p->integer && op->fmt.kind == MF_KIND_INT) {
        for (uint64_t r = 0; r < op->rows; r++) {
            uint64_t acc = 0; /* modulo 2^64, wrapped to acc_bits at the end: the same bits */
            for (uint64_t c = 0; c < op->cols; c++) {
                int64_t w = (int64_t)p->w[r * op->cols + c];
                int64_t a = (int64_t)lp_f32(mf_decode_f32(&op->fmt, mem_get_code(x, c, eb)));
                acc += (uint64_t)w * (uint64_t)a;
            }
            mem_put_f32(y, r, (float)wrap_bits(acc, acc_bits));
        }
        return;
    }
    for (uint64_t r = 0; r < op->rows; r++) {
        double acc = 0; /* exact for integer operands: |sum| < 2^53 */
        for (uint64_t c = 0; c < op->cols; c++)
            acc += (double)p->w[r * op->cols + c] * (double)lp_f32(mf_decode_f32(&op->fmt, mem_get_code(x, c, eb)));
        mem_put_f32(y, r, (float)acc);
    }
}

/* The accumulator width, 0 (exact) when the chip declares no pim unit. */
static uint64_t acc_bits_of(const unit_ctx *u) { return u->cfg ? ((const pim_cfg *)u->cfg)->acc_bits : 0; }

static lp_status gemv(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    pim_array *p = held(u, op, d);
    if (!p) return LP_ERR_RANGE;
    gemv_row(p, op, acc_bits_of(u), mem_ptr(u->mem, &op->x), mem_ptr(u->mem, &op->y));
    return LP_OK;
}

/* The batch: row i of y (m x rows, float32) is W times row i of x (m x cols),
** each row as PIM_GEMV computes it. */
static lp_status gemm(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    pim_array *p = held(u, op, d);
    if (!p) return LP_ERR_RANGE;
    const uint8_t *x = mem_ptr(u->mem, &op->x);
    uint8_t *y = mem_ptr(u->mem, &op->y);
    for (uint64_t i = 0; i < op->m; i++) gemv_row(p, op, acc_bits_of(u), x + i * op->x.pitch, y + i * op->y.pitch);
    return LP_OK;
}

/* Re-round the held weights to dfmt. */
static lp_status convert(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    pim_array *p = held(u, op, d);
    if (!p) return LP_ERR_RANGE;
    for (uint64_t i = 0; i < op->rows * op->cols; i++)
        p->w[i] = lp_f32(mf_decode_f32(&op->dfmt, mf_encode_f32(&op->dfmt, lp_bits(p->w[i]), NULL, 0)));
    p->integer = op->dfmt.kind == MF_KIND_INT;
    return LP_OK;
}

static const unit_body pim_ops[UNIT_OP_COUNT] = {
    [UNIT_OP_PIM_LOAD] = load, [UNIT_OP_PIM_GEMV] = gemv, [UNIT_OP_PIM_CONVERT] = convert, [UNIT_OP_PIM_GEMM] = gemm};

const unit_faces pim_faces = {pim_ops, pim_state_free, pim_timing, pim_energy_pj};
