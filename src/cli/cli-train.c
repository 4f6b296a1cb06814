/* digits-cli train RECIPE: the core's recipes with a progress bar per epoch.
 *
 * Without --out the model goes to a new file in the user's models folder (the
 * app's), never over a shipped model; with --out the file is replaced only at the
 * end of a run that learned something (see nn-recipe.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-recipe.h"

typedef struct {
  CliProgress *bar;  // the running epoch's bar, or NULL
  gboolean folder_shown;
} TrainUi;

static void
on_batch (const NnFitProgress *p, gpointer data)
{
  TrainUi *ui = data;
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
  g_string_append_printf (s, ", lr %.3g%s", p->lr, p->improved ? ", best (checkpoint)" : "");
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
        g_autofree char *name = cli_display_path (s->path);
        g_autofree char *reason = cli_escape (s->reason, FALSE);
        fprintf (stderr, "skipped %s: %s\n", name, reason);
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
  g_autofree char *out = cli_display_path (o->out);

  printf ("trained on %d images, validated on %d: %d epochs%s, %.1f s (%.0f img/s in training)\n",
          r->n_train, r->n_val, r->fit.epochs_run,
          r->fit.stopped_by_time ? " (time limit)" : r->fit.stopped_early ? " (early stop)" : "",
          r->seconds, r->fit.images_per_second);
  if (o->kind == NN_RECIPE_FINETUNE)
    printf ("validation accuracy before: %.2f%%  after: %.2f%%\n",
            100.0 * r->val_before, 100.0 * r->val_after);
  else
    {
      printf ("best val accuracy %.2f%% at epoch %d; test accuracy %.2f%%\n",
              100.0 * r->fit.best_val_accuracy, r->fit.best_epoch, 100.0 * r->test_accuracy);
      printf ("calibrated: temperature %.3f, validation ECE %.2f%% -> %.2f%%; "
              "not-a-digit rule fitted\n", r->calibration.temperature,
              100.0 * r->calibration.ece_before, 100.0 * r->calibration.ece_after);
    }
  printf ("wrote %s\n", out);
}

/* What became of --out after a failed run, in the user's terms. */
static void
print_failure (const NnRecipeOptions *o, const NnRecipeReport *r, const GError *error)
{
  g_autofree char *out = cli_display_path (o->out);
  g_autofree char *checkpoint_path = nn_recipe_checkpoint_path (o->out);
  g_autofree char *checkpoint = cli_display_path (checkpoint_path);
  gboolean cancelled = g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED);

  fflush (stdout);
  if (r->diverged)
    fprintf (stderr, "digits-cli: training diverged: accuracy %.1f%% is chance level; try a lower "
             "--lr (this run: %g); %s was left as it was\n", 100.0 * r->final_accuracy,
             o->learning_rate, out);
  else
    cli_error_gerror (NULL, error);
  if (r->diverged)
    return;
  if (cancelled && r->wrote_out)
    fprintf (stderr, "digits-cli: stopped; wrote the best epoch so far (%d, val accuracy "
             "%.2f%%) to %s\n", r->fit.best_epoch, 100.0 * r->fit.best_val_accuracy, out);
  else if (cancelled)
    fprintf (stderr, "digits-cli: stopped before the first epoch ended; %s was left as it "
             "was\n", out);
  else if (g_file_test (checkpoint_path, G_FILE_TEST_IS_REGULAR) && r->fit.best_epoch > 0)
    fprintf (stderr, "digits-cli: %s was left as it was; %s holds the best epoch so far (%d)\n",
             out, checkpoint, r->fit.best_epoch);
}

/* The default --out: RECIPE-YYYYMMDD-HHMMSS.keras in the user's models folder, the
 * one the app lists, with -2, -3 ... when that name is taken. */
static char *
default_out (NnRecipeKind kind, GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "digits", "models", NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  char *path;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot create the models folder %s: %s",
                   display, g_strerror (e));
      return NULL;
    }
  path = g_strdup_printf ("%s/%s-%s.keras", dir, nn_recipe_name (kind), stamp);
  for (int i = 2; g_file_test (path, G_FILE_TEST_EXISTS); i++)
    {
      g_free (path);
      path = g_strdup_printf ("%s/%s-%s-%d.keras", dir, nn_recipe_name (kind), stamp, i);
    }
  return path;
}

/* The numeric options, as text until they are checked whole. */
typedef struct {
  char *epochs, *batch, *lr, *seed, *threads, *limit, *minutes;
} TrainArgs;

