/* test-explain.c: each explanation method against a direct computation on tiny
 * models (Grad-CAM and Grad-CAM++ from the weights, integrated gradients'
 * completeness, occlusion by a brute-force loop), the faithfulness figures on
 * hand-made maps, and integrated gradients' completeness on the shipped model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn-explain-canvas.h"
#include "nn-explain-score.h"
#include "nn-error.h"
#include "nn-keras.h"
#include "../test-models.h"

static float
uniform (guint64 *s) /* [-1, 1) */
{
  guint64 z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (float) ((z >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

/* A seven in MNIST's style: a bar and a slanted stroke, 3 px thick with soft edges. */
static void
stroke (float x[784])
{
  for (int y = 0; y < 28; y++)
    for (int xx = 0; xx < 28; xx++)
      {
        double bar = xx >= 7 && xx <= 21 ? fabs (y - 7.0) : 99;
        double t = CLAMP ((y - 7.0) / 16.0, 0.0, 1.0);
        double slant = hypot (xx - (21 - 9 * t), y - (7 + 16 * t));
        double d = MIN (bar, slant);
        x[y * 28 + xx] = d < 1.2 ? 1.0f : d < 2.2 ? 0.5f : 0.0f;
      }
}

/* Input -> Conv2D 1x1 (K channels, relu) -> Flatten -> Dense 10: the class logit
 * is linear in the conv's output, so d logit / d A is the Dense kernel itself. */
#define K 3
static NnModel *
pointwise_model (void)
{
  NnModel *m = nn_model_new ("pointwise", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_conv2d (m, "conv2d", l,
                           &(NnConvConfig){ K, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_RELU });
  l = nn_model_add_flatten (m, "flatten", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  nn_model_init_weights (m, 7);
  float *k = m->params + m->layers[1].vars[0].offset, *b = m->params + m->layers[1].vars[1].offset;
  const float kk[K] = { 1.0f, -0.5f, 2.0f }, bb[K] = { 0.1f, 0.6f, -0.3f };
  memcpy (k, kk, sizeof kk);
  memcpy (b, bb, sizeof bb);
  float *w = m->params + m->layers[3].vars[0].offset; // (784 K, 10)
  guint64 s = 11;
  for (int i = 0; i < 784 * K * 10; i++)
    w[i] = 0.05f * uniform (&s);
  return m;
}

/* The pointwise model's A (784, K) and d logit_c / d A (784, K), from the weights. */
static void
pointwise_direct (NnModel *m, const float *x, int c, double *A, double *G)
{
  const float *k = m->params + m->layers[1].vars[0].offset;
  const float *b = m->params + m->layers[1].vars[1].offset;
  const float *w = m->params + m->layers[3].vars[0].offset;
  for (int p = 0; p < 784; p++)
    for (int j = 0; j < K; j++)
      {
        double z = x[p] * k[j] + b[j];
        A[p * K + j] = z > 0 ? z : 0;
        G[p * K + j] = w[(p * K + j) * 10 + c];
      }
}

static void
normalise (double *cam, int n)
{
  double mx = 0;
  for (int i = 0; i < n; i++)
    mx = MAX (mx, cam[i]);
  for (int i = 0; i < n; i++)
    cam[i] = mx > 0 ? cam[i] / mx : 0;
}

static double
max_diff (const float *a, const double *b, int n)
{
  double d = 0;
  for (int i = 0; i < n; i++)
    d = MAX (d, fabs (a[i] - b[i]));
  return d;
}

static void
test_gradcam_direct (void)
{
  g_autoptr (NnModel) m = pointwise_model ();
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  double A[784 * K], G[784 * K], cam[784];
  float x[784];
  NnExplanation ex;

  stroke (x);
  for (int c = 0; c < 10; c += 3)
    {
      g_assert_true (nn_explainer_explain (e, NN_EXPLAIN_GRADCAM, 1, x, c, &ex, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ex.class_index, ==, c);
      pointwise_direct (m, x, c, A, G);
      double alpha[K] = { 0 };
      for (int p = 0; p < 784; p++)
        for (int j = 0; j < K; j++)
          alpha[j] += G[p * K + j] / 784;
      for (int p = 0; p < 784; p++)
        {
          double v = 0;
          for (int j = 0; j < K; j++)
            v += alpha[j] * A[p * K + j];
          cam[p] = MAX (v, 0);
        }
      normalise (cam, 784);
      g_assert_cmpfloat (max_diff (ex.map, cam, 784), <, 1e-4);
    }
}

/* Grad-CAM++ by the paper's closed form, written out per channel and position. */
static void
test_gradcam_pp_direct (void)
{
  g_autoptr (NnModel) m = pointwise_model ();
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  double A[784 * K], G[784 * K], cam[784];
  float x[784];
  NnExplanation ex;
  int nonzero = 0;

  stroke (x);
  for (int c = 0; c < 10; c++)
    {
      g_assert_true (nn_explainer_explain (e, NN_EXPLAIN_GRADCAM_PP, 1, x, c, &ex, &error));
      pointwise_direct (m, x, c, A, G);
      for (int j = 0; j < K; j++)
        {
          double sumA = 0, w = 0;
          for (int p = 0; p < 784; p++)
            sumA += A[p * K + j];
          for (int p = 0; p < 784; p++)
            {
              double g = G[p * K + j];
              double a = g != 0 ? g * g / (2 * g * g + sumA * g * g * g) : 0;
              w += a * MAX (g, 0);
            }
          for (int p = 0; p < 784; p++)
            cam[p] = (j == 0 ? 0 : cam[p]) + w * A[p * K + j];
        }
      for (int p = 0; p < 784; p++)
        cam[p] = MAX (cam[p], 0);
      normalise (cam, 784);
      for (int p = 0; p < 784; p++)
        nonzero += cam[p] > 0;
      g_assert_cmpfloat (max_diff (ex.map, cam, 784), <, 1e-4);
    }
  g_assert_cmpint (nonzero, >, 0); /* not a comparison of two blank maps */
}

/* Conv 3x3 (4, no bias) -> BatchNormalization with moving statistics -> relu ->
 * MaxPool 2 -> Conv 3x3 (3, relu) -> Flatten -> Dense 10 softmax. */
static NnModel *
small_cnn (void)
{
  NnModel *m = nn_model_new ("small", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_conv2d (m, "conv2d", l,
                           &(NnConvConfig){ 4, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
  l = nn_model_add_batch_norm (m, "batch_normalization", l,
                               &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  l = nn_model_add_activation (m, "activation", l, NN_ACT_RELU);
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
  l = nn_model_add_conv2d (m, "conv2d_1", l,
                           &(NnConvConfig){ 3, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_RELU });
  l = nn_model_add_flatten (m, "flatten", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  nn_model_init_weights (m, 3);
  const NnLayer *bn = &m->layers[2];
  guint64 s = 5;
  for (int v = 0; v < bn->n_vars; v++)
    for (size_t i = 0; i < bn->vars[v].size; i++)
      {
        float *p = nn_model_var_data (m, &bn->vars[v]) + i;
        if (strcmp (bn->vars[v].role, "moving_variance") == 0)
          *p = 0.5f + 0.4f * uniform (&s);
        else
          *p += 0.3f * uniform (&s);
      }
  /* Glorot's small kernels give logits near 0; a sharper model is more like a
   * trained one, with class evidence well above the trapezoid rule's error. */
  const NnVar *kernel = &m->layers[7].vars[0];
  for (size_t i = 0; i < kernel->size; i++)
    nn_model_var_data (m, kernel)[i] *= 20.0f;
  return m;
}

static float
logit (NnModel *m, const float *x, int c)
{
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  float v = nn_model_forward (m, ws, x, 1)[c];
  nn_workspace_free (ws);
  return v;
}

/* Integrated gradients of the predicted class add up to its logit difference to
 * black within 2% (the 32-step trapezoid rule's error on a piecewise-linear
 * network); no attribution falls where the image is black. */
static void
check_completeness (NnModel *m, const float *x)
{
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  float black[784] = { 0 };
  NnExplanation ex;

  g_assert_true (nn_explainer_explain (e, NN_EXPLAIN_IG, -1, x, -1, &ex, &error));
  g_assert_cmpint (ex.layer, ==, 0);
  double sum = 0;
  for (int i = 0; i < 784; i++)
    sum += ex.map[i];
  int c = ex.class_index;
  double want = logit (m, x, c) - logit (m, black, c);
  g_test_message ("class %d: attributions %.5f, logit difference %.5f", c, sum, want);
  g_assert_cmpfloat (fabs (ex.score - logit (m, x, c)), <, 1e-5);
  g_assert_cmpfloat (fabs (want), >, 0.1);
  g_assert_cmpfloat (fabs (sum - want), <=, 0.02 * fabs (want));
  for (int i = 0; i < 784; i++)
    if (x[i] == 0.0f)
      g_assert_cmpfloat (ex.map[i], ==, 0.0f);
}

static void
test_ig_completeness (void)
{
  g_autoptr (NnModel) m = small_cnn ();
  float x[784];
  stroke (x);
  check_completeness (m, x);
}

static void
test_ig_completeness_shipped (void)
{
  g_autofree char *path = test_shipped_model ("mnist_advanced.keras");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (path, &error);
  float x[784];
  g_assert_no_error (error);
  stroke (x);
  check_completeness (m, x);
}

/* Occlusion, the slow way: for every pixel, every patch position that covers it,
 * one forward pass each, no pass skipped. */
static void
test_occlusion_brute_force (void)
{
  g_autoptr (NnModel) m = small_cnn ();
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  const int P = NN_EXPLAIN_OCCLUSION_PATCH, S = NN_EXPLAIN_OCCLUSION_STRIDE;
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  float x[784], xo[784];
  double slow[784] = { 0 };
  int starts[32], ns = 0;
  NnExplanation ex;

  stroke (x);
  for (int s = 0; s + P <= 28; s += S)
    starts[ns++] = s;
  if (starts[ns - 1] + P < 28)
    starts[ns++] = 28 - P;
  g_assert_true (nn_explainer_explain (e, NN_EXPLAIN_OCCLUSION, -1, x, 4, &ex, &error));
  double base = nn_model_forward (m, ws, x, 1)[4];
  g_autofree double *drop = g_new (double, ns * ns); /* per patch, computed once */
  for (int a = 0; a < ns; a++)
    for (int b = 0; b < ns; b++)
      {
        memcpy (xo, x, sizeof xo);
        for (int y = starts[a]; y < starts[a] + P; y++)
          for (int xx = starts[b]; xx < starts[b] + P; xx++)
            xo[y * 28 + xx] = 0;
        drop[a * ns + b] = base - nn_model_forward (m, ws, xo, 1)[4];
      }
  for (int y = 0; y < 28; y++)
    for (int xx = 0; xx < 28; xx++)
      {
        int n = 0;
        for (int a = 0; a < ns; a++)
          for (int b = 0; b < ns; b++)
            if (y >= starts[a] && y < starts[a] + P && xx >= starts[b] && xx < starts[b] + P)
              {
                slow[y * 28 + xx] += drop[a * ns + b];
                n++;
              }
        g_assert_cmpint (n, >, 0);
        slow[y * 28 + xx] /= n;
      }
  nn_workspace_free (ws);
  double scale = 0;
  for (int i = 0; i < 784; i++)
    scale = MAX (scale, fabs (slow[i]));
  g_assert_cmpfloat (scale, >, 1e-3);
  g_assert_cmpfloat (max_diff (ex.map, slow, 784), <, 1e-4 * MAX (scale, 1));
}

static void
test_layers (void)
{
  g_autoptr (NnModel) m = small_cnn ();
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  float x[784];
  NnExplanation ex;

  stroke (x);
  /* Default: the first grid at most 14 x 14, the pooling's (conv2d_1 is 12 x 12). */
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_GRADCAM), ==, 4);
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_GRADCAM_PP), ==, 4);
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_IG), ==, 0);
  for (int l = 1; l <= 5; l++)
    {
      g_assert_true (nn_explainer_explain (e, NN_EXPLAIN_GRADCAM_PP, l, x, -1, &ex, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ex.layer, ==, l);
    }
  g_assert_false (nn_explainer_explain (e, NN_EXPLAIN_GRADCAM, 6, x, -1, &ex, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "flatten"));

  NnExplainMethod method;
  for (int k = 0; k < NN_EXPLAIN_N_METHODS; k++)
    {
      g_assert_true (nn_explain_method_from_name (nn_explain_method_name (k), &method));
      g_assert_cmpint (method, ==, k);
    }
  g_assert_false (nn_explain_method_from_name ("saliency", &method));
}

/* A layer measured as the most faithful and named in the model's metadata is the
 * default for its method only; a name that is no spatial layer is ignored. */
static void
test_measured_layer (void)
{
  g_autoptr (NnModel) m = small_cnn ();

  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->metadata, g_strdup (nn_explain_layer_key (NN_EXPLAIN_GRADCAM_PP)),
                       g_strdup ("conv2d_1"));
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_GRADCAM_PP), ==, 5);
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_GRADCAM), ==, 4);
  g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_IG), ==, 0);
  g_assert_null (nn_explain_layer_key (NN_EXPLAIN_OCCLUSION));

  const char *not_maps[] = { "flatten", "dense", "input_layer", "no_such_layer", "" };
  for (guint i = 0; i < G_N_ELEMENTS (not_maps); i++)
    {
      g_hash_table_insert (m->metadata, g_strdup (nn_explain_layer_key (NN_EXPLAIN_GRADCAM)),
                           g_strdup (not_maps[i]));
      g_assert_cmpint (nn_explain_default_layer (m, NN_EXPLAIN_GRADCAM), ==, 4);
    }
}

