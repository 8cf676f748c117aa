/*
 * jsonl.c - exchange spec JSON Lines decoder: one JSON object per line.
 *
 * yajl's event parser fills the raw token array directly, without building a
 * tree. One parser handle serves many lines (yajl_allow_multiple_values); after
 * a syntax error the handle is replaced, so a bad line never affects the next.
 * yajl checks UTF-8 inside strings and keys (its default), so an invalid byte
 * sequence is reported with the field it appeared in.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "decoder_impl.h"

#define DEPTH_MAX 16
#define KEY_MAX   256

typedef struct jsonl {
    yajl_handle h;
    ty_decoder *d;
    uint32_t stack[DEPTH_MAX];
    int depth;
    int done;       /* root value closed */
    int extra;      /* a second value (or the start of one) follows on the line */
    size_t end_off; /* bytes of the line up to the end of the root value */
    ty_err err;     /* arena/limit failure inside a callback */
    char key[KEY_MAX];
    size_t keylen;
    int have_key;
    char lastkey[KEY_MAX]; /* last key seen, to name the field of a lexical error */
    size_t lastkeylen;
} jsonl;

static int push(jsonl *j, raw_kind k, const char *v, size_t n)
{
    if (j->done) {
        j->extra = 1;
        return 0;
    }
    uint32_t idx;
    const char *key = j->have_key ? j->key : NULL;
    size_t klen = j->have_key ? j->keylen : 0;
    j->have_key = 0;
    ty_err e = raw_push(&j->d->raw, k, key, klen, v, n, &idx);
    if (e != TY_OK) {
        j->err = e;
        return 0;
    }
    if (k == RAW_ARRAY || k == RAW_OBJECT) {
        if (j->depth >= DEPTH_MAX) {
            j->err = TY_ELIMIT;
            return 0;
        }
        j->stack[j->depth++] = idx;
    } else if (j->depth == 0) {
        j->done = 1;
    }
    return 1;
}

