/*
 * changestat.h - the statistics behind Tianyan's change-over-time detectors:
 *
 *   - the upper one-sided Poisson CUSUM for counts per entity per day
 *     (complaints, adverse events, risk-text hits) against the entity's own
 *     baseline mean: Lucas's reference value, the state update, the exact
 *     average run length (ARL) of an integer-valued CUSUM by the Markov chain
 *     of Brook & Evans (1972), and the decision interval for a target
 *     in-control ARL;
 *   - the EWMA chart: the statistic, its exact (time-varying) and asymptotic
 *     control limits, its ARL for normal data by the integral equation of
 *     Crowder (1987) and the limit L for a target in-control ARL.
 *
 * Formulas, defaults and sources: docs/detection.md, "Change over time".
 *
 * State: one ty_cusum (4 doubles) or ty_ewma (6 doubles and a flag) per
 * (entity, metric). The update functions are pure arithmetic: no allocation,
 * no locks, no GSL. The design functions (ARL, decision interval, limit)
 * allocate a few kilobytes of scratch and free it before returning; they are
 * meant to run once per entity and baseline, not per observation.
 *
 * Threads: every function is reentrant. On first use of a design function the
 * module switches GNU GSL's error handler off for the whole process (GSL
 * aborts by default), as the disproportionality module does; every GSL status
 * is checked here.
 */
#ifndef TIANYAN_CHANGESTAT_H
#define TIANYAN_CHANGESTAT_H

#include "tianyan/error.h"

/* ---- Poisson CUSUM ------------------------------------------------------ */

/* Default shift to detect: lambda1 = TY_CUSUM_SHIFT * lambda0 (a doubling). */
#define TY_CUSUM_SHIFT 2.0

/* Default in-control ARL, in observations (days): about one false alarm per
 * entity-year. See docs/detection.md for why. */
#define TY_CUSUM_ARL0 365.0

/* ty_cusum_arl works on the lattice of multiples of 1/g on which S_t lives
 * when k, h and the head start are multiples of 1/g; g is at most this. */
#define TY_CUSUM_GRID_MAX 1000

/* The Markov chain has h*g + 1 states; more than this is refused (a dense
 * solve of 2000 states takes about half a second). */
#define TY_CUSUM_STATES_MAX 2000

/*
 * One upper CUSUM. S_0 = head; S_t = max(0, S_{t-1} + x_t - k); a signal when
 * S_t > h. head is Lucas & Crosier's (1982) fast initial response (FIR) head
 * start, 0 <= head <= h (h/2 is theirs); 0 for none.
 */
typedef struct ty_cusum {
    double k;    /* reference value */
    double h;    /* decision interval */
    double head; /* S after init and reset */
    double s;    /* the current sum S_t */
} ty_cusum;

/*
 * Lucas's (1985) reference value for a Poisson CUSUM that should detect a
 * shift of the mean from lambda0 to lambda1 > lambda0:
 *   k = (lambda1 - lambda0) / (ln lambda1 - ln lambda0).
 * Returns NaN unless 0 < lambda0 < lambda1 and both are finite.
 */
double ty_cusum_k(double lambda0, double lambda1);

/* Sets c to a CUSUM with S = head. TY_EINVAL unless k >= 0, h > 0,
 * 0 <= head <= h and all are finite. */
ty_err ty_cusum_init(ty_cusum *c, double k, double h, double head);

/* Restarts the sum at the head start (after a signal has been handled). */
void ty_cusum_reset(ty_cusum *c);

/*
 * Adds one observation x (a count, or any finite number >= 0). Returns 1 when
 * the new S_t > h (a signal), 0 otherwise. The sum is not reset on a signal:
 * the caller decides (ty_cusum_reset) and can read how far S went. A missing
 * day is not a zero: do not call. x not finite or negative: the state is left
 * unchanged and -1 is returned.
 */
int ty_cusum_update(ty_cusum *c, double x);

/*
 * Average run length of the CUSUM c, started at c->head, when the counts are
 * independent Poisson(mu): the expected number of observations up to and
 * including the first signal (S_t > h). Exact (up to rounding in the linear
 * solve) by the Markov chain of Brook & Evans (1972) on the lattice of
 * multiples of 1/g, where g <= TY_CUSUM_GRID_MAX is the smallest integer that
 * makes k*g, h*g and head*g whole numbers (to 1e-9).
 * Errors: TY_EINVAL for an invalid c or mu not > 0 and finite; TY_ELIMIT when
 * no such g exists or the chain would have more than TY_CUSUM_STATES_MAX
 * states (round k and h, as ty_cusum_design does); TY_ENOMEM.
 */
