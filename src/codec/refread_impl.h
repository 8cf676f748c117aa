/*
 * refread_impl.h - what the reference-file readers share (private to
 * src/codec/): the line reader, the CSV rows, the row being delivered, the
 * header-to-field map, and a small table of per-format operations.
 */
#ifndef TIANYAN_CODEC_REFREAD_IMPL_H
#define TIANYAN_CODEC_REFREAD_IMPL_H

#include "csvrows.h"
#include "lines.h"
#include "tianyan/refcodec.h"

typedef struct refread_ops {
    ty_err (*init)(ty_ref_reader *r); /* sets up r->rows with the format's callbacks */
    ty_err (*line)(ty_ref_reader *r, const char *s, size_t n, uint64_t lineno);
    ty_err (*finish)(ty_ref_reader *r); /* after the last line */
} refread_ops;

struct ty_ref_reader {
    ty_ref_format fmt;
    const refread_ops *ops;
    ty_ref_sink sink;
    line_reader lr;
    csv_rows rows;
    const char *source; /* for ty_ref_reader_source() */
    int fatal;          /* the file was refused: the rest of the input is ignored */
    int have_header;
    uint64_t nrows; /* data rows seen */
    /* header: the field each column holds, -1 for a column with an empty name */
    size_t ncols;
    int col_field[CSV_COLS_MAX];
    const char *col_name[CSV_COLS_MAX]; /* points into hdr_text */
    ty_buf hdr_text;
    int field_col[TY_REF_FIELDS_MAX]; /* the column of each field, -1 when absent */
    /* the row being delivered */
    ty_ref_row row;
    ty_buf text; /* its cell texts, NUL-separated */
    const char *annex;
};

/*
 * Room for ty_quote_for_message() of at most max input bytes. Generous on
 * purpose: every byte may become a 6-byte escape, and the function can write one
 * byte past out[outsz - 1] when an escape ends right at the edge (a bug in
 * src/core/record.c, reported), which this size keeps out of reach.
 */
#define REF_QUOTE_SIZE(max) (6 * (max) + 8)

extern const refread_ops ty_cosing_ops;
extern const refread_ops ty_safety_gate_ops;

/* Hands a reject to the sink. */
ty_err refread_reject(ty_ref_reader *r, uint64_t line, ty_reject_class c, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Refuses the whole file: one TY_REJ_HEADER reject, then the rest is ignored. */
ty_err refread_refuse(ty_ref_reader *r, uint64_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Reads a header row against the format's column names (names[f] for field f,
 * nfields of them). Empty header cells are allowed (the CosIng export ends each
 * line with a tab); an unknown or repeated name refuses the file, since that
 * column's data could not be kept. On success r->have_header is set; the caller
 * then checks its required fields in r->field_col.
 */
ty_err refread_header(ty_ref_reader *r, const csv_row *row, const char *const *names,
                      size_t nfields, const char *what);

/* Reports a CSV-level error of a row (bad quoting, bad UTF-8, too long). */
ty_err refread_csv_error(ty_ref_reader *r, uint64_t line, ty_reject_class c, int col,
                         const char *msg);

/*
 * Fills r->row's fields from a data row, copying each cell into r->text (through
 * normalise when not NULL, which appends its output to the buffer). Rejects the
 * row (and returns TY_EVALIDATE) when its cell count differs from the header's or
 * a column without a name holds text. Other failures are returned as they are.
 */
ty_err refread_fill(ty_ref_reader *r, const csv_row *row, size_t nfields,
                    ty_err (*normalise)(ty_buf *out, const char *s, size_t n));

#endif
