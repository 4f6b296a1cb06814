/* dg-gradcam-view.h: a Grad-CAM heat map in viridis, alone or laid over the
 * model input. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_GRADCAM_VIEW (dg_gradcam_view_get_type ())
G_DECLARE_FINAL_TYPE (DgGradcamView, dg_gradcam_view, DG, GRADCAM_VIEW, GtkWidget)

GtkWidget *dg_gradcam_view_new (void);
/* heat (28 x 28) in [0, 1] and the input (28, 28, 1) it explains; NULL clears. */
void       dg_gradcam_view_set_heatmap (DgGradcamView *self, const float *heat, const float *input);
gboolean   dg_gradcam_view_get_overlay (DgGradcamView *self);
void       dg_gradcam_view_set_overlay (DgGradcamView *self, gboolean overlay);

G_END_DECLS
