/*
 * regulatory.c - the regulatory matcher (regulatory.h): builds an in-memory copy of
 * the annex and alert tables, and matches products' ingredient lists, brands and
 * titles against it.
 *
 * Why hash maps and not Vectorscan: an ingredient matches only when it equals a
 * name as a whole, so the question per ingredient is "is this normalised string a
 * key?", which one hash look-up answers. A multi-pattern scanner answers "where do
 * names occur inside this text?", and every hit would then have to be checked for
 * covering the whole ingredient (or it would find "Lead" in "Lead-free"); measured
 * on the same normalised ingredients, the hash look-up is faster too
 * (tests/unit/test_regulatory.c prints both; docs/detection.md). The alert match
 * first narrows the alerts to the product's brand by one look-up, then compares a
 * handful of words: there is no free text to scan either.
 *
 * Layout: every text lives once in one pool (interned: the annex repeats "All
 * cosmetic products" thousands of times); structures hold pool offsets while the
 * pool grows and are turned into pointers when the build ends. Three maps - names,
 * CAS numbers, alert brands - go from a key to a run of postings; each is built by
 * sorting (key, posting) pairs, so a key's postings are contiguous and one posting
 * per entry (or alert) is kept.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "regulatory_impl.h"
#include "tianyan/buf.h"
#include "tianyan/hashidx.h"
#include "tianyan/refscan.h"
#include "tianyan/regulatory.h"

#define POOL_MAX     ((size_t)1 << 28) /* bytes of text in one matcher */
#define VEC_MAX      ((size_t)1 << 24) /* elements of one build vector */
#define TITLE_WORDS  512               /* title words compared; later ones are ignored */
#define SEEN_MAX     32                /* entries one ingredient element can reach, de-duplicated */
#define NCOND_FIELDS 7

#ifndef TY_DATA_DIR
#define TY_DATA_DIR "data"
#endif

/* ---------------------------------------------------------------- structures */

typedef struct reg_entry {
    uint32_t annex, ref_no; /* pool offsets */
    uint32_t first_cond, ncond;
    uint8_t status;
} reg_entry;

typedef struct reg_row {
    int64_t id; /* ref_substances.id */
    uint32_t entry;
    uint32_t name, listed, cas; /* pool offsets */
} reg_row;

/* What a key leads to: an annex row (names, CAS) or an alert (brands). */
typedef struct reg_post {
    uint32_t target;  /* row index, or alert index */
    uint32_t group;   /* entry index, or alert index: one posting per group and key */
    uint32_t matched; /* pool offset: the name, synonym, CAS number or brand as written */
    uint32_t source;  /* pool offset: where a synonym comes from; 0 ("") otherwise */
    uint8_t via;      /* TY_REG_VIA_* (alerts: 0) */
} reg_post;

typedef struct reg_pair {
    uint32_t key, klen; /* pool offset of the (interned) key */
    reg_post p;
} reg_pair;

typedef struct reg_key {
    uint32_t key, klen;
    uint32_t first, n; /* postings */
} reg_key;

typedef struct reg_map {
    reg_key *keys;
    size_t nkeys;
    reg_post *posts;
    size_t nposts;
    ty_hashidx idx; /* hash of the key -> index in keys */
} reg_map;

typedef struct reg_alert {
    uint32_t f[TY_SG__COUNT];    /* pool offsets */
    uint32_t first_word, nwords; /* in words[] */
    uint8_t type_words;
} reg_alert;

struct ty_regmatch {
    ty_buf pool; /* every text, NUL-terminated; offset 0 is "" */
    reg_row *rows;
    size_t nrows;
    reg_entry *entries;
    size_t nentries;
    ty_reg_condition *conds; /* pointers into pool, by entry */
    size_t nconds;
    reg_map names, cas, brands;
    reg_alert *alerts;
    size_t nalerts;
    uint32_t *words; /* pool offsets of alert product words */
    size_t nwords;
    ty_regmatch_info info;
};

static const char *S(const ty_regmatch *m, uint32_t off)
{
    return m->pool.data + off;
}

/* ---------------------------------------------------------------- helpers */

/* 64-bit SipHash of a key (libsodium, initialised by ty_store_open(), which every
 * matcher needs first). The key of the hash is fixed: flooding needs control over
 * what is inserted, and only reference data is. */
static uint64_t hash_bytes(const void *p, size_t n)
{
    static const unsigned char key[crypto_shorthash_KEYBYTES] = {0x74, 0x79, 0x72, 0x65};
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, p, n, key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

/* Makes room for one more element of size elem in *v (n used, *cap allocated). */
static ty_err vec_grow(void **v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return TY_OK;
    if (n >= VEC_MAX)
        return TY_ELIMIT;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*v, c * elem);
    if (!q)
        return TY_ENOMEM;
    *v = q;
    *cap = c;
    return TY_OK;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b))
            return 0;
    return *a == *b;
}

/* Do the n bytes at a equal the string b, ignoring ASCII case? */
static int ascii_ieq_n(const char *a, size_t n, const char *b)
{
    for (size_t i = 0; i < n; i++)
        if (!b[i] || lower(a[i]) != lower(b[i]))
            return 0;
    return b[n] == '\0';
}

/* Does text hold word (lower-case ASCII) as a whole word, ignoring ASCII case? */
static int has_word(const char *text, const char *word)
{
    size_t wn = strlen(word);
    for (const char *p = text; *p; p++) {
        if (p != text && ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z'))
            continue;
        size_t i = 0;
        while (i < wn && p[i] && (p[i] | 0x20) == word[i])
            i++;
        if (i == wn && !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))
            return 1;
    }
    return 0;
}

/* A bounded text being written: appends are cut, and the end marked, when full. */
typedef struct sbuf {
    char *p;
    size_t cap, len;
    int cut;
} sbuf;

static void sb_init(sbuf *b, char *p, size_t cap)
{
    b->p = p;
    b->cap = cap;
    b->len = 0;
    b->cut = 0;
    p[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->cut)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->p[b->len] = '\0';
        return;
    }
    if ((size_t)k >= b->cap - b->len) {
        /* cut on a UTF-8 boundary, leaving room for "..." */
        size_t end = b->cap - 4;
        while (end > b->len && ((unsigned char)b->p[end] & 0xC0) == 0x80)
            end--;
        memcpy(b->p + end, "...", 4);
        b->len = end + 3;
        b->cut = 1;
        return;
    }
    b->len += (size_t)k;
}

/* Appends text with each run of line breaks and tabs written as "; ": evidence is one
 * line, and the Safety Gate cells hold several ("...: Retailer\nCategory of ..."). */
static void sb_flat(sbuf *b, const char *text)
{
    const char *p = text;
    while (*p && !b->cut) {
        size_t n = strcspn(p, "\r\n\t");
        sb_printf(b, "%.*s", (int)n, p);
        p += n;
        if (!*p)
            break;
        while (*p == '\r' || *p == '\n' || *p == '\t')
            p++;
        if (*p)
            sb_printf(b, "; ");
    }
}

/* Outside text, quoted for a message (control characters escaped, cut at max bytes). */
#define QUOTE_MAX 160
typedef struct quoted {
    char s[6 * QUOTE_MAX + 8];
} quoted;

