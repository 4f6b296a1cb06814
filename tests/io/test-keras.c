/* test-keras.c: Keras 3 .keras files: the Keras-written fixture (skipped without
 * ../shared, see tests/test-models.h), write -> read round trips, a corpus of broken
 * files made at run time from the shipped CNN, and saves that must fail without
 * losing the file already there. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <zip.h>
#include <hdf5.h>
#include "nn-keras.h"
#include "nn-keras-names.h"
#include "nn-error.h"
#include "nn-dataset.h"
#include "../test-models.h"

static char *tmp_dir;

/* The project's own CNN: the base of the broken-file corpus, which must run in every
 * checkout. It has the fixture's architecture and was written by our writer. */
static char *
base_path (void)
{
  return test_shipped_model ("mnist_cnn.keras");
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* info may be NULL: then what only Keras needs is dropped. */
static NnModel *
load_path_info (const char *path, NnKerasInfo **info)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_keras_load_with_info (path, info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static NnModel *
load_path (const char *path)
{
  return load_path_info (path, NULL);
}

/* The Keras-written fixture, or NULL after marking the test skipped. */
static NnModel *
load_fixture_info (NnKerasInfo **info)
{
  g_autofree char *path = test_fixture_or_skip ();
  return path ? load_path_info (path, info) : NULL;
}

static NnModel *
load_fixture (void)
{
  return load_fixture_info (NULL);
}

static NnModel *
load_base (void)
{
  g_autofree char *path = base_path ();
  return load_path (path);
}

/* Deterministic pseudo-random input in [0, 1]. */
static float *
random_input (int n, size_t per, guint32 seed)
{
  float *x = g_new (float, n * per);
  guint32 s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n * per; i++)
    {
      s = s * 1664525u + 1013904223u;
      x[i] = (float) (s >> 8) / 16777216.0f;
    }
  return x;
}

static float *
logits_of (NnModel *m, const float *x, int n)
{
  NnWorkspace *ws = nn_workspace_new (m, n, NN_MODE_INFERENCE);
  const float *out = nn_model_forward (m, ws, x, n);
  float *copy = g_memdup2 (out, sizeof (float) * n * m->n_classes);
  nn_workspace_free (ws);
  return copy;
}

/* ---- the fixture ----------------------------------------------------------------- */

static void
test_fixture_structure (void)
{
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = load_fixture_info (&info);
  if (m == NULL)
    return;
  static const struct { const char *name; NnLayerKind kind; NnShape out; } want[] = {
    { "input_layer_1", NN_LAYER_INPUT, { 28, 28, 1 } },
    { "conv2d", NN_LAYER_CONV2D, { 28, 28, 32 } },
    { "conv2d_1", NN_LAYER_CONV2D, { 26, 26, 32 } },
    { "max_pooling2d", NN_LAYER_MAX_POOL, { 13, 13, 32 } },
    { "dropout", NN_LAYER_DROPOUT, { 13, 13, 32 } },
    { "conv2d_2", NN_LAYER_CONV2D, { 13, 13, 64 } },
    { "conv2d_3", NN_LAYER_CONV2D, { 11, 11, 64 } },
    { "max_pooling2d_1", NN_LAYER_MAX_POOL, { 5, 5, 64 } },
    { "dropout_1", NN_LAYER_DROPOUT, { 5, 5, 64 } },
    { "flatten", NN_LAYER_FLATTEN, { 1, 1, 1600 } },
    { "dense", NN_LAYER_DENSE, { 1, 1, 128 } },
    { "dropout_2", NN_LAYER_DROPOUT, { 1, 1, 128 } },
    { "dense_1", NN_LAYER_DENSE, { 1, 1, 10 } },
  };
  g_assert_cmpint (m->n_layers, ==, G_N_ELEMENTS (want));
  for (int i = 0; i < m->n_layers; i++)
    {
      g_assert_cmpstr (m->layers[i].name, ==, want[i].name);
      g_assert_cmpint (m->layers[i].kind, ==, want[i].kind);
      g_assert_true (nn_shape_equal (m->layers[i].out_shape, want[i].out));
    }
  g_assert_cmpstr (m->name, ==, "sequential_1");
  g_assert_cmpint (m->style, ==, NN_MODEL_SEQUENTIAL);
  g_assert_cmpint (m->input_layout, ==, NN_INPUT_IMAGE);
  g_assert_cmpuint (nn_model_count_params (m, FALSE), ==, 271210);
  g_assert_cmpint (m->n_classes, ==, 10);
  g_assert_true (m->output_softmax);
  g_assert_cmpint (m->layers[1].cfg.conv.padding, ==, NN_PAD_SAME);
  g_assert_cmpint (m->layers[2].cfg.conv.padding, ==, NN_PAD_VALID);
  g_assert_cmpint (m->layers[1].cfg.conv.activation, ==, NN_ACT_RELU);
  g_assert_cmpfloat (m->layers[4].cfg.dropout.rate, ==, 0.25f);
  g_assert_cmpfloat (m->layers[11].cfg.dropout.rate, ==, 0.5f);
  g_assert_cmpstr (info->keras_version, ==, "3.12.0");
  g_assert_cmpstr (info->date_saved, ==, "2025-11-05@16:12:35");
  g_assert_nonnull (info->compile_config_json);
  g_assert_nonnull (strstr (info->compile_config_json, "\"sparse_categorical_crossentropy\""));
  /* Keras's default initializers are not kept: the writer makes them again. */
  g_assert_null (nn_keras_info_layer_config (info, m->layers[1].name));
}

/* The fixture must score what Keras scored: 9779 of the 10000 test images. Under
 * AddressSanitizer the engine runs many times slower, so there only the first
 * 1000 images are scored, against their count from the full run. */
#if defined(__SANITIZE_ADDRESS__)
#define SCORE_IMAGES 1000
#else
#define SCORE_IMAGES 10000
#endif
#define CORRECT_FIRST_1000 976

static void
test_fixture_accuracy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  if (ds == NULL)
    {
      g_test_skip ("MNIST test set not found (run the setup script)");
      return;
    }
  g_assert_cmpint (ds->n, ==, 10000);
  g_autoptr (NnModel) m = load_fixture ();
  if (m == NULL)
    return;
  const int batch = 500;
  NnWorkspace *ws = nn_workspace_new (m, batch, NN_MODE_INFERENCE);
  float *x = g_new (float, batch * 784);
  float *probs = g_new (float, batch * 10);
  int correct = 0, correct_1000 = 0;
  for (int start = 0; start < SCORE_IMAGES; start += batch)
    {
      int n = MIN (batch, SCORE_IMAGES - start);
      nn_dataset_get_batch (ds, start, n, x);
      nn_model_predict (m, ws, x, n, probs);
      for (int i = 0; i < n; i++)
        {
          int best = 0;
          for (int k = 1; k < 10; k++)
            if (probs[i * 10 + k] > probs[i * 10 + best])
              best = k;
          correct += best == ds->labels[start + i];
        }
      if (start + n == 1000)
        correct_1000 = correct;
    }
  g_test_message ("fixture: %d / %d correct (%d of the first 1000)", correct, SCORE_IMAGES,
                  correct_1000);
  g_assert_cmpint (correct_1000, ==, CORRECT_FIRST_1000);
  if (SCORE_IMAGES == 10000)
    g_assert_cmpint (correct, ==, 9779);
  g_free (x);
  g_free (probs);
  nn_workspace_free (ws);
}

