/* nn-keras-config.h: config.json -> model graph, the reader's half
 * (nn-keras-config.c; the writer is nn-keras-config-write.h). */
#pragma once

#include "nn-keras-names.h"

G_BEGIN_DECLS

/* config.json -> graph; the model is finished (variables allocated, zeroed). */
gboolean nn_keras_config_parse (const char *display, const char *text, gsize len,
                                NnKerasGraph *out, GError **error);

G_END_DECLS
