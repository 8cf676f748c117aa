/*
 * openapi.c - the OpenAPI 3.0 document and docs/api.md, both generated from
 * the route table (routes.c), the error table (server_impl.h) and the schemas
 * below. The schemas describe what the handlers write; the black-box tests
 * check the handlers' answers against the same field names.
 */
#include <stdio.h>
#include <string.h>

#include "server_impl.h"

/* Component schemas: name and JSON Schema (OpenAPI 3.0 dialect). */
static const struct {
    const char *name, *json;
} schemas[] = {
    {"Health", "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{"
               "\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"ready\",\"unavailable\"]},"
               "\"reason\":{\"type\":\"string\"}}}"},
    {"Principal",
     "{\"type\":\"object\",\"required\":[\"role\",\"name\",\"actor\"],\"properties\":{"
     "\"role\":{\"type\":\"string\",\"enum\":[\"admin\",\"analyst\",\"expert\",\"inspector\","
     "\"platform\"]},\"name\":{\"type\":\"string\"},\"actor\":{\"type\":\"string\"},"
     "\"platform\":{\"type\":\"string\",\"nullable\":true},"
     "\"via\":{\"type\":\"string\",\"enum\":[\"cookie\",\"bearer\",\"api_key\"]}}}"},
    {"LoginRequest",
     "{\"type\":\"object\",\"required\":[\"name\",\"password\"],\"additionalProperties\":false,"
     "\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":64},"
     "\"password\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1024},"
     "\"token\":{\"type\":\"boolean\",\"description\":\"true: answer with the session token "
     "for Authorization: Bearer instead of setting a cookie\"}}}"},
    {"Session", "{\"type\":\"object\",\"required\":[\"principal\",\"expires\"],\"properties\":{"
                "\"principal\":{\"$ref\":\"#/components/schemas/Principal\"},"
                "\"expires\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"csrf_token\":{\"type\":\"string\",\"nullable\":true},"
                "\"token\":{\"type\":\"string\",\"nullable\":true}}}"},
    {"Warning", "{\"type\":\"object\",\"required\":[\"id\",\"level\",\"state\",\"detector\","
                "\"entity_kind\",\"entity_id\"],\"properties\":{"
                "\"id\":{\"type\":\"integer\"},"
                "\"level\":{\"type\":\"string\",\"enum\":[\"I\",\"II\",\"III\",\"IV\"]},"
                "\"level_zh\":{\"type\":\"string\"},\"colour\":{\"type\":\"string\"},"
                "\"risk\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\",\"high\",\"serious\"]},"
                "\"state\":{\"type\":\"string\",\"enum\":[\"open\",\"acknowledged\",\"resolved\"]},"
                "\"silenced\":{\"type\":\"boolean\"},\"detector\":{\"type\":\"string\"},"
                "\"entity_kind\":{\"type\":\"string\"},\"entity_id\":{\"type\":\"string\"},"
                "\"platform\":{\"type\":\"string\",\"nullable\":true},"
                "\"display_name\":{\"type\":\"string\",\"nullable\":true},"
                "\"group\":{\"type\":\"string\",\"nullable\":true},"
                "\"opened\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"updated\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"resolved\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},"
                "\"first_event\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"last_event\":{\"type\":\"string\",\"format\":\"date-time\"}}}"},
    {"WarningFull",
     "{\"allOf\":[{\"$ref\":\"#/components/schemas/Warning\"},{\"type\":\"object\","
     "\"properties\":{\"rule_version\":{\"type\":\"string\"},"
     "\"severity\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":4},"
     "\"probability\":{\"type\":\"number\"},\"band\":{\"type\":\"string\"},"
     "\"clear_since\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},"
     "\"resolve_after_ms\":{\"type\":\"integer\"},\"raises\":{\"type\":\"integer\"},"
     "\"previous\":{\"type\":\"integer\",\"nullable\":true},"
     "\"acknowledged_by\":{\"type\":\"string\",\"nullable\":true},"
     "\"acknowledged_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},"
     "\"silenced_until\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},"
     "\"silenced_by\":{\"type\":\"string\",\"nullable\":true},"
     "\"silence_reason\":{\"type\":\"string\",\"nullable\":true}}}]}"},
    {"WarningList",
     "{\"type\":\"object\",\"required\":[\"warnings\",\"next\"],\"properties\":{"
     "\"warnings\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Warning\"}},"
     "\"next\":{\"type\":\"string\",\"nullable\":true,\"description\":\"cursor of the next "
     "page (pass as after), null on the last page\"}}}"},
    {"HistoryEntry",
     "{\"type\":\"object\",\"required\":[\"change\",\"at\",\"actor\"],\"properties\":{"
     "\"change\":{\"type\":\"string\",\"enum\":[\"opened\",\"updated\",\"escalated\","
     "\"de-escalated\",\"cleared\",\"acknowledged\",\"silenced\",\"unsilenced\",\"resolved\","
     "\"reopened\"]},\"at\":{\"type\":\"string\",\"format\":\"date-time\"},"
     "\"event_time\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},"
     "\"actor\":{\"type\":\"string\"},\"reason\":{\"type\":\"string\",\"nullable\":true},"
     "\"level_from\":{\"type\":\"string\",\"nullable\":true},"
     "\"level_to\":{\"type\":\"string\",\"nullable\":true},"
     "\"until\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}}}"},
    {"WarningDetail",
     "{\"type\":\"object\",\"required\":[\"warning\",\"explanation\",\"history\"],"
     "\"properties\":{\"warning\":{\"$ref\":\"#/components/schemas/WarningFull\"},"
     "\"explanation\":{\"type\":\"object\",\"nullable\":true,\"description\":\"as stored by "
     "the engine (docs/detection.md)\"},"
     "\"history\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
     "HistoryEntry\"}}}}"},
    {"AckRequest", "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                   "\"note\":{\"type\":\"string\",\"maxLength\":1024}}}"},
    {"SilenceRequest",
     "{\"type\":\"object\",\"required\":[\"reason\"],\"additionalProperties\":false,"
     "\"properties\":{\"reason\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1024},"
     "\"until\":{\"type\":\"string\",\"format\":\"date-time\"},"
     "\"for\":{\"type\":\"string\",\"pattern\":\"^[1-9][0-9]*[smhd]$\"}}}"},
    {"UnsilenceRequest", "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                         "\"reason\":{\"type\":\"string\",\"maxLength\":1024}}}"},
    {"EventsBody", "{\"type\":\"string\",\"description\":\"JSON Lines or CSV records of "
                   "exchange spec v1 (docs/exchange-spec.md)\"}"},
    {"IngestError",
     "{\"type\":\"object\",\"required\":[\"line\",\"code\",\"message\"],\"properties\":{"
     "\"line\":{\"type\":\"integer\"},\"field\":{\"type\":\"string\",\"nullable\":true},"
     "\"code\":{\"type\":\"string\",\"description\":\"reject class "
     "(docs/exchange-spec.md)\"},\"message\":{\"type\":\"string\"}}}"},
    {"IngestReport",
     "{\"type\":\"object\",\"required\":[\"request_id\",\"batch\",\"lines\",\"accepted\","
     "\"duplicate\",\"conflicts\",\"rejected\",\"errors\"],\"properties\":{"
     "\"request_id\":{\"type\":\"string\"},\"batch\":{\"type\":\"integer\"},"
     "\"format\":{\"type\":\"string\",\"enum\":[\"jsonl\",\"csv\"]},"
     "\"lines\":{\"type\":\"integer\"},\"accepted\":{\"type\":\"integer\"},"
     "\"duplicate\":{\"type\":\"integer\"},\"conflicts\":{\"type\":\"integer\"},"
     "\"rejected\":{\"type\":\"integer\"},"
     "\"errors\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
     "IngestError\"}}}}"},
};

