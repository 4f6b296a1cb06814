/* nn-keras-config.c: config.json to a model graph (the writer is nn-keras-config-write.c).
 *
 * Reading turns Sequential and Functional configs (and a Sequential nested in
 * either) into one flat graph, and remembers for each layer where Keras keeps its
 * variables: Keras looks weights up by path, layers/<snake_case class>[_N]/vars,
 * numbered in model.layers order, never by layer name. Every value is type- and
 * range-checked before it reaches the engine's builders, so a hostile file ends
 * in a GError, never in a g_critical or a huge allocation.
 */
#include <math.h>
#include <string.h>
#include "nn-keras-config.h"
#include "nn-keras-info.h"
#include "nn-keras-json.h"
#include "nn-keras-names.h"
#include "nn-error.h"
#include "nn-shape.h"

typedef struct {
  const char *display;   /* file name for messages */
  NnModel *m;
  GPtrArray *paths;      /* weight path per model layer */
  GArray *ranks;         /* Keras rank of each layer's output, without the batch axis */
  NnKerasInfo *info;     /* compile_config and the layers' extra config items */
  int nesting;
  GError **error;
} Ctx;

typedef struct {
  const char *name;
  const char *cls;
} Who;

static gboolean fail (Ctx *c, const Who *who, int code, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Ctx *c, const Who *who, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (who && who->name)
    g_set_error (c->error, NN_ERROR, code, "%s: layer “%s” (%s): %s", c->display, who->name,
                 who->cls ? who->cls : "?", msg);
  else if (who && who->cls)
    g_set_error (c->error, NN_ERROR, code, "%s: a %s layer: %s", c->display, who->cls, msg);
  else
    g_set_error (c->error, NN_ERROR, code, "%s: %s", c->display, msg);
  return FALSE;
}

/* ---- typed access to JSON members --------------------------------------------- */

static JsonNode *
member (JsonObject *o, const char *key)
{
  return o && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

static gboolean
node_is_null (JsonNode *n)
{
  return n == NULL || JSON_NODE_HOLDS_NULL (n);
}

static const char *
node_string (JsonNode *n)
{
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static JsonObject *
node_object (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
node_array (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* An integer, also when written as an integral float (3.0). */
static gboolean
node_int (JsonNode *n, gint64 *out)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    {
      *out = json_node_get_int (n);
      return TRUE;
    }
  if (t == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (n);
      if (isfinite (d) && d == floor (d) && fabs (d) < 1e15)
        {
          *out = (gint64) d;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
node_number (JsonNode *n, double *out)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return isfinite (*out);
}

static gboolean
get_int (Ctx *c, const Who *w, JsonObject *o, const char *key, int def, int lo, int hi, int *out)
{
  JsonNode *n = member (o, key);
  gint64 v;
  if (node_is_null (n))
    {
      if (def < lo)
        return fail (c, w, NN_ERROR_FORMAT, "option “%s” is missing", key);
      *out = def;
      return TRUE;
    }
  if (!node_int (n, &v))
    return fail (c, w, NN_ERROR_FORMAT, "option “%s” is not an integer", key);
  if (v < lo || v > hi)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “%s” = %" G_GINT64_FORMAT
                 " is out of the supported range %d..%d", key, v, lo, hi);
  *out = (int) v;
  return TRUE;
}

/* kernel_size, strides, pool_size, dilation_rate: an int or a pair. */
static gboolean
get_pair (Ctx *c, const Who *w, JsonObject *o, const char *key, int def, int lo, int hi,
          int *a, int *b)
{
  JsonNode *n = member (o, key);
  JsonArray *arr = node_array (n);
  gint64 v[2];
  if (node_is_null (n))
    {
      if (def < lo)
        return fail (c, w, NN_ERROR_FORMAT, "option “%s” is missing", key);
      *a = *b = def;
      return TRUE;
    }
  if (arr)
    {
      if (json_array_get_length (arr) != 2 || !node_int (json_array_get_element (arr, 0), &v[0])
          || !node_int (json_array_get_element (arr, 1), &v[1]))
        return fail (c, w, NN_ERROR_FORMAT, "option “%s” is not a pair of integers", key);
    }
  else if (node_int (n, &v[0]))
    v[1] = v[0];
  else
    return fail (c, w, NN_ERROR_FORMAT, "option “%s” is not an integer or a pair", key);
  for (int i = 0; i < 2; i++)
    if (v[i] < lo || v[i] > hi)
      return fail (c, w, NN_ERROR_UNSUPPORTED, "option “%s” = %" G_GINT64_FORMAT
                   " is out of the supported range %d..%d", key, v[i], lo, hi);
  *a = (int) v[0];
  *b = (int) v[1];
  return TRUE;
}

static gboolean
get_bool (Ctx *c, const Who *w, JsonObject *o, const char *key, gboolean def, gboolean *out)
{
  JsonNode *n = member (o, key);
  if (node_is_null (n))
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail (c, w, NN_ERROR_FORMAT, "option “%s” is not true or false", key);
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
get_float (Ctx *c, const Who *w, JsonObject *o, const char *key, double def, double lo,
           double hi, float *out)
{
  JsonNode *n = member (o, key);
  double v;
  if (node_is_null (n))
    {
      if (isnan (def))
        return fail (c, w, NN_ERROR_FORMAT, "option “%s” is missing", key);
      *out = (float) def;
      return TRUE;
    }
  if (!node_number (n, &v))
    return fail (c, w, NN_ERROR_FORMAT, "option “%s” is not a number", key);
  if (!(v >= lo && v <= hi))
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “%s” = %g is out of the supported range",
                 key, v);
  *out = (float) v;
  return TRUE;
}

static gboolean
get_padding (Ctx *c, const Who *w, JsonObject *o, NnPadding *out)
{
  JsonNode *n = member (o, "padding");
  const char *s = node_string (n);
  if (node_is_null (n))
    s = "valid";
  if (s == NULL)
    return fail (c, w, NN_ERROR_FORMAT, "option “padding” is not a string");
  if (g_ascii_strcasecmp (s, "valid") == 0)
    *out = NN_PAD_VALID;
  else if (g_ascii_strcasecmp (s, "same") == 0)
    *out = NN_PAD_SAME;
  else
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “padding” = “%s” is not supported "
                 "(only “valid” and “same”)", s);
  return TRUE;
}

static gboolean
get_activation (Ctx *c, const Who *w, JsonObject *o, NnActivation *out)
{
  JsonNode *n = member (o, "activation");
  if (node_is_null (n))
    {
      *out = NN_ACT_LINEAR;
      return TRUE;
    }
  const char *s = node_string (n);
  if (s == NULL)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “activation” is not a built-in "
                 "activation name");
  if (!nn_activation_from_keras (s, out))
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “activation” = “%s” is not supported", s);
  return TRUE;
}

static gboolean
check_data_format (Ctx *c, const Who *w, JsonObject *o)
{
  JsonNode *n = member (o, "data_format");
  if (node_is_null (n))
    return TRUE;
  const char *s = node_string (n);
  if (s == NULL)
    return fail (c, w, NN_ERROR_FORMAT, "option “data_format” is not a string");
  if (strcmp (s, "channels_last") != 0)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “data_format” = “%s” is not supported "
                 "(only “channels_last”)", s);
  return TRUE;
}

static gboolean
check_dilation_groups (Ctx *c, const Who *w, JsonObject *o)
{
  int dh, dw, groups;
  if (!get_pair (c, w, o, "dilation_rate", 1, 1, G_MAXINT, &dh, &dw))
    return FALSE;
  if (dh != 1 || dw != 1)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “dilation_rate” = (%d, %d) is not "
                 "supported (only 1)", dh, dw);
  if (!get_int (c, w, o, "groups", 1, 1, G_MAXINT, &groups))
    return FALSE;
  if (groups != 1)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “groups” = %d is not supported (only 1)",
                 groups);
  return TRUE;
}

