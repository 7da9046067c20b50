/*
** cm_read.h — an MLIR file into a counted op graph: the file read with
** lpsim's bounded reader, refused before MLIR sees it when it holds a NUL
** byte or brackets nested past CM_MAX_NESTING (MLIR's parser recurses and
** would overflow its stack), parsed by the reader module (cm_mlir.h, loaded
** on first use), then counted (cm_count.h): kinds, FLOPs, bytes, patterns.
*/
#ifndef LP_CM_READ_H
#define LP_CM_READ_H

#include <stddef.h>

#include "cm_graph.h"
#include "lp_diag.h"

#define CM_MAX_NESTING 256 /* brackets ( [ { < open at once */

/* Read and count the graph of MLIR file path. LP_OK with *out (caller frees
** with cm_graph_free); else *out NULL and d: unplaced (line 0) when the file
** cannot be read (LP_ERR_IO: missing, a folder, a FIFO, a device, over
** LP_MAX_MLIR_BYTES) for the caller to place at its argument; placed at
** path:line:col for what is in the file (LP_ERR_PARSE, LP_ERR_RANGE); an
** unplaced LP_ERR_IO when the reader module cannot be loaded. d->file is set
** to path. */
lp_status cm_read_file(const char *path, cm_graph **out, lp_diag *d);

/* The same from text[0..len) (NUL at len) named name in messages. */
lp_status cm_read_text(const char *text, size_t len, const char *name, cm_graph **out, lp_diag *d);

/* The reader module's path as lpsim looks for it first (set at build time). */
const char *cm_module_path(void);

#endif