#define NSCHEMAS (sizeof schemas / sizeof schemas[0])

/* The Error schema, with the codes of the error table as its enum. */
static ty_err error_schema(yajl_gen g)
{
    ty_buf b;
    ty_buf_init(&b, 64 * 1024);
    ty_err e = ty_buf_puts(&b, "{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{"
                               "\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\","
                               "\"request_id\"],\"properties\":{\"code\":{\"type\":\"string\","
                               "\"enum\":[");
    for (int i = 0; i < SE__COUNT && e == TY_OK; i++)
        e = ty_buf_printf(&b, "%s\"%s\"", i ? "," : "", srv_err_code((srv_err)i));
    if (e == TY_OK)
        e = ty_buf_puts(&b, "]},\"message\":{\"type\":\"string\"},\"request_id\":{\"type\":"
                            "\"string\"},\"parameter\":{\"type\":\"string\"},\"allowed\":{"
                            "\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}");
    json_key(g, "Error");
    if (e == TY_OK && !json_embed(g, b.data, b.len))
        e = TY_EINVAL;
    ty_buf_free(&b);
    return e;
}

/* "admin, analyst, …" for a role mask; "anyone" for the public. */
static void roles_text(unsigned roles, char *out, size_t n)
{
    out[0] = '\0';
    if (roles & ROLE(TY_ROLE_PUBLIC)) {
        snprintf(out, n, "anyone (no authentication)");
        return;
    }
    for (int r = 1; r < TY_ROLE__COUNT; r++)
        if (roles & ROLE(r)) {
            size_t l = strlen(out);
            snprintf(out + l, n - l, "%s%s", l ? ", " : "", ty_role_name((ty_role)r));
        }
}

