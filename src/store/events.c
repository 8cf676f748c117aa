/*
 * events.c - the write path: transactions, exactly-once event inserts,
 * product and merchant versions, ingest batches and their rejects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "tianyan/timeutil.h"

static const char *const sql[ST__COUNT] = {
    [ST_EVENT_INSERT] = "INSERT INTO events(seq, platform, type, key_hash, ts, tz, received, "
                        "batch, rid, sku, merchant, body) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVENT_KEY] = "SELECT platform, type, rid, body FROM events WHERE seq = ?",
    [ST_CATCHUP] = "SELECT seq, key_hash FROM events WHERE seq > ? ORDER BY seq",
    [ST_BATCH_INSERT] = "INSERT INTO ingest_batches(platform, source, started, updated) "
                        "VALUES(?, ?, ?, ?)",
    [ST_BATCH_COUNT] = "UPDATE ingest_batches SET accepted = accepted + ?, duplicate = "
                       "duplicate + ?, rejected = rejected + ?, updated = ? WHERE id = ?",
    [ST_REJECT_INSERT] = "INSERT INTO ingest_rejects(batch, line, class, field, message) "
                         "VALUES(?, ?, ?, ?, ?)",
    [ST_PRODUCT_VERSION] = "INSERT OR IGNORE INTO product_versions(platform, sku, ts, seq) "
                           "VALUES(?, ?, ?, ?)",
    /* the current state is the version with the latest event time */
    [ST_PRODUCT_UPSERT] =
        "INSERT INTO products(platform, sku, seq, ts, brand, title, origin, merchant) "
        "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(platform, sku) DO UPDATE SET seq = excluded.seq, "
        "ts = excluded.ts, brand = excluded.brand, title = excluded.title, "
        "origin = excluded.origin, merchant = excluded.merchant WHERE excluded.ts >= products.ts",
    [ST_MERCHANT_VERSION] = "INSERT OR IGNORE INTO merchant_versions(platform, merchant, ts, "
                            "seq) VALUES(?, ?, ?, ?)",
    [ST_MERCHANT_UPSERT] =
        "INSERT INTO merchants(platform, merchant, seq, ts, name, country) VALUES(?,?,?,?,?,?) "
        "ON CONFLICT(platform, merchant) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, "
        "name = excluded.name, country = excluded.country WHERE excluded.ts >= merchants.ts",
};

ty_err store_prepare(ty_store *st)
{
    for (int i = 0; i < ST__COUNT; i++) {
        int rc =
            sqlite3_prepare_v3(st->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i], NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
    }
    return TY_OK;
}

static ty_err step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

/* Drops the index and reloads it from the table (the last resort when the index
 * may be wrong: it reads every event). */
static ty_err reload_index(ty_store *st)
{
    ty_hashidx_clear(&st->dedup);
    st->max_seq = 0;
    st->snap_seq = -1; /* the next close writes a fresh snapshot */
    st->index_bad = 0;
    return store_catch_up(st);
}

ty_err ty_store_begin(ty_store *st)
{
    if (st->in_txn)
        return TY_EINVAL;
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    st->in_txn = 1;
    st->ntxn = 0;
    /* other writers' events since our last look; or everything, if the index
     * could not be trusted after an earlier failure */
    ty_err e = st->no_index ? TY_OK : st->index_bad ? reload_index(st) : store_catch_up(st);
    if (e != TY_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_txn = 0;
    }
    return e;
}

ty_err ty_store_commit(ty_store *st)
{
    if (!st->in_txn)
        return TY_EINVAL;
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ty_store_rollback(st);
        return store_err(rc);
    }
    st->in_txn = 0;
    st->committed_seq = st->max_seq;
    st->ntxn = 0;
    store_audit_committed(st);
    return TY_OK;
}

ty_err ty_store_savepoint(ty_store *st)
{
    if (!st->in_txn)
        return TY_EINVAL;
    return store_err(sqlite3_exec(st->db, "SAVEPOINT ty_store_sp", NULL, NULL, NULL));
}

