/* nn-calibrate.h: confidence that means what it says.
 *
 * A model trained to 99.7% is sure of nearly everything, so its 95% answers are
 * right more often than 95% of the time (or less, after heavy augmentation).
 * Temperature scaling divides the logits by one number T, fitted on held-out
 * images by minimising the negative log-likelihood; the ranking, hence the
 * accuracy, does not change. T is folded into the last Dense layer (kernel and
 * bias divided by T), so a calibrated model is a plain Keras model.
 *
 * Figures: the expected calibration error (ECE) over equal-width confidence bins
 * (|accuracy - mean confidence| of each bin, weighted by its share of images) and
 * the mean negative log-likelihood of the true labels.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-dataset.h"

G_BEGIN_DECLS

#define NN_ECE_BINS 15

/* ECE of probs (n, classes) against labels over `bins` equal-width bins of the top
 * probability; 0..1. */
double nn_calibration_ece (const float *probs, const guint8 *labels, int n, int classes,
                           int bins);
/* Mean -log p(label), with p floored at 1e-12. */
double nn_calibration_nll (const float *probs, const guint8 *labels, int n, int classes);

/* The temperature minimising the mean NLL of softmax (logits / T), searched over
 * T in [0.05, 20]. */
double nn_calibration_fit_temperature (const float *logits, const guint8 *labels, int n,
                                       int classes);

/* The layer that makes the logits: the output layer when it is a Dense, or the
 * Dense feeding a final softmax Activation; -1 when there is none. */
int nn_calibration_logit_layer (const NnModel *m);
/* Divides the logit layer's kernel and bias by T. NN_ERROR_UNSUPPORTED when the
 * model's logits do not come from a Dense layer with a linear or softmax
 * activation. */
gboolean nn_calibration_fold (NnModel *m, double temperature, GError **error);

/* Logits (ds->n, classes) of every image, from an inference workspace. FALSE only
 * when cancelled. */
gboolean nn_calibration_logits (NnModel *m, NnWorkspace *ws, const NnDataset *ds, float *logits,
                                GCancellable *cancellable, GError **error);

typedef struct {
  double temperature;             /* folded now */
  double ece_before, ece_after;   /* on the held-out images, 0..1 */
  double nll_before, nll_after;
} NnCalibrationReport;

/* Fits T on held-out images val (never the ones trained on), folds it into m and
 * records in m->metadata "temperature", the product of every T folded so far.
 * ws: an inference workspace of m. NN_ERROR_UNSUPPORTED as nn_calibration_fold;
 * FALSE also when cancelled. */
gboolean nn_calibration_calibrate (NnModel *m, NnWorkspace *ws, const NnDataset *val,
                                   NnCalibrationReport *report, GCancellable *cancellable,
                                   GError **error);

G_END_DECLS
