/* plot.h - summary.svg: score against shots, one panel per task, with every seed's score, the mean
 * and a +-1 std bar (population std, as the summary reports), and the reference card's numbers
 * dashed when given. Plain SVG text; no dependencies. */
#ifndef FEWSHOT_PLOT_H
#define FEWSHOT_PLOT_H

#include "reference.h"
#include "summary.h"

/* The SVG document for s (malloc'd, caller frees), NULL when out of memory. `ref` and `ref_model`
 * may be NULL (no reference line); ref_model NULL means the card's default model. */
char *plot_summary_svg(const summary *s, const reference_card *ref, const char *ref_model);

#endif
