/*
 * auth.c - users, sessions and platform API keys (auth.h), with every change
 * audited in the same transaction.
 */
#include <stdio.h>
#include <string.h>

#include "store_impl.h"
#include "tianyan/audit.h"
#include "tianyan/auth.h"
#include "tianyan/timeutil.h"

static const char *const role_names[TY_ROLE__COUNT] = {
    "public", "admin", "analyst", "expert", "inspector", "platform",
};

const char *ty_role_name(ty_role r)
{
    return r >= 0 && r < TY_ROLE__COUNT ? role_names[r] : "?";
}

ty_err ty_role_parse(const char *s, ty_role *out)
{
    for (int i = 0; i < TY_ROLE__COUNT; i++)
        if (s && strcmp(s, role_names[i]) == 0) {
            *out = (ty_role)i;
            return TY_OK;
        }
    return TY_EINVAL;
}

static ty_err fail(char *err, size_t errn, ty_err e, const char *msg)
{
    if (err && errn)
        snprintf(err, errn, "%s", msg);
    return e;
}

/* ---- small SQL helpers ---- */

static ty_err prepare(ty_store *st, const char *sql, sqlite3_stmt **s)
{
    return store_err(sqlite3_prepare_v2(st->db, sql, -1, s, NULL));
}

static ty_err done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

/* Runs body in the caller's transaction or in one of its own. */
static ty_err in_txn(ty_store *st, ty_err (*body)(ty_store *st, void *ctx), void *ctx)
{
    if (st->in_txn) {
        int rc = sqlite3_exec(st->db, "SAVEPOINT ty_auth", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
        ty_err e = body(st, ctx);
        if (e != TY_OK)
            sqlite3_exec(st->db, "ROLLBACK TO ty_auth", NULL, NULL, NULL);
        rc = sqlite3_exec(st->db, "RELEASE ty_auth", NULL, NULL, NULL);
        return e != TY_OK ? e : store_err(rc);
    }
    TY_TRY(ty_store_begin(st));
    ty_err e = body(st, ctx);
    if (e != TY_OK) {
        ty_store_rollback(st);
        return e;
    }
    return ty_store_commit(st);
}

/* Keyed hash (hex) of a secret: the key comes from the store's key file, so a
 * copy of the database alone cannot be used to test guesses offline. */
static void secret_hash(const ty_store *st, const char *what, const char *secret, char out[65])
{
    unsigned char k[32], h[32];
    crypto_generichash(k, sizeof k, (const unsigned char *)what, strlen(what), st->secret,
                       sizeof st->secret);
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), k, sizeof k);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(k, sizeof k);
}

static int hash_equal(const char *a, const char *b)
{
    return a && b && strlen(a) == 64 && strlen(b) == 64 && sodium_memcmp(a, b, 64) == 0;
}

static void random_token(char *out, size_t outn)
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, outn, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
}

/* RFC 4648 base32 (lower case, no padding) of n bytes. */
static void base32(const unsigned char *b, size_t n, char *out)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz234567";
    size_t bits = 0, k = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | b[i];
        bits += 8;
        while (bits >= 5) {
            out[k++] = abc[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits)
        out[k++] = abc[(acc << (5 - bits)) & 31];
    out[k] = '\0';
}

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > TY_USER_NAME_MAX)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

static void fill_principal(ty_principal *p, ty_role role, int64_t user, int64_t key,
                           int64_t platform, const char *name, const char *pcode)
{
    memset(p, 0, sizeof *p);
    p->role = role;
    p->user = user;
    p->key = key;
    p->platform = platform;
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->platform_code, sizeof p->platform_code, "%s", pcode ? pcode : "");
    if (role == TY_ROLE_PLATFORM && key)
        snprintf(p->actor, sizeof p->actor, "platform:%.40s", p->platform_code);
    else
        snprintf(p->actor, sizeof p->actor, "%s:%.64s", ty_role_name(role), name);
}

/* ---- users ---- */

typedef struct user_add_ctx {
    const char *name, *platform, *password, *actor;
    ty_role role;
    int64_t *id;
    char *err;
    size_t errn;
} user_add_ctx;

