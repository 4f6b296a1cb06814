/* What digits-cli prints and writes can be trusted: file names holding terminal
 * escape sequences reach the terminal escaped (text and JSON), JSON never holds
 * NaN, a full disk under stdout or an output file is a failure, outputs replace
 * their file without leaving temporary files, and bad numbers are usage errors.
 * Uses the shipped CNN (DIGITS_SOURCE_DIR); MNIST when present. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "nn-keras.h"

static const char *cli;
static char *model, *tmp;

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* argv NULL-terminated; when stdout_path is set the command's stdout goes there. */
static void
run_argv (Run *r, const char *stdout_path, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = -1;

  if (stdout_path != NULL)
    {
      g_ptr_array_add (argv, (char *) "/bin/sh");
      g_ptr_array_add (argv, (char *) "-c");
      g_ptr_array_add (argv, (char *) "out=$1; shift; exec \"$@\" > \"$out\"");
      g_ptr_array_add (argv, (char *) "sh");
      g_ptr_array_add (argv, (char *) stdout_path);
    }
  g_ptr_array_add (argv, (char *) cli);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  g_test_message ("status %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

#define RUN(r, ...) run_argv ((r), NULL, (const char *const[]) { __VA_ARGS__, NULL })

static gboolean
have_mnist (void)
{
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  g_autofree char *a = g_build_filename (dir ? dir : "data/mnist", "t10k-images-idx3-ubyte", NULL);
  g_autofree char *b = g_strconcat (a, ".gz", NULL);
  return g_file_test (a, G_FILE_TEST_EXISTS) || g_file_test (b, G_FILE_TEST_EXISTS);
}

/* A thick dark stroke on white: a "1" the preprocessing finds. */
static void
write_digit (const char *path)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 80, 100);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, 34, 15, 12, 70);
  cairo_fill (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (s);
}

static void
assert_no_controls (const char *text)
{
  g_assert_null (strchr (text, '\033'));
  g_assert_null (strchr (text, '\007'));
  g_assert_null (strstr (text, "\xc2\x9b")); // U+009B, the one-byte CSI
}

static void
test_escaped_names (void)
{
  g_autofree char *evil = g_build_filename (tmp, "\033]0;pwn\007.keras", NULL);
  g_autofree char *missing = g_build_filename (tmp, "\033[2Jgone\xc2\x9b.keras", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_auto (Run) info = { 0 }, gone = { 0 };

  g_assert_true (g_file_get_contents (model, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (evil, contents, (gssize) len, NULL));
  RUN (&info, "info", evil);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "\\x1b]0;pwn\\x07.keras"));
  assert_no_controls (info.out);
  assert_no_controls (info.err);

  RUN (&gone, "info", missing); // the message comes from the core
  g_assert_cmpint (gone.status, ==, 1);
  g_assert_nonnull (strstr (gone.err, "\\x1b[2Jgone\\u009b.keras"));
  assert_no_controls (gone.err);
}

static void
test_predict_json (void)
{
  g_autofree char *image = g_build_filename (tmp, "one\033[31m\xc2\x9b.png", NULL);
  g_auto (Run) json = { 0 }, text = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  write_digit (image);
  RUN (&json, "predict", "--json", model, image);
  g_assert_cmpint (json.status, ==, 0);
  assert_no_controls (json.out);
  g_assert_nonnull (strstr (json.out, "\\u001b[31m\\u009b.png"));
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  JsonObject *first = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "file"), ==, image);

  RUN (&text, "predict", model, image);
  g_assert_cmpint (text.status, ==, 0);
  assert_no_controls (text.out);
  g_assert_nonnull (strstr (text.out, "one\\x1b[31m\\u009b.png: "));
  g_unlink (image);
}

