/*
** reader_child.c — a command's reading of MLIR in a child process
** (reader_child.h). The child leaves by _exit: the parent's buffers and exit
** handlers stay the parent's.
*/
#define _XOPEN_SOURCE 700 /* sigaltstack */
#include "reader_child.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lp_file.h"

#define CRASHED 86 /* the child's status when a signal stopped its reading */

static void crashed(int sig)
{
    (void)sig;
    _exit(CRASHED);
}

int cli_reader_child(const cli_cmd *cmd, const cli_args *a, const char *path, int (*fn)(void *ctx), void *ctx)
{
    lp_diag d;
    fflush(stdout), fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        static char altstack[1 << 16];
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = crashed;
        sa.sa_flags = SA_ONSTACK;
        sigaltstack(&ss, NULL);
        int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
        int rc = fn(ctx);
        lp_diag_init(&d, "<stdout>");
        if (lp_stdout_check(&d)) lp_diag_print(&d, stderr), rc = 2;
        fflush(stderr);
        _exit(rc);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid) {
        lp_diag_init(&d, "<command-line>");
        lp_diag_msg(&d, LP_ERR_IO, "cannot run the reader's process");
        return cli_fail_arg(cmd, a, NULL, 0, &d);
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) != CRASHED) return WEXITSTATUS(ws);
    int sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    if (sig == SIGPIPE) { /* its reader went away (lpsim lower ... | head): the parent goes the same way */
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
        return 2;
    }
    lp_diag_init(&d, path);
    if (sig)
        lp_diag_set(&d, LP_ERR_PARSE, 1, 1, "reading this file stopped MLIR (signal %d, %s)", sig, strsignal(sig));
    else
        lp_diag_set(&d, LP_ERR_PARSE, 1, 1,
                    "reading this file crashed MLIR: input its parser cannot take (expressions or nesting too deep "
                    "for its stack, or more than the memory)");
    return cli_fail(&d);
}
