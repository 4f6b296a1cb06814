/* nn-model.h: a model is a graph of layers in topological order.
 *
 * layers[0] is always the InputLayer. Every other layer reads the outputs of
 * earlier layers only, so one pass in index order runs the graph. All variables
 * sit in one allocation (params), and all their gradients in another of the same
 * layout (grads), as in llm.c.
 *
 * Building a model:
 *   NnModel *m = nn_model_new ("sequential", NN_MODEL_SEQUENTIAL);
 *   nn_model_add_input (m, (NnShape){28, 28, 1}, NN_INPUT_IMAGE, "input_layer");
 *   int l = nn_model_add_conv2d (m, "conv2d", prev, &(NnConvConfig){...});
 *   ...
 *   nn_model_finish (m, &error);      // shapes checked, variables allocated
 *
 * Running it:
 *   NnWorkspace *ws = nn_workspace_new (m, max_batch, NN_MODE_INFERENCE);
 *   nn_model_predict (m, ws, x, n, probs);          // x (N, 28, 28, 1), probs (N, 10)
 * The workspace owns every activation buffer, so no call allocates per batch.
 */
#pragma once

#include <glib.h>
#include "nn-layer.h"

G_BEGIN_DECLS

typedef enum {
  NN_MODEL_SEQUENTIAL,
  NN_MODEL_FUNCTIONAL,
} NnModelStyle;

/* How the declared Keras input was spelled; all three are MNIST layouts. */
typedef enum {
  NN_INPUT_IMAGE, /* (28, 28, 1) */
  NN_INPUT_MATRIX,/* (28, 28) */
  NN_INPUT_FLAT,  /* (784,) */
} NnInputLayout;

typedef enum {
  NN_MODE_INFERENCE, /* dropout off, BatchNormalization uses moving statistics */
  NN_MODE_TRAINING,  /* dropout on, BatchNormalization uses and updates batch statistics */
} NnMode;

typedef struct {
  char *name;            /* Keras model name, e.g. "sequential_1" */
  NnModelStyle style;
  NnInputLayout input_layout;
  NnLayer *layers;       /* n_layers, topological order, layers[0] is the input */
  int n_layers;
  int output;            /* index of the output layer */
  int n_classes;         /* size of the output vector */
  /* TRUE when the output layer ends in softmax (Dense or Activation): forward
   * passes then stop at the logits, and probabilities add the softmax back. */
  gboolean output_softmax;

  float *params;         /* all variables, one allocation, NnVar.offset into it */
  float *grads;          /* same layout as params */
  size_t n_params;
  /* Unique to these weights, over the program's life: nn_model_params_changed
   * gives a new one. Workspaces keep what they derive from the weights (the
   * Winograd kernels) until it changes. */
  guint64 params_version;

  /* Keras-only items (version, save date, compile_config, layers' extra config)
   * live in io's NnKerasInfo, not here. */
  GHashTable *metadata;  /* extra string metadata (e.g. "test_accuracy"); may be NULL */

  int n_threads;         /* batch split across this many threads (default 1) */
} NnModel;

NnModel   *nn_model_new (const char *name, NnModelStyle style);
void       nn_model_free (NnModel *model);
NnModel   *nn_model_copy (const NnModel *model); /* deep copy, including params */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_free)

/* Builders return the new layer's index, or -1 (with a g_critical) on misuse. */
int nn_model_add_input (NnModel *m, NnShape shape, NnInputLayout layout, const char *name);
int nn_model_add_layer (NnModel *m, const NnLayer *proto); /* copies name and config */
int nn_model_add_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg);
int nn_model_add_depthwise_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg);
int nn_model_add_separable_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg);
int nn_model_add_batch_norm (NnModel *m, const char *name, int input, const NnBatchNormConfig *cfg);
int nn_model_add_activation (NnModel *m, const char *name, int input, NnActivation act);
int nn_model_add_max_pool (NnModel *m, const char *name, int input, const NnPoolConfig *cfg);
int nn_model_add_avg_pool (NnModel *m, const char *name, int input, const NnPoolConfig *cfg);
int nn_model_add_global_avg_pool (NnModel *m, const char *name, int input);
int nn_model_add_dropout (NnModel *m, const char *name, int input, float rate);
int nn_model_add_flatten (NnModel *m, const char *name, int input);
int nn_model_add_reshape (NnModel *m, const char *name, int input, NnShape target);
int nn_model_add_rescaling (NnModel *m, const char *name, int input, float scale, float offset);
int nn_model_add_dense (NnModel *m, const char *name, int input, const NnDenseConfig *cfg);
int nn_model_add_add (NnModel *m, const char *name, const int *inputs, int n_inputs);
int nn_model_add_concatenate (NnModel *m, const char *name, const int *inputs, int n_inputs);

