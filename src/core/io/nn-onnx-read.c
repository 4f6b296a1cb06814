/* nn-onnx-read.c: nn_onnx_load, an ONNX graph of the ops nn-onnx.h lists as an
 * NnModel with its weights.
 *
 * ONNX computes NCHW, the engine NHWC. Each ONNX value is a layer of the model seen
 * one of four ways: NCHW [N, C, H, W], NHWC [N, H, W, C] (tf2onnx's graphs), a
 * matrix [N, H, W] or a vector [N, D]. The engine's memory is the same in all; only
 * the axes' names differ, so a Transpose between NCHW and NHWC is no layer at all.
 * Flattening NCHW with several channels changes the order of the values (C, H, W
 * instead of H, W, C): the vector then carries that permutation until a Gemm or
 * MatMul folds it into its weights' rows.
 *
 * Hostile files: the file, every tensor, the node count and the parameters have caps
 * checked before anything is allocated from them; every index is checked. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "nn-onnx.h"
#include "nn-error.h"
#include "onnx.pb-c.h"

/* An MNIST model takes a few MB; the project's largest 1.3 MB as ONNX. */
#define MAX_FILE_BYTES ((gsize) 64 << 20)
#define MAX_NODES      10000
#define MAX_ELEMENTS   ((gsize) 1 << 24)   /* one tensor, and all parameters: 64 MB of floats */
#define MAX_DIM        ((gint64) 1 << 24)
#define MAX_CHANNELS   65536
#define MAX_FLATTEN    ((gsize) 1 << 22)   /* the values a Flatten's permutation maps */

typedef enum { VIEW_NCHW, VIEW_NHWC, VIEW_MATRIX, VIEW_VECTOR } View;

typedef struct {
  int layer;          /* producing layer, or -1 for a constant */
  View view;
  NnShape shape;      /* the layer's output (engine, NHWC) */
  int *perm;          /* VIEW_VECTOR: ONNX index -> engine index; NULL for the same */
  /* constants */
  gboolean is_int;
  float *f;
  gint64 *i;
  int ndim;
  gint64 dims[6];
  gsize count;
} Value;

typedef struct {
  int layer;
  const char *role;
  float *data;        /* pool block, Keras layout */
  gsize size;
} Weight;

typedef struct {
  const char *display;
  NnModel *m;
  gint64 opset;
  GPtrArray *pool;
  GHashTable *values;  /* name -> Value * */
  GHashTable *uses;    /* name -> times used as a node input or graph output */
  GHashTable *counts;  /* layer name base -> how many so far */
  GArray *weights;     /* Weight */
  const char *output;  /* the graph's output */
  gsize n_params;
} Importer;

static gpointer
im_new (Importer *im, gsize size)
{
  gpointer p = g_malloc0 (MAX (size, 1));
  g_ptr_array_add (im->pool, p);
  return p;
}

static gboolean G_GNUC_PRINTF (4, 5)
node_fail (Importer *im, const Onnx__NodeProto *n, GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *name = g_utf8_make_valid (n->name && *n->name ? n->name : "(unnamed)", -1);
  g_autofree char *op = g_utf8_make_valid (n->op_type ? n->op_type : "?", -1);
  g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: node “%s” (%s): %s", im->display,
               name, op, msg);
  return FALSE;
}

/* ---- attributes ------------------------------------------------------------------ */

static const Onnx__AttributeProto *
attr (const Onnx__NodeProto *n, const char *name)
{
  for (size_t a = 0; a < n->n_attribute; a++)
    if (n->attribute[a]->name && strcmp (n->attribute[a]->name, name) == 0)
      return n->attribute[a];
  return NULL;
}

/* Every attribute of n is one of the NULL-terminated names. */
static gboolean
check_attrs (Importer *im, const Onnx__NodeProto *n, const char *const *names, GError **error)
{
  for (size_t a = 0; a < n->n_attribute; a++)
    {
      const char *got = n->attribute[a]->name ? n->attribute[a]->name : "";
      gboolean known = FALSE;
      for (int k = 0; names[k] && !known; k++)
        known = strcmp (names[k], got) == 0;
      if (!known)
        {
          g_autofree char *shown = g_utf8_make_valid (got, -1);
          return node_fail (im, n, error, "attribute “%s” is not supported", shown);
        }
    }
  return TRUE;
}
#define CHECK_ATTRS(im, n, error, ...) \
  check_attrs (im, n, (const char *const[]){ __VA_ARGS__, NULL }, error)

static gint64
attr_int (const Onnx__NodeProto *n, const char *name, gint64 fallback)
{
  const Onnx__AttributeProto *a = attr (n, name);
  return a && a->has_i ? a->i : fallback;
}

static float
attr_float (const Onnx__NodeProto *n, const char *name, float fallback)
{
  const Onnx__AttributeProto *a = attr (n, name);
  return a && a->has_f ? a->f : fallback;
}

/* An INTS attribute of exactly count values into out; absent: FALSE, out untouched. */
static gboolean
attr_ints (Importer *im, const Onnx__NodeProto *n, const char *name, gint64 *out, size_t count,
           gboolean *bad, GError **error)
{
  const Onnx__AttributeProto *a = attr (n, name);
  if (a == NULL)
    return FALSE;
  if (a->n_ints != count)
    {
      *bad = TRUE;
      return node_fail (im, n, error, "attribute “%s” has %zu values, not %zu", name, a->n_ints,
                        count);
    }
  memcpy (out, a->ints, count * sizeof (gint64));
  return TRUE;
}

static gboolean
attr_is_string (const Onnx__NodeProto *n, const char *name, const char *value)
{
  const Onnx__AttributeProto *a = attr (n, name);
  if (a == NULL || !a->has_s)
    return FALSE;
  return a->s.len == strlen (value) && memcmp (a->s.data, value, a->s.len) == 0;
}

/* ---- values ---------------------------------------------------------------------- */

static Value *
value_get (Importer *im, const char *name)
{
  return name ? g_hash_table_lookup (im->values, name) : NULL;
}

static void
value_set (Importer *im, const char *name, const Value *v)
{
  Value *copy = im_new (im, sizeof *copy);
  *copy = *v;
  g_hash_table_replace (im->values, (gpointer) name, copy);
}

static int
uses_of (Importer *im, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (im->uses, name));
}

