/*
** asm.c — the assembler (see asm.h for the contract, docs/isa.md for the
** language): the source split into lines, the walk over them, instructions,
** and the diagnostics. Directives are asm_dir.c's and asm_data.c's, operands
** asm_operand.c's, expressions asm_expr.c's.
**
** Source is split into lines once; asm_run() walks a range of lines, so a
** .for loop re-runs its body with the loop variable bound, and the program is
** straight-line code. Each diagnostic is recorded once (a loop body repeats
** its errors otherwise); after max_errors the assembler stops. Every emitted
** instruction remembers its line and column, for the simulator's messages.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

/* ---- diagnostics --------------------------------------------------------------------- */

static const char *own_name(asm_diags *dg, const char *name)
{
    for (int i = 0; i < dg->nnames; i++)
        if (!strcmp(dg->names[i], name)) return dg->names[i];
    char **q = realloc(dg->names, sizeof *q * (size_t)(dg->nnames + 1));
    if (!q) return "<file>";
    dg->names = q;
    q[dg->nnames] = strdup(name);
    return q[dg->nnames] ? q[dg->nnames++] : "<file>";
}

static void verr_at(as *a, const char *file, int lineno, int col, const char *fmt, va_list ap)
{
    if (a->stop) return;
    lp_diag d;
    lp_diag_init(&d, file);
    int full = vsnprintf(d.msg, sizeof d.msg, fmt, ap);
    if (full >= (int)sizeof d.msg) { /* cut: end on a whole UTF-8 character */
        size_t n = sizeof d.msg - 1, k = n;
        while (k > 0 && ((unsigned char)d.msg[k - 1] & 0xc0) == 0x80) k--;
        if (k > 0 && (unsigned char)d.msg[k - 1] >= 0xc0) {
            unsigned char lead = (unsigned char)d.msg[k - 1];
            size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (n - (k - 1) < need) d.msg[k - 1] = 0;
        }
    }
    d.status = LP_ERR_PARSE;
    d.line = lineno;
    d.col = col < 1 ? 1 : col;
    asm_diags *dg = a->dg;
    for (int i = 0; i < dg->n; i++) /* once per place and message */
        if (dg->items[i].line == d.line && dg->items[i].col == d.col && !strcmp(dg->items[i].file, file) &&
            !strcmp(dg->items[i].msg, d.msg))
            return;
    if (dg->n >= a->max_errors) {
        dg->truncated = true;
        a->stop = true;
        return;
    }
    if (dg->n == dg->cap) {
        int nc = dg->cap ? dg->cap * 2 : 8;
        lp_diag *q = realloc(dg->items, sizeof *q * (size_t)nc);
        if (!q) {
            a->stop = a->nomem = true;
            return;
        }
        dg->items = q;
        dg->cap = nc;
    }
    d.file = own_name(dg, file);
    dg->items[dg->n++] = d;
}

void asm_err(as *a, const line *l, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(a, a->o->path, l->no, col, fmt, ap);
    va_end(ap);
    if (a->errored && l->no >= 1 && l->no <= a->nlines) a->errored[l->no - 1] = true;
}

void asm_err_file(as *a, const char *file, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_at(a, file, lineno, col, fmt, ap);
    va_end(ap);
}

void asm_diags_print(const asm_diags *dg, FILE *f)
{
    for (int i = 0; i < dg->n; i++) lp_diag_print(&dg->items[i], f);
    if (dg->truncated) fprintf(f, "too many errors; stopped after %d\n", dg->n);
}

void asm_diags_free(asm_diags *dg)
{
    for (int i = 0; i < dg->nnames; i++) free(dg->names[i]);
    free(dg->names);
    free(dg->items);
    memset(dg, 0, sizeof *dg);
}

/* ---- instructions ----------------------------------------------------------------------- */

