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
#include "tianyan/dispro.h"
#include "tianyan/ebrate.h"
#include "tianyan/engine.h"
#include "tianyan/hashidx.h"
#include "tianyan/regulatory.h"
#include "tianyan/rules.h"
#include "tianyan/text.h"
#include "tianyan/warning.h"

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

/* The seqs of the latest events that counted as evidence of each risk class on
 * an entity (allocated when the first arrives): a warning lists them. */
#define EVIDENCE_KEEP 8
typedef struct evidence {
    int64_t seq[TY_RULE_CLASSES][EVIDENCE_KEEP];
    uint8_t next[TY_RULE_CLASSES], n[TY_RULE_CLASSES];
} evidence;

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
    evidence *evid;
} entity;

struct product_info {
    uint32_t brand, category, origin, merchant; /* entity indices, UINT32_MAX if none */
    char *batch;                                /* batch currently sold */
    int32_t expiry_day;                         /* of that batch; INT32_MIN if unknown */
    char *gtin;
    int64_t list_price;      /* minor units; -1 unknown */
    struct reg_verdict *reg; /* regulatory findings of the latest product record; NULL: none */
};

/* What the regulatory matcher found in a product's latest record (copied: the
 * record is gone once decoded). */
#define REG_KEEP 4
typedef struct reg_verdict {
    int64_t seq; /* of the product record */
    int64_t ts;  /* its event time */
    size_t nprohibited, nprohibited_if, nrestricted, ningredients;
    size_t nfind;
    struct {
        int status;
        char *annex, *ref_no, *entry, *input, *how, *rule;
    } find[REG_KEEP];
    size_t nalerts; /* Safety Gate hits kept (at most REG_KEEP) */
    struct {
        char *number, *product, *risk, *brand, *evidence;
        size_t nwords, nsignificant;
    } alert[REG_KEEP];
} reg_verdict;

#define NO_ENTITY UINT32_MAX

/* A detector's finding on one (entity, class), kept while it stands. Will be
 * handed to the warning lifecycle. */
typedef struct engine_signal {
    const char *detector; /* static name: "rate", "change", "price", "regulatory" … */
    uint32_t entity;
    int cls;      /* risk class index (detect.c) */
    uint32_t sub; /* dispro: reaction index + 1; 0 otherwise */
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

/* Reactions of one report taken into the pairs. */
#define TY_DP_REACTIONS_MAX 100

/* Disproportionality state (detect_dispro.c): cumulative counts of adverse-event
 * reports by suspect product or brand, by reaction, and by pair. */
#define PAIR_SEQS 4
typedef struct dp_pair {
    uint32_t ent, rx, n;
    uint32_t touched; /* batch generation of its last report */
    int64_t first_ms; /* first report of the pair (event time) */
    int64_t last_ms;  /* latest report of the pair */
    int64_t seq[PAIR_SEQS];
    uint8_t nseq;
} dp_pair;

typedef struct dp_state {
    char **rx_name; /* reaction as first spelt */
    uint32_t *rx_total;
    uint32_t nrx, caprx;
    ty_hashidx rx_index;
    dp_pair *pairs;
    size_t npairs, cappairs;
    ty_hashidx pair_index;
    uint32_t *ent_total; /* reports naming entity i; grown with the entities */
    uint32_t capent;
    uint64_t n;        /* reports */
    uint64_t n_at_fit; /* reports when the MGPS prior was fitted */
    ty_mgps_prior prior;
    int have_prior;
    unsigned fits;  /* times the prior was fitted */
    int degenerate; /* the last fit ran to a point mass: no prior */
    int judged_all; /* every pair was judged once the database held enough reports */
    ty_dispro_work *work;
} dp_state;

/* Warning writes waiting for the ingest writer (deferred.c). */
struct wop;
typedef struct deferred {
    struct wop *ops;
    size_t n, cap;
    ty_err err; /* a copy that failed (out of memory): the run fails */
} deferred;

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
    /* the batch being read: events so far, event time of its first, cut short */
    size_t batch_n;
    int64_t batch_lo;
    int batch_cut;
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
    int64_t prior_stamp;                     /* the platform days the priors were fitted for */
    int64_t pclock[PLATFORM_CODES_MAX];      /* latest event time per platform id */
    int64_t pfirst[PLATFORM_CODES_MAX];      /* earliest event time per platform id */
    int32_t pdetect_day[PLATFORM_CODES_MAX]; /* local day of the last detector run, per platform */
    int8_t pmoved[PLATFORM_CODES_MAX];       /* the platform's day moved in this run */
    int64_t now_ms;                          /* the clock of the entity being judged (detect.c) */
    int32_t now_day;
    ty_betabin prior[TY_ENT__MAX + 1][8];
    double cusum_k[CUSUM_CACHE], cusum_h[CUSUM_CACHE];
    /* recent orders: a ring of ORDERS_KEPT, looked up by hash */
    order_ref *orders;
    uint32_t order_next;
    ty_hashidx order_index; /* hash -> ring slot */
    int in_txn;             /* detectors run inside a store transaction: raise warnings */
    int collect;            /* detectors run for the ingest writer: warning writes are deferred */
    deferred deferred;
    char *pcode[PLATFORM_CODES_MAX]; /* platform codes by id */
    ty_rules rules;
    ty_regmatch *reg;       /* NULL: no regulatory matching */
    int64_t ref_version;    /* of the reference tables reg was built from */
    ty_reg_result *reg_res; /* scratch of the matcher (large) */
    ty_reg_alerts *reg_alerts;
    dp_state dp;
    int8_t metric_class[TY_M__COUNT]; /* risk class a metric is evidence of; -1 none */
};

