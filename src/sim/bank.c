/*
 * bank.c - the simulator's data files (data/sim/ text files): named sections of
 * one-line items, loaded whole and split in place, with fixed upper bounds on
 * size so a damaged file cannot take unbounded memory. Also the small helpers
 * every simulator file uses to read '|'-separated fields and to draw from
 * weights.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_impl.h"

static ty_err grow(void **p, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return TY_OK;
    if (need > max)
        return TY_ELIMIT;
    size_t c = *cap ? *cap * 2 : 64;
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

/* Items are stored per section contiguously, so a section can only be appended
 * to while it is the last one: the file format guarantees that. */
static ty_err add_item(sim_bank *b, const char *s)
{
    TY_TRY(grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof *b->items,
                SIM_BANK_ITEMS_MAX));
    b->items[b->nitems++] = s;
    b->lists[b->nlists - 1].n++;
    return TY_OK;
}

static ty_err add_list(sim_bank *b, const char *name)
{
    TY_TRY(grow((void **)&b->lists, &b->caplists, b->nlists + 1, sizeof *b->lists,
                SIM_BANK_LISTS_MAX));
    b->lists[b->nlists].name = name;
    b->lists[b->nlists].items = NULL; /* fixed up at the end: items may move */
    b->lists[b->nlists].n = 0;
    b->nlists++;
    return TY_OK;
}

/* Points every section at its items once the backing array stops moving. */
static void fix_items(sim_bank *b)
{
    size_t at = 0;
    for (size_t i = 0; i < b->nlists; i++) {
        b->lists[i].items = b->items + at;
        at += b->lists[i].n;
    }
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

ty_err sim_bank_load(sim_bank *b, const char *path, char *err, size_t errn)
{
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? TY_ENOENT : TY_EIO;
    }
    b->text = malloc(SIM_BANK_FILE_MAX + 1);
    if (!b->text) {
        fclose(f);
        return TY_ENOMEM;
    }
    size_t n = fread(b->text, 1, SIM_BANK_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errn, "%s: read error", path);
        return TY_EIO;
    }
    if (n > SIM_BANK_FILE_MAX) {
        snprintf(err, errn, "%s: larger than %u bytes", path, SIM_BANK_FILE_MAX);
        return TY_ELIMIT;
    }
    b->text[n] = '\0';

    unsigned line = 0;
    char *p = b->text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        char *s = trim(p);
        ty_err e = TY_OK;
        if (*s == '\0' || *s == '#') {
            /* blank or comment */
        } else if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1] != '\0' || close == s + 1) {
                snprintf(err, errn, "%s:%u: a section header looks like [name]", path, line);
                return TY_EPARSE;
            }
            *close = '\0';
            e = add_list(b, s + 1);
        } else if (b->nlists == 0) {
            snprintf(err, errn, "%s:%u: item before the first [section]", path, line);
            return TY_EPARSE;
        } else {
            e = add_item(b, s);
        }
        if (e != TY_OK) {
            snprintf(err, errn, "%s:%u: %s (at most %d sections and %d items)", path, line,
                     ty_err_message(e), SIM_BANK_LISTS_MAX, SIM_BANK_ITEMS_MAX);
            return e;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    fix_items(b);
    return TY_OK;
}

const sim_list *sim_bank_get(const sim_bank *b, const char *name)
{
    for (size_t i = 0; i < b->nlists; i++)
        if (strcmp(b->lists[i].name, name) == 0)
            return &b->lists[i];
    return NULL;
}

ty_err sim_bank_need(const sim_bank *b, const char *name, const sim_list **out, char *err,
                     size_t errn)
{
    *out = sim_bank_get(b, name);
    if (!*out || (*out)->n == 0) {
        snprintf(err, errn, "%s: section [%s] is missing or empty", b->path, name);
        return TY_ENOENT;
    }
    return TY_OK;
}

ty_err sim_bank_add(sim_bank *b, const char *name, const char *const *items, size_t n)
{
    /* name and items are copied: one owned string each */
    size_t need = b->nowned + n + 1;
    TY_TRY(grow((void **)&b->owned, &b->capowned, need, sizeof *b->owned,
                SIM_BANK_ITEMS_MAX + SIM_BANK_LISTS_MAX));
    char *nm = strdup(name);
    if (!nm)
        return TY_ENOMEM;
    b->owned[b->nowned++] = nm;
    TY_TRY(add_list(b, nm));
    for (size_t i = 0; i < n; i++) {
        char *s = strdup(items[i]);
        if (!s)
            return TY_ENOMEM;
        b->owned[b->nowned++] = s;
        TY_TRY(add_item(b, s));
    }
    fix_items(b);
    return TY_OK;
}

void sim_bank_free(sim_bank *b)
{
    for (size_t i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    free(b->owned);
    free(b->items);
    free(b->lists);
    free(b->text);
    memset(b, 0, sizeof *b);
}

size_t sim_split(const char *s, char sep, const char **f, size_t *len, size_t max)
{
    size_t k = 0;
    while (k < max) {
        const char *e = strchr(s, sep);
        f[k] = s;
        len[k] = e ? (size_t)(e - s) : strlen(s);
        k++;
        if (!e)
            break;
        s = e + 1;
    }
    return k;
}

void sim_field(char *out, size_t outn, const char *f, size_t n)
{
    if (outn == 0)
        return;
    if (n >= outn)
        n = outn - 1;
    memcpy(out, f, n);
    out[n] = '\0';
}

uint64_t sim_mix(uint64_t x)
{
    /* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
     * generators", OOPSLA 2014): a bijective mixer, so distinct inputs never collide */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

size_t sim_pick_weighted(gsl_rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double u = gsl_rng_uniform(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n - 1;
}
