/*
 * test_warnings.c - the warning lifecycle in the store (warning.h): open,
 * refresh, update, escalate, de-escalate, clear, resolve after the clear time
 * (and not before), a new warning after resolution, acknowledge, silence with
 * expiry, the history row of every change, one active warning per key,
 * bounded explanations, transactions (savepoints inside the caller's), and the
 * listing filters and paging.
 *
 * `test_warnings --fixture DB` instead writes a known set of warnings into DB
 * through the same API and exits: tests/cli/t0800-warnings.sh drives the CLI
 * against it.
 */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "check.h"
#include "store/store_impl.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

#define HOUR ((int64_t)3600 * 1000)
/* 2026-03-01T00:00:00Z: event times of the tests */
#define T0 ((int64_t)1772323200000)
/* a fixed wall clock for the tests that need one: 2026-04-01T00:00:00Z */
#define WALL ((int64_t)1775001600000)

static char dir[512];

static ty_store *open_store(const char *name)
{
    char db[700], err[512];
    snprintf(db, sizeof db, "%s/%s", dir, name);
    ty_store_opts o = {db, NULL, 16, 0};
    ty_store *st = NULL;
    ty_err e = ty_store_open(&st, &o, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "cannot open %s: %s\n", db, err);
    CHECK_INT(e, TY_OK);
    return st;
}

/* A signal for product SKU-1 on tmall-global from detector adverse_rate. */
static ty_warning_signal signal_for(const char *key, int severity, double p, int64_t t)
{
    ty_warning_signal s = {0};
    s.key = (ty_warning_key){"adverse_rate", "product", key, "tmall-global"};
    s.rule_version = "adverse_rate/1";
    s.display_name = "Glow Serum 30ml";
    s.severity = severity;
    s.probability = p;
    s.event_time = t;
    s.now_ms = WALL;
    return s;
}

/* Copies the fields the tests look at out of a callback. */
typedef struct snap {
    int found;
    ty_warning w;
    char explanation[TY_WARNING_EXPLAIN_MAX + 1];
    char acked_by[80], display[300], group[300], platform[40];
} snap;

static ty_err take(void *ctx, const ty_warning *w)
{
    snap *s = ctx;
    s->found = 1;
    s->w = *w;
    snprintf(s->explanation, sizeof s->explanation, "%s", w->explanation ? w->explanation : "");
    snprintf(s->acked_by, sizeof s->acked_by, "%s", w->acked_by ? w->acked_by : "");
    snprintf(s->display, sizeof s->display, "%s", w->display_name ? w->display_name : "");
    snprintf(s->group, sizeof s->group, "%s", w->group_key ? w->group_key : "");
    snprintf(s->platform, sizeof s->platform, "%s", w->platform);
    s->w.explanation = s->w.acked_by = s->w.display_name = s->w.group_key = NULL;
    s->w.detector = s->w.rule_version = s->w.entity_kind = s->w.entity_key = NULL;
    s->w.platform = s->w.silenced_by = s->w.silence_reason = NULL;
    return TY_OK;
}

static snap get(ty_store *st, int64_t id, int64_t now)
{
    static snap s;
    memset(&s, 0, sizeof s);
    ty_err e = ty_warning_get(st, id, now, take, &s);
    CHECK_INT(e, TY_OK);
    return s;
}

/* History as "change:from>to" words, for comparing whole sequences. */
typedef struct hist_log {
    char text[2048];
    int n;
    ty_warning_event last;
    char last_reason[1100], last_actor[80];
} hist_log;

static ty_err log_event(void *ctx, const ty_warning_event *ev)
{
    hist_log *h = ctx;
    size_t len = strlen(h->text);
    if (ev->level_from || ev->level_to)
        snprintf(h->text + len, sizeof h->text - len, "%s%s:%d>%d", h->n ? " " : "",
                 ty_warning_change_name(ev->change), ev->level_from, ev->level_to);
    else
        snprintf(h->text + len, sizeof h->text - len, "%s%s", h->n ? " " : "",
                 ty_warning_change_name(ev->change));
    h->n++;
    h->last = *ev;
    snprintf(h->last_reason, sizeof h->last_reason, "%s", ev->reason ? ev->reason : "");
    snprintf(h->last_actor, sizeof h->last_actor, "%s", ev->actor);
    h->last.reason = h->last.actor = NULL;
    return TY_OK;
}

static hist_log history(ty_store *st, int64_t id)
{
    static hist_log h;
    memset(&h, 0, sizeof h);
    CHECK_INT(ty_warning_history(st, id, log_event, &h), TY_OK);
    return h;
}

static ty_warning_raised raise_ok(ty_store *st, const ty_warning_signal *s)
{
    ty_warning_raised r;
    char err[256] = "";
    memset(&r, 0, sizeof r);
    ty_err e = ty_warning_raise(st, s, &r, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "raise failed: %s\n", err);
    CHECK_INT(e, TY_OK);
    return r;
}

/* open -> refresh -> escalate -> escalate -> de-escalate -> update (cell) ->
 * update (rule) -> stale, with the history of each step. */
