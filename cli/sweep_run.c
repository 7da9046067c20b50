/*
** sweep_run.c — a sweep's points on worker processes (sweep_run.h).
**
** One child per point, forked from the parent, which holds the expanded
** sweep: forking costs a fraction of a millisecond, much less than a tiny
** layer's simulation, and keeps every simulation in a fresh process as
** SystemC needs. The child's report goes through a pipe as JSON (any size:
** the parent reads it as it comes, so a child never blocks on a full pipe);
** the parent polls all pipes, logs each finished point at once and keeps
** the workers busy.
*/
#define _GNU_SOURCE /* prctl's PR_SET_PDEATHSIG */
#include "sweep_run.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "cmd_run.h"
#include "workload.h"

#define MAX_REPORT_BYTES (64u << 20) /* a report longer than this is a crash */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool sweep_in_shard(const sweep_opts *o, size_t i) { return o->shard_n <= 1 || i % o->shard_n == o->shard_i; }

/* ---- the child ------------------------------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(3);
        p += w, n -= (size_t)w;
    }
}

/* Simulate point i, send {"status", "error", "run_s", "report"}, leave
** without the parent's exit handlers. */
static _Noreturn void child(const sw_sweep *sw, size_t i, const sweep_opts *o, int fd)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};
    for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) signal(sigs[k], SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(4);
    double t0 = now_s();
    const sw_point *p = &sw->points[i];
    lp_diag d;
    lp_diag_init(&d, "<point>");
    arch_cfg *a = NULL;
    wl_spec s;
    json_t *report = NULL;
    const char *text = sw->arch_texts[p->arch];
    lp_status st = arch_load_text(text, strlen(text), "<point>", &a, &d);
    if (!st && (st = wl_parse_inline(p->workload, "<workload>", 1, 1, &s, &d))) arch_free(a);
    if (!st) st = cmd_run_report(a, &s, sw->seed, o->timing_only, &report, &d);
    const char *status = st == LP_ERR_INFEASIBLE                                 ? "infeasible"
                         : st                                                    ? "failed"
                         : json_integer_value(json_object_get(report, "failed")) ? "mismatch"
                                                                                 : "done";
    json_t *m = json_pack("{s:s, s:f, s:o*}", "status", status, "run_s", now_s() - t0, "report", report);
    if (m && st) json_object_set_new(m, "error", json_string(d.msg));
    char *out = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (!out) _exit(5);
    write_all(fd, out, strlen(out));
    _exit(0);
}

/* ---- the parent ------------------------------------------------------------------------ */

typedef struct worker {
    pid_t pid;
    int fd;
    size_t point;
    double t0;
    char started_at[32];
    char *buf;
    size_t n, cap;
} worker;

typedef struct runner {
    const sw_sweep *sw;
    rdb *db;
    const sweep_opts *o;
    sweep_tally *t;
    char **arch_json; /* per architecture, made when first needed */
    char (*unit_kind)[32];
    double *area_mm2;
    double last_print;
    size_t finished;
} runner;

static void describe_arch(runner *r, size_t a)
{
    if (r->arch_json[a]) return;
    const char *text = r->sw->arch_texts[a];
    json_t *j = rdb_yaml_json(text, strlen(text));
    r->area_mm2[a] = rdb_arch_facts(j, r->unit_kind[a], sizeof r->unit_kind[a]);
    r->arch_json[a] = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
}

static void progress(runner *r, bool last)
{
    const sweep_opts *o = r->o;
    sweep_tally *t = r->t;
    double now = now_s();
    if (!o->progress || (!last && now - r->last_print < (o->tty ? 0.1 : 5.0))) return;
    r->last_print = now;
    size_t todo = t->total - t->skipped, k = r->finished;
    double rate = t->wall_s > 0 ? (double)k / t->wall_s : 0, left = rate > 0 ? (double)(todo - k) / rate : 0;
    size_t bad = t->failed + t->crashed;
    if (o->tty) {
        char bar[31];
        int fill = todo ? (int)(30.0 * (double)k / (double)todo) : 30;
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(o->progress, "\r\033[K[%s] %zu/%zu points  %.1f/s  %.0f s left  %zu failed%s", bar, k, todo, rate, left,
                bad, last ? "\n" : "");
    } else {
        fprintf(o->progress, "sweep: %zu/%zu points, %.1f per second, %.0f s left, %zu failed\n", k, todo, rate, left,
                bad);
    }
    fflush(o->progress);
}

