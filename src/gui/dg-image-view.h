/* dg-image-view.h: a 28 x 28 picture of what the model sees: its input (grey,
 * nearest-neighbour scaling so every pixel stays a visible square), the Grad-CAM
 * heat map in viridis, or the map laid over the input. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_IMAGE_VIEW (dg_image_view_get_type ())
G_DECLARE_FINAL_TYPE (DgImageView, dg_image_view, DG, IMAGE_VIEW, GtkWidget)

GtkWidget *dg_image_view_new (void);
/* input (28, 28, 1) in [0, 1], white ink on black, and the heat map (28 x 28,
 * [0, 1]) that explains it; either may be NULL. */
void       dg_image_view_set_image (DgImageView *self, const float *input, const float *heat);
/* The name of the method that made the map ("Grad-CAM++"), for the view's
 * accessible label; NULL: Grad-CAM. */
void       dg_image_view_set_method (DgImageView *self, const char *method);
/* What it shows ("show-input", "show-heatmap"): the input, the map, or both, the
 * map over the input. With the map asked for but none given, it stays black. */
gboolean   dg_image_view_get_show_input (DgImageView *self);
void       dg_image_view_set_show_input (DgImageView *self, gboolean show);
gboolean   dg_image_view_get_show_heatmap (DgImageView *self);
void       dg_image_view_set_show_heatmap (DgImageView *self, gboolean show);

G_END_DECLS
