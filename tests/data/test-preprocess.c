/* test-preprocess: drawings of either polarity to MNIST-style 28 x 28 input. */
#include <glib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "nn-dataset.h"
#include "nn-error.h"
#include "nn-image.h"
#include "test-image-util.h"

#define CANVAS 560

/* A handwritten-looking "1": a short flag and a long down stroke. */
static const double one_pts[] = { 230, 150, 300, 90, 292, 470 };

static guint8 *
white_canvas (void)
{
  guint8 *c = g_malloc (CANVAS * CANVAS);
  memset (c, 255, CANVAS * CANVAS);
  return c;
}

static guint8 *
draw_one (guint8 bg, guint8 ink, double radius)
{
  guint8 *c = g_malloc (CANVAS * CANVAS);
  memset (c, bg, CANVAS * CANVAS);
  test_draw_stroke (c, CANVAS, CANVAS, one_pts, 3, radius, ink);
  return c;
}

typedef struct {
  int x0, y0, x1, y1; /* ink bounding box, inclusive */
  double cx, cy;      /* centre of mass, pixel-index coordinates */
  float max;
} FieldStats;

static FieldStats
field_stats (const float *f)
{
  FieldStats s = { 28, 28, -1, -1, 0, 0, 0 };
  double m = 0;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        float v = f[y * 28 + x];
        g_assert_cmpfloat (v, >=, 0.0f);
        g_assert_cmpfloat (v, <=, 1.0f);
        if (v > 0)
          {
            s.x0 = MIN (s.x0, x), s.y0 = MIN (s.y0, y);
            s.x1 = MAX (s.x1, x), s.y1 = MAX (s.y1, y);
          }
        s.cx += v * x, s.cy += v * y, m += v;
        s.max = MAX (s.max, v);
      }
  s.cx /= m, s.cy /= m;
  return s;
}

static void
assert_mnist_like (const float *f)
{
  FieldStats s = field_stats (f);
  int bw = s.x1 - s.x0 + 1, bh = s.y1 - s.y0 + 1;
  g_test_message ("box %dx%d at (%d,%d), centre of mass (%.2f, %.2f)", bw, bh, s.x0, s.y0,
                  s.cx, s.cy);
  g_assert_cmpint (MAX (bw, bh), ==, 20);
  g_assert_cmpfloat (fabs (s.cx - 14.0), <, 0.75);
  g_assert_cmpfloat (fabs (s.cy - 14.0), <, 0.75);
  g_assert_cmpfloat (s.max, ==, 1.0f);
  g_assert_cmpint (s.x0, >=, 0);
  g_assert_cmpint (s.x1, <=, 27);
}

