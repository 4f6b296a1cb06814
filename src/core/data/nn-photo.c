/* nn-photo.c: a photo or scan of a digit on paper, reduced to the digit's ink.
 *
 * A phone photo of paper is not a drawing: the light falls off across the page
 * and into the corners, the paper is tinted, a notebook's ruled lines or squares
 * cross it, the sensor adds noise and JPEG its blocks. Before the MNIST-style
 * steps of nn-preprocess.c see it:
 *
 *   1. the paper's level, estimated on a coarse grid (in each cell the level
 *      most of its pixels reach; then a closing over 3 x 3 cells, wider than any
 *      stroke, and a blur), interpolated bilinearly; ink = 1 - grey / paper, as
 *      the lighting multiplies the paper's reflectance (on a dark board, where
 *      the ink is light, the difference);
 *   2. the noise, from the spread of the paper's ink values (their median
 *      absolute deviation): ink must stand several noise levels above the paper
 *      and a share of the strongest ink above it;
 *   3. ruled lines: ink pixels on a long horizontal (vertical) run that is thin
 *      there vertically (horizontally) become paper, so that a stroke crossing
 *      a line keeps its pixels;
 *   4. the digit: the 8-connected piece holding the most ink, with the pieces
 *      near it that hold a fair share of ink (a digit drawn in two strokes);
 *      every other pixel becomes paper, so specks and stains are gone.
 */
#include "nn-photo-private.h"

#include <math.h>
#include <string.h>

#define CELLS 16           /* background cells along the shorter side */
#define PAPER_RANK 0.8     /* a cell's paper level: this share of its pixels are as dark or darker */
#define NOISE_K 4.0        /* ink stands this many noise deviations above the paper ... */
#define INK_SHARE 0.3      /* ... and this share of the strongest ink */
#define MIN_CONTRAST 40    /* ink levels (of 255) between the paper and the strongest ink */
#define LINE_RUN 0.3       /* a ruled line runs over this share of the picture's width */
#define LINE_THIN 120      /* and is at most side / LINE_THIN px thick (at least 5) */
#define NEAR 0.25          /* pieces this close (a share of the digit's size) join it ... */
#define MIN_PIECE 0.02     /* ... when they hold this share of its ink */

/* The level that at least rank of the n pixels of hist reach or stay under. */
static int
rank_level (const guint32 *hist, int levels, guint64 k)
{
  guint64 cum = 0;
  for (int v = 0; v < levels; v++)
    if ((cum += hist[v]) >= k)
      return v;
  return levels - 1;
}

/* 3 x 3 maximum (or minimum, or mean) of a grid, the border cells clamped. */
static void
grid_filter (const float *in, float *out, int nx, int ny, int op)
{
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++)
      {
        float acc = in[y * nx + x];
        int n = 0;
        if (op == 2)
          acc = 0;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              float v = in[CLAMP (y + dy, 0, ny - 1) * nx + CLAMP (x + dx, 0, nx - 1)];
              acc = op == 0 ? MAX (acc, v) : op == 1 ? MIN (acc, v) : acc + v;
              n++;
            }
        out[y * nx + x] = op == 2 ? acc / n : acc;
      }
}

