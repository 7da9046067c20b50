/*
** predict.c — predictions in child processes (predict.h).
**
** A child that fails, exits without a result or dies of a signal is
** reported through its why; predictions start in index order and none
** starts after a failure (unless keep_going), so the first failure is the
** same whatever the number of jobs.
*/
#define _POSIX_C_SOURCE 200809L
#include "predict.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

_Static_assert(sizeof(lp_pred_msg) <= 512, "a child's message must fit one atomic pipe write (PIPE_BUF >= 512)");

/* What a child sends back: one write of under PIPE_BUF bytes. */
static void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(3);
        p += w, n -= (size_t)w;
    }
}

/* The child: predict, send the result, leave without running the parent's
** exit handlers or flushing its buffers. */
static _Noreturn void child(const char *arch, const char *spec, int fd)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ}; /* not the parent's cleanup handlers */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(4);
    lp_pred_msg m;
    memset(&m, 0, sizeof m);
    lp_diag d;
    lp_diag_init(&d, "<workload>");
    lp_run_pred r;
    m.status = (int)cmd_run_predict(arch, spec, &r, &d);
    if (m.status) {
        m.line = d.line, m.col = d.col;
        snprintf(m.file, sizeof m.file, "%s", d.file ? d.file : "");
        snprintf(m.msg, sizeof m.msg, "%s", d.msg);
    } else {
        m.run = r;
    }
    write_all(fd, &m, sizeof m);
    _exit(0);
}

static bool start(const char *arch, lp_pred *p)
{
    int fds[2];
    if (pipe(fds)) return snprintf(p->why, sizeof p->why, "cannot make a pipe: %s", strerror(errno)), false;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child(arch, p->spec, fds[1]);
    }
    int e = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return snprintf(p->why, sizeof p->why, "cannot start a process: %s", strerror(e)), false;
    }
    p->pid = pid, p->fd = fds[0];
    return true;
}

