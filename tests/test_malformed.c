/*
** test_malformed.c — the malformed-input catalogue (the .cases files of tests/malformed/,
** format in tests/malformed/README.md): every case runs lpsim as a user
** would, in a scratch folder holding the fixtures, with its memory bounded,
** and must end with its exit status and its first line on standard error.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lp_test.h"

extern char **environ;

#define MEM_LIMIT_KIB (1024L * 1024L) /* 1 GiB of address space, or of resident memory under ASan */
#define TIME_LIMIT_S 30

typedef struct mcase {
    const char *file;
    int line;
    int status;
    char *expected, *command;
} mcase;

/* "STATUS | EXPECTED | COMMAND" into c (pointers into line); false if malformed. */
static bool parse_case(char *line, mcase *c)
{
    char *a = strstr(line, " | "), *b = a ? strstr(a + 3, " | ") : NULL;
    if (!a || !b) return false;
    *a = 0, *b = 0;
    char *end;
    long st = strtol(line, &end, 10);
    if (end == line || *end || st < 0 || st > 255) return false;
    c->status = (int)st;
    c->expected = a + 3;
    c->command = b + 3;
    return c->command[0] != 0;
}

/* Run one case; returns true if it holds, printing why not. */
/* With allocator_may_return_null=1 an allocation over the bound returns NULL as it would under the
 * address-space limit, and ASan says so on one line of its own ("==PID==WARNING: AddressSanitizer
 * failed to allocate 0x... bytes"); that line is the allocator's, not a report or lpsim's message.
 * Every other sanitizer line still fails the case. */
static void drop_alloc_warnings(char *err)
{
    static const char tag[] = "==WARNING: AddressSanitizer failed to allocate 0x";
    char *r = err, *w = err;
    while (*r) {
        char *nl = strchr(r, '\n');
        size_t len = nl ? (size_t)(nl - r) + 1 : strlen(r);
        char *t = r[0] == '=' && r[1] == '=' ? strstr(r, tag) : NULL;
        bool drop = t && t < r + len && strspn(r + 2, "0123456789") == (size_t)(t - r - 2);
        if (!drop) {
            memmove(w, r, len);
            w += len;
        }
        r += len;
    }
    *w = 0;
}

