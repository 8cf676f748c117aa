/*
 * text.h - risk classification of buyer text (reviews, complaints, return
 * notes) in simplified Chinese, traditional Chinese and English.
 *
 * Two parts, both read from the data folder at open:
 *   - lexicons (data/lexicon/): terms for six risk classes and for negative
 *     sentiment, compiled with their OpenCC-derived traditional variants into
 *     one Hyperscan database. Every hit is evidence a person can read: the
 *     class, the text as written, the lexicon entry and its byte offset. Hits
 *     governed by a negation cue ("没有过敏", "not fake") are reported as
 *     negated and do not raise their class;
 *   - a trained model (data/model/sentiment.txt): character n-gram weights
 *     (NB-weighted logistic regression) giving the probability that the text
 *     is negative; texts without Chinese characters are scored from their
 *     lexicon hits by a small lexicon-only model trained on the same data.
 *
 * Threads: a ty_text handle is used by one thread at a time (it owns the
 * Hyperscan scratch and the model's per-call buffers). Other threads get
 * their own handle with ty_text_clone(), which shares the compiled lexicon and
 * the model (read-only, reference-counted) and allocates only the scratch.
 * ty_text_classify() allocates nothing.
 */
#ifndef TIANYAN_TEXT_H
#define TIANYAN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"

/* Longest text classified, in bytes (the exchange spec's longest text field is shorter). */
#define TY_TEXT_LEN_MAX 65536
/* Hits kept per text; further hits are counted in nhits_total but not stored. */
#define TY_TEXT_HITS_MAX 32

typedef enum {
    TY_TEXT_ALLERGY,     /* adverse reaction or allergy */
    TY_TEXT_COUNTERFEIT, /* counterfeit or not genuine */
    TY_TEXT_EXPIRED,     /* expired, near expiry or spoiled */
    TY_TEXT_DAMAGED,     /* damaged packaging, leaking, broken */
    TY_TEXT_LABEL,       /* label, marking or ingredient-list problem, false claims */
    TY_TEXT_HARMFUL,     /* harmful or banned substance */
    TY_TEXT_NEGATIVE,    /* negative sentiment words */
    TY_TEXT_NCLASSES
} ty_text_class;

/* Stable machine name of a class ("allergy", "counterfeit", "expired", "damaged", "label",
 * "harmful", "negative"); "?" for a value out of range. */
const char *ty_text_class_name(int cls);

/* One lexicon hit. Offsets are byte offsets into the classified text. */
typedef struct ty_text_hit {
    uint32_t off, len;         /* the matched text */
    uint8_t cls;               /* ty_text_class */
    uint8_t negated;           /* 1: governed by a negation cue; does not raise the class */
    uint32_t cue_off, cue_len; /* the cue when negated */
    const char *term;          /* the lexicon entry as written in its file (owned by the handle) */
} ty_text_hit;

typedef struct ty_text_result {
    unsigned classes;   /* bit (1u << cls) for every class with a hit that is not negated */
    size_t nhits;       /* hits stored in hits[], in text order */
    size_t nhits_total; /* hits found; more than nhits when hits were dropped */
    ty_text_hit hits[TY_TEXT_HITS_MAX];
    double score;       /* model probability that the text is negative, 0..1 */
    int negative;       /* verdict: score >= 0.5 */
    unsigned features;  /* model features found in the text; 0 means score is the prior */
    int lexicon_only;   /* no Chinese character: scored from the lexicon hits alone */
    size_t bad_utf8_at; /* on TY_EPARSE: byte offset of the first invalid UTF-8 sequence */
} ty_text_result;

typedef struct ty_text ty_text;

/*
 * Loads the lexicons from data_dir/lexicon/ and the model from
 * data_dir/model/sentiment.txt, and compiles the lexicon database (OpenCC is
 * used here, once, to derive traditional variants). On success *clf is a new
 * handle the caller closes with ty_text_close(). On failure *clf is NULL and
 * err says what was wrong (file and line for a bad data file).
 */
ty_err ty_text_open(ty_text **clf, const char *data_dir, char *err, size_t errn);

/* A new handle for another thread, sharing clf's lexicon and model. TY_ENOMEM on failure. */
ty_err ty_text_clone(const ty_text *clf, ty_text **out);

/*
 * Classifies len bytes of UTF-8 text (need not be NUL-terminated). Fills *out.
 * TY_EPARSE when the text is not valid UTF-8 (out->bad_utf8_at says where),
 * TY_ELIMIT when len > TY_TEXT_LEN_MAX; *out then holds no hits and score 0.5.
 * An empty text is valid: no hits, score the model's prior.
 */
ty_err ty_text_classify(ty_text *clf, const char *text, size_t len, ty_text_result *out);

/* Frees the handle (the shared data when it was the last one) and sets *clf to NULL. */
void ty_text_close(ty_text **clf);

#endif
