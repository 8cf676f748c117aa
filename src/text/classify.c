/*
 * classify.c - the text classifier's handle and one classification: scan the
 * text once with the lexicon database, turn the raw matches into evidence
 * (guards, longest terms, negation), then score it with the model.
 *
 * From raw matches to evidence, in this order:
 *   1. a contrast word that overlaps a class term is no contrast ("不过" in
 *      "不过敏");
 *   2. a guard voids every shorter match inside it: harmless words that hide
 *      a term ("止痒" anti-itch, "铅笔" pencil, "过期望") or a cue ("不停",
 *      "是不是", "no doubt");
 *   3. a cue inside a remaining contrast word ("不过") or class term ("不是正品")
 *      is no cue;
 *   4. of two hits of one class where one lies inside the other, the shorter
 *      goes ("过敏" inside "皮肤过敏");
 *   5. a class hit is negated when a cue ends at most 4 characters before it
 *      (24 for an English cue, which counts letters) with no clause
 *      punctuation and no contrast word between them, or a "negation-after"
 *      cue follows it directly ("fragrance-free"). Double negation is not
 *      resolved ("不是没有过敏" stays negated): it is rare in buyer text and
 *      a wrongly kept hit costs a reader less than a wrongly dropped one.
 * Negated hits are kept as evidence, marked, and do not raise their class.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "text_impl.h"

static const char *const class_names[TY_TEXT_NCLASSES] = {
    "allergy", "counterfeit", "expired", "damaged", "label", "harmful", "negative",
};

const char *ty_text_class_name(int cls)
{
    if (cls < 0 || cls >= TY_TEXT_NCLASSES)
        return "?";
    return class_names[cls];
}

/* ---------------------------------------------------------------- handles */

static void shared_release(text_shared *sh)
{
    if (!sh || atomic_fetch_sub(&sh->refs, 1) != 1)
        return;
    lex_free(&sh->lex);
    model_free(&sh->model);
    free(sh->fold);
    free(sh);
}

/* A handle on sh (whose reference the caller has already taken). */
static ty_err handle_new(text_shared *sh, const hs_scratch_t *proto, ty_text **out)
{
    ty_text *t = calloc(1, sizeof *t);
    if (!t)
        return TY_ENOMEM;
    t->sh = sh;
    hs_error_t he =
        proto ? hs_clone_scratch(proto, &t->scratch) : hs_alloc_scratch(sh->lex.db, &t->scratch);
    t->stamp = calloc(sh->model.n ? sh->model.mask + 1 : 1, sizeof *t->stamp);
    if (he != HS_SUCCESS || !t->stamp) {
        if (he == HS_SUCCESS)
            hs_free_scratch(t->scratch);
        free(t->stamp);
        free(t);
        return TY_ENOMEM;
    }
    *out = t;
    return TY_OK;
}

static ty_err read_all(const char *path, char **out, size_t *len, char *err, size_t errn)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: cannot open", path);
        return TY_ENOENT;
    }
    ty_buf b;
    ty_buf_init(&b, (size_t)256 << 20);
    char chunk[65536];
    size_t n;
    ty_err rc = TY_OK;
    while (rc == TY_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = ty_buf_append(&b, chunk, n);
    if (rc == TY_OK && ferror(f))
        rc = TY_EIO;
    fclose(f);
    if (rc != TY_OK) {
        snprintf(err, errn, "%s: %s", path, ty_err_message(rc));
        ty_buf_free(&b);
        return rc;
    }
    if (!b.data)
        ty_buf_reserve(&b, 1);
    *out = b.data;
    *len = b.len;
    return TY_OK;
}

