/*
 * daemon.c - the HTTP daemon: libmicrohttpd with epoll event loops on a
 * thread pool, the life of one request (route, limits, authentication,
 * authorization, body, handler, answer), the headers every answer carries,
 * JSON error bodies, request ids, access logs, and the start and graceful stop
 * of the whole server.
 *
 * The life of a request, in libmicrohttpd's calls of the access handler:
 *   1. first call (headers read): route, header count, Content-Length and
 *      Content-Type, authentication, role and CSRF checks; ingest admission.
 *      Nothing is queued here for a request without a body, because
 *      libmicrohttpd 0.9.75 closes the connection when a response is queued on
 *      the first call; a request that has a body and is refused is answered at
 *      once (and its connection closed) so the body is never read.
 *   2. calls with body data: appended to a bounded buffer (JSON routes) or fed
 *      to the ingest decoder (events).
 *   3. last call (no more data): the handler runs and its answer is queued;
 *      a handler that waits (RF_WORKER) runs on a worker thread instead, the
 *      connection suspended until the worker resumes it, and the answer is
 *      queued on the call that follows.
 * The completion callback logs the request, counts it and frees it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "server_impl.h"
#include "tianyan/timeutil.h"

/* Body bytes read and dropped after a refusal before the connection is cut. */
#define DISCARD_MAX (1024 * 1024)

/* ---------------------------------------------------------------- errors */

static const struct {
    int status;
    const char *code, *msg;
} errtab[] = {
#define SRV_ERR_ROW(e, status, code, msg) {status, code, msg},
    SRV_ERR_LIST(SRV_ERR_ROW)
#undef SRV_ERR_ROW
};

int srv_err_status(srv_err e)
{
    return (unsigned)e < SE__COUNT ? errtab[e].status : 500;
}

const char *srv_err_code(srv_err e)
{
    return (unsigned)e < SE__COUNT ? errtab[e].code : "internal";
}

const char *srv_err_message(srv_err e)
{
    return (unsigned)e < SE__COUNT ? errtab[e].msg : "internal error";
}

/* ---------------------------------------------------------------- clocks, logs */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes one generated JSON object as one line on stderr. */
static void log_line(srv *s, yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        pthread_mutex_lock(&s->log_mu);
        fwrite(buf, 1, len, stderr);
        fputc('\n', stderr);
        fflush(stderr);
        pthread_mutex_unlock(&s->log_mu);
    }
    yajl_gen_free(g);
}

static yajl_gen log_start(const char *level, const char *msg)
{
    yajl_gen g = json_new();
    if (!g)
        return NULL;
    yajl_gen_map_open(g);
    json_time(g, "time", ty_now_ms());
    json_str(g, "level", level);
    json_str(g, "msg", msg);
    return g;
}

void srv_log(srv *s, const char *level, const char *msg, ...)
{
    yajl_gen g = log_start(level, msg);
    if (!g)
        return;
    va_list ap;
    va_start(ap, msg);
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        json_str(g, k, v);
    }
    va_end(ap);
    yajl_gen_map_close(g);
    log_line(s, g);
}

/* libmicrohttpd's own messages, as JSON lines. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    srv_log(cls, "warn", "libmicrohttpd", "detail", msg, (const char *)NULL);
}

/* ---------------------------------------------------------------- store handles */

ty_store *srv_reader_get(srv *s)
{
    store_pool *p = &s->readers;
    pthread_mutex_lock(&p->mu);
    while (!p->nfree)
        pthread_cond_wait(&p->cv, &p->mu);
    ty_store *st = p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return st;
}

void srv_reader_put(srv *s, ty_store *st)
{
    store_pool *p = &s->readers;
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = st;
    pthread_mutex_unlock(&p->mu);
    pthread_cond_signal(&p->cv);
}

ty_err srv_write(srv *s, ty_err (*fn)(ty_store *st, void *ctx), void *ctx)
{
    return ty_writer_call(s->writer, fn, ctx);
}

/* ---------------------------------------------------------------- answers */

void srv_add_header(req *r, const char *name, const char *value)
{
    if (r->resp)
        MHD_add_response_header(r->resp, name, value);
}

/* The headers of every answer. */
static void common_headers(req *r, struct MHD_Response *resp, const char *type)
{
    /* an API answer is data, never a document to render, frame or cache */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->s->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    if (type)
        MHD_add_response_header(resp, "Content-Type", type);
}

