/* nn-keras-config-write.c: a model graph to config.json, as Keras 3.12 writes it.
 *
 * Every layer config is written in full, key for key in Keras's get_config order
 * (nn_keras_config_keys): interpreted values come from the layer, the rest from its
 * extra config items in the options' NnKerasInfo (so a loaded file writes its
 * initializers back) or from Keras's defaults. Layer order and weight keys come from
 * nn-keras-names.c, which the HDF5 writer uses too.
 */
#include <string.h>
#include "nn-keras-config-write.h"
#include "nn-keras-json.h"
#include "nn-keras-names.h"
#include "nn-keras-info.h"
#include "nn-error.h"

#define POLICY "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": " \
               "{\"name\": \"float32\"}, \"registered_name\": null"
#define SHARED_ID G_GINT64_CONSTANT (12901444752) /* any integer: Python's id() of the policy */

/* ---- shapes as Keras sees them ------------------------------------------------- */

typedef struct {
  const NnModel *m;
  JsonNode **extra;   /* parsed extra config items per layer (NnKerasInfo), or NULL */
  int *rank;          /* Keras rank of each output, without the batch axis */
  gboolean functional;
  gboolean dtype_seen;
  gint64 shared_id;
} W;

static JsonNode *
extra_member (const W *w, int i, const char *key)
{
  JsonNode *e = w->extra[i];
  if (e == NULL || !JSON_NODE_HOLDS_OBJECT (e))
    return NULL;
  JsonObject *o = json_node_get_object (e);
  return json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

static void
compute_ranks (W *w)
{
  const NnModel *m = w->m;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      int in = l->n_inputs > 0 ? w->rank[l->inputs[0]] : 3;
      for (int k = 1; k < l->n_inputs; k++)
        in = MAX (in, w->rank[l->inputs[k]]);
      switch (l->kind)
        {
        case NN_LAYER_INPUT:
          w->rank[i] = m->input_layout == NN_INPUT_IMAGE ? 3
                       : m->input_layout == NN_INPUT_MATRIX ? 2 : 1;
          break;
        case NN_LAYER_CONV2D:
        case NN_LAYER_DEPTHWISE_CONV2D:
        case NN_LAYER_SEPARABLE_CONV2D:
        case NN_LAYER_MAX_POOL:
        case NN_LAYER_AVG_POOL:
          w->rank[i] = 3;
          break;
        case NN_LAYER_FLATTEN:
          w->rank[i] = 1;
          break;
        case NN_LAYER_GLOBAL_AVG_POOL:
          {
            JsonNode *k = extra_member (w, i, "keepdims");
            gboolean keep = k && JSON_NODE_HOLDS_VALUE (k)
                            && json_node_get_value_type (k) == G_TYPE_BOOLEAN
                            && json_node_get_boolean (k);
            w->rank[i] = keep ? 3 : 1;
            break;
          }
        case NN_LAYER_RESHAPE:
          {
            JsonNode *t = extra_member (w, i, "target_shape");
            if (t && JSON_NODE_HOLDS_ARRAY (t))
              w->rank[i] = (int) json_array_get_length (json_node_get_array (t));
            else
              w->rank[i] = l->cfg.reshape.h == 1 && l->cfg.reshape.w == 1 ? 1 : 3;
            break;
          }
        default:
          w->rank[i] = in;
        }
    }
}

static void
write_shape (GString *s, const W *w, int i)
{
  NnShape sh = w->m->layers[i].out_shape;
  switch (w->rank[i])
    {
    case 3:
      g_string_append_printf (s, "[null, %d, %d, %d]", sh.h, sh.w, sh.c);
      break;
    case 2:
      g_string_append_printf (s, "[null, %d, %d]", sh.h, sh.w * sh.c);
      break;
    default:
      g_string_append_printf (s, "[null, %zu]", nn_shape_size (sh));
    }
}

/* ---- one layer ------------------------------------------------------------------ */

static void
pair (GString *s, int a, int b)
{
  g_string_append_printf (s, "[%d, %d]", a, b);
}

static const char *
padding_name (NnPadding p)
{
  return p == NN_PAD_SAME ? "\"same\"" : "\"valid\"";
}

