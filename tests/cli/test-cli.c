/* digits-cli as a user runs it: the real binary on the shipped CNN (and on the
 * Keras-written fixture when ../shared is there), MNIST, rendered digit pictures and
 * broken files. Paths come from the environment: DIGITS_CLI, MAKE_DIGIT,
 * DIGITS_SOURCE_DIR (set by meson), DIGITS_SHARED_DIR, DIGITS_MNIST_DIR. */
#include <string.h>
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "../test-models.h"

static const char *cli, *make_digit;
static char *cnn, *tmp; /* the shipped CNN; the scratch folder */

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

/* Runs digits-cli with the NULL-terminated arguments; the exit status in r. */
static void
run_cli (Run *r, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  va_list ap;
  int wait_status;

  g_ptr_array_add (argv, (char *) cli);
  va_start (ap, r);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

static char *
render_digit (const char *text, const char *name, const char *polarity)
{
  char *path = g_build_filename (tmp, name, NULL);
  const char *argv[] = { make_digit, text, path, polarity, NULL };
  g_autoptr (GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return path;
}

/* A real PNG of a sensible size with more than a flat background in it. */
static void
assert_png (const char *path, int min_w, int min_h)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);
  unsigned char *data;
  int w, h, stride, distinct = 0;
  guint32 seen[64];

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  w = cairo_image_surface_get_width (s);
  h = cairo_image_surface_get_height (s);
  g_assert_cmpint (w, >=, min_w);
  g_assert_cmpint (h, >=, min_h);
  g_assert_cmpint (w, <=, 4000);
  g_assert_cmpint (h, <=, 4000);
  data = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  for (int y = 0; y < h && distinct < 64; y += 7)
    for (int x = 0; x < w && distinct < 64; x += 7)
      {
        guint32 px = *(guint32 *) (data + (size_t) y * stride + x * 4);
        gboolean known = FALSE;
        for (int k = 0; k < distinct; k++)
          known |= seen[k] == px;
        if (!known)
          seen[distinct++] = px;
      }
  g_assert_cmpint (distinct, >=, 16);
  cairo_surface_destroy (s);
}

static gboolean
have_mnist (void)
{
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  g_autofree char *images = g_build_filename (dir != NULL ? dir : "data/mnist",
                                              "t10k-images-idx3-ubyte", NULL);
  g_autofree char *gz = g_strconcat (images, ".gz", NULL);

  if (g_file_test (images, G_FILE_TEST_EXISTS) || g_file_test (gz, G_FILE_TEST_EXISTS))
    return TRUE;
  g_test_skip ("the MNIST test set is not in DIGITS_MNIST_DIR");
  return FALSE;
}

static void
test_usage (void)
{
  g_auto (Run) none = { 0 }, no_model = { 0 }, bad_opt = { 0 }, help = { 0 };

  run_cli (&none, NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "evaluate"));

  run_cli (&no_model, "evaluate", NULL);
  g_assert_cmpint (no_model.status, ==, 2);
  g_assert_nonnull (strstr (no_model.err, "MODEL"));

  run_cli (&bad_opt, "predict", "--no-such-option", cnn, "x.png", NULL);
  g_assert_cmpint (bad_opt.status, ==, 2);

  run_cli (&help, "robustness", "--help", NULL);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "--compare"));
}

