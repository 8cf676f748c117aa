/*
 * test_store.c - the embedded store: schema and settings, the key file,
 * exactly-once across transactions, reopen and a second writer, rollback,
 * product versions, pseudonymised buyers, and the duplicate index itself.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "store/migrations.h"
#include "tianyan/hashidx.h"
#include "tianyan/codec.h"
#include "tianyan/store.h"

static char dir[512];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* Adds every record of a JSON Lines text to the store inside its own transaction. */
typedef struct adder {
    ty_store *st;
    int64_t platform, batch;
    int added, dups, conflicts;
    ty_err err;
} adder;

static ty_err add_rec(void *ctx, const ty_record *r)
{
    adder *a = ctx;
    int dup;
    ty_err e = ty_store_add(a->st, a->platform, a->batch, r, &dup);
    if (e != TY_OK)
        a->err = e;
    else if (dup) {
        a->dups++;
        a->conflicts += dup == TY_DUP_CONFLICT;
    } else
        a->added++;
    return e;
}

static ty_err rej_rec(void *ctx, const ty_reject *r)
{
    (void)ctx;
    char msg[512];
    ty_reject_format(r, msg, sizeof msg);
    fprintf(stderr, "unexpected reject: %s\n", msg);
    check_failures++;
    return TY_OK;
}

static adder add_jsonl(ty_store *st, const char *platform, const char *text, int commit)
{
    adder a = {st, 0, 0, 0, 0, 0, TY_OK};
    CHECK_INT(ty_store_platform(st, platform, 1, &a.platform), TY_OK);
    CHECK_INT(ty_store_begin(st), TY_OK);
    CHECK_INT(ty_store_batch_open(st, a.platform, "test", &a.batch), TY_OK);
    ty_sink sink = {add_rec, rej_rec, &a};
    ty_decoder *d;
    CHECK_INT(ty_decoder_new(&d, TY_FMT_JSONL, NULL, &sink), TY_OK);
    CHECK_INT(ty_decoder_feed(d, text, strlen(text)), TY_OK);
    CHECK_INT(ty_decoder_finish(d), TY_OK);
    ty_decoder_free(&d);
    if (commit)
        CHECK_INT(ty_store_commit(st), TY_OK);
    else
        ty_store_rollback(st);
    return a;
}

#define EV(type, id, extra)                                        \
    "{\"spec_version\":\"1.0\",\"type\":\"" type "\",\"id\":\"" id \
    "\",\"time\":\"2026-03-01T20:15:00+08:00\"," extra "}\n"
#define REVIEW(id) EV("review", id, "\"sku\":\"S1\",\"stars\":4,\"buyer\":\"alice-42\"")

static ty_store *open_store(const char *db, const char *key, char *err, size_t errn, ty_err *e)
{
    ty_store_opts o = {db, key, 16, 0};
    ty_store *st = NULL;
    *e = ty_store_open(&st, &o, err, errn);
    return st;
}

