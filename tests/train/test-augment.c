/* Augmentation: hand-checkable geometry and morphology, and seeded repeatability. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn-augment.h"

#define S 28

static void
test_identity_and_shift (void)
{
  float src[S * S], dst[S * S];
  for (int i = 0; i < S * S; i++)
    src[i] = (float) ((i * 37) % 101) / 100.0f;
  nn_augment_affine (dst, src, 0.0f, 1.0f, 0.0f, 0.0f);
  for (int i = 0; i < S * S; i++)
    g_assert_cmpfloat_with_epsilon (dst[i], src[i], 1e-6);

  // A whole-pixel shift moves pixels exactly and fills black.
  nn_augment_affine (dst, src, 0.0f, 1.0f, 2.0f, 3.0f);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        float want = (y >= 3 && x >= 2) ? src[(y - 3) * S + (x - 2)] : 0.0f;
        g_assert_cmpfloat_with_epsilon (dst[y * S + x], want, 1e-6);
      }

  // Half a pixel: the mean of two neighbours.
  nn_augment_affine (dst, src, 0.0f, 1.0f, 0.5f, 0.0f);
  g_assert_cmpfloat_with_epsilon (dst[10 * S + 10], 0.5f * (src[10 * S + 9] + src[10 * S + 10]), 1e-6);
}

static void
test_rotation (void)
{
  // A quarter turn about the centre maps (y, x) to a permutation of pixels.
  float src[S * S] = { 0 }, dst[S * S];
  src[5 * S + 20] = 1.0f;
  nn_augment_affine (dst, src, (float) G_PI_2, 1.0f, 0.0f, 0.0f);
  float sum = 0.0f;
  int at = -1;
  for (int i = 0; i < S * S; i++)
    {
      sum += dst[i];
      if (dst[i] > 0.99f)
        at = i;
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0f, 1e-4);
  g_assert_cmpint (at, >=, 0);
  // distance from the centre (13.5, 13.5) is kept
  int y = at / S, x = at % S;
  g_assert_cmpfloat_with_epsilon (hypot (y - 13.5, x - 13.5), hypot (5 - 13.5, 20 - 13.5), 1e-4);
}

static void
test_morphology (void)
{
  float src[S * S] = { 0 }, dst[S * S];
  src[10 * S + 10] = 1.0f;
  // k = 2 anchored at 1 (cv2): the dot grows to rows/cols 10..11
  nn_augment_dilate (dst, src, 2);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      g_assert_cmpfloat (dst[y * S + x], ==, (y >= 10 && y <= 11 && x >= 10 && x <= 11) ? 1.0f : 0.0f);
  // k = 3: rows/cols 9..11
  nn_augment_dilate (dst, src, 3);
  float sum = 0.0f;
  for (int i = 0; i < S * S; i++)
    sum += dst[i];
  g_assert_cmpfloat (sum, ==, 9.0f);
  g_assert_cmpfloat (dst[9 * S + 9], ==, 1.0f);
  // erosion undoes the k = 3 dilation of a single dot
  float back[S * S];
  nn_augment_erode (back, dst, 3);
  g_assert_cmpmem (back, sizeof back, src, sizeof src);
}

static void
test_blur (void)
{
  float img[S * S];
  for (int i = 0; i < S * S; i++)
    img[i] = 0.25f;
  nn_augment_blur (img, 1.2f); // a constant image stays constant (normalised, reflect)
  for (int i = 0; i < S * S; i++)
    g_assert_cmpfloat_with_epsilon (img[i], 0.25f, 1e-5);
  float dot[S * S] = { 0 };
  dot[14 * S + 14] = 1.0f;
  nn_augment_blur (dot, 1.0f);
  float sum = 0.0f;
  for (int i = 0; i < S * S; i++)
    sum += dot[i];
  g_assert_cmpfloat_with_epsilon (sum, 1.0f, 1e-5);
  // 1-D weight at 0 for sigma 1, truncate 4: 1 / sum_{-4..4} e^{-i^2/2} = 0.398943
  g_assert_cmpfloat_with_epsilon (dot[14 * S + 14], 0.398943 * 0.398943, 1e-4);
}

static void
test_seeded (void)
{
  NnAugmentConfig c = { .rotation = 0.1f, .translation = 0.1f, .zoom = 0.1f, .elastic_p = 0.5f,
                        .elastic_alpha = 34, .elastic_sigma = 4, .thicken_p = 0.3f,
                        .thicken_max = 4, .thin_p = 0.1f, .blur_p = 0.3f, .blur_max = 2,
                        .noise_p = 0.5f, .noise_max = 0.3f };
  float a[S * S], b[S * S], orig[S * S] = { 0 };
  for (int y = 6; y < 22; y++)
    for (int x = 12; x < 16; x++)
      orig[y * S + x] = 1.0f;
  int differ = 0;
  for (int i = 0; i < 20; i++)
    {
      memcpy (a, orig, sizeof a);
      memcpy (b, orig, sizeof b);
      nn_augment_image (&c, a, 7, 1, (guint64) i);
      nn_augment_image (&c, b, 7, 1, (guint64) i);
      g_assert_cmpmem (a, sizeof a, b, sizeof b);
      for (int p = 0; p < S * S; p++)
        g_assert_true (a[p] >= 0.0f && a[p] <= 1.0f);
      memcpy (b, orig, sizeof b);
      nn_augment_image (&c, b, 7, 2, (guint64) i); // another epoch, another draw
      differ += memcmp (a, b, sizeof a) != 0;
    }
  g_assert_cmpint (differ, ==, 20);

  NnAugmentConfig none = { 0 };
  g_assert_false (nn_augment_enabled (&none));
  memcpy (a, orig, sizeof a);
  nn_augment_batch (&none, a, 1, 7, 0, 0);
  g_assert_cmpmem (a, sizeof a, orig, sizeof orig);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/augment/identity-shift", test_identity_and_shift);
  g_test_add_func ("/train/augment/rotation", test_rotation);
  g_test_add_func ("/train/augment/morphology", test_morphology);
  g_test_add_func ("/train/augment/blur", test_blur);
  g_test_add_func ("/train/augment/seeded", test_seeded);
  return g_test_run ();
}
