/*
 * test_sim.c - the feed simulator end to end: determinism, every record valid
 * through the real ingest pipeline, incidents visible in the stored data, and
 * the realism an analyst relies on (daily curve, star mix, scripts, rates).
 *
 * One small run (3 platforms x 7 days at scale 0.5) is generated twice with the
 * same seed and once with another; the first is ingested into a fresh store
 * and examined with SQL over the stored canonical JSON.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "check.h"
#include "tianyan/ingest.h"
#include "tianyan/sim.h"
#include "tianyan/timeutil.h"

#define DAYS 7
#ifndef SEED
#define SEED 20260901
#endif

static char root[400];
static sqlite3 *db;
static int64_t start_ms, end_ms;

/* ---------------------------------------------------------------- helpers */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[sz] = '\0';
        *n = (size_t)sz;
    }
    return b;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static ty_err gen(const char *sub, uint64_t seed, ty_sim_summary *s)
{
    char dir[512], err[512] = "";
    snprintf(dir, sizeof dir, "%s/%s", root, sub);
    ty_sim_opts o = {seed, DAYS, 3, dir, "2026-09-01", 0.5};
    ty_err e = ty_simulate(&o, s, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "ty_simulate: %s\n", err);
    return e;
}

/* One integer from SQL (printf-style). */
static long long q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long q(const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        check_failures++;
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Median of the integers a query returns (0 when none); *n receives the count. */
static long long median(int *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long median(int *n, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    long long v[20000];
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "SQL error: %s\n", sqlite3_errmsg(db));
        check_failures++;
        return 0;
    }
    while (sqlite3_step(st) == SQLITE_ROW && *n < 20000)
        v[(*n)++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (*n == 0)
        return 0;
    qsort(v, (size_t)*n, sizeof v[0], cmp_ll);
    return v[*n / 2];
}

/* ---------------------------------------------------------------- 1. determinism */

static void test_determinism(const ty_sim_summary *a)
{
    ty_sim_summary b, c;
    CHECK_INT(gen("b", SEED, &b), TY_OK);
    CHECK_INT(gen("c", SEED + 1, &c), TY_OK);
    CHECK_INT(a->nplatforms, 3);
    CHECK_INT(b.total, a->total);
    int differs = 0;
    for (int i = 0; i < a->nplatforms; i++) {
        CHECK_STR(b.platform[i].code, a->platform[i].code);
        CHECK(same_file(a->platform[i].path, b.platform[i].path));
        differs |= !same_file(a->platform[i].path, c.platform[i].path);
    }
    CHECK(same_file(a->truth_path, b.truth_path));
    CHECK(differs); /* another seed gives other feeds */
    CHECK(!same_file(a->truth_path, c.truth_path));
    /* nothing but the feeds and the ground truth is left behind (no .tmp files) */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a", root);
    DIR *d = opendir(dir);
    int files = 0, tmp = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        files++;
        tmp += strstr(de->d_name, ".tmp") != NULL;
    }
    if (d)
        closedir(d);
    CHECK_INT(files, 4);
    CHECK_INT(tmp, 0);
}

/* ---------------------------------------------------------------- 2. validity */

