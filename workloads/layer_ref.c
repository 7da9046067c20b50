/*
** layer_ref.c — the float64 reference of a layer or model (gen_layer_int.h)
** and its expectation: plain loops over the decoded inputs, sharing nothing
** with the kernels.
**
** With 16-bit activations the reference rounds nothing but the KV cache (the
** normwise tolerance allows for the stored intermediates, wl_layer_tol).
** With narrower activations it rounds where the program does: every tensor
** the program stores in the stream format (bf16), and each projection input
** to `a` (to nearest even; MX in blocks of 32 along the row, the reduction
** dimension, with mx_quantize's scales), so that the comparison sees the
** conversions and not the coarse rounding they add.
**
** The same loops give the error report's reference (L->real): the real
** values each seeded input was encoded from, and no rounding anywhere, so
** that the report sees every rounding the formats add.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen_layer_int.h"
#include "lp_rng.h"
#include "mx.h"
#include "wl_dist.h"

#define PI 3.14159265358979323846

/* The MX element type whose element format is f (a buffer with scales). */
static const mx_elem *mx_of(const mf_format *f)
{
    for (int i = 0; i < MX_ELEM_COUNT; i++)
        if (!strcmp(mx_elem_table((mx_elem_id)i)->fmt.name, f->name)) return mx_elem_table((mx_elem_id)i);
    return NULL;
}

/* The decoded initial contents of buffer b (n = rows x cols values), MX
** codes with their scales; with L->real the real values they were encoded
** from. */
static double *values(const layer *L, int b)
{
    const isa_buffer *x = &L->p->bufs[b];
    size_t n = (size_t)x->rows * x->cols;
    double *v = calloc(n ? n : 1, sizeof *v);
    if (v && L->real && L->src[b].seeded) {
        const struct layer_src *r = &L->src[b];
        for (size_t i = 0; i < n; i++)
            v[i] = r->lo + (r->hi - r->lo) * (double)(lp_rng_u64(r->seed, i) >> 11) * 0x1p-53;
        return v;
    }
    if (!v || !x->has_data) return v;
    mf_format f;
    isa_buffer_format(x, &f);
    int eb = isa_elem_bytes(&f);
    const uint8_t *q = L->p->data + x->data_off;
    const mx_elem *e = L->sc[b] >= 0 ? mx_of(&f) : NULL;
    if (e) { /* one code byte an element, one scale byte per 32 along the row */
        float *t = malloc(sizeof *t * (n ? n : 1));
        if (!t) return free(v), NULL;
        mx_dequantize(e, q, L->p->data + L->p->bufs[L->sc[b]].data_off, n, 32, t);
        for (size_t i = 0; i < n; i++) v[i] = t[i];
        free(t);
        return v;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t code = 0;
        for (int j = eb - 1; j >= 0; j--) code = code << 8 | q[i * (size_t)eb + (size_t)j];
        uint32_t u = mf_decode_f32(&f, code);
        float fl;
        memcpy(&fl, &u, sizeof fl);
        v[i] = fl;
    }
    return v;
}

/* x rounded to format f (to nearest even), as a store in f keeps it. */
static double to_format(const mf_format *f, double x)
{
    float v = (float)x;
    uint32_t u, code;
    memcpy(&u, &v, sizeof u);
    code = mf_encode_f32(f, u, NULL, 0);
    u = mf_decode_f32(f, code);
    memcpy(&v, &u, sizeof v);
    return v;
}

/* A tensor the program stores in the stream format: rounded to it when a is
** narrow (with 16-bit activations the tolerance allows for it instead). */
static void stored(const layer *L, double *x, size_t n)
{
    mf_format f;
    if (L->real || !L->narrow || mf_parse(L->fi.name, &f, NULL)) return;
    for (size_t i = 0; i < n; i++) x[i] = to_format(&f, x[i]);
}

