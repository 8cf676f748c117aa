/*
 * writer.c - the store's single writer thread and the submissions that feed
 * it (see ingest.h for the contract).
 *
 * Producers fill chunks of up to CHUNK_ITEMS prepared rows on their own
 * threads and push them onto a bounded queue. The writer pops chunks, applies
 * them inside an open transaction, and commits:
 *   - as soon as commit_events items are pending, or
 *   - when the queue is empty and a submission is waiting to close, or
 *   - when the queue has stayed empty for commit_ms (group commit: rows that
 *     arrive while a commit is running ride in the next one).
 * Counts become "committed" per submission only after COMMIT succeeds. If a
 * transaction fails, every submission with rows in it is failed and told so;
 * later chunks of a failed submission are dropped, never half-applied.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tianyan/ingest.h"

#define CHUNK_ITEMS      512
#define CHUNK_ARENA_SOFT (256 * 1024) /* push a chunk once its strings pass this */
#define CHUNK_ARENA_MAX  (16 * 1024 * 1024)

enum { ITEM_EVENT, ITEM_REJECT };

typedef struct item {
    uint8_t kind;
    ty_event_row row;
    ty_reject *rej;
} item;

typedef struct chunk {
    struct chunk *next;
    ty_submission *sub;
    int close; /* the submission's last chunk */
    size_t n;
    ty_buf arena;
    item items[CHUNK_ITEMS];
} chunk;

struct ty_submission {
    ty_writer *w;
    ty_submission_opts o;
    chunk *cur; /* producer side: the chunk being filled */
    /* writer side */
    int64_t batch;
    ty_ingest_report pend; /* since the last commit (counts only) */
    ty_ingest_report rep;  /* committed */
    ty_reject *pend_err;
    size_t npend_err;
    int touched;         /* has rows in the open transaction */
    int close_seen;      /* the writer has processed its last chunk */
    int done;            /* everything is committed (or failed): close may return */
    _Atomic int failed;  /* a ty_err: set by the writer, read by the producer */
    chunk *close_chunk;  /* reserved at open, so that closing can never fail to enqueue */
    size_t rejects_kept; /* rows written to ingest_rejects for this submission */
};

/* A call of ty_writer_call, waiting for the writer thread. */
typedef struct job {
    struct job *next;
    ty_err (*fn)(ty_store *st, void *ctx);
    void *ctx;
    ty_err result;
    int done;
} job;

struct ty_writer {
    ty_store *st;
    job *jobs, **jobs_tail; /* waiting calls, under mu */
    ty_writer_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_items; /* writer waits for chunks */
    pthread_cond_t cv_space; /* producers wait for queue space */
    pthread_cond_t cv_done;  /* closers wait for their commit */
    chunk *head, *tail;
    size_t nq;
    chunk *spare; /* processed chunks kept for reuse: re-faulting fresh memory for every
                     chunk cost more than the inserts */
    size_t nspare;
    int stopping;
    int closers; /* submissions waiting in close */
    /* writer thread only */
    ty_submission **touched;
    size_t ntouched, captouched;
    size_t pending;
    int in_txn;
    ty_err last_err;
};

static void chunk_free(chunk *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].rej);
    ty_buf_free(&c->arena);
    free(c);
}

static chunk *chunk_new(ty_submission *s)
{
    chunk *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->next = NULL;
    c->sub = s;
    c->close = 0;
    c->n = 0;
    ty_buf_init(&c->arena, CHUNK_ARENA_MAX);
    return c;
}

/* Returns a processed chunk to the spare list (or frees it when enough are kept). */
static void chunk_recycle(ty_writer *w, chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].rej);
        c->items[i].rej = NULL;
    }
    c->n = 0;
    c->close = 0;
    c->sub = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->nspare < w->o.queue_chunks + 4) {
        if (c->arena.cap > 2 * CHUNK_ARENA_SOFT)
            ty_buf_free(&c->arena); /* an outsized record made it big: don't keep that */
        ty_buf_reset(&c->arena);
        c->next = w->spare;
        w->spare = c;
        w->nspare++;
        c = NULL;
    }
    pthread_mutex_unlock(&w->mu);
    chunk_free(c);
}

static chunk *chunk_get(ty_writer *w, ty_submission *s)
{
    pthread_mutex_lock(&w->mu);
    chunk *c = w->spare;
    if (c) {
        w->spare = c->next;
        w->nspare--;
    }
    pthread_mutex_unlock(&w->mu);
    if (!c)
        return chunk_new(s);
    c->next = NULL;
    c->sub = s;
    return c;
}