static void test_open_and_keys(void)
{
    char db[600], key[600], err[512];
    ty_err e;
    path_in(db, sizeof db, "keys.db");
    ty_store *st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(e, TY_OK);
    CHECK_INT(ty_store_schema_version(st), store_migration_count());
    int64_t v = 0;
    CHECK_INT(ty_store_query_int(
                  st, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'", &v),
              TY_OK);
    CHECK_INT(v, 1);
    ty_store_close(&st);
    CHECK(st == NULL);

    /* key file next to the store, private */
    snprintf(key, sizeof key, "%s.key", db);
    struct stat sb;
    CHECK_INT(stat(key, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK_INT(sb.st_size, 65);

    /* a different key is refused: pseudonyms would silently stop matching */
    char other[600];
    path_in(other, sizeof other, "other.key");
    st = open_store(db, other, err, sizeof err, &e);
    CHECK_INT(e, TY_ECRYPTO);
    CHECK(st == NULL);
    CHECK_CONTAINS(err, "is not the key this store was created with");

    /* a key file readable by others is refused */
    chmod(key, 0644);
    st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(e, TY_ECRYPTO);
    CHECK_CONTAINS(err, "readable by others");
    chmod(key, 0600);
    st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(e, TY_OK);
    ty_store_close(&st);
}

static void test_exactly_once(void)
{
    char db[600], err[512];
    ty_err e;
    path_in(db, sizeof db, "once.db");
    ty_store *st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(e, TY_OK);

    adder a = add_jsonl(st, "p1", REVIEW("r1") REVIEW("r2") REVIEW("r1"), 1);
    CHECK_INT(a.added, 2);
    CHECK_INT(a.dups, 1); /* duplicate inside the same transaction */
    a = add_jsonl(st, "p1", REVIEW("r2") REVIEW("r3"), 1);
    CHECK_INT(a.added, 1);
    CHECK_INT(a.dups, 1);
    CHECK_INT(a.conflicts, 0);
    /* the same id with other content: still a duplicate (not stored), but told apart */
    a = add_jsonl(st, "p1", EV("review", "r3", "\"sku\":\"S1\",\"stars\":1,\"buyer\":\"alice-42\""),
                  1);
    CHECK_INT(a.dups, 1);
    CHECK_INT(a.conflicts, 1);
    /* same id, other platform or other type: different events */
    a = add_jsonl(st, "p2", REVIEW("r1"), 1);
    CHECK_INT(a.added, 1);
    a = add_jsonl(st, "p1",
                  EV("complaint", "r1",
                     "\"sku\":\"S1\",\"category\":\"quality\",\"channel\":\"app\",\"text\":\"x\""),
                  1);
    CHECK_INT(a.added, 1);
    CHECK_INT(ty_store_event_count(st), 5);

    /* rolled back: not stored, and the index forgets it */
    a = add_jsonl(st, "p1", REVIEW("r9"), 0);
    CHECK_INT(a.added, 1);
    a = add_jsonl(st, "p1", REVIEW("r9"), 1);
    CHECK_INT(a.added, 1);
    CHECK_INT(a.dups, 0);
    CHECK_INT(ty_store_event_count(st), 6);
    ty_store_close(&st);

    /* after reopening, the index is rebuilt from disk */
    st = open_store(db, NULL, err, sizeof err, &e);
    a = add_jsonl(st, "p1", REVIEW("r1") REVIEW("r2") REVIEW("r3") REVIEW("r9") REVIEW("r10"), 1);
    CHECK_INT(a.dups, 4);
    CHECK_INT(a.added, 1);

    /* a second handle (another process in real life) writes; the first one sees it */
    ty_store *st2 = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(e, TY_OK);
    a = add_jsonl(st2, "p1", REVIEW("r11"), 1);
    CHECK_INT(a.added, 1);
    a = add_jsonl(st, "p1", REVIEW("r11") REVIEW("r12"), 1);
    CHECK_INT(a.dups, 1);
    CHECK_INT(a.added, 1);
    a = add_jsonl(st2, "p1", REVIEW("r12"), 1);
    CHECK_INT(a.dups, 1);
    ty_store_close(&st2);

    int64_t n = 0;
    CHECK_INT(ty_store_query_int(st,
                                 "SELECT count(*) FROM (SELECT platform, type, rid FROM events "
                                 "GROUP BY 1, 2, 3 HAVING count(*) > 1)",
                                 &n),
              TY_OK);
    CHECK_INT(n, 0);
    CHECK_INT(ty_store_event_count(st), 9);
    ty_store_close(&st);
}

static void test_pseudonyms_and_versions(void)
{
    char db[600], err[512];
    ty_err e;
    path_in(db, sizeof db, "pseudo.db");
    ty_store *st = open_store(db, NULL, err, sizeof err, &e);
    add_jsonl(st, "p1", REVIEW("r1") REVIEW("r2"), 1);
    int64_t n = -1;
    CHECK_INT(
        ty_store_query_int(st, "SELECT count(*) FROM events WHERE body LIKE '%alice-42%'", &n),
        TY_OK);
    CHECK_INT(n, 0); /* the buyer id never reaches the disk */
    CHECK_INT(ty_store_query_int(
                  st, "SELECT count(DISTINCT json_extract(body, '$.buyer')) FROM events", &n),
              TY_OK);
    CHECK_INT(n, 1); /* but the same buyer keeps one pseudonym */
    CHECK_INT(ty_store_query_int(st,
                                 "SELECT count(*) FROM events WHERE json_extract(body, '$.buyer') "
                                 "LIKE 'h1:________________________________'",
                                 &n),
              TY_OK);
    CHECK_INT(n, 2);
    /* the same buyer string on another platform is someone else: another pseudonym */
    add_jsonl(st, "p2", REVIEW("r1"), 1);
    CHECK_INT(ty_store_query_int(
                  st, "SELECT count(DISTINCT json_extract(body, '$.buyer')) FROM events", &n),
              TY_OK);
    CHECK_INT(n, 2);

    /* product versions: all kept; the current one is the latest by event time */
    const char *v1 = "{\"spec_version\":\"1.0\",\"type\":\"product\",\"id\":\"pv1\",\"time\":"
                     "\"2026-03-01T10:00:00+08:00\",\"sku\":\"S1\",\"title\":\"Cream "
                     "v1\",\"brand\":\"B\",\"category\":[\"护肤\"],\"origin_country\":\"JP\"}\n";
    const char *v3 = "{\"spec_version\":\"1.0\",\"type\":\"product\",\"id\":\"pv3\",\"time\":"
                     "\"2026-03-03T10:00:00+08:00\",\"sku\":\"S1\",\"title\":\"Cream "
                     "v3\",\"brand\":\"B\",\"category\":[\"护肤\"],\"origin_country\":\"JP\"}\n";
    const char *v2 = "{\"spec_version\":\"1.0\",\"type\":\"product\",\"id\":\"pv2\",\"time\":"
                     "\"2026-03-02T10:00:00+08:00\",\"sku\":\"S1\",\"title\":\"Cream "
                     "v2\",\"brand\":\"B\",\"category\":[\"护肤\"],\"origin_country\":\"KR\"}\n";
    add_jsonl(st, "p1", v1, 1);
    add_jsonl(st, "p1", v3, 1);
    add_jsonl(st, "p1", v2, 1); /* arrives late: history only */
    add_jsonl(st, "p1", v2, 1); /* re-sent: a duplicate, not a fourth version */
    int64_t count = 0;
    CHECK_INT(ty_store_versions(st, "p1", TY_REC_PRODUCT, "S1", &count), TY_OK);
    CHECK_INT(count, 3);
    CHECK_INT(ty_store_query_int(st,
                                 "SELECT count(*) FROM products WHERE sku = 'S1' AND title = "
                                 "'Cream v3' AND origin = 'JP'",
                                 &n),
              TY_OK);
    CHECK_INT(n, 1);
    ty_buf b;
    ty_buf_init(&b, 1 << 16);
    CHECK_INT(ty_store_event_json(st, "p1", TY_REC_PRODUCT, "pv2", &b), TY_OK);
    CHECK_CONTAINS(ty_buf_cstr(&b), "\"title\":\"Cream v2\"");
    CHECK_INT(ty_store_event_json(st, "p1", TY_REC_PRODUCT, "nope", &b), TY_ENOENT);
    ty_buf_free(&b);
    ty_store_close(&st);
}

static int copy_file(const char *from, const char *to)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    return system(cmd);
}

static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

/* Re-sends r1..rN and returns how many were new. */
static int resend(ty_store *st, int from, int to)
{
    char text[100000];
    size_t o = 0;
    for (int i = from; i <= to && o + 256 < sizeof text; i++)
        o += (size_t)snprintf(text + o, sizeof text - o,
                              EV("review", "r%d", "\"sku\":\"S1\",\"stars\":4"), i);
    adder a = add_jsonl(st, "p1", text, 1);
    return a.added;
}

static void test_snapshot(void)
{
    char db[600], snap[620], err[512], keep[620];
    ty_err e;
    path_in(db, sizeof db, "snap.db");
    snprintf(snap, sizeof snap, "%s.dedup", db);
    snprintf(keep, sizeof keep, "%s.old", snap);
    ty_index_info info;

    ty_store *st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(resend(st, 1, 300), 300);
    ty_store_index_info(st, &info);
    CHECK_INT(info.entries, 300);
    CHECK_INT(info.from_snapshot, 0);
    ty_store_close(&st);
    CHECK_INT(access(snap, R_OK), 0); /* written at close */
    CHECK_INT(copy_file(snap, keep), 0);

    /* reopened from the snapshot: every event still known */
    st = open_store(db, NULL, err, sizeof err, &e);
    ty_store_index_info(st, &info);
    CHECK_INT(info.from_snapshot, 1);
    CHECK_INT(info.snapshot_seq, 300);
    CHECK_INT(info.entries, 300);
    CHECK_INT(resend(st, 1, 300), 0);
    CHECK_INT(resend(st, 301, 400), 100);
    ty_store_close(&st);

    /* a stale snapshot (as after a crash) is a prefix: the rest is caught up */
    CHECK_INT(copy_file(keep, snap), 0);
    st = open_store(db, NULL, err, sizeof err, &e);
    ty_store_index_info(st, &info);
    CHECK_INT(info.from_snapshot, 1);
    CHECK_INT(info.snapshot_seq, 300);
    CHECK_INT(info.entries, 400);
    CHECK_INT(resend(st, 1, 400), 0);
    ty_store_close(&st);

    /* a damaged snapshot is ignored and the index rebuilt from the table */
    flip_byte(snap, 200);
    st = open_store(db, NULL, err, sizeof err, &e);
    ty_store_index_info(st, &info);
    CHECK_INT(info.from_snapshot, 0);
    CHECK_INT(info.entries, 400);
    CHECK_INT(resend(st, 1, 400), 0);
    ty_store_close(&st);

    /* a snapshot of another store is refused */
    char other[600], osnap[620];
    path_in(other, sizeof other, "snap-other.db");
    snprintf(osnap, sizeof osnap, "%s.dedup", other);
    ty_store *o2 = open_store(other, NULL, err, sizeof err, &e);
    CHECK_INT(resend(o2, 1000, 1500), 501);
    ty_store_close(&o2);
    CHECK_INT(copy_file(osnap, snap), 0);
    st = open_store(db, NULL, err, sizeof err, &e);
    ty_store_index_info(st, &info);
    CHECK_INT(info.from_snapshot, 0);
    CHECK_INT(resend(st, 1, 400), 0);
    ty_store_close(&st);

    /* a copy of this store that diverged: same id, same length, other events */
    char copy[600], csnap[620], ckey[620], dkey[620];
    path_in(copy, sizeof copy, "snap-copy.db");
    snprintf(csnap, sizeof csnap, "%s.dedup", copy);
    snprintf(ckey, sizeof ckey, "%s.key", copy);
    snprintf(dkey, sizeof dkey, "%s.key", db);
    CHECK_INT(copy_file(db, copy), 0);
    CHECK_INT(copy_file(dkey, ckey), 0);
    chmod(ckey, 0600);
    st = open_store(db, NULL, err, sizeof err, &e);
    CHECK_INT(resend(st, 401, 450), 50);
    ty_store_close(&st); /* snapshot covers 450 of the original */
    ty_store *c2 = open_store(copy, NULL, err, sizeof err, &e);
    CHECK_INT(resend(c2, 2001, 2050), 50); /* seqs 401..450 hold other events here */
    ty_store_close(&c2);
    CHECK_INT(copy_file(snap, csnap), 0);
    c2 = open_store(copy, NULL, err, sizeof err, &e);
    ty_store_index_info(c2, &info);
    CHECK_INT(info.from_snapshot, 0); /* spot check caught it */
    CHECK_INT(resend(c2, 2001, 2050), 0);
    CHECK_INT(resend(c2, 401, 450), 50);
    ty_store_close(&c2);
}

static void test_ty_hashidx(void)
{
    ty_hashidx x;
    CHECK_INT(ty_hashidx_init(&x, 0), TY_OK);
    /* colliding hashes (and hash 0) keep every candidate */
    for (int64_t i = 1; i <= 5000; i++)
        CHECK_INT(ty_hashidx_insert(&x, (uint64_t)(i % 7), i), TY_OK);
    for (uint64_t h = 0; h < 7; h++) {
        uint64_t pos = UINT64_MAX;
        int64_t seq, found = 0, sum = 0;
        while (ty_hashidx_next(&x, h, &pos, &seq)) {
            found++;
            sum += seq;
            CHECK(h == 0 || seq % 7 == (int64_t)h || (h == 1 && seq % 7 == 0));
        }
        if (h == 0)
            CHECK_INT(found, 0 + 714 + 715); /* 0 is stored as 1: h 0 and h 1 share candidates */
        else if (h != 1)
            CHECK(found == 714 || found == 715);
        (void)sum;
    }
    CHECK(x.count == 5000);
    CHECK(ty_hashidx_bytes(&x) >= 5000 * sizeof(ty_hashidx_slot) * 10 / 7);
    ty_hashidx_free(&x);

    /* removal keeps every other entry findable, whatever the clustering: a small
     * table, hashes crowded into few home slots, random removals checked against
     * a plain array */
    enum { N = 3000 };
    static uint64_t h[N];
    static int live[N];
    CHECK_INT(ty_hashidx_init(&x, N), TY_OK);
    uint64_t r = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        h[i] = (r % 64) * 0x10001ULL + (r & 0xff00000000ULL); /* many shared low bits */
        CHECK_INT(ty_hashidx_insert(&x, h[i], i + 1), TY_OK);
        live[i] = 1;
    }
    for (int round = 0; round < 2 * N; round++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        int i = (int)(r % N);
        if (live[i]) {
            ty_hashidx_remove(&x, h[i], i + 1);
            live[i] = 0;
        }
    }
    int missing = 0, ghosts = 0, nlive = 0;
    for (int i = 0; i < N; i++) {
        uint64_t pos = UINT64_MAX;
        int64_t v;
        int found = 0;
        while (ty_hashidx_next(&x, h[i], &pos, &v))
            found |= v == i + 1;
        missing += live[i] && !found;
        ghosts += !live[i] && found;
        nlive += live[i];
    }
    CHECK_INT(missing, 0);
    CHECK_INT(ghosts, 0);
    CHECK_INT(x.count, nlive);
    ty_hashidx_free(&x);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_store.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    mkdir(dir, 0700);
    test_open_and_keys();
    test_exactly_once();
    test_pseudonyms_and_versions();
    test_snapshot();
    test_ty_hashidx();
    int rc = check_done("test_store");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (rc == 0 && system(cmd) != 0)
        return 1;
    return rc;
}
