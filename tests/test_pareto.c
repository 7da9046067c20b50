/*
** test_pareto.c — results/pareto.h: the front on hand-made points (ties in
** x and in y, duplicates, one point, all on the front, one above all, the
** maximise flags, NaN and infinities) and against a dumb O(n^2) reference
** on random points with many ties; the picture: a PNG and an SVG with their
** scripts beside them, which gnuplot run in that folder redraws byte for
** byte; hostile names and labels drawn literally and never run; the log-axis
** rule read off the script; the labels' subset; a bad name, a missing
** folder and a missing gnuplot leave nothing behind.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lp_rng.h"
#include "lp_test.h"
#include "pareto.h"
#include "plot.h"

/* ---- the front ------------------------------------------------------------------------------ */

/* The dumb reference: point i is on the front when no j dominates it. */
static bool ref_dominates(double xj, double yj, double xi, double yi, bool mx, bool my)
{
    if (isnan(xj) || isnan(yj)) return false;
    if (mx) xj = -xj, xi = -xi;
    if (my) yj = -yj, yi = -yi;
    return xj <= xi && yj <= yi && (xj < xi || yj < yi);
}

static void ref_front(const double *x, const double *y, size_t n, bool mx, bool my, bool *on)
{
    for (size_t i = 0; i < n; i++) {
        on[i] = !isnan(x[i]) && !isnan(y[i]);
        for (size_t j = 0; j < n && on[i]; j++)
            if (j != i && ref_dominates(x[j], y[j], x[i], y[i], mx, my)) on[i] = false;
    }
}

