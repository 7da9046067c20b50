/*
** mx.h — OCP MX v1.0 block quantisation on top of mf.h element formats.
**
** A block of blk values (32 in MX; any even size accepted) shares one E8M0
** scale 2^X with X = floor(log2(max|x|)) - emax_elem, taken from the float32
** exponent bits of the block maximum (not from a rounded log2), clamped to
** [-127, 127]. Each x / 2^X is rounded on the element grid (subnormals
** included) half away from zero (MF_RHA, microxcaling's "nearest"), to even
** (MF_RNE) or toward zero (MF_RTZ), and saturates to +-max normal. Inf or NaN
** anywhere in a block makes the scale NaN (0xff) and every output of the block
** NaN. A value that rounds to zero gets the +0 code. This is the behaviour of
** microxcaling's CUDA kernel (../shared/data/mx, column out_ext_hex).
**
** Data travel as float arrays read through memcpy (NaN payloads untouched).
** Codes are one per byte (low bits) unless packed with mx_pack. No allocation.
*/
#ifndef MX_H
#define MX_H

#include <stddef.h>
#include <stdint.h>

#include "mf.h"

typedef enum mx_elem_id {
#define MX_ELEM(id, code, name, fmt) id,
#include "mx.def"
#undef MX_ELEM
    MX_ELEM_COUNT
} mx_elem_id;

#define MX_SCALE_NAN 0xffu
#define MX_BLOCK_DEFAULT 32

typedef struct mx_elem {
    const char *name; /* MX name, e.g. "fp8_e4m3" */
    mf_format fmt;    /* the element format */
    int emax;         /* emax_elem of the scale rule: floor(log2(max normal)) */
    float value[256]; /* value of every code, for dequantisation */
} mx_elem;

/* Element type by MX name ("fp8_e4m3", "int8", ...) or by the name of its
** element format ("fp8_e4m3fn", "float8_e4m3fn", ...). LP_OK or LP_ERR_FORMAT
** with d's message (no position; d may be NULL). */
lp_status mx_elem_parse(const char *name, mx_elem *out, lp_diag *d);
/* The same, giving the type's id. */
lp_status mx_elem_find(const char *name, mx_elem_id *out, lp_diag *d);
void mx_elem_get(mx_elem_id id, mx_elem *out);
/* The same from a table built once (thread-safe); never NULL. */
const mx_elem *mx_elem_table(mx_elem_id id);
const char *mx_elem_id_name(mx_elem_id id);
/* A type's stable code (mx.def), and the type of a code (-1 if none). */
int mx_elem_code(mx_elem_id id);
int mx_elem_by_code(int code);

/* Shared scale exponent X for a block whose largest magnitude has float32
** bits amax (sign cleared, finite). */
int mx_scale_exp(const mx_elem *e, uint32_t amax);

/* Quantise n values into n codes and n/blk scale bytes (E8M0: X+127, or
** 0xff). Returns LP_OK; LP_ERR_ARG if blk is 0 or odd, n % blk != 0, or the
** rounding mode is stochastic. Caller owns every buffer; x may not alias
** codes or scales. */
lp_status mx_quantize(const mx_elem *e, const float *x, size_t n, size_t blk, mf_round r, uint8_t *codes,
                      uint8_t *scales);

/* Dequantise: out[i] = value(codes[i]) * 2^X of its block, exactly; every
** output of a NaN-scale block is the NaN 0xffffffff. blk as for mx_quantize. */
void mx_dequantize(const mx_elem *e, const uint8_t *codes, const uint8_t *scales, size_t n, size_t blk, float *out);

/* Bytes needed to pack n codes at the element's width (4, 6 or 8 bits). */
size_t mx_packed_bytes(const mx_elem *e, size_t n);

/* Pack codes into a little-endian bit stream: code i occupies bits
** [i*w, (i+1)*w) (for FP4, the low nibble of byte 0 is code 0). */
void mx_pack(const mx_elem *e, const uint8_t *codes, size_t n, uint8_t *out);
void mx_unpack(const mx_elem *e, const uint8_t *in, size_t n, uint8_t *codes);

#endif
