/*
 * record.h - the exchange-spec record model: record types, their field schemas,
 * enumerations, and one decoded record.
 *
 * The schema tables in src/core/schema.c are the single description of
 * exchange spec v1 (docs/exchange-spec.md): the decoders validate against them,
 * the canonical JSON writer walks them, and `tianyan spec` prints them as the
 * field tables of the spec document (a test fails if the document is stale).
 *
 * A decoded ty_record does not own text: string values point into the text
 * arena of the decoder that produced it, valid until the decoder's next record.
 */
#ifndef TIANYAN_RECORD_H
#define TIANYAN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/error.h"

/* Exchange spec major version this build implements; records carry "1.<minor>". */
#define TY_SPEC_MAJOR   1
#define TY_SPEC_VERSION "1.0"

/* Record types. The numbers are stored in the database: never renumber. */
typedef enum {
    TY_REC_USERS_ONLINE = 1,
    TY_REC_PRODUCT = 2,
    TY_REC_MERCHANT = 3,
    TY_REC_ORDER = 4,
    TY_REC_REVIEW = 5,
    TY_REC_RETURN = 6,
    TY_REC_COMPLAINT = 7,
    TY_REC_ADVERSE_EVENT = 8,
} ty_rec_type;
#define TY_REC_TYPE_MAX 8

/* How a field's value is written and checked. */
typedef enum {
    TY_FK_ID,        /* platform-chosen identifier: 1..max bytes, no control characters */
    TY_FK_STR,       /* short single-line text (names, titles) */
    TY_FK_TEXT,      /* free text; line breaks and tabs allowed */
    TY_FK_INT,       /* integer in [min, max] */
    TY_FK_TIME,      /* RFC 3339 date-time with offset */
    TY_FK_DATE,      /* YYYY-MM-DD */
    TY_FK_ENUM,      /* one code of an enumeration */
    TY_FK_COUNTRY,   /* ISO 3166-1 alpha-2 */
    TY_FK_REGION,    /* ISO 3166-2 subdivision code, or ISO 3166-1 alpha-2 */
    TY_FK_CURRENCY,  /* ISO 4217 alpha-3 */
    TY_FK_GTIN,      /* GS1 GTIN-8/12/13/14 with a valid check digit */
    TY_FK_BUYER,     /* pseudonymous buyer id; keyed-hashed before it is stored */
    TY_FK_VERSION,   /* spec_version: "1" or "1.<minor>" */
    TY_FK_TYPE,      /* the record type name */
    TY_FK_STR_LIST,  /* array of TY_FK_STR items */
    TY_FK_ENUM_LIST, /* array of enumeration codes */
    TY_FK_OBJECTS,   /* array of objects described by a sub-schema */
} ty_field_kind;

/* Field flags. */
#define TY_FF_REQUIRED 1u

typedef struct ty_enum_value {
    const char *code; /* stable wire value */
    const char *zh;   /* simplified Chinese label */
    const char *en;   /* English label */
} ty_enum_value;

typedef struct ty_enum {
    const char *name; /* "return_reason" */
    const ty_enum_value *values;
    size_t count;
    const char *doc; /* what the enumeration is for, with its source where one exists */
} ty_enum;

struct ty_schema;
struct ty_record;
struct ty_reject;

typedef struct ty_field {
    const char *name;
    ty_field_kind kind;
    unsigned flags;
    int64_t min, max;            /* INT: value range; text kinds: bytes; lists: item count */
    uint32_t item_max;           /* list kinds: largest item in bytes */
    const ty_enum *enumv;        /* ENUM, ENUM_LIST */
    const struct ty_schema *sub; /* OBJECTS */
    const char *doc;             /* one line for the spec's field table */
} ty_field;

/* Cross-field rule run after every field has been checked; fills rej and returns
 * TY_EVALIDATE when the record breaks it. */
typedef ty_err (*ty_record_check_fn)(const struct ty_record *rec, struct ty_reject *rej);

typedef struct ty_schema {
    const char *name; /* wire name: "order" */
    int type;         /* ty_rec_type, or 0 for a sub-schema */
    const char *zh, *en;
    const ty_field *fields;
    size_t nfields;
    const char *doc;
    ty_record_check_fn check;
} ty_schema;

/* Indices of the fields every record type starts with. */
enum { TY_F_SPEC_VERSION = 0, TY_F_TYPE = 1, TY_F_ID = 2, TY_F_TIME = 3 };

/* Most fields any schema has (top level or sub-schema). */
#define TY_FIELDS_MAX 24

/* ---- schema look-ups (src/core/schema.c) ---- */

/* The schema of a record type, or NULL. */
const ty_schema *ty_schema_of(int type);

/* The schema whose wire name is the n bytes at name, or NULL. */
const ty_schema *ty_schema_by_name(const char *name, size_t n);

/* Index of the field named by the n bytes at name in s, or -1. */
int ty_schema_field(const ty_schema *s, const char *name, size_t n);

