/*
** tc_func.c — the tensor core's functional face: MMA and MMA_MX computed by
** the dot-product model (models/numerics/dot.c) with the operation's
** accumulation preset, bit for bit. Operand tiles are dense and row-major; the
** accumulator tile is float32. Scratch arrays are allocated per operation:
** this face serves functional runs, not the timing-only path of sweeps.
*/
#include <stdlib.h>
#include <string.h>

#include "tc.h"

static int elem_bytes(const mf_format *f) { return f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : 4; }

static lp_status mma(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t M = op->m, N = op->n, K = op->k;
    if (op->fa.bits > 16 || op->fb.bits > 16)
        return lp_diag_msg(d, LP_ERR_RANGE, "MMA multiplies formats of at most 16 bits, not %s x %s", op->fa.name,
                           op->fb.name);
    int ea = elem_bytes(&op->fa), eb = elem_bytes(&op->fb);
    uint16_t *a = malloc(sizeof *a * M * K), *b = malloc(sizeof *b * K * N);
    float *acc = malloc(sizeof *acc * M * N);
    lp_status st = LP_ERR_NOMEM;
    if (a && b && acc) {
        const uint8_t *pa = mem_ptr(u->mem, &op->a), *pb = mem_ptr(u->mem, &op->b);
        uint8_t *pc = mem_ptr(u->mem, &op->c);
        for (size_t i = 0; i < M * K; i++) a[i] = (uint16_t)mem_get_code(pa, i, ea);
        for (size_t i = 0; i < K * N; i++) b[i] = (uint16_t)mem_get_code(pb, i, eb);
        memcpy(acc, pc, sizeof *acc * M * N);
        dot_matrix A = {&op->fa, a, (int)K, NULL, 0, 0}, B = {&op->fb, b, (int)N, NULL, 0, 0};
        st = dot_gemm(op->preset, (int)M, (int)N, (int)K, &A, &B, op->acc ? acc : NULL, acc);
        if (st == LP_OK) memcpy(pc, acc, sizeof *acc * M * N);
    }
    free(a), free(b), free(acc);
    return st ? lp_diag_msg(d, st, "MMA failed: %s", lp_status_text(st)) : LP_OK;
}

static lp_status mma_mx(unit_ctx *u, const unit_op *op, lp_diag *d)
{
    size_t M = op->m, N = op->n, K = op->k, KB = K / 32;
    uint16_t *a = malloc(sizeof *a * M * K), *bt = malloc(sizeof *bt * K * N);
    uint8_t *sbt = malloc(KB * N);
    float *acc = malloc(sizeof *acc * M * N);
    lp_status st = LP_ERR_NOMEM;
    if (a && bt && sbt && acc) {
        const uint8_t *pa = mem_ptr(u->mem, &op->a), *psa = mem_ptr(u->mem, &op->sa), *pb = mem_ptr(u->mem, &op->b),
                      *psb = mem_ptr(u->mem, &op->sb);
        uint8_t *pc = mem_ptr(u->mem, &op->c);
        for (size_t i = 0; i < M * K; i++) a[i] = pa[i];
        for (size_t n = 0; n < N; n++) /* B is stored n x k (as weights are); the model wants k x n */
            for (size_t k = 0; k < K; k++) bt[k * N + n] = pb[n * K + k];
        for (size_t n = 0; n < N; n++)
            for (size_t q = 0; q < KB; q++) sbt[q * N + n] = psb[n * KB + q];
        memcpy(acc, pc, sizeof *acc * M * N);
        dot_matrix A = {&op->ea->fmt, a, (int)K, psa, 32, (int)KB}, B = {&op->eb->fmt, bt, (int)N, sbt, 32, (int)N};
        st = dot_gemm(op->preset, (int)M, (int)N, (int)K, &A, &B, op->acc ? acc : NULL, acc);
        if (st == LP_OK) memcpy(pc, acc, sizeof *acc * M * N);
    }
    free(a), free(bt), free(sbt), free(acc);
    return st ? lp_diag_msg(d, st, "MMA_MX failed: %s", lp_status_text(st)) : LP_OK;
}

const unit_body tc_ops[UNIT_OP_COUNT] = {[UNIT_OP_MMA] = mma, [UNIT_OP_MMA_MX] = mma_mx};

const unit_faces tc_faces = {tc_ops, NULL, tc_timing, tc_energy_pj};
