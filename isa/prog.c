/*
** prog.c — programs and their .lpt files (see prog.h).
**
** The reader is written for hostile input (it is fuzzed): sizes are checked
** against the remaining bytes before any allocation, arithmetic that could
** overflow is done in 64 bits with explicit limits, every instruction is
** decoded and checked, every buffer and expectation is checked against the
** others. It either returns a complete valid program or an error.
*/
#define _POSIX_C_SOURCE 200809L
#include "prog.h"

#include "lp_file.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 64
#define BUF_RECORD 64
#define EXPECT_RECORD 32
#define KERNEL_RECORD 40  /* name[32], first section u32, section count u32 */
#define SECTION_RECORD 24 /* kernel u32, core u32, first instruction u64, instruction count u64 */

void isa_prog_init(isa_prog *p) { memset(p, 0, sizeof *p); }

const char *isa_rule_name(isa_rule r)
{
    static const char *const names[ISA_RULE_COUNT] = {
        [ISA_RULE_BITEXACT] = "bitexact", [ISA_RULE_MAXULP] = "maxulp", [ISA_RULE_RELERR] = "relerr"};
    return (unsigned)r < ISA_RULE_COUNT ? names[r] : "?";
}

void isa_prog_free(isa_prog *p)
{
    free(p->src_path);
    free(p->src_line);
    free(p->src_col);
    free(p->code);
    free(p->bufs);
    free(p->expects);
    free(p->data);
    free(p->kernels);
    free(p->secs);
    free(p->ref);
    memset(p, 0, sizeof *p);
}

void isa_prog_set_ref(isa_prog *p, int b, double *ref, double scale)
{
    free(p->ref);
    p->ref = ref;
    p->ref_buf = (uint32_t)b;
    p->ref_scale = scale;
}

void isa_buffer_format(const isa_buffer *b, mf_format *f)
{
    if (isa_fmt_decode(b->fmt, f) != LP_OK) mf_get(MF_FP32, f);
}

uint64_t isa_buffer_bytes(const isa_buffer *b)
{
    if (b->bytes) return b->bytes;
    mf_format f;
    isa_buffer_format(b, &f);
    return (uint64_t)b->rows * b->cols * (uint64_t)isa_elem_bytes(&f);
}

uint64_t isa_prog_dram(const isa_prog *p, int b, uint64_t r, uint64_t c)
{
    const isa_buffer *x = &p->bufs[b];
    mf_format f;
    isa_buffer_format(x, &f);
    return (x->addr + (r * x->cols + c) * (uint64_t)isa_elem_bytes(&f)) | (uint64_t)x->cols << ISA_DRAM_ADDR_BITS;
}

int isa_prog_find(const isa_prog *p, const char *name)
{
    for (size_t i = 0; i < p->nbufs; i++)
        if (!strcmp(p->bufs[i].name, name)) return (int)i;
    return -1;
}

