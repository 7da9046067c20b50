/*
** pareto.c — Pareto fronts and their pictures (see pareto.h).
**
** The front: the points that are not NaN, heap-sorted by (x, y, index) with
** each coordinate's sign turned so that smaller is better, then swept once in
** order of x. Within a run of equal x only the smallest y can be on the
** front (the others are beaten in y at equal x); it is on the front when it
** is strictly below the smallest y of every earlier x (equal would be
** dominated: as good in y, strictly better in x). Heap sort because it needs
** no memory beyond the index array and qsort takes no context.
**
** The picture: a gnuplot script written through plot.h, the points as
** inline datablocks (their labels through lp_plot_quote_data), every text of
** the user's through lp_plot_quote, all text noenhanced. The plot area's
** margins are fixed (at screen) and the ranges set in the script rather than
** left to autoscale, so that where each label lands is known in pixels
** before gnuplot runs: the better side of an axis gets the margin that the
** labels of the extreme front points need, and a label that would overlap
** one already placed is left out. Text widths are estimates (DejaVu Sans,
** measured on pngcairo pictures): a few pixels off, hence the gaps. Left
** out: the SQLite reading and the command (cli/).
*/
#define _POSIX_C_SOURCE 200809L
#include "pareto.h"
#include "plot.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the front ----------------------------------------------------------------------------- */

/* A sort order of points: by (sx * x, sy * y, index), sx and sy +1 or -1. */
typedef struct order {
    const double *x, *y;
    double sx, sy;
} order;

static bool before(const order *o, size_t a, size_t b)
{
    double xa = o->sx * o->x[a], xb = o->sx * o->x[b];
    if (xa != xb) return xa < xb;
    double ya = o->sy * o->y[a], yb = o->sy * o->y[b];
    if (ya != yb) return ya < yb;
    return a < b;
}

static void sift_down(size_t *ix, size_t root, size_t n, const order *o)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && before(o, ix[c], ix[c + 1])) c++;
        if (!before(o, ix[root], ix[c])) return;
        size_t t = ix[root];
        ix[root] = ix[c], ix[c] = t;
        root = c;
    }
}

/* Sort ix[0..n) (indices of points without NaN) by o, in place. */
static void sort_points(size_t *ix, size_t n, const order *o)
{
    for (size_t i = n / 2; i-- > 0;) sift_down(ix, i, n, o);
    for (size_t end = n; end-- > 1;) {
        size_t t = ix[0];
        ix[0] = ix[end], ix[end] = t;
        sift_down(ix, 0, end, o);
    }
}

lp_status pareto_front(const double *x, const double *y, size_t n, bool maximise_x, bool maximise_y, bool *on_front,
                       lp_diag *d)
{
    for (size_t i = 0; i < n; i++) on_front[i] = false;
    if (n == 0) return LP_OK;
    size_t *ix = n <= SIZE_MAX / sizeof *ix ? malloc(n * sizeof *ix) : NULL;
    if (!ix) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory for the Pareto front of %zu points", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) ix[m++] = i;
    order o = {x, y, maximise_x ? -1.0 : 1.0, maximise_y ? -1.0 : 1.0};
    sort_points(ix, m, &o);
    bool seen = false; /* an earlier x exists; best is then the smallest (signed) y over it */
    double best = 0;
    for (size_t a = 0, b; a < m; a = b) {
        double gx = o.sx * x[ix[a]], ymin = o.sy * y[ix[a]];
        for (b = a + 1; b < m && o.sx * x[ix[b]] == gx;) b++;
        if (seen && !(ymin < best)) continue;
        for (size_t k = a; k < b && o.sy * y[ix[k]] == ymin; k++) on_front[ix[k]] = true;
        best = ymin, seen = true;
    }
    free(ix);
    return LP_OK;
}

/* ---- the picture --------------------------------------------------------------------------- */

