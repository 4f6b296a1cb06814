/* dg-prediction-view.h: everything shown beside the canvas: the predicted
 * digit, its confidence, the top 3, ten bars, the model input and Grad-CAM; or a
 * friendly prompt while the canvas is blank. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_PREDICTION_VIEW (dg_prediction_view_get_type ())
G_DECLARE_FINAL_TYPE (DgPredictionView, dg_prediction_view, DG, PREDICTION_VIEW, GtkWidget)

GtkWidget  *dg_prediction_view_new (void);
void        dg_prediction_view_show_prompt (DgPredictionView *self);
/* probs (10,), input (28, 28, 1); heat (28 x 28) or NULL, with cam_note saying
 * why (NULL hides the note). */
void        dg_prediction_view_show_result (DgPredictionView *self, const float *probs,
                                            const float *input, const float *heat,
                                            const char *cam_note);
gboolean    dg_prediction_view_get_show_gradcam (DgPredictionView *self);
void        dg_prediction_view_set_show_gradcam (DgPredictionView *self, gboolean show);
/* The digit shown, or -1 while the prompt is shown. */
int         dg_prediction_view_get_digit (DgPredictionView *self);

G_END_DECLS
