/*
 * world.c - the simulated market: a catalogue of imported cosmetics shared by
 * all platforms, and for each platform its merchants (self-operated,
 * third-party, overseas direct) and listings (SKUs) with prices, lots,
 * trade modes and routes.
 *
 * The same product is listed on several platforms under different SKU ids but
 * with the same brand, title and GTIN, and popular products are sold by more
 * than one merchant on a platform: both are what cross-platform and
 * cross-merchant analysis (price outliers, counterfeit shops) needs.
 *
 * Randomness: the catalogue uses its own generator and each platform another,
 * all seeded from the run's seed, so adding a platform never changes the
 * catalogue or the other platforms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim_impl.h"
#include "tianyan/timeutil.h"

#define F_MAX 12

/* The catalogue's section name, which must exist and not be empty (else err says which). */
static ty_err need(sim_world *w, const char *name, const sim_list **l, char *err, size_t errn)
{
    return sim_bank_need(&w->cat, name, l, err, errn);
}

static ty_err bad_item(const sim_world *w, const char *sec, const char *item, char *err,
                       size_t errn)
{
    snprintf(err, errn, "%s: [%s]: malformed item \"%s\"", w->cat.path, sec, item);
    return TY_EPARSE;
}

static double field_num(const char *f, size_t n)
{
    char tmp[32];
    sim_field(tmp, sizeof tmp, f, n);
    return strtod(tmp, NULL);
}

/* ---------------------------------------------------------------- identifiers */

void sim_gtin13(const char *cc, uint64_t h, char out[16])
{
    /* GS1 prefixes of the member organisations (GS1 company prefix list): a
     * product's barcode starts with the prefix of the country that issued it */
    static const char *const pre[][2] = {
        {"JP", "49"}, {"KR", "880"}, {"FR", "34"}, {"US", "00"},  {"AU", "93"}, {"DE", "40"},
        {"IT", "80"}, {"GB", "50"},  {"NZ", "94"}, {"TH", "885"}, {"CH", "76"}, {"ES", "84"},
    };
    const char *p = "69"; /* China */
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strcmp(pre[i][0], cc) == 0)
            p = pre[i][1];
    size_t n = strlen(p);
    memcpy(out, p, n);
    for (size_t i = n; i < 12; i++) {
        out[i] = (char)('0' + h % 10);
        h /= 10;
        if (h == 0)
            h = sim_mix(i);
    }
    /* GS1 General Specifications 7.9.1: weights 3 and 1 alternate from the
     * rightmost data digit leftwards */
    unsigned sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (unsigned)(out[i] - '0') * (i % 2 ? 3u : 1u);
    out[12] = (char)('0' + (10 - sum % 10) % 10);
    out[13] = '\0';
}

/* Unified social credit code (统一社会信用代码) with valid check characters:
 * GB 32100-2015 (18th character, weights 3^i mod 31 over a 31-character set)
 * and GB 11714-1997 (the organisation code's own check digit). */
static void uscc(uint64_t h, const char *division, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const unsigned ow[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    out[0] = '9'; /* registered by market regulation */
    out[1] = '1'; /* enterprise */
    memcpy(out + 2, division, 6);
    unsigned osum = 0;
    for (int i = 0; i < 8; i++) {
        unsigned d = (unsigned)(h % 10);
        h = h / 10 ? h / 10 : sim_mix(h + (uint64_t)i);
        out[8 + i] = (char)('0' + d);
        osum += d * ow[i];
    }
    unsigned oc = 11 - osum % 11;
    out[16] = oc == 10 ? 'X' : oc == 11 ? '0' : (char)('0' + oc);
    unsigned sum = 0, wgt = 1;
    for (int i = 0; i < 17; i++) {
        unsigned v = (unsigned)(strchr(cs, out[i]) - cs);
        sum += v * wgt;
        wgt = wgt * 3 % 31;
    }
    unsigned c = (31 - sum % 31) % 31;
    out[17] = cs[c];
    out[18] = '\0';
}

void sim_lot_code(const sim_world *w, int p, int lot, char out[24])
{
    int32_t mfg = w->products[p].lot0_mfg + lot * 30 +
                  (int32_t)(sim_mix((uint64_t)p * 7919u + (uint64_t)(lot + 1000)) % 7);
    int64_t y;
    unsigned m, d;
    ty_civil_from_days(mfg, &y, &m, &d);
    uint64_t h = sim_mix((uint64_t)p << 20 | (uint64_t)(lot + 1000));
    snprintf(out, 24, "%02d%02u%02u%c%u", (int)(y % 100), m, d, (char)('A' + h % 4),
             (unsigned)(1 + (h >> 8) % 3));
}

int32_t sim_lot_expiry(const sim_world *w, int p, int lot)
{
    /* three years from manufacture: the usual shelf life of unopened cosmetics
     * (an assumption; labels differ by product) */
    int32_t mfg = w->products[p].lot0_mfg + lot * 30 +
                  (int32_t)(sim_mix((uint64_t)p * 7919u + (uint64_t)(lot + 1000)) % 7);
    return mfg + 1095;
}

/* ---------------------------------------------------------------- growth */

static ty_err grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return TY_OK;
    int c = *cap ? *cap * 2 : 32;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return TY_ENOMEM;
    *p = q;
    *cap = c;
    return TY_OK;
}