/* The map as drawn: a spike of integrated gradients does not leave the rest dark
 * (the positive values scale by their 95th percentile); a Grad-CAM by its maximum. */
static void
test_display_map (void)
{
  NnExplanation ex = { .method = NN_EXPLAIN_IG };
  float shown[784];

  for (int i = 0; i < 100; i++)
    ex.map[i] = (float) (i + 1);   /* 1 .. 100 */
  ex.map[100] = 1e4f;              /* one hot corner */
  ex.map[101] = -50.0f;            /* evidence against the class */
  nn_explain_display_map (&ex, shown);
  double scale = 96.0;             /* the 95th percentile of 1 .. 100 and 1e4 */
  g_assert_cmpfloat_with_epsilon (shown[49], 50 / scale, 1e-6);
  g_assert_cmpfloat (shown[100], ==, 1.0f);
  g_assert_cmpfloat (shown[99], ==, 1.0f);
  g_assert_cmpfloat (shown[101], ==, 0.0f);
  g_assert_cmpfloat (shown[500], ==, 0.0f);

  ex.method = NN_EXPLAIN_GRADCAM_PP;
  nn_explain_display_map (&ex, shown);
  g_assert_cmpfloat_with_epsilon (shown[49], 50 / 1e4, 1e-7);
  g_assert_cmpfloat (shown[100], ==, 1.0f);

  memset (ex.map, 0, sizeof ex.map);  /* a few positive pixels: their maximum */
  ex.method = NN_EXPLAIN_OCCLUSION;
  ex.map[3] = 2.0f;
  ex.map[4] = 1.0f;
  nn_explain_display_map (&ex, shown);
  g_assert_cmpfloat (shown[3], ==, 1.0f);
  g_assert_cmpfloat (shown[4], ==, 0.5f);
}

