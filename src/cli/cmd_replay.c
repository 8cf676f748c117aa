/*
 * cmd_replay.c - `tianyan replay`: recomputes the warnings from the stored
 * events under a rules file, in memory (the store is not changed), and shows
 * what those rules would change against the warnings the store holds: warnings
 * that would open, that would no longer stand, and that would change level,
 * with counts per detector over the whole history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "cli.h"
#include "cli_json.h"
#include "tianyan/engine.h"
#include "tianyan/risk.h"
#include "tianyan/rules.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

const cli_opt replay_opts[] = {
    {"db", "PATH", "store file (read only: no warning is written)"},
    {"rules", "FILE", "the rules to try (default: the built-in rules)"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"data-dir", "DIR", "lexicons and model (default: the installed data folder)"},
    {"json", NULL, "print one JSON object"},
    {"limit", "N", "changes listed per kind (default 50; counts are always whole)"},
    {NULL, NULL, NULL},
};

/* One warning, stored or replayed, by its key. */
typedef struct item {
    char *id; /* detector \x1f kind \x1f key \x1f platform */
    char *detector, *kind, *key, *platform, *display;
    int level;  /* 0: not active */
    int opened; /* replay: opened at some time; store: a row exists */
    int64_t stored_id;
} item;

typedef struct list {
    item *v;
    size_t n, cap;
} list;

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static ty_err add(list *l, const char *det, const char *kind, const char *key, const char *pf,
                  const char *display, int level, int64_t stored_id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        item *p = realloc(l->v, sizeof *p * cap);
        if (!p)
            return TY_ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    item *it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    size_t n = strlen(det) + strlen(kind) + strlen(key) + strlen(pf) + 4;
    if (!(it->id = malloc(n)))
        return TY_ENOMEM;
    snprintf(it->id, n, "%s\x1f%s\x1f%s\x1f%s", det, kind, key, pf);
    it->detector = dup(det);
    it->kind = dup(kind);
    it->key = dup(key);
    it->platform = dup(pf);
    it->display = dup(display);
    it->level = level;
    it->opened = 1;
    it->stored_id = stored_id;
    l->n++;
    if (!it->detector || !it->kind || !it->key || !it->platform || (display && !it->display))
        return TY_ENOMEM;
    return TY_OK;
}

static void list_free(list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].detector);
        free(l->v[i].kind);
        free(l->v[i].key);
        free(l->v[i].platform);
        free(l->v[i].display);
    }
    free(l->v);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const item *)a)->id, ((const item *)b)->id);
}

/* The replay's signals: each (warning key) once, active when any signal of
 * that key stands, at the highest level among them. */
static ty_err on_signal(void *ctx, const ty_engine_signal *s)
{
    list *l = ctx;
    int level = 0;
    if (s->active) {
        ty_risk_assessment ra;
        if (ty_risk_assess(s->severity, s->probability, &ra) == TY_OK)
            level = (int)ra.level;
    }
    return add(l, s->key.detector, s->key.entity_kind, s->key.entity_key, s->key.platform,
               s->display, level, 0);
}

static ty_err on_stored(void *ctx, const ty_warning *w)
{
    list *l = ctx;
    int active = w->state == TY_WS_OPEN || w->state == TY_WS_ACKNOWLEDGED;
    return add(l, w->detector, w->entity_kind, w->entity_key, w->platform, w->display_name,
               active ? (int)w->level : 0, w->id);
}

/* Sorts l and merges the rows of one key: active wins, most severe level (the
 * lowest number) kept. */
static void fold(list *l)
{
    qsort(l->v, l->n, sizeof *l->v, by_id);
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (m && strcmp(l->v[m - 1].id, l->v[i].id) == 0) {
            item *k = &l->v[m - 1], *x = &l->v[i];
            if (x->level && (!k->level || x->level < k->level)) {
                k->level = x->level;
                if (x->stored_id)
                    k->stored_id = x->stored_id;
            }
            free(x->id);
            free(x->detector);
            free(x->kind);
            free(x->key);
            free(x->platform);
            free(x->display);
            continue;
        }
        l->v[m++] = l->v[i];
    }
    l->n = m;
}

static const char *roman(int level)
{
    const ty_level_info *li = ty_level_get(level);
    return li ? li->roman : "-";
}

/* Per-detector counts (the detector part before the '.'). */
#define DETECTORS_MAX 32
typedef struct det_count {
    char name[32];
    size_t stored_ever, replay_ever, stored_active, replay_active;
} det_count;

static det_count *det_slot(det_count *d, size_t *nd, const char *detector)
{
    char name[32];
    size_t k = strcspn(detector, ".");
    snprintf(name, sizeof name, "%.*s", (int)(k < sizeof name ? k : sizeof name - 1), detector);
    for (size_t i = 0; i < *nd; i++)
        if (strcmp(d[i].name, name) == 0)
            return &d[i];
    if (*nd == DETECTORS_MAX)
        return NULL;
    det_count *x = &d[(*nd)++];
    memset(x, 0, sizeof *x);
    memcpy(x->name, name, sizeof name);
    return x;
}

