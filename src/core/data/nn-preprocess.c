/* nn-preprocess.c: a drawing or photo of one digit to MNIST-style input.
 *
 * MNIST was made by scaling each digit so its longer side is 20 px (with
 * anti-aliasing), then placing it in a 28 x 28 field so that its centre of mass
 * sits at the centre. We do the same on grey pixels of any size:
 *
 *   1. polarity: which of dark or light is ink (the border tells the background);
 *   2. ink intensity: the grey levels stretched from the background level (0) to
 *      the strongest ink (255), with a small floor so paper texture is not ink;
 *   3. bounding box of the ink from row and column profiles, trimming a tiny
 *      share of stray mass at each side so one speck does not shrink the digit;
 *   4. scale the box's longer side to 20 px by area averaging: each output pixel
 *      is the integral of the ink over its exact footprint in the source; the
 *      filter is separable, so it is one pass over the box's rows and one over
 *      the 28 columns;
 *   5. place it with the centre of mass at (14, 14), the box kept in the field.
 *
 * The app calls this on every stroke of a 560 x 560 canvas, so it makes three
 * cheap passes (histogram, profiles, resampling) and allocates once.
 */
#include "nn-image.h"
#include "nn-error.h"
#include "nn-photo-private.h"

#include <math.h>
#include <string.h>

#define TARGET_SIDE 20          /* the longer side of the digit in the field */
#define CENTRE 14.0             /* centre of mass, in pixel-index coordinates */
#define MIN_CONTRAST 40         /* grey levels between background and ink */
#define INK_FLOOR 0.10          /* stretched ink below this is background */
#define TRIM_SHARE 0.002        /* mass share trimmed at each side of the box */
#define MIN_MASS_PER_SIDE 0.25  /* ink pixels per pixel of the box's longer side */
#define MAX_SPAN 12             /* output pixels one source pixel can touch */
#define UNEVEN_BORDER 30        /* border spread that calls for flattening */
#define BG_GRID 8               /* background cells per side when flattening */
#define PHOTO_SPREAD 2          /* paper-side border spread that marks a photo or scan */

typedef struct {
  guint32 hist[256];
  int border_median;
  int border_p[4];    /* 10th, 25th, 75th and 90th percentiles of the border band */
} GreyStats;

static int
median_of (const guint32 hist[256], guint64 count)
{
  guint64 half = (count + 1) / 2, cum = 0;
  for (int v = 0; v < 256; v++)
    {
      cum += hist[v];
      if (cum >= half)
        return v;
    }
  return 255;
}

/* The darkest level that at least k pixels reach, and the lightest. */
static int
dark_extreme (const guint32 hist[256], guint64 k)
{
  guint64 cum = 0;
  for (int v = 0; v < 256; v++)
    if ((cum += hist[v]) >= k)
      return v;
  return 255;
}

static int
light_extreme (const guint32 hist[256], guint64 k)
{
  guint64 cum = 0;
  for (int v = 255; v >= 0; v--)
    if ((cum += hist[v]) >= k)
      return v;
  return 0;
}

static void
grey_stats (const guint8 *grey, int width, int height, int stride, GreyStats *st)
{
  memset (st, 0, sizeof *st);
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = grey + (size_t) y * stride;
      for (int x = 0; x < width; x++)
        st->hist[p[x]]++;
    }

  /* A band a few pixels wide, so a one-pixel frame or edge artefact does not
   * decide the background alone. */
  guint32 bh[256] = { 0 };
  guint64 bn = 0;
  int band = CLAMP (MIN (width, height) / 32, 1, 8);
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = grey + (size_t) y * stride;
      if (y < band || y >= height - band)
        {
          for (int x = 0; x < width; x++)
            bh[p[x]]++;
          bn += (guint64) width;
        }
      else
        {
          for (int x = 0; x < MIN (band, width); x++)
            bh[p[x]]++;
          for (int x = MAX (width - band, band); x < width; x++)
            bh[p[x]]++;
          bn += (guint64) (MIN (band, width) + width - MAX (width - band, band));
        }
    }
  st->border_median = median_of (bh, bn);
  static const int percent[4] = { 10, 25, 75, 90 };
  for (int i = 0; i < 4; i++)
    st->border_p[i] = dark_extreme (bh, MAX (1, bn * percent[i] / 100));
}