int sim_world_add_product(sim_world *w, const sim_product *p)
{
    if (grow((void **)&w->products, &w->capproducts, w->nproducts + 1, sizeof *p) != TY_OK)
        return -1;
    w->products[w->nproducts] = *p;
    return w->nproducts++;
}

int sim_world_add_merchant(sim_platform *pl, const sim_merchant *m)
{
    if (grow((void **)&pl->merchants, &pl->capmerchants, pl->nmerchants + 1, sizeof *m) != TY_OK)
        return -1;
    pl->merchants[pl->nmerchants] = *m;
    pl->merchants[pl->nmerchants].listings = NULL;
    pl->merchants[pl->nmerchants].nlistings = 0;
    pl->merchants[pl->nmerchants].caplistings = 0;
    return pl->nmerchants++;
}

int sim_world_add_listing(sim_platform *pl, const sim_listing *l)
{
    sim_merchant *m = &pl->merchants[l->merchant];
    if (grow((void **)&pl->listings, &pl->caplistings, pl->nlistings + 1, sizeof *l) != TY_OK ||
        grow((void **)&m->listings, &m->caplistings, m->nlistings + 1, sizeof(int)) != TY_OK)
        return -1;
    pl->listings[pl->nlistings] = *l;
    m->listings[m->nlistings++] = pl->nlistings;
    return pl->nlistings++;
}

static const char *country_zh(const sim_world *w, const char *cc)
{
    for (size_t i = 0; i < w->countries->n; i++)
        if (strncmp(w->countries->items[i], cc, 2) == 0 && w->countries->items[i][2] == '|')
            return w->countries->items[i] + 3;
    return "";
}

ty_err sim_world_localise(sim_world *w, const sim_platform *pl, char *s, size_t n)
{
    if (pl->lang_w[SIM_LANG_HANT] <= 0)
        return TY_OK;
    char t[256];
    snprintf(t, sizeof t, "%s", s);
    return sim_text_to_hant(&w->text, t, s, n);
}

ty_err sim_world_title(sim_world *w, const sim_platform *pl, sim_listing *l)
{
    const sim_product *pr = &w->products[l->product];
    const sim_brand *b = &w->brands[pr->brand];
    const sim_merchant *m = &pl->merchants[l->merchant];
    char t[sizeof l->title];
    snprintf(t, sizeof t, "%s%s %s %s %s进口",
             m->warehouse >= 0 ? "【保税仓发货】" : "【海外直邮】", b->name, pr->name_zh, pr->size,
             country_zh(w, b->origin));
    if (pl->lang_w[SIM_LANG_HANT] <= 0) {
        memcpy(l->title, t, sizeof t);
        return TY_OK;
    }
    /* the platform for Hong Kong, Macao and Taiwan buyers lists in traditional characters */
    return sim_text_to_hant(&w->text, t, l->title, sizeof l->title);
}

/* ---------------------------------------------------------------- catalogue */

