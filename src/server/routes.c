/*
 * routes.c - the API, described once: every route with its method, path
 * pattern, handler, roles, parameters and schemas. Dispatch and authorization
 * (daemon.c) read this table; so do the OpenAPI 3 document (openapi.c) and
 * docs/api.md, so that neither can drift from what the server does.
 */
#include <stdio.h>
#include <string.h>

#include "server_impl.h"

#define R_READERS \
    (ROLE(TY_ROLE_ADMIN) | ROLE(TY_ROLE_ANALYST) | ROLE(TY_ROLE_EXPERT) | ROLE(TY_ROLE_PLATFORM))
#define R_TRIAGE (ROLE(TY_ROLE_ADMIN) | ROLE(TY_ROLE_ANALYST))
#define R_SIGNED (ROLES_ALL & ~ROLE(TY_ROLE_PUBLIC))

static const route_param p_none[] = {{NULL, NULL, NULL, 0, NULL}};

static const route_param p_id[] = {
    {"id", "path", "integer", 1, "the warning's id"},
    {NULL, NULL, NULL, 0, NULL},
};

static const route_param p_list[] = {
    {"min_level", "query", "string", 0,
     "I, II, III or IV: this level and more severe (default IV: all)"},
    {"state", "query", "string", 0, "open, acknowledged, resolved, active (default) or all"},
    {"entity", "query", "string", 0, "KIND:ID, only warnings about this entity (product:SKU-1)"},
    {"platform", "query", "string", 0,
     "only warnings tied to this platform code (a platform principal may give only its own)"},
    {"detector", "query", "string", 0, "only warnings of this detector"},
    {"group", "query", "string", 0, "only warnings of this group (batch:tmall-global:LOT7)"},
    {"from", "query", "string", 0, "RFC 3339: only warnings active at or after this event time"},
    {"to", "query", "string", 0, "RFC 3339: only warnings opened before this event time"},
    {"limit", "query", "integer", 0, "warnings per page, 1-10000 (default 100)"},
    {"after", "query", "string", 0, "the `next` cursor of the previous page"},
    {NULL, NULL, NULL, 0, NULL},
};

