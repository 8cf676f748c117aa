/*
 * warning.h - graded early warnings (I red ... IV blue) and their lifecycle,
 * kept in the embedded store.
 *
 * A warning is what the risk engine says about one thing: it is keyed by
 * (detector, entity kind, entity key, platform), and at most one warning per
 * key is active (open or acknowledged) at a time - the store enforces it with
 * a unique partial index. Its level comes from the risk matrix (risk.h): the
 * engine gives a severity and a probability, never a level.
 *
 * Lifecycle (engine side; times are EVENT time, ms UTC, never the wall clock):
 *
 *   raise ──► open ◄──────────────────────┐ raise (escalation after ack:
 *              │ ack (person)              │        "reopened")
 *              ▼                           │
 *         acknowledged ───────────────────┘
 *   open/acknowledged ── clear(t) ──► still active, "clear since t"
 *        ── raise before t + resolve_after: the clear is cancelled
 *        ── advance(now >= t + resolve_after) or clear(now >= ...): resolved,
 *           with resolved time t + resolve_after
 *   resolved ── raise ──► a NEW warning (new id, `previous` = the resolved one)
 *
 * Why a new warning rather than reopening: a resolved warning is a closed
 * record that notices, cases and reports may already cite; reopening it would
 * change what they cite and mix two episodes under one explanation. The link
 * to the previous warning keeps the recurrence visible.
 *
 * Silences (people; WALL-clock expiry, like Alertmanager's): a silenced warning
 * keeps updating, escalating and resolving, and says so (`silenced`) so the
 * engine can hold back notices; a silence ends at its expiry, by unsilence, or
 * with the warning (a recurrence is a new, unsilenced warning).
 *
 * History: every change is appended to warning_history (the store refuses to
 * update or delete its rows): opened, updated, escalated, de-escalated,
 * cleared, acknowledged, silenced, unsilenced, resolved, reopened. A raise that
 * changes nothing material (same level, severity, band and rule version; not
 * returning from a clear) refreshes the warning - last event, explanation,
 * raise count - without a history row, so an engine that re-raises every
 * evaluation does not flood the history.
 *
 * Transactions: every function that writes runs inside the caller's open
 * transaction (ty_store_begin ... ty_store_commit) when there is one, as a
 * SAVEPOINT, so a failed call leaves the caller's transaction as it was and
 * the caller may go on; its work becomes durable with the caller's commit.
 * With no open transaction the call runs in its own and is durable when it
 * returns TY_OK. The engine should raise, clear and advance inside its own
 * write transaction, so that warnings commit together with what caused them.
 *
 * A ty_store handle is used by one thread at a time (store.h). Strings handed
 * to callbacks are valid only during the callback.
 */
#ifndef TIANYAN_WARNING_H
#define TIANYAN_WARNING_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/risk.h"
#include "tianyan/store.h"

/* ---- limits (inputs past them are refused with TY_EINVAL, except seqs) ---- */
#define TY_WARNING_NAME_MAX  64   /* detector, rule version, statistic/input names, actor */
#define TY_WARNING_KIND_MAX  32   /* entity kind, platform code */
#define TY_WARNING_KEY_MAX   256  /* entity key, display name, group key */
#define TY_WARNING_TEXT_MAX  1024 /* note, reasons */
#define TY_WARNING_INPUT_MAX 128  /* text value of an input */
#define TY_WARNING_FACTS_MAX 16   /* statistics, and inputs, per signal */
#define TY_WARNING_SEQS_MAX  100  /* event seqs kept in an explanation (more are counted) */
#define TY_WARNING_EXPLAIN_MAX                                \
    16384 /* bytes of explanation JSON; the limits above keep \
             every explanation below it (test_warnings.c) */

/* Default time a condition must stay clear before its warning resolves:
 * 72 hours of event time. */
#define TY_WARNING_RESOLVE_AFTER_DEFAULT ((int64_t)72 * 3600 * 1000)
#define TY_WARNING_RESOLVE_AFTER_MAX     ((int64_t)366 * 24 * 3600 * 1000)

