/* read-fit: fits the weights nn_number_read scores readings with.
 *
 *   read-fit [--without-detector | --pieces FILE] MODEL [N_PER_MODE [SEED]]
 *
 * Every way of reading N (default 2000) seeded numbers of each mode of numbers.h,
 * made of MNIST *training* digits (read-bench reads test digits), is kept; an
 * averaged structured perceptron (Collins 2002) then learns, from the weights
 * hand-set before, to score the way that reads each number right above the
 * others: wherever the best way misreads a number that some way reads right, the
 * weights move towards the features of the best right way and away from those of
 * the wrong one. Prints the averaged weights as nn-number.c's initializer.
 * --without-detector reads with the rule a model without one of its own gets
 * (a Keras-made file), for nn_number_weights_without_detector; --pieces reads
 * with the pieces model in FILE too, for nn_number_weights_in_place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "nn-keras.h"
#include "nn-number.h"

#define EPOCHS 4
#define STEP 0.05f

typedef struct {
  NnNumberLattice *lattice;
  char truth[8];
} Example;

/* NnNumberFeatures' fields in order, with their lengths. */
static const struct { const char *name; int n; } fields[] = {
  { "log_prob", 1 }, { "margin", 1 }, { "refused", 1 }, { "doubt", 1 }, { "score", 1 },
  { "score_softplus", 1 }, { "too_wide", 1 }, { "too_narrow", 1 }, { "width", 1 },
  { "short_", 1 }, { "digit", 1 }, { "part", 1 }, { "wide_part", 1 }, { "join", 1 },
  { "cuts", 1 }, { "crossed", 1 }, { "crossed_excess", 1 },
  { "digit_as", 10 }, { "part_as", 10 }, { "wide_as", 10 }, { "short_as", 10 },
  { "in_place", 1 }, { "in_place_as", 10 },
};

static void
print_weights (const char *name, const NnNumberFeatures *w)
{
  const float *v = (const float *) w;
  int at = 0;
  G_STATIC_ASSERT (sizeof (NnNumberFeatures) == 68 * sizeof (float));
  printf ("const NnNumberFeatures %s = {\n", name);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      printf ("  .%s = ", fields[i].name);
      if (fields[i].n == 1)
        printf ("%.4ff,\n", v[at++]);
      else
        {
          printf ("{");
          for (int k = 0; k < fields[i].n; k++)
            printf (" %.4ff%s", v[at++], k + 1 < fields[i].n ? "," : " },\n");
        }
    }
  printf ("};\n");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  gboolean plain = argc > 1 && strcmp (argv[1], "--without-detector") == 0;
  if (plain)
    argc--, argv++;
  g_autoptr (NnNumberPieces) pieces = plain ? NULL : num_pieces_option (&argc, &argv);
  int n = argc > 2 ? atoi (argv[2]) : 2000;
  guint32 seed = argc > 3 ? (guint32) atoi (argv[3]) : 50000;
  NnVerdictRule rule;

  if (argc < 2 || n < 1)
    {
      fprintf (stderr,
               "usage: read-fit [--without-detector | --pieces FILE] MODEL [N_PER_MODE [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  g_autoptr (NnDataset) train = nn_mnist_load (NULL, NN_MNIST_TRAIN, &error);
  if (train == NULL)
    g_error ("%s", error->message);
  if (plain)
    nn_verdict_rule_default (&rule);
  else
    nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  static guint8 grey[NUM_HEIGHT * NUM_MAX_WIDTH];
  int total = n * NUM_N_MODES;
  Example *ex = g_new0 (Example, total);

  fprintf (stderr, "%s: the ways of reading %d numbers of training digits per mode, seed %u\n",
           argv[1], n, seed);
  for (int mode = 0; mode < NUM_N_MODES; mode++)
    for (int i = 0; i < n; i++)
      {
        Example *e = &ex[mode * n + i];
        int width;
        num_render (train, mode, seed + (guint32) i, grey, &width, e->truth);
        e->lattice = nn_number_lattice_new (m, ws, &rule, pieces, grey, width, NUM_HEIGHT,
                                            NUM_MAX_WIDTH, NN_BACKGROUND_AUTO, &error);
        if (e->lattice == NULL)
          g_error ("%s", error->message);
      }

  /* The weights hand-set before: log-probabilities, refusals, doubt, widths; and
   * the reading in place as the digit model's. */
  NnNumberFeatures w = { .log_prob = 1, .refused = -3, .doubt = plain ? 0 : -1, .too_wide = -10,
                         .too_narrow = -10, .in_place = pieces != NULL },
                   sum = { 0 }, got, right;
  float *wv = (float *) &w, *sv = (float *) &sum;
  const float *gv = (const float *) &got, *rv = (const float *) &right;
  g_autofree int *order = g_new (int, total);
  GRand *rand = g_rand_new_with_seed (seed);
  char number[NN_NUMBER_MAX_DIGITS + 1], right_number[NN_NUMBER_MAX_DIGITS + 1];

  for (int i = 0; i < total; i++)
    order[i] = i;
  for (int epoch = 0; epoch < EPOCHS; epoch++)
    {
      int wrong = 0;
      for (int i = total - 1; i > 0; i--)
        {
          int j = g_rand_int_range (rand, 0, i + 1), t = order[i];
          order[i] = order[j], order[j] = t;
        }
      for (int i = 0; i < total; i++)
        {
          const Example *e = &ex[order[i]];
          nn_number_lattice_best (e->lattice, &w, NULL, number, &got);
          if (strcmp (number, e->truth) != 0)
            {
              wrong++;
              if (nn_number_lattice_best (e->lattice, &w, e->truth, right_number, &right))
                for (int k = 0; k < NN_NUMBER_N_FEATURES; k++)
                  wv[k] += STEP * (rv[k] - gv[k]);
            }
          for (int k = 0; k < NN_NUMBER_N_FEATURES; k++)
            sv[k] += wv[k];
        }
      fprintf (stderr, "epoch %d: %d of %d misread (%.2f%%)\n", epoch + 1, wrong, total,
               100.0 * wrong / total);
    }
  for (int k = 0; k < NN_NUMBER_N_FEATURES; k++)
    sv[k] /= (float) EPOCHS * total;
  print_weights (plain ? "nn_number_weights_without_detector"
                 : pieces != NULL ? "nn_number_weights_in_place" : "nn_number_weights", &sum);

  for (int i = 0; i < total; i++)
    nn_number_lattice_free (ex[i].lattice);
  g_free (ex);
  g_rand_free (rand);
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
  return 0;
}
