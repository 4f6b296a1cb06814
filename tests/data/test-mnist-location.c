/* test-mnist-location: where MNIST is looked for, in which order, and which folders
 * count as MNIST, on fake IDX sets made here (plain files are sparse, so a fake
 * training set costs no disk; gzipped ones are zeros, which compress to little). */
#include <glib.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nn-dataset.h"
#include "nn-error.h"
#include "nn-mnist-location.h"
#include "test-data-util.h"

static char *top;       /* this run's temporary folder */
static char *user_dir;  /* $XDG_DATA_HOME/digits/mnist for this run */

typedef struct {
  const char *name;
  guint32 magic, count, rows, cols;
} FakeFile;

static const FakeFile mnist_layout[4] = {
  { "train-images-idx3-ubyte", 0x803, 60000, 28, 28 },
  { "train-labels-idx1-ubyte", 0x801, 60000, 0, 0 },
  { "t10k-images-idx3-ubyte", 0x803, 10000, 28, 28 },
  { "t10k-labels-idx1-ubyte", 0x801, 10000, 0, 0 },
};

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static int
header_of (const FakeFile *f, guint8 h[16])
{
  put_be32 (h, f->magic);
  put_be32 (h + 4, f->count);
  put_be32 (h + 8, f->rows);
  put_be32 (h + 12, f->cols);
  return f->rows ? 16 : 8;
}

static guint64
payload_of (const FakeFile *f)
{
  return (guint64) f->count * (f->rows ? f->rows * f->cols : 1);
}

/* A plain IDX file: the header, then zeros (a hole) up to the full size. */
static void
write_plain (const char *dir, const FakeFile *f, gint64 size_delta)
{
  g_autofree char *path = g_build_filename (dir, f->name, NULL);
  guint8 h[16];
  int n = header_of (f, h);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, h, n), ==, n);
  g_assert_cmpint (ftruncate (fd, (off_t) (n + payload_of (f) + size_delta)), ==, 0);
  close (fd);
}

static void
write_gz (const char *dir, const FakeFile *f)
{
  g_autofree char *name = g_strconcat (f->name, ".gz", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  guint8 h[16];
  int n = header_of (f, h);
  gzFile gz = gzopen (path, "wb1");
  g_assert_nonnull (gz);
  g_assert_cmpint (gzwrite (gz, h, n), ==, n);
  static guint8 zeros[1 << 16];
  for (guint64 left = payload_of (f); left > 0;)
    {
      unsigned chunk = (unsigned) MIN (left, sizeof zeros);
      g_assert_cmpint (gzwrite (gz, zeros, chunk), ==, (int) chunk);
      left -= chunk;
    }
  g_assert_cmpint (gzclose (gz), ==, Z_OK);
}

/* A fresh folder under top holding a fake MNIST; gzipped when gz. */
static char *
make_fake (const char *name, gboolean gz)
{
  char *dir = g_build_filename (top, name, NULL);
  test_rm_rf (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int i = 0; i < 4; i++)
    gz ? write_gz (dir, &mnist_layout[i]) : write_plain (dir, &mnist_layout[i], 0);
  return dir;
}

static void
assert_check_fails (const char *dir, const char *file, const char *problem)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_mnist_folder_check (dir, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, problem));
}

static void
test_plain_accepted (void)
{
  g_autofree char *dir = make_fake ("plain", FALSE);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_mnist_folder_check (dir, &error));
  g_assert_no_error (error);
}

static void
test_gzipped_accepted (void)
{
  g_autofree char *dir = make_fake ("gzipped", TRUE);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_mnist_folder_check (dir, &error));
  g_assert_no_error (error);

  /* Cut short, as an interrupted copy would leave it: the stored size is gone. */
  g_autofree char *path = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (path, bytes, (gssize) len - 100, NULL));
  assert_check_fails (dir, "t10k-images-idx3-ubyte.gz", "not 7840016");
}

