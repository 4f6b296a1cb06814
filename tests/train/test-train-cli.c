/* digits-cli train end to end: a --limit 2000 cnn run, and fine-tuning on the
 * font-rendered digit set, including its bad files and a missing class.
 *
 * An ONNX base (exported with digits-cli export) fine-tunes into a .keras file.
 *
 *   test-train-cli DIGITS_CLI FONT_DIGITS
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "nn-keras.h"
#include "nn-verdict.h"
#include "../test-models.h"

/* Sanitizer builds run the engine about 20 times slower: a smaller run there. */
#if defined(__SANITIZE_ADDRESS__)
#define LIMIT "1000"
#define TRAINED "trained on 900 images, validated on 100"
#define MIN_TEST_ACCURACY 0.2  /* 8 steps */
#define STEPS 8
#define FONTS_PER_CLASS "12"
#define FT_EPOCHS "1"
#else
#define LIMIT "2000"
#define TRAINED "trained on 1800 images, validated on 200"
#define MIN_TEST_ACCURACY 0.3  /* 15 steps; about 0.5 */
#define STEPS 15
#define FONTS_PER_CLASS "30"
#define FT_EPOCHS "4"
#endif

static const char *cli, *font_digits;
static char *tmp;

static int
run (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (char *) cli);
  va_list ap;
  va_start (ap, err);
  const char *a;
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", *out, *err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static gboolean
have_mnist (void)
{
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  g_autofree char *a = g_build_filename (dir ? dir : "data/mnist", "train-images-idx3-ubyte", NULL);
  g_autofree char *b = g_strconcat (a, ".gz", NULL);
  return g_file_test (a, G_FILE_TEST_EXISTS) || g_file_test (b, G_FILE_TEST_EXISTS);
}

/* What a model trained here holds for Keras: a compile_config with the optimizer,
 * the loss and the metric, and the optimizer's state, checked with h5py: the step
 * count, the last learning rate, Adam's slots (not all zero), laid out as Keras lays
 * them out (check-keras-layout.py, against the Keras-written fixture when there). */
static void
check_compiled (const char *path, const char *optimizer_class)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = nn_keras_load_with_info (path, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info->compile_config_json);
  g_autoptr (JsonNode) node = json_from_string (info->compile_config_json, &error);
  g_assert_no_error (error);
  JsonObject *cc = json_node_get_object (node);
  JsonObject *opt = json_object_get_object_member (cc, "optimizer");
  g_assert_cmpstr (json_object_get_string_member (opt, "class_name"), ==, optimizer_class);
  g_assert_cmpstr (json_object_get_string_member (cc, "loss"), ==, "sparse_categorical_crossentropy");
  JsonArray *metrics = json_object_get_array_member (cc, "metrics");
  g_assert_cmpstr (json_array_get_string_element (metrics, 0), ==, "accuracy");
  double lr = json_object_get_double_member (json_object_get_object_member (opt, "config"),
                                             "learning_rate");

  const char *python = "/usr/bin/python3";
  const char *src = g_getenv ("DIGITS_SOURCE_DIR");
  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE) || src == NULL)
    {
      g_test_message ("no /usr/bin/python3: the optimizer group is not checked");
      return;
    }
  const char *code =
    "import io, sys, zipfile\n"
    "try:\n"
    "    import h5py, numpy as np\n"
    "except ImportError:\n"
    "    sys.exit(77)\n"
    "f = h5py.File(io.BytesIO(zipfile.ZipFile(sys.argv[1]).read('model.weights.h5')), 'r')\n"
    "g = f['optimizer/vars']\n"
    "slots = [g[str(i)][()] for i in range(2, len(g))]\n"
    "print(int(g['0'][()]), float(g['1'][()]), len(slots), sum(bool(np.any(s)) for s in slots))\n";
  const char *argv[] = { python, "-c", code, path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_message ("no h5py: the optimizer group is not checked");
      return;
    }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  gint64 iterations = 0;
  double stored_lr = 0;
  int n_slots = 0, n_moved = 0;
  g_assert_cmpint (sscanf (out, "%" G_GINT64_FORMAT " %lf %d %d", &iterations, &stored_lr,
                           &n_slots, &n_moved), ==, 4);
  g_test_message ("optimizer/vars: %" G_GINT64_FORMAT " iterations, learning rate %g, "
                  "%d slots of which %d not zero", iterations, stored_lr, n_slots, n_moved);
  g_assert_cmpint (iterations, ==, STEPS);
  g_assert_cmpfloat (fabs (stored_lr - lr), <=, 1e-6 * lr);
  g_assert_true (n_slots > 0 && n_slots % 2 == 0);  /* m and v of each trainable variable */
  g_assert_cmpint (n_moved, ==, n_slots);

  g_autofree char *fixture = test_fixture_path ();
  if (fixture == NULL)
    return;
  g_autofree char *script = g_build_filename (src, "tests", "io", "check-keras-layout.py", NULL);
  const char *check[] = { python, script, fixture, fixture, path, NULL };
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) check, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_test_message ("%s%s", out, err);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("check-keras-layout.py failed:\n%s%s", out, err);
}