static ty_err load_tables(sim_world *w, char *err, size_t errn)
{
    const sim_list *l, *tiers;
    const char *f[F_MAX];
    size_t len[F_MAX];

    TY_TRY(need(w, "tiers", &tiers, err, errn));
    TY_TRY(need(w, "brands", &l, err, errn));
    w->brands = calloc(l->n, sizeof *w->brands);
    if (!w->brands)
        return TY_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (sim_split(l->items[i], '|', f, len, F_MAX) != 4 || len[2] != 2)
            return bad_item(w, "brands", l->items[i], err, errn);
        sim_brand *b = &w->brands[w->nbrands++];
        /* the bank's text is ours: cut the fields in place */
        ((char *)f[0])[len[0]] = '\0';
        ((char *)f[1])[len[1]] = '\0';
        b->name = f[0];
        b->zh = f[1];
        sim_field(b->origin, sizeof b->origin, f[2], 2);
        b->tier = 1.0;
        for (size_t k = 0; k < tiers->n; k++)
            if (strncmp(tiers->items[k], f[3], len[3]) == 0 && tiers->items[k][len[3]] == '|')
                b->tier = strtod(tiers->items[k] + len[3] + 1, NULL);
    }

    TY_TRY(need(w, "kinds", &l, err, errn));
    w->kinds = calloc(l->n, sizeof *w->kinds);
    if (!w->kinds)
        return TY_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (sim_split(l->items[i], '|', f, len, F_MAX) != 9)
            return bad_item(w, "kinds", l->items[i], err, errn);
        sim_kind *k = &w->kinds[w->nkinds++];
        sim_field(k->key, sizeof k->key, f[0], len[0]);
        for (int j = 1; j <= 7; j++)
            ((char *)f[j])[len[j]] = '\0';
        k->path = f[1];
        k->median_fen = field_num(f[2], len[2]) * 100.0;
        k->sigma = field_num(f[3], len[3]);
        k->return_rate = field_num(f[4], len[4]) / 100.0;
        k->noun_zh = f[6];
        k->noun_en = f[7];
        k->weight = field_num(f[8], len[8]);
        char *sz = (char *)f[5];
        while (k->nsizes < 4 && sz && *sz) {
            char *semi = strchr(sz, ';');
            if (semi)
                *semi = '\0';
            k->sizes[k->nsizes++] = sz;
            sz = semi ? semi + 1 : NULL;
        }
        char name[48];
        snprintf(name, sizeof name, "lines.%s", k->key);
        k->lines = sim_bank_get(&w->cat, name);
        if (!k->lines)
            TY_TRY(need(w, "lines", &k->lines, err, errn));
        snprintf(name, sizeof name, "inci.%s", k->key);
        TY_TRY(need(w, name, &k->inci, err, errn));
        if (k->nsizes == 0 || k->median_fen <= 0 || k->sigma <= 0 || k->weight <= 0)
            return bad_item(w, "kinds", l->items[i], err, errn);
    }

    TY_TRY(need(w, "ports", &l, err, errn));
    w->ports = calloc(l->n, sizeof *w->ports);
    if (!w->ports)
        return TY_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (sim_split(l->items[i], '|', f, len, F_MAX) != 3 || len[2] != 4)
            return bad_item(w, "ports", l->items[i], err, errn);
        for (int j = 0; j < 2; j++)
            ((char *)f[j])[len[j]] = '\0';
        w->ports[w->nports++] = (sim_port){f[0], f[1], f[2]};
    }
    TY_TRY(need(w, "warehouses", &l, err, errn));
    w->warehouses = calloc(l->n, sizeof *w->warehouses);
    if (!w->warehouses)
        return TY_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (sim_split(l->items[i], '|', f, len, F_MAX) != 3)
            return bad_item(w, "warehouses", l->items[i], err, errn);
        int port = -1;
        for (int j = 0; j < w->nports; j++)
            if (strncmp(w->ports[j].code, f[1], len[1]) == 0 && w->ports[j].code[len[1]] == '\0')
                port = j;
        if (port < 0)
            return bad_item(w, "warehouses", l->items[i], err, errn);
        ((char *)f[0])[len[0]] = '\0';
        w->warehouses[w->nwarehouses++] = (sim_warehouse){f[0], f[2], port};
    }
    TY_TRY(need(w, "reactions.skin", &w->reactions_skin, err, errn));
    TY_TRY(need(w, "reactions.other", &w->reactions_other, err, errn));
    TY_TRY(need(w, "countries", &w->countries, err, errn));
    return TY_OK;
}

