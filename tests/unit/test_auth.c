/*
 * test_auth.c - users, sessions and platform API keys (auth.h): what is
 * accepted and refused, what a principal carries, that secrets are stored only
 * as hashes, and that every change lands in the audit trail.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tianyan/audit.h"
#include "tianyan/auth.h"
#include "tianyan/store.h"

static char dir[512];

static ty_store *open_store(const char *name)
{
    char db[700], err[512];
    snprintf(db, sizeof db, "%s/%s", dir, name);
    ty_store_opts o = {db, NULL, 16, 0};
    ty_store *st = NULL;
    ty_err e = ty_store_open(&st, &o, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "cannot open %s: %s\n", db, err);
    CHECK_INT(e, TY_OK);
    return st;
}

static int64_t q(ty_store *st, const char *sql)
{
    int64_t v = -1;
    CHECK_INT(ty_store_query_int(st, sql, &v), TY_OK);
    return v;
}

static void test_roles(void)
{
    ty_role r;
    CHECK_INT(ty_role_parse("analyst", &r), TY_OK);
    CHECK_INT(r, TY_ROLE_ANALYST);
    CHECK_STR(ty_role_name(TY_ROLE_PLATFORM), "platform");
    CHECK_INT(ty_role_parse("root", &r), TY_EINVAL);
    CHECK_STR(ty_role_name((ty_role)99), "?");
}

static void test_users_and_sessions(void)
{
    ty_store *st = open_store("u.db");
    char err[256];
    int64_t pid, id;
    int created;
    CHECK_INT(ty_store_platform_add(st, "haitun", "Haitun", &pid, &created), TY_OK);
    CHECK_INT(ty_store_platform_add(st, "lanque", "Lanque", &pid, &created), TY_OK);
    const char *pw = "correct horse battery";
    CHECK_INT(ty_user_add(st, "alice", TY_ROLE_ADMIN, NULL, pw, "cli:test", &id, err, sizeof err),
              TY_OK);
    CHECK_INT(
        ty_user_add(st, "bob", TY_ROLE_PLATFORM, "haitun", pw, "admin:alice", &id, err, sizeof err),
        TY_OK);
    /* refusals, each saying why */
    CHECK_INT(ty_user_add(st, "alice", TY_ROLE_ANALYST, NULL, pw, "x", NULL, err, sizeof err),
              TY_EDUP);
    CHECK_INT(ty_user_add(st, "Alice", TY_ROLE_ANALYST, NULL, pw, "x", NULL, err, sizeof err),
              TY_EINVAL);
    CHECK_CONTAINS(err, "user name");
    CHECK_INT(ty_user_add(st, "carl", TY_ROLE_ANALYST, NULL, "short", "x", NULL, err, sizeof err),
              TY_EINVAL);
    CHECK_CONTAINS(err, "password: 12 to 1024 bytes");
    CHECK_INT(ty_user_add(st, "dora", TY_ROLE_PLATFORM, NULL, pw, "x", NULL, err, sizeof err),
              TY_EINVAL);
    CHECK_CONTAINS(err, "needs its platform");
    CHECK_INT(ty_user_add(st, "ed", TY_ROLE_ANALYST, "haitun", pw, "x", NULL, err, sizeof err),
              TY_EINVAL);
    CHECK_INT(ty_user_add(st, "fay", TY_ROLE_PLATFORM, "nowhere", pw, "x", NULL, err, sizeof err),
              TY_ENOENT);
    CHECK_INT(ty_user_add(st, "gus", TY_ROLE_PUBLIC, NULL, pw, "x", NULL, err, sizeof err),
              TY_EINVAL);
    int64_t admins;
    CHECK_INT(ty_user_admins(st, &admins), TY_OK);
    CHECK_INT(admins, 1);
    /* no password in clear anywhere; argon2id hashes */
    CHECK_INT(q(st, "SELECT count(*) FROM users WHERE pwhash LIKE '$argon2id$%'"), 2);
    CHECK_INT(q(st, "SELECT count(*) FROM users WHERE instr(pwhash, 'correct') > 0"), 0);

    /* login */
    ty_principal p;
    CHECK_INT(ty_user_login(st, "bob", pw, &p), TY_OK);
    CHECK_INT(p.role, TY_ROLE_PLATFORM);
    CHECK_STR(p.platform_code, "haitun");
    CHECK(p.platform > 0);
    CHECK_STR(p.actor, "platform:bob");
    CHECK_INT(ty_user_login(st, "bob", "correct horse batterY", &p), TY_EINVAL);
    CHECK_INT(ty_user_login(st, "nobody", pw, &p), TY_EINVAL);
    CHECK_INT(ty_user_login(st, "alice", pw, &p), TY_OK);
    CHECK_STR(p.actor, "admin:alice");

    /* sessions */
    char token[TY_TOKEN_LEN + 1], csrf[TY_TOKEN_LEN + 1];
    CHECK_INT(ty_session_open(st, &p, 3600 * 1000, token, csrf), TY_OK);
    CHECK_INT(strlen(token), TY_TOKEN_LEN);
    CHECK(strcmp(token, csrf) != 0);
    ty_principal s;
    CHECK_INT(ty_session_check(st, token, NULL, &s), TY_OK);
    CHECK_STR(s.name, "alice");
    CHECK_INT(s.role, TY_ROLE_ADMIN);
    CHECK_INT(ty_session_check(st, token, csrf, &s), TY_OK);
    char wrong[TY_TOKEN_LEN + 1];
    memcpy(wrong, csrf, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    CHECK_INT(ty_session_check(st, token, wrong, &s), TY_EINVAL);
    CHECK_INT(ty_session_check(st, wrong, NULL, &s), TY_EINVAL);
    CHECK_INT(ty_session_check(st, "short", NULL, &s), TY_EINVAL);
    /* only hashes of the tokens are kept */
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sessions WHERE token_hash = '%s' OR csrf_hash = '%s'", token,
             csrf);
    CHECK_INT(q(st, sql), 0);
    CHECK_INT(ty_session_open(st, &p, TY_SESSION_TTL_MAX + 1, token, csrf), TY_EINVAL);
    /* an expired session */
    char t2[TY_TOKEN_LEN + 1], c2[TY_TOKEN_LEN + 1];
    CHECK_INT(ty_session_open(st, &p, 1, t2, c2), TY_OK);
    usleep(5000);
    CHECK_INT(ty_session_check(st, t2, NULL, &s), TY_EINVAL);
    /* logout ends it */
    CHECK_INT(ty_session_open(st, &p, 3600 * 1000, token, csrf), TY_OK);
    CHECK_INT(ty_session_end(st, token), TY_OK);
    CHECK_INT(ty_session_check(st, token, NULL, &s), TY_EINVAL);
    /* disabling a user ends its sessions and its logins */
    ty_principal b;
    CHECK_INT(ty_user_login(st, "bob", pw, &b), TY_OK);
    CHECK_INT(ty_session_open(st, &b, 3600 * 1000, token, csrf), TY_OK);
    CHECK_INT(ty_user_disable(st, "bob", "admin:alice", err, sizeof err), TY_OK);
    CHECK_INT(ty_session_check(st, token, NULL, &s), TY_EINVAL);
    CHECK_INT(ty_user_login(st, "bob", pw, &b), TY_EINVAL);
    CHECK_INT(ty_user_disable(st, "bob", "admin:alice", err, sizeof err), TY_ENOENT);

    /* the audit trail has every change, and holds */
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'user.add'"), 2);
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'session.login'"), 4);
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'session.logout'"), 1);
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'user.disable' AND "
                    "actor = 'admin:alice' AND object = 'user:bob'"),
              1);
    ty_audit_report rep;
    CHECK_INT(ty_audit_verify(st, &rep), TY_OK);
    CHECK_INT(rep.ok, 1);
    ty_store_close(&st);
}

