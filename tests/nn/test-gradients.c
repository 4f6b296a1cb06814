/* test-gradients.c: every layer's backward pass, and whole small graphs, against
 * central finite differences, in the manner of ggml's test-backend-ops: a
 * 4-point stencil, a per-check epsilon and a normalised mean squared error
 * threshold, the first mismatching elements printed. TAP output.
 *
 * The loss is L = sum_i w_i * logits_i with fixed random w, so dL/dlogits = w.
 * Dropout masks are pinned by re-seeding the workspace before every pass. */
#include "nn-test-util.h"
#include "nn-zoo.h"
#include "nn-kernels.h"
#include "nn-workspace.h"

/* When set, grad_check's training workspace runs the layers between two
 * BatchNormalizations one image at a time (nn-plan.h, train_chunk_bytes), where
 * it may. */
static gboolean one_image_chunks;

typedef struct {
  NnModel *m;
  NnWorkspace *ws;
  const float *w;  /* (n, classes) */
  float *x;        /* (n, input) */
  int n;
} Probe;

static double
probe_loss (Probe *p)
{
  nn_workspace_set_seed (p->ws, 1234);
  const float *y = nn_model_forward (p->m, p->ws, p->x, p->n);
  double s = 0;
  for (int i = 0; i < p->n * p->m->n_classes; i++)
    s += (double) p->w[i] * y[i];
  return s;
}

/* d L / d v by the 4-point stencil, v being a float the loss reads. Double-checked:
 * if the central differences at eps and 2 eps disagree, a kink (relu, max) lies
 * within reach; the check retries with a step 8 times smaller and gives up (NAN,
 * the value is skipped) if the disagreement remains. */
static double
numeric (Probe *p, float *v, float eps, const float *saved_params)
{
  float orig = *v;
  for (int attempt = 0; attempt < 2; attempt++, eps /= 8)
    {
      double f[4];
      const float steps[4] = { -2, -1, 1, 2 };
      for (int k = 0; k < 4; k++)
        {
          *v = orig + steps[k] * eps;
          nn_model_params_changed (p->m); /* v may be a weight */
          f[k] = probe_loss (p);
          /* training passes move BN statistics; put them back */
          memcpy (p->m->params, saved_params, MAX (p->m->n_params, 1) * sizeof (float));
          *v = orig + steps[k] * eps;
        }
      *v = orig;
      nn_model_params_changed (p->m);
      double c1 = (f[2] - f[1]) / (2.0 * eps), c2 = (f[3] - f[0]) / (4.0 * eps);
      if (fabs (c1 - c2) <= 1e-3 + 1e-2 * fabs (c1))
        return (8 * (f[2] - f[1]) - (f[3] - f[0])) / (12.0 * eps);
    }
  return NAN;
}

typedef struct {
  double num, den;    /* sum (a - n)^2, sum n^2 */
  int shown, checked, skipped;
} Err;

static void
err_add (Err *e, const char *what, const char *where, size_t k, double a, double nm)
{
  if (isnan (nm))
    {
      e->skipped++;
      return;
    }
  e->num += (a - nm) * (a - nm);
  e->den += nm * nm;
  e->checked++;
  if (fabs (a - nm) > 1e-2 + 2e-2 * fabs (nm) && e->shown < 3)
    {
      printf ("# %s: %s[%zu] analytic %.6g numeric %.6g\n", what, where, k, a, nm);
      e->shown++;
    }
}

/* Up to `cap` indices spread over [0, n). */
static size_t
stride_for (size_t n, size_t cap)
{
  return n <= cap ? 1 : (n + cap - 1) / cap;
}