static void set_response(req *r, int status, struct MHD_Response *resp, const char *type)
{
    if (r->resp) /* the first answer stands (a handler never answers twice on purpose) */
        MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = status;
    if (resp)
        common_headers(r, resp, type);
}

static void respond_buf(req *r, int status, ty_buf *b, const char *type)
{
    size_t len = b->len;
    char *data = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    struct MHD_Response *resp =
        data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return;
    }
    r->resp_bytes = len;
    set_response(r, status, resp, type);
}

void srv_respond_json(req *r, int status, ty_buf *json)
{
    if (json->len && json->data[json->len - 1] != '\n')
        (void)ty_buf_putc(json, '\n');
    respond_buf(r, status, json, "application/json");
}

void srv_respond_text(req *r, int status, ty_buf *b, const char *type)
{
    respond_buf(r, status, b, type);
}

void srv_respond_empty(req *r, int status)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp)
        set_response(r, status, resp, NULL);
}

static void error_v(req *r, srv_err e, void (*fn)(yajl_gen g, void *ctx), void *ctx,
                    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void error_v(req *r, srv_err e, void (*fn)(yajl_gen g, void *ctx), void *ctx,
                    const char *fmt, va_list ap)
{
    char msg[1024];
    if (fmt)
        vsnprintf(msg, sizeof msg, fmt, ap);
    else
        snprintf(msg, sizeof msg, "%s", srv_err_message(e));
    r->err = e;
    r->has_err = 1;
    yajl_gen g = json_new();
    ty_buf b = {0};
    if (g) {
        yajl_gen_map_open(g);
        json_key(g, "error");
        yajl_gen_map_open(g);
        json_str(g, "code", srv_err_code(e));
        json_str(g, "message", msg);
        json_str(g, "request_id", r->id);
        if (fn)
            fn(g, ctx);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        if (json_finish(g, &b) != TY_OK)
            ty_buf_free(&b);
    }
    srv_respond_json(r, srv_err_status(e), &b);
    ty_buf_free(&b);
}

void srv_error(req *r, srv_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(r, e, NULL, NULL, fmt, ap);
    va_end(ap);
}

void srv_error_with(req *r, srv_err e, void (*fn)(yajl_gen g, void *ctx), void *ctx,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(r, e, fn, ctx, fmt, ap);
    va_end(ap);
}

void srv_error_ty(req *r, ty_err e, const char *what)
{
    switch (e) {
    case TY_ENOENT:
        srv_error(r, SE_NOT_FOUND, "%s", what ? what : srv_err_message(SE_NOT_FOUND));
        break;
    case TY_EBUSY: {
        char ra[16];
        snprintf(ra, sizeof ra, "%lld", (long long)srv_conf(r->s)->retry_after);
        srv_error(r, SE_UNAVAILABLE, "the store is busy; retry in %s s", ra);
        srv_add_header(r, "Retry-After", ra);
        break;
    }
    default:
        srv_log(r->s, "error", "library error", "request_id", r->id, "error", ty_err_name(e),
                "detail", what ? what : "", (const char *)NULL);
        srv_error(r, SE_INTERNAL, NULL);
        break;
    }
}

const char *srv_query(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---------------------------------------------------------------- JSON bodies */

yajl_val srv_body_object(req *r, const char *const *allowed)
{
    char perr[256] = "";
    const char *text = r->body.len ? ty_buf_cstr(&r->body) : "{}";
    if (r->body.len && memchr(r->body.data, '\0', r->body.len)) {
        srv_error(r, SE_INVALID_JSON, "the body contains a NUL byte");
        return NULL;
    }
    yajl_val v = yajl_tree_parse(text, perr, sizeof perr);
    if (!v) {
        char *nl = strchr(perr, '\n'); /* yajl adds the text around the error on more lines */
        if (nl)
            *nl = '\0';
        srv_error(r, SE_INVALID_JSON, "the body is not valid JSON: %s", perr);
        return NULL;
    }
    if (!YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        srv_error(r, SE_INVALID_JSON, "the body must be a JSON object");
        return NULL;
    }
    for (size_t i = 0; i < v->u.object.len; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, v->u.object.keys[i]) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s\"%s\"", l ? ", " : "", *a);
            }
            srv_error(r, SE_INVALID_PARAMETER, "field \"%.64s\": unknown; this route takes %s",
                      v->u.object.keys[i], list[0] ? list : "no fields");
            yajl_tree_free(v);
            return NULL;
        }
    }
    return v;
}

