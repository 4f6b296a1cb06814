/* digits-cli robustness MODEL: test accuracy under noise, blur, rotation, shift
 * and stroke thickening, as the original project measured it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-evaluate.h"
#include "plot-robustness.h"

static NnRobustnessResult *
run_sweep (const char *path, int threads, const NnDataset *ds, guint64 seed)
{
  g_autoptr (NnModel) m = cli_load_model (path, threads);
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL, *label = NULL;
  NnRobustnessResult *res = NULL;
  CliProgress *progress;
  int n;

  if (m == NULL)
    return NULL;
  nn_perturbation_standard_set (&n);
  base = g_path_get_basename (path);
  label = g_strdup_printf ("robustness %s", base);
  progress = cli_progress_new (label, (gint64) n * ds->n, "img");
  if (!nn_robustness_sweep (m, ds, NULL, 0, seed, cli_progress_callback, progress, cli_cancellable (),
                            &res, &error))
    {
      cli_progress_abort (progress);
      cli_error_gerror (path, error);
      return NULL;
    }
  cli_progress_finish (progress, NULL);
  return res;
}

static void
print_table (NnRobustnessResult **res, char **paths, int n_models)
{
  g_autofree char *name0 = g_path_get_basename (paths[0]);
  g_autofree char *name1 = n_models > 1 ? g_path_get_basename (paths[1]) : NULL;
  int w0 = MAX (10, (int) strlen (name0)), w1 = name1 != NULL ? MAX (10, (int) strlen (name1)) : 0;

  cli_print ("\n  %-18s  %*s", "perturbation", w0, name0);
  if (n_models > 1)
    cli_print ("  %*s  %10s", w1, name1, "change");
  printf ("\n");
  for (int i = 0; i < res[0]->n_rows; i++)
    {
      g_autofree char *label = nn_perturbation_describe (&res[0]->rows[i].perturbation);
      /* printf pads bytes; σ and ° are two bytes and one column each. */
      int pad = 18 - (int) g_utf8_strlen (label, -1);

      printf ("  %s%*s  %*.2f%%", label, MAX (pad, 0), "", w0 - 1, 100 * res[0]->rows[i].accuracy);
      if (n_models > 1)
        printf ("  %*.2f%%  %+7.2f pt", w1 - 1, 100 * res[1]->rows[i].accuracy,
                100 * (res[1]->rows[i].accuracy - res[0]->rows[i].accuracy));
      printf ("\n");
    }
  for (int k = 0; k < n_models; k++)
    {
      const NnRobustnessRow *worst = nn_robustness_result_worst (res[k]);
      g_autofree char *label = nn_perturbation_describe (&worst->perturbation);
      g_autofree char *name = g_path_get_basename (paths[k]);
      cli_print ("%sWorst row of %s: %.2f%% (%s)\n", k == 0 ? "\n" : "", name,
              100 * worst->accuracy, label);
    }
}

static gboolean
write_json (NnRobustnessResult **res, char **paths, int n_models, const char *file)
{
  g_autoptr (GString) s = g_string_new ("{\"models\": [\n");
  g_autoptr (GError) error = NULL;

  for (int k = 0; k < n_models; k++)
    {
      g_autofree char *obj = nn_robustness_result_to_json (res[k], paths[k]);
      g_string_append (s, obj);
      g_string_append (s, k + 1 < n_models ? ",\n" : "\n");
    }
  g_string_append (s, "]}\n");
  if (!cli_write_file (file, s->str, (gssize) s->len, &error))
    {
      cli_error_gerror (file, error);
      return FALSE;
    }
  return TRUE;
}

