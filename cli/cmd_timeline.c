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
#include "lp_num.h"
#include "lp_file.h"
#include "plot.h"
#include "system.h"
#include "units.h"

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

#define MAX_UNITS (ARCH_MAX_UNITS + 3) /* a chip's units, and the standard lanes */
#define MAX_LANES 64
#define TIMELINE_MAX_LINE_BYTES 4096 /* a row: six fields, the longest 20 digits */
#define TIMELINE_MAX_ROWS (1 << 22)  /* 192 MiB of rows; exec traces at most 2^24 instructions */
static const char *const standard_units[] = {"dma", "matrix", "vector"};
/* The classes of instruction a unit of each standard section runs (as models/arch/arch.c declares the sections). */
static const unsigned standard_classes[] = {1u << UNIT_CLASS_DMA, 1u << UNIT_CLASS_MATRIX | 1u << UNIT_CLASS_PIM,
                                            1u << UNIT_CLASS_VECTOR};
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
    int cls[MAX_UNITS];  /* class of the instructions it ran, -1 before the first */
    int line[MAX_UNITS]; /* the line of that first one */
    int named;           /* units the trace names */
    int n;
    long core;     /* a multi-core trace's rows name their core ("core3.dma"): the one core drawn, -1 none */
    int core_line; /* the row that fixed it */
} units;

/* What the rows so far fix for the next: exec writes a row per instruction,
** in program order, and issues in order. */
typedef struct trace_order {
    bool any;
    uint64_t index, issue;
    int line;
} trace_order;

/* The unit's index, added on first sight; -1 when there are too many. */
static int unit_index(units *u, const char *name)
{
    for (int i = 0; i < u->n; i++)
        if (!strcmp(u->name[i], name)) return i;
    if (u->n == MAX_UNITS) return -1;
    snprintf(u->name[u->n], sizeof u->name[0], "%s", name);
    u->cls[u->n] = -1;
    return u->n++;
}

/* Field i a whole number of at most 19 digits, read by lp_num as every number
** a user writes is (decimal or 0x hex; no sign, no leading 0). Text that is no
** number is an error at its first bad byte; a number refused as written (a
** leading 0) or too large, at the field with the reason. */
static lp_status field_u64(const lp_csv *c, int i, const char *what, uint64_t *out, lp_diag *d)
{
    const char *s = c->field[i], *why = "not a whole number";
    size_t len = strlen(s);
    uint64_t v = 0;
    lp_status st = s[0] == '-' ? LP_ERR_PARSE : lp_parse_u64(s, len, &v, &why);
    if (st == LP_OK && v > 9999999999999999999u) st = LP_ERR_RANGE;
    if (st == LP_ERR_RANGE) why = "more than 19 digits";
    if (st && !strcmp(why, "not a whole number")) {
        bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        size_t n = hex ? 2 + strspn(s + 2, "0123456789abcdefABCDEF") : strspn(s, "0123456789");
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i] + (int)n,
                           "expected %s (a whole number of at most 19 digits)", what);
    }
    if (st)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[i],
                           "expected %s (a whole number of at most 19 digits), got '%.40s%s': %s", what, s,
                           len > 40 ? "..." : "", why);
    *out = v;
    return LP_OK;
}

/* The row's instruction (field 1) and unit (field 2): a known instruction that
** runs on a unit, on a unit that runs its class (a standard section's class, or
** the class of the unit's other instructions). */
static lp_status row_unit(const lp_csv *c, units *u, row *r, lp_diag *d)
{
    const char *m = c->field[1];
    size_t k = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
    if (!k || m[k] || k >= sizeof r->insn || c->nfields < 3)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[1] + (int)k, "expected an instruction mnemonic");
    int op = isa_lookup(m);
    if (op < 0) return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[1], "unknown instruction '%s'", m);
    unit_class cls = isa_get((isa_op)op)->cls;
    if (cls == UNIT_CLASS_CTRL)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[1], "%s runs on no unit; exec never traces it", m);
    snprintf(r->insn, sizeof r->insn, "%s", m);
    const char *un = c->field[2];
    /* "coreN.UNIT" in the trace of a program of several cores: one core is drawn */
    size_t cd = strncmp(un, "core", 4) ? 0 : strspn(un + 4, "0123456789");
    if (cd && cd <= 5 && un[4 + cd] == '.') {
        long core = strtol(un + 4, NULL, 10);
        if (u->core >= 0 && core != u->core)
            return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2],
                               "a row of core %ld after rows of core %ld (line %d): lpsim timeline draws one core; "
                               "keep its rows (grep -e '^index' -e ',core%ld\\.' TRACE.csv)",
                               core, u->core, u->core_line, u->core);
        if (u->core < 0 && u->named)
            return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2], "a row of core %ld after rows naming no core",
                               core);
        if (u->core < 0) u->core = core, u->core_line = c->line;
        un += 5 + cd;
    } else if (u->core >= 0) {
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2], "a row naming no core after rows of core %ld (line %d)",
                           u->core, u->core_line);
    }
    size_t ul = strspn(un, "abcdefghijklmnopqrstuvwxyz0123456789_");
    if (!(un[0] >= 'a' && un[0] <= 'z') || un[ul] || ul >= ARCH_UNIT_NAME_MAX || c->nfields < 4)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2],
                           "expected a unit name (a lower-case letter, then letters, digits or _)");
    int i = unit_index(u, un);
    if (i >= 0 && u->cls[i] < 0 && u->named == ARCH_MAX_UNITS) i = -1;
    if (i < 0)
        return lp_diag_set(d, LP_ERR_RANGE, c->line, c->col[2], "more than %d units (a chip has at most %d)",
                           ARCH_MAX_UNITS, ARCH_MAX_UNITS);
    if (i < 3 && !((standard_classes[i] >> cls) & 1))
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2],
                           "%s is a %s instruction; the %s unit runs no %s instructions", m, unit_class_name(cls), un,
                           unit_class_name(cls));
    if (u->cls[i] >= 0 && u->cls[i] != (int)cls)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[2],
                           "%s is a %s instruction; unit '%s' runs %s instructions (line %d)", m, unit_class_name(cls),
                           un, unit_class_name((unit_class)u->cls[i]), u->line[i]);
    if (u->cls[i] < 0) u->cls[i] = (int)cls, u->line[i] = c->line, u->named++;
    if (cls == UNIT_CLASS_DMA) u->numbered[i] = true;
    r->unit = i;
    return LP_OK;
}

