/*
 * simulate.c - ty_simulate(): runs the simulated clock of every platform and
 * writes its feed in event-time order.
 *
 * Per platform, time advances in 5-minute slots. Each slot writes a
 * users-online sample and a Poisson number of orders whose mean follows a
 * diurnal curve; every order may schedule follow-ups (review, return,
 * complaint, adverse-event report) days later, and listing or merchant changes
 * (new lot, price change, a shop opening or being suspended) are scheduled at
 * their times. Scheduled events wait in a min-heap and are written when the
 * clock reaches them, so a feed is ordered by event time like a real push.
 *
 * Memory is bounded: the heap holds at most SIM_PENDING_MAX events (what is
 * pending across the longest follow-up delay); when it is full the run stops
 * with TY_ELIMIT and a message to lower --scale, rather than dropping events.
 * Follow-ups that would fall after the last simulated day are not scheduled:
 * they have not happened yet when the feed ends.
 *
 * Rates are assumptions unless a comment names a source; each is chosen to look
 * like what a risk analyst sees on a cross-border cosmetics platform.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim_impl.h"
#include "tianyan/timeutil.h"

#define SIM_PENDING_MAX (1u << 21) /* 2M pending events, about 100 MB */
#define SLOT_MS         (5 * 60 * 1000LL)
#define SLOTS_PER_DAY   288
#define WARMUP_DAYS     14
#define SLOT_ORDERS_MAX (1u << 20)

/*
 * Relative orders per hour of the day, China time (assumption): the usual
 * shape of Chinese e-commerce traffic - a trough at 3-6 h, a plateau through
 * the working day and a peak at 20-23 h after work, when live-stream and app
 * shopping are busiest. The 20-23 h mean is about 12 times the 3-6 h mean.
 */
static const double hourly[24] = {3.0, 1.8, 1.0, 0.6, 0.45, 0.5, 0.8, 1.5, 2.3, 3.0, 3.6, 3.8,
                                  4.0, 3.8, 3.6, 3.6, 3.7,  3.8, 4.0, 4.8, 6.0, 7.0, 6.8, 4.8};

/* ---------------------------------------------------------------- enumerations used */

/* Return reasons with their base shares among returns (assumption: most
 * returns are the statutory no-reason return and logistics problems; safety
 * reasons are a few percent). */
static const char *const ret_code[] = {
    "no_reason",     "not_as_described", "quality_problem",       "wrong_item",
    "missing_parts", "damaged",          "late_delivery",         "adverse_reaction",
    "expired",       "spoiled",          "suspected_counterfeit", "label_problem",
    "other",
};
static const double ret_w[] = {34, 12, 10, 5, 4, 6, 9, 4, 1.5, 1.5, 3, 1, 9};
enum { RET_DAMAGED = 5, RET_ADVERSE = 7, RET_EXPIRED = 8, RET_SPOILED = 9, RET_FAKE = 10 };

static const char *const cmp_code[] = {
    "delivery",    "after_sales", "quality",          "customs_tax", "price", "false_advertising",
    "counterfeit", "packaging",   "adverse_reaction", "expired",     "label", "ingredient",
    "privacy",     "other",
};
static const double cmp_w[] = {28, 20, 12, 8, 7, 5, 5, 5, 3, 2, 2, 0.5, 1.5, 2};
enum { CMP_FAKE = 6, CMP_PACKAGING = 7, CMP_ADVERSE = 8, CMP_EXPIRED = 9, CMP_INGREDIENT = 11 };

static const char *const chan_code[] = {"app",          "hotline", "12315",        "web",
                                        "social_media", "email",   "green_channel"};
static const double chan_w[] = {55, 18, 10, 8, 4, 3, 2};

/*
 * Stars of ordinary reviews: the J-shaped distribution of online ratings (many
 * 5s, some 1s, few in between; Hu, Pavlou and Zhang, "Overcoming the J-shaped
 * distribution of product reviews", Communications of the ACM 52(10), 2009).
 */
static const double star_w[5] = {6, 3, 6, 15, 70}; /* 1..5 */

/* What a 1-2 star review complains about, outside incidents. */
static const sim_problem neg_prob[] = {SIM_PROB_ORDINARY, SIM_PROB_ALLERGY, SIM_PROB_COUNTERFEIT,
                                       SIM_PROB_DAMAGED,  SIM_PROB_EXPIRED, SIM_PROB_LABEL};
static const double neg_w[] = {72, 8, 6, 8, 3, 3};

/* Base rates per order (assumptions): a review for about a quarter of orders;
 * complaints well under 1%; adverse-event reports are rare (a few per 10,000). */
#define P_REVIEW    0.25
#define P_COMPLAINT 0.004
#define P_ADVERSE   0.0002

/* How much an incident raises the rates for an affected order. */
typedef struct effect {
    double delay; /* median days from order to the return, complaint or report */
    double ret;   /* extra probability of a return ... */
    int ret_reason;
    double cmp; /* ... of a complaint ... */
    int cmp_cat;
    double ae;          /* ... of an adverse-event report */
    double rev_problem; /* share of this order's reviews that are about the problem */
    sim_problem prob;
} effect;

/* A bad batch makes about one buyer in ten react; a parcel crushed on one route
 * is noticed on delivery; fakes and expired goods are noticed on first use. */
static const effect effects[SIM_INC_KINDS] = {
    [SIM_INC_ALLERGY] = {1.5, 0.12, RET_ADVERSE, 0.04, CMP_ADVERSE, 0.08, 0.55, SIM_PROB_ALLERGY},
    [SIM_INC_COUNTERFEIT] = {2, 0.10, RET_FAKE, 0.035, CMP_FAKE, 0.004, 0.40, SIM_PROB_COUNTERFEIT},
    [SIM_INC_EXPIRED] = {1.5, 0.12, RET_EXPIRED, 0.04, CMP_EXPIRED, 0.002, 0.45, SIM_PROB_EXPIRED},
    [SIM_INC_DAMAGED] = {1, 0.06, RET_DAMAGED, 0.025, CMP_PACKAGING, 0, 0.35, SIM_PROB_DAMAGED},
    [SIM_INC_BANNED] = {3, 0, 0, 0.012, CMP_INGREDIENT, 0, 0.03, SIM_PROB_INGREDIENT},
};

/* ---------------------------------------------------------------- pending events */

