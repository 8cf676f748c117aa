/*
 * cmd_user.c - `tianyan user add|disable|list`: the accounts of the centre's
 * people and of platforms' engineers. Passwords are read from standard input
 * (one line), never from the command line, and stored as argon2id hashes.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tianyan/auth.h"
#include "tianyan/store.h"

const cli_opt user_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "key file (default: PATH.key)"},
    {"role", "ROLE", "add: admin, analyst, expert, inspector or platform"},
    {"platform", "CODE", "add: the platform of a platform user"},
    {NULL, NULL, NULL},
};

static void local_actor(char *out, size_t n)
{
    const struct passwd *pw = getpwuid(getuid());
    snprintf(out, n, "cli:%.59s", pw && pw->pw_name ? pw->pw_name : "?");
}

/* One line from standard input, without its newline; 0 when there is none. */
static int read_password(char *out, size_t n)
{
    if (isatty(0))
        fprintf(stderr, "password (12 or more characters): ");
    if (!fgets(out, (int)n, stdin))
        return 0;
    size_t k = strcspn(out, "\r\n");
    if (out[k] == '\0' && k == n - 1)
        return 0; /* longer than the buffer */
    out[k] = '\0';
    return 1;
}

int cmd_user(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    int add = a.npos == 2 && strcmp(a.pos[0], "add") == 0;
    int disable = a.npos == 2 && strcmp(a.pos[0], "disable") == 0;
    if (!db || (!add && !disable)) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    ty_role role = TY_ROLE_PUBLIC;
    if (add && ty_role_parse(cli_get(c, &a, "role"), &role) != TY_OK) {
        fprintf(stderr, "tianyan user: --role must be admin, analyst, expert, inspector or "
                        "platform\n");
        return CLI_USAGE;
    }
    char password[TY_PASSWORD_MAX + 2];
    if (add && !read_password(password, sizeof password)) {
        fprintf(stderr, "tianyan user: give the password on standard input (one line of 12 to "
                        "1024 bytes)\n");
        return CLI_USAGE;
    }
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 1};
    char err[512] = "", actor[72];
    local_actor(actor, sizeof actor);
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e == TY_OK) {
        if (add) {
            int64_t id;
            e = ty_user_add(st, a.pos[1], role, cli_get(c, &a, "platform"), password, actor, &id,
                            err, sizeof err);
            if (e == TY_OK)
                printf("added %s user %s (id %lld)\n", ty_role_name(role), a.pos[1], (long long)id);
        } else {
            e = ty_user_disable(st, a.pos[1], actor, err, sizeof err);
            if (e == TY_OK)
                printf("disabled user %s; its sessions are ended\n", a.pos[1]);
        }
        ty_store_close(&st);
    }
    explicit_bzero(password, sizeof password);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan user: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}
