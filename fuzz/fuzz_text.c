/*
 * fuzz_text.c - libFuzzer target for the text classifier (text.h): any bytes
 * as a buyer text. Checks the contract: invalid UTF-8 is reported at an offset
 * inside the text; otherwise every hit lies inside the text, hits are in text
 * order, a negated hit's cue lies inside the text, no more hits are stored
 * than the maximum, and the score is a probability. Seed corpus: texts in the
 * three scripts, negations, guards and broken UTF-8.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tianyan/text.h"

static ty_text *clf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ty_text_result r;
    if (!clf) {
        char err[512];
        if (ty_text_open(&clf, TY_DATA_DIR, err, sizeof err) != TY_OK) {
            fprintf(stderr, "fuzz_text: %s\n", err);
            abort();
        }
    }
    ty_err e = ty_text_classify(clf, (const char *)data, size, &r);
    if (e == TY_EPARSE) {
        if (r.bad_utf8_at >= size || r.nhits)
            abort();
        return 0;
    }
    if (e == TY_ELIMIT && size > TY_TEXT_LEN_MAX)
        return 0;
    if (e != TY_OK || r.nhits > TY_TEXT_HITS_MAX || r.nhits > r.nhits_total ||
        !(r.score >= 0 && r.score <= 1) || r.negative != (r.score >= 0.5))
        abort();
    for (size_t i = 0; i < r.nhits; i++) {
        const ty_text_hit *h = &r.hits[i];
        if (h->len == 0 || (size_t)h->off + h->len > size || h->cls >= TY_TEXT_NCLASSES ||
            (i && h->off < r.hits[i - 1].off) ||
            (h->negated && (size_t)h->cue_off + h->cue_len > size) ||
            (!h->negated && !(r.classes & (1u << h->cls))))
            abort();
    }
    return 0;
}
