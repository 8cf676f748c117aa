/*
 * incidents.c - the quality-safety incidents the simulator injects, and their
 * ground truth (ground-truth.jsonl) against which detectors are scored.
 *
 * Five kinds, each tied to one entity on one platform:
 *   allergy_outbreak     one batch (lot) of one product causes skin reactions
 *   counterfeit_merchant a new shop sells fakes of popular products far below
 *                        the usual price
 *   expired_stock        one listing ships a lot already past its expiry date
 *   damaged_route        one port / bonded warehouse damages parcels
 *   banned_ingredient    a listing whose label lists an EU Annex II substance
 * Every kind appears at least once; with more than five platforms each
 * platform gets one, the kinds taking turns. Onsets fall on days 2-3 of a
 * 7-day run (between the second day and the middle of longer periods), so
 * there is a clean baseline before each incident and days of follow-ups after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim_impl.h"
#include "tianyan/timeutil.h"

static const char *const kind_name[SIM_INC_KINDS] = {
    "allergy_outbreak", "counterfeit_merchant", "expired_stock",
    "damaged_route",    "banned_ingredient",
};

/*
 * The banned substance: Butylphenyl Methylpropional (BMHCA, "lilial", CAS
 * 80-54-6), added to Annex II (prohibited substances, entry 1666) of Regulation
 * (EC) No 1223/2009 by Commission Regulation (EU) 2021/1902 of 29 October 2021,
 * applicable from 1 March 2022. Labels carry the INCI name; the Annex lists it
 * as "2-(4-tert-Butylbenzyl) propionaldehyde", so a detector must map names.
 */
static const char banned_inci[] = "Butylphenyl Methylpropional";

static int used(const sim_incidents *in, int platform, int listing)
{
    for (int i = 0; i < in->n; i++)
        if (in->inc[i].platform == platform && in->inc[i].listing == listing)
            return 1;
    return 0;
}

static int is_skin_kind(const sim_world *w, int kind)
{
    /* leave-on skin care, where contact dermatitis reports cluster */
    static const char *const skin[] = {"cream", "serum",     "toner", "mask",
                                       "eye",   "sunscreen", "baby",  "bodylotion"};
    for (size_t i = 0; i < sizeof skin / sizeof skin[0]; i++)
        if (strcmp(w->kinds[kind].key, skin[i]) == 0)
            return 1;
    return 0;
}

/* Listings of a platform ordered by weight, heaviest first (ties by index, so
 * the order never depends on the sort algorithm). */
typedef struct ranked_listing {
    double weight;
    int index;
} ranked_listing;

static int by_weight(const void *a, const void *b)
{
    const ranked_listing *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    return x->index - y->index;
}

/* Indices of pl's listings, best sellers first; NULL when out of memory. */
static int *ranked(const sim_platform *pl)
{
    size_t n = (size_t)(pl->nlistings ? pl->nlistings : 1);
    ranked_listing *rl = malloc(sizeof *rl * n);
    int *ix = malloc(sizeof(int) * n);
    if (!rl || !ix) {
        free(rl);
        free(ix);
        return NULL;
    }
    for (int i = 0; i < pl->nlistings; i++)
        rl[i] = (ranked_listing){pl->listings[i].weight, i};
    qsort(rl, (size_t)pl->nlistings, sizeof *rl, by_weight);
    for (int i = 0; i < pl->nlistings; i++)
        ix[i] = rl[i].index;
    free(rl);
    return ix;
}

/* A listing among the top few of rank that passes ok(); -1 if none. */
static int choose(gsl_rng *r, const sim_world *w, const sim_incidents *in, int pi, const int *rank,
                  int top, int (*ok)(const sim_world *, const sim_listing *))
{
    const sim_platform *pl = &w->plat[pi];
    int cand[16], n = 0;
    for (int k = 0; k < pl->nlistings && n < top && n < 16; k++) {
        const sim_listing *l = &pl->listings[rank[k]];
        if (!used(in, pi, rank[k]) && ok(w, l))
            cand[n++] = rank[k];
    }
    return n ? cand[gsl_rng_uniform_int(r, (unsigned long)n)] : -1;
}

static int ok_allergy(const sim_world *w, const sim_listing *l)
{
    return is_skin_kind(w, w->products[l->product].kind);
}

