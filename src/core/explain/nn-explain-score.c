/* nn-explain-score.c: on-ink share and deletion curves of explanation maps (see
 * nn-explain-score.h). */
#include <math.h>
#include <string.h>
#include "nn-explain-score.h"
#include "nn-error.h"
#include "nn-explain-private.h"

#define INK_LEVEL 0.1f
#define NEAR_INK  2

double
nn_explain_on_ink_share (const float *x, const float *map)
{
  double near = 0, total = 0;
  for (int y = 0; y < 28; y++)
    for (int xx = 0; xx < 28; xx++)
      {
        float v = map[y * 28 + xx];
        if (!(v > 0.0f))
          continue;
        total += v;
        gboolean ink = FALSE;
        for (int dy = -NEAR_INK; dy <= NEAR_INK && !ink; dy++)
          for (int dx = -NEAR_INK; dx <= NEAR_INK && !ink; dx++)
            {
              int yy = y + dy, xk = xx + dx;
              ink = yy >= 0 && yy < 28 && xk >= 0 && xk < 28 && x[yy * 28 + xk] > INK_LEVEL;
            }
        if (ink)
          near += v;
      }
  return total > 0 ? near / total : 0.0;
}

typedef struct {
  float key;
  guint32 tie;
  int index;
} Ranked;

/* Hottest first; equal values in the seeded random order of tie. */
static int
by_heat (const void *a, const void *b)
{
  const Ranked *p = a, *q = b;
  if (p->key != q->key)
    return p->key > q->key ? -1 : 1;
  return p->tie < q->tie ? -1 : p->tie > q->tie;
}

static void
order_pixels (const float *map, GRand *rng, int order[PIXELS])
{
  Ranked r[PIXELS];
  for (int i = 0; i < PIXELS; i++)
    r[i] = (Ranked){ map != NULL && isfinite (map[i]) ? map[i] : 0.0f, g_rand_int (rng), i };
  qsort (r, PIXELS, sizeof *r, by_heat);
  for (int i = 0; i < PIXELS; i++)
    order[i] = r[i].index;
}

/* Log-probabilities of class c of n images, in passes of the explainer's batch. */
static void
log_probs (NnExplainer *e, const float *xs, int n, int c, double *out)
{
  NnModel *m = e->m;
  for (int i0 = 0; i0 < n; i0 += e->max_batch)
    {
      int nb = MIN (e->max_batch, n - i0);
      const float *lg = nn_model_forward (m, e->ws, xs + (size_t) i0 * PIXELS, nb);
      for (int b = 0; b < nb; b++)
        {
          const float *l = lg + (size_t) b * m->n_classes;
          double mx = l[0], s = 0;
          for (int k = 1; k < m->n_classes; k++)
            mx = MAX (mx, l[k]);
          for (int k = 0; k < m->n_classes; k++)
            s += exp (l[k] - mx);
          out[i0 + b] = l[c] - mx - log (s);
        }
    }
}

/* Rows 1..STEPS of xs: x with the first step * 5% of order set to 0. */
static void
deletion_images (const float *x, const int *order, float *xs)
{
  for (int s = 1; s <= NN_EXPLAIN_DELETION_STEPS; s++)
    {
      float *row = xs + (size_t) (s - 1) * PIXELS;
      memcpy (row, x, sizeof (float) * PIXELS);
      int k = (int) lround (PIXELS * 0.05 * s);
      for (int i = 0; i < k; i++)
        row[order[i]] = 0.0f;
    }
}

static double
auc (double p0, const double *lp)
{
  /* Trapezoid over 0..50% removed, divided by the span: a mean probability. */
  double s = 0.5 * p0 + 0.5 * exp (lp[NN_EXPLAIN_DELETION_STEPS - 1]);
  for (int i = 0; i < NN_EXPLAIN_DELETION_STEPS - 1; i++)
    s += exp (lp[i]);
  return s / NN_EXPLAIN_DELETION_STEPS;
}

gboolean
nn_explain_score_image (NnExplainer *e, NnExplainMethod method, int layer, const float *x,
                        guint64 seed, NnExplainImageScore *out, GError **error)
{
  const int S = NN_EXPLAIN_DELETION_STEPS;
  NnExplanation ex;
  int map_order[PIXELS], random_order[PIXELS];
  float xs[(2 * NN_EXPLAIN_DELETION_STEPS + 1) * PIXELS];
  double lp[2 * NN_EXPLAIN_DELETION_STEPS + 1];

  if (!nn_explainer_explain (e, method, layer, x, -1, &ex, error))
    return FALSE;
  memset (out, 0, sizeof *out);
  out->class_index = ex.class_index;
  out->on_ink = nn_explain_on_ink_share (x, ex.map);
  for (int i = 0; i < PIXELS && !out->has_mass; i++)
    out->has_mass = ex.map[i] > 0.0f;

  g_autoptr (GRand) rng = g_rand_new_with_seed_array ((const guint32[]){ (guint32) seed,
                                                                       (guint32) (seed >> 32) }, 2);
  order_pixels (ex.map, rng, map_order);
  order_pixels (NULL, rng, random_order);
  deletion_images (x, map_order, xs);
  deletion_images (x, random_order, xs + (size_t) S * PIXELS);
  memcpy (xs + (size_t) 2 * S * PIXELS, x, sizeof (float) * PIXELS);
  log_probs (e, xs, 2 * S + 1, ex.class_index, lp);

  out->p0 = exp (lp[2 * S]);
  out->p10_map = exp (lp[1]);        /* step 2: 10% */
  out->p10_random = exp (lp[S + 1]);
  out->map_hurts_more = lp[1] < lp[S + 1];
  out->auc_map = auc (out->p0, lp);
  out->auc_random = auc (out->p0, lp + S);
  return TRUE;
}

gboolean
nn_explain_score_dataset (NnExplainer *e, NnExplainMethod method, int layer,
                          const NnDataset *ds, guint64 seed,
                          void (*progress) (gint64 done, gint64 total, gpointer data),
                          gpointer progress_data, GCancellable *cancellable,
                          NnExplainScore *out, GError **error)
{
  g_return_val_if_fail (e != NULL && ds != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  if (ds->n == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "no images to score explanations on");
      return FALSE;
    }
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < ds->n; i++)
    {
      float x[PIXELS];
      NnExplainImageScore s;
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "explanation scores cancelled");
          return FALSE;
        }
      nn_dataset_get_batch (ds, i, 1, x);
      if (!nn_explain_score_image (e, method, layer, x, seed + (guint64) i, &s, error))
        return FALSE;
      out->n_no_mass += s.has_mass ? 0 : 1;
      out->on_ink += s.on_ink;
      out->beats_random += s.map_hurts_more ? 1 : 0;
      out->drop_map += s.p0 - s.p10_map;
      out->drop_random += s.p0 - s.p10_random;
      out->auc_map += s.auc_map;
      out->auc_random += s.auc_random;
      if (progress != NULL)
        progress (i + 1, ds->n, progress_data);
    }
  out->n_images = ds->n;
  out->on_ink /= ds->n;
  out->beats_random /= ds->n;
  out->drop_map /= ds->n;
  out->drop_random /= ds->n;
  out->auc_map /= ds->n;
  out->auc_random /= ds->n;
  out->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return TRUE;
}
