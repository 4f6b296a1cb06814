/* test-verdict: the not-a-digit rule (src/core/read/nn-verdict.h): its features on
 * made-up fields, the negatives its detector learns from (nn-negatives.h), its fit
 * on MNIST training images, what it refuses of the MNIST test images and of seeded
 * negatives (bench/negatives.c, and nn-negatives.h at seeds the fit never draws),
 * and its round trip through a .keras file's metadata. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "negatives.h"
#include "nn-negatives.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-verdict.h"

#define NEG_SIDE 96

static char *tmp;

static NnModel *
load_shipped (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models", name, NULL);
  NnModel *m = nn_keras_load (path, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_features (void)
{
  float x[NN_IMAGE_PIXELS] = { 0 };
  const float logits[2] = { 0, 0 };
  NnVerdictFeatures f;

  nn_verdict_features (NULL, x, logits, 2, NULL, &f);
  g_assert_cmpint (f.pieces, ==, 0);
  g_assert_cmpfloat (f.ink, ==, 0);
  g_assert_cmpfloat_with_epsilon (f.energy, log (2), 1e-9);
  g_assert_cmpfloat_with_epsilon (f.max_prob, 0.5, 1e-9);

  /* Two blocks of 3 x 3 and 2 x 2 (4 pixels each count), a lone pixel (a crumb). */
  for (int y = 2; y < 5; y++)
    for (int xx = 2; xx < 5; xx++)
      x[y * 28 + xx] = 1;
  for (int y = 20; y < 22; y++)
    for (int xx = 20; xx < 22; xx++)
      x[y * 28 + xx] = 1;
  x[10 * 28 + 15] = 1;
  nn_verdict_features (NULL, x, logits, 2, NULL, &f);
  g_assert_cmpint (f.pieces, ==, 2);
  g_assert_cmpfloat_with_epsilon (f.largest, 9.0 / 13.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (f.ink, 14.0 / 784.0, 1e-9);
}

static NnVerdict
judge_picture (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, const guint8 *grey)
{
  float x[NN_IMAGE_PIXELS];
  NnVerdictFeatures f;

  if (!nn_preprocess_digit (grey, NEG_SIDE, NEG_SIDE, NEG_SIDE, NN_BACKGROUND_AUTO, x, NULL))
    return NN_VERDICT_BLANK;
  const float *logits = nn_model_forward (m, ws, x, 1);
  nn_verdict_features (rule, x, logits, m->n_classes,
                       nn_workspace_layer_output (ws, nn_verdict_feature_layer (m)), &f);
  return nn_verdict_judge (rule, &f);
}

static void
test_fit (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) train = nn_mnist_load (NULL, NN_MNIST_TRAIN, &error);
  g_autoptr (NnDataset) test = NULL, part = NULL, head = NULL;
  g_autoptr (NnModel) m = NULL;
  NnVerdictRule rule = { 0 };
  int refused = 0, flagged_all = 0;

  if (train == NULL)
    {
      g_test_skip ("no MNIST");
      return;
    }
  test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  m = load_shipped ("mnist_advanced.keras");
  NnWorkspace *ws = nn_workspace_new (m, 256, NN_MODE_INFERENCE);
  /* A third of the training images keeps the test short; with 10,000 the
   * detector saw 8,000 digits against its 30,000 negatives and flagged only 64%
   * of its own shapes (96% with all 60,000). */
  part = nn_dataset_slice (train, 0, 20000);
  g_assert_true (nn_verdict_rule_fit (m, ws, part, 0.01, &rule, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rule.dim, ==, 128);
  g_assert_cmpfloat (rule.min_ink, <, rule.max_ink);

  /* Digits the fit never saw: about 1% refused, not much more. */
  head = nn_dataset_slice (test, 0, 3000);
  g_autofree NnVerdict *v = g_new (NnVerdict, head->n);
  g_assert_true (nn_verdict_run (m, ws, &rule, head, v, NULL, &error));
  for (int i = 0; i < head->n; i++)
    refused += v[i] != NN_VERDICT_DIGIT;
  g_test_message ("refused %d of %d MNIST test images", refused, head->n);
  g_assert_cmpint (refused, <=, head->n * 2 / 100);

  /* Seeded negatives: dots and separate strokes nearly always, the rest often. */
  for (int k = 0; k < NEG_N_KINDS; k++)
    {
      int flagged = 0, n = 150;
      for (int i = 0; i < n; i++)
        {
          guint8 grey[NEG_SIDE * NEG_SIDE];
          neg_render (k, 1000 + i, NEG_SIDE, grey);
          flagged += judge_picture (m, ws, &rule, grey) != NN_VERDICT_DIGIT;
        }
      g_test_message ("%s: %d of %d flagged", neg_kind_name (k), flagged, n);
      if (k == NEG_DOTS || k == NEG_STROKES)
        g_assert_cmpint (flagged, >=, n * 8 / 10);
      flagged_all += flagged;
    }
  g_assert_cmpint (flagged_all, >=, NEG_N_KINDS * 150 * 55 / 100);

  /* The detector's own kinds at seeds its fit never drew: mostly flagged. */
  g_assert_nonnull (rule.weights);
  for (int k = 0; k < NN_NEGATIVE_N_KINDS; k++)
    {
      int flagged = 0, n = 150;
      for (int i = 0; i < n; i++)
        {
          guint8 grey[NEG_SIDE * NEG_SIDE];
          nn_negative_render (k, 1000 + i, NEG_SIDE, grey);
          flagged += judge_picture (m, ws, &rule, grey) != NN_VERDICT_DIGIT;
        }
      g_test_message ("own %s: %d of %d flagged", nn_negative_kind_name (k), flagged, n);
      g_assert_cmpint (flagged, >=, n * 7 / 10);
    }
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
}