int isa_prog_buffer_at(const isa_prog *p, uint64_t addr)
{
    size_t lo = 0, hi = p->nbufs; /* buffers lie in ascending address order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->bufs[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return -1;
    const isa_buffer *b = &p->bufs[lo - 1];
    return addr < b->addr + isa_buffer_bytes(b) ? (int)(lo - 1) : -1;
}

/* Grow an array to hold one more element. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = realloc(*arr, nc * elem);
    if (!q) return false;
    *arr = q;
    *cap = nc;
    return true;
}

lp_status isa_prog_add_insn(isa_prog *p, const isa_insn *in)
{
    if (p->ninsns >= ISA_MAX_INSNS) return LP_ERR_RANGE;
    size_t cap_words = p->cap_insns;
    if (!grow((void **)&p->code, &cap_words, p->ninsns, ISA_WORD_BYTES)) return LP_ERR_NOMEM;
    p->cap_insns = cap_words;
    isa_encode(in, p->code + p->ninsns * ISA_WORD_BYTES);
    p->ninsns++;
    if (p->nsecs) p->secs[p->nsecs - 1].count++;
    return LP_OK;
}

static lp_status open_section(isa_prog *p, uint32_t core)
{
    if (!grow((void **)&p->secs, &p->cap_secs, p->nsecs, sizeof *p->secs)) return LP_ERR_NOMEM;
    isa_kernel *k = &p->kernels[p->nkernels - 1];
    p->secs[p->nsecs] = (isa_section){(uint32_t)(p->nkernels - 1), core, p->ninsns, 0};
    if (!k->nsecs) k->first_sec = (uint32_t)p->nsecs;
    k->nsecs++;
    p->nsecs++;
    return LP_OK;
}

/* Append a kernel with one empty section on core 0. */
static lp_status add_kernel(isa_prog *p, const char *name)
{
    if (p->nkernels >= ISA_MAX_KERNELS) return LP_ERR_RANGE;
    if (!grow((void **)&p->kernels, &p->cap_kernels, p->nkernels, sizeof *p->kernels)) return LP_ERR_NOMEM;
    isa_kernel *k = &p->kernels[p->nkernels++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    lp_status s = open_section(p, 0);
    if (s) p->nkernels--;
    return s;
}

/* The first kernel of a program that had none: ISA_KERNEL_DEFAULT on core 0,
** holding the instructions added so far. */
static lp_status implicit_kernel(isa_prog *p)
{
    lp_status s = add_kernel(p, ISA_KERNEL_DEFAULT);
    if (s) return s;
    p->secs[0].first = 0;
    p->secs[0].count = p->ninsns;
    return LP_OK;
}

lp_status isa_prog_begin_kernel(isa_prog *p, const char *name)
{
    if (!p->nkernels && p->ninsns) {
        lp_status s = implicit_kernel(p);
        if (s) return s;
    }
    return add_kernel(p, name);
}

lp_status isa_prog_begin_core(isa_prog *p, uint32_t core)
{
    if (core >= ISA_MAX_CORES) return LP_ERR_RANGE;
    if (!p->nkernels) {
        lp_status s = implicit_kernel(p);
        if (s) return s;
    }
    isa_kernel *k = &p->kernels[p->nkernels - 1];
    isa_section *last = &p->secs[p->nsecs - 1];
    if (last->core == core && last->first == p->ninsns) return LP_OK; /* nothing in it yet */
    for (uint32_t i = k->first_sec; i < k->first_sec + k->nsecs; i++) {
        bool empty = i == p->nsecs - 1 && p->secs[i].first == p->ninsns;
        if (p->secs[i].core == core && !empty) return LP_ERR_ARG;
    }
    if (last->first == p->ninsns) { /* an empty section is reused, not kept */
        last->core = core;
        return LP_OK;
    }
    return open_section(p, core);
}

void isa_prog_layout(const isa_prog *p, isa_layout *l)
{
    if (p->nkernels) {
        *l = (isa_layout){p->kernels, p->nkernels, p->secs, p->nsecs, {{0}, 0, 0}, {0, 0, 0, 0}};
        return;
    }
    memset(l, 0, sizeof *l);
    snprintf(l->k1.name, sizeof l->k1.name, "%s", ISA_KERNEL_DEFAULT);
    l->k1.nsecs = 1;
    l->s1 = (isa_section){0, 0, 0, p->ninsns};
    l->kernels = &l->k1, l->nkernels = 1, l->secs = &l->s1, l->nsecs = 1;
}

size_t isa_prog_nkernels(const isa_prog *p) { return p->nkernels ? p->nkernels : 1; }

uint32_t isa_prog_cores(const isa_prog *p)
{
    uint32_t n = 1;
    for (size_t i = 0; i < p->nsecs; i++)
        if (p->secs[i].core + 1 > n) n = p->secs[i].core + 1;
    return n;
}

lp_status isa_prog_add_buffer(isa_prog *p, const char *name, uint32_t fmt, uint32_t rows, uint32_t cols)
{
    if (p->nbufs >= ISA_MAX_BUFFERS || !rows || !cols || rows > ISA_MAX_DIM || cols > ISA_MAX_DIM) return LP_ERR_RANGE;
    if (!grow((void **)&p->bufs, &p->cap_bufs, p->nbufs, sizeof *p->bufs)) return LP_ERR_NOMEM;
    isa_buffer *b = &p->bufs[p->nbufs];
    memset(b, 0, sizeof *b);
    snprintf(b->name, sizeof b->name, "%s", name);
    b->fmt = fmt;
    b->rows = rows;
    b->cols = cols;
    b->addr = (p->dram_bytes + ISA_BUFFER_ALIGN - 1) / ISA_BUFFER_ALIGN * ISA_BUFFER_ALIGN;
    b->bytes = isa_buffer_bytes(b);
    uint64_t end = b->addr + b->bytes;
    if (b->bytes > ISA_MAX_BUFFER_BYTES || end >> ISA_DRAM_ADDR_BITS) return LP_ERR_RANGE;
    p->dram_bytes = end;
    p->nbufs++;
    return LP_OK;
}

lp_status isa_prog_add_data(isa_prog *p, const void *bytes, size_t n, uint64_t *off)
{
    if ((uint64_t)p->ndata + n > ISA_MAX_DATA) return LP_ERR_RANGE;
    if (p->ndata + n > p->cap_data) {
        size_t nc = p->cap_data ? p->cap_data : 4096;
        while (nc < p->ndata + n) nc *= 2;
        uint8_t *q = realloc(p->data, nc);
        if (!q) return LP_ERR_NOMEM;
        p->data = q;
        p->cap_data = nc;
    }
    if (n) memcpy(p->data + p->ndata, bytes, n);
    *off = p->ndata;
    p->ndata += n;
    return LP_OK;
}

lp_status isa_prog_put_codes(isa_prog *p, int b, const uint32_t *codes, size_t n, bool expect, isa_rule rule,
                             double tol)
{
    mf_format f;
    isa_buffer_format(&p->bufs[b], &f);
    size_t eb = (size_t)isa_elem_bytes(&f);
    uint8_t *bytes = malloc(n ? n * eb : 1);
    if (!bytes) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < eb; j++) bytes[i * eb + j] = (uint8_t)(codes[i] >> (8 * j));
    uint64_t off;
    lp_status st = isa_prog_add_data(p, bytes, n * eb, &off);
    free(bytes);
    if (st) return st;
    if (!expect) {
        p->bufs[b].has_data = true, p->bufs[b].data_off = off;
        return LP_OK;
    }
    if (!grow((void **)&p->expects, &p->cap_expects, p->nexpects, sizeof *p->expects)) return LP_ERR_NOMEM;
    p->expects[p->nexpects++] = (isa_expect){(uint32_t)b, rule, tol, off};
    return LP_OK;
}

lp_status isa_prog_set_source(isa_prog *p, size_t i, const char *path, uint32_t line, uint32_t col)
{
    if (!p->src_path && !(p->src_path = strdup(path))) return LP_ERR_NOMEM;
    if (i >= p->cap_src) { /* keep pace with the code's capacity */
        size_t cap = p->cap_insns > i ? p->cap_insns : i + 1;
        uint32_t *l = realloc(p->src_line, cap * sizeof *l);
        if (!l) return LP_ERR_NOMEM;
        p->src_line = l;
        uint32_t *c = realloc(p->src_col, cap * sizeof *c);
        if (!c) return LP_ERR_NOMEM;
        p->src_col = c;
        p->cap_src = cap;
    }
    p->src_line[i] = line;
    p->src_col[i] = col;
    return LP_OK;
}

lp_status isa_prog_locate(const isa_prog *p, size_t i, const char *fallback, lp_diag *d)
{
    if (p->src_line && i < p->ninsns && i < p->cap_src)
        return lp_diag_at(d, p->src_path, (int)p->src_line[i], (int)p->src_col[i]);
    return lp_diag_at(d, fallback, 1, 1);
}

lp_status isa_prog_check_dram(const isa_prog *p, const isa_insn *in, int *bad_op, lp_diag *d)
{
    const isa_info *info = isa_get(in->op);
    for (int i = 0; i < info->nops; i++) {
        const isa_operand_info *o = &info->ops[i];
        if (o->kind != ISA_K_DRAM) continue;
        uint64_t addr = in->v[i] & ((UINT64_C(1) << ISA_DRAM_ADDR_BITS) - 1), pitch = in->v[i] >> ISA_DRAM_ADDR_BITS;
        int bi = isa_prog_buffer_at(p, addr);
        const char *msg = NULL;
        char buf[200];
        if (bi < 0) {
            snprintf(buf, sizeof buf, "DRAM address 0x%llx lies in no buffer", (unsigned long long)addr);
            msg = buf;
        } else {
            const isa_buffer *b = &p->bufs[bi];
            mf_format bf, tf;
            isa_buffer_format(b, &bf);
            int eb = isa_elem_bytes(&bf);
            uint64_t idx = (addr - b->addr) / (uint64_t)eb, r = idx / b->cols, c = idx % b->cols;
            uint64_t rows = in->v[o->foot.rows_op], cols = in->v[o->foot.cols_op];
            uint32_t tcode = (uint32_t)in->v[o->foot.type_op];
            if ((addr - b->addr) % (uint64_t)eb) {
                snprintf(buf, sizeof buf, "DRAM address 0x%llx is not on an element of buffer %s",
                         (unsigned long long)addr, b->name);
                msg = buf;
            } else if (pitch != b->cols) {
                snprintf(buf, sizeof buf, "row pitch %llu is not the width %u of buffer %s", (unsigned long long)pitch,
                         b->cols, b->name);
                msg = buf;
            } else if (tcode != b->fmt) {
                snprintf(buf, sizeof buf, "format %s does not match buffer %s (%s)",
                         isa_fmt_decode(tcode, &tf) == LP_OK ? tf.name : "?", b->name, bf.name);
                msg = buf;
                i = o->foot.type_op; /* point at the format operand */
            } else if (r + rows > b->rows || c + cols > b->cols) {
                snprintf(buf, sizeof buf, "tile %llu x %llu at %s[%llu, %llu] runs past the buffer's %u x %u elements",
                         (unsigned long long)rows, (unsigned long long)cols, b->name, (unsigned long long)r,
                         (unsigned long long)c, b->rows, b->cols);
                msg = buf;
            }
        }
        if (msg) {
            if (bad_op) *bad_op = i;
            return lp_diag_msg(d, LP_ERR_RANGE, "%s", msg);
        }
    }
    if (bad_op) *bad_op = -1;
    return LP_OK;
}

/* ---- serialisation ------------------------------------------------------------ */

static void put32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *b)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | b[i];
    return v;
}
static uint64_t get64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Version 2 for a program without kernels (byte-identical to what lpsim
** wrote before kernels existed), version 3 with the kernel and section tables
** after the data and their counts in header bytes 48 and 52. */
lp_status isa_prog_serialize(const isa_prog *p, uint8_t **out, size_t *len)
{
    size_t n = HEADER_BYTES + p->ninsns * ISA_WORD_BYTES + p->nbufs * BUF_RECORD + p->nexpects * EXPECT_RECORD +
               p->ndata + p->nkernels * KERNEL_RECORD + (p->nkernels ? p->nsecs * SECTION_RECORD : 0);
    uint8_t *b = calloc(1, n), *q = b;
    if (!b) return LP_ERR_NOMEM;
    memcpy(q, ISA_TRACE_MAGIC, 8);
    put32(q + 8, p->nkernels ? ISA_TRACE_VERSION_KERNELS : ISA_TRACE_VERSION);
    put32(q + 12, HEADER_BYTES);
    put64(q + 16, p->ninsns);
    put32(q + 24, (uint32_t)p->nbufs);
    put32(q + 28, (uint32_t)p->nexpects);
    put64(q + 32, p->ndata);
    put64(q + 40, p->dram_bytes);
    if (p->nkernels) {
        put32(q + 48, (uint32_t)p->nkernels);
        put32(q + 52, (uint32_t)p->nsecs);
    }
    q += HEADER_BYTES;
    if (p->ninsns) memcpy(q, p->code, p->ninsns * ISA_WORD_BYTES);
    q += p->ninsns * ISA_WORD_BYTES;
    for (size_t i = 0; i < p->nbufs; i++, q += BUF_RECORD) {
        const isa_buffer *bf = &p->bufs[i];
        memcpy(q, bf->name, strlen(bf->name));
        put32(q + 32, bf->fmt);
        put32(q + 36, bf->rows);
        put32(q + 40, bf->cols);
        put32(q + 44, bf->has_data);
        put64(q + 48, bf->addr);
        put64(q + 56, bf->has_data ? bf->data_off : 0);
    }
    for (size_t i = 0; i < p->nexpects; i++, q += EXPECT_RECORD) {
        const isa_expect *e = &p->expects[i];
        uint64_t tb;
        memcpy(&tb, &e->tol, 8);
        put32(q, e->buf);
        put32(q + 4, (uint32_t)e->rule);
        put64(q + 8, tb);
        put64(q + 16, e->data_off);
    }
    if (p->ndata) memcpy(q, p->data, p->ndata);
    q += p->ndata;
    for (size_t i = 0; i < p->nkernels; i++, q += KERNEL_RECORD) {
        const isa_kernel *k = &p->kernels[i];
        memcpy(q, k->name, strnlen(k->name, ISA_NAME_MAX - 1));
        put32(q + 32, k->first_sec);
        put32(q + 36, k->nsecs);
    }
    for (size_t i = 0; p->nkernels && i < p->nsecs; i++, q += SECTION_RECORD) {
        const isa_section *sc = &p->secs[i];
        put32(q, sc->kernel);
        put32(q + 4, sc->core);
        put64(q + 8, sc->first);
        put64(q + 16, sc->count);
    }
    *out = b;
    *len = n;
    return LP_OK;
}

