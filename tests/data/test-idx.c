/* test-idx: the IDX reader on real MNIST, gzipped copies and a corpus of broken files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "nn-dataset.h"
#include "nn-error.h"
#include "test-data-util.h"

static const char *
mnist_dir (void)
{
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  return dir && *dir ? dir : "data/mnist";
}

static gboolean
have_mnist (void)
{
  g_autofree char *p = g_build_filename (mnist_dir (), "t10k-labels-idx1-ubyte", NULL);
  g_autofree char *gz = g_strconcat (p, ".gz", NULL);
  return g_file_test (p, G_FILE_TEST_EXISTS) || g_file_test (gz, G_FILE_TEST_EXISTS);
}

static void
test_mnist_real (void)
{
  if (!have_mnist ())
    {
      g_test_skip ("MNIST files not present");
      return;
    }
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (NnDataset) train = nn_mnist_load (mnist_dir (), NN_MNIST_TRAIN, &error);
  gint64 t1 = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_test_message ("training set read in %.1f ms", (t1 - t0) / 1000.0);
  g_assert_cmpint (train->n, ==, 60000);
  g_assert_null (train->paths);
  static const guint8 first_train[] = { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 };
  g_assert_cmpmem (train->labels, sizeof first_train, first_train, sizeof first_train);

  g_autoptr (NnDataset) test = nn_mnist_load (mnist_dir (), NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test->n, ==, 10000);
  static const guint8 first_test[] = { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 };
  g_assert_cmpmem (test->labels, sizeof first_test, first_test, sizeof first_test);

  /* Every class is there in roughly MNIST's proportions. */
  int counts[10] = { 0 };
  for (int i = 0; i < train->n; i++)
    counts[train->labels[i]]++;
  for (int c = 0; c < 10; c++)
    g_assert_cmpint (counts[c], >, 5000);
  g_assert_cmpint (counts[1], ==, 6742);

  /* The first training image (a 5): white ink on black, values scaled by 1/255. */
  float batch[2 * NN_IMAGE_PIXELS];
  nn_dataset_get_batch (train, 0, 2, batch);
  float maxv = 0, sum = 0;
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    {
      maxv = MAX (maxv, batch[i]);
      sum += batch[i];
      g_assert_cmpfloat (batch[i], ==, train->images[i] / 255.0f);
    }
  g_assert_cmpfloat (maxv, ==, 1.0f);
  g_assert_cmpfloat (batch[0], ==, 0.0f);                /* corner is background */
  g_assert_cmpfloat (sum, >, 50.0f);
  g_assert_cmpfloat (sum, <, 200.0f);
  g_assert_cmpfloat (batch[NN_IMAGE_PIXELS + 5], ==, train->images[NN_IMAGE_PIXELS + 5] / 255.0f);
}

static void
test_gather_slice (void)
{
  g_autoptr (NnDataset) ds = nn_dataset_new (5);
  for (int i = 0; i < 5; i++)
    {
      ds->labels[i] = (guint8) i;
      memset (ds->images + i * NN_IMAGE_PIXELS, 50 * i, NN_IMAGE_PIXELS);
    }
  int idx[3] = { 4, 0, 2 };
  float out[3 * NN_IMAGE_PIXELS];
  guint8 labels[3];
  nn_dataset_gather (ds, idx, 3, out, labels);
  g_assert_cmpint (labels[0], ==, 4);
  g_assert_cmpint (labels[1], ==, 0);
  g_assert_cmpint (labels[2], ==, 2);
  g_assert_cmpfloat (out[0], ==, 200 / 255.0f);
  g_assert_cmpfloat (out[NN_IMAGE_PIXELS + 17], ==, 0.0f);
  g_assert_cmpfloat (out[3 * NN_IMAGE_PIXELS - 1], ==, 100 / 255.0f);

  ds->paths = g_new0 (char *, 6);
  for (int i = 0; i < 5; i++)
    ds->paths[i] = g_strdup_printf ("img%d.png", i);
  g_autoptr (NnDataset) sl = nn_dataset_slice (ds, 1, 3);
  g_assert_cmpint (sl->n, ==, 3);
  g_assert_cmpint (sl->labels[0], ==, 1);
  g_assert_cmpint (sl->images[2 * NN_IMAGE_PIXELS], ==, 150);
  g_assert_cmpstr (sl->paths[2], ==, "img3.png");
}