/* Input k of n as a layer's output. */
static Value *
layer_input (Importer *im, const Onnx__NodeProto *n, size_t k, GError **error)
{
  Value *v = k < n->n_input ? value_get (im, n->input[k]) : NULL;
  if (v == NULL || v->layer < 0)
    {
      node_fail (im, n, error, "input %zu is %s", k,
                 v ? "a constant; only weights may be constants" : "missing or not computed yet");
      return NULL;
    }
  return v;
}

/* Input k of n as a float constant of count values (0: any). */
static Value *
const_input (Importer *im, const Onnx__NodeProto *n, size_t k, gsize count, GError **error)
{
  Value *v = k < n->n_input && *n->input[k] ? value_get (im, n->input[k]) : NULL;
  if (v == NULL || v->layer >= 0 || v->f == NULL)
    {
      node_fail (im, n, error, "input %zu must be a float initializer or Constant", k);
      return NULL;
    }
  if (count && v->count != count)
    {
      node_fail (im, n, error, "input %zu has %zu values, %zu expected", k, v->count, count);
      return NULL;
    }
  return v;
}

static gboolean
read_tensor (Importer *im, const Onnx__TensorProto *t, Value *v, GError **error)
{
  g_autofree char *name = g_utf8_make_valid (t->name ? t->name : "", -1);
  memset (v, 0, sizeof *v);
  v->layer = -1;
  if (t->n_dims > G_N_ELEMENTS (v->dims))
    goto bad;
  v->ndim = (int) t->n_dims;
  v->count = 1;
  for (size_t d = 0; d < t->n_dims; d++)
    {
      if (t->dims[d] < 0 || t->dims[d] > MAX_DIM)
        goto bad;
      v->dims[d] = t->dims[d];
      v->count *= (gsize) t->dims[d];
      if (v->count > MAX_ELEMENTS)
        goto bad;
    }
  if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: tensor “%s” keeps its data in "
                   "another file; only self-contained ONNX files are read", im->display, name);
      return FALSE;
    }
  gsize elem = t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? 4
             : t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ? 8 : 0;
  if (elem == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: tensor “%s” has data type %d; "
                   "only float and int64 are read", im->display, name, t->data_type);
      return FALSE;
    }
  v->is_int = elem == 8;
  guint8 *out = im_new (im, v->count * elem);
  if (t->has_raw_data && t->raw_data.len == v->count * elem)
    {
      for (gsize k = 0; k < v->count; k++)
        for (gsize b = 0; b < elem; b++) /* little-endian in the file */
          out[k * elem + (G_BYTE_ORDER == G_LITTLE_ENDIAN ? b : elem - 1 - b)]
            = t->raw_data.data[k * elem + b];
    }
  else if (!t->has_raw_data && !v->is_int && t->n_float_data == v->count)
    {
      if (v->count > 0) /* an empty tensor has no array at all (NULL) */
        memcpy (out, t->float_data, v->count * 4);
    }
  else if (!t->has_raw_data && v->is_int && t->n_int64_data == v->count)
    {
      if (v->count > 0)
        memcpy (out, t->int64_data, v->count * 8);
    }
  else
    goto bad;
  if (v->is_int)
    v->i = (gint64 *) out;
  else
    v->f = (float *) out;
  return TRUE;
bad:
  g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: tensor “%s” has an invalid or too large "
               "shape, or its data does not match it", im->display, name);
  return FALSE;
}

/* ---- layers ---------------------------------------------------------------------- */

static char *
layer_name (Importer *im, const char *base)
{
  int k = GPOINTER_TO_INT (g_hash_table_lookup (im->counts, base));
  g_hash_table_replace (im->counts, (gpointer) base, GINT_TO_POINTER (k + 1));
  char *name = k == 0 ? g_strdup (base) : g_strdup_printf ("%s_%d", base, k);
  g_ptr_array_add (im->pool, name);
  return name;
}

static float *
add_weight (Importer *im, int layer, const char *role, gsize size)
{
  Weight w = { layer, role, im_new (im, size * sizeof (float)), size };
  g_array_append_val (im->weights, w);
  im->n_params += size;
  return w.data;
}

static Weight *
find_weight (Importer *im, int layer, const char *role)
{
  for (guint k = 0; k < im->weights->len; k++)
    {
      Weight *w = &g_array_index (im->weights, Weight, k);
      if (w->layer == layer && strcmp (w->role, role) == 0)
        return w;
    }
  return NULL;
}

static void
set_output (Importer *im, const Onnx__NodeProto *n, int layer, View view, NnShape shape,
            int *perm)
{
  Value v = { .layer = layer, .view = view, .shape = shape, .perm = perm };
  value_set (im, n->output[0], &v);
}

/* The values of the view in ONNX's row-major order are the engine's memory. */
static gboolean
row_major (const Value *v)
{
  if (v->view == VIEW_VECTOR)
    return v->perm == NULL;
  if (v->view == VIEW_NCHW)
    return v->shape.c == 1 || (v->shape.h == 1 && v->shape.w == 1);
  return TRUE;
}

/* ONNX pads/auto_pad as the engine's padding, which is TensorFlow's rule. */
static gboolean
read_padding (Importer *im, const Onnx__NodeProto *n, NnShape in, int kh, int kw, int sh,
              int sw, NnPadding *padding, GError **error)
{
  gint64 pads[4] = { 0, 0, 0, 0 };
  gboolean bad = FALSE;
  const Onnx__AttributeProto *ap = attr (n, "auto_pad");
  if (ap && !attr_is_string (n, "auto_pad", "NOTSET"))
    {
      if (attr_is_string (n, "auto_pad", "VALID"))
        *padding = NN_PAD_VALID;
      else if (attr_is_string (n, "auto_pad", "SAME_UPPER"))
        *padding = NN_PAD_SAME;
      else
        return node_fail (im, n, error, "attribute “auto_pad” is neither NOTSET, VALID nor "
                          "SAME_UPPER");
      return TRUE;
    }
  attr_ints (im, n, "pads", pads, 4, &bad, error);
  if (bad)
    return FALSE;
  if (pads[0] == 0 && pads[1] == 0 && pads[2] == 0 && pads[3] == 0)
    {
      *padding = NN_PAD_VALID;
      return TRUE;
    }
  int oh = (in.h + sh - 1) / sh, ow = (in.w + sw - 1) / sw;
  int th = MAX ((oh - 1) * sh + kh - in.h, 0), tw = MAX ((ow - 1) * sw + kw - in.w, 0);
  if (pads[0] == th / 2 && pads[1] == tw / 2 && pads[2] == th - th / 2 && pads[3] == tw - tw / 2)
    {
      *padding = NN_PAD_SAME;
      return TRUE;
    }
  return node_fail (im, n, error, "attribute “pads” [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                    ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] is neither none nor "
                    "TensorFlow's 'same' for this input", pads[0], pads[1], pads[2], pads[3]);
}

