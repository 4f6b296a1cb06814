/* test-cli-explain.c: digits-cli explain as a user runs it: the JSON's shape
 * (one object per image, 784 input and map numbers, the input the model saw),
 * --png, and usage errors. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "nn-image.h"
#include "nn-keras.h"

static char *dir;

static int
run (const char *const *args, char **out)
{
  const char *cli = g_getenv ("DIGITS_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, "explain");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, &err, &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : WEXITSTATUS (status);
}

/* Dark ink on white paper, off centre and larger than MNIST: a picture that only
 * the preprocessing makes into the model's input. */
static char *
draw_digit (const char *name, int variant)
{
  g_autoptr (NnGreyImage) img = nn_grey_image_new (120, 90);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  memset (img->pixels, 255, 120 * 90);
  for (int y = 10; y < 80; y++)
    for (int x = 0; x < 120; x++)
      {
        double cx = variant == 0 ? 70 - 0.3 * (y - 10) : 60;
        gboolean ink = fabs (x - cx) < 5 || (variant == 0 && y < 18 && x > 50 && x < 90);
        if (ink)
          img->pixels[y * 120 + x] = 20;
      }
  g_assert_true (nn_grey_image_save_png (img, path, &error));
  g_assert_no_error (error);
  return path;
}

static JsonArray *
numbers (JsonObject *o, const char *name)
{
  JsonArray *a = json_object_get_array_member (o, name);
  g_assert_nonnull (a);
  g_assert_cmpuint (json_array_get_length (a), ==, 784);
  for (guint i = 0; i < 784; i++)
    g_assert_true (JSON_NODE_HOLDS_VALUE (json_array_get_element (a, i)));
  return a;
}

static void
check_object (JsonObject *o, const char *file, const char *method, gboolean has_layer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGreyImage) img = nn_grey_image_load (file, &error);
  float x[784];

  g_assert_cmpstr (json_object_get_string_member (o, "file"), ==, file);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, method);
  gint64 c = json_object_get_int_member (o, "class");
  g_assert_cmpint (c, >=, 0);
  g_assert_cmpint (c, <=, 9);
  g_assert_true (json_object_has_member (o, "layer"));
  if (has_layer)
    g_assert_nonnull (json_object_get_string_member (o, "layer"));
  else
    g_assert_true (json_object_get_null_member (o, "layer"));

  /* The input is what predict feeds the model. */
  g_assert_true (nn_preprocess_digit (img->pixels, img->width, img->height, img->width,
                                      NN_BACKGROUND_AUTO, x, &error));
  JsonArray *input = numbers (o, "input");
  for (guint i = 0; i < 784; i++)
    g_assert_cmpfloat (fabs (json_array_get_double_element (input, i) - x[i]), <, 1e-6);
  JsonArray *map = numbers (o, "map");
  double mass = 0;
  for (guint i = 0; i < 784; i++)
    mass += fabs (json_array_get_double_element (map, i));
  g_assert_cmpfloat (mass, >, 0);
}

static void
test_json (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *seven = draw_digit ("seven.png", 0), *one = draw_digit ("one.png", 1);
  const char *methods[] = { "gradcam", "gradcam++", "ig", "occlusion" };

  for (int k = 0; k < 4; k++)
    {
      g_autofree char *out = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      const char *args[] = { model, seven, one, "--json", "--method", methods[k], NULL };

      g_assert_cmpint (run (args, &out), ==, 0);
      g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
      g_assert_no_error (error);
      JsonArray *all = json_node_get_array (json_parser_get_root (parser));
      g_assert_cmpuint (json_array_get_length (all), ==, 2);
      check_object (json_array_get_object_element (all, 0), seven, methods[k], k < 2);
      check_object (json_array_get_object_element (all, 1), one, methods[k], k < 2);
    }
}

/* No --method: integrated gradients, on the input. */
static void
test_default_method (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *seven = draw_digit ("seven.png", 0), *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *args[] = { model, seven, "--json", NULL };

  g_assert_cmpint (run (args, &out), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  JsonArray *all = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (all), ==, 1);
  check_object (json_array_get_object_element (all, 0), seven, "ig", FALSE);
}