/* A projection input [rows][cols] converted into a, as the program converts
** it: from the stream format first when via_fi (a conversion kernel reads the
** stored tensor), then to nearest even, or MX blocks of 32 along each row
** quantised with mx_quantize and decoded. Nothing when a is not narrow. */
static lp_status to_a(const layer *L, double *x, size_t rows, size_t cols, bool via_fi)
{
    if (L->real || !L->narrow) return LP_OK;
    if (via_fi) stored(L, x, rows * cols);
    const wl_fmt *a = &L->s->a;
    mx_elem_id id;
    mf_format f;
    if (!a->mx) {
        if (mf_parse(a->name, &f, NULL)) return LP_ERR_ARG;
        for (size_t i = 0; i < rows * cols; i++) x[i] = to_format(&f, x[i]);
        return LP_OK;
    }
    if (mx_elem_find(a->name + 2, &id, NULL) || cols % 32) return LP_ERR_ARG;
    size_t n = rows * cols;
    float *t = malloc(sizeof *t * n);
    uint8_t *codes = malloc(n), *scales = malloc(n / 32);
    lp_status st = t && codes && scales ? LP_OK : LP_ERR_NOMEM;
    for (size_t i = 0; !st && i < n; i++) t[i] = (float)x[i];
    if (!st) st = mx_quantize(mx_elem_table(id), t, n, 32, MF_RNE, codes, scales);
    if (!st) mx_dequantize(mx_elem_table(id), codes, scales, n, 32, t);
    for (size_t i = 0; !st && i < n; i++) x[i] = t[i];
    free(t), free(codes), free(scales);
    return st;
}

/* y [R][N] = x [R][K] W^T, W [N][K]: the plain float64 product. */
static void linear(const double *x, const double *w, size_t R, size_t N, size_t K, double *y)
{
    wl_dist_matmul(x, w, R, N, K, y);
}

static void norm(const layer *L, const double *x, const double *w, const double *b, double *y)
{
    for (size_t r = 0; r < L->R; r++) {
        const double *xr = x + r * L->h;
        double mean = 0, var = 0;
        for (size_t i = 0; i < L->h; i++) mean += xr[i];
        mean /= (double)L->h;
        for (size_t i = 0; i < L->h; i++) {
            double c = L->ln ? xr[i] - mean : xr[i];
            var += c * c;
        }
        double inv = 1.0 / sqrt(var / (double)L->h + LAYER_EPS);
        for (size_t i = 0; i < L->h; i++) { /* no + 0 for RMSNorm: a -0 stays -0 */
            y[r * L->h + i] = ((L->ln ? xr[i] - mean : xr[i]) * inv) * w[i];
            if (L->ln) y[r * L->h + i] += b[i];
        }
    }
}

/* RoPE in place on rows of heads x D at position pos(r) (rotate-half form). */
static void rope(const layer *L, double *x, size_t rows, size_t width)
{
    size_t D = L->D, half = D / 2;
    for (size_t r = 0; r < rows; r++) {
        double pos = (double)(L->decode ? L->C - 1 : r % L->T);
        for (size_t h0 = 0; h0 < width; h0 += D)
            for (size_t i = 0; i < half; i++) {
                double th = pos * pow(L->md->rope_theta, -2.0 * (double)i / (double)D), c = cos(th), s = sin(th);
                double *x1 = x + r * width + h0 + i, *x2 = x1 + half, a = *x1, b = *x2;
                *x1 = a * c - b * s, *x2 = b * c + a * s;
            }
    }
}

/* o [R][q]: softmax(q k^T / sqrt(D)) v over each sequence's keys (kc, vc:
** [B * C][k]), causal in prefill. */
static void attend(const layer *L, const double *qm, const double *kc, const double *vc, double *o)
{
    size_t D = L->D, grp = L->H / L->G;
    double *sc = malloc(sizeof *sc * L->C);
    if (!sc) return;
    for (size_t r = 0; r < L->R; r++) {
        size_t b = r / L->T, t = r % L->T, n = L->decode ? L->C : t + 1;
        for (size_t hh = 0; hh < L->H; hh++) {
            size_t g = hh / grp;
            double mx = -INFINITY, sum = 0;
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t e = 0; e < D; e++) s += qm[r * L->q + hh * D + e] * kc[(b * L->C + j) * L->k + g * D + e];
                sc[j] = s / sqrt((double)D);
                mx = fmax(mx, sc[j]);
            }
            for (size_t j = 0; j < n; j++) sum += (sc[j] = exp(sc[j] - mx));
            for (size_t e = 0; e < D; e++) {
                double s = 0;
                for (size_t j = 0; j < n; j++) s += sc[j] * vc[(b * L->C + j) * L->k + g * D + e];
                o[r * L->q + hh * D + e] = s / sum;
            }
        }
    }
    free(sc);
}