static int
out_size (int in, int k, int s, NnPadding p)
{
  return p == NN_PAD_SAME ? (in + s - 1) / s : in < k ? 0 : (in - k) / s + 1;
}

/* kernel_shape, strides and dilations of Conv and the pools. */
static gboolean
read_window (Importer *im, const Onnx__NodeProto *n, gint64 k[2], gint64 s[2], GError **error)
{
  gboolean bad = FALSE;
  gint64 dil[2] = { 1, 1 };
  s[0] = s[1] = 1;
  attr_ints (im, n, "kernel_shape", k, 2, &bad, error);
  if (!bad)
    attr_ints (im, n, "strides", s, 2, &bad, error);
  if (!bad)
    attr_ints (im, n, "dilations", dil, 2, &bad, error);
  if (bad)
    return FALSE;
  if (dil[0] != 1 || dil[1] != 1)
    return node_fail (im, n, error, "attribute “dilations” must be 1");
  if (k[0] < 1 || k[1] < 1 || k[0] > 64 || k[1] > 64 || s[0] < 1 || s[1] < 1 || s[0] > 64
      || s[1] > 64)
    return node_fail (im, n, error, "attribute “kernel_shape” or “strides” is out of range");
  return TRUE;
}

static gboolean
op_conv (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "kernel_shape", "strides", "pads", "dilations", "group",
                    "auto_pad"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  Value *w = x ? const_input (im, n, 1, 0, error) : NULL;
  if (w == NULL)
    return FALSE;
  if (x->view != VIEW_NCHW)
    return node_fail (im, n, error, "input 0 is not NCHW");
  if (w->ndim != 4)
    return node_fail (im, n, error, "the weight is not 4-dimensional");
  int o = (int) w->dims[0], ipg = (int) w->dims[1], kh = (int) w->dims[2], kw = (int) w->dims[3];
  gint64 k[2] = { kh, kw }, s[2];
  if (!read_window (im, n, k, s, error))
    return FALSE;
  if (k[0] != kh || k[1] != kw)
    return node_fail (im, n, error, "attribute “kernel_shape” does not match the weight");
  if (o < 1 || o > MAX_CHANNELS)
    return node_fail (im, n, error, "the weight has %d output channels", o);
  gint64 group = attr_int (n, "group", 1);
  int c = x->shape.c;
  gboolean depthwise = group == c && c > 1 && ipg == 1 && o % c == 0;
  if (!(group == 1 && ipg == c) && !depthwise)
    return node_fail (im, n, error, "attribute “group” %" G_GINT64_FORMAT " is neither 1 nor "
                      "the input's channels (depthwise)", group);
  NnPadding padding;
  if (!read_padding (im, n, x->shape, kh, kw, (int) s[0], (int) s[1], &padding, error))
    return FALSE;
  Value *b = NULL;
  if (n->n_input > 2 && *n->input[2] && (b = const_input (im, n, 2, o, error)) == NULL)
    return FALSE;
  NnConvConfig cfg = { .filters = o, .depth_multiplier = depthwise ? o / c : 1, .kh = kh,
                       .kw = kw, .stride_h = (int) s[0], .stride_w = (int) s[1],
                       .padding = padding, .use_bias = b != NULL };
  NnShape out = { out_size (x->shape.h, kh, (int) s[0], padding),
                  out_size (x->shape.w, kw, (int) s[1], padding), o };
  if (out.h <= 0 || out.w <= 0)
    return node_fail (im, n, error, "the kernel does not fit the input");
  int l = depthwise
    ? nn_model_add_depthwise_conv2d (im->m, layer_name (im, "depthwise_conv2d"), x->layer, &cfg)
    : nn_model_add_conv2d (im->m, layer_name (im, "conv2d"), x->layer, &cfg);
  float *kd = add_weight (im, l, "kernel", w->count);
  /* OIHW -> HWIO; depthwise: output channel ci * M + m -> (KH, KW, C, M), the same index */
  int in = depthwise ? 1 : c;
  for (int oc = 0; oc < o; oc++)
    for (int i = 0; i < in; i++)
      for (int y = 0; y < kh; y++)
        for (int xx = 0; xx < kw; xx++)
          {
            float v = w->f[(((size_t) oc * in + i) * kh + y) * kw + xx];
            if (depthwise)
              kd[((size_t) y * kw + xx) * o + oc] = v;
            else
              kd[(((size_t) y * kw + xx) * c + i) * o + oc] = v;
          }
  if (b)
    memcpy (add_weight (im, l, "bias", o), b->f, o * sizeof (float));
  set_output (im, n, l, VIEW_NCHW, out, NULL);
  return TRUE;
}

static gboolean
op_pool (Importer *im, const Onnx__NodeProto *n, gboolean max, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "kernel_shape", "strides", "pads", "dilations", "auto_pad",
                    "ceil_mode", "count_include_pad", "storage_order"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  if (x->view != VIEW_NCHW)
    return node_fail (im, n, error, "input 0 is not NCHW");
  if (n->n_output > 1)
    return node_fail (im, n, error, "the indices output is not supported");
  gint64 k[2] = { 0, 0 }, s[2];
  if (!read_window (im, n, k, s, error))
    return FALSE;
  if (attr_int (n, "ceil_mode", 0) != 0)
    return node_fail (im, n, error, "attribute “ceil_mode” must be 0");
  if (attr_int (n, "storage_order", 0) != 0)
    return node_fail (im, n, error, "attribute “storage_order” must be 0");
  NnPadding padding;
  if (!read_padding (im, n, x->shape, (int) k[0], (int) k[1], (int) s[0], (int) s[1], &padding,
                     error))
    return FALSE;
  if (!max && padding == NN_PAD_SAME && attr_int (n, "count_include_pad", 0) != 0)
    return node_fail (im, n, error, "attribute “count_include_pad” must be 0 with padding");
  NnPoolConfig cfg = { (int) k[0], (int) k[1], (int) s[0], (int) s[1], padding };
  NnShape out = { out_size (x->shape.h, cfg.pool_h, cfg.stride_h, padding),
                  out_size (x->shape.w, cfg.pool_w, cfg.stride_w, padding), x->shape.c };
  if (out.h <= 0 || out.w <= 0)
    return node_fail (im, n, error, "the window does not fit the input");
  int l = max ? nn_model_add_max_pool (im->m, layer_name (im, "max_pooling2d"), x->layer, &cfg)
              : nn_model_add_avg_pool (im->m, layer_name (im, "average_pooling2d"), x->layer, &cfg);
  set_output (im, n, l, VIEW_NCHW, out, NULL);
  return TRUE;
}

