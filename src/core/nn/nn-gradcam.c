/* nn-gradcam.c: Grad-CAM on the class logit (see nn-gradcam.h). */
#include <math.h>
#include <string.h>
#include "nn-gradcam.h"
#include "nn-error.h"
#include "nn-private.h"

int
nn_gradcam_default_layer (const NnModel *m)
{
  g_return_val_if_fail (m != NULL, -1);
  for (int i = m->output; i >= 1; i--)
    if (nn_layer_is_spatial (&m->layers[i]))
      return i;
  return -1;
}

/* Bilinear with half-pixel centres (like cv2.resize and tf.image.resize). */
// out (oh, ow) from in (ih, iw)
static void
resize_bilinear (float *out, int oh, int ow, const float *in, int ih, int iw)
{
  for (int y = 0; y < oh; y++)
    {
      float fy = ((float) y + 0.5f) * ih / oh - 0.5f;
      fy = CLAMP (fy, 0.0f, (float) (ih - 1));
      int y0 = (int) fy, y1 = MIN (y0 + 1, ih - 1);
      float wy = fy - y0;
      for (int x = 0; x < ow; x++)
        {
          float fx = ((float) x + 0.5f) * iw / ow - 0.5f;
          fx = CLAMP (fx, 0.0f, (float) (iw - 1));
          int x0 = (int) fx, x1 = MIN (x0 + 1, iw - 1);
          float wx = fx - x0;
          float top = in[y0 * iw + x0] * (1 - wx) + in[y0 * iw + x1] * wx;
          float bot = in[y1 * iw + x0] * (1 - wx) + in[y1 * iw + x1] * wx;
          out[y * ow + x] = top * (1 - wy) + bot * wy;
        }
    }
}

gboolean
nn_gradcam_compute (NnModel *m, NnWorkspace *ws, const float *x, int class_index, int layer,
                    NnGradCam *out, GError **error)
{
  g_return_val_if_fail (m != NULL && ws != NULL && x != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (class_index < m->n_classes, FALSE);
  if (layer < 0)
    layer = nn_gradcam_default_layer (m);
  if (layer < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                   "Model “%s” has no spatial layer (no convolution or pooling keeps a grid): "
                   "Grad-CAM cannot show where it looked", m->name);
      return FALSE;
    }
  if (layer >= m->n_layers || layer > m->output || !nn_layer_is_spatial (&m->layers[layer]))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID,
                   "Layer %d of model “%s” is not a spatial feature map: Grad-CAM needs one",
                   layer, m->name);
      return FALSE;
    }
  const float *logits = nn_model_forward (m, ws, x, 1);
  if (class_index < 0)
    {
      class_index = 0;
      for (int k = 1; k < m->n_classes; k++)
        if (logits[k] > logits[class_index])
          class_index = k;
    }
  memset (out, 0, sizeof *out);
  out->layer = layer;
  out->class_index = class_index;
  out->score = logits[class_index];
  NnShape s = m->layers[layer].out_shape;
  out->grid_h = s.h;
  out->grid_w = s.w;

  /* d score / d logits is one-hot; dx is requested so that every layer gets its
   * output gradient, and the weight gradients are skipped. */
  g_autofree float *dlogits = g_new0 (float, m->n_classes);
  g_autofree float *dx = g_new (float, nn_shape_size (m->layers[0].out_shape));
  dlogits[class_index] = 1.0f;
  nn_model_backward_ex (m, ws, dlogits, 1, dx, FALSE);

  const float *A = nn_workspace_layer_output (ws, layer); // (1, GH, GW, K)
  const float *G = nn_workspace_layer_grad (ws, layer);   // (1, GH, GW, K)
  int P = s.h * s.w, K = s.c;
  g_autofree float *alpha = g_new0 (float, K);
  g_autofree float *cam = g_new0 (float, P);
  for (int p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      alpha[k] += G[p * K + k] / (float) P;
  float mx = 0.0f;
  for (int p = 0; p < P; p++)
    {
      float v = 0.0f;
      for (int k = 0; k < K; k++)
        v += alpha[k] * A[p * K + k];
      cam[p] = v > 0.0f ? v : 0.0f;
      mx = MAX (mx, cam[p]);
    }
  if (!(mx > 0.0f) || !isfinite (mx))
    return TRUE; /* a map of zeros: the evidence was all negative */
  resize_bilinear (out->heatmap, 28, 28, cam, s.h, s.w);
  float hmax = 0.0f;
  for (int i = 0; i < 28 * 28; i++)
    hmax = MAX (hmax, out->heatmap[i]);
  for (int i = 0; i < 28 * 28; i++)
    out->heatmap[i] = hmax > 0.0f ? CLAMP (out->heatmap[i] / hmax, 0.0f, 1.0f) : 0.0f;
  return TRUE;
}