/* The fit's own negatives: repeatable, ink on paper, every kind its own picture. */
static void
test_negatives (void)
{
  guint8 a[NEG_SIDE * NEG_SIDE], b[NEG_SIDE * NEG_SIDE];

  for (int k = 0; k < NN_NEGATIVE_N_KINDS; k++)
    {
      int ink = 0, paper = 0;
      g_assert_cmpstr (nn_negative_kind_name (k), !=, "?");
      nn_negative_render (k, 7, NEG_SIDE, a);
      nn_negative_render (k, 7, NEG_SIDE, b);
      g_assert_cmpmem (a, sizeof a, b, sizeof b);
      for (int i = 0; i < NEG_SIDE * NEG_SIDE; i++)
        ink += a[i] < 128, paper += a[i] == 255;
      g_assert_cmpint (ink, >, 4);
      g_assert_cmpint (paper, >, NEG_SIDE * NEG_SIDE / 3);
      nn_negative_render (k, 8, NEG_SIDE, b);
      g_assert_true (memcmp (a, b, sizeof a) != 0);
      if (k > 0)
        {
          nn_negative_render (k - 1, 7, NEG_SIDE, b);
          g_assert_true (memcmp (a, b, sizeof a) != 0);
        }
    }
  g_assert_cmpstr (nn_negative_kind_name (NN_NEGATIVE_N_KINDS), ==, "?");
}

/* A shipped model's stored detector: negatives of seeds its fit never drew, of
 * its own kinds (nn-negatives.h) and of bench/negatives.c's, mostly flagged
 * (letters, a kind it never saw, less often), nine in ten of the latter in all,
 * the logistic baseline's too; MNIST test digits rarely refused. */
