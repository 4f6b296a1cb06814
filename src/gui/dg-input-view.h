/* dg-input-view.h: the 28 x 28 model input, enlarged with nearest-neighbour
 * scaling so every pixel the model sees stays a visible square. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_INPUT_VIEW (dg_input_view_get_type ())
G_DECLARE_FINAL_TYPE (DgInputView, dg_input_view, DG, INPUT_VIEW, GtkWidget)

GtkWidget *dg_input_view_new (void);
/* input (28, 28, 1) in [0, 1], white ink on black; NULL shows an empty field. */
void       dg_input_view_set_input (DgInputView *self, const float *input);

/* Shared by the Grad-CAM view: draws a 28 x 28 grey image into a side x side square. */
void       dg_input_view_draw_grey (cairo_t *cr, const float *input, double side);

G_END_DECLS
