/*
 * reference.c - the reference tables: importing the rows the readers of
 * refcodec.h deliver (CosIng Annex II / III substances, Safety Gate alerts), and
 * the look-ups the risk engine makes in them (see reference.h).
 *
 * Identity (why an import can be repeated):
 *  - a CosIng row is identified by row_hash, BLAKE2b-256 over the annex and every
 *    normalised field, each preceded by its length (so no two different rows hash
 *    the same bytes). It is inserted with ON CONFLICT(row_hash) DO NOTHING: a row
 *    already stored, or repeated within the file, is counted unchanged. Only a row
 *    inserted now gets its CAS / EC numbers added to ref_substance_ids and its
 *    names to ref_substance_names.
 *  - a Safety Gate alert is keyed by its alert number; row_hash over every field
 *    tells an unchanged alert from an updated one.
 *
 * One transaction per file (ty_store_begin ... ty_store_commit): a crash or any
 * error leaves the tables as they were before the import.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_impl.h"
#include "tianyan/refcodec.h"
#include "tianyan/io.h"
#include "tianyan/reference.h"
#include "tianyan/timeutil.h"

enum {
    Q_SUB_INSERT,
    Q_ID_INSERT,
    Q_NAME_INSERT,
    Q_ALERT_HASH,
    Q_ALERT_INSERT,
    Q_ALERT_UPDATE,
    Q__COUNT
};

static const char *const import_sql[Q__COUNT] = {
    /* ?1 annex, ?2..?18 the fields of sub_fields, ?19 row_hash, ?20 imported */
    [Q_SUB_INSERT] = "INSERT INTO ref_substances(annex, ref_no, name, group_name, cas, ec, "
                     "group_cas, group_ec, formula, product_types, max_conc, min_conc, "
                     "restrictions, qualifiers, expressed_as, warnings, functions, notes, "
                     "row_hash, imported) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                     "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) "
                     "ON CONFLICT(row_hash) DO NOTHING",
    [Q_ID_INSERT] = "INSERT OR IGNORE INTO ref_substance_ids(kind, value, substance) "
                    "VALUES(?, ?, ?)",
    [Q_NAME_INSERT] = "INSERT OR IGNORE INTO ref_substance_names(name, substance) VALUES(?, ?)",
    [Q_ALERT_HASH] = "SELECT row_hash FROM ref_alerts WHERE alert_number = ?",
    /* ?1..?13 the fields in ty_alert_field order, ?14 row_hash, ?15 imported */
    [Q_ALERT_INSERT] = "INSERT INTO ref_alerts(alert_number, product_name, category, brand, "
                       "description, alert_type, origin_country, risk_type, risk_description, "
                       "measures, notifying_country, recall_code, production_dates, row_hash, "
                       "imported) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                       "?13, ?14, ?15)",
    [Q_ALERT_UPDATE] = "UPDATE ref_alerts SET product_name = ?2, category = ?3, brand = ?4, "
                       "description = ?5, alert_type = ?6, origin_country = ?7, risk_type = "
                       "?8, risk_description = ?9, measures = ?10, notifying_country = ?11, "
                       "recall_code = ?12, production_dates = ?13, row_hash = ?14, imported = "
                       "?15 WHERE alert_number = ?1",
};

/* The fields bound as ?2..?18 of Q_SUB_INSERT, in its column order. */
static const ty_cosing_field sub_fields[] = {
    TY_CS_REF_NO,    TY_CS_NAME,         TY_CS_GROUP_NAME, TY_CS_CAS,           TY_CS_EC,
    TY_CS_GROUP_CAS, TY_CS_GROUP_EC,     TY_CS_FORMULA,    TY_CS_PRODUCT_TYPES, TY_CS_MAX_CONC,
    TY_CS_MIN_CONC,  TY_CS_RESTRICTIONS, TY_CS_QUALIFIERS, TY_CS_EXPRESSED_AS,  TY_CS_WARNINGS,
    TY_CS_FUNCTIONS, TY_CS_NOTES,
};
_Static_assert(sizeof sub_fields / sizeof sub_fields[0] == TY_CS__COUNT,
               "every CosIng field is stored");

