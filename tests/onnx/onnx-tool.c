/* onnx-tool: what the ONNX tests need from the engine.
 *
 *   onnx-tool models DIR             writes test models covering every layer kind,
 *                                    activation, padding and input layout the export
 *                                    maps (random weights, biases and BN statistics)
 *                                    as DIR/onnx_*.keras
 *   onnx-tool probs MODEL MNIST N OUT  the probabilities (N, classes) of the first N
 *                                    MNIST test images under MODEL (.keras or .onnx),
 *                                    as little-endian float32, from nn_model_predict
 *   onnx-tool roundtrip MODEL.keras MNIST N TMP.onnx
 *                                    exports MODEL, reads the file back with
 *                                    nn_onnx_load, and fails when a probability of the
 *                                    first N test images differs by more than 1e-5
 *   onnx-tool compare A.f32 B.f32 TOL  fails when two such files differ by more
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-dataset.h"
#include "nn-keras.h"
#include "nn-onnx.h"

static NnModel *
finish (NnModel *m, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  if (!nn_model_finish (m, &error))
    g_error ("%s: %s", m->name, error->message);
  nn_model_init_weights (m, seed);
  /* Zero biases and identity BatchNormalization would hide a mislaid vector. */
  GRand *r = g_rand_new_with_seed ((guint32) seed);
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        const NnVar *var = &m->layers[i].vars[v];
        float *d = nn_model_var_data (m, var);
        double lo = 0, hi = 0;
        if (strcmp (var->role, "bias") == 0 || strcmp (var->role, "beta") == 0
            || strcmp (var->role, "moving_mean") == 0)
          lo = -0.3, hi = 0.3;
        else if (strcmp (var->role, "gamma") == 0)
          lo = 0.5, hi = 1.5;
        else if (strcmp (var->role, "moving_variance") == 0)
          lo = 0.2, hi = 2.0;
        else
          continue;
        for (size_t k = 0; k < var->size; k++)
          d[k] = (float) g_rand_double_range (r, lo, hi);
      }
  g_rand_free (r);
  return m;
}

static NnConvConfig
conv (int filters, int k, int stride, NnPadding pad, NnActivation act)
{
  return (NnConvConfig){ .filters = filters, .depth_multiplier = 1, .kh = k, .kw = k,
                         .stride_h = stride, .stride_w = stride, .padding = pad,
                         .use_bias = TRUE, .activation = act };
}

static NnPoolConfig
pool (int k, int stride, NnPadding pad)
{
  return (NnPoolConfig){ .pool_h = k, .pool_w = k, .stride_h = stride, .stride_w = stride,
                         .padding = pad };
}

/* Images: every convolution, both pools with odd 'same' padding, BN, merges of
 * images, Dense on an image (Keras: the last axis), most activations. */
