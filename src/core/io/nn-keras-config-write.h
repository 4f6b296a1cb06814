/* nn-keras-config-write.h: model -> config.json, the writer's half
 * (nn-keras-config-write.c; the reader is nn-keras-config.h). */
#pragma once

#include "nn-model.h"
#include "nn-keras-options.h"

G_BEGIN_DECLS

/* model -> config.json text (one line, Python json.dumps style). */
char *nn_keras_config_write (const NnModel *m, const NnKerasSaveOptions *options,
                             GError **error);

G_END_DECLS
