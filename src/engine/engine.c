/*
 * engine.c - the risk engine's event loop: reads committed events in seq
 * order, decodes their canonical JSON with the exchange-spec decoder, counts
 * them into the entities' event-time windows, classifies their texts, and runs
 * the detectors over the entities a batch touched.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "tianyan/reference.h"
#include "tianyan/timeutil.h"

#define BATCH_EVENTS 4096
/* A batch also ends where event time moves by more than an hour (or back), so
 * that a feed replayed in bulk is judged as often as one arriving live. */
#define BATCH_SPAN_MS (3600LL * 1000)

static const char *const kind_names[TY_ENT__MAX + 1] = {
    "?", "product", "batch", "merchant", "brand", "category", "origin", "platform", "route",
};

const char *ty_entity_kind_name(int kind)
{
    return kind >= 1 && kind <= TY_ENT__MAX ? kind_names[kind] : "?";
}

int ty_entity_kind_parse(const char *name)
{
    for (int k = 1; k <= TY_ENT__MAX; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return 0;
}

static const char *const metric_names[] = {
#define TY_M_NAME_(id, name) name,
    TY_METRIC_LIST(TY_M_NAME_)
#undef TY_M_NAME_
};

const char *ty_metric_name(int m, char *buf, size_t n)
{
    if (m >= 0 && m < TY_M_BASE_COUNT)
        return metric_names[m];
    const ty_schema *s;
    int f;
    if (m >= TY_M_RETURN_REASON0 && m < TY_M_COMPLAINT_CAT0) {
        s = ty_schema_of(TY_REC_RETURN);
        f = ty_schema_field(s, "reason", 6);
        if ((size_t)(m - TY_M_RETURN_REASON0) < s->fields[f].enumv->count) {
            snprintf(buf, n, "return:%s", s->fields[f].enumv->values[m - TY_M_RETURN_REASON0].code);
            return buf;
        }
    } else if (m >= TY_M_COMPLAINT_CAT0 && m < TY_M__COUNT) {
        s = ty_schema_of(TY_REC_COMPLAINT);
        f = ty_schema_field(s, "category", 8);
        if ((size_t)(m - TY_M_COMPLAINT_CAT0) < s->fields[f].enumv->count) {
            snprintf(buf, n, "complaint:%s",
                     s->fields[f].enumv->values[m - TY_M_COMPLAINT_CAT0].code);
            return buf;
        }
    }
    return "?";
}

/* ---------------------------------------------------------------- record access */

static const ty_value *field(const ty_record *r, const char *name)
{
    int f = ty_schema_field(r->schema, name, strlen(name));
    return f >= 0 && r->top[f].present ? &r->top[f] : NULL;
}

static const char *text_of(const ty_record *r, const ty_value *v, size_t *n)
{
    return ty_value_str(r, v, n);
}

/* Brand keys and reporters' product names are case-folded (ASCII) with every
 * run of ASCII spaces and punctuation made one space, and trimmed: "SAKURA",
 * "Sakura " and "sakura." are one brand, "WEN - Cleansing Conditioner" and
 * "WEN CLEANSING CONDITIONER" one product. Other characters are kept as they
 * are, never split. */
static size_t fold(const char *s, size_t n, char *out, size_t outn)
{
    size_t k = 0;
    int gap = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !isalnum(c)) {
            gap = k > 0;
            i++;
            continue;
        }
        size_t len = 1; /* the whole UTF-8 character */
        while (c >= 0x80 && i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
            len++;
        if (k + gap + len > outn - 1)
            break;
        if (gap)
            out[k++] = ' ';
        gap = 0;
        for (size_t j = 0; j < len; j++)
            out[k++] = (char)tolower((unsigned char)s[i + j]);
        i += len;
    }
    out[k] = '\0';
    return k;
}

/* ---------------------------------------------------------------- counting */

typedef struct targets {
    uint32_t idx[12];
    int n;
} targets;

static void target(targets *t, uint32_t idx)
{
    if (idx == NO_ENTITY || t->n == 12)
        return;
    for (int i = 0; i < t->n; i++)
        if (t->idx[i] == idx)
            return;
    t->idx[t->n++] = idx;
}

