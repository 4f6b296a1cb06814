/* augment-bench: what each recipe's augmentation costs per training image.
 *
 *   augment-bench [IMAGES]      (MNIST from DIGITS_MNIST_DIR)
 *
 * A training step waits for its batch when the helper thread that prepares it
 * (nn-fit.c) is slower than the step, and on a machine whose cores all run the
 * step the helper's time is taken from it; either way an epoch costs at least
 * IMAGES x this figure of one core. Prints µs per image for each recipe, over the
 * first IMAGES (default 20,000) training images, one thread, best of 3.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nn-augment.h"
#include "nn-dataset.h"
#include "nn-fit.h"
#include "nn-recipe.h"

static double
time_augment (const NnAugmentConfig *a, const NnDataset *ds, int n, float *x, int *idx)
{
  double best = G_MAXDOUBLE;
  for (int rep = 0; rep < 3; rep++)
    {
      gint64 t0 = g_get_monotonic_time ();
      for (int start = 0; start < n; start += 128)
        {
          int count = MIN (128, n - start);
          for (int i = 0; i < count; i++)
            idx[i] = start + i;
          nn_fit_gather (ds, idx, count, x, NULL);
          for (int i = 0; i < count; i++)
            nn_augment_image (a, x + (size_t) i * NN_IMAGE_PIXELS, 1, (guint64) rep,
                              (guint64) (start + i));
        }
      best = MIN (best, (g_get_monotonic_time () - t0) / (double) n);
    }
  return best;
}

int
main (int argc, char **argv)
{
  int n = argc > 1 ? atoi (argv[1]) : 20000;
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_mnist_load (dir ? dir : "data/mnist", NN_MNIST_TRAIN, &error);
  if (!ds)
    {
      fprintf (stderr, "augment-bench: %s\n", error->message);
      return 1;
    }
  n = CLAMP (n, 1, ds->n);
  float *x = g_new (float, 128 * NN_IMAGE_PIXELS);
  int idx[128];
  static const NnRecipeKind kinds[] = { NN_RECIPE_CNN, NN_RECIPE_ADVANCED, NN_RECIPE_QUICK };
  printf ("%-9s %10s %16s\n", "recipe", "µs/image", "s per 54k epoch");
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      NnRecipeOptions o;
      NnFitConfig cfg;
      nn_recipe_options_init (&o, kinds[k]);
      nn_recipe_fit_config (&o, ds->n, &cfg);
      double us = time_augment (&cfg.augment, ds, n, x, idx);
      printf ("%-9s %10.1f %16.2f\n", nn_recipe_name (kinds[k]), us, us * 54000 / 1e6);
    }
  g_free (x);
  return 0;
}
