/*
** wl_dist.c — real input data drawn from a distribution, its per-tensor
** quantisation and the float64 product (wl_dist.h). Every value is a pure
** function of its stream and index (lp_rng), so a problem's data does not
** depend on the batch, the mapping or the unit it runs on.
*/
#include "wl_dist.h"

#include <math.h>
#include <string.h>

#include "lp_rng.h"

#define PI 3.14159265358979323846

/* Uniform in [0, 1) from value i of stream seed (53 bits). */
static double unit(uint64_t seed, uint64_t i) { return (double)(lp_rng_u64(seed, i) >> 11) * 0x1p-53; }

void wl_dist_fill(wl_dist dist, uint64_t seed, size_t rows, size_t cols, bool act, double *x)
{
    size_t n = rows * cols;
    if (dist == WL_DIST_UNIFORM) {
        for (size_t i = 0; i < n; i++) x[i] = (2 * unit(seed, i) - 1) * sqrt(3.0);
        return;
    }
    for (size_t i = 0; i < n; i += 2) { /* Box-Muller: values 2j and 2j + 1 from draws 2j and 2j + 1 */
        double u1 = 1 - unit(seed, i), u2 = unit(seed, i + 1), r = sqrt(-2 * log(u1));
        x[i] = r * cos(2 * PI * u2);
        if (i + 1 < n) x[i + 1] = r * sin(2 * PI * u2);
    }
    if (dist != WL_DIST_OUTLIERS || !act || !cols) return;
    size_t nch = cols / WL_DIST_OUTLIER_EVERY ? cols / WL_DIST_OUTLIER_EVERY : 1, stretch = cols / nch;
    for (size_t c = 0; c < nch; c++) {
        size_t col = c * stretch + (size_t)(lp_rng_u64(seed ^ UINT64_C(0x0071e5), c) % stretch);
        for (size_t r = 0; r < rows; r++) x[r * cols + col] *= WL_DIST_OUTLIER_SCALE;
    }
}

void wl_dist_operands(wl_dist dist, uint64_t seed, size_t batch, size_t m, size_t n, size_t k, double *a, double *w)
{
    for (size_t i = 0; i < batch; i++) {
        wl_dist_fill(dist, seed + 2 * i, m, k, true, a + i * m * k);
        wl_dist_fill(dist, seed + 2 * i + 1, n, k, false, w + i * n * k);
    }
}

bool wl_dist_scaled(const mf_format *f) { return f->bits < 16; }

double wl_dist_scale(const mf_format *f, const double *x, size_t n)
{
    double amax = 0;
    for (size_t i = 0; i < n; i++) amax = fmax(amax, fabs(x[i]));
    if (!wl_dist_scaled(f) || amax == 0) return 1;
    double top;
    if (f->kind == MF_KIND_INT) {
        top = (double)((INT64_C(1) << (f->bits - 1)) - 1);
        if (top < 1) top = 1; /* int1, {-1, 0}: its one magnitude */
    } else {
        uint32_t u = mf_decode_f32(f, f->max_mag);
        float v;
        memcpy(&v, &u, sizeof v);
        top = v;
    }
    return top / amax;
}

uint32_t wl_dist_encode(const mf_format *f, double x, double scale)
{
    float v = (float)(x * scale);
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    mf_opts o = {MF_RNE, true, 0};
    return mf_encode_f32(f, u, &o, 0);
}

void wl_dist_matmul(const double *a, const double *w, size_t m, size_t n, size_t k, double *c)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t q = 0; q < k; q++) s += a[i * k + q] * w[j * k + q];
            c[i * n + j] = s;
        }
}