/* ---- round trips ----------------------------------------------------------------- */

/* Same layers, configs and weights; matched by name, since a Functional graph comes
 * back in Keras's layer order, which need not be the order it was built in. */
static void
assert_same_model (NnModel *a, const NnKerasInfo *ia, NnModel *b, const NnKerasInfo *ib)
{
  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  g_assert_cmpint (a->input_layout, ==, b->input_layout);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->layers[a->output].name, ==, b->layers[b->output].name);
  for (int i = 0; i < a->n_layers; i++)
    {
      const NnLayer *x = &a->layers[i];
      int j = nn_model_find_layer (b, x->name);
      g_assert_cmpint (j, >=, 0);
      const NnLayer *y = &b->layers[j];
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->trainable, ==, y->trainable);
      g_assert_cmpint (x->n_inputs, ==, y->n_inputs);
      for (int k = 0; k < x->n_inputs; k++)
        g_assert_cmpstr (a->layers[x->inputs[k]].name, ==, b->layers[y->inputs[k]].name);
      g_assert_true (nn_shape_equal (x->out_shape, y->out_shape));
      g_assert_cmpint (memcmp (&x->cfg, &y->cfg, sizeof x->cfg), ==, 0);
      g_assert_cmpstr (nn_keras_info_layer_config (ia, x->name), ==,
                       nn_keras_info_layer_config (ib, y->name));
      g_assert_cmpint (x->n_vars, ==, y->n_vars);
      for (int v = 0; v < x->n_vars; v++)
        g_assert_cmpint (memcmp (nn_model_var_data (a, &x->vars[v]),
                                 nn_model_var_data (b, &y->vars[v]),
                                 x->vars[v].size * sizeof (float)), ==, 0);
    }
}

/* Saves m with info (its file's Keras metadata, may be NULL) and options (may be
 * NULL), reads it back into *back_info, and checks that both give bit-identical
 * logits. */
static NnModel *
round_trip (NnModel *m, const NnKerasInfo *info, const char *name,
            const NnKerasSaveOptions *options, NnKerasInfo **back_info)
{
  g_autofree char *path = tmp_file (name);
  g_autoptr (GError) error = NULL;
  NnKerasSaveOptions o = options ? *options : (NnKerasSaveOptions){ 0 };
  o.info = info;
  g_assert_true (nn_keras_save (m, path, &o, &error));
  g_assert_no_error (error);
  NnModel *back = nn_keras_load_with_info (path, back_info, &error);
  g_assert_no_error (error);
  assert_same_model (m, info, back, *back_info);
  size_t per = nn_shape_size (m->layers[0].out_shape);
  g_autofree float *x = random_input (7, per, 42);
  g_autofree float *ya = logits_of (m, x, 7);
  g_autofree float *yb = logits_of (back, x, 7);
  g_assert_cmpint (memcmp (ya, yb, sizeof (float) * 7 * m->n_classes), ==, 0);
  return back;
}

typedef struct {
  char *meta, *config;
  guint8 *weights;
  gsize meta_len, config_len, weights_len;
} Parts;

static void parts_read (Parts *p, const char *path);
static void parts_clear (Parts *p);

static void
test_fixture_round_trip (void)
{
  g_autoptr (NnKerasInfo) info = NULL, back_info = NULL, again_info = NULL;
  g_autoptr (NnModel) m = load_fixture_info (&info);
  if (m == NULL)
    return;
  g_autoptr (NnModel) back = round_trip (m, info, "fixture-copy.keras", NULL, &back_info);
  g_assert_cmpstr (back_info->compile_config_json, ==, info->compile_config_json);
  /* config.json comes out byte for byte as Keras wrote it. */
  g_autofree char *fixture = test_fixture_path ();
  g_autofree char *copy = tmp_file ("fixture-copy.keras");
  Parts a, b;
  parts_read (&a, fixture);
  parts_read (&b, copy);
  g_assert_cmpstr (a.config, ==, b.config);
  g_assert_true (g_str_has_prefix (b.meta, "{\"keras_version\": \"3.12.0\", \"date_saved\": \""));
  parts_clear (&a);
  parts_clear (&b);
  /* A second generation writes the same config again. */
  g_autoptr (NnModel) again = round_trip (back, back_info, "fixture-copy2.keras", NULL,
                                         &again_info);
  g_assert_cmpstr (again_info->compile_config_json, ==, info->compile_config_json);
}

/* Random weights everywhere, including BN statistics, so a swapped variable shows. */
static void
randomize (NnModel *m, guint64 seed)
{
  nn_model_init_weights (m, seed);
  g_autofree float *r = random_input (1, m->n_params, (guint32) seed);
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        NnVar *var = &m->layers[i].vars[v];
        float *p = nn_model_var_data (m, var);
        if (strcmp (var->role, "moving_variance") == 0 || strcmp (var->role, "gamma") == 0)
          for (size_t k = 0; k < var->size; k++)
            p[k] = 0.5f + r[var->offset + k];
        else if (strcmp (var->role, "kernel") != 0 && strstr (var->role, "kernel") == NULL)
          for (size_t k = 0; k < var->size; k++)
            p[k] = r[var->offset + k] - 0.5f;
      }
}

static NnModel *
every_kind_sequential (void)
{
  NnModel *m = nn_model_new ("every_kind", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_rescaling (m, "rescaling", l, 1.0f / 255.0f, 0.25f);
  l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ .filters = 6, .kh = 3, .kw = 3,
                           .stride_h = 1, .stride_w = 1, .padding = NN_PAD_SAME, .use_bias = TRUE,
                           .activation = NN_ACT_RELU });
  l = nn_model_add_batch_norm (m, "batch_normalization", l,
                               &(NnBatchNormConfig){ 0.9f, 1e-3f, TRUE, TRUE });
  l = nn_model_add_activation (m, "activation", l, NN_ACT_GELU);
  l = nn_model_add_depthwise_conv2d (m, "depthwise_conv2d", l, &(NnConvConfig){
                                     .depth_multiplier = 2, .kh = 3, .kw = 3, .stride_h = 2,
                                     .stride_w = 2, .padding = NN_PAD_VALID, .use_bias = TRUE,
                                     .activation = NN_ACT_RELU6 });
  l = nn_model_add_separable_conv2d (m, "separable_conv2d", l, &(NnConvConfig){ .filters = 8,
                                     .depth_multiplier = 1, .kh = 3, .kw = 3, .stride_h = 1,
                                     .stride_w = 1, .padding = NN_PAD_SAME, .use_bias = FALSE,
                                     .activation = NN_ACT_SILU });
  l = nn_model_add_batch_norm (m, "batch_normalization_1", l,
                               &(NnBatchNormConfig){ 0.99f, 1e-5f, FALSE, TRUE });
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_SAME });
  l = nn_model_add_avg_pool (m, "average_pooling2d", l, &(NnPoolConfig){ 2, 2, 1, 1,
                             NN_PAD_VALID });
  l = nn_model_add_dropout (m, "dropout", l, 0.3f);
  l = nn_model_add_reshape (m, "reshape", l, (NnShape){ 3, 6, -1 });
  l = nn_model_add_activation (m, "activation_1", l, NN_ACT_TANH);
  l = nn_model_add_flatten (m, "flatten", l);
  l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 16, TRUE, NN_ACT_ELU });
  l = nn_model_add_activation (m, "activation_2", l, NN_ACT_SIGMOID);
  l = nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig){ 10, FALSE, NN_ACT_SOFTMAX });
  g_assert_cmpint (l, ==, 16);
  m->layers[2].trainable = FALSE; /* frozen conv2d */
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  g_assert_no_error (error);
  randomize (m, 7);
  return m;
}

