/* dg-draw-page.h: the Draw page: the canvas, its tools, and the model's reading
 * of the drawing beside it; a status page when no model is found.
 *
 * Its actions live in the "draw" group (draw.undo, draw.redo, draw.clear,
 * draw.predict, draw.save-sample, draw.brush-smaller, draw.brush-larger,
 * draw.paste, draw.copy, draw.export; draw.open-image('PATH or URI'), enabled even while hidden), which
 * the window also offers to its header bar (dg_draw_page_get_actions). They and
 * their shortcuts act only while the page is showing.
 *
 * After every prediction the page emits "predicted" (digit, confidence, the
 * Grad-CAM map's sum, µs since the change it answers); digit is -1 when the
 * canvas is blank. After every map shown it emits "explained" (the method's name,
 * its layer's name or NULL, the map's sum): with the prediction for Grad-CAM and
 * Grad-CAM++, later for the methods computed in the background.
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-canvas.h"
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_DRAW_PAGE (dg_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DgDrawPage, dg_draw_page, DG, DRAW_PAGE, GtkWidget)

GtkWidget    *dg_draw_page_new (DgContext *context);
DgCanvas     *dg_draw_page_get_canvas (DgDrawPage *self);
GActionGroup *dg_draw_page_get_actions (DgDrawPage *self);
/* Runs the prediction now (the Predict button). */
void          dg_draw_page_predict (DgDrawPage *self);
/* The top class of the last prediction, or -1 ("prediction" property). */
int           dg_draw_page_get_prediction (DgDrawPage *self);
/* A 28 x 28 image (white ink on black, row by row) becomes the drawing's raster
 * layer, in one step of history; the model reads the image itself. FALSE if it
 * is blank. */
gboolean      dg_draw_page_show_image (DgDrawPage *self, const guint8 *pixels);
/* Reads a PNG or JPEG off the GUI thread and opens it as the raster layer (see
 * dg-image-reader.h); a file that is no picture gets a toast naming it. Then
 * "image-opened" (name, ok). A newer picture cancels an older one still read. */
void          dg_draw_page_open_file (DgDrawPage *self, GFile *file);
/* The model input of the last prediction (28, 28, 1), or NULL while blank. */
const float  *dg_draw_page_get_input (DgDrawPage *self);
/* The layer the "explain-layer" setting names in the current model, or -1 for
 * the method's default. */
int           dg_draw_page_get_explain_layer (DgDrawPage *self);

/* The last prediction's parts, for the latency benchmark: canvas to 28x28, the
 * forward pass, Grad-CAM, and handing the results to the widgets (which then lay
 * out and paint in the same frame). */
typedef struct {
  gint64 preprocess_us, predict_us, gradcam_us, show_us; /* wall time */
  gint64 cpu_us;  /* the GUI thread's CPU time over all four */
} DgPredictTimings;
void          dg_draw_page_get_last_timings (DgDrawPage *self, DgPredictTimings *out);

G_END_DECLS
