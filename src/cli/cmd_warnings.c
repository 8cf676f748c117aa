/*
 * cmd_warnings.c - `tianyan warnings` (list, and the ack / silence / unsilence
 * subcommands) and `tianyan explain` (one warning with its explanation and
 * history). A thin client of include/tianyan/warning.h: the lifecycle rules
 * live in src/store/warnings.c.
 *
 * Times: warnings carry event time (opened, updated, first/last event) and
 * people's actions wall-clock time; both are printed as RFC 3339 in the
 * --utc-offset zone (default +08:00, as `tianyan stats`). The stored
 * explanation keeps its own times in UTC ("Z").
 *
 * Colours: level colours (I red, II orange, III yellow, IV blue) only when
 * standard output is a terminal and NO_COLOR is not set (https://no-color.org).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uniwidth.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "cli.h"
#include "cli_json.h"
#include "tianyan/risk.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

const cli_opt warnings_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"json", NULL, "print one JSON object"},
    {"min-level", "LEVEL", "I, II, III or IV: this level and more severe (default IV: all)"},
    {"entity", "KIND:ID", "only warnings about this entity (product:SKU-1, brand:Acme)"},
    {"platform", "CODE", "only warnings tied to this platform"},
    {"detector", "NAME", "only warnings of this detector"},
    {"group", "KEY", "only warnings of this group (same product, brand or batch)"},
    {"state", "STATE", "open, acknowledged, resolved, active (the default) or all"},
    {"from", "TIME", "only warnings active at or after this event time (RFC 3339)"},
    {"to", "TIME", "only warnings opened before this event time (RFC 3339)"},
    {"limit", "N", "at most N warnings (1-10000, default 100)"},
    {"after", "CURSOR", "the page after CURSOR (printed as \"next\" by the previous page)"},
    {"utc-offset", "+HH:MM", "zone times are shown in (default +08:00)"},
    {NULL, NULL, NULL},
};

const cli_opt explain_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"json", NULL, "print one JSON object"},
    {"utc-offset", "+HH:MM", "zone times are shown in (default +08:00)"},
    {NULL, NULL, NULL},
};

static const cli_opt ack_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"actor", "NAME", "who acknowledges (required; recorded in the history)"},
    {"note", "TEXT", "a note for the history"},
    {NULL, NULL, NULL},
};

static const cli_opt silence_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"actor", "NAME", "who silences (required; recorded in the history)"},
    {"reason", "TEXT", "why (required)"},
    {"until", "TIME", "end of the silence, RFC 3339 wall-clock time"},
    {"for", "DURATION", "or its length from now: 90m, 12h, 3d"},
    {NULL, NULL, NULL},
};

static const cli_opt unsilence_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"actor", "NAME", "who ends the silence (required; recorded in the history)"},
    {"reason", "TEXT", "why, for the history"},
    {NULL, NULL, NULL},
};

static int cmd_ack(const cli_cmd *c, int argc, char **argv);
static int cmd_silence(const cli_cmd *c, int argc, char **argv);
static int cmd_unsilence(const cli_cmd *c, int argc, char **argv);

/* The subcommands, each with its own option table (dispatched before parsing). */
static const cli_cmd subcommands[] = {
    {"warnings ack", "acknowledge an open warning", "--db PATH --actor NAME [--note TEXT] ID",
     "Marks warning ID acknowledged, with who and when, in its history. An acknowledged "
     "warning that later escalates is open again. Exit status: 0 done, 1 no such warning or "
     "not open, 2 usage error.",
     ack_opts, cmd_ack},
    {"warnings silence", "silence an active warning until a wall-clock time",
     "--db PATH --actor NAME --reason TEXT (--until TIME | --for DURATION) ID",
     "A silenced warning keeps updating, escalating and resolving, but is marked silenced so "
     "that notices are held back. The silence ends at its end time, by `warnings unsilence`, or "
     "with the warning. Silencing again replaces the end time. Exit status: 0 done, 1 no such "
     "warning or not active, 2 usage error.",
     silence_opts, cmd_silence},
    {"warnings unsilence", "end the silence of a warning now",
     "--db PATH --actor NAME [--reason TEXT] ID",
     "Exit status: 0 done, 1 no such warning or not silenced, 2 usage error.", unsilence_opts,
     cmd_unsilence},
};

