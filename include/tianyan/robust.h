/*
 * robust.h - robust norms for one sample, such as the unit prices of one
 * product across merchants: the median, the median absolute deviation (MAD)
 * and Iglewicz & Hoaglin's modified z-score, with a stated fallback when the
 * MAD is zero; and a bounded window of the latest values for streams.
 *
 * Formulas, constants, the fallback and sources: docs/detection.md, "Robust
 * price norms". Sorting and medians are GNU GSL's (gsl_sort,
 * gsl_stats_median_from_sorted_data). Nothing here allocates: the caller
 * passes scratch space. Every function is reentrant.
 */
#ifndef TIANYAN_ROBUST_H
#define TIANYAN_ROBUST_H

#include <stddef.h>

#include "tianyan/error.h"

/* 1/Phi^-1(3/4): MAD * 1.4826 estimates sigma for normal data (R stats::mad). */
#define TY_ROBUST_MAD_SCALE 1.4826
/* Phi^-1(3/4): the modified z-score is 0.6745 (x - median) / MAD (Iglewicz &
 * Hoaglin 1993). */
#define TY_ROBUST_Z_CONST 0.6745
/* Iglewicz & Hoaglin's cut-off: |modified z| > 3.5 marks a potential outlier. */
#define TY_ROBUST_Z_CUTOFF 3.5
/* sqrt(pi/2): E|X - mu| = sigma sqrt(2/pi) for normal data, so the mean
 * absolute deviation times this estimates sigma (the MAD = 0 fallback). */
#define TY_ROBUST_MEANAD_SCALE 1.2533141373155001
/* Default relative floor of the scale: 1% of |median| (see the docs). */
#define TY_ROBUST_REL_FLOOR 0.01

/* How ty_robust_fit obtained the scale. */
enum {
    TY_ROBUST_SCALE_MAD = 0,    /* MAD / 0.6745 */
    TY_ROBUST_SCALE_MEANAD = 1, /* MAD = 0: 1.2533 * mean |x - median| */
    TY_ROBUST_SCALE_FLOOR = 2,  /* the relative floor was larger than either */
    TY_ROBUST_SCALE_NONE = 3,   /* every value is 0: no scale, ty_robust_z is NaN */
};

/* The norm of one sample. */
typedef struct ty_robust {
    double median;
    double mad;    /* raw median absolute deviation, median |x_i - median| */
    double meanad; /* mean |x_i - median| */
    double scale;  /* the sigma estimate that ty_robust_z divides by */
    size_t n;
    int how; /* TY_ROBUST_SCALE_* */
} ty_robust;

/*
 * Median, MAD and scale of x[0..n-1]. work must hold n doubles (it is
 * overwritten; x is not touched). rel_floor >= 0 (TY_ROBUST_REL_FLOOR by
 * default; 0 for none): the scale is at least rel_floor * |median|.
 * scale = MAD / 0.6745; when the MAD is 0 (half or more of the values equal),
 * 1.2533 * mean absolute deviation from the median; then the floor.
 * Errors: TY_EINVAL when n = 0, a pointer is NULL, a value is not finite or
 * rel_floor is not finite and >= 0.
 */
ty_err ty_robust_fit(const double *x, size_t n, double *work, double rel_floor, ty_robust *out);

/* Modified z-score (x - median) / scale, i.e. 0.6745 (x - median) / MAD when
 * the MAD is used. NaN when how = TY_ROBUST_SCALE_NONE. */
double ty_robust_z(const ty_robust *r, double x);

/* |ty_robust_z| > TY_ROBUST_Z_CUTOFF. */
int ty_robust_outlier(const ty_robust *r, double x);

/*
 * A window of the latest cap values of a stream, in storage the caller owns
 * (buf of cap doubles); older values are overwritten. The norm of the window
 * is ty_robust_window_fit.
 */
typedef struct ty_robust_window {
    double *buf;
    size_t cap, len, next;
} ty_robust_window;

/* TY_EINVAL when buf is NULL or cap is 0. */
ty_err ty_robust_window_init(ty_robust_window *w, double *buf, size_t cap);

/* Adds x (finite; otherwise TY_EINVAL and nothing changes). */
ty_err ty_robust_window_push(ty_robust_window *w, double x);

/* ty_robust_fit of the values in the window; work holds w->cap doubles.
 * TY_EINVAL when the window is empty. */
ty_err ty_robust_window_fit(const ty_robust_window *w, double *work, double rel_floor,
                            ty_robust *out);

#endif
