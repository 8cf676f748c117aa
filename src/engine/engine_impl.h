/*
 * engine_impl.h - the engine's private state: entities with their event-time
 * windows, the product catalogue, and the detector interface (private to
 * src/engine/).
 */
#ifndef TIANYAN_ENGINE_IMPL_H
#define TIANYAN_ENGINE_IMPL_H

#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/codec.h"
#include "tianyan/ebrate.h"
#include "tianyan/engine.h"
#include "tianyan/hashidx.h"
#include "tianyan/text.h"

/* One metric of one entity: daily counts for the last W days, as a ring. */
typedef struct ring {
    uint16_t metric;
    int32_t last_day; /* newest day held (local day number) */
    uint32_t cnt[];   /* W slots; day d is at d % W */
} ring;

typedef struct product_info product_info;

/* Family entities (prices.c) are internal to the engine: never shown as such. */
#define TY_ENT_FAMILY 100

#define PRICE_KEEP          32 /* unit prices kept per (family, merchant) */
#define PRICE_MERCHANTS_MAX 64 /* merchants compared per family */

typedef struct price_ring {
    uint32_t merchant; /* entity index */
    uint32_t product;  /* the merchant's listing of this family (last seen) */
    uint16_t n, next;
    int64_t price[PRICE_KEEP];
} price_ring;

typedef struct entity {
    uint8_t kind;
    int64_t platform; /* 0 for cross-platform kinds */
    char *key;        /* sku, "sku\x1fbatch", merchant id, brand, category, country, route */
    char *display;    /* human name (title, shop name …); may be NULL */
    ring **rings;     /* sorted by metric */
    uint16_t nrings, caprings;
    uint32_t touched;   /* batch generation of its last change */
    product_info *info; /* TY_ENT_PRODUCT only */
    price_ring *prices; /* TY_ENT_FAMILY only: one ring per merchant */
    uint32_t nprices;
} entity;

struct product_info {
    uint32_t brand, category, origin, merchant; /* entity indices, UINT32_MAX if none */
    char *batch;                                /* batch currently sold */
    int32_t expiry_day;                         /* of that batch; INT32_MIN if unknown */
    char *gtin;
    int64_t list_price; /* minor units; -1 unknown */
};

#define NO_ENTITY UINT32_MAX

/* A detector's finding on one (entity, class), kept while it stands. Will be
 * handed to the warning lifecycle. */
typedef struct engine_signal {
    const char *detector; /* static name: "rate", "change", "price", "regulatory" … */
    uint32_t entity;
    int cls; /* risk class index (detect.c) */
    int active;
    int severity;           /* 2019/417 Table 3, 1..4 */
    double probability;     /* estimated probability of harm per sale */
    int64_t first_ms;       /* first event time that drove it */
    int64_t opened_ms;      /* engine clock when it first stood */
    int64_t last_ms;        /* engine clock when it last stood */
    int64_t clear_since_ms; /* engine clock since when it no longer stands; 0 while it does */
    uint32_t times_opened;
    char *explain; /* JSON */
} engine_signal;

#define CUSUM_CACHE        160
#define PLATFORM_CODES_MAX 4096

/* Orders remembered so that a later review, return or complaint naming the
 * order can be counted on its route and batch (returns follow orders within
 * weeks; the oldest are forgotten first). */
#define ORDERS_KEPT (1u << 21)

typedef struct order_ref {
    uint64_t hash;    /* of (platform, order id); 0: empty */
    uint32_t route;   /* entity or NO_ENTITY */
    uint32_t product; /* first line's product */
    uint32_t batch;   /* first line's batch entity or NO_ENTITY */
} order_ref;

struct ty_engine {
    ty_engine_opts o;
    ty_store *st;
    ty_decoder *dec;
    ty_text *text;
    ty_engine_stats *run_stats; /* of the current run */
    int64_t cursor;             /* last seq whose signals were raised */
    int64_t clock_ms;           /* latest event time seen */
    int64_t first_ms;           /* earliest event time seen */
    int32_t clock_day;
    /* the event being processed */
    int64_t ev_seq, ev_platform, ev_ts;
    int ev_tz;
    /* entities */
    entity *ent;
    uint32_t nent, capent;
    ty_hashidx index; /* hash(kind, platform, key) -> entity index */
    unsigned char hkey[16];
    uint32_t gen; /* batch generation */
    ty_buf scratch;
    /* detectors (detect.c) */
    engine_signal *sigs;
    size_t nsigs, capsigs;
    ty_hashidx sig_index;
    int32_t detect_day;
    int64_t prior_stamp;                /* the platform days the priors were fitted for */
    int64_t pclock[PLATFORM_CODES_MAX]; /* latest event time per platform id */
    int64_t now_ms;                     /* the clock of the entity being judged (detect.c) */
    int32_t now_day;
    ty_betabin prior[TY_ENT__MAX + 1][8];
    double cusum_k[CUSUM_CACHE], cusum_h[CUSUM_CACHE];
    /* recent orders: a ring of ORDERS_KEPT, looked up by hash */
    order_ref *orders;
    uint32_t order_next;
    ty_hashidx order_index;          /* hash -> ring slot */
    int in_txn;                      /* detectors run inside a store transaction: raise warnings */
    char *pcode[PLATFORM_CODES_MAX]; /* platform codes by id */
};

/* Runs the detectors over the entities the last batch changed. */
ty_err detect_run(ty_engine *e);

/* ---- entities (entities.c) ---- */

/* The entity (kind, platform, key), created when missing (*idx set). */
ty_err ent_get(ty_engine *e, int kind, int64_t platform, const char *key, size_t n, uint32_t *idx);
/* Existing entity or NO_ENTITY. */
uint32_t ent_find(ty_engine *e, int kind, int64_t platform, const char *key, size_t n);
/* Adds v to metric m of entity idx on local day `day`. Returns 0 when the day is
 * older than the window (the event is too late to count). */
int ent_add(ty_engine *e, uint32_t idx, int m, int32_t day, uint32_t v);
/* Count of metric m on day `day` (0 outside the window). */
uint32_t ent_count(const ty_engine *e, uint32_t idx, int m, int32_t day);
/* Sum of metric m over days [from, to]. */
uint64_t ent_sum(const ty_engine *e, uint32_t idx, int m, int32_t from, int32_t to);
void ent_set_display(ty_engine *e, uint32_t idx, const char *s, size_t n);
void ent_free_all(ty_engine *e);

/* ---- prices (prices.c) ---- */

/* Notes a unit price paid for product (listing) to merchant. */
ty_err price_note(ty_engine *e, uint32_t product, uint32_t merchant, int64_t unit_price);

#endif
