/*
 * train.c - trains the sentiment model (data/model/sentiment.txt) from a
 * labelled review file, measures it, and measures the baseline it must beat.
 * Used by tools/train-text and the accuracy test; never by classification.
 *
 * The model is NB-weighted logistic regression ("NBSVM", Wang and Manning,
 * "Baselines and Bigrams: Simple, Good Sentiment and Topic Classification",
 * ACL 2012, with logistic loss instead of the SVM's hinge):
 *   - features: the distinct n-grams (1..nmax) of the normalised text that
 *     occur in at least min_count training documents, plus one feature per
 *     (lexicon class, negated) found in the text;
 *   - r_j = log((p_j + a) / |p + a|_1) - log((q_j + a) / |q + a|_1), p_j / q_j
 *     the numbers of negative / positive documents containing feature j;
 *   - logistic regression on the scaled binary features r_j x_j, L2 penalty
 *     lambda on the mean loss, minimised with GSL's BFGS (deterministic: the
 *     same data always gives the same file, which a test checks);
 *   - the shipped weight of j is r_j ((1 - mix) w_j + mix), i.e. the
 *     regression interpolated with binarised naive Bayes (weight r_j), and
 *     the bias likewise; classification adds the weights of the features a
 *     text contains, so the interpolation costs nothing at run time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <opencc/opencc.h>
#include <unistr.h>

#include "text_impl.h"

void train_opts_default(train_opts *o)
{
    o->nmax = 3;
    o->min_count = 2;
    o->alpha = 1.0;
    o->lambda = 1e-3;
    o->mix = 0.25;
    o->lex = 1;
    o->iterations = 400;
}

/* ---------------------------------------------------------------- corpus */

typedef struct csv_ctx {
    text_corpus *c;
    char *field[3];
    size_t flen[3];
    int nf;
    unsigned long row;
    ty_err rc;
    char *err;
    size_t errn;
} csv_ctx;

static void on_field(void *s, size_t n, void *data)
{
    csv_ctx *x = data;
    if (x->nf < 3) {
        x->field[x->nf] = malloc(n + 1);
        if (!x->field[x->nf]) {
            x->rc = TY_ENOMEM;
            return;
        }
        memcpy(x->field[x->nf], s ? s : "", n);
        x->field[x->nf][n] = '\0';
        x->flen[x->nf] = n;
    }
    x->nf++;
}

static void on_row(int term, void *data)
{
    (void)term;
    csv_ctx *x = data;
    text_corpus *c = x->c;
    int nf = x->nf < 3 ? x->nf : 3;
    x->row++;
    if (x->rc == TY_OK && x->row > 1) {
        if (x->nf != 3 || (strcmp(x->field[1], "0") != 0 && strcmp(x->field[1], "1") != 0) ||
            u8_check((const uint8_t *)x->field[2], x->flen[2]) != NULL) {
            snprintf(x->err, x->errn, "row %lu: expected cat,label (0 or 1),review in UTF-8",
                     x->row);
            x->rc = TY_EPARSE;
        } else if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 1024;
            char **t = realloc(c->text, cap * sizeof *t);
            if (t)
                c->text = t;
            size_t *l = realloc(c->len, cap * sizeof *l);
            if (l)
                c->len = l;
            unsigned char *g = realloc(c->neg, cap);
            if (g)
                c->neg = g;
            if (!t || !l || !g)
                x->rc = TY_ENOMEM;
            else
                c->cap = cap;
        }
        if (x->rc == TY_OK) {
            c->text[c->n] = x->field[2];
            c->len[c->n] = x->flen[2];
            c->neg[c->n] = x->field[1][0] == '0';
            c->n++;
            x->field[2] = NULL;
        }
    }
    for (int i = 0; i < nf; i++) {
        free(x->field[i]);
        x->field[i] = NULL;
    }
    x->nf = 0;
}