static NnModel *
branching_functional (NnInputLayout layout)
{
  NnModel *m = nn_model_new ("functional_7", NN_MODEL_FUNCTIONAL);
  NnShape in = layout == NN_INPUT_FLAT ? (NnShape){ 1, 1, 784 } : (NnShape){ 28, 28, 1 };
  int x = nn_model_add_input (m, in, layout, "input_layer_3");
  if (layout != NN_INPUT_IMAGE)
    x = nn_model_add_reshape (m, "reshape", x, (NnShape){ 28, 28, 1 });
  NnConvConfig c = { .filters = 4, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                     .padding = NN_PAD_SAME, .use_bias = TRUE, .activation = NN_ACT_RELU };
  int a = nn_model_add_conv2d (m, "conv_a", x, &c);
  int b = nn_model_add_conv2d (m, "conv_b", x, &c);
  int b2 = nn_model_add_batch_norm (m, "bn_b", b, &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  int sum = nn_model_add_add (m, "add", (int[]){ a, b2 }, 2);
  int d = nn_model_add_depthwise_conv2d (m, "dw", sum, &(NnConvConfig){ .depth_multiplier = 1,
                                         .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                                         .padding = NN_PAD_SAME, .activation = NN_ACT_LINEAR });
  int cat = nn_model_add_concatenate (m, "concatenate", (int[]){ sum, d, a }, 3);
  int p = nn_model_add_global_avg_pool (m, "global_average_pooling2d", cat);
  int o = nn_model_add_dense (m, "logits", p, &(NnDenseConfig){ 10, TRUE, NN_ACT_LINEAR });
  g_assert_cmpint (o, >, 0);
  m->layers[b].trainable = FALSE;
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  g_assert_no_error (error);
  randomize (m, 11);
  return m;
}

/* Adam-like state: iterations, learning rate and two slots per trainable variable. */
typedef struct {
  NnKerasOptimizer opt;
  float **slots;
  int n;
} Opt;

static void
opt_init (Opt *o, const NnModel *m)
{
  int n = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      n += m->layers[i].trainable && m->layers[i].vars[v].trainable;
  o->n = n;
  o->slots = g_new0 (float *, 2 * n);
  /* nn_keras_optimizer_slots gives the same order from params-shaped arrays. */
  float *arrays[2] = { m->params, m->grads };
  g_autofree float **from_params = nn_keras_optimizer_slots (m, arrays, 2);
  int t = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      if (m->layers[i].trainable && m->layers[i].vars[v].trainable)
        {
          for (int s = 0; s < 2; s++)
            {
              o->slots[2 * t + s] = random_input (1, m->layers[i].vars[v].size, 100 + 2 * t + s);
              g_assert_true (from_params[2 * t + s] == arrays[s] + m->layers[i].vars[v].offset);
            }
          t++;
        }
  g_assert_null (from_params[2 * n]);
  o->opt = (NnKerasOptimizer){ .keras_name = "adam",
    .config_json = "{\"module\": \"keras.optimizers\", \"class_name\": \"Adam\", \"config\": "
                   "{\"name\": \"adam\", \"learning_rate\": 0.0010000000474974513}, "
                   "\"registered_name\": null}",
    .iterations = 4221, .has_learning_rate = TRUE, .learning_rate = 0.001f,
    .slots_per_var = 2, .slots = (float *const *) o->slots };
}

static void
opt_clear (Opt *o)
{
  for (int i = 0; i < 2 * o->n; i++)
    g_free (o->slots[i]);
  g_free (o->slots);
}

static void
test_round_trip_sequential (void)
{
  g_autoptr (NnModel) m = every_kind_sequential ();
  Opt o;
  opt_init (&o, m);
  NnKerasSaveOptions options = { .optimizer = &o.opt,
                                 .loss_json = "\"sparse_categorical_crossentropy\"" };
  g_autoptr (NnKerasInfo) back_info = NULL;
  g_autoptr (NnModel) back = round_trip (m, NULL, "every-kind.keras", &options, &back_info);
  g_assert_false (back->layers[2].trainable);
  g_assert_nonnull (strstr (back_info->compile_config_json, "\"loss\": "
                            "\"sparse_categorical_crossentropy\""));
  g_assert_nonnull (strstr (back_info->compile_config_json, "\"class_name\": \"Adam\""));
  opt_clear (&o);
}

static void
test_round_trip_functional (void)
{
  for (NnInputLayout layout = NN_INPUT_IMAGE; layout <= NN_INPUT_FLAT; layout++)
    {
      g_autoptr (NnModel) m = branching_functional (layout);
      Opt o;
      opt_init (&o, m);
      NnKerasSaveOptions options = { .optimizer = &o.opt };
      g_autofree char *name = g_strdup_printf ("branching-%d.keras", layout);
      g_autoptr (NnKerasInfo) back_info = NULL;
      g_autoptr (NnModel) back = round_trip (m, NULL, name, &options, &back_info);
      g_assert_cmpint (back->style, ==, NN_MODEL_FUNCTIONAL);
      g_assert_cmpint (back->input_layout, ==, layout);
      opt_clear (&o);
    }
}

/* ---- a corpus of broken files ---------------------------------------------------- */

static char *
read_entry (zip_t *za, const char *name, gsize *len)
{
  zip_stat_t st;
  g_assert_cmpint (zip_stat (za, name, 0, &st), ==, 0);
  zip_file_t *f = zip_fopen (za, name, 0);
  char *buf = g_malloc (st.size + 1);
  g_assert_cmpint (zip_fread (f, buf, st.size), ==, (zip_int64_t) st.size);
  zip_fclose (f);
  buf[st.size] = '\0';
  *len = st.size;
  return buf;
}

static void
parts_read (Parts *p, const char *path)
{
  int err;
  zip_t *za = zip_open (path, ZIP_RDONLY, &err);
  g_assert_nonnull (za);
  p->meta = read_entry (za, "metadata.json", &p->meta_len);
  p->config = read_entry (za, "config.json", &p->config_len);
  p->weights = (guint8 *) read_entry (za, "model.weights.h5", &p->weights_len);
  zip_discard (za);
}

static void
parts_clear (Parts *p)
{
  g_free (p->meta), g_free (p->config), g_free (p->weights);
}

/* Writes a zip of the given parts; a NULL part is left out. */
static char *
write_parts (const char *name, const char *meta, const char *config, const guint8 *weights,
             gsize weights_len)
{
  char *path = tmp_file (name);
  int err;
  zip_t *za = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &err);
  g_assert_nonnull (za);
  const struct { const char *name; const void *data; gsize len; } e[] = {
    { "metadata.json", meta, meta ? strlen (meta) : 0 },
    { "config.json", config, config ? strlen (config) : 0 },
    { "model.weights.h5", weights, weights_len },
  };
  for (guint i = 0; i < G_N_ELEMENTS (e); i++)
    if (e[i].data)
      {
        zip_source_t *s = zip_source_buffer (za, e[i].data, e[i].len, 0);
        g_assert_cmpint (zip_file_add (za, e[i].name, s, 0), >=, 0);
      }
  g_assert_cmpint (zip_close (za), ==, 0);
  return path;
}