/* ---------------------------------------------------------------- workers */

static void *worker_main(void *arg)
{
    srv *s = arg;
    while (1) {
        pthread_mutex_lock(&s->jobs_mu);
        while (!s->jobs_head && !s->jobs_stop)
            pthread_cond_wait(&s->jobs_cv, &s->jobs_mu);
        req *r = s->jobs_head;
        if (!r) { /* stopping, and the queue is drained */
            pthread_mutex_unlock(&s->jobs_mu);
            break;
        }
        s->jobs_head = r->next_job;
        if (!s->jobs_head)
            s->jobs_tail = NULL;
        pthread_mutex_unlock(&s->jobs_mu);
        atomic_fetch_sub(&s->jobs_queued, 1);
        if (r->job_feed) { /* a chunk of an ingest body, while the writer is behind */
            r->job_feed = 0;
            if (r->ig)
                ingest_feed(s, r, r->pending.data, r->pending.len);
            ty_buf_reset(&r->pending);
        } else {
            r->rt->handler(s, r);
        }
        /* from here on r belongs to the event loop again (it may free it) */
        MHD_resume_connection(r->conn);
    }
    return NULL;
}

/* Queues r for a worker (its handler; or with r->job_feed, a body chunk); 0
 * when the workers have stopped (run it inline). */
static int offload(srv *s, req *r)
{
    pthread_mutex_lock(&s->jobs_mu);
    if (s->jobs_stop || !s->nworkers) {
        pthread_mutex_unlock(&s->jobs_mu);
        return 0;
    }
    if (!r->job_feed)
        r->offloaded = 1;
    r->next_job = NULL;
    MHD_suspend_connection(r->conn);
    if (s->jobs_tail)
        s->jobs_tail->next_job = r;
    else
        s->jobs_head = r;
    s->jobs_tail = r;
    atomic_fetch_add(&s->jobs_queued, 1);
    pthread_mutex_unlock(&s->jobs_mu);
    pthread_cond_signal(&s->jobs_cv);
    return 1;
}

/* Copies a body chunk for a worker to decode: when the writer's queue is
 * (nearly) full, decoding waits for room, and that wait must not hold up the
 * event loop. 0 when it cannot (workers stopped, out of memory): decode here. */
static int offload_feed(srv *s, req *r, const char *data, size_t n)
{
    if (!r->pending.max)
        ty_buf_init(&r->pending, 4 * 1024 * 1024);
    ty_buf_reset(&r->pending);
    if (ty_buf_append(&r->pending, data, n) != TY_OK)
        return 0;
    r->job_feed = 1;
    if (!offload(s, r)) {
        r->job_feed = 0;
        return 0;
    }
    srv_metrics_feed_offloaded();
    return 1;
}

/* Lets the workers finish the queue, then joins them. */
static void stop_workers(srv *s)
{
    pthread_mutex_lock(&s->jobs_mu);
    s->jobs_stop = 1;
    pthread_mutex_unlock(&s->jobs_mu);
    pthread_cond_broadcast(&s->jobs_cv);
    for (size_t i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i], NULL);
    s->nworkers = 0;
    free(s->workers);
    s->workers = NULL;
}