static void
test_png_and_layer (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *seven = draw_digit ("seven.png", 0);
  g_autofree char *png = g_build_filename (dir, "map.png", NULL), *out = NULL, *data = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *args[] = { model, seven, "--json", "--method", "gradcam", "--layer", "conv2d_1",
                         "--png", png, NULL };

  g_assert_cmpint (run (args, &out), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  JsonObject *o = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "conv2d_1");
  g_assert_cmpstr (json_object_get_string_member (o, "png"), ==, png);
  g_assert_true (g_file_get_contents (png, &data, &len, NULL));
  g_assert_cmpuint (len, >, 8);
  g_assert_cmpint (memcmp (data, "\x89PNG", 4), ==, 0);
}

/* A class folder of two drawn digits, a 7 and a 1; remove_folder() clears it. */
static char *
make_folder (void)
{
  char *data = g_build_filename (dir, "folder", NULL);
  const char *names[] = { "7", "1" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *class_dir = g_build_filename (data, names[i], NULL);
      g_autofree char *picture = draw_digit (names[i], i);
      g_autofree char *to = g_build_filename (class_dir, "a.png", NULL);
      g_assert_cmpint (g_mkdir_with_parents (class_dir, 0700), ==, 0);
      g_assert_cmpint (g_rename (picture, to), ==, 0);
    }
  return data;
}

static void
remove_folder (const char *data)
{
  const char *names[] = { "7", "1" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *class_dir = g_build_filename (data, names[i], NULL);
      g_autofree char *picture = g_build_filename (class_dir, "a.png", NULL);
      g_unlink (picture);
      g_rmdir (class_dir);
    }
  g_rmdir (data);
}

/* The figures of a table row: on-ink and beats-rnd in percent, and the AUC. */
static void
row_figures (const char *row, double *on_ink, double *beats, double *auc)
{
  double drop, rnd;
  const char *at = strchr (row, '%');
  g_assert_nonnull (at);
  while (at > row && at[-1] != ' ')
    at--;
  g_assert_cmpint (sscanf (at, "%lf%% %lf%% %lf %lf %lf", on_ink, beats, &drop, &rnd, auc), ==, 5);
}

/* --score over a class folder: a header and one row per method, figures in range;
 * a model without a spatial layer fails the Grad-CAM rows, not the others. */
static void
test_score_folder (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *baseline = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                                "mnist_baseline.keras", NULL);
  g_autofree char *data = make_folder ();
  g_autofree char *out = NULL, *out2 = NULL;
  const char *args[] = { model, "--score", "--data", data, NULL };
  const char *flat[] = { baseline, "--score", "--data", data, NULL };

  g_assert_cmpint (run (args, &out), ==, 0);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_assert_nonnull (strstr (lines[0], "2 images"));
  g_assert_nonnull (strstr (lines[1], "on-ink"));
  const char *methods[] = { "gradcam ", "gradcam++", "ig ", "occlusion" };
  for (int k = 0; k < 4; k++)
    {
      double on_ink, beats, auc;
      g_assert_nonnull (lines[2 + k]);
      g_assert_true (g_str_has_prefix (lines[2 + k], methods[k]));
      row_figures (lines[2 + k], &on_ink, &beats, &auc);
      g_assert_cmpfloat (on_ink, >=, 0);
      g_assert_cmpfloat (on_ink, <=, 100);
      g_assert_true (beats == 0 || beats == 50 || beats == 100); /* of 2 images */
    }

  g_assert_cmpint (run (flat, &out2), ==, 1);
  g_assert_null (strstr (out2, "gradcam "));
  g_assert_nonnull (strstr (out2, "\nig "));
  g_assert_nonnull (strstr (out2, "\nocclusion "));
  remove_folder (data);
}

/* --score --layer all --output: the layer of the row with the lowest deletion AUC
 * is stored in the written model, and explaining with that model uses it. */
