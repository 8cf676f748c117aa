/*
 * metrics.c - counters kept with atomics on the request path, and their
 * rendering in the Prometheus text exposition format 0.0.4 for GET /metrics.
 * Labels are bounded: routes are the table's patterns (never raw paths),
 * statuses a fixed list, error codes and reject classes their tables.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "server_impl.h"
#include "tianyan/codec.h"
#include "tianyan/record.h"
#include "tianyan/risk.h"

#define MAX_ROUTES 32 /* >= srv_nroutes + 1 (unmatched); checked at render */

static const int statuses[METRIC_STATUSES] = {200, 201, 204, 400, 401, 403, 404, 405, 409,
                                              413, 415, 429, 431, 500, 503, 0,   1,   2};
/* index 15: other codes; 0 (not answered: the client went away) counts there too */
#define ST_OTHER 15

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

static struct {
    atomic_ullong requests[MAX_ROUTES][METRIC_STATUSES];
    atomic_ullong hist[MAX_ROUTES][NBUCKETS + 1];
    atomic_ullong hist_sum_us[MAX_ROUTES];
    atomic_ullong errors[SE__COUNT];
    atomic_ullong ingest_events[3]; /* accepted, duplicate, rejected */
    atomic_ullong ingest_conflicts;
    atomic_ullong ingest_rejects[TY_REJ__COUNT];
    atomic_ullong ingest_batches;
    atomic_ullong ingest_refused[2]; /* concurrency, backlog */
    atomic_ullong logins[2];         /* failed, ok */
    atomic_ullong rate_limited[2];   /* address, principal */
    atomic_ullong feeds_offloaded;
} m;

void srv_metrics_request(size_t ri, int status, double seconds)
{
    size_t route_i = ri >= srv_nroutes ? MAX_ROUTES - 1 : ri;
    int si = ST_OTHER;
    for (int i = 0; i < ST_OTHER; i++)
        if (statuses[i] == status)
            si = i;
    atomic_fetch_add(&m.requests[route_i][si], 1);
    size_t b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    atomic_fetch_add(&m.hist[route_i][b], 1);
    atomic_fetch_add(&m.hist_sum_us[route_i], (unsigned long long)(seconds * 1e6));
}

void srv_metrics_error(srv_err e)
{
    if ((unsigned)e < SE__COUNT)
        atomic_fetch_add(&m.errors[e], 1);
}

void srv_metrics_ingest(const ty_ingest_report *rep)
{
    atomic_fetch_add(&m.ingest_batches, 1);
    atomic_fetch_add(&m.ingest_events[0], rep->accepted);
    atomic_fetch_add(&m.ingest_events[1], rep->duplicate);
    atomic_fetch_add(&m.ingest_events[2], rep->rejected);
    atomic_fetch_add(&m.ingest_conflicts, rep->conflicts);
    for (int c = 0; c < TY_REJ__COUNT; c++)
        if (rep->by_class[c])
            atomic_fetch_add(&m.ingest_rejects[c], rep->by_class[c]);
}

void srv_metrics_ingest_refused(const char *why)
{
    atomic_fetch_add(&m.ingest_refused[strcmp(why, "backlog") == 0], 1);
}

void srv_metrics_login(int ok)
{
    atomic_fetch_add(&m.logins[ok != 0], 1);
}

void srv_metrics_feed_offloaded(void)
{
    atomic_fetch_add(&m.feeds_offloaded, 1);
}

void srv_metrics_rate_limited(int which)
{
    atomic_fetch_add(&m.rate_limited[which != 0], 1);
}

static const char *route_label(size_t i)
{
    return i < srv_nroutes ? srv_routes[i].path : "unmatched";
}

static size_t route_slot(size_t i)
{
    return i < srv_nroutes ? i : MAX_ROUTES - 1;
}

typedef struct wl_ctx {
    ty_buf *out;
    ty_err e;
} wl_ctx;

