/*
** lp_file.h — read a whole file into memory, with a size limit and a reason
** on failure (for FILE:1:1 diagnostics). The buffer gets a terminating NUL
** after the len bytes (the bytes may hold NULs of their own).
*/
#ifndef LP_FILE_H
#define LP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "lp_status.h"

#include "lp_diag.h"

/* LP_OK with *out (malloc'd, caller frees) and *len; LP_ERR_IO with the
** reason as d's message ("No such file or directory", "larger than N bytes",
** "read error"), or LP_ERR_NOMEM. d gets no position: the caller places it. */
lp_status lp_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len, lp_diag *d);

#endif