static gboolean
op_global_pool (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, ""))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  if (x->view != VIEW_NCHW)
    return node_fail (im, n, error, "input 0 is not NCHW");
  int l = nn_model_add_global_avg_pool (im->m, layer_name (im, "global_average_pooling2d"),
                                        x->layer);
  set_output (im, n, l, VIEW_NCHW, (NnShape){ 1, 1, x->shape.c }, NULL);
  return TRUE;
}

static gboolean
op_batch_norm (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "epsilon", "momentum", "training_mode", "spatial"))
    return FALSE;
  if (attr_int (n, "training_mode", 0) != 0 || attr_int (n, "spatial", 1) != 1)
    return node_fail (im, n, error, "attribute “training_mode” or “spatial” is not inference's");
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  if (x->view == VIEW_NHWC || x->view == VIEW_MATRIX || (x->perm != NULL))
    return node_fail (im, n, error, "input 0 is not NCHW or a vector");
  int c = x->shape.c;
  Value *p[4];
  for (int k = 0; k < 4; k++)
    if ((p[k] = const_input (im, n, 1 + k, c, error)) == NULL)
      return FALSE;
  if (n->n_output > 1)
    return node_fail (im, n, error, "the training outputs are not supported");
  NnBatchNormConfig cfg = { 0.99f, attr_float (n, "epsilon", 1e-5f), TRUE, TRUE };
  int l = nn_model_add_batch_norm (im->m, layer_name (im, "batch_normalization"), x->layer, &cfg);
  static const char *const roles[4] = { "gamma", "beta", "moving_mean", "moving_variance" };
  for (int k = 0; k < 4; k++)
    memcpy (add_weight (im, l, roles[k], c), p[k]->f, c * sizeof (float));
  set_output (im, n, l, x->view, x->shape, NULL);
  return TRUE;
}

/* Gemm and MatMul: Dense, the vector's permutation folded into the kernel's rows. */
static gboolean
op_dense (Importer *im, const Onnx__NodeProto *n, gboolean gemm, GError **error)
{
  if (gemm ? !CHECK_ATTRS (im, n, error, "alpha", "beta", "transA", "transB")
           : !CHECK_ATTRS (im, n, error, ""))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  Value *w = x ? const_input (im, n, 1, 0, error) : NULL;
  if (w == NULL)
    return FALSE;
  if (x->shape.h != 1 || x->shape.w != 1)
    return node_fail (im, n, error, "input 0 is not a vector [N, D]");
  if (attr_int (n, "transA", 0) != 0)
    return node_fail (im, n, error, "attribute “transA” must be 0");
  gboolean trans = attr_int (n, "transB", 0) != 0;
  int in = x->shape.c;
  if (w->ndim != 2 || w->dims[trans ? 1 : 0] != in)
    return node_fail (im, n, error, "the weight is not 2-dimensional with %d inputs", in);
  int units = (int) w->dims[trans ? 0 : 1];
  if (units < 1 || units > MAX_CHANNELS)
    return node_fail (im, n, error, "the weight has %d outputs", units);
  Value *b = NULL;
  if (gemm && n->n_input > 2 && *n->input[2] && (b = const_input (im, n, 2, 0, error)) == NULL)
    return FALSE;
  if (b && b->count != 1 && b->count != (gsize) units)
    return node_fail (im, n, error, "input 2 has %zu values, not %d", b->count, units);
  float alpha = gemm ? attr_float (n, "alpha", 1.0f) : 1.0f;
  float beta = gemm ? attr_float (n, "beta", 1.0f) : 1.0f;
  NnDenseConfig cfg = { units, TRUE, NN_ACT_LINEAR };
  int l = nn_model_add_dense (im->m, layer_name (im, "dense"), x->layer, &cfg);
  float *kd = add_weight (im, l, "kernel", (gsize) in * units);
  for (int k = 0; k < in; k++)
    for (int o = 0; o < units; o++)
      {
        int row = x->perm ? x->perm[k] : k;
        float v = trans ? w->f[(size_t) o * in + k] : w->f[(size_t) k * units + o];
        kd[(size_t) row * units + o] = alpha * v;
      }
  float *bd = add_weight (im, l, "bias", units);
  for (int o = 0; b && o < units; o++)
    bd[o] = beta * b->f[b->count == 1 ? 0 : o];
  set_output (im, n, l, VIEW_VECTOR, (NnShape){ 1, 1, units }, NULL);
  return TRUE;
}

/* The activation a layer applies after its weights, where it has one. */
static NnActivation *
fused_activation (NnLayer *l)
{
  if (l->kind == NN_LAYER_DENSE)
    return &l->cfg.dense.activation;
  if (nn_layer_is_convolutional (l))
    return &l->cfg.conv.activation;
  return NULL;
}

static gboolean
add_activation (Importer *im, const Onnx__NodeProto *n, NnActivation act, GError **error)
{
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  /* Conv or Dense -> activation, read by nothing else: one layer, as Keras writes it
   * and as the engine runs it fastest. */
  NnActivation *fused = fused_activation (&im->m->layers[x->layer]);
  if (fused && *fused == NN_ACT_LINEAR && uses_of (im, n->input[0]) == 1)
    {
      *fused = act;
      set_output (im, n, x->layer, x->view, x->shape, x->perm);
      return TRUE;
    }
  int l = nn_model_add_activation (im->m, layer_name (im, "activation"), x->layer, act);
  set_output (im, n, l, x->view, x->shape, x->perm);
  return TRUE;
}

