/*
 * lexicon.c - loads the risk lexicons (the files of data/lexicon/) and compiles every
 * term of every class and script into one Hyperscan database.
 *
 * Traditional Chinese is matched by putting both scripts in the database, not
 * by converting each text: OpenCC converts about 10^5 texts/s on one core,
 * Hyperscan scans several million, so conversion would cost far more than the
 * matching. At load time every simplified entry (zh-Hans.txt) is converted
 * with OpenCC's s2t, s2hk, s2tw and s2twp configurations (OpenCC standard,
 * Hong Kong and Taiwan characters, Taiwan phrasing) and each distinct result
 * becomes one more pattern for the same entry; zh-Hant.txt adds regional words
 * that no conversion produces (Cantonese "冇", "好痕"; Taiwan "即期品").
 *
 * Terms are literals. An ASCII term gets word boundaries (\b) where it starts
 * or ends with a letter or digit, so "lead content" never matches inside
 * "misleading"; a '*' at either end drops that boundary ("itch*" matches
 * "itching"). Chinese terms are matched as byte strings: UTF-8 is
 * self-synchronising, so a term can only match on character boundaries. All
 * matching ignores ASCII case.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc/opencc.h>
#include <unistr.h>

#include "text_impl.h"

#define LEX_FILE_MAX (1u << 20) /* bytes in one lexicon file */

static const char *const kind_names[LEX_NKINDS] = {
    "allergy",  "counterfeit", "expired",        "damaged",  "label", "harmful",
    "negative", "negation",    "negation-after", "contrast", "guard",
};

/* The configurations the traditional variants of a simplified entry come from. */
static const char *const variant_configs[] = {"s2t.json", "s2hk.json", "s2tw.json", "s2twp.json"};

static ty_err grow(void **p, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return TY_OK;
    if (need > max)
        return TY_ELIMIT;
    size_t c = *cap ? *cap * 2 : 256;
    while (c < need)
        c *= 2;
    if (c > max)
        c = max;
    void *q = realloc(*p, c * elem);
    if (!q)
        return TY_ENOMEM;
    *p = q;
    *cap = c;
    return TY_OK;
}

/* One entry as read from a file, before it becomes patterns. */
typedef struct entry {
    uint8_t kind;
    uint8_t simplified; /* from zh-Hans.txt: gets OpenCC variants */
    uint32_t text;      /* offset in the pool: the entry as written */
} entry;

typedef struct loader {
    lex_db *lx;
    entry *ents;
    size_t nents, capents;
    size_t capterms;
    char **exprs; /* one Hyperscan expression per term */
    char *err;
    size_t errn;
} loader;

static ty_err pool_add(lex_db *lx, const char *s, size_t n, uint32_t *off)
{
    TY_TRY(grow((void **)&lx->pool, &lx->pool_cap, lx->pool_len + n + 1, 1, (size_t)1 << 26));
    memcpy(lx->pool + lx->pool_len, s, n);
    lx->pool[lx->pool_len + n] = '\0';
    *off = (uint32_t)lx->pool_len;
    lx->pool_len += n + 1;
    return TY_OK;
}

static int is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The Hyperscan expression for a term: every byte but letters and digits escaped
 * as \xHH, boundaries as described at the top of the file. */
static char *expression(const char *t, size_t n, int latin, uint16_t *matched)
{
    int open_start = n && t[0] == '*', open_end = n > 1 && t[n - 1] == '*';
    const char *s = t + open_start;
    size_t m = n - (size_t)open_start - (size_t)open_end;
    char *e = malloc(m * 4 + 8);
    if (!e)
        return NULL;
    size_t k = 0;
    if (latin && !open_start && m && is_word((unsigned char)s[0])) {
        memcpy(e + k, "\\b", 2);
        k += 2;
    }
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_word(c) && c != '_') {
            e[k++] = (char)c;
        } else {
            static const char hex[] = "0123456789abcdef";
            e[k++] = '\\';
            e[k++] = 'x';
            e[k++] = hex[c >> 4];
            e[k++] = hex[c & 15];
        }
    }
    if (latin && !open_end && m && is_word((unsigned char)s[m - 1])) {
        memcpy(e + k, "\\b", 2);
        k += 2;
    }
    e[k] = '\0';
    *matched = (uint16_t)m;
    return e;
}

static int all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Adds one pattern for entry e with the text t (n bytes), unless the same kind
 * already has the same text (variants often coincide with each other). */
