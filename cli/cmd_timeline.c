/*
** cmd_timeline.c — `lpsim timeline`: draw the per-instruction trace that
** `lpsim exec --trace` writes as a timeline, rendered by gnuplot to PNG or
** SVG. One lane per unit named in the trace (the dma, matrix and vector lanes
** always, so that pictures of different kernels line up); the instructions of
** a unit that run at once (a DMA unit's engines) spread over as many numbered
** lanes as overlap. The CSV is checked row by row: a bad row is reported as
** FILE:LINE:COL and nothing is drawn (exit status 2).
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "commands.h"
#include "isa.h"
#include "lp_csv.h"
#include "plot.h"
#include "system.h"

static const cli_opt timeline_opts[] = {
    {"out", "OUT.png|OUT.svg", "the picture to write (the extension picks the format)"},
    {"title", "TEXT", "title over the plot (default: the trace's file name)"},
};
static const cli_cmd timeline_cmd = {
    "timeline",
    "TRACE.csv --out OUT.png|OUT.svg [--title TEXT]",
    "Draws a trace written by `lpsim exec --trace` as a timeline: cycles across, one lane\n"
    "per unit (the instructions of a DMA unit on as many lanes as overlap in time), each\n"
    "instruction a bar from its start to its end cycle, rendered with gnuplot. Prints the\n"
    "lanes it used.",
    timeline_opts,
    CLI_NOPTS(timeline_opts),
    1,
    1};

#define MAX_UNITS 32
#define MAX_LANES 64
static const char *const standard_units[] = {"dma", "matrix", "vector"};
static const unsigned colors[] = {0x4477aa, 0xcc6677, 0x228833, 0xccbb44, 0x66ccee, 0xaa3377, 0xbbbbbb, 0x332288};

typedef struct row {
    uint64_t start, end;
    int unit, lane;
    char insn[24];
} row;

typedef struct units {
    char name[MAX_UNITS][ARCH_UNIT_NAME_MAX];
    bool numbered[MAX_UNITS]; /* lanes numbered: a DMA unit's engines */
    int lanes[MAX_UNITS];
    int n;
} units;

/* The unit's index, added on first sight; -1 when there are too many. */
static int unit_index(units *u, const char *name)
{
    for (int i = 0; i < u->n; i++)
        if (!strcmp(u->name[i], name)) return i;
    if (u->n == MAX_UNITS) return -1;
    snprintf(u->name[u->n], sizeof u->name[0], "%s", name);
    return u->n++;
}

/* Field i a whole number of at most 19 digits; the error at its first bad byte. */
static lp_status field_u64(const lp_csv *c, int i, const char *what, uint64_t *out, lp_diag *d)
{
    const char *s = c->field[i];
    size_t n = 0;
    uint64_t v = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 19) v = v * 10 + (uint64_t)(s[n++] - '0');
    if (!n || s[n])
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i] + (int)n,
                           "expected %s (a whole number of at most 19 digits)", what);
    *out = v;
    return LP_OK;
}

/* Check and keep one row of the trace. */
static lp_status read_row(lp_csv *c, units *u, row *r, lp_diag *d)
{
    uint64_t index = 0, issue = 0;
    lp_status st;
    if ((st = lp_csv_split(c, d)) || (st = field_u64(c, 0, "the instruction index", &index, d))) return st;
    if (c->nfields < 2)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected an instruction mnemonic");
    const char *m = c->field[1];
    size_t k = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
    if (!k || m[k] || k >= sizeof r->insn || c->nfields < 3)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[1] + (int)k, "expected an instruction mnemonic");
    snprintf(r->insn, sizeof r->insn, "%s", m);
    const char *un = c->field[2];
    size_t ul = strspn(un, "abcdefghijklmnopqrstuvwxyz0123456789_");
    if (!(un[0] >= 'a' && un[0] <= 'z') || un[ul] || ul >= ARCH_UNIT_NAME_MAX || c->nfields < 4)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2],
                           "expected a unit name (a lower-case letter, then letters, digits or _)");
    if ((r->unit = unit_index(u, un)) < 0)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[2], "more than %d units", MAX_UNITS);
    int op = isa_lookup(m);
    if (op >= 0 && isa_get((isa_op)op)->cls == UNIT_CLASS_DMA) u->numbered[r->unit] = true;
    if ((st = field_u64(c, 3, "the issue cycle", &issue, d))) return st;
    if (c->nfields < 5) return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected the start cycle");
    if ((st = field_u64(c, 4, "the start cycle", &r->start, d))) return st;
    if (c->nfields < 6) return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected the end cycle");
    if ((st = field_u64(c, 5, "the end cycle", &r->end, d))) return st;
    if (c->nfields > 6) /* a trailing comma is pointed at, an extra field at its start */
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->field[6][0] ? c->col[6] : c->col[6] - 1,
                           "expected the end of the row after 6 fields");
    if (r->start < issue)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[4], "start cycle %llu is before issue cycle %llu",
                           (unsigned long long)r->start, (unsigned long long)issue);
    if (r->end < r->start)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[5], "end cycle %llu is before start cycle %llu",
                           (unsigned long long)r->end, (unsigned long long)r->start);
    (void)index;
    return LP_OK;
}