/* ---------------------------------------------------------------- writer thread */

static void fail_touched(ty_writer *w, ty_err e)
{
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->ntouched; i++) {
        ty_submission *s = w->touched[i];
        s->failed = e;
        s->touched = 0;
        memset(&s->pend, 0, sizeof s->pend);
        s->npend_err = 0;
        if (s->close_seen)
            s->done = 1;
    }
    pthread_mutex_unlock(&w->mu);
    pthread_cond_broadcast(&w->cv_done);
    w->ntouched = 0;
    w->pending = 0;
    w->last_err = e;
}

static void commit(ty_writer *w)
{
    if (!w->in_txn)
        return;
    ty_err e = TY_OK;
    for (size_t i = 0; i < w->ntouched && e == TY_OK; i++) {
        ty_submission *s = w->touched[i];
        e = ty_store_batch_count(w->st, s->batch, s->pend.accepted, s->pend.duplicate,
                                 s->pend.rejected);
    }
    if (e == TY_OK)
        e = ty_store_commit(w->st);
    else
        ty_store_rollback(w->st);
    w->in_txn = 0;
    if (e != TY_OK) {
        fail_touched(w, e);
        return;
    }
    /* durable: pending counts become acknowledged */
    for (size_t i = 0; i < w->ntouched; i++) {
        ty_submission *s = w->touched[i];
        s->rep.accepted += s->pend.accepted;
        s->rep.duplicate += s->pend.duplicate;
        s->rep.conflicts += s->pend.conflicts;
        s->rep.rejected += s->pend.rejected;
        for (int c = 0; c < TY_REJ__COUNT; c++)
            s->rep.by_class[c] += s->pend.by_class[c];
        for (size_t k = 0; k < s->npend_err && s->rep.nerrors < s->o.max_errors; k++)
            s->rep.errors[s->rep.nerrors++] = s->pend_err[k];
        s->npend_err = 0;
        s->rep.commits++;
        s->rep.batch = s->batch;
        memset(&s->pend, 0, sizeof s->pend);
        s->touched = 0;
        if (s->o.on_commit)
            s->o.on_commit(s->o.ctx, &s->rep);
    }
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->ntouched; i++)
        if (w->touched[i]->close_seen)
            w->touched[i]->done = 1;
    pthread_mutex_unlock(&w->mu);
    pthread_cond_broadcast(&w->cv_done);
    w->ntouched = 0;
    w->pending = 0;
}

static ty_err touch(ty_writer *w, ty_submission *s)
{
    if (!w->in_txn) {
        TY_TRY(ty_store_begin(w->st));
        w->in_txn = 1;
    }
    if (s->touched)
        return TY_OK;
    if (w->ntouched == w->captouched) {
        size_t cap = w->captouched ? w->captouched * 2 : 16;
        ty_submission **t = realloc(w->touched, cap * sizeof *t);
        if (!t)
            return TY_ENOMEM;
        w->touched = t;
        w->captouched = cap;
    }
    w->touched[w->ntouched++] = s;
    s->touched = 1;
    if (s->batch == 0)
        TY_TRY(ty_store_batch_open(w->st, s->o.platform, s->o.source, &s->batch));
    return TY_OK;
}

/* A re-sent id with other content: not stored (exactly once), but the sender is
 * told, in the report and in ingest_rejects, so a correction sent under an old id
 * (or a record stored partially before) does not go unnoticed. */
static ty_err note_conflict(ty_writer *w, ty_submission *s, const chunk *c, const ty_event_row *row)
{
    ty_reject rej;
    char id[80];
    ty_quote_for_message(id, sizeof id, c->arena.data + row->off[TY_ROW_RID], row->len[TY_ROW_RID],
                         64);
    ty_reject_set(&rej, row->line, TY_REJ_CONFLICT, "id",
                  "%s was stored before with different content; this version is not stored (a "
                  "correction needs a new id)",
                  id);
    s->pend.conflicts++;
    s->pend.by_class[TY_REJ_CONFLICT]++;
    if (s->rep.nerrors + s->npend_err < s->o.max_errors)
        s->pend_err[s->npend_err++] = rej;
    if (s->rejects_kept >= TY_STORE_REJECTS_KEPT)
        return TY_OK;
    s->rejects_kept++;
    return ty_store_add_reject(w->st, s->batch, &rej);
}

