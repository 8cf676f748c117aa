/*
 * dispro.c - the statistics of one 2x2 table: PRR, ROR, chi-squared (plain and
 * Yates), Evans criteria, shrinkage IC, BCPNN IC, and the MGPS scores through
 * mgps.c. Formulas and sources are in docs/detection.md; each block below
 * names its source. Allocation-free when the caller passes a workspace.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_psi.h>

#include "dispro_impl.h"

/* Marks a statistic undefined: NaN plus its flag, never NaN alone. */
static double undef(unsigned *flags, unsigned bit)
{
    *flags |= bit;
    return NAN;
}

/* PRR = (a/(a+b)) / (c/(c+d)) with the log-normal CI whose SE is
 * sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)) (Evans et al. 2001; the same formula as
 * pharmsignal prr_signal.R, PhViD PRR.R and faers phv_prr). */
static void prr(double a, double b, double c, double d, double z, ty_dispro_result *r)
{
    if (a + b == 0 || c + d == 0 || c == 0) {
        r->prr = undef(&r->flags, TY_DISPRO_PRR_UNDEF);
        r->prr_se = r->prr_lo = r->prr_hi = undef(&r->flags, TY_DISPRO_PRR_CI_UNDEF);
        return;
    }
    r->prr = (a / (a + b)) / (c / (c + d));
    if (a == 0) { /* PRR = 0: ln PRR and its SE do not exist */
        r->prr_se = r->prr_lo = r->prr_hi = undef(&r->flags, TY_DISPRO_PRR_CI_UNDEF);
        return;
    }
    r->prr_se = sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d));
    r->prr_lo = exp(log(r->prr) - z * r->prr_se);
    r->prr_hi = exp(log(r->prr) + z * r->prr_se);
}

/* ROR = (a/b) / (c/d) with the log-normal (Woolf) CI, SE of ln ROR =
 * sqrt(1/a + 1/b + 1/c + 1/d) (pharmsignal ror_signal.R, pvda ci_for_ror). */
static void ror(double a, double b, double c, double d, double z, ty_dispro_result *r)
{
    if (b == 0 || c == 0) {
        r->ror = undef(&r->flags, TY_DISPRO_ROR_UNDEF);
        r->ror_se = r->ror_lo = r->ror_hi = undef(&r->flags, TY_DISPRO_ROR_CI_UNDEF);
        return;
    }
    r->ror = (a / b) * (d / c);
    if (a == 0 || d == 0) {
        r->ror_se = r->ror_lo = r->ror_hi = undef(&r->flags, TY_DISPRO_ROR_CI_UNDEF);
        return;
    }
    r->ror_se = sqrt(1 / a + 1 / b + 1 / c + 1 / d);
    r->ror_lo = exp(log(r->ror) - z * r->ror_se);
    r->ror_hi = exp(log(r->ror) + z * r->ror_se);
}

/* Pearson's chi-squared for a 2x2 table, 1 df: N (ad - bc)^2 / (row and column
 * totals multiplied). Yates's correction subtracts N/2 from |ad - bc|, but never
 * more than |ad - bc| itself (R's chisq.test caps the correction at |O - E| per
 * cell, so a table that fits independence closely gets 0, not a growing value). */
static void chi2(const ty_dispro_counts *t, double n, ty_dispro_result *r)
{
    double a = (double)t->a, b = (double)t->b, c = (double)t->c, d = (double)t->d;
    double den = (a + b) * (c + d) * (a + c) * (b + d);
    if (den == 0) {
        r->chi2 = r->chi2_p = undef(&r->flags, TY_DISPRO_CHI2_UNDEF);
        r->chi2_yates = r->chi2_yates_p = NAN;
        return;
    }
    /* ad - bc exactly: counts are <= 2^53, so each product fits in 128 bits, while
     * doubles would cancel catastrophically when ad and bc are close and large. */
    __int128 ad = (__int128)t->a * t->d, bc = (__int128)t->b * t->c;
    double diff = (double)(ad > bc ? ad - bc : bc - ad);
    double corr = diff - GSL_MIN(n / 2, diff);
    r->chi2 = n * diff / den * diff;
    r->chi2_yates = n * corr / den * corr;
    r->chi2_p = gsl_cdf_chisq_Q(r->chi2, 1);
    r->chi2_yates_p = gsl_cdf_chisq_Q(r->chi2_yates, 1);
}

/* Shrinkage observed-to-expected ratio on the log2 scale and its credibility
 * limits (Noren, Hopstadius & Bate 2013): the posterior of the ratio is
 * Gamma(shape O + 0.5, rate E + 0.5); its 2.5% and 97.5% quantiles are the exact
 * limits, and IC - 3.3 s - 2 s^3, IC + 2.4 s - 0.5 s^3 with s = (O + 0.5)^(-1/2)
 * the paper's closed-form approximation (as implemented by pharmsignal
 * obsexp_shrink_signal.R and faers phv_obsexp_shrink). The approximation is
 * used where the paper says it holds, O + 0.5 >= 1. */
