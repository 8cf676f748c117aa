/*
 * bench/detect.c - ingest throughput with detection on against detection off,
 * the risk engine alone, and the raw SQLite floor of bench/ingest.c, all
 * measured in the same run.
 *
 * Input: simulated multi-platform feeds (ty_simulate: orders, reviews,
 * returns, complaints, adverse events, product and merchant records, users
 * online, with injected incidents), written once into the scratch folder.
 * The feeds are cut into chunks the way a live server receives them: round
 * after round, each platform sends the next slice of its feed (slices
 * proportional to the platform's volume, so that a round covers about the same
 * stretch of event time on every platform), and each slice is one submission
 * (one request body) of about --chunk events, durable when it closes.
 *
 *   off:    a fresh store, the writer started, every chunk ingested as one
 *           submission (decode, validate, canonical JSON, pseudonyms,
 *           exactly-once, group commit), in the order above; timed from the
 *           first chunk until the last one is durable.
 *   on:     the same, with the risk engine opened on the store beforehand (as
 *           a server does at start; not timed) and, after each chunk is
 *           durable, ty_engine_run() over everything new (detectors, warnings
 *           written to the store) before the next chunk: ingest and detection
 *           interleaved on one thread, as a live server that judges what it
 *           has just acknowledged. Timed from the first chunk until the engine
 *           has judged the last one; the time inside ty_engine_run is kept
 *           apart.
 *   engine alone: right after each "off" run, in its own process, the engine
 *           over that full store in one ty_engine_run(e, 0) call, as
 *           `tianyan detect` does: the engine's own throughput and memory
 *           over a stored feed.
 *   floor:  bench/ingest.c's baseline on the same lines: a prepared INSERT of
 *           rows of the same width (same 12 columns, the input line as body)
 *           with sequential ids into one table, committed where ingest commits
 *           (every chunk, and every 10,000 rows within one), same SQLite
 *           settings (WAL, synchronous=FULL, same page cache), one thread,
 *           lines loaded into memory before timing.
 *
 * Every measured run is a child process, so peak RSS is per mode. Each round
 * runs off (+ engine alone), on and floor in rotated order so that no mode
 * always runs first on a noisy machine. Prints every round, then the medians
 * (and ranges) of the figures and of the per-round ratios on/off, on/floor and
 * off/floor; the foundation's ingest goal is >= 0.7 of the floor. Nothing here
 * passes or fails on a timing: the exit status only says whether every run
 * stored and judged every event.
 *
 * usage: bench-detect [--days D] [--platforms K] [--scale X | --events N]
 *                     [--chunk N] [--rounds R] [--seed S] [--dir DIR]
 *                     [--cache MIB] [--keep]
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#define BATCH      10000 /* group commit, as bench/ingest.c and `tianyan ingest` */
#define ROUNDS_MAX 32

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: the engine runs on the caller's thread, and
 * its CPU time moves less than wall time when other jobs share the machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- settings */

/* One platform's feed, cut into nslices slices at line boundaries. */
typedef struct feed {
    uint64_t lines;
    off_t *cut;      /* nslices + 1 byte offsets */
    uint64_t *first; /* nslices + 1 line numbers (0-based) */
} feed;

typedef struct bench {
    const char *dir;
    char feeds[4096], db[4096], floor_db[4096];
    ty_sim_opts sim;
    ty_sim_summary sum;
    uint64_t want_events; /* 0: take the scale as given */
    uint64_t chunk;       /* events per submission, about */
    int rounds;
    long cache_mib;
    int nslices; /* slices per platform */
    feed feed[TY_SIM_PLATFORMS_MAX];
    size_t max_slice; /* bytes of the largest slice */
} bench;

