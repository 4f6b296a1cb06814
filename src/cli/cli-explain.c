/* digits-cli explain MODEL IMAGE... | MODEL --score: explanation maps of images by
 * four methods (nn-explain.h), and how faithful each method is on a dataset
 * (nn-explain-score.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-explain-score.h"
#include "nn-folder.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "plot-gradcam.h"

static const char *const method_titles[NN_EXPLAIN_N_METHODS] = {
  "Grad-CAM", "Grad-CAM++", "integrated gradients", "occlusion",
};

typedef struct {
  const char *model_path;
  NnModel *m;
  NnExplainer *e;
  NnExplainMethod method;
  int layer;
  const char *png_out;
  int n_images;
  gboolean json;
  JsonBuilder *builder;
  int best_layer[NN_EXPLAIN_N_METHODS]; /* with --layer all: the lowest deletion AUC */
  double best_auc[NN_EXPLAIN_N_METHODS];
} Explain;

/* out.png for one image; out-<image name>.png for several (as predict --gradcam). */
static char *
png_path (const Explain *p, const char *image)
{
  g_autofree char *stem = NULL, *img = NULL;
  char *dot;

  if (p->n_images == 1)
    return g_strdup (p->png_out);
  stem = g_strdup (p->png_out);
  dot = strrchr (stem, '.');
  if (dot != NULL && strchr (dot, '/') == NULL)
    *dot = '\0';
  img = g_path_get_basename (image);
  if ((dot = strrchr (img, '.')) != NULL)
    *dot = '\0';
  return g_strdup_printf ("%s-%s.png", stem, img);
}

static void
json_floats (JsonBuilder *b, const char *name, const float *v, int n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, isfinite (v[i]) ? v[i] : 0.0);
  json_builder_end_array (b);
}

static void
json_failure (Explain *p, const char *file, const char *key, const char *message)
{
  g_autofree char *name = cli_json_path (file);
  if (!p->json)
    return;
  json_builder_begin_object (p->builder);
  json_builder_set_member_name (p->builder, "file");
  json_builder_add_string_value (p->builder, name);
  json_builder_set_member_name (p->builder, key);
  if (message != NULL)
    json_builder_add_string_value (p->builder, message);
  else
    json_builder_add_boolean_value (p->builder, TRUE);
  json_builder_end_object (p->builder);
}

/* FALSE on a failure (already reported); a blank picture is not one. */
static gboolean
explain_one (Explain *p, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGreyImage) img = NULL;
  float x[NN_IMAGE_PIXELS], shown[NN_IMAGE_PIXELS];
  NnExplanation ex;
  const char *layer_name;

  img = nn_grey_image_load (file, &error);
  if (img == NULL)
    {
      cli_error_gerror (file, error);
      json_failure (p, file, "error", error->message);
      return FALSE;
    }
  /* The input the model sees, made as predict makes it. */
  if (!nn_preprocess_digit (img->pixels, img->width, img->height, img->width,
                            NN_BACKGROUND_AUTO, x, &error))
    {
      if (!g_error_matches (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN))
        {
          cli_error_gerror (file, error);
          json_failure (p, file, "error", error->message);
          return FALSE;
        }
      if (!p->json)
        cli_print ("%s: nothing drawn\n", file);
      json_failure (p, file, "nothing_drawn", NULL);
      return TRUE;
    }
  if (!nn_explainer_explain (p->e, p->method, p->layer, x, -1, &ex, &error))
    {
      cli_error_gerror (p->model_path, error);
      json_failure (p, file, "error", error->message);
      return FALSE;
    }
  layer_name = nn_explain_method_uses_layer (p->method) ? p->m->layers[ex.layer].name : NULL;

  gboolean ok = TRUE;
  g_autofree char *out = NULL;
  if (p->png_out != NULL)
    {
      g_autofree char *caption = NULL;
      char *tmp;

      out = png_path (p, file);
      caption = layer_name != NULL
                  ? g_strdup_printf ("%d · %s of %s", ex.class_index, method_titles[p->method],
                                     layer_name)
                  : g_strdup_printf ("%d · %s", ex.class_index, method_titles[p->method]);
      nn_explain_display_map (&ex, shown);
      tmp = cli_output_begin (out, &error);
      ok = tmp != NULL && plot_explain_write_png (x, shown, method_titles[p->method], caption, 0,
                                                  tmp, &error);
      if (tmp != NULL)
        ok = cli_output_end (out, tmp, ok, ok ? &error : NULL);
      if (!ok)
        cli_error_gerror (out, error);
    }

  if (p->json)
    {
      JsonBuilder *b = p->builder;
      g_autofree char *name = cli_json_path (file);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "class");
      json_builder_add_int_value (b, ex.class_index);
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, nn_explain_method_name (p->method));
      json_builder_set_member_name (b, "layer");
      if (layer_name != NULL)
        json_builder_add_string_value (b, layer_name);
      else
        json_builder_add_null_value (b);
      json_floats (b, "input", x, NN_IMAGE_PIXELS);
      json_floats (b, "map", ex.map, NN_IMAGE_PIXELS);
      if (ok && out != NULL)
        {
          g_autofree char *png = cli_json_path (out);
          json_builder_set_member_name (b, "png");
          json_builder_add_string_value (b, png);
        }
      json_builder_end_object (b);
    }
  else
    {
      cli_print ("%s: %d, %s%s%s\n", file, ex.class_index, method_titles[p->method],
                 layer_name != NULL ? " of " : "", layer_name != NULL ? layer_name : "");
      if (ok && out != NULL)
        cli_print ("  drawn in %s\n", out);
    }
  return ok;
}