/* Notes the event being read as evidence of class c on entity idx. */
static void note_evidence(ty_engine *e, uint32_t idx, int c)
{
    entity *x = &e->ent[idx];
    if (!x->evid && !(x->evid = calloc(1, sizeof *x->evid)))
        return; /* the warning will list fewer events */
    evidence *v = x->evid;
    if (v->n[c] && v->seq[c][(v->next[c] + EVIDENCE_KEEP - 1) % EVIDENCE_KEEP] == e->ev_seq)
        return; /* one event, several metrics of the class */
    v->seq[c][v->next[c]] = e->ev_seq;
    v->next[c] = (uint8_t)((v->next[c] + 1) % EVIDENCE_KEEP);
    if (v->n[c] < EVIDENCE_KEEP)
        v->n[c]++;
}

static void count(ty_engine *e, const targets *t, int m, int32_t day, uint32_t v)
{
    int counted = 0;
    for (int i = 0; i < t->n; i++)
        counted |= ent_add(e, t->idx[i], m, day, v);
    if (!counted && t->n && e->run_stats)
        e->run_stats->too_late++;
    int c = e->metric_class[m];
    if (c >= 0 && counted)
        for (int i = 0; i < t->n; i++)
            note_evidence(e, t->idx[i], c);
}

static ty_err product_of(ty_engine *e, const ty_record *r, const ty_value *sku, uint32_t *idx)
{
    size_t n;
    const char *s = text_of(r, sku, &n);
    return ent_get(e, TY_ENT_PRODUCT, e->ev_platform, s, n, idx);
}

/* A product and what hangs off it: brand, category, origin, merchant, platform. */
static void product_targets(ty_engine *e, uint32_t p, targets *t)
{
    target(t, p);
    product_info *pi = e->ent[p].info;
    target(t, pi->brand);
    target(t, pi->category);
    target(t, pi->origin);
}

static ty_err batch_entity(ty_engine *e, uint32_t product, const char *batch, size_t bn,
                           uint32_t *idx)
{
    char key[300];
    const char *sku = e->ent[product].key;
    int n = snprintf(key, sizeof key, "%s\x1f%.*s", sku, (int)(bn > 128 ? 128 : bn), batch);
    if (n < 0)
        return TY_EINVAL;
    return ent_get(e, TY_ENT_BATCH, e->ev_platform, key,
                   (size_t)n < sizeof key ? (size_t)n : sizeof key - 1, idx);
}

static ty_err merchant_entity(ty_engine *e, const ty_record *r, uint32_t *idx)
{
    const ty_value *m = field(r, "merchant_id");
    *idx = NO_ENTITY;
    if (!m)
        return TY_OK;
    size_t n;
    const char *s = text_of(r, m, &n);
    return ent_get(e, TY_ENT_MERCHANT, e->ev_platform, s, n, idx);
}

/* Text risk classes of a free-text field, counted on the targets. */
/* Classifies the record's text and counts its classes, except the class its
 * own reason or category already counted (skip; -1 none): one return is one
 * report of damage whether its form or its words say so, or both. */
static void count_text(ty_engine *e, const ty_record *r, const targets *t, int32_t day, int skip)
{
    const ty_value *tv = field(r, "text");
    if (!tv || !e->text)
        return;
    size_t n;
    const char *s = text_of(r, tv, &n);
    ty_text_result res;
    if (ty_text_classify(e->text, s, n, &res) != TY_OK)
        return;
    if (e->run_stats)
        e->run_stats->texts++;
    for (int c = 0; c < TY_TEXT_NCLASSES; c++)
        if ((res.classes & (1u << c)) && c != skip)
            count(e, t, TY_M_TEXT_ALLERGY + c, day, 1);
}

