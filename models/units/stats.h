/*
** stats.h — the statistics of a run, declared once in stats.def: the struct
** the simulator fills, its text report and its JSON object. A statistic is
** one value, or one per memory level, per unit of the chip, per unit and
** level (energy), or per operand format; the struct carries the names these
** refer to.
*/
#ifndef LP_STATS_H
#define LP_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "mem.h"
#include "mf.h"

#define STATS_MAX_FORMATS 16
/* Levels of the statistics: the memory spaces DRAM, scratchpad and
** accumulators (mem.h), then the L2 the cores share. */
#define STATS_LEVEL_L2 MEM_LEVEL_COUNT
#define STATS_LEVELS (MEM_LEVEL_COUNT + 1)
#define STATS_ENERGY_SLOTS (ARCH_MAX_UNITS + STATS_LEVELS) /* units, then levels */

#define STAT_T_U64 uint64_t
#define STAT_T_F64 double
#define STAT_N_RUN
#define STAT_N_LEVEL [STATS_LEVELS]
#define STAT_N_UNIT [ARCH_MAX_UNITS]
#define STAT_N_ENERGY [STATS_ENERGY_SLOTS]
#define STAT_N_FORMAT [STATS_MAX_FORMATS]

typedef struct lp_stats {
    /* what the per-unit and per-format values refer to */
    int nunits;
    char unit_names[ARCH_MAX_UNITS][ARCH_UNIT_NAME_MAX];
    bool unit_energy[ARCH_MAX_UNITS]; /* the unit's kind has a cost face */
    int nformats;
    char formats[STATS_MAX_FORMATS][MF_NAME_MAX];
#define STAT(id, json, type, scope, unit, text, help) STAT_T_##type id STAT_N_##scope;
#include "stats.def"
#undef STAT
} lp_stats;

/* Zeroed statistics for a run on chip a (its units named). */
void lp_stats_init(lp_stats *s, const arch_cfg *a);

/* The run's time: latency_ns (launches included), the clock weighted by
** cycles (cycles / busy_ns, busy_ns the time without launches; clock_ghz when
** 0) and the average power (power.h). Call after energy_pj is summed. */
void lp_stats_set_time(lp_stats *s, const arch_cfg *a, double latency_ns, double busy_ns);

/* The slot of a format in the per-format statistics, added in order of first
** use; -1 when STATS_MAX_FORMATS are taken (its MACs still count in macs). */
int lp_stats_format(lp_stats *s, const char *format);

/* The statistics as a JSON object (new reference; NULL out of memory), keys
** in the table's order. */
json_t *lp_stats_json(const lp_stats *s);

/* The text report, one line per label, indented by two spaces. */
void lp_stats_print(const lp_stats *s, FILE *f);

#endif
