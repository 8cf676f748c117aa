/*
 * bench/ingest.c - durable ingest throughput against the raw SQLite floor,
 * measured in the same run.
 *
 *   ours:  JSON Lines order events with random 16-hex-digit ids, through the
 *          whole pipeline (decode, validate, canonicalise, pseudonymise buyer,
 *          exactly-once check, insert, group commit every 10,000 events).
 *   floor: a prepared INSERT of rows of the same width (same 12 columns, same
 *          values) with sequential ids into one table, committed every 10,000
 *          rows, with the same SQLite settings (WAL, synchronous=FULL).
 *
 * Each is measured into an empty store and into one already holding PRELOAD
 * events. Prints events/s for both and the ratio ours/floor.
 *
 * usage: bench-ingest [--events N] [--preload M] [--dir DIR] [--cache MIB] [--keep]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tianyan/ingest.h"
#include "tianyan/process.h"
#include "tianyan/timeutil.h"

#define BATCH 10000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the bench only needs fast, repeatable ids */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Writes n order events (about 257 bytes each) with random 16-hex ids. */
static int gen_events(const char *path, uint64_t n, uint64_t t0_ms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        char when[TY_TIME_TEXT_MAX];
        ty_time_format((int64_t)(t0_ms + i * 37), 480, 1, when);
        uint64_t r = rnd();
        fprintf(f,
                "{\"spec_version\":\"1.0\",\"type\":\"order\",\"id\":\"%016llx\",\"time\":\"%s\","
                "\"merchant_id\":\"m%04u\",\"buyer\":\"u%08x\",\"items\":[{\"sku\":\"sku-%05u\","
                "\"quantity\":%u,\"unit_price\":%u}],\"currency\":\"CNY\",\"destination\":"
                "\"CN-ZJ\",\"trade_mode\":\"1210\"}\n",
                (unsigned long long)rnd(), when, (unsigned)(r % 500), (unsigned)(r >> 32),
                (unsigned)(r % 20000), (unsigned)(1 + r % 3), (unsigned)(990 + r % 50000));
    }
    return fclose(f);
}

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

/* The floor: same columns and values, sequential ids, prepared insert, 10,000 per commit. */
typedef struct floor_db {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int64_t next;
} floor_db;

static long cache_mib = 64; /* SQLite page cache, the same for both sides */

