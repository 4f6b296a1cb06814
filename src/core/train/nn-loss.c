/* nn-loss.c: softmax cross-entropy from logits. */
#include "nn-loss.h"

#include <math.h>

/* log-sum-exp of one row, and its maximum index. */
static double
row_logsumexp (const float *z, int k, int *argmax)
{
  int best = 0;
  for (int j = 1; j < k; j++)
    if (z[j] > z[best])
      best = j;
  double s = 0.0;
  for (int j = 0; j < k; j++)
    s += exp ((double) z[j] - (double) z[best]);
  if (argmax)
    *argmax = best;
  return (double) z[best] + log (s);
}

float
nn_loss_sparse_ce (const float *logits, const guint8 *labels, int n, int k,
                   float label_smoothing, float *dlogits, int *n_correct)
{
  g_return_val_if_fail (logits != NULL && labels != NULL && n > 0 && k > 1, NAN);

  const double ls = label_smoothing, off = ls / k, on = 1.0 - ls + off;
  double total = 0.0;
  int correct = 0;
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (size_t) i * k;   // (K,)
      int y = labels[i], top;
      double lse = row_logsumexp (z, k, &top);
      correct += top == y;
      // -sum_j t_j (z_j - lse) with t = off everywhere and on at y
      double sum_z = 0.0;
      if (ls != 0.0)
        for (int j = 0; j < k; j++)
          sum_z += z[j];
      total += lse - (on - off) * z[y] - off * sum_z;
      if (dlogits)
        {
          float *d = dlogits + (size_t) i * k;
          for (int j = 0; j < k; j++)
            {
              double p = exp ((double) z[j] - lse);
              d[j] = (float) ((p - (j == y ? on : off)) / n);
            }
        }
    }
  if (n_correct)
    *n_correct = correct;
  return (float) (total / n);
}

float
nn_loss_categorical_ce (const float *logits, const float *targets, int n, int k,
                        float label_smoothing, float *dlogits)
{
  g_return_val_if_fail (logits != NULL && targets != NULL && n > 0 && k > 1, NAN);

  const double ls = label_smoothing;
  double total = 0.0;
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (size_t) i * k;   // (K,)
      const float *y = targets + (size_t) i * k;  // (K,)
      double lse = row_logsumexp (z, k, NULL), t_sum = 0.0;
      for (int j = 0; j < k; j++)
        t_sum += y[j] * (1.0 - ls) + ls / k;
      for (int j = 0; j < k; j++)
        {
          double t = y[j] * (1.0 - ls) + ls / k;
          total -= t * ((double) z[j] - lse);
          // d/dz_j of -sum_i t_i (z_i - lse) is p_j sum(t) - t_j
          if (dlogits)
            dlogits[(size_t) i * k + j] = (float) ((exp ((double) z[j] - lse) * t_sum - t) / n);
        }
    }
  return (float) (total / n);
}
