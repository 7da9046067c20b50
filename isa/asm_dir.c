/*
** asm_dir.c — the assembler's directives, dispatched from one table (which
** also gives the reference page its rows): constants, loops, buffer sizes for
** the tile checks, kernels and cores, and (in asm_data.c) buffers and their
** contents. A .for body is assembled again for each value of its variable, so
** the program is straight-line code; .kernel and .core in a body run on each
** pass like any directive.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "asm_int.h"

/* A well-formed name (ASCII letters, digits, _, not starting with a digit,
** at most ISA_NAME_MAX - 1 bytes) into name; else an error and false. */
static bool ident_name(as *a, const line *l, const arg *x, char *name)
{
    char q[ASM_QUOTE_BYTES];
    if (!x->len || !asm_is_ident_start((unsigned char)x->s[0]) || x->len >= ISA_NAME_MAX) {
        asm_err(a, l, x->col, "expected a name (ASCII letters, digits, _; at most %d characters), got '%s'",
                ISA_NAME_MAX - 1, asm_quote(x, q, sizeof q));
        return false;
    }
    for (size_t i = 0; i < x->len; i++)
        if (!asm_is_ident((unsigned char)x->s[i])) {
            asm_err(a, l, x->col + (int)i, "unexpected character %s in a name (ASCII letters, digits, _)",
                    asm_char_desc(x->s + i, x->len - i, q, sizeof q));
            return false;
        }
    asm_arg_str(x, name, ISA_NAME_MAX);
    return true;
}

bool asm_new_name(as *a, const line *l, const arg *x, char *name)
{
    if (!ident_name(a, l, x, name)) return false;
    if (asm_find_buffer(a, x->s, x->len) >= 0) {
        asm_err(a, l, x->col, "'%s' is already a buffer", name);
        return false;
    }
    if (asm_find_sym(a, x->s, x->len)) {
        asm_err(a, l, x->col, "'%s' is already a constant", name);
        return false;
    }
    if (isa_lookup(name) >= 0) {
        asm_err(a, l, x->col, "'%s' is an instruction name", name);
        return false;
    }
    return true;
}

int asm_find_close(as *a, int i, int to, const char *open, const char *close)
{
    int depth = 0;
    size_t ol = strlen(open), cl = strlen(close);
    for (int j = i + 1; j < to; j++) {
        const char *s = a->lines[j].s;
        size_t n = a->lines[j].len, k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (n - k >= cl && !strncasecmp(s + k, close, cl) && (n - k == cl || !asm_is_ident((unsigned char)s[k + cl]))) {
            if (depth-- == 0) return j;
        } else if (open[0] && n - k >= ol && !strncasecmp(s + k, open, ol) &&
                   (n - k == ol || !asm_is_ident((unsigned char)s[k + ol]))) {
            depth++;
        }
    }
    return -1;
}

bool asm_close_is_bare(as *a, int j, const char *close)
{
    const line *l = &a->lines[j];
    size_t k = 0, n = l->len;
    if (a->errored[j]) return false; /* reported once, not again on each pass of a loop */
    while (k < n && (l->s[k] == ' ' || l->s[k] == '\t')) k++;
    k += strlen(close);
    while (k < n && (l->s[k] == ' ' || l->s[k] == '\t' || l->s[k] == '\r')) k++;
    if (k == n || l->s[k] == ';' || l->s[k] == '#') return true;
    size_t e = k;
    while (e < n && l->s[e] != ';' && l->s[e] != '#') e++;
    while (e > k && (l->s[e - 1] == ' ' || l->s[e - 1] == '\t' || l->s[e - 1] == '\r')) e--;
    arg junk = {l->s + k, e - k, (int)k + 1};
    char q[ASM_QUOTE_BYTES];
    asm_err(a, l, junk.col, "unexpected '%s' after %s", asm_quote(&junk, q, sizeof q), close);
    return false;
}

/* What a directive's handler gets: the line, its name, its arguments. */
typedef struct dir_ctx {
    as *a;
    int i, to; /* the directive's line, and the end of the lines being assembled */
    const line *l;
    int col;
    arg name;
    arg *args;
    int n;
} dir_ctx;

static int dir_buffer(dir_ctx *c)
{
    asm_dir_buffer(c->a, c->l, c->col, c->args, c->n);
    return c->i;
}

static int dir_data(dir_ctx *c) { return asm_dir_contents(c->a, c->i, c->col, false, c->args, c->n); }
static int dir_expect(dir_ctx *c) { return asm_dir_contents(c->a, c->i, c->col, true, c->args, c->n); }

static int dir_equ(dir_ctx *c)
{
    char name[ISA_NAME_MAX];
    int64_t v;
    if (c->n != 2) {
        asm_err(c->a, c->l, c->col, ".equ takes a name and a value, got %d argument%s", c->n, c->n == 1 ? "" : "s");
        return c->i;
    }
    if (!asm_new_name(c->a, c->l, &c->args[0], name) || !asm_eval(c->a, c->l, &c->args[1], &v)) return c->i;
    if (!asm_add_sym(c->a, name, v, false)) asm_err(c->a, c->l, c->col, "too many constants");
    return c->i;
}