/* Styles by group, cycled: Paul Tol's "bright" colours (told apart by people
** with the common colour-vision deficiencies) without its pale yellow, and
** gnuplot's open and filled markers of the same shape, so that a group is
** known by its marker as well as its colour (in grey print too). */
static const char *const colours[] = {"#4477aa", "#ee6677", "#228833", "#aa3377", "#66ccee", "#ccbb44", "#666666"};
/*                               circle  square  triangle  diamond  inverted triangle  pentagon */
static const int open_marker[] = {6, 4, 8, 12, 10, 14};
static const int filled_marker[] = {7, 5, 9, 13, 11, 15};
#define NCOLOURS (int)(sizeof colours / sizeof colours[0])
#define NMARKERS (int)(sizeof open_marker / sizeof open_marker[0])

/* The picture in pixels: its size, the plot area's margins (fixed, so that
** where a label lands is known before gnuplot runs), and the measures of
** text in DejaVu Sans, taken from pngcairo pictures. */
#define WIDTH_PX 1100
#define HEIGHT_PX 700
#define LEFT_PX 90.0        /* the y tics and the y axis's name */
#define BOTTOM_PX 60.0      /* the x tics and the x axis's name */
#define TOP_PX 45.0         /* the title */
#define KEY_CHAR_PX 8.5     /* a character of the legend as gnuplot reckons it (11 points) */
#define KEY_EXTRA_PX 90.0   /* the legend's sample, gaps, box and its gap from the plot */
#define KEY_GAP_PX 20.0     /* between the plot and the legend */
#define LABEL_CHAR_PX 7.0   /* a character of a label (9 points) */
#define LABEL_DX_PX 11.0    /* a label's offset from its point: "offset 1.2,1.0" characters of 11 points */
#define LABEL_DY_PX 17.0    /* ... and down or up */
#define LABEL_HALF_PX 8.0   /* half a label's height */
#define LABEL_GAP_PX 3.0    /* between two labels */
#define LABEL_EDGE_PX 8.0   /* between a label and the plot's border */
#define WORSE_MARGIN 0.04   /* of the data's span, on an axis's worse side */
#define MAX_BETTER_MARGIN 1 /* of the data's span, on its better side (the labels') */

lp_status pareto_script_path(const char *out, char *buf, size_t n, lp_diag *d)
{
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    size_t len = strlen(out), blen = strlen(base);
    if (blen <= 4 || (strcmp(out + len - 4, ".png") && strcmp(out + len - 4, ".svg")))
        return lp_diag_msg(d, LP_ERR_ARG, "the picture's name must end in .png or .svg, after a name: '%s'", out);
    if (len - 4 + 3 + 1 > n) return lp_diag_msg(d, LP_ERR_ARG, "the picture's name is too long: '%s'", out);
    memcpy(buf, out, len - 4);
    memcpy(buf + len - 4, ".gp", 4);
    return LP_OK;
}

/* An axis: its drawn values' extent, whether any is <= 0, its scale and range. */
typedef struct axis {
    double lo, hi;
    bool nonpositive, log;
    double range[2];
    bool maximise;
} axis;

/* What the script is made of, worked out before it is written. */
typedef struct picture {
    const pareto_plot_in *in;
    axis ax, ay;
    size_t ndrawn;
    size_t *front, nfront;           /* the drawn front points in order of x */
    size_t *first, *dups;            /* per distinct position of the front: its first index in front, its duplicates */
    size_t npos;                     /* distinct positions */
    size_t ncandidates;              /* positions with a label */
    size_t label[PARETO_MAX_LABELS]; /* the labelled positions, in order */
    size_t nlabels;
    double key_px, plot_w_px, plot_h_px;
    int *dominated; /* per group: points drawn off the front */
    int k, npanels; /* this panel, from the top, of npanels stacked (pareto_plot_panels) */
} picture;

static bool drawn(const pareto_plot_in *in, size_t i) { return isfinite(in->x[i]) && isfinite(in->y[i]); }

