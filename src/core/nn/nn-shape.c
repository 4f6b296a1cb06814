/* nn-shape.c: the engine's shape inference (see nn-shape.h): each layer's
 * output shape and variables from its input and config, checked for overflow
 * and against limits before anything is allocated. */
#include <string.h>
#include "nn-shape.h"
#include "nn-error.h"

/* TensorFlow's rule: 'same' gives ceil(in / stride), 'valid' ceil((in - k + 1) / stride). */
int
nn_conv_out_size (int in, int k, int stride, NnPadding pad)
{
  if (pad == NN_PAD_SAME)
    return (int) (((gint64) in + stride - 1) / stride);
  if (in < k)
    return 0;
  return (in - k) / stride + 1;
}

/* Padding before the first row/column; the extra one of an odd total goes after. */
int
nn_conv_pad_before (int in, int out, int k, int stride, NnPadding pad)
{
  if (pad == NN_PAD_VALID)
    return 0;
  int total = (out - 1) * stride + k - in;
  return total > 0 ? total / 2 : 0;
}

static gboolean
shape_fail (GError **error, const NnLayer *l, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
shape_fail (GError **error, const NnLayer *l, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "Layer “%s” (%s): %s", l->name,
               nn_layer_kind_to_keras (l->kind), msg);
  return FALSE;
}

/* Checked: FALSE (and the variable's size 0) when a dimension is not positive or
 * the product overflows. */
static gboolean
add_var (NnLayer *l, const char *role, int ndim, const int *dims, gboolean trainable)
{
  NnVar *v = &l->vars[l->n_vars++];
  v->role = role;
  v->ndim = ndim;
  v->size = 1;
  v->trainable = trainable;
  for (int i = 0; i < 4; i++)
    v->dims[i] = i < ndim ? dims[i] : 0;
  for (int i = 0; i < ndim; i++)
    if (dims[i] <= 0 || !g_size_checked_mul (&v->size, v->size, (size_t) dims[i]))
      {
        v->size = 0;
        return FALSE;
      }
  return TRUE;
}

/* Adds a variable; a layer whose variable cannot exist fails, named. */
#define VAR(l, role, trainable, ...)                                                          \
  do                                                                                          \
    if (!add_var (l, role, G_N_ELEMENTS (((int[]){ __VA_ARGS__ })), (int[]){ __VA_ARGS__ },    \
                  trainable))                                                                 \
      return shape_fail (error, l, "its %s variable would be empty or absurdly large", role); \
  while (0)

static gboolean
infer_conv (NnLayer *l, GError **error)
{
  NnConvConfig *c = &l->cfg.conv;
  NnShape in = l->in_shape;
  int oh = nn_conv_out_size (in.h, c->kh, c->stride_h, c->padding);
  int ow = nn_conv_out_size (in.w, c->kw, c->stride_w, c->padding);
  if (oh <= 0 || ow <= 0)
    return shape_fail (error, l, "a %dx%d kernel does not fit the %dx%d input with 'valid' padding",
                       c->kh, c->kw, in.h, in.w);
  gint64 cm64 = l->kind == NN_LAYER_CONV2D ? in.c : (gint64) in.c * c->depth_multiplier;
  if ((l->kind != NN_LAYER_CONV2D && c->depth_multiplier <= 0) || cm64 > G_MAXINT)
    return shape_fail (error, l, "depth multiplier %d is not valid for %d channels",
                       c->depth_multiplier, in.c);
  int cm = (int) cm64;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
      l->out_shape = (NnShape){ oh, ow, c->filters };
      VAR (l, "kernel", TRUE, c->kh, c->kw, in.c, c->filters);
      break;
    case NN_LAYER_DEPTHWISE_CONV2D:
      c->filters = cm;
      l->out_shape = (NnShape){ oh, ow, cm };
      VAR (l, "kernel", TRUE, c->kh, c->kw, in.c, c->depth_multiplier);
      break;
    default: /* separable */
      l->out_shape = (NnShape){ oh, ow, c->filters };
      VAR (l, "depthwise_kernel", TRUE, c->kh, c->kw, in.c, c->depth_multiplier);
      VAR (l, "pointwise_kernel", TRUE, 1, 1, cm, c->filters);
      break;
    }
  if (c->use_bias)
    VAR (l, "bias", TRUE, l->out_shape.c);
  return TRUE;
}

