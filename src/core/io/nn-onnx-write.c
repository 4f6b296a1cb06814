/* nn-onnx-write.c: nn_onnx_save, a finished NnModel as an ONNX graph (the mapping is
 * in nn-onnx.h). The graph is built as protobuf-c messages (onnx.pb-c.h, generated at
 * build time from onnx.proto) whose every block sits in one pool, packed once and
 * written atomically.
 *
 * Each layer's output is kept in one or both of two forms: NCHW [N, C, H, W], what
 * Conv and the pools take, and, for vectors (H = W = 1), [N, C], what Gemm takes.
 * The other form is made on demand (Unsqueeze or Flatten), so a chain of Dense
 * layers stays two-dimensional and a chain of convolutions four-dimensional. The
 * channel axis is 1 in both, so BatchNormalization, Softmax and Concat read the same
 * either way. */
#include <math.h>
#include <string.h>
#include "nn-onnx.h"
#include "nn-keras.h"
#include "nn-error.h"
#include "onnx.pb-c.h"

#define IR_VERSION 8   /* ONNX 1.10 to 1.12; every runtime of the last years reads it */
#define MAX_ATTRS  8
/* protobuf's own limit on one message */
#define MAX_BYTES  ((gsize) G_MAXINT32)

#ifndef NN_ONNX_PRODUCER_VERSION
#define NN_ONNX_PRODUCER_VERSION ""
#endif

typedef struct {
  const NnModel *m;
  const char *display;   /* the file, for messages */
  GPtrArray *pool;       /* every block the messages point to, freed together */
  GPtrArray *nodes;      /* Onnx__NodeProto *, in graph order */
  GPtrArray *inits;      /* Onnx__TensorProto * */
  GHashTable *names;     /* value names in use (each value is produced once) */
  const char **nchw;     /* per layer: its output as [N, C, H, W], or NULL */
  const char **flat;     /* per layer: its output as [N, C] (H = W = 1 only), or NULL */
} Exporter;

typedef Onnx__AttributeProto__AttributeType AttrType;

/* ---- the pool and names ---------------------------------------------------------- */

static gpointer
ex_new (Exporter *ex, gsize size)
{
  gpointer p = g_malloc0 (MAX (size, 1));
  g_ptr_array_add (ex->pool, p);
  return p;
}

/* A value name not used yet: base, else base_2, base_3... */
static const char *
ex_name (Exporter *ex, const char *base)
{
  char *name = g_strdup (base);
  for (int k = 2; g_hash_table_contains (ex->names, name); k++)
    {
      g_free (name);
      name = g_strdup_printf ("%s_%d", base, k);
    }
  g_ptr_array_add (ex->pool, name);
  g_hash_table_add (ex->names, name);
  return name;
}

static const char *
ex_layer_name (Exporter *ex, int layer, const char *suffix)
{
  const char *base = ex->m->layers[layer].name;
  if (suffix == NULL)
    return ex_name (ex, base);
  g_autofree char *s = g_strconcat (base, "/", suffix, NULL);
  return ex_name (ex, s);
}

/* ---- nodes and attributes -------------------------------------------------------- */

/* A node of op reading the NULL-terminated inputs ("" for an absent optional one)
 * into output, which also names the node. */
static Onnx__NodeProto *
ex_node_v (Exporter *ex, const char *op, const char *output, const char *const *inputs)
{
  Onnx__NodeProto *n = ex_new (ex, sizeof *n);
  onnx__node_proto__init (n);
  size_t n_in = 0;
  while (inputs[n_in])
    n_in++;
  n->n_input = n_in;
  n->input = ex_new (ex, n_in * sizeof (char *));
  for (size_t i = 0; i < n_in; i++)
    n->input[i] = (char *) inputs[i];
  n->n_output = 1;
  n->output = ex_new (ex, sizeof (char *));
  n->output[0] = (char *) output;
  n->name = (char *) output;
  n->op_type = (char *) op;
  n->attribute = ex_new (ex, MAX_ATTRS * sizeof (Onnx__AttributeProto *));
  g_ptr_array_add (ex->nodes, n);
  return n;
}
#define NODE(ex, op, out, ...) ex_node_v (ex, op, out, (const char *const[]){ __VA_ARGS__, NULL })

static Onnx__AttributeProto *
ex_attr (Exporter *ex, Onnx__NodeProto *n, const char *name, AttrType type)
{
  g_assert (n->n_attribute < MAX_ATTRS);
  Onnx__AttributeProto *a = ex_new (ex, sizeof *a);
  onnx__attribute_proto__init (a);
  a->name = (char *) name;
  a->has_type = TRUE;
  a->type = type;
  n->attribute[n->n_attribute++] = a;
  return a;
}

