/*
 * config.c - the server's configuration keys, described once: the table below
 * drives parsing from the INI file, the environment and the flags, the checks
 * (bounds, naming the key and where the value came from), `tianyan serve
 * --help` and the table in docs/server.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tianyan/server.h"

#define F(field) offsetof(ty_server_conf, field)
#define KIB      1024LL
#define MIB      (1024LL * 1024)
#define GIB      (1024LL * 1024 * 1024)

/* Alphabetical within groups: store, network, limits, ingest, sessions, TLS, logs. */
static const ty_conf_key keys[] = {
    {"db", TY_CONF_STRING, 0, TY_CONF_STR_MAX - 1, "", 0, "path",
     "store file (required; created when missing)", F(db)},
    {"key_file", TY_CONF_STRING, 0, TY_CONF_STR_MAX - 1, "", 0, "path",
     "store key file (pseudonyms, audit MACs, API key hashes); empty: DB.key", F(key_file)},
    {"listen", TY_CONF_STRING, 1, 63, "127.0.0.1", 0, "address",
     "address to bind: an IPv4 or IPv6 literal (0.0.0.0 or :: for every interface)", F(listen)},
    {"port", TY_CONF_INT, 0, 65535, "8080", 0, NULL,
     "TCP port; 0 lets the system pick a free one (written to port_file)", F(port)},
    {"port_file", TY_CONF_STRING, 0, TY_CONF_STR_MAX - 1, "", 0, "path",
     "file that gets the bound port once the server listens (for scripts and tests)", F(port_file)},
    {"threads", TY_CONF_INT, 1, 256, "4", 0, NULL,
     "HTTP event-loop threads (epoll), each serving many connections", F(threads)},
    {"workers", TY_CONF_INT, 1, 256, "4", 0, NULL,
     "threads for the handlers that wait for a commit or a password check, so that the "
     "event loops never do",
     F(workers)},
    {"max_connections", TY_CONF_INT, 1, 100000, "1024", 0, NULL,
     "open connections at once; more are refused at accept", F(max_connections)},
    {"max_connections_per_ip", TY_CONF_INT, 1, 100000, "64", 0, NULL,
     "open connections per client address", F(max_connections_per_ip)},
    {"connection_timeout", TY_CONF_INT, 1, 3600, "30", 0, "seconds",
     "an idle or stalled connection (slow client) is closed after this long",
     F(connection_timeout)},
    {"max_header_bytes", TY_CONF_INT, 4 * KIB, 1 * MIB, "32768", 0, "bytes",
     "request line and headers together; larger requests are refused", F(max_header_bytes)},
    {"connection_memory", TY_CONF_INT, 16 * KIB, 16 * MIB, "262144", 0, "bytes",
     "buffer of each connection, for its request head and body reads (a larger one reads "
     "ingest bodies in fewer, larger pieces); must exceed max_header_bytes",
     F(connection_memory)},
    {"max_headers", TY_CONF_INT, 4, 1000, "64", 0, NULL,
     "header fields per request; more answer 431 too_many_headers", F(max_headers)},
    {"max_body_bytes", TY_CONF_INT, 1 * KIB, 16 * MIB, "65536", 1, "bytes",
     "JSON request bodies (login, acknowledge, silence); larger answer 413", F(max_body_bytes)},
    {"max_ingest_bytes", TY_CONF_INT, 1 * KIB, 16 * GIB, "268435456", 1, "bytes",
     "POST /api/v1/events bodies; larger answer 413", F(max_ingest_bytes)},
    {"ingest_max_errors", TY_CONF_INT, 1, 10000, "100", 1, NULL,
     "rejected lines listed in an ingest answer (all are counted)", F(ingest_max_errors)},
    {"ingest_concurrency", TY_CONF_INT, 1, 1024, "8", 1, NULL,
     "ingest requests in progress at once; more answer 429 with Retry-After",
     F(ingest_concurrency)},
    {"ingest_queue_percent", TY_CONF_INT, 1, 100, "75", 1, "percent",
     "writer backlog, in percent of its queue, from which new ingest requests answer 429",
     F(ingest_queue_percent)},
    {"retry_after", TY_CONF_INT, 1, 3600, "2", 1, "seconds",
     "Retry-After suggested with 429 and 503 answers", F(retry_after)},
    {"commit_ms", TY_CONF_INT, 1, 10000, "20", 0, "milliseconds",
     "ingest group commit: the writer commits after its queue was idle this long", F(commit_ms)},
    {"ingest_queue_chunks", TY_CONF_INT, 1, 4096, "256", 0, "chunks",
     "bound of the writer's queue (chunks of up to 512 events); when it is nearly full, ingest "
     "bodies are decoded on a worker thread so that the event loops do not wait",
     F(ingest_queue_chunks)},
    {"login_concurrency", TY_CONF_INT, 1, 64, "2", 1, NULL,
     "password checks at once (argon2id takes 64 MiB each); more answer 429", F(login_concurrency)},
    {"rate_limit_address", TY_CONF_INT, 0, 100000, "100", 1, "per second",
     "requests per second from one client address (token bucket); 0: no limit; over it: 429",
     F(rate_limit_address)},
    {"rate_burst_address", TY_CONF_INT, 1, 100000, "500", 1, NULL,
     "requests one client address may send at once before rate_limit_address applies",
     F(rate_burst_address)},
    {"rate_limit_principal", TY_CONF_INT, 0, 100000, "50", 1, "per second",
     "requests per second from one user or API key; 0: no limit; over it: 429",
     F(rate_limit_principal)},
    {"rate_burst_principal", TY_CONF_INT, 1, 100000, "200", 1, NULL,
     "requests one user or API key may send at once before rate_limit_principal applies",
     F(rate_burst_principal)},
    {"session_ttl", TY_CONF_INT, 60, 30LL * 24 * 3600, "28800", 1, "seconds",
     "lifetime of a session opened by POST /api/v1/session", F(session_ttl)},
    {"shutdown_timeout", TY_CONF_INT, 0, 3600, "30", 1, "seconds",
     "on SIGTERM or SIGINT, how long requests in progress may take to finish", F(shutdown_timeout)},
    {"tls_cert", TY_CONF_STRING, 0, TY_CONF_STR_MAX - 1, "", 0, "path",
     "PEM certificate chain; with tls_key the server speaks HTTPS only", F(tls_cert)},
    {"tls_key", TY_CONF_STRING, 0, TY_CONF_STR_MAX - 1, "", 0, "path",
     "PEM private key of tls_cert (keep it readable by the server's user only)", F(tls_key)},
    {"access_log", TY_CONF_BOOL, 0, 1, "true", 1, NULL,
     "one JSON line per request on standard error", F(access_log)},
};

