/* Tests of nn_onnx_save read back with protobuf-c (the same onnx.proto): the model's
 * header, its input and output, the node sequence of the project's CNN, weights in
 * ONNX's layouts, metadata, and the errors (a missing folder, a layer kind with no
 * ONNX form, an unfinished model) that leave nothing behind. Then nn_onnx_load: the
 * zoo's models read back, PyTorch's NCHW flattening, and files it must refuse. What
 * ONNX's checker and ONNX Runtime make of the files is in tests/onnx. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "nn-error.h"
#include "nn-keras.h"
#include "nn-model-file.h"
#include "nn-onnx.h"
#include "nn-zoo.h"
#include "onnx.pb-c.h"

static char *tmp_dir;

static Onnx__ModelProto *
read_back (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  Onnx__ModelProto *model = onnx__model_proto__unpack (NULL, len, (const guint8 *) data);
  g_assert_nonnull (model);
  return model;
}

static const Onnx__TensorProto *
find_init (const Onnx__GraphProto *g, const char *name)
{
  for (size_t i = 0; i < g->n_initializer; i++)
    if (strcmp (g->initializer[i]->name, name) == 0)
      return g->initializer[i];
  g_error ("no initializer %s", name);
}

static float
tensor_float (const Onnx__TensorProto *t, size_t k)
{
  g_assert_cmpint (t->data_type, ==, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  g_assert_true (t->has_raw_data);
  g_assert_cmpuint (k * 4 + 4, <=, t->raw_data.len);
  guint32 u;
  memcpy (&u, t->raw_data.data + k * 4, 4);
  u = GUINT32_FROM_LE (u);
  float f;
  memcpy (&f, &u, 4);
  return f;
}

static void
assert_dims (const Onnx__ValueInfoProto *v, const char *name, gint64 d1, gint64 d2, gint64 d3)
{
  g_assert_cmpstr (v->name, ==, name);
  g_assert_cmpint (v->type->value_case, ==, ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE);
  const Onnx__TypeProto__Tensor *t = v->type->tensor_type;
  g_assert_cmpint (t->elem_type, ==, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  g_assert_cmpuint (t->shape->n_dim, ==, d2 < 0 ? 2 : 4);
  g_assert_cmpint (t->shape->dim[0]->value_case, ==,
                   ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM);
  g_assert_cmpstr (t->shape->dim[0]->dim_param, ==, "N");
  gint64 want[3] = { d1, d2, d3 };
  for (size_t d = 1; d < t->shape->n_dim; d++)
    g_assert_cmpint (t->shape->dim[d]->dim_value, ==, want[d - 1]);
}

static void
no_temp_files (void)
{
  GDir *dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_null (strstr (name, ".onnx."));
  g_dir_close (dir);
}

/* The zoo CNN: the header, the graph's interface, the node sequence, and each
 * weight in ONNX's layout. */
