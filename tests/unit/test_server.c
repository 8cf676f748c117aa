/*
 * test_server.c - the server's tables without a network: the configuration
 * keys (defaults parse, bounds on both sides, every source named in errors,
 * the INI reader's lines, sections, quotes and comments, the environment) and
 * the route table (matching with {params}, 405 with Allow, 404, odd paths),
 * and the generated OpenAPI document (valid JSON naming every route).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "check.h"
#include "server/server_impl.h"

static void test_defaults(void)
{
    ty_server_conf c;
    ty_server_conf_defaults(&c);
    CHECK_STR(c.listen, "127.0.0.1");
    CHECK_INT(c.port, 8080);
    CHECK_INT(c.threads, 4);
    CHECK_INT(c.access_log, 1);
    CHECK_INT(c.max_body_bytes, 65536);
    CHECK_STR(c.db, "");
    size_t n;
    const ty_conf_key *k = ty_server_conf_keys(&n);
    CHECK(n >= 20);
    for (size_t i = 0; i < n; i++) {
        char err[512] = "";
        /* every default is accepted by its own key, and an integer key's bounds hold */
        CHECK_INT(ty_server_conf_set(&c, k[i].key, k[i].def, "default", err, sizeof err), TY_OK);
        if (k[i].type == TY_CONF_INT) {
            char v[32];
            snprintf(v, sizeof v, "%lld", (long long)k[i].min);
            CHECK_INT(ty_server_conf_set(&c, k[i].key, v, "t", err, sizeof err), TY_OK);
            snprintf(v, sizeof v, "%lld", (long long)k[i].max);
            CHECK_INT(ty_server_conf_set(&c, k[i].key, v, "t", err, sizeof err), TY_OK);
            snprintf(v, sizeof v, "%lld", (long long)k[i].max + 1);
            CHECK_INT(ty_server_conf_set(&c, k[i].key, v, "t", err, sizeof err), TY_EINVAL);
            if (k[i].min > 0) {
                snprintf(v, sizeof v, "%lld", (long long)k[i].min - 1);
                CHECK_INT(ty_server_conf_set(&c, k[i].key, v, "t", err, sizeof err), TY_EINVAL);
            }
        }
        CHECK(strlen(k[i].help) > 10);
    }
}

