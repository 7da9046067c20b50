/*
** plot.c — gnuplot without a shell (see plot.h): posix_spawnp on the script
** file, data and script in a folder made by mkdtemp.
*/
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

lp_status lp_plot_open(lp_plot *p, lp_diag *d)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/lpsim_plot_XXXXXX");
    if (!mkdtemp(p->dir)) {
        p->dir[0] = 0;
        return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot create a temporary folder: %s", strerror(errno));
    }
    char dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    snprintf(p->script_path, sizeof p->script_path, "%s/plot.gp", dir);
    p->script = fopen(p->script_path, "w");
    if (!p->script) {
        int e = errno;
        lp_plot_discard(p);
        return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot create a temporary file: %s", strerror(e));
    }
    return LP_OK;
}

FILE *lp_plot_data(lp_plot *p, const char **path, lp_diag *d)
{
    if (p->ndata == 4) {
        lp_diag_set(d, LP_ERR_ARG, 1, 1, "a plot has at most 4 data files");
        return NULL;
    }
    char *dp = p->data_path[p->ndata], dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    snprintf(dp, sizeof p->data_path[0], "%s/data%d.txt", dir, p->ndata);
    FILE *f = fopen(dp, "w");
    if (!f) {
        lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot create a temporary file: %s", strerror(errno));
        return NULL;
    }
    p->ndata++;
    *path = dp;
    return f;
}

void lp_plot_quote(FILE *f, const char *text)
{
    fputc('\'', f);
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else if (*s < 0x20 || *s == 0x7f)
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

void lp_plot_discard(lp_plot *p)
{
    if (p->script) fclose(p->script);
    p->script = NULL;
    if (!p->dir[0]) return;
    unlink(p->script_path);
    for (int i = 0; i < p->ndata; i++) unlink(p->data_path[i]);
    rmdir(p->dir);
    p->dir[0] = 0;
}

/* Run gnuplot on the script with its output and errors to /dev/null; its
** exit status, or -1 when it could not run. */
static int run_gnuplot(const char *script)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = -1;
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    if (posix_spawn_file_actions_init(&fa)) return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e) return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

lp_status lp_plot_run(lp_plot *p, const char *out, lp_diag *d)
{
    bool written = !ferror(p->script);
    written = !fclose(p->script) && written;
    p->script = NULL;
    int rc = written ? run_gnuplot(p->script_path) : -1;
    lp_plot_discard(p);
    if (rc == 0) return LP_OK;
    unlink(out); /* no half-drawn picture */
    lp_diag_init(d, out);
    if (!written) return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot write the gnuplot script");
    if (rc < 0) return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot run gnuplot");
    return lp_diag_set(d, LP_ERR_IO, 1, 1, "gnuplot could not draw the picture (status %d)", rc);
}
