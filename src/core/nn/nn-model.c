/* nn-model.c: building a model graph, laying out its variables in Keras's order
 * once nn-shape.c has inferred the shapes (see nn-tensor.h for the layouts),
 * initialising and counting weights. The passes are in nn-pass.c. */
#include <math.h>
#include <string.h>
#include "nn-model.h"
#include "nn-error.h"
#include "nn-shape.h"
#include "nn-rng.h"
#include "nn-threads.h"

NnModel *
nn_model_new (const char *name, NnModelStyle style)
{
  NnModel *m = g_new0 (NnModel, 1);
  m->name = g_strdup (name ? name : (style == NN_MODEL_SEQUENTIAL ? "sequential" : "functional"));
  m->style = style;
  m->output = -1;
  m->n_threads = 1;
  return m;
}

static void
layer_clear (NnLayer *l)
{
  g_free (l->name);
}

void
nn_model_free (NnModel *m)
{
  if (m == NULL)
    return;
  for (int i = 0; i < m->n_layers; i++)
    layer_clear (&m->layers[i]);
  g_free (m->layers);
  nn_free (m->params);
  nn_free (m->grads);
  g_free (m->name);
  if (m->metadata)
    g_hash_table_unref (m->metadata);
  g_free (m);
}

NnModel *
nn_model_copy (const NnModel *src)
{
  g_return_val_if_fail (src != NULL, NULL);
  NnModel *m = g_new0 (NnModel, 1);
  *m = *src;
  m->name = g_strdup (src->name);
  m->layers = g_new0 (NnLayer, MAX (src->n_layers, 1));
  for (int i = 0; i < src->n_layers; i++)
    {
      m->layers[i] = src->layers[i];
      m->layers[i].name = g_strdup (src->layers[i].name);
    }
  m->params = NULL;
  m->grads = NULL;
  if (src->params)
    {
      m->params = nn_alloc_floats (src->n_params);
      memcpy (m->params, src->params, src->n_params * sizeof (float));
      nn_model_params_changed (m);
    }
  if (src->grads)
    {
      m->grads = nn_alloc_floats (src->n_params);
      memcpy (m->grads, src->grads, src->n_params * sizeof (float));
    }
  m->metadata = NULL;
  if (src->metadata)
    {
      m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, src->metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (m->metadata, g_strdup (k), g_strdup (v));
    }
  return m;
}

/* ---- builders --------------------------------------------------------------- */

int
nn_model_add_layer (NnModel *m, const NnLayer *proto)
{
  g_return_val_if_fail (m != NULL && proto != NULL, -1);
  g_return_val_if_fail (proto->kind >= 0 && proto->kind < NN_LAYER_N_KINDS, -1);
  g_return_val_if_fail (m->params == NULL, -1); /* finished models are closed */
  if (proto->kind == NN_LAYER_INPUT)
    g_return_val_if_fail (m->n_layers == 0 && proto->n_inputs == 0, -1);
  else
    {
      g_return_val_if_fail (m->n_layers > 0, -1);
      g_return_val_if_fail (proto->n_inputs >= 1 && proto->n_inputs <= NN_MAX_INPUTS, -1);
      for (int i = 0; i < proto->n_inputs; i++)
        g_return_val_if_fail (proto->inputs[i] >= 0 && proto->inputs[i] < m->n_layers, -1);
    }
  m->layers = g_renew (NnLayer, m->layers, m->n_layers + 1);
  NnLayer *l = &m->layers[m->n_layers];
  *l = *proto;
  l->name = g_strdup (proto->name ? proto->name : "layer");
  l->n_vars = 0;
  return m->n_layers++;
}

static int
add_simple (NnModel *m, NnLayerKind kind, const char *name, int input, NnLayer *proto)
{
  proto->kind = kind;
  proto->name = (char *) name;
  proto->trainable = TRUE;
  proto->n_inputs = 1;
  proto->inputs[0] = input;
  return nn_model_add_layer (m, proto);
}

int
nn_model_add_input (NnModel *m, NnShape shape, NnInputLayout layout, const char *name)
{
  g_return_val_if_fail (m != NULL && m->n_layers == 0, -1);
  g_return_val_if_fail (shape.h > 0 && shape.w > 0 && shape.c > 0, -1);
  NnLayer proto = { .kind = NN_LAYER_INPUT, .name = (char *) (name ? name : "input_layer"),
                    .trainable = TRUE, .in_shape = shape, .out_shape = shape };
  m->input_layout = layout;
  return nn_model_add_layer (m, &proto);
}

