/*
 * regnorm.c - the text handling of the regulatory matcher (regulatory_impl.h):
 * normalising names and titles, splitting ingredient lists sent as one string, and
 * spotting CAS numbers.
 *
 * Why this normalisation: the same ingredient reaches us written many ways. Labels
 * and platforms change case ("BUTYLPHENYL METHYLPROPIONAL"), spacing and hyphens
 * ("Butylphenyl Methyl-propional"), add footnote marks ("Linalool*"), write accents
 * or not ("Chloé", "Chloe"), use full-width Latin letters (Chinese input methods),
 * and the annex itself writes Greek prefixes both as letters and as words ("α-" and
 * "alpha-"). Removing separators entirely (instead of collapsing them) is safe for
 * exact matching because names are compared whole: "Lead acetate" becomes
 * "leadacetate" and still cannot equal "lead". The one separator kept is the one
 * between two digits, which carries meaning in chemical names (locants "1,2-"
 * against a number "12"); docs/detection.md lists the spellings that the annex
 * export itself merges this way.
 *
 * ASCII text (nearly every INCI name) takes a fast path without libunistring;
 * anything else is case folded with NFKD by libunistring (u8_casefold), which also
 * maps full-width forms and ligatures to their plain letters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <unistr.h>
#include <uninorm.h>

#include "regulatory_impl.h"
#include "tianyan/refcodec.h"

enum { K_NONE, K_DIGIT, K_LATIN, K_OTHER };

typedef struct emitter {
    char *out;
    size_t cap, len;
    size_t word_end; /* spaced: length up to the end of the last whole word */
    int spaced;
    int prev; /* K_* of the last kept character */
    int sep;  /* a separator came after it */
    int full; /* out is full */
} emitter;

/* Appends the n bytes of one kept character (or its spelt-out form) of kind k. */
static void emit(emitter *e, const char *p, size_t n, int k)
{
    if (e->full)
        return;
    char lead = 0;
    if (e->prev != K_NONE) {
        int latin_prev = e->prev != K_OTHER, latin_now = k != K_OTHER;
        if (e->sep && e->prev == K_DIGIT && k == K_DIGIT)
            lead = '.';
        else if (e->spaced && (e->sep || latin_prev != latin_now))
            lead = ' ';
    }
    if (lead == ' ')
        e->word_end = e->len;
    if (e->len + (lead ? 1 : 0) + n > e->cap) {
        e->full = 1;
        return;
    }
    if (lead)
        e->out[e->len++] = lead;
    memcpy(e->out + e->len, p, n);
    e->len += n;
    e->prev = k;
    e->sep = 0;
}

static void separator(emitter *e)
{
    if (e->prev != K_NONE)
        e->sep = 1;
}

/* Greek letters after case folding, spelt as CosIng also writes them. */
static const char *greek_word(ucs4_t c)
{
    switch (c) {
    case 0x03B1:
        return "alpha";
    case 0x03B2:
        return "beta";
    case 0x03B3:
        return "gamma";
    case 0x03B4:
        return "delta";
    case 0x03B5:
        return "epsilon";
    case 0x03C9:
        return "omega";
    default:
        return NULL;
    }
}

static void ascii_byte(emitter *e, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        emit(e, (const char *)&c, 1, K_DIGIT);
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        char l = (char)(c | 0x20);
        emit(e, &l, 1, K_LATIN);
    } else {
        separator(e);
    }
}

/* One code point of case-folded NFKD text. */
static void code_point(emitter *e, ucs4_t c)
{
    if (c < 0x80) {
        ascii_byte(e, (unsigned char)c);
        return;
    }
    if (uc_is_general_category(c, UC_CATEGORY_M))
        return; /* accents: "é" is "e" plus U+0301 after NFKD */
    const char *g = greek_word(c);
    if (g) {
        emit(e, g, strlen(g), K_LATIN);
        return;
    }
    if (uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N)) {
        uint8_t buf[6];
        int k = u8_uctomb(buf, c, (int)sizeof buf);
        if (k > 0)
            emit(e, (const char *)buf, (size_t)k, K_OTHER);
        return;
    }
    separator(e);
}

ty_err reg_normalise(const char *s, size_t n, int spaced, char *out, size_t cap, size_t *len,
                     int *truncated)
{
    emitter e = {.out = out, .cap = cap, .spaced = spaced};
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        for (size_t i = 0; i < n && !e.full; i++)
            ascii_byte(&e, (unsigned char)s[i]);
    } else {
        if (u8_check((const uint8_t *)s, n) != NULL)
            return TY_EPARSE;
        uint8_t stackbuf[1024];
        size_t flen = sizeof stackbuf;
        uint8_t *f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFKD, stackbuf, &flen);
        if (!f)
            return TY_ENOMEM; /* the input is valid UTF-8: only memory can fail */
        for (size_t i = 0; i < flen && !e.full;) {
            ucs4_t c;
            int k = u8_mbtouc(&c, f + i, flen - i);
            code_point(&e, c);
            i += (size_t)(k > 0 ? k : 1);
        }
        if (f != stackbuf)
            free(f);
    }
    *truncated = e.full;
    *len = e.full && spaced ? e.word_end : e.len;
    return TY_OK;
}

