/* plot-activations.h on small models: which layers get which section, each map
 * scaled on its own, the filters ranked by response, and a branching model's
 * graph drawn in two columns. */
#include <math.h>
#include <string.h>
#include <glib.h>

#include "plot-activations.h"

/* input -> conv_a, conv_b (both read the input) -> add -> flatten -> dense */
static NnModel *
branching_model (void)
{
  NnModel *m = nn_model_new ("branches", NN_MODEL_FUNCTIONAL);
  g_autoptr (GError) error = NULL;
  int in = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  NnConvConfig conv = { 2, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU };
  int a = nn_model_add_conv2d (m, "conv_a", in, &conv);
  int b = nn_model_add_conv2d (m, "conv_b", in, &conv);
  int both[2] = { a, b };
  int sum = nn_model_add_add (m, "add", both, 2);
  int flat = nn_model_add_flatten (m, "flatten", sum);
  nn_model_add_dense (m, "dense", flat, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_assert_true (nn_model_finish (m, &error));
  nn_model_init_weights (m, 1);
  return m;
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  return *(guint32 *) (cairo_image_surface_get_data (s) + (size_t) y * cairo_image_surface_get_stride (s)
                       + x * 4);
}

static void
test_sections (void)
{
  g_autoptr (NnModel) m = branching_model ();
  PlotSectionKind want[] = { PLOT_SECTION_NONE, PLOT_SECTION_GRID, PLOT_SECTION_GRID,
                             PLOT_SECTION_GRID, PLOT_SECTION_NONE, PLOT_SECTION_SOFTMAX };

  g_assert_cmpint (m->n_layers, ==, G_N_ELEMENTS (want));
  for (int i = 0; i < m->n_layers; i++)
    g_assert_cmpint (plot_activations_section (m, i), ==, want[i]);
}

/* Two channels of very different ranges: each map reaches viridis's yellow at its
 * own maximum and its dark purple at its own minimum. */
static void
test_per_map_scale (void)
{
  g_autoptr (NnModel) m = branching_model ();
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  float x[784] = { 0 };
  g_autofree float *a = g_new0 (float, 28 * 28 * 2);
  const float *outputs[6];
  float probs[10] = { 0.1f };
  PlotActivationsCount counts;
  double width = 400;

  /* channel 0 in [0, 1] with its peak at (0, 0); channel 1 in [100, 200] with its
   * peak at (27, 27) */
  for (int p = 0; p < 784; p++)
    {
      a[p * 2] = p == 0 ? 1.0f : 0.5f * p / 784;
      a[p * 2 + 1] = 100.0f + (p == 783 ? 100.0f : 50.0f * p / 784);
    }
  nn_model_forward (m, ws, x, 1);
  for (int i = 0; i < m->n_layers; i++)
    outputs[i] = nn_workspace_layer_output (ws, i);
  outputs[1] = a;
  PlotActivations act = { m, outputs, probs };
  double h = plot_activations_height (m, width);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) width, (int) ceil (h));
  cairo_t *cr = cairo_create (s);
  plot_activations_draw (cr, &act, width, plot_theme_light (), &counts);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  g_assert_cmpint (counts.n_grids, ==, 3);
  g_assert_cmpint (counts.n_bars, ==, 0);
  g_assert_cmpint (counts.n_softmax, ==, 1);
  g_assert_cmpint (counts.n_maps, ==, 6);

  /* conv_a's grid under its 20-pixel caption line: two 28 x 28 maps side by side
   * at an integer scale, one scaled pixel apart (found as the first see-through
   * column after map 0) */
  int top = 20, scale = 0;
  for (int k = 1; k <= 40 && scale == 0; k++)
    if ((pixel (s, 28 * k, top) >> 24) == 0)
      scale = k;
  g_assert_cmpint (scale, >=, 1);
  guint32 peak0 = pixel (s, 0, top);                                /* map 0 at (0, 0) */
  guint32 low0 = pixel (s, scale, top);                             /* map 0 at (1, 0) */
  guint32 peak1 = pixel (s, 29 * scale + 27 * scale, top + 27 * scale); /* map 1 at (27, 27) */
  guint32 low1 = pixel (s, 29 * scale, top);                        /* map 1 at (0, 0) */
#define R(p) (((p) >> 16) & 0xff)
#define G(p) (((p) >> 8) & 0xff)
#define B(p) ((p) & 0xff)
  /* viridis: (253, 231, 37) at 1, (68, 1, 84) at 0 */
  g_assert_cmpint (R (peak0), >, 240);
  g_assert_cmpint (B (peak0), <, 60);
  g_assert_cmpint (R (peak1), >, 240);
  g_assert_cmpint (B (peak1), <, 60);
  g_assert_cmpint (G (low0), <, 10);
  g_assert_cmpint (G (low1), <, 10);
  cairo_surface_destroy (s);
  nn_workspace_free (ws);
}

static void
test_filters_top (void)
{
  g_autoptr (NnModel) m = branching_model ();
  g_autofree float *out = g_new0 (float, 28 * 28 * 2);
  int top[2] = { -1, -1 };

  g_assert_cmpint (plot_filters_layer (m), ==, 1);
  for (int p = 0; p < 784; p++)
    out[p * 2] = 0.1f, out[p * 2 + 1] = -0.3f; /* magnitude counts: channel 1 first */
  g_assert_cmpint (plot_filters_top (m, out, top, 2), ==, 2);
  g_assert_cmpint (top[0], ==, 1);
  g_assert_cmpint (top[1], ==, 0);
}

/* The input feeds conv_a below it and conv_b beside it: conv_b's box is in the
 * right-hand column, in its own row, and nothing else is. */
static void
test_graph_branches (void)
{
  g_autoptr (NnModel) m = branching_model ();
  int width = 600, height = (int) ceil (plot_model_graph_height (m, width));
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (s);
  int row = height / m->n_layers;

  plot_model_graph_draw (cr, m, width, plot_theme_light ());
  cairo_destroy (cr);
  cairo_surface_flush (s);
  for (int i = 0; i < m->n_layers; i++)
    {
      int y = i * row + row / 2, right = 0, left = 0;
      for (int x = 0; x < width / 2 - 20; x++)
        left += (pixel (s, x, y) >> 24) > 0;
      for (int x = width / 2 + 20; x < width; x++)
        right += (pixel (s, x, y) >> 24) > 0;
      g_test_message ("row %d (%s): %d left, %d right", i, m->layers[i].name, left, right);
      g_assert_cmpint (left > 100, ==, i != 2);
      g_assert_cmpint (right > 100, ==, i == 2);
    }
  cairo_surface_destroy (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot/activations/sections", test_sections);
  g_test_add_func ("/plot/activations/per-map-scale", test_per_map_scale);
  g_test_add_func ("/plot/activations/filters-top", test_filters_top);
  g_test_add_func ("/plot/activations/graph-branches", test_graph_branches);
  return g_test_run ();
}
