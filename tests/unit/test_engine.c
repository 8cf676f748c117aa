/*
 * test_engine.c - the risk engine's entities and event-time windows, and the
 * engine end to end over a simulated store (every event read, counted on the
 * right entities, nothing late or unreadable).
 */
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "engine/engine_impl.h"
#include "tianyan/ingest.h"
#include "tianyan/sim.h"

static void test_windows(void)
{
    ty_engine e;
    memset(&e, 0, sizeof e);
    e.o.window_days = 7;
    CHECK_INT(ty_hashidx_init(&e.index, 0), TY_OK);

    uint32_t a, b, a2;
    CHECK_INT(ent_get(&e, TY_ENT_PRODUCT, 1, "SKU-1", 5, &a), TY_OK);
    CHECK_INT(ent_get(&e, TY_ENT_PRODUCT, 2, "SKU-1", 5, &b), TY_OK); /* other platform */
    CHECK_INT(ent_get(&e, TY_ENT_PRODUCT, 1, "SKU-1", 5, &a2), TY_OK);
    CHECK(a != b);
    CHECK_INT(a, a2);
    CHECK_INT(ent_find(&e, TY_ENT_BRAND, 0, "SKU-1", 5), NO_ENTITY);
    CHECK(e.ent[a].info != NULL);

    /* counts land on their day; the window moves with the newest day */
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 100, 3), 1);
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 100, 2), 1);
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 103, 1), 1);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 100), 5);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 101), 0);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 103), 1);
    CHECK_INT(ent_count(&e, a, TY_M_RETURNS, 103), 0); /* another metric, no ring */
    CHECK_INT(ent_sum(&e, a, TY_M_ORDERS, 97, 103), 6);
    /* a late event inside the window still counts */
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 98, 4), 1);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 98), 4);
    /* day 106: days 100..106 are the window; 98 and 99 have left it */
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 106, 1), 1);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 98), 0);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 100), 5);
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 99, 1), 0); /* too late: not counted */
    CHECK_INT(ent_sum(&e, a, TY_M_ORDERS, 90, 110), 7);
    /* slots passed over are cleared: day 110 reuses the slot of 103 */
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 110, 2), 1);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 103), 0);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 104), 0);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 106), 1);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 110), 2);
    /* a jump beyond the window clears it all */
    CHECK_INT(ent_add(&e, a, TY_M_ORDERS, 200, 9), 1);
    CHECK_INT(ent_sum(&e, a, TY_M_ORDERS, 100, 199), 0);
    CHECK_INT(ent_count(&e, a, TY_M_ORDERS, 200), 9);
    /* rings are kept sorted by metric: many metrics on one entity */
    for (int m = TY_M__COUNT - 1; m >= 0; m--)
        CHECK_INT(ent_add(&e, b, m, 50, (uint32_t)m + 1), 1);
    for (int m = 0; m < TY_M__COUNT; m++)
        CHECK_INT(ent_count(&e, b, m, 50), m + 1);

    /* thousands of entities stay findable */
    for (int i = 0; i < 5000; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "m%d", i);
        uint32_t x;
        CHECK_INT(ent_get(&e, TY_ENT_MERCHANT, i % 3, k, (size_t)n, &x), TY_OK);
    }
    CHECK_INT(ent_find(&e, TY_ENT_MERCHANT, 4999 % 3, "m4999", 5) != NO_ENTITY, 1);
    CHECK_INT(ent_find(&e, TY_ENT_MERCHANT, 0, "m4999", 5), NO_ENTITY); /* 4999 % 3 is 1 */
    ent_free_all(&e);
    ty_hashidx_free(&e.index);
}

static void test_engine_on_simulated_store(void)
{
    char dir[512], db[600], err[512];
    snprintf(dir, sizeof dir, "%s/test_engine.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    mkdir(dir, 0700);
    ty_sim_opts so = {7, 3, 2, dir, NULL, 0.3};
    ty_sim_summary sum;
    CHECK_INT(ty_simulate(&so, &sum, err, sizeof err), TY_OK);
    snprintf(db, sizeof db, "%s/e.db", dir);
    ty_store_opts sto = {db, NULL, 0, 0};
    ty_store *st;
    CHECK_INT(ty_store_open(&st, &sto, err, sizeof err), TY_OK);
    int64_t pid[TY_SIM_PLATFORMS_MAX];
    for (int i = 0; i < sum.nplatforms; i++)
        CHECK_INT(ty_store_platform(st, sum.platform[i].code, 1, &pid[i]), TY_OK);
    ty_writer *w;
    CHECK_INT(ty_writer_start(&w, st, NULL), TY_OK);
    uint64_t orders = 0, reviews = 0;
    for (int i = 0; i < sum.nplatforms; i++) {
        ty_ingest_opts io = {0};
        io.sub.platform = pid[i];
        io.format = TY_FMT_JSONL;
        ty_ingest_report rep;
        CHECK_INT(ty_ingest_path(w, &io, sum.platform[i].path, &rep), TY_OK);
        ty_ingest_report_free(&rep);
        orders += sum.platform[i].records[TY_REC_ORDER];
        reviews += sum.platform[i].records[TY_REC_REVIEW];
    }
    CHECK_INT(ty_writer_stop(&w), TY_OK);
    ty_store_close(&st);

    ty_engine_opts eo = {0};
    eo.db_path = db;
    ty_engine *e;
    CHECK_INT(ty_engine_open(&e, &eo, err, sizeof err), TY_OK);
    ty_engine_stats s1 = {0};
    CHECK_INT(ty_engine_run(e, 1000, &s1), TY_OK); /* in steps: the same result */
    CHECK_INT(s1.events, 1000);
    ty_engine_stats s2 = {0};
    CHECK_INT(ty_engine_run(e, 0, &s2), TY_OK);
    CHECK_INT(s1.events + s2.events, (long long)sum.total);
    CHECK_INT(s2.unreadable, 0);
    CHECK_INT(s2.too_late, 0);
    CHECK(s2.texts >= reviews / 2); /* most reviews carry text */
    /* every order line was counted on a platform entity: orders per platform add up */
    uint64_t counted = 0;
    for (uint32_t i = 0; i < e->nent; i++)
        if (e->ent[i].kind == TY_ENT_PLATFORM)
            counted += ent_sum(e, i, TY_M_ORDERS, e->clock_day - 40, e->clock_day);
    CHECK(counted >= orders); /* one per line item, at least one per order */
    ty_engine_stats s3 = {0};
    CHECK_INT(ty_engine_run(e, 0, &s3), TY_OK); /* nothing new */
    CHECK_INT(s3.events, 0);
    ty_engine_close(&e);
    CHECK(e == NULL);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_windows();
    test_engine_on_simulated_store();
    return check_done("test_engine");
}
