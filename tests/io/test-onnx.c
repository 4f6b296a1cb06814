/* Tests of nn_onnx_save read back with protobuf-c (the same onnx.proto): the model's
 * header, its input and output, the node sequence of the project's CNN, weights in
 * ONNX's layouts, metadata, and the errors (a missing folder, a layer kind with no
 * ONNX form, an unfinished model) that leave nothing behind. What ONNX's checker and
 * ONNX Runtime make of the files is in tests/onnx. */
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "nn-error.h"
#include "nn-keras.h"
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
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
  if (system (cmd) != 0)
    rc = rc ? rc : 1;
  g_free (tmp_dir);
  return rc;
}
