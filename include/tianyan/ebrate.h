/*
 * ebrate.h - sales-normalised rates by empirical Bayes: returns x out of
 * orders n, complaints out of orders, for many entities at once.
 *
 * Model: x_i ~ Binomial(n_i, p_i) with the entity rates p_i ~ Beta(alpha,
 * beta). The prior (alpha, beta) is fitted to all entities by maximum
 * likelihood of the beta-binomial marginal; each entity's rate is then judged
 * by its posterior Beta(alpha + x, beta + n - x): its mean, its probability of
 * exceeding a threshold p0 and an equal-tailed credible interval. So 3 of 10
 * and 300 of 1,000 are judged differently: the first is pulled towards the
 * common rate, the second hardly moves.
 *
 * Formulas, defaults and sources: docs/detection.md, "Sales-normalised rates".
 *
 * ty_betabin_mean is pure arithmetic for the hot path; ty_betabin_posterior
 * uses GSL's incomplete beta function and allocates nothing; the fit allocates
 * GSL's minimiser and frees it. Every function is reentrant (GSL's error
 * handler is switched off once per process, see changestat.h).
 */
#ifndef TIANYAN_EBRATE_H
#define TIANYAN_EBRATE_H

#include <stddef.h>

#include "tianyan/error.h"

/* Bounds on the prior sample size alpha + beta (defaults of the fit). */
#define TY_BETABIN_S_MIN 1.0
#define TY_BETABIN_S_MAX 1.0e4

/* The beta prior of the entity rates; valid when both are finite and > 0. */
typedef struct ty_betabin {
    double alpha, beta;
} ty_betabin;

/* Options of ty_betabin_fit_ex; ty_betabin_fit_defaults() fills them. */
typedef struct ty_betabin_opts {
    double s_min, s_max;            /* bounds on alpha + beta (TY_BETABIN_S_MIN, _S_MAX);
                                       0 < s_min <= s_max */
    unsigned max_iter;              /* minimiser iterations per stage (default 1000) */
    const struct ty_betabin *start; /* start here instead of the method-of-moments
                                       estimate (a refit on data that changed a
                                       little); NULL or invalid: not used */
} ty_betabin_opts;

/* Where the fitted alpha + beta ended up. */
enum {
    TY_BETABIN_INSIDE = 0,
    TY_BETABIN_AT_FLOOR = 1, /* the likelihood wanted alpha + beta below s_min */
    TY_BETABIN_AT_CAP = 2,   /* ... above s_max: no detectable overdispersion */
};

/* Summary of a fit. */
typedef struct ty_betabin_info {
    double negll;       /* -log likelihood at the estimate (binomial
                           coefficients included) */
    double start_alpha; /* method-of-moments start (after clamping) */
    double start_beta;
    unsigned iterations; /* over both stages */
    int bound;           /* TY_BETABIN_INSIDE, _AT_FLOOR or _AT_CAP */
    size_t used;         /* entities with n > 0 */
} ty_betabin_info;

/* The posterior of one entity. */
typedef struct ty_betabin_post {
    double mean;   /* (x + alpha) / (n + alpha + beta) */
    double tail;   /* P(p > p0 | x, n) */
    double lo, hi; /* equal-tailed credible interval at the requested level */
} ty_betabin_post;

void ty_betabin_fit_defaults(ty_betabin_opts *o);

/* TY_OK when p is a valid prior, TY_EINVAL otherwise. */
ty_err ty_betabin_check(const ty_betabin *p);

/*
 * -log of the beta-binomial likelihood of the entities (x[i], n[i]) under
 * prior p: -sum_i [ln C(n_i, x_i) + ln B(x_i + alpha, n_i - x_i + beta)
 * - ln B(alpha, beta)]. Errors: TY_EINVAL for an invalid prior or entity
 * (x, n whole numbers, 0 <= x <= n, n < 2^53).
 */
ty_err ty_betabin_negll(const ty_betabin *p, const double *x, const double *n, size_t m,
                        double *out);

/*
 * Maximum-likelihood prior from entities (x[i], n[i]), i < m; entities with
 * n = 0 carry no information and are skipped. The likelihood is maximised by
 * GSL's BFGS (vector_bfgs2) with its analytic gradient over (logit of the mean
 * alpha/(alpha+beta), ln(alpha+beta)), from the method-of-moments start of
 * BayesGOF's BetaBinoMLE; when alpha + beta leaves [s_min, s_max] the fit is
 * redone with alpha + beta held at the bound it crossed (info->bound says
 * which). opts and info may be NULL (defaults; no summary).
 * Errors: TY_EINVAL for an invalid entity or option, fewer than 2 entities
 * with n > 0, or data with no successes or no failures at all (sum x = 0 or
 * sum x = sum n: the data cannot place the prior); TY_ENOMEM; TY_ELIMIT when
 * the minimiser fails (*out then holds the best point found).
 */
ty_err ty_betabin_fit_ex(const double *x, const double *n, size_t m, const ty_betabin_opts *opts,
                         ty_betabin *out, ty_betabin_info *info);

/* ty_betabin_fit_ex with the default options and no summary. */
ty_err ty_betabin_fit(const double *x, const double *n, size_t m, ty_betabin *out);

/* Posterior mean (x + alpha) / (n + alpha + beta) (Robinson, Introduction to
 * Empirical Bayes). No checks: the caller passes a valid prior and
 * 0 <= x <= n. */
static inline double ty_betabin_mean(const ty_betabin *p, double x, double n)
{
    return (x + p->alpha) / (n + p->alpha + p->beta);
}

/* P(rate > p0 | x of n) under prior p: the tail of ty_betabin_posterior alone,
 * without its interval (two quantile inversions), for screening many
 * entities. No checks, as ty_betabin_mean. */
double ty_betabin_tail(const ty_betabin *p, double x, double n, double p0);

/*
 * The posterior Beta(alpha + x, beta + n - x) of one entity: mean, tail
 * probability P(p > p0) (GSL's regularised incomplete beta) and the
 * equal-tailed interval with the given level (e.g. 0.95).
 * Errors: TY_EINVAL for an invalid prior, x or n (as in ty_betabin_negll),
 * p0 outside [0, 1] or level outside (0, 1); TY_ELIMIT when GSL cannot
 * invert the beta CDF (lo, hi are then NaN; mean and tail are set).
 */
ty_err ty_betabin_posterior(const ty_betabin *p, double x, double n, double p0, double level,
                            ty_betabin_post *out);

#endif
