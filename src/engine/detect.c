/*
 * detect.c - the detectors that read the entities' windows, and the risk
 * classes they share.
 *
 * A risk class gathers every kind of evidence of one harm: for "allergy" the
 * texts that speak of a reaction, the returns and complaints filed for it and
 * the adverse-event reports. Detectors work per (entity, class):
 *
 *   rate    - sales-normalised: the class count over the last 7 days per order
 *             of the entity, judged against all entities of its kind with an
 *             empirical-Bayes beta-binomial (3 of 10 and 300 of 1,000 differ);
 *   change  - the entity against its own history: a Poisson CUSUM over the
 *             daily class counts, designed for a stated in-control run length;
 *   price   - a merchant selling a product family far below the other
 *             merchants' robust norm (median, MAD), with counterfeit evidence;
 *   dispro  - (detect_dispro.c) a product or brand named in adverse-event reports
 *             with a reaction more often than the database as a whole;
 *   annex, alert - (detect_regulatory.c) a product whose ingredient list holds an EU
 *             Annex II substance, or that a Safety Gate alert names.
 *
 * Every parameter comes from the rules (rules.h, data/rules/default.json).
 * Detectors run after every batch of events, over the entities the batch
 * changed, in event time: "today" is the engine clock's day.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "engine_impl.h"
#include "tianyan/changestat.h"
#include "tianyan/ebrate.h"
#include "tianyan/robust.h"
#include "tianyan/timeutil.h"
#include "tianyan/warning.h"

/* ---------------------------------------------------------------- classes */

/* The metrics that count as evidence of each class (return reasons and
 * complaint categories by their exchange-spec codes). */
typedef struct risk_class {
    const char *name;
    int text_metric;
    const char *return_reasons[3];
    const char *complaint_cats[3];
    int adverse_events; /* adverse-event reports count too */
} risk_class;

/*
 * In the order of rules.h (ty_rule_class_name()). The severity of each class's
 * usual harm is a rule (2019/417 Annex, Table 3): an allergic skin reaction or
 * a product spoiled by microbes typically needs at most a doctor's visit and
 * heals (level 2); damaged packaging and label faults rarely harm by themselves
 * (level 1); counterfeit cosmetics are of unknown content (level 2 until more is
 * known); a harmful or banned substance can affect reproduction or cause
 * lasting harm (level 3).
 */
static const risk_class classes[TY_RULE_CLASSES] = {
    {"allergy", TY_M_TEXT_ALLERGY, {"adverse_reaction"}, {"adverse_reaction"}, 1},
    {"counterfeit", TY_M_TEXT_COUNTERFEIT, {"suspected_counterfeit"}, {"counterfeit"}, 0},
    {"expired", TY_M_TEXT_EXPIRED, {"expired", "spoiled"}, {"expired"}, 0},
    {"damaged", TY_M_TEXT_DAMAGED, {"damaged"}, {"packaging"}, 0},
    {"label", TY_M_TEXT_LABEL, {"label_problem"}, {"label"}, 0},
    {"harmful", TY_M_TEXT_HARMFUL, {NULL}, {"ingredient"}, 0},
};
#define NCLASSES (sizeof classes / sizeof classes[0])

static int metric_of_code(int type, const char *field, int base, const char *code)
{
    const ty_schema *s = ty_schema_of(type);
    int f = ty_schema_field(s, field, strlen(field));
    int k = ty_enum_find(s->fields[f].enumv, code, strlen(code));
    return k < 0 ? -1 : base + k;
}

/* Metrics of class c, into m (at most 8). */
static int class_metrics(size_t c, int m[8])
{
    int n = 0;
    m[n++] = classes[c].text_metric;
    for (int i = 0; i < 3 && classes[c].return_reasons[i]; i++)
        m[n++] = metric_of_code(TY_REC_RETURN, "reason", TY_M_RETURN_REASON0,
                                classes[c].return_reasons[i]);
    for (int i = 0; i < 3 && classes[c].complaint_cats[i]; i++)
        m[n++] = metric_of_code(TY_REC_COMPLAINT, "category", TY_M_COMPLAINT_CAT0,
                                classes[c].complaint_cats[i]);
    if (classes[c].adverse_events)
        m[n++] = TY_M_AE;
    return n;
}

static uint64_t class_count(const ty_engine *e, uint32_t ent, size_t c, int32_t from, int32_t to)
{
    int m[8];
    int n = class_metrics(c, m);
    uint64_t s = 0;
    for (int i = 0; i < n; i++)
        if (m[i] >= 0)
            s += ent_sum(e, ent, m[i], from, to);
    return s;
}

/* Fills e->metric_class: which class each metric is evidence of. */
void detect_init_classes(ty_engine *e)
{
    memset(e->metric_class, -1, sizeof e->metric_class);
    for (size_t c = 0; c < NCLASSES; c++) {
        int m[8];
        int n = class_metrics(c, m);
        for (int i = 0; i < n; i++)
            if (m[i] >= 0 && m[i] != TY_M_AE)
                e->metric_class[m[i]] = (int8_t)c;
    }
    e->metric_class[TY_M_AE] = 0; /* adverse events: allergy */
}