static gboolean
op_softmax (Importer *im, const Onnx__NodeProto *n, gboolean log, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "axis"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  gint64 axis = attr_int (n, "axis", im->opset >= 13 ? -1 : 1);
  int rank = x->view == VIEW_VECTOR ? 2 : x->view == VIEW_MATRIX ? 3 : 4;
  if (axis < 0)
    axis += rank;
  gboolean vector = x->shape.h == 1 && x->shape.w == 1;
  gboolean channels = x->view == VIEW_NCHW ? axis == 1 && (im->opset >= 13 || vector)
                    : x->view == VIEW_NHWC ? axis == 3 : x->view == VIEW_VECTOR && axis == 1;
  if (!channels)
    return node_fail (im, n, error, "attribute “axis” %" G_GINT64_FORMAT " is not the channel "
                      "axis", axis);
  /* exp (log softmax) is softmax: Digits shows probabilities. */
  if (log && (uses_of (im, n->output[0]) != 1 || strcmp (n->output[0], im->output) != 0))
    return node_fail (im, n, error, "LogSoftmax is read only as the graph's output");
  return add_activation (im, n, NN_ACT_SOFTMAX, error);
}

static gboolean
op_clip (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "min", "max"))
    return FALSE;
  float lo = attr_float (n, "min", -INFINITY), hi = attr_float (n, "max", INFINITY);
  for (size_t k = 1; k < 3 && k < n->n_input; k++)
    if (*n->input[k])
      {
        Value *v = const_input (im, n, k, 1, error);
        if (v == NULL)
          return FALSE;
        *(k == 1 ? &lo : &hi) = v->f[0];
      }
  if (lo != 0.0f || (hi != 6.0f && hi != INFINITY))
    return node_fail (im, n, error, "only Clip (0, 6) (relu6) and Clip (0) (relu) are supported");
  return add_activation (im, n, hi == INFINITY ? NN_ACT_RELU : NN_ACT_RELU6, error);
}

/* Flatten, and Reshape to [N, D]: the values in ONNX's order. */
static gboolean
flatten (Importer *im, const Onnx__NodeProto *n, Value *x, GError **error)
{
  int d = (int) nn_shape_size (x->shape);
  if (x->view == VIEW_VECTOR)
    {
      set_output (im, n, x->layer, VIEW_VECTOR, x->shape, x->perm);
      return TRUE;
    }
  if (!row_major (x) && (gsize) d > MAX_FLATTEN)
    return node_fail (im, n, error, "flattening %d NCHW values is more than supported", d);
  int *perm = NULL;
  if (!row_major (x))
    {
      NnShape s = x->shape;
      perm = im_new (im, d * sizeof (int));
      for (int c = 0; c < s.c; c++)
        for (int y = 0; y < s.h; y++)
          for (int xx = 0; xx < s.w; xx++)
            perm[(c * s.h + y) * s.w + xx] = (y * s.w + xx) * s.c + c;
    }
  int l = nn_model_add_flatten (im->m, layer_name (im, "flatten"), x->layer);
  set_output (im, n, l, VIEW_VECTOR, (NnShape){ 1, 1, d }, perm);
  return TRUE;
}

static gboolean
op_flatten (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "axis"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  if (attr_int (n, "axis", 1) != 1)
    return node_fail (im, n, error, "attribute “axis” must be 1");
  return flatten (im, n, x, error);
}

static gboolean
op_reshape (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "allowzero"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  Value *sv = n->n_input > 1 ? value_get (im, n->input[1]) : NULL;
  if (sv == NULL || sv->layer >= 0 || !sv->is_int || sv->ndim != 1 || sv->count < 2
      || sv->count > 4)
    return node_fail (im, n, error, "the shape must be a constant int64 vector of 2 to 4 values");
  if (attr_int (n, "allowzero", 0) != 0)
    return node_fail (im, n, error, "attribute “allowzero” must be 0");
  gint64 total = (gint64) nn_shape_size (x->shape), known = 1;
  int r = (int) sv->count, unknown = -1;
  gint64 t[4];
  for (int k = 1; k < r; k++)
    {
      t[k] = sv->i[k];
      if (t[k] == -1 && unknown < 0)
        unknown = k;
      else if (t[k] >= 1 && t[k] <= MAX_DIM && known * t[k] <= total)
        known *= t[k];
      else
        return node_fail (im, n, error, "shape value %" G_GINT64_FORMAT " is not supported",
                          t[k]);
    }
  if (sv->i[0] != 0 && sv->i[0] != 1 && !(sv->i[0] == -1 && unknown < 0))
    return node_fail (im, n, error, "the shape must keep the batch (0 or -1 first)");
  if (unknown > 0)
    t[unknown] = known > 0 && total % known == 0 ? total / known : 0;
  else if (known != total)
    t[1] = 0;
  if ((unknown > 0 && t[unknown] == 0) || (unknown < 0 && known != total))
    return node_fail (im, n, error, "cannot reshape %" G_GINT64_FORMAT " values so", total);
  if (r == 2)
    return flatten (im, n, x, error);
  if (!row_major (x))
    return node_fail (im, n, error, "reshaping NCHW values other than to [N, D] is not supported");
  NnShape s;
  View view;
  if (r == 3)
    s = (NnShape){ (int) t[1], (int) t[2], 1 }, view = VIEW_MATRIX;
  else if (t[1] == 1) /* [N, 1, H, W]: one channel, NCHW */
    s = (NnShape){ (int) t[2], (int) t[3], 1 }, view = VIEW_NCHW;
  else
    s = (NnShape){ (int) t[1], (int) t[2], (int) t[3] }, view = VIEW_NHWC;
  int l = x->layer;
  if (!nn_shape_equal (s, x->shape))
    l = nn_model_add_reshape (im->m, layer_name (im, "reshape"), x->layer, s);
  set_output (im, n, l, view, s, NULL);
  return TRUE;
}

static gboolean
op_transpose (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "perm"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  const Onnx__AttributeProto *a = attr (n, "perm");
  static const gint64 to_nchw[4] = { 0, 3, 1, 2 }, to_nhwc[4] = { 0, 2, 3, 1 };
  gboolean four = a && a->n_ints == 4;
  if (four && x->view == VIEW_NHWC && memcmp (a->ints, to_nchw, sizeof to_nchw) == 0)
    set_output (im, n, x->layer, VIEW_NCHW, x->shape, NULL);
  else if (four && x->view == VIEW_NCHW && memcmp (a->ints, to_nhwc, sizeof to_nhwc) == 0)
    set_output (im, n, x->layer, VIEW_NHWC, x->shape, NULL);
  else
    return node_fail (im, n, error, "attribute “perm” is not NHWC <-> NCHW for this input");
  return TRUE;
}