/* ---------------------------------------------------------------- one request */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    srv *s = cls;
    req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->s = s;
    r->conn = conn;
    r->t0_ns = mono_ns();
    r->route_idx = srv_nroutes;
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(r->id, sizeof r->id, rnd, sizeof rnd);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->remote,
                      sizeof r->remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      r->remote, sizeof r->remote);
    }
    (void)uri;
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv *s = cls;
    req *r = *con_cls;
    (void)conn;
    if (!r)
        return;
    *con_cls = NULL;
    double secs = (double)(mono_ns() - r->t0_ns) / 1e9;
    if (r->ig) /* the body did not arrive whole */
        ingest_abort(s, r,
                     toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED   ? "timeout"
                     : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT    ? "client_abort"
                     : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                                                                     : "error");
    if (r->ingest_slot)
        ingest_release(s, r);
    int status = r->queued ? r->status : 0;
    srv_metrics_request(r->route_idx, status, secs);
    if (r->has_err)
        srv_metrics_error(r->err);
    if (srv_conf(s)->access_log) {
        yajl_gen g = log_start("info", "request");
        if (g) {
            json_str(g, "request_id", r->id);
            json_str(g, "remote", r->remote);
            json_str(g, "method", r->method);
            json_str(g, "path", r->path);
            json_str(g, "route", r->rt ? r->rt->path : NULL);
            json_int(g, "status", status);
            if (r->has_err)
                json_str(g, "error", srv_err_code(r->err));
            json_int(g, "bytes_in", (long long)r->body_bytes);
            json_int(g, "bytes_out", (long long)r->resp_bytes);
            json_num(g, "duration_ms", secs * 1000);
            json_str(g, "principal", r->who.actor[0] ? r->who.actor : NULL);
            if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
                json_str(g, "terminated",
                         toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED   ? "timeout"
                         : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT    ? "client_abort"
                         : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                                                                         : "error");
            yajl_gen_map_close(g);
            log_line(s, g);
        }
    }
    if (r->resp)
        MHD_destroy_response(r->resp);
    ty_buf_free(&r->body);
    ty_buf_free(&r->pending);
    free(r);
    atomic_fetch_sub(&s->inflight, 1);
}

typedef struct head_size {
    int fields;
    size_t bytes;
} head_size;

static int count_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    head_size *h = cls;
    (void)kind;
    h->fields++;
    h->bytes += strlen(k) + (v ? strlen(v) : 0) + 4; /* "k: v\r\n" */
    return MHD_YES;
}

/* Rejects query parameters the route does not know (a typo must not be
 * silently ignored: "limt=5" would list 100). */
typedef struct qcheck {
    const route *rt;
    const char *bad;
} qcheck;

static enum MHD_Result check_query(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    qcheck *q = cls;
    (void)kind;
    (void)v;
    for (const route_param *p = q->rt->params; p->name; p++)
        if (strcmp(p->in, "query") == 0 && strcmp(p->name, k) == 0)
            return MHD_YES;
    q->bad = k;
    return MHD_NO;
}

static int has_body(req *r)
{
    const char *cl = srv_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = srv_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return (cl && strcmp(cl, "0") != 0) || te;
}

/* "application/json; charset=utf-8" -> matches "application/json" */
static int type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Takes a request from a rate-limit bucket; answers 429 and returns 0 when
 * the bucket is empty. */
static int rate_ok(srv *s, req *r, int which)
{
    const ty_server_conf *c = srv_conf(s);
    int retry = 1;
    int ok = which == RATE_ADDRESS ? srv_rate_take(which, r->remote, c->rate_limit_address,
                                                   c->rate_burst_address, &retry)
                                   : srv_rate_take(which, r->who.name, c->rate_limit_principal,
                                                   c->rate_burst_principal, &retry);
    if (ok)
        return 1;
    srv_metrics_rate_limited(which);
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry);
    srv_error(r, SE_TOO_MANY,
              "too many requests from this %s (%lld per second, bursts of %lld); "
              "retry after %s s",
              which == RATE_ADDRESS ? "address" : "user or key",
              (long long)(which == RATE_ADDRESS ? c->rate_limit_address : c->rate_limit_principal),
              (long long)(which == RATE_ADDRESS ? c->rate_burst_address : c->rate_burst_principal),
              ra);
    srv_add_header(r, "Retry-After", ra);
    return 0;
}

