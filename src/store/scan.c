/* scan.c - reading stored events back in arrival order (for the risk engine). */
#include <stdio.h>

#include "store_impl.h"

ty_err ty_store_scan_events(ty_store *st, int64_t after, size_t limit,
                            ty_err (*fn)(void *ctx, const ty_stored_event *ev), void *ctx,
                            int64_t *last)
{
    sqlite3_stmt *s;
    int rc =
        sqlite3_prepare_v2(st->db,
                           "SELECT seq, platform, type, ts, tz, body FROM events WHERE seq > ? "
                           "ORDER BY seq LIMIT ?",
                           -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, (int64_t)limit);
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_stored_event ev = {
            sqlite3_column_int64(s, 0),        sqlite3_column_int64(s, 1),
            sqlite3_column_int(s, 2),          sqlite3_column_int64(s, 3),
            sqlite3_column_int(s, 4),          (const char *)sqlite3_column_text(s, 5),
            (size_t)sqlite3_column_bytes(s, 5)};
        e = fn(ctx, &ev);
        if (e == TY_OK)
            *last = ev.seq;
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

ty_err ty_store_platform_code(ty_store *st, int64_t id, char *out, size_t n)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT code FROM platforms WHERE id = ?", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, id);
    out[0] = '\0';
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TY_OK : store_err(rc);
}