/* A name the assembler accepts for a buffer: an identifier that is not an
** instruction's mnemonic. */
static bool valid_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_') return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_') return false;
    return isa_lookup(s) < 0;
}

/* The first element of n at data (elements of f) whose code has bits set
** above the format's width, or n. */
static size_t first_unfit(const uint8_t *data, uint64_t n, const mf_format *f, uint32_t *code)
{
    int eb = isa_elem_bytes(f);
    if (f->bits == 8 * eb) return n;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int b = 0; b < eb; b++) v |= (uint32_t)data[i * (uint64_t)eb + (uint64_t)b] << (8 * b);
        if (v & ~f->mask) {
            *code = v;
            return i;
        }
    }
    return n;
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        lp_diag_msg(d, LP_ERR_PARSE, __VA_ARGS__);                                                                     \
        isa_prog_free(p);                                                                                              \
        return LP_ERR_PARSE;                                                                                           \
    } while (0)

/* A block of the data section: a buffer's initial contents (who < nbufs) or
** expectation who - nbufs's expected contents. */
typedef struct block {
    uint64_t off, bytes;
    uint32_t who;
} block;

static int by_off(const void *x, const void *y)
{
    const block *a = x, *b = y;
    if (a->off != b->off) return a->off < b->off ? -1 : 1;
    return a->who < b->who ? -1 : a->who > b->who;
}

