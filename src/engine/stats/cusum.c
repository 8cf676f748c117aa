/*
 * cusum.c - the upper one-sided Poisson CUSUM: Lucas's reference value, the
 * state update, the exact average run length by the Markov chain of Brook &
 * Evans (1972) on the lattice the sum lives on, and the design of the decision
 * interval for a target in-control ARL. Formulas and sources:
 * docs/detection.md, "Change over time". Linear algebra (LU), the Poisson
 * distribution and the root finder (Brent) are GNU GSL's.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>

#include "changestat_impl.h"
#include "tianyan/changestat.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

void changestat_gsl_init(void)
{
    pthread_once(&gsl_once, gsl_quiet);
}

/* Lucas, J. M. (1985) "Counted data CUSUM's", Technometrics 27(2): the
 * reference value that makes the CUSUM the sequential probability ratio test of
 * Poisson(lambda1) against Poisson(lambda0), written as in R surveillance
 * R/algo_rogerson.R, findK (commit 0921bf7e). */
double ty_cusum_k(double lambda0, double lambda1)
{
    if (!(isfinite(lambda0) && isfinite(lambda1) && lambda0 > 0 && lambda1 > lambda0))
        return NAN;
    return (lambda1 - lambda0) / (log(lambda1) - log(lambda0));
}

ty_err ty_cusum_init(ty_cusum *c, double k, double h, double head)
{
    if (!c || !isfinite(k) || !isfinite(h) || !isfinite(head) || k < 0 || !(h > 0) || head < 0 ||
        head > h)
        return TY_EINVAL;
    c->k = k;
    c->h = h;
    c->head = head;
    c->s = head;
    return TY_OK;
}

void ty_cusum_reset(ty_cusum *c)
{
    c->s = c->head;
}

int ty_cusum_update(ty_cusum *c, double x)
{
    if (!(isfinite(x) && x >= 0))
        return -1;
    double s = c->s + x - c->k;
    c->s = s > 0 ? s : 0;
    return c->s > c->h;
}

/* v * g is a whole number (to 1e-9 relative): v lies on the lattice 1/g. */
static int on_grid(double v, unsigned g, long *units)
{
    double u = v * g, r = nearbyint(u);
    if (fabs(u - r) > 1e-9 * (1 + fabs(u)))
        return 0;
    *units = (long)r;
    return 1;
}

/* The chain in lattice units: S = i/g, reference K = k g, decision H = h g. */
typedef struct lattice {
    unsigned g;
    long K, H, head;
} lattice;

static ty_err find_lattice(const ty_cusum *c, lattice *lt)
{
    for (unsigned g = 1; g <= TY_CUSUM_GRID_MAX; g++) {
        if (on_grid(c->k, g, &lt->K) && on_grid(c->h, g, &lt->H) &&
            on_grid(c->head, g, &lt->head)) {
            lt->g = g;
            return lt->H + 1 > TY_CUSUM_STATES_MAX ? TY_ELIMIT : TY_OK;
        }
    }
    return TY_ELIMIT;
}

/*
 * Brook & Evans (1972): with integer counts and k, h on the lattice 1/g, S_t
 * takes only the values i/g, i = 0..H while no signal has occurred (S > h
 * signals), so the CUSUM is exactly a Markov chain on those H + 1 transient
 * states plus one absorbing "signalled" state. With Q the transient part of
 * its transition matrix, the vector of ARLs from each start is
 * (I - Q)^-1 1. From state i a count x leads to j = i + g x - K: to 0 when
 * j <= 0, to the absorbing state when j > H.
 * Fills arl[0..H] (the ARL from every start); the matrix is allocated here.
 */
