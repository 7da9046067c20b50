/* lp_num.c — strict number parsing (see lp_num.h). */
#define _POSIX_C_SOURCE 200809L
#include "lp_num.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int digit(char c, int base)
{
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    return v < base ? v : -1;
}

/* The magnitude of an unsigned integer text (no sign), exactly. */
static lp_status magnitude(const char *s, size_t len, uint64_t *out, const char **why)
{
    int base = 10;
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, i = 2;
    if (len == 0 || i == len) return *why = "not a whole number", LP_ERR_PARSE;
    if (base == 10 && len > 1 && s[0] == '0') {
        *why = (s[1] == 'o' || s[1] == 'O' || digit(s[1], 10) >= 0)
                   ? "a leading 0 (octal?): write it in decimal or 0x hex"
                   : "not a whole number";
        return LP_ERR_PARSE;
    }
    uint64_t v = 0;
    bool over = false;
    for (; i < len; i++) {
        int k = digit(s[i], base);
        if (k < 0) return *why = "not a whole number", LP_ERR_PARSE;
        if (v > (UINT64_MAX - (uint64_t)k) / (uint64_t)base) over = true;
        v = v * (uint64_t)base + (uint64_t)k;
    }
    if (over) return *why = "too large for 64 bits", LP_ERR_RANGE;
    *out = v;
    return LP_OK;
}

lp_status lp_parse_u64(const char *s, size_t len, uint64_t *out, const char **why)
{
    if (len && s[0] == '-') {
        uint64_t m;
        lp_status st = magnitude(s + 1, len - 1, &m, why);
        if (st) return st;
        if (m) return *why = "negative", LP_ERR_RANGE;
        *out = 0;
        return LP_OK;
    }
    return magnitude(s, len, out, why);
}

lp_status lp_parse_i64(const char *s, size_t len, int64_t *out, const char **why)
{
    bool neg = len && s[0] == '-';
    uint64_t m;
    lp_status st = magnitude(s + neg, len - neg, &m, why);
    if (st) return st;
    if (m > (uint64_t)INT64_MAX + neg) return *why = "too large for 64 bits", LP_ERR_RANGE;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return LP_OK;
}

lp_status lp_parse_f64(const char *s, size_t len, double *out, const char **why)
{
    char buf[128];
    size_t i = 0, digits = 0;
    bool nonzero = false;
    *why = "not a number";
    if (len == 0 || len >= sizeof buf) return len ? (*why = "too long for a number", LP_ERR_PARSE) : LP_ERR_PARSE;
    if (s[i] == '-') i++;
    /* "010" would be 10 here but is refused as an integer: one reading for both */
    if (i + 1 < len && s[i] == '0' && digit(s[i + 1], 10) >= 0)
        return *why = "a leading 0 (octal?): write it without the 0", LP_ERR_PARSE;
    for (; i < len && digit(s[i], 10) >= 0; i++) digits++, nonzero |= s[i] != '0';
    if (i < len && s[i] == '.')
        for (i++; i < len && digit(s[i], 10) >= 0; i++) digits++, nonzero |= s[i] != '0';
    if (!digits) return LP_ERR_PARSE;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = ++i;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++, e++;
        while (i < len && digit(s[i], 10) >= 0) i++;
        if (i == e) return LP_ERR_PARSE;
    }
    if (i != len) return LP_ERR_PARSE;
    memcpy(buf, s, len);
    buf[len] = 0;
    errno = 0;
    double v = strtod(buf, NULL);
    if (isinf(v)) return *why = "too large for a double", LP_ERR_RANGE;
    /* a nonzero text must not become 0, nor a subnormal, whose precision is
    ** below 53 bits and which no configuration value needs */
    if (nonzero && v == 0) return *why = "nonzero but rounds to 0 in a double", LP_ERR_RANGE;
    if (nonzero && fabs(v) < DBL_MIN)
        return *why = "below 2.2250738585072014e-308, subnormal in a double", LP_ERR_RANGE;
    *out = v;
    return LP_OK;
}

uint64_t lp_fnv1a64_more(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    return h;
}

uint64_t lp_fnv1a64(const void *data, size_t len) { return lp_fnv1a64_more(LP_FNV1A64_BASIS, data, len); }