/* Unsqueeze [N, C] -> [N, C, 1, 1]: the same values, as an image of one pixel. */
static gboolean
op_unsqueeze (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "axes"))
    return FALSE;
  Value *x = layer_input (im, n, 0, error);
  if (x == NULL)
    return FALSE;
  const Onnx__AttributeProto *a = attr (n, "axes");
  Value *axes = n->n_input > 1 ? value_get (im, n->input[1]) : NULL;
  const gint64 *ax = a ? a->ints : axes && axes->layer < 0 && axes->is_int ? axes->i : NULL;
  gsize count = a ? a->n_ints : axes && axes->layer < 0 && axes->is_int ? axes->count : 0;
  if (x->view != VIEW_VECTOR || x->perm || ax == NULL || count != 2 || ax[0] != 2 || ax[1] != 3)
    return node_fail (im, n, error, "only [N, C] -> [N, C, 1, 1] (axes 2, 3) is supported");
  set_output (im, n, x->layer, VIEW_NCHW, x->shape, NULL);
  return TRUE;
}

/* c holds one value per channel of x, broadcast along the channel axis: [C] or
 * [1, C] for vectors, [C, 1, 1] or [1, C, 1, 1] for images. */
static gboolean
per_channel (const Value *x, const Value *c)
{
  if (c->count != (gsize) x->shape.c)
    return FALSE;
  if (x->view == VIEW_NCHW && (x->shape.h > 1 || x->shape.w > 1))
    return c->ndim >= 3 && c->dims[c->ndim - 1] == 1 && c->dims[c->ndim - 2] == 1;
  return x->view == VIEW_VECTOR || x->view == VIEW_NCHW;
}

/* Add, Sub, Mul, Div: of two layers (Add), by a scalar (Rescaling), or a vector added
 * to the output of a MatMul or Conv used nowhere else (its bias). */
static gboolean
op_arith (Importer *im, const Onnx__NodeProto *n, char op, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, ""))
    return FALSE;
  Value *a = n->n_input == 2 ? value_get (im, n->input[0]) : NULL;
  Value *b = n->n_input == 2 ? value_get (im, n->input[1]) : NULL;
  if (a == NULL || b == NULL)
    return node_fail (im, n, error, "needs two computed inputs");
  if (a->layer >= 0 && b->layer >= 0)
    {
      if (op != '+')
        return node_fail (im, n, error, "only Add takes two computed inputs");
      if (a->view != b->view || !nn_shape_equal (a->shape, b->shape) || a->perm || b->perm)
        return node_fail (im, n, error, "the inputs differ in shape or layout");
      int l = nn_model_add_add (im->m, layer_name (im, "add"), (const int[]){ a->layer, b->layer },
                                2);
      set_output (im, n, l, a->view, a->shape, NULL);
      return TRUE;
    }
  if (a->layer < 0 && (op == '+' || op == '*'))
    {
      Value *tmp = a;
      a = b;
      b = tmp;
    }
  if (a->layer < 0 || b->f == NULL)
    return node_fail (im, n, error, "needs a computed first input and a float constant");
  if (b->count == 1)
    {
      float v = b->f[0];
      float scale = op == '*' ? v : op == '/' ? 1.0f / v : 1.0f;
      float offset = op == '+' ? v : op == '-' ? -v : 0.0f;
      if (!isfinite (scale) || !isfinite (offset))
        return node_fail (im, n, error, "the constant is not finite or divides by zero");
      int l = nn_model_add_rescaling (im->m, layer_name (im, "rescaling"), a->layer, scale,
                                      offset);
      set_output (im, n, l, a->view, a->shape, a->perm);
      return TRUE;
    }
  const NnLayer *producer = &im->m->layers[a->layer];
  Weight *bias = find_weight (im, a->layer, "bias");
  const char *a_name = a == value_get (im, n->input[0]) ? n->input[0] : n->input[1];
  if ((op == '+' || op == '-') && a->perm == NULL && per_channel (a, b) && bias != NULL
      && (producer->kind == NN_LAYER_DENSE || producer->kind == NN_LAYER_CONV2D)
      && uses_of (im, a_name) == 1)
    {
      for (int c = 0; c < a->shape.c; c++)
        bias->data[c] += op == '+' ? b->f[c] : -b->f[c];
      set_output (im, n, a->layer, a->view, a->shape, NULL);
      return TRUE;
    }
  return node_fail (im, n, error, "a constant of %zu values is supported only as the bias of a "
                    "MatMul or Conv used nowhere else", b->count);
}

static gboolean
op_concat (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "axis"))
    return FALSE;
  if (n->n_input < 2 || n->n_input > NN_MAX_INPUTS)
    return node_fail (im, n, error, "takes 2 to %d inputs here", NN_MAX_INPUTS);
  int layers[NN_MAX_INPUTS], channels = 0;
  Value *first = NULL;
  for (size_t k = 0; k < n->n_input; k++)
    {
      Value *v = layer_input (im, n, k, error);
      if (v == NULL)
        return FALSE;
      if (first && (v->view != first->view || v->shape.h != first->shape.h
                    || v->shape.w != first->shape.w))
        return node_fail (im, n, error, "the inputs differ in layout or size");
      if (v->perm)
        return node_fail (im, n, error, "input %zu is a flattened NCHW image", k);
      first = first ? first : v;
      layers[k] = v->layer;
      channels += v->shape.c;
      if (channels > MAX_CHANNELS)
        return node_fail (im, n, error, "more than %d channels", MAX_CHANNELS);
    }
  gint64 axis = attr_int (n, "axis", 1);
  int rank = first->view == VIEW_VECTOR ? 2 : first->view == VIEW_MATRIX ? 3 : 4;
  if (axis < 0)
    axis += rank;
  if (!(first->view == VIEW_NCHW && axis == 1) && !(first->view == VIEW_VECTOR && axis == 1)
      && !(first->view == VIEW_NHWC && axis == 3))
    return node_fail (im, n, error, "attribute “axis” %" G_GINT64_FORMAT " is not the channels",
                      axis);
  int l = nn_model_add_concatenate (im->m, layer_name (im, "concatenate"), layers,
                                    (int) n->n_input);
  set_output (im, n, l, first->view, (NnShape){ first->shape.h, first->shape.w, channels }, NULL);
  return TRUE;
}

