/*
** test_results_int.h — what test_results.c shares with test_slurm.c and
** test_error.c.
*/
#ifndef LPT_RESULTS_INT_H
#define LPT_RESULTS_INT_H

#include <stdint.h>

/* A sweep of 24 points of a few milliseconds each on edge-mx. */
extern const char lpt_sweep_text[];

/* Write text to path (a failure fails the test). */
void lpt_write_file(const char *path, const char *text);

/* The first integer of a query on the database at path (-1 when it fails). */
int64_t lpt_db_int(const char *db, const char *sql);

/* What two runs of one sweep must share, as text (malloc'd). */
char *lpt_db_digest(const char *db);

#endif
