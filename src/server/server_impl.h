/*
 * server_impl.h - what the files of src/server share: the running server, one
 * request, the route table, the error table, JSON helpers and metrics.
 *
 * Threads: libmicrohttpd runs `threads` event loops; a connection stays on
 * one of them, so a request's calls run on one thread, one after the other.
 * A handler that waits for a commit or a password check (RF_WORKER) runs on a
 * worker thread instead, with the connection suspended, so that the event
 * loop goes on serving its other connections; the worker resumes it and the
 * loop sends the answer. Store handles are never shared between threads at once: readers come
 * from a pool (srv_reader_get/put); every write - ingest, and through
 * ty_writer_call() sessions, acknowledgements and audit entries - happens on
 * the one writer thread of ingest.h, which owns its handle, so no request
 * waits for SQLite's write lock and the audit chain has one appender.
 */
#ifndef TIANYAN_SERVER_IMPL_H
#define TIANYAN_SERVER_IMPL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "tianyan/auth.h"
#include "tianyan/buf.h"
#include "tianyan/ingest.h"
#include "tianyan/server.h"
#include "tianyan/store.h"
#include "tianyan/warning.h"

/* ---------------------------------------------------------------- errors */

/* X(enum, HTTP status, code, message): the API's error codes. The code is
 * stable (clients branch on it); the message is the default text, replaced by
 * a more precise one where the handler knows more. */
#define SRV_ERR_LIST(X)                                                                       \
    X(SE_BAD_REQUEST, 400, "bad_request", "the request is malformed")                         \
    X(SE_INVALID_JSON, 400, "invalid_json",                                                   \
      "the body must be one JSON object in UTF-8 (Content-Type: application/json)")           \
    X(SE_INVALID_PARAMETER, 400, "invalid_parameter", "a parameter is not valid")             \
    X(SE_INVALID_EVENTS, 400, "invalid_events",                                               \
      "no event of the body could be accepted; each rejected line is listed in errors")       \
    X(SE_UNAUTHENTICATED, 401, "unauthenticated",                                             \
      "sign in first: a session cookie, or Authorization: Bearer with a session token or a "  \
      "platform API key")                                                                     \
    X(SE_INVALID_CREDENTIALS, 401, "invalid_credentials",                                     \
      "the name or password is wrong, or the account is disabled")                            \
    X(SE_INVALID_TOKEN, 401, "invalid_token",                                                 \
      "the session token or API key is unknown, expired or revoked; sign in again or ask an " \
      "admin for a new key")                                                                  \
    X(SE_FORBIDDEN, 403, "forbidden", "your role may not do this")                            \
    X(SE_CSRF, 403, "csrf_failed",                                                            \
      "send the CSRF token of your session in the X-CSRF-Token header")                       \
    X(SE_NOT_FOUND, 404, "not_found", "there is no such resource")                            \
    X(SE_METHOD, 405, "method_not_allowed", "this path does not take that method")            \
    X(SE_CONFLICT, 409, "conflict", "the resource is not in a state that allows this")        \
    X(SE_TOO_LARGE, 413, "payload_too_large", "the body is larger than this route accepts")   \
    X(SE_MEDIA_TYPE, 415, "unsupported_media_type",                                           \
      "the Content-Type is not one this route "                                               \
      "accepts")                                                                              \
    X(SE_TOO_MANY, 429, "too_many_requests", "the server is busy; retry after Retry-After")   \
    X(SE_HEADERS, 431, "too_many_headers", "the request has too many header fields")          \
    X(SE_HEADERS_SIZE, 431, "headers_too_large",                                              \
      "the request line and headers are longer than the server accepts")                      \
    X(SE_INTERNAL, 500, "internal",                                                           \
      "the server failed; the request id identifies it in the "                               \
      "server's log")                                                                         \
    X(SE_UNAVAILABLE, 503, "unavailable", "the server cannot serve this now")

typedef enum srv_err {
#define SRV_ERR_ENUM(e, status, code, msg) e,
    SRV_ERR_LIST(SRV_ERR_ENUM)
#undef SRV_ERR_ENUM
        SE__COUNT
} srv_err;

int srv_err_status(srv_err e);
const char *srv_err_code(srv_err e);
const char *srv_err_message(srv_err e);

/* ---------------------------------------------------------------- routes */

typedef struct srv srv;
typedef struct req req;

#define ROLE(r)   (1u << (r))
#define ROLES_ALL ((1u << TY_ROLE__COUNT) - 1)

enum body_kind { BODY_NONE, BODY_JSON, BODY_EVENTS };

/* Route flags. */
#define RF_KEY_ONLY     1u /* a platform API key, not a platform user's session */
#define RF_SESSION_ONLY 2u /* a session (cookie or bearer session token), not an API key */
#define RF_WORKER                                                      \
    4u /* the handler waits (a commit, a password check): it runs on a \
          worker thread while the connection is suspended */

