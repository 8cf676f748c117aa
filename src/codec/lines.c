/* lines.c - bounded line splitting for pushed input (see lines.h). */
#include "lines.h"

#include <string.h>

void lines_init(line_reader *r, size_t max, void *ctx,
                ty_err (*on_line)(void *, const char *, size_t, uint64_t),
                ty_err (*on_too_long)(void *, uint64_t))
{
    ty_buf_init(&r->part, max + 1); /* + the CR of a CRLF line of exactly max bytes */
    r->max = max;
    r->lineno = 0;
    r->skipping = 0;
    r->started = 0;
    r->on_line = on_line;
    r->on_too_long = on_too_long;
    r->ctx = ctx;
}

void lines_free(line_reader *r)
{
    ty_buf_free(&r->part);
}

static ty_err deliver(line_reader *r, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (r->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    return r->on_line(r->ctx, s, n, r->lineno);
}

ty_err lines_feed(line_reader *r, const char *p, size_t n)
{
    while (n) {
        if (r->part.len == 0 && !r->skipping)
            r->lineno++, r->started = 1;
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (r->skipping) {
            /* rest of an over-long line: drop it */
        } else if (r->part.len == 0 && nl && take <= r->max + 1) {
            /* whole line inside this chunk (+1 allows the '\r' of CRLF) */
            if (take > r->max && !(take == r->max + 1 && p[take - 1] == '\r')) {
                TY_TRY(r->on_too_long(r->ctx, r->lineno));
            } else {
                TY_TRY(deliver(r, p, take));
            }
        } else if (r->part.len + take > r->max + 1) {
            ty_buf_reset(&r->part);
            r->skipping = 1;
            TY_TRY(r->on_too_long(r->ctx, r->lineno));
        } else {
            TY_TRY(ty_buf_append(&r->part, p, take));
            if (nl) {
                ty_err e;
                if (r->part.len > r->max && r->part.data[r->part.len - 1] != '\r')
                    e = r->on_too_long(r->ctx, r->lineno);
                else
                    e = deliver(r, r->part.data, r->part.len);
                ty_buf_reset(&r->part);
                TY_TRY(e);
            }
        }
        if (nl) {
            r->skipping = 0;
            take++;
        }
        p += take;
        n -= take;
        if (nl && n == 0)
            break;
    }
    return TY_OK;
}

ty_err lines_finish(line_reader *r)
{
    ty_err e = TY_OK;
    if (r->part.len && !r->skipping)
        e = deliver(r, r->part.data, r->part.len);
    ty_buf_reset(&r->part);
    r->skipping = 0;
    return e;
}
