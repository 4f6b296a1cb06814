/* nn-gradcam.h: where the model looked.
 *
 * Grad-CAM (Selvaraju et al.) with the gradient of the class *score*, the logit
 * before softmax: a confident model's softmax saturates and gives all-zero maps.
 *   alpha_k = mean over (i, j) of d score_c / d A_k(i, j)
 *   cam     = relu( sum_k alpha_k * A_k )        on the feature map's grid
 * then bilinearly resized to the input's 28 x 28 and scaled to [0, 1].
 */
#pragma once

#include "nn-model.h"

G_BEGIN_DECLS

typedef struct {
  int layer;          /* the feature-map layer used */
  int class_index;    /* the class explained */
  float score;        /* its logit */
  int grid_h, grid_w; /* the feature map's spatial size */
  float heatmap[28 * 28]; /* in [0, 1], 28 x 28 row-major; all 0 if cam was all 0 */
} NnGradCam;

/* The last layer whose output keeps a spatial grid larger than 1 x 1, or -1. */
int nn_gradcam_default_layer (const NnModel *m);

/* x is one image (28, 28, 1) in [0, 1]. class_index < 0 explains the predicted
 * class; layer < 0 picks nn_gradcam_default_layer(). A model with no spatial
 * layer gives NN_ERROR_UNSUPPORTED with a message saying so. ws may be any
 * workspace of m with max_batch >= 1 in NN_MODE_INFERENCE. */
gboolean nn_gradcam_compute (NnModel *m, NnWorkspace *ws, const float *x, int class_index,
                             int layer, NnGradCam *out, GError **error);

G_END_DECLS