/* ---- one layer ------------------------------------------------------------------ */

static int
prev_rank (Ctx *c, int input)
{
  return input >= 0 ? g_array_index (c->ranks, int, input) : 3;
}

static gboolean
need_image (Ctx *c, const Who *w, int rank)
{
  if (rank != 3)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "needs an image-shaped (H, W, C) input, "
                 "but gets a rank-%d tensor", rank);
  return TRUE;
}

static gboolean
parse_conv (Ctx *c, const Who *w, JsonObject *o, NnLayer *p, int rank)
{
  NnConvConfig *cc = &p->cfg.conv;
  cc->filters = 0;
  cc->depth_multiplier = 1;
  if (p->kind != NN_LAYER_DEPTHWISE_CONV2D
      && !get_int (c, w, o, "filters", -1, 1, NN_KERAS_MAX_DIM, &cc->filters))
    return FALSE;
  if (p->kind != NN_LAYER_CONV2D
      && !get_int (c, w, o, "depth_multiplier", 1, 1, 1024, &cc->depth_multiplier))
    return FALSE;
  return need_image (c, w, rank)
         && get_pair (c, w, o, "kernel_size", -1, 1, NN_KERAS_MAX_KERNEL, &cc->kh, &cc->kw)
         && get_pair (c, w, o, "strides", 1, 1, NN_KERAS_MAX_KERNEL, &cc->stride_h, &cc->stride_w)
         && get_padding (c, w, o, &cc->padding)
         && check_data_format (c, w, o)
         && check_dilation_groups (c, w, o)
         && get_activation (c, w, o, &cc->activation)
         && get_bool (c, w, o, "use_bias", TRUE, &cc->use_bias);
}

static gboolean
parse_pool (Ctx *c, const Who *w, JsonObject *o, NnLayer *p, int rank)
{
  NnPoolConfig *pc = &p->cfg.pool;
  if (!need_image (c, w, rank)
      || !get_pair (c, w, o, "pool_size", 2, 1, NN_KERAS_MAX_KERNEL, &pc->pool_h, &pc->pool_w))
    return FALSE;
  /* Keras: strides default to pool_size. */
  pc->stride_h = pc->pool_h, pc->stride_w = pc->pool_w;
  return (node_is_null (member (o, "strides"))
          || get_pair (c, w, o, "strides", 1, 1, NN_KERAS_MAX_KERNEL, &pc->stride_h,
                       &pc->stride_w))
         && get_padding (c, w, o, &pc->padding)
         && check_data_format (c, w, o);
}

static gboolean
parse_reshape (Ctx *c, const Who *w, JsonObject *o, NnLayer *p, int *rank, gboolean *keep)
{
  JsonArray *a = node_array (member (o, "target_shape"));
  guint n = a ? json_array_get_length (a) : 0;
  gint64 v[3];
  if (a == NULL || n < 1 || n > 3)
    return fail (c, w, a ? NN_ERROR_UNSUPPORTED : NN_ERROR_FORMAT,
                 "option “target_shape” must be a list of 1 to 3 integers");
  for (guint i = 0; i < n; i++)
    if (!node_int (json_array_get_element (a, i), &v[i]) || v[i] == 0 || v[i] < -1
        || v[i] > (1 << 24))
      return fail (c, w, NN_ERROR_FORMAT, "option “target_shape” holds a bad dimension");
  if (n == 1)
    p->cfg.reshape = (NnShape){ 1, 1, (int) v[0] };
  else if (n == 2)
    p->cfg.reshape = (NnShape){ (int) v[0], (int) v[1], 1 }; /* like a (28, 28) input */
  else
    p->cfg.reshape = (NnShape){ (int) v[0], (int) v[1], (int) v[2] };
  *rank = (int) n;
  *keep = n == 2; /* the engine shape cannot tell (a, b) from (a, b, 1): keep it */
  return TRUE;
}