/* pareto_front on n points gives the marks in want (a string of 0 and 1). */
static void expect_front(const double *x, const double *y, size_t n, bool mx, bool my, const char *want)
{
    bool on[64];
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_FATAL(n <= 64 && strlen(want) == n);
    CU_ASSERT_EQUAL(pareto_front(x, y, n, mx, my, on, &d), LP_OK);
    char got[65];
    for (size_t i = 0; i < n; i++) got[i] = on[i] ? '1' : '0';
    got[n] = 0;
    if (strcmp(got, want)) fprintf(stderr, "\nfront (max x %d, max y %d): got %s, want %s\n", mx, my, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* and the reference agrees with the hand-made answer */
    ref_front(x, y, n, mx, my, on);
    for (size_t i = 0; i < n; i++) got[i] = on[i] ? '1' : '0';
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void test_front_small(void)
{
    bool on[1] = {true};
    lp_diag d;
    CU_ASSERT_EQUAL(pareto_front(NULL, NULL, 0, false, false, on, &d), LP_OK);
    CU_ASSERT_TRUE(on[0]); /* n = 0: nothing written */
    double x1[] = {3}, y1[] = {4};
    expect_front(x1, y1, 1, false, false, "1");
    expect_front(x1, y1, 1, true, true, "1");
}

static void test_front_ties(void)
{
    /* ties in x: only the smallest y of a run of equal x, and both copies of it */
    double x[] = {1, 1, 1, 2, 2, 0.5};
    double y[] = {5, 3, 3, 1, 1.5, 9};
    expect_front(x, y, 6, false, false, "011101");
    /* ties in y: only the smallest x of a run of equal y */
    double x2[] = {1, 3, 0, 2, 5};
    double y2[] = {2, 2, 5, 2, 1};
    expect_front(x2, y2, 5, false, false, "10101");
    /* equal y at a larger x after a gap: still dominated */
    double x3[] = {1, 2, 3};
    double y3[] = {4, 3, 3};
    expect_front(x3, y3, 3, false, false, "110");
}

static void test_front_duplicates(void)
{
    /* three copies of a front point are all on it; two copies of a dominated one are not */
    double x[] = {2, 2, 1, 2, 3, 3, 0};
    double y[] = {2, 2, 3, 2, 3, 3, 9};
    expect_front(x, y, 7, false, false, "1111001");
    /* every point the same */
    double xs[] = {7, 7, 7, 7}, ys[] = {1, 1, 1, 1};
    expect_front(xs, ys, 4, false, false, "1111");
    expect_front(xs, ys, 4, true, false, "1111");
    /* -0 and +0 are the same value */
    double xz[] = {0.0, -0.0}, yz[] = {1, 1};
    expect_front(xz, yz, 2, false, false, "11");
}

static void test_front_shapes(void)
{
    /* an anti-diagonal: every point on the front */
    double x[20], y[20];
    char all[21], none_but_first[21];
    for (int i = 0; i < 20; i++) x[i] = i, y[i] = 19 - i, all[i] = '1', none_but_first[i] = '0';
    all[20] = none_but_first[20] = 0;
    expect_front(x, y, 20, false, false, all);
    expect_front(x, y, 20, true, true, all);
    /* with both maximised, or neither reversed, one end only */
    char only_last[21];
    memcpy(only_last, none_but_first, 21);
    only_last[19] = '1';
    expect_front(x, y, 20, true, false, only_last);
    none_but_first[0] = '1';
    expect_front(x, y, 20, false, true, none_but_first);
    /* one point better than all others in both */
    double xd[] = {5, 4, 0, 3, 8, 6}, yd[] = {5, 7, 0, 9, 1, 2};
    expect_front(xd, yd, 6, false, false, "001000");
}

static void test_front_maximise(void)
{
    /*              a  b  c  d  e */
    double x[] = {1, 2, 3, 2, 1};
    double y[] = {1, 3, 2, 2, 3};
    expect_front(x, y, 5, false, false, "10000"); /* a: smallest in both */
    expect_front(x, y, 5, true, true, "01100");   /* b (2,3), c (3,2); d and e lose to b */
    expect_front(x, y, 5, true, false, "10100");  /* largest x, smallest y: c (3,2) and a (1,1); b and d lose to c */
    expect_front(x, y, 5, false, true, "00001");  /* smallest x, largest y: e (1,3) */
}

static void test_front_nan_inf(void)
{
    /* NaN points never on the front and dominate nothing: (NaN, -100) would beat all */
    double x[] = {NAN, 1, 2, NAN, 0};
    double y[] = {-100, 5, 4, NAN, NAN};
    expect_front(x, y, 5, false, false, "01100");
    expect_front(x, y, 5, true, true, "01100"); /* (2,4) and (1,5): neither beats the other */
    double xn[] = {NAN}, yn[] = {1};
    expect_front(xn, yn, 1, false, false, "0");
    /* infinities are numbers: -inf beats all, +inf loses to all, inf ties inf */
    double xi[] = {-INFINITY, 0, 1, INFINITY, INFINITY};
    double yi[] = {INFINITY, 3, 1, -INFINITY, -INFINITY};
    expect_front(xi, yi, 5, false, false, "11111");
    double xj[] = {INFINITY, 1, INFINITY}, yj[] = {INFINITY, INFINITY, 2};
    expect_front(xj, yj, 3, false, false, "011");
    expect_front(xj, yj, 3, true, true, "100");
    /* a lone infinite point is on the front */
    double xk[] = {INFINITY}, yk[] = {INFINITY};
    expect_front(xk, yk, 1, false, false, "1");
}

/* Random points with small integer coordinates (many ties and duplicates),
** some NaN and infinite, under each pair of flags, against the reference. */
static void test_front_random(void)
{
    enum { N = 3000 };
    static double x[N], y[N];
    static bool on[N], want[N];
    lp_diag d;
    lp_diag_init(&d, NULL);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        size_t n = seed == 4 ? 200 : N; /* a smaller set: a front of a few points among many ties */
        int range = seed == 1 ? 16 : seed == 2 ? 64 : seed == 3 ? 1000 : 3;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = lp_rng_u64(seed, i);
            x[i] = (double)(r % (uint64_t)range) - range / 2;
            y[i] = (double)((r >> 32) % (uint64_t)range) - range / 3;
            if ((r >> 60) == 0) x[i] = NAN;
            if ((r >> 60) == 1) y[i] = (r >> 59 & 1) ? INFINITY : -INFINITY;
            if ((r >> 58) == 9) x[i] = INFINITY;
        }
        for (int flags = 0; flags < 4; flags++) {
            bool mx = flags & 1, my = flags & 2;
            CU_ASSERT_EQUAL(pareto_front(x, y, n, mx, my, on, &d), LP_OK);
            ref_front(x, y, n, mx, my, want);
            size_t diff = 0, count = 0;
            for (size_t i = 0; i < n; i++) diff += on[i] != want[i], count += want[i];
            if (diff) fprintf(stderr, "\nseed %d flags %d: %zu of %zu marks differ\n", (int)seed, flags, diff, n);
            CU_ASSERT_EQUAL(diff, 0);
            CU_ASSERT(count > 0);
        }
    }
}

