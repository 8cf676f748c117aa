/*
 * validate.c - checks one raw document against exchange spec v1 and turns it
 * into a ty_record.
 *
 * Everything a platform can get wrong in a single record is caught here, in one
 * place for every input format, and reported as the first fault found: its field
 * path ("items[2].unit_price") and what was wrong, quoting the offending value.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "raw.h"
#include "tianyan/codec.h"
#include "tianyan/isocodes.h"
#include "tianyan/timeutil.h"

/* field-seen bitmasks below hold one bit per field */
_Static_assert(TY_FIELDS_MAX <= 32, "field masks are 32 bits");

/* Dates outside 1900-01-01 .. 2100-12-31 are taken as typing errors. */
#define DATE_MIN_DAYS (-25567)
#define DATE_MAX_DAYS 47846

/* One step of the path to the value being checked: a key, or an array index. */
typedef struct path_step {
    const char *key; /* NULL for an array index */
    size_t keylen;
    uint32_t index;
} path_step;

#define PATH_MAX_DEPTH 4

typedef struct vctx {
    const raw_doc *d;
    uint64_t line;
    const ty_codec_limits *lim;
    ty_record *rec;
    ty_reject *rej;
    path_step path[PATH_MAX_DEPTH]; /* formatted only when a check fails */
    int depth;
} vctx;

static void path_key(vctx *c, const char *key, size_t n)
{
    if (c->depth < PATH_MAX_DEPTH)
        c->path[c->depth] = (path_step){key, n, 0};
    c->depth++;
}

static void path_index(vctx *c, uint32_t i)
{
    if (c->depth < PATH_MAX_DEPTH)
        c->path[c->depth] = (path_step){NULL, 0, i};
    c->depth++;
}

static void path_pop(vctx *c)
{
    c->depth--;
}

/* "items[2].unit_price", field names cut at 64 bytes, control characters dropped. */
static void format_path(const vctx *c, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < c->depth && i < PATH_MAX_DEPTH && o + 1 < n; i++) {
        const path_step *p = &c->path[i];
        int w;
        if (p->key) {
            if (i > 0)
                out[o++] = '.';
            size_t k = p->keylen > 64 ? 64 : p->keylen;
            for (size_t j = 0; j < k && o + 1 < n; j++)
                if ((unsigned char)p->key[j] >= 0x20 && p->key[j] != '"')
                    out[o++] = p->key[j];
            out[o] = '\0';
            continue;
        }
        w = snprintf(out + o, n - o, "[%u]", p->index);
        if (w < 0)
            break;
        o += (size_t)w;
        if (o >= n)
            o = n - 1;
    }
}

static const char *tok_text(const vctx *c, const raw_tok *t)
{
    return c->d->text.data + t->off;
}

static int is_text(const raw_tok *t)
{
    return t->kind == RAW_STRING || t->kind == RAW_TEXT;
}

/* "got ..." phrase for a value of the wrong shape. */
static void describe(const vctx *c, const raw_tok *t, char *out, size_t n)
{
    switch (t->kind) {
    case RAW_NULL:
        snprintf(out, n, "null");
        break;
    case RAW_ARRAY:
        snprintf(out, n, "an array");
        break;
    case RAW_OBJECT:
        snprintf(out, n, "an object");
        break;
    default:
        ty_quote_for_message(out, n, tok_text(c, t), t->len, 60);
        break;
    }
}

static ty_err fail(vctx *c, ty_reject_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ty_err fail(vctx *c, ty_reject_class cls, const char *fmt, ...)
{
    char path[sizeof c->rej->field];
    format_path(c, path, sizeof path);
    char msg[sizeof c->rej->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ty_reject_set(c->rej, c->line, cls, path, "%s", msg);
}

static ty_err wrong_type(vctx *c, const char *expected, const raw_tok *t)
{
    char got[96];
    describe(c, t, got, sizeof got);
    return fail(c, TY_REJ_TYPE, "expected %s, got %s", expected, got);
}

/* Rejects control characters (all of them, or all but tab/CR/LF for free text). */
static ty_err check_controls(vctx *c, const char *s, size_t n, int text)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) {
            if (text && (ch == '\t' || ch == '\n' || ch == '\r'))
                continue;
            return fail(c, TY_REJ_FORMAT, "contains a control character (U+%04X) at byte %zu", ch,
                        i);
        }
    }
    return TY_OK;
}