static const char *block_name(const isa_prog *p, uint32_t who, char *buf, size_t n)
{
    if (who < p->nbufs)
        snprintf(buf, n, "buffer %s", p->bufs[who].name);
    else
        snprintf(buf, n, "expectation %u (buffer %s)", (unsigned)(who - p->nbufs),
                 p->bufs[p->expects[who - p->nbufs].buf].name);
    return buf;
}

/* The data section is laid out as the assembler lays it out: one block per
** initialised buffer and per expectation, each of its buffer's exact size,
** back to back from 0 to ndata in the order of their directives (the
** expectations' records are in that order too), no gaps, no overlaps, no data
** shared. So every has-data flag and offset is the only one possible, and a
** disassembly (which prints the blocks in offset order) assembles to the same
** bytes. Offsets in messages are those of the file (data_at + offset).
** Called with p->nbufs and p->nexpects set and each block within ndata. */
static lp_status check_layout(const isa_prog *p, uint64_t ndata, uint64_t data_at, lp_diag *d)
{
    char n1[80], n2[80];
    for (size_t i = 1; i < p->nexpects; i++)
        if (p->expects[i].data_off <= p->expects[i - 1].data_off)
            return lp_diag_msg(d, LP_ERR_PARSE,
                               "expectation %zu (byte %llu): its data lie before those of expectation %zu (the "
                               "assembler writes them in order)",
                               i, (unsigned long long)(data_at + p->expects[i].data_off), i - 1);
    block *b = malloc(sizeof *b * (p->nbufs + p->nexpects + 1));
    size_t n = 0;
    if (!b) return lp_diag_msg(d, LP_ERR_PARSE, "out of memory");
    for (size_t i = 0; i < p->nbufs; i++)
        if (p->bufs[i].has_data) b[n++] = (block){p->bufs[i].data_off, p->bufs[i].bytes, (uint32_t)i};
    for (size_t i = 0; i < p->nexpects; i++)
        b[n++] = (block){p->expects[i].data_off, p->bufs[p->expects[i].buf].bytes, (uint32_t)(p->nbufs + i)};
    qsort(b, n, sizeof *b, by_off);
    uint64_t pos = 0;
    lp_status st = LP_OK;
    for (size_t i = 0; i <= n && !st; i++) {
        uint64_t off = i < n ? b[i].off : ndata;
        if (off > pos)
            st = lp_diag_msg(
                d, LP_ERR_PARSE, "data bytes %llu..%llu (byte %llu) belong to no buffer and no expectation",
                (unsigned long long)pos, (unsigned long long)(off - 1), (unsigned long long)(data_at + pos));
        else if (off < pos)
            st = lp_diag_msg(d, LP_ERR_PARSE, "%s: its data at byte %llu overlap those of %s",
                             block_name(p, b[i].who, n1, sizeof n1), (unsigned long long)(data_at + off),
                             block_name(p, b[i - 1].who, n2, sizeof n2));
        else if (i < n)
            pos = off + b[i].bytes;
    }
    free(b);
    return st;
}