ty_err srv_metrics_render(srv *s, ty_buf *b)
{
    if (srv_nroutes + 1 > MAX_ROUTES)
        return TY_ELIMIT;
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_build_info Version of the running server.\n"
                         "# TYPE tianyan_build_info gauge\n"
                         "tianyan_build_info{version=\"%s\"} 1\n",
                         TY_VERSION));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_start_time_seconds When the server started (Unix time).\n"
                         "# TYPE tianyan_start_time_seconds gauge\n"
                         "tianyan_start_time_seconds %.3f\n",
                         (double)s->started_ms / 1000));
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_http_requests_total HTTP requests answered, by route "
                          "pattern, method and status (\"other\": not answered or rare).\n"
                          "# TYPE tianyan_http_requests_total counter\n"));
    for (size_t i = 0; i <= srv_nroutes; i++) {
        size_t r = route_slot(i);
        for (int k = 0; k < METRIC_STATUSES; k++) {
            unsigned long long v = atomic_load(&m.requests[r][k]);
            if (!v || (k > ST_OTHER))
                continue;
            char st[12];
            if (k == ST_OTHER)
                snprintf(st, sizeof st, "other");
            else
                snprintf(st, sizeof st, "%d", statuses[k]);
            TY_TRY(ty_buf_printf(
                b, "tianyan_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                route_label(i), i < srv_nroutes ? srv_routes[i].method : "any", st, v));
        }
    }
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_http_request_duration_seconds Time from the request "
                          "line to the end of the answer's preparation, by route pattern.\n"
                          "# TYPE tianyan_http_request_duration_seconds histogram\n"));
    for (size_t i = 0; i <= srv_nroutes; i++) {
        size_t r = route_slot(i);
        unsigned long long cum = 0;
        char lbl[160];
        snprintf(lbl, sizeof lbl, "route=\"%s\",method=\"%s\"", route_label(i),
                 i < srv_nroutes ? srv_routes[i].method : "any");
        for (size_t k = 0; k < NBUCKETS; k++) {
            cum += atomic_load(&m.hist[r][k]);
            TY_TRY(ty_buf_printf(b,
                                 "tianyan_http_request_duration_seconds_bucket{%s,le=\"%g\"} "
                                 "%llu\n",
                                 lbl, buckets[k], cum));
        }
        cum += atomic_load(&m.hist[r][NBUCKETS]);
        TY_TRY(ty_buf_printf(b,
                             "tianyan_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
                             "tianyan_http_request_duration_seconds_sum{%s} %.6f\n"
                             "tianyan_http_request_duration_seconds_count{%s} %llu\n",
                             lbl, cum, lbl, (double)atomic_load(&m.hist_sum_us[r]) / 1e6, lbl,
                             cum));
    }
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_http_errors_total Error answers by error code.\n"
                          "# TYPE tianyan_http_errors_total counter\n"));
    for (int e = 0; e < SE__COUNT; e++)
        TY_TRY(ty_buf_printf(b, "tianyan_http_errors_total{code=\"%s\"} %llu\n",
                             srv_err_code((srv_err)e), atomic_load(&m.errors[e])));
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_http_requests_in_progress Requests being received or "
                          "handled.\n# TYPE tianyan_http_requests_in_progress gauge\n"));
    TY_TRY(ty_buf_printf(b, "tianyan_http_requests_in_progress %d\n", atomic_load(&s->inflight)));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_worker_queue Requests waiting for a worker thread "
                         "(handlers that wait for a commit or a password check).\n"
                         "# TYPE tianyan_worker_queue gauge\ntianyan_worker_queue %d\n",
                         atomic_load(&s->jobs_queued)));

    const char *outcomes[] = {"accepted", "duplicate", "rejected"};
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_ingest_events_total Events received over HTTP, by "
                          "outcome (committed counts only).\n"
                          "# TYPE tianyan_ingest_events_total counter\n"));
    for (int i = 0; i < 3; i++)
        TY_TRY(ty_buf_printf(b, "tianyan_ingest_events_total{outcome=\"%s\"} %llu\n", outcomes[i],
                             atomic_load(&m.ingest_events[i])));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_ingest_conflicts_total Duplicates whose content differed "
                         "from the stored event.\n# TYPE tianyan_ingest_conflicts_total counter\n"
                         "tianyan_ingest_conflicts_total %llu\n",
                         atomic_load(&m.ingest_conflicts)));
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_ingest_rejects_total Rejected lines by reject class "
                          "(docs/exchange-spec.md).\n"
                          "# TYPE tianyan_ingest_rejects_total counter\n"));
    for (int c = 0; c < TY_REJ__COUNT; c++)
        TY_TRY(ty_buf_printf(b, "tianyan_ingest_rejects_total{class=\"%s\"} %llu\n",
                             ty_reject_class_name((ty_reject_class)c),
                             atomic_load(&m.ingest_rejects[c])));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_ingest_batches_total Ingest requests answered with "
                         "counts.\n# TYPE tianyan_ingest_batches_total counter\n"
                         "tianyan_ingest_batches_total %llu\n",
                         atomic_load(&m.ingest_batches)));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_ingest_refused_total Ingest requests answered 429, by "
                         "reason.\n# TYPE tianyan_ingest_refused_total counter\n"
                         "tianyan_ingest_refused_total{reason=\"concurrency\"} %llu\n"
                         "tianyan_ingest_refused_total{reason=\"backlog\"} %llu\n",
                         atomic_load(&m.ingest_refused[0]), atomic_load(&m.ingest_refused[1])));
    size_t cap = 0, q = s->writer ? ty_writer_backlog(s->writer, &cap) : 0;
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_ingest_queue_chunks Chunks waiting for the store's "
                         "writer.\n# TYPE tianyan_ingest_queue_chunks gauge\n"
                         "tianyan_ingest_queue_chunks %zu\n"
                         "# HELP tianyan_ingest_queue_capacity_chunks Bound of the writer's "
                         "queue.\n# TYPE tianyan_ingest_queue_capacity_chunks gauge\n"
                         "tianyan_ingest_queue_capacity_chunks %zu\n"
                         "# HELP tianyan_ingest_requests_in_progress Ingest requests being "
                         "received.\n# TYPE tianyan_ingest_requests_in_progress gauge\n"
                         "tianyan_ingest_requests_in_progress %d\n",
                         q, cap, atomic_load(&s->ingest_inflight)));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_ingest_offloaded_chunks_total Body chunks decoded on a "
                         "worker thread because the writer's queue was nearly full.\n"
                         "# TYPE tianyan_ingest_offloaded_chunks_total counter\n"
                         "tianyan_ingest_offloaded_chunks_total %llu\n",
                         atomic_load(&m.feeds_offloaded)));
    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_logins_total Sign-in attempts by result.\n"
                         "# TYPE tianyan_logins_total counter\n"
                         "tianyan_logins_total{result=\"failed\"} %llu\n"
                         "tianyan_logins_total{result=\"ok\"} %llu\n",
                         atomic_load(&m.logins[0]), atomic_load(&m.logins[1])));

    TY_TRY(ty_buf_printf(b,
                         "# HELP tianyan_rate_limited_total Requests answered 429 by a rate "
                         "limit, by what was limited.\n# TYPE tianyan_rate_limited_total counter\n"
                         "tianyan_rate_limited_total{by=\"address\"} %llu\n"
                         "tianyan_rate_limited_total{by=\"principal\"} %llu\n",
                         atomic_load(&m.rate_limited[0]), atomic_load(&m.rate_limited[1])));
    /* warnings by level and state, from the store at scrape time */
    TY_TRY(ty_buf_puts(b, "# HELP tianyan_warnings Warnings in the store by level (I most "
                          "severe) and state.\n# TYPE tianyan_warnings gauge\n"));
    ty_store *st = srv_reader_get(s);
    const char *states[] = {"open", "acknowledged", "resolved"};
    ty_err e = TY_OK;
    for (int lv = TY_LEVEL_I; lv <= TY_LEVEL_IV && e == TY_OK; lv++)
        for (int k = 0; k < 3 && e == TY_OK; k++) {
            char sql[160];
            int64_t n = 0;
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM warnings WHERE level = %d AND state = '%s'", lv,
                     states[k]);
            e = ty_store_query_int(st, sql, &n);
            if (e == TY_OK)
                e = ty_buf_printf(b, "tianyan_warnings{level=\"%s\",state=\"%s\"} %lld\n",
                                  ty_level_get(lv)->roman, states[k], (long long)n);
        }
    srv_reader_put(s, st);
    return e;
}
