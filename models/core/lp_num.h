/*
** lp_num.h — the one number parser for what users type: architecture files
** (YAML scalars), command-line options, CSV fields. The whole text must be
** the number, exactly:
**   integers  decimal digits, or 0x / 0X and hex digits; '-' first where
**             negative values are meant. No blanks, no '+', no '_', no
**             octal ("0o17", and "017", whose leading 0 reads as octal in
**             YAML 1.1 and C but decimal in YAML 1.2, are refused), no
**             fraction or exponent; values that do not fit 64 bits are
**             refused, never wrapped or clamped.
**   reals     [-]digits[.digits][(e|E)[+|-]digits] (".5" and "5." too);
**             no leading 0 before a digit ("010", "00.5" are refused as
**             for integers; "0", "0.5", "0e3" are fine). A value beyond
**             the double range is refused, never inf; a nonzero text whose
**             double would be 0 ("1e-400") or subnormal (magnitude below
**             DBL_MIN, 2.2250738585072014e-308, where precision drops below
**             53 bits) is refused too. Zero itself ("0", "-0.0") is fine.
** On failure *why says what is wrong ("not a whole number", "too large for
** 64 bits", "a leading 0 (octal?): ...", "nonzero but rounds to 0 ..."). No allocation.
*/
#ifndef LP_NUM_H
#define LP_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "lp_status.h"

/* LP_OK with *out; LP_ERR_PARSE (the text is not such a number) or
** LP_ERR_RANGE (it is, but does not fit) with *why. */
lp_status lp_parse_u64(const char *s, size_t len, uint64_t *out, const char **why);
lp_status lp_parse_i64(const char *s, size_t len, int64_t *out, const char **why);
lp_status lp_parse_f64(const char *s, size_t len, double *out, const char **why);

/* FNV-1a 64 of len bytes: a stable hash for identities kept on disk (sweep
** files, held-out halves), not for security. lp_fnv1a64_more goes on from
** the hash h of what came before (LP_FNV1A64_BASIS: nothing). */
#define LP_FNV1A64_BASIS UINT64_C(0xcbf29ce484222325)
uint64_t lp_fnv1a64(const void *data, size_t len);
uint64_t lp_fnv1a64_more(uint64_t h, const void *data, size_t len);

#endif