/* Replaces the first occurrence of from (which must be there). */
static char *
replace_once (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static void
expect_error (const char *path, int code, const char *const *substrings)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_keras_load (path, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == NN_ERROR);
  if (code >= 0)
    g_assert_cmpint (error->code, ==, code);
  g_autofree char *base = g_path_get_basename (path);
  if (strstr (error->message, base) == NULL)
    g_error ("the error does not name the file %s: %s", base, error->message);
  for (int i = 0; substrings[i]; i++)
    if (strstr (error->message, substrings[i]) == NULL)
      g_error ("expected “%s” in: %s", substrings[i], error->message);
}

#define EXPECT(path, code, ...) expect_error (path, code, (const char *const[]){ __VA_ARGS__, NULL })

/* A config with one edit, with the base model's weights and metadata. */
static void
config_case (const Parts *p, const char *name, const char *from, const char *to, int code,
             const char *const *substrings)
{
  g_autofree char *config = replace_once (p->config, from, to);
  g_autofree char *path = write_parts (name, p->meta, config, p->weights, p->weights_len);
  expect_error (path, code, substrings);
}

#define CONFIG_CASE(p, name, from, to, code, ...) \
  config_case (p, name, from, to, code, (const char *const[]){ __VA_ARGS__, NULL })

static void
test_broken_container (void)
{
  g_autofree char *base = base_path ();
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (base, &bytes, &len, NULL));
  Parts p;
  parts_read (&p, base);

  g_autofree char *empty = tmp_file ("empty.keras");
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  EXPECT (empty, NN_ERROR_FORMAT, "empty");

  g_autofree char *text = tmp_file ("text.keras");
  g_assert_true (g_file_set_contents (text, "this is not a zip archive\n", -1, NULL));
  EXPECT (text, NN_ERROR_FORMAT, "zip");

  for (int cut = 0; cut < 3; cut++)
    {
      gsize at = cut == 0 ? len / 2 : cut == 1 ? len - 30 : 200;
      g_autofree char *name = g_strdup_printf ("truncated-%d.keras", cut);
      g_autofree char *path = tmp_file (name);
      g_assert_true (g_file_set_contents (path, bytes, at, NULL));
      EXPECT (path, NN_ERROR_FORMAT, "");
    }

  g_autofree char *missing = tmp_file ("nope.keras");
  EXPECT (missing, NN_ERROR_IO, "nope.keras");

  g_autofree char *no_config = write_parts ("no-config.keras", p.meta, NULL, p.weights,
                                            p.weights_len);
  EXPECT (no_config, NN_ERROR_FORMAT, "config.json");
  g_autofree char *no_weights = write_parts ("no-weights.keras", p.meta, p.config, NULL, 0);
  EXPECT (no_weights, NN_ERROR_FORMAT, "model.weights.h5");
  g_autofree char *bad_h5 = write_parts ("bad-h5.keras", p.meta, p.config,
                                         (const guint8 *) "not hdf5 at all", 15);
  EXPECT (bad_h5, NN_ERROR_FORMAT, "HDF5");
  g_autofree char *half_h5 = write_parts ("half-h5.keras", p.meta, p.config, p.weights,
                                          p.weights_len / 2);
  EXPECT (half_h5, NN_ERROR_FORMAT, "");

  /* No metadata.json is fine: Keras never reads it. */
  g_autofree char *no_meta = write_parts ("no-meta.keras", NULL, p.config, p.weights,
                                          p.weights_len);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = nn_keras_load_with_info (no_meta, &info, &error);
  g_assert_no_error (error);
  g_assert_null (info->keras_version);
  parts_clear (&p);
}

static void
test_broken_config (void)
{
  g_autofree char *base = base_path ();
  Parts p;
  parts_read (&p, base);

  g_autofree char *bad_json = write_parts ("bad-json.keras", p.meta, "{\"class_name\": \"Seq",
                                           p.weights, p.weights_len);
  EXPECT (bad_json, NN_ERROR_FORMAT, "not valid JSON");
  g_autofree char *not_utf8 = write_parts ("not-utf8.keras", p.meta, "{\"a\": \"\xff\xfe\"}",
                                           p.weights, p.weights_len);
  EXPECT (not_utf8, NN_ERROR_FORMAT, "UTF-8");
  GString *deep = g_string_new (NULL);
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_autofree char *deep_path = write_parts ("deep.keras", p.meta, deep->str, p.weights,
                                            p.weights_len);
  g_string_free (deep, TRUE);
  EXPECT (deep_path, NN_ERROR_FORMAT, "nests");
  g_autofree char *array = write_parts ("array.keras", p.meta, "[1, 2, 3]", p.weights,
                                        p.weights_len);
  EXPECT (array, NN_ERROR_FORMAT, "class_name");

  CONFIG_CASE (&p, "unknown-model.keras", "\"class_name\": \"Sequential\"",
               "\"class_name\": \"MyModel\"", NN_ERROR_UNSUPPORTED, "MyModel");
  CONFIG_CASE (&p, "unknown-layer.keras", "\"class_name\": \"Dropout\"",
               "\"class_name\": \"LSTM\"", NN_ERROR_UNSUPPORTED, "LSTM", "“dropout”");
  CONFIG_CASE (&p, "channels-first.keras", "\"data_format\": \"channels_last\"",
               "\"data_format\": \"channels_first\"", NN_ERROR_UNSUPPORTED, "channels_first",
               "“conv2d”", "data_format");
  CONFIG_CASE (&p, "dilation.keras", "\"dilation_rate\": [1, 1]", "\"dilation_rate\": [2, 2]",
               NN_ERROR_UNSUPPORTED, "dilation_rate", "“conv2d”");
  CONFIG_CASE (&p, "groups.keras", "\"groups\": 1", "\"groups\": 2", NN_ERROR_UNSUPPORTED,
               "groups", "“conv2d”");
  CONFIG_CASE (&p, "rgb-input.keras", "\"batch_shape\": [null, 28, 28, 1]",
               "\"batch_shape\": [null, 32, 32, 3]", NN_ERROR_UNSUPPORTED, "(32, 32, 3)", "MNIST");
  CONFIG_CASE (&p, "huge-filters.keras", "\"filters\": 32", "\"filters\": 2147483648",
               NN_ERROR_UNSUPPORTED, "filters", "“conv2d”");
  CONFIG_CASE (&p, "huge-kernel.keras", "\"kernel_size\": [3, 3]",
               "\"kernel_size\": [100000, 100000]", NN_ERROR_UNSUPPORTED, "kernel_size");
  CONFIG_CASE (&p, "huge-units.keras", "\"units\": 128", "\"units\": 65536",
               NN_ERROR_UNSUPPORTED, "refusing", "“dense”");
  CONFIG_CASE (&p, "huge-activation.keras", "\"filters\": 32", "\"filters\": 65536",
               NN_ERROR_UNSUPPORTED, "refusing", "“conv2d”");
  CONFIG_CASE (&p, "negative-units.keras", "\"units\": 128", "\"units\": -5",
               NN_ERROR_UNSUPPORTED, "units");
  CONFIG_CASE (&p, "string-filters.keras", "\"filters\": 32", "\"filters\": \"32\"",
               NN_ERROR_FORMAT, "filters", "not an integer");
  CONFIG_CASE (&p, "layers-number.keras", "\"layers\": [", "\"layers\": 5, \"x\": [",
               NN_ERROR_FORMAT, "layers");
  CONFIG_CASE (&p, "bad-padding.keras", "\"padding\": \"same\"", "\"padding\": \"causal\"",
               NN_ERROR_UNSUPPORTED, "padding", "causal");
  CONFIG_CASE (&p, "bad-activation.keras", "\"activation\": \"relu\"",
               "\"activation\": \"leaky_relu\"", NN_ERROR_UNSUPPORTED, "activation", "leaky_relu");
  CONFIG_CASE (&p, "bool-bias.keras", "\"use_bias\": true", "\"use_bias\": 3",
               NN_ERROR_FORMAT, "use_bias");
  CONFIG_CASE (&p, "config-not-object.keras", "{\"name\": \"conv2d\"",
               "\"oops\", \"x\": {\"name\": \"conv2d\"", NN_ERROR_FORMAT, "config");
  /* Weights that do not fit the config. */
  CONFIG_CASE (&p, "wrong-shape.keras", "\"filters\": 32", "\"filters\": 16", NN_ERROR_SHAPE,
               "“conv2d”", "(3, 3, 1, 32)", "(3, 3, 1, 16)");
  CONFIG_CASE (&p, "wrong-count.keras", "\"use_bias\": true", "\"use_bias\": false",
               NN_ERROR_SHAPE, "“conv2d”", "expects 1 variables", "holds 2");
  CONFIG_CASE (&p, "missing-group.keras", "\"build_config\": {\"input_shape\": [null, 128]}}]",
               "\"build_config\": {\"input_shape\": [null, 128]}}, {\"module\": \"keras.layers\", "
               "\"class_name\": \"Dense\", \"config\": {\"name\": \"extra\", \"units\": 10}}]",
               NN_ERROR_FORMAT, "“extra”", "missing", "layers/dense_2/vars");
  parts_clear (&p);
}

