/*
 * tools/train-text.c - trains the text sentiment model and writes
 * data/model/sentiment.txt, so anyone can regenerate the shipped weights from
 * the public reviews (../shared/data/reviews-zh/shampoo_dev.csv).
 *
 * It also measures what it made, on the held-out rows (every 5th row, never
 * trained on): accuracy of the model, of the plain character-bigram naive
 * Bayes baseline, and of the model on the same rows converted to traditional
 * script with OpenCC (s2t, s2hk, s2tw). --cv instead reports 5-fold
 * cross-validation on the training rows only: how the defaults were chosen.
 *
 * usage: train-text [--data CSV] [--out FILE] [--check] [--cv]
 *                   [--lambda X] [--mix X] [--min-count N] [--ngrams N] [--no-lexicon]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc/opencc.h>

#include "tianyan/process.h"
#include "text/text_impl.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: train-text [--data CSV] [--out FILE] [--check] [--cv] [--lambda X] "
            "[--mix X]\n"
            "                  [--min-count N] [--ngrams N] [--no-lexicon]\n"
            "  --data CSV     labelled reviews (default " TY_SHARED_DATA
            "/reviews-zh/shampoo_dev.csv)\n"
            "  --out FILE     model file to write (default " TY_DATA_DIR "/model/sentiment.txt)\n"
            "  --check        do not write: exit 1 when FILE differs from what is trained\n"
            "  --cv           5-fold cross-validation on the training rows; writes nothing\n");
}

static int num(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || e == s || *e || v < lo || v > hi) {
        fprintf(stderr, "train-text: --%s must be a number from %g to %g, got \"%s\"\n", opt, lo,
                hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

/* "reviews-zh/shampoo_dev.csv": the file's folder and name, the same wherever it lives. */
static const char *source_name(const char *path)
{
    const char *last = strrchr(path, '/');
    if (!last)
        return path;
    const char *p = last;
    while (p > path && p[-1] != '/')
        p--;
    return p;
}

static int write_file(const char *path, const ty_buf *b)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
        fprintf(stderr, "train-text: cannot write %s\n", tmp);
        return 0;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "train-text: cannot rename %s to %s\n", tmp, path);
        return 0;
    }
    return 1;
}

static int same_as_file(const char *path, const ty_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t at = 0, n;
    char chunk[65536];
    int same = 1;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = at + n <= b->len && memcmp(b->data + at, chunk, n) == 0;
        at += n;
    }
    fclose(f);
    return same && at == b->len;
}

/* Mean 5-fold cross-validation accuracy on the training rows (fold = training index % 5). */
static int cross_validate(ty_text *clf, const text_corpus *c, const train_opts *o)
{
    unsigned char *tr = malloc(c->n), *te = malloc(c->n);
    ty_buf model;
    ty_buf_init(&model, (size_t)64 << 20);
    char err[512];
    double sum = 0, base = 0;
    int ok = tr && te;
    for (int k = 0; k < 5 && ok; k++) {
        size_t t = 0;
        for (size_t i = 0; i < c->n; i++) {
            int training = !CORPUS_HELDOUT(i);
            tr[i] = (unsigned char)(training && (t % 5) != (size_t)k);
            te[i] = (unsigned char)(training && (t % 5) == (size_t)k);
            t += (size_t)training;
        }
        ok = text_train(clf, c, tr, o, "cv", &model, err, sizeof err) == TY_OK &&
             text_set_model(clf, model.data, model.len, err, sizeof err) == TY_OK;
        if (ok) {
            double a = text_accuracy(clf, c, te, NULL), b = nb_bigram_baseline(c, tr, te);
            printf("  fold %d: model %.4f, bigram NB %.4f\n", k, a, b);
            sum += a;
            base += b;
        } else {
            fprintf(stderr, "train-text: %s\n", err);
        }
    }
    if (ok)
        printf("cv ngrams %d min-count %d lambda %g mix %g lexicon %d: model %.4f, bigram NB "
               "%.4f\n",
               o->nmax, o->min_count, o->lambda, o->mix, o->lex, sum / 5, base / 5);
    free(tr);
    free(te);
    ty_buf_free(&model);
    return ok;
}

