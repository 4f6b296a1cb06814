/* nn-model-file.h: a model file of either kind Digits opens, told apart by its name.
 * A name ending in ".onnx" (any case) is ONNX (nn-onnx.h), read in-process with caps
 * on every size; any other is a Keras 3 .keras file (nn-keras.h), read in the
 * sandboxed digits-model-reader unless the caller trusts it (its own shipped models).
 * Saving picks the format the same way. */
#pragma once

#include <glib.h>
#include "nn-model.h"
#include "nn-keras-options.h"

G_BEGIN_DECLS

/* TRUE when name ends in ".onnx", in any case. */
gboolean nn_model_file_is_onnx (const char *name);
/* TRUE when name ends in ".keras" or ".onnx": a file to list among the models. */
gboolean nn_model_file_is_model (const char *name);
/* The file's name without its folder and without ".keras" or ".onnx". */
char    *nn_model_file_title (const char *path);

/* Reads path as above. info (may be NULL) gets the .keras file's Keras-only items
 * (nn_keras_load_with_info), or empty ones for ONNX. A program built without ONNX
 * support answers an .onnx file with NN_ERROR_UNSUPPORTED. */
NnModel *nn_model_file_load (const char *path, gboolean trusted, NnKerasInfo **info,
                             GError **error);
/* Writes model to path, atomically: ONNX for an .onnx name (nn_onnx_save; options
 * are not used), else .keras (nn_keras_save with options, which may be NULL). */
gboolean nn_model_file_save (const NnModel *model, const char *path,
                             const NnKerasSaveOptions *options, GError **error);

G_END_DECLS
