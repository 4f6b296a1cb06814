/* nn-explain.h: where a model looked, by four methods behind one call.
 *
 *   gradcam    Grad-CAM (nn-gradcam.h) on a spatial layer: relu (sum_k alpha_k A_k),
 *              alpha_k the mean gradient of the class logit over channel k's grid.
 *   gradcam++  Grad-CAM++ (Chattopadhay et al. 2018) on a spatial layer, with the
 *              usual exp(logit) closed form: per position
 *                a_kij = g^2 / (2 g^2 + sum_ab A_kab g^3),  g = d logit / d A_kij,
 *              w_k = sum_ij a_kij relu (g_kij),  cam = relu (sum_k w_k A_k).
 *   ig         integrated gradients (Sundararajan et al. 2017) on the input from a
 *              black baseline: x_i times the mean gradient along the straight path,
 *              by the trapezoid rule over NN_EXPLAIN_IG_STEPS intervals, so the
 *              attributions add up to logit (x) - logit (black).
 *   occlusion  a P x P black patch slid with stride S: each pixel gets the mean
 *              logit drop of the patches that cover it (signed).
 *
 * Every map is 28 x 28 row-major on the model's input grid. The Grad-CAM family is
 * upsampled bilinearly and scaled to [0, 1]; ig and occlusion keep their units
 * (logit), signed, so that their sums mean something. nn_explain_display_map()
 * turns any of them into [0, 1] for drawing.
 *
 * The explainer runs the model's forward and backward passes: backward overwrites
 * m->grads (the weight gradients), so never explain a model that is being trained.
 */
#pragma once

#include "nn-model.h"

G_BEGIN_DECLS

typedef enum {
  NN_EXPLAIN_GRADCAM,
  NN_EXPLAIN_GRADCAM_PP,
  NN_EXPLAIN_IG,
  NN_EXPLAIN_OCCLUSION,
  NN_EXPLAIN_N_METHODS
} NnExplainMethod;

/* Trapezoid intervals from black to the image. ReLU networks are piecewise linear
 * along the path, so the rule's error falls as 1 / steps: on the shipped advanced
 * model 32 steps missed the logit difference by 6% (a drawn seven), 64 by 0.6%. */
#define NN_EXPLAIN_IG_STEPS        64
#define NN_EXPLAIN_OCCLUSION_PATCH  4 /* side of the black patch */
#define NN_EXPLAIN_OCCLUSION_STRIDE 2 /* its step; the last row and column reach the edge */

typedef struct {
  NnExplainMethod method;
  int layer;          /* the feature map (Grad-CAM family), 0 (the input) otherwise */
  int class_index;    /* the class explained */
  float score;        /* its logit on x */
  float map[28 * 28]; /* row-major; see the opening comment for each method's units */
} NnExplanation;

/* "gradcam", "gradcam++", "ig", "occlusion" and back; FALSE for an unknown name. */
const char *nn_explain_method_name (NnExplainMethod method);
gboolean    nn_explain_method_from_name (const char *name, NnExplainMethod *out);
/* TRUE for the methods that work on a feature map and take a layer. */
gboolean    nn_explain_method_uses_layer (NnExplainMethod method);

/* The method to show when none is asked for: integrated gradients, the most
 * faithful of the four on the shipped models (models/README.md has the figures). */
#define NN_EXPLAIN_DEFAULT_METHOD NN_EXPLAIN_IG

/* The layer a method uses when none is named. For the Grad-CAM family: the layer
 * measured as the most faithful for this model and method, when its metadata names
 * one (nn_explain_layer_key(): `digits-cli explain --score --layer all --output`
 * stores the layer with the lowest deletion AUC); else, for a model never measured,
 * the first spatial layer whose grid is at most half the input's side (the first
 * pooling's output, where Grad-CAM++ was the most faithful or nearly so on every
 * model measured; see models/README.md); else the last spatial layer; -1 when the
 * model has none. 0 for the input-space methods. */
int nn_explain_default_layer (const NnModel *m, NnExplainMethod method);

/* The metadata key naming a Grad-CAM method's measured layer
 * ("explain_layer_gradcam", "explain_layer_gradcam++"); NULL for the others. */
const char *nn_explain_layer_key (NnExplainMethod method);

typedef struct _NnExplainer NnExplainer;

/* An explainer owns the workspaces its methods need (inference mode, up to 64
 * images per pass). NULL with NN_ERROR_UNSUPPORTED when the memory cannot be had. */
NnExplainer *nn_explainer_new (NnModel *m, GError **error);
/* The same with passes of at most max_batch images (1 to 64): the same maps from
 * less memory (a batch-64 workspace of the advanced model holds about 80 MB of
 * activations), in more, smaller passes. */
NnExplainer *nn_explainer_new_batch (NnModel *m, int max_batch, GError **error);
void         nn_explainer_free (NnExplainer *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnExplainer, nn_explainer_free)

/* Explains class class_index (< 0: the predicted class) of x, one image (28, 28, 1)
 * in [0, 1]. layer < 0 picks nn_explain_default_layer(); the input-space methods
 * ignore layer. A layer that is not a spatial feature map, or a model without one,
 * is an NN_ERROR naming the model. */
gboolean nn_explainer_explain (NnExplainer *e, NnExplainMethod method, int layer,
                               const float *x, int class_index, NnExplanation *out,
                               GError **error);

/* The map for drawing, in [0, 1]: its positive part divided by its maximum for the
 * Grad-CAMs; for integrated gradients and occlusion by the NN_EXPLAIN_DISPLAY_PERCENTILE
 * percentile of the positive values (when at least NN_EXPLAIN_DISPLAY_MIN_PIXELS are
 * positive; the maximum otherwise), the few pixels above it shown at full heat.
 * All 0 when nothing is positive. */
#define NN_EXPLAIN_DISPLAY_PERCENTILE 95
#define NN_EXPLAIN_DISPLAY_MIN_PIXELS 20
void nn_explain_display_map (const NnExplanation *ex, float out[28 * 28]);

G_END_DECLS