/* The kernel and section tables of a version 3 file: nk kernel records then
** ns section records from byte `at` of buf (their bytes are in the file:
** check_header counted them). Accepted only as isa_prog_begin_kernel and
** isa_prog_begin_core lay them out, so that the disassembly assembles to the
** same bytes: every kernel a valid name and sections right after the previous
** kernel's; sections back to back in program order from instruction 0 to the
** last, each inside its kernel, on a core < ISA_MAX_CORES that has no other
** section in that kernel, empty only as the last section of its kernel (the
** assembler reuses an empty section for the next .core). Called with
** p->ninsns set; fills p->kernels and p->secs (freed by the caller on error). */
static lp_status parse_kernels(const uint8_t *buf, size_t at, uint32_t nk, uint32_t ns, isa_prog *p, lp_diag *d)
{
    p->kernels = calloc(nk, sizeof *p->kernels);
    p->secs = calloc(ns, sizeof *p->secs);
    uint32_t *last_on = calloc(ISA_MAX_CORES, sizeof *last_on); /* per core: 1 + its latest section, or 0 */
    lp_status st = LP_OK;
    if (!p->kernels || !p->secs || !last_on) {
        free(last_on);
        return lp_diag_msg(d, LP_ERR_PARSE, "out of memory");
    }
    p->cap_kernels = p->nkernels = nk;
    p->cap_secs = p->nsecs = ns;
    uint32_t pos = 0;
    for (uint32_t i = 0; i < nk && !st; i++) {
        const uint8_t *r = buf + at + (size_t)i * KERNEL_RECORD;
        size_t off = at + (size_t)i * KERNEL_RECORD;
        isa_kernel *k = &p->kernels[i];
        size_t len = strnlen((const char *)r, ISA_NAME_MAX);
        bool tail = false;
        for (size_t c = len; c < ISA_NAME_MAX; c++) tail |= r[c] != 0;
        memcpy(k->name, r, ISA_NAME_MAX - 1);
        k->first_sec = get32(r + 32);
        k->nsecs = get32(r + 36);
        if (len == ISA_NAME_MAX)
            st = lp_diag_msg(d, LP_ERR_PARSE, "kernel %u (byte %zu): name not terminated", i, off);
        else if (tail)
            st = lp_diag_msg(d, LP_ERR_PARSE, "kernel %u (byte %zu): bytes after the name must be 0", i, off);
        else if (!valid_name(k->name))
            st = lp_diag_msg(d, LP_ERR_PARSE, "kernel %u (byte %zu): invalid name", i, off);
        else if (k->first_sec != pos)
            st = lp_diag_msg(d, LP_ERR_PARSE,
                             "kernel %u (byte %zu): its sections begin at %u, expected %u (right after the previous "
                             "kernel's)",
                             i, off + 32, k->first_sec, pos);
        else if (!k->nsecs || k->nsecs > ns - pos)
            st = lp_diag_msg(d, LP_ERR_PARSE, "kernel %u (byte %zu): %u sections, expected 1 to %u", i, off + 36,
                             k->nsecs, ns - pos);
        else
            pos += k->nsecs;
    }
    if (!st && pos != ns)
        st = lp_diag_msg(d, LP_ERR_PARSE, "the kernels hold %u sections, the header (byte 52) counts %u", pos, ns);
    uint64_t next = 0; /* the first instruction of the next section */
    uint32_t ki = 0;
    for (uint32_t j = 0; j < ns && !st; j++) {
        const uint8_t *r = buf + at + (size_t)nk * KERNEL_RECORD + (size_t)j * SECTION_RECORD;
        size_t off = at + (size_t)nk * KERNEL_RECORD + (size_t)j * SECTION_RECORD;
        isa_section *sc = &p->secs[j];
        while (j >= p->kernels[ki].first_sec + p->kernels[ki].nsecs) ki++;
        bool last = j + 1 == p->kernels[ki].first_sec + p->kernels[ki].nsecs;
        sc->kernel = get32(r);
        sc->core = get32(r + 4);
        sc->first = get64(r + 8);
        sc->count = get64(r + 16);
        if (sc->kernel != ki)
            st =
                lp_diag_msg(d, LP_ERR_PARSE, "section %u (byte %zu): kernel %u, but it lies among kernel %u's sections",
                            j, off, sc->kernel, ki);
        else if (sc->core >= ISA_MAX_CORES)
            st = lp_diag_msg(d, LP_ERR_PARSE, "section %u (byte %zu): core %u, lpsim has at most %u cores", j, off + 4,
                             sc->core, ISA_MAX_CORES);
        else if (last_on[sc->core] && p->secs[last_on[sc->core] - 1].kernel == ki)
            st = lp_diag_msg(d, LP_ERR_PARSE, "section %u (byte %zu): core %u has section %u in kernel %u already", j,
                             off + 4, sc->core, last_on[sc->core] - 1, ki);
        else if (sc->first != next)
            st = lp_diag_msg(d, LP_ERR_PARSE,
                             "section %u (byte %zu): first instruction %llu, expected %llu (sections lie back to back "
                             "in program order)",
                             j, off + 8, (unsigned long long)sc->first, (unsigned long long)next);
        else if (sc->count > p->ninsns - next)
            st = lp_diag_msg(
                d, LP_ERR_PARSE, "section %u (byte %zu): %llu instructions from %llu run past the program's %llu", j,
                off + 16, (unsigned long long)sc->count, (unsigned long long)next, (unsigned long long)p->ninsns);
        else if (!sc->count && !last)
            st = lp_diag_msg(d, LP_ERR_PARSE,
                             "section %u (byte %zu): empty, but not the last section of kernel %u (the assembler "
                             "writes none such)",
                             j, off + 16, ki);
        else {
            next += sc->count;
            last_on[sc->core] = j + 1;
        }
    }
    if (!st && next != p->ninsns)
        st = lp_diag_msg(d, LP_ERR_PARSE, "the sections end at instruction %llu, the program has %llu",
                         (unsigned long long)next, (unsigned long long)p->ninsns);
    free(last_on);
    return st;
}