typedef struct route_param {
    const char *name;
    const char *in;   /* "path" or "query" */
    const char *type; /* "integer" or "string" */
    int required;
    const char *desc;
} route_param;

typedef struct route {
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;   /* "/api/v1/warnings/{id}/ack" */
    void (*handler)(srv *s, req *r);
    unsigned roles; /* ROLE()s allowed; ROLE(TY_ROLE_PUBLIC) means anyone */
    unsigned flags;
    enum body_kind body;
    const char *tag;
    const char *summary;
    const char *description;
    const route_param *params;   /* terminated by {NULL} */
    const char *request_schema;  /* components/schemas name, or NULL */
    const char *response_schema; /* components/schemas name, or NULL (no body) */
    int ok_status;               /* 200, 204 */
    const char *response_type;   /* NULL: application/json */
} route;

#define SRV_PARAMS_MAX 4

extern const route srv_routes[];
extern const size_t srv_nroutes;

/* The route of method + path; *params gets the {param} values (pointing into
 * a copy kept in r). NULL with *path_known set when the path matches another
 * method only (405), NULL with it clear when nothing matches (404). */
const route *srv_route_match(const char *method, const char *path, char *scratch, size_t scratchn,
                             const char **params, int *path_known, char *allow, size_t allown);

/* ---------------------------------------------------------------- metrics */

#define METRIC_STATUSES 18
void srv_metrics_request(size_t route_index, int status, double seconds);
void srv_metrics_error(srv_err e);
void srv_metrics_ingest(const ty_ingest_report *rep);
void srv_metrics_ingest_refused(const char *why);
void srv_metrics_login(int ok);
void srv_metrics_feed_offloaded(void);
ty_err srv_metrics_render(srv *s, ty_buf *out);

/* ---------------------------------------------------------------- rate limits */

enum { RATE_ADDRESS, RATE_PRINCIPAL };
/* Takes one request from name's bucket (which: RATE_ADDRESS or RATE_PRINCIPAL).
 * 1 when allowed; 0 when over the limit, with *retry_s the seconds until a
 * token is back. rate <= 0: no limit. */
int srv_rate_take(int which, const char *name, int64_t rate, int64_t burst, int *retry_s);
void srv_metrics_rate_limited(int which);

/* ---------------------------------------------------------------- the server */

typedef struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ty_store **free;
    size_t nfree, n;
} store_pool;

struct srv {
    ty_server_conf conf;            /* as started: the keys that are not reloadable */
    _Atomic(ty_server_conf *) live; /* the settings in force (srv_conf) */
    ty_server_conf **retired;       /* snapshots replaced by reloads, freed at exit */
    size_t nretired;
    struct MHD_Daemon *d;
    int tls;
    store_pool readers;
    ty_store *wstore; /* the ingest writer's handle */
    ty_writer *writer;
    pthread_mutex_t log_mu;
    atomic_int inflight;        /* requests between first call and completion */
    atomic_int ingest_inflight; /* ingest requests in progress */
    atomic_int logins;          /* password checks in progress */
    atomic_int stopping;
    int64_t started_ms;
    /* workers (RF_WORKER handlers) */
    pthread_t *workers;
    size_t nworkers;
    pthread_mutex_t jobs_mu;
    pthread_cond_t jobs_cv;
    req *jobs_head, *jobs_tail;
    int jobs_stop;
    atomic_int jobs_queued;
};

/* The settings in force. A reload swaps in a new snapshot; an old one stays
 * valid until the server stops, so a request may keep the pointer it read. */
static inline const ty_server_conf *srv_conf(srv *s)
{
    return atomic_load(&s->live);
}

ty_store *srv_reader_get(srv *s);
void srv_reader_put(srv *s, ty_store *st);
/* Runs fn on the writer thread in a savepoint and returns its result once it
 * is durable (ty_writer_call). */
ty_err srv_write(srv *s, ty_err (*fn)(ty_store *st, void *ctx), void *ctx);

/* A structured log line on stderr: msg and level, then key/value pairs given
 * as (const char *key, const char *value) until NULL. */
void srv_log(srv *s, const char *level, const char *msg, ...);

/* ---------------------------------------------------------------- one request */

enum auth_via { AUTH_NONE, AUTH_COOKIE, AUTH_BEARER, AUTH_KEY };