/* Log the point worker w ran; status from its report, or crashed. */
static lp_status log_point(runner *r, worker *w, int wstatus, lp_diag *d)
{
    const sw_point *p = &r->sw->points[w->point];
    json_t *m = w->n ? json_loadb(w->buf, w->n, 0, NULL) : NULL;
    const char *status = json_string_value(json_object_get(m, "status"));
    char why[160] = "";
    if (!status) {
        status = "crashed";
        if (WIFSIGNALED(wstatus))
            snprintf(why, sizeof why, "the worker died of signal %d (%s)", WTERMSIG(wstatus),
                     strsignal(WTERMSIG(wstatus)));
        else
            snprintf(why, sizeof why, "the worker exited with status %d without a result", WEXITSTATUS(wstatus));
    }
    describe_arch(r, p->arch);
    char formats[160];
    json_t *wj = rdb_spec_json(p->workload, formats, sizeof formats);
    char *wjs = wj ? json_dumps(wj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    const char *kind = json_string_value(json_object_get(wj, "kind"));
    rdb_run run = {0};
    run.started_at = w->started_at;
    run.command_line = r->o->command_line;
    run.arch_name = r->sw->arch_names[p->arch];
    run.arch_json = r->arch_json[p->arch];
    run.unit_kind = r->unit_kind[p->arch];
    run.workload_kind = kind ? kind : "";
    run.workload = p->workload;
    run.workload_json = wjs;
    run.formats = formats;
    run.seed = r->sw->seed;
    run.timing_only = r->o->timing_only;
    run.status = status;
    run.error = why[0] ? why : json_string_value(json_object_get(m, "error"));
    run.wall_s = now_s() - w->t0;
    run.area_mm2 = r->area_mm2[p->arch];
    run.sweep_hash = r->sw->hash;
    run.point_index = (int64_t)w->point;
    run.point_json = p->params_json;
    double t0 = now_s();
    int64_t id;
    lp_status s = rdb_log_run(r->db, &run, json_object_get(m, "report"), &id, d);
    r->t->log_s += now_s() - t0;
    r->t->run_s += json_number_value(json_object_get(m, "run_s"));
    r->t->point_s += run.wall_s;
    if (!s) {
        if (!id)
            r->t->duplicate++;
        else if (!strcmp(status, "done"))
            r->t->done++;
        else if (!strcmp(status, "crashed"))
            r->t->crashed++;
        else if (!strcmp(status, "infeasible"))
            r->t->infeasible++;
        else
            r->t->failed++;
    }
    json_decref(m);
    json_decref(wj);
    free(wjs);
    return s;
}

static lp_status start(runner *r, worker *w, size_t point, lp_diag *d)
{
    int fds[2];
    if (pipe(fds)) return lp_diag_msg(d, LP_ERR_IO, "cannot make a pipe: %s", strerror(errno));
    fflush(NULL); /* nothing buffered twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return lp_diag_msg(d, LP_ERR_IO, "cannot start a worker: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child(r->sw, point, r->o, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    w->pid = pid, w->fd = fds[0], w->point = point, w->t0 = now_s(), w->n = 0;
    rdb_now(w->started_at, sizeof w->started_at);
    return LP_OK;
}

/* Read what w's pipe holds; true at its end. */
static bool drain(worker *w)
{
    for (;;) {
        if (w->cap - w->n < 65536) {
            size_t nc = w->cap ? 2 * w->cap : 131072;
            char *nb = nc <= MAX_REPORT_BYTES ? realloc(w->buf, nc) : NULL;
            if (!nb) return w->n = 0, true; /* too long or no memory: logged as crashed */
            w->buf = nb, w->cap = nc;
        }
        ssize_t k = read(w->fd, w->buf + w->n, w->cap - w->n);
        if (k > 0) {
            w->n += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        return k == 0 || errno != EAGAIN;
    }
}

lp_status sweep_run(const sw_sweep *sw, rdb *db, const sweep_opts *o, sweep_tally *t, lp_diag *d)
{
    memset(t, 0, sizeof *t);
    runner r = {
        sw, db, o, t, calloc(sw->narch, sizeof(char *)), calloc(sw->narch, 32), calloc(sw->narch, sizeof(double)),
        -1, 0};
    bool *fin = calloc(sw->npoints, sizeof *fin);
    worker *ws = calloc((size_t)o->jobs, sizeof *ws);
    struct pollfd *pf = calloc((size_t)o->jobs, sizeof *pf);
    lp_status s = LP_OK;
    if (!r.arch_json || !r.unit_kind || !r.area_mm2 || !fin || !ws || !pf) {
        s = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (o->resume && (s = rdb_points_finished(db, sw->hash, o->timing_only, sw->npoints, fin, d))) goto done;
    for (size_t i = 0; i < sw->npoints; i++)
        if (sweep_in_shard(o, i)) t->total++, t->skipped += fin[i];
    double t0 = now_s();
    size_t next = 0;
    int running = 0;
    for (;;) {
        while (!s && running < o->jobs && next < sw->npoints) {
            size_t i = next++;
            if (!sweep_in_shard(o, i) || fin[i]) continue;
            int k = 0;
            while (ws[k].pid) k++;
            if ((s = start(&r, &ws[k], i, d))) break;
            running++;
        }
        if (!running) break;
        int np = 0;
        int slot[256];
        for (int k = 0; k < o->jobs; k++)
            if (ws[k].pid) pf[np] = (struct pollfd){ws[k].fd, POLLIN, 0}, slot[np++] = k;
        if (poll(pf, (nfds_t)np, 100) < 0 && errno != EINTR) {
            s = lp_diag_msg(d, LP_ERR_IO, "poll: %s", strerror(errno));
            break;
        }
        for (int q = 0; q < np; q++) {
            worker *w = &ws[slot[q]];
            if (!pf[q].revents || !drain(w)) continue;
            int wst = 0;
            while (waitpid(w->pid, &wst, 0) < 0 && errno == EINTR) {}
            close(w->fd);
            w->pid = 0;
            running--;
            if (!s) s = log_point(&r, w, wst, d);
            r.finished++;
        }
        t->wall_s = now_s() - t0;
        if (s && !running) break;
        progress(&r, false);
    }
    t->wall_s = now_s() - t0;
    progress(&r, true);
done:
    for (int k = 0; ws && k < o->jobs; k++) free(ws[k].buf);
    for (size_t a = 0; r.arch_json && a < sw->narch; a++) free(r.arch_json[a]);
    free(r.arch_json), free(r.unit_kind), free(r.area_mm2), free(fin), free(ws), free(pf);
    return s;
}