static ty_err chain_arl(const lattice *lt, double mu, double *arl)
{
    size_t n = (size_t)lt->H + 1;
    gsl_matrix *a = gsl_matrix_alloc(n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    gsl_vector *b = gsl_vector_alloc(n), *x = gsl_vector_alloc(n);
    ty_err err = TY_OK;
    if (!a || !p || !b || !x) {
        err = TY_ENOMEM;
        goto done;
    }
    gsl_matrix_set_identity(a);
    gsl_vector_set_all(b, 1.0);
    long g = (long)lt->g;
    for (long i = 0; i <= lt->H; i++) {
        long x0 = 0; /* the first count that does not reset to 0 */
        if (lt->K - i >= 0) {
            long reset_max = (lt->K - i) / g; /* g x <= K - i */
            if (i == 0) /* 1 - P(X <= K/g) as the upper tail: no cancellation when
                           the chart almost never leaves 0 (a huge ARL) */
                gsl_matrix_set(a, 0, 0, gsl_cdf_poisson_Q((unsigned)reset_max, mu));
            else
                gsl_matrix_set(a, (size_t)i, 0, -gsl_cdf_poisson_P((unsigned)reset_max, mu));
            x0 = reset_max + 1;
        }
        for (long xx = x0;; xx++) {
            long j = i + g * xx - lt->K;
            if (j > lt->H)
                break;
            double pj = gsl_ran_poisson_pdf((unsigned)xx, mu);
            gsl_matrix_set(a, (size_t)i, (size_t)j, gsl_matrix_get(a, (size_t)i, (size_t)j) - pj);
        }
    }
    int sign;
    if (gsl_linalg_LU_decomp(a, p, &sign) != GSL_SUCCESS ||
        gsl_linalg_LU_solve(a, p, b, x) != GSL_SUCCESS) {
        err = TY_ELIMIT;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double v = gsl_vector_get(x, i);
        if (!(isfinite(v) && v >= 1 - 1e-9)) { /* every run lasts at least one step */
            err = TY_ELIMIT;
            goto done;
        }
        arl[i] = v;
    }
done:
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_permutation_free(p);
    gsl_matrix_free(a);
    return err;
}

ty_err ty_cusum_arl(const ty_cusum *c, double mu, double *arl)
{
    if (!c || !arl || !(isfinite(mu) && mu > 0))
        return TY_EINVAL;
    ty_cusum chk;
    TY_TRY(ty_cusum_init(&chk, c->k, c->h, c->head));
    lattice lt;
    TY_TRY(find_lattice(c, &lt));
    changestat_gsl_init();
    double *v = malloc(((size_t)lt.H + 1) * sizeof *v);
    if (!v)
        return TY_ENOMEM;
    ty_err err = chain_arl(&lt, mu, v);
    if (err == TY_OK)
        *arl = v[lt.head];
    free(v);
    return err;
}

/* ---- design ---------------------------------------------------------------- */

/* In-control ARLs of the zero-start CUSUM for decision intervals H/g, computed
 * on demand and kept (ARL(H) is needed again by the interpolation). */
typedef struct design {
    lattice lt;
    double mu;
    double *cache; /* [0..TY_CUSUM_STATES_MAX), NaN = not yet computed */
    double *work;
    ty_err err;
} design;

static double arl_at(design *d, long H)
{
    if (H < 0 || H + 1 > TY_CUSUM_STATES_MAX) {
        d->err = TY_ELIMIT;
        return NAN;
    }
    if (isnan(d->cache[H])) {
        lattice lt = d->lt;
        lt.H = H;
        lt.head = 0;
        ty_err e = chain_arl(&lt, d->mu, d->work);
        if (e != TY_OK) {
            d->err = e;
            return NAN;
        }
        d->cache[H] = d->work[0];
    }
    return d->cache[H];
}

typedef struct interp {
    design *d;
    double target; /* ln arl0 */
} interp;

/* ln ARL linearly interpolated between lattice points, minus ln arl0: a
 * continuous non-decreasing function of t = h g whose root lies in (H-1, H]
 * for the smallest H with ARL(H) >= arl0. */
static double interp_gap(double t, void *arg)
{
    interp *ip = arg;
    long lo = (long)floor(t);
    double f = t - (double)lo;
    double a = log(arl_at(ip->d, lo));
    double v = f > 0 ? a + f * (log(arl_at(ip->d, lo + 1)) - a) : a;
    return isfinite(v) ? v - ip->target : NAN;
}

ty_err ty_cusum_design(double lambda0, double lambda1, double arl0, double *k, double *h)
{
    double kx = ty_cusum_k(lambda0, lambda1);
    if (!k || !h || isnan(kx) || !(isfinite(arl0) && arl0 > 1 && arl0 <= 1e7))
        return TY_EINVAL;
    changestat_gsl_init();
    /* The lattice 1/g: the coarsest power of ten (1, 10 or 100) that gives k
     * two significant digits and lets S move in steps (gcd(K, g)/g) of at most
     * 0.2 standard deviations of a count, so that the ARL rises in small
     * steps with h and the achieved ARL0 lands close to the target. */
    unsigned g = 1;
    long K = 1;
    for (g = 1;; g *= 10) {
        K = lround(kx * g);
        if (K < 1)
            K = 1;
        long a = K, b = (long)g; /* gcd(K, g) */
        while (b) {
            long t = a % b;
            a = b;
            b = t;
        }
        if (g == 100 || (K >= 10 && (double)a / g <= 0.2 * sqrt(lambda0)))
            break;
    }
    design d = {{g, K, 0, 0}, lambda0, NULL, NULL, TY_OK};
    d.cache = malloc(TY_CUSUM_STATES_MAX * sizeof *d.cache);
    d.work = malloc(TY_CUSUM_STATES_MAX * sizeof *d.work);
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    ty_err err = TY_OK;
    if (!d.cache || !d.work || !s) {
        err = TY_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < TY_CUSUM_STATES_MAX; i++)
        d.cache[i] = NAN;

    /* Bracket: double H until the ARL reaches the target. */
    long lo = 1, hi = 1;
    while (!(arl_at(&d, hi) >= arl0)) {
        if (d.err != TY_OK) {
            err = d.err;
            goto done;
        }
        lo = hi;
        hi = 2 * hi + 1 > TY_CUSUM_STATES_MAX - 1 ? TY_CUSUM_STATES_MAX - 1 : 2 * hi + 1;
        if (hi == lo) {
            err = TY_ELIMIT;
            goto done;
        }
    }
    long H = hi;
    if (hi > lo) {
        interp ip = {&d, log(arl0)};
        gsl_function f = {interp_gap, &ip};
        if (gsl_root_fsolver_set(s, &f, (double)lo, (double)hi) != GSL_SUCCESS) {
            err = d.err != TY_OK ? d.err : TY_ELIMIT;
            goto done;
        }
        for (int it = 0; it < 100; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS || d.err != TY_OK) {
                err = d.err != TY_OK ? d.err : TY_ELIMIT;
                goto done;
            }
            if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
                                       1e-7, 0) == GSL_SUCCESS)
                break;
        }
        H = (long)ceil(gsl_root_fsolver_root(s) - 1e-6);
    }
    /* The root can sit a rounding error off a lattice point: settle on the
     * smallest H with ARL(H) >= arl0 by looking at the neighbours. */
    while (!(arl_at(&d, H) >= arl0) && d.err == TY_OK)
        H++;
    while (H > 1 && arl_at(&d, H - 1) >= arl0 && d.err == TY_OK)
        H--;
    if (d.err != TY_OK) {
        err = d.err;
        goto done;
    }
    *k = (double)K / g;
    *h = (double)H / g;
done:
    gsl_root_fsolver_free(s);
    free(d.work);
    free(d.cache);
    return err;
}
