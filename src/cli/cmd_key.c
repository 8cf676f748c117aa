/*
 * cmd_key.c - `tianyan key issue|revoke|list`: platform API keys. A key is
 * printed once when issued; the store keeps only its keyed hash.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tianyan/auth.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"

const cli_opt key_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "key file (default: PATH.key)"},
    {"platform", "CODE", "issue: the platform the key acts for"},
    {"label", "TEXT", "issue: a note (where the key is used)"},
    {NULL, NULL, NULL},
};

static ty_err print_key(void *ctx, const ty_key_row *k)
{
    (void)ctx;
    char t[TY_TIME_TEXT_MAX], r[TY_TIME_TEXT_MAX] = "valid";
    ty_time_format(k->created, 480, 0, t);
    if (k->revoked) {
        char rt[TY_TIME_TEXT_MAX];
        ty_time_format(k->revoked, 480, 0, rt);
        snprintf(r, sizeof r, "revoked %.40s", rt);
    }
    printf("%-4lld %-13s %-16s %-26s %-20s %s  %s\n", (long long)k->id, k->prefix, k->platform, t,
           k->created_by, r, k->label);
    return TY_OK;
}

int cmd_key(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    int issue = a.npos == 1 && strcmp(a.pos[0], "issue") == 0;
    int revoke = a.npos == 2 && strcmp(a.pos[0], "revoke") == 0;
    int list = a.npos == 1 && strcmp(a.pos[0], "list") == 0;
    if (!db || (!issue && !revoke && !list) || (issue && !cli_get(c, &a, "platform"))) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 1};
    char err[512] = "", actor[72];
    const struct passwd *pw = getpwuid(getuid());
    snprintf(actor, sizeof actor, "cli:%.59s", pw && pw->pw_name ? pw->pw_name : "?");
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e == TY_OK) {
        if (issue) {
            char key[TY_API_KEY_LEN + 1];
            int64_t id;
            e = ty_key_issue(st, cli_get(c, &a, "platform"), cli_get(c, &a, "label"), actor, key,
                             &id, err, sizeof err);
            if (e == TY_OK) {
                printf("%s\n", key);
                fprintf(stderr,
                        "issued key %lld (%.12s) for platform %s: it is shown only this once\n",
                        (long long)id, key, cli_get(c, &a, "platform"));
            }
            explicit_bzero(key, sizeof key);
        } else if (revoke) {
            e = ty_key_revoke(st, a.pos[1], actor, err, sizeof err);
            if (e == TY_OK)
                printf("revoked key %s\n", a.pos[1]);
        } else {
            e = ty_key_list(st, print_key, NULL);
        }
        ty_store_close(&st);
    }
    if (e != TY_OK) {
        fprintf(stderr, "tianyan key: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}
