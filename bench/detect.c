/*
 * bench/detect.c - ingest throughput with the risk engine following the store
 * ("detection on") against ingest alone ("detection off"), and both against
 * the raw SQLite floor of bench/ingest.c, measured in the same run.
 *
 * Input: simulated multi-platform feeds (ty_simulate: orders, reviews,
 * returns, complaints, adverse events, product and merchant records, users
 * online, with injected incidents), written once into the scratch folder.
 * Every measured run starts from a fresh store and ingests the same feeds, one
 * platform after the other, as `tianyan ingest` does.
 *
 *   off:    platforms registered, the writer started, each feed ingested as one
 *           submission (decode, validate, canonical JSON, pseudonyms,
 *           exactly-once, group commit every 10,000); timed until the last
 *           submission is durable (ty_ingest_path returns).
 *   on:     the same, with the risk engine opened on the store beforehand and a
 *           thread calling ty_engine_run() one batch (4,096 events) at a time,
 *           polling every 10 ms when it has caught up, until it has processed
 *           every ingested event. Ingest is timed the same way; the engine's lag
 *           is read when ingest finishes (events committed but not processed)
 *           and the time it then needs to catch up is measured.
 *   engine alone: right after each "off" run, the engine over that full store
 *           in one ty_engine_run(e, 0) call, as `tianyan detect` does: the
 *           engine's own throughput when it does not share the machine with
 *           ingest.
 *   floor:  bench/ingest.c's baseline on the same lines: a prepared INSERT of
 *           rows of the same width (same 12 columns, the input line as body)
 *           with sequential ids into one table, committed every 10,000 rows,
 *           same SQLite settings (WAL, synchronous=FULL, same page cache), one
 *           thread, lines loaded into memory before timing.
 *
 * Every measured run is a child process (so peak RSS is per mode); each round
 * runs off (+ engine alone), on and floor in rotated order so that neither
 * mode always runs first. Prints every round, then medians and the ratios
 * on/off, on/floor and off/floor (the foundation's goal: ingest >= 0.7 of the
 * floor).
 *
 * usage: bench-detect [--events N | --scale X] [--days D] [--platforms K]
 *                     [--rounds R] [--seed S] [--dir DIR] [--cache MIB] [--keep]
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tianyan/engine.h"
#include "tianyan/ingest.h"
#include "tianyan/process.h"
#include "tianyan/sim.h"

#define BATCH        10000 /* group commit, as bench/ingest.c and `tianyan ingest` */
#define ENGINE_BATCH 4096  /* events per ty_engine_run call (the engine's own batch) */
#define POLL_MS      10    /* engine poll interval once it has caught up */
#define ROUNDS_MAX   32

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- settings */

typedef struct bench {
    const char *dir;
    char feeds[4096], db[4096], floor_db[4096];
    ty_sim_opts sim;
    ty_sim_summary sum;
    uint64_t want_events; /* 0: take the scale as given */
    int rounds;
    long cache_mib;
} bench;

/* What a child reports to the parent through a pipe. */
typedef struct result {
    int ok;
    char err[512];
    uint64_t events; /* stored (off, on), read (engine alone), inserted (floor) */
    double secs;     /* ingest until durable; engine alone; floor inserts */
    double open_s;   /* engine open (lexicons, model), before timing */
    /* the engine (on, engine alone) */
    uint64_t lag_events; /* committed but not yet processed when ingest finished */
    double catchup_s;    /* from ingest finished until every event was processed */
    double engine_s;     /* from ingest start until every event was processed */
    double busy_s;       /* time inside ty_engine_run */
    uint64_t calls;      /* ty_engine_run calls that found events */
    ty_engine_stats st;
    int64_t warnings, active, history;
    double wal_mib; /* size of the WAL when ingest finished */
} result;

static void fail(result *r, const char *what, const char *why)
{
    r->ok = 0;
    snprintf(r->err, sizeof r->err, "%s: %s", what, why);
}