static void
test_limit_cnn (void)
{
  if (!have_mnist ())
    {
      g_test_skip ("MNIST is not there");
      return;
    }
  g_autofree char *model = g_build_filename (tmp, "cnn.keras", NULL);
  g_autofree char *hist = g_build_filename (tmp, "cnn.csv", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (&out, &err, "train", "cnn", "--limit", LIMIT, "--epochs", "1", "--seed", "3",
                "--threads", "2", "--out", model, "--history", hist, NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, TRAINED));
  g_assert_nonnull (strstr (err, "epoch 1/1"));          // one progress line off a terminal
  g_assert_null (strchr (err, '\r'));

  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (model, &error);
  g_assert_no_error (error);
  const char *acc = m->metadata ? g_hash_table_lookup (m->metadata, "test_accuracy") : NULL;
  g_assert_nonnull (acc);
  g_test_message ("test accuracy after one short epoch: %s", acc);
  g_assert_cmpfloat (g_ascii_strtod (acc, NULL), >, MIN_TEST_ACCURACY); // chance is 0.1
  check_compiled (model, "AdamW"); // one cycle of AdamW, as the quick recipe

  // Calibrated after training: a temperature folded, and a fitted not-a-digit rule
  // (a detector on the output layer's input), not the default one.
  g_assert_nonnull (strstr (out, "calibrated: temperature "));
  const char *t = g_hash_table_lookup (m->metadata, "temperature");
  g_assert_nonnull (t);
  g_assert_cmpfloat (g_ascii_strtod (t, NULL), >, 0.0);
  g_assert_cmpfloat (g_ascii_strtod (t, NULL), !=, 1.0);
  NnVerdictRule rule = { 0 };
  g_assert_true (nn_verdict_rule_from_model (m, &rule));
  g_assert_nonnull (rule.weights);
  g_assert_cmpint (rule.dim, >, 0);
  nn_verdict_rule_clear (&rule);

  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (hist, &csv, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[1], "0,"));

  // A usage error is status 2 and writes nothing.
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "resnet", NULL), ==, 2);
}

static void
write_file (const char *dir, const char *name, const char *data, gssize len)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, data, len, NULL));
}

#define KEPT_COMPILE "{\"optimizer\": null, \"loss\": \"sparse_categorical_crossentropy\", " \
                     "\"metrics\": [\"accuracy\"]}"

static void
test_finetune (void)
{
  g_autofree char *base = test_shipped_model ("mnist_cnn.keras");
  g_autofree char *fonts = g_build_filename (tmp, "fonts", NULL);
  g_autofree char *out = NULL, *err = NULL;
  /* font seed 7: fonts and jitter of which the shipped CNN misreads 3 of the 60
   * validation images, so there is something for fine-tuning to learn */
  const char *argv[] = { font_digits, fonts, FONTS_PER_CLASS, "7", NULL };
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  // Bad files: each skipped with one line, none stops the run.
  g_autofree char *three = g_build_filename (fonts, "3", NULL);
  g_autofree char *seven = g_build_filename (fonts, "7", NULL);
  write_file (three, "broken.png", "this is not a PNG", -1);
  write_file (seven, "empty.jpg", "", 0);
  write_file (fonts, "notes.txt", "stray file", -1);

  // A base with a compile_config, which the output must keep.
  g_autofree char *kept_base = g_build_filename (tmp, "base-compiled.keras", NULL);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (NnKerasInfo) info = NULL;
    g_autoptr (NnModel) b = nn_keras_load_with_info (base, &info, &error);
    g_assert_no_error (error);
    g_assert_null (info->compile_config_json);
    info->compile_config_json = g_strdup (KEPT_COMPILE);
    g_assert_true (nn_keras_save (b, kept_base, &(NnKerasSaveOptions){ .info = info }, &error));
    g_assert_no_error (error);
  }
  g_autofree char *model = g_build_filename (tmp, "finetuned.keras", NULL);
  g_autofree char *hist = g_build_filename (tmp, "finetune.csv", NULL);
  int rc = run (&out, &err, "train", "finetune", fonts, "--base", kept_base, "--epochs", FT_EPOCHS,
                "--seed", "5", "--threads", "2", "--out", model, "--history", hist, NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (err, "broken.png"));
  g_assert_nonnull (strstr (err, "empty.jpg"));
  g_autofree char *counts = g_strdup_printf ("images per class: 0:%s 1:%s 2:%s 3:%s",
                                             FONTS_PER_CLASS, FONTS_PER_CLASS, FONTS_PER_CLASS,
                                             FONTS_PER_CLASS);
  g_assert_nonnull (strstr (out, counts));
  const char *line = strstr (out, "validation accuracy before: ");
  g_assert_nonnull (line);
  double before = 0, after = 0;
  g_assert_cmpint (sscanf (line, "validation accuracy before: %lf%%  after: %lf%%", &before, &after), ==, 2);
  g_test_message ("font digits, validation accuracy %.2f%% -> %.2f%%", before, after);
  g_assert_cmpfloat (after, >=, before);
