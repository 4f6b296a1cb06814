/* nn-calibrate.c: temperature scaling, ECE and NLL (see nn-calibrate.h). */
#include "nn-calibrate.h"
#include "nn-error.h"

#include <math.h>
#include <string.h>

#define T_MIN 0.05
#define T_MAX 20.0
#define SEARCH_STEPS 80
#define BATCH 256

double
nn_calibration_ece (const float *probs, const guint8 *labels, int n, int classes, int bins)
{
  g_autofree double *conf = g_new0 (double, bins), *right = g_new0 (double, bins);
  g_autofree int *count = g_new0 (int, bins);
  double ece = 0;

  for (int i = 0; i < n; i++)
    {
      const float *p = probs + (size_t) i * classes;
      int top = 0;
      for (int k = 1; k < classes; k++)
        if (p[k] > p[top])
          top = k;
      int b = MIN ((int) (p[top] * bins), bins - 1);
      conf[b] += p[top];
      right[b] += top == labels[i];
      count[b]++;
    }
  for (int b = 0; b < bins; b++)
    if (count[b] > 0)
      ece += fabs (right[b] - conf[b]) / MAX (n, 1);
  return ece;
}

double
nn_calibration_nll (const float *probs, const guint8 *labels, int n, int classes)
{
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum -= log (MAX (probs[(size_t) i * classes + MIN (labels[i], classes - 1)], 1e-12));
  return n > 0 ? sum / n : 0;
}

static double
nll_at (const float *logits, const guint8 *labels, int n, int classes, double t)
{
  double sum = 0;
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (size_t) i * classes;
      double top = -INFINITY, s = 0;
      for (int k = 0; k < classes; k++)
        top = MAX (top, z[k] / t);
      for (int k = 0; k < classes; k++)
        s += exp (z[k] / t - top);
      sum += top + log (s) - z[MIN (labels[i], classes - 1)] / t;
    }
  return sum / MAX (n, 1);
}

double
nn_calibration_fit_temperature (const float *logits, const guint8 *labels, int n, int classes)
{
  /* The NLL is convex in 1 / T, hence unimodal in log T: a golden-section search. */
  const double g = (sqrt (5.0) - 1) / 2;
  double a = log (T_MIN), b = log (T_MAX);
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = nll_at (logits, labels, n, classes, exp (c));
  double fd = nll_at (logits, labels, n, classes, exp (d));

  for (int i = 0; i < SEARCH_STEPS; i++)
    {
      if (fc < fd)
        {
          b = d, d = c, fd = fc;
          c = b - g * (b - a);
          fc = nll_at (logits, labels, n, classes, exp (c));
        }
      else
        {
          a = c, c = d, fc = fd;
          d = a + g * (b - a);
          fd = nll_at (logits, labels, n, classes, exp (d));
        }
    }
  return exp ((a + b) / 2);
}

int
nn_calibration_logit_layer (const NnModel *m)
{
  int l = m->output;
  const NnLayer *out = &m->layers[l];

  if (out->kind == NN_LAYER_ACTIVATION && out->cfg.act.activation == NN_ACT_SOFTMAX
      && out->n_inputs == 1)
    l = out->inputs[0];
  if (m->layers[l].kind != NN_LAYER_DENSE)
    return -1;
  NnActivation act = m->layers[l].cfg.dense.activation;
  if (act != NN_ACT_LINEAR && !(act == NN_ACT_SOFTMAX && l == m->output))
    return -1;
  return l;
}

gboolean
nn_calibration_fold (NnModel *m, double temperature, GError **error)
{
  int l = nn_calibration_logit_layer (m);

  if (l < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                   "The model's output does not come from a Dense layer with a linear or "
                   "softmax activation, so no temperature can be folded into it");
      return FALSE;
    }
  if (!(temperature > 0) || !isfinite (temperature))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC, "Temperature %g is not a positive number",
                   temperature);
      return FALSE;
    }
  NnLayer *layer = &m->layers[l];
  for (int v = 0; v < layer->n_vars; v++)
    {
      float *data = nn_model_var_data (m, &layer->vars[v]);
      for (size_t i = 0; i < layer->vars[v].size; i++)
        data[i] = (float) (data[i] / temperature);
    }
  nn_model_params_changed (m);
  return TRUE;
}

gboolean
nn_calibration_logits (NnModel *m, NnWorkspace *ws, const NnDataset *ds, float *logits,
                       GCancellable *cancellable, GError **error)
{
  int batch = MIN (BATCH, nn_workspace_max_batch (ws));
  g_autofree float *x = g_new (float, (size_t) batch * NN_IMAGE_PIXELS);

  for (int s = 0; s < ds->n; s += batch)
    {
      int b = MIN (batch, ds->n - s);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      nn_dataset_get_batch (ds, s, b, x);
      memcpy (logits + (size_t) s * m->n_classes, nn_model_forward_logits (m, ws, x, b),
              sizeof (float) * (size_t) b * m->n_classes);
    }
  return TRUE;
}

static void
store_temperature (NnModel *m, double t)
{
  const char *old = m->metadata ? g_hash_table_lookup (m->metadata, "temperature") : NULL;
  double total = t * (old ? g_ascii_strtod (old, NULL) : 1.0);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!(total > 0) || !isfinite (total))
    total = t;
  if (m->metadata == NULL)
    m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->metadata, g_strdup ("temperature"),
                       g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", total)));
}

gboolean
nn_calibration_calibrate (NnModel *m, NnWorkspace *ws, const NnDataset *val,
                          NnCalibrationReport *r, GCancellable *cancellable, GError **error)
{
  int n = val->n, classes = m->n_classes;
  g_autofree float *logits = g_new (float, (size_t) n * classes);
  g_autofree float *probs = g_new (float, (size_t) n * classes);

  g_return_val_if_fail (n > 0 && r != NULL, FALSE);
  if (!nn_calibration_logits (m, ws, val, logits, cancellable, error))
    return FALSE;
  nn_softmax_rows (probs, logits, n, classes);
  r->ece_before = nn_calibration_ece (probs, val->labels, n, classes, NN_ECE_BINS);
  r->nll_before = nn_calibration_nll (probs, val->labels, n, classes);
  r->temperature = nn_calibration_fit_temperature (logits, val->labels, n, classes);
  if (!nn_calibration_fold (m, r->temperature, error))
    return FALSE;
  for (size_t i = 0; i < (size_t) n * classes; i++)
    logits[i] = (float) (logits[i] / r->temperature);
  nn_softmax_rows (probs, logits, n, classes);
  r->ece_after = nn_calibration_ece (probs, val->labels, n, classes, NN_ECE_BINS);
  r->nll_after = nn_calibration_nll (probs, val->labels, n, classes);
  /* kept for the record: the product of every temperature folded */
  store_temperature (m, r->temperature);
  return TRUE;
}
