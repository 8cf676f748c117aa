/*
 * test_follow.c - the risk engine following a store while an ingest writer
 * fills it (ty_engine_opts.writer, ty_writer_call):
 *  - ty_writer_call runs a write on the writer's thread between groups of
 *    events; a call that fails leaves nothing and the events around it are
 *    stored; after the writer stops a call is refused;
 *  - an engine following on its own thread while three simulated platforms are
 *    ingested in slices ends with exactly the warnings (keys, levels, states)
 *    of an engine run once over the finished store, and the audit trail holds.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tianyan/audit.h"
#include "tianyan/engine.h"
#include "tianyan/ingest.h"
#include "tianyan/sim.h"
#include "tianyan/store.h"
#include "tianyan/warning.h"

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

/* ---- ty_writer_call ---- */

static ty_err write_entry(ty_store *st, void *ctx)
{
    return ty_audit_append(st, "test", ctx, NULL, NULL, NULL, NULL, 0);
}

static ty_err write_then_fail(ty_store *st, void *ctx)
{
    (void)ctx;
    TY_TRY(ty_audit_append(st, "test", "undone", NULL, NULL, NULL, NULL, 0));
    return TY_ELIMIT;
}

static void test_writer_call(void)
{
    ty_store *st = open_store("call.db");
    int64_t pid;
    int created;
    CHECK_INT(ty_store_platform_add(st, "p1", NULL, &pid, &created), TY_OK);
    ty_writer *w;
    CHECK_INT(ty_writer_start(&w, st, NULL), TY_OK);
    ty_ingest_opts io = {0};
    io.sub.platform = pid;
    io.sub.source = "test";
    io.format = TY_FMT_JSONL;
    ty_ingest *ig;
    CHECK_INT(ty_ingest_begin(&ig, w, &io), TY_OK);
    const char *ev = "{\"spec_version\":\"1.0\",\"type\":\"users_online\",\"id\":\"u1\",\"time\":"
                     "\"2026-09-01T10:00:00+08:00\",\"online\":5}\n";
    CHECK_INT(ty_ingest_feed(ig, ev, strlen(ev)), TY_OK);
    /* a call while the events are in flight */
    CHECK_INT(ty_writer_call(w, write_entry, "first"), TY_OK);
    CHECK_INT(ty_writer_call(w, write_then_fail, NULL), TY_ELIMIT);
    CHECK_INT(ty_writer_call(w, write_entry, "second"), TY_OK);
    ty_ingest_report rep;
    CHECK_INT(ty_ingest_end(&ig, &rep), TY_OK);
    CHECK_INT(rep.accepted, 1);
    ty_ingest_report_free(&rep);
    CHECK_INT(ty_writer_stop(&w), TY_OK);
    int64_t n = -1;
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM audit_log WHERE action = 'undone'", &n),
              TY_OK);
    CHECK_INT(n, 0);
    CHECK_INT(ty_store_query_int(st,
                                 "SELECT count(*) FROM audit_log WHERE action IN ('first', "
                                 "'second')",
                                 &n),
              TY_OK);
    CHECK_INT(n, 2);
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM events", &n), TY_OK);
    CHECK_INT(n, 1);
    ty_audit_report ar;
    CHECK_INT(ty_audit_verify(st, &ar), TY_OK);
    CHECK_INT(ar.ok, 1);
    ty_store_close(&st);
}

/* ---- an engine following ingest ---- */

typedef struct follower {
    ty_engine *eng;
    volatile int ingest_done;
    ty_err err;
    ty_engine_stats st;
    int runs_during_ingest;
} follower;

static void *follow_main(void *arg)
{
    follower *f = arg;
    for (;;) {
        int finished = __atomic_load_n(&f->ingest_done, __ATOMIC_ACQUIRE);
        uint64_t before = f->st.events;
        ty_err e = ty_engine_run(f->eng, 0, &f->st);
        if (e != TY_OK) {
            f->err = e;
            break;
        }
        if (!finished && f->st.events > before)
            f->runs_during_ingest++;
        if (f->st.events == before) {
            if (finished)
                break;
            usleep(1000);
        }
    }
    return NULL;
}

/* Every warning as "detector kind key platform level state", sorted. */
typedef struct wlist {
    char **v;
    size_t n;
} wlist;