static void process(ty_writer *w, chunk *c)
{
    ty_submission *s = c->sub;
    ty_err e = TY_OK;
    if (!s->failed) {
        if (c->n || s->batch == 0 || s->touched)
            e = touch(w, s);
        for (size_t i = 0; i < c->n && e == TY_OK; i++) {
            item *it = &c->items[i];
            if (it->kind == ITEM_EVENT) {
                int dup;
                e = ty_store_add_row(w->st, s->o.platform, s->batch, &it->row, c->arena.data, &dup);
                if (e == TY_OK) {
                    if (dup)
                        s->pend.duplicate++;
                    else
                        s->pend.accepted++;
                }
                if (e == TY_OK && dup == TY_DUP_CONFLICT)
                    e = note_conflict(w, s, c, &it->row);
            } else {
                /* the store keeps the first TY_STORE_REJECTS_KEPT of each batch */
                if (s->rejects_kept < TY_STORE_REJECTS_KEPT) {
                    e = ty_store_add_reject(w->st, s->batch, it->rej);
                    s->rejects_kept++;
                }
                if (e == TY_OK) {
                    s->pend.rejected++;
                    s->pend.by_class[it->rej->class_]++;
                    if (s->rep.nerrors + s->npend_err < s->o.max_errors)
                        s->pend_err[s->npend_err++] = *it->rej;
                }
            }
        }
        w->pending += c->n;
        if (e != TY_OK) {
            if (w->in_txn)
                ty_store_rollback(w->st);
            w->in_txn = 0;
            /* s may not be in touched if touch() itself failed */
            if (!s->touched) {
                s->failed = e;
            }
            fail_touched(w, e);
        }
    }
    if (c->close) {
        pthread_mutex_lock(&w->mu);
        s->close_seen = 1;
        if (!s->touched) /* nothing pending for it */
            s->done = 1;
        pthread_mutex_unlock(&w->mu);
        pthread_cond_broadcast(&w->cv_done);
    }
}

/* Runs the calls in order, each in a savepoint of the transaction, then commits
 * them (with the events processed so far) and tells their callers. */
static void run_jobs(ty_writer *w, job *list)
{
    ty_err begun = TY_OK;
    if (!w->in_txn) {
        begun = ty_store_begin(w->st);
        w->in_txn = begun == TY_OK;
    }
    for (job *j = list; j; j = j->next) {
        if (begun != TY_OK) {
            j->result = begun;
            continue;
        }
        if ((j->result = ty_store_savepoint(w->st)) != TY_OK)
            continue;
        j->result = j->fn(w->st, j->ctx);
        ty_err end = ty_store_savepoint_end(w->st, j->result == TY_OK);
        if (j->result == TY_OK)
            j->result = end;
    }
    /* commit() fails the touched submissions when the commit fails; the calls
     * learn it from last_err */
    ty_err before = w->last_err;
    w->last_err = TY_OK;
    if (w->in_txn)
        commit(w);
    ty_err failed = w->last_err;
    if (failed == TY_OK)
        w->last_err = before;
    pthread_mutex_lock(&w->mu);
    for (job *j = list; j; j = j->next) {
        if (failed != TY_OK && j->result == TY_OK)
            j->result = failed;
        j->done = 1;
    }
    pthread_mutex_unlock(&w->mu);
    pthread_cond_broadcast(&w->cv_done);
}

