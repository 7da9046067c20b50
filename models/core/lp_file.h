/*
** lp_file.h — lpsim's one way to read and write files, bounded and checked.
**
** Reading: an input named as a file must be a regular file. It is opened
** without blocking (a FIFO with no writer, a terminal or a device never
** hangs a command) and refused by type before a byte is read; its size is
** checked against the caller's limit before any allocation, and no read goes
** past the limit even when the file grows. Every file opened for reading is
** remembered (device and inode) so that no output can replace an input.
**
** Lines: a bounded line reader over a stream (standard input, a CSV file):
** no line longer than a stated limit, read errors reported, never taken for
** the end of the input.
**
** Writing: an output file is written to a temporary file in the same folder
** and renamed into place once complete (flushed, synced, closed), so an
** interrupted or failed write never leaves half a file and never destroys
** the previous one; an output that is an input of the same command is
** refused; an existing output that is not a regular file (/dev/null, a
** terminal, a FIFO with a reader) is written in place.
**
** Messages are recorded without a position (lp_diag_msg): the caller places
** them (FILE:1:1, or the command line's column of the argument).
** The limits are listed in docs/limits.md.
*/
#ifndef LP_FILE_H
#define LP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_diag.h"
#include "lp_status.h"

/* ---- limits (docs/limits.md) ------------------------------------------------- */

#define LP_MAX_SOURCE_BYTES (UINT64_C(64) << 20) /* an assembly kernel */
#define LP_MAX_ARCH_BYTES (UINT64_C(1) << 20)    /* an architecture file */
#define LP_MAX_MLIR_BYTES (UINT64_C(64) << 20)   /* an MLIR graph (lpsim predict) */
#define LP_MAX_LINE_BYTES ((size_t)1 << 22)      /* a line of standard input or of a CSV file */

/* ---- reading ------------------------------------------------------------------- */

/* Open path for reading, refusing what is not a regular file ("is a FIFO, not
** a regular file", "is a folder, ..."), without ever blocking. LP_OK with *out
** open ("rb") and *size the file's size; LP_ERR_IO with the reason in d. */
lp_status lp_open_input(const char *path, FILE **out, uint64_t *size, lp_diag *d);

/* Read a whole regular file of at most max_bytes into memory. LP_OK with
** *out (malloc'd, NUL-terminated after the len bytes, which may hold NULs of
** their own; caller frees) and *len; LP_ERR_IO with the reason in d
** ("No such file or directory", "is a FIFO, not a regular file", "larger than
** the limit of 1048576 bytes", "read error: ..."), or LP_ERR_NOMEM. */
lp_status lp_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len, lp_diag *d);

/* Read exactly n bytes of f into buf: LP_OK, or LP_ERR_IO ("ends after K of N
** bytes", "read error: ...") in d. */
lp_status lp_read_exact(FILE *f, void *buf, size_t n, lp_diag *d);

/* True if path names a file this process has opened for reading. */
bool lp_file_is_input(const char *path);

/* Remember path (an existing file read other than through lp_open_input: a
** results database) as an input, so that no output of the command can replace
** it. false when it does not exist or out of memory. */
bool lp_file_note_input(const char *path);

/* ---- lines ---------------------------------------------------------------------- */

typedef struct lp_lines {
    FILE *in;        /* not owned */
    size_t max_line; /* bytes a line may hold, its line break apart */
    char *buf;       /* the current line, NUL-terminated, without "\n" or "\r\n" */
    size_t len, cap;
    int lineno; /* 1-based number of the current line */
    bool nul;   /* the current line ends with a NUL byte (its last byte) */
} lp_lines;

void lp_lines_init(lp_lines *r, FILE *in, size_t max_line);

/* The next line (r->buf, r->len). true; false at the end of the input, or on
** an error with d set at the line and column (its file as d has it): a line
** longer than max_line ("line longer than the limit of N bytes"), a read
** error ("cannot read: Is a directory"), out of memory. A NUL byte ends the
** line early: it is its last byte (r->nul set) and nothing after it is read,
** so that binary input is refused at its first NUL, by the caller, at its
** column, without reading on. */
bool lp_lines_next(lp_lines *r, lp_diag *d);

void lp_lines_free(lp_lines *r);

/* ---- writing -------------------------------------------------------------------- */

typedef struct lp_out {
    FILE *f; /* write here */
    char *path, *tmp;
    bool in_place;
} lp_out;

/* Open path for writing. LP_OK with o->f; LP_ERR_IO with the reason in d
** ("is an input of this command", "cannot create ...: Permission denied").
** Nothing at path changes until lp_out_commit. */
lp_status lp_out_open(lp_out *o, const char *path, lp_diag *d);

/* Flush, sync and close o->f and move the file into place. LP_OK, or LP_ERR_IO
** with the reason in d (the temporary file removed, path untouched). o is
** finished either way. */
lp_status lp_out_commit(lp_out *o, lp_diag *d);

/* Close and remove the temporary file (after an error elsewhere); path is
** untouched. Safe on a finished or zeroed o. */
void lp_out_discard(lp_out *o);

/* ---- temporary files -------------------------------------------------------------------- */

/* Temporary files and folders (lp_out's, gnuplot's) that a signal ending the
** process (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ; not SIGKILL) removes
** before it takes effect: files first, then folders; a registered child
** process (gnuplot) is killed. Up to 16 paths of under 4096 bytes; false when
** path cannot be registered (it is then only removed by the normal path).
** Signals the process ignores stay ignored. */
bool lp_temp_add(const char *path, bool dir);
void lp_temp_remove(const char *path);
void lp_temp_child(long pid); /* 0: none */

/* Write the whole of buf to path through lp_out. */
lp_status lp_write_file(const char *path, const void *buf, size_t n, lp_diag *d);

/* Flush standard output and check every write to it: LP_OK, or LP_ERR_IO with
** the reason in d ("No space left on device"). */
lp_status lp_stdout_check(lp_diag *d);

#endif
