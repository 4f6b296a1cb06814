/* nn-shape.h: the one shape inference of the engine: from a model's layers
 * and configs to every layer's input and output shape and its variables'
 * dimensions, with checked arithmetic, before anything is allocated. Used by
 * nn_model_finish and, with tighter limits, by the .keras reader before it
 * trusts a file's config. */
#pragma once

#include "nn-layer.h"

G_BEGIN_DECLS

/* Refuse, naming the layer, a model whose weights (floats, all layers so far)
 * or one layer's output (floats per image) exceed these. 0: no limit beyond
 * the engine's own (an output of at most NN_SHAPE_MAX_OUTPUT values). */
typedef struct {
  guint64 max_params;
  guint64 max_output;
} NnShapeLimits;

#define NN_SHAPE_MAX_OUTPUT (G_GUINT64_CONSTANT (1) << 28)

/* Sets in_shape, out_shape and the variables' dims and sizes (not their offsets)
 * of every layer of a model (m->layers, m->n_layers) in order. Errors name the
 * layer: NN_ERROR_SHAPE when shapes do not fit together or are empty or absurd,
 * NN_ERROR_UNSUPPORTED past a limit. */
gboolean nn_layers_infer_shapes (NnLayer *layers, int n_layers, const NnShapeLimits *limits,
                                 GError **error);

/* Convolution and pooling geometry, TensorFlow's rules: output size, and the
 * padding before the first row/column (the extra one of an odd total goes after). */
int nn_conv_out_size (int in, int k, int stride, NnPadding pad);
int nn_conv_pad_before (int in, int out, int k, int stride, NnPadding pad);

G_END_DECLS
