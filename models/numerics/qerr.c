/*
** qerr.c — the error figures of a finished comparison (qerr.h). The cap
** keeps an exact output a number that the JSON, the database and a Pareto
** axis can hold, where +inf has no JSON form; undefined figures stay NaN so
** that no caller mistakes an overflowed output for an accurate one.
*/
#include "qerr.h"

#include <math.h>

void qerr_finish(const qerr_acc *a, qerr *out)
{
    out->n = a->n;
    out->nonfinite = a->nonfinite;
    out->exact = a->nonfinite == 0 && a->max_err == 0;
    out->sqnr_db = out->max_rel_err = NAN;
    if (a->nonfinite) return;
    if (a->max_err == 0) {
        out->sqnr_db = QERR_SQNR_CAP_DB;
        out->max_rel_err = 0;
        return;
    }
    if (a->signal == 0) return; /* a reference of zeros and a non-zero error: no ratio */
    double db = 10 * log10(a->signal / a->noise);
    out->sqnr_db = db < QERR_SQNR_CAP_DB ? db : QERR_SQNR_CAP_DB;
    out->max_rel_err = a->max_err / a->max_ref;
}
