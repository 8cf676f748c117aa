/*
 * decoder_impl.h - what every format decoder shares (private to src/codec/):
 * the line reader, the raw document, the record being filled, the sink, and a
 * small table of per-format operations.
 */
#ifndef TIANYAN_CODEC_DECODER_IMPL_H
#define TIANYAN_CODEC_DECODER_IMPL_H

#include "lines.h"
#include "raw.h"
#include "tianyan/codec.h"

typedef struct decoder_ops {
    ty_err (*init)(ty_decoder *d);
    ty_err (*line)(ty_decoder *d, const char *s, size_t n, uint64_t lineno);
    ty_err (*finish)(ty_decoder *d); /* after the last line; may be NULL */
    void (*free)(ty_decoder *d);     /* may be NULL */
    /* A line was too long and has been dropped: flush what came before it and
     * forget any half-read row (may be NULL). */
    ty_err (*skipped)(ty_decoder *d);
} decoder_ops;

struct ty_decoder {
    ty_format fmt;
    const decoder_ops *ops;
    ty_codec_limits lim;
    ty_sink sink;
    line_reader lr;
    raw_doc raw;
    ty_record rec;
    void *impl; /* per-format state */
};

extern const decoder_ops ty_jsonl_ops;
extern const decoder_ops ty_csv_ops;
extern const decoder_ops ty_caers_ops;

/* Validates d->raw as the record starting at line and hands it to the sink. */
ty_err dec_emit(ty_decoder *d, uint64_t line);

/* Hands a reject to the sink. */
ty_err dec_reject(ty_decoder *d, const ty_reject *rej);

/* Convenience: builds a reject and hands it to the sink. */
ty_err dec_rejectf(ty_decoder *d, uint64_t line, ty_reject_class c, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
