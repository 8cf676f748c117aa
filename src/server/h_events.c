/*
 * h_events.c - POST /api/v1/events: a platform's feed, streamed from the
 * request body into the store's single writer (ingest.h) as it arrives.
 *
 * Admission: a request is refused with 429 and Retry-After before any of its
 * body is read when ingest_concurrency requests are already in progress or
 * the writer's queue is fuller than ingest_queue_percent - the client waits
 * and sends again, nothing is lost. Once admitted, a full queue makes the
 * decoder wait, which stops reading the socket (TCP back-pressure).
 *
 * Durable before acknowledged: the answer is built from ty_ingest_end()'s
 * report, which holds only committed counts. Every body read to its end is
 * one ingest batch, appended to the audit trail as "ingest.batch" with its
 * counts, by the key's actor.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "server_impl.h"
#include "tianyan/audit.h"
#include "tianyan/codec.h"

static void refuse(srv *s, req *r, const char *why, const char *msg)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%lld", (long long)srv_conf(s)->retry_after);
    srv_metrics_ingest_refused(why);
    srv_error(r, SE_TOO_MANY, "%s; send the body again in %s s (nothing of it was stored)", msg,
              ra);
    srv_add_header(r, "Retry-After", ra);
}

/* On the writer thread, after each commit that carried rows of this request. */
static void on_commit(void *ctx, const ty_ingest_report *rep)
{
    req *r = ctx;
    r->c_accepted = rep->accepted;
    r->c_duplicate = rep->duplicate;
    r->c_rejected = rep->rejected;
    r->c_batch = rep->batch;
}

typedef struct audit_ctx {
    const char *actor, *object;
    const ty_audit_field *f;
    size_t nf;
    char *err;
    size_t errn;
} audit_ctx;

static ty_err audit_body(ty_store *st, void *ctx)
{
    audit_ctx *c = ctx;
    return ty_audit_append_fields(st, c->actor, "ingest.batch", c->object, c->f, c->nf, NULL,
                                  c->err, c->errn);
}

/* Appends the batch to the audit trail; cut: NULL for a body read to its end,
 * else why it was not (its events up to then are stored all the same). */
static ty_err audit_batch(srv *s, req *r, uint64_t accepted, uint64_t duplicate, uint64_t rejected,
                          int64_t batch, const char *cut, char *err, size_t errn)
{
    char object[80];
    snprintf(object, sizeof object, "platform:%s", r->who.platform_code);
    ty_audit_field af[] = {{"source", r->source, 0},
                           {"format", ty_format_name(r->fmt), 0},
                           {"accepted", NULL, (int64_t)accepted},
                           {"duplicate", NULL, (int64_t)duplicate},
                           {"rejected", NULL, (int64_t)rejected},
                           {"batch", NULL, batch},
                           {"cut", cut, 0}};
    audit_ctx ac = {r->who.actor, object, af, cut ? 7 : 6, err, errn};
    return srv_write(s, audit_body, &ac);
}

void ingest_abort(srv *s, req *r, const char *why)
{
    if (r->ig) {
        ty_ingest_free(&r->ig); /* rows already queued are stored, each exactly once */
        if (r->c_accepted + r->c_duplicate + r->c_rejected) {
            char err[256] = "";
            ty_err e = audit_batch(s, r, r->c_accepted, r->c_duplicate, r->c_rejected, r->c_batch,
                                   why, err, sizeof err);
            if (e != TY_OK)
                srv_log(s, "error", "audit failed", "request_id", r->id, "error", ty_err_name(e),
                        "detail", err, (const char *)NULL);
        }
    }
    ingest_release(s, r);
}

void ingest_begin(srv *s, req *r)
{
    if (atomic_fetch_add(&s->ingest_inflight, 1) >= srv_conf(s)->ingest_concurrency) {
        atomic_fetch_sub(&s->ingest_inflight, 1);
        refuse(s, r, "concurrency", "too many ingest requests in progress");
        return;
    }
    r->ingest_slot = 1;
    size_t cap = 0, q = ty_writer_backlog(s->writer, &cap);
    if (q * 100 >= cap * (size_t)srv_conf(s)->ingest_queue_percent) {
        ingest_release(s, r);
        refuse(s, r, "backlog", "the store's writer is behind");
        return;
    }
    ty_ingest_opts io;
    memset(&io, 0, sizeof io);
    snprintf(r->source, sizeof r->source, "http:%s", r->id);
    io.sub.platform = r->who.platform;
    io.sub.source = r->source;
    io.sub.max_errors = (size_t)srv_conf(s)->ingest_max_errors;
    io.sub.on_commit = on_commit;
    io.sub.ctx = r;
    io.format = r->fmt;
    ty_err e = ty_ingest_begin(&r->ig, s->writer, &io);
    if (e != TY_OK) {
        r->ig = NULL;
        ingest_release(s, r);
        srv_error_ty(r, e == TY_EBUSY ? TY_EBUSY : e, "starting an ingest");
    }
}

