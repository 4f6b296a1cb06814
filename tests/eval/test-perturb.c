/* The robustness perturbations against values worked out by hand.
 *
 * The Gaussian taps below are exp(-x^2 / (2 sigma^2)) normalised over
 * x = -r..r with r = int(4 sigma + 0.5), to 9 decimals:
 *   sigma 0.8, r 3: 0.498676452 0.228310716 0.021910314 0.000440743
 *   sigma 1.6, r 6: 0.249348081 0.205108137 0.114159870 0.042993001
 *                   0.010955590 0.001888981 0.000220380
 */
#include <math.h>
#include <string.h>
#include <glib.h>

#include "nn-perturb.h"

static const double k08[4] = { 0.498676452, 0.228310716, 0.021910314, 0.000440743 };
static const double k16[7] = { 0.249348081, 0.205108137, 0.114159870, 0.042993001,
                               0.010955590, 0.001888981, 0.000220380 };

static void
assert_image (const float *got, const float *want, int n, double tol)
{
  for (int i = 0; i < n; i++)
    if (fabs (got[i] - want[i]) > tol)
      g_error ("pixel %d: got %.9f, want %.9f", i, got[i], want[i]);
}

static void
test_kernel (void)
{
  double taps[64];
  int r = nn_gaussian_kernel1d (0.8, taps, 64);

  g_assert_cmpint (r, ==, 3);
  for (int i = 0; i <= 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (taps[3 + i], k08[i], 1e-9);
      g_assert_cmpfloat_with_epsilon (taps[3 - i], k08[i], 1e-9);
    }
  g_assert_cmpint (nn_gaussian_kernel1d (1.2, taps, 64), ==, 5); /* int(4.8 + 0.5) */
  g_assert_cmpint (nn_gaussian_kernel1d (1.6, taps, 64), ==, 6); /* int(6.4 + 0.5) */
}

/* A delta far from the border blurs into the outer product of the taps. */
static void
test_blur_delta (void)
{
  float in[15 * 15] = { 0 }, out[15 * 15], want[15 * 15] = { 0 };

  in[7 * 15 + 7] = 1.0f;
  nn_perturb_blur (out, in, 15, 15, 1.6);
  for (int r = 1; r <= 13; r++)
    for (int c = 1; c <= 13; c++)
      want[r * 15 + c] = (float) (k16[abs (r - 7)] * k16[abs (c - 7)]);
  assert_image (out, want, 15 * 15, 2e-8);
  g_assert_cmpfloat_with_epsilon (out[7 * 15 + 7], 0.249348081 * 0.249348081, 1e-8);
}

/* 'reflect' mirrors about the edge between pixels: d c b a | a b c d. On a
 * 1 x 3 row [1 0 0] with sigma 0.8 (r 3), the taps that land on pixel 0 are:
 *   out[0]: offsets -1 (index -1 -> 0) and 0:                  k1 + k0
 *   out[1]: offsets -2 (index -1 -> 0) and -1:                 k2 + k1
 *   out[2]: offsets -3 (index -1 -> 0), -2, and +3 (index 5 -> 0): k3 + k2 + k3
 * The single row is its own reflection along axis 0, so that pass is identity. */
static void
test_blur_reflect (void)
{
  const float in[3] = { 1, 0, 0 };
  float out[3];
  const float want[3] = { (float) (k08[1] + k08[0]), (float) (k08[2] + k08[1]),
                          (float) (2 * k08[3] + k08[2]) };
  float flat[6 * 5], flat_out[6 * 5];

  nn_perturb_blur (out, in, 1, 3, 0.8);
  assert_image (out, want, 3, 1e-8);

  /* A constant image stays constant: reflection never reads outside values. */
  for (int i = 0; i < 30; i++)
    flat[i] = 0.625f;
  nn_perturb_blur (flat_out, flat, 6, 5, 1.6);
  for (int i = 0; i < 30; i++)
    g_assert_cmpfloat_with_epsilon (flat_out[i], 0.625, 1e-6);
}