static void
test_keep_best_layer (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *data = make_folder ();
  g_autofree char *kept = g_build_filename (dir, "kept.keras", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-folder", "kept.keras", NULL);
  g_autofree char *seven = draw_digit ("seven.png", 0);
  g_autofree char *out = NULL, *json = NULL, *stored = NULL, *best = NULL, *out2 = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  const char *args[] = { model, "--score", "--data", data, "--method", "gradcam++",
                         "--layer", "all", "--output", kept, NULL };
  const char *lost[] = { model, "--score", "--data", data, "--method", "gradcam++",
                         "--layer", "all", "--output", nowhere, NULL };
  const char *again[] = { kept, seven, "--json", "--method", "gradcam++", NULL };

  g_assert_cmpint (run (args, &out), ==, 0);
  double best_auc = G_MAXDOUBLE;
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  int rows = 0;
  for (int i = 2; lines[i] != NULL && g_str_has_prefix (lines[i], "gradcam++ "); i++, rows++)
    {
      double on_ink, beats, auc;
      row_figures (lines[i], &on_ink, &beats, &auc);
      if (auc < best_auc)
        {
          g_auto (GStrv) words = g_strsplit_set (lines[i], " ", -1);
          int w = 1;
          while (*words[w] == '\0')
            w++;
          g_free (best);
          best = g_strdup (words[w]);
          best_auc = auc;
        }
    }
  g_assert_cmpint (rows, >=, 4); /* every spatial layer of the CNN */
  stored = nn_keras_read_metadata_value (kept, "explain_layer_gradcam++", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, best);

  g_assert_cmpint (run (again, &json), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  JsonObject *o = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, best);

  g_assert_cmpint (run (lost, &out2), ==, 1);
  g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));

  /* a model without a spatial layer has nothing to store: no file is written */
  g_autofree char *baseline = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                                "mnist_baseline.keras", NULL);
  g_autofree char *flat_out = g_build_filename (dir, "flat.keras", NULL), *out3 = NULL;
  const char *flat[] = { baseline, "--score", "--data", data, "--method", "gradcam",
                         "--layer", "all", "--output", flat_out, NULL };
  g_assert_cmpint (run (flat, &out3), ==, 1);
  g_assert_false (g_file_test (flat_out, G_FILE_TEST_EXISTS));
  g_unlink (kept);
  remove_folder (data);
}

static void
test_usage (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_cnn.keras", NULL);
  g_autofree char *seven = draw_digit ("seven.png", 0);
  const char *bad_method[] = { model, seven, "--method", "saliency", NULL };
  const char *no_image[] = { model, NULL };
  const char *bad_layer[] = { model, seven, "--method", "gradcam", "--layer", "nope", NULL };
  const char *flat_layer[] = { model, seven, "--method", "gradcam++", "--layer", "flatten", NULL };
  const char *ig_layer[] = { model, seven, "--method", "ig", "--layer", "conv2d", NULL };
  const char *default_layer[] = { model, seven, "--layer", "conv2d", NULL };
  const char *output_alone[] = { model, "--score", "--output", "x.keras", NULL };

  g_assert_cmpint (run (bad_method, NULL), ==, 2);
  g_assert_cmpint (run (no_image, NULL), ==, 2);
  g_assert_cmpint (run (bad_layer, NULL), ==, 1);
  g_assert_cmpint (run (flat_layer, NULL), ==, 1);
  g_assert_cmpint (run (ig_layer, NULL), ==, 2);
  g_assert_cmpint (run (default_layer, NULL), ==, 2);
  g_assert_cmpint (run (output_alone, NULL), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("test-cli-explain-XXXXXX", NULL);
  g_test_add_func ("/cli-explain/json", test_json);
  g_test_add_func ("/cli-explain/default-method", test_default_method);
  g_test_add_func ("/cli-explain/png-and-layer", test_png_and_layer);
  g_test_add_func ("/cli-explain/score-folder", test_score_folder);
  g_test_add_func ("/cli-explain/keep-best-layer", test_keep_best_layer);
  g_test_add_func ("/cli-explain/usage", test_usage);
  int status = g_test_run ();
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const char *name; d != NULL && (name = g_dir_read_name (d)) != NULL;)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
  g_free (dir);
  return status;
}