ty_err text_open_ex(ty_text **clf, const char *data_dir, const char *model_text, size_t len,
                    int no_model, char *err, size_t errn)
{
    *clf = NULL;
    text_shared *sh = calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, errn, "out of memory");
        return TY_ENOMEM;
    }
    atomic_init(&sh->refs, 1);
    ty_err rc = lex_load(&sh->lex, data_dir, err, errn);
    if (rc == TY_OK)
        rc = fold_build(&sh->fold, err, errn);
    if (rc == TY_OK && !no_model) {
        char path[1024];
        snprintf(path, sizeof path, "%s/model/sentiment.txt", data_dir);
        if (model_text) {
            rc = model_parse(&sh->model, model_text, len, "model", err, errn);
        } else {
            char *text = NULL;
            size_t n = 0;
            rc = read_all(path, &text, &n, err, errn);
            if (rc == TY_OK)
                rc = model_parse(&sh->model, text, n, path, err, errn);
            free(text);
        }
    }
    if (rc == TY_OK) {
        rc = handle_new(sh, NULL, clf);
        if (rc != TY_OK)
            snprintf(err, errn, "out of memory (Hyperscan scratch)");
    }
    if (rc != TY_OK)
        shared_release(sh);
    return rc;
}

ty_err ty_text_open(ty_text **clf, const char *data_dir, char *err, size_t errn)
{
    return text_open_ex(clf, data_dir, NULL, 0, 0, err, errn);
}

ty_err text_set_model(ty_text *clf, const char *model_text, size_t len, char *err, size_t errn)
{
    text_model m;
    TY_TRY(model_parse(&m, model_text, len, "model", err, errn));
    uint32_t *stamp = calloc(m.n ? m.mask + 1 : 1, sizeof *stamp);
    if (!stamp) {
        model_free(&m);
        snprintf(err, errn, "out of memory");
        return TY_ENOMEM;
    }
    model_free(&clf->sh->model);
    clf->sh->model = m;
    free(clf->stamp);
    clf->stamp = stamp;
    clf->gen = 0;
    return TY_OK;
}

ty_err ty_text_clone(const ty_text *clf, ty_text **out)
{
    *out = NULL;
    atomic_fetch_add(&clf->sh->refs, 1);
    ty_err rc = handle_new(clf->sh, clf->scratch, out);
    if (rc != TY_OK)
        shared_release(clf->sh);
    return rc;
}

void ty_text_close(ty_text **clf)
{
    ty_text *t = *clf;
    if (!t)
        return;
    hs_free_scratch(t->scratch);
    free(t->stamp);
    shared_release(t->sh);
    free(t);
    *clf = NULL;
}

/* ---------------------------------------------------------------- lexicon */

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    ty_text *t = ctx;
    if (t->nraw == RAW_MAX) {
        t->raw_full = 1;
        return 1; /* stop: the text is made of little but lexicon terms */
    }
    raw_match *r = &t->raw[t->nraw++];
    const lex_term *term = &t->sh->lex.terms[id];
    r->end = (uint32_t)to;
    r->start = (uint32_t)to - term->len;
    /* an English term open at its end ("allerg*") is evidence up to the end of the word */
    if (term->open_end)
        while (r->end < t->cur_len && is_alnum((unsigned char)t->cur[r->end]))
            r->end++;
    r->id = id;
    r->live = 1;
    return 0;
}

static int inside(const raw_match *a, const raw_match *b)
{
    return a->start >= b->start && a->end <= b->end;
}

static int overlaps(const raw_match *a, const raw_match *b)
{
    return a->start < b->end && b->start < a->end;
}

/* Clause punctuation: a negation does not reach across it. */
static int clause_break(const char *text, uint32_t from, uint32_t to)
{
    const unsigned char *p = (const unsigned char *)text + from,
                        *e = (const unsigned char *)text + to;
    for (; p < e; p++) {
        if (*p == ',' || *p == '.' || *p == '!' || *p == '?' || *p == ';' || *p == ':' ||
            *p == '\n')
            return 1;
        if (p + 3 > e)
            continue;
        /* 、。 (U+3001, U+3002) and ！，：；？ (U+FF01, U+FF0C, U+FF1A, U+FF1B, U+FF1F) */
        if (p[0] == 0xE3 && p[1] == 0x80 && (p[2] == 0x81 || p[2] == 0x82))
            return 1;
        if (p[0] == 0xEF && p[1] == 0xBC &&
            (p[2] == 0x81 || p[2] == 0x8C || p[2] == 0x9A || p[2] == 0x9B || p[2] == 0x9F))
            return 1;
    }
    return 0;
}

