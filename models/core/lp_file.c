/* lp_file.c — bounded, checked reads and atomic writes (see lp_file.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "lp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the files this process has read ---------------------------------------------- */

static struct input_id {
    dev_t dev;
    ino_t ino;
} * inputs;
static size_t ninputs, cap_inputs;

/* Remember an input; false out of memory (the caller refuses the input, so
** that no output can go unchecked). */
static bool remember(const struct stat *st)
{
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino) return true;
    if (ninputs == cap_inputs) {
        size_t nc = cap_inputs ? cap_inputs * 2 : 16;
        struct input_id *q = realloc(inputs, nc * sizeof *q);
        if (!q) return false;
        inputs = q;
        cap_inputs = nc;
    }
    inputs[ninputs++] = (struct input_id){st->st_dev, st->st_ino};
    return true;
}

bool lp_file_note_input(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && remember(&st);
}

bool lp_file_is_input(const char *path)
{
    struct stat st;
    if (stat(path, &st)) return false;
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) return true;
    return false;
}

static const char *type_name(mode_t m)
{
    return S_ISDIR(m)    ? "a folder"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a plain file";
}

/* ---- reading ------------------------------------------------------------------------ */

lp_status lp_open_input(const char *path, FILE **out, uint64_t *size, lp_diag *d)
{
    *out = NULL;
    *size = 0;
    if (!path[0]) return lp_diag_msg(d, LP_ERR_IO, "an empty file name");
    /* O_NONBLOCK: opening a FIFO without a writer returns at once; its type then refuses it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return lp_diag_msg(d, LP_ERR_IO, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        close(fd);
        return lp_diag_msg(d, LP_ERR_IO, "%s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return lp_diag_msg(d, LP_ERR_IO, "is %s, not a regular file", type_name(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    FILE *f = fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        return lp_diag_msg(d, LP_ERR_IO, "%s", strerror(e));
    }
    if (!remember(&st)) {
        fclose(f);
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    }
    *out = f;
    *size = (uint64_t)st.st_size;
    return LP_OK;
}

lp_status lp_read_exact(FILE *f, void *buf, size_t n, lp_diag *d)
{
    size_t got = fread(buf, 1, n, f);
    if (got == n) return LP_OK;
    if (ferror(f)) return lp_diag_msg(d, LP_ERR_IO, "read error: %s", strerror(errno));
    return lp_diag_msg(d, LP_ERR_IO, "ends after %zu of %zu bytes", got, n);
}

lp_status lp_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len, lp_diag *d)
{
    *out = NULL;
    *len = 0;
    FILE *f;
    uint64_t size;
    lp_status st = lp_open_input(path, &f, &size, d);
    if (st) return st;
    if (size > max_bytes || max_bytes >= SIZE_MAX) {
        fclose(f);
        return lp_diag_msg(d, LP_ERR_IO, "larger than the limit of %llu bytes", (unsigned long long)max_bytes);
    }
    /* the size stated is a hint: the file may change while it is read; never past max_bytes */
    size_t cap = (size_t)size + 1, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n > max_bytes) {
            st = lp_diag_msg(d, LP_ERR_IO, "larger than the limit of %llu bytes", (unsigned long long)max_bytes);
            break;
        }
        if (got == 0 || n < cap) break;
        size_t nc = cap * 2 > max_bytes + 1 ? (size_t)max_bytes + 1 : cap * 2;
        char *q = realloc(b, nc + 1);
        if (!q) {
            free(b);
            b = NULL;
            break;
        }
        b = q;
        cap = nc;
    }
    if (!b)
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    else if (!st && ferror(f))
        st = lp_diag_msg(d, LP_ERR_IO, "read error: %s", strerror(errno));
    fclose(f);
    if (st) {
        free(b);
        return st;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return LP_OK;
}

/* ---- lines ------------------------------------------------------------------------------- */

void lp_lines_init(lp_lines *r, FILE *in, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->max_line = max_line;
}

static bool lines_put(lp_lines *r, int c)
{
    if (r->len + 1 >= r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        if (nc > r->max_line + 2) nc = r->max_line + 2;
        char *q = realloc(r->buf, nc);
        if (!q) return false;
        r->buf = q;
        r->cap = nc;
    }
    r->buf[r->len++] = (char)c;
    return true;
}

