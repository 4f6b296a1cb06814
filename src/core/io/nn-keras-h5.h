/* nn-keras-h5.h: model.weights.h5 read into, and written from, a model's variables
 * (nn-keras-h5.c), with HDF5 working on a file image in memory. */
#pragma once

#include "nn-keras-names.h"
#include "nn-keras-options.h"

G_BEGIN_DECLS

/* model.weights.h5 bytes -> variables of a finished model. */
gboolean nn_keras_h5_read (const char *display, const void *data, gsize len,
                           NnKerasGraph *g, GError **error);
/* variables -> model.weights.h5 bytes (g_free). */
guint8 *nn_keras_h5_write (const NnModel *m, const NnKerasSaveOptions *options,
                           gsize *len, GError **error);

G_END_DECLS