/* Check the header (the first len bytes of a file, len >= HEADER_BYTES or the
** whole file) and the size it describes; LP_OK with *want. */
static lp_status check_header(const uint8_t *buf, size_t len, uint64_t *want, lp_diag *d)
{
    if (len < HEADER_BYTES || memcmp(buf, ISA_TRACE_MAGIC, 8))
        return lp_diag_msg(d, LP_ERR_PARSE, "not an lpsim program (no LPSIMTRC header)");
    uint32_t version = get32(buf + 8), hdr = get32(buf + 12), nbufs = get32(buf + 24), nexp = get32(buf + 28);
    uint64_t ninsns = get64(buf + 16), ndata = get64(buf + 32), dram = get64(buf + 40);
    if (version == 1)
        return lp_diag_msg(
            d, LP_ERR_PARSE,
            "version 1 (written before lpsim stored stable codes): assemble the kernel again with 'lpsim asm'");
    if (version != ISA_TRACE_VERSION && version != ISA_TRACE_VERSION_KERNELS)
        return lp_diag_msg(d, LP_ERR_PARSE, "version %u, this lpsim reads versions %u and %u", version,
                           ISA_TRACE_VERSION, ISA_TRACE_VERSION_KERNELS);
    if (hdr != HEADER_BYTES) return lp_diag_msg(d, LP_ERR_PARSE, "header of %u bytes, expected %u", hdr, HEADER_BYTES);
    /* version 3 counts its kernels and sections in bytes 48 and 52 */
    for (int i = version == ISA_TRACE_VERSION ? 48 : 56; i < HEADER_BYTES; i++)
        if (buf[i]) return lp_diag_msg(d, LP_ERR_PARSE, "byte %d of the header is reserved and must be 0", i);
    if (ninsns > ISA_MAX_INSNS || nbufs > ISA_MAX_BUFFERS || nexp > ISA_MAX_BUFFERS || ndata > ISA_MAX_DATA ||
        dram >> ISA_DRAM_ADDR_BITS)
        return lp_diag_msg(d, LP_ERR_PARSE, "counts in the header exceed lpsim's limits");
    uint32_t nk = get32(buf + 48), ns = get32(buf + 52);
    if (version == ISA_TRACE_VERSION_KERNELS && !nk)
        return lp_diag_msg(d, LP_ERR_PARSE,
                           "version 3 without kernels (byte 48 is 0; a program without kernels is version 2)");
    if (nk > ISA_MAX_KERNELS)
        return lp_diag_msg(d, LP_ERR_PARSE, "%u kernels (header byte 48), lpsim's limit is %u", nk, ISA_MAX_KERNELS);
    /* every kernel has a section, and every section but the last of its kernel an instruction */
    if (ns < nk || ns - nk > ninsns)
        return lp_diag_msg(d, LP_ERR_PARSE,
                           "%u sections (header byte 52) for %u kernels and %llu instructions: expected %u to %llu", ns,
                           nk, (unsigned long long)ninsns, nk, (unsigned long long)(nk + ninsns));
    *want = HEADER_BYTES + ninsns * ISA_WORD_BYTES + (uint64_t)nbufs * BUF_RECORD + (uint64_t)nexp * EXPECT_RECORD +
            ndata + (uint64_t)nk * KERNEL_RECORD + (uint64_t)ns * SECTION_RECORD;
    return LP_OK;
}