/* On-ink share and deletion on maps whose answer is known. */
static void
test_scores (void)
{
  float x[784], map[784];
  stroke (x);
  for (int i = 0; i < 784; i++)
    map[i] = x[i];
  g_assert_cmpfloat (nn_explain_on_ink_share (x, map), ==, 1.0);
  memset (map, 0, sizeof map);
  map[0] = 1.0f;                     /* the corner, far from the stroke */
  map[6 * 28 + 21] = 3.0f;           /* 1 px right of the bar's end: near ink */
  map[20 * 28 + 20] = -5.0f;         /* negative mass does not count */
  g_assert_cmpfloat (fabs (nn_explain_on_ink_share (x, map) - 0.75), <, 1e-9);
  memset (map, 0, sizeof map);
  g_assert_cmpfloat (nn_explain_on_ink_share (x, map), ==, 0.0);

  /* Occlusion on the small model: its map must beat random deletion, and the
   * figures must be probabilities. */
  g_autoptr (NnModel) m = small_cnn ();
  g_autoptr (NnExplainer) e = nn_explainer_new (m, NULL);
  g_autoptr (GError) error = NULL;
  NnExplainImageScore s;
  g_assert_true (nn_explain_score_image (e, NN_EXPLAIN_OCCLUSION, -1, x, 1, &s, &error));
  g_assert_true (s.has_mass);
  g_assert_cmpfloat (s.p0, >, 0);
  g_assert_cmpfloat (s.p0, <=, 1);
  g_assert_cmpfloat (s.auc_map, <=, 1);
  g_assert_cmpfloat (s.auc_random, <=, 1);
  g_assert_true (s.map_hurts_more == (s.p10_map < s.p10_random));
}

