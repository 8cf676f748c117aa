/*
 * deferred.c - the engine's warning writes when it follows a store that an
 * ingest writer is filling (ty_engine_opts.writer): the detectors run on the
 * engine's thread and its own read connection, and what they raise and clear
 * is copied here and then applied in one ty_writer_call() on the writer's
 * thread, inside its transaction. The engine never waits for SQLite's write
 * lock and ingest never waits for the detectors.
 *
 * The outcomes come back with the call: a clear that resolved the warning (or
 * found none standing) closes the engine's signal, as it does when the engine
 * writes itself.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "tianyan/ingest.h"

typedef struct wop {
    int clear;                /* 0: raise, 1: clear */
    ty_warning_signal sig;    /* raise: deep copy (points into mem) */
    ty_warning_key key;       /* clear: deep copy */
    int64_t time;             /* clear: event time */
    uint64_t sig_id;          /* clear: index of the engine's signal + 1 */
    ty_clear_outcome outcome; /* clear: filled by the call */
    char *mem;
} wop;

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s into *p (advancing it); NULL stays NULL. */
static const char *put(char **p, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*p, s, n);
    const char *out = *p;
    *p += n;
    return out;
}

static ty_err grow(ty_engine *e)
{
    deferred *d = &e->deferred;
    if (d->n < d->cap)
        return TY_OK;
    size_t cap = d->cap ? d->cap * 2 : 64;
    wop *o = realloc(d->ops, sizeof *o * cap);
    if (!o)
        return TY_ENOMEM;
    d->ops = o;
    d->cap = cap;
    return TY_OK;
}

static size_t key_len(const ty_warning_key *k)
{
    return slen(k->detector) + slen(k->entity_kind) + slen(k->entity_key) + slen(k->platform);
}

static void key_copy(char **p, const ty_warning_key *k, ty_warning_key *out)
{
    out->detector = put(p, k->detector);
    out->entity_kind = put(p, k->entity_kind);
    out->entity_key = put(p, k->entity_key);
    out->platform = put(p, k->platform);
}

ty_err defer_raise(ty_engine *e, const ty_warning_signal *w)
{
    TY_TRY(grow(e));
    size_t n = key_len(&w->key) + slen(w->rule_version) + slen(w->display_name) +
               slen(w->group_key) + slen(w->note);
    n += sizeof(ty_warning_stat) * w->nstats + sizeof(ty_warning_input) * w->ninputs +
         sizeof(int64_t) * w->nseqs;
    for (size_t i = 0; i < w->nstats; i++)
        n += slen(w->stats[i].name);
    for (size_t i = 0; i < w->ninputs; i++)
        n += slen(w->inputs[i].name) + slen(w->inputs[i].text);
    /* the arrays first, aligned, then the strings */
    char *mem = malloc(n ? n : 1);
    if (!mem)
        return TY_ENOMEM;
    wop *o = &e->deferred.ops[e->deferred.n];
    memset(o, 0, sizeof *o);
    o->mem = mem;
    o->sig = *w;
    char *p = mem;
    ty_warning_stat *st = (ty_warning_stat *)(void *)p;
    p += sizeof(ty_warning_stat) * w->nstats;
    ty_warning_input *in = (ty_warning_input *)(void *)p;
    p += sizeof(ty_warning_input) * w->ninputs;
    int64_t *seqs = (int64_t *)(void *)p;
    p += sizeof(int64_t) * w->nseqs;
    if (w->nseqs)
        memcpy(seqs, w->seqs, sizeof(int64_t) * w->nseqs);
    for (size_t i = 0; i < w->nstats; i++) {
        st[i] = w->stats[i];
        st[i].name = put(&p, w->stats[i].name);
    }
    for (size_t i = 0; i < w->ninputs; i++) {
        in[i] = w->inputs[i];
        in[i].name = put(&p, w->inputs[i].name);
        in[i].text = put(&p, w->inputs[i].text);
    }
    o->sig.stats = st;
    o->sig.inputs = in;
    o->sig.seqs = seqs;
    key_copy(&p, &w->key, &o->sig.key);
    o->sig.rule_version = put(&p, w->rule_version);
    o->sig.display_name = put(&p, w->display_name);
    o->sig.group_key = put(&p, w->group_key);
    o->sig.note = put(&p, w->note);
    e->deferred.n++;
    return TY_OK;
}

ty_err defer_clear(ty_engine *e, const ty_warning_key *k, int64_t t, size_t sig_index)
{
    TY_TRY(grow(e));
    char *mem = malloc(key_len(k));
    if (!mem)
        return TY_ENOMEM;
    wop *o = &e->deferred.ops[e->deferred.n];
    memset(o, 0, sizeof *o);
    o->clear = 1;
    o->mem = mem;
    char *p = mem;
    key_copy(&p, k, &o->key);
    o->time = t;
    o->sig_id = sig_index + 1;
    e->deferred.n++;
    return TY_OK;
}

typedef struct apply_ctx {
    ty_engine *e;
    int64_t advance_to;
} apply_ctx;

/* On the writer's thread, in its transaction. */
static ty_err apply(ty_store *st, void *ctx)
{
    apply_ctx *c = ctx;
    deferred *d = &c->e->deferred;
    char err[256];
    for (size_t i = 0; i < d->n; i++) {
        wop *o = &d->ops[i];
        if (o->clear) {
            ty_warning_cleared out;
            ty_err r = ty_warning_clear(st, &o->key, o->time, &out, err, sizeof err);
            if (r != TY_OK && r != TY_EINVAL)
                return r;
            o->outcome = r == TY_OK ? out.outcome : TY_CLEAR_STALE;
        } else {
            ty_warning_raised out;
            ty_err r = ty_warning_raise(st, &o->sig, &out, err, sizeof err);
            if (r != TY_OK && r != TY_EINVAL) /* a field out of its limits: kept in memory */
                return r;
        }
    }
    if (c->advance_to != INT64_MAX)
        TY_TRY(ty_warning_advance(st, c->advance_to, NULL));
    return TY_OK;
}

static void drop(deferred *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->ops[i].mem);
    d->n = 0;
}

ty_err defer_flush(ty_engine *e, int64_t advance_to)
{
    deferred *d = &e->deferred;
    apply_ctx c = {e, advance_to};
    ty_err r = TY_OK;
    if (d->n || advance_to != INT64_MAX)
        r = ty_writer_call(e->o.writer, apply, &c);
    if (r == TY_OK)
        for (size_t i = 0; i < d->n; i++) {
            const wop *o = &d->ops[i];
            if (o->clear && o->sig_id && o->sig_id <= e->nsigs &&
                (o->outcome == TY_CLEAR_RESOLVED || o->outcome == TY_CLEAR_NONE))
                e->sigs[o->sig_id - 1].active = 0;
        }
    drop(d);
    return r;
}

void defer_free(ty_engine *e)
{
    drop(&e->deferred);
    free(e->deferred.ops);
    memset(&e->deferred, 0, sizeof e->deferred);
}