static void test_ingest(const ty_sim_summary *s, const char *dbpath)
{
    ty_store *st;
    char err[512];
    ty_store_opts so = {dbpath, NULL, 0, 0};
    CHECK_INT(ty_store_open(&st, &so, err, sizeof err), TY_OK);
    if (!st)
        return;
    ty_codec_limits lim;
    ty_codec_limits_default(&lim);
    lim.now_ms = end_ms + 2 * 86400000LL; /* the check for future times, whatever the clock says */
    uint64_t all = 0;
    int64_t pid[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < s->nplatforms; i++)
        CHECK_INT(ty_store_platform(st, s->platform[i].code, 1, &pid[i]), TY_OK);
    ty_writer *w = NULL;
    CHECK_INT(ty_writer_start(&w, st, NULL), TY_OK);
    for (int i = 0; i < s->nplatforms; i++) {
        ty_ingest_opts io = {0};
        io.sub.platform = pid[i];
        io.format = TY_FMT_JSONL;
        io.sub.source = s->platform[i].path;
        io.limits = &lim;
        ty_ingest_report r;
        CHECK_INT(ty_ingest_path(w, &io, s->platform[i].path, &r), TY_OK);
        uint64_t written = 0;
        for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
            written += s->platform[i].records[t];
        CHECK_INT(r.rejected, 0);
        CHECK_INT(r.duplicate, 0);
        CHECK_INT(r.accepted, written);
        for (size_t k = 0; k < r.nerrors && k < 3; k++) {
            char msg[512];
            ty_reject_format(&r.errors[k], msg, sizeof msg);
            fprintf(stderr, "  reject: %s\n", msg);
        }
        all += r.accepted;
        ty_ingest_report_free(&r);
        /* every record type is present */
        for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
            if (t != TY_REC_ADVERSE_EVENT || i == 0)
                CHECK(s->platform[i].records[t] > 0);
    }
    CHECK_INT(ty_writer_stop(&w), TY_OK);
    CHECK_INT(all, s->total);
    CHECK_INT(ty_store_event_count(st), (long long)s->total);
    ty_store_close(&st);
}

/* ---------------------------------------------------------------- 3. incidents */

typedef struct truth {
    char platform[32], incident[32], kind[16], id[64];
    char extra[64]; /* batch (expired), warehouse (damaged) */
    int64_t onset, end;
} truth;

static const char *tstr(yajl_val o, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "";
}

static int read_truth(const char *path, truth *t, int max)
{
    size_t n;
    char *text = slurp(path, &n);
    int k = 0;
    for (char *line = text, *nl; line && *line && k < max; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        char eb[256];
        yajl_val o = yajl_tree_parse(line, eb, sizeof eb);
        CHECK(o != NULL);
        if (!o)
            continue;
        snprintf(t[k].platform, sizeof t[k].platform, "%s", tstr(o, "platform"));
        snprintf(t[k].incident, sizeof t[k].incident, "%s", tstr(o, "incident"));
        snprintf(t[k].kind, sizeof t[k].kind, "%s", tstr(o, "entity_kind"));
        snprintf(t[k].id, sizeof t[k].id, "%s", tstr(o, "entity_id"));
        snprintf(t[k].extra, sizeof t[k].extra, "%s",
                 *tstr(o, "warehouse") ? tstr(o, "warehouse") : tstr(o, "batch"));
        int off;
        const char *on = tstr(o, "onset"), *en = tstr(o, "end");
        CHECK_INT(ty_time_parse(on, strlen(on), &t[k].onset, &off, NULL), TY_OK);
        CHECK_INT(ty_time_parse(en, strlen(en), &t[k].end, &off, NULL), TY_OK);
        CHECK(strlen(tstr(o, "description")) > 20);
        yajl_tree_free(o);
        k++;
    }
    free(text);
    return k;
}

static const truth *find(const truth *t, int n, const char *incident)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].incident, incident) == 0)
            return &t[i];
    return NULL;
}

#define PLAT(code) "(SELECT id FROM platforms WHERE code = '" code "')"
#define ITEMS      "events e, json_each(e.body, '$.items') i"