static int64_t round_price(double fen)
{
    /* list prices end in 9 yuan, as shop prices usually do */
    int64_t yuan = (int64_t)floor(fen / 100.0);
    if (yuan < 10)
        yuan = 10;
    return ((yuan / 10) * 10 + 9) * 100;
}

int sim_world_new_product(sim_world *w, gsl_rng *r, int brand, int kind)
{
    static const char *const prov[] = {"沪", "浙", "粤", "京", "苏"};
    const sim_brand *br = &w->brands[brand];
    const sim_kind *k = &w->kinds[kind];
    sim_product p;
    memset(&p, 0, sizeof p);
    p.brand = brand;
    p.kind = kind;
    const char *f[3];
    size_t len[3];
    const char *line = k->lines->items[gsl_rng_uniform_int(r, k->lines->n)];
    if (sim_split(line, '|', f, len, 3) != 2)
        return -1;
    snprintf(p.name_zh, sizeof p.name_zh, "%s%.*s%s", br->zh, (int)len[0], f[0], k->noun_zh);
    snprintf(p.name_en, sizeof p.name_en, "%s %.*s %s", br->name, (int)len[1], f[1], k->noun_en);
    snprintf(p.size, sizeof p.size, "%s",
             k->sizes[gsl_rng_uniform_int(r, (unsigned long)k->nsizes)]);
    sim_gtin13(br->origin, sim_mix(w->seed ^ ((uint64_t)w->nproducts << 32)), p.gtin);
    /* Cross-border retail imports are exempt from NMPA first-import registration
     * and filing (MOFCOM and five other departments, 商财发〔2018〕486号); only
     * goods also sold through general trade carry a number. Sunscreens are
     * "special" cosmetics: registered (国妆特进字), not filed. */
    if (gsl_rng_uniform(r) < 0.4) {
        unsigned yr = 2019 + (unsigned)gsl_rng_uniform_int(r, 6);
        unsigned no = (unsigned)gsl_rng_uniform_int(r, 1000000);
        if (strcmp(k->key, "sunscreen") == 0)
            snprintf(p.filing, sizeof p.filing, "国妆特进字J%u%06u", yr, no);
        else
            snprintf(p.filing, sizeof p.filing, "国妆网备进字（%s）%u%06u",
                     prov[gsl_rng_uniform_int(r, 5)], yr, no);
    }
    p.inci_tpl = k->inci->items[gsl_rng_uniform_int(r, k->inci->n)];
    p.price_fen = round_price(k->median_fen * br->tier * gsl_ran_lognormal(r, 0, k->sigma));
    /* sales are concentrated on a few best sellers */
    p.popularity = gsl_ran_lognormal(r, 0, 1.1);
    p.lot0_mfg = w->start_day - 90 - (int32_t)gsl_rng_uniform_int(r, 240);
    if (w->text.cc && sim_text_to_hant(&w->text, p.name_zh, p.name_hant, sizeof p.name_hant))
        return -1;
    return sim_world_add_product(w, &p);
}

static ty_err make_catalogue(sim_world *w, gsl_rng *r)
{
    double *kw = malloc(sizeof(double) * (size_t)w->nkinds);
    if (!kw)
        return TY_ENOMEM;
    for (int k = 0; k < w->nkinds; k++)
        kw[k] = w->kinds[k].weight;
    ty_err e = TY_OK;
    for (int b = 0; b < w->nbrands && e == TY_OK; b++) {
        int n = 3 + (int)gsl_rng_uniform_int(r, 4);
        for (int i = 0; i < n && e == TY_OK; i++)
            if (sim_world_new_product(w, r, b, (int)sim_pick_weighted(r, kw, (size_t)w->nkinds)) <
                0)
                e = TY_ENOMEM;
    }
    free(kw);
    return e;
}

/* ---------------------------------------------------------------- platforms */