/* Characters (UTF-8 lead bytes) in text[from, to). */
static uint32_t chars(const char *text, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < to; i++)
        n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}

#define CUE_WINDOW_ZH    4  /* characters between a Chinese cue and its term */
#define CUE_WINDOW_LATIN 24 /* characters between an English cue and its term */

/* Is the class hit r negated by a live cue? Sets *cue to it. */
static int negated(const ty_text *t, const char *text, const raw_match *r, const raw_match **cue)
{
    const lex_term *terms = t->sh->lex.terms;
    for (size_t i = 0; i < t->nraw; i++) {
        const raw_match *c = &t->raw[i];
        if (!c->live)
            continue;
        int kind = terms[c->id].kind;
        if (kind == LEX_CUE && c->end <= r->start) {
            uint32_t window = terms[c->id].latin ? CUE_WINDOW_LATIN : CUE_WINDOW_ZH;
            if (chars(text, c->end, r->start) > window || clause_break(text, c->end, r->start))
                continue;
            int blocked = 0;
            for (size_t j = 0; j < t->nraw && !blocked; j++) {
                const raw_match *x = &t->raw[j];
                blocked = x->live && terms[x->id].kind == LEX_CONTRAST && x->start >= c->end &&
                          x->end <= r->start;
            }
            if (!blocked) {
                *cue = c;
                return 1;
            }
        } else if (kind == LEX_POSTCUE && c->start >= r->end && c->start - r->end <= 1 &&
                   !clause_break(text, r->end, c->start)) {
            *cue = c;
            return 1;
        }
    }
    return 0;
}

void text_lexicon(ty_text *clf, const char *text, size_t len, ty_text_result *out)
{
    const lex_term *terms = clf->sh->lex.terms;
    clf->nraw = 0;
    clf->raw_full = 0;
    clf->cur = text;
    clf->cur_len = len;
    if (len)
        hs_scan(clf->sh->lex.db, text, (unsigned)len, 0, clf->scratch, on_match, clf);
    size_t n = clf->nraw;
    raw_match *m = clf->raw;
#define KIND(x)     (terms[(x)->id].kind)
#define IS_CLASS(x) (KIND(x) < TY_TEXT_NCLASSES)
    /* 1 */
    for (size_t i = 0; i < n; i++)
        if (KIND(&m[i]) == LEX_CONTRAST)
            for (size_t j = 0; j < n && m[i].live; j++)
                if (IS_CLASS(&m[j]) && overlaps(&m[i], &m[j]))
                    m[i].live = 0;
    /* 2 */
    for (size_t i = 0; i < n; i++)
        if (KIND(&m[i]) == LEX_GUARD)
            for (size_t j = 0; j < n; j++)
                if (KIND(&m[j]) != LEX_GUARD && inside(&m[j], &m[i]) &&
                    m[j].end - m[j].start < m[i].end - m[i].start)
                    m[j].live = 0;
    /* 3 */
    for (size_t i = 0; i < n; i++)
        if (m[i].live && (KIND(&m[i]) == LEX_CUE || KIND(&m[i]) == LEX_POSTCUE))
            for (size_t j = 0; j < n && m[i].live; j++)
                if (m[j].live && (KIND(&m[j]) == LEX_CONTRAST || IS_CLASS(&m[j])) &&
                    inside(&m[i], &m[j]) && m[i].end - m[i].start < m[j].end - m[j].start)
                    m[i].live = 0;
    /* 4: also drops exact repeats (one span, one class, two entries) */
    for (size_t i = 0; i < n; i++)
        if (m[i].live && IS_CLASS(&m[i]))
            for (size_t j = 0; j < n && m[i].live; j++)
                if (j != i && m[j].live && KIND(&m[j]) == KIND(&m[i]) && inside(&m[i], &m[j]) &&
                    (m[i].end - m[i].start < m[j].end - m[j].start || j < i))
                    m[i].live = 0;
    /* 5, and the evidence in text order (matches arrive ordered by end) */
    out->classes = 0;
    out->nhits = out->nhits_total = 0;
    for (;;) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (m[i].live && IS_CLASS(&m[i]) &&
                (best == n || m[i].start < m[best].start ||
                 (m[i].start == m[best].start && m[i].end < m[best].end)))
                best = i;
        if (best == n)
            break;
        raw_match *r = &m[best];
        const raw_match *cue = NULL;
        int neg = negated(clf, text, r, &cue);
        if (!neg)
            out->classes |= 1u << KIND(r);
        if (out->nhits < TY_TEXT_HITS_MAX) {
            ty_text_hit *h = &out->hits[out->nhits++];
            h->off = r->start;
            h->len = r->end - r->start;
            h->cls = KIND(r);
            h->negated = (uint8_t)neg;
            h->cue_off = neg ? cue->start : 0;
            h->cue_len = neg ? cue->end - cue->start : 0;
            h->term = clf->sh->lex.pool + terms[r->id].entry;
        }
        out->nhits_total++;
        r->live = 0; /* emitted */
    }