ty_err ty_cusum_arl(const ty_cusum *c, double mu, double *arl);

/*
 * Designs a CUSUM for baseline mean lambda0 that detects lambda1 > lambda0,
 * with in-control ARL (zero start, Poisson(lambda0) counts) of at least arl0:
 *   k = ty_cusum_k(lambda0, lambda1), rounded to the nearest multiple of 1/g
 *       (at least 1/g), g the smallest of 1, 10, 100 that gives k two
 *       significant digits and lets S move in steps of at most 0.2 sqrt(lambda0)
 *       (docs/detection.md); rounding is what makes the ARL exact and cheap;
 *   h = the smallest multiple of 1/g whose ARL0 >= arl0, found with GSL's
 *       Brent solver on the log-ARL interpolated between lattice points.
 * Typical use: ty_cusum_design(l0, TY_CUSUM_SHIFT * l0, TY_CUSUM_ARL0, &k, &h).
 * Errors: TY_EINVAL unless 0 < lambda0 < lambda1 and 1 < arl0 <= 1e7, all
 * finite; TY_ELIMIT when h would need more states than
 * TY_CUSUM_STATES_MAX; TY_ENOMEM.
 */
ty_err ty_cusum_design(double lambda0, double lambda1, double arl0, double *k, double *h);

/* ---- EWMA --------------------------------------------------------------- */

/* Smallest lambda for which ty_ewma_arl and ty_ewma_crit work: below it the
 * quadrature would need more than 1000 nodes. */
#define TY_EWMA_LAMBDA_MIN 0.001

/* Bits returned by ty_ewma_update. */
enum {
    TY_EWMA_HIGH = 1, /* z_t above the upper limit */
    TY_EWMA_LOW = 2,  /* z_t below the lower limit */
};

/*
 * One EWMA chart (Roberts 1959; Lucas & Saccucci 1990):
 *   z_0 = mu0, z_t = lambda x_t + (1 - lambda) z_{t-1},
 * limits mu0 +- L sigma sqrt(lambda/(2-lambda) (1 - (1-lambda)^(2t))) when
 * exact (time-varying) limits are chosen, mu0 +- L sigma sqrt(lambda/(2-lambda))
 * (asymptotic) otherwise. sigma is the in-control standard deviation of one
 * observation: sqrt(lambda0) for Poisson counts with mean lambda0.
 */
typedef struct ty_ewma {
    double lambda, L, mu0, sigma;
    double z; /* the current statistic */
    double t; /* observations so far */
    int exact;
} ty_ewma;

/* Sets e with z = mu0, t = 0. TY_EINVAL unless 0 < lambda <= 1, L > 0,
 * sigma > 0, all finite. */
ty_err ty_ewma_init(ty_ewma *e, double lambda, double L, double mu0, double sigma, int exact);

/* z back to mu0 and t to 0. */
void ty_ewma_reset(ty_ewma *e);

/*
 * Adds one observation. Returns TY_EWMA_HIGH, TY_EWMA_LOW or 0 by where the
 * new z_t lies against the limits of time t (the count of observations,
 * this one included). x not finite: unchanged, -1.
 */
int ty_ewma_update(ty_ewma *e, double x);

/* Half-width of the limits after t observations (t = INFINITY, or exact = 0:
 * the asymptotic one), in the units of x. */
double ty_ewma_halfwidth(const ty_ewma *e, double t);

/*
 * ARL of the two-sided EWMA with asymptotic limits +-L sqrt(lambda/(2-lambda))
 * (standardised, z_0 = 0) when the observations are N(delta, 1): the integral
 * equation of Crowder (1987) solved by Gauss-Legendre (Nystrom) quadrature, the
 * method of R's spc::xewma.arl. TY_EWMA_LAMBDA_MIN <= lambda <= 1, L > 0,
 * delta finite.
 * Errors: TY_EINVAL; TY_ENOMEM; TY_ELIMIT when the solve fails.
 */
ty_err ty_ewma_arl(double lambda, double L, double delta, double *arl);

/*
 * The L whose in-control ARL (ty_ewma_arl with delta = 0) equals arl0, by
 * GSL's Brent solver on ln ARL, to 1e-9. TY_EWMA_LAMBDA_MIN <= lambda <= 1,
 * 2 <= arl0 <= 1e6.
 * Errors: TY_EINVAL; TY_ENOMEM; TY_ELIMIT when the solver fails.
 */
ty_err ty_ewma_crit(double lambda, double arl0, double *L);

#endif