static int ok_expired(const sim_world *w, const sim_listing *l)
{
    (void)w;
    return l->merchant != 0; /* a marketplace shop, not the platform's own */
}

/* Floor division, for lot numbers before lot 0. */
static int floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static ty_err plan_counterfeit(sim_world *w, gsl_rng *r, sim_incident *x, const int *rank)
{
    sim_platform *pl = &w->plat[x->platform];
    sim_merchant m;
    memset(&m, 0, sizeof m);
    m.kind = SIM_MK_THIRD;
    m.brand = -1;
    m.version = 1;
    snprintf(m.id, sizeof m.id, "%sS%05d", pl->prefix, 90000 + (int)gsl_rng_uniform_int(r, 9000));
    snprintf(m.name, sizeof m.name, "正品折扣美妆特卖%02u店",
             (unsigned)gsl_rng_uniform_int(r, 90) + 10);
    snprintf(m.country, sizeof m.country, "CN");
    m.opened = (int32_t)((x->onset_ms + (int64_t)SIM_TZ_MIN * 60000) / SIM_DAY_MS);
    /* fakes are mailed as if from abroad: direct mail (9610), no bonded warehouse */
    m.warehouse = -1;
    m.port = (int)gsl_rng_uniform_int(r, (unsigned long)w->nports);
    TY_TRY(sim_world_localise(w, pl, m.name, sizeof m.name));
    x->merchant = sim_world_add_merchant(pl, &m);
    if (x->merchant < 0)
        return TY_ENOMEM;
    /* copies of the best sellers: the same brand, title and barcode, at 30-50%
     * of the price (the range the issue gives for an obvious counterfeit) */
    int made = 0;
    for (int k = 0; k < pl->nlistings && made < 4; k++) {
        const sim_listing *src = &pl->listings[rank[k]];
        if (src->merchant == x->merchant || !src->present)
            continue;
        int dup = 0;
        for (int j = 0; j < pl->merchants[x->merchant].nlistings; j++)
            dup |= pl->listings[pl->merchants[x->merchant].listings[j]].product == src->product;
        if (dup)
            continue;
        sim_listing l = *src;
        l.merchant = x->merchant;
        snprintf(l.sku, sizeof l.sku, "%s%09d", pl->prefix,
                 900000000 + made * 1013 + (int)gsl_rng_uniform_int(r, 1000));
        double f = 0.30 + 0.20 * gsl_rng_uniform(r);
        l.price = ((int64_t)((double)w->products[l.product].price_fen * f) / 100) * 100 + 90;
        l.weight = src->weight * 0.6;
        l.present = 0;
        l.version = 1;
        l.lot = 0;
        TY_TRY(sim_world_title(w, pl, &l));
        if (sim_world_add_listing(pl, &l) < 0)
            return TY_ENOMEM;
        made++;
    }
    return TY_OK;
}

static ty_err plan_banned(sim_world *w, gsl_rng *r, sim_incident *x, const int *rank)
{
    sim_platform *pl = &w->plat[x->platform];
    int kind = -1;
    const char *want = gsl_rng_uniform(r) < 0.5 ? "perfume" : "bodylotion";
    for (int k = 0; k < w->nkinds; k++)
        if (strcmp(w->kinds[k].key, want) == 0)
            kind = k;
    if (kind < 0)
        kind = 0;
    int p =
        sim_world_new_product(w, r, (int)gsl_rng_uniform_int(r, (unsigned long)w->nbrands), kind);
    if (p < 0)
        return TY_ENOMEM;
    w->products[p].banned_inci = 1;
    sim_listing l;
    memset(&l, 0, sizeof l);
    l.product = p;
    /* sold by a marketplace shop that is not some other brand's flagship */
    l.merchant = 0; /* the platform's own shop, if no marketplace shop qualifies */
    for (int tries = 0; tries < 20; tries++) {
        int mi = 1 + (int)gsl_rng_uniform_int(r, (unsigned long)(pl->nmerchants - 1));
        if (pl->merchants[mi].brand < 0 && pl->merchants[mi].present) {
            l.merchant = mi;
            break;
        }
    }
    snprintf(l.sku, sizeof l.sku, "%s%09d", pl->prefix,
             800000000 + (int)gsl_rng_uniform_int(r, 1000000));
    l.price = w->products[p].price_fen;
    /* a new launch that sells like an ordinary mid-table product */
    l.weight = pl->listings[rank[pl->nlistings / 4]].weight;
    l.version = 1;
    l.banned = 1;
    TY_TRY(sim_world_title(w, pl, &l));
    x->listing = sim_world_add_listing(pl, &l);
    return x->listing < 0 ? TY_ENOMEM : TY_OK;
}