static void axis_add(axis *a, double v)
{
    a->lo = fmin(a->lo, v), a->hi = fmax(a->hi, v);
    if (!(v > 0)) a->nonpositive = true;
}

/* Where v lies between lo and hi on the axis's scale, 0 to 1. */
static double frac(const axis *a, double v, double lo, double hi)
{
    return a->log ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo);
}

static const char *position_label(const picture *p, size_t pos)
{
    const char *t = p->in->label ? p->in->label[p->front[p->first[pos]]] : NULL;
    return t ? t : "";
}

/* Characters of UTF-8 text (bytes that do not continue a character). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* A label's width in pixels: its text and " (+K)" for K duplicates. */
static double label_px(const picture *p, size_t pos)
{
    return LABEL_CHAR_PX * (double)(chars(position_label(p, pos)) + (p->dups[pos] ? 6 : 0));
}

/* The axis's range: WORSE_MARGIN of the data's span on its worse side, and on
** its better side room for the labels beyond their points (across: their
** text, else a line) in an axis of px pixels, in decades on a log axis. */
static void set_range(const picture *p, axis *a, const double *v, bool across, double px)
{
    double better = WORSE_MARGIN;
    for (size_t pos = 0; pos < p->npos; pos++) {
        double need = LABEL_EDGE_PX + (across ? LABEL_DX_PX + label_px(p, pos) : LABEL_DY_PX + LABEL_HALF_PX);
        if (!position_label(p, pos)[0] || need >= px) continue;
        double u = frac(a, v[p->front[p->first[pos]]], a->lo, a->hi);
        if (a->maximise) u = 1 - u;
        /* px * (m + u) / (1 + m + WORSE_MARGIN) >= need */
        double m = (need * (1 + WORSE_MARGIN) - px * u) / (px - need);
        if (m > better) better = m;
    }
    if (better > MAX_BETTER_MARGIN) better = MAX_BETTER_MARGIN;
    double low = a->maximise ? WORSE_MARGIN : better, high = a->maximise ? better : WORSE_MARGIN;
    if (a->log) {
        double l = log10(a->lo), h = log10(a->hi);
        a->range[0] = pow(10, l - low * (h - l)), a->range[1] = pow(10, h + high * (h - l));
    } else {
        a->range[0] = a->lo - low * (a->hi - a->lo), a->range[1] = a->hi + high * (a->hi - a->lo);
        /* room for labels never takes a quantity that cannot be negative (a latency, an energy) below 0 */
        if (!a->nonpositive && a->range[0] < 0) a->range[0] = 0;
    }
}

/* Whether a position's label goes on the worse side of x: when the better
** side has no room for it inside the plot (an axis that may not go below 0
** stops short of the room set_range wanted). */
static bool label_flipped(const picture *p, size_t pos)
{
    size_t i = p->front[p->first[pos]];
    double px = p->plot_w_px * frac(&p->ax, p->in->x[i], p->ax.range[0], p->ax.range[1]);
    double need = LABEL_DX_PX + label_px(p, pos);
    return p->ax.maximise ? px + need > p->plot_w_px : px - need < 0;
}

/* The box a position's label covers, in pixels of the plot area: x0 x1 y0 y1. */
static void label_box(const picture *p, size_t pos, double *b)
{
    size_t i = p->front[p->first[pos]];
    double px = p->plot_w_px * frac(&p->ax, p->in->x[i], p->ax.range[0], p->ax.range[1]);
    double py = p->plot_h_px * frac(&p->ay, p->in->y[i], p->ay.range[0], p->ay.range[1]);
    double w = label_px(p, pos), cy = p->ay.maximise ? py + LABEL_DY_PX : py - LABEL_DY_PX;
    bool right = p->ax.maximise != label_flipped(p, pos);
    b[0] = right ? px + LABEL_DX_PX : px - LABEL_DX_PX - w, b[1] = b[0] + w;
    b[2] = cy - LABEL_HALF_PX, b[3] = cy + LABEL_HALF_PX;
}