static void
test_shipped_detector (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  g_autoptr (NnDataset) head = NULL;
  g_autoptr (NnModel) m = load_shipped (name);
  NnWorkspace *ws = nn_workspace_new (m, 256, NN_MODE_INFERENCE);
  NnVerdictRule rule = { 0 };
  int n = 200, refused = 0, flagged_all = 0;
  gboolean baseline = g_str_equal (name, "mnist_baseline.keras");

  g_assert_true (nn_verdict_rule_from_model (m, &rule));
  g_assert_nonnull (rule.weights);
  g_assert_cmpint (rule.dim, ==, baseline ? 0 : 128);
  g_assert_cmpint (rule.edges, ==, NN_VERDICT_EDGE_INPUTS);
  for (int k = 0; k < NN_NEGATIVE_N_KINDS; k++)
    {
      int flagged = 0;
      for (int i = 0; i < n; i++)
        {
          guint8 grey[NEG_SIDE * NEG_SIDE];
          nn_negative_render (k, 500 + i, NEG_SIDE, grey);
          flagged += judge_picture (m, ws, &rule, grey) != NN_VERDICT_DIGIT;
        }
      g_test_message ("%s: %d of %d flagged", nn_negative_kind_name (k), flagged, n);
      g_assert_cmpint (flagged, >=, n * 75 / 100);
    }
  for (int k = 0; k < NEG_N_KINDS; k++)
    {
      int flagged = 0;
      for (int i = 0; i < n; i++)
        {
          guint8 grey[NEG_SIDE * NEG_SIDE];
          neg_render (k, 500 + i, NEG_SIDE, grey);
          flagged += judge_picture (m, ws, &rule, grey) != NN_VERDICT_DIGIT;
        }
      g_test_message ("bench %s: %d of %d flagged", neg_kind_name (k), flagged, n);
      g_assert_cmpint (flagged, >=, n * (k == NEG_LETTER ? 75 : 80) / 100);
      flagged_all += flagged;
    }
  g_assert_cmpint (flagged_all, >=, NEG_N_KINDS * n * 9 / 10);
  if (test == NULL)
    {
      g_test_message ("no MNIST: digits not checked");
      nn_verdict_rule_clear (&rule);
      nn_workspace_free (ws);
      return;
    }
  head = nn_dataset_slice (test, 5000, 1000);
  g_autofree NnVerdict *v = g_new (NnVerdict, head->n);
  g_assert_true (nn_verdict_run (m, ws, &rule, head, v, NULL, &error));
  for (int i = 0; i < head->n; i++)
    refused += v[i] != NN_VERDICT_DIGIT;
  g_test_message ("refused %d of %d MNIST test images", refused, head->n);
  g_assert_cmpint (refused, <=, head->n * 2 / 100);
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
}

/* A detector, with and without a hidden layer, through a .keras file: the same
 * scores after the round trip; a damaged weight list is no rule. */