/* Step 1: ink in levels of 255 (negative where lighter than the paper). */
static gint16 *
divide_lighting (const guint8 *grey, int width, int height, int stride, gboolean light)
{
  int cs = MAX (8, MIN (width, height) / CELLS);
  int nx = (width + cs - 1) / cs, ny = (height + cs - 1) / cs;
  g_autofree float *cell = g_new (float, (size_t) nx * ny);
  g_autofree float *tmp = g_new (float, (size_t) nx * ny);
  g_autofree float *rowbg = g_new (float, nx);
  g_autofree int *ci = g_new (int, width);
  g_autofree float *ct = g_new (float, width);
  gint16 *ink = g_new (gint16, (size_t) width * height);

  for (int cy = 0; cy < ny; cy++)
    for (int cx = 0; cx < nx; cx++)
      {
        guint32 hist[256] = { 0 };
        int x0 = cx * cs, x1 = MIN (width, x0 + cs), y0 = cy * cs, y1 = MIN (height, y0 + cs);
        for (int y = y0; y < y1; y++)
          for (int x = x0; x < x1; x++)
            {
              guint8 g = grey[(size_t) y * stride + x];
              hist[light ? g : 255 - g]++;
            }
        cell[cy * nx + cx] = rank_level (hist, 256,
                                        MAX (1, (guint64) ((x1 - x0) * (y1 - y0) * PAPER_RANK)));
      }
  /* Closing (the paper is the light side): cells that a stroke fills take their
   * neighbours' level, and the blur smooths the steps between cells. */
  grid_filter (cell, tmp, nx, ny, 0);
  grid_filter (tmp, cell, nx, ny, 1);
  grid_filter (cell, tmp, nx, ny, 2);

  for (int x = 0; x < width; x++)
    {
      float fx = CLAMP ((x + 0.5f) / cs - 0.5f, 0.0f, nx - 1.0f);
      ci[x] = MIN ((int) fx, MAX (nx - 2, 0));
      ct[x] = nx > 1 ? fx - ci[x] : 0.0f;
    }
  for (int y = 0; y < height; y++)
    {
      float fy = CLAMP ((y + 0.5f) / cs - 0.5f, 0.0f, ny - 1.0f);
      int j0 = (int) fy, j1 = MIN (j0 + 1, ny - 1);
      float u = fy - j0;
      for (int i = 0; i < nx; i++)
        rowbg[i] = tmp[j0 * nx + i] * (1 - u) + tmp[j1 * nx + i] * u;
      const guint8 *p = grey + (size_t) y * stride;
      gint16 *o = ink + (size_t) y * width;
      for (int x = 0; x < width; x++)
        {
          int i0 = ci[x], i1 = MIN (i0 + 1, nx - 1);
          float bg = MAX (rowbg[i0] + (rowbg[i1] - rowbg[i0]) * ct[x], 1.0f);
          /* Light paper reflects the light that falls on it: divide. A dark board
           * (or a picture whose polarity is a guess) is too dark to divide by. */
          float v = light ? 255.0f * (1.0f - p[x] / bg) : bg - (255 - p[x]);
          o[x] = (gint16) lrintf (CLAMP (v, -255.0f, 255.0f));
        }
    }
  return ink;
}

/* Step 3 along rows (transposed: along columns, with step and thickness swapped):
 * n_lines lines of `len` pixels at `step` apart within a line; `across` is the
 * stride between neighbours across it. Marks line pixels in `line`. */
static void
find_lines (const guint8 *mask, guint8 *line, int n_lines, int len, int along, int across,
            int thin)
{
  int gap = MAX (2, thin / 2), min_run = (int) (LINE_RUN * len);

  for (int l = 0; l < n_lines; l++)
    {
      size_t base = (size_t) l * across;
      int x = 0;
      while (x < len)
        {
          if (!mask[base + (size_t) x * along])
            {
              x++;
              continue;
            }
          int start = x, last = x;
          for (int y = x + 1; y < len && y - last <= gap; y++)
            if (mask[base + (size_t) y * along])
              last = y;
          if (last + 1 - start >= min_run)
            for (int y = start; y <= last; y++)
              {
                size_t p = base + (size_t) y * along;
                if (!mask[p])
                  continue;
                /* The thickness across the run at this pixel. */
                int t = 1;
                for (int k = 1; k <= thin && l - k >= 0 && mask[p - (size_t) k * across]; k++)
                  t++;
                for (int k = 1; k <= thin && l + k < n_lines && mask[p + (size_t) k * across]; k++)
                  t++;
                if (t <= thin)
                  line[p] = 1;
              }
          x = last + 1;
        }
    }
}

typedef struct {
  double mass;
  int x0, y0, x1, y1;
} Blob;

/* Step 4: labels of the pieces of mask, their mass and boxes; returns how many. */
static int
label_blobs (const guint8 *mask, const gint16 *ink, int paper, int width, int height,
             int *labels, GArray *blobs)
{
  g_autofree int *stack = g_new (int, (size_t) width * height);
  int n = 0;

  for (int start = 0; start < width * height; start++)
    {
      if (!mask[start] || labels[start] != 0)
        continue;
      Blob b = { 0, width, height, 0, 0 };
      int top = 0;
      labels[start] = ++n;
      stack[top++] = start;
      while (top > 0)
        {
          int p = stack[--top], px = p % width, py = p / width;
          b.mass += ink[p] - paper;
          b.x0 = MIN (b.x0, px), b.y0 = MIN (b.y0, py);
          b.x1 = MAX (b.x1, px + 1), b.y1 = MAX (b.y1, py + 1);
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                int qx = px + dx, qy = py + dy, q = qy * width + qx;
                if (qx < 0 || qy < 0 || qx >= width || qy >= height || !mask[q] || labels[q] != 0)
                  continue;
                labels[q] = n;
                stack[top++] = q;
              }
        }
      g_array_append_val (blobs, b);
    }
  return n;
}

