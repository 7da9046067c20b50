/*
** cm_graph.c — the op graph's storage: an arena of chunks for everything the
** ops and tensors point to (names, shapes, attribute texts), growing arrays
** of ops and tensors, and the small helpers on tensors. Compiled into the
** reader module and the cost model alike, so it uses the C library only.
*/
#include "cm_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES ((size_t)1 << 16)

struct cm_chunk {
    struct cm_chunk *next;
    size_t used, cap;
    _Alignas(8) unsigned char mem[];
};

cm_graph *cm_graph_new(void) { return calloc(1, sizeof(cm_graph)); }

void cm_graph_free(cm_graph *g)
{
    if (!g) return;
    for (struct cm_chunk *c = g->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(g->ops);
    free(g->tensors);
    free(g->patterns);
    free(g);
}

void *cm_alloc(cm_graph *g, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct cm_chunk *c = g->arena;
    if (!c || c->cap - c->used < n) {
        /* a request larger than a chunk gets a chunk of its own, behind the current one */
        size_t cap = n > CHUNK_BYTES / 4 ? n : CHUNK_BYTES;
        struct cm_chunk *fresh = malloc(sizeof *fresh + cap);
        if (!fresh) return NULL;
        fresh->used = 0, fresh->cap = cap;
        if (c && cap != CHUNK_BYTES) {
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            g->arena = fresh;
        }
        c = fresh;
    }
    void *p = c->mem + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

const char *cm_strndup(cm_graph *g, const char *s, size_t n)
{
    char *p = cm_alloc(g, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

bool cm_grow(void **arr, int32_t *cap, int32_t n, size_t sz)
{
    if (n < *cap) return true;
    int32_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, (size_t)ncap * sz);
    if (!p) return false;
    *arr = p, *cap = ncap;
    return true;
}

int32_t cm_graph_add_op(cm_graph *g)
{
    if (g->nops >= CM_MAX_OPS || !cm_grow((void **)&g->ops, &g->ops_cap, g->nops, sizeof *g->ops)) return -1;
    cm_op *op = &g->ops[g->nops];
    memset(op, 0, sizeof *op);
    op->pattern = -1;
    return g->nops++;
}

int32_t cm_graph_add_tensor(cm_graph *g)
{
    if (g->ntensors >= INT32_MAX / 2 ||
        !cm_grow((void **)&g->tensors, &g->tensors_cap, g->ntensors, sizeof *g->tensors))
        return -1;
    cm_tensor *t = &g->tensors[g->ntensors];
    memset(t, 0, sizeof *t);
    t->producer = -1;
    t->elem = "";
    return g->ntensors++;
}

const char *cm_kind_name(cm_kind k)
{
    static const char *const names[] = {
#define CM_KIND(id, name, help) name,
#include "cm_kinds.def"
#undef CM_KIND
    };
    return (unsigned)k < CM_KIND_COUNT ? names[k] : "?";
}

const char *cm_op_attr(const cm_op *op, const char *name)
{
    for (int i = 0; i < op->nattr; i++)
        if (!strcmp(op->attr[i].name, name)) return op->attr[i].text;
    return NULL;
}

bool cm_tensor_elems(const cm_tensor *t, uint64_t *n)
{
    if (t->rank < 0) return false;
    uint64_t e = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0) return false;
        uint64_t d = (uint64_t)t->dims[i];
        if (d && e > (UINT64_C(1) << 62) / d) return false;
        e *= d;
    }
    *n = e;
    return true;
}

uint64_t cm_tensor_bytes(const cm_tensor *t)
{
    uint64_t n;
    if (!t->elem_bits || !cm_tensor_elems(t, &n)) return 0;
    /* n < 2^62 and bits <= 2^10 keep the product in range only below 2^54 elements */
    if (n > (UINT64_C(1) << 54)) return UINT64_MAX / 2;
    return (n * (uint64_t)t->elem_bits + 7) / 8;
}

/* Append s to buf (n bytes in all, *len used so far), truncating, always terminated. */
static void put(char *buf, size_t n, size_t *len, const char *s)
{
    size_t sl = strlen(s);
    if (*len + 1 < n) {
        size_t room = n - 1 - *len, k = sl < room ? sl : room;
        memcpy(buf + *len, s, k);
        buf[*len + k] = 0;
    }
    *len += sl;
}

int cm_tensor_str(const cm_tensor *t, char *buf, size_t n)
{
    size_t len = 0;
    if (n) buf[0] = 0;
    if (t->rank == CM_RANK_OPAQUE) {
        put(buf, n, &len, t->elem[0] ? t->elem : "?");
        return (int)len;
    }
    if (t->rank == CM_RANK_UNRANKED) put(buf, n, &len, "*x");
    for (int i = 0; i < t->rank; i++) {
        char d[24];
        if (t->dims[i] < 0)
            snprintf(d, sizeof d, "?x");
        else
            snprintf(d, sizeof d, "%lldx", (long long)t->dims[i]);
        put(buf, n, &len, d);
    }
    put(buf, n, &len, t->elem);
    return (int)len;
}
