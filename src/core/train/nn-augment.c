/* nn-augment.c: per-image random warps and degradations for training. */
#include "nn-augment.h"
#include "nn-train-rng.h"

#include <math.h>
#include <string.h>

#define S 28
#define NPIX (S * S)

gboolean
nn_augment_enabled (const NnAugmentConfig *c)
{
  return c && (c->rotation > 0 || c->translation > 0 || c->zoom > 0 || c->elastic_p > 0
               || c->thicken_p > 0 || c->thin_p > 0 || c->blur_p > 0 || c->noise_p > 0);
}

/* Bilinear sample at (y, x), black outside the image. */
static inline float
sample (const float *src, float y, float x)
{
  if (y <= -1.0f || x <= -1.0f || y >= S || x >= S)
    return 0.0f;
  int y0 = (int) floorf (y), x0 = (int) floorf (x);
  float fy = y - y0, fx = x - x0;
  float v00 = 0, v01 = 0, v10 = 0, v11 = 0;
  gboolean y0ok = y0 >= 0, y1ok = y0 + 1 < S, x0ok = x0 >= 0, x1ok = x0 + 1 < S;
  if (y0ok && x0ok) v00 = src[y0 * S + x0];
  if (y0ok && x1ok) v01 = src[y0 * S + x0 + 1];
  if (y1ok && x0ok) v10 = src[(y0 + 1) * S + x0];
  if (y1ok && x1ok) v11 = src[(y0 + 1) * S + x0 + 1];
  return (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
}

void
nn_augment_affine (float *dst, const float *src, float angle_rad, float scale,
                   float dx, float dy)
{
  // Output pixel p maps back to source c + R^-1 (p - c - d) / scale.
  const float c = (S - 1) * 0.5f;
  const float cs = cosf (angle_rad) / scale, sn = sinf (angle_rad) / scale;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float u = x - c - dx, v = y - c - dy;
        float sx = cs * u + sn * v + c;
        float sy = -sn * u + cs * v + c;
        dst[y * S + x] = sample (src, sy, sx);
      }
}

/* Grey dilation with a k x k square anchored at k / 2, as cv2.dilate does. */
void
nn_augment_dilate (float *dst, const float *src, int k)
{
  const int a = k / 2;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float m = 0.0f;
        for (int i = 0; i < k; i++)
          {
            int yy = y + i - a;
            if (yy < 0 || yy >= S)
              continue;
            for (int j = 0; j < k; j++)
              {
                int xx = x + j - a;
                if (xx >= 0 && xx < S && src[yy * S + xx] > m)
                  m = src[yy * S + xx];
              }
          }
        dst[y * S + x] = m;
      }
}

void
nn_augment_erode (float *dst, const float *src, int k)
{
  const int a = k / 2;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float m = 1.0f;
        for (int i = 0; i < k; i++)
          {
            int yy = CLAMP (y + i - a, 0, S - 1);
            for (int j = 0; j < k; j++)
              {
                int xx = CLAMP (x + j - a, 0, S - 1);
                m = MIN (m, src[yy * S + xx]);
              }
          }
        dst[y * S + x] = m;
      }
}

static int
reflect (int i)
{
  // scipy 'reflect' (d c b a | a b c d | d c b a), enough for radii < 28
  while (i < 0 || i >= S)
    i = i < 0 ? -i - 1 : 2 * S - i - 1;
  return i;
}

/* Separable Gaussian, truncate 4 sigma, mode reflect (scipy's defaults). */
void
nn_augment_blur (float *img, float sigma)
{
  if (sigma <= 0.0f)
    return;
  int r = (int) (4.0f * sigma + 0.5f);
  r = MIN (r, 3 * S);
  float w[2 * 3 * S + 1], tmp[NPIX], sum = 0.0f;
  for (int i = -r; i <= r; i++)
    sum += w[i + r] = expf (-0.5f * i * i / (sigma * sigma));
  for (int i = 0; i <= 2 * r; i++)
    w[i] /= sum;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float acc = 0.0f;
        for (int i = -r; i <= r; i++)
          acc += w[i + r] * img[y * S + reflect (x + i)];
        tmp[y * S + x] = acc;
      }
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float acc = 0.0f;
        for (int i = -r; i <= r; i++)
          acc += w[i + r] * tmp[reflect (y + i) * S + x];
        img[y * S + x] = acc;
      }
}

