/*
** disasm.c — programs back to text: assembly that assembles to the identical
** binary (buffers, their contents and expected outputs inline, in the order
** of their data so that the data section comes out identical), and listings
** (each instruction's index, word and assembly; the golden files of
** examples/ are listings). Operands print through one function per kind
** group (isa_kinds.def's fn column). A program with kernels prints a .kernel
** line at each kernel's first section and a .core line at every section,
** empty ones included, so that it assembles to the same tables; one without
** prints neither (its output is what it was before kernels existed).
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "dot.h"
#include "mx.h"

typedef void (*print_fn)(const isa_prog *p, const isa_insn *in, int i, FILE *f);

static void print_space(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    isa_kind k = isa_get(in->op)->ops[i].kind;
    uint64_t v = in->v[i];
    bool acc = k == ISA_K_ACC || (k == ISA_K_MEM && (v & ISA_MEM_ACC));
    (void)p;
    fprintf(f, "%s:0x%llx", acc ? "acc" : "spm", (unsigned long long)(v & (ISA_MEM_ACC - 1)));
}

static void print_pim(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    (void)p;
    fprintf(f, "pim:%llu", (unsigned long long)in->v[i]);
}

static void print_dram(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    uint64_t addr = in->v[i] & ((UINT64_C(1) << ISA_DRAM_ADDR_BITS) - 1);
    int bi = isa_prog_buffer_at(p, addr);
    mf_format fm;
    if (bi < 0) { /* only in programs that failed their checks */
        fprintf(f, "dram?0x%llx", (unsigned long long)addr);
        return;
    }
    const isa_buffer *b = &p->bufs[bi];
    isa_buffer_format(b, &fm);
    uint64_t idx = (addr - b->addr) / (uint64_t)isa_elem_bytes(&fm);
    fprintf(f, "%s[%llu, %llu]", b->name, (unsigned long long)(idx / b->cols), (unsigned long long)(idx % b->cols));
}

static void print_dim(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    (void)p;
    fprintf(f, "%llu", (unsigned long long)in->v[i]);
}

static void print_fmt(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    mf_format fm;
    (void)p;
    fputs(isa_fmt_decode((uint32_t)in->v[i], &fm) == LP_OK ? fm.name : "?", f);
}

static void print_mx(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    int id = in->v[i] < 256 ? mx_elem_by_code((int)in->v[i]) : -1;
    (void)p;
    fputs(id >= 0 ? mx_elem_id_name((mx_elem_id)id) : "?", f);
}

static void print_preset(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    int k = in->v[i] < 256 ? dot_preset_by_code((int)in->v[i]) : -1;
    (void)p;
    fputs(k >= 0 ? dot_preset_at(k)->name : "?", f);
}

static void print_choice(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    const char *w = isa_kind_choice(isa_get(in->op)->ops[i].kind, in->v[i]);
    (void)p;
    fputs(w ? w : "?", f);
}

static void print_round(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    int r = in->v[i] < 256 ? mf_round_by_code((int)in->v[i]) : -1;
    (void)p;
    fputs(r >= 0 ? mf_round_name((mf_round)r) : "?", f);
}

static void print_f32(const isa_prog *p, const isa_insn *in, int i, FILE *f)
{
    uint32_t b = (uint32_t)in->v[i];
    float x;
    (void)p;
    memcpy(&x, &b, 4);
    if (isnan(x))
        fprintf(f, "nan:0x%08x", b);
    else
        fprintf(f, "%.9g", (double)x);
}

static const print_fn printers[ISA_KIND_COUNT] = {
#define ISA_KIND(id, name, bits, fn, field, syntax, help) [ISA_##id] = print_##fn,
#include "isa_kinds.def"
#undef ISA_KIND
};

/* "MNEMONIC op, op, ..." of a decoded instruction. */
static void print_insn(const isa_prog *p, const isa_insn *in, FILE *f)
{
    const isa_info *info = isa_get(in->op);
    fputs(info->mnemonic, f);
    for (int k = 0; k < info->nops; k++) {
        fputs(k ? ", " : " ", f);
        printers[info->ops[k].kind](p, in, k, f);
    }
    fputc('\n', f);
}

static void print_elems(const isa_prog *p, const isa_buffer *b, uint64_t off, FILE *f)
{
    mf_format fm;
    isa_buffer_format(b, &fm);
    int eb = isa_elem_bytes(&fm);
    uint64_t n = (uint64_t)b->rows * b->cols;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int k = 0; k < eb; k++) v |= (uint32_t)p->data[off + i * (uint64_t)eb + (uint64_t)k] << (8 * k);
        fprintf(f, "%s%0*x", i % 16 ? " " : "", fm.hex_digits, v);
        if (i % 16 == 15 || i + 1 == n) fputc('\n', f);
    }
}

/* The contents of a program in the order of their data offsets: buffers'
** initial data and expected outputs, merged. */
typedef struct contents {
    uint64_t off;
    const isa_buffer *buf;
    const isa_expect *expect; /* NULL for a buffer's initial data */
} contents;

/* By offset; at equal offsets (only a program built in memory shares data:
** the .lpt reader refuses it) initial data first, then declaration order: a
** total order, so qsort is deterministic. */
static int by_offset(const void *x, const void *y)
{
    const contents *a = x, *b = y;
    if (a->off != b->off) return a->off < b->off ? -1 : 1;
    if ((a->expect != NULL) != (b->expect != NULL)) return a->expect ? 1 : -1;
    const void *pa = a->expect ? (const void *)a->expect : (const void *)a->buf,
               *pb = b->expect ? (const void *)b->expect : (const void *)b->buf;
    return pa < pb ? -1 : pa > pb;
}