/* Read a finished child's message and its exit status; false (p->why
** filled) when it failed. */
static bool collect(lp_pred *p)
{
    size_t got = 0;
    char *buf = (char *)&p->res;
    while (got < sizeof p->res) {
        ssize_t r = read(p->fd, buf + got, sizeof p->res - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(p->fd);
    int ws = 0;
    while (waitpid(p->pid, &ws, 0) < 0 && errno == EINTR) continue;
    if (WIFSIGNALED(ws))
        snprintf(p->why, sizeof p->why, "the prediction process died of signal %d (%s)", WTERMSIG(ws),
                 strsignal(WTERMSIG(ws)));
    else if (got != sizeof p->res || !WIFEXITED(ws) || WEXITSTATUS(ws))
        snprintf(p->why, sizeof p->why, "the prediction process exited with status %d without a result",
                 WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    else if (p->res.status && p->res.line > 0)
        snprintf(p->why, sizeof p->why, "%.80s:%d:%d: %.300s", p->res.file, p->res.line, p->res.col, p->res.msg);
    else if (p->res.status)
        snprintf(p->why, sizeof p->why, "%s", p->res.msg);
    return !p->why[0];
}

/* Run every prediction, at most jobs at once, in index order; after a
** failure none starts unless keep_going. Returns the index of the first that
** failed, or n when none did. */
size_t lp_predict_all(const char *arch, lp_pred *p, size_t n, long jobs, bool keep_going)
{
    size_t next = 0, running = 0, first_failed = n;
    size_t *active = malloc((size_t)jobs * sizeof *active);
    struct pollfd *pf = malloc((size_t)jobs * sizeof *pf);
    if (!active || !pf) {
        free(active), free(pf);
        if (n) snprintf(p[0].why, sizeof p[0].why, "out of memory"), p[0].failed = true;
        return 0;
    }
    fflush(stdout), fflush(stderr); /* nothing buffered is written twice */
    for (;;) {
        while ((keep_going || first_failed == n) && running < (size_t)jobs && next < n) {
            if (!start(arch, &p[next])) {
                p[next].failed = true, first_failed = next;
                break;
            }
            active[running++] = next++;
        }
        if (!running) break;
        for (size_t i = 0; i < running; i++) pf[i] = (struct pollfd){p[active[i]].fd, POLLIN, 0};
        if (poll(pf, (nfds_t)running, -1) < 0) {
            if (errno == EINTR) continue;
            for (size_t i = 0; i < running; i++) pf[i].revents = POLLIN; /* collect blocks on each */
        }
        size_t keep = 0;
        for (size_t i = 0; i < running; i++) {
            if (!pf[i].revents) {
                active[keep++] = active[i];
                continue;
            }
            lp_pred *q = &p[active[i]];
            if (!collect(q)) {
                q->failed = true;
                if (active[i] < first_failed) first_failed = active[i];
            }
        }
        running = keep;
    }
    free(active), free(pf);
    return first_failed;
}

/* The distinct workloads of the selected shapes, in report order; pred_of[i]
** the prediction of shape i. NULL when out of memory. */
lp_pred *lp_pred_distinct(const lp_val_set *set, const bool *sel, size_t *pred_of, size_t *npred)
{
    size_t cap = 1;
    while (cap < 2 * set->n + 2) cap *= 2;
    size_t *slot = malloc(cap * sizeof *slot); /* open addressing over shape indices; SIZE_MAX free */
    lp_pred *p = calloc(set->n ? set->n : 1, sizeof *p);
    if (!slot || !p) return free(slot), free(p), NULL;
    for (size_t i = 0; i < cap; i++) slot[i] = SIZE_MAX;
    *npred = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (!sel[i]) continue;
        const char *spec = set->shape[i].spec;
        size_t h = (size_t)lp_val_fnv1a64(spec) & (cap - 1);
        while (slot[h] != SIZE_MAX && strcmp(set->shape[slot[h]].spec, spec)) h = (h + 1) & (cap - 1);
        if (slot[h] == SIZE_MAX) {
            slot[h] = i;
            p[*npred].spec = spec, p[*npred].shape = i;
            pred_of[i] = (*npred)++;
        } else {
            pred_of[i] = pred_of[slot[h]];
        }
    }
    free(slot);
    return p;
}

#define GRAPH_JSON_MAX (256u << 20) /* a report larger than this is refused (a 524,288-op graph's is ~200 MiB) */

json_t *lp_predict_graph(const char *arch, const char *file, bool fuse, char *why, size_t n)
{
    int fds[2];
    FILE *err = tmpfile();
    if (!err || pipe(fds)) {
        snprintf(why, n, "cannot make a pipe or a temporary file: %s", strerror(errno));
        if (err) fclose(err);
        return NULL;
    }
    fflush(stdout), fflush(stderr); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ}; /* not the parent's cleanup handlers */
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        int null = open("/dev/null", O_RDONLY);
        close(fds[0]);
        if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fileno(err), 2) < 0) _exit(4);
        char *argv[] = {"lpsim", "predict", "--arch", (char *)arch, (char *)file, "--json", "--fuse", NULL};
        int rc = cmd_predict(fuse ? 7 : 6, argv, 2);
        fflush(stdout), fflush(stderr);
        _exit(rc);
    }
    int e = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]), fclose(err);
        snprintf(why, n, "cannot start a process: %s", strerror(e));
        return NULL;
    }
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    bool big = false;
    for (;;) {
        if (buf && len == cap) {
            char *b = cap < GRAPH_JSON_MAX ? realloc(buf, 2 * cap) : NULL;
            if (b) {
                buf = b, cap *= 2;
            } else { /* the rest is read and dropped, so the process can finish */
                big = cap >= GRAPH_JSON_MAX;
                free(buf), buf = NULL;
            }
        }
        char sink[4096];
        ssize_t r = buf ? read(fds[0], buf + len, cap - len) : read(fds[0], sink, sizeof sink); /* drained */
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (buf) len += (size_t)r;
    }
    close(fds[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) continue;
    json_t *o = NULL;
    if (WIFSIGNALED(ws)) {
        snprintf(why, n, "the prediction process died of signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    } else if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
        char line[600] = "";
        rewind(err);
        if (!fgets(line, sizeof line, err)) line[0] = 0;
        line[strcspn(line, "\n")] = 0;
        /* the command line is this function's, not the user's: its place says nothing */
        static const char cl[] = "<command-line>:", err_tag[] = " error: ";
        const char *msg = line, *e = strstr(line, err_tag);
        if (!strncmp(line, cl, sizeof cl - 1) && e) msg = e + sizeof err_tag - 1;
        snprintf(why, n, "%s", msg[0] ? msg : "lpsim predict failed without a message");
    } else if (!buf) {
        snprintf(why, n, big ? "the report is larger than %u MiB" : "out of memory", GRAPH_JSON_MAX >> 20);
    } else {
        json_error_t je;
        if (!(o = json_loadb(buf, len, 0, &je))) snprintf(why, n, "its JSON report cannot be read: %s", je.text);
    }
    free(buf);
    fclose(err);
    return o;
}

long lp_predict_default_jobs(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online < 1 ? 1 : online > LP_PREDICT_MAX_JOBS ? LP_PREDICT_MAX_JOBS : online;
}