static NnModel *
model_images (void)
{
  NnModel *m = nn_model_new ("onnx_images", NN_MODEL_FUNCTIONAL);
  int x = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  x = nn_model_add_rescaling (m, "rescaling", x, 2.0f, -1.0f);
  NnConvConfig c = conv (8, 3, 2, NN_PAD_SAME, NN_ACT_RELU6);
  x = nn_model_add_conv2d (m, "conv2d", x, &c);                          /* 14x14x8 */
  x = nn_model_add_batch_norm (m, "batch_normalization", x,
                               &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  c = conv (0, 3, 1, NN_PAD_VALID, NN_ACT_ELU);
  c.depth_multiplier = 2;
  x = nn_model_add_depthwise_conv2d (m, "depthwise_conv2d", x, &c);      /* 12x12x16 */
  c = conv (12, 5, 1, NN_PAD_SAME, NN_ACT_GELU);
  c.depth_multiplier = 2;
  x = nn_model_add_separable_conv2d (m, "separable_conv2d", x, &c);      /* 12x12x12 */
  NnPoolConfig p = pool (3, 2, NN_PAD_SAME);
  x = nn_model_add_avg_pool (m, "average_pooling2d", x, &p);             /* 6x6x12 */
  c = conv (12, 1, 1, NN_PAD_VALID, NN_ACT_SILU);
  int a = nn_model_add_conv2d (m, "conv2d_1", x, &c);
  int b = nn_model_add_activation (m, "activation", x, NN_ACT_TANH);
  x = nn_model_add_add (m, "add", (const int[]){ a, b, x }, 3);
  p = pool (2, 2, NN_PAD_SAME);
  x = nn_model_add_max_pool (m, "max_pooling2d", x, &p);                 /* 3x3x12 */
  c = conv (4, 2, 1, NN_PAD_SAME, NN_ACT_SIGMOID);
  a = nn_model_add_conv2d (m, "conv2d_2", x, &c);
  x = nn_model_add_concatenate (m, "concatenate", (const int[]){ x, a }, 2); /* 3x3x16 */
  x = nn_model_add_dense (m, "dense", x, &(NnDenseConfig){ 8, TRUE, NN_ACT_RELU });
  x = nn_model_add_batch_norm (m, "batch_normalization_1", x,
                               &(NnBatchNormConfig){ 0.99f, 1e-3f, FALSE, FALSE });
  x = nn_model_add_flatten (m, "flatten", x);
  x = nn_model_add_dropout (m, "dropout", x, 0.3f);
  x = nn_model_add_dense (m, "dense_1", x, &(NnDenseConfig){ 16, FALSE, NN_ACT_LINEAR });
  x = nn_model_add_activation (m, "activation_1", x, NN_ACT_RELU);
  nn_model_add_dense (m, "dense_2", x, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  return finish (m, 1);
}

/* Vectors: flat input, BN and merges of vectors, a Reshape to an image of several
 * channels, the global pool, and logits out (no softmax). */
static NnModel *
model_vectors (void)
{
  NnModel *m = nn_model_new ("onnx_vectors", NN_MODEL_FUNCTIONAL);
  int x = nn_model_add_input (m, (NnShape){ 1, 1, 784 }, NN_INPUT_FLAT, "input_layer");
  int d1 = nn_model_add_dense (m, "dense", x, &(NnDenseConfig){ 32, TRUE, NN_ACT_TANH });
  int d2 = nn_model_add_dense (m, "dense_1", x, &(NnDenseConfig){ 32, TRUE, NN_ACT_SIGMOID });
  x = nn_model_add_add (m, "add", (const int[]){ d1, d2 }, 2);
  x = nn_model_add_batch_norm (m, "batch_normalization", x,
                               &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  int cat = nn_model_add_concatenate (m, "concatenate", (const int[]){ x, d1 }, 2); /* 64 */
  x = nn_model_add_reshape (m, "reshape", cat, (NnShape){ 4, 4, 4 });
  NnConvConfig c = conv (6, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
  x = nn_model_add_conv2d (m, "conv2d", x, &c);
  x = nn_model_add_global_avg_pool (m, "global_average_pooling2d", x);
  int d3 = nn_model_add_dense (m, "dense_2", d2, &(NnDenseConfig){ 4, TRUE, NN_ACT_RELU });
  x = nn_model_add_concatenate (m, "concatenate_1", (const int[]){ x, d3 }, 2); /* 10 */
  x = nn_model_add_reshape (m, "reshape_1", x, (NnShape){ 1, 1, 10 });
  nn_model_add_dense (m, "dense_3", x, &(NnDenseConfig){ 10, TRUE, NN_ACT_LINEAR });
  return finish (m, 2);
}

/* A (28, 28) matrix input, a Reshape to one channel, softmax over the channels of an
 * image, and a softmax output reached through an Activation layer. */
static NnModel *
model_matrix (void)
{
  NnModel *m = nn_model_new ("onnx_matrix", NN_MODEL_SEQUENTIAL);
  int x = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_MATRIX, "input_layer");
  x = nn_model_add_flatten (m, "flatten", x);
  x = nn_model_add_reshape (m, "reshape", x, (NnShape){ 28, 28, 1 });
  NnConvConfig c = conv (4, 3, 1, NN_PAD_VALID, NN_ACT_SOFTMAX);
  x = nn_model_add_conv2d (m, "conv2d", x, &c);
  NnPoolConfig p = pool (2, 2, NN_PAD_VALID);
  x = nn_model_add_max_pool (m, "max_pooling2d", x, &p);
  x = nn_model_add_flatten (m, "flatten_1", x);
  x = nn_model_add_dense (m, "dense", x, &(NnDenseConfig){ 10, TRUE, NN_ACT_LINEAR });
  nn_model_add_activation (m, "activation", x, NN_ACT_SOFTMAX);
  return finish (m, 3);
}

static int
write_models (const char *dir)
{
  NnModel *(*builders[]) (void) = { model_images, model_vectors, model_matrix };
  for (size_t i = 0; i < G_N_ELEMENTS (builders); i++)
    {
      g_autoptr (NnModel) m = builders[i] ();
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strconcat (m->name, ".keras", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (!nn_keras_save (m, path, NULL, &error))
        {
          fprintf (stderr, "onnx-tool: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}

static NnModel *
load (const char *path, GError **error)
{
  return g_str_has_suffix (path, ".onnx") ? nn_onnx_load (path, error)
                                          : nn_keras_load (path, error);
}

/* The probabilities of the first *n test images (fewer when MNIST has fewer). */
static float *
predict (NnModel *m, const char *mnist, int *n, GError **error)
{
  g_autoptr (NnDataset) ds = nn_mnist_load (mnist, NN_MNIST_TEST, error);
  if (ds == NULL)
    return NULL;
  *n = MIN (*n, ds->n);
  float *x = g_new (float, (size_t) *n * NN_IMAGE_PIXELS);
  float *probs = g_new (float, (size_t) *n * m->n_classes);
  nn_dataset_get_batch (ds, 0, *n, x);
  NnWorkspace *ws = nn_workspace_new (m, 250, NN_MODE_INFERENCE);
  nn_model_predict (m, ws, x, *n, probs);
  nn_workspace_free (ws);
  g_free (x);
  return probs;
}

static int
fail (GError *error)
{
  fprintf (stderr, "onnx-tool: %s\n", error->message);
  g_error_free (error);
  return 1;
}

static int
write_probs (const char *model_path, const char *mnist, int n, const char *out)
{
  GError *error = NULL;
  g_autoptr (NnModel) m = load (model_path, &error);
  float *probs = m ? predict (m, mnist, &n, &error) : NULL;
  if (probs == NULL)
    return fail (error);
  for (size_t k = 0; k < (size_t) n * m->n_classes; k++)
    {
      guint32 u;
      memcpy (&u, &probs[k], 4);
      u = GUINT32_TO_LE (u);
      memcpy (&probs[k], &u, 4);
    }
  gboolean ok = g_file_set_contents (out, (const char *) probs,
                                     (gssize) ((size_t) n * m->n_classes * sizeof (float)), &error);
  g_free (probs);
  return ok ? 0 : fail (error);
}

static int
report (const char *what, const float *a, const float *b, size_t count, int classes, double tol)
{
  double max = 0;
  size_t at = 0;
  for (size_t k = 0; k < count; k++)
    if (!(fabs ((double) a[k] - b[k]) <= max))
      max = fabs ((double) a[k] - b[k]), at = k;
  gboolean ok = max <= tol;
  printf ("%s: %zu images, max difference %.3e (image %zu, class %zu); %s\n", what,
          count / classes, max, at / classes, at % classes, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}

static int
roundtrip (const char *keras, const char *mnist, int n, const char *tmp)
{
  GError *error = NULL;
  g_autoptr (NnModel) a = nn_keras_load (keras, &error);
  if (a == NULL || !nn_onnx_save (a, tmp, &error))
    return fail (error);
  g_autoptr (NnModel) b = nn_onnx_load (tmp, &error);
  if (b == NULL)
    return fail (error);
  if (b->n_classes != a->n_classes)
    {
      fprintf (stderr, "onnx-tool: %s: %d classes, %d read back\n", keras, a->n_classes,
               b->n_classes);
      return 1;
    }
  int na = n, nb = n;
  g_autofree float *pa = predict (a, mnist, &na, &error);
  g_autofree float *pb = pa ? predict (b, mnist, &nb, &error) : NULL;
  if (pb == NULL)
    return fail (error);
  /* A model with logits out reads back with a softmax added: compare probabilities. */
  if (!a->output_softmax)
    nn_softmax_rows (pa, pa, na, a->n_classes);
  g_autofree char *what = g_strdup_printf ("%s -> .onnx -> Digits", keras);
  return report (what, pa, pb, (size_t) na * a->n_classes, a->n_classes, 1e-5);
}

static int
compare (const char *a_path, const char *b_path, double tol)
{
  GError *error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  if (!g_file_get_contents (a_path, &a, &la, &error) || !g_file_get_contents (b_path, &b, &lb, &error))
    return fail (error);
  if (la != lb || la % (10 * sizeof (float)) != 0)
    {
      fprintf (stderr, "onnx-tool: %s and %s differ in size\n", a_path, b_path);
      return 1;
    }
  g_autofree float *fa = g_new (float, la / 4), *fb = g_new (float, la / 4);
  for (gsize k = 0; k < la / 4; k++)
    {
      guint32 u, v;
      memcpy (&u, a + 4 * k, 4);
      memcpy (&v, b + 4 * k, 4);
      u = GUINT32_FROM_LE (u);
      v = GUINT32_FROM_LE (v);
      memcpy (&fa[k], &u, 4);
      memcpy (&fb[k], &v, 4);
    }
  return report (b_path, fa, fb, la / 4, 10, tol);
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "models") == 0)
    return write_models (argv[2]);
  if (argc == 6 && strcmp (argv[1], "probs") == 0)
    return write_probs (argv[2], argv[3], atoi (argv[4]), argv[5]);
  if (argc == 6 && strcmp (argv[1], "roundtrip") == 0)
    return roundtrip (argv[2], argv[3], atoi (argv[4]), argv[5]);
  if (argc == 5 && strcmp (argv[1], "compare") == 0)
    return compare (argv[2], argv[3], g_ascii_strtod (argv[4], NULL));
  fprintf (stderr, "usage: onnx-tool models DIR | probs MODEL MNIST_DIR N OUT.f32 | roundtrip "
           "MODEL.keras MNIST_DIR N TMP.onnx | compare A.f32 B.f32 TOL\n");
  return 2;
}
