/* nn-keras-names.h: what the .keras reader, writer and HDF5 code share about Keras's
 * names and layouts: the limits on what a file may hold, the graph a config becomes,
 * Keras's snake_case, layer order, weight keys and config defaults.
 *
 * The files of src/core/io, each of which includes only the headers of the files
 * it calls (nothing calls back up this list):
 *   nn-keras-json.c          JSON text as Python writes it (the leaf)
 *   nn-keras-info.c          the Keras-only metadata (NnKerasInfo)        (a leaf)
 *   nn-keras-names.c         this header's functions                     -> json, info
 *   nn-keras-config.c        config.json -> graph (reader)               -> names, json, info
 *   nn-keras-config-write.c  model -> config.json (writer)               -> names, json, info
 *   nn-keras-h5.c            model.weights.h5 <-> variables              -> names, info
 *   nn-keras.c               the zip, metadata.json, nn_keras_load/save  -> all of the above
 *   nn-keras-isolated.c      the sandboxed reader's protocol             -> config,
 *                                                                  config-write, names, info
 * nn-keras-options.h holds the types of nn_keras_save's options (no code); nn-keras.h
 * and nn-keras-isolated.h are the public entry points.
 * scripts/check-include-cycles.py src/core/io checks that this stays a tree.
 */
#pragma once

#include <json-glib/json-glib.h>
#include "nn-model.h"
#include "nn-keras-info.h"

G_BEGIN_DECLS

/* Limits that keep a hostile file from making us allocate or recurse without end. */
#define NN_KERAS_MAX_LAYERS     1024
#define NN_KERAS_MAX_DIM        65536     /* filters, units */
#define NN_KERAS_MAX_KERNEL     64        /* kernel, pool and stride sizes */
#define NN_KERAS_MAX_PARAMS     (32u << 20) /* floats: 128 MiB of weights (and as much of grads) */
#define NN_KERAS_MAX_ACTIVATION (2u << 20)  /* floats per sample in one layer output: 8 MiB */
#define NN_KERAS_MAX_JSON_DEPTH 64
/* Keras's configs are tens of KB (the advanced model's: 28 KB, about 2,000 values);
 * 1,024 layers of about 60 values each stay well inside these. */
#define NN_KERAS_MAX_CONFIG_BYTES  (4u << 20)
#define NN_KERAS_MAX_JSON_VALUES   200000
#define NN_KERAS_MAX_META_BYTES    (256u << 10)
#define NN_KERAS_MAX_META_VALUES   2000
/* model.weights.h5 holds the weights and at most three optimizer slots per weight
 * (Adam with amsgrad), plus HDF5's groups and headers (about 2.5 KB per layer in
 * Keras's files): anything larger than this is padding, refused before it is read. */
#define NN_KERAS_WEIGHTS_SLOTS     4
#define NN_KERAS_WEIGHTS_OVERHEAD  (1u << 20)
#define NN_KERAS_LAYER_OVERHEAD    (16u << 10)
#define NN_KERAS_MAX_NESTING    4         /* Sequential inside Functional inside ... */

/* A model read from config.json, before its weights: the graph plus, for every
 * layer, where Keras keeps its variables in model.weights.h5. */
typedef struct {
  NnModel *model;
  GPtrArray *weight_paths; /* char *, one per model layer: "layers/conv2d" or NULL */
  NnKerasInfo *info;       /* compile_config and the layers' extra config items */
} NnKerasGraph;

void nn_keras_graph_clear (NnKerasGraph *g);

/* Keras's naming.to_snake_case: "Conv2D" -> "conv2d", "BatchNormalization" ->
 * "batch_normalization", "MaxPooling2D" -> "max_pooling2d". Free with g_free. */
char *nn_keras_snake_case (const char *class_name);

/* Keras's model.layers order: Functional sorts by decreasing depth from the
 * output, ties by first visit in a depth-first walk from the output (map_graph);
 * Sequential keeps index order. Fills order with layer indices and returns how
 * many (layers that do not reach the output are left out, as Keras does). */
int        nn_keras_layer_order (const NnModel *m, gboolean sequential, int *order);
/* The weight group key ("conv2d_1") of each layer, indexed by layer; NULL for the
 * layers Keras does not list (the Sequential InputLayer, unreachable ones). */
GPtrArray *nn_keras_layer_keys (const NnModel *m, gboolean sequential, const int *order,
                                int n_order);
/* TRUE when every layer feeds the next one only: writable as a Sequential. */
gboolean   nn_keras_model_is_chain (const NnModel *m);

/* One item of a layer config, in Keras's get_config order. */
typedef struct {
  const char *key;
  const char *def; /* Keras's default as JSON text, or NULL when the layer's config gives it */
} NnKerasKeyDef;

/* The config items of a layer kind after name, trainable and dtype; ends with a NULL key. */
const NnKerasKeyDef *nn_keras_config_keys (NnLayerKind kind);
/* TRUE when a config item has the value the writer would write anyway (Keras's
 * default), so the reader need not keep it. */
gboolean nn_keras_config_is_default (NnLayerKind kind, const char *key, JsonNode *value);

G_END_DECLS