/* Standing now: would open, would no longer stand, would change level. Over
 * the whole history: raised only under the new rules, only under the old. */
typedef enum { CH_NEW, CH_GONE, CH_LEVEL, CH_ONLY_NEW, CH_ONLY_OLD, CH__COUNT } change_kind;
static const char *const change_name[] = {"new", "gone", "level", "ever+", "ever-"};

typedef struct change {
    change_kind kind;
    const item *stored, *replay;
} change;

static void print_item_text(const change *c)
{
    const item *it = c->replay ? c->replay : c->stored;
    int from = c->stored ? c->stored->level : 0, to = c->replay ? c->replay->level : 0;
    printf("  %-6s %-4s -> %-4s %-24s %s:%s%s%s", change_name[c->kind], roman(from), roman(to),
           it->detector, it->kind, it->key, it->platform[0] ? "@" : "", it->platform);
    if (c->stored && c->stored->stored_id)
        printf("  (warning %lld)", (long long)c->stored->stored_id);
    if (it->display)
        printf("  %s", it->display);
    putchar('\n');
}

static void print_item_json(yajl_gen g, const change *c)
{
    const item *it = c->replay ? c->replay : c->stored;
    yajl_gen_map_open(g);
    static const char *const json_name[] = {"new", "gone", "level", "only_replayed", "only_stored"};
    cli_j_str(g, "change", json_name[c->kind]);
    cli_j_str(g, "detector", it->detector);
    cli_j_str(g, "entity_kind", it->kind);
    cli_j_str(g, "entity_id", it->key);
    cli_j_str(g, "platform", it->platform);
    cli_j_str(g, "display_name", it->display);
    cli_j_str(g, "stored_level", c->stored && c->stored->level ? roman(c->stored->level) : NULL);
    cli_j_str(g, "replayed_level", c->replay && c->replay->level ? roman(c->replay->level) : NULL);
    yajl_gen_string(g, (const unsigned char *)"warning_id", 10);
    if (c->stored && c->stored->stored_id)
        yajl_gen_integer(g, c->stored->stored_id);
    else
        yajl_gen_null(g);
    yajl_gen_map_close(g);
}

