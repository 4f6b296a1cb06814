/* teach-bench: how fast and how well a correction teaches the personal model.
 *
 *   teach-bench BASE.keras POOL_DIR CHECK_DIR [CORRECTIONS]
 *
 * POOL_DIR and CHECK_DIR are folders of someone's handwriting in the 0 ... 9
 * layout (bench/teach.sh renders them from fonts with tests/finetune/font-digits,
 * two seeds: the same style, other images). Both parts run what the app's
 * "It's a…" runs (nn_personal_tune with a pool of 6,000 replayed MNIST training
 * images, NN_PERSONAL_REPLAY_POOL), with MNIST from DIGITS_MNIST_DIR:
 *
 *   quality  the user corrects up to 5 digits per class that the base model
 *            misreads (the first ones of POOL_DIR); accuracy on CHECK_DIR and on
 *            the 10,000 MNIST test images before and after one tune;
 *   speed    with 200 - CORRECTIONS samples already saved, CORRECTIONS (default
 *            20) corrections in a row: each saves one more sample, tunes, and
 *            opens the new model the way the app opens a user's file (in the
 *            reader process); the seconds of each, then min, median, 90th
 *            percentile and max. The window's own work (a repaint) is not in it.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn-dataset.h"
#include "nn-fit.h"
#include "nn-folder.h"
#include "nn-keras.h"
#include "nn-model-file.h"
#include "nn-personal.h"

#define PER_CLASS_CORRECTED 5
#define SAMPLES_AT_MOST 200

static void
die (GError *error)
{
  fprintf (stderr, "teach-bench: %s\n", error->message);
  exit (1);
}

static double
accuracy (NnModel *m, const NnDataset *ds)
{
  float acc = 0;

  nn_fit_evaluate (m, ds, 0.0f, NN_FIT_EVAL_BATCH, NULL, &acc, NULL);
  return 100.0 * acc;
}

/* The pool's images in turns of the ten classes (the folder lists them class by
 * class): the first k saved hold every digit. */
static int *
by_turns (const NnDataset *pool)
{
  int *order = g_new (int, pool->n), start[11] = { 0 }, taken[10] = { 0 }, n = 0;

  for (int i = 0; i < pool->n; i++)
    start[pool->labels[i] + 1]++;
  for (int c = 0; c < 10; c++)
    start[c + 1] += start[c];
  while (n < pool->n)
    for (int c = 0; c < 10; c++)
      if (start[c] + taken[c] < start[c + 1])
        order[n++] = start[c] + taken[c]++;
  return order;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_dir_open (path, 0, NULL) : NULL;
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  if (dir)
    g_dir_close (dir);
  g_remove (path);
}

/* Copies pool image i into samples/<label>/, as the app saves a correction. */
static void
save_sample (const NnDataset *pool, int i, const char *samples)
{
  g_autofree char *dir = g_strdup_printf ("%s/%d", samples, pool->labels[i]);
  g_autofree char *base = g_path_get_basename (pool->paths[i]);
  g_autofree char *path = g_build_filename (dir, base, NULL);
  g_autofree char *contents = NULL;
  gsize length;
  GError *error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_get_contents (pool->paths[i], &contents, &length, &error)
      || !g_file_set_contents (path, contents, (gssize) length, &error))
    die (error);
}

static void
tune (const char *base, const char *samples, const char *out, const NnDataset *replay,
      const NnDataset *check, guint64 seed, NnPersonalReport *report)
{
  NnPersonalOptions o;
  GError *error = NULL;

  nn_personal_options_init (&o);
  o.base = base;
  o.samples_dir = samples;
  o.out = out;
  o.replay = replay;
  o.check = check;
  o.measure = check != NULL;
  o.seed = seed;
  if (!nn_personal_tune (&o, report, &error))
    die (error);
}