/* Pixels at the extremes that count, ignoring a few hot pixels in big photos. */
static guint64
extreme_count (int width, int height)
{
  return MAX ((guint64) 1, (guint64) width * (guint64) height / 20000);
}

static NnBackground
decide_background (const GreyStats *st, int width, int height)
{
  /* Ink is whichever side deviates further from the background. */
  guint64 k = extreme_count (width, height);
  int bg = st->border_median;
  int dark = bg - dark_extreme (st->hist, k);
  int light = light_extreme (st->hist, k) - bg;
  if (dark != light)
    return dark > light ? NN_BACKGROUND_LIGHT : NN_BACKGROUND_DARK;
  return bg >= 128 ? NN_BACKGROUND_LIGHT : NN_BACKGROUND_DARK;
}

NnBackground
nn_detect_background (const guint8 *grey, int width, int height, int stride)
{
  g_return_val_if_fail (grey != NULL && width > 0 && height > 0, NN_BACKGROUND_LIGHT);
  g_return_val_if_fail (stride >= width, NN_BACKGROUND_LIGHT);
  GreyStats st;
  grey_stats (grey, width, height, stride, &st);
  return decide_background (&st, width, height);
}

/* Area-averaging weights along one axis: source pixel i of n covers the field
 * interval [off + i s, off + (i + 1) s); its weight for output pixel j is the
 * length of the overlap with [j, j + 1). */
static void
axis_weights (int n, double s, int off, int *first, int *count, float *w)
{
  for (int i = 0; i < n; i++)
    {
      double a = off + i * s, b = off + (i + 1) * s;
      int j0 = (int) floor (a), j1 = (int) ceil (b);
      j0 = MAX (j0, 0);
      j1 = MIN (j1, NN_IMAGE_SIDE);
      int c = 0;
      /* Overlaps below 1e-6 are rounding in off + i s, not coverage; dropping
       * them keeps the longer side at exactly 20 pixels. */
      while (j0 < j1 && MIN (b, (double) j0 + 1) - a < 1e-6)
        j0++;
      while (j1 > j0 && b - MAX (a, (double) j1 - 1) < 1e-6)
        j1--;
      first[i] = j0;
      for (int j = j0; j < j1 && c < MAX_SPAN; j++)
        {
          double ov = MIN (b, (double) j + 1) - MAX (a, (double) j);
          w[i * MAX_SPAN + c++] = (float) ov;
        }
      count[i] = c;
    }
}

/* Uneven lighting (a phone photo of paper) defeats one background level: the
 * dim side of the page would count as ink. Estimate the background per cell of
 * a coarse grid from its paper-side percentile, let each cell take the most
 * paper-like of its neighbours (so a cell filled by a thick stroke does not
 * count), interpolate bilinearly, and return ink = distance from that
 * background, as a light-on-dark image. */