ty_err corpus_load(text_corpus *c, const char *path, char *err, size_t errn)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: cannot open", path);
        return TY_ENOENT;
    }
    struct csv_parser p;
    csv_init(&p, 0);
    csv_ctx x = {.c = c, .rc = TY_OK, .err = err, .errn = errn};
    char buf[65536];
    size_t n;
    while (x.rc == TY_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, &x) != n && x.rc == TY_OK) {
            snprintf(err, errn, "%s: %s", path, csv_strerror(csv_error(&p)));
            x.rc = TY_EPARSE;
        }
    if (x.rc == TY_OK)
        csv_fini(&p, on_field, on_row, &x);
    csv_free(&p);
    for (int i = 0; i < 3; i++)
        free(x.field[i]);
    fclose(f);
    if (x.rc == TY_OK && c->n == 0) {
        snprintf(err, errn, "%s: no rows", path);
        x.rc = TY_EPARSE;
    }
    if (x.rc != TY_OK) {
        if (x.rc == TY_ENOMEM)
            snprintf(err, errn, "%s: out of memory", path);
        corpus_free(c);
    }
    return x.rc;
}

void corpus_free(text_corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->text[i]);
    free(c->text);
    free(c->len);
    free(c->neg);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------- key map */

/* Growable open-addressing map from feature key to a dense index. */
typedef struct keymap {
    uint64_t *keys;
    uint32_t *idx;
    size_t mask, n;
} keymap;

static size_t km_slot(uint64_t key, size_t mask)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static ty_err km_init(keymap *m, size_t slots)
{
    m->keys = calloc(slots, sizeof *m->keys);
    m->idx = calloc(slots, sizeof *m->idx);
    m->mask = slots - 1;
    m->n = 0;
    return m->keys && m->idx ? TY_OK : TY_ENOMEM;
}

static void km_free(keymap *m)
{
    free(m->keys);
    free(m->idx);
    memset(m, 0, sizeof *m);
}

/* Index of key, adding it (with index m->n) when new; -1 when out of memory. */
static long km_get(keymap *m, uint64_t key, int add)
{
    if (add && (m->n + 1) * 2 > m->mask + 1) {
        keymap g;
        if (km_init(&g, (m->mask + 1) * 2) != TY_OK) {
            km_free(&g);
            return -1;
        }
        for (size_t i = 0; i <= m->mask; i++)
            if (m->keys[i]) {
                size_t j = km_slot(m->keys[i], g.mask);
                while (g.keys[j])
                    j = (j + 1) & g.mask;
                g.keys[j] = m->keys[i];
                g.idx[j] = m->idx[i];
            }
        g.n = m->n;
        km_free(m);
        *m = g;
    }
    size_t i = km_slot(key, m->mask);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & m->mask;
    if (m->keys[i])
        return m->idx[i];
    if (!add)
        return -2;
    m->keys[i] = key;
    m->idx[i] = (uint32_t)m->n;
    return (long)m->n++;
}

/* ---------------------------------------------------------------- training */

typedef struct keylist {
    uint64_t *k;
    size_t n, cap;
    int oom;
} keylist;

static void collect(void *ctx, uint64_t key)
{
    keylist *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        uint64_t *k = realloc(l->k, cap * sizeof *k);
        if (!k) {
            l->oom = 1;
            return;
        }
        l->k = k;
        l->cap = cap;
    }
    l->k[l->n++] = key;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct feature keys of text i, sorted, into l. */
static void doc_keys(ty_text *lexclf, const char *text, size_t len, const train_opts *o, keylist *l)
{
    l->n = 0;
    ty_text_result r;
    feat_mask mask[TY_TEXT_HITS_MAX];
    size_t nmask = 0;
    if (o->lex) {
        text_lexicon(lexclf, text, len, &r);
        for (size_t h = 0; h < r.nhits; h++)
            collect(l, FEAT_LEX(r.hits[h].cls, r.hits[h].negated));
        nmask = feat_mask_of(&r, mask, TY_TEXT_HITS_MAX);
    }
    feat_ngrams(lexclf->sh->fold, text, len, o->nmax, mask, nmask, collect, l);
    if (l->oom)
        return;
    qsort(l->k, l->n, sizeof *l->k, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < l->n; i++)
        if (u == 0 || l->k[i] != l->k[u - 1])
            l->k[u++] = l->k[i];
    l->n = u;
}

/* The regression problem handed to GSL. */
typedef struct lr_problem {
    size_t ndocs, nfeat;
    const size_t *start; /* doc d's features: feat[start[d] .. start[d+1]) */
    const uint32_t *feat;
    const unsigned char *y;
    const double *r;
    double lambda;
    double *z; /* scratch: per-document scores */
} lr_problem;