/* ---- shared helpers ---- */

/* Opens an existing store: listing or explaining must not create an empty one. */
static ty_store *open_existing(const char *name, const char *db, const char *key)
{
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "tianyan %s: no store at %s\n", name, db);
        return NULL;
    }
    ty_store_opts so = {db, key, 0, 1}; /* never adds events */
    char err[512];
    ty_store *st = NULL;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan %s: %s\n", name, err[0] ? err : ty_err_message(e));
        return NULL;
    }
    return st;
}

static int use_colour(void)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

static void put_time(int64_t ms, int off, char out[TY_TIME_TEXT_MAX])
{
    ty_time_format(ms, off, 1, out);
}

/* A warning id: a positive integer. */
static int parse_id(const char *name, const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1) {
        fprintf(stderr, "tianyan %s: warning id must be a positive integer, got \"%s\"\n", name, s);
        return 0;
    }
    *id = v;
    return 1;
}

static int parse_offset(const char *name, const char *s, int *off)
{
    *off = 8 * 60;
    if (s && ty_offset_parse(s, off) != TY_OK) {
        fprintf(stderr, "tianyan %s: --utc-offset must look like +08:00 or Z, got \"%s\"\n", name,
                s);
        return 0;
    }
    return 1;
}

static int parse_time(const char *name, const char *opt, const char *s, int64_t *ms)
{
    const char *why = NULL;
    int off;
    if (ty_time_parse(s, strlen(s), ms, &off, &why) != TY_OK) {
        fprintf(stderr,
                "tianyan %s: --%s must be an RFC 3339 time like 2026-03-01T20:15:00+08:00, got "
                "\"%s\" (%s)\n",
                name, opt, s, why ? why : "invalid");
        return 0;
    }
    return 1;
}

/* "90m", "12h", "3d", "45s" -> ms; 0 when malformed or not positive. */
static int64_t parse_duration(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 1 || end[0] == '\0' || end[1] != '\0' || v > 366LL * 24 * 3600)
        return 0;
    switch (end[0]) {
    case 's':
        return v * 1000;
    case 'm':
        return v * 60000;
    case 'h':
        return v * 3600000;
    case 'd':
        return v * 86400000;
    default:
        return 0;
    }
}

/* ---- JSON ---- */

/* A time, or null when zero (not set). */
static void j_time(yajl_gen g, const char *k, int64_t ms, int off)
{
    char t[TY_TIME_TEXT_MAX];
    cli_j_key(g, k);
    if (!ms) {
        yajl_gen_null(g);
        return;
    }
    put_time(ms, off, t);
    yajl_gen_string(g, (const unsigned char *)t, strlen(t));
}

/* The fields of a warning both commands print; full adds what explain shows. */
static void j_warning(yajl_gen g, const ty_warning *w, int off, int full)
{
    const ty_level_info *li = ty_level_get(w->level);
    yajl_gen_map_open(g);
    cli_j_int(g, "id", w->id);
    cli_j_str(g, "level", li->roman);
    cli_j_str(g, "level_zh", li->label_zh);
    cli_j_str(g, "colour", li->colour);
    cli_j_str(g, "risk", ty_risk_name(w->risk));
    cli_j_str(g, "state", ty_warning_state_name(w->state));
    cli_j_key(g, "silenced");
    yajl_gen_bool(g, w->silenced);
    cli_j_str(g, "detector", w->detector);
    cli_j_str(g, "entity_kind", w->entity_kind);
    cli_j_str(g, "entity_id", w->entity_key);
    cli_j_str(g, "platform", w->platform);
    cli_j_str(g, "display_name", w->display_name);
    cli_j_str(g, "group", w->group_key);
    j_time(g, "opened", w->opened, off);
    j_time(g, "updated", w->updated, off);
    j_time(g, "resolved", w->resolved, off);
    j_time(g, "first_event", w->first_event, off);
    j_time(g, "last_event", w->last_event, off);
    if (full) {
        cli_j_str(g, "rule_version", w->rule_version);
        cli_j_int(g, "severity", w->severity);
        cli_j_key(g, "probability");
        char p[40];
        int n = snprintf(p, sizeof p, "%.15g", w->probability);
        yajl_gen_number(g, p, (size_t)n);
        cli_j_str(g, "band", ty_band_label(w->band));
        j_time(g, "clear_since", w->clear_since, off);
        cli_j_int(g, "resolve_after_ms", w->resolve_after);
        cli_j_int(g, "raises", w->raises);
        cli_j_key(g, "previous");
        if (w->previous)
            yajl_gen_integer(g, w->previous);
        else
            yajl_gen_null(g);
        cli_j_str(g, "acknowledged_by", w->acked_by);
        j_time(g, "acknowledged_at", w->acked_at, off);
        j_time(g, "silenced_until", w->silenced_until, off);
        cli_j_str(g, "silenced_by", w->silenced_by);
        cli_j_str(g, "silence_reason", w->silence_reason);
    }
    yajl_gen_map_close(g);
}