static int busiest_warehouse(const sim_world *w, const sim_platform *pl)
{
    double best = -1;
    int bw = 0;
    for (int h = 0; h < w->nwarehouses; h++) {
        double s = 0;
        for (int i = 0; i < pl->nlistings; i++)
            if (pl->merchants[pl->listings[i].merchant].warehouse == h)
                s += pl->listings[i].weight;
        if (s > best) {
            best = s;
            bw = h;
        }
    }
    return bw;
}

ty_err sim_incidents_plan(sim_world *w, sim_incidents *in, char *err, size_t errn)
{
    memset(in, 0, sizeof *in);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return TY_ENOMEM;
    gsl_rng_set(r, (unsigned long)sim_mix(w->seed ^ 0x696e636964656e74ULL));
    int n = w->nplat > SIM_INC_KINDS ? w->nplat : SIM_INC_KINDS;
    int64_t period_end = w->start_ms + (int64_t)w->days * SIM_DAY_MS;
    /* Last possible onset day (0-based): day 3 of a week-long run, the middle
     * of a long one; in short runs early enough that four days or more of
     * follow-ups (reviews, returns, reports) still fall inside the period. */
    int last = 0;
    if (w->days > 10)
        last = w->days / 2;
    else if (w->days >= 3)
        last = w->days - 4 < 1 ? 1 : w->days - 4 > 2 ? 2 : w->days - 4;
    /* durations in days (assumptions): how long before the entity is dealt with */
    static const int dur_lo[SIM_INC_KINDS] = {3, 4, 3, 2, 0};
    static const int dur_hi[SIM_INC_KINDS] = {5, 8, 6, 4, 0};
    ty_err e = TY_OK;
    for (int i = 0; i < n && e == TY_OK; i++) {
        sim_incident *x = &in->inc[in->n];
        x->kind = (sim_inc_kind)(i % SIM_INC_KINDS);
        x->platform = i % w->nplat;
        x->listing = x->product = x->merchant = x->warehouse = -1;
        int day = last > 0 ? 1 + (int)gsl_rng_uniform_int(r, (unsigned long)last) : 0;
        /* things start in working hours: a new lot listed, a shop opened */
        x->onset_ms = w->start_ms + (int64_t)day * SIM_DAY_MS +
                      (int64_t)(8 * 3600 + (int)gsl_rng_uniform_int(r, 10 * 3600)) * 1000;
        if (x->onset_ms >= period_end) /* a one-day run */
            x->onset_ms = w->start_ms + 6 * 3600 * 1000LL;
        int dur =
            dur_hi[x->kind]
                ? dur_lo[x->kind] + (int)gsl_rng_uniform_int(
                                        r, (unsigned long)(dur_hi[x->kind] - dur_lo[x->kind] + 1))
                : w->days;
        x->end_ms = x->onset_ms + (int64_t)dur * SIM_DAY_MS;
        if (x->end_ms > period_end)
            x->end_ms = period_end;

        sim_platform *pl = &w->plat[x->platform];
        int *rank = ranked(pl);
        if (!rank) {
            e = TY_ENOMEM;
            break;
        }
        switch (x->kind) {
        case SIM_INC_ALLERGY:
            x->listing = choose(r, w, in, x->platform, rank, 3, ok_allergy);
            if (x->listing < 0)
                x->listing = rank[0];
            x->product = pl->listings[x->listing].product;
            x->lot = pl->listings[x->listing].lot + 1; /* a fresh lot */
            break;
        case SIM_INC_COUNTERFEIT:
            e = plan_counterfeit(w, r, x, rank);
            break;
        case SIM_INC_EXPIRED: {
            /* a shop's best seller, so the complaints are not lost in noise */
            x->listing = choose(r, w, in, x->platform, rank, 6, ok_expired);
            if (x->listing < 0)
                x->listing = rank[pl->nlistings > 1 ? 1 : 0];
            x->product = pl->listings[x->listing].product;
            /* an old lot whose expiry passed 20-60 days before onset */
            int32_t onset_day = (int32_t)((x->onset_ms + (int64_t)SIM_TZ_MIN * 60000) / SIM_DAY_MS);
            int gap = 20 + (int)gsl_rng_uniform_int(r, 40);
            x->lot = floor_div(onset_day - gap - 1095 - w->products[x->product].lot0_mfg - 6, 30);
            break;
        }
        case SIM_INC_DAMAGED:
            x->warehouse = busiest_warehouse(w, pl);
            break;
        case SIM_INC_BANNED:
            e = plan_banned(w, r, x, rank);
            x->end_ms = period_end; /* still listed when the run ends */
            break;
        }
        free(rank);
        in->n++;
    }
    gsl_rng_free(r);
    if (e != TY_OK)
        snprintf(err, errn, "planning incidents: %s", ty_err_message(e));
    return e;
}