/* Label the position when it has a label that overlaps none taken so far. */
static void try_label(picture *p, size_t pos)
{
    if (p->nlabels == PARETO_MAX_LABELS || !position_label(p, pos)[0]) return;
    double b[4], o[4];
    label_box(p, pos, b);
    for (size_t j = 0; j < p->nlabels; j++) {
        label_box(p, p->label[j], o);
        if (b[0] < o[1] + LABEL_GAP_PX && o[0] < b[1] + LABEL_GAP_PX && b[2] < o[3] + LABEL_GAP_PX &&
            o[2] < b[3] + LABEL_GAP_PX)
            return;
    }
    p->label[p->nlabels++] = pos;
}

/* pareto.h's rule: the two ends of the front, then its middle, its quarters,
** its eighths... (position pos tried at the largest power of two dividing
** it), each label kept when it overlaps none kept before; at most
** PARETO_MAX_LABELS. Then in order of x. */
static void choose_labels(picture *p)
{
    p->nlabels = 0;
    if (!p->npos) return;
    try_label(p, 0);
    if (p->npos > 1) try_label(p, p->npos - 1);
    size_t s = 1;
    while (p->npos > 2 && s <= (p->npos - 2) / 2) s *= 2;
    for (; s >= 1 && p->npos > 2; s /= 2)
        for (size_t pos = s; pos < p->npos - 1; pos += 2 * s) try_label(p, pos);
    for (size_t j = 1; j < p->nlabels; j++)
        for (size_t k = j; k > 0 && p->label[k - 1] > p->label[k]; k--) {
            size_t t = p->label[k];
            p->label[k] = p->label[k - 1], p->label[k - 1] = t;
        }
}

/* The settings, before the data. */
static void put_settings(FILE *f, const picture *p)
{
    const pareto_plot_in *in = p->in;
    fprintf(f, "set encoding utf8\nset title ");
    lp_plot_quote(f, in->title ? in->title : "");
    fprintf(f, " noenhanced\nset xlabel ");
    lp_plot_quote(f, in->x_name ? in->x_name : "");
    fprintf(f, " noenhanced\nset ylabel ");
    lp_plot_quote(f, in->y_name ? in->y_name : "");
    fprintf(f, " noenhanced\n%s%s", p->ax.log ? "set logscale x\nset mxtics 10\n" : "set mxtics 2\n",
            p->ay.log ? "set logscale y\nset mytics 10\n" : "set mytics 2\n");
    fprintf(f, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n", p->ax.range[0], p->ax.range[1], p->ay.range[0],
            p->ay.range[1]);
    /* panel k of N stacked from the top: its share of the height, the same margins in pixels */
    double n = p->npanels, bottom = (n - 1 - p->k) / n, top = (n - p->k) / n;
    fprintf(f,
            "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
            "set tmargin at screen %.4f\n",
            LEFT_PX / WIDTH_PX, 1 - p->key_px / WIDTH_PX, bottom + BOTTOM_PX / HEIGHT_PX / n,
            top - TOP_PX / HEIGHT_PX / n);
    fprintf(f, "set format x '%%g'\nset format y '%%g'\n"
               "set grid xtics ytics mxtics mytics lw 1 lc rgb '#e4e4e4', lw 1 lc rgb '#f2f2f2'\n"
               "set border lc rgb '#555555'\n"
               "set style textbox opaque fillcolor rgb '#ffffff' noborder margins 1,1\n");
    /* the legend right of the plot, its top left corner level with the plot's top */
    fprintf(f,
            "set key at screen %.4f, screen %.4f left top vertical Left reverse noenhanced samplen 2 spacing 1.4 "
            "box lc rgb '#bbbbbb'\n",
            1 - (p->key_px - KEY_GAP_PX) / WIDTH_PX, top - TOP_PX / HEIGHT_PX / n);
}

