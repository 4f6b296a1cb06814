/* plot-robustness.h: a robustness sweep as a chart.
 *
 * Accuracy against severity level, one line per perturbation (noise, blur,
 * rotation, shift, thickening), each starting from the clean accuracy at level
 * 0. The legend names each line's levels in the axis's words ("noise, levels
 * 1–4"); plot_robustness_describe_levels says what each level is. A second model is
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

/* What each severity level is, one line per perturbation, in the legend's words:
 * "noise, levels 1–4: σ 0.05, 0.1, 0.2, 0.3". Free with g_free. */
char    *plot_robustness_describe_levels (const NnRobustnessResult *r);

/* 0 for width or height picks 900 x 560. */
gboolean plot_robustness_write_png (const NnRobustnessResult *const *results,
                                    const char *const *names, int n_results,
                                    const char *subtitle, int width, int height,
                                    const char *path, GError **error);

G_END_DECLS
