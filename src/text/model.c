/*
 * model.c - the sentiment model: text normalisation, character n-gram
 * features, the fold table that lets one model read both Chinese scripts, and
 * the model file (data/model/sentiment.txt).
 *
 * Normalisation (the same for training and classification):
 *   - traditional and Hong Kong / Taiwan variant characters are folded to
 *     simplified through a per-character table built at open from OpenCC's
 *     t2s, hk2s and tw2s dictionaries. A table look-up per character instead
 *     of an OpenCC conversion per text keeps classification allocation-free
 *     and costs nothing measurable (bench/text.c measures both);
 *   - full-width ASCII (U+FF01..FF5E) becomes ASCII and ASCII letters lower
 *     case; the ideographic space and every control or space character become
 *     one space, and runs of spaces one space;
 *   - the byte order mark and zero-width characters are dropped.
 * Features are the n-grams of length 1..nmax of the normalised code points,
 * except those lying wholly inside a negated lexicon hit: "没有过敏" should not
 * count the n-grams of "过敏" as if someone had reacted. The negated hit is a
 * feature of its own ("@allergy!").
 *
 * The model file (text, versioned):
 *     # comment lines
 *     tianyan-text-model 1
 *     ngrams N
 *     lexicon 0|1
 *     bias B
 *     lexicon-bias B2
 *     features K
 *     then K lines "WEIGHT<TAB>FEATURE", FEATURE being the n-gram itself in
 *     UTF-8 (it may contain a space) or "@class" / "@class!" for a lexicon hit
 *     of a class (not negated / negated); "@@risk", "@@negative" (and with
 *     "!") are the weights of the lexicon-only model.
 * A text's score is the logistic function of bias plus the weights of the
 * distinct features it contains. A text without any Chinese character (the
 * n-grams were learnt from Chinese reviews) is scored by the lexicon-only
 * model instead: lexicon-bias plus the "@@" weights of its hits, so English
 * verdicts rest on the English lexicon rather than on a prior.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc/opencc.h>

#include "text_impl.h"

/* ---------------------------------------------------------------- fold table */