typedef struct {
  const char *keys[12];
} Consumed;

static void
consume (Consumed *k, const char *key)
{
  for (int i = 0; i < (int) G_N_ELEMENTS (k->keys); i++)
    if (k->keys[i] == NULL)
      {
        k->keys[i] = key;
        return;
      }
}

static gboolean
consumed (const Consumed *k, const char *key)
{
  for (int i = 0; i < (int) G_N_ELEMENTS (k->keys) && k->keys[i]; i++)
    if (strcmp (k->keys[i], key) == 0)
      return TRUE;
  return FALSE;
}

/* The config items the engine does not interpret, kept to be written back. */
static char *
extra_json (NnLayerKind kind, JsonObject *o, const Consumed *k)
{
  GString *s = g_string_new ("{");
  JsonObjectIter it;
  const char *key;
  JsonNode *val;
  gboolean any = FALSE;
  json_object_iter_init_ordered (&it, o);
  while (json_object_iter_next_ordered (&it, &key, &val))
    {
      if (strcmp (key, "name") == 0 || strcmp (key, "trainable") == 0 || consumed (k, key)
          || nn_keras_config_is_default (kind, key, val))
        continue;
      if (any)
        g_string_append (s, ", ");
      any = TRUE;
      nn_json_write_string (s, key);
      g_string_append (s, ": ");
      nn_json_write_node (s, val);
    }
  g_string_append_c (s, '}');
  if (!any)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

/* Fills kind, config and trainable of p from a layer config, and extra with the items
 * the engine does not interpret (NULL when none); rank is the Keras rank of the input
 * and gets the rank of the output. */
static gboolean
parse_layer (Ctx *c, const Who *w, NnLayerKind kind, JsonObject *o, NnLayer *p, int *rank,
             char **extra)
{
  Consumed k = { { 0 } };
  gboolean ok = TRUE, keep_target = FALSE;
  memset (&p->cfg, 0, sizeof p->cfg);
  p->kind = kind;
  if (!get_bool (c, w, o, "trainable", TRUE, &p->trainable))
    return FALSE;
  switch (kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      {
        static const char *const ck[] = { "filters", "depth_multiplier", "kernel_size",
                                          "strides", "padding", "data_format", "dilation_rate",
                                          "groups", "activation", "use_bias" };
        ok = parse_conv (c, w, o, p, *rank);
        for (guint i = 0; i < G_N_ELEMENTS (ck); i++)
          consume (&k, ck[i]);
        break;
      }
    case NN_LAYER_BATCH_NORM:
      {
        int axis;
        NnBatchNormConfig *b = &p->cfg.bn;
        ok = get_int (c, w, o, "axis", -1, G_MININT, G_MAXINT, &axis)
             && (axis == -1 || axis == *rank
                 || fail (c, w, NN_ERROR_UNSUPPORTED, "option “axis” = %d is not supported "
                          "(only the channel axis, -1)", axis))
             && get_float (c, w, o, "momentum", 0.99, 0.0, 1.0, &b->momentum)
             && get_float (c, w, o, "epsilon", 0.001, 1e-12, 1e3, &b->epsilon)
             && (b->epsilon > 0 || fail (c, w, NN_ERROR_FORMAT, "option “epsilon” is 0"))
             && get_bool (c, w, o, "center", TRUE, &b->center)
             && get_bool (c, w, o, "scale", TRUE, &b->scale);
        consume (&k, "axis"), consume (&k, "momentum"), consume (&k, "epsilon");
        consume (&k, "center"), consume (&k, "scale");
        break;
      }
    case NN_LAYER_ACTIVATION:
      ok = get_activation (c, w, o, &p->cfg.act.activation);
      consume (&k, "activation");
      break;
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
      ok = parse_pool (c, w, o, p, *rank);
      consume (&k, "pool_size"), consume (&k, "strides"), consume (&k, "padding");
      consume (&k, "data_format");
      break;
    case NN_LAYER_GLOBAL_AVG_POOL:
      {
        gboolean keepdims;
        ok = need_image (c, w, *rank) && check_data_format (c, w, o)
             && get_bool (c, w, o, "keepdims", FALSE, &keepdims);
        consume (&k, "data_format");
        *rank = ok && keepdims ? 3 : 1; /* keepdims stays in the extra items */
        return ok && (*extra = extra_json (kind, o, &k), TRUE);
      }
    case NN_LAYER_DROPOUT:
      ok = get_float (c, w, o, "rate", NAN, 0.0, 0.999999, &p->cfg.dropout.rate);
      consume (&k, "rate");
      break;
    case NN_LAYER_FLATTEN:
      ok = check_data_format (c, w, o);
      consume (&k, "data_format");
      *rank = 1;
      break;
    case NN_LAYER_RESHAPE:
      ok = parse_reshape (c, w, o, p, rank, &keep_target);
      if (!keep_target)
        consume (&k, "target_shape");
      break;
    case NN_LAYER_RESCALING:
      ok = get_float (c, w, o, "scale", NAN, -1e30, 1e30, &p->cfg.rescaling.scale)
           && get_float (c, w, o, "offset", 0.0, -1e30, 1e30, &p->cfg.rescaling.offset);
      consume (&k, "scale"), consume (&k, "offset");
      break;
    case NN_LAYER_DENSE:
      ok = (*rank != 2
            || fail (c, w, NN_ERROR_UNSUPPORTED, "a Dense layer directly on a (H, W) input is "
                     "not supported; add a Flatten layer"))
           && get_int (c, w, o, "units", -1, 1, NN_KERAS_MAX_DIM, &p->cfg.dense.units)
           && get_activation (c, w, o, &p->cfg.dense.activation)
           && get_bool (c, w, o, "use_bias", TRUE, &p->cfg.dense.use_bias);
      consume (&k, "units"), consume (&k, "activation"), consume (&k, "use_bias");
      break;
    case NN_LAYER_CONCATENATE:
      {
        int axis;
        ok = get_int (c, w, o, "axis", -1, G_MININT, G_MAXINT, &axis)
             && (axis == -1 || (axis == *rank && *rank == 3)
                 || fail (c, w, NN_ERROR_UNSUPPORTED, "option “axis” = %d is not supported "
                          "(only the channel axis, -1)", axis));
        p->cfg.concat.axis = -1;
        consume (&k, "axis");
        break;
      }
    default: /* Add */
      break;
    }
  if (!ok)
    return FALSE;
  if (kind == NN_LAYER_CONV2D || kind == NN_LAYER_DEPTHWISE_CONV2D
      || kind == NN_LAYER_SEPARABLE_CONV2D || kind == NN_LAYER_MAX_POOL
      || kind == NN_LAYER_AVG_POOL)
    *rank = 3;
  *extra = extra_json (kind, o, &k);
  return TRUE;
}

/* ---- building the graph ------------------------------------------------------ */

/* Adds p, and keeps extra (taken) as the layer's config items in c->info. */
static int
add_layer (Ctx *c, NnLayer *p, const char *path, int rank, char *extra)
{
  if (c->m->n_layers >= NN_KERAS_MAX_LAYERS)
    {
      fail (c, NULL, NN_ERROR_UNSUPPORTED, "more than %d layers", NN_KERAS_MAX_LAYERS);
      g_free (extra);
      return -1;
    }
  int idx = nn_model_add_layer (c->m, p);
  if (idx < 0)
    {
      fail (c, NULL, NN_ERROR_FORMAT, "layer “%s” cannot be added to the graph", p->name);
      g_free (extra);
      return -1;
    }
  nn_keras_info_take_layer_config (c->info, p->name, extra);
  g_ptr_array_add (c->paths, g_strdup (path));
  g_array_append_val (c->ranks, rank);
  return idx;
}

static gboolean
parse_input_shape (Ctx *c, const Who *w, JsonNode *n, gboolean has_batch)
{
  JsonArray *a = node_array (n);
  guint len = a ? json_array_get_length (a) : 0;
  gint64 d[4] = { 0 };
  guint nd = has_batch ? len - 1 : len;
  if (a == NULL || len < (has_batch ? 2u : 1u) || nd > 4)
    return fail (c, w, NN_ERROR_FORMAT, "the input shape is missing or not a list");
  for (guint i = 0; i < nd; i++)
    {
      JsonNode *e = json_array_get_element (a, i + has_batch);
      if (!node_int (e, &d[i]))
        return fail (c, w, NN_ERROR_UNSUPPORTED, "the input shape has an unknown or "
                     "non-integer dimension");
    }
  NnInputLayout layout;
  NnShape shape;
  if (nd == 3 && d[0] == 28 && d[1] == 28 && d[2] == 1)
    layout = NN_INPUT_IMAGE, shape = (NnShape){ 28, 28, 1 };
  else if (nd == 2 && d[0] == 28 && d[1] == 28)
    layout = NN_INPUT_MATRIX, shape = (NnShape){ 28, 28, 1 };
  else if (nd == 1 && d[0] == 784)
    layout = NN_INPUT_FLAT, shape = (NnShape){ 1, 1, 784 };
  else
    {
      GString *s = g_string_new ("(");
      for (guint i = 0; i < nd; i++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", d[i]);
      g_string_append (s, nd == 1 ? ",)" : ")");
      fail (c, w, NN_ERROR_UNSUPPORTED, "input shape %s is not an MNIST layout; expected "
            "(28, 28, 1), (28, 28) or (784,)", s->str);
      g_string_free (s, TRUE);
      return FALSE;
    }
  if (nn_model_add_input (c->m, shape, layout, w->name ? w->name : "input_layer") != 0)
    return fail (c, w, NN_ERROR_FORMAT, "the input layer cannot be added");
  int rank = (int) nd;
  g_ptr_array_add (c->paths, NULL);
  g_array_append_val (c->ranks, rank);
  return TRUE;
}

static gboolean
parse_input_layer (Ctx *c, const Who *w, JsonObject *cfg)
{
  JsonNode *shape = member (cfg, "batch_shape");
  if (shape == NULL)
    shape = member (cfg, "batch_input_shape"); /* tf.keras 2 spelling */
  if (shape == NULL && member (cfg, "shape") != NULL)
    return parse_input_shape (c, w, member (cfg, "shape"), FALSE);
  gboolean sparse = FALSE;
  if (!get_bool (c, w, cfg, "sparse", FALSE, &sparse))
    return FALSE;
  if (sparse)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "option “sparse” = true is not supported");
  return parse_input_shape (c, w, shape, TRUE);
}

static gboolean
class_of (Ctx *c, JsonObject *entry, int i, const char **cls, JsonObject **cfg)
{
  *cls = node_string (member (entry, "class_name"));
  *cfg = node_object (member (entry, "config"));
  if (*cls == NULL || *cfg == NULL)
    return fail (c, NULL, NN_ERROR_FORMAT, "layer entry %d has no “class_name” or no “config” "
                 "object", i);
  return TRUE;
}

static gboolean
kind_of (Ctx *c, const Who *w, NnLayerKind *kind)
{
  if (!nn_layer_kind_from_keras (w->cls, kind))
    return fail (c, w, NN_ERROR_UNSUPPORTED, "layer class “%s” is not supported", w->cls);
  return TRUE;
}

/* The weight group key of a layer: snake_case of its class, then _1, _2, ... */
static char *
next_key (GHashTable *used, const char *cls)
{
  char *snake = nn_keras_snake_case (cls);
  gpointer n;
  if (g_hash_table_lookup_extended (used, snake, NULL, &n))
    {
      int k = GPOINTER_TO_INT (n) + 1;
      g_hash_table_insert (used, g_strdup (snake), GINT_TO_POINTER (k));
      char *key = g_strdup_printf ("%s_%d", snake, k);
      g_free (snake);
      return key;
    }
  g_hash_table_insert (used, g_strdup (snake), GINT_TO_POINTER (0));
  return snake;
}

static const char *
canonical_class (const char *cls)
{
  NnLayerKind kind;
  if (nn_layer_kind_from_keras (cls, &kind))
    return nn_layer_kind_to_keras (kind); /* aliases are the same Python class */
  return cls;
}

static gboolean
is_model_class (const char *cls)
{
  return strcmp (cls, "Sequential") == 0 || strcmp (cls, "Functional") == 0
         || strcmp (cls, "Model") == 0;
}

static int
parse_sequential (Ctx *c, JsonNode *config, int input, const char *prefix,
                  JsonObject *build_config);

/* Adds a non-input layer (or a nested Sequential) fed by inputs; returns its index. */
static int
add_entry (Ctx *c, const char *cls, JsonObject *cfg, JsonNode *cfg_node, const char *name,
           const int *inputs, int n_inputs, const char *path)
{
  Who w = { name, cls };
  if (strcmp (cls, "Sequential") == 0)
    {
      if (n_inputs != 1)
        return fail (c, &w, NN_ERROR_UNSUPPORTED, "a nested model with %d inputs is not "
                     "supported", n_inputs), -1;
      if (c->nesting >= NN_KERAS_MAX_NESTING)
        return fail (c, &w, NN_ERROR_UNSUPPORTED, "models are nested too deeply"), -1;
      g_autofree char *sub = g_strconcat (path, "/", NULL);
      c->nesting++;
      int last = parse_sequential (c, cfg_node, inputs[0], sub, NULL);
      c->nesting--;
      return last;
    }
  if (is_model_class (cls))
    return fail (c, &w, NN_ERROR_UNSUPPORTED, "a nested %s model is not supported (only a "
                 "nested Sequential)", cls), -1;
  NnLayerKind kind;
  if (!kind_of (c, &w, &kind))
    return -1;
  if (kind == NN_LAYER_INPUT)
    return fail (c, &w, NN_ERROR_UNSUPPORTED, "a second input layer is not supported; the "
                 "model must have exactly one input"), -1;
  gboolean merge = kind == NN_LAYER_ADD || kind == NN_LAYER_CONCATENATE;
  if (merge ? n_inputs < 1 : n_inputs != 1)
    return fail (c, &w, NN_ERROR_FORMAT, "is called on %d inputs", n_inputs), -1;
  int rank = prev_rank (c, inputs[0]);
  NnLayer p = { 0 };
  char *extra = NULL;
  if (!parse_layer (c, &w, kind, cfg, &p, &rank, &extra))
    return -1;
  p.name = (char *) name;
  p.n_inputs = n_inputs;
  memcpy (p.inputs, inputs, n_inputs * sizeof (int));
  if (kind == NN_LAYER_ADD || kind == NN_LAYER_CONCATENATE)
    for (int i = 1; i < n_inputs; i++)
      rank = MAX (rank, prev_rank (c, inputs[i]));
  return add_layer (c, &p, path, rank, extra);
}

static char *
auto_name (Ctx *c, GHashTable *names, const char *cls)
{
  /* Sequential layers may omit names: give them Keras-style ones. */
  char *key = next_key (names, canonical_class (cls));
  while (nn_model_find_layer (c->m, key) >= 0)
    {
      g_free (key);
      key = next_key (names, canonical_class (cls));
    }
  return key;
}

static int
parse_sequential (Ctx *c, JsonNode *config, int input, const char *prefix,
                  JsonObject *build_config)
{
  JsonObject *co = node_object (config);
  JsonArray *layers = co ? node_array (member (co, "layers")) : node_array (config);
  if (layers == NULL)
    return fail (c, NULL, NN_ERROR_FORMAT, "the Sequential model has no “layers” list"), -1;
  guint n = json_array_get_length (layers);
  if (n > NN_KERAS_MAX_LAYERS)
    return fail (c, NULL, NN_ERROR_UNSUPPORTED, "more than %d layers", NN_KERAS_MAX_LAYERS), -1;
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int prev = input;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = node_object (json_array_get_element (layers, i));
      const char *cls;
      JsonObject *cfg;
      if (entry == NULL)
        return fail (c, NULL, NN_ERROR_FORMAT, "layer entry %u is not an object", i), -1;
      if (!class_of (c, entry, (int) i, &cls, &cfg))
        return -1;
      const char *name = node_string (member (cfg, "name"));
      Who w = { name, cls };
      if (strcmp (cls, "InputLayer") == 0)
        {
          if (prev >= 0 && !(i == 0 && input >= 0))
            return fail (c, &w, NN_ERROR_UNSUPPORTED, "an input layer in the middle of a "
                         "Sequential model is not supported"), -1;
          if (prev < 0)
            {
              if (!parse_input_layer (c, &w, cfg))
                return -1;
              prev = 0;
            }
          continue; /* a nested model's own InputLayer is its outer producer */
        }
      if (prev < 0)
        {
          /* No InputLayer: the shape comes from the first layer or the model. */
          Who wi = { "input_layer", "InputLayer" };
          JsonNode *shape = member (cfg, "batch_shape");
          if (shape == NULL)
            shape = member (cfg, "batch_input_shape");
          if (shape == NULL && co)
            shape = member (co, "build_input_shape");
          if (shape == NULL && build_config)
            shape = member (build_config, "input_shape");
          if (shape == NULL)
            return fail (c, NULL, NN_ERROR_FORMAT, "the Sequential model declares no input "
                         "shape"), -1;
          if (!parse_input_shape (c, &wi, shape, TRUE))
            return -1;
          prev = 0;
        }
      g_autofree char *key = next_key (used, canonical_class (cls));
      g_autofree char *path = g_strconcat (prefix, "layers/", key, NULL);
      g_autofree char *auto_nm = name ? NULL : auto_name (c, names, cls);
      JsonNode *cfg_node = member (entry, "config");
      prev = add_entry (c, cls, cfg, cfg_node, name ? name : auto_nm, &prev, 1, path);
      if (prev < 0)
        return -1;
    }
  if (prev < 0 || (input < 0 && c->m->n_layers < 2))
    return fail (c, NULL, NN_ERROR_FORMAT, "the Sequential model has no layers"), -1;
  return prev;
}

