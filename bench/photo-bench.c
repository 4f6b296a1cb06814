/* photo-bench: how well photos of digits on paper are read.
 *
 *   photo-bench MODEL [N [SEED]]
 *
 * N (default 1000) seeded photos of photos.h, digits 0-9 in turn, each saved as a
 * JPEG and read back the way digits-cli predict reads a file (nn_grey_image_load,
 * nn_preprocess_digit, the model): the share read right, by paper, the share the
 * model's rule calls not a digit, and the mean time of the preprocessing. Beside
 * it, the same glyphs drawn black on white: what the model makes of the glyphs
 * themselves, the ceiling for the photos.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "photos.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-verdict.h"

static int
argmax (const float *p, int n)
{
  int best = 0;
  for (int k = 1; k < n; k++)
    if (p[k] > p[best])
      best = k;
  return best;
}

/* The model's digit for grey pixels, -1 when preprocessing finds nothing; verdict
 * (when not NULL) by the rule. */
static int
classify (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, const guint8 *grey, int w,
          int h, double *seconds, NnVerdict *verdict)
{
  float x[NN_IMAGE_PIXELS], probs[64];
  NnVerdictFeatures f;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = nn_preprocess_digit (grey, w, h, w, NN_BACKGROUND_AUTO, x, NULL);

  *seconds += (g_get_monotonic_time () - t0) / 1e6;
  if (!ok)
    {
      *verdict = NN_VERDICT_BLANK;
      return -1;
    }
  const float *logits = nn_model_forward (m, ws, x, 1);
  int layer = rule->dim > 0 ? nn_verdict_feature_layer (m) : -1;
  nn_verdict_features (rule, x, logits, m->n_classes,
                       layer >= 0 ? nn_workspace_layer_output (ws, layer) : NULL, &f);
  *verdict = nn_verdict_judge (rule, &f);
  nn_softmax_rows (probs, logits, 1, m->n_classes);
  return argmax (probs, m->n_classes);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int n = argc > 2 ? atoi (argv[2]) : 1000;
  guint32 seed = argc > 3 ? (guint32) atoi (argv[3]) : 1;
  int right = 0, right_clean = 0, refused = 0, blank = 0;
  int by_paper[PHOTO_N_PAPERS] = { 0 }, right_paper[PHOTO_N_PAPERS] = { 0 };
  double seconds = 0, seconds_clean = 0;
  NnVerdictRule rule;

  if (argc < 2 || n < 1)
    {
      fprintf (stderr, "usage: photo-bench MODEL [N [SEED]]\n");
      return 2;
    }
  g_autoptr (NnModel) m = nn_keras_load (argv[1], &error);
  if (m == NULL)
    g_error ("%s", error->message);
  nn_verdict_rule_from_model (m, &rule);
  NnWorkspace *ws = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  g_autofree char *dir = g_dir_make_tmp ("photo-bench-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  g_autofree char *path = g_build_filename (dir, "photo.jpg", NULL);

  printf ("%s, %d photos of font digits on paper (photos.h), seed %u\n", argv[1], n, seed);
  for (int i = 0; i < n; i++)
    {
      int digit = i % 10;
      PhotoImage clean, photo;
      NnVerdict v;

      photo_render (digit, seed + (guint32) i, FALSE, &clean);
      g_autofree guint8 *grey = g_malloc ((size_t) clean.width * clean.height);
      for (size_t p = 0; p < (size_t) clean.width * clean.height; p++)
        grey[p] = clean.rgb[3 * p]; /* black on white: every channel alike */
      right_clean += classify (m, ws, &rule, grey, clean.width, clean.height, &seconds_clean, &v)
                     == digit;
      photo_image_clear (&clean);

      photo_render (digit, seed + (guint32) i, TRUE, &photo);
      if (!photo_save_jpeg (&photo, path, &error))
        g_error ("%s", error->message);
      g_autoptr (NnGreyImage) img = nn_grey_image_load (path, &error);
      if (img == NULL)
        g_error ("%s", error->message);
      int got = classify (m, ws, &rule, img->pixels, img->width, img->height, &seconds, &v);
      by_paper[photo.paper]++;
      right_paper[photo.paper] += got == digit;
      right += got == digit;
      refused += v == NN_VERDICT_NOT_A_DIGIT;
      blank += v == NN_VERDICT_BLANK;
      if (g_getenv ("PHOTO_BENCH_SHOW") != NULL && got != digit)
        printf ("  seed %u: %d read as %d (%dx%d, %s, quality %d, digit %.2f of the side)\n",
                seed + (guint32) i, digit, got, photo.width, photo.height,
                photo_paper_name (photo.paper), photo.quality, photo.digit_share);
      photo_image_clear (&photo);
    }
  printf ("glyphs black on white  right %6.2f%% (%d/%d), %.2f ms preprocessing\n",
          100.0 * right_clean / n, right_clean, n, 1e3 * seconds_clean / n);
  printf ("photos                 right %6.2f%% (%d/%d), %.2f ms preprocessing\n",
          100.0 * right / n, right, n, 1e3 * seconds / n);
  for (int p = 0; p < PHOTO_N_PAPERS; p++)
    printf ("  %-8s             right %6.2f%% (%d/%d)\n", photo_paper_name (p),
            by_paper[p] ? 100.0 * right_paper[p] / by_paper[p] : 0.0, right_paper[p], by_paper[p]);
  printf ("photos not a digit %d, blank %d\n", refused, blank);
  g_unlink (path);
  g_rmdir (dir);
  nn_verdict_rule_clear (&rule);
  nn_workspace_free (ws);
  return 0;
}
