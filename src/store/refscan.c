/*
 * refscan.c - reads the reference tables whole (ty_ref_scan, see regulatory.h), for
 * matchers that keep them in memory: the look-ups of reference.c answer one name or
 * number at a time, which is right for a person's query but would cost one SQL
 * statement per ingredient of every product the engine checks.
 *
 * All four tables are read inside one transaction so that the names and numbers
 * read refer to the substances read, even while another process imports.
 */
#include <string.h>

#include "store_impl.h"
#include "tianyan/refscan.h"

static const char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* Prepares sql, calls row(s) for each result row, finalises. */
static ty_err each_row(ty_store *st, const char *sql, ty_err (*row)(sqlite3_stmt *s, void *arg),
                       void *arg)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    ty_err e = TY_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && e == TY_OK)
        e = row(s, arg);
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? TY_OK : store_err(rc);
}

static ty_err substance_row(sqlite3_stmt *s, void *arg)
{
    const ty_ref_scan_sink *k = arg;
    ty_ref_substance_row r = {
        .id = sqlite3_column_int64(s, 0),
        .s = {col(s, 1), col(s, 2), col(s, 3), col(s, 4), col(s, 5), col(s, 6), col(s, 7),
              col(s, 8), col(s, 9), col(s, 10), col(s, 11)},
        .listed = col(s, 12),
        .listed_cas = col(s, 13),
        .expressed_as = col(s, 14),
    };
    return k->substance(k->ctx, &r);
}

static ty_err name_row(sqlite3_stmt *s, void *arg)
{
    const ty_ref_scan_sink *k = arg;
    return k->name(k->ctx, sqlite3_column_int64(s, 0), col(s, 1));
}

static ty_err cas_row(sqlite3_stmt *s, void *arg)
{
    const ty_ref_scan_sink *k = arg;
    return k->cas(k->ctx, sqlite3_column_int64(s, 0), col(s, 1));
}

static ty_err alert_row(sqlite3_stmt *s, void *arg)
{
    const ty_ref_scan_sink *k = arg;
    ty_ref_alert a;
    for (int f = 0; f < TY_SG__COUNT; f++)
        a.field[f] = col(s, f);
    return k->alert(k->ctx, &a);
}

static ty_err scan(ty_store *st, const ty_ref_scan_sink *k)
{
    /* the columns of ty_ref_substance in its order, then the row's own */
    if (k->substance)
        TY_TRY(each_row(st,
                        "SELECT id, annex, ref_no, name, cas, ec, product_types, max_conc, "
                        "min_conc, restrictions, warnings, notes, group_name, group_cas, "
                        "expressed_as FROM ref_substances ORDER BY id",
                        substance_row, (void *)k));
    if (k->name)
        TY_TRY(
            each_row(st, "SELECT substance, name FROM ref_substance_names", name_row, (void *)k));
    if (k->cas)
        TY_TRY(each_row(st, "SELECT substance, value FROM ref_substance_ids WHERE kind = 'cas'",
                        cas_row, (void *)k));
    /* in ty_alert_field order */
    if (k->alert)
        TY_TRY(each_row(st,
                        "SELECT alert_number, product_name, category, brand, description, "
                        "alert_type, origin_country, risk_type, risk_description, measures, "
                        "notifying_country, recall_code, production_dates FROM ref_alerts "
                        "ORDER BY alert_number",
                        alert_row, (void *)k));
    return TY_OK;
}

ty_err ty_ref_scan(ty_store *st, const ty_ref_scan_sink *sink)
{
    if (!st || !sink)
        return TY_EINVAL;
    if (st->in_txn)
        return scan(st, sink);
    /* a deferred transaction takes no write lock: it only pins one snapshot */
    int rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    ty_err e = scan(st, sink);
    /* nothing was written: ending the read cannot lose anything */
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return e;
}