static void test_set_errors(void)
{
    ty_server_conf c;
    ty_server_conf_defaults(&c);
    char err[512];
    CHECK_INT(ty_server_conf_set(&c, "port", "80x", "--port", err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "--port: port: must be an integer from 0 to 65535, got \"80x\"");
    CHECK_INT(ty_server_conf_set(&c, "port", " 80", "--port", err, sizeof err), TY_EINVAL);
    CHECK_INT(ty_server_conf_set(&c, "port", "", "--port", err, sizeof err), TY_EINVAL);
    CHECK_INT(ty_server_conf_set(&c, "max-body-bytes", "4096", "--max-body-bytes", err, sizeof err),
              TY_OK);
    CHECK_INT(c.max_body_bytes, 4096);
    CHECK_INT(ty_server_conf_set(&c, "access_log", "off", "f:1", err, sizeof err), TY_OK);
    CHECK_INT(c.access_log, 0);
    CHECK_INT(ty_server_conf_set(&c, "access_log", "2", "f:1", err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "f:1: access_log: must be true or false");
    CHECK_INT(ty_server_conf_set(&c, "nope", "1", "X", err, sizeof err), TY_ENOENT);
    CHECK_CONTAINS(err, "X: unknown key \"nope\"");
    CHECK_INT(ty_server_conf_set(&c, "listen", "a\tb", "X", err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "control characters");
    char longv[100];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    CHECK_INT(ty_server_conf_set(&c, "listen", longv, "X", err, sizeof err), TY_EINVAL);
    CHECK_INT(ty_server_conf_check(&c, err, sizeof err), TY_EINVAL); /* no db */
    CHECK_CONTAINS(err, "db: the store file is required");
    CHECK_INT(ty_server_conf_set(&c, "db", "x.db", "X", err, sizeof err), TY_OK);
    CHECK_INT(ty_server_conf_check(&c, err, sizeof err), TY_OK);
    CHECK_INT(ty_server_conf_set(&c, "tls_key", "k.pem", "X", err, sizeof err), TY_OK);
    CHECK_INT(ty_server_conf_check(&c, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "tls_cert: HTTPS needs both");
}

static const char *write_file(const char *text)
{
    static char path[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/test_server.%d.ini", tmp ? tmp : "/tmp", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_file(void)
{
    ty_server_conf c;
    ty_server_conf_defaults(&c);
    char err[1024];
    const char *p = write_file("# comment\n; another\n\n[server]\n  port = 9090  \n"
                               "listen=::1\ndb = \"a # b.db\"\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_OK);
    CHECK_INT(c.port, 9090);
    CHECK_STR(c.listen, "::1");
    CHECK_STR(c.db, "a # b.db");
    p = write_file("port = 1\n\nthreads = many\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, ".ini:3: threads: must be an integer from 1 to 256, got \"many\"");
    p = write_file("[client]\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, ".ini:1: unknown section [client]");
    p = write_file("port\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, ".ini:1: expected \"key = value\"");
    p = write_file("max-body-bytes = 2048\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "write the key with underscores (max_body_bytes)");
    p = write_file("porte = 1\n");
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, ".ini:1: unknown key \"porte\"");
    unlink(p);
    CHECK_INT(ty_server_conf_load_file(&c, p, err, sizeof err), TY_EIO);
    CHECK_CONTAINS(err, "cannot read the configuration file");

    setenv("TIANYAN_RETRY_AFTER", "9", 1);
    CHECK_INT(ty_server_conf_load_env(&c, err, sizeof err), TY_OK);
    CHECK_INT(c.retry_after, 9);
    setenv("TIANYAN_RETRY_AFTER", "0", 1);
    CHECK_INT(ty_server_conf_load_env(&c, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "TIANYAN_RETRY_AFTER: retry_after:");
    unsetenv("TIANYAN_RETRY_AFTER");
}

static void test_routes(void)
{
    char scratch[1024], allow[64];
    const char *params[SRV_PARAMS_MAX] = {NULL};
    int known;
    const route *rt = srv_route_match("GET", "/api/v1/warnings/42", scratch, sizeof scratch, params,
                                      &known, allow, sizeof allow);
    CHECK(rt != NULL && rt->handler == h_warning_get);
    CHECK_STR(params[0], "42");
    rt = srv_route_match("POST", "/api/v1/warnings/7/ack", scratch, sizeof scratch, params, &known,
                         allow, sizeof allow);
    CHECK(rt != NULL && rt->handler == h_warning_ack);
    CHECK_STR(params[0], "7");
    rt = srv_route_match("PUT", "/api/v1/session", scratch, sizeof scratch, params, &known, allow,
                         sizeof allow);
    CHECK(rt == NULL);
    CHECK_INT(known, 1);
    CHECK_STR(allow, "POST, GET, DELETE");
    const char *none[] = {
        "/api/v1/warnings/", "/api/v1/warnings//ack",    "/api/v1",   "",
        "api/v1/warnings",   "/api/v1/warnings/1/ack/x", "/healthz/", "/../healthz"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        rt = srv_route_match("GET", none[i], scratch, sizeof scratch, params, &known, allow,
                             sizeof allow);
        if (rt || known)
            fprintf(stderr, "matched: \"%s\"\n", none[i]);
        CHECK(rt == NULL && !known);
    }
    char longp[2048];
    memset(longp, '/', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    CHECK(srv_route_match("GET", longp, scratch, sizeof scratch, params, &known, allow,
                          sizeof allow) == NULL);
    /* every route answers to its own pattern */
    for (size_t i = 0; i < srv_nroutes; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s", srv_routes[i].path);
        char *b = strchr(path, '{');
        if (b) {
            char *e = strchr(b, '}');
            memmove(b + 1, e + 1, strlen(e + 1) + 1);
            *b = '9';
        }
        rt = srv_route_match(srv_routes[i].method, path, scratch, sizeof scratch, params, &known,
                             allow, sizeof allow);
        CHECK(rt == &srv_routes[i]);
    }
}

static void test_openapi(void)
{
    ty_buf b = {0};
    CHECK_INT(ty_server_openapi(&b, 0), TY_OK);
    char perr[256];
    yajl_val v = yajl_tree_parse(ty_buf_cstr(&b), perr, sizeof perr);
    CHECK(v != NULL);
    const char *paths[] = {"paths", NULL};
    yajl_val p = yajl_tree_get(v, paths, yajl_t_object);
    CHECK(p != NULL);
    for (size_t i = 0; p && i < srv_nroutes; i++) {
        const char *one[] = {srv_routes[i].path, NULL};
        CHECK(yajl_tree_get(p, one, yajl_t_object) != NULL);
    }
    yajl_tree_free(v);
    ty_buf_free(&b);
    ty_buf_init(&b, 1 << 20);
    CHECK_INT(ty_server_api_markdown(&b), TY_OK);
    CHECK_CONTAINS(ty_buf_cstr(&b), "| POST | `/api/v1/events` | platform |");
    ty_buf_free(&b);
}

int main(void)
{
    test_defaults();
    test_set_errors();
    test_file();
    test_routes();
    test_openapi();
    return check_done("test_server");
}