/* ---- Functional ---------------------------------------------------------------- */

typedef struct {
  const char *name, *cls;
  JsonObject *cfg;
  JsonNode *cfg_node;
  int n_in;
  const char *in_names[NN_MAX_INPUTS];
  int state;      /* 0 new, 1 in progress, 2 done */
  int visit;      /* first-visit index in the walk from the output */
  int depth;      /* longest path to the output */
  int index;      /* model layer index once added */
} Entry;

typedef struct {
  Entry *e;
  int n;
  GHashTable *by_name;
  GArray *post;   /* entry indices in post-order (inputs first) */
  int visits;
} Graph;

static gboolean
collect_history (Ctx *c, const Who *w, Entry *e, JsonNode *n, int depth)
{
  /* Keras 3: {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}},
   * possibly inside lists (merge layers take a list as their first argument). */
  if (depth > 8)
    return fail (c, w, NN_ERROR_FORMAT, "“inbound_nodes” nests too deeply");
  JsonArray *a = node_array (n);
  JsonObject *o = node_object (n);
  if (a)
    {
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (!collect_history (c, w, e, json_array_get_element (a, i), depth + 1))
          return FALSE;
      return TRUE;
    }
  if (o == NULL || g_strcmp0 (node_string (member (o, "class_name")), "__keras_tensor__") != 0)
    return TRUE;
  JsonArray *h = node_array (member (node_object (member (o, "config")), "keras_history"));
  const char *name = h && json_array_get_length (h) == 3
                     ? node_string (json_array_get_element (h, 0)) : NULL;
  gint64 node_index, tensor_index;
  if (name == NULL || !node_int (json_array_get_element (h, 1), &node_index)
      || !node_int (json_array_get_element (h, 2), &tensor_index))
    return fail (c, w, NN_ERROR_FORMAT, "an input tensor has no valid “keras_history”");
  if (node_index != 0 || tensor_index != 0)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "takes output %" G_GINT64_FORMAT " of call %"
                 G_GINT64_FORMAT " of “%s”; shared layers are not supported", tensor_index,
                 node_index, name);
  if (e->n_in >= NN_MAX_INPUTS)
    return fail (c, w, NN_ERROR_UNSUPPORTED, "more than %d inputs", NN_MAX_INPUTS);
  e->in_names[e->n_in++] = name;
  return TRUE;
}