static size_t put_utf8(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes one code point of valid UTF-8 at *p, advancing it. */
static inline uint32_t get_utf8(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    if (c < 0x80) {
        *p = s + 1;
        return c;
    }
    if (c < 0xE0) {
        *p = s + 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *p = s + 3;
        return ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    *p = s + 4;
    return ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

/*
 * Every character of the block, one per line, converted in one call per
 * configuration: with one character per line no dictionary phrase can match,
 * so each character gets its own character-level mapping. t2s is asked first;
 * hk2s and tw2s add the regional variants it leaves alone (衞, 著).
 */
ty_err fold_build(uint16_t **fold, char *err, size_t errn)
{
    static const char *const configs[] = {"t2s.json", "hk2s.json", "tw2s.json"};
    size_t n = FOLD_HI - FOLD_LO;
    uint16_t *f = malloc(n * sizeof *f);
    char *in = malloc(n * 4 + 1);
    if (!f || !in) {
        free(f);
        free(in);
        snprintf(err, errn, "out of memory building the fold table");
        return TY_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        f[i] = (uint16_t)(FOLD_LO + i);
        k += put_utf8((uint32_t)(FOLD_LO + i), in + k);
        in[k++] = '\n';
    }
    in[k] = '\0';
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
        opencc_t cc = opencc_open(configs[c]);
        if (cc == (opencc_t)-1) {
            snprintf(err, errn, "OpenCC: cannot open %s: %s", configs[c], opencc_error());
            free(f);
            free(in);
            return TY_EIO;
        }
        char *out = opencc_convert_utf8(cc, in, k);
        opencc_close(cc);
        if (!out) {
            snprintf(err, errn, "OpenCC: %s failed: %s", configs[c], opencc_error());
            free(f);
            free(in);
            return TY_EIO;
        }
        const unsigned char *p = (const unsigned char *)out;
        for (size_t i = 0; i < n && *p; i++) {
            uint32_t a = get_utf8(&p);
            /* a one-character line maps; anything else (rare) is left alone */
            if (*p == '\n') {
                p++;
                if (f[i] == FOLD_LO + i && a != FOLD_LO + i && a >= 0x80 && a < 0x10000)
                    f[i] = (uint16_t)a;
                continue;
            }
            while (*p && *p != '\n')
                p++;
            if (*p)
                p++;
        }
        opencc_convert_utf8_free(out);
    }
    free(in);
    *fold = f;
    return TY_OK;
}

/* ---------------------------------------------------------------- features */

/* The normalised form of code point c, or 0 to drop it. */
static inline uint32_t norm_cp(const uint16_t *fold, uint32_t c)
{
    if (c >= FOLD_LO && c < FOLD_HI)
        return fold ? fold[c - FOLD_LO] : c;
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z')
            return c + 32;
        if (c <= 0x20 || c == 0x7F)
            return ' ';
        return c;
    }
    if (c >= 0xFF01 && c <= 0xFF5E) {
        c -= 0xFEE0;
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    if (c == 0xFEFF || (c >= 0x200B && c <= 0x200D) || c == 0x2060)
        return 0;
    if (c == 0x3000 || c == 0x85 || c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
        c == 0x2029)
        return ' ';
    return c;
}

/* Does a masked range hold the whole n-gram from byte first to byte last? */
static inline int masked(const feat_mask *mask, size_t nmask, size_t first, size_t last)
{
    for (size_t i = 0; i < nmask; i++)
        if (mask[i].off <= first && last < (size_t)mask[i].off + mask[i].len)
            return 1;
    return 0;
}

size_t feat_ngrams(const uint16_t *fold, const char *text, size_t len, int nmax,
                   const feat_mask *mask, size_t nmask, void (*fn)(void *ctx, uint64_t key),
                   void *ctx)
{
    size_t han = 0;
    const unsigned char *s = (const unsigned char *)text, *p = s, *end = p + len;
    uint32_t a = 0, b = 0; /* the two code points before c (0 = none yet) */
    size_t oa = 0, ob = 0; /* their byte offsets */
    while (p < end) {
        size_t oc = (size_t)(p - s);
        uint32_t raw = get_utf8(&p);
        han += raw >= FOLD_LO && raw < FOLD_HI;
        uint32_t c = norm_cp(fold, raw);
        if (c == 0 || (c == ' ' && b == ' '))
            continue;
        if (!nmask || !masked(mask, nmask, oc, oc))
            fn(ctx, FEAT_KEY3(0, 0, c));
        if (nmax >= 2 && b && (!nmask || !masked(mask, nmask, ob, oc)))
            fn(ctx, FEAT_KEY3(0, b, c));
        if (nmax >= 3 && a && (!nmask || !masked(mask, nmask, oa, oc)))
            fn(ctx, FEAT_KEY3(a, b, c));
        a = b;
        oa = ob;
        b = c;
        ob = oc;
    }
    return han;
}

size_t feat_mask_of(const ty_text_result *r, feat_mask *mask, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nhits && n < max; i++)
        if (r->hits[i].negated)
            mask[n++] = (feat_mask){r->hits[i].off, r->hits[i].len};
    return n;
}

void feat_key_text(uint64_t key, char *out, size_t outn)
{
    if (outn < 16) {
        if (outn)
            out[0] = '\0';
        return;
    }
    if (FEAT_IS_LEX(key)) {
        int cls = (int)((key >> 1) & 0xFF);
        if (key & ((uint64_t)1 << 20))
            snprintf(out, outn, "@@%s%s", cls ? "negative" : "risk", (key & 1) ? "!" : "");
        else
            snprintf(out, outn, "@%s%s", ty_text_class_name(cls), (key & 1) ? "!" : "");
        return;
    }
    size_t k = 0;
    for (int s = 42; s >= 0; s -= 21) {
        uint32_t c = (uint32_t)((key >> s) & 0x1FFFFF);
        if (c)
            k += put_utf8(c, out + k);
    }
    out[k] = '\0';
}

/* ---------------------------------------------------------------- model file */

static inline size_t slot_of(uint64_t key, size_t mask)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

size_t model_find(const text_model *m, uint64_t key)
{
    if (!m->n)
        return (size_t)-1;
    for (size_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == key)
            return i;
        if (m->keys[i] == 0)
            return (size_t)-1;
    }
}

/* Parses a feature's text back into its key; 0 when it is not a valid feature. */
static uint64_t parse_feature(const char *s, size_t n)
{
    if (n > 1 && s[0] == '@') {
        int only = s[1] == '@';
        int neg = s[n - 1] == '!';
        size_t m = n - 1 - (size_t)only - (size_t)neg;
        for (int c = 0; c < TY_TEXT_NCLASSES; c++) {
            const char *name = only ? (c == 0   ? "risk"
                                       : c == 1 ? "negative"
                                                : "")
                                    : ty_text_class_name(c);
            if (strlen(name) == m && memcmp(name, s + 1 + only, m) == 0)
                return only ? FEAT_LEXONLY(c, neg) : FEAT_LEX(c, neg);
        }
    }
    uint32_t cp[3];
    int k = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (k == 3)
            return 0;
        unsigned char c0 = *p;
        size_t need = c0 < 0x80 ? 1 : c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4;
        if ((size_t)(end - p) < need)
            return 0;
        cp[k++] = get_utf8(&p);
        if (cp[k - 1] == 0)
            return 0;
    }
    if (k == 0)
        return 0;
    return k == 1   ? FEAT_KEY3(0, 0, cp[0])
           : k == 2 ? FEAT_KEY3(0, cp[0], cp[1])
                    : FEAT_KEY3(cp[0], cp[1], cp[2]);
}