#undef KIND
#undef IS_CLASS
}

/* ---------------------------------------------------------------- model */

typedef struct score_ctx {
    const text_model *m;
    uint32_t *stamp;
    uint32_t gen;
    double z;
    unsigned found;
} score_ctx;

static void add_feature(void *ctx, uint64_t key)
{
    score_ctx *s = ctx;
    size_t i = model_find(s->m, key);
    if (i == (size_t)-1 || s->stamp[i] == s->gen)
        return;
    s->stamp[i] = s->gen;
    s->z += s->m->w[i];
    s->found++;
}

void text_score(ty_text *clf, const char *text, size_t len, ty_text_result *out)
{
    const text_model *m = &clf->sh->model;
    if (!m->n) {
        out->score = 0.5;
        out->negative = 0;
        out->features = 0;
        return;
    }
    if (++clf->gen == 0) { /* wrapped: forget every stamp */
        memset(clf->stamp, 0, (m->mask + 1) * sizeof *clf->stamp);
        clf->gen = 1;
    }
    score_ctx s = {m, clf->stamp, clf->gen, m->bias, 0};
    feat_mask mask[TY_TEXT_HITS_MAX];
    size_t nmask = m->lex ? feat_mask_of(out, mask, TY_TEXT_HITS_MAX) : 0;
    size_t han = feat_ngrams(clf->sh->fold, text, len, m->nmax, mask, nmask, add_feature, &s);
    out->lexicon_only = 0;
    if (m->lex && han == 0) {
        /* no Chinese: the n-grams say nothing; the lexicon-only model speaks */
        s.z = m->lex_bias;
        s.found = 0;
        for (size_t i = 0; i < out->nhits; i++)
            add_feature(&s, FEAT_LEXONLY(LEXONLY_GROUP(out->hits[i].cls), out->hits[i].negated));
        out->lexicon_only = 1;
    } else if (m->lex) {
        for (size_t i = 0; i < out->nhits; i++)
            add_feature(&s, FEAT_LEX(out->hits[i].cls, out->hits[i].negated));
    }
    out->score = 1.0 / (1.0 + exp(-s.z));
    out->negative = out->score >= 0.5;
    out->features = s.found;
}

ty_err ty_text_classify(ty_text *clf, const char *text, size_t len, ty_text_result *out)
{
    out->classes = 0;
    out->nhits = out->nhits_total = 0;
    out->score = 0.5;
    out->negative = 0;
    out->features = 0;
    out->lexicon_only = 0;
    out->bad_utf8_at = 0;
    if (len > TY_TEXT_LEN_MAX)
        return TY_ELIMIT;
    const uint8_t *bad = len ? u8_check((const uint8_t *)text, len) : NULL;
    if (bad) {
        out->bad_utf8_at = (size_t)(bad - (const uint8_t *)text);
        return TY_EPARSE;
    }
    text_lexicon(clf, text, len, out);
    text_score(clf, text, len, out);
    return TY_OK;
}
