/* nn-keras-names.c: what the .keras reader and writer agree on about Keras's names.
 *
 * Keras's snake_case of class names, the order in which it lists a model's layers,
 * the weight group key of each layer in model.weights.h5, and the items of each
 * layer config with their default values. config.json's reader and writer and the
 * HDF5 code all use these; this file calls none of them.
 */
#include <string.h>
#include "nn-keras-names.h"
#include "nn-keras-json.h"
#include "nn-keras-info.h"

#define GLOROT "{\"module\": \"keras.initializers\", \"class_name\": \"GlorotUniform\", " \
               "\"config\": {\"seed\": null}, \"registered_name\": null}"
#define ZEROS  "{\"module\": \"keras.initializers\", \"class_name\": \"Zeros\", " \
               "\"config\": {}, \"registered_name\": null}"
#define ONES   "{\"module\": \"keras.initializers\", \"class_name\": \"Ones\", " \
               "\"config\": {}, \"registered_name\": null}"

char *
nn_keras_snake_case (const char *class_name)
{
  g_return_val_if_fail (class_name != NULL, NULL);
  /* keras.src.utils.naming.to_snake_case, regex for regex. */
  static const struct { const char *pattern, *replacement; } steps[] = {
    { "\\W+", "" },
    { "(.)([A-Z][a-z]+)", "\\1_\\2" },
    { "([a-z])([A-Z])", "\\1_\\2" },
  };
  char *s = g_strdup (class_name);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      GRegex *re = g_regex_new (steps[i].pattern, 0, 0, NULL);
      char *next = g_regex_replace (re, s, -1, 0, steps[i].replacement, 0, NULL);
      g_regex_unref (re);
      g_free (s);
      s = next ? next : g_strdup ("");
    }
  char *lower = g_ascii_strdown (s, -1);
  g_free (s);
  return lower;
}

void
nn_keras_graph_clear (NnKerasGraph *g)
{
  g_clear_pointer (&g->model, nn_model_free);
  g_clear_pointer (&g->weight_paths, g_ptr_array_unref);
  g_clear_pointer (&g->info, nn_keras_info_free);
}

gboolean
nn_keras_model_is_chain (const NnModel *m)
{
  for (int i = 1; i < m->n_layers; i++)
    if (m->layers[i].n_inputs != 1 || m->layers[i].inputs[0] != i - 1)
      return FALSE;
  return m->output == m->n_layers - 1;
}

typedef struct {
  const NnModel *m;
  int *state, *visit, *depth;
  int *post, n_post, visits;
} Walk;

static void
walk (Walk *w, int i)
{
  if (w->state[i])
    return; /* the graph is a finished model: no cycles */
  if (w->visit[i] < 0)
    w->visit[i] = w->visits++;
  w->state[i] = 1;
  for (int k = 0; k < w->m->layers[i].n_inputs; k++)
    walk (w, w->m->layers[i].inputs[k]);
  w->state[i] = 2;
  w->post[w->n_post++] = i;
}

static int
cmp_order (gconstpointer a, gconstpointer b, gpointer data)
{
  const Walk *w = data;
  int x = *(const int *) a, y = *(const int *) b;
  if (w->depth[x] != w->depth[y])
    return w->depth[y] - w->depth[x];
  return w->visit[x] - w->visit[y];
}

int
nn_keras_layer_order (const NnModel *m, gboolean sequential, int *order)
{
  if (sequential)
    {
      for (int i = 0; i < m->n_layers; i++)
        order[i] = i;
      return m->n_layers;
    }
  int n = m->n_layers;
  Walk w = { m, g_new0 (int, n), g_new (int, n), g_new0 (int, n), g_new (int, n), 0, 0 };
  for (int i = 0; i < n; i++)
    w.visit[i] = -1;
  walk (&w, m->output >= 0 ? m->output : n - 1);
  for (int k = w.n_post - 1; k >= 0; k--)
    {
      const NnLayer *l = &m->layers[w.post[k]];
      for (int j = 0; j < l->n_inputs; j++)
        w.depth[l->inputs[j]] = MAX (w.depth[l->inputs[j]], w.depth[w.post[k]] + 1);
    }
  memcpy (order, w.post, w.n_post * sizeof (int));
  g_qsort_with_data (order, w.n_post, sizeof (int), cmp_order, &w);
  int count = w.n_post;
  g_free (w.state), g_free (w.visit), g_free (w.depth), g_free (w.post);
  return count;
}

