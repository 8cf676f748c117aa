/*
 * dispro.h - disproportionality statistics for signal detection: the measures
 * pharmacovigilance (and EU/China cosmetovigilance) use to ask "is this
 * reaction reported unusually often with this product?" of one 2x2 table of
 * report counts.
 *
 *                       reaction R   other reactions
 *     product P              a              b
 *     other products         c              d          N = a + b + c + d
 *
 * Measures (formulas, defaults, thresholds and sources: docs/detection.md):
 *   PRR with a log-normal 95% CI, Pearson chi-squared plain and with Yates's
 *   correction, and the Evans criteria (Evans, Waller & Davis 2001);
 *   ROR with a log-normal 95% CI;
 *   the shrinkage information component IC = log2((a + 0.5) / (E + 0.5)) with
 *   its 95% credibility interval (Noren, Hopstadius & Bate 2013);
 *   BCPNN IC with its exact posterior expectation and variance (Bate et al.
 *   1998, as computed by Gould 2003 and PhViD) and a normal 95% interval;
 *   MGPS (DuMouchel 1999): EBGM, EB05 and EB95 for a cell under a two-gamma
 *   mixture prior, and the maximum-likelihood fit of that prior to many cells.
 *
 * Nothing here returns NaN silently: a statistic that a table cannot support
 * (a division by zero, a log of zero) is stored as NaN *and* its bit is set in
 * ty_dispro_result.flags; callers test the flag, JSON writers print null.
 *
 * Threads: every function is reentrant. A ty_dispro_work belongs to one thread
 * at a time. On first use the module switches GNU GSL's error handler off for
 * the whole process (GSL aborts by default); every GSL status is checked here.
 */
#ifndef TIANYAN_DISPRO_H
#define TIANYAN_DISPRO_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"

/* Evans, Waller & Davis (2001) minimum criteria for a signal: PRR >= 2,
 * chi-squared >= 4 (with Yates's correction here; see docs/detection.md) and
 * at least 3 cases. */
#define TY_EVANS_PRR_MIN   2.0
#define TY_EVANS_CHI2_MIN  4.0
#define TY_EVANS_CASES_MIN 3

/* Shrinkage added to observed and expected counts of the IC (Noren et al. 2013). */
#define TY_IC_SHRINK 0.5

/* Largest N accepted: counts are carried as doubles, which hold every integer
 * up to 2^53 exactly. */
#define TY_DISPRO_MAX_N 9007199254740992.0

/* One 2x2 table of report counts (see the picture above). */
typedef struct ty_dispro_counts {
    uint64_t a, b, c, d;
} ty_dispro_counts;

/* DuMouchel's prior for lambda = mu / E: with probability p a
 * Gamma(shape alpha1, rate beta1), otherwise Gamma(alpha2, beta2).
 * Valid when all four are finite and > 0 and 0 < p < 1. */
typedef struct ty_mgps_prior {
    double alpha1, beta1, alpha2, beta2, p;
} ty_mgps_prior;

/* The MGPS posterior of one cell with count n and expected count E. */
typedef struct ty_mgps_cell {
    double qn;   /* posterior weight of the first gamma component (DuMouchel eq. 6) */
    double elog; /* E[ln lambda | n] */
    double ebgm; /* exp(elog): empirical Bayes geometric mean */
    double eb05; /* 5th percentile of the posterior of lambda */
    double eb95; /* 95th percentile */
} ty_mgps_cell;

/* Bits of ty_dispro_result.flags. *_UNDEF: the value (or interval) is NaN
 * because the table cannot support it; the reason is in docs/detection.md. */
