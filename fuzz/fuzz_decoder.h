/*
 * fuzz_decoder.h - shared body of the decoder fuzz targets: feed the input to
 * a decoder in two uneven chunks (so line splitting across chunk boundaries is
 * exercised), canonicalise every record that passes validation, and check the
 * invariants every decoder promises.
 */
#ifndef TIANYAN_FUZZ_DECODER_H
#define TIANYAN_FUZZ_DECODER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tianyan/codec.h"

static ty_err fuzz_hash(void *ctx, const char *id, size_t n, char out[80])
{
    (void)ctx;
    (void)id;
    memcpy(out, "h1:", 4);
    out[3] = (char)('0' + n % 10);
    out[4] = '\0';
    return TY_OK;
}

typedef struct fuzz_ctx {
    ty_buf out;
    uint64_t records, rejects;
} fuzz_ctx;

static ty_err fuzz_on_record(void *ctx, const ty_record *r)
{
    fuzz_ctx *c = ctx;
    c->records++;
    ty_buf_reset(&c->out);
    ty_err e = ty_record_to_json(r, fuzz_hash, NULL, &c->out);
    if (e != TY_OK && e != TY_ELIMIT)
        abort(); /* a validated record must always serialise */
    if (r->line == 0 || !r->schema)
        abort();
    return TY_OK;
}

static ty_err fuzz_on_reject(void *ctx, const ty_reject *r)
{
    fuzz_ctx *c = ctx;
    c->rejects++;
    char msg[512];
    ty_reject_format(r, msg, sizeof msg);
    if (r->message[0] == '\0' || (unsigned)r->class_ >= TY_REJ__COUNT)
        abort(); /* every reject says what was wrong */
    return TY_OK;
}

static int fuzz_decode(ty_format fmt, const uint8_t *data, size_t size)
{
    fuzz_ctx c;
    memset(&c, 0, sizeof c);
    ty_buf_init(&c.out, 1 << 20);
    ty_sink sink = {fuzz_on_record, fuzz_on_reject, &c};
    ty_codec_limits lim;
    ty_codec_limits_default(&lim);
    lim.max_line = 4096; /* small, so the limits are reached too */
    lim.now_ms = 1790000000000LL;
    ty_decoder *d;
    if (ty_decoder_new(&d, fmt, &lim, &sink) != TY_OK)
        abort();
    size_t cut = size ? (size_t)data[0] % (size + 1) : 0;
    if (ty_decoder_feed(d, data, cut) != TY_OK ||
        ty_decoder_feed(d, data + cut, size - cut) != TY_OK || ty_decoder_finish(d) != TY_OK)
        abort(); /* bad input is rejected line by line, never a decoder failure */
    if (ty_decoder_lines(d) > 0 && c.records + c.rejects > ty_decoder_lines(d) + 1)
        abort(); /* at most one outcome per line (+1 for a CSV header error) */
    ty_decoder_free(&d);
    ty_buf_free(&c.out);
    return 0;
}

#endif
