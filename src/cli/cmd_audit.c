/*
 * cmd_audit.c - `tianyan audit verify|list`: checks the hash-chained audit
 * trail of a store, or prints it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "tianyan/audit.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"

const cli_opt audit_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "key file (default: PATH.key); the chain is keyed by it"},
    {"after", "SEQ", "list: entries after this one (default 0)"},
    {"limit", "N", "list: at most N entries (default all)"},
    {"json", NULL, "print JSON"},
    {NULL, NULL, NULL},
};

typedef struct list_ctx {
    yajl_gen g;
} list_ctx;

static ty_err print_entry(void *ctx, const ty_audit_entry *e)
{
    list_ctx *c = ctx;
    char t[TY_TIME_TEXT_MAX];
    ty_time_format(e->at, 480, 1, t);
    if (c->g) {
        yajl_gen_map_open(c->g);
        cli_j_int(c->g, "seq", e->seq);
        cli_j_str(c->g, "at", t);
        cli_j_str(c->g, "actor", e->actor);
        cli_j_str(c->g, "action", e->action);
        cli_j_str(c->g, "object", e->object);
        cli_j_str(c->g, "detail", e->detail);
        cli_j_str(c->g, "mac", e->mac);
        yajl_gen_map_close(c->g);
        return TY_OK;
    }
    printf("%-6lld %s  %-24s %-20s %-24s %s\n", (long long)e->seq, t, e->actor, e->action,
           e->object, e->detail);
    return TY_OK;
}

int cmd_audit(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db || a.npos != 1 || (strcmp(a.pos[0], "verify") != 0 && strcmp(a.pos[0], "list") != 0)) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    long long after = 0, limit = 0;
    const char *v;
    if ((v = cli_get(c, &a, "after")) && !cli_int("--after", v, 0, INT64_MAX, &after))
        return CLI_USAGE;
    if ((v = cli_get(c, &a, "limit")) && !cli_int("--limit", v, 1, 1000000000, &limit))
        return CLI_USAGE;
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 1};
    char err[512];
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan audit: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    int json = cli_get(c, &a, "json") != NULL;
    if (strcmp(a.pos[0], "verify") == 0) {
        ty_audit_report rep;
        e = ty_audit_verify(st, &rep);
        ty_store_close(&st);
        if (e != TY_OK) {
            fprintf(stderr, "tianyan audit: %s\n", ty_err_message(e));
            return CLI_FAIL;
        }
        if (json) {
            yajl_gen g = cli_json_new();
            yajl_gen_map_open(g);
            cli_j_bool(g, "ok", rep.ok);
            cli_j_int(g, "entries", rep.entries);
            if (!rep.ok) {
                cli_j_int(g, "bad_seq", rep.bad_seq);
                cli_j_str(g, "reason", rep.reason);
            }
            yajl_gen_map_close(g);
            cli_json_end(g);
        } else if (rep.ok) {
            printf("audit trail intact: %lld entries, chain and head file agree\n",
                   (long long)rep.entries);
        } else {
            printf("AUDIT TRAIL BROKEN at entry %lld: %s (%lld entries read)\n",
                   (long long)rep.bad_seq, rep.reason, (long long)rep.entries);
        }
        return rep.ok ? CLI_OK : CLI_BROKEN;
    }
    list_ctx lc = {json ? cli_json_new() : NULL};
    if (lc.g) {
        yajl_gen_map_open(lc.g);
        cli_j_key(lc.g, "entries");
        yajl_gen_array_open(lc.g);
    }
    e = ty_audit_list(st, after, (size_t)limit, print_entry, &lc);
    if (lc.g) {
        yajl_gen_array_close(lc.g);
        yajl_gen_map_close(lc.g);
        cli_json_end(lc.g);
    }
    ty_store_close(&st);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan audit: %s\n", ty_err_message(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}
