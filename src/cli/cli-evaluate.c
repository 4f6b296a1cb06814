/* digits-cli evaluate MODEL: accuracy, per-class scores and the confusion matrix. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-calibrate.h"
#include "nn-verdict.h"
#include "nn-error.h"
#include "nn-evaluate.h"
#include "nn-folder.h"
#include "plot-confusion.h"

static void
print_scores (const NnEvalResult *r)
{
  NnClassScores s[NN_EVAL_CLASSES];
  NnClassScores macro = { 0 };
  int present = 0;

  nn_confusion_scores (&r->confusion, s);
  printf ("\n  class  support  precision  recall      F1\n");
  for (int c = 0; c < NN_EVAL_CLASSES; c++)
    {
      printf ("  %5d  %7d  %8.2f%%  %5.2f%%  %5.2f%%\n", c, s[c].support, 100 * s[c].precision,
              100 * s[c].recall, 100 * s[c].f1);
      if (s[c].support > 0)
        {
          macro.precision += s[c].precision;
          macro.recall += s[c].recall;
          macro.f1 += s[c].f1;
          present++;
        }
    }
  if (present > 0)
    printf ("  macro  %7d  %8.2f%%  %5.2f%%  %5.2f%%\n", r->n, 100 * macro.precision / present,
            100 * macro.recall / present, 100 * macro.f1 / present);
}

static void
print_confusion (const NnConfusion *cm)
{
  printf ("\nConfusion matrix (rows: true label, columns: predicted label)\n\n       ");
  for (int p = 0; p < NN_EVAL_CLASSES; p++)
    printf ("%6d", p);
  printf ("\n");
  for (int t = 0; t < NN_EVAL_CLASSES; t++)
    {
      printf ("  %3d  ", t);
      for (int p = 0; p < NN_EVAL_CLASSES; p++)
        if (cm->counts[t][p] == 0 && p != t)
          printf ("%6s", ".");
        else
          printf ("%6u", cm->counts[t][p]);
      printf ("\n");
    }
}

/* The worst confusions, most frequent first: where to look next. */
static void
print_top_confusions (const NnConfusion *cm)
{
  struct { int t, p; guint32 n; } top[5] = { { 0 } };

  for (int t = 0; t < NN_EVAL_CLASSES; t++)
    for (int p = 0; p < NN_EVAL_CLASSES; p++)
      {
        guint32 n = cm->counts[t][p];
        int k;
        if (p == t || n == 0 || n <= top[4].n)
          continue;
        for (k = 4; k > 0 && top[k - 1].n < n; k--)
          top[k] = top[k - 1];
        top[k].t = t;
        top[k].p = p;
        top[k].n = n;
      }
  if (top[0].n == 0)
    return;
  printf ("\nMost frequent confusions:");
  for (int k = 0; k < 5 && top[k].n > 0; k++)
    printf ("%s %d→%d (%u)", k > 0 ? "," : "", top[k].t, top[k].p, top[k].n);
  printf ("\n");
}

static NnDataset *
load_data (const char *data_dir, const char *mnist_dir, char **description)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds;

  if (data_dir != NULL)
    {
      NnFolderReport report = { 0 };
      ds = nn_folder_load (data_dir, FALSE, &report, &error);
      if (report.skipped != NULL)
        for (guint i = 0; i < report.skipped->len; i++)
          {
            const NnSkippedFile *s = g_ptr_array_index (report.skipped, i);
            g_autofree char *name = cli_display_path (s->path);
            g_autofree char *reason = cli_escape (s->reason, FALSE);
            fprintf (stderr, "digits-cli: skipped %s: %s\n", name, reason);
          }
      if (ds == NULL)
        cli_error_gerror (data_dir, error);
      else
        {
          char n[32];
          *description = g_strdup_printf ("%s, %s images (%u skipped)", data_dir,
                                          cli_format_count (n, sizeof n, ds->n),
                                          report.skipped != NULL ? report.skipped->len : 0);
        }
      nn_folder_report_clear (&report);
      return ds;
    }
  ds = nn_mnist_load (mnist_dir, NN_MNIST_TEST, &error);
  if (ds == NULL)
    {
      cli_error_gerror (mnist_dir, error);
      return NULL;
    }
  {
    char n[32];
    *description = g_strdup_printf ("MNIST test set, %s images",
                                    cli_format_count (n, sizeof n, ds->n));
  }
  return ds;
}