static gboolean
conv_cfg_valid (const NnConvConfig *c)
{
  return c->kh > 0 && c->kw > 0 && c->stride_h > 0 && c->stride_w > 0
         && c->activation >= 0 && c->activation < NN_ACT_N_KINDS;
}

int
nn_model_add_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && conv_cfg_valid (cfg) && cfg->filters > 0, -1);
  NnLayer p = { .cfg.conv = *cfg };
  p.cfg.conv.depth_multiplier = 1;
  return add_simple (m, NN_LAYER_CONV2D, name ? name : "conv2d", input, &p);
}

int
nn_model_add_depthwise_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && conv_cfg_valid (cfg), -1);
  NnLayer p = { .cfg.conv = *cfg };
  if (p.cfg.conv.depth_multiplier < 1)
    p.cfg.conv.depth_multiplier = 1;
  return add_simple (m, NN_LAYER_DEPTHWISE_CONV2D, name ? name : "depthwise_conv2d", input, &p);
}

int
nn_model_add_separable_conv2d (NnModel *m, const char *name, int input, const NnConvConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && conv_cfg_valid (cfg) && cfg->filters > 0, -1);
  NnLayer p = { .cfg.conv = *cfg };
  if (p.cfg.conv.depth_multiplier < 1)
    p.cfg.conv.depth_multiplier = 1;
  return add_simple (m, NN_LAYER_SEPARABLE_CONV2D, name ? name : "separable_conv2d", input, &p);
}

int
nn_model_add_batch_norm (NnModel *m, const char *name, int input, const NnBatchNormConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && cfg->epsilon > 0, -1);
  NnLayer p = { .cfg.bn = *cfg };
  return add_simple (m, NN_LAYER_BATCH_NORM, name ? name : "batch_normalization", input, &p);
}

int
nn_model_add_activation (NnModel *m, const char *name, int input, NnActivation act)
{
  g_return_val_if_fail (act >= 0 && act < NN_ACT_N_KINDS, -1);
  NnLayer p = { .cfg.act.activation = act };
  return add_simple (m, NN_LAYER_ACTIVATION, name ? name : "activation", input, &p);
}

int
nn_model_add_max_pool (NnModel *m, const char *name, int input, const NnPoolConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && cfg->pool_h > 0 && cfg->pool_w > 0, -1);
  NnLayer p = { .cfg.pool = *cfg };
  if (p.cfg.pool.stride_h <= 0)
    p.cfg.pool.stride_h = cfg->pool_h; /* Keras: strides default to pool_size */
  if (p.cfg.pool.stride_w <= 0)
    p.cfg.pool.stride_w = cfg->pool_w;
  return add_simple (m, NN_LAYER_MAX_POOL, name ? name : "max_pooling2d", input, &p);
}

int
nn_model_add_avg_pool (NnModel *m, const char *name, int input, const NnPoolConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && cfg->pool_h > 0 && cfg->pool_w > 0, -1);
  NnLayer p = { .cfg.pool = *cfg };
  if (p.cfg.pool.stride_h <= 0)
    p.cfg.pool.stride_h = cfg->pool_h;
  if (p.cfg.pool.stride_w <= 0)
    p.cfg.pool.stride_w = cfg->pool_w;
  return add_simple (m, NN_LAYER_AVG_POOL, name ? name : "average_pooling2d", input, &p);
}

int
nn_model_add_global_avg_pool (NnModel *m, const char *name, int input)
{
  NnLayer p = { 0 };
  return add_simple (m, NN_LAYER_GLOBAL_AVG_POOL, name ? name : "global_average_pooling2d",
                     input, &p);
}

int
nn_model_add_dropout (NnModel *m, const char *name, int input, float rate)
{
  g_return_val_if_fail (rate >= 0.0f && rate < 1.0f, -1);
  NnLayer p = { .cfg.dropout.rate = rate };
  return add_simple (m, NN_LAYER_DROPOUT, name ? name : "dropout", input, &p);
}

int
nn_model_add_flatten (NnModel *m, const char *name, int input)
{
  NnLayer p = { 0 };
  return add_simple (m, NN_LAYER_FLATTEN, name ? name : "flatten", input, &p);
}

int
nn_model_add_reshape (NnModel *m, const char *name, int input, NnShape target)
{
  NnLayer p = { .cfg.reshape = target };
  return add_simple (m, NN_LAYER_RESHAPE, name ? name : "reshape", input, &p);
}

