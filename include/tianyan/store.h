/*
 * store.h - the embedded store: SQLite in WAL mode, holding every accepted
 * event exactly once, product and merchant versions, ingest batches with their
 * rejects, and reference tables (EU CosIng annexes, Safety Gate alerts).
 *
 * Exactly once: an event is identified by (platform, record type, id). The
 * store keeps an in-memory index of keyed 64-bit hashes of that triple,
 * rebuilt from the events table at open, so checking for a duplicate costs no
 * B-tree insert; a hash hit is confirmed against the stored row, so hash
 * collisions never drop an event. The horizon is forever.
 *
 * Durable before acknowledged: writes happen inside a transaction that
 * ty_store_commit() makes durable (synchronous=FULL, the WAL is fsynced); only
 * after it returns TY_OK may the events of that transaction be reported as
 * accepted. A crash before that loses the whole transaction and nothing else;
 * re-sending its events stores them once.
 *
 * A ty_store handle is used by one thread at a time. Several processes may open
 * the same file; writers serialise on SQLite's write lock, and each writer
 * catches its index up with the others' events when its transaction begins.
 */
#ifndef TIANYAN_STORE_H
#define TIANYAN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/record.h"

typedef struct ty_store ty_store;

typedef struct ty_store_opts {
    const char *path;     /* database file; created when missing */
    const char *key_path; /* secret key file for pseudonyms; NULL means "<path>.key" */
    int64_t cache_mib;    /* SQLite page cache of this connection; 0 means 64 (writes are
                             appends: a bigger cache only costs memory to fill) */
    int no_event_index;   /* this handle never adds events (the risk engine, readers):
                             skip loading the exactly-once index; ty_store_add* refuse */
} ty_store_opts;

/* Opens (creating and migrating as needed). On failure writes a reason to err. */
ty_err ty_store_open(ty_store **st, const ty_store_opts *o, char *err, size_t errn);

/* Closes the store and frees the handle; *st becomes NULL. Safe on NULL. */
void ty_store_close(ty_store **st);

/* Last SQLite error message of this handle. */
const char *ty_store_errmsg(ty_store *st);

/* Schema version of the open database. */
int ty_store_schema_version(ty_store *st);

/* Events stored (all platforms). */
int64_t ty_store_event_count(ty_store *st);

/* The in-memory duplicate index, for operators and tests. */
typedef struct ty_index_info {
    uint64_t entries;     /* events indexed */
    uint64_t bytes;       /* memory held */
    int from_snapshot;    /* loaded from "<db>.dedup" at open (else rebuilt from the table) */
    int64_t snapshot_seq; /* highest seq the loaded snapshot covered (0 if none) */
} ty_index_info;

void ty_store_index_info(ty_store *st, ty_index_info *info);

/* Looks up a platform by its code ("tmall-global"); TY_ENOENT when it is not
 * registered, unless create is set (then it is registered). */
ty_err ty_store_platform(ty_store *st, const char *code, int create, int64_t *id);

/* Registers a platform (name may be NULL); *created is 0 when it already existed. */
ty_err ty_store_platform_add(ty_store *st, const char *code, const char *name, int64_t *id,
                             int *created);

typedef struct ty_platform_row {
    int64_t id;
    const char *code;
    const char *name; /* may be NULL */
} ty_platform_row;

/* Calls fn for every registered platform, by code. */
ty_err ty_store_platforms(ty_store *st, ty_err (*fn)(void *ctx, const ty_platform_row *p),
                          void *ctx);

/* ---- writing events ---- */

/* Starts a write transaction (takes the database write lock). */
ty_err ty_store_begin(ty_store *st);

/* Opens an ingest batch row inside the transaction: who sent what, from where. */
ty_err ty_store_batch_open(ty_store *st, int64_t platform, const char *source, int64_t *batch);

/*
 * Adds one validated record from platform to the transaction. When the same
 * (platform, type, id) is already stored or earlier in this transaction nothing
 * is written and *dup is TY_DUP_SAME, or TY_DUP_CONFLICT when the stored event's
 * content differs (a correction sent under the old id: it is not stored, and the
 * sender should hear of it); otherwise the event is written and *dup is 0.
 */
enum { TY_DUP_SAME = 1, TY_DUP_CONFLICT = 2 };
ty_err ty_store_add(ty_store *st, int64_t platform, int64_t batch, const ty_record *rec, int *dup);

