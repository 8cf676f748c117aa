/*
 * ebrate.c - empirical-Bayes beta-binomial rates: the beta-binomial
 * likelihood, its maximum-likelihood fit (GSL BFGS with analytic gradient,
 * bounded prior sample size) and the posterior of one entity (GSL incomplete
 * beta). Formulas and sources: docs/detection.md, "Sales-normalised rates".
 */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "changestat_impl.h"
#include "lnpoch.h"
#include "tianyan/ebrate.h"

void ty_betabin_fit_defaults(ty_betabin_opts *o)
{
    o->s_min = TY_BETABIN_S_MIN;
    o->s_max = TY_BETABIN_S_MAX;
    o->max_iter = 1000;
    o->start = NULL;
}

static int pos_finite(double v)
{
    return isfinite(v) && v > 0;
}

ty_err ty_betabin_check(const ty_betabin *p)
{
    return p && pos_finite(p->alpha) && pos_finite(p->beta) ? TY_OK : TY_EINVAL;
}

static int entity_ok(double x, double n)
{
    return isfinite(x) && isfinite(n) && x >= 0 && x <= n && n < 9007199254740992.0 &&
           x == floor(x) && n == floor(n);
}

static ty_err check_entities(const double *x, const double *n, size_t m)
{
    if (!x || !n || m == 0)
        return TY_EINVAL;
    for (size_t i = 0; i < m; i++)
        if (!entity_ok(x[i], n[i]))
            return TY_EINVAL;
    return TY_OK;
}

/* ln B(x + a, n - x + b) - ln B(a, b) as rising factorials (Pochhammer
 * symbols): ln (a)_x + ln (b)_(n-x) - ln (a+b)_n, where a difference of two
 * lnbeta values would cancel when a + b is large (ty_lnpoch: lnpoch.h). */
static double ln_ratio(double x, double n, double a, double b)
{
    return ty_lnpoch(a, x) + ty_lnpoch(b, n - x) - ty_lnpoch(a + b, n);
}

/* -log likelihood without the binomial coefficients (they do not depend on
 * the prior) and, when grad is not NULL, its derivatives in alpha and beta:
 * d/da = -sum [psi(x+a) - psi(a) - psi(n+a+b) + psi(a+b)], and likewise for b
 * with n - x. */
static double negll_core(const double *x, const double *n, size_t m, double a, double b,
                         double grad[2])
{
    double f = 0, ga = 0, gb = 0;
    double pa = grad ? gsl_sf_psi(a) : 0, pb = grad ? gsl_sf_psi(b) : 0;
    double pab = grad ? gsl_sf_psi(a + b) : 0;
    for (size_t i = 0; i < m; i++) {
        if (n[i] == 0)
            continue;
        f -= ln_ratio(x[i], n[i], a, b);
        if (grad) {
            double pn = gsl_sf_psi(n[i] + a + b) - pab;
            ga -= gsl_sf_psi(x[i] + a) - pa - pn;
            gb -= gsl_sf_psi(n[i] - x[i] + b) - pb - pn;
        }
    }
    if (grad) {
        grad[0] = ga;
        grad[1] = gb;
    }
    return f;
}

static double ln_choose_sum(const double *x, const double *n, size_t m)
{
    double s = 0;
    for (size_t i = 0; i < m; i++)
        s += gsl_sf_lngamma(n[i] + 1) - gsl_sf_lngamma(x[i] + 1) - gsl_sf_lngamma(n[i] - x[i] + 1);
    return s;
}

ty_err ty_betabin_negll(const ty_betabin *p, const double *x, const double *n, size_t m,
                        double *out)
{
    if (ty_betabin_check(p) != TY_OK || !out)
        return TY_EINVAL;
    TY_TRY(check_entities(x, n, m));
    changestat_gsl_init();
    *out = negll_core(x, n, m, p->alpha, p->beta, NULL) - ln_choose_sum(x, n, m);
    return TY_OK;
}

/* ---- fit ------------------------------------------------------------------ */

/* The minimiser works on v = (logit mu, ln s), mu = a/(a+b), s = a + b: the
 * mean and the prior sample size are close to independent there (BDA ch. 5
 * plots the same likelihood over log(a/b), log(a+b)). With fix_s the second
 * coordinate is held at ln_s (its gradient is reported as 0). */
typedef struct fit_data {
    const double *x, *n;
    size_t m;
    int fix_s;
    double ln_s;
} fit_data;

/* Beyond |logit mu| or |ln s| of 40 the objective is a wall. */
#define FIT_WALL 40.0