static ty_err add_term(loader *L, const entry *e, const char *t, size_t n)
{
    lex_db *lx = L->lx;
    for (size_t i = lx->nterms; i-- > 0;) {
        /* variants of one entry are added one after another: look back a little */
        if (lx->nterms - i > 8)
            break;
        const lex_term *o = &lx->terms[i];
        if (o->kind == e->kind && o->entry == e->text && strlen(L->exprs[i]) > 0) {
            uint16_t m;
            char *x = expression(t, n, all_ascii(t, n), &m);
            if (!x)
                return TY_ENOMEM;
            int same = strcmp(x, L->exprs[i]) == 0;
            free(x);
            if (same)
                return TY_OK;
        }
    }
    TY_TRY(
        grow((void **)&lx->terms, &L->capterms, lx->nterms + 1, sizeof *lx->terms, LEX_TERMS_MAX));
    size_t cap = L->capterms;
    char **ne = realloc(L->exprs, cap * sizeof *ne);
    if (!ne)
        return TY_ENOMEM;
    L->exprs = ne;
    lex_term *x = &lx->terms[lx->nterms];
    x->kind = e->kind;
    x->latin = (uint8_t)all_ascii(t, n);
    x->open_end = (uint8_t)(x->latin && n > 1 && t[n - 1] == '*');
    x->entry = e->text;
    L->exprs[lx->nterms] = expression(t, n, x->latin, &x->len);
    if (!L->exprs[lx->nterms])
        return TY_ENOMEM;
    lx->nterms++;
    return TY_OK;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Reads one lexicon file into entries. */
static ty_err read_file(loader *L, const char *dir, const char *name, int simplified)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/lexicon/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(L->err, L->errn, "%s: %s", path, strerror(errno));
        return TY_ENOENT;
    }
    char line[512];
    unsigned lineno = 0;
    int kind = -1;
    ty_err rc = TY_OK;
    while (rc == TY_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(L->err, L->errn, "%s:%u: line longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            rc = TY_ELIMIT;
            break;
        }
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        size_t m = strlen(s);
        if (u8_check((const uint8_t *)s, m) != NULL) {
            snprintf(L->err, L->errn, "%s:%u: not valid UTF-8", path, lineno);
            rc = TY_EPARSE;
            break;
        }
        if (*s == '[') {
            kind = -1;
            for (int k = 0; k < LEX_NKINDS; k++)
                if (m == strlen(kind_names[k]) + 2 && s[m - 1] == ']' &&
                    strncmp(s + 1, kind_names[k], m - 2) == 0)
                    kind = k;
            if (kind < 0) {
                snprintf(L->err, L->errn, "%s:%u: unknown section %s", path, lineno, s);
                rc = TY_EPARSE;
            }
            continue;
        }
        if (kind < 0) {
            snprintf(L->err, L->errn, "%s:%u: term before the first [section]", path, lineno);
            rc = TY_EPARSE;
            break;
        }
        const char *star = memchr(s + 1, '*', m > 2 ? m - 2 : 0);
        int bad_char = 0;
        for (size_t i = 0; i < m; i++)
            if ((unsigned char)s[i] < 0x20)
                bad_char = 1;
        if (m > LEX_TERM_MAX || star || bad_char || (m == 1 && s[0] == '*')) {
            snprintf(L->err, L->errn,
                     "%s:%u: term \"%s\": at most %d bytes, no control characters, '*' only "
                     "at either end",
                     path, lineno, s, LEX_TERM_MAX);
            rc = TY_EPARSE;
            break;
        }
        rc = grow((void **)&L->ents, &L->capents, L->nents + 1, sizeof *L->ents, LEX_TERMS_MAX);
        if (rc != TY_OK) {
            snprintf(L->err, L->errn, "%s:%u: more than %d entries", path, lineno, LEX_TERMS_MAX);
            break;
        }
        entry *e = &L->ents[L->nents++];
        e->kind = (uint8_t)kind;
        e->simplified = (uint8_t)simplified;
        rc = pool_add(L->lx, s, m, &e->text);
    }
    if (rc == TY_OK && ferror(f)) {
        snprintf(L->err, L->errn, "%s: read error", path);
        rc = TY_EIO;
    }
    fclose(f);
    return rc;
}

/* Converts the simplified entries with one OpenCC configuration, all at once
 * (one entry per line: OpenCC keeps the line breaks, and no dictionary phrase
 * spans one), and adds each result that differs from its entry. */