static void remove_db(const char *path)
{
    const char *sfx[] = {"", "-wal", "-shm", ".key", ".dedup"};
    for (size_t k = 0; k < sizeof sfx / sizeof sfx[0]; k++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, sfx[k]);
        unlink(p);
    }
}

static double file_mib(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 ? (double)s.st_size / 1048576.0 : 0.0;
}

/* ---------------------------------------------------------------- the engine thread */

typedef struct follower {
    ty_engine *e;
    _Atomic uint64_t processed; /* events processed so far */
    _Atomic uint64_t target;    /* events to process; set when ingest has finished */
    _Atomic int ingest_done;
    ty_err err;
    double busy_s, end_s;
    uint64_t calls;
    ty_engine_stats st;
} follower;

static void *follow(void *arg)
{
    follower *f = arg;
    for (;;) {
        uint64_t before = f->st.events;
        double t0 = now_s();
        f->err = ty_engine_run(f->e, ENGINE_BATCH, &f->st);
        double t1 = now_s();
        if (f->err != TY_OK)
            break;
        uint64_t got = f->st.events - before;
        if (got) {
            f->busy_s += t1 - t0;
            f->calls++;
        }
        atomic_store(&f->processed, f->st.events);
        if (atomic_load(&f->ingest_done) && f->st.events >= atomic_load(&f->target))
            break;
        if (got < ENGINE_BATCH) {
            struct timespec ts = {0, POLL_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    f->end_s = now_s();
    return NULL;
}

static void count_warnings(ty_store *st, result *r)
{
    ty_store_query_int(st, "SELECT count(*) FROM warnings", &r->warnings);
    ty_store_query_int(st, "SELECT count(*) FROM warnings WHERE state <> 'resolved'", &r->active);
    ty_store_query_int(st, "SELECT count(*) FROM warning_history", &r->history);
}

/* ---------------------------------------------------------------- off and on */

static void run_ingest(const bench *b, int with_engine, result *r)
{
    remove_db(b->db);
    ty_store_opts so = {b->db, NULL, b->cache_mib, 0};
    char err[512] = "";
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fail(r, "store open", err[0] ? err : ty_err_message(e));
        return;
    }
    int64_t pid[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < b->sum.nplatforms && e == TY_OK; i++) {
        int created;
        e = ty_store_platform_add(st, b->sum.platform[i].code, NULL, &pid[i], &created);
    }
    ty_writer *w = NULL;
    if (e == TY_OK)
        e = ty_writer_start(&w, st, &(ty_writer_opts){BATCH, 0, 0});
    if (e != TY_OK) {
        fail(r, "platforms/writer", ty_store_errmsg(st));
        ty_store_close(&st);
        return;
    }
    follower f;
    memset(&f, 0, sizeof f);
    pthread_t th;
    if (with_engine) {
        ty_engine_opts eo = {0};
        eo.db_path = b->db;
        double t0 = now_s();
        e = ty_engine_open(&f.e, &eo, err, sizeof err);
        r->open_s = now_s() - t0;
        if (e != TY_OK) {
            fail(r, "engine open", err[0] ? err : ty_err_message(e));
            ty_writer_stop(&w);
            ty_store_close(&st);
            return;
        }
    }
    double t0 = now_s();
    if (with_engine && pthread_create(&th, NULL, follow, &f) != 0) {
        fail(r, "engine thread", strerror(errno));
        ty_engine_close(&f.e);
        ty_writer_stop(&w);
        ty_store_close(&st);
        return;
    }
    uint64_t total = 0;
    for (int i = 0; i < b->sum.nplatforms && e == TY_OK; i++) {
        ty_ingest_opts io = {0};
        io.sub.platform = pid[i];
        io.sub.source = b->sum.platform[i].path;
        io.format = TY_FMT_JSONL;
        ty_ingest_report rep;
        e = ty_ingest_path(w, &io, b->sum.platform[i].path, &rep);
        if (e == TY_OK && (rep.rejected || rep.duplicate)) {
            snprintf(err, sizeof err, "%s: %llu rejected, %llu duplicate", b->sum.platform[i].code,
                     (unsigned long long)rep.rejected, (unsigned long long)rep.duplicate);
            e = TY_EINVAL;
        } else if (e != TY_OK) {
            snprintf(err, sizeof err, "%s: %s (%s)", b->sum.platform[i].code, ty_err_message(e),
                     ty_store_errmsg(st));
        }
        total += rep.accepted;
        ty_ingest_report_free(&rep);
    }
    double t1 = now_s();
    r->secs = t1 - t0;
    r->events = total;
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", b->db);
    r->wal_mib = file_mib(wal);
    r->ok = e == TY_OK;
    if (!r->ok)
        fail(r, "ingest", err);
    if (with_engine) {
        r->lag_events = total - atomic_load(&f.processed);
        atomic_store(&f.target, total);
        atomic_store(&f.ingest_done, 1);
        pthread_join(th, NULL);
        r->catchup_s = f.end_s - t1;
        r->engine_s = f.end_s - t0;
        r->busy_s = f.busy_s;
        r->calls = f.calls;
        r->st = f.st;
        if (f.err != TY_OK && r->ok)
            fail(r, "engine", ty_err_message(f.err));
        ty_engine_close(&f.e);
    }
    ty_err we = ty_writer_stop(&w);
    if (we != TY_OK && r->ok)
        fail(r, "writer", ty_store_errmsg(st));
    count_warnings(st, r);
    ty_store_close(&st);
    if (with_engine) /* the off run's store is kept for the engine alone */
        remove_db(b->db);
}

/* The engine over the store the off run left, in one call, as `tianyan detect`. */
static void run_engine_alone(const bench *b, result *r)
{
    ty_engine_opts eo = {0};
    eo.db_path = b->db;
    char err[512] = "";
    ty_engine *e;
    double t0 = now_s();
    ty_err x = ty_engine_open(&e, &eo, err, sizeof err);
    r->open_s = now_s() - t0;
    if (x != TY_OK) {
        fail(r, "engine open", err[0] ? err : ty_err_message(x));
        return;
    }
    t0 = now_s();
    x = ty_engine_run(e, 0, &r->st);
    r->secs = now_s() - t0;
    r->events = r->st.events;
    ty_engine_close(&e);
    r->ok = x == TY_OK;
    if (!r->ok) {
        fail(r, "engine", ty_err_message(x));
        return;
    }
    ty_store_opts so = {b->db, NULL, 0, 1};
    ty_store *st;
    if (ty_store_open(&st, &so, err, sizeof err) == TY_OK) {
        count_warnings(st, r);
        ty_store_close(&st);
    }
}

/* ---------------------------------------------------------------- the floor (bench/ingest.c) */

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* xorshift64*, as bench/ingest.c: random key hashes for the floor's rows */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

typedef struct line {
    char *s;
    size_t len;
    const char *id; /* the event's id inside s */
    size_t idlen;
} line;

static int load_lines(const bench *b, line **out, size_t *n)
{
    size_t cap = 1 << 16, k = 0;
    line *v = malloc(cap * sizeof *v);
    for (int i = 0; v && i < b->sum.nplatforms; i++) {
        FILE *in = fopen(b->sum.platform[i].path, "r");
        if (!in)
            return -1;
        char *buf = NULL;
        size_t bcap = 0;
        ssize_t len;
        while ((len = getline(&buf, &bcap, in)) > 0) {
            if (k == cap) {
                line *nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv)
                    break;
                v = nv;
                cap *= 2;
            }
            size_t l = (size_t)len - (buf[len - 1] == '\n');
            line *x = &v[k++];
            x->s = strndup(buf, l);
            x->len = l;
            const char *id = x->s ? strstr(x->s, "\"id\":\"") : NULL;
            x->id = id ? id + 6 : "";
            const char *end = id ? strchr(x->id, '"') : NULL;
            x->idlen = end ? (size_t)(end - x->id) : 0;
        }
        free(buf);
        fclose(in);
    }
    *out = v;
    *n = k;
    return v ? 0 : -1;
}

static void run_floor(const bench *b, result *r)
{
    line *v;
    size_t n;
    if (load_lines(b, &v, &n) != 0) {
        fail(r, "floor", "cannot read the feeds");
        return;
    }
    remove_db(b->floor_db);
    sqlite3 *db;
    sqlite3_stmt *ins = NULL;
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%ld;", b->cache_mib * 1024);
    if (sqlite3_open(b->floor_db, &db) != SQLITE_OK || exec(db, pragma) ||
        exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "PRAGMA temp_store=MEMORY;"
                 "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, platform INTEGER "
                 "NOT NULL, type INTEGER NOT NULL, key_hash INTEGER NOT NULL, ts INTEGER NOT "
                 "NULL, tz INTEGER NOT NULL, received INTEGER NOT NULL, batch INTEGER NOT NULL, "
                 "rid TEXT NOT NULL, sku TEXT, merchant TEXT, body TEXT NOT NULL)") ||
        sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins,
                           NULL) != SQLITE_OK) {
        fail(r, "floor", sqlite3_errmsg(db));
        return;
    }
    double t0 = now_s();
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (i % BATCH == 0)
            ok = exec(db, "BEGIN") == 0;
        sqlite3_bind_int64(ins, 1, (int64_t)i + 1);
        sqlite3_bind_int64(ins, 2, 1);
        sqlite3_bind_int(ins, 3, 4);
        sqlite3_bind_int64(ins, 4, (int64_t)rnd());
        sqlite3_bind_int64(ins, 5, 1790000000000LL + (int64_t)i);
        sqlite3_bind_int(ins, 6, 480);
        sqlite3_bind_int64(ins, 7, 1790000000000LL);
        sqlite3_bind_int64(ins, 8, 1);
        sqlite3_bind_text(ins, 9, v[i].id, (int)v[i].idlen, SQLITE_STATIC);
        sqlite3_bind_text(ins, 10, "sku-01234", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 11, "m0123", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 12, v[i].s, (int)v[i].len, SQLITE_STATIC);
        ok = ok && sqlite3_step(ins) == SQLITE_DONE;
        sqlite3_reset(ins);
        if (ok && (i % BATCH == BATCH - 1 || i + 1 == n))
            ok = exec(db, "COMMIT") == 0;
    }
    r->secs = now_s() - t0;
    r->events = n;
    r->ok = ok;
    if (!ok)
        fail(r, "floor insert", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_close(db);
    remove_db(b->floor_db);
    for (size_t i = 0; i < n; i++)
        free(v[i].s);
    free(v);
}