/* Runs the detectors over the entities the last batch changed. */
ty_err detect_run(ty_engine *e);
/* Fills e->metric_class. */
void detect_init_classes(ty_engine *e);

/* ---- regulatory (detect_regulatory.c) ---- */

/* Matches a product record (the entity's latest) and keeps the verdict. */
ty_err reg_note_product(ty_engine *e, uint32_t product, const ty_record *rec);
/* Raises or clears the product's annex and alert signals from its verdict. */
ty_err reg_detect(ty_engine *e, uint32_t product);
void reg_verdict_free(reg_verdict **v);

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

/* ---- disproportionality (detect_dispro.c) ---- */

/* Counts one adverse-event report: its suspect entities and its reactions
 * (NUL-terminated, any case). */
ty_err dp_report(ty_engine *e, const uint32_t *ents, size_t nents, const char *const *rx,
                 const size_t *rxlen, size_t nrx);
/* Judges the pairs a batch touched (and every pair with an open signal on a new day). */
ty_err dp_detect(ty_engine *e, int new_day);
void dp_free(ty_engine *e);

/* ---- signals (detect.c), for the detectors in other files ---- */

/* The detector's condition holds now for (detector, entity, class, sub):
 * raised as a warning in the open transaction. label names the finding in the
 * warning key (class or reaction); seqs are the events behind it. */
typedef struct sig_args {
    const char *detector;
    uint32_t ent;
    int cls;
    uint32_t sub;
    const char *label;
    int severity;
    double probability;
    int64_t first_ms;
    int64_t last_ms; /* last event that drove it; 0: the entity's clock */
    int64_t window_from;
    const ty_warning_stat *stats;
    size_t nstats;
    const ty_warning_input *inputs;
    size_t ninputs;
    const int64_t *seqs;
    size_t nseqs;
    const char *note;
} sig_args;
ty_err sig_raise_args(ty_engine *e, const sig_args *a);
/* The condition does not hold now. */
void sig_clear_sub(ty_engine *e, const char *detector, uint32_t ent, int cls, uint32_t sub);
/* Sets e->now_ms / now_day to the clock of entity x's platform. */
void set_now(ty_engine *e, const entity *x);
/* Start of local day `day`, ms. */
int64_t day_start_ms(const ty_engine *e, int32_t day);
/* Copies s into out (n bytes) cut at a UTF-8 boundary to fit a warning input (128 bytes). */
const char *clip_text(const char *s, char *out, size_t n);

/* ---- deferred warning writes (deferred.c) ---- */

ty_err defer_raise(ty_engine *e, const ty_warning_signal *w);
ty_err defer_clear(ty_engine *e, const ty_warning_key *k, int64_t t, size_t sig_index);
/* Applies the deferred writes (and resolves due warnings at advance_to unless it
 * is INT64_MAX) in one writer call, then closes the signals whose warnings
 * resolved. */
ty_err defer_flush(ty_engine *e, int64_t advance_to);
void defer_free(ty_engine *e);

/* ---- prices (prices.c) ---- */

/* Notes a unit price paid for product (listing) to merchant. */
ty_err price_note(ty_engine *e, uint32_t product, uint32_t merchant, int64_t unit_price);

#endif