struct req {
    srv *s;
    struct MHD_Connection *conn;
    char id[33];
    char method[16];
    char path[1024];
    char remote[64];
    int64_t t0_ns;
    int calls;
    const route *rt;
    size_t route_idx; /* srv_nroutes when unmatched */
    char scratch[1024];
    const char *params[SRV_PARAMS_MAX];
    /* who */
    ty_principal who;
    enum auth_via via;
    char token[TY_TOKEN_LEN + 8]; /* the session token presented (logout) */
    /* body */
    ty_buf body;
    uint64_t body_bytes;
    uint64_t body_max;
    uint64_t discarded; /* bytes dropped after a refusal */
    /* ingest */
    ty_ingest *ig;
    ty_format fmt;
    char source[80]; /* "http:<request id>": the batch's source in the store */
    int ingest_slot; /* holds one of ingest_concurrency */
    /* committed so far (set on the writer thread after each commit; read after
     * the submission is closed or aborted, which waits for the writer) */
    uint64_t c_accepted, c_duplicate, c_rejected;
    int64_t c_batch;
    const char *cut; /* why the body was not read to its end ("payload_too_large", …) */
    /* answer */
    struct MHD_Response *resp;
    int status;
    srv_err err;
    int has_err;
    size_t resp_bytes;
    int queued;
    int offloaded;  /* handed to a worker (the connection was suspended) */
    int job_feed;   /* the worker's job is to feed `pending` to the ingest */
    ty_buf pending; /* a body chunk copied for a worker to decode */
    req *next_job;  /* in the workers' queue */
};

/* Answers with a JSON body (takes buf's data). */
void srv_respond_json(req *r, int status, ty_buf *json);
/* Answers with a text body of the given Content-Type (takes b's data). */
void srv_respond_text(req *r, int status, ty_buf *b, const char *type);
/* Answers 204 or another status without a body. */
void srv_respond_empty(req *r, int status);
/* Answers with the error's status and {"error": {code, message, request_id, …}};
 * fmt (may be NULL) gives a more precise message. */
void srv_error(req *r, srv_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same, with extra members written by fn into the "error" object. */
void srv_error_with(req *r, srv_err e, void (*fn)(yajl_gen g, void *ctx), void *ctx,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An error for a library error (not found, busy, store…). */
void srv_error_ty(req *r, ty_err e, const char *what);
/* Adds a header to the response about to be sent (after srv_respond_*). */
void srv_add_header(req *r, const char *name, const char *value);

/* Query parameter, or NULL. */
const char *srv_query(req *r, const char *name);
/* Header, or NULL. */
const char *srv_header(req *r, const char *name);

/* Parses the JSON body as an object; on failure answers 400 and returns NULL. */
yajl_val srv_body_object(req *r, const char *const *allowed);

/* ---------------------------------------------------------------- JSON */

yajl_gen json_new(void);
/* Moves the generated text into out (max: 64 MiB) and frees g. */
ty_err json_finish(yajl_gen g, ty_buf *out);
void json_key(yajl_gen g, const char *k);
void json_str(yajl_gen g, const char *k, const char *v); /* NULL or "": null */
void json_int(yajl_gen g, const char *k, long long v);
void json_num(yajl_gen g, const char *k, double v);
void json_bool(yajl_gen g, const char *k, int v);
void json_time(yajl_gen g, const char *k, int64_t ms); /* RFC 3339 UTC; 0: null */
/* Copies a JSON text into g as one value. 0 when it does not parse. */
int json_embed(yajl_gen g, const char *json, size_t n);
void json_warning(yajl_gen g, const ty_warning *w, int full);
void json_warning_event(yajl_gen g, const ty_warning_event *ev);
void json_principal(yajl_gen g, const ty_principal *p);

/* ---------------------------------------------------------------- handlers */

void h_healthz(srv *s, req *r);
void h_readyz(srv *s, req *r);
void h_metrics(srv *s, req *r);
void h_openapi(srv *s, req *r);
void h_warnings_list(srv *s, req *r);
void h_warning_get(srv *s, req *r);
void h_warning_ack(srv *s, req *r);
void h_warning_silence(srv *s, req *r);
void h_warning_unsilence(srv *s, req *r);
void h_session_open(srv *s, req *r);
void h_session_get(srv *s, req *r);
void h_session_end(srv *s, req *r);
void h_events_post(srv *s, req *r);

/* Ingest lifecycle, called by the daemon: begin at the first call (after
 * authorization), feed per chunk, the answer at the end (h_events_post). */
void ingest_begin(srv *s, req *r);
void ingest_feed(srv *s, req *r, const char *data, size_t n);
void ingest_release(srv *s, req *r);
/* Abandons an ingest whose body was not read to its end (why: for the audit
 * entry); what was committed before is audited as an incomplete batch. */
void ingest_abort(srv *s, req *r, const char *why);

/* Authentication of a request from its headers (sets r->who, r->via); on
 * failure answers and returns 0. */
int srv_authenticate(srv *s, req *r);

#endif