static void
grad_check (const char *what, NnModel *m, int n, NnMode mode, int threads, float eps,
            double max_nmse)
{
  g_autoptr (GError) error = NULL;
  if (m->params == NULL && !nn_model_finish (m, &error))
    {
      tap_ok (FALSE, "%s: %s", what, error->message);
      nn_model_free (m);
      return;
    }
  test_randomize_params (m, 17);
  nn_model_set_threads (m, threads);
  size_t in = nn_shape_size (m->layers[0].out_shape);
  g_autofree float *x = g_new (float, n * in);
  g_autofree float *w = g_new (float, n * m->n_classes);
  g_autofree float *dx = g_new (float, n * in);
  test_fill (x, n * in, 23, 1.0f);
  test_fill (w, n * m->n_classes, 29, 1.0f);
  Probe p = { m, nn_workspace_new (m, n, mode), w, x, n };
  if (one_image_chunks && mode == NN_MODE_TRAINING)
    p.ws->plan->train_chunk_bytes = 1;
  g_autofree float *saved = g_memdup2 (m->params, MAX (m->n_params, 1) * sizeof (float));

  probe_loss (&p);
  nn_model_backward (m, p.ws, w, n, dx);
  memcpy (m->params, saved, MAX (m->n_params, 1) * sizeof (float));
  nn_model_params_changed (m);
  g_autofree float *grads = g_memdup2 (m->grads, MAX (m->n_params, 1) * sizeof (float));
  /* Without the input's gradient the weights' are the same, though a first layer
   * may take another path (a strided convolution's dW-only kernel). */
  nn_model_backward (m, p.ws, w, n, NULL);
  double diff = 0, scale = 0;
  for (size_t k = 0; k < m->n_params; k++)
    {
      diff = fmax (diff, fabs (m->grads[k] - grads[k]));
      scale = fmax (scale, fabs (grads[k]));
    }
  gboolean same_without_dx = diff <= 1e-5 * fmax (scale, 1e-6);

  Err e = { 0 };
  for (int li = 1; li < m->n_layers; li++)
    for (int v = 0; v < m->layers[li].n_vars; v++)
      {
        NnVar *var = &m->layers[li].vars[v];
        if (!var->trainable)
          continue;
        g_autofree char *where = g_strdup_printf ("%s/%s", m->layers[li].name, var->role);
        for (size_t k = 0; k < var->size; k += stride_for (var->size, 40))
          {
            double nm = m->layers[li].trainable
                          ? numeric (&p, m->params + var->offset + k, eps, saved) : 0.0;
            err_add (&e, what, where, k, grads[var->offset + k], nm);
          }
      }
  for (size_t k = 0; k < n * in; k += stride_for (n * in, 120))
    err_add (&e, what, "x", k, dx[k], numeric (&p, x + k, eps, saved));
  double nmse = e.den > 0 ? e.num / e.den : e.num;
  /* Only a few values may sit on a kink. */
  gboolean ok = nmse <= max_nmse && e.skipped * 10 <= e.checked && same_without_dx;
  tap_ok (ok, "[%s] %s (%s, %d thread%s): nmse %.2e over %d values, %d at kinks skipped; "
          "weight gradients without dx differ by %.2g",
          nn_kernels_level_name (nn_kernels_level ()), what,
          mode ? "training" : "inference", threads, threads > 1 ? "s" : "", nmse, e.checked,
          e.skipped, diff / fmax (scale, 1e-6));
  nn_workspace_free (p.ws);
  nn_model_free (m);
}

static NnModel *
input_model (NnShape s, int *l)
{
  NnModel *m = nn_model_new ("test", NN_MODEL_FUNCTIONAL);
  *l = nn_model_add_input (m, s, NN_INPUT_IMAGE, "input_layer");
  return m;
}

/* ---- single layers -------------------------------------------------------------- */

static void
check_conv (const char *what, NnLayerKind kind, NnShape s, NnConvConfig cfg, float eps,
            double tol)
{
  for (int mode = 0; mode < 2; mode++)
    {
      int l;
      NnModel *m = input_model (s, &l);
      if (kind == NN_LAYER_CONV2D)
        nn_model_add_conv2d (m, "conv", l, &cfg);
      else if (kind == NN_LAYER_DEPTHWISE_CONV2D)
        nn_model_add_depthwise_conv2d (m, "dw", l, &cfg);
      else
        nn_model_add_separable_conv2d (m, "sep", l, &cfg);
      grad_check (what, m, 2, mode, 1, eps, tol);
    }
}