/* The checks of the first call. Leaves an error answer in r->resp when one fails. */
static void begin(srv *s, req *r)
{
    if (!rate_ok(s, r, RATE_ADDRESS))
        return;
    head_size hs = {0, strlen(r->method) + strlen(r->path) + 12};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, (MHD_KeyValueIterator)count_header, &hs);
    if (hs.fields > srv_conf(s)->max_headers) {
        srv_error(r, SE_HEADERS, "the request has %d header fields; at most %lld are accepted",
                  hs.fields, (long long)srv_conf(s)->max_headers);
        return;
    }
    if ((int64_t)hs.bytes > srv_conf(s)->max_header_bytes) {
        srv_error(r, SE_HEADERS_SIZE,
                  "the request line and headers take %zu bytes; at most %lld are "
                  "accepted",
                  hs.bytes, (long long)srv_conf(s)->max_header_bytes);
        return;
    }
    int path_known;
    char allow[64];
    r->rt = srv_route_match(r->method, r->path, r->scratch, sizeof r->scratch, r->params,
                            &path_known, allow, sizeof allow);
    if (!r->rt) {
        if (path_known) {
            srv_error(r, SE_METHOD, "%s is not allowed on %s; use %s", r->method, r->path, allow);
            srv_add_header(r, "Allow", allow);
        } else {
            srv_error(r, SE_NOT_FOUND,
                      "there is no route %s (GET /api/v1/openapi.json lists "
                      "them)",
                      r->path);
        }
        return;
    }
    r->route_idx = (size_t)(r->rt - srv_routes);
    const route *rt = r->rt;
    qcheck q = {rt, NULL};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_query, &q);
    if (q.bad) {
        srv_error(r, SE_INVALID_PARAMETER, "query parameter \"%.64s\" is not known to %s %s", q.bad,
                  rt->method, rt->path);
        return;
    }
    /* the body's size and type before anything is read */
    const char *cl = srv_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    r->body_max = rt->body == BODY_EVENTS ? (uint64_t)srv_conf(s)->max_ingest_bytes
                                          : (uint64_t)srv_conf(s)->max_body_bytes;
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (!errno && *end == '\0' && n > r->body_max) {
            srv_error(r, SE_TOO_LARGE, "the body is %llu bytes; %s %s accepts at most %llu", n,
                      rt->method, rt->path, (unsigned long long)r->body_max);
            return;
        }
    }
    const char *ct = srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (rt->body == BODY_JSON && has_body(r) && !type_is(ct, "application/json")) {
        srv_error(r, SE_MEDIA_TYPE, "send the body as Content-Type: application/json (got %s)",
                  ct ? ct : "none");
        return;
    }
    if (rt->body == BODY_EVENTS) {
        if (type_is(ct, "application/x-ndjson") || type_is(ct, "application/jsonl") ||
            type_is(ct, "application/json-lines"))
            r->fmt = TY_FMT_JSONL;
        else if (type_is(ct, "text/csv"))
            r->fmt = TY_FMT_CSV;
        else {
            srv_error(r, SE_MEDIA_TYPE,
                      "send events as Content-Type: application/x-ndjson (JSON Lines) or "
                      "text/csv (got %s)",
                      ct ? ct : "none");
            return;
        }
    }
    /* who, and may they */
    if (!srv_authenticate(s, r))
        return;
    if (r->via != AUTH_NONE && !rate_ok(s, r, RATE_PRINCIPAL))
        return;
    if (!(rt->roles & ROLE(r->who.role))) {
        if (r->via == AUTH_NONE)
            srv_error(r, SE_UNAUTHENTICATED, NULL);
        else
            srv_error(r, SE_FORBIDDEN, "%s may not %s %s", ty_role_name(r->who.role), rt->method,
                      rt->path);
        return;
    }
    if ((rt->flags & RF_KEY_ONLY) && r->via != AUTH_KEY) {
        srv_error(r, SE_FORBIDDEN,
                  "%s %s takes a platform API key (Authorization: Bearer "
                  "tyk_…), not a session",
                  rt->method, rt->path);
        return;
    }
    if ((rt->flags & RF_SESSION_ONLY) && r->via == AUTH_KEY) {
        srv_error(r, SE_FORBIDDEN, "%s %s is for sessions, not API keys", rt->method, rt->path);
        return;
    }
    if (rt->body == BODY_EVENTS)
        ingest_begin(s, r);
    else if (rt->body == BODY_JSON)
        ty_buf_init(&r->body, (size_t)r->body_max);
}

