/* dg-inside-view.h: the Inside view, beside the Draw page: what every layer of
 * the model makes of the drawing (feature-map grids, unit bars, the softmax),
 * the first convolution's filters with those responding most marked, and the
 * model as a graph of boxes, all drawn by plot-activations.h.
 *
 * It follows a Draw page's "predicted" signal and computes the activations (one
 * forward pass on a workspace of its own) and redraws its pictures in an idle
 * after the frame that showed the prediction, at most once per frame and only
 * while it is mapped: a stroke's frame never waits for it. After each update it
 * emits "updated" (grids, bars, softmax sections drawn, µs the update took).
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"
#include "dg-draw-page.h"

G_BEGIN_DECLS

#define DG_TYPE_INSIDE_VIEW (dg_inside_view_get_type ())
G_DECLARE_FINAL_TYPE (DgInsideView, dg_inside_view, DG, INSIDE_VIEW, GtkWidget)

GtkWidget *dg_inside_view_new (DgContext *context, DgDrawPage *page);
/* The page with the view beside it (an AdwFlap at its end, folded over the page
 * on narrow windows), shown while the "show-inside" setting is on. */
GtkWidget *dg_inside_view_new_beside (DgContext *context, DgDrawPage *page);

G_END_DECLS
