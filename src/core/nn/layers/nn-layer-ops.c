/* nn-layer-ops.c: the table from layer kind to its functions (forward,
 * backward, sizes), each defined in its family's file in this folder. */
#include "nn-private.h"

static const NnLayerOps *const ops[NN_LAYER_N_KINDS] = {
  [NN_LAYER_CONV2D] = &nn_conv2d_ops,
  [NN_LAYER_DEPTHWISE_CONV2D] = &nn_depthwise_ops,
  [NN_LAYER_SEPARABLE_CONV2D] = &nn_separable_ops,
  [NN_LAYER_BATCH_NORM] = &nn_batch_norm_ops,
  [NN_LAYER_ACTIVATION] = &nn_activation_ops,
  [NN_LAYER_MAX_POOL] = &nn_max_pool_ops,
  [NN_LAYER_AVG_POOL] = &nn_avg_pool_ops,
  [NN_LAYER_GLOBAL_AVG_POOL] = &nn_gap_ops,
  [NN_LAYER_DROPOUT] = &nn_dropout_ops,
  [NN_LAYER_FLATTEN] = &nn_copy_ops,
  [NN_LAYER_RESHAPE] = &nn_copy_ops,
  [NN_LAYER_RESCALING] = &nn_rescaling_ops,
  [NN_LAYER_DENSE] = &nn_dense_ops,
  [NN_LAYER_ADD] = &nn_add_ops,
  [NN_LAYER_CONCATENATE] = &nn_concat_ops,
};

const NnLayerOps *
nn_layer_ops (NnLayerKind kind)
{
  g_assert (kind > NN_LAYER_INPUT && kind < NN_LAYER_N_KINDS && ops[kind] != NULL);
  return ops[kind];
}

NnLayerSizes
nn_layer_sizes (const NnLayer *l, int n, NnMode mode)
{
  NnLayerSizes s = { 0 };
  if (l->kind != NN_LAYER_INPUT)
    nn_layer_ops (l->kind)->sizes (l, n, mode, &s);
  return s;
}
