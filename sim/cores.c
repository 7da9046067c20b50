/*
** cores.c — timing twins and loaded bytes of each kernel (cores.h).
**
** A section's signature is a 64-bit FNV-1a hash of its instructions' timing
** keys (the words under a mask of the bits each opcode's key keeps, built
** once per opcode from isa_word_timing_key); sections with equal hashes and
** counts are compared key by key before
** they are grouped, so a collision costs time, never a wrong result. The
** distinct tiles of a kernel's loads live in an open-addressing hash set.
*/
#include "cores.h"

#include <stdlib.h>
#include <string.h>

#include "isa.h"
#include "mem.h"
#include "units.h"

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* The DRAM ranges of the instruction at word w (0, 1 or more), into r. */
static int dram_ranges(const uint8_t *w, mem_range *r, int max)
{
    isa_insn in;
    unit_op op;
    if (isa_decode(w, &in, NULL)) return 0;
    isa_to_op(&in, &op);
    int n = 0;
    for (int i = 0; i < op.nr && n < max; i++)
        if (op.r[i].space == MEM_DRAM) r[n++] = op.r[i];
    return n;
}

/* Whether an opcode has a DRAM operand (cached per opcode). */
static bool has_dram(uint8_t opcode)
{
    static int8_t known[256];
    if (!known[opcode]) {
        int op = isa_by_opcode(opcode);
        bool any = false;
        if (op >= 0) {
            const isa_info *info = isa_get((isa_op)op);
            for (int i = 0; i < info->nops; i++) any = any || info->ops[i].kind == ISA_K_DRAM;
        }
        known[opcode] = any ? 1 : -1;
    }
    return known[opcode] > 0;
}

typedef struct span {
    uint64_t lo, hi;
    bool write;
} span;

static int by_lo(const void *x, const void *y)
{
    const span *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* The bits of a word of opcode op that its timing key keeps (cached per
** opcode): the key of a word of all ones. */
static const uint8_t *key_mask(uint8_t op)
{
    static uint8_t masks[256][ISA_WORD_BYTES], known[256];
    if (!known[op]) {
        uint8_t w[ISA_WORD_BYTES];
        memset(w, 0xff, sizeof w);
        w[0] = op;
        isa_word_timing_key(w, masks[op]);
        masks[op][0] = 0xff;
        known[op] = 1;
    }
    return masks[op];
}

static uint64_t signature(const isa_prog *p, const isa_section *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (uint64_t i = s->first; i < s->first + s->count; i++) {
        const uint8_t *w = p->code + i * ISA_WORD_BYTES, *m = key_mask(w[0]);
        uint64_t x[ISA_WORD_BYTES / 8];
        for (int j = 0; j < ISA_WORD_BYTES / 8; j++) {
            uint64_t a, b;
            memcpy(&a, w + 8 * j, 8);
            memcpy(&b, m + 8 * j, 8);
            x[j] = a & b;
        }
        for (int j = 0; j < ISA_WORD_BYTES / 8; j++) h = (h ^ x[j]) * UINT64_C(0x100000001b3);
    }
    return h;
}

/* Whether b's DRAM tiles are a's moved by one distance per buffer: then every
** overlap between two of a's tiles (the scoreboard's dependencies through
** DRAM) is one between the same two of b's, and none appears. */
static bool translated(const isa_prog *p, const isa_section *a, const isa_section *b)
{
    int64_t *delta = calloc(p->nbufs ? p->nbufs : 1, sizeof *delta);
    uint8_t *seen = calloc(p->nbufs ? p->nbufs : 1, 1);
    bool ok = delta && seen;
    for (uint64_t i = 0; ok && i < a->count; i++) {
        const uint8_t *wa = p->code + (a->first + i) * ISA_WORD_BYTES, *wb = p->code + (b->first + i) * ISA_WORD_BYTES;
        if (!has_dram(wa[0])) continue;
        mem_range ra[4], rb[4];
        int na = dram_ranges(wa, ra, 4), nb = dram_ranges(wb, rb, 4);
        ok = na == nb;
        for (int j = 0; ok && j < na; j++) {
            int ba = isa_prog_buffer_at(p, ra[j].addr), bb = isa_prog_buffer_at(p, rb[j].addr);
            ok = ba >= 0 && ba == bb;
            if (!ok) break;
            int64_t d = (int64_t)(rb[j].addr - ra[j].addr);
            if (seen[ba]) ok = delta[ba] == d;
            seen[ba] = 1, delta[ba] = d;
        }
    }
    free(delta), free(seen);
    return ok;
}

/* Twins: equal timing keys, and either neither writes DRAM where it also
** reads or writes, or b's DRAM tiles are a's translated per buffer. */
static bool twins(const isa_prog *p, const isa_section *a, bool a_alias, const isa_section *b, bool b_alias)
{
    if (a->count != b->count) return false;
    for (uint64_t i = 0; i < a->count; i++) {
        const uint8_t *wa = p->code + (a->first + i) * ISA_WORD_BYTES, *wb = p->code + (b->first + i) * ISA_WORD_BYTES;
        if (wa[0] != wb[0]) return false;
        const uint8_t *m = key_mask(wa[0]);
        for (int j = 0; j < ISA_WORD_BYTES; j++)
            if ((wa[j] ^ wb[j]) & m[j]) return false;
    }
    return (!a_alias && !b_alias) || translated(p, a, b);
}

/* ---- distinct loaded tiles: an open-addressing set ---------------------------------- */

typedef struct tile {
    uint64_t addr, rows, row_bytes, pitch;
} tile;

typedef struct tile_set {
    tile *t;
    uint64_t *last; /* the loaded bytes (the kernel's clock) at the tile's last load */
    uint8_t *used;
    size_t cap, n;
} tile_set;

static uint64_t tile_hash(const tile *t) { return fnv(UINT64_C(0xcbf29ce484222325), (const uint8_t *)t, sizeof *t); }

static void set_free(tile_set *s) { free(s->t), free(s->last), free(s->used); }

/* The slot of x, inserted (*added) if absent; -1 out of memory. */
static long set_slot(tile_set *s, const tile *x, bool *added)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 1024;
        tile_set g = {calloc(nc, sizeof *g.t), calloc(nc, sizeof *g.last), calloc(nc, 1), nc, 0};
        if (!g.t || !g.last || !g.used) {
            set_free(&g);
            return -1;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->used[i]) {
                bool a;
                g.last[set_slot(&g, &s->t[i], &a)] = s->last[i];
            }
        set_free(s);
        *s = g;
    }
    for (size_t i = tile_hash(x) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->used[i]) {
            s->used[i] = 1;
            s->t[i] = *x;
            s->n++;
            *added = true;
            return (long)i;
        }
        if (!memcmp(&s->t[i], x, sizeof *x)) {
            *added = false;
            return (long)i;
        }
    }
}