static int pop(jsonl *j)
{
    raw_close(&j->d->raw, j->stack[--j->depth]);
    if (j->depth == 0) {
        j->done = 1;
        j->end_off = yajl_get_bytes_consumed(j->h); /* just past the closing bracket */
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return push(ctx, RAW_NULL, "null", 4);
}

static int cb_bool(void *ctx, int b)
{
    return push(ctx, RAW_BOOL, b ? "true" : "false", b ? 4 : 5);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    return push(ctx, RAW_NUMBER, s, n);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return push(ctx, RAW_STRING, (const char *)s, n);
}

static int cb_start_map(void *ctx)
{
    return push(ctx, RAW_OBJECT, NULL, 0);
}

static int cb_key(void *ctx, const unsigned char *s, size_t n)
{
    jsonl *j = ctx;
    if (n >= KEY_MAX) {
        j->err = TY_ELIMIT;
        return 0;
    }
    memcpy(j->key, s, n);
    j->key[n] = '\0';
    j->keylen = n;
    j->have_key = 1;
    memcpy(j->lastkey, s, n);
    j->lastkey[n] = '\0';
    j->lastkeylen = n;
    return 1;
}

static int cb_end(void *ctx)
{
    return pop(ctx);
}

static int cb_start_array(void *ctx)
{
    return push(ctx, RAW_ARRAY, NULL, 0);
}

static const yajl_callbacks callbacks = {
    cb_null,      cb_bool, NULL,   NULL,           cb_number, cb_string,
    cb_start_map, cb_key,  cb_end, cb_start_array, cb_end,
};

static ty_err new_handle(jsonl *j)
{
    if (j->h)
        yajl_free(j->h);
    j->h = yajl_alloc(&callbacks, NULL, j);
    if (!j->h)
        return TY_ENOMEM;
    yajl_config(j->h, yajl_allow_multiple_values, 1);
    return TY_OK;
}

static ty_err jsonl_init(ty_decoder *d)
{
    jsonl *j = calloc(1, sizeof *j);
    if (!j)
        return TY_ENOMEM;
    j->d = d;
    d->impl = j;
    return new_handle(j);
}

static void jsonl_free(ty_decoder *d)
{
    jsonl *j = d->impl;
    if (j) {
        if (j->h)
            yajl_free(j->h);
        free(j);
        d->impl = NULL;
    }
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* The field a parse error happened in: the pending key, or none. */
static const char *err_field(jsonl *j)
{
    return j->lastkeylen ? j->lastkey : "";
}

static ty_err jsonl_line(ty_decoder *d, const char *s, size_t n, uint64_t lineno)
{
    jsonl *j = d->impl;
    if (blank(s, n))
        return TY_OK; /* blank lines are allowed and ignored */
    raw_reset(&d->raw);
    j->depth = 0;
    j->done = 0;
    j->extra = 0;
    j->err = TY_OK;
    j->have_key = 0;
    j->lastkeylen = 0;
    j->lastkey[0] = '\0';

    j->end_off = 0;
    yajl_status st = yajl_parse(j->h, (const unsigned char *)s, n);
    if (st == yajl_status_ok && !j->done)
        st = yajl_parse(j->h, (const unsigned char *)" ", 1); /* ends a bare number */
    /* Only white space may follow the object: anything else could be a token
     * yajl's lexer is still holding (an unterminated string, a partial number),
     * which would otherwise be read as the start of the next line. */
    if (st == yajl_status_ok && j->done && !j->extra && !blank(s + j->end_off, n - j->end_off))
        j->extra = 1;
    if (st == yajl_status_ok && j->done && !j->extra)
        return dec_emit(d, lineno);

    ty_err out;
    if (st == yajl_status_ok && j->extra) {
        st = yajl_status_client_canceled; /* reported as "more than one JSON value" below */
    }
    if (st == yajl_status_error) {
        unsigned char *msg = yajl_get_error(j->h, 0, NULL, 0);
        size_t at = yajl_get_bytes_consumed(j->h);
        const char *m = msg ? (const char *)msg : "invalid JSON";
        int utf8 = strstr(m, "UTF8") != NULL;
        /* yajl ends its messages with ".\n"; keep the words */
        char clean[200];
        size_t cn = strcspn(m, "\n");
        if (cn >= sizeof clean)
            cn = sizeof clean - 1;
        memcpy(clean, m, cn);
        clean[cn] = '\0';
        if (cn && clean[cn - 1] == '.')
            clean[cn - 1] = '\0';
        if (utf8)
            out = dec_rejectf(d, lineno, TY_REJ_UTF8, err_field(j),
                              "invalid UTF-8 byte sequence (text must be UTF-8)");
        else if (strstr(m, "premature EOF"))
            out = dec_rejectf(d, lineno, TY_REJ_SYNTAX, err_field(j),
                              "incomplete JSON value (the object must end on the same line)");
        else
            out = dec_rejectf(d, lineno, TY_REJ_SYNTAX, err_field(j),
                              "invalid JSON: %s near byte %zu", clean, at);
        if (msg)
            yajl_free_error(j->h, msg);
    } else if (j->extra) {
        out = dec_rejectf(d, lineno, TY_REJ_SYNTAX, "",
                          "text after the JSON object (JSON Lines: one object per line)");
    } else if (j->err == TY_ELIMIT) {
        out = dec_rejectf(d, lineno, TY_REJ_TOO_LONG, err_field(j),
                          "record too large or nested too deeply (limits: %d levels, %d values, "
                          "%d-byte keys)",
                          DEPTH_MAX, RAW_TOK_MAX, KEY_MAX - 1);
    } else if (j->err != TY_OK) {
        return j->err;
    } else {
        out = dec_rejectf(d, lineno, TY_REJ_SYNTAX, err_field(j),
                          "incomplete JSON value (the object must end on the same line)");
    }
    TY_TRY(new_handle(j));
    return out;
}

const decoder_ops ty_jsonl_ops = {jsonl_init, jsonl_line, NULL, jsonl_free, NULL};