static void test_allergy(const truth *x)
{
    long long pid = q("SELECT id FROM platforms WHERE code = '%s'", x->platform);
    /* orders after onset, and those carrying the batch */
    long long orders = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld AND ts >= "
                         "%lld",
                         pid, (long long)x->onset);
    long long batch = q("SELECT count(DISTINCT e.seq) FROM " ITEMS " WHERE e.type = 4 AND "
                        "e.platform = %lld AND e.ts >= %lld AND json_extract(i.value, '$.batch') = "
                        "'%s'",
                        pid, (long long)x->onset, x->id);
    /* allergy-related returns and adverse-event reports after onset */
    long long safety = q("SELECT count(*) FROM events WHERE platform = %lld AND ts >= %lld AND "
                         "((type = 6 AND json_extract(body, '$.reason') = 'adverse_reaction') OR "
                         "type = 8)",
                         pid, (long long)x->onset);
    long long safety_batch =
        q("SELECT count(*) FROM events WHERE platform = %lld AND ts >= %lld AND ((type = 6 AND "
          "json_extract(body, '$.reason') = 'adverse_reaction' AND json_extract(body, '$.batch') = "
          "'%s') OR (type = 8 AND json_extract(body, '$.products[0].batch') = '%s'))",
          pid, (long long)x->onset, x->id, x->id);
    long long ae_batch = q("SELECT count(*) FROM events WHERE platform = %lld AND type = 8 AND "
                           "json_extract(body, '$.products[0].batch') = '%s'",
                           pid, x->id);
    printf("allergy %s: batch %lld of %lld orders after onset; %lld of %lld allergy returns/"
           "reports (%lld reports)\n",
           x->id, batch, orders, safety_batch, safety, ae_batch);
    CHECK(batch > 30);
    CHECK(ae_batch >= 3);
    CHECK(safety_batch >= 8);
    /* per order, the batch draws at least ten times the safety signals of the rest */
    CHECK(batch > 0 && orders > batch &&
          (double)safety_batch / (double)batch >=
              10.0 * (double)(safety - safety_batch) / (double)(orders - batch));
    /* its reviews speak of allergy far more often than the platform's other reviews */
    const char *words = "(body LIKE '%过敏%' OR body LIKE '%红肿%' OR body LIKE '%疹%' OR body "
                        "LIKE '%刺痛%' OR body LIKE '%发红%' OR body LIKE '%rash%' OR body LIKE "
                        "'%itchy%' OR body LIKE '%過敏%')";
    char in_batch[256];
    snprintf(in_batch, sizeof in_batch,
             "(SELECT sku FROM events WHERE type = 2 AND json_extract(body, '$.batch') = '%s')",
             x->id);
    long long rev_b = q("SELECT count(*) FROM events WHERE platform = %lld AND type = 5 AND ts >= "
                        "%lld AND sku IN %s",
                        pid, (long long)x->onset, in_batch);
    long long alg_b = q("SELECT count(*) FROM events WHERE platform = %lld AND type = 5 AND ts >= "
                        "%lld AND sku IN %s AND %s",
                        pid, (long long)x->onset, in_batch, words);
    long long rev_o = q("SELECT count(*) FROM events WHERE platform = %lld AND type = 5 AND ts >= "
                        "%lld AND sku NOT IN %s",
                        pid, (long long)x->onset, in_batch);
    long long alg_o = q("SELECT count(*) FROM events WHERE platform = %lld AND type = 5 AND ts >= "
                        "%lld AND sku NOT IN %s AND %s",
                        pid, (long long)x->onset, in_batch, words);
    printf("allergy %s: %lld of %lld reviews speak of allergy; other products %lld of %lld\n",
           x->id, alg_b, rev_b, alg_o, rev_o);
    CHECK(alg_b >= 3);
    CHECK(rev_b > 0 && rev_o > 0 &&
          (double)alg_b / (double)rev_b >= 5.0 * (double)alg_o / (double)rev_o);
}

