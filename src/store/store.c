/*
 * store.c - opening the embedded store: SQLite settings, migrations, the keys,
 * and the in-memory duplicate index.
 *
 * Settings and why:
 *  - journal_mode=WAL: readers never block the writer, and a commit is one
 *    sequential append to the log.
 *  - synchronous=FULL: in WAL mode this fsyncs the log at every commit, which
 *    is what makes "accepted" mean "on disk" (NORMAL could lose the last
 *    commits on power failure).
 *  - No secondary index on events: uniqueness is checked against the
 *    in-memory index (hashidx.h), so each insert is an append at the end of the
 *    table's B-tree, whatever the ids look like.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migrations.h"
#include "snapshot.h"
#include "store_impl.h"

ty_err store_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return TY_OK;
    case SQLITE_NOMEM:
        return TY_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return TY_EBUSY;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
        return TY_EIO;
    case SQLITE_CONSTRAINT:
        return TY_EDUP;
    default:
        return TY_ESTORE;
    }
}

const char *ty_store_errmsg(ty_store *st)
{
    return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

static ty_err exec(ty_store *st, const char *sql)
{
    return store_err(sqlite3_exec(st->db, sql, NULL, NULL, NULL));
}

static ty_err query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? TY_OK : rc == SQLITE_DONE ? TY_ENOENT : store_err(rc);
}

ty_err ty_store_query_int(ty_store *st, const char *sql, int64_t *out)
{
    return query_int(st->db, sql, out);
}

static ty_err migrate(ty_store *st, char *err, size_t errn)
{
    for (;;) {
        int64_t v;
        TY_TRY(query_int(st->db, "PRAGMA user_version", &v));
        if (v > store_migration_count()) {
            snprintf(err, errn, "the store has schema version %lld; this program knows up to %d",
                     (long long)v, store_migration_count());
            return TY_ESCHEMA;
        }
        if (v == store_migration_count())
            return TY_OK;
        TY_TRY(exec(st, "BEGIN IMMEDIATE"));
        int64_t again;
        ty_err e = query_int(st->db, "PRAGMA user_version", &again);
        if (e == TY_OK && again == v) {
            e = exec(st, store_migration((int)v));
            if (e == TY_OK) {
                char sql[64];
                snprintf(sql, sizeof sql, "PRAGMA user_version=%lld", (long long)v + 1);
                e = exec(st, sql);
            }
        }
        if (e == TY_OK)
            e = exec(st, "COMMIT");
        if (e != TY_OK) {
            snprintf(err, errn, "migration to schema version %lld failed: %s", (long long)v + 1,
                     sqlite3_errmsg(st->db));
            exec(st, "ROLLBACK");
            return e;
        }
    }
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int from_hex(const char *s, unsigned char *b, size_t n)
{
    size_t got = 0;
    return sodium_hex2bin(b, n, s, strlen(s), NULL, &got, NULL) == 0 && got == n;
}

/* meta value for key, or create it from init when missing. */
static ty_err meta_get_or_set(ty_store *st, const char *key, const char *init, char *out,
                              size_t outn)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)", -1,
                                &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, init, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_err(rc);
    rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        snprintf(out, outn, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? TY_OK : store_err(rc);
}

/*
 * The pseudonym key lives in its own file, never in the database: a copy of the
 * database alone cannot be used to test guesses of buyer ids. Created once with
 * mode 0600 (write to a temporary file, fsync, then link() so that two
 * processes racing to create it agree on one key).
 */
