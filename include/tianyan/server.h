/*
 * server.h - `tianyan serve`: the centre's HTTP API (libmicrohttpd), for
 * platforms that push their feeds and for the people who work the warnings.
 *
 * Two tables describe the server once each, and everything else is derived
 * from them:
 *  - the configuration keys (key, type, bounds, default, reloadable, help),
 *    read from an INI file, then the environment (TIANYAN_<KEY>), then
 *    command-line flags (--key-name), each overriding the one before; `tianyan
 *    serve --help` and the table of docs/server.md are generated from it;
 *  - the routes (method, path pattern, handler, roles allowed, schemas), which
 *    drive dispatch and authorization and generate the OpenAPI 3 document
 *    (GET /api/v1/openapi.json, `tianyan serve --openapi`) and docs/api.md.
 *
 * The server is a client of the same library as the CLI: ingest through the
 * store's single writer (ingest.h), warnings through warning.h, principals
 * through auth.h, and every state change through the audit trail (audit.h).
 */
#ifndef TIANYAN_SERVER_H
#define TIANYAN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/error.h"

#define TY_CONF_STR_MAX 4096 /* longest string value (paths) */

/* The server's settings. Filled from the key table (ty_server_conf_keys()). */
typedef struct ty_server_conf {
    char db[TY_CONF_STR_MAX];        /* store file (required) */
    char key_file[TY_CONF_STR_MAX];  /* store key file; "" means "<db>.key" */
    char listen[TY_CONF_STR_MAX];    /* address to bind (IPv4 or IPv6 literal) */
    int64_t port;                    /* TCP port; 0 picks a free one (see port_file) */
    char port_file[TY_CONF_STR_MAX]; /* where to write the bound port once listening */
    int64_t threads;                 /* libmicrohttpd event-loop threads */
    int64_t workers;                 /* threads for handlers that wait (commits, passwords) */
    int64_t max_connections;         /* open connections at once */
    int64_t max_connections_per_ip;  /* open connections per client address */
    int64_t connection_timeout;      /* seconds of inactivity before a connection is closed */
    int64_t max_header_bytes;        /* request line + headers, bytes */
    int64_t connection_memory;       /* per-connection buffer (head, body reads), bytes */
    int64_t max_headers;             /* header fields per request */
    int64_t max_body_bytes;          /* JSON request bodies */
    int64_t max_ingest_bytes;        /* POST /api/v1/events bodies */
    int64_t ingest_max_errors;       /* rejects listed per ingest answer */
    int64_t ingest_concurrency;      /* ingest requests in progress at once */
    int64_t ingest_queue_percent;    /* writer backlog (% of its queue) that refuses ingest */
    int64_t retry_after;             /* seconds suggested in Retry-After */
    int64_t login_concurrency;       /* password checks at once (argon2id: 64 MiB each) */
    int64_t rate_limit_address;      /* requests per second per client address; 0: none */
    int64_t rate_burst_address;      /* requests an address may send at once */
    int64_t rate_limit_principal;    /* requests per second per user or API key; 0: none */
    int64_t rate_burst_principal;    /* requests a principal may send at once */
    int64_t session_ttl;             /* seconds a session lasts */
    int64_t shutdown_timeout;        /* seconds to let requests finish on SIGTERM */
    char tls_cert[TY_CONF_STR_MAX];  /* PEM certificate chain; with tls_key: HTTPS */
    char tls_key[TY_CONF_STR_MAX];   /* PEM private key */
    int64_t access_log;              /* 1: one JSON line per request on stderr */
    int64_t commit_ms;               /* ingest group commit: idle time before commit */
    int64_t ingest_queue_chunks;     /* bound of the writer's queue, in chunks of <= 512 rows */
} ty_server_conf;

typedef enum ty_conf_type {
    TY_CONF_STRING,
    TY_CONF_INT,
    TY_CONF_BOOL,
} ty_conf_type;

/* One configuration key. */
typedef struct ty_conf_key {
    const char
        *key; /* "max_body_bytes": INI key; flag --max-body-bytes; env TIANYAN_MAX_BODY_BYTES */
    ty_conf_type type;
    int64_t min, max; /* integer bounds; strings: max length (bytes) */
    const char *def;  /* default, as text */
    int reloadable;   /* 1: may change while running (SIGHUP) */
    const char *unit; /* "bytes", "seconds", … or NULL */
    const char *help;
    size_t off; /* offset of the field in ty_server_conf */
} ty_conf_key;

/* The key table; *n gets its length. */
const ty_conf_key *ty_server_conf_keys(size_t *n);

/* Sets every key to its default. */
void ty_server_conf_defaults(ty_server_conf *c);

/*
 * Sets key (INI form "max_body_bytes" or flag form "max-body-bytes") from the
 * text value. source names where it came from, for the message ("serve.ini:7",
 * "TIANYAN_PORT", "--port"). TY_ENOENT for an unknown key, TY_EINVAL for a bad
 * value; err then reads "SOURCE: KEY: what is wrong".
 */
ty_err ty_server_conf_set(ty_server_conf *c, const char *key, const char *value, const char *source,
                          char *err, size_t errn);

/* Reads an INI file: "key = value" lines, '#' or ';' comments, an optional
 * [server] section. Errors name the file and line. */
ty_err ty_server_conf_load_file(ty_server_conf *c, const char *path, char *err, size_t errn);

/* Reads TIANYAN_<KEY> environment variables (upper case) for every key. */
ty_err ty_server_conf_load_env(ty_server_conf *c, char *err, size_t errn);

/* Checks what no single key can: db given, TLS certificate and key both or neither. */
ty_err ty_server_conf_check(const ty_server_conf *c, char *err, size_t errn);

/* The key table as a Markdown table (docs/server.md). */
ty_err ty_server_conf_markdown(ty_buf *out);

/* The OpenAPI 3 document of the route table, as JSON (pretty: indented). */
ty_err ty_server_openapi(ty_buf *out, int pretty);

/* The API reference (docs/api.md), generated from the route and error tables. */
ty_err ty_server_api_markdown(ty_buf *out);

/*
 * Runs the server until SIGINT or SIGTERM: opens the store, starts the ingest
 * writer and the HTTP daemon. On SIGHUP, reload (may be NULL) reads the
 * settings again from the same sources; the reloadable keys take effect for
 * the requests that follow, a change to any other key is logged as needing a
 * restart, and settings that do not load are logged and ignored (the server
 * keeps the ones it has). On SIGINT or SIGTERM it stops accepting connections,
 * lets requests in progress finish (up to shutdown_timeout), commits what was
 * ingested and closes the store. Logs JSON lines to stderr. TY_OK after a clean
 * shutdown; otherwise err says what failed (a port in use, an unreadable
 * certificate, a store that cannot be opened).
 */
typedef ty_err (*ty_server_reload_fn)(void *ctx, ty_server_conf *c, char *err, size_t errn);
ty_err ty_server_run(const ty_server_conf *c, ty_server_reload_fn reload, void *ctx, char *err,
                     size_t errn);

#endif