typedef enum ty_warning_state {
    TY_WS_OPEN = 1,
    TY_WS_ACKNOWLEDGED = 2,
    TY_WS_RESOLVED = 3,
} ty_warning_state;

/* State masks for queries. */
#define TY_WS_MASK(s)    (1u << (s))
#define TY_WS_ACTIVE_SET (TY_WS_MASK(TY_WS_OPEN) | TY_WS_MASK(TY_WS_ACKNOWLEDGED))
#define TY_WS_ALL_SET    (TY_WS_ACTIVE_SET | TY_WS_MASK(TY_WS_RESOLVED))

/* Kinds of history rows. */
typedef enum ty_warning_change {
    TY_WC_OPENED,
    TY_WC_UPDATED,
    TY_WC_ESCALATED,
    TY_WC_DEESCALATED,
    TY_WC_CLEARED,
    TY_WC_ACKNOWLEDGED,
    TY_WC_SILENCED,
    TY_WC_UNSILENCED,
    TY_WC_RESOLVED,
    TY_WC_REOPENED,
    TY_WC__COUNT
} ty_warning_change;

/* "open", "acknowledged", "resolved"; "?" when out of range. */
const char *ty_warning_state_name(ty_warning_state s);
/* Parses a state name; TY_EINVAL when unknown. */
ty_err ty_warning_state_parse(const char *s, ty_warning_state *out);
/* "opened", "updated", "escalated", "de-escalated", "cleared", ...; "?" when out of range. */
const char *ty_warning_change_name(ty_warning_change c);

/*
 * What a warning is about. detector: 1-64 of [A-Za-z0-9_.:/-]; entity_kind:
 * 1-32 of [a-z0-9_-] ("product", "brand", "batch", "merchant", ...);
 * entity_key: 1-256 bytes of UTF-8 without control characters; platform: a
 * platform code (1-32 of [a-z0-9-]) or NULL / "" for a warning about the
 * entity across platforms.
 */
typedef struct ty_warning_key {
    const char *detector;
    const char *entity_kind;
    const char *entity_key;
    const char *platform;
} ty_warning_key;

/* A statistic behind a signal: name (as detector names), value and the
 * threshold it was compared with (NAN when none). Non-finite values are kept
 * as JSON null. */
typedef struct ty_warning_stat {
    const char *name;
    double value;
    double threshold;
} ty_warning_stat;

/* An input of the evaluation: a number, or a text when text is not NULL
 * (1-128 bytes of UTF-8 without control characters). */
typedef struct ty_warning_input {
    const char *name;
    double value;
    const char *text;
} ty_warning_input;

/* One finding of the engine about one key. Zeros are the defaults noted. */
typedef struct ty_warning_signal {
    ty_warning_key key;
    const char *rule_version; /* required, as detector names ("return_rate/1") */
    const char *display_name; /* optional, <= 256 bytes; NULL keeps the stored one */
    const char *group_key;    /* optional, <= 256 bytes ("batch:tmall-global:LOT7") so related
                                 warnings can be listed together; NULL keeps the stored one */
    int severity;             /* 1-4, 2019/417 Table 3 (risk.h) */
    double probability;       /* of the harm scenario, in [0, 1] */
    int64_t event_time;       /* required, > 0: the engine's event-time clock at this
                                 evaluation; must never go backwards for a key */
    int64_t first_event;      /* earliest event behind the finding; 0: event_time */
    int64_t last_event;       /* latest event behind it; 0: event_time */
    int64_t window_from;      /* evaluation window [from, to); both 0: none */
    int64_t window_to;
    int64_t resolve_after;        /* ms of event time a clear must hold; 0: default (72 h) */
    const ty_warning_stat *stats; /* up to TY_WARNING_FACTS_MAX */
    size_t nstats;
    const ty_warning_input *inputs; /* up to TY_WARNING_FACTS_MAX */
    size_t ninputs;
    const int64_t *seqs; /* seqs of the events behind it (events.seq); the first
                            TY_WARNING_SEQS_MAX are kept, the rest counted */
    size_t nseqs;
    const char *note; /* optional, <= 1024 bytes: one sentence for people */
    int64_t now_ms;   /* wall clock (history time, silence check); 0: now */
} ty_warning_signal;

