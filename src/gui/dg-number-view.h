/* dg-number-view.h: the reading of a number on the Draw page.
 *
 * The number large, a line saying how it was read, and a chip per digit; the
 * boxes over the canvas (DgNumberBoxes) and the chips select the same digit,
 * whose probabilities, input and Grad-CAM the DgPredictionView below shows.
 * Until a digit is clicked the selection follows the last digit, the one
 * being drawn.
 */
#pragma once

#include "dg-canvas.h"
#include "dg-model.h"
#include "dg-number-boxes.h"
#include "dg-prediction-view.h"

G_BEGIN_DECLS

#define DG_TYPE_NUMBER_VIEW (dg_number_view_get_type ())
G_DECLARE_FINAL_TYPE (DgNumberView, dg_number_view, DG, NUMBER_VIEW, GtkWidget)

GtkWidget       *dg_number_view_new (void);
/* The canvas it reads, the boxes over it and the view of the selected digit
 * (none is a reference: the page holds them all). */
void             dg_number_view_attach (DgNumberView *self, DgCanvas *canvas, DgNumberBoxes *boxes,
                                        DgPredictionView *prediction_view);
/* Reads the canvas with model and shows the number; with_cam computes the
 * selected digit's Grad-CAM. Returns the digit shown below (-1: none), with its
 * confidence and the sum of its heat map. FALSE with an error from the core. */
gboolean         dg_number_view_read (DgNumberView *self, DgModel *model, gboolean with_cam,
                                      int *digit, double *confidence, double *cam_sum,
                                      GError **error);
/* The last dg_number_view_read's parts: rendering and reading the canvas, showing
 * the number, and showing the selected digit (its Grad-CAM among it). */
void             dg_number_view_get_last_timings (DgNumberView *self, gint64 *read_us,
                                                  gint64 *show_us, gint64 *explain_us);
/* Forgets the reading (and the model it came from). */
void             dg_number_view_reset (DgNumberView *self);
const NnNumberReading *dg_number_view_get_reading (DgNumberView *self);
int              dg_number_view_get_selected (DgNumberView *self);
void             dg_number_view_set_selected (DgNumberView *self, int selected);

G_END_DECLS