int cmd_replay(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db"), *rules_path = cli_get(c, &a, "rules");
    if (!db || a.npos) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    long long limit = 50;
    const char *v = cli_get(c, &a, "limit");
    if (v && !cli_int("--limit", v, 0, 1000000, &limit))
        return CLI_USAGE;
    ty_rules rules;
    if (cli_load_rules("replay", rules_path, &rules) != CLI_OK)
        return CLI_FAIL;

    /* 1. the replay, in memory */
    ty_engine_opts o = {0};
    o.db_path = db;
    o.key_path = cli_get(c, &a, "key-file");
    o.data_dir = cli_get(c, &a, "data-dir");
    o.rules = &rules;
    o.dry_run = 1;
    char err[512] = "";
    ty_engine *e;
    list rep = {0}, sto = {0};
    ty_engine_stats st = {0};
    int64_t t0 = ty_now_ms();
    ty_err r = ty_engine_open(&e, &o, err, sizeof err);
    if (r == TY_OK) {
        r = ty_engine_run(e, 0, &st);
        if (r == TY_OK)
            r = ty_engine_signals(e, on_signal, &rep);
        ty_engine_close(&e);
    }
    double secs = (double)(ty_now_ms() - t0) / 1000.0;

    /* 2. the stored warnings, every state */
    ty_store *s = NULL;
    if (r == TY_OK) {
        ty_store_opts so = {db, o.key_path, 0, 1};
        r = ty_store_open(&s, &so, err, sizeof err);
    }
    if (r == TY_OK) {
        ty_warning_query q;
        memset(&q, 0, sizeof q);
        q.states = TY_WS_ALL_SET;
        q.limit = 10000;
        int more = 1;
        while (r == TY_OK && more) {
            ty_warning_cursor next;
            r = ty_warning_list(s, &q, on_stored, &sto, &next, &more);
            q.after = next;
        }
    }
    ty_store_close(&s);
    if (r != TY_OK) {
        fprintf(stderr, "tianyan replay: %s\n", err[0] ? err : ty_err_message(r));
        list_free(&rep);
        list_free(&sto);
        return CLI_FAIL;
    }
    fold(&rep);
    fold(&sto);

    /* 3. the difference, by key */
    det_count dc[DETECTORS_MAX];
    size_t ndc = 0;
    change *ch = malloc(sizeof *ch * (rep.n + sto.n + 1));
    size_t nch = 0, same = 0, counts[CH__COUNT] = {0};
    if (!ch) {
        list_free(&rep);
        list_free(&sto);
        return CLI_FAIL;
    }
    size_t i = 0, j = 0;
    while (i < rep.n || j < sto.n) {
        int cmp = i == rep.n ? 1 : j == sto.n ? -1 : strcmp(rep.v[i].id, sto.v[j].id);
        const item *ri = cmp <= 0 ? &rep.v[i] : NULL, *si = cmp >= 0 ? &sto.v[j] : NULL;
        det_count *d = det_slot(dc, &ndc, ri ? ri->detector : si->detector);
        if (d) {
            d->replay_ever += ri != NULL;
            d->stored_ever += si != NULL;
            d->replay_active += ri && ri->level;
            d->stored_active += si && si->level;
        }
        int rl = ri ? ri->level : 0, sl = si ? si->level : 0;
        change x = {CH_NEW, si, ri};
        if (rl && !sl)
            x.kind = CH_NEW;
        else if (!rl && sl)
            x.kind = CH_GONE;
        else if (rl && sl && rl != sl)
            x.kind = CH_LEVEL;
        else if (ri && !si)
            x.kind = CH_ONLY_NEW;
        else if (si && !ri)
            x.kind = CH_ONLY_OLD;
        else {
            same += rl && sl;
            goto next;
        }
        counts[x.kind]++;
        ch[nch++] = x;
    next:
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
    }

    if (cli_get(c, &a, "json")) {
        yajl_gen g = cli_json_new();
        if (!g) {
            free(ch);
            list_free(&rep);
            list_free(&sto);
            return CLI_FAIL;
        }
        yajl_gen_map_open(g);
        cli_j_str(g, "rules_version", rules.version);
        cli_j_str(g, "rules_file", rules_path);
        cli_j_int(g, "events", (long long)st.events);
        cli_j_int(g, "unchanged", (long long)same);
        for (int k = 0; k < CH__COUNT; k++)
            cli_j_int(g,
                      k == CH_ONLY_NEW   ? "only_replayed"
                      : k == CH_ONLY_OLD ? "only_stored"
                                         : change_name[k],
                      (long long)counts[k]);
        yajl_gen_string(g, (const unsigned char *)"detectors", 9);
        yajl_gen_map_open(g);
        for (size_t k = 0; k < ndc; k++) {
            yajl_gen_string(g, (const unsigned char *)dc[k].name, strlen(dc[k].name));
            yajl_gen_map_open(g);
            cli_j_int(g, "stored_ever", (long long)dc[k].stored_ever);
            cli_j_int(g, "replayed_ever", (long long)dc[k].replay_ever);
            cli_j_int(g, "stored_active", (long long)dc[k].stored_active);
            cli_j_int(g, "replayed_active", (long long)dc[k].replay_active);
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        yajl_gen_string(g, (const unsigned char *)"changes", 7);
        yajl_gen_array_open(g);
        for (int k = 0; k < CH__COUNT; k++) {
            long long shown = 0;
            for (size_t q = 0; q < nch; q++)
                if (ch[q].kind == (change_kind)k && shown++ < limit)
                    print_item_json(g, &ch[q]);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        cli_json_end(g);
    } else {
        printf("replayed %llu events under rules %s%s%s%s in %.1f s (in memory; the store is "
               "unchanged)\n\n",
               (unsigned long long)st.events, rules.version, rules_path ? " (" : "",
               rules_path ? rules_path : "", rules_path ? ")" : "", secs);
        printf("%-12s %14s %14s %14s %14s\n", "detector", "stored ever", "replayed ever",
               "stored active", "replayed act.");
        for (size_t k = 0; k < ndc; k++)
            printf("%-12s %14zu %14zu %14zu %14zu\n", dc[k].name, dc[k].stored_ever,
                   dc[k].replay_ever, dc[k].stored_active, dc[k].replay_active);
        printf("\nactive warnings now: %zu would open, %zu would no longer stand, %zu would "
               "change level, %zu unchanged; over the whole history %zu more would have been "
               "raised (ever+) and %zu would never have been (ever-)\n",
               counts[CH_NEW], counts[CH_GONE], counts[CH_LEVEL], same, counts[CH_ONLY_NEW],
               counts[CH_ONLY_OLD]);
        for (int k = 0; k < CH__COUNT; k++) {
            long long shown = 0;
            for (size_t q = 0; q < nch; q++)
                if (ch[q].kind == (change_kind)k && shown++ < limit)
                    print_item_text(&ch[q]);
            if (counts[k] > (size_t)limit)
                printf("  … and %zu more %s\n", counts[k] - (size_t)limit, change_name[k]);
        }
    }
    free(ch);
    list_free(&rep);
    list_free(&sto);
    return CLI_OK;
}
