/*
 * mgps.c - DuMouchel's (1999) multi-item gamma-Poisson shrinker: the posterior
 * of one cell under the two-gamma mixture prior (Qn, EBGM, EB05, EB95) and the
 * maximum-likelihood fit of the prior's five hyperparameters to many cells.
 *
 * Model (DuMouchel 1999, Am Stat 53:177-190): the count n of a cell is
 * Poisson(lambda E); lambda has prior p Gamma(a1, b1) + (1-p) Gamma(a2, b2)
 * (shape, rate). The marginal of n is then a mixture of two negative binomials
 * (his eq. 5) and the posterior of lambda is the mixture
 * Qn Gamma(a1 + n, b1 + E) + (1 - Qn) Gamma(a2 + n, b2 + E) (eqs. 6-8).
 * Special functions, the gamma CDF and quantiles, the root finder (Brent) and
 * the minimiser (Nelder-Mead) are GNU GSL's.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "dispro_impl.h"
#include "lnpoch.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

void dispro_gsl_init(void)
{
    pthread_once(&gsl_once, gsl_quiet);
}

ty_err ty_dispro_work_new(ty_dispro_work **out)
{
    dispro_gsl_init();
    *out = NULL;
    ty_dispro_work *w = calloc(1, sizeof *w);
    if (!w)
        return TY_ENOMEM;
    w->brent = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!w->brent) {
        free(w);
        return TY_ENOMEM;
    }
    *out = w;
    return TY_OK;
}

void ty_dispro_work_free(ty_dispro_work **w)
{
    if (!w || !*w)
        return;
    gsl_root_fsolver_free((*w)->brent);
    free(*w);
    *w = NULL;
}

static int pos_finite(double x)
{
    return isfinite(x) && x > 0;
}

ty_err ty_mgps_prior_check(const ty_mgps_prior *p)
{
    if (!p || !pos_finite(p->alpha1) || !pos_finite(p->beta1) || !pos_finite(p->alpha2) ||
        !pos_finite(p->beta2) || !(p->p > 0 && p->p < 1))
        return TY_EINVAL;
    return TY_OK;
}

/* ln of the negative binomial probability of count n when lambda ~ Gamma(alpha,
 * rate beta) and n ~ Poisson(lambda E) (DuMouchel eq. 5):
 * Gamma(alpha + n) / (Gamma(alpha) n!) (beta/(beta+E))^alpha (E/(beta+E))^n.
 * lnfact is ln n!, passed in because the fit reuses it for every evaluation. */
static double ln_nb(double n, double lnfact, double alpha, double beta, double e)
{
    double v = ty_lnpoch(alpha, n) - lnfact - alpha * log1p(e / beta);
    if (n > 0)
        v += n * (log(e) - log(beta + e)); /* e > 0 whenever n > 0 (checked by callers) */
    return v;
}

/* ln P(N >= n_star) for one negative binomial: the normaliser of the truncated
 * likelihood. For n_star = 1 it is ln(1 - (beta/(beta+E))^alpha), computed with
 * expm1 so that small E keeps its precision. */
static double ln_tail(unsigned n_star, double alpha, double beta, double e)
{
    if (n_star == 0)
        return 0;
    double l0 = -alpha * log1p(e / beta);
    if (n_star == 1)
        return log(-expm1(l0));
    double head = 0;
    for (unsigned j = 0; j < n_star; j++)
        head += exp(ln_nb(j, gsl_sf_lnfact(j), alpha, beta, e));
    return log1p(-GSL_MIN(head, 1.0));
}

/* Posterior weight of component 1 given n (DuMouchel eq. 6), from the two
 * marginal log-likelihoods, without overflow. */
static double qn_of(double l1, double l2)
{
    double dl = l2 - l1;
    if (dl > 0) {
        double e = exp(-dl);
        return e / (1 + e);
    }
    return 1 / (1 + exp(dl));
}

typedef struct mix_cdf {
    double qn, s1, r1, s2, r2, target;
} mix_cdf;

/* F(x) - target for the posterior mixture of gammas (GSL's gamma CDF takes a
 * scale, 1/rate). */