int64_t day_start_ms(const ty_engine *e, int32_t day)
{
    return (int64_t)day * 86400000LL - (int64_t)e->o.utc_offset_min * 60000LL;
}

/* ---------------------------------------------------------------- signals */

static uint64_t sig_hash(const char *detector, uint32_t ent, int cls, uint32_t sub)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a offset basis: bucket choice only */
    for (const char *p = detector; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ ent) * 1099511628211ULL;
    h = (h ^ sub) * 1099511628211ULL;
    return (h ^ (uint64_t)(cls + 1)) * 1099511628211ULL;
}

/* The signal record of (detector, entity, class), created when asked. */
static engine_signal *sig_slot(ty_engine *e, const char *detector, uint32_t ent, int cls,
                               uint32_t sub, int create)
{
    uint64_t h = sig_hash(detector, ent, cls, sub), pos = UINT64_MAX;
    int64_t i;
    while (ty_hashidx_next(&e->sig_index, h, &pos, &i)) {
        engine_signal *s = &e->sigs[i];
        if (s->entity == ent && s->cls == cls && s->sub == sub &&
            strcmp(s->detector, detector) == 0)
            return s;
    }
    if (!create)
        return NULL;
    if (e->nsigs == e->capsigs) {
        size_t cap = e->capsigs ? e->capsigs * 2 : 64;
        engine_signal *p = realloc(e->sigs, sizeof *p * cap);
        if (!p)
            return NULL;
        e->sigs = p;
        e->capsigs = cap;
    }
    if (ty_hashidx_insert(&e->sig_index, h, (int64_t)e->nsigs) != TY_OK)
        return NULL;
    engine_signal *s = &e->sigs[e->nsigs++];
    memset(s, 0, sizeof *s);
    s->detector = detector;
    s->entity = ent;
    s->cls = cls;
    s->sub = sub;
    return s;
}

/* The code of a platform id, cached (the store holds a handful of platforms). */
static const char *platform_code(ty_engine *e, int64_t id)
{
    if (id <= 0)
        return "";
    if (id >= PLATFORM_CODES_MAX)
        return "?";
    if (!e->pcode[id]) {
        char code[64];
        if (ty_store_platform_code(e->st, id, code, sizeof code) != TY_OK || !code[0])
            return "?";
        e->pcode[id] = strdup(code);
        if (!e->pcode[id])
            return "?";
    }
    return e->pcode[id];
}

/* The entity key as warnings show it: a batch's "sku<US>batch" becomes "sku|batch"
 * (warning keys are printable text). */
static const char *warning_key(const entity *x, char *buf, size_t n)
{
    if (x->kind != TY_ENT_BATCH)
        return x->key;
    snprintf(buf, n, "%s", x->key);
    for (char *p = buf; *p; p++)
        if (*p == '\x1f')
            *p = '|';
    return buf;
}

/* Related warnings are listed together: a batch with its product; everything
 * else by itself. */
static void group_key(ty_engine *e, const entity *x, char *out, size_t n)
{
    const char *pc = platform_code(e, x->platform);
    if (x->kind == TY_ENT_BATCH) {
        size_t sku = strcspn(x->key, "\x1f");
        snprintf(out, n, "product:%s:%.*s", pc, (int)sku, x->key);
    } else {
        snprintf(out, n, "%s:%s:%s", ty_entity_kind_name(x->kind), pc, x->key);
    }
}

/* The warning key's detector part: "<detector>.<label>", the label's
 * characters outside [A-Za-z0-9_.:/-] written as '_' ("dispro.SWELLING_FACE"). */
static void key_detector(const char *detector, const char *label, char *out, size_t n)
{
    int k = snprintf(out, n, "%s.%s", detector, label);
    if (k < 0)
        return;
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == ':' || *p == '/' || *p == '-'))
            *p = '_';
}

const char *clip_text(const char *s, char *out, size_t n)
{
    size_t k = strlen(s);
    if (k >= n) {
        k = n - 1;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--; /* not inside a UTF-8 sequence */
    }
    memcpy(out, s, k);
    out[k] = '\0';
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    return out;
}

/* The seqs of the latest evidence of class c on entity ent, newest first. */
static size_t evidence_seqs(const ty_engine *e, uint32_t ent, int c, int64_t *out)
{
    const evidence *v = e->ent[ent].evid;
    if (!v || c < 0 || c >= TY_RULE_CLASSES)
        return 0;
    size_t n = v->n[c];
    for (size_t i = 0; i < n; i++)
        out[i] = v->seq[c][(v->next[c] + EVIDENCE_KEEP - 1 - i) % EVIDENCE_KEEP];
    return n;
}