#define HASH_BYTES 32 /* BLAKE2b-256 */

typedef struct ref_import {
    ty_store *st;
    ty_ref_format fmt;
    ty_ref_report *rep;
    sqlite3_stmt *q[Q__COUNT];
    int64_t now;
} ref_import;

/* Length (8 bytes, little-endian) then the bytes: unambiguous concatenation. */
static void hash_part(crypto_generichash_state *h, const char *s, size_t n)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (8 * i));
    crypto_generichash_update(h, len, sizeof len);
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

/* Hash of a row's content; tag names the format and its normalisation version,
 * so a later change of either cannot match old rows by accident. */
static void row_hash(const char *tag, const ty_ref_row *row, char hex[2 * HASH_BYTES + 1])
{
    crypto_generichash_state h;
    unsigned char out[HASH_BYTES];
    crypto_generichash_init(&h, NULL, 0, sizeof out);
    hash_part(&h, tag, strlen(tag));
    hash_part(&h, row->annex ? row->annex : "", row->annex ? strlen(row->annex) : 0);
    for (size_t f = 0; f < row->nfields; f++)
        hash_part(&h, row->field[f], row->len[f]);
    crypto_generichash_final(&h, out, sizeof out);
    sodium_bin2hex(hex, 2 * HASH_BYTES + 1, out, sizeof out);
}

/* Binds a field: NULL when empty, so that "absent" reads as NULL in SQL. */
static void bind_field(sqlite3_stmt *s, int i, const ty_ref_row *row, size_t f)
{
    if (row->len[f] == 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, row->field[f], (int)row->len[f], SQLITE_STATIC);
}

/* Steps a statement that returns no row, and resets it. */
static ty_err step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