typedef enum ty_raise_outcome {
    TY_RAISE_OPENED = 1,  /* a new warning */
    TY_RAISE_ESCALATED,   /* level went up (IV -> III ...) */
    TY_RAISE_DEESCALATED, /* level went down */
    TY_RAISE_UPDATED,     /* same level, other severity/band/rule version, or back from a clear */
    TY_RAISE_REFRESHED,   /* nothing material changed (no history row) */
    TY_RAISE_STALE,       /* event_time older than the warning's last update, or than the
                             resolution of the key's last warning (a replay): ignored */
} ty_raise_outcome;

typedef struct ty_warning_raised {
    int64_t id;
    ty_raise_outcome outcome;
    ty_level level;          /* level now */
    ty_level previous_level; /* level before (= level when opened) */
    int reopened;            /* an acknowledged warning escalated and is open again */
    int silenced;            /* silenced now: hold back notices */
    int64_t previous;        /* opened: the resolved warning of the same key, 0 if none */
} ty_warning_raised;

/*
 * Opens a warning for sig->key, or updates the active one: level, risk,
 * explanation (replaced), last event (the later of the two), rule version;
 * keeps the first-event and opened times. An escalation of an acknowledged
 * warning sets it open again (the acknowledgement was for a lesser risk). A
 * raise cancels a pending clear. On TY_EINVAL (a field out of its limits)
 * err says which field. Outcome, id and level in *out.
 */
ty_err ty_warning_raise(ty_store *st, const ty_warning_signal *sig, ty_warning_raised *out,
                        char *err, size_t errn);

typedef enum ty_clear_outcome {
    TY_CLEAR_NONE = 1, /* no active warning for the key: nothing to do */
    TY_CLEAR_STARTED,  /* the condition is clear from event_time on */
    TY_CLEAR_PENDING,  /* already clear; not yet for resolve_after */
    TY_CLEAR_RESOLVED, /* clear for resolve_after: resolved now */
    TY_CLEAR_STALE,    /* event_time older than the warning's last update: ignored */
} ty_clear_outcome;

typedef struct ty_warning_cleared {
    int64_t id; /* the warning concerned, 0 with TY_CLEAR_NONE */
    ty_clear_outcome outcome;
} ty_warning_cleared;

/*
 * Tells that the condition of key is clear at event_time (> 0). The first
 * clear starts the clock (history "cleared"); a clear at or after the start +
 * resolve_after resolves the warning (history "resolved", resolved time =
 * start + resolve_after, not event_time). Engines may call it at every
 * evaluation where the condition does not hold.
 */
ty_err ty_warning_clear(ty_store *st, const ty_warning_key *key, int64_t event_time,
                        ty_warning_cleared *out, char *err, size_t errn);

/*
 * Resolves every warning whose condition has been clear for its resolve_after
 * at event_time (the engine's event-time clock; call it once per evaluation
 * cycle). *resolved (may be NULL) gets how many were resolved.
 */
ty_err ty_warning_advance(ty_store *st, int64_t event_time, int64_t *resolved);

/* ---- people's actions (wall clock) ---- */

typedef struct ty_warning_action {
    int64_t id;         /* the warning */
    const char *actor;  /* required: 1-64 bytes of UTF-8 without control characters */
    const char *reason; /* ack: optional note; silence: required; unsilence: optional
                           (<= 1024 bytes) */
    int64_t until;      /* silence: wall-clock end, ms UTC, after now */
    int64_t now_ms;     /* wall clock; 0: now */
} ty_warning_action;

/*
 * Acknowledges an open warning. TY_ENOENT when there is no such warning;
 * TY_EINVAL (err says why) when it is resolved or already acknowledged.
 */
ty_err ty_warning_ack(ty_store *st, const ty_warning_action *a, char *err, size_t errn);

/*
 * Silences an active warning until a->until (a silence may be renewed or
 * shortened by silencing again). TY_ENOENT / TY_EINVAL as for ack; TY_EINVAL
 * when the reason is missing or until is not after now.
 */
