/* pieces-fit: trains the pieces model that nn_number_read may read each
 * candidate digit in its place with (nn-number.h).
 *
 *   pieces-fit MODEL OUT [N_PER_MODE [SEED]]
 *
 * MODEL reads N (default 15000) seeded numbers of each mode of numbers.h, made of
 * MNIST *training* digits (seed 90000 by default, apart from read-fit's 50000),
 * keeping every way of reading each. Every picture a lattice read, in place, is
 * an example: those of the way that reads the number right (the best such way
 * under the weights MODEL reads with alone, each picture read as its digit
 * whatever MODEL made of it) labelled with their digit, the others with class
 * 10, "not one whole digit". nn_zoo_pieces learns them in EPOCHS
 * epochs of one cycle (AdamW, shifts of up to 5%, the last epoch clean), a tenth
 * held out to report on, and OUT is written as a Keras file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "nn-fit.h"
#include "nn-keras.h"
#include "nn-zoo.h"

#define EPOCHS 4
#define PEAK 2e-3f
#define NOT_ONE_DIGIT 10

/* How much boxes a and b overlap: the area they share over the area of both. */
static double
overlap (const NnNumberDigit *a, const NnNumberDigit *b)
{
  int w = MIN (a->x + a->w, b->x + b->w) - MAX (a->x, b->x);
  int h = MIN (a->y + a->h, b->y + b->h) - MAX (a->y, b->y);
  double both = (double) a->w * a->h + (double) b->w * b->h - (double) MAX (w, 0) * MAX (h, 0);
  return w > 0 && h > 0 ? (double) w * h / both : 0;
}

/* A picture the right way reads as a digit whose box overlaps that digit's
 * less than this is left out: the lattice had no cut near the right one. */
#define MIN_OVERLAP 0.3
#define LEFT_OUT 0xff

/* Appends the pictures of one lattice, labelled, to images and labels: those of
 * the way that reads truth best under weights, any picture read as any digit,
 * with their digit (or left out, by their box and the digit's in boxes), the
 * others with NOT_ONE_DIGIT. */
static void
add_pictures (const NnNumberLattice *lat, const NnNumberFeatures *weights, const char *truth,
              const NnNumberDigit *boxes, GByteArray *images, GByteArray *labels)
{
  int right[NN_NUMBER_MAX_DIGITS], n_right = nn_number_lattice_right_pictures (lat, weights, truth,
                                                                              right);
  for (int i = 0; i < nn_number_lattice_n_pictures (lat); i++)
    {
      const float *x = nn_number_lattice_in_place (lat, i);
      guint8 pixels[NN_IMAGE_PIXELS], label = NOT_ONE_DIGIT;
      for (int k = 0; k < n_right; k++)
        if (right[k] == i)
          label = overlap (nn_number_lattice_picture (lat, i), &boxes[k]) >= MIN_OVERLAP
                    ? (guint8) (truth[k] - '0') : LEFT_OUT;
      if (label == LEFT_OUT)
        continue;
      for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        pixels[p] = (guint8) lrintf (CLAMP (x[p], 0.0f, 1.0f) * 255);
      g_byte_array_append (images, pixels, NN_IMAGE_PIXELS);
      g_byte_array_append (labels, &label, 1);
    }
}