static bool run_case(const mcase *c, const char *fixtures)
{
    char scratch[] = "/tmp/lpt_mal_XXXXXX", outdir[] = "/tmp/lpt_malo_XXXXXX";
    if (!mkdtemp(scratch) || !mkdtemp(outdir)) return fprintf(stderr, "\n  mkdtemp: %s", strerror(errno)), false;
    char cmd[4096], errpath[64], outpath[64];
    snprintf(cmd, sizeof cmd, "cp -R '%s/.' '%s/'", fixtures, scratch);
    bool ok = system(cmd) == 0;
    snprintf(errpath, sizeof errpath, "%s/stderr", outdir);
    snprintf(outpath, sizeof outpath, "%s/stdout", outdir);
    /* bash runs the command with lpsim first on PATH, the limits set, in the scratch folder */
    char bindir[1024], path_env[4096], ex_env[1100], data_env[1100];
    snprintf(bindir, sizeof bindir, "%s", LPSIM_BIN);
    char *slash = strrchr(bindir, '/');
    if (slash) *slash = 0;
    snprintf(path_env, sizeof path_env, "PATH=%s:%s", bindir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    snprintf(ex_env, sizeof ex_env, "EX=%s/examples", LPSIM_SOURCE_DIR);
    snprintf(data_env, sizeof data_env, "DATA=%s", LPSIM_DATA_DIR);
#ifdef LPSIM_SANITIZED
    const char *limit = "";
#else
    const char *limit = "ulimit -v " /* see MEM_LIMIT_KIB */ "1048576 || exit 99; ";
#endif
    char script[512];
    snprintf(script, sizeof script, "%scd \"$1\" || exit 98; exec timeout -s KILL %d bash -c \"$2\"", limit,
             TIME_LIMIT_S);
    char *argv[] = {"bash", "-c", script, "bash", scratch, c->command, NULL};
    char asan_env[512], ubsan_env[512];
    /* under ASan the address-space limit cannot apply: an allocation over the bound fails instead */
    snprintf(asan_env, sizeof asan_env, "ASAN_OPTIONS=%s%sallocator_may_return_null=1:max_allocation_size_mb=%ld",
             getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "", getenv("ASAN_OPTIONS") ? ":" : "",
             MEM_LIMIT_KIB / 1024);
    snprintf(ubsan_env, sizeof ubsan_env, "UBSAN_OPTIONS=%s", getenv("UBSAN_OPTIONS") ? getenv("UBSAN_OPTIONS") : "");
    char *envp[] = {path_env, ex_env, data_env, "LC_ALL=C", "HOME=/tmp", asan_env, ubsan_env, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int ws = 0;
    struct rusage ru = {0};
    if (ok && posix_spawnp(&pid, "bash", &fa, NULL, argv, envp) == 0)
        ok = wait4(pid, &ws, 0, &ru) == pid;
    else
        ok = false;
    posix_spawn_file_actions_destroy(&fa);
    char *err = lpt_read_file(errpath, NULL);
    if (!err) err = strdup("");
    drop_alloc_warnings(err);
    char *nl = strchr(err, '\n');
    size_t first_len = nl ? (size_t)(nl - err) : strlen(err);
    const char *why = NULL;
    char whybuf[256];
    if (!ok) {
        why = "could not run bash";
    } else if (WIFSIGNALED(ws) || (WIFEXITED(ws) && WEXITSTATUS(ws) >= 124 && WEXITSTATUS(ws) != c->status)) {
        snprintf(whybuf, sizeof whybuf, "killed or timed out (wait status %d)", ws);
        why = whybuf;
    } else if (strstr(err, "AddressSanitizer") || strstr(err, "LeakSanitizer") || strstr(err, "runtime error:")) {
        why = "a sanitizer report";
    } else if (WEXITSTATUS(ws) != c->status) {
        snprintf(whybuf, sizeof whybuf, "exit status %d, expected %d", WEXITSTATUS(ws), c->status);
        why = whybuf;
    } else if (!strcmp(c->expected, "-") ? err[0] != 0
                                         : first_len != strlen(c->expected) || strncmp(err, c->expected, first_len)) {
        why = "a different message";
    } else if (ru.ru_maxrss > MEM_LIMIT_KIB) {
        snprintf(whybuf, sizeof whybuf, "peak resident memory %ld KiB over the bound", ru.ru_maxrss);
        why = whybuf;
    }
    if (why)
        fprintf(stderr, "\n  %s:%d: %s\n    command:  %s\n    expected: %s\n    stderr:   %.*s", c->file, c->line, why,
                c->command, c->expected, (int)(first_len < 600 ? first_len : 600), err);
    free(err);
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s' '%s'", scratch, scratch, outdir);
    if (system(cmd) != 0) fprintf(stderr, "\n  cannot remove %s", scratch);
    return why == NULL;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_cases(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 6 && !strcmp(e->d_name + n - 6, ".cases");
}

static void test_catalogue(void)
{
    char dir[1024], fixtures[1100];
    snprintf(dir, sizeof dir, "%s/tests/malformed", LPSIM_SOURCE_DIR);
    snprintf(fixtures, sizeof fixtures, "%s/files", dir);
    struct dirent **names;
    int nfiles = scandir(dir, &names, is_cases, by_name);
    CU_ASSERT_FATAL(nfiles > 0);
    int total = 0, failed = 0;
    for (int i = 0; i < nfiles; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        char *text = lpt_read_file(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        int lineno = 0;
        for (char *p = text, *line; p && *p; p = line) {
            line = strchr(p, '\n');
            if (line) *line++ = 0;
            lineno++;
            if (!p[0] || p[0] == '#') continue;
            mcase c = {names[i]->d_name, lineno, 0, NULL, NULL};
            if (!parse_case(p, &c)) {
                fprintf(stderr, "\n  %s:%d: not 'STATUS | EXPECTED | COMMAND'", c.file, lineno);
                failed++;
                continue;
            }
            total++;
            if (!run_case(&c, fixtures)) failed++;
        }
        free(text);
        free(names[i]);
    }
    free(names);
    fprintf(stderr, "\n  %d cases, %d failed ", total, failed);
    CU_ASSERT_EQUAL(failed, 0);
}

CU_TestInfo lpt_malformed_tests[] = {
    {"catalogue", test_catalogue},
    CU_TEST_INFO_NULL,
};
