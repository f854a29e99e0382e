/* test_stats.c - stats.h against numpy 2.4.6 and CPython 3 round() (values computed with
 * /opt/ref/venv, see the comments). The bootstrap's generator is tested in tests/model/test_xoshiro.c. */
#include <math.h>

#include "stats.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("results_stats");
  /* np.nanmean / np.nanstd(ddof=0) / np.nanstd(ddof=1) of [66.31, 65.87, nan, 66.02]. */
  double x[] = {66.31, 65.87, NAN, 66.02};
  test_near(&t, stats_nanmean(x, 4), 66.06666666666666, 1e-12, 0, "nanmean");
  test_near(&t, stats_nanstd(x, 4, 0), 0.18263503375736936, 1e-12, 0, "nanstd ddof 0");
  test_near(&t, stats_nanstd(x, 4, 1), 0.22368132093076787, 1e-12, 0, "nanstd ddof 1");
  double one[] = {42.0, NAN};
  test_near(&t, stats_nanstd(one, 2, 0), 0.0, 0, 0, "nanstd of one value");
  TEST_CHECK(&t, isnan(stats_nanstd(one, 2, 1)), "sample std of one value is NaN");
  double none[] = {NAN, NAN};
  TEST_CHECK(&t, isnan(stats_nanmean(none, 2)), "nanmean of all-NaN is NaN");
  /* np.percentile([3,1,4,1,5,9,2,6], q) for q = 2.5, 50, 97.5, 0, 100, 33.3. */
  double qs[] = {2.5, 50, 97.5, 0, 100, 33.3};
  double want[] = {1.0, 3.5, 8.475000000000001, 1.0, 9.0, 2.3309999999999995};
  for (int i = 0; i < 6; i++) {
    double y[] = {3, 1, 4, 1, 5, 9, 2, 6};
    test_near(&t, stats_percentile_sorted_inplace(y, 8, qs[i]), want[i], 1e-12, 0, "percentile %g", qs[i]);
  }
  /* CPython round(v, 2). */
  double in[] = {2.675, 0.125, 0.375, 66.665, 1.005, 47.83333333333333, -0.125};
  double out[] = {2.67, 0.12, 0.38, 66.67, 1.0, 47.83, -0.12};
  for (int i = 0; i < 7; i++) test_near(&t, stats_round_python(in[i], 2), out[i], 0, 0, "round(%.17g, 2)", in[i]);
  return test_report(&t);
}