static ty_err check_len(vctx *c, size_t n, int64_t lo, int64_t hi)
{
    if (n == 0 && lo > 0)
        return fail(c, TY_REJ_RANGE, "must not be empty");
    if ((int64_t)n > hi)
        return fail(c, TY_REJ_TOO_LONG, "longer than %" PRId64 " bytes (got %zu)", hi, n);
    return TY_OK;
}

/* Strict integer: -?[0-9]+, no fraction, exponent, sign '+' or spaces. */
static ty_err parse_int(vctx *c, const raw_tok *t, int64_t lo, int64_t hi, int64_t *out)
{
    if (t->kind != RAW_NUMBER && t->kind != RAW_TEXT)
        return wrong_type(c, "an integer", t);
    const char *s = tok_text(c, t);
    size_t n = t->len, i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    if (i == n)
        return wrong_type(c, "an integer", t);
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return wrong_type(c, "an integer", t);
        if (v > (UINT64_MAX - 9) / 10) {
            char got[96];
            describe(c, t, got, sizeof got);
            return fail(c, TY_REJ_RANGE, "must be between %" PRId64 " and %" PRId64 ", got %s", lo,
                        hi, got);
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX) {
        char got[96];
        describe(c, t, got, sizeof got);
        return fail(c, TY_REJ_RANGE, "must be between %" PRId64 " and %" PRId64 ", got %s", lo, hi,
                    got);
    }
    int64_t x = neg ? -(int64_t)v : (int64_t)v;
    if (x < lo || x > hi)
        return fail(c, TY_REJ_RANGE, "must be between %" PRId64 " and %" PRId64 ", got %" PRId64,
                    lo, hi, x);
    *out = x;
    return TY_OK;
}

static ty_err enum_value(vctx *c, const ty_enum *e, const raw_tok *t, int64_t *out)
{
    if (!is_text(t))
        return wrong_type(c, "a code string", t);
    int k = ty_enum_find(e, tok_text(c, t), t->len);
    if (k < 0) {
        char got[96], list[200];
        size_t used = 0;
        list[0] = '\0';
        for (size_t i = 0; i < e->count && used + 1 < sizeof list; i++) {
            int w =
                snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", e->values[i].code);
            if (w < 0 || (size_t)w >= sizeof list - used) {
                snprintf(list + (sizeof list > 5 ? sizeof list - 5 : 0), 5, "...");
                break;
            }
            used += (size_t)w;
        }
        describe(c, t, got, sizeof got);
        return fail(c, TY_REJ_ENUM, "unknown code %s; expected one of: %s", got, list);
    }
    *out = k;
    return TY_OK;
}

/* GS1 check digit (GS1 General Specifications, section 7.9.1): weights 3 and 1
 * alternate from the digit next to the check digit leftwards. */
static int gtin_ok(const char *s, size_t n)
{
    if (n != 8 && n != 12 && n != 13 && n != 14)
        return 0;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned dgt = (unsigned)(s[n - 2 - i] - '0');
        sum += (i % 2 == 0) ? dgt * 3 : dgt;
    }
    return (10 - sum % 10) % 10 == (unsigned)(s[n - 1] - '0');
}

static ty_err val_field(vctx *c, const ty_field *f, const raw_tok *t, ty_value *v);

/* A text-like scalar: checks shape and length, records s_off/s_len. */
/* Only spaces, tabs and line breaks? */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

static ty_err val_textlike(vctx *c, const ty_field *f, const raw_tok *t, ty_value *v,
                           const char *expected, int64_t lo, int64_t hi, int free_text)
{
    if (!is_text(t))
        return wrong_type(c, expected, t);
    TY_TRY(check_len(c, t->len, lo, hi));
    TY_TRY(check_controls(c, tok_text(c, t), t->len, free_text));
    (void)f;
    if (lo > 0 && blank(tok_text(c, t), t->len))
        return fail(c, TY_REJ_RANGE, "must not be blank");
    v->s_off = t->off;
    v->s_len = t->len;
    return TY_OK;
}

