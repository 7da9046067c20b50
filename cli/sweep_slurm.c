/*
** sweep_slurm.c — a sweep submitted as a Slurm job array (sweep_slurm.h).
**
** The script names absolute paths, single-quoted for the shell (a quote
** inside is written '\''), so it runs from any folder; the database's path
** also goes into #SBATCH lines, which have no quoting, so it must be plain
** (letters, digits and ._/+-). Partition and time limit likewise. sbatch
** runs without a shell, its arguments as an argument vector.
*/
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep_slurm.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lp_file.h"
#include "rdb.h"

static bool plain(const char *s)
{
    if (!s[0]) return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+-:", *s)) return false;
    return true;
}

static void shell_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

/* path made absolute: its folder resolved, its name kept. */
static bool absolute(const char *path, char *out, size_t n)
{
    char dir[PATH_MAX], res[PATH_MAX];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    if (!realpath(dir, res) || !base[0]) return false;
    return snprintf(out, n, "%s/%s", strcmp(res, "/") ? res : "", base) < (int)n;
}

static lp_status write_script(const char *script, const char *self, const char *sweep, const char *db,
                              const sweep_slurm_opts *o, lp_diag *d)
{
    lp_out out = {0};
    lp_status s = lp_out_open(&out, script, d);
    if (s) return s;
    FILE *f = out.f;
    fprintf(f, "#!/bin/bash\n");
    fprintf(f, "# Written by lpsim sweep --slurm: the sweep as a job array of %d tasks, task I running the\n",
            o->array);
    fprintf(f, "# points i with i %% %d == I into %s.shard-I.db (it resumes what that database holds,\n", o->array, db);
    fprintf(f, "# so resubmitting continues). Edit and resubmit with: sbatch %s\n", script);
    fprintf(f, "# Then merge: lpsim merge %s %s.shard-*.db\n", db, db);
    fprintf(f, "#SBATCH --job-name=lpsim-sweep\n#SBATCH --array=0-%d\n", o->array - 1);
    fprintf(f, "#SBATCH --output=%s.shard-%%a.log\n#SBATCH --cpus-per-task=%d\n", db, o->jobs);
    if (o->partition) fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->time) fprintf(f, "#SBATCH --time=%s\n", o->time);
    fprintf(f, "set -eu\nexec ");
    shell_quote(f, self);
    fputs(" sweep ", f);
    shell_quote(f, sweep);
    fputs(" --db ", f);
    shell_quote(f, db);
    fputs("\".shard-${SLURM_ARRAY_TASK_ID}.db\" \\\n  --shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\" "
          "-j \"${SLURM_CPUS_PER_TASK:-1}\" --resume",
          f);
    if (o->timing_only) fputs(" --timing-only", f);
    fputc('\n', f);
    if ((s = lp_out_commit(&out, d))) return s;
    return chmod(script, 0755) ? lp_diag_msg(d, LP_ERR_IO, "cannot make it executable: %s", strerror(errno)) : LP_OK;
}

/* Run sbatch on the script; its standard output (the job id) into id. */
static lp_status submit(const char *script, bool wait, char *id, size_t n, int *status, lp_diag *d)
{
    int fds[2];
    if (pipe(fds)) return lp_diag_msg(d, LP_ERR_IO, "cannot make a pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return lp_diag_msg(d, LP_ERR_IO, "cannot start sbatch: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        signal(SIGXFSZ, SIG_DFL); /* as the user's shell would have it */
        signal(SIGPIPE, SIG_DFL);
        char *argv[] = {"sbatch", "--parsable", wait ? "--wait" : "--quiet", (char *)script, NULL};
        if (!wait) argv[2] = (char *)script, argv[3] = NULL;
        execvp("sbatch", argv);
        _exit(127);
    }
    close(fds[1]);
    size_t k = 0;
    ssize_t r;
    while (k + 1 < n && ((r = read(fds[0], id + k, n - 1 - k)) > 0 || (r < 0 && errno == EINTR)))
        k += r > 0 ? (size_t)r : 0;
    id[k] = 0;
    id[strcspn(id, "\n;")] = 0;
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return lp_diag_msg(d, LP_ERR_IO, "cannot run sbatch: is Slurm installed and on PATH (docs/slurm.md)?");
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!id[0])
        return lp_diag_msg(d, LP_ERR_IO, "sbatch did not submit the job (exit status %d; see its message above)",
                           *status);
    return LP_OK;
}

