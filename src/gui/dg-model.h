/* dg-model.h: a loaded .keras model with the buffers to run it.
 *
 * Loading parses a zip, JSON and HDF5 and can take longer than a frame, so it
 * runs in a worker thread (GTask). Prediction and Grad-CAM on one 28 x 28 image
 * take well under a millisecond and run on the GUI thread.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-number.h"
#include "nn-verdict.h"

G_BEGIN_DECLS

#define DG_TYPE_MODEL (dg_model_get_type ())
G_DECLARE_FINAL_TYPE (DgModel, dg_model, DG, MODEL, GObject)

#define DG_N_CLASSES 10

DgModel    *dg_model_load (const char *path, GError **error);
void        dg_model_load_async (const char *path, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
DgModel    *dg_model_load_finish (GAsyncResult *result, GError **error);

const char *dg_model_get_path (DgModel *self);
/* The file name without ".keras", e.g. "mnist_cnn". */
const char *dg_model_get_title (DgModel *self);
NnModel    *dg_model_get_nn (DgModel *self);
gsize       dg_model_get_n_params (DgModel *self);
/* "test_accuracy" from the file's metadata, or NULL. */
const char *dg_model_get_test_accuracy (DgModel *self);
/* One line per layer: "conv2d  Conv2D  (26, 26, 32)  320". Free with g_free. */
char       *dg_model_describe_layers (DgModel *self);
gboolean    dg_model_has_gradcam (DgModel *self);

/* input (28, 28, 1) in [0, 1] -> probs (10,). */
/* FALSE with NN_ERROR_NUMERIC when the model's answer is not finite for this input. */
gboolean    dg_model_predict (DgModel *self, const float *input, float *probs,
                              GError **error);
/* Grad-CAM's heat map (28 x 28) in [0, 1] for class_index, at the model's default
 * Grad-CAM layer. NN_ERROR_UNSUPPORTED when the model has no spatial layer. */
gboolean    dg_model_gradcam (DgModel *self, const float *input, int class_index, float *heat,
                              GError **error);
/* Is input (28, 28, 1) a digit at all? The model file's rule (as digits-cli
 * predict applies it), or the default rule for a file without one. */
NnVerdict   dg_model_judge (DgModel *self, const float *input);
/* The number in grey (white ink on black), digit by digit, with the same rule;
 * with in_place, each candidate digit read in its place too by the shipped
 * pieces model (when it loaded): touching digits are read better, at about 40%
 * more time. */
gboolean    dg_model_read_number (DgModel *self, const guint8 *grey, int width, int height,
                                  int stride, gboolean in_place, NnNumberReading *out,
                                  GError **error);

G_END_DECLS