static void
test_polarity (void)
{
  g_autofree guint8 *light = draw_one (255, 0, 14);
  g_autofree guint8 *dark = draw_one (0, 255, 14);
  float a[NN_IMAGE_PIXELS], b[NN_IMAGE_PIXELS], c[NN_IMAGE_PIXELS];
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (nn_detect_background (light, CANVAS, CANVAS, CANVAS), ==, NN_BACKGROUND_LIGHT);
  g_assert_cmpint (nn_detect_background (dark, CANVAS, CANVAS, CANVAS), ==, NN_BACKGROUND_DARK);
  g_assert_true (nn_preprocess_digit (light, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, a, &error));
  g_assert_no_error (error);
  g_assert_true (nn_preprocess_digit (dark, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, b, &error));
  g_assert_no_error (error);
  g_assert_true (nn_preprocess_digit (light, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_LIGHT, c,
                                      &error));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpmem (a, sizeof a, c, sizeof c);
  assert_mnist_like (a);

  /* A "1" is tall and narrow: the height is 20, the width much less. */
  FieldStats s = field_stats (a);
  g_assert_cmpint (s.y1 - s.y0 + 1, ==, 20);
  g_assert_cmpint (s.x1 - s.x0 + 1, <, 12);
  /* The stroke's core is full ink. */
  float row_max = 0;
  for (int x = 0; x < 28; x++)
    row_max = MAX (row_max, a[14 * 28 + x]);
  g_assert_cmpfloat (row_max, >, 0.6f);

  /* The info maps the ink box onto the field: the stroke's ends (y 90 and 470,
   * plus the pen's radius) land on the field's rows 4 ... 24 or so. */
  NnPreprocessInfo info;
  g_assert_true (nn_preprocess_digit_info (dark, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, c,
                                           &info, &error));
  g_assert_cmpmem (a, sizeof a, c, sizeof c);
  g_assert_cmpint (info.background, ==, NN_BACKGROUND_DARK);
  g_assert_false (info.flattened);
  g_assert_cmpint (abs (info.y0 - (90 - 14)), <=, 2);
  g_assert_cmpint (abs (info.y1 - (470 + 14)), <=, 2);
  g_assert_cmpfloat (fabs (info.scale - 20.0 / (info.y1 - info.y0)), <, 1e-12);
  g_assert_cmpint (info.off_y, ==, s.y0);
  g_assert_cmpint (info.off_x, <=, s.x0);
  g_assert_cmpint (info.off_x + (int) ceil ((info.x1 - info.x0) * info.scale), >=, s.x1 + 1);

  /* Forcing the wrong polarity finds no ink on a clean canvas. */
  g_assert_false (nn_preprocess_digit (light, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_DARK, c,
                                       &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN);
}

static void
expect_nothing (const guint8 *img, int w, int h, const char *what)
{
  float out[NN_IMAGE_PIXELS];
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    out[i] = -7.0f;
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_preprocess_digit (img, w, h, w, NN_BACKGROUND_AUTO, out, &error);
  g_test_message ("%s: %s", what, error ? error->message : "(classified)");
  g_assert_false (ok);
  g_assert_error (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN);
  g_assert_nonnull (strstr (error->message, "othing drawn"));
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    g_assert_cmpfloat (out[i], ==, -7.0f); /* left untouched */
}

static void
test_blank (void)
{
  g_autofree guint8 *c = white_canvas ();
  expect_nothing (c, CANVAS, CANVAS, "white");
  memset (c, 0, CANVAS * CANVAS);
  expect_nothing (c, CANVAS, CANVAS, "black");
  memset (c, 128, CANVAS * CANVAS);
  expect_nothing (c, CANVAS, CANVAS, "grey");

  /* A few stray pixels, scattered. */
  memset (c, 255, CANVAS * CANVAS);
  static const int stray[][2] = { { 10, 500 }, { 300, 40 }, { 450, 450 }, { 77, 200 }, { 520, 9 } };
  for (gsize i = 0; i < G_N_ELEMENTS (stray); i++)
    c[stray[i][1] * CANVAS + stray[i][0]] = 0;
  expect_nothing (c, CANVAS, CANVAS, "stray pixels");

  /* More of them, enough to pass as ink by count, but spread over the canvas. */
  GRand *sr = g_rand_new_with_seed (3);
  for (int i = 0; i < 60; i++)
    c[g_rand_int_range (sr, 0, CANVAS) * CANVAS + g_rand_int_range (sr, 0, CANVAS)] = 0;
  g_rand_free (sr);
  expect_nothing (c, CANVAS, CANVAS, "60 stray pixels");

  /* A single dab of the pen, a few pixels wide. */
  memset (c, 255, CANVAS * CANVAS);
  double dot[] = { 280, 280, 281, 281 };
  test_draw_stroke (c, CANVAS, CANVAS, dot, 2, 2, 0);
  expect_nothing (c, CANVAS, CANVAS, "dot");

  /* Paper texture without a digit. */
  GRand *r = g_rand_new_with_seed (7);
  for (int i = 0; i < CANVAS * CANVAS; i++)
    c[i] = (guint8) (200 + g_rand_int_range (r, -12, 13));
  g_rand_free (r);
  expect_nothing (c, CANVAS, CANVAS, "noise");

  /* A shaded page with nothing on it. */
  r = g_rand_new_with_seed (9);
  for (int y = 0; y < CANVAS; y++)
    for (int x = 0; x < CANVAS; x++)
      c[y * CANVAS + x] = (guint8) (230 - 90 * x / CANVAS + g_rand_int_range (r, -8, 9));
  g_rand_free (r);
  expect_nothing (c, CANVAS, CANVAS, "shaded page");

  guint8 tiny[1] = { 0 };
  expect_nothing (tiny, 1, 1, "one pixel");
}

static void
test_corner_thin (void)
{
  /* A thin "7" squeezed into the top-left corner. */
  g_autofree guint8 *c = white_canvas ();
  double seven[] = { 20, 25, 70, 25, 40, 110 };
  test_draw_stroke (c, CANVAS, CANVAS, seven, 3, 1.5, 0);
  float out[NN_IMAGE_PIXELS];
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_preprocess_digit (c, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, out, &error));
  g_assert_no_error (error);
  assert_mnist_like (out);
  /* The same drawing in the middle gives the same result. */
  g_autofree guint8 *m = white_canvas ();
  double moved[6];
  for (int i = 0; i < 6; i++)
    moved[i] = seven[i] + 240;
  test_draw_stroke (m, CANVAS, CANVAS, moved, 3, 1.5, 0);
  float out2[NN_IMAGE_PIXELS];
  g_assert_true (nn_preprocess_digit (m, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, out2, &error));
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    g_assert_cmpfloat (fabsf (out[i] - out2[i]), <, 1e-5f);
}

