/* make-number-png: a picture of touching MNIST test digits (bench/numbers.c) that
 * MODEL reads right with the pieces model and wrong without it, for e2e-number's
 * opened picture.
 *
 *   make-number-png MODEL PIECES OUT.png
 *
 * Writes the first such number of seeds 1 to 100 four times as large, dark ink on
 * white paper, and prints it and what MODEL alone reads; exits 77 without MNIST,
 * 1 when no seed has such a number. */
#include <stdio.h>
#include <string.h>

#include "numbers.h"
#include "nn-keras.h"

#define SCALE 4

static void
save (const guint8 *grey, int width, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGreyImage) img = nn_grey_image_new (SCALE * width, SCALE * NUM_HEIGHT);
  for (int y = 0; y < SCALE * NUM_HEIGHT; y++)
    for (int x = 0; x < SCALE * width; x++)
      img->pixels[y * SCALE * width + x] = 255 - grey[(y / SCALE) * NUM_MAX_WIDTH + x / SCALE];
  if (!nn_grey_image_save_png (img, path, &error))
    g_error ("%s: %s", path, error->message);
}

int
main (int argc, char **argv)
{
  static guint8 grey[NUM_HEIGHT * NUM_MAX_WIDTH];
  g_autoptr (GError) error = NULL;
  NnNumberReading with, without;
  NnVerdictRule rule;
  char truth[8];
  int width;

  if (argc != 4)
    {
      fprintf (stderr, "usage: make-number-png MODEL PIECES OUT.png\n");
      return 2;
    }
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, NULL);
  if (test == NULL)
    return 77;
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  NnModel *pm = m != NULL ? nn_keras_load (argv[2], &error) : NULL;
  g_autoptr (NnNumberPieces) pieces = pm != NULL ? nn_number_pieces_new (pm, &error) : NULL;
  if (pieces == NULL)
    g_error ("%s", error->message);
  nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  for (guint32 seed = 1; seed <= 100; seed++)
    {
      num_render (test, NUM_TOUCHING, seed, grey, &width, truth);
      if (!nn_number_read (m, ws, &rule, pieces, grey, width, NUM_HEIGHT, NUM_MAX_WIDTH,
                           NN_BACKGROUND_DARK, &with, &error)
          || !nn_number_read (m, ws, &rule, NULL, grey, width, NUM_HEIGHT, NUM_MAX_WIDTH,
                              NN_BACKGROUND_DARK, &without, &error))
        g_error ("%s", error->message);
      if (strcmp (with.number, truth) == 0 && strcmp (without.number, truth) != 0)
        {
          save (grey, width, argv[3]);
          printf ("%s %s\n", truth, without.number);
          return 0;
        }
    }
  return 1;
}