static void instruction(as *a, const line *l, const char *s, size_t len, int col)
{
    char mn[40], q[ASM_QUOTE_BYTES];
    if (!asm_is_ident_start((unsigned char)s[0])) {
        arg bad = {s, len, col};
        asm_err(a, l, col, "expected an instruction or a directive, got '%s'", asm_quote(&bad, q, sizeof q));
        return;
    }
    size_t k = asm_word_len(s, len); /* the mnemonic as written, non-ASCII letters included */
    arg mna = {s, k, col};
    int op = asm_arg_str(&mna, mn, sizeof mn) ? isa_lookup(mn) : -1;
    if (op < 0) {
        const char *best = NULL;
        int bestd = 3;
        for (int i = 0; i < ISA_OP_COUNT && k < sizeof mn; i++) {
            int d = lp_edit_distance(mn, isa_get((isa_op)i)->mnemonic);
            if (d < bestd) bestd = d, best = isa_get((isa_op)i)->mnemonic;
        }
        if (best)
            asm_err(a, l, col, "unknown instruction '%s' (did you mean '%s'?)", asm_quote(&mna, q, sizeof q), best);
        else
            asm_err(a, l, col, "unknown instruction '%s' (see 'lpsim asm --help-isa')", asm_quote(&mna, q, sizeof q));
        return;
    }
    const isa_info *info = isa_get((isa_op)op);
    if (k < len && s[k] != ' ' && s[k] != '\t') {
        asm_err(a, l, col + (int)k, "expected a space after the instruction name");
        return;
    }
    arg args[ASM_MAX_ARGS];
    int n = asm_split_args(a, l, s + k, len - k, col + (int)k, args, ASM_MAX_ARGS);
    if (n < 0) return;
    if (n != info->nops) {
        char names[200] = "";
        for (int i = 0; i < info->nops; i++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", info->ops[i].name);
        }
        asm_err(a, l, n > info->nops ? args[info->nops].col : col, "%s takes %d operand%s (%s), got %d", info->mnemonic,
                info->nops, info->nops == 1 ? "" : "s", names, n);
        return;
    }
    isa_insn in = {(isa_op)op, {0}};
    for (int i = 0; i < n; i++)
        if (!asm_parse_operand(a, l, info, i, &args[i], &in.v[i])) return;
    lp_diag msg;
    int bad;
    if (isa_check_values(&in, &bad, &msg) != LP_OK || isa_prog_check_dram(a->p, &in, &bad, &msg) != LP_OK) {
        asm_err(a, l, args[bad].col, "%s", msg.msg);
        return;
    }
    for (int i = 0; i < n; i++) { /* tiles within the declared SPM / ACC */
        const isa_operand_info *o = &info->ops[i];
        if (!o->has_foot || (o->kind != ISA_K_SPM && o->kind != ISA_K_ACC && o->kind != ISA_K_MEM)) continue;
        bool acc = o->kind == ISA_K_ACC || (o->kind == ISA_K_MEM && (in.v[i] & ISA_MEM_ACC));
        uint64_t addr = in.v[i] & (ISA_MEM_ACC - 1), bytes = isa_foot_bytes(&in, i);
        uint64_t size = acc ? a->acc_bytes : a->spm_bytes;
        if (addr + bytes > size) {
            asm_err(a, l, args[i].col, "tile of %llu bytes at %s:0x%llx runs past the %s (%llu bytes)",
                    (unsigned long long)bytes, acc ? "acc" : "spm", (unsigned long long)addr,
                    acc ? "accumulator buffer" : "scratchpad", (unsigned long long)size);
            return;
        }
    }
    if (a->n_emitted >= ISA_MAX_INSNS) {
        asm_err(a, l, col, "the program exceeds %llu instructions", (unsigned long long)ISA_MAX_INSNS);
        a->stop = true;
        return;
    }
    lp_status st = isa_prog_add_insn(a->p, &in);
    if (st == LP_OK)
        st = isa_prog_set_source(a->p, a->p->ninsns - 1, a->o->path ? a->o->path : "<input>", (uint32_t)l->no,
                                 (uint32_t)col);
    if (st == LP_ERR_NOMEM) a->stop = a->nomem = true;
    a->n_emitted++;
}

