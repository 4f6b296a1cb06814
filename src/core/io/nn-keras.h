/* nn-keras.h: Keras 3 ".keras" files (see ../shared/docs/KERAS_FORMAT.md).
 *
 * A .keras file is a stored zip of metadata.json, config.json and model.weights.h5.
 * Loading accepts Sequential and Functional models (with nested Sequential models
 * and the legacy _layer_checkpoint_dependencies weight layout) whose input is an
 * MNIST layout: (28, 28, 1), (28, 28) or (784,). Anything else is a GError that
 * names the file, the layer and the option. The loader never crashes on a hostile file.
 *
 * Saving writes what Keras 3.12 writes, in its entry order, to "PATH.XXXXXX" in the
 * same folder and renames it over PATH only once complete, so a failure never
 * destroys an existing file.
 */
#pragma once

#include <glib.h>
#include "nn-model.h"

G_BEGIN_DECLS

/* Optimizer variables to store under optimizer/vars (Keras order: "iterations",
 * then an optional "learning_rate", then for each trainable variable of the model,
 * in order, its slots_per_var slots, e.g. Adam's momentum and velocity). */
typedef struct {
  const char *keras_name;     /* "adam", "adamw", "sgd": the vars@name attribute */
  const char *config_json;    /* the optimizer's serialized Keras object, for compile_config */
  gint64 iterations;
  gboolean has_learning_rate; /* TRUE when the learning rate is a plain float */
  float learning_rate;
  int slots_per_var;          /* 2 for Adam/AdamW, 1 for SGD with momentum, 0 for plain SGD */
  float *const *slots;        /* [trainable var index * slots_per_var + slot], var-shaped */
} NnKerasOptimizer;

typedef struct {
  const NnKerasOptimizer *optimizer; /* NULL: no optimizer group (shipped models) */
  const char *loss_json;             /* serialized loss for compile_config, or NULL */
} NnKerasSaveOptions;

NnModel *nn_keras_load (const char *path, GError **error);
gboolean nn_keras_save (const NnModel *model, const char *path,
                        const NnKerasSaveOptions *options, GError **error);

/* Keras's naming.to_snake_case: "Conv2D" -> "conv2d", "BatchNormalization" ->
 * "batch_normalization", "MaxPooling2D" -> "max_pooling2d". Free with g_free. */
char *nn_keras_snake_case (const char *class_name);

G_END_DECLS
