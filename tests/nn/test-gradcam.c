/* test-gradcam.c: Grad-CAM follows the evidence for the class it explains, and a
 * model without a spatial layer is an error, not a blank map. TAP output. */
#include "nn-test-util.h"
#include "nn-gradcam.h"
#include "nn-zoo.h"

/* Input (28, 28, 1) -> Conv2D 1x1 with two channels: channel 0 = relu (x - 0.6)
 * sees only bright ink, channel 1 = relu (x - 0.1) any ink -> MaxPool 4 (7 x 7)
 * -> Flatten -> Dense 2: class 0 sums channel 0, class 1 sums channel 1. */
static NnModel *
two_detectors (void)
{
  NnModel *m = nn_model_new ("detectors", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_conv2d (m, "conv2d", l,
                           &(NnConvConfig){ 2, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_RELU });
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig){ 4, 4, 4, 4, NN_PAD_VALID });
  l = nn_model_add_flatten (m, "flatten", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 2, FALSE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  float *k = m->params + m->layers[1].vars[0].offset, *b = m->params + m->layers[1].vars[1].offset;
  k[0] = 1, k[1] = 1, b[0] = -0.6f, b[1] = -0.1f;
  float *w = m->params + m->layers[4].vars[0].offset; // (98, 2)
  memset (w, 0, 98 * 2 * sizeof (float));
  for (int p = 0; p < 49; p++)
    {
      w[(p * 2 + 0) * 2 + 0] = 1.0f;
      w[(p * 2 + 1) * 2 + 1] = 1.0f;
    }
  return m;
}

/* Mean of the heat map over a square of the 28 x 28 grid. */
static double
region (const NnGradCam *cam, int y0, int x0, int size)
{
  double s = 0;
  for (int y = y0; y < y0 + size; y++)
    for (int x = x0; x < x0 + size; x++)
      s += cam->heatmap[y * 28 + x];
  return s / (size * size);
}

static void
test_evidence_in_a_corner (void)
{
  g_autoptr (NnModel) m = two_detectors ();
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  /* Bright ink top-left, dim ink bottom-right. */
  float x[784] = { 0 };
  for (int y = 2; y < 8; y++)
    for (int xx = 2; xx < 8; xx++)
      x[y * 28 + xx] = 1.0f;
  for (int y = 20; y < 26; y++)
    for (int xx = 20; xx < 26; xx++)
      x[y * 28 + xx] = 0.4f;
  NnGradCam cam;
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_gradcam_compute (m, ws, x, 0, -1, &cam, &error);
  tap_ok (ok && cam.layer == 2 && cam.grid_h == 7 && cam.grid_w == 7,
          "default layer is the last spatial one (max_pooling2d, 7 x 7)");
  double tl = region (&cam, 0, 0, 10), br = region (&cam, 18, 18, 10);
  float mx = 0;
  int at = 0;
  for (int i = 0; i < 784; i++)
    if (cam.heatmap[i] > mx)
      mx = cam.heatmap[i], at = i;
  tap_ok (ok && mx == 1.0f && at / 28 < 10 && at % 28 < 10 && tl > 0.3 && br < 1e-6,
          "class 0 (bright ink): map peaks top-left (%d, %d), top-left %.2f, bottom-right %.2g",
          at / 28, at % 28, tl, br);
  ok = nn_gradcam_compute (m, ws, x, 1, -1, &cam, &error);
  tl = region (&cam, 0, 0, 10), br = region (&cam, 18, 18, 10);
  tap_ok (ok && tl > 0.3 && br > 0.1 && cam.class_index == 1,
          "class 1 (any ink): both corners light up (%.2f, %.2f)", tl, br);
  tap_ok (fabsf (cam.score - (float) (49 * 0 + 4 * 0.9 + 4 * 0.3)) < 1e-4,
          "the score is the class logit, not its probability (%.3f)", cam.score);
  ok = nn_gradcam_compute (m, ws, x, -1, 1, &cam, &error);
  tap_ok (ok && cam.grid_h == 28 && cam.layer == 1 && cam.class_index == 1,
          "the caller may pick the conv layer (28 x 28); class -1 explains the prediction (%d)",
          cam.class_index);
  ok = nn_gradcam_compute (m, ws, x, 0, 3, &cam, &error);
  tap_ok (!ok && g_error_matches (error, NN_ERROR, NN_ERROR_INVALID),
          "picking the flatten layer is an error: %s", error ? error->message : "(none)");
  nn_workspace_free (ws);
}

static void
test_dense_only (void)
{
  g_autoptr (NnModel) m = nn_zoo_logreg ();
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  float x[784] = { 0 };
  NnGradCam cam;
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_gradcam_compute (m, ws, x, -1, -1, &cam, &error);
  tap_ok (!ok && g_error_matches (error, NN_ERROR, NN_ERROR_UNSUPPORTED)
          && nn_gradcam_default_layer (m) == -1,
          "a dense-only model gives a clear error: %s", error ? error->message : "(none)");
  nn_workspace_free (ws);
}

/* On the project's cnn with random weights the map is finite and in [0, 1], and
 * computing it leaves the weight gradients alone. */
static void
test_cnn (void)
{
  g_autoptr (NnModel) m = nn_zoo_cnn ();
  NnWorkspace *ws = nn_workspace_new (m, 8, NN_MODE_INFERENCE);
  float x[784];
  test_fill (x, 784, 4, 0.5f);
  for (int i = 0; i < 784; i++)
    x[i] += 0.5f;
  m->grads[0] = 42.0f;
  NnGradCam cam;
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_gradcam_compute (m, ws, x, 3, -1, &cam, &error);
  gboolean in_range = TRUE;
  for (int i = 0; i < 784; i++)
    in_range &= cam.heatmap[i] >= 0.0f && cam.heatmap[i] <= 1.0f;
  tap_ok (ok && in_range && cam.grid_h == 5 && m->grads[0] == 42.0f,
          "cnn: a 5 x 5 map in [0, 1], model gradients untouched");
  nn_workspace_free (ws);
}

int
main (void)
{
  test_evidence_in_a_corner ();
  test_dense_only ();
  test_cnn ();
  return tap_done ();
}