static ty_err add_substance(ref_import *im, const ty_ref_row *row)
{
    char hash[2 * HASH_BYTES + 1];
    row_hash("tianyan cosing 1", row, hash);
    sqlite3_stmt *s = im->q[Q_SUB_INSERT];
    sqlite3_bind_text(s, 1, row->annex, -1, SQLITE_STATIC);
    for (size_t k = 0; k < TY_CS__COUNT; k++)
        bind_field(s, (int)k + 2, row, sub_fields[k]);
    if (row->len[TY_CS_REF_NO] == 0) /* NOT NULL: an entry without a number is "" */
        sqlite3_bind_text(s, 2, "", 0, SQLITE_STATIC);
    sqlite3_bind_text(s, 19, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 20, im->now);
    TY_TRY(step_done(s));
    if (sqlite3_changes(im->st->db) == 0) {
        im->rep->unchanged++;
        return TY_OK;
    }
    im->rep->inserted++;
    int64_t id = sqlite3_last_insert_rowid(im->st->db);
    s = im->q[Q_ID_INSERT];
    for (size_t i = 0; i < row->nids; i++) {
        sqlite3_bind_text(s, 1, row->ids[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, row->ids[i].value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, id);
        TY_TRY(step_done(s));
    }
    s = im->q[Q_NAME_INSERT];
    for (size_t i = 0; i < row->nnames; i++) {
        sqlite3_bind_text(s, 1, row->names[i].s, (int)row->names[i].n, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, id);
        TY_TRY(step_done(s));
    }
    return TY_OK;
}

static ty_err add_alert(ref_import *im, const ty_ref_row *row)
{
    char hash[2 * HASH_BYTES + 1];
    row_hash("tianyan safety-gate 1", row, hash);
    sqlite3_stmt *s = im->q[Q_ALERT_HASH];
    sqlite3_bind_text(s, 1, row->field[TY_SG_ALERT_NUMBER], (int)row->len[TY_SG_ALERT_NUMBER],
                      SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int found = rc == SQLITE_ROW;
    int same = found && strcmp((const char *)sqlite3_column_text(s, 0), hash) == 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_err(rc);
    if (same) {
        im->rep->unchanged++;
        return TY_OK;
    }
    s = im->q[found ? Q_ALERT_UPDATE : Q_ALERT_INSERT];
    for (size_t f = 0; f < TY_SG__COUNT; f++)
        bind_field(s, (int)f + 1, row, f);
    sqlite3_bind_text(s, 14, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 15, im->now);
    TY_TRY(step_done(s));
    if (found)
        im->rep->updated++;
    else
        im->rep->inserted++;
    return TY_OK;
}

static ty_err on_row(void *ctx, const ty_ref_row *row)
{
    ref_import *im = ctx;
    return im->fmt == TY_REF_COSING ? add_substance(im, row) : add_alert(im, row);
}

static ty_err on_reject(void *ctx, const ty_reject *rej)
{
    ref_import *im = ctx;
    ty_ref_report *rep = im->rep;
    rep->rejected++;
    if (rep->nerrors < sizeof rep->errors / sizeof rep->errors[0])
        rep->errors[rep->nerrors++] = *rej;
    return TY_OK;
}

static ty_err feed_cb(void *ctx, const void *p, size_t n)
{
    return ty_ref_reader_feed(ctx, p, n);
}

/* Reads fd to its end through the reader. */
static ty_err read_all(int fd, ty_ref_reader *rd)
{
    ty_err e = ty_read_fd(fd, 1 << 18, feed_cb, rd);
    return e == TY_OK ? ty_ref_reader_finish(rd) : e;
}

ty_err ty_ref_import_path(ty_store *st, ty_ref_format f, const char *path, ty_ref_report *rep)
{
    memset(rep, 0, sizeof *rep);
    ref_import im = {.st = st, .fmt = f, .rep = rep, .now = ty_now_ms()};
    ty_ref_sink sink = {on_row, on_reject, &im};
    ty_ref_reader *rd = NULL;
    ty_err e = ty_ref_reader_new(&rd, f, &sink);
    if (e != TY_OK)
        return e;
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno == ENOENT ? TY_ENOENT : TY_EIO;
        ty_ref_reader_free(&rd);
        return e;
    }
    for (int i = 0; i < Q__COUNT && e == TY_OK; i++)
        e = store_err(sqlite3_prepare_v2(st->db, import_sql[i], -1, &im.q[i], NULL));
    int began = 0;
    if (e == TY_OK && (e = ty_store_begin(st)) == TY_OK)
        began = 1;
    if (e == TY_OK)
        e = read_all(fd, rd);
    /* the reference tables changed: engines rebuild their matcher (ty_ref_version) */
    if (e == TY_OK && rep->inserted + rep->updated > 0)
        e = store_err(sqlite3_exec(st->db,
                                   "INSERT INTO meta(key, value) VALUES('ref_version', '1') "
                                   "ON CONFLICT(key) DO UPDATE SET value = "
                                   "CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
                                   NULL, NULL, NULL));
    rep->rows = ty_ref_reader_rows(rd);
    snprintf(rep->source, sizeof rep->source, "%s", ty_ref_reader_source(rd));
    if (began) {
        if (e == TY_OK)
            e = ty_store_commit(st); /* rolls back itself when it fails */
        else
            ty_store_rollback(st);
    }
    if (e != TY_OK) {
        rep->inserted = rep->updated = rep->unchanged = 0;
    }
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(im.q[i]);
    if (fd > 0)
        close(fd);
    ty_ref_reader_free(&rd);
    return e;
}

ty_err ty_ref_count(ty_store *st, const char *table, int64_t *n)
{
    /* a fixed statement per allowed table: the name never reaches SQL */
    static const struct {
        const char *table;
        const char *sql;
    } counts[] = {
        {"ref_substances", "SELECT count(*) FROM ref_substances"},
        {"ref_substance_ids", "SELECT count(*) FROM ref_substance_ids"},
        {"ref_substance_names", "SELECT count(*) FROM ref_substance_names"},
        {"ref_alerts", "SELECT count(*) FROM ref_alerts"},
    };
    for (size_t i = 0; table && i < sizeof counts / sizeof counts[0]; i++)
        if (strcmp(table, counts[i].table) == 0)
            return ty_store_query_int(st, counts[i].sql, n);
    return TY_EINVAL;
}

/* ------------------------------------------------------------ look-ups */

/* The columns of ty_ref_substance, in its order; DISTINCT over them merges the
 * rows of one group entry (they differ only in the compound they list). */
#define ENTRY_COLS                                                                      \
    "s.annex, s.ref_no, s.name, s.cas, s.ec, s.product_types, s.max_conc, s.min_conc, " \
    "s.restrictions, s.warnings, s.notes"
#define ENTRY_ORDER " ORDER BY s.annex, CAST(s.ref_no AS INTEGER), s.ref_no, s.product_types"

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* Runs a prepared look-up (already bound) and hands each row to fn. */
static ty_err run_lookup(sqlite3_stmt *s, ty_ref_substance_fn fn, void *ctx)
{
    ty_err e = TY_ENOENT;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_ref_substance r = {
            col_text(s, 0), col_text(s, 1), col_text(s, 2),  col_text(s, 3),
            col_text(s, 4), col_text(s, 5), col_text(s, 6),  col_text(s, 7),
            col_text(s, 8), col_text(s, 9), col_text(s, 10),
        };
        e = fn(ctx, &r);
        if (e != TY_OK)
            break;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_err(rc);
    return e;
}

static ty_err by_id(ty_store *st, const char *kind, const char *value, ty_ref_substance_fn fn,
                    void *ctx)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT DISTINCT " ENTRY_COLS " FROM ref_substance_ids i "
                                "JOIN ref_substances s ON s.id = i.substance "
                                "WHERE i.kind = ? AND i.value = ?" ENTRY_ORDER,
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    return run_lookup(s, fn, ctx);
}

