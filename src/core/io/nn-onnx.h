/* nn-onnx.h: ONNX files (https://onnx.ai), written with protobuf-c from the onnx.proto
 * of the ONNX project (Debian's libonnx-dev), compiled when meson found protobuf-c
 * (the `onnx` feature option; NN_HAVE_ONNX is then defined for users of core_io_dep).
 *
 * Export (nn_onnx_save) writes any finished model as an opset-13 graph that takes what
 * the Keras model takes, float NHWC images [N, 28, 28, 1] in [0, 1] with a symbolic
 * batch "N", and returns what nn_model_predict returns, the probabilities [N, classes].
 * Inside, the graph runs NCHW (a Transpose after the input), as ONNX runtimes prefer:
 *   Conv2D                 Conv (weights HWIO -> OIHW), 'same' as explicit TF pads
 *   DepthwiseConv2D        Conv with group = C
 *   SeparableConv2D        that Conv, then a 1x1 Conv
 *   BatchNormalization     BatchNormalization (runtimes fold it into the Conv)
 *   activations            Relu, Clip (relu6), Sigmoid, Tanh, Softmax (axis 1), Elu,
 *                          x * Sigmoid(x) (silu), x * (1 + Erf(x / sqrt 2)) / 2 (gelu)
 *   Max/AveragePooling2D   MaxPool / AveragePool (padding not counted, as in Keras)
 *   GlobalAveragePooling2D GlobalAveragePool
 *   Flatten, Reshape       Transpose back to NHWC first, so the values keep Keras's order
 *   Dense                  Gemm on vectors, a 1x1 Conv on images (Keras: the last axis)
 *   Rescaling              Mul, Add
 *   Add, Concatenate       Add, Concat (axis 1, the channels)
 *   Dropout                nothing (inference)
 */
#pragma once

#include <glib.h>
#include "nn-model.h"

G_BEGIN_DECLS

#define NN_ONNX_OPSET 13

/* Writes model (finished) to path as ONNX, atomically: "PATH.XXXXXX" beside it,
 * renamed over path once complete (nn_keras_remove_partial_saves covers it). A layer
 * that ONNX cannot express is an NN_ERROR_UNSUPPORTED naming the layer. */
gboolean nn_onnx_save (const NnModel *model, const char *path, GError **error);

/* Reads an ONNX model as PyTorch (torch.onnx.export), tf2onnx or nn_onnx_save write
 * them for MNIST: Conv (groups 1 or depthwise), Gemm, MatMul (+ Add as its bias),
 * BatchNormalization, Relu, Clip (relu6), Sigmoid, Tanh, Elu, Softmax, LogSoftmax,
 * MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Transpose (NHWC <-> NCHW),
 * Add, Sub, Mul, Div (by a scalar), Concat, Dropout, Identity and Constant, with one
 * float input [N, 1, 28, 28], [N, 28, 28, 1], [N, 28, 28] or [N, 784] (N symbolic or
 * 1). A graph whose output is not a softmax (logits, log-probabilities) gets one, so
 * the model gives probabilities. Anything else is an NN_ERROR_UNSUPPORTED naming the
 * node, its op type and the attribute. Sizes are checked before they are allocated. */
NnModel *nn_onnx_load (const char *path, GError **error);

G_END_DECLS