static void test_counterfeit(const truth *x)
{
    long long pid = q("SELECT id FROM platforms WHERE code = '%s'", x->platform);
    /* for each product the shop sells: its median unit price against the
     * median of the other shops selling the same GTIN on the platform */
    sqlite3_stmt *st;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT sku, json_extract(body, '$.gtin') FROM events WHERE type = 2 AND "
             "platform = %lld AND merchant = '%s'",
             pid, x->id);
    CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int compared = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sku[64], gtin[32];
        snprintf(sku, sizeof sku, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(gtin, sizeof gtin, "%s", (const char *)sqlite3_column_text(st, 1));
        int nf, nr;
        long long fake = median(&nf,
                                "SELECT json_extract(i.value, '$.unit_price') FROM " ITEMS
                                " WHERE e.type = 4 AND e.platform = %lld AND "
                                "json_extract(i.value, '$.sku') = '%s'",
                                pid, sku);
        long long real = median(&nr,
                                "SELECT json_extract(i.value, '$.unit_price') FROM " ITEMS
                                " WHERE e.type = 4 AND e.platform = %lld AND e.merchant <> '%s' "
                                "AND json_extract(i.value, '$.sku') IN (SELECT sku FROM events "
                                "WHERE type = 2 AND platform = %lld AND json_extract(body, "
                                "'$.gtin') = '%s')",
                                pid, x->id, pid, gtin);
        printf("counterfeit %s %s: median %lld fen (%d lines) vs %lld fen (%d lines)\n", x->id, sku,
               fake, nf, real, nr);
        if (nf >= 3 && nr >= 3) {
            compared++;
            CHECK(fake * 10 <= real * 6); /* at most 60% of the going price */
        }
    }
    sqlite3_finalize(st);
    CHECK(compared >= 2);
    /* its buyers return goods as fakes far more often than other shops' buyers */
    long long f_orders = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld AND "
                           "merchant = '%s'",
                           pid, x->id);
    long long f_fake = q("SELECT count(*) FROM events WHERE type = 6 AND platform = %lld AND "
                         "merchant = '%s' AND json_extract(body, '$.reason') = "
                         "'suspected_counterfeit'",
                         pid, x->id);
    long long o_orders = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld AND "
                           "merchant <> '%s' AND ts >= %lld",
                           pid, x->id, (long long)x->onset);
    long long o_fake = q("SELECT count(*) FROM events WHERE type = 6 AND platform = %lld AND "
                         "merchant <> '%s' AND ts >= %lld AND json_extract(body, '$.reason') = "
                         "'suspected_counterfeit'",
                         pid, x->id, (long long)x->onset);
    printf("counterfeit %s: %lld fake returns / %lld orders; others %lld / %lld\n", x->id, f_fake,
           f_orders, o_fake, o_orders);
    CHECK(f_orders > 20);
    CHECK(f_fake >= 3);
    CHECK(o_orders > 0 && (double)f_fake / (double)(f_orders ? f_orders : 1) >=
                              5.0 * (double)o_fake / (double)o_orders);
    /* the shop appears at onset, not before */
    CHECK_INT(q("SELECT count(*) FROM events WHERE platform = %lld AND merchant = '%s' AND ts < "
                "%lld",
                pid, x->id, (long long)x->onset),
              0);
}

static void test_expired(const truth *x)
{
    long long pid = q("SELECT id FROM platforms WHERE code = '%s'", x->platform);
    /* the listing's product record after onset shows a lot that has expired */
    char day[11];
    ty_date_format((int32_t)ty_local_day(x->onset, 480), day);
    CHECK_INT(q("SELECT count(*) FROM events WHERE type = 2 AND platform = %lld AND sku = '%s' AND "
                "json_extract(body, '$.batch') = '%s' AND json_extract(body, '$.expiry') < '%s'",
                pid, x->id, x->extra, day),
              1);
    long long orders = q("SELECT count(*) FROM " ITEMS " WHERE e.type = 4 AND e.platform = %lld "
                         "AND json_extract(i.value, '$.batch') = '%s' AND "
                         "json_extract(i.value, '$.sku') = '%s'",
                         pid, x->extra, x->id);
    long long bad = q("SELECT count(*) FROM events WHERE platform = %lld AND sku = '%s' AND ts >= "
                      "%lld AND ((type = 6 AND json_extract(body, '$.reason') IN ('expired', "
                      "'spoiled')) OR (type = 7 AND json_extract(body, '$.category') = "
                      "'expired'))",
                      pid, x->id, (long long)x->onset);
    long long all_orders = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld", pid);
    long long all_bad = q("SELECT count(*) FROM events WHERE platform = %lld AND sku <> '%s' AND "
                          "((type = 6 AND json_extract(body, '$.reason') IN ('expired', "
                          "'spoiled')) OR (type = 7 AND json_extract(body, '$.category') = "
                          "'expired'))",
                          pid, x->id);
    printf("expired %s lot %s: %lld expiry returns/complaints for %lld orders; platform %lld / "
           "%lld\n",
           x->id, x->extra, bad, orders, all_bad, all_orders);
    CHECK(orders > 10);
    CHECK(bad >= 3);
    CHECK(all_orders > 0 && (double)bad / (double)(orders ? orders : 1) >=
                                10.0 * (double)all_bad / (double)all_orders);
}

