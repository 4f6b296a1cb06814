/* digits-cli calibrate MODEL -o OUT: a temperature fitted on the validation split
 * (the last 6,000 MNIST training images, as the recipes hold out) folded into the
 * last Dense layer (nn-calibrate.h), then the not-a-digit rule (nn-verdict.h:
 * input checks and a detector trained against seeded drawings of the project's
 * own, nn-negatives.h) fitted on the MNIST training images and stored in OUT's
 * metadata.json, which Keras ignores. With --no-temperature the weights stay as
 * they are. Nothing here looks at the test set. */
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-calibrate.h"
#include "nn-keras.h"
#include "nn-verdict.h"

#define VALIDATION_IMAGES 6000

/* Fits and folds the temperature on the validation split; prints its figures. */
static gboolean
fit_temperature (NnModel *m, NnWorkspace *ws, const NnDataset *train, GError **error)
{
  int n = MIN (VALIDATION_IMAGES, train->n / 2);
  g_autoptr (NnDataset) val = nn_dataset_slice (train, train->n - n, n);
  NnCalibrationReport r;

  if (!nn_calibration_calibrate (m, ws, val, &r, cli_cancellable (), error))
    return FALSE;
  printf ("Temperature %.4f, fitted on the last %d MNIST training images (validation):\n",
          r.temperature, n);
  printf ("  ECE %.2f%% -> %.2f%%, NLL %.4f -> %.4f\n", 100 * r.ece_before, 100 * r.ece_after,
          r.nll_before, r.nll_after);
  return TRUE;
}

int
cli_calibrate (int argc, char **argv)
{
  g_autofree char *out = NULL, *mnist_dir = NULL, *reject_text = NULL, *threads_text = NULL;
  g_autofree char *found = NULL;
  g_autoptr (NnModel) m = NULL;
  g_autoptr (NnDataset) train = NULL;
  g_autoptr (GError) error = NULL;
  NnKerasInfo *info = NULL;
  NnVerdictRule rule = { 0 };
  NnWorkspace *ws;
  gint64 threads = 0;
  double reject = 0.01;
  gboolean no_temperature = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Where to write the calibrated model", "OUT.keras" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist_dir,
      "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { "reject", 0, 0, G_OPTION_ARG_STRING, &reject_text,
      "Share of MNIST training digits the not-a-digit rule may refuse (default 0.01)", "SHARE" },
    { "no-temperature", 0, 0, G_OPTION_ARG_NONE, &no_temperature,
      "Leave the weights as they are: fit and store only the not-a-digit rule", NULL },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads (default: every core)", "N" },
    { NULL },
  };

  if (!cli_parse_options ("calibrate", "MODEL",
                          "Fit a temperature on the validation split (the last 6,000 MNIST "
                          "training images) and fold it into the last Dense layer, fit the "
                          "not-a-digit rule on the MNIST training images, and write the "
                          "model with both (the rule in metadata.json, which Keras ignores). "
                          "The rule's detector learns the training digits but the validation "
                          "split against drawings the program makes from a fixed seed "
                          "(scribbles, shapes, dots, strokes, letter-like glyphs, letters) "
                          "and touching pairs of its training digits; its "
                          "threshold is set on the validation split, with a margin for "
                          "other writers. To refit only the rule of a model, weights "
                          "untouched: calibrate --no-temperature MODEL -o MODEL.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("calibrate", argc < 2 ? "a MODEL file is required"
                                                  : "one MODEL file at a time");
  if (out == NULL)
    return cli_usage_error ("calibrate", "--output OUT.keras is required");
  if (threads_text != NULL
      && !cli_parse_int ("calibrate", "--threads", threads_text, 1, 256, &threads, &status))
    return status;
  if (reject_text != NULL)
    {
      char *end = NULL;
      reject = g_ascii_strtod (reject_text, &end);
      if (end == reject_text || *end != '\0' || !(reject > 0 && reject < 0.5))
        return cli_usage_error ("calibrate", "--reject takes a share above 0 and below 0.5, not '%s'",
                                reject_text);
    }

  if ((found = cli_find_mnist (mnist_dir)) == NULL)
    return 1;
  m = cli_load_model_with_info (argv[1], (int) threads, &info);
  if (m == NULL)
    return 1;
  train = nn_mnist_load (found, NN_MNIST_TRAIN, &error);
  if (train == NULL)
    {
      nn_keras_info_free (info);
      return cli_error_gerror (found, error);
    }

  cli_catch_signals ();
  ws = nn_workspace_new_up_to (m, 256, NN_MODE_INFERENCE, &error);
  if (ws == NULL || (!no_temperature && !fit_temperature (m, ws, train, &error))
      || !nn_verdict_rule_fit (m, ws, train, reject, &rule, cli_cancellable (), &error))
    {
      if (ws != NULL)
        nn_workspace_free (ws);
      nn_keras_info_free (info);
      return cli_error_gerror (argv[1], error);
    }
  nn_workspace_free (ws);
  nn_verdict_rule_store (m, &rule);
  cli_print ("Not-a-digit rule from %d MNIST training images (at most %.1f%% refused):\n",
             train->n, 100 * reject);
  printf ("  ink %.4f .. %.4f, at most %d pieces, the largest holding >= %.2f of the ink, "
          "at most %d holes\n", rule.min_ink, rule.max_ink, rule.max_pieces, rule.min_largest,
          rule.max_holes);
  if (isfinite (rule.min_energy))
    printf ("  energy >= %.3f\n", rule.min_energy);
  if (rule.centres != NULL)
    printf ("  feature distance <= %.3f (%d dimensions)\n", rule.max_distance, rule.dim);
  if (rule.weights != NULL)
    printf ("  detector score <= %.3f (%d inputs: %d features of the output layer's input, "
            "%d of the field pooled 2 x 2, %d of its edges, %d more), fitted against seeded "
            "negatives\n", rule.max_score,
            rule.dim + rule.pixels + rule.edges + NN_VERDICT_EXTRA_INPUTS, rule.dim, rule.pixels,
            rule.edges, NN_VERDICT_EXTRA_INPUTS);
  nn_verdict_rule_clear (&rule);

  const NnKerasSaveOptions keep = { .info = info };
  gboolean ok = nn_keras_save (m, out, &keep, &error);
  nn_keras_info_free (info);
  if (!ok)
    return cli_error_gerror (out, error);
  cli_print ("Written to %s\n", out);
  return 0;
}