static void
attr_int (Exporter *ex, Onnx__NodeProto *n, const char *name, gint64 value)
{
  Onnx__AttributeProto *a = ex_attr (ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = TRUE;
  a->i = value;
}

static void
attr_float (Exporter *ex, Onnx__NodeProto *n, const char *name, float value)
{
  Onnx__AttributeProto *a = ex_attr (ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  a->has_f = TRUE;
  a->f = value;
}

static void
attr_ints (Exporter *ex, Onnx__NodeProto *n, const char *name, const gint64 *values, int count)
{
  Onnx__AttributeProto *a = ex_attr (ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = count;
  a->ints = ex_new (ex, count * sizeof (gint64));
  memcpy (a->ints, values, count * sizeof (gint64));
}

/* ---- initializers ---------------------------------------------------------------- */

/* A tensor of count elements of elem_size bytes at data (a pool block), stored as
 * little-endian raw_data as ONNX requires. */
static const char *
ex_tensor (Exporter *ex, const char *name, int32_t type, const gint64 *dims, int ndim,
           gpointer data, gsize count, gsize elem_size)
{
  Onnx__TensorProto *t = ex_new (ex, sizeof *t);
  onnx__tensor_proto__init (t);
  t->name = (char *) name;
  t->has_data_type = TRUE;
  t->data_type = type;
  t->n_dims = ndim;
  t->dims = ex_new (ex, ndim * sizeof (gint64));
  if (ndim > 0) /* a scalar has no dims, and dims is NULL */
    memcpy (t->dims, dims, ndim * sizeof (gint64));
#if G_BYTE_ORDER == G_BIG_ENDIAN
  guint8 *b = data;
  for (gsize i = 0; i < count; i++)
    for (gsize j = 0; j < elem_size / 2; j++)
      {
        guint8 tmp = b[i * elem_size + j];
        b[i * elem_size + j] = b[i * elem_size + elem_size - 1 - j];
        b[i * elem_size + elem_size - 1 - j] = tmp;
      }
#endif
  t->has_raw_data = TRUE;
  t->raw_data.data = data;
  t->raw_data.len = count * elem_size;
  g_ptr_array_add (ex->inits, t);
  return name;
}

/* A float tensor; data is a pool block of the product of dims floats. */
static const char *
ex_floats (Exporter *ex, const char *name, float *data, const gint64 *dims, int ndim)
{
  gsize count = 1;
  for (int i = 0; i < ndim; i++)
    count *= (gsize) dims[i];
  return ex_tensor (ex, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, ndim, data, count,
                    sizeof (float));
}

static float *
ex_float_block (Exporter *ex, gsize count)
{
  return ex_new (ex, count * sizeof (float));
}

/* A 0-d float tensor: Mul and Add broadcast it. */
static const char *
ex_scalar (Exporter *ex, const char *base, float value)
{
  float *v = ex_float_block (ex, 1);
  *v = value;
  return ex_floats (ex, ex_name (ex, base), v, NULL, 0);
}

/* A 1-d int64 tensor: Reshape's shape, Unsqueeze's axes. */
static const char *
ex_int64s (Exporter *ex, const char *base, const gint64 *values, int count)
{
  gint64 *v = ex_new (ex, count * sizeof (gint64));
  memcpy (v, values, count * sizeof (gint64));
  gint64 dims[1] = { count };
  return ex_tensor (ex, ex_name (ex, base), ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims, 1, v,
                    count, sizeof (gint64));
}

/* The layer's variable of that role, copied as it is (vectors, Dense kernels). */
static const NnVar *
layer_var (const NnLayer *l, const char *role)
{
  for (int v = 0; v < l->n_vars; v++)
    if (strcmp (l->vars[v].role, role) == 0)
      return &l->vars[v];
  return NULL;
}

static const char *
ex_var (Exporter *ex, int layer, const char *role)
{
  const NnLayer *l = &ex->m->layers[layer];
  const NnVar *v = layer_var (l, role);
  if (v == NULL)
    return NULL;
  gint64 dims[4];
  for (int d = 0; d < v->ndim; d++)
    dims[d] = v->dims[d];
  float *data = ex_float_block (ex, v->size);
  memcpy (data, nn_model_var_data (ex->m, v), v->size * sizeof (float));
  return ex_floats (ex, ex_layer_name (ex, layer, role), data, dims, v->ndim);
}

/* A vector of n copies of value (BatchNormalization without gamma or beta). */
static const char *
ex_filled (Exporter *ex, int layer, const char *role, int n, float value)
{
  float *data = ex_float_block (ex, n);
  for (int i = 0; i < n; i++)
    data[i] = value;
  gint64 dims[1] = { n };
  return ex_floats (ex, ex_layer_name (ex, layer, role), data, dims, 1);
}

/* ---- the two forms of a layer's output ------------------------------------------- */

static const char *
layer_nchw (Exporter *ex, int i)
{
  if (ex->nchw[i] == NULL)
    {
      const char *axes = ex_int64s (ex, "axes_2_3", (const gint64[]){ 2, 3 }, 2);
      const char *out = ex_layer_name (ex, i, "nchw");
      NODE (ex, "Unsqueeze", out, ex->flat[i], axes);
      ex->nchw[i] = out;
    }
  return ex->nchw[i];
}

/* Only for outputs with H = W = 1. */
static const char *
layer_flat (Exporter *ex, int i)
{
  if (ex->flat[i] == NULL)
    {
      const char *out = ex_layer_name (ex, i, "flat");
      attr_int (ex, NODE (ex, "Flatten", out, ex->nchw[i]), "axis", 1);
      ex->flat[i] = out;
    }
  return ex->flat[i];
}

/* The form the layer already has, for ops that take either. */
static const char *
layer_any (Exporter *ex, int i, gboolean *is_flat)
{
  *is_flat = ex->nchw[i] == NULL;
  return *is_flat ? ex->flat[i] : ex->nchw[i];
}

/* The output as [N, H * W * C] in Keras's NHWC order: what Flatten and Reshape see.
 * NCHW with one channel has that order already. */
static const char *
layer_nhwc_flat (Exporter *ex, int i)
{
  NnShape s = ex->m->layers[i].out_shape;
  if (ex->flat[i] != NULL || (s.h == 1 && s.w == 1))
    return layer_flat (ex, i);
  const char *src = ex->nchw[i];
  if (s.c != 1)
    {
      const char *nhwc = ex_layer_name (ex, i, "nhwc");
      attr_ints (ex, NODE (ex, "Transpose", nhwc, src), "perm", (const gint64[]){ 0, 2, 3, 1 },
                 4);
      src = nhwc;
    }
  const char *out = ex_layer_name (ex, i, "nhwc_flat");
  attr_int (ex, NODE (ex, "Flatten", out, src), "axis", 1);
  return out;
}

/* ---- activations ----------------------------------------------------------------- */

/* act applied to x, in x's form. Returns the result's name (x itself for linear). */
static const char *
ex_activation (Exporter *ex, int layer, NnActivation act, const char *x, GError **error)
{
  if (act == NN_ACT_LINEAR)
    return x;
  const char *out = ex_layer_name (ex, layer, NULL);
  switch (act)
    {
    case NN_ACT_RELU:
      NODE (ex, "Relu", out, x);
      break;
    case NN_ACT_RELU6:
      NODE (ex, "Clip", out, x, ex_scalar (ex, "zero", 0.0f), ex_scalar (ex, "six", 6.0f));
      break;
    case NN_ACT_SIGMOID:
      NODE (ex, "Sigmoid", out, x);
      break;
    case NN_ACT_TANH:
      NODE (ex, "Tanh", out, x);
      break;
    case NN_ACT_SOFTMAX: /* Keras: the last axis, the channels; axis 1 in both forms */
      attr_int (ex, NODE (ex, "Softmax", out, x), "axis", 1);
      break;
    case NN_ACT_ELU:
      attr_float (ex, NODE (ex, "Elu", out, x), "alpha", 1.0f);
      break;
    case NN_ACT_SILU:
      {
        const char *s = ex_layer_name (ex, layer, "sigmoid");
        NODE (ex, "Sigmoid", s, x);
        NODE (ex, "Mul", out, x, s);
        break;
      }
    case NN_ACT_GELU: /* 0.5 x (1 + erf (x / sqrt 2)), in the engine's order */
      {
        const char *a = ex_layer_name (ex, layer, "gelu_scaled");
        NODE (ex, "Mul", a, x, ex_scalar (ex, "one_over_sqrt2", (float) M_SQRT1_2));
        const char *e = ex_layer_name (ex, layer, "gelu_erf");
        NODE (ex, "Erf", e, a);
        const char *p = ex_layer_name (ex, layer, "gelu_erf_plus_one");
        NODE (ex, "Add", p, e, ex_scalar (ex, "one", 1.0f));
        const char *h = ex_layer_name (ex, layer, "gelu_half_x");
        NODE (ex, "Mul", h, x, ex_scalar (ex, "half", 0.5f));
        NODE (ex, "Mul", out, h, p);
        break;
      }
    default:
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Cannot export “%s”: layer “%s” has "
                   "an activation (%d) with no ONNX form", ex->display, ex->m->layers[layer].name,
                   (int) act);
      return NULL;
    }
  return out;
}

/* Where a layer with an activation writes before it: its own name when there is none. */
static const char *
pre_activation_name (Exporter *ex, int layer, NnActivation act)
{
  return ex_layer_name (ex, layer, act == NN_ACT_LINEAR ? NULL : "preact");
}

/* ---- convolutions and pools ------------------------------------------------------ */

/* TensorFlow's padding as ONNX pads [top, left, bottom, right]: 'same' puts the
 * extra row and column of an odd total at the bottom and right. */
static void
tf_pads (NnShape in, NnShape out, int kh, int kw, int sh, int sw, NnPadding padding,
         gint64 pads[4])
{
  memset (pads, 0, 4 * sizeof (gint64));
  if (padding != NN_PAD_SAME)
    return;
  int th = MAX ((out.h - 1) * sh + kh - in.h, 0);
  int tw = MAX ((out.w - 1) * sw + kw - in.w, 0);
  pads[0] = th / 2;
  pads[1] = tw / 2;
  pads[2] = th - th / 2;
  pads[3] = tw - tw / 2;
}

static Onnx__NodeProto *
ex_conv_node (Exporter *ex, const char *out, const char *x, const char *w, const char *b,
              int kh, int kw, int sh, int sw, const gint64 pads[4], int group)
{
  Onnx__NodeProto *n = b ? NODE (ex, "Conv", out, x, w, b) : NODE (ex, "Conv", out, x, w);
  attr_ints (ex, n, "kernel_shape", (const gint64[]){ kh, kw }, 2);
  attr_ints (ex, n, "strides", (const gint64[]){ sh, sw }, 2);
  attr_ints (ex, n, "pads", pads, 4);
  attr_int (ex, n, "group", group);
  return n;
}

/* Keras HWIO (KH, KW, Cin, Cout) as ONNX OIHW. */
static const char *
ex_conv_weight (Exporter *ex, int layer, const NnVar *v)
{
  int kh = v->dims[0], kw = v->dims[1], ci = v->dims[2], co = v->dims[3];
  const float *k = nn_model_var_data (ex->m, v);
  float *w = ex_float_block (ex, v->size);
  for (int y = 0; y < kh; y++)
    for (int x = 0; x < kw; x++)
      for (int i = 0; i < ci; i++)
        for (int o = 0; o < co; o++)
          w[((size_t) (o * ci + i) * kh + y) * kw + x] = k[((size_t) (y * kw + x) * ci + i) * co + o];
  return ex_floats (ex, ex_layer_name (ex, layer, v->role), w,
                    (const gint64[]){ co, ci, kh, kw }, 4);
}

/* Keras depthwise (KH, KW, C, M) as the ONNX weight of a Conv with group C,
 * [C * M, 1, KH, KW]: output channel c * M + m, Keras's order. */
static const char *
ex_depthwise_weight (Exporter *ex, int layer, const NnVar *v)
{
  int kh = v->dims[0], kw = v->dims[1], c = v->dims[2], mult = v->dims[3];
  const float *k = nn_model_var_data (ex->m, v);
  float *w = ex_float_block (ex, v->size);
  for (int y = 0; y < kh; y++)
    for (int x = 0; x < kw; x++)
      for (int i = 0; i < c * mult; i++)
        w[((size_t) i * kh + y) * kw + x] = k[(size_t) (y * kw + x) * c * mult + i];
  return ex_floats (ex, ex_layer_name (ex, layer, v->role), w,
                    (const gint64[]){ (gint64) c * mult, 1, kh, kw }, 4);
}

static gboolean
ex_conv (Exporter *ex, int i, GError **error)
{
  const NnLayer *l = &ex->m->layers[i];
  const NnConvConfig *c = &l->cfg.conv;
  const char *x = layer_nchw (ex, l->inputs[0]);
  gint64 pads[4];
  tf_pads (l->in_shape, l->out_shape, c->kh, c->kw, c->stride_h, c->stride_w, c->padding, pads);
  const char *b = c->use_bias ? ex_var (ex, i, "bias") : NULL;
  const char *pre = pre_activation_name (ex, i, c->activation);
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
      ex_conv_node (ex, pre, x, ex_conv_weight (ex, i, layer_var (l, "kernel")), b, c->kh, c->kw,
                    c->stride_h, c->stride_w, pads, 1);
      break;
    case NN_LAYER_DEPTHWISE_CONV2D:
      ex_conv_node (ex, pre, x, ex_depthwise_weight (ex, i, layer_var (l, "kernel")), b, c->kh,
                    c->kw, c->stride_h, c->stride_w, pads, l->in_shape.c);
      break;
    default: /* separable: depthwise without bias, then a 1x1 convolution with it */
      {
        const char *dw = ex_layer_name (ex, i, "depthwise");
        ex_conv_node (ex, dw, x, ex_depthwise_weight (ex, i, layer_var (l, "depthwise_kernel")),
                      NULL, c->kh, c->kw, c->stride_h, c->stride_w, pads, l->in_shape.c);
        static const gint64 no_pads[4] = { 0, 0, 0, 0 };
        ex_conv_node (ex, pre, dw, ex_conv_weight (ex, i, layer_var (l, "pointwise_kernel")), b,
                      1, 1, 1, 1, no_pads, 1);
      }
    }
  ex->nchw[i] = ex_activation (ex, i, c->activation, pre, error);
  return ex->nchw[i] != NULL;
}

static void
ex_pool (Exporter *ex, int i)
{
  const NnLayer *l = &ex->m->layers[i];
  const char *x = layer_nchw (ex, l->inputs[0]);
  const char *out = ex_layer_name (ex, i, NULL);
  if (l->kind == NN_LAYER_GLOBAL_AVG_POOL)
    {
      NODE (ex, "GlobalAveragePool", out, x);
      ex->nchw[i] = out;
      return;
    }
  const NnPoolConfig *p = &l->cfg.pool;
  gint64 pads[4];
  tf_pads (l->in_shape, l->out_shape, p->pool_h, p->pool_w, p->stride_h, p->stride_w,
           p->padding, pads);
  Onnx__NodeProto *n = NODE (ex, l->kind == NN_LAYER_MAX_POOL ? "MaxPool" : "AveragePool", out, x);
  attr_ints (ex, n, "kernel_shape", (const gint64[]){ p->pool_h, p->pool_w }, 2);
  attr_ints (ex, n, "strides", (const gint64[]){ p->stride_h, p->stride_w }, 2);
  attr_ints (ex, n, "pads", pads, 4);
  if (l->kind == NN_LAYER_AVG_POOL) /* Keras averages over the values inside the image */
    attr_int (ex, n, "count_include_pad", 0);
  ex->nchw[i] = out;
}

/* ---- the other layers ------------------------------------------------------------ */

static gboolean
ex_dense (Exporter *ex, int i, GError **error)
{
  const NnLayer *l = &ex->m->layers[i];
  const NnDenseConfig *d = &l->cfg.dense;
  const NnVar *kv = layer_var (l, "kernel");
  const char *b = d->use_bias ? ex_var (ex, i, "bias") : NULL;
  const char *pre = pre_activation_name (ex, i, d->activation);
  gboolean vector = l->in_shape.h == 1 && l->in_shape.w == 1;
  if (vector)
    {
      const char *x = layer_flat (ex, l->inputs[0]);
      const char *w = ex_var (ex, i, "kernel"); /* (In, Out): Gemm's B as it is */
      if (b)
        NODE (ex, "Gemm", pre, x, w, b);
      else
        NODE (ex, "Gemm", pre, x, w);
    }
  else
    {
      /* Keras applies Dense to the last axis of an image: a 1x1 convolution. */
      int in = kv->dims[0], units = kv->dims[1];
      const float *k = nn_model_var_data (ex->m, kv);
      float *w = ex_float_block (ex, kv->size);
      for (int c = 0; c < in; c++)
        for (int o = 0; o < units; o++)
          w[(size_t) o * in + c] = k[(size_t) c * units + o];
      const char *wn = ex_floats (ex, ex_layer_name (ex, i, "kernel"), w,
                                  (const gint64[]){ units, in, 1, 1 }, 4);
      static const gint64 no_pads[4] = { 0, 0, 0, 0 };
      ex_conv_node (ex, pre, layer_nchw (ex, l->inputs[0]), wn, b, 1, 1, 1, 1, no_pads, 1);
    }
  const char *out = ex_activation (ex, i, d->activation, pre, error);
  if (vector)
    ex->flat[i] = out;
  else
    ex->nchw[i] = out;
  return out != NULL;
}

static void
ex_batch_norm (Exporter *ex, int i)
{
  const NnLayer *l = &ex->m->layers[i];
  const NnBatchNormConfig *bn = &l->cfg.bn;
  int c = l->in_shape.c;
  gboolean is_flat;
  const char *x = layer_any (ex, l->inputs[0], &is_flat);
  const char *gamma = bn->scale ? ex_var (ex, i, "gamma") : ex_filled (ex, i, "gamma", c, 1.0f);
  const char *beta = bn->center ? ex_var (ex, i, "beta") : ex_filled (ex, i, "beta", c, 0.0f);
  const char *mean = ex_var (ex, i, "moving_mean");
  const char *var = ex_var (ex, i, "moving_variance");
  const char *out = ex_layer_name (ex, i, NULL);
  attr_float (ex, NODE (ex, "BatchNormalization", out, x, gamma, beta, mean, var), "epsilon",
              bn->epsilon);
  if (is_flat)
    ex->flat[i] = out;
  else
    ex->nchw[i] = out;
}

static gboolean
ex_activation_layer (Exporter *ex, int i, GError **error)
{
  const NnLayer *l = &ex->m->layers[i];
  gboolean is_flat;
  const char *x = layer_any (ex, l->inputs[0], &is_flat);
  const char *out;
  if (l->cfg.act.activation == NN_ACT_LINEAR)
    {
      out = ex_layer_name (ex, i, NULL);
      NODE (ex, "Identity", out, x);
    }
  else
    out = ex_activation (ex, i, l->cfg.act.activation, x, error);
  if (is_flat)
    ex->flat[i] = out;
  else
    ex->nchw[i] = out;
  return out != NULL;
}

static void
ex_rescaling (Exporter *ex, int i)
{
  const NnLayer *l = &ex->m->layers[i];
  gboolean is_flat;
  const char *x = layer_any (ex, l->inputs[0], &is_flat);
  const char *scaled = ex_layer_name (ex, i, "scaled");
  NODE (ex, "Mul", scaled, x, ex_scalar (ex, "scale", l->cfg.rescaling.scale));
  const char *out = ex_layer_name (ex, i, NULL);
  NODE (ex, "Add", out, scaled, ex_scalar (ex, "offset", l->cfg.rescaling.offset));
  if (is_flat)
    ex->flat[i] = out;
  else
    ex->nchw[i] = out;
}

/* Keras's Reshape reads and writes NHWC order. */
static void
ex_reshape (Exporter *ex, int i)
{
  const NnLayer *l = &ex->m->layers[i];
  NnShape t = l->out_shape;
  const char *x = layer_nhwc_flat (ex, l->inputs[0]);
  if (t.h == 1 && t.w == 1)
    {
      ex->flat[i] = x;
      return;
    }
  const char *out = ex_layer_name (ex, i, NULL);
  if (t.c == 1) /* one channel: NHWC and NCHW are the same order */
    {
      const char *shape = ex_int64s (ex, "shape", (const gint64[]){ 0, 1, t.h, t.w }, 4);
      NODE (ex, "Reshape", out, x, shape);
    }
  else
    {
      const char *shape = ex_int64s (ex, "shape", (const gint64[]){ 0, t.h, t.w, t.c }, 4);
      const char *nhwc = ex_layer_name (ex, i, "nhwc");
      NODE (ex, "Reshape", nhwc, x, shape);
      attr_ints (ex, NODE (ex, "Transpose", out, nhwc), "perm", (const gint64[]){ 0, 3, 1, 2 }, 4);
    }
  ex->nchw[i] = out;
}

static void
ex_merge (Exporter *ex, int i)
{
  const NnLayer *l = &ex->m->layers[i];
  gboolean flat = l->out_shape.h == 1 && l->out_shape.w == 1 && ex->nchw[l->inputs[0]] == NULL;
  const char *in[NN_MAX_INPUTS];
  for (int k = 0; k < l->n_inputs; k++)
    in[k] = flat ? layer_flat (ex, l->inputs[k]) : layer_nchw (ex, l->inputs[k]);
  const char *out;
  if (l->kind == NN_LAYER_CONCATENATE)
    {
      out = ex_layer_name (ex, i, NULL);
      const char *inputs[NN_MAX_INPUTS + 1] = { NULL };
      memcpy (inputs, in, l->n_inputs * sizeof (char *));
      attr_int (ex, ex_node_v (ex, "Concat", out, inputs), "axis", 1);
    }
  else
    {
      /* The engine adds in input order; so does a chain of Adds. */
      out = in[0];
      for (int k = 1; k < l->n_inputs; k++)
        {
          const char *sum = ex_layer_name (ex, i, k == l->n_inputs - 1 ? NULL : "partial");
          NODE (ex, "Add", sum, out, in[k]);
          out = sum;
        }
    }
  if (flat)
    ex->flat[i] = out;
  else
    ex->nchw[i] = out;
}

/* The graph's input, "input" [N, H, W, C] ([N, 28, 28, 1] for every MNIST layout), in
 * the form the first layer needs. */
static void
ex_input (Exporter *ex)
{
  NnShape s = ex->m->layers[0].out_shape;
  if (s.h == 1 && s.w == 1)
    {
      const char *out = ex_layer_name (ex, 0, NULL);
      attr_int (ex, NODE (ex, "Flatten", out, "input"), "axis", 1);
      ex->flat[0] = out;
      return;
    }
  const char *x = "input";
  if (nn_shape_size (s) == 28 * 28 && !(s.h == 28 && s.w == 28 && s.c == 1))
    {
      /* (28, 28) in Keras: the same values, another shape */
      const char *shape = ex_int64s (ex, "input_shape", (const gint64[]){ 0, s.h, s.w, s.c }, 4);
      x = ex_layer_name (ex, 0, "nhwc");
      NODE (ex, "Reshape", x, "input", shape);
    }
  const char *out = ex_layer_name (ex, 0, NULL);
  attr_ints (ex, NODE (ex, "Transpose", out, x), "perm", (const gint64[]){ 0, 3, 1, 2 }, 4);
  ex->nchw[0] = out;
}

static gboolean
ex_layer (Exporter *ex, int i, GError **error)
{
  const NnLayer *l = &ex->m->layers[i];
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      return ex_conv (ex, i, error);
    case NN_LAYER_BATCH_NORM:
      ex_batch_norm (ex, i);
      return TRUE;
    case NN_LAYER_ACTIVATION:
      return ex_activation_layer (ex, i, error);
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
    case NN_LAYER_GLOBAL_AVG_POOL:
      ex_pool (ex, i);
      return TRUE;
    case NN_LAYER_DROPOUT: /* inference: nothing */
      ex->nchw[i] = ex->nchw[l->inputs[0]];
      ex->flat[i] = ex->flat[l->inputs[0]];
      return TRUE;
    case NN_LAYER_FLATTEN:
      ex->flat[i] = layer_nhwc_flat (ex, l->inputs[0]);
      return TRUE;
    case NN_LAYER_RESHAPE:
      ex_reshape (ex, i);
      return TRUE;
    case NN_LAYER_RESCALING:
      ex_rescaling (ex, i);
      return TRUE;
    case NN_LAYER_DENSE:
      return ex_dense (ex, i, error);
    case NN_LAYER_ADD:
    case NN_LAYER_CONCATENATE:
      ex_merge (ex, i);
      return TRUE;
    default:
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Cannot export “%s”: layer “%s” (%s) "
                   "has no ONNX form", ex->display, l->name,
                   l->kind >= 0 && l->kind < NN_LAYER_N_KINDS ? nn_layer_kind_to_keras (l->kind)
                                                              : "a kind unknown here");
      return FALSE;
    }
}

