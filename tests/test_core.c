/*
** test_core.c — models/core: the number parser (lp_num) at the edges of its
** ranges and forms, and the line reader (lp_lines) on line breaks, NUL bytes
** and its limit, and the escaping of user text (lp_diag_put_escaped).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_csv.h"
#include "lp_file.h"
#include "lp_num.h"
#include "lp_test.h"

static void test_integers_exactly_or_refused(void)
{
    static const struct {
        const char *s;
        lp_status u_st, i_st;
        uint64_t u;
        int64_t i;
    } cases[] = {
        {"0", LP_OK, LP_OK, 0, 0},
        {"-0", LP_OK, LP_OK, 0, 0},
        {"7", LP_OK, LP_OK, 7, 7},
        {"-7", LP_ERR_RANGE, LP_OK, 0, -7},
        {"0x1F", LP_OK, LP_OK, 31, 31},
        {"0Xff", LP_OK, LP_OK, 255, 255},
        {"-0x10", LP_ERR_RANGE, LP_OK, 0, -16},
        {"18446744073709551615", LP_OK, LP_ERR_RANGE, UINT64_MAX, 0},
        {"0xffffffffffffffff", LP_OK, LP_ERR_RANGE, UINT64_MAX, 0},
        {"18446744073709551616", LP_ERR_RANGE, LP_ERR_RANGE, 0, 0},
        {"0x10000000000000000", LP_ERR_RANGE, LP_ERR_RANGE, 0, 0},
        {"9223372036854775807", LP_OK, LP_OK, INT64_MAX, INT64_MAX},
        {"9223372036854775808", LP_OK, LP_ERR_RANGE, (uint64_t)INT64_MAX + 1, 0},
        {"-9223372036854775808", LP_ERR_RANGE, LP_OK, 0, INT64_MIN},
        {"-9223372036854775809", LP_ERR_RANGE, LP_ERR_RANGE, 0, 0},
        {"", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"-", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"0x", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"00", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"010", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"0o10", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"0b10", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"+1", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {" 1", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"1 ", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"65_536", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"64.5", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"1e3", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"0x1g", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
        {"--1", LP_ERR_PARSE, LP_ERR_PARSE, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint64_t u = 12345;
        int64_t i = 12345;
        const char *why = NULL;
        lp_status su = lp_parse_u64(cases[k].s, strlen(cases[k].s), &u, &why);
        lp_status si = lp_parse_i64(cases[k].s, strlen(cases[k].s), &i, &why);
        if (su != cases[k].u_st || si != cases[k].i_st)
            fprintf(stderr, "\n  '%s': u64 %d, i64 %d", cases[k].s, (int)su, (int)si);
        CU_ASSERT_EQUAL(su, cases[k].u_st);
        CU_ASSERT_EQUAL(si, cases[k].i_st);
        if (su == LP_OK) CU_ASSERT_EQUAL(u, cases[k].u);
        if (si == LP_OK) CU_ASSERT_EQUAL(i, cases[k].i);
        if (su) CU_ASSERT_PTR_NOT_NULL(why);
    }
    /* the length bounds the text: "12" of "123" */
    uint64_t u;
    const char *why;
    CU_ASSERT_EQUAL(lp_parse_u64("123", 2, &u, &why), LP_OK);
    CU_ASSERT_EQUAL(u, 12);
}