static void test_damaged(const truth *x)
{
    long long pid = q("SELECT id FROM platforms WHERE code = '%s'", x->platform);
    /* damaged returns per order, orders through the route in the incident vs others */
    const char *join = "events r JOIN events o ON o.platform = r.platform AND o.type = 4 AND "
                       "o.rid = json_extract(r.body, '$.order_id')";
    long long route = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld AND "
                        "json_extract(body, '$.warehouse') = '%s' AND ts >= %lld AND ts < %lld",
                        pid, x->extra, (long long)x->onset, (long long)x->end);
    long long other = q("SELECT count(*) FROM events WHERE type = 4 AND platform = %lld AND "
                        "ifnull(json_extract(body, '$.warehouse'), '') <> '%s' AND ts >= %lld AND "
                        "ts < %lld",
                        pid, x->extra, (long long)x->onset, (long long)x->end);
    long long route_dmg = q("SELECT count(*) FROM %s WHERE r.type = 6 AND r.platform = %lld AND "
                            "json_extract(r.body, '$.reason') = 'damaged' AND "
                            "json_extract(o.body, '$.warehouse') = '%s' AND o.ts >= %lld AND o.ts "
                            "< %lld",
                            join, pid, x->extra, (long long)x->onset, (long long)x->end);
    long long other_dmg = q("SELECT count(*) FROM %s WHERE r.type = 6 AND r.platform = %lld AND "
                            "json_extract(r.body, '$.reason') = 'damaged' AND "
                            "ifnull(json_extract(o.body, '$.warehouse'), '') <> '%s' AND o.ts >= "
                            "%lld AND o.ts < %lld",
                            join, pid, x->extra, (long long)x->onset, (long long)x->end);
    long long pack = q("SELECT count(*) FROM %s WHERE r.type = 7 AND r.platform = %lld AND "
                       "json_extract(r.body, '$.category') = 'packaging' AND "
                       "json_extract(o.body, '$.warehouse') = '%s' AND o.ts >= %lld",
                       join, pid, x->extra, (long long)x->onset);
    printf("damaged %s: %lld damaged returns / %lld route orders; others %lld / %lld; %lld "
           "packaging complaints\n",
           x->id, route_dmg, route, other_dmg, other, pack);
    CHECK(route > 50);
    CHECK(route_dmg >= 10);
    CHECK(pack >= 2);
    CHECK(other > 0 && (double)route_dmg / (double)(route ? route : 1) >=
                           5.0 * (double)other_dmg / (double)other);
}

static void test_banned(const truth *x)
{
    long long pid = q("SELECT id FROM platforms WHERE code = '%s'", x->platform);
    CHECK(q("SELECT count(*) FROM events e, json_each(e.body, '$.inci') i WHERE e.type = 2 AND "
            "e.platform = %lld AND e.sku = '%s' AND i.value = 'Butylphenyl Methylpropional'",
            pid, x->id) >= 1);
    /* no other listing on any platform carries it */
    CHECK_INT(q("SELECT count(*) FROM events e, json_each(e.body, '$.inci') i WHERE e.type = 2 AND "
                "NOT (e.platform = %lld AND e.sku = '%s') AND i.value = 'Butylphenyl "
                "Methylpropional'",
                pid, x->id),
              0);
    /* listed at onset, and sold after */
    CHECK_INT(q("SELECT min(ts) FROM events WHERE type = 2 AND sku = '%s' AND platform = %lld",
                x->id, pid),
              x->onset);
    CHECK(q("SELECT count(*) FROM " ITEMS " WHERE e.type = 4 AND e.platform = %lld AND "
            "json_extract(i.value, '$.sku') = '%s'",
            pid, x->id) > 5);
}