static void put_labels(FILE *f, const picture *p, bool flipped);

/* The datablocks: the points the front dominates by group ($groupG: x y),
** the front in order of x ($front: x y G) and the labels ($labels: x y
** text), G counting groups from 1. */
static void put_data(FILE *f, const picture *p)
{
    const pareto_plot_in *in = p->in;
    for (int g = 0; g < in->ngroups; g++) {
        if (!p->dominated[g]) continue;
        fprintf(f, "# group %d: the points the front dominates (x y)\n$group%d_%d << EOD\n", g + 1, g + 1, p->k + 1);
        for (size_t i = 0; i < in->n; i++)
            if (in->group[i] == g && !in->on_front[i] && drawn(in, i)) fprintf(f, "%.10g %.10g\n", in->x[i], in->y[i]);
        fputs("EOD\n", f);
    }
    fprintf(f, "# the front in order of x (x y group)\n$front%d << EOD\n", p->k + 1);
    for (size_t k = 0; k < p->nfront; k++)
        fprintf(f, "%.10g %.10g %d\n", in->x[p->front[k]], in->y[p->front[k]], in->group[p->front[k]] + 1);
    for (int flipped = 0; flipped < 2; flipped++) {
        fprintf(f, "EOD\n# the front's labels %s(x y text)\n$labels%s%d << EOD\n",
                flipped ? "with no room on the better side of x " : "", flipped ? "f" : "", p->k + 1);
        put_labels(f, p, flipped);
    }
    fputs("EOD\n", f);
}

/* The lines of the labels on one side. */
static void put_labels(FILE *f, const picture *p, bool flipped)
{
    const pareto_plot_in *in = p->in;
    for (size_t j = 0; j < p->nlabels; j++) {
        size_t pos = p->label[j], i = p->front[p->first[pos]];
        if (label_flipped(p, pos) != flipped) continue;
        const char *text = position_label(p, pos);
        size_t tl = strlen(text);
        char *shown = malloc(tl + 32); /* text and " (+K)" */
        if (!shown) continue;          /* a label left out rather than a picture */
        memcpy(shown, text, tl);
        snprintf(shown + tl, 32, p->dups[pos] ? " (+%zu)" : "", p->dups[pos]);
        fprintf(f, "%.10g %.10g ", in->x[i], in->y[i]);
        lp_plot_quote_data(f, shown);
        fputc('\n', f);
        free(shown);
    }
}

/* The front's legend entry. */
static void front_title(const picture *p, char *buf, size_t n)
{
    int k = snprintf(buf, n, "Pareto front: %zu of %zu points", p->nfront, p->ndrawn);
    if (p->nlabels < p->ncandidates && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, ", %zu labelled", p->nlabels);
}

