/* stats.h - the few statistics the harness reports: NaN-aware mean and standard deviations (as numpy
 * computes them), percentiles and Python-compatible rounding. Pure functions. (The bootstrap's random generator is
 * model/xoshiro.h, shared with the synthetic checkpoints.) */
#ifndef FEWSHOT_STATS_H
#define FEWSHOT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* np.nanmean(x): the mean of the non-NaN values of x[0..n). Returns NaN when there are none. */
double stats_nanmean(const double *x, size_t n);

/* np.nanstd(x, ddof): the standard deviation of the non-NaN values with divisor (count - ddof);
 * ddof 0 is the population std OpenFlamingo reports, ddof 1 the sample std. Returns NaN when
 * count - ddof <= 0 (numpy warns and returns NaN there too). Two-pass, as numpy. */
double stats_nanstd(const double *x, size_t n, int ddof);

/* The number of non-NaN values in x[0..n). */
size_t stats_count_finite(const double *x, size_t n);

/* np.percentile(x, q) with numpy's default 'linear' interpolation, q in [0, 100]. Sorts x in place
 * (the caller's array is reordered). x must hold n >= 1 values, none NaN. */
double stats_percentile_sorted_inplace(double *x, size_t n, double q);

/* Python 3 round(x, ndigits): the decimal with ndigits digits after the point nearest to the exact
 * binary value of x, exact ties to even. NaN and infinities are returned unchanged. */
double stats_round_python(double x, int ndigits);

#endif
