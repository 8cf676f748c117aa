/*
 * safety_gate.c - reader for EU Safety Gate (RAPEX) alerts as CSV (see
 * refcodec.h).
 *
 * RFC 4180 CSV whose first row is the header; cells may be quoted and span
 * lines (risk descriptions and measures do). Columns are found by name. Every
 * column is kept, so a header with a column this reader does not know refuses
 * the file instead of dropping it. Cells are delivered exactly as published
 * ("None" included: that is how the source writes an absent recall code).
 *
 * An alert is identified by its alert number ("A12/00419/24"); it is required
 * and must be a plain token (letters, digits, "/", "-", ".", "_"; at most 40
 * bytes) since it is the key that later imports update by.
 */
#include <string.h>

#include "refread_impl.h"

static const char *const alert_cols[TY_SG__COUNT] = {
    [TY_SG_ALERT_NUMBER] = "alert_number",
    [TY_SG_PRODUCT_NAME] = "product_name",
    [TY_SG_CATEGORY] = "product_category",
    [TY_SG_BRAND] = "brand",
    [TY_SG_DESCRIPTION] = "product_description",
    [TY_SG_TYPE] = "type",
    [TY_SG_ORIGIN] = "country_of_origin",
    [TY_SG_RISK_TYPE] = "risk_type",
    [TY_SG_RISK_DESCRIPTION] = "risk_description",
    [TY_SG_MEASURES] = "measures_authorities",
    [TY_SG_NOTIFYING_COUNTRY] = "notifying_country",
    [TY_SG_RECALL_CODE] = "company_recall_code",
    [TY_SG_PRODUCTION_DATES] = "production_dates",
};

#define ALERT_NUMBER_MAX 40

const char *ty_alert_column(ty_alert_field f)
{
    return (unsigned)f < TY_SG__COUNT ? alert_cols[f] : "";
}

static int alert_number_ok(const char *s, size_t n)
{
    if (n == 0 || n > ALERT_NUMBER_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '/' || c == '-' || c == '.' || c == '_'))
            return 0;
    }
    return 1;
}

static ty_err header(ty_ref_reader *r, const csv_row *row)
{
    size_t i = 0;
    while (i < row->n && !(row->len[i] == 12 && memcmp(row->cell[i], "alert_number", 12) == 0))
        i++;
    if (i == row->n)
        return refread_refuse(r, row->line, "",
                              "not a Safety Gate alerts CSV: the first row must be its header, "
                              "with an alert_number column");
    return refread_header(r, row, alert_cols, TY_SG__COUNT, "Safety Gate");
}

static ty_err on_row(void *ctx, const csv_row *row)
{
    ty_ref_reader *r = ctx;
    if (r->fatal)
        return TY_OK;
    if (!r->have_header)
        return header(r, row);
    r->nrows++;
    ty_err e = refread_fill(r, row, TY_SG__COUNT, NULL);
    if (e == TY_EVALIDATE)
        return TY_OK;
    TY_TRY(e);
    const ty_ref_row *out = &r->row;
    const char *an = out->field[TY_SG_ALERT_NUMBER];
    size_t n = out->len[TY_SG_ALERT_NUMBER];
    if (n == 0)
        return refread_reject(r, row->line, TY_REJ_MISSING, alert_cols[TY_SG_ALERT_NUMBER],
                              "the alert number is empty");
    if (!alert_number_ok(an, n)) {
        char q[REF_QUOTE_SIZE(40)];
        ty_quote_for_message(q, sizeof q, an, n, 40);
        return refread_reject(r, row->line, TY_REJ_FORMAT, alert_cols[TY_SG_ALERT_NUMBER],
                              "expected an alert number such as A12/00419/24, got %s", q);
    }
    return r->sink.on_row(r->sink.ctx, out);
}

static ty_err on_error(void *ctx, uint64_t line, ty_reject_class c, int col, const char *msg)
{
    ty_ref_reader *r = ctx;
    if (!r->have_header && !r->fatal)
        return refread_refuse(r, line, "", "the Safety Gate header row is unreadable: %s", msg);
    return refread_csv_error(r, line, c, col, msg);
}

static ty_err sg_init(ty_ref_reader *r)
{
    r->source = "Safety Gate";
    return csv_rows_init(&r->rows, ',', TY_REF_ROW_MAX, r, on_row, on_error);
}

static ty_err sg_line(ty_ref_reader *r, const char *s, size_t n, uint64_t lineno)
{
    return csv_rows_line(&r->rows, s, n, lineno);
}

static ty_err sg_finish(ty_ref_reader *r)
{
    TY_TRY(csv_rows_finish(&r->rows));
    if (!r->have_header && !r->fatal)
        return refread_refuse(r, 0, "", "the file is empty (expected a Safety Gate alerts CSV)");
    return TY_OK;
}

const refread_ops ty_safety_gate_ops = {sg_init, sg_line, sg_finish};
