/*
 * cmd_demo.c - `tianyan demo`: the main job end to end on the embedded store.
 * Simulates feeds for several platforms, imports the public reference data
 * the regulatory detectors read (when present), ingests each feed exactly once
 * while printing progress as batches commit, prints a summary of the store,
 * then runs the risk engine over it and prints the warnings it raised.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "cli.h"
#include "tianyan/engine.h"
#include "tianyan/ingest.h"
#include "tianyan/reference.h"
#include "tianyan/risk.h"
#include "tianyan/sim.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

const cli_opt demo_opts[] = {
    {"db", "PATH", "store file (default demo/tianyan.db)"},
    {"out", "DIR", "folder for the simulated feeds (default demo/feeds)"},
    {"seed", "N", "random seed (default 1)"},
    {"days", "D",
     "days of activity (default 30: the engine's rates and baselines need the "
     "first week of a feed as history)"},
    {"platforms", "K", "number of platforms (default 3)"},
    {"start", "DATE", "first day, YYYY-MM-DD (default 2026-09-01)"},
    {"scale", "X", "volume multiplier (default 1)"},
    {"reference", "DIR",
     "public data folder whose cosing/ and safety-gate/ files are imported when present "
     "(default ../shared/data)"},
    {NULL, NULL, NULL},
};

int sim_options(const cli_cmd *c, const cli_args *a, ty_sim_opts *o);

/* Totals per platform and record type, summed over days. */
typedef struct totals {
    char platform[TY_SIM_PLATFORMS_MAX][32];
    int64_t n[TY_SIM_PLATFORMS_MAX][TY_REC_TYPE_MAX + 1];
    int np;
} totals;

static ty_err add_total(void *ctx, const ty_stat_row *r)
{
    totals *t = ctx;
    int p = 0;
    while (p < t->np && strcmp(t->platform[p], r->platform) != 0)
        p++;
    if (p == t->np) {
        if (t->np == TY_SIM_PLATFORMS_MAX)
            return TY_OK;
        snprintf(t->platform[t->np++], sizeof t->platform[0], "%s", r->platform);
    }
    for (int k = 1; k <= TY_REC_TYPE_MAX; k++)
        if (strcmp(ty_schema_of(k)->name, r->type) == 0)
            t->n[p][k] += r->count;
    return TY_OK;
}

static void print_totals(ty_store *st)
{
    totals t;
    memset(&t, 0, sizeof t);
    if (ty_store_stats(st, 8 * 60, add_total, &t) != TY_OK)
        return;
    printf("\n%-12s", "platform");
    for (int k = 1; k <= TY_REC_TYPE_MAX; k++)
        printf(" %13s", ty_schema_of(k)->name);
    printf("\n");
    for (int p = 0; p < t.np; p++) {
        printf("%-12s", t.platform[p]);
        for (int k = 1; k <= TY_REC_TYPE_MAX; k++)
            printf(" %13lld", (long long)t.n[p][k]);
        printf("\n");
    }
}

static const char *tree_str(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "";
}

/* The injected incidents, from the simulator's ground truth: what the risk
 * engine should find in this data. */
static void print_incidents(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    printf("\nInjected incidents (ground truth in %s):\n", path);
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char err[128];
        yajl_val o = yajl_tree_parse(line, err, sizeof err);
        if (!o)
            continue;
        printf("  %-10s %-20s %-8s %-18s from %s\n", tree_str(o, "platform"),
               tree_str(o, "incident"), tree_str(o, "entity_kind"), tree_str(o, "entity_id"),
               tree_str(o, "onset"));
        yajl_tree_free(o);
    }
    fclose(f);
}

typedef struct progress {
    const char *platform;
    int64_t t0;
    int tty; /* rewrite one line on a terminal, else one line per commit */
} progress;

static void on_commit(void *ctx, const ty_ingest_report *r)
{
    progress *p = ctx;
    double s = (double)(ty_now_ms() - p->t0) / 1000.0;
    printf("%s  %-16s committed %9llu accepted, %6llu duplicate, %4llu rejected  (%.1f s)%s",
           p->tty ? "\r" : "", p->platform, (unsigned long long)r->accepted,
           (unsigned long long)r->duplicate, (unsigned long long)r->rejected, s,
           p->tty ? "" : "\n");
    fflush(stdout);
}

