/* raw.c - token arena for one input record (see raw.h). */
#include "raw.h"

#include <stdlib.h>
#include <string.h>

void raw_init(raw_doc *d, size_t text_max)
{
    d->tok = NULL;
    d->ntok = 0;
    d->cap = 0;
    ty_buf_init(&d->text, text_max);
}

void raw_reset(raw_doc *d)
{
    d->ntok = 0;
    ty_buf_reset(&d->text);
}

void raw_free(raw_doc *d)
{
    free(d->tok);
    d->tok = NULL;
    d->ntok = d->cap = 0;
    ty_buf_free(&d->text);
}

ty_err raw_push(raw_doc *d, raw_kind k, const char *key, size_t klen, const char *val, size_t vlen,
                uint32_t *idx)
{
    if (d->ntok >= RAW_TOK_MAX)
        return TY_ELIMIT;
    if (d->ntok == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;
        raw_tok *t = realloc(d->tok, sizeof *t * cap);
        if (!t)
            return TY_ENOMEM;
        d->tok = t;
        d->cap = cap;
    }
    /* one reservation for key, value and their NULs */
    TY_TRY(ty_buf_reserve(&d->text, klen + vlen + 2));
    raw_tok *t = &d->tok[d->ntok];
    char *w = d->text.data + d->text.len;
    t->kind = (uint8_t)k;
    t->key_off = (uint32_t)d->text.len;
    t->key_len = (uint32_t)klen;
    if (klen) {
        memcpy(w, key, klen);
        w[klen] = '\0';
        w += klen + 1;
    }
    t->off = (uint32_t)(w - d->text.data);
    t->len = (uint32_t)vlen;
    if (vlen)
        memcpy(w, val, vlen);
    w[vlen] = '\0';
    d->text.len = (size_t)(w - d->text.data) + vlen + 1;
    d->text.data[d->text.len] = '\0';
    t->end = d->ntok + 1;
    *idx = d->ntok++;
    return TY_OK;
}