static ty_err on_product(ty_engine *e, const ty_record *r)
{
    uint32_t p;
    TY_TRY(product_of(e, r, field(r, "sku"), &p));
    product_info *pi = e->ent[p].info;
    size_t n;
    const char *s = text_of(r, field(r, "title"), &n);
    ent_set_display(e, p, s, n);
    char key[256];
    s = text_of(r, field(r, "brand"), &n);
    size_t k = fold(s, n, key, sizeof key);
    TY_TRY(ent_get(e, TY_ENT_BRAND, 0, key, k, &pi->brand));
    ent_set_display(e, pi->brand, s, n);
    /* category: the first two levels of the path */
    const ty_value *cat = field(r, "category");
    size_t c0n, c1n = 0;
    const char *c0 = ty_value_str(r, &r->pool[cat->first], &c0n);
    const char *c1 = cat->count > 1 ? ty_value_str(r, &r->pool[cat->first + 1], &c1n) : "";
    int kn = snprintf(key, sizeof key, "%.*s%s%.*s", (int)(c0n > 100 ? 100 : c0n), c0,
                      cat->count > 1 ? "/" : "", (int)(c1n > 100 ? 100 : c1n), c1);
    TY_TRY(ent_get(e, TY_ENT_CATEGORY, 0, key, (size_t)kn, &pi->category));
    s = text_of(r, field(r, "origin_country"), &n);
    TY_TRY(ent_get(e, TY_ENT_ORIGIN, 0, s, n, &pi->origin));
    TY_TRY(merchant_entity(e, r, &pi->merchant));
    const ty_value *b = field(r, "batch");
    free(pi->batch);
    pi->batch = b ? (s = text_of(r, b, &n), strndup(s, n)) : NULL;
    const ty_value *x = field(r, "expiry");
    pi->expiry_day = x ? (int32_t)x->i : INT32_MIN;
    const ty_value *g = field(r, "gtin");
    free(pi->gtin);
    pi->gtin = g ? (s = text_of(r, g, &n), strndup(s, n)) : NULL;
    const ty_value *pr = field(r, "price");
    pi->list_price = pr ? pr->i : -1;
    if (e->reg)
        TY_TRY(reg_note_product(e, p, r));
    return TY_OK;
}

static ty_err on_merchant(ty_engine *e, const ty_record *r)
{
    uint32_t m;
    TY_TRY(merchant_entity(e, r, &m));
    size_t n;
    const char *s = text_of(r, field(r, "name"), &n);
    ent_set_display(e, m, s, n);
    return TY_OK;
}

static uint64_t order_hash(const ty_engine *e, const char *id, size_t n)
{
    unsigned char msg[8 + 128], h[8];
    for (int i = 0; i < 8; i++)
        msg[i] = (unsigned char)((uint64_t)e->ev_platform >> (8 * i));
    size_t k = n < 128 ? n : 128;
    memcpy(msg + 8, id, k);
    crypto_shorthash(h, msg, 8 + k, e->hkey);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v ? v : 1;
}

/* Remembers an order's route and first line, evicting the oldest remembered. */
static void order_remember(ty_engine *e, const ty_record *r, uint32_t route, uint32_t product,
                           uint32_t batch)
{
    if (!e->orders)
        return;
    size_t n;
    const char *id = ty_record_id(r, &n);
    order_ref *o = &e->orders[e->order_next];
    if (o->hash)
        ty_hashidx_remove(&e->order_index, o->hash, e->order_next);
    o->hash = order_hash(e, id, n);
    o->route = route;
    o->product = product;
    o->batch = batch;
    if (ty_hashidx_insert(&e->order_index, o->hash, e->order_next) != TY_OK)
        o->hash = 0; /* not findable: forget it */
    e->order_next = (e->order_next + 1) % ORDERS_KEPT;
}

static const order_ref *order_find(ty_engine *e, const ty_value *v, const ty_record *r)
{
    if (!v || !e->orders)
        return NULL;
    size_t n;
    const char *id = text_of(r, v, &n);
    uint64_t h = order_hash(e, id, n), pos = UINT64_MAX;
    int64_t slot;
    /* a 64-bit hash of (platform, id) stands in for the id here: a collision would
     * only attribute one buyer's feedback to another order's route */
    if (ty_hashidx_next(&e->order_index, h, &pos, &slot))
        return &e->orders[slot];
    return NULL;
}

static int32_t day_of(const ty_engine *e)
{
    return (int32_t)ty_local_day(e->ev_ts, e->o.utc_offset_min);
}