enum { PK_REVIEW, PK_RETURN, PK_COMPLAINT, PK_ADVERSE, PK_LISTING, PK_MERCHANT };
enum { LU_APPEAR, LU_LOT, LU_PRICE, LU_SUSPEND, MU_APPEAR, MU_SUSPEND };

typedef struct pend {
    int64_t t;       /* when it happens, UTC ms */
    int64_t order_t; /* follow-ups: when the order was placed */
    uint32_t seq;    /* scheduling order, so equal times come out the same way every run */
    uint32_t order;  /* follow-ups: order number */
    uint32_t buyer;
    int32_t target;    /* listing, or merchant for merchant changes */
    int32_t value;     /* updates: new lot or price in yuan */
    int16_t lot;       /* follow-ups: the lot that was shipped */
    uint8_t kind, sub; /* PK_*; problem (follow-ups) or LU_/MU_ (updates) */
    uint8_t stars, code, qty;
} pend;

typedef struct heap {
    pend *a;
    size_t n, cap;
    uint32_t seq;
} heap;

static int before(const pend *x, const pend *y)
{
    return x->t != y->t ? x->t < y->t : x->seq < y->seq;
}

static ty_err heap_push(heap *h, pend p)
{
    if (h->n == h->cap) {
        if (h->cap >= SIM_PENDING_MAX)
            return TY_ELIMIT;
        size_t c = h->cap ? h->cap * 2 : 4096;
        pend *a = realloc(h->a, c * sizeof *a);
        if (!a)
            return TY_ENOMEM;
        h->a = a;
        h->cap = c;
    }
    p.seq = h->seq++;
    size_t i = h->n++;
    while (i > 0 && before(&p, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = p;
    return TY_OK;
}

static pend heap_pop(heap *h)
{
    pend top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->a[c + 1], &h->a[c]))
            c++;
        if (!before(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
    return top;
}

/* ---------------------------------------------------------------- one platform's run */

typedef struct prun {
    sim_world *w;
    const sim_incidents *inc;
    int pi;
    sim_platform *pl;
    gsl_rng *r;
    sim_out out;
    heap h;
    int64_t end_ms;
    uint64_t counts[TY_REC_TYPE_MAX + 1];
    uint32_t n_order, n_review, n_return, n_complaint, n_adverse, nbuyers;
    double *cum; /* cumulative sales weight of listings on sale */
    int ncum, dirty;
    ty_buf text;
    int silent;     /* warming up before the first day: orders are drawn, not written */
    int64_t *times; /* order times of one 5-minute slot */
    size_t ntimes;
    char *why;
    size_t whyn;
} prun;

static int64_t local_day(int64_t t_ms)
{
    return ty_local_day(t_ms, SIM_TZ_MIN);
}

static void buyer_id(const prun *p, uint32_t b, char out[24])
{
    uint64_t h = sim_mix(p->w->seed ^ ((uint64_t)(p->pi + 1) << 48) ^ b);
    snprintf(out, 24, "u%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

/* A buyer always writes in the same language. */
static sim_lang buyer_lang(const prun *p, uint32_t b)
{
    double u = (double)(sim_mix(p->w->seed ^ 0x6c616e67ULL ^ ((uint64_t)p->pi << 40) ^ b) >> 11) *
               (1.0 / 9007199254740992.0);
    const double *lw = p->pl->lang_w;
    double tot = lw[0] + lw[1] + lw[2];
    if (u * tot < lw[0])
        return SIM_LANG_HANS;
    if (u * tot < lw[0] + lw[1])
        return SIM_LANG_HANT;
    return SIM_LANG_EN;
}

static const char *lang_code(sim_lang l)
{
    return l == SIM_LANG_HANS ? "zh-Hans" : l == SIM_LANG_HANT ? "zh-Hant" : "en";
}

static void rebuild_cum(prun *p)
{
    double s = 0;
    for (int i = 0; i < p->pl->nlistings; i++) {
        const sim_listing *l = &p->pl->listings[i];
        const sim_merchant *m = &p->pl->merchants[l->merchant];
        if (l->present && l->status == SIM_ST_ACTIVE && m->present && m->status == SIM_ST_ACTIVE)
            s += l->weight;
        p->cum[i] = s;
    }
    p->ncum = p->pl->nlistings;
    p->dirty = 0;
}

static int pick_listing(prun *p)
{
    double u = gsl_rng_uniform(p->r) * p->cum[p->ncum - 1];
    int lo = 0, hi = p->ncum - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (p->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A time of day drawn from the diurnal curve, on local day d. */
static int64_t time_on_day(prun *p, int64_t d)
{
    size_t h = sim_pick_weighted(p->r, hourly, 24);
    int64_t sec = (int64_t)h * 3600 + (int64_t)gsl_rng_uniform_int(p->r, 3600);
    return d * SIM_DAY_MS - (int64_t)SIM_TZ_MIN * 60000 + sec * 1000;
}

/* A follow-up d days after the order (d >= 1), at a waking hour. */
static int64_t after_days(prun *p, int64_t order_t, int d)
{
    int64_t t = time_on_day(p, local_day(order_t) + d);
    return t > order_t ? t : order_t + 3600 * 1000LL;
}

static int lognormal_days(prun *p, double median, double sigma, int lo, int hi)
{
    int d = lo + (int)lround(gsl_ran_lognormal(p->r, log(median), sigma));
    return d > hi ? hi : d;
}

static ty_err schedule(prun *p, pend e)
{
    if (e.t >= p->end_ms || e.t < p->w->start_ms)
        return TY_OK; /* outside the feed: after its end, or during the warm-up */
    ty_err err = heap_push(&p->h, e);
    if (err == TY_ELIMIT)
        snprintf(p->why, p->whyn,
                 "more than %u follow-up events pending on platform %s; lower --scale",
                 SIM_PENDING_MAX, p->pl->code);
    return err;
}

/* ---------------------------------------------------------------- records */

static void text_ctx(const prun *p, int listing, sim_lang lang, int64_t order_t, int days,
                     sim_text_ctx *c)
{
    const sim_product *pr = &p->w->products[p->pl->listings[listing].product];
    const sim_kind *k = &p->w->kinds[pr->kind];
    c->brand = p->w->brands[pr->brand].name;
    /* zh-Hant texts are composed in simplified and converted as a whole */
    c->product = lang == SIM_LANG_EN ? pr->name_en : pr->name_zh;
    c->noun = lang == SIM_LANG_EN ? k->noun_en : k->noun_zh;
    c->kind = k->key;
    c->days = days;
    int64_t y;
    unsigned m, d;
    ty_civil_from_days(local_day(order_t), &y, &m, &d);
    c->month = (int)m;
    c->day = (int)d;
}

static void write_merchant(prun *p, int mi, int64_t t)
{
    const sim_merchant *m = &p->pl->merchants[mi];
    char id[48];
    snprintf(id, sizeof id, "%s-v%d", m->id, m->version);
    sim_rec_begin(&p->out, "merchant", id, t);
    sim_put_str(&p->out, "merchant_id", m->id);
    sim_put_str(&p->out, "name", m->name);
    sim_put_str(&p->out, "country", m->country);
    if (m->license[0])
        sim_put_str(&p->out, "license_no", m->license);
    static const char *const kinds[] = {"self_operated", "third_party", "overseas_direct"};
    sim_put_str(&p->out, "kind", kinds[m->kind]);
    sim_put_str(&p->out, "status", m->status == SIM_ST_ACTIVE ? "active" : "suspended");
    sim_put_date(&p->out, "opened", m->opened);
    sim_rec_end(&p->out);
    p->counts[TY_REC_MERCHANT]++;
}

static int same(const char *f, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(f, s, n) == 0;
}

static void write_inci(prun *p, const sim_product *pr)
{
    const char *f[64];
    size_t len[64];
    size_t n = sim_split(pr->inci_tpl, '|', f, len, 64);
    const char *ban = sim_banned_inci();
    int put = !pr->banned_inci;
    sim_put_key(&p->out, "inci");
    sim_open_array(&p->out);
    for (size_t i = 0; i < n; i++) {
        /* fragrance allergens close the list; the banned fragrance goes with them */
        if (!put &&
            (same(f[i], len[i], "Limonene") || same(f[i], len[i], "Linalool") || i + 1 == n)) {
            sim_val_str(&p->out, ban);
            put = 1;
        }
        sim_put_strn(&p->out, NULL, f[i], len[i]);
    }
    sim_close_array(&p->out);
}

static void write_product(prun *p, int li, int64_t t)
{
    const sim_listing *l = &p->pl->listings[li];
    const sim_product *pr = &p->w->products[l->product];
    const sim_kind *k = &p->w->kinds[pr->kind];
    const sim_merchant *m = &p->pl->merchants[l->merchant];
    char id[48], batch[24];
    snprintf(id, sizeof id, "%s-v%d", l->sku, l->version);
    sim_rec_begin(&p->out, "product", id, t);
    sim_put_str(&p->out, "sku", l->sku);
    sim_put_str(&p->out, "title", l->title);
    sim_put_str(&p->out, "brand", p->w->brands[pr->brand].name);
    sim_put_key(&p->out, "category");
    sim_open_array(&p->out);
    const char *f[6];
    size_t len[6];
    size_t n = sim_split(k->path, '/', f, len, 6);
    for (size_t i = 0; i < n; i++)
        sim_put_strn(&p->out, NULL, f[i], len[i]);
    sim_close_array(&p->out);
    sim_put_str(&p->out, "origin_country", p->w->brands[pr->brand].origin);
    if (pr->filing[0])
        sim_put_str(&p->out, "filing_no", pr->filing);
    sim_put_str(&p->out, "gtin", pr->gtin);
    sim_lot_code(p->w, l->product, l->lot, batch);
    sim_put_str(&p->out, "batch", batch);
    sim_put_date(&p->out, "expiry", sim_lot_expiry(p->w, l->product, l->lot));
    write_inci(p, pr);
    sim_put_int(&p->out, "price", l->price);
    sim_put_str(&p->out, "currency", "CNY");
    sim_put_str(&p->out, "merchant_id", m->id);
    sim_put_str(&p->out, "trade_mode", m->warehouse >= 0 ? "1210" : "9610");
    sim_put_str(&p->out, "status", l->status == SIM_ST_ACTIVE ? "on_sale" : "suspended");
    sim_rec_end(&p->out);
    p->counts[TY_REC_PRODUCT]++;
}

static void write_online(prun *p, int64_t t)
{
    /* concurrent users follow the order curve, interpolated between hours;
     * about nine times the day's orders at the evening peak (assumption) */
    double minute = (double)((t + (int64_t)SIM_TZ_MIN * 60000) % SIM_DAY_MS) / 60000.0;
    int h = (int)(minute / 60);
    double frac = minute / 60 - h;
    double shape = hourly[h] * (1 - frac) + hourly[(h + 1) % 24] * frac;
    double online =
        p->pl->daily * p->w->scale * 9.0 * shape / 7.0 * gsl_ran_lognormal(p->r, 0, 0.03);
    char id[48], ts[TY_TIME_TEXT_MAX];
    ty_time_format(t, SIM_TZ_MIN, 0, ts);
    /* "HTU202609010005": prefix, U, local yyyymmddHHMM */
    snprintf(id, sizeof id, "%sU%.4s%.2s%.2s%.2s%.2s", p->pl->prefix, ts, ts + 5, ts + 8, ts + 11,
             ts + 14);
    sim_rec_begin(&p->out, "users_online", id, t);
    sim_put_int(&p->out, "online", (int64_t)lround(online));
    sim_put_str(&p->out, "region", "CN");
    sim_put_str(&p->out, "channel", "all");
    sim_rec_end(&p->out);
    p->counts[TY_REC_USERS_ONLINE]++;
}

static void order_id(const prun *p, uint32_t n, int64_t t, char out[48])
{
    int64_t y;
    unsigned m, d;
    ty_civil_from_days(local_day(t), &y, &m, &d);
    snprintf(out, 48, "%sO%04d%02u%02u%07u", p->pl->prefix, (int)y, m, d, n);
}

/* ---------------------------------------------------------------- follow-ups */

static ty_err write_review(prun *p, const pend *e)
{
    sim_lang lang = buyer_lang(p, e->buyer);
    sim_text_ctx c;
    text_ctx(p, e->target, lang, e->order_t, (int)((e->t - e->order_t) / SIM_DAY_MS), &c);
    char id[48], oid[48], buyer[24];
    snprintf(id, sizeof id, "%sR%09u", p->pl->prefix, ++p->n_review);
    order_id(p, e->order, e->order_t, oid);
    buyer_id(p, e->buyer, buyer);
    const sim_listing *l = &p->pl->listings[e->target];
    /* about one review in ten is stars only (assumption) */
    int with_text = e->sub > SIM_PROB_ORDINARY || gsl_rng_uniform(p->r) < 0.9;
    if (with_text)
        TY_TRY(
            sim_text_review(&p->w->text, p->r, lang, e->stars, (sim_problem)e->sub, &c, &p->text));
    sim_rec_begin(&p->out, "review", id, e->t);
    sim_put_str(&p->out, "sku", l->sku);
    sim_put_str(&p->out, "merchant_id", p->pl->merchants[l->merchant].id);
    sim_put_str(&p->out, "order_id", oid);
    sim_put_str(&p->out, "buyer", buyer);
    sim_put_int(&p->out, "stars", e->stars);
    if (with_text) {
        sim_put_strn(&p->out, "text", p->text.data, p->text.len);
        sim_put_str(&p->out, "lang", lang_code(lang));
    }
    sim_rec_end(&p->out);
    p->counts[TY_REC_REVIEW]++;
    return TY_OK;
}

static ty_err write_return(prun *p, const pend *e)
{
    sim_lang lang = buyer_lang(p, e->buyer);
    sim_text_ctx c;
    text_ctx(p, e->target, lang, e->order_t, (int)((e->t - e->order_t) / SIM_DAY_MS), &c);
    char id[48], oid[48], buyer[24], batch[24];
    snprintf(id, sizeof id, "%sT%09u", p->pl->prefix, ++p->n_return);
    order_id(p, e->order, e->order_t, oid);
    buyer_id(p, e->buyer, buyer);
    const sim_listing *l = &p->pl->listings[e->target];
    sim_lot_code(p->w, l->product, e->lot, batch);
    int with_text = e->sub > SIM_PROB_ORDINARY || gsl_rng_uniform(p->r) < 0.75;
    if (with_text)
        TY_TRY(sim_text_return(&p->w->text, p->r, lang, ret_code[e->code], &c, &p->text));
    sim_rec_begin(&p->out, "return", id, e->t);
    sim_put_str(&p->out, "order_id", oid);
    sim_put_str(&p->out, "sku", l->sku);
    sim_put_str(&p->out, "merchant_id", p->pl->merchants[l->merchant].id);
    sim_put_str(&p->out, "buyer", buyer);
    sim_put_int(&p->out, "quantity", e->qty);
    sim_put_str(&p->out, "batch", batch);
    sim_put_str(&p->out, "reason", ret_code[e->code]);
    if (with_text)
        sim_put_strn(&p->out, "text", p->text.data, p->text.len);
    sim_rec_end(&p->out);
    p->counts[TY_REC_RETURN]++;
    return TY_OK;
}

static ty_err write_complaint(prun *p, const pend *e)
{
    sim_lang lang = buyer_lang(p, e->buyer);
    sim_text_ctx c;
    text_ctx(p, e->target, lang, e->order_t, (int)((e->t - e->order_t) / SIM_DAY_MS), &c);
    char id[48], oid[48], buyer[24], batch[24];
    snprintf(id, sizeof id, "%sC%09u", p->pl->prefix, ++p->n_complaint);
    order_id(p, e->order, e->order_t, oid);
    buyer_id(p, e->buyer, buyer);
    const sim_listing *l = &p->pl->listings[e->target];
    TY_TRY(sim_text_complaint(&p->w->text, p->r, lang, cmp_code[e->code], &c, &p->text));
    sim_rec_begin(&p->out, "complaint", id, e->t);
    sim_put_str(&p->out, "sku", l->sku);
    sim_put_str(&p->out, "merchant_id", p->pl->merchants[l->merchant].id);
    sim_put_str(&p->out, "order_id", oid);
    if (e->sub > SIM_PROB_ORDINARY) { /* product-safety complaints quote the batch */
        sim_lot_code(p->w, l->product, e->lot, batch);
        sim_put_str(&p->out, "batch", batch);
    }
    sim_put_str(&p->out, "buyer", buyer);
    sim_put_str(&p->out, "category", cmp_code[e->code]);
    sim_put_str(&p->out, "channel", chan_code[sim_pick_weighted(p->r, chan_w, 7)]);
    sim_put_strn(&p->out, "text", p->text.data, p->text.len);
    sim_rec_end(&p->out);
    p->counts[TY_REC_COMPLAINT]++;
    return TY_OK;
}

static ty_err write_adverse(prun *p, const pend *e)
{
    sim_lang lang = buyer_lang(p, e->buyer);
    const sim_listing *l = &p->pl->listings[e->target];
    const sim_product *pr = &p->w->products[l->product];
    int64_t od = local_day(e->order_t), rd = local_day(e->t);
    /* the reaction began between two days after delivery and the report */
    int64_t onset =
        od + 2 +
        (rd - od > 3 ? (int64_t)gsl_rng_uniform_int(p->r, (unsigned long)(rd - od - 2)) : 0);
    if (onset > rd)
        onset = rd;
    sim_text_ctx c;
    text_ctx(p, e->target, lang, e->order_t, (int)(onset - od > 1 ? onset - od - 1 : 1), &c);
    TY_TRY(sim_text_adverse(&p->w->text, p->r, lang, &c, &p->text));
    char id[48], oid[48], buyer[24], batch[24];
    snprintf(id, sizeof id, "%sA%08u", p->pl->prefix, ++p->n_adverse);
    order_id(p, e->order, e->order_t, oid);
    buyer_id(p, e->buyer, buyer);
    sim_lot_code(p->w, l->product, e->lot, batch);

    sim_rec_begin(&p->out, "adverse_event", id, e->t);
    sim_put_key(&p->out, "products");
    sim_open_array(&p->out);
    sim_open_map(&p->out);
    sim_put_str(&p->out, "sku", l->sku);
    sim_put_str(&p->out, "name", lang == SIM_LANG_HANT ? pr->name_hant : c.product);
    sim_put_str(&p->out, "brand", p->w->brands[pr->brand].name);
    sim_put_str(&p->out, "batch", batch);
    sim_put_str(&p->out, "role", "suspect");
    sim_close_map(&p->out);
    sim_close_array(&p->out);

    /* skin reactions dominate cosmetics reports; 1-3 MedDRA terms */
    const sim_list *rx = p->w->reactions_skin;
    int nr = 1 + (int)gsl_rng_uniform_int(p->r, 3);
    size_t first = gsl_rng_uniform_int(p->r, rx->n);
    sim_put_key(&p->out, "reactions");
    sim_open_array(&p->out);
    for (int i = 0; i < nr && (size_t)i < rx->n; i++)
        sim_val_str(&p->out, rx->items[(first + (size_t)i * 3) % rx->n]);
    if (gsl_rng_uniform(p->r) < 0.05)
        sim_val_str(
            &p->out,
            p->w->reactions_other->items[gsl_rng_uniform_int(p->r, p->w->reactions_other->n)]);
    sim_close_array(&p->out);
    /* serious (hospitalisation, Regulation (EC) No 1223/2009 art. 2(1)(p)) in
     * about 4% of reports (assumption) */
    double u = gsl_rng_uniform(p->r);
    int serious = u < 0.04;
    sim_put_str(&p->out, "seriousness", serious ? "serious" : "non_serious");
    sim_put_key(&p->out, "outcomes");
    sim_open_array(&p->out);
    if (serious) {
        sim_val_str(&p->out, "hospitalisation");
    } else {
        static const char *const oc[] = {"recovering", "medical_visit", "recovered", "unknown"};
        static const double ow[] = {45, 30, 15, 10};
        sim_val_str(&p->out, oc[sim_pick_weighted(p->r, ow, 4)]);
    }
    sim_close_array(&p->out);
    static const char *const ages[] = {"0-2",   "3-11",  "12-17",  "18-29",
                                       "30-44", "45-64", "unknown"};
    static const double age_adult[] = {0, 0, 3, 40, 38, 12, 7};
    static const double age_baby[] = {60, 30, 0, 0, 0, 0, 10};
    int baby = strcmp(p->w->kinds[pr->kind].key, "baby") == 0;
    sim_put_str(&p->out, "age_band", ages[sim_pick_weighted(p->r, baby ? age_baby : age_adult, 7)]);
    static const char *const sexes[] = {"female", "male", "unknown"};
    static const double sex_w[] = {85, 10, 5};
    sim_put_str(&p->out, "sex", sexes[sim_pick_weighted(p->r, sex_w, 3)]);
    sim_put_date(&p->out, "onset", (int32_t)onset);
    static const char *const rep[] = {"consumer", "platform", "health_professional"};
    static const double rep_w[] = {70, 25, 5};
    sim_put_str(&p->out, "reporter", rep[sim_pick_weighted(p->r, rep_w, 3)]);
    sim_put_str(&p->out, "order_id", oid);
    sim_put_str(&p->out, "buyer", buyer);
    sim_put_strn(&p->out, "text", p->text.data, p->text.len);
    sim_rec_end(&p->out);
    p->counts[TY_REC_ADVERSE_EVENT]++;
    return TY_OK;
}

static ty_err apply_update(prun *p, const pend *e)
{
    if (e->kind == PK_MERCHANT) {
        sim_merchant *m = &p->pl->merchants[e->target];
        if (e->sub == MU_SUSPEND) {
            m->status = SIM_ST_SUSPENDED;
            m->version++;
        }
        m->present = 1;
        p->dirty = 1;
        write_merchant(p, e->target, e->t);
        return TY_OK;
    }
    sim_listing *l = &p->pl->listings[e->target];
    switch (e->sub) {
    case LU_APPEAR:
        l->present = 1;
        break;
    case LU_LOT:
        l->lot = e->value;
        l->version++;
        break;
    case LU_PRICE:
        l->price = (int64_t)e->value * 100;
        l->version++;
        break;
    case LU_SUSPEND:
        l->status = SIM_ST_SUSPENDED;
        l->version++;
        break;
    }
    p->dirty = 1;
    write_product(p, e->target, e->t);
    return TY_OK;
}

static ty_err emit(prun *p, const pend *e)
{
    switch (e->kind) {
    case PK_REVIEW:
        return write_review(p, e);
    case PK_RETURN:
        return write_return(p, e);
    case PK_COMPLAINT:
        return write_complaint(p, e);
    case PK_ADVERSE:
        return write_adverse(p, e);
    default:
        return apply_update(p, e);
    }
}

/* Writes everything scheduled up to and including t. */
static ty_err drain(prun *p, int64_t t)
{
    while (p->h.n && p->h.a[0].t <= t) {
        pend e = heap_pop(&p->h);
        TY_TRY(emit(p, &e));
        if (p->out.err != TY_OK)
            return p->out.err;
    }
    return TY_OK;
}

/* ---------------------------------------------------------------- orders */

/*
 * Draws the follow-ups of one order for its line item (listing, lot).
 * Delays in days after the order (assumption): bonded (1210) goods arrive in
 * one to three days, so a damaged parcel is returned at once; reactions to a
 * cosmetic show within a day or two of first use, so returns, complaints and
 * adverse-event reports come about three days after the order; reviews a
 * little later, with a long tail of buyers who review after weeks.
 */
static ty_err follow_ups(prun *p, int64_t t, uint32_t order, uint32_t buyer, int listing, int lot,
                         int qty)
{
    const sim_listing *l = &p->pl->listings[listing];
    const sim_kind *k = &p->w->kinds[p->w->products[l->product].kind];
    unsigned fx = sim_incidents_effects(p->w, p->inc, p->pi, listing, lot, t);
    pend base = {0};
    base.order_t = t;
    base.order = order;
    base.buyer = buyer;
    base.target = listing;
    base.lot = (int16_t)lot;
    base.qty = (uint8_t)(qty > 1 && gsl_rng_uniform(p->r) < 0.5 ? qty : 1);

    int ret = 0, cmp = 0;
    double p_ae = P_ADVERSE, ae_delay = 2;
    const effect *top = NULL;
    for (int i = 0; i < SIM_INC_KINDS; i++) {
        if (!(fx & (1u << i)))
            continue;
        const effect *x = &effects[i];
        top = top ? top : x;
        p_ae += x->ae;
        if (x->ae > 0)
            ae_delay = x->delay;
        if (!ret && gsl_rng_uniform(p->r) < x->ret) {
            pend e = base;
            e.kind = PK_RETURN;
            e.code = (uint8_t)x->ret_reason;
            /* some expired goods are noticed as spoiled rather than by the date */
            if (i == SIM_INC_EXPIRED && gsl_rng_uniform(p->r) < 0.3)
                e.code = RET_SPOILED;
            e.sub = (uint8_t)x->prob;
            e.t = after_days(p, t, lognormal_days(p, x->delay, 0.5, 1, 20));
            TY_TRY(schedule(p, e));
            ret = 1;
        }
        if (!cmp && gsl_rng_uniform(p->r) < x->cmp) {
            pend e = base;
            e.kind = PK_COMPLAINT;
            e.code = (uint8_t)x->cmp_cat;
            e.sub = (uint8_t)x->prob;
            e.t = after_days(p, t, lognormal_days(p, x->delay, 0.5, 1, 30));
            TY_TRY(schedule(p, e));
            cmp = 1;
        }
    }
    if (!ret && gsl_rng_uniform(p->r) < k->return_rate) {
        pend e = base;
        e.kind = PK_RETURN;
        e.code = (uint8_t)sim_pick_weighted(p->r, ret_w, sizeof ret_w / sizeof ret_w[0]);
        e.sub = SIM_PROB_ORDINARY;
        e.t = after_days(p, t, lognormal_days(p, 2.5, 0.6, 1, 20));
        TY_TRY(schedule(p, e));
    }
    if (!cmp && gsl_rng_uniform(p->r) < P_COMPLAINT) {
        pend e = base;
        e.kind = PK_COMPLAINT;
        e.code = (uint8_t)sim_pick_weighted(p->r, cmp_w, sizeof cmp_w / sizeof cmp_w[0]);
        e.sub = SIM_PROB_ORDINARY;
        e.t = after_days(p, t, lognormal_days(p, 2.5, 0.6, 1, 30));
        TY_TRY(schedule(p, e));
    }
    if (gsl_rng_uniform(p->r) < p_ae) {
        pend e = base;
        e.kind = PK_ADVERSE;
        e.sub = SIM_PROB_ALLERGY;
        e.t = after_days(p, t, lognormal_days(p, ae_delay, 0.5, 1, 40));
        TY_TRY(schedule(p, e));
    }
    /* unhappy buyers review a little more often */
    if (gsl_rng_uniform(p->r) < P_REVIEW + (top ? 0.05 : 0)) {
        pend e = base;
        e.kind = PK_REVIEW;
        double delay = 2.5;
        if (top && gsl_rng_uniform(p->r) < top->rev_problem) {
            static const double bad[5] = {60, 28, 12, 0, 0};
            e.stars = (uint8_t)(1 + sim_pick_weighted(p->r, bad, 5));
            e.sub = (uint8_t)top->prob;
            delay = top->delay + 0.5; /* an unhappy buyer writes at once */
        } else {
            e.stars = (uint8_t)(1 + sim_pick_weighted(p->r, star_w, 5));
            e.sub =
                e.stars <= 2 ? (uint8_t)neg_prob[sim_pick_weighted(p->r, neg_w, 6)] : SIM_PROB_NONE;
        }
        e.t = after_days(p, t, lognormal_days(p, delay, 0.6, 1, 30));
        TY_TRY(schedule(p, e));
    }
    return TY_OK;
}

static void put_order(prun *p, int64_t t, uint32_t no, uint32_t buyer, const sim_merchant *m,
                      const int *items, int n, const int *qty)
{
    const sim_platform *pl = p->pl;
    char id[48], bid[24];
    order_id(p, no, t, id);
    buyer_id(p, buyer, bid);
    sim_rec_begin(&p->out, "order", id, t);
    sim_put_str(&p->out, "merchant_id", m->id);
    sim_put_str(&p->out, "buyer", bid);
    sim_put_key(&p->out, "items");
    sim_open_array(&p->out);
    for (int i = 0; i < n; i++) {
        const sim_listing *l = &pl->listings[items[i]];
        /* promotions: coupons and full-reduction discounts on about 45% of lines */
        static const double disc[] = {1.0, 0.95, 0.9, 0.85};
        static const double disc_w[] = {55, 20, 15, 10};
        int64_t price =
            (int64_t)llround((double)l->price * disc[sim_pick_weighted(p->r, disc_w, 4)]);
        char batch[24];
        sim_lot_code(p->w, l->product, l->lot, batch);
        sim_open_map(&p->out);
        sim_put_str(&p->out, "sku", l->sku);
        sim_put_int(&p->out, "quantity", qty[i]);
        sim_put_int(&p->out, "unit_price", price);
        sim_put_str(&p->out, "batch", batch);
        sim_close_map(&p->out);
    }
    sim_close_array(&p->out);
    sim_put_str(&p->out, "currency", "CNY");
    sim_put_str(&p->out, "destination",
                pl->destinations->items[sim_pick_weighted(p->r, pl->dest_w, pl->destinations->n)]);
    sim_put_str(&p->out, "trade_mode", m->warehouse >= 0 ? "1210" : "9610");
    const sim_port *port = &p->w->ports[m->port];
    if (gsl_rng_uniform(p->r) < 0.9) {
        /* cross-border inventory list number: customs district, year, "I", serial */
        char decl[32];
        int64_t y;
        unsigned mo, dd;
        ty_civil_from_days(local_day(t), &y, &mo, &dd);
        snprintf(decl, sizeof decl, "%s%04dI%09u", port->district, (int)y,
                 no * 7u + (uint32_t)p->pi);
        sim_put_str(&p->out, "declaration_no", decl);
    }
    sim_put_str(&p->out, "port", port->code);
    if (m->warehouse >= 0)
        sim_put_str(&p->out, "warehouse", p->w->warehouses[m->warehouse].id);
    sim_rec_end(&p->out);
    p->counts[TY_REC_ORDER]++;
}

static ty_err write_order(prun *p, int64_t t)
{
    if (p->dirty)
        rebuild_cum(p);
    if (p->ncum == 0 || p->cum[p->ncum - 1] <= 0)
        return TY_OK;
    const sim_platform *pl = p->pl;
    int first = pick_listing(p);
    const sim_merchant *m = &pl->merchants[pl->listings[first].merchant];

    /* 1-3 line items from the same shop: 70% / 22% / 8% (assumption) */
    int items[3] = {first, -1, -1}, n = 1;
    double u = gsl_rng_uniform(p->r);
    int want = u < 0.70 ? 1 : u < 0.92 ? 2 : 3;
    for (int tries = 0; n < want && tries < 6 && m->nlistings > 1; tries++) {
        int li = m->listings[gsl_rng_uniform_int(p->r, (unsigned long)m->nlistings)];
        const sim_listing *l = &pl->listings[li];
        if (!l->present || l->status != SIM_ST_ACTIVE || li == items[0] || li == items[1])
            continue;
        items[n++] = li;
    }

    /* buyers come back: 55% of orders are from someone who bought before */
    uint32_t buyer;
    if (p->nbuyers > 0 && gsl_rng_uniform(p->r) < 0.55)
        buyer = (uint32_t)((double)p->nbuyers * pow(gsl_rng_uniform(p->r), 1.6));
    else
        buyer = p->nbuyers++;

    uint32_t no = ++p->n_order;
    int qty[3] = {1, 1, 1};
    for (int i = 0; i < n; i++) {
        double q = gsl_rng_uniform(p->r);
        qty[i] = q < 0.85 ? 1 : q < 0.97 ? 2 : 3;
    }
    if (!p->silent)
        put_order(p, t, no, buyer, m, items, n, qty);

    /* follow-ups concern one line: the one an incident touches, if any */
    int focus = 0;
    for (int i = 0; i < n; i++)
        if (sim_incidents_effects(p->w, p->inc, p->pi, items[i], pl->listings[items[i]].lot, t)) {
            focus = i;
            break;
        }
    return follow_ups(p, t, no, buyer, items[focus], pl->listings[items[focus]].lot, qty[focus]);
}

static int cmp_ms(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- schedule of changes */

static ty_err plan_updates(prun *p)
{
    sim_platform *pl = p->pl;
    int64_t span = p->end_ms - p->w->start_ms;
    /* incidents: their entities change state at onset and end */
    for (int i = 0; i < p->inc->n; i++) {
        const sim_incident *x = &p->inc->inc[i];
        if (x->platform != p->pi)
            continue;
        pend e = {0};
        e.t = x->onset_ms;
        switch (x->kind) {
        case SIM_INC_ALLERGY:
        case SIM_INC_EXPIRED:
            e.kind = PK_LISTING;
            e.sub = LU_LOT;
            e.target = x->listing;
            e.value = x->lot;
            TY_TRY(schedule(p, e));
            e.t = x->end_ms; /* the lot is withdrawn: a new one replaces it */
            e.value = pl->listings[x->listing].lot + (x->kind == SIM_INC_ALLERGY ? 2 : 1);
            TY_TRY(schedule(p, e));
            break;
        case SIM_INC_COUNTERFEIT: {
            const sim_merchant *m = &pl->merchants[x->merchant];
            e.kind = PK_MERCHANT;
            e.sub = MU_APPEAR;
            e.target = x->merchant;
            TY_TRY(schedule(p, e));
            for (int j = 0; j < m->nlistings; j++) {
                pend l = {0};
                l.kind = PK_LISTING;
                l.sub = LU_APPEAR;
                l.target = m->listings[j];
                l.t = x->onset_ms + (j + 1) * 60000LL;
                TY_TRY(schedule(p, l));
                l.sub = LU_SUSPEND;
                l.t = x->end_ms;
                TY_TRY(schedule(p, l));
            }
            e.sub = MU_SUSPEND; /* the platform closes the shop */
            e.t = x->end_ms;
            TY_TRY(schedule(p, e));
            break;
        }
        case SIM_INC_BANNED:
            e.kind = PK_LISTING;
            e.sub = LU_APPEAR;
            e.target = x->listing;
            TY_TRY(schedule(p, e));
            break;
        case SIM_INC_DAMAGED:
            break;
        }
    }
    /* ordinary life: a few price changes and new lots (assumption: ~4% and ~3%
     * of listings in a run) */
    for (int li = 0; li < pl->nlistings; li++) {
        sim_listing *l = &pl->listings[li];
        int touched = !l->present;
        for (int i = 0; i < p->inc->n; i++) {
            const sim_incident *x = &p->inc->inc[i];
            touched |= x->platform == p->pi && x->listing == li;
            /* an incident lot must stay unique to its platform: no other
             * listing of that product moves to a new lot */
            touched |= x->product >= 0 && x->product == l->product;
        }
        double u = gsl_rng_uniform(p->r);
        int64_t when = p->w->start_ms + 3600000LL +
                       (int64_t)(gsl_rng_uniform(p->r) * (double)(span - 7200000LL));
        if (touched)
            continue;
        pend e = {0};
        e.kind = PK_LISTING;
        e.target = li;
        e.t = when;
        if (u < 0.04) {
            e.sub = LU_PRICE;
            double f = 0.85 + 0.23 * gsl_rng_uniform(p->r);
            e.value = (int32_t)(((int64_t)((double)l->price * f) / 1000) * 10 + 9);
            TY_TRY(schedule(p, e));
        } else if (u < 0.07) {
            e.sub = LU_LOT;
            e.value = l->lot + 1;
            TY_TRY(schedule(p, e));
        }
    }
    return TY_OK;
}

/* Room for n order times. Even --scale 100 needs a few thousand per slot; a
 * million means the catalogue's volumes are wrong, and is refused. */
static ty_err reserve_times(prun *p, size_t n)
{
    if (n <= p->ntimes)
        return TY_OK;
    if (n > SLOT_ORDERS_MAX) {
        snprintf(p->why, p->whyn, "more than %u orders in 5 minutes on %s; lower --scale",
                 SLOT_ORDERS_MAX, p->pl->code);
        return TY_ELIMIT;
    }
    size_t c = p->ntimes ? p->ntimes : 1024;
    while (c < n)
        c *= 2;
    int64_t *t = realloc(p->times, c * sizeof *t);
    if (!t)
        return TY_ENOMEM;
    p->times = t;
    p->ntimes = c;
    return TY_OK;
}

static ty_err run_platform(prun *p)
{
    sim_platform *pl = p->pl;
    TY_TRY(plan_updates(p));
    /* the catalogue as it stands when the feed starts */
    for (int m = 0; m < pl->nmerchants; m++)
        if (pl->merchants[m].present)
            write_merchant(p, m, p->w->start_ms);
    for (int l = 0; l < pl->nlistings; l++)
        if (pl->listings[l].present)
            write_product(p, l, p->w->start_ms);
    p->dirty = 1;

    double hsum = 0;
    for (int h = 0; h < 24; h++)
        hsum += hourly[h];
    /* warm-up: orders of the two weeks before the feed starts, not written, so
     * that reviews, returns and complaints flow from the first day as they would
     * on a platform that was already trading */
    for (int d = -WARMUP_DAYS; d < p->w->days; d++) {
        p->silent = d < 0;
        int64_t day_ms = p->w->start_ms + (int64_t)d * SIM_DAY_MS;
        /* 1970-01-01 was a Thursday; weekends sell about 12% more (assumption) */
        int dow = (int)(((p->w->start_day + d) % 7 + 11) % 7); /* 0 = Sunday */
        double dayf = (dow == 0 || dow == 6 ? 1.12 : 1.0) * gsl_ran_lognormal(p->r, 0, 0.05);
        double per_day = pl->daily * p->w->scale * dayf;
        for (int s = 0; s < SLOTS_PER_DAY; s++) {
            int64_t t0 = day_ms + s * SLOT_MS;
            TY_TRY(drain(p, t0));
            if (!p->silent)
                write_online(p, t0);
            double mean = per_day * hourly[s / 12] / hsum / 12.0;
            unsigned n = gsl_ran_poisson(p->r, mean);
            TY_TRY(reserve_times(p, n));
            int64_t *times = p->times;
            for (unsigned i = 0; i < n; i++)
                times[i] = t0 + 1000 * (int64_t)gsl_rng_uniform_int(p->r, SLOT_MS / 1000);
            if (n > 1)
                qsort(times, n, sizeof times[0], cmp_ms);
            for (unsigned i = 0; i < n; i++) {
                TY_TRY(drain(p, times[i]));
                TY_TRY(write_order(p, times[i]));
            }
            if (p->out.err != TY_OK)
                return p->out.err;
        }
    }
    return drain(p, p->end_ms - 1);
}

/* ---------------------------------------------------------------- entry point */

static const char *data_dir(void)
{
    /* an installed binary can be pointed at a copy of data/ */
    const char *d = getenv("TIANYAN_DATA_DIR");
    return d && *d ? d : TY_DATA_DIR;
}

static ty_err check_opts(const ty_sim_opts *o, char *err, size_t errn)
{
    if (!o->out_dir || !*o->out_dir) {
        snprintf(err, errn, "no output folder given");
        return TY_EINVAL;
    }
    if (o->days < 1 || o->days > 366) {
        snprintf(err, errn, "days must be 1-366, got %d", o->days);
        return TY_EINVAL;
    }
    if (o->platforms < 1 || o->platforms > TY_SIM_PLATFORMS_MAX) {
        snprintf(err, errn, "platforms must be 1-%d, got %d", TY_SIM_PLATFORMS_MAX, o->platforms);
        return TY_EINVAL;
    }
    if (o->scale < 0 || o->scale > 100 || isnan(o->scale)) {
        snprintf(err, errn, "scale must be 0.01-100 (0 means 1), got %g", o->scale);
        return TY_EINVAL;
    }
    return TY_OK;
}

static ty_err simulate_platform(sim_world *w, const sim_incidents *inc, int i, const char *dir,
                                ty_sim_platform *sp, char *err, size_t errn)
{
    prun p;
    memset(&p, 0, sizeof p);
    p.w = w;
    p.inc = inc;
    p.pi = i;
    p.pl = &w->plat[i];
    p.end_ms = w->start_ms + (int64_t)w->days * SIM_DAY_MS;
    p.why = err;
    p.whyn = errn;
    ty_buf_init(&p.text, 16384);
    p.cum = malloc(sizeof(double) * (size_t)(p.pl->nlistings ? p.pl->nlistings : 1));
    p.r = gsl_rng_alloc(gsl_rng_mt19937);
    char name[64];
    snprintf(name, sizeof name, "%s.jsonl", p.pl->code);
    ty_err e = !p.cum || !p.r ? TY_ENOMEM : TY_OK;
    if (e == TY_OK) {
        gsl_rng_set(p.r, (unsigned long)sim_mix(w->seed ^ (0x66656564ULL + ((uint64_t)i << 32))));
        e = sim_out_open(&p.out, dir, name, err, errn);
    }
    if (e == TY_OK) {
        e = run_platform(&p);
        if (e == TY_OK && p.out.err != TY_OK)
            e = p.out.err;
        if (e == TY_OK) {
            e = sim_out_commit(&p.out, err, errn);
        } else {
            if (!err[0])
                snprintf(err, errn, "%s: %s", p.out.err ? p.out.why : p.pl->code,
                         ty_err_message(e));
            sim_out_abort(&p.out);
        }
    }
    if (e == TY_OK) {
        snprintf(sp->code, sizeof sp->code, "%s", p.pl->code);
        snprintf(sp->path, sizeof sp->path, "%s", p.out.path);
        memcpy(sp->records, p.counts, sizeof sp->records);
    }
    free(p.h.a);
    free(p.times);
    free(p.cum);
    if (p.r)
        gsl_rng_free(p.r);
    ty_buf_free(&p.text);
    return e;
}

ty_err ty_simulate(const ty_sim_opts *o, ty_sim_summary *sum, char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    memset(sum, 0, sizeof *sum);
    TY_TRY(check_opts(o, err, errn));
    TY_TRY(sim_mkdirs(o->out_dir, err, errn));
    /* GSL's default handler aborts the process; the simulator checks its inputs */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    sim_world *w = calloc(1, sizeof *w);
    sim_incidents *inc = calloc(1, sizeof *inc);
    ty_err e = !w || !inc ? TY_ENOMEM : TY_OK;
    if (e == TY_OK)
        e = sim_world_build(w, o, data_dir(), err, errn);
    if (e == TY_OK)
        e = sim_incidents_plan(w, inc, err, errn);
    for (int i = 0; e == TY_OK && i < w->nplat; i++) {
        e = simulate_platform(w, inc, i, o->out_dir, &sum->platform[i], err, errn);
        if (e == TY_OK) {
            sum->nplatforms++;
            for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
                sum->total += sum->platform[i].records[t];
        }
    }
    if (e == TY_OK)
        e = sim_incidents_write_truth(w, inc, o->out_dir, sum->truth_path, sizeof sum->truth_path,
                                      err, errn);
    if (e == TY_OK)
        sum->incidents = (uint64_t)inc->n;
    if (e != TY_OK && errn && !err[0])
        snprintf(err, errn, "%s", ty_err_message(e));
    if (w)
        sim_world_free(w);
    free(w);
    free(inc);
    gsl_set_error_handler(old);
    return e;
}
