/* dg-colormap.h: viridis, a perceptually uniform colour map that stays readable
 * with the common forms of colour blindness and in greyscale. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* t in [0, 1] (clamped) -> r, g, b in [0, 1]. */
void dg_colormap_viridis (float t, float *r, float *g, float *b);

/* Fills a 28 x 28 cairo ARGB32 pixel buffer (premultiplied, native endian) from a
 * heat map in [0, 1]. alpha_scale 1 gives opaque pixels; below 1 the alpha also
 * grows with the heat, so cold areas stay see-through in an overlay. */
void dg_colormap_fill_argb (guint32 *pixels, int stride_px, const float *heat, int w, int h,
                            float alpha_scale);

G_END_DECLS