static void from_v(const gsl_vector *v, const fit_data *d, double *mu, double *s)
{
    double u = gsl_vector_get(v, 0);
    *mu = 1 / (1 + exp(-u));
    *s = exp(d->fix_s ? d->ln_s : gsl_vector_get(v, 1));
}

static int in_wall(const gsl_vector *v, const fit_data *d)
{
    return fabs(gsl_vector_get(v, 0)) <= FIT_WALL &&
           (d->fix_s || fabs(gsl_vector_get(v, 1)) <= FIT_WALL);
}

static void fit_fdf(const gsl_vector *v, void *arg, double *f, gsl_vector *g)
{
    const fit_data *d = arg;
    if (!in_wall(v, d)) {
        if (f)
            *f = GSL_POSINF;
        if (g)
            gsl_vector_set_zero(g);
        return;
    }
    double mu, s;
    from_v(v, d, &mu, &s);
    double a = mu * s, b = (1 - mu) * s, gr[2];
    double val = negll_core(d->x, d->n, d->m, a, b, g ? gr : NULL);
    if (f)
        *f = isfinite(val) ? val : GSL_POSINF;
    if (g) {
        /* chain rule: a = mu s, b = (1-mu) s, dmu/du = mu (1-mu), ds/d ln s = s */
        gsl_vector_set(g, 0, s * mu * (1 - mu) * (gr[0] - gr[1]));
        gsl_vector_set(g, 1, d->fix_s ? 0 : s * (mu * gr[0] + (1 - mu) * gr[1]));
    }
}

static double fit_f(const gsl_vector *v, void *arg)
{
    double f;
    fit_fdf(v, arg, &f, NULL);
    return f;
}

static void fit_df(const gsl_vector *v, void *arg, gsl_vector *g)
{
    fit_fdf(v, arg, NULL, g);
}

/* One BFGS run from v (updated to the minimum). It iterates until the
 * gradient norm is below 1e-9 (1 + |f|) or BFGS can make no more progress, and
 * reports convergence (1) when the gradient norm is then below 1e-5 (1 + |f|):
 * a flat likelihood (little overdispersion, see the docs) stops BFGS early,
 * and there a gradient of that size moves the estimate by less than the
 * likelihood can tell apart. 0: not converged; -1: GSL error at the start. */
static int bfgs_run(gsl_multimin_fdfminimizer *s, gsl_multimin_function_fdf *f, gsl_vector *v,
                    unsigned max_iter, unsigned *iters)
{
    if (gsl_multimin_fdfminimizer_set(s, f, v, 0.1, 0.1) != GSL_SUCCESS)
        return -1;
    for (unsigned i = 0; i < max_iter; i++) {
        (*iters)++;
        int st = gsl_multimin_fdfminimizer_iterate(s);
        double tight = 1e-9 * (1 + fabs(gsl_multimin_fdfminimizer_minimum(s)));
        if (st != GSL_SUCCESS ||
            gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), tight) == GSL_SUCCESS)
            break;
    }
    gsl_vector_memcpy(v, gsl_multimin_fdfminimizer_x(s));
    double fv = gsl_multimin_fdfminimizer_minimum(s);
    return isfinite(fv) && gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s),
                                                      1e-5 * (1 + fabs(fv))) == GSL_SUCCESS;
}

/* Method-of-moments start, as BayesGOF's BetaBinoMLE (R/BetaBinoMLE.R, from
 * SupplyFrame's EmpiricalBayesR): the beta whose mean and variance are those
 * of the raw proportions x/n, s = mu (1 - mu) / var - 1. It ignores the
 * binomial noise, so it underestimates s; it is only a start. */
static void mom_start(const double *x, const double *n, size_t m, double *mu, double *s)
{
    double sum = 0, sum2 = 0, k = 0, sx = 0, sn = 0;
    for (size_t i = 0; i < m; i++) {
        if (n[i] == 0)
            continue;
        double p = x[i] / n[i];
        sum += p;
        sum2 += p * p;
        k++;
        sx += x[i];
        sn += n[i];
    }
    double mean = sum / k;
    double var = k > 1 ? (sum2 - k * mean * mean) / (k - 1) : 0;
    /* A mean of exactly 0 or 1 cannot start the logit; the pooled rate can
     * (0 < sum x < sum n is checked by the caller). */
    *mu = mean > 0 && mean < 1 ? mean : sx / sn;
    *s = var > 0 ? *mu * (1 - *mu) / var - 1 : NAN;
}

ty_err ty_betabin_fit(const double *x, const double *n, size_t m, ty_betabin *out)
{
    return ty_betabin_fit_ex(x, n, m, NULL, out, NULL);
}