const route srv_routes[] = {
    {"GET", "/healthz", h_healthz, ROLES_ALL, 0, BODY_NONE, "operations", "liveness",
     "Answers 200 while the process serves HTTP; it does not touch the store.", p_none, NULL,
     "Health", 200, NULL},
    {"GET", "/readyz", h_readyz, ROLES_ALL, 0, BODY_NONE, "operations", "readiness",
     "Answers 200 when the store answers a query and the ingest writer runs, 503 otherwise "
     "(for load balancers: take the instance out of rotation).",
     p_none, NULL, "Health", 200, NULL},
    {"GET", "/metrics", h_metrics, ROLES_ALL, 0, BODY_NONE, "operations", "Prometheus metrics",
     "Requests by route and status, request latency histogram, errors by code, ingest counts "
     "and rejects by class, the writer's backlog, warnings by level and state, in the "
     "Prometheus text exposition format 0.0.4.",
     p_none, NULL, NULL, 200, "text/plain; version=0.0.4"},
    {"GET", "/api/v1/openapi.json", h_openapi, ROLES_ALL, 0, BODY_NONE, "operations",
     "this document", "The OpenAPI 3 description of the API, generated from the route table.",
     p_none, NULL, NULL, 200, NULL},
    {"POST", "/api/v1/session", h_session_open, ROLES_ALL, RF_WORKER, BODY_JSON, "sessions",
     "sign in",
     "Checks name and password (argon2id) and opens a session. By default the session token "
     "is set as an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) and the answer carries "
     "the CSRF token, to be sent back in X-CSRF-Token with every POST, PUT, PATCH or DELETE. "
     "With \"token\": true no cookie is set and the answer carries the session token, for "
     "scripts that send it as Authorization: Bearer (no CSRF token is needed then).",
     p_none, "LoginRequest", "Session", 200, NULL},
    {"GET", "/api/v1/session", h_session_get, R_SIGNED, 0, BODY_NONE, "sessions", "who am I",
     "The principal the request is authenticated as.", p_none, NULL, "Principal", 200, NULL},
    {"DELETE", "/api/v1/session", h_session_end, R_SIGNED, RF_SESSION_ONLY | RF_WORKER, BODY_NONE,
     "sessions", "sign out",
     "Ends the session (cookie or bearer session token) and clears the "
     "cookie.",
     p_none, NULL, NULL, 204, NULL},
    {"GET", "/api/v1/warnings", h_warnings_list, R_READERS, 0, BODY_NONE, "warnings",
     "list warnings",
     "Warnings, most severe first, then most recently updated (event time), then newest. Keyset "
     "paging: pass the answer's `next` as `after` for the next page. A platform principal sees "
     "only the warnings tied to its own platform.",
     p_list, NULL, "WarningList", 200, NULL},
    {"GET", "/api/v1/warnings/{id}", h_warning_get, R_READERS, 0, BODY_NONE, "warnings",
     "one warning",
     "The warning with its risk, the explanation the engine stored and its whole history. A "
     "platform principal gets 404 for a warning that is not its platform's.",
     p_id, NULL, "WarningDetail", 200, NULL},
    {"POST", "/api/v1/warnings/{id}/ack", h_warning_ack, R_TRIAGE, RF_WORKER, BODY_JSON, "warnings",
     "acknowledge",
     "Acknowledges an open warning; recorded in its history and the audit trail with the "
     "principal as actor. 409 when it is resolved or already acknowledged.",
     p_id, "AckRequest", "WarningDetail", 200, NULL},
    {"POST", "/api/v1/warnings/{id}/silence", h_warning_silence, R_TRIAGE, RF_WORKER, BODY_JSON,
     "warnings", "silence",
     "Silences an active warning until a wall-clock time (`until`, RFC 3339) or for a duration "
     "(`for`: 90m, 12h, 3d); `reason` is required. Silencing again replaces the end.",
     p_id, "SilenceRequest", "WarningDetail", 200, NULL},
    {"POST", "/api/v1/warnings/{id}/unsilence", h_warning_unsilence, R_TRIAGE, RF_WORKER, BODY_JSON,
     "warnings", "end a silence",
     "Ends the silence of an active warning now. 409 when it is "
     "not silenced.",
     p_id, "UnsilenceRequest", "WarningDetail", 200, NULL},
    {"POST", "/api/v1/events", h_events_post, ROLE(TY_ROLE_PLATFORM), RF_KEY_ONLY | RF_WORKER,
     BODY_EVENTS, "ingest", "send events",
     "A platform's feed, authenticated by its API key (Authorization: Bearer tyk_…): JSON Lines "
     "(Content-Type application/x-ndjson) or CSV (text/csv) as docs/exchange-spec.md describes, "
     "streamed into the store. The answer comes once the accepted events are durable and gives "
     "accepted, duplicate and rejected counts with the first rejected lines (line, field, code, "
     "message). 400 invalid_events when nothing could be accepted; 413 when the body is larger "
     "than max_ingest_bytes (with Content-Length: before anything is read; a chunked body cut "
     "at the limit may have stored its first events, and sending it again stores each event "
     "once); 429 with Retry-After when the writer is behind.",
     p_none, "EventsBody", "IngestReport", 200, NULL},
};

const size_t srv_nroutes = sizeof srv_routes / sizeof srv_routes[0];

/* Splits a path into its segments in place; the count, or -1 when over max. */
static int split(char *p, char **seg, int max)
{
    int n = 0;
    if (*p != '/')
        return -1;
    p++;
    while (1) {
        if (n == max)
            return -1;
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

const route *srv_route_match(const char *method, const char *path, char *scratch, size_t scratchn,
                             const char **params, int *path_known, char *allow, size_t allown)
{
    *path_known = 0;
    if (allown)
        allow[0] = '\0';
    size_t pl = strlen(path);
    if (pl + 1 > scratchn)
        return NULL;
    memcpy(scratch, path, pl + 1);
    char *seg[16];
    int n = split(scratch, seg, 16);
    if (n < 0)
        return NULL;
    const route *found = NULL;
    for (size_t i = 0; i < srv_nroutes; i++) {
        char pat[256], *pseg[16];
        snprintf(pat, sizeof pat, "%s", srv_routes[i].path);
        int pn = split(pat, pseg, 16);
        if (pn != n)
            continue;
        int np = 0, ok = 1;
        const char *vals[SRV_PARAMS_MAX];
        for (int k = 0; k < n && ok; k++) {
            if (pseg[k][0] == '{') {
                if (!seg[k][0] || np == SRV_PARAMS_MAX)
                    ok = 0;
                else
                    vals[np++] = seg[k];
            } else if (strcmp(pseg[k], seg[k]) != 0) {
                ok = 0;
            }
        }
        if (!ok)
            continue;
        *path_known = 1;
        if (allown) {
            size_t al = strlen(allow);
            snprintf(allow + al, allown - al, "%s%s", al ? ", " : "", srv_routes[i].method);
        }
        if (!found && strcmp(srv_routes[i].method, method) == 0) {
            found = &srv_routes[i];
            for (int k = 0; k < np; k++)
                params[k] = vals[k];
        }
    }
    return found;
}