static double mix_cdf_gap(double x, void *arg)
{
    const mix_cdf *m = arg;
    return m->qn * gsl_cdf_gamma_P(x, m->s1, 1 / m->r1) +
           (1 - m->qn) * gsl_cdf_gamma_P(x, m->s2, 1 / m->r2) - m->target;
}

/* The target quantile of the posterior mixture. It lies between the two
 * components' own quantiles (the mixture CDF is a weighted mean of theirs),
 * which bracket the root for GSL's Brent solver. */
static ty_err mix_quantile(gsl_root_fsolver *s, mix_cdf *m, double *out)
{
    if (m->s1 > TY_DISPRO_GAMMA_MAX_SHAPE || m->s2 > TY_DISPRO_GAMMA_MAX_SHAPE)
        return TY_ELIMIT;
    double x1 = gsl_cdf_gamma_Pinv(m->target, m->s1, 1 / m->r1);
    double x2 = gsl_cdf_gamma_Pinv(m->target, m->s2, 1 / m->r2);
    if (!pos_finite(x1) || !pos_finite(x2))
        return TY_ELIMIT;
    double lo = GSL_MIN(x1, x2), hi = GSL_MAX(x1, x2);
    if (hi - lo <= 1e-14 * hi) {
        *out = hi;
        return TY_OK;
    }
    gsl_function f = {mix_cdf_gap, m};
    double flo = mix_cdf_gap(lo, m), fhi = mix_cdf_gap(hi, m);
    if (flo == 0 || fhi == 0) {
        *out = flo == 0 ? lo : hi;
        return TY_OK;
    }
    if (flo > 0 || fhi < 0 || gsl_root_fsolver_set(s, &f, lo, hi) != GSL_SUCCESS)
        return TY_ELIMIT;
    for (int i = 0; i < 200; i++) {
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
            return TY_ELIMIT;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(a, b, 0, 1e-12) == GSL_SUCCESS) {
            *out = gsl_root_fsolver_root(s);
            return TY_OK;
        }
    }
    return TY_ELIMIT;
}

ty_err ty_mgps_posterior(const ty_mgps_prior *pr, double n, double e, ty_dispro_work *work,
                         ty_mgps_cell *out)
{
    if (ty_mgps_prior_check(pr) != TY_OK || !out || !isfinite(n) || n < 0 || n != floor(n) ||
        !isfinite(e) || e < 0 || (e == 0 && n > 0))
        return TY_EINVAL;
    dispro_gsl_init();
    ty_dispro_work *own = NULL;
    if (!work) {
        TY_TRY(ty_dispro_work_new(&own));
        work = own;
    }
    double lnfact = gsl_sf_lngamma(n + 1);
    double l1 = log(pr->p) + ln_nb(n, lnfact, pr->alpha1, pr->beta1, e);
    double l2 = log1p(-pr->p) + ln_nb(n, lnfact, pr->alpha2, pr->beta2, e);
    ty_mgps_cell c;
    c.qn = qn_of(l1, l2);
    /* E[ln lambda] of a Gamma(s, r) is psi(s) - ln r (DuMouchel eqs. 9-11). */
    c.elog = c.qn * (gsl_sf_psi(pr->alpha1 + n) - log(pr->beta1 + e)) +
             (1 - c.qn) * (gsl_sf_psi(pr->alpha2 + n) - log(pr->beta2 + e));
    c.ebgm = exp(c.elog);
    mix_cdf m = {c.qn, pr->alpha1 + n, pr->beta1 + e, pr->alpha2 + n, pr->beta2 + e, 0.05};
    ty_err err = mix_quantile(work->brent, &m, &c.eb05);
    if (err == TY_OK) {
        m.target = 0.95;
        err = mix_quantile(work->brent, &m, &c.eb95);
    }
    ty_dispro_work_free(&own);
    if (err != TY_OK)
        c.eb05 = c.eb95 = NAN;
    *out = c;
    return err;
}

/* Checks the cells once, so the likelihood needs no checks per evaluation. */
static ty_err check_cells(const double *n, const double *e, const double *w, size_t cells)
{
    if (!n || !e || cells == 0)
        return TY_EINVAL;
    for (size_t i = 0; i < cells; i++)
        if (!isfinite(n[i]) || n[i] < 0 || n[i] != floor(n[i]) || !pos_finite(e[i]) ||
            (w && !(isfinite(w[i]) && w[i] >= 0)))
            return TY_EINVAL;
    return TY_OK;
}

