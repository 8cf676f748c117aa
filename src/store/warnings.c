/*
 * warnings.c - early warnings in the store: opening, updating, clearing and
 * resolving them for the engine; acknowledging and silencing them for people;
 * listing them with their history and explanation (warning.h; the schema is
 * migration 4 in migrations.c).
 *
 * Why the code looks the way it does:
 *  - Statements are prepared from one table (wsql[]) on first use within a
 *    call and finalised at its end: the store handle has no slot for them, and a
 *    warning call is rare next to an event insert (a prepare costs tens of
 *    microseconds).
 *  - Every write runs in a SAVEPOINT inside the caller's transaction, or in a
 *    transaction of its own (run_in_txn()): see warning.h.
 *  - The explanation is built with yajl's generator into a bounded buffer
 *    before any row is touched, from inputs whose sizes are all capped, so an
 *    engine bug cannot store an unbounded or invalid JSON text.
 *  - Event time drives the lifecycle; the wall clock is used only for what
 *    people do (acknowledge, silence) and for when a history row was written.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <yajl/yajl_gen.h>

#include "store_impl.h"
#include "tianyan/audit.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

/* ---- names ---- */

static const char *const state_names[] = {
    [TY_WS_OPEN] = "open",
    [TY_WS_ACKNOWLEDGED] = "acknowledged",
    [TY_WS_RESOLVED] = "resolved",
};

/* Spelled as the CHECK constraint of warning_history.change spells them. */
static const char *const change_names[TY_WC__COUNT] = {
    [TY_WC_OPENED] = "opened",       [TY_WC_UPDATED] = "updated",
    [TY_WC_ESCALATED] = "escalated", [TY_WC_DEESCALATED] = "de-escalated",
    [TY_WC_CLEARED] = "cleared",     [TY_WC_ACKNOWLEDGED] = "acknowledged",
    [TY_WC_SILENCED] = "silenced",   [TY_WC_UNSILENCED] = "unsilenced",
    [TY_WC_RESOLVED] = "resolved",   [TY_WC_REOPENED] = "reopened",
};

const char *ty_warning_state_name(ty_warning_state s)
{
    return s >= TY_WS_OPEN && s <= TY_WS_RESOLVED ? state_names[s] : "?";
}

ty_err ty_warning_state_parse(const char *s, ty_warning_state *out)
{
    for (int i = TY_WS_OPEN; s && i <= TY_WS_RESOLVED; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (ty_warning_state)i;
            return TY_OK;
        }
    return TY_EINVAL;
}

const char *ty_warning_change_name(ty_warning_change c)
{
    return (unsigned)c < TY_WC__COUNT ? change_names[c] : "?";
}

static ty_warning_state state_of(const unsigned char *s)
{
    ty_warning_state st = TY_WS_OPEN;
    ty_warning_state_parse((const char *)s, &st);
    return st;
}

static ty_risk risk_of(const unsigned char *s)
{
    for (int r = 0; s && r < TY_RISK__COUNT; r++)
        if (strcmp((const char *)s, ty_risk_name((ty_risk)r)) == 0)
            return (ty_risk)r;
    return TY_RISK_LOW;
}

static ty_warning_change change_of(const unsigned char *s)
{
    for (int c = 0; s && c < TY_WC__COUNT; c++)
        if (strcmp((const char *)s, change_names[c]) == 0)
            return (ty_warning_change)c;
    return TY_WC_UPDATED;
}

/* ---- messages and validation ---- */

