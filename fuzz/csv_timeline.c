/*
** csv_timeline.c — the timeline trace reader (cli/cmd_timeline.c, its static
** functions included) behind one entry point for fuzz_csv.c.
*/
#include "../cli/cmd_timeline.c"

#include "fuzz_csv.h"

lp_status fuzz_timeline_csv(const char *path, lp_diag *d)
{
    units u = {0};
    row *rows = NULL;
    size_t n = 0;
    lp_status st = read_trace(path, &u, &rows, &n, d);
    for (size_t i = 0; !st && i < n; i++) /* what was read is what the drawing relies on */
        if (rows[i].unit < 0 || rows[i].unit >= u.n || rows[i].end < rows[i].start) abort();
    for (int i = 0; !st && i < u.n; i++)
        if (assign_lanes(rows, n, i) < 0) abort();
    free(rows);
    return st;
}
