/* digits-cli bench --time-to-accuracy RECIPE: how long a recipe takes to reach
 * 99.0, 99.5 and 99.65% on the MNIST test set.
 *
 * The recipe runs as `digits-cli train` runs it (loading, training, validation,
 * saving). After each epoch the test accuracy is measured on the side: it decides
 * nothing, and its time is left out of the wall times printed. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-recipe.h"

static const double targets[] = { 0.990, 0.995, 0.9965 };
#define N_TARGETS G_N_ELEMENTS (targets)

typedef struct {
  const NnDataset *test;
  gint64 start;          /* monotonic µs when the recipe started */
  double side_seconds;   /* spent measuring the test set so far */
  double reached[N_TARGETS]; /* wall seconds, NaN until reached */
} Watch;

static double
wall_seconds (const Watch *w)
{
  return (g_get_monotonic_time () - w->start) / 1e6 - w->side_seconds;
}

static void
on_epoch (const NnFitProgress *p, gpointer data)
{
  Watch *w = data;
  double at = wall_seconds (w);
  gint64 t0 = g_get_monotonic_time ();
  float accuracy = NAN;
  nn_fit_evaluate (p->model, w->test, 0.0f, 0, NULL, &accuracy, NULL);
  w->side_seconds += (g_get_monotonic_time () - t0) / 1e6;
  for (guint i = 0; i < N_TARGETS; i++)
    if (isnan (w->reached[i]) && accuracy >= targets[i] - 1e-7)
      w->reached[i] = at;
  printf ("epoch %2d/%d  %7.1f s  val %.2f%%  test %.2f%%\n", p->epoch, p->epochs, at,
          100.0 * p->val_accuracy, 100.0 * accuracy);
  fflush (stdout);
}

static void
print_targets (const Watch *w, double total, const NnRecipeReport *r)
{
  printf ("\n%-8s %s\n", "test", "first reached at (wall time, s)");
  for (guint i = 0; i < N_TARGETS; i++)
    if (isnan (w->reached[i]))
      printf ("%.2f%%   not reached\n", 100.0 * targets[i]);
    else
      printf ("%.2f%%   %.1f\n", 100.0 * targets[i], w->reached[i]);
  printf ("whole run %.1f s (loading, training, validation and saving); final model %.2f%% "
          "on the test set\n", total, 100.0 * r->test_accuracy);
}

static int
run (NnRecipeOptions *o, const NnDataset *test)
{
  Watch w = { .test = test };
  for (guint i = 0; i < N_TARGETS; i++)
    w.reached[i] = NAN;
  o->on_epoch = on_epoch;
  o->user_data = &w;
  g_autoptr (GError) error = NULL;
  NnRecipeReport r;
  w.start = g_get_monotonic_time ();
  gboolean ok = nn_recipe_run (o, &r, &error);
  double total = wall_seconds (&w);
  if (ok)
    print_targets (&w, total, &r);
  nn_recipe_report_clear (&r);
  return ok ? 0 : cli_error_gerror (NULL, error);
}

int
cli_bench_time_to_accuracy (int argc, char **argv)
{
  char *mnist = NULL;
  g_autofree char *seed_text = NULL, *threads_text = NULL, *recipe_name = NULL;
  GOptionEntry entries[] = {
    { "time-to-accuracy", 0, 0, G_OPTION_ARG_STRING, &recipe_name, "The recipe to time (cnn, advanced, ...)", "RECIPE" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Seed of the run (default the recipe's)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads (default every core)", "N" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("--time-to-accuracy RECIPE - wall time to 99.0, 99.5 and 99.65% test accuracy");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error ("bench --time-to-accuracy", "%s", error->message);
  NnRecipeKind kind;
  if (recipe_name == NULL || !nn_recipe_from_name (recipe_name, &kind) || kind == NN_RECIPE_FINETUNE)
    return cli_usage_error ("bench --time-to-accuracy",
                            "give a recipe trained on MNIST (baseline, cnn, advanced, quick)");

  NnRecipeOptions o;
  nn_recipe_options_init (&o, kind);
  gint64 v;
  int status;
  if (seed_text && !cli_parse_int ("bench --time-to-accuracy", "--seed", seed_text, 0,
                                   G_MAXINT64, &v, &status))
    return status;
  if (seed_text)
    o.seed = (guint64) v;
  if (threads_text && !cli_parse_int ("bench --time-to-accuracy", "--threads", threads_text, 1,
                                      256, &v, &status))
    return status;
  o.threads = threads_text ? (int) v : cli_threads (0);

  g_autofree char *found = cli_find_mnist (mnist);
  g_free (mnist);
  if (found == NULL)
    return 1;
  g_autoptr (NnDataset) test = nn_mnist_load (found, NN_MNIST_TEST, &error);
  if (!test)
    return cli_error_gerror (NULL, error);
  g_autofree char *dir = g_dir_make_tmp ("digits-tta-XXXXXX", &error);
  if (!dir)
    return cli_error_gerror (NULL, error);
  g_autofree char *out = g_build_filename (dir, "model.keras", NULL);
  o.out = out;
  o.mnist_dir = found;

  printf ("Time to accuracy: recipe %s, seed %" G_GUINT64_FORMAT ", %d threads\n\n",
          nn_recipe_name (kind), o.seed, o.threads);
  int result = run (&o, test);
  g_autofree char *checkpoint = nn_recipe_checkpoint_path (out);
  g_remove (checkpoint);
  g_remove (out);
  g_rmdir (dir);
  return result;
}