/* A kernel's loads, section by section, in program order. */
typedef struct load {
    tile t;
    uint64_t bytes; /* as stored: sub-byte elements packed (mem_range_bytes) */
    uint32_t sec;   /* the section's index in the kernel */
} load;

typedef struct loads {
    load *v;
    size_t n, cap;
    size_t *start; /* per section: its first load; start[nsecs] = n */
} loads;

/* The loads that miss the L2 (cores.h): the cores' loads interleaved, the
** i-th load of every section before the (i+1)-th of any (the cores at work
** run their items in step), each a miss when its tile is new or when more
** than l2_bytes were loaded since its last load (an LRU cache of that size
** holds at most that many bytes: the traffic between two uses bounds their
** stack distance). LP_OK or LP_ERR_NOMEM. */
static lp_status count_misses(const loads *L, uint32_t nsecs, uint64_t l2_bytes, lp_kernel_plan *kp)
{
    tile_set set = {0};
    uint64_t clock = 0;
    size_t most = 0;
    for (uint32_t s = 0; s < nsecs; s++)
        if (L->start[s + 1] - L->start[s] > most) most = L->start[s + 1] - L->start[s];
    for (size_t i = 0; i < most; i++)
        for (uint32_t s = 0; s < nsecs; s++) {
            if (L->start[s] + i >= L->start[s + 1]) continue;
            const load *x = &L->v[L->start[s] + i];
            uint64_t bytes = x->bytes;
            bool added;
            long slot = set_slot(&set, &x->t, &added);
            if (slot < 0) return set_free(&set), LP_ERR_NOMEM;
            if (added || clock - set.last[slot] > l2_bytes) kp->miss_bytes += bytes;
            clock += bytes;
            set.last[slot] = clock;
        }
    set_free(&set);
    return LP_OK;
}

/* Spans of a section's DRAM ranges, reused from section to section. */
typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

/* Whether spans v (sorted here) hold a write that overlaps another span
** (bounding spans, so a false "yes" only costs a group of its own). */
static bool spans_alias(spans *sp)
{
    if (sp->n < 2) return false;
    qsort(sp->v, sp->n, sizeof *sp->v, by_lo);
    /* sweep: the span reaching furthest so far, and whether any span up to it writes */
    uint64_t reach = sp->v[0].hi;
    bool w = sp->v[0].write;
    for (size_t i = 1; i < sp->n; i++) {
        bool overlaps = sp->v[i].lo < reach;
        if (overlaps && (w || sp->v[i].write)) return true;
        w = overlaps ? w || sp->v[i].write : sp->v[i].write;
        if (sp->v[i].hi > reach) reach = sp->v[i].hi;
    }
    return false;
}