/* The reference's weights (decoded) and work tensors. */
typedef struct ref {
    double *wn1, *bn1, *wq, *wk, *wv, *wo, *wn2, *bn2, *wg, *wu, *wd;
    double *xn, *qm, *kn, *vn, *kc, *vc, *o, *y, *g, *u;
    double *xq; /* narrow a: the first projection input as converted (R x h), else NULL */
} ref;

/* The attention half of the block on x (R x h, in place: X -> H1). */
static lp_status attention_half(const layer *L, ref *w, double *x)
{
    size_t R = L->R, h = L->h, q = L->q, k = L->k;
    norm(L, x, w->wn1, w->bn1, w->xn);
    lp_status st = to_a(L, w->xn, R, h, L->s->a.mx);
    if (st) return st;
    if (w->xq) memcpy(w->xq, w->xn, sizeof *w->xq * R * h);
    linear(w->xn, w->wq, R, q, h, w->qm), linear(w->xn, w->wk, R, k, h, w->kn), linear(w->xn, w->wv, R, k, h, w->vn);
    stored(L, w->qm, R * q), stored(L, w->kn, R * k), stored(L, w->vn, R * k);
    if (L->rotary) rope(L, w->qm, R, q), rope(L, w->kn, R, k);
    stored(L, w->qm, R * q), stored(L, w->kn, R * k);
    if (L->Qa != L->Q && (st = to_a(L, w->qm, R, q, false))) return st; /* q_quant: the attention computes in a */
    /* the cache holds K and V in kv's format: the attention sees them rounded */
    mf_format fkv;
    if (!L->real && mf_parse(L->s->kv.name, &fkv, NULL) == LP_OK)
        for (size_t i = 0; i < R * k; i++) w->kn[i] = to_format(&fkv, w->kn[i]), w->vn[i] = to_format(&fkv, w->vn[i]);
    if (L->decode)
        for (size_t b = 0; b < L->B; b++)
            for (size_t i = 0; i < k; i++) {
                w->kc[(b * L->C + L->C - 1) * k + i] = w->kn[b * k + i];
                w->vc[(b * L->C + L->C - 1) * k + i] = w->vn[b * k + i];
            }
    attend(L, w->qm, w->kc, w->vc, w->o);
    if ((st = to_a(L, w->o, R, q, true))) return st; /* o_quant converts the stored O */
    linear(w->o, w->wo, R, h, q, w->y);
    stored(L, w->y, R * h);
    for (size_t i = 0; i < R * h; i++) x[i] += w->y[i];
    stored(L, x, R * h);
    return LP_OK;
}

/* The MLP half of the block on x (in place: H1 -> OUT). */
static lp_status mlp_half(const layer *L, ref *w, double *x)
{
    size_t R = L->R, h = L->h, f = L->f;
    norm(L, x, w->wn2, w->bn2, w->xn);
    lp_status st = to_a(L, w->xn, R, h, L->s->a.mx);
    if (st) return st;
    linear(w->xn, w->wu, R, f, h, w->u);
    stored(L, w->u, R * f);
    if (L->swiglu) {
        linear(w->xn, w->wg, R, f, h, w->g);
        stored(L, w->g, R * f);
        for (size_t i = 0; i < R * f; i++) w->u[i] *= w->g[i] / (1 + exp(-w->g[i]));
    } else {
        for (size_t i = 0; i < R * f; i++) {
            double z = w->u[i];
            w->u[i] = 0.5 * z * (1 + tanh(sqrt(2 / PI) * (z + 0.044715 * z * z * z)));
        }
    }
    if ((st = to_a(L, w->u, R, f, L->s->a.mx))) return st;
    linear(w->u, w->wd, R, h, f, w->y);
    stored(L, w->y, R * h);
    for (size_t i = 0; i < R * h; i++) x[i] += w->y[i]; /* the layer's output */
    stored(L, x, R * h);
    return LP_OK;
}