void model_free(text_model *m)
{
    free(m->keys);
    free(m->w);
    memset(m, 0, sizeof *m);
}

#define MODEL_FEATURES_MAX 4000000

ty_err model_parse(text_model *m, const char *text, size_t len, const char *name, char *err,
                   size_t errn)
{
    memset(m, 0, sizeof *m);
    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    int have_magic = 0, have_bias = 0;
    long nfeat = -1;
    size_t got = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        char line[256];
        lineno++;
        if (n >= sizeof line) {
            snprintf(err, errn, "%s:%u: line too long", name, lineno);
            goto fail;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : end;
        if (nfeat < 0) {
            /* header */
            char *e;
            if (line[0] == '#' || line[0] == '\0')
                continue;
            if (!have_magic) {
                if (strcmp(line, "tianyan-text-model 1") != 0) {
                    snprintf(err, errn, "%s:%u: expected \"tianyan-text-model 1\"", name, lineno);
                    goto fail;
                }
                have_magic = 1;
            } else if (strncmp(line, "ngrams ", 7) == 0) {
                errno = 0;
                long v = strtol(line + 7, &e, 10);
                if (errno || *e || v < 1 || v > 3) {
                    snprintf(err, errn, "%s:%u: ngrams must be 1 to 3", name, lineno);
                    goto fail;
                }
                m->nmax = (int)v;
            } else if (strncmp(line, "lexicon ", 8) == 0) {
                m->lex = strcmp(line + 8, "1") == 0;
            } else if (strncmp(line, "lexicon-bias ", 13) == 0) {
                errno = 0;
                m->lex_bias = strtod(line + 13, &e);
                if (errno || *e || !isfinite(m->lex_bias)) {
                    snprintf(err, errn, "%s:%u: bad lexicon-bias", name, lineno);
                    goto fail;
                }
            } else if (strncmp(line, "bias ", 5) == 0) {
                errno = 0;
                m->bias = strtod(line + 5, &e);
                if (errno || *e || !isfinite(m->bias)) {
                    snprintf(err, errn, "%s:%u: bad bias", name, lineno);
                    goto fail;
                }
                have_bias = 1;
            } else if (strncmp(line, "features ", 9) == 0) {
                errno = 0;
                nfeat = strtol(line + 9, &e, 10);
                if (errno || *e || nfeat < 0 || nfeat > MODEL_FEATURES_MAX || !have_bias ||
                    !m->nmax) {
                    snprintf(err, errn, "%s:%u: features must be 0 to %d, after ngrams and bias",
                             name, lineno, MODEL_FEATURES_MAX);
                    goto fail;
                }
                size_t slots = 16;
                while (slots < (size_t)nfeat * 2)
                    slots *= 2;
                m->keys = calloc(slots, sizeof *m->keys);
                m->w = calloc(slots, sizeof *m->w);
                if (!m->keys || !m->w) {
                    snprintf(err, errn, "%s: out of memory", name);
                    model_free(m);
                    return TY_ENOMEM;
                }
                m->mask = slots - 1;
            } else {
                snprintf(err, errn, "%s:%u: unknown header line \"%s\"", name, lineno, line);
                goto fail;
            }
            continue;
        }
        if (n == 0 && p >= end)
            break;
        char *tab = strchr(line, '\t'), *e;
        if (!tab || got >= (size_t)nfeat) {
            snprintf(err, errn, "%s:%u: expected %ld lines \"WEIGHT<TAB>FEATURE\"", name, lineno,
                     nfeat);
            goto fail;
        }
        *tab = '\0';
        errno = 0;
        double w = strtod(line, &e);
        uint64_t key = parse_feature(tab + 1, strlen(tab + 1));
        if (errno || *e || !isfinite(w) || key == 0) {
            snprintf(err, errn, "%s:%u: bad weight or feature", name, lineno);
            goto fail;
        }
        size_t i = slot_of(key, m->mask);
        while (m->keys[i] && m->keys[i] != key)
            i = (i + 1) & m->mask;
        if (m->keys[i] == key) {
            snprintf(err, errn, "%s:%u: feature listed twice", name, lineno);
            goto fail;
        }
        m->keys[i] = key;
        m->w[i] = (float)w;
        got++;
    }
    if (nfeat < 0 || got != (size_t)nfeat) {
        snprintf(err, errn, "%s: %s (%zu of %ld features)", name,
                 nfeat < 0 ? "no features line" : "truncated", got, nfeat);
        goto fail;
    }
    m->n = got;
    return TY_OK;
fail:
    model_free(m);
    return TY_EPARSE;
}
