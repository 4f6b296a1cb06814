/* plot-gradcam.c: the Grad-CAM overlay. */
#include "plot-gradcam.h"

#include <math.h>

#define SIDE 28

/* Bilinear sample of a 28 x 28 map at pixel-centre coordinates (y, x). */
static double
sample_bilinear (const float *map, double y, double x)
{
  int y0, x0, y1, x1;
  double ty, tx;

  y = CLAMP (y, 0.0, SIDE - 1.0);
  x = CLAMP (x, 0.0, SIDE - 1.0);
  y0 = (int) y;
  x0 = (int) x;
  y1 = MIN (y0 + 1, SIDE - 1);
  x1 = MIN (x0 + 1, SIDE - 1);
  ty = y - y0;
  tx = x - x0;
  return (1 - ty) * ((1 - tx) * map[y0 * SIDE + x0] + tx * map[y0 * SIDE + x1])
         + ty * ((1 - tx) * map[y1 * SIDE + x0] + tx * map[y1 * SIDE + x1]);
}

static inline guint32
pack_rgb (double r, double g, double b)
{
  return 0xff000000u | ((guint32) lrint (CLAMP (r, 0, 1) * 255) << 16)
         | ((guint32) lrint (CLAMP (g, 0, 1) * 255) << 8) | (guint32) lrint (CLAMP (b, 0, 1) * 255);
}

cairo_surface_t *
plot_gradcam_surface (const float *input, const float *heatmap, int side)
{
  cairo_surface_t *surface;
  unsigned char *data;
  int stride;

  g_return_val_if_fail (input != NULL && side > 0 && side <= 8192, NULL);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, side, side);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int py = 0; py < side; py++)
    {
      guint32 *row = (guint32 *) (data + (size_t) py * stride);
      double sy = (py + 0.5) * SIDE / side;
      int iy = MIN ((int) sy, SIDE - 1);

      for (int px = 0; px < side; px++)
        {
          double sx = (px + 0.5) * SIDE / side;
          int ix = MIN ((int) sx, SIDE - 1);
          double grey = CLAMP (input[iy * SIDE + ix], 0.0f, 1.0f);

          if (heatmap == NULL)
            row[px] = pack_rgb (grey, grey, grey);
          else
            {
              double h = CLAMP (sample_bilinear (heatmap, sy - 0.5, sx - 0.5), 0.0, 1.0);
              PlotRgb c = plot_viridis (h);
              /* Hot regions are coloured strongly, cold ones let the stroke through. */
              double a = 0.35 + 0.45 * h;
              row[px] = pack_rgb ((1 - a) * grey + a * c.r, (1 - a) * grey + a * c.g,
                                  (1 - a) * grey + a * c.b);
            }
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
plot_gradcam_draw (cairo_t *cr, double x, double y, double side, const float *input,
                   const float *heatmap)
{
  cairo_surface_t *surface;
  int px = MAX (1, (int) ceil (side));

  g_return_if_fail (cr != NULL && input != NULL);
  surface = plot_gradcam_surface (input, heatmap, px);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, side / px, side / px);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

typedef struct {
  const float *input, *heatmap;
  const char *caption;
  int side;
  const char *title; /* over the overlay */
} PngData;

static void
draw_colorbar (cairo_t *cr, const PlotTheme *t, double x, double y, double w, double h,
               double text_size)
{
  cairo_pattern_t *grad = cairo_pattern_create_linear (0, y + h, 0, y);

  for (int i = 0; i <= 16; i++)
    {
      PlotRgb c = plot_viridis (i / 16.0);
      cairo_pattern_add_color_stop_rgb (grad, i / 16.0, c.r, c.g, c.b);
    }
  cairo_rectangle (cr, x, y, w, h);
  cairo_set_source (cr, grad);
  cairo_fill (cr);
  cairo_pattern_destroy (grad);
  plot_set_rgb (cr, t->muted);
  plot_text (cr, "high", text_size, FALSE, x + w + 6, y + text_size * 0.5, PLOT_ALIGN_START,
             PLOT_ALIGN_CENTER);
  plot_text (cr, "low", text_size, FALSE, x + w + 6, y + h - text_size * 0.5, PLOT_ALIGN_START,
             PLOT_ALIGN_CENTER);
}

static void
draw_png (cairo_t *cr, double width, double height, gpointer data)
{
  const PngData *d = data;
  const PlotTheme *t = plot_theme_light ();
  double pad = 16, gap = 14, head = 26, text = 13;
  double s = d->side;

  plot_set_rgb (cr, t->background);
  cairo_paint (cr);
  plot_set_rgb (cr, t->muted);
  plot_text (cr, "input (28 × 28)", text, FALSE, pad + s / 2, pad, PLOT_ALIGN_CENTER,
             PLOT_ALIGN_START);
  g_autofree char *missing = g_strdup_printf ("%s (not available)", d->title);
  plot_text (cr, d->heatmap != NULL ? d->title : missing, text, FALSE,
             pad + s + gap + s / 2, pad, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
  plot_gradcam_draw (cr, pad, pad + head, s, d->input, NULL);
  plot_gradcam_draw (cr, pad + s + gap, pad + head, s, d->input, d->heatmap);
  draw_colorbar (cr, t, pad + 2 * s + 2 * gap, pad + head, 14, s, text * 0.9);
  if (d->caption != NULL)
    {
      plot_set_rgb (cr, t->text);
      plot_text (cr, d->caption, text * 1.25, TRUE, width / 2, pad + head + s + 12,
                 PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
    }
  (void) height;
}

gboolean
plot_gradcam_write_png (const float *input, const float *heatmap, const char *caption, int side,
                        const char *path, GError **error)
{
  return plot_explain_write_png (input, heatmap, "Grad-CAM", caption, side, path, error);
}

gboolean
plot_explain_write_png (const float *input, const float *map, const char *title,
                        const char *caption, int side, const char *path, GError **error)
{
  PngData d = { input, map, caption, side > 0 ? side : 280, title != NULL ? title : "" };
  int width, height;

  g_return_val_if_fail (input != NULL && path != NULL, FALSE);
  width = 16 + 2 * d.side + 2 * 14 + 14 + 40 + 16;
  height = 16 + 26 + d.side + (caption != NULL ? 12 + 24 : 0) + 16;
  return plot_render_png (width, height, draw_png, &d, path, error);
}
