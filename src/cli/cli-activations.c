/* digits-cli activations MODEL IMAGE --png OUT.png: what every layer of the model
 * makes of one picture, drawn as the app's Inside view draws it (plot-activations.h),
 * and a line per layer on stdout. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-image.h"
#include "plot-activations.h"

static const char *
section_name (PlotSectionKind kind)
{
  switch (kind)
    {
    case PLOT_SECTION_GRID: return "grid";
    case PLOT_SECTION_BARS: return "bars";
    case PLOT_SECTION_SOFTMAX: return "softmax";
    default: return "-";
    }
}

/* One line per layer: name, kind, shape, what the picture shows of it, and the
 * range of its values for this image. */
static void
print_layers (const NnModel *m, const float *const *outputs)
{
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      NnShape s = l->out_shape;
      size_t n = nn_shape_size (s);
      float lo = INFINITY, hi = -INFINITY;
      for (size_t k = 0; k < n; k++)
        if (isfinite (outputs[i][k]))
          lo = MIN (lo, outputs[i][k]), hi = MAX (hi, outputs[i][k]);
      cli_print ("%-24s %-22s (%d, %d, %d)  %-7s %.3g .. %.3g\n", l->name,
                 nn_layer_kind_to_keras (l->kind), s.h, s.w, s.c,
                 section_name (plot_activations_section (m, i)), lo, hi);
    }
}

int
cli_activations (int argc, char **argv)
{
  g_autofree char *png = NULL, *width_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = NULL;
  g_autoptr (NnGreyImage) img = NULL;
  gint64 width = 720;
  int status = 0;
  float x[NN_IMAGE_PIXELS];
  GOptionEntry entries[] = {
    { "png", 'o', 0, G_OPTION_ARG_FILENAME, &png, "Write the grids to this PNG (required)",
      "OUT.png" },
    { "width", 'w', 0, G_OPTION_ARG_STRING, &width_text,
      "Width of the picture in pixels (default 720)", "PX" },
    { NULL },
  };

  if (!cli_parse_options ("activations", "MODEL IMAGE --png OUT.png",
                          "What every layer makes of one picture (preprocessed as predict does "
                          "it): a grid of small feature maps per layer with a spatial output "
                          "(viridis, each map from its own minimum to its own maximum), bars "
                          "for flat layers, the softmax at the end, and the first convolution's "
                          "filters with the three responding most to the picture outlined. "
                          "Prints one line per layer: name, kind, output shape, how the picture "
                          "shows it (grid, bars, softmax, or - for Input, Flatten and Reshape) "
                          "and the range of its values.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return cli_usage_error ("activations", "a MODEL and one IMAGE are required");
  if (png == NULL)
    return cli_usage_error ("activations", "--png OUT.png is required");
  if (width_text != NULL
      && !cli_parse_int ("activations", "--width", width_text, 240, 4096, &width, &status))
    return status;

  img = nn_grey_image_load (argv[2], &error);
  if (img == NULL)
    return cli_error_gerror (argv[2], error);
  if (!nn_preprocess_digit (img->pixels, img->width, img->height, img->width, NN_BACKGROUND_AUTO,
                            x, &error))
    return cli_error_gerror (argv[2], error);
  m = cli_load_model (argv[1], 1);
  if (m == NULL)
    return 1;
  NnWorkspace *ws = nn_workspace_new_checked (m, 1, NN_MODE_INFERENCE, &error);
  if (ws == NULL)
    return cli_error_gerror (argv[1], error);

  /* every layer's output stays in the workspace after a forward pass */
  const float *logits = nn_model_forward (m, ws, x, 1);
  g_autofree float *probs = g_new (float, m->n_classes);
  if (m->output_softmax)
    nn_softmax_rows (probs, logits, 1, m->n_classes);
  else
    memcpy (probs, logits, sizeof (float) * m->n_classes);
  g_autofree const float **outputs = g_new (const float *, m->n_layers);
  for (int i = 0; i < m->n_layers; i++)
    outputs[i] = nn_workspace_layer_output (ws, i);
  int best = 0;
  for (int k = 1; k < m->n_classes; k++)
    if (probs[k] > probs[best])
      best = k;

  PlotActivations a = { m, outputs, probs };
  PlotActivationsCount counts;
  g_autofree char *base = g_path_get_basename (argv[1]);
  g_autofree char *image_base = g_path_get_basename (argv[2]);
  g_autofree char *title = g_strdup_printf ("%s · %s · %d (%.1f%%)", base, image_base, best,
                                            probs[best] * 100.0);
  char *tmp = cli_output_begin (png, &error);
  gboolean ok = tmp != NULL
                && plot_activations_write_png (&a, x, title, (int) width, tmp, &counts, &error);
  if (tmp != NULL)
    ok = cli_output_end (png, tmp, ok, ok ? &error : NULL);
  if (ok)
    print_layers (m, outputs);
  nn_workspace_free (ws);
  if (!ok)
    return cli_error_gerror (png, error);

  cli_print ("%s: %d at %.1f%%; %d grids (%d maps), %d bars, %d softmax drawn in %s\n", argv[2],
             best, probs[best] * 100.0, counts.n_grids, counts.n_maps, counts.n_bars,
             counts.n_softmax, png);
  return 0;
}
