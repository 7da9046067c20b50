/*
** wl_dist.h — the real input data of a functional run and its float64
** reference (docs/workloads.md, "Numerical error"): what the error report
** compares the simulated output with.
**
** With dist=normal, outliers or uniform, a product's operands are real
** values drawn the same way whatever the unit and the formats, then
** quantised into each operand's format by one rule, so that formats and
** units are compared on the same underlying data:
**   normal    N(0, 1) (Box-Muller on lp_rng streams).
**   outliers  N(0, 1) with a few channels of the activations (columns of A:
**             the features along K) scaled by WL_DIST_OUTLIER_SCALE:
**             max(1, K / WL_DIST_OUTLIER_EVERY) of them, one in each stretch
**             of the columns, at a seeded place; the weights stay N(0, 1).
**             An LLM-activation-like shape; the figures are assumed (see
**             docs/workloads.md).
**   uniform   uniform in [-sqrt(3), sqrt(3)): unit variance, as normal's.
** Quantisation: MX operands by mx_quantize (blocks of 32 along K, their own
** E8M0 scales); element formats of 16 bits or more encoded as they are;
** narrower element formats and integers with one per-tensor scale
** (wl_dist_scale): the tensor's largest magnitude maps to the format's
** largest finite value (integers: to the largest positive one, +-qmax
** symmetric), x * scale rounded to nearest even and saturated. The program
** then computes in scaled units; the reference stays in real units and the
** outputs are multiplied by 1 / (scale_a * scale_b) before they are
** compared. The data is generated once per run: Box-Muller's logarithm and
** cosine per pair of values are no hot path.
*/
#ifndef WL_DIST_H
#define WL_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf.h"
#include "workload.h"

#define WL_DIST_OUTLIER_SCALE 32.0 /* outlier channels' factor [assumed] */
#define WL_DIST_OUTLIER_EVERY 256  /* one outlier channel per this many columns [assumed] */

/* rows x cols real values from stream seed into x (row-major): dist as
** above (not WL_DIST_DEFAULT, whose data each generator seeds itself);
** act: the operand is activations, whose columns are the channels that
** outliers scales. */
void wl_dist_fill(wl_dist dist, uint64_t seed, size_t rows, size_t cols, bool act, double *x);

/* The operands of a batch of products, each problem i from the streams of
** the GEMM generator (A from seed + 2i, B from seed + 2i + 1): a (batch x M
** rows of K, activations) and w (batch x N rows of K, weights as nn.Linear
** holds them). */
void wl_dist_operands(wl_dist dist, uint64_t seed, size_t batch, size_t m, size_t n, size_t k, double *a, double *w);

/* Whether element format f takes a per-tensor scale: fewer than 16 bits. */
bool wl_dist_scaled(const mf_format *f);

/* The per-tensor scale of f for the n values x (1 when f takes none or the
** values are all zero). */
double wl_dist_scale(const mf_format *f, const double *x, size_t n);

/* x * scale in f: rounded to float32, then to nearest even, saturating. */
uint32_t wl_dist_encode(const mf_format *f, double x, double scale);

/* c [m][n] = a [m][k] w^T, w [n][k], in float64 by plain loops: the
** reference of a product of real operands. */
void wl_dist_matmul(const double *a, const double *w, size_t m, size_t n, size_t k, double *c);

#endif