/* The signal's explanation kept in memory (ty_engine_signal.explain): its
 * statistics, inputs and note as one JSON object; the store keeps the full one
 * with the warning. */
static void explain_sink(void *ctx, const char *s, size_t n)
{
    ty_buf_append(ctx, s, n); /* a full buffer only shortens; checked below */
}

static void gen_text(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_number(yajl_gen g, double v)
{
    if (!isfinite(v)) {
        yajl_gen_null(g);
        return;
    }
    char b[40];
    int n = snprintf(b, sizeof b, "%.10g", v);
    yajl_gen_number(g, b, (size_t)n);
}

static void keep_explanation(engine_signal *s, const sig_args *a)
{
    ty_buf b;
    ty_buf_init(&b, TY_WARNING_EXPLAIN_MAX);
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_config(g, yajl_gen_print_callback, explain_sink, &b);
    yajl_gen_map_open(g);
    gen_text(g, "statistics");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < a->nstats; i++) {
        yajl_gen_map_open(g);
        gen_text(g, "name");
        gen_text(g, a->stats[i].name);
        gen_text(g, "value");
        gen_number(g, a->stats[i].value);
        gen_text(g, "threshold");
        gen_number(g, a->stats[i].threshold);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    gen_text(g, "inputs");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < a->ninputs; i++) {
        gen_text(g, a->inputs[i].name);
        if (a->inputs[i].text)
            gen_text(g, a->inputs[i].text);
        else
            gen_number(g, a->inputs[i].value);
    }
    yajl_gen_map_close(g);
    gen_text(g, "note");
    if (a->note)
        gen_text(g, a->note);
    else
        yajl_gen_null(g);
    yajl_gen_map_close(g);
    yajl_gen_free(g);
    char *text = NULL;
    if (ty_buf_putc(&b, '\0') == TY_OK && (text = malloc(b.len)))
        memcpy(text, b.data, b.len);
    ty_buf_free(&b);
    if (text) {
        free(s->explain);
        s->explain = text;
    }
}

/*
 * A detector says the condition holds now: kept in memory (for `detect` and
 * `eval`) and raised as a warning in the store, inside the engine's open
 * transaction. The warning's explanation is built from stats and inputs.
 */
ty_err sig_raise_args(ty_engine *e, const sig_args *a)
{
    engine_signal *s = sig_slot(e, a->detector, a->ent, a->cls, a->sub, 1);
    if (!s)
        return TY_ENOMEM;
    if (!s->active) {
        s->active = 1;
        s->times_opened++;
        s->opened_ms = e->now_ms;
        s->first_ms = a->first_ms;
        if (e->run_stats)
            e->run_stats->signals++;
    }
    if (a->first_ms < s->first_ms)
        s->first_ms = a->first_ms;
    s->severity = a->severity;
    s->probability = a->probability < 0 ? 0 : a->probability > 1 ? 1 : a->probability;
    s->last_ms = e->now_ms;
    s->clear_since_ms = 0;
    keep_explanation(s, a);
    if (!e->in_txn && !e->collect)
        return TY_OK;
    const entity *x = &e->ent[a->ent];
    char rule[160], group[300], keyname[64];
    snprintf(rule, sizeof rule, "%s/%s", a->detector, e->rules.version);
    key_detector(a->detector, a->label, keyname, sizeof keyname);
    group_key(e, x, group, sizeof group);
    char gclip[TY_WARNING_KEY_MAX + 1], dclip[TY_WARNING_KEY_MAX + 1]; /* long titles are cut */
    clip_text(group, gclip, sizeof gclip);
    ty_warning_signal w;
    memset(&w, 0, sizeof w);
    w.key.detector = keyname;
    w.key.entity_kind = ty_entity_kind_name(x->kind);
    char kbuf[300];
    w.key.entity_key = warning_key(x, kbuf, sizeof kbuf);
    w.key.platform = platform_code(e, x->platform);
    w.rule_version = rule;
    w.display_name = x->display ? clip_text(x->display, dclip, sizeof dclip) : NULL;
    w.group_key = gclip;
    w.severity = a->severity;
    w.probability = s->probability;
    w.event_time = e->now_ms;
    w.first_event = s->first_ms < e->now_ms ? s->first_ms : e->now_ms;
    w.last_event = a->last_ms && a->last_ms < e->now_ms ? a->last_ms : e->now_ms;
    w.window_from = a->window_from ? a->window_from
                                   : day_start_ms(e, e->now_day - e->rules.rate.window_days + 1);
    w.window_to = e->now_ms;
    w.resolve_after = e->rules.resolve_after_ms;
    w.stats = a->stats;
    w.nstats = a->nstats;
    w.inputs = a->inputs;
    w.ninputs = a->ninputs;
    int64_t seqs[EVIDENCE_KEEP];
    w.seqs = a->seqs;
    w.nseqs = a->nseqs;
    if (!a->seqs && a->sub == 0) {
        w.nseqs = evidence_seqs(e, a->ent, a->cls, seqs);
        w.seqs = seqs;
    }
    w.note = a->note;
    if (e->collect)
        return defer_raise(e, &w);
    ty_warning_raised out;
    char err[256];
    ty_err r = ty_warning_raise(e->st, &w, &out, err, sizeof err);
    if (r == TY_EINVAL)
        return TY_OK; /* a field out of its limits (an over-long key): the signal stays in memory */
    return r;
}