static enum MHD_Result queue(req *r)
{
    if (!r->resp)
        srv_error(r, SE_INTERNAL, "the handler gave no answer");
    if (!r->resp)
        return MHD_NO; /* out of memory: drop the connection */
    r->queued = 1;
    return MHD_queue_response(r->conn, (unsigned)r->status, r->resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    srv *s = cls;
    req *r = *con_cls;
    (void)version;
    (void)conn; /* r->conn, kept since the request line */
    if (!r)
        return MHD_NO;
    if (r->calls++ == 0) {
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        if (atomic_load(&s->stopping))
            srv_error(r, SE_UNAVAILABLE, "the server is shutting down");
        else
            begin(s, r);
        /* refused with a body on its way: answer now, never read it (the
         * connection closes); otherwise wait for the next call */
        if (r->resp && has_body(r))
            return queue(r);
        return MHD_YES;
    }
    if (r->queued) { /* answered at the first call; nothing more to do */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->resp) {
            /* refused while the body was arriving: libmicrohttpd 0.9.75 cannot queue an
             * answer in the middle of a body, so the rest is read and dropped, up to
             * DISCARD_MAX, and the answer goes at its end; a longer one is cut off */
            r->discarded += n;
            return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        r->body_bytes += n;
        if (r->body_bytes > r->body_max) {
            if (r->ig)
                ingest_abort(s, r, "payload_too_large");
            srv_error(r, SE_TOO_LARGE, "the body is longer than the %llu bytes %s %s accepts",
                      (unsigned long long)r->body_max, r->rt ? r->rt->method : method,
                      r->rt ? r->rt->path : url);
            r->discarded = r->body_bytes - r->body_max;
            return MHD_YES;
        }
        if (r->ig) {
            size_t cap = 0, q = ty_writer_backlog(s->writer, &cap);
            if (q + 2 > cap && offload_feed(s, r, upload_data, n))
                return MHD_YES; /* resumed by the worker once it is decoded */
            ingest_feed(s, r, upload_data, n);
        } else if (r->rt && r->rt->body == BODY_JSON) {
            if (ty_buf_append(&r->body, upload_data, n) != TY_OK)
                srv_error(r, SE_TOO_LARGE, "the body is longer than %llu bytes",
                          (unsigned long long)r->body_max);
        }
        return MHD_YES;
    }
    if (!r->resp && r->rt && !r->offloaded) {
        if ((r->rt->flags & RF_WORKER) && offload(s, r))
            return MHD_YES; /* the worker resumes the connection; this is called again */
        r->rt->handler(s, r);
    }
    return queue(r);
}

/* ---------------------------------------------------------------- start and stop */

static ty_err read_file(const char *path, char **out, char *err, size_t errn)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: %s", path, strerror(errno));
        return TY_EIO;
    }
    ty_buf b;
    ty_buf_init(&b, 1024 * 1024);
    char chunk[4096];
    size_t n;
    ty_err e = TY_OK;
    while (e == TY_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = ty_buf_append(&b, chunk, n);
    fclose(f);
    if (e != TY_OK || !b.len) {
        snprintf(err, errn, "%s: %s", path, b.len ? "larger than 1 MiB" : "empty");
        ty_buf_free(&b);
        return TY_EINVAL;
    }
    *out = b.data;
    return TY_OK;
}

/* Writes the bound port to path: temporary file, then rename, so a reader
 * never sees half a number. */
static ty_err write_port_file(const char *path, unsigned port, char *err, size_t errn)
{
    char tmp[TY_CONF_STR_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errn, "port_file %s: %s", path, strerror(errno));
        return TY_EIO;
    }
    return TY_OK;
}

/* reader: a handle that never adds events (no exactly-once index) and keeps a
 * small page cache */
static ty_err open_store(const ty_server_conf *c, int reader, ty_store **st, char *err, size_t errn)
{
    ty_store_opts o = {c->db, c->key_file[0] ? c->key_file : NULL, reader ? 8 : 0, reader};
    char why[512] = "";
    ty_err e = ty_store_open(st, &o, why, sizeof why);
    if (e != TY_OK)
        snprintf(err, errn, "%s: %s", c->db, why[0] ? why : ty_err_message(e));
    return e;
}

static void free_confs(srv *s)
{
    free(atomic_load(&s->live));
    for (size_t i = 0; i < s->nretired; i++)
        free(s->retired[i]);
    free(s->retired);
}

static void close_all(srv *s)
{
    if (s->writer)
        ty_writer_stop(&s->writer);
    ty_store_close(&s->wstore);
    for (size_t i = 0; i < s->readers.nfree; i++)
        ty_store_close(&s->readers.free[i]);
    free(s->readers.free);
    s->readers.free = NULL;
    s->readers.nfree = 0;
}