#if !defined(__SANITIZE_ADDRESS__)
  g_assert_cmpfloat (after, >, before); // 60 held-out images: the gain shows
#endif
  g_assert_true (g_file_test (model, G_FILE_TEST_EXISTS));
  // The base's Keras-only metadata (its compile_config) goes on into the output.
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (NnKerasInfo) tuned_info = NULL;
    g_autoptr (NnModel) t = nn_keras_load_with_info (model, &tuned_info, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tuned_info->compile_config_json, ==, KEPT_COMPILE);
  }
  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (hist, &csv, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpint (g_strv_length (lines), >=, 1 + 3 + 1 + 1); // header, 3 + >= 1 epochs, ""

  // An emptied class folder is an error before any training, and no file appears.
  g_autofree char *five = g_build_filename (fonts, "5", NULL);
  g_autoptr (GDir) d = g_dir_open (five, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (five, name, NULL);
      g_unlink (p);
    }
  g_autofree char *model2 = g_build_filename (tmp, "never.keras", NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = run (&out, &err, "train", "finetune", fonts, "--base", base, "--out", model2, NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "5"));
  g_assert_null (strstr (err, "epoch 1/"));
  g_assert_null (strstr (err, "phase 1"));
  g_assert_false (g_file_test (model2, G_FILE_TEST_EXISTS));
}

#ifdef NN_HAVE_ONNX
/* An imported ONNX model fine-tunes like any other; the result is a .keras file,
 * which exports to ONNX again. */
static void
test_finetune_onnx (void)
{
  g_autofree char *base = test_shipped_model ("mnist_cnn.keras");
  g_autofree char *fonts = g_build_filename (tmp, "fonts-onnx", NULL);
  g_autofree char *onnx = g_build_filename (tmp, "cnn.onnx", NULL);
  g_autofree char *model = g_build_filename (tmp, "from-onnx.keras", NULL);
  g_autofree char *again = g_build_filename (tmp, "from-onnx.onnx", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { font_digits, fonts, "12", "7", NULL };
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  g_assert_cmpint (run (&out, &err, "export", base, onnx, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "train", "finetune", fonts, "--base", onnx, "--epochs", "1",
                        "--seed", "5", "--threads", "2", "--out", model, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "validation accuracy before: "));

  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->n_classes, ==, 10);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (&out, &err, "export", model, again, NULL), ==, 0);
  g_assert_true (g_file_test (again, G_FILE_TEST_IS_REGULAR));
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    {
      g_printerr ("usage: test-train-cli DIGITS_CLI FONT_DIGITS\n");
      return 2;
    }
  cli = argv[1];
  font_digits = argv[2];
  tmp = g_dir_make_tmp ("digits-train-cli-XXXXXX", NULL);
  g_test_add_func ("/train/cli/limit-cnn", test_limit_cnn);
  g_test_add_func ("/train/cli/finetune", test_finetune);
#ifdef NN_HAVE_ONNX
  g_test_add_func ("/train/cli/finetune-onnx", test_finetune_onnx);
#endif
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", tmp);
  g_free (tmp);
  return rc;
}