static void
test_store_detector (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (tmp, "detector.keras", NULL);
  float x[NN_IMAGE_PIXELS];
  const float logits[10] = { 3, -1, 0.5f, 0, 0, 1, 0, -2, 0, 0 };

  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    x[i] = (i * 37 % 11) / 10.0f;
  /* Without and with hidden units, without the pooled field (files fitted before
   * it joined the inputs), with it, and with the field's edges too. */
  for (int variant = 0; variant < 6; variant++)
    {
      int hidden = variant % 2 ? 3 : 0, pixels = variant >= 2 ? NN_VERDICT_PIXEL_INPUTS : 0;
      int edges = variant >= 4 ? NN_VERDICT_EDGE_INPUTS : 0;
      g_autoptr (NnModel) m = load_shipped ("mnist_cnn.keras");
      g_autoptr (NnModel) back = NULL;
      NnVerdictRule rule, got = { 0 };
      NnVerdictFeatures f, g;
      int layer = nn_verdict_feature_layer (m), inputs, size;

      /* Input checks wide open: the detector alone decides. */
      rule = (NnVerdictRule){ .max_ink = 1, .max_pieces = 1000, .max_holes = 1000,
                              .min_energy = -INFINITY, .max_distance = INFINITY };
      rule.dim = (int) nn_shape_size (m->layers[layer].out_shape);
      rule.n_classes = m->n_classes;
      rule.hidden = hidden;
      rule.pixels = pixels;
      rule.edges = edges;
      inputs = rule.dim + pixels + edges + NN_VERDICT_EXTRA_INPUTS;
      size = hidden > 0 ? hidden * (inputs + 2) : inputs;
      rule.weights = g_new (float, size);
      for (int i = 0; i < size; i++)
        rule.weights[i] = (float) ((i * 13 % 29) - 14) / 50.0f;
      rule.bias = -0.25;
      rule.max_score = 1.5;
      g_autofree float *feat = g_new (float, rule.dim);
      for (int j = 0; j < rule.dim; j++)
        feat[j] = (float) (j % 5) / 4.0f;
      nn_verdict_features (&rule, x, logits, 10, feat, &f);
      g_assert_cmpfloat (f.score, !=, 0);

      nn_verdict_rule_store (m, &rule);
      g_assert_null (g_hash_table_lookup (m->metadata, "verdict_centres"));
      g_assert_true (nn_keras_save (m, path, NULL, &error));
      g_assert_no_error (error);
      back = nn_keras_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (nn_verdict_rule_from_model (back, &got));
      g_assert_cmpint (got.hidden, ==, hidden);
      g_assert_cmpint (got.pixels, ==, pixels);
      g_assert_cmpint (got.edges, ==, edges);
      g_assert_null (got.centres);
      nn_verdict_features (&got, x, logits, 10, feat, &g);
      g_assert_cmpfloat_with_epsilon (g.score, f.score, 1e-4 * (1 + fabs (f.score)));
      g_assert_cmpfloat_with_epsilon (got.max_score, 1.5, 1e-6);
      got.max_score = g.score + 0.01;
      g_assert_cmpint (nn_verdict_judge (&got, &g), ==, NN_VERDICT_DIGIT);
      got.max_score = g.score - 0.01;
      g_assert_cmpint (nn_verdict_judge (&got, &g), ==, NN_VERDICT_NOT_A_DIGIT);
      nn_verdict_rule_clear (&got);

      /* One weight short: the default rule, no detector. */
      g_autofree char *whole = g_strdup (g_hash_table_lookup (back->metadata, "verdict_detector"));
      g_autofree char *cut = g_strdup (whole);
      *strrchr (cut, ',') = '\0';
      g_hash_table_insert (back->metadata, g_strdup ("verdict_detector"), g_strdup (cut));
      g_assert_false (nn_verdict_rule_from_model (back, &got));
      g_assert_null (got.weights);
      g_assert_cmpint (got.dim, ==, 0);
      nn_verdict_rule_clear (&got);
      /* Whole weights but a pooled field of another size: no rule either. */
      g_hash_table_insert (back->metadata, g_strdup ("verdict_detector"), g_strdup (whole));
      g_assert_true (nn_verdict_rule_from_model (back, &got));
      nn_verdict_rule_clear (&got);
      g_hash_table_insert (back->metadata, g_strdup ("verdict_detector_pixels"), g_strdup ("49"));
      g_assert_false (nn_verdict_rule_from_model (back, &got));
      g_assert_null (got.weights);
      nn_verdict_rule_clear (&got);
      /* Edges of another size, or edges the weights were not made for: no rule. */
      g_hash_table_insert (back->metadata, g_strdup ("verdict_detector_pixels"),
                           g_strdup_printf ("%d", NN_VERDICT_PIXEL_INPUTS));
      g_hash_table_insert (back->metadata, g_strdup ("verdict_detector_edges"),
                           g_strdup (edges > 0 ? "49" : G_STRINGIFY (NN_VERDICT_EDGE_INPUTS)));
      g_assert_false (nn_verdict_rule_from_model (back, &got));
      g_assert_null (got.weights);
      nn_verdict_rule_clear (&rule);
      g_unlink (path);
    }
}

