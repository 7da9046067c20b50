/*
** cm_read.c — reading an MLIR file: lpsim's bounded file reader, two guards
** on the text that keep hostile input away from MLIR's parser (a NUL byte;
** brackets nested deeper than CM_MAX_NESTING), the reader module loaded with
** dlopen on first use (MLIR's 200 MB of libraries cost every process that
** links them tens of milliseconds at start; only commands that read MLIR pay
** it), and the counter.
**
** The module is looked for at its build path (LPSIM_MLIR_MODULE, set by
** CMake), then beside the running executable.
*/
#define _POSIX_C_SOURCE 200809L
#include "cm_read.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_count.h"
#include "cm_mlir.h"
#include "lp_file.h"

#ifndef LPSIM_MLIR_MODULE
#define LPSIM_MLIR_MODULE "liblpsim_mlir.so"
#endif
#define MODULE_FILE "liblpsim_mlir.so"

const char *cm_module_path(void) { return LPSIM_MLIR_MODULE; }

static cm_mlir_read_fn load_module(lp_diag *d)
{
    static cm_mlir_read_fn fn;
    if (fn) return fn;
    void *h = dlopen(LPSIM_MLIR_MODULE, RTLD_NOW | RTLD_LOCAL);
    char first[LP_DIAG_MSG_MAX / 2];
    snprintf(first, sizeof first, "%s", h ? "" : dlerror());
    if (!h) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
        if (slash && (size_t)(slash - exe) + sizeof MODULE_FILE + 1 < sizeof exe) {
            strcpy(slash + 1, MODULE_FILE);
            h = dlopen(exe, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (!h) {
        lp_diag_msg(d, LP_ERR_IO, "cannot load lpsim's MLIR reader: %s", first);
        return NULL;
    }
    /* POSIX's way from a data pointer to a function pointer (dlsym's rationale) */
    void *sym = dlsym(h, CM_MLIR_ENTRY);
    if (!sym) {
        lp_diag_msg(d, LP_ERR_IO, "lpsim's MLIR reader has no %s: rebuild lpsim", CM_MLIR_ENTRY);
        return NULL;
    }
    memcpy(&fn, &sym, sizeof fn);
    return fn;
}

/* The guards: a NUL byte, or brackets nested past CM_MAX_NESTING (strings
** and // comments skipped; '>' closes only an open '<', so "->" and ">="
** pass; "<=" opens nothing). */
static lp_status guard(const char *s, size_t len, lp_diag *d)
{
    char open[CM_MAX_NESTING];
    int depth = 0, line = 1;
    size_t bol = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int col = (int)(i - bol + 1);
        if (c == 0) return lp_diag_set(d, LP_ERR_PARSE, line, col, "NUL byte: an MLIR file is text");
        if (c == '\n') {
            line++, bol = i + 1;
        } else if (c == '"') {
            for (i++; i < len && s[i] != '"' && s[i] != '\n'; i++)
                if (s[i] == '\\' && i + 1 < len && s[i + 1] != '\n') i++;
            if (i < len && s[i] == '\n') i--; /* the line break is counted above */
        } else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i + 1 < len && s[i + 1] != '\n') i++;
        } else if (c == '(' || c == '[' || c == '{' || (c == '<' && !(i + 1 < len && s[i + 1] == '='))) {
            if (depth == CM_MAX_NESTING)
                return lp_diag_set(d, LP_ERR_PARSE, line, col,
                                   "brackets nested deeper than %d levels (lpsim's limit: MLIR's parser recurses "
                                   "and would overflow its stack)",
                                   CM_MAX_NESTING);
            open[depth++] = c;
        } else if (depth && ((c == ')' && open[depth - 1] == '(') || (c == ']' && open[depth - 1] == '[') ||
                             (c == '}' && open[depth - 1] == '{') || (c == '>' && open[depth - 1] == '<'))) {
            depth--;
        }
    }
    return LP_OK;
}

lp_status cm_read_text(const char *text, size_t len, const char *name, cm_graph **out, lp_diag *d)
{
    *out = NULL;
    lp_diag_init(d, name);
    lp_status st = guard(text, len, d);
    if (st) return st;
    cm_mlir_read_fn read = load_module(d);
    if (!read) return d->status;
    cm_graph *g = cm_graph_new();
    if (!g) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    g->file = name;
    st = read(text, len, g, d);
    if (!st) st = cm_count(g, d);
    if (st) {
        d->file = name;
        if (st == LP_ERR_NOMEM)
            d->line = d->col = 0;
        else if (!d->line)
            d->line = d->col = 1; /* about the file, not about the argument that names it */
        cm_graph_free(g);
        return st;
    }
    *out = g;
    return LP_OK;
}

lp_status cm_read_file(const char *path, cm_graph **out, lp_diag *d)
{
    *out = NULL;
    lp_diag_init(d, path);
    char *text;
    size_t len;
    lp_status st = lp_read_file(path, LP_MAX_MLIR_BYTES, &text, &len, d);
    if (st) return st;
    st = cm_read_text(text, len, path, out, d);
    free(text);
    return st;
}