/* Rotation about ((H-1)/2, (W-1)/2), counter-clockwise as displayed. */
static void
test_rotate (void)
{
  float in[5 * 5] = { 0 }, out[5 * 5];
  float even[4 * 4] = { 0 }, even_out[4 * 4];
  float one[5 * 5];

  /* 90 degrees on 5 x 5: the top-middle pixel goes to the left-middle. */
  in[0 * 5 + 2] = 1.0f;
  nn_perturb_rotate (out, in, 5, 5, 90);
  g_assert_cmpfloat_with_epsilon (out[2 * 5 + 0], 1.0, 1e-6);
  for (int i = 0; i < 25; i++)
    if (i != 2 * 5 + 0)
      g_assert_cmpfloat_with_epsilon (out[i], 0.0, 1e-6);

  /* 4 x 4: the centre is (1.5, 1.5), between pixels; the top-left corner goes
   * to the bottom-left corner. A centre of (2, 2) would move it elsewhere. */
  even[0] = 1.0f;
  nn_perturb_rotate (even_out, even, 4, 4, 90);
  g_assert_cmpfloat_with_epsilon (even_out[3 * 4 + 0], 1.0, 1e-6);

  /* 10 degrees, bilinear: output (2, 3) samples the input at
   * (2 + sin 10, 2 + cos 10) = (2.173648, 2.984808). With a single 1 at (2, 3)
   * its weight is (1 - 0.173648) * 0.984808 = 0.813798. */
  memset (in, 0, sizeof in);
  in[2 * 5 + 3] = 1.0f;
  nn_perturb_rotate (out, in, 5, 5, 10);
  g_assert_cmpfloat_with_epsilon (out[2 * 5 + 3], 0.8137977, 1e-6);

  /* The centre pixel is a fixed point. */
  memset (in, 0, sizeof in);
  in[2 * 5 + 2] = 1.0f;
  nn_perturb_rotate (out, in, 5, 5, 15);
  g_assert_cmpfloat_with_epsilon (out[2 * 5 + 2], 1.0, 1e-6);

  /* Nearest-edge fill: a constant image stays constant even in the corners,
   * which sample outside the input. */
  for (int i = 0; i < 25; i++)
    one[i] = 0.5f;
  nn_perturb_rotate (out, one, 5, 5, 20);
  for (int i = 0; i < 25; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 0.5, 1e-6);
}

static void
test_shift (void)
{
  const float row[5] = { 0, 1, 2, 3, 4 };
  const float want2[5] = { 0, 0, 0, 1, 2 };      /* content moves right, edge repeated */
  const float want_half[5] = { 0, 0.5f, 1.5f, 2.5f, 3.5f };
  float out[5];
  float img[4 * 4] = { 0 }, img_out[4 * 4];

  nn_perturb_shift (out, row, 1, 5, 0, 2);
  assert_image (out, want2, 5, 1e-7);
  nn_perturb_shift (out, row, 1, 5, 0, 0.5);
  assert_image (out, want_half, 5, 1e-7);

  /* (2, 2): output (r, c) reads input (r - 2, c - 2) clamped to the edge. A
   * pixel on the left edge at (1, 0) moves to (3, 2), and the edge column it
   * sits in is repeated into (3, 0) and (3, 1). */
  img[1 * 4 + 0] = 1.0f;
  nn_perturb_shift (img_out, img, 4, 4, 2, 2);
  for (int i = 0; i < 16; i++)
    {
      gboolean lit = i == 3 * 4 + 0 || i == 3 * 4 + 1 || i == 3 * 4 + 2;
      g_assert_cmpfloat_with_epsilon (img_out[i], lit ? 1.0 : 0.0, 1e-7);
    }
}

/* cv2.dilate with a k x k kernel anchored at k // 2:
 *   out(r, c) = max in(r + i - k//2, c + j - k//2), 0 <= i, j < k. */