static void test_reals_exactly_or_refused(void)
{
    static const struct {
        const char *s;
        lp_status st;
        double v;
    } cases[] = {
        {"1", LP_OK, 1},
        {"-2.5", LP_OK, -2.5},
        {".5", LP_OK, 0.5},
        {"5.", LP_OK, 5},
        {"1e3", LP_OK, 1000},
        {"1E-3", LP_OK, 0.001},
        {"2.5e+2", LP_OK, 250},
        {"0.1", LP_OK, 0.1},
        {"1.7976931348623157e308", LP_OK, 1.7976931348623157e308},
        {"0", LP_OK, 0},
        {"-0", LP_OK, 0},
        {"0.5", LP_OK, 0.5},
        {"0e3", LP_OK, 0},
        {"0.000e-999", LP_OK, 0},
        {"0.010", LP_OK, 0.01},
        {"010", LP_ERR_PARSE, 0},
        {"-010", LP_ERR_PARSE, 0},
        {"00.5", LP_ERR_PARSE, 0},
        {"00", LP_ERR_PARSE, 0},
        {"2.2250738585072014e-308", LP_OK, 2.2250738585072014e-308},
        {"-2.2250738585072014e-308", LP_OK, -2.2250738585072014e-308},
        {"1e-400", LP_ERR_RANGE, 0},
        {"-1e-400", LP_ERR_RANGE, 0},
        {"0.0000001e-320", LP_ERR_RANGE, 0},
        {"4.9406564584124654e-324", LP_ERR_RANGE, 0},
        {"1e-310", LP_ERR_RANGE, 0},
        {"1e309", LP_ERR_RANGE, 0},
        {"-1e309", LP_ERR_RANGE, 0},
        {"", LP_ERR_PARSE, 0},
        {".", LP_ERR_PARSE, 0},
        {"-", LP_ERR_PARSE, 0},
        {"e3", LP_ERR_PARSE, 0},
        {"1e", LP_ERR_PARSE, 0},
        {"1e+", LP_ERR_PARSE, 0},
        {"0x10", LP_ERR_PARSE, 0},
        {"inf", LP_ERR_PARSE, 0},
        {"nan", LP_ERR_PARSE, 0},
        {".inf", LP_ERR_PARSE, 0},
        {"+1", LP_ERR_PARSE, 0},
        {"1_0", LP_ERR_PARSE, 0},
        {" 1", LP_ERR_PARSE, 0},
        {"1.5.2", LP_ERR_PARSE, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double v = 12345;
        const char *why = NULL;
        lp_status st = lp_parse_f64(cases[k].s, strlen(cases[k].s), &v, &why);
        if (st != cases[k].st) fprintf(stderr, "\n  '%s': %d", cases[k].s, (int)st);
        CU_ASSERT_EQUAL(st, cases[k].st);
        if (st == LP_OK) CU_ASSERT_EQUAL(v, cases[k].v);
        if (st) CU_ASSERT_PTR_NOT_NULL(why);
    }
    /* the reasons a user reads */
    double v;
    const char *why = NULL;
    CU_ASSERT_EQUAL(lp_parse_f64("1e-400", 6, &v, &why), LP_ERR_RANGE);
    CU_ASSERT_STRING_EQUAL(why, "nonzero but rounds to 0 in a double");
    CU_ASSERT_EQUAL(lp_parse_f64("1e-310", 6, &v, &why), LP_ERR_RANGE);
    CU_ASSERT_STRING_EQUAL(why, "below 2.2250738585072014e-308, subnormal in a double");
    CU_ASSERT_EQUAL(lp_parse_f64("010", 3, &v, &why), LP_ERR_PARSE);
    CU_ASSERT_STRING_EQUAL(why, "a leading 0 (octal?): write it without the 0");
}

/* Lines of text from a memory stream, read through lp_lines with a limit. */
static void test_line_reader(void)
{
    static const char text[] = "ab\r\n\ncd\nef\0gh\nij";
    FILE *f = fmemopen((void *)text, sizeof text - 1, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    lp_lines r;
    lp_diag d;
    lp_diag_init(&d, "<t>");
    lp_lines_init(&r, f, 8);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d));
    CU_ASSERT_STRING_EQUAL(r.buf, "ab"); /* CR LF taken as a line break */
    CU_ASSERT_EQUAL(r.len, 2);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d));
    CU_ASSERT_EQUAL(r.len, 0);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d));
    CU_ASSERT_STRING_EQUAL(r.buf, "cd");
    CU_ASSERT_EQUAL(r.lineno, 3);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d)); /* the NUL ends the line and is its last byte */
    CU_ASSERT_TRUE(r.nul);
    CU_ASSERT_EQUAL(r.len, 3);
    CU_ASSERT_EQUAL(memcmp(r.buf, "ef\0", 3), 0);
    CU_ASSERT_EQUAL(d.status, LP_OK);
    lp_lines_free(&r);
    fclose(f);

    /* a line of exactly the limit passes (with its CR), one byte more does not */
    static const char lim[] = "12345678\r\n123456789\n";
    f = fmemopen((void *)lim, sizeof lim - 1, "rb");
    lp_lines_init(&r, f, 8);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d));
    CU_ASSERT_STRING_EQUAL(r.buf, "12345678");
    CU_ASSERT_FALSE(lp_lines_next(&r, &d));
    CU_ASSERT_EQUAL(d.status, LP_ERR_PARSE);
    CU_ASSERT_EQUAL(d.line, 2);
    CU_ASSERT_EQUAL(d.col, 9);
    CU_ASSERT_STRING_EQUAL(d.msg, "line longer than the limit of 8 bytes");
    lp_lines_free(&r);
    fclose(f);

    /* the last line without a line break, then the end */
    f = fmemopen((void *)"x", 1, "rb");
    lp_diag_init(&d, "<t>");
    lp_lines_init(&r, f, 8);
    CU_ASSERT_TRUE(lp_lines_next(&r, &d));
    CU_ASSERT_STRING_EQUAL(r.buf, "x");
    CU_ASSERT_FALSE(lp_lines_next(&r, &d));
    CU_ASSERT_EQUAL(d.status, LP_OK);
    lp_lines_free(&r);
    fclose(f);
}

