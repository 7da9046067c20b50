/*
** plot.c — gnuplot without a shell (see plot.h): fork and execvp on the
** script file, data, script and picture in a folder made by mkdtemp (removed
** if a signal ends lpsim: lp_temp_add). gnuplot runs with a time limit
** (LPSIM_GNUPLOT_TIMEOUT_S, 120 s by default), its files bounded by
** RLIMIT_FSIZE (64 MiB), the last 1 KiB of its standard error kept from a
** pipe. The picture is drawn there rather than at the user's path so that
** the path never enters the script, a half-drawn picture never reaches it,
** and gnuplot's habit of going on without its output file (it warns and draws
** nothing) shows as an error. A kept script (lp_plot_run_keep) is the one
** gnuplot ran with its set output line, whose bytes lp_plot_set_output
** recorded, replaced.
*/
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */
#include "plot.h"
#include "lp_file.h"
#include "lp_num.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

lp_status lp_plot_open(lp_plot *p, const char *ext, lp_diag *d)
{
    memset(p, 0, sizeof *p);
    if (strlen(ext) > 8) return lp_diag_msg(d, LP_ERR_ARG, "picture extension '%s' too long", ext);
    /* $TMPDIR when it is an absolute path short enough for the folder's names, else /tmp */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen(tmp) > sizeof p->dir - 32) tmp = "/tmp";
    snprintf(p->dir, sizeof p->dir, "%s/lpsim_plot_XXXXXX", tmp);
    if (!mkdtemp(p->dir)) {
        p->dir[0] = 0;
        return lp_diag_msg(d, LP_ERR_IO, "cannot create a temporary folder: %s", strerror(errno));
    }
    lp_temp_add(p->dir, true); /* removed with what it holds if a signal ends lpsim */
    char dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    snprintf(p->script_path, sizeof p->script_path, "%s/plot.gp", dir);
    snprintf(p->picture_path, sizeof p->picture_path, "%s/picture%s", dir, ext);
    lp_temp_add(p->script_path, false);
    lp_temp_add(p->picture_path, false);
    p->script = fopen(p->script_path, "w");
    if (!p->script) {
        int e = errno;
        lp_plot_discard(p);
        return lp_diag_msg(d, LP_ERR_IO, "cannot create a temporary file: %s", strerror(e));
    }
    return LP_OK;
}