/* Copies a JSON text into g as one value, through yajl's parser: the stored
 * explanation is embedded as JSON, not as a string. */
static int e_null(void *g)
{
    return yajl_gen_null(g) == yajl_gen_status_ok;
}
static int e_bool(void *g, int b)
{
    return yajl_gen_bool(g, b) == yajl_gen_status_ok;
}
static int e_number(void *g, const char *s, size_t n)
{
    return yajl_gen_number(g, s, n) == yajl_gen_status_ok;
}
static int e_string(void *g, const unsigned char *s, size_t n)
{
    return yajl_gen_string(g, s, n) == yajl_gen_status_ok;
}
static int e_map_open(void *g)
{
    return yajl_gen_map_open(g) == yajl_gen_status_ok;
}
static int e_map_close(void *g)
{
    return yajl_gen_map_close(g) == yajl_gen_status_ok;
}
static int e_array_open(void *g)
{
    return yajl_gen_array_open(g) == yajl_gen_status_ok;
}
static int e_array_close(void *g)
{
    return yajl_gen_array_close(g) == yajl_gen_status_ok;
}

static const yajl_callbacks embed_cb = {
    e_null,     e_bool,   NULL,        NULL,         e_number,      e_string,
    e_map_open, e_string, e_map_close, e_array_open, e_array_close,
};

static int j_embed(yajl_gen g, const char *json)
{
    yajl_handle h = yajl_alloc(&embed_cb, NULL, g);
    if (!h)
        return 0;
    int ok = yajl_parse(h, (const unsigned char *)json, strlen(json)) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
}

/* ---- tianyan warnings (list) ---- */

typedef struct list_ctx {
    yajl_gen g; /* JSON mode */
    int off, colour;
    long count;
} list_ctx;

static void print_level(const ty_warning *w, int colour, int width)
{
    const ty_level_info *li = ty_level_get(w->level);
    char cell[64];
    snprintf(cell, sizeof cell, "%s %s", li->roman, li->label_zh);
    /* Chinese characters take two columns: pad by display width, not bytes */
    int pad = width - u8_strwidth((const uint8_t *)cell, "UTF-8");
    printf("%s%s%s%*s", colour ? li->ansi : "", cell, colour ? "\033[0m" : "", pad > 0 ? pad : 0,
           "");
}

static ty_err list_row(void *ctx, const ty_warning *w)
{
    list_ctx *c = ctx;
    c->count++;
    if (c->g) {
        j_warning(c->g, w, c->off, 0);
        return TY_OK;
    }
    char upd[TY_TIME_TEXT_MAX], state[32], entity[400];
    put_time(w->updated, c->off, upd);
    snprintf(state, sizeof state, "%s%s", ty_warning_state_name(w->state),
             w->silenced ? "+silenced" : "");
    snprintf(entity, sizeof entity, "%s:%s%s%s", w->entity_kind, w->entity_key,
             w->platform[0] ? "@" : "", w->platform);
    printf("%-6lld ", (long long)w->id);
    print_level(w, c->colour, 14);
    printf(" %-21s %-25s %-16s %s", state, upd, w->detector, entity);
    if (w->display_name)
        printf("  %s", w->display_name);
    putchar('\n');
    return TY_OK;
}