static void
test_missing_file_named (void)
{
  g_autofree char *dir = make_fake ("missing", FALSE);
  g_autofree char *path = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  g_assert_cmpint (g_unlink (path), ==, 0);
  assert_check_fails (dir, "t10k-labels-idx1-ubyte", "is missing");

  g_autofree char *nowhere = g_build_filename (top, "nowhere", NULL);
  assert_check_fails (nowhere, "nowhere", "no such folder");
}

static void
test_bad_headers_named (void)
{
  g_autofree char *dir = make_fake ("bad", FALSE);
  FakeFile f = mnist_layout[2];

  f.magic = 0x801;
  write_plain (dir, &f, 0);
  assert_check_fails (dir, "t10k-images-idx3-ubyte", "magic number 0x00000801");

  f = mnist_layout[2];
  f.count = 9999;
  write_plain (dir, &f, 0);
  assert_check_fails (dir, "t10k-images-idx3-ubyte", "holds 9999 images, not MNIST's 10000");

  f = mnist_layout[2];
  f.rows = 27;
  write_plain (dir, &f, 0);
  assert_check_fails (dir, "t10k-images-idx3-ubyte", "27 x 28, not 28 x 28");

  /* The right header on a truncated file. */
  write_plain (dir, &mnist_layout[2], -784);
  assert_check_fails (dir, "t10k-images-idx3-ubyte", "is 7839232 bytes, not 7840016");

  write_plain (dir, &mnist_layout[2], 0);
  f = mnist_layout[1];
  f.count = 10000;
  write_plain (dir, &f, 0);
  assert_check_fails (dir, "train-labels-idx1-ubyte", "holds 10000 labels, not MNIST's 60000");
}

static GArray *
place_kinds (const char *chosen)
{
  g_autoptr (GPtrArray) places = nn_mnist_places (chosen);
  GArray *kinds = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < places->len; i++)
    {
      const NnMnistPlace *p = g_ptr_array_index (places, i);
      int k = p->kind;
      g_array_append_val (kinds, k);
      if (p->kind == NN_MNIST_PLACE_USER)
        g_assert_cmpstr (p->path, ==, user_dir);
    }
  return kinds;
}

static void
test_places_order (void)
{
  /* This test runs from the build tree, so the source tree's folder is a place. */
  static const int all[] = { NN_MNIST_PLACE_ENV, NN_MNIST_PLACE_CHOSEN, NN_MNIST_PLACE_USER,
                             NN_MNIST_PLACE_SOURCE, NN_MNIST_PLACE_SYSTEM };
  g_setenv ("DIGITS_MNIST_DIR", "/env", TRUE);
  g_autoptr (GArray) kinds = place_kinds ("/chosen");
  g_assert_cmpmem (kinds->data, kinds->len * sizeof (int), all, sizeof all);

  /* No chosen folder: that place is left out; the unset variable is still listed. */
  g_unsetenv ("DIGITS_MNIST_DIR");
  static const int no_chosen[] = { NN_MNIST_PLACE_ENV, NN_MNIST_PLACE_USER,
                                   NN_MNIST_PLACE_SOURCE, NN_MNIST_PLACE_SYSTEM };
  g_autoptr (GArray) kinds2 = place_kinds (NULL);
  g_assert_cmpmem (kinds2->data, kinds2->len * sizeof (int), no_chosen, sizeof no_chosen);
}

static void
assert_found (const char *chosen, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *found = nn_mnist_find (chosen, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, expected);
}

