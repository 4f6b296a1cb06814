/* verdict-features: the not-a-digit rule's features, one CSV row per picture.
 *
 *   verdict-features MODEL N_NEGATIVES_PER_KIND SEED > features.csv
 *
 * Rows for the MNIST training images (set "train"), the test images ("test") and
 * N seeded negatives of each kind of negatives.h ("neg-<kind>"), each negative
 * 96 x 96 and preprocessed as digits-cli predict does; a negative preprocessing
 * calls blank gets pieces -1. For choosing the rule's checks by measurement.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "negatives.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-verdict.h"

#define SIDE 96

static NnVerdictRule rule;
static int D;
static double *L;       /* Cholesky factor of the pooled covariance (D, D) */
static double *mu;      /* class means (10, D) */

/* Full Mahalanobis distance to the nearest class mean (for comparison). */
static double
full_distance (const float *feat)
{
  double best = INFINITY, z[4096], w[4096];
  for (int c = 0; c < 10; c++)
    {
      double d = 0;
      for (int j = 0; j < D; j++)
        z[j] = feat[j] - mu[c * D + j];
      for (int i = 0; i < D; i++) /* solve L w = z */
        {
          double v = z[i];
          for (int k = 0; k < i; k++)
            v -= L[i * D + k] * w[k];
          w[i] = v / L[i * D + i];
          d += w[i] * w[i];
        }
      best = MIN (best, d);
    }
  return sqrt (best / D);
}

static void
fit_full (NnModel *m, NnWorkspace *ws, const NnDataset *ds)
{
  int layer = nn_verdict_feature_layer (m);
  static float x[256 * NN_IMAGE_PIXELS];
  D = (int) nn_shape_size (m->layers[layer].out_shape);
  float *feats = g_new (float, (size_t) ds->n * D);
  int count[10] = { 0 };
  mu = g_new0 (double, 10 * D);
  L = g_new0 (double, D * D);
  for (int s = 0; s < ds->n; s += 256)
    {
      int n = MIN (256, ds->n - s);
      nn_dataset_get_batch (ds, s, n, x);
      nn_model_forward (m, ws, x, n);
      memcpy (feats + (size_t) s * D, nn_workspace_layer_output (ws, layer), sizeof (float) * n * D);
    }
  for (int i = 0; i < ds->n; i++)
    {
      count[ds->labels[i]]++;
      for (int j = 0; j < D; j++)
        mu[ds->labels[i] * D + j] += feats[(size_t) i * D + j];
    }
  for (int c = 0; c < 10; c++)
    for (int j = 0; j < D; j++)
      mu[c * D + j] /= MAX (count[c], 1);
  double *cov = g_new0 (double, D * D), z[4096];
  for (int i = 0; i < ds->n; i++)
    {
      for (int j = 0; j < D; j++)
        z[j] = feats[(size_t) i * D + j] - mu[ds->labels[i] * D + j];
      for (int a = 0; a < D; a++)
        for (int b = 0; b <= a; b++)
          cov[a * D + b] += z[a] * z[b];
    }
  double tr = 0;
  for (int a = 0; a < D; a++)
    tr += cov[a * D + a] / ds->n / D;
  for (int a = 0; a < D; a++)
    {
      for (int b = 0; b <= a; b++)
        cov[a * D + b] /= ds->n;
      cov[a * D + a] += 1e-3 * tr;
    }
  for (int i = 0; i < D; i++)
    for (int j = 0; j <= i; j++)
      {
        double v = cov[i * D + j];
        for (int k = 0; k < j; k++)
          v -= L[i * D + k] * L[j * D + k];
        L[i * D + j] = i == j ? sqrt (v) : v / L[j * D + j];
      }
  g_free (cov);
  g_free (feats);
}

static void
row (const char *set, int label, const float *x, const float *logits, const float *feat,
     int n_classes)
{
  NnVerdictFeatures f;
  int pred = 0;
  nn_verdict_features (&rule, x, logits, n_classes, feat, &f);
  for (int k = 1; k < n_classes; k++)
    if (logits[k] > logits[pred])
      pred = k;
  printf ("%s,%d,%d,%.5f,%d,%.5f,%.5f,%.6f,%.5f,%.5f,%d\n", set, label, pred, f.ink, f.pieces,
          f.largest, f.energy, f.max_prob, f.distance, feat != NULL ? full_distance (feat) : 0,
          f.holes);
}

static void
mnist_rows (NnModel *m, NnWorkspace *ws, NnMnistSplit split, const char *set)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_mnist_load (NULL, split, &error);
  static float x[256 * NN_IMAGE_PIXELS];
  if (ds == NULL)
    g_error ("%s", error->message);
  for (int s = 0; s < ds->n; s += 256)
    {
      int n = MIN (256, ds->n - s);
      nn_dataset_get_batch (ds, s, n, x);
      const float *logits = nn_model_forward (m, ws, x, n);
      const float *feat = nn_workspace_layer_output (ws, nn_verdict_feature_layer (m));
      for (int i = 0; i < n; i++)
        row (set, ds->labels[s + i], x + i * NN_IMAGE_PIXELS, logits + i * m->n_classes,
             feat + (size_t) i * rule.dim, m->n_classes);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (argc != 4)
    {
      fprintf (stderr, "usage: verdict-features MODEL N SEED\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  int n_neg = atoi (argv[2]);
  guint32 seed = (guint32) atoi (argv[3]);
  NnWorkspace *ws = nn_workspace_new (m, 256, NN_MODE_INFERENCE);

  {
    g_autoptr (NnDataset) train = nn_mnist_load (NULL, NN_MNIST_TRAIN, &error);
    if (train == NULL || !nn_verdict_rule_fit (m, ws, train, 0.01, &rule, NULL, &error))
      g_error ("%s", error->message);
    fit_full (m, ws, train);
  }
  printf ("set,label,pred,ink,pieces,largest,energy,max_prob,distance,full,holes\n");
  mnist_rows (m, ws, NN_MNIST_TRAIN, "train");
  mnist_rows (m, ws, NN_MNIST_TEST, "test");
  for (int k = 0; k < NEG_N_KINDS; k++)
    for (int i = 0; i < n_neg; i++)
      {
        guint8 grey[SIDE * SIDE];
        float x[NN_IMAGE_PIXELS];
        g_autofree char *set = g_strdup_printf ("neg-%s", neg_kind_name (k));
        neg_render (k, seed + (guint32) i, SIDE, grey);
        if (!nn_preprocess_digit (grey, SIDE, SIDE, SIDE, NN_BACKGROUND_AUTO, x, NULL))
          {
            printf ("%s,-1,-1,0,-1,0,0,0,0,0,0\n", set);
            continue;
          }
        const float *logits = nn_model_forward (m, ws, x, 1);
        row (set, -1, x, logits, nn_workspace_layer_output (ws, nn_verdict_feature_layer (m)),
             m->n_classes);
      }
  nn_workspace_free (ws);
  return 0;
}