static quoted quote(const char *s, size_t n)
{
    quoted q;
    ty_quote_for_message(q.s, sizeof q.s, s, n, QUOTE_MAX);
    return q;
}

/* ---------------------------------------------------------------- pool and maps */

typedef struct builder {
    ty_regmatch *m;
    ty_hashidx intern;    /* hash of a text -> its pool offset */
    ty_hashidx entry_idx; /* hash of annex, number (and name) -> entry index */
    size_t caprows, capentries;
    struct cond_pair {
        uint32_t entry;
        uint32_t f[NCOND_FIELDS];
    } * cps;
    size_t ncps, capcps;
    reg_pair *pairs[3]; /* names, CAS, brands */
    size_t npairs[3], cappairs[3];
    size_t capalerts, capwords;
    int unsorted; /* rows did not arrive in id order */
    int64_t last_id;
    char *err;
    size_t errn;
} builder;

enum { P_NAMES, P_CAS, P_BRANDS };

/* The pool offset of s (n bytes), adding it when not there yet. */
static ty_err intern(builder *b, const char *s, size_t n, uint32_t *off)
{
    ty_buf *pool = &b->m->pool;
    uint64_t h = hash_bytes(s, n), pos = UINT64_MAX;
    int64_t v;
    while (ty_hashidx_next(&b->intern, h, &pos, &v)) {
        const char *t = pool->data + v;
        if (memcmp(t, s, n) == 0 && t[n] == '\0') {
            *off = (uint32_t)v;
            return TY_OK;
        }
    }
    size_t at = pool->len;
    TY_TRY(ty_buf_append(pool, s, n));
    TY_TRY(ty_buf_putc(pool, '\0'));
    TY_TRY(ty_hashidx_insert(&b->intern, h, (int64_t)at));
    *off = (uint32_t)at;
    return TY_OK;
}

static ty_err intern_str(builder *b, const char *s, uint32_t *off)
{
    return intern(b, s, strlen(s), off);
}

static ty_err add_pair(builder *b, int which, const char *key, size_t klen, const reg_post *p)
{
    TY_TRY(vec_grow((void **)&b->pairs[which], b->npairs[which], &b->cappairs[which],
                    sizeof(reg_pair)));
    reg_pair *q = &b->pairs[which][b->npairs[which]];
    TY_TRY(intern(b, key, klen, &q->key));
    q->klen = (uint32_t)klen;
    q->p = *p;
    b->npairs[which]++;
    return TY_OK;
}

static int pair_cmp(const void *x, const void *y)
{
    const reg_pair *a = x, *b = y;
    /* interned keys: equal keys have equal offsets, which is all grouping needs */
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->p.group != b->p.group)
        return a->p.group < b->p.group ? -1 : 1;
    if (a->p.via != b->p.via) /* the annex's own name before a synonym file's */
        return a->p.via < b->p.via ? -1 : 1;
    if (a->p.target != b->p.target)
        return a->p.target < b->p.target ? -1 : 1;
    return 0;
}

/* Turns pairs into a map, keeping the first posting of each group under a key. */
static ty_err map_build(ty_regmatch *m, reg_map *mp, reg_pair *pairs, size_t n)
{
    if (n)
        qsort(pairs, n, sizeof *pairs, pair_cmp);
    mp->keys = malloc((n ? n : 1) * sizeof *mp->keys);
    mp->posts = malloc((n ? n : 1) * sizeof *mp->posts);
    if (!mp->keys || !mp->posts)
        return TY_ENOMEM;
    TY_TRY(ty_hashidx_init(&mp->idx, n));
    for (size_t i = 0; i < n;) {
        reg_key *k = &mp->keys[mp->nkeys];
        k->key = pairs[i].key;
        k->klen = pairs[i].klen;
        k->first = (uint32_t)mp->nposts;
        size_t j = i;
        for (; j < n && pairs[j].key == pairs[i].key; j++)
            if (j == i || pairs[j].p.group != pairs[j - 1].p.group)
                mp->posts[mp->nposts++] = pairs[j].p;
        k->n = (uint32_t)(mp->nposts - k->first);
        TY_TRY(ty_hashidx_insert(&mp->idx, hash_bytes(S(m, k->key), k->klen), (int64_t)mp->nkeys));
        mp->nkeys++;
        i = j;
    }
    return TY_OK;
}

static const reg_key *map_find(const ty_regmatch *m, const reg_map *mp, const char *k, size_t n)
{
    uint64_t pos = UINT64_MAX;
    int64_t v;
    uint64_t h = hash_bytes(k, n);
    while (ty_hashidx_next(&mp->idx, h, &pos, &v)) {
        const reg_key *rk = &mp->keys[v];
        if (rk->klen == n && memcmp(S(m, rk->key), k, n) == 0)
            return rk;
    }
    return NULL;
}

static void map_free(reg_map *mp)
{
    free(mp->keys);
    free(mp->posts);
    ty_hashidx_free(&mp->idx);
    memset(mp, 0, sizeof *mp);
}

static size_t map_bytes(const reg_map *mp)
{
    return mp->nkeys * sizeof *mp->keys + mp->nposts * sizeof *mp->posts +
           ty_hashidx_bytes(&mp->idx);
}

/* ---------------------------------------------------------------- annex rows */

/* Does an Annex II entry's condition make the prohibition conditional? The export
 * writes such conditions in "Restriction(s)" ("Not permitted if substance contains
 * >= 0.1 % (w/w) Butadiene", "Not permitted except ...") or as a limit other than
 * "0 %" ("1 mg/kg"). Dates ("From 23 August 2019 cosmetic products containing that
 * substance shall not be placed ...") and definitions do not. */
static int conditional(const ty_regmatch *m, const uint32_t f[NCOND_FIELDS])
{
    static const char *const cue[] = {"if", "except", "unless", "exception", "when"};
    const char *restr = S(m, f[4]), *max = S(m, f[1]);
    for (size_t i = 0; i < sizeof cue / sizeof cue[0]; i++)
        if (has_word(restr, cue[i]))
            return 1;
    return *max && strcmp(max, "0 %") != 0 && strcmp(max, "0%") != 0;
}