/* Cursor text: "LEVEL.UPDATED.ID". */
static int parse_cursor(const char *s, ty_warning_cursor *cur)
{
    long long lv, up, id;
    char *e1, *e2, *e3;
    errno = 0;
    lv = strtoll(s, &e1, 10);
    if (*e1 != '.')
        return 0;
    up = strtoll(e1 + 1, &e2, 10);
    if (*e2 != '.')
        return 0;
    id = strtoll(e2 + 1, &e3, 10);
    if (errno || *e3 || lv < 1 || lv > 4 || id < 1)
        return 0;
    *cur = (ty_warning_cursor){(int)lv, up, id};
    return 1;
}

static int cmd_list(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db || a.npos != 0) {
        fprintf(stderr,
                a.npos ? "tianyan warnings: unexpected argument \"%s\"\n"
                       : "tianyan warnings: --db is required%s\n",
                a.npos ? a.pos[0] : "");
        fprintf(stderr, "try: tianyan warnings --help\n");
        return CLI_USAGE;
    }
    ty_warning_query q = {0};
    int off;
    if (!parse_offset("warnings", cli_get(c, &a, "utc-offset"), &off))
        return CLI_USAGE;
    const char *v;
    if ((v = cli_get(c, &a, "min-level"))) {
        ty_level l;
        if (ty_level_parse(v, &l) != TY_OK) {
            fprintf(stderr, "tianyan warnings: --min-level must be I, II, III or IV, got \"%s\"\n",
                    v);
            return CLI_USAGE;
        }
        q.min_level = l;
    }
    char kind[64];
    if ((v = cli_get(c, &a, "entity"))) {
        const char *colon = strchr(v, ':');
        if (!colon || colon == v || !colon[1] || (size_t)(colon - v) >= sizeof kind) {
            fprintf(stderr,
                    "tianyan warnings: --entity must be KIND:ID (product:SKU-1), got \"%s\"\n", v);
            return CLI_USAGE;
        }
        snprintf(kind, sizeof kind, "%.*s", (int)(colon - v), v);
        q.entity_kind = kind;
        q.entity_key = colon + 1;
    }
    q.platform = cli_get(c, &a, "platform");
    q.detector = cli_get(c, &a, "detector");
    q.group_key = cli_get(c, &a, "group");
    if ((v = cli_get(c, &a, "state"))) {
        ty_warning_state s;
        if (strcmp(v, "all") == 0)
            q.states = TY_WS_ALL_SET;
        else if (strcmp(v, "active") == 0)
            q.states = TY_WS_ACTIVE_SET;
        else if (ty_warning_state_parse(v, &s) == TY_OK)
            q.states = TY_WS_MASK(s);
        else {
            fprintf(stderr,
                    "tianyan warnings: --state must be open, acknowledged, resolved, active or "
                    "all, got \"%s\"\n",
                    v);
            return CLI_USAGE;
        }
    }
    if ((v = cli_get(c, &a, "from")) && !parse_time("warnings", "from", v, &q.from))
        return CLI_USAGE;
    if ((v = cli_get(c, &a, "to")) && !parse_time("warnings", "to", v, &q.to))
        return CLI_USAGE;
    long long limit = 100;
    if ((v = cli_get(c, &a, "limit")) && !cli_int("limit", v, 1, 10000, &limit))
        return CLI_USAGE;
    q.limit = (size_t)limit;
    if ((v = cli_get(c, &a, "after")) && !parse_cursor(v, &q.after)) {
        fprintf(stderr,
                "tianyan warnings: --after must be a cursor printed by a previous page, "
                "got \"%s\"\n",
                v);
        return CLI_USAGE;
    }
    ty_store *st = open_existing("warnings", db, cli_get(c, &a, "key-file"));
    if (!st)
        return CLI_FAIL;

    list_ctx lc = {NULL, off, use_colour(), 0};
    int json = cli_get(c, &a, "json") != NULL;
    if (json) {
        lc.g = cli_json_new();
        if (!lc.g) {
            ty_store_close(&st);
            return CLI_FAIL;
        }
        yajl_gen_map_open(lc.g);
        cli_j_key(lc.g, "warnings");
        yajl_gen_array_open(lc.g);
    } else {
        printf("%-6s %-14s %-21s %-25s %-16s %s\n", "ID", "LEVEL", "STATE", "UPDATED (event)",
               "DETECTOR", "ENTITY");
    }
    ty_warning_cursor next = {0, 0, 0};
    int more = 0;
    ty_err e = ty_warning_list(st, &q, list_row, &lc, &next, &more);
    char cursor[80];
    snprintf(cursor, sizeof cursor, "%d.%lld.%lld", next.level, (long long)next.updated,
             (long long)next.id);
    if (json) {
        yajl_gen_array_close(lc.g);
        cli_j_str(lc.g, "next", more ? cursor : NULL);
        yajl_gen_map_close(lc.g);
        yajl_gen_free(lc.g);
        putchar('\n');
    } else if (e == TY_OK) {
        printf("%ld warning%s", lc.count, lc.count == 1 ? "" : "s");
        if (more)
            printf("; more with --after %s", cursor);
        putchar('\n');
    }
    if (e != TY_OK)
        fprintf(stderr, "tianyan warnings: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
    ty_store_close(&st);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}