/* The examples, shuffled with seed. */
static NnDataset *
collect (NnModel *m, const NnDataset *train, int n, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) images = g_byte_array_new ();
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  static guint8 grey[NUM_HEIGHT * NUM_MAX_WIDTH];
  NnVerdictRule rule;

  nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  for (int mode = 0; mode < NUM_N_MODES; mode++)
    for (int i = 0; i < n; i++)
      {
        char truth[8];
        NnNumberDigit boxes[NN_NUMBER_MAX_DIGITS];
        int width;
        num_render_boxes (train, mode, seed + (guint32) i, grey, &width, truth, boxes);
        NnNumberLattice *lat = nn_number_lattice_new (m, ws, &rule, NULL, grey, width, NUM_HEIGHT,
                                                      NUM_MAX_WIDTH, NN_BACKGROUND_AUTO, &error);
        if (lat == NULL)
          g_error ("%s", error->message);
        add_pictures (lat, nn_number_weights_for (&rule, NULL), truth, boxes, images, labels);
        nn_number_lattice_free (lat);
      }
  nn_workspace_free (ws);
  nn_verdict_rule_clear (&rule);

  NnDataset *ds = nn_dataset_new ((int) labels->len);
  GRand *rand = g_rand_new_with_seed (seed);
  for (int i = 0; i < ds->n; i++)
    ds->labels[i] = labels->data[i];
  memcpy (ds->images, images->data, images->len);
  for (int i = ds->n - 1; i > 0; i--)
    {
      int j = g_rand_int_range (rand, 0, i + 1);
      guint8 t[NN_IMAGE_PIXELS], l = ds->labels[i];
      memcpy (t, ds->images + (size_t) i * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS);
      memcpy (ds->images + (size_t) i * NN_IMAGE_PIXELS, ds->images + (size_t) j * NN_IMAGE_PIXELS,
              NN_IMAGE_PIXELS);
      memcpy (ds->images + (size_t) j * NN_IMAGE_PIXELS, t, NN_IMAGE_PIXELS);
      ds->labels[i] = ds->labels[j], ds->labels[j] = l;
    }
  g_rand_free (rand);
  return ds;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int n = argc > 3 ? atoi (argv[3]) : 15000;
  guint32 seed = argc > 4 ? (guint32) atoi (argv[4]) : 90000;

  if (argc < 3 || n < 1)
    {
      fprintf (stderr, "usage: pieces-fit MODEL OUT [N_PER_MODE [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  g_autoptr (NnDataset) train = nn_mnist_load (NULL, NN_MNIST_TRAIN, &error);
  if (train == NULL)
    g_error ("%s", error->message);
  fprintf (stderr, "%s: the pictures of %d numbers of training digits per mode, seed %u\n",
           argv[1], n, seed);
  g_autoptr (NnDataset) all = collect (m, train, n, seed);
  int n_val = all->n / 10, whole = 0;
  for (int i = 0; i < all->n; i++)
    whole += all->labels[i] != NOT_ONE_DIGIT;
  fprintf (stderr, "%d pictures, %d of them whole digits\n", all->n, whole);
  g_autoptr (NnDataset) fit = nn_dataset_slice (all, 0, all->n - n_val);
  g_autoptr (NnDataset) val = nn_dataset_slice (all, all->n - n_val, n_val);

  g_autoptr (NnModel) pieces = nn_zoo_pieces ();
  nn_model_init_weights (pieces, seed);
  NnFitConfig cfg;
  NnFitResult result;
  nn_fit_config_init (&cfg);
  int steps = (fit->n + 127) / 128;
  cfg.epochs = EPOCHS;
  cfg.batch_size = 128;
  cfg.seed = seed;
  cfg.threads = (int) g_get_num_processors ();
  cfg.optimizer = nn_optimizer_config_default (NN_OPTIMIZER_ADAMW);
  cfg.optimizer.learning_rate = PEAK;
  cfg.optimizer.weight_decay = 0.05f;
  cfg.schedule = nn_schedule_warmup_cosine (PEAK / 10, PEAK, steps / 2,
                                            (gint64) steps * EPOCHS - steps / 2, 0.0f);
  cfg.augment.translation = 0.05f;
  cfg.augment_epochs = EPOCHS - 1;
  cfg.keep_last = TRUE;
  if (!nn_fit (pieces, fit, val, &cfg, &result, &error))
    g_error ("%s", error->message);
  fprintf (stderr, "held-out accuracy %.2f%% (%.0f s)\n", 100 * result.best_val_accuracy,
           result.seconds);
  if (!nn_keras_save (pieces, argv[2], NULL, &error))
    g_error ("%s: %s", argv[2], error->message);
  return 0;
}