/* ---------------------------------------------------------------- lists */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the white space at p (ASCII, U+00A0, U+3000), 0 if none. */
static size_t space_at(const char *p, size_t left)
{
    unsigned char c = (unsigned char)p[0];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        return 1;
    if (left >= 2 && c == 0xC2 && (unsigned char)p[1] == 0xA0)
        return 2;
    if (left >= 3 && c == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

/* Length of the white space ending at p + n, 0 if none. */
static size_t space_before(const char *p, size_t n)
{
    if (n >= 1 && space_at(p + n - 1, 1) == 1)
        return 1;
    if (n >= 2 && space_at(p + n - 2, 2) == 2)
        return 2;
    if (n >= 3 && space_at(p + n - 3, 3) == 3)
        return 3;
    return 0;
}

reg_span reg_trim(const char *s, size_t n)
{
    size_t k;
    while (n && (k = space_at(s, n)) != 0)
        s += k, n -= k;
    while (n && (k = space_before(s, n)) != 0)
        n -= k;
    return (reg_span){s, n};
}

/* Length of the list separator at s[i], 0 if none. */
static size_t separator_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ';' || c == '|' || c == '\n' || c == '\r')
        return 1;
    if (c == ',') /* "1,2-Hexanediol", "2,4-Diaminophenoxyethanol": locants, not a list */
        return i > 0 && i + 1 < n && is_digit(s[i - 1]) && is_digit(s[i + 1]) ? 0 : 1;
    if (c == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0x81)
        return 3; /* U+3001 、 */
    if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
        ((unsigned char)s[i + 2] == 0x8C || (unsigned char)s[i + 2] == 0x9B))
        return 3; /* U+FF0C ，  U+FF1B ； */
    return 0;
}

size_t reg_split_list(const char *s, size_t n, reg_span *out, size_t max)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n;) {
        size_t k = i < n ? separator_at(s, n, i) : 1;
        if (k == 0) {
            i++;
            continue;
        }
        reg_span p = reg_trim(s + start, i - start);
        if (p.n) {
            if (count < max)
                out[count] = p;
            count++;
        }
        i += k;
        start = i;
    }
    return count;
}

int reg_paren_split(const char *s, size_t n, reg_span *outer, reg_span *inner)
{
    if (n < 4 || s[n - 1] != ')')
        return 0;
    size_t depth = 0, open = n;
    for (size_t i = n; i-- > 0;) {
        if (s[i] == ')')
            depth++;
        else if (s[i] == '(' && --depth == 0) {
            open = i;
            break;
        }
    }
    if (open == n || open == 0)
        return 0;
    /* "2-(4-tert-Butylbenzyl)" ends in a parenthesis that is part of the name: the
     * alternative must stand apart, after white space */
    if (!space_before(s, open))
        return 0;
    *outer = reg_trim(s, open);
    *inner = reg_trim(s + open + 1, n - open - 2);
    return outer->n > 0 && inner->n > 0;
}

/* ---------------------------------------------------------------- CAS numbers */

/* Length of the hyphen at s[i] (see reg_next_cas), 0 if none. */
static size_t hyphen_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '-')
        return 1;
    if (i + 2 >= n)
        return 0;
    unsigned char c1 = (unsigned char)s[i + 1], c2 = (unsigned char)s[i + 2];
    if (c == 0xE2 && c1 == 0x80 && c2 >= 0x90 && c2 <= 0x94)
        return 3; /* U+2010..U+2014 */
    if (c == 0xE2 && c1 == 0x88 && c2 == 0x92)
        return 3; /* U+2212 minus */
    if (c == 0xEF && c1 == 0xBC && c2 == 0x8D)
        return 3; /* U+FF0D full-width hyphen-minus */
    return 0;
}

int reg_next_cas(const char *s, size_t n, size_t *pos, char *cas, reg_span *at)
{
    size_t i = *pos;
    while (i < n) {
        if (!is_digit(s[i])) {
            i++;
            continue;
        }
        /* a run of digits and hyphens starting here; a digit before it would have
         * started the run earlier */
        size_t start = i, end = i, k;
        char plain[24];
        size_t pn = 0, last_digit_end = i;
        int too_long = 0;
        while (end < n) {
            if (is_digit(s[end])) {
                if (pn < sizeof plain)
                    plain[pn++] = s[end];
                else
                    too_long = 1;
                end++;
                last_digit_end = end;
            } else if ((k = hyphen_at(s, n, end)) != 0) {
                if (pn < sizeof plain)
                    plain[pn++] = '-';
                else
                    too_long = 1;
                end += k;
            } else {
                break;
            }
        }
        /* trailing hyphens are not part of the number */
        while (pn && plain[pn - 1] == '-')
            pn--;
        i = end;
        if (!too_long && ty_cas_normalise(plain, pn, cas)) {
            *pos = end;
            at->s = s + start;
            at->n = last_digit_end - start;
            return 1;
        }
    }
    *pos = n;
    return 0;
}