/* The negative log-likelihood without checks; lnfact[i] = ln n[i]! or NULL. */
static double negll(const ty_mgps_prior *pr, const double *n, const double *e, const double *w,
                    const double *lnfact, size_t cells, unsigned n_star)
{
    double lp = log(pr->p), lq = log1p(-pr->p), sum = 0;
    for (size_t i = 0; i < cells; i++) {
        if (n[i] < n_star)
            continue;
        double lf = lnfact ? lnfact[i] : gsl_sf_lngamma(n[i] + 1);
        double l1 = lp + ln_nb(n[i], lf, pr->alpha1, pr->beta1, e[i]) -
                    ln_tail(n_star, pr->alpha1, pr->beta1, e[i]);
        double l2 = lq + ln_nb(n[i], lf, pr->alpha2, pr->beta2, e[i]) -
                    ln_tail(n_star, pr->alpha2, pr->beta2, e[i]);
        double hi = GSL_MAX(l1, l2);
        double ll = hi + log1p(exp(GSL_MIN(l1, l2) - hi)); /* ln(e^l1 + e^l2) */
        sum -= (w ? w[i] : 1) * ll;
    }
    return sum;
}

ty_err ty_mgps_negll(const ty_mgps_prior *prior, const double *n, const double *e, const double *w,
                     size_t cells, unsigned n_star, double *out)
{
    if (ty_mgps_prior_check(prior) != TY_OK || !out)
        return TY_EINVAL;
    TY_TRY(check_cells(n, e, w, cells));
    dispro_gsl_init();
    *out = negll(prior, n, e, w, NULL, cells, n_star);
    return TY_OK;
}

/* Starting points: the five of openEBGM's "Empirical Bayes Metrics" vignette
 * (x4_posteriorCalculationVignette.Rmd, cran/openEBGM); the first, (0.2, 0.1,
 * 2, 4, 1/3), is DuMouchel's own suggestion. */
static const ty_mgps_prior default_starts[] = {
    {0.2, 0.1, 2, 4, 1.0 / 3}, {0.1, 0.1, 10, 10, 0.2}, {0.3, 0.5, 6, 6, 0.5},
    {0.5, 0.3, 12, 12, 0.8},   {0.2, 0.2, 5, 5, 0.4},
};

void ty_mgps_fit_defaults(ty_mgps_fit_opts *o)
{
    o->n_star = 1;
    o->starts = default_starts;
    o->nstarts = sizeof default_starts / sizeof default_starts[0];
    o->max_iter = 5000;
    o->size_tol = 1e-9;
}

typedef struct fit_data {
    const double *n, *e, *w, *lnfact;
    size_t cells;
    unsigned n_star;
} fit_data;

/* Past |x| = 40 in the transformed space (a parameter beyond e^40 or e^-40) the
 * objective is a wall: the minimiser stays where the likelihood is finite. */
#define FIT_WALL 40.0
#define FIT_HUGE 1e300

static ty_mgps_prior from_x(const gsl_vector *x)
{
    ty_mgps_prior p = {exp(gsl_vector_get(x, 0)), exp(gsl_vector_get(x, 1)),
                       exp(gsl_vector_get(x, 2)), exp(gsl_vector_get(x, 3)),
                       1 / (1 + exp(-gsl_vector_get(x, 4)))};
    return p;
}

static double fit_f(const gsl_vector *x, void *arg)
{
    const fit_data *d = arg;
    for (size_t i = 0; i < 5; i++)
        if (!(fabs(gsl_vector_get(x, i)) <= FIT_WALL))
            return FIT_HUGE;
    ty_mgps_prior p = from_x(x);
    if (ty_mgps_prior_check(&p) != TY_OK)
        return FIT_HUGE;
    double v = negll(&p, d->n, d->e, d->w, d->lnfact, d->cells, d->n_star);
    return isfinite(v) ? v : FIT_HUGE;
}

