/* dg-inside-plot.h: one picture of the Inside view (a plot-activations.h drawing),
 * as tall as its width asks for, drawn into a cached surface.
 *
 * The surface is redrawn by dg_inside_plot_render(), which the Inside view calls
 * from an idle after a frame, and when the width changes or the view scrolls past
 * what was drawn; a frame only paints it, so a drawing stroke's frame never pays
 * for the plot. Only the rows near those the scrolled window shows are drawn and
 * painted, so a picture thousands of pixels tall costs a screenful. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_INSIDE_PLOT (dg_inside_plot_get_type ())
G_DECLARE_FINAL_TYPE (DgInsidePlot, dg_inside_plot, DG, INSIDE_PLOT, GtkWidget)

typedef double (*DgInsidePlotHeightFunc) (double width, gpointer data);
typedef void   (*DgInsidePlotDrawFunc) (cairo_t *cr, double width, gpointer data);

GtkWidget *dg_inside_plot_new (void);
/* height (0: nothing to show) and draw, both for a width in pixels */
void       dg_inside_plot_set_funcs (DgInsidePlot *self, DgInsidePlotHeightFunc height,
                                     DgInsidePlotDrawFunc draw, gpointer data);
/* Redraws the surface now at the current width (and asks for a new size when the
 * height changes). */
void       dg_inside_plot_render (DgInsidePlot *self);

G_END_DECLS
