/*
 * ewma.c - the EWMA chart: the statistic, its exact and asymptotic limits, the
 * two-sided ARL for normal data by Crowder's (1987) integral equation and the
 * limit factor L for a target in-control ARL. Formulas and sources:
 * docs/detection.md, "Change over time". Gauss-Legendre nodes, the LU solve
 * and the root finder (Brent) are GNU GSL's.
 */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>

#include "changestat_impl.h"
#include "tianyan/changestat.h"

ty_err ty_ewma_init(ty_ewma *e, double lambda, double L, double mu0, double sigma, int exact)
{
    if (!e || !isfinite(lambda) || !isfinite(L) || !isfinite(mu0) || !isfinite(sigma) ||
        !(lambda > 0 && lambda <= 1) || !(L > 0) || !(sigma > 0))
        return TY_EINVAL;
    e->lambda = lambda;
    e->L = L;
    e->mu0 = mu0;
    e->sigma = sigma;
    e->exact = exact != 0;
    ty_ewma_reset(e);
    return TY_OK;
}

void ty_ewma_reset(ty_ewma *e)
{
    e->z = e->mu0;
    e->t = 0;
}

/* Var(z_t) = sigma^2 lambda/(2-lambda) (1 - (1-lambda)^(2t)) for independent
 * observations with variance sigma^2 and z_0 = mu0 (Lucas & Saccucci 1990,
 * eq. 3; as printed in the research notes from R spc). */
double ty_ewma_halfwidth(const ty_ewma *e, double t)
{
    double v = e->lambda / (2 - e->lambda);
    if (e->exact && isfinite(t))
        v *= -expm1(2 * t * log1p(-e->lambda)); /* 1 - (1-lambda)^(2t), also for lambda = 1 */
    return e->L * e->sigma * sqrt(v);
}

int ty_ewma_update(ty_ewma *e, double x)
{
    if (!isfinite(x))
        return -1;
    e->z = e->lambda * x + (1 - e->lambda) * e->z;
    e->t += 1;
    double w = ty_ewma_halfwidth(e, e->t);
    return (e->z > e->mu0 + w ? TY_EWMA_HIGH : 0) | (e->z < e->mu0 - w ? TY_EWMA_LOW : 0);
}

/* Nodes per kernel width: the kernel phi((y - (1-lambda) z)/lambda - delta)
 * has standard deviation lambda in y, and the interval [-c, c] spans 2c/lambda
 * of them; 5 nodes each (at least 60, at most 1000) keep the quadrature error
 * far below the digits published (checked against spc in the tests). */
static size_t ewma_nodes(double lambda, double c)
{
    double r = ceil(10 * c / lambda);
    return r < 60 ? 60 : r > 1000 ? 1000 : (size_t)r;
}

/*
 * Crowder (1987): the ARL L(z) from z_0 = z solves
 *   L(z) = 1 + (1/lambda) int_{-c}^{c} L(y) phi((y - (1-lambda) z)/lambda - delta) dy
 * with c = L_factor sqrt(lambda/(2-lambda)). With Gauss-Legendre nodes y_j and
 * weights w_j (Nystrom's method, as spc's xewma.arl does), L at the nodes
 * solves (I - K) L = 1, K_ij = w_j/lambda phi(...(y_i)...), and L(0) follows
 * from the equation itself.
 */
ty_err ty_ewma_arl(double lambda, double L, double delta, double *arl)
{
    if (!arl || !isfinite(lambda) || !isfinite(L) || !isfinite(delta) ||
        !(lambda >= TY_EWMA_LAMBDA_MIN && lambda <= 1) || !(L > 0))
        return TY_EINVAL;
    changestat_gsl_init();
    double c = L * sqrt(lambda / (2 - lambda));
    size_t r = ewma_nodes(lambda, c);
    gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(r);
    gsl_matrix *a = gsl_matrix_alloc(r, r);
    gsl_permutation *p = gsl_permutation_alloc(r);
    gsl_vector *b = gsl_vector_alloc(r), *x = gsl_vector_alloc(r);
    gsl_vector *y = gsl_vector_alloc(r), *w = gsl_vector_alloc(r);
    ty_err err = TY_OK;
    if (!t || !a || !p || !b || !x || !y || !w) {
        err = TY_ENOMEM;
        goto done;
    }
    for (size_t j = 0; j < r; j++) {
        double yj, wj;
        if (gsl_integration_glfixed_point(-c, c, j, &yj, &wj, t) != GSL_SUCCESS) {
            err = TY_ELIMIT;
            goto done;
        }
        gsl_vector_set(y, j, yj);
        gsl_vector_set(w, j, wj);
    }
    for (size_t i = 0; i < r; i++) {
        double zi = (1 - lambda) * gsl_vector_get(y, i);
        for (size_t j = 0; j < r; j++) {
            double u = (gsl_vector_get(y, j) - zi) / lambda - delta;
            double kij = gsl_vector_get(w, j) / lambda * gsl_ran_ugaussian_pdf(u);
            gsl_matrix_set(a, i, j, (i == j) - kij);
        }
    }
    gsl_vector_set_all(b, 1.0);
    int sign;
    if (gsl_linalg_LU_decomp(a, p, &sign) != GSL_SUCCESS ||
        gsl_linalg_LU_solve(a, p, b, x) != GSL_SUCCESS) {
        err = TY_ELIMIT;
        goto done;
    }
    double v = 1;
    for (size_t j = 0; j < r; j++)
        v += gsl_vector_get(w, j) / lambda *
             gsl_ran_ugaussian_pdf(gsl_vector_get(y, j) / lambda - delta) * gsl_vector_get(x, j);
    if (!(isfinite(v) && v >= 1))
        err = TY_ELIMIT;
    else
        *arl = v;
done:
    gsl_vector_free(w);
    gsl_vector_free(y);
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_permutation_free(p);
    gsl_matrix_free(a);
    gsl_integration_glfixed_table_free(t);
    return err;
}

typedef struct crit_arg {
    double lambda, target;
    ty_err err;
} crit_arg;

static double crit_gap(double L, void *arg)
{
    crit_arg *ca = arg;
    double v;
    ty_err e = ty_ewma_arl(ca->lambda, L, 0, &v);
    if (e != TY_OK) {
        ca->err = e;
        return NAN;
    }
    return log(v) - ca->target;
}

ty_err ty_ewma_crit(double lambda, double arl0, double *L)
{
    if (!L || !isfinite(lambda) || !(lambda >= TY_EWMA_LAMBDA_MIN && lambda <= 1) ||
        !(isfinite(arl0) && arl0 >= 2 && arl0 <= 1e6))
        return TY_EINVAL;
    changestat_gsl_init();
    /* ARL(L) rises from 1 towards infinity; between L = 0.01 (ARL < 2 for every
     * lambda >= 0.001) and L = 6 (ARL > 10^6 for every lambda) lies every target. */
    crit_arg ca = {lambda, log(arl0), TY_OK};
    gsl_function f = {crit_gap, &ca};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return TY_ENOMEM;
    ty_err err = TY_ELIMIT;
    if (gsl_root_fsolver_set(s, &f, 0.01, 6.0) == GSL_SUCCESS) {
        for (int it = 0; it < 100 && ca.err == TY_OK; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
                break;
            if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
                                       1e-9, 0) == GSL_SUCCESS) {
                *L = gsl_root_fsolver_root(s);
                err = TY_OK;
                break;
            }
        }
    }
    if (ca.err != TY_OK)
        err = ca.err;
    gsl_root_fsolver_free(s);
    return err;
}