/* Check and keep one row of the trace. */
static lp_status read_row(lp_csv *c, units *u, trace_order *o, row *r, lp_diag *d)
{
    uint64_t index = 0, issue = 0;
    lp_status st;
    if ((st = lp_csv_split(c, d)) || (st = field_u64(c, 0, "the instruction index", &index, d))) return st;
    if (c->nfields < 2)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected an instruction mnemonic");
    if (o->any && index == o->index)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, 1, "instruction %llu given twice (also on line %d)",
                           (unsigned long long)index, o->line);
    if (o->any && index < o->index)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, 1,
                           "instruction %llu after instruction %llu (line %d): rows are in program order",
                           (unsigned long long)index, (unsigned long long)o->index, o->line);
    if ((st = row_unit(c, u, r, d))) return st;
    if ((st = field_u64(c, 3, "the issue cycle", &issue, d))) return st;
    if (c->nfields < 5) return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected the start cycle");
    if ((st = field_u64(c, 4, "the start cycle", &r->start, d))) return st;
    if (c->nfields < 6) return lp_diag_set(d, LP_ERR_PARSE, c->line, (int)c->len + 1, "expected the end cycle");
    if ((st = field_u64(c, 5, "the end cycle", &r->end, d))) return st;
    if (c->nfields > 6) /* a trailing comma is pointed at, an extra field at its start */
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->field[6][0] ? c->col[6] : c->col[6] - 1,
                           "expected the end of the row after 6 fields");
    if (o->any && issue < o->issue)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[3],
                           "issue cycle %llu is before the previous instruction's, %llu (line %d): instructions "
                           "issue in order",
                           (unsigned long long)issue, (unsigned long long)o->issue, o->line);
    if (r->start < issue)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[4], "start cycle %llu is before issue cycle %llu",
                           (unsigned long long)r->start, (unsigned long long)issue);
    if (r->end < r->start)
        return lp_diag_set(d, LP_ERR_PARSE, c->line, c->col[5], "end cycle %llu is before start cycle %llu",
                           (unsigned long long)r->end, (unsigned long long)r->start);
    *o = (trace_order){true, index, issue, c->line};
    return LP_OK;
}

