/*
 * h_warnings.c - the warnings routes: list with filters and keyset paging,
 * one warning with its explanation and history, and acknowledge / silence /
 * unsilence. A thin client of warning.h, which keeps the lifecycle rules and
 * writes the history and the audit trail (actor: the principal's actor name).
 *
 * A platform principal sees only the warnings tied to its own platform: the
 * listing is filtered to it, and any other warning answers 404, the same as
 * one that does not exist, so that ids do not tell what other platforms have.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "server_impl.h"
#include "tianyan/risk.h"
#include "tianyan/timeutil.h"

static void param_member(yajl_gen g, void *ctx)
{
    json_str(g, "parameter", ctx);
}

#define BAD_PARAM(r, name, ...) \
    srv_error_with(r, SE_INVALID_PARAMETER, param_member, name, __VA_ARGS__)

static int is_platform(const req *r)
{
    return r->who.role == TY_ROLE_PLATFORM;
}

static int parse_time(req *r, const char *name, const char *v, int64_t *ms)
{
    const char *why = NULL;
    int off;
    if (ty_time_parse(v, strlen(v), ms, &off, &why) != TY_OK) {
        BAD_PARAM(r, (void *)name,
                  "%s: must be an RFC 3339 time like 2026-03-01T20:15:00+08:00, got \"%.64s\" (%s)",
                  name, v, why ? why : "invalid");
        return 0;
    }
    return 1;
}

/* Cursor text: "LEVEL.UPDATED.ID", as `tianyan warnings` prints it. */
static int parse_cursor(const char *s, ty_warning_cursor *cur)
{
    char *e1, *e2, *e3;
    errno = 0;
    long long lv = strtoll(s, &e1, 10);
    if (e1 == s || *e1 != '.')
        return 0;
    long long up = strtoll(e1 + 1, &e2, 10);
    if (*e2 != '.')
        return 0;
    long long id = strtoll(e2 + 1, &e3, 10);
    if (errno || *e3 || lv < 1 || lv > 4 || id < 1)
        return 0;
    *cur = (ty_warning_cursor){(int)lv, up, id};
    return 1;
}

/* The {id} of the path: a positive integer, else 400. */
static int path_id(req *r, int64_t *id)
{
    const char *v = r->params[0];
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < 1) {
        BAD_PARAM(r, "id", "id: a warning id is a positive integer, got \"%.64s\"", v);
        return 0;
    }
    *id = x;
    return 1;
}

typedef struct list_ctx {
    yajl_gen g;
} list_ctx;

static ty_err list_row(void *ctx, const ty_warning *w)
{
    json_warning(((list_ctx *)ctx)->g, w, 0);
    return TY_OK;
}

void h_warnings_list(srv *s, req *r)
{
    ty_warning_query q = {0};
    const char *v;
    if ((v = srv_query(r, "min_level"))) {
        ty_level l;
        if (ty_level_parse(v, &l) != TY_OK) {
            BAD_PARAM(r, "min_level", "min_level: must be I, II, III or IV, got \"%.64s\"", v);
            return;
        }
        q.min_level = l;
    }
    char kind[64];
    if ((v = srv_query(r, "entity"))) {
        const char *colon = strchr(v, ':');
        if (!colon || colon == v || !colon[1] || (size_t)(colon - v) >= sizeof kind) {
            BAD_PARAM(r, "entity", "entity: must be KIND:ID (product:SKU-1), got \"%.64s\"", v);
            return;
        }
        snprintf(kind, sizeof kind, "%.*s", (int)(colon - v), v);
        q.entity_kind = kind;
        q.entity_key = colon + 1;
    }
    q.platform = srv_query(r, "platform");
    if (is_platform(r)) {
        if (q.platform && strcmp(q.platform, r->who.platform_code) != 0) {
            srv_error(r, SE_FORBIDDEN,
                      "platform %.40s may list only its own warnings (platform=%s or no "
                      "platform parameter)",
                      r->who.platform_code, r->who.platform_code);
            return;
        }
        q.platform = r->who.platform_code;
    }
    q.detector = srv_query(r, "detector");
    q.group_key = srv_query(r, "group");
    if ((v = srv_query(r, "state"))) {
        ty_warning_state st;
        if (strcmp(v, "all") == 0)
            q.states = TY_WS_ALL_SET;
        else if (strcmp(v, "active") == 0)
            q.states = TY_WS_ACTIVE_SET;
        else if (ty_warning_state_parse(v, &st) == TY_OK)
            q.states = TY_WS_MASK(st);
        else {
            BAD_PARAM(r, "state",
                      "state: must be open, acknowledged, resolved, active or all, got \"%.64s\"",
                      v);
            return;
        }
    }
    if ((v = srv_query(r, "from")) && !parse_time(r, "from", v, &q.from))
        return;
    if ((v = srv_query(r, "to")) && !parse_time(r, "to", v, &q.to))
        return;
    q.limit = 100;
    if ((v = srv_query(r, "limit"))) {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > 10000) {
            BAD_PARAM(r, "limit", "limit: must be an integer from 1 to 10000, got \"%.64s\"", v);
            return;
        }
        q.limit = (size_t)n;
    }
    if ((v = srv_query(r, "after")) && !parse_cursor(v, &q.after)) {
        BAD_PARAM(r, "after", "after: must be the `next` cursor of a previous page, got \"%.64s\"",
                  v);
        return;
    }
    list_ctx lc = {json_new()};
    if (!lc.g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    yajl_gen_map_open(lc.g);
    json_key(lc.g, "warnings");
    yajl_gen_array_open(lc.g);
    ty_warning_cursor next = {0, 0, 0};
    int more = 0;
    ty_store *st = srv_reader_get(s);
    ty_err e = ty_warning_list(st, &q, list_row, &lc, &next, &more);
    srv_reader_put(s, st);
    if (e != TY_OK) {
        yajl_gen_free(lc.g);
        if (e == TY_EINVAL) /* a filter the store refuses (too long, bad characters) */
            srv_error(r, SE_INVALID_PARAMETER,
                      "a filter is out of its limits (entity kind up to "
                      "32, keys up to 256 bytes)");
        else
            srv_error_ty(r, e, "listing warnings");
        return;
    }
    yajl_gen_array_close(lc.g);
    char cursor[80];
    snprintf(cursor, sizeof cursor, "%d.%lld.%lld", next.level, (long long)next.updated,
             (long long)next.id);
    json_str(lc.g, "next", more ? cursor : NULL);
    yajl_gen_map_close(lc.g);
    ty_buf b = {0};
    if (json_finish(lc.g, &b) == TY_OK)
        srv_respond_json(r, 200, &b);
    else
        srv_error(r, SE_INTERNAL, "out of memory");
    ty_buf_free(&b);
}