static const char *division_of(int warehouse_port, const sim_world *w)
{
    /* administrative division (GB/T 2260) of the city of the merchant's port */
    static const char *const div[][2] = {
        {"CNNGB", "330200"}, {"CNHGH", "330100"}, {"CNSHA", "310000"}, {"CNCAN", "440100"},
        {"CNSZX", "440300"}, {"CNCGO", "410100"}, {"CNTSN", "120000"}, {"CNCKG", "500000"},
    };
    for (size_t i = 0; i < sizeof div / sizeof div[0]; i++)
        if (warehouse_port >= 0 && strcmp(w->ports[warehouse_port].code, div[i][0]) == 0)
            return div[i][1];
    return "330100";
}

static void new_merchant(sim_world *w, sim_platform *pl, gsl_rng *r, sim_merchant *m, int kind,
                         int bonded)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->brand = -1;
    m->version = 1;
    m->present = 1;
    snprintf(m->id, sizeof m->id, "%sS%05d", pl->prefix,
             10000 + pl->nmerchants * 37 + (int)gsl_rng_uniform_int(r, 37));
    m->opened = w->start_day - 200 - (int32_t)gsl_rng_uniform_int(r, 2400);
    if (bonded) {
        m->warehouse = (int)gsl_rng_uniform_int(r, (unsigned long)w->nwarehouses);
        m->port = w->warehouses[m->warehouse].port;
    } else {
        m->warehouse = -1;
        m->port = (int)gsl_rng_uniform_int(r, (unsigned long)w->nports);
    }
}

static ty_err make_merchants(sim_world *w, sim_platform *pl, gsl_rng *r, int *flagship, char *err,
                             size_t errn)
{
    const sim_list *words, *suffixes, *overseas;
    TY_TRY(need(w, "shop.words", &words, err, errn));
    TY_TRY(need(w, "shop.suffixes", &suffixes, err, errn));
    TY_TRY(need(w, "shop.overseas", &overseas, err, errn));
    sim_merchant m;

    new_merchant(w, pl, r, &m, SIM_MK_SELF, 1);
    snprintf(m.name, sizeof m.name, "%s自营", pl->zh);
    snprintf(m.country, sizeof m.country, "CN");
    uscc(gsl_rng_get(r), division_of(m.port, w), m.license);
    if (sim_world_localise(w, pl, m.name, sizeof m.name) != TY_OK ||
        sim_world_add_merchant(pl, &m) < 0)
        return TY_ENOMEM;

    /* brand flagships: about a fifth of the brands run their own overseas shop here */
    for (int b = 0; b < w->nbrands; b++) {
        flagship[b] = -1;
        if (gsl_rng_uniform(r) >= 0.22)
            continue;
        new_merchant(w, pl, r, &m, SIM_MK_OVERSEAS, gsl_rng_uniform(r) < 0.4);
        snprintf(m.name, sizeof m.name, "%s海外旗舰店", w->brands[b].zh);
        m.brand = b;
        snprintf(m.country, sizeof m.country, "%s", w->brands[b].origin);
        if (sim_world_localise(w, pl, m.name, sizeof m.name) != TY_OK ||
            (flagship[b] = sim_world_add_merchant(pl, &m)) < 0)
            return TY_ENOMEM;
    }
    int nthird = 10 + (int)gsl_rng_uniform_int(r, 7);
    for (int i = 0; i < nthird; i++) {
        new_merchant(w, pl, r, &m, SIM_MK_THIRD, gsl_rng_uniform(r) < 0.8);
        const char *a = words->items[gsl_rng_uniform_int(r, words->n)];
        const char *b = words->items[gsl_rng_uniform_int(r, words->n)];
        snprintf(m.name, sizeof m.name, "%s%s%s", a, a == b ? "" : b,
                 suffixes->items[gsl_rng_uniform_int(r, suffixes->n)]);
        if (gsl_rng_uniform(r) < 0.15) {
            snprintf(m.country, sizeof m.country, "HK");
            snprintf(m.license, sizeof m.license, "%08lu",
                     30000000 + gsl_rng_uniform_int(r, 60000000));
        } else {
            snprintf(m.country, sizeof m.country, "CN");
            uscc(gsl_rng_get(r) ^ ((uint64_t)i << 40), division_of(m.port, w), m.license);
        }
        if (sim_world_localise(w, pl, m.name, sizeof m.name) != TY_OK ||
            sim_world_add_merchant(pl, &m) < 0)
            return TY_ENOMEM;
    }
    for (int i = 0; i < 3; i++) {
        const char *f[2];
        size_t len[2];
        const char *item = overseas->items[gsl_rng_uniform_int(r, overseas->n)];
        if (sim_split(item, '|', f, len, 2) != 2 || len[0] != 2)
            return bad_item(w, "shop.overseas", item, err, errn);
        new_merchant(w, pl, r, &m, SIM_MK_OVERSEAS, 0);
        snprintf(m.name, sizeof m.name, "%.*s%s美妆直邮", (int)len[1], f[1],
                 words->items[gsl_rng_uniform_int(r, words->n)]);
        sim_field(m.country, sizeof m.country, f[0], 2);
        if (sim_world_localise(w, pl, m.name, sizeof m.name) != TY_OK ||
            sim_world_add_merchant(pl, &m) < 0)
            return TY_ENOMEM;
    }
    return TY_OK;
}