int
nn_model_add_rescaling (NnModel *m, const char *name, int input, float scale, float offset)
{
  NnLayer p = { .cfg.rescaling = { scale, offset } };
  return add_simple (m, NN_LAYER_RESCALING, name ? name : "rescaling", input, &p);
}

int
nn_model_add_dense (NnModel *m, const char *name, int input, const NnDenseConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL && cfg->units > 0, -1);
  g_return_val_if_fail (cfg->activation >= 0 && cfg->activation < NN_ACT_N_KINDS, -1);
  NnLayer p = { .cfg.dense = *cfg };
  return add_simple (m, NN_LAYER_DENSE, name ? name : "dense", input, &p);
}

static int
add_merge (NnModel *m, NnLayerKind kind, const char *name, const int *inputs, int n_inputs)
{
  g_return_val_if_fail (inputs != NULL && n_inputs >= 1 && n_inputs <= NN_MAX_INPUTS, -1);
  NnLayer p = { .kind = kind, .name = (char *) name, .trainable = TRUE, .n_inputs = n_inputs };
  memcpy (p.inputs, inputs, n_inputs * sizeof (int));
  if (kind == NN_LAYER_CONCATENATE)
    p.cfg.concat.axis = -1;
  return nn_model_add_layer (m, &p);
}

int
nn_model_add_add (NnModel *m, const char *name, const int *inputs, int n_inputs)
{
  return add_merge (m, NN_LAYER_ADD, name ? name : "add", inputs, n_inputs);
}

int
nn_model_add_concatenate (NnModel *m, const char *name, const int *inputs, int n_inputs)
{
  return add_merge (m, NN_LAYER_CONCATENATE, name ? name : "concatenate", inputs, n_inputs);
}

/* ---- variable layout ------------------------------------------------------------ */

static NnActivation
layer_activation (const NnLayer *l)
{
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      return l->cfg.conv.activation;
    case NN_LAYER_DENSE:
      return l->cfg.dense.activation;
    case NN_LAYER_ACTIVATION:
      return l->cfg.act.activation;
    default:
      return NN_ACT_LINEAR;
    }
}

gboolean
nn_model_finish (NnModel *m, GError **error)
{
  g_return_val_if_fail (m != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (m->n_layers < 2 || m->layers[0].kind != NN_LAYER_INPUT)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID,
                   "Model “%s” needs an input layer followed by at least one layer", m->name);
      return FALSE;
    }
  if (!nn_layers_infer_shapes (m->layers, m->n_layers, NULL, error))
    return FALSE;
  size_t offset = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = &m->layers[i];
      for (int v = 0; v < l->n_vars; v++)
        {
          /* Each variable starts on a 64-byte boundary for aligned vector loads. */
          l->vars[v].offset = offset;
          offset += (l->vars[v].size + 15) & ~(size_t) 15;
        }
    }
  nn_free (m->params);
  nn_free (m->grads);
  m->n_params = offset;
  m->params = nn_try_alloc_floats (offset);
  m->grads = nn_try_alloc_floats (offset);
  if (m->params == NULL || m->grads == NULL)
    {
      g_clear_pointer (&m->params, nn_free);
      g_clear_pointer (&m->grads, nn_free);
      m->n_params = 0;
      g_autofree char *size = g_format_size_full ((guint64) offset * 2 * sizeof (float), G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Model “%s”: not enough memory for "
                   "its weights and their gradients (%s)", m->name, size);
      return FALSE;
    }
  memset (m->params, 0, MAX (offset, 1) * sizeof (float));
  memset (m->grads, 0, MAX (offset, 1) * sizeof (float));
  /* BN needs variance 1 and gamma 1 to be usable before init or load. */
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        NnVar *var = &m->layers[i].vars[v];
        if (strcmp (var->role, "gamma") == 0 || strcmp (var->role, "moving_variance") == 0)
          for (size_t k = 0; k < var->size; k++)
            m->params[var->offset + k] = 1.0f;
      }
  nn_model_params_changed (m);
  m->output = m->n_layers - 1;
  const NnLayer *out = &m->layers[m->output];
  m->n_classes = (int) nn_shape_size (out->out_shape);
  m->output_softmax = layer_activation (out) == NN_ACT_SOFTMAX
                      && out->out_shape.h == 1 && out->out_shape.w == 1;
  return TRUE;
}

/* ---- weights ---------------------------------------------------------------- */

void
nn_model_params_changed (NnModel *m)
{
  static guint64 last; /* 0 is never a version: a new workspace has seen none */
  g_return_if_fail (m != NULL);
  m->params_version = __atomic_add_fetch (&last, 1, __ATOMIC_RELAXED);
}