FILE *lp_plot_data(lp_plot *p, const char **path, lp_diag *d)
{
    if (p->ndata == 4) {
        lp_diag_msg(d, LP_ERR_ARG, "a plot has at most 4 data files");
        return NULL;
    }
    char *dp = p->data_path[p->ndata], dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    snprintf(dp, sizeof p->data_path[0], "%s/data%d.txt", dir, p->ndata);
    lp_temp_add(dp, false);
    FILE *f = fopen(dp, "w");
    if (!f) {
        lp_diag_msg(d, LP_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
        return NULL;
    }
    p->ndata++;
    *path = dp;
    return f;
}

size_t lp_plot_text_ok(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (s[i]) {
        unsigned c = s[i];
        /* continuation bytes after a lead byte: overlong leads C0, C1 and F5.. are never valid */
        int n = c < 0x80                 ? 0
                : c >= 0xc2 && c <= 0xdf ? 1
                : c >= 0xe0 && c <= 0xef ? 2
                : c >= 0xf0 && c <= 0xf4 ? 3
                                         : -1;
        if (n < 0 || c < 0x20 || c == 0x7f) return i;
        uint32_t cp = n ? c & (0x3fu >> n) : c;
        for (int k = 1; k <= n; k++) {
            if ((s[i + (size_t)k] & 0xc0) != 0x80) return i; /* a NUL stops here too */
            cp = cp << 6 | (s[i + (size_t)k] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0x80 && cp < 0xa0)) /* overlong, surrogates, past U+10FFFF, C1 controls */
            return i;
        i += (size_t)n + 1;
    }
    return i;
}

/* The text as a gnuplot string expression that nothing can expand. gnuplot
** reads a line three times before it runs it: macros (@name) and backquotes
** are expanded first, by scanners whose idea of quoting differs from the
** parser's (after "'" they take what follows for unquoted text), and its
** parser misreads a quote doubled inside '...' at the start or after another
** (the strings '''a' and 'a''''b' are syntax errors). So the line never
** holds those characters as they are: runs of other text go in '...', taken
** literally, and each of ' " ` @ # $ \ is an octal escape in "..." ("\047"
** for a quote), joined by gnuplot's '.' operator. A byte that cannot be
** shown is '?', or (exact: a file name) an octal escape of itself. */
static void quote(FILE *f, const char *text, bool exact)
{
    enum { NOTHING, IN_RUN, AFTER } state = NOTHING;
    while (*text) {
        size_t ok = lp_plot_text_ok(text);
        for (size_t i = 0; i <= ok && text[i]; i++) {
            /* at ok: a byte that cannot be shown */
            unsigned char c = i < ok || exact ? (unsigned char)text[i] : '?';
            if (strchr("'\"`@#$\\", c) || (i == ok && exact)) {
                fprintf(f, "%s\"\\%03o\"", state == IN_RUN ? "'." : state == AFTER ? "." : "", c);
                state = AFTER;
                continue;
            }
            if (state != IN_RUN) fputs(state == AFTER ? ".'" : "'", f);
            state = IN_RUN;
            fputc(c, f);
        }
        text += ok + (text[ok] != 0);
    }
    fputs(state == IN_RUN ? "'" : state == NOTHING ? "''" : "", f);
}

void lp_plot_quote(FILE *f, const char *text) { quote(f, text, false); }

void lp_plot_loglog(lp_plot *p, const char *title, const char *xlabel, const char *ylabel, double lo, double hi)
{
    FILE *gp = p->script;
    fprintf(gp, "set terminal pngcairo size 900,900\nset output ");
    lp_plot_quote(gp, p->picture_path);
    fprintf(gp, "\nset title ");
    lp_plot_quote(gp, title);
    fprintf(gp, " noenhanced\nset logscale xy\nset size square\nset grid\nset key top left\nset xlabel ");
    lp_plot_quote(gp, xlabel);
    fprintf(gp, "\nset ylabel ");
    lp_plot_quote(gp, ylabel);
    fprintf(gp, "\nset xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\nset samples 200\nplot ", lo, hi, lo, hi);
}

/* gnuplot's data reader ends a double-quoted column at the next '"' and
** decodes backslash escapes in it as in a "..." string of a command, so
** octal escapes carry the characters that mean something to it or to the
** command scanners. An escape is four digits starting with 0 ("\0044" for
** '$'): gnuplot reads four after "\0" and three otherwise, so "\044" before
** a digit of the user's would take that digit too ("$0" read as a space). */
void lp_plot_quote_data(FILE *f, const char *text)
{
    fputc('"', f);
    for (;;) {
        size_t ok = lp_plot_text_ok(text);
        for (size_t i = 0; i < ok; i++) {
            unsigned char c = (unsigned char)text[i];
            if (strchr("'\"`@#$\\", c))
                fprintf(f, "\\0%03o", c); /* four digits: after "\0" gnuplot reads up to four, eating a digit */
            else
                fputc(c, f);
        }
        if (!text[ok]) break;
        fputc('?', f);
        text += ok + 1;
    }
    fputc('"', f);
}

void lp_plot_set_output(lp_plot *p)
{
    assert(!p->has_output && p->script);
    p->output_at = ftell(p->script);
    fputs("set output ", p->script);
    lp_plot_quote(p->script, p->picture_path);
    fputc('\n', p->script);
    p->output_end = ftell(p->script);
    p->has_output = true;
}

void lp_plot_discard(lp_plot *p)
{
    if (p->script) fclose(p->script);
    p->script = NULL;
    if (!p->dir[0]) return;
    unlink(p->script_path);
    unlink(p->picture_path);
    lp_temp_remove(p->script_path);
    lp_temp_remove(p->picture_path);
    for (int i = 0; i < p->ndata; i++) unlink(p->data_path[i]), lp_temp_remove(p->data_path[i]);
    /* the folder is lpsim's own (mkdtemp): whatever else gnuplot left there goes too */
    DIR *dh = opendir(p->dir);
    struct dirent *de;
    while (dh && (de = readdir(dh))) {
        char f[sizeof p->dir + 260];
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(f, sizeof f, "%s/%s", p->dir, de->d_name);
            unlink(f);
        }
    }
    if (dh) closedir(dh);
    rmdir(p->dir);
    lp_temp_remove(p->dir);
    p->dir[0] = 0;
}