/* Parse the trace; rows in *out (malloc'd), their number in *n. */
static lp_status read_trace(const char *path, units *u, row **out, size_t *n, lp_diag *d)
{
    static const char header[] = LP_SIM_TRACE_HEADER;
    FILE *f = fopen(path, "rb");
    lp_diag_init(d, path);
    if (!f) return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot read: %s", strerror(errno));
    lp_csv c;
    size_t cap = 0, count = 0;
    row *rows = NULL;
    lp_status st = LP_OK;
    lp_csv_init(&c, f, path, 4096);
    if (!lp_csv_next(&c, d)) {
        st =
            d->status ? d->status : lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty trace: expected the header '%s'", header);
    } else if (strcmp(c.buf, header)) {
        size_t k = 0;
        while (c.buf[k] && c.buf[k] == header[k]) k++;
        st = lp_diag_set(d, LP_ERR_PARSE, 1, (int)k + 1, "expected the header '%s'", header);
    }
    for (int s = 0; s < 3 && !st; s++) unit_index(u, standard_units[s]);
    u->numbered[0] = true; /* the dma unit's engines */
    while (!st && lp_csv_next(&c, d)) {
        if (!c.len) continue; /* a blank line, e.g. at the end */
        if (count == cap) {
            cap = cap ? 2 * cap : 256;
            row *g = realloc(rows, cap * sizeof *rows);
            if (!g) {
                st = lp_diag_set(d, LP_ERR_NOMEM, c.line, 1, "out of memory");
                break;
            }
            rows = g;
        }
        memset(&rows[count], 0, sizeof rows[count]);
        st = read_row(&c, u, &rows[count], d);
        count += !st;
    }
    if (!st) st = d->status;
    lp_csv_free(&c);
    fclose(f);
    if (st) {
        free(rows);
        return st;
    }
    *out = rows, *n = count;
    return LP_OK;
}

static int by_start(const void *x, const void *y)
{
    const row *a = *(const row *const *)x, *b = *(const row *const *)y;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a < b ? -1 : a > b; /* stable: trace order */
}

/* A unit's rows, taken in order of start, go to the first of its lanes free
** by then: as many lanes as instructions overlap at most (interval colouring).
** Returns the number of lanes (at least one), or -1 out of memory. */
static int assign_lanes(row *rows, size_t n, int unit)
{
    uint64_t lane_end[MAX_LANES] = {0};
    int lanes = 1;
    size_t m = 0;
    row **mine = malloc((n ? n : 1) * sizeof *mine);
    if (!mine) return -1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].unit == unit) mine[m++] = &rows[i];
    qsort(mine, m, sizeof *mine, by_start);
    for (size_t i = 0; i < m; i++) {
        int k = 0;
        while (k < lanes && lane_end[k] > mine[i]->start) k++;
        if (k == lanes) {
            if (lanes == MAX_LANES)
                k = lanes - 1; /* more than 64 overlapping: they share the last lane */
            else
                lane_end[lanes++] = 0;
        }
        mine[i]->lane = k;
        if (mine[i]->end > lane_end[k]) lane_end[k] = mine[i]->end;
    }
    free(mine);
    return lanes;
}

/* The label of lane k of unit i: "dma 1", or the unit's name. */
static void lane_label(const units *u, int i, int k, char *buf, size_t n)
{
    if (u->numbered[i])
        snprintf(buf, n, "%s %d", u->name[i], k);
    else
        snprintf(buf, n, "%s", u->name[i]);
}

