/*
 * engine.h - the risk engine: reads stored events in arrival order, keeps
 * per-entity metrics in event-time windows, runs the detectors and hands
 * their signals on (to the warning lifecycle).
 *
 * The engine works on the store, not on the ingest path: it reads events that
 * are already committed, in seq order, from its own connection, and remembers
 * how far it got. Ingest speed is therefore untouched, a restarted engine
 * continues where it stopped, and `replay` is the same engine run from the
 * first event with other rules.
 *
 * Event time everywhere: a feed replayed from 2016 produces signals dated 2016.
 * Days are counted in a fixed UTC offset (default +08:00). The engine's clock is
 * the latest event time it has seen; an event older than the clock by more than
 * the allowed lateness still counts in its day's bucket if the bucket is still
 * in the window, and is otherwise only counted as "too late".
 */
#ifndef TIANYAN_ENGINE_H
#define TIANYAN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/rules.h"
#include "tianyan/warning.h"
#include "tianyan/store.h"

/* What risk is measured for. The numbers are stored: never renumber. */
typedef enum {
    TY_ENT_PRODUCT = 1,  /* platform + sku */
    TY_ENT_BATCH = 2,    /* platform + sku + batch */
    TY_ENT_MERCHANT = 3, /* platform + merchant_id */
    TY_ENT_BRAND = 4,    /* brand as labelled, case-folded; across platforms */
    TY_ENT_CATEGORY = 5, /* first two levels of the category path; across platforms */
    TY_ENT_ORIGIN = 6,   /* country of origin; across platforms */
    TY_ENT_PLATFORM = 7,
    TY_ENT_ROUTE = 8, /* platform + port/warehouse an order came through */
    TY_ENT__MAX = 8
} ty_entity_kind;

const char *ty_entity_kind_name(int kind);  /* "product", "batch", ... */
int ty_entity_kind_parse(const char *name); /* 0 when unknown */

/* Per-entity daily counters. */
#define TY_METRIC_LIST(X)                        \
    X(TY_M_ORDERS, "orders")                     \
    X(TY_M_UNITS, "units")                       \
    X(TY_M_REVIEWS, "reviews")                   \
    X(TY_M_REVIEWS_LOW, "reviews_1_2_stars")     \
    X(TY_M_RETURNS, "returns")                   \
    X(TY_M_COMPLAINTS, "complaints")             \
    X(TY_M_AE, "adverse_events")                 \
    X(TY_M_AE_SERIOUS, "adverse_events_serious") \
    X(TY_M_TEXT_ALLERGY, "text_allergy")         \
    X(TY_M_TEXT_COUNTERFEIT, "text_counterfeit") \
    X(TY_M_TEXT_EXPIRED, "text_expired")         \
    X(TY_M_TEXT_DAMAGED, "text_damaged")         \
    X(TY_M_TEXT_LABEL, "text_label")             \
    X(TY_M_TEXT_HARMFUL, "text_harmful")         \
    X(TY_M_TEXT_NEGATIVE, "text_negative")       \
    X(TY_M_USERS_ONLINE_MAX, "users_online_max")

typedef enum {
#define TY_M_ENUM_(id, name) id,
    TY_METRIC_LIST(TY_M_ENUM_)
#undef TY_M_ENUM_
        TY_M_BASE_COUNT,
    /* then one counter per return reason and per complaint category, in the
     * order of the exchange spec's enumerations */
    TY_M_RETURN_REASON0 = TY_M_BASE_COUNT,
    TY_M_COMPLAINT_CAT0 = TY_M_BASE_COUNT + 32,
    TY_M__COUNT = TY_M_BASE_COUNT + 64
} ty_metric;

/* Name of a metric ("returns", "return:expired", "complaint:counterfeit"); "?" if unknown. */
const char *ty_metric_name(int m, char *buf, size_t n);

typedef struct ty_engine ty_engine;

typedef struct ty_engine_opts {
    const char *db_path;
    const ty_rules *rules;    /* NULL: the built-in defaults (= data/rules/default.json) */
    int dry_run;              /* 1: judge in memory only, write no warning (replay) */
    struct ty_writer *writer; /* not NULL: the store is being filled by this ingest writer
                                 in the same process; the engine reads on its own
                                 connection and its warning writes go through
                                 ty_writer_call(), so neither waits for the other */
    const char *key_path;     /* NULL: "<db>.key" */
    const char *data_dir;     /* lexicons and model; NULL: the build's data folder */
    int utc_offset_min;       /* day boundaries; default +480 (China Standard Time) */
    int window_days;          /* days of history per metric; default 35 (4 weeks + the current) */
    int64_t lateness_ms;      /* events this much older than the clock still count; default 48 h */
} ty_engine_opts;

typedef struct ty_engine_stats {
    uint64_t events;     /* events read */
    uint64_t too_late;   /* older than the window: not counted in any bucket */
    uint64_t unreadable; /* stored bodies that did not parse (should be 0) */
    uint64_t texts;      /* texts classified */
    uint64_t unmatched;  /* product records over the regulatory matcher's limits: not judged */
    uint64_t signals;    /* signals raised by detectors */
    int64_t last_seq;    /* last event seq processed */
    int64_t clock_ms;    /* engine clock: latest event time seen */
    int64_t first_ms;    /* earliest event time seen */
    uint64_t entities;   /* entities tracked */
} ty_engine_stats;

ty_err ty_engine_open(ty_engine **e, const ty_engine_opts *o, char *err, size_t errn);

/* Processes up to max_events new events (0: all there are), running the
 * detectors after each batch; adds to *st. */
ty_err ty_engine_run(ty_engine *e, uint64_t max_events, ty_engine_stats *st);

/* One finding of a detector, as the engine holds it. Strings are valid during
 * the callback. */
typedef struct ty_engine_signal {
    const char *detector; /* "rate", "change", "price", "dispro", "annex", "alert" */
    const char *cls;      /* risk class: "allergy", "counterfeit", … */
    const char *reaction; /* dispro: the reaction; NULL otherwise */
    int entity_kind;      /* ty_entity_kind */
    int64_t platform;     /* 0 for cross-platform entities */
    const char *entity_key;
    const char *display;    /* may be NULL */
    int active;             /* the condition stands at the entity's clock */
    int open;               /* its warning is not resolved: the condition stands or has been
                               clear for less than the rules' resolve_after */
    int severity;           /* Decision (EU) 2019/417 Table 3, 1..4 */
    double probability;     /* estimated probability of harm per sale */
    int64_t first_ms;       /* first event time that drove it */
    int64_t opened_ms;      /* event time (engine clock) it was first raised */
    int64_t last_ms;        /* event time it last stood */
    int64_t clear_since_ms; /* event time since when it has not stood; 0 while it does */
    const char *explain;    /* JSON: inputs, window, statistics, thresholds */
    ty_warning_key key;     /* the warning it is raised as ("rate.damaged", "batch", …) */
} ty_engine_signal;

/* Number of entities the detectors watch (products, batches, merchants, routes). */
ty_err ty_engine_watched(ty_engine *e, uint64_t *n);

/* Calls fn for every signal raised so far (active or cleared). */
ty_err ty_engine_signals(ty_engine *e, ty_err (*fn)(void *ctx, const ty_engine_signal *s),
                         void *ctx);

void ty_engine_close(ty_engine **e);

#endif