static void
test_dilate (void)
{
  guint8 in[5 * 5] = { 0 }, out[5 * 5];
  struct { int k, lo, hi; } cases[] = {
    { 2, 2, 3 }, /* offsets -1..0: the pixel spreads down and right */
    { 3, 1, 3 }, /* offsets -1..1: a centred 3 x 3 block */
    { 4, 1, 4 }, /* offsets -2..1: rows and columns 1..4 */
  };

  in[2 * 5 + 2] = 200;
  for (size_t t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      nn_perturb_dilate_u8 (out, in, 5, 5, cases[t].k);
      for (int r = 0; r < 5; r++)
        for (int c = 0; c < 5; c++)
          {
            gboolean lit = r >= cases[t].lo && r <= cases[t].hi && c >= cases[t].lo
                           && c <= cases[t].hi;
            if (out[r * 5 + c] != (lit ? 200 : 0))
              g_error ("k=%d (%d, %d): got %d", cases[t].k, r, c, out[r * 5 + c]);
          }
    }

  /* At the corner the outside is ignored, not read as zero or mirrored. */
  memset (in, 0, sizeof in);
  in[0] = 255;
  in[4 * 5 + 4] = 17;
  nn_perturb_dilate_u8 (out, in, 5, 5, 3);
  g_assert_cmpint (out[0], ==, 255);
  g_assert_cmpint (out[1 * 5 + 1], ==, 255);
  g_assert_cmpint (out[2 * 5 + 2], ==, 0);
  g_assert_cmpint (out[3 * 5 + 3], ==, 17);
  g_assert_cmpint (out[4 * 5 + 4], ==, 17);
}

/* The float path quantises to uint8 and back: MNIST pixels (v / 255) come out
 * as exact multiples of 1/255. */
static void
test_thicken (void)
{
  float in[3 * 3] = { 0 }, out[3 * 3];

  in[4] = 128 / 255.0f;
  in[0] = 3 / 255.0f;
  nn_perturb_thicken (out, in, 3, 3, 3);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat (out[i], ==, 128 / 255.0f);
}

static void
test_noise (void)
{
  enum { N = 200 * 200 };
  float *flat = g_new (float, N), *a = g_new (float, N), *b = g_new (float, N);
  double sum = 0, sum2 = 0;

  for (int i = 0; i < N; i++)
    flat[i] = 0.5f;
  nn_perturb_noise (a, flat, 200, 200, 0.1, 42);
  nn_perturb_noise (b, flat, 200, 200, 0.1, 42);
  g_assert_cmpmem (a, N * sizeof (float), b, N * sizeof (float)); /* same seed, same noise */
  for (int i = 0; i < N; i++)
    {
      sum += a[i] - 0.5;
      sum2 += (a[i] - 0.5) * (a[i] - 0.5);
    }
  /* 40,000 samples: the mean is within 4 standard errors (0.002) of 0 and the
   * standard deviation within 2% of sigma. */
  g_assert_cmpfloat (fabs (sum / N), <, 0.002);
  g_assert_cmpfloat (fabs (sqrt (sum2 / N) - 0.1), <, 0.002);

  nn_perturb_noise (b, flat, 200, 200, 0.1, 43);
  g_assert_true (memcmp (a, b, N * sizeof (float)) != 0);

  /* Clipped to [0, 1]. */
  nn_perturb_noise (a, flat, 200, 200, 0.3, 7);
  for (int i = 0; i < N; i++)
    g_assert_true (a[i] >= 0.0f && a[i] <= 1.0f);
  g_free (flat);
  g_free (a);
  g_free (b);
}

static void
test_standard_set (void)
{
  int n;
  const NnPerturbation *set = nn_perturbation_standard_set (&n);
  g_autofree char *label = NULL;

  g_assert_cmpint (n, ==, 16);
  g_assert_cmpint (set[0].kind, ==, NN_PERTURB_CLEAN);
  g_assert_cmpint (set[4].kind, ==, NN_PERTURB_NOISE);
  g_assert_cmpfloat (set[4].severity, ==, 0.30);
  g_assert_cmpint (set[15].kind, ==, NN_PERTURB_THICKEN);
  g_assert_cmpfloat (set[15].severity, ==, 4);
  label = nn_perturbation_describe (&set[12]);
  g_assert_cmpstr (label, ==, "shift (3, 3)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/perturb/kernel", test_kernel);
  g_test_add_func ("/perturb/blur-delta", test_blur_delta);
  g_test_add_func ("/perturb/blur-reflect", test_blur_reflect);
  g_test_add_func ("/perturb/rotate", test_rotate);
  g_test_add_func ("/perturb/shift", test_shift);
  g_test_add_func ("/perturb/dilate", test_dilate);
  g_test_add_func ("/perturb/thicken", test_thicken);
  g_test_add_func ("/perturb/noise", test_noise);
  g_test_add_func ("/perturb/standard-set", test_standard_set);
  return g_test_run ();
}