static void
elastic (float *dst, const float *src, NnTrainRng *rng, float alpha, float sigma)
{
  float fx[NPIX], fy[NPIX];
  for (int i = 0; i < NPIX; i++)
    {
      fx[i] = (float) nn_train_rng_range (rng, -1.0, 1.0);
      fy[i] = (float) nn_train_rng_range (rng, -1.0, 1.0);
    }
  nn_augment_blur (fx, sigma);
  nn_augment_blur (fy, sigma);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      dst[y * S + x] = sample (src, y + alpha * fy[y * S + x], x + alpha * fx[y * S + x]);
}

void
nn_augment_image (const NnAugmentConfig *c, float *img, guint64 seed, guint64 epoch,
                  guint64 index)
{
  NnTrainRng rng = nn_train_rng_derive (seed, epoch, index);
  float tmp[NPIX];

  if (c->rotation > 0 || c->translation > 0 || c->zoom > 0)
    {
      float angle = (float) nn_train_rng_range (&rng, -1.0, 1.0) * c->rotation * 2.0f * (float) G_PI;
      float scale = 1.0f + (float) nn_train_rng_range (&rng, -1.0, 1.0) * c->zoom;
      float dx = (float) nn_train_rng_range (&rng, -1.0, 1.0) * c->translation * S;
      float dy = (float) nn_train_rng_range (&rng, -1.0, 1.0) * c->translation * S;
      nn_augment_affine (tmp, img, angle, scale, dx, dy);
      memcpy (img, tmp, sizeof tmp);
    }
  if (c->elastic_p > 0 && nn_train_rng_uniform (&rng) < c->elastic_p)
    {
      elastic (tmp, img, &rng, c->elastic_alpha, c->elastic_sigma);
      memcpy (img, tmp, sizeof tmp);
    }
  // Thickening and thinning exclude each other.
  double u = nn_train_rng_uniform (&rng);
  if (u < c->thicken_p)
    {
      int k = 2 + (int) nn_train_rng_below (&rng, (guint32) MAX (c->thicken_max - 1, 1));
      nn_augment_dilate (tmp, img, k);
      memcpy (img, tmp, sizeof tmp);
    }
  else if (u < c->thicken_p + c->thin_p)
    {
      nn_augment_erode (tmp, img, 2);
      memcpy (img, tmp, sizeof tmp);
    }
  if (c->blur_p > 0 && nn_train_rng_uniform (&rng) < c->blur_p)
    nn_augment_blur (img, (float) nn_train_rng_range (&rng, 0.5, MAX (c->blur_max, 0.5f)));
  if (c->noise_p > 0 && nn_train_rng_uniform (&rng) < c->noise_p)
    {
      float sigma = (float) nn_train_rng_range (&rng, 0.0, c->noise_max);
      for (int i = 0; i < NPIX; i++)
        img[i] += sigma * (float) nn_train_rng_normal (&rng);
    }
  // Interpolation rounding can step a hair outside [0, 1]; inputs never do.
  for (int i = 0; i < NPIX; i++)
    img[i] = CLAMP (img[i], 0.0f, 1.0f);
}

void
nn_augment_batch (const NnAugmentConfig *c, float *images, int n, guint64 seed,
                  guint64 epoch, guint64 first_index)
{
  g_return_if_fail (c != NULL && images != NULL);
  if (!nn_augment_enabled (c))
    return;
  for (int i = 0; i < n; i++)
    nn_augment_image (c, images + (size_t) i * NPIX, seed, epoch, first_index + (guint64) i);
}