/* Infers every shape, checks that they fit (GError naming the layer otherwise),
 * lays out and zero-allocates params and grads, and sets output, n_classes and
 * output_softmax. The last layer added is the output. */
gboolean nn_model_finish (NnModel *m, GError **error);

typedef enum {
  NN_INIT_GLOROT_UNIFORM, /* Keras's default: U(+-sqrt(6 / (fan_in + fan_out))) */
  NN_INIT_FAN_IN_UNIFORM, /* U(+-1 / sqrt(fan_in)); Keras: VarianceScaling(1/3, fan_in, uniform) */
} NnInit;

/* Glorot-uniform kernels, zero biases, BN gamma 1 / beta 0 / mean 0 / var 1. */
void     nn_model_init_weights (NnModel *m, guint64 seed);
/* The same with another rule for the kernels. */
void     nn_model_init_weights_with (NnModel *m, guint64 seed, NnInit init);
/* NN_ERROR_NUMERIC naming the first layer and variable holding a NaN or Inf. */
gboolean nn_model_check_finite (const NnModel *m, GError **error);

int      nn_model_find_layer (const NnModel *m, const char *name); /* -1 if absent */
size_t   nn_model_count_params (const NnModel *m, gboolean trainable_only);
size_t   nn_layer_count_params (const NnLayer *layer);
/* Multiply-add FLOPs (two per multiply-add) of one image's forward pass through
 * the convolutions and Dense layers, the count PyTorch's and Keras's FLOP tables
 * give; a training step costs about three times it (forward, dX and dW). */
double   nn_model_forward_flops (const NnModel *m);
static inline float *
nn_model_var_data (const NnModel *m, const NnVar *v)
{
  return m->params + v->offset;
}
void     nn_model_set_threads (NnModel *m, int n_threads);
/* Code that writes m->params itself (a loader, an optimizer, a test) calls this
 * afterwards, so that workspaces redo what they derived from the weights. Builds
 * with assertions check that no pass sees changed weights under an old version. */
void     nn_model_params_changed (NnModel *m);

/* ---- running ---------------------------------------------------------------- */

typedef struct _NnWorkspace NnWorkspace; /* opaque: activations, scratch, per-thread grads */

/* Workspaces run the batch split over m->n_threads threads of their own, and set
 * OpenBLAS to one thread (BLAS threads would compete with them). Do not change
 * n_threads between a forward pass and its backward pass. */
NnWorkspace *nn_workspace_new (const NnModel *m, int max_batch, NnMode mode);
/* The most memory one workspace may take when its model came from a file. */
#define NN_WORKSPACE_MAX_BYTES ((guint64) 1 << 30)
/* What nn_workspace_new_checked would allocate, from the shapes alone (activations,
 * scratch and, in training, the gradient buffers of every thread); never overflows,
 * saturating at G_MAXUINT64. */
guint64      nn_workspace_estimate_bytes (const NnModel *m, int max_batch, NnMode mode);
/* nn_workspace_new for models read from files: above NN_WORKSPACE_MAX_BYTES, or
 * when the memory cannot be had, NULL with NN_ERROR_UNSUPPORTED saying how much
 * the batch would need (nn_workspace_new aborts instead, as g_new does). It also
 * allocates up front what passes would otherwise allocate later (the gradient
 * buffers of training, the scratch of m->n_threads threads). */
