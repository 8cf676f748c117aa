/*
 * detect_dispro.c - disproportionality of adverse-event reports, as
 * pharmacovigilance screens spontaneous reports: every report counts once for
 * each (suspect product or brand, reaction) pair it names, and each pair's 2x2
 * table against all other reports is scored by dispro.h.
 *
 *                   reaction R   other reactions
 *   entity X            a              b           a + b = reports naming X
 *   other entities      c              d
 *                                              N = a + b + c + d, all reports
 *
 * A pair signals when Evans et al. (2001) hold (a >= min_cases, PRR >= prr_min,
 * Yates chi-squared >= chi2_min) and the lower 95% limit of the shrinkage
 * information component exceeds ic025_min (Noren et al. 2013). The MGPS prior
 * (DuMouchel 1999) is fitted by maximum likelihood over every pair's (n, E),
 * refitted as the database grows by a quarter; a pair whose EB05 also reaches
 * eb05_min (Szarfman, Machado & O'Neill 2002 use EB05 >= 2) is put one
 * probability band higher.
 *
 * Probability of harm (2019/417 Annex Part III): the reports show harm that
 * happened, not how often per sale, so a disproportionate pair is put in the
 * band "> 1/10 000" and, with the MGPS test as well, "> 1/1 000". With the
 * default allergy severity 2 that gives Medium (level III) and High (level II).
 *
 * No pair is judged before the database holds min_reports reports: with few
 * reports every table is disproportionate. Counts are cumulative over the
 * whole feed, as report databases are screened; the warning's window runs from
 * the first report the engine read.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

#define P_DISPRO      1e-4 /* band "> 1/10 000" */
#define P_DISPRO_EB   1e-3 /* band "> 1/1 000" */
#define CLASS_ALLERGY 0    /* ty_rule_class_name(0): adverse reaction */
#define REFIT_GROWTH  1.25 /* refit the MGPS prior when N grew by a quarter */
#define RX_NAME_MAX   128  /* longest reaction name kept (a warning input's limit) */

