/* digits-cli predict MODEL IMAGE...: classify PNG or JPEG files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-gradcam.h"
#include "nn-image.h"
#include "nn-verdict.h"
#include "plot-gradcam.h"

/* Digit models have 10 outputs; allow a little more before refusing. */
#define PREDICT_MAX_CLASSES 64

typedef struct {
  const char *model_path;
  NnModel *m;
  NnWorkspace *ws;
  NnBackground background;
  const char *gradcam_out;  /* NULL: no Grad-CAM */
  const char *layer_name;
  int n_images;
  gboolean json;
  JsonBuilder *builder;
  NnVerdictRule rule;      /* the model's not-a-digit rule, or the default */
} Predictor;

/* out.png for one image; out-<image name>.png for several. */
static char *
gradcam_path (const Predictor *p, const char *image)
{
  g_autofree char *base = NULL, *stem = NULL, *img = NULL, *img_stem = NULL;
  const char *dot;

  if (p->n_images == 1)
    return g_strdup (p->gradcam_out);
  stem = g_strdup (p->gradcam_out);
  dot = strrchr (stem, '.');
  if (dot != NULL && strchr (dot, '/') == NULL)
    stem[dot - stem] = '\0';
  img = g_path_get_basename (image);
  img_stem = g_strdup (img);
  if ((dot = strrchr (img_stem, '.')) != NULL)
    img_stem[dot - img_stem] = '\0';
  return g_strdup_printf ("%s-%s.png", stem, img_stem);
}

/* A file name as a JSON string: valid UTF-8 whatever the name's bytes. */
static void
json_add_path (JsonBuilder *b, const char *path)
{
  g_autofree char *utf8 = cli_json_path (path);
  json_builder_add_string_value (b, utf8);
}

static void
json_error (Predictor *p, const char *file, const char *key, const char *message)
{
  if (!p->json)
    return;
  json_builder_begin_object (p->builder);
  json_builder_set_member_name (p->builder, "file");
  json_add_path (p->builder, file);
  json_builder_set_member_name (p->builder, key);
  if (message != NULL)
    json_builder_add_string_value (p->builder, message);
  else
    json_builder_add_boolean_value (p->builder, TRUE);
  json_builder_end_object (p->builder);
}

/* Digit or not: a pass for the logits and the values of the feature layer (the
 * output layer's input, which nn_model_forward_logits keeps). */
static NnVerdict
judge (Predictor *p, const float *x)
{
  NnVerdictFeatures f;
  const float *logits = nn_model_forward_logits (p->m, p->ws, x, 1);
  const float *feat = p->rule.dim > 0
                        ? nn_workspace_layer_output (p->ws, nn_verdict_feature_layer (p->m))
                        : NULL;
  nn_verdict_features (&p->rule, x, logits, p->m->n_classes, feat, &f);
  return nn_verdict_judge (&p->rule, &f);
}