static ty_err user_add_body(ty_store *st, void *ctx)
{
    user_add_ctx *c = ctx;
    int64_t pid = 0;
    if (c->role == TY_ROLE_PLATFORM) {
        ty_err e = ty_store_platform(st, c->platform, 0, &pid);
        if (e == TY_ENOENT)
            return fail(c->err, c->errn, e, "unknown platform; register it first");
        TY_TRY(e);
    }
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, c->password, strlen(c->password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return fail(c->err, c->errn, TY_ENOMEM, "out of memory hashing the password");
    sqlite3_stmt *s;
    TY_TRY(prepare(
        st, "INSERT INTO users(name, role, platform, pwhash, created) VALUES(?, ?, ?, ?, ?)", &s));
    sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ty_role_name(c->role), -1, SQLITE_STATIC);
    if (pid)
        sqlite3_bind_int64(s, 3, pid);
    else
        sqlite3_bind_null(s, 3);
    sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, ty_now_ms());
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_CONSTRAINT)
        return fail(c->err, c->errn, TY_EDUP, "a user of that name exists");
    if (rc != SQLITE_DONE)
        return store_err(rc);
    int64_t id = sqlite3_last_insert_rowid(st->db);
    if (c->id)
        *c->id = id;
    char object[96];
    snprintf(object, sizeof object, "user:%s", c->name);
    ty_audit_field f[] = {{"role", ty_role_name(c->role), 0},
                          {"platform", c->platform ? c->platform : "", 0},
                          {"id", NULL, id}};
    return ty_audit_append_fields(st, c->actor, "user.add", object, f, 3, NULL, c->err, c->errn);
}

ty_err ty_user_add(ty_store *st, const char *name, ty_role role, const char *platform,
                   const char *password, const char *actor, int64_t *id, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    if (!name_ok(name))
        return fail(err, errn, TY_EINVAL,
                    "user name: 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
    if (role <= TY_ROLE_PUBLIC || role >= TY_ROLE__COUNT)
        return fail(err, errn, TY_EINVAL,
                    "role: one of admin, analyst, expert, inspector, platform");
    if ((role == TY_ROLE_PLATFORM) != (platform && *platform))
        return fail(err, errn, TY_EINVAL,
                    role == TY_ROLE_PLATFORM ? "a platform user needs its platform"
                                             : "only platform users belong to a platform");
    size_t pl = password ? strlen(password) : 0;
    if (pl < TY_PASSWORD_MIN || pl > TY_PASSWORD_MAX)
        return fail(err, errn, TY_EINVAL, "password: 12 to 1024 bytes");
    if (!actor || !*actor)
        return fail(err, errn, TY_EINVAL, "actor is required");
    user_add_ctx c = {name, platform, password, actor, role, id, err, errn};
    return in_txn(st, user_add_body, &c);
}

typedef struct user_disable_ctx {
    const char *name, *actor;
    char *err;
    size_t errn;
} user_disable_ctx;

static ty_err user_disable_body(ty_store *st, void *ctx)
{
    user_disable_ctx *c = ctx;
    int64_t now = ty_now_ms();
    sqlite3_stmt *s;
    TY_TRY(prepare(st, "UPDATE users SET disabled = ? WHERE name = ? AND disabled IS NULL", &s));
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
    TY_TRY(done(s));
    if (sqlite3_changes(st->db) == 0)
        return fail(c->err, c->errn, TY_ENOENT, "no enabled user of that name");
    TY_TRY(prepare(st,
                   "UPDATE sessions SET ended = ?1 WHERE ended IS NULL AND user = "
                   "(SELECT id FROM users WHERE name = ?2)",
                   &s));
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
    TY_TRY(done(s));
    char object[96];
    snprintf(object, sizeof object, "user:%s", c->name);
    return ty_audit_append(st, c->actor, "user.disable", object, NULL, NULL, c->err, c->errn);
}

ty_err ty_user_disable(ty_store *st, const char *name, const char *actor, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    if (!name_ok(name))
        return fail(err, errn, TY_EINVAL, "user name: 1 to 64 characters of a-z, 0-9, . _ -");
    user_disable_ctx c = {name, actor, err, errn};
    return in_txn(st, user_disable_body, &c);
}

ty_err ty_user_admins(ty_store *st, int64_t *n)
{
    return ty_store_query_int(st,
                              "SELECT count(*) FROM users WHERE role = 'admin' AND "
                              "disabled IS NULL",
                              n);
}

/* A hash of a password no one has, to spend the same time on unknown names. */
static const char *dummy_hash(void)
{
    static char h[crypto_pwhash_STRBYTES];
    static int made;
    if (!made) { /* computed once; a race only computes it twice */
        if (crypto_pwhash_str(h, "tianyan-no-such-user", 20, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
            made = 1;
    }
    return h;
}

ty_err ty_user_login(ty_store *st, const char *name, const char *password, ty_principal *p)
{
    if (!name_ok(name) || !password || strlen(password) > TY_PASSWORD_MAX)
        return TY_EINVAL;
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "SELECT u.id, u.role, u.pwhash, u.disabled, coalesce(u.platform, 0), "
                   "coalesce(pl.code, '') FROM users u LEFT JOIN platforms pl ON pl.id = "
                   "u.platform WHERE u.name = ?",
                   &s));
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        /* as long as a real check, so that timing does not tell which names exist */
        int spent = crypto_pwhash_str_verify(dummy_hash(), password, strlen(password));
        (void)spent;
        return rc == SQLITE_DONE ? TY_EINVAL : store_err(rc);
    }
    int64_t id = sqlite3_column_int64(s, 0);
    ty_role role = TY_ROLE_PUBLIC;
    ty_role_parse((const char *)sqlite3_column_text(s, 1), &role);
    const char *hash = (const char *)sqlite3_column_text(s, 2);
    int disabled = sqlite3_column_type(s, 3) != SQLITE_NULL;
    int64_t pid = sqlite3_column_int64(s, 4);
    char pcode[40];
    snprintf(pcode, sizeof pcode, "%s", (const char *)sqlite3_column_text(s, 5));
    int ok = hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    sqlite3_finalize(s);
    if (!ok || disabled || role == TY_ROLE_PUBLIC)
        return TY_EINVAL;
    fill_principal(p, role, id, 0, pid, name, pcode);
    return TY_OK;
}