static double
correlation (const float *a, const float *b)
{
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    ma += a[i], mb += b[i];
  ma /= NN_IMAGE_PIXELS, mb /= NN_IMAGE_PIXELS;
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
  return sab / sqrt (saa * sbb);
}

static void
test_photo_and_speck (void)
{
  g_autofree guint8 *clean = draw_one (255, 0, 14);
  float ref[NN_IMAGE_PIXELS], out[NN_IMAGE_PIXELS];
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_preprocess_digit (clean, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, ref,
                                      &error));

  /* Grey paper with texture and a pencil-dark digit, inside a larger row
   * stride, looks like the clean drawing. */
  int stride = CANVAS + 13;
  g_autofree guint8 *photo = g_malloc ((size_t) stride * CANVAS);
  g_autofree guint8 *tmp = draw_one (190, 60, 14);
  GRand *r = g_rand_new_with_seed (11);
  for (int y = 0; y < CANVAS; y++)
    for (int x = 0; x < stride; x++)
      photo[y * stride + x] = x < CANVAS ? (guint8) CLAMP (tmp[y * CANVAS + x]
                                                           + g_rand_int_range (r, -10, 11), 0, 255)
                                         : 0;
  g_rand_free (r);
  g_assert_cmpint (nn_detect_background (photo, CANVAS, CANVAS, stride), ==, NN_BACKGROUND_LIGHT);
  g_assert_true (nn_preprocess_digit (photo, CANVAS, CANVAS, stride, NN_BACKGROUND_AUTO, out,
                                      &error));
  g_assert_no_error (error);
  assert_mnist_like (out);
  double corr = correlation (ref, out);
  g_test_message ("photo vs clean: correlation %.4f", corr);
  g_assert_cmpfloat (corr, >, 0.97);

  /* A phone photo: the light falls off across the page, from 235 on the left
   * to 140 on the right, darker than the background median by far. */
  g_autofree guint8 *shaded = draw_one (255, 0, 14);
  for (int y = 0; y < CANVAS; y++)
    for (int x = 0; x < CANVAS; x++)
      {
        double paper = 235 - 95.0 * x / CANVAS - 20.0 * y / CANVAS;
        double ink = 1.0 - shaded[y * CANVAS + x] / 255.0;
        shaded[y * CANVAS + x] = (guint8) lround (paper + (55 - paper) * ink);
      }
  g_assert_cmpint (nn_detect_background (shaded, CANVAS, CANVAS, CANVAS), ==,
                   NN_BACKGROUND_LIGHT);
  NnPreprocessInfo info;
  g_assert_true (nn_preprocess_digit_info (shaded, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO,
                                           out, &info, &error));
  g_assert_no_error (error);
  g_assert_true (info.flattened);
  g_assert_cmpint (info.background, ==, NN_BACKGROUND_LIGHT);
  assert_mnist_like (out);
  corr = correlation (ref, out);
  g_test_message ("shaded photo vs clean: correlation %.4f", corr);
  g_assert_cmpfloat (corr, >, 0.95);

  /* The same with light ink on a dark board lit from one side. */
  for (int i = 0; i < CANVAS * CANVAS; i++)
    shaded[i] = (guint8) (255 - shaded[i]);
  g_assert_true (nn_preprocess_digit (shaded, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, out,
                                      &error));
  assert_mnist_like (out);
  g_assert_cmpfloat (correlation (ref, out), >, 0.95);

  /* One speck far from the digit does not shrink or move it. */
  clean[550 * CANVAS + 5] = 0;
  g_assert_true (nn_preprocess_digit (clean, CANVAS, CANVAS, CANVAS, NN_BACKGROUND_AUTO, out,
                                      &error));
  assert_mnist_like (out);
  g_assert_cmpfloat (correlation (ref, out), >, 0.999);
}