static void
test_cnn (void)
{
  g_autoptr (NnModel) m = nn_zoo_cnn ();
  nn_model_init_weights (m, 7);
  g_autofree char *path = g_build_filename (tmp_dir, "cnn.onnx", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_onnx_save (m, path, &error));
  g_assert_no_error (error);
  no_temp_files ();

  Onnx__ModelProto *model = read_back (path);
  g_assert_cmpint (model->ir_version, ==, 8);
  g_assert_cmpuint (model->n_opset_import, ==, 1);
  g_assert_cmpstr (model->opset_import[0]->domain, ==, "");
  g_assert_cmpint (model->opset_import[0]->version, ==, 13);
  g_assert_cmpstr (model->producer_name, ==, "Digits");
  const Onnx__GraphProto *g = model->graph;
  g_assert_cmpuint (g->n_input, ==, 1);
  assert_dims (g->input[0], "input", 28, 28, 1);
  g_assert_cmpuint (g->n_output, ==, 1);
  assert_dims (g->output[0], "probs", 10, -1, -1);

  /* NHWC in, NCHW inside, back to NHWC before Flatten; Dropout gone. */
  static const char *const ops[] = {
    "Transpose", "Conv", "Relu", "Conv", "Relu", "MaxPool", "Conv", "Relu", "Conv", "Relu",
    "MaxPool", "Transpose", "Flatten", "Gemm", "Relu", "Gemm", "Softmax", "Identity" };
  g_assert_cmpuint (g->n_node, ==, G_N_ELEMENTS (ops));
  for (size_t i = 0; i < g->n_node; i++)
    g_assert_cmpstr (g->node[i]->op_type, ==, ops[i]);
  g_assert_cmpstr (g->node[g->n_node - 1]->output[0], ==, "probs");
  const Onnx__NodeProto *to_nhwc = g->node[11];
  g_assert_cmpuint (to_nhwc->n_attribute, ==, 1);
  g_assert_cmpstr (to_nhwc->attribute[0]->name, ==, "perm");
  const gint64 perm[4] = { 0, 2, 3, 1 };
  g_assert_cmpmem (to_nhwc->attribute[0]->ints, to_nhwc->attribute[0]->n_ints * 8, perm, 32);

  /* Conv kernels OIHW from Keras's HWIO; Dense kernels as they are (Gemm's B). */
  for (int li = 1; li < m->n_layers; li++)
    {
      const NnLayer *l = &m->layers[li];
      if (l->kind != NN_LAYER_CONV2D && l->kind != NN_LAYER_DENSE)
        continue;
      g_autofree char *kname = g_strconcat (l->name, "/kernel", NULL);
      g_autofree char *bname = g_strconcat (l->name, "/bias", NULL);
      const Onnx__TensorProto *k = find_init (g, kname);
      const NnVar *kv = &l->vars[0];
      const float *kd = nn_model_var_data (m, kv);
      if (l->kind == NN_LAYER_CONV2D)
        {
          int kh = kv->dims[0], kw = kv->dims[1], ci = kv->dims[2], co = kv->dims[3];
          g_assert_cmpuint (k->n_dims, ==, 4);
          g_assert_cmpint (k->dims[0], ==, co);
          g_assert_cmpint (k->dims[1], ==, ci);
          g_assert_cmpint (k->dims[2], ==, kh);
          g_assert_cmpint (k->dims[3], ==, kw);
          for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
              for (int i = 0; i < ci; i++)
                for (int o = 0; o < co; o++)
                  g_assert_cmpfloat (tensor_float (k, ((size_t) (o * ci + i) * kh + y) * kw + x),
                                     ==, kd[((size_t) (y * kw + x) * ci + i) * co + o]);
        }
      else
        {
          g_assert_cmpuint (k->n_dims, ==, 2);
          g_assert_cmpint (k->dims[0], ==, kv->dims[0]);
          g_assert_cmpint (k->dims[1], ==, kv->dims[1]);
          for (size_t j = 0; j < kv->size; j++)
            g_assert_cmpfloat (tensor_float (k, j), ==, kd[j]);
        }
      const Onnx__TensorProto *b = find_init (g, bname);
      g_assert_cmpuint (b->n_dims, ==, 1);
      g_assert_cmpint (b->dims[0], ==, l->vars[1].size);
    }
  onnx__model_proto__free_unpacked (model, NULL);
}

/* A depthwise kernel (KH, KW, C, M) becomes [C * M, 1, KH, KW] of a Conv with group C,
 * and 'same' padding with an odd total puts the extra row at the bottom. */
