/*
 * cmd_eval.c - `tianyan eval`: how well the engine finds the incidents the
 * simulator injected (its ground-truth file), in event time.
 *
 * A finding is a distinct (entity, risk class) with at least one signal. It
 * belongs to an incident when it is on the incident's platform, first raised
 * between the onset (less a day) and the end (plus a week), and either of the
 * incident's class or about an entity the incident runs through (its product,
 * batch, merchant or listings). An incident is found when such a finding is on the
 * incident's own entity (for a batch incident: the batch or its product).
 * Findings that belong to no incident are false warnings, counted per 10,000
 * entity-days (watched entities times the days the feed covers).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cli.h"
#include "cli_json.h"
#include "tianyan/engine.h"
#include "tianyan/rules.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"

const cli_opt eval_opts[] = {
    {"db", "PATH", "store holding the simulated feeds"},
    {"truth", "FILE", "the simulator's ground-truth.jsonl"},
    {"json", NULL, "print the result as JSON"},
    {"verbose", NULL, "list the false warnings on standard error"},
    {"rules", "FILE", "rules file (default: the built-in rules, data/rules/default.json)"},
    {NULL, NULL, NULL},
};

#define MAX_INC  256
#define MAX_FIND 100000

typedef struct incident {
    char platform[32], kind[32], ekind[16], eid[128], sku[64];
    char rel[12][160]; /* keys of the entities the incident runs through */
    int nrelated;
    const char *cls;
    int64_t onset, end;
    int found;     /* a finding on its own entity */
    int64_t first; /* earliest such finding */
    int related;   /* findings that belong to it */
} incident;

typedef struct finding {
    int64_t platform;
    int ekind;
    char key[160];
    char cls[16];
    char detector[16]; /* of the earliest signal */
    int64_t opened;
} finding;

typedef struct evalctx {
    incident inc[MAX_INC];
    int ninc;
    finding *f;
    size_t nf;
    ty_store *st;
} evalctx;

static const char *class_of_incident(const char *kind)
{
    static const char *const map[][2] = {
        {"allergy_outbreak", "allergy"},  {"counterfeit_merchant", "counterfeit"},
        {"expired_stock", "expired"},     {"damaged_route", "damaged"},
        {"banned_ingredient", "harmful"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], kind) == 0)
            return map[i][1];
    return "?";
}