static ty_err val_list(vctx *c, const ty_field *f, const raw_tok *arr, ty_value *v)
{
    if (arr->kind != RAW_ARRAY)
        return wrong_type(c, "an array", arr);
    const raw_doc *d = c->d;
    uint32_t idx = (uint32_t)(arr - d->tok);
    uint32_t count = 0;
    for (uint32_t j = idx + 1; j < arr->end; j = d->tok[j].end)
        count++;
    if ((int64_t)count < f->min || (int64_t)count > f->max)
        return fail(c, TY_REJ_RANGE, "must have %" PRId64 " to %" PRId64 " items, got %u", f->min,
                    f->max, count);
    uint32_t per = f->kind == TY_FK_OBJECTS ? (uint32_t)f->sub->nfields : 1;
    if ((uint64_t)c->rec->npool + (uint64_t)count * per > TY_POOL_MAX)
        return fail(c, TY_REJ_TOO_LONG, "record has too many nested values (limit %d)",
                    TY_POOL_MAX);
    v->first = c->rec->npool;
    v->count = count;
    c->rec->npool += count * per;
    memset(&c->rec->pool[v->first], 0, sizeof(ty_value) * count * per);
    uint32_t k = 0;
    for (uint32_t j = idx + 1; j < arr->end; j = d->tok[j].end, k++) {
        const raw_tok *it = &d->tok[j];
        path_index(c, k);
        if (f->kind == TY_FK_STR_LIST) {
            ty_value *iv = &c->rec->pool[v->first + k];
            TY_TRY(val_textlike(c, f, it, iv, "a string", 1, f->item_max, 0));
            iv->present = 1;
        } else if (f->kind == TY_FK_ENUM_LIST) {
            ty_value *iv = &c->rec->pool[v->first + k];
            TY_TRY(enum_value(c, f->enumv, it, &iv->i));
            iv->s_off = it->off;
            iv->s_len = it->len;
            iv->present = 1;
        } else { /* OBJECTS */
            if (it->kind != RAW_OBJECT)
                return wrong_type(c, "an object", it);
            const ty_schema *sub = f->sub;
            ty_value *ov = &c->rec->pool[v->first + k * per];
            uint32_t seen = 0; /* fields given, null included: a key twice is an error */
            for (uint32_t m = j + 1; m < it->end; m = d->tok[m].end) {
                const raw_tok *ft = &d->tok[m];
                const char *key = d->text.data + ft->key_off;
                path_key(c, key, ft->key_len);
                int fi = ty_schema_field(sub, key, ft->key_len);
                if (fi < 0) {
                    if (ft->key_len >= 2 && key[0] == 'x' && key[1] == '_') {
                        path_pop(c);
                        continue;
                    }
                    return fail(c, TY_REJ_UNKNOWN_FIELD, "unknown field");
                }
                if (seen & (1u << fi))
                    return fail(c, TY_REJ_DUPLICATE_FIELD, "field given twice");
                seen |= 1u << fi;
                if (ft->kind != RAW_NULL) {
                    TY_TRY(val_field(c, &sub->fields[fi], ft, &ov[fi]));
                    ov[fi].present = 1;
                }
                path_pop(c);
            }
            for (size_t fi = 0; fi < sub->nfields; fi++)
                if ((sub->fields[fi].flags & TY_FF_REQUIRED) && !ov[fi].present) {
                    path_key(c, sub->fields[fi].name, strlen(sub->fields[fi].name));
                    return fail(c, TY_REJ_MISSING, "required field is missing");
                }
        }
        path_pop(c);
    }
    return TY_OK;
}