static void test_incidents(const ty_sim_summary *s)
{
    truth t[32];
    int n = read_truth(s->truth_path, t, 32);
    CHECK_INT(n, 5);
    CHECK_INT(s->incidents, 5);
    static const char *const kinds[][2] = {
        {"allergy_outbreak", "batch"},    {"counterfeit_merchant", "merchant"},
        {"expired_stock", "product"},     {"damaged_route", "route"},
        {"banned_ingredient", "product"},
    };
    int platforms_used = 0;
    for (int k = 0; k < 5; k++) {
        const truth *x = find(t, n, kinds[k][0]);
        CHECK(x != NULL);
        if (!x)
            continue;
        CHECK_STR(x->kind, kinds[k][1]);
        CHECK(x->id[0] != '\0');
        /* onset inside the period and after the first day; end after onset, inside */
        CHECK(x->onset >= start_ms + 86400000LL && x->onset < end_ms);
        CHECK(x->end > x->onset && x->end <= end_ms);
        for (int i = 0; i < s->nplatforms; i++)
            if (strcmp(s->platform[i].code, x->platform) == 0)
                platforms_used |= 1 << i;
    }
    CHECK_INT(platforms_used, 7); /* spread over all three platforms */
    const truth *x;
    if ((x = find(t, n, "allergy_outbreak")))
        test_allergy(x);
    if ((x = find(t, n, "counterfeit_merchant")))
        test_counterfeit(x);
    if ((x = find(t, n, "expired_stock")))
        test_expired(x);
    if ((x = find(t, n, "damaged_route")))
        test_damaged(x);
    if ((x = find(t, n, "banned_ingredient")))
        test_banned(x);
}

/* ---------------------------------------------------------------- 4. realism */