#define VALIDATION_IMAGES 6000 /* the last MNIST training images, as calibrate holds out */

/* The folder, else MNIST's test set, or with validation its last 6,000 training
 * images (a layer is chosen on them, so that the test set's figures stay unbiased). */
static NnDataset *
load_data (const char *data_dir, const char *mnist_option, gboolean validation, gint64 limit,
           char **description)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds;
  char n[32];

  if (data_dir != NULL)
    {
      NnFolderReport report = { 0 };
      ds = nn_folder_load (data_dir, FALSE, &report, &error);
      nn_folder_report_clear (&report);
      if (ds == NULL)
        {
          cli_error_gerror (data_dir, error);
          return NULL;
        }
      *description = g_strdup (data_dir);
    }
  else
    {
      g_autofree char *dir = cli_find_mnist (mnist_option);
      if (dir == NULL)
        return NULL;
      ds = nn_mnist_load (dir, validation ? NN_MNIST_TRAIN : NN_MNIST_TEST, &error);
      if (ds == NULL)
        {
          cli_error_gerror (dir, error);
          return NULL;
        }
      *description = g_strdup ("MNIST test set");
      if (validation)
        {
          int n_val = MIN (VALIDATION_IMAGES, ds->n / 2);
          NnDataset *val = nn_dataset_slice (ds, ds->n - n_val, n_val);
          nn_dataset_free (ds);
          ds = val;
          g_free (*description);
          *description = g_strdup ("MNIST validation split (the last training images)");
        }
    }
  if (limit > 0 && limit < ds->n)
    {
      NnDataset *part = nn_dataset_slice (ds, 0, (int) limit);
      nn_dataset_free (ds);
      ds = part;
    }
  char *d = g_strdup_printf ("%s, %s images", *description, cli_format_count (n, sizeof n, ds->n));
  g_free (*description);
  *description = d;
  return ds;
}

/* One row of the table; FALSE on a failure (reported). */
static gboolean
score_row (Explain *p, NnExplainMethod method, int layer, const NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnExplainScore s;
  g_autofree char *label = g_strdup_printf ("explain %s", nn_explain_method_name (method));
  CliProgress *bar = cli_progress_new (label, ds->n, "img");

  if (!nn_explain_score_dataset (p->e, method, layer, ds, 1, cli_progress_callback, bar,
                                 cli_cancellable (), &s, &error))
    {
      cli_progress_abort (bar);
      return cli_error_gerror (p->model_path, error) == 0;
    }
  cli_progress_abort (bar);
  if (nn_explain_method_uses_layer (method) && layer < 0)
    layer = nn_explain_default_layer (p->m, method);
  if (p->best_layer[method] <= 0 || s.auc_map < p->best_auc[method])
    {
      p->best_layer[method] = layer;
      p->best_auc[method] = s.auc_map;
    }
  g_autofree char *where = nn_explain_method_uses_layer (method)
    ? g_strdup_printf ("%s (%dx%d)", p->m->layers[layer].name, p->m->layers[layer].out_shape.h,
                       p->m->layers[layer].out_shape.w)
    : g_strdup ("input");
  printf ("%-10s %-28s %7.1f%% %8.1f%% %7.3f %7.3f %7.3f %7.3f %5d %7.1f\n",
          nn_explain_method_name (method), where, 100 * s.on_ink, 100 * s.beats_random,
          s.drop_map, s.drop_random, s.auc_map, s.auc_random, s.n_no_mass, s.seconds);
  fflush (stdout);
  return TRUE;
}

