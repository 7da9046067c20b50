/*
** cm_mlir.h — the door between the cost model and its MLIR reader module
** (liblpsim_mlir.so, cm_mlir.c). The module is the only code linked with
** MLIR (libMLIR, libLLVM: 200 MB of libraries whose loading costs every
** process tens of milliseconds), so lpsim loads it with dlopen when a
** command reads MLIR, and never otherwise (cm_read.c).
*/
#ifndef LP_CM_MLIR_H
#define LP_CM_MLIR_H

#include <stddef.h>

#include "cm_graph.h"
#include "lp_diag.h"

/* The module's one exported function; the suffix is the version of this
** interface (and of cm_graph.h's layout): change both together. */
#define CM_MLIR_ENTRY "lpsim_mlir_read_v1"

/* Parse text[0..len) (MLIR, NUL-terminated at len) with the MLIR C API and
** fill g (new, empty) with the graph of its entry function: a public
** func.func named main, else the first public one with a body, else the
** first with a body; calls inlined. Dialects: every upstream one registered,
** others allowed unregistered (StableHLO in generic form). LP_OK; or
** LP_ERR_PARSE with d placed at the line and column of MLIR's first error
** diagnostic and its message (the pretty form of an unregistered dialect is
** refused with a message that says how to print the generic form), of the
** empty module or the missing function (1:1); LP_ERR_RANGE past CM_MAX_OPS
** ops; LP_ERR_NOMEM. d->file is left as the caller set it. */
typedef lp_status (*cm_mlir_read_fn)(const char *text, size_t len, cm_graph *g, lp_diag *d);

#endif
