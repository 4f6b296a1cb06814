/* plot-common.h: what every chart shares: themes, colour maps, text, PNG files.
 *
 * The plot library draws into any cairo_t: an image surface for a PNG written by
 * digits-cli, or a GTK widget's snapshot in the app. It never touches GTK. All
 * sizes are in cairo user units (pixels for a PNG).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double r, g, b;
} PlotRgb;

/* Colours of the page around the data; the data colours come from the palettes. */
typedef struct {
  PlotRgb background;
  PlotRgb text;       /* titles and labels */
  PlotRgb muted;      /* ticks, subtitles, notes */
  PlotRgb grid;       /* grid lines and cell borders */
  PlotRgb axis;       /* the axis lines */
  gboolean dark;
} PlotTheme;

const PlotTheme *plot_theme_light (void);
const PlotTheme *plot_theme_dark (void);

/* Okabe & Ito's palette, readable with every common colour-vision deficiency,
 * in an order where neighbours differ most; yellow is left out (unreadable on
 * white). Index modulo the palette size. */
PlotRgb  plot_palette_color (int index);
#define  PLOT_PALETTE_SIZE 7

/* matplotlib's viridis: perceptually uniform and colour-blind-readable; t in
 * [0, 1], clamped. */
PlotRgb  plot_viridis (double t);
/* a + (b - a) t, t clamped to [0, 1]. */
PlotRgb  plot_mix (PlotRgb a, PlotRgb b, double t);
/* Relative luminance (Rec. 709 weights): picks dark or light text on a fill. */
double   plot_luminance (PlotRgb c);

void     plot_set_rgb (cairo_t *cr, PlotRgb c);
void     plot_set_rgba (cairo_t *cr, PlotRgb c, double alpha);

typedef enum {
  PLOT_ALIGN_START,
  PLOT_ALIGN_CENTER,
  PLOT_ALIGN_END,
} PlotAlign;

/* Text with the cairo toy API in the "Sans" face (DejaVu Sans or Cantarell through
 * fontconfig, both with σ and °). (x, y) is the anchor: halign picks left, centre
 * or right; valign START puts the text's top at y, CENTER its middle, END its
 * baseline. Returns the text's advance width. */
double   plot_text (cairo_t *cr, const char *text, double size, gboolean bold, double x, double y,
                    PlotAlign halign, PlotAlign valign);
double   plot_text_width (cairo_t *cr, const char *text, double size, gboolean bold);
/* The largest size up to `size` at which text fits in max_width (never below
 * 60% of size: past that the caller should say less). */
double   plot_text_fit (cairo_t *cr, const char *text, double size, gboolean bold,
                        double max_width);
/* The same, turned 90 degrees counter-clockwise around (x, y): a y-axis title. */
void     plot_text_vertical (cairo_t *cr, const char *text, double size, gboolean bold,
                             double x, double y);

/* Renders draw(cr, width, height, data) on a white-or-theme ARGB surface and
 * writes a PNG through a temporary file renamed into place. */
typedef void (*PlotDrawFunc) (cairo_t *cr, double width, double height, gpointer data);
gboolean plot_render_png (int width, int height, PlotDrawFunc draw, gpointer data,
                          const char *path, GError **error);
/* Writes any image surface as a PNG through a temporary file. */
gboolean plot_surface_write_png (cairo_surface_t *surface, const char *path, GError **error);

/* "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of
 * ten, about `target` of them. Returns the count written to ticks (at most max). */
int      plot_nice_ticks (double lo, double hi, int target, double *ticks, int max, double *step);

/* Frees cairo's and fontconfig's font caches. Call once before a program that
 * drew text exits, so that leak checkers (ASan's LeakSanitizer in CI) see a
 * clean exit; never call it while drawing may still happen. */
void     plot_shutdown (void);

G_END_DECLS
