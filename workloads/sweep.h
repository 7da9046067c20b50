/*
** sweep.h — sweep files (docs/sweeps.md): a base architecture, workloads in
** the inline form, axes of keys to vary, listed points and constraints,
** expanded into the design points `lpsim sweep` runs.
**
**     arch: b200-mx
**     workloads:
**       - layer model=llama-3-8b phase=decode ctx=4096
**     axes:
**       - {key: cores, values: [37, 74, 148]}
**       - {key: matrix.array_rows, range: {from: 64, to: 256, factor: 2}}
**       - {name: format, set: ["w=bf16 a=bf16", "w=fp8_e4m3fn a=fp8_e4m3fn"]}
**     points:
**       - "arch=h100 cores=66"
**     constraints:
**       - "spm.size_bytes >= 2*tile_bytes"
**
** A key is an architecture key (a path of `lpsim arch --keys`, list entries
** indexed: matrix.formats[1].macs_per_cycle), `arch` (the base architecture:
** a preset or a YAML file, relative to the sweep file), or a workload key
** (docs/workloads.md), set where the workload takes it; `workload.KEY` names a
** workload key that is also an architecture key (cores).
**
** Points: for each workload in order, the cross product of the axes (the
** first axis outermost), then the listed points; those that fail a
** constraint are dropped, and the rest numbered from 0. The order is part of
** a sweep's identity (--resume and --shard rely on it). Every point's
** architecture is loaded while expanding, so a value out of range is an
** error at its place in the sweep file before anything runs.
**
** Errors: FILE:LINE:COL for the file's YAML (libcyaml through cfg.h), for
** keys and values (at the value), workloads (at the token), constraints (at
** the character).
*/
#ifndef SW_SWEEP_H
#define SW_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lp_diag.h"

#define SW_MAX_POINTS 262144 /* after the constraints (docs/limits.md) */
#define SW_MAX_BYTES (UINT64_C(1) << 20)

typedef struct sw_point {
    size_t arch;       /* index into sw_sweep.arch_texts */
    char *workload;    /* the inline spec, the point's keys set */
    char *params_json; /* {"arch": NAME, "workload": the listed spec, KEY: VALUE, ...} */
} sw_point;

typedef struct sw_sweep {
    char *path; /* as given */
    char *text; /* the file */
    size_t len;
    char hash[17]; /* FNV-1a 64 of the file's bytes */
    uint64_t seed;
    sw_point *points;
    size_t npoints;
    size_t dropped;    /* points the constraints dropped */
    char **arch_texts; /* distinct effective architectures (YAML), shared by points */
    char **arch_names; /* their base: a preset name or the file as written */
    size_t narch;
} sw_sweep;

/* Read and expand the sweep file at path. LP_OK with *out (free with
** sw_free); else the error in d: placed in the file, or unplaced (the file
** cannot be read) for the caller to place. */
lp_status sw_load(const char *path, sw_sweep **out, lp_diag *d);

/* The same from text in memory named file (for tests). */
lp_status sw_load_text(const char *text, size_t len, const char *file, sw_sweep **out, lp_diag *d);

void sw_free(sw_sweep *s);

#endif
