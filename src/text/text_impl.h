/*
 * text_impl.h - internals of the text classifier (private to src/text/, the
 * training tool and the tests): the compiled lexicon, the model and its
 * feature extraction, and the handle that ties them together.
 */
#ifndef TIANYAN_TEXT_IMPL_H
#define TIANYAN_TEXT_IMPL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "tianyan/buf.h"
#include "tianyan/text.h"

/* ---------------------------------------------------------------- lexicon */

/* What a lexicon term is. The first TY_TEXT_NCLASSES kinds are the classes. */
enum {
    LEX_CUE = TY_TEXT_NCLASSES, /* negation or hypothesis cue before a term ("没有", "not") */
    LEX_POSTCUE,                /* negation cue right after a term ("-free") */
    LEX_CONTRAST,               /* contrast word: a negation does not reach across it ("但是") */
    LEX_GUARD,                  /* harmless word hiding a term or cue ("止痒", "不停") */
    LEX_NKINDS
};

#define LEX_TERM_MAX  128   /* bytes in one lexicon term */
#define LEX_TERMS_MAX 20000 /* patterns in the compiled database, variants included */

typedef struct lex_term {
    uint8_t kind;     /* a class or LEX_CUE ... LEX_GUARD */
    uint8_t latin;    /* the term is ASCII: word boundaries, the wider negation window */
    uint8_t open_end; /* ASCII term ending in '*': the hit runs on to the end of the word */
    uint16_t len;     /* bytes the pattern matches */
    uint32_t entry;   /* offset in pool of the entry as written in the lexicon file */
} lex_term;

typedef struct lex_db {
    hs_database_t *db;
    lex_term *terms; /* indexed by Hyperscan pattern id */
    size_t nterms;
    size_t nentries; /* entries read from the files, before variants */
    char *pool;      /* NUL-terminated entries */
    size_t pool_len, pool_cap;
} lex_db;

/* Reads data_dir/lexicon/{zh-Hans,zh-Hant,en}.txt, derives the traditional
 * variants of the simplified entries with OpenCC and compiles one database.
 * On failure err names the file and line. */
ty_err lex_load(lex_db *lx, const char *data_dir, char *err, size_t errn);
void lex_free(lex_db *lx);

/* ---------------------------------------------------------------- model */

/* Fold table: traditional (and HK/TW variant) characters to simplified, for the
 * CJK blocks U+3400..U+9FFF, built from OpenCC's t2s/hk2s/tw2s at open. */
#define FOLD_LO 0x3400u
#define FOLD_HI 0xA000u /* exclusive */

/* Feature keys: n-grams of normalised code points (21 bits each, 0 = absent,
 * so a unigram is (0,0,a)), and lexicon features above every code point. */
#define FEAT_KEY3(a, b, c) (((uint64_t)(a) << 42) | ((uint64_t)(b) << 21) | (uint64_t)(c))
#define FEAT_LEX(cls, neg) (((uint64_t)0x1FFFFF << 42) | ((uint64_t)(cls) << 1) | (uint64_t)(neg))
#define FEAT_IS_LEX(k)     (((k) >> 42) == 0x1FFFFF)
/* Features of the lexicon-only model (texts without Chinese characters): hits of any risk class
 * (group 0) or of negative sentiment (group 1), negated or not. Risk classes are pooled because
 * the training reviews rarely mention some of them (harmful substances) while a buyer who names
 * one is complaining. */
#define FEAT_LEXONLY(group, neg) (FEAT_LEX(group, neg) | ((uint64_t)1 << 20))
#define LEXONLY_GROUP(cls)       ((cls) == TY_TEXT_NEGATIVE ? 1 : 0)

typedef struct text_model {
    uint64_t *keys; /* open addressing, 0 = empty */
    float *w;
    size_t mask; /* slots - 1 */
    size_t n;    /* features */
    double bias;
    double lex_bias; /* bias of the lexicon-only model */
    int nmax;        /* longest n-gram */
    int lex;         /* lexicon features used */
} text_model;

/* Builds the fold table (FOLD_HI - FOLD_LO entries, the identity where OpenCC
 * changes nothing). The caller frees it. */
ty_err fold_build(uint16_t **fold, char *err, size_t errn);

/* Byte ranges whose n-grams are not features (negated lexicon hits). */
typedef struct feat_mask {
    uint32_t off, len;
} feat_mask;

/* Normalises text (see model.c) and calls fn once per n-gram occurrence of
 * lengths 1..nmax (duplicates included), skipping n-grams inside a mask range.
 * text must be valid UTF-8. Returns the number of Chinese characters (U+3400..U+9FFF). */