static ty_err sig_raise(ty_engine *e, const char *detector, uint32_t ent, int cls, int severity,
                        double probability, int64_t first_ms, const ty_warning_stat *stats,
                        size_t nstats, const ty_warning_input *inputs, size_t ninputs,
                        const char *note)
{
    sig_args a = {
        detector, ent,   cls,    0,      classes[cls].name, severity, probability, first_ms, 0,
        0,        stats, nstats, inputs, ninputs,           NULL,     0,           note};
    return sig_raise_args(e, &a);
}

/* A detector says the condition does not hold now. */
void sig_clear_sub(ty_engine *e, const char *detector, uint32_t ent, int cls, uint32_t sub)
{
    engine_signal *s = sig_slot(e, detector, ent, cls, sub, 0);
    if (!s || !s->active)
        return;
    if (!s->clear_since_ms)
        s->clear_since_ms = e->now_ms;
    if (!e->in_txn && !e->collect) { /* judged in memory: resolved as the store would */
        if (e->now_ms - s->clear_since_ms >= e->rules.resolve_after_ms)
            s->active = 0;
        return;
    }
    const entity *x = &e->ent[ent];
    char keyname[64];
    key_detector(detector, sub ? e->dp.rx_name[sub - 1] : classes[cls].name, keyname,
                 sizeof keyname);
    char kbuf[300];
    ty_warning_key key = {keyname, ty_entity_kind_name(x->kind), warning_key(x, kbuf, sizeof kbuf),
                          platform_code(e, x->platform)};
    if (e->collect) {
        ty_err r = defer_clear(e, &key, e->now_ms, (size_t)(s - e->sigs));
        if (r != TY_OK)
            e->deferred.err = r;
        return;
    }
    ty_warning_cleared out;
    char err[256];
    /* resolved now, or already (by ty_warning_advance): the signal is closed */
    if (ty_warning_clear(e->st, &key, e->now_ms, &out, err, sizeof err) == TY_OK &&
        (out.outcome == TY_CLEAR_RESOLVED || out.outcome == TY_CLEAR_NONE))
        s->active = 0;
}

static void sig_clear(ty_engine *e, const char *detector, uint32_t ent, int cls)
{
    sig_clear_sub(e, detector, ent, cls, 0);
}

/* ---------------------------------------------------------------- rate */

/* An entity's "now": the clock of its platform (platforms send at their own
 * pace; a feed uploaded late must still be judged in its own time), or the
 * engine clock for entities across platforms. */
void set_now(ty_engine *e, const entity *x)
{
    int64_t t = x->platform > 0 && x->platform < PLATFORM_CODES_MAX && e->pclock[x->platform]
                    ? e->pclock[x->platform]
                    : e->clock_ms;
    e->now_ms = t;
    e->now_day = (int32_t)ty_local_day(t, e->o.utc_offset_min);
}

static int watched(int kind);

/* Beta-binomial prior per (entity kind, class), refitted whenever a platform's
 * day has moved, each entity's rate taken over its own last 7 days. */
static ty_err fit_priors(ty_engine *e)
{
    int64_t stamp = 0;
    for (int p = 1; p < PLATFORM_CODES_MAX; p++)
        if (e->pclock[p])
            stamp = stamp * 31 + ty_local_day(e->pclock[p], e->o.utc_offset_min);
    stamp = stamp * 31 + ty_local_day(e->clock_ms, e->o.utc_offset_min);
    if (e->prior_stamp == stamp)
        return TY_OK;
    e->prior_stamp = stamp;
    double *x = malloc(sizeof(double) * (e->nent + 1)), *n = malloc(sizeof(double) * (e->nent + 1));
    if (!x || !n) {
        free(x);
        free(n);
        return TY_ENOMEM;
    }
    for (int kind = 1; kind <= TY_ENT__MAX; kind++)
        for (size_t c = 0; c < NCLASSES && watched(kind); c++) {
            size_t m = 0;
            for (uint32_t i = 0; i < e->nent; i++) {
                if (e->ent[i].kind != kind)
                    continue;
                set_now(e, &e->ent[i]);
                int32_t today = e->now_day;
                uint64_t orders =
                    ent_sum(e, i, TY_M_ORDERS, today - e->rules.rate.window_days + 1, today);
                if (!orders)
                    continue;
                uint64_t cnt = class_count(e, i, c, today - e->rules.rate.window_days + 1, today);
                x[m] = (double)(cnt < orders ? cnt : orders);
                n[m] = (double)orders;
                m++;
            }
            ty_betabin *p = &e->prior[kind][c], last = *p;
            ty_betabin_opts fo; /* from the last fit: the rates moved by a day at most */
            ty_betabin_fit_defaults(&fo);
            fo.start = &last;
            p->alpha = p->beta = 0;
            if (m >= 3 && ty_betabin_fit_ex(x, n, m, &fo, p, NULL) != TY_OK)
                p->alpha = p->beta = 0;
        }
    free(x);
    free(n);
    return TY_OK;
}

