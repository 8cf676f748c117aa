/* query.c - read paths of the store: counts per platform/type/day, single events, versions. */
#include <stdio.h>
#include <string.h>

#include "store_impl.h"
#include "tianyan/timeutil.h"

ty_err ty_store_stats(ty_store *st, int offset_min, ty_err (*fn)(void *ctx, const ty_stat_row *row),
                      void *ctx)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT p.code, e.type, (e.ts + ?1) / 86400000 AS day, count(*) "
                                "FROM events e JOIN platforms p ON p.id = e.platform "
                                "GROUP BY e.platform, e.type, day ORDER BY p.code, e.type, day",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, (int64_t)offset_min * 60000);
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        char day[11];
        ty_date_format((int32_t)sqlite3_column_int64(s, 2), day);
        const ty_schema *sc = ty_schema_of(sqlite3_column_int(s, 1));
        ty_stat_row row = {(const char *)sqlite3_column_text(s, 0), sc ? sc->name : "?", day,
                           sqlite3_column_int64(s, 3)};
        e = fn(ctx, &row);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

ty_err ty_store_event_json(ty_store *st, const char *platform, int type, const char *id,
                           ty_buf *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT e.body FROM events e JOIN platforms p ON p.id = e.platform "
                                "WHERE p.code = ? AND e.type = ? AND e.rid = ?",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, platform, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, type);
    sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
    ty_err e = TY_ENOENT;
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_buf_reset(out);
        e = ty_buf_append(out, sqlite3_column_text(s, 0), (size_t)sqlite3_column_bytes(s, 0));
    } else if (rc != SQLITE_DONE) {
        e = store_err(rc);
    }
    sqlite3_finalize(s);
    return e;
}

ty_err ty_store_versions(ty_store *st, const char *platform, int type, const char *key,
                         int64_t *count)
{
    const char *q = type == TY_REC_PRODUCT
                        ? "SELECT count(*) FROM product_versions v JOIN platforms p ON p.id = "
                          "v.platform WHERE p.code = ? AND v.sku = ?"
                        : "SELECT count(*) FROM merchant_versions v JOIN platforms p ON p.id = "
                          "v.platform WHERE p.code = ? AND v.merchant = ?";
    if (type != TY_REC_PRODUCT && type != TY_REC_MERCHANT)
        return TY_EINVAL;
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_text(s, 1, platform, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? TY_OK : store_err(rc);
}