#define GNUPLOT_ERR_TAIL 1024                       /* bytes of gnuplot's standard error kept */
#define GNUPLOT_MAX_FILE_BYTES (UINT64_C(64) << 20) /* RLIMIT_FSIZE of gnuplot: the picture's bound */
#define GNUPLOT_TIMEOUT_S 120                       /* default; LPSIM_GNUPLOT_TIMEOUT_S overrides */

/* Seconds gnuplot may run: LPSIM_GNUPLOT_TIMEOUT_S (1..86400) or the default.
** LP_OK, or LP_ERR_ARG in d when the variable is not such a number. */
static lp_status gnuplot_timeout(long *secs, lp_diag *d)
{
    const char *v = getenv("LPSIM_GNUPLOT_TIMEOUT_S"), *why;
    uint64_t n = GNUPLOT_TIMEOUT_S;
    if (v && (lp_parse_u64(v, strlen(v), &n, &why) || n < 1 || n > 86400))
        return lp_diag_msg(d, LP_ERR_ARG, "LPSIM_GNUPLOT_TIMEOUT_S must be whole seconds from 1 to 86400, got '%s'", v);
    *secs = (long)n;
    return LP_OK;
}

/* Start gnuplot -d on the script: standard input and output /dev/null,
** standard error into the pipe errfd, files it writes bounded by
** GNUPLOT_MAX_FILE_BYTES (past it SIGXFSZ ends it). Its pid, or -1 with errno. */
static pid_t start_gnuplot(const lp_plot *p, int errfd[2])
{
    char *argv[] = {(char *)"gnuplot", (char *)"-d", (char *)p->script_path, NULL};
    int ready[2]; /* close-on-exec: the child writes errno here only when exec fails */
    if (pipe(ready)) return -1;
    fcntl(ready[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* its own process group: a timeout stops what it started too */
        int null = open("/dev/null", O_RDWR);
        struct rlimit rl = {GNUPLOT_MAX_FILE_BYTES, GNUPLOT_MAX_FILE_BYTES};
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errfd[1], 2) < 0 || setrlimit(RLIMIT_FSIZE, &rl))
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL); /* lpsim ignores it (main.c); gnuplot's file limit kills gnuplot */
        execvp("gnuplot", argv);
        int e = errno;
        if (write(ready[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    int e = errno;
    close(ready[1]);
    if (pid < 0) {
        close(ready[0]);
        errno = e;
        return -1;
    }
    int child_errno = 0;
    ssize_t r;
    while ((r = read(ready[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) continue;
    close(ready[0]);
    if (r == (ssize_t)sizeof child_errno) { /* exec failed: gnuplot is not there */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) continue;
        errno = child_errno;
        return -1;
    }
    return pid;
}

/* Run gnuplot on the script for at most secs seconds, keeping the last
** GNUPLOT_ERR_TAIL bytes of its standard error in tail (NUL-terminated). Its
** exit status; -1 (errno in *err) when it could not start; 1000 + the signal
** when one ended it; -2 when it ran out of time (it is killed). */
static int run_gnuplot(const lp_plot *p, long secs, char *tail, int *err)
{
    int errfd[2], status = 0;
    size_t kept = 0;
    tail[0] = 0;
    if (pipe(errfd)) return *err = errno, -1;
    pid_t pid = start_gnuplot(p, errfd);
    int e = errno;
    close(errfd[1]);
    if (pid < 0) {
        close(errfd[0]);
        return *err = e, -1;
    }
    lp_temp_child(pid);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool open_err = true, late = false;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = secs * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left_ms <= 0) {
            late = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
        if (!open_err) { /* stderr closed: wait for the exit, a tenth of a second at a time */
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) break;
            if (w < 0 && errno != EINTR) return *err = errno, -1;
            struct timespec nap = {0, 100000000L};
            nanosleep(&nap, NULL);
            continue;
        }
        struct pollfd pf = {errfd[0], POLLIN, 0};
        int n = poll(&pf, 1, left_ms > 1000 ? 1000 : (int)left_ms);
        if (n <= 0) continue;
        char buf[4096];
        ssize_t r = read(errfd[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            open_err = false;
            continue;
        }
        /* keep the last GNUPLOT_ERR_TAIL bytes */
        size_t nr = (size_t)r, keep = nr >= GNUPLOT_ERR_TAIL ? GNUPLOT_ERR_TAIL : nr;
        if (kept + keep > GNUPLOT_ERR_TAIL) {
            size_t drop = kept + keep - GNUPLOT_ERR_TAIL;
            memmove(tail, tail + drop, kept - drop);
            kept -= drop;
        }
        memcpy(tail + kept, buf + nr - keep, keep);
        kept += keep;
        tail[kept] = 0;
    }
    close(errfd[0]);
    if (late) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
        lp_temp_child(0);
        return -2;
    }
    lp_temp_child(0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last line of gnuplot's standard error (its tail) that holds text,
** without the script's temporary path ("/tmp/.../plot.gp" line 3: ...) and
** with what is not printable UTF-8 left out; "" when there is none. */
static void last_error_line(char *tail, char *buf, size_t n)
{
    size_t len = strlen(tail);
    buf[0] = 0;
    while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r' || tail[len - 1] == ' ')) tail[--len] = 0;
    char *line = strrchr(tail, '\n') ? strrchr(tail, '\n') + 1 : tail, *q = strstr(line, "\" line ");
    if (line[0] == '"' && q) line = q + 2;
    size_t k = 0;
    for (const char *s = line; *s && k + 1 < n;) {
        size_t ok = lp_plot_text_ok(s);
        if (ok > n - 1 - k) ok = n - 1 - k;
        memcpy(buf + k, s, ok);
        k += ok, s += ok;
        if (*s) s++;
    }
    buf[k] = 0;
}

/* A file of the private folder (the picture, the script) read whole into
** *text (malloc'd, NUL-terminated) with plain stdio: lp_read_file would
** record it as an input of the command, and a later output that the file
** system gives its inode number once it is gone would then be refused as
** one ("is an input of this command"). Its size is bounded by gnuplot's
** RLIMIT_FSIZE or lpsim's own writing. 0, or -1 with errno. */
static int read_private(const char *path, char **text, size_t *n)
{
    FILE *f = fopen(path, "rb");
    long len = -1;
    int e = 0;
    *text = NULL;
    if (!f) return -1;
    if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
        (*text = malloc((size_t)len + 1)) && fread(*text, 1, (size_t)len, f) == (size_t)len) {
        fclose(f);
        (*text)[len] = 0;
        *n = (size_t)len;
        return 0;
    }
    e = errno ? errno : EIO;
    fclose(f);
    free(*text);
    *text = NULL;
    errno = e;
    return -1;
}

/* Put the picture at out through lp_out (a temporary file beside it renamed
** into place; a FIFO or a device written in place; never over an input of
** the command). out is unchanged on failure. */
static lp_status install(const char *from, const char *out, lp_diag *d)
{
    size_t n;
    char *pic;
    lp_diag why;
    lp_diag_init(&why, from);
    if (read_private(from, &pic, &n))
        return lp_diag_msg(d, LP_ERR_IO, "cannot read gnuplot's picture: %s", strerror(errno));
    lp_status st = lp_write_file(out, pic, n, &why);
    free(pic);
    if (st) lp_diag_msg(d, st, "'%s': %s", out, why.msg);
    return st;
}

/* Open script_out through lp_out (o) and write into it the script with its
** set output line naming './BASE' of out. LP_OK with o open; else o is
** finished and d holds the message. */
static lp_status copy_script(const lp_plot *p, const char *out, const char *script_out, lp_out *o, lp_diag *d)
{
    size_t n;
    char *text, *name;
    lp_diag why;
    lp_diag_init(&why, NULL);
    if (read_private(p->script_path, &text, &n))
        return lp_diag_msg(d, LP_ERR_IO, "cannot read the gnuplot script back: %s", strerror(errno));
    assert(p->output_at >= 0 && p->output_at <= p->output_end && (size_t)p->output_end <= n);
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (!(name = malloc(strlen(base) + 3))) {
        free(text);
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    }
    sprintf(name, "./%s", base);
    lp_status st = lp_out_open(o, script_out, &why);
    if (st) {
        free(text), free(name);
        return lp_diag_msg(d, st, "'%s': %s", script_out, why.msg);
    }
    fwrite(text, 1, (size_t)p->output_at, o->f);
    fputs("set output ", o->f);
    quote(o->f, name, true);
    fputc('\n', o->f);
    fwrite(text + p->output_end, 1, n - (size_t)p->output_end, o->f);
    free(text), free(name);
    if (ferror(o->f)) {
        int e = errno;
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_IO, "'%s': cannot write: %s", script_out, strerror(e));
    }
    return LP_OK;
}

/* lp_plot_run, and lp_plot_run_keep when script_out is not NULL. */
static lp_status run(lp_plot *p, const char *out, const char *script_out, lp_diag *d)
{
    bool written = !ferror(p->script);
    written = !fclose(p->script) && written;
    p->script = NULL;
    lp_status st = LP_OK;
    struct stat ps;
    long secs = GNUPLOT_TIMEOUT_S;
    char tail[GNUPLOT_ERR_TAIL + 1];
    lp_out kept;
    lp_diag why_kept;
    lp_diag_init(&why_kept, NULL);
    if (gnuplot_timeout(&secs, d)) {
        lp_plot_discard(p);
        return d->status;
    }
    int e = 0, rc = written ? run_gnuplot(p, secs, tail, &e) : 0;
    if (!written) {
        st = lp_diag_msg(d, LP_ERR_IO, "cannot write the gnuplot script in %s", p->dir);
    } else if (rc == -2) {
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot did not finish within %ld s (LPSIM_GNUPLOT_TIMEOUT_S); it was stopped",
                         secs);
    } else if (rc < 0) {
        st = lp_diag_msg(d, LP_ERR_IO, "cannot run gnuplot: %s (is gnuplot installed? Debian: gnuplot-nox)",
                         strerror(e));
    } else if (rc >= 1000) {
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot was killed by signal %d%s", rc - 1000,
                         rc - 1000 == SIGXFSZ ? " (a file it wrote passed the limit of 64 MiB)" : "");
    } else if (rc) {
        char why[200];
        last_error_line(tail, why, sizeof why);
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot failed (exit status %d)%s%s", rc, why[0] ? ": " : "", why);
    } else if (stat(p->picture_path, &ps) || ps.st_size == 0) {
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot drew no picture");
    } else if (!script_out) {
        st = install(p->picture_path, out, d);
    } else if (!(st = copy_script(p, out, script_out, &kept, d))) {
        /* the script is complete beside its place before the picture moves */
        if ((st = install(p->picture_path, out, d))) {
            lp_out_discard(&kept);
        } else if ((st = lp_out_commit(&kept, &why_kept))) {
            lp_diag_msg(d, st, "drew '%s' but cannot write its script '%s': %s", out, script_out, why_kept.msg);
        }
    }
    lp_plot_discard(p);
    return st;
}

lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d) { return run(p, out, NULL, d); }

lp_status lp_plot_run_keep(lp_plot *p, const char *out, const char *script_out, lp_diag *d)
{
    assert(p->has_output && p->ndata == 0); /* self-contained, its output line known */
    return run(p, out, script_out, d);
}
