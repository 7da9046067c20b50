/*
** lp_test.c — the CUnit runner and shared helpers (see lp_test.h).
**
** usage: lp_tests [SUITE...]   (no argument: every suite of suites.def)
** Exits non-zero if a test fails, the data folder is missing, or a suite name
** is unknown; CUnit 2.1-3's CU_basic_run_tests() does not report failures in
** its return value, so the count is read back.
*/
#define _POSIX_C_SOURCE 200809L
#include "lp_test.h"

#include "asm.h"
#include "machine.h"

#include "lp_file.h"

#include <CUnit/Basic.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    CU_TestInfo *tests;
    const char *about;
} suites[] = {
#define LP_SUITE(name, tests, about) {#name, tests, about},
#include "suites.def"
#undef LP_SUITE
};
#define NSUITES (int)(sizeof suites / sizeof suites[0])

const char *lpt_data(const char *rel)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", LPSIM_DATA_DIR, rel);
    return buf;
}

/* Split s at commas in place into at most max fields; returns the count. */
static int split_commas(char *s, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (; *s && n < max; s++) {
        if (*s == ',') {
            *s = 0;
            f[n++] = s + 1;
        }
    }
    return n;
}

bool lpt_csv_open(lpt_csv *c, const char *rel)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", lpt_data(rel));
    FILE *f = fopen(c->path, "r");
    if (!f) {
        fprintf(stderr, "\nreference data missing: %s\n", c->path);
        CU_FAIL("reference data file missing (see stderr)");
        return false;
    }
    c->fp = f;
    if (getline(&c->line, &c->cap, f) < 0) {
        fprintf(stderr, "\nempty data file: %s\n", c->path);
        CU_FAIL("empty data file");
        return false;
    }
    c->lineno = 1;
    c->line[strcspn(c->line, "\r\n")] = 0;
    c->hdrbuf = strdup(c->line);
    c->nhdr = split_commas(c->hdrbuf, c->hdr, 64);
    return true;
}

int lpt_csv_col(lpt_csv *c, const char *name)
{
    for (int i = 0; i < c->nhdr; i++)
        if (!strcmp(c->hdr[i], name)) return i;
    fprintf(stderr, "\n%s: no column '%s'\n", c->path, name);
    CU_FAIL("missing column in a data file");
    return -1;
}

bool lpt_csv_next(lpt_csv *c)
{
    if (!c->fp || getline(&c->line, &c->cap, (FILE *)c->fp) < 0) return false;
    c->lineno++;
    c->line[strcspn(c->line, "\r\n")] = 0;
    c->nf = split_commas(c->line, c->f, 64);
    if (c->nf != c->nhdr) {
        fprintf(stderr, "\n%s:%d: %d fields, header has %d\n", c->path, c->lineno, c->nf, c->nhdr);
        CU_FAIL("malformed row in a data file");
        return false;
    }
    return true;
}

void lpt_csv_close(lpt_csv *c)
{
    if (c->fp) fclose((FILE *)c->fp);
    free(c->line);
    free(c->hdrbuf);
    memset(c, 0, sizeof *c);
}

uint32_t lpt_hex(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    CU_ASSERT_FATAL(*s && !*end);
    return (uint32_t)v;
}

void lpt_mismatch(int *count, const char *fmt, ...)
{
    if (++*count <= 8) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "\n  mismatch: ");
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    } else if (*count == 9) {
        fprintf(stderr, "\n  (further mismatches not shown)");
    }
}

void lpt_preset_variant(const char *preset, const char *dir, const char *name, const char *from, const char *to,
                        char *path, size_t n)
{
    char src[512], line[512];
    snprintf(src, sizeof src, "%s/models/arch/presets/%s.yaml", LPSIM_SOURCE_DIR, preset);
    snprintf(path, n, "%s/%s.yaml", dir, name);
    FILE *in = fopen(src, "r"), *out = fopen(path, "w");
    if (!in || !out) {
        if (in) fclose(in);
        if (out) fclose(out);
        CU_FAIL_FATAL("a preset variant cannot be written");
    }
    int hits = 0;
    while (fgets(line, sizeof line, in)) {
        bool hit = strstr(line, from) != NULL;
        hits += hit;
        fputs(hit ? to : line, out);
    }
    fclose(in);
    CU_ASSERT_EQUAL_FATAL(fclose(out), 0);
    CU_ASSERT_EQUAL_FATAL(hits, 1);
}

char *lpt_read_file(const char *path, size_t *len)
{
    char *b;
    size_t n;
    if (lp_read_file(path, UINT64_C(1) << 32, &b, &n, NULL) != LP_OK) return NULL;
    if (len) *len = n;
    return b;
}

/* The value at a dotted path of a parsed document, or NULL. */
static json_t *json_at(json_t *v, const char *path)
{
    char key[128];
    for (const char *p = path; v && *p;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        char *end;
        unsigned long i = strtoul(key, &end, 10);
        v = json_is_object(v)                   ? json_object_get(v, key)
            : json_is_array(v) && *key && !*end ? json_array_get(v, i) /* "ops.0.x": element 0 */
                                                : NULL;
        p += n + (dot != NULL);
    }
    return v;
}

double lpt_json_num(const char *json, const char *path)
{
    json_error_t e;
    json_t *root = json_loads(json, JSON_DECODE_ANY, &e), *v = json_at(root, path);
    double x = v && json_is_number(v) ? json_number_value(v) : NAN;
    json_decref(root);
    return x;
}