/* The plot command: a legend entry per group, the dominated points, the
** front's steps, its markers (filled, with a dark rim) and its labels. */
static void put_plot(FILE *f, const picture *p)
{
    const pareto_plot_in *in = p->in;
    char title[96];
    fputs("plot \\\n", f);
    for (int g = 0; g < in->ngroups; g++) {
        fprintf(f, "  keyentry with points pt %d ps 1.3 lw 1.5 lc rgb '%s' title ", open_marker[g % NMARKERS],
                colours[g % NCOLOURS]);
        lp_plot_quote(f, in->group_name[g] ? in->group_name[g] : "");
        fputs(", \\\n", f);
    }
    for (int g = 0; g < in->ngroups; g++)
        if (p->dominated[g])
            fprintf(f, "  $group%d_%d using 1:2 with points pt %d ps 1.1 lw 1.2 lc rgb '%s' notitle, \\\n", g + 1,
                    p->k + 1, open_marker[g % NMARKERS], colours[g % NCOLOURS]);
    front_title(p, title, sizeof title);
    fprintf(f, "  keyentry with linespoints pt 7 ps 1.5 lw 2 lc rgb '#333333' title '%s', \\\n", title);
    fprintf(f, "  $front%d using 1:2 with %s lw 2 lc rgb '#333333' notitle", p->k + 1,
            in->maximise_x ? "fsteps" : "steps");
    for (int g = 0; g < in->ngroups; g++) {
        bool any = false;
        for (size_t k = 0; k < p->nfront && !any; k++) any = in->group[p->front[k]] == g;
        if (!any) continue;
        fprintf(f,
                ", \\\n  $front%d using 1:($3 == %d ? $2 : NaN) with points pt %d ps 1.9 lc rgb '%s' notitle"
                ", \\\n  $front%d using 1:($3 == %d ? $2 : NaN) with points pt %d ps 1.9 lw 1.2 lc rgb '#222222' "
                "notitle",
                p->k + 1, g + 1, filled_marker[g % NMARKERS], colours[g % NCOLOURS], p->k + 1, g + 1,
                open_marker[g % NMARKERS]);
    }
    /* labels on the better side of their point, where no point can be; on the
    ** other side of x those with no room there */
    for (int flipped = 0; flipped < 2; flipped++) {
        bool right = in->maximise_x != flipped;
        fprintf(f,
                ", \\\n  $labels%s%d using 1:2:3 with labels boxed noenhanced font ',9' %s offset %s1.2,%s1.0 "
                "tc rgb '#222222' notitle",
                flipped ? "f" : "", p->k + 1, right ? "left" : "right", right ? "" : "-", in->maximise_y ? "" : "-");
    }
    fputc('\n', f);
}

/* The legend's width in pixels, from its longest text. */
static double key_width(const picture *p)
{
    char front[96]; /* the front's entry at its longest */
    snprintf(front, sizeof front, "Pareto front: %zu of %zu points, %d labelled", p->nfront, p->ndrawn,
             PARETO_MAX_LABELS);
    size_t longest = strlen(front);
    for (int g = 0; g < p->in->ngroups; g++) {
        size_t c = p->in->group_name[g] ? chars(p->in->group_name[g]) : 0;
        if (c > longest) longest = c;
    }
    double w = KEY_EXTRA_PX + KEY_CHAR_PX * (double)longest;
    return w < WIDTH_PX / 2.0 ? w : WIDTH_PX / 2.0;
}

/* Check in and fill p (its arrays allocated). LP_OK, or d's message. */
static lp_status prepare(const pareto_plot_in *in, picture *p, lp_diag *d)
{
    p->ax = p->ay = (axis){INFINITY, -INFINITY, false, false, {0, 0}, false};
    p->ax.maximise = in->maximise_x, p->ay.maximise = in->maximise_y;
    if (in->ngroups < 1) return lp_diag_msg(d, LP_ERR_ARG, "a Pareto plot needs at least one group");
    size_t m = in->n ? in->n : 1;
    if (m <= SIZE_MAX / sizeof(size_t) / 3 && (p->front = malloc(3 * m * sizeof(size_t))))
        p->first = p->front + m, p->dups = p->front + 2 * m;
    p->dominated = calloc((size_t)in->ngroups, sizeof *p->dominated);
    if (!p->front || !p->dominated) return lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < in->n; i++) {
        if (in->group[i] < 0 || in->group[i] >= in->ngroups)
            return lp_diag_msg(d, LP_ERR_ARG, "point %zu is in group %d, not one of 0 to %d", i, in->group[i],
                               in->ngroups - 1);
        if (!drawn(in, i)) continue;
        p->ndrawn++;
        axis_add(&p->ax, in->x[i]), axis_add(&p->ay, in->y[i]);
        if (in->on_front[i])
            p->front[p->nfront++] = i;
        else
            p->dominated[in->group[i]]++;
    }
    if (!p->ndrawn) return lp_diag_msg(d, LP_ERR_ARG, "no point to draw: none of the %zu is finite in both", in->n);
    order o = {in->x, in->y, 1.0, 1.0};
    sort_points(p->front, p->nfront, &o);
    for (size_t k = 0; k < p->nfront; k++) {
        size_t i = p->front[k];
        if (k && in->x[i] == in->x[p->front[k - 1]] && in->y[i] == in->y[p->front[k - 1]]) {
            p->dups[p->npos - 1]++;
            continue;
        }
        p->first[p->npos] = k, p->dups[p->npos] = 0;
        p->ncandidates += position_label(p, p->npos++)[0] != 0;
    }
    /* pareto.h's rule for log axes; a span of 0 widened around its value */
    axis *axes[2] = {&p->ax, &p->ay};
    for (int k = 0; k < 2; k++) {
        axis *a = axes[k];
        a->log = !a->nonpositive && a->hi >= 10 * a->lo;
        if (a->hi == a->lo) {
            double s = a->lo != 0 ? fabs(a->lo) / 2 : 1;
            a->lo -= s, a->hi += s;
        }
    }
    p->key_px = key_width(p);
    p->plot_w_px = WIDTH_PX - LEFT_PX - p->key_px, p->plot_h_px = HEIGHT_PX - TOP_PX - BOTTOM_PX;
    set_range(p, &p->ax, in->x, true, p->plot_w_px);
    set_range(p, &p->ay, in->y, false, p->plot_h_px);
    choose_labels(p);
    return LP_OK;
}

