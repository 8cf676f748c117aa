/*
 * lines.h - splits a pushed byte stream into lines, with a hard maximum on the
 * line length (private to src/codec/).
 *
 * Lines are delivered without their terminator ("\n" or "\r\n"); a UTF-8 byte
 * order mark at the very start is dropped. A line longer than max is never
 * buffered whole: the reader reports it once through on_too_long and skips to
 * the next newline. Complete lines inside a chunk are passed without copying.
 */
#ifndef TIANYAN_CODEC_LINES_H
#define TIANYAN_CODEC_LINES_H

#include <stdint.h>

#include "tianyan/buf.h"

typedef struct line_reader {
    ty_buf part;     /* an incomplete line carried between chunks */
    size_t max;      /* longest line accepted, in bytes */
    uint64_t lineno; /* lines started so far */
    int skipping;    /* inside a line that was already reported too long */
    int started;     /* at least one byte seen (for the byte order mark) */
    ty_err (*on_line)(void *ctx, const char *s, size_t n, uint64_t lineno);
    ty_err (*on_too_long)(void *ctx, uint64_t lineno);
    void *ctx;
} line_reader;

void lines_init(line_reader *r, size_t max, void *ctx,
                ty_err (*on_line)(void *, const char *, size_t, uint64_t),
                ty_err (*on_too_long)(void *, uint64_t));
ty_err lines_feed(line_reader *r, const char *p, size_t n);
/* Delivers a last line that had no terminator. */
ty_err lines_finish(line_reader *r);
void lines_free(line_reader *r);

#endif