static gboolean
parse_inbound (Ctx *c, Entry *e, JsonObject *entry)
{
  Who w = { e->name, e->cls };
  JsonArray *nodes = node_array (member (entry, "inbound_nodes"));
  if (nodes == NULL)
    return fail (c, &w, NN_ERROR_FORMAT, "has no “inbound_nodes” list");
  guint n = json_array_get_length (nodes);
  if (n == 0)
    return TRUE;
  if (n > 1)
    return fail (c, &w, NN_ERROR_UNSUPPORTED, "is called %u times; shared layers are not "
                 "supported", n);
  JsonNode *node = json_array_get_element (nodes, 0);
  JsonObject *o = node_object (node);
  if (o)
    return collect_history (c, &w, e, member (o, "args"), 0);
  /* tf.keras 2: [[name, node_index, tensor_index, kwargs], ...] */
  JsonArray *calls = node_array (node);
  if (calls == NULL)
    return fail (c, &w, NN_ERROR_FORMAT, "“inbound_nodes” is not understood");
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonArray *t = node_array (json_array_get_element (calls, i));
      const char *name = t && json_array_get_length (t) >= 3
                         ? node_string (json_array_get_element (t, 0)) : NULL;
      if (name == NULL)
        return fail (c, &w, NN_ERROR_FORMAT, "“inbound_nodes” is not understood");
      if (e->n_in >= NN_MAX_INPUTS)
        return fail (c, &w, NN_ERROR_UNSUPPORTED, "more than %d inputs", NN_MAX_INPUTS);
      e->in_names[e->n_in++] = name;
    }
  return TRUE;
}