static ty_err add_variants(loader *L, const char *config)
{
    lex_db *lx = L->lx;
    ty_buf all;
    ty_buf_init(&all, (size_t)1 << 24);
    ty_err rc = TY_OK;
    for (size_t i = 0; i < L->nents && rc == TY_OK; i++)
        if (L->ents[i].simplified) {
            rc = ty_buf_puts(&all, lx->pool + L->ents[i].text);
            if (rc == TY_OK)
                rc = ty_buf_putc(&all, '\n');
        }
    if (rc != TY_OK) {
        ty_buf_free(&all);
        return rc;
    }
    opencc_t cc = opencc_open(config);
    if (cc == (opencc_t)-1) {
        snprintf(L->err, L->errn, "OpenCC: cannot open %s: %s", config, opencc_error());
        ty_buf_free(&all);
        return TY_EIO;
    }
    char *out = opencc_convert_utf8(cc, ty_buf_cstr(&all), all.len);
    opencc_close(cc);
    ty_buf_free(&all);
    if (!out) {
        snprintf(L->err, L->errn, "OpenCC: %s failed: %s", config, opencc_error());
        return TY_EIO;
    }
    char *p = out;
    for (size_t i = 0; i < L->nents && rc == TY_OK; i++) {
        if (!L->ents[i].simplified)
            continue;
        char *nl = strchr(p, '\n');
        if (!nl) {
            snprintf(L->err, L->errn, "OpenCC %s changed the number of lines", config);
            rc = TY_EIO;
            break;
        }
        size_t n = (size_t)(nl - p);
        const char *orig = lx->pool + L->ents[i].text;
        if (n != strlen(orig) || memcmp(p, orig, n) != 0)
            rc = add_term(L, &L->ents[i], p, n);
        p = nl + 1;
    }
    opencc_convert_utf8_free(out);
    return rc;
}

static const char *const files[] = {"zh-Hans.txt", "zh-Hant.txt", "en.txt"};

ty_err lex_load(lex_db *lx, const char *data_dir, char *err, size_t errn)
{
    memset(lx, 0, sizeof *lx);
    loader L = {.lx = lx, .err = err, .errn = errn};
    ty_err rc = TY_OK;
    for (size_t i = 0; i < 3 && rc == TY_OK; i++)
        rc = read_file(&L, data_dir, files[i], i == 0);
    lx->nentries = L.nents;
    /* the entries themselves first, then their variants, config by config */
    for (size_t i = 0; i < L.nents && rc == TY_OK; i++) {
        const char *t = lx->pool + L.ents[i].text;
        rc = add_term(&L, &L.ents[i], t, strlen(t));
    }
    for (size_t c = 0; c < sizeof variant_configs / sizeof *variant_configs && rc == TY_OK; c++)
        rc = add_variants(&L, variant_configs[c]);
    if (rc == TY_OK && lx->nterms == 0) {
        snprintf(err, errn, "%s/lexicon: no terms", data_dir);
        rc = TY_EPARSE;
    }
    if (rc == TY_OK) {
        unsigned *flags = malloc(lx->nterms * sizeof *flags);
        unsigned *ids = malloc(lx->nterms * sizeof *ids);
        if (!flags || !ids) {
            rc = TY_ENOMEM;
        } else {
            for (size_t i = 0; i < lx->nterms; i++) {
                flags[i] = HS_FLAG_CASELESS;
                ids[i] = (unsigned)i;
            }
            hs_compile_error_t *ce = NULL;
            if (hs_compile_multi((const char *const *)L.exprs, flags, ids, (unsigned)lx->nterms,
                                 HS_MODE_BLOCK, NULL, &lx->db, &ce) != HS_SUCCESS) {
                int at = ce ? ce->expression : -1;
                snprintf(err, errn, "Hyperscan: %s%s%s", ce ? ce->message : "compile failed",
                         at >= 0 ? " in term " : "", at >= 0 ? lx->pool + lx->terms[at].entry : "");
                hs_free_compile_error(ce);
                lx->db = NULL;
                rc = TY_EINVAL;
            }
        }
        free(flags);
        free(ids);
    }
    if (rc == TY_ENOMEM)
        snprintf(err, errn, "out of memory loading the lexicon");
    for (size_t i = 0; i < lx->nterms; i++)
        free(L.exprs[i]);
    free(L.exprs);
    free(L.ents);
    if (rc != TY_OK)
        lex_free(lx);
    return rc;
}

void lex_free(lex_db *lx)
{
    if (lx->db)
        hs_free_database(lx->db);
    free(lx->terms);
    free(lx->pool);
    memset(lx, 0, sizeof *lx);
}