/* The not-a-digit rule on every image, and the share it refuses. */
static gboolean
run_verdicts (NnModel *m, const NnDataset *ds, NnVerdict *verdicts, GError **error)
{
  NnVerdictRule rule;
  gboolean stored = nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new_up_to (m, 256, NN_MODE_INFERENCE, error);
  int refused = 0;

  if (ws == NULL
      || !nn_verdict_run (m, ws, &rule, ds, verdicts, cli_cancellable (), error))
    {
      if (ws != NULL)
        nn_workspace_free (ws);
      nn_verdict_rule_clear (&rule);
      return FALSE;
    }
  nn_workspace_free (ws);
  nn_verdict_rule_clear (&rule);
  for (int i = 0; i < ds->n; i++)
    refused += verdicts[i] != NN_VERDICT_DIGIT;
  printf ("Rejected   %.2f%% (%d/%d) as not a digit (%s rule)\n", 100.0 * refused / MAX (ds->n, 1),
          refused, ds->n, stored ? "the model's" : "the default");
  return TRUE;
}

/* The predictions file with a last column, verdict, appended to every line. */
static gboolean
add_verdict_column (const char *path, const NnVerdict *verdicts, int n, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GString *out;
  int row = -1;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  out = g_string_new (NULL);
  for (int i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      g_string_append (out, lines[i]);
      if (row < 0)
        g_string_append (out, ",verdict\n");
      else
        g_string_append_printf (out, ",%s\n",
                                row < n ? nn_verdict_name (verdicts[row]) : "");
      row++;
    }
  gboolean ok = g_file_set_contents (path, out->str, (gssize) out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

int
cli_evaluate (int argc, char **argv)
{
  g_autofree char *data_dir = NULL, *mnist_dir = NULL, *csv = NULL, *png = NULL, *cm_csv = NULL;
  g_autofree char *description = NULL;
  g_autoptr (NnModel) m = NULL;
  g_autoptr (NnDataset) ds = NULL;
  g_autoptr (NnEvalResult) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *threads_text = NULL, *limit_text = NULL;
  g_autofree NnVerdict *verdicts = NULL;
  gint64 threads = 0, limit = 0;
  int status;
  CliProgress *progress;
  char count[32];
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "A folder of class subfolders 0 … 9 instead of the MNIST test set", "DIR" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist_dir,
      "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { "predictions", 'p', 0, G_OPTION_ARG_FILENAME, &csv,
      "Write index,label,pred,p0,…,p9,verdict for every image", "FILE.csv" },
    { "confusion-png", 'c', 0, G_OPTION_ARG_FILENAME, &png,
      "Draw the confusion matrix into a PNG", "FILE.png" },
    { "confusion-csv", 0, 0, G_OPTION_ARG_FILENAME, &cm_csv,
      "Write the confusion matrix and per-class scores as CSV", "FILE.csv" },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads (default: every core)", "N" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text, "Evaluate only the first N images (0: all)", "N" },
    { NULL },
  };

  if (!cli_parse_options ("evaluate", "MODEL",
                          "Accuracy, per-class precision, recall and F1, and the confusion "
                          "matrix of a model on the MNIST test set or a 0 … 9 folder.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("evaluate", argc < 2 ? "a MODEL file is required"
                                                 : "one MODEL file at a time");
  if (threads_text != NULL
      && !cli_parse_int ("evaluate", "--threads", threads_text, 1, 256, &threads, &status))
    return status;
  if (limit_text != NULL
      && !cli_parse_int ("evaluate", "--limit", limit_text, 0, G_MAXINT, &limit, &status))
    return status;

  /* Before the model: a missing MNIST is said at once, with where it was looked for. */
  g_autofree char *found = NULL;
  if (data_dir == NULL && (found = cli_find_mnist (mnist_dir)) == NULL)
    return 1;
  m = cli_load_model (argv[1], (int) threads);
  if (m == NULL)
    return 1;
  ds = load_data (data_dir, found, &description);
  if (ds == NULL)
    return 1;
  if (limit > 0 && limit < ds->n)
    {
      NnDataset *part = nn_dataset_slice (ds, 0, limit);
      nn_dataset_free (ds);
      ds = part;
      g_free (description);
      description = g_strdup_printf ("first %d images of the %s", (int) limit,
                                     data_dir != NULL ? data_dir : "MNIST test set");
    }

  cli_catch_signals ();
  progress = cli_progress_new ("evaluate", ds->n, "img");
  if (!nn_evaluate (m, ds, cli_progress_callback, progress, cli_cancellable (), &r, &error))
    {
      cli_progress_abort (progress);
      return cli_error_gerror (argv[1], error);
    }
  cli_progress_finish (progress, NULL);

  cli_print ("Model      %s\n", argv[1]);
  cli_print ("Data       %s\n", description);
  printf ("Accuracy:  %.2f%% (%" G_GINT64_FORMAT "/%d)\n", 100.0 * nn_eval_result_accuracy (r),
          nn_confusion_correct (&r->confusion), r->n);
  printf ("Errors     %s images misclassified; %.0f images/s on %d thread%s\n",
          cli_format_count (count, sizeof count, r->n - nn_confusion_correct (&r->confusion)),
          r->seconds > 0 ? r->n / r->seconds : 0.0, m->n_threads, m->n_threads == 1 ? "" : "s");
  printf ("Calibration: ECE %.2f%% (%d bins), NLL %.4f\n",
          100 * nn_calibration_ece (r->probs, r->labels, r->n, NN_EVAL_CLASSES, NN_ECE_BINS),
          NN_ECE_BINS, nn_calibration_nll (r->probs, r->labels, r->n, NN_EVAL_CLASSES));
  verdicts = g_new (NnVerdict, ds->n);
  if (!run_verdicts (m, ds, verdicts, &error))
    return cli_error_gerror (argv[1], error);
  print_scores (r);
  print_confusion (&r->confusion);
  print_top_confusions (&r->confusion);

  status = 0;
  if (csv != NULL)
    {
      char *tmp = cli_output_begin (csv, &error);
      gboolean ok = tmp != NULL && nn_eval_result_write_csv (r, tmp, &error)
                    && add_verdict_column (tmp, verdicts, ds->n, &error);
      if (tmp != NULL)
        ok = cli_output_end (csv, tmp, ok, ok ? &error : NULL);
      if (ok)
        cli_print ("\nPredictions written to %s\n", csv);
      else
        {
          status = cli_error_gerror (csv, error);
          g_clear_error (&error);
        }
    }
  if (cm_csv != NULL)
    {
      g_autofree char *text = nn_confusion_to_csv (&r->confusion);
      if (cli_write_file (cm_csv, text, -1, &error))
        cli_print ("Confusion matrix written to %s\n", cm_csv);
      else
        {
          status = cli_error_gerror (cm_csv, error);
          g_clear_error (&error);
        }
    }
  if (png != NULL)
    {
      PlotConfusionOptions opt;
      g_autofree char *base = g_path_get_basename (argv[1]);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", base, description);

      plot_confusion_options_init (&opt);
      opt.subtitle = subtitle;
      char *tmp = cli_output_begin (png, &error);
      gboolean ok = tmp != NULL && plot_confusion_write_png (&r->confusion, &opt, 0, 0, tmp, &error);
      if (tmp != NULL)
        ok = cli_output_end (png, tmp, ok, ok ? &error : NULL);
      if (ok)
        cli_print ("Confusion matrix drawn in %s\n", png);
      else
        status = cli_error_gerror (png, error);
    }
  return status;
}