ty_err ty_betabin_fit_ex(const double *x, const double *n, size_t m, const ty_betabin_opts *opts,
                         ty_betabin *out, ty_betabin_info *info)
{
    ty_betabin_opts o;
    ty_betabin_fit_defaults(&o);
    if (opts)
        o = *opts;
    if (!out || !pos_finite(o.s_min) || !pos_finite(o.s_max) || o.s_min > o.s_max ||
        o.max_iter == 0)
        return TY_EINVAL;
    TY_TRY(check_entities(x, n, m));
    double sx = 0, sn = 0;
    size_t used = 0;
    for (size_t i = 0; i < m; i++) {
        sx += x[i];
        sn += n[i];
        used += n[i] > 0;
    }
    if (used < 2 || sx == 0 || sx == sn)
        return TY_EINVAL;
    changestat_gsl_init();

    double mu0, s0;
    if (o.start && ty_betabin_check(o.start) == TY_OK) {
        s0 = o.start->alpha + o.start->beta;
        mu0 = o.start->alpha / s0;
    } else {
        mom_start(x, n, m, &mu0, &s0);
    }
    if (isnan(s0)) /* the raw rates do not vary at all: start at the cap */
        s0 = o.s_max;
    else if (!(s0 > 0)) /* they vary as much as proportions can: start at the floor */
        s0 = o.s_min;
    s0 = s0 < o.s_min ? o.s_min : s0 > o.s_max ? o.s_max : s0;

    ty_betabin_info inf = {0, mu0 * s0, (1 - mu0) * s0, 0, TY_BETABIN_INSIDE, used};
    fit_data d = {x, n, m, 0, 0};
    gsl_multimin_function_fdf f = {fit_f, fit_df, fit_fdf, 2, &d};
    gsl_multimin_fdfminimizer *s =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    gsl_vector *v = gsl_vector_alloc(2);
    if (!s || !v) {
        gsl_vector_free(v);
        gsl_multimin_fdfminimizer_free(s);
        return TY_ENOMEM;
    }
    gsl_vector_set(v, 0, log(mu0 / (1 - mu0)));
    gsl_vector_set(v, 1, log(s0));
    int r = bfgs_run(s, &f, v, o.max_iter, &inf.iterations);
    double mu, sz;
    from_v(v, &d, &mu, &sz);
    if (r >= 0 && (sz < o.s_min || sz > o.s_max)) {
        /* The likelihood wants alpha + beta outside the bounds: the maximum over
         * the allowed range lies on the bound crossed (the profile likelihood
         * in ln s has one maximum in the cases we know of; see the docs). */
        inf.bound = sz < o.s_min ? TY_BETABIN_AT_FLOOR : TY_BETABIN_AT_CAP;
        d.fix_s = 1;
        d.ln_s = log(inf.bound == TY_BETABIN_AT_FLOOR ? o.s_min : o.s_max);
        gsl_vector_set(v, 1, d.ln_s);
        r = bfgs_run(s, &f, v, o.max_iter, &inf.iterations);
        from_v(v, &d, &mu, &sz);
    }
    out->alpha = mu * sz;
    out->beta = (1 - mu) * sz;
    inf.negll = negll_core(x, n, m, out->alpha, out->beta, NULL) - ln_choose_sum(x, n, m);
    if (info)
        *info = inf;
    gsl_vector_free(v);
    gsl_multimin_fdfminimizer_free(s);
    return r == 1 && ty_betabin_check(out) == TY_OK && isfinite(inf.negll) ? TY_OK : TY_ELIMIT;
}

/* ---- posterior ------------------------------------------------------------ */

double ty_betabin_tail(const ty_betabin *p, double x, double n, double p0)
{
    changestat_gsl_init();
    return gsl_cdf_beta_Q(p0, p->alpha + x, p->beta + n - x);
}

ty_err ty_betabin_posterior(const ty_betabin *p, double x, double n, double p0, double level,
                            ty_betabin_post *out)
{
    if (ty_betabin_check(p) != TY_OK || !out || !entity_ok(x, n) || !(p0 >= 0 && p0 <= 1) ||
        !(level > 0 && level < 1))
        return TY_EINVAL;
    changestat_gsl_init();
    double a = p->alpha + x, b = p->beta + n - x;
    out->mean = a / (a + b);
    out->tail = gsl_cdf_beta_Q(p0, a, b);
    double q = (1 - level) / 2;
    out->lo = gsl_cdf_beta_Pinv(q, a, b);
    out->hi = gsl_cdf_beta_Qinv(q, a, b);
    if (!(isfinite(out->lo) && isfinite(out->hi) && out->lo >= 0 && out->hi <= 1 &&
          out->lo <= out->hi)) {
        out->lo = out->hi = NAN;
        return TY_ELIMIT;
    }
    return TY_OK;
}
