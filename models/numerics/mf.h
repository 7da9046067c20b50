/*
** mf.h — low-precision element formats: floats of 4 to 32 bits (the ml_dtypes
** set, OCP MX elements, E8M0 scales, parametric eXmY minifloats) and signed
** integers int1..int8, with bit-exact conversion from and to float32.
**
** Semantics are ml_dtypes 0.6's by default, quirks included (see mf.def and
** docs/formats.md): round to nearest even, overflow to inf or NaN as the format
** has them (fp6/fp4 saturate), e8m0 rounds ties up and maps zero and negatives
** to NaN. Other rounding modes and saturation are options.
**
** An mf_format is a plain value filled by mf_parse(): no allocation, no global
** state, safe to copy and to share between threads. Codes travel as uint32_t
** holding the format's bits in the low positions.
*/
#ifndef MF_H
#define MF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"
#include "lp_status.h"

/* Named formats (rows of mf.def). */
typedef enum mf_id {
#define MF_FORMAT(id, code, name, alias, e, m, bias, policy, flags, help) id,
#include "mf.def"
#undef MF_FORMAT
    MF_ID_COUNT
} mf_id;

/* Rounding modes (rows of mf_round.def). */
typedef enum mf_round {
#define MF_ROUND(id, code, name, help) id,
#include "mf_round.def"
#undef MF_ROUND
    MF_ROUND_COUNT
} mf_round;

typedef enum mf_kind { MF_KIND_FLOAT, MF_KIND_INT } mf_kind;

/* Which codes are special; see mf.def. */
typedef enum mf_policy { MF_POLICY_IEEE, MF_POLICY_FN, MF_POLICY_FNUZ, MF_POLICY_FINITE } mf_policy;

enum {
    MF_F_UNSIGNED = 1u << 0,  /* no sign bit */
    MF_F_NOSUB = 1u << 1,     /* no subnormals, no zero: code 0 is the smallest normal */
    MF_F_E8M0Q = 1u << 2,     /* ml_dtypes e8m0: float32 subnormals round as if code 0 were zero */
    MF_F_NANPAY = 1u << 3,    /* NaN payloads kept in both directions (numpy float16) */
    MF_F_NANPAYDEC = 1u << 4, /* NaN payloads kept when decoding (ml_dtypes bfloat16) */
    MF_F_SAT = 1u << 5        /* the format itself saturates on overflow (eXmY..._sat) */
};

#define MF_NAME_MAX 32
#define MF_NO_CODE UINT32_MAX

typedef struct mf_format {
    char name[MF_NAME_MAX]; /* canonical name, e.g. "fp8_e4m3fn", "e5m2_b15_ieee", "int4" */
    mf_kind kind;
    mf_policy policy;
    unsigned flags;   /* MF_F_* */
    int bits;         /* total width in bits */
    int ebits, mbits; /* exponent and stored fraction bits (int: 0 and bits-1) */
    int bias;         /* exponent bias */
    /* derived by mf_parse */
    int emin;          /* exponent of the smallest normal (of code 0 for MF_F_NOSUB) */
    int emax;          /* floor(log2(largest finite value)) */
    uint32_t sign_bit; /* 0 when unsigned */
    uint32_t mask;     /* all code bits */
    uint32_t max_mag;  /* magnitude bits of the largest finite value */
    uint32_t inf_mag;  /* magnitude bits of inf, or MF_NO_CODE */
    uint32_t nan_code; /* the NaN code produced for a positive NaN, or MF_NO_CODE */
    int hex_digits;    /* digits of a code in lpsim's text form: 2, 4 or 8 */
} mf_format;

/* Conversion options; zero-initialised means ml_dtypes' behaviour. */
typedef struct mf_opts {
    mf_round round; /* MF_RNE by default */
    bool saturate;  /* clamp overflow (and inf) to the largest finite value */
    uint64_t seed;  /* stream for MF_RSR; the counter is passed per value */
} mf_opts;

/* Classes returned by mf_decode_parts. */
typedef enum mf_class { MF_ZERO, MF_FINITE, MF_INF, MF_NAN } mf_class;

/* Parse a format name: a name or ml_dtypes alias of mf.def, "intN" (N 2..8,
** two's complement, saturating), or a parametric minifloat
**     [u]eXmY[_bB][_ieee|_fn|_fnuz|_finite][_sat]
** with X 1..8 exponent bits, Y 0..10 fraction bits, bias B (default
** 2^(X-1)-1), special-value policy (default finite, as Brevitas minifloats)
** and optional saturation; the suffixes may come in any order, each kind at
** most once (a second bias or policy, or a repeated suffix, is an error that
** names both). Fills *out and returns LP_OK, or LP_ERR_FORMAT with
** d's message (no position; d may be NULL) naming the problem and, for a near
** miss, the closest known name. */
lp_status mf_parse(const char *name, mf_format *out, lp_diag *d);

/* The named format id; always succeeds (asserts a valid id). */
void mf_get(mf_id id, mf_format *out);

/* Rounding mode by name ("nearest-even", ...); LP_OK or LP_ERR_ARG. */
lp_status mf_round_parse(const char *name, mf_round *out);
const char *mf_round_name(mf_round r);
const char *mf_round_help(mf_round r);

/* Number of rows of mf.def and each row's name, alias and help (for listings). */
const char *mf_id_name(mf_id id);
/* A named format's stable code (mf.def), and the format of a code (-1 if none). */
int mf_id_code(mf_id id);
int mf_id_by_code(int code);
/* A rounding mode's stable code (mf_round.def), and the mode of a code (-1 if none). */
int mf_round_code(mf_round r);
int mf_round_by_code(int code);
const char *mf_id_alias(mf_id id);
const char *mf_id_help(mf_id id);

/* Encode float32 bit pattern x. ctr is the position of this value in its
** stream; only stochastic rounding reads it (with o->seed). o may be NULL. */
uint32_t mf_encode_f32(const mf_format *f, uint32_t x, const mf_opts *o, uint64_t ctr);

/* Encode the exact value (-1)^neg * m * 2^e (any m, any e). The general entry
** point: mf_encode_f32 is it plus float32 unpacking and NaN/inf handling. */
uint32_t mf_encode_parts(const mf_format *f, bool neg, uint64_t m, int e, const mf_opts *o, uint64_t ctr);

/* Decode a code (bits above f->bits are ignored) to a float32 bit pattern.
** Exact: every value of a valid format is a float32. */
uint32_t mf_decode_f32(const mf_format *f, uint32_t code);

/* Decode to exact parts: value = (-1)^*neg * *m * 2^*e for MF_ZERO/MF_FINITE
** (m < 2^24); *neg is also set for MF_INF. */
mf_class mf_decode_parts(const mf_format *f, uint32_t code, bool *neg, uint32_t *m, int *e);

/* True if code is a NaN of the format. */
bool mf_is_nan(const mf_format *f, uint32_t code);

/* Build a float32 bit pattern from an exact value (-1)^neg * m * 2^e that
** float32 represents exactly (asserted). */
uint32_t mf_f32_from_parts(bool neg, uint64_t m, int e);

#endif
