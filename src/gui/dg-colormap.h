/* dg-colormap.h: viridis, a perceptually uniform colour map that stays readable
 * with the common forms of colour blindness and in greyscale. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* t in [0, 1] (clamped) -> r, g, b in [0, 1]. */
void dg_colormap_viridis (float t, float *r, float *g, float *b);

/* Fills a cairo ARGB32 pixel buffer (premultiplied, native endian) from a heat
 * map in [0, 1]. alpha_scale 1 gives opaque pixels; below 1 the alpha grows from
 * alpha_scale * alpha_floor (cold) to alpha_scale (hot), so cold areas stay
 * see-through in an overlay; floor 0 lets the map fade out without an edge. */
void dg_colormap_fill_argb (guint32 *pixels, int stride_px, const float *heat, int w, int h,
                            float alpha_scale, float alpha_floor);

G_END_DECLS
