/* nn-keras-info.h: what a .keras file says that only Keras needs (nn-keras-info.c).
 *
 * The engine runs a model from its graph and weights (NnModel). A file also carries
 * the Keras version and date that saved it, the compile_config (optimizer, loss,
 * metrics) and, per layer, the config items the engine does not interpret that differ
 * from Keras's defaults (initializers, regularizers, constraints...). The reader puts
 * them here, beside the model, and the writer takes them from here, so that a file
 * loaded and saved again comes back byte for byte.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *keras_version;       /* metadata.json's "keras_version", e.g. "3.12.0"; or NULL */
  char *date_saved;          /* metadata.json's "date_saved"; or NULL */
  char *compile_config_json; /* config.json's compile_config, serialized; or NULL */
  GHashTable *layer_configs; /* layer name -> JSON object text of its extra items; may be NULL */
} NnKerasInfo;

NnKerasInfo *nn_keras_info_new (void);
void         nn_keras_info_free (NnKerasInfo *info);
NnKerasInfo *nn_keras_info_copy (const NnKerasInfo *info); /* NULL for NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnKerasInfo, nn_keras_info_free)

/* The extra config items of the layer named layer_name as a JSON object text, or
 * NULL when it has none (info may be NULL). */
const char  *nn_keras_info_layer_config (const NnKerasInfo *info, const char *layer_name);
/* Takes json (a JSON object text, or NULL to drop the layer's items). */
void         nn_keras_info_take_layer_config (NnKerasInfo *info, const char *layer_name,
                                              char *json);

G_END_DECLS