static void *writer_main(void *arg)
{
    ty_writer *w = arg;
    pthread_setname_np(pthread_self(), "ty-writer"); /* visible in top and perf */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->jobs) {
            job *list = w->jobs;
            w->jobs = NULL;
            w->jobs_tail = &w->jobs;
            pthread_mutex_unlock(&w->mu);
            run_jobs(w, list);
            pthread_mutex_lock(&w->mu);
            continue;
        }
        while (!w->head && !w->stopping && !w->jobs) {
            if (w->in_txn && w->pending) {
                if (w->closers) { /* someone waits for a commit: no reason to linger */
                    pthread_mutex_unlock(&w->mu);
                    commit(w);
                    pthread_mutex_lock(&w->mu);
                    continue;
                }
                struct timespec until;
                clock_gettime(CLOCK_MONOTONIC, &until);
                long ns = until.tv_nsec + (long)w->o.commit_ms * 1000000L;
                until.tv_sec += ns / 1000000000L;
                until.tv_nsec = ns % 1000000000L;
                int rc = pthread_cond_timedwait(&w->cv_items, &w->mu, &until);
                if (rc == ETIMEDOUT && !w->head) {
                    pthread_mutex_unlock(&w->mu);
                    commit(w);
                    pthread_mutex_lock(&w->mu);
                }
            } else {
                pthread_cond_wait(&w->cv_items, &w->mu);
            }
        }
        if (w->jobs)
            continue;
        if (!w->head && w->stopping)
            break;
        chunk *c = w->head;
        w->head = c->next;
        if (!w->head)
            w->tail = NULL;
        w->nq--;
        int more = w->head != NULL;
        pthread_mutex_unlock(&w->mu);
        pthread_cond_signal(&w->cv_space);

        process(w, c);
        chunk_recycle(w, c);
        if (w->pending >= w->o.commit_events || (!more && w->closers))
            commit(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    commit(w);
    return NULL;
}

ty_err ty_writer_start(ty_writer **out, ty_store *st, const ty_writer_opts *o)
{
    ty_writer *w = calloc(1, sizeof *w);
    if (!w)
        return TY_ENOMEM;
    w->st = st;
    w->jobs_tail = &w->jobs;
    if (o)
        w->o = *o;
    if (!w->o.commit_events)
        w->o.commit_events = 10000;
    if (!w->o.commit_ms)
        w->o.commit_ms = 20;
    if (!w->o.queue_chunks)
        w->o.queue_chunks = 256;
    pthread_mutex_init(&w->mu, NULL);
    /* the idle-commit timer waits on the monotonic clock: a wall-clock step must
     * not delay commits */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv_items, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&w->cv_space, NULL);
    pthread_cond_init(&w->cv_done, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        free(w);
        return TY_ENOMEM;
    }
    *out = w;
    return TY_OK;
}

ty_err ty_writer_call(ty_writer *w, ty_err (*fn)(ty_store *st, void *ctx), void *ctx)
{
    job j = {NULL, fn, ctx, TY_OK, 0};
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        return TY_EBUSY;
    }
    *w->jobs_tail = &j;
    w->jobs_tail = &j.next;
    pthread_cond_signal(&w->cv_items);
    while (!j.done)
        pthread_cond_wait(&w->cv_done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return j.result;
}

ty_err ty_writer_stop(ty_writer **pw)
{
    ty_writer *w = *pw;
    if (!w)
        return TY_OK;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_mutex_unlock(&w->mu);
    pthread_cond_broadcast(&w->cv_items);
    pthread_cond_broadcast(&w->cv_space); /* producers waiting for room get TY_EBUSY */
    pthread_join(w->thread, NULL);
    ty_err e = w->last_err;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv_items);
    pthread_cond_destroy(&w->cv_space);
    pthread_cond_destroy(&w->cv_done);
    free(w->touched);
    while (w->spare) {
        chunk *c = w->spare;
        w->spare = c->next;
        chunk_free(c);
    }
    free(w);
    *pw = NULL;
    return e;
}

size_t ty_writer_backlog(ty_writer *w, size_t *capacity)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->nq;
    pthread_mutex_unlock(&w->mu);
    if (capacity)
        *capacity = w->o.queue_chunks;
    return n;
}

/* ---------------------------------------------------------------- producers */

/*
 * Queues the submission's current chunk (close: its reserved last chunk, which
 * takes the current rows too). A full queue makes the producer wait; the last
 * chunk is never refused nor made to wait, so that a closer always gets its
 * answer (the writer drains the queue before it stops).
 */
static ty_err push(ty_submission *s, int close)
{
    ty_writer *w = s->w;
    chunk *c = s->cur;
    if (close) {
        if (c && c->n) { /* the rows in hand go first, as a normal chunk */
            TY_TRY(push(s, 0));
        }
        chunk_free(s->cur);
        s->cur = NULL;
        c = s->close_chunk;
        s->close_chunk = NULL;
    } else if (!c) {
        c = chunk_get(w, s);
        if (!c)
            return TY_ENOMEM;
    }
    s->cur = NULL;
    c->close = close;
    pthread_mutex_lock(&w->mu);
    while (!close && w->nq >= w->o.queue_chunks && !w->stopping)
        pthread_cond_wait(&w->cv_space, &w->mu);
    if (w->stopping && !close) {
        pthread_mutex_unlock(&w->mu);
        chunk_free(c);
        return TY_EBUSY;
    }
    if (w->tail)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
    w->nq++;
    pthread_mutex_unlock(&w->mu);
    pthread_cond_signal(&w->cv_items);
    return TY_OK;
}