/* ---- sessions ---- */

typedef struct session_ctx {
    const ty_principal *p;
    int64_t ttl;
    char *token, *csrf;
} session_ctx;

static ty_err session_open_body(ty_store *st, void *ctx)
{
    session_ctx *c = ctx;
    char th[65], ch[65];
    secret_hash(st, "session token", c->token, th);
    secret_hash(st, "csrf token", c->csrf, ch);
    int64_t now = ty_now_ms();
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "INSERT INTO sessions(token_hash, user, csrf_hash, created, expires) "
                   "VALUES(?, ?, ?, ?, ?)",
                   &s));
    sqlite3_bind_text(s, 1, th, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->p->user);
    sqlite3_bind_text(s, 3, ch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, 5, now + c->ttl);
    TY_TRY(done(s));
    int64_t sid = sqlite3_last_insert_rowid(st->db);
    char object[96];
    snprintf(object, sizeof object, "user:%s", c->p->name);
    ty_audit_field f[] = {{"session", NULL, sid}, {"expires_in_s", NULL, c->ttl / 1000}};
    return ty_audit_append_fields(st, c->p->actor, "session.login", object, f, 2, NULL, NULL, 0);
}

ty_err ty_session_open(ty_store *st, const ty_principal *p, int64_t ttl_ms, char *token, char *csrf)
{
    if (!p || !p->user || ttl_ms <= 0 || ttl_ms > TY_SESSION_TTL_MAX)
        return TY_EINVAL;
    random_token(token, TY_TOKEN_LEN + 1);
    random_token(csrf, TY_TOKEN_LEN + 1);
    session_ctx c = {p, ttl_ms, token, csrf};
    ty_err e = in_txn(st, session_open_body, &c);
    if (e != TY_OK) {
        sodium_memzero(token, TY_TOKEN_LEN + 1);
        sodium_memzero(csrf, TY_TOKEN_LEN + 1);
    }
    return e;
}