/* ---- one warning ---- */

typedef struct detail_ctx {
    yajl_gen g;
    const req *r;
    int hidden; /* another platform's warning, for a platform principal */
} detail_ctx;

static ty_err detail_warning(void *ctx, const ty_warning *w)
{
    detail_ctx *c = ctx;
    if (is_platform(c->r) && strcmp(w->platform, c->r->who.platform_code) != 0) {
        c->hidden = 1;
        return TY_OK;
    }
    yajl_gen_map_open(c->g);
    json_key(c->g, "warning");
    json_warning(c->g, w, 1);
    json_key(c->g, "explanation");
    if (!w->explanation || !json_embed(c->g, w->explanation, strlen(w->explanation)))
        yajl_gen_null(c->g);
    return TY_OK;
}

static ty_err detail_event(void *ctx, const ty_warning_event *ev)
{
    json_warning_event(((detail_ctx *)ctx)->g, ev);
    return TY_OK;
}

/* Answers the warning with its explanation and history; 404 when it does not
 * exist or is not the platform principal's. */
static void answer_detail(srv *s, req *r, int64_t id)
{
    detail_ctx c = {json_new(), r, 0};
    if (!c.g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    ty_store *st = srv_reader_get(s);
    ty_err e = ty_warning_get(st, id, 0, detail_warning, &c);
    if (e == TY_OK && !c.hidden) {
        json_key(c.g, "history");
        yajl_gen_array_open(c.g);
        e = ty_warning_history(st, id, detail_event, &c);
        yajl_gen_array_close(c.g);
        yajl_gen_map_close(c.g);
    }
    srv_reader_put(s, st);
    if (e == TY_ENOENT || (e == TY_OK && c.hidden)) {
        yajl_gen_free(c.g);
        srv_error(r, SE_NOT_FOUND, "there is no warning %lld", (long long)id);
        return;
    }
    if (e != TY_OK) {
        yajl_gen_free(c.g);
        srv_error_ty(r, e, "reading a warning");
        return;
    }
    ty_buf b = {0};
    if (json_finish(c.g, &b) == TY_OK)
        srv_respond_json(r, 200, &b);
    else
        srv_error(r, SE_INTERNAL, "out of memory");
    ty_buf_free(&b);
}

void h_warning_get(srv *s, req *r)
{
    int64_t id;
    if (path_id(r, &id))
        answer_detail(s, r, id);
}

/* ---- acknowledge, silence, unsilence ---- */

enum { DO_ACK, DO_SILENCE, DO_UNSILENCE };

/* "90m", "12h", "3d", "45s" -> ms; 0 when malformed or over 366 days. */
static int64_t parse_duration(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 1 || end[0] == '\0' || end[1] != '\0' || v > 366LL * 24 * 3600)
        return 0;
    switch (end[0]) {
    case 's':
        return v * 1000;
    case 'm':
        return v * 60000;
    case 'h':
        return v * 3600000;
    case 'd':
        return v * 86400000 > 366LL * 86400000 ? 0 : v * 86400000;
    default:
        return 0;
    }
}