static void
test_mnist_round_trip (void)
{
  /* MNIST digits are already preprocessed this way: doing it again should
   * change them little. */
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = dir ? nn_mnist_load (dir, NN_MNIST_TEST, &error) : NULL;
  if (ds == NULL)
    {
      g_test_skip ("MNIST files not present");
      return;
    }
  double sum = 0, worst = 1;
  const int n = 200;
  for (int i = 0; i < n; i++)
    {
      float orig[NN_IMAGE_PIXELS], out[NN_IMAGE_PIXELS];
      nn_dataset_get_batch (ds, i, 1, orig);
      const guint8 *img = ds->images + (size_t) i * NN_IMAGE_PIXELS;
      g_assert_true (nn_preprocess_digit (img, 28, 28, 28, NN_BACKGROUND_AUTO, out, &error));
      g_assert_no_error (error);
      double c = correlation (orig, out);
      sum += c;
      worst = MIN (worst, c);
    }
  g_test_message ("MNIST re-preprocessed: mean correlation %.4f, worst %.4f", sum / n, worst);
  g_assert_cmpfloat (sum / n, >, 0.93);
}

/* Any picture, of any size and content, gives a valid field or "nothing drawn". */
static void
test_random_pictures (void)
{
  GRand *r = g_rand_new_with_seed (99);
  int drawn = 0, blank = 0;
  for (int iter = 0; iter < 300; iter++)
    {
      int w = g_rand_int_range (r, 1, 160), h = g_rand_int_range (r, 1, 160);
      int stride = w + g_rand_int_range (r, 0, 5);
      guint8 *img = g_malloc ((size_t) stride * h);
      int kind = iter % 4, bg = g_rand_int_range (r, 0, 256);
      for (int i = 0; i < stride * h; i++)
        img[i] = kind == 0 ? (guint8) g_rand_int_range (r, 0, 256)          /* noise */
               : kind == 1 ? (guint8) bg                                     /* flat */
               : kind == 2 ? (guint8) (g_rand_int_range (r, 0, 50) ? bg : 255 - bg)
                           : (guint8) ((i % stride) * 255 / stride);         /* ramp */
      if (kind == 3 && w >= 4 && h >= 4)
        {
          double pts[4] = { w * 0.3, h * 0.2, w * 0.6, h * 0.8 };
          test_draw_stroke (img, stride, h, pts, 2, 1 + w / 20.0, (guint8) (255 - bg));
        }
      float out[NN_IMAGE_PIXELS];
      g_autoptr (GError) error = NULL;
      NnBackground b = (NnBackground) (iter % 3);
      if (nn_preprocess_digit (img, w, h, stride, b, out, &error))
        {
          drawn++;
          float peak = 0;
          for (int i = 0; i < NN_IMAGE_PIXELS; i++)
            {
              g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
              peak = MAX (peak, out[i]);
            }
          g_assert_cmpfloat (peak, ==, 1.0f);
        }
      else
        {
          g_assert_error (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN);
          blank++;
        }
      g_free (img);
    }
  g_rand_free (r);
  g_test_message ("random pictures: %d gave a digit field, %d nothing drawn", drawn, blank);
  g_assert_cmpint (drawn, >, 0);
  g_assert_cmpint (blank, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/polarity", test_polarity);
  g_test_add_func ("/preprocess/blank", test_blank);
  g_test_add_func ("/preprocess/corner-thin", test_corner_thin);
  g_test_add_func ("/preprocess/photo-speck", test_photo_and_speck);
  g_test_add_func ("/preprocess/mnist", test_mnist_round_trip);
  g_test_add_func ("/preprocess/random", test_random_pictures);
  return g_test_run ();
}