/* ---- the model ------------------------------------------------------------------- */

static Onnx__ValueInfoProto *
ex_value_info (Exporter *ex, const char *name, const gint64 *dims, int ndim)
{
  Onnx__TensorShapeProto *shape = ex_new (ex, sizeof *shape);
  onnx__tensor_shape_proto__init (shape);
  shape->n_dim = ndim;
  shape->dim = ex_new (ex, ndim * sizeof (Onnx__TensorShapeProto__Dimension *));
  for (int d = 0; d < ndim; d++)
    {
      Onnx__TensorShapeProto__Dimension *dim = ex_new (ex, sizeof *dim);
      onnx__tensor_shape_proto__dimension__init (dim);
      if (dims[d] < 0) /* the batch */
        {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          dim->dim_param = (char *) "N";
        }
      else
        {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          dim->dim_value = dims[d];
        }
      shape->dim[d] = dim;
    }
  Onnx__TypeProto__Tensor *tensor = ex_new (ex, sizeof *tensor);
  onnx__type_proto__tensor__init (tensor);
  tensor->has_elem_type = TRUE;
  tensor->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tensor->shape = shape;
  Onnx__TypeProto *type = ex_new (ex, sizeof *type);
  onnx__type_proto__init (type);
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor;
  Onnx__ValueInfoProto *v = ex_new (ex, sizeof *v);
  onnx__value_info_proto__init (v);
  v->name = (char *) name;
  v->type = type;
  return v;
}

