/*
 * entities.c - the entities risk is measured for, and their metrics in
 * event-time windows: for each (entity, metric) a ring of W daily counters,
 * created the first time the metric is counted, so that memory follows
 * activity (most entities count only a few metrics).
 */
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

/* Keyed SipHash of (kind, platform, key); only a bucket choice, every hit is
 * compared with the entity itself. */
static uint64_t ent_hash(const ty_engine *e, int kind, int64_t platform, const char *key, size_t n)
{
    unsigned char msg[9 + 256], h[8];
    msg[0] = (unsigned char)kind;
    for (int i = 0; i < 8; i++)
        msg[1 + i] = (unsigned char)((uint64_t)platform >> (8 * i));
    size_t k = n < 256 ? n : 256;
    memcpy(msg + 9, key, k);
    crypto_shorthash(h, msg, 9 + k, e->hkey);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static int same(const entity *x, int kind, int64_t platform, const char *key, size_t n)
{
    return x->kind == kind && x->platform == platform && strlen(x->key) == n &&
           memcmp(x->key, key, n) == 0;
}

uint32_t ent_find(ty_engine *e, int kind, int64_t platform, const char *key, size_t n)
{
    uint64_t pos = UINT64_MAX;
    int64_t cand;
    uint64_t h = ent_hash(e, kind, platform, key, n);
    while (ty_hashidx_next(&e->index, h, &pos, &cand))
        if (same(&e->ent[cand], kind, platform, key, n))
            return (uint32_t)cand;
    return NO_ENTITY;
}

ty_err ent_get(ty_engine *e, int kind, int64_t platform, const char *key, size_t n, uint32_t *idx)
{
    uint32_t found = ent_find(e, kind, platform, key, n);
    if (found != NO_ENTITY) {
        *idx = found;
        return TY_OK;
    }
    if (e->nent == e->capent) {
        uint32_t cap = e->capent ? e->capent * 2 : 1024;
        entity *p = realloc(e->ent, sizeof *p * cap);
        if (!p)
            return TY_ENOMEM;
        e->ent = p;
        e->capent = cap;
    }
    entity *x = &e->ent[e->nent];
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind;
    x->platform = platform;
    x->key = strndup(key, n);
    if (!x->key)
        return TY_ENOMEM;
    if (kind == TY_ENT_PRODUCT) {
        x->info = calloc(1, sizeof *x->info);
        if (!x->info) {
            free(x->key);
            return TY_ENOMEM;
        }
        x->info->brand = x->info->category = x->info->origin = x->info->merchant = NO_ENTITY;
        x->info->expiry_day = INT32_MIN;
        x->info->list_price = -1;
    }
    TY_TRY(ty_hashidx_insert(&e->index, ent_hash(e, kind, platform, key, n), e->nent));
    *idx = e->nent++;
    return TY_OK;
}

void ent_set_display(ty_engine *e, uint32_t idx, const char *s, size_t n)
{
    entity *x = &e->ent[idx];
    if (x->display && strlen(x->display) == n && memcmp(x->display, s, n) == 0)
        return;
    char *d = strndup(s, n);
    if (!d)
        return; /* the display name is a courtesy: keep the old one */
    free(x->display);
    x->display = d;
}

/* The ring of metric m, created when create is set (NULL when absent or out of memory). */
static ring *ring_of(ty_engine *e, entity *x, int m, int create)
{
    uint16_t lo = 0, hi = x->nrings;
    while (lo < hi) {
        uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (x->rings[mid]->metric < m)
            lo = (uint16_t)(mid + 1);
        else
            hi = mid;
    }
    if (lo < x->nrings && x->rings[lo]->metric == m)
        return x->rings[lo];
    if (!create)
        return NULL;
    if (x->nrings == x->caprings) {
        uint16_t cap = x->caprings ? (uint16_t)(x->caprings * 2) : 4;
        ring **r = realloc(x->rings, sizeof *r * cap);
        if (!r)
            return NULL;
        x->rings = r;
        x->caprings = cap;
    }
    ring *r = calloc(1, sizeof *r + sizeof(uint32_t) * (size_t)e->o.window_days);
    if (!r)
        return NULL;
    r->metric = (uint16_t)m;
    r->last_day = INT32_MIN;
    memmove(&x->rings[lo + 1], &x->rings[lo], sizeof *x->rings * (size_t)(x->nrings - lo));
    x->rings[lo] = r;
    x->nrings++;
    return r;
}

static uint32_t slot(const ty_engine *e, int32_t day)
{
    int32_t w = e->o.window_days;
    return (uint32_t)(((day % w) + w) % w);
}

int ent_add(ty_engine *e, uint32_t idx, int m, int32_t day, uint32_t v)
{
    entity *x = &e->ent[idx];
    ring *r = ring_of(e, x, m, 1);
    if (!r)
        return 0;
    int32_t w = e->o.window_days;
    if (r->last_day == INT32_MIN) {
        r->last_day = day;
    } else if (day > r->last_day) {
        /* the window moves forward: clear the days it passes over */
        int64_t gap = (int64_t)day - r->last_day;
        if (gap >= w)
            memset(r->cnt, 0, sizeof(uint32_t) * (size_t)w);
        else
            for (int32_t d = r->last_day + 1; d <= day; d++)
                r->cnt[slot(e, d)] = 0;
        r->last_day = day;
    } else if ((int64_t)r->last_day - day >= w) {
        return 0; /* older than the window */
    }
    r->cnt[slot(e, day)] += v;
    x->touched = e->gen;
    return 1;
}

uint32_t ent_count(const ty_engine *e, uint32_t idx, int m, int32_t day)
{
    ring *r = ring_of((ty_engine *)e, &e->ent[idx], m, 0);
    if (!r || r->last_day == INT32_MIN || day > r->last_day ||
        (int64_t)r->last_day - day >= e->o.window_days)
        return 0;
    return r->cnt[slot(e, day)];
}

uint64_t ent_sum(const ty_engine *e, uint32_t idx, int m, int32_t from, int32_t to)
{
    const ring *r = ring_of((ty_engine *)e, &e->ent[idx], m, 0); /* looked up once */
    if (!r || r->last_day == INT32_MIN)
        return 0;
    /* the days the ring holds: (last_day - W, last_day] */
    int32_t lo = r->last_day - e->o.window_days + 1;
    if (from < lo)
        from = lo;
    if (to > r->last_day)
        to = r->last_day;
    uint64_t s = 0;
    for (int32_t d = from; d <= to; d++)
        s += r->cnt[slot(e, d)];
    return s;
}

void ent_free_all(ty_engine *e)
{
    for (uint32_t i = 0; i < e->nent; i++) {
        entity *x = &e->ent[i];
        for (uint16_t k = 0; k < x->nrings; k++)
            free(x->rings[k]);
        free(x->rings);
        free(x->key);
        free(x->display);
        free(x->prices);
        free(x->evid);
        if (x->info) {
            reg_verdict_free(&x->info->reg);
            free(x->info->batch);
            free(x->info->gtin);
            free(x->info);
        }
    }
    free(e->ent);
    e->ent = NULL;
    e->nent = e->capent = 0;
}