static void test_open_update_escalate(void)
{
    ty_store *st = open_store("lifecycle.db");
    /* the folding-chair cell: severity 1 at 1/500 is low -> IV */
    ty_warning_signal s = signal_for("SKU-1", 1, 1.0 / 500, T0);
    s.first_event = T0 - 5 * HOUR;
    s.last_event = T0 - HOUR;
    ty_warning_raised r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_OPENED);
    CHECK_INT(r.level, TY_LEVEL_IV);
    CHECK_INT(r.previous, 0);
    int64_t id = r.id;
    snap w = get(st, id, WALL);
    CHECK_INT(w.w.state, TY_WS_OPEN);
    CHECK_INT(w.w.level, TY_LEVEL_IV);
    CHECK_INT(w.w.risk, TY_RISK_LOW);
    CHECK_INT(w.w.band, TY_BAND_1_1000);
    CHECK_INT(w.w.opened, T0);
    CHECK_INT(w.w.first_event, T0 - 5 * HOUR);
    CHECK_INT(w.w.last_event, T0 - HOUR);
    CHECK_INT(w.w.resolve_after, TY_WARNING_RESOLVE_AFTER_DEFAULT);
    CHECK_STR(w.display, "Glow Serum 30ml");
    CHECK_STR(w.platform, "tmall-global");
    CHECK_STR(history(st, id).text, "opened:0>4");

    /* the same finding again: refreshed, no history row */
    s.event_time = T0 + HOUR;
    s.first_event = T0 - 2 * HOUR; /* later findings may see a shorter past: first stays */
    s.last_event = T0 + HOUR;
    s.display_name = NULL; /* keeps the stored name */
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_REFRESHED);
    CHECK_INT(r.id, id);
    w = get(st, id, WALL);
    CHECK_INT(w.w.raises, 2);
    CHECK_INT(w.w.first_event, T0 - 5 * HOUR);
    CHECK_INT(w.w.last_event, T0 + HOUR);
    CHECK_INT(w.w.updated, T0 + HOUR);
    CHECK_INT(w.w.opened, T0);
    CHECK_STR(w.display, "Glow Serum 30ml");
    CHECK_INT(history(st, id).n, 1);

    /* severity 1 at 1/20 is medium -> III: escalated */
    s.probability = 1.0 / 20;
    s.event_time = T0 + 2 * HOUR;
    s.last_event = T0 + 30 * 60000; /* an older last event does not move it back */
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_ESCALATED);
    CHECK_INT(r.previous_level, TY_LEVEL_IV);
    CHECK_INT(r.level, TY_LEVEL_III);
    CHECK_INT(get(st, id, WALL).w.last_event, T0 + HOUR);

    /* severity 2 at 1/500 is high -> II */
    s.severity = 2;
    s.probability = 1.0 / 500;
    s.event_time = T0 + 3 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_ESCALATED);
    CHECK_INT(r.level, TY_LEVEL_II);

    /* severity 2 at 1/5 000 is medium -> III: de-escalated */
    s.probability = 1.0 / 5000;
    s.event_time = T0 + 4 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_DEESCALATED);
    CHECK_INT(r.level, TY_LEVEL_III);

    /* severity 3 at 1/50 000 is medium too: another cell, same level -> updated */
    s.severity = 3;
    s.probability = 1.0 / 50000;
    s.event_time = T0 + 5 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_UPDATED);
    CHECK_INT(r.level, TY_LEVEL_III);
    w = get(st, id, WALL);
    CHECK_INT(w.w.severity, 3);
    CHECK_INT(w.w.band, TY_BAND_1_100000);

    /* a new rule version is an update */
    s.rule_version = "adverse_rate/2";
    s.event_time = T0 + 6 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_UPDATED);
    hist_log h = history(st, id);
    CHECK_CONTAINS(h.last_reason, "rule adverse_rate/2 replaces adverse_rate/1");
    CHECK_STR(h.last_actor, "engine");
    CHECK_INT(h.last.event_time, T0 + 6 * HOUR);
    CHECK_INT(h.last.at, WALL);

    /* an evaluation older than the last update is ignored */
    s.severity = 4;
    s.probability = 0.9;
    s.event_time = T0 + 5 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_STALE);
    CHECK_INT(r.level, TY_LEVEL_III);
    CHECK_INT(get(st, id, WALL).w.level, TY_LEVEL_III);

    CHECK_STR(history(st, id).text,
              "opened:0>4 escalated:4>3 escalated:3>2 de-escalated:2>3 updated updated");
    CHECK_INT(get(st, id, WALL).w.raises, 7);
    ty_store_close(&st);
}

/* clear -> not resolved before resolve_after -> resolved at exactly
 * clear + resolve_after; a raise in between cancels the clear; a raise after
 * resolution opens a new warning linked to the old one. */
