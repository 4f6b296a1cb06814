/* plot-robustness.h: a robustness sweep as a chart.
 *
 * Accuracy against severity level, one line per perturbation (noise, blur,
 * rotation, shift, thickening), each starting from the clean accuracy at level
 * 0. The legend names the actual severities of each level. A second model is
 * drawn in the same colours, dashed, with hollow markers.
 */
#pragma once

#include "plot-line-chart.h"
#include "nn-robustness.h"

G_BEGIN_DECLS

#define PLOT_ROBUSTNESS_MAX_MODELS 2

/* results[0] solid, results[1] (optional) dashed; names label the line styles
 * when there are two. subtitle may be NULL. */
PlotLineChart *plot_robustness_chart_new (const NnRobustnessResult *const *results,
                                          const char *const *names, int n_results,
                                          const char *subtitle);

/* 0 for width or height picks 900 x 560. */
gboolean plot_robustness_write_png (const NnRobustnessResult *const *results,
                                    const char *const *names, int n_results,
                                    const char *subtitle, int width, int height,
                                    const char *path, GError **error);

G_END_DECLS