void ingest_feed(srv *s, req *r, const char *data, size_t n)
{
    ty_err e = ty_ingest_feed(r->ig, data, n);
    if (e != TY_OK) {
        ingest_abort(s, r, e == TY_EBUSY ? "shutdown" : ty_err_name(e));
        if (e == TY_EBUSY)
            srv_error(r, SE_UNAVAILABLE,
                      "the server is shutting down; send the body again to "
                      "another instance or later (events are stored once)");
        else
            srv_error_ty(r, e, "ingesting");
    }
}

void ingest_release(srv *s, req *r)
{
    if (r->ig)
        ingest_abort(s, r, "abandoned");
    if (r->ingest_slot) {
        r->ingest_slot = 0;
        atomic_fetch_sub(&s->ingest_inflight, 1);
    }
}

typedef struct report_ctx {
    const ty_ingest_report *rep;
    const req *r;
} report_ctx;

static void report_members(yajl_gen g, const report_ctx *c)
{
    const ty_ingest_report *rep = c->rep;
    json_str(g, "request_id", c->r->id);
    json_int(g, "batch", rep->batch);
    json_str(g, "format", ty_format_name(c->r->fmt));
    json_int(g, "lines", (long long)rep->lines);
    json_int(g, "accepted", (long long)rep->accepted);
    json_int(g, "duplicate", (long long)rep->duplicate);
    json_int(g, "conflicts", (long long)rep->conflicts);
    json_int(g, "rejected", (long long)rep->rejected);
    json_key(g, "errors");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rep->nerrors; i++) {
        const ty_reject *x = &rep->errors[i];
        yajl_gen_map_open(g);
        json_int(g, "line", (long long)x->line);
        json_str(g, "field", x->field);
        json_str(g, "code", ty_reject_class_name(x->class_));
        json_str(g, "message", x->message);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void answer(req *r, const ty_ingest_report *rep, srv_err err, const char *msg)
{
    report_ctx c = {rep, r};
    yajl_gen g = json_new();
    if (!g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    yajl_gen_map_open(g);
    if (msg) {
        json_key(g, "error");
        yajl_gen_map_open(g);
        json_str(g, "code", srv_err_code(err));
        json_str(g, "message", msg);
        json_str(g, "request_id", r->id);
        yajl_gen_map_close(g);
        r->err = err;
        r->has_err = 1;
    }
    report_members(g, &c);
    yajl_gen_map_close(g);
    ty_buf b = {0};
    if (json_finish(g, &b) == TY_OK)
        srv_respond_json(r, msg ? srv_err_status(err) : 200, &b);
    else
        srv_error(r, SE_INTERNAL, "out of memory");
    ty_buf_free(&b);
}

void h_events_post(srv *s, req *r)
{
    if (!r->ig) { /* refused or failed earlier: the answer is set */
        if (!r->resp)
            srv_error(r, SE_INTERNAL, "the ingest did not start");
        return;
    }
    ty_ingest_report rep;
    memset(&rep, 0, sizeof rep);
    ty_err e = ty_ingest_end(&r->ig, &rep);
    ingest_release(s, r);
    srv_metrics_ingest(&rep);
    if (e != TY_OK) {
        srv_log(s, "error", "ingest failed", "request_id", r->id, "error", ty_err_name(e),
                (const char *)NULL);
        answer(r, &rep, e == TY_EBUSY ? SE_UNAVAILABLE : SE_INTERNAL,
               "the store failed during this batch; the counts below were committed before the "
               "failure; send the body again to finish (events are stored once)");
        ty_ingest_report_free(&rep);
        return;
    }
    /* the batch and its counts, in the audit trail */
    char err[256] = "";
    ty_err ae = audit_batch(s, r, rep.accepted, rep.duplicate, rep.rejected, rep.batch, NULL, err,
                            sizeof err);
    if (ae != TY_OK) {
        srv_log(s, "error", "audit failed", "request_id", r->id, "error", ty_err_name(ae), "detail",
                err, (const char *)NULL);
        answer(r, &rep, SE_INTERNAL,
               "the events below were committed, but the batch could not be written to the "
               "audit trail; tell the centre's operators this request id");
    } else if (rep.accepted + rep.duplicate == 0) {
        answer(r, &rep, SE_INVALID_EVENTS,
               rep.lines ? "no event of the body could be accepted; each rejected line is "
                           "listed in errors"
                         : "the body holds no event");
    } else {
        answer(r, &rep, SE__COUNT, NULL);
    }
    ty_ingest_report_free(&rep);
}
