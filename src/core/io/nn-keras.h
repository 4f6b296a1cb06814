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
#include "nn-keras-options.h"

G_BEGIN_DECLS

/* Reads a .keras file into a finished model with its weights. metadata.json's
 * string and number items other than keras_version and date_saved (e.g.
 * "test_accuracy") go to model->metadata. What only Keras needs is dropped: use
 * nn_keras_load_with_info to keep it. */
NnModel *nn_keras_load (const char *path, GError **error);
/* The same, and *info (when info is not NULL) gets what only Keras needs: the Keras
 * version and date that saved the file, config.json's compile_config, and the config
 * items the engine does not interpret that differ from Keras's defaults. Pass it back
 * in NnKerasSaveOptions.info to save the file as it was. Free with nn_keras_info_free. */
NnModel *nn_keras_load_with_info (const char *path, NnKerasInfo **info, GError **error);
/* nn_keras_load_with_info from a file open for reading; display names it in
 * messages. The fd stays open and owned by the caller. */
NnModel *nn_keras_load_fd (int fd, const char *display, NnKerasInfo **info, GError **error);

/* One value of a .keras file's metadata.json (a string, or a number as Python's
 * json writes it), read without the config or the weights: for a list of models
 * that shows, say, their stored test_accuracy without loading them. NULL, with
 * *error set, when the file is not a readable .keras file; NULL without an error
 * when the metadata has no such value. Free with g_free. */
char    *nn_keras_read_metadata_value (const char *path, const char *key, GError **error);

/* Builds NnKerasOptimizer.slots from n_arrays slot arrays laid out like
 * model->params (e.g. NnOptimizer.m and .v): slots[t * n_arrays + s] points to
 * arrays[s] + offset of the t-th trainable variable. Free the result with g_free. */
float **nn_keras_optimizer_slots (const NnModel *model, float *const *arrays, int n_arrays);
/* Writes model (finished, finite weights, unique layer names) as Keras 3.12 would.
 * A Sequential-style model that is a plain chain is written as a Sequential, any
 * other graph as a Functional. options may be NULL. The compile_config is built
 * from options->optimizer / loss_json when given, else options->info's. */
gboolean nn_keras_save (const NnModel *model, const char *path,
                        const NnKerasSaveOptions *options, GError **error);

/* data into PATH.XXXXXX beside path, synced, then renamed over path (the folder
 * synced too), as nn_keras_save does; nn_keras_remove_partial_saves covers it. For
 * the other formats the io area writes. */
gboolean nn_keras_write_atomically (const char *path, const guint8 *data, gsize len,
                                    GError **error);

/* Removes the temporary files (PATH.XXXXXX) of the saves under way in any thread.
 * Async-signal-safe: for a program's SIGINT/SIGTERM handler before it ends the
 * process, so that no partial file stays behind. The saves in progress fail. */
void nn_keras_remove_partial_saves (void);

G_END_DECLS