void
nn_model_init_weights (NnModel *m, guint64 seed)
{
  nn_model_init_weights_with (m, seed, NN_INIT_GLOROT_UNIFORM);
}

void
nn_model_init_weights_with (NnModel *m, guint64 seed, NnInit init)
{
  g_return_if_fail (m != NULL && m->params != NULL);
  guint64 state = seed ^ 0x5851f42d4c957f2dull;
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        NnVar *var = &m->layers[i].vars[v];
        float *p = m->params + var->offset;
        float fill = 0.0f;
        if (strcmp (var->role, "kernel") == 0 || strstr (var->role, "_kernel") != NULL)
          {
            /* Keras compute_fans: the last two dimensions times the receptive field. */
            size_t receptive = 1;
            for (int d = 0; d < var->ndim - 2; d++)
              receptive *= var->dims[d];
            double fan_in = (double) var->dims[var->ndim - 2] * receptive;
            double fan_out = (double) var->dims[var->ndim - 1] * receptive;
            float limit = init == NN_INIT_FAN_IN_UNIFORM ? (float) (1.0 / sqrt (fan_in))
                                                         : (float) sqrt (6.0 / (fan_in + fan_out));
            for (size_t k = 0; k < var->size; k++)
              p[k] = (2.0f * nn_rng_uniform (&state) - 1.0f) * limit;
            continue;
          }
        if (strcmp (var->role, "gamma") == 0 || strcmp (var->role, "moving_variance") == 0)
          fill = 1.0f;
        for (size_t k = 0; k < var->size; k++)
          p[k] = fill;
      }
  nn_model_params_changed (m);
}

gboolean
nn_model_check_finite (const NnModel *m, GError **error)
{
  g_return_val_if_fail (m != NULL, FALSE);
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        const NnVar *var = &m->layers[i].vars[v];
        const float *p = m->params + var->offset;
        for (size_t k = 0; k < var->size; k++)
          if (!isfinite (p[k]))
            {
              g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC,
                           "Layer “%s”: variable “%s” holds %s at index %zu", m->layers[i].name,
                           var->role, isnan (p[k]) ? "NaN" : "Inf", k);
              return FALSE;
            }
      }
  return TRUE;
}

int
nn_model_find_layer (const NnModel *m, const char *name)
{
  g_return_val_if_fail (m != NULL && name != NULL, -1);
  for (int i = 0; i < m->n_layers; i++)
    if (g_strcmp0 (m->layers[i].name, name) == 0)
      return i;
  return -1;
}

size_t
nn_layer_count_params (const NnLayer *l)
{
  g_return_val_if_fail (l != NULL, 0);
  size_t n = 0;
  for (int v = 0; v < l->n_vars; v++)
    n += l->vars[v].size;
  return n;
}

size_t
nn_model_count_params (const NnModel *m, gboolean trainable_only)
{
  g_return_val_if_fail (m != NULL, 0);
  size_t n = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      if (!trainable_only || (m->layers[i].vars[v].trainable && m->layers[i].trainable))
        n += m->layers[i].vars[v].size;
  return n;
}

static double
layer_forward_flops (const NnLayer *l)
{
  double out_pixels = (double) l->out_shape.h * l->out_shape.w;
  double taps = (double) l->cfg.conv.kh * l->cfg.conv.kw;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
      return 2.0 * out_pixels * l->out_shape.c * taps * l->in_shape.c;
    case NN_LAYER_DEPTHWISE_CONV2D:
      return 2.0 * out_pixels * l->out_shape.c * taps;
    case NN_LAYER_SEPARABLE_CONV2D:
      {
        double mid = (double) l->in_shape.c * l->cfg.conv.depth_multiplier;
        return 2.0 * out_pixels * (mid * taps + mid * l->out_shape.c);
      }
    case NN_LAYER_DENSE:
      return 2.0 * nn_shape_size (l->in_shape) * l->cfg.dense.units;
    default:
      return 0.0;
    }
}

double
nn_model_forward_flops (const NnModel *m)
{
  g_return_val_if_fail (m != NULL, 0.0);
  double flops = 0.0;
  for (int i = 0; i < m->n_layers; i++)
    flops += layer_forward_flops (&m->layers[i]);
  return flops;
}

void
nn_model_set_threads (NnModel *m, int n_threads)
{
  g_return_if_fail (m != NULL);
  m->n_threads = CLAMP (n_threads, 1, NN_MAX_THREADS);
}