static void
test_convolutions (void)
{
  check_conv ("conv2d 3x3 same relu", NN_LAYER_CONV2D, (NnShape){ 6, 6, 2 },
              (NnConvConfig){ 3, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU }, 1e-3f, 1e-4);
  check_conv ("conv2d 3x3 valid stride 2", NN_LAYER_CONV2D, (NnShape){ 7, 8, 2 },
              (NnConvConfig){ 3, 1, 3, 3, 2, 2, NN_PAD_VALID, FALSE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("conv2d 4x3 same stride 2 tanh", NN_LAYER_CONV2D, (NnShape){ 7, 6, 2 },
              (NnConvConfig){ 2, 1, 4, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_TANH }, 1e-2f, 1e-5);
  check_conv ("conv2d 1x1 sigmoid", NN_LAYER_CONV2D, (NnShape){ 4, 4, 3 },
              (NnConvConfig){ 4, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_SIGMOID }, 1e-2f, 1e-5);
  check_conv ("conv2d 1x1 stride 2 same", NN_LAYER_CONV2D, (NnShape){ 5, 5, 3 },
              (NnConvConfig){ 2, 1, 1, 1, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("depthwise 3x3 same elu", NN_LAYER_DEPTHWISE_CONV2D, (NnShape){ 5, 5, 3 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_ELU }, 1e-2f, 1e-4);
  check_conv ("depthwise 3x3 valid stride 2 multiplier 2 gelu", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 7, 6, 2 },
              (NnConvConfig){ 0, 2, 3, 3, 2, 2, NN_PAD_VALID, TRUE, NN_ACT_GELU }, 1e-2f, 1e-5);
  check_conv ("separable 3x3 same multiplier 2 silu", NN_LAYER_SEPARABLE_CONV2D,
              (NnShape){ 5, 4, 2 },
              (NnConvConfig){ 3, 2, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_SILU }, 1e-2f, 1e-5);
  /* Channel counts that take the direct kernels (multiples of 16). */
  check_conv ("conv2d 3x3 same 16 -> 16 relu", NN_LAYER_CONV2D, (NnShape){ 5, 5, 16 },
              (NnConvConfig){ 16, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU }, 1e-3f, 1e-4);
  check_conv ("conv2d 3x3 valid 16 -> 32 tanh", NN_LAYER_CONV2D, (NnShape){ 6, 5, 16 },
              (NnConvConfig){ 32, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_TANH }, 1e-2f, 1e-5);
  /* dx of 22 x 21 (6 x 6 tiles of 4, the last ones partial) goes by F(4x4, 3x3). */
  check_conv ("conv2d 3x3 valid 16 -> 16 tanh, dx 22 x 21", NN_LAYER_CONV2D, (NnShape){ 22, 21, 16 },
              (NnConvConfig){ 16, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_TANH }, 1e-2f, 1e-5);
  check_conv ("conv2d 2x2 same 16 -> 48 (pad after)", NN_LAYER_CONV2D, (NnShape){ 4, 5, 16 },
              (NnConvConfig){ 48, 1, 2, 2, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("conv2d 1x1 16 -> 96", NN_LAYER_CONV2D, (NnShape){ 3, 4, 16 },
              (NnConvConfig){ 96, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_SIGMOID }, 1e-2f, 1e-5);
  check_conv ("conv2d 3x3 valid 1 -> 16", NN_LAYER_CONV2D, (NnShape){ 6, 6, 1 },
              (NnConvConfig){ 16, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  /* The quick recipe's first layer: its kernel gradient alone has a SIMD path. */
  check_conv ("conv2d 5x5 same stride 2, 1 -> 16", NN_LAYER_CONV2D, (NnShape){ 9, 8, 1 },
              (NnConvConfig){ 16, 1, 5, 5, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_TANH }, 1e-2f, 1e-5);
  check_conv ("conv2d 3x3 same stride 2, 16 -> 16", NN_LAYER_CONV2D, (NnShape){ 5, 6, 16 },
              (NnConvConfig){ 16, 1, 3, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("depthwise 3x3 same stride 2, 16 channels", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 5, 6, 16 },
              (NnConvConfig){ 0, 1, 3, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("depthwise 3x3 same 32 channels", NN_LAYER_DEPTHWISE_CONV2D, (NnShape){ 5, 4, 32 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_LINEAR }, 1e-2f, 1e-5);
  check_conv ("depthwise 3x3 valid 16 channels elu", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 6, 5, 16 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_ELU }, 1e-2f, 1e-5);
  check_conv ("separable 2x2 valid stride 2 relu6", NN_LAYER_SEPARABLE_CONV2D,
              (NnShape){ 6, 6, 2 },
              (NnConvConfig){ 2, 1, 2, 2, 2, 2, NN_PAD_VALID, FALSE, NN_ACT_RELU6 }, 1e-3f, 1e-4);
}

static void
test_layers (void)
{
  for (int mode = 0; mode < 2; mode++)
    for (int threads = 1; threads <= 2; threads++)
      {
        int l;
        NnModel *m = input_model ((NnShape){ 3, 3, 4 }, &l);
        nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
        grad_check ("batch_normalization", m, 4, mode, threads, 1e-2f, 1e-5);
      }
  for (int threads = 1; threads <= 2; threads++)
    {
      int l;
      NnModel *m = input_model ((NnShape){ 3, 2, 32 }, &l);
      nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
      grad_check ("batch_normalization, 32 channels", m, 4, NN_MODE_TRAINING, threads, 1e-2f, 1e-5);
    }
  int l;
  NnModel *m = input_model ((NnShape){ 3, 3, 4 }, &l);
  nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.99f, 1e-3f, FALSE, FALSE });
  grad_check ("batch_normalization without gamma, beta", m, 3, NN_MODE_TRAINING, 1, 1e-2f, 1e-5);

  for (NnActivation a = 0; a < NN_ACT_N_KINDS; a++)
    {
      m = input_model ((NnShape){ 2, 3, 5 }, &l);
      l = nn_model_add_activation (m, "act", l, a);
      nn_model_add_rescaling (m, "after", l, 1.5f, 0.0f); /* softmax mid-graph, not the output */
      g_autofree char *what = g_strdup_printf ("activation %s", nn_activation_to_keras (a));
      gboolean kink = a == NN_ACT_RELU || a == NN_ACT_RELU6;
      grad_check (what, m, 2, NN_MODE_INFERENCE, 1, kink ? 1e-3f : 1e-2f, 1e-5);
    }
  struct { const char *what; NnLayerKind kind; NnPoolConfig cfg; } pools[] = {
    { "max_pool 2 valid", NN_LAYER_MAX_POOL, { 2, 2, 2, 2, NN_PAD_VALID } },
    { "max_pool 3 stride 2 same", NN_LAYER_MAX_POOL, { 3, 3, 2, 2, NN_PAD_SAME } },
    { "avg_pool 2 valid", NN_LAYER_AVG_POOL, { 2, 2, 2, 2, NN_PAD_VALID } },
    { "avg_pool 3 stride 2 same", NN_LAYER_AVG_POOL, { 3, 3, 2, 2, NN_PAD_SAME } },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      m = input_model ((NnShape){ 5, 6, 2 }, &l);
      if (pools[i].kind == NN_LAYER_MAX_POOL)
        nn_model_add_max_pool (m, "pool", l, &pools[i].cfg);
      else
        nn_model_add_avg_pool (m, "pool", l, &pools[i].cfg);
      grad_check (pools[i].what, m, 2, NN_MODE_INFERENCE, 1, 1e-3f, 1e-5);
    }
  m = input_model ((NnShape){ 4, 5, 16 }, &l);
  nn_model_add_max_pool (m, "pool", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
  grad_check ("max_pool 2 valid, 16 channels, odd width", m, 2, NN_MODE_INFERENCE, 1, 1e-3f, 1e-5);
  m = input_model ((NnShape){ 2, 3, 8 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 32, TRUE, NN_ACT_TANH });
  grad_check ("dense 8 -> 32 on a grid (a few rows)", m, 1, NN_MODE_INFERENCE, 1, 1e-2f, 1e-5);
  /* Widths that are multiples of the vector: the kernels' matrix products for the
   * output, dW (K = 16 outputs, a sum over 2 x 15 rows) and dx (dz W^T). */
  m = input_model ((NnShape){ 3, 5, 16 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 32, TRUE, NN_ACT_TANH });
  grad_check ("dense 16 -> 32 on 30 rows (the tile's products)", m, 2, NN_MODE_INFERENCE, 1,
              1e-2f, 1e-5);
  m = input_model ((NnShape){ 3, 4, 3 }, &l);
  nn_model_add_global_avg_pool (m, "gap", l);
  grad_check ("global_average_pooling2d", m, 2, NN_MODE_INFERENCE, 1, 1e-2f, 1e-6);

  for (int mode = 0; mode < 2; mode++)
    {
      m = input_model ((NnShape){ 4, 3, 2 }, &l);
      l = nn_model_add_rescaling (m, "rescaling", l, 0.5f, 0.25f);
      l = nn_model_add_reshape (m, "reshape", l, (NnShape){ 2, 6, 2 });
      l = nn_model_add_flatten (m, "flatten", l);
      l = nn_model_add_dropout (m, "dropout", l, 0.4f);
      l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 5, TRUE, NN_ACT_TANH });
      nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
      grad_check ("rescaling reshape flatten dropout dense dense(softmax)", m, 3, mode, 1, 1e-2f,
                  1e-5);
    }
  m = input_model ((NnShape){ 2, 3, 4 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 3, FALSE, NN_ACT_SIGMOID });
  grad_check ("dense on a grid", m, 2, NN_MODE_INFERENCE, 1, 1e-2f, 1e-6);
}

/* ---- graphs ----------------------------------------------------------------- */

/* One block of the advanced recipe, then Dense(3, softmax); no Dropout for rate 0. */
static NnModel *
small_advanced (NnShape in, int filters, float dropout)
{
  const NnBatchNormConfig bn = { 0.99f, 1e-3f, TRUE, TRUE };
  int l;
  NnModel *m = input_model (in, &l);
  l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ filters, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
  l = nn_model_add_batch_norm (m, "batch_normalization", l, &bn);
  l = nn_model_add_activation (m, "activation", l, NN_ACT_RELU);
  l = nn_model_add_depthwise_conv2d (m, "depthwise_conv2d", l, &(NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
  l = nn_model_add_conv2d (m, "conv2d_1", l, &(NnConvConfig){ filters, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
  l = nn_model_add_batch_norm (m, "batch_normalization_1", l, &bn);
  l = nn_model_add_activation (m, "activation_1", l, NN_ACT_RELU);
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
  if (dropout > 0)
    l = nn_model_add_dropout (m, "dropout", l, dropout);
  l = nn_model_add_flatten (m, "flatten", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
  return m;
}

static void
test_graphs (void)
{
  /* Fan-out: a feeds add, concatenate and (twice) add_1; b feeds add and concatenate. */
  int l;
  NnModel *m = input_model ((NnShape){ 5, 5, 2 }, &l);
  NnConvConfig c3 = { 3, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_TANH };
  int a = nn_model_add_conv2d (m, "a", l, &c3);
  int b = nn_model_add_conv2d (m, "b", l, &c3);
  int s = nn_model_add_add (m, "add", (int[]){ a, b }, 2);
  int s2 = nn_model_add_add (m, "add_1", (int[]){ s, a, a }, 3);
  int cat = nn_model_add_concatenate (m, "concatenate", (int[]){ s2, b, a }, 3);
  int g = nn_model_add_global_avg_pool (m, "gap", cat);
  nn_model_add_dense (m, "dense", g, &(NnDenseConfig){ 4, TRUE, NN_ACT_SOFTMAX });
  grad_check ("fan-out graph: add, concatenate, repeated inputs", m, 2, NN_MODE_INFERENCE, 1,
              1e-2f, 1e-5);

  /* The cnn recipe, shrunk: relu kinks, pooling, dropout in training. */
  for (int mode = 0; mode < 2; mode++)
    for (int threads = 1; threads <= 2; threads++)
      {
        m = input_model ((NnShape){ 8, 8, 1 }, &l);
        l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ 4, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
        l = nn_model_add_conv2d (m, "conv2d_1", l, &(NnConvConfig){ 4, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_RELU });
        l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
        l = nn_model_add_dropout (m, "dropout", l, 0.25f);
        l = nn_model_add_flatten (m, "flatten", l);
        l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 6, TRUE, NN_ACT_RELU });
        l = nn_model_add_dropout (m, "dropout_1", l, 0.5f);
        nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
        grad_check ("small cnn", m, 4, mode, threads, 1e-3f, 1e-4);
      }
  /* A relu Conv2D before the pool, on 16 channels: in training the pool's vector
   * kernel does the relu's backward (nn-plan.h, relu_in_pool). */
  for (int mode = 0; mode < 2; mode++)
    {
      m = input_model ((NnShape){ 6, 7, 2 }, &l);
      l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ 16, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
      l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
      l = nn_model_add_flatten (m, "flatten", l);
      nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
      grad_check ("relu conv2d, 16 channels, max_pool 2", m, 3, mode, 1, 1e-3f, 1e-4);
    }
  /* The advanced recipe, shrunk: BN in training mode reduces over both threads.
   * With 16 channels: the vector kernels, BN with its relu fused in training, and
   * Winograd for the 3x3 convolution's dx and dW. */
  const struct { const char *name; NnShape in; int filters; float dropout; int batch; } advanced[] = {
    { "small advanced", { 6, 6, 1 }, 4, 0.2f, 5 },
    { "small advanced, 16 channels", { 5, 5, 16 }, 16, 0.0f, 3 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (advanced); k++)
    for (int mode = 0; mode < 2; mode++)
      for (int threads = 1; threads <= 2; threads++)
        {
          m = small_advanced (advanced[k].in, advanced[k].filters, advanced[k].dropout);
          grad_check (advanced[k].name, m, advanced[k].batch, mode, threads, 1e-3f, 1e-4);
        }
  /* Training a few images at a time, here one (these maps are small enough for
   * the whole slice to be one chunk): each BatchNormalization gathers over the
   * slice, then the layers down to the next go image by image. */
  one_image_chunks = TRUE;
  for (guint k = 0; k < G_N_ELEMENTS (advanced); k++)
    for (int threads = 1; threads <= 2; threads++)
      {
        g_autofree char *what = g_strdup_printf ("%s, one image at a time", advanced[k].name);
        m = small_advanced (advanced[k].in, advanced[k].filters, advanced[k].dropout);
        grad_check (what, m, advanced[k].batch, NN_MODE_TRAINING, threads, 1e-3f, 1e-4);
      }
  one_image_chunks = FALSE;
}

/* Frozen layers get zero gradients, and the layers before them still learn;
 * a frozen BN runs on its moving statistics. Without dx the weights' gradients
 * are the same. */
static void
test_frozen (void)
{
  for (int threads = 1; threads <= 2; threads++)
    {
      int l;
      const NnBatchNormConfig bn = { 0.99f, 1e-3f, TRUE, TRUE };
      NnModel *m = input_model ((NnShape){ 6, 6, 1 }, &l);
      l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ 3, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_TANH });
      l = nn_model_add_batch_norm (m, "batch_normalization", l, &bn);
      l = nn_model_add_conv2d (m, "conv2d_1", l, &(NnConvConfig){ 3, 1, 3, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_TANH });
      l = nn_model_add_flatten (m, "flatten", l);
      nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
      g_autoptr (GError) error = NULL;
      g_assert_true (nn_model_finish (m, &error));
      m->layers[2].trainable = FALSE; /* the BN */
      m->layers[3].trainable = FALSE; /* conv2d_1 */
      g_autoptr (NnModel) keep = nn_model_copy (m);
      grad_check ("frozen BN and conv between learning layers", m, 4, NN_MODE_TRAINING, threads,
                  1e-2f, 1e-5);

      /* dx = NULL gives the same weight gradients, and zeros for the frozen ones. */
      m = keep;
      test_randomize_params (m, 17);
      nn_model_set_threads (m, threads);
      NnWorkspace *ws = nn_workspace_new (m, 4, NN_MODE_TRAINING);
      float x[4 * 36], w[12], dx[4 * 36];
      test_fill (x, 4 * 36, 1, 1.0f);
      test_fill (w, 12, 2, 1.0f);
      g_autofree float *saved = g_memdup2 (m->params, MAX (m->n_params, 1) * sizeof (float));
      nn_workspace_set_seed (ws, 1);
      nn_model_forward (m, ws, x, 4);
      nn_model_backward (m, ws, w, 4, dx);
      g_autofree float *g1 = g_memdup2 (m->grads, MAX (m->n_params, 1) * sizeof (float));
      memcpy (m->params, saved, MAX (m->n_params, 1) * sizeof (float));
      nn_model_params_changed (m);
      nn_workspace_set_seed (ws, 1);
      nn_model_forward (m, ws, x, 4);
      nn_model_backward (m, ws, w, 4, NULL);
      double diff = 0, frozen = 0;
      for (size_t k = 0; k < m->n_params; k++)
        diff = fmax (diff, fabs (g1[k] - m->grads[k]));
      for (int li = 2; li <= 3; li++)
        for (int v = 0; v < m->layers[li].n_vars; v++)
          for (size_t k = 0; k < m->layers[li].vars[v].size; k++)
            frozen = fmax (frozen, fabs (m->grads[m->layers[li].vars[v].offset + k]));
      tap_ok (diff == 0 && frozen == 0, "%d thread(s): dx NULL changes no weight gradient (%.2g), "
              "frozen layers' gradients are 0 (%.2g)", threads, diff, frozen);
      nn_workspace_free (ws);
      keep = NULL;
      nn_model_free (m);
    }
}

/* ---- mixed precision -------------------------------------------------------------- */

/* One training pass's weight gradients, dx and logits at the level in use. */
static void
training_pass (NnModel *m, const float *x, const float *w, int n, float *grads, float *dx,
               float *y)
{
  NnWorkspace *ws = nn_workspace_new (m, n, NN_MODE_TRAINING);
  g_autofree float *saved = g_memdup2 (m->params, m->n_params * sizeof (float));
  nn_workspace_set_seed (ws, 1234);
  memcpy (y, nn_model_forward (m, ws, x, n), (size_t) n * m->n_classes * sizeof (float));
  nn_model_backward (m, ws, w, n, dx);
  memcpy (grads, m->grads, m->n_params * sizeof (float));
  memcpy (m->params, saved, m->n_params * sizeof (float)); /* BN's moving statistics */
  nn_model_params_changed (m);
  nn_workspace_free (ws);
}

static double
nmse (const float *a, const float *ref, size_t n)
{
  double num = 0, den = 0;
  for (size_t k = 0; k < n; k++)
    {
      num += ((double) a[k] - ref[k]) * ((double) a[k] - ref[k]);
      den += (double) ref[k] * ref[k];
    }
  return den > 0 ? num / den : num;
}

/* At NN_KERNELS_BF16 and NN_KERNELS_AMX a training pass multiplies in bf16,
 * which finite differences cannot follow (a weight moved by a small step often
 * rounds to the same bf16). Its gradients are checked against the AVX-512
 * level's fp32 ones, checked against finite differences above: they must
 * differ (the bf16 products ran) by no more than bf16's rounding. */
static void
compare_mixed_precision (NnKernelLevel level, const char *what, NnModel *m, int n, int threads,
                         double max_nmse)
{
  g_autoptr (GError) error = NULL;
  if (!nn_model_finish (m, &error))
    {
      tap_ok (FALSE, "%s: %s", what, error->message);
      nn_model_free (m);
      return;
    }
  test_randomize_params (m, 17);
  nn_model_set_threads (m, threads);
  size_t in = nn_shape_size (m->layers[0].out_shape), out = (size_t) n * m->n_classes;
  g_autofree float *x = g_new (float, n * in), *w = g_new (float, out);
  test_fill (x, n * in, 23, 1.0f);
  test_fill (w, out, 29, 1.0f);
  float *g[2], *dx[2], *y[2];
  for (int k = 0; k < 2; k++)
    {
      g[k] = g_new (float, m->n_params);
      dx[k] = g_new (float, n * in);
      y[k] = g_new (float, out);
      nn_kernels_set_level (k == 0 ? NN_KERNELS_AVX512 : level);
      training_pass (m, x, w, n, g[k], dx[k], y[k]);
    }
  double eg = nmse (g[1], g[0], m->n_params), ex = nmse (dx[1], dx[0], n * in);
  double ey = nmse (y[1], y[0], out);
  tap_ok (eg > 0 && eg < max_nmse && ex < max_nmse && ey < max_nmse,
          "[%s] %s (%d thread%s): against fp32, nmse of weight gradients %.2e, dx %.2e, "
          "outputs %.2e", nn_kernels_level_name (level), what, threads, threads > 1 ? "s" : "",
          eg, ex, ey);
  for (int k = 0; k < 2; k++)
    {
      g_free (g[k]);
      g_free (dx[k]);
      g_free (y[k]);
    }
  nn_model_free (m);
}

/* level: NN_KERNELS_AMX (every stride-1 convolution on tiles) or
 * NN_KERNELS_BF16 (the 1 x 1 ones on vectors). */
static void
test_mixed_precision (NnKernelLevel level)
{
  const NnBatchNormConfig bn = { 0.99f, 1e-3f, TRUE, TRUE };
  /* One convolution: bf16 rounds each product by about 2^-9, an nmse near 5e-6.
   * Grids of 8 and 6 columns leave partial tiles. */
  const struct { const char *name; NnConvConfig cfg; } single[] = {
    { "conv2d 3x3 same 32 -> 32", { 32, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_LINEAR } },
    { "conv2d 3x3 valid 32 -> 64", { 64, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR } },
    { "conv2d 1x1 32 -> 96", { 96, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR } },
    { "conv2d 3x3 same 32 -> 48", { 48, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_LINEAR } },
    { "conv2d 1x1 32 -> 48", { 48, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR } },
  };
  for (int threads = 1; threads <= 2; threads++)
    for (guint k = 0; k < G_N_ELEMENTS (single); k++)
      {
        const NnConvConfig *cfg = &single[k].cfg;
        if (level == NN_KERNELS_BF16 && cfg->kh != 1)
          continue;
        int l;
        NnModel *m = input_model ((NnShape){ 7, 6, 32 }, &l);
        l = nn_model_add_conv2d (m, "conv2d", l, cfg);
        if (cfg->filters == 48) /* and 48 -> 16: odd multiples of 16 both ways */
          l = nn_model_add_conv2d (m, "conv2d_1", l, &(NnConvConfig){ 16, 1, cfg->kh, cfg->kw, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR });
        l = nn_model_add_flatten (m, "flatten", l);
        nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 5, TRUE, NN_ACT_LINEAR });
        compare_mixed_precision (level, single[k].name, m, 3, threads, 2e-5);
      }
  /* advanced's first block: relus and the fp32 layers between carry the
   * rounding on, and a relu near 0 may flip; a wrong product would give an
   * nmse near 1. */
  for (int threads = 1; threads <= 2; threads++)
    {
      int l;
      NnModel *m = input_model ((NnShape){ 10, 9, 1 }, &l);
      l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig){ 32, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
      l = nn_model_add_batch_norm (m, "batch_normalization", l, &bn);
      l = nn_model_add_activation (m, "activation", l, NN_ACT_RELU);
      l = nn_model_add_conv2d (m, "conv2d_1", l, &(NnConvConfig){ 32, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
      l = nn_model_add_conv2d (m, "conv2d_2", l, &(NnConvConfig){ 64, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
      l = nn_model_add_batch_norm (m, "batch_normalization_1", l, &bn);
      l = nn_model_add_activation (m, "activation_1", l, NN_ACT_RELU);
      l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
      l = nn_model_add_flatten (m, "flatten", l);
      nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 3, TRUE, NN_ACT_SOFTMAX });
      compare_mixed_precision (level, "conv2d, BN, relu conv2d 3x3, conv2d 1x1, BN, max_pool",
                               m, 5, threads, 1e-2);
    }
}

int
main (void)
{
  /* Every kernel level the CPU has: the vector kernels and the plain C paths.
   * The bf16 and amx levels differ from avx512 only in training's convolutions,
   * whose bf16 products finite differences cannot follow: test_mixed_precision
   * checks them against avx512's. */
  NnKernelLevel best = nn_kernels_level ();
  for (int lvl = NN_KERNELS_GENERIC; lvl <= (int) MIN (best, NN_KERNELS_AVX512); lvl++)
    {
      nn_kernels_set_level (lvl);
      printf ("# kernels: %s\n", nn_kernels_level_name (lvl));
      test_convolutions ();
      test_layers ();
      test_graphs ();
      test_frozen ();
    }
  NnKernelLevel cpu = nn_kernels_cpu_level ();
  for (int lvl = NN_KERNELS_BF16; lvl <= NN_KERNELS_AMX; lvl++)
    if ((int) cpu >= lvl)
      test_mixed_precision (lvl);
    else
      printf ("# mixed precision at %s: skipped, this CPU's best level is %s\n",
              nn_kernels_level_name (lvl), nn_kernels_level_name (cpu));
  nn_kernels_set_level (best);
  return tap_done ();
}