static void
test_broken_functional (void)
{
  /* Write a Functional model of our own, then edit its config. */
  g_autoptr (NnModel) m = branching_functional (NN_INPUT_IMAGE);
  g_autofree char *path = tmp_file ("functional-base.keras");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  Parts p;
  parts_read (&p, path);
  CONFIG_CASE (&p, "two-inputs.keras", "\"input_layers\": [\"input_layer_3\", 0, 0]",
               "\"input_layers\": [[\"input_layer_3\", 0, 0], [\"other\", 0, 0]]",
               NN_ERROR_UNSUPPORTED, "2 inputs", "“input_layer_3”", "“other”");
  CONFIG_CASE (&p, "two-outputs.keras", "\"output_layers\": [\"logits\", 0, 0]",
               "\"output_layers\": [[\"logits\", 0, 0], [\"add\", 0, 0]]",
               NN_ERROR_UNSUPPORTED, "2 outputs");
  CONFIG_CASE (&p, "dangling.keras", "\"keras_history\": [\"conv_a\", 0, 0]",
               "\"keras_history\": [\"ghost\", 0, 0]", NN_ERROR_FORMAT, "ghost");
  CONFIG_CASE (&p, "cycle.keras", "\"keras_history\": [\"input_layer_3\", 0, 0]",
               "\"keras_history\": [\"logits\", 0, 0]", NN_ERROR_FORMAT, "cycle");
  CONFIG_CASE (&p, "shared-layer.keras", "\"keras_history\": [\"conv_a\", 0, 0]",
               "\"keras_history\": [\"conv_a\", 1, 0]", NN_ERROR_UNSUPPORTED, "shared");
  CONFIG_CASE (&p, "concat-axis.keras", "\"axis\": -1}", "\"axis\": 1}", NN_ERROR_UNSUPPORTED,
               "axis", "“concatenate”");
  parts_clear (&p);
}

static void
test_broken_weights (void)
{
  /* A NaN in the weights: make a file whose kernel holds a marker, then swap it. */
  g_autoptr (NnModel) m = every_kind_sequential ();
  const float marker = 1234.5678f, nan = NAN;
  float *k = nn_model_var_data (m, &m->layers[m->n_layers - 1].vars[0]);
  k[3] = marker;
  g_autofree char *path = tmp_file ("nan-base.keras");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  Parts p;
  parts_read (&p, path);
  guint8 *at = memmem (p.weights, p.weights_len, &marker, sizeof marker);
  g_assert_nonnull (at);
  memcpy (at, &nan, sizeof nan);
  g_autofree char *nan_path = write_parts ("nan.keras", p.meta, p.config, p.weights,
                                           p.weights_len);
  EXPECT (nan_path, NN_ERROR_NUMERIC, "NaN", "dense_1");
  parts_clear (&p);
}

/* Config items the engine does not use (a regularizer, an unknown key) are written
 * back where they were. */
static void
test_extra_items (void)
{
  g_autofree char *base = base_path ();
  Parts p;
  parts_read (&p, base);
  g_autofree char *a = replace_once (p.config, "\"kernel_regularizer\": null",
                                     "\"kernel_regularizer\": {\"module\": \"keras.regularizers\", "
                                     "\"class_name\": \"L2\", \"config\": {\"l2\": 0.01}, "
                                     "\"registered_name\": null}");
  g_autofree char *b = replace_once (a, "\"bias_constraint\": null}",
                                     "\"bias_constraint\": null, \"future_option\": [1, 2.5, "
                                     "\"\\u00e9\", {\"k\": null}]}");
  g_autofree char *path = write_parts ("extra-items.keras", p.meta, b, p.weights, p.weights_len);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = nn_keras_load_with_info (path, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (nn_keras_info_layer_config (info, m->layers[1].name), "L2"));
  g_autofree char *copy = tmp_file ("extra-items-copy.keras");
  g_assert_true (nn_keras_save (m, copy, &(NnKerasSaveOptions){ .info = info }, &error));
  Parts q;
  parts_read (&q, copy);
  g_assert_cmpstr (q.config, ==, b);
  parts_clear (&q);

  /* The items live beside the model, in its NnKerasInfo: a copy of the info keeps
   * them, a save without one writes Keras's defaults (the file Keras would write for
   * the bare model), and dropping one layer's items drops only those. */
  g_autoptr (NnKerasInfo) twin = nn_keras_info_copy (info);
  g_autofree char *with_copy = tmp_file ("extra-items-copy2.keras");
  g_assert_true (nn_keras_save (m, with_copy, &(NnKerasSaveOptions){ .info = twin }, &error));
  parts_read (&q, with_copy);
  g_assert_cmpstr (q.config, ==, b);
  parts_clear (&q);
  g_autofree char *bare = tmp_file ("extra-items-bare.keras");
  g_assert_true (nn_keras_save (m, bare, NULL, &error));
  parts_read (&q, bare);
  g_assert_null (strstr (q.config, "L2"));
  g_assert_null (strstr (q.config, "future_option"));
  g_assert_null (strstr (q.config, "compile_config"));
  parts_clear (&q);
  nn_keras_info_take_layer_config (twin, m->layers[1].name, NULL);
  g_assert_null (nn_keras_info_layer_config (twin, m->layers[1].name));
  g_assert_nonnull (nn_keras_info_layer_config (info, m->layers[1].name));
  g_autofree char *dropped = tmp_file ("extra-items-dropped.keras");
  g_assert_true (nn_keras_save (m, dropped, &(NnKerasSaveOptions){ .info = twin }, &error));
  parts_read (&q, dropped);
  g_assert_cmpstr (q.config, ==, p.config);
  parts_clear (&q);
  parts_clear (&p);
}

