/* store_impl.h - the store handle, shared by the files of src/store/ (private). */
#ifndef TIANYAN_STORE_IMPL_H
#define TIANYAN_STORE_IMPL_H

#include <sodium.h>
#include <sqlite3.h>

#include "tianyan/hashidx.h"
#include "tianyan/buf.h"
#include "tianyan/store.h"

/* Statements warnings.c keeps with the store. */
#define STORE_WARNING_STMTS 16

/* Prepared statements, by purpose. */
enum {
    ST_EVENT_INSERT,
    ST_EVENT_KEY, /* platform, type, rid of an event, by seq */
    ST_CATCHUP,   /* seq, key_hash of events after a seq */
    ST_BATCH_INSERT,
    ST_BATCH_COUNT,
    ST_REJECT_INSERT,
    ST_PRODUCT_VERSION,
    ST_PRODUCT_UPSERT,
    ST_MERCHANT_VERSION,
    ST_MERCHANT_UPSERT,
    ST__COUNT
};

struct ty_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    int in_txn;
    ty_hashidx dedup;
    int64_t max_seq;            /* highest event seq in the index */
    int64_t snap_seq;           /* max_seq of the snapshot file loaded or written; -1 if none */
    unsigned char store_id[16]; /* random id of this store (meta), ties snapshots to it */
    char *snap_path;            /* "<db>.dedup" */
    int64_t loaded_snap;        /* seq the snapshot loaded at open covered; 0 if none */
    int64_t committed_seq;      /* highest seq known committed */
    unsigned char dedup_key[crypto_shorthash_KEYBYTES];
    unsigned char secret[32];               /* pseudonym key, from the key file */
    ty_buf body;                            /* canonical JSON of the event being written */
    int index_bad;                          /* the index may miss events: rebuild before writing */
    int no_index;                           /* opened with no_event_index: never adds events */
    ty_hashidx_slot *txn_keys;              /* (key_hash, seq) added in the open transaction, */
    size_t ntxn, captxn;                    /*   to take back out if it rolls back */
    char *audit_head_path;                  /* "<db>.audit-head" (audit.c) */
    sqlite3_stmt *wst[STORE_WARNING_STMTS]; /* warnings.c's statements, prepared once */
    int64_t audit_pending; /* seq of the last audit entry of the open transaction; 0 none */
    unsigned char audit_pending_mac[32];
};

/* Finalizes warnings.c's statements (at close). */
void store_warnings_close(ty_store *st);

/* Called by commit (audit.c): writes the audit head file for entries the
 * transaction added. */
void store_audit_committed(ty_store *st);

/* Loads seq/key_hash of events after st->max_seq into the index. */
ty_err store_catch_up(ty_store *st);

/* Prepares the statements used by writers. */
ty_err store_prepare(ty_store *st);

/* Maps an SQLite result code to ty_err. */
ty_err store_err(int rc);

#endif