/* A small valid pair: n images whose pixel bytes are (i + k) & 255, labels i % 10. */
static void
make_idx (guint8 **images, gsize *ilen, guint8 **labels, gsize *llen, int n)
{
  *ilen = 16 + (gsize) n * NN_IMAGE_PIXELS;
  *images = g_malloc0 (*ilen);
  guint8 ih[16] = { 0, 0, 8, 3, 0, 0, (guint8) (n >> 8), (guint8) n, 0, 0, 0, 28, 0, 0, 0, 28 };
  memcpy (*images, ih, 16);
  for (gsize k = 16; k < *ilen; k++)
    (*images)[k] = (guint8) (k * 7 + k / 784);
  *llen = 8 + (gsize) n;
  *labels = g_malloc0 (*llen);
  guint8 lh[8] = { 0, 0, 8, 1, 0, 0, (guint8) (n >> 8), (guint8) n };
  memcpy (*labels, lh, 8);
  for (int i = 0; i < n; i++)
    (*labels)[8 + i] = (guint8) (i % 10);
}

static void
write_gz (const char *path, const guint8 *data, gsize len)
{
  gzFile gz = gzopen (path, "wb9");
  g_assert_nonnull (gz);
  g_assert_cmpint (gzwrite (gz, data, (unsigned) len), ==, (int) len);
  g_assert_cmpint (gzclose (gz), ==, Z_OK);
}

static void
test_gzip_round_trip (void)
{
  g_autofree char *dir = test_tmp_dir ();
  guint8 *images, *labels;
  gsize ilen, llen;
  make_idx (&images, &ilen, &labels, &llen, 300);

  /* Only the .gz names exist: nn_mnist_load must fall back to them. */
  g_autofree char *ip = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *lp = g_build_filename (dir, "t10k-labels-idx1-ubyte.gz", NULL);
  write_gz (ip, images, ilen);
  write_gz (lp, labels, llen);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_mnist_load (dir, NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 300);
  g_assert_cmpmem (ds->images, 300 * NN_IMAGE_PIXELS, images + 16, ilen - 16);
  g_assert_cmpmem (ds->labels, 300, labels + 8, llen - 8);

  /* Gzip is recognised by content: a gzipped file under a plain name reads too,
   * and so does a plain file next to it. */
  g_autofree char *ip2 = g_build_filename (dir, "plain-name-but-gzipped", NULL);
  write_gz (ip2, images, ilen);
  g_autofree char *lp2 = g_build_filename (dir, "labels-plain", NULL);
  g_assert_true (g_file_set_contents (lp2, (char *) labels, (gssize) llen, NULL));
  g_autoptr (NnDataset) ds2 = nn_idx_load (ip2, lp2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (ds2->images, 300 * NN_IMAGE_PIXELS, images + 16, ilen - 16);

  /* A truncated gzip stream is an error, not a short dataset. */
  g_autofree char *whole = NULL;
  gsize wlen = 0;
  g_assert_true (g_file_get_contents (ip, &whole, &wlen, NULL));
  g_autofree char *cut = g_build_filename (dir, "cut.gz", NULL);
  g_assert_true (g_file_set_contents (cut, whole, (gssize) (wlen / 2), NULL));
  g_autoptr (NnDataset) bad = nn_idx_load (cut, lp2, &error);
  g_assert_null (bad);
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "cut.gz"));
  g_assert_nonnull (strstr (error->message, "truncated"));
  g_clear_error (&error);

  /* A missing directory names the file it looked for. */
  g_autoptr (NnDataset) none = nn_mnist_load (dir, NN_MNIST_TRAIN, &error);
  g_assert_null (none);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "train-images-idx3-ubyte"));

  g_free (images);
  g_free (labels);
  test_rm_rf (dir);
}

typedef struct {
  const char *name;
  gboolean broken_labels; /* which file of the pair is broken */
  const char *expect;     /* a piece of the message */
} BrokenCase;

