/*
** qerr.h — the numerical error of a computed output against a float64
** reference: the signal-to-quantisation-noise ratio and the largest error
** relative to the reference's largest magnitude (docs/workloads.md,
** "Numerical error").
**
**   sqnr_db      10 log10(sum ref^2 / sum (out - ref)^2), capped at
**                QERR_SQNR_CAP_DB: an error of zero, or one below 10^-20 of
**                the signal, reads as the cap (exact says which).
**   max_rel_err  max |out - ref| / max |ref|: normwise, as lpsim's relerr
**                expectations compare, so that a zero of the reference does
**                not divide anything.
** An output that is not finite (NaN or an infinity: an overflow of the
** output format) makes both undefined: NaN here, null in JSON, NULL in the
** database, with nonfinite counting such outputs. So does a reference of
** zeros against a non-zero output. Values are added one at a time (no
** allocation, no libm call per value); the logarithm is taken once.
*/
#ifndef QERR_H
#define QERR_H

#include <stdbool.h>
#include <stddef.h>

#define QERR_SQNR_CAP_DB 200.0 /* a float32 output rounds to about 150 dB at best: 200 means "no error" */

/* The running sums of one comparison; zero-initialise before the first add. */
typedef struct qerr_acc {
    double signal, noise;    /* sum ref^2, sum (out - ref)^2 over finite outputs */
    double max_err, max_ref; /* max |out - ref| over finite outputs, max |ref| */
    size_t n, nonfinite;     /* values added, outputs among them that are NaN or infinite */
} qerr_acc;

typedef struct qerr {
    double sqnr_db;     /* see above; NaN when undefined */
    double max_rel_err; /* see above; NaN when undefined */
    bool exact;         /* every output equals its reference */
    size_t n, nonfinite;
} qerr;

/* Add one output value and its reference (finite, as references are). */
static inline void qerr_add(qerr_acc *a, double out, double ref)
{
    double aref = ref < 0 ? -ref : ref, e = out - ref, ae = e < 0 ? -e : e;
    a->n++;
    a->signal += ref * ref;
    if (aref > a->max_ref) a->max_ref = aref;
    if (!(ae <= 1.0e308)) { /* NaN or an infinity: out is not finite */
        a->nonfinite++;
        return;
    }
    a->noise += e * e;
    if (ae > a->max_err) a->max_err = ae;
}

/* The figures of the sums (see above). */
void qerr_finish(const qerr_acc *a, qerr *out);

#endif