/* Which pieces make the digit: keep[label]. */
static void
choose_digit (const Blob *b, int n, guint8 *keep)
{
  int main = -1;
  for (int i = 0; i < n; i++)
    if (main < 0 || b[i].mass > b[main].mass)
      main = i;
  if (main < 0)
    return;
  keep[main + 1] = 1;
  int x0 = b[main].x0, y0 = b[main].y0, x1 = b[main].x1, y1 = b[main].y1;
  for (gboolean grew = TRUE; grew;)
    {
      int reach = (int) (NEAR * MAX (x1 - x0, y1 - y0));
      grew = FALSE;
      for (int i = 0; i < n; i++)
        {
          if (keep[i + 1] || b[i].mass < MIN_PIECE * b[main].mass)
            continue;
          int gx = MAX (b[i].x0 - x1, x0 - b[i].x1), gy = MAX (b[i].y0 - y1, y0 - b[i].y1);
          if (MAX (gx, gy) > reach)
            continue;
          keep[i + 1] = 1;
          x0 = MIN (x0, b[i].x0), y0 = MIN (y0, b[i].y0);
          x1 = MAX (x1, b[i].x1), y1 = MAX (y1, b[i].y1);
          grew = TRUE;
        }
    }
}

guint8 *
nn_photo_ink (const guint8 *grey, int width, int height, int stride, gboolean light)
{
  size_t n = (size_t) width * height;
  g_autofree gint16 *ink = divide_lighting (grey, width, height, stride, light);
  guint8 *out = g_malloc0 (n);

  /* Step 2: the paper's level (the median: most of a photo is paper), its noise,
   * the strongest ink. */
  g_autofree guint32 *hist = g_new0 (guint32, 511);
  for (size_t p = 0; p < n; p++)
    hist[ink[p] + 255]++;
  int paper = rank_level (hist, 511, (n + 1) / 2) - 255;
  guint64 cum = hist[paper + 255];
  int mad = 0;
  while (cum < (n + 1) / 2 && mad < 510)
    {
      mad++;
      if (paper + mad <= 255)
        cum += hist[paper + mad + 255];
      if (paper - mad >= -255)
        cum += hist[paper - mad + 255];
    }
  double sigma = MAX (1.0, 1.4826 * mad);
  int strong = rank_level (hist, 511, n - MAX ((guint64) 1, n / 1000)) - 255;
  if (strong - paper < MIN_CONTRAST)
    return out;
  int level = paper + (int) ceil (MAX (NOISE_K * sigma, INK_SHARE * (strong - paper)));
  int faint = paper + (int) ceil (MAX (3 * sigma, 0.5 * (level - paper)));

  /* Step 3: lines found on the faint ink too, so a line that is only partly
   * above the ink level goes whole. */
  g_autofree guint8 *mask = g_malloc (n), *line = g_malloc0 (n);
  int thin = MAX (5, MIN (width, height) / LINE_THIN);
  for (size_t p = 0; p < n; p++)
    mask[p] = ink[p] >= faint;
  find_lines (mask, line, height, width, 1, width, thin);
  find_lines (mask, line, width, height, width, 1, thin);
  for (size_t p = 0; p < n; p++)
    mask[p] = ink[p] >= level && !line[p];

  /* Step 4. */
  g_autofree int *labels = g_new0 (int, n);
  g_autoptr (GArray) blobs = g_array_new (FALSE, FALSE, sizeof (Blob));
  int n_blobs = label_blobs (mask, ink, paper, width, height, labels, blobs);
  g_autofree guint8 *keep = g_malloc0 (n_blobs + 1);
  choose_digit ((const Blob *) blobs->data, n_blobs, keep);

  /* The chosen pieces with a pixel of their faint edge (anti-aliasing) around. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        size_t p = (size_t) y * width + x;
        gboolean mine = keep[labels[p]] && labels[p] != 0;
        if (ink[p] <= paper || line[p])
          continue;
        for (int dy = -1; dy <= 1 && !mine; dy++)
          for (int dx = -1; dx <= 1 && !mine; dx++)
            {
              int qx = x + dx, qy = y + dy;
              mine = qx >= 0 && qy >= 0 && qx < width && qy < height
                     && labels[(size_t) qy * width + qx] != 0
                     && keep[labels[(size_t) qy * width + qx]];
            }
        if (mine)
          out[p] = (guint8) MIN (ink[p] - paper, 255);
      }
  return out;
}