/* A string member of the body, or NULL when absent; *bad set when present and
 * not a string. */
static const char *member(req *r, yajl_val body, const char *name, int *bad)
{
    const char *path[] = {name, NULL};
    yajl_val v = yajl_tree_get(body, path, yajl_t_any);
    if (!v || YAJL_IS_NULL(v))
        return NULL;
    if (!YAJL_IS_STRING(v)) {
        BAD_PARAM(r, (void *)name, "field \"%s\": must be a string", name);
        *bad = 1;
        return NULL;
    }
    return YAJL_GET_STRING(v);
}

typedef struct act_ctx {
    const ty_warning_action *a;
    int what;
    char err[512];
} act_ctx;

/* On the writer thread: the library changes the warning, its history and the
 * audit trail in one savepoint. */
static ty_err act_body(ty_store *st, void *ctx)
{
    act_ctx *c = ctx;
    return c->what == DO_ACK       ? ty_warning_ack(st, c->a, c->err, sizeof c->err)
           : c->what == DO_SILENCE ? ty_warning_silence(st, c->a, c->err, sizeof c->err)
                                   : ty_warning_unsilence(st, c->a, c->err, sizeof c->err);
}

static void act(srv *s, req *r, int what)
{
    int64_t id;
    if (!path_id(r, &id))
        return;
    static const char *const ack_fields[] = {"note", NULL};
    static const char *const sil_fields[] = {"reason", "until", "for", NULL};
    static const char *const uns_fields[] = {"reason", NULL};
    yajl_val body = srv_body_object(r, what == DO_ACK       ? ack_fields
                                       : what == DO_SILENCE ? sil_fields
                                                            : uns_fields);
    if (!body)
        return;
    int bad = 0;
    ty_warning_action a = {id, r->who.actor, NULL, 0, ty_now_ms()};
    a.reason = member(r, body, what == DO_ACK ? "note" : "reason", &bad);
    const char *until = bad ? NULL : member(r, body, "until", &bad);
    const char *len = bad ? NULL : member(r, body, "for", &bad);
    if (!bad && a.reason && strlen(a.reason) > TY_WARNING_TEXT_MAX) {
        BAD_PARAM(r, what == DO_ACK ? "note" : "reason", "field \"%s\": at most %d bytes",
                  what == DO_ACK ? "note" : "reason", TY_WARNING_TEXT_MAX);
        bad = 1;
    }
    if (!bad && what == DO_SILENCE) {
        if (!a.reason || !*a.reason) {
            BAD_PARAM(r, "reason", "field \"reason\": a silence needs a reason, for the history");
            bad = 1;
        } else if (!until == !len) {
            BAD_PARAM(r, "until", "give either \"until\" (RFC 3339) or \"for\" (90m, 12h, 3d)");
            bad = 1;
        } else if (until) {
            bad = !parse_time(r, "until", until, &a.until);
        } else {
            int64_t ms = parse_duration(len);
            if (!ms) {
                BAD_PARAM(r, "for",
                          "field \"for\": a positive number with s, m, h or d (90m, 12h, 3d), "
                          "at most 366 days, got \"%.32s\"",
                          len);
                bad = 1;
            }
            a.until = (a.now_ms + ms) / 1000 * 1000;
        }
        if (!bad && a.until <= a.now_ms) {
            BAD_PARAM(r, "until", "field \"until\": %.64s is not in the future", until);
            bad = 1;
        }
    }
    if (bad) {
        yajl_tree_free(body);
        return;
    }
    act_ctx c = {&a, what, ""};
    ty_err e = srv_write(s, act_body, &c);
    const char *err = c.err;
    yajl_tree_free(body);
    if (e == TY_ENOENT)
        srv_error(r, SE_NOT_FOUND, "there is no warning %lld", (long long)id);
    else if (e == TY_EINVAL)
        srv_error(r, SE_CONFLICT, "%s",
                  err[0] ? err : "the warning is not in a state that allows this");
    else if (e != TY_OK)
        srv_error_ty(r, e, err);
    else
        answer_detail(s, r, id);
}

void h_warning_ack(srv *s, req *r)
{
    act(s, r, DO_ACK);
}

void h_warning_silence(srv *s, req *r)
{
    act(s, r, DO_SILENCE);
}

void h_warning_unsilence(srv *s, req *r)
{
    act(s, r, DO_UNSILENCE);
}