ty_err ty_session_check(ty_store *st, const char *token, const char *csrf, ty_principal *p)
{
    if (!token || strlen(token) != TY_TOKEN_LEN)
        return TY_EINVAL;
    char th[65];
    secret_hash(st, "session token", token, th);
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "SELECT s.csrf_hash, s.expires, s.ended, u.id, u.name, u.role, u.disabled, "
                   "coalesce(u.platform, 0), coalesce(pl.code, '') FROM sessions s JOIN users u "
                   "ON u.id = s.user LEFT JOIN platforms pl ON pl.id = u.platform "
                   "WHERE s.token_hash = ?",
                   &s));
    sqlite3_bind_text(s, 1, th, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return rc == SQLITE_DONE ? TY_EINVAL : store_err(rc);
    }
    ty_err e = TY_OK;
    const char *chash = (const char *)sqlite3_column_text(s, 0);
    if (sqlite3_column_int64(s, 1) <= ty_now_ms() || sqlite3_column_type(s, 2) != SQLITE_NULL ||
        sqlite3_column_type(s, 6) != SQLITE_NULL)
        e = TY_EINVAL;
    if (e == TY_OK && csrf) {
        char ch[65];
        secret_hash(st, "csrf token", csrf, ch);
        if (strlen(csrf) != TY_TOKEN_LEN || !hash_equal(ch, chash))
            e = TY_EINVAL;
    }
    if (e == TY_OK) {
        ty_role role = TY_ROLE_PUBLIC;
        ty_role_parse((const char *)sqlite3_column_text(s, 5), &role);
        fill_principal(p, role, sqlite3_column_int64(s, 3), 0, sqlite3_column_int64(s, 7),
                       (const char *)sqlite3_column_text(s, 4),
                       (const char *)sqlite3_column_text(s, 8));
    }
    sqlite3_finalize(s);
    return e;
}

typedef struct session_end_ctx {
    const char *token;
} session_end_ctx;

static ty_err session_end_body(ty_store *st, void *ctx)
{
    session_end_ctx *c = ctx;
    ty_principal p;
    TY_TRY(ty_session_check(st, c->token, NULL, &p));
    char th[65];
    secret_hash(st, "session token", c->token, th);
    sqlite3_stmt *s;
    TY_TRY(prepare(st, "UPDATE sessions SET ended = ? WHERE token_hash = ?", &s));
    sqlite3_bind_int64(s, 1, ty_now_ms());
    sqlite3_bind_text(s, 2, th, -1, SQLITE_STATIC);
    TY_TRY(done(s));
    char object[96];
    snprintf(object, sizeof object, "user:%s", p.name);
    return ty_audit_append(st, p.actor, "session.logout", object, NULL, NULL, NULL, 0);
}

ty_err ty_session_end(ty_store *st, const char *token)
{
    session_end_ctx c = {token};
    return in_txn(st, session_end_body, &c);
}

/* ---- API keys ---- */

typedef struct key_issue_ctx {
    const char *platform, *label, *actor;
    char *key;
    int64_t *id;
    char *err;
    size_t errn;
} key_issue_ctx;

static ty_err key_issue_body(ty_store *st, void *ctx)
{
    key_issue_ctx *c = ctx;
    int64_t pid;
    ty_err e = ty_store_platform(st, c->platform, 0, &pid);
    if (e == TY_ENOENT)
        return fail(c->err, c->errn, e, "unknown platform; register it first");
    TY_TRY(e);
    unsigned char pre[5], sec[32];
    randombytes_buf(pre, sizeof pre);
    randombytes_buf(sec, sizeof sec);
    char prefix[16], secret[64];
    base32(pre, sizeof pre, prefix); /* 8 characters */
    base32(sec, sizeof sec, secret); /* 52 characters */
    snprintf(c->key, TY_API_KEY_LEN + 1, "tyk_%s_%s", prefix, secret);
    sodium_memzero(sec, sizeof sec);
    sodium_memzero(secret, sizeof secret);
    char kh[65], pfx[16];
    secret_hash(st, "api key", c->key, kh);
    snprintf(pfx, sizeof pfx, "tyk_%s", prefix);
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "INSERT INTO api_keys(platform, prefix, hash, label, created, created_by) "
                   "VALUES(?, ?, ?, ?, ?, ?)",
                   &s));
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_text(s, 2, pfx, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, kh, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, c->label ? c->label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, ty_now_ms());
    sqlite3_bind_text(s, 6, c->actor, -1, SQLITE_STATIC);
    TY_TRY(done(s));
    int64_t id = sqlite3_last_insert_rowid(st->db);
    if (c->id)
        *c->id = id;
    char object[64];
    snprintf(object, sizeof object, "key:%s", pfx);
    ty_audit_field f[] = {
        {"platform", c->platform, 0}, {"label", c->label ? c->label : "", 0}, {"id", NULL, id}};
    return ty_audit_append_fields(st, c->actor, "key.issue", object, f, 3, NULL, c->err, c->errn);
}