/* The error statuses a route can answer, in order. */
static size_t route_errors(const route *rt, srv_err *out)
{
    size_t n = 0;
    int is_public = (rt->roles & ROLE(TY_ROLE_PUBLIC)) != 0;
    int has_id = strstr(rt->path, "{id}") != NULL;
    int has_query = 0;
    for (const route_param *p = rt->params; p->name; p++)
        has_query |= strcmp(p->in, "query") == 0;
    if (rt->body == BODY_JSON)
        out[n++] = SE_INVALID_JSON;
    if (has_query || has_id || rt->body == BODY_JSON)
        out[n++] = SE_INVALID_PARAMETER;
    if (rt->body == BODY_EVENTS)
        out[n++] = SE_INVALID_EVENTS;
    if (!is_public) {
        out[n++] = SE_UNAUTHENTICATED;
        out[n++] = SE_INVALID_TOKEN;
        out[n++] = SE_FORBIDDEN;
    }
    if (rt->handler == h_session_open)
        out[n++] = SE_INVALID_CREDENTIALS;
    if (!is_public && strcmp(rt->method, "GET") != 0)
        out[n++] = SE_CSRF;
    if (has_id)
        out[n++] = SE_NOT_FOUND;
    if (rt->handler == h_warning_ack || rt->handler == h_warning_silence ||
        rt->handler == h_warning_unsilence)
        out[n++] = SE_CONFLICT;
    if (rt->body != BODY_NONE) {
        out[n++] = SE_TOO_LARGE;
        out[n++] = SE_MEDIA_TYPE;
    }
    if (rt->body == BODY_EVENTS || rt->handler == h_session_open)
        out[n++] = SE_TOO_MANY;
    out[n++] = SE_INTERNAL;
    if (rt->handler == h_readyz || rt->body == BODY_EVENTS)
        out[n++] = SE_UNAVAILABLE;
    return n;
}

static void ref(yajl_gen g, const char *schema)
{
    char r[128];
    snprintf(r, sizeof r, "#/components/schemas/%s", schema);
    yajl_gen_map_open(g);
    json_str(g, "$ref", r);
    yajl_gen_map_close(g);
}