bool lp_lines_next(lp_lines *r, lp_diag *d)
{
    r->len = 0;
    r->nul = false;
    int c = EOF;
    bool any = false;
    errno = 0;
    while ((c = getc(r->in)) != EOF) {
        any = true;
        if (c == '\n') break;
        if (r->len > r->max_line) { /* one byte past the limit: a '\r' before '\n' may still come */
            lp_diag_set(d, LP_ERR_PARSE, r->lineno + 1, (int)(r->max_line < INT32_MAX ? r->max_line + 1 : INT32_MAX),
                        "line longer than the limit of %zu bytes", r->max_line);
            return false;
        }
        if (!lines_put(r, c)) {
            lp_diag_set(d, LP_ERR_NOMEM, r->lineno + 1, 1, "out of memory");
            return false;
        }
        if (c == 0) { /* no reader takes a NUL: the line ends with it, the rest is never read */
            r->nul = true;
            r->buf[r->len] = 0;
            r->lineno++;
            return true;
        }
    }
    if (c == EOF && ferror(r->in)) {
        lp_diag_set(d, LP_ERR_IO, r->lineno + 1, (int)r->len + 1, "cannot read: %s", strerror(errno ? errno : EIO));
        return false;
    }
    if (!any) return false;
    if (r->len && r->buf[r->len - 1] == '\r') r->len--;
    if (r->len > r->max_line) {
        lp_diag_set(d, LP_ERR_PARSE, r->lineno + 1, (int)(r->max_line < INT32_MAX ? r->max_line + 1 : INT32_MAX),
                    "line longer than the limit of %zu bytes", r->max_line);
        return false;
    }
    if (!r->buf) { /* an empty first line: put() allocates, then the byte is taken back */
        if (!lines_put(r, 0)) {
            lp_diag_set(d, LP_ERR_NOMEM, r->lineno + 1, 1, "out of memory");
            return false;
        }
        r->len = 0;
    }
    r->buf[r->len] = 0;
    r->lineno++;
    return true;
}

void lp_lines_free(lp_lines *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->len = 0;
}

/* ---- temporary files -------------------------------------------------------------------- */

/* Fixed storage, so that the signal handler touches nothing but these arrays,
** unlink, rmdir, kill and raise (all async-signal-safe). */
#define TEMP_MAX 16
#define TEMP_PATH 4096
static char temp_path[TEMP_MAX][TEMP_PATH];
static volatile sig_atomic_t temp_used[TEMP_MAX], temp_dir[TEMP_MAX];
static volatile sig_atomic_t temp_child_pid;
static const int temp_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};

