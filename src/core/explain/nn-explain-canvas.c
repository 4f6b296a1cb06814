/* nn-explain-canvas.c: the inverse of preprocessing's crop, scale and shift, for
 * explanation maps (see nn-explain-canvas.h). */
#include <math.h>
#include <string.h>
#include "nn-explain-canvas.h"

/* The field's value at continuous coordinates (u, v), pixel i spanning [i, i + 1):
 * bilinear between pixel centres, 0 beyond the grid. */
static float
sample (const float *map, double u, double v)
{
  double fx = u - 0.5, fy = v - 0.5;
  int x0 = (int) floor (fx), y0 = (int) floor (fy);
  double wx = fx - x0, wy = fy - y0;
  double s = 0;
  for (int dy = 0; dy <= 1; dy++)
    for (int dx = 0; dx <= 1; dx++)
      {
        int x = x0 + dx, y = y0 + dy;
        if (x < 0 || x >= 28 || y < 0 || y >= 28)
          continue;
        s += map[y * 28 + x] * (dx ? wx : 1 - wx) * (dy ? wy : 1 - wy);
      }
  return (float) s;
}

/* The pixels [*lo, *hi) of a row of n whose centres, at field coordinate
 * w0 + (i + 0.5) * scale, come within a pixel of the 28-pixel field: the rest
 * sample 0. A wide picture (a number's canvas) is mostly outside one digit's field. */
static void
field_span (double w0, double scale, int n, int *lo, int *hi)
{
  *lo = 0, *hi = n;
  if (!(scale > 0))
    return;
  double first = floor ((-0.5 - w0) / scale - 0.5), last = ceil ((28.5 - w0) / scale - 0.5) + 1;
  *lo = (int) CLAMP (first, 0, n);
  *hi = (int) CLAMP (last, *lo, n);
}

void
nn_explain_map_to_grid (const float map[28 * 28], double u0, double v0, double scale, int width,
                        int height, float *out)
{
  int x_lo, x_hi, y_lo, y_hi;

  g_return_if_fail (map != NULL && out != NULL && width > 0 && height > 0);
  field_span (u0, scale, width, &x_lo, &x_hi);
  field_span (v0, scale, height, &y_lo, &y_hi);
  memset (out, 0, (size_t) width * height * sizeof *out);
  for (int y = y_lo; y < y_hi; y++)
    {
      double v = v0 + (y + 0.5) * scale;
      for (int x = x_lo; x < x_hi; x++)
        out[(size_t) y * width + x] = sample (map, u0 + (x + 0.5) * scale, v);
    }
}

void
nn_explain_map_to_picture (const float map[28 * 28], const NnPreprocessInfo *info, int width,
                           int height, float *out)
{
  g_return_if_fail (map != NULL && info != NULL && out != NULL && width > 0 && height > 0);
  /* u = off_x + (x + 0.5 - x0) * scale */
  nn_explain_map_to_grid (map, info->off_x - info->x0 * info->scale,
                          info->off_y - info->y0 * info->scale, info->scale, width, height, out);
}