static ty_err room(ty_submission *s)
{
    if (s->cur && (s->cur->n == CHUNK_ITEMS || s->cur->arena.len >= CHUNK_ARENA_SOFT))
        TY_TRY(push(s, 0));
    if (!s->cur) {
        s->cur = chunk_get(s->w, s);
        if (!s->cur)
            return TY_ENOMEM;
    }
    return TY_OK;
}

ty_err ty_submission_open(ty_writer *w, const ty_submission_opts *o, ty_submission **out)
{
    ty_submission *s = calloc(1, sizeof *s);
    if (!s)
        return TY_ENOMEM;
    s->w = w;
    s->o = *o;
    if (!s->o.max_errors)
        s->o.max_errors = 100;
    s->rep.errors = calloc(s->o.max_errors, sizeof(ty_reject));
    s->pend_err = calloc(s->o.max_errors, sizeof(ty_reject));
    s->close_chunk = chunk_new(s);
    if (!s->rep.errors || !s->pend_err || !s->close_chunk) {
        free(s->rep.errors);
        free(s->pend_err);
        chunk_free(s->close_chunk);
        free(s);
        return TY_ENOMEM;
    }
    *out = s;
    return TY_OK;
}

ty_err ty_submission_record(ty_submission *s, const ty_record *rec)
{
    if (s->failed)
        return (ty_err)s->failed;
    TY_TRY(room(s));
    chunk *c = s->cur;
    size_t mark = c->arena.len;
    item *it = &c->items[c->n];
    ty_err e = ty_store_prepare_row(s->w->st, s->o.platform, rec, &c->arena, &it->row);
    if (e != TY_OK) {
        c->arena.len = mark;
        return e;
    }
    it->kind = ITEM_EVENT;
    it->rej = NULL;
    c->n++;
    return TY_OK;
}

ty_err ty_submission_reject(ty_submission *s, const ty_reject *rej)
{
    if (s->failed)
        return (ty_err)s->failed;
    TY_TRY(room(s));
    chunk *c = s->cur;
    item *it = &c->items[c->n];
    it->rej = malloc(sizeof *rej);
    if (!it->rej)
        return TY_ENOMEM;
    *it->rej = *rej;
    it->kind = ITEM_REJECT;
    c->n++;
    return TY_OK;
}

static ty_err finish(ty_submission **ps, ty_ingest_report *rep, int keep_rows)
{
    ty_submission *s = *ps;
    ty_writer *w = s->w;
    memset(rep, 0, sizeof *rep);
    if (!keep_rows && s->cur) { /* abandon the rows not yet handed over */
        chunk_free(s->cur);
        s->cur = NULL;
    }
    pthread_mutex_lock(&w->mu);
    w->closers++;
    pthread_mutex_unlock(&w->mu);
    /* The last chunk always goes (it was reserved at open); if the rows in hand
     * could not be queued first, the submission fails but still waits for the
     * writer to be done with it before it is freed. */
    ty_err e = push(s, 1);
    if (s->close_chunk) { /* the rows in hand failed to queue: send the last chunk alone */
        s->cur = NULL;
        push(s, 1);
    }
    pthread_mutex_lock(&w->mu);
    while (!s->done)
        pthread_cond_wait(&w->cv_done, &w->mu);
    w->closers--;
    pthread_mutex_unlock(&w->mu);
    *rep = s->rep;
    if (e == TY_OK)
        e = (ty_err)s->failed;
    chunk_free(s->cur);
    free(s->pend_err);
    free(s);
    *ps = NULL;
    return e;
}

ty_err ty_submission_close(ty_submission **ps, ty_ingest_report *rep)
{
    return finish(ps, rep, 1);
}

void ty_submission_abort(ty_submission **ps)
{
    ty_ingest_report rep;
    finish(ps, &rep, 0);
    ty_ingest_report_free(&rep);
}

void ty_ingest_report_free(ty_ingest_report *rep)
{
    free(rep->errors);
    rep->errors = NULL;
    rep->nerrors = 0;
}