/* Keyed hash of a reaction name, folded to ASCII lower case and trimmed. */
static uint64_t rx_hash(const ty_engine *e, const char *s, size_t n)
{
    unsigned char msg[1 + RX_NAME_MAX], h[8];
    msg[0] = 'r';
    for (size_t i = 0; i < n; i++)
        msg[1 + i] = (unsigned char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    crypto_shorthash(h, msg, 1 + n, e->hkey);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static int same_name(const char *a, const char *b, size_t n)
{
    if (strlen(a) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
        if (x != y)
            return 0;
    }
    return 1;
}

/* The reaction's index, interned when new; UINT32_MAX for an empty name. */
static ty_err rx_intern(ty_engine *e, const char *s, size_t n, uint32_t *out)
{
    dp_state *d = &e->dp;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n > RX_NAME_MAX - 1) { /* cut at a UTF-8 boundary */
        n = RX_NAME_MAX - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    *out = UINT32_MAX;
    if (!n)
        return TY_OK;
    uint64_t h = rx_hash(e, s, n), pos = UINT64_MAX;
    int64_t cand;
    while (ty_hashidx_next(&d->rx_index, h, &pos, &cand))
        if (same_name(d->rx_name[cand], s, n)) {
            *out = (uint32_t)cand;
            return TY_OK;
        }
    if (d->nrx == d->caprx) {
        uint32_t cap = d->caprx ? d->caprx * 2 : 256;
        char **names = realloc(d->rx_name, sizeof *names * cap);
        if (!names)
            return TY_ENOMEM;
        d->rx_name = names;
        uint32_t *tot = realloc(d->rx_total, sizeof *tot * cap);
        if (!tot)
            return TY_ENOMEM;
        d->rx_total = tot;
        d->caprx = cap;
    }
    char *name = malloc(n + 1);
    if (!name)
        return TY_ENOMEM;
    memcpy(name, s, n);
    name[n] = '\0';
    TY_TRY(ty_hashidx_insert(&d->rx_index, h, d->nrx));
    d->rx_name[d->nrx] = name;
    d->rx_total[d->nrx] = 0;
    *out = d->nrx++;
    return TY_OK;
}

/* SplitMix64 finaliser: a bucket choice for (entity, reaction). */
static uint64_t pair_hash(uint32_t ent, uint32_t rx)
{
    uint64_t z = ((uint64_t)ent << 32 | rx) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static ty_err pair_get(ty_engine *e, uint32_t ent, uint32_t rx, dp_pair **out)
{
    dp_state *d = &e->dp;
    uint64_t h = pair_hash(ent, rx), pos = UINT64_MAX;
    int64_t cand;
    while (ty_hashidx_next(&d->pair_index, h, &pos, &cand))
        if (d->pairs[cand].ent == ent && d->pairs[cand].rx == rx) {
            *out = &d->pairs[cand];
            return TY_OK;
        }
    if (d->npairs == d->cappairs) {
        size_t cap = d->cappairs ? d->cappairs * 2 : 1024;
        dp_pair *p = realloc(d->pairs, sizeof *p * cap);
        if (!p)
            return TY_ENOMEM;
        d->pairs = p;
        d->cappairs = cap;
    }
    TY_TRY(ty_hashidx_insert(&d->pair_index, h, (int64_t)d->npairs));
    dp_pair *p = &d->pairs[d->npairs++];
    memset(p, 0, sizeof *p);
    p->ent = ent;
    p->rx = rx;
    p->first_ms = e->ev_ts;
    *out = p;
    return TY_OK;
}

static ty_err ent_total_grow(ty_engine *e)
{
    dp_state *d = &e->dp;
    if (d->capent >= e->nent)
        return TY_OK;
    uint32_t cap = d->capent ? d->capent : 1024;
    while (cap < e->nent)
        cap *= 2;
    uint32_t *t = realloc(d->ent_total, sizeof *t * cap);
    if (!t)
        return TY_ENOMEM;
    memset(t + d->capent, 0, sizeof *t * (cap - d->capent));
    d->ent_total = t;
    d->capent = cap;
    return TY_OK;
}

ty_err dp_report(ty_engine *e, const uint32_t *ents, size_t nents, const char *const *rx,
                 const size_t *rxlen, size_t nrx)
{
    dp_state *d = &e->dp;
    TY_TRY(ent_total_grow(e));
    uint32_t rxi[TY_DP_REACTIONS_MAX];
    size_t m = 0;
    for (size_t k = 0; k < nrx && k < TY_DP_REACTIONS_MAX; k++) {
        uint32_t r;
        TY_TRY(rx_intern(e, rx[k], rxlen[k], &r));
        int dup = r == UINT32_MAX;
        for (size_t j = 0; j < m && !dup; j++)
            dup = rxi[j] == r;
        if (!dup)
            rxi[m++] = r;
    }
    d->n++;
    for (size_t j = 0; j < m; j++)
        d->rx_total[rxi[j]]++;
    for (size_t i = 0; i < nents; i++) {
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++)
            dup = ents[k] == ents[i];
        if (dup)
            continue;
        d->ent_total[ents[i]]++;
        for (size_t j = 0; j < m; j++) {
            dp_pair *p;
            TY_TRY(pair_get(e, ents[i], rxi[j], &p));
            p->n++;
            p->touched = e->gen;
            if (e->ev_ts < p->first_ms)
                p->first_ms = e->ev_ts;
            if (e->ev_ts > p->last_ms)
                p->last_ms = e->ev_ts;
            p->seq[(p->n - 1) % PAIR_SEQS] = e->ev_seq;
            if (p->nseq < PAIR_SEQS)
                p->nseq++;
        }
    }
    return TY_OK;
}

/* A cell of the MGPS fit: count, expected count, weight (cells squashed). */
typedef struct fit_cell {
    double n, E;
} fit_cell;

static int by_n_then_e(const void *a, const void *b)
{
    const fit_cell *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->E < y->E ? -1 : x->E > y->E;
}

/*
 * Fits the MGPS prior over every pair seen (n >= 1, as openEBGM lists them). As
 * openEBGM's squashData() does for its hyperparameter fit, cells with the same
 * small count (n <= SQUASH_N_MAX) are sorted by E and merged in runs of
 * SQUASH_BIN into one cell of mean E and weight the run's length, keeping the
 * SQUASH_KEEP smallest E of each count as they are; the likelihood then costs
 * a few hundred terms instead of one per pair. A fit that fails keeps the
 * previous prior, or none.
 */
#define SQUASH_N_MAX 2
#define SQUASH_BIN   50
#define SQUASH_KEEP  100
static ty_err refit(ty_engine *e)
{
    dp_state *d = &e->dp;
    if (d->npairs < 5)
        return TY_OK;
    fit_cell *c = malloc(sizeof *c * d->npairs);
    double *n = malloc(sizeof(double) * d->npairs), *E = malloc(sizeof(double) * d->npairs),
           *w = malloc(sizeof(double) * d->npairs);
    if (!c || !n || !E || !w) {
        free(c);
        free(n);
        free(E);
        free(w);
        return TY_ENOMEM;
    }
    double N = (double)d->n;
    for (size_t i = 0; i < d->npairs; i++) {
        const dp_pair *p = &d->pairs[i];
        c[i].n = p->n;
        c[i].E = (double)d->ent_total[p->ent] * (double)d->rx_total[p->rx] / N;
    }
    qsort(c, d->npairs, sizeof *c, by_n_then_e);
    size_t m = 0;
    for (size_t i = 0; i < d->npairs;) {
        size_t j = i; /* cells [i, j) share a count */
        while (j < d->npairs && c[j].n == c[i].n)
            j++;
        size_t k = i;
        for (; k < j && (c[i].n > SQUASH_N_MAX || k - i < SQUASH_KEEP); k++, m++)
            n[m] = c[k].n, E[m] = c[k].E, w[m] = 1;
        while (k < j) {
            size_t end = k + SQUASH_BIN < j ? k + SQUASH_BIN : j;
            double sum = 0;
            for (size_t q = k; q < end; q++)
                sum += c[q].E;
            n[m] = c[k].n, E[m] = sum / (double)(end - k), w[m] = (double)(end - k);
            m++;
            k = end;
        }
        i = j;
    }
    ty_mgps_prior prior;
    ty_mgps_fit_opts fo; /* a refit starts from the last estimate alone */
    ty_mgps_fit_defaults(&fo);
    /* a well-identified prior converges within about 650 iterations per start
     * (test_dispro, 5,000 simulated cells); one that needs more is running off
     * to a point mass, which the check below rejects anyway */
    fo.max_iter = 1000;
    if (d->have_prior) {
        fo.starts = &d->prior;
        fo.nstarts = 1;
    }
    ty_err r = ty_mgps_fit(n, E, w, m, &fo, &prior, NULL);
    free(c);
    free(n);
    free(E);
    free(w);
    d->n_at_fit = d->n;
    d->fits++;
    if (r == TY_ENOMEM)
        return r;
    /* A fit that runs off to a point mass (a shape past what the gamma quantiles
     * support, or a mixing weight at 0 or 1) says the reports cannot identify
     * the prior: EB05 is then not used, rather than read off a degenerate one. */
    d->degenerate =
        r == TY_OK &&
        (prior.alpha1 > TY_DISPRO_GAMMA_MAX_SHAPE || prior.alpha2 > TY_DISPRO_GAMMA_MAX_SHAPE ||
         prior.beta1 > TY_DISPRO_GAMMA_MAX_SHAPE || prior.beta2 > TY_DISPRO_GAMMA_MAX_SHAPE ||
         prior.alpha1 < 1e-6 || prior.alpha2 < 1e-6 || prior.p < 1e-6 || prior.p > 1 - 1e-6);
    d->have_prior = r == TY_OK && !d->degenerate;
    if (d->have_prior)
        d->prior = prior;
    return TY_OK;
}

/* The newest seqs of the pair, newest first. */
static size_t pair_seqs(const dp_pair *p, int64_t *out)
{
    for (size_t i = 0; i < p->nseq; i++)
        out[i] = p->seq[(p->n - 1 - i) % PAIR_SEQS];
    return p->nseq;
}

static ty_err judge(ty_engine *e, dp_pair *p)
{
    dp_state *d = &e->dp;
    const ty_rules *ru = &e->rules;
    entity *x = &e->ent[p->ent];
    set_now(e, x);
    uint32_t sub = p->rx + 1;
    uint64_t a = p->n, b = d->ent_total[p->ent] - a, c = d->rx_total[p->rx] - a;
    ty_dispro_counts t = {a, b, c, d->n - a - b - c};
    ty_dispro_result res;
    if (a < ru->dispro.min_cases ||
        ty_dispro_table(&t, d->have_prior ? &d->prior : NULL, d->work, &res) != TY_OK ||
        (res.flags & (TY_DISPRO_PRR_UNDEF | TY_DISPRO_CHI2_UNDEF)) ||
        res.prr < ru->dispro.prr_min || res.chi2_yates < ru->dispro.chi2_min ||
        !(res.ic025 > ru->dispro.ic025_min)) {
        sig_clear_sub(e, "dispro", p->ent, CLASS_ALLERGY, sub);
        return TY_OK;
    }
    int eb = d->have_prior && ru->dispro.eb05_min > 0 && res.mgps.eb05 >= ru->dispro.eb05_min;
    ty_warning_stat stats[] = {
        {"a_reports_with_both", (double)a, ru->dispro.min_cases},
        {"expected", res.expected, NAN},
        {"prr", res.prr, ru->dispro.prr_min},
        {"prr_95_low", res.prr_lo, NAN},
        {"prr_95_high", res.prr_hi, NAN},
        {"ror", res.ror, NAN},
        {"ror_95_low", res.ror_lo, NAN},
        {"ror_95_high", res.ror_hi, NAN},
        {"chi2_yates", res.chi2_yates, ru->dispro.chi2_min},
        {"ic", res.ic, NAN},
        {"ic025", res.ic025, ru->dispro.ic025_min},
        {"bcpnn_ic", res.bcpnn_ic, NAN},
        {"ebgm", res.mgps.ebgm, NAN},
        {"eb05", res.mgps.eb05, ru->dispro.eb05_min > 0 ? ru->dispro.eb05_min : NAN},
        {"eb95", res.mgps.eb95, NAN},
    };
    char rxbuf[RX_NAME_MAX];
    ty_warning_input inputs[] = {
        {"reaction", 0, clip_text(d->rx_name[p->rx], rxbuf, sizeof rxbuf)},
        {"b_entity_other_reactions", (double)b, NULL},
        {"c_reaction_other_entities", (double)c, NULL},
        {"d_neither", (double)t.d, NULL},
        {"n_reports", (double)d->n, NULL},
        {"mgps_alpha1", d->have_prior ? d->prior.alpha1 : NAN, NULL},
        {"mgps_beta1", d->have_prior ? d->prior.beta1 : NAN, NULL},
        {"mgps_alpha2", d->have_prior ? d->prior.alpha2 : NAN, NULL},
        {"mgps_beta2", d->have_prior ? d->prior.beta2 : NAN, NULL},
        {"mgps_p", d->have_prior ? d->prior.p : NAN, NULL},
        {"mgps_prior", 0,
         d->have_prior   ? "fitted by maximum likelihood over every pair"
         : d->degenerate ? "not identifiable from these reports (the fit ran to a point mass)"
                         : "not fitted yet"},
        {"method", 0, "PRR/chi2 (Evans 2001), IC025 (Noren 2013), MGPS EB05 (DuMouchel 1999)"},
    };
    char note[400];
    snprintf(note, sizeof note,
             "%llu of %llu reports naming this %s report %s, against %llu of %llu other reports: "
             "PRR %.2f, IC025 %.2f%s",
             (unsigned long long)a, (unsigned long long)(a + b), ty_entity_kind_name(x->kind),
             rxbuf, (unsigned long long)c, (unsigned long long)(c + t.d), res.prr, res.ic025,
             eb ? ", EB05 above the MGPS threshold" : "");
    int64_t seqs[PAIR_SEQS];
    sig_args s = {"dispro",
                  p->ent,
                  CLASS_ALLERGY,
                  sub,
                  d->rx_name[p->rx],
                  ru->severity[CLASS_ALLERGY],
                  eb ? P_DISPRO_EB : P_DISPRO,
                  p->first_ms,
                  p->last_ms,
                  e->first_ms != INT64_MAX ? e->first_ms : p->first_ms,
                  stats,
                  sizeof stats / sizeof stats[0],
                  inputs,
                  sizeof inputs / sizeof inputs[0],
                  seqs,
                  pair_seqs(p, seqs),
                  note};
    return sig_raise_args(e, &s);
}

ty_err dp_detect(ty_engine *e, int new_day)
{
    dp_state *d = &e->dp;
    if (d->n < e->rules.dispro.min_reports)
        return TY_OK;
    /* refit as the reports grow by a quarter (doubling after a degenerate fit) */
    if (!d->n_at_fit || (double)d->n >= (d->degenerate ? 2.0 : REFIT_GROWTH) * (double)d->n_at_fit)
        TY_TRY(refit(e));
    for (size_t i = 0; i < d->npairs; i++)
        if (d->pairs[i].touched == e->gen)
            TY_TRY(judge(e, &d->pairs[i]));
    if (!new_day)
        return TY_OK;
    /* a standing signal is judged every day against the grown database */
    for (size_t s = 0; s < e->nsigs; s++) {
        const engine_signal *g = &e->sigs[s];
        if (!g->active || !g->sub || strcmp(g->detector, "dispro") != 0)
            continue;
        uint64_t h = pair_hash(g->entity, g->sub - 1), pos = UINT64_MAX;
        int64_t cand;
        while (ty_hashidx_next(&d->pair_index, h, &pos, &cand)) {
            dp_pair *p = &d->pairs[cand];
            if (p->ent == g->entity && p->rx == g->sub - 1 && p->touched != e->gen) {
                TY_TRY(judge(e, p));
                break;
            }
        }
    }
    return TY_OK;
}

void dp_free(ty_engine *e)
{
    dp_state *d = &e->dp;
    for (uint32_t i = 0; i < d->nrx; i++)
        free(d->rx_name[i]);
    free(d->rx_name);
    free(d->rx_total);
    free(d->pairs);
    free(d->ent_total);
    ty_hashidx_free(&d->rx_index);
    ty_hashidx_free(&d->pair_index);
    ty_dispro_work_free(&d->work);
    memset(d, 0, sizeof *d);
}