static ty_err on_order(ty_engine *e, const ty_record *r)
{
    int32_t day = day_of(e);
    uint32_t m, plat, route = NO_ENTITY;
    TY_TRY(merchant_entity(e, r, &m));
    char pk[24];
    int pn = snprintf(pk, sizeof pk, "%" PRId64, e->ev_platform);
    TY_TRY(ent_get(e, TY_ENT_PLATFORM, 0, pk, (size_t)pn, &plat));
    const ty_value *port = field(r, "port"), *wh = field(r, "warehouse");
    if (port || wh) {
        char key[160];
        size_t a = 0, b = 0;
        const char *ps = port ? text_of(r, port, &a) : "";
        const char *ws = wh ? text_of(r, wh, &b) : "";
        int kn = snprintf(key, sizeof key, "%.*s/%.*s", (int)(a > 64 ? 64 : a), ps,
                          (int)(b > 64 ? 64 : b), ws);
        TY_TRY(ent_get(e, TY_ENT_ROUTE, e->ev_platform, key, (size_t)kn, &route));
    }
    const ty_field *itf = &r->schema->fields[ty_schema_field(r->schema, "items", 5)];
    const ty_value *items = field(r, "items");
    for (uint32_t k = 0; k < items->count; k++) {
        uint32_t p;
        TY_TRY(product_of(e, r, ty_object_field(r, itf, items, k, 0), &p));
        const ty_value *q = ty_object_field(r, itf, items, k, 1);
        const ty_value *ib = ty_object_field(r, itf, items, k, 3);
        targets t = {{0}, 0};
        product_targets(e, p, &t);
        target(&t, m);
        target(&t, plat);
        target(&t, route);
        uint32_t bidx = NO_ENTITY;
        product_info *pi = e->ent[p].info;
        if (ib->present) {
            size_t bn;
            const char *bs = text_of(r, ib, &bn);
            TY_TRY(batch_entity(e, p, bs, bn, &bidx));
        } else if (pi->batch) {
            TY_TRY(batch_entity(e, p, pi->batch, strlen(pi->batch), &bidx));
        }
        target(&t, bidx);
        if (k == 0)
            order_remember(e, r, route, p, bidx);
        count(e, &t, TY_M_ORDERS, day, 1);
        count(e, &t, TY_M_UNITS, day, (uint32_t)q->i);
        TY_TRY(price_note(e, p, m, ty_object_field(r, itf, items, k, 2)->i));
    }
    return TY_OK;
}

/* Review, return, complaint: about a product and/or a merchant (and a batch). */
static ty_err on_feedback(ty_engine *e, const ty_record *r)
{
    int32_t day = day_of(e);
    targets t = {{0}, 0};
    uint32_t p = NO_ENTITY, m, b = NO_ENTITY;
    const ty_value *sku = field(r, "sku");
    if (sku) {
        TY_TRY(product_of(e, r, sku, &p));
        product_targets(e, p, &t);
    }
    TY_TRY(merchant_entity(e, r, &m));
    if (m == NO_ENTITY && p != NO_ENTITY)
        m = e->ent[p].info->merchant;
    target(&t, m);
    const ty_value *bv = field(r, "batch");
    if (bv && p != NO_ENTITY) {
        size_t bn;
        const char *bs = text_of(r, bv, &bn);
        TY_TRY(batch_entity(e, p, bs, bn, &b));
        target(&t, b);
    }
    /* the order it refers to tells the route it came through and, when it is
     * about the order's product, the batch shipped */
    const order_ref *o = order_find(e, field(r, "order_id"), r);
    if (o) {
        target(&t, o->route);
        if (b == NO_ENTITY && (p == NO_ENTITY || p == o->product))
            target(&t, o->batch);
    }
    int type = r->schema->type, coded = -1; /* metric of the record's reason or category */
    if (type == TY_REC_REVIEW) {
        count(e, &t, TY_M_REVIEWS, day, 1);
        if (field(r, "stars")->i <= 2)
            count(e, &t, TY_M_REVIEWS_LOW, day, 1);
    } else if (type == TY_REC_RETURN) {
        const ty_value *q = field(r, "quantity");
        count(e, &t, TY_M_RETURNS, day, q ? (uint32_t)q->i : 1);
        coded = TY_M_RETURN_REASON0 + (int)field(r, "reason")->i;
        count(e, &t, coded, day, 1);
    } else {
        count(e, &t, TY_M_COMPLAINTS, day, 1);
        coded = TY_M_COMPLAINT_CAT0 + (int)field(r, "category")->i;
        count(e, &t, coded, day, 1);
    }
    /* the text class is the rule class of the same index (rules.h, text.h) */
    count_text(e, r, &t, day, coded >= 0 ? e->metric_class[coded] : -1);
    return TY_OK;
}

