/*
 * robust.c - median, MAD, the modified z-score of Iglewicz & Hoaglin (1993)
 * with a mean-absolute-deviation fallback and a relative floor, and a bounded
 * window for streams. Sorting and medians are GSL's. Sources:
 * docs/detection.md, "Robust price norms".
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "tianyan/robust.h"

ty_err ty_robust_fit(const double *x, size_t n, double *work, double rel_floor, ty_robust *out)
{
    if (!x || !work || !out || n == 0 || !(isfinite(rel_floor) && rel_floor >= 0))
        return TY_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return TY_EINVAL;
    ty_robust r;
    r.n = n;
    memcpy(work, x, n * sizeof *work);
    gsl_sort(work, 1, n);
    r.median = gsl_stats_median_from_sorted_data(work, 1, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        work[i] = fabs(x[i] - r.median);
        sum += work[i];
    }
    gsl_sort(work, 1, n);
    r.mad = gsl_stats_median_from_sorted_data(work, 1, n);
    r.meanad = sum / (double)n;
    if (r.mad > 0) {
        r.scale = r.mad / TY_ROBUST_Z_CONST;
        r.how = TY_ROBUST_SCALE_MAD;
    } else {
        r.scale = TY_ROBUST_MEANAD_SCALE * r.meanad;
        r.how = TY_ROBUST_SCALE_MEANAD;
    }
    double floor_ = rel_floor * fabs(r.median);
    if (floor_ > r.scale) {
        r.scale = floor_;
        r.how = TY_ROBUST_SCALE_FLOOR;
    }
    if (!(r.scale > 0)) {
        r.scale = 0;
        r.how = TY_ROBUST_SCALE_NONE;
    }
    *out = r;
    return TY_OK;
}

double ty_robust_z(const ty_robust *r, double x)
{
    if (r->how == TY_ROBUST_SCALE_NONE)
        return NAN;
    return (x - r->median) / r->scale;
}

int ty_robust_outlier(const ty_robust *r, double x)
{
    return fabs(ty_robust_z(r, x)) > TY_ROBUST_Z_CUTOFF;
}

ty_err ty_robust_window_init(ty_robust_window *w, double *buf, size_t cap)
{
    if (!w || !buf || cap == 0)
        return TY_EINVAL;
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->next = 0;
    return TY_OK;
}

ty_err ty_robust_window_push(ty_robust_window *w, double x)
{
    if (!w || !isfinite(x))
        return TY_EINVAL;
    w->buf[w->next] = x;
    w->next = (w->next + 1) % w->cap;
    if (w->len < w->cap)
        w->len++;
    return TY_OK;
}

ty_err ty_robust_window_fit(const ty_robust_window *w, double *work, double rel_floor,
                            ty_robust *out)
{
    if (!w || w->len == 0)
        return TY_EINVAL;
    /* The order inside the window does not matter to a median: while the
     * window is filling, its values are buf[0..len-1]; once full, all of buf. */
    return ty_robust_fit(w->buf, w->len, work, rel_floor, out);
}