/* Whether class c is judged on entities of this kind: a delivery route carries
 * goods, so only damage and spoilage in transit are its own (a label or a
 * counterfeit is the product's or its seller's, whichever route it took). */
static int class_applies(int kind, size_t c)
{
    if (kind != TY_ENT_ROUTE)
        return 1;
    return strcmp(classes[c].name, "damaged") == 0 || strcmp(classes[c].name, "expired") == 0;
}

/* The first day of x's platform's feed after the warm-up (rules.warmup_days). */
static int32_t warm_day(const ty_engine *e, const entity *x)
{
    int64_t t = x->platform > 0 && x->platform < PLATFORM_CODES_MAX && e->pfirst[x->platform]
                    ? e->pfirst[x->platform]
                    : e->first_ms;
    return (int32_t)ty_local_day(t, e->o.utc_offset_min) + e->rules.warmup_days;
}

static ty_err rate_detect(ty_engine *e, uint32_t i, int32_t today)
{
    entity *x = &e->ent[i];
    if (today < warm_day(e, x)) {
        for (size_t c = 0; c < NCLASSES; c++)
            sig_clear(e, "rate", i, (int)c);
        return TY_OK;
    }
    uint64_t orders = ent_sum(e, i, TY_M_ORDERS, today - e->rules.rate.window_days + 1, today);
    for (size_t c = 0; c < NCLASSES; c++) {
        if (!class_applies(x->kind, c)) {
            sig_clear(e, "rate", i, (int)c);
            continue;
        }
        ty_betabin *p = &e->prior[x->kind][c];
        uint64_t cnt = class_count(e, i, c, today - e->rules.rate.window_days + 1, today);
        if (p->alpha <= 0 || !orders || cnt < e->rules.rate.min_count ||
            orders < e->rules.rate.min_orders) {
            sig_clear(e, "rate", i, (int)c);
            continue;
        }
        double xn = (double)(cnt < orders ? cnt : orders);
        double typical = p->alpha / (p->alpha + p->beta);
        double p0 = e->rules.rate.factor * typical;
        ty_betabin_post post;
        /* the tail alone first: most entities stop here, without the interval */
        if (p0 >= 1 || ty_betabin_tail(p, xn, (double)orders, p0) < e->rules.rate.confidence ||
            ty_betabin_posterior(p, xn, (double)orders, p0, 0.95, &post) != TY_OK ||
            post.tail < e->rules.rate.confidence) {
            sig_clear(e, "rate", i, (int)c);
            continue;
        }
        int32_t first = today - e->rules.rate.window_days + 1;
        while (first < today && class_count(e, i, c, first, first) == 0)
            first++;
        ty_warning_stat stats[] = {
            {"class_count", (double)cnt, e->rules.rate.min_count},
            {"orders", (double)orders, NAN},
            {"rate", (double)cnt / (double)orders, NAN},
            {"posterior_mean", post.mean, NAN},
            {"interval_95_low", post.lo, NAN},
            {"interval_95_high", post.hi, NAN},
            {"typical_rate_of_kind", typical, NAN},
            {"p_rate_above_threshold", post.tail, e->rules.rate.confidence},
            {"threshold_rate", p0, NAN},
        };
        ty_warning_input inputs[] = {
            {"class", 0, classes[c].name},
            {"window_days", e->rules.rate.window_days, NULL},
            {"prior_alpha", p->alpha, NULL},
            {"prior_beta", p->beta, NULL},
            {"method", 0, "empirical-Bayes beta-binomial across entities of this kind"},
        };
        char note[300];
        snprintf(note, sizeof note,
                 "%llu %s reports in %llu orders over %d days: %.1f%%, against %.2f%% typical "
                 "for a %s",
                 (unsigned long long)cnt, classes[c].name, (unsigned long long)orders,
                 e->rules.rate.window_days, 100.0 * (double)cnt / (double)orders, 100.0 * typical,
                 ty_entity_kind_name(x->kind));
        ty_err r = sig_raise(e, "rate", i, (int)c, e->rules.severity[c], post.mean,
                             day_start_ms(e, first), stats, sizeof stats / sizeof stats[0], inputs,
                             sizeof inputs / sizeof inputs[0], note);
        TY_TRY(r);
    }
    return TY_OK;
}

/* ---------------------------------------------------------------- change */

