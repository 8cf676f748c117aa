/*
 * refread.c - the reference-file reader: what every format shares (lines, CSV
 * rows, the header map, rejects), with the format's own steps in cosing.c and
 * safety_gate.c (see refcodec.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refread_impl.h"

int ty_ref_format_parse(const char *name, ty_ref_format *f)
{
    static const struct {
        const char *name;
        ty_ref_format f;
    } formats[] = {{"cosing", TY_REF_COSING}, {"safety-gate", TY_REF_SAFETY_GATE}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (name && strcmp(name, formats[i].name) == 0) {
            *f = formats[i].f;
            return 1;
        }
    return 0;
}

static ty_err vreject(ty_ref_reader *r, uint64_t line, ty_reject_class c, const char *field,
                      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static ty_err vreject(ty_ref_reader *r, uint64_t line, ty_reject_class c, const char *field,
                      const char *fmt, va_list ap)
{
    ty_reject rej;
    rej.line = line;
    rej.class_ = c;
    snprintf(rej.field, sizeof rej.field, "%s", field ? field : "");
    vsnprintf(rej.message, sizeof rej.message, fmt, ap);
    return r->sink.on_reject(r->sink.ctx, &rej);
}

ty_err refread_reject(ty_ref_reader *r, uint64_t line, ty_reject_class c, const char *field,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ty_err e = vreject(r, line, c, field, fmt, ap);
    va_end(ap);
    return e;
}

ty_err refread_refuse(ty_ref_reader *r, uint64_t line, const char *field, const char *fmt, ...)
{
    r->fatal = 1;
    va_list ap;
    va_start(ap, fmt);
    ty_err e = vreject(r, line, TY_REJ_HEADER, field, fmt, ap);
    va_end(ap);
    return e;
}

static int cell_is(const csv_row *row, size_t i, const char *s)
{
    return row->len[i] == strlen(s) && memcmp(row->cell[i], s, row->len[i]) == 0;
}

ty_err refread_header(ty_ref_reader *r, const csv_row *row, const char *const *names,
                      size_t nfields, const char *what)
{
    for (size_t f = 0; f < TY_REF_FIELDS_MAX; f++)
        r->field_col[f] = -1;
    ty_buf_reset(&r->hdr_text);
    r->ncols = row->n;
    /* keep the names, for messages about later rows */
    size_t off[CSV_COLS_MAX];
    for (size_t i = 0; i < row->n; i++) {
        off[i] = r->hdr_text.len;
        ty_err e = ty_buf_append(&r->hdr_text, row->cell[i], row->len[i]);
        if (e == TY_OK)
            e = ty_buf_putc(&r->hdr_text, '\0');
        if (e == TY_ELIMIT)
            return refread_refuse(r, row->line, "", "the %s header row is too large", what);
        TY_TRY(e);
    }
    for (size_t i = 0; i < row->n; i++)
        r->col_name[i] = r->hdr_text.data + off[i];
    for (size_t i = 0; i < row->n; i++) {
        r->col_field[i] = -1;
        if (row->len[i] == 0)
            continue;
        size_t f = 0;
        while (f < nfields && !cell_is(row, i, names[f]))
            f++;
        char q[REF_QUOTE_SIZE(60)];
        ty_quote_for_message(q, sizeof q, row->cell[i], row->len[i], 60);
        if (f == nfields)
            return refread_refuse(r, row->line, r->col_name[i],
                                  "column %s is not one this %s reader knows; it refuses the "
                                  "file rather than drop that column's data",
                                  q, what);
        if (r->field_col[f] >= 0)
            return refread_refuse(r, row->line, r->col_name[i],
                                  "column %s appears twice in the %s header", q, what);
        r->field_col[f] = (int)i;
        r->col_field[i] = (int)f;
    }
    r->have_header = 1;
    return TY_OK;
}

ty_err refread_csv_error(ty_ref_reader *r, uint64_t line, ty_reject_class c, int col,
                         const char *msg)
{
    if (r->fatal)
        return TY_OK;
    if (!r->have_header)
        return TY_OK; /* preamble text before the header is not data */
    r->nrows++;
    const char *field = col >= 0 && (size_t)col < r->ncols ? r->col_name[col] : "";
    return refread_reject(r, line, c, field, "%s", msg);
}