/* .spm BYTES and .acc BYTES */
static int dir_size(dir_ctx *c)
{
    int64_t v;
    if (c->n != 1) {
        asm_err(c->a, c->l, c->col, "%.*s takes one size in bytes", (int)c->name.len, c->name.s);
        return c->i;
    }
    if (!asm_eval_range(c->a, c->l, &c->args[0], 1, (int64_t)ASM_DEFAULT_SPACE, "the size", &v)) return c->i;
    if (asm_arg_is(&c->name, ".spm"))
        c->a->spm_bytes = (uint64_t)v;
    else
        c->a->acc_bytes = (uint64_t)v;
    return c->i;
}

/* .kernel NAME: a name by the rules of buffer names, in a namespace of its
** own (a kernel may share its name with a buffer, a constant or another
** kernel: a layer has several kernels per operation). */
static int dir_kernel(dir_ctx *c)
{
    as *a = c->a;
    char name[ISA_NAME_MAX], q[ASM_QUOTE_BYTES];
    if (c->n != 1) {
        if (c->n == 0)
            asm_err(a, c->l, c->col, ".kernel takes a name");
        else
            asm_err(a, c->l, c->args[1].col, ".kernel takes one name, got %d arguments", c->n);
        return c->i;
    }
    const arg *x = &c->args[0];
    size_t w = 0;
    while (w < x->len && asm_is_ident((unsigned char)x->s[w])) w++;
    if (w && w < x->len && (x->s[w] == ' ' || x->s[w] == '\t')) { /* a name, then something else */
        arg junk = {x->s + w, x->len - w, x->col + (int)w};
        asm_trim(&junk);
        asm_err(a, c->l, junk.col, "unexpected '%s' after the kernel name", asm_quote(&junk, q, sizeof q));
        return c->i;
    }
    if (!ident_name(a, c->l, x, name)) return c->i;
    if (isa_lookup(name) >= 0) {
        asm_err(a, c->l, x->col, "'%s' is an instruction name", name);
        return c->i;
    }
    lp_status st = isa_prog_begin_kernel(a->p, name);
    if (st == LP_ERR_RANGE)
        asm_err(a, c->l, c->col, "more than %u kernels", ISA_MAX_KERNELS);
    else if (st)
        a->stop = a->nomem = true;
    return c->i;
}

/* .core N: the instructions that follow run on core N of the current kernel. */
static int dir_core(dir_ctx *c)
{
    as *a = c->a;
    int64_t v;
    if (c->n != 1) {
        if (c->n == 0)
            asm_err(a, c->l, c->col, ".core takes a core number");
        else
            asm_err(a, c->l, c->args[1].col, ".core takes one core number, got %d arguments", c->n);
        return c->i;
    }
    if (!asm_eval_range(a, c->l, &c->args[0], 0, ISA_MAX_CORES - 1, "a core", &v)) return c->i;
    lp_status st = isa_prog_begin_core(a->p, (uint32_t)v);
    if (st == LP_ERR_ARG) { /* the core's section in this kernel holds instructions: say from where */
        const isa_prog *p = a->p;
        const isa_kernel *k = &p->kernels[p->nkernels - 1];
        uint32_t from = 0;
        for (uint32_t i = k->first_sec; i < k->first_sec + k->nsecs; i++)
            if (p->secs[i].core == (uint32_t)v && p->secs[i].count && p->secs[i].first < p->cap_src && p->src_line)
                from = p->src_line[p->secs[i].first];
        asm_err(a, c->l, c->args[0].col, "core %lld already has a section in kernel '%s' (from line %u)", (long long)v,
                k->name, from);
    } else if (st)
        a->stop = a->nomem = true;
    return c->i;
}

/* VAR = START from the first argument of .for; false after an error. */
static bool for_header(dir_ctx *c, char *name, arg *start)
{
    const arg *a0 = &c->args[0];
    const char *eq = memchr(a0->s, '=', a0->len);
    if (!eq) {
        asm_err(c->a, c->l, a0->col, "expected 'VAR = START'");
        return false;
    }
    arg var = {a0->s, (size_t)(eq - a0->s), a0->col};
    *start = (arg){eq + 1, a0->len - (size_t)(eq - a0->s) - 1, a0->col + (int)(eq - a0->s) + 1};
    asm_trim(&var);
    asm_trim(start);
    return asm_new_name(c->a, c->l, &var, name);
}

