/*
 * audit.h - the audit trail: every state change (a login, a key issued or
 * revoked, a warning acknowledged or silenced, a rule change, an ingest batch
 * with its counts) is appended to one hash-chained log in the store.
 *
 * Entry i carries mac_i = BLAKE2b-256 keyed by K (crypto_generichash) over
 * mac_(i-1) and the entry's fields (seq, wall-clock time, actor, action, object,
 * detail, each length-prefixed), with mac_0 = 32 zero bytes. K is derived from
 * the store's key file (outside the database): someone who can write the
 * database but not read the key file cannot forge a consistent chain. The
 * latest (seq, mac) is also written to "<db>.audit-head" after each commit, so
 * that cutting entries off the end is caught too.
 *
 * ty_audit_verify() walks the chain and names the first entry that does not
 * hold: an edited entry fails its MAC, a deleted one leaves a gap in seq, a
 * swapped or reordered one breaks the chain, a truncated log is shorter than
 * the head file. The table is append-only by triggers as well.
 */
#ifndef TIANYAN_AUDIT_H
#define TIANYAN_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/store.h"

#define TY_AUDIT_NAME_MAX   64   /* actor, action */
#define TY_AUDIT_OBJECT_MAX 256  /* what was acted on: "key:7", "warning:42" */
#define TY_AUDIT_DETAIL_MAX 4096 /* a JSON object, or NULL */

/* One entry as stored. Texts are valid until the callback returns. */
typedef struct ty_audit_entry {
    int64_t seq;        /* 1, 2, 3 … */
    int64_t at;         /* wall clock, ms UTC */
    const char *actor;  /* "admin:alice", "platform:haitun", "engine", "cli" */
    const char *action; /* "key.issue", "warning.ack", "ingest.batch" … */
    const char *object; /* may be "" */
    const char *detail; /* JSON object or "" */
    const char *mac;    /* 64 hex digits */
} ty_audit_entry;

/*
 * Appends an entry at the current wall-clock time, inside the caller's open
 * transaction (as a savepoint) or in one of its own. *seq (may be NULL) gets
 * its number. TY_EINVAL for a name, object or detail out of its limits (detail
 * must be a JSON object), with err saying which.
 */
ty_err ty_audit_append(ty_store *st, const char *actor, const char *action, const char *object,
                       const char *detail, int64_t *seq, char *err, size_t errn);

/* One field of an entry's detail: a text, or a number when text is NULL. */
typedef struct ty_audit_field {
    const char *key;
    const char *text;
    int64_t num;
} ty_audit_field;

/* ty_audit_append() with the detail written from fields (JSON-escaped). */
ty_err ty_audit_append_fields(ty_store *st, const char *actor, const char *action,
                              const char *object, const ty_audit_field *f, size_t nf, int64_t *seq,
                              char *err, size_t errn);

/* Calls fn for the entries with seq > after, in order, at most limit (0: all). */
ty_err ty_audit_list(ty_store *st, int64_t after, size_t limit,
                     ty_err (*fn)(void *ctx, const ty_audit_entry *e), void *ctx);

typedef struct ty_audit_report {
    int64_t entries;  /* entries read */
    int ok;           /* 1: the whole chain holds */
    int64_t bad_seq;  /* first entry that does not hold (0 when ok) */
    char reason[256]; /* what is wrong with it */
} ty_audit_report;

/* Checks the whole chain and the head file. TY_OK whenever the check ran (the
 * verdict is in rep->ok). */
ty_err ty_audit_verify(ty_store *st, ty_audit_report *rep);

#endif