static int floor_open(floor_db *f, const char *path)
{
    if (sqlite3_open(path, &f->db) != SQLITE_OK)
        return -1;
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%ld;", cache_mib * 1024);
    if (exec(f->db, pragma))
        return -1;
    if (exec(f->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "PRAGMA temp_store=MEMORY;"
                    "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, platform INTEGER "
                    "NOT NULL, type INTEGER NOT NULL, key_hash INTEGER NOT NULL, ts INTEGER NOT "
                    "NULL, tz INTEGER NOT NULL, received INTEGER NOT NULL, batch INTEGER NOT NULL, "
                    "rid TEXT NOT NULL, sku TEXT, merchant TEXT, body TEXT NOT NULL)"))
        return -1;
    if (sqlite3_prepare_v2(f->db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &f->ins,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *s;
    sqlite3_prepare_v2(f->db, "SELECT coalesce(max(seq), 0) FROM events", -1, &s, NULL);
    sqlite3_step(s);
    f->next = sqlite3_column_int64(s, 0) + 1;
    sqlite3_finalize(s);
    return 0;
}

static void floor_close(floor_db *f)
{
    sqlite3_finalize(f->ins);
    sqlite3_close(f->db);
}

/* Inserts the events of a JSONL file with their lines as bodies (parsing is not timed:
 * lines are loaded into memory first). Returns seconds spent inserting. */
static double floor_insert(floor_db *f, const char *path, uint64_t n)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return -1;
    char **lines = malloc(sizeof(char *) * n);
    size_t *lens = malloc(sizeof(size_t) * n);
    char *line = NULL;
    size_t cap = 0;
    uint64_t k = 0;
    ssize_t len;
    while (k < n && (len = getline(&line, &cap, in)) > 0) {
        lines[k] = strndup(line, (size_t)len - 1);
        lens[k] = (size_t)len - 1;
        k++;
    }
    free(line);
    fclose(in);
    double t0 = now_s();
    for (uint64_t i = 0; i < k; i++) {
        if (i % BATCH == 0)
            exec(f->db, "BEGIN");
        sqlite3_stmt *s = f->ins;
        const char *id = lines[i] + 48; /* the 16 hex digits of the id */
        sqlite3_bind_int64(s, 1, f->next++);
        sqlite3_bind_int64(s, 2, 1);
        sqlite3_bind_int(s, 3, 4);
        sqlite3_bind_int64(s, 4, (int64_t)rnd());
        sqlite3_bind_int64(s, 5, 1790000000000LL + (int64_t)i);
        sqlite3_bind_int(s, 6, 480);
        sqlite3_bind_int64(s, 7, 1790000000000LL);
        sqlite3_bind_int64(s, 8, 1);
        sqlite3_bind_text(s, 9, id, 16, SQLITE_STATIC);
        sqlite3_bind_text(s, 10, "sku-01234", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 11, "m0123", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, lines[i], (int)lens[i], SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            fprintf(stderr, "floor insert: %s\n", sqlite3_errmsg(f->db));
            return -1;
        }
        sqlite3_reset(s);
        if (i % BATCH == BATCH - 1 || i + 1 == k)
            exec(f->db, "COMMIT");
    }
    double t = now_s() - t0;
    for (uint64_t i = 0; i < k; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    return t;
}

/* The writer runs for the whole benchmark, as it does in a server; each
 * measured ingest is one submission through it, timed until it is durable. */
static ty_writer *writer;
static int64_t bench_platform;

static int ours_ingest(ty_store *st, const char *path, ty_ingest_report *rep, double *secs)
{
    ty_ingest_opts o = {0};
    o.sub.platform = bench_platform;
    o.sub.source = path;
    o.format = TY_FMT_JSONL;
    double t0 = now_s();
    ty_err e = ty_ingest_path(writer, &o, path, rep);
    *secs = now_s() - t0;
    if (e != TY_OK) {
        fprintf(stderr, "ingest %s: %s (%s)\n", path, ty_err_message(e), ty_store_errmsg(st));
        return -1;
    }
    return 0;
}

static long rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* One measurement: n fresh events into stores that already hold some. The n
 * events are ingested in SLICES interleaved slices (ours, floor, ours, floor …)
 * so that noise from other work on a shared machine hits both sides alike. */
#define SLICES 5

static int measure(const char *dir, const char *label, uint64_t n, ty_store *st, floor_db *fl,
                   uint64_t t0_ms)
{
    char path[4096];
    double ours = 0, flo = 0, slice_ratio[SLICES];
    uint64_t per = n / SLICES;
    for (int k = 0; k < SLICES; k++) {
        uint64_t m = k == SLICES - 1 ? n - per * (SLICES - 1) : per;
        snprintf(path, sizeof path, "%s/events-%d.jsonl", dir, k);
        if (gen_events(path, m, t0_ms + (uint64_t)k * per * 37) != 0) {
            perror(path);
            return -1;
        }
        ty_ingest_report rep;
        double s;
        if (ours_ingest(st, path, &rep, &s) != 0)
            return -1;
        if (rep.accepted != m || rep.rejected) {
            fprintf(stderr, "unexpected report: accepted %llu rejected %llu\n",
                    (unsigned long long)rep.accepted, (unsigned long long)rep.rejected);
            return -1;
        }
        ty_ingest_report_free(&rep);
        ours += s;
        double f = floor_insert(fl, path, m);
        if (f < 0)
            return -1;
        flo += f;
        slice_ratio[k] = f / s; /* ours/floor in events per second */
        unlink(path);
    }
    double a = (double)n / ours, b = (double)n / flo;
    /* median of the slice ratios: one slice hit by a neighbour's burst does not decide */
    for (int i = 1; i < SLICES; i++)
        for (int j = i; j > 0 && slice_ratio[j] < slice_ratio[j - 1]; j--) {
            double t = slice_ratio[j];
            slice_ratio[j] = slice_ratio[j - 1];
            slice_ratio[j - 1] = t;
        }
    printf("%-18s %10llu events: ours %9.0f events/s  floor %9.0f rows/s  ratio %.2f  "
           "(median of %d slices %.2f, range %.2f-%.2f; rss %ld MiB)\n",
           label, (unsigned long long)n, a, b, a / b, SLICES, slice_ratio[SLICES / 2],
           slice_ratio[0], slice_ratio[SLICES - 1], rss_mib());
    fflush(stdout);
    return 0;
}

/* Diagnostic: the writer's half alone. Rows are decoded and prepared first
 * (untimed), then inserted with the exactly-once check and committed every
 * BATCH rows, on one thread. Compared with the floor it shows what the
 * duplicate index and bookkeeping cost; compared with "ours" it shows how much
 * of the decoding the pipeline hides. */
typedef struct prep_ctx {
    ty_store *st;
    ty_buf arena;
    ty_event_row *rows;
    size_t n, cap;
} prep_ctx;

static ty_err prep_rec(void *ctx, const ty_record *r)
{
    prep_ctx *p = ctx;
    if (p->n == p->cap)
        return TY_ELIMIT;
    return ty_store_prepare_row(p->st, bench_platform, r, &p->arena, &p->rows[p->n++]);
}

static int writer_only(const char *dir, uint64_t n, ty_store *st, uint64_t t0_ms)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/writer-only.jsonl", dir);
    if (gen_events(path, n, t0_ms) != 0)
        return -1;
    prep_ctx p = {st, {0}, calloc(n, sizeof(ty_event_row)), 0, n};
    ty_buf_init(&p.arena, (size_t)n * 1024);
    ty_sink sink = {prep_rec, NULL, &p};
    ty_decoder *d;
    FILE *f = fopen(path, "r");
    if (!p.rows || !f || ty_decoder_new(&d, TY_FMT_JSONL, NULL, &sink) != TY_OK)
        return -1;
    char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        ty_decoder_feed(d, buf, k);
    ty_decoder_finish(d);
    ty_decoder_free(&d);
    fclose(f);
    unlink(path);
    /* the writer thread owns the store while it runs: stop it for this */
    ty_writer_stop(&writer);
    int64_t batch = 0;
    double t0 = now_s();
    int ok = 1;
    for (size_t i = 0; i < p.n && ok; i++) {
        if (i % BATCH == 0)
            ok = ty_store_begin(st) == TY_OK &&
                 ty_store_batch_open(st, bench_platform, "writer-only", &batch) == TY_OK;
        int dup;
        ok = ok &&
             ty_store_add_row(st, bench_platform, batch, &p.rows[i], p.arena.data, &dup) == TY_OK &&
             !dup;
        if (ok && (i % BATCH == BATCH - 1 || i + 1 == p.n))
            ok = ty_store_commit(st) == TY_OK;
    }
    double t = now_s() - t0;
    free(p.rows);
    ty_buf_free(&p.arena);
    if (!ok || ty_writer_start(&writer, st, &(ty_writer_opts){BATCH, 0, 0}) != TY_OK)
        return -1;
    printf("%-18s %10llu events: writer half alone (prepared rows, one thread) %9.0f events/s\n",
           "diagnostic", (unsigned long long)n, (double)n / t);
    return 0;
}

/* Fills both stores with m events, in chunks, untimed. */
static int preload(const char *dir, uint64_t m, ty_store *st, floor_db *fl)
{
    const uint64_t chunk = 1000000;
    char path[4096];
    snprintf(path, sizeof path, "%s/preload.jsonl", dir);
    for (uint64_t done = 0; done < m; done += chunk) {
        uint64_t k = m - done < chunk ? m - done : chunk;
        if (gen_events(path, k, 1600000000000ULL + done * 37) != 0)
            return -1;
        ty_ingest_report rep;
        double s;
        if (ours_ingest(st, path, &rep, &s) != 0)
            return -1;
        ty_ingest_report_free(&rep);
        if (floor_insert(fl, path, k) < 0)
            return -1;
        fprintf(stderr, "\rpreloaded %llu / %llu", (unsigned long long)(done + k),
                (unsigned long long)m);
    }
    fprintf(stderr, "\n");
    unlink(path);
    return 0;
}

int main(int argc, char **argv)
{
    ty_process_init(); /* as the tianyan binary does; applies to both sides */
    uint64_t n = 1000000, pre = 10000000;
    const char *dir = "bench-ingest.tmp";
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--preload") == 0 && i + 1 < argc)
            pre = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
            cache_mib = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else {
            fprintf(stderr,
                    "usage: %s [--events N] [--preload M] [--dir DIR] [--cache MIB] [--keep]\n",
                    argv[0]);
            return 2;
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    printf("bench/ingest: %llu events per run, preload %llu, group commit every %d, page cache "
           "%ld MiB, SQLite %s\n",
           (unsigned long long)n, (unsigned long long)pre, BATCH, cache_mib, sqlite3_libversion());
    char ours_path[4096], floor_path[4096];
    snprintf(ours_path, sizeof ours_path, "%s/ours.db", dir);
    snprintf(floor_path, sizeof floor_path, "%s/floor.db", dir);
    const char *sfx[] = {"", "-wal", "-shm", ".key"};
    for (int k = 0; k < 4; k++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", ours_path, sfx[k]);
        unlink(p);
        snprintf(p, sizeof p, "%s%s", floor_path, sfx[k]);
        unlink(p);
    }
    ty_store_opts so = {ours_path, NULL, cache_mib, 0};
    char err[512];
    ty_store *st;
    if (ty_store_open(&st, &so, err, sizeof err) != TY_OK) {
        fprintf(stderr, "open: %s\n", err);
        return 1;
    }
    floor_db fl;
    if (floor_open(&fl, floor_path) != 0)
        return 1;
    if (ty_store_platform(st, "bench", 1, &bench_platform) != TY_OK ||
        ty_writer_start(&writer, st, &(ty_writer_opts){BATCH, 0, 0}) != TY_OK)
        return 1;
    int rc = measure(dir, "empty store", n, st, &fl, 1760000000000ULL);
    if (rc == 0)
        rc = writer_only(dir, n / 2, st, 1765000000000ULL);
    if (rc == 0 && pre) {
        /* the first run already added n events to each */
        if (preload(dir, pre > n ? pre - n : 0, st, &fl) != 0)
            return 1;
        char label[64];
        snprintf(label, sizeof label, "holding %llu", (unsigned long long)pre);
        /* reopen so the duplicate index is loaded from disk, as after a restart */
        ty_writer_stop(&writer);
        ty_store_close(&st);
        double t0 = now_s();
        if (ty_store_open(&st, &so, err, sizeof err) != TY_OK) {
            fprintf(stderr, "open: %s\n", err);
            return 1;
        }
        double open_s = now_s() - t0;
        ty_index_info info;
        ty_store_index_info(st, &info);
        printf("reopen with %llu events: index loaded in %.2f s (%s, %.0f MiB)\n",
               (unsigned long long)info.entries, open_s,
               info.from_snapshot ? "from its snapshot" : "rebuilt from the table",
               (double)info.bytes / 1048576.0);
        if (ty_store_platform(st, "bench", 1, &bench_platform) != TY_OK ||
            ty_writer_start(&writer, st, &(ty_writer_opts){BATCH, 0, 0}) != TY_OK)
            return 1;
        rc = measure(dir, label, n, st, &fl, 1770000000000ULL);
    }
    ty_writer_stop(&writer);
    ty_store_close(&st);
    floor_close(&fl);
    if (!keep) {
        for (int k = 0; k < 4; k++) {
            char p[4200];
            snprintf(p, sizeof p, "%s%s", ours_path, sfx[k]);
            unlink(p);
            snprintf(p, sizeof p, "%s%s", floor_path, sfx[k]);
            unlink(p);
        }
        rmdir(dir);
    }
    return rc == 0 ? 0 : 1;
}