#define NKEYS (sizeof keys / sizeof keys[0])

const ty_conf_key *ty_server_conf_keys(size_t *n)
{
    *n = NKEYS;
    return keys;
}

static const ty_conf_key *find_key(const char *name)
{
    char norm[64];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof norm; i++)
        norm[i] = name[i] == '-' ? '_' : name[i];
    if (name[i])
        return NULL;
    norm[i] = '\0';
    for (size_t k = 0; k < NKEYS; k++)
        if (strcmp(keys[k].key, norm) == 0)
            return &keys[k];
    return NULL;
}

/* Sets one key; err gets "KEY: what is wrong" (the caller prefixes the source). */
static ty_err set_value(ty_server_conf *c, const ty_conf_key *k, const char *v, char *err,
                        size_t errn)
{
    char *field = (char *)c + k->off;
    if (k->type == TY_CONF_STRING) {
        size_t n = strlen(v);
        if ((int64_t)n < k->min || (int64_t)n > k->max) {
            snprintf(err, errn, "%s: must be %lld to %lld bytes long, got %zu", k->key,
                     (long long)k->min, (long long)k->max, n);
            return TY_EINVAL;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
                snprintf(err, errn, "%s: control characters are not allowed", k->key);
                return TY_EINVAL;
            }
        memcpy(field, v, n + 1);
        return TY_OK;
    }
    int64_t x;
    if (k->type == TY_CONF_BOOL) {
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
            x = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
            x = 0;
        else {
            snprintf(err, errn, "%s: must be true or false (yes/no, on/off, 1/0), got \"%.64s\"",
                     k->key, v);
            return TY_EINVAL;
        }
    } else {
        char *end;
        errno = 0;
        long long ll = strtoll(v, &end, 10);
        if (errno || end == v || *end || isspace((unsigned char)v[0]) || ll < k->min ||
            ll > k->max) {
            snprintf(err, errn, "%s: must be an integer from %lld to %lld%s%s, got \"%.64s\"",
                     k->key, (long long)k->min, (long long)k->max, k->unit ? " " : "",
                     k->unit ? k->unit : "", v);
            return TY_EINVAL;
        }
        x = ll;
    }
    memcpy(field, &x, sizeof x);
    return TY_OK;
}

void ty_server_conf_defaults(ty_server_conf *c)
{
    memset(c, 0, sizeof *c);
    char err[256];
    for (size_t k = 0; k < NKEYS; k++)
        (void)set_value(c, &keys[k], keys[k].def, err, sizeof err); /* the table's own defaults */
}