int lpt_json_size(const char *json, const char *path)
{
    json_error_t e;
    json_t *root = json_loads(json, JSON_DECODE_ANY, &e), *v = json_at(root, path);
    int n = json_is_object(v) ? (int)json_object_size(v) : json_is_array(v) ? (int)json_array_size(v) : -1;
    json_decref(root);
    return n;
}

static char *slurp(const char *path)
{
    char *b = lpt_read_file(path, NULL);
    return b ? b : strdup("");
}

int lpt_run(const char *args, const char *in, size_t inlen, char **out, char **err)
{
    char dir[] = "/tmp/lpt_run_XXXXXX";
    if (!mkdtemp(dir)) return -1;
    char pin[64], pout[64], perr[64], cmd[8192];
    snprintf(pin, sizeof pin, "%s/in", dir);
    snprintf(pout, sizeof pout, "%s/out", dir);
    snprintf(perr, sizeof perr, "%s/err", dir);
    FILE *f = fopen(pin, "wb");
    if (!f) return -1;
    if (inlen) fwrite(in, 1, inlen, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' %s <'%s' >'%s' 2>'%s'", LPSIM_BIN, args, pin, pout, perr);
    int st = system(cmd);
    *out = slurp(pout);
    *err = slurp(perr);
    unlink(pin);
    unlink(pout);
    unlink(perr);
    rmdir(dir);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

void lpt_assemble(const char *name, const char *src, isa_prog *p)
{
    asm_opts o = {name, 20, false, 0, 0, 0};
    asm_diags dg = {0};
    lp_status st = asm_assemble(src, strlen(src), &o, p, &dg);
    if (st) asm_diags_print(&dg, stderr);
    asm_diags_free(&dg);
    CU_ASSERT_EQUAL_FATAL(st, LP_OK);
}

int main(int argc, char **argv)
{
    struct stat sb;
    if (stat(LPSIM_DATA_DIR, &sb) || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "lp_tests: reference data folder %s is missing (configure with -DLPSIM_DATA_DIR=...)\n",
                LPSIM_DATA_DIR);
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    int registered = 0;
    for (int i = 0; i < NSUITES; i++) {
        bool want = argc < 2;
        for (int k = 1; k < argc; k++) want |= !strcmp(argv[k], suites[i].name);
        if (!want) continue;
        CU_SuiteInfo info[2] = {{.pName = suites[i].name, .pTests = suites[i].tests}, CU_SUITE_INFO_NULL};
        if (CU_register_suites(info) != CUE_SUCCESS) {
            fprintf(stderr, "lp_tests: cannot register suite %s: %s\n", suites[i].name, CU_get_error_msg());
            CU_cleanup_registry();
            return 1;
        }
        registered++;
    }
    if (registered != (argc < 2 ? NSUITES : argc - 1)) {
        fprintf(stderr, "lp_tests: unknown suite name; suites are:");
        for (int i = 0; i < NSUITES; i++) fprintf(stderr, " %s", suites[i].name);
        fprintf(stderr, "\n");
        CU_cleanup_registry();
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed(), run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "lp_tests: no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}

wl_spec lpt_spec(const char *text)
{
    wl_spec s;
    lp_diag d = {0};
    lp_status st = wl_parse_inline(text, "test", 1, 1, &s, &d);
    if (st) fprintf(stderr, "\n  %s: %s\n", text, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    return s;
}

arch_cfg *lpt_arch(const char *name)
{
    arch_cfg *a = NULL;
    lp_diag d = {0};
    lp_status st = arch_load(name, &a, &d);
    if (st) fprintf(stderr, "\n  %s: %s\n", name, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    return a;
}

void lpt_expect_reassembles(const isa_prog *p, const arch_cfg *a)
{
    char *text = NULL;
    size_t len = 0;
    isa_prog q;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_FATAL(f != NULL);
    asm_disassemble(p, f);
    fclose(f);
    asm_opts o = {"gen.s", 20, true, a->spm.size_bytes, a->acc.size_bytes, 0};
    asm_diags dg = {0};
    lp_status st = asm_assemble(text, len, &o, &q, &dg);
    if (st) asm_diags_print(&dg, stderr);
    CU_ASSERT_FATAL(st == LP_OK);
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    CU_ASSERT_FATAL(isa_prog_serialize(p, &b1, &n1) == LP_OK && isa_prog_serialize(&q, &b2, &n2) == LP_OK);
    CU_ASSERT(n1 == n2 && !memcmp(b1, b2, n1));
    free(b1), free(b2), free(text);
    asm_diags_free(&dg);
    isa_prog_free(&q);
}

uint8_t *lpt_run_machine(const isa_prog *p, const arch_cfg *a, int b)
{
    machine mc;
    lp_diag d = {0};
    size_t at = 0;
    CU_ASSERT_FATAL(machine_init(&mc, p, a) == LP_OK);
    lp_status st = machine_run(&mc, &at, &d);
    if (st) fprintf(stderr, "\n  machine: insn %zu: %s\n", at, d.msg);
    CU_ASSERT_FATAL(st == LP_OK);
    CU_ASSERT_EQUAL(machine_check(&mc, stderr, 4), 0);
    uint8_t *y = malloc(p->bufs[b].bytes);
    CU_ASSERT_FATAL(y != NULL);
    memcpy(y, mc.mem.base[MEM_DRAM] + p->bufs[b].addr, p->bufs[b].bytes);
    machine_free(&mc);
    return y;
}