/* All enumerations, for documentation. */
const ty_enum *const *ty_enums(size_t *count);

/* Index of code within e, or -1. */
int ty_enum_find(const ty_enum *e, const char *code, size_t n);

/* Name of a field kind as the spec writes it ("integer", "RFC 3339 date-time"). */
const char *ty_field_kind_name(ty_field_kind k);

/* ---- one decoded record ---- */

typedef struct ty_value {
    uint8_t present;
    int32_t offset;        /* TIME: offset in minutes east of UTC */
    int64_t i;             /* INT: value; TIME: ms UTC; DATE: days; ENUM: index */
    uint32_t s_off, s_len; /* text kinds: value bytes in the record's text arena */
    uint32_t first, count; /* list kinds: items in pool; OBJECTS: count objects of
                              sub->nfields values each, starting at pool[first] */
} ty_value;

/* Largest number of nested values (list items and object fields) in one record. */
#define TY_POOL_MAX 8192

typedef struct ty_record {
    const ty_schema *schema;
    uint64_t line;    /* first input line of the record (1-based) */
    const char *text; /* text arena the values point into */
    ty_value top[TY_FIELDS_MAX];
    ty_value *pool; /* owned by the decoder; TY_POOL_MAX entries */
    uint32_t npool;
} ty_record;

/* Text of a value (not NUL-terminated); *n receives its length. */
static inline const char *ty_value_str(const ty_record *r, const ty_value *v, size_t *n)
{
    *n = v->s_len;
    return r->text + v->s_off;
}

/* The record's platform-chosen id. */
static inline const char *ty_record_id(const ty_record *r, size_t *n)
{
    return ty_value_str(r, &r->top[TY_F_ID], n);
}

/* The value of field f of object k of an OBJECTS value v. */
static inline const ty_value *ty_object_field(const ty_record *r, const ty_field *objs,
                                              const ty_value *v, uint32_t k, int f)
{
    return &r->pool[v->first + k * (uint32_t)objs->sub->nfields + (uint32_t)f];
}

/* ---- rejects ---- */

/* X(code, name): why a line was rejected. The names are stable (API error codes, metrics). */
#define TY_REJECT_LIST(X)                        \
    X(TY_REJ_SYNTAX, "syntax")                   \
    X(TY_REJ_UTF8, "invalid_utf8")               \
    X(TY_REJ_TOO_LONG, "too_long")               \
    X(TY_REJ_UNKNOWN_FIELD, "unknown_field")     \
    X(TY_REJ_DUPLICATE_FIELD, "duplicate_field") \
    X(TY_REJ_MISSING, "missing_field")           \
    X(TY_REJ_TYPE, "wrong_type")                 \
    X(TY_REJ_RANGE, "out_of_range")              \
    X(TY_REJ_FORMAT, "bad_format")               \
    X(TY_REJ_ENUM, "unknown_code")               \
    X(TY_REJ_RULE, "rule")                       \
    X(TY_REJ_VERSION, "unsupported_version")     \
    X(TY_REJ_HEADER, "bad_header")               \
    X(TY_REJ_CONFLICT, "conflicting_duplicate")

typedef enum {
#define TY_REJ_ENUM_(code, name) code,
    TY_REJECT_LIST(TY_REJ_ENUM_)
#undef TY_REJ_ENUM_
        TY_REJ__COUNT
} ty_reject_class;

const char *ty_reject_class_name(ty_reject_class c);

typedef struct ty_reject {
    uint64_t line; /* 1-based input line; 0 when not tied to a line */
    ty_reject_class class_;
    char field[128];   /* "items[2].unit_price"; "" when the whole line is at fault */
    char message[320]; /* what was wrong, for a person */
} ty_reject;

/* Fills rej; the message is printf-formatted. Returns TY_EVALIDATE for convenience. */
ty_err ty_reject_set(struct ty_reject *rej, uint64_t line, ty_reject_class c, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "line 17: field \"unit_price\": expected an integer, got \"12.5\"" into out. */
void ty_reject_format(const struct ty_reject *rej, char *out, size_t n);

/* Appends s (n bytes) to out for an error message: quoted, cut at max bytes on a
 * UTF-8 boundary, control characters escaped. */
void ty_quote_for_message(char *out, size_t outsz, const char *s, size_t n, size_t max);

/* ---- canonical JSON ---- */

/* Writes a pseudonym for a buyer id into out (NUL-terminated, at most 79 bytes). */
typedef ty_err (*ty_buyer_hash_fn)(void *ctx, const char *id, size_t n, char out[80]);

/*
 * Appends the canonical JSON of rec to out: fields in schema order, absent
 * fields omitted, times re-written in the sender's offset, buyer ids replaced by
 * hash(ctx, id). Returns TY_ELIMIT if out's maximum is reached.
 */
ty_err ty_record_to_json(const ty_record *rec, ty_buyer_hash_fn hash, void *ctx, ty_buf *out);

#endif