static void lr_scores(const lr_problem *p, const gsl_vector *x)
{
    double b = gsl_vector_get(x, p->nfeat);
    for (size_t d = 0; d < p->ndocs; d++) {
        double z = b;
        for (size_t k = p->start[d]; k < p->start[d + 1]; k++) {
            uint32_t j = p->feat[k];
            z += gsl_vector_get(x, j) * p->r[j];
        }
        p->z[d] = z;
    }
}

static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static double lr_f(const gsl_vector *x, void *params)
{
    const lr_problem *p = params;
    lr_scores(p, x);
    double loss = 0;
    for (size_t d = 0; d < p->ndocs; d++)
        loss += softplus(p->z[d]) - (p->y[d] ? p->z[d] : 0.0);
    double reg = 0;
    for (size_t j = 0; j < p->nfeat; j++) {
        double w = gsl_vector_get(x, j);
        reg += w * w;
    }
    return loss / (double)p->ndocs + 0.5 * p->lambda * reg;
}

static void lr_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    const lr_problem *p = params;
    lr_scores(p, x);
    gsl_vector_set_zero(g);
    double gb = 0, inv = 1.0 / (double)p->ndocs;
    for (size_t d = 0; d < p->ndocs; d++) {
        double e = (1.0 / (1.0 + exp(-p->z[d])) - (p->y[d] ? 1.0 : 0.0)) * inv;
        gb += e;
        for (size_t k = p->start[d]; k < p->start[d + 1]; k++) {
            uint32_t j = p->feat[k];
            *gsl_vector_ptr(g, j) += e * p->r[j];
        }
    }
    for (size_t j = 0; j < p->nfeat; j++)
        *gsl_vector_ptr(g, j) += p->lambda * gsl_vector_get(x, j);
    gsl_vector_set(g, p->nfeat, gb);
}

static void lr_fdf(const gsl_vector *x, void *params, double *f, gsl_vector *g)
{
    *f = lr_f(x, params);
    lr_df(x, params, g);
}

/* Minimises the regression loss; x holds the weights then the bias. */
static ty_err lr_fit(lr_problem *p, int iterations, gsl_vector *x)
{
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_multimin_function_fdf fn = {lr_f, lr_df, lr_fdf, p->nfeat + 1, p};
    gsl_multimin_fdfminimizer *s =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, p->nfeat + 1);
    if (!s) {
        gsl_set_error_handler(old);
        return TY_ENOMEM;
    }
    gsl_vector_set_zero(x);
    gsl_multimin_fdfminimizer_set(s, &fn, x, 0.1, 0.1);
    for (int it = 0; it < iterations; it++) {
        if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS)
            break; /* no further progress possible */
        if (gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), 1e-6) == GSL_SUCCESS)
            break;
    }
    gsl_vector_memcpy(x, gsl_multimin_fdfminimizer_x(s));
    gsl_multimin_fdfminimizer_free(s);
    gsl_set_error_handler(old);
    return TY_OK;
}

typedef struct feat_out {
    uint64_t key;
    double w;
} feat_out;

static int cmp_feat(const void *a, const void *b)
{
    return cmp_u64(&((const feat_out *)a)->key, &((const feat_out *)b)->key);
}

