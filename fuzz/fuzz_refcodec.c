/*
 * fuzz_refcodec.c - libFuzzer target for the reference-file readers
 * (refcodec.h): CosIng Annex II / III and Safety Gate CSV.
 *
 * The first input byte picks the format and the chunk size the rest is fed in,
 * so line and row boundaries fall everywhere. Every delivered row is checked
 * against the reader's contract (fields NUL-terminated at their length, ids in
 * canonical form, names inside the row). Seed corpus: the files of
 * ../shared/data/cosing and ../shared/data/safety-gate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tianyan/refcodec.h"

static ty_err on_row(void *ctx, const ty_ref_row *row)
{
    (void)ctx;
    for (size_t f = 0; f < row->nfields; f++)
        if (row->field[f][row->len[f]] != '\0')
            abort();
    for (size_t i = 0; i < row->nids; i++) {
        char v[TY_CHEMID_MAX];
        const ty_ref_id *id = &row->ids[i];
        size_t n = strlen(id->value);
        int ok = strcmp(id->kind, "cas") == 0 ? ty_cas_normalise(id->value, n, v)
                                              : ty_ec_normalise(id->value, n, v);
        if (!ok || strcmp(v, id->value) != 0)
            abort();
    }
    for (size_t i = 0; i < row->nnames; i++)
        if (row->names[i].n == 0 || memchr(row->names[i].s, '\0', row->names[i].n))
            abort();
    return TY_OK;
}

static ty_err on_reject(void *ctx, const ty_reject *rej)
{
    (void)ctx;
    if (!memchr(rej->message, '\0', sizeof rej->message))
        abort();
    return TY_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ty_ref_format f = (data[0] & 1) ? TY_REF_SAFETY_GATE : TY_REF_COSING;
    size_t chunk = (size_t)(data[0] >> 1) + 1;
    data++, size--;
    ty_ref_sink sink = {on_row, on_reject, NULL};
    ty_ref_reader *r;
    if (ty_ref_reader_new(&r, f, &sink) != TY_OK)
        return 0;
    for (size_t at = 0; at < size; at += chunk)
        if (ty_ref_reader_feed(r, data + at, at + chunk <= size ? chunk : size - at) != TY_OK)
            abort();
    if (ty_ref_reader_finish(r) != TY_OK)
        abort();
    ty_ref_reader_free(&r);
    return 0;
}
