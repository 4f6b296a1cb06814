/* nn-layer.h: the layers of the engine and their Keras configuration.
 *
 * A layer is a plain struct: what kind it is, its Keras name, which layers feed it,
 * the shape it produces, its kind-specific configuration, and its variables. The
 * variables live in the model's single parameter allocation (see nn-model.h); a
 * layer only records where.
 *
 * The kinds are implemented by family under nn/layers/ (nn-conv.c, nn-dense.c,
 * nn-norm.c, nn-pool.c, nn-elementwise.c) as paired forward and backward functions
 * and the sizes they need, dispatched through the per-kind table in
 * layers/nn-layer-ops.c; the vectorised kernels they call live in nn/kernels/.
 * docs/ENGINE.md tells how the pieces fit.
 */
#pragma once

#include <glib.h>
#include "nn-tensor.h"

G_BEGIN_DECLS

#define NN_MAX_INPUTS 8 /* Add / Concatenate fan-in */
#define NN_MAX_VARS   4 /* BatchNormalization has the most: gamma beta mean variance */

typedef enum {
  NN_LAYER_INPUT,
  NN_LAYER_CONV2D,
  NN_LAYER_DEPTHWISE_CONV2D,
  NN_LAYER_SEPARABLE_CONV2D,
  NN_LAYER_BATCH_NORM,
  NN_LAYER_ACTIVATION,
  NN_LAYER_MAX_POOL,
  NN_LAYER_AVG_POOL,
  NN_LAYER_GLOBAL_AVG_POOL,
  NN_LAYER_DROPOUT,
  NN_LAYER_FLATTEN,
  NN_LAYER_RESHAPE,
  NN_LAYER_RESCALING,
  NN_LAYER_DENSE,
  NN_LAYER_ADD,
  NN_LAYER_CONCATENATE,
  NN_LAYER_N_KINDS
} NnLayerKind;

typedef enum {
  NN_ACT_LINEAR,
  NN_ACT_RELU,
  NN_ACT_RELU6,
  NN_ACT_SIGMOID,
  NN_ACT_TANH,
  NN_ACT_SOFTMAX,
  NN_ACT_ELU,
  NN_ACT_GELU,   /* Keras default approximate=False: x * Phi(x) with erf */
  NN_ACT_SILU,   /* also "swish" */
  NN_ACT_N_KINDS
} NnActivation;

typedef enum {
  NN_PAD_VALID,
  NN_PAD_SAME,   /* TensorFlow rule: extra padding goes to the bottom/right */
} NnPadding;

/* Conv2D, DepthwiseConv2D and SeparableConv2D. */
typedef struct {
  int filters;          /* Conv2D / Separable output channels; Depthwise: C * M */
  int depth_multiplier; /* Depthwise / Separable; 1 otherwise */
  int kh, kw;
  int stride_h, stride_w;
  NnPadding padding;
  gboolean use_bias;
  NnActivation activation; /* fused, applied after bias */
} NnConvConfig;

typedef struct {
  float momentum; /* Keras: moving = moving * momentum + batch * (1 - momentum) */
  float epsilon;
  gboolean center, scale; /* a disabled beta/gamma has no variable */
} NnBatchNormConfig;

typedef struct {
  int pool_h, pool_w;
  int stride_h, stride_w;
  NnPadding padding;
} NnPoolConfig;

typedef struct {
  int units;
  gboolean use_bias;
  NnActivation activation;
} NnDenseConfig;

typedef struct {
  float rate;
} NnDropoutConfig;

typedef struct {
  float scale, offset; /* y = x * scale + offset */
} NnRescalingConfig;

typedef struct {
  NnActivation activation;
} NnActivationConfig;

typedef struct {
  int axis; /* Concatenate: -1 (channels) is the only one supported */
} NnConcatConfig;

/* One variable of a layer, in Keras's order within the layer's "vars" group. */
typedef struct {
  const char *role;  /* "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance",
                        "depthwise_kernel", "pointwise_kernel" (static strings) */
  int ndim;
  int dims[4];       /* Keras shape, e.g. (KH, KW, Cin, Cout) */
  size_t offset;     /* into NnModel.params (and .grads) */
  size_t size;       /* product of dims */
  gboolean trainable;/* FALSE for BatchNormalization moving statistics */
} NnVar;

typedef struct {
  NnLayerKind kind;
  char *name;        /* Keras layer name, e.g. "conv2d_1" */
  gboolean trainable;/* Keras trainable flag; FALSE freezes all its variables */
  int n_inputs;
  int inputs[NN_MAX_INPUTS]; /* indices of producer layers in NnModel.layers */
  NnShape in_shape;  /* shape of inputs[0] (per sample) */
  NnShape out_shape; /* per sample */
  union {
    NnConvConfig conv;
    NnBatchNormConfig bn;
    NnPoolConfig pool;
    NnDenseConfig dense;
    NnDropoutConfig dropout;
    NnRescalingConfig rescaling;
    NnActivationConfig act;
    NnConcatConfig concat;
    NnShape reshape; /* target shape; for Reshape layers */
  } cfg;
  int n_vars;
  NnVar vars[NN_MAX_VARS];
} NnLayer;

const char  *nn_layer_kind_to_keras (NnLayerKind kind);      /* "Conv2D" */
gboolean     nn_layer_kind_from_keras (const char *class_name, NnLayerKind *out);
const char  *nn_activation_to_keras (NnActivation act);      /* "relu" */
gboolean     nn_activation_from_keras (const char *name, NnActivation *out);
/* TRUE for kinds whose output keeps a spatial (H, W) grid: a Grad-CAM target. */
gboolean     nn_layer_is_spatial (const NnLayer *layer);
gboolean     nn_layer_is_convolutional (const NnLayer *layer);

G_END_DECLS