/*
 * An adverse-event report counts on every product it names (and that
 * product's batch, brand, category, origin) and, for disproportionality, on
 * its suspect products and brands with each of its reactions. A product named
 * only by the reporter's words (as CAERS gives them) is a product of the
 * platform keyed "name:<words, case-folded>".
 */
static ty_err on_adverse_event(ty_engine *e, const ty_record *r)
{
    int32_t day = day_of(e);
    const ty_field *pf = &r->schema->fields[ty_schema_field(r->schema, "products", 8)];
    const ty_value *products = field(r, "products");
    int serious = field(r, "seriousness")->i == 1;
    targets t = {{0}, 0};
    uint32_t suspects[40];
    size_t nsus = 0;
    for (uint32_t k = 0; k < products->count; k++) {
        const ty_value *sku = ty_object_field(r, pf, products, k, 0);
        const ty_value *name = ty_object_field(r, pf, products, k, 1);
        const ty_value *brand = ty_object_field(r, pf, products, k, 2);
        const ty_value *batch = ty_object_field(r, pf, products, k, 3);
        const ty_value *role = ty_object_field(r, pf, products, k, 4);
        int suspect = !role->present || role->i == 0;
        uint32_t p = NO_ENTITY, bi = NO_ENTITY;
        if (sku->present) {
            TY_TRY(product_of(e, r, sku, &p));
            if (batch->present) {
                size_t bn;
                const char *bs = text_of(r, batch, &bn);
                uint32_t b;
                TY_TRY(batch_entity(e, p, bs, bn, &b));
                target(&t, b);
            }
        } else if (!brand->present) {
            char key[TY_WARNING_KEY_MAX + 1]; /* a warning's entity key at most */
            size_t n;
            const char *s = text_of(r, name, &n);
            memcpy(key, "name:", 5);
            size_t kn = 5 + fold(s, n, key + 5, sizeof key - 5);
            /* CAERS writes REDACTED where it withholds a name: no product to follow */
            if (strcmp(key + 5, "redacted") != 0) {
                TY_TRY(ent_get(e, TY_ENT_PRODUCT, e->ev_platform, key, kn, &p));
                if (!e->ent[p].display)
                    ent_set_display(e, p, s, n);
            }
        }
        if (p != NO_ENTITY) {
            product_targets(e, p, &t);
            bi = e->ent[p].info->brand;
        }
        if (brand->present) {
            char key[256];
            size_t n;
            const char *s = text_of(r, brand, &n);
            size_t kn = fold(s, n, key, sizeof key);
            TY_TRY(ent_get(e, TY_ENT_BRAND, 0, key, kn, &bi));
            if (!e->ent[bi].display)
                ent_set_display(e, bi, s, n);
            target(&t, bi);
        }
        if (suspect && nsus + 2 <= sizeof suspects / sizeof suspects[0]) {
            if (p != NO_ENTITY)
                suspects[nsus++] = p;
            if (bi != NO_ENTITY)
                suspects[nsus++] = bi;
        }
    }
    count(e, &t, TY_M_AE, day, 1);
    if (serious)
        count(e, &t, TY_M_AE_SERIOUS, day, 1);
    if (!e->rules.dispro.enabled || !nsus)
        return TY_OK;
    const ty_value *rx = field(r, "reactions");
    const char *names[TY_DP_REACTIONS_MAX];
    size_t lens[TY_DP_REACTIONS_MAX], nrx = 0;
    for (uint32_t k = 0; k < rx->count && nrx < TY_DP_REACTIONS_MAX; k++)
        names[nrx] = ty_value_str(r, &r->pool[rx->first + k], &lens[nrx]), nrx++;
    return dp_report(e, suspects, nsus, names, lens, nrx);
}