static ty_err load_secret(ty_store *st, const char *path, char *err, size_t errn)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        unsigned char k[32];
        char hex[65], tmp[4096];
        randombytes_buf(k, sizeof k);
        to_hex(k, sizeof k, hex);
        hex[64] = '\n';
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
        int w = mkstemp(tmp); /* 0600, a fresh name: a stale temporary cannot block us */
        if (w < 0) {
            snprintf(err, errn, "cannot create a key file next to %s: %s", path, strerror(errno));
            return TY_EIO;
        }
        int ok = write(w, hex, 65) == 65 && fsync(w) == 0;
        close(w);
        sodium_memzero(k, sizeof k);
        sodium_memzero(hex, sizeof hex);
        if (!ok || (link(tmp, path) != 0 && errno != EEXIST)) {
            snprintf(err, errn, "cannot write key file %s: %s", path, strerror(errno));
            unlink(tmp);
            return TY_EIO;
        }
        unlink(tmp);
        /* The database will record this key's fingerprint and be fsynced; the link
         * must be as durable, or a crash could leave a store whose key is gone. */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0) {
            snprintf(err, errn, "cannot make key file %s durable: %s", path, strerror(errno));
            if (dfd >= 0)
                close(dfd);
            return TY_EIO;
        }
        close(dfd);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf(err, errn, "cannot open key file %s: %s", path, strerror(errno));
        return TY_EIO;
    }
    struct stat sb;
    char hex[80];
    ssize_t n = -1;
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errn, "cannot stat key file %s: %s", path, strerror(errno));
        close(fd);
        return TY_EIO;
    }
    if ((sb.st_mode & 077) == 0)
        n = read(fd, hex, sizeof hex - 1);
    close(fd);
    if ((sb.st_mode & 077) != 0) {
        snprintf(err, errn, "key file %s is readable by others; chmod 600 it", path);
        return TY_ECRYPTO;
    }
    if (n < 64) {
        snprintf(err, errn, "key file %s is truncated", path);
        return TY_ECRYPTO;
    }
    hex[64] = '\0';
    if (!from_hex(hex, st->secret, sizeof st->secret)) {
        snprintf(err, errn, "key file %s does not hold a 64-digit hex key", path);
        return TY_ECRYPTO;
    }
    /* The database remembers which key it was used with. */
    unsigned char fp[16];
    char fphex[33], stored[80];
    crypto_generichash(fp, sizeof fp, (const unsigned char *)"tianyan key fingerprint", 23,
                       st->secret, sizeof st->secret);
    to_hex(fp, sizeof fp, fphex);
    TY_TRY(meta_get_or_set(st, "secret_fingerprint", fphex, stored, sizeof stored));
    if (strcmp(stored, fphex) != 0) {
        snprintf(err, errn,
                 "key file %s is not the key this store was created with (pseudonyms would no "
                 "longer match); restore the original key file",
                 path);
        return TY_ECRYPTO;
    }
    return TY_OK;
}

/* Does the index hold (key_hash of seq) -> seq for a few seqs up to upto?
 * Guards against a snapshot of a copied-and-diverged database. */
static int index_agrees(ty_store *st, int64_t upto)
{
    if (upto < 1)
        return 1;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT key_hash FROM events WHERE seq = ?", -1, &s, NULL) !=
        SQLITE_OK)
        return 0;
    int ok = 1;
    for (int k = 0; k < 64 && ok; k++) {
        int64_t seq =
            k == 0 ? upto : 1 + (int64_t)(randombytes_uniform(UINT32_MAX) % (uint64_t)upto);
        sqlite3_bind_int64(s, 1, seq);
        if (sqlite3_step(s) == SQLITE_ROW) {
            uint64_t h = (uint64_t)sqlite3_column_int64(s, 0), pos = UINT64_MAX;
            int64_t cand;
            int found = 0;
            while (!found && ty_hashidx_next(&st->dedup, h, &pos, &cand))
                found = cand == seq;
            ok = found;
        } /* a missing row (deleted by retention) proves nothing either way */
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return ok;
}

/* Fills the index at open: from the snapshot when there is a good one, then
 * from the table for everything after it. */
static ty_err load_index(ty_store *st, int64_t db_max)
{
    int64_t snap_max = 0;
    ty_err e = snapshot_read(&st->dedup, st->snap_path, st->store_id, db_max, &snap_max);
    if (e == TY_OK && index_agrees(st, snap_max)) {
        st->max_seq = snap_max;
        st->snap_seq = snap_max;
        st->loaded_snap = snap_max;
    } else {
        ty_hashidx_clear(&st->dedup);
        st->max_seq = 0;
        st->snap_seq = -1;
    }
    return store_catch_up(st);
}