static void
test_depthwise (void)
{
  g_autoptr (NnModel) m = nn_model_new ("dw", NN_MODEL_SEQUENTIAL);
  int x = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  NnConvConfig c = { .filters = 3, .depth_multiplier = 1, .kh = 3, .kw = 3, .stride_h = 1,
                     .stride_w = 1, .padding = NN_PAD_VALID, .use_bias = FALSE };
  x = nn_model_add_conv2d (m, "conv2d", x, &c);
  c.depth_multiplier = 2;
  c.kh = c.kw = 2;
  c.stride_h = c.stride_w = 2;
  c.padding = NN_PAD_SAME; /* 26 -> 13: total padding 0 */
  x = nn_model_add_depthwise_conv2d (m, "depthwise_conv2d", x, &c);
  c.stride_h = c.stride_w = 1;
  c.kh = c.kw = 4;         /* 13 -> 13: total padding 3, 1 before, 2 after */
  x = nn_model_add_depthwise_conv2d (m, "depthwise_conv2d_1", x, &c);
  x = nn_model_add_global_avg_pool (m, "global_average_pooling2d", x);
  nn_model_add_dense (m, "dense", x, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_assert_true (nn_model_finish (m, NULL));
  nn_model_init_weights (m, 3);
  g_autofree char *path = g_build_filename (tmp_dir, "dw.onnx", NULL);
  g_assert_true (nn_onnx_save (m, path, NULL));

  Onnx__ModelProto *model = read_back (path);
  const Onnx__GraphProto *g = model->graph;
  const NnLayer *l = &m->layers[m->n_layers - 3];
  const Onnx__TensorProto *k = find_init (g, "depthwise_conv2d_1/kernel");
  int ch = l->in_shape.c, mult = 2;
  g_assert_cmpint (k->dims[0], ==, ch * mult);
  g_assert_cmpint (k->dims[1], ==, 1);
  const float *kd = nn_model_var_data (m, &l->vars[0]);
  for (int y = 0; y < 4; y++)
    for (int x2 = 0; x2 < 4; x2++)
      for (int i = 0; i < ch; i++)
        for (int j = 0; j < mult; j++)
          g_assert_cmpfloat (tensor_float (k, ((size_t) (i * mult + j) * 4 + y) * 4 + x2), ==,
                             kd[((size_t) (y * 4 + x2) * ch + i) * mult + j]);
  const Onnx__NodeProto *conv = NULL;
  for (size_t i = 0; i < g->n_node; i++)
    if (g->node[i]->n_input > 1
        && strcmp (g->node[i]->input[1], "depthwise_conv2d_1/kernel") == 0)
      conv = g->node[i];
  g_assert_nonnull (conv);
  g_assert_cmpuint (conv->n_input, ==, 2); /* no bias */
  gboolean seen_group = FALSE, seen_pads = FALSE;
  for (size_t a = 0; a < conv->n_attribute; a++)
    {
      const Onnx__AttributeProto *at = conv->attribute[a];
      if (strcmp (at->name, "group") == 0)
        {
          g_assert_cmpint (at->i, ==, ch);
          seen_group = TRUE;
        }
      if (strcmp (at->name, "pads") == 0)
        {
          const gint64 want[4] = { 1, 1, 2, 2 };
          g_assert_cmpmem (at->ints, at->n_ints * 8, want, sizeof want);
          seen_pads = TRUE;
        }
    }
  g_assert_true (seen_group && seen_pads);
  onnx__model_proto__free_unpacked (model, NULL);
}

static void
test_metadata (void)
{
  g_autoptr (NnModel) m = nn_zoo_logreg ();
  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->metadata, g_strdup ("test_accuracy"), g_strdup ("0.9251"));
  g_autofree char *path = g_build_filename (tmp_dir, "logreg.onnx", NULL);
  g_assert_true (nn_onnx_save (m, path, NULL));
  Onnx__ModelProto *model = read_back (path);
  g_assert_cmpuint (model->n_metadata_props, ==, 1);
  g_assert_cmpstr (model->metadata_props[0]->key, ==, "test_accuracy");
  g_assert_cmpstr (model->metadata_props[0]->value, ==, "0.9251");
  g_assert_cmpstr (model->graph->name, ==, m->name);
  onnx__model_proto__free_unpacked (model, NULL);
}

/* Errors name the file (and the layer); a failed export leaves the old file and no
 * temporary one. */
