/*
** cmd_timeline.c — `lpsim timeline`: draw the per-instruction trace that
** `lpsim exec --trace` writes as a timeline (one lane per unit, DMA
** instructions spread over as many lanes as overlap), rendered by gnuplot
** to PNG or SVG. The CSV is checked row by row: a bad row is reported as
** FILE:LINE:COL and nothing is drawn (exit status 2).
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "lp_file.h"
#include "system.h"

static const cli_opt timeline_opts[] = {
    {"out", "OUT.png|OUT.svg", "the picture to write (the extension picks the format)"},
    {"title", "TEXT", "title over the plot (default: the trace's file name)"},
};
static const cli_cmd timeline_cmd = {
    "timeline",
    "TRACE.csv --out OUT.png|OUT.svg [--title TEXT]",
    "Draws a trace written by `lpsim exec --trace` as a timeline: cycles across, one lane\n"
    "per unit (DMA instructions on as many lanes as overlap in time), each instruction a bar\n"
    "from its start to its end cycle, rendered with gnuplot. Prints the lanes it used.",
    timeline_opts,
    CLI_NOPTS(timeline_opts),
    1,
    1};

enum { UNIT_DMA = LP_SIM_DMA, UNIT_MATRIX = LP_SIM_MATRIX, UNIT_VECTOR = LP_SIM_VECTOR, UNIT_COUNT = LP_SIM_NUNITS };
static const char *const unit_colors[UNIT_COUNT] = {"#4477aa", "#cc6677", "#228833"};
#define MAX_DMA_LANES 64

typedef struct row {
    uint64_t start, end;
    int unit, lane;
    char insn[24];
} row;

/* A decimal field of at most 19 digits at s[*pos], up to the next comma or
** the end; *pos moves past it (and its comma). */
static lp_status field_u64(const char *s, size_t len, size_t *pos, int line, const char *what, uint64_t *out,
                           lp_diag *d)
{
    size_t p = *pos, n = 0;
    uint64_t v = 0;
    while (p + n < len && s[p + n] >= '0' && s[p + n] <= '9' && n < 19) v = v * 10 + (uint64_t)(s[p + n++] - '0');
    if (!n || (p + n < len && s[p + n] != ','))
        return lp_diag_set(d, LP_ERR_PARSE, line, (int)(p + n) + 1, "expected %s (a whole number of at most 19 digits)",
                           what);
    *pos = p + n + (p + n < len);
    *out = v;
    return LP_OK;
}

