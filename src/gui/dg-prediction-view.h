/* dg-prediction-view.h: everything shown beside the canvas: the predicted
 * digit, its confidence, the top 3, ten bars, the model input and Grad-CAM; or a
 * friendly prompt while the canvas is blank. */
#pragma once

#include <gtk/gtk.h>
#include "nn-verdict.h"

G_BEGIN_DECLS

/* The shipped models are calibrated (a reading at p is right about p of the
 * time), so below 80 % the model is wrong at least one time in five: too often
 * to show the digit the way a sure one is shown. */
#define DG_UNSURE_BELOW 0.8f

#define DG_TYPE_PREDICTION_VIEW (dg_prediction_view_get_type ())
G_DECLARE_FINAL_TYPE (DgPredictionView, dg_prediction_view, DG, PREDICTION_VIEW, GtkWidget)

GtkWidget  *dg_prediction_view_new (void);
void        dg_prediction_view_show_prompt (DgPredictionView *self);
/* probs (10,), input (28, 28, 1); heat (28 x 28) or NULL, with cam_note saying
 * why (NULL hides the note). */
void        dg_prediction_view_show_result (DgPredictionView *self, const float *probs,
                                            const float *input, const float *heat,
                                            const char *cam_note);
/* After show_result: the not-a-digit rule's verdict on it. NOT_A_DIGIT says
 * "That doesn't look like a digit" with the best guess small (CSS class
 * "not-a-digit" on the card); a reading below 80 % has the class "unsure". */
void        dg_prediction_view_set_verdict (DgPredictionView *self, NnVerdict verdict);
/* BLANK while the prompt shows. */
NnVerdict   dg_prediction_view_get_verdict (DgPredictionView *self);
/* The heat map's caption: the name of the method that made it ("Grad-CAM++"). */
void        dg_prediction_view_set_heat_caption (DgPredictionView *self, const char *caption);
gboolean    dg_prediction_view_get_show_gradcam (DgPredictionView *self);
void        dg_prediction_view_set_show_gradcam (DgPredictionView *self, gboolean show);
/* The digit shown, or -1 while the prompt is shown. */
int         dg_prediction_view_get_digit (DgPredictionView *self);

G_END_DECLS
