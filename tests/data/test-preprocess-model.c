/* test-preprocess-model: a digit redrawn on a canvas is recognised as well as
 * the MNIST original.
 *
 * MNIST test digits are enlarged onto a white canvas with black ink (once
 * filling it, once small and off-centre), go through nn_preprocess_digit(), and
 * are classified by the shipped CNN. If preprocessing drifted from
 * how MNIST was made (box size, centring, polarity, stroke weight), accuracy
 * would drop well below the original's.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn-dataset.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-model.h"
#include "../test-models.h"

#define N_IMAGES 400

static int
argmax10 (const float *p)
{
  int best = 0;
  for (int i = 1; i < 10; i++)
    if (p[i] > p[best])
      best = i;
  return best;
}

/* Bilinear enlargement of a 28 x 28 digit to side x side at (ox, oy), dark ink. */
static void
paint (guint8 *canvas, int cw, const guint8 *img, int ox, int oy, int side)
{
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        double sx = (x + 0.5) * 28.0 / side - 0.5, sy = (y + 0.5) * 28.0 / side - 0.5;
        int x0 = (int) floor (sx), y0 = (int) floor (sy);
        double fx = sx - x0, fy = sy - y0, v = 0;
        for (int j = 0; j < 2; j++)
          for (int i = 0; i < 2; i++)
            {
              int xx = x0 + i, yy = y0 + j;
              if (xx >= 0 && xx < 28 && yy >= 0 && yy < 28)
                v += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * img[yy * 28 + xx];
            }
        canvas[(size_t) (oy + y) * cw + ox + x] = (guint8) lround (255 - v);
      }
}

int
main (int argc, char **argv)
{
  const char *mnist = g_getenv ("DIGITS_MNIST_DIR");
  g_autofree char *model = test_shipped_model ("mnist_cnn.keras");
  g_autofree char *labels = g_build_filename (mnist ? mnist : "data/mnist",
                                              "t10k-labels-idx1-ubyte", NULL);
  if (!g_file_test (labels, G_FILE_TEST_EXISTS))
    {
      g_print ("1..0 # SKIP the MNIST test set is absent (run scripts/setup.sh)\n");
      return 0;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (model, &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_mnist_load (mnist, NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);

  enum { BIG = 280, SMALL_CANVAS = 560 };
  g_autofree guint8 *big = g_malloc (BIG * BIG);
  g_autofree guint8 *small = g_malloc (SMALL_CANVAS * SMALL_CANVAS);
  int ok_orig = 0, ok_big = 0, ok_small = 0, agree = 0;
  for (int i = 0; i < N_IMAGES; i++)
    {
      float x[NN_IMAGE_PIXELS], p[10];
      const guint8 *img = ds->images + (size_t) i * NN_IMAGE_PIXELS;
      int label = ds->labels[i];
      nn_dataset_get_batch (ds, i, 1, x);
      nn_model_predict (m, ws, x, 1, p);
      int orig = argmax10 (p);
      ok_orig += orig == label;

      memset (big, 255, BIG * BIG);
      paint (big, BIG, img, 0, 0, BIG);
      g_assert_true (nn_preprocess_digit (big, BIG, BIG, BIG, NN_BACKGROUND_AUTO, x, &error));
      nn_model_predict (m, ws, x, 1, p);
      ok_big += argmax10 (p) == label;
      agree += argmax10 (p) == orig;

      memset (small, 255, SMALL_CANVAS * SMALL_CANVAS);
      paint (small, SMALL_CANVAS, img, 20 + (i * 37) % 380, 15 + (i * 53) % 380, 120 + i % 50);
      g_assert_true (nn_preprocess_digit (small, SMALL_CANVAS, SMALL_CANVAS, SMALL_CANVAS,
                                          NN_BACKGROUND_AUTO, x, &error));
      nn_model_predict (m, ws, x, 1, p);
      ok_small += argmax10 (p) == label;
    }
  nn_workspace_free (ws);

  g_print ("1..1\n");
  g_print ("# %d MNIST test digits: original %.2f%%, redrawn on a %dx%d canvas %.2f%%, "
           "small and off-centre %.2f%%, same answer as the original %.2f%%\n", N_IMAGES,
           100.0 * ok_orig / N_IMAGES, BIG, BIG, 100.0 * ok_big / N_IMAGES,
           100.0 * ok_small / N_IMAGES, 100.0 * agree / N_IMAGES);
  /* At most four more mistakes in 400 than on the originals. */
  gboolean pass = ok_big >= ok_orig - 4 && ok_small >= ok_orig - 4 && agree >= N_IMAGES - 8;
  g_print ("%s 1 redrawn digits are recognised like the originals\n", pass ? "ok" : "not ok");
  return pass ? 0 : 1;
}
