/* nn-robustness.c: the perturbation sweep. */
#include "nn-robustness.h"

#include <string.h>

#include "nn-error.h"

#define SWEEP_BATCH 256

void
nn_robustness_result_free (NnRobustnessResult *result)
{
  if (result == NULL)
    return;
  g_free (result->rows);
  g_free (result);
}

const NnRobustnessRow *
nn_robustness_result_find (const NnRobustnessResult *result, NnPerturbKind kind, double severity)
{
  g_return_val_if_fail (result != NULL, NULL);
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      if (row->perturbation.kind == kind
          && (kind == NN_PERTURB_CLEAN || ABS (row->perturbation.severity - severity) < 1e-9))
        return row;
    }
  return NULL;
}

const NnRobustnessRow *
nn_robustness_result_worst (const NnRobustnessResult *result)
{
  const NnRobustnessRow *worst = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  for (int i = 0; i < result->n_rows; i++)
    if (worst == NULL || result->rows[i].accuracy < worst->accuracy)
      worst = &result->rows[i];
  return worst;
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
                     NnEvalCancelFunc cancelled, gpointer user_data, NnRobustnessResult **out,
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

  batch = MIN (SWEEP_BATCH, ds->n);
  ws = nn_workspace_new (m, batch, NN_MODE_INFERENCE);
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

          if (cancelled != NULL && cancelled (user_data))
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
          nn_model_predict (m, ws, x, count, probs);
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

static void
append_json_string (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (s, "\\%c", *c);
      else if ((guchar) *c < 0x20)
        g_string_append_printf (s, "\\u%04x", (guchar) *c);
      else
        g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

char *
nn_robustness_result_to_json (const NnRobustnessResult *result, const char *model_name)
{
  GString *s;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (result != NULL, NULL);
  s = g_string_new ("{");
  if (model_name != NULL)
    {
      g_string_append (s, "\"model\": ");
      append_json_string (s, model_name);
      g_string_append (s, ", ");
    }
  g_string_append_printf (s, "\"images\": %d, \"seed\": %" G_GUINT64_FORMAT ", \"rows\": [",
                          result->n_images, result->seed);
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      g_autofree char *label = nn_perturbation_describe (&row->perturbation);

      g_string_append (s, i > 0 ? ",\n  " : "\n  ");
      g_string_append (s, "{\"perturbation\": ");
      append_json_string (s, nn_perturb_kind_name (row->perturbation.kind));
      g_string_append_printf (s, ", \"severity\": %s",
                              g_ascii_formatd (num, sizeof num, "%g", row->perturbation.severity));
      g_string_append (s, ", \"label\": ");
      append_json_string (s, label);
      g_string_append_printf (s, ", \"correct\": %d, \"n\": %d, \"accuracy\": %s}", row->correct,
                              row->n, g_ascii_formatd (num, sizeof num, "%.6f", row->accuracy));
    }
  g_string_append (s, "\n]}");
  return g_string_free (s, FALSE);
}

char *
nn_robustness_result_to_csv (const NnRobustnessResult *result)
{
  GString *s;
  char sev[G_ASCII_DTOSTR_BUF_SIZE], acc[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (result != NULL, NULL);
  s = g_string_new ("perturbation,severity,label,correct,n,accuracy\n");
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      g_autofree char *label = nn_perturbation_describe (&row->perturbation);

      g_string_append_printf (s, "%s,%s,\"%s\",%d,%d,%s\n",
                              nn_perturb_kind_name (row->perturbation.kind),
                              g_ascii_formatd (sev, sizeof sev, "%g", row->perturbation.severity),
                              label, row->correct, row->n,
                              g_ascii_formatd (acc, sizeof acc, "%.6f", row->accuracy));
    }
  return g_string_free (s, FALSE);
}