ty_err ty_store_savepoint_end(ty_store *st, int keep)
{
    if (!st->in_txn)
        return TY_EINVAL;
    if (!keep) {
        int rc = sqlite3_exec(st->db, "ROLLBACK TO ty_store_sp", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
        st->audit_pending = 0; /* entries of the undone part are gone (the head file is only
                                  ever behind, never ahead) */
    }
    return store_err(sqlite3_exec(st->db, "RELEASE ty_store_sp", NULL, NULL, NULL));
}

void ty_store_rollback(ty_store *st)
{
    if (!st->in_txn)
        return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_txn = 0;
    st->audit_pending = 0;
    if (st->no_index)
        return;
    /* take this transaction's events back out of the index; if they were not all
     * recorded, the index is rebuilt before the next write */
    for (size_t i = 0; i < st->ntxn; i++)
        ty_hashidx_remove(&st->dedup, st->txn_keys[i].hash, st->txn_keys[i].seq);
    st->ntxn = 0;
    st->max_seq = st->committed_seq;
}

ty_err ty_store_batch_open(ty_store *st, int64_t platform, const char *source, int64_t *batch)
{
    sqlite3_stmt *s = st->st[ST_BATCH_INSERT];
    int64_t now = ty_now_ms();
    sqlite3_bind_int64(s, 1, platform);
    sqlite3_bind_text(s, 2, source ? source : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, now);
    TY_TRY(step_done(s));
    *batch = sqlite3_last_insert_rowid(st->db);
    return TY_OK;
}

ty_err ty_store_batch_count(ty_store *st, int64_t batch, uint64_t accepted, uint64_t duplicate,
                            uint64_t rejected)
{
    sqlite3_stmt *s = st->st[ST_BATCH_COUNT];
    sqlite3_bind_int64(s, 1, (int64_t)accepted);
    sqlite3_bind_int64(s, 2, (int64_t)duplicate);
    sqlite3_bind_int64(s, 3, (int64_t)rejected);
    sqlite3_bind_int64(s, 4, ty_now_ms());
    sqlite3_bind_int64(s, 5, batch);
    return step_done(s);
}

ty_err ty_store_add_reject(ty_store *st, int64_t batch, const ty_reject *rej)
{
    sqlite3_stmt *s = st->st[ST_REJECT_INSERT];
    sqlite3_bind_int64(s, 1, batch);
    sqlite3_bind_int64(s, 2, (int64_t)rej->line);
    sqlite3_bind_text(s, 3, ty_reject_class_name(rej->class_), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, rej->field, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, rej->message, -1, SQLITE_TRANSIENT);
    return step_done(s);
}

typedef struct buyer_ctx {
    const ty_store *st;
    int64_t platform;
} buyer_ctx;

/*
 * Pseudonym of a buyer id: "h1:" + hex(BLAKE2b-128 keyed with the store secret)
 * of the platform and the id. The platform is part of the input because each
 * platform chooses its own ids: the same string on two platforms is two people,
 * and must not look like one.
 */
static ty_err buyer_hash(void *ctx, const char *id, size_t n, char out[80])
{
    const buyer_ctx *b = ctx;
    unsigned char h[16], p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)((uint64_t)b->platform >> (8 * i));
    crypto_generichash_state hs;
    if (crypto_generichash_init(&hs, b->st->secret, sizeof b->st->secret, sizeof h) != 0 ||
        crypto_generichash_update(&hs, p, sizeof p) != 0 ||
        crypto_generichash_update(&hs, (const unsigned char *)id, n) != 0 ||
        crypto_generichash_final(&hs, h, sizeof h) != 0)
        return TY_ECRYPTO;
    memcpy(out, "h1:", 3);
    sodium_bin2hex(out + 3, 80 - 3, h, sizeof h);
    return TY_OK;
}