static ty_err on_record(void *ctx, const ty_record *r)
{
    ty_engine *e = ctx;
    switch (r->schema->type) {
    case TY_REC_PRODUCT:
        return on_product(e, r);
    case TY_REC_MERCHANT:
        return on_merchant(e, r);
    case TY_REC_ORDER:
        return on_order(e, r);
    case TY_REC_REVIEW:
    case TY_REC_RETURN:
    case TY_REC_COMPLAINT:
        return on_feedback(e, r);
    case TY_REC_ADVERSE_EVENT:
        return on_adverse_event(e, r);
    default:
        return TY_OK;
    }
}

static ty_err on_reject(void *ctx, const ty_reject *rej)
{
    ty_engine *e = ctx;
    (void)rej;
    if (e->run_stats)
        e->run_stats->unreadable++;
    return TY_OK;
}

static ty_err on_event(void *ctx, const ty_stored_event *ev)
{
    ty_engine *e = ctx;
    if (e->batch_n && (ev->ts < e->batch_lo || ev->ts - e->batch_lo > BATCH_SPAN_MS)) {
        e->batch_cut = 1; /* judge what came before first: this event starts the next batch */
        return TY_ELIMIT;
    }
    if (!e->batch_n++)
        e->batch_lo = ev->ts;
    e->ev_seq = ev->seq;
    e->ev_platform = ev->platform;
    e->ev_ts = ev->ts;
    e->ev_tz = ev->tz;
    if (ev->ts < e->first_ms)
        e->first_ms = ev->ts;
    if (ev->platform > 0 && ev->platform < PLATFORM_CODES_MAX) {
        if (ev->ts > e->pclock[ev->platform])
            e->pclock[ev->platform] = ev->ts;
        if (!e->pfirst[ev->platform] || ev->ts < e->pfirst[ev->platform])
            e->pfirst[ev->platform] = ev->ts;
    }
    if (ev->ts > e->clock_ms) {
        e->clock_ms = ev->ts;
        e->clock_day = (int32_t)ty_local_day(ev->ts, e->o.utc_offset_min);
    }
    if (e->run_stats)
        e->run_stats->events++;
    TY_TRY(ty_decoder_feed(e->dec, ev->body, ev->len));
    return ty_decoder_feed(e->dec, "\n", 1);
}

/* ---------------------------------------------------------------- lifecycle */

ty_err ty_engine_open(ty_engine **out, const ty_engine_opts *o, char *err, size_t errn)
{
    ty_engine *e = calloc(1, sizeof *e);
    if (!e)
        return TY_ENOMEM;
    e->o = *o;
    if (o->rules)
        e->rules = *o->rules;
    else
        ty_rules_defaults(&e->rules);
    e->o.rules = &e->rules;
    detect_init_classes(e);
    if (!e->o.utc_offset_min)
        e->o.utc_offset_min = 480;
    if (e->o.window_days <= 0)
        e->o.window_days = 35;
    if (e->o.lateness_ms <= 0)
        e->o.lateness_ms = 48LL * 3600 * 1000;
    if (!e->o.data_dir)
        e->o.data_dir = TY_DATA_DIR;
    e->clock_ms = INT64_MIN;
    e->first_ms = INT64_MAX;
    ty_buf_init(&e->scratch, 1 << 20);
    randombytes_buf(e->hkey, sizeof e->hkey);
    ty_store_opts so = {o->db_path, o->key_path, 0, 1}; /* reads events, never adds them */
    ty_err r = ty_store_open(&e->st, &so, err, errn);
    e->detect_day = INT32_MIN;
    e->prior_stamp = -1;
    e->orders = calloc(ORDERS_KEPT, sizeof *e->orders);
    if (r == TY_OK && (!e->orders || ty_hashidx_init(&e->order_index, ORDERS_KEPT) != TY_OK))
        r = TY_ENOMEM;
    if (r == TY_OK && ((r = ty_hashidx_init(&e->index, 0)) != TY_OK ||
                       (r = ty_hashidx_init(&e->sig_index, 0)) != TY_OK))
        snprintf(err, errn, "out of memory");
    if (r == TY_OK) {
        /* stored bodies were validated at ingest; only the clock check is relaxed,
         * since the engine may read them long after they arrived */
        ty_codec_limits lim;
        ty_codec_limits_default(&lim);
        lim.max_line = 1 << 20;
        lim.max_future_ms = INT64_MAX / 4;
        ty_sink sink = {on_record, on_reject, e};
        r = ty_decoder_new(&e->dec, TY_FMT_JSONL, &lim, &sink);
    }
    if (r == TY_OK && (r = ty_text_open(&e->text, e->o.data_dir, err, errn)) != TY_OK)
        e->text = NULL;
    if (r == TY_OK && e->rules.regulatory.enabled &&
        ((r = ty_ref_version(e->st, &e->ref_version)) != TY_OK ||
         (r = ty_regmatch_open(&e->reg, e->st, e->o.data_dir, err, errn)) != TY_OK))
        e->reg = NULL;
    if (r == TY_OK && e->rules.dispro.enabled &&
        ((r = ty_hashidx_init(&e->dp.rx_index, 0)) != TY_OK ||
         (r = ty_hashidx_init(&e->dp.pair_index, 0)) != TY_OK ||
         (r = ty_dispro_work_new(&e->dp.work)) != TY_OK))
        snprintf(err, errn, "out of memory");
    if (r != TY_OK) {
        ty_engine_close(&e);
        return r;
    }
    *out = e;
    return TY_OK;
}