size_t feat_ngrams(const uint16_t *fold, const char *text, size_t len, int nmax,
                   const feat_mask *mask, size_t nmask, void (*fn)(void *ctx, uint64_t key),
                   void *ctx);

/* The mask of a classified text: its negated hits. Returns the number of ranges (<= max). */
size_t feat_mask_of(const ty_text_result *r, feat_mask *mask, size_t max);

/* Writes the n-gram of key as UTF-8 into out (at least 16 bytes); lexicon keys as "@class" or
 * "@class!" for negated hits. */
void feat_key_text(uint64_t key, char *out, size_t outn);

/* Parses a model file's text; name is used in messages ("sentiment.txt"). */
ty_err model_parse(text_model *m, const char *text, size_t len, const char *name, char *err,
                   size_t errn);
void model_free(text_model *m);
/* Slot of key, or (size_t)-1. */
size_t model_find(const text_model *m, uint64_t key);

/* ---------------------------------------------------------------- the handle */

typedef struct text_shared {
    atomic_int refs;
    lex_db lex;
    text_model model; /* n == 0 and bias 0 when opened without a model */
    uint16_t *fold;
} text_shared;

#define RAW_MAX 256 /* raw matches kept per text before post-processing */

typedef struct raw_match {
    uint32_t start, end; /* bytes */
    uint32_t id;         /* term */
    uint8_t live;        /* not voided by a guard, a longer term or a contrast rule */
} raw_match;

struct ty_text {
    text_shared *sh;
    hs_scratch_t *scratch;
    const char *cur; /* the text being scanned, and its length */
    size_t cur_len;
    raw_match raw[RAW_MAX];
    size_t nraw;
    int raw_full;
    uint32_t *stamp; /* per model slot: the call that last counted it (binary features) */
    uint32_t gen;
};

/* Opens a handle. model_text == NULL: the model is read from data_dir/model/sentiment.txt;
 * otherwise it is parsed from model_text (len bytes); no_model: no model at all (score 0.5,
 * used while training). */
ty_err text_open_ex(ty_text **clf, const char *data_dir, const char *model_text, size_t len,
                    int no_model, char *err, size_t errn);

/* Replaces the model of clf, which must be the only handle on its data (training, tests). */
ty_err text_set_model(ty_text *clf, const char *model_text, size_t len, char *err, size_t errn);

/* Lexicon part of ty_text_classify(): fills hits and classes of out (text already validated). */
void text_lexicon(ty_text *clf, const char *text, size_t len, ty_text_result *out);

/* Model part: the score of a text whose lexicon hits are in out. */
void text_score(ty_text *clf, const char *text, size_t len, ty_text_result *out);

/* ---------------------------------------------------------------- training (train.c) */

/* A labelled corpus: the reviews of a cat,label,review CSV file (label 1 positive, 0 negative). */
typedef struct text_corpus {
    char **text;
    size_t *len;
    unsigned char *neg; /* 1: labelled negative */
    size_t n, cap;
} text_corpus;

/* The fixed split: data row i (0-based, header not counted) is held out when i % 5 == 4. */
#define CORPUS_HELDOUT(i) ((i) % 5 == 4)

ty_err corpus_load(text_corpus *c, const char *path, char *err, size_t errn);
void corpus_free(text_corpus *c);

typedef struct train_opts {
    int nmax;       /* longest n-gram, 1..3 */
    int min_count;  /* documents a feature must occur in */
    double alpha;   /* smoothing of the NB log-count ratios */
    double lambda;  /* L2 penalty of the logistic regression (on the mean loss) */
    double mix;     /* 0..1: weight of plain NB in the final weights */
    int lex;        /* use lexicon features */
    int iterations; /* optimiser iterations at most */
} train_opts;

/* The defaults, chosen by 5-fold cross-validation on the training rows (docs/detection.md). */
void train_opts_default(train_opts *o);

/* Trains on the rows with use[i] != 0 and writes the model file's text to out. lexclf (a
 * handle opened with no model) provides the lexicon features and the fold table. source names
 * the data in the file's header comment. */
ty_err text_train(ty_text *lexclf, const text_corpus *c, const unsigned char *use,
                  const train_opts *o, const char *source, ty_buf *out, char *err, size_t errn);

/* Accuracy of the plain character-bigram multinomial naive Bayes (raw text, add-one smoothing),
 * trained on rows with train[i] and tested on rows with test[i]: the baseline. */
double nb_bigram_baseline(const text_corpus *c, const unsigned char *train,
                          const unsigned char *test);

/* Accuracy of clf's verdict on the rows with test[i]; conv: an OpenCC handle (opencc_t) every
 * text is converted with first, or NULL. -1 on failure. */
double text_accuracy(ty_text *clf, const text_corpus *c, const unsigned char *test, void *conv);

#endif