NnWorkspace *nn_workspace_new_checked (const NnModel *m, int max_batch, NnMode mode,
                                       GError **error);
/* The same for a batch of max_batch images or, when that would pass the limit, of
 * fewer (halving): for passes whose results do not depend on the batch (inference,
 * evaluation). nn_workspace_max_batch tells the batch it got. */
NnWorkspace *nn_workspace_new_up_to (const NnModel *m, int max_batch, NnMode mode,
                                     GError **error);
void         nn_workspace_free (NnWorkspace *ws);
int          nn_workspace_max_batch (const NnWorkspace *ws);
/* Work beside the passes, shared out over the workspace's threads: job (data,
 * tid, n_threads) runs once on each, the caller's as tid 0 (once, as 0 of 1,
 * without a pool), and this returns when all are done. */
typedef void (*NnWorkspaceJob) (void *data, int tid, int n_threads);
void         nn_workspace_share_out (NnWorkspace *ws, NnWorkspaceJob job, void *data);
/* Thread tid of n_threads's share [*lo, *hi) of n floats: whole cache lines of 16
 * floats, so that no two threads write the same line, but the last. */
void         nn_workspace_share_range (size_t n, int tid, int n_threads, size_t *lo, size_t *hi);
/* Seeds the dropout masks of the next training forward pass (deterministic). */
void         nn_workspace_set_seed (NnWorkspace *ws, guint64 seed);

/* Runs the graph on x (N, input shape), N <= max_batch. Returns the logits
 * (N, n_classes), owned by the workspace: the output layer's values, with a final
 * softmax left out when output_softmax is set. In NN_MODE_TRAINING,
 * BatchNormalization moving statistics are updated in m->params. */
const float *nn_model_forward (NnModel *m, NnWorkspace *ws, const float *x, int n);

/* Back-propagates dlogits (N, n_classes), the gradient of the loss with respect to
 * the logits the last forward returned (already divided by N for a mean loss).
 * Overwrites m->grads with the gradients of every trainable variable (frozen and
 * non-trainable variables get 0). If dx is not NULL it receives d loss / d x. */
void nn_model_backward (NnModel *m, NnWorkspace *ws, const float *dlogits, int n, float *dx);

/* Output of any layer after the last forward: (N, layer out_shape), owned by ws;
 * NULL for a map that a training workspace keeps only a chunk at a time
 * (nn-plan.h, out_local). */
const float *nn_workspace_layer_output (const NnWorkspace *ws, int layer);
/* Gradient with respect to a layer's output after the last backward, or NULL. */
const float *nn_workspace_layer_grad (const NnWorkspace *ws, int layer);

/* nn_model_forward in an NN_MODE_INFERENCE workspace for callers that read only
 * the logits and the output layer's inputs (the feature space): Conv ->
 * BatchNormalization -> relu may run as one kernel, so other layers' values in ws
 * are not meaningful afterwards. */
const float *nn_model_forward_logits (NnModel *m, NnWorkspace *ws, const float *x, int n);

/* Inference on N images: probabilities (N, n_classes). Splits big N into chunks
 * of the workspace's max batch. ws must be an NN_MODE_INFERENCE workspace.
 * It may fuse Conv -> BatchNormalization -> relu into one kernel, so afterwards
 * only the output layer's values in ws are meaningful (use nn_model_forward to
 * read intermediate layers). */
void nn_model_predict (NnModel *m, NnWorkspace *ws, const float *x, int n, float *probs);
/* nn_model_predict, then NN_ERROR_NUMERIC if any probability is NaN or infinite:
 * finite weights can still overflow float arithmetic (3e38 everywhere), and such an
 * answer must not be shown as a digit. probs holds the values either way. */
gboolean nn_model_predict_checked (NnModel *m, NnWorkspace *ws, const float *x, int n,
                                   float *probs, GError **error);

/* Numerically stable softmax of each row. */
void nn_softmax_rows (float *out, const float *logits, int n, int classes);

G_END_DECLS