/* Copies a GPtrArray's pointers into a pool block. */
static gpointer
ex_array (Exporter *ex, GPtrArray *a)
{
  gpointer *out = ex_new (ex, a->len * sizeof (gpointer));
  memcpy (out, a->pdata, a->len * sizeof (gpointer));
  return out;
}

static gboolean
check_exportable (const NnModel *m, const char *display, GError **error)
{
  if (m->params == NULL || m->n_layers < 2 || m->layers[0].kind != NN_LAYER_INPUT
      || m->output < 1 || m->output >= m->n_layers)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "Cannot export “%s”: model “%s” is not "
                   "finished", display, m->name ? m->name : "?");
      return FALSE;
    }
  for (int i = 0; i < m->n_layers; i++)
    {
      const char *n = m->layers[i].name;
      if (n == NULL || *n == '\0' || !g_utf8_validate (n, -1, NULL))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "Cannot export “%s”: layer %d has an "
                       "empty or invalid name", display, i);
          return FALSE;
        }
    }
  return TRUE;
}

static void
ex_metadata (Exporter *ex, Onnx__ModelProto *model)
{
  if (ex->m->metadata == NULL)
    return;
  guint n = g_hash_table_size (ex->m->metadata);
  model->metadata_props = ex_new (ex, n * sizeof (Onnx__StringStringEntryProto *));
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, ex->m->metadata);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        continue;
      Onnx__StringStringEntryProto *e = ex_new (ex, sizeof *e);
      onnx__string_string_entry_proto__init (e);
      e->key = key;
      e->value = value;
      model->metadata_props[model->n_metadata_props++] = e;
    }
}

