/* nn-evaluate.c: the runners that drive the engine, nn_evaluate and the robustness
 * sweep (nn-evaluate.h), in their own library (digits-eval) apart from the metrics
 * and results (digits-metrics), so that code using only those (the plot library, its
 * tests) links no runner, no dataset reader and no model file reader. */
#include "nn-evaluate.h"

#include "nn-error.h"

#define EVAL_BATCH 256

gboolean
nn_evaluate (NnModel *m, const NnDataset *ds, NnEvalProgressFunc progress,
             gpointer user_data, GCancellable *cancellable, NnEvalResult **out, GError **error)
{
  NnWorkspace *ws;
  float *x, *probs;
  gint64 t0;
  int batch;
  gboolean ok = TRUE;

  g_return_val_if_fail (m != NULL, FALSE);
  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  *out = NULL;

  if (m->n_classes != NN_EVAL_CLASSES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "the model has %d outputs; a digit classifier needs %d", m->n_classes,
                   NN_EVAL_CLASSES);
      return FALSE;
    }
  if (ds->n <= 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "there are no images to evaluate");
      return FALSE;
    }
  for (int i = 0; i < ds->n; i++)
    if (ds->labels[i] >= NN_EVAL_CLASSES)
      {
        g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "image %d has label %d, not a digit", i,
                     ds->labels[i]);
        return FALSE;
      }

  ws = nn_workspace_new_up_to (m, MIN (EVAL_BATCH, ds->n), NN_MODE_INFERENCE, error);
  if (ws == NULL)
    return FALSE;
  batch = nn_workspace_max_batch (ws);
  x = nn_alloc_floats ((size_t) batch * NN_IMAGE_PIXELS);   // (B, 28, 28, 1)
  probs = g_new (float, (size_t) ds->n * NN_EVAL_CLASSES);    // (N, 10)

  t0 = g_get_monotonic_time ();
  for (int start = 0; start < ds->n; start += batch)
    {
      int count = MIN (batch, ds->n - start);

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "evaluation cancelled");
          ok = FALSE;
          break;
        }
      nn_dataset_get_batch (ds, start, count, x);
      /* An accuracy over NaN answers would be a number that means nothing. */
      if (!nn_model_predict_checked (m, ws, x, count, probs + (size_t) start * NN_EVAL_CLASSES,
                                     error))
        {
          ok = FALSE;
          break;
        }
      if (progress != NULL)
        progress (start + count, ds->n, user_data);
    }
  nn_free (x);
  nn_workspace_free (ws);
  if (ok)
    {
      *out = nn_eval_result_new (ds->n, ds->labels, probs);
      (*out)->seconds = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
    }
  g_free (probs);
  return ok;
}

/* A per-image seed: the sweep's seed and the image index, mixed, so that noise
 * does not depend on how the images are batched. */
static guint64
image_seed (guint64 seed, int index)
{
  guint64 z = seed * 0x9e3779b97f4a7c15ull + (guint64) index;
  z = (z ^ (z >> 31)) * 0xd6e8feb86659fd93ull;
  return z ^ (z >> 32);
}

static int
argmax10 (const float *p)
{
  int best = 0;
  for (int k = 1; k < NN_EVAL_CLASSES; k++)
    if (p[k] > p[best])
      best = k;
  return best;
}

gboolean
nn_robustness_sweep (NnModel *m, const NnDataset *ds, const NnPerturbation *perturbations,
                     int n_perturbations, guint64 seed, NnEvalProgressFunc progress,
                     gpointer user_data, GCancellable *cancellable, NnRobustnessResult **out,
                     GError **error)
{
  NnRobustnessResult *res;
  NnWorkspace *ws;
  float *clean, *x, *probs;
  gint64 t0, done = 0, total;
  int batch;
  gboolean ok = TRUE;

  g_return_val_if_fail (m != NULL && ds != NULL && out != NULL, FALSE);
  g_return_val_if_fail (perturbations == NULL || n_perturbations > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  *out = NULL;

  if (m->n_classes != NN_EVAL_CLASSES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "the model has %d outputs; a digit classifier needs %d", m->n_classes,
                   NN_EVAL_CLASSES);
      return FALSE;
    }
  if (ds->n <= 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "there are no images to evaluate");
      return FALSE;
    }
  if (perturbations == NULL)
    perturbations = nn_perturbation_standard_set (&n_perturbations);

  res = g_new0 (NnRobustnessResult, 1);
  res->n_rows = n_perturbations;
  res->rows = g_new0 (NnRobustnessRow, n_perturbations);
  res->n_images = ds->n;
  res->seed = seed;

  ws = nn_workspace_new_up_to (m, MIN (EVAL_BATCH, ds->n), NN_MODE_INFERENCE, error);
  if (ws == NULL)
    {
      nn_robustness_result_free (res);
      return FALSE;
    }
  batch = nn_workspace_max_batch (ws);
  clean = nn_alloc_floats ((size_t) batch * NN_IMAGE_PIXELS); // (B, 28, 28, 1)
  x = nn_alloc_floats ((size_t) batch * NN_IMAGE_PIXELS);     // (B, 28, 28, 1)
  probs = g_new (float, (size_t) batch * NN_EVAL_CLASSES);     // (B, 10)
  total = (gint64) n_perturbations * ds->n;
  t0 = g_get_monotonic_time ();

  /* Batches outside, perturbations inside: each clean batch is converted once. */
  for (int start = 0; ok && start < ds->n; start += batch)
    {
      int count = MIN (batch, ds->n - start);

      nn_dataset_get_batch (ds, start, count, clean);
      for (int p = 0; p < n_perturbations; p++)
        {
          NnRobustnessRow *row = &res->rows[p];

          if (g_cancellable_is_cancelled (cancellable))
            {
              g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "robustness sweep cancelled");
              ok = FALSE;
              break;
            }
          row->perturbation = perturbations[p];
          for (int i = 0; i < count; i++)
            nn_perturbation_apply (&perturbations[p], x + (size_t) i * NN_IMAGE_PIXELS,
                                   clean + (size_t) i * NN_IMAGE_PIXELS, NN_IMAGE_SIDE,
                                   NN_IMAGE_SIDE, image_seed (seed, start + i));
          if (!nn_model_predict_checked (m, ws, x, count, probs, error))
            {
              ok = FALSE;
              break;
            }
          for (int i = 0; i < count; i++)
            if (argmax10 (probs + (size_t) i * NN_EVAL_CLASSES) == ds->labels[start + i])
              row->correct++;
          row->n += count;
          done += count;
          if (progress != NULL)
            progress (done, total, user_data);
        }
    }

  nn_free (clean);
  nn_free (x);
  g_free (probs);
  nn_workspace_free (ws);
  if (!ok)
    {
      nn_robustness_result_free (res);
      return FALSE;
    }
  for (int p = 0; p < n_perturbations; p++)
    res->rows[p].accuracy = (double) res->rows[p].correct / res->rows[p].n;
  res->seconds = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  *out = res;
  return TRUE;
}