/* One Nelder-Mead run from x (updated to the minimum). Returns 1 when the
 * simplex shrank below tol, 0 when it ran out of iterations, -1 on a GSL error. */
static int nm_run(gsl_multimin_fminimizer *s, gsl_multimin_function *f, gsl_vector *x,
                  const gsl_vector *step, unsigned max_iter, double tol, unsigned *iters)
{
    if (gsl_multimin_fminimizer_set(s, f, x, step) != GSL_SUCCESS)
        return -1;
    for (unsigned i = 0; i < max_iter; i++) {
        (*iters)++;
        if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), tol) == GSL_SUCCESS) {
            gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(s));
            return 1;
        }
    }
    gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(s));
    return 0;
}

ty_err ty_mgps_fit(const double *n, const double *e, const double *w, size_t cells,
                   const ty_mgps_fit_opts *opts, ty_mgps_prior *out, ty_mgps_fit_info *info)
{
    ty_mgps_fit_opts o;
    ty_mgps_fit_defaults(&o);
    if (opts)
        o = *opts;
    if (!out || !o.starts || o.nstarts == 0 || o.max_iter == 0 || !(o.size_tol > 0))
        return TY_EINVAL;
    TY_TRY(check_cells(n, e, w, cells));
    size_t usable = 0;
    for (size_t i = 0; i < cells; i++)
        usable += n[i] >= o.n_star && (!w || w[i] > 0);
    if (usable < 5)
        return TY_EINVAL;
    for (size_t k = 0; k < o.nstarts; k++)
        if (ty_mgps_prior_check(&o.starts[k]) != TY_OK)
            return TY_EINVAL;
    dispro_gsl_init();

    double *lnfact = malloc(cells * sizeof *lnfact);
    gsl_vector *x = gsl_vector_alloc(5), *step = gsl_vector_alloc(5);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 5);
    ty_err err = TY_OK;
    if (!lnfact || !x || !step || !s) {
        err = TY_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < cells; i++)
        lnfact[i] = gsl_sf_lngamma(n[i] + 1);
    fit_data d = {n, e, w, lnfact, cells, o.n_star};
    gsl_multimin_function f = {fit_f, 5, &d};
    gsl_vector_set_all(step, 0.5);

    ty_mgps_fit_info best = {INFINITY, 0, 0, 0};
    ty_mgps_prior best_p = o.starts[0];
    for (size_t k = 0; k < o.nstarts; k++) {
        const ty_mgps_prior *p0 = &o.starts[k];
        gsl_vector_set(x, 0, log(p0->alpha1));
        gsl_vector_set(x, 1, log(p0->beta1));
        gsl_vector_set(x, 2, log(p0->alpha2));
        gsl_vector_set(x, 3, log(p0->beta2));
        gsl_vector_set(x, 4, log(p0->p / (1 - p0->p)));
        /* A simplex can collapse on a ridge before it reaches the minimum; a
         * second run from where the first stopped, with a fresh simplex, is the
         * usual remedy. Converged means both runs shrank to the tolerance. */
        int r1 = nm_run(s, &f, x, step, o.max_iter, o.size_tol, &best.iterations);
        int r2 = r1 < 0 ? -1 : nm_run(s, &f, x, step, o.max_iter, o.size_tol, &best.iterations);
        if (r1 < 0 || r2 < 0)
            continue;
        double v = fit_f(x, &d);
        if (r1 == 1 && r2 == 1 && v < FIT_HUGE)
            best.converged++;
        if (v < best.negll) {
            best.negll = v;
            best.best_start = k;
            best_p = from_x(x);
        }
    }
    if (!(best.negll < FIT_HUGE) || best.converged == 0)
        err = TY_ELIMIT;
    /* Order the components: 1 = the larger prior mean alpha/beta. */
    if (best_p.alpha1 / best_p.beta1 < best_p.alpha2 / best_p.beta2) {
        ty_mgps_prior sw = {best_p.alpha2, best_p.beta2, best_p.alpha1, best_p.beta1, 1 - best_p.p};
        best_p = sw;
    }
    *out = best_p;
    if (info)
        *info = best;
done:
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(step);
    gsl_vector_free(x);
    free(lnfact);
    return err;
}
