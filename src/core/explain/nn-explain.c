/* nn-explain.c: Grad-CAM, Grad-CAM++, integrated gradients and occlusion behind
 * one call (see nn-explain.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn-explain.h"
#include "nn-error.h"
#include "nn-explain-private.h"
#include "nn-gradcam.h"

#define BATCH 64

static const char *const method_names[NN_EXPLAIN_N_METHODS] = {
  "gradcam", "gradcam++", "ig", "occlusion",
};

const char *
nn_explain_method_name (NnExplainMethod method)
{
  g_return_val_if_fail (method >= 0 && method < NN_EXPLAIN_N_METHODS, NULL);
  return method_names[method];
}

gboolean
nn_explain_method_from_name (const char *name, NnExplainMethod *out)
{
  for (int i = 0; i < NN_EXPLAIN_N_METHODS; i++)
    if (g_strcmp0 (name, method_names[i]) == 0)
      {
        *out = (NnExplainMethod) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
nn_explain_method_uses_layer (NnExplainMethod method)
{
  return method == NN_EXPLAIN_GRADCAM || method == NN_EXPLAIN_GRADCAM_PP;
}

const char *
nn_explain_layer_key (NnExplainMethod method)
{
  switch (method)
    {
    case NN_EXPLAIN_GRADCAM: return "explain_layer_gradcam";
    case NN_EXPLAIN_GRADCAM_PP: return "explain_layer_gradcam++";
    default: return NULL;
    }
}

/* The layer the model's metadata names for method, if it is a spatial feature map
 * the output depends on; -1 otherwise (a file edited by hand, a renamed layer). */
static int
measured_layer (const NnModel *m, NnExplainMethod method)
{
  const char *name = m->metadata != NULL
                       ? g_hash_table_lookup (m->metadata, nn_explain_layer_key (method)) : NULL;
  int layer = name != NULL ? nn_model_find_layer (m, name) : -1;
  return layer > 0 && layer <= m->output && nn_layer_is_spatial (&m->layers[layer]) ? layer : -1;
}

int
nn_explain_default_layer (const NnModel *m, NnExplainMethod method)
{
  g_return_val_if_fail (m != NULL, -1);
  if (!nn_explain_method_uses_layer (method))
    return 0;
  int measured = measured_layer (m, method);
  if (measured > 0)
    return measured;
  NnShape in = m->layers[0].out_shape;
  for (int i = 1; i <= m->output; i++)
    if (nn_layer_is_spatial (&m->layers[i]) && 2 * m->layers[i].out_shape.h <= in.h
        && 2 * m->layers[i].out_shape.w <= in.w)
      return i;
  return nn_gradcam_default_layer (m);
}

NnExplainer *
nn_explainer_new (NnModel *m, GError **error)
{
  return nn_explainer_new_batch (m, BATCH, error);
}

NnExplainer *
nn_explainer_new_batch (NnModel *m, int max_batch, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (max_batch >= 1 && max_batch <= BATCH, NULL);
  NnWorkspace *ws = nn_workspace_new_up_to (m, max_batch, NN_MODE_INFERENCE, error);
  if (ws == NULL)
    return NULL;
  NnExplainer *e = g_new0 (NnExplainer, 1);
  e->m = m;
  e->ws = ws;
  e->max_batch = nn_workspace_max_batch (ws);
  e->xs = g_new (float, (size_t) e->max_batch * PIXELS);
  e->dlogits = g_new0 (float, (size_t) e->max_batch * m->n_classes);
  e->dx = g_new (float, (size_t) e->max_batch * PIXELS);
  return e;
}

void
nn_explainer_free (NnExplainer *e)
{
  if (e == NULL)
    return;
  nn_workspace_free (e->ws);
  g_free (e->xs);
  g_free (e->dlogits);
  g_free (e->dx);
  g_free (e);
}

static int
argmax (const float *v, int n)
{
  int best = 0;
  for (int k = 1; k < n; k++)
    if (v[k] > v[best])
      best = k;
  return best;
}

/* Bilinear with half-pixel centres, as nn-gradcam.c resizes (cv2 and tf do too). */
static void
resize_bilinear (float *out, int oh, int ow, const float *in, int ih, int iw)
{
  for (int y = 0; y < oh; y++)
    {
      float fy = CLAMP (((float) y + 0.5f) * ih / oh - 0.5f, 0.0f, (float) (ih - 1));
      int y0 = (int) fy, y1 = MIN (y0 + 1, ih - 1);
      float wy = fy - y0;
      for (int x = 0; x < ow; x++)
        {
          float fx = CLAMP (((float) x + 0.5f) * iw / ow - 0.5f, 0.0f, (float) (iw - 1));
          int x0 = (int) fx, x1 = MIN (x0 + 1, iw - 1);
          float wx = fx - x0;
          float top = in[y0 * iw + x0] * (1 - wx) + in[y0 * iw + x1] * wx;
          float bot = in[y1 * iw + x0] * (1 - wx) + in[y1 * iw + x1] * wx;
          out[y * ow + x] = top * (1 - wy) + bot * wy;
        }
    }
}