static ty_err add_w(void *ctx, const ty_warning *w)
{
    wlist *l = ctx;
    char line[700];
    snprintf(line, sizeof line, "%s %s %s %s %d %d", w->detector, w->entity_kind, w->entity_key,
             w->platform, (int)w->level, (int)w->state);
    l->v = realloc(l->v, sizeof *l->v * (l->n + 1));
    l->v[l->n++] = strdup(line);
    return TY_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void all_warnings(ty_store *st, wlist *l)
{
    ty_warning_query q;
    memset(&q, 0, sizeof q);
    q.states = TY_WS_ALL_SET;
    q.limit = 10000;
    CHECK_INT(ty_warning_list(st, &q, add_w, l, NULL, NULL), TY_OK);
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
}

static void free_list(wlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Ingests the feeds in slices of about `slice` lines per platform, in turn. */
static void ingest_slices(ty_writer *w, const ty_sim_summary *sum, const int64_t *pid, int slice)
{
    FILE *f[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < sum->nplatforms; i++)
        CHECK((f[i] = fopen(sum->platform[i].path, "r")) != NULL);
    int open = sum->nplatforms;
    char *line = NULL;
    size_t cap = 0;
    while (open > 0)
        for (int i = 0; i < sum->nplatforms; i++) {
            if (!f[i])
                continue;
            ty_ingest_opts io = {0};
            io.sub.platform = pid[i];
            io.sub.source = sum->platform[i].path;
            io.format = TY_FMT_JSONL;
            ty_ingest *ig;
            CHECK_INT(ty_ingest_begin(&ig, w, &io), TY_OK);
            ssize_t n = 0;
            for (int k = 0; k < slice && (n = getline(&line, &cap, f[i])) > 0; k++)
                CHECK_INT(ty_ingest_feed(ig, line, (size_t)n), TY_OK);
            ty_ingest_report rep;
            CHECK_INT(ty_ingest_end(&ig, &rep), TY_OK);
            CHECK_INT(rep.rejected, 0);
            ty_ingest_report_free(&rep);
            if (n <= 0) {
                fclose(f[i]);
                f[i] = NULL;
                open--;
            }
        }
    free(line);
}

static void test_follow(void)
{
    char feeds[700], err[512];
    snprintf(feeds, sizeof feeds, "%s/feeds", dir);
    ty_sim_opts so = {5, 14, 3, feeds, NULL, 0.5};
    ty_sim_summary sum;
    CHECK_INT(ty_simulate(&so, &sum, err, sizeof err), TY_OK);

    /* the store filled while the engine follows */
    ty_store *st = open_store("follow.db");
    int64_t pid[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < sum.nplatforms; i++) {
        int created;
        CHECK_INT(ty_store_platform_add(st, sum.platform[i].code, NULL, &pid[i], &created), TY_OK);
    }
    ty_writer *w;
    CHECK_INT(ty_writer_start(&w, st, NULL), TY_OK);
    char db[700];
    snprintf(db, sizeof db, "%s/follow.db", dir);
    ty_engine_opts eo = {0};
    eo.db_path = db;
    eo.writer = w;
    follower fw;
    memset(&fw, 0, sizeof fw);
    CHECK_INT(ty_engine_open(&fw.eng, &eo, err, sizeof err), TY_OK);
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, follow_main, &fw), 0);
    ingest_slices(w, &sum, pid, 2000);
    __atomic_store_n(&fw.ingest_done, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CHECK_INT(fw.err, TY_OK);
    int64_t events = -1;
    CHECK_INT(ty_store_query_int(st, "SELECT count(*) FROM events", &events), TY_OK);
    CHECK_INT(fw.st.events, events);
    printf("engine following: %llu events, %d runs made progress during ingest\n",
           (unsigned long long)fw.st.events, fw.runs_during_ingest);
    ty_engine_close(&fw.eng);
    CHECK_INT(ty_writer_stop(&w), TY_OK);
    wlist a = {0};
    all_warnings(st, &a);
    ty_audit_report ar;
    CHECK_INT(ty_audit_verify(st, &ar), TY_OK);
    CHECK_INT(ar.ok, 1);
    ty_store_close(&st);

    /* the same feeds, the engine once at the end */
    st = open_store("once.db");
    for (int i = 0; i < sum.nplatforms; i++) {
        int created;
        CHECK_INT(ty_store_platform_add(st, sum.platform[i].code, NULL, &pid[i], &created), TY_OK);
    }
    CHECK_INT(ty_writer_start(&w, st, NULL), TY_OK);
    ingest_slices(w, &sum, pid, 2000);
    CHECK_INT(ty_writer_stop(&w), TY_OK);
    ty_store_close(&st);
    snprintf(db, sizeof db, "%s/once.db", dir);
    ty_engine_opts eo2 = {0};
    eo2.db_path = db;
    ty_engine *e2;
    CHECK_INT(ty_engine_open(&e2, &eo2, err, sizeof err), TY_OK);
    ty_engine_stats s2 = {0};
    CHECK_INT(ty_engine_run(e2, 0, &s2), TY_OK);
    ty_engine_close(&e2);
    st = open_store("once.db");
    wlist b = {0};
    all_warnings(st, &b);
    ty_store_close(&st);

    CHECK(a.n > 0);
    CHECK_INT(a.n, b.n);
    for (size_t i = 0; i < a.n && i < b.n; i++)
        CHECK_STR(a.v[i], b.v[i]);
    free_list(&a);
    free_list(&b);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_follow.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    test_writer_call();
    test_follow();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_done("test_follow");
}
