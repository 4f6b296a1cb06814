/* dg-reflow-box.h: children side by side when the box is wide, one above the
 * other when it is narrow: the Train and Evaluate pages' forms, charts and
 * results, so that those pages fit a 360-px phone without scrolling sideways.
 *
 * Properties (settable in .ui files): "breakpoint" (px; narrower boxes stack,
 * as does a box too narrow for its children's minimum widths side by side),
 * "first-width" and "last-width" (px; side by side, the first or last child's
 * width; 0 shares the width equally among the others), "spacing" (px).
 * Stacked, each child gets its natural height for the width, and what is left
 * goes to the children that expand vertically.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_REFLOW_BOX (dg_reflow_box_get_type ())
G_DECLARE_FINAL_TYPE (DgReflowBox, dg_reflow_box, DG, REFLOW_BOX, GtkWidget)

GtkWidget *dg_reflow_box_new (void);
/* Whether the last allocation put the children one above the other. */
gboolean   dg_reflow_box_get_stacked (DgReflowBox *self);

G_END_DECLS