static gboolean
infer_pool (NnLayer *l, GError **error)
{
  NnPoolConfig *p = &l->cfg.pool;
  int oh = nn_conv_out_size (l->in_shape.h, p->pool_h, p->stride_h, p->padding);
  int ow = nn_conv_out_size (l->in_shape.w, p->pool_w, p->stride_w, p->padding);
  if (oh <= 0 || ow <= 0)
    return shape_fail (error, l, "a %dx%d pool does not fit the %dx%d input", p->pool_h,
                       p->pool_w, l->in_shape.h, l->in_shape.w);
  l->out_shape = (NnShape){ oh, ow, l->in_shape.c };
  return TRUE;
}

static gboolean
infer_reshape (NnLayer *l, GError **error)
{
  NnShape t = l->cfg.reshape;
  size_t total = nn_shape_size (l->in_shape);
  int unknown = (t.h == -1) + (t.w == -1) + (t.c == -1);
  if (unknown > 1 || (unknown == 0 && (t.h <= 0 || t.w <= 0 || t.c <= 0)))
    return shape_fail (error, l, "target shape (%d, %d, %d) is not valid", t.h, t.w, t.c);
  if (unknown == 1)
    {
      guint64 known = (guint64) ABS (t.h) * ABS (t.w);
      if (!g_uint64_checked_mul (&known, known, ABS (t.c)) || known == 0 || total % known != 0)
        return shape_fail (error, l, "cannot reshape %zu values to (%d, %d, %d)", total, t.h,
                           t.w, t.c);
      int fill = (int) (total / known);
      if (t.h == -1) t.h = fill;
      if (t.w == -1) t.w = fill;
      if (t.c == -1) t.c = fill;
    }
  guint64 size = (guint64) t.h * t.w;
  if (!g_uint64_checked_mul (&size, size, t.c) || size != total)
    return shape_fail (error, l, "cannot reshape (%d, %d, %d) to (%d, %d, %d)", l->in_shape.h,
                       l->in_shape.w, l->in_shape.c, t.h, t.w, t.c);
  l->out_shape = t;
  return TRUE;
}

static gboolean
infer_merge (const NnLayer *layers, NnLayer *l, GError **error)
{
  NnShape s = l->in_shape;
  gint64 channels = 0;
  for (int i = 0; i < l->n_inputs; i++)
    {
      NnShape si = layers[l->inputs[i]].out_shape;
      if (l->kind == NN_LAYER_ADD && !nn_shape_equal (si, s))
        return shape_fail (error, l, "input %d has shape (%d, %d, %d), input 0 (%d, %d, %d)", i,
                           si.h, si.w, si.c, s.h, s.w, s.c);
      if (l->kind == NN_LAYER_CONCATENATE && (si.h != s.h || si.w != s.w))
        return shape_fail (error, l, "input %d is %dx%d, input 0 %dx%d; only the channel axis "
                           "may differ", i, si.h, si.w, s.h, s.w);
      channels += si.c;
    }
  l->out_shape = s;
  if (l->kind == NN_LAYER_CONCATENATE)
    {
      if (l->cfg.concat.axis != -1 && l->cfg.concat.axis != 3)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                       "Layer “%s” (Concatenate): axis %d is not supported, only the channel "
                       "axis (-1)", l->name, l->cfg.concat.axis);
          return FALSE;
        }
      if (channels > G_MAXINT)
        return shape_fail (error, l, "its inputs have %" G_GINT64_FORMAT " channels together",
                           channels);
      l->out_shape.c = (int) channels;
    }
  return TRUE;
}

