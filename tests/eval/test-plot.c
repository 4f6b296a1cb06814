/* The plot library: PNGs that open, cells and points where the drawing puts
 * them, ticks a reader expects, and clear errors. */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "nn-error.h"
#include "plot-confusion.h"
#include "plot-gradcam.h"
#include "plot-robustness.h"

static char *tmp;

typedef struct {
  cairo_surface_t *s;
  int w, h, stride;
  unsigned char *data;
} Png;

static void
png_open (Png *p, const char *path)
{
  p->s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (p->s), ==, CAIRO_STATUS_SUCCESS);
  p->w = cairo_image_surface_get_width (p->s);
  p->h = cairo_image_surface_get_height (p->s);
  p->stride = cairo_image_surface_get_stride (p->s);
  p->data = cairo_image_surface_get_data (p->s);
}

static PlotRgb
png_pixel (const Png *p, int x, int y)
{
  guint32 v = *(guint32 *) (p->data + (size_t) y * p->stride + x * 4);
  return (PlotRgb) { ((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0 };
}

/* The centre of a confusion cell, found through the hit test. */
static void
cell_centre (double w, double h, const PlotConfusionOptions *opt, int row, int col, int *cx,
             int *cy)
{
  double sx = 0, sy = 0;
  int n = 0;

  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        int r, c;
        if (plot_confusion_cell_at (w, h, opt, x, y, &r, &c) && r == row && c == col)
          sx += x, sy += y, n++;
      }
  g_assert_cmpint (n, >, 0);
  *cx = (int) (sx / n);
  *cy = (int) (sy / n);
}

static void
test_confusion_png (void)
{
  NnConfusion cm;
  PlotConfusionOptions opt;
  g_autofree char *path = g_build_filename (tmp, "cm.png", NULL);
  g_autoptr (GError) error = NULL;
  Png png;
  int x, y, r, c;
  PlotRgb diag, conf, empty;

  nn_confusion_clear (&cm);
  for (int k = 0; k < 10; k++)
    cm.counts[k][k] = 950 + k;
  cm.counts[4][9] = 30;  /* a strong confusion */
  plot_confusion_options_init (&opt);
  opt.subtitle = "test";
  g_assert_true (plot_confusion_write_png (&cm, &opt, 0, 0, path, &error));
  g_assert_no_error (error);
  png_open (&png, path);
  g_assert_cmpint (png.w, ==, 760);
  g_assert_cmpint (png.h, ==, 800);

  /* Shade at a point of the cell away from its centred count. */
  cell_centre (760, 800, &opt, 2, 2, &x, &y);
  diag = png_pixel (&png, x - 22, y - 20);
  cell_centre (760, 800, &opt, 4, 9, &x, &y);
  conf = png_pixel (&png, x - 22, y - 20);
  cell_centre (760, 800, &opt, 4, 8, &x, &y);
  empty = png_pixel (&png, x - 22, y - 20);
  g_assert_cmpfloat (diag.b, >, diag.r + 0.3);   /* the diagonal is a deep blue */
  g_assert_cmpfloat (plot_luminance (diag), <, 0.4);
  g_assert_cmpfloat (conf.r, >, conf.b + 0.2);   /* a confusion is orange */
  g_assert_cmpfloat (plot_luminance (empty), >, 0.97); /* an empty cell stays white */

  /* Outside the grid there is no cell. */
  g_assert_false (plot_confusion_cell_at (760, 800, &opt, 3, 3, &r, &c));
  g_assert_false (plot_confusion_cell_at (760, 800, &opt, 759, 799, &r, &c));

  /* A cell's rectangle is where hit-testing finds that cell, and only there. */
  for (int row = 0; row < 10; row += 3)
    for (int col = 0; col < 10; col += 4)
      {
        double rx, ry, rw, rh;
        g_assert_true (plot_confusion_cell_rect (760, 800, &opt, row, col, &rx, &ry, &rw, &rh));
        g_assert_cmpfloat (rw, >, 10);
        g_assert_cmpfloat (rh, >, 10);
        g_assert_true (plot_confusion_cell_at (760, 800, &opt, rx + rw / 2, ry + rh / 2, &r, &c));
        g_assert_cmpint (r, ==, row);
        g_assert_cmpint (c, ==, col);
        g_assert_true (plot_confusion_cell_at (760, 800, &opt, rx + 1, ry + 1, &r, &c));
        g_assert_cmpint (r * 10 + c, ==, row * 10 + col);
        g_assert_true (plot_confusion_cell_at (760, 800, &opt, rx + rw - 1, ry + rh - 1, &r, &c));
        g_assert_cmpint (r * 10 + c, ==, row * 10 + col);
        if (col + 1 < 10)
          {
            g_assert_true (plot_confusion_cell_at (760, 800, &opt, rx + rw + 1, ry + 1, &r, &c));
            g_assert_cmpint (c, ==, col + 1);
          }
      }
  g_assert_false (plot_confusion_cell_rect (760, 800, &opt, 10, 0, NULL, NULL, NULL, NULL));
  g_assert_false (plot_confusion_cell_rect (760, 800, &opt, 0, -1, NULL, NULL, NULL, NULL));
  cairo_surface_destroy (png.s);
}

static void
test_line_chart (void)
{
  g_autoptr (PlotLineChart) chart = plot_line_chart_new ();
  g_autofree char *path = g_build_filename (tmp, "line.png", NULL);
  g_autoptr (GError) error = NULL;
  const double xs[4] = { 0, 1, 2, 3 }, ys[4] = { 0.5, 0.6, NAN, 0.9 };
  int s0, s1, series, index;
  double px, py;
  Png png;

  plot_line_chart_set_title (chart, "Loss", "subtitle");
  plot_line_chart_set_axis_labels (chart, "epoch", "loss");
  s0 = plot_line_chart_add_series (chart, "train", 0, PLOT_SERIES_MARKERS);
  s1 = plot_line_chart_add_series (chart, "validation", 1, PLOT_SERIES_DASHED);
  plot_line_chart_set_data (chart, s0, xs, ys, 4); /* a NaN is a gap, not a crash */
  plot_line_chart_append (chart, s1, 0, 0.4);
  plot_line_chart_append (chart, s1, 3, 0.8);
  g_assert_cmpint (plot_line_chart_n_series (chart), ==, 2);
  g_assert_cmpint (plot_line_chart_series_length (chart, s0), ==, 4);
  g_assert_true (plot_line_chart_write_png (chart, 640, 400, path, &error));
  g_assert_no_error (error);
  png_open (&png, path);
  g_assert_cmpint (png.w, ==, 640);
  g_assert_cmpint (png.h, ==, 400);
  cairo_surface_destroy (png.s);

  /* Hover: a 4-pixel scan with a 3-pixel radius reaches every point; the last
   * point of "train" is found, on the right half, above the first. */
  {
    gboolean found = FALSE;
    int fx = -1, fy = -1, first_y = -1;
    for (int y = 0; y < 400; y += 4)
      for (int x = 0; x < 640; x += 4)
        if (plot_line_chart_pick (chart, 640, 400, x, y, 3, &series, &index, &px, &py)
            && series == s0)
          {
            if (index == 3 && !found)
              found = TRUE, fx = x, fy = y;
            if (index == 0)
              first_y = y;
          }
    g_assert_true (found);
    g_assert_cmpint (fx, >, 320);
    g_assert_cmpint (fy, <, first_y);
    g_assert_true (plot_line_chart_pick (chart, 640, 400, fx, fy, 3, &series, &index, &px, &py));
    g_assert_cmpfloat (px, ==, 3);
    g_assert_cmpfloat (py, ==, 0.9);
  }
  /* Nothing near the top-left corner. */
  g_assert_false (plot_line_chart_pick (chart, 640, 400, 0, 0, 5, NULL, NULL, NULL, NULL));

  /* An empty chart and a log chart with non-positive values still draw. */
  plot_line_chart_clear_data (chart);
  plot_line_chart_set_log_y (chart, TRUE);
  plot_line_chart_append (chart, s0, 0, 0.0);
  plot_line_chart_append (chart, s0, 1, -1.0);
  plot_line_chart_append (chart, s0, 2, 1e-3);
  g_assert_true (plot_line_chart_write_png (chart, 320, 200, path, &error));
}

static void
test_ticks (void)
{
  double t[32], step;
  int n = plot_nice_ticks (0, 1, 5, t, 32, &step);

  g_assert_cmpint (n, ==, 6);
  g_assert_cmpfloat_with_epsilon (step, 0.2, 1e-12);
  g_assert_cmpfloat (t[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (t[5], 1.0, 1e-12);

  n = plot_nice_ticks (0.148, 1.0, 8, t, 32, &step);
  g_assert_cmpfloat_with_epsilon (step, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (t[0], 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (t[n - 1], 1.0, 1e-12);

  n = plot_nice_ticks (0, 1400, 5, t, 32, &step);
  g_assert_cmpfloat (step, ==, 200);
  g_assert_cmpint (n, ==, 8);
}

static NnRobustnessResult *
fake_result (double base)
{
  int n;
  const NnPerturbation *set = nn_perturbation_standard_set (&n);
  NnRobustnessResult *r = g_new0 (NnRobustnessResult, 1);

  r->n_rows = n;
  r->rows = g_new0 (NnRobustnessRow, n);
  r->n_images = 100;
  for (int i = 0; i < n; i++)
    {
      r->rows[i].perturbation = set[i];
      r->rows[i].n = 100;
      r->rows[i].correct = (int) (100 * base) - i;
      r->rows[i].accuracy = r->rows[i].correct / 100.0;
    }
  return r;
}

static void
test_robustness_chart (void)
{
  g_autoptr (NnRobustnessResult) a = fake_result (0.99), b = fake_result (0.95);
  const NnRobustnessResult *both[2] = { a, b };
  const char *names[2] = { "a.keras", "b.keras" };
  g_autoptr (PlotLineChart) one = plot_robustness_chart_new (both, names, 1, NULL);
  g_autoptr (PlotLineChart) two = plot_robustness_chart_new (both, names, 2, "sub");
  g_autofree char *path = g_build_filename (tmp, "rob.png", NULL);
  g_autoptr (GError) error = NULL;
  Png png;

  /* One line per perturbation kind, starting at the clean accuracy. */
  g_assert_cmpint (plot_line_chart_n_series (one), ==, 5);
  g_assert_cmpint (plot_line_chart_series_length (one, 0), ==, 5); /* clean + 4 noise levels */
  g_assert_cmpint (plot_line_chart_series_length (one, 3), ==, 3); /* clean + 2 shifts */
  g_assert_cmpint (plot_line_chart_n_series (two), ==, 10);
  /* what each level of the axis is, in the legend's words */
  {
    g_autofree char *levels = plot_robustness_describe_levels (a);
    g_assert_nonnull (strstr (levels, "noise, levels 1–4: σ 0.05, 0.1, 0.2, 0.3"));
    g_assert_nonnull (strstr (levels, "shift, levels 1–2: 2, 3 px"));
  }
  g_assert_true (plot_robustness_write_png (both, names, 2, "sub", 0, 0, path, &error));
  g_assert_no_error (error);
  png_open (&png, path);
  g_assert_cmpint (png.w, ==, 900);
  g_assert_cmpint (png.h, ==, 560);
  cairo_surface_destroy (png.s);
}

static void
test_gradcam (void)
{
  float input[784] = { 0 }, heat[784];
  g_autofree char *path = g_build_filename (tmp, "cam.png", NULL);
  g_autoptr (GError) error = NULL;
  cairo_surface_t *plain, *overlay;
  PlotRgb hot, cold;
  Png png;

  for (int i = 0; i < 784; i++)
    heat[i] = (i % 28) / 27.0f; /* cold on the left, hot on the right */
  for (int r = 4; r < 24; r++)
    input[r * 28 + 14] = 1.0f;
  plain = plot_gradcam_surface (input, NULL, 56);
  overlay = plot_gradcam_surface (input, heat, 56);
  png.data = cairo_image_surface_get_data (overlay);
  png.stride = cairo_image_surface_get_stride (overlay);
  hot = png_pixel (&png, 54, 2);
  cold = png_pixel (&png, 1, 2);
  /* viridis: yellow when hot, dark purple when cold. */
  g_assert_cmpfloat (hot.r + hot.g, >, 1.0);
  g_assert_cmpfloat (cold.b, >, cold.g);
  g_assert_cmpfloat (plot_luminance (cold), <, 0.2);
  png.data = cairo_image_surface_get_data (plain);
  g_assert_cmpfloat (png_pixel (&png, 29, 20).r, ==, 1.0); /* the stroke, white, crisp */
  g_assert_cmpfloat (png_pixel (&png, 27, 20).r, ==, 0.0);
  cairo_surface_destroy (plain);
  cairo_surface_destroy (overlay);

  g_assert_true (plot_gradcam_write_png (input, heat, "7 · 99.1%", 0, path, &error));
  g_assert_no_error (error);
  png_open (&png, path);
  g_assert_cmpint (png.h, >, 280);
  g_assert_cmpint (png.w, >, 2 * 280);
  cairo_surface_destroy (png.s);
}

static void
test_write_errors (void)
{
  NnConfusion cm;
  g_autofree char *bad = g_build_filename (tmp, "no", "such", "dir", "cm.png", NULL);
  g_autoptr (GError) error = NULL;

  nn_confusion_clear (&cm);
  g_assert_false (plot_confusion_write_png (&cm, NULL, 0, 0, bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad));
}

int
main (int argc, char **argv)
{
  int status;
  const char *rm[] = { "rm", "-rf", NULL, NULL };

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("plot-test-XXXXXX", NULL);
  g_test_add_func ("/plot/confusion-png", test_confusion_png);
  g_test_add_func ("/plot/line-chart", test_line_chart);
  g_test_add_func ("/plot/ticks", test_ticks);
  g_test_add_func ("/plot/robustness-chart", test_robustness_chart);
  g_test_add_func ("/plot/gradcam", test_gradcam);
  g_test_add_func ("/plot/write-errors", test_write_errors);
  status = g_test_run ();
  rm[2] = tmp;
  if (g_getenv ("DIGITS_KEEP_TEST_FILES") == NULL)
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (tmp);
  plot_shutdown ();
  return status;
}