static void
test_errors (void)
{
  g_autoptr (NnModel) m = nn_zoo_cnn ();
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-folder", "x.onnx", NULL);
  g_assert_false (nn_onnx_save (m, missing, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-folder/x.onnx"));
  g_clear_error (&error);

  g_autofree char *path = g_build_filename (tmp_dir, "keep.onnx", NULL);
  g_assert_true (g_file_set_contents (path, "old", 3, NULL));
  NnLayerKind kind = m->layers[3].kind;
  m->layers[3].kind = NN_LAYER_N_KINDS; /* a kind added to the engine but not here */
  g_assert_false (nn_onnx_save (m, path, &error));
  m->layers[3].kind = kind;
  g_assert_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "keep.onnx"));
  g_assert_nonnull (strstr (error->message, m->layers[3].name));
  g_clear_error (&error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "old");
  no_temp_files ();

  g_autoptr (NnModel) unfinished = nn_model_new ("unfinished", NN_MODEL_SEQUENTIAL);
  nn_model_add_input (unfinished, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  g_assert_false (nn_onnx_save (unfinished, path, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "keep.onnx"));
}

/* ---- reading --------------------------------------------------------------------- */

static char *
write_model (Onnx__ModelProto *model, const char *name)
{
  gsize len = onnx__model_proto__get_packed_size (model);
  g_autofree guint8 *buf = g_malloc (len);
  onnx__model_proto__pack (model, buf);
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) buf, len, NULL));
  return path;
}

static void
assert_same_predictions (NnModel *a, NnModel *b)
{
  g_assert_cmpint (a->n_classes, ==, b->n_classes);
  enum { N = 16 };
  g_autofree float *x = g_new (float, N * 784);
  GRand *r = g_rand_new_with_seed (5);
  for (int k = 0; k < N * 784; k++)
    x[k] = (float) g_rand_double (r);
  g_rand_free (r);
  float pa[N * 10], pb[N * 10];
  NnWorkspace *wa = nn_workspace_new (a, N, NN_MODE_INFERENCE);
  NnWorkspace *wb = nn_workspace_new (b, N, NN_MODE_INFERENCE);
  nn_model_predict (a, wa, x, N, pa);
  nn_model_predict (b, wb, x, N, pb);
  nn_workspace_free (wa);
  nn_workspace_free (wb);
  if (!a->output_softmax)
    nn_softmax_rows (pa, pa, N, a->n_classes);
  for (int k = 0; k < N * 10; k++)
    g_assert_cmpfloat_with_epsilon (pa[k], pb[k], 1e-6);
}

/* The zoo's models written and read back predict the same; the layers come back. */
static void
test_read_back (void)
{
  static const char *const names[] = { "logreg", "cnn", "advanced" };
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (NnModel) m = nn_zoo_build (names[i]);
      nn_model_init_weights (m, 11);
      g_autofree char *path = g_strdup_printf ("%s/%s.onnx", tmp_dir, names[i]);
      g_assert_true (nn_onnx_save (m, path, NULL));
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) back = nn_onnx_load (path, &error);
      g_assert_no_error (error);
      assert_same_predictions (m, back);
      /* Dropout gone, everything else one layer for one. */
      int kept = 0;
      for (int l = 0; l < m->n_layers; l++)
        kept += m->layers[l].kind != NN_LAYER_DROPOUT;
      g_assert_cmpint (back->n_layers, ==, kept);
      g_assert_cmpuint (nn_model_count_params (back, FALSE), ==, nn_model_count_params (m, FALSE));
    }
}

/* PyTorch's layout: input [N, 1, 28, 28], Flatten of NCHW, Linear (Gemm transB = 1)
 * giving logits: the flattening order goes into the Dense kernel's rows and a
 * softmax comes after. Built from an export whose input and first Transpose are
 * swapped for an NCHW input, and whose Transpose before Flatten is dropped. */