/* Parse the trace; rows in *out (malloc'd), their number in *n. A trace
** without rows is an error: there is nothing to draw. */
static lp_status read_trace(const char *path, units *u, row **out, size_t *n, lp_diag *d)
{
    static const char header[] = LP_SIM_TRACE_HEADER;
    FILE *f;
    uint64_t size;
    lp_diag why;
    lp_diag_init(d, path);
    if (lp_open_input(path, &f, &size, &why)) /* unplaced: the caller places it at the argument */
        return lp_diag_msg(d, why.status, "cannot read: %s", why.msg);
    lp_csv c;
    size_t cap = 0, count = 0;
    row *rows = NULL;
    trace_order order = {0};
    lp_status st = LP_OK;
    lp_csv_init(&c, f, path, TIMELINE_MAX_LINE_BYTES);
    if (!lp_csv_next(&c, d)) {
        st =
            d->status ? d->status : lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty trace: expected the header '%s'", header);
    } else if (strcmp(c.buf, header)) {
        size_t k = 0;
        while (c.buf[k] && c.buf[k] == header[k]) k++;
        st = lp_diag_set(d, LP_ERR_PARSE, 1, (int)k + 1, "expected the header '%s'", header);
    }
    for (int s = 0; s < 3 && !st; s++) unit_index(u, standard_units[s]);
    while (!st && lp_csv_next(&c, d)) {
        if (!c.len) continue; /* a blank line, e.g. at the end */
        if (count == TIMELINE_MAX_ROWS) {
            st = lp_diag_set(d, LP_ERR_RANGE, c.line, 1,
                             "the trace holds more than %d instructions, the most a timeline draws", TIMELINE_MAX_ROWS);
            break;
        }
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
        st = read_row(&c, u, &order, &rows[count], d);
        count += !st;
    }
    if (!st) st = d->status;
    if (!st && !count) st = lp_diag_set(d, LP_ERR_PARSE, c.line + 1, 1, "the trace holds no instructions");
    u->numbered[0] = true; /* the dma unit's engines, traced or not */
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
** the top (the first unit's first lane). On failure d holds the message
** without a position. */
static lp_status draw(const row *rows, size_t n, const units *u, uint64_t last, const char *outpath, bool svg,
                      const char *title, lp_diag *d)
{
    lp_plot pl;
    const char *data;
    int first[MAX_UNITS], nlanes = 0;
    for (int i = 0; i < u->n; i++) first[i] = nlanes, nlanes += u->lanes[i];
    if (lp_plot_open(&pl, svg ? ".svg" : ".png", d)) return d->status;
    FILE *df = lp_plot_data(&pl, &data, d);
    if (!df) {
        lp_plot_discard(&pl);
        return d->status;
    }
    for (size_t i = 0; i < n; i++) /* start end y colour */
        fprintf(df, "%llu %llu %d %u\n", (unsigned long long)rows[i].start, (unsigned long long)rows[i].end,
                nlanes - 1 - (first[rows[i].unit] + rows[i].lane),
                colors[rows[i].unit % (int)(sizeof colors / sizeof colors[0])]);
    if (ferror(df) | fclose(df)) {
        lp_plot_discard(&pl);
        return lp_diag_msg(d, LP_ERR_IO, "cannot write a temporary file");
    }
    FILE *gp = pl.script; /* the picture's path is lpsim's own; outpath never enters the script */
    fprintf(gp, "set terminal %s size 1200,%d\nset output ", svg ? "svg dynamic" : "pngcairo", 160 + 50 * nlanes);
    lp_plot_quote(gp, pl.picture_path);
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

/* --out and --title: the picture's name ends in .png or .svg and is not the
** trace (lp_out refuses to write over an input); a title given is printable UTF-8 (the default, the trace's file name,
** is drawn with '?' for what is not). Neither is ever interpreted: any quote,
** backquote or '$' is drawn as it is. */
static lp_status check_names(const cli_args *a, const char **outpath, const char **title, bool *svg, lp_diag *d)
{
    *outpath = cli_get(&timeline_cmd, a, "out"), *title = cli_get(&timeline_cmd, a, "title");
    if (!*outpath)
        return cli_value_error(&timeline_cmd, a, NULL, -1, d, "'lpsim timeline' needs --out OUT.png or --out OUT.svg");
    size_t ol = strlen(*outpath);
    *svg = ol > 4 && !strcmp(*outpath + ol - 4, ".svg");
    if (!*svg && !(ol > 4 && !strcmp(*outpath + ol - 4, ".png")))
        return cli_value_error(&timeline_cmd, a, "out", 0, d, "the picture must end in .png or .svg");
    if (!*title) {
        *title = a->pos[0];
    } else {
        size_t ok = lp_plot_text_ok(*title);
        if ((*title)[ok]) {
            cli_value_error(&timeline_cmd, a, "title", 0, d,
                            "the title holds a control character or a byte that is not UTF-8 (byte 0x%02x)",
                            (unsigned char)(*title)[ok]);
            return lp_diag_at(d, NULL, 1, d->col + (int)ok);
        }
    }
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
    u.core = -1;
    if (read_trace(a.pos[0], &u, &rows, &n, &d)) return cli_fail_arg(&timeline_cmd, &a, NULL, 0, &d);
    uint64_t last = 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].end > last) last = rows[i].end;
    for (int i = 0; i < u.n; i++)
        if ((u.lanes[i] = assign_lanes(rows, n, i)) < 0) {
            free(rows);
            lp_diag_init(&d, a.pos[0]);
            lp_diag_set(&d, LP_ERR_NOMEM, 1, 1, "out of memory");
            return cli_fail(&d);
        }
    lp_diag why;
    lp_diag_init(&why, NULL);
    lp_status st = draw(rows, n, &u, last, outpath, svg, title, &why);
    free(rows);
    if (st) { /* about the picture: placed at --out */
        cli_value_error(&timeline_cmd, &a, "out", 0, &d, "%s", why.msg);
        return cli_fail(&d);
    }
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