/* s without surrounding white space: *n bytes from the returned pointer. */
static const char *trimmed(const char *s, size_t *n)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t len = strlen(s);
    while (len &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    *n = len;
    return s;
}

ty_err ty_ref_substance_by_cas(ty_store *st, const char *cas, ty_ref_substance_fn fn, void *ctx)
{
    char v[TY_CHEMID_MAX];
    size_t n;
    const char *p = cas ? trimmed(cas, &n) : NULL;
    if (!p || !ty_cas_normalise(p, n, v))
        return TY_EINVAL;
    return by_id(st, "cas", v, fn, ctx);
}

ty_err ty_ref_substance_by_ec(ty_store *st, const char *ec, ty_ref_substance_fn fn, void *ctx)
{
    char v[TY_CHEMID_MAX];
    size_t n;
    const char *p = ec ? trimmed(ec, &n) : NULL;
    if (!p || !ty_ec_normalise(p, n, v))
        return TY_EINVAL;
    return by_id(st, "ec", v, fn, ctx);
}

ty_err ty_ref_substance_by_name(ty_store *st, const char *name, ty_ref_substance_fn fn, void *ctx)
{
    size_t n;
    const char *p = name ? trimmed(name, &n) : NULL;
    if (!p || n == 0)
        return TY_EINVAL;
    sqlite3_stmt *s;
    /* ref_substance_names.name is NOCASE (migration 3), which folds ASCII only: what
     * CosIng names need, their non-ASCII letters being Greek prefixes such as "α-",
     * which are matched exactly */
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT DISTINCT " ENTRY_COLS " FROM ref_substance_names n "
                                "JOIN ref_substances s ON s.id = n.substance "
                                "WHERE n.name = ?" ENTRY_ORDER,
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, p, (int)n, SQLITE_STATIC);
    return run_lookup(s, fn, ctx);
}

ty_err ty_ref_version(ty_store *st, int64_t *version)
{
    *version = 0;
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
                                "'ref_version'",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TY_OK : store_err(rc);
}