/* What a child reports to the parent through a pipe. */
typedef struct result {
    int ok;
    char err[512];
    uint64_t events;   /* stored (off, on), read (engine alone), inserted (floor) */
    uint64_t judged;   /* on: events the engine read while following */
    uint64_t chunks;   /* submissions */
    double secs;       /* off: ingest; on: ingest + detection; alone: engine; floor: inserts */
    double ingest_s;   /* on: time ingesting */
    double engine_s;   /* on: time inside ty_engine_run */
    double engine_cpu; /* on, alone: CPU time inside ty_engine_run */
    double open_s;     /* engine open (lexicons, model, reference tables), not timed */
    int64_t warnings;  /* warnings in the store at the end */
    int64_t active;    /* of them not resolved */
    uint64_t signals;  /* signals the engine raised */
    uint64_t entities; /* entities the engine tracks */
    uint64_t texts;    /* texts classified */
    uint64_t too_late; /* events too late for their window */
    uint64_t unreadable;
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

/* ---------------------------------------------------------------- cutting the feeds */

/* Counts the lines of every feed and cuts each into b->nslices slices of
 * proportional size, so that slice k of every platform covers about the same
 * event time (the simulator writes each feed in event-time order). */
static int plan_slices(bench *b)
{
    uint64_t total = 0;
    for (int i = 0; i < b->sum.nplatforms; i++) {
        FILE *in = fopen(b->sum.platform[i].path, "r");
        if (!in)
            return -1;
        uint64_t n = 0;
        int c, last = '\n';
        while ((c = getc(in)) != EOF) {
            n += c == '\n';
            last = c;
        }
        n += last != '\n';
        fclose(in);
        b->feed[i].lines = n;
        total += n;
    }
    uint64_t per_round = b->chunk * (uint64_t)b->sum.nplatforms;
    uint64_t r = (total + per_round / 2) / per_round;
    b->nslices = r < 1 ? 1 : (int)r;
    b->max_slice = 0;
    for (int i = 0; i < b->sum.nplatforms; i++) {
        feed *f = &b->feed[i];
        f->cut = calloc((size_t)b->nslices + 1, sizeof *f->cut);
        f->first = calloc((size_t)b->nslices + 1, sizeof *f->first);
        FILE *in = fopen(b->sum.platform[i].path, "r");
        if (!f->cut || !f->first || !in) {
            if (in)
                fclose(in);
            return -1;
        }
        /* slice k holds lines [k * lines / n, (k + 1) * lines / n) */
        int k = 1;
        uint64_t line = 0;
        off_t pos = 0;
        int c;
        while (k < b->nslices && f->lines * (uint64_t)k / (uint64_t)b->nslices == 0)
            k++; /* empty first slices start at offset 0 */
        while (k < b->nslices && (c = getc(in)) != EOF) {
            pos++;
            if (c == '\n') {
                line++;
                while (k < b->nslices && line == f->lines * (uint64_t)k / (uint64_t)b->nslices) {
                    f->cut[k] = pos;
                    f->first[k] = line;
                    k++;
                }
            }
        }
        fclose(in);
        struct stat s;
        if (stat(b->sum.platform[i].path, &s) != 0)
            return -1;
        f->cut[b->nslices] = s.st_size;
        f->first[b->nslices] = f->lines;
        for (int j = 0; j < b->nslices; j++)
            if ((size_t)(f->cut[j + 1] - f->cut[j]) > b->max_slice)
                b->max_slice = (size_t)(f->cut[j + 1] - f->cut[j]);
    }
    return 0;
}

/* ---------------------------------------------------------------- off and on */

static void read_stats(ty_store *st, result *r)
{
    ty_store_query_int(st, "SELECT count(*) FROM warnings", &r->warnings);
    ty_store_query_int(st, "SELECT count(*) FROM warnings WHERE state <> 'resolved'", &r->active);
}

static void note_engine(result *r, const ty_engine_stats *st)
{
    r->signals = st->signals;
    r->entities = st->entities;
    r->texts = st->texts;
    r->too_late = st->too_late;
    r->unreadable = st->unreadable;
}

/* Ingests one slice as one submission; returns its accepted count via *n. */
static ty_err ingest_slice(const bench *b, ty_writer *w, int fd, int i, int k, int64_t pid,
                           char *buf, uint64_t *n, char *err, size_t errn)
{
    const feed *f = &b->feed[i];
    size_t len = (size_t)(f->cut[k + 1] - f->cut[k]);
    ssize_t got = pread(fd, buf, len, f->cut[k]);
    if (got < 0 || (size_t)got != len) {
        snprintf(err, errn, "%s: short read", b->sum.platform[i].path);
        return TY_EIO;
    }
    ty_ingest_opts io = {0};
    io.sub.platform = pid;
    io.sub.source = b->sum.platform[i].code;
    io.format = TY_FMT_JSONL;
    ty_ingest *ig;
    ty_err e = ty_ingest_begin(&ig, w, &io);
    if (e == TY_OK && (e = ty_ingest_feed(ig, buf, len)) != TY_OK)
        ty_ingest_free(&ig);
    ty_ingest_report rep;
    memset(&rep, 0, sizeof rep);
    if (e == TY_OK)
        e = ty_ingest_end(&ig, &rep);
    if (e != TY_OK)
        snprintf(err, errn, "%s slice %d: %s", b->sum.platform[i].code, k, ty_err_message(e));
    else if (rep.rejected || rep.duplicate || rep.accepted != f->first[k + 1] - f->first[k]) {
        snprintf(err, errn, "%s slice %d: %llu accepted, %llu rejected, %llu duplicate",
                 b->sum.platform[i].code, k, (unsigned long long)rep.accepted,
                 (unsigned long long)rep.rejected, (unsigned long long)rep.duplicate);
        e = TY_EINVAL;
    }
    *n = rep.accepted;
    ty_ingest_report_free(&rep);
    return e;
}

/* The engine following the store on its own thread (mode follow): it runs over
 * whatever is new until ingest has finished and it has read everything; its
 * warning writes go through the writer (ty_engine_opts.writer). */
typedef struct follower {
    ty_engine *eng;
    _Atomic int ingest_done;
    ty_err err;
    ty_engine_stats st;
    double cpu; /* CPU seconds of this thread */
} follower;

static void *follow_main(void *arg)
{
    follower *f = arg;
    for (;;) {
        int finished = f->ingest_done; /* read before the run: it then sees every event */
        uint64_t before = f->st.events;
        ty_err e = ty_engine_run(f->eng, 0, &f->st);
        if (e != TY_OK) {
            f->err = e;
            break;
        }
        if (f->st.events == before) {
            if (finished)
                break;
            usleep(2000);
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    f->cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    return NULL;
}

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
    int fd[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < b->sum.nplatforms; i++)
        fd[i] = -1;
    for (int i = 0; i < b->sum.nplatforms && e == TY_OK; i++) {
        int created;
        e = ty_store_platform_add(st, b->sum.platform[i].code, NULL, &pid[i], &created);
        if (e == TY_OK && (fd[i] = open(b->sum.platform[i].path, O_RDONLY)) < 0)
            e = TY_EIO;
    }
    char *buf = malloc(b->max_slice + 1);
    ty_writer *w = NULL;
    if (e == TY_OK && !buf)
        e = TY_ENOMEM;
    if (e == TY_OK)
        e = ty_writer_start(&w, st, &(ty_writer_opts){BATCH, 0, 0});
    ty_engine *eng = NULL;
    if (e == TY_OK && with_engine) {
        ty_engine_opts eo = {0};
        eo.db_path = b->db;
        if (with_engine == 2)
            eo.writer = w;
        double t0 = now_s();
        e = ty_engine_open(&eng, &eo, err, sizeof err);
        r->open_s = now_s() - t0;
        if (e != TY_OK && !err[0])
            snprintf(err, sizeof err, "engine open: %s", ty_err_message(e));
    } else if (e != TY_OK) {
        snprintf(err, sizeof err, "setup: %s (%s)", ty_err_message(e), ty_store_errmsg(st));
    }
    ty_engine_stats est;
    memset(&est, 0, sizeof est);
    uint64_t total = 0;
    follower fw;
    memset(&fw, 0, sizeof fw);
    pthread_t ft;
    int following = 0;
    if (e == TY_OK && eng && with_engine == 2) {
        fw.eng = eng;
        following = pthread_create(&ft, NULL, follow_main, &fw) == 0;
        if (!following)
            e = TY_ENOMEM;
        eng = NULL; /* the follower drives it */
    }
    double t0 = now_s(), in_engine = 0, engine_cpu = 0;
    for (int k = 0; k < b->nslices && e == TY_OK; k++)
        for (int i = 0; i < b->sum.nplatforms && e == TY_OK; i++) {
            uint64_t n = 0;
            e = ingest_slice(b, w, fd[i], i, k, pid[i], buf, &n, err, sizeof err);
            total += n;
            r->chunks++;
            if (e == TY_OK && eng) {
                double t1 = now_s(), c1 = cpu_s();
                e = ty_engine_run(eng, 0, &est);
                in_engine += now_s() - t1;
                engine_cpu += cpu_s() - c1;
                if (e != TY_OK)
                    snprintf(err, sizeof err, "engine: %s", ty_err_message(e));
            }
        }
    r->secs = now_s() - t0;
    r->engine_s = in_engine;
    r->engine_cpu = engine_cpu;
    r->ingest_s = r->secs - in_engine;
    if (following) { /* ingest is done: the follower catches up, then stops */
        fw.ingest_done = 1;
        pthread_join(ft, NULL);
        r->engine_s = now_s() - t0 - r->secs; /* its lag behind the last submission */
        r->engine_cpu = fw.cpu;
        r->ingest_s = r->secs;
        est = fw.st;
        eng = fw.eng;
        if (e == TY_OK && fw.err != TY_OK) {
            e = fw.err;
            snprintf(err, sizeof err, "engine following: %s", ty_err_message(e));
        }
    }
    r->events = total;
    r->judged = est.events;
    r->ok = e == TY_OK;
    if (!r->ok)
        fail(r,
             with_engine == 2 ? "ingest with the engine following"
             : with_engine    ? "ingest with detection"
                              : "ingest",
             err);
    else if (eng && est.events != total) {
        snprintf(err, sizeof err, "engine read %llu of %llu events", (unsigned long long)est.events,
                 (unsigned long long)total);
        fail(r, "engine", err);
    }
    note_engine(r, &est);
    ty_engine_close(&eng);
    if (w && ty_writer_stop(&w) != TY_OK && r->ok)
        fail(r, "writer", ty_store_errmsg(st));
    read_stats(st, r);
    ty_store_close(&st);
    free(buf);
    for (int i = 0; i < b->sum.nplatforms; i++)
        if (fd[i] >= 0)
            close(fd[i]);
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
    ty_engine_stats est;
    memset(&est, 0, sizeof est);
    t0 = now_s();
    double c0 = cpu_s();
    x = ty_engine_run(e, 0, &est);
    r->engine_cpu = cpu_s() - c0;
    r->secs = now_s() - t0;
    r->events = est.events;
    note_engine(r, &est);
    ty_engine_close(&e);
    r->ok = x == TY_OK;
    if (!r->ok) {
        fail(r, "engine", ty_err_message(x));
        return;
    }
    ty_store_opts so = {b->db, NULL, 0, 1};
    ty_store *st;
    if (ty_store_open(&st, &so, err, sizeof err) == TY_OK) {
        read_stats(st, r);
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
    const char *s;
    size_t len;
    const char *id; /* the event's id inside s */
    size_t idlen;
    int last; /* the last line of its slice: commit after it */
} line;

/* The feeds in memory as lines, in ingest order (round by round, platform by
 * platform); *text holds them. */
static int load_lines(const bench *b, line **out, size_t *n, char **text)
{
    size_t bytes = 0, count = 0;
    for (int i = 0; i < b->sum.nplatforms; i++) {
        bytes += (size_t)b->feed[i].cut[b->nslices];
        count += b->feed[i].lines;
    }
    char *t = malloc(bytes + 1);
    line *v = malloc((count + 1) * sizeof *v);
    if (!t || !v) {
        free(t);
        free(v);
        return -1;
    }
    size_t at = 0, k = 0;
    for (int j = 0; j < b->nslices; j++)
        for (int i = 0; i < b->sum.nplatforms; i++) {
            const feed *f = &b->feed[i];
            int fd = open(b->sum.platform[i].path, O_RDONLY);
            size_t len = (size_t)(f->cut[j + 1] - f->cut[j]);
            ssize_t got = fd >= 0 ? pread(fd, t + at, len, f->cut[j]) : -1;
            if (fd >= 0)
                close(fd);
            if (got < 0 || (size_t)got != len) {
                free(t);
                free(v);
                return -1;
            }
            char *p = t + at, *end = p + len;
            size_t k0 = k;
            while (p < end && k < count + 1) {
                char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = (size_t)((nl ? nl : end) - p);
                line *x = &v[k++];
                x->s = p;
                x->len = l;
                x->last = 0;
                const char *id = memmem(p, l, "\"id\":\"", 6);
                x->id = id ? id + 6 : "";
                const char *q = id ? memchr(x->id, '"', l - (size_t)(x->id - p)) : NULL;
                x->idlen = q ? (size_t)(q - x->id) : 0;
                p += l + (nl != NULL);
            }
            if (k > k0)
                v[k - 1].last = 1;
            at += len;
        }
    *out = v;
    *n = k;
    *text = t;
    return 0;
}

static void run_floor(const bench *b, result *r)
{
    line *v;
    size_t n;
    char *text;
    if (load_lines(b, &v, &n, &text) != 0) {
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
        sqlite3_close(db);
        free(v);
        free(text);
        return;
    }
    double t0 = now_s();
    int ok = 1, open = 0;
    size_t pending = 0;
    for (size_t i = 0; i < n && ok; i++) {
        if (!open)
            ok = exec(db, "BEGIN") == 0;
        open = 1;
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
        if (ok && (++pending == BATCH || v[i].last || i + 1 == n)) {
            ok = exec(db, "COMMIT") == 0;
            open = 0;
            pending = 0;
        }
    }
    r->secs = now_s() - t0;
    r->events = n;
    r->ok = ok;
    if (!ok)
        fail(r, "floor insert", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_close(db);
    remove_db(b->floor_db);
    free(v);
    free(text);
}

/* ---------------------------------------------------------------- children */

enum { MODE_SIM, MODE_OFF, MODE_ALONE, MODE_ON, MODE_FOLLOW, MODE_FLOOR };

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
    case MODE_FOLLOW:
        run_ingest(b, 2, &o->r);
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
    double on_ingest;             /* on: events per second of ingest time */
    double on_engine;             /* on: events per second inside ty_engine_run */
    double on_engine_cpu;         /* on: the same per CPU second */
    double alone_cpu;             /* alone: events per CPU second */
    double engine_share;          /* on: share of the time inside ty_engine_run */
    double open_s;                /* engine open, alone */
    double warn_on, warn_alone, active_on, active_alone;
    double rss_off, rss_on, rss_alone, rss_floor;
    double r_on_off, r_on_floor, r_off_floor;
    double follow;       /* follow: events/s until the last submission was durable */
    double follow_total; /* follow: events/s until the engine had judged them all */
    double follow_lag;   /* follow: seconds the engine finished after ingest */
    double follow_cpu;   /* follow: engine events per CPU second of its thread */
    double warn_follow, rss_follow, r_follow_off, r_follow_floor;
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
        printf("  %-58s " fmt "  (" fmt " - " fmt ")\n", label, median(c, n), lo(c, n), hi(c, n)); \
    } while (0)
    ROW("ingest, detection off (events/s)", off, "%9.0f");
    ROW("ingest, detection on: engine after every chunk (events/s)", on, "%9.0f");
    ROW("  of which ingest alone (events per s of ingest)", on_ingest, "%9.0f");
    ROW("  of which the engine (events per s in ty_engine_run)", on_engine, "%9.0f");
    ROW("    the same per CPU second of the engine", on_engine_cpu, "%9.0f");
    ROW("  share of the time in the engine", engine_share, "%9.2f");
    ROW("engine alone over the stored feed (events/s)", alone, "%9.0f");
    ROW("  the same per CPU second", alone_cpu, "%9.0f");
    ROW("  engine open: lexicons, model, references (s)", open_s, "%9.2f");
    ROW("floor: raw SQLite inserts (rows/s)", floor, "%9.0f");
    ROW("ingest, engine following on its own thread (events/s)", follow, "%9.0f");
    ROW("  until the engine had judged every event (events/s)", follow_total, "%9.0f");
    ROW("  the engine finished after the last submission (s)", follow_lag, "%9.2f");
    ROW("  engine thread, events per CPU second", follow_cpu, "%9.0f");
    ROW("ratio on/off", r_on_off, "%9.2f");
    ROW("ratio on/floor (foundation goal >= 0.7)", r_on_floor, "%9.2f");
    ROW("ratio off/floor", r_off_floor, "%9.2f");
    ROW("ratio following/off", r_follow_off, "%9.2f");
    ROW("ratio following/floor (foundation goal >= 0.7)", r_follow_floor, "%9.2f");
    ROW("warnings, detection on", warn_on, "%9.0f");
    ROW("warnings, engine alone", warn_alone, "%9.0f");
    ROW("warnings, engine following", warn_follow, "%9.0f");
    ROW("  still open, detection on", active_on, "%9.0f");
    ROW("  still open, engine alone", active_alone, "%9.0f");
    ROW("peak RSS, detection off (MiB)", rss_off, "%9.0f");
    ROW("peak RSS, detection on (MiB)", rss_on, "%9.0f");
    ROW("peak RSS, engine following (MiB)", rss_follow, "%9.0f");
    ROW("peak RSS, engine alone (MiB)", rss_alone, "%9.0f");
    ROW("peak RSS, floor (MiB)", rss_floor, "%9.0f");
#undef ROW
    double on = median(column(rf, n, offsetof(round_figs, r_on_floor), c), n);
    double fo = median(column(rf, n, offsetof(round_figs, r_follow_floor), c), n);
    printf("\nthe foundation's ingest goal (>= 0.7 of the floor) with detection on: engine after "
           "every chunk %s (median %.2f); engine following on its own thread %s (median %.2f)\n",
           on >= 0.7 ? "kept" : "not kept", on, fo >= 0.7 ? "kept" : "not kept", fo);
}

static void cleanup(bench *b)
{
    remove_db(b->db);
    remove_db(b->floor_db);
    for (int i = 0; i < b->sum.nplatforms; i++) {
        unlink(b->sum.platform[i].path);
        free(b->feed[i].cut);
        free(b->feed[i].first);
    }
    if (b->sum.truth_path[0])
        unlink(b->sum.truth_path);
    rmdir(b->feeds);
    rmdir(b->dir);
}

/* A whole number >= 0 with nothing after it; 0 when v is not one. */
static int whole(const char *v, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return 0;
    *out = n;
    return 1;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--days D] [--platforms K] [--scale X | --events N] [--chunk N] "
            "[--rounds R] [--seed S] [--dir DIR] [--cache MIB] [--keep]\n",
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
    b.chunk = BATCH;
    b.rounds = 5;
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
        long long n = 0;
        char *end = NULL;
        if (strcmp(a, "--scale") == 0) {
            errno = 0;
            b.sim.scale = strtod(v, &end);
            if (errno || end == v || *end)
                return usage(argv[0]);
            continue;
        }
        if (strcmp(a, "--dir") != 0 && !whole(v, &n))
            return usage(argv[0]);
        if (strcmp(a, "--events") == 0)
            b.want_events = (uint64_t)n;
        else if (strcmp(a, "--days") == 0)
            b.sim.days = n > 1000 ? 1000 : (int)n;
        else if (strcmp(a, "--platforms") == 0)
            b.sim.platforms = n > 1000 ? 1000 : (int)n;
        else if (strcmp(a, "--chunk") == 0)
            b.chunk = (uint64_t)n;
        else if (strcmp(a, "--rounds") == 0)
            b.rounds = n > 1000 ? 1000 : (int)n;
        else if (strcmp(a, "--seed") == 0)
            b.sim.seed = (uint64_t)n;
        else if (strcmp(a, "--dir") == 0)
            b.dir = v;
        else if (strcmp(a, "--cache") == 0)
            b.cache_mib = n > 1 << 20 ? 1 << 20 : (long)n;
        else
            return usage(argv[0]);
    }
    if (b.sim.days < 1 || b.sim.days > 366 || b.sim.platforms < 1 ||
        b.sim.platforms > TY_SIM_PLATFORMS_MAX || b.rounds < 1 || b.rounds > ROUNDS_MAX ||
        b.sim.scale < 0.01 || b.sim.scale > 100 || b.cache_mib < 1 || b.chunk < 1)
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
    double sim_s = now_s() - t0;
    if (plan_slices(&b) != 0) {
        fprintf(stderr, "bench-detect: cannot read the feeds in %s\n", b.feeds);
        cleanup(&b);
        return 1;
    }
    double feed_mib = 0;
    for (int i = 0; i < b.sum.nplatforms; i++)
        feed_mib += file_mib(b.sum.platform[i].path);
    printf("bench/detect: %d platforms x %d days (scale %.2f, seed %llu): %llu events, %.0f MiB "
           "of JSON Lines, %llu incidents (simulated in %.1f s); %d chunks per platform, about "
           "%llu events each; %d rounds; group commit every %d; page cache %ld MiB; SQLite %s\n",
           b.sum.nplatforms, b.sim.days, b.sim.scale, (unsigned long long)b.sim.seed,
           (unsigned long long)b.sum.total, feed_mib, (unsigned long long)b.sum.incidents, sim_s,
           b.nslices,
           (unsigned long long)(b.sum.total / (uint64_t)b.nslices / (uint64_t)b.sum.nplatforms),
           b.rounds, BATCH, b.cache_mib, sqlite3_libversion());

    round_figs rf[ROUNDS_MAX];
    memset(rf, 0, sizeof rf);
    int rc = 0;
    for (int k = 0; k < b.rounds && rc == 0; k++) {
        /* rotate the order: off (then the engine alone on its store), on, floor */
        static const int order[4] = {MODE_OFF, MODE_ON, MODE_FOLLOW, MODE_FLOOR};
        round_figs *x = &rf[k];
        result on = {0}, off = {0}, alone = {0}, fl = {0}, fol = {0};
        for (int j = 0; j < 4 && rc == 0; j++) {
            int mode = order[(j + k) % 4];
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
            } else if (mode == MODE_FOLLOW) {
                fol = o.r;
                x->rss_follow = rss;
            } else {
                fl = o.r;
                x->rss_floor = rss;
            }
        }
        if (rc)
            break;
        x->off = (double)off.events / off.secs;
        x->on = (double)on.events / on.secs;
        x->on_ingest = (double)on.events / on.ingest_s;
        x->on_engine = (double)on.judged / on.engine_s;
        x->on_engine_cpu = (double)on.judged / on.engine_cpu;
        x->alone_cpu = (double)alone.events / alone.engine_cpu;
        x->engine_share = on.engine_s / on.secs;
        x->floor = (double)fl.events / fl.secs;
        x->alone = (double)alone.events / alone.secs;
        x->open_s = alone.open_s;
        x->warn_on = (double)on.warnings;
        x->warn_alone = (double)alone.warnings;
        x->active_on = (double)on.active;
        x->active_alone = (double)alone.active;
        x->r_on_off = x->on / x->off;
        x->r_on_floor = x->on / x->floor;
        x->r_off_floor = x->off / x->floor;
        x->follow = (double)fol.events / fol.secs;
        x->follow_total = (double)fol.events / (fol.secs + fol.engine_s);
        x->follow_lag = fol.engine_s;
        x->follow_cpu = (double)fol.judged / fol.engine_cpu;
        x->warn_follow = (double)fol.warnings;
        x->r_follow_off = x->follow / x->off;
        x->r_follow_floor = x->follow / x->floor;
        printf("round %d: following %.0f/s (engine done %.1f s after ingest, %lld warnings, "
               "%lld open); ",
               k + 1, x->follow, fol.engine_s, (long long)fol.warnings, (long long)fol.active);
        printf("round %d: off %.0f/s (%.0f MiB) | on %.0f/s (%.0f MiB; ingest %.1f s, engine "
               "%.1f s = %.0f/s, %llu signals, %lld warnings, %lld open) | engine alone %.0f/s "
               "(%.0f MiB, open %.2f s; %llu signals, %lld warnings, %lld open) | floor %.0f/s | "
               "on/off %.2f, on/floor %.2f, off/floor %.2f\n",
               k + 1, x->off, x->rss_off, x->on, x->rss_on, on.ingest_s, on.engine_s, x->on_engine,
               (unsigned long long)on.signals, (long long)on.warnings, (long long)on.active,
               x->alone, x->rss_alone, alone.open_s, (unsigned long long)alone.signals,
               (long long)alone.warnings, (long long)alone.active, x->floor, x->r_on_off,
               x->r_on_floor, x->r_off_floor);
        if (on.unreadable || alone.unreadable || on.judged != alone.events || on.too_late ||
            alone.too_late)
            printf("  note: engine read %llu events following (%llu unreadable, %llu too late), "
                   "%llu alone (%llu unreadable, %llu too late)\n",
                   (unsigned long long)on.judged, (unsigned long long)on.unreadable,
                   (unsigned long long)on.too_late, (unsigned long long)alone.events,
                   (unsigned long long)alone.unreadable, (unsigned long long)alone.too_late);
        if (k == 0)
            printf("  engine: %llu entities, %llu texts classified\n",
                   (unsigned long long)alone.entities, (unsigned long long)alone.texts);
        fflush(stdout);
    }
    if (rc == 0)
        summary(rf, b.rounds);
    if (!keep)
        cleanup(&b);
    return rc;
}