static gboolean
infer_layer (const NnLayer *layers, NnLayer *l, GError **error)
{
  l->n_vars = 0;
  if (l->kind == NN_LAYER_INPUT)
    {
      l->out_shape = l->in_shape;
      return TRUE;
    }
  l->in_shape = layers[l->inputs[0]].out_shape;
  NnShape in = l->in_shape;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      return infer_conv (l, error);
    case NN_LAYER_BATCH_NORM:
      l->out_shape = in;
      if (l->cfg.bn.scale)
        VAR (l, "gamma", TRUE, in.c);
      if (l->cfg.bn.center)
        VAR (l, "beta", TRUE, in.c);
      VAR (l, "moving_mean", FALSE, in.c);
      VAR (l, "moving_variance", FALSE, in.c);
      return TRUE;
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
      return infer_pool (l, error);
    case NN_LAYER_GLOBAL_AVG_POOL:
      l->out_shape = (NnShape){ 1, 1, in.c };
      return TRUE;
    case NN_LAYER_FLATTEN:
      /* in is within NN_SHAPE_MAX_OUTPUT: checked as the previous layer's output */
      l->out_shape = (NnShape){ 1, 1, (int) nn_shape_size (in) };
      return TRUE;
    case NN_LAYER_RESHAPE:
      return infer_reshape (l, error);
    case NN_LAYER_DENSE:
      /* Like Keras, Dense acts on the last axis and keeps the others. */
      l->out_shape = (NnShape){ in.h, in.w, l->cfg.dense.units };
      VAR (l, "kernel", TRUE, in.c, l->cfg.dense.units);
      if (l->cfg.dense.use_bias)
        VAR (l, "bias", TRUE, l->cfg.dense.units);
      return TRUE;
    case NN_LAYER_ADD:
    case NN_LAYER_CONCATENATE:
      return infer_merge (layers, l, error);
    default: /* activation, dropout, rescaling */
      l->out_shape = in;
      return TRUE;
    }
}


gboolean
nn_layers_infer_shapes (NnLayer *layers, int n_layers, const NnShapeLimits *limits,
                        GError **error)
{
  g_return_val_if_fail (layers != NULL || n_layers == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  guint64 params = 0;
  for (int i = 0; i < n_layers; i++)
    {
      NnLayer *l = &layers[i];
      if (!infer_layer (layers, l, error))
        return FALSE;
      /* three ints multiplied in 64 bits can overflow too: check the pairs */
      guint64 hw = 0, size = 0;
      gboolean fits = l->out_shape.h > 0 && l->out_shape.w > 0 && l->out_shape.c > 0
                      && g_uint64_checked_mul (&hw, l->out_shape.h, l->out_shape.w)
                      && g_uint64_checked_mul (&size, hw, l->out_shape.c);
      if (!fits || size == 0 || size > NN_SHAPE_MAX_OUTPUT)
        return shape_fail (error, l, "output shape (%d, %d, %d) is empty or absurdly large",
                           l->out_shape.h, l->out_shape.w, l->out_shape.c);
      const char *cls = nn_layer_kind_to_keras (l->kind);
      for (int v = 0; v < l->n_vars; v++)
        if (!g_uint64_checked_add (&params, params, l->vars[v].size))
          return shape_fail (error, l, "the model's weights would overflow a count");
      if (limits && limits->max_params && params > limits->max_params)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Layer “%s” (%s): the model "
                       "would need more than %" G_GUINT64_FORMAT " million weights by this "
                       "layer; refusing to allocate them", l->name, cls,
                       limits->max_params >> 20);
          return FALSE;
        }
      if (limits && limits->max_output && size > limits->max_output)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Layer “%s” (%s): its output "
                       "(%d x %d x %d) would exceed %" G_GUINT64_FORMAT " million values per "
                       "image; refusing to allocate it", l->name, cls, l->out_shape.h,
                       l->out_shape.w, l->out_shape.c, limits->max_output >> 20);
          return FALSE;
        }
    }
  return TRUE;
}
