/*
 * csvrows.h - CSV (RFC 4180) rows with line numbers, on top of libcsv
 * (private to src/codec/).
 *
 * Fed one physical line at a time by the line reader, so every row knows the
 * input line it started on, even when quoted fields span lines. Rows are
 * bounded (bytes and columns); every cell is checked to be valid UTF-8. A
 * malformed row is reported through on_error and parsing resumes cleanly at the
 * next line.
 */
#ifndef TIANYAN_CODEC_CSVROWS_H
#define TIANYAN_CODEC_CSVROWS_H

#include <csv.h>
#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/record.h"

#define CSV_COLS_MAX 256

typedef struct csv_row {
    uint64_t line; /* line the row started on */
    size_t n;      /* cells */
    const char *cell[CSV_COLS_MAX];
    size_t len[CSV_COLS_MAX];
} csv_row;

typedef struct csv_rows {
    struct csv_parser p;
    unsigned char delim;
    ty_buf text; /* cell bytes of the row being read, NUL-separated */
    uint32_t off[CSV_COLS_MAX];
    size_t ncell;
    int too_many; /* more than CSV_COLS_MAX cells */
    int bad_utf8; /* 1 + index of the first cell with invalid UTF-8, or 0 */
    int in_row;
    uint64_t row_line;
    csv_row row;
    ty_err cb_err; /* failure inside a libcsv callback */
    ty_err (*on_row)(void *ctx, const csv_row *row);
    ty_err (*on_error)(void *ctx, uint64_t line, ty_reject_class c, int col, const char *msg);
    void *ctx;
} csv_rows;

ty_err csv_rows_init(csv_rows *r, unsigned char delim, size_t max_row, void *ctx,
                     ty_err (*on_row)(void *, const csv_row *),
                     ty_err (*on_error)(void *, uint64_t, ty_reject_class, int, const char *));
/* One physical line without its terminator. */
ty_err csv_rows_line(csv_rows *r, const char *s, size_t n, uint64_t lineno);
ty_err csv_rows_finish(csv_rows *r);
/* Drops a half-read row and restarts the parser outside any quotes (after a
 * line the caller could not accept). *row_line is set to the line the dropped
 * row started on, or 0 when no row was in progress. */
ty_err csv_rows_abort(csv_rows *r, uint64_t *row_line);
void csv_rows_free(csv_rows *r);

#endif