enum {
    TY_DISPRO_PRR_UNDEF = 1u << 0,    /* a+b = 0, c+d = 0 or c = 0 */
    TY_DISPRO_PRR_CI_UNDEF = 1u << 1, /* also when a = 0 (ln 0) */
    TY_DISPRO_ROR_UNDEF = 1u << 2,    /* b = 0 or c = 0 */
    TY_DISPRO_ROR_CI_UNDEF = 1u << 3, /* also when a = 0 or d = 0 */
    TY_DISPRO_CHI2_UNDEF = 1u << 4,   /* a row or column total is 0 */
    TY_DISPRO_EVANS_UNDEF = 1u << 5,  /* PRR or chi-squared undefined: evans is 0 */
    TY_DISPRO_IC_CI_EXACT = 1u << 6,  /* not an error: a + 0.5 < 1, so ic025/ic975 are
                                         the exact gamma limits (see ic025) */
    TY_DISPRO_MGPS_NONE = 1u << 7,    /* no prior was given: mgps is all NaN */
    TY_DISPRO_GAMMA_RANGE = 1u << 8,  /* a gamma shape above TY_DISPRO_GAMMA_MAX_SHAPE:
                                         ic025_gamma, ic975_gamma, mgps.eb05 and mgps.eb95
                                         are NaN (everything else is computed) */
};

/* GSL's gamma quantile and CDF are reliable up to about this shape (the
 * quantile returns NaN a little beyond 10^5, the CDF drifts past 10^7); a cell
 * with a count above it has no gamma-based limits. No product-reaction cell
 * comes near it. */
#define TY_DISPRO_GAMMA_MAX_SHAPE 1e5

/* Every statistic of one table. Intervals are two-sided 95% unless named
 * otherwise; "_lo/_hi" are their limits. */
typedef struct ty_dispro_result {
    ty_dispro_counts t;
    double n;        /* N */
    double expected; /* E = (a+b)(a+c)/N, the count expected under independence */

    double prr, prr_lo, prr_hi; /* (a/(a+b)) / (c/(c+d)) */
    double prr_se;              /* SE of ln PRR = sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)) */
    double ror, ror_lo, ror_hi; /* (a d) / (b c) */
    double ror_se;              /* SE of ln ROR = sqrt(1/a + 1/b + 1/c + 1/d) */
    double chi2, chi2_p;        /* Pearson chi-squared, 1 df, and its upper-tail p */
    double chi2_yates, chi2_yates_p;
    int evans; /* 1: PRR >= 2, chi2_yates >= 4 and a >= 3 */

    /* Shrinkage IC (Noren et al. 2013). ic025/ic975 use the paper's closed-form
     * approximation IC - 3.3 s - 2 s^3, IC + 2.4 s - 0.5 s^3 with s = (a + 0.5)^-1/2
     * when a + 0.5 >= 1, and the exact gamma limits (the *_gamma fields, flag
     * TY_DISPRO_IC_CI_EXACT) when a = 0, where the approximation does not hold.
     * ic025_gamma/ic975_gamma are always log2 of the 2.5%/97.5% quantiles of
     * Gamma(shape a + 0.5, rate E + 0.5), the posterior the IC comes from. */
    double ic, ic025, ic975;
    double ic025_gamma, ic975_gamma;

    /* BCPNN IC: posterior expectation and variance of log2 p11/(p1. p.1) under
     * Bate's beta priors (Gould 2003 eqs. A3, A4; PhViD BCPNN, MC = FALSE) and a
     * normal 95% interval. Defined for every table with N > 0. */
    double bcpnn_ic, bcpnn_var, bcpnn_lo, bcpnn_hi;

    ty_mgps_cell mgps; /* n = a, E = expected; all NaN with TY_DISPRO_MGPS_NONE */
    unsigned flags;
} ty_dispro_result;

/* Scratch space for the root finder (GSL's Brent solver) so that scoring a
 * table allocates nothing. One per thread. */
typedef struct ty_dispro_work ty_dispro_work;

/* Allocates a workspace into *out. TY_ENOMEM on failure (*out is then NULL). */
ty_err ty_dispro_work_new(ty_dispro_work **out);

/* Frees *w (NULL is fine) and sets *w to NULL. */
void ty_dispro_work_free(ty_dispro_work **w);

/* TY_OK when p is a valid prior (see ty_mgps_prior), TY_EINVAL otherwise. */
ty_err ty_mgps_prior_check(const ty_mgps_prior *p);