/* A seven, dark on light paper, in the lower right of a 300 x 200 canvas. */
#define CW 300
#define CH 200
static void
paper_seven (guint8 *grey)
{
  memset (grey, 235, CW * CH);
  for (int y = 0; y < CH; y++)
    for (int x = 0; x < CW; x++)
      {
        double bar = x >= 190 && x <= 270 && y >= 90 && y <= 100 ? 0 : 99;
        double t = CLAMP ((y - 95.0) / 90.0, 0.0, 1.0);
        double slant = fabs (x - (270 - 45 * t)) + (y < 95 || y > 185 ? 99 : 0);
        if (MIN (bar, slant) < 5)
          grey[y * CW + x] = 30;
      }
}

/* A map hot at one field pixel comes back hottest at the canvas point that went
 * there; the map of the input comes back on the strokes, and the far corner,
 * which the model never saw, is 0. */
static void
test_map_to_picture (void)
{
  g_autofree guint8 *grey = g_new (guint8, CW * CH);
  g_autofree float *back = g_new (float, CW * CH);
  g_autoptr (GError) error = NULL;
  NnPreprocessInfo info;
  float x[784], map[784] = { 0 };

  paper_seven (grey);
  g_assert_true (nn_preprocess_digit_info (grey, CW, CH, CW, NN_BACKGROUND_AUTO, x, &info, &error));
  g_assert_no_error (error);

  const int px = 230, py = 140; /* a canvas point inside the digit's box */
  double u = info.off_x + (px + 0.5 - info.x0) * info.scale;
  double v = info.off_y + (py + 0.5 - info.y0) * info.scale;
  map[(int) v * 28 + (int) u] = 1.0f;
  nn_explain_map_to_picture (map, &info, CW, CH, back);
  int best = 0;
  for (int i = 1; i < CW * CH; i++)
    if (back[i] > back[best])
      best = i;
  g_test_message ("scale %.3f, hottest at (%d, %d) for (%d, %d)", info.scale, best % CW,
                  best / CW, px, py);
  g_assert_cmpfloat (abs (best % CW - px), <=, 1.0 / info.scale);
  g_assert_cmpfloat (abs (best / CW - py), <=, 1.0 / info.scale);

  /* The input itself as the map: its hottest 1% of canvas pixels are ink. */
  nn_explain_map_to_picture (x, &info, CW, CH, back);
  g_autofree float *sorted = g_memdup2 (back, sizeof (float) * CW * CH);
  int n = CW * CH, top = n / 100, on_ink = 0, hot = 0;
  float cut;
  for (int i = 0; i < top; i++) /* partial selection of the top values */
    for (int j = i + 1; j < n; j++)
      if (sorted[j] > sorted[i])
        {
          float t = sorted[i];
          sorted[i] = sorted[j];
          sorted[j] = t;
        }
  cut = sorted[top - 1];
  for (int i = 0; i < n; i++)
    if (back[i] >= cut && back[i] > 0)
      {
        hot++;
        on_ink += grey[i] < 128;
      }
  g_test_message ("%d of the %d hottest canvas pixels on ink", on_ink, hot);
  g_assert_cmpint (hot, >=, top);
  g_assert_cmpfloat ((double) on_ink / hot, >=, 0.95);
  g_assert_cmpfloat (back[0], ==, 0.0f);
  g_assert_cmpfloat (back[10 * CW + 10], ==, 0.0f);
}

