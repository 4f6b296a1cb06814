/* plot-line-chart.h: line charts with axes, ticks, a legend and several series.
 *
 * Used for the robustness charts (accuracy against severity, one line per
 * perturbation, a second model dashed) and by the app for its loss, accuracy
 * and learning-rate plots, which grow a point at a time:
 *
 *   PlotLineChart *c = plot_line_chart_new ();
 *   plot_line_chart_set_title (c, "Training loss", NULL);
 *   plot_line_chart_set_axis_labels (c, "batch", "loss");
 *   int raw = plot_line_chart_add_series (c, NULL, 0, PLOT_SERIES_FAINT);
 *   int avg = plot_line_chart_add_series (c, "smoothed", 0, PLOT_SERIES_LINE);
 *   plot_line_chart_append (c, raw, step, loss); ...
 *   plot_line_chart_draw (c, cr, width, height);
 */
#pragma once

#include "plot-common.h"

G_BEGIN_DECLS

typedef struct _PlotLineChart PlotLineChart;

typedef enum {
  PLOT_SERIES_LINE    = 0,
  PLOT_SERIES_DASHED  = 1 << 0, /* a second data set, e.g. the compared model or validation */
  PLOT_SERIES_MARKERS = 1 << 1, /* a dot on every point */
  PLOT_SERIES_FAINT   = 1 << 2, /* thin and translucent: raw points under a smoothed line */
  PLOT_SERIES_NO_LINE = 1 << 3, /* markers only */
} PlotSeriesFlags;

typedef enum {
  PLOT_LEGEND_INSIDE, /* top-right corner of the plot area, over a translucent box */
  PLOT_LEGEND_RIGHT,  /* a column right of the plot area */
  PLOT_LEGEND_NONE,
} PlotLegendPosition;

typedef enum {
  PLOT_FORMAT_NUMBER,  /* 0.25, 1200, 1e-05 */
  PLOT_FORMAT_PERCENT, /* values are fractions: 0.975 is "97.5%" */
} PlotNumberFormat;

PlotLineChart *plot_line_chart_new (void);
void           plot_line_chart_free (PlotLineChart *chart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlotLineChart, plot_line_chart_free)

void plot_line_chart_set_title (PlotLineChart *chart, const char *title, const char *subtitle);
void plot_line_chart_set_axis_labels (PlotLineChart *chart, const char *x_label,
                                      const char *y_label);
/* NAN for either end lets the data decide it. */
void plot_line_chart_set_x_range (PlotLineChart *chart, double min, double max);
void plot_line_chart_set_y_range (PlotLineChart *chart, double min, double max);
void plot_line_chart_set_y_format (PlotLineChart *chart, PlotNumberFormat format);
/* Logarithmic y axis (a learning rate, a loss over decades). Points <= 0 are skipped. */
void plot_line_chart_set_log_y (PlotLineChart *chart, gboolean log_y);
/* Named x ticks instead of numbers, e.g. 0 "clean", 1 "1", ...; n 0 clears them. */
void plot_line_chart_set_x_ticks (PlotLineChart *chart, const double *values,
                                  const char *const *labels, int n);
void plot_line_chart_set_legend (PlotLineChart *chart, PlotLegendPosition position);
void plot_line_chart_set_theme (PlotLineChart *chart, const PlotTheme *theme);

/* A new empty series: name NULL keeps it out of the legend; color is an index
 * into plot_palette_color(). Returns its index. */
int  plot_line_chart_add_series (PlotLineChart *chart, const char *name, int color,
                                 PlotSeriesFlags flags);
void plot_line_chart_append (PlotLineChart *chart, int series, double x, double y);
void plot_line_chart_set_data (PlotLineChart *chart, int series, const double *x,
                               const double *y, int n);
void plot_line_chart_clear_data (PlotLineChart *chart); /* every series emptied, kept */
int  plot_line_chart_n_series (const PlotLineChart *chart);
int  plot_line_chart_series_length (const PlotLineChart *chart, int series);
/* A legend entry that explains a line style rather than a series, drawn in the
 * muted colour: ("solid: mnist_cnn.keras", FALSE), ("dashed: other.keras", TRUE). */
void plot_line_chart_add_style_key (PlotLineChart *chart, const char *text, gboolean dashed);

/* Draws into (0, 0, width, height), background included. */
void plot_line_chart_draw (PlotLineChart *chart, cairo_t *cr, double width, double height);

/* The data point nearest to (px, py) within `radius` pixels, for a hover
 * read-out. FALSE when none is that close. */
gboolean plot_line_chart_pick (PlotLineChart *chart, double width, double height, double px,
                               double py, double radius, int *series, int *index, double *x,
                               double *y);

gboolean plot_line_chart_write_png (PlotLineChart *chart, int width, int height,
                                    const char *path, GError **error);

G_END_DECLS