static void test_realism(const ty_sim_summary *s)
{
    /* every event inside the simulated days */
    CHECK(q("SELECT min(ts) FROM events") >= start_ms);
    CHECK(q("SELECT max(ts) FROM events") < end_ms);
    CHECK_INT(q("SELECT count(*) FROM events WHERE tz <> 480"), 0);

    /* diurnal curve: local hours 20-23 against 3-6 */
    const char *hour = "((ts / 1000 + tz * 60) / 3600) % 24";
    long long evening =
        q("SELECT count(*) FROM events WHERE type = 4 AND %s BETWEEN 20 AND 22", hour);
    long long night = q("SELECT count(*) FROM events WHERE type = 4 AND %s BETWEEN 3 AND 5", hour);
    printf("orders 20-23 h: %lld, 3-6 h: %lld\n", evening, night);
    CHECK(night > 0 && evening >= 3 * night);

    /* users-online samples every 5 minutes, on every platform */
    for (int i = 0; i < s->nplatforms; i++)
        CHECK_INT(s->platform[i].records[TY_REC_USERS_ONLINE], DAYS * 288);
    CHECK(q("SELECT max(json_extract(body, '$.online')) FROM events WHERE type = 1") >
          3 * q("SELECT min(json_extract(body, '$.online')) FROM events WHERE type = 1"));

    /* star mix: J-shaped, mostly fives */
    long long stars[6];
    long long reviews = q("SELECT count(*) FROM events WHERE type = 5");
    for (int k = 1; k <= 5; k++)
        stars[k] = q("SELECT count(*) FROM events WHERE type = 5 AND json_extract(body, "
                     "'$.stars') = %d",
                     k);
    printf("stars 1-5: %lld %lld %lld %lld %lld\n", stars[1], stars[2], stars[3], stars[4],
           stars[5]);
    CHECK(reviews > 0 && stars[5] * 2 > reviews);
    CHECK(stars[5] > stars[4] && stars[4] > stars[3] && stars[3] > stars[2]);
    CHECK(stars[1] > stars[2]); /* the J's hook */

    /* base rates per order */
    double orders = (double)q("SELECT count(*) FROM events WHERE type = 4");
    double rev = (double)reviews / orders;
    double ret = (double)q("SELECT count(*) FROM events WHERE type = 6") / orders;
    double cmp = (double)q("SELECT count(*) FROM events WHERE type = 7") / orders;
    printf("per order: reviews %.3f returns %.3f complaints %.4f\n", rev, ret, cmp);
    CHECK(rev > 0.18 && rev < 0.32);
    CHECK(ret > 0.01 && ret < 0.08);
    CHECK(cmp > 0.0005 && cmp < 0.01);
    /* line items 1-3; buyers come back */
    CHECK_INT(q("SELECT max(json_array_length(body, '$.items')) FROM events WHERE type = 4"), 3);
    CHECK_INT(q("SELECT min(json_array_length(body, '$.items')) FROM events WHERE type = 4"), 1);
    CHECK(q("SELECT count(DISTINCT json_extract(body, '$.buyer')) FROM events WHERE type = 4") <
          (long long)(orders * 0.9));
    /* products shared across platforms: the same GTIN listed on all three */
    CHECK(q("SELECT count(*) FROM (SELECT json_extract(body, '$.gtin') g FROM events WHERE type = "
            "2 GROUP BY g HAVING count(DISTINCT platform) = 3)") > 20);
    /* later versions of listings: new lots and price changes */
    CHECK(q("SELECT count(*) FROM events WHERE type = 2 AND rid NOT LIKE '%%-v1'") > 5);

    /* scripts: the HK/TW platform writes traditional characters, the others never do */
    const char *trad = "(body LIKE '%過%' OR body LIKE '%膚%' OR body LIKE '%貨%' OR body LIKE "
                       "'%買%' OR body LIKE '%這%' OR body LIKE '%質%' OR body LIKE '%們%' OR body "
                       "LIKE '%無%' OR body LIKE '%價%')";
    long long hant = q("SELECT count(*) FROM events WHERE type = 5 AND platform = " PLAT(
        "xiangyun") " AND json_extract(body, '$.lang') = 'zh-Hant'");
    long long hant_trad = q("SELECT count(*) FROM events WHERE type = 5 AND platform = " PLAT(
                                "xiangyun") " AND json_extract(body, '$.lang') = 'zh-Hant' AND %s",
                            trad);
    printf("zh-Hant reviews: %lld, with traditional characters: %lld\n", hant, hant_trad);
    CHECK(hant > 100);
    CHECK(hant_trad * 10 >= hant * 4);
    CHECK_INT(q("SELECT count(*) FROM events WHERE type IN (5, 6, 7, 8) AND platform <> " PLAT(
                    "xiangyun") " AND %s",
                trad),
              0);
    CHECK(q("SELECT count(*) FROM events WHERE type = 5 AND platform = " PLAT(
              "haitun") " AND (body LIKE '%%肤%%' OR body LIKE '%%货%%' OR body LIKE '%%买%%')") >
          50);
    CHECK(q("SELECT count(*) FROM events WHERE type = 5 AND json_extract(body, '$.lang') = 'en'") >
          20);
    /* risk words appear in ordinary (baseline) traffic too, as on any platform */
    CHECK(q("SELECT count(*) FROM events WHERE type = 5 AND platform = " PLAT(
              "haitun") " AND (body LIKE '%%假货%%' OR body LIKE '%%漏液%%' OR body LIKE "
                        "'%%过期%%')") > 5);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/test_sim.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    int32_t day;
    const char *why;
    ty_date_parse("2026-09-01", 10, &day, &why);
    start_ms = (int64_t)day * 86400000LL - 8 * 3600000LL;
    end_ms = start_ms + DAYS * 86400000LL;

    ty_sim_summary a;
    CHECK_INT(gen("a", SEED, &a), TY_OK);
    if (check_failures)
        return check_done("test_sim");
    test_determinism(&a);

    char dbpath[512];
    snprintf(dbpath, sizeof dbpath, "%s/store.db", root);
    test_ingest(&a, dbpath);
    CHECK_INT(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    test_incidents(&a);
    test_realism(&a);
    sqlite3_close(db);

    /* bad options are refused with a reason */
    char err[256] = "";
    ty_sim_summary s;
    ty_sim_opts bad = {1, 0, 3, root, NULL, 1};
    CHECK_INT(ty_simulate(&bad, &s, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "days");
    ty_sim_opts bad_start = {1, 2, 1, root, "2026-13-01", 1};
    CHECK_INT(ty_simulate(&bad_start, &s, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "--start");

    if (!check_failures) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", root);
    }
    return check_done("test_sim");
}