static void
quality (NnModel *base_model, const char *base, const NnDataset *pool, const NnDataset *check,
         const NnDataset *replay, const NnDataset *test, const char *root)
{
  g_autofree char *samples = g_build_filename (root, "quality", NULL);
  g_autofree char *out = g_build_filename (root, "quality.keras", NULL);
  NnWorkspace *ws = nn_workspace_new (base_model, 1, NN_MODE_INFERENCE);
  int corrected[10] = { 0 }, n = 0;
  float x[NN_IMAGE_PIXELS], probs[64];
  NnPersonalReport r = { 0 };
  GError *error = NULL;

  for (int i = 0; i < pool->n; i++)
    {
      int label = pool->labels[i], best = 0;
      if (corrected[label] >= PER_CLASS_CORRECTED)
        continue;
      nn_dataset_get_batch (pool, i, 1, x);
      nn_model_predict (base_model, ws, x, 1, probs);
      for (int k = 1; k < base_model->n_classes; k++)
        best = probs[k] > probs[best] ? k : best;
      if (best != label)
        {
          save_sample (pool, i, samples);
          corrected[label]++;
          n++;
        }
    }
  nn_workspace_free (ws);
  printf ("quality: %d misread digits corrected (per class:", n);
  for (int c = 0; c < 10; c++)
    printf (" %d", corrected[c]);
  printf (")\n");
  if (n == 0)
    return;
  tune (base, samples, out, replay, check, 1, &r);
  g_autoptr (NnModel) personal = nn_keras_load (out, &error);
  if (personal == NULL)
    die (error);
  printf ("  the same hand, %d other images  %.1f%% -> %.1f%%\n", check->n,
          100.0 * r.check_before, 100.0 * r.check_after);
  double before = accuracy (base_model, test), after = accuracy (personal, test);
  printf ("  MNIST test, %d images          %.2f%% -> %.2f%% (%+.2f points)\n", test->n, before,
          after, after - before);
  nn_personal_report_clear (&r);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
speed (const char *base, const NnDataset *pool, const NnDataset *replay, int corrections,
       const char *root)
{
  g_autofree char *samples = g_build_filename (root, "speed", NULL);
  g_autofree char *out = g_build_filename (root, "personal.keras", NULL);
  g_autofree double *seconds = g_new (double, corrections);
  g_autofree int *order = by_turns (pool);
  int saved = SAMPLES_AT_MOST - corrections;

  for (int i = 0; i < saved; i++)
    save_sample (pool, order[i], samples);
  printf ("speed: %d samples saved, then %d corrections in a row "
          "(seconds from the correction to the new model opened)\n", saved, corrections);
  for (int k = 0; k < corrections; k++)
    {
      NnPersonalReport r = { 0 };
      GError *error = NULL;
      gint64 t0 = g_get_monotonic_time ();

      save_sample (pool, order[saved + k], samples);
      tune (base, samples, out, replay, NULL, (guint64) k + 1, &r);
      g_autoptr (NnModel) personal = nn_model_file_load (out, FALSE, NULL, &error);
      if (personal == NULL)
        die (error);
      seconds[k] = (g_get_monotonic_time () - t0) / 1e6;
      printf ("  %2d: %d samples, %d replayed, %d epochs: %.2f s (load %.2f, train %.2f, "
              "save %.2f)\n", k + 1, r.n_samples, r.n_replay, r.epochs, seconds[k],
              r.load_seconds, r.train_seconds, r.save_seconds);
      nn_personal_report_clear (&r);
    }
  qsort (seconds, corrections, sizeof *seconds, compare_doubles);
  printf ("  min %.2f s, median %.2f s, 90th percentile %.2f s, max %.2f s\n", seconds[0],
          seconds[corrections / 2], seconds[(corrections * 9) / 10 - (corrections >= 10)],
          seconds[corrections - 1]);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int corrections = argc > 4 ? atoi (argv[4]) : 20;

  if (argc < 4 || corrections < 1 || corrections >= SAMPLES_AT_MOST)
    {
      fprintf (stderr, "usage: teach-bench BASE.keras POOL_DIR CHECK_DIR [CORRECTIONS]\n");
      return 2;
    }
  g_autoptr (NnModel) base = nn_keras_load (argv[1], &error);
  g_autoptr (NnDataset) pool = base ? nn_folder_load (argv[2], TRUE, NULL, &error) : NULL;
  g_autoptr (NnDataset) check = pool ? nn_folder_load (argv[3], TRUE, NULL, &error) : NULL;
  g_autoptr (NnDataset) train = check ? nn_mnist_load (NULL, NN_MNIST_TRAIN, &error) : NULL;
  g_autoptr (NnDataset) test = train ? nn_mnist_load (NULL, NN_MNIST_TEST, &error) : NULL;
  if (test == NULL)
    die (error);
  if (pool->n < SAMPLES_AT_MOST)
    {
      fprintf (stderr, "teach-bench: %s has %d images; it needs %d\n", argv[2], pool->n,
               SAMPLES_AT_MOST);
      return 1;
    }
  g_autoptr (NnDataset) replay = nn_personal_pick (train, NN_PERSONAL_REPLAY_POOL,
                                                          NN_PERSONAL_REPLAY_SEED);
  g_autofree char *root = g_dir_make_tmp ("teach-bench-XXXXXX", &error);
  if (root == NULL)
    die (error);

  printf ("%s, the hand of %s (%d images) and %s (%d)\n", argv[1], argv[2], pool->n, argv[3],
          check->n);
  quality (base, argv[1], pool, check, replay, test, root);
  speed (argv[1], pool, replay, corrections, root);
  remove_tree (root);
  return 0;
}
