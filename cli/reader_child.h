/*
** reader_child.h — a command's work on an MLIR file, done in a child
** process: MLIR's parser recurses without a bound and aborts when memory
** runs out, so input that makes it crash ends the child, and the command
** reports the file as unreadable (exit status 2) instead of crashing.
** `lpsim predict` and `lpsim lower` read their graphs this way.
*/
#ifndef LP_READER_CHILD_H
#define LP_READER_CHILD_H

#include "cli.h"

/* Run fn(ctx) in a child process with handlers that turn a crash (SIGSEGV,
** SIGBUS, SIGILL, SIGFPE, SIGABRT, on an alternate stack) into a status of
** its own; the child checks its standard output (a failed write is exit 2
** with "<stdout>: cannot write") and exits with fn's status. Returns that
** status; 2 after printing path:1:1 "reading this file crashed MLIR" (or the
** signal that stopped it), or the failure to start the process placed at
** the command line of a. fn prints everything it reports. */
int cli_reader_child(const cli_cmd *cmd, const cli_args *a, const char *path, int (*fn)(void *ctx), void *ctx);

#endif