static void
test_read_nchw_flatten (void)
{
  g_autoptr (NnModel) m = nn_zoo_cnn ();
  nn_model_init_weights (m, 12);
  g_autofree char *path = g_build_filename (tmp_dir, "nchw.onnx", NULL);
  g_assert_true (nn_onnx_save (m, path, NULL));
  Onnx__ModelProto *model = read_back (path);
  Onnx__GraphProto *g = model->graph;
  /* [N, 28, 28, 1] -> [N, 1, 28, 28]: one channel, the same values */
  Onnx__TensorShapeProto *shape = g->input[0]->type->tensor_type->shape;
  shape->dim[1]->dim_value = 1;
  shape->dim[2]->dim_value = 28;
  shape->dim[3]->dim_value = 28;
  /* both Transposes become Identity, so Flatten reads NCHW (C, H, W order) */
  g_assert_cmpstr (g->node[0]->op_type, ==, "Transpose");
  g_assert_cmpstr (g->node[11]->op_type, ==, "Transpose");
  g_assert_cmpstr (g->node[12]->op_type, ==, "Flatten");
  size_t n_attrs[2] = { g->node[0]->n_attribute, g->node[11]->n_attribute };
  for (int t = 0; t < 2; t++)
    {
      Onnx__NodeProto *node = g->node[t == 0 ? 0 : 11];
      strcpy (node->op_type, "Identity"); /* shorter than "Transpose", in its buffer */
      node->n_attribute = 0;
    }
  /* Gemm with transB: kernel (In, Out) transposed */
  Onnx__TensorProto *k = NULL;
  for (size_t i = 0; i < g->n_initializer; i++)
    if (strcmp (g->initializer[i]->name, "dense/kernel") == 0)
      k = g->initializer[i];
  g_assert_nonnull (k);
  int in = (int) k->dims[0], out = (int) k->dims[1];
  g_autofree float *kt = g_new (float, (size_t) in * out);
  const float *kd = (const float *) k->raw_data.data;
  /* ONNX index (c * H + y) * W + x holds what the engine has at (y * W + x) * C + c */
  NnShape s = m->layers[m->output - 3].in_shape; /* the Flatten's input */
  g_assert_cmpint ((int) nn_shape_size (s), ==, in);
  for (int c = 0; c < s.c; c++)
    for (int y = 0; y < s.h; y++)
      for (int x = 0; x < s.w; x++)
        for (int o = 0; o < out; o++)
          kt[(size_t) o * in + (c * s.h + y) * s.w + x] = kd[(size_t) ((y * s.w + x) * s.c + c) * out + o];
  memcpy (k->raw_data.data, kt, (size_t) in * out * sizeof (float));
  k->dims[0] = out;
  k->dims[1] = in;
  for (size_t i = 0; i < g->n_node; i++)
    if (strcmp (g->node[i]->op_type, "Gemm") == 0 && strcmp (g->node[i]->input[1], "dense/kernel") == 0)
      {
        Onnx__AttributeProto *a = g_new0 (Onnx__AttributeProto, 1);
        onnx__attribute_proto__init (a);
        a->name = (char *) "transB";
        a->has_type = TRUE;
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        a->has_i = TRUE;
        a->i = 1;
        Onnx__AttributeProto **attrs = g_new0 (Onnx__AttributeProto *, 1);
        attrs[0] = a;
        g->node[i]->attribute = attrs; /* it had none; freed below by hand */
        g->node[i]->n_attribute = 1;
      }
  g_autofree char *edited = write_model (model, "nchw-edited.onnx");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) back = nn_onnx_load (edited, &error);
  g_assert_no_error (error);
  assert_same_predictions (m, back);
  for (size_t i = 0; i < g->n_node; i++)
    if (strcmp (g->node[i]->op_type, "Gemm") == 0 && g->node[i]->n_attribute == 1
        && strcmp (g->node[i]->attribute[0]->name, "transB") == 0)
      {
        g_free (g->node[i]->attribute[0]);
        g_free (g->node[i]->attribute);
        g->node[i]->attribute = NULL;
        g->node[i]->n_attribute = 0;
      }
  g->node[0]->n_attribute = n_attrs[0];
  g->node[11]->n_attribute = n_attrs[1];
  onnx__model_proto__free_unpacked (model, NULL);
}

static void
assert_load_fails (const char *path, GQuark domain, int code, const char *const *parts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_onnx_load (path, &error);
  g_assert_null (m);
  g_assert_error (error, domain, code);
  g_autofree char *base = g_path_get_basename (path);
  g_assert_nonnull (strstr (error->message, base));
  for (int k = 0; parts[k]; k++)
    if (strstr (error->message, parts[k]) == NULL)
      g_error ("“%s” lacks “%s”", error->message, parts[k]);
}
#define ASSERT_LOAD_FAILS(path, code, ...) \
  assert_load_fails (path, NN_ERROR, code, (const char *const[]){ __VA_ARGS__, NULL })

/* What cannot be read is an error naming the file, the node, its op and the
 * attribute; hostile sizes are refused before any allocation. */