/* Assemble lines [from, to). */
void asm_run(as *a, int from, int to)
{
    for (int i = from; i < to && !a->stop; i++) {
        const line *l = &a->lines[i];
        const char *s = l->s;
        if (++a->work > a->max_work) {
            asm_err(a, l, 1, "the .for loops expand past %llu lines and iterations", (unsigned long long)a->max_work);
            a->stop = true;
            return;
        }
        /* and bytes: a loop over long expression lines costs by its bytes, not its lines */
        if ((a->work_bytes += l->len) > ASM_MAX_WORK_BYTES) {
            asm_err(a, l, 1, "the .for loops expand past %llu bytes of source", (unsigned long long)ASM_MAX_WORK_BYTES);
            a->stop = true;
            return;
        }
        size_t len = l->len;
        const char *nul = memchr(s, 0, len);
        if (nul) {
            asm_err(a, l, (int)(nul - s) + 1, "NUL byte in the source");
            continue;
        }
        if (len > ASM_LINE_MAX_BYTES) {
            asm_err(a, l, ASM_LINE_MAX_BYTES + 1, "line longer than %d bytes", ASM_LINE_MAX_BYTES);
            continue;
        }
        /* strip the comment (outside strings) and blanks */
        bool str = false;
        for (size_t k = 0; k < len; k++) {
            if (s[k] == '"') str = !str;
            if (!str && (s[k] == ';' || s[k] == '#')) {
                len = k;
                break;
            }
        }
        size_t k = 0;
        while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
        while (len > k && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
        if (k == len) continue;
        /* once wrong, a line inside a loop is not checked again: a directive
        ** skips the lines it consumed then (a .for body, inline data) */
        if (s[k] == '.' && a->errored[i] && a->dir_end[i])
            i = a->dir_end[i] - 1;
        else if (s[k] == '.') {
            int last = asm_directive(a, i, to, s + k, len - k, (int)k + 1);
            a->dir_end[i] = last + 1;
            i = last;
        } else if (!a->errored[i])
            instruction(a, l, s + k, len - k, (int)k + 1);
    }
}

lp_status asm_assemble(const char *src, size_t len, const asm_opts *o, isa_prog *out, asm_diags *dg)
{
    as *a = calloc(1, sizeof *a);
    isa_prog_init(out);
    if (!a) return LP_ERR_NOMEM;
    a->o = o;
    a->dg = dg;
    a->p = out;
    a->max_errors = o->max_errors > 0 ? o->max_errors : 20;
    asm_names_reset(a);
    a->spm_bytes = o->spm_bytes ? o->spm_bytes : ASM_DEFAULT_SPACE;
    a->acc_bytes = o->acc_bytes ? o->acc_bytes : ASM_DEFAULT_SPACE;
    const char *slash = o->path ? strrchr(o->path, '/') : NULL;
    if (slash && (size_t)(slash - o->path) < sizeof a->dir)
        snprintf(a->dir, sizeof a->dir, "%.*s", (int)(slash - o->path), o->path);
    if (slash == o->path && slash) snprintf(a->dir, sizeof a->dir, "/");
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += src[i] == '\n';
    a->lines = malloc(sizeof *a->lines * nl);
    if (!a->lines) {
        free(a);
        return LP_ERR_NOMEM;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || src[i] == '\n') {
            if (i == len && start == len) break;
            a->lines[a->nlines] = (line){src + start, i - start, a->nlines + 1};
            a->nlines++;
            start = i + 1;
        }
    }
    a->max_work = o->max_lines ? o->max_lines : ASM_MAX_WORK;
    a->errored = calloc((size_t)a->nlines + 1, sizeof *a->errored);
    a->dir_end = calloc((size_t)a->nlines + 1, sizeof *a->dir_end);
    if (!a->errored || !a->dir_end) a->nomem = true;
    if (!a->nomem) asm_run(a, 0, a->nlines);
    lp_status st = a->nomem ? LP_ERR_NOMEM : dg->n ? LP_ERR_PARSE : LP_OK;
    if (st) isa_prog_free(out);
    free(a->errored);
    free(a->dir_end);
    free(a->lines);
    free(a);
    return st;
}