static guint8 *
flatten_background (const guint8 *grey, int width, int height, int stride, gboolean light)
{
  int cw = MAX (8, (width + BG_GRID - 1) / BG_GRID), ch = MAX (8, (height + BG_GRID - 1) / BG_GRID);
  int nx = (width + cw - 1) / cw, ny = (height + ch - 1) / ch;
  float *cell = g_new (float, 2 * (size_t) nx * ny + (size_t) nx);
  float *spread = cell + (size_t) nx * ny, *rowbg = spread + (size_t) nx * ny;
  for (int cy = 0; cy < ny; cy++)
    for (int cx = 0; cx < nx; cx++)
      {
        guint32 hist[256] = { 0 };
        int x0 = cx * cw, x1 = MIN (width, x0 + cw), y0 = cy * ch, y1 = MIN (height, y0 + ch);
        for (int y = y0; y < y1; y++)
          for (int x = x0; x < x1; x++)
            hist[grey[(size_t) y * stride + x]]++;
        guint64 n = (guint64) (x1 - x0) * (y1 - y0);
        cell[cy * nx + cx] = light ? dark_extreme (hist, MAX (1, n * 9 / 10))
                                   : dark_extreme (hist, MAX (1, n / 10));
      }
  for (int cy = 0; cy < ny; cy++)
    for (int cx = 0; cx < nx; cx++)
      {
        float best = cell[cy * nx + cx];
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int yy = cy + dy, xx = cx + dx;
              if (yy < 0 || yy >= ny || xx < 0 || xx >= nx)
                continue;
              float v = cell[yy * nx + xx];
              best = light ? MAX (best, v) : MIN (best, v);
            }
        spread[cy * nx + cx] = best;
      }

  /* Column interpolation positions, once for all rows. */
  int *ci = g_new (int, (size_t) width);
  float *ct = g_new (float, (size_t) width);
  for (int x = 0; x < width; x++)
    {
      float fx = CLAMP ((x + 0.5f) / cw - 0.5f, 0.0f, nx - 1.0f);
      ci[x] = MIN ((int) fx, nx - 2 >= 0 ? nx - 2 : 0);
      ct[x] = nx > 1 ? fx - ci[x] : 0.0f;
    }
  guint8 *ink = g_malloc ((size_t) width * height);
  for (int y = 0; y < height; y++)
    {
      double fy = CLAMP ((y + 0.5) / ch - 0.5, 0.0, ny - 1.0);
      int j0 = (int) fy, j1 = MIN (j0 + 1, ny - 1);
      float u = (float) (fy - j0);
      for (int i = 0; i < nx; i++)
        rowbg[i] = spread[j0 * nx + i] * (1 - u) + spread[j1 * nx + i] * u;
      const guint8 *p = grey + (size_t) y * stride;
      guint8 *o = ink + (size_t) y * width;
      float sign = light ? -1.0f : 1.0f;
      for (int x = 0; x < width; x++)
        {
          int i0 = ci[x], i1 = MIN (i0 + 1, nx - 1);
          float bg = rowbg[i0] + (rowbg[i1] - rowbg[i0]) * ct[x];
          float v = sign * (p[x] - bg) + 0.5f;
          o[x] = (guint8) (v <= 0.0f ? 0.0f : v >= 255.0f ? 255.0f : v);
        }
    }
  g_free (ci);
  g_free (ct);
  g_free (cell);
  return ink;
}

static gboolean
nothing_drawn (GError **error, const char *why)
{
  g_set_error (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN, "Nothing drawn (%s)", why);
  return FALSE;
}

/* First index from the start whose cumulative mass exceeds budget. */
static int
trim_low (const guint32 *profile, int n, guint64 budget)
{
  guint64 cum = 0;
  int i = 0;
  while (i < n - 1 && cum + profile[i] <= budget)
    cum += profile[i++];
  return i;
}

static int
trim_high (const guint32 *profile, int n, guint64 budget)
{
  guint64 cum = 0;
  int i = n - 1;
  while (i > 0 && cum + profile[i] <= budget)
    cum += profile[i--];
  return i;
}