/*
 * The same in two steps, so that the expensive part can run on another thread:
 * ty_store_prepare_row() turns a validated record into the row the store will
 * write (canonical JSON with pseudonymised buyer, keyed duplicate-index hash,
 * entity columns), appending its strings to arena. It only reads immutable
 * store state and is safe to call from any thread while the store is open.
 * ty_store_add_row() then does the exactly-once check and the insert on the
 * store's thread, like ty_store_add().
 */
enum {
    TY_ROW_RID,
    TY_ROW_SKU,
    TY_ROW_MERCHANT,
    TY_ROW_BODY,
    TY_ROW_P1,
    TY_ROW_P2,
    TY_ROW_P3,
    TY_ROW_P4,
    TY_ROW__N
};

typedef struct ty_event_row {
    int type;
    uint64_t line;     /* input line of the record, for messages */
    int64_t ts;        /* event time, ms UTC */
    int tz;            /* offset, minutes east of UTC */
    uint64_t key_hash; /* duplicate-index key */
    uint8_t has[TY_ROW__N];
    uint32_t off[TY_ROW__N], len[TY_ROW__N]; /* strings in the arena */
} ty_event_row;

ty_err ty_store_prepare_row(const ty_store *st, int64_t platform, const ty_record *rec,
                            ty_buf *arena, ty_event_row *row);
ty_err ty_store_add_row(ty_store *st, int64_t platform, int64_t batch, const ty_event_row *row,
                        const char *arena, int *dup);

/* Records a rejected line of a batch. Callers keep at most TY_STORE_REJECTS_KEPT
 * per batch (the writer counts them per submission). */
ty_err ty_store_add_reject(ty_store *st, int64_t batch, const ty_reject *rej);
#define TY_STORE_REJECTS_KEPT 1000

/* Adds to the counts of a batch row (inside the transaction). */
ty_err ty_store_batch_count(ty_store *st, int64_t batch, uint64_t accepted, uint64_t duplicate,
                            uint64_t rejected);

/* Makes the transaction durable. On failure the transaction is rolled back. */
ty_err ty_store_commit(ty_store *st);

/* A savepoint in the open transaction: what is written after ty_store_savepoint()
 * is kept (keep = 1) or undone (keep = 0) by ty_store_savepoint_end(). For
 * writes that must not disturb the events of the same transaction. */
ty_err ty_store_savepoint(ty_store *st);
ty_err ty_store_savepoint_end(ty_store *st, int keep);

/* Abandons the transaction. */
void ty_store_rollback(ty_store *st);

/* ---- reading ---- */

typedef struct ty_stat_row {
    const char *platform; /* platform code */
    const char *type;     /* record type name */
    const char *day;      /* YYYY-MM-DD in the chosen offset */
    int64_t count;
} ty_stat_row;

/* Counts per platform, record type and day (days in the zone offset_min east of UTC). */
ty_err ty_store_stats(ty_store *st, int offset_min, ty_err (*fn)(void *ctx, const ty_stat_row *row),
                      void *ctx);

/* Stored canonical JSON of an event, by platform code, type and id; TY_ENOENT if absent.
 * The text is copied into out. */
ty_err ty_store_event_json(ty_store *st, const char *platform, int type, const char *id,
                           ty_buf *out);

/* Number of versions kept for a product (sku) or merchant (merchant_id) of a platform. */
ty_err ty_store_versions(ty_store *st, const char *platform, int type, const char *key,
                         int64_t *count);

/* One stored event, as read back for the risk engine. The pointers are valid
 * during the callback only. */
typedef struct ty_stored_event {
    int64_t seq, platform;
    int type;
    int64_t ts;       /* event time, ms UTC */
    int tz;           /* sender's offset, minutes */
    const char *body; /* canonical JSON */
    size_t len;
} ty_stored_event;

/* Calls fn for up to limit events with seq > after, in seq order; *last is set
 * to the last seq delivered (unchanged when there was none). */
ty_err ty_store_scan_events(ty_store *st, int64_t after, size_t limit,
                            ty_err (*fn)(void *ctx, const ty_stored_event *ev), void *ctx,
                            int64_t *last);

/* Code of a platform by id into out (empty when unknown). */
ty_err ty_store_platform_code(ty_store *st, int64_t id, char *out, size_t n);

/* Runs one read-only SQL statement returning a single integer (tests and tools). */
ty_err ty_store_query_int(ty_store *st, const char *sql, int64_t *out);

#endif