/* One pass over a section's DRAM instructions, each decoded once: its loads
** into the kernel's loaded bytes and list L (section sec), and, unless
** all_cores, whether it writes DRAM bytes that it also reads or writes
** elsewhere (*alias). LP_OK or LP_ERR_NOMEM. */
static lp_status scan_section(const isa_prog *p, const isa_section *s, uint32_t sec, bool all_cores, loads *L,
                              spans *sp, lp_kernel_plan *kp, bool *alias)
{
    bool writes = false;
    sp->n = 0;
    for (uint64_t i = s->first; i < s->first + s->count; i++) {
        const uint8_t *w = p->code + i * ISA_WORD_BYTES;
        if (!has_dram(w[0])) continue;
        mem_range r[4];
        int k = dram_ranges(w, r, 4);
        for (int j = 0; j < k; j++) {
            if (r[j].read) {
                if (L->n == L->cap) {
                    size_t nc = L->cap ? 2 * L->cap : 1024;
                    load *q = realloc(L->v, nc * sizeof *q);
                    if (!q) return LP_ERR_NOMEM;
                    L->v = q, L->cap = nc;
                }
                uint64_t bytes = mem_range_bytes(&r[j]);
                L->v[L->n++] = (load){{r[j].addr, r[j].rows, r[j].row_bytes, r[j].pitch}, bytes, sec};
                kp->load_bytes += bytes;
            }
            if (all_cores) continue;
            if (sp->n == sp->cap) {
                size_t nc = sp->cap ? 2 * sp->cap : 64;
                span *q = realloc(sp->v, nc * sizeof *q);
                if (!q) return LP_ERR_NOMEM;
                sp->v = q, sp->cap = nc;
            }
            sp->v[sp->n++] = (span){r[j].addr, mem_range_end(&r[j]), r[j].write};
            writes = writes || r[j].write;
        }
    }
    *alias = writes && spans_alias(sp);
    return LP_OK;
}

lp_status lp_plan_kernels(const isa_prog *p, bool all_cores, uint64_t l2_bytes, lp_kernel_plan **plans, size_t *n)
{
    isa_layout lay;
    isa_prog_layout(p, &lay);
    *n = 0;
    *plans = calloc(lay.nkernels, sizeof **plans);
    if (!*plans) return LP_ERR_NOMEM;
    lp_status st = LP_OK;
    uint64_t *sig = NULL;
    uint8_t *aliased = NULL;
    spans sp = {0};
    loads L = {0};
    for (size_t k = 0; k < lay.nkernels && !st; k++) {
        lp_kernel_plan *kp = &(*plans)[k];
        *n = k + 1;
        const isa_kernel *K = &lay.kernels[k];
        kp->groups = calloc(K->nsecs ? K->nsecs : 1, sizeof *kp->groups);
        uint64_t *s2 = realloc(sig, (K->nsecs ? K->nsecs : 1) * sizeof *sig);
        if (s2) sig = s2;
        uint8_t *a2 = realloc(aliased, K->nsecs ? K->nsecs : 1);
        if (a2) aliased = a2;
        if (!kp->groups || !s2 || !a2) {
            st = LP_ERR_NOMEM;
            break;
        }
        size_t *start = realloc(L.start, (K->nsecs + 1) * sizeof *L.start);
        if (!start) {
            st = LP_ERR_NOMEM;
            break;
        }
        L.start = start, L.n = 0;
        for (uint32_t i = 0; i < K->nsecs && !st; i++) {
            uint32_t si = K->first_sec + i;
            const isa_section *s = &lay.secs[si];
            L.start[i] = L.n;
            L.start[i + 1] = L.n;
            if (!s->count) continue;
            kp->active++;
            bool alias = false;
            if ((st = scan_section(p, s, i, all_cores, &L, &sp, kp, &alias))) break;
            L.start[i + 1] = L.n;
            aliased[i] = (uint8_t)alias;
            sig[i] = all_cores ? 0 : signature(p, s);
            uint32_t g = kp->ngroups;
            if (!all_cores)
                for (g = 0; g < kp->ngroups; g++) {
                    uint32_t r = kp->groups[g].rep, ri = r - K->first_sec;
                    if (sig[ri] == sig[i] && twins(p, &lay.secs[r], aliased[ri], s, aliased[i])) break;
                }
            if (g == kp->ngroups) kp->groups[kp->ngroups++] = (lp_core_group){si, 0};
            kp->groups[g].count++;
        }
        if (!st) st = count_misses(&L, K->nsecs, l2_bytes, kp);
    }
    free(sig), free(aliased), free(sp.v), free(L.v), free(L.start);
    return st;
}

void lp_plan_free(lp_kernel_plan *plans, size_t n)
{
    if (!plans) return;
    for (size_t i = 0; i < n; i++) free(plans[i].groups);
    free(plans);
}
