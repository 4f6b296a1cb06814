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
 * in order, its slots_per_var slots, e.g. Adam's momentum and velocity).
 *
 * "Trainable variable" means NnVar.trainable in a layer with NnLayer.trainable set
 * (BatchNormalization moving statistics and frozen layers have no slots), counted
 * in the engine's layer index order: slots[t * slots_per_var + s] is slot s of the
 * t-th such variable. The writer stores them in Keras's model.trainable_variables
 * order, which differs from index order only for branching Functional graphs. */
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

/* Reads a .keras file into a finished model with its weights. metadata.json's
 * keras_version and date_saved go to the model fields, its other string and number
 * items (e.g. "test_accuracy") to model->metadata; config.json's compile_config is
 * kept in model->compile_config_json. Config items the engine does not interpret
 * and that differ from Keras's defaults stay in NnLayer.extra_config_json. */
NnModel *nn_keras_load (const char *path, GError **error);
/* The same from a file open for reading; display names it in messages. The fd
 * stays open and owned by the caller. */
NnModel *nn_keras_load_fd (int fd, const char *display, GError **error);

/* Builds NnKerasOptimizer.slots from n_arrays slot arrays laid out like
 * model->params (e.g. NnOptimizer.m and .v): slots[t * n_arrays + s] points to
 * arrays[s] + offset of the t-th trainable variable. Free the result with g_free. */
float **nn_keras_optimizer_slots (const NnModel *model, float *const *arrays, int n_arrays);
/* Writes model (finished, finite weights, unique layer names) as Keras 3.12 would.
 * A Sequential-style model that is a plain chain is written as a Sequential, any
 * other graph as a Functional. options may be NULL. The compile_config is built
 * from options->optimizer / loss_json when given, else model->compile_config_json. */
gboolean nn_keras_save (const NnModel *model, const char *path,
                        const NnKerasSaveOptions *options, GError **error);

/* Removes the temporary files (PATH.XXXXXX) of the saves under way in any thread.
 * Async-signal-safe: for a program's SIGINT/SIGTERM handler before it ends the
 * process, so that no partial file stays behind. The saves in progress fail. */
void nn_keras_remove_partial_saves (void);

/* Keras's naming.to_snake_case: "Conv2D" -> "conv2d", "BatchNormalization" ->
 * "batch_normalization", "MaxPooling2D" -> "max_pooling2d". Free with g_free. */
char *nn_keras_snake_case (const char *class_name);

G_END_DECLS
