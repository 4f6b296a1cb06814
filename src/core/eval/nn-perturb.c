/* nn-perturb.c: noise, blur, rotation, shift and thickening, as scipy and OpenCV do them.
 * See nn-perturb.h for the exact definitions these follow. */
#include "nn-perturb.h"

#include <math.h>
#include <string.h>

#define MAX_RADIUS 64

const char *
nn_perturb_kind_name (NnPerturbKind kind)
{
  static const char *const names[NN_PERTURB_N_KINDS] = {
    "clean", "noise", "blur", "rotation", "shift", "thickening",
  };

  g_return_val_if_fail (kind >= 0 && kind < NN_PERTURB_N_KINDS, "?");
  return names[kind];
}

const char *
nn_perturb_kind_unit (NnPerturbKind kind)
{
  static const char *const units[NN_PERTURB_N_KINDS] = { "", "σ", "σ", "°", "px", "k" };

  g_return_val_if_fail (kind >= 0 && kind < NN_PERTURB_N_KINDS, "");
  return units[kind];
}

char *
nn_perturbation_describe (const NnPerturbation *p)
{
  g_return_val_if_fail (p != NULL, NULL);

  switch (p->kind)
    {
    case NN_PERTURB_CLEAN:
      return g_strdup ("clean");
    case NN_PERTURB_NOISE:
      return g_strdup_printf ("noise σ=%.2f", p->severity);
    case NN_PERTURB_BLUR:
      return g_strdup_printf ("blur σ=%.1f", p->severity);
    case NN_PERTURB_ROTATION:
      return g_strdup_printf ("rotation %g°", p->severity);
    case NN_PERTURB_SHIFT:
      return g_strdup_printf ("shift (%g, %g)", p->severity, p->severity);
    case NN_PERTURB_THICKEN:
      return g_strdup_printf ("thickening k=%d", (int) p->severity);
    case NN_PERTURB_N_KINDS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

const NnPerturbation *
nn_perturbation_standard_set (int *n_out)
{
  static const NnPerturbation set[] = {
    { NN_PERTURB_CLEAN, 0 },
    { NN_PERTURB_NOISE, 0.05 }, { NN_PERTURB_NOISE, 0.10 },
    { NN_PERTURB_NOISE, 0.20 }, { NN_PERTURB_NOISE, 0.30 },
    { NN_PERTURB_BLUR, 0.8 }, { NN_PERTURB_BLUR, 1.2 }, { NN_PERTURB_BLUR, 1.6 },
    { NN_PERTURB_ROTATION, 10 }, { NN_PERTURB_ROTATION, 15 }, { NN_PERTURB_ROTATION, 20 },
    { NN_PERTURB_SHIFT, 2 }, { NN_PERTURB_SHIFT, 3 },
    { NN_PERTURB_THICKEN, 2 }, { NN_PERTURB_THICKEN, 3 }, { NN_PERTURB_THICKEN, 4 },
  };

  if (n_out != NULL)
    *n_out = G_N_ELEMENTS (set);
  return set;
}

/* ---- noise -------------------------------------------------------------------- */

/* splitmix64 seeds xoshiro256**: small, fast, and the same on every machine. */
static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline guint64
rotl64 (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
xoshiro_next (guint64 s[4])
{
  guint64 result = rotl64 (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64 (s[3], 45);
  return result;
}

/* Uniform in (0, 1]: never 0, so the logarithm below is finite. */
static double
uniform_open0 (guint64 s[4])
{
  return ((xoshiro_next (s) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

void
nn_perturb_noise (float *out, const float *in, int h, int w, double sigma, guint64 seed)
{
  guint64 s[4], sm = seed;
  int n = h * w;

  g_return_if_fail (out != NULL && in != NULL && h > 0 && w > 0);
  for (int i = 0; i < 4; i++)
    s[i] = splitmix64 (&sm);

  /* Box-Muller gives two normal deviates per pair of uniforms. */
  for (int i = 0; i < n; i += 2)
    {
      double r = sqrt (-2.0 * log (uniform_open0 (s)));
      double t = 2.0 * G_PI * uniform_open0 (s);
      double z[2] = { r * cos (t), r * sin (t) };

      for (int j = 0; j < 2 && i + j < n; j++)
        {
          float v = in[i + j] + (float) (sigma * z[j]);
          out[i + j] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
    }
}

/* ---- blur --------------------------------------------------------------------- */

int
nn_gaussian_kernel1d (double sigma, double *taps, int max_taps)
{
  int radius = (int) (4.0 * sigma + 0.5);
  double sum = 0.0;

  g_return_val_if_fail (sigma > 0.0 && taps != NULL, 0);
  g_return_val_if_fail (2 * radius + 1 <= max_taps, 0);

  for (int x = -radius; x <= radius; x++)
    {
      taps[x + radius] = exp (-0.5 / (sigma * sigma) * (double) x * x);
      sum += taps[x + radius];
    }
  for (int i = 0; i < 2 * radius + 1; i++)
    taps[i] /= sum;
  return radius;
}

/* scipy's 'reflect': half-sample symmetric, repeated for kernels longer than the
 * line, so the extension has period 2n: d c b a | a b c d | d c b a | ... */
static inline int
reflect_index (int i, int n)
{
  int period = 2 * n;

  i %= period;
  if (i < 0)
    i += period;
  return i < n ? i : period - 1 - i;
}

/* One axis of gaussian_filter: out[i] = sum_k taps[k] in[i + k - radius] along a
 * line of n values spaced `step` apart, accumulated in double. The kernel is
 * symmetric, so correlation and convolution agree. */
static void
blur_line (float *out, const float *in, int n, int step, const double *taps, int radius)
{
  for (int i = 0; i < n; i++)
    {
      double acc = 0.0;

      for (int k = -radius; k <= radius; k++)
        acc += taps[k + radius] * in[(size_t) reflect_index (i + k, n) * step];
      out[(size_t) i * step] = (float) acc;
    }
}

void
nn_perturb_blur (float *out, const float *in, int h, int w, double sigma)
{
  double taps[2 * MAX_RADIUS + 1];
  float stack_tmp[32 * 32];
  float *tmp;
  int radius;

  g_return_if_fail (out != NULL && in != NULL && out != in && h > 0 && w > 0);
  g_return_if_fail (sigma > 0.0 && sigma <= (MAX_RADIUS - 0.5) / 4.0);

  radius = nn_gaussian_kernel1d (sigma, taps, G_N_ELEMENTS (taps));
  tmp = (size_t) h * w <= G_N_ELEMENTS (stack_tmp) ? stack_tmp : g_new (float, (size_t) h * w);

  /* Axis 0 (down each column) into tmp, then axis 1 (along each row): scipy's
   * order, with its float32 intermediate. */
  for (int c = 0; c < w; c++)
    blur_line (tmp + c, in + c, h, w, taps, radius);
  for (int r = 0; r < h; r++)
    blur_line (out + (size_t) r * w, tmp + (size_t) r * w, w, 1, taps, radius);

  if (tmp != stack_tmp)
    g_free (tmp);
}

/* ---- rotation and shift ------------------------------------------------------- */

/* Bilinear sample at (y, x) with mode 'nearest': coordinates outside the image
 * are clamped to its edge first, as scipy's order-1 spline does. */
static inline double
sample_bilinear_nearest (const float *in, int h, int w, double y, double x)
{
  int y0, x0, y1, x1;
  double ty, tx;

  y = CLAMP (y, 0.0, (double) (h - 1));
  x = CLAMP (x, 0.0, (double) (w - 1));
  y0 = (int) floor (y);
  x0 = (int) floor (x);
  ty = y - y0;
  tx = x - x0;
  y1 = MIN (y0 + 1, h - 1);
  x1 = MIN (x0 + 1, w - 1);
  return (1.0 - ty) * ((1.0 - tx) * in[(size_t) y0 * w + x0] + tx * in[(size_t) y0 * w + x1])
         + ty * ((1.0 - tx) * in[(size_t) y1 * w + x0] + tx * in[(size_t) y1 * w + x1]);
}

void
nn_perturb_rotate (float *out, const float *in, int h, int w, double degrees)
{
  double a = degrees * (G_PI / 180.0);
  double c = cos (a), s = sin (a);
  double cr = (h - 1) / 2.0, cc = (w - 1) / 2.0;

  g_return_if_fail (out != NULL && in != NULL && out != in && h > 0 && w > 0);

  /* scipy's matrix [[c, s], [-s, c]] maps output (row, col) to input (row, col)
   * about the centre ((H-1)/2, (W-1)/2). */
  for (int r = 0; r < h; r++)
    for (int col = 0; col < w; col++)
      {
        double dy = r - cr, dx = col - cc;
        double y = c * dy + s * dx + cr;
        double x = -s * dy + c * dx + cc;
        out[(size_t) r * w + col] = (float) sample_bilinear_nearest (in, h, w, y, x);
      }
}

void
nn_perturb_shift (float *out, const float *in, int h, int w, double dy, double dx)
{
  g_return_if_fail (out != NULL && in != NULL && out != in && h > 0 && w > 0);

  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      out[(size_t) r * w + c] = (float) sample_bilinear_nearest (in, h, w, r - dy, c - dx);
}

/* ---- thickening --------------------------------------------------------------- */

void
nn_perturb_dilate_u8 (guint8 *out, const guint8 *in, int h, int w, int k)
{
  int a = k / 2; /* OpenCV's default anchor */

  g_return_if_fail (out != NULL && in != NULL && out != in && h > 0 && w > 0 && k >= 1);

  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        /* The window rows r - a .. r - a + k - 1, clipped: outside pixels are
         * ignored, as cv2.dilate's default border value does. */
        int r0 = MAX (r - a, 0), r1 = MIN (r - a + k - 1, h - 1);
        int c0 = MAX (c - a, 0), c1 = MIN (c - a + k - 1, w - 1);
        guint8 m = 0;

        for (int y = r0; y <= r1; y++)
          for (int x = c0; x <= c1; x++)
            m = MAX (m, in[(size_t) y * w + x]);
        out[(size_t) r * w + c] = m;
      }
}

void
nn_perturb_thicken (float *out, const float *in, int h, int w, int k)
{
  guint8 stack_buf[2 * 32 * 32];
  guint8 *u8, *dil;
  size_t n = (size_t) h * w;

  g_return_if_fail (out != NULL && in != NULL && h > 0 && w > 0 && k >= 1);

  u8 = 2 * n <= sizeof stack_buf ? stack_buf : g_new (guint8, 2 * n);
  dil = u8 + n;
  for (size_t i = 0; i < n; i++)
    u8[i] = (guint8) lrintf (CLAMP (in[i], 0.0f, 1.0f) * 255.0f);
  nn_perturb_dilate_u8 (dil, u8, h, w, k);
  for (size_t i = 0; i < n; i++)
    out[i] = dil[i] / 255.0f;
  if (u8 != stack_buf)
    g_free (u8);
}

void
nn_perturbation_apply (const NnPerturbation *p, float *out, const float *in, int h, int w,
                       guint64 seed)
{
  g_return_if_fail (p != NULL && out != NULL && in != NULL && out != in);

  switch (p->kind)
    {
    case NN_PERTURB_CLEAN:
      memcpy (out, in, (size_t) h * w * sizeof (float));
      break;
    case NN_PERTURB_NOISE:
      nn_perturb_noise (out, in, h, w, p->severity, seed);
      break;
    case NN_PERTURB_BLUR:
      nn_perturb_blur (out, in, h, w, p->severity);
      break;
    case NN_PERTURB_ROTATION:
      nn_perturb_rotate (out, in, h, w, p->severity);
      break;
    case NN_PERTURB_SHIFT:
      nn_perturb_shift (out, in, h, w, p->severity, p->severity);
      break;
    case NN_PERTURB_THICKEN:
      nn_perturb_thicken (out, in, h, w, (int) p->severity);
      break;
    case NN_PERTURB_N_KINDS:
    default:
      g_return_if_reached ();
    }
}