/* The embedding of the token ids into x (R x h). */
static lp_status embed(const layer *L, double *x)
{
    double *e = values(L, L->E), *pe = L->PE >= 0 ? values(L, L->PE) : NULL;
    lp_status st = !e || (L->PE >= 0 && !pe) ? LP_ERR_NOMEM : LP_OK;
    for (size_t r = 0; !st && r < L->R; r++)
        for (size_t i = 0; i < L->h; i++) { /* no + 0 without positions: a -0 of the table stays -0 */
            x[r * L->h + i] = e[(size_t)L->ids[r] * L->h + i];
            if (pe) x[r * L->h + i] += pe[(L->decode ? L->C - 1 : r % L->T) * L->h + i];
        }
    if (!st) stored(L, x, L->R * L->h);
    free(e), free(pe);
    return st;
}

/* The final norm and the vocabulary projection of x into *out. */
static lp_status head(const layer *L, double *x, double *xn, double **out)
{
    double *wnf = values(L, L->Wnf), *bnf = L->ln ? values(L, L->Bnf) : NULL, *wlm = values(L, L->Wlm);
    double *res = malloc(sizeof *res * L->R * L->md->vocab);
    lp_status st = wnf && (!L->ln || bnf) && wlm && res ? LP_OK : LP_ERR_NOMEM;
    if (!st) norm(L, x, wnf, bnf, xn);
    if (!st) st = to_a(L, xn, L->R, L->h, L->s->a.mx);
    if (!st) linear(xn, wlm, L->R, L->md->vocab, L->h, res);
    if (st) free(res), res = NULL;
    free(wnf), free(bnf), free(wlm);
    *out = res;
    return st;
}

/* The layer (and, for a model, the embedding before it and the head after)
** into out: OUT [R][h], or LOGITS [R][vocab]; with a narrow a also the first
** projection input as converted into *xq (R x h), else *xq NULL. */
static lp_status reference(layer *L, double **out, double **xq)
{
    size_t R = L->R, h = L->h, q = L->q, k = L->k, f = L->f;
    ref w = {0};
    double *x = L->model ? calloc(R * h, sizeof *x) : values(L, L->X);
    w.wn1 = values(L, L->Wn1), w.bn1 = L->ln ? values(L, L->Bn1) : NULL, w.wq = values(L, L->Wq);
    w.wk = values(L, L->Wk), w.wv = values(L, L->Wv), w.wo = values(L, L->Wo), w.wn2 = values(L, L->Wn2);
    w.bn2 = L->ln ? values(L, L->Bn2) : NULL, w.wg = L->swiglu ? values(L, L->Wg) : NULL, w.wu = values(L, L->Wu);
    w.wd = values(L, L->Wd), w.xn = malloc(sizeof *w.xn * R * h), w.qm = malloc(sizeof *w.qm * R * q);
    w.kn = malloc(sizeof *w.kn * R * k), w.vn = malloc(sizeof *w.vn * R * k);
    w.kc = L->decode ? values(L, L->K) : w.kn, w.vc = L->decode ? values(L, L->V) : w.vn;
    w.o = malloc(sizeof *w.o * R * q), w.y = malloc(sizeof *w.y * R * h), w.g = malloc(sizeof *w.g * R * f);
    w.u = malloc(sizeof *w.u * R * f), w.xq = L->narrow ? malloc(sizeof *w.xq * R * h) : NULL;
    *out = *xq = NULL;
    lp_status st = LP_ERR_NOMEM;
    if (!x || !w.wn1 || (L->ln && (!w.bn1 || !w.bn2)) || !w.wq || !w.wk || !w.wv || !w.wo || !w.wn2 ||
        (L->swiglu && !w.wg) || !w.wu || !w.wd || !w.xn || !w.qm || !w.kn || !w.vn || !w.kc || !w.vc || !w.o || !w.y ||
        !w.g || !w.u || (L->narrow && !w.xq))
        goto free_all;
    st = L->model ? embed(L, x) : LP_OK;
    if (!st) st = attention_half(L, &w, x);
    if (!st) st = mlp_half(L, &w, x);
    if (!st && L->model) st = head(L, x, w.xn, out);
    if (!st && !L->model) *out = x, x = NULL;
    if (!st) *xq = w.xq, w.xq = NULL;
free_all:
    if (w.kc != w.kn) free(w.kc);
    if (w.vc != w.vn) free(w.vc);
    free(x), free(w.wn1), free(w.bn1), free(w.wq), free(w.wk), free(w.wv), free(w.wo), free(w.wn2), free(w.bn2);
    free(w.wg), free(w.wu), free(w.wd), free(w.xn), free(w.qm), free(w.kn), free(w.vn), free(w.o), free(w.y);
    free(w.g), free(w.u), free(w.xq);
    return st;
}