/* ---- weights laid out by hand: nested models, the legacy root, bad datasets ---- */

static hid_t
h5_begin (void)
{
  static int counter;
  g_autofree char *name = g_strdup_printf ("test-image-%d.h5", counter++);
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_fapl_core (fapl, 1 << 16, 0);
  hid_t f = H5Fcreate (name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose (fapl);
  g_assert_cmpint (f, >=, 0);
  return f;
}

/* A dataset at path (groups made on the way) holding n values of the given type. */
static void
h5_put (hid_t f, const char *path, hid_t type, int ndim, const int *dims, const void *data)
{
  hsize_t hd[4];
  for (int d = 0; d < ndim; d++)
    hd[d] = dims[d];
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  H5Pset_create_intermediate_group (lcpl, 1);
  hid_t space = H5Screate_simple (ndim, hd, NULL);
  hid_t ds = H5Dcreate2 (f, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (ds, >=, 0);
  g_assert_cmpint (H5Dwrite (ds, type == H5T_STD_I32LE ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT,
                             H5S_ALL, H5S_ALL, H5P_DEFAULT, data), >=, 0);
  H5Dclose (ds);
  H5Sclose (space);
  H5Pclose (lcpl);
}

/* The variables of layer i under dir/vars/0.. */
static void
h5_put_layer (hid_t f, const char *dir, const NnModel *m, int i)
{
  const NnLayer *l = &m->layers[i];
  for (int v = 0; v < l->n_vars; v++)
    {
      g_autofree char *path = g_strdup_printf ("%s/vars/%d", dir, v);
      h5_put (f, path, H5T_IEEE_F32LE, l->vars[v].ndim, l->vars[v].dims,
              nn_model_var_data (m, &l->vars[v]));
    }
}

static guint8 *
h5_end (hid_t f, gsize *len)
{
  H5Fflush (f, H5F_SCOPE_GLOBAL);
  ssize_t n = H5Fget_file_image (f, NULL, 0);
  g_assert_cmpint (n, >, 0);
  guint8 *buf = g_malloc (n);
  g_assert_cmpint (H5Fget_file_image (f, buf, n), ==, n);
  H5Fclose (f);
  *len = (gsize) n;
  return buf;
}

/* input -> conv2d -> max_pooling2d -> flatten -> dense, built flat. */
static NnModel *
small_cnn (void)
{
  NnModel *m = nn_model_new ("functional", NN_MODEL_FUNCTIONAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ .filters = 4, .kh = 3, .kw = 3,
                           .stride_h = 1, .stride_w = 1, .use_bias = TRUE,
                           .activation = NN_ACT_RELU });
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
  l = nn_model_add_flatten (m, "flatten", l);
  l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_assert_true (nn_model_finish (m, NULL));
  randomize (m, 3);
  return m;
}

#define TENSOR(name, shape) "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": " \
  shape ", \"dtype\": \"float32\", \"keras_history\": [\"" name "\", 0, 0]}}"

/* The same network as small_cnn, with conv2d and max_pooling2d in a nested Sequential. */
static const char nested_config[] =
  "{\"module\": \"keras.src.models.functional\", \"class_name\": \"Functional\", \"config\": "
  "{\"name\": \"functional\", \"trainable\": true, \"layers\": ["
  "{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": "
  "[null, 28, 28, 1], \"dtype\": \"float32\", \"name\": \"input_layer\"}, \"name\": "
  "\"input_layer\", \"inbound_nodes\": []}, "
  "{\"module\": \"keras\", \"class_name\": \"Sequential\", \"config\": {\"name\": \"features\", "
  "\"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 28, 28, 1], "
  "\"name\": \"inner_input\"}}, {\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", "
  "\"filters\": 4, \"kernel_size\": [3, 3], \"activation\": \"relu\"}}, "
  "{\"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"max_pooling2d\"}}]}, "
  "\"name\": \"features\", \"inbound_nodes\": [{\"args\": [" TENSOR ("input_layer", "[null, 28, 28, 1]")
  "], \"kwargs\": {}}]}, "
  "{\"module\": \"keras.layers\", \"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\"}, "
  "\"name\": \"flatten\", \"inbound_nodes\": [{\"args\": [" TENSOR ("features", "[null, 13, 13, 4]")
  "], \"kwargs\": {}}]}, "
  "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", "
  "\"units\": 10, \"activation\": \"softmax\"}, \"name\": \"dense\", \"inbound_nodes\": "
  "[[[\"flatten\", 0, 0, {}]]]}], "
  "\"input_layers\": [[\"input_layer\", 0, 0]], \"output_layers\": [[\"dense\", 0, 0]]}}";

static void
assert_same_logits (NnModel *a, NnModel *b)
{
  g_autofree float *x = random_input (5, 784, 9);
  g_autofree float *ya = logits_of (a, x, 5);
  g_autofree float *yb = logits_of (b, x, 5);
  g_assert_cmpint (memcmp (ya, yb, sizeof (float) * 5 * 10), ==, 0);
}

static void
test_nested_sequential (void)
{
  g_autoptr (NnModel) flat = small_cnn ();
  hid_t f = h5_begin ();
  /* saving_lib: layers/<key>/layers/<key>/vars, the outer keys counted in model.layers. */
  h5_put_layer (f, "layers/sequential/layers/conv2d", flat, 1);
  h5_put_layer (f, "layers/dense", flat, 4);
  gsize len;
  g_autofree guint8 *h5 = h5_end (f, &len);
  g_autofree char *path = write_parts ("nested.keras", NULL, nested_config, h5, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->n_layers, ==, 5);
  g_assert_cmpstr (m->layers[1].name, ==, "conv2d");
  g_assert_cmpint (m->layers[3].inputs[0], ==, 2); /* flatten reads the nested model's end */
  assert_same_logits (flat, m);

  /* The group of the nested model counts in the outer container: not where it was. */
  f = h5_begin ();
  h5_put_layer (f, "layers/conv2d", flat, 1);
  h5_put_layer (f, "layers/dense", flat, 4);
  g_autofree guint8 *h5b = h5_end (f, &len);
  g_autofree char *wrong = write_parts ("nested-flat-weights.keras", NULL, nested_config, h5b,
                                        len);
  EXPECT (wrong, NN_ERROR_FORMAT, "layers/sequential/layers/conv2d/vars", "missing");
}

static void
test_legacy_root (void)
{
  g_autoptr (NnModel) flat = small_cnn ();
  g_autofree char *base = tmp_file ("legacy-base.keras");
  g_assert_true (nn_keras_save (flat, base, NULL, NULL));
  Parts p;
  parts_read (&p, base);
  /* tf.keras 2.13 kept the layers under _layer_checkpoint_dependencies. */
  hid_t f = h5_begin ();
  h5_put_layer (f, "_layer_checkpoint_dependencies/conv2d", flat, 1);
  h5_put_layer (f, "_layer_checkpoint_dependencies/dense", flat, 4);
  gsize len;
  g_autofree guint8 *h5 = h5_end (f, &len);
  g_autofree char *path = write_parts ("legacy.keras", p.meta, p.config, h5, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (path, &error);
  g_assert_no_error (error);
  assert_same_logits (flat, m);

  /* Bad datasets: integers, and a gap in the numbering. */
  int dims[4];
  const NnVar *k = &flat->layers[4].vars[0];
  memcpy (dims, k->dims, sizeof dims);
  g_autofree gint32 *ints = g_new0 (gint32, k->size);
  f = h5_begin ();
  h5_put_layer (f, "layers/conv2d", flat, 1);
  h5_put (f, "layers/dense/vars/0", H5T_STD_I32LE, k->ndim, dims, ints);
  h5_put (f, "layers/dense/vars/1", H5T_IEEE_F32LE, 1, flat->layers[4].vars[1].dims,
          nn_model_var_data (flat, &flat->layers[4].vars[1]));
  g_autofree guint8 *h5i = h5_end (f, &len);
  g_autofree char *int_path = write_parts ("int-weights.keras", p.meta, p.config, h5i, len);
  EXPECT (int_path, NN_ERROR_FORMAT, "“dense”", "floating-point");

  f = h5_begin ();
  h5_put_layer (f, "layers/conv2d", flat, 1);
  h5_put (f, "layers/dense/vars/0", H5T_IEEE_F32LE, k->ndim, dims,
          nn_model_var_data (flat, k));
  h5_put (f, "layers/dense/vars/7", H5T_IEEE_F32LE, 1, flat->layers[4].vars[1].dims,
          nn_model_var_data (flat, &flat->layers[4].vars[1]));
  g_autofree guint8 *h5g = h5_end (f, &len);
  g_autofree char *gap_path = write_parts ("gap-weights.keras", p.meta, p.config, h5g, len);
  EXPECT (gap_path, NN_ERROR_FORMAT, "“dense”", "layers/dense/vars/1", "missing");
  parts_clear (&p);
}

/* Keras MLPs often take (28, 28) or (784,); tf.keras 2 put the shape on the first layer. */
static void
test_input_layouts (void)
{
  for (NnInputLayout layout = NN_INPUT_MATRIX; layout <= NN_INPUT_FLAT; layout++)
    {
      NnModel *m = nn_model_new ("mlp", NN_MODEL_SEQUENTIAL);
      NnShape in = layout == NN_INPUT_FLAT ? (NnShape){ 1, 1, 784 } : (NnShape){ 28, 28, 1 };
      int l = nn_model_add_input (m, in, layout, "input_layer");
      l = nn_model_add_flatten (m, "flatten", l);
      l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 32, TRUE, NN_ACT_RELU });
      l = nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
      g_assert_true (nn_model_finish (m, NULL));
      randomize (m, 5);
      g_autofree char *name = g_strdup_printf ("mlp-%d.keras", layout);
      g_autoptr (NnKerasInfo) back_info = NULL;
      NnModel *back = round_trip (m, NULL, name, NULL, &back_info);
      g_assert_cmpint (back->input_layout, ==, layout);
      g_assert_cmpint (back->style, ==, NN_MODEL_SEQUENTIAL);

      /* The same without an InputLayer entry: the shape sits on the first layer. */
      g_autofree char *path = tmp_file (name);
      Parts p;
      parts_read (&p, path);
      const char *shape = layout == NN_INPUT_FLAT ? "[null, 784]" : "[null, 28, 28]";
      g_autofree char *input_entry = g_strdup_printf (
        "{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\": "
        "{\"batch_shape\": %s, \"dtype\": \"float32\", \"sparse\": false, \"ragged\": false, "
        "\"name\": \"input_layer\"}, \"registered_name\": null}, ", shape);
      g_autofree char *no_input = replace_once (p.config, input_entry, "");
      g_autofree char *batch = g_strdup_printf ("{\"batch_input_shape\": %s, \"name\": "
                                                "\"flatten\"", shape);
      g_autofree char *legacy = replace_once (no_input, "{\"name\": \"flatten\"", batch);
      g_autofree char *legacy_path = write_parts ("mlp-legacy.keras", p.meta, legacy, p.weights,
                                                  p.weights_len);
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) old = nn_keras_load (legacy_path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (old->input_layout, ==, layout);
      assert_same_logits (m, old);
      parts_clear (&p);
      nn_model_free (back);
      nn_model_free (m);
    }
}

