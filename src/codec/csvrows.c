/* csvrows.c - line-numbered, bounded CSV rows over libcsv (see csvrows.h). */
#include "csvrows.h"

#include <string.h>
#include <unistr.h>

#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI)

/* Only LF ends a row: the line reader already removed the CR of CRLF, and a
 * stray CR inside a line must not start a row the line numbers don't know. */
static int is_term(unsigned char c)
{
    return c == CSV_LF;
}

static void row_clear(csv_rows *r)
{
    ty_buf_reset(&r->text);
    r->ncell = 0;
    r->too_many = 0;
    r->bad_utf8 = 0;
    r->in_row = 0;
}

static ty_err parser_reset(csv_rows *r)
{
    csv_free(&r->p);
    if (csv_init(&r->p, CSV_OPTS) != 0)
        return TY_ENOMEM;
    csv_set_delim(&r->p, r->delim);
    csv_set_term_func(&r->p, is_term);
    return TY_OK;
}

ty_err csv_rows_init(csv_rows *r, unsigned char delim, size_t max_row, void *ctx,
                     ty_err (*on_row)(void *, const csv_row *),
                     ty_err (*on_error)(void *, uint64_t, ty_reject_class, int, const char *))
{
    memset(r, 0, sizeof *r);
    r->delim = delim;
    ty_buf_init(&r->text, max_row);
    if (csv_init(&r->p, CSV_OPTS) != 0)
        return TY_ENOMEM;
    csv_set_delim(&r->p, delim);
    csv_set_term_func(&r->p, is_term);
    r->on_row = on_row;
    r->on_error = on_error;
    r->ctx = ctx;
    return TY_OK;
}

void csv_rows_free(csv_rows *r)
{
    csv_free(&r->p);
    ty_buf_free(&r->text);
}

static void cb_field(void *s, size_t n, void *data)
{
    csv_rows *r = data;
    if (r->cb_err != TY_OK)
        return;
    if (r->ncell >= CSV_COLS_MAX) {
        r->too_many = 1;
        return;
    }
    if (!r->bad_utf8 && n && u8_check(s, n) != NULL)
        r->bad_utf8 = (int)r->ncell + 1;
    r->off[r->ncell] = (uint32_t)r->text.len;
    ty_err e = ty_buf_append(&r->text, s ? s : "", n);
    if (e == TY_OK)
        e = ty_buf_putc(&r->text, '\0');
    if (e != TY_OK) {
        r->cb_err = e;
        return;
    }
    r->ncell++;
}

static void cb_row(int c, void *data)
{
    (void)c;
    csv_rows *r = data;
    if (r->cb_err != TY_OK)
        return;
    ty_err e;
    if (r->too_many) {
        e = r->on_error(r->ctx, r->row_line, TY_REJ_TOO_LONG, -1, "row has more than 256 columns");
    } else if (r->bad_utf8) {
        e = r->on_error(r->ctx, r->row_line, TY_REJ_UTF8, r->bad_utf8 - 1,
                        "invalid UTF-8 byte sequence (text must be UTF-8)");
    } else {
        csv_row *row = &r->row;
        row->line = r->row_line;
        row->n = r->ncell;
        for (size_t i = 0; i < r->ncell; i++) {
            row->cell[i] = r->text.data + r->off[i];
            row->len[i] = (i + 1 < r->ncell ? r->off[i + 1] - 1 : r->text.len - 1) - r->off[i];
        }
        e = r->on_row(r->ctx, row);
    }
    row_clear(r);
    r->cb_err = e;
}

ty_err csv_rows_line(csv_rows *r, const char *s, size_t n, uint64_t lineno)
{
    if (!r->in_row) {
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k == n)
            return TY_OK; /* blank line between rows (libcsv makes no row of it either) */
        r->in_row = 1;
        r->row_line = lineno;
    }
    r->cb_err = TY_OK;
    size_t done = csv_parse(&r->p, s, n, cb_field, cb_row, r);
    if (done == n && r->cb_err == TY_OK)
        done = csv_parse(&r->p, "\n", 1, cb_field, cb_row, r) == 1 ? n : 0;
    ty_err e = r->cb_err;
    r->cb_err = TY_OK;
    if (e == TY_ELIMIT) {
        uint64_t at = r->row_line;
        row_clear(r);
        TY_TRY(parser_reset(r));
        return r->on_error(r->ctx, at, TY_REJ_TOO_LONG, -1, "row is too large");
    }
    if (e != TY_OK)
        return e;
    if (done != n) {
        uint64_t at = r->row_line;
        row_clear(r);
        TY_TRY(parser_reset(r));
        return r->on_error(r->ctx, at, TY_REJ_SYNTAX, -1,
                           "malformed CSV: a quote inside an unquoted field, or text after a "
                           "closing quote (RFC 4180: double a quote inside a quoted field)");
    }
    return TY_OK;
}

ty_err csv_rows_finish(csv_rows *r)
{
    r->cb_err = TY_OK;
    int rc = csv_fini(&r->p, cb_field, cb_row, r);
    ty_err e = r->cb_err;
    r->cb_err = TY_OK;
    if (e != TY_OK)
        return e;
    if (rc != 0) {
        uint64_t at = r->row_line;
        row_clear(r);
        TY_TRY(parser_reset(r));
        return r->on_error(r->ctx, at, TY_REJ_SYNTAX, -1,
                           "malformed CSV: a quoted field is never closed");
    }
    return TY_OK;
}

ty_err csv_rows_abort(csv_rows *r, uint64_t *row_line)
{
    *row_line = r->in_row ? r->row_line : 0;
    row_clear(r);
    return parser_reset(r);
}