static void
test_info (void)
{
  g_auto (Run) r = { 0 }, missing = { 0 };
  g_autofree char *nowhere = g_build_filename (tmp, "no-such-model.keras", NULL);

  run_cli (&r, "info", cnn, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Keras version   3.12.0"));
  g_assert_nonnull (strstr (r.out, "(None, 28, 28, 1)"));
  g_assert_nonnull (strstr (r.out, "conv2d_3"));
  g_assert_nonnull (strstr (r.out, "(None, 1600)"));  /* the Flatten output */
  g_assert_nonnull (strstr (r.out, "271,210"));       /* total parameters */
  g_assert_nonnull (strstr (r.out, "Date saved"));

  run_cli (&missing, "info", nowhere, NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_true (g_str_has_prefix (missing.err, "digits-cli: "));
  g_assert_nonnull (strstr (missing.err, nowhere));
}

/* The shipped CNN scores 9966 of the 10000 test images (its model card), and the
 * Keras-written fixture 9779, as in Keras. Sanitizer builds run the engine
 * unoptimised and 20 times slower, so there the first 1000 images are scored,
 * against their count from the full run. */
#if defined(__SANITIZE_ADDRESS__)
#define EVAL_LIMIT "1000"
#define EVAL_ROWS 1000
#define EVAL_ACCURACY "99.60% (996/1000)"
#define FIXTURE_ACCURACY "97.60% (976/1000)"
#else
#define EVAL_LIMIT "0"
#define EVAL_ROWS 10000
#define EVAL_ACCURACY "99.66% (9966/10000)"
#define FIXTURE_ACCURACY "97.79% (9779/10000)"
#endif

static void
test_evaluate (void)
{
  g_auto (Run) r = { 0 };
  g_autofree char *csv = g_build_filename (tmp, "pred.csv", NULL);
  g_autofree char *png = g_build_filename (tmp, "confusion.png", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!have_mnist ())
    return;
  run_cli (&r, "evaluate", cnn, "--predictions", csv, "--confusion-png", png, "--limit",
           EVAL_LIMIT, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, EVAL_ACCURACY));
  g_assert_nonnull (strstr (r.out, "precision"));
  g_assert_nonnull (strstr (r.out, "Confusion matrix"));

  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, EVAL_ROWS + 2); /* header, rows, "" */
  g_assert_cmpstr (lines[0], ==, "index,label,pred,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,verdict");
  g_assert_true (g_str_has_suffix (lines[1], ",digit"));
  g_assert_true (g_str_has_prefix (lines[1], "0,7,7,"));  /* the first test image is a 7 */
  assert_png (png, 400, 400);
}

/* A model Keras wrote scores here what it scored in Keras. */
static void
test_evaluate_fixture (void)
{
  g_autofree char *fixture = test_fixture_or_skip ();
  g_auto (Run) r = { 0 };

  if (fixture == NULL || !have_mnist ())
    return;
  run_cli (&r, "evaluate", fixture, "--limit", EVAL_LIMIT, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, FIXTURE_ACCURACY));
}

static void
test_evaluate_folder (void)
{
  g_autofree char *dir = g_build_filename (tmp, "folder", NULL);
  g_autofree char *bad = NULL;
  g_auto (Run) r = { 0 };

  for (int d = 0; d < 10; d++)
    {
      char digit[2] = { (char) ('0' + d), 0 };
      g_autofree char *sub = g_build_filename (dir, digit, NULL);
      g_autofree char *name = g_strdup_printf ("folder/%d/a.png", d);
      g_autofree char *png = NULL;

      g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
      png = render_digit (digit, name, d % 2 ? "dark" : "light");
    }
  bad = g_build_filename (dir, "3", "broken.png", NULL);
  g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\n truncated", -1, NULL));

  run_cli (&r, "evaluate", cnn, "--data", dir, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Accuracy:"));
  g_assert_nonnull (strstr (r.out, "/10)"));          /* ten images were read */
  g_assert_nonnull (strstr (r.err, "broken.png"));    /* the skipped file is named */
}

/* "FILE: D (P%)" lines: the digit the CLI gave for FILE, or -1. */
static int
digit_for (const char *out, const char *file)
{
  g_autofree char *key = g_strconcat (file, ": ", NULL);
  const char *at = strstr (out, key);

  if (at == NULL)
    return -1;
  at += strlen (key);
  return g_ascii_isdigit (*at) ? *at - '0' : -1;
}

static void
test_predict (void)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *cam = g_build_filename (tmp, "cam.png", NULL);
  g_autoptr (GError) error = NULL;
  g_auto (Run) r = { 0 }, j = { 0 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *results;
  int right = 0;

  for (int d = 0; d < 10; d++)
    {
      char digit[2] = { (char) ('0' + d), 0 };
      g_autofree char *name = g_strdup_printf ("digit-%d.png", d);
      g_ptr_array_add (files, render_digit (digit, name, d % 3 == 0 ? "dark" : "light"));
    }
  /* Most printed digits are read right (a font's "1" with its flag and foot is
   * not an MNIST 1, so all ten are not required). */
  run_cli (&r, "predict", cnn, files->pdata[0], files->pdata[1], files->pdata[2],
           files->pdata[3], files->pdata[4], files->pdata[5], files->pdata[6], files->pdata[7],
           files->pdata[8], files->pdata[9], NULL);
  g_assert_cmpint (r.status, ==, 0);
  for (int d = 0; d < 10; d++)
    right += digit_for (r.out, files->pdata[d]) == d;
  g_assert_cmpint (right, >=, 8);

  run_cli (&j, "predict", cnn, "--json", "--gradcam", cam, files->pdata[7], NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, &error));
  g_assert_no_error (error);
  results = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  {
    JsonObject *o = json_array_get_object_element (results, 0);
    JsonArray *probs = json_object_get_array_member (o, "probabilities");
    double sum = 0;

    g_assert_cmpint (json_object_get_int_member (o, "digit"), ==, 7);
    g_assert_cmpuint (json_array_get_length (probs), ==, 10);
    for (int k = 0; k < 10; k++)
      sum += json_array_get_double_element (probs, k);
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
    g_assert_cmpstr (json_object_get_string_member (o, "gradcam"), ==, cam);
  }
  assert_png (cam, 300, 200);
}