/* Breaks one copy of the valid pair according to the case's name. */
static void
make_broken (const char *name, guint8 **images, gsize *ilen, guint8 **labels, gsize *llen)
{
  make_idx (images, ilen, labels, llen, 20);
  if (strcmp (name, "wrong-magic") == 0)
    (*images)[3] = 0x08;
  else if (strcmp (name, "labels-as-images") == 0)
    (*labels)[3] = 0x03;
  else if (strcmp (name, "truncated-header") == 0)
    *ilen = 10;
  else if (strcmp (name, "truncated-data") == 0)
    *ilen -= 100;
  else if (strcmp (name, "truncated-labels") == 0)
    *llen -= 1;
  else if (strcmp (name, "count-mismatch") == 0)
    (*labels)[7] = 19, *llen -= 1;
  else if (strcmp (name, "absurd-count") == 0)
    memset (*images + 4, 0xff, 4);
  else if (strcmp (name, "bad-dims") == 0)
    (*images)[11] = 32;
  else if (strcmp (name, "label-11") == 0)
    (*labels)[8 + 13] = 11;
  else if (strcmp (name, "empty") == 0)
    *ilen = 0;
  else if (strcmp (name, "trailing-bytes") == 0)
    (*images)[7] = 19;
  else if (strcmp (name, "zero-count") == 0)
    (*images)[7] = 0, (*labels)[7] = 0, *ilen = 16, *llen = 8;
}

static void
test_broken_corpus (void)
{
  static const BrokenCase cases[] = {
    { "wrong-magic",      FALSE, "magic number 0x00000808" },
    { "labels-as-images", TRUE,  "not an IDX labels file" },
    { "truncated-header", FALSE, "truncated IDX header" },
    { "truncated-data",   FALSE, "truncated" },
    { "truncated-labels", TRUE,  "truncated" },
    { "count-mismatch",   TRUE,  "has 19 labels but" },
    { "absurd-count",     FALSE, "claims 4294967295 images" },
    { "bad-dims",         FALSE, "images are 32 x 28 pixels" },
    { "label-11",         TRUE,  "label 11 of image 13" },
    { "empty",            FALSE, "empty file" },
    { "trailing-bytes",   FALSE, "more data than" },
    { "zero-count",       FALSE, "holds no images" },
  };
  g_autofree char *dir = test_tmp_dir ();
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      guint8 *images, *labels;
      gsize ilen, llen;
      make_broken (cases[c].name, &images, &ilen, &labels, &llen);
      g_autofree char *ip = g_strdup_printf ("%s/%s-images", dir, cases[c].name);
      g_autofree char *lp = g_strdup_printf ("%s/%s-labels", dir, cases[c].name);
      g_assert_true (g_file_set_contents (ip, (char *) images, (gssize) ilen, NULL));
      g_assert_true (g_file_set_contents (lp, (char *) labels, (gssize) llen, NULL));

      /* The same damage must be caught in the gzipped copy too. */
      for (int gz = 0; gz < 2; gz++)
        {
          g_autofree char *ipz = g_strconcat (ip, ".gz", NULL);
          g_autofree char *lpz = g_strconcat (lp, ".gz", NULL);
          if (gz)
            {
              write_gz (ipz, images, ilen);
              write_gz (lpz, labels, llen);
            }
          g_autoptr (GError) error = NULL;
          g_autoptr (NnDataset) ds = nn_idx_load (gz ? ipz : ip, gz ? lpz : lp, &error);
          const char *bad_file = cases[c].broken_labels ? (gz ? lpz : lp) : (gz ? ipz : ip);
          g_test_message ("%s%s: %s", cases[c].name, gz ? " (gz)" : "",
                          error ? error->message : "(no error)");
          g_assert_null (ds);
          g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
          g_assert_nonnull (strstr (error->message, bad_file));
          /* An empty file gzipped is not empty; the header is then truncated. */
          const char *expect = gz && strcmp (cases[c].name, "empty") == 0
                               ? "truncated IDX header" : cases[c].expect;
          if (strstr (error->message, expect) == NULL)
            g_error ("%s: message '%s' lacks '%s'", cases[c].name, error->message, expect);
        }
      g_free (images);
      g_free (labels);
    }

  /* A file that is not there is an I/O error naming it. */
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_idx_load ("/nonexistent/images", "/nonexistent/labels", &error);
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/images"));
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/idx/mnist", test_mnist_real);
  g_test_add_func ("/idx/gather-slice", test_gather_slice);
  g_test_add_func ("/idx/gzip", test_gzip_round_trip);
  g_test_add_func ("/idx/broken", test_broken_corpus);
  return g_test_run ();
}