/* The values the engine interprets; FALSE when key is not one of them. */
static gboolean
write_interpreted (GString *s, const NnLayer *l, const char *key)
{
  const NnConvConfig *c = &l->cfg.conv;
  gboolean conv = nn_layer_is_convolutional (l);
  gboolean pool = l->kind == NN_LAYER_MAX_POOL || l->kind == NN_LAYER_AVG_POOL;
  if (conv && strcmp (key, "filters") == 0)
    g_string_append_printf (s, "%d", c->filters);
  else if (conv && strcmp (key, "depth_multiplier") == 0)
    g_string_append_printf (s, "%d", c->depth_multiplier);
  else if (conv && strcmp (key, "kernel_size") == 0)
    pair (s, c->kh, c->kw);
  else if (conv && strcmp (key, "strides") == 0)
    pair (s, c->stride_h, c->stride_w);
  else if (conv && strcmp (key, "padding") == 0)
    g_string_append (s, padding_name (c->padding));
  else if (strcmp (key, "activation") == 0)
    {
      NnActivation a = conv ? c->activation
                       : l->kind == NN_LAYER_DENSE ? l->cfg.dense.activation : l->cfg.act.activation;
      nn_json_write_string (s, nn_activation_to_keras (a));
    }
  else if (strcmp (key, "use_bias") == 0)
    g_string_append (s, (conv ? c->use_bias : l->cfg.dense.use_bias) ? "true" : "false");
  else if (strcmp (key, "axis") == 0)
    g_string_append (s, "-1");
  else if (strcmp (key, "momentum") == 0)
    nn_json_write_float (s, l->cfg.bn.momentum);
  else if (strcmp (key, "epsilon") == 0)
    nn_json_write_float (s, l->cfg.bn.epsilon);
  else if (strcmp (key, "center") == 0)
    g_string_append (s, l->cfg.bn.center ? "true" : "false");
  else if (strcmp (key, "scale") == 0 && l->kind == NN_LAYER_BATCH_NORM)
    g_string_append (s, l->cfg.bn.scale ? "true" : "false");
  else if (strcmp (key, "scale") == 0)
    nn_json_write_float (s, l->cfg.rescaling.scale);
  else if (strcmp (key, "offset") == 0)
    nn_json_write_float (s, l->cfg.rescaling.offset);
  else if (pool && strcmp (key, "pool_size") == 0)
    pair (s, l->cfg.pool.pool_h, l->cfg.pool.pool_w);
  else if (pool && strcmp (key, "strides") == 0)
    pair (s, l->cfg.pool.stride_h, l->cfg.pool.stride_w);
  else if (pool && strcmp (key, "padding") == 0)
    g_string_append (s, padding_name (l->cfg.pool.padding));
  else if (strcmp (key, "rate") == 0)
    nn_json_write_float (s, l->cfg.dropout.rate);
  else if (strcmp (key, "units") == 0)
    g_string_append_printf (s, "%d", l->cfg.dense.units);
  else if (strcmp (key, "target_shape") == 0)
    {
      NnShape t = l->cfg.reshape;
      if (t.h == 1 && t.w == 1)
        g_string_append_printf (s, "[%d]", t.c);
      else
        g_string_append_printf (s, "[%d, %d, %d]", t.h, t.w, t.c);
    }
  else
    return FALSE;
  return TRUE;
}

static void
key (GString *s, gboolean *first, const char *k)
{
  if (!*first)
    g_string_append (s, ", ");
  *first = FALSE;
  nn_json_write_string (s, k);
  g_string_append (s, ": ");
}

static void
write_dtype (GString *s, W *w, int i)
{
  JsonNode *d = extra_member (w, i, "dtype");
  if (d)
    nn_json_write_node (s, d);
  else if (!w->dtype_seen)
    g_string_append (s, POLICY "}");
  else
    g_string_append_printf (s, POLICY ", \"shared_object_id\": %" G_GINT64_FORMAT "}",
                            w->shared_id);
  w->dtype_seen = TRUE;
}