/* The whole graph, packed; NULL on an error. */
static guint8 *
ex_build (Exporter *ex, gsize *len, GError **error)
{
  const NnModel *m = ex->m;
  ex_name (ex, "input");
  ex_name (ex, "probs");
  ex_input (ex);
  for (int i = 1; i < m->n_layers; i++)
    if (!ex_layer (ex, i, error))
      return NULL;
  NnShape s = m->layers[m->output].out_shape;
  const char *last = s.h == 1 && s.w == 1 ? layer_flat (ex, m->output)
                                          : layer_nhwc_flat (ex, m->output);
  NODE (ex, "Identity", "probs", last);

  NnShape in = m->layers[0].out_shape;
  gint64 in_dims[4] = { -1, in.h, in.w, in.c };
  if (nn_shape_size (in) == 28 * 28)
    in_dims[1] = 28, in_dims[2] = 28, in_dims[3] = 1;
  Onnx__GraphProto *g = ex_new (ex, sizeof *g);
  onnx__graph_proto__init (g);
  g->name = m->name && g_utf8_validate (m->name, -1, NULL) ? m->name : (char *) "digits";
  g->n_node = ex->nodes->len;
  g->node = ex_array (ex, ex->nodes);
  g->n_initializer = ex->inits->len;
  g->initializer = ex_array (ex, ex->inits);
  g->n_input = 1;
  g->input = ex_new (ex, sizeof (Onnx__ValueInfoProto *));
  g->input[0] = ex_value_info (ex, "input", in_dims, 4);
  g->n_output = 1;
  g->output = ex_new (ex, sizeof (Onnx__ValueInfoProto *));
  g->output[0] = ex_value_info (ex, "probs", (const gint64[]){ -1, m->n_classes }, 2);
  g->doc_string = (char *) "NHWC images [N, 28, 28, 1] with values in [0, 1] in, the "
                           "probability of each class out.";

  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  opset.domain = (char *) "";
  opset.has_version = TRUE;
  opset.version = NN_ONNX_OPSET;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  model.has_ir_version = TRUE;
  model.ir_version = IR_VERSION;
  model.n_opset_import = 1;
  model.opset_import = opsets;
  model.producer_name = (char *) "Digits";
  model.producer_version = (char *) NN_ONNX_PRODUCER_VERSION;
  model.graph = g;
  ex_metadata (ex, &model);

  gsize size = onnx__model_proto__get_packed_size (&model);
  if (size > MAX_BYTES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "Cannot export “%s”: the model would "
                   "take %" G_GSIZE_FORMAT " bytes, more than ONNX's 2 GiB", ex->display, size);
      return NULL;
    }
  guint8 *buf = g_malloc (MAX (size, 1));
  *len = onnx__model_proto__pack (&model, buf);
  return buf;
}

gboolean
nn_onnx_save (const NnModel *model, const char *path, GError **error)
{
  g_return_val_if_fail (model != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_autofree char *display = g_filename_display_name (path);
  if (!check_exportable (model, display, error))
    return FALSE;
  Exporter ex = {
    .m = model,
    .display = display,
    .pool = g_ptr_array_new_with_free_func (g_free),
    .nodes = g_ptr_array_new (),
    .inits = g_ptr_array_new (),
    .names = g_hash_table_new (g_str_hash, g_str_equal),
    .nchw = g_new0 (const char *, model->n_layers),
    .flat = g_new0 (const char *, model->n_layers),
  };
  gsize len = 0;
  g_autofree guint8 *data = ex_build (&ex, &len, error);
  g_ptr_array_unref (ex.nodes);
  g_ptr_array_unref (ex.inits);
  g_hash_table_unref (ex.names);
  g_free (ex.nchw);
  g_free (ex.flat);
  g_ptr_array_unref (ex.pool);
  return data != NULL && nn_keras_write_atomically (path, data, len, error);
}