static void test_clear_and_resolve(void)
{
    ty_store *st = open_store("resolve.db");
    ty_warning_signal s = signal_for("SKU-2", 2, 1.0 / 500, T0);
    int64_t id = raise_ok(st, &s).id;
    ty_warning_cleared c;
    char err[256];
    int64_t n = -1;

    /* nothing to clear for another key; a clear older than the last update is stale */
    ty_warning_key other = {"adverse_rate", "product", "SKU-404", "tmall-global"};
    CHECK_INT(ty_warning_clear(st, &other, T0, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_NONE);
    CHECK_INT(ty_warning_clear(st, &s.key, T0 - 1, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_STALE);
    CHECK_INT(c.id, id);

    int64_t t1 = T0 + 10 * HOUR;
    CHECK_INT(ty_warning_clear(st, &s.key, t1, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_STARTED);
    snap w = get(st, id, WALL);
    CHECK_INT(w.w.clear_since, t1);
    CHECK_INT(w.w.state, TY_WS_OPEN); /* clear is not resolved */
    CHECK_INT(ty_warning_clear(st, &s.key, t1 + 71 * HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_PENDING);
    CHECK_INT(get(st, id, WALL).w.clear_since, t1); /* the clock keeps its start */

    /* the condition returns 71 h later: the clear is cancelled */
    s.event_time = t1 + 71 * HOUR;
    ty_warning_raised r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_UPDATED);
    CHECK_CONTAINS(history(st, id).last_reason, "condition returned before resolution");
    CHECK_INT(ty_warning_advance(st, t1 + 80 * HOUR, &n), TY_OK);
    CHECK_INT(n, 0);
    CHECK_INT(get(st, id, WALL).w.state, TY_WS_OPEN);

    /* clear again; advance one ms before the due time does nothing, at it resolves */
    int64_t t2 = t1 + 100 * HOUR;
    CHECK_INT(ty_warning_clear(st, &s.key, t2, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_STARTED);
    CHECK_INT(ty_warning_advance(st, t2 + 72 * HOUR - 1, &n), TY_OK);
    CHECK_INT(n, 0);
    CHECK_INT(get(st, id, WALL).w.state, TY_WS_OPEN);
    CHECK_INT(ty_warning_advance(st, t2 + 80 * HOUR, &n), TY_OK);
    CHECK_INT(n, 1);
    w = get(st, id, WALL);
    CHECK_INT(w.w.state, TY_WS_RESOLVED);
    CHECK_INT(w.w.resolved, t2 + 72 * HOUR); /* when it had been clear for 72 h */
    CHECK_INT(w.w.updated, t2 + 72 * HOUR);
    hist_log h = history(st, id);
    CHECK_STR(h.text, "opened:0>2 cleared updated cleared resolved");
    CHECK_INT(h.last.event_time, t2 + 72 * HOUR);
    CHECK_CONTAINS(h.last_reason, "for 72 h");
    CHECK_INT(ty_warning_advance(st, t2 + 90 * HOUR, &n), TY_OK);
    CHECK_INT(n, 0);
    /* a resolved warning is not the key's active one any more */
    snap none = {0};
    CHECK_INT(ty_warning_find(st, &s.key, WALL, take, &none), TY_ENOENT);
    CHECK_INT(ty_warning_clear(st, &s.key, t2 + 91 * HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_NONE);

    /* the condition returns after resolution: a new warning, linked */
    s.event_time = t2 + 100 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_OPENED);
    CHECK(r.id != id);
    CHECK_INT(r.previous, id);
    CHECK_INT(get(st, r.id, WALL).w.previous, id);
    CHECK_CONTAINS(history(st, r.id).last_reason, "recurrence of warning");
    CHECK_INT(get(st, id, WALL).w.state, TY_WS_RESOLVED);

    /* resolution through clear() itself, with a shorter resolve_after */
    ty_warning_signal q = signal_for("SKU-3", 1, 0.6, T0);
    q.resolve_after = 6 * HOUR;
    int64_t qid = raise_ok(st, &q).id;
    CHECK_INT(ty_warning_clear(st, &q.key, T0 + HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_STARTED);
    CHECK_INT(ty_warning_clear(st, &q.key, T0 + 7 * HOUR - 1, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_PENDING);
    CHECK_INT(ty_warning_clear(st, &q.key, T0 + 7 * HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(c.outcome, TY_CLEAR_RESOLVED);
    CHECK_INT(get(st, qid, WALL).w.resolved, T0 + 7 * HOUR);
    CHECK_CONTAINS(history(st, qid).last_reason, "for 6 h");
    ty_store_close(&st);
}

static void test_ack_and_silence(void)
{
    ty_store *st = open_store("people.db");
    char err[256];
    ty_warning_signal s = signal_for("SKU-5", 1, 1.0 / 500, T0); /* IV */
    int64_t id = raise_ok(st, &s).id;

    ty_warning_action a = {id, "zhang.wei", "called the platform", 0, WALL};
    CHECK_INT(ty_warning_ack(st, &a, err, sizeof err), TY_OK);
    snap w = get(st, id, WALL);
    CHECK_INT(w.w.state, TY_WS_ACKNOWLEDGED);
    CHECK_STR(w.acked_by, "zhang.wei");
    CHECK_INT(w.w.acked_at, WALL);
    CHECK_INT(ty_warning_ack(st, &a, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "already acknowledged (by zhang.wei at 2026-04-01T00:00:00Z)");
    ty_warning_action missing = {id + 1000, "zhang.wei", NULL, 0, WALL};
    CHECK_INT(ty_warning_ack(st, &missing, err, sizeof err), TY_ENOENT);
    CHECK_CONTAINS(err, "there is no warning");
    ty_warning_action noone = {id, "", NULL, 0, WALL};
    CHECK_INT(ty_warning_ack(st, &noone, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "actor is required");

    /* de-escalation keeps the acknowledgement; escalation reopens */
    s.probability = 1.0 / 20; /* III */
    s.event_time = T0 + HOUR;
    ty_warning_raised r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_ESCALATED);
    CHECK_INT(r.reopened, 1);
    w = get(st, id, WALL);
    CHECK_INT(w.w.state, TY_WS_OPEN);
    CHECK_STR(w.acked_by, "");
    hist_log h = history(st, id);
    CHECK_STR(h.text, "opened:0>4 acknowledged escalated:4>3 reopened");
    CHECK_CONTAINS(h.last_reason, "escalated from IV to III after acknowledgement by zhang.wei");
    CHECK_INT(ty_warning_ack(st, &a, err, sizeof err), TY_OK);
    s.probability = 1.0 / 500; /* IV again */
    s.event_time = T0 + 2 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_DEESCALATED);
    CHECK_INT(r.reopened, 0);
    CHECK_INT(get(st, id, WALL).w.state, TY_WS_ACKNOWLEDGED);

    /* silence: a reason and a future end are required */
    ty_warning_action sil = {id, "li.na", NULL, WALL + HOUR, WALL};
    CHECK_INT(ty_warning_silence(st, &sil, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "reason is required");
    sil.reason = "platform is recalling the batch";
    sil.until = WALL;
    CHECK_INT(ty_warning_silence(st, &sil, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "a silence must end in the future");
    sil.until = WALL + HOUR;
    CHECK_INT(ty_warning_silence(st, &sil, err, sizeof err), TY_OK);
    CHECK_INT(get(st, id, WALL).w.silenced, 1);
    CHECK_INT(get(st, id, WALL + HOUR - 1).w.silenced, 1);
    CHECK_INT(get(st, id, WALL + HOUR).w.silenced, 0); /* expired */
    CHECK_INT(get(st, id, WALL).w.silenced_until, WALL + HOUR);

    /* a silenced warning still updates and escalates, and says it is silenced */
    s.severity = 4;
    s.probability = 0.6; /* I */
    s.event_time = T0 + 3 * HOUR;
    s.now_ms = WALL + 60000;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_ESCALATED);
    CHECK_INT(r.level, TY_LEVEL_I);
    CHECK_INT(r.silenced, 1);
    s.now_ms = WALL + 2 * HOUR; /* after the expiry */
    s.event_time = T0 + 4 * HOUR;
    r = raise_ok(st, &s);
    CHECK_INT(r.outcome, TY_RAISE_REFRESHED);
    CHECK_INT(r.silenced, 0);

    /* unsilence ends it now; a second unsilence has nothing to end */
    ty_warning_action un = {id, "li.na", "recall finished", 0, WALL + 60000};
    CHECK_INT(ty_warning_unsilence(st, &un, err, sizeof err), TY_OK);
    CHECK_INT(get(st, id, WALL + 60000).w.silenced, 0);
    CHECK_INT(ty_warning_unsilence(st, &un, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "is not silenced (its silence ended at 2026-04-01T00:01:00Z)");
    h = history(st, id);
    CHECK_STR(h.text, "opened:0>4 acknowledged escalated:4>3 reopened acknowledged "
                      "de-escalated:3>4 silenced escalated:4>1 reopened unsilenced");
    CHECK_STR(h.last_actor, "li.na");
    CHECK_STR(h.last_reason, "recall finished");
    CHECK_INT(h.last.event_time, 0); /* people's actions carry no event time */

    /* silence history keeps its end; a resolved warning takes no more actions */
    ty_warning_action sil2 = {id, "li.na", "again", WALL + 5 * HOUR, WALL + 2 * HOUR};
    CHECK_INT(ty_warning_silence(st, &sil2, err, sizeof err), TY_OK);
    h = history(st, id);
    CHECK_INT(h.last.until, WALL + 5 * HOUR);
    ty_warning_cleared c;
    CHECK_INT(ty_warning_clear(st, &s.key, T0 + 5 * HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(ty_warning_advance(st, T0 + 100 * HOUR, NULL), TY_OK);
    CHECK_INT(get(st, id, WALL + 2 * HOUR).w.silenced, 0); /* ends with the warning */
    ty_warning_action late = {id, "li.na", "too late", WALL + 9 * HOUR, WALL + 2 * HOUR};
    CHECK_INT(ty_warning_ack(st, &late, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "is resolved");
    CHECK_INT(ty_warning_silence(st, &late, err, sizeof err), TY_EINVAL);
    CHECK_INT(ty_warning_unsilence(st, &late, err, sizeof err), TY_EINVAL);
    ty_store_close(&st);
}

/* One active warning per key, enforced by the store itself; keys differ by
 * each of their four parts; the history cannot be rewritten. */
static void test_one_active_per_key(void)
{
    ty_store *st = open_store("keys.db");
    ty_warning_signal s = signal_for("SKU-7", 2, 1.0 / 500, T0);
    int64_t a = raise_ok(st, &s).id;
    CHECK_INT(raise_ok(st, &s).id, a);
    s.key.platform = "jd-intl";
    int64_t b = raise_ok(st, &s).id;
    s.key.platform = NULL; /* across platforms */
    int64_t c = raise_ok(st, &s).id;
    s.key.platform = "";
    CHECK_INT(raise_ok(st, &s).id, c); /* NULL and "" are the same key */
    s.key.detector = "return_rate";
    int64_t d = raise_ok(st, &s).id;
    s.key.entity_kind = "batch";
    int64_t e = raise_ok(st, &s).id;
    CHECK(a != b && b != c && c != d && d != e && a != c);
    int64_t v = 0;
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warnings", &v), TY_OK);
    CHECK_INT(v, 5);

    /* the partial unique index refuses a second active row even from raw SQL */
    sqlite3 *db = st->db;
    CHECK_INT(sqlite3_exec(db,
                           "INSERT INTO warnings(detector, rule_version, entity_kind, entity_key, "
                           "platform, level, severity, probability, band, risk, state, "
                           "first_event, last_event, opened, updated, resolve_after, explanation) "
                           "SELECT detector, rule_version, entity_kind, entity_key, platform, "
                           "level, severity, probability, band, risk, 'open', first_event, "
                           "last_event, opened, updated, resolve_after, explanation FROM "
                           "warnings WHERE id = 1",
                           NULL, NULL, NULL) &
                  0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(sqlite3_exec(db, "UPDATE warning_history SET actor = 'x'", NULL, NULL, NULL) & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(sqlite3_exec(db, "DELETE FROM warning_history", NULL, NULL, NULL) & 0xff,
              SQLITE_CONSTRAINT);
    ty_store_close(&st);
}

/* Explanations: their fields, the seqs bound, the byte bound under the worst
 * inputs the limits allow, and refused inputs with messages. */
static void test_explanations(void)
{
    ty_store *st = open_store("explain.db");
    char err[256];
    ty_warning_stat stats[2] = {{"prr", 3.25, 2.0}, {"cases", 7, NAN}};
    ty_warning_input inputs[2] = {{"a", 7, NULL}, {"baseline", 0, "median of 28 days"}};
    int64_t seqs[250];
    for (int i = 0; i < 250; i++)
        seqs[i] = 1000 + i;
    ty_warning_signal s = signal_for("SKU-9", 3, 1.0 / 500, T0 + 30 * 60000);
    s.group_key = "batch:tmall-global:LOT7";
    s.window_from = T0 - 24 * HOUR;
    s.window_to = T0;
    s.stats = stats;
    s.nstats = 2;
    s.inputs = inputs;
    s.ninputs = 2;
    s.seqs = seqs;
    s.nseqs = 250;
    s.note = "7 allergy reports in 24 h against 0.4 expected";
    int64_t id = raise_ok(st, &s).id;
    snap w = get(st, id, WALL);
    char perr[256];
    yajl_val x = yajl_tree_parse(w.explanation, perr, sizeof perr);
    CHECK(x != NULL);
    if (x) {
        const char *p_rule[] = {"rule_version", NULL}, *p_band[] = {"risk", "band", NULL},
                   *p_level[] = {"risk", "level", NULL}, *p_zh[] = {"risk", "level_zh", NULL},
                   *p_from[] = {"window", "from", NULL}, *p_count[] = {"events", "count", NULL},
                   *p_seqs[] = {"events", "seqs", NULL}, *p_trunc[] = {"events", "truncated", NULL},
                   *p_stats[] = {"statistics", NULL}, *p_inputs[] = {"inputs", NULL},
                   *p_group[] = {"entity", "group", NULL}, *p_matrix[] = {"risk", "matrix", NULL};
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_rule, yajl_t_string)), "adverse_rate/1");
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_band, yajl_t_string)), "> 1/1 000");
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_level, yajl_t_string)), "I");
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_zh, yajl_t_string)), "特别严重");
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_from, yajl_t_string)), "2026-02-28T00:00:00Z");
        CHECK_STR(YAJL_GET_STRING(yajl_tree_get(x, p_group, yajl_t_string)),
                  "batch:tmall-global:LOT7");
        CHECK_CONTAINS(YAJL_GET_STRING(yajl_tree_get(x, p_matrix, yajl_t_string)), "2019/417");
        yajl_val cnt = yajl_tree_get(x, p_count, yajl_t_number);
        CHECK_INT(cnt ? YAJL_GET_INTEGER(cnt) : -1, 250);
        yajl_val sq = yajl_tree_get(x, p_seqs, yajl_t_array);
        CHECK_INT(sq ? (long long)YAJL_GET_ARRAY(sq)->len : -1, TY_WARNING_SEQS_MAX);
        if (sq)
            CHECK_INT(YAJL_GET_INTEGER(YAJL_GET_ARRAY(sq)->values[0]), 1000);
        CHECK(YAJL_IS_TRUE(yajl_tree_get(x, p_trunc, yajl_t_any)));
        yajl_val st2 = yajl_tree_get(x, p_stats, yajl_t_array);
        CHECK_INT(st2 ? (long long)YAJL_GET_ARRAY(st2)->len : -1, 2);
        yajl_val in = yajl_tree_get(x, p_inputs, yajl_t_array);
        CHECK_INT(in ? (long long)YAJL_GET_ARRAY(in)->len : -1, 2);
        yajl_tree_free(x);
    }
    CHECK_CONTAINS(w.explanation, "{\"name\":\"cases\",\"value\":7,\"threshold\":null}");
    CHECK_CONTAINS(w.explanation, "{\"name\":\"prr\",\"value\":3.25,\"threshold\":2}");
    CHECK_CONTAINS(w.explanation, "\"value\":\"median of 28 days\"");

    /* the worst case the limits allow: every name and text at its maximum, made of
     * characters JSON must escape, every list full */
    static char key[TY_WARNING_KEY_MAX + 1], text[TY_WARNING_TEXT_MAX + 1],
        name[TY_WARNING_NAME_MAX + 1], itext[TY_WARNING_INPUT_MAX + 1];
    memset(key, '"', TY_WARNING_KEY_MAX);
    memset(text, '\\', TY_WARNING_TEXT_MAX);
    memset(name, '9', TY_WARNING_NAME_MAX);
    memset(itext, '"', TY_WARNING_INPUT_MAX);
    ty_warning_stat bigs[TY_WARNING_FACTS_MAX];
    ty_warning_input bigi[TY_WARNING_FACTS_MAX];
    for (int i = 0; i < TY_WARNING_FACTS_MAX; i++) {
        bigs[i] = (ty_warning_stat){name, -1.2345678901234567e-300, -9.876543210987654e+300};
        bigi[i] = (ty_warning_input){name, 0, itext};
    }
    int64_t bigseq[TY_WARNING_SEQS_MAX + 5];
    for (int i = 0; i < TY_WARNING_SEQS_MAX + 5; i++)
        bigseq[i] = INT64_MAX - i;
    ty_warning_signal b = signal_for(key, 4, 1.0, T0);
    b.key.detector = name;
    b.rule_version = name;
    b.display_name = key;
    b.group_key = key;
    b.key.platform = "abcdefghijklmnopqrstuvwxyz012345";
    b.window_from = T0 - 1;
    b.window_to = T0;
    b.stats = bigs;
    b.nstats = TY_WARNING_FACTS_MAX;
    b.inputs = bigi;
    b.ninputs = TY_WARNING_FACTS_MAX;
    b.seqs = bigseq;
    b.nseqs = TY_WARNING_SEQS_MAX + 5;
    b.note = text;
    int64_t bid = raise_ok(st, &b).id;
    w = get(st, bid, WALL);
    size_t len = strlen(w.explanation);
    CHECK(len > 8000); /* it really is the worst case */
    CHECK(len <= TY_WARNING_EXPLAIN_MAX);
    yajl_val bx = yajl_tree_parse(w.explanation, perr, sizeof perr);
    CHECK(bx != NULL);
    yajl_tree_free(bx);

    /* refused, with a message naming the field */
    ty_warning_raised r;
    ty_warning_signal bad = s;
    bad.nstats = TY_WARNING_FACTS_MAX + 1;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "17 statistics given; at most 16 are kept");
    bad = s;
    bad.note = "bad \xff byte";
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "note is not valid UTF-8");
    bad = s;
    bad.key.entity_key = "line\nbreak";
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "entity key contains a control character at byte 5");
    bad = s;
    bad.key.entity_kind = "Product";
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "entity kind \"Product\": character 1 is not allowed");
    bad = s;
    bad.severity = 5;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "severity must be 1-4 (2019/417 Table 3), got 5");
    bad = s;
    bad.probability = NAN;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "probability must be from 0 to 1");
    bad = s;
    bad.event_time = 0;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "event time is required");
    bad = s;
    bad.first_event = T0 + 5 * HOUR;
    bad.last_event = T0;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "the first event is later than the last event");
    bad = s;
    bad.key.platform = "-x";
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    bad = s;
    bad.inputs = (ty_warning_input[]){{"ok", 0, "tab\there"}};
    bad.ninputs = 1;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    CHECK_STR(err, "input 1 text contains a control character at byte 4");
    bad = s;
    bad.resolve_after = -1;
    CHECK_INT(ty_warning_raise(st, &bad, &r, err, sizeof err), TY_EINVAL);
    ty_store_close(&st);
}