/*
 * Computes every statistic of table t into *out. prior may be NULL (no MGPS:
 * flag TY_DISPRO_MGPS_NONE). work may be NULL, in which case a workspace is
 * allocated and freed inside the call; pass one to score many tables without
 * allocating.
 * Errors: TY_EINVAL when N = 0, N > TY_DISPRO_MAX_N or the prior is invalid;
 * TY_ENOMEM when work is NULL and allocation fails. *out is filled only on
 * TY_OK.
 */
ty_err ty_dispro_table(const ty_dispro_counts *t, const ty_mgps_prior *prior, ty_dispro_work *work,
                       ty_dispro_result *out);

/*
 * The MGPS posterior of one cell with count n (a whole number >= 0) and
 * expected count E >= 0 (E = 0 gives the prior). work as in ty_dispro_table.
 * Errors: TY_EINVAL for an invalid prior, n or E; TY_ENOMEM; TY_ELIMIT when the
 * quantiles cannot be computed (a shape above TY_DISPRO_GAMMA_MAX_SHAPE): *out
 * then holds qn, elog and ebgm, with eb05 and eb95 NaN.
 */
ty_err ty_mgps_posterior(const ty_mgps_prior *prior, double n, double E, ty_dispro_work *work,
                         ty_mgps_cell *out);

/*
 * Negative log marginal likelihood of the cells (n[i], E[i]) under prior:
 * each n is a mixture of two negative binomials (DuMouchel 1999 eq. 5),
 *   -sum_i w_i ln(p f1*(n_i) + (1-p) f2*(n_i)),
 * where fk* is fk truncated to counts >= n_star (fk*(n) = fk(n) / P_k(N >= n_star);
 * no truncation when n_star = 0), as openEBGM's negLL/negLLsquash/negLLzero do.
 * Cells with n < n_star are skipped. w may be NULL (all weights 1; weights are
 * for squashed data). Errors: TY_EINVAL for an invalid prior or a cell with n not
 * a whole number >= 0, E not > 0 or w not >= 0.
 */
ty_err ty_mgps_negll(const ty_mgps_prior *prior, const double *n, const double *E, const double *w,
                     size_t cells, unsigned n_star, double *out);

/* Options of ty_mgps_fit; ty_mgps_fit_defaults() fills them. */
typedef struct ty_mgps_fit_opts {
    unsigned n_star;             /* smallest count used (default 1: cells with n = 0 are
                                    not listed by most callers, as in openEBGM) */
    const ty_mgps_prior *starts; /* starting points (default: the five of openEBGM's
                                    vignette, the first being DuMouchel's) */
    size_t nstarts;
    unsigned max_iter; /* Nelder-Mead iterations per start (default 5000) */
    double size_tol;   /* stop when the simplex size is below this (default 1e-9) */
} ty_mgps_fit_opts;

/* Summary of a fit. */
typedef struct ty_mgps_fit_info {
    double negll;        /* at the estimate */
    unsigned iterations; /* over all starts */
    unsigned converged;  /* starts whose simplex shrank below size_tol */
    size_t best_start;   /* index of the start that gave the estimate */
} ty_mgps_fit_info;

void ty_mgps_fit_defaults(ty_mgps_fit_opts *o);

/*
 * Maximum-likelihood estimate of the prior from cells (n[i], E[i], w[i]), as
 * DuMouchel (1999) and openEBGM's autoHyper do: ty_mgps_negll is minimised by
 * GSL's Nelder-Mead simplex (nmsimplex2) over (ln alpha1, ln beta1, ln alpha2,
 * ln beta2, logit p) from every starting point, and the best minimum is kept.
 * The two components are then ordered so that component 1 has the larger prior
 * mean alpha/beta (the minority "signal" component in DuMouchel's and
 * openEBGM's published fits). opts and info may be NULL.
 * Errors: TY_EINVAL as ty_mgps_negll, or fewer than 5 usable cells;
 * TY_ENOMEM; TY_ELIMIT when no start converged (*out then holds the best point
 * found).
 */
ty_err ty_mgps_fit(const double *n, const double *E, const double *w, size_t cells,
                   const ty_mgps_fit_opts *opts, ty_mgps_prior *out, ty_mgps_fit_info *info);

#endif