static gboolean
check_layer (const NnModel *m, int layer, GError **error)
{
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
                   "Layer “%s” of model “%s” is not a spatial feature map: Grad-CAM needs one",
                   layer < m->n_layers ? m->layers[layer].name : "?", m->name);
      return FALSE;
    }
  return TRUE;
}

/* One forward and backward pass of x for the class logit; the class is chosen
 * (predicted when < 0) and its logit returned through out. */
static void
logit_gradient (NnExplainer *e, const float *x, NnExplanation *out)
{
  NnModel *m = e->m;
  const float *logits = nn_model_forward (m, e->ws, x, 1);
  if (out->class_index < 0)
    out->class_index = argmax (logits, m->n_classes);
  out->score = logits[out->class_index];
  memset (e->dlogits, 0, sizeof (float) * m->n_classes);
  e->dlogits[out->class_index] = 1.0f;
  nn_model_backward (m, e->ws, e->dlogits, 1, e->dx);
}

static void
gradcam_plus_plus (NnExplainer *e, const float *x, NnExplanation *out)
{
  NnShape s = e->m->layers[out->layer].out_shape;
  int P = s.h * s.w, K = s.c;
  logit_gradient (e, x, out);
  const float *A = nn_workspace_layer_output (e->ws, out->layer); // (1, GH, GW, K)
  const float *G = nn_workspace_layer_grad (e->ws, out->layer);
  g_autofree double *asum = g_new0 (double, K);
  g_autofree double *w = g_new0 (double, K);
  g_autofree float *cam = g_new0 (float, P);
  for (int p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      asum[k] += A[p * K + k];
  for (int p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      {
        double g = G[p * K + k], g2 = g * g;
        double denom = 2.0 * g2 + asum[k] * g2 * g;
        /* A zero denominator comes with a zero gradient: no weight, as in the paper's code. */
        double a = denom != 0.0 ? g2 / denom : 0.0;
        w[k] += a * (g > 0 ? g : 0);
      }
  float mx = 0.0f;
  for (int p = 0; p < P; p++)
    {
      double v = 0;
      for (int k = 0; k < K; k++)
        v += w[k] * A[p * K + k];
      cam[p] = v > 0 ? (float) v : 0.0f;
      mx = MAX (mx, cam[p]);
    }
  memset (out->map, 0, sizeof out->map);
  if (!(mx > 0.0f) || !isfinite (mx))
    return;
  resize_bilinear (out->map, 28, 28, cam, s.h, s.w);
  float hmax = 0.0f;
  for (int i = 0; i < PIXELS; i++)
    hmax = MAX (hmax, out->map[i]);
  for (int i = 0; i < PIXELS; i++)
    out->map[i] = hmax > 0.0f ? CLAMP (out->map[i] / hmax, 0.0f, 1.0f) : 0.0f;
}

/* Points t = j / S, j = 0..S, of the path from black to x, batched; the trapezoid
 * rule gives the ends half weight. */
static void
integrated_gradients (NnExplainer *e, const float *x, NnExplanation *out)
{
  NnModel *m = e->m;
  const int S = NN_EXPLAIN_IG_STEPS;
  double sum[PIXELS] = { 0 };
  const float *logits = nn_model_forward (m, e->ws, x, 1);
  if (out->class_index < 0)
    out->class_index = argmax (logits, m->n_classes);
  out->score = logits[out->class_index];
  for (int j0 = 0; j0 <= S; j0 += e->max_batch)
    {
      int n = MIN (e->max_batch, S + 1 - j0);
      for (int b = 0; b < n; b++)
        {
          float t = (float) (j0 + b) / S;
          for (int i = 0; i < PIXELS; i++)
            e->xs[b * PIXELS + i] = t * x[i];
        }
      nn_model_forward (m, e->ws, e->xs, n);
      memset (e->dlogits, 0, sizeof (float) * n * m->n_classes);
      for (int b = 0; b < n; b++)
        e->dlogits[b * m->n_classes + out->class_index] = 1.0f;
      nn_model_backward (m, e->ws, e->dlogits, n, e->dx);
      for (int b = 0; b < n; b++)
        {
          int j = j0 + b;
          double wt = (j == 0 || j == S) ? 0.5 : 1.0;
          for (int i = 0; i < PIXELS; i++)
            sum[i] += wt * e->dx[b * PIXELS + i];
        }
    }
  for (int i = 0; i < PIXELS; i++)
    out->map[i] = (float) (x[i] * sum[i] / S);
}

/* Patch corners 0, S, 2S, ... and 28 - P, so the last patch reaches the edge. */
static int
patch_starts (int starts[28])
{
  const int P = NN_EXPLAIN_OCCLUSION_PATCH, S = NN_EXPLAIN_OCCLUSION_STRIDE;
  int n = 0;
  for (int s = 0; s <= 28 - P; s += S)
    starts[n++] = s;
  if (starts[n - 1] != 28 - P)
    starts[n++] = 28 - P;
  return n;
}

static void
occlusion (NnExplainer *e, const float *x, NnExplanation *out)
{
  NnModel *m = e->m;
  const int P = NN_EXPLAIN_OCCLUSION_PATCH;
  int starts[28], ns = patch_starts (starts);
  int pos[28 * 28][2], n_pos = 0;
  double drop[PIXELS] = { 0 }, cover[PIXELS] = { 0 };
  const float *logits = nn_model_forward (m, e->ws, x, 1);
  if (out->class_index < 0)
    out->class_index = argmax (logits, m->n_classes);
  float base = out->score = logits[out->class_index];

  /* Every patch covers its pixels; only those over some ink change the image,
   * the others drop nothing and need no pass. */
  for (int a = 0; a < ns; a++)
    for (int b = 0; b < ns; b++)
      {
        gboolean ink = FALSE;
        for (int y = starts[a]; y < starts[a] + P; y++)
          for (int xx = starts[b]; xx < starts[b] + P; xx++)
            {
              cover[y * 28 + xx] += 1;
              ink |= x[y * 28 + xx] != 0.0f;
            }
        if (ink)
          {
            pos[n_pos][0] = starts[a];
            pos[n_pos][1] = starts[b];
            n_pos++;
          }
      }
  for (int p0 = 0; p0 < n_pos; p0 += e->max_batch)
    {
      int n = MIN (e->max_batch, n_pos - p0);
      for (int b = 0; b < n; b++)
        {
          float *xb = e->xs + b * PIXELS;
          memcpy (xb, x, sizeof (float) * PIXELS);
          for (int y = pos[p0 + b][0]; y < pos[p0 + b][0] + P; y++)
            memset (xb + y * 28 + pos[p0 + b][1], 0, sizeof (float) * P);
        }
      const float *lg = nn_model_forward (m, e->ws, e->xs, n);
      for (int b = 0; b < n; b++)
        {
          double d = base - lg[b * m->n_classes + out->class_index];
          for (int y = pos[p0 + b][0]; y < pos[p0 + b][0] + P; y++)
            for (int xx = pos[p0 + b][1]; xx < pos[p0 + b][1] + P; xx++)
              drop[y * 28 + xx] += d;
        }
    }
  for (int i = 0; i < PIXELS; i++)
    out->map[i] = (float) (drop[i] / cover[i]);
}

gboolean
nn_explainer_explain (NnExplainer *e, NnExplainMethod method, int layer, const float *x,
                      int class_index, NnExplanation *out, GError **error)
{
  g_return_val_if_fail (e != NULL && x != NULL && out != NULL, FALSE);
  g_return_val_if_fail (method >= 0 && method < NN_EXPLAIN_N_METHODS, FALSE);
  g_return_val_if_fail (class_index < e->m->n_classes, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  NnModel *m = e->m;

  memset (out, 0, sizeof *out);
  out->method = method;
  out->class_index = class_index;
  if (nn_explain_method_uses_layer (method))
    {
      out->layer = layer >= 0 ? layer : nn_explain_default_layer (m, method);
      if (!check_layer (m, out->layer, error))
        return FALSE;
    }
  switch (method)
    {
    case NN_EXPLAIN_GRADCAM:
      {
        NnGradCam cam;
        if (!nn_gradcam_compute (m, e->ws, x, class_index, out->layer, &cam, error))
          return FALSE;
        out->class_index = cam.class_index;
        out->score = cam.score;
        memcpy (out->map, cam.heatmap, sizeof out->map);
        return TRUE;
      }
    case NN_EXPLAIN_GRADCAM_PP:
      gradcam_plus_plus (e, x, out);
      return TRUE;
    case NN_EXPLAIN_IG:
      integrated_gradients (e, x, out);
      return TRUE;
    case NN_EXPLAIN_OCCLUSION:
      occlusion (e, x, out);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static int
by_value (const void *a, const void *b)
{
  float p = *(const float *) a, q = *(const float *) b;
  return (p > q) - (p < q);
}

/* The value shown at full heat: the Grad-CAMs' maximum (their maps are smooth), and
 * for the pixel methods a high percentile of the positive values, so that a few hot
 * pixels (on a drawn 7, 1% of the pixels held 40% of integrated gradients' positive
 * mass) do not leave the rest of the strokes dark. */
static float
display_scale (const NnExplanation *ex)
{
  float positive[PIXELS], mx = 0.0f;
  int n = 0;
  for (int i = 0; i < PIXELS; i++)
    if (ex->map[i] > 0.0f && isfinite (ex->map[i]))
      {
        positive[n++] = ex->map[i];
        mx = MAX (mx, ex->map[i]);
      }
  if (nn_explain_method_uses_layer (ex->method) || n < NN_EXPLAIN_DISPLAY_MIN_PIXELS)
    return mx;
  qsort (positive, n, sizeof (float), by_value);
  return positive[(int) (NN_EXPLAIN_DISPLAY_PERCENTILE / 100.0 * (n - 1))];
}

void
nn_explain_display_map (const NnExplanation *ex, float out[28 * 28])
{
  float scale = display_scale (ex);
  for (int i = 0; i < PIXELS; i++)
    out[i] = scale > 0.0f && isfinite (ex->map[i]) ? CLAMP (ex->map[i] / scale, 0.0f, 1.0f) : 0.0f;
}
