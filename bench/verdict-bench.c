/* verdict-bench: what a model's not-a-digit rule refuses.
 *
 *   verdict-bench MODEL [N_PER_KIND [SEED]]
 *
 * The share of the MNIST test images the model's rule (or the default rule, for a
 * model without one) refuses, and the share of N seeded negatives of each kind of
 * negatives.h (default 1000, seed 1) it flags as not a digit or blank, each drawn
 * at 96 x 96 and preprocessed as digits-cli predict does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "negatives.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-verdict.h"

#define SIDE 96

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  NnVerdictRule rule;
  int n_neg = argc > 2 ? atoi (argv[2]) : 1000, flagged_all = 0, refused = 0;
  guint32 seed = argc > 3 ? (guint32) atoi (argv[3]) : 1;

  if (argc < 2 || n_neg < 1)
    {
      fprintf (stderr, "usage: verdict-bench MODEL [N_PER_KIND [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  if (test == NULL)
    g_error ("%s", error->message);
  gboolean stored = nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, 256, NN_MODE_INFERENCE);
  g_autofree NnVerdict *v = g_new (NnVerdict, test->n);
  int layer = nn_verdict_feature_layer (m);

  nn_verdict_run (m, ws, &rule, test, v, NULL, NULL);
  for (int i = 0; i < test->n; i++)
    refused += v[i] != NN_VERDICT_DIGIT;
  printf ("%s (%s rule)\n", argv[1], stored ? "its own" : "the default");
  printf ("MNIST test refused      %5.2f%% (%d/%d)\n", 100.0 * refused / test->n, refused,
          test->n);
  for (int k = 0; k < NEG_N_KINDS; k++)
    {
      int flagged = 0;
      for (int i = 0; i < n_neg; i++)
        {
          guint8 grey[SIDE * SIDE];
          float x[NN_IMAGE_PIXELS];
          NnVerdictFeatures f;
          neg_render (k, seed + (guint32) i, SIDE, grey);
          if (!nn_preprocess_digit (grey, SIDE, SIDE, SIDE, NN_BACKGROUND_AUTO, x, NULL))
            {
              flagged++; /* blank */
              continue;
            }
          const float *logits = nn_model_forward (m, ws, x, 1);
          nn_verdict_features (&rule, x, logits, m->n_classes,
                               rule.dim > 0 ? nn_workspace_layer_output (ws, layer) : NULL, &f);
          flagged += nn_verdict_judge (&rule, &f) != NN_VERDICT_DIGIT;
        }
      printf ("%-10s flagged      %5.1f%% (%d/%d)\n", neg_kind_name (k), 100.0 * flagged / n_neg,
              flagged, n_neg);
      flagged_all += flagged;
    }
  printf ("all negatives flagged   %5.1f%% (%d/%d)\n", 100.0 * flagged_all / (n_neg * NEG_N_KINDS),
          flagged_all, n_neg * NEG_N_KINDS);
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
  return 0;
}
