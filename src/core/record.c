/*
 * record.c - rejects (how a refused line is described) and the canonical JSON
 * form of a record, which is what the store keeps.
 *
 * Canonical JSON is written with yajl's generator: fields in schema order,
 * absent fields left out, buyer ids replaced by their keyed hash, so the same
 * record always gives the same bytes whatever the input format was.
 */
#include <stdio.h>
#include <pthread.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "tianyan/record.h"
#include "tianyan/timeutil.h"

static const char *const reject_names[] = {
#define TY_REJ_NAME_(code, name) name,
    TY_REJECT_LIST(TY_REJ_NAME_)
#undef TY_REJ_NAME_
};

const char *ty_reject_class_name(ty_reject_class c)
{
    if ((unsigned)c >= TY_REJ__COUNT)
        return "unknown";
    return reject_names[c];
}

ty_err ty_reject_set(ty_reject *rej, uint64_t line, ty_reject_class c, const char *field,
                     const char *fmt, ...)
{
    rej->line = line;
    rej->class_ = c;
    snprintf(rej->field, sizeof rej->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rej->message, sizeof rej->message, fmt, ap);
    va_end(ap);
    return TY_EVALIDATE;
}

void ty_reject_format(const ty_reject *rej, char *out, size_t n)
{
    char line[32] = "";
    if (rej->line)
        snprintf(line, sizeof line, "line %llu: ", (unsigned long long)rej->line);
    if (rej->field[0])
        snprintf(out, n, "%sfield \"%s\": %s", line, rej->field, rej->message);
    else
        snprintf(out, n, "%s%s", line, rej->message);
}

void ty_quote_for_message(char *out, size_t outsz, const char *s, size_t n, size_t max)
{
    /* Every append keeps TAIL bytes free for the closing '..."' and the NUL. */
    enum { TAIL = 5 };
    if (outsz < TAIL + 2) {
        if (outsz)
            out[0] = '\0';
        return;
    }
    size_t o = 0, i = 0;
    out[o++] = '"';
    while (i < n && i < max) {
        unsigned char c = (unsigned char)s[i];
        size_t take = 1, width = 1;
        if (c >= 0xC0) { /* keep multi-byte sequences whole */
            take = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (i + take > n || i + take > max)
                break;
            width = take;
        } else if (c < 0x20 || c == 0x7f) {
            width = 6; /* \u00XX */
        } else if (c == '"' || c == '\\') {
            width = 2;
        }
        if (o + width + TAIL > outsz)
            break;
        if (width == 6) {
            snprintf(out + o, outsz - o, "\\u%04x", c);
        } else if (width == 2 && take == 1) {
            out[o] = '\\';
            out[o + 1] = (char)c;
        } else {
            memcpy(out + o, s + i, take);
        }
        o += width;
        i += take;
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* ---------------------------------------------------------------- canonical JSON */

typedef struct jctx {
    yajl_gen g;
    const ty_record *rec;
    ty_buyer_hash_fn hash;
    void *hctx;
} jctx;

static ty_err gen_ok(yajl_gen_status s)
{
    return s == yajl_gen_status_ok ? TY_OK : TY_EINVAL;
}

static ty_err put_str(jctx *j, const char *s, size_t n)
{
    return gen_ok(yajl_gen_string(j->g, (const unsigned char *)s, n));
}

static ty_err put_fields(jctx *j, const ty_schema *s, const ty_value *vals);

static ty_err put_value(jctx *j, const ty_field *f, const ty_value *v)
{
    const ty_record *r = j->rec;
    size_t n;
    const char *s;
    switch (f->kind) {
    case TY_FK_INT: {
        /* yajl_gen_integer goes through sprintf; digits by hand are several times faster */
        char num[24], *p = num + sizeof num;
        uint64_t u = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v->i < 0)
            *--p = '-';
        return gen_ok(yajl_gen_number(j->g, p, (size_t)(num + sizeof num - p)));
    }
    case TY_FK_TYPE:
        return put_str(j, r->schema->name, strlen(r->schema->name));
    case TY_FK_TIME: {
        char t[TY_TIME_TEXT_MAX];
        size_t tn = ty_time_format(v->i, v->offset, 1, t);
        return put_str(j, t, tn);
    }
    case TY_FK_BUYER: {
        char h[80];
        s = ty_value_str(r, v, &n);
        TY_TRY(j->hash(j->hctx, s, n, h));
        return put_str(j, h, strlen(h));
    }
    case TY_FK_STR_LIST:
    case TY_FK_ENUM_LIST:
        TY_TRY(gen_ok(yajl_gen_array_open(j->g)));
        for (uint32_t k = 0; k < v->count; k++) {
            s = ty_value_str(r, &r->pool[v->first + k], &n);
            TY_TRY(put_str(j, s, n));
        }
        return gen_ok(yajl_gen_array_close(j->g));
    case TY_FK_OBJECTS:
        TY_TRY(gen_ok(yajl_gen_array_open(j->g)));
        for (uint32_t k = 0; k < v->count; k++)
            TY_TRY(put_fields(j, f->sub, &r->pool[v->first + k * (uint32_t)f->sub->nfields]));
        return gen_ok(yajl_gen_array_close(j->g));
    default:
        s = ty_value_str(r, v, &n);
        return put_str(j, s, n);
    }
}

static ty_err put_fields(jctx *j, const ty_schema *s, const ty_value *vals)
{
    TY_TRY(gen_ok(yajl_gen_map_open(j->g)));
    for (size_t i = 0; i < s->nfields; i++) {
        if (!vals[i].present)
            continue;
        TY_TRY(put_str(j, s->fields[i].name, strlen(s->fields[i].name)));
        TY_TRY(put_value(j, &s->fields[i], &vals[i]));
    }
    return gen_ok(yajl_gen_map_close(j->g));
}

/*
 * One generator per thread, reused: allocating a yajl_gen per record cost as
 * much as writing it. It writes into its own buffer (cheaper than a print
 * callback per fragment), which is copied out once per record and cleared. A
 * thread-specific key frees it when its thread ends (the HTTP server's worker
 * threads end at shutdown; the main thread's stays reachable until exit).
 */
static _Thread_local yajl_gen tls_gen;
static pthread_key_t gen_key;
static pthread_once_t gen_once = PTHREAD_ONCE_INIT;

static void gen_free(void *g)
{
    yajl_gen_free(g);
}

static void gen_key_init(void)
{
    (void)pthread_key_create(&gen_key, gen_free);
}

ty_err ty_record_to_json(const ty_record *rec, ty_buyer_hash_fn hash, void *ctx, ty_buf *out)
{
    if (!tls_gen) {
        pthread_once(&gen_once, gen_key_init);
        tls_gen = yajl_gen_alloc(NULL);
        if (!tls_gen)
            return TY_ENOMEM;
        (void)pthread_setspecific(gen_key, tls_gen);
    }
    yajl_gen g = tls_gen;
    jctx j = {g, rec, hash, ctx};
    ty_err e = put_fields(&j, rec->schema, rec->top);
    if (e == TY_OK) { /* appended whole or not at all */
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        e = ty_buf_append(out, buf, len);
    }
    yajl_gen_clear(g);
    yajl_gen_reset(g, NULL);
    return e;
}