static void shrink_ic(double o, double e, ty_dispro_result *r)
{
    double shape = o + TY_IC_SHRINK, rate = e + TY_IC_SHRINK;
    r->ic = log2(shape / rate);
    double lo = NAN, hi = NAN;
    if (shape <= TY_DISPRO_GAMMA_MAX_SHAPE) {
        lo = gsl_cdf_gamma_Pinv(0.025, shape, 1 / rate);
        hi = gsl_cdf_gamma_Pinv(0.975, shape, 1 / rate);
    }
    if (isfinite(lo) && lo > 0 && isfinite(hi) && hi > 0) {
        r->ic025_gamma = log2(lo);
        r->ic975_gamma = log2(hi);
    } else {
        r->ic025_gamma = r->ic975_gamma = undef(&r->flags, TY_DISPRO_GAMMA_RANGE);
    }
    if (shape >= 1) {
        double s = 1 / sqrt(shape);
        r->ic025 = r->ic - 3.3 * s - 2 * s * s * s;
        r->ic975 = r->ic + 2.4 * s - 0.5 * s * s * s;
    } else {
        r->flags |= TY_DISPRO_IC_CI_EXACT;
        r->ic025 = r->ic025_gamma;
        r->ic975 = r->ic975_gamma;
    }
}

/* BCPNN information component (Bate et al. 1998) with beta priors on the
 * marginal and joint probabilities; expectation and variance of the IC from
 * digamma and trigamma functions (Gould 2003, eqs. A3 and A4), exactly as
 * PhViD's BCPNN (MC = FALSE) and pharmsignal's bcpnn_norm_signal compute them,
 * and a normal 95% interval. Every argument of psi is >= 1, so it is defined
 * for every table with N > 0. */
static void bcpnn(double a, double n1, double n_1, double n, double z, ty_dispro_result *r)
{
    double p1 = 1 + n1, p2 = 1 + n - n1;
    double q1 = 1 + n_1, q2 = 1 + n - n_1;
    double r1 = 1 + a;
    double r2b = n - a - 1 + (2 + n) / q1 * ((2 + n) / p1);
    double e = gsl_sf_psi(r1) - gsl_sf_psi(r1 + r2b) -
               (gsl_sf_psi(p1) - gsl_sf_psi(p1 + p2) + gsl_sf_psi(q1) - gsl_sf_psi(q1 + q2));
    double v =
        gsl_sf_psi_1(r1) - gsl_sf_psi_1(r1 + r2b) +
        (gsl_sf_psi_1(p1) - gsl_sf_psi_1(p1 + p2) + gsl_sf_psi_1(q1) - gsl_sf_psi_1(q1 + q2));
    r->bcpnn_ic = e / M_LN2;
    r->bcpnn_var = v / (M_LN2 * M_LN2);
    r->bcpnn_lo = r->bcpnn_ic - z * sqrt(r->bcpnn_var);
    r->bcpnn_hi = r->bcpnn_ic + z * sqrt(r->bcpnn_var);
}

ty_err ty_dispro_table(const ty_dispro_counts *t, const ty_mgps_prior *prior, ty_dispro_work *work,
                       ty_dispro_result *out)
{
    if (!t || !out)
        return TY_EINVAL;
    /* N in integers: a sum of doubles would round 2^53 + 1 down and pass. */
    uint64_t sum;
    if (__builtin_add_overflow(t->a, t->b, &sum) || __builtin_add_overflow(sum, t->c, &sum) ||
        __builtin_add_overflow(sum, t->d, &sum) || sum == 0 || (double)sum > TY_DISPRO_MAX_N ||
        sum > (UINT64_C(1) << 53))
        return TY_EINVAL;
    double a = (double)t->a, b = (double)t->b, c = (double)t->c, d = (double)t->d;
    double n = (double)sum;
    if (prior && ty_mgps_prior_check(prior) != TY_OK)
        return TY_EINVAL;
    dispro_gsl_init();

    ty_dispro_result r;
    memset(&r, 0, sizeof r);
    r.t = *t;
    r.n = n;
    r.expected = (a + b) * (a + c) / n;
    double z = gsl_cdf_ugaussian_Pinv(0.975);

    prr(a, b, c, d, z, &r);
    ror(a, b, c, d, z, &r);
    chi2(t, n, &r);
    if (r.flags & (TY_DISPRO_PRR_UNDEF | TY_DISPRO_CHI2_UNDEF)) {
        r.flags |= TY_DISPRO_EVANS_UNDEF;
        r.evans = 0;
    } else {
        r.evans = r.prr >= TY_EVANS_PRR_MIN && r.chi2_yates >= TY_EVANS_CHI2_MIN &&
                  t->a >= TY_EVANS_CASES_MIN;
    }
    shrink_ic(a, r.expected, &r);
    bcpnn(a, a + b, a + c, n, z, &r);

    if (prior) {
        ty_err e = ty_mgps_posterior(prior, a, r.expected, work, &r.mgps);
        if (e == TY_ELIMIT) /* only the quantiles are missing */
            r.flags |= TY_DISPRO_GAMMA_RANGE;
        else if (e != TY_OK)
            return e;
    } else {
        r.flags |= TY_DISPRO_MGPS_NONE;
        r.mgps.qn = r.mgps.elog = r.mgps.ebgm = r.mgps.eb05 = r.mgps.eb95 = NAN;
    }
    *out = r;
    return TY_OK;
}