/* Parse the trace; rows in *out (malloc'd), their number in *n. */
static lp_status read_trace(const char *path, row **out, size_t *n, lp_diag *d)
{
    static const char header[] = LP_SIM_TRACE_HEADER;
    lp_diag why;
    char *src;
    size_t len;
    lp_diag_init(d, path);
    if (lp_read_file(path, UINT64_C(1) << 32, &src, &len, &why))
        return lp_diag_set(d, LP_ERR_IO, 1, 1, "cannot read: %s", why.msg);
    size_t cap = 0, count = 0;
    row *rows = NULL;
    lp_status st = LP_OK;
    int line = 0;
    for (size_t at = 0; at < len && !st;) {
        const char *s = src + at;
        size_t l = 0;
        while (at + l < len && src[at + l] != '\n') l++;
        at += l + 1;
        line++;
        if (l && s[l - 1] == '\r') l--;
        if (line == 1) {
            size_t k = 0;
            while (k < l && k < sizeof header - 1 && s[k] == header[k]) k++;
            if (k != sizeof header - 1 || l != k)
                st = lp_diag_set(d, LP_ERR_PARSE, 1, (int)k + 1, "expected the header '%s'", header);
            continue;
        }
        if (!l && at >= len) break; /* the final newline */
        size_t p = 0;
        uint64_t index = 0, issue = 0, start = 0, end = 0;
        if ((st = field_u64(s, l, &p, line, "the instruction index", &index, d))) break;
        size_t q = p;
        while (q < l && q - p < sizeof rows->insn - 1 &&
               ((s[q] >= 'A' && s[q] <= 'Z') || s[q] == '_' || (s[q] >= '0' && s[q] <= '9')))
            q++;
        if (q == p || q >= l || s[q] != ',') {
            st = lp_diag_set(d, LP_ERR_PARSE, line, (int)q + 1, "expected an instruction mnemonic");
            break;
        }
        row r = {0};
        memcpy(r.insn, s + p, q - p);
        p = q + 1;
        r.unit = -1;
        for (int u = 0; u < UNIT_COUNT; u++) {
            size_t un = strlen(lp_sim_unit_names[u]);
            if (p + un < l && !memcmp(s + p, lp_sim_unit_names[u], un) && s[p + un] == ',') r.unit = u, q = p + un + 1;
        }
        if (r.unit < 0) {
            st = lp_diag_set(d, LP_ERR_PARSE, line, (int)p + 1, "expected a unit: dma, matrix or vector");
            break;
        }
        p = q;
        size_t at_start = 0, at_end = 0;
        if ((st = field_u64(s, l, &p, line, "the issue cycle", &issue, d))) break;
        at_start = p;
        if ((st = field_u64(s, l, &p, line, "the start cycle", &start, d))) break;
        at_end = p;
        if ((st = field_u64(s, l, &p, line, "the end cycle", &end, d))) break;
        if (p < l || s[l - 1] == ',') { /* l > 0 here: the row held six fields */
            st = lp_diag_set(d, LP_ERR_PARSE, line, (int)(p < l ? p + 1 : l),
                             "expected the end of the row after 6 fields");
            break;
        }
        if (start < issue) {
            st = lp_diag_set(d, LP_ERR_PARSE, line, (int)at_start + 1, "start cycle %llu is before issue cycle %llu",
                             (unsigned long long)start, (unsigned long long)issue);
            break;
        }
        if (end < start) {
            st = lp_diag_set(d, LP_ERR_PARSE, line, (int)at_end + 1, "end cycle %llu is before start cycle %llu",
                             (unsigned long long)end, (unsigned long long)start);
            break;
        }
        (void)index;
        r.start = start, r.end = end;
        if (count == cap) {
            cap = cap ? 2 * cap : 256;
            row *g = realloc(rows, cap * sizeof *rows);
            if (!g) {
                st = lp_diag_set(d, LP_ERR_NOMEM, line, 1, "out of memory");
                break;
            }
            rows = g;
        }
        rows[count++] = r;
    }
    if (!st && line == 0) st = lp_diag_set(d, LP_ERR_PARSE, 1, 1, "empty trace: expected the header '%s'", header);
    free(src);
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

/* DMA rows, taken in order of start, go to the first lane free by then: as
** many lanes as instructions overlap at most (interval colouring). Returns
** the number of DMA lanes (at least one), or -1 out of memory. */
static int assign_lanes(row *rows, size_t n)
{
    uint64_t lane_end[MAX_DMA_LANES];
    int lanes = 1;
    lane_end[0] = 0;
    size_t m = 0;
    row **dma = malloc((n ? n : 1) * sizeof *dma);
    if (!dma) return -1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].unit == UNIT_DMA) dma[m++] = &rows[i];
    qsort(dma, m, sizeof *dma, by_start);
    for (size_t i = 0; i < m; i++) {
        int k = 0;
        while (k < lanes && lane_end[k] > dma[i]->start) k++;
        if (k == lanes) {
            if (lanes == MAX_DMA_LANES)
                k = lanes - 1; /* more than 64 overlapping: they share the last lane */
            else
                lane_end[lanes++] = 0;
        }
        dma[i]->lane = k;
        if (dma[i]->end > lane_end[k]) lane_end[k] = dma[i]->end;
    }
    free(dma);
    return lanes;
}