/* SIGHUP: reads the settings again and swaps in the reloadable ones. */
static void reload_conf(srv *s, ty_server_reload_fn reload, void *ctx)
{
    if (!reload) {
        srv_log(s, "warn", "SIGHUP: this server was started without a way to reload",
                (const char *)NULL);
        return;
    }
    ty_server_conf *n = malloc(sizeof *n);
    ty_server_conf **grown = realloc(s->retired, (s->nretired + 1) * sizeof *grown);
    if (!n || !grown) {
        free(n);
        if (grown)
            s->retired = grown;
        srv_log(s, "error", "reload failed: out of memory", (const char *)NULL);
        return;
    }
    s->retired = grown;
    char err[1024] = "";
    ty_err e = reload(ctx, n, err, sizeof err);
    if (e == TY_OK)
        e = ty_server_conf_check(n, err, sizeof err);
    if (e != TY_OK) {
        free(n);
        srv_log(s, "error", "reload refused; the settings in force are kept", "detail", err,
                (const char *)NULL);
        return;
    }
    size_t nk;
    const ty_conf_key *k = ty_server_conf_keys(&nk);
    char changed[1024] = "", pending[1024] = "";
    const ty_server_conf *cur = srv_conf(s);
    for (size_t i = 0; i < nk; i++) {
        size_t sz = k[i].type == TY_CONF_STRING ? TY_CONF_STR_MAX : sizeof(int64_t);
        char *nf = (char *)n + k[i].off;
        int differs = memcmp(nf, (const char *)cur + k[i].off, sz) != 0;
        if (!k[i].reloadable) {
            if (memcmp(nf, (const char *)&s->conf + k[i].off, sz) != 0) {
                size_t l = strlen(pending);
                snprintf(pending + l, sizeof pending - l, "%s%s", l ? " " : "", k[i].key);
            }
            memcpy(nf, (const char *)&s->conf + k[i].off, sz); /* as started */
        } else if (differs) {
            size_t l = strlen(changed);
            snprintf(changed + l, sizeof changed - l, "%s%s", l ? " " : "", k[i].key);
        }
    }
    s->retired[s->nretired++] = atomic_exchange(&s->live, n);
    srv_log(s, "info", "reloaded", "changed", changed, (const char *)NULL);
    if (pending[0])
        srv_log(s, "warn", "these settings changed but take effect only after a restart", "keys",
                pending, (const char *)NULL);
}