/* Merge the shards that exist into db; those missing are named. */
static int merge_shards(const char *db, int n)
{
    lp_diag d;
    rdb *out;
    if (rdb_open(db, RDB_WRITE, &out, &d)) return lp_diag_at(&d, db, 1, 1), cli_fail(&d);
    int missing = 0;
    size_t added = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s.shard-%d.db", db, i);
        size_t a, s;
        if (access(path, F_OK)) {
            fprintf(stderr, "lpsim sweep: shard %d wrote no database (%s): see %s.shard-%d.log\n", i, path, db, i);
            missing++;
            continue;
        }
        if (rdb_merge(out, path, &a, &s, &d)) {
            lp_diag_at(&d, path, 1, 1);
            rdb_close(out);
            return cli_fail(&d);
        }
        added += a, skipped += s;
    }
    rdb_close(out);
    printf("merged %d shard%s into %s: %zu runs added, %zu already there\n", n - missing, n - missing == 1 ? "" : "s",
           db, added, skipped);
    return missing ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int sweep_slurm(const cli_cmd *cmd, const cli_args *a, const sw_sweep *sw, const sweep_slurm_opts *o)
{
    lp_diag d;
    lp_diag_init(&d, "<command-line>");
    (void)sw;
    char self[PATH_MAX], sweep[PATH_MAX], db[PATH_MAX], script[PATH_MAX + 8];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return lp_diag_msg(&d, LP_ERR_IO, "cannot find lpsim's own path"), cli_fail(&d);
    self[k] = 0;
    if (!realpath(o->sweep_path, sweep))
        return lp_diag_msg(&d, LP_ERR_IO, "%s", strerror(errno)), cli_fail_arg(cmd, a, NULL, 0, &d);
    if (!absolute(o->db_path, db, sizeof db) || !plain(db)) {
        cli_value_error(cmd, a, "db", 0, &d,
                        "--slurm needs a database path in an existing folder, of letters, digits and ._/+-: it goes "
                        "into #SBATCH lines");
        return cli_fail(&d);
    }
    static const char *const names[] = {"partition", "time"};
    const char *vals[] = {o->partition, o->time};
    for (int i = 0; i < 2; i++)
        if (vals[i] && !plain(vals[i])) {
            cli_value_error(cmd, a, names[i], 0, &d, "--%s takes letters, digits and ._/+-: only", names[i]);
            return cli_fail(&d);
        }
    snprintf(script, sizeof script, "%s.sbatch", db);
    if (write_script(script, self, sweep, db, o, &d)) return lp_diag_at(&d, script, 1, 1), cli_fail(&d);
    printf("wrote %s\n", script);
    char id[128];
    int status = 0;
    if (submit(script, o->wait, id, sizeof id, &status, &d)) {
        char why[LP_DIAG_MSG_MAX];
        snprintf(why, sizeof why, "%s", d.msg);
        cli_value_error(cmd, a, "slurm", -1, &d, "%s", why);
        return cli_fail(&d);
    }
    printf("submitted job array %s (%d tasks)%s\n", id, o->array, o->wait ? ", waited for it" : "");
    if (!o->wait) {
        printf("when it is done: lpsim merge %s %s.shard-*.db\n", db, db);
        return CLI_EXIT_OK;
    }
    fflush(stdout);
    int rc = merge_shards(db, o->array);
    if (status)
        fprintf(stderr,
                "lpsim sweep: sbatch --wait exited with status %d: some task failed (its log: %s.shard-N.log)\n",
                status, db);
    return rc ? rc : status ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