ty_err ty_server_conf_set(ty_server_conf *c, const char *key, const char *value, const char *source,
                          char *err, size_t errn)
{
    const ty_conf_key *k = find_key(key);
    if (!k) {
        snprintf(err, errn, "%s: unknown key \"%.64s\" (`tianyan serve --help` lists them)", source,
                 key);
        return TY_ENOENT;
    }
    char why[512];
    ty_err e = set_value(c, k, value, why, sizeof why);
    if (e != TY_OK)
        snprintf(err, errn, "%s: %s", source, why);
    return e;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

ty_err ty_server_conf_load_file(ty_server_conf *c, const char *path, char *err, size_t errn)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errn, "%s: cannot read the configuration file: %s", path, strerror(errno));
        return TY_EIO;
    }
    char line[TY_CONF_STR_MAX + 128], src[TY_CONF_STR_MAX + 32];
    long no = 0;
    ty_err e = TY_OK;
    while (e == TY_OK && fgets(line, sizeof line, f)) {
        no++;
        snprintf(src, sizeof src, "%s:%ld", path, no);
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(err, errn, "%s: line longer than %zu bytes", src, sizeof line - 2);
            e = TY_EINVAL;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            if (strcmp(s, "[server]") != 0) {
                snprintf(err, errn, "%s: unknown section %.64s (only [server] is read)", src, s);
                e = TY_EINVAL;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errn, "%s: expected \"key = value\", got \"%.64s\"", src, s);
            e = TY_EINVAL;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        size_t vn = strlen(v);
        if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') { /* "a value with # in it" */
            v[vn - 1] = '\0';
            v++;
        }
        if (strchr(k, '-')) { /* one spelling per source: flags use '-', files '_' */
            snprintf(err, errn, "%s: write the key with underscores (%.64s)", src, k);
            for (char *p = err; *p; p++)
                if (*p == '-' && p > err + strlen(src))
                    *p = '_';
            e = TY_EINVAL;
            break;
        }
        e = ty_server_conf_set(c, k, v, src, err, errn);
        if (e == TY_ENOENT)
            e = TY_EINVAL;
    }
    if (e == TY_OK && ferror(f)) {
        snprintf(err, errn, "%s: read error", path);
        e = TY_EIO;
    }
    fclose(f);
    return e;
}

ty_err ty_server_conf_load_env(ty_server_conf *c, char *err, size_t errn)
{
    for (size_t k = 0; k < NKEYS; k++) {
        char name[80] = "TIANYAN_";
        size_t n = strlen(name);
        for (const char *p = keys[k].key; *p && n + 1 < sizeof name; p++)
            name[n++] = (char)toupper((unsigned char)*p);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v)
            TY_TRY(ty_server_conf_set(c, keys[k].key, v, name, err, errn));
    }
    return TY_OK;
}

ty_err ty_server_conf_check(const ty_server_conf *c, char *err, size_t errn)
{
    if (!c->db[0]) {
        snprintf(err, errn, "db: the store file is required (--db PATH, TIANYAN_DB or db = PATH)");
        return TY_EINVAL;
    }
    if (c->connection_memory <= c->max_header_bytes) {
        snprintf(err, errn,
                 "connection_memory: %lld bytes must exceed max_header_bytes (%lld), which it "
                 "holds",
                 (long long)c->connection_memory, (long long)c->max_header_bytes);
        return TY_EINVAL;
    }
    if (!c->tls_cert[0] != !c->tls_key[0]) {
        snprintf(err, errn, "%s: HTTPS needs both tls_cert and tls_key",
                 c->tls_cert[0] ? "tls_key" : "tls_cert");
        return TY_EINVAL;
    }
    return TY_OK;
}

ty_err ty_server_conf_markdown(ty_buf *out)
{
    TY_TRY(ty_buf_puts(out, "| key | flag / environment | type | range | default | reloadable | "
                            "meaning |\n| --- | --- | --- | --- | --- | --- | --- |\n"));
    for (size_t k = 0; k < NKEYS; k++) {
        const ty_conf_key *x = &keys[k];
        char flag[80], env[80] = "TIANYAN_", range[96];
        size_t i = 0, n = strlen(env);
        for (; x->key[i] && i + 1 < sizeof flag; i++)
            flag[i] = x->key[i] == '_' ? '-' : x->key[i];
        flag[i] = '\0';
        for (const char *p = x->key; *p && n + 1 < sizeof env; p++)
            env[n++] = (char)toupper((unsigned char)*p);
        env[n] = '\0';
        if (x->type == TY_CONF_INT)
            snprintf(range, sizeof range, "%lld-%lld%s%s", (long long)x->min, (long long)x->max,
                     x->unit ? " " : "", x->unit ? x->unit : "");
        else if (x->type == TY_CONF_BOOL)
            snprintf(range, sizeof range, "true, false");
        else
            snprintf(range, sizeof range, "%s", x->unit ? x->unit : "text");
        TY_TRY(ty_buf_printf(out, "| `%s` | `--%s`, `%s` | %s | %s | %s%s%s | %s | %s |\n", x->key,
                             flag, env,
                             x->type == TY_CONF_INT    ? "integer"
                             : x->type == TY_CONF_BOOL ? "boolean"
                                                       : "string",
                             range, x->def[0] ? "`" : "", x->def[0] ? x->def : "(empty)",
                             x->def[0] ? "`" : "", x->reloadable ? "yes" : "no", x->help));
    }
    return TY_OK;
}