static const char *tstr(yajl_val o, const char *k)
{
    const char *path[] = {k, NULL};
    yajl_val v = yajl_tree_get(o, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "";
}

/* Record one entity key the incident runs through; a batch key is "sku<US>batch". */
static void add_rel(incident *x, const char *a, const char *b)
{
    if (x->nrelated >= (int)(sizeof x->rel / sizeof x->rel[0]))
        return;
    if (b)
        snprintf(x->rel[x->nrelated++], sizeof x->rel[0], "%s\x1f%s", a, b);
    else
        snprintf(x->rel[x->nrelated++], sizeof x->rel[0], "%s", a);
}

static int read_truth(evalctx *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[16384];
    while (c->ninc < MAX_INC && fgets(line, sizeof line, f)) {
        char err[128];
        yajl_val o = yajl_tree_parse(line, err, sizeof err);
        if (!o)
            continue;
        incident *x = &c->inc[c->ninc];
        memset(x, 0, sizeof *x);
        snprintf(x->platform, sizeof x->platform, "%s", tstr(o, "platform"));
        snprintf(x->kind, sizeof x->kind, "%s", tstr(o, "incident"));
        snprintf(x->ekind, sizeof x->ekind, "%s", tstr(o, "entity_kind"));
        snprintf(x->eid, sizeof x->eid, "%s", tstr(o, "entity_id"));
        snprintf(x->sku, sizeof x->sku, "%s", tstr(o, "sku"));
        x->cls = class_of_incident(x->kind);
        /* the entities it runs through: its own, its product, batch, merchant, listings */
        const char *mid = tstr(o, "merchant_id"), *batch = tstr(o, "batch");
        const char *eid = tstr(o, "entity_id"), *sku = tstr(o, "sku");
        add_rel(x, eid, NULL);
        if (sku[0])
            add_rel(x, sku, NULL);
        if (mid[0])
            add_rel(x, mid, NULL);
        if (sku[0] && strcmp(x->ekind, "batch") == 0)
            add_rel(x, sku, eid);
        if (strcmp(x->ekind, "product") == 0 && batch[0])
            add_rel(x, eid, batch);
        const char *sp[] = {"skus", NULL};
        yajl_val skus = yajl_tree_get(o, sp, yajl_t_array);
        for (size_t k = 0; skus && k < YAJL_GET_ARRAY(skus)->len; k++)
            if (YAJL_IS_STRING(YAJL_GET_ARRAY(skus)->values[k]))
                add_rel(x, YAJL_GET_STRING(YAJL_GET_ARRAY(skus)->values[k]), NULL);
        int off;
        const char *on = tstr(o, "onset"), *en = tstr(o, "end");
        if (ty_time_parse(on, strlen(on), &x->onset, &off, NULL) == TY_OK &&
            ty_time_parse(en, strlen(en), &x->end, &off, NULL) == TY_OK)
            c->ninc++;
        yajl_tree_free(o);
    }
    fclose(f);
    return 0;
}

static ty_err collect(void *ctx, const ty_engine_signal *s)
{
    evalctx *c = ctx;
    for (size_t i = 0; i < c->nf; i++) {
        finding *f = &c->f[i];
        if (f->platform == s->platform && f->ekind == s->entity_kind &&
            strcmp(f->key, s->entity_key) == 0 && strcmp(f->cls, s->cls) == 0) {
            if (s->opened_ms < f->opened) {
                f->opened = s->opened_ms;
                snprintf(f->detector, sizeof f->detector, "%s", s->detector);
            }
            return TY_OK;
        }
    }
    if (c->nf == MAX_FIND)
        return TY_ELIMIT;
    finding *f = &c->f[c->nf++];
    f->platform = s->platform;
    f->ekind = s->entity_kind;
    snprintf(f->key, sizeof f->key, "%s", s->entity_key);
    snprintf(f->cls, sizeof f->cls, "%s", s->cls);
    snprintf(f->detector, sizeof f->detector, "%s", s->detector);
    f->opened = s->opened_ms;
    return TY_OK;
}

/* Is finding f on the incident's own entity? */
static int on_entity(const incident *x, const finding *f)
{
    char want[200];
    if (strcmp(x->ekind, "batch") == 0) {
        snprintf(want, sizeof want, "%s\x1f%s", x->sku, x->eid);
        return (f->ekind == TY_ENT_BATCH && strcmp(f->key, want) == 0) ||
               (f->ekind == TY_ENT_PRODUCT && strcmp(f->key, x->sku) == 0);
    }
    return f->ekind == ty_entity_kind_parse(x->ekind) && strcmp(f->key, x->eid) == 0;
}

int cmd_eval(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db"), *truth = cli_get(c, &a, "truth");
    if (!db || !truth || a.npos) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    evalctx *ec = calloc(1, sizeof *ec);
    if (!ec || !(ec->f = calloc(MAX_FIND, sizeof(finding)))) {
        free(ec);
        return CLI_FAIL;
    }
    if (read_truth(ec, truth) != 0 || ec->ninc == 0) {
        fprintf(stderr, "tianyan eval: cannot read incidents from %s\n", truth);
        free(ec->f);
        free(ec);
        return CLI_FAIL;
    }
    ty_rules rules;
    if (cli_load_rules("eval", cli_get(c, &a, "rules"), &rules) != CLI_OK) {
        free(ec->f);
        free(ec);
        return CLI_FAIL;
    }
    ty_engine_opts o = {0};
    o.db_path = db;
    o.rules = &rules;
    o.dry_run = 1; /* scores the engine without writing warnings into the store */
    char err[512];
    ty_engine *e;
    ty_err r = ty_engine_open(&e, &o, err, sizeof err);
    ty_engine_stats st = {0};
    if (r == TY_OK)
        r = ty_engine_run(e, 0, &st);
    if (r == TY_OK)
        r = ty_engine_signals(e, collect, ec);
    uint64_t watched = 0;
    if (r == TY_OK)
        r = ty_engine_watched(e, &watched);
    ty_engine_close(&e);
    ty_store_opts so = {db, NULL, 0, 0};
    if (r == TY_OK)
        r = ty_store_open(&ec->st, &so, err, sizeof err);
    if (r != TY_OK) {
        fprintf(stderr, "tianyan eval: %s\n", err[0] ? err : ty_err_message(r));
        free(ec->f);
        free(ec);
        return CLI_FAIL;
    }
    /* match */
    size_t false_findings = 0;
    for (size_t i = 0; i < ec->nf; i++) {
        finding *f = &ec->f[i];
        char code[64];
        ty_store_platform_code(ec->st, f->platform, code, sizeof code);
        int belongs = 0;
        for (int k = 0; k < ec->ninc; k++) {
            incident *x = &ec->inc[k];
            if (strcmp(x->platform, code) != 0 || f->opened < x->onset - 86400000LL ||
                f->opened > x->end + 7 * 86400000LL)
                continue;
            /* of the incident's class, or about an entity it runs through (an expired
             * lot also draws label complaints about its dates) */
            int rel = strcmp(x->cls, f->cls) == 0;
            for (int q = 0; q < x->nrelated && !rel; q++)
                rel = strcmp(x->rel[q], f->key) == 0 ||
                      (f->ekind == TY_ENT_BATCH &&
                       strncmp(f->key, x->rel[q], strlen(x->rel[q])) == 0 &&
                       f->key[strlen(x->rel[q])] == '\x1f');
            if (!rel)
                continue;
            belongs = 1;
            x->related++;
            if (on_entity(x, f) && (!x->found || f->opened < x->first)) {
                x->found = 1;
                x->first = f->opened;
            }
        }
        false_findings += !belongs;
        if (!belongs && cli_get(c, &a, "verbose")) {
            char t[TY_TIME_TEXT_MAX];
            ty_time_format(f->opened, 480, 1, t);
            fprintf(stderr, "false: %s %s:%s %s by %s, raised %s\n", code,
                    ty_entity_kind_name(f->ekind), f->key, f->cls, f->detector, t);
        }
    }
    ty_store_close(&ec->st);
    /* entity-days: watched entities times the days the feed covers */
    double days = st.events ? ceil((double)(st.clock_ms - st.first_ms) / 86400000.0) : 0;
    double entity_days = (double)watched * days;
    double per10k = entity_days > 0 ? (double)false_findings * 10000.0 / entity_days : 0;
    int found = 0;
    double delays[MAX_INC];
    int nd = 0;
    for (int k = 0; k < ec->ninc; k++)
        if (ec->inc[k].found) {
            found++;
            delays[nd++] = (double)(ec->inc[k].first - ec->inc[k].onset) / 3600000.0;
        }
    for (int i = 1; i < nd; i++) /* insertion sort: a few dozen values */
        for (int j = i; j > 0 && delays[j] < delays[j - 1]; j--) {
            double t = delays[j];
            delays[j] = delays[j - 1];
            delays[j - 1] = t;
        }
    double median =
        nd ? (nd % 2 ? delays[nd / 2] : (delays[nd / 2 - 1] + delays[nd / 2]) / 2) : NAN;
    double p90 = nd ? delays[(int)ceil(0.9 * nd) - 1] : NAN;
    if (cli_get(c, &a, "json")) {
        yajl_gen g = cli_json_new();
        yajl_gen_map_open(g);
        cli_j_num(g, "incidents", ec->ninc);
        cli_j_num(g, "found", found);
        cli_j_num(g, "recall", (double)found / ec->ninc);
        cli_j_num(g, "false_warnings", (double)false_findings);
        cli_j_num(g, "entity_days", entity_days);
        cli_j_num(g, "false_per_10k", per10k);
        cli_j_num(g, "delay_hours_median", median);
        cli_j_num(g, "delay_hours_p90", p90);
        cli_j_num(g, "findings", (double)ec->nf);
        yajl_gen_string(g, (const unsigned char *)"per_incident", 12);
        yajl_gen_array_open(g);
        for (int k = 0; k < ec->ninc; k++) {
            incident *x = &ec->inc[k];
            yajl_gen_map_open(g);
            cli_j_str(g, "platform", x->platform);
            cli_j_str(g, "kind", x->kind);
            cli_j_str(g, "entity_kind", x->ekind);
            cli_j_str(g, "entity_id", x->eid);
            cli_j_str(g, "class", x->cls);
            cli_j_bool(g, "found", x->found);
            cli_j_num(g, "delay_h", x->found ? (double)(x->first - x->onset) / 3600000.0 : NAN);
            cli_j_num(g, "related_findings", x->related);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        cli_json_end(g);
    } else {
        for (int k = 0; k < ec->ninc; k++) {
            incident *x = &ec->inc[k];
            printf("%-9s %-20s %-8s %-18s %s", x->platform, x->kind, x->ekind, x->eid,
                   x->found ? "found" : "MISSED");
            if (x->found)
                printf(" after %.1f h", (double)(x->first - x->onset) / 3600000.0);
            printf(" (%d related findings)\n", x->related);
        }
        printf("recall %d/%d = %.3f; false warnings %zu over %.0f entity-days = %.3f per 10,000; "
               "delay median %.1f h, p90 %.1f h (event time)\n",
               found, ec->ninc, (double)found / ec->ninc, false_findings, entity_days, per10k,
               median, p90);
    }
    free(ec->f);
    free(ec);
    return CLI_OK;
}