/* After --layer all: each Grad-CAM's most faithful layer in the model's metadata,
 * the model written to out (a temporary file renamed, so out is never half written). */
static int
keep_best_layers (Explain *p, const NnKerasInfo *info, const char *out)
{
  g_autoptr (GError) error = NULL;
  gboolean measured = FALSE;

  for (int k = 0; k < NN_EXPLAIN_N_METHODS; k++)
    measured |= nn_explain_method_uses_layer ((NnExplainMethod) k) && p->best_layer[k] > 0;
  if (!measured)
    return cli_error (p->model_path, "no Grad-CAM layer was measured (the model has no spatial "
                      "layer, or --method is not gradcam or gradcam++): %s not written", out);
  if (p->m->metadata == NULL)
    p->m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int k = 0; k < NN_EXPLAIN_N_METHODS; k++)
    if (nn_explain_method_uses_layer ((NnExplainMethod) k) && p->best_layer[k] > 0)
      {
        const char *name = p->m->layers[p->best_layer[k]].name;
        g_hash_table_insert (p->m->metadata, g_strdup (nn_explain_layer_key ((NnExplainMethod) k)),
                             g_strdup (name));
        cli_print ("%s: %s (deletion AUC %.3f) is now the default layer\n",
                   nn_explain_method_name ((NnExplainMethod) k), name, p->best_auc[k]);
      }
  const NnKerasSaveOptions keep = { .info = info };
  if (!nn_keras_save (p->m, out, &keep, &error))
    return cli_error_gerror (out, error);
  cli_print ("Written to %s\n", out);
  return 0;
}

static int
score (Explain *p, gboolean all_methods, gboolean all_layers, gboolean validation,
       const char *data_dir, const char *mnist_dir, gint64 limit)
{
  g_autofree char *description = NULL;
  g_autoptr (NnDataset) ds = load_data (data_dir, mnist_dir, validation, limit, &description);
  int failures = 0;

  if (ds == NULL)
    return 1;
  cli_catch_signals ();
  printf ("%s, %s\n", p->model_path, description);
  printf ("%-10s %-28s %8s %9s %7s %7s %7s %7s %5s %7s\n", "method", "layer", "on-ink",
          "beats-rnd", "drop10", "rnd10", "AUC", "rndAUC", "empty", "seconds");
  for (int k = 0; k < NN_EXPLAIN_N_METHODS; k++)
    {
      NnExplainMethod method = (NnExplainMethod) k;
      if (!all_methods && method != p->method)
        continue;
      if (all_layers && nn_explain_method_uses_layer (method))
        {
          for (int l = 1; l <= p->m->output; l++)
            if (nn_layer_is_spatial (&p->m->layers[l]) && !score_row (p, method, l, ds))
              return 1;
        }
      else if (!score_row (p, method, p->layer, ds))
        failures++;
    }
  return failures > 0 ? 1 : 0;
}

