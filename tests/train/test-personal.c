/* test-personal.c: the personal model's fine-tune (nn-personal.h) on made-up samples:
 * it learns them, writes a model that says what it is, and fails cleanly. */
#include "nn-error.h"
#include "nn-image.h"
#include "nn-keras.h"
#include "nn-personal.h"
#include "../test-models.h"

#include <glib/gstdio.h>
#include <math.h>

/* A plus sign, shifted by (dx, dy): not a digit the base model knows as a 3. */
static void
write_plus (const char *dir, int i, int dx, int dy)
{
  g_autoptr(NnGreyImage) img = nn_grey_image_new (56, 56);
  g_autofree char *name = g_strdup_printf ("plus-%d.png", i);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  for (int y = 0; y < 56; y++)
    for (int x = 0; x < 56; x++)
      {
        int u = x - 28 - dx, v = y - 28 - dy;
        img->pixels[y * 56 + x] = ((ABS (u) < 4 && ABS (v) < 18) || (ABS (v) < 4 && ABS (u) < 18))
                                  ? 255 : 0;
      }
  g_assert_true (nn_grey_image_save_png (img, path, &error));
}

static char *
make_samples (const char *root)
{
  char *samples = g_build_filename (root, "samples", NULL);
  g_autofree char *three = g_build_filename (samples, "3", NULL);

  g_assert_cmpint (g_mkdir_with_parents (three, 0755), ==, 0);
  for (int i = 0; i < 6; i++)
    write_plus (three, i, (i % 3) - 1, (i / 3) * 2 - 1);
  return samples;
}

/* A few hundred images to replay: MNIST-like blobs of every class. */
static NnDataset *
make_replay (int n)
{
  NnDataset *ds = nn_dataset_new (n);
  for (int i = 0; i < n; i++)
    {
      ds->labels[i] = (guint8) (i % 10);
      for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        ds->images[(gsize) i * NN_IMAGE_PIXELS + p] = (guint8) ((p * 7 + i * 13) % 251);
    }
  return ds;
}

static void
test_learns_samples (void)
{
  g_autofree char *root = g_dir_make_tmp ("personal-XXXXXX", NULL);
  g_autofree char *samples = make_samples (root);
  g_autofree char *out = g_build_filename (root, "personal.keras", NULL);
  g_autofree char *base = test_shipped_model ("mnist_cnn.keras");
  g_autoptr(NnDataset) replay = make_replay (300);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = NULL;
  g_autoptr(GDir) dir = NULL;
  NnPersonalOptions o;
  NnPersonalReport r;
  const char *name;
  int files = 0;

  nn_personal_options_init (&o);
  o.base = base;
  o.samples_dir = samples;
  o.out = out;
  o.replay = replay;
  o.check = replay;
  o.threads = 1;
  o.measure = TRUE;
  g_assert_true (nn_personal_tune (&o, &r, &error));
  g_assert_no_error (error);
  g_test_message ("samples %d, replay %d: samples %.2f -> %.2f; load %.2f s, train %.2f s, save %.2f s",
                  r.n_samples, r.n_replay, r.samples_before, r.samples_after, r.load_seconds,
                  r.train_seconds, r.save_seconds);
  g_assert_cmpint (r.n_samples, ==, 6);
  g_assert_cmpint (r.n_replay, ==, 192);  /* at least 192 replayed */
  g_assert_cmpint (r.epochs, ==, 3);      /* 6 x 16 + 192 = 288 images: 3 epochs in 1,200 */
  g_assert_cmpfloat (r.samples_after, >=, 5.0f / 6.0f);
  g_assert_cmpfloat (r.samples_after, >, r.samples_before);
  g_assert_false (isnan (r.check_after));
  g_assert_cmpstr (r.base_name, ==, "mnist_cnn");

  m = nn_keras_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m->metadata);
  g_assert_cmpstr (g_hash_table_lookup (m->metadata, "recipe"), ==, "personal");
  g_assert_cmpstr (g_hash_table_lookup (m->metadata, "personal_base"), ==, "mnist_cnn");
  g_assert_cmpstr (g_hash_table_lookup (m->metadata, "personal_samples"), ==, "6");
  g_assert_null (g_hash_table_lookup (m->metadata, "test_accuracy"));
  for (int i = 0; i < m->n_layers; i++)
    g_assert_true (m->layers[i].trainable);  /* as the base had them */
  nn_personal_report_clear (&r);

  /* a personal model tuned again keeps naming the model it all started from */
  o.base = out;
  g_autofree char *out2 = g_build_filename (root, "personal-2.keras", NULL);
  o.out = out2;
  g_assert_true (nn_personal_tune (&o, &r, &error));
  g_assert_cmpstr (r.base_name, ==, "mnist_cnn");
  nn_personal_report_clear (&r);

  dir = g_dir_open (root, 0, NULL);
  while ((name = g_dir_read_name (dir)))
    files++;
  g_assert_cmpint (files, ==, 3); /* samples, personal.keras, personal-2.keras: no leftovers */
  g_unlink (out);
  g_unlink (out2);
}

static void
test_fails_cleanly (void)
{
  g_autofree char *root = g_dir_make_tmp ("personal-XXXXXX", NULL);
  g_autofree char *samples = make_samples (root);
  g_autofree char *empty = g_build_filename (root, "empty", NULL);
  g_autofree char *out = g_build_filename (root, "personal.keras", NULL);
  g_autofree char *base = test_shipped_model ("mnist_cnn.keras");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  NnPersonalOptions o;
  NnPersonalReport r;

  nn_personal_options_init (&o);
  o.base = base;
  o.out = out;

  /* no samples */
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  o.samples_dir = empty;
  g_assert_false (nn_personal_tune (&o, &r, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  nn_personal_report_clear (&r);
  g_clear_error (&error);

  /* cancelled: nothing written */
  o.samples_dir = samples;
  o.cancellable = cancellable;
  g_cancellable_cancel (cancellable);
  g_assert_false (nn_personal_tune (&o, &r, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  nn_personal_report_clear (&r);
}

static void
test_pick (void)
{
  g_autoptr(NnDataset) ds = make_replay (50);
  g_autoptr(NnDataset) a = nn_personal_pick (ds, 20, 7);
  g_autoptr(NnDataset) b = nn_personal_pick (ds, 20, 7);
  g_autoptr(NnDataset) all = nn_personal_pick (ds, 500, 7);
  gboolean seen[50] = { FALSE };

  g_assert_cmpint (a->n, ==, 20);
  g_assert_cmpmem (a->images, 20 * NN_IMAGE_PIXELS, b->images, 20 * NN_IMAGE_PIXELS);
  g_assert_cmpint (all->n, ==, 50);
  /* no image twice: each replay image's first pixel tells which it is */
  for (int i = 0; i < all->n; i++)
    for (int j = 0; j < 50; j++)
      if (memcmp (all->images + (gsize) i * NN_IMAGE_PIXELS,
                  ds->images + (gsize) j * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS) == 0)
        {
          g_assert_false (seen[j]);
          seen[j] = TRUE;
          g_assert_cmpint (all->labels[i], ==, ds->labels[j]);
        }
  for (int j = 0; j < 50; j++)
    g_assert_true (seen[j]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/personal/learns-samples", test_learns_samples);
  g_test_add_func ("/personal/fails-cleanly", test_fails_cleanly);
  g_test_add_func ("/personal/pick", test_pick);
  return g_test_run ();
}
