/* digits-cli train RECIPE: the core's recipes with a terminal progress bar. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nn-error.h"
#include "nn-recipe.h"

typedef struct {
  gboolean tty;
  gint64 last_draw;   // µs, to redraw the bar at most 10 times a second
} TrainUi;

static gint cancel_flag;

static void
on_sigint (int sig)
{
  // First Ctrl+C asks the loop to stop after this batch; a second one kills.
  if (g_atomic_int_get (&cancel_flag))
    {
      signal (sig, SIG_DFL);
      raise (sig);
    }
  g_atomic_int_set (&cancel_flag, 1);
}

static void
format_eta (char *buf, size_t size, double s)
{
  if (s >= 3600)
    g_snprintf (buf, size, "%dh%02dm", (int) (s / 3600), (int) fmod (s / 60, 60));
  else if (s >= 60)
    g_snprintf (buf, size, "%dm%02ds", (int) (s / 60), (int) fmod (s, 60));
  else
    g_snprintf (buf, size, "%ds", (int) ceil (s));
}

static void
on_batch (const NnFitProgress *p, gpointer data)
{
  TrainUi *ui = data;
  if (!ui->tty)
    return;
  gint64 now = g_get_monotonic_time ();
  if (p->batch != p->batches && now - ui->last_draw < 100000)
    return;
  ui->last_draw = now;
  const int width = 24;
  int filled = (int) ((double) width * p->batch / p->batches);
  char bar[32], eta[16];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
  bar[width] = 0;
  format_eta (eta, sizeof eta, p->eta_seconds);
  fprintf (stdout, "\rEpoch %d/%d [%s] %d/%d  %5.0f img/s  loss %.4f  acc %.4f  ETA %s \033[K",
           p->epoch, p->epochs, bar, p->batch, p->batches, p->images_per_second, p->loss,
           p->accuracy, eta);
  fflush (stdout);
}

static void
on_epoch (const NnFitProgress *p, gpointer data)
{
  TrainUi *ui = data;
  if (ui->tty)
    fputs ("\r\033[K", stdout);
  fprintf (stdout, "Epoch %d/%d  %.1f s  %.0f img/s  loss %.4f  acc %.4f", p->epoch, p->epochs,
           p->epoch_seconds, p->images_per_second, p->loss, p->accuracy);
  if (!isnan (p->val_accuracy))
    fprintf (stdout, "  val_loss %.4f  val_acc %.4f", p->val_loss, p->val_accuracy);
  fprintf (stdout, "  lr %.3g%s\n", p->lr, p->improved ? "  (best, saved)" : "");
  fflush (stdout);
}

static void
on_stage (const char *text, gpointer data)
{
  TrainUi *ui = data;
  if (ui->tty || strncmp (text, "phase", 5) == 0)
    fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

static void
print_folder_report (const NnFolderReport *f)
{
  if (f->skipped)
    for (guint i = 0; i < f->skipped->len; i++)
      {
        const NnSkippedFile *s = g_ptr_array_index (f->skipped, i);
        fprintf (stderr, "skipped %s: %s\n", s->path, s->reason);
      }
  fprintf (stdout, "images per class:");
  for (int c = 0; c < 10; c++)
    fprintf (stdout, " %d:%d", c, f->per_class[c]);
  fprintf (stdout, "\n");
}

int
cli_train (int argc, char **argv)
{
  int epochs = 0, batch = 0, threads = 0, limit = 0;
  double lr = 0.0;
  gint64 seed = -1;
  char *out = NULL, *history = NULL, *base = NULL, *mnist = NULL;
  gboolean no_augment = FALSE;
  GOptionEntry entries[] = {
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs (finetune: of phase 2)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Batch size", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (initial, for a schedule)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write", "FILE" },
    { "history", 0, 0, G_OPTION_ARG_FILENAME, &history, "Per-epoch CSV history", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Use only the first N training images", "N" },
    { "base", 0, 0, G_OPTION_ARG_FILENAME, &base, "finetune: starting model", "FILE" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default $DIGITS_MNIST_DIR or data/mnist)", "DIR" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("RECIPE [DIR] - train baseline, cnn, advanced, or finetune DIR");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "digits-cli train: %s\n", error->message);
      return 2;
    }
  NnRecipeKind kind;
  if (argc < 2 || !nn_recipe_from_name (argv[1], &kind)
      || (kind == NN_RECIPE_FINETUNE) != (argc == 3) || argc > 3)
    {
      fprintf (stderr, "Usage: digits-cli train baseline|cnn|advanced [OPTION...]\n"
                       "       digits-cli train finetune DIR [OPTION...]\n");
      return 2;
    }

  NnRecipeOptions o;
  nn_recipe_options_init (&o, kind);
  if (epochs > 0) o.epochs = epochs;
  if (batch > 0) o.batch_size = batch;
  if (lr > 0) o.learning_rate = (float) lr;
  if (seed >= 0) o.seed = (guint64) seed;
  if (out) o.out = out;
  if (base) o.base = base;
  o.threads = threads;
  o.limit = limit;
  o.history = history;
  o.mnist_dir = mnist;
  o.augment = !no_augment;
  o.data_dir = kind == NN_RECIPE_FINETUNE ? argv[2] : NULL;
  if (epochs < 0 || batch < 0 || limit < 0 || threads < 0 || lr < 0)
    {
      fprintf (stderr, "digits-cli train: numbers must be positive\n");
      return 2;
    }

  TrainUi ui = { .tty = isatty (STDOUT_FILENO) };
  o.on_batch = on_batch;
  o.on_epoch = on_epoch;
  o.on_stage = on_stage;
  o.user_data = &ui;
  o.cancel = &cancel_flag;
  signal (SIGINT, on_sigint);

  fprintf (stdout, "train %s: %d epochs, batch %d, lr %g, seed %" G_GUINT64_FORMAT ", out %s\n",
           nn_recipe_name (kind), o.epochs, o.batch_size, o.learning_rate, o.seed, o.out);
  NnRecipeReport r;
  gboolean ok = nn_recipe_run (&o, &r, &error);
  if (kind == NN_RECIPE_FINETUNE && (ok || r.folder.skipped))
    print_folder_report (&r.folder);
  if (!ok)
    {
      if (ui.tty)
        fputs ("\n", stdout);
      fprintf (stderr, "digits-cli train: %s\n", error->message);
      if (g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED) && r.fit.best_epoch > 0)
        fprintf (stderr, "%s holds the best checkpoint so far (epoch %d)\n", o.out,
                 r.fit.best_epoch);
      nn_recipe_report_clear (&r);
      return 1;
    }
  fprintf (stdout, "trained on %d images, validated on %d; %d epochs in %.1f s (%.0f img/s)\n",
           r.n_train, r.n_val, r.fit.epochs_run, r.seconds, r.fit.images_per_second);
  if (kind == NN_RECIPE_FINETUNE)
    fprintf (stdout, "validation accuracy before: %.2f%%  after: %.2f%%\n",
             100.0 * r.val_before, 100.0 * r.val_after);
  else
    fprintf (stdout, "best val accuracy %.2f%% at epoch %d; test accuracy %.2f%%\n",
             100.0 * r.fit.best_val_accuracy, r.fit.best_epoch, 100.0 * r.test_accuracy);
  fprintf (stdout, "wrote %s\n", o.out);
  nn_recipe_report_clear (&r);
  g_free (out);
  g_free (history);
  g_free (base);
  g_free (mnist);
  return 0;
}