typedef struct keys_seen {
    int n, revoked;
    char platform[32];
} keys_seen;

static ty_err count_key(void *ctx, const ty_key_row *k)
{
    keys_seen *s = ctx;
    s->n++;
    s->revoked += k->revoked != 0;
    snprintf(s->platform, sizeof s->platform, "%s", k->platform);
    CHECK_INT(strlen(k->prefix), 12);
    return TY_OK;
}

static void test_keys(void)
{
    ty_store *st = open_store("k.db");
    char err[256];
    int64_t pid, id;
    int created;
    CHECK_INT(ty_store_platform_add(st, "haitun", NULL, &pid, &created), TY_OK);
    char key[TY_API_KEY_LEN + 1], key2[TY_API_KEY_LEN + 1];
    CHECK_INT(ty_key_issue(st, "haitun", "nightly feed", "admin:alice", key, &id, err, sizeof err),
              TY_OK);
    CHECK_INT(strlen(key), TY_API_KEY_LEN);
    CHECK(strncmp(key, "tyk_", 4) == 0 && key[12] == '_');
    CHECK_INT(ty_key_issue(st, "haitun", NULL, "admin:alice", key2, NULL, err, sizeof err), TY_OK);
    CHECK(strcmp(key, key2) != 0);
    char key3[TY_API_KEY_LEN + 1];
    CHECK_INT(ty_key_issue(st, "nowhere", NULL, "admin:alice", key3, NULL, err, sizeof err),
              TY_ENOENT);
    CHECK_INT(key3[0], 0); /* a failed issue leaves no key behind */
    CHECK_INT(ty_key_issue(st, "haitun", "two\nlines", "admin:alice", key3, NULL, err, sizeof err),
              TY_EINVAL);
    ty_principal p;
    CHECK_INT(ty_key_check(st, key, &p), TY_OK);
    CHECK_INT(p.role, TY_ROLE_PLATFORM);
    CHECK_STR(p.platform_code, "haitun");
    CHECK_INT(p.platform, pid);
    CHECK_INT(p.key, id);
    CHECK_STR(p.actor, "platform:haitun");
    /* a key with one character changed, a short one, a foreign prefix */
    char bad[TY_API_KEY_LEN + 1];
    memcpy(bad, key, sizeof bad);
    bad[TY_API_KEY_LEN - 1] = bad[TY_API_KEY_LEN - 1] == 'a' ? 'b' : 'a';
    CHECK_INT(ty_key_check(st, bad, &p), TY_EINVAL);
    CHECK_INT(ty_key_check(st, "tyk_short", &p), TY_EINVAL);
    memcpy(bad, key, sizeof bad);
    bad[5] = bad[5] == 'a' ? 'b' : 'a';
    CHECK_INT(ty_key_check(st, bad, &p), TY_EINVAL);
    /* the key itself is nowhere in the database */
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM api_keys WHERE instr(hash, '%s') > 0 OR "
             "hash = '%s'",
             key + 13, key);
    CHECK_INT(q(st, sql), 0);
    /* revoke by prefix, then it no longer works; revoking twice is refused */
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", key);
    CHECK_INT(ty_key_revoke(st, prefix, "admin:alice", err, sizeof err), TY_OK);
    CHECK_INT(ty_key_check(st, key, &p), TY_EINVAL);
    CHECK_INT(ty_key_revoke(st, prefix, "admin:alice", err, sizeof err), TY_ENOENT);
    CHECK_INT(ty_key_check(st, key2, &p), TY_OK);
    keys_seen ks = {0, 0, ""};
    CHECK_INT(ty_key_list(st, count_key, &ks), TY_OK);
    CHECK_INT(ks.n, 2);
    CHECK_INT(ks.revoked, 1);
    CHECK_STR(ks.platform, "haitun");
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'key.issue'"), 2);
    CHECK_INT(q(st, "SELECT count(*) FROM audit_log WHERE action = 'key.revoke'"), 1);
    ty_store_close(&st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_auth.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    test_roles();
    test_users_and_sessions();
    test_keys();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_done("test_auth");
}