int
cli_robustness (int argc, char **argv)
{
  g_autofree char *json = NULL, *png = NULL, *csv = NULL, *compare = NULL, *mnist_dir = NULL;
  g_autoptr (NnDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  NnRobustnessResult *res[2] = { NULL, NULL };
  char *paths[2];
  g_autofree char *limit_text = NULL, *seed_text = NULL, *threads_text = NULL;
  gint64 threads = 0, limit = 0, seed = NN_ROBUSTNESS_SEED;
  int status, n_models;
  const GOptionEntry entries[] = {
    { "compare", 0, 0, G_OPTION_ARG_FILENAME, &compare, "A second model, side by side", "OTHER.keras" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json, "Write the numbers as JSON", "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Write the numbers as CSV", "FILE" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png, "Draw accuracy against severity", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text, "Use only the first N test images (0: all)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Seed of the noise rows", "N" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist_dir,
      "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads (default: every core)", "N" },
    { NULL },
  };

  if (!cli_parse_options ("robustness", "MODEL",
                          "Test accuracy under the original project's perturbations: Gaussian "
                          "noise (σ 0.05–0.3), blur (σ 0.8–1.6), rotation (10–20°), shift (2–3 "
                          "px) and stroke thickening (k 2–4).",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("robustness", argc < 2 ? "a MODEL file is required"
                                                   : "one MODEL (and --compare OTHER)");
  if ((limit_text != NULL
       && !cli_parse_int ("robustness", "--limit", limit_text, 0, G_MAXINT, &limit, &status))
      || (seed_text != NULL
          && !cli_parse_int ("robustness", "--seed", seed_text, 0, G_MAXINT64, &seed, &status))
      || (threads_text != NULL
          && !cli_parse_int ("robustness", "--threads", threads_text, 1, 256, &threads, &status)))
    return status;

  g_autofree char *found = cli_find_mnist (mnist_dir);
  if (found == NULL)
    return 1;
  ds = nn_mnist_load (found, NN_MNIST_TEST, &error);
  if (ds == NULL)
    return cli_error_gerror (found, error);
  if (limit > 0 && limit < ds->n)
    {
      NnDataset *part = nn_dataset_slice (ds, 0, limit);
      nn_dataset_free (ds);
      ds = part;
    }

  paths[0] = argv[1];
  paths[1] = compare;
  n_models = compare != NULL ? 2 : 1;
  cli_catch_signals ();
  for (int k = 0; k < n_models; k++)
    if ((res[k] = run_sweep (paths[k], (int) threads, ds, (guint64) seed)) == NULL)
      {
        nn_robustness_result_free (res[0]);
        return 1;
      }

  if (limit > 0 && limit < 10000)
    printf ("Robustness on the first %d MNIST test images (noise seed %" G_GINT64_FORMAT ")\n",
            ds->n, seed);
  else
    printf ("Robustness on the MNIST test set, %d images (noise seed %" G_GINT64_FORMAT ")\n",
            ds->n, seed);
  print_table (res, paths, n_models);

  status = 0;
  if (json != NULL)
    {
      if (write_json (res, paths, n_models, json))
        cli_print ("Numbers written to %s\n", json);
      else
        status = 1;
    }
  if (csv != NULL)
    {
      g_autofree char *text = nn_robustness_result_to_csv (res[0]);
      if (n_models > 1)
        {
          /* One block per model, the model in a first column. */
          g_autoptr (GString) s = g_string_new ("model,");
          for (int k = 0; k < n_models; k++)
            {
              g_autofree char *t = nn_robustness_result_to_csv (res[k]);
              char *body = strchr (t, '\n') + 1;
              if (k == 0)
                g_string_append_len (s, t, body - t);
              for (char *line = body; *line != '\0';)
                {
                  char *end = strchr (line, '\n');
                  g_string_append_printf (s, "\"%s\",", paths[k]);
                  g_string_append_len (s, line, end - line + 1);
                  line = end + 1;
                }
            }
          g_free (text);
          text = g_string_free (g_steal_pointer (&s), FALSE);
        }
      if (cli_write_file (csv, text, -1, &error))
        cli_print ("Numbers written to %s\n", csv);
      else
        {
          status = cli_error_gerror (csv, error);
          g_clear_error (&error);
        }
    }
  if (png != NULL)
    {
      g_autofree char *n0 = g_path_get_basename (paths[0]);
      g_autofree char *n1 = n_models > 1 ? g_path_get_basename (paths[1]) : NULL;
      const char *names[2] = { n0, n1 };
      g_autofree char *subtitle = n_models > 1
          ? g_strdup_printf ("MNIST test set, %d images per row", ds->n)
          : g_strdup_printf ("%s · MNIST test set, %d images per row", n0, ds->n);

      char *tmp = cli_output_begin (png, &error);
      gboolean ok = tmp != NULL
                    && plot_robustness_write_png ((const NnRobustnessResult *const *) res, names,
                                                  n_models, subtitle, 0, 0, tmp, &error);
      if (tmp != NULL)
        ok = cli_output_end (png, tmp, ok, ok ? &error : NULL);
      if (ok)
        cli_print ("Chart drawn in %s\n", png);
      else
        status = cli_error_gerror (png, error);
    }
  nn_robustness_result_free (res[0]);
  nn_robustness_result_free (res[1]);
  return status;
}