/* The script and data of the picture; the y position of a lane counts from
** the top (the first unit's first lane). */
static lp_status draw(const row *rows, size_t n, const units *u, uint64_t last, const char *outpath, bool svg,
                      const char *title, lp_diag *d)
{
    lp_plot pl;
    const char *data;
    int first[MAX_UNITS], nlanes = 0;
    for (int i = 0; i < u->n; i++) first[i] = nlanes, nlanes += u->lanes[i];
    if (lp_plot_open(&pl, d)) return d->status;
    FILE *df = lp_plot_data(&pl, &data, d);
    if (!df) {
        lp_plot_discard(&pl);
        return d->status;
    }
    for (size_t i = 0; i < n; i++) /* start end y colour */
        fprintf(df, "%llu %llu %d %u\n", (unsigned long long)rows[i].start, (unsigned long long)rows[i].end,
                nlanes - 1 - (first[rows[i].unit] + rows[i].lane),
                colors[rows[i].unit % (int)(sizeof colors / sizeof colors[0])]);
    if (fclose(df)) {
        lp_plot_discard(&pl);
        return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot write a temporary file");
    }
    FILE *gp = pl.script;
    fprintf(gp, "set terminal %s size 1200,%d\nset output ", svg ? "svg dynamic" : "pngcairo", 160 + 50 * nlanes);
    lp_plot_quote(gp, outpath);
    fprintf(gp, "\nset title ");
    lp_plot_quote(gp, title);
    fprintf(gp, " noenhanced\nset xlabel 'cycle'\nset xrange [0:%llu]\nset yrange [-0.7:%d.7]\nset ytics (",
            (unsigned long long)last, nlanes - 1);
    for (int i = 0; i < u->n; i++)
        for (int k = 0; k < u->lanes[i]; k++) {
            char label[48];
            lane_label(u, i, k, label, sizeof label);
            fprintf(gp, "%s", first[i] + k ? ", " : "");
            lp_plot_quote(gp, label);
            fprintf(gp, " %d", nlanes - 1 - (first[i] + k));
        }
    fprintf(gp, ")\nset grid xtics\nunset key\nset style fill solid 0.8 border rgb '#333333'\nplot ");
    lp_plot_quote(gp, data);
    fprintf(gp, " using (($1+$2)/2):3:(($2-$1)/2):(0.35):4 with boxxyerror lc rgb variable\n");
    return lp_plot_run(&pl, outpath, d);
}

/* --out and --title: the picture's name ends in .png or .svg; neither may
** hold quotes, backslashes or line breaks. */
static lp_status check_names(const cli_args *a, const char **outpath, const char **title, bool *svg, lp_diag *d)
{
    *outpath = cli_get(&timeline_cmd, a, "out"), *title = cli_get(&timeline_cmd, a, "title");
    if (!*outpath)
        return cli_value_error(&timeline_cmd, a, NULL, 0, d, "'lpsim timeline' needs --out OUT.png or --out OUT.svg");
    size_t ol = strlen(*outpath);
    *svg = ol > 4 && !strcmp(*outpath + ol - 4, ".svg");
    if (!*svg && !(ol > 4 && !strcmp(*outpath + ol - 4, ".png")))
        return cli_value_error(&timeline_cmd, a, "out", 0, d, "the picture must end in .png or .svg");
    if (strpbrk(*outpath, "\"\\\n\r"))
        return cli_value_error(&timeline_cmd, a, "out", 0, d,
                               "the picture's name may not hold quotes, backslashes or newlines");
    if (!*title) *title = strpbrk(a->pos[0], "\"\\\n\r") ? "trace" : a->pos[0];
    if (strpbrk(*title, "\"\\\n\r"))
        return cli_value_error(&timeline_cmd, a, "title", 0, d,
                               "the title may not hold quotes, backslashes or newlines");
    return LP_OK;
}

int cmd_timeline(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    const char *outpath, *title;
    bool svg = false;
    if (cli_parse(&timeline_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&timeline_cmd, stdout);
        return 0;
    }
    if (check_names(&a, &outpath, &title, &svg, &d)) return cli_fail(&d);
    row *rows = NULL;
    size_t n = 0;
    units u = {0};
    if (read_trace(a.pos[0], &u, &rows, &n, &d)) return cli_fail(&d);
    FILE *probe = fopen(outpath, "ab"); /* can the picture be written? (gnuplot would go on without it) */
    if (!probe) {
        free(rows);
        lp_diag_init(&d, outpath);
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write: %s", strerror(errno));
        return cli_fail(&d);
    }
    fclose(probe);
    uint64_t last = 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].end > last) last = rows[i].end;
    for (int i = 0; i < u.n; i++)
        if ((u.lanes[i] = assign_lanes(rows, n, i)) < 0) {
            free(rows);
            lp_diag_set(&d, LP_ERR_NOMEM, 1, 1, "out of memory");
            return cli_fail(&d);
        }
    lp_status st = draw(rows, n, &u, last, outpath, svg, title, &d);
    free(rows);
    if (st) return cli_fail(&d);
    printf("timeline: %zu instructions, %llu cycles, lanes:", n, (unsigned long long)last);
    for (int i = 0; i < u.n; i++)
        for (int k = 0; k < u.lanes[i]; k++) {
            char label[48];
            lane_label(&u, i, k, label, sizeof label);
            printf(" %s%s", label, i + 1 == u.n && k + 1 == u.lanes[i] ? "" : ",");
        }
    printf(" -> %s\n", outpath);
    return 0;
}