unsigned sim_incidents_effects(const sim_world *w, const sim_incidents *in, int platform,
                               int listing, int lot, int64_t t_ms)
{
    const sim_platform *pl = &w->plat[platform];
    const sim_listing *l = &pl->listings[listing];
    unsigned fx = 0;
    for (int i = 0; i < in->n; i++) {
        const sim_incident *x = &in->inc[i];
        if (x->platform != platform)
            continue;
        switch (x->kind) {
        case SIM_INC_ALLERGY:
            if (l->product == x->product && lot == x->lot)
                fx |= 1u << x->kind;
            break;
        case SIM_INC_COUNTERFEIT:
            if (l->merchant == x->merchant)
                fx |= 1u << x->kind;
            break;
        case SIM_INC_EXPIRED:
            if (listing == x->listing && lot == x->lot)
                fx |= 1u << x->kind;
            break;
        case SIM_INC_DAMAGED:
            if (pl->merchants[l->merchant].warehouse == x->warehouse && t_ms >= x->onset_ms &&
                t_ms < x->end_ms)
                fx |= 1u << x->kind;
            break;
        case SIM_INC_BANNED:
            if (listing == x->listing)
                fx |= 1u << x->kind;
            break;
        }
    }
    return fx;
}

/* ---------------------------------------------------------------- ground truth */

static void put_signals(sim_out *o, const char *const *s)
{
    sim_put_key(o, "signals");
    sim_open_array(o);
    for (; *s; s++)
        sim_val_str(o, *s);
    sim_close_array(o);
}