ty_err text_train(ty_text *lexclf, const text_corpus *c, const unsigned char *use,
                  const train_opts *o, const char *source, ty_buf *out, char *err, size_t errn)
{
    ty_err rc = TY_ENOMEM;
    keymap all = {0}, vocab = {0};
    keylist l = {0};
    size_t ndocs = 0, npos = 0, nneg = 0;
    uint32_t *df = NULL, *pcount = NULL, *qcount = NULL, *feat = NULL;
    size_t *start = NULL, nfeat_cap = 0, nk = 0;
    /* the lexicon-only model's documents: feature LEXONLY_GROUP(cls) * 2 + negated */
    enum { NLEX = 4 };
    size_t *lstart = NULL, nl = 0;
    uint32_t *lfeat = NULL;
    double lr1[NLEX], lexw[NLEX], lexbias = 0;
    gsl_vector *lx = NULL;
    unsigned char *y = NULL;
    double *r = NULL, *z = NULL;
    feat_out *fo = NULL;
    gsl_vector *x = NULL;
    uint64_t *vkeys = NULL;

    /* pass 1: document frequency of every key */
    if (km_init(&all, 1u << 16) != TY_OK)
        goto done;
    size_t dfcap = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!use[i])
            continue;
        doc_keys(lexclf, c->text[i], c->len[i], o, &l);
        if (l.oom)
            goto done;
        for (size_t k = 0; k < l.n; k++) {
            long j = km_get(&all, l.k[k], 1);
            if (j < 0)
                goto done;
            if ((size_t)j >= dfcap) {
                size_t cap = dfcap ? dfcap * 2 : 65536;
                uint32_t *d = realloc(df, cap * sizeof *d);
                if (!d)
                    goto done;
                memset(d + dfcap, 0, (cap - dfcap) * sizeof *d);
                df = d;
                dfcap = cap;
            }
            df[j]++;
        }
        ndocs++;
        nneg += c->neg[i];
    }
    npos = ndocs - nneg;
    if (ndocs == 0 || nneg == 0 || npos == 0) {
        snprintf(err, errn, "training needs negative and positive rows");
        rc = TY_EINVAL;
        goto done;
    }
    /* the vocabulary: keys in at least min_count documents, in key order */
    vkeys = malloc((all.n + 1) * sizeof *vkeys);
    if (!vkeys)
        goto done;
    size_t nv = 0;
    for (size_t i = 0; i <= all.mask; i++)
        if (all.keys[i] && df[all.idx[i]] >= (uint32_t)o->min_count)
            vkeys[nv++] = all.keys[i];
    qsort(vkeys, nv, sizeof *vkeys, cmp_u64);
    if (km_init(&vocab, 1u << 16) != TY_OK)
        goto done;
    for (size_t i = 0; i < nv; i++)
        if (km_get(&vocab, vkeys[i], 1) < 0)
            goto done;

    /* pass 2: every document's features as vocabulary indices */
    start = malloc((ndocs + 1) * sizeof *start);
    lstart = malloc((ndocs + 1) * sizeof *lstart);
    lfeat = malloc(ndocs * NLEX * sizeof *lfeat);
    y = malloc(ndocs);
    pcount = calloc(nv + 1, sizeof *pcount);
    qcount = calloc(nv + 1, sizeof *qcount);
    if (!start || !lstart || !lfeat || !y || !pcount || !qcount)
        goto done;
    size_t d = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!use[i])
            continue;
        doc_keys(lexclf, c->text[i], c->len[i], o, &l);
        if (l.oom)
            goto done;
        start[d] = nk;
        lstart[d] = nl;
        y[d] = c->neg[i];
        for (size_t k = 0; k < l.n; k++) {
            if (FEAT_IS_LEX(l.k[k])) {
                uint32_t f =
                    (uint32_t)(LEXONLY_GROUP((int)((l.k[k] >> 1) & 0xFF)) * 2 + (int)(l.k[k] & 1));
                int seen = 0;
                for (size_t q = lstart[d]; q < nl; q++)
                    seen |= lfeat[q] == f;
                if (!seen)
                    lfeat[nl++] = f;
            }
            long j = km_get(&vocab, l.k[k], 0);
            if (j < 0)
                continue;
            if (nk == nfeat_cap) {
                size_t cap = nfeat_cap ? nfeat_cap * 2 : 1u << 18;
                uint32_t *f = realloc(feat, cap * sizeof *f);
                if (!f)
                    goto done;
                feat = f;
                nfeat_cap = cap;
            }
            feat[nk++] = (uint32_t)j;
            if (y[d])
                pcount[j]++;
            else
                qcount[j]++;
        }
        d++;
    }
    start[ndocs] = nk;
    lstart[ndocs] = nl;

    /* NB log-count ratios */
    r = malloc((nv + 1) * sizeof *r);
    z = malloc(ndocs * sizeof *z);
    if (!r || !z)
        goto done;
    double psum = 0, qsum = 0;
    for (size_t j = 0; j < nv; j++) {
        psum += pcount[j] + o->alpha;
        qsum += qcount[j] + o->alpha;
    }
    for (size_t j = 0; j < nv; j++)
        r[j] = log((pcount[j] + o->alpha) / psum) - log((qcount[j] + o->alpha) / qsum);

    lr_problem p = {ndocs, nv, start, feat, y, r, o->lambda, z};
    x = gsl_vector_alloc(nv + 1);
    if (!x || lr_fit(&p, o->iterations, x) != TY_OK)
        goto done;

    /* the lexicon-only model: plain logistic regression on the lexicon features */
    memset(lexw, 0, sizeof lexw);
    if (o->lex) {
        for (size_t j = 0; j < NLEX; j++)
            lr1[j] = 1.0;
        lr_problem lp = {ndocs, NLEX, lstart, lfeat, y, lr1, o->lambda, z};
        lx = gsl_vector_alloc(NLEX + 1);
        if (!lx || lr_fit(&lp, o->iterations, lx) != TY_OK)
            goto done;
        for (size_t j = 0; j < NLEX; j++)
            lexw[j] = gsl_vector_get(lx, j);
        lexbias = gsl_vector_get(lx, NLEX);
    }

    /* the file */
    fo = malloc((nv + 1) * sizeof *fo);
    if (!fo)
        goto done;
    for (size_t j = 0; j < nv; j++) {
        fo[j].key = vkeys[j];
        fo[j].w = r[j] * ((1.0 - o->mix) * gsl_vector_get(x, j) + o->mix);
    }
    qsort(fo, nv, sizeof *fo, cmp_feat);
    double bias =
        (1.0 - o->mix) * gsl_vector_get(x, nv) + o->mix * log((double)nneg / (double)npos);
    ty_buf_reset(out);
    rc = ty_buf_printf(
        out,
        "# sentiment.txt - Tianyan's text sentiment model: the probability that a buyer text\n"
        "# is negative. Generated by tools/train-text; do not edit (a test checks that this\n"
        "# file is exactly what the tool produces from the data).\n"
        "#\n"
        "# Data: %s, rows i with i %% 5 != 4 (%zu rows: %zu negative, %zu positive);\n"
        "# rows with i %% 5 == 4 are held out for measurement and never trained on.\n"
        "# Model: NB-weighted logistic regression over distinct character n-grams\n"
        "# (1..%d, in >= %d training rows) of the normalised text%s; NB smoothing %g,\n"
        "# L2 %g, NB interpolation %g. See src/text/train.c and docs/detection.md.\n"
        "# Texts without Chinese characters are scored by the lexicon-only model\n"
        "# (lexicon-bias and the \"@@\" features), fitted on the same rows.\n"
        "tianyan-text-model 1\nngrams %d\nlexicon %d\nbias %.6g\nlexicon-bias %.6g\n"
        "features %zu\n",
        source, ndocs, nneg, npos, o->nmax, o->min_count,
        o->lex ? " and lexicon hits per class" : "", o->alpha, o->lambda, o->mix, o->nmax, o->lex,
        bias, lexbias, nv + (o->lex ? NLEX : 0));
    for (size_t j = 0; j < nv && rc == TY_OK; j++) {
        char t[32];
        feat_key_text(fo[j].key, t, sizeof t);
        rc = ty_buf_printf(out, "%.6g\t%s\n", fo[j].w, t);
    }
    for (size_t j = 0; o->lex && j < NLEX && rc == TY_OK; j++) {
        char t[32];
        feat_key_text(FEAT_LEXONLY(j >> 1, j & 1), t, sizeof t);
        rc = ty_buf_printf(out, "%.6g\t%s\n", lexw[j], t);
    }
    if (rc != TY_OK)
        snprintf(err, errn, "model text: %s", ty_err_message(rc));