lp_status isa_prog_parse(const uint8_t *buf, size_t len, isa_prog *p, lp_diag *d)
{
    lp_diag why;
    lp_diag_init(&why, NULL);
    isa_prog_init(p);
    uint64_t want;
    if (check_header(buf, len, &want, d)) return LP_ERR_PARSE;
    uint32_t nbufs = get32(buf + 24), nexp = get32(buf + 28);
    uint64_t ninsns = get64(buf + 16), ndata = get64(buf + 32), dram = get64(buf + 40);
    if (want != len) FAIL("the header describes %llu bytes, the file has %zu", (unsigned long long)want, len);
    const uint8_t *q = buf + HEADER_BYTES;
    /* buffers first: instructions are checked against them */
    const uint8_t *bq = q + ninsns * ISA_WORD_BYTES;
    p->bufs = calloc(nbufs ? nbufs : 1, sizeof *p->bufs);
    p->expects = calloc(nexp ? nexp : 1, sizeof *p->expects);
    p->data = malloc(ndata ? ndata : 1);
    p->code = malloc(ninsns ? ninsns * ISA_WORD_BYTES : 1);
    if (!p->bufs || !p->expects || !p->data || !p->code) FAIL("out of memory");
    p->cap_bufs = nbufs;
    p->cap_expects = nexp;
    p->cap_data = ndata;
    p->cap_insns = ninsns;
    uint64_t end = 0;
    for (uint32_t i = 0; i < nbufs; i++, bq += BUF_RECORD) {
        isa_buffer *b = &p->bufs[i];
        size_t off = (size_t)(bq - buf);
        if (memchr(bq, 0, ISA_NAME_MAX) == NULL) FAIL("buffer %u (byte %zu): name not terminated", i, off);
        memcpy(b->name, bq, ISA_NAME_MAX);
        for (size_t k = strlen(b->name); k < ISA_NAME_MAX; k++)
            if (bq[k]) FAIL("buffer %u (byte %zu): bytes after the name must be 0", i, off);
        if (!valid_name(b->name)) FAIL("buffer %u (byte %zu): invalid name", i, off);
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(p->bufs[j].name, b->name)) FAIL("buffer %u (byte %zu): duplicate name %s", i, off, b->name);
        mf_format f;
        b->fmt = get32(bq + 32);
        b->rows = get32(bq + 36);
        b->cols = get32(bq + 40);
        uint32_t hd = get32(bq + 44);
        b->addr = get64(bq + 48);
        b->data_off = get64(bq + 56);
        if (isa_fmt_decode(b->fmt, &f) != LP_OK || f.bits > 32) FAIL("buffer %s: unknown format code", b->name);
        if (b->rows == 0 || b->cols == 0 || hd > 1) FAIL("buffer %s: bad shape or flags", b->name);
        b->has_data = hd;
        /* bounded before multiplying: rows * cols * 4 of two u32s could wrap */
        uint64_t bytes = (uint64_t)b->rows * b->cols * (uint64_t)isa_elem_bytes(&f);
        if (b->rows > ISA_MAX_DIM || b->cols > ISA_MAX_DIM || bytes > ISA_MAX_BUFFER_BYTES)
            FAIL("buffer %s: %u x %u elements exceed lpsim's limits (%u rows or columns, 4 GiB)", b->name, b->rows,
                 b->cols, ISA_MAX_DIM);
        b->bytes = bytes;
        uint64_t at = (end + ISA_BUFFER_ALIGN - 1) / ISA_BUFFER_ALIGN * ISA_BUFFER_ALIGN;
        if (b->addr != at)
            FAIL("buffer %s: address 0x%llx, the layout puts it at 0x%llx", b->name, (unsigned long long)b->addr,
                 (unsigned long long)at);
        end = at + bytes;
        if (end > dram) FAIL("buffer %s ends past the DRAM size in the header", b->name);
        if (b->has_data ? (b->data_off > ndata || bytes > ndata - b->data_off) : b->data_off != 0)
            FAIL("buffer %s: contents outside the data section", b->name);
    }
    if (end != dram) FAIL("DRAM size in the header is not the end of the last buffer");
    p->nbufs = nbufs;
    p->dram_bytes = dram;
    for (uint32_t i = 0; i < nexp; i++, bq += EXPECT_RECORD) {
        isa_expect *e = &p->expects[i];
        e->buf = get32(bq);
        uint32_t rule = get32(bq + 4);
        uint64_t tb = get64(bq + 8);
        memcpy(&e->tol, &tb, 8);
        e->data_off = get64(bq + 16);
        if (get64(bq + 24)) FAIL("expectation %u: reserved bytes must be 0", i);
        if (e->buf >= nbufs) FAIL("expectation %u names buffer %u of %u", i, e->buf, nbufs);
        if (rule >= ISA_RULE_COUNT) FAIL("expectation %u: unknown rule %u", i, rule);
        e->rule = (isa_rule)rule;
        /* what the assembler writes: +0 for bitexact; finite, >= 0 and not -0
        ** (it takes no sign), not subnormal (lp_num refuses those), whole for maxulp */
        if (rule == ISA_RULE_BITEXACT ? tb != 0
                                      : !isfinite(e->tol) || signbit(e->tol) || fpclassify(e->tol) == FP_SUBNORMAL ||
                                            (rule == ISA_RULE_MAXULP && e->tol != floor(e->tol)))
            FAIL("expectation %u: bad tolerance", i);
        for (uint32_t j = 0; j < i; j++)
            if (p->expects[j].buf == e->buf)
                FAIL("expectation %u: buffer %s has expectation %u already", i, p->bufs[e->buf].name, j);
        uint64_t bytes = isa_buffer_bytes(&p->bufs[e->buf]);
        if (e->data_off > ndata || bytes > ndata - e->data_off)
            FAIL("expectation %u: data outside the data section", i);
    }
    p->nexpects = nexp;
    uint64_t data_at = (uint64_t)(bq - buf);
    if (check_layout(p, ndata, data_at, d)) {
        isa_prog_free(p);
        return LP_ERR_PARSE;
    }
    if (ndata) memcpy(p->data, bq, ndata);
    p->ndata = ndata;
    /* every code fits its format, as the assembler checks its sources */
    for (uint32_t i = 0; i < nbufs + nexp; i++) {
        const isa_buffer *b = &p->bufs[i < nbufs ? i : p->expects[i - nbufs].buf];
        uint64_t off = i < nbufs ? b->data_off : p->expects[i - nbufs].data_off, n = (uint64_t)b->rows * b->cols;
        mf_format f;
        uint32_t code = 0;
        if (i < nbufs && !b->has_data) continue;
        isa_buffer_format(b, &f);
        uint64_t k = first_unfit(p->data + off, n, &f, &code);
        if (k == n) continue;
        uint64_t at = data_at + off + k * (uint64_t)isa_elem_bytes(&f);
        if (i < nbufs)
            FAIL("buffer %s: element %llu (byte %llu): code %x does not fit %s (%d bits)", b->name,
                 (unsigned long long)k, (unsigned long long)at, code, f.name, f.bits);
        FAIL("expectation %u (buffer %s): element %llu (byte %llu): code %x does not fit %s (%d bits)", i - nbufs,
             b->name, (unsigned long long)k, (unsigned long long)at, code, f.name, f.bits);
    }
    for (uint64_t i = 0; i < ninsns; i++) {
        isa_insn in;
        int bad;
        if (isa_decode(q + i * ISA_WORD_BYTES, &in, &why) != LP_OK)
            FAIL("instruction %llu (byte %llu): %s", (unsigned long long)i,
                 (unsigned long long)(HEADER_BYTES + i * ISA_WORD_BYTES), why.msg);
        if (isa_prog_check_dram(p, &in, &bad, &why) != LP_OK)
            FAIL("instruction %llu (byte %llu): %s", (unsigned long long)i,
                 (unsigned long long)(HEADER_BYTES + i * ISA_WORD_BYTES), why.msg);
    }
    if (ninsns) memcpy(p->code, q, ninsns * ISA_WORD_BYTES);
    p->ninsns = ninsns;
    if (get32(buf + 48) && parse_kernels(buf, (size_t)(data_at + ndata), get32(buf + 48), get32(buf + 52), p, d)) {
        isa_prog_free(p);
        return LP_ERR_PARSE;
    }
    return LP_OK;
}