int
cli_explain (int argc, char **argv)
{
  g_autofree char *method_name = NULL, *layer = NULL, *png = NULL, *data_dir = NULL;
  g_autofree char *mnist_dir = NULL, *limit_text = NULL, *threads_text = NULL, *out = NULL;
  gboolean json = FALSE, do_score = FALSE;
  gint64 limit = 0, threads = 1;
  g_autoptr (NnModel) m = NULL;
  g_autoptr (GError) error = NULL;
  Explain p = { 0 };
  g_autoptr (NnKerasInfo) info = NULL;
  int status, failures = 0;
  const GOptionEntry entries[] = {
    { "method", 'm', 0, G_OPTION_ARG_STRING, &method_name,
      "gradcam, gradcam++, ig (integrated gradients, the default) or occlusion; with "
      "--score, all four unless given", "METHOD" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &layer,
      "The feature map of gradcam and gradcam++ (default: the model's measured layer, else "
      "the first one at most half the input's side, after the first pooling); with --score, "
      "'all' measures every spatial layer", "NAME" },
    { "png", 'o', 0, G_OPTION_ARG_FILENAME, &png,
      "Write the input with the map over it (several images: OUT-<image>.png)", "OUT.png" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print one object per image: file, class, method, layer, input and map (784 numbers "
      "each, the 28x28 grid row by row)", NULL },
    { "score", 0, 0, G_OPTION_ARG_NONE, &do_score,
      "Measure the methods' faithfulness instead (on-ink share, deletion against random)", NULL },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "With --score: a folder of class folders instead of the MNIST test set", "DIR" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist_dir, "With --score: the MNIST folder", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      "With --score: only the first N images (0: all)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads (0: every core; default 1)",
      "N" },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &out,
      "With --score --layer all: measure on MNIST's validation split (unless --data) and "
      "write the model with each Grad-CAM's most faithful layer (lowest deletion AUC) "
      "stored as its default", "OUT.keras" },
    { NULL },
  };

  if (!cli_parse_options ("explain", "MODEL IMAGE… | MODEL --score",
                          "Where the model looked: a 28x28 map over the preprocessed input "
                          "for the predicted class, by Grad-CAM, Grad-CAM++, integrated "
                          "gradients (black baseline, 64 steps) or occlusion (a 4x4 black "
                          "patch, stride 2). Grad-CAM maps are in [0, 1]; integrated gradients "
                          "and occlusion keep logit units, signed. --score measures each "
                          "method on a dataset: the share of the map's positive mass within "
                          "2 px of ink, how often deleting the map's hottest 10% of pixels "
                          "lowers the class's probability more than deleting a random 10% "
                          "(beats-rnd), the mean drops (drop10, rnd10) and the deletion AUC "
                          "(mean probability while 0-50% of the pixels are removed, hottest "
                          "first; lower is more faithful).",
                          entries, &argc, &argv, &status))
    return status;
  if (argc < 2 || (!do_score && argc < 3))
    return cli_usage_error ("explain", "a MODEL and at least one IMAGE (or --score) are required");
  if (do_score && argc > 2)
    return cli_usage_error ("explain", "--score takes no IMAGE");
  if (do_score && (json || png != NULL))
    return cli_usage_error ("explain", "--score prints a table; --json and --png are for images");
  if (!do_score && (data_dir != NULL || limit_text != NULL))
    return cli_usage_error ("explain", "--data and --limit go with --score");
  if (out != NULL && !(do_score && g_strcmp0 (layer, "all") == 0))
    return cli_usage_error ("explain", "--output goes with --score --layer all");
  if (method_name != NULL && !nn_explain_method_from_name (method_name, &p.method))
    return cli_usage_error ("explain", "--method is gradcam, gradcam++, ig or occlusion, not '%s'",
                            method_name);
  if (layer != NULL && method_name != NULL && !nn_explain_method_uses_layer (p.method))
    return cli_usage_error ("explain", "--layer goes with gradcam and gradcam++, not %s",
                            method_name);
  if (layer != NULL && method_name == NULL && !do_score)
    return cli_usage_error ("explain", "--layer needs --method gradcam or gradcam++ (the "
                            "default, ig, works on the input)");
  if (limit_text != NULL
      && !cli_parse_int ("explain", "--limit", limit_text, 0, G_MAXINT, &limit, &status))
    return status;
  if (threads_text != NULL
      && !cli_parse_int ("explain", "--threads", threads_text, 0, 256, &threads, &status))
    return status;

  m = out != NULL ? cli_load_model_with_info (argv[1], cli_threads ((int) threads), &info)
                  : cli_load_model (argv[1], cli_threads ((int) threads));
  if (m == NULL)
    return 1;
  p.model_path = argv[1];
  p.m = m;
  p.layer = -1;
  if (method_name == NULL)
    p.method = NN_EXPLAIN_DEFAULT_METHOD;
  gboolean all_layers = do_score && g_strcmp0 (layer, "all") == 0;
  if (layer != NULL && !all_layers)
    {
      p.layer = nn_model_find_layer (m, layer);
      if (p.layer < 0)
        return cli_error (argv[1], "no layer named '%s' for --layer", layer);
    }
  p.e = nn_explainer_new (m, &error);
  if (p.e == NULL)
    return cli_error_gerror (argv[1], error);

  if (do_score)
    {
      failures = score (&p, method_name == NULL, all_layers, out != NULL, data_dir, mnist_dir,
                        limit);
      nn_explainer_free (p.e);
      if (failures == 0 && out != NULL)
        failures = keep_best_layers (&p, info, out);
      return failures;
    }

  p.png_out = png;
  p.n_images = argc - 2;
  p.json = json;
  if (json)
    {
      p.builder = json_builder_new ();
      json_builder_begin_array (p.builder);
    }
  for (int i = 2; i < argc; i++)
    if (!explain_one (&p, argv[i]))
      failures++;
  if (json)
    {
      cli_print_json_array (p.builder, FALSE);
      g_object_unref (p.builder);
    }
  nn_explainer_free (p.e);
  return failures > 0 ? 1 : 0;
}