lp_status pareto_plot(const pareto_plot_in *in, lp_diag *d) { return pareto_plot_panels(in, 1, d); }

lp_status pareto_plot_panels(const pareto_plot_in *in, int npanels, lp_diag *d)
{
    if (npanels < 1 || npanels > PARETO_MAX_PANELS)
        return lp_diag_msg(d, LP_ERR_ARG, "a picture of 1 to %d panels, not %d", PARETO_MAX_PANELS, npanels);
    size_t olen = strlen(in->out) + 1;
    char *script_out = malloc(olen);
    picture *p = calloc((size_t)npanels, sizeof *p);
    lp_plot pl;
    lp_status st = LP_OK;
    if (!script_out || !p) {
        st = lp_diag_msg(d, LP_ERR_NOMEM, "out of memory");
        goto free_all;
    }
    if ((st = pareto_script_path(in->out, script_out, olen, d))) goto free_all;
    for (int k = 0; k < npanels && !st; k++) {
        p[k].in = &in[k], p[k].k = k, p[k].npanels = npanels;
        st = prepare(&in[k], &p[k], d);
    }
    if (st) goto free_all;
    bool svg = !strcmp(in->out + olen - 5, ".svg");
    if ((st = lp_plot_open(&pl, svg ? ".svg" : ".png", d))) goto free_all;
    FILE *f = pl.script;
    fputs("# A Pareto front that lpsim drew; `gnuplot THIS.gp` in this folder draws the picture again.\n"
          "# The points are the datablocks below; the styles are free to change.\n",
          f);
    fprintf(f, "set terminal %s size %d,%d noenhanced font 'DejaVu Sans,11'%s\n", svg ? "svg" : "pngcairo", WIDTH_PX,
            HEIGHT_PX * npanels, svg ? " dynamic background rgb '#ffffff'" : "");
    lp_plot_set_output(&pl);
    if (npanels > 1) fputs("set multiplot\n", f);
    for (int k = 0; k < npanels; k++) {
        if (k) fputs("reset\nset encoding utf8\n", f);
        put_settings(f, &p[k]);
        put_data(f, &p[k]);
        put_plot(f, &p[k]);
    }
    if (npanels > 1) fputs("unset multiplot\n", f);
    st = lp_plot_run_keep(&pl, in->out, script_out, d);
free_all:
    for (int k = 0; p && k < npanels; k++) free(p[k].front), free(p[k].dominated);
    free(script_out), free(p);
    return st;
}