static ty_err val_field(vctx *c, const ty_field *f, const raw_tok *t, ty_value *v)
{
    const char *why = NULL;
    switch (f->kind) {
    case TY_FK_ID:
    case TY_FK_BUYER:
        return val_textlike(c, f, t, v, "a string", 1, f->kind == TY_FK_ID ? f->max : 128, 0);
    case TY_FK_STR:
        return val_textlike(c, f, t, v, "a string", f->min, f->max, 0);
    case TY_FK_TEXT:
        return val_textlike(c, f, t, v, "a string", f->min, f->max, 1);
    case TY_FK_INT:
        return parse_int(c, t, f->min, f->max, &v->i);
    case TY_FK_VERSION: {
        TY_TRY(val_textlike(c, f, t, v, "a version string", 1, 16, 0));
        const char *s = tok_text(c, t);
        int ok = t->len >= 1 && s[0] == '0' + TY_SPEC_MAJOR;
        if (ok && t->len > 1) {
            ok = s[1] == '.' && t->len > 2;
            for (size_t i = 2; ok && i < t->len; i++)
                ok = s[i] >= '0' && s[i] <= '9';
        }
        if (!ok) {
            char got[96];
            describe(c, t, got, sizeof got);
            return fail(c, TY_REJ_VERSION, "unsupported spec_version %s; this build reads %d.x",
                        got, TY_SPEC_MAJOR);
        }
        return TY_OK;
    }
    case TY_FK_TYPE:
        return val_textlike(c, f, t, v, "a record type", 1, 32, 0);
    case TY_FK_TIME: {
        if (!is_text(t))
            return wrong_type(c, "an RFC 3339 date-time string", t);
        int off;
        if (ty_time_parse(tok_text(c, t), t->len, &v->i, &off, &why) != TY_OK) {
            char got[96];
            describe(c, t, got, sizeof got);
            return fail(c, TY_REJ_FORMAT, "%s, got %s", why, got);
        }
        v->offset = off;
        int64_t now = c->lim->now_ms ? c->lim->now_ms : ty_now_ms();
        if (v->i < TY_TIME_MIN_MS)
            return fail(c, TY_REJ_RANGE, "before 2000-01-01T00:00:00Z");
        if (v->i > now + c->lim->max_future_ms)
            return fail(c, TY_REJ_RANGE,
                        "more than %" PRId64 " hours in the future (check the clock and offset)",
                        c->lim->max_future_ms / 3600000);
        v->s_off = t->off;
        v->s_len = t->len;
        return TY_OK;
    }
    case TY_FK_DATE: {
        if (!is_text(t))
            return wrong_type(c, "a date string YYYY-MM-DD", t);
        int32_t days;
        if (ty_date_parse(tok_text(c, t), t->len, &days, &why) != TY_OK) {
            char got[96];
            describe(c, t, got, sizeof got);
            return fail(c, TY_REJ_FORMAT, "%s, got %s", why, got);
        }
        if (days < DATE_MIN_DAYS || days > DATE_MAX_DAYS)
            return fail(c, TY_REJ_RANGE, "must be between 1900-01-01 and 2100-12-31");
        v->i = days;
        v->s_off = t->off;
        v->s_len = t->len;
        return TY_OK;
    }
    case TY_FK_ENUM:
        TY_TRY(enum_value(c, f->enumv, t, &v->i));
        v->s_off = t->off;
        v->s_len = t->len;
        return TY_OK;
    case TY_FK_COUNTRY:
    case TY_FK_REGION:
    case TY_FK_CURRENCY:
    case TY_FK_GTIN: {
        if (!is_text(t))
            return wrong_type(c, "a string", t);
        const char *s = tok_text(c, t);
        int ok;
        const char *what;
        if (f->kind == TY_FK_COUNTRY) {
            ok = ty_iso_country(s, t->len);
            what = "an ISO 3166-1 alpha-2 country code (like CN, JP, FR)";
        } else if (f->kind == TY_FK_REGION) {
            ok = ty_iso_region(s, t->len) || ty_iso_country(s, t->len);
            what = "an ISO 3166-2 subdivision code (like CN-ZJ) or ISO 3166-1 country code";
        } else if (f->kind == TY_FK_CURRENCY) {
            ok = ty_iso_currency(s, t->len);
            what = "an ISO 4217 currency code (like CNY, USD)";
        } else {
            ok = gtin_ok(s, t->len);
            what = "a GTIN of 8, 12, 13 or 14 digits with a valid GS1 check digit";
        }
        if (!ok) {
            char got[96];
            describe(c, t, got, sizeof got);
            return fail(c, TY_REJ_FORMAT, "expected %s, got %s", what, got);
        }
        v->s_off = t->off;
        v->s_len = t->len;
        return TY_OK;
    }
    case TY_FK_STR_LIST:
    case TY_FK_ENUM_LIST:
    case TY_FK_OBJECTS:
        return val_list(c, f, t, v);
    }
    return fail(c, TY_REJ_TYPE, "field kind not handled");
}