/* Keyed SipHash-2-4 of (platform, type, id): the duplicate-index key. */
static uint64_t event_key(const ty_store *st, int64_t platform, int type, const char *id, size_t n)
{
    unsigned char msg[8 + 1 + 256];
    uint64_t p = (uint64_t)platform;
    for (int i = 0; i < 8; i++)
        msg[i] = (unsigned char)(p >> (8 * i));
    msg[8] = (unsigned char)type;
    if (n > 256)
        n = 256; /* ids are at most 128 bytes; the stored row is compared anyway */
    memcpy(msg + 9, id, n);
    unsigned char h[8];
    crypto_shorthash(h, msg, 9 + n, st->dedup_key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

/* Is the event at seq the same (platform, type, id)? *same is 0 (no), TY_DUP_SAME
 * or TY_DUP_CONFLICT (same identity, other content). */
static ty_err same_event(ty_store *st, int64_t seq, int64_t platform, int type, const char *id,
                         size_t n, const char *body, size_t bn, int *same)
{
    sqlite3_stmt *s = st->st[ST_EVENT_KEY];
    sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    *same = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *rid = sqlite3_column_text(s, 2);
        if (sqlite3_column_int64(s, 0) == platform && sqlite3_column_int(s, 1) == type &&
            (size_t)sqlite3_column_bytes(s, 2) == n && memcmp(rid, id, n) == 0) {
            const void *stored = sqlite3_column_blob(s, 3);
            size_t sn = (size_t)sqlite3_column_bytes(s, 3);
            *same = sn == bn && (bn == 0 || memcmp(stored, body, bn) == 0) ? TY_DUP_SAME
                                                                           : TY_DUP_CONFLICT;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

/* Appends the text of a top-level field (when present) to the arena as row string k. */
static ty_err row_field(ty_event_row *row, int k, const ty_record *r, int fi, ty_buf *arena)
{
    if (fi < 0 || !r->top[fi].present)
        return TY_OK;
    size_t n;
    const char *v = ty_value_str(r, &r->top[fi], &n);
    row->has[k] = 1;
    row->off[k] = (uint32_t)arena->len;
    row->len[k] = (uint32_t)n;
    return ty_buf_append(arena, v, n);
}

static int field_of(const ty_record *r, const char *name)
{
    return ty_schema_field(r->schema, name, strlen(name));
}

ty_err ty_store_prepare_row(const ty_store *st, int64_t platform, const ty_record *r, ty_buf *arena,
                            ty_event_row *row)
{
    memset(row, 0, sizeof *row);
    int type = r->schema->type;
    row->line = r->line;
    size_t idn;
    const char *id = ty_record_id(r, &idn);
    row->type = type;
    row->ts = r->top[TY_F_TIME].i;
    row->tz = r->top[TY_F_TIME].offset;
    row->key_hash = event_key(st, platform, type, id, idn);
    TY_TRY(row_field(row, TY_ROW_RID, r, TY_F_ID, arena));

    /* the sku an event is about, when it names exactly one (first item or product) */
    if (type == TY_REC_ORDER || type == TY_REC_ADVERSE_EVENT) {
        int fi = field_of(r, type == TY_REC_ORDER ? "items" : "products");
        const ty_value *v = &r->top[fi];
        if (v->count >= 1) {
            const ty_value *sku = ty_object_field(r, &r->schema->fields[fi], v, 0, 0);
            if (sku->present) {
                size_t n;
                const char *t = ty_value_str(r, sku, &n);
                row->has[TY_ROW_SKU] = 1;
                row->off[TY_ROW_SKU] = (uint32_t)arena->len;
                row->len[TY_ROW_SKU] = (uint32_t)n;
                TY_TRY(ty_buf_append(arena, t, n));
            }
        }
    } else {
        TY_TRY(row_field(row, TY_ROW_SKU, r, field_of(r, "sku"), arena));
    }
    TY_TRY(row_field(row, TY_ROW_MERCHANT, r, field_of(r, "merchant_id"), arena));
    if (type == TY_REC_PRODUCT) {
        TY_TRY(row_field(row, TY_ROW_P1, r, field_of(r, "brand"), arena));
        TY_TRY(row_field(row, TY_ROW_P2, r, field_of(r, "title"), arena));
        TY_TRY(row_field(row, TY_ROW_P3, r, field_of(r, "origin_country"), arena));
    } else if (type == TY_REC_MERCHANT) {
        TY_TRY(row_field(row, TY_ROW_P1, r, field_of(r, "name"), arena));
        TY_TRY(row_field(row, TY_ROW_P2, r, field_of(r, "country"), arena));
    }
    row->off[TY_ROW_BODY] = (uint32_t)arena->len;
    buyer_ctx bc = {st, platform};
    TY_TRY(ty_record_to_json(r, buyer_hash, &bc, arena));
    row->has[TY_ROW_BODY] = 1;
    row->len[TY_ROW_BODY] = (uint32_t)(arena->len - row->off[TY_ROW_BODY]);
    return TY_OK;
}

static void bind_row(sqlite3_stmt *s, int col, const ty_event_row *row, int k, const char *arena)
{
    if (row->has[k])
        sqlite3_bind_text(s, col, arena + row->off[k], (int)row->len[k], SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

/* Versions and current state of products and merchants. */
static ty_err project(ty_store *st, int64_t platform, const ty_event_row *row, const char *arena,
                      int64_t seq)
{
    int product = row->type == TY_REC_PRODUCT;
    sqlite3_stmt *s = st->st[product ? ST_PRODUCT_VERSION : ST_MERCHANT_VERSION];
    int key = product ? TY_ROW_SKU : TY_ROW_MERCHANT;
    sqlite3_bind_int64(s, 1, platform);
    bind_row(s, 2, row, key, arena);
    sqlite3_bind_int64(s, 3, row->ts);
    sqlite3_bind_int64(s, 4, seq);
    TY_TRY(step_done(s));

    s = st->st[product ? ST_PRODUCT_UPSERT : ST_MERCHANT_UPSERT];
    sqlite3_bind_int64(s, 1, platform);
    bind_row(s, 2, row, key, arena);
    sqlite3_bind_int64(s, 3, seq);
    sqlite3_bind_int64(s, 4, row->ts);
    bind_row(s, 5, row, TY_ROW_P1, arena);
    bind_row(s, 6, row, TY_ROW_P2, arena);
    if (product) {
        bind_row(s, 7, row, TY_ROW_P3, arena);
        bind_row(s, 8, row, TY_ROW_MERCHANT, arena);
    }
    return step_done(s);
}

ty_err ty_store_add_row(ty_store *st, int64_t platform, int64_t batch, const ty_event_row *row,
                        const char *arena, int *dup)
{
    if (!st->in_txn || st->no_index)
        return TY_EINVAL;
    const char *id = arena + row->off[TY_ROW_RID];
    size_t idn = row->len[TY_ROW_RID];
    uint64_t pos = UINT64_MAX;
    int64_t cand;
    while (ty_hashidx_next(&st->dedup, row->key_hash, &pos, &cand)) {
        int same;
        TY_TRY(same_event(st, cand, platform, row->type, id, idn, arena + row->off[TY_ROW_BODY],
                          row->len[TY_ROW_BODY], &same));
        if (same) {
            *dup = same;
            return TY_OK;
        }
    }
    *dup = 0;
    int64_t seq = st->max_seq + 1;
    sqlite3_stmt *s = st->st[ST_EVENT_INSERT];
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, platform);
    sqlite3_bind_int(s, 3, row->type);
    sqlite3_bind_int64(s, 4, (int64_t)row->key_hash);
    sqlite3_bind_int64(s, 5, row->ts);
    sqlite3_bind_int(s, 6, row->tz);
    sqlite3_bind_int64(s, 7, ty_now_ms());
    sqlite3_bind_int64(s, 8, batch);
    bind_row(s, 9, row, TY_ROW_RID, arena);
    bind_row(s, 10, row, TY_ROW_SKU, arena);
    bind_row(s, 11, row, TY_ROW_MERCHANT, arena);
    bind_row(s, 12, row, TY_ROW_BODY, arena);
    TY_TRY(step_done(s));
    if (row->type == TY_REC_PRODUCT || row->type == TY_REC_MERCHANT)
        TY_TRY(project(st, platform, row, arena, seq));
    if (ty_hashidx_insert(&st->dedup, row->key_hash, seq) != TY_OK) {
        st->index_bad = 1;
        return TY_ENOMEM;
    }
    st->max_seq = seq;
    if (st->ntxn == st->captxn) {
        size_t cap = st->captxn ? st->captxn * 2 : 16384;
        ty_hashidx_slot *k = realloc(st->txn_keys, cap * sizeof *k);
        if (!k) {
            st->index_bad = 1; /* a rollback could not take it back out */
            return TY_OK;
        }
        st->txn_keys = k;
        st->captxn = cap;
    }
    st->txn_keys[st->ntxn].hash = row->key_hash;
    st->txn_keys[st->ntxn].seq = seq;
    st->ntxn++;
    return TY_OK;
}

ty_err ty_store_add(ty_store *st, int64_t platform, int64_t batch, const ty_record *r, int *dup)
{
    ty_event_row row;
    ty_buf_reset(&st->body);
    TY_TRY(ty_store_prepare_row(st, platform, r, &st->body, &row));
    return ty_store_add_row(st, platform, batch, &row, st->body.data, dup);
}