/*
 * Designs cached by baseline, in steps of an eighth of a natural log (the
 * baseline is rounded up to the step, which only lengthens the run length).
 * k is Lucas's reference value rounded to a tenth and h the smallest tenth
 * whose in-control ARL reaches the rules' arl0, by bisection on the exact
 * Brook-Evans ARL: on the 1/10 lattice the chain has at most a few hundred
 * states, where the finer lattice of ty_cusum_design() took seconds per design.
 */
static ty_err cusum_design_for(ty_engine *e, double lambda0, double *k, double *h)
{
    int slot = (int)ceil(log(lambda0) * 8.0) + CUSUM_CACHE / 2;
    if (slot < 0)
        slot = 0;
    if (slot >= CUSUM_CACHE)
        slot = CUSUM_CACHE - 1;
    if (e->cusum_h[slot] == 0.0) { /* not designed yet */
        double l0 = exp((double)(slot - CUSUM_CACHE / 2) / 8.0);
        double kk = round(ty_cusum_k(l0, TY_CUSUM_SHIFT * l0) * 10.0) / 10.0;
        if (kk < 0.1)
            kk = 0.1;
        int lo = 1, hi = 1; /* h = hi / 10 */
        double arl = 0;
        ty_cusum c;
        for (;;) { /* grow until the run length is long enough */
            TY_TRY(ty_cusum_init(&c, kk, (double)hi / 10.0, 0));
            TY_TRY(ty_cusum_arl(&c, l0, &arl));
            if (arl >= e->rules.change.arl0)
                break;
            lo = hi;
            hi *= 2;
            if (hi > TY_CUSUM_STATES_MAX / 2)
                return TY_ELIMIT;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            TY_TRY(ty_cusum_init(&c, kk, (double)mid / 10.0, 0));
            TY_TRY(ty_cusum_arl(&c, l0, &arl));
            if (arl >= e->rules.change.arl0)
                hi = mid;
            else
                lo = mid;
        }
        e->cusum_k[slot] = kk;
        e->cusum_h[slot] = (double)hi / 10.0;
    }
    *k = e->cusum_k[slot];
    *h = e->cusum_h[slot];
    return TY_OK;
}

static ty_err cusum_detect(ty_engine *e, uint32_t i, int32_t today)
{
    for (size_t c = 0; c < NCLASSES; c++) {
        uint64_t recent = class_count(e, i, c, today - 1, today);
        if (recent < e->rules.change.min_recent || !class_applies(e->ent[i].kind, c)) {
            sig_clear(e, "change", i, (int)c);
            continue;
        }
        /* the baseline is the entity's own past, over the days it was active (sold
         * something): days before its first sale are not quiet days */
        int32_t b0 = today - e->rules.change.base_days, b1 = today - 2, active = 0;
        int32_t warm = warm_day(e, &e->ent[i]);
        if (b0 < warm)
            b0 = warm;
        for (int32_t d = b0; d <= b1; d++)
            active += ent_count(e, i, TY_M_ORDERS, d) > 0;
        if (active < e->rules.change.min_active) {
            sig_clear(e, "change", i, (int)c);
            continue;
        }
        double lambda0 = (double)class_count(e, i, c, b0, b1) / (double)active;
        if (lambda0 < e->rules.change.lambda_min)
            lambda0 = e->rules.change.lambda_min;
        double k, h;
        ty_err r = cusum_design_for(e, lambda0, &k, &h);
        if (r != TY_OK) {
            sig_clear(e, "change", i, (int)c);
            continue; /* no design for this baseline: no judgement */
        }
        ty_cusum cs;
        TY_TRY(ty_cusum_init(&cs, k, h, 0));
        int32_t first = 0;
        int fired = 0;
        for (int32_t d = today - e->rules.change.run_days + 1; d <= today; d++) {
            if (cs.s == 0)
                first = d;
            fired = ty_cusum_update(&cs, (double)class_count(e, i, c, d, d)) == 1;
        }
        if (!fired) {
            sig_clear(e, "change", i, (int)c);
            continue;
        }
        uint64_t orders = ent_sum(e, i, TY_M_ORDERS, today - e->rules.rate.window_days + 1, today);
        double prob =
            orders ? (double)class_count(e, i, c, today - e->rules.rate.window_days + 1, today) /
                         (double)orders
                   : 0.01;
        ty_warning_stat stats[] = {
            {"cusum", cs.s, h},
            {"baseline_per_day", lambda0, NAN},
            {"k", k, NAN},
            {"count_today", (double)class_count(e, i, c, today, today), NAN},
            {"count_last_2_days", (double)recent, e->rules.change.min_recent},
        };
        ty_warning_input inputs[] = {
            {"class", 0, classes[c].name},
            {"statistic", 0, "Poisson CUSUM, one-sided upper (Lucas 1985)"},
            {"baseline_active_days", active, NULL},
            {"shift_to_detect_per_day", TY_CUSUM_SHIFT * lambda0, NULL},
            {"in_control_arl_days", e->rules.change.arl0, NULL},
            {"run_days", e->rules.change.run_days, NULL},
        };
        char note[300];
        snprintf(note, sizeof note,
                 "%s reports rose above this %s's own baseline of %.2f a day (CUSUM %.1f > %.1f)",
                 classes[c].name, ty_entity_kind_name(e->ent[i].kind), lambda0, cs.s, h);
        r = sig_raise(e, "change", i, (int)c, e->rules.severity[c], prob > 0 ? prob : 0.01,
                      day_start_ms(e, first), stats, sizeof stats / sizeof stats[0], inputs,
                      sizeof inputs / sizeof inputs[0], note);
        TY_TRY(r);
    }
    return TY_OK;
}