/* Imports the reference files of dir that exist (the regulatory detectors
 * match products against them). */
static ty_err import_reference(ty_store *st, const char *dir)
{
    static const struct {
        ty_ref_format f;
        const char *file;
    } files[] = {
        {TY_REF_COSING, "cosing/eu-annex-ii.csv"},
        {TY_REF_COSING, "cosing/eu-annex-iii.csv"},
        {TY_REF_SAFETY_GATE, "safety-gate/safety_gate_cosmetics.csv"},
    };
    int any = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        if (access(path, R_OK) != 0)
            continue;
        if (!any++)
            printf("Reference data from %s:\n", dir);
        ty_ref_report rep;
        ty_err e = ty_ref_import_path(st, files[i].f, path, &rep);
        if (e != TY_OK) {
            fprintf(stderr, "tianyan demo: %s: %s\n", path, ty_err_message(e));
            return e;
        }
        printf("  %-16s %5llu rows: %llu new, %llu updated, %llu unchanged, %llu rejected\n",
               rep.source, (unsigned long long)rep.rows, (unsigned long long)rep.inserted,
               (unsigned long long)rep.updated, (unsigned long long)rep.unchanged,
               (unsigned long long)rep.rejected);
    }
    if (!any)
        printf("No reference data in %s: products are not matched against the EU annexes or "
               "Safety Gate (see --reference).\n",
               dir);
    printf("\n");
    return TY_OK;
}

typedef struct warn_list {
    int n, shown, by_level[5];
} warn_list;

static ty_err count_warning(void *ctx, const ty_warning *w)
{
    warn_list *l = ctx;
    l->n++;
    if (w->level >= 1 && w->level <= 4)
        l->by_level[w->level]++;
    if (l->shown < 15) {
        l->shown++;
        const ty_level_info *li = ty_level_get(w->level);
        char entity[200];
        snprintf(entity, sizeof entity, "%s:%s%s%s", w->entity_kind, w->entity_key,
                 w->platform[0] ? "@" : "", w->platform);
        char name[48];
        cli_clip(w->display_name ? w->display_name : "", name, sizeof name);
        printf("  %-4lld %-4s %-18s %-44s %s\n", (long long)w->id, li ? li->roman : "?",
               w->detector, entity, name);
    }
    return TY_OK;
}

/* Runs the engine over the store and prints the warnings standing at its clock. */
static ty_err detect_and_list(const char *db)
{
    ty_engine_opts o = {0};
    o.db_path = db;
    char err[512] = "";
    ty_engine *eng;
    ty_err e = ty_engine_open(&eng, &o, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan demo: %s\n", err[0] ? err : ty_err_message(e));
        return e;
    }
    ty_engine_stats es = {0};
    int64_t t0 = ty_now_ms();
    e = ty_engine_run(eng, 0, &es);
    ty_engine_close(&eng);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan demo: risk engine: %s\n", ty_err_message(e));
        return e;
    }
    double secs = (double)(ty_now_ms() - t0) / 1000.0;
    char clock[TY_TIME_TEXT_MAX] = "-";
    if (es.events)
        ty_time_format(es.clock_ms, 480, 1, clock);
    printf("\nRisk engine: %llu events in %.1f s (%.0f events/s), %llu entities, %llu texts "
           "classified; event-time clock %s\n",
           (unsigned long long)es.events, secs, secs > 0 ? (double)es.events / secs : 0.0,
           (unsigned long long)es.entities, (unsigned long long)es.texts, clock);
    ty_store_opts so = {db, NULL, 0, 1};
    ty_store *st;
    if ((e = ty_store_open(&st, &so, err, sizeof err)) != TY_OK) {
        fprintf(stderr, "tianyan demo: %s\n", err[0] ? err : ty_err_message(e));
        return e;
    }
    ty_warning_query q;
    memset(&q, 0, sizeof q);
    q.limit = 10000;
    warn_list l;
    memset(&l, 0, sizeof l);
    printf("Warnings standing now (most severe first):\n");
    e = ty_warning_list(st, &q, count_warning, &l, NULL, NULL);
    ty_store_close(&st);
    if (l.n > l.shown)
        printf("  … and %d more\n", l.n - l.shown);
    printf("%d warnings: %d level I (red), %d II (orange), %d III (yellow), %d IV (blue)\n", l.n,
           l.by_level[1], l.by_level[2], l.by_level[3], l.by_level[4]);
    return e;
}

