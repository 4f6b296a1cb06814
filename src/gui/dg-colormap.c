/* dg-colormap.c: viridis by linear interpolation between nine of matplotlib's
 * samples; the difference to the full 256-entry table is below 1/255 per channel
 * at the anchors and invisible between them. */
#include "dg-colormap.h"

static const guint8 viridis[9][3] = {
  { 0x44, 0x01, 0x54 }, { 0x47, 0x2d, 0x7b }, { 0x3b, 0x52, 0x8b }, { 0x2c, 0x72, 0x8e },
  { 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 }, { 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 },
  { 0xfd, 0xe7, 0x25 },
};

void
dg_colormap_viridis (float t, float *r, float *g, float *b)
{
  float x = CLAMP (t, 0.f, 1.f) * 8.f;
  int i = MIN ((int) x, 7);
  float f = x - (float) i;

  *r = ((1.f - f) * viridis[i][0] + f * viridis[i + 1][0]) / 255.f;
  *g = ((1.f - f) * viridis[i][1] + f * viridis[i + 1][1]) / 255.f;
  *b = ((1.f - f) * viridis[i][2] + f * viridis[i + 1][2]) / 255.f;
}

void
dg_colormap_fill_argb (guint32 *pixels, int stride_px, const float *heat, int w, int h,
                       float alpha_scale, float alpha_floor)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float t = heat[y * w + x], r, g, b;
        float a = alpha_scale >= 1.f ? 1.f : alpha_scale * (alpha_floor + (1.f - alpha_floor) * CLAMP (t, 0.f, 1.f));

        /* an overlay fades out over the outer two rings instead of ending in an edge */
        if (alpha_scale < 1.f)
          {
            int ring = MIN (MIN (x, y), MIN (w - 1 - x, h - 1 - y));
            if (ring < 2)
              a *= ring == 0 ? 0.2f : 0.6f;
          }
        dg_colormap_viridis (t, &r, &g, &b);
        pixels[y * stride_px + x] = ((guint32) (a * 255.f + .5f) << 24)
                                    | ((guint32) (a * r * 255.f + .5f) << 16)
                                    | ((guint32) (a * g * 255.f + .5f) << 8)
                                    | (guint32) (a * b * 255.f + .5f);
      }
}