/* A history row that fails: used to make a raise fail half-way. */
static int fail_on_boom(ty_store *st)
{
    return sqlite3_exec(st->db,
                        "CREATE TEMP TRIGGER boom BEFORE INSERT ON warning_history WHEN "
                        "(SELECT entity_key FROM warnings WHERE id = NEW.warning) = 'BOOM' "
                        "BEGIN SELECT RAISE(ABORT, 'boom'); END",
                        NULL, NULL, NULL);
}

/* Inside the caller's transaction (savepoints) and on its own. */
static void test_transactions(void)
{
    ty_store *st = open_store("txn.db");
    int64_t v = -1;
    /* rolled back with the caller */
    CHECK_INT(ty_store_begin(st), TY_OK);
    ty_warning_signal s = signal_for("SKU-T1", 2, 1.0 / 500, T0);
    raise_ok(st, &s);
    ty_store_rollback(st);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warnings", &v), TY_OK);
    CHECK_INT(v, 0);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warning_history", &v), TY_OK);
    CHECK_INT(v, 0);

    /* a raise that fails half-way (its warning row written, its history row
     * refused) is undone alone; the caller's transaction goes on and commits */
    CHECK_INT(fail_on_boom(st), SQLITE_OK);
    CHECK_INT(ty_store_begin(st), TY_OK);
    raise_ok(st, &s);
    ty_warning_signal boom = signal_for("BOOM", 2, 1.0 / 500, T0);
    ty_warning_raised r;
    char err[256];
    CHECK_INT(ty_warning_raise(st, &boom, &r, err, sizeof err), TY_EDUP);
    CHECK_CONTAINS(err, "boom");
    ty_warning_signal s2 = signal_for("SKU-T2", 1, 1.0 / 500, T0);
    raise_ok(st, &s2);
    CHECK_INT(ty_store_commit(st), TY_OK);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warnings", &v), TY_OK);
    CHECK_INT(v, 2);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warnings WHERE entity_key = 'BOOM'", &v),
              TY_OK);
    CHECK_INT(v, 0);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM warning_history", &v), TY_OK);
    CHECK_INT(v, 2);

    /* on its own: durable on return, seen by a second connection */
    CHECK_INT(ty_warning_raise(st, &boom, &r, err, sizeof err), TY_EDUP);
    ty_warning_signal s3 = signal_for("SKU-T3", 1, 1.0 / 500, T0);
    raise_ok(st, &s3);
    ty_store *other = open_store("txn.db");
    CHECK_INT(ty_store_query_int(other, "SELECT count(*) FROM warnings", &v), TY_OK);
    CHECK_INT(v, 3);
    ty_store_close(&other);
    ty_store_close(&st);
}