int cmd_demo(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    ty_sim_opts o;
    if ((rc = sim_options(c, &a, &o)) != CLI_OK)
        return rc;
    if (!cli_get(c, &a, "days"))
        o.days = 30;
    const char *db = cli_get(c, &a, "db");
    o.out_dir = cli_get(c, &a, "out");
    if (!db || !o.out_dir)
        mkdir("demo", 0755);
    if (!db)
        db = "demo/tianyan.db";
    if (!o.out_dir)
        o.out_dir = "demo/feeds";

    printf("Tianyan demo: simulating %d platforms x %d days (seed %llu) into %s\n", o.platforms,
           o.days, (unsigned long long)o.seed, o.out_dir);
    ty_sim_summary s;
    char err[512];
    int64_t t0 = ty_now_ms();
    ty_err e = ty_simulate(&o, &s, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan demo: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    printf("  %llu records, %llu injected incidents in %.1f s (ground truth: %s)\n\n",
           (unsigned long long)s.total, (unsigned long long)s.incidents,
           (double)(ty_now_ms() - t0) / 1000.0, s.truth_path);

    ty_store_opts so = {db, NULL, 0, 0};
    ty_store *st;
    if ((e = ty_store_open(&st, &so, err, sizeof err)) != TY_OK) {
        fprintf(stderr, "tianyan demo: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    const char *ref = cli_get(c, &a, "reference");
    if ((e = import_reference(st, ref ? ref : "../shared/data")) != TY_OK) {
        ty_store_close(&st);
        return CLI_FAIL;
    }
    printf("Ingesting into %s (exactly once; counts are committed work):\n", db);
    uint64_t acc = 0, dup = 0, rej = 0;
    int64_t t1 = ty_now_ms();
    /* platforms are resolved before the writer thread owns the store's connection */
    int64_t pid[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < s.nplatforms && e == TY_OK; i++)
        e = ty_store_platform(st, s.platform[i].code, 1, &pid[i]);
    ty_writer *w = NULL;
    if (e == TY_OK)
        e = ty_writer_start(&w, st, NULL);
    for (int i = 0; i < s.nplatforms && e == TY_OK; i++) {
        progress p = {s.platform[i].code, ty_now_ms(), isatty(1)};
        ty_ingest_opts io = {0};
        io.sub.platform = pid[i];
        io.sub.source = s.platform[i].path;
        io.sub.on_commit = on_commit;
        io.sub.ctx = &p;
        io.format = TY_FMT_JSONL;
        ty_ingest_report r;
        e = ty_ingest_path(w, &io, s.platform[i].path, &r);
        if (p.tty)
            printf("\n");
        if (e != TY_OK)
            fprintf(stderr, "tianyan demo: %s: %s\n", s.platform[i].path, ty_err_message(e));
        acc += r.accepted;
        dup += r.duplicate;
        rej += r.rejected;
        ty_ingest_report_free(&r);
    }
    ty_err we = ty_writer_stop(&w);
    if (e == TY_OK)
        e = we;
    double secs = (double)(ty_now_ms() - t1) / 1000.0;
    printf("\nSummary: %llu accepted, %llu duplicate, %llu rejected in %.1f s (%.0f events/s)\n",
           (unsigned long long)acc, (unsigned long long)dup, (unsigned long long)rej, secs,
           secs > 0 ? (double)(acc + dup) / secs : 0.0);
    print_totals(st);
    print_incidents(s.truth_path);
    printf("\nStore now holds %lld events.\n", (long long)ty_store_event_count(st));
    ty_store_close(&st);
    if (e == TY_OK)
        e = detect_and_list(db);
    printf("\nNext:\n");
    printf("  tianyan warnings --db %s [--json] [--min-level II]\n", db);
    printf("  tianyan explain --db %s WARNING_ID      # why: statistics, thresholds, events\n", db);
    printf("  tianyan replay --db %s --rules FILE     # what other rules would change\n", db);
    printf("  tianyan eval --db %s --truth %s\n", db, s.truth_path);
    printf("  tianyan ingest --db %s --platform %s %s   # re-send: all duplicates\n", db,
           s.platform[0].code, s.platform[0].path);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}