/* ---------------------------------------------------------------- price */

/* "Far below" (rules "price"): under a fraction of the norm and a modified
 * z-score below -3.5 (Iglewicz & Hoaglin 1993, via robust.h). */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double ring_median(const price_ring *r)
{
    int64_t v[PRICE_KEEP];
    memcpy(v, r->price, sizeof(int64_t) * r->n);
    qsort(v, r->n, sizeof v[0], cmp_i64);
    return r->n % 2 ? (double)v[r->n / 2] : ((double)v[r->n / 2 - 1] + (double)v[r->n / 2]) / 2;
}

static ty_err price_detect(ty_engine *e, uint32_t fam, int32_t today)
{
    entity *f = &e->ent[fam];
    double med[PRICE_MERCHANTS_MAX], work[PRICE_MERCHANTS_MAX];
    uint32_t who[PRICE_MERCHANTS_MAX];
    size_t n = 0;
    for (uint32_t k = 0; k < f->nprices; k++)
        if (f->prices[k].n >= e->rules.price.min_sales) {
            med[n] = ring_median(&f->prices[k]);
            who[n++] = k;
        }
    if (n < e->rules.price.min_merchants)
        return TY_OK;
    ty_robust norm;
    if (ty_robust_fit(med, n, work, TY_ROBUST_REL_FLOOR, &norm) != TY_OK)
        return TY_OK;
    for (size_t k = 0; k < n; k++) {
        const price_ring *pr = &f->prices[who[k]];
        uint32_t m = pr->merchant;
        set_now(e, &e->ent[m]); /* families span platforms: each seller in its own time */
        today = e->now_day;
        double z = ty_robust_z(&norm, med[k]);
        if (!(z < -e->rules.price.z_cutoff && med[k] < e->rules.price.fraction * norm.median)) {
            sig_clear(e, "price", m, 1);
            continue;
        }
        /* counterfeit reports on the merchant over the rate window */
        uint64_t cf_reports = class_count(e, m, 1, today - e->rules.rate.window_days + 1, today);
        uint64_t orders = ent_sum(e, m, TY_M_ORDERS, today - e->rules.rate.window_days + 1, today);
        int severity = cf_reports >= e->rules.price.evidence_min ? e->rules.severity[1] : 1;
        double prob = orders && cf_reports ? (double)cf_reports / (double)orders : 0.001;
        char fam_text[129];
        ty_warning_stat stats[] = {
            {"merchant_median_price", med[k], NAN},
            {"norm_median_price", norm.median, NAN},
            {"fraction_of_norm", med[k] / norm.median, e->rules.price.fraction},
            {"modified_z", z, -e->rules.price.z_cutoff},
            {"norm_scale", norm.scale, NAN},
            {"counterfeit_reports", (double)cf_reports, e->rules.price.evidence_min},
            {"orders", (double)orders, NAN},
        };
        ty_warning_input inputs[] = {
            {"product_family", 0,
             clip_text(f->display ? f->display : f->key, fam_text, sizeof fam_text)},
            {"merchants_compared", (double)n, NULL},
            {"method", 0, "median and MAD of the merchants' median prices (Iglewicz-Hoaglin)"},
        };
        char note[300];
        snprintf(note, sizeof note,
                 "sells at %.0f%% of the other merchants' median price for the same product, "
                 "with %llu counterfeit reports in %d days",
                 100.0 * med[k] / norm.median, (unsigned long long)cf_reports,
                 e->rules.rate.window_days);
        ty_err r = sig_raise(e, "price", m, 1, severity, prob, e->now_ms, stats,
                             sizeof stats / sizeof stats[0], inputs,
                             sizeof inputs / sizeof inputs[0], note);
        TY_TRY(r);
    }
    return TY_OK;
}

/* ---------------------------------------------------------------- driver */

static int watched(int kind)
{
    return kind == TY_ENT_PRODUCT || kind == TY_ENT_BATCH || kind == TY_ENT_MERCHANT ||
           kind == TY_ENT_ROUTE;
}

static ty_err detect_entities(ty_engine *e);