int cmd_warnings(const cli_cmd *c, int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
            if (strcmp(argv[1], subcommands[i].name + strlen("warnings ")) == 0)
                return subcommands[i].run(&subcommands[i], argc - 1, argv + 1);
    return cmd_list(c, argc, argv);
}

/* ---- ack / silence / unsilence ---- */

enum { DO_ACK, DO_SILENCE, DO_UNSILENCE };

static int act(const cli_cmd *c, int argc, char **argv, int what)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db"), *actor = cli_get(c, &a, "actor");
    const char *reason = cli_get(c, &a, what == DO_ACK ? "note" : "reason");
    if (!db || !actor || a.npos != 1 || (what == DO_SILENCE && !reason)) {
        fprintf(stderr, "tianyan %s: %s\n", c->name,
                a.npos != 1 ? "one warning ID is required"
                : !db       ? "--db is required"
                : !actor    ? "--actor is required (who does this, for the history)"
                            : "--reason is required (why, for the history)");
        fprintf(stderr, "usage: tianyan %s %s\n", c->name, c->usage);
        return CLI_USAGE;
    }
    ty_warning_action act = {0, actor, reason, 0, ty_now_ms()};
    if (!parse_id(c->name, a.pos[0], &act.id))
        return CLI_USAGE;
    if (what == DO_SILENCE) {
        const char *until = cli_get(c, &a, "until"), *len = cli_get(c, &a, "for");
        if (!until == !len) {
            fprintf(stderr, "tianyan %s: give either --until TIME or --for DURATION\n", c->name);
            return CLI_USAGE;
        }
        if (until && !parse_time(c->name, "until", until, &act.until))
            return CLI_USAGE;
        if (len) {
            int64_t ms = parse_duration(len);
            if (!ms) {
                fprintf(stderr,
                        "tianyan %s: --for must be a positive number with s, m, h or d (90m, "
                        "12h, 3d), at most 366 days, got \"%s\"\n",
                        c->name, len);
                return CLI_USAGE;
            }
            act.until = (act.now_ms + ms) / 1000 * 1000; /* whole seconds read better */
        }
        if (act.until <= act.now_ms) {
            fprintf(stderr, "tianyan %s: --until %s is not in the future\n", c->name,
                    until ? until : len);
            return CLI_USAGE;
        }
    }
    ty_store *st = open_existing(c->name, db, cli_get(c, &a, "key-file"));
    if (!st)
        return CLI_FAIL;
    char err[512] = "";
    ty_err e = what == DO_ACK       ? ty_warning_ack(st, &act, err, sizeof err)
               : what == DO_SILENCE ? ty_warning_silence(st, &act, err, sizeof err)
                                    : ty_warning_unsilence(st, &act, err, sizeof err);
    if (e == TY_OK) {
        char t[TY_TIME_TEXT_MAX];
        put_time(act.until, 8 * 60, t);
        if (what == DO_SILENCE)
            printf("warning %lld silenced until %s by %s\n", (long long)act.id, t, actor);
        else
            printf("warning %lld %s by %s\n", (long long)act.id,
                   what == DO_ACK ? "acknowledged" : "unsilenced", actor);
    } else {
        fprintf(stderr, "tianyan %s: %s\n", c->name, err[0] ? err : ty_err_message(e));
    }
    ty_store_close(&st);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}