static ty_err on_substance(void *ctx, const ty_ref_substance_row *r)
{
    builder *b = ctx;
    ty_regmatch *m = b->m;
    /* an entry is its annex and number; the few entries without a number are told
     * apart by their name */
    char id[512];
    int idn = snprintf(id, sizeof id, "%s%c%s%c%s", r->s.annex, 0, r->s.ref_no, 0,
                       r->s.ref_no[0] ? "" : r->s.name);
    size_t idlen = idn < 0 ? 0 : (size_t)idn >= sizeof id ? sizeof id - 1 : (size_t)idn;
    uint64_t h = hash_bytes(id, idlen), pos = UINT64_MAX;
    int64_t v;
    uint32_t entry = UINT32_MAX;
    while (ty_hashidx_next(&b->entry_idx, h, &pos, &v)) {
        const reg_entry *e = &m->entries[v];
        if (strcmp(S(m, e->annex), r->s.annex) == 0 && strcmp(S(m, e->ref_no), r->s.ref_no) == 0 &&
            (r->s.ref_no[0] || strcmp(S(m, m->rows[e->first_cond].name), r->s.name) == 0)) {
            entry = (uint32_t)v;
            break;
        }
    }
    if (entry == UINT32_MAX) {
        TY_TRY(vec_grow((void **)&m->entries, m->nentries, &b->capentries, sizeof *m->entries));
        reg_entry *e = &m->entries[m->nentries];
        memset(e, 0, sizeof *e);
        TY_TRY(intern_str(b, r->s.annex, &e->annex));
        TY_TRY(intern_str(b, r->s.ref_no, &e->ref_no));
        e->first_cond = (uint32_t)m->nrows; /* until conditions are gathered: its first row */
        e->status = strcmp(r->s.annex, "II") == 0 ? TY_REG_PROHIBITED : TY_REG_RESTRICTED;
        entry = (uint32_t)m->nentries++;
        TY_TRY(ty_hashidx_insert(&b->entry_idx, h, entry));
    }
    TY_TRY(vec_grow((void **)&m->rows, m->nrows, &b->caprows, sizeof *m->rows));
    reg_row *row = &m->rows[m->nrows];
    row->id = r->id;
    row->entry = entry;
    TY_TRY(intern_str(b, r->s.name, &row->name));
    TY_TRY(intern_str(b, r->listed[0] ? r->listed : r->s.name, &row->listed));
    /* the export writes "-" where a substance has no number */
    const char *cas = strpbrk(r->listed_cas, "0123456789") ? r->listed_cas
                      : strpbrk(r->s.cas, "0123456789")    ? r->s.cas
                                                           : "";
    TY_TRY(intern_str(b, cas, &row->cas));
    if (m->nrows && r->id <= b->last_id)
        b->unsorted = 1;
    b->last_id = r->id;
    m->nrows++;

    TY_TRY(vec_grow((void **)&b->cps, b->ncps, &b->capcps, sizeof *b->cps));
    struct cond_pair *c = &b->cps[b->ncps];
    c->entry = entry;
    const char *f[NCOND_FIELDS] = {r->s.product_types, r->s.max_conc,     r->s.min_conc,
                                   r->expressed_as,    r->s.restrictions, r->s.warnings,
                                   r->s.notes};
    for (int i = 0; i < NCOND_FIELDS; i++)
        TY_TRY(intern_str(b, f[i], &c->f[i]));
    b->ncps++;
    return TY_OK;
}

