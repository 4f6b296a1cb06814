/* nn-evaluate.c: the evaluation runner, apart from the metrics so that code using
 * only the metrics does not pull in the engine. */
#include "nn-eval.h"

#include "nn-error.h"

#define EVAL_BATCH 256

gboolean
nn_evaluate (NnModel *m, const NnDataset *ds, NnEvalProgressFunc progress,
             NnEvalCancelFunc cancelled, gpointer user_data, NnEvalResult **out, GError **error)
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

  batch = MIN (EVAL_BATCH, ds->n);
  ws = nn_workspace_new (m, batch, NN_MODE_INFERENCE);
  x = nn_alloc_floats ((size_t) batch * NN_IMAGE_PIXELS);   // (B, 28, 28, 1)
  probs = g_new (float, (size_t) ds->n * NN_EVAL_CLASSES);    // (N, 10)

  t0 = g_get_monotonic_time ();
  for (int start = 0; start < ds->n; start += batch)
    {
      int count = MIN (batch, ds->n - start);

      if (cancelled != NULL && cancelled (user_data))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "evaluation cancelled");
          ok = FALSE;
          break;
        }
      nn_dataset_get_batch (ds, start, count, x);
      nn_model_predict (m, ws, x, count, probs + (size_t) start * NN_EVAL_CLASSES);
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
