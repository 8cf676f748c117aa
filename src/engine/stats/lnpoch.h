/*
 * lnpoch.h - ln of the rising factorial for the likelihoods of the stats
 * (private to src/engine/stats/).
 *
 * ln (a)_n = ln Gamma(a + n) - ln Gamma(a). GSL's gsl_sf_lnpoch() loses its
 * precision when a is far larger than n: for n = 1 it gives 23.02582 for
 * a = 1e10 (ln a = 23.02585), 32 for a = 1e14 (32.236) and 0 for a = 1e16
 * (36.841) - measured with GSL 2.7. A maximum-likelihood fit that can move a
 * shape parameter that far then finds a likelihood above 1. Whole n up to 16
 * are therefore summed directly, sum of ln(a + k) for k < n, exact to
 * rounding; when a >= 1e4 n the sum is n ln a + sum of ln(1 + k/a), expanded
 * to the third power of k/a with the sums of k, k^2 and k^3 in closed form (the
 * next term is below (n/a)^4 = 1e-16 relative); the rest (n > 16, a < 1e4 n)
 * goes to GSL, good there to about 1e-10 relative.
 */
#ifndef TIANYAN_STATS_LNPOCH_H
#define TIANYAN_STATS_LNPOCH_H

#include <math.h>

#include <gsl/gsl_sf_gamma.h>

/* ln (a)_n for a > 0 and n >= 0. */
static inline double ty_lnpoch(double a, double n)
{
    if (n <= 0)
        return 0;
    if (n <= 16 && n == floor(n)) {
        double s = 0;
        for (double k = 0; k < n; k++)
            s += log(a + k);
        return s;
    }
    if (a >= 1e4 * n) {
        double s1 = n * (n - 1) / 2, s2 = (n - 1) * n * (2 * n - 1) / 6, s3 = s1 * s1;
        return n * log(a) + s1 / a - s2 / (2 * a * a) + s3 / (3 * a * a * a);
    }
    return gsl_sf_lnpoch(a, n);
}

#endif
