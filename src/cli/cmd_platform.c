/*
 * cmd_platform.c - `tianyan platform`: register and list the platforms that
 * may send feeds. Ingest refuses an unknown platform code (a typo would
 * otherwise file every event again under a new platform).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tianyan/audit.h"
#include "tianyan/store.h"

const cli_opt platform_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"name", "TEXT", "display name (with add)"},
    {NULL, NULL, NULL},
};

/* Platform codes: 1-32 of [a-z0-9-], starting with a letter or digit. */
static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static ty_err print_platform(void *ctx, const ty_platform_row *p)
{
    (void)ctx;
    printf("%-6lld %-32s %s\n", (long long)p->id, p->code, p->name ? p->name : "");
    return TY_OK;
}

int cmd_platform(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db || a.npos < 1 || (strcmp(a.pos[0], "add") == 0 && a.npos != 2) ||
        (strcmp(a.pos[0], "list") == 0 && a.npos != 1) ||
        (strcmp(a.pos[0], "add") != 0 && strcmp(a.pos[0], "list") != 0)) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    if (a.npos == 2 && !code_ok(a.pos[1])) {
        fprintf(stderr, "tianyan platform: code \"%s\" must be 1-32 characters of a-z, 0-9 and -\n",
                a.pos[1]);
        return CLI_USAGE;
    }
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 0};
    char err[512];
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan platform: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    if (strcmp(a.pos[0], "add") == 0) {
        int64_t id;
        int created = 0;
        e = ty_store_platform_add(st, a.pos[1], cli_get(c, &a, "name"), &id, &created);
        if (e == TY_OK)
            printf("%s platform %s (id %lld)\n",
                   created ? "registered" : "already registered:", a.pos[1], (long long)id);
        if (e == TY_OK && created) {
            char object[64];
            snprintf(object, sizeof object, "platform:%s", a.pos[1]);
            const char *name = cli_get(c, &a, "name");
            ty_audit_field f[] = {{"name", name ? name : "", 0}, {"id", NULL, id}};
            if (cli_audit(st, "platform", "platform.add", object, f, 2) != CLI_OK) {
                ty_store_close(&st);
                return CLI_FAIL;
            }
        }
    } else {
        e = ty_store_platforms(st, print_platform, NULL);
    }
    if (e != TY_OK)
        fprintf(stderr, "tianyan platform: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
    ty_store_close(&st);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}