static ty_err make_listings(sim_world *w, sim_platform *pl, gsl_rng *r, const int *flagship)
{
    for (int p = 0; p < w->nproducts; p++) {
        if (gsl_rng_uniform(r) >= 0.72) /* not carried here */
            continue;
        int nsell = 1 + (gsl_rng_uniform(r) < 0.45) + (gsl_rng_uniform(r) < 0.33);
        int used[3] = {-1, -1, -1};
        for (int s = 0; s < nsell; s++) {
            int mi;
            int b = w->products[p].brand;
            if (s == 0 && flagship[b] >= 0)
                mi = flagship[b];
            else if (s <= 1 && gsl_rng_uniform(r) < 0.35)
                mi = 0; /* the platform's own shop */
            else
                mi = 1 + (int)gsl_rng_uniform_int(r, (unsigned long)(pl->nmerchants - 1));
            /* another brand's flagship shop does not sell this one */
            if (pl->merchants[mi].brand >= 0 && pl->merchants[mi].brand != b)
                continue;
            if (mi == used[0] || mi == used[1])
                continue;
            used[s] = mi;
            sim_listing l;
            memset(&l, 0, sizeof l);
            l.product = p;
            l.merchant = mi;
            snprintf(l.sku, sizeof l.sku, "%s%09d", pl->prefix,
                     600000000 + pl->nlistings * 1013 + (int)gsl_rng_uniform_int(r, 1000));
            /* shops price around the reference: flagships at it, others a little
             * below or above (assumption) */
            double f = mi == flagship[b] ? 1.0 : 0.88 + 0.14 * gsl_rng_uniform(r);
            l.price = round_price((double)w->products[p].price_fen * f);
            l.version = 1;
            l.present = 1;
            l.weight =
                w->products[p].popularity * (s == 0 ? 1.0 : 0.5) * (0.7 + 0.6 * gsl_rng_uniform(r));
            TY_TRY(sim_world_title(w, pl, &l));
            if (sim_world_add_listing(pl, &l) < 0)
                return TY_ENOMEM;
        }
    }
    return TY_OK;
}

static ty_err make_platform(sim_world *w, int i, const char *item, char *err, size_t errn)
{
    sim_platform *pl = &w->plat[i];
    const char *f[F_MAX];
    size_t len[F_MAX];
    if (sim_split(item, '|', f, len, F_MAX) != 7 || len[2] < 1 || len[2] > 3)
        return bad_item(w, "platforms", item, err, errn);
    sim_field(pl->code, sizeof pl->code, f[0], len[0]);
    ((char *)f[1])[len[1]] = '\0';
    pl->zh = f[1];
    sim_field(pl->prefix, sizeof pl->prefix, f[2], len[2]);
    for (int l = 0; l < SIM_LANGS; l++)
        pl->lang_w[l] = field_num(f[3 + l], len[3 + l]);
    pl->daily = field_num(f[6], len[6]);
    if (pl->daily <= 0 || pl->lang_w[0] + pl->lang_w[1] + pl->lang_w[2] <= 0)
        return bad_item(w, "platforms", item, err, errn);
    TY_TRY(need(w, pl->lang_w[SIM_LANG_HANT] > 0 ? "destinations.hant" : "destinations",
                &pl->destinations, err, errn));
    pl->dest_w = malloc(sizeof(double) * pl->destinations->n);
    if (!pl->dest_w)
        return TY_ENOMEM;
    for (int j = 0; j < i; j++)
        if (w->plat[j].destinations == pl->destinations) { /* already split by platform j */
            memcpy(pl->dest_w, w->plat[j].dest_w, sizeof(double) * pl->destinations->n);
            return TY_OK;
        }
    for (size_t k = 0; k < pl->destinations->n; k++) {
        const char *bar = strchr(pl->destinations->items[k], '|');
        if (!bar)
            return bad_item(w, "destinations", pl->destinations->items[k], err, errn);
        *(char *)bar = '\0'; /* the code alone is what orders carry */
        pl->dest_w[k] = strtod(bar + 1, NULL);
    }
    return TY_OK;
}