/* A digit's map on a wide number canvas: the field's edges land where the
 * placement puts them, whatever the grid held before, and the canvas beyond
 * the field is 0 (only the field's span is sampled). */
static void
test_map_to_grid_wide (void)
{
  enum { W = 900, H = 280 };
  const double scale = 0.1, u0 = -40.0, v0 = 0.0; /* field columns 0..28 at x 400..680 */
  g_autofree float *out = g_new (float, W * H);
  float ones[784];

  for (int i = 0; i < 784; i++)
    ones[i] = 1.0f;
  for (int i = 0; i < W * H; i++)
    out[i] = 7.0f; /* stale values of an earlier map */
  nn_explain_map_to_grid (ones, u0, v0, scale, W, H, out);
  for (int y = 10; y < H - 10; y++)
    {
      g_assert_cmpfloat (out[y * W + 390], ==, 0.0f);
      g_assert_cmpfloat (out[y * W + 0], ==, 0.0f);
      g_assert_cmpfloat_with_epsilon (out[y * W + 420], 1.0f, 1e-5f);
      g_assert_cmpfloat_with_epsilon (out[y * W + 660], 1.0f, 1e-5f);
      g_assert_cmpfloat (out[y * W + 695], ==, 0.0f);
      g_assert_cmpfloat (out[y * W + W - 1], ==, 0.0f);
    }
  /* half a pixel past the field's edge, bilinear sampling fades to 0 */
  g_assert_cmpfloat (out[140 * W + 400], >, 0.0f);
  g_assert_cmpfloat (out[140 * W + 400], <, 1.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/gradcam-direct", test_gradcam_direct);
  g_test_add_func ("/explain/gradcam++-direct", test_gradcam_pp_direct);
  g_test_add_func ("/explain/ig-completeness", test_ig_completeness);
  g_test_add_func ("/explain/ig-completeness-shipped", test_ig_completeness_shipped);
  g_test_add_func ("/explain/occlusion-brute-force", test_occlusion_brute_force);
  g_test_add_func ("/explain/layers", test_layers);
  g_test_add_func ("/explain/measured-layer", test_measured_layer);
  g_test_add_func ("/explain/scores", test_scores);
  g_test_add_func ("/explain/display-map", test_display_map);
  g_test_add_func ("/explain/map-to-picture", test_map_to_picture);
  g_test_add_func ("/explain/map-to-grid-wide", test_map_to_grid_wide);
  return g_test_run ();
}