static void
test_read_errors (void)
{
  g_autofree char *garbage = g_build_filename (tmp_dir, "garbage.onnx", NULL);
  g_assert_true (g_file_set_contents (garbage, "\xff\xff\xff\xff not protobuf", -1, NULL));
  ASSERT_LOAD_FAILS (garbage, NN_ERROR_FORMAT, "not an ONNX model");
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.onnx", NULL);
  ASSERT_LOAD_FAILS (missing, NN_ERROR_IO, "cannot open");
  ASSERT_LOAD_FAILS (tmp_dir, NN_ERROR_IO, "not a regular file");
  g_autofree char *fifo = g_build_filename (tmp_dir, "fifo.onnx", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  ASSERT_LOAD_FAILS (fifo, NN_ERROR_IO, "not a regular file"); /* and does not hang */

  /* gelu is several nodes, Erf among them, which the reader does not take */
  g_autoptr (NnModel) m = nn_model_new ("gelu", NN_MODEL_SEQUENTIAL);
  int x = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  x = nn_model_add_flatten (m, "flatten", x);
  nn_model_add_dense (m, "dense", x, &(NnDenseConfig){ 10, TRUE, NN_ACT_GELU });
  g_assert_true (nn_model_finish (m, NULL));
  g_autofree char *gelu = g_build_filename (tmp_dir, "gelu.onnx", NULL);
  g_assert_true (nn_onnx_save (m, gelu, NULL));
  ASSERT_LOAD_FAILS (gelu, NN_ERROR_UNSUPPORTED, "node “dense/gelu_erf” (Erf)",
                     "operator is not supported");

  g_autoptr (NnModel) cnn = nn_zoo_cnn ();
  g_autofree char *path = g_build_filename (tmp_dir, "cnn-edit.onnx", NULL);
  g_assert_true (nn_onnx_save (cnn, path, NULL));
  Onnx__ModelProto *model = read_back (path);
  Onnx__NodeProto *conv = model->graph->node[1];
  g_assert_cmpstr (conv->op_type, ==, "Conv");
  /* dilations 2 */
  Onnx__AttributeProto *strides = NULL;
  for (size_t a = 0; a < conv->n_attribute; a++)
    if (strcmp (conv->attribute[a]->name, "strides") == 0)
      strides = conv->attribute[a];
  g_assert_nonnull (strides);
  char *strides_name = strides->name; /* free_unpacked frees it: put it back */
  strides->name = (char *) "dilations";
  strides->ints[0] = strides->ints[1] = 2;
  g_autofree char *dil = write_model (model, "dilations.onnx");
  ASSERT_LOAD_FAILS (dil, NN_ERROR_UNSUPPORTED, "(Conv)", "“dilations”");
  /* an attribute nobody knows */
  strides->name = (char *) "frobnicate";
  g_autofree char *unknown = write_model (model, "unknown-attr.onnx");
  ASSERT_LOAD_FAILS (unknown, NN_ERROR_UNSUPPORTED, "(Conv)", "“frobnicate”");
  strides->name = strides_name;
  strides->ints[0] = strides->ints[1] = 1;
  /* a weight claiming 2^24 x 2^24 x ... values, with a few bytes behind it */
  Onnx__TensorProto *w = (Onnx__TensorProto *) find_init (model->graph, "conv2d/kernel");
  g_assert_cmpuint (w->n_dims, ==, 4);
  gint64 dims[4] = { w->dims[0], w->dims[1], w->dims[2], w->dims[3] };
  w->dims[0] = w->dims[1] = w->dims[2] = w->dims[3] = (gint64) 1 << 24;
  g_autofree char *huge = write_model (model, "huge.onnx");
  ASSERT_LOAD_FAILS (huge, NN_ERROR_FORMAT, "invalid or too large");
  memcpy (w->dims, dims, sizeof dims);
  /* data shorter than the shape */
  w->raw_data.len -= 4;
  g_autofree char *shortw = write_model (model, "short.onnx");
  ASSERT_LOAD_FAILS (shortw, NN_ERROR_FORMAT, "does not match");
  w->raw_data.len += 4;
  /* an input of another size */
  model->graph->input[0]->type->tensor_type->shape->dim[1]->dim_value = 32;
  g_autofree char *big_in = write_model (model, "input32.onnx");
  ASSERT_LOAD_FAILS (big_in, NN_ERROR_UNSUPPORTED, "input “input”");
  onnx__model_proto__free_unpacked (model, NULL);

  /* every truncation of a valid file: an error, never a crash */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_autofree char *cut = g_build_filename (tmp_dir, "cut.onnx", NULL);
  for (gsize n = 0; n < len; n += 1 + n / 3)
    {
      g_assert_true (g_file_set_contents (cut, data, n, NULL));
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) back = nn_onnx_load (cut, &error);
      g_assert_true ((back == NULL) != (error == NULL));
    }
}

