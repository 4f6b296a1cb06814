/* plot-common.c: themes, colour maps, text and PNG files for every chart. */
#include "plot-common.h"

#include <math.h>
#include <fontconfig/fontconfig.h>

#include "nn-error.h"

static const PlotTheme light_theme = {
  .background = { 1.0, 1.0, 1.0 },
  .text = { 0.13, 0.14, 0.16 },
  .muted = { 0.42, 0.44, 0.48 },
  .grid = { 0.89, 0.90, 0.92 },
  .axis = { 0.55, 0.57, 0.60 },
  .dark = FALSE,
};

static const PlotTheme dark_theme = {
  .background = { 0.14, 0.14, 0.15 },
  .text = { 0.93, 0.93, 0.94 },
  .muted = { 0.65, 0.66, 0.69 },
  .grid = { 0.25, 0.25, 0.27 },
  .axis = { 0.45, 0.46, 0.49 },
  .dark = TRUE,
};

const PlotTheme *
plot_theme_light (void)
{
  return &light_theme;
}

const PlotTheme *
plot_theme_dark (void)
{
  return &dark_theme;
}

PlotRgb
plot_palette_color (int index)
{
  /* Okabe-Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue, black. */
  static const PlotRgb palette[PLOT_PALETTE_SIZE] = {
    { 0.000, 0.447, 0.698 }, { 0.835, 0.369, 0.000 }, { 0.000, 0.620, 0.451 },
    { 0.902, 0.624, 0.000 }, { 0.800, 0.475, 0.655 }, { 0.337, 0.706, 0.914 },
    { 0.200, 0.200, 0.200 },
  };

  index %= PLOT_PALETTE_SIZE;
  if (index < 0)
    index += PLOT_PALETTE_SIZE;
  return palette[index];
}

PlotRgb
plot_viridis (double t)
{
  /* Matt Zucker's degree-6 polynomial fit of matplotlib's viridis (within about
   * 1% of the table everywhere). */
  static const double c[7][3] = {
    { 0.2777273272234177, 0.005407344544966578, 0.3340998053353061 },
    { 0.1050930431085774, 1.404613529898575, 1.384590162594685 },
    { -0.3308618287255563, 0.214847559468213, 0.09509516302823659 },
    { -4.634230498983486, -5.799100973351585, -19.33244095627987 },
    { 6.228269936347081, 14.17993336680509, 56.69055260068105 },
    { 4.776384997670288, -13.74514537774601, -65.35303263337234 },
    { -5.435455855934631, 4.645852612178535, 26.3124352495832 },
  };
  double v[3];

  t = isfinite (t) ? CLAMP (t, 0.0, 1.0) : 0.0;
  for (int k = 0; k < 3; k++)
    {
      double acc = c[6][k];
      for (int i = 5; i >= 0; i--)
        acc = acc * t + c[i][k];
      v[k] = CLAMP (acc, 0.0, 1.0);
    }
  return (PlotRgb) { v[0], v[1], v[2] };
}

PlotRgb
plot_mix (PlotRgb a, PlotRgb b, double t)
{
  t = CLAMP (t, 0.0, 1.0);
  return (PlotRgb) { a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

double
plot_luminance (PlotRgb c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

void
plot_set_rgb (cairo_t *cr, PlotRgb c)
{
  cairo_set_source_rgb (cr, c.r, c.g, c.b);
}

void
plot_set_rgba (cairo_t *cr, PlotRgb c, double alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}

static void
select_font (cairo_t *cr, double size, gboolean bold)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

double
plot_text_width (cairo_t *cr, const char *text, double size, gboolean bold)
{
  cairo_text_extents_t ext;

  select_font (cr, size, bold);
  cairo_text_extents (cr, text, &ext);
  return ext.x_advance;
}

double
plot_text_fit (cairo_t *cr, const char *text, double size, gboolean bold, double max_width)
{
  double w = plot_text_width (cr, text, size, bold);

  if (w <= max_width || w <= 0)
    return size;
  return MAX (size * max_width / w, size * 0.6);
}

double
plot_text (cairo_t *cr, const char *text, double size, gboolean bold, double x, double y,
           PlotAlign halign, PlotAlign valign)
{
  cairo_text_extents_t ext;
  cairo_font_extents_t fext;
  double bx = x, by = y;

  select_font (cr, size, bold);
  cairo_text_extents (cr, text, &ext);
  cairo_font_extents (cr, &fext);
  if (halign == PLOT_ALIGN_CENTER)
    bx -= ext.x_advance / 2;
  else if (halign == PLOT_ALIGN_END)
    bx -= ext.x_advance;
  /* Vertical placement by the font's ascent, not the glyphs' ink, so that labels
   * with and without descenders line up. Digits reach about 0.72 em. */
  if (valign == PLOT_ALIGN_START)
    by += 0.74 * size;
  else if (valign == PLOT_ALIGN_CENTER)
    by += 0.36 * size;
  cairo_move_to (cr, bx, by);
  cairo_show_text (cr, text);
  return ext.x_advance;
}

void
plot_text_vertical (cairo_t *cr, const char *text, double size, gboolean bold, double x, double y)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 2);
  plot_text (cr, text, size, bold, 0, 0, PLOT_ALIGN_CENTER, PLOT_ALIGN_CENTER);
  cairo_restore (cr);
}

static cairo_status_t
append_to_array (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
plot_surface_write_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  cairo_status_t status;

  g_return_val_if_fail (surface != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cairo_surface_flush (surface);
  status = cairo_surface_write_to_png_stream (surface, append_to_array, png);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot encode the PNG: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  /* g_file_set_contents writes "PATH.XXXXXX" beside PATH and renames it. */
  if (!g_file_set_contents (path, (const char *) png->data, png->len, &local))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot write the PNG: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
plot_render_png (int width, int height, PlotDrawFunc draw, gpointer data, const char *path,
                 GError **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  gboolean ok;

  g_return_val_if_fail (width > 0 && height > 0 && width <= 16384 && height <= 16384, FALSE);
  g_return_val_if_fail (draw != NULL && path != NULL, FALSE);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  draw (cr, width, height, data);
  if (cairo_status (cr) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot draw the picture: %s", path,
                   cairo_status_to_string (cairo_status (cr)));
      ok = FALSE;
    }
  else
    ok = plot_surface_write_png (surface, path, error);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ok;
}

int
plot_nice_ticks (double lo, double hi, int target, double *ticks, int max, double *step_out)
{
  double span, raw, mag, norm, step;
  int n = 0;

  if (!(hi > lo) || !isfinite (lo) || !isfinite (hi) || target < 1)
    {
      if (max > 0 && isfinite (lo))
        ticks[n++] = lo;
      if (step_out != NULL)
        *step_out = 1.0;
      return n;
    }
  span = hi - lo;
  raw = span / target;
  mag = pow (10.0, floor (log10 (raw)));
  norm = raw / mag;
  step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * mag;
  /* Ticks inside [lo, hi], with a little slack for rounding. */
  for (double v = ceil (lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max; v += step)
    ticks[n++] = fabs (v) < step * 1e-9 ? 0.0 : v;
  if (step_out != NULL)
    *step_out = step;
  return n;
}

void
plot_shutdown (void)
{
  cairo_debug_reset_static_data ();
  FcFini ();
}