int cmd_timeline(int argc, char **argv, int first)
{
    cli_args a;
    lp_diag d;
    if (cli_parse(&timeline_cmd, argc, argv, first, &a, &d)) return cli_fail(&d);
    if (a.help) {
        cli_print_help(&timeline_cmd, stdout);
        return 0;
    }
    const char *outpath = cli_get(&timeline_cmd, &a, "out"), *title = cli_get(&timeline_cmd, &a, "title");
    if (!outpath) {
        cli_value_error(&timeline_cmd, &a, NULL, 0, &d, "'lpsim timeline' needs --out OUT.png or --out OUT.svg");
        return cli_fail(&d);
    }
    size_t ol = strlen(outpath);
    bool svg = ol > 4 && !strcmp(outpath + ol - 4, ".svg");
    if (!svg && !(ol > 4 && !strcmp(outpath + ol - 4, ".png"))) {
        cli_value_error(&timeline_cmd, &a, "out", 0, &d, "the picture must end in .png or .svg");
        return cli_fail(&d);
    }
    if (strpbrk(outpath, "\"\\\n")) { /* it goes into a gnuplot string */
        cli_value_error(&timeline_cmd, &a, "out", 0, &d,
                        "the picture's name may not hold quotes, backslashes or newlines");
        return cli_fail(&d);
    }
    if (!title) title = strpbrk(a.pos[0], "\"\\\n") ? "trace" : a.pos[0];
    if (strpbrk(title, "\"\\\n")) {
        cli_value_error(&timeline_cmd, &a, "title", 0, &d, "the title may not hold quotes, backslashes or newlines");
        return cli_fail(&d);
    }
    row *rows = NULL;
    size_t n = 0;
    if (read_trace(a.pos[0], &rows, &n, &d)) return cli_fail(&d);
    FILE *probe = fopen(outpath, "ab"); /* can the picture be written? (gnuplot would go on without it) */
    if (!probe) {
        free(rows);
        lp_diag_init(&d, outpath);
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot write: %s", strerror(errno));
        return cli_fail(&d);
    }
    fclose(probe);
    int dma_lanes = assign_lanes(rows, n);
    if (dma_lanes < 0) {
        free(rows);
        lp_diag_set(&d, LP_ERR_NOMEM, 1, 1, "out of memory");
        return cli_fail(&d);
    }
    uint64_t last = 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].end > last) last = rows[i].end;

    /* the bars, one per instruction, in a temporary file gnuplot reads */
    char data[] = "/tmp/lpsim_timeline_XXXXXX";
    int fd = mkstemp(data);
    FILE *df = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!df) {
        lp_diag_init(&d, data);
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot create a temporary file: %s", strerror(errno));
        free(rows);
        return cli_fail(&d);
    }
    int nlanes = dma_lanes + 2; /* lanes from the top: dma 0.., matrix, vector */
    for (size_t i = 0; i < n; i++) {
        int lane = rows[i].unit == UNIT_DMA ? rows[i].lane : dma_lanes + rows[i].unit - 1;
        double y = nlanes - 1 - lane;
        fprintf(df, "%llu %llu %.1f %d %s\n", (unsigned long long)rows[i].start, (unsigned long long)rows[i].end, y,
                rows[i].unit, rows[i].insn);
    }
    fclose(df);

    FILE *gp = popen("gnuplot >/dev/null", "w"); /* nothing of it on our stdout */
    if (!gp) {
        unlink(data);
        free(rows);
        lp_diag_init(&d, "gnuplot");
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "cannot start gnuplot: %s", strerror(errno));
        return cli_fail(&d);
    }
    fprintf(gp, "set terminal %s size 1200,%d\n", svg ? "svg dynamic" : "pngcairo", 160 + 50 * nlanes);
    fprintf(gp, "set output \"%s\"\n", outpath);
    fprintf(gp, "set title \"%s\" noenhanced\n", title);
    fprintf(gp, "set xlabel \"cycle\"\nset xrange [0:%llu]\nset yrange [-0.7:%d.7]\n", (unsigned long long)last,
            nlanes - 1);
    fprintf(gp, "set ytics (");
    for (int k = 0; k < nlanes; k++) {
        char name[32];
        if (k < dma_lanes)
            snprintf(name, sizeof name, "dma %d", k);
        else
            snprintf(name, sizeof name, "%s", lp_sim_unit_names[k - dma_lanes + 1]);
        fprintf(gp, "%s\"%s\" %d", k ? ", " : "", name, nlanes - 1 - k);
    }
    fprintf(gp, ")\nset grid xtics\nunset key\nset style fill solid 0.8 border rgb \"#333333\"\n");
    fprintf(gp, "color(u) = u == 0 ? 0x%s : (u == 1 ? 0x%s : 0x%s)\n", unit_colors[0] + 1, unit_colors[1] + 1,
            unit_colors[2] + 1);
    fprintf(gp, "plot \"%s\" using (($1+$2)/2):3:(($2-$1)/2):(0.35):(color($4)) with boxxyerror lc rgb variable\n",
            data);
    int rc = pclose(gp);
    unlink(data);
    if (rc != 0) {
        unlink(outpath); /* no half-drawn picture */
        free(rows);
        lp_diag_init(&d, outpath);
        lp_diag_set(&d, LP_ERR_IO, 1, 1, "gnuplot could not draw the timeline (status %d)", rc);
        return cli_fail(&d);
    }
    printf("timeline: %zu instructions, %llu cycles, lanes:", n, (unsigned long long)last);
    for (int k = 0; k < dma_lanes; k++) printf(" dma %d,", k);
    printf(" matrix, vector -> %s\n", outpath);
    free(rows);
    return 0;
}
