/*
** lp_test.h — helpers shared by the CUnit suites: paths into the reference
** data (../shared/data, passed by CMake; a missing file fails the test, it is
** never skipped), a small CSV reader for those files, hex parsing, and running
** the lpsim binary with given stdin.
*/
#ifndef LP_TEST_H
#define LP_TEST_H

#include "arch.h"
#include "prog.h"
#include "workload.h"

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Suites (rows of suites.def). */
#define LP_SUITE(name, tests, about) extern CU_TestInfo tests[];
#include "suites.def"
#undef LP_SUITE

/* Absolute path of a file under the reference data folder (static buffer). */
const char *lpt_data(const char *rel);

/* A CSV file with one header line and no quoting (the reference data). */
typedef struct lpt_csv {
    void *fp;
    char path[1024];
    char *line;
    size_t cap;
    int lineno;
    char *hdr[64];
    int nhdr;
    char *hdrbuf;
    char *f[64]; /* fields of the current row */
    int nf;
} lpt_csv;

/* Open a data file; on failure records a CUnit failure naming the path and
** returns false. */
bool lpt_csv_open(lpt_csv *c, const char *rel);
/* Index of a header column; records a failure and returns -1 if absent. */
int lpt_csv_col(lpt_csv *c, const char *name);
/* Next row; false at the end. */
bool lpt_csv_next(lpt_csv *c);
void lpt_csv_close(lpt_csv *c);

/* A whole file (NUL-terminated, malloc'd), or NULL; *len may be NULL. */
char *lpt_read_file(const char *path, size_t *len);

/* Parse hex digits (no prefix); asserts they are well-formed. */
uint32_t lpt_hex(const char *s);

/* Run `lpsim ARGS` (args as a shell-quoted string) with the given stdin.
** Returns the exit status (-1 if it could not run); *out and *err receive
** malloc'd stdout and stderr (caller frees). */
int lpt_run(const char *args, const char *in, size_t inlen, char **out, char **err);

/* A number in a JSON text (parsed with jansson) at a dotted path such as
** "busy_cycles.dma" (a number indexes an array: "operations.0.cycles"); NAN when the text does not parse or the path is absent
** or not a number. */
double lpt_json_num(const char *json, const char *path);

/* Members of the JSON object (or elements of the array) at a dotted path;
** -1 when the text does not parse or the path names no object or array. */
int lpt_json_size(const char *json, const char *path);

/* A workload spec from inline text, or a loaded architecture (a preset or
** file; the caller frees it with arch_free); a failure fails the test. */
wl_spec lpt_spec(const char *text);
arch_cfg *lpt_arch(const char *name);

/* Write dir/name.yaml: the preset file models/arch/presets/PRESET.yaml with
** its one line holding `from` replaced by the line `to` (newline included);
** the path into path (n bytes). A missing file, or `from` on no line or on
** several, fails the test. */
void lpt_preset_variant(const char *preset, const char *dir, const char *name, const char *from, const char *to,
                        char *path, size_t n);

/* Assemble kernel text named name (no buffer limits) into *p; a diagnostic
** fails the test (printed). */
void lpt_assemble(const char *name, const char *src, isa_prog *p);

/* Disassemble p and assemble the text again (against a's buffer sizes):
** the same .lpt bytes, or the test fails. */
void lpt_expect_reassembles(const isa_prog *p, const arch_cfg *a);

/* Run p on the in-process functional machine (its expectations must hold)
** and return a malloc'd copy of buffer b's bytes (p->bufs[b].bytes). */
uint8_t *lpt_run_machine(const isa_prog *p, const arch_cfg *a, int b);

/* Report a mismatch (first few only) to stderr with context; counts them. */
void lpt_mismatch(int *count, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
