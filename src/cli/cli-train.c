/* digits-cli train RECIPE: the core's recipes with a progress bar per epoch. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-recipe.h"

typedef struct {
  CliProgress *bar;  // the running epoch's bar, or NULL
  gint cancel;       // raised from cli_cancelled() between batches
  gboolean folder_shown;
} TrainUi;

static void
on_batch (const NnFitProgress *p, gpointer data)
{
  TrainUi *ui = data;
  if (cli_cancelled (NULL))
    g_atomic_int_set (&ui->cancel, 1);
  if (!ui->bar)
    {
      g_autofree char *label = g_strdup_printf ("epoch %d/%d", p->epoch, p->epochs);
      ui->bar = cli_progress_new (label, p->images_total, "img");
    }
  char status[64];
  g_snprintf (status, sizeof status, "loss %.4f acc %.4f", p->loss, p->accuracy);
  cli_progress_update (ui->bar, p->images, status);
}

static void
on_epoch (const NnFitProgress *p, gpointer data)
{
  TrainUi *ui = data;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "loss %.4f, acc %.4f", p->loss, p->accuracy);
  if (!isnan (p->val_accuracy))
    g_string_append_printf (s, ", val_loss %.4f, val_acc %.4f", p->val_loss, p->val_accuracy);
  g_string_append_printf (s, ", lr %.3g%s", p->lr, p->improved ? ", best (saved)" : "");
  if (ui->bar)
    cli_progress_finish (g_steal_pointer (&ui->bar), s->str);
  g_string_free (s, TRUE);
}

static void
on_stage (const char *text, gpointer data)
{
  fprintf (stderr, "%s\n", text);
}

static void
print_folder_report (const NnFolderReport *f, gpointer data)
{
  TrainUi *ui = data;
  ui->folder_shown = TRUE;
  if (f->skipped)
    for (guint i = 0; i < f->skipped->len; i++)
      {
        const NnSkippedFile *s = g_ptr_array_index (f->skipped, i);
        fprintf (stderr, "skipped %s: %s\n", s->path, s->reason);
      }
  printf ("images per class:");
  for (int c = 0; c < 10; c++)
    printf (" %d:%d", c, f->per_class[c]);
  printf ("\n");
  fflush (stdout);
}

static void
print_result (const NnRecipeOptions *o, const NnRecipeReport *r)
{
  printf ("trained on %d images, validated on %d: %d epochs%s, %.1f s (%.0f img/s in training)\n",
          r->n_train, r->n_val, r->fit.epochs_run,
          r->fit.stopped_by_time ? " (time limit)" : r->fit.stopped_early ? " (early stop)" : "",
          r->seconds, r->fit.images_per_second);
  if (o->kind == NN_RECIPE_FINETUNE)
    printf ("validation accuracy before: %.2f%%  after: %.2f%%\n",
            100.0 * r->val_before, 100.0 * r->val_after);
  else
    printf ("best val accuracy %.2f%% at epoch %d; test accuracy %.2f%%\n",
            100.0 * r->fit.best_val_accuracy, r->fit.best_epoch, 100.0 * r->test_accuracy);
  printf ("wrote %s\n", o->out);
}

int
cli_train (int argc, char **argv)
{
  int epochs = 0, batch = 0, threads = 0, limit = 0, status = 0;
  double lr = 0.0, minutes = 0.0;
  gint64 seed = -1;
  g_autofree char *out = NULL, *history = NULL, *base = NULL, *mnist = NULL;
  gboolean no_augment = FALSE;
  const GOptionEntry entries[] = {
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs (finetune: phase 2's maximum)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Batch size", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (the initial one of a schedule)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: every core)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write", "FILE" },
    { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Per-epoch CSV history", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Use only the first N training images", "N" },
    { "time-limit", 0, 0, G_OPTION_ARG_DOUBLE, &minutes, "Start no epoch that would end after M minutes of training", "M" },
    { "base", 0, 0, G_OPTION_ARG_FILENAME, &base, "finetune: the starting model", "FILE" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default $DIGITS_MNIST_DIR or data/mnist)", "DIR" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { NULL }
  };
  if (!cli_parse_options ("train", "RECIPE [DIR]",
                          "Recipes: baseline, cnn, advanced (MNIST), finetune DIR (a 0..9 folder).",
                          entries, &argc, &argv, &status))
    return status;
  NnRecipeKind kind;
  if (argc < 2 || !nn_recipe_from_name (argv[1], &kind))
    return cli_usage_error ("train", "name a recipe: baseline, cnn, advanced or finetune DIR");
  if ((kind == NN_RECIPE_FINETUNE) != (argc == 3) || argc > 3)
    return cli_usage_error ("train", kind == NN_RECIPE_FINETUNE ? "finetune needs one folder"
                                                                : "unexpected argument '%s'",
                            argc > 2 ? argv[2] : "");
  if (epochs < 0 || batch < 0 || limit < 0 || threads < 0 || lr < 0 || minutes < 0)
    return cli_usage_error ("train", "numbers must be positive");

  NnRecipeOptions o;
  nn_recipe_options_init (&o, kind);
  if (epochs > 0) o.epochs = epochs;
  if (batch > 0) o.batch_size = batch;
  if (lr > 0) o.learning_rate = (float) lr;
  if (seed >= 0) o.seed = (guint64) seed;
  if (out) o.out = out;
  if (base) o.base = base;
  o.threads = cli_threads (threads);
  o.limit = limit;
  o.time_limit = minutes * 60.0;
  o.history = history;
  o.mnist_dir = mnist;
  o.augment = !no_augment;
  o.data_dir = kind == NN_RECIPE_FINETUNE ? argv[2] : NULL;

  TrainUi ui = { 0 };
  o.on_batch = on_batch;
  o.on_epoch = on_epoch;
  o.on_stage = on_stage;
  o.on_folder = print_folder_report;
  o.user_data = &ui;
  o.cancel = &ui.cancel;
  cli_catch_sigint ();

  fprintf (stderr, "train %s: up to %d epochs, batch %d, lr %g, seed %" G_GUINT64_FORMAT
           ", %d threads -> %s\n", nn_recipe_name (kind), o.epochs, o.batch_size,
           o.learning_rate, o.seed, o.threads, o.out);
  NnRecipeReport r;
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_recipe_run (&o, &r, &error);
  cli_progress_abort (g_steal_pointer (&ui.bar));
  if (kind == NN_RECIPE_FINETUNE && !ui.folder_shown)
    print_folder_report (&r.folder, &ui); // the folder was refused: say what was in it
  if (ok)
    print_result (&o, &r);
  else
    {
      cli_error_gerror (NULL, error);
      if (g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED) && r.fit.best_epoch > 0
          && kind != NN_RECIPE_FINETUNE)
        fprintf (stderr, "digits-cli: %s holds the best checkpoint so far (epoch %d)\n", o.out,
                 r.fit.best_epoch);
    }
  nn_recipe_report_clear (&r);
  return ok ? 0 : 1;
}