ty_err sim_world_build(sim_world *w, const ty_sim_opts *o, const char *data_dir, char *err,
                       size_t errn)
{
    memset(w, 0, sizeof *w);
    const char *start = o->start ? o->start : "2026-09-01";
    int32_t day;
    const char *why = NULL;
    if (ty_date_parse(start, strlen(start), &day, &why) != TY_OK) {
        snprintf(err, errn, "--start: %s, got \"%s\"", why ? why : "not a date", start);
        return TY_EINVAL;
    }
    w->start_day = day;
    w->start_ms = (int64_t)day * SIM_DAY_MS - (int64_t)SIM_TZ_MIN * 60000;
    w->days = o->days;
    w->scale = o->scale > 0 ? o->scale : 1.0;
    w->seed = o->seed;

    char path[512];
    snprintf(path, sizeof path, "%s/sim/catalogue.txt", data_dir);
    TY_TRY(sim_bank_load(&w->cat, path, err, errn));
    TY_TRY(load_tables(w, err, errn));
    const sim_list *pls;
    TY_TRY(need(w, "platforms", &pls, err, errn));
    if ((int)pls->n < o->platforms) {
        snprintf(err, errn, "%s: [platforms] lists %zu platforms, %d asked for", path, pls->n,
                 o->platforms);
        return TY_EINVAL;
    }
    int hant = 0;
    for (int i = 0; i < o->platforms; i++) {
        w->nplat = i + 1; /* so sim_world_free() releases what was made */
        TY_TRY(make_platform(w, i, pls->items[i], err, errn));
        hant |= w->plat[i].lang_w[SIM_LANG_HANT] > 0;
    }
    TY_TRY(sim_text_init(&w->text, data_dir, hant, err, errn));

    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return TY_ENOMEM;
    gsl_rng_set(r, (unsigned long)sim_mix(w->seed ^ 0x636174616c6f67ULL));
    ty_err e = make_catalogue(w, r);
    gsl_rng_free(r);
    TY_TRY(e);
    for (int k = 0; hant && k < w->nkinds; k++)
        TY_TRY(sim_text_to_hant(&w->text, w->kinds[k].noun_zh, w->kinds[k].noun_hant,
                                sizeof w->kinds[k].noun_hant));

    int *flagship = malloc(sizeof(int) * (size_t)w->nbrands);
    if (!flagship)
        return TY_ENOMEM;
    for (int i = 0; i < w->nplat && e == TY_OK; i++) {
        r = gsl_rng_alloc(gsl_rng_mt19937);
        if (!r) {
            e = TY_ENOMEM;
            break;
        }
        gsl_rng_set(r, (unsigned long)sim_mix(w->seed ^ (0x776f726c64ULL + (uint64_t)i)));
        e = make_merchants(w, &w->plat[i], r, flagship, err, errn);
        if (e == TY_OK)
            e = make_listings(w, &w->plat[i], r, flagship);
        gsl_rng_free(r);
    }
    free(flagship);
    return e;
}

void sim_world_free(sim_world *w)
{
    for (int i = 0; i < w->nplat; i++) {
        sim_platform *pl = &w->plat[i];
        for (int m = 0; m < pl->nmerchants; m++)
            free(pl->merchants[m].listings);
        free(pl->merchants);
        free(pl->listings);
        free(pl->dest_w);
    }
    free(w->products);
    free(w->kinds);
    free(w->brands);
    free(w->ports);
    free(w->warehouses);
    sim_text_free(&w->text);
    sim_bank_free(&w->cat);
    memset(w, 0, sizeof *w);
}