ty_err ty_server_run(const ty_server_conf *c, ty_server_reload_fn reload, void *reload_ctx,
                     char *err, size_t errn)
{
    TY_TRY(ty_server_conf_check(c, err, errn));
    if (sodium_init() < 0) {
        snprintf(err, errn, "libsodium could not be initialised");
        return TY_ECRYPTO;
    }
    srv *s = calloc(1, sizeof *s);
    if (!s)
        return TY_ENOMEM;
    s->conf = *c;
    ty_server_conf *first = malloc(sizeof *first);
    if (!first) {
        free(s);
        return TY_ENOMEM;
    }
    *first = *c;
    atomic_init(&s->live, first);
    s->started_ms = ty_now_ms();
    pthread_mutex_init(&s->log_mu, NULL);
    pthread_mutex_init(&s->readers.mu, NULL);
    pthread_cond_init(&s->readers.cv, NULL);

    /* the signals are taken by sigwait() below: block them before any thread
     * starts, so that every thread inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *cert = NULL, *key = NULL;
    struct MHD_Daemon *d = NULL;
    ty_err e = open_store(c, 0, &s->wstore, err, errn);
    s->readers.n = (size_t)c->threads + 2;
    s->readers.free = calloc(s->readers.n, sizeof *s->readers.free);
    if (e == TY_OK && !s->readers.free)
        e = TY_ENOMEM;
    for (size_t i = 0; e == TY_OK && i < s->readers.n; i++) {
        e = open_store(c, 1, &s->readers.free[i], err, errn);
        if (e == TY_OK)
            s->readers.nfree++;
    }
    if (e == TY_OK) {
        ty_writer_opts wo = {0, (int)c->commit_ms, (size_t)c->ingest_queue_chunks};
        e = ty_writer_start(&s->writer, s->wstore, &wo);
        if (e != TY_OK)
            snprintf(err, errn, "the ingest writer could not start: %s", ty_err_message(e));
    }
    pthread_mutex_init(&s->jobs_mu, NULL);
    pthread_cond_init(&s->jobs_cv, NULL);
    if (e == TY_OK) {
        s->workers = calloc((size_t)c->workers, sizeof *s->workers);
        if (!s->workers)
            e = TY_ENOMEM;
        for (size_t i = 0; e == TY_OK && i < (size_t)c->workers; i++) {
            if (pthread_create(&s->workers[i], NULL, worker_main, s) != 0) {
                snprintf(err, errn, "cannot start worker threads");
                e = TY_ENOMEM;
            } else {
                s->nworkers++;
            }
        }
    }
    if (e == TY_OK && c->tls_cert[0]) {
        e = read_file(c->tls_cert, &cert, err, errn);
        if (e == TY_OK)
            e = read_file(c->tls_key, &key, err, errn);
        s->tls = 1;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    int v6 = 0;
    if (e == TY_OK) {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, c->listen, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)c->port);
        } else if (inet_pton(AF_INET6, c->listen, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)c->port);
            v6 = 1;
        } else {
            snprintf(err, errn, "listen: \"%s\" is not an IPv4 or IPv6 address", c->listen);
            e = TY_EINVAL;
        }
    }
    if (e == TY_OK) {
        unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                         MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) | (s->tls ? MHD_USE_TLS : 0);
        struct MHD_OptionItem tls_opts[] = {
            {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
            {MHD_OPTION_END, 0, NULL},
        };
        d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
            (unsigned)c->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->max_connections_per_ip,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->connection_timeout,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->connection_memory,
            MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY,
            s->tls ? tls_opts : tls_opts + 2, MHD_OPTION_END);
        if (!d) {
            snprintf(err, errn,
                     "cannot listen on %s port %lld (in use, not an address of this machine, or "
                     "a bad TLS certificate or key)",
                     c->listen, (long long)c->port);
            e = TY_EIO;
        }
    }
    unsigned port = 0;
    if (e == TY_OK) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        port = di ? di->port : (unsigned)c->port;
        if (c->port_file[0])
            e = write_port_file(c->port_file, port, err, errn);
    }
    if (e != TY_OK) {
        if (d)
            MHD_stop_daemon(d);
        stop_workers(s);
        close_all(s);
        free(cert);
        free(key);
        pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
        free_confs(s);
        free(s);
        return e;
    }
    s->d = d;
    char portxt[16];
    snprintf(portxt, sizeof portxt, "%u", port);
    srv_log(s, "info", "listening", "address", c->listen, "port", portxt, "scheme",
            s->tls ? "https" : "http", "version", TY_VERSION, (const char *)NULL);

    int sig = 0;
    while (1) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_conf(s, reload, reload_ctx);
            continue;
        }
        break;
    }
    /* graceful stop: refuse new connections, let requests in progress finish,
     * then close the rest, flush the writer and close the store */
    srv_log(s, "info", "stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM",
            (const char *)NULL);
    atomic_store(&s->stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    int64_t deadline = mono_ns() + c->shutdown_timeout * 1000000000LL;
    while (atomic_load(&s->inflight) > 0 && mono_ns() < deadline) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&s->inflight);
    /* the workers finish what they hold and resume those connections (a
     * daemon must not be stopped with connections suspended); the writer still
     * runs for them */
    stop_workers(s);
    MHD_stop_daemon(d);
    ty_err we = s->writer ? ty_writer_stop(&s->writer) : TY_OK;
    char lefttxt[16];
    snprintf(lefttxt, sizeof lefttxt, "%d", left);
    srv_log(s, we == TY_OK ? "info" : "error", "stopped", "requests_cut", lefttxt, "writer",
            ty_err_name(we), (const char *)NULL);
    close_all(s);
    free(cert);
    free(key);
    pthread_mutex_destroy(&s->log_mu);
    pthread_mutex_destroy(&s->readers.mu);
    pthread_cond_destroy(&s->readers.cv);
    pthread_mutex_destroy(&s->jobs_mu);
    pthread_cond_destroy(&s->jobs_cv);
    free_confs(s);
    free(s);
    pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
    if (we != TY_OK) {
        snprintf(err, errn, "the ingest writer failed at shutdown: %s", ty_err_message(we));
        return we;
    }
    return TY_OK;
}