static gboolean
preprocess (const guint8 *grey, int width, int height, int stride, NnBackground background,
            gboolean may_flatten, float out[NN_IMAGE_PIXELS], NnPreprocessInfo *info,
            GError **error)
{
  GreyStats st;
  grey_stats (grey, width, height, stride, &st);
  if (background == NN_BACKGROUND_AUTO)
    background = decide_background (&st, width, height);

  /* A photo or scan: the paper along the border is not one level (sensor noise,
   * a lighting gradient), as it is on a canvas. Measured on the paper's side of
   * the border band's median, so that a digit running into the border does not
   * count. Photos take the road of nn-photo.c: lighting divided out, ruled lines
   * and specks removed, then the steps below on the digit's ink. */
  int paper_spread = background == NN_BACKGROUND_LIGHT ? st.border_p[3] - st.border_median
                                                       : st.border_median - st.border_p[0];
  if (may_flatten && paper_spread >= PHOTO_SPREAD && width >= 32 && height >= 32)
    {
      g_autofree guint8 *ink = nn_photo_ink (grey, width, height, stride,
                                             background == NN_BACKGROUND_LIGHT);
      if (!preprocess (ink, width, height, width, NN_BACKGROUND_DARK, FALSE, out, info, error))
        return FALSE;
      if (info)
        {
          info->background = background;
          info->flattened = TRUE;
        }
      return TRUE;
    }

  /* How uneven the background is along the border, from the paper side of the
   * band's levels, so a digit that runs into the border does not count. */
  int spread = background == NN_BACKGROUND_LIGHT ? st.border_p[3] - st.border_p[1]
                                                 : st.border_p[2] - st.border_p[0];
  if (may_flatten && spread > UNEVEN_BORDER && width >= 32 && height >= 32)
    {
      g_autofree guint8 *ink = flatten_background (grey, width, height, stride,
                                                   background == NN_BACKGROUND_LIGHT);
      if (!preprocess (ink, width, height, width, NN_BACKGROUND_DARK, FALSE, out, info, error))
        return FALSE;
      if (info)
        {
          info->background = background;
          info->flattened = TRUE;
        }
      return TRUE;
    }

  /* 1-2: ink levels, 0 at the background, 255 at the strongest ink. */
  gboolean light = background == NN_BACKGROUND_LIGHT;
  guint64 k = extreme_count (width, height);
  int lo = light ? 255 - st.border_median : st.border_median;
  int hi = light ? 255 - dark_extreme (st.hist, k) : light_extreme (st.hist, k);
  if (hi - lo < MIN_CONTRAST)
    return nothing_drawn (error, "no ink stands out from the background");
  guint8 lut[256];
  for (int g = 0; g < 256; g++)
    {
      double t = ((light ? 255 - g : g) - lo) / (double) (hi - lo);
      t = (t - INK_FLOOR) / (1.0 - INK_FLOOR);
      lut[g] = (guint8) lround (CLAMP (t, 0.0, 1.0) * 255.0);
    }

  /* 3: row and column profiles of the ink. */
  guint32 *rows = g_new0 (guint32, (size_t) height + (size_t) width);
  guint32 *cols = rows + height;
  guint64 total = 0;
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = grey + (size_t) y * stride;
      guint32 rs = 0;
      for (int x = 0; x < width; x++)
        {
          guint32 v = lut[p[x]];
          rs += v;
          cols[x] += v;
        }
      rows[y] = rs;
      total += rs;
    }
  if (total == 0)
    {
      g_free (rows);
      return nothing_drawn (error, "no ink found");
    }
  guint64 budget = (guint64) (total * TRIM_SHARE);
  int y0 = trim_low (rows, height, budget), y1 = trim_high (rows, height, budget) + 1;
  int x0 = trim_low (cols, width, budget), x1 = trim_high (cols, width, budget) + 1;
  int bw = x1 - x0, bh = y1 - y0, side = MAX (bw, bh);
  double mass = total / 255.0;
  int min_side = MAX (2, MAX (width, height) / 64); /* 8 px on a 560 canvas */
  if (side < min_side)
    {
      g_free (rows);
      return nothing_drawn (error, "only a dot");
    }
  if (mass < MIN_MASS_PER_SIDE * side)
    {
      g_free (rows);
      return nothing_drawn (error, "only a few stray pixels");
    }

  /* Centre of mass of the box, in source pixel-centre coordinates. */
  double sx = 0, sy = 0, mx = 0, my = 0;
  for (int x = x0; x < x1; x++)
    sx += cols[x] * (x - x0 + 0.5), mx += cols[x];
  for (int y = y0; y < y1; y++)
    sy += rows[y] * (y - y0 + 0.5), my += rows[y];
  g_free (rows);
  double cx = sx / MAX (mx, 1.0), cy = sy / MAX (my, 1.0);

  /* 5, decided before 4: the longer side spans exactly 20 whole pixels, like
   * MNIST's 20 x 20 box, shifted by whole pixels so the centre of mass lands
   * within half a pixel of (14, 14), and never past the field's edge. */
  double s = (double) TARGET_SIDE / side;
  int offx = (int) lround (CENTRE + 0.5 - cx * s);
  int offy = (int) lround (CENTRE + 0.5 - cy * s);
  offx = CLAMP (offx, 0, (int) floor (NN_IMAGE_SIDE - bw * s + 1e-9));
  offy = CLAMP (offy, 0, (int) floor (NN_IMAGE_SIDE - bh * s + 1e-9));

  /* 4: separable area averaging. */
  size_t nweights = ((size_t) bw + (size_t) bh) * MAX_SPAN;
  float *wbuf = g_new (float, nweights + (size_t) bh * NN_IMAGE_SIDE);
  int *ibuf = g_new (int, 2 * ((size_t) bw + (size_t) bh));
  float *wx = wbuf, *wy = wbuf + (size_t) bw * MAX_SPAN;
  float *tmp = wy + (size_t) bh * MAX_SPAN; // (bh, 28)
  int *fx = ibuf, *cxn = fx + bw, *fy = cxn + bw, *cyn = fy + bh;
  axis_weights (bw, s, offx, fx, cxn, wx);
  axis_weights (bh, s, offy, fy, cyn, wy);
  memset (tmp, 0, sizeof (float) * (size_t) bh * NN_IMAGE_SIDE);
  for (int r = 0; r < bh; r++)
    {
      const guint8 *p = grey + (size_t) (y0 + r) * stride + x0;
      float *t = tmp + (size_t) r * NN_IMAGE_SIDE;
      for (int i = 0; i < bw; i++)
        {
          guint8 v = lut[p[i]];
          if (v == 0)
            continue;
          const float *w = wx + (size_t) i * MAX_SPAN;
          for (int c = 0; c < cxn[i]; c++)
            t[fx[i] + c] += v * w[c];
        }
    }
  float field[NN_IMAGE_PIXELS] = { 0 }; // (28, 28)
  for (int r = 0; r < bh; r++)
    {
      const float *t = tmp + (size_t) r * NN_IMAGE_SIDE;
      const float *w = wy + (size_t) r * MAX_SPAN;
      for (int c = 0; c < cyn[r]; c++)
        {
          float *o = field + (size_t) (fy[r] + c) * NN_IMAGE_SIDE;
          for (int j = 0; j < NN_IMAGE_SIDE; j++)
            o[j] += w[c] * t[j];
        }
    }
  g_free (wbuf);
  g_free (ibuf);

  /* Thin strokes come out faint after a large reduction, while MNIST's
   * strokes are saturated: scale so the strongest pixel is full ink. */
  float peak = 0;
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    peak = MAX (peak, field[i]);
  if (peak <= 0)
    return nothing_drawn (error, "no ink found");
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    out[i] = MIN (field[i] / peak, 1.0f);
  if (info)
    *info = (NnPreprocessInfo) { .background = background, .flattened = FALSE,
                                 .x0 = x0, .y0 = y0, .x1 = x1, .y1 = y1,
                                 .scale = s, .off_x = offx, .off_y = offy };
  return TRUE;
}

gboolean
nn_preprocess_digit (const guint8 *grey, int width, int height, int stride,
                     NnBackground background, float out[NN_IMAGE_PIXELS], GError **error)
{
  g_return_val_if_fail (grey != NULL && out != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0 && stride >= width, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return preprocess (grey, width, height, stride, background, TRUE, out, NULL, error);
}

gboolean
nn_preprocess_digit_info (const guint8 *grey, int width, int height, int stride,
                          NnBackground background, float out[NN_IMAGE_PIXELS],
                          NnPreprocessInfo *info, GError **error)
{
  g_return_val_if_fail (grey != NULL && out != NULL && info != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0 && stride >= width, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return preprocess (grey, width, height, stride, background, TRUE, out, info, error);
}
