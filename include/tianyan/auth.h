/*
 * auth.h - who may do what: user accounts (argon2id), platform API keys
 * (shown once, stored as keyed hashes), sessions and bearer tokens, and the
 * roles a principal acts in. Every change (user added or disabled, key issued
 * or revoked, login, logout) is appended to the audit trail (audit.h) in the
 * same transaction.
 *
 * Roles: admin (onboards platforms and users, sets rules), analyst (watches,
 * triages, acknowledges, silences), expert (reviews judgements), inspector
 * (mystery-shopping reports), platform (a platform's compliance engineers and
 * its feed: only its own platform's data), public (anyone unauthenticated:
 * only what is published).
 *
 * Secrets at rest:
 *  - passwords: libsodium crypto_pwhash_str (argon2id, OPSLIMIT/MEMLIMIT
 *    "interactive": 2 passes over 64 MiB), never stored in clear;
 *  - API keys "tyk_<prefix>_<secret>": 8 random base32 characters of prefix
 *    (the key's public id) and 32 random bytes of secret; only a BLAKE2b hash
 *    of the whole key, keyed from the store's key file, is kept;
 *  - session tokens and their CSRF tokens: 32 random bytes each, kept hashed.
 * Checks compare hashes in constant time.
 */
#ifndef TIANYAN_AUTH_H
#define TIANYAN_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/store.h"

typedef enum ty_role {
    TY_ROLE_PUBLIC = 0,
    TY_ROLE_ADMIN,
    TY_ROLE_ANALYST,
    TY_ROLE_EXPERT,
    TY_ROLE_INSPECTOR,
    TY_ROLE_PLATFORM,
    TY_ROLE__COUNT
} ty_role;

/* "public", "admin", …; "?" when out of range. */
const char *ty_role_name(ty_role r);
/* Parses a role name; TY_EINVAL when unknown. */
ty_err ty_role_parse(const char *s, ty_role *out);

/* Who is acting. */
typedef struct ty_principal {
    ty_role role;
    int64_t user;     /* users.id; 0 for an API key or the public */
    int64_t key;      /* api_keys.id; 0 otherwise */
    int64_t platform; /* platform id for role platform (its only data); 0 otherwise */
    char name[72];    /* "alice", or "key:tyk_ab12cd34" */
    char actor[80];   /* for the audit trail: "analyst:alice", "platform:haitun" */
    char platform_code[40];
} ty_principal;

#define TY_USER_NAME_MAX   64
#define TY_PASSWORD_MIN    12 /* NIST SP 800-63B §5.1.1.2 asks at least 8; we ask 12 */
#define TY_PASSWORD_MAX    1024
#define TY_API_KEY_LEN     (4 + 8 + 1 + 52) /* "tyk_" prefix "_" base32 of 32 bytes */
#define TY_TOKEN_LEN       43               /* base64url of 32 bytes, no padding */
#define TY_SESSION_TTL_MAX ((int64_t)30 * 24 * 3600 * 1000)

/* ---- users ---- */

/*
 * Adds a user. name: 1-64 of [a-z0-9._-]; role any but public; platform code
 * required for role platform (and refused otherwise); password 12-1024 bytes.
 * actor names who did it (audit). TY_EDUP when the name is taken, TY_ENOENT for
 * an unknown platform, TY_EINVAL with err for anything else wrong.
 */
ty_err ty_user_add(ty_store *st, const char *name, ty_role role, const char *platform,
                   const char *password, const char *actor, int64_t *id, char *err, size_t errn);

/* Disables a user (it can no longer log in; its sessions end). */
ty_err ty_user_disable(ty_store *st, const char *name, const char *actor, char *err, size_t errn);

/* Number of enabled admins (to bootstrap the first one). */
ty_err ty_user_admins(ty_store *st, int64_t *n);

/*
 * Checks a name and password. TY_OK and *p filled when they match an enabled
 * user; TY_EINVAL otherwise (the same for an unknown name, a wrong password
 * and a disabled user, in about the same time).
 */
ty_err ty_user_login(ty_store *st, const char *name, const char *password, ty_principal *p);

/* ---- sessions ---- */

/*
 * Opens a session for a logged-in user for ttl_ms (<= TY_SESSION_TTL_MAX):
 * token and csrf (TY_TOKEN_LEN + 1 bytes each) get the secrets, shown once.
 * Audited as "session.login".
 */
ty_err ty_session_open(ty_store *st, const ty_principal *p, int64_t ttl_ms, char *token,
                       char *csrf);

/* The principal of a live session; TY_EINVAL when unknown, ended or expired.
 * csrf may be NULL (safe methods); when given it must match the session's. */
ty_err ty_session_check(ty_store *st, const char *token, const char *csrf, ty_principal *p);

/* Ends a session (audited as "session.logout"). */
ty_err ty_session_end(ty_store *st, const char *token);

/* ---- platform API keys ---- */

/*
 * Issues a key for platform code: key (TY_API_KEY_LEN + 1 bytes) gets it, shown
 * once; *id its number. label: optional note (<= 128 bytes). Audited as
 * "key.issue" by actor.
 */
ty_err ty_key_issue(ty_store *st, const char *platform, const char *label, const char *actor,
                    char *key, int64_t *id, char *err, size_t errn);

/* Revokes key id (by number or prefix "tyk_ab12cd34"); audited as "key.revoke". */
ty_err ty_key_revoke(ty_store *st, const char *which, const char *actor, char *err, size_t errn);

/* The platform principal of a key; TY_EINVAL when unknown, malformed or revoked. */
ty_err ty_key_check(ty_store *st, const char *key, ty_principal *p);

typedef struct ty_key_row {
    int64_t id;
    const char *prefix, *platform, *label, *created_by, *revoked_by;
    int64_t created, revoked; /* wall clock; revoked 0 while valid */
} ty_key_row;

ty_err ty_key_list(ty_store *st, ty_err (*fn)(void *ctx, const ty_key_row *k), void *ctx);

#endif