static void truth_one(const sim_world *w, const sim_incident *x, sim_out *o)
{
    const sim_platform *pl = &w->plat[x->platform];
    char id[96], desc[768], batch[24], exp[11];
    sim_rec_begin(o, NULL, NULL, 0);
    sim_put_str(o, "platform", pl->code);
    sim_put_str(o, "incident", kind_name[x->kind]);
    switch (x->kind) {
    case SIM_INC_ALLERGY: {
        const sim_listing *l = &pl->listings[x->listing];
        const sim_product *p = &w->products[x->product];
        sim_lot_code(w, x->product, x->lot, batch);
        sim_put_str(o, "entity_kind", "batch");
        sim_put_str(o, "entity_id", batch);
        sim_put_str(o, "sku", l->sku);
        sim_put_str(o, "merchant_id", pl->merchants[l->merchant].id);
        sim_put_str(o, "gtin", p->gtin);
        snprintf(desc, sizeof desc,
                 "Batch %s of %s (%s) causes skin reactions: adverse-event reports, allergy "
                 "reviews and complaints, and adverse_reaction returns rise sharply for orders of "
                 "this batch.",
                 batch, p->name_en, l->sku);
        static const char *const sig[] = {"adverse_event", "return:adverse_reaction",
                                          "complaint:adverse_reaction", "review:allergy_text",
                                          NULL};
        put_signals(o, sig);
        break;
    }
    case SIM_INC_COUNTERFEIT: {
        const sim_merchant *m = &pl->merchants[x->merchant];
        sim_put_str(o, "entity_kind", "merchant");
        sim_put_str(o, "entity_id", m->id);
        sim_put_key(o, "skus");
        sim_open_array(o);
        for (int j = 0; j < m->nlistings; j++)
            sim_val_str(o, pl->listings[m->listings[j]].sku);
        sim_close_array(o);
        snprintf(desc, sizeof desc,
                 "New shop %s (%s) sells counterfeit copies of %d best sellers at 30-50%% of the "
                 "usual price; reviews and complaints say fake, returns are suspected_counterfeit.",
                 m->id, m->name, m->nlistings);
        static const char *const sig[] = {"price:far_below_norm", "return:suspected_counterfeit",
                                          "complaint:counterfeit", "review:counterfeit_text", NULL};
        put_signals(o, sig);
        break;
    }
    case SIM_INC_EXPIRED: {
        const sim_listing *l = &pl->listings[x->listing];
        sim_lot_code(w, x->product, x->lot, batch);
        ty_date_format(sim_lot_expiry(w, x->product, x->lot), exp);
        sim_put_str(o, "entity_kind", "product");
        sim_put_str(o, "entity_id", l->sku);
        sim_put_str(o, "merchant_id", pl->merchants[l->merchant].id);
        sim_put_str(o, "batch", batch);
        sim_put_str(o, "expiry", exp);
        snprintf(desc, sizeof desc,
                 "Listing %s (%s) of shop %s ships lot %s, which expired on %s: expired and "
                 "spoiled returns and complaints, reviews about expiry and spoilage.",
                 l->sku, w->products[l->product].name_en, pl->merchants[l->merchant].id, batch,
                 exp);
        static const char *const sig[] = {"product:expiry_before_sale", "return:expired",
                                          "complaint:expired", "review:expiry_text", NULL};
        put_signals(o, sig);
        break;
    }
    case SIM_INC_DAMAGED: {
        const sim_warehouse *h = &w->warehouses[x->warehouse];
        snprintf(id, sizeof id, "%s/%s", w->ports[h->port].code, h->id);
        sim_put_str(o, "entity_kind", "route");
        sim_put_str(o, "entity_id", id);
        sim_put_str(o, "port", w->ports[h->port].code);
        sim_put_str(o, "warehouse", h->id);
        snprintf(desc, sizeof desc,
                 "Parcels shipped through port %s and bonded warehouse %s are crushed or leak: "
                 "damaged returns and packaging complaints for every shop using that route.",
                 w->ports[h->port].code, h->id);
        static const char *const sig[] = {"return:damaged", "complaint:packaging",
                                          "review:damage_text", NULL};
        put_signals(o, sig);
        break;
    }
    case SIM_INC_BANNED: {
        const sim_listing *l = &pl->listings[x->listing];
        sim_put_str(o, "entity_kind", "product");
        sim_put_str(o, "entity_id", l->sku);
        sim_put_str(o, "merchant_id", pl->merchants[l->merchant].id);
        sim_put_str(o, "substance", banned_inci);
        sim_put_str(o, "cas", "80-54-6");
        snprintf(desc, sizeof desc,
                 "Listing %s (%s) lists %s (BMHCA), prohibited in EU cosmetics from 1 March 2022 "
                 "(Regulation (EC) No 1223/2009 Annex II entry 1666, added by Commission "
                 "Regulation (EU) 2021/1902).",
                 l->sku, w->products[l->product].name_en, banned_inci);
        static const char *const sig[] = {"product:inci_annex_ii", "complaint:ingredient", NULL};
        put_signals(o, sig);
        break;
    }
    }
    sim_put_time(o, "onset", x->onset_ms);
    sim_put_time(o, "end", x->end_ms);
    sim_put_str(o, "description", desc);
    sim_rec_end(o);
}

ty_err sim_incidents_write_truth(const sim_world *w, const sim_incidents *in, const char *dir,
                                 char *path_out, size_t pathn, char *err, size_t errn)
{
    sim_out o;
    TY_TRY(sim_out_open(&o, dir, "ground-truth.jsonl", err, errn));
    for (int i = 0; i < in->n; i++)
        truth_one(w, &in->inc[i], &o);
    snprintf(path_out, pathn, "%s", o.path);
    return sim_out_commit(&o, err, errn);
}

const char *sim_banned_inci(void)
{
    return banned_inci;
}