static int cmd_ack(const cli_cmd *c, int argc, char **argv)
{
    return act(c, argc, argv, DO_ACK);
}

static int cmd_silence(const cli_cmd *c, int argc, char **argv)
{
    return act(c, argc, argv, DO_SILENCE);
}

static int cmd_unsilence(const cli_cmd *c, int argc, char **argv)
{
    return act(c, argc, argv, DO_UNSILENCE);
}

/* ---- tianyan explain ---- */

typedef struct explain_ctx {
    yajl_gen g;
    int off, colour;
    char *explanation; /* copied out of the callback for the text view */
} explain_ctx;

static void row(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(const char *label, const char *fmt, ...)
{
    va_list ap;
    printf("  %-14s ", label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void print_warning_text(const ty_warning *w, int off, int colour)
{
    const ty_level_info *li = ty_level_get(w->level);
    char t1[TY_TIME_TEXT_MAX], t2[TY_TIME_TEXT_MAX], t3[TY_TIME_TEXT_MAX];
    printf("Warning %lld  %s%s %s (level %s, %s)%s  %s%s\n", (long long)w->id,
           colour ? li->ansi : "", li->zh, li->label_zh, li->roman, li->colour,
           colour ? "\033[0m" : "", ty_warning_state_name(w->state),
           w->silenced ? ", silenced" : "");
    row("detector", "%s (rule %s)", w->detector, w->rule_version);
    row("entity", "%s:%s%s%s%s%s", w->entity_kind, w->entity_key,
        w->platform[0] ? " on " : " (all platforms)", w->platform, w->display_name ? " - " : "",
        w->display_name ? w->display_name : "");
    if (w->group_key)
        row("group", "%s", w->group_key);
    row("risk", "severity %d x probability %.3g (%s) -> %s", w->severity, w->probability,
        ty_band_label(w->band), ty_risk_name(w->risk));
    put_time(w->first_event, off, t1);
    put_time(w->last_event, off, t2);
    row("events", "first %s, last %s", t1, t2);
    put_time(w->opened, off, t1);
    put_time(w->updated, off, t2);
    row("opened", "%s (event time)", t1);
    row("updated", "%s (event time; %lld raise%s)", t2, (long long)w->raises,
        w->raises == 1 ? "" : "s");
    if (w->clear_since && !w->resolved) {
        put_time(w->clear_since, off, t1);
        put_time(w->clear_since + w->resolve_after, off, t2);
        row("clear since", "%s; resolves at %s unless raised again", t1, t2);
    }
    if (w->resolved) {
        put_time(w->resolved, off, t1);
        row("resolved", "%s (event time)", t1);
    }
    if (w->acked_by) {
        put_time(w->acked_at, off, t1);
        row("acknowledged", "by %s at %s", w->acked_by, t1);
    }
    if (w->silenced_until) {
        put_time(w->silenced_until, off, t3);
        row("silence", "%s %s, by %s: %s", w->silenced ? "until" : "ended", t3,
            w->silenced_by ? w->silenced_by : "?", w->silence_reason ? w->silence_reason : "");
    }
    if (w->previous)
        row("previous", "warning %lld (resolved; this is a recurrence)", (long long)w->previous);
}

static ty_err explain_warning(void *ctx, const ty_warning *w)
{
    explain_ctx *c = ctx;
    if (c->g) {
        yajl_gen_map_open(c->g); /* only now: a missing warning prints nothing */
        cli_j_key(c->g, "warning");
        j_warning(c->g, w, c->off, 1);
        cli_j_key(c->g, "explanation");
        if (!j_embed(c->g, w->explanation))
            yajl_gen_null(c->g);
        return TY_OK;
    }
    print_warning_text(w, c->off, c->colour);
    c->explanation = strdup(w->explanation ? w->explanation : "{}");
    return c->explanation ? TY_OK : TY_ENOMEM;
}

static const char *tree_str(yajl_val v, const char **path)
{
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? YAJL_GET_STRING(s) : NULL;
}

/* A number or string value as text ("null" when neither). */
static const char *tree_text(yajl_val v)
{
    if (YAJL_IS_NUMBER(v))
        return v->u.number.r;
    if (YAJL_IS_STRING(v))
        return YAJL_GET_STRING(v);
    return "null";
}

/* The stored explanation (format 1) for people; unknown fields are skipped. */
static void print_explanation_text(const char *json)
{
    char perr[128];
    yajl_val x = yajl_tree_parse(json, perr, sizeof perr);
    printf("\nExplanation\n");
    if (!x) {
        row("(unreadable)", "%s", perr);
        return;
    }
    const char *p_eval[] = {"evaluated_at", NULL}, *p_from[] = {"window", "from", NULL},
               *p_to[] = {"window", "to", NULL}, *p_stats[] = {"statistics", NULL},
               *p_inputs[] = {"inputs", NULL}, *p_seqs[] = {"events", "seqs", NULL},
               *p_count[] = {"events", "count", NULL}, *p_note[] = {"note", NULL},
               *p_sev[] = {"risk", "severity_text", NULL}, *p_matrix[] = {"risk", "matrix", NULL},
               *p_name[] = {"name", NULL}, *p_value[] = {"value", NULL},
               *p_thr[] = {"threshold", NULL};
    if (tree_str(x, p_eval))
        row("evaluated at", "%s", tree_str(x, p_eval));
    if (tree_str(x, p_from))
        row("window", "%s to %s", tree_str(x, p_from), tree_str(x, p_to) ? tree_str(x, p_to) : "?");
    yajl_val a = yajl_tree_get(x, p_stats, yajl_t_array);
    for (size_t i = 0; a && i < YAJL_GET_ARRAY(a)->len; i++) {
        yajl_val s = YAJL_GET_ARRAY(a)->values[i];
        yajl_val thr = yajl_tree_get(s, p_thr, yajl_t_any);
        const char *name = tree_str(s, p_name);
        if (thr && !YAJL_IS_NULL(thr))
            row(i ? "" : "statistics", "%s = %s (threshold %s)", name ? name : "?",
                tree_text(yajl_tree_get(s, p_value, yajl_t_any)), tree_text(thr));
        else
            row(i ? "" : "statistics", "%s = %s", name ? name : "?",
                tree_text(yajl_tree_get(s, p_value, yajl_t_any)));
    }
    a = yajl_tree_get(x, p_inputs, yajl_t_array);
    for (size_t i = 0; a && i < YAJL_GET_ARRAY(a)->len; i++) {
        yajl_val s = YAJL_GET_ARRAY(a)->values[i];
        const char *name = tree_str(s, p_name);
        row(i ? "" : "inputs", "%s = %s", name ? name : "?",
            tree_text(yajl_tree_get(s, p_value, yajl_t_any)));
    }
    a = yajl_tree_get(x, p_seqs, yajl_t_array);
    yajl_val cnt = yajl_tree_get(x, p_count, yajl_t_number);
    if (a && YAJL_GET_ARRAY(a)->len) {
        printf("  %-14s %s event%s, seqs", "evidence", cnt ? tree_text(cnt) : "?",
               cnt && YAJL_GET_INTEGER(cnt) == 1 ? "" : "s");
        for (size_t i = 0; i < YAJL_GET_ARRAY(a)->len; i++)
            printf("%s %s", i ? "," : "", tree_text(YAJL_GET_ARRAY(a)->values[i]));
        if (cnt && YAJL_GET_INTEGER(cnt) > (long long)YAJL_GET_ARRAY(a)->len)
            printf(" (first %zu kept)", YAJL_GET_ARRAY(a)->len);
        putchar('\n');
    }
    if (tree_str(x, p_note))
        row("note", "%s", tree_str(x, p_note));
    if (tree_str(x, p_sev))
        row("severity", "%s", tree_str(x, p_sev));
    if (tree_str(x, p_matrix))
        row("matrix", "%s", tree_str(x, p_matrix));
    yajl_tree_free(x);
}

static ty_err explain_event(void *ctx, const ty_warning_event *ev)
{
    explain_ctx *c = ctx;
    char at[TY_TIME_TEXT_MAX], et[TY_TIME_TEXT_MAX], until[TY_TIME_TEXT_MAX];
    if (c->g) {
        yajl_gen g = c->g;
        yajl_gen_map_open(g);
        cli_j_str(g, "change", ty_warning_change_name(ev->change));
        j_time(g, "at", ev->at, c->off);
        j_time(g, "event_time", ev->event_time, c->off);
        cli_j_str(g, "actor", ev->actor);
        cli_j_str(g, "reason", ev->reason);
        const ty_level_info *from = ty_level_get(ev->level_from), *to = ty_level_get(ev->level_to);
        cli_j_str(g, "level_from", from ? from->roman : NULL);
        cli_j_str(g, "level_to", to ? to->roman : NULL);
        j_time(g, "until", ev->until, c->off);
        yajl_gen_map_close(g);
        return TY_OK;
    }
    put_time(ev->at, c->off, at);
    printf("  %-29s %-13s %-12s", at, ty_warning_change_name(ev->change), ev->actor);
    if (ev->level_to) {
        const ty_level_info *from = ty_level_get(ev->level_from), *to = ty_level_get(ev->level_to);
        printf(" %s%s%s", from ? from->roman : "", from ? "->" : "", to ? to->roman : "");
    }
    if (ev->event_time) {
        put_time(ev->event_time, c->off, et);
        printf(" [event time %s]", et);
    }
    if (ev->until) {
        put_time(ev->until, c->off, until);
        printf(" until %s", until);
    }
    if (ev->reason)
        printf(": %s", ev->reason);
    putchar('\n');
    return TY_OK;
}

int cmd_explain(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db || a.npos != 1) {
        fprintf(stderr, "tianyan explain: %s\n",
                !db ? "--db is required" : "one warning ID is required");
        fprintf(stderr, "usage: tianyan explain %s\n", c->usage);
        return CLI_USAGE;
    }
    int64_t id;
    int off;
    if (!parse_id("explain", a.pos[0], &id) ||
        !parse_offset("explain", cli_get(c, &a, "utc-offset"), &off))
        return CLI_USAGE;
    ty_store *st = open_existing("explain", db, cli_get(c, &a, "key-file"));
    if (!st)
        return CLI_FAIL;
    explain_ctx ec = {NULL, off, use_colour(), NULL};
    int json = cli_get(c, &a, "json") != NULL;
    if (json) {
        ec.g = cli_json_new();
        if (!ec.g) {
            ty_store_close(&st);
            return CLI_FAIL;
        }
    }
    ty_err e = ty_warning_get(st, id, 0, explain_warning, &ec);
    if (e == TY_OK) {
        if (json) {
            cli_j_key(ec.g, "history");
            yajl_gen_array_open(ec.g);
        } else {
            print_explanation_text(ec.explanation);
            printf("\nHistory (wall-clock time, change, actor)\n");
        }
        e = ty_warning_history(st, id, explain_event, &ec);
        if (json && e == TY_OK) {
            yajl_gen_array_close(ec.g);
            yajl_gen_map_close(ec.g);
            putchar('\n');
        }
    }
    if (e == TY_ENOENT)
        fprintf(stderr, "tianyan explain: there is no warning %lld\n", (long long)id);
    else if (e != TY_OK)
        fprintf(stderr, "tianyan explain: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
    if (ec.g)
        yajl_gen_free(ec.g);
    free(ec.explanation);
    ty_store_close(&st);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}