done:
    if (rc == TY_ENOMEM)
        snprintf(err, errn, "out of memory while training");
    km_free(&all);
    km_free(&vocab);
    free(l.k);
    free(df);
    free(pcount);
    free(qcount);
    free(feat);
    free(start);
    free(lstart);
    free(lfeat);
    free(y);
    free(r);
    free(z);
    free(fo);
    free(vkeys);
    if (x)
        gsl_vector_free(x);
    if (lx)
        gsl_vector_free(lx);
    return rc;
}

/* ---------------------------------------------------------------- measuring */

typedef struct bigrams {
    keymap *m;
    uint32_t **count; /* [class] per index */
    size_t *cap;
    int cls;
    long total[2];
    int add;
    double score[2];
    const double *logp[2];
    int oom;
} bigrams;

/* Raw code points of valid UTF-8, no normalisation at all: the plain baseline. */
static void raw_bigrams(const char *text, size_t len, void (*fn)(void *, uint64_t), void *ctx)
{
    const uint8_t *p = (const uint8_t *)text, *e = p + len;
    ucs4_t prev = 0, c;
    while (p < e) {
        int k = u8_mbtouc(&c, p, (size_t)(e - p));
        p += k;
        if (prev)
            fn(ctx, FEAT_KEY3(0, prev, c));
        prev = c;
    }
}

