/*
 * authn.c - who a request comes from: a platform API key or a session token
 * in "Authorization: Bearer", or the session cookie set at sign-in (then an
 * unsafe method must also carry the session's CSRF token in X-CSRF-Token).
 * Routes open to the public are served without looking at credentials, so a
 * stale cookie can never stop anyone from signing in again.
 *
 * Why the CSRF token only with the cookie: a browser attaches a cookie to
 * requests another site makes it send; it never attaches an Authorization
 * header by itself, so a bearer token is proof of intent already.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server_impl.h"

#define COOKIE_NAME "ty_session"

static int unsafe_method(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static void challenge(req *r)
{
    srv_add_header(r, "WWW-Authenticate", "Bearer realm=\"tianyan\"");
}

int srv_authenticate(srv *s, req *r)
{
    memset(&r->who, 0, sizeof r->who);
    r->who.role = TY_ROLE_PUBLIC;
    r->via = AUTH_NONE;
    if (r->rt->roles & ROLE(TY_ROLE_PUBLIC))
        return 1;
    const char *authz = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
    if (!authz && !cookie) {
        srv_error(r, SE_UNAUTHENTICATED, NULL);
        challenge(r);
        return 0;
    }
    ty_store *st = srv_reader_get(s);
    ty_err e;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            srv_reader_put(s, st);
            srv_error(r, SE_UNAUTHENTICATED,
                      "use Authorization: Bearer TOKEN (a session token or a platform API key)");
            challenge(r);
            return 0;
        }
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        if (strncmp(tok, "tyk_", 4) == 0) {
            e = ty_key_check(st, tok, &r->who);
            r->via = AUTH_KEY;
        } else {
            e = ty_session_check(st, tok, NULL, &r->who);
            r->via = AUTH_BEARER;
            if (strlen(tok) < sizeof r->token)
                snprintf(r->token, sizeof r->token, "%s", tok);
        }
    } else {
        e = ty_session_check(st, cookie, NULL, &r->who);
        r->via = AUTH_COOKIE;
        if (strlen(cookie) < sizeof r->token)
            snprintf(r->token, sizeof r->token, "%s", cookie);
        if (e == TY_OK && unsafe_method(r->method)) {
            const char *csrf = srv_header(r, "X-CSRF-Token");
            ty_principal again;
            if (!csrf || ty_session_check(st, cookie, csrf, &again) != TY_OK) {
                srv_reader_put(s, st);
                srv_error(r, SE_CSRF,
                          csrf ? "the X-CSRF-Token does not belong to this session" : NULL);
                return 0;
            }
        }
    }
    srv_reader_put(s, st);
    if (e != TY_OK) {
        memset(&r->who, 0, sizeof r->who);
        r->who.role = TY_ROLE_PUBLIC;
        r->via = AUTH_NONE;
        r->token[0] = '\0';
        if (e == TY_EINVAL || e == TY_ENOENT) {
            srv_error(r, SE_INVALID_TOKEN, NULL);
            challenge(r);
        } else {
            srv_error_ty(r, e, "checking credentials");
        }
        return 0;
    }
    return 1;
}