ty_err detect_run(ty_engine *e)
{
    if (e->clock_ms == INT64_MIN)
        return TY_OK;
    TY_TRY(fit_priors(e));
    if (e->o.dry_run) /* judged in memory only */
        return detect_entities(e);
    /* resolution waits for the slowest platform's clock: a warning is never
     * resolved by another platform's later events */
    int64_t slowest = INT64_MAX;
    for (int p = 1; p < PLATFORM_CODES_MAX; p++)
        if (e->pclock[p] && e->pclock[p] < slowest)
            slowest = e->pclock[p];
    if (e->o.writer) { /* judged here, written by the ingest writer (deferred.c) */
        e->collect = 1;
        e->deferred.err = TY_OK;
        ty_err r = detect_entities(e);
        e->collect = 0;
        if (r == TY_OK)
            r = e->deferred.err;
        if (r == TY_OK)
            return defer_flush(e, slowest);
        defer_free(e);
        return r;
    }
    /* warnings change in one transaction per run (the engine's own connection) */
    TY_TRY(ty_store_begin(e->st));
    e->in_txn = 1;
    ty_err r = detect_entities(e);
    if (r == TY_OK && slowest != INT64_MAX)
        r = ty_warning_advance(e->st, slowest, NULL);
    e->in_txn = 0;
    if (r == TY_OK)
        return ty_store_commit(e->st);
    ty_store_rollback(e->st);
    return r;
}

static ty_err detect_entities(ty_engine *e)
{
    /* entities with an open signal are looked at every day of their own
     * platform's clock (platforms' feeds may arrive one after another) */
    int32_t global = (int32_t)ty_local_day(e->clock_ms, e->o.utc_offset_min);
    int new_day = global != e->detect_day;
    e->detect_day = global;
    int8_t *moved = e->pmoved;
    for (int p = 1; p < PLATFORM_CODES_MAX; p++) {
        moved[p] = 0;
        if (!e->pclock[p])
            continue;
        int32_t d = (int32_t)ty_local_day(e->pclock[p], e->o.utc_offset_min);
        if (d != e->pdetect_day[p]) {
            e->pdetect_day[p] = d;
            moved[p] = 1;
            new_day = 1;
        }
    }
    for (size_t s = 0; s < e->nsigs; s++) {
        entity *x = &e->ent[e->sigs[s].entity];
        if (e->sigs[s].active &&
            (x->platform > 0 && x->platform < PLATFORM_CODES_MAX ? moved[x->platform] : new_day))
            x->touched = e->gen;
    }
    for (uint32_t i = 0; i < e->nent; i++) {
        entity *x = &e->ent[i];
        if (x->touched != e->gen)
            continue;
        set_now(e, x);
        int32_t today = e->now_day;
        if (x->kind == TY_ENT_FAMILY) {
            if (e->rules.price.enabled)
                TY_TRY(price_detect(e, i, today));
        } else if (watched(x->kind)) {
            if (e->rules.rate.enabled)
                TY_TRY(rate_detect(e, i, today));
            if (e->rules.change.enabled)
                TY_TRY(cusum_detect(e, i, today));
            if (x->kind == TY_ENT_PRODUCT && e->rules.regulatory.enabled)
                TY_TRY(reg_detect(e, i));
        }
    }
    if (e->rules.dispro.enabled)
        TY_TRY(dp_detect(e, new_day));
    return TY_OK;
}

ty_err ty_engine_signals(ty_engine *e, ty_err (*fn)(void *ctx, const ty_engine_signal *s),
                         void *ctx)
{
    for (size_t k = 0; k < e->nsigs; k++) {
        const engine_signal *s = &e->sigs[k];
        const entity *x = &e->ent[s->entity];
        const char *cls = s->cls >= 0 && (size_t)s->cls < NCLASSES ? classes[s->cls].name : "?";
        char keyname[64], kbuf[300];
        key_detector(s->detector, s->sub ? e->dp.rx_name[s->sub - 1] : cls, keyname,
                     sizeof keyname);
        ty_engine_signal out = {s->detector,
                                cls,
                                s->sub ? e->dp.rx_name[s->sub - 1] : NULL,
                                x->kind,
                                x->platform,
                                x->key,
                                x->display,
                                s->active && !s->clear_since_ms,
                                s->active,
                                s->severity,
                                s->probability,
                                s->first_ms,
                                s->opened_ms,
                                s->last_ms,
                                s->clear_since_ms,
                                s->explain ? s->explain : "{}",
                                {keyname, ty_entity_kind_name(x->kind),
                                 warning_key(x, kbuf, sizeof kbuf), platform_code(e, x->platform)}};
        TY_TRY(fn(ctx, &out));
    }
    return TY_OK;
}

ty_err ty_engine_watched(ty_engine *e, uint64_t *n)
{
    *n = 0;
    for (uint32_t i = 0; i < e->nent; i++)
        *n += watched(e->ent[i].kind);
    return TY_OK;
}