/* An import changed the reference tables since the matcher was built: build
 * it again, so that product records from now on are matched against them
 * (records already read keep the verdict they had). */
static ty_err reference_changed(ty_engine *e)
{
    int64_t v;
    TY_TRY(ty_ref_version(e->st, &v));
    if (v == e->ref_version)
        return TY_OK;
    ty_regmatch *m;
    char err[256];
    TY_TRY(ty_regmatch_open(&m, e->st, e->o.data_dir, err, sizeof err));
    ty_regmatch_close(&e->reg);
    e->reg = m;
    e->ref_version = v;
    return TY_OK;
}

ty_err ty_engine_run(ty_engine *e, uint64_t max_events, ty_engine_stats *st)
{
    e->run_stats = st;
    ty_err r = TY_OK;
    uint64_t done = 0;
    for (;;) {
        size_t want = BATCH_EVENTS;
        if (max_events && max_events - done < want)
            want = (size_t)(max_events - done);
        if (want == 0)
            break;
        e->gen++;
        if (e->reg)
            TY_TRY(reference_changed(e));
        int64_t last = e->cursor;
        uint64_t before = st->events;
        e->batch_n = 0;
        e->batch_cut = 0;
        r = ty_store_scan_events(e->st, e->cursor, want, on_event, e, &last);
        if (r == TY_ELIMIT && e->batch_cut)
            r = TY_OK;
        if (r != TY_OK)
            break;
        uint64_t got = st->events - before;
        e->cursor = last;
        if (got && (r = detect_run(e)) != TY_OK)
            break;
        done += got;
        if (got < want && !e->batch_cut)
            break;
    }
    st->last_seq = e->cursor;
    st->clock_ms = e->clock_ms;
    st->first_ms = e->first_ms;
    st->entities = e->nent;
    e->run_stats = NULL;
    return r;
}

void ty_engine_close(ty_engine **pe)
{
    ty_engine *e = *pe;
    if (!e)
        return;
    ty_decoder_free(&e->dec);
    ty_text_close(&e->text);
    ent_free_all(e);
    ty_regmatch_close(&e->reg);
    free(e->reg_res);
    free(e->reg_alerts);
    dp_free(e);
    defer_free(e);
    ty_hashidx_free(&e->index);
    for (size_t i = 0; i < e->nsigs; i++)
        free(e->sigs[i].explain);
    free(e->sigs);
    ty_hashidx_free(&e->sig_index);
    free(e->orders);
    ty_hashidx_free(&e->order_index);
    for (int i = 0; i < PLATFORM_CODES_MAX; i++)
        free(e->pcode[i]);
    ty_store_close(&e->st);
    ty_buf_free(&e->scratch);
    free(e);
    *pe = NULL;
}