static void operation(yajl_gen g, const route *rt)
{
    char roles[160], desc[2048], opid[96];
    roles_text(rt->roles, roles, sizeof roles);
    snprintf(desc, sizeof desc, "%s\n\nRoles: %s%s.", rt->description, roles,
             rt->flags & RF_KEY_ONLY       ? " (with an API key)"
             : rt->flags & RF_SESSION_ONLY ? " (with a session)"
                                           : "");
    /* operationId: method and path words, "getApiV1Warnings" */
    size_t o = 0;
    for (const char *m = rt->method; *m && o + 1 < sizeof opid; m++)
        opid[o++] = (char)(*m | 0x20);
    int up = 1;
    for (const char *p = rt->path; *p && o + 1 < sizeof opid; p++) {
        if (*p == '/' || *p == '{' || *p == '}' || *p == '.' || *p == '_') {
            up = 1;
            continue;
        }
        opid[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        up = 0;
    }
    opid[o] = '\0';
    json_key(g, rt->method[0] == 'G' ? "get" : rt->method[0] == 'P' ? "post" : "delete");
    yajl_gen_map_open(g);
    json_str(g, "operationId", opid);
    json_key(g, "tags");
    yajl_gen_array_open(g);
    yajl_gen_string(g, (const unsigned char *)rt->tag, strlen(rt->tag));
    yajl_gen_array_close(g);
    json_str(g, "summary", rt->summary);
    json_str(g, "description", desc);
    json_key(g, "x-roles");
    yajl_gen_array_open(g);
    for (int r = 0; r < TY_ROLE__COUNT; r++)
        if (rt->roles & ROLE(r))
            yajl_gen_string(g, (const unsigned char *)ty_role_name((ty_role)r),
                            strlen(ty_role_name((ty_role)r)));
    yajl_gen_array_close(g);
    json_key(g, "security");
    yajl_gen_array_open(g);
    if (!(rt->roles & ROLE(TY_ROLE_PUBLIC))) {
        const char *schemes[] = {"sessionCookie", "bearer"};
        for (int i = 0; i < 2; i++) {
            if (i == 0 && rt->flags & RF_KEY_ONLY)
                continue;
            yajl_gen_map_open(g);
            json_key(g, schemes[i]);
            yajl_gen_array_open(g);
            yajl_gen_array_close(g);
            yajl_gen_map_close(g);
        }
    }
    yajl_gen_array_close(g);
    if (rt->params[0].name) {
        json_key(g, "parameters");
        yajl_gen_array_open(g);
        for (const route_param *p = rt->params; p->name; p++) {
            yajl_gen_map_open(g);
            json_str(g, "name", p->name);
            json_str(g, "in", p->in);
            json_bool(g, "required", p->required);
            json_str(g, "description", p->desc);
            json_key(g, "schema");
            yajl_gen_map_open(g);
            json_str(g, "type", p->type);
            if (strcmp(p->type, "integer") == 0)
                json_int(g, "minimum", 1);
            yajl_gen_map_close(g);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
    if (rt->request_schema) {
        json_key(g, "requestBody");
        yajl_gen_map_open(g);
        json_bool(g, "required",
                  rt->body == BODY_EVENTS || rt->handler == h_session_open ||
                      rt->handler == h_warning_silence);
        json_key(g, "content");
        yajl_gen_map_open(g);
        const char *types[] = {"application/x-ndjson", "text/csv"};
        if (rt->body == BODY_EVENTS) {
            for (int i = 0; i < 2; i++) {
                json_key(g, types[i]);
                yajl_gen_map_open(g);
                json_key(g, "schema");
                ref(g, rt->request_schema);
                yajl_gen_map_close(g);
            }
        } else {
            json_key(g, "application/json");
            yajl_gen_map_open(g);
            json_key(g, "schema");
            ref(g, rt->request_schema);
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
    }
    json_key(g, "responses");
    yajl_gen_map_open(g);
    char st[8];
    snprintf(st, sizeof st, "%d", rt->ok_status);
    json_key(g, st);
    yajl_gen_map_open(g);
    json_str(g, "description", rt->ok_status == 204 ? "done, no content" : "success");
    if (rt->ok_status != 204) {
        json_key(g, "content");
        yajl_gen_map_open(g);
        json_key(g, rt->response_type ? rt->response_type : "application/json");
        yajl_gen_map_open(g);
        json_key(g, "schema");
        if (rt->response_schema) {
            ref(g, rt->response_schema);
        } else {
            yajl_gen_map_open(g);
            json_str(g, "type", rt->response_type ? "string" : "object");
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    srv_err errs[24];
    size_t ne = route_errors(rt, errs);
    for (size_t i = 0; i < ne; i++) {
        int status = srv_err_status(errs[i]);
        if (i && srv_err_status(errs[i - 1]) == status)
            continue; /* one entry per status, listing its codes */
        snprintf(st, sizeof st, "%d", status);
        char codes[512] = "";
        for (size_t k = i; k < ne && srv_err_status(errs[k]) == status; k++) {
            size_t l = strlen(codes);
            snprintf(codes + l, sizeof codes - l, "%s%s", l ? ", " : "", srv_err_code(errs[k]));
        }
        json_key(g, st);
        yajl_gen_map_open(g);
        json_str(g, "description", codes);
        json_key(g, "content");
        yajl_gen_map_open(g);
        json_key(g, "application/json");
        yajl_gen_map_open(g);
        json_key(g, "schema");
        ref(g, status == 400 && rt->body == BODY_EVENTS ? "IngestReport" : "Error");
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g); /* responses */
    yajl_gen_map_close(g); /* operation */
}

ty_err ty_server_openapi(ty_buf *out, int pretty)
{
    yajl_gen g = json_new();
    if (!g)
        return TY_ENOMEM;
    if (pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    yajl_gen_map_open(g);
    json_str(g, "openapi", "3.0.3");
    json_key(g, "info");
    yajl_gen_map_open(g);
    json_str(g, "title", "Tianyan API");
    json_str(g, "version", TY_VERSION);
    json_str(g, "description",
             "Cross-border e-commerce cosmetics quality-safety monitoring: platforms send their "
             "feeds, analysts work the early warnings. Every error answer is "
             "{\"error\": {\"code\", \"message\", \"request_id\"}}; times are RFC 3339 in UTC. "
             "Generated from the server's route table.");
    yajl_gen_map_close(g);
    json_key(g, "paths");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < srv_nroutes; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(srv_routes[k].path, srv_routes[i].path) == 0;
        if (seen)
            continue;
        json_key(g, srv_routes[i].path);
        yajl_gen_map_open(g);
        for (size_t k = i; k < srv_nroutes; k++)
            if (strcmp(srv_routes[k].path, srv_routes[i].path) == 0)
                operation(g, &srv_routes[k]);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    json_key(g, "components");
    yajl_gen_map_open(g);
    json_key(g, "securitySchemes");
    yajl_gen_map_open(g);
    json_key(g, "sessionCookie");
    yajl_gen_map_open(g);
    json_str(g, "type", "apiKey");
    json_str(g, "in", "cookie");
    json_str(g, "name", "ty_session");
    json_str(g, "description",
             "set by POST /api/v1/session; unsafe methods also need the "
             "X-CSRF-Token header");
    yajl_gen_map_close(g);
    json_key(g, "bearer");
    yajl_gen_map_open(g);
    json_str(g, "type", "http");
    json_str(g, "scheme", "bearer");
    json_str(g, "description",
             "a session token (POST /api/v1/session with \"token\": true) or "
             "a platform API key (tyk_…)");
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    json_key(g, "schemas");
    yajl_gen_map_open(g);
    ty_err e = error_schema(g);
    for (size_t i = 0; i < NSCHEMAS && e == TY_OK; i++) {
        json_key(g, schemas[i].name);
        if (!json_embed(g, schemas[i].json, strlen(schemas[i].json)))
            e = TY_EINVAL; /* a schema above is not JSON: caught by every test */
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    if (e != TY_OK) {
        yajl_gen_free(g);
        return e;
    }
    return json_finish(g, out);
}

ty_err ty_server_api_markdown(ty_buf *b)
{
    TY_TRY(ty_buf_puts(
        b, "# Tianyan HTTP API v1\n\n"
           "<!-- GENERATED by `tianyan serve --api-md` from the route table "
           "(src/server/routes.c); do not edit: tests/cli/t1030-serve-doc.sh fails when it is "
           "stale. -->\n\n"
           "How to run the server, its configuration and its security model: "
           "[server.md](server.md). The same description as an OpenAPI 3 document: `GET "
           "/api/v1/openapi.json` or `tianyan serve --openapi`.\n\n"
           "Every error answer is JSON: `{\"error\": {\"code\": …, \"message\": …, "
           "\"request_id\": …}}`, with `parameter` naming the offending parameter where there "
           "is one. Times are RFC 3339 in UTC. Every answer carries `X-Request-Id`.\n\n"
           "## Routes\n\n| method | path | roles | summary |\n| --- | --- | --- | --- |\n"));
    for (size_t i = 0; i < srv_nroutes; i++) {
        char roles[160];
        roles_text(srv_routes[i].roles, roles, sizeof roles);
        TY_TRY(ty_buf_printf(b, "| %s | `%s` | %s | %s |\n", srv_routes[i].method,
                             srv_routes[i].path, roles, srv_routes[i].summary));
    }
    for (size_t i = 0; i < srv_nroutes; i++) {
        const route *rt = &srv_routes[i];
        char roles[160];
        roles_text(rt->roles, roles, sizeof roles);
        TY_TRY(ty_buf_printf(b, "\n### %s %s\n\n%s\n\n- **Roles:** %s%s\n", rt->method, rt->path,
                             rt->description, roles,
                             rt->flags & RF_KEY_ONLY       ? " (with an API key)"
                             : rt->flags & RF_SESSION_ONLY ? " (with a session)"
                                                           : ""));
        if (rt->request_schema)
            TY_TRY(ty_buf_printf(b, "- **Request body:** `%s` (%s)\n", rt->request_schema,
                                 rt->body == BODY_EVENTS ? "application/x-ndjson or text/csv"
                                                         : "application/json"));
        TY_TRY(ty_buf_printf(
            b, "- **Success:** %d%s%s%s\n", rt->ok_status, rt->response_schema ? " `" : "",
            rt->response_schema ? rt->response_schema : "", rt->response_schema ? "`" : ""));
        srv_err errs[24];
        size_t ne = route_errors(rt, errs);
        TY_TRY(ty_buf_puts(b, "- **Errors:**"));
        for (size_t k = 0; k < ne; k++)
            TY_TRY(ty_buf_printf(b, "%s %d `%s`", k ? "," : "", srv_err_status(errs[k]),
                                 srv_err_code(errs[k])));
        TY_TRY(ty_buf_puts(b, "\n"));
        if (rt->params[0].name) {
            TY_TRY(ty_buf_puts(b, "\n| parameter | in | type | meaning |\n"
                                  "| --- | --- | --- | --- |\n"));
            for (const route_param *p = rt->params; p->name; p++)
                TY_TRY(ty_buf_printf(b, "| `%s`%s | %s | %s | %s |\n", p->name,
                                     p->required ? " (required)" : "", p->in, p->type, p->desc));
        }
    }
    TY_TRY(ty_buf_puts(b, "\n## Error codes\n\n| status | code | meaning |\n| --- | --- | --- "
                          "|\n"));
    for (int e = 0; e < SE__COUNT; e++)
        TY_TRY(ty_buf_printf(b, "| %d | `%s` | %s |\n", srv_err_status((srv_err)e),
                             srv_err_code((srv_err)e), srv_err_message((srv_err)e)));
    TY_TRY(ty_buf_puts(b, "\n## Schemas\n"));
    for (size_t i = 0; i < NSCHEMAS; i++)
        TY_TRY(
            ty_buf_printf(b, "\n### %s\n\n```json\n%s\n```\n", schemas[i].name, schemas[i].json));
    return TY_OK;
}