ty_err store_catch_up(ty_store *st)
{
    sqlite3_stmt *s = st->st[ST_CATCHUP];
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, st->max_seq);
    enum { RUN = 4096 };
    uint64_t hash[RUN];
    int64_t seq[RUN];
    size_t n = 0;
    int rc;
    ty_err e = TY_OK;
    /* max_seq moves only past rows that are in the index: a failure half-way
     * (no memory to grow the table) must not leave rows behind it unindexed */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        seq[n] = sqlite3_column_int64(s, 0);
        hash[n] = (uint64_t)sqlite3_column_int64(s, 1);
        if (++n == RUN) {
            if ((e = ty_hashidx_insert_many(&st->dedup, hash, seq, n)) != TY_OK)
                break;
            st->max_seq = seq[n - 1];
            n = 0;
        }
    }
    if (e == TY_OK && n) {
        e = ty_hashidx_insert_many(&st->dedup, hash, seq, n);
        if (e == TY_OK)
            st->max_seq = seq[n - 1];
    }
    sqlite3_reset(s);
    if (e == TY_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        e = store_err(rc);
    if (e != TY_OK) {
        st->index_bad = 1; /* rebuilt whole before the next write */
        return e;
    }
    st->committed_seq = st->max_seq;
    return TY_OK;
}

/* Entries to size the index for: room for a quarter more than the store holds,
 * and never fewer than 700,000 (2^20 slots, 16 MiB) so that a new store does
 * not rehash its way up while a first large feed arrives. */
static uint64_t index_size(int64_t events)
{
    uint64_t want = (uint64_t)events + (uint64_t)events / 4;
    return want < 700000 ? 700000 : want;
}

ty_err ty_store_open(ty_store **out, const ty_store_opts *o, char *err, size_t errn)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errn = sizeof dummy;
    }
    err[0] = '\0';
    if (sodium_init() < 0) {
        snprintf(err, errn, "libsodium failed to initialise");
        return TY_ECRYPTO;
    }
    ty_store *st = calloc(1, sizeof *st);
    if (!st)
        return TY_ENOMEM;
    ty_buf_init(&st->body, 1 << 20);
    ty_err e = TY_OK;
    int rc = sqlite3_open_v2(
        o->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errn, "cannot open %s: %s", o->path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        e = store_err(rc);
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-%lld;"
             "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;",
             (long long)(o->cache_mib > 0 ? o->cache_mib : 64) * 1024);
    if ((e = exec(st, pragmas)) != TY_OK) {
        snprintf(err, errn, "cannot configure %s: %s", o->path, sqlite3_errmsg(st->db));
        goto fail;
    }
    if ((e = migrate(st, err, errn)) != TY_OK)
        goto fail;

    unsigned char k[crypto_shorthash_KEYBYTES];
    char khex[2 * sizeof k + 1], stored[80];
    randombytes_buf(k, sizeof k);
    to_hex(k, sizeof k, khex);
    if ((e = meta_get_or_set(st, "dedup_key", khex, stored, sizeof stored)) != TY_OK ||
        !from_hex(stored, st->dedup_key, sizeof st->dedup_key)) {
        snprintf(err, errn, "cannot read the store's dedup key: %s", sqlite3_errmsg(st->db));
        e = e ? e : TY_ESTORE;
        goto fail;
    }
    randombytes_buf(k, sizeof k);
    to_hex(k, sizeof k, khex);
    if ((e = meta_get_or_set(st, "store_id", khex, stored, sizeof stored)) != TY_OK ||
        !from_hex(stored, st->store_id, sizeof st->store_id)) {
        snprintf(err, errn, "cannot read the store's id: %s", sqlite3_errmsg(st->db));
        e = e ? e : TY_ESTORE;
        goto fail;
    }
    size_t pl = strlen(o->path) + 8;
    st->snap_path = malloc(pl);
    if (!st->snap_path) {
        e = TY_ENOMEM;
        goto fail;
    }
    snprintf(st->snap_path, pl, "%s.dedup", o->path);
    pl = strlen(o->path) + 16;
    if (!(st->audit_head_path = malloc(pl))) {
        e = TY_ENOMEM;
        goto fail;
    }
    snprintf(st->audit_head_path, pl, "%s.audit-head", o->path);
    char keypath[4096];
    if (o->key_path)
        snprintf(keypath, sizeof keypath, "%s", o->key_path);
    else
        snprintf(keypath, sizeof keypath, "%s.key", o->path);
    if ((e = load_secret(st, keypath, err, errn)) != TY_OK)
        goto fail;
    if ((e = store_prepare(st)) != TY_OK) {
        snprintf(err, errn, "cannot prepare statements: %s", sqlite3_errmsg(st->db));
        goto fail;
    }
    int64_t n = 0;
    /* seq runs 1..max without gaps that matter here: max(seq) sizes the index
     * in O(log n), where count(*) would read the whole table */
    st->no_index = o->no_event_index;
    if (st->no_index) {
        /* nothing to load: this handle never checks new events */
    } else if ((e = query_int(st->db, "SELECT coalesce(max(seq), 0) FROM events", &n)) != TY_OK ||
               (e = ty_hashidx_init(&st->dedup, index_size(n))) != TY_OK ||
               (e = load_index(st, n)) != TY_OK) {
        snprintf(err, errn, "cannot load the event index: %s", sqlite3_errmsg(st->db));
        goto fail;
    }
    *out = st;
    return TY_OK;