ty_err ty_key_issue(ty_store *st, const char *platform, const char *label, const char *actor,
                    char *key, int64_t *id, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    if (!platform || !*platform)
        return fail(err, errn, TY_EINVAL, "platform is required");
    if (label && (strlen(label) > 128 || strpbrk(label, "\r\n\t")))
        return fail(err, errn, TY_EINVAL, "label: at most 128 characters on one line");
    if (!actor || !*actor)
        return fail(err, errn, TY_EINVAL, "actor is required");
    key_issue_ctx c = {platform, label, actor, key, id, err, errn};
    ty_err e = in_txn(st, key_issue_body, &c);
    if (e != TY_OK)
        sodium_memzero(key, TY_API_KEY_LEN + 1);
    return e;
}

typedef struct key_revoke_ctx {
    const char *which, *actor;
    char *err;
    size_t errn;
} key_revoke_ctx;

static ty_err key_revoke_body(ty_store *st, void *ctx)
{
    key_revoke_ctx *c = ctx;
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "UPDATE api_keys SET revoked = ?1, revoked_by = ?2 WHERE revoked IS NULL AND "
                   "(prefix = ?3 OR CAST(id AS TEXT) = ?3) RETURNING prefix",
                   &s));
    sqlite3_bind_int64(s, 1, ty_now_ms());
    sqlite3_bind_text(s, 2, c->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, c->which, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    char object[64] = "";
    if (rc == SQLITE_ROW)
        snprintf(object, sizeof object, "key:%s", (const char *)sqlite3_column_text(s, 0));
    ty_err e = rc == SQLITE_ROW ? TY_OK : rc == SQLITE_DONE ? TY_ENOENT : store_err(rc);
    sqlite3_finalize(s);
    if (e == TY_ENOENT)
        return fail(c->err, c->errn, e, "no valid key of that number or prefix");
    TY_TRY(e);
    return ty_audit_append(st, c->actor, "key.revoke", object, NULL, NULL, c->err, c->errn);
}

ty_err ty_key_revoke(ty_store *st, const char *which, const char *actor, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    if (!which || !*which || strlen(which) > 32)
        return fail(err, errn, TY_EINVAL, "key: its number or its prefix (tyk_xxxxxxxx)");
    key_revoke_ctx c = {which, actor, err, errn};
    return in_txn(st, key_revoke_body, &c);
}

ty_err ty_key_check(ty_store *st, const char *key, ty_principal *p)
{
    /* "tyk_" 8 "_" 52 */
    if (!key || strlen(key) != TY_API_KEY_LEN || strncmp(key, "tyk_", 4) != 0 || key[12] != '_')
        return TY_EINVAL;
    char pfx[16];
    snprintf(pfx, sizeof pfx, "%.12s", key);
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "SELECT k.id, k.hash, k.revoked, k.platform, pl.code FROM api_keys k JOIN "
                   "platforms pl ON pl.id = k.platform WHERE k.prefix = ?",
                   &s));
    sqlite3_bind_text(s, 1, pfx, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return rc == SQLITE_DONE ? TY_EINVAL : store_err(rc);
    }
    char kh[65];
    secret_hash(st, "api key", key, kh);
    ty_err e = hash_equal(kh, (const char *)sqlite3_column_text(s, 1)) &&
                       sqlite3_column_type(s, 2) == SQLITE_NULL
                   ? TY_OK
                   : TY_EINVAL;
    if (e == TY_OK) {
        char name[40];
        snprintf(name, sizeof name, "key:%s", pfx);
        fill_principal(p, TY_ROLE_PLATFORM, 0, sqlite3_column_int64(s, 0),
                       sqlite3_column_int64(s, 3), name, (const char *)sqlite3_column_text(s, 4));
    }
    sqlite3_finalize(s);
    return e;
}

ty_err ty_key_list(ty_store *st, ty_err (*fn)(void *ctx, const ty_key_row *k), void *ctx)
{
    sqlite3_stmt *s;
    TY_TRY(prepare(st,
                   "SELECT k.id, k.prefix, pl.code, k.label, k.created_by, "
                   "coalesce(k.revoked_by, ''), k.created, coalesce(k.revoked, 0) FROM api_keys "
                   "k JOIN platforms pl ON pl.id = k.platform ORDER BY k.id",
                   &s));
    int rc;
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_key_row k = {sqlite3_column_int64(s, 0),
                        (const char *)sqlite3_column_text(s, 1),
                        (const char *)sqlite3_column_text(s, 2),
                        (const char *)sqlite3_column_text(s, 3),
                        (const char *)sqlite3_column_text(s, 4),
                        (const char *)sqlite3_column_text(s, 5),
                        sqlite3_column_int64(s, 6),
                        sqlite3_column_int64(s, 7)};
        e = fn(ctx, &k);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}
