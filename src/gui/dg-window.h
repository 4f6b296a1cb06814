/* dg-window.h: the main window: model selector, Draw / Train / Evaluate pages. */
#pragma once

#include <adwaita.h>
#include "dg-canvas.h"
#include "dg-settings.h"

G_BEGIN_DECLS

#define DG_TYPE_WINDOW (dg_window_get_type ())
G_DECLARE_FINAL_TYPE (DgWindow, dg_window, DG, WINDOW, AdwApplicationWindow)

DgWindow *dg_window_new (AdwApplication *app, DgSettings *settings);
DgCanvas *dg_window_get_canvas (DgWindow *self);
/* Runs the prediction now (the Predict button). */
void      dg_window_predict (DgWindow *self);
/* Loads path in the background and selects it when it loads; on failure a toast
 * shows the engine's message and the current model stays. */
void      dg_window_open_model (DgWindow *self, const char *path);
void      dg_window_show_toast (DgWindow *self, const char *text);
/* The top class of the last prediction, or -1. */
int       dg_window_get_prediction (DgWindow *self);
gboolean  dg_window_has_model (DgWindow *self);
/* Microseconds the last prediction (preprocess, predict, Grad-CAM) took. */
gint64    dg_window_get_last_predict_us (DgWindow *self);
/* Its parts, for the latency benchmark: canvas to 28x28, the forward pass,
 * Grad-CAM, and handing the results to the widgets (which then lay out and
 * paint in the same frame). */
typedef struct {
  gint64 preprocess_us, predict_us, gradcam_us, show_us; /* wall time */
  gint64 cpu_us;  /* the GUI thread's CPU time over all four */
} DgPredictTimings;
void      dg_window_get_last_timings (DgWindow *self, DgPredictTimings *out);
/* For the Train and Evaluate pages: a model file that just appeared joins the
 * model selector at once; the settings (samples folder). */
void        dg_window_add_model (DgWindow *self, const char *path);
DgSettings *dg_window_get_settings (DgWindow *self);
/* The selected model's file, or NULL. */
const char *dg_window_get_model_path (DgWindow *self);

G_END_DECLS