/* ---- the picture ---------------------------------------------------------------------------- */

/* A scratch folder, which TMPDIR names too, so that the plot's private
** folder is made there and can be seen to go. */
static char scratch_dir[64];
static char saved_tmpdir[512];

static void scratch(void)
{
    strcpy(scratch_dir, "/tmp/lpt_pareto_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(scratch_dir));
    const char *t = getenv("TMPDIR");
    snprintf(saved_tmpdir, sizeof saved_tmpdir, "%s", t ? t : "");
    setenv("TMPDIR", scratch_dir, 1);
}

static void remove_scratch(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    if (saved_tmpdir[0])
        setenv("TMPDIR", saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
}

/* The names in the scratch folder, sorted, joined by spaces. */
static void listing(char *buf, size_t n)
{
    struct dirent **names;
    int k = scandir(scratch_dir, &names, NULL, alphasort);
    buf[0] = 0;
    for (int i = 0; i < k; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            if (buf[0]) strncat(buf, " ", n - strlen(buf) - 1);
            strncat(buf, names[i]->d_name, n - strlen(buf) - 1);
        }
        free(names[i]);
    }
    if (k >= 0) free(names);
}

static char *path_in(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", scratch_dir, name);
    return p[k];
}

/* A whole file (malloc'd, NUL-terminated), or NULL; *len may be NULL. Plain
** stdio, not lpt_read_file: lp_read_file would record the file as an input
** of this process, and the next plot to the same path would be refused. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *b = malloc(cap + 1);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0)
        if ((n += r) == cap) b = realloc(b, (cap *= 2) + 1);
    fclose(f);
    if (!b) return NULL;
    b[n] = 0;
    if (len) *len = n;
    return b;
}

/* Run `gnuplot -d script` in the scratch folder, without a shell (the
** script's name may hold anything). Its exit status. */
static int gnuplot_in_scratch(const char *script)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (chdir(scratch_dir) || null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(126);
        execlp("gnuplot", "gnuplot", "-d", script, (char *)NULL);
        _exit(127);
    }
    int st = -1;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Points in one or two groups ("a", "b") with plain axis names, drawn at out. */
static pareto_plot_in plain_in(const double *x, const double *y, size_t n, const int *g, const bool *on, int ngroups,
                               const char *out)
{
    static const char *const gname[] = {"a", "b"};
    return (pareto_plot_in){.n = n,
                            .x = x,
                            .y = y,
                            .group = g,
                            .on_front = on,
                            .ngroups = ngroups,
                            .group_name = gname,
                            .x_name = "x",
                            .y_name = "y",
                            .out = out};
}

/* The test picture's points: 30 in three groups, x over two decades, y within one. */
enum { NP = 30 };
static double px[NP], py[NP];
static int pg[NP];
static bool pfront[NP];
static char plabel_buf[NP][40];
static const char *plabel[NP];
static const char *const pgroups[] = {"tensor core", "PIM", "FPGA"};

static pareto_plot_in sample_in(const char *out)
{
    for (int i = 0; i < NP; i++) {
        pg[i] = i % 3;
        px[i] = 10 * pow(10, 2.0 * i / (NP - 1));
        py[i] = 200 / sqrt(px[i] / 10) * (1 + (double)(lp_rng_u64(11, (uint64_t)i) % 100) / 100);
        snprintf(plabel_buf[i], sizeof plabel_buf[i], "design %d", i);
        plabel[i] = plabel_buf[i];
    }
    CU_ASSERT_EQUAL(pareto_front(px, py, NP, false, false, pfront, NULL), LP_OK);
    pareto_plot_in in = plain_in(px, py, NP, pg, pfront, 3, out);
    in.label = plabel, in.group_name = pgroups, in.title = "a test front";
    in.x_name = "latency (ns)", in.y_name = "energy (pJ)";
    return in;
}

/* The picture drawn, non-empty and of its kind, the script beside it names
** it by its base name, and gnuplot run on the script in the folder draws the
** same bytes again. */
static void expect_redraw(const char *name, const char *script_name, bool svg)
{
    size_t n = 0, n2 = 0;
    char *pic = slurp(path_in(name), &n), *gp = slurp(path_in(script_name), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pic);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT(n > 1000);
    if (svg) {
        CU_ASSERT_PTR_NOT_NULL(strstr(pic, "<svg"));
    } else {
        CU_ASSERT(n > 8 && !memcmp(pic, "\x89PNG\r\n\x1a\n", 8));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "$front1 << EOD\n"));
    CU_ASSERT_PTR_NULL(strstr(gp, "lpsim_plot_")); /* nothing of the private folder */
    CU_ASSERT_EQUAL(unlink(path_in(name)), 0);
    CU_ASSERT_EQUAL(gnuplot_in_scratch(script_name), 0);
    char *again = slurp(path_in(name), &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    CU_ASSERT(n == n2 && !memcmp(pic, again, n));
    free(pic), free(gp), free(again);
}

static void test_plot_png_svg_and_script(void)
{
    scratch();
    lp_diag d;
    lp_diag_init(&d, NULL);
    pareto_plot_in in = sample_in(path_in("front.png"));
    CU_ASSERT_EQUAL_FATAL(pareto_plot(&in, &d), LP_OK);
    char *gp = slurp(path_in("front.gp"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set terminal pngcairo"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "\nset output './front.png'\n"));
    free(gp);
    expect_redraw("front.png", "front.gp", false);
    /* an SVG, under a name with a quote, a space and a byte that is not UTF-8 */
    in.out = path_in("caf\xe9 'x'.svg");
    CU_ASSERT_EQUAL_FATAL(pareto_plot(&in, &d), LP_OK);
    gp = slurp(path_in("caf\xe9 'x'.gp"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set terminal svg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "\nset output './caf'.\"\\351\".' '.\"\\047\".'x'.\"\\047\".'.svg'\n"));
    free(gp);
    expect_redraw("caf\xe9 'x'.svg", "caf\xe9 'x'.gp", true);
    char names[512];
    listing(names, sizeof names); /* the two pictures, their scripts, and no private folder left */
    CU_ASSERT_STRING_EQUAL(names, "caf\xe9 'x'.gp caf\xe9 'x'.svg front.gp front.png");
    remove_scratch();
}

/* Names, labels, axes and title that a shell or gnuplot would interpret:
** the SVG shows them as they are (XML-escaped), and nothing they hold ran,
** neither when lpsim drew nor when the kept script drew again. */
static void test_plot_hostile_text(void)
{
    scratch();
    char touch1[128], touch2[128], touch3[128], label[400], gname[3][300];
    snprintf(touch1, sizeof touch1, "%s/ran1", scratch_dir);
    snprintf(touch2, sizeof touch2, "%s/ran2", scratch_dir);
    snprintf(touch3, sizeof touch3, "%s/ran3", scratch_dir);
    snprintf(gname[0], sizeof gname[0], "it's \"quoted\" `touch %s` <b>&amp;", touch1);
    snprintf(gname[1], sizeof gname[1], "back\\slash @x $y $(touch %s) %%s", touch2);
    snprintf(gname[2], sizeof gname[2], "bad \xff byte # not a comment");
    snprintf(label, sizeof label, "l'a\"b`touch %s`\\n @ARGV $0 #c", touch3);
    const char *names[3] = {gname[0], gname[1], gname[2]};
    pareto_plot_in in = sample_in(path_in("hostile.svg"));
    const char *labels[NP];
    for (int i = 0; i < NP; i++) labels[i] = label;
    in.label = labels;
    in.group_name = names;
    in.title = "title `touch /tmp/lpt_pareto_never` $HOME @macro";
    in.x_name = "x 'axis' \"(ns)\"";
    in.y_name = "y \\ axis (pJ)";
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL_FATAL(pareto_plot(&in, &d), LP_OK);
    char *svg = slurp(path_in("hostile.svg"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
    static const char *const shown[] = {
        "it's \"quoted\" `touch ",
        "` &lt;b>&amp;amp;", /* gnuplot's SVG escapes & and < only */
        "back\\slash @x $y $(touch ",
        "bad ? byte # not a comment",
        "l'a\"b`touch ",
        "`\\n @ARGV $0 #c",
        "title `touch /tmp/lpt_pareto_never` $HOME @macro",
        "x 'axis' \"(ns)\"",
        "y \\ axis (pJ)",
    };
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
        if (!strstr(svg, shown[k])) fprintf(stderr, "\nthe SVG does not show: %s\n", shown[k]);
        CU_ASSERT_PTR_NOT_NULL(strstr(svg, shown[k]));
    }
    free(svg);
    /* the kept script: the labels as data, escaped; it draws again and runs nothing either */
    char *gp = slurp(path_in("hostile.gp"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, " \"l\\0047a\\0042b\\0140touch "));
    CU_ASSERT_PTR_NULL(strstr(gp, "`touch")); /* no backquote of the user's anywhere */
    free(gp);
    expect_redraw("hostile.svg", "hostile.gp", true);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(touch1, &st), 0);
    CU_ASSERT_NOT_EQUAL(stat(touch2, &st), 0);
    CU_ASSERT_NOT_EQUAL(stat(touch3, &st), 0);
    CU_ASSERT_NOT_EQUAL(stat("/tmp/lpt_pareto_never", &st), 0);
    remove_scratch();
}

/* lp_plot_quote_data on its own: every special character an octal escape,
** what cannot be shown '?'. */
static void test_plot_quote_data(void)
{
    char buf[256] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    lp_plot_quote_data(f, "a'b\"c`d@e#f$g\\h\ni\xc3\xa9j\xffk");
    lp_plot_quote_data(f, "");
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "\"a\\0047b\\0042c\\0140d\\0100e\\0043f\\0044g\\0134h?i\xc3\xa9j?k\"\"\"");
}

/* Draw in (it must succeed) and return the script kept beside it (malloc'd). */
static char *draw_script(const pareto_plot_in *in, const char *script_name)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(pareto_plot(in, &d), LP_OK);
    char *gp = slurp(path_in(script_name), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    return gp;
}

/* Whether the script sets a log scale for each axis. */
static void axes_of(const double *x, const double *y, size_t n, bool *logx, bool *logy)
{
    scratch();
    int g[8] = {0};
    bool on[8];
    CU_ASSERT_EQUAL(pareto_front(x, y, n, false, false, on, NULL), LP_OK);
    pareto_plot_in in = plain_in(x, y, n, g, on, 1, path_in("axes.png"));
    char *gp = draw_script(&in, "axes.gp");
    *logx = strstr(gp, "\nset logscale x\n") != NULL;
    *logy = strstr(gp, "\nset logscale y\n") != NULL;
    free(gp);
    remove_scratch();
}

static void test_plot_log_axis_rule(void)
{
    bool lx, ly;
    double x1[] = {1, 5, 10}, y1[] = {30, 20, 3.1}; /* x a decade exactly; y under one */
    axes_of(x1, y1, 3, &lx, &ly);
    CU_ASSERT_TRUE(lx);
    CU_ASSERT_FALSE(ly);
    double x2[] = {1, 5, 9.99}, y2[] = {1000, 50, 1}; /* x just under a decade; y three */
    axes_of(x2, y2, 3, &lx, &ly);
    CU_ASSERT_FALSE(lx);
    CU_ASSERT_TRUE(ly);
    double x3[] = {0, 50, 100}, y3[] = {-1, 100, 1000}; /* a zero and a negative value: linear */
    axes_of(x3, y3, 3, &lx, &ly);
    CU_ASSERT_FALSE(lx);
    CU_ASSERT_FALSE(ly);
    double x4[] = {7}, y4[] = {7}; /* one point */
    axes_of(x4, y4, 1, &lx, &ly);
    CU_ASSERT_FALSE(lx);
    CU_ASSERT_FALSE(ly);
    /* a point that is not drawn (NaN, inf) does not count */
    double x5[] = {1, 2, NAN, INFINITY}, y5[] = {100, 1, 1e-9, 1};
    axes_of(x5, y5, 4, &lx, &ly);
    CU_ASSERT_FALSE(lx);
    CU_ASSERT_TRUE(ly);
}

/* The labels' datablock of a kept script: its lines, and the text of each. */
static int label_lines(const char *gp, char texts[][48], int max)
{
    const char *s = strstr(gp, "$labels1 << EOD\n");
    int n = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (s = strchr(s, '\n') + 1; strncmp(s, "EOD\n", 4); s = strchr(s, '\n') + 1) {
        const char *q = strchr(s, '"'), *e = q ? strchr(q + 1, '"') : NULL;
        CU_ASSERT_FATAL(q && e && e < strchr(s, '\n'));
        if (n < max) snprintf(texts[n], 48, "%.*s", (int)(e - q - 1), q + 1);
        n++;
    }
    return n;
}

static void test_plot_labels(void)
{
    /* 40 front points on an anti-diagonal, each twice (the copies share a label with "(+1)") */
    enum { M = 80 };
    double x[M], y[M];
    int g[M];
    bool on[M];
    char buf[M][16];
    const char *lab[M];
    for (int i = 0; i < M; i++) {
        x[i] = 1 + i / 2, y[i] = 100 - i / 2, g[i] = i % 2;
        snprintf(buf[i], sizeof buf[i], "p%d", i);
        lab[i] = buf[i];
    }
    CU_ASSERT_EQUAL(pareto_front(x, y, M, false, false, on, NULL), LP_OK);
    scratch();
    pareto_plot_in in = plain_in(x, y, M, g, on, 2, path_in("labels.png"));
    in.label = lab;
    char *gp = draw_script(&in, "labels.gp"), texts[PARETO_MAX_LABELS][48];
    int n = label_lines(gp, texts, PARETO_MAX_LABELS);
    CU_ASSERT(n >= 6 && n <= PARETO_MAX_LABELS);
    CU_ASSERT_STRING_EQUAL(texts[0], "p0 (+1)");      /* the two ends */
    CU_ASSERT_STRING_EQUAL(texts[n - 1], "p78 (+1)"); /* */
    char want[64];
    snprintf(want, sizeof want, "Pareto front: 80 of 80 points, %d labelled'", n);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, want));
    free(gp);
    /* a few front points: every one labelled, no count in the legend */
    in.n = 6;
    CU_ASSERT_EQUAL(pareto_front(x, y, 6, false, false, on, NULL), LP_OK);
    gp = draw_script(&in, "labels.gp");
    CU_ASSERT_EQUAL(label_lines(gp, texts, PARETO_MAX_LABELS), 3);
    CU_ASSERT_STRING_EQUAL(texts[1], "p2 (+1)");
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "Pareto front: 6 of 6 points'"));
    free(gp);
    remove_scratch();
}

