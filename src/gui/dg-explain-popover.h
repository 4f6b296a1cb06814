/* dg-explain-popover.h: the heat map's method and layer, beside the Heat Map
 * toggle: Grad-CAM, Grad-CAM++, integrated gradients or occlusion, and for the
 * Grad-CAMs the layer, the model's default first. Both are GSettings keys
 * ("explain-method", "explain-layer", '' for the default), so the choice stays. */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_EXPLAIN_POPOVER (dg_explain_popover_get_type ())
G_DECLARE_FINAL_TYPE (DgExplainPopover, dg_explain_popover, DG, EXPLAIN_POPOVER, GtkPopover)

GtkWidget *dg_explain_popover_new (DgContext *context);

G_END_DECLS
