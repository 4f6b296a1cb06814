/* read-bench: how well and how fast nn_number_read reads numbers.
 *
 *   read-bench MODEL [N_PER_MODE [SEED]]
 *
 * N (default 1000) seeded numbers of each mode of numbers.h, made of MNIST test
 * digits: the share read exactly (every digit, nothing more, nothing less), how
 * many the not-a-digit rule called not a number (and how many of those were read
 * right all the same), and the mean time of one read, with the model's own rule.
 */
#include <stdio.h>
#include <stdlib.h>

#include "numbers.h"
#include "nn-keras.h"
#include "nn-number.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int n = argc > 2 ? atoi (argv[2]) : 1000, right_all = 0;
  guint32 seed = argc > 3 ? (guint32) atoi (argv[3]) : 1;
  NnVerdictRule rule;

  if (argc < 2 || n < 1)
    {
      fprintf (stderr, "usage: read-bench MODEL [N_PER_MODE [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  if (test == NULL)
    g_error ("%s", error->message);
  nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  static guint8 grey[NUM_HEIGHT * NUM_MAX_WIDTH];
  NnNumberReading reading;

  printf ("%s, %d numbers of 2-6 MNIST test digits per mode, seed %u\n", argv[1], n, seed);
  for (int mode = 0; mode < NUM_N_MODES; mode++)
    {
      int right = 0, not_number = 0, refused_right = 0;
      double seconds = 0;
      for (int i = 0; i < n; i++)
        {
          char truth[8];
          int width;
          num_render (test, mode, seed + (guint32) i, grey, &width, truth);
          gint64 t0 = g_get_monotonic_time ();
          if (!nn_number_read (m, ws, &rule, grey, width, NUM_HEIGHT, NUM_MAX_WIDTH,
                               NN_BACKGROUND_AUTO, &reading, &error))
            g_error ("%s", error->message);
          seconds += (g_get_monotonic_time () - t0) / 1e6;
          right += strcmp (reading.number, truth) == 0;
          if (g_getenv ("READ_BENCH_SHOW") != NULL && strcmp (reading.number, truth) != 0)
            printf ("  %s: %s read as %s\n", num_mode_name (mode), truth, reading.number);
          not_number += reading.verdict != NN_NUMBER_NUMBER;
          refused_right += reading.verdict != NN_NUMBER_NUMBER && strcmp (reading.number, truth) == 0;
        }
      printf ("%-9s exact %6.2f%% (%d/%d), not-a-number %d (%d read right), %.2f ms per read\n",
              num_mode_name (mode), 100.0 * right / n, right, n, not_number, refused_right,
              1e3 * seconds / n);
      right_all += right;
    }
  printf ("all       exact %6.2f%%\n", 100.0 * right_all / (n * NUM_N_MODES));
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
  return 0;
}