double wl_layer_tol(const wl_fmt *a, bool model)
{
    wl_fmt fi;
    wl_layer_stream(a, &fi);
    if (strcmp(fi.name, a->name)) return model ? 1e-1 : 2e-2;
    return a->bits >= 32 ? 1e-3 : 2e-2;
}

/* Buffer b's expectation: the values v (n of them) encoded in its format. */
static lp_status expect_values(layer *L, int b, const double *v, isa_rule rule, double tol)
{
    const isa_buffer *x = &L->p->bufs[b];
    size_t n = (size_t)x->rows * x->cols;
    mf_format f;
    isa_buffer_format(x, &f);
    uint32_t *codes = malloc(sizeof *codes * (n ? n : 1));
    if (!codes) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        float fv = (float)v[i];
        uint32_t u;
        memcpy(&u, &fv, sizeof u);
        codes[i] = mf_encode_f32(&f, u, NULL, 0);
    }
    lp_status st = isa_prog_put_codes(L->p, b, codes, n, true, rule, tol);
    free(codes);
    return st;
}

/* The first projection input's expectation (narrow a): its codes, and for
** MX its scales, bit for bit: the values are a's (the reference converted
** them), so quantising them again gives the same codes and scales. The
** input of norm1 is exact on both sides, so nothing but float32 arithmetic
** separates the program from the reference there. */
static lp_status expect_input(layer *L, const double *xq)
{
    int b = L->Xnq;
    if (L->sc[b] < 0) return expect_values(L, b, xq, ISA_RULE_BITEXACT, 0);
    mx_elem_id id;
    size_t n = (size_t)L->R * L->h;
    float *t = malloc(sizeof *t * n);
    uint8_t *c8 = malloc(n), *s8 = malloc(n / 32);
    uint32_t *codes = malloc(sizeof *codes * n), *scales = malloc(sizeof *scales * (n / 32));
    lp_status st = t && c8 && s8 && codes && scales ? LP_OK : LP_ERR_NOMEM;
    if (!st) st = mx_elem_find(L->s->a.name + 2, &id, NULL);
    for (size_t i = 0; !st && i < n; i++) t[i] = (float)xq[i];
    if (!st) st = mx_quantize(mx_elem_table(id), t, n, 32, MF_RNE, c8, s8);
    for (size_t i = 0; !st && i < n; i++) codes[i] = c8[i];
    for (size_t i = 0; !st && i < n / 32; i++) scales[i] = s8[i];
    if (!st) st = isa_prog_put_codes(L->p, b, codes, n, true, ISA_RULE_BITEXACT, 0);
    if (!st) st = isa_prog_put_codes(L->p, L->sc[b], scales, n / 32, true, ISA_RULE_BITEXACT, 0);
    free(t), free(c8), free(s8), free(codes), free(scales);
    return st;
}

lp_status wl_layer_expect(layer *L)
{
    double *ref, *xq, *real = NULL, *rxq = NULL;
    int out = L->model ? L->LOG : L->OUT;
    lp_status st = reference(L, &ref, &xq);
    if (st) return lp_diag_msg(L->d, st, "layer reference: %s", lp_status_text(st));
    st = expect_values(L, out, ref, ISA_RULE_RELERR, wl_layer_tol(&L->s->a, L->model));
    if (!st && xq) st = expect_input(L, xq);
    L->real = true; /* the error report's reference: the real inputs, nothing rounded */
    if (!st && !(st = reference(L, &real, &rxq))) isa_prog_set_ref(L->p, out, real, 1);
    L->real = false;
    free(ref), free(xq), free(rxq);
    return st ? lp_diag_msg(L->d, st, "layer expectation: %s", lp_status_text(st)) : LP_OK;
}
