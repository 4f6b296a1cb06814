/* nn-layer.c: names of layer kinds and activations, as Keras spells them. */
#include <string.h>
#include "nn-layer.h"

static const char *const kind_names[NN_LAYER_N_KINDS] = {
  [NN_LAYER_INPUT] = "InputLayer",
  [NN_LAYER_CONV2D] = "Conv2D",
  [NN_LAYER_DEPTHWISE_CONV2D] = "DepthwiseConv2D",
  [NN_LAYER_SEPARABLE_CONV2D] = "SeparableConv2D",
  [NN_LAYER_BATCH_NORM] = "BatchNormalization",
  [NN_LAYER_ACTIVATION] = "Activation",
  [NN_LAYER_MAX_POOL] = "MaxPooling2D",
  [NN_LAYER_AVG_POOL] = "AveragePooling2D",
  [NN_LAYER_GLOBAL_AVG_POOL] = "GlobalAveragePooling2D",
  [NN_LAYER_DROPOUT] = "Dropout",
  [NN_LAYER_FLATTEN] = "Flatten",
  [NN_LAYER_RESHAPE] = "Reshape",
  [NN_LAYER_RESCALING] = "Rescaling",
  [NN_LAYER_DENSE] = "Dense",
  [NN_LAYER_ADD] = "Add",
  [NN_LAYER_CONCATENATE] = "Concatenate",
};

static const char *const act_names[NN_ACT_N_KINDS] = {
  [NN_ACT_LINEAR] = "linear",
  [NN_ACT_RELU] = "relu",
  [NN_ACT_RELU6] = "relu6",
  [NN_ACT_SIGMOID] = "sigmoid",
  [NN_ACT_TANH] = "tanh",
  [NN_ACT_SOFTMAX] = "softmax",
  [NN_ACT_ELU] = "elu",
  [NN_ACT_GELU] = "gelu",
  [NN_ACT_SILU] = "silu",
};

const char *
nn_layer_kind_to_keras (NnLayerKind kind)
{
  g_return_val_if_fail (kind >= 0 && kind < NN_LAYER_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
nn_layer_kind_from_keras (const char *class_name, NnLayerKind *out)
{
  g_return_val_if_fail (class_name != NULL, FALSE);
  for (int k = 0; k < NN_LAYER_N_KINDS; k++)
    if (strcmp (class_name, kind_names[k]) == 0)
      {
        if (out)
          *out = k;
        return TRUE;
      }
  /* Keras keeps aliases for the pooling layers. */
  static const struct { const char *alias; NnLayerKind kind; } aliases[] = {
    { "MaxPool2D", NN_LAYER_MAX_POOL },
    { "AvgPool2D", NN_LAYER_AVG_POOL },
    { "GlobalAvgPool2D", NN_LAYER_GLOBAL_AVG_POOL },
    { "SeparableConvolution2D", NN_LAYER_SEPARABLE_CONV2D },
    { "Convolution2D", NN_LAYER_CONV2D },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (strcmp (class_name, aliases[i].alias) == 0)
      {
        if (out)
          *out = aliases[i].kind;
        return TRUE;
      }
  return FALSE;
}

const char *
nn_activation_to_keras (NnActivation act)
{
  g_return_val_if_fail (act >= 0 && act < NN_ACT_N_KINDS, NULL);
  return act_names[act];
}

gboolean
nn_activation_from_keras (const char *name, NnActivation *out)
{
  g_return_val_if_fail (name != NULL, FALSE);
  NnActivation act;
  if (strcmp (name, "swish") == 0)
    act = NN_ACT_SILU;
  else
    {
      for (act = 0; act < NN_ACT_N_KINDS; act++)
        if (strcmp (name, act_names[act]) == 0)
          break;
      if (act == NN_ACT_N_KINDS)
        return FALSE;
    }
  if (out)
    *out = act;
  return TRUE;
}

gboolean
nn_layer_is_convolutional (const NnLayer *layer)
{
  g_return_val_if_fail (layer != NULL, FALSE);
  return layer->kind == NN_LAYER_CONV2D || layer->kind == NN_LAYER_DEPTHWISE_CONV2D
         || layer->kind == NN_LAYER_SEPARABLE_CONV2D;
}

gboolean
nn_layer_is_spatial (const NnLayer *layer)
{
  g_return_val_if_fail (layer != NULL, FALSE);
  switch (layer->kind)
    {
    case NN_LAYER_INPUT: /* the image itself explains nothing */
    case NN_LAYER_GLOBAL_AVG_POOL:
    case NN_LAYER_FLATTEN:
      return FALSE;
    default:
      /* A reshape or an element-wise layer may or may not keep a grid: look at it. */
      return layer->out_shape.h > 1 || layer->out_shape.w > 1;
    }
}