int main(int argc, char **argv)
{
    ty_process_init();
    const char *data = TY_SHARED_DATA "/reviews-zh/shampoo_dev.csv";
    const char *out = TY_DATA_DIR "/model/sentiment.txt";
    int check = 0, cv = 0;
    train_opts o;
    train_opts_default(&o);
    static const struct option lo[] = {
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'c'},
        {"cv", no_argument, NULL, 'v'},
        {"lambda", required_argument, NULL, 'l'},
        {"mix", required_argument, NULL, 'm'},
        {"min-count", required_argument, NULL, 'n'},
        {"ngrams", required_argument, NULL, 'g'},
        {"no-lexicon", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    double v;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'c':
            check = 1;
            break;
        case 'v':
            cv = 1;
            break;
        case 'l':
            if (!num("lambda", optarg, 0, 10, &o.lambda))
                return 2;
            break;
        case 'm':
            if (!num("mix", optarg, 0, 1, &o.mix))
                return 2;
            break;
        case 'n':
            if (!num("min-count", optarg, 1, 1000, &v))
                return 2;
            o.min_count = (int)v;
            break;
        case 'g':
            if (!num("ngrams", optarg, 1, 3, &v))
                return 2;
            o.nmax = (int)v;
            break;
        case 'x':
            o.lex = 0;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    char err[512];
    text_corpus c;
    if (corpus_load(&c, data, err, sizeof err) != TY_OK) {
        fprintf(stderr, "train-text: %s\n", err);
        return 1;
    }
    ty_text *clf;
    if (text_open_ex(&clf, TY_DATA_DIR, NULL, 0, 1, err, sizeof err) != TY_OK) {
        fprintf(stderr, "train-text: %s\n", err);
        corpus_free(&c);
        return 1;
    }
    int rc = 0;
    if (cv) {
        rc = cross_validate(clf, &c, &o) ? 0 : 1;
        goto done;
    }
    unsigned char *tr = malloc(c.n), *te = malloc(c.n);
    ty_buf model;
    ty_buf_init(&model, (size_t)64 << 20);
    if (!tr || !te) {
        rc = 1;
        goto measured;
    }
    for (size_t i = 0; i < c.n; i++) {
        te[i] = (unsigned char)CORPUS_HELDOUT(i);
        tr[i] = (unsigned char)!te[i];
    }
    if (text_train(clf, &c, tr, &o, source_name(data), &model, err, sizeof err) != TY_OK ||
        text_set_model(clf, model.data, model.len, err, sizeof err) != TY_OK) {
        fprintf(stderr, "train-text: %s\n", err);
        rc = 1;
        goto measured;
    }
    printf("trained on %zu rows, %zu features\n", c.n - c.n / 5, clf->sh->model.n);
    printf("held out %zu rows: bigram NB baseline %.4f, model %.4f\n", c.n / 5,
           nb_bigram_baseline(&c, tr, te), text_accuracy(clf, &c, te, NULL));
    static const char *const configs[] = {"s2t.json", "s2hk.json", "s2tw.json"};
    for (size_t k = 0; k < 3; k++) {
        opencc_t cc = opencc_open(configs[k]);
        if (cc == (opencc_t)-1) {
            fprintf(stderr, "train-text: OpenCC %s: %s\n", configs[k], opencc_error());
            rc = 1;
            break;
        }
        printf("held out, converted with %s: model %.4f\n", configs[k],
               text_accuracy(clf, &c, te, cc));
        opencc_close(cc);
    }
    if (check) {
        if (same_as_file(out, &model)) {
            printf("%s is up to date\n", out);
        } else {
            printf("%s differs from what the data trains: run tools/train-text\n", out);
            rc = 1;
        }
    } else if (rc == 0) {
        if (write_file(out, &model))
            printf("wrote %s\n", out);
        else
            rc = 1;
    }
measured:
    free(tr);
    free(te);
    ty_buf_free(&model);
done:
    ty_text_close(&clf);
    corpus_free(&c);
    return rc;
}
