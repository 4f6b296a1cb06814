/* test-calibrate: temperature scaling (src/core/read/nn-calibrate.h): the ECE and
 * NLL on hand-made cases, a known temperature found again, and on a small model made
 * overconfident (the shipped baseline with its logits tripled) calibration that keeps
 * the accuracy and lowers the ECE, its file checked with h5py. */
#include <glib/gstdio.h>
#include <math.h>

#include "nn-calibrate.h"
#include "nn-keras.h"

static char *tmp;

static void
test_figures (void)
{
  /* Four answers at 0.9 of which three are right: one bin, |0.75 - 0.9|. */
  const float probs[4 * 2] = { .9f, .1f, .9f, .1f, .9f, .1f, .1f, .9f };
  const guint8 labels[4] = { 0, 0, 0, 0 };

  g_assert_cmpfloat_with_epsilon (nn_calibration_ece (probs, labels, 4, 2, 15), 0.15, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_calibration_nll (probs, labels, 4, 2),
                                  (3 * -log (0.9) - log (0.1)) / 4, 1e-6);
}

static void
test_temperature (void)
{
  /* Labels drawn from softmax (z), logits handed over as 3 z: T = 3 fits best. */
  int n = 20000, classes = 10;
  g_autofree float *logits = g_new (float, n * classes);
  g_autofree guint8 *labels = g_new (guint8, n);
  GRand *r = g_rand_new_with_seed (7);

  for (int i = 0; i < n; i++)
    {
      double p[10], sum = 0, u;
      for (int k = 0; k < classes; k++)
        {
          double z = g_rand_double_range (r, -2, 2);
          logits[i * classes + k] = (float) (3 * z);
          sum += p[k] = exp (z);
        }
      u = g_rand_double (r) * sum;
      labels[i] = classes - 1;
      for (int k = 0; k < classes; k++)
        if ((u -= p[k]) < 0)
          {
            labels[i] = k;
            break;
          }
    }
  g_rand_free (r);
  g_assert_cmpfloat_with_epsilon (nn_calibration_fit_temperature (logits, labels, n, classes),
                                  3.0, 0.15);
}

static void
test_calibrate_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *shipped = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                               "mnist_baseline.keras", NULL);
  g_autofree char *orig = g_build_filename (tmp, "overconfident.keras", NULL);
  g_autofree char *cal = g_build_filename (tmp, "calibrated.keras", NULL);
  g_autoptr (NnDataset) train = nn_mnist_load (NULL, NN_MNIST_TRAIN, &error);
  g_autoptr (NnDataset) test = NULL, val = NULL;
  g_autoptr (NnModel) m = NULL;
  int l;

  if (train == NULL)
    {
      g_test_skip ("no MNIST");
      return;
    }
  g_clear_error (&error);
  test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  val = nn_dataset_slice (train, train->n - 6000, 6000);
  m = nn_keras_load (shipped, &error);
  g_assert_no_error (error);
  l = nn_calibration_logit_layer (m);
  g_assert_cmpint (l, ==, m->output);
  g_assert_true (nn_calibration_fold (m, 1.0 / 3, &error)); /* logits tripled */
  g_assert_true (nn_keras_save (m, orig, NULL, &error));

  int n = test->n, c = m->n_classes;
  NnWorkspace *ws = nn_workspace_new (m, 256, NN_MODE_INFERENCE);
  g_autofree float *logits = g_new (float, (size_t) MAX (n, val->n) * c);
  g_autofree float *before = g_new (float, (size_t) n * c), *after = g_new (float, (size_t) n * c);
  g_assert_true (nn_calibration_logits (m, ws, test, logits, NULL, &error));
  nn_softmax_rows (before, logits, n, c);

  g_assert_true (nn_calibration_logits (m, ws, val, logits, NULL, &error));
  double t = nn_calibration_fit_temperature (logits, val->labels, val->n, c);
  g_test_message ("temperature %g", t);
  g_assert_cmpfloat (t, >, 2.0);
  g_assert_true (nn_calibration_fold (m, t, &error));
  g_assert_true (nn_calibration_logits (m, ws, test, logits, NULL, &error));
  nn_softmax_rows (after, logits, n, c);
  nn_workspace_free (ws);

  int changed = 0;
  for (int i = 0; i < n; i++)
    {
      int a = 0, b = 0;
      for (int k = 1; k < c; k++)
        {
          a = before[i * c + k] > before[i * c + a] ? k : a;
          b = after[i * c + k] > after[i * c + b] ? k : b;
        }
      changed += a != b;
    }
  double ece0 = nn_calibration_ece (before, test->labels, n, c, NN_ECE_BINS);
  double ece1 = nn_calibration_ece (after, test->labels, n, c, NN_ECE_BINS);
  g_test_message ("ECE %.4f -> %.4f, NLL %.4f -> %.4f", ece0, ece1,
                  nn_calibration_nll (before, test->labels, n, c),
                  nn_calibration_nll (after, test->labels, n, c));
  g_assert_cmpint (changed, ==, 0);
  g_assert_cmpfloat (ece1, <, ece0 / 2);
  g_assert_cmpfloat (nn_calibration_nll (after, test->labels, n, c), <,
                     nn_calibration_nll (before, test->labels, n, c));

  /* The file holds the scaled Dense, as h5py reads it. */
  g_assert_true (nn_keras_save (m, cal, NULL, &error));
  g_autofree char *script = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "tests", "read",
                                              "check-calibrated.py", NULL);
  g_autofree char *t_text = g_strdup_printf ("%.9g", t);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { "/usr/bin/python3", script, orig, cal, t_text, NULL };
  int status;
  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3");
      return;
    }
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_test_message ("%s%s", out, err);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    g_test_skip ("h5py is not installed");
  else if (!g_spawn_check_wait_status (status, NULL))
    g_error ("check-calibrated.py failed:\n%s%s", out, err);
  g_unlink (orig);
  g_unlink (cal);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("test-calibrate-XXXXXX", NULL);
  g_test_add_func ("/read/calibrate/figures", test_figures);
  g_test_add_func ("/read/calibrate/temperature", test_temperature);
  g_test_add_func ("/read/calibrate/model", test_calibrate_model);
  int status = g_test_run ();
  g_rmdir (tmp);
  g_free (tmp);
  return status;
}