ty_err raw_validate(const raw_doc *d, uint64_t line, const ty_codec_limits *lim, ty_record *rec,
                    ty_reject *rej)
{
    vctx c = {.d = d, .line = line, .lim = lim, .rec = rec, .rej = rej, .depth = 0};
    rec->line = line;
    rec->text = d->text.data;
    rec->npool = 0;
    rec->schema = NULL;
    memset(rec->top, 0, sizeof rec->top);
    if (d->ntok == 0 || d->tok[0].kind != RAW_OBJECT)
        return fail(&c, TY_REJ_SYNTAX, "expected one JSON object per line");
    const raw_tok *root = &d->tok[0];

    /* The type decides the schema, so find it first wherever it appears. */
    const raw_tok *type_tok = NULL;
    path_key(&c, "type", 4);
    for (uint32_t j = 1; j < root->end; j = d->tok[j].end) {
        const raw_tok *t = &d->tok[j];
        if (t->key_len == 4 && memcmp(d->text.data + t->key_off, "type", 4) == 0) {
            if (type_tok)
                return fail(&c, TY_REJ_DUPLICATE_FIELD, "field given twice");
            type_tok = t;
        }
    }
    if (!type_tok || type_tok->kind == RAW_NULL)
        return fail(&c, TY_REJ_MISSING, "required field is missing");
    if (!is_text(type_tok))
        return wrong_type(&c, "a record type string", type_tok);
    const ty_schema *s = ty_schema_by_name(d->text.data + type_tok->off, type_tok->len);
    if (!s) {
        char got[96];
        describe(&c, type_tok, got, sizeof got);
        return fail(&c, TY_REJ_ENUM,
                    "unknown record type %s; expected one of: users_online, product, merchant, "
                    "order, review, return, complaint, adverse_event",
                    got);
    }
    rec->schema = s;

    uint32_t seen = 0; /* fields given, null included: a key twice is an error */
    for (uint32_t j = 1; j < root->end; j = d->tok[j].end) {
        const raw_tok *t = &d->tok[j];
        const char *key = d->text.data + t->key_off;
        c.depth = 0;
        path_key(&c, key, t->key_len);
        int fi = ty_schema_field(s, key, t->key_len);
        if (fi < 0) {
            if (t->key_len >= 2 && key[0] == 'x' && key[1] == '_')
                continue; /* extension field: allowed, not stored */
            return fail(&c, TY_REJ_UNKNOWN_FIELD, "unknown field for record type %s", s->name);
        }
        if (seen & (1u << fi))
            return fail(&c, TY_REJ_DUPLICATE_FIELD, "field given twice");
        seen |= 1u << fi;
        if (t->kind == RAW_NULL)
            continue; /* null means absent */
        TY_TRY(val_field(&c, &s->fields[fi], t, &rec->top[fi]));
        rec->top[fi].present = 1;
    }
    for (size_t fi = 0; fi < s->nfields; fi++)
        if ((s->fields[fi].flags & TY_FF_REQUIRED) && !rec->top[fi].present) {
            c.depth = 0;
            path_key(&c, s->fields[fi].name, strlen(s->fields[fi].name));
            return fail(&c, TY_REJ_MISSING, "required field is missing");
        }
    if (s->check)
        TY_TRY(s->check(rec, rej));
    return TY_OK;
}
