/*
 * bench/text.c - text classifier throughput on one core, against Hyperscan
 * matching alone measured in the same run.
 *
 *   open:       ty_text_open (lexicon files, OpenCC variants, Hyperscan compile,
 *               fold table, model);
 *   hyperscan:  hs_scan of the compiled lexicon with a callback that only counts
 *               (the floor);
 *   lexicon:    scan plus evidence (guards, longest terms, negation);
 *   classify:   ty_text_classify: UTF-8 check, lexicon and the model;
 *   opencc t2s: one OpenCC conversion per text, what normalising traditional input
 *               with OpenCC would add per text (the fold table replaces it).
 *
 * Texts: the 5,000 public shampoo reviews and the same reviews converted with OpenCC
 * s2hk (10,000 texts, about 112 bytes each). Best of three rounds for each.
 *
 * usage: bench-text [--rounds N] [--data CSV]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opencc/opencc.h>

#include "text/text_impl.h"
#include "tianyan/process.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(unsigned long *)ctx)++;
    return 0;
}

typedef struct texts {
    char **s;
    size_t *len;
    size_t n;
} texts;

static volatile unsigned long sink;

/* Texts per second of one pass over all texts, best of rounds; mode as in the header. */
static double rate(ty_text *clf, const texts *t, int mode, int rounds, int passes)
{
    double best = 0;
    ty_text_result r;
    opencc_t cc = mode == 3 ? opencc_open("t2s.json") : NULL;
    for (int k = 0; k < rounds; k++) {
        unsigned long hits = 0;
        double t0 = now_s();
        for (int p = 0; p < passes; p++)
            for (size_t i = 0; i < t->n; i++) {
                if (mode == 0) {
                    hs_scan(clf->sh->lex.db, t->s[i], (unsigned)t->len[i], 0, clf->scratch,
                            count_match, &hits);
                } else if (mode == 1) {
                    text_lexicon(clf, t->s[i], t->len[i], &r);
                    hits += r.nhits;
                } else if (mode == 2) {
                    ty_text_classify(clf, t->s[i], t->len[i], &r);
                    hits += (unsigned long)r.negative;
                } else {
                    char *o = opencc_convert_utf8(cc, t->s[i], t->len[i]);
                    hits += o ? (unsigned long)o[0] : 0;
                    opencc_convert_utf8_free(o);
                }
            }
        double dt = now_s() - t0, v = (double)t->n * passes / dt;
        if (v > best)
            best = v;
        sink += hits;
    }
    if (cc)
        opencc_close(cc);
    return best;
}

int main(int argc, char **argv)
{
    ty_process_init();
    int rounds = 3;
    const char *data = TY_SHARED_DATA "/reviews-zh/shampoo_dev.csv";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else {
            fprintf(stderr, "usage: bench-text [--rounds N] [--data CSV]\n");
            return 2;
        }
    }
    if (rounds < 1)
        rounds = 1;
    char err[512];
    text_corpus c;
    if (corpus_load(&c, data, err, sizeof err) != TY_OK) {
        fprintf(stderr, "bench-text: %s\n", err);
        return 1;
    }
    texts t = {malloc(2 * c.n * sizeof(char *)), malloc(2 * c.n * sizeof(size_t)), 0};
    opencc_t hk = opencc_open("s2hk.json");
    if (!t.s || !t.len || hk == (opencc_t)-1) {
        fprintf(stderr, "bench-text: out of memory or no OpenCC s2hk\n");
        return 1;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < c.n; i++) {
        t.s[t.n] = c.text[i];
        t.len[t.n++] = c.len[i];
        char *o = opencc_convert_utf8(hk, c.text[i], c.len[i]);
        t.s[t.n] = o ? o : c.text[i];
        t.len[t.n++] = o ? strlen(o) : c.len[i];
        bytes += c.len[i] + t.len[t.n - 1];
    }
    ty_text *clf;
    double t0 = now_s();
    if (ty_text_open(&clf, TY_DATA_DIR, err, sizeof err) != TY_OK) {
        fprintf(stderr, "bench-text: %s\n", err);
        return 1;
    }
    double open_s = now_s() - t0;
    printf("texts: %zu (%zu simplified + the same in s2hk traditional), %.0f bytes on average\n",
           t.n, c.n, (double)bytes / (double)t.n);
    printf("lexicon: %zu entries, %zu patterns; model: %zu features\n", clf->sh->lex.nentries,
           clf->sh->lex.nterms, clf->sh->model.n);
    printf("open:        %8.1f ms\n", open_s * 1000);
    static const char *const names[] = {"hyperscan", "lexicon", "classify", "opencc t2s"};
    for (int m = 0; m < 4; m++)
        printf("%-12s %9.0f texts/s\n", names[m], rate(clf, &t, m, rounds, m == 3 ? 1 : 5));
    ty_text_close(&clf);
    for (size_t i = 1; i < t.n; i += 2)
        if (t.s[i] != c.text[i / 2])
            opencc_convert_utf8_free(t.s[i]);
    opencc_close(hk);
    free(t.s);
    free(t.len);
    corpus_free(&c);
    return 0;
}