static int row_cmp(const void *x, const void *y)
{
    const reg_row *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Index of the row with ref_substances.id == id, or -1. */
static int64_t row_find(builder *b, int64_t id)
{
    ty_regmatch *m = b->m;
    if (b->unsorted) {
        qsort(m->rows, m->nrows, sizeof *m->rows, row_cmp);
        b->unsorted = 0;
    }
    size_t lo = 0, hi = m->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nrows && m->rows[lo].id == id ? (int64_t)lo : -1;
}

static ty_err on_name(void *ctx, int64_t substance, const char *name)
{
    builder *b = ctx;
    int64_t row = row_find(b, substance);
    if (row < 0)
        return TY_OK; /* cannot happen inside one transaction; nothing to attach it to */
    char key[REG_KEY_MAX];
    size_t klen;
    int cut;
    ty_err e = reg_normalise(name, strlen(name), 0, key, sizeof key, &klen, &cut);
    if (e == TY_EPARSE || cut || klen == 0)
        return TY_OK; /* no letters, or longer than any ingredient looked up can be */
    TY_TRY(e);
    reg_post p = {.target = (uint32_t)row, .group = b->m->rows[row].entry, .via = TY_REG_VIA_NAME};
    TY_TRY(intern_str(b, name, &p.matched));
    return add_pair(b, P_NAMES, key, klen, &p);
}

static ty_err on_cas(void *ctx, int64_t substance, const char *cas)
{
    builder *b = ctx;
    int64_t row = row_find(b, substance);
    if (row < 0)
        return TY_OK;
    reg_post p = {.target = (uint32_t)row, .group = b->m->rows[row].entry, .via = TY_REG_VIA_CAS};
    TY_TRY(intern_str(b, cas, &p.matched));
    return add_pair(b, P_CAS, cas, strlen(cas), &p);
}

static int cond_cmp(const void *x, const void *y)
{
    const struct cond_pair *a = x, *b = y;
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return memcmp(a->f, b->f, sizeof a->f);
}

/* Gathers each entry's distinct conditions and sets its status. */
static ty_err gather_conditions(builder *b)
{
    ty_regmatch *m = b->m;
    if (b->ncps) /* qsort wants a valid pointer even for no elements */
        qsort(b->cps, b->ncps, sizeof *b->cps, cond_cmp);
    for (size_t i = 0; i < m->nentries; i++)
        m->entries[i].ncond = 0;
    size_t keep = 0;
    for (size_t i = 0; i < b->ncps; i++) {
        if (keep && b->cps[keep - 1].entry == b->cps[i].entry &&
            memcmp(b->cps[keep - 1].f, b->cps[i].f, sizeof b->cps[i].f) == 0)
            continue;
        b->cps[keep++] = b->cps[i];
    }
    b->ncps = keep;
    for (size_t i = 0; i < keep; i++) {
        reg_entry *e = &m->entries[b->cps[i].entry];
        if (e->ncond++ == 0)
            e->first_cond = (uint32_t)i;
        if (e->status == TY_REG_PROHIBITED && conditional(m, b->cps[i].f))
            e->status = TY_REG_PROHIBITED_IF;
    }
    return TY_OK;
}

/* ---------------------------------------------------------------- INCI synonyms */

/* "II/1666" -> annex "II", number "1666"; "III/62=Trialkanolamines" also names the
 * substance listed under the entry (*listed, else NULL). */
static int parse_entry(char *s, const char **annex, const char **ref, const char **listed)
{
    char *slash = strchr(s, '/'), *eq = strchr(s, '=');
    *listed = NULL;
    if (eq) {
        *eq = '\0';
        *listed = eq + 1;
        if (!**listed)
            return 0;
    }
    if (!slash)
        return 0;
    *slash = '\0';
    *annex = s;
    *ref = slash + 1;
    return (strcmp(s, "II") == 0 || strcmp(s, "III") == 0) && **ref;
}

static char *trim_in_place(char *s)
{
    reg_span t = reg_trim(s, strlen(s));
    ((char *)t.s)[t.n] = '\0';
    return (char *)t.s;
}

/* The row of the entry (annex, ref) that lists the substance named listed, when none
 * of the entry's rows gives a CAS number; -1 otherwise (and when listed is NULL: a
 * class entry lists several members, and the line must say which it means). */
static int64_t group_row(builder *b, const char *annex, const char *ref, const char *listed)
{
    const ty_regmatch *m = b->m;
    int64_t row = -1;
    for (size_t i = 0; i < m->nrows; i++) {
        const reg_entry *e = &m->entries[m->rows[i].entry];
        if (strcmp(S(m, e->annex), annex) != 0 || strcmp(S(m, e->ref_no), ref) != 0)
            continue;
        if (*S(m, m->rows[i].cas))
            return -1;
        if (listed && row < 0 && ascii_ieq(S(m, m->rows[i].listed), listed))
            row = (int64_t)i;
    }
    return row;
}

static ty_err synonym_line(builder *b, const char *file, unsigned lineno, char *line)
{
    ty_regmatch *m = b->m;
    char *f[4];
    int nf = 0;
    for (char *p = line; nf < 4;) {
        char *bar = nf < 3 ? strchr(p, '|') : NULL;
        f[nf++] = p;
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    for (int i = 0; i < nf; i++)
        f[i] = trim_in_place(f[i]);
    const char *annex, *ref, *listed;
    char cas[TY_CHEMID_MAX];
    if (nf != 4 || !*f[0] || !*f[3]) {
        snprintf(b->err, b->errn, "%s:%u: expected INCI name|CAS|annex/entry|source", file, lineno);
        return TY_EPARSE;
    }
    if (!ty_cas_normalise(f[1], strlen(f[1]), cas)) {
        snprintf(b->err, b->errn, "%s:%u: \"%s\" is not a CAS number (form or check digit)", file,
                 lineno, f[1]);
        return TY_EPARSE;
    }
    if (!parse_entry(f[2], &annex, &ref, &listed)) {
        snprintf(b->err, b->errn,
                 "%s:%u: expected an annex entry such as II/1666, III/84 or "
                 "III/62=Trialkanolamines",
                 file, lineno);
        return TY_EPARSE;
    }
    char key[REG_KEY_MAX];
    size_t klen;
    int cut;
    ty_err e = reg_normalise(f[0], strlen(f[0]), 0, key, sizeof key, &klen, &cut);
    if (e != TY_OK || cut || klen == 0) {
        snprintf(b->err, b->errn, "%s:%u: the INCI name has no letters or is not UTF-8", file,
                 lineno);
        return e == TY_ENOMEM ? e : TY_EPARSE;
    }
    m->info.synonyms++;
    char src[1024];
    const char *base = strrchr(file, '/');
    snprintf(src, sizeof src, "%s:%u: %s", base ? base + 1 : file, lineno, f[3]);
    reg_post p = {.via = TY_REG_VIA_SYNONYM};
    TY_TRY(intern_str(b, src, &p.source));
    TY_TRY(intern_str(b, f[0], &p.matched));
    const reg_key *k = map_find(m, &m->cas, cas, strlen(cas));
    int named = 0;
    for (uint32_t i = 0; k && i < k->n; i++) {
        const reg_post *c = &m->cas.posts[k->first + i];
        const reg_entry *en = &m->entries[c->group];
        named |= strcmp(S(m, en->annex), annex) == 0 && strcmp(S(m, en->ref_no), ref) == 0;
        p.target = c->target;
        p.group = c->group;
        TY_TRY(add_pair(b, P_NAMES, key, klen, &p));
    }
    if (!k) {
        /* a class entry ("Trialkanolamines") has no CAS number to connect by: the line
         * then connects to the substance it names under the entry, if the entry lists
         * no number at all */
        int64_t row = group_row(b, annex, ref, listed);
        if (row >= 0) {
            p.target = (uint32_t)row;
            p.group = m->rows[row].entry;
            TY_TRY(add_pair(b, P_NAMES, key, klen, &p));
            named = 1;
        }
    }
    /* the line still connects the name to whatever lists its CAS number, but a person
     * should hear that the annex data no longer says what the file says */
    if (!named)
        m->info.synonyms_unresolved++;
    return TY_OK;
}

static ty_err load_synonyms(builder *b, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/reference/inci-synonyms.txt", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(b->err, b->errn, "%s: cannot open", path);
        return TY_ENOENT;
    }
    char line[2048];
    unsigned lineno = 0;
    int version = 0;
    ty_err e = TY_OK;
    while (e == TY_OK && fgets(line, sizeof line, fp)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            snprintf(b->err, b->errn, "%s:%u: line longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            e = TY_EPARSE;
            break;
        }
        char *s = trim_in_place(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (!version) {
            if (strcmp(s, "tianyan-inci-synonyms 1") != 0) {
                snprintf(b->err, b->errn,
                         "%s:%u: expected the format line \"tianyan-inci-synonyms 1\"", path,
                         lineno);
                e = TY_EPARSE;
            }
            version = 1;
            continue;
        }
        e = synonym_line(b, path, lineno, s);
    }
    if (e == TY_OK && ferror(fp)) {
        snprintf(b->err, b->errn, "%s: read error", path);
        e = TY_EIO;
    }
    if (e == TY_OK && !version) {
        snprintf(b->err, b->errn, "%s: no format line", path);
        e = TY_EPARSE;
    }
    fclose(fp);
    return e;
}

/* ---------------------------------------------------------------- alerts */

/* Words that never identify a product: function words and units (always left out),
 * and generic product words (left out of the product description, where they name
 * the kind of product and not the model: with them, every perfume of an alerted
 * brand would match an alert about one perfume). Normalised forms. */
static const char *const function_words[] = {
    "a",   "an",  "and", "au",   "aux", "avec", "by",  "con", "da",  "de",   "del",
    "der", "des", "di",  "die",  "du",  "el",   "en",  "et",  "fl",  "for",  "g",
    "in",  "kg",  "l",   "la",   "le",  "les",  "mg",  "ml",  "na",  "of",   "on",
    "or",  "oz",  "per", "pour", "pro", "sans", "the", "to",  "und", "with", "y",
};
static const char *const generic_words[] = {
    "anti",     "baby",      "bain",     "balm",  "bath",  "body",    "butter",     "cologne",
    "cosmetic", "cosmetics", "cream",    "crema", "creme", "douche",  "eau",        "edp",
    "edt",      "face",      "femme",    "gel",   "gift",  "hair",    "homme",      "kit",
    "lotion",   "man",       "mask",     "men",   "milk",  "oil",     "parfum",     "perfume",
    "profumo",  "sapone",    "savon",    "serum", "set",   "shampoo", "shampooing", "shower",
    "soap",     "spray",     "toilette", "toner", "woman", "women",
};

static int in_list(const char *w, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
            return 1;
    return 0;
}

/* The words of a spaced normalisation (n bytes at s) into out; returns how many
 * (at most max: later words are left out). */
static size_t words_of(const char *s, size_t n, reg_span *out, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        if (j > i) {
            if (count < max)
                out[count] = (reg_span){s + i, j - i};
            count++;
        }
        i = j + 1;
    }
    return count < max ? count : max;
}

static int word_in(const reg_span *w, size_t nw, const char *s, size_t n)
{
    for (size_t i = 0; i < nw; i++)
        if (w[i].n == n && memcmp(w[i].s, s, n) == 0)
            return 1;
    return 0;
}

static int all_digits_or_long(const char *s, size_t n)
{
    if (n > 1)
        return 1;
    return n == 1 && s[0] >= '0' && s[0] <= '9';
}

/* The alert's product words (see ty_regmatch_alert()). */
static ty_err alert_words(builder *b, reg_alert *a, const char *brand, const char *desc,
                          const char *product)
{
    ty_regmatch *m = b->m;
    char bn[1024], dn[2048];
    size_t bl, dl;
    int cut;
    reg_span bw[64], dw[128];
    if (reg_normalise(brand, strlen(brand), 1, bn, sizeof bn, &bl, &cut) != TY_OK)
        bl = 0;
    size_t nb = words_of(bn, bl, bw, 64);
    a->first_word = (uint32_t)m->nwords;
    for (int pass = 0; pass < 2 && a->nwords == 0; pass++) {
        const char *src = pass == 0 ? desc : product;
        if (reg_normalise(src, strlen(src), 1, dn, sizeof dn, &dl, &cut) != TY_OK)
            continue;
        size_t nd = words_of(dn, dl, dw, 128);
        for (size_t i = 0; i < nd; i++) {
            const char *w = dw[i].s;
            size_t wn = dw[i].n;
            if (!all_digits_or_long(w, wn) || word_in(bw, nb, w, wn) ||
                in_list(w, wn, function_words, sizeof function_words / sizeof *function_words) ||
                (pass == 0 &&
                 in_list(w, wn, generic_words, sizeof generic_words / sizeof *generic_words)) ||
                word_in(dw, i, w, wn))
                continue;
            TY_TRY(vec_grow((void **)&m->words, m->nwords, &b->capwords, sizeof *m->words));
            TY_TRY(intern(b, w, wn, &m->words[m->nwords]));
            m->nwords++;
            a->nwords++;
        }
        a->type_words = (uint8_t)(pass == 1);
    }
    return TY_OK;
}

/* The alert's brand as a whole, and its parts when it names several: split at ",",
 * ";", "/", "|", parentheses, " - " and the word "by" ("TAFT by Schwarzkopf&Henkel").
 * "&" is not a split: it belongs to brand names ("Dolce & Gabbana"). */
static ty_err alert_brands(builder *b, uint32_t alert, const char *brand)
{
    size_t n = strlen(brand);
    reg_span parts[33];
    size_t np = 0;
    parts[np++] = (reg_span){brand, n};
    size_t start = 0;
    for (size_t i = 0; i <= n && np < 33; i++) {
        size_t skip = 0;
        if (i == n || strchr(",;/|()", brand[i]))
            skip = 1;
        else if (i > 0 && brand[i - 1] == ' ' && brand[i] == '-' && brand[i + 1] == ' ')
            skip = 2;
        else if (i > 0 && brand[i - 1] == ' ' && (brand[i] | 0x20) == 'b' &&
                 (brand[i + 1] | 0x20) == 'y' && brand[i + 2] == ' ')
            skip = 3;
        if (!skip)
            continue;
        if (np < 33)
            parts[np++] = reg_trim(brand + start, i - start);
        i += skip - 1;
        start = i + 1;
    }
    for (size_t i = 0; i < np; i++) {
        if (parts[i].n == 0 || (i > 0 && parts[i].n == parts[0].n))
            continue; /* empty, or the whole brand again */
        char key[REG_KEY_MAX];
        size_t klen;
        int cut;
        if (reg_normalise(parts[i].s, parts[i].n, 0, key, sizeof key, &klen, &cut) != TY_OK ||
            cut || klen == 0)
            continue;
        reg_post p = {.target = alert, .group = alert};
        TY_TRY(intern(b, parts[i].s, parts[i].n, &p.matched));
        TY_TRY(add_pair(b, P_BRANDS, key, klen, &p));
    }
    return TY_OK;
}

static ty_err on_alert(void *ctx, const ty_ref_alert *al)
{
    builder *b = ctx;
    ty_regmatch *m = b->m;
    TY_TRY(vec_grow((void **)&m->alerts, m->nalerts, &b->capalerts, sizeof *m->alerts));
    reg_alert *a = &m->alerts[m->nalerts];
    memset(a, 0, sizeof *a);
    for (int f = 0; f < TY_SG__COUNT; f++)
        TY_TRY(intern_str(b, al->field[f], &a->f[f]));
    TY_TRY(alert_words(b, a, al->field[TY_SG_BRAND], al->field[TY_SG_DESCRIPTION],
                       al->field[TY_SG_PRODUCT_NAME]));
    TY_TRY(alert_brands(b, (uint32_t)m->nalerts, al->field[TY_SG_BRAND]));
    m->nalerts++;
    return TY_OK;
}

/* ---------------------------------------------------------------- open and close */

/* Names whose spellings differ beyond ASCII case yet share a key and reach different
 * entries: what normalisation merged (reported in the info, listed in the docs). */
static size_t merged_names(const ty_regmatch *m)
{
    size_t merged = 0;
    for (size_t i = 0; i < m->names.nkeys; i++) {
        const reg_key *k = &m->names.keys[i];
        for (uint32_t a = 1; a < k->n; a++) {
            const reg_post *p = &m->names.posts[k->first + a], *q = &m->names.posts[k->first];
            if (p->group != q->group && !ascii_ieq(S(m, p->matched), S(m, q->matched))) {
                merged++;
                break;
            }
        }
    }
    return merged;
}

static ty_err finish(builder *b)
{
    ty_regmatch *m = b->m;
    m->conds = malloc((b->ncps ? b->ncps : 1) * sizeof *m->conds);
    if (!m->conds)
        return TY_ENOMEM;
    for (size_t i = 0; i < b->ncps; i++) {
        const uint32_t *f = b->cps[i].f;
        m->conds[i] = (ty_reg_condition){S(m, f[0]), S(m, f[1]), S(m, f[2]), S(m, f[3]),
                                         S(m, f[4]), S(m, f[5]), S(m, f[6])};
    }
    m->nconds = b->ncps;
    ty_regmatch_info *in = &m->info;
    in->rows = m->nrows;
    in->entries = m->nentries;
    for (size_t i = 0; i < m->nentries; i++) {
        int s = m->entries[i].status;
        in->entries_prohibited += s == TY_REG_PROHIBITED;
        in->entries_prohibited_if += s == TY_REG_PROHIBITED_IF;
        in->entries_restricted += s == TY_REG_RESTRICTED;
    }
    in->names = m->names.nkeys;
    in->merged_names = merged_names(m);
    in->cas = m->cas.nkeys;
    in->alerts = m->nalerts;
    in->alert_brands = m->brands.nkeys;
    in->bytes = sizeof *m + m->pool.cap + m->nrows * sizeof *m->rows +
                m->nentries * sizeof *m->entries + m->nconds * sizeof *m->conds +
                map_bytes(&m->names) + map_bytes(&m->cas) + map_bytes(&m->brands) +
                m->nalerts * sizeof *m->alerts + m->nwords * sizeof *m->words;
    return TY_OK;
}

static ty_err build(builder *b, ty_store *st, const char *dir)
{
    ty_regmatch *m = b->m;
    uint32_t empty;
    TY_TRY(intern(b, "", 0, &empty)); /* offset 0 is "" */
    ty_ref_scan_sink sink = {on_substance, on_name, on_cas, on_alert, b};
    ty_err e = ty_ref_scan(st, &sink);
    if (e != TY_OK) {
        snprintf(b->err, b->errn, "reading the reference tables: %s", ty_store_errmsg(st));
        return e;
    }
    TY_TRY(gather_conditions(b));
    TY_TRY(map_build(m, &m->cas, b->pairs[P_CAS], b->npairs[P_CAS]));
    TY_TRY(load_synonyms(b, dir));
    TY_TRY(map_build(m, &m->names, b->pairs[P_NAMES], b->npairs[P_NAMES]));
    TY_TRY(map_build(m, &m->brands, b->pairs[P_BRANDS], b->npairs[P_BRANDS]));
    return finish(b);
}

ty_err ty_regmatch_open(ty_regmatch **out, ty_store *st, const char *data_dir, char *err,
                        size_t errn)
{
    char dummy[1];
    if (!err || errn == 0) {
        err = dummy;
        errn = sizeof dummy;
    }
    err[0] = '\0';
    if (!out)
        return TY_EINVAL;
    *out = NULL;
    if (!st)
        return TY_EINVAL;
    ty_regmatch *m = calloc(1, sizeof *m);
    if (!m)
        return TY_ENOMEM;
    ty_buf_init(&m->pool, POOL_MAX);
    builder b = {.m = m, .err = err, .errn = errn};
    ty_err e = ty_hashidx_init(&b.intern, 1 << 14);
    if (e == TY_OK)
        e = ty_hashidx_init(&b.entry_idx, 1 << 12);
    if (e == TY_OK)
        e = build(&b, st, data_dir ? data_dir : TY_DATA_DIR);
    if (e != TY_OK && !err[0])
        snprintf(err, errn, "building the regulatory matcher: %s", ty_err_message(e));
    ty_hashidx_free(&b.intern);
    ty_hashidx_free(&b.entry_idx);
    free(b.cps);
    for (int i = 0; i < 3; i++)
        free(b.pairs[i]);
    if (e != TY_OK) {
        ty_regmatch_close(&m);
        return e;
    }
    *out = m;
    return TY_OK;
}

void ty_regmatch_close(ty_regmatch **pm)
{
    if (!pm || !*pm)
        return;
    ty_regmatch *m = *pm;
    ty_buf_free(&m->pool);
    free(m->rows);
    free(m->entries);
    free(m->conds);
    map_free(&m->names);
    map_free(&m->cas);
    map_free(&m->brands);
    free(m->alerts);
    free(m->words);
    free(m);
    *pm = NULL;
}

void ty_regmatch_info_get(const ty_regmatch *m, ty_regmatch_info *info)
{
    *info = m->info;
}

const char *ty_reg_status_name(int status)
{
    switch (status) {
    case TY_REG_PROHIBITED:
        return "prohibited";
    case TY_REG_PROHIBITED_IF:
        return "prohibited_if";
    case TY_REG_RESTRICTED:
        return "restricted";
    default:
        return "?";
    }
}

/* ---------------------------------------------------------------- INCI */

typedef struct inci_ctx {
    const ty_regmatch *m;
    ty_reg_result *out;
    size_t ingredient, count;      /* this element, and how many the list has */
    uint32_t seen_entry[SEEN_MAX]; /* entries this element reached, */
    size_t seen_finding[SEEN_MAX]; /*   and their finding (SIZE_MAX when not stored) */
    size_t nseen;
} inci_ctx;

static void describe_conditions(const ty_regmatch *m, const reg_entry *e, sbuf *sb)
{
    for (uint32_t i = 0; i < e->ncond; i++) {
        const ty_reg_condition *c = &m->conds[e->first_cond + i];
        if (e->ncond > 1)
            sb_printf(sb, "%s[%u] ", i ? "; " : " ", i + 1);
        else
            sb_printf(sb, " ");
        sb_flat(sb, *c->product_types ? c->product_types : "all products");
        if (*c->max_conc) {
            sb_printf(sb, ", max ");
            sb_flat(sb, c->max_conc);
        }
        if (*c->min_conc) {
            sb_printf(sb, ", min ");
            sb_flat(sb, c->min_conc);
        }
        if (*c->expressed_as) {
            sb_printf(sb, " (");
            sb_flat(sb, c->expressed_as);
            sb_printf(sb, ")");
        }
        if (*c->restrictions) {
            sb_printf(sb, "; ");
            sb_flat(sb, c->restrictions);
        }
        if (*c->warnings) {
            sb_printf(sb, "; label: ");
            sb_flat(sb, c->warnings);
        }
        if (*c->notes) {
            sb_printf(sb, "; note: ");
            sb_flat(sb, c->notes);
        }
    }
}

static void write_rule(const ty_regmatch *m, const reg_entry *e, const reg_row *row, char *out)
{
    sbuf sb;
    sb_init(&sb, out, TY_REG_EVIDENCE_MAX);
    sb_printf(&sb, "Regulation (EC) No 1223/2009 Annex %s entry %s \"%s\"", S(m, e->annex),
              *S(m, e->ref_no) ? S(m, e->ref_no) : "(no number)", S(m, row->name));
    switch (e->status) {
    case TY_REG_PROHIBITED:
        sb_printf(&sb, ": prohibited in cosmetic products.");
        for (uint32_t i = 0; i < e->ncond; i++) {
            const ty_reg_condition *c = &m->conds[e->first_cond + i];
            if (*c->restrictions) {
                sb_printf(&sb, " ");
                sb_flat(&sb, c->restrictions);
                sb_printf(&sb, ".");
            }
            if (*c->notes) {
                sb_printf(&sb, " ");
                sb_flat(&sb, c->notes);
                sb_printf(&sb, ".");
            }
        }
        break;
    case TY_REG_PROHIBITED_IF:
        sb_printf(&sb, ": prohibited under a condition the label does not show; check it:");
        describe_conditions(m, e, &sb);
        break;
    default:
        sb_printf(&sb, ": restricted, check conditions:");
        describe_conditions(m, e, &sb);
        break;
    }
}

static void write_how(const ty_regmatch *m, const inci_ctx *c, const reg_row *row,
                      const reg_post *p, reg_span input, char *out)
{
    sbuf sb;
    sb_init(&sb, out, TY_REG_EVIDENCE_MAX);
    quoted in = quote(input.s, input.n);
    const char *matched = S(m, p->matched), *listed = S(m, row->listed), *cas = S(m, row->cas);
    sb_printf(&sb, "ingredient %zu of %zu ", c->ingredient + 1, c->count);
    if (p->via == TY_REG_VIA_CAS) {
        sb_printf(&sb, "contains CAS number %s, which the annex lists as \"%s\"", matched, listed);
        return;
    }
    if (p->via == TY_REG_VIA_SYNONYM) {
        sb_printf(&sb, "%s is the INCI name", in.s);
        if (!ascii_ieq_n(input.s, input.n, matched))
            sb_printf(&sb, " \"%s\"", matched);
        if (*cas)
            sb_printf(&sb, " of CAS %s, which the annex lists as \"%s\"", cas, listed);
        else
            sb_printf(&sb, " of a member of the group the annex lists as \"%s\"", listed);
        sb_printf(&sb, " (%s)", S(m, p->source));
    } else if (strcmp(matched, listed) == 0)
        sb_printf(&sb, "%s is the annex name \"%s\"", in.s, matched);
    else
        sb_printf(&sb, "%s is \"%s\", a name the annex gives the substance it lists as \"%s\"",
                  in.s, matched, listed);
    if (p->via != TY_REG_VIA_SYNONYM && *cas)
        sb_printf(&sb, " (CAS %s)", cas);
}

static void add_finding(inci_ctx *c, reg_span input, const reg_post *p)
{
    const ty_regmatch *m = c->m;
    ty_reg_result *out = c->out;
    for (size_t i = 0; i < c->nseen; i++) {
        if (c->seen_entry[i] != p->group)
            continue;
        /* the same entry again in this element (a name and its CAS number, or two
         * pieces of a list sent as one string): one finding, which says so */
        size_t fi = c->seen_finding[i];
        if (fi == SIZE_MAX)
            return;
        ty_reg_finding *f = &out->findings[fi];
        sbuf sb = {f->how, sizeof f->how, strlen(f->how), 0};
        if (p->via == TY_REG_VIA_CAS && !(f->via & TY_REG_VIA_CAS))
            sb_printf(&sb, "; it also gives CAS number %s", S(m, p->matched));
        else if (p->via != TY_REG_VIA_CAS && strcmp(f->matched, S(m, p->matched)) != 0)
            sb_printf(&sb, "; and also \"%s\"", S(m, p->matched));
        f->via |= p->via;
        return;
    }
    const reg_row *row = &m->rows[p->target];
    const reg_entry *e = &m->entries[p->group];
    out->nfindings_total++;
    if (e->status == TY_REG_PROHIBITED)
        out->nprohibited++;
    else if (e->status == TY_REG_PROHIBITED_IF)
        out->nprohibited_if++;
    else
        out->nrestricted++;
    size_t fi = SIZE_MAX;
    if (out->nfindings < TY_REG_FINDINGS_MAX) {
        fi = out->nfindings++;
        ty_reg_finding *f = &out->findings[fi];
        f->ingredient = c->ingredient;
        f->input = input.s;
        f->input_len = input.n;
        f->status = (ty_reg_status)e->status;
        f->via = p->via;
        f->annex = S(m, e->annex);
        f->ref_no = S(m, e->ref_no);
        f->entry_name = S(m, row->name);
        f->listed_as = S(m, row->listed);
        f->cas = S(m, row->cas);
        f->matched = S(m, p->matched);
        f->source = S(m, p->source);
        f->conds = &m->conds[e->first_cond];
        f->ncond = e->ncond;
        write_how(m, c, row, p, input, f->how);
        write_rule(m, e, row, f->rule);
    }
    if (c->nseen < SEEN_MAX) {
        c->seen_entry[c->nseen] = p->group;
        c->seen_finding[c->nseen++] = fi;
    }
}

/* Looks the whole of piece up among the names; *found: postings reached. */
static ty_err try_name(inci_ctx *c, reg_span piece, size_t *found)
{
    *found = 0;
    char key[REG_KEY_MAX];
    size_t klen;
    int cut;
    ty_err e = reg_normalise(piece.s, piece.n, 0, key, sizeof key, &klen, &cut);
    if (e != TY_OK || cut || klen == 0)
        return e == TY_EPARSE ? TY_OK : e; /* too long for any name: nothing to find */
    const reg_key *k = map_find(c->m, &c->m->names, key, klen);
    if (!k)
        return TY_OK;
    for (uint32_t i = 0; i < k->n; i++)
        add_finding(c, piece, &c->m->names.posts[k->first + i]);
    *found = k->n;
    return TY_OK;
}

/* A piece that matched nothing whole: its two names when it is "name (other name)". */
static ty_err try_alternatives(inci_ctx *c, reg_span piece)
{
    reg_span outer, inner;
    size_t found;
    if (!reg_paren_split(piece.s, piece.n, &outer, &inner))
        return TY_OK;
    TY_TRY(try_name(c, outer, &found));
    return try_name(c, inner, &found);
}

static ty_err match_element(inci_ctx *c, const char *s, size_t n)
{
    const ty_regmatch *m = c->m;
    c->nseen = 0;
    reg_span whole = reg_trim(s, n);
    size_t found = 0;
    int valid = u8_check((const uint8_t *)s, n) == NULL;
    if (!valid)
        c->out->nskipped++; /* names are UTF-8: only a CAS number can be read here */
    else
        TY_TRY(try_name(c, whole, &found));
    if (valid && !found) {
        reg_span pieces[TY_REG_INCI_MAX];
        size_t np = reg_split_list(whole.s, whole.n, pieces, TY_REG_INCI_MAX);
        if (np > TY_REG_INCI_MAX)
            np = TY_REG_INCI_MAX;
        if (np > 1) {
            c->out->nsplit++;
            for (size_t i = 0; i < np; i++) {
                TY_TRY(try_name(c, pieces[i], &found));
                if (!found)
                    TY_TRY(try_alternatives(c, pieces[i]));
            }
        } else {
            TY_TRY(try_alternatives(c, whole));
        }
    }
    /* CAS numbers anywhere in the element, by name or not */
    size_t pos = 0;
    char cas[TY_CHEMID_MAX];
    reg_span at;
    while (reg_next_cas(s, n, &pos, cas, &at)) {
        const reg_key *k = map_find(m, &m->cas, cas, strlen(cas));
        for (uint32_t i = 0; k && i < k->n; i++)
            add_finding(c, at, &m->cas.posts[k->first + i]);
    }
    return TY_OK;
}

static void result_reset(ty_reg_result *out)
{
    out->nfindings = out->nfindings_total = 0;
    out->nprohibited = out->nprohibited_if = out->nrestricted = 0;
    out->nsplit = out->nskipped = 0;
}

/* The INCI match over n elements given as pointers and lengths. */
static ty_err match_inci(const ty_regmatch *m, const char *const *s, const size_t *len, size_t n,
                         ty_reg_result *out)
{
    result_reset(out);
    if (n > TY_REG_INCI_MAX)
        return TY_ELIMIT;
    for (size_t i = 0; i < n; i++)
        if (len[i] > TY_REG_TEXT_MAX)
            return TY_ELIMIT;
    inci_ctx c = {.m = m, .out = out, .count = n};
    for (size_t i = 0; i < n; i++) {
        c.ingredient = i;
        ty_err e = match_element(&c, s[i], len[i]);
        if (e != TY_OK) {
            result_reset(out);
            return e;
        }
    }
    return TY_OK;
}

ty_err ty_regmatch_inci(const ty_regmatch *m, const char *const *inci, size_t n, ty_reg_result *out)
{
    if (!m || !out || (n && !inci))
        return TY_EINVAL;
    if (n > TY_REG_INCI_MAX) {
        result_reset(out);
        return TY_ELIMIT;
    }
    size_t len[TY_REG_INCI_MAX];
    for (size_t i = 0; i < n; i++) {
        if (!inci[i])
            return TY_EINVAL;
        len[i] = strnlen(inci[i], TY_REG_TEXT_MAX + 1);
    }
    return match_inci(m, inci, len, n, out);
}

/* ---------------------------------------------------------------- Safety Gate */

/* Is hit a better than b: more product words found, then the lower alert number. */
static int hit_better(const ty_reg_alert_hit *a, const ty_reg_alert_hit *b)
{
    if (a->nwords != b->nwords)
        return a->nwords > b->nwords;
    return strcmp(a->field[TY_SG_ALERT_NUMBER], b->field[TY_SG_ALERT_NUMBER]) < 0;
}

static void write_alert_evidence(const ty_regmatch *m, ty_reg_alert_hit *h)
{
    (void)m;
    sbuf sb;
    sb_init(&sb, h->evidence, sizeof h->evidence);
    const char *const *f = h->field;
    sb_printf(&sb, "Safety Gate alert %s (%s: %s \"%s\", brand \"%s\"%s%s; %s risk): ",
              f[TY_SG_ALERT_NUMBER], *f[TY_SG_CATEGORY] ? f[TY_SG_CATEGORY] : "no category",
              f[TY_SG_PRODUCT_NAME], f[TY_SG_DESCRIPTION], f[TY_SG_BRAND],
              *f[TY_SG_ORIGIN] ? ", made in " : "", f[TY_SG_ORIGIN],
              *f[TY_SG_RISK_TYPE] ? f[TY_SG_RISK_TYPE] : "unstated");
    sb_printf(&sb,
              "the brand equals the alert's brand \"%s\" and the title has %zu of its %zu %s (",
              h->brand_matched, h->nwords, h->nsignificant,
              h->type_words ? "product type words" : "product words");
    for (size_t i = 0; i < h->nwords && i < TY_REG_WORDS_MAX; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", h->words[i]);
    sb_printf(&sb, "). Risk: ");
    sb_flat(&sb, f[TY_SG_RISK_DESCRIPTION]);
    sb_printf(&sb, " Measures: ");
    sb_flat(&sb, f[TY_SG_MEASURES]);
}

/* Checks alert a against the title's words and keeps it in out when it matches. */
static void consider_alert(const ty_regmatch *m, const reg_post *p, const reg_span *tw, size_t ntw,
                           const char *category, ty_reg_alerts *out)
{
    const reg_alert *a = &m->alerts[p->target];
    if (category && !ascii_ieq(S(m, a->f[TY_SG_CATEGORY]), category))
        return;
    ty_reg_alert_hit h = {.nwords = 0};
    for (uint32_t i = 0; i < a->nwords; i++) {
        const char *w = S(m, m->words[a->first_word + i]);
        if (word_in(tw, ntw, w, strlen(w))) {
            if (h.nwords < TY_REG_WORDS_MAX)
                h.words[h.nwords] = w;
            h.nwords++;
        }
    }
    if (h.nwords == 0)
        return;
    for (int f = 0; f < TY_SG__COUNT; f++)
        h.field[f] = S(m, a->f[f]);
    h.brand_matched = S(m, p->matched);
    h.nsignificant = a->nwords;
    h.type_words = a->type_words;
    out->nhits_total++;
    /* keep the best TY_REG_ALERTS_MAX, in order */
    size_t at = out->nhits;
    while (at > 0 && hit_better(&h, &out->hits[at - 1]))
        at--;
    if (at >= TY_REG_ALERTS_MAX)
        return;
    size_t last = out->nhits < TY_REG_ALERTS_MAX ? out->nhits : TY_REG_ALERTS_MAX - 1;
    memmove(&out->hits[at + 1], &out->hits[at], (last - at) * sizeof h);
    write_alert_evidence(m, &h);
    out->hits[at] = h;
    if (out->nhits < TY_REG_ALERTS_MAX)
        out->nhits++;
}

static ty_err match_alert(const ty_regmatch *m, const char *brand, size_t bn, const char *title,
                          size_t tn, const char *category, ty_reg_alerts *out)
{
    out->nhits = out->nhits_total = 0;
    if (bn > TY_REG_TITLE_MAX || tn > TY_REG_TITLE_MAX)
        return TY_ELIMIT;
    /* the brand as a key, and its Latin words alone ("FIORILLO 菲奥里洛" -> "fiorillo") */
    char k1[REG_KEY_MAX], bw[4 * TY_REG_TITLE_MAX], k2[REG_KEY_MAX];
    size_t k1n, bwn, k2n = 0;
    int cut;
    TY_TRY(reg_normalise(brand, bn, 0, k1, sizeof k1, &k1n, &cut));
    if (cut || k1n == 0)
        return TY_OK;
    TY_TRY(reg_normalise(brand, bn, 1, bw, sizeof bw, &bwn, &cut));
    for (size_t i = 0; i < bwn;) {
        size_t j = i, ascii = 1;
        while (j < bwn && bw[j] != ' ')
            ascii &= (unsigned char)bw[j++] < 0x80;
        if (ascii && k2n + (j - i) <= sizeof k2) {
            memcpy(k2 + k2n, bw + i, j - i);
            k2n += j - i;
        }
        i = j + 1;
    }
    char tbuf[4 * TY_REG_TITLE_MAX];
    size_t tl;
    TY_TRY(reg_normalise(title, tn, 1, tbuf, sizeof tbuf, &tl, &cut));
    reg_span tw[TITLE_WORDS];
    size_t ntw = words_of(tbuf, tl, tw, TITLE_WORDS);
    const reg_key *ka = map_find(m, &m->brands, k1, k1n);
    const reg_key *kb =
        k2n && (k2n != k1n || memcmp(k1, k2, k1n) != 0) ? map_find(m, &m->brands, k2, k2n) : NULL;
    for (uint32_t i = 0; ka && i < ka->n; i++)
        consider_alert(m, &m->brands.posts[ka->first + i], tw, ntw, category, out);
    for (uint32_t i = 0; kb && i < kb->n; i++) {
        const reg_post *p = &m->brands.posts[kb->first + i];
        int dup = 0;
        for (uint32_t j = 0; ka && j < ka->n && !dup; j++)
            dup = m->brands.posts[ka->first + j].target == p->target;
        if (!dup)
            consider_alert(m, p, tw, ntw, category, out);
    }
    return TY_OK;
}

ty_err ty_regmatch_alert(const ty_regmatch *m, const char *brand, const char *title,
                         const char *category, ty_reg_alerts *out)
{
    if (!m || !brand || !title || !out)
        return TY_EINVAL;
    return match_alert(m, brand, strnlen(brand, TY_REG_TITLE_MAX + 1), title,
                       strnlen(title, TY_REG_TITLE_MAX + 1), category, out);
}

/* ---------------------------------------------------------------- records */

ty_err ty_regmatch_product(const ty_regmatch *m, const ty_record *rec, ty_reg_result *inci,
                           ty_reg_alerts *alerts)
{
    if (!m || !rec || !rec->schema || rec->schema->type != TY_REC_PRODUCT)
        return TY_EINVAL;
    const ty_schema *sc = rec->schema;
    int fi = ty_schema_field(sc, "inci", 4), fb = ty_schema_field(sc, "brand", 5),
        ft = ty_schema_field(sc, "title", 5);
    if (fi < 0 || fb < 0 || ft < 0)
        return TY_EINVAL;
    if (inci) {
        const ty_value *v = &rec->top[fi];
        size_t n = v->present ? v->count : 0;
        if (n > TY_REG_INCI_MAX) {
            result_reset(inci);
            return TY_ELIMIT;
        }
        const char *s[TY_REG_INCI_MAX];
        size_t len[TY_REG_INCI_MAX];
        for (size_t i = 0; i < n; i++)
            s[i] = ty_value_str(rec, &rec->pool[v->first + i], &len[i]);
        TY_TRY(match_inci(m, s, len, n, inci));
    }
    if (alerts) {
        size_t bn = 0, tn = 0;
        const char *b = rec->top[fb].present ? ty_value_str(rec, &rec->top[fb], &bn) : "";
        const char *t = rec->top[ft].present ? ty_value_str(rec, &rec->top[ft], &tn) : "";
        TY_TRY(match_alert(m, b, bn, t, tn, NULL, alerts));
    }
    return TY_OK;
}
