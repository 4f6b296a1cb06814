/* read-bench: how well and how fast nn_number_read reads numbers.
 *
 *   read-bench [--pieces FILE] MODEL [N_PER_MODE [SEED]]
 *
 * N (default 1000) seeded numbers of each mode of numbers.h, made of MNIST test
 * digits: the share read exactly (every digit, nothing more, nothing less), how
 * many the not-a-digit rule called not a number (and how many of those were read
 * right all the same), and the mean time of one read, with the model's own rule.
 * READ_BENCH_SCALE=K (1 to 4) reads the pictures K times as large (bilinear), as
 * the app reads its canvas (140 pixels high): the time of a read grows with its
 * pixels, its accuracy should not. --pieces reads with a pieces model
 * (nn-number.h) too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "nn-keras.h"
#include "nn-number.h"

/* A number read wrong: its digits (box, confidence, verdict) and, when
 * READ_BENCH_DUMP names a folder, the picture with the boxes drawn under it. */
static void
show (const NnNumberReading *rd, int mode, guint32 seed, const char *truth, const guint8 *grey,
      int width)
{
  const char *dir = g_getenv ("READ_BENCH_DUMP");
  printf ("  %s %u: %s read as %s:", num_mode_name (mode), seed, truth, rd->number);
  for (int k = 0; k < rd->n; k++)
    printf (" %d@%d+%d(%.2f%s)", rd->digits[k].digit, rd->digits[k].x, rd->digits[k].w,
            rd->digits[k].confidence, rd->digits[k].verdict == NN_VERDICT_DIGIT ? "" : ",refused");
  printf ("\n");
  if (dir == NULL)
    return;
  g_autoptr (NnGreyImage) img = nn_grey_image_new (width, 2 * NUM_HEIGHT);
  memset (img->pixels, 0, (size_t) width * 2 * NUM_HEIGHT);
  for (int y = 0; y < NUM_HEIGHT; y++)
    for (int x = 0; x < width; x++)
      img->pixels[y * width + x] = img->pixels[(y + NUM_HEIGHT) * width + x]
        = grey[y * NUM_MAX_WIDTH + x];
  for (int k = 0; k < rd->n; k++)
    {
      const NnNumberDigit *d = &rd->digits[k];
      guint8 mark = k % 2 ? 90 : 160;
      for (int x = d->x; x < d->x + d->w; x++)
        img->pixels[(NUM_HEIGHT + d->y - 1) * width + x] = mark,
        img->pixels[(NUM_HEIGHT + MIN (d->y + d->h, NUM_HEIGHT - 1)) * width + x] = mark;
      for (int y = d->y; y < d->y + d->h; y++)
        img->pixels[(NUM_HEIGHT + y) * width + d->x] = mark,
        img->pixels[(NUM_HEIGHT + y) * width + d->x + d->w - 1] = mark;
    }
  g_autofree char *name = g_strdup_printf ("%s/%s-%u-%s-as-%s.png", dir, num_mode_name (mode),
                                           seed, truth, rd->number);
  nn_grey_image_save_png (img, name, NULL);
}

/* grey (NUM_HEIGHT x width, stride NUM_MAX_WIDTH) k times as large, bilinear,
 * into big (stride k * NUM_MAX_WIDTH). */
static void
enlarge (const guint8 *grey, int width, int k, guint8 *big)
{
  for (int y = 0; y < k * NUM_HEIGHT; y++)
    for (int x = 0; x < k * width; x++)
      {
        double u = (x + 0.5) / k - 0.5, v = (y + 0.5) / k - 0.5;
        int x0 = CLAMP ((int) u, 0, width - 1), y0 = CLAMP ((int) v, 0, NUM_HEIGHT - 1);
        int x1 = MIN (x0 + 1, width - 1), y1 = MIN (y0 + 1, NUM_HEIGHT - 1);
        double wx = CLAMP (u - x0, 0, 1), wy = CLAMP (v - y0, 0, 1);
        double top = grey[y0 * NUM_MAX_WIDTH + x0] * (1 - wx) + grey[y0 * NUM_MAX_WIDTH + x1] * wx;
        double bottom = grey[y1 * NUM_MAX_WIDTH + x0] * (1 - wx) + grey[y1 * NUM_MAX_WIDTH + x1] * wx;
        big[(size_t) y * k * NUM_MAX_WIDTH + x] = (guint8) (top * (1 - wy) + bottom * wy + 0.5);
      }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnNumberPieces) pieces = num_pieces_option (&argc, &argv);
  int n = argc > 2 ? atoi (argv[2]) : 1000, right_all = 0;
  guint32 seed = argc > 3 ? (guint32) atoi (argv[3]) : 1;
  NnVerdictRule rule;

  if (argc < 2 || n < 1)
    {
      fprintf (stderr, "usage: read-bench [--pieces FILE] MODEL [N_PER_MODE [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  if (test == NULL)
    g_error ("%s", error->message);
  nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  static guint8 grey[NUM_HEIGHT * NUM_MAX_WIDTH];
  int k = g_getenv ("READ_BENCH_SCALE") ? CLAMP (atoi (g_getenv ("READ_BENCH_SCALE")), 1, 4) : 1;
  g_autofree guint8 *big = g_new (guint8, (size_t) k * NUM_HEIGHT * k * NUM_MAX_WIDTH);
  NnNumberReading reading;

  printf ("%s, %d numbers of 2-6 MNIST test digits per mode, seed %u, %d pixels high\n", argv[1], n,
          seed, k * NUM_HEIGHT);
  for (int mode = 0; mode < NUM_N_MODES; mode++)
    {
      int right = 0, not_number = 0, refused_right = 0;
      double seconds = 0;
      for (int i = 0; i < n; i++)
        {
          char truth[8];
          int width;
          num_render (test, mode, seed + (guint32) i, grey, &width, truth);
          if (k > 1)
            enlarge (grey, width, k, big);
          gint64 t0 = g_get_monotonic_time ();
          if (!nn_number_read (m, ws, &rule, pieces, k > 1 ? big : grey, k * width, k * NUM_HEIGHT,
                               k * NUM_MAX_WIDTH,
                               NN_BACKGROUND_AUTO, &reading, &error))
            g_error ("%s", error->message);
          seconds += (g_get_monotonic_time () - t0) / 1e6;
          right += strcmp (reading.number, truth) == 0;
          if (g_getenv ("READ_BENCH_SHOW") != NULL && strcmp (reading.number, truth) != 0)
            show (&reading, mode, seed + (guint32) i, truth, grey, width);
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