/* [name, 0, 0] or [[name, 0, 0], ...]: how many, the first name, and all names
 * quoted for a message. */
static int
triples (JsonNode *n, const char **first, GString *names)
{
  JsonArray *a = node_array (n);
  *first = NULL;
  if (a == NULL || json_array_get_length (a) == 0)
    return 0;
  if (node_string (json_array_get_element (a, 0)))
    {
      *first = node_string (json_array_get_element (a, 0));
      g_string_append_printf (names, "“%s”", *first);
      return 1;
    }
  guint len = json_array_get_length (a);
  for (guint i = 0; i < len && i < 8; i++)
    {
      JsonArray *t = node_array (json_array_get_element (a, i));
      const char *name = t && json_array_get_length (t) > 0
                         ? node_string (json_array_get_element (t, 0)) : NULL;
      if (i == 0)
        *first = name;
      g_string_append_printf (names, "%s“%s”", i ? ", " : "", name ? name : "?");
    }
  return (int) len;
}

static gboolean
walk (Ctx *c, Graph *g, int i)
{
  Entry *e = &g->e[i];
  if (e->state == 2)
    return TRUE;
  if (e->state == 1)
    return fail (c, NULL, NN_ERROR_FORMAT, "the layer graph has a cycle through “%s”", e->name);
  if (e->visit < 0)
    e->visit = g->visits++;
  e->state = 1;
  for (int k = 0; k < e->n_in; k++)
    {
      gpointer p;
      if (!g_hash_table_lookup_extended (g->by_name, e->in_names[k], NULL, &p))
        {
          Who w = { e->name, e->cls };
          return fail (c, &w, NN_ERROR_FORMAT, "takes its input from an unknown layer “%s”",
                       e->in_names[k]);
        }
      if (!walk (c, g, GPOINTER_TO_INT (p)))
        return FALSE;
    }
  e->state = 2;
  g_array_append_val (g->post, i);
  return TRUE;
}