static void
test_find_order (void)
{
  g_autofree char *env = make_fake ("env", FALSE);
  g_autofree char *chosen = make_fake ("chosen", FALSE);
  test_rm_rf (user_dir);
  g_assert_cmpint (g_mkdir_with_parents (user_dir, 0755), ==, 0);
  for (int i = 0; i < 4; i++)
    write_plain (user_dir, &mnist_layout[i], 0);

  g_setenv ("DIGITS_MNIST_DIR", env, TRUE);
  assert_found (chosen, env);        /* the variable wins */
  g_unsetenv ("DIGITS_MNIST_DIR");
  assert_found (chosen, chosen);     /* then the chosen folder */
  assert_found (NULL, user_dir);     /* then the user data folder */
  assert_found ("", user_dir);

  /* A chosen folder that does not hold MNIST is passed over, for the next one. */
  g_autofree char *broken = make_fake ("broken", FALSE);
  g_autofree char *gone = g_build_filename (broken, "train-images-idx3-ubyte", NULL);
  g_unlink (gone);
  assert_found (broken, user_dir);

  /* The variable is taken as given, even naming such a folder (it may hold a
   * smaller IDX set): MNIST elsewhere does not hide the mistake, and loading
   * from it names the missing file. */
  g_setenv ("DIGITS_MNIST_DIR", broken, TRUE);
  assert_found (chosen, broken);
  g_autoptr (GError) wrong = NULL;
  g_autoptr (NnDataset) none = nn_mnist_load (NULL, NN_MNIST_TRAIN, &wrong);
  g_assert_null (none);
  g_assert_nonnull (strstr (wrong->message, "broken/train-images-idx3-ubyte"));
  g_unsetenv ("DIGITS_MNIST_DIR");

  /* nn_mnist_load without a folder reads what the search finds. */
  g_setenv ("DIGITS_MNIST_DIR", env, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) test = nn_mnist_load (NULL, NN_MNIST_TEST, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test->n, ==, 10000);
  g_unsetenv ("DIGITS_MNIST_DIR");
  test_rm_rf (user_dir);
}

static void
test_not_found_lists_places (void)
{
  g_autofree char *broken = make_fake ("broken2", FALSE);
  g_autofree char *gone = g_build_filename (broken, "t10k-images-idx3-ubyte", NULL);
  g_unlink (gone);
  test_rm_rf (user_dir);

  g_autoptr (GError) error = NULL;
  g_autofree char *found = nn_mnist_find (broken, &error);
  if (found != NULL)
    {
      /* The source tree (or the system folder) holds the real MNIST here: it must
       * come after the three places above, which all failed. */
      g_autoptr (GPtrArray) places = nn_mnist_places (broken);
      gboolean later = FALSE;
      for (guint i = 3; i < places->len; i++)
        later |= g_strcmp0 (((NnMnistPlace *) g_ptr_array_index (places, i))->path, found) == 0;
      g_assert_true (later);
      g_test_message ("%s holds MNIST, so there is no list to check here (tests/cli "
                      "checks it with an installed-like copy of digits-cli)", found);
      return;
    }
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz) is missing"));
  g_assert_nonnull (strstr (error->message, "$DIGITS_MNIST_DIR: not set"));
  g_assert_nonnull (strstr (error->message, broken));
  g_assert_nonnull (strstr (error->message, user_dir));
  g_assert_nonnull (strstr (error->message, "the system folder"));
}

int
main (int argc, char **argv)
{
  /* Before anything asks GLib for it: g_get_user_data_dir () is read once. */
  top = test_tmp_dir ();
  g_autofree char *data_home = g_build_filename (top, "xdg-data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  user_dir = g_build_filename (data_home, "digits", "mnist", NULL);
  g_unsetenv ("DIGITS_MNIST_DIR");

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mnist-location/plain-accepted", test_plain_accepted);
  g_test_add_func ("/mnist-location/gzipped-accepted", test_gzipped_accepted);
  g_test_add_func ("/mnist-location/missing-file-named", test_missing_file_named);
  g_test_add_func ("/mnist-location/bad-headers-named", test_bad_headers_named);
  g_test_add_func ("/mnist-location/places-order", test_places_order);
  g_test_add_func ("/mnist-location/find-order", test_find_order);
  g_test_add_func ("/mnist-location/not-found-lists-places", test_not_found_lists_places);
  int status = g_test_run ();
  test_rm_rf (top);
  g_free (top);
  g_free (user_dir);
  return status;
}