/* A failed plot: the status, the message, and nothing left in the folder. */
static void expect_refused(pareto_plot_in *in, lp_status want, const char *msg)
{
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(pareto_plot(in, &d), want);
    if (!strstr(d.msg, msg)) fprintf(stderr, "\nmessage: %s\nwanted: %s\n", d.msg, msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, msg));
    char names[512];
    listing(names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, "");
}

static void test_plot_errors(void)
{
    scratch();
    pareto_plot_in in = sample_in(path_in("front.jpg"));
    expect_refused(&in, LP_ERR_ARG, "must end in .png or .svg");
    in.out = path_in("front.PNG");
    expect_refused(&in, LP_ERR_ARG, "must end in .png or .svg");
    in.out = path_in(".png");
    expect_refused(&in, LP_ERR_ARG, "must end in .png or .svg, after a name");
    char buf[8];
    CU_ASSERT_EQUAL(pareto_script_path("a/b.svg", buf, sizeof buf, NULL), LP_OK);
    CU_ASSERT_STRING_EQUAL(buf, "a/b.gp");
    CU_ASSERT_EQUAL(pareto_script_path("a/bc.svg", buf, 7, NULL), LP_ERR_ARG);
    /* a folder that does not exist, and a "folder" that is a file */
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no/such/front.png", scratch_dir);
    in.out = missing;
    expect_refused(&in, LP_ERR_IO, "/no/such/front.gp': cannot create");
    FILE *f = fopen(path_in("file"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    in.out = path_in("file/front.svg");
    lp_diag d;
    lp_diag_init(&d, NULL);
    CU_ASSERT_EQUAL(pareto_plot(&in, &d), LP_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "file/front.gp'"));
    char names[512];
    listing(names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, "file");
    unlink(path_in("file"));
    /* a folder no one may write in, root included (the tests run as root too) */
    in.out = "/proc/self/front.png";
    CU_ASSERT_EQUAL(pareto_plot(&in, &d), LP_ERR_IO);
    CU_ASSERT_NOT_EQUAL(access("/proc/self/front.gp", F_OK), 0);
    listing(names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, "");
    /* bad input: a group out of range, nothing to draw */
    in.out = path_in("front.png");
    pg[3] = 3;
    expect_refused(&in, LP_ERR_ARG, "point 3 is in group 3, not one of 0 to 2");
    pg[3] = 0;
    double nan2[2] = {NAN, INFINITY};
    in.n = 2, in.x = nan2;
    expect_refused(&in, LP_ERR_ARG, "no point to draw");
    /* gnuplot cannot run: nothing written either */
    in = sample_in(path_in("front.png"));
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", scratch_dir, 1);
    expect_refused(&in, LP_ERR_IO, "cannot run gnuplot");
    setenv("PATH", path, 1);
    free(path);
    remove_scratch();
}

/* Two panels stacked: an image twice as tall (the PNG's header), each panel
** its own datablocks and title, a script that redraws the same bytes. */
static void test_plot_panels(void)
{
    scratch();
    lp_diag d;
    lp_diag_init(&d, NULL);
    pareto_plot_in in[2];
    in[0] = sample_in(path_in("two.png"));
    in[1] = in[0];
    in[0].title = "prefill", in[1].title = "decode";
    in[1].n = NP / 2; /* its own points: half of them, its front computed for them */
    static bool half_front[NP];
    CU_ASSERT_EQUAL(pareto_front(px, py, NP / 2, false, false, half_front, NULL), LP_OK);
    in[1].on_front = half_front;
    CU_ASSERT_EQUAL_FATAL(pareto_plot_panels(in, 2, &d), LP_OK);
    size_t n = 0;
    unsigned char *pic = (unsigned char *)slurp(path_in("two.png"), &n);
    CU_ASSERT_FATAL(pic && n > 24);
    unsigned w = (unsigned)pic[16] << 24 | (unsigned)pic[17] << 16 | (unsigned)pic[18] << 8 | pic[19];
    unsigned h = (unsigned)pic[20] << 24 | (unsigned)pic[21] << 16 | (unsigned)pic[22] << 8 | pic[23];
    CU_ASSERT_EQUAL(h, 2 * 700);
    CU_ASSERT_EQUAL(w, 1100);
    free(pic);
    char *gp = slurp(path_in("two.gp"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set multiplot\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "$front2 << EOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set title 'decode'"));
    free(gp);
    expect_redraw("two.png", "two.gp", false);
    CU_ASSERT_EQUAL(pareto_plot_panels(in, 0, &d), LP_ERR_ARG);
    remove_scratch();
}

CU_TestInfo lpt_pareto_tests[] = {
    {"front/n0_and_one_point", test_front_small},
    {"front/ties_in_x_and_in_y", test_front_ties},
    {"front/duplicates_all_on_the_front", test_front_duplicates},
    {"front/anti_diagonal_and_one_above_all", test_front_shapes},
    {"front/maximise_flags", test_front_maximise},
    {"front/nan_never_on_inf_compares", test_front_nan_inf},
    {"front/random_against_quadratic_reference", test_front_random},
    {"plot/png_svg_and_script_that_redraws", test_plot_png_svg_and_script},
    {"plot/hostile_text_drawn_literally_never_run", test_plot_hostile_text},
    {"plot/quote_data_escapes", test_plot_quote_data},
    {"plot/log_axis_from_a_decade", test_plot_log_axis_rule},
    {"plot/labels_subset_and_duplicates", test_plot_labels},
    {"plot/errors_leave_nothing_behind", test_plot_errors},
    {"plot/panels_stacked_in_one_image", test_plot_panels},
    CU_TEST_INFO_NULL,
};
