/*
** plot.c — gnuplot without a shell (see plot.h): posix_spawnp on the script
** file, data, script, picture and gnuplot's errors in a folder made by
** mkdtemp. The picture is drawn there rather than at the user's path so that
** the path never enters the script, a half-drawn picture never reaches it,
** and gnuplot's habit of going on without its output file (it warns and draws
** nothing) shows as an error.
*/
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */
#include "plot.h"
#include "lp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

lp_status lp_plot_open(lp_plot *p, const char *ext, lp_diag *d)
{
    memset(p, 0, sizeof *p);
    if (strlen(ext) > 8) return lp_diag_msg(d, LP_ERR_ARG, "picture extension '%s' too long", ext);
    snprintf(p->dir, sizeof p->dir, "/tmp/lpsim_plot_XXXXXX");
    if (!mkdtemp(p->dir)) {
        p->dir[0] = 0;
        return lp_diag_msg(d, LP_ERR_IO, "cannot create a temporary folder: %s", strerror(errno));
    }
    char dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    snprintf(p->script_path, sizeof p->script_path, "%s/plot.gp", dir);
    snprintf(p->picture_path, sizeof p->picture_path, "%s/picture%s", dir, ext);
    snprintf(p->errors_path, sizeof p->errors_path, "%s/gnuplot.err", dir);
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
** for a quote), joined by gnuplot's '.' operator. */
void lp_plot_quote(FILE *f, const char *text)
{
    enum { NOTHING, IN_RUN, AFTER } state = NOTHING;
    while (*text) {
        size_t ok = lp_plot_text_ok(text);
        for (size_t i = 0; i <= ok && text[i]; i++) {
            unsigned char c = i < ok ? (unsigned char)text[i] : '?'; /* at ok: a byte that cannot be shown */
            if (strchr("'\"`@#$\\", c)) {
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

void lp_plot_discard(lp_plot *p)
{
    if (p->script) fclose(p->script);
    p->script = NULL;
    if (!p->dir[0]) return;
    unlink(p->script_path);
    unlink(p->picture_path);
    unlink(p->errors_path);
    for (int i = 0; i < p->ndata; i++) unlink(p->data_path[i]);
    rmdir(p->dir);
    p->dir[0] = 0;
}

/* Run gnuplot -d on the script, its standard error into the errors file.
** Its exit status; -1 (errno in *err) when it could not start; 1000 + the
** signal when one ended it. */
static int run_gnuplot(const lp_plot *p, int *err)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0;
    char *argv[] = {(char *)"gnuplot", (char *)"-d", (char *)p->script_path, NULL};
    if ((*err = posix_spawn_file_actions_init(&fa))) return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, p->errors_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    *err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (*err) return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return *err = errno, -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last line gnuplot wrote on its standard error that holds text, without
** the script's temporary path ("/tmp/.../plot.gp" line 3: ...) and with
** what is not printable UTF-8 left out; "" when there is none. */
static void last_error_line(const char *path, char *buf, size_t n)
{
    char tail[1024];
    size_t len = 0;
    buf[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    if (fseek(f, -(long)(sizeof tail - 1), SEEK_END)) rewind(f);
    len = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[len] = 0;
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

/* Put the picture at out through lp_out (a temporary file beside it renamed
** into place; a FIFO or a device written in place; never over an input of
** the command). out is unchanged on failure. */
static lp_status install(const char *from, const char *out, lp_diag *d)
{
    size_t n;
    char *pic;
    lp_diag why;
    lp_diag_init(&why, from);
    if (lp_read_file(from, LP_MAX_SOURCE_BYTES, &pic, &n, &why))
        return lp_diag_msg(d, LP_ERR_IO, "cannot read gnuplot's picture: %s", why.msg);
    lp_status st = lp_write_file(out, pic, n, &why);
    free(pic);
    if (st) lp_diag_msg(d, st, "'%s': %s", out, why.msg);
    return st;
}

lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d)
{
    bool written = !ferror(p->script);
    written = !fclose(p->script) && written;
    p->script = NULL;
    lp_status st = LP_OK;
    struct stat ps;
    int e = 0, rc = written ? run_gnuplot(p, &e) : 0;
    if (!written) {
        st = lp_diag_msg(d, LP_ERR_IO, "cannot write the gnuplot script in %s", p->dir);
    } else if (rc < 0) {
        st = lp_diag_msg(d, LP_ERR_IO, "cannot run gnuplot: %s (is gnuplot installed? Debian: gnuplot-nox)",
                         strerror(e));
    } else if (rc >= 1000) {
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot was killed by signal %d", rc - 1000);
    } else if (rc) {
        char why[200];
        last_error_line(p->errors_path, why, sizeof why);
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot failed (exit status %d)%s%s", rc, why[0] ? ": " : "", why);
    } else if (stat(p->picture_path, &ps) || ps.st_size == 0) {
        st = lp_diag_msg(d, LP_ERR_IO, "gnuplot drew no picture");
    } else {
        st = install(p->picture_path, out, d);
    }
    lp_plot_discard(p);
    return st;
}