static gboolean
op_constant (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  const Onnx__AttributeProto *a = attr (n, "value");
  if (n->n_attribute != 1 || a == NULL || a->t == NULL)
    return node_fail (im, n, error, "only the attribute “value” (a tensor) is supported");
  Value v;
  if (!read_tensor (im, a->t, &v, error))
    return FALSE;
  value_set (im, n->output[0], &v);
  return TRUE;
}

static gboolean
op_alias (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  if (!CHECK_ATTRS (im, n, error, "ratio", "seed", "training_mode", "is_test"))
    return FALSE;
  Value *x = n->n_input >= 1 ? value_get (im, n->input[0]) : NULL;
  if (x == NULL)
    return node_fail (im, n, error, "input 0 is missing");
  for (size_t k = 1; k < n->n_output; k++)
    if (uses_of (im, n->output[k]) > 0)
      return node_fail (im, n, error, "output %zu (the mask) is used", k);
  value_set (im, n->output[0], x);
  return TRUE;
}

static gboolean
import_node (Importer *im, const Onnx__NodeProto *n, GError **error)
{
  const char *op = n->op_type ? n->op_type : "";
  if (n->domain && *n->domain && strcmp (n->domain, "ai.onnx") != 0)
    return node_fail (im, n, error, "operators of domain “%s” are not supported", n->domain);
  if (n->n_output < 1 || !*n->output[0])
    return node_fail (im, n, error, "has no output");
  for (size_t k = 0; k < n->n_output; k++)
    if (!g_utf8_validate (n->output[k], -1, NULL) || value_get (im, n->output[k]))
      return node_fail (im, n, error, "output %zu is invalid or already defined", k);
  if (strcmp (op, "Conv") == 0)
    return op_conv (im, n, error);
  if (strcmp (op, "MaxPool") == 0 || strcmp (op, "AveragePool") == 0)
    return op_pool (im, n, op[0] == 'M', error);
  if (strcmp (op, "GlobalAveragePool") == 0)
    return op_global_pool (im, n, error);
  if (strcmp (op, "BatchNormalization") == 0)
    return op_batch_norm (im, n, error);
  if (strcmp (op, "Gemm") == 0 || strcmp (op, "MatMul") == 0)
    return op_dense (im, n, op[0] == 'G', error);
  if (strcmp (op, "Softmax") == 0 || strcmp (op, "LogSoftmax") == 0)
    return op_softmax (im, n, op[0] == 'L', error);
  if (strcmp (op, "Clip") == 0)
    return op_clip (im, n, error);
  if (strcmp (op, "Flatten") == 0)
    return op_flatten (im, n, error);
  if (strcmp (op, "Reshape") == 0)
    return op_reshape (im, n, error);
  if (strcmp (op, "Transpose") == 0)
    return op_transpose (im, n, error);
  if (strcmp (op, "Concat") == 0)
    return op_concat (im, n, error);
  if (strcmp (op, "Unsqueeze") == 0)
    return op_unsqueeze (im, n, error);
  if (strcmp (op, "Constant") == 0)
    return op_constant (im, n, error);
  if (strcmp (op, "Dropout") == 0 || strcmp (op, "Identity") == 0)
    return op_alias (im, n, error);
  static const struct { const char *op; char arith; } ariths[] = {
    { "Add", '+' }, { "Sub", '-' }, { "Mul", '*' }, { "Div", '/' } };
  for (size_t k = 0; k < G_N_ELEMENTS (ariths); k++)
    if (strcmp (op, ariths[k].op) == 0)
      return op_arith (im, n, ariths[k].arith, error);
  static const struct { const char *op; NnActivation act; } acts[] = {
    { "Relu", NN_ACT_RELU }, { "Sigmoid", NN_ACT_SIGMOID }, { "Tanh", NN_ACT_TANH },
    { "Elu", NN_ACT_ELU } };
  for (size_t k = 0; k < G_N_ELEMENTS (acts); k++)
    if (strcmp (op, acts[k].op) == 0)
      {
        if (!CHECK_ATTRS (im, n, error, "alpha"))
          return FALSE;
        if (attr (n, "alpha") && attr_float (n, "alpha", 1.0f) != 1.0f)
          return node_fail (im, n, error, "attribute “alpha” must be 1");
        return add_activation (im, n, acts[k].act, error);
      }
  return node_fail (im, n, error, "this operator is not supported");
}

/* ---- the graph ------------------------------------------------------------------- */

static gboolean
import_input (Importer *im, const Onnx__ValueInfoProto *vi, GError **error)
{
  g_autofree char *name = g_utf8_make_valid (vi->name ? vi->name : "", -1);
  const Onnx__TypeProto__Tensor *t = vi->type && vi->type->value_case
    == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ? vi->type->tensor_type : NULL;
  gint64 d[4] = { 0, 0, 0, 0 };
  size_t nd = t && t->shape ? t->shape->n_dim : 0;
  gboolean ok = t && t->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && nd >= 2 && nd <= 4;
  for (size_t k = 0; ok && k < nd; k++)
    {
      const Onnx__TensorShapeProto__Dimension *dim = t->shape->dim[k];
      gboolean param = dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      if (k == 0)
        ok = param || dim->dim_value == 1;
      else
        ok = !param, d[k] = dim->dim_value;
    }
  View view = VIEW_NCHW;
  NnInputLayout layout = NN_INPUT_IMAGE;
  NnShape s = { 28, 28, 1 };
  if (ok && nd == 4 && d[1] == 1 && d[2] == 28 && d[3] == 28)
    view = VIEW_NCHW;
  else if (ok && nd == 4 && d[1] == 28 && d[2] == 28 && d[3] == 1)
    view = VIEW_NHWC;
  else if (ok && nd == 3 && d[1] == 28 && d[2] == 28)
    view = VIEW_MATRIX, layout = NN_INPUT_MATRIX;
  else if (ok && nd == 2 && d[1] == 784)
    view = VIEW_VECTOR, layout = NN_INPUT_FLAT, s = (NnShape){ 1, 1, 784 };
  else
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: input “%s” is not float [N, 1, "
                   "28, 28], [N, 28, 28, 1], [N, 28, 28] or [N, 784]", im->display, name);
      return FALSE;
    }
  int l = nn_model_add_input (im->m, s, layout, "input_layer");
  Value v = { .layer = l, .view = view, .shape = s };
  value_set (im, vi->name, &v);
  return TRUE;
}

