/*
 * h_session.c - signing in and out. A password check (argon2id, 64 MiB) is
 * the most expensive thing a client can make the server do without an
 * account, so at most login_concurrency run at once; more answer 429.
 *
 * The cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other sites
 * cannot make the browser send it), Secure over HTTPS, Path=/ and Max-Age of
 * the session. The CSRF token goes in the answer's body, for the page to send
 * back in X-CSRF-Token.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server_impl.h"
#include "tianyan/timeutil.h"

#define COOKIE_NAME "ty_session"

static void set_cookie(srv *s, req *r, const char *token, int64_t max_age)
{
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", COOKIE_NAME,
             token, (long long)max_age, s->tls ? "; Secure" : "");
    srv_add_header(r, "Set-Cookie", c);
}

typedef struct open_ctx {
    const ty_principal *p;
    int64_t ttl_ms;
    char *token, *csrf;
} open_ctx;

static ty_err open_body(ty_store *st, void *ctx)
{
    open_ctx *c = ctx;
    return ty_session_open(st, c->p, c->ttl_ms, c->token, c->csrf);
}

static ty_err end_body(ty_store *st, void *ctx)
{
    return ty_session_end(st, ctx);
}

void h_session_open(srv *s, req *r)
{
    static const char *const fields[] = {"name", "password", "token", NULL};
    yajl_val body = srv_body_object(r, fields);
    if (!body)
        return;
    const char *pn[] = {"name", NULL}, *pp[] = {"password", NULL}, *pt[] = {"token", NULL};
    yajl_val vn = yajl_tree_get(body, pn, yajl_t_string);
    yajl_val vp = yajl_tree_get(body, pp, yajl_t_string);
    yajl_val vt = yajl_tree_get(body, pt, yajl_t_any);
    if (!vn || !vp || (vt && !YAJL_IS_TRUE(vt) && !YAJL_IS_FALSE(vt))) {
        srv_error(r, SE_INVALID_PARAMETER,
                  !vn   ? "field \"name\": required, a string"
                  : !vp ? "field \"password\": required, a string"
                        : "field \"token\": must be true or false");
        yajl_tree_free(body);
        return;
    }
    int want_token = vt && YAJL_IS_TRUE(vt);
    if (atomic_fetch_add(&s->logins, 1) >= srv_conf(s)->login_concurrency) {
        atomic_fetch_sub(&s->logins, 1);
        yajl_tree_free(body);
        char ra[16];
        snprintf(ra, sizeof ra, "%lld", (long long)srv_conf(s)->retry_after);
        srv_error(r, SE_TOO_MANY, "too many sign-ins at once; retry in %s s", ra);
        srv_add_header(r, "Retry-After", ra);
        return;
    }
    ty_principal p;
    ty_store *st = srv_reader_get(s);
    ty_err e = ty_user_login(st, YAJL_GET_STRING(vn), YAJL_GET_STRING(vp), &p);
    srv_reader_put(s, st);
    atomic_fetch_sub(&s->logins, 1);
    yajl_tree_free(body);
    srv_metrics_login(e == TY_OK);
    if (e == TY_EINVAL) {
        srv_error(r, SE_INVALID_CREDENTIALS, NULL);
        return;
    }
    if (e != TY_OK) {
        srv_error_ty(r, e, "checking a password");
        return;
    }
    char token[TY_TOKEN_LEN + 1], csrf[TY_TOKEN_LEN + 1];
    int64_t ttl = srv_conf(s)->session_ttl;
    open_ctx oc = {&p, ttl * 1000, token, csrf};
    e = srv_write(s, open_body, &oc);
    if (e != TY_OK) {
        srv_error_ty(r, e, "opening a session");
        return;
    }
    yajl_gen g = json_new();
    if (!g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    yajl_gen_map_open(g);
    json_key(g, "principal");
    json_principal(g, &p);
    json_time(g, "expires", ty_now_ms() + ttl * 1000);
    json_str(g, "csrf_token", want_token ? NULL : csrf);
    json_str(g, "token", want_token ? token : NULL);
    yajl_gen_map_close(g);
    ty_buf b = {0};
    if (json_finish(g, &b) == TY_OK) {
        srv_respond_json(r, 200, &b);
        if (!want_token)
            set_cookie(s, r, token, ttl);
    } else {
        srv_error(r, SE_INTERNAL, "out of memory");
    }
    ty_buf_free(&b);
    sodium_memzero(token, sizeof token);
    sodium_memzero(csrf, sizeof csrf);
}

void h_session_get(srv *s, req *r)
{
    (void)s;
    yajl_gen g = json_new();
    if (!g) {
        srv_error(r, SE_INTERNAL, "out of memory");
        return;
    }
    yajl_gen_map_open(g);
    json_str(g, "role", ty_role_name(r->who.role));
    json_str(g, "name", r->who.name);
    json_str(g, "actor", r->who.actor);
    json_str(g, "platform", r->who.role == TY_ROLE_PLATFORM ? r->who.platform_code : NULL);
    json_str(g, "via",
             r->via == AUTH_COOKIE ? "cookie"
             : r->via == AUTH_KEY  ? "api_key"
                                   : "bearer");
    yajl_gen_map_close(g);
    ty_buf b = {0};
    if (json_finish(g, &b) == TY_OK)
        srv_respond_json(r, 200, &b);
    else
        srv_error(r, SE_INTERNAL, "out of memory");
    ty_buf_free(&b);
}

void h_session_end(srv *s, req *r)
{
    ty_err e = srv_write(s, end_body, r->token);
    if (e != TY_OK && e != TY_EINVAL && e != TY_ENOENT) {
        srv_error_ty(r, e, "ending a session");
        return;
    }
    srv_respond_empty(r, 204);
    if (r->via == AUTH_COOKIE)
        set_cookie(s, r, "", 0);
}