GPtrArray *
nn_keras_layer_keys (const NnModel *m, gboolean sequential, const int *order, int n_order)
{
  GPtrArray *keys = g_ptr_array_new_full (m->n_layers, g_free);
  g_ptr_array_set_size (keys, m->n_layers);
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int k = 0; k < n_order; k++)
    {
      const NnLayer *l = &m->layers[order[k]];
      if (sequential && l->kind == NN_LAYER_INPUT)
        continue; /* Sequential.layers leaves out its InputLayer */
      char *snake = nn_keras_snake_case (nn_layer_kind_to_keras (l->kind));
      gpointer count;
      char *key;
      if (g_hash_table_lookup_extended (used, snake, NULL, &count))
        {
          int c = GPOINTER_TO_INT (count) + 1;
          key = g_strdup_printf ("%s_%d", snake, c);
          g_hash_table_insert (used, snake, GINT_TO_POINTER (c));
        }
      else
        {
          key = g_strdup (snake);
          g_hash_table_insert (used, snake, GINT_TO_POINTER (0));
        }
      g_ptr_array_index (keys, order[k]) = key;
    }
  return keys;
}

/* ---- layer config items and their defaults --------------------------------------- */

static const NnKerasKeyDef conv_keys[] = {
  { "filters", NULL }, { "kernel_size", NULL }, { "strides", NULL }, { "padding", NULL },
  { "data_format", "\"channels_last\"" }, { "dilation_rate", "[1, 1]" }, { "groups", "1" },
  { "activation", NULL }, { "use_bias", NULL }, { "kernel_initializer", GLOROT },
  { "bias_initializer", ZEROS }, { "kernel_regularizer", "null" }, { "bias_regularizer", "null" },
  { "activity_regularizer", "null" }, { "kernel_constraint", "null" },
  { "bias_constraint", "null" }, { NULL, NULL } };
static const NnKerasKeyDef depthwise_keys[] = {
  { "depth_multiplier", NULL }, { "kernel_size", NULL }, { "strides", NULL },
  { "padding", NULL }, { "data_format", "\"channels_last\"" }, { "dilation_rate", "[1, 1]" },
  { "activation", NULL }, { "use_bias", NULL }, { "depthwise_initializer", GLOROT },
  { "bias_initializer", ZEROS }, { "depthwise_regularizer", "null" },
  { "bias_regularizer", "null" }, { "activity_regularizer", "null" },
  { "depthwise_constraint", "null" }, { "bias_constraint", "null" }, { NULL, NULL } };
static const NnKerasKeyDef separable_keys[] = {
  { "depth_multiplier", NULL }, { "filters", NULL }, { "kernel_size", NULL },
  { "strides", NULL }, { "padding", NULL }, { "data_format", "\"channels_last\"" },
  { "dilation_rate", "[1, 1]" }, { "activation", NULL }, { "use_bias", NULL },
  { "depthwise_initializer", GLOROT }, { "pointwise_initializer", GLOROT },
  { "bias_initializer", ZEROS }, { "depthwise_regularizer", "null" },
  { "pointwise_regularizer", "null" }, { "bias_regularizer", "null" },
  { "activity_regularizer", "null" }, { "depthwise_constraint", "null" },
  { "pointwise_constraint", "null" }, { "bias_constraint", "null" }, { NULL, NULL } };
static const NnKerasKeyDef bn_keys[] = {
  { "axis", NULL }, { "momentum", NULL }, { "epsilon", NULL }, { "center", NULL },
  { "scale", NULL }, { "beta_initializer", ZEROS }, { "gamma_initializer", ONES },
  { "moving_mean_initializer", ZEROS }, { "moving_variance_initializer", ONES },
  { "beta_regularizer", "null" }, { "gamma_regularizer", "null" },
  { "beta_constraint", "null" }, { "gamma_constraint", "null" }, { "synchronized", "false" },
  { NULL, NULL } };