lp_status isa_prog_write(const isa_prog *p, const char *path, lp_diag *d)
{
    uint8_t *b;
    size_t n;
    lp_diag why;
    lp_diag_init(d, path);
    lp_diag_init(&why, path);
    if (isa_prog_serialize(p, &b, &n) != LP_OK) return lp_diag_set(d, LP_ERR_NOMEM, 1, 1, "out of memory");
    lp_status st = lp_write_file(path, b, n, &why); /* a temporary file renamed into place */
    free(b);
    if (st) return lp_diag_set(d, st, 1, 1, "%s", why.msg);
    return LP_OK;
}

/* The header is read and checked first: the size it describes must be the
** file's before anything else is read or allocated. */
lp_status isa_prog_read(const char *path, isa_prog *p, lp_diag *d)
{
    lp_diag rd;
    lp_diag_init(d, path);
    lp_diag_init(&rd, path);
    isa_prog_init(p);
    FILE *f;
    uint64_t size, want = 0;
    uint8_t head[HEADER_BYTES], *b = NULL;
    lp_status st = lp_open_input(path, &f, &size, &rd);
    if (st) return lp_diag_set(d, st, 0, 0, "cannot read: %s", rd.msg);
    size_t hn = size < HEADER_BYTES ? (size_t)size : HEADER_BYTES;
    st = lp_read_exact(f, head, hn, &rd);
    if (!st) st = check_header(head, hn, &want, &rd);
    if (!st && want != size)
        st = lp_diag_msg(&rd, LP_ERR_PARSE, "the header describes %llu bytes, the file has %llu",
                         (unsigned long long)want, (unsigned long long)size);
    if (!st && !(b = malloc((size_t)want))) st = lp_diag_msg(&rd, LP_ERR_NOMEM, "out of memory");
    if (!st) {
        memcpy(b, head, HEADER_BYTES);
        st = lp_read_exact(f, b + HEADER_BYTES, (size_t)want - HEADER_BYTES, &rd);
    }
    if (!st && getc(f) != EOF) st = lp_diag_msg(&rd, LP_ERR_PARSE, "the file grew while it was read");
    fclose(f);
    if (!st) st = isa_prog_parse(b, (size_t)want, p, &rd);
    free(b);
    if (st) return lp_diag_set(d, st, 1, 1, "%s", rd.msg);
    return LP_OK;
}