static void print_contents(const isa_prog *p, const contents *c, FILE *f)
{
    if (!c->expect) {
        fprintf(f, ".data %s, inline\n", c->buf->name);
    } else {
        fprintf(f, ".expect %s, inline, %s", c->buf->name, isa_rule_name(c->expect->rule));
        if (c->expect->rule != ISA_RULE_BITEXACT) fprintf(f, " %.17g", c->expect->tol);
        fputc('\n', f);
    }
    print_elems(p, c->buf, c->off, f);
    fprintf(f, ".enddata\n");
}

/* Instructions [from, to), indented. */
static void print_code(const isa_prog *p, size_t from, size_t to, FILE *f)
{
    for (size_t i = from; i < to && i < p->ninsns; i++) {
        isa_insn in;
        if (isa_decode(p->code + i * ISA_WORD_BYTES, &in, NULL) != LP_OK) {
            fprintf(f, "; invalid instruction %zu\n", i);
            continue;
        }
        fputs("    ", f);
        print_insn(p, &in, f);
    }
}

void asm_disassemble(const isa_prog *p, FILE *f)
{
    fprintf(f, "; lpsim program: %zu instructions, %zu buffers, %zu expectations\n", p->ninsns, p->nbufs, p->nexpects);
    for (size_t i = 0; i < p->nbufs; i++) {
        mf_format fm;
        isa_buffer_format(&p->bufs[i], &fm);
        fprintf(f, ".buffer %s, %s, %u, %u\n", p->bufs[i].name, fm.name, p->bufs[i].rows, p->bufs[i].cols);
    }
    contents *c = malloc(sizeof *c * (p->nbufs + p->nexpects + 1));
    size_t n = 0;
    for (size_t i = 0; c && i < p->nbufs; i++)
        if (p->bufs[i].has_data) c[n++] = (contents){p->bufs[i].data_off, &p->bufs[i], NULL};
    for (size_t i = 0; c && i < p->nexpects; i++)
        c[n++] = (contents){p->expects[i].data_off, &p->bufs[p->expects[i].buf], &p->expects[i]};
    if (c) qsort(c, n, sizeof *c, by_offset);
    for (size_t i = 0; i < n; i++) print_contents(p, &c[i], f);
    free(c);
    if (!p->nkernels) {
        print_code(p, 0, p->ninsns, f);
        return;
    }
    /* every section, empty ones too: .kernel opens one on core 0, .core
    ** moves an empty one to its core, so the same lines give the same tables */
    for (size_t s = 0; s < p->nsecs; s++) {
        const isa_section *sc = &p->secs[s];
        const isa_kernel *k = sc->kernel < p->nkernels ? &p->kernels[sc->kernel] : NULL;
        if (k && k->first_sec == s) fprintf(f, ".kernel %s\n", k->name);
        fprintf(f, ".core %u\n", sc->core);
        print_code(p, sc->first, sc->first + sc->count, f);
    }
}

/* "; kernel K NAME, core C" where section s begins, in a listing. */
static void section_comment(const isa_prog *p, size_t s, FILE *f)
{
    const isa_section *sc = &p->secs[s];
    if (sc->kernel < p->nkernels)
        fprintf(f, "; kernel %u %s, core %u\n", sc->kernel, p->kernels[sc->kernel].name, sc->core);
}

void asm_listing(const isa_prog *p, FILE *f)
{
    fprintf(f, "; %zu instructions, %zu buffers (%llu bytes of DRAM), %zu expectations\n", p->ninsns, p->nbufs,
            (unsigned long long)p->dram_bytes, p->nexpects);
    for (size_t i = 0; i < p->nbufs; i++) {
        const isa_buffer *b = &p->bufs[i];
        mf_format fm;
        isa_buffer_format(b, &fm);
        fprintf(f, "; buffer %-12s %-12s %6u x %-6u at 0x%08llx %10llu bytes%s\n", b->name, fm.name, b->rows, b->cols,
                (unsigned long long)b->addr, (unsigned long long)isa_buffer_bytes(b),
                b->has_data ? ", initialised" : "");
    }
    for (size_t i = 0; i < p->nexpects; i++) {
        const isa_expect *e = &p->expects[i];
        fprintf(f, "; expect %-12s %s %.17g\n", p->bufs[e->buf].name, isa_rule_name(e->rule), e->tol);
    }
    size_t s = 0;
    for (size_t i = 0; i < p->ninsns; i++) {
        const uint8_t *w = p->code + i * ISA_WORD_BYTES;
        for (; s < p->nsecs && p->secs[s].first <= i; s++) section_comment(p, s, f); /* empty sections too */
        isa_insn in;
        fprintf(f, "%06zu  ", i);
        for (int k = 0; k < ISA_WORD_BYTES; k++) fprintf(f, "%02x", w[k]);
        if (isa_decode(w, &in, NULL) != LP_OK) {
            fprintf(f, "  ; invalid\n");
            continue;
        }
        fputs("  ", f);
        print_insn(p, &in, f);
    }
    for (; s < p->nsecs; s++) section_comment(p, s, f); /* empty sections after the last instruction */
}