ty_err ty_warning_silence(ty_store *st, const ty_warning_action *a, char *err, size_t errn);

/* Ends the silence of an active warning now. TY_EINVAL when it is not silenced. */
ty_err ty_warning_unsilence(ty_store *st, const ty_warning_action *a, char *err, size_t errn);

/* ---- reading ---- */

typedef struct ty_warning {
    int64_t id;
    int64_t previous; /* resolved warning of the same key before this one, 0 if none */
    const char *detector, *rule_version;
    const char *entity_kind, *entity_key;
    const char *platform;     /* "" when not tied to one platform */
    const char *display_name; /* NULL when none */
    const char *group_key;    /* NULL when none */
    ty_level level;
    int severity;
    double probability;
    ty_prob_band band;
    ty_risk risk;
    ty_warning_state state;
    const char *acked_by;   /* NULL unless acknowledged */
    int64_t acked_at;       /* wall clock */
    int silenced;           /* silenced_until is after the query's now */
    int64_t silenced_until; /* wall clock; 0 when never silenced (may be past) */
    const char *silenced_by, *silence_reason;
    int64_t first_event, last_event;   /* event time */
    int64_t opened, updated, resolved; /* event time; resolved 0 while active */
    int64_t clear_since;     /* event time the condition was reported clear; 0 while it holds */
    int64_t resolve_after;   /* ms of event time */
    int64_t raises;          /* raises received, including the one that opened it */
    const char *explanation; /* JSON object (format: docs/detection.md) */
} ty_warning;

/* Keyset paging: the position after the last row of a page. */
typedef struct ty_warning_cursor {
    int level;
    int64_t updated;
    int64_t id; /* 0: from the start */
} ty_warning_cursor;

/* Filters; zero / NULL fields do not filter. Results are ordered by level (I
 * first), then most recently updated, then id (newest first). */
typedef struct ty_warning_query {
    int min_level;   /* 1-4: this level and more severe (II: I and II) */
    unsigned states; /* TY_WS_MASK()s; 0: TY_WS_ACTIVE_SET */
    const char *entity_kind;
    const char *entity_key; /* needs entity_kind */
    const char *platform;   /* "" matches warnings not tied to a platform */
    const char *detector;
    const char *group_key;
    int64_t from, to; /* event time: warnings active at some time in [from, to) */
    ty_warning_cursor after;
    size_t limit;   /* rows per page; 0: 100; at most 10,000 */
    int64_t now_ms; /* wall clock for `silenced`; 0: now */
} ty_warning_query;

/*
 * Calls fn for each warning matching q, in order, at most q->limit. When next
 * is not NULL it gets the cursor for the next page and *more (may be NULL)
 * whether there is one. A non-zero return of fn stops the listing and is
 * returned.
 */
ty_err ty_warning_list(ty_store *st, const ty_warning_query *q,
                       ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx,
                       ty_warning_cursor *next, int *more);

/* Calls fn with warning id; TY_ENOENT when there is none. now_ms as in the query. */
ty_err ty_warning_get(ty_store *st, int64_t id, int64_t now_ms,
                      ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx);

/* Calls fn with the active warning of key; TY_ENOENT when there is none. */
ty_err ty_warning_find(ty_store *st, const ty_warning_key *key, int64_t now_ms,
                       ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx);

/* One history row. */
typedef struct ty_warning_event {
    int64_t seq; /* order of the rows */
    int64_t warning;
    ty_warning_change change;
    int64_t at;         /* wall clock when recorded */
    int64_t event_time; /* event time that drove it (engine changes); 0 for people's actions */
    const char *actor;  /* "engine" or the person */
    const char *reason; /* NULL when none */
    int level_from, level_to; /* 0 when the change is not about the level */
    int64_t until;            /* silenced: wall-clock end; 0 otherwise */
} ty_warning_event;

/* Calls fn for every history row of warning id, oldest first. TY_ENOENT when
 * there is no such warning. */
ty_err ty_warning_history(ty_store *st, int64_t id,
                          ty_err (*fn)(void *ctx, const ty_warning_event *ev), void *ctx);

#endif