/* nn-model-file.h: the format follows the name, in any case for .onnx; a model saved
 * as either reads back the same; the title drops either suffix. */
static void
test_model_file (void)
{
  g_assert_true (nn_model_file_is_onnx ("a/b/net.ONNX"));
  g_assert_false (nn_model_file_is_onnx ("net.keras"));
  g_assert_true (nn_model_file_is_model ("net.keras"));
  g_assert_true (nn_model_file_is_model ("net.onnx"));
  g_assert_false (nn_model_file_is_model ("net.onnx.bak"));
  g_assert_false (nn_model_file_is_model ("notes.txt"));
  g_autofree char *t1 = nn_model_file_title ("/models/mnist_cnn.onnx");
  g_autofree char *t2 = nn_model_file_title ("/models/mnist_cnn.keras");
  g_autofree char *t3 = nn_model_file_title ("/models/.onnx");
  g_assert_cmpstr (t1, ==, "mnist_cnn");
  g_assert_cmpstr (t2, ==, "mnist_cnn");
  g_assert_cmpstr (t3, ==, ".onnx");

  g_autoptr (NnModel) m = nn_zoo_build ("cnn");
  nn_model_init_weights (m, 5);
  g_autofree char *onnx = g_build_filename (tmp_dir, "file.onnx", NULL);
  g_autofree char *keras = g_build_filename (tmp_dir, "file.keras", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_file_save (m, onnx, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_file_save (m, keras, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *head = NULL;
  g_assert_true (g_file_get_contents (keras, &head, NULL, NULL));
  g_assert_true (head[0] == 'P' && head[1] == 'K');  /* a zip: .keras */

  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) from_onnx = nn_model_file_load (onnx, FALSE, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  assert_same_predictions (m, from_onnx);
  g_autoptr (NnModel) from_keras = nn_model_file_load (keras, TRUE, NULL, &error);
  g_assert_no_error (error);
  assert_same_predictions (m, from_keras);

  /* an imported model saves as .keras and reads back the same */
  g_autofree char *again = g_build_filename (tmp_dir, "from-onnx.keras", NULL);
  g_assert_true (nn_model_file_save (from_onnx, again, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (NnModel) back = nn_model_file_load (again, TRUE, NULL, &error);
  g_assert_no_error (error);
  assert_same_predictions (m, back);

  /* an .onnx name holding something else is an ONNX error, not a Keras one */
  g_autofree char *fake = g_build_filename (tmp_dir, "zip.onnx", NULL);
  g_assert_true (g_file_set_contents (fake, head, 64, NULL));
  g_autoptr (NnModel) none = nn_model_file_load (fake, FALSE, NULL, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
  no_temp_files ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("digits-onnx-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  g_test_add_func ("/onnx/export-cnn", test_cnn);
  g_test_add_func ("/onnx/export-depthwise", test_depthwise);
  g_test_add_func ("/onnx/export-metadata", test_metadata);
  g_test_add_func ("/onnx/export-errors", test_errors);
  g_test_add_func ("/onnx/read-back", test_read_back);
  g_test_add_func ("/onnx/read-nchw-flatten", test_read_nchw_flatten);
  g_test_add_func ("/onnx/read-errors", test_read_errors);
  g_test_add_func ("/onnx/model-file", test_model_file);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
  if (system (cmd) != 0)
    rc = rc ? rc : 1;
  g_free (tmp_dir);
  return rc;
}