static int dir_for(dir_ctx *c)
{
    as *a = c->a;
    int close = asm_find_close(a, c->i, c->to, ".for", ".endfor");
    char name[ISA_NAME_MAX];
    arg start;
    int64_t v1, v2, v3 = 1;
    if (close < 0) {
        asm_err(a, c->l, c->col, "'.for' without '.endfor'");
        return c->to - 1;
    }
    if (!asm_close_is_bare(a, close, ".endfor")) return close;
    if (c->n < 2 || c->n > 3) {
        asm_err(a, c->l, c->col, ".for takes VAR = START, END [, STEP], got %d argument%s", c->n, c->n == 1 ? "" : "s");
        return close;
    }
    if (!for_header(c, name, &start)) return close;
    if (!asm_eval(a, c->l, &start, &v1) || !asm_eval(a, c->l, &c->args[1], &v2) ||
        (c->n == 3 && !asm_eval(a, c->l, &c->args[2], &v3)))
        return close;
    if (v3 <= 0) {
        asm_err(a, c->l, c->args[2].col, "the step must be positive, got %lld", (long long)v3);
        return close;
    }
    sym *sy;
    if (a->depth >= ASM_MAX_FOR_DEPTH || !(sy = asm_add_sym(a, name, v1, true))) {
        asm_err(a, c->l, c->col, ".for loops nest deeper than %d", ASM_MAX_FOR_DEPTH);
        return close;
    }
    a->depth++;
    for (int64_t it = v1; it < v2 && !a->stop;) {
        if (++a->work > a->max_work) {
            asm_err(a, c->l, c->col, "the .for loops expand past %llu lines and iterations",
                    (unsigned long long)a->max_work);
            a->stop = true;
            break;
        }
        sy->value = it;
        asm_run(a, c->i + 1, close);
        if (__builtin_add_overflow(it, v3, &it)) break; /* the next value would pass any END */
    }
    a->depth--;
    asm_drop_sym(a);
    return close;
}

static int dir_endfor(dir_ctx *c)
{
    asm_err(c->a, c->l, c->col, "'.endfor' without '.for'");
    return c->i;
}

static int dir_enddata(dir_ctx *c)
{
    asm_err(c->a, c->l, c->col, "'.enddata' without inline '.data' or '.expect'");
    return c->i;
}

/* The directives.
**  name        arguments                                    meaning                           handler */
const asm_directive_info asm_directives[] = {
    {".buffer", "NAME, FORMAT, ROWS, COLS",
     "declare a DRAM buffer of ROWS x COLS elements (zero unless .data fills it)", dir_buffer},
    {".data", "NAME, hex \"FILE\" | bin \"FILE\" | inline",
     "initial contents: hex codes (whitespace-separated, # comments), raw little-endian elements, or hex lines up to "
     ".enddata",
     dir_data},
    {".expect", "NAME, hex \"FILE\" | bin \"FILE\" | inline [, bitexact | maxulp N | relerr X]",
     "expected contents of NAME after the run: bitexact (default) every code equal; maxulp N float elements at most "
     "N units in the last place apart, NaN only against NaN; relerr X normwise, abs(got - want) <= X * max "
     "abs(want) over the finite values, NaN only against NaN, an infinity only against itself",
     dir_expect},
    {".enddata", "", "end of inline contents", dir_enddata},
    {".equ", "NAME, EXPR", "a named integer constant", dir_equ},
    {".for", "VAR = START, END [, STEP]", "repeat the lines up to .endfor with VAR = START, START+STEP, ... < END",
     dir_for},
    {".endfor", "", "end of a .for body", dir_endfor},
    {".spm", "BYTES", "scratchpad size for the assembler's tile checks (default 16 MiB)", dir_size},
    {".acc", "BYTES", "accumulator-buffer size for the tile checks (default 16 MiB)", dir_size},
    {".kernel", "NAME",
     "begin a kernel (one operation; names may repeat); its instructions run on core 0 until a .core", dir_kernel},
    {".core", "N", "the instructions that follow run on core N (0..65535) of the current kernel, one section per core",
     dir_core},
};
const int asm_ndirectives = (int)(sizeof asm_directives / sizeof asm_directives[0]);

int asm_directive(as *a, int i, int to, const char *s, size_t len, int col)
{
    const line *l = &a->lines[i];
    size_t k = 1 + asm_word_len(s + 1, len - 1); /* non-ASCII letters too: reported whole */
    arg args[ASM_MAX_ARGS];
    dir_ctx c = {a, i, to, l, col, {s, k, col}, args, 0};
    c.n = asm_split_args(a, l, s + k, len - k, col + (int)k, args, ASM_MAX_ARGS);
    if (c.n < 0) return i;
    for (int d = 0; d < asm_ndirectives; d++)
        if (asm_arg_is(&c.name, asm_directives[d].name)) return asm_directives[d].handler(&c);
    char q[ASM_QUOTE_BYTES], list[200] = "";
    for (int d = 0; d < asm_ndirectives; d++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", d ? " " : "", asm_directives[d].name);
    }
    asm_err(a, l, col, "unknown directive '%s' (directives: %s)", asm_quote(&c.name, q, sizeof q), list);
    return i;
}