static void
test_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_shipped ("mnist_cnn.keras");
  g_autoptr (NnModel) back = NULL;
  g_autofree char *path = g_build_filename (tmp, "rule.keras", NULL);
  NnVerdictRule rule = { 0 }, got = { 0 }, def;
  int layer = nn_verdict_feature_layer (m);

  /* No rule stored: the default, and FALSE. */
  if (m->metadata != NULL)
    g_hash_table_remove (m->metadata, "verdict_max_ink");
  g_assert_false (nn_verdict_rule_from_model (m, &got));
  nn_verdict_rule_default (&def);
  g_assert_cmpfloat (got.max_ink, ==, def.max_ink);
  g_assert_cmpint (got.dim, ==, 0);

  rule = (NnVerdictRule){ .max_ink = 0.3, .min_ink = 0.04, .max_pieces = 2,
                          .min_largest = 0.55, .min_energy = -INFINITY, .min_prob = 0,
                          .max_distance = 2.5 };
  rule.dim = (int) nn_shape_size (m->layers[layer].out_shape);
  rule.n_classes = m->n_classes;
  rule.centres = g_new (float, rule.dim * rule.n_classes);
  rule.scale = g_new (float, rule.dim);
  for (int i = 0; i < rule.dim * rule.n_classes; i++)
    rule.centres[i] = (float) (i % 17) / 7.0f;
  for (int i = 0; i < rule.dim; i++)
    rule.scale[i] = 1.0f / (1 + i);
  nn_verdict_rule_store (m, &rule);
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  g_assert_no_error (error);
  back = nn_keras_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (nn_verdict_rule_from_model (back, &got));
  g_assert_cmpfloat_with_epsilon (got.max_ink, 0.3, 1e-9);
  g_assert_cmpfloat_with_epsilon (got.min_largest, 0.55, 1e-9);
  g_assert_cmpint (got.max_pieces, ==, 2);
  g_assert_cmpfloat (got.min_energy, <, -1e5);
  g_assert_cmpint (got.dim, ==, rule.dim);
  for (int i = 0; i < rule.dim * rule.n_classes; i++)
    g_assert_cmpfloat_with_epsilon (got.centres[i], rule.centres[i], 1e-5);
  for (int i = 0; i < rule.dim; i++)
    g_assert_cmpfloat_with_epsilon (got.scale[i], rule.scale[i], 1e-5 * rule.scale[i]);
  nn_verdict_rule_clear (&got);

  /* A damaged centre list (one number short) is no rule: the default again. */
  g_autofree char *cut = g_strdup (g_hash_table_lookup (back->metadata, "verdict_centres"));
  *strrchr (cut, ',') = '\0';
  g_hash_table_insert (back->metadata, g_strdup ("verdict_centres"), g_strdup (cut));
  g_assert_false (nn_verdict_rule_from_model (back, &got));
  g_assert_cmpint (got.dim, ==, 0);
  g_assert_cmpfloat (got.max_ink, ==, def.max_ink);
  nn_verdict_rule_clear (&rule);
  g_unlink (path);
}

/* digits-cli predict on pictures that are not digits: the verdict, digit null in
 * JSON, "not a digit (best guess" in text; a real digit stays a digit. */
static void
test_cli (void)
{
  const char *cli = g_getenv ("DIGITS_CLI");
  g_autofree char *model = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                             "mnist_advanced.keras", NULL);
  g_autofree char *strokes = g_build_filename (tmp, "strokes.png", NULL);
  g_autofree char *dots = g_build_filename (tmp, "dots.png", NULL);
  g_autoptr (NnGreyImage) img = nn_grey_image_new (NEG_SIDE, NEG_SIDE);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *text = NULL;
  int status;

  /* Seeds whose pictures the shipped rule flags (found with verdict-bench). */
  neg_render (NEG_STROKES, 1, NEG_SIDE, img->pixels);
  g_assert_true (nn_grey_image_save_png (img, strokes, &error));
  neg_render (NEG_DOTS, 2, NEG_SIDE, img->pixels);
  g_assert_true (nn_grey_image_save_png (img, dots, &error));

  const char *argv[] = { cli, "predict", "--json", model, strokes, dots, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  JsonArray *results = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *o = json_array_get_object_element (results, i);
      const char *verdict = json_object_get_string_member (o, "verdict");
      g_test_message ("%s: %s", json_object_get_string_member (o, "file"), verdict);
      g_assert_true (g_str_equal (verdict, "not-a-digit") || g_str_equal (verdict, "blank"));
      g_assert_true (json_object_get_null_member (o, "digit"));
    }

  const char *argv_text[] = { cli, "predict", model, strokes, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv_text, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &text, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (text, "not a digit (best guess "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("test-verdict-XXXXXX", NULL);
  g_test_add_func ("/read/verdict/features", test_features);
  g_test_add_func ("/read/verdict/fit", test_fit);
  g_test_add_func ("/read/verdict/store", test_store);
  g_test_add_func ("/read/verdict/negatives", test_negatives);
  g_test_add_func ("/read/verdict/store-detector", test_store_detector);
  g_test_add_data_func ("/read/verdict/shipped-detector/advanced", "mnist_advanced.keras",
                        test_shipped_detector);
  g_test_add_data_func ("/read/verdict/shipped-detector/cnn", "mnist_cnn.keras",
                        test_shipped_detector);
  g_test_add_data_func ("/read/verdict/shipped-detector/baseline", "mnist_baseline.keras",
                        test_shipped_detector);
  if (g_getenv ("DIGITS_CLI") != NULL)
    g_test_add_func ("/read/verdict/cli", test_cli);
  int status = g_test_run ();
  g_rmdir (tmp);
  g_free (tmp);
  return status;
}