static int
cmp_order (gconstpointer a, gconstpointer b, gpointer data)
{
  const Entry *e = data;
  const Entry *x = &e[*(const int *) a], *y = &e[*(const int *) b];
  if (x->depth != y->depth)
    return y->depth - x->depth;
  return x->visit - y->visit;
}

static gboolean
functional_entries (Ctx *c, JsonArray *layers, Graph *g)
{
  g->n = (int) json_array_get_length (layers);
  g->e = g_new0 (Entry, MAX (g->n, 1));
  for (int i = 0; i < g->n; i++)
    {
      Entry *e = &g->e[i];
      JsonObject *entry = node_object (json_array_get_element (layers, i));
      if (entry == NULL)
        return fail (c, NULL, NN_ERROR_FORMAT, "layer entry %d is not an object", i);
      if (!class_of (c, entry, i, &e->cls, &e->cfg))
        return FALSE;
      e->cfg_node = member (entry, "config");
      e->name = node_string (member (entry, "name"));
      if (e->name == NULL)
        e->name = node_string (member (e->cfg, "name"));
      if (e->name == NULL)
        return fail (c, NULL, NN_ERROR_FORMAT, "layer entry %d has no name", i);
      if (g_hash_table_contains (g->by_name, e->name))
        return fail (c, NULL, NN_ERROR_FORMAT, "two layers are named “%s”", e->name);
      g_hash_table_insert (g->by_name, (gpointer) e->name, GINT_TO_POINTER (i));
      e->visit = -1;
      e->index = -1;
      if (!parse_inbound (c, e, entry))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_functional (Ctx *c, JsonObject *co)
{
  JsonArray *layers = node_array (member (co, "layers"));
  if (layers == NULL)
    return fail (c, NULL, NN_ERROR_FORMAT, "the Functional model has no “layers” list");
  if (json_array_get_length (layers) > NN_KERAS_MAX_LAYERS)
    return fail (c, NULL, NN_ERROR_UNSUPPORTED, "more than %d layers", NN_KERAS_MAX_LAYERS);
  const char *in_name, *out_name;
  g_autoptr (GString) ins = g_string_new (NULL);
  g_autoptr (GString) outs = g_string_new (NULL);
  int n_in = triples (member (co, "input_layers"), &in_name, ins);
  int n_out = triples (member (co, "output_layers"), &out_name, outs);
  if (n_in != 1)
    return fail (c, NULL, n_in > 1 ? NN_ERROR_UNSUPPORTED : NN_ERROR_FORMAT,
                 "the model has %d inputs (%s); only models with exactly one input are "
                 "supported", n_in, ins->str);
  if (n_out != 1 || out_name == NULL || in_name == NULL)
    return fail (c, NULL, n_out > 1 ? NN_ERROR_UNSUPPORTED : NN_ERROR_FORMAT,
                 "the model has %d outputs (%s); only models with exactly one output are "
                 "supported", n_out, outs->str);

  Graph g = { 0 };
  gboolean ok = FALSE;
  g.by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g.post = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  gpointer p;
  if (!functional_entries (c, layers, &g))
    goto out;
  int n_input_layers = 0;
  for (int i = 0; i < g.n; i++)
    if (strcmp (g.e[i].cls, "InputLayer") == 0)
      g_string_append_printf (outs, "%s“%s”", n_input_layers++ ? ", " : "", g.e[i].name);
  if (n_input_layers > 1)
    {
      fail (c, NULL, NN_ERROR_UNSUPPORTED, "the model has %d inputs (%s); only models with "
            "exactly one input are supported", n_input_layers, outs->str);
      goto out;
    }
  if (!g_hash_table_lookup_extended (g.by_name, out_name, NULL, &p))
    {
      fail (c, NULL, NN_ERROR_FORMAT, "the output layer “%s” is not in the layer list", out_name);
      goto out;
    }
  if (!walk (c, &g, GPOINTER_TO_INT (p)))
    goto out;
  /* Depth of each layer: the longest path to the output (Keras's map_graph). */
  for (int k = (int) g.post->len - 1; k >= 0; k--)
    {
      Entry *e = &g.e[g_array_index (g.post, int, k)];
      for (int j = 0; j < e->n_in; j++)
        {
          Entry *src = &g.e[GPOINTER_TO_INT (g_hash_table_lookup (g.by_name, e->in_names[j]))];
          src->depth = MAX (src->depth, e->depth + 1);
        }
      g_array_append_val (order, g_array_index (g.post, int, k));
    }
  g_array_sort_with_data (order, cmp_order, g.e);

  for (guint k = 0; k < order->len; k++)
    {
      Entry *e = &g.e[g_array_index (order, int, k)];
      Who w = { e->name, e->cls };
      g_autofree char *key = next_key (used, canonical_class (e->cls));
      g_autofree char *path = g_strconcat ("layers/", key, NULL);
      if (strcmp (e->cls, "InputLayer") == 0)
        {
          if (k != 0 || strcmp (e->name, in_name) != 0)
            {
              fail (c, &w, NN_ERROR_FORMAT, "is not the model input “%s”", in_name);
              goto out;
            }
          if (!parse_input_layer (c, &w, e->cfg))
            goto out;
          e->index = 0;
          continue;
        }
      if (k == 0 || e->n_in == 0)
        {
          fail (c, &w, NN_ERROR_FORMAT, "has no input, or the model has no InputLayer");
          goto out;
        }
      int inputs[NN_MAX_INPUTS];
      for (int j = 0; j < e->n_in; j++)
        inputs[j] = g.e[GPOINTER_TO_INT (g_hash_table_lookup (g.by_name, e->in_names[j]))].index;
      e->index = add_entry (c, e->cls, e->cfg, e->cfg_node, e->name, inputs, e->n_in, path);
      if (e->index < 0)
        goto out;
    }
  ok = TRUE;
out:
  g_hash_table_unref (g.by_name);
  g_array_unref (g.post);
  g_free (g.e);
  return ok;
}

/* ---- before allocating -------------------------------------------------------- */

/* The engine's shape inference (nn-shape.h), with the reader's limits on the
 * weights and on one layer's output: refuses before nn_model_finish allocates. */
static gboolean
params_ok (Ctx *c)
{
  NnShapeLimits limits = { NN_KERAS_MAX_PARAMS, NN_KERAS_MAX_ACTIVATION };
  if (nn_layers_infer_shapes (c->m->layers, c->m->n_layers, &limits, c->error))
    return TRUE;
  g_prefix_error (c->error, "%s: ", c->display);
  return FALSE;
}

gboolean
nn_keras_config_parse (const char *display, const char *text, gsize len, NnKerasGraph *out,
                       GError **error)
{
  Ctx c = { .display = display, .error = error };
  memset (out, 0, sizeof *out);
  if (!g_utf8_validate (text, (gssize) len, NULL))
    return fail (&c, NULL, NN_ERROR_FORMAT, "config.json is not valid UTF-8");
  switch (nn_json_scan (text, len, NN_KERAS_MAX_JSON_DEPTH, NN_KERAS_MAX_JSON_VALUES))
    {
    case NN_JSON_TOO_DEEP:
      return fail (&c, NULL, NN_ERROR_FORMAT, "config.json nests deeper than %d levels",
                   NN_KERAS_MAX_JSON_DEPTH);
    case NN_JSON_TOO_MANY:
      return fail (&c, NULL, NN_ERROR_UNSUPPORTED, "config.json holds more than %d values "
                   "(a Keras model config holds a few thousand); refusing to parse it",
                   NN_KERAS_MAX_JSON_VALUES);
    default:
      break;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) jerr = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &jerr))
    return fail (&c, NULL, NN_ERROR_FORMAT, "config.json is not valid JSON: %s", jerr->message);
  JsonObject *root = node_object (json_parser_get_root (parser));
  const char *cls = root ? node_string (member (root, "class_name")) : NULL;
  JsonNode *config = root ? member (root, "config") : NULL;
  if (cls == NULL || config == NULL)
    return fail (&c, NULL, NN_ERROR_FORMAT, "config.json has no model “class_name” and "
                 "“config”");
  gboolean functional = strcmp (cls, "Functional") == 0 || strcmp (cls, "Model") == 0;
  if (!functional && strcmp (cls, "Sequential") != 0)
    return fail (&c, NULL, NN_ERROR_UNSUPPORTED, "model class “%s” is not supported (only "
                 "Sequential and Functional)", cls);
  if (functional && node_object (config) == NULL)
    return fail (&c, NULL, NN_ERROR_FORMAT, "the model “config” is not an object");
  const char *name = node_string (member (node_object (config), "name"));

  c.m = nn_model_new (name, functional ? NN_MODEL_FUNCTIONAL : NN_MODEL_SEQUENTIAL);
  c.paths = g_ptr_array_new_with_free_func (g_free);
  c.ranks = g_array_new (FALSE, FALSE, sizeof (int));
  c.info = nn_keras_info_new ();
  gboolean ok = functional
                ? parse_functional (&c, node_object (config))
                : parse_sequential (&c, config, -1, "", node_object (member (root, "build_config"))) >= 0;
  ok = ok && params_ok (&c);
  if (ok && !nn_model_finish (c.m, error))
    {
      g_prefix_error (error, "%s: ", display);
      ok = FALSE;
    }
  /* Every layer's output may be within bounds and a thousand of them still not:
   * a model that cannot run one image is refused here, before its weights are read
   * and before anyone builds a workspace for it. */
  guint64 need = ok ? nn_workspace_estimate_bytes (c.m, 1, NN_MODE_INFERENCE) : 0;
  if (need > NN_WORKSPACE_MAX_BYTES)
    {
      g_autofree char *need_s = g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *limit_s = g_format_size_full (NN_WORKSPACE_MAX_BYTES, G_FORMAT_SIZE_IEC_UNITS);
      ok = fail (&c, NULL, NN_ERROR_UNSUPPORTED, "the model needs %s of activations for a "
                 "single image; the limit is %s", need_s, limit_s);
    }
  JsonNode *compile = member (root, "compile_config");
  if (ok && !node_is_null (compile))
    {
      GString *s = g_string_new (NULL);
      nn_json_write_node (s, compile);
      c.info->compile_config_json = g_string_free (s, FALSE);
    }
  g_array_unref (c.ranks);
  if (!ok)
    {
      nn_model_free (c.m);
      g_ptr_array_unref (c.paths);
      nn_keras_info_free (c.info);
      return FALSE;
    }
  out->model = c.m;
  out->weight_paths = c.paths;
  out->info = c.info;
  return TRUE;
}