ty_err refread_fill(ty_ref_reader *r, const csv_row *row, size_t nfields,
                    ty_err (*normalise)(ty_buf *out, const char *s, size_t n))
{
    /* The CosIng export ends every line with a tab, giving an unnamed last column;
     * accept a row without it too. */
    size_t want = r->ncols;
    int short_ok = want > 0 && r->col_name[want - 1][0] == '\0' && row->n == want - 1;
    if (row->n != want && !short_ok) {
        TY_TRY(refread_reject(r, row->line, TY_REJ_SYNTAX, "",
                              "row has %zu fields; the header has %zu", row->n, want));
        return TY_EVALIDATE;
    }
    ty_buf_reset(&r->text);
    ty_err e = ty_buf_putc(&r->text, '\0'); /* offset 0: the text of an empty field */
    size_t off[TY_REF_FIELDS_MAX] = {0};
    ty_ref_row *out = &r->row;
    for (size_t f = 0; f < nfields; f++)
        out->len[f] = 0;
    for (size_t i = 0; i < row->n && e == TY_OK; i++) {
        int f = r->col_field[i];
        if (f < 0) {
            if (row->len[i] != 0) {
                TY_TRY(refread_reject(r, row->line, TY_REJ_SYNTAX, "",
                                      "column %zu has no name in the header but holds text",
                                      i + 1));
                return TY_EVALIDATE;
            }
            continue;
        }
        if (memchr(row->cell[i], '\0', row->len[i])) {
            /* valid UTF-8 but never text: it would cut the cell short for C-string users */
            TY_TRY(
                refread_reject(r, row->line, TY_REJ_FORMAT, r->col_name[i], "contains a NUL byte"));
            return TY_EVALIDATE;
        }
        size_t at = r->text.len;
        e = normalise ? normalise(&r->text, row->cell[i], row->len[i])
                      : ty_buf_append(&r->text, row->cell[i], row->len[i]);
        off[f] = at;
        out->len[f] = r->text.len - at;
        if (e == TY_OK)
            e = ty_buf_putc(&r->text, '\0');
    }
    if (e == TY_ELIMIT) {
        TY_TRY(refread_reject(r, row->line, TY_REJ_TOO_LONG, "", "row is too large"));
        return TY_EVALIDATE;
    }
    TY_TRY(e);
    /* pointers only now: the buffer may have moved while it grew */
    out->line = row->line;
    out->annex = r->annex;
    out->nfields = nfields;
    out->nids = 0;
    out->nbad_ids = 0;
    out->nnames = 0;
    for (size_t f = 0; f < nfields; f++)
        out->field[f] = r->text.data + off[f];
    return TY_OK;
}

static ty_err on_line(void *ctx, const char *s, size_t n, uint64_t lineno)
{
    ty_ref_reader *r = ctx;
    if (r->fatal)
        return TY_OK;
    return r->ops->line(r, s, n, lineno);
}

static ty_err on_too_long(void *ctx, uint64_t lineno)
{
    ty_ref_reader *r = ctx;
    if (r->fatal)
        return TY_OK;
    if (r->have_header)
        r->nrows++;
    return refread_reject(r, lineno, TY_REJ_TOO_LONG, "", "line is longer than %u bytes",
                          TY_REF_ROW_MAX);
}

ty_err ty_ref_reader_new(ty_ref_reader **out, ty_ref_format f, const ty_ref_sink *sink)
{
    const refread_ops *ops = f == TY_REF_COSING        ? &ty_cosing_ops
                             : f == TY_REF_SAFETY_GATE ? &ty_safety_gate_ops
                                                       : NULL;
    *out = NULL;
    if (!ops || !sink || !sink->on_row || !sink->on_reject)
        return TY_EINVAL;
    ty_ref_reader *r = calloc(1, sizeof *r);
    if (!r)
        return TY_ENOMEM;
    r->fmt = f;
    r->ops = ops;
    r->sink = *sink;
    lines_init(&r->lr, TY_REF_ROW_MAX, r, on_line, on_too_long);
    ty_buf_init(&r->hdr_text, 64 * 1024);
    ty_buf_init(&r->text, TY_REF_ROW_MAX + 2 * TY_REF_FIELDS_MAX + 64);
    /* csv_rows is set up by the format, which owns its callbacks; make it safe
     * to free before that */
    ty_buf_init(&r->rows.text, 0);
    ty_err e = ops->init(r);
    if (e != TY_OK) {
        ty_ref_reader_free(&r);
        return e;
    }
    *out = r;
    return TY_OK;
}

ty_err ty_ref_reader_feed(ty_ref_reader *r, const void *p, size_t n)
{
    return lines_feed(&r->lr, p, n);
}

ty_err ty_ref_reader_finish(ty_ref_reader *r)
{
    TY_TRY(lines_finish(&r->lr));
    if (r->fatal)
        return TY_OK;
    return r->ops->finish(r);
}

const char *ty_ref_reader_source(const ty_ref_reader *r)
{
    return r->source;
}

uint64_t ty_ref_reader_rows(const ty_ref_reader *r)
{
    return r->nrows;
}

void ty_ref_reader_free(ty_ref_reader **pr)
{
    ty_ref_reader *r = *pr;
    if (!r)
        return;
    lines_free(&r->lr);
    csv_rows_free(&r->rows);
    ty_buf_free(&r->hdr_text);
    ty_buf_free(&r->text);
    free(r);
    *pr = NULL;
}