static void count_bigram(void *ctx, uint64_t key)
{
    bigrams *b = ctx;
    long j = km_get(b->m, key, 1);
    if (j < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)j >= *b->cap) {
        size_t cap = *b->cap ? *b->cap * 2 : 65536;
        for (int k = 0; k < 2; k++) {
            uint32_t *q = realloc(b->count[k], cap * sizeof *q);
            if (!q) {
                b->oom = 1;
                return;
            }
            memset(q + *b->cap, 0, (cap - *b->cap) * sizeof *q);
            b->count[k] = q;
        }
        *b->cap = cap;
    }
    b->count[b->cls][j]++;
    b->total[b->cls]++;
}

static void score_bigram(void *ctx, uint64_t key)
{
    bigrams *b = ctx;
    long j = km_get(b->m, key, 0);
    if (j < 0)
        return; /* unseen in training: ignored */
    b->score[0] += b->logp[0][j];
    b->score[1] += b->logp[1][j];
}

double nb_bigram_baseline(const text_corpus *c, const unsigned char *train,
                          const unsigned char *test)
{
    keymap m;
    uint32_t *count[2] = {NULL, NULL};
    size_t cap = 0;
    double *logp[2] = {NULL, NULL}, acc = -1;
    if (km_init(&m, 1u << 16) != TY_OK)
        goto done;
    bigrams b = {.m = &m, .count = count, .cap = &cap};
    long docs[2] = {0, 0};
    for (size_t i = 0; i < c->n && !b.oom; i++)
        if (train[i]) {
            b.cls = c->neg[i];
            docs[b.cls]++;
            raw_bigrams(c->text[i], c->len[i], count_bigram, &b);
        }
    if (b.oom || !docs[0] || !docs[1])
        goto done;
    size_t v = m.n;
    for (int k = 0; k < 2; k++) {
        logp[k] = malloc((v + 1) * sizeof *logp[k]);
        if (!logp[k])
            goto done;
        /* add-one (Laplace) smoothing over the training vocabulary */
        for (size_t j = 0; j < v; j++)
            logp[k][j] = log((count[k][j] + 1.0) / ((double)b.total[k] + (double)v));
        b.logp[k] = logp[k];
    }
    size_t ok = 0, n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (test[i]) {
            b.score[0] = log((double)docs[0]);
            b.score[1] = log((double)docs[1]);
            raw_bigrams(c->text[i], c->len[i], score_bigram, &b);
            ok += (b.score[1] > b.score[0]) == (c->neg[i] != 0);
            n++;
        }
    acc = n ? (double)ok / (double)n : -1;
done:
    km_free(&m);
    free(count[0]);
    free(count[1]);
    free(logp[0]);
    free(logp[1]);
    return acc;
}

double text_accuracy(ty_text *clf, const text_corpus *c, const unsigned char *test, void *conv)
{
    ty_text_result r;
    size_t ok = 0, n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!test[i])
            continue;
        char *s = NULL;
        const char *t = c->text[i];
        size_t len = c->len[i];
        if (conv) {
            s = opencc_convert_utf8((opencc_t)conv, t, len);
            if (!s)
                return -1;
            t = s;
            len = strlen(s);
        }
        ty_err e = ty_text_classify(clf, t, len, &r);
        if (s)
            opencc_convert_utf8_free(s);
        if (e != TY_OK)
            return -1;
        ok += r.negative == (c->neg[i] != 0);
        n++;
    }
    return n ? (double)ok / (double)n : -1;
}