fail:
    ty_store_close(&st);
    return e;
}

void ty_store_index_info(ty_store *st, ty_index_info *info)
{
    info->entries = st->dedup.count;
    info->bytes = ty_hashidx_bytes(&st->dedup);
    info->from_snapshot = st->loaded_snap > 0;
    info->snapshot_seq = st->loaded_snap;
}

int ty_store_schema_version(ty_store *st)
{
    int64_t v = 0;
    query_int(st->db, "PRAGMA user_version", &v);
    return (int)v;
}

int64_t ty_store_event_count(ty_store *st)
{
    int64_t v = 0;
    query_int(st->db, "SELECT count(*) FROM events", &v);
    return v;
}

void ty_store_close(ty_store **pst)
{
    ty_store *st = *pst;
    if (!st)
        return;
    if (st->in_txn)
        ty_store_rollback(st);
    /* Save the index for a fast next open, unless it is what was loaded. Only
     * committed events are in it now (no transaction is open). */
    if (st->db && st->snap_path && st->dedup.slot && st->max_seq != st->snap_seq && st->max_seq > 0)
        snapshot_write(&st->dedup, st->snap_path, st->store_id, st->max_seq);
    free(st->snap_path);
    free(st->audit_head_path);
    free(st->txn_keys);
    store_warnings_close(st);
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(st->st[i]);
    if (st->db)
        sqlite3_close_v2(st->db);
    ty_hashidx_free(&st->dedup);
    ty_buf_free(&st->body);
    sodium_memzero(st->secret, sizeof st->secret);
    free(st);
    *pst = NULL;
}

ty_err ty_store_platform(ty_store *st, const char *code, int create, int64_t *id)
{
    sqlite3_stmt *s;
    int rc;
    if (create) {
        rc = sqlite3_prepare_v2(
            st->db, "INSERT OR IGNORE INTO platforms(code, created) VALUES(?, ?)", -1, &s, NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
        sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL) * 1000);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return store_err(rc);
    }
    rc = sqlite3_prepare_v2(st->db, "SELECT id FROM platforms WHERE code = ?", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? TY_OK : rc == SQLITE_DONE ? TY_ENOENT : store_err(rc);
}

ty_err ty_store_platform_add(ty_store *st, const char *code, const char *name, int64_t *id,
                             int *created)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(
        st->db, "INSERT OR IGNORE INTO platforms(code, name, created) VALUES(?, ?, ?)", -1, &s,
        NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    if (name)
        sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL) * 1000);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_err(rc);
    *created = sqlite3_changes(st->db) > 0;
    return ty_store_platform(st, code, 0, id);
}

ty_err ty_store_platforms(ty_store *st, ty_err (*fn)(void *ctx, const ty_platform_row *p),
                          void *ctx)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT id, code, name FROM platforms ORDER BY code", -1,
                                &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_platform_row p = {sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
                             (const char *)sqlite3_column_text(s, 2)};
        e = fn(ctx, &p);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}