/* ---------------------------------------------------------------- children */

enum { MODE_SIM, MODE_OFF, MODE_ALONE, MODE_ON, MODE_FLOOR };

typedef struct child_out {
    result r;
    ty_sim_summary sum; /* MODE_SIM */
} child_out;

static void child_main(bench *b, int mode, child_out *o)
{
    switch (mode) {
    case MODE_SIM: {
        char err[512] = "";
        ty_err e = ty_simulate(&b->sim, &o->sum, err, sizeof err);
        o->r.ok = e == TY_OK;
        if (e != TY_OK)
            fail(&o->r, "simulate", err[0] ? err : ty_err_message(e));
        break;
    }
    case MODE_OFF:
        run_ingest(b, 0, &o->r);
        break;
    case MODE_ON:
        run_ingest(b, 1, &o->r);
        break;
    case MODE_ALONE:
        run_engine_alone(b, &o->r);
        break;
    default:
        run_floor(b, &o->r);
    }
}

/* Runs one mode in a child process; its peak resident memory in *rss_mib. */
static int run_child(bench *b, int mode, child_out *o, double *rss_mib)
{
    int fd[2];
    memset(o, 0, sizeof *o);
    fflush(NULL);
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        child_main(b, mode, o);
        const char *p = (const char *)o;
        size_t left = sizeof *o;
        while (left) {
            ssize_t k = write(fd[1], p, left);
            if (k <= 0)
                _exit(1);
            p += k;
            left -= (size_t)k;
        }
        _exit(0);
    }
    close(fd[1]);
    char *p = (char *)o;
    size_t got = 0;
    while (got < sizeof *o) {
        ssize_t k = read(fd[0], p + got, sizeof *o - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *rss_mib = (double)ru.ru_maxrss / 1024.0;
    if (got != sizeof *o || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench-detect: child for mode %d died (status %d)\n", mode, status);
        return -1;
    }
    if (!o->r.ok) {
        fprintf(stderr, "bench-detect: %s\n", o->r.err);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- figures */

static double median(const double *x, int n)
{
    double v[ROUNDS_MAX];
    memcpy(v, x, sizeof(double) * (size_t)n);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double lo(const double *x, int n)
{
    double m = x[0];
    for (int i = 1; i < n; i++)
        m = x[i] < m ? x[i] : m;
    return m;
}

static double hi(const double *x, int n)
{
    double m = x[0];
    for (int i = 1; i < n; i++)
        m = x[i] > m ? x[i] : m;
    return m;
}

/* Per round: what the summary reports. */
typedef struct round_figs {
    double off, on, floor, alone; /* events/s */
    double engine_follow;         /* events / time from ingest start to caught up: end to end */
    double engine_busy;           /* events / time inside ty_engine_run */
    double lag, lag_frac, catchup;
    double warn_on, warn_alone, active_on, active_alone;
    double rss_off, rss_on, rss_alone, rss_floor;
    double wal_off, wal_on;
    double r_on_off, r_on_floor, r_off_floor, r_follow_floor;
} round_figs;

/* One figure of every round, by its offset in round_figs. */
static const double *column(const round_figs *rf, int n, size_t off, double *out)
{
    for (int i = 0; i < n; i++)
        memcpy(&out[i], (const char *)&rf[i] + off, sizeof(double));
    return out;
}

static void summary(const round_figs *rf, int n)
{
    double c[ROUNDS_MAX];
    printf("\nmedians of %d rounds (range):\n", n);
#define ROW(label, field, fmt)                                                                     \
    do {                                                                                           \
        column(rf, n, offsetof(round_figs, field), c);                                             \
        printf("  %-56s " fmt "  (" fmt " - " fmt ")\n", label, median(c, n), lo(c, n), hi(c, n)); \
    } while (0)
    ROW("ingest, detection off (events/s)", off, "%9.0f");
    ROW("ingest, detection on (events/s)", on, "%9.0f");
    ROW("floor: raw SQLite inserts (rows/s)", floor, "%9.0f");
    ROW("ratio on/off", r_on_off, "%9.2f");
    ROW("ratio on/floor (foundation goal >= 0.7)", r_on_floor, "%9.2f");
    ROW("ratio off/floor", r_off_floor, "%9.2f");
    ROW("engine following: all ingested and detected (events/s)", engine_follow, "%9.0f");
    ROW("  the same / floor", r_follow_floor, "%9.2f");
    ROW("  same, per second inside ty_engine_run", engine_busy, "%9.0f");
    ROW("engine alone over the full store (events/s)", alone, "%9.0f");
    ROW("lag when ingest finished (events)", lag, "%9.0f");
    ROW("lag when ingest finished (share of events)", lag_frac, "%9.2f");
    ROW("catch-up after ingest finished (s)", catchup, "%9.2f");
    ROW("warnings raised, engine following", warn_on, "%9.0f");
    ROW("warnings raised, engine alone", warn_alone, "%9.0f");
    ROW("  of them still active, engine following", active_on, "%9.0f");
    ROW("  of them still active, engine alone", active_alone, "%9.0f");
    ROW("peak RSS off (MiB)", rss_off, "%9.0f");
    ROW("peak RSS on (MiB)", rss_on, "%9.0f");
    ROW("peak RSS engine alone (MiB)", rss_alone, "%9.0f");
    ROW("peak RSS floor (MiB)", rss_floor, "%9.0f");
    ROW("WAL when ingest finished, off (MiB)", wal_off, "%9.0f");
    ROW("WAL when ingest finished, on (MiB)", wal_on, "%9.0f");
#undef ROW
}

static void cleanup(bench *b)
{
    remove_db(b->db);
    remove_db(b->floor_db);
    for (int i = 0; i < b->sum.nplatforms; i++)
        unlink(b->sum.platform[i].path);
    if (b->sum.truth_path[0])
        unlink(b->sum.truth_path);
    rmdir(b->feeds);
    rmdir(b->dir);
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--events N | --scale X] [--days D] [--platforms K] [--rounds R] "
            "[--seed S] [--dir DIR] [--cache MIB] [--keep]\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    ty_process_init(); /* as the tianyan binary does; applies to every mode */
    bench b;
    memset(&b, 0, sizeof b);
    b.dir = "bench-detect.tmp";
    b.sim.seed = 1;
    b.sim.days = 30;
    b.sim.platforms = 3;
    b.sim.scale = 1.0;
    b.rounds = 3;
    b.cache_mib = 64;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--keep") == 0) {
            keep = 1;
            continue;
        }
        if (!v)
            return usage(argv[0]);
        i++;
        if (strcmp(a, "--events") == 0)
            b.want_events = strtoull(v, NULL, 10);
        else if (strcmp(a, "--scale") == 0)
            b.sim.scale = strtod(v, NULL);
        else if (strcmp(a, "--days") == 0)
            b.sim.days = atoi(v);
        else if (strcmp(a, "--platforms") == 0)
            b.sim.platforms = atoi(v);
        else if (strcmp(a, "--rounds") == 0)
            b.rounds = atoi(v);
        else if (strcmp(a, "--seed") == 0)
            b.sim.seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--dir") == 0)
            b.dir = v;
        else if (strcmp(a, "--cache") == 0)
            b.cache_mib = strtol(v, NULL, 10);
        else
            return usage(argv[0]);
    }
    if (b.sim.days < 1 || b.sim.days > 366 || b.sim.platforms < 1 ||
        b.sim.platforms > TY_SIM_PLATFORMS_MAX || b.rounds < 1 || b.rounds > ROUNDS_MAX ||
        b.sim.scale < 0.01 || b.sim.scale > 100 || b.cache_mib < 1)
        return usage(argv[0]);
    if (mkdir(b.dir, 0755) != 0 && errno != EEXIST) {
        perror(b.dir);
        return 1;
    }
    snprintf(b.feeds, sizeof b.feeds, "%s/feeds", b.dir);
    snprintf(b.db, sizeof b.db, "%s/detect.db", b.dir);
    snprintf(b.floor_db, sizeof b.floor_db, "%s/floor.db", b.dir);
    b.sim.out_dir = b.feeds;

    /* the feeds, once; with --events the volume is scaled from a first try */
    child_out o;
    double rss, t0 = now_s();
    if (run_child(&b, MODE_SIM, &o, &rss) != 0)
        return 1;
    if (b.want_events) {
        double x = b.sim.scale * (double)b.want_events / (double)o.sum.total;
        if (x < 0.01)
            x = 0.01;
        if (x > 100)
            x = 100;
        if (x < b.sim.scale * 0.97 || x > b.sim.scale * 1.03) {
            b.sim.scale = x;
            if (run_child(&b, MODE_SIM, &o, &rss) != 0)
                return 1;
        }
    }
    b.sum = o.sum;
    double feed_mib = 0;
    for (int i = 0; i < b.sum.nplatforms; i++)
        feed_mib += file_mib(b.sum.platform[i].path);
    printf("bench/detect: %d platforms x %d days (scale %.2f, seed %llu): %llu events, %.0f MiB "
           "of JSON Lines, %llu incidents (simulated in %.1f s); %d rounds; group commit every "
           "%d; page cache %ld MiB; SQLite %s\n",
           b.sum.nplatforms, b.sim.days, b.sim.scale, (unsigned long long)b.sim.seed,
           (unsigned long long)b.sum.total, feed_mib, (unsigned long long)b.sum.incidents,
           now_s() - t0, b.rounds, BATCH, b.cache_mib, sqlite3_libversion());

    round_figs rf[ROUNDS_MAX];
    memset(rf, 0, sizeof rf);
    int rc = 0;
    for (int k = 0; k < b.rounds && rc == 0; k++) {
        /* rotate the order: off (then engine alone on its store), on, floor */
        static const int order[3] = {MODE_OFF, MODE_ON, MODE_FLOOR};
        round_figs *x = &rf[k];
        result on = {0}, off = {0}, alone = {0}, fl = {0};
        for (int j = 0; j < 3 && rc == 0; j++) {
            int mode = order[(j + k) % 3];
            if (run_child(&b, mode, &o, &rss) != 0) {
                rc = 1;
                break;
            }
            if (mode == MODE_OFF) {
                off = o.r;
                x->rss_off = rss;
                rc = run_child(&b, MODE_ALONE, &o, &rss) != 0;
                remove_db(b.db);
                alone = o.r;
                x->rss_alone = rss;
            } else if (mode == MODE_ON) {
                on = o.r;
                x->rss_on = rss;
            } else {
                fl = o.r;
                x->rss_floor = rss;
            }
        }
        if (rc)
            break;
        double n = (double)on.events;
        x->off = (double)off.events / off.secs;
        x->on = n / on.secs;
        x->floor = (double)fl.events / fl.secs;
        x->alone = (double)alone.events / alone.secs;
        x->engine_follow = n / on.engine_s;
        x->engine_busy = n / on.busy_s;
        x->lag = (double)on.lag_events;
        x->lag_frac = (double)on.lag_events / n;
        x->catchup = on.catchup_s;
        x->warn_on = (double)on.warnings;
        x->warn_alone = (double)alone.warnings;
        x->active_on = (double)on.active;
        x->active_alone = (double)alone.active;
        x->wal_off = off.wal_mib;
        x->wal_on = on.wal_mib;
        x->r_on_off = x->on / x->off;
        x->r_on_floor = x->on / x->floor;
        x->r_off_floor = x->off / x->floor;
        x->r_follow_floor = x->engine_follow / x->floor;
        printf("round %d: off %.0f/s (%.0f MiB) | on %.0f/s (%.0f MiB): engine followed at "
               "%.0f/s, %llu events behind at the end, caught up %.2f s later, %lld warnings "
               "(%lld active), %llu texts, %llu too late | engine alone %.0f/s (%.0f MiB, open "
               "%.2f s), %lld warnings (%lld active) | floor %.0f/s | on/off %.2f, on/floor %.2f, "
               "off/floor %.2f\n",
               k + 1, x->off, x->rss_off, x->on, x->rss_on, x->engine_follow,
               (unsigned long long)on.lag_events, on.catchup_s, (long long)on.warnings,
               (long long)on.active, (unsigned long long)on.st.texts,
               (unsigned long long)on.st.too_late, x->alone, x->rss_alone, alone.open_s,
               (long long)alone.warnings, (long long)alone.active, x->floor, x->r_on_off,
               x->r_on_floor, x->r_off_floor);
        if (on.st.unreadable || alone.st.unreadable || on.st.events != alone.st.events)
            printf("  note: engine read %llu events following (%llu unreadable), %llu alone (%llu "
                   "unreadable)\n",
                   (unsigned long long)on.st.events, (unsigned long long)on.st.unreadable,
                   (unsigned long long)alone.st.events, (unsigned long long)alone.st.unreadable);
        fflush(stdout);
    }
    if (rc == 0)
        summary(rf, b.rounds);
    if (!keep)
        cleanup(&b);
    return rc;
}