static ty_err fail(char *err, size_t errn, ty_err e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ty_err fail(char *err, size_t errn, ty_err e, const char *fmt, ...)
{
    if (err && errn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errn, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* Characters allowed in names: detector, rule version, statistic and input names. */
static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '-';
}

/* Characters allowed in entity kinds and platform codes. */
static int code_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A required name of 1..max characters of name_char (or code_char when code). */
static ty_err check_name(const char *what, const char *s, size_t max, int code, char *err,
                         size_t errn)
{
    if (!s || !*s)
        return fail(err, errn, TY_EINVAL, "%s is required", what);
    size_t n = strlen(s);
    if (n > max)
        return fail(err, errn, TY_EINVAL, "%s is %zu bytes long; at most %zu are allowed", what, n,
                    max);
    for (size_t i = 0; i < n; i++)
        if (!(code ? code_char((unsigned char)s[i]) : name_char((unsigned char)s[i])))
            return fail(err, errn, TY_EINVAL, "%s \"%s\": character %zu is not allowed (use %s)",
                        what, s, i + 1, code ? "a-z, 0-9, _ and -" : "A-Z, a-z, 0-9 and _.:/-");
    return TY_OK;
}

/*
 * A text of at most max bytes: valid UTF-8 and no control characters (they
 * would break one-line displays, and keeping them out bounds JSON escaping to
 * two bytes per byte). required: also not empty.
 */
static ty_err check_text(const char *what, const char *s, size_t max, int required, char *err,
                         size_t errn)
{
    if (!s || !*s)
        return required ? fail(err, errn, TY_EINVAL, "%s is required", what) : TY_OK;
    size_t n = strlen(s);
    if (n > max)
        return fail(err, errn, TY_EINVAL, "%s is %zu bytes long; at most %zu are allowed", what, n,
                    max);
    if (u8_check((const uint8_t *)s, n) != NULL)
        return fail(err, errn, TY_EINVAL, "%s is not valid UTF-8", what);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return fail(err, errn, TY_EINVAL, "%s contains a control character at byte %zu", what,
                        i + 1);
    return TY_OK;
}

static ty_err check_key(const ty_warning_key *k, char *err, size_t errn)
{
    if (!k)
        return fail(err, errn, TY_EINVAL, "key is required");
    TY_TRY(check_name("detector", k->detector, TY_WARNING_NAME_MAX, 0, err, errn));
    TY_TRY(check_name("entity kind", k->entity_kind, TY_WARNING_KIND_MAX, 1, err, errn));
    TY_TRY(check_text("entity key", k->entity_key, TY_WARNING_KEY_MAX, 1, err, errn));
    if (k->platform && *k->platform) {
        TY_TRY(check_name("platform", k->platform, TY_WARNING_KIND_MAX, 1, err, errn));
        if (k->platform[0] == '-' || strchr(k->platform, '_'))
            return fail(err, errn, TY_EINVAL,
                        "platform \"%s\" is not a platform code (a-z, 0-9 and -, not first)",
                        k->platform);
    }
    return TY_OK;
}

static const char *platform_of(const ty_warning_key *k)
{
    return k->platform ? k->platform : "";
}

static void fmt_time(int64_t ms, char out[TY_TIME_TEXT_MAX])
{
    ty_time_format(ms, 0, 1, out);
}

/* "72 h", "90 min", "1500 ms": durations in reasons. */
static void fmt_duration(int64_t ms, char *out, size_t n)
{
    if (ms % 3600000 == 0)
        snprintf(out, n, "%lld h", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(out, n, "%lld min", (long long)(ms / 60000));
    else
        snprintf(out, n, "%lld ms", (long long)ms);
}

/* ---- statements ---- */

enum {
    W_ACTIVE,      /* the active warning of a key */
    W_LAST,        /* the newest warning of a key */
    W_INSERT,      /* a new warning */
    W_RAISE,       /* update by a raise */
    W_CLEAR,       /* start the clear clock */
    W_RESOLVE,     /* resolve */
    W_DUE,         /* warnings due to resolve */
    W_BY_ID,       /* a warning's lifecycle columns, by id */
    W_ACK,         /* acknowledge */
    W_SILENCE,     /* set or end a silence */
    W_HISTORY_ADD, /* one history row */
    W__COUNT
};

/* Columns of the lifecycle look-ups (W_ACTIVE, W_BY_ID), in this order. */
#define LIFE_COLS                                                                         \
    "id, level, severity, band, rule_version, state, updated, clear_since, resolve_due, " \
    "resolve_after, silenced_until, acked_by, acked_at"
enum {
    LC_ID,
    LC_LEVEL,
    LC_SEVERITY,
    LC_BAND,
    LC_RULE,
    LC_STATE,
    LC_UPDATED,
    LC_CLEAR_SINCE,
    LC_RESOLVE_DUE,
    LC_RESOLVE_AFTER,
    LC_SILENCED_UNTIL,
    LC_ACKED_BY,
    LC_ACKED_AT,
};

static const char *const wsql[W__COUNT] = {
    /* the partial unique index warnings_active serves this look-up */
    [W_ACTIVE] = "SELECT " LIFE_COLS " FROM warnings WHERE detector = ?1 AND entity_kind = ?2 "
                 "AND entity_key = ?3 AND platform = ?4 AND state <> 'resolved'",
    [W_LAST] = "SELECT id, resolved FROM warnings WHERE detector = ?1 AND entity_kind = ?2 AND "
               "entity_key = ?3 AND platform = ?4 ORDER BY id DESC LIMIT 1",
    [W_INSERT] = "INSERT INTO warnings(detector, rule_version, entity_kind, entity_key, platform, "
                 "display_name, group_key, level, severity, probability, band, risk, state, "
                 "first_event, last_event, opened, updated, resolve_after, previous, explanation) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'open', ?13, ?14, "
                 "?15, ?15, ?16, ?17, ?18)",
    /* the first-event and opened times stay; last_event only moves forward */
    [W_RAISE] = "UPDATE warnings SET rule_version = ?2, display_name = coalesce(?3, display_name), "
                "group_key = coalesce(?4, group_key), level = ?5, severity = ?6, probability = "
                "?7, band = ?8, risk = ?9, state = ?10, acked_by = CASE WHEN ?10 = 'open' THEN "
                "NULL ELSE acked_by END, acked_at = CASE WHEN ?10 = 'open' THEN NULL ELSE "
                "acked_at END, last_event = max(last_event, ?11), updated = ?12, clear_since = "
                "NULL, resolve_due = NULL, resolve_after = ?13, raises = raises + 1, "
                "explanation = ?14 WHERE id = ?1",
    [W_CLEAR] = "UPDATE warnings SET clear_since = ?2, resolve_due = ?2 + resolve_after, "
                "updated = ?2 WHERE id = ?1",
    [W_RESOLVE] = "UPDATE warnings SET state = 'resolved', resolved = ?2, updated = ?2, "
                  "resolve_due = NULL WHERE id = ?1",
    [W_DUE] = "SELECT id, clear_since, resolve_due, resolve_after FROM warnings WHERE resolve_due "
              "IS NOT NULL AND resolve_due <= ?1 ORDER BY resolve_due, id LIMIT 256",
    [W_BY_ID] = "SELECT " LIFE_COLS " FROM warnings WHERE id = ?1",
    [W_ACK] = "UPDATE warnings SET state = 'acknowledged', acked_by = ?2, acked_at = ?3 WHERE "
              "id = ?1",
    [W_SILENCE] = "UPDATE warnings SET silenced_until = ?2, silenced_by = coalesce(?3, "
                  "silenced_by), silence_reason = coalesce(?4, silence_reason) WHERE id = ?1",
    [W_HISTORY_ADD] = "INSERT INTO warning_history(warning, change, at, event_time, actor, reason, "
                      "level_from, level_to, until) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

/* The statements of one call: prepared on first use and kept with the store
 * (an engine raises thousands of warnings; preparing each time cost a tenth of
 * its time), reset when the call ends. */
typedef struct wstmts {
    ty_store *st;
} wstmts;

_Static_assert(W__COUNT <= STORE_WARNING_STMTS, "store_impl.h: STORE_WARNING_STMTS");

static ty_err stmt(wstmts *w, int k, sqlite3_stmt **out)
{
    sqlite3_stmt **s = &w->st->wst[k];
    if (!*s) {
        int rc = sqlite3_prepare_v3(w->st->db, wsql[k], -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
    }
    sqlite3_reset(*s);
    sqlite3_clear_bindings(*s);
    *out = *s;
    return TY_OK;
}

static void wstmts_done(wstmts *w)
{
    for (int k = 0; k < W__COUNT; k++)
        if (w->st->wst[k])
            sqlite3_reset(w->st->wst[k]);
}

void store_warnings_close(ty_store *st)
{
    for (int k = 0; k < STORE_WARNING_STMTS; k++) {
        sqlite3_finalize(st->wst[k]);
        st->wst[k] = NULL;
    }
}

static ty_err step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void bind_opt_int(sqlite3_stmt *s, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static void bind_key(sqlite3_stmt *s, const ty_warning_key *k)
{
    sqlite3_bind_text(s, 1, k->detector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, k->entity_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, k->entity_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, platform_of(k), -1, SQLITE_STATIC);
}

/* What the lifecycle needs to know of one warning. */
typedef struct life {
    int64_t id;
    int level, severity, band;
    char rule[TY_WARNING_NAME_MAX + 1];
    ty_warning_state state;
    int64_t updated, clear_since, resolve_due, resolve_after, silenced_until;
    char acked_by[TY_WARNING_NAME_MAX + 1];
    int64_t acked_at;
} life;

/* Steps a W_ACTIVE or W_BY_ID statement (already bound) into *l; *found says
 * whether there was a row. */
static ty_err read_life(sqlite3_stmt *s, life *l, int *found)
{
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        l->id = sqlite3_column_int64(s, LC_ID);
        l->level = sqlite3_column_int(s, LC_LEVEL);
        l->severity = sqlite3_column_int(s, LC_SEVERITY);
        l->band = sqlite3_column_int(s, LC_BAND);
        const unsigned char *r = sqlite3_column_text(s, LC_RULE);
        snprintf(l->rule, sizeof l->rule, "%s", r ? (const char *)r : "");
        l->state = state_of(sqlite3_column_text(s, LC_STATE));
        l->updated = sqlite3_column_int64(s, LC_UPDATED);
        l->clear_since = sqlite3_column_int64(s, LC_CLEAR_SINCE);
        l->resolve_due = sqlite3_column_int64(s, LC_RESOLVE_DUE);
        l->resolve_after = sqlite3_column_int64(s, LC_RESOLVE_AFTER);
        l->silenced_until = sqlite3_column_int64(s, LC_SILENCED_UNTIL);
        const unsigned char *a = sqlite3_column_text(s, LC_ACKED_BY);
        snprintf(l->acked_by, sizeof l->acked_by, "%s", a ? (const char *)a : "");
        l->acked_at = sqlite3_column_int64(s, LC_ACKED_AT);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

static ty_err find_active(wstmts *w, const ty_warning_key *k, life *l, int *found)
{
    sqlite3_stmt *s;
    TY_TRY(stmt(w, W_ACTIVE, &s));
    bind_key(s, k);
    return read_life(s, l, found);
}

static ty_err find_by_id(wstmts *w, int64_t id, life *l, int *found)
{
    sqlite3_stmt *s;
    TY_TRY(stmt(w, W_BY_ID, &s));
    sqlite3_bind_int64(s, 1, id);
    return read_life(s, l, found);
}

/* Appends one history row. Zero event_time, levels and until are stored as NULL. */
typedef struct hist {
    ty_warning_change change;
    int64_t at, event_time;
    const char *actor, *reason;
    int level_from, level_to;
    int64_t until;
} hist;

static ty_err history_add(wstmts *w, int64_t id, const hist *h)
{
    sqlite3_stmt *s;
    TY_TRY(stmt(w, W_HISTORY_ADD, &s));
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, change_names[h->change], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, h->at);
    bind_opt_int(s, 4, h->event_time);
    sqlite3_bind_text(s, 5, h->actor, -1, SQLITE_STATIC);
    bind_opt_text(s, 6, h->reason);
    bind_opt_int(s, 7, h->level_from);
    bind_opt_int(s, 8, h->level_to);
    bind_opt_int(s, 9, h->until);
    return step_done(s);
}

/* The actor of the engine's changes. */
#define ENGINE_ACTOR "engine"

/* ---- transactions ---- */

/* After a failed body: unless it already said why, the store's own message,
 * taken before a rollback replaces it. */
static void store_failed(ty_store *st, ty_err e, char *err, size_t errn)
{
    if (e != TY_OK && err && errn && !err[0])
        fail(err, errn, e, "%s: %s", ty_err_message(e), sqlite3_errmsg(st->db));
}

/*
 * Runs body as a SAVEPOINT of the caller's transaction, or in a transaction of
 * its own when none is open (see warning.h). If SQLite ended the caller's
 * transaction itself (an I/O error or a full disk roll everything back), the
 * store is told, so that its state matches and the caller's commit fails.
 */
static ty_err run_in_txn(ty_store *st, ty_err (*body)(wstmts *w, void *ctx), void *ctx, char *err,
                         size_t errn)
{
    wstmts w = {.st = st};
    ty_err e;
    if (st->in_txn) {
        int rc = sqlite3_exec(st->db, "SAVEPOINT ty_warning", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return fail(err, errn, store_err(rc), "%s", sqlite3_errmsg(st->db));
        e = body(&w, ctx);
        store_failed(st, e, err, errn);
        wstmts_done(&w);
        if (e != TY_OK && sqlite3_get_autocommit(st->db)) {
            ty_store_rollback(st);
            return e;
        }
        if (e != TY_OK)
            sqlite3_exec(st->db, "ROLLBACK TO ty_warning", NULL, NULL, NULL);
        rc = sqlite3_exec(st->db, "RELEASE ty_warning", NULL, NULL, NULL);
        return e != TY_OK ? e : store_err(rc);
    }
    e = ty_store_begin(st);
    if (e != TY_OK)
        return fail(err, errn, e, "%s: %s", ty_err_message(e), sqlite3_errmsg(st->db));
    e = body(&w, ctx);
    store_failed(st, e, err, errn);
    wstmts_done(&w);
    if (e != TY_OK) {
        ty_store_rollback(st);
        return e;
    }
    return ty_store_commit(st);
}

/* ---- the explanation ---- */

/* yajl writes through this into a bounded buffer. */
typedef struct sink {
    ty_buf *b;
    int full;
} sink;

static void sink_print(void *ctx, const char *s, size_t n)
{
    sink *k = ctx;
    if (!k->full && ty_buf_append(k->b, s, n) != TY_OK)
        k->full = 1;
}

static void g_str(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

static void g_key(yajl_gen g, const char *k)
{
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

/* Numbers with 15 significant digits (what a double holds for sure); non-finite
 * values as null, because JSON has no NaN or infinity. */
static void g_num(yajl_gen g, double v)
{
    char b[40];
    if (!isfinite(v)) {
        yajl_gen_null(g);
        return;
    }
    int n = snprintf(b, sizeof b, "%.15g", v);
    yajl_gen_number(g, b, (size_t)n);
}

static void g_time(yajl_gen g, int64_t ms)
{
    char t[TY_TIME_TEXT_MAX];
    fmt_time(ms, t);
    g_str(g, t);
}

/* Checks what only the explanation carries (names, texts and counts). */
static ty_err check_facts(const ty_warning_signal *sig, char *err, size_t errn)
{
    char what[48];
    if (sig->nstats > TY_WARNING_FACTS_MAX || (sig->nstats && !sig->stats))
        return fail(err, errn, TY_EINVAL, "%zu statistics given; at most %d are kept", sig->nstats,
                    TY_WARNING_FACTS_MAX);
    if (sig->ninputs > TY_WARNING_FACTS_MAX || (sig->ninputs && !sig->inputs))
        return fail(err, errn, TY_EINVAL, "%zu inputs given; at most %d are kept", sig->ninputs,
                    TY_WARNING_FACTS_MAX);
    if (sig->nseqs && !sig->seqs)
        return fail(err, errn, TY_EINVAL, "nseqs is %zu but seqs is NULL", sig->nseqs);
    for (size_t i = 0; i < sig->nstats; i++) {
        snprintf(what, sizeof what, "statistic %zu name", i + 1);
        TY_TRY(check_name(what, sig->stats[i].name, TY_WARNING_NAME_MAX, 0, err, errn));
    }
    for (size_t i = 0; i < sig->ninputs; i++) {
        snprintf(what, sizeof what, "input %zu name", i + 1);
        TY_TRY(check_name(what, sig->inputs[i].name, TY_WARNING_NAME_MAX, 0, err, errn));
        if (sig->inputs[i].text) {
            snprintf(what, sizeof what, "input %zu text", i + 1);
            TY_TRY(check_text(what, sig->inputs[i].text, TY_WARNING_INPUT_MAX, 1, err, errn));
        }
    }
    return check_text("note", sig->note, TY_WARNING_TEXT_MAX, 0, err, errn);
}

/*
 * The explanation JSON of a signal (format 1; fields documented in
 * docs/detection.md). Inputs were checked, so the only failure left is the
 * size bound, which the limits in warning.h keep out of reach.
 */
static ty_err explain(const ty_warning_signal *sig, const ty_risk_assessment *ra, int64_t first,
                      int64_t last, ty_buf *out, char *err, size_t errn)
{
    sink k = {out, 0};
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return TY_ENOMEM;
    yajl_gen_config(g, yajl_gen_print_callback, sink_print, &k);
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    const ty_level_info *li = ty_level_get(ra->level);
    yajl_gen_map_open(g);
    g_key(g, "format");
    yajl_gen_integer(g, 1);
    g_key(g, "detector");
    g_str(g, sig->key.detector);
    g_key(g, "rule_version");
    g_str(g, sig->rule_version);
    g_key(g, "evaluated_at");
    g_time(g, sig->event_time);

    g_key(g, "entity");
    yajl_gen_map_open(g);
    g_key(g, "kind");
    g_str(g, sig->key.entity_kind);
    g_key(g, "key");
    g_str(g, sig->key.entity_key);
    g_key(g, "platform");
    g_str(g, sig->key.platform && *sig->key.platform ? sig->key.platform : NULL);
    g_key(g, "name");
    g_str(g, sig->display_name && *sig->display_name ? sig->display_name : NULL);
    g_key(g, "group");
    g_str(g, sig->group_key && *sig->group_key ? sig->group_key : NULL);
    yajl_gen_map_close(g);

    g_key(g, "risk");
    yajl_gen_map_open(g);
    g_key(g, "severity");
    yajl_gen_integer(g, ra->severity);
    g_key(g, "severity_text");
    g_str(g, ty_severity_text(ra->severity));
    g_key(g, "probability");
    g_num(g, ra->probability);
    g_key(g, "band");
    g_str(g, ty_band_label(ra->band));
    g_key(g, "risk");
    g_str(g, ty_risk_name(ra->risk));
    g_key(g, "level");
    g_str(g, li->roman);
    g_key(g, "level_zh");
    g_str(g, li->label_zh);
    g_key(g, "matrix");
    g_str(g, TY_RISK_MATRIX_SOURCE);
    yajl_gen_map_close(g);

    g_key(g, "window");
    if (sig->window_from || sig->window_to) {
        yajl_gen_map_open(g);
        g_key(g, "from");
        g_time(g, sig->window_from);
        g_key(g, "to");
        g_time(g, sig->window_to);
        yajl_gen_map_close(g);
    } else {
        yajl_gen_null(g);
    }

    g_key(g, "statistics");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < sig->nstats; i++) {
        yajl_gen_map_open(g);
        g_key(g, "name");
        g_str(g, sig->stats[i].name);
        g_key(g, "value");
        g_num(g, sig->stats[i].value);
        g_key(g, "threshold");
        g_num(g, sig->stats[i].threshold);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);

    g_key(g, "inputs");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < sig->ninputs; i++) {
        yajl_gen_map_open(g);
        g_key(g, "name");
        g_str(g, sig->inputs[i].name);
        g_key(g, "value");
        if (sig->inputs[i].text)
            g_str(g, sig->inputs[i].text);
        else
            g_num(g, sig->inputs[i].value);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);

    g_key(g, "events");
    yajl_gen_map_open(g);
    g_key(g, "first");
    g_time(g, first);
    g_key(g, "last");
    g_time(g, last);
    g_key(g, "count");
    yajl_gen_integer(g, (long long)sig->nseqs);
    g_key(g, "seqs");
    yajl_gen_array_open(g);
    size_t kept = sig->nseqs < TY_WARNING_SEQS_MAX ? sig->nseqs : TY_WARNING_SEQS_MAX;
    for (size_t i = 0; i < kept; i++)
        yajl_gen_integer(g, (long long)sig->seqs[i]);
    yajl_gen_array_close(g);
    g_key(g, "truncated");
    yajl_gen_bool(g, kept < sig->nseqs);
    yajl_gen_map_close(g);

    g_key(g, "note");
    g_str(g, sig->note && *sig->note ? sig->note : NULL);
    yajl_gen_status gs = yajl_gen_map_close(g);
    yajl_gen_free(g);
    if (k.full)
        return fail(err, errn, TY_ELIMIT, "the explanation would exceed %d bytes",
                    TY_WARNING_EXPLAIN_MAX);
    if (gs != yajl_gen_status_ok)
        return fail(err, errn, TY_EINVAL, "the explanation could not be written (status %d)",
                    (int)gs);
    return TY_OK;
}

/* "severity 2 x probability 0.002 (> 1/1 000) -> high risk, level II" */
static void describe_cell(int severity, double p, int band, char *out, size_t n)
{
    const ty_level_info *li = ty_level_get(ty_risk_level(ty_risk_matrix(severity, band)));
    snprintf(out, n, "severity %d x probability %.3g (%s) -> %s risk, level %s", severity, p,
             ty_band_label((ty_prob_band)band), ty_risk_name(ty_risk_matrix(severity, band)),
             li->roman);
}

/* ---- raise ---- */

typedef struct raise_ctx {
    const ty_warning_signal *sig;
    ty_risk_assessment ra;
    int64_t first, last, resolve_after, now;
    const char *explanation;
    ty_warning_raised *out;
} raise_ctx;

static ty_err raise_open(wstmts *w, raise_ctx *c)
{
    const ty_warning_signal *sig = c->sig;
    sqlite3_stmt *s;
    int64_t previous = 0, prev_resolved = 0;
    TY_TRY(stmt(w, W_LAST, &s));
    bind_key(s, &sig->key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        previous = sqlite3_column_int64(s, 0);
        prev_resolved = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_err(rc);
    /* a raise from before the last warning of the key was resolved is a replay
     * of what that warning already covered (an engine re-reading the store from
     * the start): it must not open the warning again */
    if (previous && sig->event_time < prev_resolved) {
        *c->out =
            (ty_warning_raised){previous, TY_RAISE_STALE, c->ra.level, c->ra.level, 0, 0, previous};
        return TY_OK;
    }

    TY_TRY(stmt(w, W_INSERT, &s));
    sqlite3_bind_text(s, 1, sig->key.detector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, sig->rule_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, sig->key.entity_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, sig->key.entity_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, platform_of(&sig->key), -1, SQLITE_STATIC);
    bind_opt_text(s, 6, sig->display_name);
    bind_opt_text(s, 7, sig->group_key);
    sqlite3_bind_int(s, 8, c->ra.level);
    sqlite3_bind_int(s, 9, c->ra.severity);
    sqlite3_bind_double(s, 10, c->ra.probability);
    sqlite3_bind_int(s, 11, c->ra.band);
    sqlite3_bind_text(s, 12, ty_risk_name(c->ra.risk), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 13, c->first);
    sqlite3_bind_int64(s, 14, c->last);
    sqlite3_bind_int64(s, 15, sig->event_time);
    sqlite3_bind_int64(s, 16, c->resolve_after);
    bind_opt_int(s, 17, previous);
    sqlite3_bind_text(s, 18, c->explanation, -1, SQLITE_STATIC);
    TY_TRY(step_done(s));
    int64_t id = sqlite3_last_insert_rowid(w->st->db);

    char reason[512], cell[200], t[TY_TIME_TEXT_MAX];
    describe_cell(c->ra.severity, c->ra.probability, c->ra.band, cell, sizeof cell);
    if (previous) {
        fmt_time(prev_resolved, t);
        snprintf(reason, sizeof reason, "%s; recurrence of warning %lld, resolved at %s", cell,
                 (long long)previous, t);
    } else {
        snprintf(reason, sizeof reason, "%s", cell);
    }
    hist h = {TY_WC_OPENED, c->now, sig->event_time, ENGINE_ACTOR, reason, 0, c->ra.level, 0};
    TY_TRY(history_add(w, id, &h));
    *c->out = (ty_warning_raised){id, TY_RAISE_OPENED, c->ra.level, c->ra.level, 0, 0, previous};
    return TY_OK;
}

static ty_err raise_body(wstmts *w, void *ctx)
{
    raise_ctx *c = ctx;
    const ty_warning_signal *sig = c->sig;
    life l;
    int found;
    TY_TRY(find_active(w, &sig->key, &l, &found));
    if (!found)
        return raise_open(w, c);

    ty_warning_raised *out = c->out;
    *out = (ty_warning_raised){
        l.id, TY_RAISE_STALE, (ty_level)l.level, (ty_level)l.level, 0, l.silenced_until > c->now,
        0};
    /* a replay or a late evaluation must not roll the warning back */
    if (sig->event_time < l.updated)
        return TY_OK;

    int level = c->ra.level;
    int cell_changed = l.severity != c->ra.severity || l.band != (int)c->ra.band;
    int rule_changed = strcmp(l.rule, sig->rule_version) != 0;
    int returned = l.clear_since != 0;
    /* an acknowledgement covered the level it was given at; a worse one needs
     * someone's attention again */
    int reopen = l.state == TY_WS_ACKNOWLEDGED && level < l.level;
    ty_warning_state state = reopen ? TY_WS_OPEN : l.state;

    sqlite3_stmt *s;
    TY_TRY(stmt(w, W_RAISE, &s));
    sqlite3_bind_int64(s, 1, l.id);
    sqlite3_bind_text(s, 2, sig->rule_version, -1, SQLITE_STATIC);
    bind_opt_text(s, 3, sig->display_name);
    bind_opt_text(s, 4, sig->group_key);
    sqlite3_bind_int(s, 5, level);
    sqlite3_bind_int(s, 6, c->ra.severity);
    sqlite3_bind_double(s, 7, c->ra.probability);
    sqlite3_bind_int(s, 8, c->ra.band);
    sqlite3_bind_text(s, 9, ty_risk_name(c->ra.risk), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, state_names[state], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 11, c->last);
    sqlite3_bind_int64(s, 12, sig->event_time);
    sqlite3_bind_int64(s, 13, c->resolve_after);
    sqlite3_bind_text(s, 14, c->explanation, -1, SQLITE_STATIC);
    TY_TRY(step_done(s));

    out->level = (ty_level)level;
    if (level == l.level && !cell_changed && !rule_changed && !returned) {
        out->outcome = TY_RAISE_REFRESHED;
        return TY_OK;
    }
    char reason[768], cell[200], t[TY_TIME_TEXT_MAX];
    describe_cell(c->ra.severity, c->ra.probability, c->ra.band, cell, sizeof cell);
    size_t n = (size_t)snprintf(reason, sizeof reason, "%s", cell);
    if (returned && n < sizeof reason) {
        fmt_time(l.clear_since, t);
        n += (size_t)snprintf(reason + n, sizeof reason - n,
                              "; condition returned before resolution (clear since %s)", t);
    }
    if (rule_changed && n < sizeof reason)
        snprintf(reason + n, sizeof reason - n, "; rule %s replaces %s", sig->rule_version, l.rule);
    ty_warning_change ch = level < l.level   ? TY_WC_ESCALATED
                           : level > l.level ? TY_WC_DEESCALATED
                                             : TY_WC_UPDATED;
    out->outcome = ch == TY_WC_ESCALATED     ? TY_RAISE_ESCALATED
                   : ch == TY_WC_DEESCALATED ? TY_RAISE_DEESCALATED
                                             : TY_RAISE_UPDATED;
    hist h = {ch,
              c->now,
              sig->event_time,
              ENGINE_ACTOR,
              reason,
              ch == TY_WC_UPDATED ? 0 : l.level,
              ch == TY_WC_UPDATED ? 0 : level,
              0};
    TY_TRY(history_add(w, l.id, &h));
    if (reopen) {
        const ty_level_info *from = ty_level_get(l.level), *to = ty_level_get(level);
        snprintf(reason, sizeof reason, "escalated from %s to %s after acknowledgement by %s",
                 from->roman, to->roman, l.acked_by);
        hist r = {TY_WC_REOPENED, c->now, sig->event_time, ENGINE_ACTOR, reason, 0, 0, 0};
        TY_TRY(history_add(w, l.id, &r));
        out->reopened = 1;
    }
    return TY_OK;
}

static ty_err check_signal(const ty_warning_signal *sig, ty_risk_assessment *ra, char *err,
                           size_t errn)
{
    if (!sig)
        return fail(err, errn, TY_EINVAL, "signal is required");
    TY_TRY(check_key(&sig->key, err, errn));
    TY_TRY(check_name("rule version", sig->rule_version, TY_WARNING_NAME_MAX, 0, err, errn));
    TY_TRY(check_text("display name", sig->display_name, TY_WARNING_KEY_MAX, 0, err, errn));
    TY_TRY(check_text("group key", sig->group_key, TY_WARNING_KEY_MAX, 0, err, errn));
    if (sig->severity < TY_SEVERITY_MIN || sig->severity > TY_SEVERITY_MAX)
        return fail(err, errn, TY_EINVAL, "severity must be 1-4 (2019/417 Table 3), got %d",
                    sig->severity);
    if (ty_risk_assess(sig->severity, sig->probability, ra) != TY_OK)
        return fail(err, errn, TY_EINVAL, "probability must be from 0 to 1, got %g",
                    sig->probability);
    if (sig->event_time <= 0)
        return fail(err, errn, TY_EINVAL, "event time is required (ms since the epoch, > 0)");
    if (sig->first_event < 0 || sig->last_event < 0)
        return fail(err, errn, TY_EINVAL, "first and last event times must not be negative");
    if (sig->window_from > sig->window_to)
        return fail(err, errn, TY_EINVAL, "the window ends before it starts");
    if (sig->resolve_after < 0 || sig->resolve_after > TY_WARNING_RESOLVE_AFTER_MAX)
        return fail(err, errn, TY_EINVAL, "resolve_after must be from 0 (default) to 366 days");
    return check_facts(sig, err, errn);
}

ty_err ty_warning_raise(ty_store *st, const ty_warning_signal *sig, ty_warning_raised *out,
                        char *err, size_t errn)
{
    raise_ctx c = {.sig = sig, .out = out};
    if (err && errn)
        err[0] = '\0';
    TY_TRY(check_signal(sig, &c.ra, err, errn));
    c.first = sig->first_event ? sig->first_event : sig->event_time;
    c.last = sig->last_event ? sig->last_event : sig->event_time;
    if (c.first > c.last)
        return fail(err, errn, TY_EINVAL, "the first event is later than the last event");
    c.resolve_after = sig->resolve_after ? sig->resolve_after : TY_WARNING_RESOLVE_AFTER_DEFAULT;
    c.now = sig->now_ms ? sig->now_ms : ty_now_ms();
    ty_buf expl;
    ty_buf_init(&expl, TY_WARNING_EXPLAIN_MAX);
    ty_err e = explain(sig, &c.ra, c.first, c.last, &expl, err, errn);
    if (e == TY_OK) {
        c.explanation = ty_buf_cstr(&expl);
        e = run_in_txn(st, raise_body, &c, err, errn);
    }
    ty_buf_free(&expl);
    return e;
}

/* ---- clear, resolve, advance ---- */

static ty_err resolve(wstmts *w, int64_t id, int64_t clear_since, int64_t due,
                      int64_t resolve_after, int64_t now)
{
    sqlite3_stmt *s;
    TY_TRY(stmt(w, W_RESOLVE, &s));
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, due);
    TY_TRY(step_done(s));
    char reason[160], t[TY_TIME_TEXT_MAX], d[32];
    fmt_time(clear_since, t);
    fmt_duration(resolve_after, d, sizeof d);
    snprintf(reason, sizeof reason, "condition clear since %s for %s", t, d);
    hist h = {TY_WC_RESOLVED, now, due, ENGINE_ACTOR, reason, 0, 0, 0};
    return history_add(w, id, &h);
}

typedef struct clear_ctx {
    const ty_warning_key *key;
    int64_t event_time, now;
    ty_warning_cleared *out;
} clear_ctx;

static ty_err clear_body(wstmts *w, void *ctx)
{
    clear_ctx *c = ctx;
    life l;
    int found;
    TY_TRY(find_active(w, c->key, &l, &found));
    if (!found) {
        *c->out = (ty_warning_cleared){0, TY_CLEAR_NONE};
        return TY_OK;
    }
    *c->out = (ty_warning_cleared){l.id, TY_CLEAR_STALE};
    if (c->event_time < l.updated)
        return TY_OK;
    if (!l.clear_since) {
        sqlite3_stmt *s;
        TY_TRY(stmt(w, W_CLEAR, &s));
        sqlite3_bind_int64(s, 1, l.id);
        sqlite3_bind_int64(s, 2, c->event_time);
        TY_TRY(step_done(s));
        char reason[160], t[TY_TIME_TEXT_MAX];
        fmt_time(c->event_time + l.resolve_after, t);
        snprintf(reason, sizeof reason, "condition clear; resolves at %s unless raised again", t);
        hist h = {TY_WC_CLEARED, c->now, c->event_time, ENGINE_ACTOR, reason, 0, 0, 0};
        TY_TRY(history_add(w, l.id, &h));
        c->out->outcome = TY_CLEAR_STARTED;
        return TY_OK;
    }
    if (l.resolve_due > c->event_time) {
        c->out->outcome = TY_CLEAR_PENDING;
        return TY_OK;
    }
    c->out->outcome = TY_CLEAR_RESOLVED;
    return resolve(w, l.id, l.clear_since, l.resolve_due, l.resolve_after, c->now);
}

ty_err ty_warning_clear(ty_store *st, const ty_warning_key *key, int64_t event_time,
                        ty_warning_cleared *out, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    TY_TRY(check_key(key, err, errn));
    if (event_time <= 0)
        return fail(err, errn, TY_EINVAL, "event time is required (ms since the epoch, > 0)");
    clear_ctx c = {key, event_time, ty_now_ms(), out};
    return run_in_txn(st, clear_body, &c, err, errn);
}

typedef struct advance_ctx {
    int64_t event_time, now, resolved;
} advance_ctx;

static ty_err advance_body(wstmts *w, void *ctx)
{
    advance_ctx *c = ctx;
    /* in runs of 256: rows are never updated under a running SELECT */
    for (;;) {
        struct {
            int64_t id, since, due, after;
        } due[256];
        size_t n = 0;
        sqlite3_stmt *s;
        TY_TRY(stmt(w, W_DUE, &s));
        sqlite3_bind_int64(s, 1, c->event_time);
        int rc = SQLITE_DONE;
        while (n < 256 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            due[n].id = sqlite3_column_int64(s, 0);
            due[n].since = sqlite3_column_int64(s, 1);
            due[n].due = sqlite3_column_int64(s, 2);
            due[n].after = sqlite3_column_int64(s, 3);
            n++;
        }
        sqlite3_reset(s);
        if (n < 256 && rc != SQLITE_DONE)
            return store_err(rc);
        for (size_t i = 0; i < n; i++) {
            TY_TRY(resolve(w, due[i].id, due[i].since, due[i].due, due[i].after, c->now));
            c->resolved++;
        }
        if (n < 256)
            return TY_OK;
    }
}

ty_err ty_warning_advance(ty_store *st, int64_t event_time, int64_t *resolved)
{
    advance_ctx c = {event_time, ty_now_ms(), 0};
    if (resolved)
        *resolved = 0;
    if (event_time <= 0)
        return TY_EINVAL;
    TY_TRY(run_in_txn(st, advance_body, &c, NULL, 0));
    if (resolved)
        *resolved = c.resolved;
    return TY_OK;
}

/* ---- people's actions ---- */

enum { ACT_ACK, ACT_SILENCE, ACT_UNSILENCE };

typedef struct act_ctx {
    const ty_warning_action *a;
    int kind;
    int64_t now;
    char *err;
    size_t errn;
} act_ctx;

static ty_err act_body(wstmts *w, void *ctx)
{
    act_ctx *c = ctx;
    const ty_warning_action *a = c->a;
    life l;
    int found;
    char t[TY_TIME_TEXT_MAX];
    TY_TRY(find_by_id(w, a->id, &l, &found));
    if (!found)
        return fail(c->err, c->errn, TY_ENOENT, "there is no warning %lld", (long long)a->id);
    if (l.state == TY_WS_RESOLVED)
        return fail(c->err, c->errn, TY_EINVAL,
                    "warning %lld is resolved; only open or acknowledged warnings can be %s",
                    (long long)a->id,
                    c->kind == ACT_ACK       ? "acknowledged"
                    : c->kind == ACT_SILENCE ? "silenced"
                                             : "unsilenced");
    sqlite3_stmt *s;
    hist h = {TY_WC_ACKNOWLEDGED, c->now, 0, a->actor, a->reason, 0, 0, 0};
    if (c->kind == ACT_ACK) {
        if (l.state == TY_WS_ACKNOWLEDGED) {
            fmt_time(l.acked_at, t);
            return fail(c->err, c->errn, TY_EINVAL,
                        "warning %lld is already acknowledged (by %s at %s)", (long long)a->id,
                        l.acked_by, t);
        }
        TY_TRY(stmt(w, W_ACK, &s));
        sqlite3_bind_int64(s, 1, a->id);
        sqlite3_bind_text(s, 2, a->actor, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, c->now);
    } else if (c->kind == ACT_SILENCE) {
        TY_TRY(stmt(w, W_SILENCE, &s));
        sqlite3_bind_int64(s, 1, a->id);
        sqlite3_bind_int64(s, 2, a->until);
        sqlite3_bind_text(s, 3, a->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, a->reason, -1, SQLITE_STATIC);
        h.change = TY_WC_SILENCED;
        h.until = a->until;
    } else {
        if (l.silenced_until <= c->now) {
            if (l.silenced_until) {
                fmt_time(l.silenced_until, t);
                return fail(c->err, c->errn, TY_EINVAL,
                            "warning %lld is not silenced (its silence ended at %s)",
                            (long long)a->id, t);
            }
            return fail(c->err, c->errn, TY_EINVAL, "warning %lld is not silenced",
                        (long long)a->id);
        }
        /* the silence ends now; who set it and why stay on the row */
        TY_TRY(stmt(w, W_SILENCE, &s));
        sqlite3_bind_int64(s, 1, a->id);
        sqlite3_bind_int64(s, 2, c->now);
        h.change = TY_WC_UNSILENCED;
    }
    TY_TRY(step_done(s));
    TY_TRY(history_add(w, a->id, &h));
    /* and into the audit trail, in the same transaction */
    char object[32];
    snprintf(object, sizeof object, "warning:%lld", (long long)a->id);
    ty_audit_field f[] = {{"reason", a->reason ? a->reason : "", 0}, {"until", NULL, a->until}};
    return ty_audit_append_fields(w->st, a->actor,
                                  c->kind == ACT_ACK       ? "warning.ack"
                                  : c->kind == ACT_SILENCE ? "warning.silence"
                                                           : "warning.unsilence",
                                  object, f, c->kind == ACT_SILENCE ? 2 : 1, NULL, c->err, c->errn);
}

static ty_err act(ty_store *st, const ty_warning_action *a, int kind, char *err, size_t errn)
{
    if (err && errn)
        err[0] = '\0';
    if (!a)
        return fail(err, errn, TY_EINVAL, "action is required");
    TY_TRY(check_text("actor", a->actor, TY_WARNING_NAME_MAX, 1, err, errn));
    TY_TRY(check_text("reason", a->reason, TY_WARNING_TEXT_MAX, kind == ACT_SILENCE, err, errn));
    act_ctx c = {a, kind, a->now_ms ? a->now_ms : ty_now_ms(), err, errn};
    if (kind == ACT_SILENCE && a->until <= c.now) {
        char t[TY_TIME_TEXT_MAX], n[TY_TIME_TEXT_MAX];
        fmt_time(a->until, t);
        fmt_time(c.now, n);
        return fail(err, errn, TY_EINVAL, "a silence must end in the future: %s is not after %s", t,
                    n);
    }
    return run_in_txn(st, act_body, &c, err, errn);
}

ty_err ty_warning_ack(ty_store *st, const ty_warning_action *a, char *err, size_t errn)
{
    return act(st, a, ACT_ACK, err, errn);
}

ty_err ty_warning_silence(ty_store *st, const ty_warning_action *a, char *err, size_t errn)
{
    return act(st, a, ACT_SILENCE, err, errn);
}

ty_err ty_warning_unsilence(ty_store *st, const ty_warning_action *a, char *err, size_t errn)
{
    return act(st, a, ACT_UNSILENCE, err, errn);
}

/* ---- reading ---- */

/* Columns of a full warning, in the order read_warning() reads them. */
#define WARNING_COLS                                                                          \
    "id, previous, detector, rule_version, entity_kind, entity_key, platform, display_name, " \
    "group_key, level, severity, probability, band, risk, state, acked_by, acked_at, "        \
    "silenced_until, silenced_by, silence_reason, first_event, last_event, opened, updated, " \
    "resolved, clear_since, resolve_after, raises, explanation"

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static void read_warning(sqlite3_stmt *s, int64_t now, ty_warning *w)
{
    int i = 0;
    w->id = sqlite3_column_int64(s, i++);
    w->previous = sqlite3_column_int64(s, i++);
    w->detector = col_text(s, i++);
    w->rule_version = col_text(s, i++);
    w->entity_kind = col_text(s, i++);
    w->entity_key = col_text(s, i++);
    w->platform = col_text(s, i++);
    w->display_name = col_text(s, i++);
    w->group_key = col_text(s, i++);
    w->level = (ty_level)sqlite3_column_int(s, i++);
    w->severity = sqlite3_column_int(s, i++);
    w->probability = sqlite3_column_double(s, i++);
    w->band = (ty_prob_band)sqlite3_column_int(s, i++);
    w->risk = risk_of(sqlite3_column_text(s, i++));
    w->state = state_of(sqlite3_column_text(s, i++));
    w->acked_by = col_text(s, i++);
    w->acked_at = sqlite3_column_int64(s, i++);
    w->silenced_until = sqlite3_column_int64(s, i++);
    w->silenced_by = col_text(s, i++);
    w->silence_reason = col_text(s, i++);
    w->first_event = sqlite3_column_int64(s, i++);
    w->last_event = sqlite3_column_int64(s, i++);
    w->opened = sqlite3_column_int64(s, i++);
    w->updated = sqlite3_column_int64(s, i++);
    w->resolved = sqlite3_column_int64(s, i++);
    w->clear_since = sqlite3_column_int64(s, i++);
    w->resolve_after = sqlite3_column_int64(s, i++);
    w->raises = sqlite3_column_int64(s, i++);
    w->explanation = col_text(s, i++);
    if (!w->platform)
        w->platform = "";
    w->silenced = w->state != TY_WS_RESOLVED && w->silenced_until > now;
}

/*
 * One statement for every filter: a NULL (or zero) parameter switches its
 * filter off. Warnings number in the thousands, not the millions of events,
 * so a plan that cannot use an index for every combination is fine; the order
 * is served by warnings_order.
 */
static const char list_sql[] =
    "SELECT " WARNING_COLS " FROM warnings WHERE (?1 = 0 OR level <= ?1) AND ("
    "(?2 & 2 <> 0 AND state = 'open') OR (?2 & 4 <> 0 AND state = 'acknowledged') OR "
    "(?2 & 8 <> 0 AND state = 'resolved')) "
    "AND (?3 IS NULL OR entity_kind = ?3) AND (?4 IS NULL OR entity_key = ?4) "
    "AND (?5 IS NULL OR platform = ?5) AND (?6 IS NULL OR detector = ?6) "
    "AND (?7 IS NULL OR group_key = ?7) "
    "AND (?8 IS NULL OR resolved IS NULL OR resolved >= ?8) AND (?9 IS NULL OR opened < ?9) "
    "AND (?10 = 0 OR level > ?11 OR (level = ?11 AND (updated < ?12 OR (updated = ?12 AND "
    "id < ?10)))) "
    "ORDER BY level, updated DESC, id DESC LIMIT ?13";

_Static_assert(TY_WS_MASK(TY_WS_OPEN) == 2 && TY_WS_MASK(TY_WS_ACKNOWLEDGED) == 4 &&
                   TY_WS_MASK(TY_WS_RESOLVED) == 8,
               "list_sql tests these state bits");

ty_err ty_warning_list(ty_store *st, const ty_warning_query *q,
                       ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx,
                       ty_warning_cursor *next, int *more)
{
    size_t limit = q->limit ? q->limit : 100;
    if (limit > 10000 || q->min_level < 0 || q->min_level > 4 || (q->entity_key && !q->entity_kind))
        return TY_EINVAL;
    if (more)
        *more = 0;
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, list_sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int(s, 1, q->min_level);
    sqlite3_bind_int(s, 2, (int)(q->states ? q->states : TY_WS_ACTIVE_SET));
    if (q->entity_kind)
        sqlite3_bind_text(s, 3, q->entity_kind, -1, SQLITE_STATIC);
    if (q->entity_key)
        sqlite3_bind_text(s, 4, q->entity_key, -1, SQLITE_STATIC);
    if (q->platform)
        sqlite3_bind_text(s, 5, q->platform, -1, SQLITE_STATIC);
    if (q->detector)
        sqlite3_bind_text(s, 6, q->detector, -1, SQLITE_STATIC);
    if (q->group_key)
        sqlite3_bind_text(s, 7, q->group_key, -1, SQLITE_STATIC);
    if (q->from)
        sqlite3_bind_int64(s, 8, q->from);
    if (q->to)
        sqlite3_bind_int64(s, 9, q->to);
    sqlite3_bind_int64(s, 10, q->after.id);
    sqlite3_bind_int(s, 11, q->after.level);
    sqlite3_bind_int64(s, 12, q->after.updated);
    sqlite3_bind_int64(s, 13, (int64_t)limit + 1); /* one more tells whether a next page exists */
    int64_t now = q->now_ms ? q->now_ms : ty_now_ms();
    ty_err e = TY_OK;
    size_t n = 0;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == limit) {
            if (more)
                *more = 1;
            break;
        }
        ty_warning w;
        read_warning(s, now, &w);
        if (next)
            *next = (ty_warning_cursor){w.level, w.updated, w.id};
        n++;
        e = fn(ctx, &w);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

/* Runs a statement selecting WARNING_COLS (bound) and hands its row to fn. */
static ty_err one_warning(sqlite3_stmt *s, int64_t now_ms,
                          ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx)
{
    int rc = sqlite3_step(s);
    ty_err e = TY_ENOENT;
    if (rc == SQLITE_ROW) {
        ty_warning w;
        read_warning(s, now_ms ? now_ms : ty_now_ms(), &w);
        e = fn(ctx, &w);
    } else if (rc != SQLITE_DONE) {
        e = store_err(rc);
    }
    sqlite3_finalize(s);
    return e;
}

ty_err ty_warning_get(ty_store *st, int64_t id, int64_t now_ms,
                      ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT " WARNING_COLS " FROM warnings WHERE id = ?1", -1,
                                &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, id);
    return one_warning(s, now_ms, fn, ctx);
}

ty_err ty_warning_find(ty_store *st, const ty_warning_key *key, int64_t now_ms,
                       ty_err (*fn)(void *ctx, const ty_warning *w), void *ctx)
{
    TY_TRY(check_key(key, NULL, 0));
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT " WARNING_COLS " FROM warnings WHERE detector = ?1 AND "
                                "entity_kind = ?2 AND entity_key = ?3 AND platform = ?4 AND "
                                "state <> 'resolved'",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    bind_key(s, key);
    return one_warning(s, now_ms, fn, ctx);
}

ty_err ty_warning_history(ty_store *st, int64_t id,
                          ty_err (*fn)(void *ctx, const ty_warning_event *ev), void *ctx)
{
    int64_t exists = 0;
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT id, warning, change, at, event_time, actor, reason, "
                                "level_from, level_to, until, (SELECT count(*) FROM warnings "
                                "WHERE id = ?1) FROM warning_history WHERE warning = ?1 "
                                "ORDER BY id",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, id);
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_warning_event ev = {
            sqlite3_column_int64(s, 0),
            sqlite3_column_int64(s, 1),
            change_of(sqlite3_column_text(s, 2)),
            sqlite3_column_int64(s, 3),
            sqlite3_column_int64(s, 4),
            col_text(s, 5),
            col_text(s, 6),
            sqlite3_column_int(s, 7),
            sqlite3_column_int(s, 8),
            sqlite3_column_int64(s, 9),
        };
        exists = sqlite3_column_int64(s, 10);
        e = fn(ctx, &ev);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_err(rc);
    /* every warning has its "opened" row, so no rows means no warning */
    return exists ? TY_OK : TY_ENOENT;
}