/* A model whose weights overflow: finite numbers, NaN answers. JSON must not carry them. */
static void
test_no_nan_json (void)
{
  g_autofree char *huge = g_build_filename (tmp, "huge.keras", NULL);
  g_autofree char *image = g_build_filename (tmp, "digit.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (model, &error);
  g_auto (Run) r = { 0 };

  g_assert_no_error (error);
  for (size_t i = 0; i < m->n_params; i++)
    m->params[i] = m->params[i] >= 0 ? 3e38f : -3e38f;
  if (!nn_keras_save (m, huge, NULL, &error))
    {
      g_test_skip ("the core refuses to save such weights");
      return;
    }
  write_digit (image);
  RUN (&r, "predict", "--json", huge, image);
  g_assert_cmpint (r.status, ==, 1);
  g_autofree char *lower = g_ascii_strdown (r.out, -1);
  g_assert_null (strstr (lower, "nan"));
  g_assert_null (strstr (lower, "inf"));
  if (*r.out != '\0')
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
      g_assert_no_error (error);
    }
  g_assert_nonnull (strstr (r.err, "digits-cli: "));
}

static void
test_write_errors (void)
{
  g_auto (Run) full = { 0 };

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }
  // stdout on a full disk: the output is lost, so the command failed.
  run_argv (&full, "/dev/full", (const char *const[]) { "info", model, NULL });
  g_assert_cmpint (full.status, ==, 1);
  g_assert_nonnull (strstr (full.err, "cannot write the output"));
  g_assert_nonnull (strstr (full.err, g_strerror (ENOSPC)));

  if (!have_mnist ())
    return;
  g_auto (Run) csv = { 0 }, replaced = { 0 };
  RUN (&csv, "evaluate", model, "--limit", "50", "--confusion-csv", "/dev/full");
  g_assert_cmpint (csv.status, ==, 1);
  g_assert_nonnull (strstr (csv.err, g_strerror (ENOSPC)));

  // An existing output is replaced whole, and nothing else appears beside it.
  g_autofree char *dir = g_build_filename (tmp, "outputs", NULL);
  g_autofree char *pred = g_build_filename (dir, "pred.csv", NULL);
  g_autofree char *png = g_build_filename (dir, "cm.png", NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (pred, "old", -1, NULL));
  RUN (&replaced, "evaluate", model, "--limit", "50", "--predictions", pred, "--confusion-png", png);
  g_assert_cmpint (replaced.status, ==, 0);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (pred, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "index,"));
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name (d))
    n++;
  g_assert_cmpint (n, ==, 2);
}

static void
test_bad_numbers (void)
{
  const char *const cases[][6] = {
    { "evaluate", model, "--threads", "0", NULL },
    { "evaluate", model, "--limit", "-5", NULL },
    { "evaluate", model, "--limit", "10abc", NULL },
    { "robustness", model, "--seed", "x", NULL },
    { "robustness", model, "--threads", "nan", NULL },
    { "bench", "--reps", "0", NULL },
    { "bench", "--train", "--batch", "-3", NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r = { 0 };
      run_argv (&r, NULL, cases[i]);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, "takes a whole number"));
    }
}

int
main (int argc, char **argv)
{
  const char *source = g_getenv ("DIGITS_SOURCE_DIR");

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("DIGITS_CLI");
  if (cli == NULL || source == NULL)
    {
      g_printerr ("DIGITS_CLI and DIGITS_SOURCE_DIR must be set\n");
      return 2;
    }
  model = g_build_filename (source, "models", "mnist_cnn.keras", NULL);
  tmp = g_dir_make_tmp ("digits-cli-output-XXXXXX", NULL);
  g_test_add_func ("/cli/output/escaped-names", test_escaped_names);
  g_test_add_func ("/cli/output/predict-json", test_predict_json);
  g_test_add_func ("/cli/output/no-nan-json", test_no_nan_json);
  g_test_add_func ("/cli/output/write-errors", test_write_errors);
  g_test_add_func ("/cli/output/bad-numbers", test_bad_numbers);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", tmp);
  g_free (model);
  g_free (tmp);
  return rc;
}
