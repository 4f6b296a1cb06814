/* nn-keras-private.h: the pieces of the .keras reader and writer.
 *
 *   nn-keras.c         zip container, metadata.json, the public entry points
 *   nn-keras-config.c  config.json <-> model graph (Sequential, Functional, nested)
 *   nn-keras-h5.c      model.weights.h5 <-> model variables (HDF5 in memory)
 *   nn-keras-json.c    JSON text exactly as Python's json.dumps writes it
 */
#pragma once

#include <json-glib/json-glib.h>
#include "nn-keras.h"
#include "nn-error.h"

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
#define NN_KERAS_MAX_META_BYTES    (64u << 10)
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
} NnKerasGraph;

void nn_keras_graph_clear (NnKerasGraph *g);

/* config.json -> graph; the model is finished (variables allocated, zeroed). */
gboolean nn_keras_config_parse (const char *display, const char *text, gsize len,
                                NnKerasGraph *out, GError **error);
/* model -> config.json text (one line, Python json.dumps style). */
char *nn_keras_config_write (const NnModel *m, const NnKerasSaveOptions *options,
                             GError **error);

/* Keras's model.layers order: Functional sorts by decreasing depth from the
 * output, ties by first visit in a depth-first walk from the output (map_graph);
 * Sequential keeps index order. Fills order with layer indices and returns how
 * many (layers that do not reach the output are left out, as Keras does). */
int        nn_keras_layer_order (const NnModel *m, gboolean sequential, int *order);
/* The weight group key ("conv2d_1") of each layer, indexed by layer; NULL for the
 * layers Keras does not list (the Sequential InputLayer, unreachable ones). */
GPtrArray *nn_keras_layer_keys (const NnModel *m, gboolean sequential, const int *order,
                                int n_order);
/* TRUE when a config item has the value the writer would write anyway (Keras's
 * default), so the reader need not keep it. */
gboolean   nn_keras_config_is_default (NnLayerKind kind, const char *key, JsonNode *value);
/* TRUE when every layer feeds the next one only: writable as a Sequential. */
gboolean   nn_keras_model_is_chain (const NnModel *m);

/* model.weights.h5 bytes -> variables of a finished model. */
gboolean nn_keras_h5_read (const char *display, const void *data, gsize len,
                           NnKerasGraph *g, GError **error);
/* variables -> model.weights.h5 bytes (g_free). */
guint8 *nn_keras_h5_write (const NnModel *m, const NnKerasSaveOptions *options,
                           gsize *len, GError **error);

/* JSON writing in Python's json.dumps format: ", " and ": " separators, ASCII
 * only (\uXXXX escapes), floats in repr's shortest round-trip form. */
void nn_json_write_string (GString *s, const char *str);
void nn_json_write_double (GString *s, double v); /* shortest repr of a double */
void nn_json_write_float (GString *s, float v);   /* shortest repr that reads back as v */
void nn_json_write_node (GString *s, JsonNode *node);
/* Checks, before json-glib recurses into text and builds a node per value, that
 * it nests no deeper than max_depth and holds no more than max_values values. */
typedef enum {
  NN_JSON_OK,
  NN_JSON_TOO_DEEP,
  NN_JSON_TOO_MANY,
} NnJsonScan;
NnJsonScan nn_json_scan (const char *text, gsize len, int max_depth, guint64 max_values);

G_END_DECLS
