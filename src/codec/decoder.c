/* decoder.c - the format-independent half of every decoder (see codec.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder_impl.h"

static const struct {
    ty_format fmt;
    const char *name;
    const decoder_ops *ops;
} formats[] = {
    {TY_FMT_JSONL, "jsonl", &ty_jsonl_ops},
    {TY_FMT_CSV, "csv", &ty_csv_ops},
    {TY_FMT_CAERS, "caers", &ty_caers_ops},
};

const char *ty_format_name(ty_format f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].fmt == f)
            return formats[i].name;
    return "?";
}

int ty_format_parse(const char *s, ty_format *f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, s) == 0) {
            *f = formats[i].fmt;
            return 1;
        }
    return 0;
}

void ty_codec_limits_default(ty_codec_limits *lim)
{
    lim->max_line = 65536;
    lim->now_ms = 0;
    lim->max_future_ms = 24LL * 3600 * 1000;
}

ty_err dec_reject(ty_decoder *d, const ty_reject *rej)
{
    return d->sink.on_reject ? d->sink.on_reject(d->sink.ctx, rej) : TY_OK;
}

ty_err dec_rejectf(ty_decoder *d, uint64_t line, ty_reject_class c, const char *field,
                   const char *fmt, ...)
{
    ty_reject rej;
    char msg[sizeof rej.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ty_reject_set(&rej, line, c, field, "%s", msg);
    return dec_reject(d, &rej);
}

ty_err dec_emit(ty_decoder *d, uint64_t line)
{
    ty_reject rej;
    if (raw_validate(&d->raw, line, &d->lim, &d->rec, &rej) != TY_OK)
        return dec_reject(d, &rej);
    return d->sink.on_record ? d->sink.on_record(d->sink.ctx, &d->rec) : TY_OK;
}

static ty_err on_line(void *ctx, const char *s, size_t n, uint64_t lineno)
{
    ty_decoder *d = ctx;
    return d->ops->line(d, s, n, lineno);
}

static ty_err on_too_long(void *ctx, uint64_t lineno)
{
    ty_decoder *d = ctx;
    if (d->ops->skipped)
        TY_TRY(d->ops->skipped(d));
    return dec_rejectf(d, lineno, TY_REJ_TOO_LONG, "", "line is longer than %zu bytes",
                       d->lim.max_line);
}

ty_err ty_decoder_new(ty_decoder **out, ty_format fmt, const ty_codec_limits *lim,
                      const ty_sink *sink)
{
    const decoder_ops *ops = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].fmt == fmt)
            ops = formats[i].ops;
    if (!ops)
        return TY_EINVAL;
    ty_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return TY_ENOMEM;
    d->fmt = fmt;
    d->ops = ops;
    if (lim)
        d->lim = *lim;
    else
        ty_codec_limits_default(&d->lim);
    if (d->lim.max_line == 0)
        d->lim.max_line = 65536;
    d->sink = *sink;
    lines_init(&d->lr, d->lim.max_line, d, on_line, on_too_long);
    /* keys, NULs and unescaped values of one line fit in a few times its size */
    raw_init(&d->raw, d->lim.max_line * 4 + 4096);
    d->rec.pool = calloc(TY_POOL_MAX, sizeof(ty_value));
    ty_err e = d->rec.pool ? TY_OK : TY_ENOMEM;
    if (e == TY_OK && ops->init)
        e = ops->init(d);
    if (e != TY_OK) {
        ty_decoder_free(&d);
        return e;
    }
    *out = d;
    return TY_OK;
}

ty_err ty_decoder_feed(ty_decoder *d, const void *bytes, size_t n)
{
    return lines_feed(&d->lr, bytes, n);
}

ty_err ty_decoder_finish(ty_decoder *d)
{
    TY_TRY(lines_finish(&d->lr));
    return d->ops->finish ? d->ops->finish(d) : TY_OK;
}

uint64_t ty_decoder_lines(const ty_decoder *d)
{
    return d->lr.lineno;
}

void ty_decoder_free(ty_decoder **pd)
{
    ty_decoder *d = *pd;
    if (!d)
        return;
    if (d->ops && d->ops->free)
        d->ops->free(d);
    lines_free(&d->lr);
    raw_free(&d->raw);
    free(d->rec.pool);
    free(d);
    *pd = NULL;
}