static gboolean
import_graph (Importer *im, const Onnx__ModelProto *model, GError **error)
{
  const Onnx__GraphProto *g = model->graph;
  if (g == NULL || g->n_node > MAX_NODES || g->n_output != 1)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the graph is missing, has more "
                   "than %d nodes, or has other than one output", im->display, MAX_NODES);
      return FALSE;
    }
  for (size_t k = 0; k < g->n_initializer; k++)
    {
      Value v;
      if (!g->initializer[k]->name || !read_tensor (im, g->initializer[k], &v, error))
        {
          if (error && !*error)
            g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: an initializer has no name",
                         im->display);
          return FALSE;
        }
      value_set (im, g->initializer[k]->name, &v);
    }
  const Onnx__ValueInfoProto *input = NULL;
  for (size_t k = 0; k < g->n_input; k++)
    if (g->input[k]->name && value_get (im, g->input[k]->name) == NULL)
      {
        if (input)
          {
            g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the graph has more than one "
                         "input", im->display);
            return FALSE;
          }
        input = g->input[k];
      }
  if (input == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the graph has no input",
                   im->display);
      return FALSE;
    }
  for (size_t k = 0; k < g->n_node; k++)
    for (size_t j = 0; j < g->node[k]->n_input; j++)
      g_hash_table_replace (im->uses, g->node[k]->input[j],
                            GINT_TO_POINTER (uses_of (im, g->node[k]->input[j]) + 1));
  const char *out_name = g->output[0]->name ? g->output[0]->name : "";
  im->output = out_name;
  g_hash_table_replace (im->uses, (gpointer) out_name, GINT_TO_POINTER (uses_of (im, out_name) + 1));
  if (!import_input (im, input, error))
    return FALSE;
  for (size_t k = 0; k < g->n_node; k++)
    {
      if (!import_node (im, g->node[k], error))
        return FALSE;
      if (im->n_params > MAX_ELEMENTS)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: more than %zu parameters",
                       im->display, (gsize) MAX_ELEMENTS);
          return FALSE;
        }
    }
  Value *out = value_get (im, out_name);
  if (out == NULL || out->layer < 1 || out->perm || out->shape.h != 1 || out->shape.w != 1)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the output is not a vector of "
                   "class scores computed by the graph", im->display);
      return FALSE;
    }
  NnLayer *last = &im->m->layers[out->layer];
  NnActivation *fused = fused_activation (last);
  gboolean softmax = fused ? *fused == NN_ACT_SOFTMAX
                           : last->kind == NN_LAYER_ACTIVATION
                             && last->cfg.act.activation == NN_ACT_SOFTMAX;
  /* Logits (or a softmax that is not the last layer) get a softmax: Digits shows
   * probabilities. */
  if (!softmax || out->layer != im->m->n_layers - 1)
    nn_model_add_activation (im->m, layer_name (im, "activation"), out->layer, NN_ACT_SOFTMAX);
  return TRUE;
}

static gboolean
copy_weights (Importer *im, GError **error)
{
  for (guint k = 0; k < im->weights->len; k++)
    {
      Weight *w = &g_array_index (im->weights, Weight, k);
      const NnLayer *l = &im->m->layers[w->layer];
      const NnVar *v = NULL;
      for (int j = 0; j < l->n_vars; j++)
        if (strcmp (l->vars[j].role, w->role) == 0)
          v = &l->vars[j];
      if (v == NULL || v->size != w->size)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "%s: the %s of layer “%s” does not fit "
                       "it", im->display, w->role, l->name);
          return FALSE;
        }
      memcpy (nn_model_var_data (im->m, v), w->data, w->size * sizeof (float));
    }
  nn_model_params_changed (im->m);
  return TRUE;
}

NnModel *
nn_onnx_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *display = g_filename_display_name (path);
  /* O_NONBLOCK: a FIFO named .onnx must not hang the program */
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  int e = errno;
  struct stat st;
  if (fd >= 0 && (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)))
    {
      close (fd);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not a regular file", display);
      return NULL;
    }
  GMappedFile *mapped = fd >= 0 ? g_mapped_file_new_from_fd (fd, FALSE, NULL) : NULL;
  if (fd >= 0)
    {
      e = errno;
      close (fd); /* the mapping keeps the file */
    }
  g_autoptr (GMappedFile) file = mapped;
  if (file == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot open it: %s", display,
                   g_strerror (fd >= 0 ? (e ? e : EIO) : e));
      return NULL;
    }
  gsize len = g_mapped_file_get_length (file);
  if (len > MAX_FILE_BYTES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: %zu bytes, more than the %zu an "
                   "MNIST model could need", display, len, MAX_FILE_BYTES);
      return NULL;
    }
  Onnx__ModelProto *model = onnx__model_proto__unpack (
    NULL, len, (const guint8 *) g_mapped_file_get_contents (file));
  if (model == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: not an ONNX model (the protobuf "
                   "cannot be read)", display);
      return NULL;
    }
  Importer im = {
    .display = display,
    .opset = 0,
    .pool = g_ptr_array_new_with_free_func (g_free),
    .values = g_hash_table_new (g_str_hash, g_str_equal),
    .uses = g_hash_table_new (g_str_hash, g_str_equal),
    .counts = g_hash_table_new (g_str_hash, g_str_equal),
    .weights = g_array_new (FALSE, FALSE, sizeof (Weight)),
  };
  for (size_t k = 0; k < model->n_opset_import; k++)
    if (!model->opset_import[k]->domain || !*model->opset_import[k]->domain
        || strcmp (model->opset_import[k]->domain, "ai.onnx") == 0)
      im.opset = model->opset_import[k]->version;
  const char *name = model->graph && model->graph->name
                     && g_utf8_validate (model->graph->name, -1, NULL) && *model->graph->name
                     ? model->graph->name : "onnx";
  im.m = nn_model_new (name, NN_MODEL_FUNCTIONAL);
  gboolean ok = import_graph (&im, model, error);
  if (ok && !nn_model_finish (im.m, error))
    {
      g_prefix_error (error, "%s: ", display);
      ok = FALSE;
    }
  ok = ok && copy_weights (&im, error);
  g_hash_table_unref (im.values);
  g_hash_table_unref (im.uses);
  g_hash_table_unref (im.counts);
  g_array_unref (im.weights);
  g_ptr_array_unref (im.pool);
  onnx__model_proto__free_unpacked (model, NULL);
  if (!ok)
    g_clear_pointer (&im.m, nn_model_free);
  return im.m;
}
