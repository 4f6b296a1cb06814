/* verdict-bench: what a model's not-a-digit rule refuses.
 *
 *   verdict-bench MODEL [N_PER_KIND [SEED]]
 *
 * The share of the MNIST test images the model's rule (or the default rule, for a
 * model without one) refuses, as they are and drawn again (each field scaled up
 * to a dark-on-light picture and preprocessed as a drawing, with how many of the
 * refusals its detector made), and the share of N seeded negatives of each kind
 * of negatives.h (default 1000, seed 1) it flags as not a digit or blank, each
 * drawn at 96 x 96 and preprocessed as digits-cli predict does. Then the same for
 * the kinds of nn-negatives.h, the drawings the detector's fit learns from, at
 * these seeds (the fit draws from seeds of its own). negatives.h draws its kinds
 * with Cairo, apart from the fit's own drawing code, and adds font letters, a kind
 * the fit never sees; "all negatives" counts negatives.h's kinds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "negatives.h"
#include "nn-negatives.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-verdict.h"

#define SIDE 96

static NnVerdictFeatures f;

/* The verdict on one picture; its features are left in f. */
static NnVerdict
judge (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, int layer, const guint8 *grey)
{
  float x[NN_IMAGE_PIXELS];
  f.score = -INFINITY;
  if (!nn_preprocess_digit (grey, SIDE, SIDE, SIDE, NN_BACKGROUND_AUTO, x, NULL))
    return NN_VERDICT_BLANK;
  const float *logits = nn_model_forward (m, ws, x, 1);
  nn_verdict_features (rule, x, logits, m->n_classes,
                       rule->dim > 0 ? nn_workspace_layer_output (ws, layer) : NULL, &f);
  return nn_verdict_judge (rule, &f);
}

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
  /* The same digits drawn again: each field scaled up three times as a dark-on-light
   * picture and preprocessed as a drawing is, as the pieces of a number are. */
  int by_detector = 0;
  refused = 0;
  for (int i = 0; i < test->n; i++)
    {
      guint8 grey[SIDE * SIDE];
      float field[NN_IMAGE_PIXELS];
      nn_dataset_get_batch (test, i, 1, field);
      memset (grey, 255, sizeof grey);
      for (int y = 0; y < 84; y++)
        for (int x = 0; x < 84; x++)
          grey[(y + 6) * SIDE + x + 6] = (guint8) (255 - 255 * field[(y / 3) * 28 + x / 3]);
      refused += judge (m, ws, &rule, layer, grey) != NN_VERDICT_DIGIT;
      by_detector += rule.weights != NULL && f.score > rule.max_score;
    }
  printf ("MNIST test redrawn refused %5.2f%% (%d/%d; by the detector %d)\n",
          100.0 * refused / test->n, refused, test->n, by_detector);
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
  for (int k = 0; k < NN_NEGATIVE_N_KINDS; k++)
    {
      int flagged = 0;
      for (int i = 0; i < n_neg; i++)
        {
          guint8 grey[SIDE * SIDE];
          nn_negative_render (k, seed + (guint32) i, SIDE, grey);
          flagged += judge (m, ws, &rule, layer, grey) != NN_VERDICT_DIGIT;
        }
      printf ("core %-8s flagged    %5.1f%% (%d/%d)\n", nn_negative_kind_name (k),
              100.0 * flagged / n_neg, flagged, n_neg);
    }
  /* Touching pairs of test digits, as a reader of numbers meets them before it
   * cuts them (the fit makes its pairs of training digits). */
  int pairs_flagged[2] = { 0 }, pairs[2] = { 0 };
  for (int i = 0; i < n_neg; i++)
    {
      guint8 grey[NN_PAIR_HEIGHT * NN_PAIR_MAX_WIDTH];
      float x[NN_IMAGE_PIXELS];
      int a = (int) ((seed + 7919u * i) % (guint32) test->n);
      int b = (int) ((seed + 104729u * i + 1) % (guint32) test->n), width;
      int with_one = test->labels[a] == 1 || test->labels[b] == 1;
      nn_negative_pair (test->images + (size_t) a * NN_IMAGE_PIXELS,
                        test->images + (size_t) b * NN_IMAGE_PIXELS, seed + (guint32) i, grey,
                        &width);
      pairs[with_one]++;
      if (!nn_preprocess_digit (grey, width, NN_PAIR_HEIGHT, NN_PAIR_MAX_WIDTH, NN_BACKGROUND_DARK,
                                x, NULL))
        continue;
      const float *logits = nn_model_forward (m, ws, x, 1);
      nn_verdict_features (&rule, x, logits, m->n_classes,
                           rule.dim > 0 ? nn_workspace_layer_output (ws, layer) : NULL, &f);
      pairs_flagged[with_one] += nn_verdict_judge (&rule, &f) != NN_VERDICT_DIGIT;
    }
  printf ("touching pairs flagged  %5.1f%% (%d/%d; with a 1: %d/%d)\n",
          100.0 * (pairs_flagged[0] + pairs_flagged[1]) / n_neg, pairs_flagged[0] + pairs_flagged[1],
          n_neg, pairs_flagged[1], pairs[1]);
  printf ("all negatives flagged   %5.1f%% (%d/%d)\n", 100.0 * flagged_all / (n_neg * NEG_N_KINDS),
          flagged_all, n_neg * NEG_N_KINDS);
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
  return 0;
}
