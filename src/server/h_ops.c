/*
 * h_ops.c - the operations routes: liveness, readiness, Prometheus metrics
 * and the OpenAPI document.
 */
#include <stdio.h>
#include <string.h>

#include "server_impl.h"

static void status_body(req *r, int code, const char *status, const char *reason)
{
    yajl_gen g = json_new();
    ty_buf b = {0};
    if (!g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    yajl_gen_map_open(g);
    json_str(g, "status", status);
    if (reason)
        json_str(g, "reason", reason);
    yajl_gen_map_close(g);
    if (json_finish(g, &b) == TY_OK)
        srv_respond_json(r, code, &b);
    ty_buf_free(&b);
}

void h_healthz(srv *s, req *r)
{
    (void)s;
    status_body(r, 200, "ok", NULL);
}

void h_readyz(srv *s, req *r)
{
    if (atomic_load(&s->stopping)) {
        status_body(r, 503, "unavailable", "shutting down");
        return;
    }
    ty_store *st = srv_reader_get(s);
    int64_t n = 0;
    ty_err e = ty_store_query_int(st, "SELECT count(*) FROM platforms", &n);
    srv_reader_put(s, st);
    if (e != TY_OK) {
        status_body(r, 503, "unavailable", "the store does not answer");
        return;
    }
    status_body(r, 200, "ready", NULL);
}

void h_metrics(srv *s, req *r)
{
    ty_buf b;
    ty_buf_init(&b, 4 * 1024 * 1024);
    ty_err e = srv_metrics_render(s, &b);
    if (e != TY_OK) {
        ty_buf_free(&b);
        srv_error_ty(r, e, "rendering metrics");
        return;
    }
    srv_respond_text(r, 200, &b, "text/plain; version=0.0.4; charset=utf-8");
    ty_buf_free(&b);
}

void h_openapi(srv *s, req *r)
{
    (void)s;
    ty_buf b = {0};
    ty_err e = ty_server_openapi(&b, 0);
    if (e != TY_OK) {
        ty_buf_free(&b);
        srv_error_ty(r, e, "generating the OpenAPI document");
        return;
    }
    srv_respond_json(r, 200, &b);
    ty_buf_free(&b);
}