/* ---- listing ---- */

typedef struct ids {
    int64_t id[64];
    int n;
} ids;

static ty_err collect(void *ctx, const ty_warning *w)
{
    ids *l = ctx;
    if (l->n < 64)
        l->id[l->n++] = w->id;
    return TY_OK;
}

static ids list(ty_store *st, const ty_warning_query *q)
{
    static ids l;
    memset(&l, 0, sizeof l);
    CHECK_INT(ty_warning_list(st, q, collect, &l, NULL, NULL), TY_OK);
    return l;
}

static void ids_text(const ids *l, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < l->n && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "," : "", (long long)l->id[i]);
}

#define CHECK_IDS(q, expected)            \
    do {                                  \
        char got_[256];                   \
        ids l_ = list(st, q);             \
        ids_text(&l_, got_, sizeof got_); \
        CHECK_STR(got_, expected);        \
    } while (0)

static void test_listing(void)
{
    ty_store *st = open_store("list.db");
    char err[256];
    /* 1: I, product SKU-A tmall, group LOT7, updated T0+3h */
    ty_warning_signal s = signal_for("SKU-A", 3, 1.0 / 500, T0 + 3 * HOUR);
    s.group_key = "batch:LOT7";
    CHECK_INT(raise_ok(st, &s).id, 1);
    /* 2: IV, product SKU-B tmall, group LOT7, T0+1h */
    s = signal_for("SKU-B", 1, 1.0 / 500, T0 + HOUR);
    s.group_key = "batch:LOT7";
    CHECK_INT(raise_ok(st, &s).id, 2);
    /* 3: II, product SKU-A on jd-intl, return_rate, T0+2h */
    s = signal_for("SKU-A", 2, 1.0 / 500, T0 + 2 * HOUR);
    s.key.platform = "jd-intl";
    s.key.detector = "return_rate";
    CHECK_INT(raise_ok(st, &s).id, 3);
    /* 4: III, merchant M-9 across platforms, T0+4h; acknowledged */
    s = signal_for("M-9", 1, 1.0 / 20, T0 + 4 * HOUR);
    s.key.entity_kind = "merchant";
    s.key.platform = NULL;
    CHECK_INT(raise_ok(st, &s).id, 4);
    ty_warning_action a = {4, "wang", NULL, 0, WALL};
    CHECK_INT(ty_warning_ack(st, &a, err, sizeof err), TY_OK);
    /* 5: II, product SKU-C tmall, T0+2h (same level and time as 3); resolved at T0+8h */
    s = signal_for("SKU-C", 2, 1.0 / 500, T0 + 2 * HOUR);
    CHECK_INT(raise_ok(st, &s).id, 5);
    ty_warning_cleared c;
    CHECK_INT(ty_warning_clear(st, &s.key, T0 + 2 * HOUR, &c, err, sizeof err), TY_OK);
    CHECK_INT(ty_warning_advance(st, T0 + 9 * HOUR, NULL), TY_OK); /* due only at +74 h */
    CHECK_INT(get(st, 5, WALL).w.state, TY_WS_OPEN);
    CHECK_INT(ty_warning_advance(st, T0 + 74 * HOUR, NULL), TY_OK);
    CHECK_INT(get(st, 5, WALL).w.state, TY_WS_RESOLVED);

    ty_warning_query q = {0};
    q.now_ms = WALL;
    /* default: active ones, I first, then by most recent update */
    CHECK_IDS(&q, "1,3,4,2");
    q.states = TY_WS_ALL_SET;
    CHECK_IDS(&q, "1,5,3,4,2"); /* 5 was updated (resolved) at T0+74h */
    q.states = TY_WS_MASK(TY_WS_RESOLVED);
    CHECK_IDS(&q, "5");
    q.states = TY_WS_MASK(TY_WS_ACKNOWLEDGED);
    CHECK_IDS(&q, "4");
    q.states = TY_WS_MASK(TY_WS_OPEN);
    CHECK_IDS(&q, "1,3,2");
    q.states = 0;
    q.min_level = TY_LEVEL_II;
    CHECK_IDS(&q, "1,3");
    q.min_level = TY_LEVEL_I;
    CHECK_IDS(&q, "1");
    q.min_level = 0;
    q.entity_kind = "product";
    q.entity_key = "SKU-A";
    CHECK_IDS(&q, "1,3");
    q.platform = "jd-intl";
    CHECK_IDS(&q, "3");
    q.platform = "";
    CHECK_IDS(&q, "");
    q.entity_kind = "merchant";
    q.entity_key = "M-9";
    CHECK_IDS(&q, "4");
    q.entity_key = NULL;
    q.platform = NULL;
    q.entity_kind = "product";
    q.detector = "return_rate";
    CHECK_IDS(&q, "3");
    q.detector = NULL;
    q.entity_kind = NULL;
    q.group_key = "batch:LOT7";
    CHECK_IDS(&q, "1,2");
    q.group_key = NULL;
    /* time range: active at some time in [from, to) */
    q.states = TY_WS_ALL_SET;
    q.to = T0 + 2 * HOUR; /* opened before T0+2h */
    CHECK_IDS(&q, "2");
    q.to = T0 + 2 * HOUR + 1;
    CHECK_IDS(&q, "5,3,2");
    q.to = 0;
    q.from = T0 + 75 * HOUR; /* 5 resolved at T0+74h */
    CHECK_IDS(&q, "1,3,4,2");
    q.from = T0 + 74 * HOUR;
    CHECK_IDS(&q, "1,5,3,4,2");
    q.from = 0;

    /* paging: two at a time gives the same order, and says when it is done */
    char all[256] = "";
    size_t len = 0;
    int more = 1, pages = 0;
    q.limit = 2;
    while (more && pages < 10) {
        ids page = {{0}, 0};
        ty_warning_cursor next = {0, 0, 0};
        CHECK_INT(ty_warning_list(st, &q, collect, &page, &next, &more), TY_OK);
        for (int i = 0; i < page.n; i++)
            len += (size_t)snprintf(all + len, sizeof all - len, "%s%lld", len ? "," : "",
                                    (long long)page.id[i]);
        q.after = next;
        pages++;
    }
    CHECK_STR(all, "1,5,3,4,2");
    CHECK_INT(pages, 3);

    /* bad queries */
    ty_warning_query bad = {0};
    bad.entity_key = "SKU-A";
    CHECK_INT(ty_warning_list(st, &bad, collect, NULL, NULL, NULL), TY_EINVAL);
    bad.entity_key = NULL;
    bad.limit = 10001;
    CHECK_INT(ty_warning_list(st, &bad, collect, NULL, NULL, NULL), TY_EINVAL);

    /* get / history of a warning that does not exist */
    snap none = {0};
    CHECK_INT(ty_warning_get(st, 99, WALL, take, &none), TY_ENOENT);
    hist_log h = {0};
    CHECK_INT(ty_warning_history(st, 99, log_event, &h), TY_ENOENT);
    ty_store_close(&st);
}