/* Returns FALSE on a failure (already reported); a blank picture is not one. */
static gboolean
predict_one (Predictor *p, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGreyImage) img = NULL;
  g_autofree char *cam_file = NULL;
  float x[NN_IMAGE_PIXELS], probs[PREDICT_MAX_CLASSES];
  NnBackground bg;
  NnGradCam cam;
  gboolean cam_ok = FALSE, ok = TRUE;
  NnVerdict verdict;
  int digit = 0;

  img = nn_grey_image_load (file, &error);
  if (img == NULL)
    {
      cli_error_gerror (file, error);
      json_error (p, file, "error", error->message);
      return FALSE;
    }
  bg = p->background != NN_BACKGROUND_AUTO
         ? p->background
         : nn_detect_background (img->pixels, img->width, img->height, img->width);
  if (!nn_preprocess_digit (img->pixels, img->width, img->height, img->width, bg, x, &error))
    {
      if (g_error_matches (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN))
        {
          if (!p->json)
            cli_print ("%s: nothing drawn\n", file);
          if (p->json)
            {
              json_builder_begin_object (p->builder);
              json_builder_set_member_name (p->builder, "file");
              json_add_path (p->builder, file);
              json_builder_set_member_name (p->builder, "nothing_drawn");
              json_builder_add_boolean_value (p->builder, TRUE);
              json_builder_set_member_name (p->builder, "verdict");
              json_builder_add_string_value (p->builder, nn_verdict_name (NN_VERDICT_BLANK));
              json_builder_set_member_name (p->builder, "digit");
              json_builder_add_null_value (p->builder);
              json_builder_end_object (p->builder);
            }
          return TRUE;
        }
      cli_error_gerror (file, error);
      json_error (p, file, "error", error->message);
      return FALSE;
    }

  nn_model_predict (p->m, p->ws, x, 1, probs);
  /* Weights that overflow give NaN: an answer no one should read, and no JSON. */
  for (int k = 0; k < p->m->n_classes; k++)
    if (!isfinite (probs[k]))
      {
        const char *what = "the model's output is not a number (its weights overflow)";
        cli_error (p->model_path, "%s for %s", what, file);
        json_error (p, file, "error", what);
        return FALSE;
      }
  for (int k = 1; k < p->m->n_classes; k++)
    if (probs[k] > probs[digit])
      digit = k;
  verdict = judge (p, x);

  if (p->gradcam_out != NULL)
    {
      int layer = p->layer_name != NULL ? nn_model_find_layer (p->m, p->layer_name) : -1;

      cam_file = gradcam_path (p, file);
      if (p->layer_name != NULL && layer < 0)
        ok = cli_error (p->model_path, "no layer named '%s' for --layer", p->layer_name) == 0;
      else if (!nn_gradcam_compute (p->m, p->ws, x, digit, layer, &cam, &error))
        ok = cli_error_gerror (p->model_path, error) == 0;
      else
        {
          g_autofree char *caption = g_strdup_printf (
              "%d · %.1f%% · Grad-CAM of %s", digit, 100.0 * probs[digit],
              p->m->layers[cam.layer].name);
          char *tmp = cli_output_begin (cam_file, &error);
          cam_ok = tmp != NULL && plot_gradcam_write_png (x, cam.heatmap, caption, 0, tmp, &error);
          if (tmp != NULL)
            cam_ok = cli_output_end (cam_file, tmp, cam_ok, cam_ok ? &error : NULL);
          if (!cam_ok)
            ok = cli_error_gerror (cam_file, error) == 0;
        }
      g_clear_error (&error);
    }

  if (p->json)
    {
      JsonBuilder *b = p->builder;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_add_path (b, file);
      json_builder_set_member_name (b, "verdict");
      json_builder_add_string_value (b, nn_verdict_name (verdict));
      json_builder_set_member_name (b, "digit");
      if (verdict == NN_VERDICT_DIGIT)
        json_builder_add_int_value (b, digit);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "best_guess");
      json_builder_add_int_value (b, digit);
      json_builder_set_member_name (b, "confidence");
      json_builder_add_double_value (b, probs[digit]);
      json_builder_set_member_name (b, "background");
      json_builder_add_string_value (b, bg == NN_BACKGROUND_DARK ? "dark" : "light");
      json_builder_set_member_name (b, "probabilities");
      json_builder_begin_array (b);
      for (int k = 0; k < p->m->n_classes; k++)
        json_builder_add_double_value (b, probs[k]);
      json_builder_end_array (b);
      if (cam_ok)
        {
          json_builder_set_member_name (b, "gradcam");
          json_add_path (b, cam_file);
          json_builder_set_member_name (b, "gradcam_layer");
          json_builder_add_string_value (b, p->m->layers[cam.layer].name);
        }
      json_builder_end_object (b);
    }
  else
    {
      if (verdict == NN_VERDICT_DIGIT)
        cli_print ("%s: %d (%.2f%%)\n ", file, digit, 100.0 * probs[digit]);
      else
        cli_print ("%s: not a digit (best guess %d, %.0f%%)\n ", file, digit, 100.0 * probs[digit]);
      for (int k = 0; k < p->m->n_classes; k++)
        printf (" %d:%.4f", k, probs[k]);
      printf ("\n");
      if (cam_ok)
        cli_print ("  Grad-CAM (%s) drawn in %s\n", p->m->layers[cam.layer].name, cam_file);
    }
  return ok;
}

int
cli_predict (int argc, char **argv)
{
  g_autofree char *gradcam = NULL, *layer = NULL;
  gboolean dark = FALSE, light = FALSE, json = FALSE;
  g_autoptr (NnModel) m = NULL;
  Predictor p = { 0 };
  int status, failures = 0;
  const GOptionEntry entries[] = {
    { "dark", 0, 0, G_OPTION_ARG_NONE, &dark, "Light ink on a dark background (like MNIST)", NULL },
    { "light", 0, 0, G_OPTION_ARG_NONE, &light, "Dark ink on a light background (like paper)", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the results as JSON", NULL },
    { "gradcam", 'g', 0, G_OPTION_ARG_FILENAME, &gradcam,
      "Write the input with its Grad-CAM heat map (several images: OUT-<image>.png)", "OUT.png" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &layer,
      "Grad-CAM on this layer (default: the last spatial one)", "NAME" },
    { NULL },
  };

  if (!cli_parse_options ("predict", "MODEL IMAGE…",
                          "Classify PNG or JPEG images of any size: the digit, its confidence "
                          "and the ten probabilities. The background polarity is detected "
                          "unless --dark or --light says it.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc < 3)
    return cli_usage_error ("predict", "a MODEL and at least one IMAGE are required");
  if (dark && light)
    return cli_usage_error ("predict", "--dark and --light exclude each other");

  m = cli_load_model (argv[1], 1);
  if (m == NULL)
    return 1;
  if (m->n_classes > PREDICT_MAX_CLASSES)
    return cli_error (argv[1], "the model has %d outputs; digit models have 10", m->n_classes);

  p.model_path = argv[1];
  p.m = m;
  p.ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  nn_verdict_rule_from_model (m, &p.rule);
  p.background = dark ? NN_BACKGROUND_DARK : light ? NN_BACKGROUND_LIGHT : NN_BACKGROUND_AUTO;
  p.gradcam_out = gradcam;
  p.layer_name = layer;
  p.n_images = argc - 2;
  p.json = json;
  if (json)
    {
      p.builder = json_builder_new ();
      json_builder_begin_array (p.builder);
    }

  for (int i = 2; i < argc; i++)
    if (!predict_one (&p, argv[i]))
      failures++;

  if (json)
    {
      cli_print_json_array (p.builder, TRUE);
      g_object_unref (p.builder);
    }
  nn_workspace_free (p.ws);
  nn_verdict_rule_clear (&p.rule);
  return failures > 0 ? 1 : 0;
}
