/* plot-gradcam.h: where the model looked, drawn over the digit.
 *
 * The 28 x 28 input is shown with crisp pixels (nearest-neighbour upscaling) and
 * the Grad-CAM heat map (nn-gradcam.h) is upscaled bilinearly, coloured with
 * viridis (colour-blind-readable, dark = low) and blended over it, more opaque
 * where the heat is higher so the stroke stays visible in cold regions.
 */
#pragma once

#include "plot-common.h"

G_BEGIN_DECLS

/* An ARGB32 surface of side x side pixels: the input alone (heatmap NULL) or with
 * the heat map blended over it. input and heatmap are (28, 28) in [0, 1]. */
cairo_surface_t *plot_gradcam_surface (const float *input, const float *heatmap, int side);

/* Paints that picture into the square (x, y, side) of cr. */
void plot_gradcam_draw (cairo_t *cr, double x, double y, double side, const float *input,
                        const float *heatmap);

/* A PNG with the input, the overlay and a colour bar side by side, a caption
 * (e.g. "7 · 99.2% · conv2d_3") under them; caption may be NULL. side is the
 * size of each picture (0 picks 280), written through a temporary file. */
gboolean plot_gradcam_write_png (const float *input, const float *heatmap, const char *caption,
                                 int side, const char *path, GError **error);

/* The same for any explanation map in [0, 1] (nn-explain.h), with title over the
 * overlay instead of "Grad-CAM". */
gboolean plot_explain_write_png (const float *input, const float *map, const char *title,
                                 const char *caption, int side, const char *path,
                                 GError **error);

G_END_DECLS