/* ---- the CLI test's fixture ---- */

static int fixture(const char *path)
{
    ty_store_opts o = {path, NULL, 16, 0};
    ty_store *st = NULL;
    char err[512];
    if (ty_store_open(&st, &o, err, sizeof err) != TY_OK) {
        fprintf(stderr, "test_warnings: %s\n", err);
        return 1;
    }
    ty_warning_stat stats[] = {{"prr", 4.61, 2}, {"cases", 5, 3}};
    int64_t seqs[] = {11, 12, 15, 19, 23};
    /* 1: I - severity 3 at 1/500 */
    ty_warning_signal a = signal_for("SKU-1", 3, 1.0 / 500, T0 + 3 * HOUR);
    a.now_ms = 0;
    a.group_key = "batch:tmall-global:LOT7";
    a.first_event = T0 - 20 * HOUR;
    a.last_event = T0 + 2 * HOUR;
    a.window_from = T0 - 21 * HOUR;
    a.window_to = T0 + 3 * HOUR;
    a.stats = stats;
    a.nstats = 2;
    a.seqs = seqs;
    a.nseqs = 5;
    a.note = "5 allergy reports in 24 h, 1.1 expected";
    /* 2: IV - the folding-chair cell */
    ty_warning_signal b = signal_for("SKU-2", 1, 1.0 / 500, T0 + HOUR);
    b.now_ms = 0;
    b.key.detector = "return_rate";
    b.key.platform = "jd-intl";
    b.display_name = "Hydra Cream";
    /* 3: III, then resolved */
    ty_warning_signal c = signal_for("M-9", 2, 1.0 / 5000, T0 + 2 * HOUR);
    c.now_ms = 0;
    c.key.detector = "counterfeit";
    c.key.entity_kind = "merchant";
    c.display_name = "Sunny Trading";
    /* 4: II, across platforms, then escalated from III */
    ty_warning_signal d = signal_for("AcmeBeauty", 2, 1.0 / 5000, T0);
    d.now_ms = 0;
    d.key.entity_kind = "brand";
    d.key.platform = NULL;
    d.display_name = "Acme Beauty 艾美";
    ty_warning_raised r;
    ty_warning_cleared cl;
    int ok = ty_store_begin(st) == TY_OK && ty_warning_raise(st, &a, &r, err, sizeof err) == 0 &&
             ty_warning_raise(st, &b, &r, err, sizeof err) == 0 &&
             ty_warning_raise(st, &c, &r, err, sizeof err) == 0 &&
             ty_warning_raise(st, &d, &r, err, sizeof err) == 0 &&
             ty_warning_clear(st, &c.key, T0 + 4 * HOUR, &cl, err, sizeof err) == 0 &&
             ty_warning_advance(st, T0 + 80 * HOUR, NULL) == 0 && ty_store_commit(st) == TY_OK;
    d.probability = 1.0 / 500;
    d.event_time = T0 + 5 * HOUR;
    ok = ok && ty_warning_raise(st, &d, &r, err, sizeof err) == 0;
    if (!ok)
        fprintf(stderr, "test_warnings: fixture: %s\n", err);
    ty_store_close(&st);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--fixture") == 0)
        return fixture(argv[2]);
    snprintf(dir, sizeof dir, "%s/test_warnings.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    mkdir(dir, 0700);
    test_open_update_escalate();
    test_clear_and_resolve();
    test_ack_and_silence();
    test_one_active_per_key();
    test_explanations();
    test_transactions();
    test_listing();
    int rc = check_done("test_warnings");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (rc == 0 && system(cmd) != 0)
        return 1;
    return rc;
}