static gboolean
apply_numbers (const TrainArgs *a, NnRecipeOptions *o, int *status)
{
  gint64 v;
  double d;

  if (a->epochs && !cli_parse_int ("train", "--epochs", a->epochs, 1, 100000, &v, status))
    return FALSE;
  if (a->epochs)
    o->epochs = (int) v;
  if (a->batch && !cli_parse_int ("train", "--batch", a->batch, 1, 4096, &v, status))
    return FALSE;
  if (a->batch)
    o->batch_size = (int) v;
  if (a->lr && !cli_parse_double ("train", "--lr", a->lr, 0.0, TRUE, 10.0, &d, status))
    return FALSE;
  if (a->lr)
    o->learning_rate = (float) d;
  if (a->lr && !(o->learning_rate > 0)) // below float's range: 1e-50 is not a rate
    {
      *status = cli_usage_error ("train", "--lr %s is too small", a->lr);
      return FALSE;
    }
  if (a->seed && !cli_parse_int ("train", "--seed", a->seed, 0, G_MAXINT64, &v, status))
    return FALSE;
  if (a->seed)
    o->seed = (guint64) v;
  if (a->threads && !cli_parse_int ("train", "--threads", a->threads, 1, 256, &v, status))
    return FALSE;
  o->threads = a->threads ? (int) v : cli_threads (0);
  if (a->limit && !cli_parse_int ("train", "--limit", a->limit, 0, G_MAXINT, &v, status))
    return FALSE;
  if (a->limit)
    o->limit = (int) v;
  if (a->minutes
      && !cli_parse_double ("train", "--time-limit", a->minutes, 0.0, TRUE, 1e6, &d, status))
    return FALSE;
  if (a->minutes)
    o->time_limit = d * 60.0;
  return TRUE;
}

int
cli_train (int argc, char **argv)
{
  int status = 0;
  TrainArgs a = { 0 };
  g_autofree char *out = NULL, *history = NULL, *base = NULL, *mnist = NULL;
  gboolean no_augment = FALSE;
  const GOptionEntry entries[] = {
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &a.epochs, "Epochs (finetune: phase 2's maximum)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &a.batch, "Batch size", "N" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &a.lr, "Learning rate (the initial one of a schedule)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a.seed, "Random seed (default 1)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &a.threads, "Threads (default: every core)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Model file to write (default: a new RECIPE-DATE-TIME.keras in $XDG_DATA_HOME/digits/models)", "FILE" },
    { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Per-epoch CSV history", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &a.limit, "Use only the first N training images (0: all)", "N" },
    { "time-limit", 0, 0, G_OPTION_ARG_STRING, &a.minutes, "Start no epoch that would end after M minutes of training", "M" },
    { "base", 0, 0, G_OPTION_ARG_FILENAME, &base, "finetune: the starting model", "FILE" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { NULL }
  };
  gboolean parsed = cli_parse_options ("train", "RECIPE [DIR]",
                                       "Recipes: baseline, cnn, advanced, quick (MNIST), finetune DIR "
                                       "(a 0..9 folder).", entries, &argc, &argv, &status);
  NnRecipeKind kind = NN_RECIPE_BASELINE;
  NnRecipeOptions o = { 0 };
  g_autofree char *default_path = NULL;
  g_autoptr (GError) error = NULL;

  if (parsed && (argc < 2 || !nn_recipe_from_name (argv[1], &kind)))
    status = cli_usage_error ("train", "name a recipe: baseline, cnn, advanced, quick or finetune DIR");
  else if (parsed && ((kind == NN_RECIPE_FINETUNE) != (argc == 3) || argc > 3))
    status = cli_usage_error ("train", kind == NN_RECIPE_FINETUNE ? "finetune needs one folder"
                                                                  : "unexpected argument '%s'",
                              argc > 2 ? argv[2] : "");
  else if (parsed)
    {
      nn_recipe_options_init (&o, kind);
      if (apply_numbers (&a, &o, &status))
        status = -1; // go on
    }
  char *texts[] = { a.epochs, a.batch, a.lr, a.seed, a.threads, a.limit, a.minutes };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_free (texts[i]);
  if (status != -1)
    return status;

  if (out == NULL && (default_path = default_out (kind, &error)) == NULL)
    return cli_error_gerror (NULL, error);
  o.out = out != NULL ? out : default_path;
  if (base) o.base = base;
  o.history = history;
  g_autofree char *found = NULL;
  if (kind != NN_RECIPE_FINETUNE && (found = cli_find_mnist (mnist)) == NULL)
    return 1;
  o.mnist_dir = found;
  o.augment = !no_augment;
  o.data_dir = kind == NN_RECIPE_FINETUNE ? argv[2] : NULL;

  TrainUi ui = { 0 };
  o.on_batch = on_batch;
  o.on_epoch = on_epoch;
  o.on_stage = on_stage;
  o.on_folder = print_folder_report;
  o.user_data = &ui;
  cli_catch_signals ();
  o.cancellable = cli_cancellable ();

  {
    g_autofree char *shown = cli_display_path (o.out);
    fprintf (stderr, "train %s: up to %d epochs, batch %d, lr %g, seed %" G_GUINT64_FORMAT
             ", %d threads -> %s\n", nn_recipe_name (kind), o.epochs, o.batch_size,
             o.learning_rate, o.seed, o.threads, shown);
  }
  NnRecipeReport r;
  gboolean ok = nn_recipe_run (&o, &r, &error);
  cli_progress_abort (g_steal_pointer (&ui.bar));
  if (kind == NN_RECIPE_FINETUNE && !ui.folder_shown)
    print_folder_report (&r.folder, &ui); // the folder was refused: say what was in it
  if (ok)
    print_result (&o, &r);
  else
    print_failure (&o, &r, error);
  nn_recipe_report_clear (&r);
  return ok ? 0 : 1;
}
