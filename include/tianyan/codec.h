/*
 * codec.h - decoders for platform feeds (exchange spec v1) and for the public
 * data sets Tianyan imports.
 *
 * Decoders are push-driven so the same code serves a file, a pipe and an HTTP
 * request body: feed bytes in chunks of any size, then finish. For every input
 * record the decoder calls exactly one of the sink's callbacks: on_record for a
 * valid record, on_reject for a line it refused (the reject names the line, the
 * field and what was wrong). A bad line never stops the good ones; only a sink
 * callback returning an error stops decoding, and that error is returned.
 *
 * Memory is bounded: a line (JSON Lines) or row group (CSV) longer than
 * max_line is rejected without being buffered whole.
 */
#ifndef TIANYAN_CODEC_H
#define TIANYAN_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/record.h"

typedef enum {
    TY_FMT_JSONL = 1, /* exchange spec JSON Lines */
    TY_FMT_CSV,       /* exchange spec CSV mapping */
    TY_FMT_CAERS,     /* FDA CAERS CSV export -> adverse_event records */
} ty_format;

/* Name <-> format ("jsonl", "csv", "caers"). */
const char *ty_format_name(ty_format f);
int ty_format_parse(const char *s, ty_format *f);

typedef struct ty_codec_limits {
    size_t max_line;       /* largest line / row group in bytes; default 65536 */
    int64_t now_ms;        /* "now" for the future-time check; 0 reads the clock */
    int64_t max_future_ms; /* how far event times may lie ahead of now; default 1 day */
} ty_codec_limits;

/* Fills the defaults above. */
void ty_codec_limits_default(ty_codec_limits *lim);

/* Earliest event time accepted: 2000-01-01T00:00:00Z. */
#define TY_TIME_MIN_MS 946684800000LL

typedef struct ty_sink {
    ty_err (*on_record)(void *ctx, const ty_record *rec);
    ty_err (*on_reject)(void *ctx, const ty_reject *rej);
    void *ctx;
} ty_sink;

typedef struct ty_decoder ty_decoder;

/* Creates a decoder; lim may be NULL for defaults. Free with ty_decoder_free(). */
ty_err ty_decoder_new(ty_decoder **d, ty_format fmt, const ty_codec_limits *lim,
                      const ty_sink *sink);

/* Feeds n bytes. Complete records are delivered to the sink before this returns. */
ty_err ty_decoder_feed(ty_decoder *d, const void *bytes, size_t n);

/* Ends the input: delivers or rejects whatever is left. */
ty_err ty_decoder_finish(ty_decoder *d);

/* Lines (physical input lines) seen so far. */
uint64_t ty_decoder_lines(const ty_decoder *d);

void ty_decoder_free(ty_decoder **d);

#endif