static void temp_on_signal(int sig)
{
    if (temp_child_pid > 0) kill(-(pid_t)temp_child_pid, SIGKILL), kill((pid_t)temp_child_pid, SIGKILL);
    for (int pass = 0; pass < 2; pass++) /* files, then the folders they were in */
        for (int i = 0; i < TEMP_MAX; i++)
            if (temp_used[i] && temp_dir[i] == pass) pass ? rmdir(temp_path[i]) : unlink(temp_path[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void temp_install(void)
{
    static bool done;
    if (done) return;
    done = true;
    for (size_t i = 0; i < sizeof temp_signals / sizeof temp_signals[0]; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = temp_on_signal;
        sigemptyset(&sa.sa_mask);
        /* a signal the caller ignores (nohup's SIGHUP, a shell's SIGPIPE) stays ignored */
        if (sigaction(temp_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(temp_signals[i], &sa, NULL);
    }
}

bool lp_temp_add(const char *path, bool dir)
{
    if (strlen(path) >= TEMP_PATH) return false;
    temp_install();
    for (int i = 0; i < TEMP_MAX; i++)
        if (!temp_used[i]) {
            memcpy(temp_path[i], path, strlen(path) + 1);
            temp_dir[i] = dir;
            temp_used[i] = 1;
            return true;
        }
    return false;
}

void lp_temp_remove(const char *path)
{
    for (int i = 0; i < TEMP_MAX; i++)
        if (temp_used[i] && !strcmp(temp_path[i], path)) temp_used[i] = 0;
}

void lp_temp_child(long pid) { temp_child_pid = (sig_atomic_t)pid; }

/* ---- writing ------------------------------------------------------------------------------ */

/* The file a dangling symbolic link names, followed through at most 8 links
** (relative targets taken from the link's folder); malloc'd, or NULL. */
static char *dangling_target(const char *path)
{
    char *cur = strdup(path);
    for (int hop = 0; cur && hop < 8; hop++) {
        struct stat lst;
        if (lstat(cur, &lst) || !S_ISLNK(lst.st_mode)) return cur;
        char to[4096];
        ssize_t n = readlink(cur, to, sizeof to - 1);
        if (n <= 0) break;
        to[n] = 0;
        const char *slash = strrchr(cur, '/');
        size_t dir = to[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = malloc(dir + (size_t)n + 1);
        if (!next) break;
        memcpy(next, cur, dir);
        memcpy(next + dir, to, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    free(cur);
    return NULL;
}

lp_status lp_out_open(lp_out *o, const char *path, lp_diag *d)
{
    memset(o, 0, sizeof *o);
    if (!path[0]) return lp_diag_msg(d, LP_ERR_IO, "an empty file name");
    if (lp_file_is_input(path))
        return lp_diag_msg(d, LP_ERR_IO, "is an input of this command (lpsim never writes over its inputs)");
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return lp_diag_msg(d, LP_ERR_IO, "is a folder");
    /* through a symbolic link the file it names is replaced, the link stays (as the shell's > does) */
    char *real = NULL;
    struct stat lst;
    if (exists && S_ISREG(st.st_mode) && !lstat(path, &lst) && S_ISLNK(lst.st_mode))
        real = realpath(path, NULL);
    else if (!exists && !lstat(path, &lst) && S_ISLNK(lst.st_mode))
        real = dangling_target(path);
    if (real) path = real;
    if (exists && !S_ISREG(st.st_mode)) { /* a device, a terminal, a FIFO: written in place */
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s",
                               errno == ENXIO ? "no process reads the FIFO" : strerror(errno));
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || !(o->f = fdopen(fd, "wb"))) {
            int e = errno;
            close(fd);
            return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s", strerror(e));
        }
        o->in_place = true;
        return LP_OK;
    }
    /* a temporary file beside it: ".NAME.XXXXXX" in the same folder, so the rename stays in one file system */
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    o->path = strdup(path);
    o->tmp = malloc(n + 10);
    if (!o->path || !o->tmp) {
        free(real);
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    }
    snprintf(o->tmp, n + 10, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
    free(real);
    int fd = mkstemp(o->tmp);
    if (fd >= 0) lp_temp_add(o->tmp, false); /* removed if a signal ends the process before the rename */
    if (fd < 0) {
        int e = errno;
        free(o->tmp), o->tmp = NULL;
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_IO, "cannot create: %s", strerror(e));
    }
    /* the mode a new file would get (mkstemp makes 0600), or the replaced file's */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, exists ? (st.st_mode & 07777) : (0666 & ~um)) || !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_IO, "cannot create: %s", strerror(e));
    }
    return LP_OK;
}

lp_status lp_out_commit(lp_out *o, lp_diag *d)
{
    int e = 0;
    if (fflush(o->f)) e = errno;
    if (!e && ferror(o->f)) e = EIO;
    if (!e && !o->in_place && fsync(fileno(o->f))) e = errno;
    if (fclose(o->f) && !e) e = errno;
    o->f = NULL;
    /* an input opened after the output (a kernel read once its trace was open) is still never replaced */
    if (!e && !o->in_place && lp_file_is_input(o->path)) {
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_IO, "is an input of this command (lpsim never writes over its inputs)");
    }
    if (!e && !o->in_place && rename(o->tmp, o->path)) e = errno;
    if (!e && o->tmp) lp_temp_remove(o->tmp);
    if (e) {
        lp_out_discard(o);
        return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s", strerror(e));
    }
    free(o->tmp), free(o->path);
    memset(o, 0, sizeof *o);
    return LP_OK;
}

void lp_out_discard(lp_out *o)
{
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp), lp_temp_remove(o->tmp);
    free(o->tmp), free(o->path);
    memset(o, 0, sizeof *o);
}

lp_status lp_write_file(const char *path, const void *buf, size_t n, lp_diag *d)
{
    lp_out o;
    lp_status st = lp_out_open(&o, path, d);
    if (st) return st;
    if (n && fwrite(buf, 1, n, o.f) != n) {
        int e = errno;
        lp_out_discard(&o);
        return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s", strerror(e));
    }
    return lp_out_commit(&o, d);
}

lp_status lp_stdout_check(lp_diag *d)
{
    errno = 0;
    if (fflush(stdout)) return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s", strerror(errno ? errno : EIO));
    if (ferror(stdout)) {
        /* an earlier write failed and its errno is long gone: the output is
        ** already incomplete, so one more byte may ask the device why */
        clearerr(stdout);
        errno = 0;
        if ((fputc('\n', stdout) == EOF || fflush(stdout)) && errno)
            return lp_diag_msg(d, LP_ERR_IO, "cannot write: %s", strerror(errno));
        return lp_diag_msg(d, LP_ERR_IO, "cannot write: a write failed");
    }
    return LP_OK;
}
