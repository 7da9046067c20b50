/*
** pareto.h — the Pareto front of two metrics (energy against latency, say)
** and its picture. pareto_front marks the points that no other point
** dominates, in O(n log n); pareto_plot draws every point by group, the front
** highlighted and labelled, through plot.h (nothing a user typed is ever
** interpreted), and keeps its gnuplot script beside the picture. Reading the
** points (SQLite) and the command line are elsewhere.
** Invariants: a point with a NaN coordinate is never on the front and
** dominates nothing; exact duplicates of a front point are all on the front.
*/
#ifndef LP_PARETO_H
#define LP_PARETO_H

#include <stdbool.h>
#include <stddef.h>

#include "lp_diag.h"

/* Mark on_front[i] true when no other point is at least as good as point i
** (x[i], y[i]) in both coordinates and strictly better in one, false when
** one is. Good is smaller, or larger for a coordinate whose maximise flag is
** set. Exact duplicates of a front point are all on the front (none is
** strictly better than another). A point with a NaN coordinate is never on
** the front and dominates nothing; infinities compare as numbers, -0 as +0.
** n may be 0. O(n log n): one index array, heap-sorted by (x, y), then one
** sweep. x, y and on_front are the caller's, of n elements; on_front aliases
** neither. LP_OK, or LP_ERR_NOMEM with d's message (on_front then all
** false). */
lp_status pareto_front(const double *x, const double *y, size_t n, bool maximise_x, bool maximise_y, bool *on_front,
                       lp_diag *d);

/* Front points labelled at most (see pareto_plot). */
#define PARETO_MAX_LABELS 12

/* A picture to draw; every pointer is the caller's and only read. */
typedef struct pareto_plot_in {
    size_t n;                      /* points */
    const double *x, *y;           /* their coordinates */
    const int *group;              /* each point's group, 0 .. ngroups-1 */
    const bool *on_front;          /* pareto_front's marks, under the same maximise flags */
    const char *const *label;      /* each point's label (drawn for front points); NULL, or an element NULL: none */
    int ngroups;                   /* at least 1 */
    const char *const *group_name; /* the legend's name of each group (NULL: none) */
    const char *x_name, *y_name;   /* axis names with their units: "latency (ns)", "energy (pJ)" (NULL: none) */
    const char *title;             /* NULL: none */
    bool maximise_x, maximise_y;   /* which way is better: the front's steps and the labels' side */
    const char *out;               /* the picture: OUT.png (pngcairo) or OUT.svg (svg) */
} pareto_plot_in;

/* Draw in->out, and keep the gnuplot script that drew it beside it as OUT.gp
** (pareto_script_path): self-contained (the points inline as datablocks),
** its set output naming './OUT.png', so that `cd DIR && gnuplot OUT.gp`
** draws the picture again. Both appear only when gnuplot succeeded, each
** through a temporary file renamed into place (plot.h, lp_plot_run_keep).
**
** The picture: every point, one colour and one marker per group (open
** markers, named in a legend outside the plot, on its right); the front
** over them as filled, larger markers with a dark rim, joined by a step line
** in order of x (the edge of the region the front dominates); each front
** point's label in a small font beside it on the side of the better values
** (where no point can be: a point there would dominate it). Exact duplicates
** share one label, with "(+K)" for the K others. Labels are chosen so that
** they spread along the front and never overlap: its two ends first, then
** its middle, then its quarters, eighths and so on (in order of x over its
** distinct positions), each kept when its box overlaps none kept before, up
** to PARETO_MAX_LABELS; when some front position goes unlabelled the
** legend's front entry says how many are ("Pareto front: 38 of 60 points,
** 12 labelled"). The plot area's margins are fixed and its range is set so
** that the labels of the extreme points fit inside it. An axis is
** logarithmic when all its drawn values are positive and the largest is at
** least 10 times the smallest (a decade), linear otherwise. Axis names,
** group names, labels and the title are drawn literally ('?' for a control
** character or a byte that is not UTF-8). A point with a coordinate that is
** not finite is not drawn.
**
** LP_OK; LP_ERR_ARG with d's message (no position: the caller places it)
** when out does not end in .png or .svg, a group index is out of range, or
** no point can be drawn; LP_ERR_IO when gnuplot fails or either file cannot
** be written (neither then changes: plot.h). */
lp_status pareto_plot(const pareto_plot_in *in, lp_diag *d);

/* Panels of one picture at most (pareto_plot_panels). */
#define PARETO_MAX_PANELS 16

/* The same with npanels pictures stacked from the top in one image (each
** panel as pareto_plot draws one, at the same size; the image npanels times
** as tall): in[k] is panel k, whose own points, groups, front and title it
** holds; the image, the script and its format are in[0].out's. */
lp_status pareto_plot_panels(const pareto_plot_in *in, int npanels, lp_diag *d);

/* The script's path for a picture's: OUT.png or OUT.svg -> OUT.gp, in buf
** of n bytes. LP_OK; LP_ERR_ARG with d's message when out does not end in
** .png or .svg after a name, or buf is too small. */
lp_status pareto_script_path(const char *out, char *buf, size_t n, lp_diag *d);

#endif