static const NnKerasKeyDef act_keys[] = { { "activation", NULL }, { NULL, NULL } };
static const NnKerasKeyDef pool_keys[] = {
  { "pool_size", NULL }, { "padding", NULL }, { "strides", NULL },
  { "data_format", "\"channels_last\"" }, { NULL, NULL } };
static const NnKerasKeyDef gap_keys[] = {
  { "data_format", "\"channels_last\"" }, { "keepdims", "false" }, { NULL, NULL } };
static const NnKerasKeyDef dropout_keys[] = {
  { "rate", NULL }, { "seed", "null" }, { "noise_shape", "null" }, { NULL, NULL } };
static const NnKerasKeyDef flatten_keys[] = { { "data_format", "\"channels_last\"" }, { NULL, NULL } };
static const NnKerasKeyDef reshape_keys[] = { { "target_shape", NULL }, { NULL, NULL } };
static const NnKerasKeyDef rescaling_keys[] = { { "scale", NULL }, { "offset", NULL }, { NULL, NULL } };
static const NnKerasKeyDef dense_keys[] = {
  { "units", NULL }, { "activation", NULL }, { "use_bias", NULL },
  { "kernel_initializer", GLOROT }, { "bias_initializer", ZEROS },
  { "kernel_regularizer", "null" }, { "bias_regularizer", "null" },
  { "kernel_constraint", "null" }, { "bias_constraint", "null" }, { NULL, NULL } };
static const NnKerasKeyDef add_keys[] = { { NULL, NULL } };
static const NnKerasKeyDef concat_keys[] = { { "axis", NULL }, { NULL, NULL } };

const NnKerasKeyDef *
nn_keras_config_keys (NnLayerKind kind)
{
  switch (kind)
    {
    case NN_LAYER_CONV2D: return conv_keys;
    case NN_LAYER_DEPTHWISE_CONV2D: return depthwise_keys;
    case NN_LAYER_SEPARABLE_CONV2D: return separable_keys;
    case NN_LAYER_BATCH_NORM: return bn_keys;
    case NN_LAYER_ACTIVATION: return act_keys;
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL: return pool_keys;
    case NN_LAYER_GLOBAL_AVG_POOL: return gap_keys;
    case NN_LAYER_DROPOUT: return dropout_keys;
    case NN_LAYER_FLATTEN: return flatten_keys;
    case NN_LAYER_RESHAPE: return reshape_keys;
    case NN_LAYER_RESCALING: return rescaling_keys;
    case NN_LAYER_DENSE: return dense_keys;
    case NN_LAYER_CONCATENATE: return concat_keys;
    default: return add_keys;
    }
}

gboolean
nn_keras_config_is_default (NnLayerKind kind, const char *key, JsonNode *value)
{
  if (strcmp (key, "dtype") == 0)
    {
      /* The float32 policy, shared or not: the writer makes it again. */
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (value) ? json_node_get_object (value) : NULL;
      JsonNode *cls = o && json_object_has_member (o, "class_name")
                      ? json_object_get_member (o, "class_name") : NULL;
      JsonNode *cfg = o && json_object_has_member (o, "config")
                      ? json_object_get_member (o, "config") : NULL;
      if (cls == NULL || cfg == NULL || !JSON_NODE_HOLDS_VALUE (cls)
          || g_strcmp0 (json_node_get_string (cls), "DTypePolicy") != 0)
        return FALSE;
      GString *s = g_string_new (NULL);
      nn_json_write_node (s, cfg);
      gboolean same = strcmp (s->str, "{\"name\": \"float32\"}") == 0
                      && json_object_get_size (o) <= 5;
      g_string_free (s, TRUE);
      return same;
    }
  for (const NnKerasKeyDef *d = nn_keras_config_keys (kind); d->key; d++)
    if (d->def && strcmp (d->key, key) == 0)
      {
        GString *s = g_string_new (NULL);
        nn_json_write_node (s, value);
        gboolean same = strcmp (s->str, d->def) == 0;
        g_string_free (s, TRUE);
        return same;
      }
  return FALSE;
}