/* Extra metadata keys come back, after keras_version and date_saved. */
static void
test_metadata (void)
{
  g_autoptr (NnModel) m = small_cnn ();
  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->metadata, g_strdup ("test_accuracy"), g_strdup ("0.9779"));
  g_hash_table_insert (m->metadata, g_strdup ("trained_by"), g_strdup ("digits \"1\""));
  g_autofree char *path = tmp_file ("metadata.keras");
  g_assert_true (nn_keras_save (m, path, NULL, NULL));
  Parts p;
  parts_read (&p, path);
  g_assert_true (g_regex_match_simple ("^\\{\"keras_version\": \"3.12.0\", \"date_saved\": "
                                       "\"\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d\", "
                                       "\"test_accuracy\": 0.9779, \"trained_by\": "
                                       "\"digits \\\\\"1\\\\\"\"\\}$", p.meta, 0, 0));
  parts_clear (&p);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) back = nn_keras_load_with_info (path, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (back->metadata, "test_accuracy"), ==, "0.9779");
  g_assert_cmpstr (g_hash_table_lookup (back->metadata, "trained_by"), ==, "digits \"1\"");
  g_assert_cmpstr (info->keras_version, ==, "3.12.0");

  /* One value alone, as the app's model list reads it without loading the model. */
  g_autofree char *accuracy = nn_keras_read_metadata_value (path, "test_accuracy", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (accuracy, ==, "0.9779");
  g_autofree char *none = nn_keras_read_metadata_value (path, "val_accuracy", &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_autofree char *text = tmp_file ("not-a-model.keras");
  g_assert_true (g_file_set_contents (text, "not a zip", -1, NULL));
  g_assert_null (nn_keras_read_metadata_value (text, "test_accuracy", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "not-a-model.keras"));
}

static void
test_snake_case (void)
{
  static const char *const pairs[][2] = {
    { "Conv2D", "conv2d" }, { "BatchNormalization", "batch_normalization" },
    { "MaxPooling2D", "max_pooling2d" }, { "DepthwiseConv2D", "depthwise_conv2d" },
    { "GlobalAveragePooling2D", "global_average_pooling2d" }, { "InputLayer", "input_layer" },
    { "SeparableConv2D", "separable_conv2d" }, { "Sequential", "sequential" },
    { "ReLU", "re_lu" }, { "Dense", "dense" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *s = nn_keras_snake_case (pairs[i][0]);
      g_assert_cmpstr (s, ==, pairs[i][1]);
    }
}

/* Random byte damage to the weights and the config of a small model: every load
 * either works or ends in an NN_ERROR, never in a crash (run it under ASan). */
static void
test_mutations (void)
{
  g_autoptr (NnModel) m = small_cnn ();
  g_autofree char *base = tmp_file ("mutation-base.keras");
  g_assert_true (nn_keras_save (m, base, NULL, NULL));
  Parts p;
  parts_read (&p, base);
  GRand *rand = g_rand_new_with_seed (1234);
  int n_ok = 0, n_err = 0;
  for (int round = 0; round < 300; round++)
    {
      g_autofree guint8 *h5 = g_memdup2 (p.weights, p.weights_len);
      g_autofree char *config = g_strdup (p.config);
      int hits = g_rand_int_range (rand, 1, 6);
      gboolean in_config = round % 3 == 0;
      for (int k = 0; k < hits; k++)
        {
          if (in_config)
            config[g_rand_int_range (rand, 0, (int) p.config_len)] =
              " {}[]\":,0123456789-.eE"[g_rand_int_range (rand, 0, 23)];
          else
            {
              /* HDF5 metadata sits mostly at the start and the end of the file. */
              gsize span = MIN (p.weights_len, 4096);
              gsize at = g_rand_boolean (rand) ? (gsize) g_rand_int_range (rand, 0, (int) span)
                         : p.weights_len - 1 - g_rand_int_range (rand, 0, (int) span);
              h5[at] = (guint8) g_rand_int_range (rand, 0, 256);
            }
        }
      g_autofree char *path = write_parts ("mutant.keras", p.meta, config, h5, p.weights_len);
      g_autoptr (GError) error = NULL;
      NnModel *back = nn_keras_load (path, &error);
      if (back)
        {
          n_ok++;
          nn_model_free (back);
        }
      else
        {
          g_assert_true (error->domain == NN_ERROR);
          n_err++;
        }
    }
  g_test_message ("mutants: %d loaded, %d refused", n_ok, n_err);
  g_rand_free (rand);
  parts_clear (&p);
}

/* Loads and saves from several threads at once (HDF5 itself is not thread-safe). */
static gpointer
load_save_thread (gpointer data)
{
  int id = GPOINTER_TO_INT (data);
  g_autofree char *base = base_path ();
  g_autofree char *name = g_strdup_printf ("thread-%d.keras", id);
  g_autofree char *path = tmp_file (name);
  for (int round = 0; round < 3; round++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_keras_load (round == 0 ? base : path, &error);
      g_assert_no_error (error);
      g_assert_true (nn_keras_save (m, path, NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_threads (void)
{
  GThread *t[4];
  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("keras-io", load_save_thread, GINT_TO_POINTER (i));
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
}

/* ---- saves that fail ------------------------------------------------------------- */

static int
count_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name (d))
    n++;
  g_dir_close (d);
  return n;
}

static void
test_save_failures (void)
{
  g_autoptr (NnModel) m = load_base ();
  g_autofree char *dir = tmp_file ("save-failures");
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autofree char *path = g_build_filename (dir, "model.keras", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  g_autofree char *before = NULL;
  gsize before_len;
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  /* A folder that does not exist. */
  g_autofree char *lost = g_build_filename (dir, "no-such-dir", "model.keras", NULL);
  g_assert_false (nn_keras_save (m, lost, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-dir"));
  g_clear_error (&error);

  /* A model in a bad state: NaN weights, and an unfinished model. */
  g_autoptr (NnModel) bad = nn_model_copy (m);
  bad->params[5] = NAN;
  g_assert_false (nn_keras_save (bad, path, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NUMERIC);
  g_clear_error (&error);
  g_autoptr (NnModel) unfinished = nn_model_new ("unfinished", NN_MODEL_SEQUENTIAL);
  g_assert_false (nn_keras_save (unfinished, path, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (NnModel) twins = nn_model_copy (m);
  g_free (twins->layers[2].name);
  twins->layers[2].name = g_strdup ("conv2d");
  g_assert_false (nn_keras_save (twins, path, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID);
  g_clear_error (&error);

  /* A folder we may not write to (root ignores permissions, so only as a user). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
      g_assert_false (nn_keras_save (m, path, NULL, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
    }

  g_autofree char *after = NULL;
  gsize after_len;
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_cmpint (count_files (dir), ==, 1); /* no PATH.XXXXXX left behind */
}

/* ---- the layout, as h5py sees it ------------------------------------------------- */

static void
test_h5py_layout (void)
{
  const char *python = "/usr/bin/python3";
  const char *src = g_getenv ("DIGITS_SOURCE_DIR");
  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE) || src == NULL)
    {
      g_test_skip ("no /usr/bin/python3 or DIGITS_SOURCE_DIR");
      return;
    }
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = load_fixture_info (&info);
  if (m == NULL)
    return;
  g_autofree char *cnn = tmp_file ("layout-cnn.keras");
  Opt o;
  opt_init (&o, m);
  NnKerasSaveOptions options = { .optimizer = &o.opt, .loss_json = "\"sparse_categorical_crossentropy\"",
                                 .info = info };
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_keras_save (m, cnn, &options, &error));
  opt_clear (&o);
  g_autoptr (NnModel) f = branching_functional (NN_INPUT_IMAGE);
  opt_init (&o, f);
  options.optimizer = &o.opt;
  options.info = NULL;
  g_autofree char *func = tmp_file ("layout-functional.keras");
  g_assert_true (nn_keras_save (f, func, &options, &error));
  opt_clear (&o);
  g_autoptr (NnModel) s = every_kind_sequential ();
  g_autofree char *seq = tmp_file ("layout-every-kind.keras");
  g_assert_true (nn_keras_save (s, seq, NULL, &error));

  g_autofree char *script = g_build_filename (src, "tests", "io", "check-keras-layout.py", NULL);
  g_autofree char *fixture = test_fixture_path ();
  const char *argv[] = { python, script, fixture, cnn, func, seq, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_test_message ("%s%s", out, err);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip ("h5py is not installed");
      return;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("check-keras-layout.py failed:\n%s%s", out, err);
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("test-keras-XXXXXX", NULL);
  g_test_add_func ("/keras/fixture/structure", test_fixture_structure);
  g_test_add_func ("/keras/fixture/accuracy", test_fixture_accuracy);
  g_test_add_func ("/keras/round-trip/fixture", test_fixture_round_trip);
  g_test_add_func ("/keras/round-trip/sequential-every-kind", test_round_trip_sequential);
  g_test_add_func ("/keras/round-trip/functional", test_round_trip_functional);
  g_test_add_func ("/keras/broken/container", test_broken_container);
  g_test_add_func ("/keras/broken/config", test_broken_config);
  g_test_add_func ("/keras/broken/functional", test_broken_functional);
  g_test_add_func ("/keras/broken/weights", test_broken_weights);
  g_test_add_func ("/keras/extra-items", test_extra_items);
  g_test_add_func ("/keras/nested-sequential", test_nested_sequential);
  g_test_add_func ("/keras/legacy-root-and-bad-datasets", test_legacy_root);
  g_test_add_func ("/keras/input-layouts", test_input_layouts);
  g_test_add_func ("/keras/metadata", test_metadata);
  g_test_add_func ("/keras/snake-case", test_snake_case);
  g_test_add_func ("/keras/broken/mutations", test_mutations);
  g_test_add_func ("/keras/threads", test_threads);
  g_test_add_func ("/keras/save-failures", test_save_failures);
  g_test_add_func ("/keras/h5py-layout", test_h5py_layout);
  int status = g_test_run ();
  if (g_getenv ("DIGITS_KEEP_TEST_FILES"))
    g_printerr ("# files kept in %s\n", tmp_dir);
  else
    remove_tree (tmp_dir);
  return status;
}