static void
write_layer_config (GString *s, W *w, int i)
{
  const NnLayer *l = &w->m->layers[i];
  gboolean first = TRUE;
  g_string_append_c (s, '{');
  if (l->kind == NN_LAYER_INPUT)
    {
      key (s, &first, "batch_shape");
      write_shape (s, w, i);
      g_string_append (s, ", \"dtype\": \"float32\", \"sparse\": false, \"ragged\": false, ");
      g_string_append (s, "\"name\": ");
      nn_json_write_string (s, l->name);
      g_string_append_c (s, '}');
      return;
    }
  key (s, &first, "name");
  nn_json_write_string (s, l->name);
  key (s, &first, "trainable");
  g_string_append (s, l->trainable ? "true" : "false");
  key (s, &first, "dtype");
  write_dtype (s, w, i);
  const NnKerasKeyDef *defs = nn_keras_config_keys (l->kind);
  for (const NnKerasKeyDef *d = defs; d->key; d++)
    {
      JsonNode *e = extra_member (w, i, d->key);
      key (s, &first, d->key);
      if (d->def == NULL && !(e && strcmp (d->key, "target_shape") == 0)
          && write_interpreted (s, l, d->key))
        continue;
      if (e)
        nn_json_write_node (s, e);
      else
        g_string_append (s, d->def ? d->def : "null");
    }
  /* Items this version of the engine does not know, in the order they came. */
  if (w->extra[i] && JSON_NODE_HOLDS_OBJECT (w->extra[i]))
    {
      JsonObjectIter it;
      const char *k;
      JsonNode *v;
      json_object_iter_init_ordered (&it, json_node_get_object (w->extra[i]));
      while (json_object_iter_next_ordered (&it, &k, &v))
        {
          gboolean known = strcmp (k, "dtype") == 0;
          for (const NnKerasKeyDef *d = defs; d->key && !known; d++)
            known = strcmp (d->key, k) == 0;
          if (known)
            continue;
          key (s, &first, k);
          nn_json_write_node (s, v);
        }
    }
  g_string_append_c (s, '}');
}

