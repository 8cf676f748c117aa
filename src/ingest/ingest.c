/* ingest.c - decode -> validate -> store exactly once, with group commit (see ingest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tianyan/ingest.h"

struct ty_ingest {
    ty_store *st;
    ty_ingest_opts o;
    ty_decoder *dec;
    int64_t platform;
    ty_ingest_report rep;   /* committed totals */
    ty_ingest_report pend;  /* since the last commit (counts only) */
    ty_reject *pend_err;    /* rejects since the last commit that will go to rep.errors */
    size_t npend_err;
    int open;               /* a transaction is open */
    ty_err failed;          /* sticky store failure */
};

static ty_err txn_open(ty_ingest *ig)
{
    if (ig->open)
        return TY_OK;
    TY_TRY(ty_store_begin(ig->st));
    ig->open = 1;
    if (ig->rep.batch == 0) {
        ty_err e = ty_store_batch_open(ig->st, ig->platform, ig->o.source, &ig->rep.batch);
        if (e != TY_OK) {
            ty_store_rollback(ig->st);
            ig->open = 0;
            ig->rep.batch = 0;
            return e;
        }
    }
    return TY_OK;
}

static ty_err txn_commit(ty_ingest *ig)
{
    if (!ig->open)
        return TY_OK;
    ty_err e = ty_store_batch_count(ig->st, ig->rep.batch, ig->pend.accepted, ig->pend.duplicate,
                                    ig->pend.rejected);
    if (e == TY_OK)
        e = ty_store_commit(ig->st);
    else
        ty_store_rollback(ig->st);
    ig->open = 0;
    if (e != TY_OK) {
        ig->failed = e;
        return e;
    }
    /* durable: now the pending counts become the acknowledged ones */
    ig->rep.accepted += ig->pend.accepted;
    ig->rep.duplicate += ig->pend.duplicate;
    ig->rep.rejected += ig->pend.rejected;
    for (int c = 0; c < TY_REJ__COUNT; c++)
        ig->rep.by_class[c] += ig->pend.by_class[c];
    for (size_t i = 0; i < ig->npend_err && ig->rep.nerrors < ig->o.max_errors; i++)
        ig->rep.errors[ig->rep.nerrors++] = ig->pend_err[i];
    ig->npend_err = 0;
    ig->rep.commits++;
    memset(&ig->pend, 0, sizeof ig->pend);
    if (ig->o.on_commit)
        ig->o.on_commit(ig->o.ctx, &ig->rep);
    return TY_OK;
}

static ty_err maybe_commit(ty_ingest *ig)
{
    uint64_t n = ig->pend.accepted + ig->pend.duplicate + ig->pend.rejected;
    return n >= ig->o.batch_events ? txn_commit(ig) : TY_OK;
}

static ty_err on_record(void *ctx, const ty_record *rec)
{
    ty_ingest *ig = ctx;
    TY_TRY(txn_open(ig));
    int dup;
    ty_err e = ty_store_add(ig->st, ig->platform, ig->rep.batch, rec, &dup);
    if (e != TY_OK) {
        ty_store_rollback(ig->st);
        ig->open = 0;
        ig->failed = e;
        return e;
    }
    if (dup)
        ig->pend.duplicate++;
    else
        ig->pend.accepted++;
    return maybe_commit(ig);
}

static ty_err on_reject(void *ctx, const ty_reject *rej)
{
    ty_ingest *ig = ctx;
    TY_TRY(txn_open(ig));
    ty_err e = ty_store_add_reject(ig->st, ig->rep.batch, rej);
    if (e != TY_OK) {
        ty_store_rollback(ig->st);
        ig->open = 0;
        ig->failed = e;
        return e;
    }
    ig->pend.rejected++;
    ig->pend.by_class[rej->class_]++;
    if (ig->rep.nerrors + ig->npend_err < ig->o.max_errors)
        ig->pend_err[ig->npend_err++] = *rej;
    return maybe_commit(ig);
}

ty_err ty_ingest_begin(ty_ingest **out, ty_store *st, const ty_ingest_opts *o)
{
    ty_ingest *ig = calloc(1, sizeof *ig);
    if (!ig)
        return TY_ENOMEM;
    ig->st = st;
    ig->o = *o;
    if (!ig->o.batch_events)
        ig->o.batch_events = 10000;
    if (!ig->o.max_errors)
        ig->o.max_errors = 100;
    ig->rep.errors = calloc(ig->o.max_errors, sizeof(ty_reject));
    ig->pend_err = calloc(ig->o.max_errors, sizeof(ty_reject));
    ty_err e = ig->rep.errors && ig->pend_err ? TY_OK : TY_ENOMEM;
    if (e == TY_OK)
        e = ty_store_platform(st, o->platform, 1, &ig->platform);
    ty_sink sink = {on_record, on_reject, ig};
    if (e == TY_OK)
        e = ty_decoder_new(&ig->dec, o->format, o->limits, &sink);
    if (e != TY_OK) {
        ty_ingest_free(&ig);
        return e;
    }
    *out = ig;
    return TY_OK;
}

ty_err ty_ingest_feed(ty_ingest *ig, const void *bytes, size_t n)
{
    if (ig->failed)
        return ig->failed;
    return ty_decoder_feed(ig->dec, bytes, n);
}

ty_err ty_ingest_end(ty_ingest *ig)
{
    if (ig->failed)
        return ig->failed;
    TY_TRY(ty_decoder_finish(ig->dec));
    ig->rep.lines = ty_decoder_lines(ig->dec);
    return txn_commit(ig);
}

const ty_ingest_report *ty_ingest_report_of(const ty_ingest *ig)
{
    return &ig->rep;
}

void ty_ingest_free(ty_ingest **pig)
{
    ty_ingest *ig = *pig;
    if (!ig)
        return;
    if (ig->open)
        ty_store_rollback(ig->st);
    ty_decoder_free(&ig->dec);
    free(ig->rep.errors);
    free(ig->pend_err);
    free(ig);
    *pig = NULL;
}

ty_err ty_ingest_path(ty_store *st, const ty_ingest_opts *o, const char *path,
                      ty_ingest_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TY_ENOENT : TY_EIO;
    ty_ingest *ig;
    ty_err e = ty_ingest_begin(&ig, st, o);
    if (e != TY_OK) {
        if (fd)
            close(fd);
        return e;
    }
    static const size_t chunk = 1 << 18;
    char *buf = malloc(chunk);
    if (!buf)
        e = TY_ENOMEM;
    while (e == TY_OK) {
        ssize_t n = read(fd, buf, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = TY_EIO;
            break;
        }
        if (n == 0)
            break;
        e = ty_ingest_feed(ig, buf, (size_t)n);
    }
    free(buf);
    if (fd)
        close(fd);
    if (e == TY_OK)
        e = ty_ingest_end(ig);
    /* hand the committed report (and its error array) to the caller */
    *rep = ig->rep;
    ig->rep.errors = NULL;
    ty_ingest_free(&ig);
    return e;
}

void ty_ingest_report_free(ty_ingest_report *rep)
{
    free(rep->errors);
    rep->errors = NULL;
    rep->nerrors = 0;
}
