/* hashidx.c - 64-bit hash multimap (see hashidx.h). */
#include "tianyan/hashidx.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * The table is one anonymous mapping (zeroed by the kernel) with transparent
 * huge pages requested: lookups land at random places in hundreds of MiB, and
 * with 4 KiB pages nearly every one also missed the TLB.
 */
static ty_hashidx_slot *table_alloc(uint64_t cap)
{
    size_t bytes = (size_t)cap * sizeof(ty_hashidx_slot);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= (2u << 20))
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static void table_free(ty_hashidx_slot *t, uint64_t cap)
{
    if (t)
        munmap(t, (size_t)cap * sizeof(ty_hashidx_slot));
}

static uint64_t fix(uint64_t h)
{
    return h ? h : 1;
}

ty_err ty_hashidx_init(ty_hashidx *x, uint64_t expected)
{
    uint64_t cap = 1024;
    while (cap * 7 / 10 < expected)
        cap *= 2;
    x->slot = table_alloc(cap);
    if (!x->slot)
        return TY_ENOMEM;
    x->mask = cap - 1;
    x->count = 0;
    return TY_OK;
}

void ty_hashidx_free(ty_hashidx *x)
{
    table_free(x->slot, x->slot ? x->mask + 1 : 0);
    x->slot = NULL;
    x->mask = 0;
    x->count = 0;
}

void ty_hashidx_clear(ty_hashidx *x)
{
    memset(x->slot, 0, (x->mask + 1) * sizeof *x->slot);
    x->count = 0;
}

static void place(ty_hashidx_slot *slot, uint64_t mask, uint64_t hash, int64_t seq)
{
    uint64_t i = hash & mask;
    while (slot[i].hash)
        i = (i + 1) & mask;
    slot[i].hash = hash;
    slot[i].seq = seq;
}

static ty_err grow(ty_hashidx *x)
{
    uint64_t cap = (x->mask + 1) * 2;
    ty_hashidx_slot *s = table_alloc(cap);
    if (!s)
        return TY_ENOMEM;
    for (uint64_t i = 0; i <= x->mask; i++)
        if (x->slot[i].hash)
            place(s, cap - 1, x->slot[i].hash, x->slot[i].seq);
    table_free(x->slot, x->mask + 1);
    x->slot = s;
    x->mask = cap - 1;
    return TY_OK;
}

ty_err ty_hashidx_insert(ty_hashidx *x, uint64_t hash, int64_t seq)
{
    if ((x->count + 1) * 10 > (x->mask + 1) * 7)
        TY_TRY(grow(x));
    place(x->slot, x->mask, fix(hash), seq);
    x->count++;
    return TY_OK;
}

ty_err ty_hashidx_insert_many(ty_hashidx *x, const uint64_t *hash, const int64_t *seq, size_t n)
{
    enum { AHEAD = 16 };
    if ((x->count + n) * 10 > (x->mask + 1) * 7) {
        /* grow once for the whole run */
        while ((x->count + n) * 10 > (x->mask + 1) * 7)
            TY_TRY(grow(x));
    }
    for (size_t i = 0; i < n; i++) {
        /* the slot of a later key is fetched while this one is placed */
        if (i + AHEAD < n)
            __builtin_prefetch(&x->slot[fix(hash[i + AHEAD]) & x->mask], 1);
        place(x->slot, x->mask, fix(hash[i]), seq[i]);
    }
    x->count += n;
    return TY_OK;
}

void ty_hashidx_remove(ty_hashidx *x, uint64_t hash, int64_t seq)
{
    hash = fix(hash);
    uint64_t i = hash & x->mask;
    while (x->slot[i].hash && !(x->slot[i].hash == hash && x->slot[i].seq == seq))
        i = (i + 1) & x->mask;
    if (!x->slot[i].hash)
        return;
    /* Knuth, TAOCP vol. 3, 6.4 Algorithm R: pull later members of the cluster
     * back over the hole unless their home slot lies cyclically in (hole, j]. */
    uint64_t j = i;
    for (;;) {
        x->slot[i].hash = 0;
        for (;;) {
            j = (j + 1) & x->mask;
            if (!x->slot[j].hash) {
                x->count--;
                return;
            }
            uint64_t k = x->slot[j].hash & x->mask;
            int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays)
                break;
        }
        x->slot[i] = x->slot[j];
        i = j;
    }
}

int ty_hashidx_next(const ty_hashidx *x, uint64_t hash, uint64_t *pos, int64_t *seq)
{
    hash = fix(hash);
    uint64_t i = *pos == UINT64_MAX ? (hash & x->mask) : ((*pos + 1) & x->mask);
    while (x->slot[i].hash) {
        if (x->slot[i].hash == hash) {
            *pos = i;
            *seq = x->slot[i].seq;
            return 1;
        }
        i = (i + 1) & x->mask;
    }
    return 0;
}

size_t ty_hashidx_bytes(const ty_hashidx *x)
{
    return (size_t)(x->mask + 1) * sizeof(ty_hashidx_slot);
}
