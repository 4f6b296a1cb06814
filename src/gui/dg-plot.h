/* dg-plot.h: a widget showing a PlotLineChart, with a hover read-out.
 *
 * The chart is drawn by the GTK-free plot library into the widget's snapshot,
 * in the light or dark theme following AdwStyleManager. Pointing at a line shows
 * the nearest point's series, x and y. Data can be appended while it is shown;
 * dg_plot_changed() redraws in the next frame.
 */
#pragma once

#include <gtk/gtk.h>
#include "plot-line-chart.h"

G_BEGIN_DECLS

#define DG_TYPE_PLOT (dg_plot_get_type ())
G_DECLARE_FINAL_TYPE (DgPlot, dg_plot, DG, PLOT, GtkWidget)

GtkWidget     *dg_plot_new (void);
/* Shows chart, which the caller keeps alive until another is set or the widget
 * goes (NULL shows nothing). names[i] names series i in the read-out. */
void           dg_plot_set_chart (DgPlot *self, PlotLineChart *chart, const char *const *names,
                                  int n_names);
PlotLineChart *dg_plot_get_chart (DgPlot *self);
/* Read-out of y as a percentage (fractions), and of x as an integer count. */
void           dg_plot_set_readout_format (DgPlot *self, gboolean y_percent, gboolean x_integer);
void           dg_plot_changed (DgPlot *self);
/* Points in all series, for tests. */
int            dg_plot_n_points (DgPlot *self);

G_END_DECLS
