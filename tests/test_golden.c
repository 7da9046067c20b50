/*
** test_golden.c — pins the simulator's figures: every run listed in
** tests/golden/exec.jsonl (kernel x architecture x mode) is rerun through
** `lpsim exec --json` and every field compared exactly (cycles, energies by
** component, busy and stall cycles, bytes by level, MACs by format), and the
** traces in tests/golden/traces/ byte for byte. The files' first lines say how
** to regenerate them (tools/regen_golden_exec.sh).
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"

/* The argument of --arch for an architecture name in a golden object. */
static void arch_arg(const char *name, char *out, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/arch/%s.yaml", LPSIM_SOURCE_DIR, name);
    if (access(path, R_OK) == 0)
        snprintf(out, n, "'%s'", path);
    else
        snprintf(out, n, "%s", name);
}

/* Print the keys whose values differ (one level of nesting). */
static void report_diff(json_t *want, json_t *got, const char *prefix)
{
    const char *key;
    json_t *w;
    json_object_foreach(want, key, w)
    {
        json_t *g = json_object_get(got, key);
        if (json_is_object(w) && json_is_object(g)) {
            report_diff(w, g, key);
        } else if (!g || !json_equal(w, g)) {
            char *ws = json_dumps(w, JSON_ENCODE_ANY), *gs = g ? json_dumps(g, JSON_ENCODE_ANY) : NULL;
            fprintf(stderr, "\n    %s%s%s: want %s, got %s", prefix, prefix[0] ? "." : "", key, ws,
                    gs ? gs : "(absent)");
            free(ws), free(gs);
        }
    }
    json_object_foreach(got, key, w) if (!json_object_get(want, key)) fprintf(stderr, "\n    %s: unexpected", key);
}

static void test_exec_statistics_match_the_goldens(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/exec.jsonl", LPSIM_SOURCE_DIR);
    char *text = lpt_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_FATAL(!strncmp(text, "# regenerate: ", 14));
    int runs = 0, bad = 0;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        json_error_t e;
        json_t *want = json_loadb(line + 1, strcspn(line + 1, "\n"), 0, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(want);
        const char *kernel = json_string_value(json_object_get(want, "kernel")),
                   *arch = json_string_value(json_object_get(want, "arch")),
                   *mode = json_string_value(json_object_get(want, "mode"));
        CU_ASSERT_FATAL(kernel && arch && mode);
        char aarg[1100], cmd[4096], *out, *err;
        arch_arg(arch, aarg, sizeof aarg);
        snprintf(cmd, sizeof cmd, "exec --json --arch %s %s '%s/%s'", aarg,
                 !strcmp(mode, "timing-only") ? "--timing-only" : "", LPSIM_SOURCE_DIR, kernel);
        int rc = lpt_run(cmd, "", 0, &out, &err);
        json_t *got = json_loads(out, 0, &e);
        if (rc != 0 || !got) {
            lpt_mismatch(&bad, "%s on %s (%s): exit %d, %s", kernel, arch, mode, rc, err);
        } else {
            json_object_set(got, "kernel", json_object_get(want, "kernel")); /* the path as run differs */
            if (!json_equal(want, got)) {
                lpt_mismatch(&bad, "%s on %s (%s) differs from the golden run:", kernel, arch, mode);
                report_diff(want, got, "");
            }
        }
        json_decref(got), json_decref(want);
        free(out), free(err);
        runs++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(runs >= 40);
    free(text);
}

static void test_traces_match_the_goldens(void)
{
    static const char *const kernels[] = {"examples/mx_gemm/mx_gemm.s", "examples/flash_attention/flash_attention.s",
                                          "tests/golden/kernels/vector_unaligned.s"};
    static const char *const archs[] = {"edge-mx", "odd"};
    for (int k = 0; k < 3; k++) {
        for (int a = 0; a < 2; a++) {
            char golden[1024], csv[64], aarg[1100], cmd[4096], *out, *err;
            const char *base = strrchr(kernels[k], '/') + 1;
            snprintf(golden, sizeof golden, "%s/tests/golden/traces/%.*s.%s.csv", LPSIM_SOURCE_DIR,
                     (int)(strlen(base) - 2), base, archs[a]);
            snprintf(csv, sizeof csv, "/tmp/lpt_golden_%d.csv", (int)getpid());
            arch_arg(archs[a], aarg, sizeof aarg);
            snprintf(cmd, sizeof cmd, "exec --timing-only --arch %s --trace %s '%s/%s'", aarg, csv, LPSIM_SOURCE_DIR,
                     kernels[k]);
            CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
            char *want = lpt_read_file(golden, NULL), *got = lpt_read_file(csv, NULL);
            CU_ASSERT_FATAL(want && got && strchr(want, '\n'));
            if (strcmp(strchr(want, '\n') + 1, got)) fprintf(stderr, "\n  trace differs from %s", golden);
            CU_ASSERT_STRING_EQUAL(strchr(want, '\n') + 1, got);
            free(want), free(got), free(out), free(err);
            unlink(csv);
        }
    }
}

CU_TestInfo lpt_golden_tests[] = {
    {"exec/statistics_match_the_goldens", test_exec_statistics_match_the_goldens},
    {"exec/traces_match_the_goldens", test_traces_match_the_goldens},
    CU_TEST_INFO_NULL,
};