/* User text printed outside a diagnostic (exec's report) escapes as lp_diag_print does. */
static void test_escaped_text_stays_one_line(void)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    lp_diag_put_escaped("a\x1b[31mb\nc\td\x7f\x01\xc3\xa9", f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    CU_ASSERT_STRING_EQUAL(buf, "a\\x1b[31mb\\nc\\td\\x7f\\x01\xc3\xa9"); /* UTF-8 passes as it is */
    free(buf);
}

/* lp_csv_long: a number the parser refuses is refused whatever the range,
** also where 0 (what a failed parse leaves) would be in range. */
static void test_csv_numbers_exactly_or_refused(void)
{
    static const struct {
        const char *field;
        lp_status st;
        long v;
    } cases[] = {
        {"0", LP_OK, 0},
        {"-5", LP_OK, -5},
        {"0x10", LP_OK, 16},
        {"99999999999999999999", LP_ERR_RANGE, 0},
        {"-99999999999999999999", LP_ERR_RANGE, 0},
        {"010", LP_ERR_PARSE, 0},
        {"+1", LP_ERR_PARSE, 0},
        {" 1", LP_ERR_PARSE, 0},
        {"", LP_ERR_PARSE, 0},
        {"101", LP_ERR_RANGE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s\n", cases[i].field);
        FILE *f = fmemopen(line, strlen(line), "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        lp_csv c;
        lp_diag d;
        lp_csv_init(&c, f, "t.csv", 100);
        CU_ASSERT_FATAL(lp_csv_next(&c, &d));
        CU_ASSERT_FATAL(lp_csv_split(&c, &d) == LP_OK);
        long v = -1;
        lp_status st = lp_csv_long(&c, 0, "x", -100, 100, &v, &d);
        if (st != cases[i].st) fprintf(stderr, "\n  '%s': status %d, want %d", cases[i].field, st, cases[i].st);
        CU_ASSERT_EQUAL(st, cases[i].st);
        if (st == LP_OK) CU_ASSERT_EQUAL(v, cases[i].v);
        if (st) CU_ASSERT(d.line == 1 && d.col == 1);
        lp_csv_free(&c);
        fclose(f);
    }
}

CU_TestInfo lpt_core_tests[] = {
    {"num/integers_exactly_or_refused", test_integers_exactly_or_refused},
    {"num/reals_exactly_or_refused", test_reals_exactly_or_refused},
    {"file/line_reader", test_line_reader},
    {"csv/numbers_exactly_or_refused", test_csv_numbers_exactly_or_refused},
    {"diag/escaped_text_stays_one_line", test_escaped_text_stays_one_line},
    CU_TEST_INFO_NULL,
};
