/*
 * raw.h - the format-neutral form of one input record, between a decoder and
 * validation (private to src/codec/).
 *
 * A decoder (JSON Lines, CSV, an importer) turns one line or row group into a
 * raw_doc: a flat array of tokens in document order, each subtree ending at
 * tok[i].end, with all text (keys and values, already unescaped) in one arena.
 * raw_validate() then checks the document against the exchange-spec schema and
 * fills a ty_record whose strings point into the same arena.
 *
 * Contract for decoders: every key and string in the arena is valid UTF-8.
 */
#ifndef TIANYAN_CODEC_RAW_H
#define TIANYAN_CODEC_RAW_H

#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/codec.h"
#include "tianyan/record.h"

typedef enum {
    RAW_NULL,
    RAW_BOOL,
    RAW_NUMBER, /* JSON number, text as written */
    RAW_STRING, /* JSON string */
    RAW_TEXT,   /* untyped text (CSV and importers): read as whatever the field expects */
    RAW_ARRAY,
    RAW_OBJECT,
} raw_kind;

typedef struct raw_tok {
    uint8_t kind;
    uint32_t key_off, key_len; /* key inside an object; key_len 0 for array items and root */
    uint32_t off, len;         /* scalar text */
    uint32_t end;              /* index one past this token's last descendant */
} raw_tok;

/* Most tokens one record may have (bounded memory per line). */
#define RAW_TOK_MAX 16384

typedef struct raw_doc {
    raw_tok *tok;
    uint32_t ntok, cap;
    ty_buf text;
} raw_doc;

void raw_init(raw_doc *d, size_t text_max);
void raw_reset(raw_doc *d);
void raw_free(raw_doc *d);

/* Appends a token; its key (may be NULL) and value text are copied to the arena.
 * Sets *idx to the token's index. TY_ELIMIT past RAW_TOK_MAX or the arena max. */
ty_err raw_push(raw_doc *d, raw_kind k, const char *key, size_t klen, const char *val, size_t vlen,
                uint32_t *idx);

/* Closes a container token opened at idx: its subtree ends at the current token count. */
static inline void raw_close(raw_doc *d, uint32_t idx)
{
    d->tok[idx].end = d->ntok;
}

/*
 * Validates the document against exchange spec v1 and fills rec (whose pool
 * must hold TY_POOL_MAX values). On failure fills rej (line = the given line)
 * and returns TY_EVALIDATE.
 */
ty_err raw_validate(const raw_doc *d, uint64_t line, const ty_codec_limits *lim, ty_record *rec,
                    ty_reject *rej);

#endif