static gboolean
has_build_config (NnLayerKind kind)
{
  switch (kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
    case NN_LAYER_BATCH_NORM:
    case NN_LAYER_FLATTEN:
    case NN_LAYER_DENSE:
    case NN_LAYER_ADD:
    case NN_LAYER_CONCATENATE:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
write_tensor (GString *s, const W *w, int producer)
{
  g_string_append (s, "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": ");
  write_shape (s, w, producer);
  g_string_append (s, ", \"dtype\": \"float32\", \"keras_history\": [");
  nn_json_write_string (s, w->m->layers[producer].name);
  g_string_append (s, ", 0, 0]}}");
}

static void
write_layer (GString *s, W *w, int i)
{
  const NnLayer *l = &w->m->layers[i];
  gboolean merge = l->kind == NN_LAYER_ADD || l->kind == NN_LAYER_CONCATENATE;
  g_string_append (s, "{\"module\": \"keras.layers\", \"class_name\": ");
  nn_json_write_string (s, nn_layer_kind_to_keras (l->kind));
  g_string_append (s, ", \"config\": ");
  write_layer_config (s, w, i);
  g_string_append (s, ", \"registered_name\": null");
  if (has_build_config (l->kind))
    {
      g_string_append (s, ", \"build_config\": {\"input_shape\": ");
      if (merge)
        g_string_append_c (s, '[');
      for (int k = 0; k < (merge ? l->n_inputs : 1); k++)
        {
          if (k)
            g_string_append (s, ", ");
          write_shape (s, w, l->inputs[k]);
        }
      g_string_append (s, merge ? "]}" : "}");
    }
  if (w->functional)
    {
      g_string_append (s, ", \"name\": ");
      nn_json_write_string (s, l->name);
      g_string_append (s, ", \"inbound_nodes\": [");
      if (l->kind != NN_LAYER_INPUT)
        {
          g_string_append (s, "{\"args\": [");
          if (merge)
            g_string_append_c (s, '[');
          for (int k = 0; k < l->n_inputs; k++)
            {
              if (k)
                g_string_append (s, ", ");
              write_tensor (s, w, l->inputs[k]);
            }
          if (merge)
            g_string_append_c (s, ']');
          g_string_append (s, "], \"kwargs\": ");
          g_string_append (s, l->kind == NN_LAYER_BATCH_NORM ? "{\"mask\": null}"
                              : l->kind == NN_LAYER_DROPOUT ? "{\"training\": false}" : "{}");
          g_string_append_c (s, '}');
        }
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
}

/* ---- the model -------------------------------------------------------------- */

static gboolean
append_json (GString *s, const char *json, const char *what, GError **error)
{
  g_autoptr (GError) err = NULL;
  JsonNode *n = json_from_string (json, &err);
  if (n == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "The %s is not valid JSON: %s", what,
                   err ? err->message : "empty");
      return FALSE;
    }
  nn_json_write_node (s, n);
  json_node_unref (n);
  return TRUE;
}

static gboolean
write_compile_config (GString *s, const NnKerasSaveOptions *o, GError **error)
{
  const NnKerasOptimizer *opt = o ? o->optimizer : NULL;
  const char *kept = o && o->info ? o->info->compile_config_json : NULL;
  if (!(o && (o->loss_json || (opt && opt->config_json))))
    return kept == NULL
           || ((g_string_append (s, ", \"compile_config\": "), TRUE)
               && append_json (s, kept, "compile config", error));
  g_string_append (s, ", \"compile_config\": {\"optimizer\": ");
  if (opt && opt->config_json)
    {
      if (!append_json (s, opt->config_json, "optimizer config", error))
        return FALSE;
    }
  else
    g_string_append (s, "null");
  g_string_append (s, ", \"loss\": ");
  if (o->loss_json)
    {
      JsonNode *n = json_from_string (o->loss_json, NULL);
      if (n)
        nn_json_write_node (s, n), json_node_unref (n);
      else
        nn_json_write_string (s, o->loss_json); /* a bare loss name */
    }
  else
    g_string_append (s, "null");
  g_string_append (s, ", \"loss_weights\": null, \"metrics\": [\"accuracy\"], "
                   "\"weighted_metrics\": null, \"run_eagerly\": false, "
                   "\"steps_per_execution\": 1, \"jit_compile\": false}");
  return TRUE;
}

char *
nn_keras_config_write (const NnModel *m, const NnKerasSaveOptions *options, GError **error)
{
  gboolean sequential = m->style == NN_MODEL_SEQUENTIAL && nn_keras_model_is_chain (m);
  const NnKerasInfo *info = options ? options->info : NULL;
  W w = { .m = m, .functional = !sequential, .shared_id = SHARED_ID };
  w.extra = g_new0 (JsonNode *, m->n_layers);
  w.rank = g_new0 (int, m->n_layers);
  g_autofree int *order = g_new (int, m->n_layers);
  int n_order = nn_keras_layer_order (m, sequential, order);
  for (int i = 0; i < m->n_layers; i++)
    if (nn_keras_info_layer_config (info, m->layers[i].name))
      {
        w.extra[i] = json_from_string (nn_keras_info_layer_config (info, m->layers[i].name),
                                       NULL);
        JsonNode *d = extra_member (&w, i, "dtype");
        JsonObject *dobj = d && JSON_NODE_HOLDS_OBJECT (d) ? json_node_get_object (d) : NULL;
        JsonNode *id = dobj && json_object_has_member (dobj, "shared_object_id")
                       ? json_object_get_member (dobj, "shared_object_id") : NULL;
        if (id && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
          w.shared_id = json_node_get_int (id);
      }
  compute_ranks (&w);

  GString *s = g_string_new (NULL);
  g_string_append (s, sequential ? "{\"module\": \"keras\", \"class_name\": \"Sequential\""
                                 : "{\"module\": \"keras.src.models.functional\", "
                                   "\"class_name\": \"Functional\"");
  g_string_append (s, ", \"config\": {\"name\": ");
  nn_json_write_string (s, m->name ? m->name : (sequential ? "sequential" : "functional"));
  g_string_append (s, ", \"trainable\": true");
  if (sequential)
    g_string_append_printf (s, ", \"dtype\": " POLICY ", \"shared_object_id\": %"
                            G_GINT64_FORMAT "}", w.shared_id);
  g_string_append (s, ", \"layers\": [");
  for (int k = 0; k < n_order; k++)
    {
      if (k)
        g_string_append (s, ", ");
      write_layer (s, &w, order[k]);
    }
  g_string_append_c (s, ']');
  if (sequential)
    {
      g_string_append (s, ", \"build_input_shape\": ");
      write_shape (s, &w, 0);
      g_string_append (s, "}, \"registered_name\": null, \"build_config\": {\"input_shape\": ");
      write_shape (s, &w, 0);
      g_string_append_c (s, '}');
    }
  else
    {
      g_string_append (s, ", \"input_layers\": [");
      nn_json_write_string (s, m->layers[0].name);
      g_string_append (s, ", 0, 0], \"output_layers\": [");
      nn_json_write_string (s, m->layers[m->output].name);
      g_string_append (s, ", 0, 0]}, \"registered_name\": \"Functional\", "
                       "\"build_config\": {\"input_shape\": null}");
    }
  gboolean ok = write_compile_config (s, options, error);
  g_string_append_c (s, '}');
  for (int i = 0; i < m->n_layers; i++)
    if (w.extra[i])
      json_node_unref (w.extra[i]);
  g_free (w.extra);
  g_free (w.rank);
  if (!ok)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}