static void
test_predict_bad_files (void)
{
  g_autofree char *good = render_digit ("4", "four.png", "light");
  g_autofree char *blank = render_digit ("", "blank.png", "light");
  g_autofree char *corrupt = g_build_filename (tmp, "corrupt.png", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing.jpg", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (Run) r = { 0 }, b = { 0 }, j = { 0 };
  JsonArray *results;

  g_assert_true (g_file_set_contents (corrupt, "this is not a picture", -1, NULL));

  /* The bad files are named on stderr, the good one is still classified, and
   * the status says something failed. */
  run_cli (&r, "predict", cnn, corrupt, good, missing, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, corrupt));
  g_assert_nonnull (strstr (r.err, missing));
  g_assert_true (g_str_has_prefix (r.err, "digits-cli: "));
  g_assert_cmpint (digit_for (r.out, good), ==, 4);

  /* A blank page is not a failure, and not a digit either. */
  run_cli (&b, "predict", cnn, blank, NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_nonnull (strstr (b.out, "nothing drawn"));

  run_cli (&j, "predict", cnn, "--json", blank, corrupt, NULL);
  g_assert_cmpint (j.status, ==, 1);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, NULL));
  results = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (results, 0),
                                                 "nothing_drawn"));
  g_assert_true (json_object_has_member (json_array_get_object_element (results, 1), "error"));
}

static void
test_robustness (void)
{
  g_autofree char *json = g_build_filename (tmp, "rob.json", NULL);
  g_autofree char *png = g_build_filename (tmp, "rob.png", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (Run) r = { 0 };
  JsonObject *model;
  JsonArray *rows;

  if (!have_mnist ())
    return;
  run_cli (&r, "robustness", cnn, "--limit", "100", "--json", json, "--png", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "thickening k=4"));
  g_assert_nonnull (strstr (r.out, "Worst row"));

  g_assert_true (json_parser_load_from_file (parser, json, &error));
  g_assert_no_error (error);
  model = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                    "models"), 0);
  g_assert_cmpint (json_object_get_int_member (model, "images"), ==, 100);
  rows = json_object_get_array_member (model, "rows");
  g_assert_cmpuint (json_array_get_length (rows), ==, 16);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0),
                                                  "perturbation"), ==, "clean");
  assert_png (png, 600, 400);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("DIGITS_CLI");
  make_digit = g_getenv ("MAKE_DIGIT");
  if (cli == NULL || make_digit == NULL || g_getenv ("DIGITS_SOURCE_DIR") == NULL)
    {
      g_printerr ("DIGITS_CLI, MAKE_DIGIT and DIGITS_SOURCE_DIR must be set (meson test does)\n");
      return 1;
    }
  cnn = test_shipped_model ("mnist_cnn.keras");
  tmp = g_dir_make_tmp ("digits-cli-test-XXXXXX", NULL);
  g_assert_nonnull (tmp);

  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/info", test_info);
  g_test_add_func ("/cli/evaluate", test_evaluate);
  g_test_add_func ("/cli/evaluate-fixture", test_evaluate_fixture);
  g_test_add_func ("/cli/evaluate-folder", test_evaluate_folder);
  g_test_add_func ("/cli/predict", test_predict);
  g_test_add_func ("/cli/predict-bad-files", test_predict_bad_files);
  g_test_add_func ("/cli/robustness", test_robustness);
  status = g_test_run ();

  if (status == 0 && g_getenv ("DIGITS_KEEP_TEST_FILES") == NULL)
    {
      /* Remove what the tests made; tmp only holds files this process wrote. */
      const char *rm[] = { "rm", "-rf", tmp, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  g_free (cnn);
  g_free (tmp);
  return status;
}
